// SPDX-License-Identifier: BSD-3-Clause
/*
 * LAPIC passthrough for real-time VMs (scenario <lapic-passthrough>): once the guest puts
 * its APIC in x2APIC mode, each vCPU gets its physical CPU's x2APIC, so its timer
 * (TSC-deadline or the APIC timer), its EOIs, self-IPIs and the interrupts other vCPUs of
 * the VM send it arrive and complete without a VM exit:
 * - external-interrupt exiting, HLT exiting, CR8 exiting and the VMX-preemption timer are
 *   off: a physical interrupt on that CPU is the guest's, a halted guest halts the CPU,
 *   and CR8 is the physical TPR;
 * - the x2APIC MSRs and IA32_TSC_DEADLINE pass through, except what the hypervisor still
 *   traps: ICR writes (0x830: the destination is a vCPU, which the hypervisor maps to
 *   that vCPU's physical CPU, and INIT, start-up and NMI IPIs stay virtual, so no guest can
 *   reach a CPU of another VM) and reads of the APIC ID and LDR (0x802, 0x80d: the guest
 *   sees its vCPU index, as its MADT says);
 * - the hypervisor reaches the CPU by NMI (kicks, requests) instead of its kick vector;
 *   interrupts for the vCPU from the VM's emulated devices and from its other vCPUs are
 *   sent as physical fixed IPIs to that CPU (vlapic.c), NMIs are injected.
 * Before the switch (xAPIC mode, e.g. real mode firmware code) the vLAPIC is emulated as
 * for any VM. Limits: only x2APIC mode is passed through; the 8259's ExtINT does not
 * reach such a vCPU; a level-triggered interrupt from the vIOAPIC arrives once, as an
 * edge (the physical LAPIC sees an IPI and its EOI is not seen), and the pin's remote
 * IRR stays set: these VMs are for devices with edge lines or MSIs. The hypervisor's
 * IPI-based debug helpers (arch_run_on_cpu) do not reach such a CPU while it runs.
 * The guest's TSC must stay the host's (IA32_TSC_DEADLINE compares against the physical
 * TSC): TSC writes by such a guest are refused with #GP.
 */
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <asm/vlapic.h>
#include <asm/vmcs.h>
#include <asm/vmx.h>
#include <asm/vmx_internal.h>
#include <asm/vmx_msr_bitmap.h>

#define X2APIC_ID_MSR  0x802
#define X2APIC_LDR_MSR 0x80d
#define X2APIC_ICR_MSR 0x830

int vmx_lapic_pt_vm_init(struct vm *vm)
{
	paddr_t page;

	if (!vm->config->lapic_passthrough)
		return 0;
	/* The hypervisor drives the physical APIC through the x2APIC MSRs it hands over. */
	if (!lapic_x2apic_mode()) {
		pr_err("vm%u (%s): LAPIC passthrough needs the host's local APICs in x2APIC "
		       "mode, which this CPU does not offer: the VM is not created\n",
		       vm->id, vm->config->name);
		return -ENOTSUP;
	}
	page = page_pool_alloc(&hv_pages, 1, 1, 0);
	if (page == INVALID_PADDR)
		return -ENOMEM;
	vm->arch.msr_bitmap_lapic_pt = (u8 *)page;
	memcpy(vm->arch.msr_bitmap_lapic_pt, vm->arch.msr_bitmap, MSR_BITMAP_SIZE);
	for (u32 msr = X2APIC_MSR_FIRST; msr <= X2APIC_MSR_LAST; msr++)
		msr_bitmap_pass(vm->arch.msr_bitmap_lapic_pt, msr);
	msr_bitmap_pass(vm->arch.msr_bitmap_lapic_pt, MSR_IA32_TSC_DEADLINE);
	/* What stays trapped, whatever the VM's MSR policy says (see above). */
	msr_bitmap_trap_one(vm->arch.msr_bitmap_lapic_pt, X2APIC_ICR_MSR, true);
	msr_bitmap_trap_one(vm->arch.msr_bitmap_lapic_pt, X2APIC_ID_MSR, false);
	msr_bitmap_trap_one(vm->arch.msr_bitmap_lapic_pt, X2APIC_LDR_MSR, false);
	return 0;
}

void vmx_lapic_pt_vm_destroy(struct vm *vm)
{
	if (vm->arch.msr_bitmap_lapic_pt)
		page_pool_free(&hv_pages, (paddr_t)vm->arch.msr_bitmap_lapic_pt, 1);
	vm->arch.msr_bitmap_lapic_pt = NULL;
}

