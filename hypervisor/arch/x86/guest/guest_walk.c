// SPDX-License-Identifier: BSD-3-Clause
/*
 * Software walk of the guest's paging structures (asm/guest_walk.h). Entry formats from
 * SDM Vol 3A 4.3 (32-bit), 4.4 (PAE), 4.5 (4- and 5-level); access rights from 4.6;
 * the page-fault error code from 4.7; accessed and dirty flags from 4.8.
 */
#include <bulkhead/errno.h>
#include <asm/guest_walk.h>
#include <asm/msr-index.h>
#include <asm/paging.h>
#include <asm/vcr.h>

#define RFLAGS_AC (1ULL << 18)

/* Retries of the whole walk when the guest changes an entry under the A/D update. */
#define AD_UPDATE_TRIES 4

enum guest_paging { PAGING_32, PAGING_PAE, PAGING_4LEVEL, PAGING_5LEVEL };

/* One paging-structure entry the translation used, for the A/D update. */
struct walk_entry {
	u64 gpa;
	u64 value;
	bool has_ad; /* PAE PDPTEs have no accessed flag */
};

struct walk {
	struct walk_entry entries[5];
	unsigned int n;
	unsigned int entry_size;
	bool user;     /* U/S = 1 in every entry */
	bool writable; /* R/W = 1 in every entry */
	bool nx;       /* XD = 1 in some entry (with EFER.NXE) */
	u64 gpa;
};

static u64 bits(unsigned int hi, unsigned int lo)
{
	return (~0ULL >> (63 - hi)) & ~((1ULL << lo) - 1);
}

static unsigned int maxphyaddr(const struct guest_walk_ctx *c)
{
	if (c->maxphyaddr < 32)
		return 32;
	return c->maxphyaddr > 52 ? 52 : c->maxphyaddr;
}

static enum guest_paging paging_mode(const struct guest_walk_ctx *c)
{
	if (c->efer & EFER_LMA)
		return (c->cr4 & X86_CR4_LA57) ? PAGING_5LEVEL : PAGING_4LEVEL;
	return (c->cr4 & X86_CR4_PAE) ? PAGING_PAE : PAGING_32;
}

static int read_entry(const struct guest_walk_ctx *c, u64 gpa, unsigned int size, u64 *value)
{
	u32 v32;

	*value = 0;
	if (size == 4) {
		if (c->read_gpa(c, gpa, &v32, 4))
			return -EIO;
		*value = v32;
		return 0;
	}
	return c->read_gpa(c, gpa, value, 8) ? -EIO : 0;
}

/* Records an entry and folds its permissions into the walk. */
static void use_entry(struct walk *w, u64 gpa, u64 e, bool has_perms, bool nxe)
{
	w->entries[w->n++] = (struct walk_entry){.gpa = gpa, .value = e, .has_ad = has_perms};
	if (!has_perms)
		return;
	w->user = w->user && (e & PTE_US);
	w->writable = w->writable && (e & PTE_RW);
	w->nx = w->nx || (nxe && (e & PTE_NX));
}

/*
 * 32-bit paging (Vol 3A 4.3, tables 4-4 to 4-6). Only a 4-MByte PDE has reserved
 * bits: 21:(M-19), M = min(MAXPHYADDR, 40), with bits (M-20):13 holding address bits
 * (M-1):32 (PSE-36).
 */
static int walk_32bit(const struct guest_walk_ctx *c, u32 la, struct walk *w, u32 *pferr)
{
	unsigned int m = maxphyaddr(c) > 40 ? 40 : maxphyaddr(c);
	u64 gpa = (c->cr3 & 0xfffff000ULL) + ((la >> 22) & 0x3ff) * 4, e;

	w->entry_size = 4;
	if (read_entry(c, gpa, 4, &e))
		return -EIO;
	if (!(e & PTE_P))
		return -EFAULT;
	use_entry(w, gpa, e, true, false);
	if ((c->cr4 & X86_CR4_PSE) && (e & PTE_PS)) {
		if (e & bits(21, m - 19)) {
			*pferr |= PFERR_RSVD | PFERR_PRESENT;
			return -EFAULT;
		}
		w->gpa = (e & 0xffc00000ULL) | (la & 0x3fffff);
		if (m > 32)
			w->gpa |= ((e >> 13) & bits(m - 33, 0)) << 32;
		return 0;
	}
	gpa = (e & 0xfffff000ULL) + ((la >> 12) & 0x3ff) * 4;
	if (read_entry(c, gpa, 4, &e))
		return -EIO;
	if (!(e & PTE_P))
		return -EFAULT;
	use_entry(w, gpa, e, true, false);
	w->gpa = (e & 0xfffff000ULL) | (la & 0xfff);
	return 0;
}

