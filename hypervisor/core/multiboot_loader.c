// SPDX-License-Identifier: BSD-3-Clause
/*
 * Multiboot (version 1) kernel loader, by the Multiboot Specification 0.6.96: the header
 * (3.1), the machine state the kernel is entered in (3.2) and the multiboot information
 * (3.3).
 *
 * Placement, in this order, each avoiding what was placed before:
 * - the kernel: where the header's address fields (flags bit 16, 3.1.3) or else the ELF
 *   program headers put it; it must lie in RAM below 4 GiB, since the kernel starts with
 *   paging off, and at or above 0x2000;
 * - the module: the highest free page-aligned RAM at or above 0x2000 that ends at or below
 *   0xffffffff (mod_end, the exclusive end, is a 32-bit field). Modules are always page
 *   aligned, which meets header flag bit 0 whether it is set or not;
 * - the information block, which holds the structure, the module entry, the memory map
 *   and the strings together: the highest free RAM inside [0x2000, 0xa0000), where
 *   kernels that clear their bss and claim memory from 1 MiB on are least likely to
 *   step on it, else the highest free RAM inside [0x2000, 4 GiB).
 *
 * Guest-physical 0-0x1fff is never written: page 0 holds the real-mode IVT on PCs, and
 * the test guest keeps a reset counter at 0x1000 that must survive a reload. A kernel
 * that would occupy it is refused, and so is one that overlaps a firmware-reserved range
 * of the VM (its ACPI tables), which the module and the information avoid too.
 *
 * The memory map is the VM's memory map (guest_mem_map_next()): the RAM regions as
 * available RAM (type 1) around the firmware-reserved ranges (type 2, "reserved"), in
 * address order. It includes the ranges used here as RAM: the kernel knows its own
 * extent, the module's from mods_addr and the information's from ebx, and 3.3 leaves it
 * to the kernel not to overwrite them before it has read them. mem_lower and mem_upper
 * end at the first hole or reserved range. Multiboot 1 has no field for the ACPI RSDP:
 * the kernel finds it by scanning the BIOS area, where the tables are.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/guest_loader.h>
#include <bulkhead/string.h>
#include <bulkhead/unaligned.h>

/* 3.1.1: the header is longword aligned and lies entirely within the first 8192 bytes. */
#define MB_HEADER_MAGIC	  0x1badb002
#define MB_SEARCH_END	  8192
#define MB_HEADER_ALIGN	  4
#define MB_HEADER_MIN	  12 /* magic, flags, checksum */
#define MB_HEADER_AOUT	  32 /* through entry_addr */
/* 3.1.3: header fields, from the magic. */
#define HDR_FLAGS	  4
#define HDR_CHECKSUM	  8
#define HDR_HEADER_ADDR	  12
#define HDR_LOAD_ADDR	  16
#define HDR_LOAD_END_ADDR 20
#define HDR_BSS_END_ADDR  24
#define HDR_ENTRY_ADDR	  28
/* 3.1.2: bits 0-15 are requirements the loader must meet or refuse, 16-31 optional. */
#define MB_PAGE_ALIGN	  BIT(0)
#define MB_MEMORY_INFO	  BIT(1)
#define MB_VIDEO_MODE	  BIT(2) /* needs a framebuffer: the VM has none */
#define MB_REQUIRED	  0xffffUL
#define MB_AOUT_KLUDGE	  BIT(16)
#define MB_MET		  (MB_PAGE_ALIGN | MB_MEMORY_INFO)

/* 3.2: eax on entry. */
#define MB_BOOTLOADER_MAGIC 0x2badb002

/* 3.3: the information structure through the framebuffer fields (116 bytes). */
#define MBI_FLAGS	     0
#define MBI_MEM_LOWER	     4
#define MBI_MEM_UPPER	     8
#define MBI_CMDLINE	     16
#define MBI_MODS_COUNT	     20
#define MBI_MODS_ADDR	     24
#define MBI_MMAP_LENGTH	     44
#define MBI_MMAP_ADDR	     48
#define MBI_BOOT_LOADER_NAME 64
#define MBI_SIZE	     116
#define MBI_F_MEM	     BIT(0)
#define MBI_F_CMDLINE	     BIT(2)
#define MBI_F_MODS	     BIT(3)
#define MBI_F_MMAP	     BIT(6)
#define MBI_F_LOADER_NAME    BIT(9)
/* 3.3 "mods_addr": mod_start, mod_end (exclusive), string, reserved. */
#define MOD_ENTRY_SIZE	     16
/* 3.3 "mmap_addr": size, base_addr, length, type; size does not count itself. */
#define MMAP_ENTRY_SIZE	     24
#define MBI_ALIGN	     8

