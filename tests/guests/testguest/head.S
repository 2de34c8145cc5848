/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two entry points of the test guest.
 *
 * _start, the multiboot v1 entry of testguest.elf (Multiboot specification 0.6.96, 3.2:
 * 32-bit protected mode, paging off, EAX = 0x2BADB002, EBX = multiboot information, stack
 * undefined). The first thing done is reading the TSC (the boot-latency benchmark
 * wants the earliest possible stamp). Then: our own GDT, .bss cleared, identity map of
 * 0-4 GiB with 2 MiB pages, PAE + EFER.LME + CR0.PG (SDM Vol 3A 9.8.5 "Initializing
 * IA-32e Mode"), far jump to 64-bit code, testguest_main(magic, mbi).
 *
 * _start64, the e_entry of testguest64.elf (entry64.h): already in 64-bit mode on the
 * loader's GDT and page tables. It records the entry state, reads the TSC, and then does
 * what _start does, in 64-bit mode: our own GDT (a far return reloads CS), .bss cleared,
 * the same identity map in CR3, caches on, testguest_main64().
 *
 * The macros below are written so that they assemble to the same operation in 32-bit
 * and in 64-bit code (32-bit operands, addresses below 2 GiB).
 */
#include "boot.h"
#include "entry64.h"

#define MB_HEADER_MAGIC	   0x1badb002
#define MB_PAGE_ALIGN	   (1 << 0)
#define MB_MEMORY_INFO	   (1 << 1)
#define MB_HEADER_FLAGS	   (MB_PAGE_ALIGN | MB_MEMORY_INFO)
#define PTE_P_RW	   0x3
#define PDE_2M		   0x83
#define BOOT_PD_COUNT	   4

.macro LOAD_DATA_SEGMENTS
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
.endm

/* .bss is not in the file; a loader need not clear it. Keeps ESI/EBX. */
.macro CLEAR_BSS
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl
.endm

/* PML4[0] -> PDPT, PDPT[0..3] -> four PDs of 512 x 2 MiB: 0-4 GiB identity. */
.macro BUILD_IDENTITY_MAP
	movl	$boot_pdpt + PTE_P_RW, boot_pml4
	movl	$boot_pdpt, %edi
	movl	$boot_pd + PTE_P_RW, %eax
	movl	$BOOT_PD_COUNT, %ecx
2:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	2b

	movl	$boot_pd, %edi
	movl	$PDE_2M, %eax
	xorl	%edx, %edx
	movl	$BOOT_PD_COUNT * 512, %ecx
3:	movl	%eax, (%edi)
	movl	%edx, 4(%edi)
	addl	$0x200000, %eax
	adcl	$0, %edx
	addl	$8, %edi
	loop	3b
.endm

	.section .multiboot, "a"
	.balign 4
multiboot_header:
	.long	MB_HEADER_MAGIC
	.long	MB_HEADER_FLAGS
	.long	-(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl	_start
_start:
	/* EAX holds the loader magic: keep it, then take the TSC at once. */
	movl	%eax, %esi
	rdtsc
	movl	%eax, first_tsc
	movl	%edx, first_tsc + 4
	cli
	cld

	/* The loader's GDT may live anywhere (spec 3.2): switch to ours first. */
	lgdtl	gdt_desc
	ljmpl	$SEL_CODE32, $1f
1:	LOAD_DATA_SEGMENTS
	CLEAR_BSS
	movl	$boot_stack_top, %esp
	/* Only now is there a stack (the loader leaves ESP undefined). */
	pushl	$2
	popfl
	BUILD_IDENTITY_MAP

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	/* Caches on (CD/NW may be anything at entry), no FPU traps, then paging. */
	movl	%cr0, %eax
	andl	$~CR0_CLEAR, %eax
	orl	$CR0_SET, %eax
	movl	%eax, %cr0
	ljmpl	$SEL_CODE64, $start64

	.code64
start64:
	LOAD_DATA_SEGMENTS
	movq	$boot_stack_top, %rsp
	movl	%esi, %edi
	movl	%ebx, %esi
	call	testguest_main
4:	cli
	hlt
	jmp	4b

	.globl	_start64
_start64:
	/* The entry state first, as the loader left it; RSI before anything clobbers it. */
	movq	%rsi, entry64_state + E64_RSI
	rdtsc
	movl	%eax, first_tsc
	movl	%edx, first_tsc + 4
	movw	%cs, %ax
	movzwq	%ax, %rax
	movq	%rax, entry64_state + E64_CS
	xorl	%edx, %edx
	lar	%ax, %edx
	setz	%cl
	movzbq	%cl, %rcx
	movq	%rdx, entry64_state + E64_CS_AR
	movq	%rcx, entry64_state + E64_CS_AR_VALID
	movq	%cr0, %rax
	movq	%rax, entry64_state + E64_CR0
	movq	%cr3, %rax
	movq	%rax, entry64_state + E64_CR3
	movq	%cr4, %rax
	movq	%rax, entry64_state + E64_CR4
	movl	$MSR_EFER, %ecx
	rdmsr
	movl	%eax, entry64_state + E64_EFER
	movl	%edx, entry64_state + E64_EFER + 4
	sgdt	entry64_state + E64_GDTR
	/* The stack is undefined at entry: ours, which nothing uses yet, for RFLAGS. */
	movq	$boot_stack_top, %rsp
	pushfq
	popq	entry64_state + E64_RFLAGS
	cli
	cld

	/* Our GDT; CS still holds the loader's 0x10 (our data selector) until the LRETQ. */
	lgdt	gdt_desc
	pushq	$SEL_CODE64
	pushq	$5f
	lretq
5:	LOAD_DATA_SEGMENTS
	CLEAR_BSS
	movq	$boot_stack_top, %rsp
	pushq	$2
	popfq
	BUILD_IDENTITY_MAP
	/* Paging stays on: the loader's map and ours both map the image 1:1. */
	movl	$boot_pml4, %eax
	movq	%rax, %cr3
	/* Caches on, no FPU traps (CR0 bits 63:32 are reserved: 32-bit masks only). */
	movq	%cr0, %rax
	movl	$~CR0_CLEAR, %edx
	andq	%rdx, %rax
	movl	$CR0_SET, %edx
	orq	%rdx, %rax
	movq	%rax, %cr0
	call	testguest_main64
6:	cli
	hlt
	jmp	6b

	.section .rodata
	.balign 16
	.globl	gdt
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* 0x10: flat data */
	.quad	0x00cf9a000000ffff	/* 0x18: flat 32-bit code */
gdt_end:
	.if (gdt_end - gdt - 1) != GDT_LIMIT
	.error "GDT_LIMIT (boot.h) does not match the GDT"
	.endif
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

	.section .data
	.balign 8
	.globl	first_tsc, entry64_state
first_tsc:
	.quad	0
entry64_state:
	.skip	E64_SIZE

	.section .bss
	.balign 4096
	.globl	boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4096 * BOOT_PD_COUNT
boot_stack:
	.skip	16384
boot_stack_top:
