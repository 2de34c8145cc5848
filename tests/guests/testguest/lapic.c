// SPDX-License-Identifier: BSD-3-Clause
/*
 * tests=lapic: the boot CPU's local APIC from the inside (SDM Vol 3A chapter 11), in two
 * phases (main.c runs the x2APIC one later): xAPIC mode (the MMIO page at
 * IA32_APIC_BASE), then, when CPUID.1:ECX[21] says so, x2APIC mode (MSRs 0x800-0x8ff).
 * Check names carry the mode: lapic.xapic_<check>, lapic.x2apic_<check>.
 *
 * Registers: ID against CPUID, version, SVR, ESR. Interrupt acceptance (11.8): self-IPIs,
 * the TPR holding a pending vector in the IRR (and CR8 as TPR[7:4], 11.8.6), ISR and PPR
 * inside a handler, EOI, a higher-priority interrupt preempting a handler that enabled
 * interrupts and a lower one waiting for the EOI. The timer (lapic_timer.c). Every wait
 * is bounded by the TSC.
 */
#include "lapic.h"
#include "apic.h"
#include "check.h"
#include "console.h"
#include "irq.h"
#include "testguest.h"
#include "tsc.h"

#define T "lapic"

#define DELIVERY_WAIT_MS 20
#define HOLD_MS		 2
#define TPR_HOLD	 0x60 /* class 6: holds VEC_LOW (class 5) */
#define TPR_RELEASE	 0x40
#define TPR_PPR_PROBE	 0x23 /* class 2, with a subclass to see PPR[3:0] follow it */
#define SVR_PROBE	 0x1ef

const char *lapic_mode_name;

const char *lapic_check_name(const char *check)
{
	static char name[48];

	tg_snprintf(name, sizeof(name), "%s_%s", lapic_mode_name, check);
	return name;
}

#define N lapic_check_name

/* What the VEC_LOW and VEC_HIGH handlers do: one scenario at a time. */
enum scenario {
	SCN_EOI,     /* only EOI */
	SCN_RECORD,  /* VEC_LOW: record ISR and PPR, EOI, record ISR again */
	SCN_NEST,    /* VEC_LOW: send VEC_HIGH, STI until it ran; VEC_HIGH records ISR */
	SCN_REVERSE, /* VEC_HIGH: send VEC_LOW, STI for a while; VEC_LOW must wait */
};

static volatile enum scenario scenario;
static volatile bool low_active, rec_isr_before, rec_isr_after, rec_nested, rec_in_low;
static volatile bool rec_isr_low, rec_isr_high, rec_low_irr, rec_low_during;
static volatile u32 rec_ppr;

static void send_self(unsigned int vector)
{
	char why[96];

	apic_send_ipi(0, APIC_DEST_SELF | APIC_DM_FIXED | vector, why, sizeof(why));
}

static void low_handler(unsigned int vector)
{
	switch (scenario) {
	case SCN_RECORD:
		rec_isr_before = apic_vector_bit(APIC_ISR, vector);
		rec_ppr = apic_read(APIC_PPR);
		apic_eoi();
		rec_isr_after = apic_vector_bit(APIC_ISR, vector);
		return;
	case SCN_NEST: {
		u32 high = irq_count(0, VEC_HIGH);

		low_active = true;
		send_self(VEC_HIGH);
		irq_enable();
		rec_nested = irq_wait(0, VEC_HIGH, high + 1, tsc_ms(DELIVERY_WAIT_MS));
		irq_disable();
		low_active = false;
		break;
	}
	default:
		break;
	}
	apic_eoi();
}

static void high_handler(unsigned int vector)
{
	(void)vector;
	if (scenario == SCN_NEST) {
		rec_in_low = low_active;
		rec_isr_low = apic_vector_bit(APIC_ISR, VEC_LOW);
		rec_isr_high = apic_vector_bit(APIC_ISR, VEC_HIGH);
	} else if (scenario == SCN_REVERSE) {
		u32 low = irq_count(0, VEC_LOW);

		send_self(VEC_LOW);
		irq_enable();
		tsc_spin(tsc_ms(HOLD_MS));
		irq_disable();
		rec_low_during = irq_count(0, VEC_LOW) != low;
		rec_low_irr = apic_vector_bit(APIC_IRR, VEC_LOW);
	}
	apic_eoi();
}

