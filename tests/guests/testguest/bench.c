// SPDX-License-Identifier: BSD-3-Clause
/*
 * bench=1: round-trip cost of the exits a hypervisor handles most (CPUID, RDMSR of a
 * trapped MSR, OUT to an emulated port, an MMIO read), in TSC ticks, then the interrupt
 * costs (bench_intr.c). Every sample is LFENCE; RDTSC; LFENCE; <operation>; LFENCE;
 * RDTSC; LFENCE (bench.h); the same shape without an operation is the baseline.
 */
#include "bench.h"
#include "console.h"
#include "paging.h"
#include "probe.h"
#include "testguest.h"

#define BENCH_WARMUP	 16
#define BENCH_ITERATIONS 1000
#define BENCH_PORT	 (COM1_SCRATCH)

enum bench_op {
	OP_EMPTY,
	OP_CPUID,
	OP_RDMSR,
	OP_OUT,
	OP_MMIO,
};

static u64 samples[BENCH_ITERATIONS];

/* One timed operation. The start stamp lives in RSI/RDI, which no operation touches. */
static u64 sample(enum bench_op op)
{
	u32 lo0, hi0, lo1, hi1;

	switch (op) {
	case OP_CPUID:
		asm volatile(TSC_START "xorl %%eax, %%eax\n\txorl %%ecx, %%ecx\n\tcpuid" TSC_STOP
			     : "=&S"(lo0), "=&D"(hi0), "=a"(lo1), "=d"(hi1)
			     :
			     : "rbx", "rcx", "memory");
		break;
	case OP_RDMSR:
		asm volatile(TSC_START "rdmsr" TSC_STOP
			     : "=&S"(lo0), "=&D"(hi0), "=a"(lo1), "=d"(hi1)
			     : "c"(cfg.bench_msr)
			     : "memory");
		break;
	case OP_OUT:
		asm volatile(TSC_START "movw %4, %%dx\n\toutb %%al, %%dx" TSC_STOP
			     : "=&S"(lo0), "=&D"(hi0), "=a"(lo1), "=d"(hi1)
			     : "i"(BENCH_PORT)
			     : "memory");
		break;
	case OP_MMIO:
		asm volatile(TSC_START "movl (%%rcx), %%ebx" TSC_STOP
			     : "=&S"(lo0), "=&D"(hi0), "=a"(lo1), "=d"(hi1)
			     : "c"(cfg.bench_mmio)
			     : "rbx", "memory");
		break;
	default:
		asm volatile(TSC_START TSC_STOP
			     : "=&S"(lo0), "=&D"(hi0), "=a"(lo1), "=d"(hi1)
			     :
			     : "memory");
		break;
	}
	return bench_ticks(lo0, hi0, lo1, hi1);
}

u64 bench_sort(u64 *samples, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		u64 v = samples[i];

		for (j = i; j > 0 && samples[j - 1] > v; j--)
			samples[j] = samples[j - 1];
		samples[j] = v;
	}
	return samples[n / 2];
}

void bench_print(const char *name, u64 *samples, unsigned int n, u64 baseline)
{
	u64 median = bench_sort(samples, n);

	say("bench %s min %llu median %llu baseline %llu", name, samples[0], median, baseline);
}

/* Fills samples[] sorted; returns the median. */
static u64 measure(enum bench_op op)
{
	unsigned int i;

	for (i = 0; i < BENCH_WARMUP; i++)
		sample(op);
	for (i = 0; i < BENCH_ITERATIONS; i++)
		samples[i] = sample(op);
	return bench_sort(samples, BENCH_ITERATIONS);
}

static void report(const char *name, enum bench_op op, u64 baseline)
{
	measure(op);
	bench_print(name, samples, BENCH_ITERATIONS, baseline);
}

void bench_run(void)
{
	char what[32];
	u64 baseline, value;
	u32 word;
	struct fault f;
	const char *why;

	baseline = measure(OP_EMPTY);
	say("bench empty min %llu median %llu baseline %llu", samples[0], baseline, baseline);
	report("cpuid", OP_CPUID, baseline);

	if (!cfg.has_bench_msr) {
		say("bench rdmsr skipped: no bench_msr= on the command line");
	} else if (f = probe_rdmsr(cfg.bench_msr, &value), !fault_none(f)) {
		say("bench rdmsr skipped: RDMSR 0x%x raises %s", cfg.bench_msr,
		    fault_describe(f, what, sizeof(what)));
	} else {
		report("rdmsr", OP_RDMSR, baseline);
	}

	report("out", OP_OUT, baseline);

	if (!cfg.has_bench_mmio) {
		say("bench mmio skipped: no bench_mmio= on the command line");
	} else if ((why = paging_map_identity(cfg.bench_mmio, 4))) {
		say("bench mmio skipped: cannot map 0x%llx: %s", cfg.bench_mmio, why);
	} else if (f = probe_read32(cfg.bench_mmio, &word), !fault_none(f)) {
		say("bench mmio skipped: reading 0x%llx raises %s", cfg.bench_mmio,
		    fault_describe(f, what, sizeof(what)));
	} else {
		report("mmio", OP_MMIO, baseline);
	}
	bench_intr_run(baseline);
	say("bench done");
}
