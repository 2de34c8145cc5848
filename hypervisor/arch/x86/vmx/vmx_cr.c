// SPDX-License-Identifier: BSD-3-Clause
/*
 * Control registers under VT-x. The three contexts of asm/vcr.h map onto the VMCS:
 *   virtual -> the CR0/CR4 read shadows (what MOV from CR returns for host-owned bits);
 *   shadow  -> GUEST_CR0/GUEST_CR4 (what the CPU uses while the guest runs);
 *   host-owned bits -> set in the guest/host masks, so MOV to CR exits when the guest
 *   tries to change one (SDM Vol 3C 25.6.6, 26.1.3).
 * Guest-owned bits change without an exit; the exit handler first folds the live
 * guest-owned bits back into the virtual value.
 */
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/panic.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <asm/msr-index.h>
#include <asm/msr.h>
#include <asm/vmcs.h>
#include <asm/vmx.h>
#include <asm/vmx_internal.h>

/* CR4 bits never offered to guests: VMX and SMX belong to the hypervisor, Key Locker and
 * CET state are not virtualized. */
#define CR4_NEVER_VALID (X86_CR4_VMXE | X86_CR4_SMXE | X86_CR4_CET | (1ULL << 19) | (1ULL << 24))

/* CR0 after RESET/INIT: CD, NW and ET set (SDM Vol 3A table 10-1). */
#define CR0_RESET (X86_CR0_CD | X86_CR0_NW | X86_CR0_ET)

void vmx_load_cr(struct vcpu *vcpu, bool real_mode)
{
	const struct vm_ownership *own = &vcpu->vm->config->ownership;
	const struct vcpu_start_state *s = &vcpu->arch.start;
	/* Unrestricted guest: PE and PG may be clear (SDM Vol 3D A.7). */
	u64 cr0_fixed0 = msr_read(MSR_IA32_VMX_CR0_FIXED0) & ~(X86_CR0_PE | X86_CR0_PG);
	/* Cache control stays the hypervisor's: the shadow never has CD or NW. */
	u64 cr0_fixed1 = msr_read(MSR_IA32_VMX_CR0_FIXED1) & ~(X86_CR0_CD | X86_CR0_NW);
	u64 cr4_fixed0 = msr_read(MSR_IA32_VMX_CR4_FIXED0);
	u64 cr4_fixed1 = msr_read(MSR_IA32_VMX_CR4_FIXED1);
	u64 cr0 = CR0_RESET, cr4 = 0;

	if (!real_mode) {
		cr0 = X86_CR0_PE | X86_CR0_ET;
		if (s->long_mode) {
			cr0 |= X86_CR0_PG;
			cr4 |= X86_CR4_PAE;
		}
	}
	if (vcr_init(&vcpu->arch.cr0, own->cr0_guest_owned, cr0_fixed0, cr0_fixed1, ~0ULL, cr0) ||
	    vcr_init(&vcpu->arch.cr4, own->cr4_guest_owned, cr4_fixed0, cr4_fixed1,
		     cr4_fixed1 & ~CR4_NEVER_VALID, cr4))
		panic("VMX CR fixed bits cannot be met (CR0 %llx/%llx CR4 %llx/%llx)",
		      (unsigned long long)cr0_fixed0, (unsigned long long)cr0_fixed1,
		      (unsigned long long)cr4_fixed0, (unsigned long long)cr4_fixed1);
	vmcs_write(VMCS_GUEST_CR0, vcpu->arch.cr0.shadow_value);
	vmcs_write(VMCS_CR0_MASK, vcr_host_mask(&vcpu->arch.cr0));
	vmcs_write(VMCS_CR0_READ_SHADOW, vcr_read_shadow(&vcpu->arch.cr0));
	vmcs_write(VMCS_GUEST_CR4, vcpu->arch.cr4.shadow_value);
	vmcs_write(VMCS_CR4_MASK, vcr_host_mask(&vcpu->arch.cr4));
	vmcs_write(VMCS_CR4_READ_SHADOW, vcr_read_shadow(&vcpu->arch.cr4));
}

/* Guest-owned bits change without exits: bring the virtual value up to date. */
static void sync_guest_owned(struct vcr *cr, u32 field)
{
	u64 live = vmcs_read(field) & cr->guest_owned;

	cr->virtual_value = (cr->virtual_value & ~cr->guest_owned) | live;
	cr->shadow_value = (cr->shadow_value & ~cr->guest_owned) | live;
}

/* PAE paging outside long mode: VM entry takes the PDPTEs from the VMCS (SDM 26.3.2.4). */
static int load_pdptes(struct vcpu *vcpu)
{
	u64 cr3 = vmcs_read(VMCS_GUEST_CR3) & ~0x1fULL, pdpte[4];
	u64 hpa;

	if (!ept_translate(&vcpu->vm->arch.ept, cr3 & ~0xfffULL, &hpa, NULL, NULL, NULL))
		return -EFAULT;
	memcpy(pdpte, (const void *)(hpa + (cr3 & 0xfff)), sizeof(pdpte));
	for (int i = 0; i < 4; i++) {
		/* Reserved bits 2:1, 8:5 and above MAXPHYADDR of a present PDPTE: #GP. */
		if ((pdpte[i] & 1) && (pdpte[i] & (0x1e6ULL | 0xfff0000000000000ULL)))
			return -EFAULT;
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
	}
	return 0;
}

