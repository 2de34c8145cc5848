// SPDX-License-Identifier: BSD-3-Clause
/*
 * The debug shell (core/shell.c, core/shell_cmds.c) driven byte by byte as a terminal
 * drives it, against the fakes in fakes/fake_shell_env.c: two VMs (vm0 with its console
 * vUART second, after a link vUART; vm1 without a console vUART), the VM life cycle, guest
 * memory, the architecture (run on CPU, reset, poll timer), the console input and the raw
 * log output. The log ring and parse_u64 are the hypervisor's own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/shell.h>
#include <bulkhead/version.h>
#include <bulkhead/vm.h>
#include "fake_log.h"
#include "fake_shell_env.h"

/* --- Helpers. --- */

static void clear_output(void)
{
	env.out_len = 0;
	env.out[0] = '\0';
	env.write_count = 0;
	fake_log_reset();
}

static void type(const char *text)
{
	for (const char *p = text; *p; p++)
		shell_input((u8)*p);
}

/* Runs a line as typed (with Enter); returns the output after the echo of the line. */
static const char *run(const char *line)
{
	size_t echo;

	clear_output();
	type(line);
	echo = env.out_len;
	shell_input('\r');
	return env.out + echo;
}

static bool out_has(const char *needle)
{
	return strstr(env.out, needle) != NULL;
}

static void assert_out_has(const char *needle)
{
	if (!out_has(needle))
		fail_msg("output lacks \"%s\"; output was:\n%s", needle, env.out);
}

static int setup(void **state)
{
	(void)state;
	fake_shell_env_reset();
	log_set_console_level(LOG_INFO);
	/* Whatever the last test left: back to the shell, with an empty line. */
	if (env.focused_vm >= 0)
		shell_input(SHELL_KEY_ESCAPE);
	shell_input(SHELL_KEY_CTRL_C);
	env.focus_calls = 0;
	clear_output();
	return 0;
}

/* --- Parser and help. --- */

static void help_lists_every_command(void **state)
{
	static const char *const names[] = {
		"help",	    "version",	"vm_list",  "vcpu_list", "vcpu_dumpreg",
		"pci_list", "dumpmem",	"loglevel", "log",	 "vm_console",
		"vm_stop",  "vm_start", "vm_reset", "reboot",
	};

	(void)state;
	run("help");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[64];

		snprintf(line, sizeof(line), "\n  %s ", names[i]);
		assert_out_has(line);
		assert_non_null(shell_find_cmd(names[i]));
	}
	assert_int_equal(shell_cmd_count, sizeof(names) / sizeof(names[0]));
	assert_out_has("dumpmem <vm> <gpa> [len]");
	assert_out_has("Ctrl-]");
	/* Each command has a one-line help. */
	for (size_t i = 0; i < shell_cmd_count; i++) {
		assert_non_null(shell_cmds[i].help);
		assert_null(strchr(shell_cmds[i].help, '\n'));
		assert_true(shell_cmds[i].min_args <= shell_cmds[i].max_args);
		assert_true(shell_cmds[i].max_args < SHELL_MAX_ARGS);
	}

	run("help dumpmem");
	assert_out_has("dumpmem <vm> <gpa> [len]: hex dump");
	assert_int_equal(shell_exec("help nosuch"), -ENOENT);
	assert_out_has("help: no command \"nosuch\"");
}

static void unknown_commands_and_blank_lines(void **state)
{
	(void)state;
	clear_output();
	assert_int_equal(shell_exec("frobnicate 1 2"), -ENOENT);
	assert_out_has("unknown command \"frobnicate\"; \"help\" lists the commands");

	clear_output();
	assert_int_equal(shell_exec(""), 0);
	assert_int_equal(shell_exec(" \t  "), 0);
	assert_int_equal(env.out_len, 0);
	/* Blanks around and between words do not matter. */
	assert_int_equal(shell_exec("  \tvm_stop\t 0  "), 0);
	assert_string_equal(env.lifecycle.op, "stop");
}

