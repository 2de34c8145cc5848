/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What CPUID tells a guest. Not VT-x specific: any x86 backend calls vcpuid_emulate()
 * from its CPUID exit. The result is the host's CPUID with what the VM must not see or
 * use removed, its own topology, and the hypervisor leaves of the ABI Linux's ACRN
 * guest support reads (Documentation/virt/acrn/cpuid.rst).
 */
#ifndef ASM_VCPUID_H
#define ASM_VCPUID_H

#include <bulkhead/types.h>

#define CPUID_HV_BASE	      0x40000000U /* max leaf and "ACRNACRNACRN" */
#define CPUID_HV_FEATURES     0x40000001U /* EAX: feature bits */
#define CPUID_HV_TIMING	      0x40000010U /* EAX: TSC frequency in kHz */
#define CPUID_HV_LAST	      0x400000ffU
#define CPUID_HV_SIGNATURE    0x4e524341U /* "ACRN" */
#define HV_FEATURE_PRIVILEGED (1U << 0)	  /* the Service VM */

struct vcpuid_policy {
	u32 vcpu_count;	  /* vCPUs of the VM: the topology it sees (one core each) */
	u32 vcpu_apic_id; /* the calling vCPU's APIC ID */
	bool privileged;  /* the Service VM */
	u32 tsc_khz;	  /* the guest's TSC frequency */
	/*
	 * The guest's CR4, whose OSXSAVE and PKE show in leaves 1 and 7: asked only for
	 * those leaves (reading it costs the backend VMCS accesses on every CPUID).
	 */
	u64 (*guest_cr4)(const struct vcpuid_policy *policy);
	void *ctx; /* the backend's, for guest_cr4 */
};

enum { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

/* The four registers CPUID(leaf, subleaf) returns to a vCPU under policy. */
void vcpuid_emulate(const struct vcpuid_policy *policy, u32 leaf, u32 subleaf, u32 regs[4]);

#endif
