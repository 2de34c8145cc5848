// SPDX-License-Identifier: BSD-3-Clause
/*
 * tests=ipi: interprocessor interrupts between the boot CPU and the APs (SDM Vol 3A
 * 11.6). The APs (vCPU 1 .. vcpus-1, at most IRQ_MAX_CPUS - 1, APIC IDs from the MADT)
 * are started with the smp test's INIT/STARTUP sequence, but into 64-bit mode (ap64.S):
 * each loads the guest's IDT, enables its local APIC in the mode under test and then
 * waits with interrupts enabled, counting what arrives (irq.c counts per CPU) and
 * running commands from its mailbox (send an IPI, park).
 *
 * Two phases (main.c runs the x2APIC one later), each starting the APs afresh: xAPIC mode
 * (logical destinations in the flat model: the guest sets DFR and LDR, 11.6.2.2), and
 * x2APIC mode when CPUID has it (logical = cluster mode, the LDR derived from the x2APIC
 * ID, 11.12.10.2). Check names carry the mode. Every IPI is sent alone and its delivery
 * waited for, so counts are exact. The APs are parked (CLI; HLT) at the end of a phase.
 */
#include "acpi.h"
#include "apic.h"
#include "check.h"
#include "console.h"
#include "irq.h"
#include "lib.h"
#include "smp.h"
#include "testguest.h"
#include "tsc.h"

#define T "ipi"

#define WAIT_MS	       50 /* for one delivery or one command */
#define ONLINE_MS      500
#define QUIET_MS       2 /* after a delivery: nothing more may come */
#define IPI_REPEAT     3
#define XAPIC_DFR_FLAT 0xffffffffu
#define WHY_LEN	       160

enum ap_command {
	CMD_SEND_IPI = 1,
	CMD_PARK,
};

struct ap_mailbox {
	volatile u32 online;
	volatile u32 apic_id; /* as the AP reads its ID register */
	volatile u32 ldr;     /* as the AP reads its LDR */
	volatile u32 seq;     /* the boot CPU's last command */
	volatile u32 done;    /* the AP's last finished command */
	volatile u32 cmd, dest, icr;
	volatile u32 failed;
	char why[WHY_LEN];
};

extern const u8 ap64_trampoline[], ap64_trampoline_end[];
void ap64_main(unsigned int n);

/* Read by ap64.S on the AP being started. */
u64 ap64_stack_top;
u32 ap64_index;
/* The mode the APs set up. */
static bool ap_x2apic;

static struct ap_mailbox mbox[IRQ_MAX_CPUS];
static unsigned int cpus; /* the boot CPU and the APs that came online */
static u32 cpu_apic_id[IRQ_MAX_CPUS];
static const char *mode;
static char name_buf[48];

static const char *N(const char *check)
{
	tg_snprintf(name_buf, sizeof(name_buf), "%s_%s", mode, check);
	return name_buf;
}

/* xAPIC flat model: CPU n has bit n of the 8-bit logical ID (11.6.2.2). */
static u32 xapic_ldr(unsigned int n)
{
	return (1u << n) << 24;
}

/* Sets up this CPU's local APIC; returns NULL or why not. */
static const char *apic_setup(unsigned int n, bool x2apic, char *why, size_t size)
{
	const char *err = apic_enable(x2apic, why, size);

	if (err)
		return err;
	apic_reset_local();
	if (!x2apic) {
		apic_write(APIC_DFR, XAPIC_DFR_FLAT);
		apic_write(APIC_LDR, xapic_ldr(n));
	}
	mbox[n].apic_id = apic_id();
	mbox[n].ldr = apic_read(APIC_LDR);
	return NULL;
}

static void ap_run_command(struct ap_mailbox *m)
{
	const char *err = NULL;

	m->failed = 0;
	switch (m->cmd) {
	case CMD_SEND_IPI:
		err = apic_send_ipi(m->dest, m->icr, m->why, sizeof(m->why));
		break;
	case CMD_PARK:
		m->done = m->seq;
		halt_forever();
	default:
		break;
	}
	if (err) {
		if (err != m->why)
			tg_strlcpy(m->why, err, sizeof(m->why));
		m->failed = 1;
	}
}