static void argument_counts_are_checked(void **state)
{
	(void)state;
	clear_output();
	assert_int_equal(shell_exec("vm_stop"), -EINVAL);
	assert_out_has("vm_stop: missing argument\nusage: vm_stop <vm>\n");
	clear_output();
	assert_int_equal(shell_exec("vm_stop 0 1"), -EINVAL);
	assert_out_has("vm_stop: too many arguments\nusage: vm_stop <vm>\n");
	clear_output();
	assert_int_equal(shell_exec("version x"), -EINVAL);
	assert_out_has("usage: version\n");
	/* More words than argv holds. */
	clear_output();
	assert_int_equal(shell_exec("dumpmem 0 0 16 1 2 3 4 5 6 7 8 9"), -EINVAL);
	assert_out_has("dumpmem: too many arguments");
	assert_int_equal(env.lifecycle.calls, 0);
}

static void overlong_lines_are_refused(void **state)
{
	char line[SHELL_LINE_MAX + 1];

	(void)state;
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	clear_output();
	assert_int_equal(shell_exec(line), -E2BIG);
	assert_out_has("command line too long");
}

/* --- Numbers and ranges. --- */

static void bad_vm_ids_are_messages(void **state)
{
	static const char *const cmds[] = {"vm_stop", "vm_start", "vm_reset", "vm_console"};

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char line[64];

		snprintf(line, sizeof(line), "%s 2", cmds[i]);
		clear_output();
		assert_int_equal(shell_exec(line), -ENOENT);
		assert_out_has("no VM 2; VM ids are 0-1 (see vm_list)");
		assert_out_has("usage: ");

		snprintf(line, sizeof(line), "%s 0x", cmds[i]);
		clear_output();
		assert_int_equal(shell_exec(line), -EINVAL);
		assert_out_has("VM id \"0x\" is not a number (decimal, or hex with 0x)");

		snprintf(line, sizeof(line), "%s -1", cmds[i]);
		clear_output();
		assert_int_equal(shell_exec(line), -EINVAL);

		snprintf(line, sizeof(line), "%s 99999999999999999999999", cmds[i]);
		clear_output();
		assert_int_equal(shell_exec(line), -EINVAL);
		assert_out_has("is too large");

		/* 2^32 must not wrap to VM 0. */
		snprintf(line, sizeof(line), "%s 0x100000000", cmds[i]);
		clear_output();
		assert_int_equal(shell_exec(line), -ENOENT);
	}
	assert_int_equal(env.lifecycle.calls, 0);
	assert_int_equal(env.focus_calls, 0);

	env.nvms = 0;
	clear_output();
	assert_int_equal(shell_exec("vm_stop 0"), -ENOENT);
	assert_out_has("there are no VMs");
	clear_output();
	assert_int_equal(shell_exec("vm_list"), 0);
	assert_out_has("no VMs");
}

/* --- Information. --- */

static void version_says_what_runs(void **state)
{
	(void)state;
	run("version");
	assert_out_has("Bulkhead " BULKHEAD_VERSION " (" BULKHEAD_BUILD_TYPE " build)\n");
	assert_out_has("configuration test tables: 2 VM(s); 4 CPU(s) online; up 12.345 s\n");
}

static void vm_list_shows_every_vm(void **state)
{
	const char *text;

	(void)state;
	text = run("vm_list");
	assert_non_null(strstr(text, " id name"));
	assert_out_has("stop reason");
	assert_out_has("  0 linux-a          pre-launched  running        2     1  -\n");
	assert_out_has("  1 linux-b          post-launched stopped        1     2  triple fault\n");
}

static void vcpu_list_shows_every_vcpu(void **state)
{
	(void)state;
	env.vms[1].vcpus[0].exits = 18446744073709551615ULL;
	run("vcpu_list");
	assert_out_has(" vm vcpu pcpu state");
	assert_out_has("  0    0    0 running                  1000\n");
	assert_out_has("  0    1    1 running                  1001\n");
	assert_out_has("  1    0    2 offline  18446744073709551615\n");
}

