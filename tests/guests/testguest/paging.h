/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Identity mapping. head.S maps 0-4 GiB with 2 MiB pages; addresses above that (RAM
 * above 4 GiB, isolation targets) are mapped on demand, 1 GiB at a time, with 1 GiB
 * pages when CPUID says so and 2 MiB pages from a small pool otherwise.
 */
#ifndef TESTGUEST_PAGING_H
#define TESTGUEST_PAGING_H

#include "arch.h"

void paging_init(void);

/* Returns NULL when [addr, addr + len) is mapped, otherwise why it cannot be. */
const char *paging_map_identity(u64 addr, u64 len);

bool paging_has_1g_pages(void);
unsigned int paging_maxphyaddr(void);

#endif
