// SPDX-License-Identifier: BSD-3-Clause
/*
 * Multiboot2 boot information parser. Each MBI is built here tag by tag, then copied
 * into a heap buffer of exactly total_size bytes, so AddressSanitizer catches any read
 * past the end the bootloader declared.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/multiboot2.h>
#include "fake_log.h"

#define MBI_MAX 8192

static _Alignas(8) u8 mbi[MBI_MAX];
static size_t mbi_len;
static struct boot_info info;
static u8 *heap_mbi;

static void put(const void *p, size_t n)
{
	assert_true(mbi_len + n <= MBI_MAX);
	memcpy(mbi + mbi_len, p, n);
	mbi_len += n;
}

static void put32(u32 v)
{
	put(&v, 4);
}

static void put64(u64 v)
{
	put(&v, 8);
}

static void align8(void)
{
	while (mbi_len % 8)
		mbi[mbi_len++] = 0;
}

static void mbi_begin(void)
{
	memset(mbi, 0, sizeof(mbi));
	mbi_len = 0;
	put32(0); /* total_size, set by mbi_end() */
	put32(0);
}

static size_t tag_begin(u32 type)
{
	size_t start;

	align8();
	start = mbi_len;
	put32(type);
	put32(0);
	return start;
}

static void tag_end(size_t start)
{
	u32 size = (u32)(mbi_len - start);

	memcpy(mbi + start + 4, &size, 4);
}

static void string_tag(u32 type, const char *s)
{
	size_t t = tag_begin(type);

	put(s, strlen(s) + 1);
	tag_end(t);
}

static void module_tag(u32 start, u32 end, const char *s)
{
	size_t t = tag_begin(MB2_TAG_MODULE);

	put32(start);
	put32(end);
	put(s, strlen(s) + 1);
	tag_end(t);
}

static void mmap_entry(u64 base, u64 len, u32 type)
{
	put64(base);
	put64(len);
	put32(type);
	put32(0);
}

static void mbi_end(void)
{
	u32 total;

	align8();
	put32(MB2_TAG_END);
	put32(8);
	total = (u32)mbi_len;
	memcpy(mbi, &total, 4);
}

/* Parses a heap copy of exactly total_size (or len, if given) bytes. */
static int parse_len(size_t len)
{
	free(heap_mbi);
	heap_mbi = malloc(len);
	assert_non_null(heap_mbi);
	memcpy(heap_mbi, mbi, len);
	return mb2_parse(heap_mbi, 0x10000, &info);
}

static int parse(void)
{
	return parse_len(mbi_len);
}

static int setup(void **state)
{
	(void)state;
	fake_log_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(heap_mbi);
	heap_mbi = NULL;
	return 0;
}

