// SPDX-License-Identifier: BSD-3-Clause
/*
 * The virtual LAPIC (guest/vlapic.c), part one: its registers. Reset and INIT state, the
 * APIC ID and logical destination in both modes and across IA32_APIC_BASE changes, the
 * x2APIC MSR access rules, the xAPIC page reached through the VM's real MMIO bus
 * (core/io_bus.c), and the APIC-write path of APIC virtualization. Where interrupts go is
 * test_vlapic_ipi.c, how they are taken test_vlapic_irq.c, the timer test_vlapic_timer.c;
 * the VM and the helpers are vlapic_harness.c. SDM Vol 3A chapter 11; x2APIC: 11.12.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <asm/vlapic.h>
#include "fake_log.h"
#include "fake_timer.h"
#include "fake_vm_env.h"
#include "vlapic_harness.h"

#define APIC_VERSION_14 0x00060014U /* version 0x14, max LVT entry 6 (seven LVTs) */
#define X2DEST(d)	((u64)(d) << 32)
#define XAPIC_DEST(d)	((u32)(d) << 24)

static const u32 lvts[] = {REG_LVT_CMCI,  REG_LVT_TIMER, REG_LVT_THERM, REG_LVT_PERF,
			   REG_LVT_LINT0, REG_LVT_LINT1, REG_LVT_ERROR};

static u64 msr_rd(struct vcpu *v, u32 msr)
{
	u64 value = SENTINEL;

	assert_int_equal(vlapic_msr_read(v, msr, &value), 0);
	return value;
}

static void icr_x2(struct vcpu *from, u64 icr)
{
	assert_int_equal(vlapic_msr_write(from, MSR_OF(REG_ICR_LOW), icr), 0);
}

/* An access to the xAPIC page from the CPU of vCPU v (or pcpu 7 when v is NULL). */
static int mmio(struct vcpu *v, u64 offset, u32 size, bool write, u64 *value)
{
	struct io_request req = {.addr = XAPIC_PAGE + offset, .size = size, .write = write};
	int err;

	fake_env.cpu_id = v ? v->pcpu : 7;
	req.value = *value;
	err = io_bus_dispatch(&vm.mmio, &req);
	*value = req.value;
	return err;
}

static u64 xapic_rd(struct vcpu *v, u64 offset)
{
	u64 value = 0xdeadbeef;

	assert_int_equal(mmio(v, offset, 4, false, &value), 0);
	return value;
}

static void xapic_wr(struct vcpu *v, u64 offset, u32 value)
{
	u64 x = value;

	assert_int_equal(mmio(v, offset, 4, true, &x), 0);
}

/* --- Reset and INIT (SDM Vol 3A 11.4.7.1, 11.4.7.3). --- */

static void reset_state_in_xapic_mode(void **state)
{
	static const u32 zero[] = {REG_TPR,	REG_APR,      REG_PPR,	 REG_LDR,   REG_ESR,
				   REG_ICR_LOW, REG_ICR_HIGH, REG_TMICT, REG_TMCCT, REG_DCR};

	(void)state;
	for (u32 i = 0; i < TEST_VCPUS; i++) {
		struct vcpu *v = vcpu(i);

		assert_false(vlapic_x2apic_mode(v));
		assert_int_equal(xapic_rd(v, REG_ID), i << 24);
		assert_int_equal(xapic_rd(v, REG_VERSION), APIC_VERSION_14);
		assert_int_equal(xapic_rd(v, REG_SVR), 0xff); /* software disabled */
		assert_int_equal(xapic_rd(v, REG_DFR), 0xffffffff);
		for (size_t n = 0; n < sizeof(lvts) / sizeof(lvts[0]); n++)
			assert_int_equal(xapic_rd(v, lvts[n]), LVT_MASKED);
		for (size_t n = 0; n < sizeof(zero) / sizeof(zero[0]); n++)
			assert_int_equal(xapic_rd(v, zero[n]), 0);
		for (u32 w = 0; w < 8; w++) {
			assert_int_equal(xapic_rd(v, REG_ISR + w * 0x10), 0);
			assert_int_equal(xapic_rd(v, REG_TMR + w * 0x10), 0);
			assert_int_equal(xapic_rd(v, REG_IRR + w * 0x10), 0);
		}
		assert_int_equal(vlapic_highest_irr(v), -1);
		assert_int_equal(vlapic_highest_isr(v), -1);
		assert_int_equal(vlapic_deliverable(v), -1);
		assert_false(vlapic_take_nmi(v));
		assert_false(vlapic_accepts_extint(v)); /* LINT0 masked */
		assert_false(vlapic_has_event(v));
		assert_int_equal(vlapic_get_tsc_deadline(v), 0);
		assert_int_equal(vlapic_get_cr8(v), 0);
	}
	assert_int_equal(fake_timer_armed_count(), 0);
}

