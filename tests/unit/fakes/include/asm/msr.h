/* SPDX-License-Identifier: BSD-3-Clause */
/* Host replacement for asm/msr.h: MSRs live in a table in fake_hw.c. */
#ifndef ASM_MSR_H
#define ASM_MSR_H

#include <bulkhead/types.h>
#include <asm/msr-index.h>

u64 msr_read(u32 msr);
void msr_write(u32 msr, u64 v);

#endif
