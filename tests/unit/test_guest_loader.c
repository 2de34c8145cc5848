// SPDX-License-Identifier: BSD-3-Clause
/*
 * Guest image loaders against a fake guest memory: RAM 0-640K and 1M-256M backed by one
 * host buffer indexed by guest-physical address. ELF images and bzImages are built by
 * hand here, so every header field a test depends on is visible in the test. Every
 * rejection also checks that nothing was written: the loaders validate before writing.
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

static void check_e820(u64 zp)
{
	assert_int_equal(ram[zp + 0x1e8], 2);
	for (u32 i = 0; i < 2; i++) {
		u64 e = zp + 0x2d0 + i * 20;

		assert_int_equal(get64(e), regions[i].gpa);
		assert_int_equal(get64(e + 8), regions[i].size);
		assert_int_equal(get32(e + 16), 1);
	}
	assert_int_equal(get64(zp + 0x2d0 + 2 * 20), 0);
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

	/* More RAM regions than the zero page's e820 table holds. */
	build_bz();
	for (u32 i = 0; i < 129; i++)
		many[i] = (struct vm_mem_region){.gpa = (i + 1) * MiB, .size = 4 * KiB};
	many[0].size = 200 * MiB;
	mem.regions = many;
	mem.region_count = 129;
	expect_bz_error(BZ_SIZE, 0, NULL, -E2BIG);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
