/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM entry and exit (SDM Vol 3C 27, 28.5). The host's callee-saved registers and the
 * pointer to the guest register array are pushed before entry; HOST_RSP points at that
 * pointer, so on a VM exit vmx_exit_entry finds where to save the guest's registers and
 * returns to vmx_enter_guest's caller as if from a call.
 */
#include <asm/vmcs.h>

	.text
	.code64

/* Offsets in the guest register array: encoding order (asm/vcpu.h enum guest_gpr). */
#define G(n) (n * 8)

	.globl vmx_enter_guest
	.type vmx_enter_guest, @function
/* int vmx_enter_guest(u64 *gpr, u64 launched) */
vmx_enter_guest:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* the register array, for vmx_exit_entry */
	/*
	 * HOST_RSP only changes when the caller's stack depth does: the word after the
	 * array (vcpu_arch.host_rsp) holds what was last written.
	 */
	cmpq %rsp, G(16)(%rdi)
	je 3f
	movq %rsp, G(16)(%rdi)
	movl $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe 2f				/* VMfail: report as a failed entry */
3:
	cmpq $0, %rsi			/* ZF survives the MOVs below */
	movq G(0)(%rdi), %rax
	movq G(1)(%rdi), %rcx
	movq G(2)(%rdi), %rdx
	movq G(3)(%rdi), %rbx
	movq G(5)(%rdi), %rbp
	movq G(6)(%rdi), %rsi
	movq G(8)(%rdi), %r8
	movq G(9)(%rdi), %r9
	movq G(10)(%rdi), %r10
	movq G(11)(%rdi), %r11
	movq G(12)(%rdi), %r12
	movq G(13)(%rdi), %r13
	movq G(14)(%rdi), %r14
	movq G(15)(%rdi), %r15
	movq G(7)(%rdi), %rdi
	jne 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* VMLAUNCH/VMRESUME fell through: the guest never ran. */
	popq %rdi
	movl $1, %eax
	jmp .Lrestore_host
	.size vmx_enter_guest, . - vmx_enter_guest

	.globl vmx_exit_entry
	.type vmx_exit_entry, @function
vmx_exit_entry:
	/* RSP = HOST_RSP: the register array pointer is on top; swap in the guest's RDI. */
	xchgq %rdi, (%rsp)
	movq %rax, G(0)(%rdi)
	movq %rcx, G(1)(%rdi)
	movq %rdx, G(2)(%rdi)
	movq %rbx, G(3)(%rdi)
	movq %rbp, G(5)(%rdi)
	movq %rsi, G(6)(%rdi)
	movq %r8, G(8)(%rdi)
	movq %r9, G(9)(%rdi)
	movq %r10, G(10)(%rdi)
	movq %r11, G(11)(%rdi)
	movq %r12, G(12)(%rdi)
	movq %r13, G(13)(%rdi)
	movq %r14, G(14)(%rdi)
	movq %r15, G(15)(%rdi)
	popq %rax
	movq %rax, G(7)(%rdi)
	xorl %eax, %eax
.Lrestore_host:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size vmx_exit_entry, . - vmx_exit_entry
