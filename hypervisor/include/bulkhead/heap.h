/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small first-fit heap with boundary tags and coalescing, for variable-sized
 * hypervisor objects. Whole pages come from the page allocator instead.
 */
#ifndef BULKHEAD_HEAP_H
#define BULKHEAD_HEAP_H

#include <bulkhead/spinlock.h>
#include <bulkhead/types.h>

struct heap_block;

struct heap {
	spinlock_t lock;
	u8 *base;
	size_t size;
	struct heap_block *free_list;
	size_t free_bytes;
	size_t allocations;
};

/* Manages [base, base+size); base is aligned internally. Returns 0 or -EINVAL if too small. */
int heap_init(struct heap *heap, void *base, size_t size);
/* Returns memory aligned to at least 16 bytes, or NULL. size 0 returns NULL. */
void *heap_alloc(struct heap *heap, size_t size);
void *heap_zalloc(struct heap *heap, size_t size);
/*
 * Frees ptr (NULL is ignored). A pointer this heap did not hand out, or a double free,
 * is detected through the block header and returns -EINVAL without corrupting the heap.
 */
int heap_free(struct heap *heap, void *ptr);
/* Walks every block and checks the boundary tags; returns 0 or -EFAULT. */
int heap_check(struct heap *heap);

/* The hypervisor's own heap (core/mm_init). */
void *hv_alloc(size_t size);
void *hv_zalloc(size_t size);
void hv_free(void *ptr);

#endif
