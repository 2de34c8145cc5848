// SPDX-License-Identifier: BSD-3-Clause
/*
 * Emulation of guest writes to CR0 and CR4 under the ownership model of asm/vcr.h.
 * The legality checks are those of MOV to CR0/CR4 (SDM Vol 2B "MOV-Move to/from Control
 * Registers", Vol 3A 2.5); the forced bits come from IA32_VMX_CR0/CR4_FIXED0/1 (SDM Vol 3D
 * A.7, A.8), which the caller passes already adjusted for unrestricted guest (PE and PG
 * free).
 */
#include <bulkhead/errno.h>
#include <asm/msr-index.h>
#include <asm/vcr.h>

/* Architecturally defined CR0 bits; writes to other bits of 31:0 are ignored. */
#define CR0_DEFINED                                                                    \
	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | X86_CR0_NE | \
	 X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)
#define CR0_PAGING_BITS (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE)
#define CR4_PAGING_BITS                                                                          \
	(X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP | \
	 X86_CR4_PKE | X86_CR4_LA57)

static u64 apply_fixed(const struct vcr *cr, u64 value)
{
	return (value | cr->fixed0) & cr->fixed1;
}

int vcr_init(struct vcr *cr, u64 guest_owned, u64 fixed0, u64 fixed1, u64 valid, u64 init_value)
{
	if (fixed0 & ~fixed1)
		return -EINVAL;
	cr->guest_owned = guest_owned & ~fixed0; /* forced bits are never the guest's */
	cr->fixed0 = fixed0;
	cr->fixed1 = fixed1;
	cr->valid = valid;
	cr->virtual_value = init_value;
	cr->shadow_value = apply_fixed(cr, init_value);
	return 0;
}

static int check_cr0(u64 *value, const struct vcr_guest_state *g)
{
	u64 v = *value;

	if (v >> 32)
		return -EFAULT;
	/* Reserved bits of 31:0 are ignored, ET reads as 1 on every CPU since the 486. */
	v = (v & CR0_DEFINED) | X86_CR0_ET;
	if ((v & X86_CR0_PG) && !(v & X86_CR0_PE))
		return -EFAULT;
	if ((v & X86_CR0_NW) && !(v & X86_CR0_CD))
		return -EFAULT;
	if ((v & X86_CR0_PG) && (g->efer & EFER_LME) && !(g->other_cr & X86_CR4_PAE))
		return -EFAULT;
	/* Paging cannot be switched off while executing 64-bit code. */
	if (!(v & X86_CR0_PG) && (g->efer & EFER_LMA) && g->cs_long)
		return -EFAULT;
	if (!(v & X86_CR0_WP) && (g->other_cr & X86_CR4_CET))
		return -EFAULT;
	*value = v;
	return 0;
}

static int check_cr4(struct vcr *cr, u64 v, const struct vcr_guest_state *g)
{
	if (v & ~cr->valid)
		return -EFAULT;
	if ((g->efer & EFER_LMA) && !(v & X86_CR4_PAE))
		return -EFAULT;
	/* LA57 cannot change while paging is on in long mode. */
	if ((g->efer & EFER_LMA) && ((v ^ cr->virtual_value) & X86_CR4_LA57))
		return -EFAULT;
	if ((v & X86_CR4_PCIDE) && !(cr->virtual_value & X86_CR4_PCIDE) &&
	    (!(g->efer & EFER_LMA) || (g->cr3 & 0xfff)))
		return -EFAULT;
	if ((v & X86_CR4_CET) && !(g->other_cr & X86_CR0_WP))
		return -EFAULT;
	return 0;
}

int vcr_write(struct vcr *cr, enum vcr_id which, u64 value, const struct vcr_guest_state *g,
	      u32 *effects)
{
	u64 old = cr->virtual_value, changed;
	int err;

	*effects = 0;
	err = which == VCR0 ? check_cr0(&value, g) : check_cr4(cr, value, g);
	if (err)
		return err;
	changed = old ^ value;
	if (which == VCR0) {
		if (changed & CR0_PAGING_BITS)
			*effects |= VCR_FLUSH_TLB;
		/* SDM Vol 3A 9.8.5: PG with EFER.LME set activates IA-32e mode, and back. */
		if ((changed & X86_CR0_PG) && (g->efer & EFER_LME))
			*effects |= (value & X86_CR0_PG) ? VCR_ENTER_LONG : VCR_LEAVE_LONG;
		if ((changed & X86_CR0_PG) && (value & X86_CR0_PG) && (g->other_cr & X86_CR4_PAE) &&
		    !(g->efer & EFER_LME))
			*effects |= VCR_LOAD_PDPTES;
	} else {
		if (changed & CR4_PAGING_BITS)
			*effects |= VCR_FLUSH_TLB;
		if ((changed & (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_SMEP | X86_CR4_SMAP)) &&
		    (value & X86_CR4_PAE) && (g->other_cr & X86_CR0_PG) && !(g->efer & EFER_LMA))
			*effects |= VCR_LOAD_PDPTES;
	}
	cr->virtual_value = value;
	cr->shadow_value = apply_fixed(cr, value);
	return 0;
}

u64 vcr_host_mask(const struct vcr *cr)
{
	return ~cr->guest_owned;
}

u64 vcr_read_shadow(const struct vcr *cr)
{
	return cr->virtual_value;
}
