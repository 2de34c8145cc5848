// SPDX-License-Identifier: BSD-3-Clause
/*
 * The virtual LAPIC (guest/vlapic.c), part three: how interrupts are taken. Illegal
 * vectors and ESR; posting from other CPUs and its folding into IRR (vlapic_sync); TMR
 * for level-triggered vectors; PPR against TPR and ISR; acceptance, EOI and its broadcast;
 * CR8; the software-disabled APIC; NMI; ExtINT; the x2APIC SELF IPI. SDM Vol 3A 11.4.7.2,
 * 11.5.3, 11.8, 11.12.11; the VM and the helpers: vlapic_harness.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <asm/vlapic.h>
#include "fake_vm_env.h"
#include "vlapic_harness.h"

/* --- Illegal vectors and ESR (11.5.3). --- */

static void illegal_vectors_set_esr_and_are_not_delivered(void **state)
{
	(void)state;
	sw_enable_all();
	send_ipi(vcpu(0), 2, ICR_FIXED | 0x05);
	send_ipi(vcpu(0), 2, ICR_LOWEST | 0x0f);
	send_ipi(vcpu(0), 0, SH_SELF | ICR_FIXED | 0x02);
	send_ipi(vcpu(0), 0, SH_OTHERS | ICR_FIXED | 0x00);
	for (u32 i = 0; i < TEST_VCPUS; i++) {
		vlapic_sync(vcpu(i));
		assert_int_equal(vlapic_highest_irr(vcpu(i)), -1);
	}
	assert_int_equal(esr_latch(vcpu(0)), ESR_SEND_ILLEGAL);
	assert_int_equal(esr_latch(vcpu(2)), 0);
	/* 16 is the first legal vector; NMI has no vector to be illegal. */
	send_ipi(vcpu(0), 2, ICR_FIXED | 0x10);
	assert_string_equal(receivers(0x10), "2");
	send_ipi(vcpu(0), 2, ICR_NMI);
	assert_string_equal(nmi_receivers(), "2");
	assert_int_equal(esr_latch(vcpu(0)), 0);
	/* Received: "receive illegal vector", and no IRR bit below 16. */
	deliver(1, false, APIC_DELIVERY_FIXED, 0x07, true);
	assert_false(vlapic_sync(vcpu(1)));
	assert_int_equal(vlapic_highest_irr(vcpu(1)), -1);
	assert_int_equal(reg_rd(vcpu(1), REG_IRR), 0);
	assert_int_equal(reg_rd(vcpu(1), REG_TMR), 0);
	assert_int_equal(esr_latch(vcpu(1)), ESR_RECV_ILLEGAL);
}

/* A write latches the errors since the previous write; back-to-back writes clear it. */
static void esr_write_latches(void **state)
{
	struct vcpu *v = vcpu(0);

	(void)state;
	sw_enable(v);
	send_ipi(v, 1, ICR_FIXED | 0x01);
	assert_int_equal(reg_rd(v, REG_ESR), 0); /* not latched yet */
	reg_wr(v, REG_ESR, 0);
	assert_int_equal(reg_rd(v, REG_ESR), ESR_SEND_ILLEGAL);
	/* New errors wait for the next write; the latched value stays until then. */
	deliver(0, false, APIC_DELIVERY_FIXED, 0x03, false);
	vlapic_sync(v);
	assert_int_equal(reg_rd(v, REG_ESR), ESR_SEND_ILLEGAL);
	reg_wr(v, REG_ESR, 0xffffffff); /* any value latches in xAPIC mode */
	assert_int_equal(reg_rd(v, REG_ESR), ESR_RECV_ILLEGAL);
	reg_wr(v, REG_ESR, 0);
	assert_int_equal(reg_rd(v, REG_ESR), 0);
	/* The same through the MSR. */
	to_x2apic(v);
	send_ipi(v, 1, ICR_FIXED | 0x0e);
	assert_int_equal(esr_latch(v), ESR_SEND_ILLEGAL);
	assert_int_equal(esr_latch(v), 0);
}

