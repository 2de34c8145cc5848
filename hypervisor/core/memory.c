// SPDX-License-Identifier: BSD-3-Clause
/*
 * Boot-time memory set-up: the memory map from multiboot2 with everything the
 * hypervisor must not hand out marked, the physical page allocator over the RAM that is
 * left, and the hypervisor heap.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/heap.h>
#include <bulkhead/init.h>
#include <bulkhead/log.h>
#include <bulkhead/memmap.h>
#include <bulkhead/multiboot2.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/string.h>
#include <bulkhead/vm_config.h>

extern const char __hv_start[], __hv_end[];

struct page_pool hv_pages;
static struct heap hv_heap;
struct memmap boot_memmap;

/* The boot page tables map only the first 4 GiB: allocator metadata must live there. */
#define BOOT_MAPPED_LIMIT GiB(4)

static enum mem_type type_from_e820(u32 type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE:
		return MEM_RAM;
	case MB2_MEM_ACPI:
		return MEM_ACPI;
	case MB2_MEM_NVS:
		return MEM_NVS;
	case MB2_MEM_BADRAM:
		return MEM_UNUSABLE;
	default:
		return MEM_RESERVED;
	}
}

static void memmap_print(const struct memmap *map)
{
	pr_info("Memory map (firmware, with what the hypervisor claimed):\n");
	for (size_t i = 0; i < map->count; i++) {
		const struct mem_range *r = &map->ranges[i];

		pr_info("mem: 0x%016llx-0x%016llx %-10s %10llu KiB\n", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->size - 1), mem_type_name(r->type),
			(unsigned long long)(r->size >> 10));
	}
	pr_info("mem: %llu MiB RAM free for the allocator\n",
		(unsigned long long)(memmap_total(map, MEM_RAM) >> 20));
}

static bool range_is(const struct memmap *map, paddr_t base, u64 size, enum mem_type a,
		     enum mem_type b)
{
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		enum mem_type t = memmap_type_at(map, base + off);

		if (t != a && t != b)
			return false;
	}
	return true;
}

/*
 * Pre-launched VMs' static memory is never the allocator's. It must be RAM the firmware
 * reported (the boot loader may have put modules there: they are moved out later).
 */
static int reserve_guest_memory(struct memmap *map)
{
	for (size_t id = 0; id < vm_config_count(); id++) {
		const struct vm_config *vm = vm_config(id);

		for (u32 i = 0; i < vm->mem_region_count; i++) {
			const struct vm_mem_region *r = &vm->mem_regions[i];

			if (!range_is(map, r->hpa, r->size, MEM_RAM, MEM_MODULE)) {
				pr_err("memory: VM %s region 0x%llx-0x%llx is not free RAM on "
				       "this machine\n",
				       vm->name, (unsigned long long)r->hpa,
				       (unsigned long long)(r->hpa + r->size - 1));
				return -EINVAL;
			}
			if (memmap_add(map, r->hpa, r->size, MEM_GUEST))
				return -ENOSPC;
		}
	}
	return 0;
}

static bool overlaps_guest(paddr_t start, paddr_t end)
{
	for (size_t id = 0; id < vm_config_count(); id++) {
		const struct vm_config *vm = vm_config(id);

		for (u32 i = 0; i < vm->mem_region_count; i++) {
			const struct vm_mem_region *r = &vm->mem_regions[i];

			if (start < r->hpa + r->size && r->hpa < end)
				return true;
		}
	}
	return false;
}

/* GRUB chooses where modules go; one inside a VM's memory is copied to free RAM. */
static int relocate_modules(struct boot_info *info)
{
	if (overlaps_guest(info->mbi_addr, info->mbi_addr + info->mbi_size)) {
		pr_err("memory: the boot information at 0x%llx lies in a VM's memory\n",
		       (unsigned long long)info->mbi_addr);
		return -EINVAL;
	}
	for (size_t i = 0; i < info->module_count; i++) {
		struct mb2_module *m = &info->modules[i];
		u64 size = m->end - m->start;
		paddr_t to;

		if (!overlaps_guest(m->start, m->end))
			continue;
		to = page_pool_alloc(&hv_pages, ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, 1, 0);
		if (to == INVALID_PADDR) {
			pr_err("memory: no room to move module %zu out of a VM's memory\n", i);
			return -ENOMEM;
		}
		memmove((void *)to, (const void *)m->start, size);
		pr_info("memory: module %zu moved from 0x%llx to 0x%llx (it was in a VM's "
			"memory)\n",
			i, (unsigned long long)m->start, (unsigned long long)to);
		m->start = to;
		m->end = to + size;
	}
	return 0;
}