void ap64_main(unsigned int n)
{
	struct ap_mailbox *m = &mbox[n];

	trap_load_idt();
	if (apic_setup(n, ap_x2apic, m->why, sizeof(m->why)))
		halt_forever();
	m->done = m->seq;
	m->online = 1;
	for (;;) {
		irq_enable();
		while (m->done == m->seq)
			cpu_pause();
		irq_disable();
		ap_run_command(m);
		m->done = m->seq;
	}
}

/* Runs a command on AP n and waits for it; false (why filled) when it failed. */
static bool ap_command(unsigned int n, u32 cmd, u32 dest, u32 icr, char *why, size_t size)
{
	struct ap_mailbox *m = &mbox[n];
	u32 seq = m->seq + 1;
	u64 start = rdtsc();

	m->cmd = cmd;
	m->dest = dest;
	m->icr = icr;
	__atomic_store_n(&m->seq, seq, __ATOMIC_RELEASE);
	while (m->done != seq) {
		if (rdtsc() - start > tsc_ms(WAIT_MS)) {
			struct ap_fault f = irq_ap_fault();

			if (f.vector >= 0)
				tg_snprintf(why, size, "AP%u took exception %u at rip 0x%llx",
					    f.cpu, f.vector, f.rip);
			else
				tg_snprintf(why, size, "AP%u did not finish a command within %u ms",
					    n, WAIT_MS);
			return false;
		}
		cpu_pause();
	}
	if (m->failed) {
		tg_snprintf(why, size, "AP%u: %s", n, m->why);
		return false;
	}
	return true;
}

/* Counts of VEC_IPI (or the NMI) on every CPU. */
static void snapshot(unsigned int vector, u32 *c)
{
	for (unsigned int i = 0; i < cpus; i++)
		c[i] = irq_count(i, vector);
}

/*
 * Waits until every CPU's count of vector went up by want[cpu], then QUIET_MS more; false
 * when a count differs. The boot CPU has interrupts enabled meanwhile.
 */
static bool wait_counts(unsigned int vector, const u32 *before, const u32 *want, char *seen,
			size_t size)
{
	u64 start = rdtsc();
	unsigned int i;
	bool all;
	size_t len = 0;

	irq_enable();
	do {
		all = true;
		for (i = 0; i < cpus; i++)
			all = all && irq_count(i, vector) - before[i] >= want[i];
	} while (!all && rdtsc() - start < tsc_ms(WAIT_MS));
	tsc_spin(tsc_ms(QUIET_MS));
	irq_disable();
	all = true;
	for (i = 0; i < cpus; i++) {
		u32 got = irq_count(i, vector) - before[i];

		all = all && got == want[i];
		len += (size_t)tg_snprintf(seen + len, size - len, "%sCPU%u %u/%u", i ? ", " : "",
					   i, got, want[i]);
	}
	return all;
}

/* From the boot CPU (from == 0) or AP `from`: one IPI; then the counts must match want. */
static bool send_and_count(unsigned int from, u32 dest, u32 icr, unsigned int vector,
			   const u32 *want, char *why, size_t size)
{
	u32 before[IRQ_MAX_CPUS];
	char seen[WHY_LEN];

	snapshot(vector, before);
	if (from == 0 ? apic_send_ipi(dest, icr, why, size) != NULL
		      : !ap_command(from, CMD_SEND_IPI, dest, icr, why, size))
		return false;
	if (wait_counts(vector, before, want, seen, sizeof(seen)))
		return true;
	tg_snprintf(why, size, "deliveries (got/expected): %s", seen);
	return false;
}

static void expect_only(u32 *want, unsigned int cpu)
{
	for (unsigned int i = 0; i < cpus; i++)
		want[i] = i == cpu;
}

