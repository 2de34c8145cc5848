// SPDX-License-Identifier: BSD-3-Clause
/*
 * The EPT builder, run on the host. "Physical" memory for the tables is a fixed mapping
 * at PHYS_BASE handed to hv_pages, so the identity-mapped table pointers ept.c writes are
 * real host pointers; the test walks the tables like the processor would (SDM Vol 3C
 * 29.3.2) and checks translations, page sizes, leaf attributes, the absence of
 * misconfigurations, the EPTP, table accounting, failure atomicity and when INVEPT is
 * requested.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/page_alloc.h>
#include <asm/ept.h>

#define PHYS_BASE 0x40000000UL
#define PHYS_SIZE (16UL << 20)

#define KB4 0x1000ULL
#define MB2 0x200000ULL
#define GB1 0x40000000ULL

#define RW  (EPT_R | EPT_W)
#define RWX (EPT_R | EPT_W | EPT_X)

struct page_pool hv_pages;
static u64 pool_bitmap[(PHYS_BASE + PHYS_SIZE) / PAGE_SIZE / 64];
static struct ept ept;
static u64 free_at_start;
/* Pages taken from the pool by drain(), not by the EPT. */
static paddr_t drained[PHYS_SIZE / PAGE_SIZE];
static u64 ndrained;