static void pci_list_shows_functions_and_their_interrupts(void **state)
{
	static const struct pci_bar_config bars[] = {
		{.index = 0, .type = PCI_BAR_MEM32, .address = 0xc0000000, .size = 0x20000},
		{.index = 1, .type = PCI_BAR_IO, .address = 0xc040, .size = 0x40},
	};
	static const struct pci_passthrough_config fn = {
		.bus = 0,
		.devfn = 0x10,
		.vendor = 0x8086,
		.device = 0x100e,
		.bars = bars,
		.bar_count = 2,
		.intx_pin = 1,
		.host_gsi = 10,
		.guest_gsi = 11,
	};
	struct vpci_dev *d = &env.vms[1].pci.devs[0];

	(void)state;
	run("pci_list");
	assert_out_has("no PCI function is passed through\n");

	env.vms[1].pci.count = 1;
	*d = (struct vpci_dev){.cfg = &fn, .command = 0x0402};
	d->bars[0] = (struct vpci_bar){.present = true,
				       .type = PCI_BAR_MEM32,
				       .size = 0x20000,
				       .hpa = 0xc0000000,
				       .base = 0xd0000000,
				       .mapped = true};
	d->bars[1] = (struct vpci_bar){
		.present = true, .type = PCI_BAR_IO, .size = 0x40, .hpa = 0xc040, .base = 0xc040};
	run("pci_list");
	assert_out_has("vm1 00:02.0 8086:100e command 0x0402, INTA not routed\n");
	assert_out_has("    BAR0 mem32 0xc0000000 size 0x20000: decoded at 0xd0000000\n");
	assert_out_has("    BAR1 io    0xc040 size 0x40: off, guest has 0xc040\n");

	env.ptirq = (struct ptirq_line){
		.vm = &env.vms[1], .host_gsi = 10, .guest_gsi = 11, .masked = true, .count = 7};
	run("pci_list");
	assert_out_has("INTA: GSI 10 -> 11, 7 interrupt(s), masked until the guest's EOI\n");
	env.ptirq.vm = &env.vms[0]; /* the line belongs to another VM */
	run("pci_list");
	assert_out_has("INTA not routed\n");
	env.ptirq.vm = NULL;
	env.vms[1].pci.count = 0;
}

static void vcpu_dumpreg_runs_on_the_vcpus_cpu(void **state)
{
	(void)state;
	assert_int_equal(shell_exec("vcpu_dumpreg 0 1"), 0);
	assert_int_equal(env.run_on_cpu_calls, 1);
	assert_int_equal(env.run_on_cpu_cpu, 1);
	assert_ptr_equal(env.dumped, &env.vms[0].vcpus[1]);
	assert_true(fake_log_contains("registers of vm0 vcpu1"));

	/* Shown even at a quiet console level, which is restored afterwards. */
	log_set_console_level(LOG_ERROR);
	assert_int_equal(shell_exec("vcpu_dumpreg 1 0x0"), 0);
	assert_int_equal(env.run_on_cpu_cpu, 2);
	assert_int_equal(env.level_during_dump, LOG_INFO);
	assert_int_equal(log_console_level(), LOG_ERROR);
}

