/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BULKHEAD_BOARD_CHECK_H
#define BULKHEAD_BOARD_CHECK_H

#include <bulkhead/acpi.h>
#include <bulkhead/vm_config.h>

/*
 * Compares the board the configuration was generated for with the machine found at
 * boot: CPU i of the board must be online as hypervisor CPU i with the same APIC ID
 * (scenarios name CPUs by those ids), and every board IOAPIC must exist at the same
 * address and GSI base. apic_ids[] holds the APIC IDs of the online CPUs in hypervisor
 * CPU order. Logs each difference; returns 0, or -ENODEV when the configuration does
 * not fit this machine. A configuration without board facts (cpu_count 0) fits any.
 */
int board_check(const struct board_config *board, const struct acpi_info *acpi, const u32 *apic_ids,
		size_t online);

#endif