static void reset_undoes_what_the_guest_set(void **state)
{
	struct vcpu *v = vcpu(1);
	u64 tmr[4];

	(void)state;
	sw_enable(v);
	reg_wr(v, REG_TPR, 0x20);
	reg_wr(v, REG_LDR, 0x04000000);
	reg_wr(v, REG_DFR, 0x0fffffff);
	reg_wr(v, REG_LVT_TIMER, LVT_PERIODIC | 0x30);
	reg_wr(v, REG_LVT_LINT0, LVT_EXTINT);
	reg_wr(v, REG_DCR, 0xb);
	reg_wr(v, REG_TMICT, 100000);
	send_ipi(v, 7, ICR_FIXED | 0x40); /* nobody has APIC ID 7 */
	send_ipi(v, 7, ICR_FIXED | 0x04); /* an illegal vector: an error for ESR */
	deliver(1, false, APIC_DELIVERY_FIXED, 0x50, true);
	vlapic_sync(v);
	vlapic_intr_accepted(v, 0x50);
	deliver(1, false, APIC_DELIVERY_FIXED, 0x60, false); /* posted, not yet in IRR */
	deliver(1, false, APIC_DELIVERY_NMI, 0, false);
	deliver(1, false, APIC_DELIVERY_EXTINT, 0, false);
	assert_int_equal(fake_timer_armed_count(), 1);

	vlapic_reset(v);
	assert_int_equal(reg_rd(v, REG_ID), 1U << 24);
	assert_int_equal(reg_rd(v, REG_SVR), 0xff);
	assert_int_equal(reg_rd(v, REG_TPR), 0);
	assert_int_equal(reg_rd(v, REG_PPR), 0);
	assert_int_equal(reg_rd(v, REG_LDR), 0);
	assert_int_equal(reg_rd(v, REG_DFR), 0xffffffff);
	assert_int_equal(reg_rd(v, REG_LVT_TIMER), LVT_MASKED);
	assert_int_equal(reg_rd(v, REG_LVT_LINT0), LVT_MASKED);
	assert_int_equal(reg_rd(v, REG_DCR), 0);
	assert_int_equal(reg_rd(v, REG_TMICT), 0);
	assert_int_equal(reg_rd(v, REG_TMCCT), 0);
	assert_int_equal(reg_rd(v, REG_ICR_LOW), 0);
	assert_int_equal(reg_rd(v, REG_ICR_HIGH), 0);
	assert_int_equal(vlapic_highest_isr(v), -1);
	assert_int_equal(vlapic_highest_irr(v), -1);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_false(vlapic_take_nmi(v));
	assert_false(vlapic_accepts_extint(v));
	/* The backend reloads its EOI-exit bitmap: TMR is all clear. */
	assert_true(v->arch.vlapic.tmr_changed);
	vlapic_get_tmr(v, tmr);
	assert_true(tmr[0] == 0 && tmr[1] == 0 && tmr[2] == 0 && tmr[3] == 0);
	/* Nothing posted before the reset survives it, and no error is left to latch. */
	sw_enable(v);
	assert_false(vlapic_sync(v));
	assert_int_equal(vlapic_highest_irr(v), -1);
	assert_int_equal(esr_latch(v), 0);
}

/* INIT in x2APIC mode stays in x2APIC mode; ID and LDR are the x2APIC ones (11.12.5.1). */
static void init_in_x2apic_mode(void **state)
{
	u64 value;

	(void)state;
	to_x2apic(vcpu(2));
	assert_int_equal(vlapic_msr_write(vcpu(2), MSR_OF(REG_SVR), SVR_ON), 0);
	assert_int_equal(vlapic_msr_write(vcpu(2), MSR_OF(REG_LVT_TIMER), 0x40), 0);
	vlapic_reset(vcpu(2));
	assert_true(vlapic_x2apic_mode(vcpu(2)));
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_ID)), 2);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_LDR)), 1U << 2);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_VERSION)), APIC_VERSION_14);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_SVR)), 0xff);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_LVT_TIMER)), LVT_MASKED);
	/* There is no DFR in x2APIC mode. */
	assert_int_equal(vlapic_msr_read(vcpu(2), MSR_OF(REG_DFR), &value), -EFAULT);
}

/* --- APIC ID and logical destination (11.4.6, 11.6.2.2, 11.12.10.2). --- */

static void xapic_id_is_read_only_ldr_and_dfr_are_writable(void **state)
{
	struct vcpu *v = vcpu(1);

	(void)state;
	reg_wr(v, REG_ID, 0x05000000);
	assert_int_equal(reg_rd(v, REG_ID), 0x01000000);
	/* LDR: the logical APIC ID in 31:24, the rest reserved. */
	reg_wr(v, REG_LDR, 0xfedcba98);
	assert_int_equal(reg_rd(v, REG_LDR), 0xfe000000);
	/* DFR: the model in 31:28, the rest reserved as all ones. */
	reg_wr(v, REG_DFR, 0);
	assert_int_equal(reg_rd(v, REG_DFR), 0x0fffffff);
	reg_wr(v, REG_DFR, 0xf0000000);
	assert_int_equal(reg_rd(v, REG_DFR), 0xffffffff);
	/* Each vCPU has its own page. */
	assert_int_equal(reg_rd(vcpu(2), REG_LDR), 0);
}

