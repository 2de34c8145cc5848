/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ELF64 entry (testguest64.elf, head.S: _start64). An ELF64 loader enters the guest
 * in 64-bit mode the way Linux's 64-bit boot protocol does (boot.rst, "64-bit BOOT
 * PROTOCOL": CS = 0x10 and the data segments 0x18 of a flat GDT, paging on with an
 * identity map, RSI = 0 here, interrupts off, stack undefined), without command line or
 * multiboot information. The first instructions record that state in entry64_state.
 */
#ifndef TESTGUEST_ENTRY64_H
#define TESTGUEST_ENTRY64_H

#define ENTRY64_CS	0x10 /* the loader's __BOOT_CS */
#define E64_RSI		0x00
#define E64_RFLAGS	0x08
#define E64_CS		0x10
#define E64_CS_AR	0x18 /* LAR of CS in the loader's GDT (bits 23:8 of the descriptor) */
#define E64_CS_AR_VALID 0x20 /* 1 when LAR set ZF (the selector was readable) */
#define E64_CR0		0x28
#define E64_CR3		0x30
#define E64_CR4		0x38
#define E64_EFER	0x40
#define E64_GDTR	0x48 /* SGDT: limit (2 bytes), base (8 bytes) */
#define E64_SIZE	0x58

#ifndef __ASSEMBLY__
#include "arch.h"

struct entry64_state {
	u64 rsi;
	u64 rflags;
	u64 cs;
	u64 cs_ar;
	u64 cs_ar_valid;
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	u16 gdt_limit;
	u64 gdt_base;
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct entry64_state, rsi) == E64_RSI, "E64_RSI");
_Static_assert(__builtin_offsetof(struct entry64_state, rflags) == E64_RFLAGS, "E64_RFLAGS");
_Static_assert(__builtin_offsetof(struct entry64_state, cs) == E64_CS, "E64_CS");
_Static_assert(__builtin_offsetof(struct entry64_state, cs_ar) == E64_CS_AR, "E64_CS_AR");
_Static_assert(__builtin_offsetof(struct entry64_state, cs_ar_valid) == E64_CS_AR_VALID,
	       "E64_CS_AR_VALID");
_Static_assert(__builtin_offsetof(struct entry64_state, cr0) == E64_CR0, "E64_CR0");
_Static_assert(__builtin_offsetof(struct entry64_state, cr3) == E64_CR3, "E64_CR3");
_Static_assert(__builtin_offsetof(struct entry64_state, cr4) == E64_CR4, "E64_CR4");
_Static_assert(__builtin_offsetof(struct entry64_state, efer) == E64_EFER, "E64_EFER");
_Static_assert(__builtin_offsetof(struct entry64_state, gdt_limit) == E64_GDTR, "E64_GDTR");
_Static_assert(sizeof(struct entry64_state) <= E64_SIZE, "E64_SIZE");

/* Written by head.S before anything else; valid only after an ELF64 entry. */
extern const struct entry64_state entry64_state;

/* The "entry64 ..." line: the state as it was recorded. */
void entry64_print(void);
/* boot.entry64: CS 0x10 with L set, IA-32e mode (PE, PG, PAE, LME, LMA), RSI 0, IF 0. */
void entry64_check(void);
#endif

#endif
