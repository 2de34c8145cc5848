// SPDX-License-Identifier: BSD-3-Clause
/*
 * Physical page allocator over a bitmap. Bits past nframes in the last word stay set
 * forever, and frame 0 is never made free (a zero physical address is too easily
 * mistaken for "none"), so the searches need no special cases for either.
 *
 * Invariant: every bitmap word below search_hint is full.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/page_alloc.h>

#define WORD_BITS 64
#define FULL_WORD (~(u64)0)

/* No POPCNT in the baseline ISA, and __builtin_popcountll would call into libgcc. */
static u64 popcount64(u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

static u64 frames_below(paddr_t limit)
{
	return limit >> PAGE_SHIFT;
}

static u64 bitmap_words(u64 nframes)
{
	return nframes / WORD_BITS + (nframes % WORD_BITS != 0);
}

/* Bits [from, to) of one word, with 0 <= from < to <= 64. */
static u64 word_mask(u64 from, u64 to)
{
	u64 hi = to == WORD_BITS ? FULL_WORD : (1ULL << to) - 1;

	return hi & ~((1ULL << from) - 1);
}

size_t page_pool_bitmap_bytes(paddr_t limit)
{
	u64 frames = frames_below(limit) + ((limit & (PAGE_SIZE - 1)) != 0);

	return (size_t)(bitmap_words(frames) * sizeof(u64));
}

void page_pool_init(struct page_pool *pool, void *bitmap, paddr_t limit)
{
	spin_lock_init(&pool->lock);
	pool->bitmap = bitmap;
	pool->nframes = frames_below(limit);
	pool->free_frames = 0;
	pool->search_hint = bitmap_words(pool->nframes);
	for (u64 i = 0; i < bitmap_words(pool->nframes); i++)
		pool->bitmap[i] = FULL_WORD;
}

/*
 * Sets (used) or clears (free) the bits of frames [first, end) a word at a time.
 * Returns how many bits changed. Caller holds pool->lock.
 */
static u64 update_range(struct page_pool *pool, u64 first, u64 end, bool used)
{
	u64 changed = 0;

	while (first < end) {
		u64 w = first / WORD_BITS;
		u64 stop = MIN(end, (w + 1) * WORD_BITS);
		u64 mask = word_mask(first % WORD_BITS, stop - w * WORD_BITS);

		if (used) {
			changed += popcount64(~pool->bitmap[w] & mask);
			pool->bitmap[w] |= mask;
		} else {
			changed += popcount64(pool->bitmap[w] & mask);
			pool->bitmap[w] &= ~mask;
		}
		first = stop;
	}
	return changed;
}

/* Caller holds pool->lock. */
static void mark_free(struct page_pool *pool, u64 first, u64 end)
{
	pool->free_frames += update_range(pool, first, end, false);
	if (first < end && first / WORD_BITS < pool->search_hint)
		pool->search_hint = first / WORD_BITS;
}

/* Caller holds pool->lock. */
static void mark_used(struct page_pool *pool, u64 first, u64 end)
{
	u64 nwords = bitmap_words(pool->nframes);

	pool->free_frames -= update_range(pool, first, end, true);
	while (pool->search_hint < nwords && pool->bitmap[pool->search_hint] == FULL_WORD)
		pool->search_hint++;
}

void page_pool_add_free(struct page_pool *pool, paddr_t base, u64 size)
{
	u64 end_addr = base + size < base ? ~(u64)0 : base + size;
	u64 first, end;

	/* ALIGN_UP would wrap to 0 for a base in the last page of the address space. */
	if (base > ~(u64)0 - (PAGE_SIZE - 1))
		return;
	first = MAX(frames_below(ALIGN_UP(base, PAGE_SIZE)), 1);
	end = MIN(frames_below(end_addr), pool->nframes);
	if (first >= end)
		return;
	spin_lock(&pool->lock);
	mark_free(pool, first, end);
	spin_unlock(&pool->lock);
}

void page_pool_reserve(struct page_pool *pool, paddr_t base, u64 size)
{
	u64 last_addr, first, end;

	if (!size)
		return;
	last_addr = base + size - 1 < base ? ~(u64)0 : base + size - 1;
	first = frames_below(base);
	end = MIN(frames_below(last_addr) + 1, pool->nframes);
	if (first >= end)
		return;
	spin_lock(&pool->lock);
	mark_used(pool, first, end);
	spin_unlock(&pool->lock);
}
/*
 * First frame in [from, to) whose bit equals want_used, or to. Whole words that cannot
 * match are skipped with one comparison.
 */
static u64 find_bit(const struct page_pool *pool, u64 from, u64 to, bool want_used)
{
	while (from < to) {
		u64 w = from / WORD_BITS;
		u64 bits = want_used ? pool->bitmap[w] : ~pool->bitmap[w];

		bits &= FULL_WORD << (from % WORD_BITS);
		if (bits) {
			u64 f = w * WORD_BITS + (u64)__builtin_ctzll(bits);

			return MIN(f, to);
		}
		from = (w + 1) * WORD_BITS;
	}
	return to;
}

paddr_t page_pool_alloc(struct page_pool *pool, u64 npages, u64 align_pages, paddr_t max_addr)
{
	paddr_t result = INVALID_PADDR;
	u64 limit, f;

	if (!align_pages)
		align_pages = 1;
	if (!npages || (align_pages & (align_pages - 1)))
		return INVALID_PADDR;

	spin_lock(&pool->lock);
	limit = pool->nframes;
	if (max_addr)
		limit = MIN(limit, frames_below(max_addr));

	/* Only frame 0 is aligned to align_pages >= limit, and it is never free. */
	f = MAX(pool->search_hint * WORD_BITS, 1);
	while (f < limit && npages <= limit && align_pages < limit) {
		u64 used;

		f = find_bit(pool, f, limit, false);
		/* Cannot wrap: f and align_pages are below limit <= 2^52. */
		f = ALIGN_UP(f, align_pages);
		if (f >= limit || limit - f < npages)
			break;
		used = find_bit(pool, f, f + npages, true);
		if (used == f + npages) {
			mark_used(pool, f, f + npages);
			result = f << PAGE_SHIFT;
			break;
		}
		f = used + 1;
	}
	spin_unlock(&pool->lock);
	return result;
}

int page_pool_free(struct page_pool *pool, paddr_t addr, u64 npages)
{
	u64 first = frames_below(addr);
	int ret = 0;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || !first || !npages || first >= pool->nframes ||
	    npages > pool->nframes - first) {
		pr_err("page_alloc: bad free of %llu pages at %#llx\n", (unsigned long long)npages,
		       (unsigned long long)addr);
		return -EINVAL;
	}

	spin_lock(&pool->lock);
	/* All or nothing: a double free means the caller's idea of the range is wrong. */
	if (find_bit(pool, first, first + npages, false) != first + npages)
		ret = -EINVAL;
	else
		mark_free(pool, first, first + npages);
	spin_unlock(&pool->lock);

	if (ret)
		pr_err("page_alloc: double free in %llu pages at %#llx\n",
		       (unsigned long long)npages, (unsigned long long)addr);
	return ret;
}

u64 page_pool_free_count(struct page_pool *pool)
{
	u64 n;

	spin_lock(&pool->lock);
	n = pool->free_frames;
	spin_unlock(&pool->lock);
	return n;
}
