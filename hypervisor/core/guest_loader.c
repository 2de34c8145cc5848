// SPDX-License-Identifier: BSD-3-Clause
/*
 * Architecture-neutral guest image loaders: ELF executables and raw images, plus the
 * guest-memory helpers (free-range search, firmware-reserved ranges, the memory map the
 * guest is told) and the ELF phases the other loaders (core/multiboot_loader.c,
 * arch/x86/guest/bzimage.c) share.
 *
 * Every loader runs in two phases: the first reads and checks every header field against
 * the image size and the VM's RAM and decides every destination; the second only writes.
 * A rejected image therefore leaves guest memory untouched.
 *
 * ELF field offsets: System V ABI, "ELF Header" and "Program Header" (gABI 4.1), with the
 * x86-64 psABI for EM_X86_64.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/guest_loader.h>
#include <bulkhead/string.h>
#include <bulkhead/unaligned.h>

/* e_ident (gABI "ELF Identification"). */
#define EI_CLASS    4
#define EI_DATA	    5
#define EI_VERSION  6
#define ELFCLASS32  1
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC	    2
#define EM_386	    3
#define EM_X86_64   62
#define PT_LOAD	    1
#define EHDR32_SIZE 52
#define EHDR64_SIZE 64
#define PHDR32_SIZE 32
#define PHDR64_SIZE 56

#define PAGE_SIZE_4K 0x1000ULL

/* [start, start + len) lies inside [0, size), without overflowing. */
static bool range_in(u64 start, u64 len, u64 size)
{
	return start <= size && len <= size - start;
}

/* The end of region r, clamped at the top of the address space. */
static u64 region_end(const struct vm_mem_region *r)
{
	return r->gpa + r->size < r->gpa ? ~0ULL : r->gpa + r->size;
}

static bool overlaps(u64 a, u64 a_end, u64 b, u64 b_end)
{
	return a < b_end && b < a_end;
}

/* The reserved ranges to look at: never more than the array holds. */
static u32 nreserved(const struct guest_mem *mem)
{
	return MIN(mem->reserved_count, (u32)GUEST_MEM_MAX_RESERVED);
}

bool guest_mem_contains(const struct guest_mem *mem, u64 gpa, u64 len)
{
	u32 i;

	if (len == 0 || gpa + len < gpa)
		return false;
	for (i = 0; i < mem->region_count; i++) {
		const struct vm_mem_region *r = &mem->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size && len <= r->size - (gpa - r->gpa))
			return true;
	}
	return false;
}

int guest_mem_write(const struct guest_mem *mem, u64 gpa, const void *src, u64 len)
{
	if (len == 0)
		return 0;
	if (!guest_mem_contains(mem, gpa, len))
		return -EFAULT;
	if (mem->copy_to(mem->ctx, gpa, src, len) != len)
		return -EFAULT;
	return 0;
}

bool guest_mem_overlaps_reserved(const struct guest_mem *mem, u64 gpa, u64 len)
{
	u64 end = gpa + len < gpa ? ~0ULL : gpa + len;

	for (u32 i = 0; i < nreserved(mem); i++)
		if (overlaps(gpa, end, mem->reserved[i][0], mem->reserved[i][1]))
			return true;
	return false;
}

/* The first used or reserved range that [a, a + len) overlaps, or NULL. */
static const u64 *first_overlap(const struct guest_mem *mem, u64 a, u64 len, const u64 (*used)[2],
				u32 nres)
{
	u32 i;

	for (i = 0; i < nres; i++) {
		if (overlaps(a, a + len, used[i][0], used[i][1]))
			return used[i];
	}
	for (i = 0; i < nreserved(mem); i++) {
		if (overlaps(a, a + len, mem->reserved[i][0], mem->reserved[i][1]))
			return mem->reserved[i];
	}
	return NULL;
}

/*
 * Lowest fit inside [lo, hi): every overlap moves the candidate past the range it hit,
 * so the loop ends after at most nres + reserved_count + 1 rounds.
 */
static bool fit_low(const struct guest_mem *mem, u64 lo, u64 hi, u64 len, u64 align,
		    const u64 (*used)[2], u32 nres, u64 *out)
{
	u64 a = ALIGN_UP(lo, align);
	const u64 *hit;

	while (a >= lo && a <= hi && len <= hi - a) {
		hit = first_overlap(mem, a, len, used, nres);
		if (!hit) {
			*out = a;
			return true;
		}
		a = ALIGN_UP(hit[1], align);
		if (a < hit[1])
			return false;
	}
	return false;
}

