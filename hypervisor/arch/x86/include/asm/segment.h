/* SPDX-License-Identifier: BSD-3-Clause */
/* GDT selectors shared by the boot code, the AP trampoline and C. */
#ifndef ASM_SEGMENT_H
#define ASM_SEGMENT_H

/* Per-CPU GDT (arch/x86/gdt.c). */
#define GDT_ENTRY_NULL	 0
#define GDT_ENTRY_CODE64 1
#define GDT_ENTRY_DATA	 2
#define GDT_ENTRY_TSS	 3 /* 16 bytes: entries 3 and 4 */
#define GDT_ENTRIES	 5

#define SEL_CODE64 (GDT_ENTRY_CODE64 << 3)
#define SEL_DATA   (GDT_ENTRY_DATA << 3)
#define SEL_TSS	   (GDT_ENTRY_TSS << 3)

/* Descriptor encodings (SDM Vol 3A 3.4.5). */
#define DESC_CODE64 0x00209a0000000000
#define DESC_CODE32 0x00cf9a000000ffff
#define DESC_DATA   0x00cf92000000ffff

/*
 * AP trampoline parameter block, at the start of the page after the trampoline code
 * (arch/x86/boot/trampoline.S, arch/x86/smp.c). Offsets in bytes.
 */
#define TRAMP_GDT	 0x00 /* null, code32 (0x08), data (0x10), code64 (0x18) */
#define TRAMP_GDT_PTR	 0x20 /* u16 limit, u32 base */
#define TRAMP_FAR32	 0x28 /* u32 offset, u16 selector */
#define TRAMP_FAR64	 0x30 /* u32 offset, u16 selector */
#define TRAMP_CR3	 0x38
#define TRAMP_STACK	 0x40
#define TRAMP_ENTRY	 0x48
#define TRAMP_CPU	 0x50
#define TRAMP_SEL_CODE32 0x08
#define TRAMP_SEL_DATA	 0x10
#define TRAMP_SEL_CODE64 0x18

#endif
