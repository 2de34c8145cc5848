// SPDX-License-Identifier: BSD-3-Clause
/*
 * The debug shell's commands (the table at the end). Each one checks its arguments
 * before it acts: a VM id, vCPU index, address or level out of range is an error message
 * with the usage, never a fault. They run in CPU 0's timer interrupt (core/shell.c), so
 * none of them waits for a VM: stop, start and reset are requests that the CPU of the
 * VM's vCPU 0 completes, and vm_list shows when.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/printf.h>
#include <bulkhead/ptirq.h>
#include <bulkhead/shell.h>
#include <bulkhead/string.h>
#include <bulkhead/version.h>
#include <bulkhead/vm.h>
#include <bulkhead/vm_config.h>

#define DUMPMEM_DEFAULT_LEN 256
#define DUMPMEM_MAX_LEN	    4096
#define DUMPMEM_PER_LINE    16

static const char *const level_names[] = {
	[LOG_NONE] = "none", [LOG_ERROR] = "error", [LOG_WARN] = "warn",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug", [LOG_TRACE] = "trace",
};

static const char *const load_order_names[] = {
	[VM_PRE_LAUNCHED] = "pre-launched",
	[VM_SERVICE] = "service",
	[VM_POST_LAUNCHED] = "post-launched",
};

/* --- Arguments. --- */

static const struct shell_cmd *this_cmd(char **argv)
{
	return shell_find_cmd(argv[0]);
}

static int parse_number(char **argv, const char *what, const char *text, u64 *out)
{
	int err = parse_u64(text, strlen(text), out);

	if (err == -ERANGE)
		return shell_usage_error(this_cmd(argv), -EINVAL, "%s \"%s\" is too large", what,
					 text);
	if (err)
		return shell_usage_error(this_cmd(argv), -EINVAL,
					 "%s \"%s\" is not a number (decimal, or hex with 0x)",
					 what, text);
	return 0;
}

static int parse_vm(char **argv, const char *text, struct vm **out)
{
	size_t count = vm_count();
	u64 id;
	int err = parse_number(argv, "VM id", text, &id);

	if (err)
		return err;
	if (count == 0)
		return shell_usage_error(this_cmd(argv), -ENOENT, "there are no VMs");
	if (id >= count)
		return shell_usage_error(this_cmd(argv), -ENOENT,
					 "no VM %llu; VM ids are 0-%zu (see vm_list)",
					 (unsigned long long)id, count - 1);
	*out = vm_get((u32)id);
	return *out ? 0 : -ENOENT;
}

static const char *load_order_name(enum vm_load_order order)
{
	return (unsigned int)order < ARRAY_SIZE(load_order_names) ? load_order_names[order] : "?";
}

static const char *level_name(enum log_level level)
{
	return (unsigned int)level < ARRAY_SIZE(level_names) ? level_names[level] : "?";
}

/* --- Information. --- */