/* Highest fit inside [lo, hi): the mirror image of fit_low(). */
static bool fit_high(const struct guest_mem *mem, u64 lo, u64 hi, u64 len, u64 align,
		     const u64 (*used)[2], u32 nres, u64 *out)
{
	const u64 *hit;
	u64 a;

	if (hi < lo || len > hi - lo)
		return false;
	a = ALIGN_DOWN(hi - len, align);
	while (a >= lo) {
		hit = first_overlap(mem, a, len, used, nres);
		if (!hit) {
			*out = a;
			return true;
		}
		if (hit[0] < len)
			return false;
		a = ALIGN_DOWN(hit[0] - len, align);
	}
	return false;
}

int guest_mem_find_free(const struct guest_mem *mem, u64 len, u64 align, u64 min, u64 max,
			const u64 (*used)[2], u32 nres, bool high, u64 *out)
{
	bool found = false;
	u64 best = 0, a;
	u32 i;

	if (len == 0 || align == 0 || (align & (align - 1)))
		return -EINVAL;
	for (i = 0; i < mem->region_count; i++) {
		const struct vm_mem_region *r = &mem->regions[i];
		u64 lo = MAX(r->gpa, min);
		u64 hi = MIN(region_end(r), max);
		bool ok;

		if (lo >= hi)
			continue;
		ok = high ? fit_high(mem, lo, hi, len, align, used, nres, &a)
			  : fit_low(mem, lo, hi, len, align, used, nres, &a);
		if (ok && (!found || (high ? a > best : a < best))) {
			best = a;
			found = true;
		}
	}
	if (!found)
		return -ENOSPC;
	*out = best;
	return 0;
}

u64 guest_mem_ram_end(const struct guest_mem *mem, u64 start)
{
	u64 end = start, r_end;
	bool grown = true;
	u32 i;

	/* Every round that grows moves end to a region's end: at most region_count rounds. */
	while (grown) {
		grown = false;
		for (i = 0; i < mem->region_count; i++) {
			const struct vm_mem_region *r = &mem->regions[i];

			r_end = region_end(r);
			if (r->gpa <= end && end < r_end) {
				end = r_end;
				grown = true;
			}
		}
	}
	return end;
}

int guest_load_acpi(struct guest_mem *mem, u64 gpa, const void *tables, u64 size)
{
	u64 end = gpa + size, page_start, page_end;
	int ret;

	if (!tables || size == 0)
		return -EINVAL;
	if (end < gpa || guest_mem_ram_end(mem, gpa) - gpa < size)
		return -EFAULT;
	/* Whole pages: the guest maps and reserves memory a page at a time. */
	page_start = ALIGN_DOWN(gpa, PAGE_SIZE_4K);
	page_end = ALIGN_UP(end, PAGE_SIZE_4K);
	if (page_end < end)
		return -EFAULT;
	if (guest_mem_overlaps_reserved(mem, page_start, page_end - page_start))
		return -EBUSY;
	if (mem->reserved_count >= GUEST_MEM_MAX_RESERVED)
		return -ENOSPC;

	/* copy_to takes one region at a time; the tables may span adjoining ones. */
	for (u32 i = 0; i < mem->region_count; i++) {
		const struct vm_mem_region *r = &mem->regions[i];
		u64 lo = MAX(r->gpa, gpa), hi = MIN(region_end(r), end);

		if (lo >= hi)
			continue;
		ret = guest_mem_write(mem, lo, (const u8 *)tables + (lo - gpa), hi - lo);
		if (ret)
			return ret;
	}
	mem->reserved[mem->reserved_count][0] = page_start;
	mem->reserved[mem->reserved_count++][1] = page_end;
	mem->acpi_rsdp = gpa;
	return 0;
}

/* The reserved range gpa lies in, or NULL. */
static const u64 *reserved_at(const struct guest_mem *mem, u64 gpa)
{
	for (u32 i = 0; i < nreserved(mem); i++)
		if (mem->reserved[i][0] <= gpa && gpa < mem->reserved[i][1])
			return mem->reserved[i];
	return NULL;
}