static void check_repeat(const char *name, unsigned int from, unsigned int to, u32 dest, u32 icr,
			 const char *what)
{
	u32 want[IRQ_MAX_CPUS];
	char why[WHY_LEN];

	expect_only(want, to);
	for (unsigned int k = 0; k < IPI_REPEAT; k++) {
		if (!send_and_count(from, dest, icr | VEC_IPI, VEC_IPI, want, why, sizeof(why))) {
			check_fail(T, N(name), "%s, IPI %u of %u: %s", what, k + 1, IPI_REPEAT,
				   why);
			return;
		}
	}
	check_pass(T, N(name), "%s, %u IPIs, each delivered once", what, IPI_REPEAT);
}

/*
 * The logical destination of CPU n: xAPIC flat as the guest set it, x2APIC cluster mode
 * derived from the x2APIC ID (11.12.10.2).
 */
static u32 logical_id(unsigned int n, bool x2apic)
{
	u32 id = cpu_apic_id[n];

	return x2apic ? ((id >> 4) << 16) | (1u << (id & 0xf)) : xapic_ldr(n);
}

static void check_ldr(bool x2apic)
{
	char bad[WHY_LEN] = "";
	size_t len = 0;

	for (unsigned int i = 0; i < cpus; i++) {
		u32 id = cpu_apic_id[i], expected = logical_id(i, x2apic);

		if (mbox[i].ldr != expected)
			len += (size_t)tg_snprintf(bad + len, sizeof(bad) - len,
						   "%sCPU%u (APIC ID %u) 0x%x, expected 0x%x",
						   len ? ", " : "", i, id, mbox[i].ldr, expected);
	}
	if (len)
		check_fail(T, N("ldr"), "LDR: %s", bad);
	else
		check_pass(T, N("ldr"), "%s",
			   x2apic ? "cluster, from the x2APIC ID" : "flat, as set");
}

static void check_logical(bool x2apic)
{
	u32 want[IRQ_MAX_CPUS], dest_ap, dest_both;
	char why[WHY_LEN];

	/* The xAPIC destination field is the LDR's bits 31:24. */
	dest_ap = x2apic ? logical_id(1, true) : logical_id(1, false) >> 24;
	expect_only(want, 1);
	if (send_and_count(0, dest_ap, APIC_DEST_LOGICAL | VEC_IPI, VEC_IPI, want, why,
			   sizeof(why)))
		check_pass(T, N("logical"), "to logical destination 0x%x: AP1 only", dest_ap);
	else
		check_fail(T, N("logical"), "to logical destination 0x%x (AP1): %s", dest_ap, why);

	if (x2apic && (logical_id(0, true) >> 16) != (logical_id(1, true) >> 16)) {
		check_skip(T, N("logical_multicast"),
			   "the boot CPU and AP1 are in different clusters");
		return;
	}
	dest_both = logical_id(0, x2apic) | logical_id(1, x2apic);
	if (!x2apic)
		dest_both >>= 24;
	for (unsigned int i = 0; i < cpus; i++)
		want[i] = i <= 1;
	if (send_and_count(0, dest_both, APIC_DEST_LOGICAL | VEC_IPI, VEC_IPI, want, why,
			   sizeof(why)))
		check_pass(T, N("logical_multicast"),
			   "to logical destination 0x%x: the boot CPU and AP1", dest_both);
	else
		check_fail(T, N("logical_multicast"),
			   "to logical destination 0x%x (boot CPU and AP1): %s", dest_both, why);
}

static void check_shorthands(void)
{
	u32 want[IRQ_MAX_CPUS];
	char why[WHY_LEN];
	unsigned int i;

	for (i = 0; i < cpus; i++)
		want[i] = i != 0;
	if (send_and_count(0, 0, APIC_DEST_ALL_BUT_SELF | VEC_IPI, VEC_IPI, want, why, sizeof(why)))
		check_pass(T, N("all_excluding_self"), "every AP once, not the boot CPU");
	else
		check_fail(T, N("all_excluding_self"), "%s", why);
	for (i = 0; i < cpus; i++)
		want[i] = 1;
	if (send_and_count(0, 0, APIC_DEST_ALL | VEC_IPI, VEC_IPI, want, why, sizeof(why)))
		check_pass(T, N("all_including_self"), "every CPU once");
	else
		check_fail(T, N("all_including_self"), "%s", why);
}

