// SPDX-License-Identifier: BSD-3-Clause
/*
 * Memory: the multiboot memory map, every RAM region above 2 MiB usable at both ends,
 * the pattern= word, and containment of the isolation= addresses (outside the VM's
 * RAM: an access faults, or reads all ones and drops writes).
 */
#include "check.h"
#include "console.h"
#include "paging.h"
#include "testguest.h"

#define T "mem"

#define RAM_TEST_FLOOR (2ULL << 20)
#define ALL_ONES32     0xffffffffu

static u64 image_start(void)
{
	return (u64)(size_t)__image_start;
}

static u64 image_end(void)
{
	return (u64)(size_t)__image_end;
}

static bool in_ram(u64 addr, u64 len)
{
	unsigned int i;

	for (i = 0; i < boot.mmap_count; i++) {
		const struct ram_region *r = &boot.mmap[i];

		if (r->type == MMAP_TYPE_RAM && addr >= r->base &&
		    addr + len <= r->base + r->length)
			return true;
	}
	return false;
}

static void check_mmap(void)
{
	unsigned int i, ram = 0;
	u64 total = 0;

	if (boot.elf64_entry) {
		check_skip(
			T, "mmap",
			"no memory map after the ELF64 entry (no multiboot information): RAM checks skipped");
		return;
	}
	if (!boot.has_mmap) {
		check_fail(T, "mmap", "expected a multiboot memory map (flags bit 6), flags 0x%x",
			   boot.flags);
		return;
	}
	for (i = 0; i < boot.mmap_count; i++) {
		if (boot.mmap[i].type == MMAP_TYPE_RAM) {
			ram++;
			total += boot.mmap[i].length;
		}
	}
	if (ram > 0 && in_ram(image_start(), image_end() - image_start()))
		check_pass(T, "mmap", "%u entries, %u RAM, %llu KiB RAM", boot.mmap_count, ram,
			   total >> 10);
	else
		check_fail(
			T, "mmap",
			"expected RAM entries covering the image 0x%llx-0x%llx: %u entries, %u RAM, %llu KiB",
			image_start(), image_end(), boot.mmap_count, ram, total >> 10);
}

/* Writes two values derived from the name at addr, reads each back, restores the old one. */
static bool probe_ram_word(u64 addr, char *why, size_t size)
{
	u64 old = 0, seen = 0, value = name_hash ^ addr;
	struct fault f;
	char what[32];
	int i;

	f = probe_read64(addr, &old);
	for (i = 0; fault_none(f) && i < 2; i++, value = ~value) {
		f = probe_write64(addr, value);
		if (fault_none(f))
			f = probe_read64(addr, &seen);
		if (fault_none(f) && seen != value) {
			tg_snprintf(why, size, "0x%llx: wrote 0x%llx, read 0x%llx", addr, value,
				    seen);
			probe_write64(addr, old);
			return false;
		}
	}
	if (!fault_none(f)) {
		tg_snprintf(why, size, "0x%llx: %s", addr, fault_describe(f, what, sizeof(what)));
		return false;
	}
	probe_write64(addr, old);
	return true;
}

static void check_ram_region(const struct ram_region *r)
{
	u64 lo = r->base, hi = r->base + r->length;
	char name[40], why[128];
	const char *map_err;

	if (lo < RAM_TEST_FLOOR)
		lo = RAM_TEST_FLOOR;
	if (image_start() < hi && image_end() > lo) {
		if (image_start() <= lo)
			lo = image_end();
		else if (image_end() >= hi)
			hi = image_start();
	}
	lo = (lo + 7) & ~7ULL;
	hi &= ~7ULL;
	if (hi < lo + 8)
		return;
	tg_snprintf(name, sizeof(name), "ram_%llx", r->base);
	map_err = paging_map_identity(lo, hi - lo);
	if (map_err) {
		check_fail(T, name, "cannot map 0x%llx-0x%llx: %s", lo, hi, map_err);
		return;
	}
	if (!probe_ram_word(lo, why, sizeof(why)) || !probe_ram_word(hi - 8, why, sizeof(why))) {
		check_fail(T, name,
			   "expected RAM at the first and last 8 bytes of 0x%llx-0x%llx, %s", lo,
			   hi, why);
		return;
	}
	check_ok(T, name);
}

static void check_pattern(void)
{
	u64 expected = name_hash, seen = 0;
	struct fault f;
	char what[32];

	if (!in_ram(cfg.pattern_gpa, 8)) {
		check_fail(T, "pattern", "expected pattern=0x%llx inside a RAM region of the mmap",
			   cfg.pattern_gpa);
		return;
	}
	f = probe_read64(cfg.pattern_gpa, &seen);
	check(fault_none(f) && seen == expected, T, "pattern",
	      "expected 0x%llx at 0x%llx, read 0x%llx (%s)", expected, cfg.pattern_gpa, seen,
	      fault_describe(f, what, sizeof(what)));
}

static void check_isolation(u64 addr)
{
	u32 before = 0, after = 0, value = (u32)(name_hash ^ addr);
	struct fault fr, fw, fr2;
	char name[40], r_what[32], w_what[32], r2_what[32];
	const char *map_err = paging_map_identity(addr, 4);

	tg_snprintf(name, sizeof(name), "isolation_%llx", addr);
	if (map_err) {
		check_fail(T, name, "cannot map 0x%llx: %s", addr, map_err);
		return;
	}
	if (value == ALL_ONES32)
		value = 0x5a5a5a5a;
	fr = probe_read32(addr, &before);
	fault_describe(fr, r_what, sizeof(r_what));
	if (fault_none(fr) && before != ALL_ONES32) {
		/* Not contained already; writing would only corrupt whoever owns it. */
		check_fail(T, name, "expected an exception or all ones reading 0x%llx, read 0x%x",
			   addr, before);
		return;
	}
	fw = probe_write32(addr, value);
	fault_describe(fw, w_what, sizeof(w_what));
	fr2 = probe_read32(addr, &after);
	fault_describe(fr2, r2_what, sizeof(r2_what));
	if (fault_none(fr2) && after != ALL_ONES32) {
		check_fail(T, name,
			   "write of 0x%x to 0x%llx stuck: read %s 0x%x, write %s, read again 0x%x",
			   value, addr, r_what, before, w_what, after);
		return;
	}
	if (!fault_none(fr))
		check_pass(T, name, "read %s, write %s, read again %s", r_what,
			   fault_none(fw) ? "ignored" : w_what, r2_what);
	else
		check_pass(T, name, "reads all ones, write %s%s",
			   fault_none(fw) ? "discarded" : w_what,
			   fault_none(fr2) ? "" : ", read again faults");
}

void test_mem(void)
{
	unsigned int i;

	check_mmap();
	for (i = 0; i < boot.mmap_count; i++) {
		if (boot.mmap[i].type == MMAP_TYPE_RAM)
			check_ram_region(&boot.mmap[i]);
	}
	if (cfg.has_pattern)
		check_pattern();
	for (i = 0; i < cfg.isolation_count; i++)
		check_isolation(cfg.isolation[i]);
}