/*
 * The candidates for the next entry are every reserved range starting at or above *pos
 * and, per region, its first RAM piece at or above *pos: from the first address no
 * reserved range covers to the next reserved range or the region's end. The lowest wins.
 * Entries never overlap, so each call moves *pos past one of them.
 */
bool guest_mem_map_next(const struct guest_mem *mem, u64 *pos, struct guest_mem_map_entry *e)
{
	const u32 nr = nreserved(mem);
	const u64 *res;
	bool found = false;
	u32 i, j;

	for (i = 0; i < nr; i++) {
		res = mem->reserved[i];
		if (res[0] >= *pos && res[0] < res[1] && (!found || res[0] < e->start)) {
			*e = (struct guest_mem_map_entry){.start = res[0],
							  .len = res[1] - res[0],
							  .type = GUEST_MEM_RESERVED};
			found = true;
		}
	}
	for (i = 0; i < mem->region_count; i++) {
		const struct vm_mem_region *r = &mem->regions[i];
		u64 start = MAX(r->gpa, *pos), end = region_end(r);

		/* Every round moves start past a reserved range: at most nr rounds. */
		while (start < end && (res = reserved_at(mem, start)))
			start = res[1];
		if (start >= end || (found && start >= e->start))
			continue;
		for (j = 0; j < nr; j++)
			if (mem->reserved[j][0] > start && mem->reserved[j][0] < end)
				end = mem->reserved[j][0];
		*e = (struct guest_mem_map_entry){
			.start = start, .len = end - start, .type = GUEST_MEM_RAM};
		found = true;
	}
	if (found)
		*pos = e->start + e->len;
	return found;
}

int guest_mem_map_count(const struct guest_mem *mem)
{
	struct guest_mem_map_entry e;
	u64 pos = 0;
	int n = 0;

	if (mem->reserved_count > GUEST_MEM_MAX_RESERVED)
		return -EINVAL;
	for (u32 i = 0; i < mem->reserved_count; i++) {
		if (mem->reserved[i][0] >= mem->reserved[i][1])
			return -EINVAL;
		for (u32 j = 0; j < i; j++)
			if (overlaps(mem->reserved[i][0], mem->reserved[i][1], mem->reserved[j][0],
				     mem->reserved[j][1]))
				return -EINVAL;
	}
	while (guest_mem_map_next(mem, &pos, &e))
		n++;
	return n;
}

/* Reads program header i into seg; false if it is not a PT_LOAD segment. */
static bool elf_read_phdr(const u8 *ph, bool is64, struct guest_elf_seg *seg)
{
	if (read_le32(ph, 0) != PT_LOAD)
		return false;
	if (is64) {
		seg->offset = read_le64(ph, 8);
		seg->paddr = read_le64(ph, 24);
		seg->filesz = read_le64(ph, 32);
		seg->memsz = read_le64(ph, 40);
	} else {
		seg->offset = read_le32(ph, 4);
		seg->paddr = read_le32(ph, 12);
		seg->filesz = read_le32(ph, 16);
		seg->memsz = read_le32(ph, 20);
	}
	return true;
}

