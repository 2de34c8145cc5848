/* SPDX-License-Identifier: BSD-3-Clause */
/* MSR access. Host unit tests replace this header. */
#ifndef ASM_MSR_H
#define ASM_MSR_H

#include <bulkhead/types.h>
#include <asm/msr-index.h>

static inline u64 msr_read(u32 msr)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void msr_write(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

#endif
