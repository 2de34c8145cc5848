// SPDX-License-Identifier: BSD-3-Clause
/*
 * Guest image loaders against a fake guest memory: RAM 0-640K and 1M-256M backed by one
 * host buffer indexed by guest-physical address. ELF images and bzImages are built by
 * hand here, so every header field a test depends on is visible in the test. Every
 * rejection also checks that nothing was written: the loaders validate before writing.
 * No write ever lands in a firmware-reserved range (the fake copy callback checks), and
 * the memory map the guest is told is checked entry by entry.
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
#define RAM_END (256 * MiB)

static const struct vm_mem_region regions[] = {
	{.gpa = 0, .hpa = 0, .size = 640 * KiB},
	{.gpa = 1 * MiB, .hpa = 1 * MiB, .size = RAM_END - 1 * MiB},
};

/* RAM without the legacy hole, as two adjoining regions: room for ACPI tables at 0xf2400. */
static const struct vm_mem_region flat[] = {
	{.gpa = 0, .hpa = 0, .size = 1 * MiB},
	{.gpa = 1 * MiB, .hpa = 1 * MiB, .size = RAM_END - 1 * MiB},
};

#define ACPI_GPA 0xf2400ULL

static u8 *ram;
static unsigned int writes;
static struct guest_mem mem;
static struct guest_entry entry;

static u64 fake_copy_to(void *ctx, u64 gpa, const void *src, u64 len)
{
	(void)ctx;
	/* The loader promises to stay inside the regions; the buffer covers all of them. */
	assert_true(gpa + len <= RAM_END);
	assert_true(guest_mem_contains(&mem, gpa, len));
	/* guest_load_acpi() writes the tables before it reserves them: nothing else may. */
	assert_false(guest_mem_overlaps_reserved(&mem, gpa, len));
	if (src)
		memcpy(ram + gpa, src, len);
	else
		memset(ram + gpa, 0, len);
	writes++;
	return len;
}

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_END);
	assert_non_null(ram);
	writes = 0;
	mem = (struct guest_mem){
		.copy_to = fake_copy_to,
		.regions = regions,
		.region_count = 2,
	};
	memset(&entry, 0x5a, sizeof(entry));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static void put16(u8 *p, u64 off, u16 v)
{
	memcpy(p + off, &v, 2);
}

static void put32(u8 *p, u64 off, u32 v)
{
	memcpy(p + off, &v, 4);
}

static void put64(u8 *p, u64 off, u64 v)
{
	memcpy(p + off, &v, 8);
}

static u16 get16(u64 gpa)
{
	u16 v;

	memcpy(&v, ram + gpa, 2);
	return v;
}

