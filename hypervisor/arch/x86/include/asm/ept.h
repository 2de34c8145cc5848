/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Extended page tables: the guest-physical to host-physical translation of one VM
 * (SDM Vol 3C 29.3). 4-level tables only (guest-physical bits 47:0), built from
 * hv_pages like the hypervisor's own tables (asm/paging.h): table pages are identity
 * mapped, leaves are the largest pages alignment allows, large pages split on demand.
 *
 * Nothing here executes INVEPT. A change that removes or reduces a mapping, moves it to
 * another host-physical address, changes its memory type or frees a table page sets the
 * needs-INVEPT flag; the caller then runs a single-context INVEPT for ept_eptp() on every
 * CPU that runs the VM before that CPU's next VM entry (SDM 29.4.3), and clears the flag.
 * Adding a mapping, or adding permissions, needs no INVEPT: a stale not-present or
 * narrower translation only causes an EPT violation, which the handler retries.
 *
 * Callers serialize changes to one struct ept, and make changes that free table pages
 * (replacing tables by a leaf, unmapping a whole 2 MiB or larger region) only while no
 * CPU runs the VM, since the processor may still walk a freed table until INVEPT; with
 * keep_tables set no change frees one.
 */
#ifndef ASM_EPT_H
#define ASM_EPT_H

#include <bulkhead/types.h>

/* Bits of an EPT paging-structure entry (SDM 29.3.2). */
#define EPT_R	      (1ULL << 0)
#define EPT_W	      (1ULL << 1)
#define EPT_X	      (1ULL << 2) /* supervisor-mode execute with mode-based control */
#define EPT_RWX	      (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT  3 /* bits 5:3, leaves only */
#define EPT_MT_MASK   (7ULL << EPT_MT_SHIFT)
#define EPT_IPAT      (1ULL << 6) /* ignore the guest PAT, leaves only */
#define EPT_LARGE     (1ULL << 7) /* a 1 GiB PDPTE or 2 MiB PDE leaf */
#define EPT_ADDR_MASK 0x000ffffffffff000ULL

/* Guest-physical addresses a 4-level walk translates (SDM 29.3.2). */
#define EPT_GPA_LIMIT (1ULL << 48)
/* Architectural physical-address limit (MAXPHYADDR is at most 52). */
#define EPT_HPA_LIMIT (1ULL << 52)

/* Leaf memory types (SDM 29.3, "EPT and Memory Typing"); 2, 3 and 7 are reserved. */
enum ept_memtype {
	EPT_MT_UC = 0,
	EPT_MT_WC = 1,
	EPT_MT_WT = 4,
	EPT_MT_WP = 5,
	EPT_MT_WB = 6,
};

struct ept {
	u64 *pml4;	  /* identity-mapped root, from hv_pages */
	bool large_1g;	  /* 1 GiB leaves allowed (IA32_VMX_EPT_VPID_CAP bit 17) */
	bool exec_only;	  /* execute-only leaves allowed (IA32_VMX_EPT_VPID_CAP bit 0) */
	bool need_invept; /* see the comment at the top of this file */
	/*
	 * Set once a CPU may run the VM: changes never free a table page then (the processor
	 * may be walking it); a mapping that would replace a table fills it instead. The
	 * tables are freed by ept_destroy().
	 */
	bool keep_tables;
	u64 table_pages; /* table pages in use, the root included */
};

/*
 * Allocates an empty root. allow_1g_pages and allow_execute_only come from the
 * capabilities every CPU running the VM shares. Returns 0 or -ENOMEM.
 */
int ept_init(struct ept *ept, bool allow_1g_pages, bool allow_execute_only);
/* Frees every table page back to hv_pages. The EPT must no longer be in use. */
void ept_destroy(struct ept *ept);

/*
 * Maps guest-physical [gpa, gpa+size) to host-physical [hpa, hpa+size) with perm
 * (EPT_R/EPT_W/EPT_X) and memory type, replacing what was there. Arguments must be
 * 4 KiB aligned, size non-zero, the ranges inside EPT_GPA_LIMIT and EPT_HPA_LIMIT, and
 * perm a combination that is not a misconfiguration (SDM 29.3.3.1); else -EINVAL.
 * Returns -ENOMEM when a table page is missing; the translation is then unchanged.
 */
int ept_map(struct ept *ept, u64 gpa, u64 hpa, u64 size, u32 perm, enum ept_memtype type);
/* Removes [gpa, gpa+size); unmapped parts are skipped. Errors as for ept_map(). */
int ept_unmap(struct ept *ept, u64 gpa, u64 size);

/* Whether any page of [gpa, gpa+size) is mapped (true for a range that wraps). */
bool ept_range_mapped(const struct ept *ept, u64 gpa, u64 size);

/*
 * Software walk of gpa. On success fills the non-NULL outputs: host-physical address,
 * permissions, memory type and the leaf level (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB).
 */
bool ept_translate(const struct ept *ept, u64 gpa, u64 *hpa, u32 *perm, enum ept_memtype *type,
		   int *level);

/*
 * EPTP VM-execution control (SDM 25.6.11): write-back paging structures, 4-level walk.
 * Accessed/dirty flags (bit 6) stay disabled: nothing consumes them yet, and with them
 * enabled guest paging-structure reads count as writes (SDM 29.3, "Accessed and Dirty
 * Flags for EPT").
 */
u64 ept_eptp(const struct ept *ept);

bool ept_needs_invept(const struct ept *ept);
/* Called by the code that ran INVEPT on every CPU of the VM. */
void ept_invept_done(struct ept *ept);

#endif
