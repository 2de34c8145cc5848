// SPDX-License-Identifier: BSD-3-Clause
/*
 * Linux bzImage loader, the 64-bit entry of the x86 boot protocol
 * (Documentation/arch/x86/boot.rst, "THE LINUX/X86 BOOT PROTOCOL" and "64-bit BOOT
 * PROTOCOL"), with the zero page laid out as in Documentation/arch/x86/zero-page.rst.
 *
 * Placement, in this order, each avoiding what was placed before:
 * - the protected-mode kernel: at pref_address if [pref_address, + init_size) is RAM,
 *   else (relocatable kernels only) at the lowest kernel_alignment-aligned address at or
 *   above 1 MiB where init_size bytes fit; below 4 GiB unless XLF_CAN_BE_LOADED_ABOVE_4G;
 * - the zero page and the command line: the lowest free page-aligned RAM above the first
 *   page (page 0 holds the real-mode IVT on PCs, which some code still reads), below 4 GiB
 *   so that the 32-bit pointer fields suffice;
 * - the initrd: the highest free page-aligned RAM ending at or below initrd_addr_max + 1
 *   (or anywhere with XLF_CAN_BE_LOADED_ABOVE_4G), as boot.rst recommends.
 *
 * None of these overlaps a firmware-reserved range of the VM (its ACPI tables): a kernel
 * that is not relocatable and whose pref_address range overlaps one is refused.
 *
 * The e820 map is the VM's memory map (guest_mem_map_next()): the RAM regions as usable
 * RAM (type 1) around the firmware-reserved ranges (type 2), in address order. It
 * includes the ranges used here as RAM: the kernel reserves its own image, the initrd
 * (from ramdisk_image/size) and copies the zero page and the command line before it
 * allocates memory (boot.rst, "boot_params" and "cmd_line_ptr" are only read during
 * early boot). acpi_rsdp_addr tells the kernel where the VM's RSDP is, so it need not
 * scan the BIOS area for it.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/guest_loader.h>
#include <bulkhead/string.h>
#include <bulkhead/unaligned.h>

/* Setup header fields: offsets in the image and in the zero page (boot.rst). */
#define HDR_SETUP_SECTS	     0x1f1
#define HDR_SYSSIZE	     0x1f4
#define HDR_BOOT_FLAG	     0x1fe
#define HDR_JUMP_END	     0x201 /* 0x202 + this byte = end of the setup header */
#define HDR_HEADER	     0x202
#define HDR_VERSION	     0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS	     0x211
#define HDR_CODE32_START     0x214
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_HEAP_END_PTR     0x224
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE	     0x234
#define HDR_XLOADFLAGS	     0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE	     0x260
#define HDR_MIN_SIZE	     0x264 /* the header through init_size */

/* boot_params fields outside the setup header (zero-page.rst). */
#define ZP_ACPI_RSDP_ADDR    0x070
#define ZP_EXT_RAMDISK_IMAGE 0x0c0
#define ZP_EXT_RAMDISK_SIZE  0x0c4
#define ZP_EXT_CMD_LINE_PTR  0x0c8
#define ZP_E820_ENTRIES	     0x1e8
#define ZP_HDR_LIMIT	     0x290 /* edd_mbr_sig_buffer follows struct setup_header */
#define ZP_E820_TABLE	     0x2d0
#define ZP_E820_MAX	     128 /* E820_MAX_ENTRIES_ZEROPAGE */
#define ZP_SIZE		     0x1000
#define E820_ENTRY_SIZE	     20 /* u64 addr, u64 size, u32 type, packed */

#define BOOT_FLAG_MAGIC		   0xaa55
#define HDRS_MAGIC		   0x53726448 /* "HdrS" */
#define PROTO_64BIT_MIN		   0x020c     /* 2.12: xloadflags */
#define XLF_KERNEL_64		   (1 << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1 << 1)
#define LOADED_HIGH		   (1 << 0)
#define CAN_USE_HEAP		   (1 << 7)
#define LOADER_UNDEFINED	   0xff	  /* type_of_loader: no assigned boot loader id */
#define HEAP_END_PTR		   0xde00 /* boot.rst: heap_end - 0x200 with heap_end 0xe000 */
#define ENTRY_64_OFFSET		   0x200
#define INITRD_ADDR_MAX_OLD	   0x37ffffff /* boot.rst: initrd_addr_max before 2.03 */

#define PAGE_SIZE_4K 0x1000ULL
#define LOW_MEM_END  0x100000ULL
#define FOUR_GIB     0x100000000ULL

struct bz_layout {
	u64 kernel_off; /* offset of the protected-mode kernel in the image */
	u64 kernel_len;
	u64 kernel;	    /* load address */
	u64 kernel_reserve; /* bytes from kernel the kernel needs (init_size) */
	u64 zero_page;
	u64 cmdline;
	u64 cmdline_len; /* without the terminating zero */
	u64 initrd;
	u64 hdr_end; /* end of the setup header in the image, clamped */
	u8 loadflags;
};

