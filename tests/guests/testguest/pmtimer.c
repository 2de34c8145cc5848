// SPDX-License-Identifier: BSD-3-Clause
/*
 * tests=pmtimer: the ACPI PM timer (ACPI 6.5, 4.8.3.3) at the FADT's PM_TMR_BLK, a
 * free-running 3.579545 MHz up-counter of 24 bits (32 with FADT TMR_VAL_EXT). It must
 * never go backwards (modulo its width) and must count at its rate against the TSC
 * (tsc_khz()), within a factor of 2: emulated clocks are noisy, and under Bochs the TSC
 * counts instructions.
 */
#include "acpi.h"
#include "check.h"
#include "testguest.h"
#include "tsc.h"

#define T "pmtimer"

#define MONOTONIC_READS 2000
#define RATE_MS		50

static u32 pm_read(const struct platform *p)
{
	return inl(p->pm_tmr) & platform_pm_timer_mask(p);
}

static void check_monotonic(const struct platform *p)
{
	u32 mask = platform_pm_timer_mask(p), prev = pm_read(p), first = prev, v = prev;
	unsigned int i, changes = 0;

	for (i = 0; i < MONOTONIC_READS; i++) {
		v = pm_read(p);
		/* Going back shows as a huge forward step (more than half the range). */
		if (((v - prev) & mask) > mask / 2) {
			check_fail(
				T, "monotonic",
				"expected every read of port 0x%x to be at or after the one before, read 0x%x after 0x%x (read %u)",
				p->pm_tmr, v, prev, i + 1);
			return;
		}
		changes += v != prev;
		prev = v;
	}
	if (changes)
		check_pass(T, "monotonic", "%u reads, %u changes, advanced by %u", MONOTONIC_READS,
			   changes, (v - first) & mask);
	else
		check_fail(T, "monotonic",
			   "expected the PM timer at port 0x%x to count, it read 0x%x %u times",
			   p->pm_tmr, v, MONOTONIC_READS + 1);
}

static void check_rate(const struct platform *p)
{
	u32 mask = platform_pm_timer_mask(p), t0, t1;
	const char *source;
	u64 khz = tsc_khz(&source), ticks = tsc_ms(RATE_MS), start, end, hz;

	t0 = pm_read(p);
	start = rdtsc();
	tsc_spin(ticks);
	t1 = pm_read(p);
	end = rdtsc();
	/* PM timer ticks per second of TSC time. */
	hz = (u64)((t1 - t0) & mask) * khz * 1000 / (end - start);
	if (hz >= PM_TIMER_HZ / 2 && hz <= PM_TIMER_HZ * 2)
		check_pass(T, "rate", "%llu Hz against a TSC of %llu kHz (%s)", hz, khz, source);
	else
		check_fail(
			T, "rate",
			"expected %u Hz (within a factor of 2) against a TSC of %llu kHz (%s), counted %u in %llu TSC ticks: %llu Hz",
			PM_TIMER_HZ, khz, source, (t1 - t0) & mask, end - start, hz);
}

void test_pmtimer(void)
{
	const struct platform *p = platform();

	if (!p->has_fadt) {
		check_fail(T, "port", "expected a FADT, which names the PM timer's port%s%s",
			   p->why[0] ? ": " : "", p->why);
		return;
	}
	if (!p->pm_tmr || p->pm_tmr_len != 4) {
		check_fail(T, "port", "expected PM_TMR_BLK with PM_TMR_LEN 4, got 0x%x length %u",
			   p->pm_tmr, p->pm_tmr_len);
		return;
	}
	check_monotonic(p);
	check_rate(p);
}
