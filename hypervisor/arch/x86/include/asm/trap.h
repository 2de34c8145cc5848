/* SPDX-License-Identifier: BSD-3-Clause */
/* Exception and interrupt entry (arch/x86/entry.S, arch/x86/trap.c). */
#ifndef ASM_TRAP_H
#define ASM_TRAP_H

#include <bulkhead/types.h>

/* Layout pushed by entry.S: general registers, then what the CPU pushed. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector;
	u64 error_code;
	u64 rip, cs, rflags, rsp, ss;
};

#define VEC_NMI		2
#define VEC_DF		8
#define VEC_PF		14
#define VEC_MC		18
#define VEC_FIRST_IRQ	32
#define VEC_LAPIC_TIMER 0xef
#define VEC_IPI_CALL	0xf1
#define VEC_KICK	0xf2
#define VEC_LAPIC_ERROR 0xfe
#define VEC_SPURIOUS	0xff

typedef void (*irq_handler_t)(struct trap_frame *frame);

/* Registers a handler for an interrupt vector (>= 32). Returns 0, -EINVAL or -EBUSY. */
int irq_register(u8 vector, irq_handler_t handler);

void trap_dispatch(struct trap_frame *frame);
const char *exception_name(u64 vector);

#endif