static void vcpu_dumpreg_checks_its_arguments(void **state)
{
	(void)state;
	clear_output();
	assert_int_equal(shell_exec("vcpu_dumpreg 0 2"), -ENOENT);
	assert_out_has("vm0 has no vCPU 2; its vCPUs are 0-1 (see vcpu_list)");
	assert_out_has("usage: vcpu_dumpreg <vm> <vcpu>");
	clear_output();
	assert_int_equal(shell_exec("vcpu_dumpreg 5 0"), -ENOENT);
	assert_out_has("no VM 5");
	clear_output();
	assert_int_equal(shell_exec("vcpu_dumpreg 0 one"), -EINVAL);
	assert_out_has("vCPU index \"one\" is not a number");
	assert_int_equal(env.run_on_cpu_calls, 0);

	env.vms[0].vcpus[1].initialized = false;
	clear_output();
	assert_int_equal(shell_exec("vcpu_dumpreg 0 1"), -ENODEV);
	assert_out_has("vm0 vcpu1 has not run yet");
	assert_int_equal(env.run_on_cpu_calls, 0);

	env.run_on_cpu_result = -ETIMEDOUT;
	clear_output();
	assert_int_equal(shell_exec("vcpu_dumpreg 0 0"), -ETIMEDOUT);
	assert_out_has("cpu0 (vm0 vcpu0) did not answer");
	assert_null(env.dumped);
}

/* --- Guest memory. --- */

static void dumpmem_prints_hex_and_ascii(void **state)
{
	(void)state;
	run("dumpmem 0 0x1000 20");
	assert_out_has("0000000000001000: 42 75 6c 6b 68 65 61 64  20 73 68 65 6c 6c 21 01 "
		       " |Bulkhead shell!.|\n");
	assert_out_has("0000000000001010: 10 11 12 13                                      "
		       " |....|\n");
	assert_null(strstr(env.out, "0000000000001020"));

	/* Default length 256 bytes: 16 lines; across the two adjoining regions too. */
	run("dumpmem 0 0x1f80");
	assert_out_has("0000000000001f80: ");
	assert_out_has("0000000000002070: ");
	assert_null(strstr(env.out, "0000000000002080"));
	/* The largest length, and decimal addresses. */
	assert_int_equal(shell_exec("dumpmem 0 4096 4096"), 0);
}

static void dumpmem_stays_in_ram_and_range(void **state)
{
	(void)state;
	clear_output();
	assert_int_equal(shell_exec("dumpmem 0 0x2f00 0x200"), -EFAULT);
	assert_out_has("0x2f00-0x30ff is not all in vm0's RAM");
	assert_null(strstr(env.out, "0000000000002f00:"));
	clear_output();
	assert_int_equal(shell_exec("dumpmem 1 0 16"), -EFAULT);
	assert_out_has("not all in vm1's RAM");
	clear_output();
	assert_int_equal(shell_exec("dumpmem 0 0 0"), -EINVAL);
	assert_out_has("length 0 is out of range: 1-4096 bytes");
	clear_output();
	assert_int_equal(shell_exec("dumpmem 0 0 4097"), -EINVAL);
	assert_out_has("length 4097 is out of range");
	clear_output();
	assert_int_equal(shell_exec("dumpmem 0 0xffffffffffffffff 2"), -EINVAL);
	assert_out_has("beyond the address space");
	clear_output();
	assert_int_equal(shell_exec("dumpmem 0 0xfffffffffffffff0 16"), -EFAULT);
	clear_output();
	assert_int_equal(shell_exec("dumpmem 0 zero"), -EINVAL);
	assert_out_has("address \"zero\" is not a number");
	assert_out_has("usage: dumpmem <vm> <gpa> [len]");
	clear_output();
	assert_int_equal(shell_exec("dumpmem 3 0"), -ENOENT);
}

/* --- Log. --- */

static void loglevel_shows_and_sets(void **state)
{
	(void)state;
	run("loglevel");
	assert_out_has("console log level 3 (info)");
	run("loglevel 5");
	assert_int_equal(log_console_level(), LOG_TRACE);
	assert_out_has("console log level 5 (trace)");
	run("loglevel 0");
	assert_int_equal(log_console_level(), LOG_NONE);
	clear_output();
	assert_int_equal(shell_exec("loglevel 6"), -EINVAL);
	assert_out_has("level 6 is out of range: 0 (none) to 5 (trace)");
	assert_int_equal(shell_exec("loglevel high"), -EINVAL);
	assert_int_equal(log_console_level(), LOG_NONE);
}