/* "An APIC error interrupt is generated when the local APIC sets one of the error bits." */
static void esr_errors_raise_the_error_interrupt(void **state)
{
	struct vcpu *v = vcpu(0);

	(void)state;
	sw_enable(v);
	reg_wr(v, REG_LVT_ERROR, 0xfe);
	send_ipi(v, 1, ICR_FIXED | 0x01);
	vlapic_sync(v);
	assert_int_equal(vlapic_highest_irr(v), 0xfe);
	assert_int_equal(esr_latch(v), ESR_SEND_ILLEGAL);
}

/* --- Posting, IRR and TMR. --- */

static void posted_vectors_reach_irr_only_after_sync(void **state)
{
	struct vcpu *v = vcpu(1);

	(void)state;
	sw_enable(v);
	fake_env.kick_count = 0;
	deliver(1, false, APIC_DELIVERY_FIXED, 0x50, false);
	assert_int_equal(fake_kicks_of(v), 1);
	assert_int_equal(vlapic_highest_irr(v), -1);
	assert_int_equal(reg_rd(v, REG_IRR + 0x20), 0);
	assert_int_equal(vlapic_deliverable(v), -1);
	assert_true(vlapic_sync(v));
	assert_true(vec_bit(v, REG_IRR, 0x50));
	assert_int_equal(vlapic_highest_irr(v), 0x50);
	assert_int_equal(vlapic_deliverable(v), 0x50);
	assert_false(vlapic_sync(v)); /* nothing new */
	/* A vector already requested changes nothing. */
	deliver(1, false, APIC_DELIVERY_FIXED, 0x50, false);
	assert_false(vlapic_sync(v));
	/* Several at once; the highest wins. */
	deliver(1, false, APIC_DELIVERY_FIXED, 0x90, false);
	deliver(1, false, APIC_DELIVERY_FIXED, 0xe0, false);
	deliver(1, false, APIC_DELIVERY_FIXED, 0x20, false);
	assert_int_equal(vlapic_highest_irr(v), 0x50);
	assert_true(vlapic_sync(v));
	assert_int_equal(vlapic_highest_irr(v), 0xe0);
	assert_true(vec_bit(v, REG_IRR, 0x20) && vec_bit(v, REG_IRR, 0x90));
	/* Nothing reached another vCPU. */
	assert_false(vlapic_sync(vcpu(2)));
}

static void level_sets_tmr_edge_clears_it(void **state)
{
	struct vcpu *v = vcpu(2);
	u64 tmr[4];

	(void)state;
	sw_enable(v);
	vlapic_get_tmr(v, tmr); /* the backend has looked since the reset */
	assert_false(v->arch.vlapic.tmr_changed);
	deliver(2, false, APIC_DELIVERY_FIXED, 0x60, true);
	vlapic_sync(v);
	assert_true(vec_bit(v, REG_TMR, 0x60));
	assert_true(v->arch.vlapic.tmr_changed);
	vlapic_get_tmr(v, tmr);
	assert_false(v->arch.vlapic.tmr_changed);
	assert_true(tmr[0] == 0 && tmr[1] == 1ULL << 32 && tmr[2] == 0 && tmr[3] == 0);
	/* Edge-triggered to a vector whose TMR bit is clear: no change. */
	deliver(2, false, APIC_DELIVERY_FIXED, 0x70, false);
	vlapic_sync(v);
	assert_false(v->arch.vlapic.tmr_changed);
	/* The level-triggered vector is taken and EOIed, then comes edge-triggered. */
	vlapic_intr_accepted(v, 0x70);
	eoi(v);
	vlapic_intr_accepted(v, 0x60);
	eoi(v);
	deliver(2, false, APIC_DELIVERY_FIXED, 0x60, false);
	vlapic_sync(v);
	assert_false(vec_bit(v, REG_TMR, 0x60));
	assert_true(v->arch.vlapic.tmr_changed);
	/* All 256 bits: the word and bit each vector lands in. */
	deliver(2, false, APIC_DELIVERY_FIXED, 0x20, true);
	deliver(2, false, APIC_DELIVERY_FIXED, 0x7f, true);
	deliver(2, false, APIC_DELIVERY_FIXED, 0x80, true);
	deliver(2, false, APIC_DELIVERY_FIXED, 0xff, true);
	vlapic_sync(v);
	vlapic_get_tmr(v, tmr);
	assert_int_equal(tmr[0], 1ULL << 32);
	assert_int_equal(tmr[1], 1ULL << 63);
	assert_int_equal(tmr[2], 1ULL);
	assert_int_equal(tmr[3], 1ULL << 63);
}

