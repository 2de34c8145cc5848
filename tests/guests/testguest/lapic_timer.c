// SPDX-License-Identifier: BSD-3-Clause
/*
 * The local APIC timer (SDM Vol 3A 11.5.4): its rate, measured first by watching the
 * current count against the TSC (divide by 1); then one-shot with another divider (the
 * interrupt must arrive once, ICR * divider APIC ticks later, as the TSC measures it),
 * periodic (N interrupts at that period, stopped by an initial count of 0), a masked LVT
 * (no interrupt, the count still runs out) and TSC-deadline mode (11.5.4.1, when
 * CPUID.1:ECX[24] says so: the interrupt at or after the deadline, the MSR cleared then,
 * a write of 0 disarming it).
 *
 * Every time comparison allows a factor of 2 either way: emulated timers are noisy, and
 * under Bochs the TSC counts instructions; and each is tried up to TIMING_ATTEMPTS times
 * (irq.h).
 */
#include "apic.h"
#include "check.h"
#include "console.h"
#include "irq.h"
#include "lapic.h"
#include "tsc.h"

#define T "lapic"
#define N lapic_check_name

#define CALIBRATE_MS   10
#define ONESHOT_MS     10
#define PERIODIC_MS    4
#define PERIODIC_COUNT 5
#define MASKED_MS      2
#define DEADLINE_MS    5
#define SLACK_MS       50 /* on top of 4 times the expected time, for every wait */
#define RATE_MIN_KHZ   1000ULL
#define TOOK_LEN       96
#define RATE_MAX_KHZ   10000000ULL

/* APIC timer ticks (divide by 1) per TSC tick, as a fraction. */
static u64 rate_apic, rate_tsc;

/* TSC ticks for count APIC timer ticks at divider div. */
static u64 apic_to_tsc(u64 count, unsigned int div)
{
	return count * div * rate_tsc / rate_apic;
}

static bool within_factor2(u64 seen, u64 expected)
{
	return seen * 2 >= expected && seen <= expected * 2;
}

static u64 wait_for(u64 expected)
{
	return 4 * expected + tsc_ms(SLACK_MS);
}

static bool calibrate(void)
{
	const char *source;
	u64 khz = tsc_khz(&source), t0, t1, apic_khz;
	u32 c0, c1;

	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_APIC_TIMER);
	apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	apic_write(APIC_TIMER_ICR, 0xffffffffu);
	t0 = rdtsc();
	c0 = apic_read(APIC_TIMER_CCR);
	tsc_spin(tsc_ms(CALIBRATE_MS));
	t1 = rdtsc();
	c1 = apic_read(APIC_TIMER_CCR);
	apic_write(APIC_TIMER_ICR, 0);
	if (!c1 || c1 >= c0) {
		check_fail(
			T, N("timer_rate"),
			"expected the current count to fall from 0xffffffff (divide by 1), read %u then %u %llu TSC ticks later",
			c0, c1, t1 - t0);
		return false;
	}
	rate_apic = c0 - c1;
	rate_tsc = t1 - t0;
	apic_khz = rate_apic * khz / rate_tsc;
	if (apic_khz < RATE_MIN_KHZ || apic_khz > RATE_MAX_KHZ) {
		check_fail(
			T, N("timer_rate"),
			"expected 1 MHz to 10 GHz, measured %llu kHz against a TSC of %llu kHz (%s)",
			apic_khz, khz, source);
		return false;
	}
	check_pass(T, N("timer_rate"), "%llu kHz against a TSC of %llu kHz (%s)", apic_khz, khz,
		   source);
	return true;
}

/* The initial count for about ms milliseconds at divider div. */
static u32 count_for(u64 ms, unsigned int div)
{
	u64 count = tsc_ms(ms) * rate_apic / rate_tsc / div;

	return count > 0xffffffffULL ? 0xffffffffu : count ? (u32)count : 1;
}

struct oneshot {
	bool arrived;
	u32 count, interrupts, ccr_armed, ccr_mid, ccr_end;
	u64 expected, took;
};

