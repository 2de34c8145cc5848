/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The APs' way into 64-bit mode (the ipi test). ap64_trampoline is copied to the
 * trampoline page like trampoline.S (smp.h) and entered the same way, in real mode at
 * (page >> 4):0; it records the AP's initial APIC ID and run in its slot exactly as that
 * one does (smp_start_ap() waits for it), then loads head.S's GDT, sets CR0.PE and jumps
 * to ap64_protected in the image. From there on, what head.S does for the boot CPU:
 * PAE, the boot CPU's page tables (boot_pml4), EFER.LME, paging, 64-bit code
 * (SDM Vol 3A 9.8.5), then ap64_main(ap64_index) on the stack at ap64_stack_top. The boot
 * CPU sets both before each start and starts one AP at a time.
 */
#include "boot.h"
#include "smp.h"

	.section .rodata, "a"
	.code16
	.globl	ap64_trampoline, ap64_trampoline_end
ap64_trampoline:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	movl	$1, %eax
	xorl	%ecx, %ecx
	cpuid
	shrl	$24, %ebx
	movl	SMP_TARGET, %esi
	shll	$3, %esi			/* SMP_SLOT_SIZE */
	movl	%ebx, SMP_SLOTS + SMP_SLOT_APIC_ID(%esi)
	lock incl SMP_SLOTS + SMP_SLOT_RUNS(%esi)
	/* DS-relative: the descriptor below, in this copy of the code. */
	lgdtl	ap64_gdtr - ap64_trampoline
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$SEL_CODE32, $ap64_protected
	.balign	8
ap64_gdtr:
	.word	GDT_LIMIT
	.long	gdt
ap64_trampoline_end:

	.text
	.code32
ap64_protected:
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	andl	$~CR0_CLEAR, %eax
	orl	$CR0_SET, %eax
	movl	%eax, %cr0
	ljmpl	$SEL_CODE64, $ap64_long

	.code64
ap64_long:
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movq	ap64_stack_top(%rip), %rsp
	movl	ap64_index(%rip), %edi
	call	ap64_main
1:	cli
	hlt
	jmp	1b