/* Reads the header and decides every address; writes nothing. */
static int bz_plan(const u8 *img, u64 size, u64 initrd_size, const char *cmdline,
		   const struct guest_mem *mem, struct bz_layout *l)
{
	u64 used[3][2], reserve, align, kmax, imax, syssize;
	u32 setup_sects, init_size, cmdline_size, n = 0, i;
	u16 version, xlf;
	int ret;

	/* Too short to hold the header through init_size: truncated, or not a kernel. */
	if (!img || size < HDR_MIN_SIZE)
		return -EINVAL;
	if (read_le16(img, HDR_BOOT_FLAG) != BOOT_FLAG_MAGIC ||
	    read_le32(img, HDR_HEADER) != HDRS_MAGIC)
		return -ENOEXEC;
	version = read_le16(img, HDR_VERSION);
	xlf = read_le16(img, HDR_XLOADFLAGS);
	if (version < PROTO_64BIT_MIN || !(xlf & XLF_KERNEL_64))
		return -ENOTSUP;

	/* "setup_sects": 0 means 4; the real-mode part is the boot sector plus these. */
	setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	l->kernel_off = ((u64)setup_sects + 1) * 512;
	if (l->kernel_off >= size)
		return -EINVAL;
	l->kernel_len = size - l->kernel_off;
	/* syssize counts 16-byte paragraphs of the protected-mode code, rounded up. */
	syssize = (u64)read_le32(img, HDR_SYSSIZE) * 16;
	if (syssize == 0 || syssize > ALIGN_UP(l->kernel_len, 16ULL))
		return -EINVAL;
	l->hdr_end = MIN(0x202ULL + img[HDR_JUMP_END], (u64)ZP_HDR_LIMIT);
	l->hdr_end = MIN(l->hdr_end, l->kernel_off);
	if (l->hdr_end < HDR_MIN_SIZE)
		return -EINVAL;
	l->loadflags = img[HDR_LOADFLAGS];

	/* "cmdline_size": the maximum length, without the terminating zero. */
	cmdline_size = read_le32(img, HDR_CMDLINE_SIZE);
	l->cmdline_len = cmdline ? strnlen(cmdline, (size_t)cmdline_size + 1) : 0;
	if (l->cmdline_len > cmdline_size)
		return -E2BIG;

	ret = guest_mem_map_count(mem);
	if (ret < 0)
		return ret;
	if (ret > ZP_E820_MAX)
		return -E2BIG;

	/* "init_size": the linear memory the kernel needs from its load address on. */
	init_size = read_le32(img, HDR_INIT_SIZE);
	reserve = ALIGN_UP(MAX((u64)init_size, l->kernel_len), PAGE_SIZE_4K);
	align = read_le32(img, HDR_KERNEL_ALIGNMENT);
	if (align == 0 || (align & (align - 1)))
		return -EINVAL;
	kmax = (xlf & XLF_CAN_BE_LOADED_ABOVE_4G) ? ~0ULL : FOUR_GIB;
	l->kernel = read_le64(img, HDR_PREF_ADDRESS);
	if (!guest_mem_contains(mem, l->kernel, reserve) || l->kernel + reserve > kmax)
		ret = -ENOSPC;
	else if (guest_mem_overlaps_reserved(mem, l->kernel, reserve))
		ret = -EBUSY;
	else
		ret = 0;
	if (ret) {
		if (!img[HDR_RELOCATABLE])
			return ret;
		ret = guest_mem_find_free(mem, reserve, align, LOW_MEM_END, kmax, NULL, 0, false,
					  &l->kernel);
		if (ret)
			return ret;
	}
	used[n][0] = l->kernel;
	used[n++][1] = l->kernel + reserve;
	l->kernel_reserve = reserve;

	ret = guest_mem_find_free(mem, ZP_SIZE, PAGE_SIZE_4K, PAGE_SIZE_4K, FOUR_GIB, used, n,
				  false, &l->zero_page);
	if (ret)
		return ret;
	used[n][0] = l->zero_page;
	used[n++][1] = l->zero_page + ZP_SIZE;

	ret = guest_mem_find_free(mem, l->cmdline_len + 1, PAGE_SIZE_4K, PAGE_SIZE_4K, FOUR_GIB,
				  used, n, false, &l->cmdline);
	if (ret)
		return ret;
	used[n][0] = l->cmdline;
	used[n++][1] = l->cmdline + l->cmdline_len + 1;

	l->initrd = 0;
	if (initrd_size) {
		imax = read_le32(img, HDR_INITRD_ADDR_MAX);
		imax = imax ? imax + 1 : INITRD_ADDR_MAX_OLD + 1ULL;
		if (xlf & XLF_CAN_BE_LOADED_ABOVE_4G)
			imax = ~0ULL;
		ret = guest_mem_find_free(mem, initrd_size, PAGE_SIZE_4K, LOW_MEM_END, imax, used,
					  n, true, &l->initrd);
		if (ret)
			return ret;
	}
	for (i = 0; i < n; i++)
		if (!guest_mem_contains(mem, used[i][0], used[i][1] - used[i][0]))
			return -ENOSPC;
	return 0;
}

