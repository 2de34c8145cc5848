/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest CR0 and CR4 in three contexts:
 *   virtual - what the guest believes it wrote (and reads back);
 *   shadow  - what the CPU really holds while the guest runs: the virtual value with
 *             the bits the hypervisor must force (VMX fixed bits, e.g. CR4.VMXE and
 *             CR0.NE) applied;
 *   physical - the hypervisor's own value, restored on every exit (not handled here).
 * Bits the VM owns (from the scenario's ownership table) pass straight through; every
 * other bit is host-owned: the VMCS guest/host mask traps writes to it and the read
 * shadow shows the virtual value. vcr_write() is what a MOV-to-CR exit runs.
 */
#ifndef ASM_VCR_H
#define ASM_VCR_H

#include <bulkhead/types.h>

#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_MP (1ULL << 1)
#define X86_CR0_EM (1ULL << 2)
#define X86_CR0_TS (1ULL << 3)
#define X86_CR0_ET (1ULL << 4)
#define X86_CR0_NE (1ULL << 5)
#define X86_CR0_WP (1ULL << 16)
#define X86_CR0_AM (1ULL << 18)
#define X86_CR0_NW (1ULL << 29)
#define X86_CR0_CD (1ULL << 30)
#define X86_CR0_PG (1ULL << 31)

#define X86_CR4_PSE   (1ULL << 4)
#define X86_CR4_PAE   (1ULL << 5)
#define X86_CR4_PGE   (1ULL << 7)
#define X86_CR4_LA57  (1ULL << 12)
#define X86_CR4_VMXE  (1ULL << 13)
#define X86_CR4_SMXE  (1ULL << 14)
#define X86_CR4_PCIDE (1ULL << 17)
#define X86_CR4_SMEP  (1ULL << 20)
#define X86_CR4_SMAP  (1ULL << 21)
#define X86_CR4_PKE   (1ULL << 22)
#define X86_CR4_CET   (1ULL << 23)

enum vcr_id { VCR0, VCR4 };

struct vcr {
	u64 guest_owned; /* from the VM's ownership table */
	u64 fixed0;	 /* bits the CPU requires set while the guest runs */
	u64 fixed1;	 /* bits the CPU allows set (0 = must be clear) */
	u64 valid;	 /* bits the guest may set at all (CR4: per its CPUID) */
	u64 virtual_value;
	u64 shadow_value;
};

/* Guest state that decides whether a write is legal or what it changes. */
struct vcr_guest_state {
	u64 efer;     /* EFER.LME/LMA */
	bool cs_long; /* CS.L: executing 64-bit code */
	u64 cr3;      /* PCID bits must be 0 to set CR4.PCIDE */
	u64 other_cr; /* CR4 when writing CR0, CR0 when writing CR4 */
};

/* Consequences of an accepted write, for the backend to apply. */
#define VCR_FLUSH_TLB	(1U << 0) /* paging-relevant bits changed */
#define VCR_ENTER_LONG	(1U << 1) /* set EFER.LMA and the IA-32e-mode entry control */
#define VCR_LEAVE_LONG	(1U << 2) /* clear them */
#define VCR_LOAD_PDPTES (1U << 3) /* PAE paging without long mode: reload PDPTEs */

/*
 * Sets up a register: the guest starts with init_value (as after RESET/INIT).
 * Returns -EINVAL when the VMX fixed bits cannot be met by any guest value.
 */
int vcr_init(struct vcr *cr, u64 guest_owned, u64 fixed0, u64 fixed1, u64 valid, u64 init_value);
/*
 * A guest write of value (MOV to CR, LMSW, CLTS funnel into this). Returns 0 and fills
 * *effects, or -EFAULT when the CPU would raise #GP: the caller injects #GP(0) and the
 * register is unchanged.
 */
int vcr_write(struct vcr *cr, enum vcr_id which, u64 value, const struct vcr_guest_state *g,
	      u32 *effects);
/* VMCS values: the guest/host mask and the read shadow (SDM Vol 3C 25.6.6). */
u64 vcr_host_mask(const struct vcr *cr);
u64 vcr_read_shadow(const struct vcr *cr);

#endif
