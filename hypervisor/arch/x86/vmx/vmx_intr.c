// SPDX-License-Identifier: BSD-3-Clause
/*
 * Event injection for VT-x (SDM Vol 3C 27.6 "Event injection", 28.2.4 "Information for
 * VM exits during event delivery", 26.7.5/6 interrupt- and NMI-window exiting).
 *
 * Before every VM entry, in this order:
 * 1. An event whose delivery a VM exit interrupted (IDT-vectoring information) is
 *    delivered again, unchanged: it was already taken from IRR, or the NMI was consumed.
 * 2. An exception the emulation raised.
 * 3. A pending NMI, unless the guest blocks NMIs (or sits in a MOV SS/STI shadow): then
 *    NMI-window exiting brings it back as soon as it can take one.
 * 4. An external interrupt: the 8259's (ExtINT through LINT0) first, then the vLAPIC's
 *    highest vector that PPR lets through; only with RFLAGS.IF set and no STI/MOV SS
 *    shadow, else interrupt-window exiting.
 * Whatever is still pending after one injection opens a window, so it follows as soon as
 * the guest can take it. With virtual-interrupt delivery, step 4 for vLAPIC vectors is the
 * CPU's: RVI is set from IRR and the CPU delivers without an exit.
 */
#include <bulkhead/log.h>
#include <bulkhead/virq.h>
#include <bulkhead/vm.h>
#include <asm/vlapic.h>
#include <asm/vmcs.h>
#include <asm/vmx.h>
#include <asm/vmx_internal.h>

#define BLOCK_STI   (1U << 0)
#define BLOCK_MOVSS (1U << 1)
#define BLOCK_NMI   (1U << 3)
#define RFLAGS_IF   (1ULL << 9)

void vmx_save_idt_vectoring(struct vcpu *vcpu, u32 info)
{
	struct vcpu_vmx *vmx = &vcpu->arch.vmx;

	vmx->reinject_info = info;
	vcpu_arch_note_event(&vcpu->arch);
	if (info & INTR_INFO_ERR_VALID)
		vmx->reinject_error = (u32)vmcs_read(VMCS_IDT_VECTORING_ERR);
	/* Software interrupts and exceptions are re-delivered with their length. */
	vmx->reinject_len = (u32)vmcs_read(VMCS_EXIT_INSTR_LEN);
}

static void set_windows(struct vcpu_vmx *vmx, bool intr_window, bool nmi_window)
{
	u32 ctls = vmx->proc_ctls & ~(PROC_INTR_WINDOW_EXIT | PROC_NMI_WINDOW_EXIT);

	if (intr_window)
		ctls |= PROC_INTR_WINDOW_EXIT;
	if (nmi_window)
		ctls |= vmx->nmi_window_ok ? PROC_NMI_WINDOW_EXIT : PROC_INTR_WINDOW_EXIT;
	if (ctls != vmx->proc_ctls) {
		vmx->proc_ctls = ctls;
		vmcs_write(VMCS_PROC_CTLS, ctls);
	}
}

