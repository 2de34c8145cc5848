// SPDX-License-Identifier: BSD-3-Clause
/*
 * Multiboot (version 1) loader against a fake guest memory: by default RAM 0-640K and
 * 1M-16M, backed by one host buffer indexed by guest-physical address and filled with a
 * pattern, so that every byte the loader writes (and every byte it must not) is visible;
 * a second small buffer backs the 64 KiB below 4 GiB for tests that add RAM there.
 * Kernels are built by hand: an a.out-kludge image and ELF32/ELF64 images, each with its
 * multiboot header fields spelled out here. Every rejection checks that the host buffer
 * is unchanged and that the copy callback was never called, and no write ever lands in a
 * firmware-reserved range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/guest_loader.h>

#define KiB	(1024ULL)
#define MiB	(1024ULL * KiB)
#define GiB	(1024ULL * MiB)
#define RAM_END (16 * MiB)
#define PAT	0xa5
#define HI_BASE (4 * GiB - 64 * KiB)

#define MB_MAGIC   0x1badb002
#define MB_EAX	   0x2badb002
#define MB_AOUT	   (1u << 16)
#define MB_ALIGN   (1u << 0)
#define MB_MEMINFO (1u << 1)
#define MB_VIDEO   (1u << 2)

/* Multiboot information flags (3.3): MEM, CMDLINE, MODS, MMAP, BOOT_LOADER_NAME. */
#define MBI_MEM	     0x001
#define MBI_CMDLINE  0x004
#define MBI_MODS     0x008
#define MBI_MMAP     0x040
#define MBI_NAME     0x200
#define MBI_NO_MODS  (MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_NAME)
#define MBI_ALL	     (MBI_NO_MODS | MBI_MODS)
#define MBI_SIZE     116
#define MBI_HDR_AREA 120 /* the structure rounded up to 8 */

static const struct vm_mem_region low_and_high[] = {
	{.gpa = 0, .hpa = 0, .size = 640 * KiB},
	{.gpa = 1 * MiB, .hpa = 1 * MiB, .size = RAM_END - 1 * MiB},
};

static u8 *ram, *pristine, hiram[64 * KiB];
static unsigned int writes;
static struct guest_mem mem;
static struct guest_entry entry;

static u64 fake_copy_to(void *ctx, u64 gpa, const void *src, u64 len)
{
	u8 *dst;

	(void)ctx;
	/* Regions some tests add elsewhere (above 4 GiB) must never be written. */
	if (gpa >= HI_BASE) {
		assert_true(gpa + len <= 4 * GiB);
		dst = hiram + (gpa - HI_BASE);
	} else {
		assert_true(gpa + len <= RAM_END);
		dst = ram + gpa;
	}
	assert_true(guest_mem_contains(&mem, gpa, len));
	/* guest_load_acpi() writes the tables before it reserves them: nothing else may. */
	assert_false(guest_mem_overlaps_reserved(&mem, gpa, len));
	if (src)
		memcpy(dst, src, len);
	else
		memset(dst, 0, len);
	writes++;
	return len;
}

/* Host address of guest-physical gpa in either buffer. */
static u8 *gp(u64 gpa)
{
	return gpa >= HI_BASE ? hiram + (gpa - HI_BASE) : ram + gpa;
}

static void use_regions(const struct vm_mem_region *r, u32 n)
{
	mem.regions = r;
	mem.region_count = n;
}

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_END);
	pristine = malloc(RAM_END);
	assert_non_null(ram);
	assert_non_null(pristine);
	memset(ram, PAT, RAM_END);
	memset(pristine, PAT, RAM_END);
	memset(hiram, PAT, sizeof(hiram));
	writes = 0;
	mem = (struct guest_mem){.copy_to = fake_copy_to};
	use_regions(low_and_high, 2);
	memset(&entry, 0x5a, sizeof(entry));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	free(pristine);
	return 0;
}

static void assert_ram_untouched(void)
{
	assert_int_equal(writes, 0);
	assert_true(memcmp(ram, pristine, RAM_END) == 0);
}

static void put32(u8 *p, u64 off, u32 v)
{
	memcpy(p + off, &v, 4);
}

static void put16(u8 *p, u64 off, u16 v)
{
	memcpy(p + off, &v, 2);
}

static void put64(u8 *p, u64 off, u64 v)
{
	memcpy(p + off, &v, 8);
}

static u32 get32(u64 gpa)
{
	u32 v;

	memcpy(&v, gp(gpa), 4);
	return v;
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, gp(gpa), 8);
	return v;
}

/* magic, flags, checksum (3.1.2): the three add up to 0 mod 2^32. */
static void mb_header(u8 *img, u64 off, u32 flags)
{
	put32(img, off, MB_MAGIC);
	put32(img, off + 4, flags);
	put32(img, off + 8, 0u - MB_MAGIC - flags);
}

/* 3.1.3: header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr. */
static void mb_addrs(u8 *img, u64 off, u32 header, u32 load, u32 load_end, u32 bss_end,
		     u32 entry_addr)
{
	put32(img, off + 12, header);
	put32(img, off + 16, load);
	put32(img, off + 20, load_end);
	put32(img, off + 24, bss_end);
	put32(img, off + 28, entry_addr);
}

static int load(const void *img, u64 size, const void *module, u64 module_size,
		const char *module_string, const char *cmdline)
{
	return guest_load_multiboot(img, size, module, module_size, module_string, cmdline, &mem,
				    &entry);
}

static void expect_error(const void *img, u64 size, int err)
{
	writes = 0;
	assert_int_equal(load(img, size, NULL, 0, NULL, "x"), err);
	assert_ram_untouched();
}

