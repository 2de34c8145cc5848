/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest image loaders: copy a kernel image (ELF, raw, Linux bzImage, multiboot) into a VM's
 * RAM and describe the vCPU state it must be entered with.
 *
 * The images are untrusted in the sense that they may be corrupt: every header field is
 * checked against the image size and the VM's RAM, and a bad image is an error, never a
 * crash. Every loader validates and places everything first and only then writes, so a
 * rejected image leaves guest memory untouched. (A short write by the copy_to callback,
 * which the hypervisor's backend never does for a range inside the regions, is reported
 * as -EFAULT and may leave a partial image.)
 *
 * The loaders do not touch VM memory themselves: writes go through struct guest_mem, which
 * the hypervisor implements via its identity map of the VM's host-physical regions and the
 * unit tests with a host buffer.
 */
#ifndef BULKHEAD_GUEST_LOADER_H
#define BULKHEAD_GUEST_LOADER_H

#include <bulkhead/types.h>
#include <bulkhead/vm_config.h>

#define GUEST_MEM_MAX_RESERVED 4

struct guest_mem {
	/*
	 * Copies len bytes from src to guest-physical gpa, or zero-fills them when src is
	 * NULL; returns the number of bytes written. Only called for ranges that lie inside
	 * one of the regions.
	 */
	u64 (*copy_to)(void *ctx, u64 gpa, const void *src, u64 len);
	void *ctx;
	/* The VM's guest-physical RAM; a destination range must lie inside one region. */
	const struct vm_mem_region *regions;
	u32 region_count;
	/*
	 * Firmware-reserved ranges [reserved[i][0], reserved[i][1]): RAM that firmware
	 * data the guest keeps (the ACPI tables) occupies, page-aligned outward. Set up by
	 * guest_load_acpi() before a kernel loader runs; at most GUEST_MEM_MAX_RESERVED,
	 * none empty, no two overlapping (any order). No loader places anything there:
	 * guest_mem_find_free() skips them and a kernel whose fixed address overlaps one
	 * is refused with -EBUSY. The memory maps handed to the guest (guest_mem_map_next())
	 * list them as reserved and the RAM around them as usable.
	 */
	u64 reserved[GUEST_MEM_MAX_RESERVED][2];
	u32 reserved_count;
	/* Guest-physical address of the ACPI RSDP, 0 when the VM has no ACPI tables. */
	u64 acpi_rsdp;
};

/*
 * The initial vCPU state the backend sets up before the first VM entry.
 *
 * - protected_mode only: 32-bit protected mode, paging off, flat 4 GiB code and data
 *   segments (base 0), interrupts off; entered at eip = rip, eax = rax, ebx = rbx,
 *   esi = rsi.
 * - long_mode (implies protected_mode): 64-bit mode, CR0.PE/PG, CR4.PAE, EFER.LME/LMA,
 *   flat 64-bit code segment and flat data segments, interrupts off, and page tables
 *   that identity-map (at least) all of the VM's RAM; entered at rip with rax, rbx, rsi.
 * The general-purpose registers not listed here are 0, as are rax, rbx and rsi unless a
 * loader below says otherwise.
 *
 * Per loader:
 * - bzImage (boot.rst "64-bit BOOT PROTOCOL"): long mode, rip = load address + 0x200,
 *   rsi = guest-physical address of the zero page (struct boot_params).
 * - ELF64: long mode, rip = e_entry (used as a guest-physical address: the loader places
 *   segments by p_paddr and expects an identity-linked entry point), rsi = 0.
 * - ELF32: protected mode, eip = e_entry, esi = 0.
 * - raw: protected mode at the scenario's entry, esi = 0; the scenario decides what the
 *   image expects beyond that.
 * - multiboot (Multiboot 0.6.96, 3.2 "Machine state"): protected mode, also for an ELF64
 *   container, at the header's entry_addr or e_entry; eax = 0x2BADB002, ebx =
 *   guest-physical address of the multiboot information.
 */
#define GUEST_ENTRY_MAX_USED 4

struct guest_entry {
	u64 rip;
	u64 rsi;
	bool long_mode;
	bool protected_mode;
	u64 rax;
	u64 rbx;
	/*
	 * Guest-physical ranges [start, end) the loader filled (kernel, boot data, initrd),
	 * for whoever places more in guest memory afterwards (the 64-bit boot tables).
	 */
	u64 used[GUEST_ENTRY_MAX_USED][2];
	u32 used_count;
};