/* irq_dispatch() counts it; there is nothing else to do (an NMI takes no EOI). */
static void nmi_handler(unsigned int vector)
{
	(void)vector;
}

static void check_nmi(void)
{
	u32 want[IRQ_MAX_CPUS];
	char why[WHY_LEN];

	expect_only(want, 1);
	if (send_and_count(0, cpu_apic_id[1], APIC_DM_NMI, VEC_NMI, want, why, sizeof(why)))
		check_pass(T, N("nmi"), "NMI to APIC ID %u reached AP1's NMI handler once",
			   cpu_apic_id[1]);
	else
		check_fail(T, N("nmi"), "NMI to APIC ID %u (AP1): %s", cpu_apic_id[1], why);
}

static void run_checks(bool x2apic)
{
	char what[WHY_LEN];

	check_ldr(x2apic);
	tg_snprintf(what, sizeof(what), "boot CPU to APIC ID %u (AP1)", cpu_apic_id[1]);
	check_repeat("fixed_to_ap", 0, 1, cpu_apic_id[1], APIC_DM_FIXED, what);
	tg_snprintf(what, sizeof(what), "AP1 to APIC ID %u (boot CPU)", cpu_apic_id[0]);
	check_repeat("fixed_from_ap", 1, 0, cpu_apic_id[0], APIC_DM_FIXED, what);
	check_logical(x2apic);
	check_shorthands();
	check_nmi();
}

/* The APIC IDs of the APs: the MADT's enabled CPUs other than the boot CPU, in order. */
static unsigned int ap_ids(u32 *ids, unsigned int max)
{
	const struct platform *p = platform();
	unsigned int n = 0, i;

	for (i = 0; i < p->cpu_count && i < ACPI_MAX_CPUS && n < max; i++) {
		if (p->cpu_apic_ids[i] != cpu_apic_id[0])
			ids[n++] = p->cpu_apic_ids[i];
	}
	return n;
}

static void ap_offline_why(unsigned int n, char *why, size_t size)
{
	struct ap_fault f = irq_ap_fault();

	if (f.vector >= 0)
		tg_snprintf(why, size, "exception %u at rip 0x%llx", f.vector, f.rip);
	else
		tg_snprintf(why, size,
			    "ran the trampoline but was not online in 64-bit mode within %u ms%s%s",
			    ONLINE_MS, mbox[n].why[0] ? ": " : "", mbox[n].why);
}

/*
 * Starts `aps` APs in ap_x2apic mode. Returns NULL with their APIC IDs in list, or why
 * not (in why; *skip when this boot cannot start APs at all).
 */
static const char *bring_up(unsigned int aps, bool *skip, char *list, size_t list_size, char *why,
			    size_t size)
{
	u64 page = smp_page(), start;
	u32 ids[IRQ_MAX_CPUS];
	unsigned int n, found = ap_ids(ids, IRQ_MAX_CPUS - 1);
	char detail[WHY_LEN];
	size_t len = 0;

	*skip = false;
	if (boot.elf64_entry) {
		*skip = true;
		tg_snprintf(why, size, "no memory map after the ELF64 entry: no AP started");
		return why;
	}
	if (!smp_page_in_ram(page)) {
		tg_snprintf(why, size, "expected page 0x%llx to be RAM in the memory map", page);
		return why;
	}
	if (found < aps) {
		tg_snprintf(why, size, "expected %u AP(s) in the MADT (vcpus=%u), found %u", aps,
			    cfg.vcpus, found);
		return why;
	}
	smp_load_trampoline(page, ap64_trampoline, ap64_trampoline_end);
	list[0] = 0;
	for (n = 1; n <= aps; n++) {
		memset(&mbox[n], 0, sizeof(mbox[n]));
		ap64_index = n;
		ap64_stack_top = (u64)(size_t)ap_stacks[n - 1] + AP_STACK_SIZE;
		if (!smp_start_ap(page, n, ids[n - 1], detail, sizeof(detail)))
			break;
		for (start = rdtsc(); !mbox[n].online && rdtsc() - start < tsc_ms(ONLINE_MS);)
			cpu_pause();
		if (!mbox[n].online) {
			ap_offline_why(n, detail, sizeof(detail));
			break;
		}
		cpus++; /* online: parked at the end */
		cpu_apic_id[n] = ids[n - 1];
		if (mbox[n].apic_id != ids[n - 1]) {
			tg_snprintf(detail, sizeof(detail), "reads APIC ID %u, the MADT says %u",
				    mbox[n].apic_id, ids[n - 1]);
			break;
		}
		len += (size_t)tg_snprintf(list + len, list_size - len, "%s%u", len ? "," : "",
					   mbox[n].apic_id);
	}
	if (n <= aps) {
		tg_snprintf(why, size, "AP%u (APIC ID %u): %s", n, ids[n - 1], detail);
		return why;
	}
	return NULL;
}

