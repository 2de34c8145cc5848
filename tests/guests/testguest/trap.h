/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IDT for all 256 vectors (interrupts: irq.h) and what happens on an exception that no
 * probe expected:
 * a register dump line and a FAIL line, then the running test is abandoned (when a
 * test runs under run_guarded()) or the guest halts with "testguest: fatal".
 */
#ifndef TESTGUEST_TRAP_H
#define TESTGUEST_TRAP_H

#include "arch.h"

/* Layout pushed by traps.S, lowest address first. */
struct trap_frame {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

struct jmp_ctx {
	u64 rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

int tg_setjmp(struct jmp_ctx *ctx) __attribute__((returns_twice));
void tg_longjmp(struct jmp_ctx *ctx, int value) __attribute__((noreturn));

/* Fills the IDT and loads it. */
void trap_init(void);
/* Loads the IDT trap_init() filled (on an AP). */
void trap_load_idt(void);

/* Loads an IDT with limit 0: the next exception shuts the CPU down (triple fault). */
void trap_load_null_idt(void);

/*
 * Runs fn(). An unexpected exception inside it prints the dump and
 * "FAIL <test>.unexpected_exception" and returns here with -1; otherwise returns 0.
 */
int run_guarded(const char *test, void (*fn)(void));

/*
 * The next exception raised at CPL 3 copies its frame to *frame and returns to ctx
 * (tg_longjmp(ctx, 1)) at CPL 0 instead of being handled. Used by user.c.
 */
void trap_catch_user(struct jmp_ctx *ctx, struct trap_frame *frame);

void __attribute__((noreturn)) fatal(const char *why);

#endif
