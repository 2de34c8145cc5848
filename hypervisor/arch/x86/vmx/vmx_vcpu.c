// SPDX-License-Identifier: BSD-3-Clause
/*
 * The VT-x vCPU: creation, reset, the run loop, and the vcpu_vendor_* accessors the
 * vendor-independent x86 code (guest/) uses. Everything here runs on the vCPU's own
 * physical CPU with its VMCS current.
 */
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/panic.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include <asm/vmcs.h>
#include <asm/vmx.h>
#include <asm/vmx_internal.h>

void vmx_field_error(const char *insn, u32 field)
{
	panic("%s of VMCS field 0x%x failed (VM-instruction error %llu)", insn, field,
	      (unsigned long long)vmcs_read(VMCS_INSTR_ERROR));
}

u16 vmx_vpid(const struct vcpu *vcpu)
{
	return (u16)(1 + vcpu->vm->id * CONFIG_MAX_VCPUS_PER_VM + vcpu->id);
}

void vmx_apply_efer(struct vcpu *vcpu)
{
	struct vcpu_vmx *vmx = &vcpu->arch.vmx;
	u64 efer = vcpu->arch.efer;
	/* Shadow: the guest-owned bits as written; LME/LMA follow the guest's mode. */
	u64 shadow = efer & (vcpu->vm->arch.efer_guest_owned | EFER_LME | EFER_LMA);

	vmcs_write(VMCS_GUEST_EFER, shadow);
	if (efer & EFER_LMA)
		vmx->entry_ctls |= ENTRY_IA32E_MODE;
	else
		vmx->entry_ctls &= ~ENTRY_IA32E_MODE;
	vmcs_write(VMCS_ENTRY_CTLS, vmx->entry_ctls);
}

void vcpu_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error_code, u32 error_code)
{
	struct pending_exception *e = &vcpu->arch.exception;

	/* A fault while delivering another becomes #DF (SDM Vol 3A 6.15, table 6-5). */
	if (e->valid && vector != X86_EXC_DF && e->vector != X86_EXC_DF) {
		vector = X86_EXC_DF;
		has_error_code = true;
		error_code = 0;
	} else if (e->valid && e->vector == X86_EXC_DF) {
		vm_guest_reset(vcpu->vm, "triple fault (exception during #DF delivery)");
		return;
	}
	*e = (struct pending_exception){true, vector, has_error_code, error_code};
	vcpu_arch_note_event(&vcpu->arch);
}

void vcpu_vendor_park(struct vcpu *vcpu)
{
	vmx_lapic_pt_leave(vcpu);
}

int vcpu_vendor_init(struct vcpu *vcpu)
{
	return vmcs_create(vcpu);
}

void vcpu_vendor_reset(struct vcpu *vcpu)
{
	bool real_mode = !vcpu->arch.start.protected_mode;

	if (!vmx_vmptrld(vcpu->arch.vmx.vmcs))
		panic("VMPTRLD of vm%u vcpu%u failed", vcpu->vm->id, vcpu->id);
	vmx_lapic_pt_leave(vcpu);
	vmcs_load_start_state(vcpu, real_mode);
	/* Nothing of the previous run is delivered into the new one. */
	vcpu->arch.vmx.reinject_info = 0;
	vcpu->arch.vmx.pt_announced = false;
	vcpu->arch.exception.valid = false;
	vcpu_arch_note_event(&vcpu->arch);
	vcpu->arch.cpuid = (struct vcpuid_policy){
		.vcpu_count = vcpu->vm->vcpu_count,
		.vcpu_apic_id = vcpu->id,
		.privileged = vcpu->vm->config->load_order == VM_SERVICE,
		.tsc_khz = (u32)tsc_khz(),
		.guest_cr4 = vmx_cpuid_guest_cr4,
	};
	/* XCR0 back to its reset value (x87 only) if the CPU has it (SDM Vol 1 13.3). */
	if (vcpu->arch.xcr0 > 1) {
		__asm__ __volatile__("xsetbv" ::"a"(1), "d"(0), "c"(0));
		vcpu->arch.xcr0 = 1;
	}
	/* The guest-physical and linear mappings of the previous run are stale. */
	vmx_invvpid(INVVPID_SINGLE_CONTEXT, vmx_vpid(vcpu), 0);
	vmx_invept(INVEPT_SINGLE_CONTEXT, ept_eptp(&vcpu->vm->arch.ept));
}

