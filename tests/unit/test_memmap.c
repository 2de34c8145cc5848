// SPDX-License-Identifier: BSD-3-Clause
/*
 * The memory map: each overlap geometry by hand, the full table, and random sequences of
 * additions held against a model that simply records the type of every unit of address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/memmap.h>

#define A MEM_RAM
#define B MEM_RESERVED
#define C MEM_ACPI
#define D MEM_HYPERVISOR

static struct memmap map;

/* Sorted, non-overlapping, non-empty, and touching neighbours differ in type. */
static void assert_invariants(const struct memmap *m)
{
	assert_true(m->count <= MEMMAP_MAX_RANGES);
	for (size_t i = 0; i < m->count; i++) {
		const struct mem_range *r = &m->ranges[i];

		assert_true(r->size > 0);
		assert_true(r->base + r->size > r->base);
		if (i) {
			const struct mem_range *p = &m->ranges[i - 1];

			assert_true(p->base + p->size <= r->base);
			if (p->base + p->size == r->base)
				assert_int_not_equal(p->type, r->type);
		}
	}
}

struct want {
	paddr_t base;
	u64 size;
	enum mem_type type;
};

static void assert_map(const struct want *w, size_t n)
{
	assert_invariants(&map);
	if (map.count != n) {
		for (size_t i = 0; i < map.count; i++)
			print_message("  [%#llx, +%#llx) %d\n",
				      (unsigned long long)map.ranges[i].base,
				      (unsigned long long)map.ranges[i].size, map.ranges[i].type);
		fail_msg("%zu ranges, want %zu", map.count, n);
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(map.ranges[i].base, w[i].base);
		assert_int_equal(map.ranges[i].size, w[i].size);
		assert_int_equal(map.ranges[i].type, w[i].type);
	}
}

#define ASSERT_MAP(...)                                     \
	do {                                                \
		const struct want w_[] = {__VA_ARGS__};     \
		assert_map(w_, sizeof(w_) / sizeof(w_[0])); \
	} while (0)

/* [100, 200) of type A, then one addition of type t over [base, end). */
static void add_over_a(paddr_t base, paddr_t end, enum mem_type t)
{
	memmap_init(&map);
	assert_int_equal(memmap_add(&map, 100, 100, A), 0);
	assert_int_equal(memmap_add(&map, base, end - base, t), 0);
}

static void overlap_geometries(void **state)
{
	(void)state;
	add_over_a(0, 50, B); /* apart, below */
	ASSERT_MAP({0, 50, B}, {100, 100, A});
	add_over_a(50, 100, B); /* touching below */
	ASSERT_MAP({50, 50, B}, {100, 100, A});
	add_over_a(50, 150, B); /* over the low end */
	ASSERT_MAP({50, 100, B}, {150, 50, A});
	add_over_a(100, 150, B); /* same base, shorter */
	ASSERT_MAP({100, 50, B}, {150, 50, A});
	add_over_a(120, 150, B); /* strictly inside: splits in two */
	ASSERT_MAP({100, 20, A}, {120, 30, B}, {150, 50, A});
	add_over_a(150, 200, B); /* same end, shorter */
	ASSERT_MAP({100, 50, A}, {150, 50, B});
	add_over_a(100, 200, B); /* exactly */
	ASSERT_MAP({100, 100, B});
	add_over_a(50, 250, B); /* covering */
	ASSERT_MAP({50, 200, B});
	add_over_a(150, 250, B); /* over the high end */
	ASSERT_MAP({100, 50, A}, {150, 100, B});
	add_over_a(200, 250, B); /* touching above */
	ASSERT_MAP({100, 100, A}, {200, 50, B});
	add_over_a(300, 350, B); /* apart, above */
	ASSERT_MAP({100, 100, A}, {300, 50, B});
}

static void same_type_merges(void **state)
{
	(void)state;
	add_over_a(50, 100, A);
	ASSERT_MAP({50, 150, A});
	add_over_a(200, 300, A);
	ASSERT_MAP({100, 200, A});
	add_over_a(120, 150, A);
	ASSERT_MAP({100, 100, A});
	add_over_a(0, 50, A); /* a gap keeps them apart */
	ASSERT_MAP({0, 50, A}, {100, 100, A});

	/* Filling the hole between two A ranges joins all three. */
	memmap_init(&map);
	assert_int_equal(memmap_add(&map, 0, 10, A), 0);
	assert_int_equal(memmap_add(&map, 10, 10, B), 0);
	assert_int_equal(memmap_add(&map, 20, 10, A), 0);
	assert_int_equal(memmap_add(&map, 10, 10, A), 0);
	ASSERT_MAP({0, 30, A});
}

