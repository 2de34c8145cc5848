// SPDX-License-Identifier: BSD-3-Clause
/*
 * The physical memory map. Every change keeps three invariants that the lookups rely on:
 * ranges are sorted by base, never overlap, and no two touching ranges share a type.
 * The map is edited in place (it is large for an early-boot stack) and a change that
 * would not fit leaves it exactly as it was.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/memmap.h>
#include <bulkhead/string.h>

static u64 range_end(const struct mem_range *r)
{
	return r->base + r->size;
}

void memmap_init(struct memmap *map)
{
	memset(map, 0, sizeof(*map));
}

/*
 * Replaces ranges [lo, hi) by the n ranges in repl. The caller has checked that the
 * result fits.
 */
static void splice(struct memmap *map, size_t lo, size_t hi, const struct mem_range *repl, size_t n)
{
	size_t tail = map->count - hi;

	memmove(&map->ranges[lo + n], &map->ranges[hi], tail * sizeof(map->ranges[0]));
	memcpy(&map->ranges[lo], repl, n * sizeof(map->ranges[0]));
	map->count = lo + n + tail;
}

int memmap_add(struct memmap *map, paddr_t base, u64 size, enum mem_type type)
{
	struct mem_range repl[3];
	struct mem_range mid = {.base = base, .size = 0, .type = type};
	u64 end = base + size, mid_end = end;
	size_t lo, hi, n = 0;

	if (!size || end < base || type < MEM_RAM || type > MEM_GUEST)
		return -EINVAL;

	/*
	 * [lo, hi) are the ranges that overlap or touch the new one: only they can be cut,
	 * swallowed or merged. Ends are sorted like bases since ranges never overlap.
	 */
	for (lo = 0; lo < map->count && range_end(&map->ranges[lo]) < base; lo++)
		;
	for (hi = lo; hi < map->count && map->ranges[hi].base <= end; hi++)
		;

	if (lo < hi && map->ranges[lo].base < base) {
		const struct mem_range *left = &map->ranges[lo];

		if (left->type == type)
			mid.base = left->base;
		else
			repl[n++] = (struct mem_range){left->base, base - left->base, left->type};
	}
	if (lo < hi && range_end(&map->ranges[hi - 1]) > end && map->ranges[hi - 1].type == type)
		mid_end = range_end(&map->ranges[hi - 1]);
	mid.size = mid_end - mid.base;
	repl[n++] = mid;
	if (lo < hi && range_end(&map->ranges[hi - 1]) > end && map->ranges[hi - 1].type != type) {
		const struct mem_range *right = &map->ranges[hi - 1];

		repl[n++] = (struct mem_range){end, range_end(right) - end, right->type};
	}

	if (map->count - (hi - lo) + n > MEMMAP_MAX_RANGES) {
		map->dropped++;
		return -ENOSPC;
	}
	splice(map, lo, hi, repl, n);
	return 0;
}

static const struct mem_range *range_at(const struct memmap *map, paddr_t addr)
{
	size_t lo = 0, hi = map->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mem_range *r = &map->ranges[mid];

		if (addr < r->base)
			hi = mid;
		else if (addr - r->base >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

enum mem_type memmap_type_at(const struct memmap *map, paddr_t addr)
{
	const struct mem_range *r = range_at(map, addr);

	return r ? r->type : 0;
}

u64 memmap_total(const struct memmap *map, enum mem_type type)
{
	u64 total = 0;

	for (size_t i = 0; i < map->count; i++) {
		if (map->ranges[i].type == type)
			total += map->ranges[i].size;
	}
	return total;
}

paddr_t memmap_end(const struct memmap *map, enum mem_type type)
{
	for (size_t i = map->count; i--;) {
		if (map->ranges[i].type == type)
			return range_end(&map->ranges[i]);
	}
	return 0;
}

/*
 * Highest first: low memory is scarce (AP trampolines, DMA-limited devices), so early
 * allocations keep out of it.
 */
paddr_t memmap_find_free(const struct memmap *map, u64 size, u64 align, paddr_t min, paddr_t max)
{
	if (!size || (align & (align - 1)))
		return INVALID_PADDR;
	if (align < 4096)
		align = 4096;

	for (size_t i = map->count; i--;) {
		const struct mem_range *r = &map->ranges[i];
		u64 lo = MAX(r->base, min), hi = MIN(range_end(r), max), cand;

		if (r->type != MEM_RAM || hi <= lo || hi - lo < size)
			continue;
		cand = ALIGN_DOWN(hi - size, align);
		if (cand >= lo)
			return cand;
	}
	return INVALID_PADDR;
}

/* One upper-case word per type, so boot reports can be parsed by tests and tools. */
const char *mem_type_name(enum mem_type type)
{
	static const char *const names[] = {
		[MEM_RAM] = "RAM",
		[MEM_RESERVED] = "RESERVED",
		[MEM_ACPI] = "ACPI",
		[MEM_NVS] = "NVS",
		[MEM_UNUSABLE] = "UNUSABLE",
		[MEM_HYPERVISOR] = "HYPERVISOR",
		[MEM_MODULE] = "MODULE",
		[MEM_BOOTINFO] = "BOOTINFO",
		[MEM_ALLOCATOR] = "ALLOCATOR",
		[MEM_TRAMPOLINE] = "TRAMPOLINE",
		[MEM_GUEST] = "GUEST",
	};

	if ((unsigned int)type < ARRAY_SIZE(names) && names[type])
		return names[type];
	return "UNKNOWN";
}