static int setup(void **state)
{
	void *phys = mmap((void *)PHYS_BASE, PHYS_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	(void)state;
	if (phys != (void *)PHYS_BASE) {
		fprintf(stderr, "cannot map test physical memory at 0x%lx\n", PHYS_BASE);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap((void *)PHYS_BASE, PHYS_SIZE);
	return 0;
}

static void fresh_pool(void)
{
	page_pool_init(&hv_pages, pool_bitmap, PHYS_BASE + PHYS_SIZE);
	page_pool_add_free(&hv_pages, PHYS_BASE, PHYS_SIZE);
	free_at_start = page_pool_free_count(&hv_pages);
}

static void build(bool one_gib, bool exec_only)
{
	fresh_pool();
	assert_int_equal(ept_init(&ept, one_gib, exec_only), 0);
	assert_non_null(ept.pml4);
	assert_false(ept_needs_invept(&ept));
}

/* Every test ends here: all table pages go back to the pool. */
static void destroy(void)
{
	ept_destroy(&ept);
	assert_null(ept.pml4);
	assert_int_equal(ept.table_pages, 0);
	assert_int_equal(page_pool_free_count(&hv_pages), free_at_start);
}

static void assert_maps(u64 gpa, u64 hpa, u32 perm, enum ept_memtype type, int level)
{
	u64 h = 0;
	u32 p = 0;
	enum ept_memtype t = EPT_MT_UC;
	int l = 0;

	assert_true(ept_translate(&ept, gpa, &h, &p, &t, &l));
	assert_int_equal(h, hpa);
	assert_int_equal(p, perm);
	assert_int_equal(t, type);
	if (level)
		assert_int_equal(l, level);
}

static int level_of(u64 gpa)
{
	int l = 0;

	assert_true(ept_translate(&ept, gpa, NULL, NULL, NULL, &l));
	return l;
}

struct census {
	u64 leaves, tables, leaf_bytes;
};

/*
 * Walks every entry like the processor and fails on anything that would be an EPT
 * misconfiguration (SDM 29.3.3.1) or violate the builder's rules: tables allow RWX and
 * have bits 7:3 clear, leaves are readable when writable, have a valid memory type and
 * ignore PAT, tables lie in the pool, leaf addresses are aligned to the page size.
 */
static void walk(const u64 *table, int level, struct census *c)
{
	assert_true((u64)table >= PHYS_BASE && (u64)table < PHYS_BASE + PHYS_SIZE);
	c->tables++;
	for (int i = 0; i < 512; i++) {
		u64 e = table[i], size = 1ULL << (12 + 9 * (level - 1));
		u64 mt = (e & EPT_MT_MASK) >> EPT_MT_SHIFT;

		if (!(e & EPT_RWX))
			continue;
		if (level > 1 && !(e & EPT_LARGE)) {
			assert_int_equal(e & 0xff, EPT_RWX);
			walk((const u64 *)(e & EPT_ADDR_MASK), level - 1, c);
			continue;
		}
		assert_true(level <= 3);
		assert_false((e & EPT_W) && !(e & EPT_R));
		assert_true(mt == 0 || mt == 1 || mt == 4 || mt == 5 || mt == 6);
		assert_true(e & EPT_IPAT);
		assert_int_equal(e & EPT_ADDR_MASK & (size - 1), 0);
		assert_int_equal(e & ~(EPT_ADDR_MASK | 0xff), 0);
		c->leaves++;
		c->leaf_bytes += size;
	}
}

static struct census take_census(void)
{
	struct census c = {0};

	walk(ept.pml4, 4, &c);
	assert_int_equal(c.tables, ept.table_pages);
	assert_int_equal(free_at_start - page_pool_free_count(&hv_pages) - ndrained,
			 ept.table_pages);
	return c;
}

static void identity_and_offset_mappings_translate(void **state)
{
	(void)state;
	build(true, false);
	assert_false(ept_translate(&ept, 0, NULL, NULL, NULL, NULL));

	assert_int_equal(ept_map(&ept, 0, 0, 0xa0000, RWX, EPT_MT_WB), 0);
	assert_maps(0, 0, RWX, EPT_MT_WB, 1);
	assert_maps(0x9f123, 0x9f123, RWX, EPT_MT_WB, 1);
	assert_false(ept_translate(&ept, 0xa0000, NULL, NULL, NULL, NULL));

	/* Guest RAM at 4 GiB backed by host memory at 9 GiB + 6 MiB. */
	assert_int_equal(ept_map(&ept, 4 * GB1, 9 * GB1 + 3 * MB2, GB1, RW, EPT_MT_WB), 0);
	assert_maps(4 * GB1, 9 * GB1 + 3 * MB2, RW, EPT_MT_WB, 2);
	assert_maps(5 * GB1 - 8, 10 * GB1 + 3 * MB2 - 8, RW, EPT_MT_WB, 2);
	assert_false(ept_translate(&ept, 5 * GB1, NULL, NULL, NULL, NULL));
	assert_false(ept_translate(&ept, 4 * GB1 - KB4, NULL, NULL, NULL, NULL));

	/* Top of the guest-physical space and of the host-physical space. */
	assert_int_equal(
		ept_map(&ept, EPT_GPA_LIMIT - KB4, EPT_HPA_LIMIT - KB4, KB4, EPT_R, EPT_MT_UC), 0);
	assert_maps(EPT_GPA_LIMIT - 1, EPT_HPA_LIMIT - 1, EPT_R, EPT_MT_UC, 1);
	assert_false(ept_translate(&ept, EPT_GPA_LIMIT, NULL, NULL, NULL, NULL));
	take_census();
	destroy();
}

/* [base - 4K, base + 2M + 1G + 2M + 4K) with base 1 GiB - 2 MiB: every page size once. */
static void map_mixed(bool identity)
{
	u64 gpa = GB1 - MB2 - KB4, hpa = identity ? gpa : gpa + 8 * GB1;

	assert_int_equal(ept_map(&ept, gpa, hpa, KB4 + MB2 + GB1 + MB2 + KB4, RWX, EPT_MT_WB), 0);
}

static void largest_pages_are_used(void **state)
{
	(void)state;
	build(true, false);
	map_mixed(false);
	assert_int_equal(level_of(GB1 - MB2 - KB4), 1); /* unaligned head */
	assert_int_equal(level_of(GB1 - MB2), 2);
	assert_int_equal(level_of(GB1), 3);
	assert_int_equal(level_of(2 * GB1 - 1), 3);
	assert_int_equal(level_of(2 * GB1), 2);
	assert_int_equal(level_of(2 * GB1 + MB2), 1); /* tail */
	assert_maps(GB1 + 0x12345, 9 * GB1 + 0x12345, RWX, EPT_MT_WB, 3);
	assert_false(ept_translate(&ept, 2 * GB1 + MB2 + KB4, NULL, NULL, NULL, NULL));
	assert_int_equal(take_census().leaf_bytes, KB4 + MB2 + GB1 + MB2 + KB4);
	destroy();

	/* Without 1 GiB support the same range takes 2 MiB pages. */
	build(false, false);
	map_mixed(true);
	assert_int_equal(level_of(GB1), 2);
	assert_int_equal(level_of(2 * GB1 - 1), 2);
	assert_maps(GB1 + 0x12345, GB1 + 0x12345, RWX, EPT_MT_WB, 2);
	assert_int_equal(take_census().leaves, 1 + 1 + 512 + 1 + 1);
	destroy();
}

static void differently_aligned_addresses_use_smaller_pages(void **state)
{
	(void)state;
	build(true, false);
	/* gpa 1 GiB aligned, hpa only 2 MiB aligned: 2 MiB pages. */
	assert_int_equal(ept_map(&ept, GB1, 3 * GB1 + MB2, GB1, RW, EPT_MT_WB), 0);
	assert_int_equal(level_of(GB1), 2);
	assert_maps(2 * GB1 - KB4, 4 * GB1 + MB2 - KB4, RW, EPT_MT_WB, 2);
	/* gpa 2 MiB aligned, hpa only 4 KiB aligned: 4 KiB pages. */
	assert_int_equal(ept_map(&ept, 4 * MB2, 0x1001000, 2 * MB2, RW, EPT_MT_WB), 0);
	assert_int_equal(level_of(4 * MB2), 1);
	assert_maps(6 * MB2 - KB4, 0x1001000 + 2 * MB2 - KB4, RW, EPT_MT_WB, 1);
	/* hpa aligned, gpa not. */
	assert_int_equal(ept_map(&ept, 3 * GB1 + KB4, 4 * GB1, MB2, RW, EPT_MT_WB), 0);
	assert_int_equal(level_of(3 * GB1 + KB4), 1);
	take_census();
	destroy();
}

static void partial_changes_split_and_keep_the_rest(void **state)
{
	u64 page = GB1 + 5 * MB2 + 7 * KB4;

	(void)state;
	build(true, false);
	assert_int_equal(ept_map(&ept, GB1, 6 * GB1, GB1, RWX, EPT_MT_WB), 0);
	assert_int_equal(level_of(GB1), 3);

	/* Remap one page elsewhere, read-only and uncached (e.g. a trapped MMIO page). */
	assert_int_equal(ept_map(&ept, page, 0xfed00000ULL, KB4, EPT_R, EPT_MT_UC), 0);
	assert_maps(page, 0xfed00000ULL, EPT_R, EPT_MT_UC, 1);
	assert_maps(page - KB4, 6 * GB1 + (page - KB4 - GB1), RWX, EPT_MT_WB, 1);
	assert_maps(page + KB4, 6 * GB1 + (page + KB4 - GB1), RWX, EPT_MT_WB, 1);
	assert_maps(GB1, 6 * GB1, RWX, EPT_MT_WB, 2);
	assert_maps(2 * GB1 - 1, 7 * GB1 - 1, RWX, EPT_MT_WB, 2);
	assert_int_equal(take_census().leaf_bytes, GB1);

	/* Unmap 2 MiB inside: one PD entry cleared, the rest intact. */
	assert_int_equal(ept_unmap(&ept, GB1 + 100 * MB2, MB2), 0);
	assert_false(ept_translate(&ept, GB1 + 100 * MB2, NULL, NULL, NULL, NULL));
	assert_false(ept_translate(&ept, GB1 + 101 * MB2 - 1, NULL, NULL, NULL, NULL));
	assert_maps(GB1 + 101 * MB2, 6 * GB1 + 101 * MB2, RWX, EPT_MT_WB, 2);
	assert_maps(GB1 + 100 * MB2 - 1, 6 * GB1 + 100 * MB2 - 1, RWX, EPT_MT_WB, 2);

	/* Unmap across the 4 KiB region's edge. */
	assert_int_equal(ept_unmap(&ept, page, MB2), 0);
	assert_false(ept_translate(&ept, page, NULL, NULL, NULL, NULL));
	assert_false(ept_translate(&ept, page + MB2 - 1, NULL, NULL, NULL, NULL));
	assert_maps(page - KB4, 6 * GB1 + (page - KB4 - GB1), RWX, EPT_MT_WB, 1);
	assert_maps(page + MB2, 6 * GB1 + (page + MB2 - GB1), RWX, EPT_MT_WB, 1);
	assert_int_equal(take_census().leaf_bytes, GB1 - 2 * MB2);

	/* Unmapping what is not mapped is no error and changes nothing. */
	assert_int_equal(ept_unmap(&ept, 200 * GB1, 3 * GB1), 0);
	assert_int_equal(take_census().leaf_bytes, GB1 - 2 * MB2);

	/* A 1 GiB remap over the split region frees its tables again. */
	assert_int_equal(ept_map(&ept, GB1, 6 * GB1, GB1, RWX, EPT_MT_WB), 0);
	assert_int_equal(level_of(page), 3);
	assert_int_equal(take_census().tables, 2);
	destroy();
}

static void unmapping_everything_frees_tables(void **state)
{
	(void)state;
	build(false, false);
	assert_int_equal(ept_map(&ept, 0, KB4, 8 * MB2, RW, EPT_MT_WB), 0); /* 4 KiB pages */
	assert_int_equal(take_census().tables, 1 + 1 + 1 + 8);
	assert_int_equal(ept_unmap(&ept, 0, 512 * GB1), 0);
	assert_int_equal(take_census().tables, 1);
	assert_int_equal(take_census().leaves, 0);
	destroy();
}

/* A live EPT (keep_tables): no change frees a table another CPU may be walking. */
static void live_ept_keeps_its_tables(void **state)
{
	u64 tables;

	(void)state;
	build(false, false);
	ept.keep_tables = true;
	assert_int_equal(ept_map(&ept, 0, KB4, 8 * MB2, RW, EPT_MT_WB), 0); /* 4 KiB pages */
	tables = ept.table_pages;
	assert_int_equal(tables, 1 + 1 + 1 + 8);
	/* Unmapping whole 2 MiB ranges clears the leaves, keeps the tables. */
	assert_int_equal(ept_unmap(&ept, 0, 4 * MB2), 0);
	assert_int_equal(ept.table_pages, tables);
	assert_false(ept_translate(&ept, MB2, NULL, NULL, NULL, NULL));
	assert_maps(4 * MB2, 4 * MB2 + KB4, RW, EPT_MT_WB, 1);
	/* A 2 MiB-aligned mapping over a table fills the table instead of replacing it. */
	assert_int_equal(ept_map(&ept, 0, 0, MB2, RW, EPT_MT_UC), 0);
	assert_int_equal(ept.table_pages, tables);
	assert_maps(0x1000, 0x1000, RW, EPT_MT_UC, 1);
	assert_int_equal(take_census().tables, tables);
	/* Where no table is, large leaves are still used. */
	assert_int_equal(ept_map(&ept, 64 * MB2, 64 * MB2, MB2, RW, EPT_MT_UC), 0);
	assert_int_equal(level_of(64 * MB2), 2);
	destroy();
}

static void range_mapped_finds_any_page(void **state)
{
	(void)state;
	build(true, false);
	assert_false(ept_range_mapped(&ept, 0, 512 * GB1));
	assert_int_equal(ept_map(&ept, 5 * MB2 + KB4, KB4, KB4, RW, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, 2 * GB1, 0, GB1, RW, EPT_MT_WB), 0); /* a 1 GiB leaf */
	assert_false(ept_range_mapped(&ept, 0, 5 * MB2 + KB4));
	assert_true(ept_range_mapped(&ept, 0, 5 * MB2 + 2 * KB4));
	assert_true(ept_range_mapped(&ept, 5 * MB2 + KB4, KB4));
	assert_false(ept_range_mapped(&ept, 5 * MB2 + 2 * KB4, GB1));
	assert_true(ept_range_mapped(&ept, 2 * GB1 + GB1 - KB4, KB4));
	assert_false(ept_range_mapped(&ept, 3 * GB1, 509 * GB1));
	assert_true(ept_range_mapped(&ept, ~0ULL - KB4, 2 * KB4)); /* wraps */
	destroy();
}

static void leaves_carry_memory_type_and_ignore_pat(void **state)
{
	const enum ept_memtype types[] = {EPT_MT_UC, EPT_MT_WC, EPT_MT_WT, EPT_MT_WP, EPT_MT_WB};

	(void)state;
	build(true, false);
	for (unsigned int i = 0; i < 5; i++) {
		u64 gpa = i * GB1, *pdpte;

		assert_int_equal(ept_map(&ept, gpa, gpa, GB1, RW, types[i]), 0);
		pdpte = (u64 *)(ept.pml4[0] & EPT_ADDR_MASK) + i;
		assert_int_equal((*pdpte & EPT_MT_MASK) >> EPT_MT_SHIFT, types[i]);
		assert_true(*pdpte & EPT_IPAT);
		assert_true(*pdpte & EPT_LARGE);
		assert_int_equal(*pdpte & EPT_ADDR_MASK, gpa);
		assert_maps(gpa + 0x5000, gpa + 0x5000, RW, types[i], 3);
	}
	/* A split copies type and ignore-PAT into the smaller leaves. */
	assert_int_equal(ept_map(&ept, KB4, KB4, KB4, EPT_R, EPT_MT_WB), 0);
	assert_maps(2 * KB4, 2 * KB4, RW, EPT_MT_UC, 1);
	assert_maps(MB2, MB2, RW, EPT_MT_UC, 2);
	take_census(); /* checks ignore-PAT in every leaf */
	destroy();
}

static void misconfigurations_and_bad_arguments_are_rejected(void **state)
{
	(void)state;
	build(true, false);
	/* Write without read, execute-only without support, nothing, unknown bits. */
	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_W, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_W | EPT_X, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_X, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, 0, KB4, 0, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_R | 8, EPT_MT_WB), -EINVAL);
	/* Reserved memory types. */
	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_R, (enum ept_memtype)2), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_R, (enum ept_memtype)3), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_R, (enum ept_memtype)7), -EINVAL);
	/* Alignment, size, wrap-around, limits. */
	assert_int_equal(ept_map(&ept, 0x800, 0, KB4, EPT_R, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, 0x800, KB4, EPT_R, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, 0, 100, EPT_R, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, 0, 0, EPT_R, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, ~0xfffULL, 0, 2 * KB4, EPT_R, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, ~0xfffULL, 2 * KB4, EPT_R, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, EPT_GPA_LIMIT, 0, KB4, EPT_R, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, EPT_GPA_LIMIT - KB4, 0, 2 * KB4, EPT_R, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, EPT_HPA_LIMIT, KB4, EPT_R, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, 0, EPT_HPA_LIMIT - KB4, 2 * KB4, EPT_R, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_unmap(&ept, 0x800, KB4), -EINVAL);
	assert_int_equal(ept_unmap(&ept, 0, 0), -EINVAL);
	assert_int_equal(ept_unmap(&ept, ~0xfffULL, 2 * KB4), -EINVAL);
	/* Rejected calls allocated and mapped nothing. */
	assert_int_equal(take_census().tables, 1);
	assert_int_equal(take_census().leaves, 0);

	/* Allowed: read-only, read-execute, and execute-only where supported. */
	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_R, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, KB4, KB4, KB4, EPT_R | EPT_X, EPT_MT_WB), 0);
	destroy();
	build(true, true);
	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_X, EPT_MT_WB), 0);
	assert_maps(0, 0, EPT_X, EPT_MT_WB, 1);
	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_W | EPT_X, EPT_MT_WB), -EINVAL);
	destroy();
}

