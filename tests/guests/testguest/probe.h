/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Probes: run one instruction that may fault and report what happened.
 *
 * PROBE_INSN() emits the instruction at local label 1 and records the pair
 * (label 1, label 2 right after it) in the .probe_fixup section. When the instruction
 * faults, exception_dispatch() finds the faulting RIP in that table, stores the vector
 * and error code in probe_fault and resumes at label 2; outputs then keep the values
 * they had before the instruction. Any other exception is "unexpected" (see trap.h).
 */
#ifndef TESTGUEST_PROBE_H
#define TESTGUEST_PROBE_H

#include "arch.h"

#define FAULT_NONE (-1)
#define VEC_UD	   6
#define VEC_GP	   13
#define VEC_PF	   14

struct fault {
	int vector; /* FAULT_NONE: the instruction completed */
	u32 error_code;
};

struct probe_fixup {
	u64 insn;
	u64 resume;
};

extern volatile struct fault probe_fault;

#define PROBE_INSN(insn)                       \
	"1:\t" insn "\n"                       \
	"2:\n"                                 \
	"\t.pushsection .probe_fixup, \"a\"\n" \
	"\t.balign 8\n"                        \
	"\t.quad 1b, 2b\n"                     \
	"\t.popsection\n"

static inline void probe_arm(void)
{
	probe_fault.vector = FAULT_NONE;
	probe_fault.error_code = 0;
}

static inline struct fault probe_result(void)
{
	struct fault f = {.vector = probe_fault.vector, .error_code = probe_fault.error_code};

	return f;
}

static inline bool fault_none(struct fault f)
{
	return f.vector == FAULT_NONE;
}

static inline bool fault_is_gp0(struct fault f)
{
	return f.vector == VEC_GP && f.error_code == 0;
}

/* "no exception", "#GP(0)", "#PF(0x2)", "#UD": for messages. Returns buf. */
const char *fault_describe(struct fault f, char *buf, size_t size);
const char *vector_name(int vector);
bool vector_has_error_code(int vector);

static inline struct fault probe_rdmsr(u32 msr, u64 *value)
{
	u32 lo = 0, hi = 0;

	probe_arm();
	asm volatile(PROBE_INSN("rdmsr") : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*value = ((u64)hi << 32) | lo;
	return probe_result();
}

static inline struct fault probe_wrmsr(u32 msr, u64 value)
{
	probe_arm();
	asm volatile(PROBE_INSN("wrmsr")
		     :
		     : "c"(msr), "a"((u32)value), "d"((u32)(value >> 32))
		     : "memory");
	return probe_result();
}

static inline struct fault probe_write_cr0(u64 value)
{
	probe_arm();
	asm volatile(PROBE_INSN("mov %0, %%cr0") : : "r"(value) : "memory");
	return probe_result();
}

static inline struct fault probe_write_cr4(u64 value)
{
	probe_arm();
	asm volatile(PROBE_INSN("mov %0, %%cr4") : : "r"(value) : "memory");
	return probe_result();
}

static inline struct fault probe_clts(void)
{
	probe_arm();
	asm volatile(PROBE_INSN("clts") : : : "memory");
	return probe_result();
}

static inline struct fault probe_rdtscp(u64 *tsc, u32 *aux)
{
	u32 lo = 0, hi = 0, c = 0;

	probe_arm();
	asm volatile(PROBE_INSN("rdtscp") : "+a"(lo), "+d"(hi), "+c"(c) : : "memory");
	*tsc = ((u64)hi << 32) | lo;
	*aux = c;
	return probe_result();
}

/* XSETBV/XGETBV of XCR[xcr] (SDM Vol 2C); both #UD while CR4.OSXSAVE is clear. */
static inline struct fault probe_xsetbv(u32 xcr, u64 value)
{
	probe_arm();
	asm volatile(PROBE_INSN("xsetbv")
		     :
		     : "c"(xcr), "a"((u32)value), "d"((u32)(value >> 32))
		     : "memory");
	return probe_result();
}

static inline struct fault probe_xgetbv(u32 xcr, u64 *value)
{
	u32 lo = 0, hi = 0;

	probe_arm();
	asm volatile(PROBE_INSN("xgetbv") : "+a"(lo), "+d"(hi) : "c"(xcr) : "memory");
	*value = ((u64)hi << 32) | lo;
	return probe_result();
}

/* Port I/O of 1, 2 or 4 bytes. */
static inline struct fault probe_in(u16 port, unsigned int size, u32 *value)
{
	u32 v = 0;

	probe_arm();
	if (size == 1)
		asm volatile(PROBE_INSN("inb %w1, %b0") : "+a"(v) : "d"(port) : "memory");
	else if (size == 2)
		asm volatile(PROBE_INSN("inw %w1, %w0") : "+a"(v) : "d"(port) : "memory");
	else
		asm volatile(PROBE_INSN("inl %w1, %0") : "+a"(v) : "d"(port) : "memory");
	*value = v;
	return probe_result();
}

static inline struct fault probe_out(u16 port, unsigned int size, u32 value)
{
	probe_arm();
	if (size == 1)
		asm volatile(PROBE_INSN("outb %b0, %w1") : : "a"(value), "d"(port) : "memory");
	else if (size == 2)
		asm volatile(PROBE_INSN("outw %w0, %w1") : : "a"(value), "d"(port) : "memory");
	else
		asm volatile(PROBE_INSN("outl %0, %w1") : : "a"(value), "d"(port) : "memory");
	return probe_result();
}

static inline struct fault probe_read32(u64 addr, u32 *value)
{
	u32 v = 0;

	probe_arm();
	asm volatile(PROBE_INSN("movl (%1), %0") : "+r"(v) : "r"(addr) : "memory");
	*value = v;
	return probe_result();
}

static inline struct fault probe_write32(u64 addr, u32 value)
{
	probe_arm();
	asm volatile(PROBE_INSN("movl %0, (%1)") : : "r"(value), "r"(addr) : "memory");
	return probe_result();
}

static inline struct fault probe_read64(u64 addr, u64 *value)
{
	u64 v = 0;

	probe_arm();
	asm volatile(PROBE_INSN("movq (%1), %0") : "+r"(v) : "r"(addr) : "memory");
	*value = v;
	return probe_result();
}

static inline struct fault probe_write64(u64 addr, u64 value)
{
	probe_arm();
	asm volatile(PROBE_INSN("movq %0, (%1)") : : "r"(value), "r"(addr) : "memory");
	return probe_result();
}

#endif
