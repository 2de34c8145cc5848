// SPDX-License-Identifier: BSD-3-Clause
/*
 * EPT builder (SDM Vol 3C 29.3), the same design as the hypervisor's own tables in
 * arch/x86/paging.c: identity-mapped table pages from hv_pages, the largest leaf that
 * alignment of both addresses and the remaining size allow, large pages split on demand.
 *
 * Every change runs twice over the range. The first pass only prepares: it allocates the
 * missing tables and splits the large pages the change cuts into. Both keep the current
 * translation (a split table maps exactly what the large page did), so running out of
 * table pages there leaves the guest's view unchanged. The second pass writes the leaves
 * and cannot fail, since every table it needs exists by then.
 *
 * Levels: 4 = PML4 (512 GiB per entry), 3 = PDPT (1 GiB), 2 = PD (2 MiB), 1 = PT (4 KiB).
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/string.h>
#include <asm/ept.h>

extern struct page_pool hv_pages;

#define ENTRIES	    512
/*
 * Non-leaf entries allow everything: the leaf alone decides the permissions. Bits 7:3
 * stay 0 (reserved in PML4Es, and bit 7 = 0 is what makes a PDPTE or PDE a table).
 */
#define TABLE_FLAGS EPT_RWX
/* Attribute bits of a leaf that a split copies into every smaller entry. */
#define LEAF_ATTRS  (EPT_RWX | EPT_MT_MASK | EPT_IPAT)

static unsigned int index_at(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (ENTRIES - 1);
}