/* Entry state (3.2): 32-bit protected mode with the magic in eax, the information in ebx. */
static void assert_entry(u64 rip, u64 info)
{
	assert_int_equal(entry.rip, rip);
	assert_int_equal(entry.rax, MB_EAX);
	assert_int_equal(entry.rbx, info);
	assert_int_equal(entry.rsi, 0);
	assert_true(entry.protected_mode);
	assert_false(entry.long_mode);
}

/* The 116-byte information structure (3.3), byte for byte. */
static void assert_info(u64 at, u32 flags, u32 lower, u32 upper, u32 cmdline, u32 mods_count,
			u32 mods_addr, u32 mmap_length, u32 mmap_addr, u32 name)
{
	u8 want[MBI_HDR_AREA] = {0};

	put32(want, 0, flags);
	put32(want, 4, lower);
	put32(want, 8, upper);
	put32(want, 16, cmdline);
	put32(want, 20, mods_count);
	put32(want, 24, mods_addr);
	put32(want, 44, mmap_length);
	put32(want, 48, mmap_addr);
	put32(want, 64, name);
	/* The padding up to the next 8-byte boundary is zeroed too. */
	assert_memory_equal(gp(at), want, MBI_HDR_AREA);
}

/* One memory map entry (3.3 "mmap_addr"): size 20, base, length, type (1 RAM, 2 reserved). */
static void assert_mmap_typed(u64 at, u64 base, u64 length, u32 type)
{
	assert_int_equal(get32(at), 20);
	assert_int_equal(get64(at + 4), base);
	assert_int_equal(get64(at + 12), length);
	assert_int_equal(get32(at + 20), type);
}

static void assert_mmap_entry(u64 at, u64 base, u64 length)
{
	assert_mmap_typed(at, base, length, 1);
}

/* ---- a.out kludge kernel ---- */

/*
 * The header sits at file offset 0x60 and says it lands at 0x200020, so loading starts at
 * file offset 0x40 (header_addr - load_addr = 0x20 before it): file [0x40, 0x1040) goes to
 * [2M, 2M + 0x1000), bss up to 2M + 0x3000. The last 0x7c0 bytes of the file are not
 * loaded.
 */
#define AOUT_SIZE   0x1800
#define AOUT_HDR    0x60
#define AOUT_FILE   0x40
#define AOUT_LOAD   (2 * MiB)
#define AOUT_HADDR  (AOUT_LOAD + AOUT_HDR - AOUT_FILE)
#define AOUT_LEND   (AOUT_LOAD + 0x1000)
#define AOUT_BSSEND (AOUT_LOAD + 0x3000)
#define AOUT_ENTRY  (AOUT_LOAD + 0x100)

static u8 aout[AOUT_SIZE];

static void build_aout_at(u32 load, u32 flags)
{
	u32 i;

	for (i = 0; i < AOUT_SIZE; i++)
		aout[i] = (u8)(i * 7 + 3);
	mb_header(aout, AOUT_HDR, flags | MB_AOUT);
	mb_addrs(aout, AOUT_HDR, load + AOUT_HDR - AOUT_FILE, load, load + 0x1000, load + 0x3000,
		 load + 0x100);
}

static void build_aout(void)
{
	build_aout_at(AOUT_LOAD, MB_ALIGN | MB_MEMINFO);
}

#define CMDLINE	    "console=ttyS0 debug" /* 19 characters */
#define MODULE_SIZE 0x1234

static u8 module[0x2000];

static void build_module(void)
{
	for (u32 i = 0; i < sizeof(module); i++)
		module[i] = (u8)(i * 5 + 11);
}

static void aout_kernel_with_module_and_cmdline(void **state)
{
	/*
	 * Information block: 120 (structure) + 16 (module) + 2 * 24 (mmap) + 9 ("Bulkhead")
	 * + 20 (command line) + 7 ("initrd") = 220 bytes, at the highest 8-byte aligned
	 * address below 640K; the module at the highest page below 16M.
	 */
	const u64 info = 0x9ff20, mods = 0x9ff98, mmap = 0x9ffa8, name = 0x9ffd8, cmd = 0x9ffe1,
		  modstr = 0x9fff5, mod = 0xffe000;

	(void)state;
	build_aout();
	build_module();
	assert_int_equal(load(aout, AOUT_SIZE, module, MODULE_SIZE, "initrd", CMDLINE), 0);
	assert_entry(AOUT_ENTRY, info);

	/* Kernel: the file range, then a zeroed bss, nothing around it. */
	assert_memory_equal(ram + AOUT_LOAD, aout + AOUT_FILE, 0x1000);
	for (u64 a = AOUT_LEND; a < AOUT_BSSEND; a++)
		assert_int_equal(ram[a], 0);
	assert_int_equal(ram[AOUT_LOAD - 1], PAT);
	assert_int_equal(ram[AOUT_BSSEND], PAT);

	/* Module. */
	assert_memory_equal(ram + mod, module, MODULE_SIZE);
	assert_int_equal(ram[mod - 1], PAT);
	assert_int_equal(ram[mod + MODULE_SIZE], PAT);

	/* Information. */
	assert_info(info, MBI_ALL, 640, 15 * 1024, cmd, 1, mods, 48, mmap, name);
	assert_int_equal(get32(mods), mod);
	assert_int_equal(get32(mods + 4), mod + MODULE_SIZE);
	assert_int_equal(get32(mods + 8), modstr);
	assert_int_equal(get32(mods + 12), 0);
	assert_mmap_entry(mmap, 0, 640 * KiB);
	assert_mmap_entry(mmap + 24, 1 * MiB, 15 * MiB);
	assert_memory_equal(ram + name, "Bulkhead", 9);
	assert_memory_equal(ram + cmd, CMDLINE, sizeof(CMDLINE));
	assert_memory_equal(ram + modstr, "initrd", 7);
	assert_int_equal(ram[info - 1], PAT);
	assert_int_equal(ram[modstr + 7], PAT);
	/* Low pages 0-0x1fff untouched. */
	assert_memory_equal(ram, pristine, 0x2000);
}

