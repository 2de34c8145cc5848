/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multiboot2 entry. GRUB enters here in 32-bit protected mode with paging off,
 * EAX = bootloader magic and EBX = physical address of the boot information
 * (Multiboot2 specification 3.3). We zero .bss, identity-map the first 4 GiB with
 * 2 MiB pages, switch to IA-32e mode (SDM Vol 3A 9.8.5) and call bsp_entry(magic, mbi).
 * These boot page tables are replaced by the W^X tables from arch/x86/paging.c.
 */
#include <asm/segment.h>

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386	 0
#define CR0_PE		 (1 << 0)
#define CR0_NE		 (1 << 5)
#define CR0_WP		 (1 << 16)
#define CR0_NW		 (1 << 29)
#define CR0_CD		 (1 << 30)
#define CR0_PG		 (1 << 31)
#define CR4_PAE		 (1 << 5)
#define MSR_EFER	 0xc0000080
#define EFER_LME	 (1 << 8)
#define EFER_NXE	 (1 << 11)
#define PTE_P_RW	 0x3
#define PDE_2M		 0x83
#define COM1		 0x3f8

#if CONFIG_STACK_SIZE % 4096
#error "CONFIG_STACK_SIZE must be a multiple of 4096 (stacks have page-sized guard pages)"
#endif

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Information request (type 1), optional: the tags the hypervisor reads. */
	.balign 8
	.word 1, 1
	.long 8 + 4 * 5
	.long 1, 3, 6, 14, 15
	.balign 8
	.word 0, 0
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl mb2_entry
mb2_entry:
	/*
	 * Read the TSC before anything else (make bench counts boot latency from here). RDTSC
	 * overwrites EAX (the loader magic, saved) and EDX; EBX (the information) is kept.
	 * boot_entry_tsc is in .data, which the loader loaded: .bss is not cleared yet.
	 */
	movl	%eax, %esi
	rdtsc
	movl	%eax, boot_entry_tsc
	movl	%edx, boot_entry_tsc + 4
	cli
	cld
	movl	%ebx, %ebp

	/* .bss is NOLOAD: clear it before anything lives there. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	movl	%esi, boot_magic
	movl	%ebp, boot_mbi

	/* 64-bit mode and NX are required (CPUID 0x80000001 EDX bits 29 and 20). */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	testl	$(1 << 29), %edx
	jz	no_long_mode
	testl	$(1 << 20), %edx
	jz	no_long_mode

	/* PML4[0] -> PDPT, PDPT[0..3] -> four PDs of 512 x 2 MiB: 0 - 4 GiB. */
	movl	$boot_pdpt, %eax
	orl	$PTE_P_RW, %eax
	movl	%eax, boot_pml4
	movl	$boot_pd, %eax
	orl	$PTE_P_RW, %eax
	movl	$boot_pdpt, %edi
	movl	$4, %ecx
1:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	1b
	movl	$boot_pd, %edi
	movl	$PDE_2M, %eax
	movl	$2048, %ecx
2:	movl	%eax, (%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	2b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	/*
	 * Firmware leaves CR0 as after reset: caches disabled (CD, NW). Enable them, report
	 * FPU errors natively (NE: VMXON requires it) and protect read-only pages (WP).
	 */
	movl	%cr0, %eax
	andl	$~(CR0_CD | CR0_NW), %eax
	orl	$(CR0_PG | CR0_WP | CR0_NE | CR0_PE), %eax
	movl	%eax, %cr0

	lgdt	boot_gdt_ptr
	ljmp	$SEL_CODE64, $entry64

no_long_mode:
	movl	$no_long_mode_msg, %esi
3:	movb	(%esi), %al
	testb	%al, %al
	jz	4f
	movw	$COM1, %dx
	outb	%al, %dx
	incl	%esi
	jmp	3b
4:	hlt
	jmp	4b

	.code64
entry64:
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movq	$bsp_boot_stack_top, %rsp
	xorl	%ebp, %ebp
	movl	boot_magic(%rip), %edi
	movl	boot_mbi(%rip), %esi
	call	bsp_entry
5:	cli
	hlt
	jmp	5b

	.section .rodata
no_long_mode_msg:
	.asciz	"Bulkhead: this CPU lacks 64-bit mode or NX; cannot boot.\r\n"

	.balign 8
boot_gdt:
	.quad	0
	.quad	DESC_CODE64
	.quad	DESC_DATA
boot_gdt_end:
boot_gdt_ptr:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

	.section .data
	.balign 8
	.globl	boot_entry_tsc
boot_entry_tsc:
	.quad	0
boot_magic:
	.long	0
boot_mbi:
	.long	0

	.section .bss.page_aligned, "aw", @nobits
	.balign 4096
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4 * 4096
	/* Unmapped once the hypervisor's page tables are live: a boot-stack overflow faults. */
	.globl	bsp_stack_guard
bsp_stack_guard:
	.skip	4096
	.globl	bsp_boot_stack
bsp_boot_stack:
	.skip	CONFIG_STACK_SIZE
	.globl	bsp_boot_stack_top
bsp_boot_stack_top:
