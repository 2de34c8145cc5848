/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exception and interrupt entry: one stub per vector pushes a dummy error code where the
 * CPU does not push one (SDM Vol 3A 6.13), then the vector; the common path saves the
 * general registers into a struct trap_frame and calls trap_dispatch().
 */
	.section .text
	.code64

.macro stub vector, has_error
	.balign 16
vector_stub_\vector:
	.if \has_error == 0
	pushq	$0
	.endif
	pushq	$\vector
	jmp	trap_common
.endm

/* Vectors 8, 10-14, 17, 21, 29, 30 push an error code. */
.altmacro
.macro stubs from, to
	.if ((\from == 8) || ((\from >= 10) && (\from <= 14)) || (\from == 17) || (\from == 21) || (\from == 29) || (\from == 30))
	stub	%from, 1
	.else
	stub	%from, 0
	.endif
	.if \to - \from
	stubs	%(\from + 1), \to
	.endif
.endm

	.globl vector_stubs
vector_stubs:
	stubs	0, 63
	stubs	64, 127
	stubs	128, 191
	stubs	192, 255

trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	/* Link a frame so stack traces continue into the interrupted code. */
	movq	(15 * 8 + 16)(%rsp), %rax	/* interrupted RIP */
	pushq	%rax
	pushq	%rbp
	movq	%rsp, %rbp
	call	trap_dispatch
	addq	$16, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp	/* vector and error code */
	iretq