static void aout_kernel_without_module_or_bss(void **state)
{
	/* 120 + 2 * 24 + 9 + 1 (empty command line) = 178 bytes. */
	const u64 info = 0x9ff48;

	(void)state;
	build_aout();
	mb_addrs(aout, AOUT_HDR, AOUT_HADDR, AOUT_LOAD, AOUT_LEND, 0, AOUT_ENTRY);
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0, NULL, NULL), 0);
	assert_entry(AOUT_ENTRY, info);
	assert_memory_equal(ram + AOUT_LOAD, aout + AOUT_FILE, 0x1000);
	assert_int_equal(ram[AOUT_LEND], PAT); /* no bss */
	assert_info(info, MBI_NO_MODS, 640, 15 * 1024, info + 177, 0, 0, 48, info + 120,
		    info + 168);
	assert_int_equal(ram[info + 177], 0);
	assert_int_equal(ram[info + 178], PAT);

	/* A module pointer with size 0 and a module size without pointer are no module. */
	memset(ram, PAT, RAM_END);
	assert_int_equal(load(aout, AOUT_SIZE, module, 0, "m", NULL), 0);
	assert_int_equal(entry.rbx, info);
	assert_int_equal(get32(info), MBI_NO_MODS);
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0x1000, "m", NULL), 0);
	assert_int_equal(get32(info), MBI_NO_MODS);
}

static void aout_load_end_zero_loads_the_whole_file(void **state)
{
	(void)state;
	build_aout();
	mb_addrs(aout, AOUT_HDR, AOUT_HADDR, AOUT_LOAD, 0, AOUT_BSSEND, AOUT_ENTRY);
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0, NULL, ""), 0);
	assert_memory_equal(ram + AOUT_LOAD, aout + AOUT_FILE, AOUT_SIZE - AOUT_FILE);
	for (u64 a = AOUT_LOAD + AOUT_SIZE - AOUT_FILE; a < AOUT_BSSEND; a++)
		assert_int_equal(ram[a], 0);
	assert_int_equal(ram[AOUT_BSSEND], PAT);
	assert_entry(AOUT_ENTRY, 0x9ff48);

	/* bss_end_addr equal to the end of the load: an empty bss. */
	memset(ram, PAT, RAM_END);
	mb_addrs(aout, AOUT_HDR, AOUT_HADDR, AOUT_LOAD, 0, AOUT_LOAD + AOUT_SIZE - AOUT_FILE,
		 AOUT_ENTRY);
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0, NULL, ""), 0);
	assert_int_equal(ram[AOUT_LOAD + AOUT_SIZE - AOUT_FILE], PAT);
}

static void optional_flags_are_ignored(void **state)
{
	(void)state;
	build_aout_at(AOUT_LOAD, 0xfffe0000u); /* bits 17-31 set, no requirements */
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0, NULL, ""), 0);
	assert_entry(AOUT_ENTRY, 0x9ff48);
}

/* ---- ELF kernels ---- */

#define ELF_SIZE    0x300
#define ELF_SEG_OFF 0x100 /* the segment's file bytes run to the end of the file */
#define ELF_FILESZ  (ELF_SIZE - ELF_SEG_OFF)
#define ELF_MEMSZ   0x1000
#define ELF32_PADDR (8 * MiB)
#define ELF64_PADDR (9 * MiB)

static u8 elf[ELF_SIZE];

static void elf_fill(void)
{
	memset(elf, 0, sizeof(elf));
	memcpy(elf,
	       "\x7f"
	       "ELF",
	       4);
	elf[5] = 1;	   /* ELFDATA2LSB */
	elf[6] = 1;	   /* EV_CURRENT */
	put16(elf, 16, 2); /* ET_EXEC */
	for (u32 i = ELF_SEG_OFF; i < ELF_SIZE; i++)
		elf[i] = (u8)(i * 13 + 1);
	/* The multiboot header opens the segment, as in most kernels' .text. */
	mb_header(elf, ELF_SEG_OFF, MB_ALIGN | MB_MEMINFO);
}

/* One PT_LOAD segment at paddr with bss, entered at paddr + 0x10. */
static void build_elf32_at(u32 paddr)
{
	u8 *ph = elf + 52;

	elf_fill();
	elf[4] = 1;	   /* ELFCLASS32 */
	put16(elf, 18, 3); /* EM_386 */
	put32(elf, 24, paddr + 0x10);
	put32(elf, 28, 52);
	put16(elf, 42, 32);
	put16(elf, 44, 1);
	put32(ph, 0, 1);
	put32(ph, 4, ELF_SEG_OFF);
	put32(ph, 8, paddr | 0xc0000000u); /* p_vaddr: ignored */
	put32(ph, 12, paddr);
	put32(ph, 16, ELF_FILESZ);
	put32(ph, 20, ELF_MEMSZ);
}

static void build_elf64_at(u64 paddr, u64 entry_addr)
{
	u8 *ph = elf + 64;

	elf_fill();
	elf[4] = 2;	    /* ELFCLASS64 */
	put16(elf, 18, 62); /* EM_X86_64 */
	put64(elf, 24, entry_addr);
	put64(elf, 32, 64);
	put16(elf, 54, 56);
	put16(elf, 56, 1);
	put32(ph, 0, 1);
	put64(ph, 8, ELF_SEG_OFF);
	put64(ph, 16, paddr | 0xffffffff80000000ULL);
	put64(ph, 24, paddr);
	put64(ph, 32, ELF_FILESZ);
	put64(ph, 40, ELF_MEMSZ);
}

static void assert_elf_loaded(u64 paddr)
{
	assert_memory_equal(ram + paddr, elf + ELF_SEG_OFF, ELF_FILESZ);
	for (u64 a = paddr + ELF_FILESZ; a < paddr + ELF_MEMSZ; a++)
		assert_int_equal(ram[a], 0);
	assert_int_equal(ram[paddr - 1], PAT);
	assert_int_equal(ram[paddr + ELF_MEMSZ], PAT);
}