static void oneshot_once(struct oneshot *o)
{
	u32 before = irq_count(0, VEC_APIC_TIMER);
	u64 start;

	o->count = count_for(ONESHOT_MS, 4);
	o->expected = apic_to_tsc(o->count, 4);
	apic_write(APIC_TIMER_DCR, APIC_DCR_DIV4);
	apic_write(APIC_LVT_TIMER, APIC_TIMER_ONESHOT | VEC_APIC_TIMER);
	irq_enable();
	start = rdtsc();
	apic_write(APIC_TIMER_ICR, o->count);
	o->ccr_armed = apic_read(APIC_TIMER_CCR);
	tsc_spin(o->expected / 4);
	o->ccr_mid = apic_read(APIC_TIMER_CCR);
	o->arrived = irq_wait(0, VEC_APIC_TIMER, before + 1, wait_for(o->expected));
	o->took = irq_last_tsc(VEC_APIC_TIMER) - start;
	o->ccr_end = apic_read(APIC_TIMER_CCR);
	tsc_spin(o->expected); /* one more period: a one-shot timer stays quiet */
	irq_disable();
	o->interrupts = irq_count(0, VEC_APIC_TIMER) - before;
	apic_write(APIC_TIMER_ICR, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_APIC_TIMER);
}

static void check_oneshot(void)
{
	struct oneshot o;
	char took[TOOK_LEN];
	size_t len = 0;
	unsigned int attempt;

	for (attempt = 1; attempt <= TIMING_ATTEMPTS; attempt++) {
		oneshot_once(&o);
		len += (size_t)tg_snprintf(took + len, sizeof(took) - len, "%s%llu",
					   len ? ", " : "", o.took);
		if (!o.arrived || o.interrupts != 1 || within_factor2(o.took, o.expected))
			break;
	}
	if (!o.arrived)
		check_fail(
			T, N("timer_oneshot"),
			"expected vector 0x%x about %llu TSC ticks after an initial count of %u (divide by 4), none within %llu",
			VEC_APIC_TIMER, o.expected, o.count, wait_for(o.expected));
	else if (o.interrupts != 1 || !within_factor2(o.took, o.expected))
		check_fail(
			T, N("timer_oneshot"),
			"expected one interrupt %llu TSC ticks (within a factor of 2) after an initial count of %u (divide by 4), got %u, after %s TSC ticks",
			o.expected, o.count, o.interrupts, took);
	else
		check_pass(T, N("timer_oneshot"),
			   "after %s TSC ticks, expected %llu (initial count %u, divide by 4)",
			   took, o.expected, o.count);
	check(o.ccr_armed > 0 && o.ccr_armed <= o.count && o.ccr_mid < o.ccr_armed &&
		      o.ccr_end == 0,
	      T, N("timer_ccr"),
	      "expected the current count to start at or below %u, fall, and read 0 after the interrupt, read %u, %u, %u",
	      o.count, o.ccr_armed, o.ccr_mid, o.ccr_end);
}

struct periodic {
	bool arrived, stopped;
	u32 count, interrupts, ccr;
	u64 period, took;
};

static void periodic_once(struct periodic *p)
{
	u32 before = irq_count(0, VEC_APIC_TIMER), got;
	u64 start;

	p->count = count_for(PERIODIC_MS, 2);
	p->period = apic_to_tsc(p->count, 2);
	apic_write(APIC_TIMER_DCR, APIC_DCR_DIV2);
	apic_write(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | VEC_APIC_TIMER);
	irq_enable();
	start = rdtsc();
	apic_write(APIC_TIMER_ICR, p->count);
	p->arrived = irq_wait(0, VEC_APIC_TIMER, before + PERIODIC_COUNT,
			      wait_for(PERIODIC_COUNT * p->period));
	p->took = irq_last_tsc(VEC_APIC_TIMER) - start;
	p->ccr = apic_read(APIC_TIMER_CCR);
	/* An initial count of 0 stops the timer in either mode (11.5.4). */
	apic_write(APIC_TIMER_ICR, 0);
	tsc_spin(p->period / 4); /* one already accepted may still come */
	got = irq_count(0, VEC_APIC_TIMER);
	tsc_spin(3 * p->period);
	irq_disable();
	p->stopped = irq_count(0, VEC_APIC_TIMER) == got;
	p->interrupts = got - before;
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_APIC_TIMER);
}

