/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fatal errors of the hypervisor itself. Never call these for something a guest did:
 * guests get an injected fault or their VM is stopped.
 */
#ifndef BULKHEAD_PANIC_H
#define BULKHEAD_PANIC_H

#include <bulkhead/compiler.h>
#include <bulkhead/types.h>

/* Prints the reason and a stack trace, stops every CPU and halts. */
void panic(const char *fmt, ...) __noreturn __printf(1, 2);
/*
 * The two halves of panic(), for callers that print their own report in between
 * (the exception handler). panic_begin() returns false when another CPU is already
 * panicking; the caller must then arch_cpu_stop_self().
 */
bool panic_begin(void);
void panic_finish(void) __noreturn;
/* An orderly stop after a clear message (e.g. unsupported hardware): no crash report. */
void system_halt(void) __noreturn;
/* True once any CPU started panicking or halting the system. */
bool system_stopping(void);

/* Prints "Stack trace:" and the call chain starting at frame pointer fp. */
void stack_trace_print(u64 fp);
/* Name of the function containing addr and the offset into it, or NULL. */
const char *symbol_lookup(u64 addr, u64 *offset);

#endif
