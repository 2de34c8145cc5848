/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds ACPI tables for the host unit tests: tables are assembled byte by byte in a
 * struct ab_table, then placed into a fake physical memory image with their length and
 * checksum filled in. The test's acpi_map() serves the image.
 */
#ifndef ACPI_BUILDER_H
#define ACPI_BUILDER_H

#include <bulkhead/types.h>

#define FAKE_PHYS_SIZE (4U << 20)
#define AB_TABLE_MAX   8192

/* The fake physical memory: the BIOS areas below 1 MiB and room for tables above it. */
extern u8 fake_phys[FAKE_PHYS_SIZE];

/* Zeroes the image and removes all holes. */
void fake_phys_reset(void);
/* Makes [start, end) inaccessible: acpi_map() of any range touching it returns NULL. */
void fake_phys_add_hole(paddr_t start, paddr_t end);
/* True when [addr, addr + len) is inside the image and touches no hole. */
bool fake_phys_accessible(paddr_t addr, size_t len);

struct ab_table {
	u8 data[AB_TABLE_MAX];
	size_t len;
};

/* Starts a table: header with signature, revision, OEM "BOCHS ", table id "BXPCTEST". */
void ab_begin(struct ab_table *t, const char *sig, u8 revision);
void ab_put8(struct ab_table *t, u8 v);
void ab_put16(struct ab_table *t, u16 v);
void ab_put32(struct ab_table *t, u32 v);
void ab_put64(struct ab_table *t, u64 v);
void ab_put_zeros(struct ab_table *t, size_t n);
/* Overwrites already appended bytes. */
void ab_set8(struct ab_table *t, size_t off, u8 v);
void ab_set16(struct ab_table *t, size_t off, u16 v);
void ab_set32(struct ab_table *t, size_t off, u32 v);
void ab_set64(struct ab_table *t, size_t off, u64 v);
/* Sets the Length field to t->len, fixes the checksum and copies the table to addr. */
paddr_t ab_place(struct ab_table *t, paddr_t addr);
/* As ab_place, but leaves the Length field as the caller set it. */
paddr_t ab_place_raw(struct ab_table *t, paddr_t addr);

/*
 * Recomputes the checksum of the table at addr in the image over its Length field
 * (clamped to the image), as a firmware that built a broken table would have.
 */
void ab_fix_checksum(paddr_t addr);

/* Fills a 36-byte RSDP (revision 0 uses only the first 20 bytes) with valid checksums. */
void ab_make_rsdp(u8 out[36], u8 revision, u32 rsdt, u64 xsdt);
void ab_place_rsdp(paddr_t addr, u8 revision, u32 rsdt, u64 xsdt);
paddr_t ab_place_rsdt(paddr_t addr, const u32 *entries, size_t n);
paddr_t ab_place_xsdt(paddr_t addr, const u64 *entries, size_t n);

/* MADT (ACPI 6.5, 5.2.12): header fields, then interrupt controller structures. */
void ab_madt_begin(struct ab_table *t, u8 revision, u32 lapic_addr, u32 flags);
void ab_madt_lapic(struct ab_table *t, u8 uid, u8 apic_id, u32 flags);
void ab_madt_ioapic(struct ab_table *t, u8 id, u32 addr, u32 gsi_base);
void ab_madt_iso(struct ab_table *t, u8 bus, u8 source, u32 gsi, u16 flags);
void ab_madt_lapic_nmi(struct ab_table *t, u8 uid, u16 flags, u8 lint);
void ab_madt_lapic_override(struct ab_table *t, u64 addr);
void ab_madt_x2apic(struct ab_table *t, u32 x2apic_id, u32 flags, u32 uid);
void ab_madt_x2apic_nmi(struct ab_table *t, u32 uid, u16 flags, u8 lint);

/* FADT: a zeroed revision 6 FADT of the given length (116 for ACPI 1.0, 276 for 6.x). */
void ab_fadt_begin(struct ab_table *t, size_t len);

/* MCFG (PCI Firmware spec 4.1.2). */
void ab_mcfg_begin(struct ab_table *t);
void ab_mcfg_entry(struct ab_table *t, u64 base, u16 segment, u8 bus_start, u8 bus_end);

/* DMAR (VT-d chapter 8): structures are opened, given scopes, then closed. */
void ab_dmar_begin(struct ab_table *t, u8 haw, u8 flags);
size_t ab_dmar_drhd(struct ab_table *t, u8 flags, u8 size, u16 segment, u64 base);
size_t ab_dmar_rmrr(struct ab_table *t, u16 segment, u64 base, u64 limit);
size_t ab_dmar_atsr(struct ab_table *t, u8 flags, u16 segment);
/* Appends a device scope; path holds n_path (device, function) pairs. */
void ab_dmar_scope(struct ab_table *t, u8 type, u8 enum_id, u8 bus, const u8 *path, size_t n_path);
/* Writes the structure's length now that its scopes are appended. */
void ab_dmar_end(struct ab_table *t, size_t start);

#endif
