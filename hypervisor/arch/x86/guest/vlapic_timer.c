// SPDX-License-Identifier: BSD-3-Clause
/*
 * The vLAPIC's timer (SDM Vol 3A 11.5.4): one-shot, periodic and TSC-deadline modes on a
 * hypervisor timer (core/timer.c) of the vCPU's CPU. The input clock is the TSC: an
 * initial count of N with divider D lasts N * D TSC ticks.
 */
#include "vlapic_internal.h"

static u32 timer_mode(struct vlapic *l)
{
	return (*reg(l, APIC_LVT_TIMER) & LVT_TIMER_MODE) >> 17;
}

static u32 timer_divisor(struct vlapic *l)
{
	u32 dcr = *reg(l, APIC_TIMER_DCR);
	u32 code = ((dcr >> 1) & 4) | (dcr & 3);

	return code == 7 ? 1 : 2U << code;
}

void vlapic_timer_fired(struct hv_timer *timer)
{
	struct vcpu *vcpu = timer->data;
	struct vlapic *l = lapic(vcpu);
	u32 lvt = *reg(l, APIC_LVT_TIMER);

	if (timer_mode(l) == TIMER_DEADLINE)
		l->tsc_deadline = 0;
	if (!(lvt & LVT_MASKED))
		vlapic_post_vector(vcpu, (u8)(lvt & LVT_VECTOR), false);
}

void vlapic_timer_disarm(struct vlapic *l)
{
	timer_stop(&l->timer);
	l->timer_period = 0;
	l->tsc_deadline = 0;
}

void vlapic_stop_timer(struct vcpu *vcpu)
{
	vlapic_timer_disarm(lapic(vcpu));
}

void vlapic_timer_load(struct vlapic *l, u32 count)
{
	u32 mode = timer_mode(l);

	if (mode == TIMER_DEADLINE)
		return; /* TMICT is ignored in TSC-deadline mode (11.5.4.1) */
	vlapic_timer_disarm(l);
	*reg(l, APIC_TIMER_ICR) = count;
	if (!count)
		return;
	l->timer_period = (u64)count * timer_divisor(l);
	l->timer_start = timer_now();
	timer_start(&l->timer, l->timer_start + l->timer_period,
		    mode == TIMER_PERIODIC ? l->timer_period : 0);
}

u32 vlapic_timer_ccr(struct vlapic *l)
{
	u64 elapsed;

	if (!l->timer_period || timer_mode(l) == TIMER_DEADLINE)
		return 0;
	elapsed = timer_now() - l->timer_start;
	if (timer_mode(l) == TIMER_PERIODIC)
		elapsed %= l->timer_period;
	else if (elapsed >= l->timer_period)
		return 0;
	return (u32)((l->timer_period - elapsed) / timer_divisor(l));
}

/* The count itself is unchanged by a new divider. */
void vlapic_timer_set_divisor(struct vlapic *l, u32 dcr)
{
	u32 left = vlapic_timer_ccr(l);
	u32 initial = *reg(l, APIC_TIMER_ICR);

	*reg(l, APIC_TIMER_DCR) = dcr & 0xb;
	if (!left)
		return;
	timer_stop(&l->timer);
	l->timer_period = (u64)initial * timer_divisor(l);
	l->timer_start = timer_now() - (u64)(initial - left) * timer_divisor(l);
	timer_start(&l->timer, l->timer_start + l->timer_period,
		    timer_mode(l) == TIMER_PERIODIC ? l->timer_period : 0);
}

u64 vlapic_get_tsc_deadline(struct vcpu *vcpu)
{
	struct vlapic *l = lapic(vcpu);

	return timer_mode(l) == TIMER_DEADLINE ? l->tsc_deadline : 0;
}

void vlapic_set_tsc_deadline(struct vcpu *vcpu, u64 value, u64 tsc_offset)
{
	struct vlapic *l = lapic(vcpu);

	/* Ignored outside TSC-deadline mode; 0 disarms (11.5.4.1). */
	if (timer_mode(l) != TIMER_DEADLINE)
		return;
	timer_stop(&l->timer);
	l->tsc_deadline = value;
	if (!value)
		return;
	/* Guest TSC = host + offset; a deadline already passed fires at once. */
	u64 now = timer_now();

	if ((s64)(value - (now + tsc_offset)) <= 0)
		timer_start(&l->timer, now, 0);
	else
		timer_start(&l->timer, value - tsc_offset, 0);
}
