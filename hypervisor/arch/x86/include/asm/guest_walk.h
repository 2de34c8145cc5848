/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest linear to guest-physical translation: the guest's own paging structures walked
 * in software as the MMU would (SDM Vol 3A chapter 4), for the emulator's memory
 * operands and for fetching the instruction at CS:RIP.
 *
 * Modes: paging off, 32-bit paging (4 MiB pages with CR4.PSE, PSE-36), PAE paging,
 * 4-level and 5-level paging (CR4.LA57), chosen from CR0.PG, CR4.PAE, EFER.LMA and
 * CR4.LA57 (Vol 3A 4.1.1). Checked: present bits, reserved bits (Vol 3A 4.3-4.5 against
 * MAXPHYADDR, EFER.NXE and 1-GByte page support), U/S, R/W with CR0.WP, XD with
 * EFER.NXE, SMEP and SMAP with RFLAGS.AC (Vol 3A 4.6). Not checked: protection keys
 * (CR4.PKE, PKRU) and CET shadow-stack pages; the emulator's accesses are ordinary data
 * accesses, and a guest that relies on keys against its own kernel's MMIO emulation only
 * weakens itself.
 *
 * Accessed and dirty flags (Vol 3A 4.8) are set when the caller provides cmpxchg_gpa:
 * A in every entry used, D in the leaf for a write, only once the translation has
 * succeeded; with a compare-exchange so that a concurrent guest update is not lost.
 * Without cmpxchg_gpa they are left alone.
 */
#ifndef ASM_GUEST_WALK_H
#define ASM_GUEST_WALK_H

#include <bulkhead/types.h>

/* Access types for guest_walk(). FETCH takes precedence over WRITE. */
#define GUEST_ACC_WRITE	   (1U << 0)
#define GUEST_ACC_USER	   (1U << 1) /* CPL 3 */
#define GUEST_ACC_FETCH	   (1U << 2)
#define GUEST_ACC_IMPLICIT (1U << 3) /* implicit supervisor access (GDT, IDT, TSS...) */

/* #PF error code bits (Vol 3A 4.7). */
#define PFERR_PRESENT (1U << 0) /* 0: not-present entry; 1: protection or reserved bit */
#define PFERR_WRITE   (1U << 1)
#define PFERR_USER    (1U << 2)
#define PFERR_RSVD    (1U << 3)
#define PFERR_FETCH   (1U << 4)

/* A page fault for the caller to inject: vector 14, this error code, CR2 = address. */
struct guest_fault {
	u32 error_code;
	u64 address;
};

struct guest_walk_ctx {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	u64 rflags;    /* AC, for SMAP */
	u8 maxphyaddr; /* guest CPUID.80000008H:EAX[7:0], 32 to 52 */
	bool gbpages;  /* guest CPUID.80000001H:EDX.Page1GB[26] */
	/*
	 * PAE paging: the four PDPTEs the CPU loaded with CR3 (the VMCS guest PDPTE fields
	 * under EPT, Vol 3C 28.4.1). NULL: read them from memory at CR3.
	 */
	const u64 *pdptes;
	/* Reads size bytes of guest-physical memory. 0 or a negative code. */
	int (*read_gpa)(const struct guest_walk_ctx *c, u64 gpa, void *buf, size_t size);
	/*
	 * Optional (NULL: accessed/dirty flags are not set). Atomically replaces the size-byte
	 * (4 or 8) entry at gpa with new_val if it still holds old. Returns 0, -EBUSY when it
	 * did not hold old, or another negative code.
	 */
	int (*cmpxchg_gpa)(const struct guest_walk_ctx *c, u64 gpa, u64 old, u64 new_val,
			   size_t size);
	void *opaque; /* the caller's */
};

/*
 * Translates linear for an access of type access (GUEST_ACC_*). In modes without 64-bit
 * linear addresses only bits 31:0 are used. Returns:
 *   0 - *gpa is the guest-physical address of the byte at linear;
 *   -EFAULT - the guest takes a #PF: *fault holds the error code and CR2;
 *   -ERANGE - linear is not canonical (4- and 5-level paging): #GP(0) or #SS(0), no #PF;
 *   -EIO - read_gpa or cmpxchg_gpa failed (the paging structures are not in guest RAM,
 *          or the host could not read them): not a guest fault, the caller's policy;
 *   -EBUSY - the guest kept changing an entry while the A/D flags were being set:
 *          resume the guest without emulating, it will retry the access.
 */
int guest_walk(const struct guest_walk_ctx *c, u64 linear, u32 access, u64 *gpa,
	       struct guest_fault *fault);

#endif
