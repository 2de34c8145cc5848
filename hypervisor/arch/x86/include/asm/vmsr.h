/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest MSR accesses that exit, independent of VT-x or SVM. The VM's policy table
 * (scenario <ownership>) says per MSR: passthrough (the backend's bitmap lets it
 * through; it never gets here unless the bitmap cannot cover it), trap (emulated here,
 * with guest-owned bits written through to the shadow value), or deny (#GP). MSRs the
 * table does not list are emulated here when the hypervisor knows them, passed through
 * when they are per-CPU state the hypervisor never uses (vmsr_default_passthrough), and
 * #GP otherwise, as on hardware for an MSR that does not exist.
 */
#ifndef ASM_VMSR_H
#define ASM_VMSR_H

#include <bulkhead/types.h>

struct vcpu;

/* Returns 0 and the value, or -EFAULT: the caller injects #GP(0). */
int vmsr_read(struct vcpu *vcpu, u32 msr, u64 *value);
int vmsr_write(struct vcpu *vcpu, u32 msr, u64 value);
/*
 * Emulated MSRs at a vCPU start: power-on values after a VM (re)start, what INIT leaves
 * for an AP started by INIT and start-up IPIs (power_on false).
 */
void vmsr_reset(struct vcpu *vcpu, bool power_on);
/* The power-on state of the local APIC alone (IA32_APIC_BASE and the vLAPIC registers):
 * for every vCPU as its VM starts, on any CPU. */
void vmsr_power_on_apic(struct vcpu *vcpu);

/* Guest-context MSRs no one else uses: passed through unless the policy says otherwise. */
extern const u32 vmsr_default_passthrough[];
extern const u32 vmsr_default_passthrough_count;

#endif
