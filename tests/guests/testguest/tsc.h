/* SPDX-License-Identifier: BSD-3-Clause */
/* Time in TSC ticks, for the delays and timeouts of the tests (smp, link). */
#ifndef TESTGUEST_TSC_H
#define TESTGUEST_TSC_H

#include "arch.h"

/*
 * TSC ticks per millisecond: the hypervisor's TSC kHz (CPUID 0x40000010), else the
 * nominal frequency of leaf 0x16, else 1 GHz. Only delays and timeouts depend on it.
 */
u64 tsc_ticks_per_ms(void);

#endif
