/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtual local APIC: for now the part a VM needs to start its own APs (the APIC ID,
 * version and spurious-vector registers, and ICR INIT and start-up IPIs between the VM's
 * vCPUs), in x2APIC mode through MSRs 0x800-0x8ff and in xAPIC mode through the 4 KiB
 * page at the APIC base. Interrupt delivery (timer, fixed IPIs, EOI, TPR/PPR, ISR/IRR)
 * is not emulated yet: writes to those registers are accepted and dropped, reads return
 * 0. Registers that do not exist are #GP in x2APIC mode (reads 0, writes dropped in the
 * xAPIC page, as on hardware).
 */
#ifndef ASM_VLAPIC_H
#define ASM_VLAPIC_H

#include <bulkhead/types.h>

struct vcpu;
struct vm;

#define VLAPIC_BASE	 0xfee00000ULL
#define X2APIC_MSR_FIRST 0x800
#define X2APIC_MSR_LAST	 0x8ff

/* x2APIC MSR access: 0, or -EFAULT for #GP (not in x2APIC mode, reserved, read-only). */
int vlapic_msr_read(struct vcpu *vcpu, u32 msr, u64 *value);
int vlapic_msr_write(struct vcpu *vcpu, u32 msr, u64 value);
/* Registers the xAPIC page of every vCPU on the VM's MMIO bus. */
int vlapic_attach(struct vm *vm);
void vlapic_reset(struct vcpu *vcpu);

#endif