static void log_prints_the_ring(void **state)
{
	static const char text[] = "[0.1] cpu0 I: one\n[0.2] cpu0 I: two\n[0.3] cpu1 W: three\n";

	(void)state;
	run("log");
	assert_out_has("the log ring is empty");

	log_ring_append(&env.ring, text, strlen(text));
	run("log");
	assert_out_has(text);
	run("log 2");
	assert_out_has("[0.2] cpu0 I: two\n[0.3] cpu1 W: three\n");
	assert_false(out_has("one"));
	run("log 1");
	assert_out_has("three");
	assert_false(out_has("two"));
	run("log 99");
	assert_out_has(text);
	clear_output();
	assert_int_equal(shell_exec("log 0"), -EINVAL);
	assert_out_has("line count must be at least 1");
	/* An unterminated last line still ends the output's line. */
	log_ring_append(&env.ring, "four", 4);
	run("log 1");
	assert_out_has("four\n");
}

/* --- VM life cycle. --- */

static void lifecycle_requests_are_asynchronous(void **state)
{
	(void)state;
	run("vm_stop 0");
	assert_string_equal(env.lifecycle.op, "stop");
	assert_ptr_equal(env.lifecycle.vm, &env.vms[0]);
	assert_string_equal(env.lifecycle.reason, "stopped from the debug shell");
	assert_out_has("vm0 (linux-a): stop requested; vm_list shows when it is done");

	run("vm_start 1");
	assert_string_equal(env.lifecycle.op, "start");
	assert_ptr_equal(env.lifecycle.vm, &env.vms[1]);
	assert_out_has("vm1 (linux-b): start requested");

	run("vm_reset 0x0");
	assert_string_equal(env.lifecycle.op, "reset");
	assert_string_equal(env.lifecycle.reason, "reset from the debug shell");
	assert_int_equal(env.lifecycle.calls, 3);
}

static void lifecycle_refusals_say_why(void **state)
{
	(void)state;
	env.lifecycle.result = -EBUSY;
	clear_output();
	assert_int_equal(shell_exec("vm_stop 1"), -EBUSY);
	assert_out_has("vm1 (linux-b) is stopped: only a running VM can be stopped");
	clear_output();
	assert_int_equal(shell_exec("vm_start 0"), -EBUSY);
	assert_out_has("vm0 (linux-a) is running: only a created or stopped VM can be started");
	clear_output();
	assert_int_equal(shell_exec("vm_reset 1"), -EBUSY);
	assert_out_has("only a running VM can be reset");
	env.lifecycle.result = -EIO;
	clear_output();
	assert_int_equal(shell_exec("vm_reset 0"), -EIO);
	assert_out_has("vm0 (linux-a): reset failed (error -5)");
}

static void reboot_resets_the_machine(void **state)
{
	(void)state;
	clear_output();
	if (setjmp(env.reset_jump) == 0) {
		shell_exec("reboot");
		fail_msg("reboot returned");
	}
	assert_int_equal(env.resets, 1);
	/* The message is out before the reset. */
	assert_out_has("rebooting the machine\n");
}

/* --- Console switching. --- */

static void vm_console_switches_input_and_back(void **state)
{
	(void)state;
	run("vm_console 0");
	assert_out_has("vm0 console; press Ctrl-] to return\n");
	assert_false(out_has(SHELL_PROMPT));
	assert_int_equal(env.focused_vm, 0);
	/* The VM has the console before the notice: all after it is the VM's. */
	assert_true((size_t)(strstr(env.out, "vm0 console;") - env.out) >= env.out_len_at_focus);

	/* Everything typed goes to the console vUART (the second one), raw. */
	clear_output();
	type("ls -l\r\x03\x7f\x1b[A");
	assert_int_equal(env.received_len, 11);
	assert_memory_equal(env.received, "ls -l\r\x03\x7f\x1b[A", 11);
	assert_ptr_equal(env.received_by, &env.vms[0].vuarts[1]);
	assert_int_equal(env.out_len, 0); /* no echo: the guest echoes */

	/* Ctrl-] gives the console back to the shell. */
	shell_input(SHELL_KEY_ESCAPE);
	assert_int_equal(env.focused_vm, -1);
	assert_int_equal(env.received_len, 11);
	assert_out_has("vm0 console closed; back in the hypervisor shell\n" SHELL_PROMPT);
	run("vm_list");
	assert_out_has("linux-a");
	assert_int_equal(env.received_len, 11);
}

