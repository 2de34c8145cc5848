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
#include "apic.h"
#include "check.h"
#include "console.h"
#include "lib.h"
#include "smp.h"
#include "testguest.h"
#include "tsc.h"

#define T "smp"

#define INIT_DELAY_US	    10000
#define STARTUP_DELAY_US    200
#define AP_TIMEOUT_MS	    2000
#define RESTART_WAIT_MIN_MS 50
#define RESTART_WAIT_FACTOR 8

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

bool smp_page_in_ram(u64 page)
{
	for (unsigned int i = 0; i < boot.mmap_count; i++) {
		const struct ram_region *r = &boot.mmap[i];

		if (r->type == MMAP_TYPE_RAM && page >= r->base &&
		    page + 0x1000 <= r->base + r->length)
			return true;
	}
	return false;
}

u64 smp_page(void)
{
	u64 page = SMP_TRAMPOLINE_PAGE;

	if (boot.info_addr >= page && boot.info_addr < page + 0x1000)
		page = SMP_TRAMPOLINE_FALLBACK;
	return page;
}

void smp_load_trampoline(u64 page, const u8 *start, const u8 *end)
{
	memset((void *)(size_t)page, 0, 0x1000);
	memcpy((void *)(size_t)page, start, (size_t)(end - start));
}

u64 smp_start_ap(u64 page, unsigned int n, u32 apic_id, char *why, size_t size)
{
	volatile u32 *target = (volatile u32 *)(size_t)(page + SMP_TARGET);
	u32 startup = APIC_DM_STARTUP | (u32)(page >> 12);
	u64 start, now, timeout = ticks_per_ms * AP_TIMEOUT_MS;

	if (!ticks_per_ms) {
		ticks_per_ms = tsc_ticks_per_ms();
		timeout = ticks_per_ms * AP_TIMEOUT_MS;
	}
	*target = n;
	if (apic_send_ipi(apic_id, APIC_DM_INIT | APIC_ICR_LEVEL_ASSERT, why, size))
		return 0;
	delay_us(INIT_DELAY_US);
	start = rdtsc();
	if (apic_send_ipi(apic_id, startup, why, size))
		return 0;
	delay_us(STARTUP_DELAY_US);
	if (!slot(page, n)->runs && apic_send_ipi(apic_id, startup, why, size))
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
static void check_sipi_ignored(u64 page, const u64 *started, unsigned int aps, u64 slowest)
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
		if (apic_send_ipi(n, APIC_DM_STARTUP | (u32)(page >> 12), why, sizeof(why))) {
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
	u64 page = smp_page(), slowest = 0, started[SMP_MAX_APS + 1] = {0};
	unsigned int aps = cfg.vcpus - 1, n;
	const char *err;
	bool x2apic;
	char why[160], name[32];

	if (cfg.vcpus < 2) {
		check_skip(T, "ap1_started", "vcpus=%u: no AP to start", cfg.vcpus);
		return;
	}
	if (aps > SMP_MAX_APS)
		aps = SMP_MAX_APS;
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
	if (!smp_page_in_ram(page)) {
		check_fail(T, "trampoline", "expected page 0x%llx to be RAM in the memory map",
			   page);
		return;
	}
	err = apic_choose(&x2apic);
	if (!err)
		err = apic_enable(x2apic, why, sizeof(why));
	if (err) {
		check_fail(T, "apic_mode", "%s", err);
		return;
	}
	ticks_per_ms = tsc_ticks_per_ms();
	smp_load_trampoline(page, ap_trampoline, ap_trampoline_end);

	for (n = 1; n <= aps; n++) {
		u64 ticks = smp_start_ap(page, n, n, why, sizeof(why));
		u32 id = slot(page, n)->apic_id;

		tg_snprintf(name, sizeof(name), "ap%u_started", n);
		if (!ticks) {
			check_fail(T, name, "%s AP%u (APIC ID %u): %s",
				   apic.x2apic ? "x2APIC" : "xAPIC", n, n, why);
			continue;
		}
		started[n] = ticks;
		if (ticks > slowest)
			slowest = ticks;
		check_pass(T, name, "%s, %llu TSC ticks after the first STARTUP, vector 0x%llx",
			   apic.x2apic ? "x2APIC" : "xAPIC", ticks, page >> 12);
		tg_snprintf(name, sizeof(name), "ap%u_apic_id", n);
		check(id == n, T, name,
		      "expected CPUID.1:EBX[31:24] = %u on AP%u in real mode, got %u", n, n, id);
	}
	check_sipi_ignored(page, started, aps, slowest);
}