/* Sends vector to this CPU as icr says, then waits with interrupts enabled. */
static bool deliver(u32 dest, u32 icr, unsigned int vector, u64 *latency)
{
	u32 before = irq_count(0, vector);
	u64 start;
	bool ok;
	char why[96];

	start = rdtsc();
	if (apic_send_ipi(dest, icr | vector, why, sizeof(why)))
		return false;
	irq_enable();
	ok = irq_wait(0, vector, before + 1, tsc_ms(DELIVERY_WAIT_MS));
	tsc_spin(tsc_ms(HOLD_MS)); /* a second delivery would show up now */
	irq_disable();
	if (latency)
		*latency = irq_last_tsc(vector) - start;
	return ok && irq_count(0, vector) == before + 1;
}

static void check_registers(void)
{
	u32 version = apic_read(APIC_VERSION), id = apic_id(), expected;
	unsigned int ver = version & 0xff, max_lvt = (version >> 16) & 0xff;
	u32 svr1, svr2, esr;

	expected = cpuid(1).ebx >> 24;
	if (apic.x2apic && cpuid(0).eax >= 0xb)
		expected = cpuid_count(0xb, 0).edx;
	check(id == expected, T, N("id"), "expected APIC ID %u (CPUID), read %u", expected, id);
	if (ver >= 0x10 && ver <= 0x1f && max_lvt >= 3)
		check_pass(T, N("version"), "version 0x%x, %u LVT entries", ver, max_lvt + 1);
	else
		check_fail(
			T, N("version"),
			"expected an integrated APIC (version 0x10-0x1f) with at least 4 LVT entries, read 0x%x",
			version);

	apic_write(APIC_SVR, SVR_PROBE);
	svr1 = apic_read(APIC_SVR) & 0x1ff;
	apic_write(APIC_SVR, APIC_SVR_VALUE);
	svr2 = apic_read(APIC_SVR) & 0x1ff;
	check(svr1 == SVR_PROBE && svr2 == APIC_SVR_VALUE, T, N("svr"),
	      "expected the SVR to read back 0x%x then 0x%x, read 0x%x then 0x%x", SVR_PROBE,
	      APIC_SVR_VALUE, svr1, svr2);

	/* A write latches the errors since the last one (11.5.3): none by now. */
	apic_write(APIC_ESR, 0);
	esr = apic_read(APIC_ESR);
	check(esr == 0, T, N("esr"), "expected ESR 0 after a write of 0, read 0x%x", esr);
}

static void check_self_ipis(void)
{
	u64 latency = 0;
	u32 before;

	scenario = SCN_EOI;
	if (deliver(0, APIC_DEST_SELF, VEC_IPI, &latency))
		check_pass(T, N("self_ipi"), "shorthand self, once, %llu TSC ticks", latency);
	else
		check_fail(
			T, N("self_ipi"),
			"expected vector 0x%x once within %u ms of a self IPI (shorthand), counted %u",
			VEC_IPI, DELIVERY_WAIT_MS, irq_count(0, VEC_IPI));
	before = irq_count(0, VEC_IPI);
	check(deliver(apic_id(), 0, VEC_IPI, NULL), T, N("ipi_to_own_id"),
	      "expected vector 0x%x once within %u ms of a fixed IPI to APIC ID %u, counted %u",
	      VEC_IPI, DELIVERY_WAIT_MS, apic_id(), irq_count(0, VEC_IPI) - before);
	if (!apic.x2apic)
		return;
	/* The SELF IPI register (11.12.11), x2APIC only. */
	before = irq_count(0, VEC_IPI);
	wrmsr(X2APIC_MSR_BASE + (APIC_SELF_IPI >> 4), VEC_IPI);
	irq_enable();
	irq_wait(0, VEC_IPI, before + 1, tsc_ms(DELIVERY_WAIT_MS));
	tsc_spin(tsc_ms(HOLD_MS));
	irq_disable();
	check(irq_count(0, VEC_IPI) == before + 1, T, N("self_ipi_msr"),
	      "expected vector 0x%x once within %u ms of writing it to MSR 0x83f, counted %u",
	      VEC_IPI, DELIVERY_WAIT_MS, irq_count(0, VEC_IPI) - before);
}