static void spanning_several_ranges(void **state)
{
	(void)state;
	memmap_init(&map);
	assert_int_equal(memmap_add(&map, 0, 10, A), 0);
	assert_int_equal(memmap_add(&map, 10, 10, B), 0);
	assert_int_equal(memmap_add(&map, 20, 10, C), 0);
	assert_int_equal(memmap_add(&map, 40, 10, B), 0);
	assert_int_equal(memmap_add(&map, 5, 20, D), 0);
	ASSERT_MAP({0, 5, A}, {5, 20, D}, {25, 5, C}, {40, 10, B});
	/* Over the gap too, ending inside a range of its own type. */
	assert_int_equal(memmap_add(&map, 28, 15, B), 0);
	ASSERT_MAP({0, 5, A}, {5, 20, D}, {25, 3, C}, {28, 22, B});
}

static void invalid_additions_change_nothing(void **state)
{
	struct memmap before;

	(void)state;
	memmap_init(&map);
	assert_int_equal(memmap_add(&map, 0x1000, 0x1000, A), 0);
	before = map;
	assert_int_equal(memmap_add(&map, 0x5000, 0, A), -EINVAL);
	assert_int_equal(memmap_add(&map, UINT64_MAX - 10, 20, A), -EINVAL);
	/* An end of 2^64 cannot be represented either. */
	assert_int_equal(memmap_add(&map, UINT64_MAX - 9, 10, A), -EINVAL);
	assert_int_equal(memmap_add(&map, 0x5000, 0x1000, 0), -EINVAL);
	assert_int_equal(memmap_add(&map, 0x5000, 0x1000, MEM_GUEST + 1), -EINVAL);
	assert_memory_equal(&map, &before, sizeof(map));
	/* The last representable byte is fine. */
	assert_int_equal(memmap_add(&map, UINT64_MAX - 9, 9, B), 0);
	assert_int_equal(memmap_type_at(&map, UINT64_MAX - 1), B);
	assert_int_equal(memmap_type_at(&map, UINT64_MAX), 0);
}

/* 128 ranges with gaps between them, alternating types so none can merge. */
static void fill_table(void)
{
	memmap_init(&map);
	for (u64 i = 0; i < MEMMAP_MAX_RANGES; i++)
		assert_int_equal(memmap_add(&map, i * 0x10000, 0x8000, i % 2 ? A : B), 0);
	assert_int_equal(map.count, MEMMAP_MAX_RANGES);
}

static void full_table_refuses_without_damage(void **state)
{
	struct memmap before;

	(void)state;
	fill_table();
	before = map;
	/* A new range in a gap, at either end, or splitting one range: all need a slot. */
	assert_int_equal(memmap_add(&map, 0x9000, 0x1000, C), -ENOSPC);
	assert_int_equal(memmap_add(&map, 0x10000000, 0x1000, C), -ENOSPC);
	assert_int_equal(memmap_add(&map, 0x11000, 0x1000, C), -ENOSPC);
	assert_int_equal(map.dropped, 3);
	before.dropped = 3;
	assert_memory_equal(&map, &before, sizeof(map));

	/* Changes that need no extra slot still work. */
	assert_int_equal(memmap_add(&map, 0x10000, 0x8000, C), 0); /* retype in place */
	assert_int_equal(map.count, MEMMAP_MAX_RANGES);
	assert_int_equal(memmap_add(&map, 0x18000, 0x9000, B), 0); /* grow into a gap */
	assert_int_equal(map.count, MEMMAP_MAX_RANGES);
	assert_int_equal(memmap_add(&map, 0x0, 0x30000, D), 0); /* swallow three */
	assert_int_equal(map.count, MEMMAP_MAX_RANGES - 2);
	assert_invariants(&map);
	assert_int_equal(memmap_type_at(&map, 0x2ffff), D);
	assert_int_equal(memmap_type_at(&map, 0x30000), A);

	/* Now two slots are free: a split (one becomes three) fits exactly once. */
	assert_int_equal(memmap_add(&map, 0x51000, 0x1000, C), 0);
	assert_int_equal(map.count, MEMMAP_MAX_RANGES);
	assert_int_equal(memmap_add(&map, 0x71000, 0x1000, C), -ENOSPC);
	assert_invariants(&map);
}