#define LOADER_NAME   "Bulkhead"
#define MB_STRING_MAX 4096 /* command line and module string, NUL included */
#define MB_MAX_MMAP   128  /* bounds the memory map and the information block */

#define PAGE_SIZE_4K	 0x1000ULL
#define LOW_RESERVED_END 0x2000ULL
#define LOW_MEM_END	 0xa0000ULL
#define HIGH_MEM_START	 0x100000ULL
#define FOUR_GIB	 0x100000000ULL

/*
 * Everything decided before the first write: about 3.5 KiB of stack, mostly the ELF
 * segments and one used range per segment.
 */
struct mb_layout {
	bool is_elf;
	struct guest_elf elf;
	/* Header address fields (3.1.3): the file range and where it goes. */
	u64 file_off;
	u64 load_addr;
	u64 load_len;
	u64 bss_len;
	u64 entry;
	/* RAM taken by the kernel, the module and the information block. */
	u64 used[GUEST_ELF_MAX_PHNUM + 2][2];
	u32 nused;
	u64 module;
	/* The information block at info; the rest are offsets inside it. */
	u64 info;
	u64 info_len;
	u64 mods_off;
	u64 mmap_off;
	u64 name_off;
	u64 cmdline_off;
	u64 modstr_off;
	u64 cmdline_len; /* without the terminating zero, as is modstr_len */
	u64 modstr_len;
	u32 mmap_count;
};

/* 3.1.1: the first 4-byte aligned magic whose checksum holds; false if there is none. */
static bool mb_find_header(const u8 *img, u64 size, u64 *off)
{
	u64 end = MIN(size, (u64)MB_SEARCH_END), o;

	if (!img)
		return false;
	for (o = 0; o + MB_HEADER_MIN <= end; o += MB_HEADER_ALIGN) {
		u32 magic = read_le32(img, o);

		if (magic != MB_HEADER_MAGIC)
			continue;
		if ((u32)(magic + read_le32(img, o + HDR_FLAGS) +
			  read_le32(img, o + HDR_CHECKSUM)) == 0) {
			*off = o;
			return true;
		}
	}
	return false;
}

/* [start, start + len) lies inside [0, size), without overflowing. */
static bool range_in(u64 start, u64 len, u64 size)
{
	return start <= size && len <= size - start;
}

static void mb_use(struct mb_layout *l, u64 start, u64 len)
{
	l->used[l->nused][0] = start;
	l->used[l->nused++][1] = start + len;
}

/* Inside RAM already checked: also below 4 GiB and clear of the first 8 KiB. */
static bool mb_reachable(u64 start, u64 len)
{
	return start >= LOW_RESERVED_END && start < FOUR_GIB && len <= FOUR_GIB - start;
}

/*
 * 3.1.3: header_addr is where the header lands, so the load starts header_addr -
 * load_addr bytes before it in the file and runs to load_end_addr (0: the end of the
 * file); bss_end_addr (0: none) ends the zero-filled bss after it.
 */
static int mb_plan_aout(const u8 *img, u64 size, u64 hdr, const struct guest_mem *mem,
			struct mb_layout *l)
{
	u64 header_addr, load_end, bss_end, end;

	if (hdr + MB_HEADER_AOUT > MIN(size, (u64)MB_SEARCH_END))
		return -EINVAL;
	header_addr = read_le32(img, hdr + HDR_HEADER_ADDR);
	l->load_addr = read_le32(img, hdr + HDR_LOAD_ADDR);
	load_end = read_le32(img, hdr + HDR_LOAD_END_ADDR);
	bss_end = read_le32(img, hdr + HDR_BSS_END_ADDR);
	l->entry = read_le32(img, hdr + HDR_ENTRY_ADDR);

	if (l->load_addr > header_addr || header_addr - l->load_addr > hdr)
		return -EINVAL;
	l->file_off = hdr - (header_addr - l->load_addr);
	if (load_end) {
		if (load_end <= l->load_addr)
			return -EINVAL;
		l->load_len = load_end - l->load_addr;
		if (!range_in(l->file_off, l->load_len, size))
			return -EINVAL;
	} else {
		l->load_len = size - l->file_off;
	}
	end = l->load_addr + l->load_len;
	/* The header is part of what is loaded, and so is the entry point. */
	if (header_addr + MB_HEADER_AOUT > end)
		return -EINVAL;
	if (l->entry < l->load_addr || l->entry >= end)
		return -EINVAL;
	if (bss_end && bss_end < end)
		return -EINVAL;
	l->bss_len = bss_end ? bss_end - end : 0;

