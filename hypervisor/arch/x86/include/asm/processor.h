/* SPDX-License-Identifier: BSD-3-Clause */
/* Thin wrappers over x86 instructions. Host unit tests replace this header. */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <bulkhead/types.h>

#define X86_RFLAGS_IF (1UL << 9)

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static inline void cpu_halt(void)
{
	__asm__ __volatile__("hlt" ::: "memory");
}

static inline void local_irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static inline void local_irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static inline u64 read_rflags(void)
{
	u64 flags;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(flags)::"memory");
	return flags;
}

static inline u64 local_irq_save(void)
{
	u64 flags = read_rflags();

	local_irq_disable();
	return flags;
}

static inline void local_irq_restore(u64 flags)
{
	if (flags & X86_RFLAGS_IF)
		local_irq_enable();
}

static inline void cpuid_count(u32 leaf, u32 subleaf, u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(*eax), "=b"(*ebx), "=c"(*ecx), "=d"(*edx)
			     : "a"(leaf), "c"(subleaf));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline u64 read_cr0(void)
{
	u64 v;

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr2(void)
{
	u64 v;

	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr3(void)
{
	u64 v;

	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr4(void)
{
	u64 v;

	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(u64 v)
{
	__asm__ __volatile__("mov %0, %%cr0" ::"r"(v) : "memory");
}

static inline void write_cr3(u64 v)
{
	__asm__ __volatile__("mov %0, %%cr3" ::"r"(v) : "memory");
}

static inline void write_cr4(u64 v)
{
	__asm__ __volatile__("mov %0, %%cr4" ::"r"(v) : "memory");
}

static inline void flush_tlb_page(u64 addr)
{
	__asm__ __volatile__("invlpg (%0)" ::"r"(addr) : "memory");
}

#endif