static u64 level_size(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

/* An entry is present if any of bits 2:0 is set (SDM 29.3.2). */
static bool present(u64 e)
{
	return (e & EPT_RWX) != 0;
}

static bool is_leaf(u64 e, int level)
{
	return level == 1 || (level <= 3 && (e & EPT_LARGE));
}

static u64 *table_of(u64 e)
{
	return (u64 *)(e & EPT_ADDR_MASK);
}

/* Host-physical address of a leaf: bits 51:12, 51:21 or 51:30 by level. */
static u64 leaf_addr(u64 e, int level)
{
	return e & EPT_ADDR_MASK & ~(level_size(level) - 1);
}

static u64 *alloc_table(struct ept *ept)
{
	/* No address limit: only the processor walks these, with 52-bit addresses. */
	paddr_t pa = page_pool_alloc(&hv_pages, 1, 1, 0);

	if (pa == INVALID_PADDR)
		return NULL;
	memset((void *)pa, 0, PAGE_SIZE);
	ept->table_pages++;
	return (u64 *)pa;
}

/* Frees a table and every table below it. */
static void free_table(struct ept *ept, u64 *table, int level)
{
	for (unsigned int i = 0; i < ENTRIES && level > 1; i++) {
		if (present(table[i]) && !is_leaf(table[i], level))
			free_table(ept, table_of(table[i]), level - 1);
	}
	page_pool_free(&hv_pages, (paddr_t)table, 1);
	ept->table_pages--;
}

/*
 * Replaces a large leaf at `level` by a table of 512 smaller leaves with the same
 * attributes covering the same range: the translation does not change, so no INVEPT is
 * needed (the processor may use either form meanwhile; both agree).
 */
static int split_large(struct ept *ept, u64 *entry, int level)
{
	u64 *table = alloc_table(ept);
	u64 base = leaf_addr(*entry, level);
	u64 attrs = *entry & LEAF_ATTRS;

	if (!table)
		return -ENOMEM;
	for (unsigned int i = 0; i < ENTRIES; i++)
		table[i] = (base + i * level_size(level - 1)) | attrs |
			   (level - 1 > 1 ? EPT_LARGE : 0);
	/* Entries first, then the pointer to them: the processor may walk at any time. */
	barrier();
	WRITE_ONCE(*entry, (u64)table | TABLE_FLAGS);
	return 0;
}

/*
 * Does a change of old to new (both leaves or not present) need INVEPT? Only if the
 * processor may have cached a translation that new no longer allows or describes
 * differently (SDM 29.4.3): removal, fewer permissions, another address or type.
 */
static bool reduces(u64 old, u64 new, int level)
{
	if (!present(old))
		return false;
	if (!present(new))
		return true;
	if (leaf_addr(old, level) != leaf_addr(new, level))
		return true;
	if ((old & (EPT_MT_MASK | EPT_IPAT)) != (new &(EPT_MT_MASK | EPT_IPAT)))
		return true;
	return (old & EPT_RWX & ~new) != 0;
}

/* Writes leaf (0 = not present) into entry at level, freeing a table it replaces. */
static void set_leaf(struct ept *ept, u64 *entry, int level, u64 leaf)
{
	u64 old = *entry;

	WRITE_ONCE(*entry, leaf);
	if (present(old) && !is_leaf(old, level)) {
		/* The processor may still hold the table in its paging-structure caches. */
		ept->need_invept = true;
		free_table(ept, table_of(old), level - 1);
	} else if (reduces(old, leaf, level)) {
		ept->need_invept = true;
	}
}

struct change {
	u64 gpa, end;
	u64 hpa;     /* of gpa; unused when unmapping */
	u64 attrs;   /* leaf bits without address and EPT_LARGE; 0 = unmap */
	bool commit; /* false: prepare pass */
};

/* Can the change cover [gpa, gpa + level_size) with one entry at level? */
static bool fits(const struct ept *ept, const struct change *c, u64 gpa, int level)
{
	u64 size = level_size(level);

	if (level == 1)
		return true;
	if (!IS_ALIGNED(gpa, size) || c->end - gpa < size)
		return false;
	if (!c->attrs)
		return true; /* clearing a whole entry at any level */
	if (level == 3 && !ept->large_1g)
		return false;
	return level <= 3 && IS_ALIGNED(c->hpa + (gpa - c->gpa), size);
}

/*
 * One pass over the change (see the top of this file). The prepare pass returns 0 or
 * -ENOMEM; the commit pass always returns 0 after a successful prepare pass.
 */
static int apply(struct ept *ept, const struct change *c)
{
	u64 gpa = c->gpa;

	while (gpa < c->end) {
		u64 *table = ept->pml4;
		int level = 4;

		for (;;) {
			u64 *entry = &table[index_at(gpa, level)];
			int err;

			/* A live EPT keeps its tables: a leaf goes into them instead. */
			if (fits(ept, c, gpa, level) &&
			    !(ept->keep_tables && level > 1 && present(*entry) &&
			      !is_leaf(*entry, level))) {
				if (c->commit) {
					u64 leaf = 0;

					if (c->attrs)
						leaf = (c->hpa + (gpa - c->gpa)) | c->attrs |
						       (level > 1 ? EPT_LARGE : 0);
					set_leaf(ept, entry, level, leaf);
				}
				gpa += level_size(level);
				break;
			}
			if (!present(*entry)) {
				u64 *next;

				if (!c->attrs) {
					/* Nothing mapped here: skip to the end of this entry. */
					gpa = ALIGN_DOWN(gpa, level_size(level)) +
					      level_size(level);
					break;
				}
				/* An empty table maps nothing, like the entry it replaces. */
				next = alloc_table(ept);
				if (!next)
					return -ENOMEM;
				WRITE_ONCE(*entry, (u64)next | TABLE_FLAGS);
			} else if (is_leaf(*entry, level)) {
				err = split_large(ept, entry, level);
				if (err)
					return err;
			}
			table = table_of(*entry);
			level--;
		}
	}
	return 0;
}

static int change_range(struct ept *ept, struct change *c)
{
	int err;

	c->commit = false;
	err = apply(ept, c);
	if (err)
		return err;
	c->commit = true;
	return apply(ept, c);
}

static bool range_ok(u64 addr, u64 size, u64 limit)
{
	return IS_ALIGNED(addr, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE) && size != 0 &&
	       addr < limit && size <= limit - addr;
}

/*
 * Permission combinations that are misconfigurations in a leaf (SDM 29.3.3.1): write
 * without read (010b, 110b), and execute-only (100b) unless the processor supports it.
 * 000b would be "not present": ept_unmap() says that.
 */
static bool perm_ok(const struct ept *ept, u32 perm)
{
	if ((perm & ~(u32)EPT_RWX) || !perm)
		return false;
	if ((perm & EPT_W) && !(perm & EPT_R))
		return false;
	return perm != EPT_X || ept->exec_only;
}

static bool memtype_ok(enum ept_memtype type)
{
	switch (type) {
	case EPT_MT_UC:
	case EPT_MT_WC:
	case EPT_MT_WT:
	case EPT_MT_WP:
	case EPT_MT_WB:
		return true;
	default:
		return false; /* 2, 3, 7: reserved, a misconfiguration */
	}
}

int ept_map(struct ept *ept, u64 gpa, u64 hpa, u64 size, u32 perm, enum ept_memtype type)
{
	struct change c;

	if (!range_ok(gpa, size, EPT_GPA_LIMIT) || !range_ok(hpa, size, EPT_HPA_LIMIT) ||
	    !perm_ok(ept, perm) || !memtype_ok(type))
		return -EINVAL;
	/*
	 * Ignore PAT: the EPT type is the guest's effective type for the page. Otherwise the
	 * guest's PAT combines with it (SDM 29.3, "EPT and Memory Typing") and a guest could,
	 * for example, make passed-through MMIO write-combining, or RAM of another owner UC.
	 */
	c = (struct change){
		.gpa = gpa,
		.end = gpa + size,
		.hpa = hpa,
		.attrs = perm | ((u64)type << EPT_MT_SHIFT) | EPT_IPAT,
	};
	return change_range(ept, &c);
}

int ept_unmap(struct ept *ept, u64 gpa, u64 size)
{
	struct change c = {.gpa = gpa, .end = gpa + size};

	if (!range_ok(gpa, size, EPT_GPA_LIMIT))
		return -EINVAL;
	return change_range(ept, &c);
}

bool ept_translate(const struct ept *ept, u64 gpa, u64 *hpa, u32 *perm, enum ept_memtype *type,
		   int *level)
{
	const u64 *table = ept->pml4;

	if (gpa >= EPT_GPA_LIMIT || !table)
		return false;
	for (int l = 4; l >= 1; l--) {
		u64 e = READ_ONCE(table[index_at(gpa, l)]);

		if (!present(e))
			return false;
		if (!is_leaf(e, l)) {
			table = table_of(e);
			continue;
		}
		if (hpa)
			*hpa = leaf_addr(e, l) | (gpa & (level_size(l) - 1));
		if (perm)
			*perm = e & EPT_RWX;
		if (type)
			*type = (enum ept_memtype)((e & EPT_MT_MASK) >> EPT_MT_SHIFT);
		if (level)
			*level = l;
		return true;
	}
	return false;
}

bool ept_range_mapped(const struct ept *ept, u64 gpa, u64 size)
{
	u64 end = gpa + size;

	if (!ept->pml4 || end < gpa)
		return true;
	while (gpa < end && gpa < EPT_GPA_LIMIT) {
		const u64 *table = ept->pml4;
		int l = 4;

		for (;;) {
			u64 e = READ_ONCE(table[index_at(gpa, l)]);

			if (!present(e)) {
				/* Nothing here: on to the end of the entry. */
				gpa = ALIGN_DOWN(gpa, level_size(l)) + level_size(l);
				break;
			}
			if (is_leaf(e, l))
				return true;
			table = table_of(e);
			l--;
		}
	}
	return false;
}

int ept_init(struct ept *ept, bool allow_1g_pages, bool allow_execute_only)
{
	*ept = (struct ept){
		.large_1g = allow_1g_pages,
		.exec_only = allow_execute_only,
	};
	ept->pml4 = alloc_table(ept);
	return ept->pml4 ? 0 : -ENOMEM;
}

void ept_destroy(struct ept *ept)
{
	if (ept->pml4)
		free_table(ept, ept->pml4, 4);
	ept->pml4 = NULL;
}

u64 ept_eptp(const struct ept *ept)
{
	/*
	 * Bits 2:0: memory type of the paging structures, WB (6), which VMX_FEAT_EPT
	 * requires. Bits 5:3: page-walk length - 1. Bit 6 (A/D) clear, see asm/ept.h.
	 */
	return ((u64)ept->pml4 & EPT_ADDR_MASK) | EPT_MT_WB | (3ULL << 3);
}

bool ept_needs_invept(const struct ept *ept)
{
	return ept->need_invept;
}

void ept_invept_done(struct ept *ept)
{
	ept->need_invept = false;
}