void vcpu_vendor_flush_gpa(struct vcpu *vcpu)
{
	vmx_invept(INVEPT_SINGLE_CONTEXT, ept_eptp(&vcpu->vm->arch.ept));
}

static void report_entry_failure(struct vcpu *vcpu, bool vmfail)
{
	if (vmfail)
		vm_guest_fatal(vcpu, "VM entry failed: VM-instruction error %llu",
			       (unsigned long long)vmcs_read(VMCS_INSTR_ERROR));
	else
		vm_guest_fatal(vcpu, "VM entry failed: exit reason %u, qualification 0x%llx",
			       vcpu->arch.vmx.exit_reason & 0xffff,
			       (unsigned long long)vmcs_read(VMCS_EXIT_QUALIFICATION));
	vcpu_vendor_dump(vcpu);
}

void vcpu_vendor_run(struct vcpu *vcpu)
{
	struct vcpu_arch *a = &vcpu->arch;

	local_irq_disable();
	/*
	 * CR2 is not in the VMCS. The hypervisor never changes it (a page fault in the
	 * hypervisor is fatal), so the guest's value stays in the register across exits and
	 * is only loaded here and saved when the vCPU leaves the CPU.
	 */
	__asm__ __volatile__("mov %0, %%cr2" ::"r"(a->cr2) : "memory");
	/* Every change of the vCPU's state comes with a request (bulkhead/vm.h). */
	while (!vcpu->requests) {
		int failed;

		if (__atomic_load_n(&a->event_check, __ATOMIC_RELAXED))
			vmx_inject_events(vcpu);
		failed = vmx_enter_guest(a->gpr, a->vmx.launched);
		if (failed) {
			report_entry_failure(vcpu, true);
			break;
		}
		a->vmx.launched = true;
		vcpu->exits++;
		a->vmx.exit_reason = (u32)vmcs_read(VMCS_EXIT_REASON);
		if (a->vmx.exit_reason & EXIT_REASON_ENTRY_FAILURE) {
			report_entry_failure(vcpu, false);
			break;
		}
		vmx_check_idt_vectoring(vcpu);
		if (vmexit_dispatch(vcpu, a->vmx.exit_reason & 0xffff))
			break;
	}
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(a->cr2));
	local_irq_enable();
}

void vcpu_vendor_set_efer(struct vcpu *vcpu, u64 efer)
{
	vcpu->arch.efer = efer;
	vmx_apply_efer(vcpu);
}

u64 vcpu_vendor_get_efer(struct vcpu *vcpu)
{
	return vcpu->arch.efer;
}

bool vcpu_vendor_cs_long(struct vcpu *vcpu)
{
	return (vmcs_read(VMCS_GUEST_AR(SEG_CS)) & AR_L) != 0;
}

u32 vcpu_vendor_cpl(struct vcpu *vcpu)
{
	/* SS.DPL is the CPL (SDM 25.4.1); in real mode it is 0. */
	return (u32)(vmcs_read(VMCS_GUEST_AR(SEG_SS)) >> AR_DPL_SHIFT) & 3;
}

void vcpu_vendor_set_tsc_offset(struct vcpu *vcpu, u64 offset)
{
	vmcs_write(VMCS_TSC_OFFSET, offset);
}

u64 vcpu_vendor_get_tsc_offset(struct vcpu *vcpu)
{
	return vmcs_read(VMCS_TSC_OFFSET);
}