static int write_cr(struct vcpu *vcpu, enum vcr_id which, u64 value)
{
	struct vcpu_arch *a = &vcpu->arch;
	struct vcr *cr = which == VCR0 ? &a->cr0 : &a->cr4;
	struct vcr_guest_state g = {
		.efer = a->efer,
		.cs_long = vcpu_vendor_cs_long(vcpu),
		.cr3 = vmcs_read(VMCS_GUEST_CR3),
		.other_cr = which == VCR0 ? a->cr4.virtual_value : a->cr0.virtual_value,
	};
	u64 saved_virtual = cr->virtual_value, saved_shadow = cr->shadow_value;
	u32 effects;

	if (vcr_write(cr, which, value, &g, &effects))
		return -EFAULT;
	if ((effects & VCR_LOAD_PDPTES) && load_pdptes(vcpu)) {
		cr->virtual_value = saved_virtual;
		cr->shadow_value = saved_shadow;
		return -EFAULT;
	}
	if (effects & VCR_ENTER_LONG) {
		a->efer |= EFER_LMA;
		vmx_apply_efer(vcpu);
	} else if (effects & VCR_LEAVE_LONG) {
		a->efer &= ~EFER_LMA;
		vmx_apply_efer(vcpu);
	}
	vmcs_write(which == VCR0 ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4, cr->shadow_value);
	vmcs_write(which == VCR0 ? VMCS_CR0_READ_SHADOW : VMCS_CR4_READ_SHADOW,
		   vcr_read_shadow(cr));
	if (effects & VCR_FLUSH_TLB)
		vmx_invvpid(INVVPID_SINGLE_CONTEXT, vmx_vpid(vcpu), 0);
	return 0;
}

/* Exit qualification for control-register accesses (SDM Vol 3C table 28-3). */
#define CRQ_NUMBER(q) ((q)&0xf)
#define CRQ_TYPE(q)   (((q) >> 4) & 3)
#define CRQ_GPR(q)    (((q) >> 8) & 0xf)
#define CRQ_LMSW(q)   (((q) >> 16) & 0xffff)
enum { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW };

static u64 read_gpr(struct vcpu *vcpu, u32 reg)
{
	return reg == GPR_RSP ? vmcs_read(VMCS_GUEST_RSP) : vcpu->arch.gpr[reg];
}

static void write_gpr(struct vcpu *vcpu, u32 reg, u64 value)
{
	if (reg == GPR_RSP)
		vmcs_write(VMCS_GUEST_RSP, value);
	else
		vcpu->arch.gpr[reg] = value;
}

int vmexit_cr_access(struct vcpu *vcpu)
{
	struct vcpu_arch *a = &vcpu->arch;
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	u32 n = CRQ_NUMBER(q);
	u64 value;
	int err = 0;

	sync_guest_owned(&a->cr0, VMCS_GUEST_CR0);
	sync_guest_owned(&a->cr4, VMCS_GUEST_CR4);
	switch (CRQ_TYPE(q)) {
	case CR_MOV_TO:
		value = read_gpr(vcpu, CRQ_GPR(q));
		if (n == 0 || n == 4) {
			err = write_cr(vcpu, n == 0 ? VCR0 : VCR4, value);
		} else if (n == 8) {
			/* TPR: bits 3:0 only (SDM Vol 3A 11.8.6.1); others #GP. */
			if (value >> 4)
				err = -EFAULT;
			else
				vlapic_set_cr8(vcpu, value);
		} else {
			err = -EFAULT;
		}
		break;
	case CR_MOV_FROM:
		if (n != 8) { /* only CR8 reads exit with these controls */
			vm_guest_fatal(vcpu, "unexpected MOV from CR%u exit", n);
			return -EIO;
		}
		write_gpr(vcpu, CRQ_GPR(q), vlapic_get_cr8(vcpu));
		break;
	case CR_CLTS:
		err = write_cr(vcpu, VCR0, a->cr0.virtual_value & ~X86_CR0_TS);
		break;
	case CR_LMSW:
		/* LMSW loads PE, MP, EM, TS; it can set PE but never clear it. */
		value = (a->cr0.virtual_value & ~0xeULL) | (CRQ_LMSW(q) & 0xf) |
			(a->cr0.virtual_value & X86_CR0_PE);
		err = write_cr(vcpu, VCR0, value);
		break;
	}
	if (err)
		vcpu_inject_gp(vcpu);
	else
		vmx_skip_instruction(vcpu);
	return 0;
}
