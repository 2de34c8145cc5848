// SPDX-License-Identifier: BSD-3-Clause
/*
 * The page allocator: bitmap sizing, partial frames, alignment, the address limit,
 * exhaustion, fragmentation, double frees, and a random workload checked against a
 * model that knows which frames are free.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/page_alloc.h>
#include "fake_log.h"

static struct page_pool pool;
static u64 *bitmap;

static void pool_setup(paddr_t limit)
{
	free(bitmap);
	/* Poisoned, so any bit init forgets to set shows up. */
	bitmap = malloc(page_pool_bitmap_bytes(limit) + 1);
	assert_non_null(bitmap);
	memset(bitmap, 0x5a, page_pool_bitmap_bytes(limit));
	page_pool_init(&pool, bitmap, limit);
}

static int teardown(void **state)
{
	(void)state;
	free(bitmap);
	bitmap = NULL;
	return 0;
}

static bool frame_used(u64 f)
{
	return bitmap[f / 64] >> (f % 64) & 1;
}

static paddr_t alloc(u64 npages, u64 align, paddr_t max)
{
	paddr_t a = page_pool_alloc(&pool, npages, align, max);

	/* Every path must release the lock. */
	assert_false(spin_is_locked(&pool.lock));
	return a;
}

static void bitmap_size_covers_limit(void **state)
{
	(void)state;
	assert_int_equal(page_pool_bitmap_bytes(0), 0);
	assert_int_equal(page_pool_bitmap_bytes(1), 8);
	assert_int_equal(page_pool_bitmap_bytes(PAGE_SIZE), 8);
	assert_int_equal(page_pool_bitmap_bytes(64 * PAGE_SIZE), 8);
	assert_int_equal(page_pool_bitmap_bytes(64 * PAGE_SIZE + 1), 16);
	assert_int_equal(page_pool_bitmap_bytes(65 * PAGE_SIZE), 16);
	assert_int_equal(page_pool_bitmap_bytes(GiB(4)), GiB(4) / PAGE_SIZE / 8);
}

static void starts_all_used(void **state)
{
	(void)state;
	pool_setup(MiB(1));
	assert_int_equal(page_pool_free_count(&pool), 0);
	assert_int_equal(alloc(1, 1, 0), INVALID_PADDR);
	for (u64 f = 0; f < 256; f++)
		assert_true(frame_used(f));
}

static void partial_frames_stay_used(void **state)
{
	(void)state;
	pool_setup(MiB(1));
	/* [0x1800, 0x4800) holds only frames 2 and 3 whole. */
	page_pool_add_free(&pool, 0x1800, 0x3000);
	assert_int_equal(page_pool_free_count(&pool), 2);
	assert_true(frame_used(1) && !frame_used(2) && !frame_used(3) && frame_used(4));
	/* Less than a frame: nothing. */
	page_pool_add_free(&pool, 0x10001, 0xfff);
	assert_int_equal(page_pool_free_count(&pool), 2);
	/* Freeing again is idempotent for the count. */
	page_pool_add_free(&pool, 0x2000, 0x2000);
	assert_int_equal(page_pool_free_count(&pool), 2);
	/* Beyond the limit is ignored. */
	page_pool_add_free(&pool, MiB(1) - 0x2000, 0x100000);
	assert_int_equal(page_pool_free_count(&pool), 4);

	/* Reserving takes every frame the range touches, even by one byte. */
	page_pool_reserve(&pool, 0x2fff, 2);
	assert_int_equal(page_pool_free_count(&pool), 2);
	assert_true(frame_used(2) && frame_used(3));
	page_pool_reserve(&pool, 0x2000, 0);
	page_pool_reserve(&pool, MiB(1), 0x1000);
	page_pool_reserve(&pool, UINT64_MAX - 0x10, 0x100);
	assert_int_equal(page_pool_free_count(&pool), 2);
	page_pool_reserve(&pool, 0, UINT64_MAX);
	assert_int_equal(page_pool_free_count(&pool), 0);
}

