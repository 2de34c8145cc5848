// SPDX-License-Identifier: BSD-3-Clause
/*
 * The heap: alignment, splitting and coalescing, refusal of bad and double frees without
 * side effects, corruption caught by heap_check, and a long random workload in which
 * blocks must never overlap and must keep their contents.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/heap.h>
#include "fake_log.h"

#define ARENA (256 * 1024)

static struct heap heap;
static u8 *arena;

static int setup(void **state)
{
	(void)state;
	arena = malloc(ARENA);
	assert_non_null(arena);
	memset(arena, 0xcd, ARENA);
	assert_int_equal(heap_init(&heap, arena, ARENA), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

static void *alloc(size_t size)
{
	void *p = heap_alloc(&heap, size);

	assert_false(spin_is_locked(&heap.lock));
	return p;
}

static int hfree(void *p)
{
	int ret = heap_free(&heap, p);

	assert_false(spin_is_locked(&heap.lock));
	return ret;
}

static bool inside_arena(const void *p, size_t size)
{
	return (const u8 *)p >= arena && (const u8 *)p + size <= arena + ARENA;
}

/* Allocates the largest block that fits, then frees it: the free space in one piece. */
static size_t largest_block(void)
{
	size_t lo = 0, hi = ARENA;

	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;
		void *p = alloc(mid);

		if (p) {
			assert_int_equal(hfree(p), 0);
			lo = mid;
		} else {
			hi = mid - 1;
		}
	}
	return lo;
}

static void init_checks_its_arguments(void **state)
{
	struct heap h;
	u8 small[64];

	(void)state;
	assert_int_equal(heap_init(&h, NULL, 4096), -EINVAL);
	assert_int_equal(heap_init(&h, small, 16), -EINVAL);
	/* A misaligned base is rounded up inside the region. */
	assert_int_equal(heap_init(&h, small + 3, sizeof(small) - 3), 0);
	assert_true(h.base >= small + 3 && (uintptr_t)h.base % 16 == 0);
	assert_true(h.base + h.size <= small + sizeof(small));
	assert_int_equal(heap_check(&h), 0);
	assert_int_equal(h.free_bytes, h.size);
	assert_int_equal(h.allocations, 0);
}

static void results_are_aligned_and_distinct(void **state)
{
	void *p[64];

	(void)state;
	assert_null(alloc(0));
	assert_null(alloc(ARENA));
	assert_null(alloc(SIZE_MAX));
	assert_null(alloc(SIZE_MAX - 8));
	for (size_t i = 0; i < 64; i++) {
		p[i] = alloc(i + 1);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		assert_true(inside_arena(p[i], i + 1));
		memset(p[i], (int)i, i + 1);
	}
	assert_int_equal(heap.allocations, 64);
	assert_int_equal(heap_check(&heap), 0);
	for (size_t i = 0; i < 64; i++) {
		for (size_t j = 0; j <= i; j++)
			assert_int_equal(((u8 *)p[i])[j], i);
		assert_int_equal(hfree(p[i]), 0);
	}
	assert_int_equal(heap.allocations, 0);
	assert_int_equal(heap.free_bytes, heap.size);
	assert_int_equal(heap_check(&heap), 0);
}

static void zalloc_clears_reused_memory(void **state)
{
	u8 *p, *q;

	(void)state;
	p = alloc(500);
	memset(p, 0xff, 500);
	assert_int_equal(hfree(p), 0);
	q = heap_zalloc(&heap, 500);
	assert_non_null(q);
	for (size_t i = 0; i < 500; i++)
		assert_int_equal(q[i], 0);
	assert_null(heap_zalloc(&heap, 0));
	assert_int_equal(hfree(q), 0);
}

static void freeing_coalesces_both_neighbours(void **state)
{
	size_t whole = largest_block();
	void *a, *b, *c, *d;

	(void)state;
	a = alloc(1000);
	b = alloc(1000);
	c = alloc(1000);
	d = alloc(1000);
	assert_true(a && b && c && d);
	/* Free the outer two, then the middle one must join them into one hole. */
	assert_int_equal(hfree(a), 0);
	assert_int_equal(hfree(c), 0);
	assert_int_equal(heap_check(&heap), 0);
	assert_int_equal(hfree(b), 0);
	assert_int_equal(heap_check(&heap), 0);
	assert_int_equal(hfree(d), 0);
	assert_int_equal(heap_check(&heap), 0);
	/* Everything is one block again: the largest allocation is as large as at the start. */
	assert_int_equal(largest_block(), whole);
	assert_int_equal(heap.free_bytes, heap.size);
}