static void valid_mbi(void **state)
{
	u8 rsdp[36];
	size_t t;

	(void)state;
	memset(rsdp, 0x5a, sizeof(rsdp));
	mbi_begin();
	string_tag(MB2_TAG_CMDLINE, "console=com1 loglevel=4");
	string_tag(MB2_TAG_BOOTLOADER, "GRUB 2.06");
	module_tag(0x200000, 0x300000, "vm0 kernel root=/dev/vda");
	module_tag(0x400000, 0x401000, "initrd");
	t = tag_begin(MB2_TAG_BASIC_MEMINFO);
	put32(639);
	put32(2096000);
	tag_end(t);
	t = tag_begin(MB2_TAG_MMAP);
	put32(24);
	put32(0);
	mmap_entry(0, 0x9fc00, MB2_MEM_AVAILABLE);
	mmap_entry(0x9fc00, 0x400, MB2_MEM_RESERVED);
	mmap_entry(0x100000, 0x7fee0000, MB2_MEM_AVAILABLE);
	mmap_entry(0x7ffe0000, 0x20000, MB2_MEM_ACPI);
	tag_end(t);
	t = tag_begin(21); /* load base address: not used */
	put32(0x100000);
	tag_end(t);
	t = tag_begin(MB2_TAG_ACPI_NEW);
	put(rsdp, 36);
	tag_end(t);
	mbi_end();

	assert_int_equal(parse(), 0);
	assert_int_equal(info.mbi_addr, 0x10000);
	assert_int_equal(info.mbi_size, mbi_len);
	assert_string_equal(info.cmdline, "console=com1 loglevel=4");
	assert_string_equal(info.loader_name, "GRUB 2.06");
	assert_int_equal(info.module_count, 2);
	assert_int_equal(info.modules_dropped, 0);
	assert_int_equal(info.modules[0].start, 0x200000);
	assert_int_equal(info.modules[0].end, 0x300000);
	assert_string_equal(info.modules[0].string, "vm0 kernel root=/dev/vda");
	assert_string_equal(info.modules[1].string, "initrd");
	assert_int_equal(info.mmap_count, 4);
	assert_int_equal(info.mmap_dropped, 0);
	assert_int_equal(info.mmap[2].base, 0x100000);
	assert_int_equal(info.mmap[2].length, 0x7fee0000);
	assert_int_equal(info.mmap[2].type, MB2_MEM_AVAILABLE);
	assert_int_equal(info.mmap[3].type, MB2_MEM_ACPI);
	assert_non_null(info.rsdp);
	assert_int_equal(info.rsdp_len, 36);
	assert_true(info.rsdp_is_v2);
	assert_memory_equal(info.rsdp, rsdp, 36);
	/* Strings and the RSDP point into the MBI itself. */
	assert_true((const u8 *)info.cmdline > heap_mbi &&
		    (const u8 *)info.cmdline < heap_mbi + mbi_len);
	assert_int_equal(info.bad_tags, 0);
	assert_false(fake_log_contains("multiboot2"));
}

static void minimal_mbi_and_bigger_mmap_entries(void **state)
{
	size_t t;

	(void)state;
	mbi_begin();
	mbi_end();
	assert_int_equal(parse(), 0);
	assert_string_equal(info.cmdline, "");
	assert_string_equal(info.loader_name, "");
	assert_null(info.rsdp);
	assert_int_equal(info.bad_tags, 0);

	/* A later version may grow the entries: entry_size is what counts. */
	mbi_begin();
	t = tag_begin(MB2_TAG_MMAP);
	put32(32);
	put32(1);
	mmap_entry(0x1000, 0x2000, MB2_MEM_AVAILABLE);
	put64(0xdeadbeef);
	mmap_entry(0x5000, 0x1000, MB2_MEM_NVS);
	put64(0xdeadbeef);
	put32(0x1234); /* a partial entry at the end is ignored */
	tag_end(t);
	mbi_end();
	assert_int_equal(parse(), 0);
	assert_int_equal(info.mmap_count, 2);
	assert_int_equal(info.mmap[1].base, 0x5000);
	assert_int_equal(info.mmap[1].type, MB2_MEM_NVS);
	assert_int_equal(info.bad_tags, 0);
}

static void acpi_new_tag_wins(void **state)
{
	u8 v1[20], v2[36];
	size_t t;

	(void)state;
	memset(v1, 1, sizeof(v1));
	memset(v2, 2, sizeof(v2));
	mbi_begin();
	t = tag_begin(MB2_TAG_ACPI_NEW);
	put(v2, 36);
	tag_end(t);
	t = tag_begin(MB2_TAG_ACPI_OLD);
	put(v1, 20);
	tag_end(t);
	mbi_end();
	assert_int_equal(parse(), 0);
	assert_true(info.rsdp_is_v2);
	assert_int_equal(info.rsdp_len, 36);
	assert_int_equal(((const u8 *)info.rsdp)[0], 2);

	mbi_begin();
	t = tag_begin(MB2_TAG_ACPI_OLD);
	put(v1, 20);
	tag_end(t);
	mbi_end();
	assert_int_equal(parse(), 0);
	assert_false(info.rsdp_is_v2);
	assert_int_equal(info.rsdp_len, 20);
	assert_int_equal(((const u8 *)info.rsdp)[0], 1);
}

