/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VMX instructions (SDM Vol 3C chapter 31) and VMX root operation. This is the thin
 * hardware layer of the VT-x backend: everything above it reads and writes the current
 * VMCS through vmcs_read()/vmcs_write().
 */
#ifndef ASM_VMX_H
#define ASM_VMX_H

#include <bulkhead/compiler.h>
#include <bulkhead/types.h>

/*
 * Enters VMX root operation on the calling CPU: a VMXON region with the CPU's VMCS
 * revision identifier, CR0/CR4 adjusted to the VMX fixed bits (CR4.VMXE set), VMXON.
 * Returns 0, -ENODEV (VMX unusable on this CPU), -ENOMEM or -EIO (VMXON failed).
 */
int vmx_root_enable(void);
/* VMCS revision identifier of the calling CPU (IA32_VMX_BASIC bits 30:0). */
u32 vmx_vmcs_revision(void);

/*
 * A VMREAD/VMWRITE of a field the CPU does not support is a hypervisor bug, never a
 * guest's doing: report the field and panic.
 */
void vmx_field_error(const char *insn, u32 field) __noreturn;

/*
 * VMREAD is not checked: every field read is architectural (or its control was checked
 * when the VMCS was built) and the VMCS is current whenever this runs, so a failure
 * would be a hypervisor bug that the checked VMWRITEs of the set-up catch first. The
 * exit path reads several fields per exit; an unchecked read is one instruction.
 */
static inline u64 vmcs_read(u32 field)
{
	u64 value;

	__asm__ __volatile__("vmread %1, %0" : "=r"(value) : "r"((u64)field) : "cc");
	return value;
}

static inline void vmcs_write(u32 field, u64 value)
{
	u8 failed;

	__asm__ __volatile__("vmwrite %2, %1; setna %0"
			     : "=q"(failed)
			     : "r"((u64)field), "rm"(value)
			     : "cc", "memory");
	if (unlikely(failed))
		vmx_field_error("VMWRITE", field);
}

static inline void vmcs_clear_bits(u32 field, u64 bits)
{
	vmcs_write(field, vmcs_read(field) & ~bits);
}

static inline void vmcs_set_bits(u32 field, u64 bits)
{
	vmcs_write(field, vmcs_read(field) | bits);
}

/* VMCLEAR/VMPTRLD: false on VMfail. */
static inline bool vmx_vmclear(paddr_t vmcs)
{
	u8 failed;

	__asm__ __volatile__("vmclear %1; setna %0" : "=q"(failed) : "m"(vmcs) : "cc", "memory");
	return !failed;
}

static inline bool vmx_vmptrld(paddr_t vmcs)
{
	u8 failed;

	__asm__ __volatile__("vmptrld %1; setna %0" : "=q"(failed) : "m"(vmcs) : "cc", "memory");
	return !failed;
}

/* INVEPT / INVVPID types (SDM Vol 3C 31.3). */
#define INVEPT_SINGLE_CONTEXT  1
#define INVEPT_ALL_CONTEXT     2
#define INVVPID_ADDRESS	       0
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT    2

static inline bool vmx_invept(u64 type, u64 eptp)
{
	struct {
		u64 eptp, reserved;
	} desc = {eptp, 0};
	u8 failed;

	__asm__ __volatile__("invept %1, %2; setna %0"
			     : "=q"(failed)
			     : "m"(desc), "r"(type)
			     : "cc", "memory");
	return !failed;
}

static inline bool vmx_invvpid(u64 type, u16 vpid, u64 linear)
{
	struct {
		u64 vpid, linear;
	} desc = {vpid, linear};
	u8 failed;

	__asm__ __volatile__("invvpid %1, %2; setna %0"
			     : "=q"(failed)
			     : "m"(desc), "r"(type)
			     : "cc", "memory");
	return !failed;
}

#endif
