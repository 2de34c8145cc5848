// SPDX-License-Identifier: BSD-3-Clause
/*
 * The vLAPIC's interrupt messages (SDM Vol 3A 11.6): posting a vector or NMI into a vCPU's
 * vLAPIC (from any CPU), who a destination names (physical, logical flat and cluster,
 * x2APIC cluster), delivery of each mode, and IPIs from the ICR with their shorthands.
 * Lowest priority goes to the first vCPU named. In one file so that the ICR path compiles
 * as one piece.
 */
#include <bulkhead/log.h>
#include <bulkhead/virq.h>
#include "vlapic_internal.h"

/* Posting: the only way in from other CPUs (asm/vlapic.h). */

void vlapic_post_vector(struct vcpu *to, u8 vector, bool level)
{
	struct vlapic *l = lapic(to);
	u64 bit = 1ULL << (vector & 63);

	/* LAPIC passthrough: the vCPU's physical APIC takes the vector (vmx_lapic_pt.c). */
	if (__atomic_load_n(&l->passthrough, __ATOMIC_ACQUIRE)) {
		if (vector >= 16)
			vcpu_vendor_lapic_pt_deliver(to, vector);
		return;
	}

	if (level)
		__atomic_fetch_or(&l->posted_level[vector >> 6], bit, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&l->posted_level[vector >> 6], ~bit, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&l->posted[vector >> 6], bit, __ATOMIC_SEQ_CST);
	note_event(l);
	vcpu_kick(to);
}

void vlapic_post_nmi(struct vcpu *to)
{
	__atomic_fetch_add(&lapic(to)->nmi_pending, 1, __ATOMIC_SEQ_CST);
	note_event(lapic(to));
	vcpu_kick(to);
}

static bool matches(struct vcpu *to, u32 dest, bool logical)
{
	struct vlapic *l = lapic(to);

	if (!hw_enabled(to))
		return false;
	if (x2apic_mode(to)) {
		u32 ldr = x2apic_ldr(to->id);

		if (!logical)
			return dest == to->id;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	dest &= 0xff;
	if (!logical)
		return dest == to->id;
	u32 ldr = *reg(l, APIC_LDR) >> 24;

	if ((*reg(l, APIC_DFR) >> 28) == 0xf) /* flat model */
		return (dest & ldr) != 0;
	/* Cluster model: cluster in bits 7:4, one bit per APIC in 3:0 (11.6.2.2). */
	return dest == 0xff || ((dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf));
}

static void deliver_one(struct vcpu *to, const struct apic_intr *intr)
{
	/* A CPU whose APIC is disabled in IA32_APIC_BASE receives no messages (11.4.3). */
	if (!hw_enabled(to))
		return;
	switch (intr->delivery_mode) {
	case APIC_DELIVERY_FIXED:
	case APIC_DELIVERY_LOWEST:
		vlapic_post_vector(to, intr->vector, intr->level);
		break;
	case APIC_DELIVERY_NMI:
		vlapic_post_nmi(to);
		break;
	case APIC_DELIVERY_INIT:
		vcpu_send_init(to);
		break;
	case APIC_DELIVERY_STARTUP:
		vcpu_send_sipi(to, intr->vector);
		break;
	case APIC_DELIVERY_EXTINT:
		__atomic_store_n(&lapic(to)->extint, true, __ATOMIC_SEQ_CST);
		note_event(lapic(to));
		vcpu_kick(to);
		break;
	default:
		vm_warn(to->vm, "interrupt delivery mode %u is not emulated (vector 0x%x)",
			intr->delivery_mode, intr->vector);
		break;
	}
}

void vm_apic_deliver(struct vm *vm, const struct apic_intr *intr)
{
	/* Physical destination 0xff is a broadcast for 8-bit (xAPIC, IOAPIC, MSI) senders. */
	bool broadcast = intr->broadcast || intr->dest == 0xffffffffU ||
			 (!intr->dest_logical && !intr->dest32 && intr->dest == 0xff);

	for (u32 i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *to = &vm->vcpus[i];

		if (!broadcast && !matches(to, intr->dest, intr->dest_logical))
			continue;
		deliver_one(to, intr);
		if (intr->delivery_mode == APIC_DELIVERY_LOWEST)
			break;
	}
}

/* Every IPI's path: no stack canary (no array here, only an apic_intr passed by address). */
__no_stack_protector void vlapic_send_ipi(struct vcpu *from, u64 icr, bool x2apic)
{
	struct vm *vm = from->vm;
	u32 mode = ICR_MODE(icr), shorthand = ICR_SHORTHAND(icr);
	struct apic_intr intr = {
		.dest = x2apic ? (u32)(icr >> 32) : (u32)(icr >> 56),
		.dest_logical = (icr & ICR_LOGICAL) != 0,
		.dest32 = x2apic,
		.delivery_mode = (u8)mode,
		.vector = ICR_VECTOR(icr),
	};

	switch (mode) {
	case APIC_DELIVERY_FIXED:
	case APIC_DELIVERY_LOWEST:
		if (intr.vector < 16) {
			vlapic_set_error(from, ESR_SEND_ILLEGAL);
			return;
		}
		break;
	case APIC_DELIVERY_NMI:
		break;
	case APIC_DELIVERY_INIT:
	case APIC_DELIVERY_STARTUP:
		/* Self is valid with fixed delivery only (11.6.1): an invalid ICR, ignored. */
		if (shorthand == DEST_SELF)
			return;
		/* INIT level de-assert does nothing on modern CPUs. */
		if (mode == APIC_DELIVERY_INIT && (icr & ICR_TRIGGER_LEVEL) &&
		    !(icr & ICR_LEVEL_ASSERT))
			return;
		break;
	default:
		vm_warn(vm, "IPI delivery mode %u is not emulated (ICR 0x%llx)", mode,
			(unsigned long long)icr);
		return;
	}
	switch (shorthand) {
	case DEST_SELF:
		deliver_one(from, &intr);
		return;
	case DEST_ALL:
	case DEST_OTHERS:
		for (u32 i = 0; i < vm->vcpu_count; i++)
			if (shorthand == DEST_ALL || &vm->vcpus[i] != from)
				deliver_one(&vm->vcpus[i], &intr);
		return;
	default:
		if (!x2apic && !intr.dest_logical && intr.dest == 0xff)
			intr.broadcast = true;
		if (x2apic && intr.dest == 0xffffffffU)
			intr.broadcast = true;
		vm_apic_deliver(vm, &intr);
	}
}
