// SPDX-License-Identifier: BSD-3-Clause
/*
 * Starting the APs (vCPU 1 .. vcpus-1) with the MP initialization sequence of SDM Vol 3A
 * 9.4.4.1: INIT, 10 ms, STARTUP, 200 us, STARTUP, then wait for the AP, bounded by the
 * TSC. The IPIs go through the x2APIC ICR (MSR 0x830, Vol 3A 11.12.9) when CPUID.1:ECX[21]
 * says x2APIC exists, after switching IA32_APIC_BASE to x2APIC mode (11.12.1), else
 * through the xAPIC page (ICR 0x300/0x310, 11.6.1); apic= chooses. Each AP runs the
 * trampoline (trampoline.S) that records its initial APIC ID in its slot. A STARTUP to
 * an AP that is already running must be ignored (9.4.4, 11.6.1 "STARTUP"): the slot's
 * run count stays 1.
 */
#include "check.h"
#include "console.h"
#include "lib.h"
#include "smp.h"
#include "testguest.h"
#include "tsc.h"

#define T "smp"

#define CPUID1_ECX_X2APIC   BIT(21)
#define MSR_IA32_APIC_BASE  0x1b
#define APIC_BASE_EXTD	    BIT(10)
#define APIC_BASE_EN	    BIT(11)
#define APIC_BASE_ADDR	    0x000ffffffffff000ULL
#define MSR_X2APIC_SVR	    0x80f
#define MSR_X2APIC_ICR	    0x830
#define XAPIC_SVR	    0x0f0
#define XAPIC_ICR_LO	    0x300
#define XAPIC_ICR_HI	    0x310
#define SVR_ENABLED	    0x1ff /* APIC software enabled, spurious vector 0xff */
#define ICR_INIT	    (5 << 8)
#define ICR_STARTUP	    (6 << 8)
#define ICR_PENDING	    BIT(12) /* xAPIC only: delivery status */
#define ICR_LEVEL_ASSERT    BIT(14)
#define ICR_PENDING_SPINS   100000
#define INIT_DELAY_US	    10000
#define STARTUP_DELAY_US    200
#define AP_TIMEOUT_MS	    2000
#define RESTART_WAIT_MIN_MS 50
#define RESTART_WAIT_FACTOR 8

struct apic {
	bool x2apic;
	u64 mmio; /* xAPIC page */
};

static u64 ticks_per_ms;

static void delay_us(u64 us)
{
	u64 start = rdtsc(), ticks = ticks_per_ms * us / 1000;

	while (rdtsc() - start < ticks)
		cpu_pause();
}

static volatile struct smp_slot *slot(u64 page, unsigned int n)
{
	return (volatile struct smp_slot *)(size_t)(page + SMP_SLOTS + n * SMP_SLOT_SIZE);
}

static bool page_in_ram(u64 page)
{
	for (unsigned int i = 0; i < boot.mmap_count; i++) {
		const struct ram_region *r = &boot.mmap[i];

		if (r->type == MMAP_TYPE_RAM && page >= r->base &&
		    page + 0x1000 <= r->base + r->length)
			return true;
	}
	return false;
}

