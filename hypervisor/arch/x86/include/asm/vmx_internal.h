/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the files of the VT-x backend (arch/x86/vmx/); nothing else includes it. */
#ifndef ASM_VMX_INTERNAL_H
#define ASM_VMX_INTERNAL_H

#include <bulkhead/types.h>
#include <asm/vmcs.h>
#include <asm/vmx.h>

struct vcpu;

/*
 * Loads gpr[] into the general registers and enters the guest (VMRESUME when launched,
 * else VMLAUNCH). Returns 0 after a VM exit, with the guest's registers saved in gpr[];
 * returns 1 if the entry instruction failed (VMfailValid: VM-instruction error field).
 */
int vmx_enter_guest(u64 *gpr, u64 launched);

int vmcs_create(struct vcpu *vcpu);
/* Guest state for the vCPU's start state; real_mode: an AP after its start-up IPI. */
void vmcs_load_start_state(struct vcpu *vcpu, bool real_mode);
/* VPID of a vCPU: unique and non-zero (SDM 29.1). */
u16 vmx_vpid(const struct vcpu *vcpu);
/* EFER shadow and the IA-32e-mode entry control from the virtual EFER. */
void vmx_apply_efer(struct vcpu *vcpu);
/* CR0/CR4 three contexts into the VMCS: guest values, masks, read shadows. */
void vmx_load_cr(struct vcpu *vcpu, bool real_mode);
/* Moves RIP past the instruction that exited (inline: every emulated instruction). */
static inline void vmx_skip_instruction(struct vcpu *vcpu)
{
	u64 rip = vmcs_read(VMCS_GUEST_RIP) + vmcs_read(VMCS_EXIT_INSTR_LEN);

	/* Unchecked: GUEST_RIP always exists and the VMCS is current. */
	__asm__ __volatile__("vmwrite %1, %0" ::"r"((u64)VMCS_GUEST_RIP), "r"(rip) : "cc");
	/* Skipping an instruction ends STI/MOV-SS blocking (SDM 25.4.2). */
	if (vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & 0x3)
		vmcs_clear_bits(VMCS_GUEST_INTERRUPTIBILITY, 0x3);
}
/* Event injection before each entry, and what it needs from each exit (vmx_intr.c). */
void vmx_inject_events(struct vcpu *vcpu);
/*
 * After each exit: an event whose delivery the exit interrupted is delivered again on the
 * next entry (SDM 27.2.4). Inline: the check is on every exit's path, the save is rare.
 */
void vmx_save_idt_vectoring(struct vcpu *vcpu, u32 info);
static inline void vmx_check_idt_vectoring(struct vcpu *vcpu)
{
	u32 info = (u32)vmcs_read(VMCS_IDT_VECTORING_INFO);

	if (info & INTR_INFO_VALID)
		vmx_save_idt_vectoring(vcpu, info);
}
int vmx_handle_window(struct vcpu *vcpu);
/* APIC virtualization (vmx_apicv.c): set up per vCPU, RVI/EOI-exit bitmap before entry. */
int vmx_lapic_pt_vm_init(struct vm *vm);
void vmx_lapic_pt_vm_destroy(struct vm *vm);
void vmx_lapic_pt_mode_changed(struct vcpu *vcpu);
void vmx_lapic_pt_leave(struct vcpu *vcpu);
int vmx_apicv_vm_init(struct vm *vm);
void vmx_apicv_vm_destroy(struct vm *vm);
void vmx_apicv_setup(struct vcpu *vcpu);
void vmx_apicv_sync(struct vcpu *vcpu);
int vmx_handle_apic_access(struct vcpu *vcpu);
int vmx_handle_apic_write(struct vcpu *vcpu);
int vmx_handle_virtualized_eoi(struct vcpu *vcpu);

/* Exit handlers: return 0 to resume the guest. */
typedef int (*vmexit_handler_t)(struct vcpu *vcpu);
struct vmexit_entry {
	const char *name;
	vmexit_handler_t handler;
};
/* The dispatch table (vmexit.c), indexed by basic exit reason. */
extern const struct vmexit_entry vmexit_table[];
int vmexit_unhandled(struct vcpu *vcpu, u32 reason);
struct vcpuid_policy;
/* vcpuid_policy.guest_cr4 of every vCPU (vmexit.c). */
u64 vmx_cpuid_guest_cr4(const struct vcpuid_policy *policy);

/* Inline: it runs on every exit. */
static inline int vmexit_dispatch(struct vcpu *vcpu, u32 reason)
{
	if (reason < EXIT_REASON_COUNT && vmexit_table[reason].handler)
		return vmexit_table[reason].handler(vcpu);
	return vmexit_unhandled(vcpu, reason);
}
int vmexit_cr_access(struct vcpu *vcpu);
int vmexit_io(struct vcpu *vcpu);
int vmexit_ept_violation(struct vcpu *vcpu);
int vmexit_ept_misconfig(struct vcpu *vcpu);
/* An EPT violation on a page a device claimed: emulate the access (vmx_mmio.c). */
int vmx_emulate_mmio(struct vcpu *vcpu, u64 gpa, bool write);
/* INS/OUTS (with or without REP): one element per exit, through the VM's port bus. */
int vmx_emulate_string_io(struct vcpu *vcpu, u16 port, u32 size, bool in, bool rep);

#endif
