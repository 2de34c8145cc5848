// SPDX-License-Identifier: BSD-3-Clause
/*
 * Multiboot2 boot information parser (Multiboot2 specification 2.0, section 3.6).
 * The MBI is written by the bootloader and is the first input the hypervisor reads;
 * it is checked as if hostile: every tag must lie inside total_size, strings must end
 * inside their tag, and a malformed tag is counted and skipped rather than trusted.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/multiboot2.h>
#include <bulkhead/string.h>
#include <bulkhead/unaligned.h>

/* 3.6.1: total_size and a reserved word, then the tags, each 8-byte aligned. */
#define MBI_HEADER_SIZE 8
#define MBI_TAG_ALIGN	8
/* 3.6.2: every tag starts with u32 type and u32 size (size excludes the padding). */
#define TAG_HDR_SIZE	8
/* Smallest MBI: the fixed header and the end tag. */
#define MBI_MIN_SIZE	(MBI_HEADER_SIZE + TAG_HDR_SIZE)

/* 3.6.6: module tag is mod_start, mod_end, then the string. */
#define MODULE_START	 8
#define MODULE_END	 12
#define MODULE_STRING	 16
/* 3.6.8: memory map tag is entry_size, entry_version, then the entries. */
#define MMAP_ENTRY_SIZE	 8
#define MMAP_ENTRIES	 16
#define MMAP_ENTRY_MIN	 24 /* base_addr, length, type, reserved */
#define MMAP_E_BASE	 0
#define MMAP_E_LENGTH	 8
#define MMAP_E_TYPE	 16
/* 3.6.15/3.6.16: the RSDP copy follows the tag header. */
#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36

static void bad_tag(struct boot_info *info, size_t off, u32 type, u32 size, const char *why,
		    bool stop)
{
	info->bad_tags++;
	pr_warn("multiboot2: tag at offset %zu (type %u, size %u) %s, %s\n", off, type, size, why,
		stop ? "ignoring the rest" : "skipped");
}

/* A string that must end, NUL included, inside the n bytes at s; NULL if it does not. */
static const char *tag_string(const u8 *s, size_t n)
{
	if (n == 0 || strnlen((const char *)s, n) == n)
		return NULL;
	return (const char *)s;
}

static bool parse_module(struct boot_info *info, const u8 *tag, u32 size, const char **why)
{
	struct mb2_module *m;
	const char *str;
	u32 start, end;

	if (size < MODULE_STRING + 1) {
		*why = "is too short for a module";
		return false;
	}
	start = read_le32(tag, MODULE_START);
	end = read_le32(tag, MODULE_END);
	str = tag_string(tag + MODULE_STRING, size - MODULE_STRING);
	if (!str) {
		*why = "has an unterminated string";
		return false;
	}
	if (start >= end) {
		*why = "has an empty or inverted range";
		return false;
	}
	if (info->module_count >= MB2_MAX_MODULES) {
		info->modules_dropped++;
		pr_warn("multiboot2: more than %u modules, ignoring \"%s\"\n",
			(unsigned int)MB2_MAX_MODULES, str);
		return true;
	}
	m = &info->modules[info->module_count++];
	m->start = start;
	m->end = end;
	m->string = str;
	return true;
}

static bool parse_mmap(struct boot_info *info, const u8 *tag, u32 size, const char **why)
{
	u32 esize;
	size_t off;

	if (size < MMAP_ENTRIES) {
		*why = "is too short for a memory map";
		return false;
	}
	/* entry_size is a multiple of 8 and covers at least the fields we read (3.6.8). */
	esize = read_le32(tag, MMAP_ENTRY_SIZE);
	if (esize < MMAP_ENTRY_MIN || esize % 8 != 0) {
		*why = "has a bad entry_size";
		return false;
	}
	/* Only the first memory map counts; a second one would only be a conflict. */
	if (info->mmap_count || info->mmap_dropped)
		return true;

	for (off = MMAP_ENTRIES; off + esize <= size; off += esize) {
		const u8 *e = tag + off;
		struct mb2_mmap_entry ent = {
			.base = read_le64(e, MMAP_E_BASE),
			.length = read_le64(e, MMAP_E_LENGTH),
			.type = read_le32(e, MMAP_E_TYPE),
		};

		/* A range that wraps past 2^64 describes no memory that exists. */
		if (ent.length > ~(u64)0 - ent.base) {
			pr_warn("multiboot2: memory map entry 0x%llx+0x%llx wraps, ignored\n",
				(unsigned long long)ent.base, (unsigned long long)ent.length);
			info->mmap_dropped++;
			continue;
		}
		if (info->mmap_count >= MB2_MAX_MMAP) {
			info->mmap_dropped++;
			continue;
		}
		info->mmap[info->mmap_count++] = ent;
	}
	if (info->mmap_dropped)
		pr_warn("multiboot2: %zu memory map entries ignored\n", info->mmap_dropped);
	return true;
}

