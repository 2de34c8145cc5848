/* SPDX-License-Identifier: BSD-3-Clause */
/* VMX root operation (SDM Vol 3C 24.7, 24.11.5). */
#ifndef ASM_VMX_H
#define ASM_VMX_H

#include <bulkhead/types.h>

/*
 * Enters VMX root operation on the calling CPU: a VMXON region with the CPU's VMCS
 * revision identifier, CR0/CR4 adjusted to the VMX fixed bits (CR4.VMXE set), VMXON.
 * Returns 0, -ENODEV (VMX unusable on this CPU), -ENOMEM or -EIO (VMXON failed).
 */
int vmx_root_enable(void);
/* VMCS revision identifier of the calling CPU (IA32_VMX_BASIC bits 30:0). */
u32 vmx_vmcs_revision(void);

#endif