static int put(const struct guest_mem *mem, u64 gpa, u64 val, u64 width)
{
	/* Little-endian host and guest: the low bytes of val come first. */
	return guest_mem_write(mem, gpa, &val, width);
}

/* The zero page: the image's setup header, then what the loader fills in. */
static int bz_write_zero_page(const u8 *img, u64 initrd_size, const struct guest_mem *mem,
			      const struct bz_layout *l)
{
	u64 zp = l->zero_page, pos;
	struct guest_mem_map_entry e;
	u8 e820[E820_ENTRY_SIZE];
	u32 n = 0;
	int ret;

	ret = guest_mem_write(mem, zp, NULL, ZP_SIZE);
	if (!ret)
		ret = guest_mem_write(mem, zp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS,
				      l->hdr_end - HDR_SETUP_SECTS);
	if (!ret)
		ret = put(mem, zp + HDR_TYPE_OF_LOADER, LOADER_UNDEFINED, 1);
	if (!ret)
		ret = put(mem, zp + HDR_LOADFLAGS, l->loadflags | LOADED_HIGH | CAN_USE_HEAP, 1);
	if (!ret)
		ret = put(mem, zp + HDR_CODE32_START, (u32)l->kernel, 4);
	if (!ret)
		ret = put(mem, zp + HDR_HEAP_END_PTR, HEAP_END_PTR, 2);
	if (!ret)
		ret = put(mem, zp + HDR_CMD_LINE_PTR, (u32)l->cmdline, 4);
	if (!ret)
		ret = put(mem, zp + ZP_EXT_CMD_LINE_PTR, l->cmdline >> 32, 4);
	if (!ret)
		ret = put(mem, zp + HDR_RAMDISK_IMAGE, (u32)l->initrd, 4);
	if (!ret)
		ret = put(mem, zp + ZP_EXT_RAMDISK_IMAGE, l->initrd >> 32, 4);
	if (!ret)
		ret = put(mem, zp + HDR_RAMDISK_SIZE, (u32)initrd_size, 4);
	if (!ret)
		ret = put(mem, zp + ZP_EXT_RAMDISK_SIZE, initrd_size >> 32, 4);
	/*
	 * zero-page.rst lists acpi_rsdp_addr for every protocol version: kernels older than
	 * the field (boot protocol 2.14) have padding there and ignore it, so it is written
	 * whatever the version.
	 */
	if (!ret && mem->acpi_rsdp)
		ret = put(mem, zp + ZP_ACPI_RSDP_ADDR, mem->acpi_rsdp, 8);
	/* bz_plan() checked that the map fits in the table. */
	for (pos = 0; !ret && guest_mem_map_next(mem, &pos, &e); n++) {
		memcpy(e820, &e.start, 8);
		memcpy(e820 + 8, &e.len, 8);
		memcpy(e820 + 16, &e.type, 4);
		ret = guest_mem_write(mem, zp + ZP_E820_TABLE + n * E820_ENTRY_SIZE, e820,
				      sizeof(e820));
	}
	if (!ret)
		ret = put(mem, zp + ZP_E820_ENTRIES, n, 1);
	return ret;
}

int guest_load_bzimage(const void *image, u64 size, const void *initrd, u64 initrd_size,
		       const char *cmdline, struct guest_mem *mem, struct guest_entry *out)
{
	const u8 *img = image;
	struct bz_layout l;
	int ret;

	if (!initrd)
		initrd_size = 0;
	ret = bz_plan(img, size, initrd_size, cmdline, mem, &l);
	if (ret)
		return ret;

	ret = guest_mem_write(mem, l.kernel, img + l.kernel_off, l.kernel_len);
	if (!ret && initrd_size)
		ret = guest_mem_write(mem, l.initrd, initrd, initrd_size);
	if (!ret)
		ret = guest_mem_write(mem, l.cmdline, cmdline ? cmdline : "", l.cmdline_len);
	if (!ret)
		ret = put(mem, l.cmdline + l.cmdline_len, 0, 1);
	if (!ret)
		ret = bz_write_zero_page(img, initrd_size, mem, &l);
	if (ret)
		return ret;

	/* boot.rst "64-bit BOOT PROTOCOL": startup_64 is at the load address + 0x200. */
	*out = (struct guest_entry){
		.rip = l.kernel + ENTRY_64_OFFSET,
		.rsi = l.zero_page,
		.long_mode = true,
		.protected_mode = true,
		.used = {{l.kernel, l.kernel + l.kernel_reserve},
			 {l.zero_page, l.zero_page + ZP_SIZE},
			 {l.cmdline, l.cmdline + l.cmdline_len + 1},
			 {l.initrd, l.initrd + initrd_size}},
		.used_count = initrd_size ? 4 : 3,
	};
	return 0;
}
