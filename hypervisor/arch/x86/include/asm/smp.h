/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <bulkhead/memmap.h>
#include <bulkhead/types.h>

struct acpi_info;

/* Reserves the two AP start-up pages below 1 MiB in the memory map. */
int smp_reserve_trampoline(struct memmap *map);
/* Records the CPUs of the MADT; the BSP becomes cpu0. */
int smp_enumerate(const struct acpi_info *acpi);
/* Starts every other enabled CPU with INIT-SIPI-SIPI; returns the number online. */
u32 smp_start_aps(void);

/*
 * Runs fn(arg) on `cpu` from its IPI handler; with wait, returns once it finished.
 * Returns 0, or -ETIMEDOUT when the CPU did not respond within a second.
 */
int smp_call_on_cpu(u32 cpu, void (*fn)(void *), void *arg, bool wait);

/* The C entry point of an AP (arch/x86/boot/trampoline.S jumps here). */
void ap_entry(u64 cpu_id) __attribute__((noreturn));

#endif
