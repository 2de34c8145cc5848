/* SPDX-License-Identifier: BSD-3-Clause */
/* Time in TSC ticks, for the delays and timeouts of the tests (smp, link). */
#ifndef TESTGUEST_TSC_H
#define TESTGUEST_TSC_H

#include "arch.h"

/*
 * TSC ticks per millisecond: the hypervisor's TSC kHz (CPUID 0x40000010), else the
 * nominal frequency of leaf 0x16, else 1 GHz. Only delays and timeouts depend on it.
 */
u64 tsc_ticks_per_ms(void);

/*
 * The TSC frequency in kHz as an OS would find it, for the tests that compare clocks
 * (pmtimer, lapic, ioapic, pic, rtc, ipi): the hypervisor's CPUID 0x40000010, else
 * CPUID 0x15 (crystal ratio, when it names the crystal), else 0x16 (nominal), else
 * measured against the 8254 PIT channel 2, as Linux's pit_calibrate_tsc() does (gate
 * through port 0x61), over 50 ms, with each end read between two TSC reads. Measured
 * once; *source (may be NULL) names where it came from. Never 0.
 */
u64 tsc_khz(const char **source);

/* TSC ticks in ms / us milliseconds / microseconds at tsc_khz(). */
u64 tsc_ms(u64 ms);
u64 tsc_us(u64 us);
/* Spins for the given number of TSC ticks. */
void tsc_spin(u64 ticks);

#endif
