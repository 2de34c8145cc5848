// SPDX-License-Identifier: BSD-3-Clause
/*
 * The hypervisor page-table builder, run on the host. "Physical" memory for the tables is
 * a fixed mapping at PHYS_BASE, so the identity-mapped pointers paging.c writes are real
 * host pointers; the test then walks the tables like the MMU would and checks the
 * invariants: W^X everywhere, NX outside text, caching by memory type, page 0 unmapped,
 * identity translation, large pages where possible.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/memmap.h>
#include <bulkhead/page_alloc.h>
#include <asm/paging.h>
#include "fake_hw.h"

#define PHYS_BASE 0x40000000UL
#define PHYS_SIZE (16UL << 20)

/* Layout given to the linker by suites/paging.mk. */
#define HV_START   0x1000000ULL
#define TEXT_END   0x100b000ULL
#define RODATA_END 0x100d000ULL
#define BSS_END	   0x1060000ULL
#define HV_END	   0x1064000ULL

struct page_pool hv_pages;
static u64 pool_bitmap[(PHYS_BASE + PHYS_SIZE) / PAGE_SIZE / 64];
static struct memmap map;

struct walk {
	bool present;
	u64 pte;
	int level; /* 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB */
	u64 pa;
};

static struct walk translate(u64 va)
{
	const u64 *table = (const u64 *)fake_cr3;
	struct walk w = {0};