static void no_leaf_is_writable_without_read(void **state)
{
	struct census c;

	(void)state;
	build(true, true);
	map_mixed(false);
	assert_int_equal(ept_map(&ept, GB1 + 3 * KB4, 0x5000, KB4, EPT_X, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, GB1 + 9 * MB2, 0x5000, MB2, EPT_R, EPT_MT_UC), 0);
	assert_int_equal(ept_map(&ept, 10 * GB1, 0, 3 * GB1, RW, EPT_MT_WB), 0);
	assert_int_equal(ept_unmap(&ept, 11 * GB1 + KB4, KB4), 0);
	assert_int_equal(ept_map(&ept, 300 * GB1, 0x123000, 5 * MB2, EPT_R | EPT_X, EPT_MT_WT), 0);
	c = take_census(); /* walks and checks every entry */
	assert_true(c.leaves > 1000);
	destroy();
}

static void eptp_has_the_architectural_format(void **state)
{
	u64 eptp;

	(void)state;
	build(true, false);
	eptp = ept_eptp(&ept);
	assert_int_equal(eptp & 7, 6);			   /* WB paging structures */
	assert_int_equal((eptp >> 3) & 7, 3);		   /* 4-level walk */
	assert_int_equal(eptp & (1ULL << 6), 0);	   /* no A/D flags */
	assert_int_equal(eptp & 0xf80, 0);		   /* reserved 11:7 */
	assert_int_equal(eptp >> 52, 0);		   /* reserved 63:52 */
	assert_int_equal(eptp & ~0xfffULL, (u64)ept.pml4); /* the root */
	destroy();
}

