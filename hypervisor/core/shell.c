// SPDX-License-Identifier: BSD-3-Clause
/*
 * The debug shell's console side: polling, the line editor, switching the console to a
 * VM and back, the command-line parser, and the shell's output.
 *
 * Everything here runs in the poll timer's interrupt handler on CPU 0 (interrupts off),
 * so the state needs no lock: one CPU, never re-entered. The locks the shell reaches
 * through other subsystems (log, VM life cycle, vUART, VM console) are all taken with
 * interrupts off by their holders, so the timer cannot interrupt CPU 0 while it holds one.
 *
 * Output is collected in a buffer and written with log_write_raw() in whole lines, so
 * log messages and VM console lines from other CPUs come between the shell's lines,
 * never inside one.
 */
#include <bulkhead/arch.h>
#include <bulkhead/console.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/printf.h>
#include <bulkhead/shell.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <bulkhead/vm_console.h>
#include <bulkhead/vuart.h>

#define OUT_BUF_SIZE   1024
#define PRINTF_MAX     256
#define POLL_MAX_BYTES 64 /* per poll: a flood of input cannot hold CPU 0 */

#define KEY_BACKSPACE 0x08
#define KEY_DELETE    0x7f
#define KEY_ESC	      0x1b

/* Terminal escape sequences (arrow keys, ...) are skipped whole: ESC [ or ESC O, final. */
enum escape_state {
	ESC_NONE,
	ESC_SEEN,     /* after ESC */
	ESC_SEQUENCE, /* after ESC [ or ESC O: parameters until a final byte 0x40-0x7e */
};

static struct {
	char line[SHELL_LINE_MAX];
	size_t len;
	bool after_cr; /* CR LF from a terminal is one Enter */
	enum escape_state escape;
	int focus_vm; /* -1: the shell has the console */
	struct vuart *focus_vuart;
	char out[OUT_BUF_SIZE];
	size_t out_len;
} shell = {.focus_vm = -1};

/* --- Output. --- */

void shell_flush(void)
{
	if (shell.out_len)
		log_write_raw(shell.out, shell.out_len);
	shell.out_len = 0;
}

/* The length of the longest start of text, at most max, that ends a line (else max). */
static size_t whole_lines(const char *text, size_t max)
{
	for (size_t n = max; n > 0; n--)
		if (text[n - 1] == '\n')
			return n;
	return max;
}

void shell_write(const char *text, size_t len)
{
	while (len) {
		size_t n;

		if (len <= sizeof(shell.out) - shell.out_len) {
			memcpy(shell.out + shell.out_len, text, len);
			shell.out_len += len;
			return;
		}
		if (shell.out_len) {
			shell_flush();
			continue;
		}
		/* More than the buffer holds: straight out, cut after a line where possible. */
		n = whole_lines(text, sizeof(shell.out));
		log_write_raw(text, n);
		text += n;
		len -= n;
	}
}

