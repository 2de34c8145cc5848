/* SPDX-License-Identifier: BSD-3-Clause */
/* Multiboot2 boot information (Multiboot2 specification, section 3.6). */
#ifndef BULKHEAD_MULTIBOOT2_H
#define BULKHEAD_MULTIBOOT2_H

#include <bulkhead/types.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289U

#define MB2_TAG_END	      0
#define MB2_TAG_CMDLINE	      1
#define MB2_TAG_BOOTLOADER    2
#define MB2_TAG_MODULE	      3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP	      6
#define MB2_TAG_ACPI_OLD      14
#define MB2_TAG_ACPI_NEW      15

/* Memory map entry types (E820). */
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_RESERVED  2
#define MB2_MEM_ACPI	  3
#define MB2_MEM_NVS	  4
#define MB2_MEM_BADRAM	  5

#define MB2_MAX_MODULES 16
#define MB2_MAX_MMAP	128

struct mb2_module {
	paddr_t start;
	paddr_t end;	    /* exclusive */
	const char *string; /* the module's command line: tag, then arguments */
};

struct mb2_mmap_entry {
	u64 base;
	u64 length;
	u32 type;
};

struct boot_info {
	paddr_t mbi_addr;
	u32 mbi_size;
	const char *cmdline;	 /* "" when absent */
	const char *loader_name; /* "" when absent */
	struct mb2_module modules[MB2_MAX_MODULES];
	size_t module_count;
	size_t modules_dropped;
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	size_t mmap_count;
	size_t mmap_dropped;
	const void *rsdp; /* copy of the RSDP inside the MBI, or NULL */
	size_t rsdp_len;
	bool rsdp_is_v2;
	size_t bad_tags; /* tags skipped because they were malformed */
};

/*
 * Parses the boot information at mbi (already mapped). Strings and the RSDP point into
 * the MBI. Malformed tags are counted in bad_tags and skipped; a structure whose header
 * is unusable returns -EINVAL.
 */
int mb2_parse(const void *mbi, paddr_t mbi_addr, struct boot_info *info);

#endif