static void elf32_kernel(void **state)
{
	const u64 info = 0x9ff20, mod = 0xffe000;

	(void)state;
	build_elf32_at(ELF32_PADDR);
	build_module();
	assert_int_equal(load(elf, ELF_SIZE, module, MODULE_SIZE, "initrd", CMDLINE), 0);
	assert_entry(ELF32_PADDR + 0x10, info);
	assert_elf_loaded(ELF32_PADDR);
	assert_info(info, MBI_ALL, 640, 15 * 1024, 0x9ffe1, 1, 0x9ff98, 48, 0x9ffa8, 0x9ffd8);
	assert_int_equal(get32(0x9ff98), mod);
	assert_memory_equal(ram + mod, module, MODULE_SIZE);
}

static void elf64_kernel_is_entered_in_protected_mode(void **state)
{
	(void)state;
	build_elf64_at(ELF64_PADDR, ELF64_PADDR + 0x20);
	assert_int_equal(load(elf, ELF_SIZE, NULL, 0, NULL, CMDLINE), 0);
	/* 3.2: 32-bit protected mode, paging off, whatever the ELF class. */
	assert_entry(ELF64_PADDR + 0x20, 0x9ff38); /* 120 + 48 + 9 + 20 = 197 bytes */
	assert_elf_loaded(ELF64_PADDR);
	assert_info(0x9ff38, MBI_NO_MODS, 640, 15 * 1024, 0x9ff38 + 177, 0, 0, 48, 0x9ff38 + 120,
		    0x9ff38 + 168);
	assert_string_equal((char *)ram + 0x9ff38 + 177, CMDLINE);
}

/* ---- placement ---- */

static void info_avoids_a_kernel_in_low_memory(void **state)
{
	(void)state;
	/* Kernel 0x90000-0x91000, bss to 0xa0000: the information goes below it. */
	build_aout_at(0x90000, 0);
	mb_addrs(aout, AOUT_HDR, 0x90020, 0x90000, 0x91000, 0xa0000, 0x90100);
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0, NULL, ""), 0);
	assert_entry(0x90100, 0x8ff48); /* 0x90000 - 178, rounded down to 8 */
	assert_int_equal(ram[0x8ff48 + 178], PAT);
	assert_int_equal(get32(0x8ff48), MBI_NO_MODS);
}

static void module_avoids_a_kernel_at_the_top(void **state)
{
	(void)state;
	/* Kernel and bss fill [16M - 0x3000, 16M): the module goes right below. */
	build_aout_at(RAM_END - 0x3000, MB_ALIGN);
	build_module();
	assert_int_equal(load(aout, AOUT_SIZE, module, MODULE_SIZE, "m", ""), 0);
	assert_int_equal(get32(entry.rbx + 120), RAM_END - 0x5000);
	assert_memory_equal(ram + RAM_END - 0x5000, module, MODULE_SIZE);
	assert_memory_equal(ram + RAM_END - 0x3000, aout + AOUT_FILE, 0x1000);
}

static void module_is_page_aligned_without_flag_bit_0(void **state)
{
	(void)state;
	build_aout_at(AOUT_LOAD, 0);
	build_module();
	assert_int_equal(load(aout, AOUT_SIZE, module, MODULE_SIZE - 1, "m", ""), 0);
	assert_int_equal(get32(entry.rbx + 120), 0xffe000);
	assert_int_equal(get32(entry.rbx + 124), 0xffe000 + MODULE_SIZE - 1);
}

static void info_falls_back_below_4g_when_low_memory_is_full(void **state)
{
	/* Low RAM ends at 0x2080: too little above 0x2000 for 220 bytes. */
	static const struct vm_mem_region r[] = {
		{.gpa = 0, .size = 0x2080},
		{.gpa = 1 * MiB, .size = 15 * MiB},
	};
	const u64 info = 0xffe000 - 224;

	(void)state;
	use_regions(r, 2);
	build_aout();
	build_module();
	assert_int_equal(load(aout, AOUT_SIZE, module, 0x2000, "initrd", CMDLINE), 0);
	/* The module takes the top 8 KiB of RAM, the information sits right below. */
	assert_entry(AOUT_ENTRY, info);
	assert_info(info, MBI_ALL, 8, 15 * 1024, info + 193, 1, info + 120, 48, info + 136,
		    info + 184);
	assert_int_equal(get32(info + 120), 0xffe000);
	assert_int_equal(get32(info + 124), RAM_END);
	assert_memory_equal(ram + 0xffe000, module, 0x2000);
	assert_mmap_entry(info + 136, 0, 0x2080);
	assert_memory_equal(ram, pristine, 1 * MiB);
}

static void everything_32bit_stays_below_4g(void **state)
{
	/* No room in low RAM; RAM straddling 4 GiB. */
	static const struct vm_mem_region r[] = {
		{.gpa = 0, .size = 0x2000},
		{.gpa = 1 * MiB, .size = 15 * MiB},
		{.gpa = HI_BASE, .size = 128 * KiB},
	};
	/* 120 + 16 + 3 * 24 + 9 + 1 + 2 = 220 bytes, ending at 4 GiB exactly. */
	const u64 info = 4 * GiB - 224;

	(void)state;
	use_regions(r, 3);
	build_aout();
	build_module();
	assert_int_equal(load(aout, AOUT_SIZE, module, 0x1000, "m", ""), 0);
	assert_entry(AOUT_ENTRY, info);
	assert_info(info, MBI_ALL, 8, 15 * 1024, info + 217, 1, info + 120, 72, info + 136,
		    info + 208);
	/*
	 * mod_end is exclusive and 32 bits wide: a module ending at 4 GiB could not be
	 * described, so the highest page that fits is one lower.
	 */
	assert_int_equal(get32(info + 120), 4 * GiB - 0x2000);
	assert_int_equal(get32(info + 124), 4 * GiB - 0x1000);
	assert_memory_equal(gp(4 * GiB - 0x2000), module, 0x1000);
	assert_mmap_entry(info + 136 + 48, HI_BASE, 128 * KiB);
	assert_string_equal((char *)gp(info + 218), "m");
}