static void exhaustion_and_recovery(void **state)
{
	static void *p[ARENA / 48];
	size_t n = 0, whole = largest_block();

	(void)state;
	while ((p[n] = alloc(1 + n % 40)) != NULL)
		n++;
	assert_true(n > 1000);
	assert_int_equal(heap_check(&heap), 0);
	/* Free in an order that exercises left, right and two-sided merges. */
	for (size_t i = 0; i < n; i += 3)
		assert_int_equal(hfree(p[i]), 0);
	for (size_t i = 2; i < n; i += 3)
		assert_int_equal(hfree(p[i]), 0);
	assert_int_equal(heap_check(&heap), 0);
	for (size_t i = 1; i < n; i += 3)
		assert_int_equal(hfree(p[i]), 0);
	assert_int_equal(heap_check(&heap), 0);
	assert_int_equal(largest_block(), whole);
}

/* All but the lock, whose ticket counters move on every call. */
static void assert_same_state(const struct heap *saved)
{
	assert_ptr_equal(heap.base, saved->base);
	assert_int_equal(heap.size, saved->size);
	assert_ptr_equal(heap.free_list, saved->free_list);
	assert_int_equal(heap.free_bytes, saved->free_bytes);
	assert_int_equal(heap.allocations, saved->allocations);
}

static void bad_frees_change_nothing(void **state)
{
	static u8 snapshot[ARENA];
	struct heap saved;
	u8 *a, *b, *c;
	int local;

	(void)state;
	a = alloc(100);
	b = alloc(100);
	c = alloc(100);
	assert_int_equal(hfree(a), 0);
	memcpy(snapshot, arena, ARENA);
	saved = heap;

	fake_log_reset();
	assert_int_equal(hfree(a), -EINVAL); /* double free */
	assert_true(fake_log_contains("heap"));
	assert_int_equal(hfree(&local), -EINVAL); /* not from this heap */
	assert_int_equal(hfree(b + 16), -EINVAL); /* inside a block */
	assert_int_equal(hfree(b + 1), -EINVAL);  /* misaligned */
	assert_int_equal(hfree(heap.base), -EINVAL);
	assert_int_equal(hfree(heap.base + heap.size), -EINVAL);
	assert_int_equal(hfree(heap.base + heap.size - 16), -EINVAL);
	assert_memory_equal(arena, snapshot, ARENA);
	assert_same_state(&saved);
	assert_int_equal(heap_check(&heap), 0);
	assert_int_equal(hfree(NULL), 0);

	/* After b merges with a's hole, neither may be freed again. */
	assert_int_equal(hfree(b), 0);
	memcpy(snapshot, arena, ARENA);
	saved = heap;
	assert_int_equal(hfree(b), -EINVAL);
	assert_int_equal(hfree(a), -EINVAL);
	assert_memory_equal(arena, snapshot, ARENA);
	assert_same_state(&saved);
	assert_int_equal(hfree(c), 0);
	assert_int_equal(hfree(c), -EINVAL);
	assert_int_equal(heap_check(&heap), 0);
	assert_int_equal(heap.allocations, 0);

	/* Blocks are carved top down: freeing the upper block last merges it leftwards. */
	a = alloc(100);
	b = alloc(100);
	assert_true(b < a);
	assert_int_equal(hfree(b), 0);
	assert_int_equal(hfree(a), 0);
	memcpy(snapshot, arena, ARENA);
	saved = heap;
	assert_int_equal(hfree(a), -EINVAL);
	assert_int_equal(hfree(b), -EINVAL);
	assert_memory_equal(arena, snapshot, ARENA);
	assert_same_state(&saved);
	assert_int_equal(heap_check(&heap), 0);
}