/*
 * Reserved bits of a present 64-bit entry at the level that translates bits
 * shift+8:shift (Vol 3A tables 4-8 to 4-11 for PAE, 4-14 to 4-20 for 4- and 5-level).
 */
static u64 reserved_bits(const struct guest_walk_ctx *c, enum guest_paging mode, unsigned int shift,
			 u64 e)
{
	unsigned int m = maxphyaddr(c);
	u64 rsvd;

	if (mode == PAGING_PAE && shift == 30) /* PDPTE */
		return bits(63, m) | bits(2, 1) | bits(8, 5);
	/* Bits 62:52 are ignored (or protection keys) with 4- and 5-level paging. */
	rsvd = mode == PAGING_PAE ? bits(62, m) : m < 52 ? bits(51, m) : 0;
	if (!(c->efer & EFER_NXE))
		rsvd |= PTE_NX;
	if (shift >= 39) /* PML5E, PML4E: no large pages */
		rsvd |= PTE_PS;
	else if (shift == 30 && (e & PTE_PS))
		rsvd |= c->gbpages ? bits(29, 13) : PTE_PS;
	else if (shift == 21 && (e & PTE_PS))
		rsvd |= bits(20, 13);
	return rsvd;
}

/* PAE, 4-level and 5-level paging: 512 8-byte entries per table (PAE PDPT: 4). */
static int walk_64bit(const struct guest_walk_ctx *c, enum guest_paging mode, u64 la,
		      struct walk *w, u32 *pferr)
{
	bool nxe = c->efer & EFER_NXE;
	u64 addr_mask = bits(maxphyaddr(c) - 1, 12);
	unsigned int shift = mode == PAGING_5LEVEL ? 48 : mode == PAGING_4LEVEL ? 39 : 30;
	u64 table = c->cr3 & addr_mask, gpa, e;

	w->entry_size = 8;
	for (;; shift -= 9) {
		bool pae_pdpte = mode == PAGING_PAE && shift == 30;

		if (pae_pdpte) {
			/* Vol 3A 4.4.1: the PDPT is 32-byte aligned, bits 31:5 of CR3. */
			gpa = (c->cr3 & 0xffffffe0ULL) + ((la >> 30) & 3) * 8;
			if (c->pdptes)
				e = c->pdptes[(la >> 30) & 3];
			else if (read_entry(c, gpa, 8, &e))
				return -EIO;
		} else {
			gpa = table + ((la >> shift) & 0x1ff) * 8;
			if (read_entry(c, gpa, 8, &e))
				return -EIO;
		}
		if (!(e & PTE_P))
			return -EFAULT;
		if (e & reserved_bits(c, mode, shift, e)) {
			*pferr |= PFERR_RSVD | PFERR_PRESENT;
			return -EFAULT;
		}
		use_entry(w, gpa, e, !pae_pdpte, nxe);
		if (shift == 12 || (!pae_pdpte && shift <= 30 && (e & PTE_PS))) {
			u64 page = bits(shift - 1, 0);

			w->gpa = (e & addr_mask & ~page) | (la & page);
			return 0;
		}
		table = e & addr_mask;
	}
}