	for (int level = 4; level >= 1; level--) {
		u64 e = table[(va >> (12 + 9 * (level - 1))) & 511];
		u64 size = 1ULL << (12 + 9 * (level - 1));

		if (!(e & PTE_P))
			return w;
		if (level == 1 || (e & PTE_PS)) {
			w.present = true;
			w.pte = e;
			w.level = level;
			w.pa = (e & PTE_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
			return w;
		}
		/* Permission bits live in the leaf; tables must not restrict or set NX. */
		assert_true(e & PTE_RW);
		assert_false(e & PTE_NX);
		table = (const u64 *)(e & PTE_ADDR_MASK);
	}
	return w;
}

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

/* A Bochs-like machine with 6 GiB: RAM below and above the 32-bit PCI hole. */
static void build(bool one_gib_pages)
{
	fake_hw_reset();
	if (one_gib_pages)
		fake_cpuid_set(0x80000001, 0, 0, 0, 0, 1U << 26);
	page_pool_init(&hv_pages, pool_bitmap, PHYS_BASE + PHYS_SIZE);
	page_pool_add_free(&hv_pages, PHYS_BASE, PHYS_SIZE);

	memmap_init(&map);
	assert_int_equal(memmap_add(&map, 0, 0x9f000, MEM_RAM), 0);
	assert_int_equal(memmap_add(&map, 0x9f000, 0x1000, MEM_RESERVED), 0);
	assert_int_equal(memmap_add(&map, 0xe8000, 0x18000, MEM_RESERVED), 0);
	assert_int_equal(memmap_add(&map, 0x100000, 0xbfef0000ULL, MEM_RAM), 0);
	assert_int_equal(memmap_add(&map, 0xbfff0000ULL, 0x10000, MEM_ACPI), 0);
	assert_int_equal(memmap_add(&map, 0xfffc0000ULL, 0x40000, MEM_RESERVED), 0);
	assert_int_equal(memmap_add(&map, 0x100000000ULL, 0x80000000ULL, MEM_RAM), 0);
	assert_int_equal(memmap_add(&map, HV_START, HV_END - HV_START, MEM_HYPERVISOR), 0);
	assert_int_equal(paging_init(&map), 0);
	assert_int_not_equal(fake_cr3, 0);
	assert_int_equal(fake_cr3, paging_root());
	assert_true(fake_cr3 < (1ULL << 32));
}

static void assert_leaf(u64 va, bool rw, bool nx, bool uncached)
{
	struct walk w = translate(va);

	assert_true(w.present);
	assert_int_equal(w.pa, va); /* identity */
	assert_int_equal(!!(w.pte & PTE_RW), rw);
	assert_int_equal(!!(w.pte & PTE_NX), nx);
	assert_int_equal(!!(w.pte & PTE_PCD) && !!(w.pte & PTE_PWT), uncached);
	assert_false(w.pte & PTE_US);
}

static void image_sections_get_their_permissions(void **state)
{
	(void)state;
	build(true);
	assert_leaf(HV_START, false, false, false); /* text: RX */
	assert_leaf(TEXT_END - 1, false, false, false);
	assert_leaf(TEXT_END, false, true, false);  /* rodata: R */
	assert_leaf(RODATA_END, true, true, false); /* data/bss: RW NX */
	assert_leaf(BSS_END - 1, true, true, false);
	assert_leaf(BSS_END, false, true, false); /* symbol table: R */
	assert_leaf(HV_END, true, true, false);	  /* RAM after the image */
	assert_int_equal(translate(HV_START).level, 1);
}

static void memory_types_select_caching(void **state)
{
	(void)state;
	build(true);
	assert_leaf(0x1000, true, true, false);		 /* low RAM */
	assert_leaf(0x9f000, true, true, true);		 /* firmware reserved */
	assert_leaf(0xa0000, true, true, true);		 /* hole: legacy VGA */
	assert_leaf(0xbfff0000ULL, true, true, false);	 /* ACPI tables: write-back */
	assert_leaf(0xfec00000ULL, true, true, true);	 /* hole: IOAPIC */
	assert_leaf(0xfee00000ULL, true, true, true);	 /* hole: LAPIC */
	assert_leaf(0x17fffffffULL, true, true, false);	 /* RAM above 4 GiB */
	assert_false(translate(0x180000000ULL).present); /* nothing above RAM */
}

static void page_zero_is_not_mapped(void **state)
{
	(void)state;
	build(true);
	assert_false(translate(0).present);
	assert_false(translate(0xfff).present);
	assert_true(translate(0x1000).present);
}

static void large_pages_are_used_where_aligned(void **state)
{
	(void)state;
	build(true);
	assert_int_equal(translate(0x40000000ULL).level, 3); /* 1-2 GiB: 1 GiB page */
	assert_int_equal(translate(0x100000000ULL).level, 3);
	assert_int_equal(translate(0x200000).level, 2); /* 2 MiB below the image */
	assert_int_equal(translate(0x100000).level, 1); /* 1 MiB: not 2 MiB aligned */

	build(false);
	assert_int_equal(translate(0x40000000ULL).level, 2);
	assert_int_equal(translate(0x100000000ULL).level, 2);
}

/* Walks every leaf: none may be both writable and executable. */
static void count_leaves(const u64 *table, int level, u64 base, u64 *wx, u64 *exec_outside_text)
{
	for (int i = 0; i < 512; i++) {
		u64 e = table[i], size = 1ULL << (12 + 9 * (level - 1));
		u64 va = base + (u64)i * size;

		if (!(e & PTE_P))
			continue;
		if (level > 1 && !(e & PTE_PS)) {
			count_leaves((const u64 *)(e & PTE_ADDR_MASK), level - 1, va, wx,
				     exec_outside_text);
			continue;
		}
		if ((e & PTE_RW) && !(e & PTE_NX))
			(*wx)++;
		if (!(e & PTE_NX) && (va < HV_START || va + size > TEXT_END))
			(*exec_outside_text)++;
	}
}

static void no_mapping_is_writable_and_executable(void **state)
{
	u64 wx = 0, exec_outside = 0;

	(void)state;
	build(true);
	count_leaves((const u64 *)fake_cr3, 4, 0, &wx, &exec_outside);
	assert_int_equal(wx, 0);
	assert_int_equal(exec_outside, 0);
}

static void live_changes_split_large_pages_and_flush(void **state)
{
	u64 guard = 0x40000000ULL + 0x123000;

	(void)state;
	build(true);
	fake_tlb_flushes = 0;
	assert_int_equal(paging_unmap(guard, PAGE_SIZE), 0);
	assert_false(translate(guard).present);
	assert_int_equal(fake_tlb_flushes, 1);
	/* The rest of the former 1 GiB page keeps its mapping, now in smaller pages. */
	assert_leaf(guard - PAGE_SIZE, true, true, false);
	assert_leaf(guard + PAGE_SIZE, true, true, false);
	assert_int_equal(translate(guard + PAGE_SIZE).level, 1);
	assert_int_equal(translate(0x40000000ULL + 0x400000).level, 2);

	/* Code page below 1 MiB (AP start-up): read-only and executable. */
	assert_int_equal(paging_map(0x9d000, PAGE_SIZE, PROT_RX), 0);
	assert_leaf(0x9d000, false, false, false);
	assert_leaf(0x9e000, true, true, false);
}

static void bad_arguments_are_rejected(void **state)
{
	(void)state;
	build(true);
	assert_int_equal(paging_map(0x1001, PAGE_SIZE, PROT_RW_NX), -EINVAL);
	assert_int_equal(paging_map(0x1000, 100, PROT_RW_NX), -EINVAL);
	assert_int_equal(paging_unmap(0xfffffffffffff000ULL, 0x2000), -EINVAL);
}

static void table_exhaustion_is_an_error(void **state)
{
	(void)state;
	build(true);
	/* Leave no free frame: the next split needs a table page. */
	while (page_pool_alloc(&hv_pages, 1, 1, 0) != INVALID_PADDR)
		;
	assert_int_equal(paging_unmap(0x40000000ULL + 0x200000, PAGE_SIZE), -ENOMEM);
	/* The failed split left the existing mapping intact. */
	assert_leaf(0x40000000ULL + 0x200000, true, true, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(image_sections_get_their_permissions),
		cmocka_unit_test(memory_types_select_caching),
		cmocka_unit_test(page_zero_is_not_mapped),
		cmocka_unit_test(large_pages_are_used_where_aligned),
		cmocka_unit_test(no_mapping_is_writable_and_executable),
		cmocka_unit_test(live_changes_split_large_pages_and_flush),
		cmocka_unit_test(bad_arguments_are_rejected),
		cmocka_unit_test(table_exhaustion_is_an_error),
	};
	return cmocka_run_group_tests_name("paging", tests, setup, teardown);
}