static void info_never_goes_below_0x2000(void **state)
{
	/*
	 * RAM: 0-0x20b2 and the kernel's own 12 KiB. The 178-byte information fits exactly
	 * at 0x2000; one more command-line byte does not fit, although 0-0x1fff is free.
	 */
	static const struct vm_mem_region r[] = {
		{.gpa = 0, .size = 0x2000 + 178},
		{.gpa = AOUT_LOAD, .size = 0x3000},
	};

	(void)state;
	use_regions(r, 2);
	build_aout();
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0, NULL, ""), 0);
	assert_entry(AOUT_ENTRY, 0x2000);
	assert_info(0x2000, MBI_NO_MODS, 8, 0, 0x2000 + 177, 0, 0, 48, 0x2000 + 120, 0x2000 + 168);
	assert_memory_equal(ram, pristine, 0x2000);

	memset(ram, PAT, RAM_END);
	expect_error(aout, AOUT_SIZE, -ENOSPC);
	/* Nor is there room for a module beside the kernel. */
	build_module();
	assert_int_equal(load(aout, AOUT_SIZE, module, MODULE_SIZE, NULL, NULL), -ENOSPC);
	assert_ram_untouched();
}

static void kernel_may_start_at_0x2000(void **state)
{
	(void)state;
	build_aout_at(0x2000, 0);
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0, NULL, ""), 0);
	assert_memory_equal(ram + 0x2000, aout + AOUT_FILE, 0x1000);
	assert_memory_equal(ram, pristine, 0x2000);
	assert_entry(0x2100, 0x9ff48);
}

/* ---- memory information ---- */

struct mem_case {
	u32 lower, upper, entries, n;
	struct vm_mem_region r[4];
};

static void mem_lower_and_upper_follow_the_holes(void **state)
{
	static const struct mem_case cases[] = {
		/* One region from 0: lower is capped at 640K, upper runs to its end. */
		{640, 15 * 1024, 1, 1, {{.gpa = 0, .size = 16 * MiB}}},
		/* Lower RAM short of 640K; upper ends at the hole at 2M. */
		{636,
		 1024,
		 3,
		 3,
		 {{.gpa = 0, .size = 0x9f000},
		  {.gpa = 1 * MiB, .size = 1 * MiB},
		  {.gpa = 4 * MiB, .size = 12 * MiB}}},
		/* Adjacent regions count as one run; the empty region is not listed. */
		{640,
		 15 * 1024,
		 3,
		 4,
		 {{.gpa = 0, .size = 640 * KiB},
		  {.gpa = 1 * MiB, .size = 1 * MiB},
		  {.gpa = 5 * MiB, .size = 0},
		  {.gpa = 2 * MiB, .size = 14 * MiB}}},
		/* No RAM at 0; no RAM at 1M. */
		{0, 0, 1, 1, {{.gpa = 4 * MiB, .size = 12 * MiB}}},
		/* RAM above 4 GiB is listed (never written); the map is in address order. */
		{640,
		 15 * 1024,
		 3,
		 3,
		 {{.gpa = 0, .size = 640 * KiB},
		  {.gpa = 4 * GiB, .size = 1 * GiB},
		  {.gpa = 1 * MiB, .size = 15 * MiB}}},
	};

	(void)state;
	for (u32 c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct mem_case *k = &cases[c];
		struct vm_mem_region sorted[4];
		u64 info, mmap;
		u32 e = 0;

		/* The regions in address order (insertion sort). */
		for (u32 i = 0; i < k->n; i++) {
			u32 j = i;

			for (; j > 0 && sorted[j - 1].gpa > k->r[i].gpa; j--)
				sorted[j] = sorted[j - 1];
			sorted[j] = k->r[i];
		}

		memset(ram, PAT, RAM_END);
		use_regions(k->r, k->n);
		build_elf32_at(ELF32_PADDR);
		assert_int_equal(load(elf, ELF_SIZE, NULL, 0, NULL, ""), 0);
		info = entry.rbx;
		assert_int_equal(get32(info + 4), k->lower);
		assert_int_equal(get32(info + 8), k->upper);
		assert_int_equal(get32(info + 44), k->entries * 24);
		mmap = get32(info + 48);
		assert_int_equal(mmap, info + 120);
		for (u32 i = 0; i < k->n; i++) {
			if (sorted[i].size == 0)
				continue;
			assert_mmap_entry(mmap + e++ * 24, sorted[i].gpa, sorted[i].size);
		}
		assert_int_equal(e, k->entries);
	}
}

/* ---- rejections ---- */