/*
 * 64-bit entry (long_mode): the boot page tables and GDT the entry state needs, put in
 * free guest RAM below 4 GiB that none of entry->used and none of mem's reserved ranges
 * overlaps (boot.rst "64-bit BOOT PROTOCOL": identity-mapped kernel, zero page and
 * command line, and a GDT with flat __BOOT_CS 0x10 and __BOOT_DS 0x18). The tables
 * identity-map [0, max(4 GiB, end of RAM)) with 2 MiB pages. Fills *cr3 and *gdt (the
 * GDT base; its limit is 0x1f).
 * -ENOSPC: no room; -E2BIG: RAM beyond 512 GiB.
 */
int guest_build_boot_tables(struct guest_mem *mem, const struct guest_entry *entry, u64 *cr3,
			    u64 *gdt);

/*
 * True if [gpa, gpa + len) lies inside one RAM region of mem (len 0 is never inside:
 * the loaders never place empty ranges).
 */
bool guest_mem_contains(const struct guest_mem *mem, u64 gpa, u64 len);
/*
 * Writes len bytes (zeros when src is NULL) at gpa. -EFAULT if the range is not inside
 * RAM or the callback wrote less.
 */
int guest_mem_write(const struct guest_mem *mem, u64 gpa, const void *src, u64 len);

/* True if [gpa, gpa + len) overlaps one of mem's firmware-reserved ranges. */
bool guest_mem_overlaps_reserved(const struct guest_mem *mem, u64 gpa, u64 len);

/*
 * Finds a free range for len bytes, aligned to align (a power of two), inside one RAM
 * region and inside [min, max), overlapping none of the nres ranges in used
 * (used[i][0] = start, used[i][1] = end, exclusive) and none of mem's reserved ranges.
 * high chooses the highest such address instead of the lowest. Returns 0 and stores the
 * address, or -ENOSPC.
 */
int guest_mem_find_free(const struct guest_mem *mem, u64 len, u64 align, u64 min, u64 max,
			const u64 (*used)[2], u32 nres, bool high, u64 *out);

/*
 * The end of the RAM that runs without a hole from start (start itself when start is
 * not RAM); adjoining regions count as one run.
 */
u64 guest_mem_ram_end(const struct guest_mem *mem, u64 start);

/*
 * Copies a VM's ACPI tables (RSDP first, laid out for gpa) into its RAM at gpa, then
 * reserves the pages they occupy (mem->reserved) and records the RSDP address
 * (mem->acpi_rsdp), so that the kernel loader run afterwards places nothing there, tells
 * the guest where they are and lists them as reserved in its memory map. The range may
 * span adjoining RAM regions. -EINVAL: no tables; -EFAULT: [gpa, gpa + size) is not all
 * RAM; -EBUSY: it overlaps a range already reserved; -ENOSPC: no reserved slot left.
 * Nothing is written on error.
 */
int guest_load_acpi(struct guest_mem *mem, u64 gpa, const void *tables, u64 size);

/*
 * The memory map the loaders hand the guest (the bzImage e820 table, the multiboot memory
 * map): the RAM regions as RAM (type 1) without the reserved ranges, which are listed as
 * reserved (type 2), in address order. Empty regions are left out; adjoining regions stay
 * separate entries. The types are the e820 values (ACPI 6.5 chapter 15, "System Address
 * Map Interfaces"); multiboot 3.3 reads 1 as available RAM and anything else as reserved.
 */
#define GUEST_MEM_RAM	   1
#define GUEST_MEM_RESERVED 2

struct guest_mem_map_entry {
	u64 start;
	u64 len;
	u32 type;
};

/* The number of map entries, or -EINVAL when mem->reserved breaks the rules above. */
int guest_mem_map_count(const struct guest_mem *mem);
/*
 * Stores the map entry with the lowest start at or above *pos and moves *pos to its end;
 * false when there is none. Walk the map with
 *	for (u64 pos = 0; guest_mem_map_next(mem, &pos, &e);)
 */
bool guest_mem_map_next(const struct guest_mem *mem, u64 *pos, struct guest_mem_map_entry *e);

/*
 * Loads an ELF64 (x86-64) or ELF32 (i386) executable: every PT_LOAD segment at p_paddr,
 * p_filesz bytes from the image and the rest up to p_memsz zero-filled (bss).
 * -ENOEXEC: not an executable ELF for x86; -EINVAL: a header or segment lies outside the
 * image, or segments overlap; -EFAULT: a segment lies outside RAM; -EBUSY: a segment
 * overlaps a firmware-reserved range; -E2BIG: too many program headers.
 */
