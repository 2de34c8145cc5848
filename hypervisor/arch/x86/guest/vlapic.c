// SPDX-License-Identifier: BSD-3-Clause
/*
 * Virtual local APIC (SDM Vol 3A chapter 11): see asm/vlapic.h for the three contexts and
 * who touches what. Register offsets are the xAPIC ones; an x2APIC MSR is 0x800 plus the
 * offset divided by 16 (11.12.1.2), and the 64-bit x2APIC ICR is one MSR (0x830).
 * Here: registers, IRR/ISR/PPR and EOI, reset; the timer is in vlapic_timer.c, posting,
 * interrupt messages and IPIs in vlapic_ipi.c (shared: vlapic_internal.h).
 *
 * Model, where the SDM leaves a choice:
 * - The timer's input clock is the TSC: an initial count of N with divider D lasts N * D
 *   TSC ticks. TSC-deadline mode is offered (CPUID.1:ECX[24]).
 * - The APIC ID is read-only in xAPIC mode too (some CPUs let software change it).
 * - Lowest-priority delivery goes to the lowest-numbered vCPU the destination names (the
 *   SDM lets the chipset arbitrate; a fixed choice is repeatable).
 * - Directed EOI (SVR bit 12) is not offered: every EOI of a level-triggered vector is
 *   broadcast to the vIOAPIC.
 * - A vector below 16 sent or received is dropped and latched in ESR (illegal vector).
 * - Interrupts that arrive while the APIC is disabled (software or hardware) are dropped.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/virq.h>
#include "vlapic_internal.h"

static void note_irr_change(struct vlapic *l)
{
	l->irr_changed = true;
	note_event(l);
}

static void note_tmr_change(struct vlapic *l)
{
	l->tmr_changed = true;
	note_event(l);
}

/* IRR, ISR and TMR: 256 bits as eight 32-bit registers 16 bytes apart (11.8.4). */
static bool vec_test(struct vlapic *l, u32 base, u8 v)
{
	return (*reg(l, base + (v >> 5) * 0x10) >> (v & 31)) & 1;
}

static void vec_set(struct vlapic *l, u32 base, u8 v)
{
	*reg(l, base + (v >> 5) * 0x10) |= 1U << (v & 31);
}

static void vec_clear(struct vlapic *l, u32 base, u8 v)
{
	*reg(l, base + (v >> 5) * 0x10) &= ~(1U << (v & 31));
}

static int vec_highest(struct vlapic *l, u32 base)
{
	for (int i = 7; i >= 0; i--) {
		u32 word = *reg(l, base + (u32)i * 0x10);

		if (word)
			return i * 32 + 31 - __builtin_clz(word);
	}
	return -1;
}

bool vlapic_x2apic_mode(const struct vcpu *vcpu)
{
	return x2apic_mode(vcpu);
}

static bool sw_enabled(struct vcpu *vcpu)
{
	return hw_enabled(vcpu) && (*reg(lapic(vcpu), APIC_SVR) & SVR_ENABLE);
}

/* PPR from TPR and the highest in-service vector (11.8.3.1). */
static void update_ppr(struct vlapic *l)
{
	u32 tpr = *reg(l, APIC_TPR) & 0xff;
	int isrv = vec_highest(l, APIC_ISR);

	u32 ppr = isrv < 0 || (tpr & 0xf0) >= ((u32)isrv & 0xf0) ? tpr : (u32)isrv & 0xf0;

	/* A new PPR may let a held vector through: the backend looks again before entry. */
	if (ppr != *reg(l, APIC_PPR))
		note_irr_change(l);
	*reg(l, APIC_PPR) = ppr;
}

/* Latches an error in ESR and raises the LVT error interrupt (11.5.3). On the vCPU's CPU. */
void vlapic_set_error(struct vcpu *vcpu, u32 bit)
{
	struct vlapic *l = lapic(vcpu);
	u32 lvt = *reg(l, APIC_LVT_ERROR);

	l->esr_pending |= bit;
	/* An illegal error vector would only raise another error: nothing is sent. */
	if (!(lvt & LVT_MASKED) && (lvt & LVT_VECTOR) >= 16)
		vlapic_post_vector(vcpu, (u8)(lvt & LVT_VECTOR), false);
}

bool vlapic_sync(struct vcpu *vcpu)
{
	struct vlapic *l = lapic(vcpu);
	bool enabled = sw_enabled(vcpu), changed = false;

	for (u32 i = 0; i < 4; i++) {
		u64 bits, level;

		if (!__atomic_load_n(&l->posted[i], __ATOMIC_RELAXED))
			continue;
		bits = __atomic_exchange_n(&l->posted[i], 0, __ATOMIC_SEQ_CST);
		level = __atomic_load_n(&l->posted_level[i], __ATOMIC_SEQ_CST);
		if (!enabled)
			continue;
		for (u32 half = 0; half < 2; half++) {
			u32 b = (u32)(bits >> (half * 32)), lv = (u32)(level >> (half * 32));
			u32 off = (i * 2 + half) * 0x10;
			u32 *irr = reg(l, APIC_IRR + off), *tmr = reg(l, APIC_TMR + off);
			u32 new_tmr = (*tmr & ~b) | (lv & b);

			if (i == 0 && half == 0 && (b & 0xffffU)) {
				/* Vectors 0-15 are illegal (11.5.3): latched, not accepted. */
				vlapic_set_error(vcpu, ESR_RECV_ILLEGAL);
				b &= ~0xffffU;
				new_tmr = (*tmr & ~b) | (lv & b);
			}
			if (new_tmr != *tmr) {
				*tmr = new_tmr;
				note_tmr_change(l);
			}
			if (b & ~*irr)
				changed = true;
			*irr |= b;
		}
	}
	if (changed)
		note_irr_change(l);
	return changed;
}

int vlapic_highest_irr(struct vcpu *vcpu)
{
	return vec_highest(lapic(vcpu), APIC_IRR);
}

int vlapic_highest_isr(struct vcpu *vcpu)
{
	return vec_highest(lapic(vcpu), APIC_ISR);
}

int vlapic_deliverable(struct vcpu *vcpu)
{
	struct vlapic *l = lapic(vcpu);
	int v = vec_highest(l, APIC_IRR);

	if (v < 0 || ((u32)v & 0xf0) <= (*reg(l, APIC_PPR) & 0xf0))
		return -1;
	return v;
}

void vlapic_intr_accepted(struct vcpu *vcpu, u8 vector)
{
	struct vlapic *l = lapic(vcpu);

	vec_clear(l, APIC_IRR, vector);
	vec_set(l, APIC_ISR, vector);
	update_ppr(l);
}

bool vlapic_take_nmi(struct vcpu *vcpu)
{
	struct vlapic *l = lapic(vcpu);
	u32 n = __atomic_load_n(&l->nmi_pending, __ATOMIC_RELAXED);

	while (n && !__atomic_compare_exchange_n(&l->nmi_pending, &n, n - 1, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		;
	return n != 0;
}

bool vlapic_accepts_extint(struct vcpu *vcpu)
{
	struct vlapic *l = lapic(vcpu);
	u32 lint0 = *reg(l, APIC_LVT_LINT0);

	if (__atomic_load_n(&l->extint, __ATOMIC_RELAXED))
		return true;
	/* A disabled APIC passes INTR straight to the CPU; the 8259 is wired to the BSP. */
	if (!hw_enabled(vcpu))
		return vcpu->id == 0;
	return !(lint0 & LVT_MASKED) && (lint0 & LVT_DM) == LVT_DM_EXTINT;
}

void vlapic_extint_taken(struct vcpu *vcpu)
{
	__atomic_store_n(&lapic(vcpu)->extint, false, __ATOMIC_RELAXED);
}

bool vlapic_has_event(struct vcpu *vcpu)
{
	vlapic_sync(vcpu);
	update_ppr(lapic(vcpu));
	return vlapic_deliverable(vcpu) >= 0 ||
	       __atomic_load_n(&lapic(vcpu)->nmi_pending, __ATOMIC_RELAXED) ||
	       (vlapic_accepts_extint(vcpu) && vm_extint_pending(vcpu->vm));
}

void vlapic_get_tmr(struct vcpu *vcpu, u64 tmr[4])
{
	struct vlapic *l = lapic(vcpu);

	for (u32 i = 0; i < 4; i++)
		tmr[i] = *reg(l, APIC_TMR + i * 0x20) | (u64)*reg(l, APIC_TMR + i * 0x20 + 0x10)
								<< 32;
	l->tmr_changed = false;
}

/* --- EOI. --- */

static void eoi(struct vcpu *vcpu)
{
	struct vlapic *l = lapic(vcpu);
	int v = vec_highest(l, APIC_ISR);

	if (v < 0)
		return;
	vec_clear(l, APIC_ISR, (u8)v);
	update_ppr(l);
	note_irr_change(l);
	if (vec_test(l, APIC_TMR, (u8)v))
		vm_broadcast_eoi(vcpu->vm, (u8)v);
}

void vlapic_level_eoi(struct vcpu *vcpu, u8 vector)
{
	/* The CPU did the virtual EOI (ISR, PPR); what is left is the vIOAPIC's part. */
	vm_broadcast_eoi(vcpu->vm, vector);
}

/* --- Register access, both modes. --- */

static void mask_all_lvts(struct vlapic *l)
{
	static const u32 lvts[] = {APIC_LVT_CMCI,  APIC_LVT_TIMER, APIC_LVT_THERM, APIC_LVT_PERF,
				   APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR};

	for (u32 i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		*reg(l, lvts[i]) |= LVT_MASKED;
}

/* A register read by xAPIC offset; -ENOENT for offsets that are not registers. */
static int read_reg(struct vcpu *vcpu, u32 offset, bool x2apic, u64 *value)
{
	struct vlapic *l = lapic(vcpu);

	switch (offset) {
	case APIC_PPR:
		update_ppr(l);
		*value = *reg(l, APIC_PPR);
		return 0;
	case APIC_TIMER_CCR:
		*value = vlapic_timer_ccr(l);
		return 0;
	case APIC_ICR_LOW:
		*value = *reg(l, APIC_ICR_LOW);
		if (x2apic)
			*value |= (u64)*reg(l, APIC_ICR_HIGH) << 32;
		return 0;
	case APIC_SELF_IPI:
	case APIC_EOI:
		*value = 0;
		return 0;
	default:
		if (offset >= 0x400)
			return -ENOENT;
		*value = *reg(l, offset);
		return 0;
	}
}

static int write_lvt(struct vcpu *vcpu, u32 offset, u32 value)
{
	struct vlapic *l = lapic(vcpu);
	u32 writable, old = *reg(l, offset);

	switch (offset) {
	case APIC_LVT_TIMER:
		writable = LVT_VECTOR | LVT_MASKED | LVT_TIMER_MODE;
		if (((value & LVT_TIMER_MODE) >> 17) == 3)
			value &= ~LVT_TIMER_MODE; /* reserved mode: taken as one-shot */
		break;
	case APIC_LVT_LINT0:
	case APIC_LVT_LINT1:
		writable = LVT_VECTOR | LVT_DM | LVT_POLARITY | LVT_LEVEL | LVT_MASKED;
		break;
	case APIC_LVT_ERROR:
		writable = LVT_VECTOR | LVT_MASKED;
		break;
	default: /* CMCI, thermal, performance counters */
		writable = LVT_VECTOR | LVT_DM | LVT_MASKED;
		break;
	}
	value = (value & writable) | (old & ~writable & LVT_REMOTE_IRR);
	/* A software-disabled APIC keeps its LVTs masked (11.4.7.2). */
	if (!(*reg(l, APIC_SVR) & SVR_ENABLE))
		value |= LVT_MASKED;
	*reg(l, offset) = value;
	/* Changing the timer mode disarms the timer (11.5.4.1). */
	if (offset == APIC_LVT_TIMER && ((old ^ value) & LVT_TIMER_MODE)) {
		vlapic_timer_disarm(l);
		*reg(l, APIC_TIMER_ICR) = 0;
	}
	/* The 8259 may be asserting INTR already. */
	if (offset == APIC_LVT_LINT0 && vlapic_accepts_extint(vcpu))
		note_event(l);
	return 0;
}

static int write_reg(struct vcpu *vcpu, u32 offset, bool x2apic, u64 value)
{
	struct vlapic *l = lapic(vcpu);
	u32 v32 = (u32)value;

	switch (offset) {
	case APIC_ID:
	case APIC_LDR:
		if (x2apic)
			return -ENOENT; /* read-only in x2APIC mode: #GP */
		if (offset == APIC_LDR)
			*reg(l, APIC_LDR) = v32 & 0xff000000U;
		return 0;
	case APIC_DFR:
		if (!x2apic)
			*reg(l, APIC_DFR) = v32 | 0x0fffffffU;
		return 0;
	case APIC_TPR:
		*reg(l, APIC_TPR) = v32 & 0xff;
		update_ppr(l);
		return 0;
	case APIC_EOI:
		if (x2apic && value)
			return -ENOENT; /* x2APIC EOI takes 0 only (11.12.1.2) */
		eoi(vcpu);
		return 0;
	case APIC_SVR:
		*reg(l, APIC_SVR) = v32 & 0x1ff;
		if (!(v32 & SVR_ENABLE))
			mask_all_lvts(l);
		return 0;
	case APIC_ESR:
		if (x2apic && value)
			return -ENOENT;
		/* A write latches the errors since the last one (11.5.3). */
		*reg(l, APIC_ESR) = l->esr_pending;
		l->esr_pending = 0;
		return 0;
	case APIC_ICR_LOW:
		*reg(l, APIC_ICR_LOW) = v32 & ~(u32)ICR_DELIVS;
		if (x2apic)
			*reg(l, APIC_ICR_HIGH) = (u32)(value >> 32);
		vlapic_send_ipi(vcpu, (u64)*reg(l, APIC_ICR_HIGH) << 32 | *reg(l, APIC_ICR_LOW),
				x2apic);
		return 0;
	case APIC_ICR_HIGH:
		if (x2apic)
			return -ENOENT;
		*reg(l, APIC_ICR_HIGH) = v32 & 0xff000000U;
		return 0;
	case APIC_LVT_CMCI:
	case APIC_LVT_TIMER:
	case APIC_LVT_THERM:
	case APIC_LVT_PERF:
	case APIC_LVT_LINT0:
	case APIC_LVT_LINT1:
	case APIC_LVT_ERROR:
		return write_lvt(vcpu, offset, v32);
	case APIC_TIMER_ICR:
		vlapic_timer_load(l, v32);
		return 0;
	case APIC_TIMER_DCR:
		vlapic_timer_set_divisor(l, v32);
		return 0;
	case APIC_SELF_IPI:
		if (!x2apic)
			return 0; /* reserved in the xAPIC page */
		if ((u8)v32 < 16)
			vlapic_set_error(vcpu, ESR_SEND_ILLEGAL);
		else
			vlapic_post_vector(vcpu, (u8)v32, false);
		return 0;
	default:
		/* Read-only or reserved: #GP in x2APIC mode, ignored in the xAPIC page. */
		return x2apic || offset >= 0x400 ? -ENOENT : 0;
	}
}

/*
 * The x2APIC MSRs that exist, by MSR - 0x800 (SDM Vol 3A table 11-6): anything else, a
 * read of a write-only register (EOI, SELF IPI) or a write of a read-only one (ID,
 * version, PPR, LDR, ISR, TMR, IRR, current count) is #GP.
 */
#define X2(n) (1ULL << (n))
static const u64 x2apic_readable = X2(0x02) | X2(0x03) | X2(0x08) | X2(0x0a) | X2(0x0d) | X2(0x0f) |
				   (0xffffffULL << 0x10) /* ISR, TMR, IRR */ | X2(0x28) | X2(0x2f) |
				   X2(0x30) | (0x7fULL << 0x32) | X2(0x39) | X2(0x3e);
static const u64 x2apic_writable = X2(0x08) | X2(0x0b) | X2(0x0f) | X2(0x28) | X2(0x2f) | X2(0x30) |
				   (0x7fULL << 0x32) | X2(0x3e) | X2(0x3f);

static bool x2apic_msr_ok(u32 msr, bool write)
{
	u32 n = msr - X2APIC_MSR_FIRST;

	return n < 64 && ((write ? x2apic_writable : x2apic_readable) >> n) & 1;
}

int vlapic_msr_read(struct vcpu *vcpu, u32 msr, u64 *value)
{
	if (!vlapic_x2apic_mode(vcpu) || !x2apic_msr_ok(msr, false))
		return -EFAULT;
	return read_reg(vcpu, (msr - X2APIC_MSR_FIRST) << 4, true, value) ? -EFAULT : 0;
}

/* The bits of an x2APIC register WRMSR may set; any other is #GP (11.12.1.3). */
static u64 x2apic_write_mask(u32 offset)
{
	switch (offset) {
	case APIC_TPR:
	case APIC_SELF_IPI:
		return 0xff;
	case APIC_EOI:
	case APIC_ESR:
		return 0; /* written with 0 only */
	case APIC_SVR:
		return 0x1ff; /* no EOI-broadcast suppression (version bit 24 clear) */
	case APIC_ICR_LOW:
		/* Vector, mode, destination mode, level, trigger, shorthand; 32-bit ID. */
		return 0xffffffff00000000ULL | 0xfff | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL |
		       (3ULL << 18);
	case APIC_LVT_TIMER:
		return LVT_VECTOR | LVT_DELIVS | LVT_MASKED | LVT_TIMER_MODE;
	case APIC_LVT_LINT0:
	case APIC_LVT_LINT1:
		return LVT_VECTOR | LVT_DM | LVT_DELIVS | LVT_POLARITY | LVT_REMOTE_IRR |
		       LVT_LEVEL | LVT_MASKED;
	case APIC_LVT_ERROR:
		return LVT_VECTOR | LVT_DELIVS | LVT_MASKED;
	case APIC_LVT_CMCI:
	case APIC_LVT_THERM:
	case APIC_LVT_PERF:
		return LVT_VECTOR | LVT_DM | LVT_DELIVS | LVT_MASKED;
	case APIC_TIMER_DCR:
		return 0xb;
	default:
		return 0xffffffffULL;
	}
}

int vlapic_msr_write(struct vcpu *vcpu, u32 msr, u64 value)
{
	if (!vlapic_x2apic_mode(vcpu) || !x2apic_msr_ok(msr, true))
		return -EFAULT;
	if (value & ~x2apic_write_mask((msr - X2APIC_MSR_FIRST) << 4))
		return -EFAULT;
	return write_reg(vcpu, (msr - X2APIC_MSR_FIRST) << 4, true, value) ? -EFAULT : 0;
}

u64 vlapic_get_cr8(struct vcpu *vcpu)
{
	return (*reg(lapic(vcpu), APIC_TPR) >> 4) & 0xf;
}

void vlapic_set_cr8(struct vcpu *vcpu, u64 cr8)
{
	struct vlapic *l = lapic(vcpu);

	*reg(l, APIC_TPR) = (u32)(cr8 & 0xf) << 4;
	update_ppr(l);
}

/*
 * The registers as the guest last saw them, for the APIC-write path. Under APIC
 * virtualization the only writes that change them are APIC-write exits (the others are
 * virtualized, or go to read-only and reserved offsets), resets and mode changes.
 */
static void snapshot(struct vlapic *l)
{
	if (!l->apicv)
		return;
	for (u32 i = 0; i < 64; i++)
		l->accepted[i] = l->regs[i * 4];
}

void vlapic_apic_write(struct vcpu *vcpu, u32 offset)
{
	struct vlapic *l = lapic(vcpu);
	u32 value;

	offset &= 0x3f0;
	/*
	 * The CPU stored the guest's value already: put back what the register held and
	 * write it as any other path does, so the register's rules (read-only bits, a
	 * timer mode change) see the old and the new value.
	 */
	value = *reg(l, offset);
	*reg(l, offset) = l->accepted[offset >> 4];
	if (offset == APIC_EOI)
		eoi(vcpu);
	else
		write_reg(vcpu, offset, vlapic_x2apic_mode(vcpu), value);
	snapshot(l);
}

/* The registers of the xAPIC page, one bit per 16-byte slot below 0x400 (table 11-1). */
static const u64 xapic_registers = X2(0x02) | X2(0x03) | X2(0x08) | X2(0x09) | X2(0x0a) | X2(0x0b) |
				   X2(0x0c) | X2(0x0d) | X2(0x0e) | X2(0x0f) |
				   (0xffffffULL << 0x10) | X2(0x28) | (0xffULL << 0x2f) |
				   (0x7ULL << 0x37) | X2(0x3e);

int vlapic_mmio_access(struct vcpu *vcpu, u32 offset, bool write, u64 *value, u32 size)
{
	u64 v = 0;

	/* An access to a reserved offset latches "illegal register address" (11.5.3). */
	if (!vlapic_x2apic_mode(vcpu) && sw_enabled(vcpu) &&
	    (offset >= 0x400 || !((xapic_registers >> (offset >> 4)) & 1)))
		vlapic_set_error(vcpu, ESR_ILLEGAL_REG);

	/* 32-bit accesses to 16-byte aligned registers (11.4.1); others are ignored. */
	if (vlapic_x2apic_mode(vcpu) || !hw_enabled(vcpu) || size != 4 || (offset & 0xf)) {
		if (!write)
			*value = 0;
		return 0;
	}
	if (write)
		return write_reg(vcpu, offset, false, (u32)*value), 0;
	*value = read_reg(vcpu, offset, false, &v) ? 0 : (u32)v;
	return 0;
}

/* Page contents that depend on the mode: ID and LDR (11.12.5.1). */
static void load_mode_registers(struct vcpu *vcpu)
{
	struct vlapic *l = lapic(vcpu);

	if (vlapic_x2apic_mode(vcpu)) {
		*reg(l, APIC_ID) = vcpu->id;
		*reg(l, APIC_LDR) = x2apic_ldr(vcpu->id);
		*reg(l, APIC_DFR) = 0;
	} else {
		*reg(l, APIC_ID) = vcpu->id << 24;
	}
}

static void reset_registers(struct vcpu *vcpu)
{
	struct vlapic *l = lapic(vcpu);

	vlapic_timer_disarm(l);
	for (u32 i = 0; i < 1024; i++)
		l->regs[i] = 0;
	*reg(l, APIC_VERSION) = APIC_VERSION_VALUE;
	*reg(l, APIC_DFR) = 0xffffffffU;
	*reg(l, APIC_SVR) = 0xff; /* software disabled, vector 0xff (11.4.7.1) */
	mask_all_lvts(l);
	l->esr_pending = 0;
	note_tmr_change(l);
	note_irr_change(l);
	load_mode_registers(vcpu);
	snapshot(l);
}

void vlapic_base_changed(struct vcpu *vcpu, u64 old_base)
{
	/* Disabling the APIC resets it, as INIT does, but keeps the ID (11.4.3). */
	if ((old_base & APIC_BASE_EN) && !hw_enabled(vcpu))
		reset_registers(vcpu);
	else
		load_mode_registers(vcpu);
	snapshot(lapic(vcpu));
	/* Where ExtINT goes follows the enable bit (vlapic_accepts_extint). */
	note_event(lapic(vcpu));
	vcpu_vendor_apic_mode_changed(vcpu);
}

void vlapic_reset(struct vcpu *vcpu)
{
	struct vlapic *l = lapic(vcpu);

	if (!l->timer.fn)
		timer_init(&l->timer, vlapic_timer_fired, vcpu, vcpu->pcpu);
	reset_registers(vcpu);
	for (u32 i = 0; i < 4; i++) {
		__atomic_store_n(&l->posted[i], 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&l->posted_level[i], 0, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&l->nmi_pending, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&l->extint, false, __ATOMIC_SEQ_CST);
}

/* xAPIC page on the MMIO bus (the software path, and APIC-access exits). */
static int xapic_access(void *device, struct io_request *req)
{
	struct vcpu *vcpu = vcpu_on_pcpu(arch_cpu_id());

	if (!vcpu || vcpu->vm != device) {
		if (!req->write)
			req->value = 0;
		return 0;
	}
	return vlapic_mmio_access(vcpu, (u32)(req->addr - VLAPIC_BASE), req->write, &req->value,
				  req->size);
}

int vlapic_attach(struct vm *vm)
{
	return io_bus_register(&vm->mmio, VLAPIC_BASE, 0x1000, xapic_access, vm, "local APIC");
}

void vlapic_dump(struct vcpu *vcpu)
{
	struct vlapic *l = lapic(vcpu);
	int irr = vec_highest(l, APIC_IRR), isr = vec_highest(l, APIC_ISR);

	pr_info("  lapic %s%s id %x tpr %02x ppr %02x svr %03x irr %d isr %d lvt-timer %08x "
		"tmict %u tmcct %u nmi %u%s\n",
		!hw_enabled(vcpu)	   ? "disabled"
		: vlapic_x2apic_mode(vcpu) ? "x2apic"
					   : "xapic",
		l->apicv ? "+apicv" : "", vcpu->id, *reg(l, APIC_TPR), *reg(l, APIC_PPR),
		*reg(l, APIC_SVR), irr, isr, *reg(l, APIC_LVT_TIMER), *reg(l, APIC_TIMER_ICR),
		vlapic_timer_ccr(l), l->nmi_pending, l->extint ? " extint" : "");
}
