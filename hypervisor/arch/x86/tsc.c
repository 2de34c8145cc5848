// SPDX-License-Identifier: BSD-3-Clause
/*
 * TSC frequency. CPUID leaf 0x15 gives it exactly when it reports both the crystal
 * frequency and the TSC/crystal ratio (SDM Vol 3B 18.7.3). Otherwise it is measured
 * against PIT channel 2. CPUID 0x16 only states the nominal base frequency, which need
 * not be the TSC rate (Bochs reports 3.5 GHz while its TSC ticks once per instruction),
 * so it is shown for comparison but never trusted.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <asm/cpu.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#define PIT_HZ	      1193182ULL
#define PIT_CH2_DATA  0x42
#define PIT_CMD	      0x43
#define PIT_GATE_PORT 0x61
#define PIT_GATE2     0x01
#define PIT_SPEAKER   0x02
#define PIT_OUT2      0x20
#define CALIBRATE_MS  10

static u64 khz;
static u64 boot_tsc;
static enum tsc_source source;

u64 pit_measure_tsc(u32 ms)
{
	u64 count = PIT_HZ * ms / 1000, start, end;
	u8 gate = pio_read8(PIT_GATE_PORT);
	u32 spins = 0;

	/* Gate on, speaker off; channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count). */
	pio_write8(PIT_GATE_PORT, (gate & ~PIT_SPEAKER) | PIT_GATE2);
	pio_write8(PIT_CMD, 0xb0);
	pio_write8(PIT_CH2_DATA, count & 0xff);
	pio_write8(PIT_CH2_DATA, (count >> 8) & 0xff);
	start = rdtsc();
	/* OUT2 goes high at terminal count; give up if the PIT never counts. */
	while (!(pio_read8(PIT_GATE_PORT) & PIT_OUT2)) {
		if (++spins > 50000000) {
			pio_write8(PIT_GATE_PORT, gate);
			return 0;
		}
	}
	end = rdtsc();
	pio_write8(PIT_GATE_PORT, gate);
	return end - start;
}

static u64 cpuid_15h_khz(void)
{
	u32 denom, numer, crystal_hz, d;

	if (cpu_max_leaf() < 0x15)
		return 0;
	cpuid_count(0x15, 0, &denom, &numer, &crystal_hz, &d);
	if (!denom || !numer || !crystal_hz)
		return 0;
	return (u64)crystal_hz * numer / denom / 1000;
}

static u32 cpuid_16h_mhz(void)
{
	u32 a, b, c, d;

	if (cpu_max_leaf() < 0x16)
		return 0;
	cpuid_count(0x16, 0, &a, &b, &c, &d);
	return a & 0xffff;
}

int tsc_init(void)
{
	u64 measured, ticks;
	u32 base_mhz = cpuid_16h_mhz();

	boot_tsc = rdtsc();
	ticks = pit_measure_tsc(CALIBRATE_MS);
	measured = ticks / CALIBRATE_MS;
	khz = cpuid_15h_khz();
	if (khz) {
		source = TSC_SRC_CPUID_15H;
		if (measured && (measured > khz + khz / 50 || measured + khz / 50 < khz))
			pr_warn("TSC: CPUID 0x15 says %llu kHz but the PIT measures %llu kHz\n",
				(unsigned long long)khz, (unsigned long long)measured);
	} else if (measured) {
		khz = measured;
		source = TSC_SRC_PIT;
	} else {
		pr_err("TSC: PIT channel 2 does not count; cannot determine the TSC frequency\n");
		return -ENODEV;
	}
	pr_info("TSC: %llu kHz (%s)%s\n", (unsigned long long)khz,
		source == TSC_SRC_PIT ? "calibrated against the PIT" : "CPUID 0x15",
		cpu_has_invariant_tsc() ? ", invariant" : "");
	if (base_mhz && (u64)base_mhz * 1000 != khz)
		pr_info("TSC: CPUID 0x16 states a %u MHz base frequency; not used for timing\n",
			base_mhz);
	return 0;
}

u64 tsc_khz(void)
{
	return khz;
}

enum tsc_source tsc_source(void)
{
	return source;
}

u64 arch_tsc(void)
{
	return rdtsc();
}

u64 arch_tsc_hz(void)
{
	return khz * 1000;
}

u64 arch_time_ns(void)
{
	u64 ticks;

	if (!khz)
		return 0;
	ticks = rdtsc() - boot_tsc;
	/* ticks * 10^6 / khz without overflowing for years of uptime. */
	return ticks / khz * 1000000ULL + ticks % khz * 1000000ULL / khz;
}

void arch_udelay(u64 us)
{
	u64 start = rdtsc(), wait;

	if (!khz) {
		/* Before calibration: roughly 1 us per port read (ISA bus timing). */
		for (u64 i = 0; i < us; i++)
			pio_read8(0x80);
		return;
	}
	wait = us * khz / 1000;
	while (rdtsc() - start < wait)
		cpu_relax();
}
