/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The physical memory map: firmware ranges (from multiboot2) overlaid with what the
 * hypervisor claims (its image, boot modules, allocator metadata). Later additions win
 * where ranges overlap, so "reserve X" is simply "add X with a non-RAM type".
 */
#ifndef BULKHEAD_MEMMAP_H
#define BULKHEAD_MEMMAP_H

#include <bulkhead/types.h>

enum mem_type {
	MEM_RAM = 1,	/* usable RAM, free for the page allocator */
	MEM_RESERVED,	/* firmware reserved */
	MEM_ACPI,	/* ACPI reclaimable: holds tables, kept */
	MEM_NVS,	/* ACPI NVS */
	MEM_UNUSABLE,	/* bad memory */
	MEM_HYPERVISOR, /* the hypervisor image */
	MEM_MODULE,	/* multiboot2 modules (guest images) */
	MEM_BOOTINFO,	/* multiboot2 information structure */
	MEM_ALLOCATOR,	/* page allocator metadata */
	MEM_TRAMPOLINE, /* AP start-up code below 1 MiB */
	MEM_GUEST,	/* a pre-launched VM's static memory */
};

struct mem_range {
	paddr_t base;
	u64 size;
	enum mem_type type;
};

#define MEMMAP_MAX_RANGES 128

struct memmap {
	struct mem_range ranges[MEMMAP_MAX_RANGES]; /* sorted by base, non-overlapping */
	size_t count;
	size_t dropped; /* ranges lost because the table was full */
};

void memmap_init(struct memmap *map);
/*
 * Adds [base, base+size) with type, replacing whatever overlapped it. Adjacent ranges of
 * the same type are merged. Returns 0, -EINVAL (size 0 or wraps) or -ENOSPC.
 */
int memmap_add(struct memmap *map, paddr_t base, u64 size, enum mem_type type);
/* Type of the byte at addr, or 0 when no range covers it. */
enum mem_type memmap_type_at(const struct memmap *map, paddr_t addr);
/* Total bytes of a type. */
u64 memmap_total(const struct memmap *map, enum mem_type type);
/* End (exclusive) of the highest range of a type; 0 if none. */
paddr_t memmap_end(const struct memmap *map, enum mem_type type);
/*
 * Finds the highest page-aligned block of `size` bytes of MEM_RAM with
 * base >= min and base + size <= max, aligned to `align` (a power of two >= 4096).
 * Returns its base or INVALID_PADDR.
 */
paddr_t memmap_find_free(const struct memmap *map, u64 size, u64 align, paddr_t min, paddr_t max);
const char *mem_type_name(enum mem_type type);

#endif
