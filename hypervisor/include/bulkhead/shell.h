/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hypervisor debug shell on the console (core/shell.c: input, line editor, output,
 * parser; core/shell_cmds.c: the commands). A timer on CPU 0 polls the console every
 * SHELL_POLL_US; the bytes go to the line editor, or to a VM's console vUART while that
 * VM has the console (SHELL_KEY_ESCAPE gives it back). Everything runs in that timer's
 * interrupt handler on CPU 0, so no command waits for long: VM life-cycle changes are
 * requested and complete later (vm_list shows them). doc/debug-shell.md is the manual.
 */
#ifndef BULKHEAD_SHELL_H
#define BULKHEAD_SHELL_H

#include <bulkhead/compiler.h>
#include <bulkhead/types.h>

#define SHELL_PROMPT	 "bulkhead> "
#define SHELL_POLL_US	 10000
#define SHELL_LINE_MAX	 128  /* bytes of one command line */
#define SHELL_MAX_ARGS	 8    /* words of one command line, the command included */
#define SHELL_KEY_ESCAPE 0x1d /* Ctrl-]: leave a VM's console */
#define SHELL_KEY_CTRL_C 0x03 /* clear the line */

/* Boot step: starts polling the console from the calling CPU's timer (CPU 0). */
int shell_init(void);
/* Reads what the console received and handles it. Timer interrupt, CPU 0. */
void shell_poll(void);
/* Handles one byte typed on the console. */
void shell_input(u8 byte);
/* Runs one command line; returns 0 or the command's negative error. */
int shell_exec(const char *line);

/* --- Between core/shell.c and core/shell_cmds.c only. --- */

struct shell_cmd {
	const char *name;
	const char *args; /* usage after the name, "" when none */
	const char *help; /* one line */
	u32 min_args, max_args;
	/* argv[0] is the command name; argc - 1 is within [min_args, max_args]. */
	int (*run)(int argc, char **argv);
};

extern const struct shell_cmd shell_cmds[];
extern const size_t shell_cmd_count;

/* Shell output: buffered, written in whole lines; shell_flush() sends it now. */
void shell_printf(const char *fmt, ...) __printf(1, 2);
void shell_write(const char *text, size_t len);
void shell_flush(void);
/* Prints "<cmd>: <what>" and the command's usage; returns err. */
int shell_usage_error(const struct shell_cmd *cmd, int err, const char *fmt, ...) __printf(3, 4);
const struct shell_cmd *shell_find_cmd(const char *name);
/* Gives the console to VM vm_id (its console vUART receives the input). 0 or -ENODEV. */
int shell_enter_vm_console(u32 vm_id);

#endif