static void header_search_rules(void **state)
{
	static u8 big[0x2100];

	(void)state;
	/* No header at all, and a header whose checksum is off by one. */
	memset(big, 0, sizeof(big));
	expect_error(big, sizeof(big), -ENOEXEC);
	expect_error(NULL, 0x1000, -ENOEXEC);
	build_aout();
	aout[AOUT_HDR + 8]++;
	expect_error(aout, AOUT_SIZE, -ENOEXEC);

	/* Misaligned: a valid header at offset 0x62. */
	build_aout();
	memmove(aout + AOUT_HDR + 2, aout + AOUT_HDR, 32);
	memset(aout + AOUT_HDR, 0, 2);
	expect_error(aout, AOUT_SIZE, -ENOEXEC);

	/*
	 * Near the 8 KiB limit: the 32-byte header may end at 8192 exactly; a header whose
	 * magic, flags and checksum cross 8192, or start there, is not found; one whose
	 * address fields cross it is inconsistent. Loaded from file offset 0 to 2M.
	 */
	memset(big, 0, sizeof(big));
	mb_header(big, 0x1fe0, MB_AOUT);
	mb_addrs(big, 0x1fe0, AOUT_LOAD + 0x1fe0, AOUT_LOAD, 0, 0, AOUT_LOAD + 0x1fe0);
	assert_int_equal(load(big, sizeof(big), NULL, 0, NULL, ""), 0);
	assert_int_equal(entry.rip, AOUT_LOAD + 0x1fe0);
	assert_memory_equal(ram + AOUT_LOAD, big, sizeof(big));
	memset(ram, PAT, RAM_END);
	writes = 0;
	for (u64 off = 0x1fe4; off <= 0x2000; off += 4) {
		memset(big, 0, sizeof(big));
		mb_header(big, off, MB_AOUT);
		mb_addrs(big, off, AOUT_LOAD + off, AOUT_LOAD, 0, 0, AOUT_LOAD + off);
		expect_error(big, sizeof(big), off + 12 <= 0x2000 ? -EINVAL : -ENOEXEC);
	}
}

static void unsupported_requirements(void **state)
{
	(void)state;
	/* Video mode: no framebuffer to offer. */
	build_aout_at(AOUT_LOAD, MB_VIDEO);
	expect_error(aout, AOUT_SIZE, -ENOTSUP);
	/* Every other requirement bit is unknown. */
	for (u32 bit = 3; bit < 16; bit++) {
		build_aout_at(AOUT_LOAD, MB_ALIGN | 1u << bit);
		expect_error(aout, AOUT_SIZE, -ENOTSUP);
	}
	/* The same for an ELF kernel. */
	build_elf32_at(ELF32_PADDR);
	mb_header(elf, ELF_SEG_OFF, MB_VIDEO);
	expect_error(elf, ELF_SIZE, -ENOTSUP);
}

static void expect_aout_error(u32 header, u32 load_addr, u32 load_end, u32 bss_end, u32 entry_addr,
			      int err)
{
	build_aout();
	mb_addrs(aout, AOUT_HDR, header, load_addr, load_end, bss_end, entry_addr);
	expect_error(aout, AOUT_SIZE, err);
}

static void inconsistent_aout_fields(void **state)
{
	const u32 h = AOUT_HADDR, l = AOUT_LOAD, le = AOUT_LEND, be = AOUT_BSSEND, e = AOUT_ENTRY;

	(void)state;
	/* load_addr above header_addr. */
	expect_aout_error(h, h + 4, le, be, h + 0x100, -EINVAL);
	/* Loading would start before the file: header_addr - load_addr > header offset. */
	expect_aout_error(l + AOUT_HDR + 4, l, le, be, e, -EINVAL);
	expect_aout_error(l + AOUT_HDR + 4, l, 0, 0, e, -EINVAL);
	expect_aout_error(0xffffffff, 0, le, be, e, -EINVAL);
	/* load_end_addr at or below load_addr, or beyond the file. */
	expect_aout_error(h, l, l, be, e, -EINVAL);
	expect_aout_error(h, l, l - 1, be, e, -EINVAL);
	expect_aout_error(h, l, l + AOUT_SIZE - AOUT_FILE + 1, 0, e, -EINVAL);
	/* The header itself not part of what is loaded. */
	expect_aout_error(h, l, h + 16, 0, l, -EINVAL);
	/* bss ending before the load does. */
	expect_aout_error(h, l, le, le - 1, e, -EINVAL);
	expect_aout_error(h, l, le, 1, e, -EINVAL);
	/* Entry before the kernel, in the bss, or past it. */
	expect_aout_error(h, l, le, be, l - 1, -EINVAL);
	expect_aout_error(h, l, le, be, le, -EINVAL);
	expect_aout_error(h, l, 0, 0, l + AOUT_SIZE - AOUT_FILE, -EINVAL);
	expect_aout_error(h, l, le, be, 0xffffffff, -EINVAL);
}

static void kernel_outside_ram(void **state)
{
	/* RAM straddling 4 GiB, never written: only the 4 GiB limit can refuse it. */
	static const struct vm_mem_region over4g[] = {
		{.gpa = 0, .size = 640 * KiB},
		{.gpa = 1 * MiB, .size = 15 * MiB},
		{.gpa = 4 * GiB - 1 * MiB, .size = 2 * MiB},
	};
	const u32 top = (u32)(4 * GiB - 0x1000);

	(void)state;
	/* In the 640K-1M hole, across the end of RAM (bss), past it, in 0-0x1fff. */
	build_aout_at(0xa0000, 0);
	expect_error(aout, AOUT_SIZE, -EFAULT);
	build_aout_at(RAM_END - 0x2000, 0);
	expect_error(aout, AOUT_SIZE, -EFAULT);
	build_aout_at(RAM_END, 0);
	expect_error(aout, AOUT_SIZE, -EFAULT);
	build_aout_at(0x1000, 0);
	expect_error(aout, AOUT_SIZE, -EFAULT);
	build_aout_at(0, 0);
	expect_error(aout, AOUT_SIZE, -EFAULT);
	/* bss_end_addr far beyond RAM. */
	expect_aout_error(AOUT_HADDR, AOUT_LOAD, AOUT_LEND, 0xffffffff, AOUT_ENTRY, -EFAULT);

	/* Whole-file load from just below 4 GiB: RAM, but the end is past 4 GiB. */
	use_regions(over4g, 3);
	build_aout();
	mb_addrs(aout, AOUT_HDR, top + 0x20, top, 0, 0, top + 0x100);
	expect_error(aout, AOUT_SIZE, -EFAULT);

	/* ELF: a segment in 0-0x1fff, in the hole, across 4 GiB; an entry above 4 GiB. */
	build_elf32_at(0x1000);
	expect_error(elf, ELF_SIZE, -EFAULT);
	build_elf32_at(0xa0000);
	expect_error(elf, ELF_SIZE, -EFAULT);
	build_elf64_at(4 * GiB - 0x800, 4 * GiB - 0x800);
	expect_error(elf, ELF_SIZE, -EFAULT);
	build_elf64_at(ELF64_PADDR, 4 * GiB + 0x100);
	expect_error(elf, ELF_SIZE, -EFAULT);
	build_elf64_at(ELF64_PADDR, 0xa0000); /* entry in the hole */
	expect_error(elf, ELF_SIZE, -EFAULT);
}

