/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical page allocator: one bit per 4 KiB frame (1 = in use), contiguous runs with
 * alignment and an upper address limit (page tables the APs load in 32-bit mode must
 * sit below 4 GiB).
 */
#ifndef BULKHEAD_PAGE_ALLOC_H
#define BULKHEAD_PAGE_ALLOC_H

#include <bulkhead/spinlock.h>
#include <bulkhead/types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096UL

struct page_pool {
	spinlock_t lock;
	u64 *bitmap; /* frames [0, nframes); 1 = used */
	u64 nframes;
	u64 free_frames;
	u64 search_hint; /* first word that may hold a free frame */
};

/* Bytes of bitmap needed to cover physical addresses [0, limit). */
size_t page_pool_bitmap_bytes(paddr_t limit);
/* All frames start as used. bitmap must hold page_pool_bitmap_bytes(limit) bytes. */
void page_pool_init(struct page_pool *pool, void *bitmap, paddr_t limit);
/* Marks whole frames inside [base, base+size) free (partial frames at the ends stay used). */
void page_pool_add_free(struct page_pool *pool, paddr_t base, u64 size);
/* Marks every frame touching [base, base+size) used. */
void page_pool_reserve(struct page_pool *pool, paddr_t base, u64 size);
/*
 * Allocates npages contiguous frames, the first aligned to align_pages (power of two),
 * all below max_addr (exclusive; 0 = no limit). Never returns frame 0.
 * Returns the physical address or INVALID_PADDR.
 */
paddr_t page_pool_alloc(struct page_pool *pool, u64 npages, u64 align_pages, paddr_t max_addr);

/* The hypervisor's own pages (identity-mapped): page tables, VMCS, bitmaps. */
extern struct page_pool hv_pages;
/* Frees frames; freeing a frame that is already free is reported (returns -EINVAL) and ignored. */
int page_pool_free(struct page_pool *pool, paddr_t addr, u64 npages);
u64 page_pool_free_count(struct page_pool *pool);

#endif
