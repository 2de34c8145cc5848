// SPDX-License-Identifier: BSD-3-Clause
/*
 * bench=1, interrupts: what it costs to get an interrupt into a guest handler, in x2APIC
 * mode (the mode Linux takes, and the one LAPIC passthrough hands over):
 *
 *   timer     from the TSC-deadline timer's deadline to the handler's TSC stamp (irq.c
 *             stamps every arrival first thing)
 *   eoi       the EOI write in that handler (two XORs and the WRMSR)
 *   ipi       from the boot CPU's stamp before it writes the ICR (two MOVs and the
 *             WRMSR) to AP 1's stamp in its handler
 *   ipi_send  the ICR write on the sending CPU, to its next instruction
 *
 * timer and ipi take as baseline the guest's own path entered by INT n (a stamp before
 * the INT to the handler's stamp): what is left is the hypervisor's part (with the LAPIC
 * passed through: the hardware's). eoi and ipi_send take the empty sample. Bochs's TSCs
 * agree across CPUs to its SMP quantum, which bounds the error of ipi.
 */
#include "apic.h"
#include "bench.h"
#include "console.h"
#include "irq.h"
#include "testguest.h"

#define INTR_WARMUP    8
#define INTR_SAMPLES   250
/* The deadline this far ahead of the stamp: past the arming write's own exit. */
#define TIMER_LEAD     20000
/* No arrival within this many ticks: the interrupt was lost. */
#define ARRIVAL_LIMIT  10000000ULL
#define X2APIC_EOI_MSR (X2APIC_MSR_BASE + (APIC_EOI >> 4))
#define X2APIC_ICR_MSR (X2APIC_MSR_BASE + (APIC_ICR >> 4))
#define WHY_LEN	       160

/* Each sample gives two numbers: timer and eoi, or ipi and ipi_send. */
static u64 samples[INTR_SAMPLES], second[INTR_SAMPLES];
static volatile u64 eoi_ticks;

static void int_handler(unsigned int vector)
{
	(void)vector;
}

/* Ends the timer interrupt, timing the EOI write. */
static void timer_handler(unsigned int vector)
{
	u32 lo0, hi0, lo1, hi1;

	(void)vector;
	asm volatile(TSC_START "xorl %%eax, %%eax\n\txorl %%edx, %%edx\n\twrmsr" TSC_STOP
		     : "=&S"(lo0), "=&D"(hi0), "=a"(lo1), "=d"(hi1)
		     : "c"(X2APIC_EOI_MSR)
		     : "memory");
	eoi_ticks = bench_ticks(lo0, hi0, lo1, hi1);
}

/* Spins (interrupts enabled, no PAUSE) until cpu counted one more vector. */
static bool wait_arrival(unsigned int cpu, unsigned int vector, u32 before)
{
	u64 start = rdtsc();

	while (irq_count(cpu, vector) == before) {
		if (rdtsc() - start > ARRIVAL_LIMIT)
			return false;
	}
	return true;
}

/* The guest's part: INT n from a stamp to the handler's stamp. */
static u64 int_sample(void)
{
	u32 lo0, hi0;

	asm volatile(TSC_START "int %2"
		     : "=&S"(lo0), "=&D"(hi0)
		     : "i"(VEC_BENCH_INT)
		     : "rax", "rdx", "memory");
	return irq_last_tsc(VEC_BENCH_INT) - (((u64)hi0 << 32) | lo0);
}

/*
 * The two results of samples[] (baseline int_base) and second[] (baseline empty), or
 * both skipped for err.
 */
static void report_pair(const char *first_name, const char *second_name, const char *err,
			u64 int_base, u64 empty)
{
	if (err) {
		say("bench %s skipped: %s", first_name, err);
		say("bench %s skipped: %s", second_name, err);
		return;
	}
	bench_print(first_name, samples, INTR_SAMPLES, int_base);
	bench_print(second_name, second, INTR_SAMPLES, empty);
}

static u64 int_baseline(void)
{
	unsigned int i;

	for (i = 0; i < INTR_WARMUP; i++)
		int_sample();
	for (i = 0; i < INTR_SAMPLES; i++)
		samples[i] = int_sample();
	bench_sort(samples, INTR_SAMPLES);
	return samples[0];
}

