// SPDX-License-Identifier: BSD-3-Clause
/*
 * What a kernel entered in 64-bit mode needs around it: page tables and a GDT. One block
 * of pages: the GDT, the PML4, one PDPT and a page directory per GiB of 2 MiB pages.
 * The kernel builds its own tables early; these only have to be right until then.
 */
#include <bulkhead/errno.h>
#include <bulkhead/guest_loader.h>

#define PAGE	       0x1000ULL
#define GIB	       (1ULL << 30)
#define PTE_PRESENT    (1ULL << 0)
#define PTE_WRITE      (1ULL << 1)
#define PDE_LARGE      (1ULL << 7)
#define MAX_MAPPED_GIB 512 /* one PDPT */

/* Flat descriptors (SDM Vol 3A 3.4.5): 0x10 64-bit code, 0x18 data; 0x00/0x08 null. */
static const u64 boot_gdt[4] = {0, 0, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL};

static int put64(struct guest_mem *mem, u64 gpa, u64 value)
{
	return guest_mem_write(mem, gpa, &value, sizeof(value));
}

int guest_build_boot_tables(struct guest_mem *mem, const struct guest_entry *entry, u64 *cr3,
			    u64 *gdt)
{
	u64 top = 4 * GIB, gib, block, pml4, pdpt, pd;
	int ret;

	for (u32 i = 0; i < mem->region_count; i++)
		if (mem->regions[i].gpa + mem->regions[i].size > top)
			top = mem->regions[i].gpa + mem->regions[i].size;
	gib = (top + GIB - 1) / GIB;
	if (gib > MAX_MAPPED_GIB)
		return -E2BIG;
	ret = guest_mem_find_free(mem, (3 + gib) * PAGE, PAGE, PAGE, 4 * GIB,
				  (const u64(*)[2])entry->used, entry->used_count, true, &block);
	if (ret)
		return ret;
	pml4 = block + PAGE;
	pdpt = pml4 + PAGE;
	pd = pdpt + PAGE;

	ret = guest_mem_write(mem, block, NULL, (3 + gib) * PAGE);
	if (!ret)
		ret = guest_mem_write(mem, block, boot_gdt, sizeof(boot_gdt));
	if (!ret)
		ret = put64(mem, pml4, pdpt | PTE_PRESENT | PTE_WRITE);
	for (u64 g = 0; g < gib && !ret; g++) {
		ret = put64(mem, pdpt + 8 * g, (pd + g * PAGE) | PTE_PRESENT | PTE_WRITE);
		for (u64 e = 0; e < 512 && !ret; e++)
			ret = put64(mem, pd + g * PAGE + 8 * e,
				    (g * GIB + (e << 21)) | PTE_PRESENT | PTE_WRITE | PDE_LARGE);
	}
	if (ret)
		return ret;
	*cr3 = pml4;
	*gdt = block;
	return 0;
}
