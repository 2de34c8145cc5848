/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtual local APIC (SDM Vol 3A chapter 11) of one vCPU, in xAPIC mode (the 4 KiB
 * page at the APIC base) and x2APIC mode (MSRs 0x800-0x8ff).
 *
 * Three contexts, as for every privileged resource:
 * - physical: the CPU's own local APIC belongs to the hypervisor (arch/x86/lapic.c), except
 *   for a VM with LAPIC passthrough;
 * - virtual: the register page below, in the xAPIC layout, is what the guest reads and
 *   writes; IRR, ISR, TMR, PPR live there and nowhere else;
 * - shadow: with APIC virtualization (APIC-register virtualization and virtual-interrupt
 *   delivery) the CPU itself works on that page while the guest runs (it is the VMCS's
 *   virtual-APIC page): it reads registers, virtualizes TPR, EOI and self-IPI writes and
 *   delivers the highest pending vector (RVI) without an exit. Without it, every access
 *   exits and this file emulates it, and the backend injects the vector this file picks.
 *
 * Only the vCPU's own physical CPU touches the page (exits, its timer, the injection
 * before entry). Interrupts from elsewhere (other vCPUs' IPIs, the vIOAPIC, devices) are
 * posted: set in a pending bitmap with atomic operations, and the owner folds them into
 * IRR before it next enters the guest (vlapic_sync); a kick makes it do so now.
 */
#ifndef ASM_VLAPIC_H
#define ASM_VLAPIC_H

#include <bulkhead/timer.h>
#include <bulkhead/types.h>

struct vcpu;
struct vm;

#define VLAPIC_BASE	 0xfee00000ULL
#define X2APIC_MSR_FIRST 0x800
#define X2APIC_MSR_LAST	 0x8ff

struct vlapic {
	u32 regs[1024] __attribute__((aligned(4096))); /* the register page, xAPIC layout */
	u64 posted[4];	       /* vectors sent to this vCPU, not yet in IRR */
	u64 posted_level[4];   /* of those, the level-triggered ones */
	u32 nmi_pending;       /* NMIs sent, not yet injected */
	bool extint;	       /* an ExtINT message (vIOAPIC): take INTR from the 8259 */
	u32 esr_pending;       /* errors since the last ESR write (11.5.3) */
	u32 accepted[64];      /* registers 0-0x3f0 as last written (APIC-write exits) */
	bool apicv;	       /* the CPU virtualizes registers and delivery (see above) */
	bool passthrough;      /* the physical x2APIC is the guest's (vmx/vmx_lapic_pt.c) */
	bool tmr_changed;      /* TMR changed since the backend last looked (EOI-exit bitmap) */
	bool irr_changed;      /* IRR, ISR or PPR changed since the backend last looked */
	struct hv_timer timer; /* one-shot, periodic or TSC-deadline */
	u64 timer_start;       /* host TSC when the current count was loaded */
	u64 timer_period;      /* host TSC ticks of the initial count at the current divider */
	u64 tsc_deadline;      /* guest TSC of the armed deadline, 0: none */
};

/* Stops the vLAPIC timer (LAPIC passthrough: the physical one takes over). */
void vlapic_stop_timer(struct vcpu *vcpu);
/* Power-on/INIT state (SDM Vol 3A 11.4.7.1); the timer stops. */
void vlapic_reset(struct vcpu *vcpu);
/* x2APIC MSR access: 0, or -EFAULT for #GP (not in x2APIC mode, reserved, read-only). */
int vlapic_msr_read(struct vcpu *vcpu, u32 msr, u64 *value);
int vlapic_msr_write(struct vcpu *vcpu, u32 msr, u64 value);
/* IA32_TSC_DEADLINE (guest TSC); tsc_offset is the vCPU's guest minus host TSC. */
u64 vlapic_get_tsc_deadline(struct vcpu *vcpu);
void vlapic_set_tsc_deadline(struct vcpu *vcpu, u64 value, u64 tsc_offset);
/* CR8 is TPR[7:4] (SDM Vol 3A 10.8.6.1). */
u64 vlapic_get_cr8(struct vcpu *vcpu);
void vlapic_set_cr8(struct vcpu *vcpu, u64 cr8);
/* Registers the xAPIC page of every vCPU on the VM's MMIO bus (the software path). */
int vlapic_attach(struct vm *vm);
/* Whether the APIC is in x2APIC mode / enabled at all (IA32_APIC_BASE). */
bool vlapic_x2apic_mode(const struct vcpu *vcpu);

/*
 * For the backend, on the vCPU's own CPU. vlapic_sync folds posted vectors into IRR;
 * returns true when IRR changed.
 */
bool vlapic_sync(struct vcpu *vcpu);
/* The highest IRR / ISR vector, or -1 (RVI and SVI under virtual-interrupt delivery). */
int vlapic_highest_irr(struct vcpu *vcpu);
int vlapic_highest_isr(struct vcpu *vcpu);
/* The highest IRR vector PPR lets through now, or -1 (the software path). */
int vlapic_deliverable(struct vcpu *vcpu);
/* The CPU took vector: IRR to ISR, PPR rises (the software path, at injection). */
void vlapic_intr_accepted(struct vcpu *vcpu, u8 vector);
/* A virtualized EOI of a level-triggered vector exited: broadcast it (EOI-exit bitmap). */
void vlapic_level_eoi(struct vcpu *vcpu, u8 vector);
/* A trap-like APIC-write exit: the value is in the page already; act on it. */
void vlapic_apic_write(struct vcpu *vcpu, u32 offset);
/* An xAPIC register access the CPU did not virtualize (APIC-access exit). */
int vlapic_mmio_access(struct vcpu *vcpu, u32 offset, bool write, u64 *value, u32 size);
/* Something that ends a HLT: a deliverable vector, an NMI, an ExtINT. */
bool vlapic_has_event(struct vcpu *vcpu);
/* An NMI to inject: takes one, if any. */
bool vlapic_take_nmi(struct vcpu *vcpu);
/* Whether LINT0 takes the 8259's INTR now (ExtINT, unmasked, or the APIC disabled). */
bool vlapic_accepts_extint(struct vcpu *vcpu);
/* The CPU acknowledged the 8259 (an ExtINT message is consumed). */
void vlapic_extint_taken(struct vcpu *vcpu);
/* IA32_APIC_BASE changed (mode, enable): from the MSR emulation. */
void vlapic_base_changed(struct vcpu *vcpu, u64 old_base);
/* The EOI-exit bitmap (TMR) for the backend: 256 bits. */
void vlapic_get_tmr(struct vcpu *vcpu, u64 tmr[4]);
/* The debug shell's view. */
void vlapic_dump(struct vcpu *vcpu);

#endif
