/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VT-x capabilities of one CPU, decoded from CPUID and the IA32_VMX_* MSRs
 * (SDM Vol 3D appendix A). The hypervisor requires the same set on every CPU.
 */
#ifndef ASM_VMX_CAPS_H
#define ASM_VMX_CAPS_H

#include <bulkhead/types.h>

enum vmx_feature {
	VMX_FEAT_VMX,	    /* CPUID.1:ECX.VMX */
	VMX_FEAT_ENABLED,   /* IA32_FEATURE_CONTROL allows VMXON outside SMX */
	VMX_FEAT_TRUE_CTLS, /* IA32_VMX_BASIC bit 55 */
	VMX_FEAT_SECONDARY, /* secondary processor-based controls */
	VMX_FEAT_MSR_BITMAP,
	VMX_FEAT_IO_BITMAP,
	VMX_FEAT_EPT, /* with 4-level walks and write-back paging structures */
	VMX_FEAT_EPT_2M,
	VMX_FEAT_EPT_1G,
	VMX_FEAT_INVEPT, /* single-context and all-context */
	VMX_FEAT_VPID,
	VMX_FEAT_INVVPID,
	VMX_FEAT_UNRESTRICTED,
	VMX_FEAT_TPR_SHADOW,
	VMX_FEAT_APIC_REG_VIRT,
	VMX_FEAT_VIRT_INTR_DELIVERY,
	VMX_FEAT_POSTED_INTR,
	VMX_FEAT_PREEMPT_TIMER,
	VMX_FEAT_COUNT
};

struct vmx_caps {
	u64 features; /* bit per enum vmx_feature */
	u64 basic;
	u32 pinbased_allowed1, procbased_allowed1, procbased2_allowed1;
	u64 ept_vpid_cap;
};

/* Features without which the hypervisor refuses to run. */
#define VMX_REQUIRED_FEATURES                                                                 \
	((1ULL << VMX_FEAT_VMX) | (1ULL << VMX_FEAT_ENABLED) | (1ULL << VMX_FEAT_TRUE_CTLS) | \
	 (1ULL << VMX_FEAT_SECONDARY) | (1ULL << VMX_FEAT_MSR_BITMAP) |                       \
	 (1ULL << VMX_FEAT_IO_BITMAP) | (1ULL << VMX_FEAT_EPT) | (1ULL << VMX_FEAT_EPT_2M) |  \
	 (1ULL << VMX_FEAT_INVEPT) | (1ULL << VMX_FEAT_VPID) | (1ULL << VMX_FEAT_INVVPID) |   \
	 (1ULL << VMX_FEAT_UNRESTRICTED) | (1ULL << VMX_FEAT_TPR_SHADOW))

static inline bool vmx_has(const struct vmx_caps *caps, enum vmx_feature f)
{
	return (caps->features >> f) & 1;
}

/*
 * Reads CPUID and the VMX MSRs of the calling CPU. If IA32_FEATURE_CONTROL is unlocked,
 * enables VMX outside SMX and locks it, as firmware normally would.
 */
void vmx_caps_probe(struct vmx_caps *caps);
const char *vmx_feature_name(enum vmx_feature f);
/* Short column title for the capability table. */
const char *vmx_feature_column(enum vmx_feature f);
/*
 * Prints the capability table for cpus[0..count) and checks requirements. Returns 0,
 * or -ENODEV after naming each missing required feature and CPU.
 */
int vmx_caps_report(const struct vmx_caps *const *cpus, size_t count);

#endif