static void x2apic_switch_loads_id_and_ldr(void **state)
{
	(void)state;
	vm.vcpus[3].id = 0x25; /* past the first cluster */
	for (u32 i = 0; i < TEST_VCPUS; i++) {
		sw_enable(vcpu(i));
		reg_wr(vcpu(i), REG_LDR, 0x80000000);
		reg_wr(vcpu(i), REG_TPR, 0x30);
		reg_wr(vcpu(i), REG_LVT_LINT1, LVT_NMI);
	}
	fake_env.apic_mode_changes = 0;
	for (u32 i = 0; i < TEST_VCPUS; i++) {
		to_x2apic(vcpu(i));
		assert_int_equal(fake_env.apic_mode_changes, i + 1);
		assert_ptr_equal(fake_env.apic_mode_vcpu, vcpu(i));
	}
	for (u32 i = 0; i < 3; i++) {
		assert_true(vlapic_x2apic_mode(vcpu(i)));
		assert_int_equal(msr_rd(vcpu(i), MSR_OF(REG_ID)), i);
		/* Cluster ID[19:4] in 31:16, bit ID[3:0] in 15:0; the xAPIC LDR is gone. */
		assert_int_equal(msr_rd(vcpu(i), MSR_OF(REG_LDR)), 1U << i);
	}
	assert_int_equal(msr_rd(vcpu(3), MSR_OF(REG_ID)), 0x25);
	assert_int_equal(msr_rd(vcpu(3), MSR_OF(REG_LDR)), 0x00020020);
	/* The rest of the state carries over. */
	assert_int_equal(msr_rd(vcpu(1), MSR_OF(REG_SVR)), SVR_ON);
	assert_int_equal(msr_rd(vcpu(1), MSR_OF(REG_TPR)), 0x30);
	assert_int_equal(msr_rd(vcpu(1), MSR_OF(REG_LVT_LINT1)), LVT_NMI);
}

/* Clearing IA32_APIC_BASE.EN resets the vLAPIC but for its ID (11.4.3, 11.12.5). */
static void disabling_resets_the_apic(void **state)
{
	struct vcpu *v = vcpu(2);
	u64 value;

	(void)state;
	to_x2apic(v);
	sw_enable(v);
	reg_wr(v, REG_TPR, 0x40);
	reg_wr(v, REG_LVT_TIMER, 0x40);
	reg_wr(v, REG_TMICT, 100000);
	assert_int_equal(fake_timer_armed_count(), 1);
	fake_env.apic_mode_changes = 0;

	set_apic_base(v, XAPIC_PAGE);
	assert_false(vlapic_x2apic_mode(v));
	assert_int_equal(fake_env.apic_mode_changes, 1);
	assert_int_equal(fake_timer_armed_count(), 0);
	/* Neither the MSRs nor the page answer while disabled. */
	assert_int_equal(vlapic_msr_read(v, MSR_OF(REG_VERSION), &value), -EFAULT);
	assert_int_equal(xapic_rd(v, REG_VERSION), 0);

	set_apic_base(v, XAPIC_PAGE | APIC_EN);
	assert_int_equal(fake_env.apic_mode_changes, 2);
	assert_int_equal(xapic_rd(v, REG_ID), 2U << 24);
	assert_int_equal(xapic_rd(v, REG_VERSION), APIC_VERSION_14);
	assert_int_equal(xapic_rd(v, REG_SVR), 0xff);
	assert_int_equal(xapic_rd(v, REG_TPR), 0);
	assert_int_equal(xapic_rd(v, REG_LDR), 0);
	assert_int_equal(xapic_rd(v, REG_DFR), 0xffffffff);
	assert_int_equal(xapic_rd(v, REG_LVT_TIMER), LVT_MASKED);
	assert_int_equal(xapic_rd(v, REG_TMICT), 0);
}

/* --- x2APIC MSRs (11.12.1). --- */

static void x2apic_register_reads(void **state)
{
	(void)state;
	to_x2apic(vcpu(2));
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_ID)), 2);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_VERSION)), APIC_VERSION_14);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_LDR)), 0x00000004);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_SVR)), 0xff);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_TPR)), 0);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_PPR)), 0);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_ESR)), 0);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_ICR_LOW)), 0);
	/* SVR: APIC enable and the spurious vector. */
	assert_int_equal(vlapic_msr_write(vcpu(2), MSR_OF(REG_SVR), 0x1ef), 0);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_SVR)), 0x1ef);
	assert_int_equal(vlapic_msr_write(vcpu(2), MSR_OF(REG_TPR), 0x9c), 0);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_TPR)), 0x9c);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_PPR)), 0x9c);
	/* The 64-bit ICR reads back whole. */
	icr_x2(vcpu(2), X2DEST(0x1234) | ICR_FIXED | 0x40);
	assert_int_equal(msr_rd(vcpu(2), MSR_OF(REG_ICR_LOW)), X2DEST(0x1234) | 0x40);
}