static void destroy_returns_every_table_page(void **state)
{
	(void)state;
	build(true, false);
	map_mixed(false);
	assert_int_equal(ept_map(&ept, 40 * GB1 + KB4, 0x3000, 3 * MB2, RW, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, 600 * GB1, 0, GB1, RW, EPT_MT_WB), 0);
	assert_int_equal(ept_unmap(&ept, GB1 + KB4, KB4), 0);
	assert_true(page_pool_free_count(&hv_pages) < free_at_start - 8);
	take_census();
	destroy(); /* checks the pool is back at its start value */
}

/* Takes every free page but `keep`, to give back with undrain(). */
static void drain(u64 keep)
{
	ndrained = 0;
	while (page_pool_free_count(&hv_pages) > keep) {
		drained[ndrained] = page_pool_alloc(&hv_pages, 1, 1, 0);
		assert_int_not_equal(drained[ndrained], INVALID_PADDR);
		ndrained++;
	}
}

static void undrain(void)
{
	while (ndrained)
		assert_int_equal(page_pool_free(&hv_pages, drained[--ndrained], 1), 0);
}

static void check_big_mapping_intact(void)
{
	for (u64 off = 0; off < GB1; off += 0x3ff000)
		assert_maps(GB1 + off, 6 * GB1 + off, RWX, EPT_MT_WB, 0);
	assert_int_equal(take_census().leaf_bytes, GB1);
}