static void not_elf_without_address_fields(void **state)
{
	(void)state;
	/* A header without bit 16 on an image that is not an ELF. */
	build_aout_at(AOUT_LOAD, 0);
	mb_header(aout, AOUT_HDR, 0);
	expect_error(aout, AOUT_SIZE, -ENOEXEC);
	/* An ELF with no multiboot header. */
	build_elf32_at(ELF32_PADDR);
	memset(elf + ELF_SEG_OFF, 0, 12);
	expect_error(elf, ELF_SIZE, -ENOEXEC);
	/* An ELF the ELF loader refuses: big-endian, and segments overlapping. */
	build_elf32_at(ELF32_PADDR);
	elf[5] = 2;
	expect_error(elf, ELF_SIZE, -ENOEXEC);
	build_elf64_at(ELF64_PADDR, ELF64_PADDR);
	put16(elf, 56, 2);
	memcpy(elf + 64 + 56, elf + 64, 56);
	expect_error(elf, ELF_SIZE, -EINVAL);
}

static void truncated_images(void **state)
{
	(void)state;
	/*
	 * a.out: below the header's first 12 bytes there is no header; then the address
	 * fields, then the loaded range [0x40, 0x1040) are cut off.
	 */
	build_aout();
	for (u64 s = 0; s < AOUT_FILE + 0x1000; s++) {
		assert_int_equal(load(aout, s, NULL, 0, NULL, ""),
				 s < AOUT_HDR + 12 ? -ENOEXEC : -EINVAL);
		assert_int_equal(writes, 0);
	}
	/* ELF32 and ELF64: the header opens the segment, whose bytes run to the end. */
	build_elf32_at(ELF32_PADDR);
	for (u64 s = 0; s < ELF_SIZE; s++) {
		assert_int_equal(load(elf, s, NULL, 0, NULL, ""),
				 s < ELF_SEG_OFF + 12 ? -ENOEXEC : -EINVAL);
		assert_int_equal(writes, 0);
	}
	build_elf64_at(ELF64_PADDR, ELF64_PADDR);
	for (u64 s = 0; s < ELF_SIZE; s++) {
		assert_int_equal(load(elf, s, NULL, 0, NULL, ""),
				 s < ELF_SEG_OFF + 12 ? -ENOEXEC : -EINVAL);
		assert_int_equal(writes, 0);
	}
	assert_ram_untouched();

	/* The full sizes load. */
	build_aout();
	assert_int_equal(load(aout, AOUT_FILE + 0x1000, NULL, 0, NULL, ""), 0);
	assert_int_equal(load(elf, ELF_SIZE, NULL, 0, NULL, ""), 0);
}

static void limits(void **state)
{
	static struct vm_mem_region many[129];
	static char line[4097];

	(void)state;
	build_aout();
	build_module();
	/* Command line and module string: 4095 characters fit, 4096 do not. */
	memset(line, 'c', 4096);
	line[4096] = 0;
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0, NULL, line), -E2BIG);
	assert_int_equal(load(aout, AOUT_SIZE, module, MODULE_SIZE, line, ""), -E2BIG);
	assert_ram_untouched();
	line[4095] = 0;
	assert_int_equal(load(aout, AOUT_SIZE, module, MODULE_SIZE, line, line), 0);
	assert_string_equal((char *)ram + get32(entry.rbx + 16), line);
	assert_string_equal((char *)ram + get32(get32(entry.rbx + 24) + 8), line);

	/* More RAM regions than the memory map takes. */
	memset(ram, PAT, RAM_END);
	writes = 0;
	for (u32 i = 0; i < 129; i++)
		many[i] = (struct vm_mem_region){.gpa = 4 * GiB + i * MiB, .size = 4 * KiB};
	many[0] = (struct vm_mem_region){.gpa = 1 * MiB, .size = 15 * MiB};
	use_regions(many, 129);
	expect_error(aout, AOUT_SIZE, -E2BIG);
	use_regions(many, 128);
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0, NULL, ""), 0);
	assert_int_equal(get32(entry.rbx + 44), 128 * 24);
	/* 128 regions fit, but not once a reserved range splits one of them in two. */
	memset(ram, PAT, RAM_END);
	writes = 0;
	mem.reserved[0][0] = 8 * MiB;
	mem.reserved[0][1] = 8 * MiB + 0x1000;
	mem.reserved_count = 1;
	expect_error(aout, AOUT_SIZE, -E2BIG);
	/* Malformed reserved ranges: overlapping. */
	use_regions(low_and_high, 2);
	mem.reserved[1][0] = 8 * MiB - 0x1000;
	mem.reserved[1][1] = 8 * MiB + 0x1000;
	mem.reserved_count = 2;
	expect_error(aout, AOUT_SIZE, -EINVAL);
	mem.reserved_count = 0;

	/* A module larger than the free RAM, or than 4 GiB (size only: never read). */
	memset(ram, PAT, RAM_END);
	writes = 0;
	use_regions(low_and_high, 2);
	assert_int_equal(load(aout, AOUT_SIZE, module, 15 * MiB, "m", ""), -ENOSPC);
	assert_int_equal(load(aout, AOUT_SIZE, module, 8 * GiB, "m", ""), -ENOSPC);
	assert_ram_untouched();
}

