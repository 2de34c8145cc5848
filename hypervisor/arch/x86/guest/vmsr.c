// SPDX-License-Identifier: BSD-3-Clause
/*
 * Emulated MSRs (see asm/vmsr.h for the policy). Values and rules are those of the SDM
 * Vol 4 MSR tables and the instruction pages they cite; each handler keeps the virtual
 * value the guest reads back and, where the MSR affects the CPU, hands the shadow value
 * to the backend (EFER, PAT, TSC offset, TSC_AUX).
 */
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/vm.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/vlapic.h>
#include <asm/vmsr.h>

#define MSR_IA32_TSC	       0x00000010
#define MSR_IA32_TSC_ADJUST    0x0000003b
#define MSR_IA32_BIOS_SIGN_ID  0x0000008b
#define MSR_IA32_MTRRCAP       0x000000fe
#define MSR_IA32_SYSENTER_CS   0x00000174
#define MSR_IA32_SYSENTER_ESP  0x00000175
#define MSR_IA32_SYSENTER_EIP  0x00000176
#define MSR_IA32_MCG_CAP       0x00000179
#define MSR_IA32_MCG_STATUS    0x0000017a
#define MSR_IA32_MISC_ENABLE   0x000001a0
#define MSR_IA32_DEBUGCTL      0x000001d9
#define MSR_IA32_MTRR_DEF_TYPE 0x000002ff
#define MSR_STAR	       0xc0000081
#define MSR_LSTAR	       0xc0000082
#define MSR_CSTAR	       0xc0000083
#define MSR_SFMASK	       0xc0000084
#define MSR_IA32_TSC_AUX       0xc0000103

#define APIC_BASE_DEFAULT 0xfee00000ULL

/* IA32_MISC_ENABLE as a VM sees it: fast strings on, BTS and PEBS unavailable. */
#define MISC_ENABLE_VM ((1ULL << 0) | (1ULL << 11) | (1ULL << 12))

#define EFER_DEFINED (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

const u32 vmsr_default_passthrough[] = {
	MSR_IA32_SYSENTER_CS,
	MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP,
	MSR_IA32_DEBUGCTL,
	MSR_FS_BASE,
	MSR_GS_BASE,
	MSR_KERNEL_GS_BASE,
	MSR_STAR,
	MSR_LSTAR,
	MSR_CSTAR,
	MSR_SFMASK,
};
const u32 vmsr_default_passthrough_count = ARRAY_SIZE(vmsr_default_passthrough);

void vmsr_reset(struct vcpu *vcpu, bool power_on)
{
	struct vcpu_arch *a = &vcpu->arch;

	/* INIT keeps the MSRs, the APIC base (and so x2APIC mode) and the TSC; it resets the
	 * LAPIC's other registers (SDM Vol 3A table 10-1, 11.4.7.3). */
	if (power_on) {
		a->tsc_adjust = 0;
		a->mtrr_def_type = 0;
		vcpu_vendor_set_tsc_offset(vcpu, 0);
		vmsr_power_on_apic(vcpu);
	} else {
		vlapic_reset(vcpu);
	}
	vcpu_vendor_apic_mode_changed(vcpu);
}

void vmsr_power_on_apic(struct vcpu *vcpu)
{
	vcpu->arch.apic_base =
		APIC_BASE_DEFAULT | APIC_BASE_EN | (vcpu->id == 0 ? APIC_BASE_BSP : 0);
	vlapic_reset(vcpu);
}