static void exhaustion_leaves_the_mapping_intact(void **state)
{
	u64 tables;

	(void)state;
	build(true, false);
	assert_int_equal(ept_map(&ept, GB1, 6 * GB1, GB1, RWX, EPT_MT_WB), 0);
	tables = ept.table_pages;

	/* One page short: the 1 GiB page splits, the 2 MiB one cannot. */
	drain(1);
	assert_int_equal(ept_map(&ept, GB1 + 3 * KB4, 0, KB4, EPT_R, EPT_MT_UC), -ENOMEM);
	check_big_mapping_intact();
	assert_int_equal(ept_unmap(&ept, GB1 + 5 * KB4, KB4), -ENOMEM);
	check_big_mapping_intact();
	/*
	 * The first 2 MiB of this change need no table, the 4 KiB after them a split that
	 * fails: the 2 MiB must keep their old attributes too.
	 */
	assert_int_equal(ept_map(&ept, GB1 + 2 * MB2, 0, MB2 + KB4, EPT_R, EPT_MT_UC), -ENOMEM);
	check_big_mapping_intact();
	assert_maps(GB1 + 2 * MB2, 6 * GB1 + 2 * MB2, RWX, EPT_MT_WB, 2);
	/* A new region needing two tables fails without mapping part of it. */
	assert_int_equal(ept_map(&ept, 900 * GB1, 0, MB2, RW, EPT_MT_WB), -ENOMEM);
	assert_false(ept_translate(&ept, 900 * GB1, NULL, NULL, NULL, NULL));
	assert_false(ept_needs_invept(&ept));
	assert_int_equal(ept.table_pages, tables + 1); /* the split PD stays, harmless */

	/* With pages back, the same changes succeed. */
	undrain();
	assert_int_equal(ept_map(&ept, GB1 + 3 * KB4, 0, KB4, EPT_R, EPT_MT_UC), 0);
	assert_maps(GB1 + 3 * KB4, 0, EPT_R, EPT_MT_UC, 1);
	assert_int_equal(ept_map(&ept, 900 * GB1, 0, MB2, RW, EPT_MT_WB), 0);
	assert_maps(900 * GB1, 0, RW, EPT_MT_WB, 2);
	take_census();
	destroy();
}

