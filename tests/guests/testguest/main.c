// SPDX-License-Identifier: BSD-3-Clause
/*
 * Boot flow: console, IDT, boot counter, multiboot information and command line (or,
 * after the ELF64 entry, neither), banner, the long-mode check, the tests (or the
 * benchmark), the summary, the optional reset, the heartbeat, halt.
 * tests/guests/README.md describes the output.
 */
#include "check.h"
#include "console.h"
#include "entry64.h"
#include "lib.h"
#include "link.h"
#include "paging.h"
#include "testguest.h"
#include "trap.h"

/* The guest's scratch page: the loader never writes 0x1000-0x1fff. */
#define BOOT_COUNTER_ADDR  0x1000
#define BOOT_COUNTER_MAGIC 0x544755424f4f5431ULL /* "1TOOBUGT" */
#define RESET_CF9_PORT	   0xcf9
#define RESET_CF9_FULL	   0x06 /* system reset + reset CPU (ICH9 RST_CNT) */
#define I8042_STATUS	   0x64
#define I8042_PULSE_RESET  0xfe
#define I8042_INPUT_FULL   0x02
#define HEARTBEAT_SPINS	   1000000 /* about 3 million instructions per line */
#define HEARTBEAT_POLLS	   1000	   /* link_serve() calls per heartbeat line */
#define ELF64_NAME	   "elf64"
#define ELF64_HEARTBEAT	   3
#define TOPO_LEVEL_CORE	   1
#define RESET_GRACE_SPINS  20000000

struct boot_counter {
	u64 magic;
	u64 count;
	u64 check; /* magic ^ count ^ ~0: a torn or stale page reads as fresh */
};

struct boot_info boot;
struct guest_config cfg;
u64 name_hash;

static unsigned int boot_count;

typedef void (*test_fn)(void);

/*
 * The order the tests run in (tests= only selects). lapic and ipi run in two phases, the
 * xAPIC one before smp and the x2APIC one after it: the only way from x2APIC back to
 * xAPIC mode is disabling the APIC and enabling it again (SDM Vol 3A 11.12.5), which QEMU
 * and Bochs do not allow, and smp (apic=auto) may switch to x2APIC.
 */
static const struct {
	enum test_id id;
	test_fn fn;
} run_order[] = {
	{TEST_CPUID, test_cpuid},
	{TEST_CR, test_cr},
	{TEST_MSR, test_msr},
	{TEST_IO, test_io},
	{TEST_MEM, test_mem},
	{TEST_XCR, test_xcr},
	{TEST_HYPERCALL, test_hypercall},
	{TEST_ACPI, test_acpi},
	{TEST_PMTIMER, test_pmtimer},
	{TEST_LAPIC, test_lapic_xapic},
	{TEST_IPI, test_ipi_xapic},
	{TEST_SMP, test_smp},
	{TEST_LINK, test_link},
	{TEST_LAPIC, test_lapic_x2apic},
	{TEST_IPI, test_ipi_x2apic},
	{TEST_IOAPIC, test_ioapic},
	{TEST_PIC, test_pic},
	{TEST_RTC, test_rtc},
	{TEST_SCI, test_sci},
	{TEST_PCI, test_pci},
	{TEST_SELFTEST, test_selftest},
};

static unsigned int boot_counter_advance(void)
{
	volatile struct boot_counter *bc = (volatile struct boot_counter *)BOOT_COUNTER_ADDR;
	u64 count = 0;

	if (bc->magic == BOOT_COUNTER_MAGIC && bc->check == (bc->magic ^ bc->count ^ ~0ULL))
		count = bc->count;
	count++;
	bc->magic = BOOT_COUNTER_MAGIC;
	bc->count = count;
	bc->check = BOOT_COUNTER_MAGIC ^ count ^ ~0ULL;
	return (unsigned int)count;
}

static void print_banner(void)
{
	unsigned int i;
	char tests_list[160] = "";
	size_t len = 0;

	for (i = 0; i < TEST_COUNT; i++) {
		if (cfg.tests & BIT(i))
			len += tg_snprintf(tests_list + len, sizeof(tests_list) - len, "%s%s",
					   len ? "," : "", test_name(i));
	}
	say("boot %u vm %s vcpus %u privileged %u %s %s", boot_count, cfg.name, cfg.vcpus,
	    cfg.privileged, cfg.bench ? "bench" : "tests", cfg.bench ? "1" : tests_list);
	say("first_tsc %llu", first_tsc);
	if (boot.elf64_entry) {
		entry64_print();
		return;
	}
	say("loader \"%s\" info 0x%x cmdline \"%s\"", boot.loader, boot.info_addr, boot.cmdline);
	if (boot.has_mem)
		say("mem_lower %u KiB mem_upper %u KiB", boot.mem_lower_kib, boot.mem_upper_kib);
	for (i = 0; i < boot.mmap_count; i++)
		say("mmap 0x%016llx-0x%016llx type %u", boot.mmap[i].base,
		    boot.mmap[i].base + boot.mmap[i].length, boot.mmap[i].type);
	if (boot.mmap_truncated)
		say("warning: memory map has more than %d entries, rest ignored", MMAP_MAX);
	for (i = 0; i < cfg.warning_count; i++)
		say("warning: %s", cfg.warnings[i]);
}

/* The far jump in head.S only reached 64-bit code if IA-32e mode is active: EFER says so. */
static void check_long_mode(void)
{
	u64 efer = 0;
	struct fault f = probe_rdmsr(MSR_EFER, &efer);
	char what[32];

	check(fault_none(f) && (efer & EFER_LMA), "boot", "long_mode",
	      "expected EFER.LMA = 1 after CR0.PG, EFER 0x%llx (%s)", efer,
	      fault_describe(f, what, sizeof(what)));
}