/* Vol 3A 4.6.1. Returns false when the access is not allowed. */
static bool access_allowed(const struct guest_walk_ctx *c, const struct walk *w, u32 access)
{
	bool user = (access & GUEST_ACC_USER) && !(access & GUEST_ACC_IMPLICIT);
	/* SMAP blocks supervisor data accesses to user pages unless AC=1 and explicit. */
	bool smap_blocks = (c->cr4 & X86_CR4_SMAP) && w->user &&
			   ((access & GUEST_ACC_IMPLICIT) || !(c->rflags & RFLAGS_AC));

	if (access & GUEST_ACC_FETCH) {
		if (w->nx)
			return false;
		if (user)
			return w->user;
		return !(w->user && (c->cr4 & X86_CR4_SMEP));
	}
	if (user)
		return w->user && (!(access & GUEST_ACC_WRITE) || w->writable);
	if (smap_blocks)
		return false;
	if ((access & GUEST_ACC_WRITE) && (c->cr0 & X86_CR0_WP))
		return w->writable;
	return true;
}

/*
 * Sets A in every entry used and D in the leaf for a write. Returns 0, -EBUSY when an
 * entry changed since it was read (walk again), or -EIO.
 */
static int update_accessed_dirty(const struct guest_walk_ctx *c, const struct walk *w, u32 access)
{
	bool write = (access & GUEST_ACC_WRITE) && !(access & GUEST_ACC_FETCH);
	unsigned int i;
	int ret;

	for (i = 0; i < w->n; i++) {
		const struct walk_entry *we = &w->entries[i];
		u64 want = we->value | PTE_A;

		if (!we->has_ad)
			continue;
		if (write && i == w->n - 1)
			want |= PTE_D;
		if (want == we->value)
			continue;
		ret = c->cmpxchg_gpa(c, we->gpa, we->value, want, w->entry_size);
		if (ret == -EBUSY)
			return ret;
		if (ret)
			return -EIO;
	}
	return 0;
}

static bool canonical(u64 la, unsigned int width)
{
	u64 top = la >> (width - 1);

	return top == 0 || top == (~0ULL >> (width - 1));
}

static int walk_once(const struct guest_walk_ctx *c, u64 la, u32 access, u64 *gpa, u32 *pferr)
{
	enum guest_paging mode = paging_mode(c);
	struct walk w = {.user = true, .writable = true};
	int ret;

	if (mode == PAGING_32)
		ret = walk_32bit(c, la, &w, pferr);
	else
		ret = walk_64bit(c, mode, la, &w, pferr);
	if (ret)
		return ret;
	if (!access_allowed(c, &w, access)) {
		*pferr |= PFERR_PRESENT;
		return -EFAULT;
	}
	if (c->cmpxchg_gpa) {
		ret = update_accessed_dirty(c, &w, access);
		if (ret)
			return ret;
	}
	*gpa = w.gpa;
	return 0;
}

int guest_walk(const struct guest_walk_ctx *c, u64 linear, u32 access, u64 *gpa,
	       struct guest_fault *fault)
{
	enum guest_paging mode = paging_mode(c);
	u32 pferr = 0;
	unsigned int tries;
	int ret;

	if (!(c->cr0 & X86_CR0_PG)) {
		*gpa = linear & 0xffffffffULL;
		return 0;
	}
	if (mode == PAGING_4LEVEL || mode == PAGING_5LEVEL) {
		if (!canonical(linear, mode == PAGING_5LEVEL ? 57 : 48))
			return -ERANGE;
	} else {
		linear &= 0xffffffffULL;
	}

	if (access & GUEST_ACC_FETCH)
		access &= ~GUEST_ACC_WRITE;
	for (tries = 0; tries < AD_UPDATE_TRIES; tries++) {
		pferr = 0;
		ret = walk_once(c, linear, access, gpa, &pferr);
		if (ret != -EBUSY)
			break;
	}
	if (ret != -EFAULT)
		return ret;

	/* Vol 3A 4.7: I/D only with SMEP or with NXE under PAE/4-level/5-level paging. */
	if (access & GUEST_ACC_WRITE)
		pferr |= PFERR_WRITE;
	if ((access & GUEST_ACC_USER) && !(access & GUEST_ACC_IMPLICIT))
		pferr |= PFERR_USER;
	if ((access & GUEST_ACC_FETCH) &&
	    ((c->cr4 & X86_CR4_SMEP) || (mode != PAGING_32 && (c->efer & EFER_NXE))))
		pferr |= PFERR_FETCH;
	fault->error_code = pferr;
	fault->address = linear;
	return -EFAULT;
}