static u32 get32(u64 gpa)
{
	u32 v;

	memcpy(&v, ram + gpa, 4);
	return v;
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

/* ---- ELF ---- */

#define ELF_SIZE  0x400
#define ELF_PHOFF 64
#define SEG0_OFF  0x200
#define SEG1_OFF  0x300
#define ELF_ENTRY 0x100010

static u8 elf[ELF_SIZE];

static void elf64_phdr(int i, u32 type, u64 off, u64 paddr, u64 filesz, u64 memsz)
{
	u8 *ph = elf + ELF_PHOFF + i * 56;

	put32(ph, 0, type);
	put32(ph, 4, 7);
	put64(ph, 8, off);
	put64(ph, 16, paddr | 0xffffffff80000000ULL); /* vaddr: must be ignored */
	put64(ph, 24, paddr);
	put64(ph, 32, filesz);
	put64(ph, 40, memsz);
	put64(ph, 48, 0x1000);
}

/* Two PT_LOAD segments (the second with 0xff0 bytes of bss) and a PT_NOTE. */
static void build_elf64(void)
{
	u32 i;

	memset(elf, 0, sizeof(elf));
	memcpy(elf,
	       "\x7f"
	       "ELF",
	       4);
	elf[4] = 2;	    /* ELFCLASS64 */
	elf[5] = 1;	    /* ELFDATA2LSB */
	elf[6] = 1;	    /* EV_CURRENT */
	put16(elf, 16, 2);  /* ET_EXEC */
	put16(elf, 18, 62); /* EM_X86_64 */
	put32(elf, 20, 1);
	put64(elf, 24, ELF_ENTRY);
	put64(elf, 32, ELF_PHOFF);
	put16(elf, 52, 64);
	put16(elf, 54, 56);
	put16(elf, 56, 3);
	elf64_phdr(0, 1, SEG0_OFF, 0x100000, 0x20, 0x20);
	elf64_phdr(1, 4, 0, 0, 0x10, 0x10); /* PT_NOTE */
	elf64_phdr(2, 1, SEG1_OFF, 0x200000, 0x10, 0x1000);
	for (i = SEG0_OFF; i < ELF_SIZE; i++)
		elf[i] = (u8)(i * 7 + 1);
}

static void elf64_segments_land_by_paddr_and_bss_is_zeroed(void **state)
{
	(void)state;
	build_elf64();
	memset(ram + 0x200000, 0xaa, 0x2000);
	assert_int_equal(guest_load_elf(elf, ELF_SIZE, &mem, &entry), 0);
	assert_memory_equal(ram + 0x100000, elf + SEG0_OFF, 0x20);
	assert_memory_equal(ram + 0x200000, elf + SEG1_OFF, 0x10);
	for (u32 i = 0x10; i < 0x1000; i++)
		assert_int_equal(ram[0x200000 + i], 0);
	/* Only memsz is written: the byte after the bss is untouched. */
	assert_int_equal(ram[0x201000], 0xaa);
	assert_int_equal(ram[0], 0); /* the PT_NOTE was not loaded */
	assert_int_equal(entry.rip, ELF_ENTRY);
	assert_int_equal(entry.rsi, 0);
	assert_true(entry.long_mode);
	assert_true(entry.protected_mode);
}

static void elf32_enters_protected_mode(void **state)
{
	u8 *ph = elf + 52;

	(void)state;
	memset(elf, 0, sizeof(elf));
	memcpy(elf,
	       "\x7f"
	       "ELF",
	       4);
	elf[4] = 1; /* ELFCLASS32 */
	elf[5] = 1;
	elf[6] = 1;
	put16(elf, 16, 2);
	put16(elf, 18, 3); /* EM_386 */
	put32(elf, 24, 0x300000);
	put32(elf, 28, 52);
	put16(elf, 42, 32);
	put16(elf, 44, 1);
	put32(ph, 0, 1);
	put32(ph, 4, 0x100);
	put32(ph, 12, 0x300000);
	put32(ph, 16, 0x8);
	put32(ph, 20, 0x100);
	memcpy(elf + 0x100, "32bitelf", 8);
	memset(ram + 0x300000, 0xaa, 0x200);
	assert_int_equal(guest_load_elf(elf, 0x108, &mem, &entry), 0);
	assert_memory_equal(ram + 0x300000, "32bitelf", 8);
	assert_int_equal(ram[0x3000ff], 0);
	assert_int_equal(ram[0x300100], 0xaa);
	assert_int_equal(entry.rip, 0x300000);
	assert_false(entry.long_mode);
	assert_true(entry.protected_mode);
}

static void expect_elf_error(u64 size, int err)
{
	writes = 0;
	assert_int_equal(guest_load_elf(elf, size, &mem, &entry), err);
	assert_int_equal(writes, 0);
}

static void elf_rejections_write_nothing(void **state)
{
	(void)state;
	build_elf64();
	expect_elf_error(0, -ENOEXEC);
	expect_elf_error(40, -ENOEXEC);		    /* shorter than an ELF32 header */
	expect_elf_error(60, -EINVAL);		    /* ELF64 header cut off */
	expect_elf_error(ELF_PHOFF + 100, -EINVAL); /* program headers cut off */
	expect_elf_error(SEG1_OFF + 8, -EINVAL);    /* second segment's file bytes cut off */

	build_elf64();
	elf[1] = 'e';
	expect_elf_error(ELF_SIZE, -ENOEXEC);
	build_elf64();
	elf[5] = 2; /* big-endian */
	expect_elf_error(ELF_SIZE, -ENOEXEC);
	build_elf64();
	put16(elf, 16, 3); /* ET_DYN */
	expect_elf_error(ELF_SIZE, -ENOEXEC);
	build_elf64();
	put16(elf, 18, 40); /* EM_ARM */
	expect_elf_error(ELF_SIZE, -ENOEXEC);
	build_elf64();
	put16(elf, 54, 32); /* e_phentsize smaller than Elf64_Phdr */
	expect_elf_error(ELF_SIZE, -EINVAL);
	build_elf64();
	put16(elf, 56, 1000);
	expect_elf_error(ELF_SIZE, -E2BIG);
	build_elf64();
	put16(elf, 56, 0);
	expect_elf_error(ELF_SIZE, -ENOEXEC);

	/* Segments: filesz > memsz, offset overflow, hole, beyond RAM, overlap, wraparound. */
	build_elf64();
	elf64_phdr(2, 1, SEG1_OFF, 0x200000, 0x20, 0x10);
	expect_elf_error(ELF_SIZE, -EINVAL);
	build_elf64();
	elf64_phdr(2, 1, ~0ULL - 4, 0x200000, 0x10, 0x10);
	expect_elf_error(ELF_SIZE, -EINVAL);
	build_elf64();
	elf64_phdr(2, 1, SEG1_OFF, 640 * KiB - 8, 0x10, 0x10); /* crosses into the hole */
	expect_elf_error(ELF_SIZE, -EFAULT);
	build_elf64();
	elf64_phdr(2, 1, SEG1_OFF, RAM_END - 0x800, 0x10, 0x1000);
	expect_elf_error(ELF_SIZE, -EFAULT);
	build_elf64();
	elf64_phdr(2, 1, SEG1_OFF, ~0ULL - 0x8, 0x10, 0x10);
	expect_elf_error(ELF_SIZE, -EFAULT);
	build_elf64();
	elf64_phdr(2, 1, SEG1_OFF, 0x100010, 0x10, 0x10); /* overlaps segment 0 */
	expect_elf_error(ELF_SIZE, -EINVAL);
	build_elf64();
	put64(elf, 24, 700 * KiB); /* entry in the hole */
	expect_elf_error(ELF_SIZE, -EFAULT);
	build_elf64();
	elf64_phdr(0, 6, 0, 0, 0, 0);
	elf64_phdr(2, 6, 0, 0, 0, 0); /* no PT_LOAD at all */
	expect_elf_error(ELF_SIZE, -ENOEXEC);
}

/* ---- raw ---- */

static void raw_image_is_copied_and_entered(void **state)
{
	static const u8 img[] = "raw kernel image";

	(void)state;
	assert_int_equal(guest_load_raw(img, sizeof(img), 0x400000, 0x400004, &mem, &entry), 0);
	assert_memory_equal(ram + 0x400000, img, sizeof(img));
	assert_int_equal(entry.rip, 0x400004);
	assert_int_equal(entry.rsi, 0);
	assert_false(entry.long_mode);
	assert_true(entry.protected_mode);
}

static void raw_rejections_write_nothing(void **state)
{
	static const u8 img[64];

	(void)state;
	assert_int_equal(guest_load_raw(img, 0, 0x400000, 0x400000, &mem, &entry), -EINVAL);
	assert_int_equal(guest_load_raw(NULL, 64, 0x400000, 0x400000, &mem, &entry), -EINVAL);
	assert_int_equal(guest_load_raw(img, 64, RAM_END - 32, RAM_END - 32, &mem, &entry),
			 -EFAULT);
	assert_int_equal(guest_load_raw(img, 64, 640 * KiB - 32, 0, &mem, &entry), -EFAULT);
	assert_int_equal(guest_load_raw(img, 64, 0x400000, 700 * KiB, &mem, &entry), -EFAULT);
	assert_int_equal(guest_load_raw(img, 64, ~0ULL - 16, 0x400000, &mem, &entry), -EFAULT);
	assert_int_equal(writes, 0);
}

/* ---- bzImage ---- */

#define BZ_SETUP    (5 * 512) /* setup_sects 4 plus the boot sector */
#define BZ_KERNEL   0x3000
#define BZ_SIZE	    (BZ_SETUP + BZ_KERNEL)
#define BZ_PREF	    (16 * MiB)
#define BZ_INIT	    (8 * MiB)
#define BZ_CMDLINE  "console=ttyS0 root=/dev/ram0"
#define INITRD_SIZE 0x2345

static u8 bz[BZ_SIZE];
static u8 initrd[INITRD_SIZE];

/* A bzImage of protocol 2.15 with a 64-bit entry, a 2 MiB-aligned relocatable kernel. */
static void build_bz(void)
{
	u32 i;

	memset(bz, 0, sizeof(bz));
	bz[0x1f1] = 4;			  /* setup_sects */
	put32(bz, 0x1f4, BZ_KERNEL / 16); /* syssize */
	put16(bz, 0x1fe, 0xaa55);	  /* boot_flag */
	bz[0x200] = 0xeb;		  /* jump: jmp short, */
	bz[0x201] = 0x6a;		  /* end of header at 0x26c */
	memcpy(bz + 0x202, "HdrS", 4);
	put16(bz, 0x206, 0x020f);     /* version */
	bz[0x211] = 0x01;	      /* loadflags: LOADED_HIGH */
	put32(bz, 0x22c, 0x7fffffff); /* initrd_addr_max */
	put32(bz, 0x230, 2 * MiB);    /* kernel_alignment */
	bz[0x234] = 1;		      /* relocatable_kernel */
	put16(bz, 0x236, 1);	      /* xloadflags: XLF_KERNEL_64 */
	put32(bz, 0x238, 255);	      /* cmdline_size */
	put64(bz, 0x258, BZ_PREF);    /* pref_address */
	put32(bz, 0x260, BZ_INIT);    /* init_size */
	for (i = BZ_SETUP; i < BZ_SIZE; i++)
		bz[i] = (u8)(i * 13 + 5);
	for (i = 0; i < INITRD_SIZE; i++)
		initrd[i] = (u8)(i * 3 + 1);
}

/* The zero page's e820 table (e820_entries at 0x1e8, the table at 0x2d0) is exactly want. */
static void check_e820_table(u64 zp, const struct guest_mem_map_entry *want, u32 n)
{
	assert_int_equal(ram[zp + 0x1e8], n);
	for (u32 i = 0; i < n; i++) {
		u64 e = zp + 0x2d0 + i * 20;

		assert_int_equal(get64(e), want[i].start);
		assert_int_equal(get64(e + 8), want[i].len);
		assert_int_equal(get32(e + 16), want[i].type);
	}
	assert_int_equal(get64(zp + 0x2d0 + n * 20), 0);
}

static void check_e820(u64 zp)
{
	const struct guest_mem_map_entry want[] = {
		{regions[0].gpa, regions[0].size, 1},
		{regions[1].gpa, regions[1].size, 1},
	};

	check_e820_table(zp, want, 2);
	/* No ACPI tables: no acpi_rsdp_addr. */
	assert_int_equal(get64(zp + 0x070), 0);
}

static void bzimage_at_pref_address_with_initrd_and_cmdline(void **state)
{
	u64 zp, cmd, rd;

	(void)state;
	build_bz();
	assert_int_equal(
		guest_load_bzimage(bz, BZ_SIZE, initrd, INITRD_SIZE, BZ_CMDLINE, &mem, &entry), 0);
	/* 64-bit entry: load address + 0x200, rsi = zero page. */
	assert_int_equal(entry.rip, BZ_PREF + 0x200);
	assert_true(entry.long_mode);
	assert_true(entry.protected_mode);
	zp = entry.rsi;
	assert_int_equal(zp, 0x1000); /* the lowest free page after page 0 */
	assert_memory_equal(ram + BZ_PREF, bz + BZ_SETUP, BZ_KERNEL);

	/* The setup header, copied from 0x1f1 to its end at 0x26c. */
	assert_int_equal(ram[zp + 0x1f1], 4);
	assert_int_equal(get16(zp + 0x1fe), 0xaa55);
	assert_memory_equal(ram + zp + 0x202, "HdrS", 4);
	assert_int_equal(get16(zp + 0x206), 0x020f);
	assert_int_equal(get64(zp + 0x258), BZ_PREF);
	assert_int_equal(get32(zp + 0x260), BZ_INIT);
	/* What the loader fills in. */
	assert_int_equal(ram[zp + 0x210], 0xff);
	assert_int_equal(ram[zp + 0x211], 0x81);
	assert_int_equal(get32(zp + 0x214), BZ_PREF);
	cmd = get32(zp + 0x228) | (u64)get32(zp + 0x0c8) << 32;
	assert_int_equal(cmd, 0x2000);
	assert_string_equal((char *)ram + cmd, BZ_CMDLINE);
	rd = get32(zp + 0x218) | (u64)get32(zp + 0x0c0) << 32;
	assert_int_equal(get32(zp + 0x21c), INITRD_SIZE);
	assert_int_equal(get32(zp + 0x0c4), 0);
	/* Highest page-aligned place in RAM. */
	assert_int_equal(rd, (RAM_END - INITRD_SIZE) & ~0xfffULL);
	assert_memory_equal(ram + rd, initrd, INITRD_SIZE);
	check_e820(zp);
	/* Nothing beyond the header was copied into the zero page. */
	assert_int_equal(ram[zp + 0x26c], 0);
}

static void bzimage_falls_back_to_an_aligned_address(void **state)
{
	(void)state;
	build_bz();
	put64(bz, 0x258, 512 * MiB); /* outside RAM */
	assert_int_equal(guest_load_bzimage(bz, BZ_SIZE, NULL, 0, NULL, &mem, &entry), 0);
	/* The lowest 2 MiB-aligned address at or above 1 MiB. */
	assert_int_equal(entry.rip, 2 * MiB + 0x200);
	assert_memory_equal(ram + 2 * MiB, bz + BZ_SETUP, BZ_KERNEL);
	/* No initrd, empty command line. */
	assert_int_equal(get32(entry.rsi + 0x218), 0);
	assert_int_equal(get32(entry.rsi + 0x21c), 0);
	assert_int_equal(ram[get32(entry.rsi + 0x228)], 0);

	/* Also when pref_address is RAM but init_size does not fit there. */
	build_bz();
	put64(bz, 0x258, RAM_END - 4 * MiB);
	assert_int_equal(guest_load_bzimage(bz, BZ_SIZE, NULL, 0, NULL, &mem, &entry), 0);
	assert_int_equal(entry.rip, 2 * MiB + 0x200);
}

static void bzimage_setup_sects_zero_means_four(void **state)
{
	(void)state;
	build_bz();
	bz[0x1f1] = 0;
	assert_int_equal(guest_load_bzimage(bz, BZ_SIZE, NULL, 0, "", &mem, &entry), 0);
	assert_memory_equal(ram + BZ_PREF, bz + BZ_SETUP, BZ_KERNEL);
}

static void bzimage_initrd_respects_addr_max_and_init_size(void **state)
{
	u64 rd;

	(void)state;
	build_bz();
	put32(bz, 0x22c, 128 * MiB - 1);
	assert_int_equal(guest_load_bzimage(bz, BZ_SIZE, initrd, INITRD_SIZE, NULL, &mem, &entry),
			 0);
	rd = get32(entry.rsi + 0x218);
	assert_int_equal(rd, (128 * MiB - INITRD_SIZE) & ~0xfffULL);

	/*
	 * Below 24 MiB the kernel's [16 MiB, 24 MiB) is taken from its load address through
	 * init_size: the initrd goes under it.
	 */
	build_bz();
	put32(bz, 0x22c, 24 * MiB - 1);
	memset(ram, 0, RAM_END);
	assert_int_equal(guest_load_bzimage(bz, BZ_SIZE, initrd, INITRD_SIZE, NULL, &mem, &entry),
			 0);
	rd = get32(entry.rsi + 0x218);
	assert_int_equal(rd, (BZ_PREF - INITRD_SIZE) & ~0xfffULL);
	assert_memory_equal(ram + rd, initrd, INITRD_SIZE);
}

static void bzimage_cmdline_may_use_all_of_cmdline_size(void **state)
{
	char line[9] = "12345678";

	(void)state;
	build_bz();
	put32(bz, 0x238, 8);
	assert_int_equal(guest_load_bzimage(bz, BZ_SIZE, NULL, 0, line, &mem, &entry), 0);
	assert_string_equal((char *)ram + get32(entry.rsi + 0x228), line);
}

static void expect_bz_error(u64 size, u64 initrd_size, const char *cmdline, int err)
{
	writes = 0;
	assert_int_equal(guest_load_bzimage(bz, size, initrd_size ? initrd : NULL, initrd_size,
					    cmdline, &mem, &entry),
			 err);
	assert_int_equal(writes, 0);
}

static void bzimage_rejections_write_nothing(void **state)
{
	static struct vm_mem_region many[129];

	(void)state;
	build_bz();
	expect_bz_error(0, 0, NULL, -EINVAL);
	expect_bz_error(0x200, 0, NULL, -EINVAL);	    /* truncated before the header */
	expect_bz_error(BZ_SETUP, 0, NULL, -EINVAL);	    /* no protected-mode kernel */
	expect_bz_error(BZ_SIZE - 0x100, 0, NULL, -EINVAL); /* shorter than syssize says */

	build_bz();
	put16(bz, 0x1fe, 0x55aa);
	expect_bz_error(BZ_SIZE, 0, NULL, -ENOEXEC);
	build_bz();
	memcpy(bz + 0x202, "HdrX", 4);
	expect_bz_error(BZ_SIZE, 0, NULL, -ENOEXEC);
	build_bz();
	put16(bz, 0x206, 0x020b); /* 2.11: no xloadflags */
	expect_bz_error(BZ_SIZE, 0, NULL, -ENOTSUP);
	build_bz();
	put16(bz, 0x236, 0); /* no 64-bit entry */
	expect_bz_error(BZ_SIZE, 0, NULL, -ENOTSUP);
	build_bz();
	put32(bz, 0x230, 3 * MiB); /* kernel_alignment not a power of two */
	expect_bz_error(BZ_SIZE, 0, NULL, -EINVAL);
	build_bz();
	put32(bz, 0x1f4, 0);
	expect_bz_error(BZ_SIZE, 0, NULL, -EINVAL);

	/* Command line one byte longer than cmdline_size. */
	build_bz();
	put32(bz, 0x238, 8);
	expect_bz_error(BZ_SIZE, 0, "123456789", -E2BIG);

	/* Placement. */
	build_bz();
	put64(bz, 0x258, 512 * MiB);
	bz[0x234] = 0; /* not relocatable and pref_address outside RAM */
	expect_bz_error(BZ_SIZE, 0, NULL, -ENOSPC);
	build_bz();
	put32(bz, 0x260, 0x20000000); /* init_size 512 MiB */
	expect_bz_error(BZ_SIZE, 0, NULL, -ENOSPC);
	build_bz();
	expect_bz_error(BZ_SIZE, 300 * MiB, NULL, -ENOSPC); /* (size only: never read) */
	build_bz();
	put32(bz, 0x22c, 2 * MiB - 1); /* initrd_addr_max too low for this initrd */
	put32(bz, 0x230, 1 * MiB);
	put64(bz, 0x258, 1 * MiB);
	expect_bz_error(BZ_SIZE, INITRD_SIZE, NULL, -ENOSPC);

	/* More RAM regions than the zero page's e820 table holds (the rest beyond RAM_END). */
	build_bz();
	for (u32 i = 0; i < 129; i++)
		many[i] = (struct vm_mem_region){.gpa = RAM_END + i * MiB, .size = 4 * KiB};
	many[0] = (struct vm_mem_region){.gpa = 1 * MiB, .size = 200 * MiB};
	mem.regions = many;
	mem.region_count = 129;
	expect_bz_error(BZ_SIZE, 0, NULL, -E2BIG);
	/* 128 fit, but not once a reserved range splits one of them in two. */
	mem.region_count = 128;
	assert_int_equal(guest_load_bzimage(bz, BZ_SIZE, NULL, 0, NULL, &mem, &entry), 0);
	assert_int_equal(ram[entry.rsi + 0x1e8], 128);
	mem.reserved[0][0] = 100 * MiB;
	mem.reserved[0][1] = 100 * MiB + 4 * KiB;
	mem.reserved_count = 1;
	expect_bz_error(BZ_SIZE, 0, NULL, -E2BIG);

	/* Malformed reserved ranges: empty. */
	mem.regions = regions;
	mem.region_count = 2;
	mem.reserved[0][1] = mem.reserved[0][0];
	expect_bz_error(BZ_SIZE, 0, NULL, -EINVAL);
}

static void find_free_skips_used_ranges(void **state)
{
	const u64 used[2][2] = {{1 * MiB, 3 * MiB}, {RAM_END - 1 * MiB, RAM_END}};
	u64 a;

	(void)state;
	assert_int_equal(
		guest_mem_find_free(&mem, 4 * KiB, 2 * MiB, 1 * MiB, ~0ULL, used, 2, false, &a), 0);
	assert_int_equal(a, 4 * MiB);
	assert_int_equal(
		guest_mem_find_free(&mem, 4 * KiB, 4 * KiB, 1 * MiB, ~0ULL, used, 2, true, &a), 0);
	assert_int_equal(a, RAM_END - 1 * MiB - 4 * KiB);
	/* Low memory: the 640K region. */
	assert_int_equal(
		guest_mem_find_free(&mem, 64 * KiB, 4 * KiB, 0, 1 * MiB, NULL, 0, true, &a), 0);
	assert_int_equal(a, 576 * KiB);
	assert_int_equal(
		guest_mem_find_free(&mem, 1 * MiB, 4 * KiB, 0, 1 * MiB, NULL, 0, false, &a),
		-ENOSPC);
	assert_int_equal(guest_mem_find_free(&mem, 4 * KiB, 3, 0, ~0ULL, NULL, 0, false, &a),
			 -EINVAL);
	assert_false(guest_mem_contains(&mem, 640 * KiB - 1, 2));
	assert_false(guest_mem_contains(&mem, ~0ULL, 2));
	assert_true(guest_mem_contains(&mem, 1 * MiB, RAM_END - 1 * MiB));
}

/* ---- firmware-reserved ranges and the memory map ---- */

static void find_free_skips_reserved_ranges(void **state)
{
	const u64 used[1][2] = {{4 * MiB, 6 * MiB}};
	u64 a;

	(void)state;
	mem.reserved[0][0] = 1 * MiB;
	mem.reserved[0][1] = 4 * MiB;
	mem.reserved[1][0] = RAM_END - 1 * MiB;
	mem.reserved[1][1] = RAM_END;
	mem.reserved_count = 2;
	/* Past the reserved range, then past the used one. */
	assert_int_equal(
		guest_mem_find_free(&mem, 4 * KiB, 2 * MiB, 1 * MiB, ~0ULL, used, 1, false, &a), 0);
	assert_int_equal(a, 6 * MiB);
	assert_int_equal(
		guest_mem_find_free(&mem, 4 * KiB, 4 * KiB, 1 * MiB, ~0ULL, NULL, 0, true, &a), 0);
	assert_int_equal(a, RAM_END - 1 * MiB - 4 * KiB);
	assert_true(guest_mem_overlaps_reserved(&mem, 4 * MiB - 1, 1));
	assert_false(guest_mem_overlaps_reserved(&mem, 4 * MiB, 1 * MiB));
	assert_true(guest_mem_overlaps_reserved(&mem, 0, ~0ULL));
}

#define RAM(s, l)                       \
	{                               \
		(s), (l), GUEST_MEM_RAM \
	}
#define RES(s, l)                            \
	{                                    \
		(s), (l), GUEST_MEM_RESERVED \
	}

struct map_case {
	const char *what;
	u32 nregions, nreserved, nentries;
	struct vm_mem_region r[4];
	u64 res[2][2];
	struct guest_mem_map_entry want[6];
};

static void map_splits_ram_around_reserved_ranges(void **state)
{
	static const struct map_case cases[] = {
		{"none",
		 2,
		 0,
		 2,
		 {{.gpa = 0, .size = 640 * KiB}, {.gpa = 1 * MiB, .size = 15 * MiB}},
		 {{0}},
		 {RAM(0, 640 * KiB), RAM(1 * MiB, 15 * MiB)}},
		{"at the start of a region",
		 1,
		 1,
		 2,
		 {{.gpa = 0, .size = 1 * MiB}},
		 {{0, 0x1000}},
		 {RES(0, 0x1000), RAM(0x1000, 1 * MiB - 0x1000)}},
		{"in the middle of a region",
		 1,
		 1,
		 3,
		 {{.gpa = 0, .size = 1 * MiB}},
		 {{0xf2000, 0xf4000}},
		 {RAM(0, 0xf2000), RES(0xf2000, 0x2000), RAM(0xf4000, 0xc000)}},
		{"at the end of a region",
		 2,
		 1,
		 3,
		 {{.gpa = 0, .size = 1 * MiB}, {.gpa = 2 * MiB, .size = 1 * MiB}},
		 {{0xff000, 1 * MiB}},
		 {RAM(0, 0xff000), RES(0xff000, 0x1000), RAM(2 * MiB, 1 * MiB)}},
		{"spanning two adjoining regions",
		 2,
		 1,
		 3,
		 {{.gpa = 0, .size = 1 * MiB}, {.gpa = 1 * MiB, .size = 1 * MiB}},
		 {{0xff000, 0x101000}},
		 {RAM(0, 0xff000), RES(0xff000, 0x2000), RAM(0x101000, 0xff000)}},
		{"a whole region; regions and ranges unsorted; an empty region",
		 3,
		 2,
		 4,
		 {{.gpa = 4 * MiB, .size = 1 * MiB},
		  {.gpa = 2 * MiB, .size = 0},
		  {.gpa = 0, .size = 1 * MiB}},
		 {{4 * MiB, 5 * MiB}, {0x1000, 0x2000}},
		 {RAM(0, 0x1000), RES(0x1000, 0x1000), RAM(0x2000, 1 * MiB - 0x2000),
		  RES(4 * MiB, 1 * MiB)}},
		{"two in one region, adjoining",
		 1,
		 2,
		 4,
		 {{.gpa = 0, .size = 1 * MiB}},
		 {{0x3000, 0x4000}, {0x2000, 0x3000}},
		 {RAM(0, 0x2000), RES(0x2000, 0x1000), RES(0x3000, 0x1000),
		  RAM(0x4000, 1 * MiB - 0x4000)}},
		{"in a hole: listed, no RAM split",
		 2,
		 1,
		 3,
		 {{.gpa = 0, .size = 640 * KiB}, {.gpa = 1 * MiB, .size = 1 * MiB}},
		 {{0xf0000, 0xf1000}},
		 {RAM(0, 640 * KiB), RES(0xf0000, 0x1000), RAM(1 * MiB, 1 * MiB)}},
	};
	struct guest_mem_map_entry e;

	(void)state;
	for (u32 c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct map_case *k = &cases[c];
		u64 pos = 0;
		u32 n = 0;

		mem.regions = k->r;
		mem.region_count = k->nregions;
		memcpy(mem.reserved, k->res, sizeof(k->res));
		mem.reserved_count = k->nreserved;
		if (guest_mem_map_count(&mem) != (int)k->nentries)
			fail_msg("%s: %d entries", k->what, guest_mem_map_count(&mem));
		for (; guest_mem_map_next(&mem, &pos, &e); n++) {
			const struct guest_mem_map_entry *w = &k->want[n];

			if (n >= k->nentries || e.start != w->start || e.len != w->len ||
			    e.type != w->type)
				fail_msg("%s: entry %u is 0x%llx+0x%llx type %u", k->what, n,
					 (unsigned long long)e.start, (unsigned long long)e.len,
					 e.type);
		}
		assert_int_equal(n, k->nentries);
	}
}

static void malformed_reserved_ranges_are_refused(void **state)
{
	(void)state;
	mem.reserved_count = 1;
	mem.reserved[0][0] = mem.reserved[0][1] = 0x1000; /* empty */
	assert_int_equal(guest_mem_map_count(&mem), -EINVAL);
	mem.reserved[0][1] = 0; /* inverted */
	assert_int_equal(guest_mem_map_count(&mem), -EINVAL);
	mem.reserved_count = 2;
	mem.reserved[0][0] = 0x1000;
	mem.reserved[0][1] = 0x3000;
	mem.reserved[1][0] = 0x2000;
	mem.reserved[1][1] = 0x4000; /* overlapping */
	assert_int_equal(guest_mem_map_count(&mem), -EINVAL);
	mem.reserved[1][0] = 0x3000;
	assert_int_equal(guest_mem_map_count(&mem), 5);
	mem.reserved_count = GUEST_MEM_MAX_RESERVED + 1;
	assert_int_equal(guest_mem_map_count(&mem), -EINVAL);
}

static u8 tables[0x1300];

static void fill_tables(void)
{
	memcpy(tables, "RSD PTR ", 8);
	for (u32 i = 8; i < sizeof(tables); i++)
		tables[i] = (u8)(i * 11 + 7);
}

static void acpi_tables_are_copied_and_reserved(void **state)
{
	(void)state;
	mem.regions = flat;
	fill_tables();
	memset(ram + 0xf0000, 0xaa, 0x10000);
	assert_int_equal(guest_load_acpi(&mem, ACPI_GPA, tables, sizeof(tables)), 0);
	assert_memory_equal(ram + ACPI_GPA, tables, sizeof(tables));
	assert_int_equal(ram[ACPI_GPA - 1], 0xaa);
	assert_int_equal(ram[ACPI_GPA + sizeof(tables)], 0xaa);
	/* The pages they touch, 0xf2000-0xf3fff, are reserved; the RSDP is first. */
	assert_int_equal(mem.reserved_count, 1);
	assert_int_equal(mem.reserved[0][0], 0xf2000);
	assert_int_equal(mem.reserved[0][1], 0xf4000);
	assert_int_equal(mem.acpi_rsdp, ACPI_GPA);

	/* Across two adjoining regions: one write per region. */
	mem.reserved_count = 0;
	writes = 0;
	assert_int_equal(guest_load_acpi(&mem, 1 * MiB - 0x100, tables, 0x200), 0);
	assert_int_equal(writes, 2);
	assert_memory_equal(ram + 1 * MiB - 0x100, tables, 0x200);
	assert_int_equal(mem.reserved[0][0], 1 * MiB - 0x1000);
	assert_int_equal(mem.reserved[0][1], 1 * MiB + 0x1000);
	assert_int_equal(mem.acpi_rsdp, 1 * MiB - 0x100);
}

static void acpi_tables_refusals_write_nothing(void **state)
{
	(void)state;
	fill_tables();
	writes = 0;
	/* In the 640K-1M hole, across the end of RAM, wrapping around. */
	assert_int_equal(guest_load_acpi(&mem, ACPI_GPA, tables, sizeof(tables)), -EFAULT);
	assert_int_equal(guest_load_acpi(&mem, 640 * KiB - 0x100, tables, 0x200), -EFAULT);
	assert_int_equal(guest_load_acpi(&mem, RAM_END - 0x100, tables, 0x200), -EFAULT);
	assert_int_equal(guest_load_acpi(&mem, ~0ULL - 0x10, tables, 0x100), -EFAULT);
	assert_int_equal(guest_load_acpi(&mem, 0x10000, NULL, 0x100), -EINVAL);
	assert_int_equal(guest_load_acpi(&mem, 0x10000, tables, 0), -EINVAL);
	/* Overlapping a reserved range, or only sharing a page with it. */
	mem.reserved[0][0] = 0x10800;
	mem.reserved[0][1] = 0x11000;
	mem.reserved_count = 1;
	assert_int_equal(guest_load_acpi(&mem, 0x11000 - 0x10, tables, 0x8), -EBUSY);
	assert_int_equal(guest_load_acpi(&mem, 0x10000, tables, 0x100), -EBUSY);
	/* No slot left. */
	for (u32 i = 1; i < GUEST_MEM_MAX_RESERVED; i++) {
		mem.reserved[i][0] = 0x20000 + i * 0x1000;
		mem.reserved[i][1] = 0x21000 + i * 0x1000;
	}
	mem.reserved_count = GUEST_MEM_MAX_RESERVED;
	assert_int_equal(guest_load_acpi(&mem, 0x40000, tables, 0x100), -ENOSPC);
	assert_int_equal(writes, 0);
	assert_int_equal(mem.acpi_rsdp, 0);
	assert_int_equal(mem.reserved_count, GUEST_MEM_MAX_RESERVED);
}

static void bzimage_gets_the_rsdp_and_a_reserved_e820_entry(void **state)
{
	const struct guest_mem_map_entry want[] = {
		RAM(0, 0xf2000),
		RES(0xf2000, 0x2000),
		RAM(0xf4000, 1 * MiB - 0xf4000),
		RAM(1 * MiB, RAM_END - 1 * MiB),
	};
	u64 zp;

	(void)state;
	mem.regions = flat;
	fill_tables();
	assert_int_equal(guest_load_acpi(&mem, ACPI_GPA, tables, sizeof(tables)), 0);
	build_bz();
	assert_int_equal(
		guest_load_bzimage(bz, BZ_SIZE, initrd, INITRD_SIZE, BZ_CMDLINE, &mem, &entry), 0);
	zp = entry.rsi;
	/* boot_params.acpi_rsdp_addr (zero-page.rst, 0x070). */
	assert_int_equal(get64(zp + 0x070), ACPI_GPA);
	check_e820_table(zp, want, 4);
	assert_memory_equal(ram + ACPI_GPA, tables, sizeof(tables));

	/* A 2.12 kernel has padding there and ignores it: written all the same. */
	build_bz();
	put16(bz, 0x206, 0x020c);
	memset(ram + zp, 0xaa, 0x1000);
	assert_int_equal(guest_load_bzimage(bz, BZ_SIZE, NULL, 0, NULL, &mem, &entry), 0);
	assert_int_equal(get64(entry.rsi + 0x070), ACPI_GPA);
	check_e820_table(entry.rsi, want, 4);
}

static void bzimage_placement_avoids_reserved_ranges(void **state)
{
	/*
	 * Reserved: pages 1-2 (where the zero page and command line would go), a page inside
	 * the kernel's preferred range and the top page (where the initrd would go).
	 */
	const struct guest_mem_map_entry want[] = {
		RAM(0, 0x1000),
		RES(0x1000, 0x2000),
		RAM(0x3000, 640 * KiB - 0x3000),
		RAM(1 * MiB, BZ_PREF + 0x1000 - 1 * MiB),
		RES(BZ_PREF + 0x1000, 0x1000),
		RAM(BZ_PREF + 0x2000, RAM_END - 0x1000 - BZ_PREF - 0x2000),
		RES(RAM_END - 0x1000, 0x1000),
	};
	u64 zp;

	(void)state;
	mem.reserved[0][0] = 0x1000;
	mem.reserved[0][1] = 0x3000;
	mem.reserved[1][0] = RAM_END - 0x1000;
	mem.reserved[1][1] = RAM_END;
	mem.reserved[2][0] = BZ_PREF + 0x1000;
	mem.reserved[2][1] = BZ_PREF + 0x2000;
	mem.reserved_count = 3;
	build_bz();
	assert_int_equal(
		guest_load_bzimage(bz, BZ_SIZE, initrd, INITRD_SIZE, BZ_CMDLINE, &mem, &entry), 0);
	/* Relocated to the lowest 2 MiB-aligned address with init_size free. */
	assert_int_equal(entry.rip, 2 * MiB + 0x200);
	zp = entry.rsi;
	assert_int_equal(zp, 0x3000);
	assert_int_equal(get32(zp + 0x228), 0x4000);
	assert_int_equal(get32(zp + 0x218), (RAM_END - 0x1000 - INITRD_SIZE) & ~0xfffULL);
	assert_int_equal(get64(zp + 0x070), 0);
	check_e820_table(zp, want, 7);

	/* A kernel that cannot move is refused. */
	build_bz();
	bz[0x234] = 0;
	expect_bz_error(BZ_SIZE, 0, NULL, -EBUSY);
}

static void elf_and_raw_refuse_reserved_ranges(void **state)
{
	static const u8 img[64];

	(void)state;
	/* The page of the second segment's bss. */
	mem.reserved[0][0] = 0x200000;
	mem.reserved[0][1] = 0x201000;
	mem.reserved_count = 1;
	build_elf64();
	expect_elf_error(ELF_SIZE, -EBUSY);
	writes = 0;
	assert_int_equal(
		guest_load_raw(img, sizeof(img), 0x200000 - 32, 0x200000 - 32, &mem, &entry),
		-EBUSY);
	assert_int_equal(writes, 0);
	/* Right next to it is fine. */
	mem.reserved[0][0] = 0x201000;
	mem.reserved[0][1] = 0x202000;
	assert_int_equal(guest_load_elf(elf, ELF_SIZE, &mem, &entry), 0);
	assert_int_equal(
		guest_load_raw(img, sizeof(img), 0x201000 - 64, 0x201000 - 64, &mem, &entry), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(elf64_segments_land_by_paddr_and_bss_is_zeroed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(elf32_enters_protected_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(elf_rejections_write_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(raw_image_is_copied_and_entered, setup, teardown),
		cmocka_unit_test_setup_teardown(raw_rejections_write_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(bzimage_at_pref_address_with_initrd_and_cmdline,
						setup, teardown),
		cmocka_unit_test_setup_teardown(bzimage_falls_back_to_an_aligned_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bzimage_setup_sects_zero_means_four, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bzimage_initrd_respects_addr_max_and_init_size,
						setup, teardown),
		cmocka_unit_test_setup_teardown(bzimage_cmdline_may_use_all_of_cmdline_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bzimage_rejections_write_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(find_free_skips_used_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(find_free_skips_reserved_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(map_splits_ram_around_reserved_ranges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(malformed_reserved_ranges_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(acpi_tables_are_copied_and_reserved, setup,
						teardown),
		cmocka_unit_test_setup_teardown(acpi_tables_refusals_write_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bzimage_gets_the_rsdp_and_a_reserved_e820_entry,
						setup, teardown),
		cmocka_unit_test_setup_teardown(bzimage_placement_avoids_reserved_ranges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(elf_and_raw_refuse_reserved_ranges, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
