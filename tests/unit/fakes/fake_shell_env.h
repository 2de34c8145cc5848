/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the debug shell (core/shell.c, core/shell_cmds.c) calls, faked for its host unit
 * test: two VMs, the VM life cycle, guest memory, the VM console focus, vUART input,
 * register dumps, the architecture hooks, console input and raw log output. Every call
 * is recorded in env; fake_shell_env_reset() sets up:
 *   vm0 "linux-a": pre-launched, running, boot 1, vCPUs 0-1 on CPUs 0-1, a link vUART
 *       then its console vUART, RAM at gpa 0-0x1fff and 0x2000-0x2fff (adjoining regions)
 *       holding byte i at i, and "Bulkhead shell!\x01" at 0x1000;
 *   vm1 "linux-b": post-launched, stopped ("triple fault"), boot 2, vCPU 0 on CPU 2,
 *       offline, a link vUART only, no readable RAM.
 */
#ifndef FAKE_SHELL_ENV_H
#define FAKE_SHELL_ENV_H

#include <setjmp.h>
#include <bulkhead/log.h>
#include <bulkhead/ptirq.h>
#include <bulkhead/vm.h>

#define FAKE_VM0_RAM_SIZE 0x3000

struct fake_shell_env {
	struct vm vms[2];
	struct vm_config configs[2];
	struct vm_mem_region vm0_regions[2];
	u8 vm0_ram[FAKE_VM0_RAM_SIZE];
	size_t nvms; /* vm_count() */

	struct {
		const char *op; /* "start", "stop", "reset" */
		struct vm *vm;
		char reason[96];
		int result; /* what the next call returns */
		int calls;
	} lifecycle;

	int focused_vm; /* vm_console_focus() */
	int focus_calls;
	size_t out_len_at_focus; /* how much the shell had written when the focus changed */

	u8 received[256]; /* vuart_receive() */
	size_t received_len;
	struct vuart *received_by;

	struct vcpu *dumped; /* vcpu_vendor_dump() */
	enum log_level level_during_dump;

	u32 run_on_cpu_cpu; /* arch_run_on_cpu(); a non-zero result skips the call */
	int run_on_cpu_calls;
	int run_on_cpu_result;

	struct ptirq_line ptirq; /* what ptirq_find() finds (its vm NULL: nothing routed) */

	jmp_buf reset_jump; /* arch_system_reset() jumps here */
	int resets;

	void (*poll_started)(void); /* arch_console_poll_start() */
	u64 poll_period;
	int poll_start_result;

	u8 input[512]; /* console_getc() hands these out, then -1 */
	size_t input_len, input_pos;
	int getc_calls;
	bool console_present; /* console_has_input() */

	char out[131072]; /* log_write_raw(): the text and each write's length */
	size_t out_len;
	size_t writes[4096];
	size_t write_count;

	char ring_buf[4096]; /* log_get_ring() */
	struct log_ring ring;
};

extern struct fake_shell_env env;

/* The two VMs as above, every record cleared; the focus and the reset jump stay. */
void fake_shell_env_reset(void);

#endif