/* --- PPR, acceptance and EOI (11.8.3, 11.8.4, 11.8.5). --- */

static void deliverable_follows_ppr(void **state)
{
	struct vcpu *v = vcpu(1);

	(void)state;
	sw_enable(v);
	deliver(1, false, APIC_DELIVERY_FIXED, 0x45, false);
	vlapic_sync(v);
	assert_int_equal(vlapic_deliverable(v), 0x45);
	/* Only a priority class above PPR's gets through. */
	reg_wr(v, REG_TPR, 0x40);
	assert_int_equal(reg_rd(v, REG_PPR), 0x40);
	assert_int_equal(vlapic_deliverable(v), -1);
	assert_false(vlapic_has_event(v));
	reg_wr(v, REG_TPR, 0x3f);
	assert_int_equal(reg_rd(v, REG_PPR), 0x3f);
	assert_int_equal(vlapic_deliverable(v), 0x45);
	assert_true(vlapic_has_event(v));
	/* Accepted: IRR to ISR; PPR is the in-service class, above TPR's. */
	vlapic_intr_accepted(v, 0x45);
	assert_false(vec_bit(v, REG_IRR, 0x45));
	assert_true(vec_bit(v, REG_ISR, 0x45));
	assert_int_equal(vlapic_highest_isr(v), 0x45);
	assert_int_equal(vlapic_highest_irr(v), -1);
	assert_int_equal(reg_rd(v, REG_PPR), 0x40);
	/* The in-service class holds back its own class, not a higher one. */
	deliver(1, false, APIC_DELIVERY_FIXED, 0x47, false);
	vlapic_sync(v);
	assert_int_equal(vlapic_highest_irr(v), 0x47);
	assert_int_equal(vlapic_deliverable(v), -1);
	deliver(1, false, APIC_DELIVERY_FIXED, 0x51, false);
	vlapic_sync(v);
	assert_int_equal(vlapic_deliverable(v), 0x51);
	/* TPR above the in-service class: PPR is TPR. */
	reg_wr(v, REG_TPR, 0x52);
	assert_int_equal(reg_rd(v, REG_PPR), 0x52);
	assert_int_equal(vlapic_deliverable(v), -1);
	reg_wr(v, REG_TPR, 0);
	assert_int_equal(reg_rd(v, REG_PPR), 0x40);
	assert_int_equal(vlapic_deliverable(v), 0x51);
}

static void eoi_clears_the_highest_in_service(void **state)
{
	struct vcpu *v = vcpu(1);

	(void)state;
	sw_enable(v);
	deliver(1, false, APIC_DELIVERY_FIXED, 0x45, false);
	vlapic_sync(v);
	vlapic_intr_accepted(v, 0x45);
	deliver(1, false, APIC_DELIVERY_FIXED, 0x81, false);
	vlapic_sync(v);
	assert_int_equal(vlapic_deliverable(v), 0x81);
	vlapic_intr_accepted(v, 0x81); /* nested */
	assert_int_equal(vlapic_highest_isr(v), 0x81);
	assert_int_equal(reg_rd(v, REG_PPR), 0x80);
	eoi(v);
	assert_false(vec_bit(v, REG_ISR, 0x81));
	assert_true(vec_bit(v, REG_ISR, 0x45));
	assert_int_equal(reg_rd(v, REG_PPR), 0x40);
	eoi(v);
	assert_int_equal(vlapic_highest_isr(v), -1);
	assert_int_equal(reg_rd(v, REG_PPR), 0);
	eoi(v); /* nothing in service: nothing happens */
	assert_int_equal(vlapic_highest_isr(v), -1);
	assert_int_equal(fake_env.eoi_count, 0); /* edge-triggered: no broadcast */
}