static void x2apic_msrs_fault_outside_x2apic_mode(void **state)
{
	u64 value = 0;

	(void)state;
	/* xAPIC mode (EN only), then disabled. */
	assert_int_equal(vlapic_msr_read(vcpu(1), MSR_OF(REG_ID), &value), -EFAULT);
	assert_int_equal(
		vlapic_msr_write(vcpu(1), MSR_OF(REG_ICR_LOW), X2DEST(2) | ICR_INIT | ICR_ASSERT),
		-EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(1), MSR_OF(REG_SVR), SVR_ON), -EFAULT);
	vcpu(1)->arch.apic_base = XAPIC_PAGE;
	assert_int_equal(vlapic_msr_read(vcpu(1), MSR_OF(REG_VERSION), &value), -EFAULT);
	vcpu(1)->arch.apic_base = XAPIC_PAGE | APIC_EXTD; /* the invalid state is not x2APIC */
	assert_int_equal(vlapic_msr_read(vcpu(1), MSR_OF(REG_VERSION), &value), -EFAULT);
	assert_int_equal(fake_env.ipi_count, 0);
	vcpu(1)->arch.apic_base = XAPIC_PAGE | APIC_EN;
	assert_int_equal(reg_rd(vcpu(1), REG_SVR), 0xff);
	assert_int_equal(reg_rd(vcpu(1), REG_ICR_LOW), 0);
	assert_int_equal(reg_rd(vcpu(1), REG_ICR_HIGH), 0);
}

static void x2apic_has_no_icr_high(void **state)
{
	u64 value = 0;

	(void)state;
	to_x2apic(vcpu(0));
	assert_int_equal(vlapic_msr_read(vcpu(0), MSR_OF(REG_ICR_HIGH), &value), -EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(0), MSR_OF(REG_ICR_HIGH), 2), -EFAULT);
	assert_int_equal(msr_rd(vcpu(0), MSR_OF(REG_ICR_LOW)), 0);
}

static void x2apic_read_only_registers_fault_on_write(void **state)
{
	static const u32 read_only[] = {REG_ID, REG_VERSION, REG_PPR, REG_LDR, REG_TMCCT};
	u64 value = 0;

	(void)state;
	to_x2apic(vcpu(3));
	for (size_t i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++)
		assert_int_equal(vlapic_msr_write(vcpu(3), MSR_OF(read_only[i]), 0), -EFAULT);
	assert_int_equal(msr_rd(vcpu(3), MSR_OF(REG_ID)), 3);
	assert_int_equal(msr_rd(vcpu(3), MSR_OF(REG_LDR)), 8);
	assert_int_equal(msr_rd(vcpu(3), MSR_OF(REG_VERSION)), APIC_VERSION_14);
	/* MSRs past the register page (xAPIC offset 0x400 and up) do not exist. */
	assert_int_equal(vlapic_msr_read(vcpu(3), 0x840, &value), -EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(3), 0x8ff, 0), -EFAULT);
}

/* SDM Vol 3A table 11-6: reserved MSRs and the wrong direction are #GP. */
static void x2apic_reserved_and_wrong_direction_fault(void **state)
{
	static const u32 reserved[] = {0x800, 0x801, 0x804, 0x807, 0x809, 0x80c, 0x80e,
				       0x829, 0x82e, 0x831, 0x83a, 0x83d, 0x840, 0x8ff};
	u64 value;

	(void)state;
	to_x2apic(vcpu(3));
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		assert_int_equal(vlapic_msr_read(vcpu(3), reserved[i], &value), -EFAULT);
		assert_int_equal(vlapic_msr_write(vcpu(3), reserved[i], 0), -EFAULT);
	}
	/* Write-only: EOI and SELF IPI. Read-only: PPR, ISR, TMR, IRR, current count. */
	assert_int_equal(vlapic_msr_read(vcpu(3), MSR_OF(REG_EOI), &value), -EFAULT);
	assert_int_equal(vlapic_msr_read(vcpu(3), MSR_OF(REG_SELF_IPI), &value), -EFAULT);
	for (u32 msr = 0x810; msr <= 0x827; msr++) {
		assert_int_equal(vlapic_msr_read(vcpu(3), msr, &value), 0);
		assert_int_equal(vlapic_msr_write(vcpu(3), msr, 0), -EFAULT);
	}
	assert_int_equal(vlapic_msr_write(vcpu(3), MSR_OF(REG_PPR), 0), -EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(3), MSR_OF(REG_TMCCT), 0), -EFAULT);
	/* Both ways: TPR, SVR, ESR, CMCI, the LVTs, initial count, divide configuration. */
	for (u32 msr = 0x832; msr <= 0x838; msr++)
		assert_int_equal(vlapic_msr_read(vcpu(3), msr, &value), 0);
	assert_int_equal(vlapic_msr_read(vcpu(3), MSR_OF(REG_LVT_CMCI), &value), 0);
	assert_int_equal(vlapic_msr_write(vcpu(3), MSR_OF(REG_LVT_CMCI), LVT_MASKED), 0);
	assert_int_equal(vlapic_msr_write(vcpu(3), MSR_OF(REG_DCR), 0), 0);
	assert_int_equal(vlapic_msr_write(vcpu(3), MSR_OF(REG_SELF_IPI), 0x30), 0);
}

