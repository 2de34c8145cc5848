/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multiboot v1 boot information (Multiboot specification 0.6.96, 3.3), copied out of
 * loader memory at start so that nothing the tests write can corrupt it.
 */
#ifndef TESTGUEST_MULTIBOOT_H
#define TESTGUEST_MULTIBOOT_H

#include "arch.h"

#define MULTIBOOT_LOADER_MAGIC 0x2badb002
#define MMAP_MAX	       32
#define MMAP_TYPE_RAM	       1

struct ram_region {
	u64 base;
	u64 length;
	u32 type;
};

struct boot_info {
	bool elf64_entry; /* entered at the ELF64 entry: none of the rest is known */
	u32 magic;
	bool magic_ok;
	u32 info_addr; /* EBX at entry */
	u32 flags;
	bool has_mem;
	u32 mem_lower_kib, mem_upper_kib;
	char cmdline[1024];
	char loader[64];
	bool has_mmap;
	bool mmap_truncated;
	unsigned int mmap_count;
	struct ram_region mmap[MMAP_MAX];
};

void multiboot_parse(u32 magic, u32 mbi_addr, struct boot_info *bi);

#endif
