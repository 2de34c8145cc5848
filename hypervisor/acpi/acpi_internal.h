/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared between the ACPI table parsers (acpi.c walks the root tables, the others
 * decode one table type each). Firmware tables are byte-packed and may sit at any
 * address, so every multi-byte field is read through bulkhead/unaligned.h,
 * never through a cast pointer (that would be an unaligned access in C terms).
 */
#ifndef BULKHEAD_ACPI_INTERNAL_H
#define BULKHEAD_ACPI_INTERNAL_H

#include <bulkhead/acpi.h>
#include <bulkhead/string.h>
#include <bulkhead/unaligned.h>
#include <bulkhead/types.h>

/* System Description Table Header (ACPI 6.5, 5.2.6), 36 bytes. */
#define ACPI_HDR_SIGNATURE    0
#define ACPI_HDR_LENGTH	      4
#define ACPI_HDR_REVISION     8
#define ACPI_HDR_CHECKSUM     9
#define ACPI_HDR_OEM_ID	      10
#define ACPI_HDR_OEM_TABLE_ID 16
#define ACPI_HDR_SIZE	      36

/* Minimum lengths of the fixed parts of the tables we decode. */
#define ACPI_MADT_MIN_LEN 44  /* header + Local Interrupt Controller Address + Flags */
#define ACPI_FADT_MIN_LEN 116 /* ACPI 1.0 FADT: everything up to and including Flags */
#define ACPI_MCFG_MIN_LEN 44  /* header + 8 reserved bytes */
#define ACPI_DMAR_MIN_LEN 48  /* header + HAW + Flags + 10 reserved bytes (VT-d 8.1) */

/*
 * Table decoders. Each is handed a table whose length and checksum were already
 * verified, and the verified length: they never re-read the length field, and every
 * access stays inside [0, len). They return 0, or a negative code with *problem set
 * when the fixed part of the table is unusable (the table is then marked invalid).
 */
int acpi_parse_madt(const u8 *tbl, u32 len, u8 revision, struct acpi_info *info,
		    const char **problem);
int acpi_parse_fadt(const u8 *tbl, u32 len, struct acpi_info *info, const char **problem);
int acpi_parse_mcfg(const u8 *tbl, u32 len, struct acpi_info *info, const char **problem);
int acpi_parse_dmar(const u8 *tbl, u32 len, struct acpi_info *info, const char **problem);

/* Copies n bytes of a firmware identifier into out (n + 1 bytes), making it printable. */
void acpi_copy_id(char *out, const u8 *id, size_t n);

#endif