/* The upper half of every x2APIC MSR but the ICR is reserved (11.12.1.2): #GP. */
static void x2apic_upper_half_faults_except_icr(void **state)
{
	static const u32 writable[] = {REG_TPR,	      REG_EOI,	     REG_SVR,	    REG_ESR,
				       REG_LVT_CMCI,  REG_LVT_TIMER, REG_LVT_THERM, REG_LVT_PERF,
				       REG_LVT_LINT0, REG_LVT_LINT1, REG_LVT_ERROR, REG_TMICT,
				       REG_DCR,	      REG_SELF_IPI};
	struct vcpu *v = vcpu(1);

	(void)state;
	to_x2apic(v);
	sw_enable(v);
	for (size_t i = 0; i < sizeof(writable) / sizeof(writable[0]); i++)
		assert_int_equal(vlapic_msr_write(v, MSR_OF(writable[i]), 1ULL << 32), -EFAULT);
	assert_int_equal(msr_rd(v, MSR_OF(REG_SVR)), SVR_ON);
	assert_int_equal(msr_rd(v, MSR_OF(REG_TMICT)), 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_false(vlapic_sync(v));
	/* The ICR's upper half is the destination. */
	icr_x2(v, X2DEST(0xffffffff) | SH_OTHERS | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i0 i2 i3");
}

/* EOI and ESR take 0 only in x2APIC mode (11.12.1.2, 11.5.3.1). */
static void x2apic_eoi_and_esr_take_zero_only(void **state)
{
	struct vcpu *v = vcpu(1);

	(void)state;
	to_x2apic(v);
	sw_enable(v);
	deliver(1, false, APIC_DELIVERY_FIXED, 0x40, false);
	vlapic_sync(v);
	vlapic_intr_accepted(v, 0x40);
	assert_int_equal(vlapic_msr_write(v, MSR_OF(REG_EOI), 1), -EFAULT);
	assert_int_equal(vlapic_highest_isr(v), 0x40);
	assert_int_equal(vlapic_msr_write(v, MSR_OF(REG_EOI), 0), 0);
	assert_int_equal(vlapic_highest_isr(v), -1);
	assert_int_equal(vlapic_msr_write(v, MSR_OF(REG_ESR), 0x20), -EFAULT);
	assert_int_equal(vlapic_msr_write(v, MSR_OF(REG_ESR), 0), 0);
}

/*
 * Every reserved bit, not only bits 63:32, is #GP on WRMSR in x2APIC mode (11.12.1.3).
 * SVR bit 12 (EOI-broadcast suppression) is reserved: the version register does not
 * offer it (bit 24 clear).
 */
static void x2apic_reserved_bits_fault(void **state)
{
	static const struct {
		u32 reg;
		u64 value;
	} bad[] = {
		{REG_TPR, 0x100},
		{REG_SVR, SVR_ON | 1U << 9},
		{REG_SVR, SVR_ON | 1U << 12},
		{REG_LVT_TIMER, 1U << 19},
		{REG_LVT_LINT0, 1U << 17},
		{REG_LVT_ERROR, 0x700},
		{REG_DCR, 0x4},
		{REG_SELF_IPI, 0x140},
		{REG_ICR_LOW, 0x40 | 1U << 13},
	};
	struct vcpu *v = vcpu(1);

	(void)state;
	to_x2apic(v);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vlapic_msr_write(v, MSR_OF(bad[i].reg), bad[i].value) != -EFAULT)
			fail_msg("MSR 0x%x <- 0x%llx was accepted", MSR_OF(bad[i].reg),
				 (unsigned long long)bad[i].value);
}

/* --- The xAPIC page. --- */

static void xapic_page_is_on_the_mmio_bus(void **state)
{
	const struct io_range *r;

	(void)state;
	r = io_bus_find(&vm.mmio, XAPIC_PAGE, 4);
	assert_non_null(r);
	assert_int_equal(r->base, XAPIC_PAGE);
	assert_int_equal(r->size, 0x1000);
	assert_ptr_equal(r->device, &vm);
	assert_string_equal(r->name, "local APIC");
	assert_non_null(io_bus_find(&vm.mmio, XAPIC_PAGE + 0xffc, 4));
	assert_null(io_bus_find(&vm.mmio, XAPIC_PAGE + 0x1000, 4));
	assert_int_equal(vlapic_attach(&vm), -EEXIST);
}

static void xapic_register_reads(void **state)
{
	(void)state;
	/* The page answers for the vCPU on the accessing CPU. */
	assert_int_equal(xapic_rd(vcpu(1), REG_ID), 1U << 24);
	assert_int_equal(xapic_rd(vcpu(3), REG_ID), 3U << 24);
	assert_int_equal(xapic_rd(vcpu(3), REG_VERSION), APIC_VERSION_14);
	assert_int_equal(xapic_rd(vcpu(3), REG_SVR), 0xff);
	assert_int_equal(xapic_rd(vcpu(3), REG_LDR), 0); /* the guest has not set it up */
	xapic_wr(vcpu(3), REG_SVR, SVR_ON);
	assert_int_equal(xapic_rd(vcpu(3), REG_SVR), SVR_ON);
	assert_int_equal(xapic_rd(vcpu(2), REG_SVR), 0xff);
	xapic_wr(vcpu(3), REG_TPR, 0x123);
	assert_int_equal(xapic_rd(vcpu(3), REG_TPR), 0x23);
	/* Write-only EOI reads 0; so do the reserved offsets, SELF IPI among them. */
	assert_int_equal(xapic_rd(vcpu(3), REG_EOI), 0);
	assert_int_equal(xapic_rd(vcpu(3), REG_SELF_IPI), 0);
	assert_int_equal(xapic_rd(vcpu(3), 0x400), 0);
	assert_int_equal(xapic_rd(vcpu(3), 0xff0), 0);
}

static void xapic_read_only_and_reserved_writes_are_ignored(void **state)
{
	struct vcpu *v = vcpu(1);

	(void)state;
	sw_enable(v);
	xapic_wr(v, REG_VERSION, 0);
	xapic_wr(v, REG_PPR, 0xf0);
	xapic_wr(v, REG_IRR + 0x20, 0xffffffff);
	xapic_wr(v, REG_ISR + 0x20, 0xffffffff);
	xapic_wr(v, REG_TMCCT, 1234);
	xapic_wr(v, REG_SELF_IPI, 0x40); /* SELF IPI is x2APIC only */
	xapic_wr(v, 0x800, 0x1234);
	assert_int_equal(xapic_rd(v, REG_VERSION), APIC_VERSION_14);
	assert_int_equal(xapic_rd(v, REG_PPR), 0);
	assert_int_equal(xapic_rd(v, REG_TMCCT), 0);
	assert_int_equal(xapic_rd(v, 0x800), 0);
	assert_false(vlapic_sync(v));
	assert_int_equal(vlapic_highest_irr(v), -1);
	assert_int_equal(vlapic_highest_isr(v), -1);
}

/* An access to a reserved offset sets "illegal register address" in ESR (11.5.3). */
static void xapic_reserved_access_sets_esr_illegal_register(void **state)
{
	struct vcpu *v = vcpu(1);

	(void)state;
	sw_enable(v);
	xapic_wr(v, 0x040, 1); /* reserved */
	assert_int_equal(esr_latch(v) & ESR_ILLEGAL_REG, ESR_ILLEGAL_REG);
}

static void xapic_icr_high_then_low_sends(void **state)
{
	(void)state;
	xapic_wr(vcpu(0), REG_ICR_HIGH, XAPIC_DEST(2));
	assert_string_equal(ipis(), ""); /* the high half alone sends nothing */
	xapic_wr(vcpu(0), REG_ICR_LOW, ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i2");
	/* Delivery status (bit 12) reads idle: the IPI is sent at once. */
	assert_int_equal(xapic_rd(vcpu(0), REG_ICR_LOW), ICR_INIT | ICR_ASSERT);
	assert_int_equal(xapic_rd(vcpu(0), REG_ICR_HIGH), XAPIC_DEST(2));
	/* The destination stays for the start-up IPIs that follow. */
	xapic_wr(vcpu(0), REG_ICR_LOW, ICR_STARTUP | 0x9a);
	xapic_wr(vcpu(0), REG_ICR_LOW, ICR_STARTUP | 0x9a | (1U << 12));
	assert_string_equal(ipis(), "s2:9a s2:9a");
	assert_int_equal(xapic_rd(vcpu(0), REG_ICR_LOW), ICR_STARTUP | 0x9a);
	/* Only bits 31:24 of the high half exist. */
	xapic_wr(vcpu(0), REG_ICR_HIGH, XAPIC_DEST(3) | 0xffffff);
	assert_int_equal(xapic_rd(vcpu(0), REG_ICR_HIGH), XAPIC_DEST(3));
	/* 0xff is the xAPIC broadcast. */
	xapic_wr(vcpu(0), REG_ICR_HIGH, XAPIC_DEST(0xff));
	xapic_wr(vcpu(0), REG_ICR_LOW, ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i0 i1 i2 i3");
	/* Flat logical model: one bit per vCPU. */
	for (u32 i = 0; i < TEST_VCPUS; i++)
		xapic_wr(vcpu(i), REG_LDR, 1U << (24 + i));
	xapic_wr(vcpu(0), REG_ICR_HIGH, XAPIC_DEST(0x05));
	xapic_wr(vcpu(0), REG_ICR_LOW, ICR_LOGICAL | ICR_STARTUP | 0x20);
	assert_string_equal(ipis(), "s0:20 s2:20");
	/* Shorthands. */
	xapic_wr(vcpu(1), REG_ICR_LOW, SH_OTHERS | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i0 i2 i3");
	assert_int_equal(fake_env.warns, 0);
}

static void xapic_needs_aligned_32bit_accesses(void **state)
{
	static const u32 sizes[] = {1, 2, 8};
	u64 value;

	(void)state;
	xapic_wr(vcpu(0), REG_ICR_HIGH, XAPIC_DEST(1));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		value = ICR_INIT | ICR_ASSERT;
		assert_int_equal(mmio(vcpu(0), REG_ICR_LOW, sizes[i], true, &value), 0);
		value = 0xdeadbeef;
		assert_int_equal(mmio(vcpu(0), REG_ID, sizes[i], false, &value), 0);
		assert_int_equal(value, 0);
	}
	/* Inside a register but not at its start. */
	value = ICR_INIT | ICR_ASSERT;
	assert_int_equal(mmio(vcpu(0), REG_ICR_LOW + 4, 4, true, &value), 0);
	value = 0xdeadbeef;
	assert_int_equal(mmio(vcpu(0), REG_ID + 4, 4, false, &value), 0);
	assert_int_equal(value, 0);
	assert_string_equal(ipis(), "");
	assert_int_equal(xapic_rd(vcpu(0), REG_ICR_LOW), 0);
	assert_int_equal(xapic_rd(vcpu(0), REG_ICR_HIGH), XAPIC_DEST(1));
}

static void xapic_page_ignored_when_disabled_or_x2apic(void **state)
{
	(void)state;
	xapic_wr(vcpu(0), REG_ICR_HIGH, XAPIC_DEST(2));

	set_apic_base(vcpu(0), XAPIC_PAGE | APIC_BSP); /* disabled */
	xapic_wr(vcpu(0), REG_ICR_LOW, ICR_INIT | ICR_ASSERT);
	assert_int_equal(xapic_rd(vcpu(0), REG_ID), 0);
	assert_int_equal(xapic_rd(vcpu(0), REG_VERSION), 0);

	set_apic_base(vcpu(0), XAPIC_PAGE | APIC_BSP | APIC_EN);
	xapic_wr(vcpu(0), REG_ICR_HIGH, XAPIC_DEST(2));
	to_x2apic(vcpu(0));
	xapic_wr(vcpu(0), REG_ICR_LOW, ICR_INIT | ICR_ASSERT);
	xapic_wr(vcpu(0), REG_SVR, SVR_ON);
	assert_int_equal(xapic_rd(vcpu(0), REG_VERSION), 0);
	assert_string_equal(ipis(), "");
	assert_int_equal(msr_rd(vcpu(0), MSR_OF(REG_ICR_LOW)) & 0xffffffff, 0);
	assert_int_equal(msr_rd(vcpu(0), MSR_OF(REG_SVR)), 0xff);
}

static void xapic_page_ignored_from_a_cpu_without_this_vm(void **state)
{
	u64 value = SENTINEL;

	(void)state;
	/* No vCPU on the CPU. */
	xapic_wr(NULL, REG_ICR_LOW, SH_ALL | ICR_INIT | ICR_ASSERT);
	assert_int_equal(xapic_rd(NULL, REG_VERSION), 0);
	/* Another VM's vCPU on the CPU. */
	other_vm.vcpus[0].pcpu = 6;
	fake_env.on_pcpu[6] = &other_vm.vcpus[0];
	xapic_wr(&other_vm.vcpus[0], REG_ICR_LOW, SH_ALL | ICR_INIT | ICR_ASSERT);
	assert_int_equal(xapic_rd(&other_vm.vcpus[0], REG_VERSION), 0);
	assert_int_equal(fake_env.ipi_count, 0);
	assert_int_equal(vlapic_mmio_access(&other_vm.vcpus[0], REG_ICR_LOW, false, &value, 4), 0);
	assert_int_equal(value, 0);
}

/* --- APIC virtualization: trap-like APIC-write exits (SDM Vol 3C 30.4.3.3). --- */

/* The CPU has stored value in the virtual-APIC page; then the exit. */
static void apic_write(struct vcpu *v, u32 offset, u32 value)
{
	v->arch.vlapic.regs[offset / 4] = value;
	vlapic_apic_write(v, offset);
}

static void apic_write_acts_on_the_stored_value(void **state)
{
	struct vcpu *v = vcpu(0);

	(void)state;
	apic_write(v, REG_SVR, SVR_ON);
	assert_int_equal(reg_rd(v, REG_SVR), SVR_ON);
	/* ICR low sends, with the high half already in the page. */
	apic_write(v, REG_ICR_HIGH, XAPIC_DEST(3));
	apic_write(v, REG_ICR_LOW, ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i3");
	/* LDR and DFR keep their reserved bits. */
	apic_write(v, REG_LDR, 0x12345678);
	assert_int_equal(reg_rd(v, REG_LDR), 0x12000000);
	apic_write(v, REG_DFR, 0);
	assert_int_equal(reg_rd(v, REG_DFR), 0x0fffffff);
	/* The initial count starts the timer. */
	apic_write(v, REG_LVT_TIMER, 0x40);
	apic_write(v, REG_TMICT, 100000);
	assert_int_equal(fake_timer_armed_count(), 1);
	assert_int_equal(reg_rd(v, REG_TMCCT), 100000); /* counting at TSC / 2 */
	/* EOI: the highest in-service vector, broadcast when level-triggered. */
	deliver(0, false, APIC_DELIVERY_FIXED, 0x61, true);
	vlapic_sync(v);
	vlapic_intr_accepted(v, 0x61);
	apic_write(v, REG_EOI, 0);
	assert_int_equal(vlapic_highest_isr(v), -1);
	assert_int_equal(fake_env.eoi_count, 1);
	assert_int_equal(fake_env.eois[0], 0x61);
	/* A virtualized EOI of a level-triggered vector: the CPU did the rest. */
	vlapic_level_eoi(v, 0x62);
	assert_int_equal(fake_env.eoi_count, 2);
	assert_int_equal(fake_env.eois[1], 0x62);
	assert_ptr_equal(fake_env.eoi_vm, &vm);
}

/* A mode change disarms the timer (11.5.4.1), on this path as on the others. */
static void apic_write_of_a_timer_mode_change_disarms(void **state)
{
	struct vcpu *v = vcpu(0);

	(void)state;
	sw_enable(v);
	reg_wr(v, REG_LVT_TIMER, 0x40);
	reg_wr(v, REG_TMICT, 100000);
	assert_int_equal(fake_timer_armed_count(), 1);
	apic_write(v, REG_LVT_TIMER, LVT_PERIODIC | 0x40);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(reg_rd(v, REG_TMCCT), 0);
}

static void dump_names_the_mode(void **state)
{
	(void)state;
	fake_log_reset();
	sw_enable(vcpu(1));
	vlapic_dump(vcpu(1));
	assert_true(fake_log_contains("lapic xapic id 1 "));
	assert_true(fake_log_contains("svr 1ff"));
	to_x2apic(vcpu(2));
	vlapic_dump(vcpu(2));
	assert_true(fake_log_contains("lapic x2apic id 2 "));
	set_apic_base(vcpu(3), XAPIC_PAGE);
	vlapic_dump(vcpu(3));
	assert_true(fake_log_contains("lapic disabled id 3 "));
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup(name, vlapic_test_setup)
	const struct CMUnitTest tests[] = {
		TEST(reset_state_in_xapic_mode),
		TEST(reset_undoes_what_the_guest_set),
		TEST(init_in_x2apic_mode),
		TEST(xapic_id_is_read_only_ldr_and_dfr_are_writable),
		TEST(x2apic_switch_loads_id_and_ldr),
		TEST(disabling_resets_the_apic),
		TEST(x2apic_register_reads),
		TEST(x2apic_msrs_fault_outside_x2apic_mode),
		TEST(x2apic_has_no_icr_high),
		TEST(x2apic_read_only_registers_fault_on_write),
		TEST(x2apic_reserved_and_wrong_direction_fault),
		TEST(x2apic_upper_half_faults_except_icr),
		TEST(x2apic_eoi_and_esr_take_zero_only),
		TEST(x2apic_reserved_bits_fault),
		TEST(xapic_page_is_on_the_mmio_bus),
		TEST(xapic_register_reads),
		TEST(xapic_read_only_and_reserved_writes_are_ignored),
		TEST(xapic_reserved_access_sets_esr_illegal_register),
		TEST(xapic_icr_high_then_low_sends),
		TEST(xapic_needs_aligned_32bit_accesses),
		TEST(xapic_page_ignored_when_disabled_or_x2apic),
		TEST(xapic_page_ignored_from_a_cpu_without_this_vm),
		TEST(apic_write_acts_on_the_stored_value),
		TEST(apic_write_of_a_timer_mode_change_disarms),
		TEST(dump_names_the_mode),
	};
#undef TEST
	return cmocka_run_group_tests_name("vlapic", tests, NULL, NULL);
}