static void frame_zero_is_never_handed_out(void **state)
{
	paddr_t a;

	(void)state;
	pool_setup(16 * PAGE_SIZE);
	page_pool_add_free(&pool, 0, 16 * PAGE_SIZE);
	assert_int_equal(page_pool_free_count(&pool), 15);
	while ((a = alloc(1, 1, 0)) != INVALID_PADDR)
		assert_int_not_equal(a, 0);
	assert_int_equal(page_pool_free_count(&pool), 0);
	assert_int_equal(page_pool_free(&pool, 0, 1), -EINVAL);
}

static void exhaustion_returns_every_frame_once(void **state)
{
	static bool seen[1024];
	paddr_t a;
	u64 n = 0;

	(void)state;
	pool_setup(1024 * PAGE_SIZE);
	page_pool_add_free(&pool, 0, 1024 * PAGE_SIZE);
	assert_int_equal(alloc(1024, 1, 0), INVALID_PADDR);
	assert_int_equal(alloc(1023, 1, 0), PAGE_SIZE);
	assert_int_equal(page_pool_free(&pool, PAGE_SIZE, 1023), 0);
	while ((a = alloc(1, 1, 0)) != INVALID_PADDR) {
		assert_true(a % PAGE_SIZE == 0 && a < 1024 * PAGE_SIZE);
		assert_false(seen[a / PAGE_SIZE]);
		seen[a / PAGE_SIZE] = true;
		n++;
	}
	assert_int_equal(n, 1023);
	assert_int_equal(page_pool_free_count(&pool), 0);
	assert_int_equal(alloc(1, 1, 0), INVALID_PADDR);
	assert_int_equal(alloc(0, 1, 0), INVALID_PADDR);
	assert_int_equal(alloc(UINT64_MAX, 1, 0), INVALID_PADDR);
}

static void alignment_is_honoured(void **state)
{
	(void)state;
	pool_setup(MiB(8));
	page_pool_add_free(&pool, 0, MiB(8));
	/* Take frame 1 so the next free frame is misaligned for anything above 1. */
	assert_int_equal(alloc(1, 1, 0), PAGE_SIZE);
	for (u64 align = 1; align <= 512; align <<= 1) {
		paddr_t a = alloc(3, align, 0);

		assert_int_not_equal(a, INVALID_PADDR);
		assert_int_equal(a % (align * PAGE_SIZE), 0);
		for (u64 f = a / PAGE_SIZE; f < a / PAGE_SIZE + 3; f++)
			assert_true(frame_used(f));
	}
	/* 0 means no constraint; a non-power of two is refused. */
	assert_int_not_equal(alloc(1, 0, 0), INVALID_PADDR);
	assert_int_equal(alloc(1, 3, 0), INVALID_PADDR);
	/* Only frame 0 is aligned to the whole pool, and it is never free. */
	assert_int_equal(alloc(1, MiB(8) / PAGE_SIZE, 0), INVALID_PADDR);
	assert_int_equal(alloc(1, 1ULL << 62, 0), INVALID_PADDR);
	assert_int_equal(alloc(512, 512, 0) % MiB(2), 0);
}

static void max_addr_is_exclusive_limit(void **state)
{
	paddr_t a;

	(void)state;
	pool_setup(MiB(64));
	page_pool_add_free(&pool, 0, MiB(64));
	while ((a = alloc(1, 1, MiB(1))) != INVALID_PADDR)
		assert_true(a + PAGE_SIZE <= MiB(1));
	assert_int_equal(page_pool_free_count(&pool), MiB(63) / PAGE_SIZE);
	/* Above the limit there is plenty, yet nothing fits below it. */
	assert_int_equal(alloc(1, 1, MiB(1)), INVALID_PADDR);
	/* A limit inside a frame excludes that frame. */
	assert_int_equal(alloc(1, 1, MiB(1) + 0x800), INVALID_PADDR);
	assert_int_equal(alloc(1, 1, MiB(1) + 0x1000), MiB(1));
	/* The run must end below the limit too, not just start there. */
	assert_int_equal(alloc(4, 1, MiB(1) + 0x4000), INVALID_PADDR);
	assert_int_equal(alloc(4, 1, MiB(1) + 0x5000), MiB(1) + 0x1000);
	/* A limit above the pool is the pool's end. */
	assert_int_not_equal(alloc(8, 1, GiB(16)), INVALID_PADDR);
}