static int build_memmap(const struct boot_info *info, struct memmap *map)
{
	int err = 0;

	memmap_init(map);
	if (info->mmap_count == 0) {
		pr_err("memory: the boot loader passed no memory map\n");
		return -ENOENT;
	}
	for (size_t i = 0; i < info->mmap_count && !err; i++) {
		const struct mb2_mmap_entry *e = &info->mmap[i];

		if (e->length)
			err = memmap_add(map, e->base, e->length, type_from_e820(e->type));
	}
	if (!err)
		err = memmap_add(map, (paddr_t)__hv_start, (u64)(__hv_end - __hv_start),
				 MEM_HYPERVISOR);
	if (!err)
		err = memmap_add(map, info->mbi_addr, info->mbi_size, MEM_BOOTINFO);
	for (size_t i = 0; i < info->module_count && !err; i++)
		err = memmap_add(map, info->modules[i].start,
				 info->modules[i].end - info->modules[i].start, MEM_MODULE);
	if (!err)
		err = arch_reserve_memory(map);
	if (!err)
		err = reserve_guest_memory(map);
	if (map->dropped)
		pr_warn("memory: %zu firmware ranges did not fit the memory map\n", map->dropped);
	return err;
}

static int init_allocator(struct memmap *map)
{
	paddr_t limit = ALIGN_UP(memmap_end(map, MEM_RAM), PAGE_SIZE);
	size_t bytes = ALIGN_UP(page_pool_bitmap_bytes(limit), PAGE_SIZE);
	paddr_t bitmap = memmap_find_free(map, bytes, PAGE_SIZE, MiB(1), BOOT_MAPPED_LIMIT);
	int err;

	if (bitmap == INVALID_PADDR) {
		pr_err("memory: no room for the page allocator's bitmap (%zu bytes)\n", bytes);
		return -ENOMEM;
	}
	err = memmap_add(map, bitmap, bytes, MEM_ALLOCATOR);
	if (err)
		return err;
	page_pool_init(&hv_pages, (void *)bitmap, limit);
	for (size_t i = 0; i < map->count; i++)
		if (map->ranges[i].type == MEM_RAM)
			page_pool_add_free(&hv_pages, map->ranges[i].base, map->ranges[i].size);
	return 0;
}

int memory_init(struct boot_info *info)
{
	int err = build_memmap(info, &boot_memmap);

	if (!err)
		err = init_allocator(&boot_memmap);
	if (!err)
		err = relocate_modules(info);
	if (err)
		return err;
	memmap_print(&boot_memmap);
	return 0;
}

int heap_setup(void)
{
	u64 pages = ALIGN_UP((u64)CONFIG_HEAP_SIZE, PAGE_SIZE) / PAGE_SIZE;
	paddr_t pa = page_pool_alloc(&hv_pages, pages, 1, 0);
	int err;

	if (pa == INVALID_PADDR) {
		pr_err("memory: no room for the %d-byte heap\n", CONFIG_HEAP_SIZE);
		return -ENOMEM;
	}
	err = heap_init(&hv_heap, (void *)pa, pages * PAGE_SIZE);
	if (!err)
		pr_info("memory: heap of %llu KiB at 0x%llx; %llu pages free\n",
			(unsigned long long)(pages * PAGE_SIZE >> 10), (unsigned long long)pa,
			(unsigned long long)page_pool_free_count(&hv_pages));
	return err;
}

void *hv_alloc(size_t size)
{
	return heap_alloc(&hv_heap, size);
}

void *hv_zalloc(size_t size)
{
	return heap_zalloc(&hv_heap, size);
}

void hv_free(void *ptr)
{
	if (heap_free(&hv_heap, ptr))
		pr_err("memory: hv_free(%p): not a live heap block\n", ptr);
}
