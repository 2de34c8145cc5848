// SPDX-License-Identifier: BSD-3-Clause
/*
 * The 64-bit boot tables (core/guest_boot_tables.c): where they go, that they
 * identity-map what boot.rst requires, the GDT, and the failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <bulkhead/errno.h>
#include <bulkhead/guest_loader.h>

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* Guest RAM: 64 MiB at 0 backed by a host buffer, plus a sparse region above 4 GiB that
 * must be mapped but is never written. */
static u8 *ram;
static struct vm_mem_region regions[2] = {{0, 0, 64 * MiB}, {5 * GiB, 0, 1 * GiB}};
static struct guest_mem mem;

static u64 fake_copy_to(void *ctx, u64 gpa, const void *src, u64 len)
{
	(void)ctx;
	assert_true(gpa + len <= 64 * MiB);
	if (src)
		memcpy(ram + gpa, src, len);
	else
		memset(ram + gpa, 0, len);
	return len;
}

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, 64 * MiB);
	mem = (struct guest_mem){.copy_to = fake_copy_to, .regions = regions, .region_count = 1};
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static u64 rd64(u64 gpa)
{
	u64 v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

/* Walks the tables like the CPU: 4-level, 2 MiB leaves. Returns the physical address. */
static u64 walk(u64 cr3, u64 va)
{
	u64 pml4e = rd64(cr3 + 8 * ((va >> 39) & 511));
	u64 pdpte, pde;

	assert_true(pml4e & 1);
	pdpte = rd64((pml4e & ~0xfffULL) + 8 * ((va >> 30) & 511));
	assert_true(pdpte & 1);
	assert_false(pdpte & 0x80);
	pde = rd64((pdpte & ~0xfffULL) + 8 * ((va >> 21) & 511));
	assert_true((pde & 0x83) == 0x83); /* present, writable, 2 MiB */
	return (pde & ~0x1fffffULL) | (va & 0x1fffff);
}

static void tables_identity_map_4gib_and_avoid_used(void **state)
{
	struct guest_entry e = {.long_mode = true,
				.used = {{0x1000000, 0x3000000}, {0x1000, 0x2000}},
				.used_count = 2};
	u64 cr3 = 0, gdt = 0;

	(void)state;
	assert_int_equal(guest_build_boot_tables(&mem, &e, &cr3, &gdt), 0);
	/* Highest free space below 4 GiB: the top of the 64 MiB region. 4 GiB = 4 PDs. */
	assert_int_equal(gdt, 64 * MiB - 7 * 0x1000);
	assert_int_equal(cr3, gdt + 0x1000);
	for (u64 va = 0; va < 4 * GiB; va += 0x1234567)
		assert_int_equal(walk(cr3, va), va);
	assert_int_equal(walk(cr3, 4 * GiB - 1), 4 * GiB - 1);
	/* The GDT: null, null, 64-bit code at 0x10 (L=1), flat data at 0x18. */
	assert_int_equal(rd64(gdt), 0);
	assert_int_equal(rd64(gdt + 0x10), 0x00af9a000000ffffULL);
	assert_int_equal(rd64(gdt + 0x18), 0x00cf92000000ffffULL);
}

static void tables_cover_ram_above_4gib(void **state)
{
	struct guest_entry e = {.long_mode = true};
	u64 cr3, gdt;

	(void)state;
	mem.region_count = 2; /* RAM up to 6 GiB: 6 page directories */
	assert_int_equal(guest_build_boot_tables(&mem, &e, &cr3, &gdt), 0);
	mem.region_count = 1;
	assert_int_equal(gdt, 64 * MiB - 9 * 0x1000);
	assert_int_equal(walk(cr3, 5 * GiB + 0x123456), 5 * GiB + 0x123456);
	assert_int_equal(walk(cr3, 6 * GiB - 1), 6 * GiB - 1);
}

static void tables_avoid_reserved_ranges(void **state)
{
	struct guest_entry e = {.long_mode = true};
	u64 cr3, gdt;

	(void)state;
	/* The top 16 KiB reserved (say, firmware tables): the 7 pages go right below. */
	mem.reserved[0][0] = 64 * MiB - 0x4000;
	mem.reserved[0][1] = 64 * MiB;
	mem.reserved_count = 1;
	memset(ram + 64 * MiB - 0x4000, 0xaa, 0x4000);
	assert_int_equal(guest_build_boot_tables(&mem, &e, &cr3, &gdt), 0);
	assert_int_equal(gdt, 64 * MiB - 0x4000 - 7 * 0x1000);
	for (u64 a = 64 * MiB - 0x4000; a < 64 * MiB; a++)
		assert_int_equal(ram[a], 0xaa);
}

static void no_room_is_enospc_and_writes_nothing(void **state)
{
	/* Everything but the first page is used. */
	struct guest_entry e = {.long_mode = true, .used = {{0x1000, 64 * MiB}}, .used_count = 1};
	u64 cr3 = 7, gdt = 7;

	(void)state;
	memset(ram, 0xaa, 0x2000);
	assert_int_equal(guest_build_boot_tables(&mem, &e, &cr3, &gdt), -ENOSPC);
	assert_int_equal(cr3, 7);
	assert_int_equal(ram[0], 0xaa);
}

static void ram_beyond_512_gib_is_refused(void **state)
{
	struct vm_mem_region huge[2] = {{0, 0, 64 * MiB}, {600 * GiB, 0, GiB}};
	struct guest_mem m = {.copy_to = fake_copy_to, .regions = huge, .region_count = 2};
	struct guest_entry e = {.long_mode = true};
	u64 cr3, gdt;

	(void)state;
	assert_int_equal(guest_build_boot_tables(&m, &e, &cr3, &gdt), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tables_identity_map_4gib_and_avoid_used, setup,
						teardown),
		cmocka_unit_test_setup_teardown(tables_cover_ram_above_4gib, setup, teardown),
		cmocka_unit_test_setup_teardown(tables_avoid_reserved_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(no_room_is_enospc_and_writes_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ram_beyond_512_gib_is_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