static void lookups(void **state)
{
	(void)state;
	memmap_init(&map);
	assert_int_equal(memmap_type_at(&map, 0), 0);
	assert_int_equal(memmap_end(&map, A), 0);
	assert_int_equal(memmap_total(&map, A), 0);
	assert_int_equal(memmap_add(&map, 0x1000, 0x9f000, A), 0);
	assert_int_equal(memmap_add(&map, 0x100000, 0x7ff00000, A), 0);
	assert_int_equal(memmap_add(&map, 0xa0000, 0x60000, B), 0);
	assert_int_equal(memmap_add(&map, 0x200000, 0x100000, D), 0);
	assert_int_equal(memmap_type_at(&map, 0xfff), 0);
	assert_int_equal(memmap_type_at(&map, 0x1000), A);
	assert_int_equal(memmap_type_at(&map, 0x9ffff), A);
	assert_int_equal(memmap_type_at(&map, 0xa0000), B);
	assert_int_equal(memmap_type_at(&map, 0x1fffff), A);
	assert_int_equal(memmap_type_at(&map, 0x2fffff), D);
	assert_int_equal(memmap_type_at(&map, 0x7fffffff), A);
	assert_int_equal(memmap_type_at(&map, 0x80000000), 0);
	assert_int_equal(memmap_total(&map, A), 0x9f000 + 0x7ff00000 - 0x100000);
	assert_int_equal(memmap_total(&map, D), 0x100000);
	assert_int_equal(memmap_end(&map, A), 0x80000000);
	assert_int_equal(memmap_end(&map, B), 0x100000);
	assert_int_equal(memmap_end(&map, C), 0);
}

static void find_free_takes_the_highest_fit(void **state)
{
	(void)state;
	memmap_init(&map);
	assert_int_equal(memmap_add(&map, 0x1000, 0x9f000, A), 0);
	assert_int_equal(memmap_add(&map, 0x100000, 0x300000, A), 0);
	assert_int_equal(memmap_add(&map, 0x200000, 0x1000, B), 0);
	assert_int_equal(memmap_add(&map, 0x500000, 0x100000, C), 0);

	assert_int_equal(memmap_find_free(&map, 0x1000, 0x1000, 0, UINT64_MAX), 0x3ff000);
	assert_int_equal(memmap_find_free(&map, 0x10000, 0x1000, 0, UINT64_MAX), 0x3f0000);
	/* The only 2 MiB-aligned RAM candidate, 0x200000, is the reserved page. */
	assert_int_equal(memmap_find_free(&map, 0x1000, 0x200000, 0, UINT64_MAX), INVALID_PADDR);
	assert_int_equal(memmap_find_free(&map, 0x2000, 0x100000, 0, UINT64_MAX), 0x300000);
	/* max is exclusive for the block's end; min bounds its base. */
	assert_int_equal(memmap_find_free(&map, 0x1000, 0x1000, 0, 0x200000), 0x1ff000);
	assert_int_equal(memmap_find_free(&map, 0x1000, 0x1000, 0, 0x100800), 0xa0000 - 0x1000);
	assert_int_equal(memmap_find_free(&map, 0x1000, 0x1000, 0x3ff001, UINT64_MAX),
			 INVALID_PADDR);
	assert_int_equal(memmap_find_free(&map, 0x1000, 0x1000, 0x3fe800, UINT64_MAX), 0x3ff000);
	/* Never across the reserved page, though RAM lies on both sides. */
	assert_int_equal(memmap_find_free(&map, 0x2000, 0x1000, 0x1ff000, 0x202000), INVALID_PADDR);
	/* Only RAM counts, and a block larger than any RAM range fails. */
	assert_int_equal(memmap_find_free(&map, 0x1000, 0x1000, 0x500000, UINT64_MAX),
			 INVALID_PADDR);
	assert_int_equal(memmap_find_free(&map, 0x200000, 0x1000, 0, UINT64_MAX), INVALID_PADDR);
	assert_int_equal(memmap_find_free(&map, 0x1ff000, 0x1000, 0, UINT64_MAX), 0x201000);
	/* Bad arguments. */
	assert_int_equal(memmap_find_free(&map, 0, 0x1000, 0, UINT64_MAX), INVALID_PADDR);
	assert_int_equal(memmap_find_free(&map, 0x1000, 0x3000, 0, UINT64_MAX), INVALID_PADDR);
	/* Alignment below a page is raised to a page. */
	assert_int_equal(memmap_find_free(&map, 0x800, 16, 0, 0x3fffff), 0x3ff000);
}

/* The model: the type of each unit of address in [0, UNITS). */
#define UNITS 256

static void check_against_model(const u8 *model, u64 unit)
{
	u64 totals[MEM_GUEST + 1] = {0};
	paddr_t ends[MEM_GUEST + 1] = {0};

	assert_invariants(&map);
	for (u64 u = 0; u < UNITS; u++) {
		assert_int_equal(memmap_type_at(&map, u * unit), model[u]);
		assert_int_equal(memmap_type_at(&map, u * unit + unit - 1), model[u]);
		if (model[u]) {
			totals[model[u]] += unit;
			ends[model[u]] = (u + 1) * unit;
		}
	}
	assert_int_equal(memmap_type_at(&map, UNITS * unit), 0);
	for (int t = MEM_RAM; t <= MEM_GUEST; t++) {
		assert_int_equal(memmap_total(&map, t), totals[t]);
		assert_int_equal(memmap_end(&map, t), ends[t]);
	}
}