/* Phase 1 of guest_load_elf(): checks and records the segments, writes nothing. */
int guest_elf_plan(const void *image, u64 size, const struct guest_mem *mem, struct guest_elf *elf)
{
	const u8 *img = image;
	u64 phoff, phentsize, ehsize;
	u32 phnum, i, j;
	bool is64;

	/* e_ident: magic, class, data encoding, version (gABI "ELF Identification"). */
	if (!img || size < EHDR32_SIZE ||
	    memcmp(img,
		   "\x7f"
		   "ELF",
		   4) != 0)
		return -ENOEXEC;
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
	if (img[EI_DATA] != ELFDATA2LSB || img[EI_VERSION] != EV_CURRENT)
		return -ENOEXEC;
	is64 = img[EI_CLASS] == ELFCLASS64;
	ehsize = is64 ? EHDR64_SIZE : EHDR32_SIZE;
	if (size < ehsize)
		return -EINVAL;
	/* e_type at 16, e_machine at 18: only executables for this architecture. */
	if (read_le16(img, 16) != ET_EXEC || read_le16(img, 18) != (is64 ? EM_X86_64 : EM_386))
		return -ENOEXEC;
	elf->is64 = is64;
	elf->nseg = 0;
	if (is64) {
		elf->entry = read_le64(img, 24);
		phoff = read_le64(img, 32);
		phentsize = read_le16(img, 54);
		phnum = read_le16(img, 56);
	} else {
		elf->entry = read_le32(img, 24);
		phoff = read_le32(img, 28);
		phentsize = read_le16(img, 42);
		phnum = read_le16(img, 44);
	}
	if (phnum == 0)
		return -ENOEXEC;
	if (phnum > GUEST_ELF_MAX_PHNUM)
		return -E2BIG;
	/* e_phentsize may be larger than the structure we read, never smaller. */
	if (phentsize < (is64 ? PHDR64_SIZE : PHDR32_SIZE))
		return -EINVAL;
	if (!range_in(phoff, phentsize * phnum, size))
		return -EINVAL;

	/* Every segment inside the image and RAM, no two overlapping. */
	for (i = 0; i < phnum; i++) {
		struct guest_elf_seg *s = &elf->segs[elf->nseg];

		if (!elf_read_phdr(img + phoff + (u64)i * phentsize, is64, s))
			continue;
		if (s->memsz == 0)
			continue;
		if (s->filesz > s->memsz || !range_in(s->offset, s->filesz, size))
			return -EINVAL;
		if (!guest_mem_contains(mem, s->paddr, s->memsz))
			return -EFAULT;
		if (guest_mem_overlaps_reserved(mem, s->paddr, s->memsz))
			return -EBUSY;
		for (j = 0; j < elf->nseg; j++) {
			if (overlaps(s->paddr, s->paddr + s->memsz, elf->segs[j].paddr,
				     elf->segs[j].paddr + elf->segs[j].memsz))
				return -EINVAL;
		}
		elf->nseg++;
	}
	if (elf->nseg == 0)
		return -ENOEXEC;
	if (!guest_mem_contains(mem, elf->entry, 1))
		return -EFAULT;
	return 0;
}

/* Phase 2: copies the file part of every segment and zero-fills the rest (bss). */
int guest_elf_write(const void *image, const struct guest_mem *mem, const struct guest_elf *elf)
{
	const u8 *img = image;
	u32 i;
	int ret;

	for (i = 0; i < elf->nseg; i++) {
		const struct guest_elf_seg *s = &elf->segs[i];

		ret = guest_mem_write(mem, s->paddr, img + s->offset, s->filesz);
		if (!ret)
			ret = guest_mem_write(mem, s->paddr + s->filesz, NULL,
					      s->memsz - s->filesz);
		if (ret)
			return ret;
	}
	return 0;
}

int guest_load_elf(const void *image, u64 size, struct guest_mem *mem, struct guest_entry *entry)
{
	struct guest_elf elf;
	int ret;

	ret = guest_elf_plan(image, size, mem, &elf);
	if (!ret)
		ret = guest_elf_write(image, mem, &elf);
	if (ret)
		return ret;

	*entry = (struct guest_entry){
		.rip = elf.entry,
		.long_mode = elf.is64,
		.protected_mode = true,
		.used_count = elf.nseg ? 1 : 0,
	};
	/* One range spanning every segment: what lies between them is the kernel's too. */
	for (u32 i = 0; i < elf.nseg; i++) {
		u64 start = elf.segs[i].paddr, end = start + elf.segs[i].memsz;

		if (i == 0 || start < entry->used[0][0])
			entry->used[0][0] = start;
		if (i == 0 || end > entry->used[0][1])
			entry->used[0][1] = end;
	}
	return 0;
}

int guest_load_raw(const void *image, u64 size, u64 load_addr, u64 entry, struct guest_mem *mem,
		   struct guest_entry *out)
{
	int ret;

	if (!image || size == 0)
		return -EINVAL;
	if (!guest_mem_contains(mem, load_addr, size) || !guest_mem_contains(mem, entry, 1))
		return -EFAULT;
	if (guest_mem_overlaps_reserved(mem, load_addr, size))
		return -EBUSY;
	ret = guest_mem_write(mem, load_addr, image, size);
	if (ret)
		return ret;
	*out = (struct guest_entry){
		.rip = entry,
		.protected_mode = true,
	};
	return 0;
}