static void check_tpr(void)
{
	u32 before = irq_count(0, VEC_LOW), ppr, tpr;
	u64 cr8;
	bool held_irr, arrived;

	scenario = SCN_EOI;
	apic_write(APIC_TPR, TPR_HOLD);
	send_self(VEC_LOW);
	irq_enable();
	tsc_spin(tsc_ms(HOLD_MS));
	irq_disable();
	held_irr = apic_vector_bit(APIC_IRR, VEC_LOW);
	ppr = apic_read(APIC_PPR);
	check(irq_count(0, VEC_LOW) == before && held_irr && ppr == TPR_HOLD, T, N("tpr_holds_irr"),
	      "expected vector 0x%x held in the IRR with TPR 0x%x (PPR 0x%x), got %u deliveries, IRR bit %u, PPR 0x%x",
	      VEC_LOW, TPR_HOLD, TPR_HOLD, irq_count(0, VEC_LOW) - before, held_irr, ppr);

	irq_enable();
	apic_write(APIC_TPR, TPR_RELEASE);
	arrived = irq_wait(0, VEC_LOW, before + 1, tsc_ms(DELIVERY_WAIT_MS));
	irq_disable();
	held_irr = apic_vector_bit(APIC_IRR, VEC_LOW);
	check(arrived && !held_irr, T, N("tpr_release"),
	      "expected vector 0x%x delivered and out of the IRR after lowering the TPR to 0x%x, got %u deliveries, IRR bit %u",
	      VEC_LOW, TPR_RELEASE, irq_count(0, VEC_LOW) - before, held_irr);

	/* CR8 is TPR[7:4] in 64-bit mode (SDM Vol 3A 11.8.6). */
	asm volatile("mov %0, %%cr8" : : "r"((u64)(TPR_HOLD >> 4)) : "memory");
	tpr = apic_read(APIC_TPR);
	apic_write(APIC_TPR, TPR_RELEASE);
	asm volatile("mov %%cr8, %0" : "=r"(cr8) : : "memory");
	check(tpr == TPR_HOLD && cr8 == TPR_RELEASE >> 4, T, N("cr8"),
	      "expected CR8 %u to read as TPR 0x%x and TPR 0x%x as CR8 %u, read 0x%x and %llu",
	      TPR_HOLD >> 4, TPR_HOLD, TPR_RELEASE, TPR_RELEASE >> 4, tpr, cr8);
	apic_write(APIC_TPR, 0);
}

static void check_isr_ppr(void)
{
	u32 before = irq_count(0, VEC_LOW), ppr_outside;
	bool arrived;

	scenario = SCN_RECORD;
	rec_isr_before = rec_isr_after = false;
	rec_ppr = 0;
	apic_write(APIC_TPR, TPR_PPR_PROBE);
	ppr_outside = apic_read(APIC_PPR);
	send_self(VEC_LOW);
	irq_enable();
	arrived = irq_wait(0, VEC_LOW, before + 1, tsc_ms(DELIVERY_WAIT_MS));
	irq_disable();
	apic_write(APIC_TPR, 0);
	scenario = SCN_EOI;
	if (!arrived) {
		check_fail(T, N("isr_in_handler"), "expected vector 0x%x within %u ms, none came",
			   VEC_LOW, DELIVERY_WAIT_MS);
		return;
	}
	check(rec_isr_before, T, N("isr_in_handler"),
	      "expected ISR bit 0x%x set inside its handler, it was clear", VEC_LOW);
	check(!rec_isr_after, T, N("eoi_clears_isr"),
	      "expected ISR bit 0x%x clear after the handler's EOI, it was set", VEC_LOW);
	/* PPR = TPR when its class is at least the in-service one, else ISRV & 0xf0 (11.8.3.1). */
	check(ppr_outside == TPR_PPR_PROBE && rec_ppr == (VEC_LOW & 0xf0), T, N("ppr"),
	      "expected PPR 0x%x with TPR 0x%x and nothing in service, 0x%x inside the handler of 0x%x, read 0x%x and 0x%x",
	      TPR_PPR_PROBE, TPR_PPR_PROBE, VEC_LOW & 0xf0, VEC_LOW, ppr_outside, rec_ppr);
}