static bool pattern_written;

static void write_pattern(void)
{
	const char *why = paging_map_identity(cfg.pattern_gpa, 8);
	char what[32];
	struct fault f;

	if (why) {
		check_fail("boot", "pattern_write", "cannot map pattern=0x%llx: %s",
			   cfg.pattern_gpa, why);
		return;
	}
	f = probe_write64(cfg.pattern_gpa, name_hash);
	if (!fault_none(f)) {
		check_fail("boot", "pattern_write", "writing 0x%llx raised %s", cfg.pattern_gpa,
			   fault_describe(f, what, sizeof(what)));
		return;
	}
	pattern_written = true;
	say("pattern 0x%016llx written at 0x%llx", name_hash, cfg.pattern_gpa);
}

static void run_tests(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(run_order); i++) {
		if (cfg.tests & BIT(run_order[i].id))
			run_guarded(test_name(run_order[i].id), run_order[i].fn);
	}
}

static void spin(unsigned long long n)
{
	while (n--)
		cpu_pause();
}

static void request_reset(enum reset_method m)
{
	unsigned int wait;

	switch (m) {
	case RESET_CF9:
		outb(RESET_CF9_PORT, RESET_CF9_FULL);
		break;
	case RESET_KBD:
		/* Bounded: an absent controller reads 0xff, "input buffer full" forever. */
		for (wait = 0; wait < 100000 && (inb(I8042_STATUS) & I8042_INPUT_FULL); wait++)
			cpu_pause();
		outb(I8042_STATUS, I8042_PULSE_RESET);
		break;
	case RESET_TRIPLE:
		trap_load_null_idt();
		asm volatile("int3" : : : "memory");
		break;
	default:
		return;
	}
	spin(RESET_GRACE_SPINS);
	trap_init();
}

static void reset_step(void)
{
	const char *method = reset_method_name(cfg.reset);

	if (boot_count >= 2) {
		check_pass("reset", method, "boot %u", boot_count);
		return;
	}
	say("reset: requesting %s", method);
	request_reset(cfg.reset);
	check_fail("reset", method, "still running after requesting a %s reset", method);
}

/* The pause between heartbeat lines, which is when the peer on the link gets answers. */
static void heartbeat_wait(void)
{
	unsigned int i;

	for (i = 0; i < HEARTBEAT_POLLS; i++) {
		spin(HEARTBEAT_SPINS / HEARTBEAT_POLLS);
		link_serve();
	}
}

static void heartbeat(void)
{
	unsigned int k;
	u64 seen = 0;
	struct fault f;
	char what[32];

	for (k = 1; cfg.heartbeat == 0 || k <= cfg.heartbeat; k++) {
		heartbeat_wait();
		if (!pattern_written) {
			say("alive %u", k);
			continue;
		}
		f = probe_read64(cfg.pattern_gpa, &seen);
		if (fault_none(f) && seen == name_hash)
			say("alive %u pattern ok", k);
		else
			check_fail(
				"heartbeat", "pattern",
				"alive %u pattern CHANGED at 0x%llx: expected 0x%016llx, read 0x%016llx (%s)",
				k, cfg.pattern_gpa, name_hash, seen,
				fault_describe(f, what, sizeof(what)));
	}
}

/* The vCPU count the hypervisor reports (SDM Vol 2A, CPUID leaf 0BH, core level). */
static unsigned int cpuid_vcpus(void)
{
	unsigned int n = 0;

	if (cpuid(0).eax >= 0xb)
		n = cpuid_count(0xb, TOPO_LEVEL_CORE).ebx & 0xffff;
	return n ? n : 1;
}

static void start_up(void)
{
	console_init();
	trap_init();
	boot_count = boot_counter_advance();
}

/* Everything after boot and cfg are known. */
static void __attribute__((noreturn)) run(void)
{
	name_hash = fnv1a64(cfg.name);
	paging_init();
	link_init();
	print_banner();
	if (!boot.elf64_entry && !boot.magic_ok)
		check_fail("boot", "multiboot_magic", "expected EAX 0x%x, got 0x%x",
			   MULTIBOOT_LOADER_MAGIC, boot.magic);
	check_long_mode();
	if (boot.elf64_entry)
		entry64_check();
	if (cfg.has_pattern)
		write_pattern();

	if (cfg.bench)
		bench_run();
	else
		run_tests();
	say("done: %u passed, %u failed", checks_passed(), checks_failed());

	if (cfg.reset != RESET_NONE)
		reset_step();
	heartbeat();
	if (cfg.shutdown != SHUTDOWN_NONE)
		shutdown_step();
	say("halted");
	halt_forever();
}

/* head.S _start: the multiboot entry. */
void testguest_main(u32 magic, u32 mbi);
/* head.S _start64: the ELF64 entry, without command line or multiboot information. */
void testguest_main64(void);

void testguest_main(u32 magic, u32 mbi)
{
	start_up();
	multiboot_parse(magic, mbi, &boot);
	config_parse(boot.cmdline, &cfg);
	run();
}

void testguest_main64(void)
{
	start_up();
	memset(&boot, 0, sizeof(boot));
	boot.elf64_entry = true;
	config_without_cmdline(ELF64_NAME, cpuid_vcpus(), &cfg);
	cfg.heartbeat = ELF64_HEARTBEAT;
	run();
}
