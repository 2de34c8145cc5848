/* SPDX-License-Identifier: BSD-3-Clause */
/* Host replacement for the hypervisor's asm/processor.h: no privileged instructions. */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <bulkhead/types.h>

#define X86_RFLAGS_IF (1UL << 9)

static inline void cpu_relax(void)
{
}

static inline u64 local_irq_save(void)
{
	return 0;
}

static inline void local_irq_restore(u64 flags)
{
	(void)flags;
}

/* Control registers and TLB flushes are recorded in fake_hw.c. */
u64 read_cr0(void);
u64 read_cr2(void);
u64 read_cr3(void);
u64 read_cr4(void);
void write_cr3(u64 v);
void flush_tlb_page(u64 addr);

/* Scripted by tests through fake_hw.h. */
void cpuid_count(u32 leaf, u32 subleaf, u32 *eax, u32 *ebx, u32 *ecx, u32 *edx);
u64 rdtsc(void);

#endif