static void check_nesting(void)
{
	u32 low = irq_count(0, VEC_LOW), high = irq_count(0, VEC_HIGH);
	bool arrived;

	scenario = SCN_NEST;
	rec_nested = rec_in_low = rec_isr_low = rec_isr_high = false;
	send_self(VEC_LOW);
	irq_enable();
	arrived = irq_wait(0, VEC_LOW, low + 1, tsc_ms(2 * DELIVERY_WAIT_MS));
	irq_disable();
	check(arrived && rec_nested && rec_in_low && rec_isr_low && rec_isr_high &&
		      irq_count(0, VEC_HIGH) == high + 1,
	      T, N("nested_preempts"),
	      "expected vector 0x%x to preempt the handler of 0x%x after its STI, with both in the ISR: low %s, high %s inside it, ISR bits 0x%x=%u 0x%x=%u",
	      VEC_HIGH, VEC_LOW, arrived ? "ran" : "did not run",
	      rec_nested ? "ran" : "did not run", VEC_LOW, rec_isr_low, VEC_HIGH, rec_isr_high);

	low = irq_count(0, VEC_LOW);
	high = irq_count(0, VEC_HIGH);
	scenario = SCN_REVERSE;
	rec_low_during = rec_low_irr = false;
	send_self(VEC_HIGH);
	irq_enable();
	irq_wait(0, VEC_HIGH, high + 1, tsc_ms(2 * DELIVERY_WAIT_MS));
	arrived = irq_wait(0, VEC_LOW, low + 1, tsc_ms(DELIVERY_WAIT_MS));
	irq_disable();
	scenario = SCN_EOI;
	check(irq_count(0, VEC_HIGH) == high + 1 && !rec_low_during && rec_low_irr && arrived, T,
	      N("lower_waits_for_eoi"),
	      "expected vector 0x%x sent inside the handler of 0x%x to wait in the IRR until its EOI, then arrive: high %s, low %s during it (IRR bit %u), %s after",
	      VEC_LOW, VEC_HIGH, irq_count(0, VEC_HIGH) == high + 1 ? "ran" : "did not run",
	      rec_low_during ? "arrived" : "did not arrive", rec_low_irr,
	      arrived ? "arrived" : "did not arrive");
}

static void run_mode(bool x2apic)
{
	const char *err;
	char why[160];

	lapic_mode_name = x2apic ? "x2apic" : "xapic";
	if (x2apic && !apic_has_x2apic()) {
		check_skip(T, "x2apic", "CPUID.1:ECX bit 21 (x2APIC) is clear");
		return;
	}
	irq_quiesce();
	irq_stray_reset();
	irq_set_handler(VEC_IPI, irq_lapic_eoi);
	irq_set_handler(VEC_APIC_TIMER, irq_lapic_eoi);
	irq_set_handler(VEC_LOW, low_handler);
	irq_set_handler(VEC_HIGH, high_handler);
	err = apic_enable(x2apic, why, sizeof(why));
	if (err) {
		check_fail(T, N("enable"), "%s", err);
	} else {
		apic_reset_local();
		check_registers();
		check_self_ipis();
		check_tpr();
		check_isr_ppr();
		check_nesting();
		lapic_timer_checks();
		irq_quiesce();
	}
	irq_check_stray(T, N("stray_interrupts"));
	irq_set_handler(VEC_IPI, NULL);
	irq_set_handler(VEC_APIC_TIMER, NULL);
	irq_set_handler(VEC_LOW, NULL);
	irq_set_handler(VEC_HIGH, NULL);
}

void test_lapic_xapic(void)
{
	run_mode(false);
}

void test_lapic_x2apic(void)
{
	run_mode(true);
}