static void vm_console_needs_a_console_vuart(void **state)
{
	(void)state;
	clear_output();
	assert_int_equal(shell_exec("vm_console 1"), -ENODEV);
	assert_out_has("vm1 (linux-b) has no console vUART");
	assert_int_equal(env.focus_calls, 0);
	assert_int_equal(env.focused_vm, -1);
	/* Ctrl-] in the shell itself does nothing. */
	clear_output();
	shell_input(SHELL_KEY_ESCAPE);
	assert_int_equal(env.out_len, 0);
	assert_int_equal(env.focus_calls, 0);
}

/* --- Line editor. --- */

static void editor_echoes_and_runs_on_enter(void **state)
{
	(void)state;
	clear_output();
	type("vm_list");
	assert_string_equal(env.out, "vm_list");
	shell_input('\r');
	assert_out_has("vm_list\n");
	assert_out_has("linux-b");
	assert_true(env.out_len > strlen(SHELL_PROMPT));
	assert_string_equal(env.out + env.out_len - strlen(SHELL_PROMPT), SHELL_PROMPT);

	/* CR LF is one Enter; a lone LF is one too; an empty line gives a new prompt. */
	clear_output();
	type("vm_stop 0\r\n");
	assert_int_equal(env.lifecycle.calls, 1);
	type("vm_stop 0\n");
	assert_int_equal(env.lifecycle.calls, 2);
	clear_output();
	shell_input('\r');
	assert_string_equal(env.out, "\n" SHELL_PROMPT);
}

static void editor_backspace_and_ctrl_c(void **state)
{
	(void)state;
	clear_output();
	type("vm_stopx\x7f 9\x08\x08 0");
	assert_out_has("x\b \b");
	shell_input('\r');
	assert_int_equal(env.lifecycle.calls, 1); /* "vm_stop 0" */
	assert_ptr_equal(env.lifecycle.vm, &env.vms[0]);

	/* Backspace on an empty line does nothing. */
	clear_output();
	shell_input(0x7f);
	assert_int_equal(env.out_len, 0);

	/* Ctrl-C drops the line. */
	clear_output();
	type("vm_stop 0\x03");
	assert_out_has("^C\n" SHELL_PROMPT);
	shell_input('\r');
	assert_int_equal(env.lifecycle.calls, 1);
}

static void editor_ignores_escape_sequences_and_controls(void **state)
{
	(void)state;
	clear_output();
	/* Up arrow (CSI), F1 (SS3), a CSI with parameters, and stray control bytes. */
	type("vm_\x1b[Asto\x1bOPp\x1b[1;5C\x01\x02\x1d 0\xff");
	assert_string_equal(env.out, "vm_stop 0");
	shell_input('\r');
	assert_int_equal(env.lifecycle.calls, 1);
}

static void editor_rings_when_the_line_is_full(void **state)
{
	(void)state;
	clear_output();
	for (int i = 0; i < SHELL_LINE_MAX + 5; i++)
		shell_input('a');
	assert_int_equal(strspn(env.out, "a"), SHELL_LINE_MAX - 1);
	assert_out_has("\a");
	shell_input('\r');
	assert_out_has("unknown command");
}

/* --- Output. --- */