static void needs_invept_tracks_reductions_only(void **state)
{
	(void)state;
	build(true, false);
	/* New mappings and more permissions: a stale entry only causes an EPT violation. */
	assert_int_equal(ept_map(&ept, 0, 0, 4 * MB2, EPT_R, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, GB1, 2 * GB1, GB1, EPT_R, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, 0, 0, 4 * MB2, RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, 0, 0, 4 * MB2, RWX, EPT_MT_WB), 0); /* same again */
	assert_int_equal(ept_unmap(&ept, 5 * GB1, GB1), 0);		   /* not mapped */
	/* Splitting keeps the translation. */
	assert_int_equal(ept_map(&ept, GB1 + KB4, 2 * GB1 + KB4, KB4, RWX, EPT_MT_WB), 0);
	assert_false(ept_needs_invept(&ept));

	assert_int_equal(ept_map(&ept, 0, 0, KB4, EPT_R, EPT_MT_WB), 0); /* fewer rights */
	assert_true(ept_needs_invept(&ept));
	ept_invept_done(&ept);
	assert_false(ept_needs_invept(&ept));

	assert_int_equal(ept_map(&ept, MB2, MB2, KB4, RWX, EPT_MT_UC), 0); /* type */
	assert_true(ept_needs_invept(&ept));
	ept_invept_done(&ept);

	assert_int_equal(ept_map(&ept, 2 * MB2, 8 * MB2, MB2, RWX, EPT_MT_WB), 0); /* address */
	assert_true(ept_needs_invept(&ept));
	ept_invept_done(&ept);

	assert_int_equal(ept_unmap(&ept, 3 * MB2, KB4), 0); /* removal */
	assert_true(ept_needs_invept(&ept));
	ept_invept_done(&ept);

	/* Replacing a table by a large leaf frees a table the processor may cache. */
	assert_int_equal(ept_map(&ept, GB1, 2 * GB1, GB1, RWX, EPT_MT_WB), 0);
	assert_true(ept_needs_invept(&ept));
	destroy();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity_and_offset_mappings_translate),
		cmocka_unit_test(largest_pages_are_used),
		cmocka_unit_test(differently_aligned_addresses_use_smaller_pages),
		cmocka_unit_test(partial_changes_split_and_keep_the_rest),
		cmocka_unit_test(unmapping_everything_frees_tables),
		cmocka_unit_test(leaves_carry_memory_type_and_ignore_pat),
		cmocka_unit_test(misconfigurations_and_bad_arguments_are_rejected),
		cmocka_unit_test(no_leaf_is_writable_without_read),
		cmocka_unit_test(eptp_has_the_architectural_format),
		cmocka_unit_test(destroy_returns_every_table_page),
		cmocka_unit_test(exhaustion_leaves_the_mapping_intact),
		cmocka_unit_test(needs_invept_tracks_reductions_only),
		cmocka_unit_test(live_ept_keeps_its_tables),
		cmocka_unit_test(range_mapped_finds_any_page),
	};
	return cmocka_run_group_tests_name("ept", tests, setup, teardown);
}