static void eoi_broadcasts_level_vectors_only(void **state)
{
	struct vcpu *v = vcpu(3);

	(void)state;
	sw_enable(v);
	deliver(3, false, APIC_DELIVERY_FIXED, 0x60, true);
	deliver(3, false, APIC_DELIVERY_FIXED, 0x70, false);
	vlapic_sync(v);
	vlapic_intr_accepted(v, 0x60);
	vlapic_intr_accepted(v, 0x70);
	eoi(v); /* 0x70, edge */
	assert_int_equal(fake_env.eoi_count, 0);
	eoi(v); /* 0x60, level: the vIOAPIC hears of it */
	assert_int_equal(fake_env.eoi_count, 1);
	assert_int_equal(fake_env.eois[0], 0x60);
	assert_ptr_equal(fake_env.eoi_vm, &vm);
	/* The same in x2APIC mode. */
	to_x2apic(v);
	deliver(3, false, APIC_DELIVERY_FIXED, 0xa1, true);
	vlapic_sync(v);
	vlapic_intr_accepted(v, 0xa1);
	eoi(v);
	assert_int_equal(fake_env.eoi_count, 2);
	assert_int_equal(fake_env.eois[1], 0xa1);
}

/* CR8 is TPR[7:4]; a CR8 write clears TPR[3:0] (SDM Vol 3A 11.8.6.1). */
static void cr8_is_tpr_bits_7_4(void **state)
{
	struct vcpu *v = vcpu(0);

	(void)state;
	sw_enable(v);
	reg_wr(v, REG_TPR, 0x7c);
	assert_int_equal(vlapic_get_cr8(v), 7);
	vlapic_set_cr8(v, 5);
	assert_int_equal(reg_rd(v, REG_TPR), 0x50);
	assert_int_equal(reg_rd(v, REG_PPR), 0x50);
	assert_int_equal(vlapic_get_cr8(v), 5);
	deliver(0, false, APIC_DELIVERY_FIXED, 0x55, false);
	vlapic_sync(v);
	assert_int_equal(vlapic_deliverable(v), -1);
	vlapic_set_cr8(v, 4);
	assert_int_equal(vlapic_deliverable(v), 0x55);
	vlapic_set_cr8(v, 0xf);
	assert_int_equal(reg_rd(v, REG_TPR), 0xf0);
	assert_int_equal(vlapic_deliverable(v), -1);
	vlapic_set_cr8(v, 0);
	assert_int_equal(reg_rd(v, REG_TPR), 0);
	assert_int_equal(vlapic_deliverable(v), 0x55);
}

/* --- The software-disabled APIC (11.4.7.2). --- */

