/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Application processor start-up (SDM Vol 3A 8.4.4). smp.c copies this page below
 * 1 MiB and starts each AP with a SIPI whose vector is the page number; the AP begins
 * in real mode at CS = page << 8, IP = 0. The page after it holds the parameter block
 * (asm/segment.h TRAMP_*): GDT, far pointers, CR3, stack and C entry point, all filled
 * in by the BSP. The code is position independent: it only addresses the parameter
 * block, relative to CS (real mode), EBX (protected mode) or RIP (long mode).
 */
#include <asm/segment.h>

#define CR0_PE	 (1 << 0)
#define CR0_NE	 (1 << 5)
#define CR0_WP	 (1 << 16)
#define CR0_NW	 (1 << 29)
#define CR0_CD	 (1 << 30)
#define CR0_PG	 (1 << 31)
#define CR4_PAE	 (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

	.section .ap_trampoline, "ax"
	.code16
	.globl ap_trampoline
ap_trampoline:
	cli
	cld
	/* EBX = linear address of this page; carried into protected mode (no stack yet). */
	xorl	%ebx, %ebx
	movw	%cs, %bx
	shll	$4, %ebx
	movw	%cs, %ax
	addw	$(4096 >> 4), %ax
	movw	%ax, %ds
	lgdtl	TRAMP_GDT_PTR
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*TRAMP_FAR32

	.code32
	.globl ap_trampoline_32
ap_trampoline_32:
	movl	$TRAMP_SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	(4096 + TRAMP_CR3)(%ebx), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	/* After INIT, CR0 has CD and NW set (SDM Vol 3A 9.1.1): enable the caches. */
	movl	%cr0, %eax
	andl	$~(CR0_CD | CR0_NW), %eax
	orl	$(CR0_PG | CR0_WP | CR0_NE), %eax
	movl	%eax, %cr0
	ljmpl	*(4096 + TRAMP_FAR64)(%ebx)

	.code64
	.globl ap_trampoline_64
ap_trampoline_64:
	leaq	(ap_trampoline + 4096)(%rip), %rdx
	movq	TRAMP_STACK(%rdx), %rsp
	movq	TRAMP_CPU(%rdx), %rdi
	movq	TRAMP_ENTRY(%rdx), %rax
	xorl	%ebp, %ebp
	call	*%rax
2:	cli
	hlt
	jmp	2b