	if (!guest_mem_contains(mem, l->load_addr, l->load_len + l->bss_len) ||
	    !mb_reachable(l->load_addr, l->load_len + l->bss_len))
		return -EFAULT;
	if (guest_mem_overlaps_reserved(mem, l->load_addr, l->load_len + l->bss_len))
		return -EBUSY;
	mb_use(l, l->load_addr, l->load_len + l->bss_len);
	return 0;
}

/* Without bit 16 the image is an ELF, loaded as guest_load_elf() does. */
static int mb_plan_elf(const u8 *img, u64 size, const struct guest_mem *mem, struct mb_layout *l)
{
	u32 i;
	int ret;

	ret = guest_elf_plan(img, size, mem, &l->elf);
	if (ret)
		return ret;
	for (i = 0; i < l->elf.nseg; i++) {
		const struct guest_elf_seg *s = &l->elf.segs[i];

		if (!mb_reachable(s->paddr, s->memsz))
			return -EFAULT;
		mb_use(l, s->paddr, s->memsz);
	}
	if (l->elf.entry >= FOUR_GIB)
		return -EFAULT;
	l->entry = l->elf.entry;
	l->is_elf = true;
	return 0;
}

/* Reads the header, checks the kernel and decides every address; writes nothing. */
static int mb_plan(const u8 *img, u64 size, u64 module_size, const char *module_string,
		   const char *cmdline, const struct guest_mem *mem, struct mb_layout *l)
{
	u64 hdr;
	u32 flags;
	int ret;

	if (!mb_find_header(img, size, &hdr))
		return -ENOEXEC;
	flags = read_le32(img, hdr + HDR_FLAGS);
	if (flags & MB_REQUIRED & ~MB_MET)
		return -ENOTSUP;

	l->nused = 0;
	l->is_elf = false;
	ret = (flags & MB_AOUT_KLUDGE) ? mb_plan_aout(img, size, hdr, mem, l)
				       : mb_plan_elf(img, size, mem, l);
	if (ret)
		return ret;

	l->cmdline_len = cmdline ? strnlen(cmdline, MB_STRING_MAX) : 0;
	l->modstr_len = module_size && module_string ? strnlen(module_string, MB_STRING_MAX) : 0;
	if (l->cmdline_len == MB_STRING_MAX || l->modstr_len == MB_STRING_MAX)
		return -E2BIG;
	ret = guest_mem_map_count(mem);
	if (ret < 0)
		return ret;
	if (ret > MB_MAX_MMAP)
		return -E2BIG;
	l->mmap_count = (u32)ret;

	l->mods_off = ALIGN_UP((u64)MBI_SIZE, (u64)MBI_ALIGN);
	l->mmap_off = l->mods_off + (module_size ? MOD_ENTRY_SIZE : 0);
	l->name_off = l->mmap_off + (u64)l->mmap_count * MMAP_ENTRY_SIZE;
	l->cmdline_off = l->name_off + sizeof(LOADER_NAME);
	l->modstr_off = l->cmdline_off + l->cmdline_len + 1;
	l->info_len = l->modstr_off + (module_size ? l->modstr_len + 1 : 0);

	l->module = 0;
	if (module_size) {
		ret = guest_mem_find_free(mem, module_size, PAGE_SIZE_4K, LOW_RESERVED_END,
					  FOUR_GIB - 1, l->used, l->nused, true, &l->module);
		if (ret)
			return ret;
		mb_use(l, l->module, module_size);
	}
	ret = guest_mem_find_free(mem, l->info_len, MBI_ALIGN, LOW_RESERVED_END, LOW_MEM_END,
				  l->used, l->nused, true, &l->info);
	if (ret == -ENOSPC)
		ret = guest_mem_find_free(mem, l->info_len, MBI_ALIGN, LOW_RESERVED_END, FOUR_GIB,
					  l->used, l->nused, true, &l->info);
	return ret;
}

static void set_le32(u8 *buf, u64 off, u32 val)
{
	memcpy(buf + off, &val, sizeof(val));
}

static void set_le64(u8 *buf, u64 off, u64 val)
{
	memcpy(buf + off, &val, sizeof(val));
}

/*
 * The end of the available RAM that runs from start without a hole or a reserved range
 * (start itself if none).
 */
static u64 available_end(const struct guest_mem *mem, u64 start)
{
	u64 end = guest_mem_ram_end(mem, start);

	for (u32 i = 0; i < mem->reserved_count && i < GUEST_MEM_MAX_RESERVED; i++)
		if (mem->reserved[i][0] < end && mem->reserved[i][1] > start)
			end = MAX(start, mem->reserved[i][0]);
	return end;
}

/*
 * 3.3 "mem_lower"/"mem_upper": KiB of available RAM from 0 (at most 640) and from 1 MiB,
 * each up to the first hole or reserved range.
 */