static void truncated_tags_skipped(void **state)
{
	size_t t;

	(void)state;
	mbi_begin();
	t = tag_begin(MB2_TAG_CMDLINE); /* 8: no terminator */
	put("hello", 5);
	tag_end(t);
	t = tag_begin(MB2_TAG_MODULE); /* 24: too short */
	put32(0x1000);
	tag_end(t);
	t = tag_begin(MB2_TAG_MODULE); /* 40: unterminated string */
	put32(0x1000);
	put32(0x2000);
	put("abc", 3);
	tag_end(t);
	module_tag(0x3000, 0x3000, "empty"); /* 64 */
	t = tag_begin(MB2_TAG_ACPI_NEW);     /* 88: only a 1.0 RSDP's worth */
	put("RSD PTR 0123456789AB", 20);
	tag_end(t);
	t = tag_begin(MB2_TAG_MMAP); /* 120: no entry_version */
	put32(24);
	tag_end(t);
	string_tag(MB2_TAG_BOOTLOADER, "still parsed"); /* 136 */
	mbi_end();

	assert_int_equal(parse(), 0);
	assert_int_equal(info.bad_tags, 6);
	assert_string_equal(info.cmdline, "");
	assert_string_equal(info.loader_name, "still parsed");
	assert_int_equal(info.module_count, 0);
	assert_null(info.rsdp);
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 8 (type 1, size 13) has an unterminated string, skipped\n"));
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 24 (type 3, size 12) is too short for a module, skipped\n"));
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 40 (type 3, size 19) has an unterminated string, skipped\n"));
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 64 (type 3, size 22) has an empty or inverted range, skipped\n"));
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 88 (type 15, size 28) is too short for an RSDP, skipped\n"));
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 120 (type 6, size 12) is too short for a memory map, skipped\n"));
}

static void tag_running_past_total_size(void **state)
{
	size_t t;

	(void)state;
	mbi_begin();
	string_tag(MB2_TAG_CMDLINE, "first");
	t = tag_begin(MB2_TAG_BOOTLOADER); /* 24 */
	put("loader", 7);
	tag_end(t);
	mbi_end();
	memcpy(mbi + 28, &(u32){0x1000}, 4);
	assert_int_equal(parse(), 0);
	assert_string_equal(info.cmdline, "first");
	assert_string_equal(info.loader_name, "");
	assert_int_equal(info.bad_tags, 1);
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 24 (type 2, size 4096) runs past total_size, ignoring the rest\n"));

	/* total_size itself ends inside a tag: the same, seen from the other side. */
	fake_log_reset();
	mbi_begin();
	string_tag(MB2_TAG_CMDLINE, "a rather long command line");
	mbi_end();
	memcpy(mbi, &(u32){24}, 4);
	assert_int_equal(parse_len(24), 0);
	assert_string_equal(info.cmdline, "");
	assert_int_equal(info.bad_tags, 1);
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 8 (type 1, size 35) runs past total_size, ignoring the rest\n"));
}

static void zero_size_tag_stops_walk(void **state)
{
	size_t t;

	(void)state;
	mbi_begin();
	string_tag(MB2_TAG_CMDLINE, "x");
	t = tag_begin(MB2_TAG_MODULE); /* 24: size left at 0 */
	put32(0);
	put32(0);
	string_tag(MB2_TAG_BOOTLOADER, "unreachable");
	mbi_end();
	memset(mbi + 28, 0, 4);
	(void)t;
	assert_int_equal(parse(), 0);
	assert_string_equal(info.cmdline, "x");
	assert_string_equal(info.loader_name, "");
	assert_int_equal(info.bad_tags, 1);
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 24 (type 3, size 0) has a size below 8, ignoring the rest\n"));
}

