/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACPI table discovery and parsing (ACPI 6.5: 5.2.5 RSDP, 5.2.7/5.2.8 RSDT/XSDT,
 * 5.2.9 FADT, 5.2.12 MADT; PCI Firmware spec for MCFG; VT-d spec chapter 8 for DMAR).
 * Every table is length- and checksum-checked before use; a bad table is reported
 * and skipped, never trusted.
 */
#ifndef BULKHEAD_ACPI_H
#define BULKHEAD_ACPI_H

#include <bulkhead/types.h>

#define ACPI_MAX_TABLES	    64
#define ACPI_MAX_CPUS	    256
#define ACPI_MAX_IOAPICS    16
#define ACPI_MAX_ISOS	    32
#define ACPI_MAX_LAPIC_NMIS 16
#define ACPI_MAX_MCFG	    8
#define ACPI_MAX_DRHD	    16
#define ACPI_MAX_RMRR	    16
#define ACPI_MAX_SCOPES	    16 /* device scope entries kept per DRHD/RMRR */

/* Generic Address Structure (ACPI 5.2.3.2). */
struct acpi_gas {
	u8 space_id; /* 0 = memory, 1 = I/O port */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;
	u64 address;
};

struct acpi_table_ref {
	char signature[5];
	paddr_t addr;
	u32 length;
	u8 revision;
	char oem_id[7];
	bool valid;	     /* length sane and checksum correct */
	const char *problem; /* why it is not valid, or NULL */
};

struct acpi_cpu {
	u32 apic_id;
	u32 uid;
	bool enabled;	     /* usable now */
	bool online_capable; /* may be hot-added later */
	bool from_x2apic;    /* came from an x2APIC (type 9) entry */
};

struct acpi_ioapic {
	u8 id;
	paddr_t addr;
	u32 gsi_base;
};

struct acpi_iso { /* interrupt source override */
	u8 bus;
	u8 source; /* ISA IRQ */
	u32 gsi;
	u16 flags; /* MPS INTI flags: polarity bits 1:0, trigger bits 3:2 */
};

struct acpi_lapic_nmi {
	u32 uid; /* 0xFF (xAPIC) or 0xFFFFFFFF (x2APIC): all processors */
	u16 flags;
	u8 lint;
};

struct acpi_mcfg_seg {
	paddr_t base;
	u16 segment;
	u8 bus_start;
	u8 bus_end;
};

struct acpi_dev_scope {
	u8 type; /* 1 PCI endpoint, 2 PCI sub-hierarchy, 3 IOAPIC, 4 HPET, 5 ACPI namespace */
	u8 enum_id;
	u8 bus; /* start bus */
	u8 dev; /* of the last path element */
	u8 func;
	u8 path_len; /* number of (dev, func) path elements */
};

struct acpi_drhd {
	paddr_t base;
	u16 segment;
	u8 flags; /* bit 0: INCLUDE_PCI_ALL */
	u8 size;  /* register set size: 2^size pages (DMAR revision >= 1 'Size' field) */
	struct acpi_dev_scope scopes[ACPI_MAX_SCOPES];
	size_t scope_count;
	size_t scopes_dropped;
};

struct acpi_rmrr {
	paddr_t base;
	paddr_t limit; /* inclusive, as in the table */
	u16 segment;
	struct acpi_dev_scope scopes[ACPI_MAX_SCOPES];
	size_t scope_count;
	size_t scopes_dropped;
};

struct acpi_info {
	paddr_t rsdp_addr; /* 0 when the RSDP came from a multiboot2 copy */
	u8 rsdp_revision;
	char oem_id[7];
	bool use_xsdt;

	struct acpi_table_ref tables[ACPI_MAX_TABLES];
	size_t table_count;
	size_t tables_dropped;

	/* MADT */
	bool have_madt;
	paddr_t lapic_addr; /* after any LAPIC address override */
	u32 madt_flags;	    /* bit 0: PC-AT compatible (8259 present) */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	size_t cpu_count;
	size_t cpus_dropped;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	size_t ioapic_count;
	struct acpi_iso isos[ACPI_MAX_ISOS];
	size_t iso_count;
	struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_LAPIC_NMIS];
	size_t lapic_nmi_count;
	size_t madt_bad_entries;

	/* FADT */
	bool have_fadt;
	u16 sci_irq;
	u32 smi_cmd;
	u32 pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm_tmr_blk;
	u8 pm_tmr_len;
	u16 iapc_boot_arch;
	u32 fadt_flags;
	bool have_reset_reg;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u8 century; /* RTC CMOS index, 0 if none */
	paddr_t dsdt_addr;

	/* MCFG */
	struct acpi_mcfg_seg mcfg[ACPI_MAX_MCFG];
	size_t mcfg_count;

	/* DMAR */
	bool have_dmar;
	u8 dmar_haw; /* host address width - 1, as in the table */
	u8 dmar_flags;
	struct acpi_drhd drhds[ACPI_MAX_DRHD];
	size_t drhd_count;
	struct acpi_rmrr rmrrs[ACPI_MAX_RMRR];
	size_t rmrr_count;
	size_t atsr_count;
	size_t dmar_bad_entries;
};

/*
 * Maps len bytes of physical memory for reading; returns NULL if the range is not
 * accessible. The hypervisor identity-maps RAM; unit tests supply their own.
 */
const void *acpi_map(paddr_t addr, size_t len);

/*
 * Finds and parses all tables. rsdp_copy/rsdp_len: the RSDP copy from multiboot2, or
 * NULL to scan the EBDA and 0xE0000-0xFFFFF. Returns 0, or -ENOENT when no valid
 * RSDP/RSDT/XSDT exists. Individual bad tables only mark their entry invalid.
 */
int acpi_parse(const void *rsdp_copy, size_t rsdp_len, struct acpi_info *info);

/* Sum of bytes, mod 256 (0 for a valid table). */
u8 acpi_checksum(const void *data, size_t len);

/* Prints the tables, CPUs, IOAPICs, overrides, FADT facts, MCFG and DMAR at LOG_INFO. */
void acpi_log_summary(const struct acpi_info *info);

#endif