/* Starts the APs in the phase's mode; false (after a FAIL or SKIP line) unless all came. */
static bool start_aps(unsigned int aps)
{
	char why[WHY_LEN], list[WHY_LEN];
	bool skip;

	if (bring_up(aps, &skip, list, sizeof(list), why, sizeof(why))) {
		if (skip)
			check_skip(T, N("aps_online"), "%s", why);
		else
			check_fail(T, N("aps_online"), "%s", why);
		return false;
	}
	check_pass(T, N("aps_online"), "%u AP(s) in 64-bit mode, APIC IDs %s", aps, list);
	return true;
}

const char *ipi_aps_online(bool x2apic, unsigned int aps, char *why, size_t size)
{
	char list[WHY_LEN];
	const char *err;
	bool skip;

	if (aps == 0 || aps > IRQ_MAX_CPUS - 1) {
		tg_snprintf(why, size, "%u APs asked for, 1..%u possible", aps, IRQ_MAX_CPUS - 1);
		return why;
	}
	ap_x2apic = x2apic;
	cpus = 1;
	err = apic_setup(0, x2apic, why, size);
	if (err)
		return err;
	cpu_apic_id[0] = mbox[0].apic_id;
	return bring_up(aps, &skip, list, sizeof(list), why, size);
}

void ipi_aps_park(void)
{
	char why[WHY_LEN];

	for (unsigned int n = 1; n < cpus; n++)
		ap_command(n, CMD_PARK, 0, 0, why, sizeof(why));
	cpus = 1;
}

u32 ipi_apic_id(unsigned int cpu)
{
	return cpu < cpus ? cpu_apic_id[cpu] : 0;
}

static void run_phase(bool x2apic)
{
	unsigned int aps = cfg.vcpus > IRQ_MAX_CPUS ? IRQ_MAX_CPUS - 1 : cfg.vcpus - 1;
	char why[WHY_LEN];
	const char *err;

	mode = x2apic ? "x2apic" : "xapic";
	if (x2apic && !apic_has_x2apic()) {
		check_skip(T, "x2apic", "CPUID.1:ECX bit 21 (x2APIC) is clear");
		return;
	}
	if (cfg.vcpus < 2) {
		check_skip(T, N("aps_online"), "vcpus=%u: no AP to send IPIs to", cfg.vcpus);
		return;
	}
	irq_quiesce();
	irq_stray_reset();
	irq_set_handler(VEC_IPI, irq_lapic_eoi);
	irq_set_handler(VEC_NMI, nmi_handler);
	ap_x2apic = x2apic;
	cpus = 1;
	err = apic_setup(0, x2apic, why, sizeof(why));
	if (err) {
		check_fail(T, N("enable"), "%s", err);
	} else {
		cpu_apic_id[0] = mbox[0].apic_id;
		if (start_aps(aps))
			run_checks(x2apic);
		ipi_aps_park();
		irq_quiesce();
	}
	irq_check_stray(T, N("stray_interrupts"));
	irq_set_handler(VEC_IPI, NULL);
	irq_set_handler(VEC_NMI, NULL);
}

void test_ipi_xapic(void)
{
	run_phase(false);
}

void test_ipi_x2apic(void)
{
	run_phase(true);
}