/* PAT entries must be UC, WC, WT, WP, WB or UC- (SDM Vol 3A 13.12.2). */
static bool pat_valid(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 type = (u8)(pat >> (8 * i));

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

static int write_efer(struct vcpu *vcpu, u64 value)
{
	u64 old = vcpu_vendor_get_efer(vcpu);

	if (value & ~EFER_DEFINED)
		return -EFAULT;
	/* LME cannot change while paging is on (SDM Vol 3A 9.8.5). */
	if (((value ^ old) & EFER_LME) && (vcpu->arch.cr0.virtual_value & X86_CR0_PG))
		return -EFAULT;
	/* LMA is the processor's to set: the written bit is ignored. */
	value = (value & ~EFER_LMA) | (old & EFER_LMA);
	vcpu_vendor_set_efer(vcpu, value);
	return 0;
}

static bool policy_denies(struct vcpu *vcpu, u32 msr)
{
	const struct vm_ownership *own = &vcpu->vm->config->ownership;
	const struct msr_policy_config *p = NULL;

	for (u32 i = 0; i < own->msr_count && !p; i++)
		if (own->msrs[i].index == msr)
			p = &own->msrs[i];

	if (p && p->policy == MSR_DENY)
		return true;
	if (p && p->policy == MSR_PASSTHROUGH) {
		/* Only MSRs outside the bitmap's ranges get here; the validator refuses those. */
		vm_warn(vcpu->vm, "MSR 0x%x is passthrough but outside the MSR bitmap: #GP", msr);
		return true;
	}
	return false;
}

int vmsr_read(struct vcpu *vcpu, u32 msr, u64 *value)
{
	struct vcpu_arch *a = &vcpu->arch;

	if (policy_denies(vcpu, msr))
		return -EFAULT;
	switch (msr) {
	case MSR_IA32_TSC:
		*value = rdtsc() + vcpu_vendor_get_tsc_offset(vcpu);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*value = a->tsc_adjust;
		return 0;
	case MSR_IA32_APIC_BASE:
		*value = a->apic_base;
		return 0;
	case MSR_IA32_TSC_DEADLINE:
		*value = vlapic_get_tsc_deadline(vcpu);
		return 0;
	case MSR_IA32_FEATURE_CONTROL:
		/* Locked with VMX disabled: nested VMX is not offered. */
		*value = FEATURE_CONTROL_LOCKED;
		return 0;
	case MSR_IA32_BIOS_SIGN_ID:
	case MSR_IA32_MTRRCAP: /* no fixed or variable MTRRs, no WC */
	case MSR_IA32_MCG_CAP: /* no machine-check banks */
	case MSR_IA32_MCG_STATUS:
		*value = 0;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*value = MISC_ENABLE_VM;
		return 0;
	case MSR_IA32_MTRR_DEF_TYPE:
		*value = a->mtrr_def_type;
		return 0;
	case MSR_IA32_PAT:
		*value = vcpu_vendor_get_pat(vcpu);
		return 0;
	case MSR_IA32_EFER:
		*value = vcpu_vendor_get_efer(vcpu);
		return 0;
	case MSR_IA32_TSC_AUX:
		*value = vcpu_vendor_get_tsc_aux(vcpu);
		return 0;
	default:
		if (msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST)
			return vlapic_msr_read(vcpu, msr, value);
		return -EFAULT;
	}
}

int vmsr_write(struct vcpu *vcpu, u32 msr, u64 value)
{
	struct vcpu_arch *a = &vcpu->arch;
	u64 offset, guest_tsc;

	if (policy_denies(vcpu, msr))
		return -EFAULT;
	/* A passed-through TSC-deadline timer compares against the host's TSC: it stays. */
	if ((msr == MSR_IA32_TSC || msr == MSR_IA32_TSC_ADJUST) &&
	    vcpu->vm->config->lapic_passthrough)
		return -EFAULT;
	switch (msr) {
	case MSR_IA32_TSC:
		/* A TSC write moves IA32_TSC_ADJUST by the same amount (SDM Vol 3B 18.17.3). */
		offset = vcpu_vendor_get_tsc_offset(vcpu);
		guest_tsc = rdtsc() + offset;
		a->tsc_adjust += value - guest_tsc;
		vcpu_vendor_set_tsc_offset(vcpu, offset + (value - guest_tsc));
		return 0;
	case MSR_IA32_TSC_ADJUST:
		offset = vcpu_vendor_get_tsc_offset(vcpu);
		vcpu_vendor_set_tsc_offset(vcpu, offset + (value - a->tsc_adjust));
		a->tsc_adjust = value;
		return 0;
	case MSR_IA32_APIC_BASE:
		/*
		 * The base address stays put and the BSP flag is read-only; EXTD without EN
		 * is invalid, as is leaving x2APIC mode without disabling (SDM 11.12.5).
		 */
		if ((value ^ a->apic_base) & ~(APIC_BASE_EN | APIC_BASE_EXTD))
			return -EFAULT;
		if ((value & APIC_BASE_EXTD) && !(value & APIC_BASE_EN))
			return -EFAULT;
		/* Disabled to x2APIC in one step is not a legal transition (SDM 11.12.5). */
		if (!(a->apic_base & APIC_BASE_EN) && (value & APIC_BASE_EXTD))
			return -EFAULT;
		if ((a->apic_base & APIC_BASE_EXTD) && (value & APIC_BASE_EN) &&
		    !(value & APIC_BASE_EXTD))
			return -EFAULT;
		offset = a->apic_base;
		a->apic_base = value;
		if (offset != value)
			vlapic_base_changed(vcpu, offset);
		return 0;
	case MSR_IA32_TSC_DEADLINE:
		vlapic_set_tsc_deadline(vcpu, value, vcpu_vendor_get_tsc_offset(vcpu));
		return 0;
	case MSR_IA32_BIOS_SIGN_ID: /* Linux writes 0 before reading the revision */
		return 0;
	case MSR_IA32_MCG_STATUS:
		return value ? -EFAULT : 0;
	case MSR_IA32_MISC_ENABLE:
		/* The VM's view is fixed; writes that keep it are accepted. */
		return value == MISC_ENABLE_VM ? 0 : -EFAULT;
	case MSR_IA32_MTRR_DEF_TYPE:
		/*
		 * Type in 7:0 and E (bit 11). MTRRCAP reports neither fixed-range MTRRs nor
		 * write combining, so FE (bit 10) and type WC are #GP too.
		 */
		if ((value & ~0x8ffULL) || (value & 0xff) == 1 || (value & 0xff) == 2 ||
		    (value & 0xff) == 3 || (value & 0xff) > 6)
			return -EFAULT;
		a->mtrr_def_type = value;
		return 0;
	case MSR_IA32_PAT:
		if (!pat_valid(value))
			return -EFAULT;
		vcpu_vendor_set_pat(vcpu, value);
		return 0;
	case MSR_IA32_EFER:
		return write_efer(vcpu, value);
	case MSR_IA32_TSC_AUX:
		if (value >> 32)
			return -EFAULT;
		vcpu_vendor_set_tsc_aux(vcpu, value);
		return 0;
	default:
		if (msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST)
			return vlapic_msr_write(vcpu, msr, value);
		return -EFAULT;
	}
}