static void software_disabled_apic(void **state)
{
	static const u32 lvts[] = {REG_LVT_CMCI,  REG_LVT_TIMER, REG_LVT_THERM, REG_LVT_PERF,
				   REG_LVT_LINT0, REG_LVT_LINT1, REG_LVT_ERROR};
	struct vcpu *v = vcpu(1);

	(void)state;
	/* After reset: fixed interrupts are dropped, NMIs taken, the LVTs stay masked. */
	deliver(1, false, APIC_DELIVERY_FIXED, 0x50, false);
	send_ipi(vcpu(0), 1, ICR_FIXED | 0x51);
	assert_false(vlapic_sync(v));
	assert_int_equal(vlapic_highest_irr(v), -1);
	send_ipi(vcpu(0), 1, ICR_NMI);
	assert_string_equal(nmi_receivers(), "1");
	reg_wr(v, REG_LVT_TIMER, 0x40);
	reg_wr(v, REG_LVT_LINT0, LVT_EXTINT);
	assert_int_equal(reg_rd(v, REG_LVT_TIMER), LVT_MASKED | 0x40);
	assert_int_equal(reg_rd(v, REG_LVT_LINT0), LVT_MASKED | LVT_EXTINT);

	/* Enabled, set up, with one vector requested and one in service... */
	sw_enable(v);
	reg_wr(v, REG_LVT_TIMER, 0x40);
	reg_wr(v, REG_LVT_LINT0, LVT_EXTINT);
	assert_int_equal(reg_rd(v, REG_LVT_TIMER), 0x40);
	deliver(1, false, APIC_DELIVERY_FIXED, 0x52, false);
	deliver(1, false, APIC_DELIVERY_FIXED, 0x53, false);
	vlapic_sync(v);
	vlapic_intr_accepted(v, 0x53);
	/* ...then disabled: every LVT masked, IRR and ISR held, new interrupts dropped. */
	reg_wr(v, REG_SVR, 0xff);
	for (size_t i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		assert_true(reg_rd(v, lvts[i]) & LVT_MASKED);
	assert_int_equal(reg_rd(v, REG_LVT_TIMER), LVT_MASKED | 0x40);
	assert_true(vec_bit(v, REG_IRR, 0x52));
	assert_true(vec_bit(v, REG_ISR, 0x53));
	deliver(1, false, APIC_DELIVERY_FIXED, 0x54, false);
	assert_false(vlapic_sync(v));
	assert_false(vec_bit(v, REG_IRR, 0x54));
	/* Enabled again: the masks stay until software clears them. */
	sw_enable(v);
	assert_int_equal(reg_rd(v, REG_LVT_LINT0), LVT_MASKED | LVT_EXTINT);
	assert_true(vec_bit(v, REG_IRR, 0x52));
}

/* --- NMI. --- */

static void nmi_ipis_are_counted_and_taken_one_by_one(void **state)
{
	(void)state;
	sw_enable_all();
	fake_env.kick_count = 0;
	send_ipi(vcpu(0), 2, ICR_NMI);
	send_ipi(vcpu(0), 2, ICR_NMI | 0x33); /* the vector field is ignored */
	assert_int_equal(fake_kicks_of(vcpu(2)), 2);
	assert_true(vlapic_has_event(vcpu(2)));
	assert_true(vlapic_take_nmi(vcpu(2)));
	assert_true(vlapic_has_event(vcpu(2)));
	assert_true(vlapic_take_nmi(vcpu(2)));
	assert_false(vlapic_take_nmi(vcpu(2)));
	assert_false(vlapic_has_event(vcpu(2)));
	assert_int_equal(vlapic_highest_irr(vcpu(2)), -1);
	/* Shorthands, logical destinations and messages. */
	send_ipi(vcpu(1), 0, SH_OTHERS | ICR_NMI);
	assert_string_equal(nmi_receivers(), "0 2 3");
	for (u32 i = 0; i < TEST_VCPUS; i++)
		reg_wr(vcpu(i), REG_LDR, 1U << (24 + i));
	send_ipi(vcpu(0), 0x06, ICR_LOGICAL | ICR_NMI);
	send_ipi(vcpu(0), 0x04, ICR_LOGICAL | ICR_NMI);
	assert_string_equal(nmi_receivers(), "1 2x2");
	deliver(3, false, APIC_DELIVERY_NMI, 0, false);
	assert_string_equal(nmi_receivers(), "3");
	/* A software-disabled APIC takes NMIs. */
	reg_wr(vcpu(3), REG_SVR, 0xff);
	deliver(3, false, APIC_DELIVERY_NMI, 0, false);
	assert_string_equal(nmi_receivers(), "3");
	assert_int_equal(esr_latch(vcpu(0)), 0);
}

/* --- ExtINT: the 8259's INTR on LINT0 (11.5.1), or an ExtINT message. --- */

static void extint_through_lint0(void **state)
{
	struct vcpu *v = vcpu(0);

	(void)state;
	fake_env.extint_pending = true;
	for (u32 i = 0; i < TEST_VCPUS; i++) {
		assert_false(vlapic_accepts_extint(vcpu(i))); /* LINT0 masked at reset */
		assert_false(vlapic_has_event(vcpu(i)));
	}
	sw_enable(v);
	v->arch.event_check = false;
	reg_wr(v, REG_LVT_LINT0, LVT_EXTINT);
	assert_true(vlapic_accepts_extint(v));
	assert_true(v->arch.event_check); /* the 8259 may be asserting INTR already */
	assert_true(vlapic_has_event(v));
	fake_env.extint_pending = false;
	assert_false(vlapic_has_event(v));
	reg_wr(v, REG_LVT_LINT0, LVT_MASKED | LVT_EXTINT);
	assert_false(vlapic_accepts_extint(v));
	reg_wr(v, REG_LVT_LINT0, 0x30); /* fixed */
	assert_false(vlapic_accepts_extint(v));
	reg_wr(v, REG_LVT_LINT0, LVT_NMI);
	assert_false(vlapic_accepts_extint(v));
	/* The LVT decides, whichever vCPU it is on. */
	sw_enable(vcpu(2));
	reg_wr(vcpu(2), REG_LVT_LINT0, LVT_EXTINT);
	assert_true(vlapic_accepts_extint(vcpu(2)));
}

/* With its APIC disabled a CPU takes INTR directly; the 8259 is wired to the BSP. */
static void extint_with_the_apic_disabled_goes_to_the_bsp(void **state)
{
	(void)state;
	fake_env.extint_pending = true;
	for (u32 i = 0; i < TEST_VCPUS; i++)
		set_apic_base(vcpu(i), vcpu(i)->arch.apic_base & ~APIC_EN);
	assert_true(vlapic_accepts_extint(vcpu(0)));
	assert_true(vlapic_has_event(vcpu(0)));
	for (u32 i = 1; i < TEST_VCPUS; i++) {
		assert_false(vlapic_accepts_extint(vcpu(i)));
		assert_false(vlapic_has_event(vcpu(i)));
	}
}

static void extint_message(void **state)
{
	(void)state;
	fake_env.kick_count = 0;
	deliver(2, false, APIC_DELIVERY_EXTINT, 0, false);
	assert_int_equal(fake_kicks_of(vcpu(2)), 1);
	assert_true(vlapic_accepts_extint(vcpu(2))); /* whatever LINT0 says */
	assert_false(vlapic_accepts_extint(vcpu(1)));
	assert_false(vlapic_has_event(vcpu(2))); /* the 8259 has nothing yet */
	fake_env.extint_pending = true;
	assert_true(vlapic_has_event(vcpu(2)));
	vlapic_extint_taken(vcpu(2));
	assert_false(vlapic_accepts_extint(vcpu(2)));
	assert_false(vlapic_has_event(vcpu(2)));
}

/* --- SELF IPI (x2APIC only, 11.12.11). --- */

static void x2apic_self_ipi(void **state)
{
	struct vcpu *v = vcpu(1);

	(void)state;
	sw_enable_all();
	to_x2apic(v);
	fake_env.kick_count = 0;
	assert_int_equal(vlapic_msr_write(v, MSR_OF(REG_SELF_IPI), 0x55), 0);
	assert_int_equal(fake_kicks_of(v), 1);
	vlapic_sync(v);
	assert_false(vec_bit(v, REG_TMR, 0x55)); /* edge-triggered */
	assert_string_equal(receivers(0x55), "1");
	/* An illegal vector: "send illegal vector", nothing requested. */
	assert_int_equal(vlapic_msr_write(v, MSR_OF(REG_SELF_IPI), 0x05), 0);
	assert_false(vlapic_sync(v));
	assert_int_equal(vlapic_highest_irr(v), -1);
	assert_int_equal(esr_latch(v) & ESR_SEND_ILLEGAL, ESR_SEND_ILLEGAL);
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, vlapic_test_setup, vlapic_test_teardown)
	const struct CMUnitTest tests[] = {
		TEST(illegal_vectors_set_esr_and_are_not_delivered),
		TEST(esr_write_latches),
		TEST(esr_errors_raise_the_error_interrupt),
		TEST(posted_vectors_reach_irr_only_after_sync),
		TEST(level_sets_tmr_edge_clears_it),
		TEST(deliverable_follows_ppr),
		TEST(eoi_clears_the_highest_in_service),
		TEST(eoi_broadcasts_level_vectors_only),
		TEST(cr8_is_tpr_bits_7_4),
		TEST(software_disabled_apic),
		TEST(nmi_ipis_are_counted_and_taken_one_by_one),
		TEST(extint_through_lint0),
		TEST(extint_with_the_apic_disabled_goes_to_the_bsp),
		TEST(extint_message),
		TEST(x2apic_self_ipi),
	};
#undef TEST
	return cmocka_run_group_tests_name("vlapic_irq", tests, NULL, NULL);
}