void shell_printf(const char *fmt, ...)
{
	static char text[PRINTF_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n > 0)
		shell_write(text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

static void print_usage(const struct shell_cmd *cmd)
{
	shell_printf("usage: %s%s%s\n", cmd->name, cmd->args[0] ? " " : "", cmd->args);
}

int shell_usage_error(const struct shell_cmd *cmd, int err, const char *fmt, ...)
{
	char what[PRINTF_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	shell_printf("%s: %s\n", cmd->name, what);
	print_usage(cmd);
	return err;
}

/* --- Parser. --- */

const struct shell_cmd *shell_find_cmd(const char *name)
{
	for (size_t i = 0; i < shell_cmd_count; i++)
		if (strcmp(shell_cmds[i].name, name) == 0)
			return &shell_cmds[i];
	return NULL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits words in place; returns how many there were (argv holds at most max). */
static int split_words(char *text, char **argv, int max)
{
	int count = 0;

	for (char *p = text; *p;) {
		while (is_blank(*p))
			*p++ = '\0';
		if (!*p)
			break;
		if (count < max)
			argv[count] = p;
		count++;
		while (*p && !is_blank(*p))
			p++;
	}
	return count;
}

int shell_exec(const char *line)
{
	static char words[SHELL_LINE_MAX];
	char *argv[SHELL_MAX_ARGS];
	const struct shell_cmd *cmd;
	size_t len = strnlen(line, sizeof(words));
	int argc, err;

	if (len == sizeof(words)) {
		shell_printf("command line too long: at most %u characters\n", SHELL_LINE_MAX - 1);
		shell_flush();
		return -E2BIG;
	}
	memcpy(words, line, len + 1);
	argc = split_words(words, argv, SHELL_MAX_ARGS);
	if (argc == 0)
		return 0;
	cmd = shell_find_cmd(argv[0]);
	if (!cmd) {
		shell_printf("unknown command \"%s\"; \"help\" lists the commands\n", argv[0]);
		err = -ENOENT;
	} else if ((u32)argc - 1 < cmd->min_args) {
		err = shell_usage_error(cmd, -EINVAL, "missing argument");
	} else if ((u32)argc - 1 > cmd->max_args) {
		err = shell_usage_error(cmd, -EINVAL, "too many arguments");
	} else {
		err = cmd->run(argc, argv);
	}
	shell_flush();
	return err;
}

/* --- Console switching. --- */

static struct vuart *console_vuart(struct vm *vm)
{
	/* vm->vuarts[i] is made from the configuration's vuarts[i] (core/vm_devices.c). */
	for (u32 i = 0; i < vm->vuart_count; i++)
		if (vm->config->vuarts[i].type == VUART_CONSOLE)
			return &vm->vuarts[i];
	return NULL;
}

int shell_enter_vm_console(u32 vm_id)
{
	struct vm *vm = vm_get(vm_id);
	struct vuart *v = vm ? console_vuart(vm) : NULL;

	if (!v)
		return -ENODEV;
	/*
	 * Focus first: the VM's unfinished line goes out with its "vmN| " tag before the
	 * notice, and everything after the notice is the VM's raw output.
	 */
	shell.focus_vm = (int)vm_id;
	shell.focus_vuart = v;
	vm_console_focus((int)vm_id);
	shell_printf("vm%u console; press Ctrl-] to return\n", vm_id);
	shell_flush();
	return 0;
}

static void leave_vm_console(void)
{
	int id = shell.focus_vm;

	vm_console_focus(-1);
	shell.focus_vm = -1;
	shell.focus_vuart = NULL;
	/* The VM's raw output may have left its last line open. */
	shell_printf("\nvm%d console closed; back in the hypervisor shell\n" SHELL_PROMPT, id);
}

/* --- Input. --- */

static void run_line(void)
{
	shell.line[shell.len] = '\0';
	shell.len = 0;
	/* End the echoed line now: what the command sets off on other CPUs may log at once. */
	shell_write("\n", 1);
	shell_flush();
	shell_exec(shell.line);
	if (shell.focus_vm < 0)
		shell_write(SHELL_PROMPT, strlen(SHELL_PROMPT));
}

/* Returns true when byte belonged to an escape sequence (and is consumed). */
static bool skip_escape(u8 byte)
{
	switch (shell.escape) {
	case ESC_SEEN:
		shell.escape = byte == '[' || byte == 'O' ? ESC_SEQUENCE : ESC_NONE;
		return true;
	case ESC_SEQUENCE:
		if (byte >= 0x40 && byte <= 0x7e)
			shell.escape = ESC_NONE;
		return true;
	default:
		if (byte != KEY_ESC)
			return false;
		shell.escape = ESC_SEEN;
		return true;
	}
}

static void edit_line(u8 byte)
{
	bool after_cr = shell.after_cr;

	shell.after_cr = byte == '\r';
	if (skip_escape(byte))
		return;
	switch (byte) {
	case '\n':
		if (after_cr)
			break;
		run_line();
		break;
	case '\r':
		run_line();
		break;
	case KEY_BACKSPACE:
	case KEY_DELETE:
		if (shell.len) {
			shell.len--;
			shell_write("\b \b", 3);
		}
		break;
	case SHELL_KEY_CTRL_C:
		shell.len = 0;
		shell_write("^C\n" SHELL_PROMPT, 3 + strlen(SHELL_PROMPT));
		break;
	default:
		/* Printable ASCII only; other control bytes (Ctrl-] included) do nothing here. */
		if (byte < 0x20 || byte > 0x7e)
			break;
		if (shell.len < sizeof(shell.line) - 1) {
			shell.line[shell.len++] = (char)byte;
			shell_write((const char *)&byte, 1);
		} else {
			shell_write("\a", 1); /* line full: ring the bell */
		}
		break;
	}
}

void shell_input(u8 byte)
{
	if (shell.focus_vm >= 0) {
		if (byte == SHELL_KEY_ESCAPE)
			leave_vm_console();
		else
			vuart_receive(shell.focus_vuart, &byte, 1);
	} else {
		edit_line(byte);
	}
	shell_flush();
}

void shell_poll(void)
{
	int c;

	for (int i = 0; i < POLL_MAX_BYTES && (c = console_getc()) >= 0; i++)
		shell_input((u8)c);
}

int shell_init(void)
{
	int err;

	if (!console_has_input()) {
		pr_info("shell: no console UART; the debug shell is off\n");
		return 0;
	}
	/* The VMs run without the shell: a failure here is not worth stopping the boot. */
	err = arch_console_poll_start(shell_poll, SHELL_POLL_US);
	if (err) {
		pr_warn("shell: cannot poll the console (error %d); the debug shell is off\n", err);
		return 0;
	}
	pr_info("shell: debug shell on the console: Enter for a prompt, \"help\" for the "
		"commands\n");
	return 0;
}
