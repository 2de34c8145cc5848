/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the benchmark's two parts share (bench.c: exits; bench_intr.c: interrupts). A
 * sample is TSC ticks; in Bochs one tick per instruction.
 */
#ifndef TESTGUEST_BENCH_H
#define TESTGUEST_BENCH_H

#include "arch.h"

/*
 * Around a timed operation: LFENCE keeps RDTSC from passing earlier or later
 * instructions (SDM Vol 2B RDTSC). The start stamp goes to %0/%1 (RSI/RDI in every
 * user), which no operation touches; the stop stamp stays in EAX/EDX.
 */
#define TSC_START "lfence\n\trdtsc\n\tlfence\n\tmov %%eax, %k0\n\tmov %%edx, %k1\n\t"
#define TSC_STOP  "\n\tlfence\n\trdtsc\n\tlfence"

static inline u64 bench_ticks(u32 lo0, u32 hi0, u32 lo1, u32 hi1)
{
	return (((u64)hi1 << 32) | lo1) - (((u64)hi0 << 32) | lo0);
}

/* Sorts samples[0..n) in place and returns the median. */
u64 bench_sort(u64 *samples, unsigned int n);
/*
 * "bench <name> min <n> median <n> baseline <n>" from n samples (sorted here); what the
 * runner (misc/bench/) parses.
 */
void bench_print(const char *name, u64 *samples, unsigned int n, u64 baseline);

/* Interrupt delivery, EOI and IPI costs (bench_intr.c); baseline: an empty sample. */
void bench_intr_run(u64 baseline);

#endif