static void check_periodic(void)
{
	struct periodic p;
	char took[TOOK_LEN];
	size_t len = 0;
	unsigned int attempt;
	bool ok = false;

	for (attempt = 1; attempt <= TIMING_ATTEMPTS && !ok; attempt++) {
		periodic_once(&p);
		len += (size_t)tg_snprintf(took + len, sizeof(took) - len, "%s%llu",
					   len ? ", " : "", p.took);
		ok = p.arrived && within_factor2(p.took, PERIODIC_COUNT * p.period) && p.ccr > 0 &&
		     p.ccr <= p.count;
		if (!p.arrived || !p.stopped)
			break;
	}
	if (!p.arrived)
		check_fail(
			T, N("timer_periodic"),
			"expected %u interrupts %llu TSC ticks apart (initial count %u, divide by 2), got %u within %llu",
			PERIODIC_COUNT, p.period, p.count, p.interrupts,
			wait_for(PERIODIC_COUNT * p.period));
	else if (!ok)
		check_fail(
			T, N("timer_periodic"),
			"expected %u interrupts in %llu TSC ticks (within a factor of 2) and a reloaded count (0 < CCR <= %u), took %s, CCR %u",
			PERIODIC_COUNT, PERIODIC_COUNT * p.period, p.count, took, p.ccr);
	else
		check_pass(
			T, N("timer_periodic"),
			"%u interrupts in %s TSC ticks, expected %llu (initial count %u, divide by 2)",
			PERIODIC_COUNT, took, PERIODIC_COUNT * p.period, p.count);
	if (p.arrived)
		check(p.stopped, T, N("timer_stop"),
		      "expected no interrupt in 3 periods after an initial count of 0, got some");
}

static void check_masked(void)
{
	u32 count = count_for(MASKED_MS, 1), before = irq_count(0, VEC_APIC_TIMER), ccr;
	u64 expected = apic_to_tsc(count, 1);

	apic_write(APIC_TIMER_DCR, APIC_DCR_DIV1);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_ONESHOT | VEC_APIC_TIMER);
	irq_enable();
	apic_write(APIC_TIMER_ICR, count);
	tsc_spin(3 * expected);
	irq_disable();
	ccr = apic_read(APIC_TIMER_CCR);
	check(irq_count(0, VEC_APIC_TIMER) == before && ccr == 0, T, N("timer_masked"),
	      "expected no interrupt from a masked LVT timer and its count run out after 3 times %llu TSC ticks, got %u interrupt(s), CCR %u",
	      expected, irq_count(0, VEC_APIC_TIMER) - before, ccr);
}

static void check_tsc_deadline(void)
{
	u32 before = irq_count(0, VEC_APIC_TIMER);
	u64 deadline, fired, msr_after, wait = wait_for(tsc_ms(DEADLINE_MS));
	bool arrived;

	if (!(cpuid(1).ecx & CPUID1_ECX_TSC_DL)) {
		check_skip(T, N("tsc_deadline"), "CPUID.1:ECX bit 24 (TSC deadline) is clear");
		return;
	}
	apic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DL | VEC_APIC_TIMER);
	/* The LVT write must be seen before the MSR write (11.5.4.1). */
	asm volatile("mfence" ::: "memory");
	irq_enable();
	deadline = rdtsc() + tsc_ms(DEADLINE_MS);
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	arrived = irq_wait(0, VEC_APIC_TIMER, before + 1, wait);
	irq_disable();
	fired = irq_last_tsc(VEC_APIC_TIMER);
	msr_after = rdmsr(MSR_IA32_TSC_DEADLINE);
	if (!arrived)
		check_fail(T, N("tsc_deadline"),
			   "expected vector 0x%x at TSC 0x%llx, none within %llu TSC ticks",
			   VEC_APIC_TIMER, deadline, wait);
	else if (fired < deadline)
		check_fail(
			T, N("tsc_deadline"),
			"expected vector 0x%x at or after TSC 0x%llx, it came %llu TSC ticks early",
			VEC_APIC_TIMER, deadline, deadline - fired);
	else
		check_pass(T, N("tsc_deadline"), "%llu TSC ticks after the deadline",
			   fired - deadline);
	if (arrived)
		check(msr_after == 0, T, N("tsc_deadline_cleared"),
		      "expected IA32_TSC_DEADLINE to read 0 once the timer fired, read 0x%llx",
		      msr_after);

	before = irq_count(0, VEC_APIC_TIMER);
	irq_enable();
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + tsc_ms(DEADLINE_MS));
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	tsc_spin(3 * tsc_ms(DEADLINE_MS));
	irq_disable();
	check(irq_count(0, VEC_APIC_TIMER) == before, T, N("tsc_deadline_disarm"),
	      "expected no interrupt after writing 0 to IA32_TSC_DEADLINE, got %u",
	      irq_count(0, VEC_APIC_TIMER) - before);
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_APIC_TIMER);
}

void lapic_timer_checks(void)
{
	if (!calibrate())
		return;
	check_oneshot();
	check_periodic();
	check_masked();
	check_tsc_deadline();
}
