// SPDX-License-Identifier: BSD-3-Clause
/*
 * First-fit heap with boundary tags. Each block is a 16-byte header, the payload and a
 * 16-byte footer; both tags hold the block size and a check word mixing a state magic,
 * the block's address and its size, so a stray pointer, a double free or an overwritten
 * tag is caught before the heap trusts it. Free blocks also carry the free-list links at
 * the start of their payload.
 *
 * heap->free_bytes counts whole free blocks, tags included.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/heap.h>
#include <bulkhead/log.h>
#include <bulkhead/string.h>

#define HEAP_ALIGN 16
#define MAGIC_USED 0x5553454450414548ULL /* "HEAPDESU" */
#define MAGIC_FREE 0x4545524650414548ULL /* "HEAPFREE" */

struct heap_tag {
	u64 size; /* whole block, multiple of HEAP_ALIGN */
	u64 check;
};

struct heap_block {
	struct heap_tag tag;
	/* Valid only while the block is free. */
	struct heap_block *next;
	struct heap_block *prev;
};

#define TAG_SIZE      sizeof(struct heap_tag)
#define OVERHEAD      (2 * TAG_SIZE)
#define MIN_BLOCK     ALIGN_UP(sizeof(struct heap_block) + TAG_SIZE, HEAP_ALIGN)
#define MAX_BLOCK_REQ ((size_t)1 << 48)

BUILD_BUG_ON(TAG_SIZE != HEAP_ALIGN);

static u64 tag_check(const struct heap_block *b, u64 size, bool used)
{
	return (used ? MAGIC_USED : MAGIC_FREE) ^ (u64)(uintptr_t)b ^ (size << 16);
}

static uintptr_t heap_start(const struct heap *heap)
{
	return (uintptr_t)heap->base;
}

static uintptr_t heap_end(const struct heap *heap)
{
	return (uintptr_t)heap->base + heap->size;
}

static struct heap_tag *footer_of(struct heap_block *b, u64 size)
{
	return (struct heap_tag *)((u8 *)b + size - TAG_SIZE);
}

static void write_tags(struct heap_block *b, u64 size, bool used)
{
	struct heap_tag *f = footer_of(b, size);

	b->tag.size = size;
	b->tag.check = tag_check(b, size, used);
	f->size = size;
	f->check = b->tag.check;
}

/* Tags of a retired block boundary must not look valid to a later bogus free. */
static void wipe_tag(struct heap_tag *t)
{
	t->size = 0;
	t->check = 0;
}

/*
 * Validates the block at b, which must lie inside the heap. Returns 1 for a used block,
 * 0 for a free one, -EFAULT if its tags are not intact.
 */
static int block_state(const struct heap *heap, struct heap_block *b)
{
	uintptr_t addr = (uintptr_t)b;
	u64 size = b->tag.size;
	const struct heap_tag *f;
	bool used;

	if (size < MIN_BLOCK || !IS_ALIGNED(size, HEAP_ALIGN) || size > heap_end(heap) - addr)
		return -EFAULT;
	if (b->tag.check == tag_check(b, size, true))
		used = true;
	else if (b->tag.check == tag_check(b, size, false))
		used = false;
	else
		return -EFAULT;
	f = footer_of(b, size);
	if (f->size != size || f->check != b->tag.check)
		return -EFAULT;
	return used;
}

static void list_insert(struct heap *heap, struct heap_block *b)
{
	b->prev = NULL;
	b->next = heap->free_list;
	if (b->next)
		b->next->prev = b;
	heap->free_list = b;
}

