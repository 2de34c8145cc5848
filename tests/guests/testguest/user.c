// SPDX-License-Identifier: BSD-3-Clause
/*
 * CPL 3 visits (user.h). The GDT keeps head.S's selectors 0x08-0x18 as they are and adds
 * a 64-bit user code and a user data segment (DPL 3) and a 64-bit TSS (SDM Vol 3A 3.4.5,
 * 7.2.3, 7.7). Loaded on the first visit and kept: LTR marks the TSS busy, so it is
 * loaded once per boot (the tables live in .bss, which head.S clears on every boot).
 */
#include "user.h"
#include "lib.h"
#include "probe.h"
#include "testguest.h"

#define SEL_DATA	   0x10
#define SEL_TSS		   0x30
#define GDT_BOOT_ENTRIES   4			 /* null, 64-bit code, data, 32-bit code (head.S) */
#define GDT_ENTRIES	   8			 /* + user data, user code, TSS (two entries) */
#define DESC_USER_DATA	   0x00cff2000000ffffULL /* present, DPL 3, read/write, 4 GiB */
#define DESC_USER_CODE64   0x00affa000000ffffULL /* present, DPL 3, execute/read, L */
#define DESC_TSS_AVAILABLE 0x89ULL		 /* present, DPL 0, 64-bit TSS (available) */
#define PTE_US		   BIT(2)
#define RFLAGS_RESERVED	   BIT(1)

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct gdt_desc {
	u16 limit;
	u64 base;
} __attribute__((packed));

extern const u64 gdt[GDT_BOOT_ENTRIES];
extern u64 boot_pml4[512], boot_pdpt[512], boot_pd[4 * 512];

/* IRETQ to rip at CPL 3 with stack rsp (user.S); does not return. */
void user_iret(u64 rip, u64 rsp, u64 rflags) __attribute__((noreturn));

static u64 user_gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static u8 rsp0_stack[8192] __attribute__((aligned(16)));
static u8 user_stack[4096] __attribute__((aligned(16)));
static bool tables_loaded;

static void load_tables(void)
{
	u64 base = (u64)(size_t)&tss, limit = sizeof(tss) - 1;
	struct gdt_desc desc = {.limit = sizeof(user_gdt) - 1, .base = (u64)(size_t)user_gdt};

	if (tables_loaded)
		return;
	memcpy(user_gdt, gdt, sizeof(gdt));
	user_gdt[4] = DESC_USER_DATA;
	user_gdt[5] = DESC_USER_CODE64;
	user_gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (DESC_TSS_AVAILABLE << 40) |
		      (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	user_gdt[7] = base >> 32;
	memset(&tss, 0, sizeof(tss));
	tss.rsp[0] = (u64)(size_t)(rsp0_stack + sizeof(rsp0_stack));
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap: IN/OUT at CPL 3 #GP */
	asm volatile("lgdt %0\n\tltr %w1" : : "m"(desc), "r"(SEL_TSS) : "memory");
	tables_loaded = true;
}

/* Sets or clears U/S on every paging entry that maps the image (all of it below 4 GiB). */
static void image_user_accessible(bool on)
{
	u64 lo = (u64)(size_t)__image_start, hi = (u64)(size_t)__image_end - 1, i;

	if (on)
		boot_pml4[0] |= PTE_US;
	else
		boot_pml4[0] &= ~PTE_US;
	for (i = lo >> 30; i <= hi >> 30; i++)
		boot_pdpt[i] = on ? boot_pdpt[i] | PTE_US : boot_pdpt[i] & ~PTE_US;
	for (i = lo >> 21; i <= hi >> 21; i++)
		boot_pd[i] = on ? boot_pd[i] | PTE_US : boot_pd[i] & ~PTE_US;
	write_cr3(read_cr3()); /* flushes the non-global translations (SDM Vol 3A 4.10.4.1) */
}

void user_run(void (*entry)(void), struct trap_frame *exit)
{
	static struct jmp_ctx ctx;
	u64 cr4 = read_cr4();

	load_tables();
	image_user_accessible(true);
	/* Supervisor code runs from the same, now user, pages: no SMEP/SMAP meanwhile. */
	if (cr4 & (CR4_SMEP | CR4_SMAP))
		probe_write_cr4(cr4 & ~(CR4_SMEP | CR4_SMAP));
	if (!tg_setjmp(&ctx)) {
		trap_catch_user(&ctx, exit);
		user_iret((u64)(size_t)entry, (u64)(size_t)(user_stack + sizeof(user_stack)),
			  RFLAGS_RESERVED);
	}
	/* The exception entry loaded a null SS and IRETQ nulled the DPL 0 data selectors. */
	asm volatile("mov %0, %%ds\n\tmov %0, %%es\n\tmov %0, %%fs\n\tmov %0, %%gs\n\t"
		     "mov %0, %%ss"
		     :
		     : "r"(SEL_DATA)
		     : "memory");
	if (cr4 & (CR4_SMEP | CR4_SMAP))
		probe_write_cr4(cr4);
	image_user_accessible(false);
}