/* Switches the local APIC to the mode apic= asks for. Returns NULL or what went wrong. */
static const char *apic_setup(struct apic *a, char *why, size_t size)
{
	bool has_x2apic = cpuid(1).ecx & CPUID1_ECX_X2APIC;
	u64 base = 0;
	struct fault f;
	char what[32];

	a->x2apic = cfg.apic == APIC_X2APIC || (cfg.apic == APIC_AUTO && has_x2apic);
	if (a->x2apic && !has_x2apic)
		return "apic=x2apic, but CPUID.1:ECX bit 21 (x2APIC) is clear";
	f = probe_rdmsr(MSR_IA32_APIC_BASE, &base);
	if (!fault_none(f)) {
		tg_snprintf(why, size, "RDMSR IA32_APIC_BASE raised %s",
			    fault_describe(f, what, sizeof(what)));
		return why;
	}
	/* Valid transitions only (11.12.5): x2APIC -> disabled -> xAPIC -> x2APIC. */
	if (!a->x2apic && (base & APIC_BASE_EXTD)) {
		base &= ~(APIC_BASE_EN | APIC_BASE_EXTD);
		f = probe_wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (fault_none(f) && !(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		f = probe_wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (fault_none(f) && a->x2apic && !(base & APIC_BASE_EXTD)) {
		base |= APIC_BASE_EXTD;
		f = probe_wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (!fault_none(f)) {
		tg_snprintf(why, size, "writing IA32_APIC_BASE 0x%llx (%s mode) raised %s", base,
			    a->x2apic ? "x2APIC" : "xAPIC", fault_describe(f, what, sizeof(what)));
		return why;
	}
	a->mmio = base & APIC_BASE_ADDR;
	if (a->x2apic)
		f = probe_wrmsr(MSR_X2APIC_SVR, SVR_ENABLED);
	else
		f = probe_write32(a->mmio + XAPIC_SVR, SVR_ENABLED);
	if (!fault_none(f)) {
		tg_snprintf(why, size, "enabling the APIC in its SVR (%s 0x%llx) raised %s",
			    a->x2apic ? "MSR" : "MMIO",
			    a->x2apic ? (u64)MSR_X2APIC_SVR : a->mmio + XAPIC_SVR,
			    fault_describe(f, what, sizeof(what)));
		return why;
	}
	return NULL;
}

/* xAPIC: waits (bounded) until the previous IPI left; false when it did not. */
static bool xapic_idle(const struct apic *a, struct fault *f)
{
	u32 icr = 0;

	for (unsigned int i = 0; i < ICR_PENDING_SPINS; i++) {
		*f = probe_read32(a->mmio + XAPIC_ICR_LO, &icr);
		if (!fault_none(*f) || !(icr & ICR_PENDING))
			return true;
		cpu_pause();
	}
	return false;
}

/* Sends one IPI to APIC ID dest. Returns NULL or what went wrong. */
static const char *send_ipi(const struct apic *a, u32 dest, u32 icr, char *why, size_t size)
{
	const char *name = (icr & 0x700) == ICR_INIT ? "INIT" : "STARTUP";
	struct fault f = {.vector = FAULT_NONE};
	char what[32];

	if (a->x2apic) {
		f = probe_wrmsr(MSR_X2APIC_ICR, ((u64)dest << 32) | icr);
	} else {
		if (!xapic_idle(a, &f)) {
			tg_snprintf(why, size, "xAPIC ICR still busy before %s", name);
			return why;
		}
		if (fault_none(f))
			f = probe_write32(a->mmio + XAPIC_ICR_HI, dest << 24);
		if (fault_none(f))
			f = probe_write32(a->mmio + XAPIC_ICR_LO, icr);
		if (fault_none(f) && !xapic_idle(a, &f)) {
			tg_snprintf(why, size, "xAPIC ICR still busy after %s", name);
			return why;
		}
	}
	if (fault_none(f))
		return NULL;
	tg_snprintf(why, size, "sending %s through %s raised %s", name,
		    a->x2apic ? "the x2APIC ICR (MSR 0x830)" : "the xAPIC ICR (MMIO)",
		    fault_describe(f, what, sizeof(what)));
	return why;
}

/*
 * INIT, STARTUP, STARTUP to AP n, then waits for its slot. Returns the TSC ticks from
 * the first STARTUP until the AP showed up, or 0 (why says what happened).
 */
static u64 start_ap(const struct apic *a, u64 page, unsigned int n, char *why, size_t size)
{
	volatile u32 *target = (volatile u32 *)(size_t)(page + SMP_TARGET);
	u32 startup = ICR_STARTUP | (u32)(page >> 12);
	u64 start, now, timeout = ticks_per_ms * AP_TIMEOUT_MS;

	*target = n;
	if (send_ipi(a, n, ICR_INIT | ICR_LEVEL_ASSERT, why, size))
		return 0;
	delay_us(INIT_DELAY_US);
	start = rdtsc();
	if (send_ipi(a, n, startup, why, size))
		return 0;
	delay_us(STARTUP_DELAY_US);
	if (!slot(page, n)->runs && send_ipi(a, n, startup, why, size))
		return 0;
	for (now = rdtsc(); now - start < timeout; now = rdtsc()) {
		if (slot(page, n)->runs)
			return (now - start) | 1;
		cpu_pause();
	}
	tg_snprintf(
		why, size,
		"no run recorded at 0x%llx within %llu TSC ticks (%u ms) after INIT and two STARTUPs (vector 0x%llx)",
		page + SMP_SLOTS + n * SMP_SLOT_SIZE, timeout, AP_TIMEOUT_MS, page >> 12);
	return 0;
}

/*
 * Every AP that runs (halted in the trampoline) must have run once, although the MP
 * sequence sent it a second STARTUP; one more STARTUP each must not make it run again.
 */
static void check_sipi_ignored(const struct apic *a, u64 page, const u64 *started, unsigned int aps,
			       u64 slowest)
{
	u64 wait = slowest * RESTART_WAIT_FACTOR, start;
	unsigned int n, sent = 0, before;
	char why[160], bad[256] = "";
	size_t len = 0;

	if (wait < ticks_per_ms * RESTART_WAIT_MIN_MS)
		wait = ticks_per_ms * RESTART_WAIT_MIN_MS;
	for (n = 1; n <= aps; n++) {
		if (!started[n])
			continue;
		before = slot(page, n)->runs;
		if (before != 1 && len < sizeof(bad))
			len += tg_snprintf(bad + len, sizeof(bad) - len,
					   "%sAP%u ran %u times after INIT and two STARTUPs",
					   len ? ", " : "", n, before);
		*(volatile u32 *)(size_t)(page + SMP_TARGET) = n;
		if (send_ipi(a, n, ICR_STARTUP | (u32)(page >> 12), why, sizeof(why))) {
			check_fail(T, "sipi_ignored_when_running", "AP%u: %s", n, why);
			return;
		}
		sent++;
		for (start = rdtsc(); rdtsc() - start < wait;)
			cpu_pause();
		if (slot(page, n)->runs != before && len < sizeof(bad))
			len += tg_snprintf(bad + len, sizeof(bad) - len,
					   "%sAP%u ran again after one more STARTUP (%u runs)",
					   len ? ", " : "", n, slot(page, n)->runs);
	}
	if (!sent)
		check_skip(T, "sipi_ignored_when_running", "no AP started");
	else if (len)
		check_fail(T, "sipi_ignored_when_running",
			   "expected a STARTUP to a running AP to be ignored: %s", bad);
	else
		check_pass(T, "sipi_ignored_when_running",
			   "%u running AP(s), one more STARTUP each, one run after %llu TSC ticks",
			   sent, wait);
}

void test_smp(void)
{
	u64 page = SMP_TRAMPOLINE_PAGE, slowest = 0, started[SMP_MAX_APS + 1] = {0};
	unsigned int aps = cfg.vcpus - 1, n;
	const char *err;
	struct apic a;
	char why[160], name[32];

	if (cfg.vcpus < 2) {
		check_skip(T, "ap1_started", "vcpus=%u: no AP to start", cfg.vcpus);
		return;
	}
	if (aps > SMP_MAX_APS)
		aps = SMP_MAX_APS;
	if (boot.info_addr >= page && boot.info_addr < page + 0x1000)
		page = SMP_TRAMPOLINE_FALLBACK;
	if (ap_trampoline_end - ap_trampoline > SMP_CODE_MAX) {
		check_fail(T, "trampoline", "the trampoline (%zu bytes) is larger than %u bytes",
			   (size_t)(ap_trampoline_end - ap_trampoline), SMP_CODE_MAX);
		return;
	}
	if (boot.elf64_entry) {
		check_skip(
			T, "trampoline",
			"no memory map after the ELF64 entry to check page 0x%llx against: no AP started",
			page);
		return;
	}
	if (!page_in_ram(page)) {
		check_fail(T, "trampoline", "expected page 0x%llx to be RAM in the memory map",
			   page);
		return;
	}
	err = apic_setup(&a, why, sizeof(why));
	if (err) {
		check_fail(T, "apic_mode", "%s", err);
		return;
	}
	ticks_per_ms = tsc_ticks_per_ms();
	memset((void *)(size_t)page, 0, 0x1000);
	memcpy((void *)(size_t)page, ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));

	for (n = 1; n <= aps; n++) {
		u64 ticks = start_ap(&a, page, n, why, sizeof(why));
		u32 id = slot(page, n)->apic_id;

		tg_snprintf(name, sizeof(name), "ap%u_started", n);
		if (!ticks) {
			check_fail(T, name, "%s AP%u (APIC ID %u): %s",
				   a.x2apic ? "x2APIC" : "xAPIC", n, n, why);
			continue;
		}
		started[n] = ticks;
		if (ticks > slowest)
			slowest = ticks;
		check_pass(T, name, "%s, %llu TSC ticks after the first STARTUP, vector 0x%llx",
			   a.x2apic ? "x2APIC" : "xAPIC", ticks, page >> 12);
		tg_snprintf(name, sizeof(name), "ap%u_apic_id", n);
		check(id == n, T, name,
		      "expected CPUID.1:EBX[31:24] = %u on AP%u in real mode, got %u", n, n, id);
	}
	check_sipi_ignored(&a, page, started, aps, slowest);
}
