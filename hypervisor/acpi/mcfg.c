// SPDX-License-Identifier: BSD-3-Clause
/*
 * PCI Express memory-mapped configuration space table, "MCFG" (PCI Firmware
 * Specification 3.2, 4.1.2): after the ACPI header and 8 reserved bytes, an array of
 * 16-byte allocation structures, one per (segment, bus range) ECAM window.
 */
#include <bulkhead/acpi.h>
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include "acpi_internal.h"

#define MCFG_ENTRIES	 44
#define MCFG_ENTRY_SIZE	 16
/* Configuration Space Base Address Allocation Structure offsets. */
#define MCFG_E_BASE	 0
#define MCFG_E_SEGMENT	 8
#define MCFG_E_BUS_START 10
#define MCFG_E_BUS_END	 11
/* ECAM gives each bus 1 MiB of configuration space (32 devices x 8 functions x 4 KiB). */
#define ECAM_BUS_SHIFT	 20

int acpi_parse_mcfg(const u8 *tbl, u32 len, struct acpi_info *info, const char **problem)
{
	size_t count, i;

	if (len < ACPI_MCFG_MIN_LEN) {
		*problem = "too short for an MCFG";
		return -EINVAL;
	}
	count = (len - MCFG_ENTRIES) / MCFG_ENTRY_SIZE;
	if ((len - MCFG_ENTRIES) % MCFG_ENTRY_SIZE)
		pr_warn("ACPI: MCFG length %u leaves a partial entry, ignored\n", len);

	for (i = 0; i < count; i++) {
		const u8 *e = tbl + MCFG_ENTRIES + i * MCFG_ENTRY_SIZE;
		struct acpi_mcfg_seg seg = {
			.base = read_le64(e, MCFG_E_BASE),
			.segment = read_le16(e, MCFG_E_SEGMENT),
			.bus_start = read_le8(e, MCFG_E_BUS_START),
			.bus_end = read_le8(e, MCFG_E_BUS_END),
		};

		/*
		 * The base address is that of bus 0 of the segment, even when the window
		 * starts at a later bus, so the window ends at base + (bus_end + 1) MiB.
		 */
		if (seg.base == 0 || seg.bus_start > seg.bus_end || (seg.base & 0xFFFFF) != 0 ||
		    seg.base > INVALID_PADDR - ((u64)(seg.bus_end + 1) << ECAM_BUS_SHIFT)) {
			pr_warn("ACPI: MCFG entry %zu (base 0x%llx, buses %u-%u) is invalid\n", i,
				(unsigned long long)seg.base, seg.bus_start, seg.bus_end);
			continue;
		}
		if (info->mcfg_count >= ACPI_MAX_MCFG) {
			pr_warn("ACPI: too many MCFG entries, ignoring segment %u\n", seg.segment);
			continue;
		}
		info->mcfg[info->mcfg_count++] = seg;
	}
	return 0;
}