/* One deadline; NULL with the delivery and EOI ticks, or why not. */
static const char *timer_sample(u64 *delivery, u64 *eoi)
{
	u32 before = irq_count(0, VEC_APIC_TIMER);
	u64 deadline, fired;
	bool arrived;

	irq_enable();
	deadline = rdtsc() + TIMER_LEAD;
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	arrived = wait_arrival(0, VEC_APIC_TIMER, before);
	irq_disable();
	if (!arrived)
		return "the timer did not fire";
	fired = irq_last_tsc(VEC_APIC_TIMER);
	if (fired < deadline)
		return "the timer fired before its deadline";
	*delivery = fired - deadline;
	*eoi = eoi_ticks;
	return NULL;
}

static void bench_timer(u64 int_base, u64 empty)
{
	const char *err = NULL;
	unsigned int i;
	u64 d = 0, e = 0;

	if (!(cpuid(1).ecx & CPUID1_ECX_TSC_DL)) {
		err = "CPUID.1:ECX bit 24 (TSC deadline) is clear";
	} else {
		apic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DL | VEC_APIC_TIMER);
		/* The LVT write before the MSR write (SDM Vol 3A 11.5.4.1). */
		asm volatile("mfence" ::: "memory");
		for (i = 0; i < INTR_WARMUP + INTR_SAMPLES && !err; i++) {
			err = timer_sample(&d, &e);
			if (i >= INTR_WARMUP) {
				samples[i - INTR_WARMUP] = d;
				second[i - INTR_WARMUP] = e;
			}
		}
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
		apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_APIC_TIMER);
	}
	report_pair("timer", "eoi", err, int_base, empty);
}

/* One fixed IPI to dest (AP 1); NULL with the latency and the sender's ticks, or why not. */
static const char *ipi_sample(u32 dest, u64 *latency, u64 *send)
{
	u32 before = irq_count(1, VEC_IPI), lo0, hi0, lo1, hi1;

	asm volatile(TSC_START "mov %k4, %%eax\n\tmov %k5, %%edx\n\twrmsr" TSC_STOP
		     : "=&S"(lo0), "=&D"(hi0), "=&a"(lo1), "=&d"(hi1)
		     : "r"((u32)VEC_IPI), "r"(dest), "c"(X2APIC_ICR_MSR)
		     : "memory");
	if (!wait_arrival(1, VEC_IPI, before))
		return "AP 1 did not receive the IPI";
	*latency = irq_last_tsc(VEC_IPI) - (((u64)hi0 << 32) | lo0);
	*send = bench_ticks(lo0, hi0, lo1, hi1);
	return NULL;
}

static void bench_ipi(const char *err, u64 int_base, u64 empty)
{
	u32 dest = ipi_apic_id(1);
	unsigned int i;
	u64 l = 0, s = 0;

	for (i = 0; i < INTR_WARMUP + INTR_SAMPLES && !err; i++) {
		err = ipi_sample(dest, &l, &s);
		if (i >= INTR_WARMUP) {
			samples[i - INTR_WARMUP] = l;
			second[i - INTR_WARMUP] = s;
		}
	}
	report_pair("ipi", "ipi_send", err, int_base, empty);
}

void bench_intr_run(u64 empty)
{
	char why[WHY_LEN], why_ap[WHY_LEN];
	const char *err, *ap_err = NULL;
	u64 int_base;

	if (!apic_has_x2apic()) {
		err = "CPUID.1:ECX bit 21 (x2APIC) is clear";
		report_pair("timer", "eoi", err, 0, 0);
		report_pair("ipi", "ipi_send", err, 0, 0);
		return;
	}
	irq_quiesce();
	irq_set_handler(VEC_BENCH_INT, int_handler);
	irq_set_handler(VEC_APIC_TIMER, timer_handler);
	irq_set_handler(VEC_IPI, irq_lapic_eoi);
	/* First the AP: this also puts the boot CPU's APIC in x2APIC mode. */
	if (cfg.vcpus < 2)
		ap_err = "vcpus=1: no second vCPU to send to";
	else
		ap_err = ipi_aps_online(true, 1, why_ap, sizeof(why_ap));
	err = apic_enable(true, why, sizeof(why));
	if (!err) {
		apic_reset_local();
		int_base = int_baseline();
		bench_timer(int_base, empty);
		bench_ipi(ap_err, int_base, empty);
	} else {
		report_pair("timer", "eoi", err, 0, 0);
		report_pair("ipi", "ipi_send", err, 0, 0);
	}
	ipi_aps_park();
	irq_quiesce();
	irq_set_handler(VEC_BENCH_INT, NULL);
	irq_set_handler(VEC_APIC_TIMER, NULL);
	irq_set_handler(VEC_IPI, NULL);
}
