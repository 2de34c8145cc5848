// SPDX-License-Identifier: BSD-3-Clause
/*
 * The hypervisor's page tables: an identity map built from the memory map.
 *   - hypervisor text is read-only and executable; everything else is NX (W^X),
 *     rodata and the symbol table are read-only;
 *   - RAM and firmware tables are write-back; reserved ranges and the holes below 4 GiB
 *     (LAPIC, IOAPIC, PCI MMIO) are uncached (PCD|PWT selects PAT entry 3, UC, with the
 *     power-on PAT: SDM Vol 3A 11.12.4);
 *   - page 0 is not mapped, so NULL dereferences fault.
 * Large pages are used wherever alignment and type allow, and split on demand.
 * Changes after boot are local to this CPU's TLB: callers make them before other CPUs
 * use the affected range (AP start-up pages, stack guards).
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/string.h>
#include <asm/paging.h>
#include <asm/processor.h>

extern struct page_pool hv_pages;
extern const char __hv_start[], __text_end[], __rodata_end[], __bss_end[], __hv_end[];

#define ENTRIES	    512
#define LOW_4G	    GiB(4)
#define TABLE_FLAGS (PTE_P | PTE_RW)

static u64 *root;
static bool have_1g_pages;

static u64 prot_flags(enum page_prot prot)
{
	switch (prot) {
	case PROT_RX:
		return PTE_P;
	case PROT_RO_NX:
		return PTE_P | PTE_NX;
	case PROT_MMIO:
		return PTE_P | PTE_RW | PTE_NX | PTE_PCD | PTE_PWT;
	case PROT_RW_NX:
	default:
		return PTE_P | PTE_RW | PTE_NX;
	}
}

static u64 *alloc_table(void)
{
	paddr_t pa = page_pool_alloc(&hv_pages, 1, 1, LOW_4G);

	if (pa == INVALID_PADDR)
		return NULL;
	memset((void *)pa, 0, PAGE_SIZE);
	return (u64 *)pa;
}

static unsigned int index_at(paddr_t addr, int level)
{
	return (addr >> (12 + 9 * (level - 1))) & (ENTRIES - 1);
}

static u64 level_size(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

/* Replaces a large-page entry at `level` with a table of entries one level down. */
static int split_large(u64 *entry, int level)
{
	u64 *table = alloc_table();
	u64 base = *entry & PTE_ADDR_MASK & ~(level_size(level) - 1);
	u64 flags = *entry & ~PTE_ADDR_MASK;

	if (!table)
		return -ENOMEM;
	if (level - 1 == 1)
		flags &= ~PTE_PS; /* bit 7 is PAT in a 4 KiB PTE */
	for (unsigned int i = 0; i < ENTRIES; i++)
		table[i] = (base + i * level_size(level - 1)) | flags;
	*entry = (u64)table | TABLE_FLAGS;
	return 0;
}

static bool can_use_level(paddr_t addr, u64 remaining, int level)
{
	if (level == 1)
		return true;
	if (level == 3 && !have_1g_pages)
		return false;
	return level <= 3 && IS_ALIGNED(addr, level_size(level)) && remaining >= level_size(level);
}

/* Sets (flags != 0) or clears (flags == 0) the mapping of [addr, addr+size). */
static int map_range(paddr_t addr, u64 size, u64 flags)
{
	paddr_t end = addr + size;

	while (addr < end) {
		u64 *table = root;
		int level = 4;

		for (;;) {
			u64 *entry = &table[index_at(addr, level)];

			if (can_use_level(addr, end - addr, level)) {
				*entry = flags ? (addr | flags | (level > 1 ? PTE_PS : 0)) : 0;
				if (root == (u64 *)read_cr3())
					flush_tlb_page(addr);
				addr += level_size(level);
				break;
			}
			if (!(*entry & PTE_P)) {
				u64 *next;

				if (!flags) {
					/* Nothing mapped here: skip to the end of this entry. */
					addr = ALIGN_DOWN(addr, level_size(level)) +
					       level_size(level);
					break;
				}
				next = alloc_table();
				if (!next)
					return -ENOMEM;
				*entry = (u64)next | TABLE_FLAGS;
			} else if (*entry & PTE_PS) {
				int err = split_large(entry, level);

				if (err)
					return err;
			}
			table = (u64 *)(*entry & PTE_ADDR_MASK);
			level--;
		}
	}
	return 0;
}

int paging_map(paddr_t addr, u64 size, enum page_prot prot)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) || addr + size < addr)
		return -EINVAL;
	return map_range(addr, size, prot_flags(prot));
}

int paging_unmap(paddr_t addr, u64 size)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) || addr + size < addr)
		return -EINVAL;
	return map_range(addr, size, 0);
}

u64 paging_root(void)
{
	return (u64)root;
}

static enum page_prot prot_for_type(enum mem_type type)
{
	switch (type) {
	case MEM_RESERVED:
	case MEM_UNUSABLE:
		return PROT_MMIO;
	default:
		return PROT_RW_NX;
	}
}

int paging_init(const struct memmap *map)
{
	/* The image's sections, in the order of bulkhead.lds. */
	const struct {
		const char *start, *end;
		enum page_prot prot;
	} image[] = {
		{__hv_start, __text_end, PROT_RX},	/* text */
		{__text_end, __rodata_end, PROT_RO_NX}, /* rodata */
		{__rodata_end, __bss_end, PROT_RW_NX},	/* data, bss */
		{__bss_end, __hv_end, PROT_RO_NX},	/* symbol table */
	};
	u32 a, b, c, d;
	paddr_t cursor = 0;
	int err = 0;

	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	have_1g_pages = (d >> 26) & 1;
	root = alloc_table();
	if (!root)
		return -ENOMEM;

	/* Holes below 4 GiB are device memory. */
	for (size_t i = 0; i <= map->count && !err; i++) {
		paddr_t next = i < map->count ? map->ranges[i].base : LOW_4G;

		if (next > LOW_4G)
			next = LOW_4G;
		if (next > cursor)
			err = map_range(cursor, next - cursor, prot_flags(PROT_MMIO));
		if (i < map->count && map->ranges[i].base + map->ranges[i].size > cursor)
			cursor = map->ranges[i].base + map->ranges[i].size;
	}
	for (size_t i = 0; i < map->count && !err; i++) {
		const struct mem_range *r = &map->ranges[i];
		paddr_t base = ALIGN_DOWN(r->base, PAGE_SIZE);
		paddr_t end = ALIGN_UP(r->base + r->size, PAGE_SIZE);

		err = map_range(base, end - base, prot_flags(prot_for_type(r->type)));
	}
	for (size_t i = 0; i < ARRAY_SIZE(image) && !err; i++)
		err = map_range((paddr_t)image[i].start, (paddr_t)(image[i].end - image[i].start),
				prot_flags(image[i].prot));
	if (!err)
		err = map_range(0, PAGE_SIZE, 0);
	if (err)
		return err;

	write_cr3((u64)root);
	pr_info("paging: hypervisor page tables active (W^X, NX, page 0 unmapped%s)\n",
		have_1g_pages ? ", 1 GiB pages" : "");
	return 0;
}
