/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AP trampoline, copied by smp.c to the trampoline page (smp.h). A start-up IPI enters
 * it in real mode at CS:IP = (page >> 4):0 (SDM Vol 3A 9.4.4, 11.6.1). It records the
 * initial APIC ID (CPUID leaf 1 works in real mode) and one more run in the slot the BSP
 * named, then halts with interrupts off for good. No stack: nothing is pushed.
 */
#include "smp.h"

	.section .rodata, "a"
	.code16
	.globl	ap_trampoline, ap_trampoline_end
ap_trampoline:
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
	/* The run count last: the BSP reads the APIC ID once it sees the count move. */
	lock incl SMP_SLOTS + SMP_SLOT_RUNS(%esi)
1:	cli
	hlt
	jmp	1b
ap_trampoline_end:
	.code64
