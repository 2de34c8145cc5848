/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BULKHEAD_INIT_H
#define BULKHEAD_INIT_H

#include <bulkhead/types.h>

struct boot_info;

/* Runs the boot sequence on the BSP (core/init.c). */
void boot_main(u32 magic, paddr_t mbi) __attribute__((noreturn));
/* Called by each AP once it runs on its own stack and tables. */
void secondary_main(void) __attribute__((noreturn));

/* Steps implemented by other core files. */
/* Modules that lie inside a VM's memory are moved out of it (info is updated). */
int memory_init(struct boot_info *info);
/* The parsed multiboot2 information (valid after the "boot information" step). */
const struct boot_info *boot_info_get(void);
int heap_setup(void);
/* debug_fault=... from the command line (core/debug_fault.c); no-op when absent. */
int debug_fault_run(const char *cmdline);

#endif