u64 vcpu_vendor_get_pat(struct vcpu *vcpu)
{
	return vmcs_read(VMCS_GUEST_PAT);
}

void vcpu_vendor_set_pat(struct vcpu *vcpu, u64 pat)
{
	vmcs_write(VMCS_GUEST_PAT, pat);
}

u64 vcpu_vendor_get_tsc_aux(struct vcpu *vcpu)
{
	return vcpu->arch.vmx.guest_msrs[SWITCHED_TSC_AUX].value;
}

void vcpu_vendor_set_tsc_aux(struct vcpu *vcpu, u64 value)
{
	vcpu->arch.vmx.guest_msrs[SWITCHED_TSC_AUX].value = value;
}

static const char *const seg_names[SEG_COUNT] = {"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"};

void vcpu_vendor_dump(struct vcpu *vcpu)
{
	const u64 *g = vcpu->arch.gpr;
	u64 cr2;

	/*
	 * On its own CPU the guest's CR2 is in the register (the hypervisor never changes
	 * it, see vcpu_vendor_run); the saved copy is only as new as the last run.
	 */
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(cr2));

	pr_info("vm%u vcpu%u: rip %016llx rsp %016llx rflags %08llx\n", vcpu->vm->id, vcpu->id,
		(unsigned long long)vmcs_read(VMCS_GUEST_RIP),
		(unsigned long long)vmcs_read(VMCS_GUEST_RSP),
		(unsigned long long)vmcs_read(VMCS_GUEST_RFLAGS));
	pr_info("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)g[0],
		(unsigned long long)g[3], (unsigned long long)g[1], (unsigned long long)g[2]);
	pr_info("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", (unsigned long long)g[6],
		(unsigned long long)g[7], (unsigned long long)g[5], (unsigned long long)g[8]);
	pr_info("  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n", (unsigned long long)g[9],
		(unsigned long long)g[10], (unsigned long long)g[11], (unsigned long long)g[12]);
	pr_info("  r13 %016llx r14 %016llx r15 %016llx cr2 %016llx\n", (unsigned long long)g[13],
		(unsigned long long)g[14], (unsigned long long)g[15], (unsigned long long)cr2);
	pr_info("  cr0 %016llx (virtual %llx) cr3 %016llx cr4 %016llx (virtual %llx)\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_CR0),
		(unsigned long long)vcpu->arch.cr0.virtual_value,
		(unsigned long long)vmcs_read(VMCS_GUEST_CR3),
		(unsigned long long)vmcs_read(VMCS_GUEST_CR4),
		(unsigned long long)vcpu->arch.cr4.virtual_value);
	pr_info("  efer %llx (virtual %llx) entry controls %llx\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_EFER), (unsigned long long)vcpu->arch.efer,
		(unsigned long long)vmcs_read(VMCS_ENTRY_CTLS));
	for (enum vmcs_seg s = SEG_ES; s < SEG_COUNT; s++)
		pr_info("  %-4s sel %04llx base %016llx limit %08llx ar %05llx\n", seg_names[s],
			(unsigned long long)vmcs_read(VMCS_GUEST_SEL(s)),
			(unsigned long long)vmcs_read(VMCS_GUEST_BASE(s)),
			(unsigned long long)vmcs_read(VMCS_GUEST_LIMIT(s)),
			(unsigned long long)vmcs_read(VMCS_GUEST_AR(s)));
	pr_info("  interruptibility %llx activity %llx exits %llu\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY),
		(unsigned long long)vmcs_read(VMCS_GUEST_ACTIVITY),
		(unsigned long long)vcpu->exits);
	pr_info("  rvi/svi %04llx pending injection %x\n",
		(unsigned long long)(vcpu->arch.vlapic.apicv ? vmcs_read(VMCS_GUEST_INTR_STATUS)
							     : 0),
		vcpu->arch.vmx.reinject_info);
	vlapic_dump(vcpu);
}