static void long_output_goes_out_in_whole_lines(void **state)
{
	size_t total = 0;

	(void)state;
	clear_output();
	assert_int_equal(shell_exec("dumpmem 0 0 4096"), 0);
	assert_true(env.write_count > 1);
	for (size_t i = 0; i < env.write_count; i++) {
		assert_true(env.writes[i] <= 1024);
		total += env.writes[i];
		assert_int_equal(env.out[total - 1], '\n');
	}
	assert_int_equal(total, 256 * 87);

	/* A single text longer than the buffer is cut after its lines as well. */
	memset(env.ring_buf, 0, sizeof(env.ring_buf));
	for (int i = 0; i < 100; i++) {
		char line[64];
		int n = snprintf(line, sizeof(line), "[%d.000000] cpu0 I: line number %d\n", i, i);

		log_ring_append(&env.ring, line, (size_t)n);
	}
	clear_output();
	assert_int_equal(shell_exec("log"), 0);
	total = 0;
	for (size_t i = 0; i < env.write_count; i++) {
		total += env.writes[i];
		assert_int_equal(env.out[total - 1], '\n');
	}
	assert_out_has("line number 99\n");
}

/* --- Polling and start. --- */

static void poll_feeds_the_editor(void **state)
{
	(void)state;
	memcpy(env.input, "vm_reset 0\r", 11);
	env.input_len = 11;
	clear_output();
	shell_poll();
	assert_int_equal(env.input_pos, 11);
	assert_string_equal(env.lifecycle.op, "reset");

	/* Nothing waiting: one look at the UART. */
	env.getc_calls = 0;
	shell_poll();
	assert_int_equal(env.getc_calls, 1);

	/* A flood is taken in bounded portions. */
	memset(env.input, 'a', sizeof(env.input));
	env.input_len = sizeof(env.input);
	env.input_pos = 0;
	shell_poll();
	assert_true(env.input_pos > 0 && env.input_pos < sizeof(env.input));
	shell_input(SHELL_KEY_CTRL_C);
}

static void init_starts_the_poll_timer(void **state)
{
	(void)state;
	assert_int_equal(shell_init(), 0);
	assert_ptr_equal(env.poll_started, shell_poll);
	assert_int_equal(env.poll_period, SHELL_POLL_US);

	/* No console UART: no timer. A timer failure does not fail the boot. */
	env.poll_started = NULL;
	env.console_present = false;
	assert_int_equal(shell_init(), 0);
	assert_null(env.poll_started);
	assert_true(fake_log_contains("debug shell is off"));
	env.console_present = true;
	env.poll_start_result = -EBUSY;
	fake_log_reset();
	assert_int_equal(shell_init(), 0);
	assert_true(fake_log_contains("cannot poll the console (error -16)"));
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(help_lists_every_command),
		T(unknown_commands_and_blank_lines),
		T(argument_counts_are_checked),
		T(overlong_lines_are_refused),
		T(bad_vm_ids_are_messages),
		T(version_says_what_runs),
		T(vm_list_shows_every_vm),
		T(vcpu_list_shows_every_vcpu),
		T(pci_list_shows_functions_and_their_interrupts),
		T(vcpu_dumpreg_runs_on_the_vcpus_cpu),
		T(vcpu_dumpreg_checks_its_arguments),
		T(dumpmem_prints_hex_and_ascii),
		T(dumpmem_stays_in_ram_and_range),
		T(loglevel_shows_and_sets),
		T(log_prints_the_ring),
		T(lifecycle_requests_are_asynchronous),
		T(lifecycle_refusals_say_why),
		T(reboot_resets_the_machine),
		T(vm_console_switches_input_and_back),
		T(vm_console_needs_a_console_vuart),
		T(editor_echoes_and_runs_on_enter),
		T(editor_backspace_and_ctrl_c),
		T(editor_ignores_escape_sequences_and_controls),
		T(editor_rings_when_the_line_is_full),
		T(long_output_goes_out_in_whole_lines),
		T(poll_feeds_the_editor),
		T(init_starts_the_poll_timer),
	};

	return cmocka_run_group_tests_name("shell", tests, NULL, NULL);
}
