// SPDX-License-Identifier: BSD-3-Clause
#include "multiboot.h"
#include "lib.h"

#define MBI_MEMORY	     (1u << 0)
#define MBI_CMDLINE	     (1u << 2)
#define MBI_MMAP	     (1u << 6)
#define MBI_BOOT_LOADER_NAME (1u << 9)

/* Multiboot specification 3.3, boot information format (offsets in bytes). */
struct mb_info {
	u32 flags;
	u32 mem_lower;
	u32 mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count;
	u32 mods_addr;
	u32 syms[4];
	u32 mmap_length;
	u32 mmap_addr;
	u32 drives_length;
	u32 drives_addr;
	u32 config_table;
	u32 boot_loader_name;
} __attribute__((packed));

/* "size" does not count itself: the next entry is at entry + size + 4. */
struct mb_mmap_entry {
	u32 size;
	u64 base_addr;
	u64 length;
	u32 type;
} __attribute__((packed));

static void copy_string(char *dst, size_t size, u32 addr)
{
	tg_strlcpy(dst, (const char *)(size_t)addr, size);
}

static void copy_mmap(const struct mb_info *mbi, struct boot_info *bi)
{
	u64 p = mbi->mmap_addr, end = (u64)mbi->mmap_addr + mbi->mmap_length;

	while (p + sizeof(struct mb_mmap_entry) <= end) {
		const struct mb_mmap_entry *e = (const struct mb_mmap_entry *)(size_t)p;

		if (bi->mmap_count == MMAP_MAX) {
			bi->mmap_truncated = true;
			break;
		}
		bi->mmap[bi->mmap_count++] = (struct ram_region){
			.base = e->base_addr,
			.length = e->length,
			.type = e->type,
		};
		p += (u64)e->size + 4;
	}
}

void multiboot_parse(u32 magic, u32 mbi_addr, struct boot_info *bi)
{
	const struct mb_info *mbi = (const struct mb_info *)(size_t)mbi_addr;

	memset(bi, 0, sizeof(*bi));
	bi->magic = magic;
	bi->info_addr = mbi_addr;
	bi->magic_ok = magic == MULTIBOOT_LOADER_MAGIC;
	if (!bi->magic_ok || !mbi_addr)
		return;
	bi->flags = mbi->flags;
	if (mbi->flags & MBI_MEMORY) {
		bi->has_mem = true;
		bi->mem_lower_kib = mbi->mem_lower;
		bi->mem_upper_kib = mbi->mem_upper;
	}
	if ((mbi->flags & MBI_CMDLINE) && mbi->cmdline)
		copy_string(bi->cmdline, sizeof(bi->cmdline), mbi->cmdline);
	if ((mbi->flags & MBI_BOOT_LOADER_NAME) && mbi->boot_loader_name)
		copy_string(bi->loader, sizeof(bi->loader), mbi->boot_loader_name);
	if (mbi->flags & MBI_MMAP) {
		bi->has_mmap = true;
		copy_mmap(mbi, bi);
	}
}
