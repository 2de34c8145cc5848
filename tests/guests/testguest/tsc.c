// SPDX-License-Identifier: BSD-3-Clause
#include "tsc.h"
#include "isa.h"

#define HV_LEAF_BASE	     0x40000000
#define HV_LEAF_TIMING	     0x40000010
#define TICKS_PER_MS_DEFAULT 1000000 /* a 1 GHz TSC when nothing says otherwise */
#define PIT_CALIBRATE_MS     50
#define PIT_CH2_LOHI_M2	     0xb4 /* channel 2, low then high byte, mode 2, binary */
#define PIT_CH2_LATCH	     0x80 /* counter latch command for channel 2 */
#define PIT_POLL_MAX	     10000000ULL
#define SAMPLE_TRIES	     5
#define CALIBRATE_TRIES	     3

u64 tsc_ticks_per_ms(void)
{
	u32 max_basic = cpuid(0).eax;

	if (cpuid(HV_LEAF_BASE).eax >= HV_LEAF_TIMING && cpuid(HV_LEAF_TIMING).eax)
		return cpuid(HV_LEAF_TIMING).eax;
	if (max_basic >= 0x16 && (cpuid(0x16).eax & 0xffff))
		return (u64)(cpuid(0x16).eax & 0xffff) * 1000;
	return TICKS_PER_MS_DEFAULT;
}

/*
 * One reading of channel 2's count between two TSC reads: of SAMPLE_TRIES, the one with
 * the tightest bracket (an emulator's thread may be descheduled in any of them).
 */
static void pit_sample(u16 *count, u64 *tsc)
{
	u64 best = ~0ULL;

	for (unsigned int i = 0; i < SAMPLE_TRIES; i++) {
		u64 t1 = rdtsc(), t2;
		u8 lo, hi;

		outb(PIT_MODE, PIT_CH2_LATCH);
		lo = inb(PIT_CH2);
		hi = inb(PIT_CH2);
		t2 = rdtsc();
		if (t2 - t1 < best) {
			best = t2 - t1;
			*count = (u16)(lo | hi << 8);
			*tsc = t1 + (t2 - t1) / 2;
		}
	}
}

/*
 * Channel 2 as a free-running rate generator (gate on through port 0x61, speaker off),
 * read often enough that its 16-bit count never wraps unseen, for PIT_CALIBRATE_MS.
 * 0 when the count does not move (no PIT) or the reads stalled for long.
 */
static u64 pit_calibrate_once(void)
{
	u64 t0, t1, prev_tsc, max_gap = 0, total = 0, polls = 0;
	u16 c0, c1, prev, c;

	pit_sample(&c0, &t0);
	prev = c0;
	prev_tsc = t0;
	while (total < PIT_HZ / 1000 * PIT_CALIBRATE_MS && polls++ < PIT_POLL_MAX) {
		u64 now;

		outb(PIT_MODE, PIT_CH2_LATCH);
		c = (u16)(inb(PIT_CH2) | inb(PIT_CH2) << 8);
		now = rdtsc();
		total += (u16)(prev - c);
		if (now - prev_tsc > max_gap)
			max_gap = now - prev_tsc;
		prev = c;
		prev_tsc = now;
	}
	pit_sample(&c1, &t1);
	total += (u16)(prev - c1);
	/* A gap of a quarter of the window could hide a wrap (65536 ticks, 55 ms). */
	if (polls >= PIT_POLL_MAX || !total || t1 <= t0 || max_gap > (t1 - t0) / 4)
		return 0;
	return (t1 - t0) * PIT_HZ / total / 1000;
}

static u64 pit_calibrate(void)
{
	u8 p61 = inb(PORT_61);
	u64 khz = 0;

	outb(PORT_61, (u8)((p61 & ~PORT_61_SPEAKER) | PORT_61_GATE2));
	outb(PIT_MODE, PIT_CH2_LOHI_M2);
	outb(PIT_CH2, 0); /* 65536 */
	outb(PIT_CH2, 0);
	for (unsigned int i = 0; i < CALIBRATE_TRIES && !khz; i++)
		khz = pit_calibrate_once();
	outb(PORT_61, p61);
	return khz >= 1000 ? khz : 0;
}

u64 tsc_khz(const char **source)
{
	static u64 khz;
	static const char *from;
	u32 max_basic;

	if (khz)
		goto out;
	max_basic = cpuid(0).eax;
	if (cpuid(HV_LEAF_BASE).eax >= HV_LEAF_TIMING && cpuid(HV_LEAF_TIMING).eax) {
		khz = cpuid(HV_LEAF_TIMING).eax;
		from = "CPUID 0x40000010";
	} else if (max_basic >= 0x15 && cpuid(0x15).eax && cpuid(0x15).ebx && cpuid(0x15).ecx) {
		struct cpuid_regs r = cpuid(0x15);

		khz = (u64)r.ecx * r.ebx / r.eax / 1000;
		from = "CPUID 0x15";
	} else if (max_basic >= 0x16 && (cpuid(0x16).eax & 0xffff)) {
		khz = (u64)(cpuid(0x16).eax & 0xffff) * 1000;
		from = "CPUID 0x16";
	} else {
		khz = pit_calibrate();
		from = "PIT channel 2";
		if (!khz) {
			khz = TICKS_PER_MS_DEFAULT;
			from = "assumed (PIT channel 2 did not count)";
		}
	}
out:
	if (source)
		*source = from;
	return khz;
}

u64 tsc_ms(u64 ms)
{
	return tsc_khz(NULL) * ms;
}

u64 tsc_us(u64 us)
{
	return tsc_khz(NULL) * us / 1000;
}

void tsc_spin(u64 ticks)
{
	u64 start = rdtsc();

	while (rdtsc() - start < ticks)
		cpu_pause();
}