static void mb_mem_info(const struct guest_mem *mem, u32 *lower, u32 *upper)
{
	u64 up = available_end(mem, HIGH_MEM_START) - HIGH_MEM_START;

	*lower = (u32)(MIN(available_end(mem, 0), LOW_MEM_END) / 1024);
	*upper = (u32)MIN(up / 1024, (u64)0xffffffff);
}

static int mb_write_info(u64 module_size, const char *module_string, const char *cmdline,
			 const struct guest_mem *mem, const struct mb_layout *l)
{
	u8 mbi[MBI_SIZE] = {0}, ent[MMAP_ENTRY_SIZE];
	u32 flags = MBI_F_MEM | MBI_F_CMDLINE | MBI_F_MMAP | MBI_F_LOADER_NAME, lower, upper;
	u64 mmap = l->info + l->mmap_off, pos;
	struct guest_mem_map_entry e;
	u32 n = 0;
	int ret;

	if (module_size)
		flags |= MBI_F_MODS;
	mb_mem_info(mem, &lower, &upper);
	set_le32(mbi, MBI_FLAGS, flags);
	set_le32(mbi, MBI_MEM_LOWER, lower);
	set_le32(mbi, MBI_MEM_UPPER, upper);
	set_le32(mbi, MBI_CMDLINE, (u32)(l->info + l->cmdline_off));
	if (module_size) {
		set_le32(mbi, MBI_MODS_COUNT, 1);
		set_le32(mbi, MBI_MODS_ADDR, (u32)(l->info + l->mods_off));
	}
	set_le32(mbi, MBI_MMAP_LENGTH, l->mmap_count * MMAP_ENTRY_SIZE);
	set_le32(mbi, MBI_MMAP_ADDR, (u32)mmap);
	set_le32(mbi, MBI_BOOT_LOADER_NAME, (u32)(l->info + l->name_off));

	ret = guest_mem_write(mem, l->info, NULL, l->info_len);
	if (!ret)
		ret = guest_mem_write(mem, l->info, mbi, sizeof(mbi));
	if (!ret && module_size) {
		u8 mod[MOD_ENTRY_SIZE] = {0};

		set_le32(mod, 0, (u32)l->module);
		set_le32(mod, 4, (u32)(l->module + module_size));
		set_le32(mod, 8, (u32)(l->info + l->modstr_off));
		ret = guest_mem_write(mem, l->info + l->mods_off, mod, sizeof(mod));
		if (!ret)
			ret = guest_mem_write(mem, l->info + l->modstr_off,
					      module_string ? module_string : "", l->modstr_len);
	}
	/* mb_plan() sized the information block for exactly these entries. */
	for (pos = 0; !ret && guest_mem_map_next(mem, &pos, &e); n++) {
		set_le32(ent, 0, MMAP_ENTRY_SIZE - 4);
		set_le64(ent, 4, e.start);
		set_le64(ent, 12, e.len);
		set_le32(ent, 20, e.type);
		ret = guest_mem_write(mem, mmap + (u64)n * MMAP_ENTRY_SIZE, ent, sizeof(ent));
	}
	if (!ret)
		ret = guest_mem_write(mem, l->info + l->name_off, LOADER_NAME, sizeof(LOADER_NAME));
	if (!ret)
		ret = guest_mem_write(mem, l->info + l->cmdline_off, cmdline ? cmdline : "",
				      l->cmdline_len);
	return ret;
}

int guest_load_multiboot(const void *image, u64 size, const void *module, u64 module_size,
			 const char *module_string, const char *cmdline, struct guest_mem *mem,
			 struct guest_entry *out)
{
	const u8 *img = image;
	struct mb_layout l;
	int ret;

	if (!module)
		module_size = 0;
	ret = mb_plan(img, size, module_size, module_string, cmdline, mem, &l);
	if (ret)
		return ret;

	if (l.is_elf) {
		ret = guest_elf_write(img, mem, &l.elf);
	} else {
		ret = guest_mem_write(mem, l.load_addr, img + l.file_off, l.load_len);
		if (!ret)
			ret = guest_mem_write(mem, l.load_addr + l.load_len, NULL, l.bss_len);
	}
	if (!ret && module_size)
		ret = guest_mem_write(mem, l.module, module, module_size);
	if (!ret)
		ret = mb_write_info(module_size, module_string, cmdline, mem, &l);
	if (ret)
		return ret;

	/* 3.2 "Machine state": 32-bit protected mode, paging off, even for an ELF64 kernel. */
	*out = (struct guest_entry){
		.rip = l.entry,
		.rax = MB_BOOTLOADER_MAGIC,
		.rbx = l.info,
		.protected_mode = true,
	};
	return 0;
}