static void inject(u32 info, u32 error, u32 len)
{
	if (info & INTR_INFO_ERR_VALID)
		vmcs_write(VMCS_ENTRY_EXC_ERR, error);
	switch (info & INTR_TYPE_MASK) {
	case INTR_TYPE_SW_INTR:
	case INTR_TYPE_PRIV_SW:
	case INTR_TYPE_SW_EXC:
		vmcs_write(VMCS_ENTRY_INSTR_LEN, len);
		break;
	default:
		break;
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

static bool inject_exception(struct vcpu *vcpu)
{
	struct pending_exception *e = &vcpu->arch.exception;
	u32 info;

	if (!e->valid)
		return false;
	info = INTR_INFO_VALID | INTR_TYPE_HW_EXC | e->vector;
	/* Real-mode guests never get error codes (SDM 26.2.1.3). */
	if (e->has_error_code && (vcpu->arch.cr0.virtual_value & X86_CR0_PE))
		info |= INTR_INFO_ERR_VALID;
	inject(info, e->error_code, 0);
	e->valid = false;
	return true;
}

/*
 * An external interrupt the guest would take now if it could: its vector (0 with
 * *extint: the 8259's, whose vector its INTA cycle gives), or -1.
 */
static int pending_external(struct vcpu *vcpu, bool *extint)
{
	/* A vCPU with the LAPIC passed through gets its interrupts from the real one. */
	if (vcpu->arch.vlapic.passthrough) {
		*extint = false;
		return -1;
	}
	*extint = vlapic_accepts_extint(vcpu) && vm_extint_pending(vcpu->vm);
	if (*extint)
		return 0;
	if (vcpu->arch.vlapic.apicv)
		return -1; /* the CPU delivers vLAPIC vectors itself (RVI) */
	return vlapic_deliverable(vcpu);
}

void vmx_inject_events(struct vcpu *vcpu)
{
	struct vcpu_vmx *vmx = &vcpu->arch.vmx;
	struct vlapic *l = &vcpu->arch.vlapic;
	bool injected, nmi, extint;
	int vector;

	/*
	 * Cleared before anything is looked at: what is posted from now on sets it again.
	 * IRR may also have changed while the vCPU was halted (vcpu_vendor_has_event).
	 */
	__atomic_store_n(&vcpu->arch.event_check, false, __ATOMIC_SEQ_CST);
	vlapic_sync(vcpu);
	if (l->irr_changed || l->tmr_changed)
		vmx_apicv_sync(vcpu);

	if (vmx->reinject_info) {
		inject(vmx->reinject_info, vmx->reinject_error, vmx->reinject_len);
		vmx->reinject_info = 0;
		injected = true;
	} else {
		injected = inject_exception(vcpu);
	}
	/* Looked at once: on most exits there is nothing, and this is every exit's path. */
	nmi = __atomic_load_n(&l->nmi_pending, __ATOMIC_RELAXED) != 0;
	vector = pending_external(vcpu, &extint);
	if (!injected && (nmi || vector >= 0)) {
		u32 block = (u32)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);

		if (nmi && !(block & (BLOCK_NMI | BLOCK_MOVSS | BLOCK_STI)) &&
		    vlapic_take_nmi(vcpu)) {
			inject(INTR_INFO_VALID | INTR_TYPE_NMI | 2, 0, 0);
			nmi = __atomic_load_n(&l->nmi_pending, __ATOMIC_RELAXED) != 0;
		} else if (vector >= 0 && !(block & (BLOCK_MOVSS | BLOCK_STI)) &&
			   (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF)) {
			if (extint) {
				vector = vm_extint_ack(vcpu->vm);
				vlapic_extint_taken(vcpu);
			} else {
				vlapic_intr_accepted(vcpu, (u8)vector);
			}
			if (vector >= 0)
				inject(INTR_INFO_VALID | INTR_TYPE_EXT_INTR | (u8)vector, 0, 0);
			vector = pending_external(vcpu, &extint); /* what is left */
		}
	}
	/* What is left waits for a window; the CPU opens it after this injection at once. */
	set_windows(vmx, vector >= 0, nmi);
	/* Looked at again on each entry while a window is open or the vLAPIC moved on. */
	if (vector >= 0 || nmi || l->irr_changed || l->tmr_changed)
		vcpu_arch_note_event(&vcpu->arch);
}

bool vcpu_vendor_has_event(struct vcpu *vcpu)
{
	bool extint;

	if (vcpu->arch.vmx.reinject_info || vcpu->arch.exception.valid)
		return true;
	if (__atomic_load_n(&vcpu->arch.vlapic.nmi_pending, __ATOMIC_RELAXED))
		return true;
	/* HLT with interrupts off sleeps until an NMI (or INIT). */
	if (!(vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF))
		return false;
	vlapic_sync(vcpu);
	if (pending_external(vcpu, &extint) >= 0 || extint)
		return true;
	return vcpu->arch.vlapic.apicv && vlapic_deliverable(vcpu) >= 0;
}

int vmx_handle_window(struct vcpu *vcpu)
{
	/* Nothing to do here: vmx_inject_events() runs before the entry and looks again. */
	return 0;
}