/* Brute force: the highest aligned base whose units are all RAM and within bounds. */
static paddr_t model_find_free(const u8 *model, u64 npages, u64 align_pages, u64 min_page,
			       u64 max_page)
{
	for (u64 b = UNITS; b-- > 0;) {
		bool ok = b % align_pages == 0 && b >= min_page && b + npages <= max_page &&
			  b + npages <= UNITS;

		for (u64 i = 0; ok && i < npages; i++)
			ok = model[b + i] == MEM_RAM;
		if (ok)
			return b * 4096;
	}
	return INVALID_PADDR;
}

/* Returns how many additions the full table refused. */
static int random_additions(u64 unit, unsigned int seed, bool filling)
{
	int reset_every = filling ? 1 << 30 : 500;
	u8 model[UNITS] = {0};
	int refused = 0;

	memmap_init(&map);
	for (int step = 0; step < 3000; step++) {
		u64 base = (u64)(rand_r(&seed) % UNITS);
		/* Mostly short ranges; single units of any type to fill the table up. */
		bool wide = !filling && rand_r(&seed) % 4 == 0;
		u64 size = filling ? 1 : 1 + (u64)(rand_r(&seed) % (wide ? UNITS - base : 8));
		enum mem_type t = filling	      ? MEM_RAM + rand_r(&seed) % 10
				  : rand_r(&seed) % 2 ? MEM_RAM
						      : MEM_RAM + 1 + rand_r(&seed) % 3;
		struct memmap before;
		int ret;

		if (base + size > UNITS)
			size = UNITS - base;
		/* Now and then start over, so both sparse and crowded maps occur. */
		if (step % reset_every == 0) {
			memmap_init(&map);
			memset(model, 0, sizeof(model));
		}
		before = map;
		ret = memmap_add(&map, base * unit, size * unit, t);
		if (ret == -ENOSPC) {
			/* Refused means untouched, apart from the count of losses. */
			before.dropped++;
			assert_memory_equal(&map, &before, sizeof(map));
			refused++;
		} else {
			assert_int_equal(ret, 0);
			memset(model + base, t, size);
		}
		check_against_model(model, unit);

		if (unit == 4096) {
			u64 np = 1 + (u64)(rand_r(&seed) % 6);
			u64 al = 1ULL << (rand_r(&seed) % 4);
			u64 lo = (u64)(rand_r(&seed) % UNITS);
			u64 hi = lo + (u64)(rand_r(&seed) % (UNITS + 8 - lo));

			assert_int_equal(
				memmap_find_free(&map, np * 4096, al * 4096, lo * 4096, hi * 4096),
				model_find_free(model, np, al, lo, hi));
		}
	}
	return refused;
}

static void random_additions_match_model(void **state)
{
	(void)state;
	assert_int_equal(random_additions(4096, 7, false), 0);
	assert_int_equal(random_additions(1, 99, false), 0);
	assert_int_equal(random_additions(0x1000000000ULL, 12345, false), 0);
	/* Never starting over, the map fills up: refusals must happen and be clean. */
	assert_true(random_additions(4096, 4242, true) > 0);
}

static void type_names(void **state)
{
	(void)state;
	for (int t = MEM_RAM; t <= MEM_GUEST; t++) {
		assert_non_null(mem_type_name(t));
		assert_string_not_equal(mem_type_name(t), "UNKNOWN");
		for (int u = MEM_RAM; u < t; u++)
			assert_string_not_equal(mem_type_name(t), mem_type_name(u));
	}
	assert_string_equal(mem_type_name(MEM_RAM), "RAM");
	assert_string_equal(mem_type_name(MEM_NVS), "NVS");
	assert_string_equal(mem_type_name(MEM_BOOTINFO), "BOOTINFO");
	assert_string_equal(mem_type_name(0), "UNKNOWN");
	assert_string_equal(mem_type_name(MEM_GUEST + 1), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overlap_geometries),
		cmocka_unit_test(same_type_merges),
		cmocka_unit_test(spanning_several_ranges),
		cmocka_unit_test(invalid_additions_change_nothing),
		cmocka_unit_test(full_table_refuses_without_damage),
		cmocka_unit_test(lookups),
		cmocka_unit_test(find_free_takes_the_highest_fit),
		cmocka_unit_test(random_additions_match_model),
		cmocka_unit_test(type_names),
	};
	return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
