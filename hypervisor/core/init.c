// SPDX-License-Identifier: BSD-3-Clause
/*
 * The boot sequence. Every subsystem is brought up by one entry of boot_steps[], in
 * order, on the boot CPU; this table is the one place that says what starts when.
 * A failing step panics with its name, except where failing means "this machine cannot
 * run Bulkhead", which halts with the step's own explanation.
 */
#include <bulkhead/acpi.h>
#include <bulkhead/arch.h>
#include <bulkhead/board_check.h>
#include <bulkhead/cmdline.h>
#include <bulkhead/console.h>
#include <bulkhead/errno.h>
#include <bulkhead/heap.h>
#include <bulkhead/init.h>
#include <bulkhead/log.h>
#include <bulkhead/multiboot2.h>
#include <bulkhead/panic.h>
#include <bulkhead/shell.h>
#include <bulkhead/string.h>
#include <bulkhead/version.h>
#include <bulkhead/vm.h>
#include <bulkhead/vm_config.h>

static u32 boot_magic;
static paddr_t boot_mbi;
static struct boot_info boot_info;
static struct acpi_info acpi;
static u32 cpus_online;

static int step_console(void)
{
	/* Read by the multiboot2 entry (arch/x86/boot/header.S) before anything else. */
	extern u64 boot_entry_tsc;

	/* Without a UART the hypervisor still runs; the log ring keeps the messages. */
	console_init();
	pr_info("Bulkhead %s (%s build) starting\n", BULKHEAD_VERSION, BULKHEAD_BUILD_TYPE);
	/* make bench: VM 0's first TSC minus this is the boot latency in instructions. */
	pr_info("boot: entry TSC %llu\n", (unsigned long long)boot_entry_tsc);
	return 0;
}

static int step_boot_info(void)
{
	char level[4];
	int err;

	if (boot_magic != MB2_BOOTLOADER_MAGIC) {
		pr_err("boot: not started by a multiboot2 loader (magic 0x%x)\n", boot_magic);
		return -EINVAL;
	}
	err = mb2_parse((const void *)boot_mbi, boot_mbi, &boot_info);
	if (err) {
		pr_err("boot: unusable multiboot2 information at 0x%llx\n",
		       (unsigned long long)boot_mbi);
		return err;
	}
	if (boot_info.bad_tags)
		pr_warn("boot: %zu malformed multiboot2 tags skipped\n", boot_info.bad_tags);
	pr_info("boot: loader \"%s\", command line \"%s\", %zu module(s)\n", boot_info.loader_name,
		boot_info.cmdline, boot_info.module_count);
	for (size_t i = 0; i < boot_info.module_count; i++)
		pr_info("boot: module %zu at 0x%llx-0x%llx: %s\n", i,
			(unsigned long long)boot_info.modules[i].start,
			(unsigned long long)boot_info.modules[i].end - 1,
			boot_info.modules[i].string);
	if (cmdline_get(boot_info.cmdline, "loglevel", level, sizeof(level))) {
		u64 value;

		if (parse_u64(level, strlen(level), &value) == 0 && value <= LOG_TRACE)
			log_set_console_level((enum log_level)value);
		else
			pr_warn("boot: ignoring loglevel=%s (expected 0-5)\n", level);
	}
	return 0;
}

const struct boot_info *boot_info_get(void)
{
	return &boot_info;
}

static int step_memory(void)
{
	return memory_init(&boot_info);
}

static int step_paging(void);
static int step_heap(void)
{
	return heap_setup();
}

static int step_acpi(void)
{
	char where[8];
	int err;

	/* acpi_rsdp=bios ignores the boot loader's RSDP copy and scans the BIOS areas. */
	if (cmdline_get(boot_info.cmdline, "acpi_rsdp", where, sizeof(where)) &&
	    strcmp(where, "bios") == 0)
		err = acpi_parse(NULL, 0, &acpi);
	else
		err = acpi_parse(boot_info.rsdp, boot_info.rsdp_len, &acpi);

	if (err) {
		pr_err("ACPI: no usable RSDP/RSDT/XSDT; CPUs and interrupt controllers are unknown\n");
		return err;
	}
	acpi_log_summary(&acpi);
	if (!acpi.have_madt) {
		pr_err("ACPI: no valid MADT; cannot find the CPUs\n");
		return -ENOENT;
	}
	return 0;
}

static int step_platform(void)
{
	return arch_platform_init();
}

static int step_irq(void)
{
	/* Without one, passed-through devices get no INTx; everything else works. */
	if (arch_irq_init(&acpi))
		pr_warn("IOAPIC: none usable; passed-through devices' interrupts cannot be routed\n");
	return 0;
}

static int step_smp(void)
{
	size_t enabled = 0;

	for (size_t i = 0; i < acpi.cpu_count; i++)
		enabled += acpi.cpus[i].enabled;
	cpus_online = arch_smp_init(&acpi);
	pr_info("SMP: %u of %zu CPUs online\n", cpus_online, enabled);
	return 0;
}

static int step_smp_selftest(void)
{
	return arch_smp_selftest();
}

static int step_virt(void)
{
	return arch_virt_check();
}

static int step_vm_config(void)
{
	u32 apic_ids[CONFIG_MAX_PCPUS];
	u32 online = arch_cpu_apic_ids(apic_ids, CONFIG_MAX_PCPUS);

	pr_info("config: %zu VM(s), configuration %s\n", vm_config_count(), vm_config_origin);
	return board_check(board_info(), &acpi, apic_ids, online);
}

static int step_vms(void)
{
	return vms_init();
}

static int step_debug_fault(void)
{
	return debug_fault_run(boot_info.cmdline);
}

static int step_shell(void)
{
	return shell_init();
}

struct boot_step {
	const char *name;
	int (*run)(void);
	bool halt_on_failure; /* unsupported machine: explain and halt, no crash report */
};

static const struct boot_step boot_steps[] = {
	{"console", step_console, false},
	{"boot information", step_boot_info, true},
	{"memory map and page allocator", step_memory, true},
	{"hypervisor page tables", step_paging, false},
	{"heap", step_heap, false},
	{"ACPI tables", step_acpi, true},
	{"timers and local APIC", step_platform, true},
	{"secondary CPUs", step_smp, false},
	{"physical interrupt controllers", step_irq, false},
	{"inter-processor interrupts", step_smp_selftest, false},
	{"VM configuration and board", step_vm_config, true},
	{"hardware virtualization", step_virt, true},
	{"fault injection", step_debug_fault, false},
	{"virtual machines", step_vms, false},
	{"debug shell", step_shell, false},
};

static int step_paging(void)
{
	extern struct memmap boot_memmap;

	return arch_paging_init(&boot_memmap);
}

void boot_main(u32 magic, paddr_t mbi)
{
	boot_magic = magic;
	boot_mbi = mbi;
	for (size_t i = 0; i < ARRAY_SIZE(boot_steps); i++) {
		int err = boot_steps[i].run();

		if (!err)
			continue;
		if (boot_steps[i].halt_on_failure) {
			pr_err("boot: cannot continue: %s failed (error %d)\n", boot_steps[i].name,
			       err);
			system_halt();
		}
		panic("boot step \"%s\" failed with error %d", boot_steps[i].name, err);
	}
	pr_info("Bulkhead ready: %u CPUs online\n", cpus_online);
	pcpu_run_loop();
}
