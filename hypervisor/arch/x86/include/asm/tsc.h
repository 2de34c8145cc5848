/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ASM_TSC_H
#define ASM_TSC_H

#include <bulkhead/types.h>

enum tsc_source {
	TSC_SRC_NONE,
	TSC_SRC_CPUID_15H, /* crystal clock and ratio */
	TSC_SRC_PIT,	   /* measured against PIT channel 2 */
};

/* Determines the TSC frequency. Returns 0 or -ENODEV if it cannot be measured. */
int tsc_init(void);
u64 tsc_khz(void);
enum tsc_source tsc_source(void);
/* Measures `ms` milliseconds with PIT channel 2 and returns the TSC ticks that elapsed. */
u64 pit_measure_tsc(u32 ms);

#endif
