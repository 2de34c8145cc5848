/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entry for all 256 vectors (exceptions 0-31, interrupts 32-255) and a minimal
 * setjmp/longjmp.
 *
 * Every stub leaves the same frame (SDM Vol 3A 6.14.2, 64-bit interrupt stack frame,
 * plus a dummy error code where the CPU pushes none and the vector number), saves all
 * general-purpose registers below it and hands a struct trap_frame to
 * exception_dispatch(). That function may change the saved RIP (probe fixups) or never
 * return (longjmp to a test's recovery point); interrupts go on to irq.c. And the way
 * to CPL 3 (user.h).
 */
#include "user.h"

	.text
	.code64

/* Vectors that push an error code (SDM Vol 3A 6.15, table 6-1); interrupts push none. */
.macro VECTOR_STUB vec
	.balign 16
vector_stub_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	exception_common
.endm

.macro VECTOR_ENTRY vec
	.quad	vector_stub_\vec
.endm

	.altmacro
	.set	vec, 0
	.rept	256
	VECTOR_STUB %vec
	.set	vec, vec + 1
	.endr
	.noaltmacro

exception_common:
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%r11
	pushq	%r10
	pushq	%r9
	pushq	%r8
	pushq	%rbp
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rbx
	pushq	%rax
	cld
	movq	%rsp, %rdi
	movq	%rsp, %rbp
	andq	$-16, %rsp
	call	exception_dispatch
	movq	%rbp, %rsp
	popq	%rax
	popq	%rbx
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rbp
	popq	%r8
	popq	%r9
	popq	%r10
	popq	%r11
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	addq	$16, %rsp
	iretq

/* int tg_setjmp(struct jmp_ctx *ctx): callee-saved registers, RSP, return RIP. */
	.globl	tg_setjmp
tg_setjmp:
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rax
	movq	%rax, 48(%rdi)
	movq	(%rsp), %rax
	movq	%rax, 56(%rdi)
	xorl	%eax, %eax
	ret

/* void tg_longjmp(struct jmp_ctx *ctx, int value): tg_setjmp returns value again. */
	.globl	tg_longjmp
tg_longjmp:
	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movq	48(%rdi), %rsp
	movl	%esi, %eax
	jmp	*56(%rdi)

/*
 * void user_iret(u64 rip, u64 rsp, u64 rflags): the 64-bit IRETQ frame (SDM Vol 3A
 * 6.14.3) to CPL 3 with user.c's segments. Comes back only through an exception.
 */
	.globl	user_iret
user_iret:
	pushq	$SEL_USER_DATA
	pushq	%rsi
	pushq	%rdx
	pushq	$SEL_USER_CODE64
	pushq	%rdi
	iretq

	.section .rodata
	.balign 8
	.globl	vector_stubs
vector_stubs:
	.altmacro
	.set	vec, 0
	.rept	256
	VECTOR_ENTRY %vec
	.set	vec, vec + 1
	.endr
	.noaltmacro