static void list_remove(struct heap *heap, struct heap_block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		heap->free_list = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

int heap_init(struct heap *heap, void *base, size_t size)
{
	uintptr_t start = ALIGN_UP((uintptr_t)base, HEAP_ALIGN);
	uintptr_t end = ALIGN_DOWN((uintptr_t)base + size, HEAP_ALIGN);
	struct heap_block *b;

	if (!base || (uintptr_t)base + size < (uintptr_t)base || end < start ||
	    end - start < MIN_BLOCK)
		return -EINVAL;

	spin_lock_init(&heap->lock);
	heap->base = (u8 *)start;
	heap->size = end - start;
	heap->free_list = NULL;
	heap->allocations = 0;
	heap->free_bytes = heap->size;
	b = (struct heap_block *)start;
	write_tags(b, heap->size, false);
	list_insert(heap, b);
	return 0;
}

void *heap_alloc(struct heap *heap, size_t size)
{
	struct heap_block *b;
	u64 need;
	void *ptr = NULL;

	if (!size || size > MAX_BLOCK_REQ)
		return NULL;
	need = MAX(ALIGN_UP((u64)size, HEAP_ALIGN) + OVERHEAD, MIN_BLOCK);

	spin_lock(&heap->lock);
	for (b = heap->free_list; b; b = b->next) {
		u64 have = b->tag.size;

		if (have < need)
			continue;
		if (have - need >= MIN_BLOCK) {
			/*
			 * Carve from the top: the free remainder keeps its header and its
			 * place in the list.
			 */
			write_tags(b, have - need, false);
			b = (struct heap_block *)((u8 *)b + have - need);
		} else {
			list_remove(heap, b);
			need = have;
		}
		write_tags(b, need, true);
		heap->free_bytes -= need;
		heap->allocations++;
		ptr = (u8 *)b + TAG_SIZE;
		break;
	}
	spin_unlock(&heap->lock);
	return ptr;
}

void *heap_zalloc(struct heap *heap, size_t size)
{
	void *ptr = heap_alloc(heap, size);

	if (ptr)
		memset(ptr, 0, size);
	return ptr;
}

/* Finds the block ptr was handed out as, or NULL. Caller holds heap->lock. */
static struct heap_block *used_block_of(struct heap *heap, void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	struct heap_block *b;

	if (p < heap_start(heap) + TAG_SIZE || p >= heap_end(heap) || !IS_ALIGNED(p, HEAP_ALIGN))
		return NULL;
	b = (struct heap_block *)(p - TAG_SIZE);
	return block_state(heap, b) == 1 ? b : NULL;
}

int heap_free(struct heap *heap, void *ptr)
{
	struct heap_block *b, *next;
	u64 size;

	if (!ptr)
		return 0;

	spin_lock(&heap->lock);
	b = used_block_of(heap, ptr);
	if (!b) {
		spin_unlock(&heap->lock);
		pr_err("heap: free of %p: not an allocated block (double free?)\n", ptr);
		return -EINVAL;
	}
	size = b->tag.size;
	heap->free_bytes += size;
	heap->allocations--;

	next = (struct heap_block *)((u8 *)b + size);
	if ((uintptr_t)next < heap_end(heap) && block_state(heap, next) == 0) {
		list_remove(heap, next);
		size += next->tag.size;
		wipe_tag(footer_of(b, b->tag.size));
		wipe_tag(&next->tag);
	}

	if ((uintptr_t)b > heap_start(heap)) {
		struct heap_tag *lf = (struct heap_tag *)((u8 *)b - TAG_SIZE);
		struct heap_block *prev = (struct heap_block *)((uintptr_t)b - lf->size);

		/* The left footer is only trusted once the header it points to agrees. */
		if (lf->size >= MIN_BLOCK && IS_ALIGNED(lf->size, HEAP_ALIGN) &&
		    lf->size <= (uintptr_t)b - heap_start(heap) && block_state(heap, prev) == 0) {
			wipe_tag(lf);
			wipe_tag(&b->tag);
			write_tags(prev, prev->tag.size + size, false);
			spin_unlock(&heap->lock);
			return 0;
		}
	}

	write_tags(b, size, false);
	list_insert(heap, b);
	spin_unlock(&heap->lock);
	return 0;
}

/* Caller holds heap->lock. */
static int check_locked(struct heap *heap)
{
	uintptr_t addr = heap_start(heap);
	size_t nfree = 0, nused = 0, free_bytes = 0, listed = 0;
	bool prev_free = false;
	struct heap_block *b, *prev = NULL;

	while (addr < heap_end(heap)) {
		int state = block_state(heap, (struct heap_block *)addr);

		if (state < 0)
			return -EFAULT;
		/* Two free neighbours mean a missed coalesce. */
		if (state == 0 && prev_free)
			return -EFAULT;
		if (state == 0) {
			nfree++;
			free_bytes += ((struct heap_block *)addr)->tag.size;
		} else {
			nused++;
		}
		prev_free = state == 0;
		addr += ((struct heap_block *)addr)->tag.size;
	}
	if (addr != heap_end(heap) || nused != heap->allocations || free_bytes != heap->free_bytes)
		return -EFAULT;

	/* Bounded by nfree, so a cycle in the list cannot hang the check. */
	for (b = heap->free_list; b; prev = b, b = b->next) {
		uintptr_t a = (uintptr_t)b;

		if (++listed > nfree || a < heap_start(heap) || a >= heap_end(heap) ||
		    !IS_ALIGNED(a, HEAP_ALIGN) || heap_end(heap) - a < MIN_BLOCK ||
		    block_state(heap, b) != 0 || b->prev != prev)
			return -EFAULT;
	}
	return listed == nfree ? 0 : -EFAULT;
}

int heap_check(struct heap *heap)
{
	int ret;

	spin_lock(&heap->lock);
	ret = check_locked(heap);
	spin_unlock(&heap->lock);
	return ret;
}