static int cmd_help(int argc, char **argv)
{
	char left[48];

	if (argc == 2) {
		const struct shell_cmd *cmd = shell_find_cmd(argv[1]);

		if (!cmd)
			return shell_usage_error(this_cmd(argv), -ENOENT,
						 "no command \"%s\"; \"help\" lists them", argv[1]);
		shell_printf("%s%s%s: %s\n", cmd->name, cmd->args[0] ? " " : "", cmd->args,
			     cmd->help);
		return 0;
	}
	shell_printf("Commands (numbers are decimal, or hex with 0x):\n");
	for (size_t i = 0; i < shell_cmd_count; i++) {
		const struct shell_cmd *cmd = &shell_cmds[i];

		snprintf(left, sizeof(left), "%s%s%s", cmd->name, cmd->args[0] ? " " : "",
			 cmd->args);
		shell_printf("  %-28s %s\n", left, cmd->help);
	}
	shell_printf("Keys: Backspace deletes, Ctrl-C clears the line, Enter runs it; "
		     "Ctrl-] leaves a VM console.\n");
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	u64 ms = arch_time_ns() / 1000000ULL;

	shell_printf("Bulkhead %s (%s build)\n", BULKHEAD_VERSION, BULKHEAD_BUILD_TYPE);
	shell_printf("configuration %s: %zu VM(s); %u CPU(s) online; up %llu.%03llu s\n",
		     vm_config_origin, vm_count(), arch_cpu_count_online(),
		     (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
	return 0;
}

static int cmd_vm_list(int argc, char **argv)
{
	size_t count = vm_count();

	if (count == 0) {
		shell_printf("no VMs in this configuration\n");
		return 0;
	}
	shell_printf("%3s %-16s %-13s %-10s %5s %5s  %s\n", "id", "name", "load order", "state",
		     "vCPUs", "boots", "stop reason");
	for (u32 id = 0; id < count; id++) {
		const struct vm *vm = vm_get(id);

		shell_printf("%3u %-16s %-13s %-10s %5u %5u  %s\n", vm->id, vm->config->name,
			     load_order_name(vm->config->load_order), vm_state_name(vm->state),
			     vm->vcpu_count, vm->boots, vm->stop_reason[0] ? vm->stop_reason : "-");
	}
	return 0;
}

static int cmd_vcpu_list(int argc, char **argv)
{
	size_t count = vm_count();

	if (count == 0) {
		shell_printf("no VMs in this configuration\n");
		return 0;
	}
	shell_printf("%3s %4s %4s %-8s %20s\n", "vm", "vcpu", "pcpu", "state", "exits");
	for (u32 id = 0; id < count; id++) {
		const struct vm *vm = vm_get(id);

		for (u32 i = 0; i < vm->vcpu_count; i++) {
			const struct vcpu *vcpu = &vm->vcpus[i];

			shell_printf("%3u %4u %4u %-8s %20llu\n", vm->id, vcpu->id, vcpu->pcpu,
				     vcpu_state_name(vcpu->state), (unsigned long long)vcpu->exits);
		}
	}
	return 0;
}

static const char *const bar_type_names[] = {
	[PCI_BAR_IO] = "io",
	[PCI_BAR_MEM32] = "mem32",
	[PCI_BAR_MEM64] = "mem64",
};

/* Racy reads of another CPU's state: good enough for a look, never for a decision. */
static void print_pci_function(const struct vm *vm, const struct vpci_dev *d)
{
	const struct pci_passthrough_config *c = d->cfg;
	const struct ptirq_line *l = c->intx_pin ? ptirq_find(vm, c->guest_gsi) : NULL;

	shell_printf("vm%u %02x:%02x.%x %04x:%04x command 0x%04x", vm->id, c->bus, c->devfn >> 3,
		     c->devfn & 7, c->vendor, c->device, d->command);
	if (!c->intx_pin)
		shell_printf(", no INTx\n");
	else if (!l)
		shell_printf(", INT%c not routed\n", 'A' + c->intx_pin - 1);
	else
		shell_printf(", INT%c: GSI %u -> %u, %llu interrupt(s)%s\n", 'A' + c->intx_pin - 1,
			     l->host_gsi, l->guest_gsi, (unsigned long long)l->count,
			     l->masked ? ", masked until the guest's EOI" : "");
	for (u32 i = 0; i < PCI_BAR_COUNT; i++) {
		const struct vpci_bar *b = &d->bars[i];

		if (!b->present)
			continue;
		shell_printf("    BAR%u %-5s 0x%llx size 0x%llx: %s 0x%llx\n", i,
			     bar_type_names[b->type], (unsigned long long)b->hpa,
			     (unsigned long long)b->size,
			     b->mapped ? "decoded at" : "off, guest has",
			     (unsigned long long)b->base);
	}
}

static int cmd_pci_list(int argc, char **argv)
{
	bool any = false;

	for (u32 id = 0; id < vm_count(); id++) {
		const struct vm *vm = vm_get(id);

		for (u32 i = 0; i < vm->pci.count; i++) {
			print_pci_function(vm, &vm->pci.devs[i]);
			any = true;
		}
	}
	if (!any)
		shell_printf("no PCI function is passed through\n");
	return 0;
}

/* On the vCPU's own CPU, in its IPI handler: that CPU has the vCPU's VMCS current. */
static void dump_vcpu_registers(void *arg)
{
	vcpu_vendor_dump(arg);
}

static int cmd_vcpu_dumpreg(int argc, char **argv)
{
	enum log_level level = log_console_level();
	struct vcpu *vcpu;
	struct vm *vm;
	u64 index;
	int err = parse_vm(argv, argv[1], &vm);

	if (!err)
		err = parse_number(argv, "vCPU index", argv[2], &index);
	if (err)
		return err;
	if (index >= vm->vcpu_count)
		return shell_usage_error(
			this_cmd(argv), -ENOENT,
			"vm%u has no vCPU %llu; its vCPUs are 0-%u (see vcpu_list)", vm->id,
			(unsigned long long)index, vm->vcpu_count - 1);
	vcpu = &vm->vcpus[index];
	if (!vcpu->initialized) {
		shell_printf("vcpu_dumpreg: vm%u vcpu%u has not run yet: no register state\n",
			     vm->id, vcpu->id);
		return -ENODEV;
	}
	/* The dump is log output at the info level: show it whatever the console level. */
	shell_flush();
	if (level < LOG_INFO)
		log_set_console_level(LOG_INFO);
	err = arch_run_on_cpu(vcpu->pcpu, dump_vcpu_registers, vcpu);
	if (level < LOG_INFO)
		log_set_console_level(level);
	if (err)
		shell_printf("vcpu_dumpreg: cpu%u (vm%u vcpu%u) did not answer (error %d)\n",
			     vcpu->pcpu, vm->id, vcpu->id, err);
	return err;
}

static void print_hex_line(u64 gpa, const u8 *bytes, size_t n)
{
	char line[16 + 2 + DUMPMEM_PER_LINE * 3 + 3 + DUMPMEM_PER_LINE + 4];
	size_t at;

	at = (size_t)snprintf(line, sizeof(line), "%016llx: ", (unsigned long long)gpa);
	for (size_t i = 0; i < DUMPMEM_PER_LINE; i++) {
		if (i < n)
			at += (size_t)snprintf(line + at, sizeof(line) - at, "%02x ", bytes[i]);
		else
			at += (size_t)snprintf(line + at, sizeof(line) - at, "   ");
		if (i == DUMPMEM_PER_LINE / 2 - 1)
			line[at++] = ' ';
	}
	line[at++] = ' ';
	line[at++] = '|';
	for (size_t i = 0; i < n; i++)
		line[at++] = bytes[i] >= 0x20 && bytes[i] <= 0x7e ? (char)bytes[i] : '.';
	line[at++] = '|';
	line[at++] = '\n';
	shell_write(line, at);
}

static int cmd_dumpmem(int argc, char **argv)
{
	static u8 bytes[DUMPMEM_MAX_LEN];
	u64 gpa, len = DUMPMEM_DEFAULT_LEN;
	struct vm *vm;
	int err = parse_vm(argv, argv[1], &vm);

	if (!err)
		err = parse_number(argv, "address", argv[2], &gpa);
	if (!err && argc == 4)
		err = parse_number(argv, "length", argv[3], &len);
	if (err)
		return err;
	if (len == 0 || len > DUMPMEM_MAX_LEN)
		return shell_usage_error(this_cmd(argv), -EINVAL,
					 "length %llu is out of range: 1-%u bytes",
					 (unsigned long long)len, DUMPMEM_MAX_LEN);
	if (gpa + len - 1 < gpa)
		return shell_usage_error(this_cmd(argv), -EINVAL,
					 "0x%llx + %llu bytes is beyond the address space",
					 (unsigned long long)gpa, (unsigned long long)len);
	if (vm_read_guest(vm, gpa, bytes, len))
		return shell_usage_error(
			this_cmd(argv), -EFAULT, "0x%llx-0x%llx is not all in vm%u's RAM",
			(unsigned long long)gpa, (unsigned long long)(gpa + len - 1), vm->id);
	for (u64 off = 0; off < len; off += DUMPMEM_PER_LINE)
		print_hex_line(gpa + off, bytes + off,
			       (size_t)MIN((u64)DUMPMEM_PER_LINE, len - off));
	return 0;
}

/* --- Log. --- */

static int cmd_loglevel(int argc, char **argv)
{
	u64 level;
	int err;

	if (argc == 2) {
		err = parse_number(argv, "level", argv[1], &level);
		if (err)
			return err;
		if (level > LOG_TRACE)
			return shell_usage_error(
				this_cmd(argv), -EINVAL,
				"level %llu is out of range: 0 (none) to 5 (trace)",
				(unsigned long long)level);
		log_set_console_level((enum log_level)level);
	}
	level = log_console_level();
	shell_printf("console log level %llu (%s); 0 none, 1 error, 2 warn, 3 info, 4 debug, "
		     "5 trace\n",
		     (unsigned long long)level, level_name((enum log_level)level));
	return 0;
}

static int cmd_log(int argc, char **argv)
{
	static char text[CONFIG_LOG_RING_SIZE];
	size_t len = log_ring_read(log_get_ring(), text, sizeof(text));
	const char *start = text;
	u64 lines;

	if (argc == 2) {
		int err = parse_number(argv, "line count", argv[1], &lines);

		if (err)
			return err;
		if (lines == 0)
			return shell_usage_error(this_cmd(argv), -EINVAL,
						 "line count must be at least 1");
		/* Back from the end over `lines` line ends (the last one ends the text). */
		for (size_t i = len; i > 0; i--) {
			if (text[i - 1] == '\n' && i != len && --lines == 0) {
				start = text + i;
				break;
			}
		}
	}
	if (len == 0) {
		shell_printf("the log ring is empty\n");
		return 0;
	}
	shell_write(start, len - (size_t)(start - text));
	if (text[len - 1] != '\n')
		shell_write("\n", 1);
	return 0;
}

/* --- VMs. --- */

static int cmd_vm_console(int argc, char **argv)
{
	struct vm *vm;
	int err = parse_vm(argv, argv[1], &vm);

	if (err)
		return err;
	err = shell_enter_vm_console(vm->id);
	if (err)
		shell_printf("vm_console: vm%u (%s) has no console vUART\n", vm->id,
			     vm->config->name);
	return err;
}

/* A life-cycle request's outcome; needs says which state the request needs. */
static int report_request(struct vm *vm, const char *what, int err, const char *needs)
{
	if (!err) {
		shell_printf("vm%u (%s): %s requested; vm_list shows when it is done\n", vm->id,
			     vm->config->name, what);
		return 0;
	}
	if (err == -EBUSY)
		shell_printf("vm%u (%s) is %s: %s\n", vm->id, vm->config->name,
			     vm_state_name(vm->state), needs);
	else
		shell_printf("vm%u (%s): %s failed (error %d)\n", vm->id, vm->config->name, what,
			     err);
	return err;
}

static int cmd_vm_stop(int argc, char **argv)
{
	struct vm *vm;
	int err = parse_vm(argv, argv[1], &vm);

	if (err)
		return err;
	return report_request(vm, "stop", vm_stop(vm, "stopped from the debug shell"),
			      "only a running VM can be stopped");
}

static int cmd_vm_start(int argc, char **argv)
{
	struct vm *vm;
	int err = parse_vm(argv, argv[1], &vm);

	if (err)
		return err;
	return report_request(vm, "start", vm_start(vm),
			      "only a created or stopped VM can be started");
}

static int cmd_vm_reset(int argc, char **argv)
{
	struct vm *vm;
	int err = parse_vm(argv, argv[1], &vm);

	if (err)
		return err;
	return report_request(vm, "reset", vm_reset(vm, "reset from the debug shell"),
			      "only a running VM can be reset (vm_start starts a stopped one)");
}

static int cmd_reboot(int argc, char **argv)
{
	shell_printf("rebooting the machine\n");
	shell_flush();
	arch_system_reset();
}

const struct shell_cmd shell_cmds[] = {
	{"help", "[command]", "this list, or one command's usage", 0, 1, cmd_help},
	{"version", "", "hypervisor version, configuration, CPUs, uptime", 0, 0, cmd_version},
	{"vm_list", "", "VMs: id, name, load order, state, vCPUs, boots, stop reason", 0, 0,
	 cmd_vm_list},
	{"vcpu_list", "", "vCPUs: VM, index, physical CPU, state, VM exits", 0, 0, cmd_vcpu_list},
	{"vcpu_dumpreg", "<vm> <vcpu>", "a vCPU's registers", 2, 2, cmd_vcpu_dumpreg},
	{"pci_list", "", "passed-through PCI functions: BARs, INTx routing, interrupts", 0, 0,
	 cmd_pci_list},
	{"dumpmem", "<vm> <gpa> [len]", "hex dump of guest RAM (len 1-4096, default 256)", 2, 3,
	 cmd_dumpmem},
	{"loglevel", "[0-5]", "show or set the console log level", 0, 1, cmd_loglevel},
	{"log", "[lines]", "the in-memory log ring (all, or its last lines)", 0, 1, cmd_log},
	{"vm_console", "<vm>", "switch the console to a VM (Ctrl-] returns)", 1, 1, cmd_vm_console},
	{"vm_stop", "<vm>", "request a VM stop", 1, 1, cmd_vm_stop},
	{"vm_start", "<vm>", "request a start of a stopped (or never started) VM", 1, 1,
	 cmd_vm_start},
	{"vm_reset", "<vm>", "request a VM reset (reload and restart)", 1, 1, cmd_vm_reset},
	{"reboot", "", "reset the whole machine", 0, 0, cmd_reboot},
};

const size_t shell_cmd_count = ARRAY_SIZE(shell_cmds);