static void mmap_entry_size_checked(void **state)
{
	size_t t;

	(void)state;
	mbi_begin();
	t = tag_begin(MB2_TAG_MMAP); /* 8 */
	put32(16);
	put32(0);
	mmap_entry(0, 0x1000, 1);
	tag_end(t);
	t = tag_begin(MB2_TAG_MMAP); /* 48 */
	put32(28);
	put32(0);
	mmap_entry(0, 0x1000, 1);
	put64(0);
	tag_end(t);
	t = tag_begin(MB2_TAG_MMAP); /* 96: the first good one is used */
	put32(24);
	put32(0);
	mmap_entry(0x100000, 0x100000, 1);
	mmap_entry(0xfffffffffffff000ULL, 0x2000, 2); /* wraps past 2^64 */
	tag_end(t);
	t = tag_begin(MB2_TAG_MMAP); /* a second good one is ignored */
	put32(24);
	put32(0);
	mmap_entry(0, 0x1000, 1);
	tag_end(t);
	mbi_end();

	assert_int_equal(parse(), 0);
	assert_int_equal(info.bad_tags, 2);
	assert_int_equal(info.mmap_count, 1);
	assert_int_equal(info.mmap[0].base, 0x100000);
	assert_int_equal(info.mmap_dropped, 1);
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 8 (type 6, size 40) has a bad entry_size, skipped\n"));
	assert_true(fake_log_contains(
		"multiboot2: tag at offset 48 (type 6, size 48) has a bad entry_size, skipped\n"));
	assert_true(fake_log_contains(
		"multiboot2: memory map entry 0xfffffffffffff000+0x2000 wraps, ignored\n"));
	assert_true(fake_log_contains("multiboot2: 1 memory map entries ignored\n"));
}

static void too_many_modules_and_mmap_entries(void **state)
{
	char name[16];
	size_t t;
	u32 i;

	(void)state;
	mbi_begin();
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "mod%u", i);
		module_tag(0x1000000 + i * 0x1000, 0x1000000 + (i + 1) * 0x1000, name);
	}
	t = tag_begin(MB2_TAG_MMAP);
	put32(24);
	put32(0);
	for (i = 0; i < 130; i++)
		mmap_entry(i * 0x1000ULL, 0x1000, 1);
	tag_end(t);
	mbi_end();

	assert_int_equal(parse(), 0);
	assert_int_equal(info.module_count, MB2_MAX_MODULES);
	assert_int_equal(info.modules_dropped, 4);
	assert_string_equal(info.modules[15].string, "mod15");
	assert_int_equal(info.mmap_count, MB2_MAX_MMAP);
	assert_int_equal(info.mmap_dropped, 2);
	assert_int_equal(info.bad_tags, 0);
	assert_true(fake_log_contains("multiboot2: more than 16 modules, ignoring \"mod16\"\n"));
	assert_true(fake_log_contains("multiboot2: more than 16 modules, ignoring \"mod19\"\n"));
	assert_true(fake_log_contains("multiboot2: 2 memory map entries ignored\n"));
}

static void unusable_header_rejected(void **state)
{
	(void)state;
	mbi_begin();
	mbi_end();
	assert_int_equal(mb2_parse(NULL, 0, &info), -EINVAL);
	assert_string_equal(info.cmdline, "");
	assert_int_equal(mb2_parse(mbi, 0, NULL), -EINVAL);
	assert_int_equal(mb2_parse(mbi + 4, 0, &info), -EINVAL);
	assert_true(fake_log_contains("multiboot2: boot information missing or misaligned\n"));
	memcpy(mbi, &(u32){8}, 4);
	assert_int_equal(parse_len(8), -EINVAL);
	assert_true(fake_log_contains("multiboot2: total_size 8 is too small\n"));

	/* No end tag: what was found is kept, and the omission reported. */
	fake_log_reset();
	mbi_begin();
	string_tag(MB2_TAG_CMDLINE, "no end");
	align8();
	memcpy(mbi, &(u32){(u32)mbi_len}, 4);
	assert_int_equal(parse(), 0);
	assert_string_equal(info.cmdline, "no end");
	assert_int_equal(info.bad_tags, 1);
	assert_true(fake_log_contains("multiboot2: no end tag inside total_size 24\n"));
}