static void check_detects_corruption(void **state)
{
	u8 *a, *b, saved[32];
	struct heap_block *head;

	(void)state;
	a = alloc(64);
	b = alloc(64);
	assert_int_equal(heap_check(&heap), 0);

	/* An overrun of b: blocks are carved top down, so b's footer and a's header follow. */
	memcpy(saved, b + 64, 32);
	memset(b + 64, 0, 32);
	assert_int_equal(heap_check(&heap), -EFAULT);
	assert_int_equal(hfree(a), -EINVAL);
	memcpy(b + 64, saved, 32);
	assert_int_equal(heap_check(&heap), 0);

	/* A header's size field off by one alignment step. */
	memcpy(saved, a - 16, 16);
	*(u64 *)(a - 16) += 16;
	assert_int_equal(heap_check(&heap), -EFAULT);
	assert_int_equal(hfree(a), -EINVAL);
	memcpy(a - 16, saved, 16);
	assert_int_equal(heap_check(&heap), 0);

	/* A free-list pointer sent elsewhere. */
	head = heap.free_list;
	heap.free_list = (struct heap_block *)(a - 16);
	assert_int_equal(heap_check(&heap), -EFAULT);
	heap.free_list = (struct heap_block *)((u8 *)head + 8);
	assert_int_equal(heap_check(&heap), -EFAULT);
	heap.free_list = head;

	/* Bookkeeping that disagrees with the blocks. */
	heap.allocations++;
	assert_int_equal(heap_check(&heap), -EFAULT);
	heap.allocations--;
	heap.free_bytes -= 16;
	assert_int_equal(heap_check(&heap), -EFAULT);
	heap.free_bytes += 16;
	assert_int_equal(heap_check(&heap), 0);
	assert_int_equal(hfree(a), 0);
	assert_int_equal(hfree(b), 0);
}

struct live {
	u8 *p;
	size_t size;
	u8 fill;
};

static void assert_contents(const struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		if (l->p[i] != (u8)(l->fill + i))
			fail_msg("block %p+%zu lost its contents", (void *)l->p, i);
}

static void random_workload(void **state)
{
	static struct live live[4096];
	size_t nlive = 0, peak = 0;
	unsigned int seed = 0xb0b;
	int failures = 0;

	(void)state;
	for (int step = 0; step < 40000; step++) {
		bool do_alloc = nlive == 0 || (nlive < 4096 && rand_r(&seed) % 100 < 55);

		if (do_alloc) {
			size_t size = rand_r(&seed) % 10 ? 1 + rand_r(&seed) % 300
							 : 1 + rand_r(&seed) % 20000;
			struct live l = {alloc(size), size, (u8)rand_r(&seed)};

			if (!l.p) {
				failures++;
				continue;
			}
			assert_int_equal((uintptr_t)l.p % 16, 0);
			assert_true(inside_arena(l.p, size));
			/* No overlap with anything live. */
			for (size_t i = 0; i < nlive; i++)
				assert_true(l.p + size <= live[i].p ||
					    live[i].p + live[i].size <= l.p);
			for (size_t i = 0; i < size; i++)
				l.p[i] = (u8)(l.fill + i);
			live[nlive++] = l;
			peak = MAX(peak, nlive);
		} else {
			size_t k = (size_t)rand_r(&seed) % nlive;

			assert_contents(&live[k]);
			assert_int_equal(hfree(live[k].p), 0);
			live[k] = live[--nlive];
		}
		assert_int_equal(heap.allocations, nlive);
		if (step % 64 == 0) {
			assert_int_equal(heap_check(&heap), 0);
			for (size_t i = 0; i < nlive; i++)
				assert_contents(&live[i]);
		}
	}
	/* The workload must have reached exhaustion sometimes, or it proves little. */
	assert_true(failures > 0);
	assert_true(peak > 500);
	while (nlive) {
		assert_contents(&live[nlive - 1]);
		assert_int_equal(hfree(live[--nlive].p), 0);
	}
	assert_int_equal(heap_check(&heap), 0);
	assert_int_equal(heap.free_bytes, heap.size);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_checks_its_arguments),
		cmocka_unit_test_setup_teardown(results_are_aligned_and_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(zalloc_clears_reused_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(freeing_coalesces_both_neighbours, setup, teardown),
		cmocka_unit_test_setup_teardown(exhaustion_and_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_frees_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(check_detects_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(random_workload, setup, teardown),
	};
	return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
