/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the vLAPIC's files share (guest/vlapic.c: registers, posting, EOI; vlapic_timer.c:
 * the timer; vlapic_ipi.c: IPIs and interrupt messages). Nothing else includes it: the
 * interface is asm/vlapic.h.
 */
#ifndef GUEST_VLAPIC_INTERNAL_H
#define GUEST_VLAPIC_INTERNAL_H

#include <bulkhead/compiler.h>
#include <bulkhead/timer.h>
#include <bulkhead/vm.h>
#include <asm/apic.h>
#include <asm/msr-index.h>
#include <asm/vlapic.h>

/* Version 0x14 (integrated APIC), 7 LVT entries (max LVT index 6 in 23:16). */
#define APIC_VERSION_VALUE 0x00060014U

/* More register offsets than the hypervisor's own driver needs (asm/apic.h). */
#define APIC_APR       0x090
#define APIC_PPR       0x0a0
#define APIC_RRD       0x0c0
#define APIC_DFR       0x0e0
#define APIC_TMR       0x180
#define APIC_IRR       0x200
#define APIC_LVT_CMCI  0x2f0
#define APIC_LVT_THERM 0x330
#define APIC_LVT_PERF  0x340
#define APIC_SELF_IPI  0x3f0

#define LVT_VECTOR	 0xffU
#define LVT_DM		 (7U << 8)
#define LVT_DM_NMI	 (4U << 8)
#define LVT_DM_EXTINT	 (7U << 8)
#define LVT_DELIVS	 (1U << 12)
#define LVT_POLARITY	 (1U << 13)
#define LVT_REMOTE_IRR	 (1U << 14)
#define LVT_LEVEL	 (1U << 15)
#define LVT_MASKED	 (1U << 16)
#define LVT_TIMER_MODE	 (3U << 17)
#define TIMER_ONESHOT	 0U
#define TIMER_PERIODIC	 1U
#define TIMER_DEADLINE	 2U
#define SVR_ENABLE	 (1U << 8)
#define ESR_SEND_ILLEGAL (1U << 5)
#define ESR_RECV_ILLEGAL (1U << 6)
#define ESR_ILLEGAL_REG	 (1U << 7)

/* ICR fields (11.6.1). */
#define ICR_VECTOR(v)	  ((u8)(v))
#define ICR_MODE(v)	  ((u32)((v) >> 8) & 7)
#define ICR_LOGICAL	  (1ULL << 11)
#define ICR_DELIVS	  (1ULL << 12)
#define ICR_LEVEL_ASSERT  (1ULL << 14)
#define ICR_TRIGGER_LEVEL (1ULL << 15)
#define ICR_SHORTHAND(v)  ((u32)((v) >> 18) & 3)
enum { DEST_FIELD, DEST_SELF, DEST_ALL, DEST_OTHERS };

static inline u32 *reg(struct vlapic *l, u32 offset)
{
	return &l->regs[offset >> 2];
}

static inline struct vlapic *lapic(struct vcpu *vcpu)
{
	return &vcpu->arch.vlapic;
}

/* The backend looks at the vLAPIC again before the vCPU's next entry (event_check). */
static inline void note_event(struct vlapic *l)
{
	vcpu_arch_note_event(container_of(l, struct vcpu_arch, vlapic));
}

static inline bool hw_enabled(const struct vcpu *vcpu)
{
	return (vcpu->arch.apic_base & APIC_BASE_EN) != 0;
}

/* x2APIC logical IDs: cluster (ID[19:4]) in 31:16, one bit for ID[3:0] (11.12.10.2). */
static inline u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xf));
}

/* vlapic_x2apic_mode() inline, for the paths that ask per vCPU. */
static inline bool x2apic_mode(const struct vcpu *vcpu)
{
	return (vcpu->arch.apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
}

/* vlapic.c: an error latched in ESR, raising the LVT error interrupt (11.5.3). */
void vlapic_set_error(struct vcpu *vcpu, u32 bit);

/* vlapic_timer.c, on the vCPU's CPU. */
void vlapic_timer_fired(struct hv_timer *timer);
void vlapic_timer_disarm(struct vlapic *l);
/* Starts counting count * divisor ticks down from now (a TMICT write). */
void vlapic_timer_load(struct vlapic *l, u32 count);
/* The current count (TMCCT). */
u32 vlapic_timer_ccr(struct vlapic *l);
/* A DCR write: a new divider applies to what is left of the count. */
void vlapic_timer_set_divisor(struct vlapic *l, u32 dcr);

/* vlapic_ipi.c: a vector or NMI into the vCPU's vLAPIC, from any CPU. */
void vlapic_post_vector(struct vcpu *to, u8 vector, bool level);
void vlapic_post_nmi(struct vcpu *to);
/* vlapic_ipi.c: an ICR write (xAPIC: ICR high and low, x2APIC: the 64-bit MSR). */
void vlapic_send_ipi(struct vcpu *from, u64 icr, bool x2apic);

#endif