static u64 rng_state;

static u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static bool inside(const void *p, size_t len, const u8 *buf, size_t size)
{
	return (const u8 *)p >= buf && len <= size &&
	       (const u8 *)p - buf <= (ptrdiff_t)(size - len);
}

static void random_mutation(void **state)
{
	static const u32 sizes[] = {0, 1, 4, 7, 8, 9, 12, 15, 16, 17, 24, 0x7fffffff, 0xffffffff};
	static u8 good[MBI_MAX];
	size_t good_len, i;
	int it;

	(void)state;
	valid_mbi(state);
	memcpy(good, mbi, mbi_len);
	good_len = mbi_len;
	rng_state = 0xb0071e55ULL;

	for (it = 0; it < 5000; it++) {
		int m, muts = 1 + (int)(rng() % 4);
		u32 total;

		memcpy(mbi, good, good_len);
		for (m = 0; m < muts; m++) {
			size_t off = rng() % good_len;

			switch (rng() % 5) {
			case 0:
				mbi[off] ^= (u8)(1U << (rng() % 8));
				break;
			case 1:
				mbi[off] = (u8)rng();
				break;
			case 2: /* a tag's size field (tags start 8-aligned) */
				off = (off & ~(size_t)7) + 4;
				if (off + 4 <= good_len)
					memcpy(mbi + off, &sizes[rng() % ARRAY_SIZE(sizes)], 4);
				break;
			case 3: /* an mmap entry_size or module bounds */
				memcpy(mbi + (off & ~(size_t)3), &(u32){(u32)(rng() % 40)}, 4);
				break;
			default: /* total_size, within what the caller could have mapped */
				total = (u32)(rng() % (good_len + 16));
				memcpy(mbi, &total, 4);
				break;
			}
		}
		/* The caller maps total_size bytes: a huge value is its problem, not ours. */
		memcpy(&total, mbi, 4);
		if (total > MBI_MAX) {
			total = MBI_MAX;
			memcpy(mbi, &total, 4);
		}
		fake_log_reset();
		if (parse_len(total < 8 ? 8 : total) != 0) {
			assert_true(total < 16);
			continue;
		}
		assert_non_null(info.cmdline);
		assert_non_null(info.loader_name);
		assert_true(info.cmdline[0] == '\0' ||
			    inside(info.cmdline, strlen(info.cmdline) + 1, heap_mbi, total));
		assert_true(
			info.loader_name[0] == '\0' ||
			inside(info.loader_name, strlen(info.loader_name) + 1, heap_mbi, total));
		assert_true(info.module_count <= MB2_MAX_MODULES);
		for (i = 0; i < info.module_count; i++) {
			assert_true(info.modules[i].start < info.modules[i].end);
			assert_true(inside(info.modules[i].string,
					   strlen(info.modules[i].string) + 1, heap_mbi, total));
		}
		assert_true(info.mmap_count <= MB2_MAX_MMAP);
		for (i = 0; i < info.mmap_count; i++)
			assert_true(info.mmap[i].length <= ~(u64)0 - info.mmap[i].base);
		if (info.rsdp)
			assert_true(inside(info.rsdp, info.rsdp_len, heap_mbi, total));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(valid_mbi, setup, teardown),
		cmocka_unit_test_setup_teardown(minimal_mbi_and_bigger_mmap_entries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(acpi_new_tag_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_tags_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(tag_running_past_total_size, setup, teardown),
		cmocka_unit_test_setup_teardown(zero_size_tag_stops_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(mmap_entry_size_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(too_many_modules_and_mmap_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(unusable_header_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(random_mutation, setup, teardown),
	};
	return cmocka_run_group_tests_name("multiboot2", tests, NULL, NULL);
}