/* The vCPU's CPU gives its x2APIC to the guest. On the vCPU's CPU, VMCS current. */
static void enter(struct vcpu *vcpu)
{
	struct vcpu_vmx *vmx = &vcpu->arch.vmx;
	struct vlapic *l = &vcpu->arch.vlapic;

	/* Nothing of the hypervisor's may fire here now: the vLAPIC timer goes. */
	vlapic_stop_timer(vcpu);
	this_cpu()->kick_by_nmi = true;
	/*
	 * A requester sets the request, then reads kick_by_nmi; the run loop reads the
	 * requests before the next entry. With the fence one of the two sees the other: a
	 * kick sent as a vector before this point is not needed, the request stops entry.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vmcs_clear_bits(VMCS_PIN_CTLS, PIN_EXT_INTR_EXIT | PIN_PREEMPT_TIMER);
	/* Saving the timer's value needs the timer (SDM 26.2.1.2). */
	vmx->exit_save_preempt = (vmcs_read(VMCS_EXIT_CTLS) & EXIT_SAVE_PREEMPT) != 0;
	vmcs_clear_bits(VMCS_EXIT_CTLS, EXIT_SAVE_PREEMPT);
	vmx->preempt_ticks = 0;
	/* CR8 is the physical TPR again (SDM 10.8.6.1): no CR8 exits. */
	vmx->proc_ctls &=
		~(PROC_HLT_EXIT | PROC_INTR_WINDOW_EXIT | PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT);
	vmcs_write(VMCS_PROC_CTLS, vmx->proc_ctls);
	vmcs_write(VMCS_MSR_BITMAP, (u64)vcpu->vm->arch.msr_bitmap_lapic_pt);
	lapic_load_guest(l->regs);
	l->passthrough = true;
	/* Vectors the vLAPIC had accepted but not delivered go to the real one. */
	for (int v = vlapic_highest_irr(vcpu); v >= 0; v = vlapic_highest_irr(vcpu)) {
		vlapic_intr_accepted(vcpu, (u8)v);
		lapic_send_ipi(this_cpu()->apic_id, APIC_DM_FIXED | (u32)v);
	}
	/* Once per reset: a guest switching APIC modes in a loop must not flood the console. */
	if (!vmx->pt_announced)
		pr_info("vm%u vcpu%u: x2APIC passed through on cpu%u\n", vcpu->vm->id, vcpu->id,
			this_cpu_id());
	vmx->pt_announced = true;
}

/* The hypervisor takes the CPU's APIC back (stop, reset, INIT). On the vCPU's CPU. */
void vmx_lapic_pt_leave(struct vcpu *vcpu)
{
	struct vcpu_vmx *vmx = &vcpu->arch.vmx;

	if (!vcpu->arch.vlapic.passthrough)
		return;
	vcpu->arch.vlapic.passthrough = false;
	lapic_restore_host();
	this_cpu()->kick_by_nmi = false;
	vmcs_set_bits(VMCS_PIN_CTLS,
		      PIN_EXT_INTR_EXIT | (vmx->preempt_saved ? PIN_PREEMPT_TIMER : 0));
	if (vmx->exit_save_preempt)
		vmcs_set_bits(VMCS_EXIT_CTLS, EXIT_SAVE_PREEMPT);
	vmx->preempt_ticks = vmx->preempt_saved;
	if (vmx->preempt_ticks)
		vmcs_write(VMCS_PREEMPTION_TIMER, vmx->preempt_ticks);
	vmx->proc_ctls |= PROC_HLT_EXIT | PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT;
	vmcs_write(VMCS_PROC_CTLS, vmx->proc_ctls);
	vmcs_write(VMCS_MSR_BITMAP, (u64)vcpu->vm->arch.msr_bitmap);
}

void vcpu_vendor_lapic_pt_deliver(struct vcpu *to, u8 vector)
{
	/* A fixed IPI: the guest takes it through its IDT and ends it with its own EOI. */
	lapic_send_ipi(per_cpu(to->pcpu)->apic_id, APIC_DM_FIXED | vector);
}

void vmx_lapic_pt_mode_changed(struct vcpu *vcpu)
{
	if (!vcpu->vm->arch.msr_bitmap_lapic_pt)
		return;
	if (vlapic_x2apic_mode(vcpu))
		enter(vcpu);
	else
		vmx_lapic_pt_leave(vcpu);
}
