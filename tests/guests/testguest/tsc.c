// SPDX-License-Identifier: BSD-3-Clause
#include "tsc.h"

#define HV_LEAF_BASE	     0x40000000
#define HV_LEAF_TIMING	     0x40000010
#define TICKS_PER_MS_DEFAULT 1000000 /* a 1 GHz TSC when nothing says otherwise */

u64 tsc_ticks_per_ms(void)
{
	u32 max_basic = cpuid(0).eax;

	if (cpuid(HV_LEAF_BASE).eax >= HV_LEAF_TIMING && cpuid(HV_LEAF_TIMING).eax)
		return cpuid(HV_LEAF_TIMING).eax;
	if (max_basic >= 0x16 && (cpuid(0x16).eax & 0xffff))
		return (u64)(cpuid(0x16).eax & 0xffff) * 1000;
	return TICKS_PER_MS_DEFAULT;
}