int guest_load_elf(const void *image, u64 size, struct guest_mem *mem, struct guest_entry *entry);

/*
 * The two phases of guest_load_elf(), shared with the multiboot loader, which loads ELF
 * kernels the same way but enters them differently and places more around them.
 * guest_elf_plan() checks everything guest_load_elf() checks, with the same errors, and
 * records the PT_LOAD segments (memsz > 0) in elf; it writes nothing.
 * guest_elf_write() then copies them and zero-fills their bss.
 */
/*
 * Kernels have a handful of PT_LOAD segments; the cap on program headers bounds the
 * quadratic overlap check and struct guest_elf (2 KiB, on the caller's stack).
 */
#define GUEST_ELF_MAX_PHNUM 64

struct guest_elf_seg {
	u64 offset;
	u64 paddr;
	u64 filesz;
	u64 memsz;
};

struct guest_elf {
	struct guest_elf_seg segs[GUEST_ELF_MAX_PHNUM];
	u32 nseg;
	u64 entry; /* e_entry */
	bool is64; /* ELFCLASS64 (x86-64) rather than ELFCLASS32 (i386) */
};

int guest_elf_plan(const void *image, u64 size, const struct guest_mem *mem, struct guest_elf *elf);
int guest_elf_write(const void *image, const struct guest_mem *mem, const struct guest_elf *elf);

/*
 * Copies the image to load_addr, entered at entry. -EINVAL for an empty image,
 * -EFAULT when the image or the entry point is outside RAM, -EBUSY when the image
 * overlaps a firmware-reserved range.
 */
int guest_load_raw(const void *image, u64 size, u64 load_addr, u64 entry, struct guest_mem *mem,
		   struct guest_entry *out);

/*
 * Loads a Linux bzImage by the x86 boot protocol (Documentation/arch/x86/boot.rst) for
 * its 64-bit entry: the protected-mode kernel, the initrd (optional: initrd NULL or
 * initrd_size 0), the command line (NULL for none) and a zero page
 * (Documentation/arch/x86/zero-page.rst) with the VM's memory map (guest_mem_map_next())
 * as the e820 map and mem->acpi_rsdp, if set, as acpi_rsdp_addr. See
 * arch/x86/guest/bzimage.c for the placement rules.
 * -ENOEXEC: no boot sector signature or "HdrS"; -ENOTSUP: protocol older than 2.12 or no
 * 64-bit entry; -EINVAL: truncated image, inconsistent header or malformed mem->reserved;
 * -E2BIG: command line longer than cmdline_size or more than 128 memory map entries (the
 * zero page's e820 table); -EBUSY: a kernel that is not relocatable overlaps a
 * firmware-reserved range at its pref_address; -ENOSPC: the kernel, initrd or boot data
 * do not fit in RAM.
 */
int guest_load_bzimage(const void *image, u64 size, const void *initrd, u64 initrd_size,
		       const char *cmdline, struct guest_mem *mem, struct guest_entry *out);

/*
 * Loads a multiboot (version 1) kernel (Multiboot 0.6.96): the kernel by the header's
 * address fields (flags bit 16) or else as an ELF (see guest_load_elf()), the module
 * (optional: module NULL or module_size 0; module_string NULL reads as ""), and the
 * multiboot information with the command line (NULL for none), the VM's memory map
 * (guest_mem_map_next()) and "Bulkhead" as the boot loader name. Guest-physical 0-0x1fff
 * is never written: a kernel that would occupy it is refused. See core/multiboot_loader.c
 * for the placement rules.
 * -ENOEXEC: no multiboot header in the first 8 KiB, or (without bit 16) not an executable
 * x86 ELF; -ENOTSUP: the header requires a video mode or an unknown feature (flags bits
 * 2-15); -EINVAL: truncated image, inconsistent header or malformed mem->reserved;
 * -EFAULT: the kernel lies outside RAM, above 4 GiB or in the first 8 KiB; -EBUSY: the
 * kernel overlaps a firmware-reserved range; -E2BIG: command line or module string longer
 * than 4095 characters, more than 128 memory map entries, or too many ELF program headers;
 * -ENOSPC: no room for the module or the information below 4 GiB.
 */
int guest_load_multiboot(const void *image, u64 size, const void *module, u64 module_size,
			 const char *module_string, const char *cmdline, struct guest_mem *mem,
			 struct guest_entry *out);

#endif