static bool parse_acpi(struct boot_info *info, const u8 *tag, u32 type, u32 size, const char **why)
{
	bool v2 = type == MB2_TAG_ACPI_NEW;
	size_t len = size - TAG_HDR_SIZE;

	if (len < (v2 ? ACPI_RSDP_V2_LEN : ACPI_RSDP_V1_LEN)) {
		*why = "is too short for an RSDP";
		return false;
	}
	/* The new tag (ACPI 2.0+ RSDP) wins over the old one, whatever their order. */
	if (info->rsdp && info->rsdp_is_v2 && !v2)
		return true;
	info->rsdp = tag + TAG_HDR_SIZE;
	info->rsdp_len = len;
	info->rsdp_is_v2 = v2;
	return true;
}

static bool parse_tag(struct boot_info *info, const u8 *tag, u32 type, u32 size, const char **why)
{
	const char *str;

	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_BOOTLOADER:
		str = tag_string(tag + TAG_HDR_SIZE, size - TAG_HDR_SIZE);
		if (!str) {
			*why = "has an unterminated string";
			return false;
		}
		if (type == MB2_TAG_CMDLINE)
			info->cmdline = str;
		else
			info->loader_name = str;
		return true;
	case MB2_TAG_MODULE:
		return parse_module(info, tag, size, why);
	case MB2_TAG_MMAP:
		return parse_mmap(info, tag, size, why);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		return parse_acpi(info, tag, type, size, why);
	default:
		/* Tags we do not use (framebuffer, EFI, ...) are skipped by size. */
		return true;
	}
}

int mb2_parse(const void *mbi, paddr_t mbi_addr, struct boot_info *info)
{
	const u8 *p = mbi;
	u32 total;
	size_t off;
	bool stopped = false;

	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->cmdline = "";
	info->loader_name = "";
	if (!p || !IS_ALIGNED((uintptr_t)p, MBI_TAG_ALIGN)) {
		pr_warn("multiboot2: boot information missing or misaligned\n");
		return -EINVAL;
	}
	total = read_le32(p, 0);
	if (total < MBI_MIN_SIZE) {
		pr_warn("multiboot2: total_size %u is too small\n", total);
		return -EINVAL;
	}
	info->mbi_addr = mbi_addr;
	info->mbi_size = total;

	for (off = MBI_HEADER_SIZE; off + TAG_HDR_SIZE <= total;) {
		const u8 *tag = p + off;
		u32 type = read_le32(tag, 0), size = read_le32(tag, 4);
		const char *why = NULL;

		if (size < TAG_HDR_SIZE) {
			/* Without a usable size there is no next tag to go to. */
			bad_tag(info, off, type, size, "has a size below 8", true);
			stopped = true;
			break;
		}
		if (size > total - off) {
			bad_tag(info, off, type, size, "runs past total_size", true);
			stopped = true;
			break;
		}
		if (type == MB2_TAG_END) {
			stopped = true;
			break;
		}
		if (!parse_tag(info, tag, type, size, &why))
			bad_tag(info, off, type, size, why, false);
		/* size <= total - off, so this cannot wrap; the walk always advances by >= 8. */
		off += ALIGN_UP((size_t)size, (size_t)MBI_TAG_ALIGN);
	}
	/* The walk reached total_size without meeting the end tag (3.6.2 requires one). */
	if (!stopped) {
		info->bad_tags++;
		pr_warn("multiboot2: no end tag inside total_size %u\n", total);
	}
	return 0;
}