static void fragmentation_needs_a_real_run(void **state)
{
	(void)state;
	pool_setup(256 * PAGE_SIZE);
	/* Free frames 2, 4, 6, ...: half the pool free, no two adjacent. */
	for (u64 f = 2; f < 256; f += 2)
		page_pool_add_free(&pool, f * PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(page_pool_free_count(&pool), 127);
	assert_int_equal(alloc(2, 1, 0), INVALID_PADDR);
	/* Freeing frame 201 joins 200..202 into the only run of three. */
	page_pool_add_free(&pool, 201 * PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(alloc(3, 1, 0), 200 * PAGE_SIZE);
	assert_int_equal(alloc(2, 1, 0), INVALID_PADDR);
	/* The run straddling a bitmap word boundary is found too. */
	page_pool_add_free(&pool, 127 * PAGE_SIZE, PAGE_SIZE);
	page_pool_add_free(&pool, 129 * PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(alloc(4, 1, 0), 126 * PAGE_SIZE);
}

static void double_free_is_refused_whole(void **state)
{
	paddr_t a, b;
	u64 before;

	(void)state;
	pool_setup(MiB(1));
	page_pool_add_free(&pool, 0, MiB(1));
	a = alloc(4, 1, 0);
	b = alloc(4, 1, 0);
	assert_int_equal(page_pool_free(&pool, a, 4), 0);
	fake_log_reset();
	assert_int_equal(page_pool_free(&pool, a, 4), -EINVAL);
	assert_true(fake_log_contains("double free"));
	assert_false(spin_is_locked(&pool.lock));
	/* Partly free: the call is refused as a whole and b's frames stay allocated. */
	assert_int_equal(page_pool_free(&pool, b + 2 * PAGE_SIZE, 1), 0);
	before = page_pool_free_count(&pool);
	assert_int_equal(page_pool_free(&pool, b, 4), -EINVAL);
	assert_int_equal(page_pool_free_count(&pool), before);
	assert_true(frame_used(b / PAGE_SIZE) && frame_used(b / PAGE_SIZE + 1) &&
		    frame_used(b / PAGE_SIZE + 3));
	/* Bad arguments. */
	assert_int_equal(page_pool_free(&pool, b + 1, 1), -EINVAL);
	assert_int_equal(page_pool_free(&pool, b, 0), -EINVAL);
	assert_int_equal(page_pool_free(&pool, MiB(1), 1), -EINVAL);
	assert_int_equal(page_pool_free(&pool, MiB(1) - PAGE_SIZE, 2), -EINVAL);
	assert_int_equal(page_pool_free(&pool, PAGE_SIZE, UINT64_MAX), -EINVAL);
	assert_int_equal(page_pool_free_count(&pool), before);
}

/* Lowest run of n free frames aligned to align, ending at or below limit, in the model. */
static u64 model_first_fit(const bool *used, u64 nframes, u64 n, u64 align, u64 limit)
{
	for (u64 f = align; f + n <= MIN(nframes, limit); f += align) {
		u64 i = 0;

		while (i < n && !used[f + i])
			i++;
		if (i == n)
			return f;
	}
	return UINT64_MAX;
}

#define RAND_FRAMES 700

static void random_workload_matches_model(void **state)
{
	static bool used[RAND_FRAMES];
	static struct {
		u64 frame, n;
	} live[RAND_FRAMES];
	size_t nlive = 0;
	unsigned int seed = 31337;
	u64 nfree = 0;

	(void)state;
	pool_setup(RAND_FRAMES * PAGE_SIZE + 0x800);
	for (u64 f = 0; f < RAND_FRAMES; f++)
		used[f] = true;
	/* Free memory in a few irregular stretches. */
	for (int i = 0; i < 12; i++) {
		u64 f = (u64)(rand_r(&seed) % RAND_FRAMES), n = (u64)(rand_r(&seed) % 90);

		page_pool_add_free(&pool, f * PAGE_SIZE, n * PAGE_SIZE);
		for (u64 g = MAX(f, 1); g < MIN(f + n, (u64)RAND_FRAMES); g++)
			used[g] = false;
	}
	for (u64 f = 0; f < RAND_FRAMES; f++)
		nfree += !used[f];
	assert_int_equal(page_pool_free_count(&pool), nfree);

	for (int step = 0; step < 20000; step++) {
		if (nlive && rand_r(&seed) % 2) {
			size_t k = (size_t)rand_r(&seed) % nlive;

			assert_int_equal(
				page_pool_free(&pool, live[k].frame * PAGE_SIZE, live[k].n), 0);
			for (u64 g = 0; g < live[k].n; g++)
				used[live[k].frame + g] = false;
			nfree += live[k].n;
			live[k] = live[--nlive];
		} else {
			u64 n = 1 + (u64)(rand_r(&seed) % (rand_r(&seed) % 8 ? 4 : 40));
			u64 align = 1ULL << (rand_r(&seed) % 5);
			u64 limit =
				rand_r(&seed) % 3 ? 0 : (u64)(rand_r(&seed) % (RAND_FRAMES + 50));
			u64 want = model_first_fit(used, RAND_FRAMES, n, align,
						   limit ? limit : UINT64_MAX);
			paddr_t a = alloc(n, align, limit * PAGE_SIZE);

			if (want == UINT64_MAX) {
				assert_int_equal(a, INVALID_PADDR);
				continue;
			}
			assert_int_equal(a, want * PAGE_SIZE);
			for (u64 g = 0; g < n; g++)
				used[want + g] = true;
			nfree -= n;
			live[nlive].frame = want;
			live[nlive++].n = n;
		}
		assert_int_equal(page_pool_free_count(&pool), nfree);
	}
	for (u64 f = 0; f < RAND_FRAMES; f++)
		assert_int_equal(frame_used(f), used[f]);
}

/* 16 GiB of frames one page at a time: quadratic scanning would take minutes here. */
static void large_pool_stays_fast(void **state)
{
	const u64 frames = GiB(16) / PAGE_SIZE;
	paddr_t last = 0, a;

	(void)state;
	pool_setup(GiB(16));
	page_pool_add_free(&pool, 0, GiB(16));
	for (u64 i = 1; i < frames; i++) {
		a = alloc(1, 1, 0);
		assert_true(a > last);
		last = a;
	}
	assert_int_equal(alloc(1, 1, 0), INVALID_PADDR);
	/* One hole at the very top is still found from a full bitmap. */
	assert_int_equal(page_pool_free(&pool, last, 1), 0);
	assert_int_equal(alloc(1, 1, 0), last);
	/* Large aligned runs across a freshly freed half. */
	assert_int_equal(page_pool_free(&pool, GiB(8), frames / 2), 0);
	for (u64 i = 0; i < 8; i++)
		assert_int_equal(alloc(MiB(1) / PAGE_SIZE * 1024, MiB(1024) / PAGE_SIZE, 0),
				 GiB(8) + i * GiB(1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(bitmap_size_covers_limit, teardown),
		cmocka_unit_test_teardown(starts_all_used, teardown),
		cmocka_unit_test_teardown(partial_frames_stay_used, teardown),
		cmocka_unit_test_teardown(frame_zero_is_never_handed_out, teardown),
		cmocka_unit_test_teardown(exhaustion_returns_every_frame_once, teardown),
		cmocka_unit_test_teardown(alignment_is_honoured, teardown),
		cmocka_unit_test_teardown(max_addr_is_exclusive_limit, teardown),
		cmocka_unit_test_teardown(fragmentation_needs_a_real_run, teardown),
		cmocka_unit_test_teardown(double_free_is_refused_whole, teardown),
		cmocka_unit_test_teardown(random_workload_matches_model, teardown),
		cmocka_unit_test_teardown(large_pool_stays_fast, teardown),
	};
	return cmocka_run_group_tests_name("page_alloc", tests, NULL, NULL);
}