/* ---- firmware-reserved ranges ---- */

static u8 tables[0x1300];

static void mmap_lists_the_acpi_tables_as_reserved(void **state)
{
	/* RAM from 0 without the legacy hole, so that the tables at 0xf2400 are in RAM. */
	static const struct vm_mem_region r[] = {
		{.gpa = 0, .size = 1 * MiB},
		{.gpa = 1 * MiB, .size = 15 * MiB},
	};
	/* 120 + 4 * 24 + 9 + 1 = 226 bytes below 640K, 8-byte aligned. */
	const u64 info = (0xa0000 - 226) & ~7ULL;

	(void)state;
	use_regions(r, 2);
	for (u32 i = 0; i < sizeof(tables); i++)
		tables[i] = (u8)(i * 3 + 1);
	assert_int_equal(guest_load_acpi(&mem, 0xf2400, tables, sizeof(tables)), 0);
	build_aout();
	assert_int_equal(load(aout, AOUT_SIZE, NULL, 0, NULL, NULL), 0);
	assert_entry(AOUT_ENTRY, info);
	assert_info(info, MBI_NO_MODS, 640, 15 * 1024, info + 225, 0, 0, 4 * 24, info + 120,
		    info + 216);
	/* RAM split around the pages the tables touch, 0xf2000-0xf3fff. */
	assert_mmap_typed(info + 120, 0, 0xf2000, 1);
	assert_mmap_typed(info + 144, 0xf2000, 0x2000, 2);
	assert_mmap_typed(info + 168, 0xf4000, 0xc000, 1);
	assert_mmap_typed(info + 192, 1 * MiB, 15 * MiB, 1);
	assert_memory_equal(ram + 0xf2400, tables, sizeof(tables));
}

static void module_and_info_avoid_reserved_ranges(void **state)
{
	/*
	 * The top page of low memory and of RAM reserved: the map has 4 entries, so the
	 * information takes 120 + 16 + 4 * 24 + 9 + 1 + 2 = 244 bytes below 0x9f000, and the
	 * module goes to the highest page that ends below 16M - 4K.
	 */
	const u64 info = (0x9f000 - 244) & ~7ULL;
	const u64 mod = (RAM_END - 0x1000 - MODULE_SIZE) & ~0xfffULL;

	(void)state;
	mem.reserved[0][0] = 0x9f000;
	mem.reserved[0][1] = 0xa0000;
	mem.reserved[1][0] = RAM_END - 0x1000;
	mem.reserved[1][1] = RAM_END;
	mem.reserved_count = 2;
	build_aout();
	build_module();
	assert_int_equal(load(aout, AOUT_SIZE, module, MODULE_SIZE, "m", ""), 0);
	assert_entry(AOUT_ENTRY, info);
	/* mem_lower and mem_upper end at the reserved ranges. */
	assert_info(info, MBI_ALL, 0x9f000 / 1024, (15 * MiB - 0x1000) / 1024, info + 241, 1,
		    info + 120, 4 * 24, info + 136, info + 232);
	assert_int_equal(get32(info + 120), mod);
	assert_memory_equal(ram + mod, module, MODULE_SIZE);
	assert_mmap_typed(info + 136, 0, 0x9f000, 1);
	assert_mmap_typed(info + 160, 0x9f000, 0x1000, 2);
	assert_mmap_typed(info + 184, 1 * MiB, 15 * MiB - 0x1000, 1);
	assert_mmap_typed(info + 208, RAM_END - 0x1000, 0x1000, 2);
	assert_memory_equal(ram + 0x9f000, pristine, 0x1000);
	assert_memory_equal(ram + RAM_END - 0x1000, pristine, 0x1000);
}

static void kernel_over_a_reserved_range_is_refused(void **state)
{
	(void)state;
	/* A page of the a.out kernel's bss, and of the ELF kernel's segment. */
	mem.reserved[0][0] = AOUT_LOAD + 0x2000;
	mem.reserved[0][1] = AOUT_LOAD + 0x3000;
	mem.reserved_count = 1;
	build_aout();
	expect_error(aout, AOUT_SIZE, -EBUSY);
	mem.reserved[0][0] = ELF32_PADDR;
	mem.reserved[0][1] = ELF32_PADDR + 0x1000;
	build_elf32_at(ELF32_PADDR);
	expect_error(elf, ELF_SIZE, -EBUSY);
	/* Right after it is fine. */
	build_elf32_at(ELF32_PADDR + 0x1000);
	assert_int_equal(load(elf, ELF_SIZE, NULL, 0, NULL, ""), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(aout_kernel_with_module_and_cmdline),
		T(aout_kernel_without_module_or_bss),
		T(aout_load_end_zero_loads_the_whole_file),
		T(optional_flags_are_ignored),
		T(elf32_kernel),
		T(elf64_kernel_is_entered_in_protected_mode),
		T(info_avoids_a_kernel_in_low_memory),
		T(module_avoids_a_kernel_at_the_top),
		T(module_is_page_aligned_without_flag_bit_0),
		T(info_falls_back_below_4g_when_low_memory_is_full),
		T(everything_32bit_stays_below_4g),
		T(info_never_goes_below_0x2000),
		T(kernel_may_start_at_0x2000),
		T(mem_lower_and_upper_follow_the_holes),
		T(header_search_rules),
		T(unsupported_requirements),
		T(inconsistent_aout_fields),
		T(kernel_outside_ram),
		T(not_elf_without_address_fields),
		T(truncated_images),
		T(limits),
		T(mmap_lists_the_acpi_tables_as_reserved),
		T(module_and_info_avoid_reserved_ranges),
		T(kernel_over_a_reserved_range_is_refused),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
