/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The physical I/O APICs (82093AA data sheet; ACPI MADT type 1). The hypervisor owns them:
 * no guest reaches their registers. At boot every redirection entry is masked; an entry
 * is only programmed for the INTx line of a passed-through device (arch_gsi_attach() in
 * bulkhead/arch.h), level-triggered, to a hypervisor vector on the CPU of the VM that owns
 * the device.
 */
#ifndef ASM_IOAPIC_H
#define ASM_IOAPIC_H

#include <bulkhead/types.h>

struct acpi_info;

#define IOAPIC_REGSEL	  0x00
#define IOAPIC_WINDOW	  0x10
#define IOAPIC_REG_ID	  0x00
#define IOAPIC_REG_VER	  0x01
#define IOAPIC_REG_RTE(n) (0x10 + 2 * (n)) /* low dword; the high one follows */

#define IOAPIC_RTE_ACTIVE_LOW (1ULL << 13)
#define IOAPIC_RTE_LEVEL      (1ULL << 15)
#define IOAPIC_RTE_MASKED     (1ULL << 16)
#define IOAPIC_RTE_DEST_SHIFT 56

/* Device interrupt vectors: one per routed GSI, below the hypervisor's own (asm/trap.h). */
#define VEC_GSI_FIRST 0x40
#define VEC_GSI_COUNT 0x40

/* Finds the MADT's I/O APICs, masks every entry. Returns 0 or -ENOENT (none usable). */
int ioapic_init(const struct acpi_info *acpi);

#endif
