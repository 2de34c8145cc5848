// SPDX-License-Identifier: BSD-3-Clause
/* 4-level paging structures: SDM Vol 3A 4.5. */
#include "paging.h"
#include "lib.h"

#define PTE_P	     BIT(0)
#define PTE_RW	     BIT(1)
#define PTE_PS	     BIT(7)
#define PTE_ADDR     0x000ffffffffff000ULL
#define ENTRIES	     512
#define SIZE_2M	     (1ULL << 21)
#define SIZE_1G	     (1ULL << 30)
#define LOW_MAPPED   (4ULL << 30) /* by head.S */
#define CANONICAL_LO (1ULL << 47)
#define POOL_PAGES   16

extern u64 boot_pml4[ENTRIES];

static u64 pool[POOL_PAGES][ENTRIES] __attribute__((aligned(4096)));
static unsigned int pool_used;
static bool has_1g_pages;
static unsigned int maxphyaddr = 36;

void paging_init(void)
{
	u32 max_ext = cpuid(0x80000000).eax;

	if (max_ext >= 0x80000001)
		has_1g_pages = cpuid(0x80000001).edx & BIT(26);
	if (max_ext >= 0x80000008)
		maxphyaddr = cpuid(0x80000008).eax & 0xff;
}

bool paging_has_1g_pages(void)
{
	return has_1g_pages;
}

unsigned int paging_maxphyaddr(void)
{
	return maxphyaddr;
}

static u64 *pool_alloc(void)
{
	if (pool_used == POOL_PAGES)
		return NULL;
	memset(pool[pool_used], 0, sizeof(pool[0]));
	return pool[pool_used++];
}

static const char *map_1g(u64 base)
{
	u64 *pml4e = &boot_pml4[(base >> 39) & (ENTRIES - 1)];
	u64 *pdpt, *pdpte, *pd;
	unsigned int i;

	if (!(*pml4e & PTE_P)) {
		pdpt = pool_alloc();
		if (!pdpt)
			return "page-table pool exhausted";
		*pml4e = (u64)(size_t)pdpt | PTE_P | PTE_RW;
	}
	pdpt = (u64 *)(size_t)(*pml4e & PTE_ADDR);
	pdpte = &pdpt[(base >> 30) & (ENTRIES - 1)];
	if (*pdpte & PTE_P)
		return NULL;
	if (has_1g_pages) {
		*pdpte = base | PTE_P | PTE_RW | PTE_PS;
		return NULL;
	}
	pd = pool_alloc();
	if (!pd)
		return "page-table pool exhausted";
	for (i = 0; i < ENTRIES; i++)
		pd[i] = (base + i * SIZE_2M) | PTE_P | PTE_RW | PTE_PS;
	*pdpte = (u64)(size_t)pd | PTE_P | PTE_RW;
	return NULL;
}

const char *paging_map_identity(u64 addr, u64 len)
{
	u64 last = addr + (len ? len - 1 : 0), base;
	const char *why;

	if (last < addr)
		return "range wraps around";
	if (last < LOW_MAPPED)
		return NULL;
	if (last >= CANONICAL_LO)
		return "not identity-mappable (bit 47 or above)";
	if (maxphyaddr < 64 && last >> maxphyaddr)
		return "beyond MAXPHYADDR";
	for (base = addr & ~(SIZE_1G - 1); base <= last; base += SIZE_1G) {
		why = map_1g(base);
		if (why)
			return why;
	}
	/* Only not-present entries were filled: no TLB entry can be stale (SDM Vol 3A 4.10.4.3). */
	return NULL;
}
