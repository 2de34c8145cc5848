/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The platform as an OS finds it: the ACPI tables (ACPI 6.5 specification, chapter 5).
 * The RSDP is searched for in 0xe0000-0xfffff (5.2.5.1); the XSDT, or the RSDT when the
 * RSDP has no XSDT, leads to the FADT (5.2.9: PM1 and PM timer ports, SCI, DSDT), the
 * MADT (5.2.12: CPUs, I/O APICs, interrupt source overrides) and the DSDT, whose \_S5
 * package gives the S5 sleep type (7.4.2; looked for in the SSDTs too, where SeaBIOS's
 * own tables keep it). Nothing about the platform is assumed.
 *
 * Parsing reads guest memory that the VM's firmware or hypervisor wrote: every length
 * is bounded, and what cannot be read is recorded in `why`, never trusted.
 */
#ifndef TESTGUEST_ACPI_H
#define TESTGUEST_ACPI_H

#include "arch.h"

#define ACPI_MAX_TABLES	  32
#define ACPI_MAX_CPUS	  64
#define ACPI_MAX_IOAPICS  4
#define ACPI_MAX_OVERRIDE 16
#define ACPI_WHY_LEN	  160
#define PM_TIMER_HZ	  3579545

/* MADT interrupt source override flags (MPS INTI flags, ACPI 5.2.12.5). */
#define MPS_POLARITY_MASK 0x3
#define MPS_POLARITY_LOW  0x3
#define MPS_TRIGGER_MASK  0xc
#define MPS_TRIGGER_LEVEL 0xc

/* FADT IAPC_BOOT_ARCH (5.2.9.3) and PM1 registers (4.8.3). */
#define FADT_BOOT_NO_CMOS_RTC BIT(5)
#define FADT_F_TMR_VAL_EXT    BIT(8)
#define FADT_F_HW_REDUCED     BIT(20)
#define PM1_STS_TMR	      BIT(0)
#define PM1_EN_TMR	      BIT(0)
#define PM1_CNT_SCI_EN	      BIT(0)
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP_MASK  (7 << 10)
#define PM1_CNT_SLP_EN	      BIT(13)

struct acpi_table {
	char sig[5];
	u64 addr;
	u32 length;
	u8 sum; /* of all its bytes: 0 when the checksum is right */
};

struct acpi_ioapic {
	u8 id;
	u32 addr;
	u32 gsi_base;
};

struct acpi_override {
	u8 irq;
	u32 gsi;
	u16 flags;
};

struct platform {
	/* RSDP and root table */
	bool has_rsdp;
	u64 rsdp;
	u8 rsdp_revision;
	char oem[7];
	bool rsdp_ok;  /* checksum (and extended checksum from revision 2) right */
	bool xsdt;     /* the root table is the XSDT (else the RSDT) */
	bool has_root; /* the root table was readable, with its signature */
	u64 root;
	unsigned int table_count; /* root table entries, then the DSDT */
	struct acpi_table tables[ACPI_MAX_TABLES];

	/* MADT */
	bool has_madt;
	u32 lapic_addr;
	bool pcat_compat; /* dual 8259s present */
	unsigned int cpu_count;
	u32 cpu_apic_ids[ACPI_MAX_CPUS];
	unsigned int ioapic_count;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned int override_count;
	struct acpi_override overrides[ACPI_MAX_OVERRIDE];

	/* FADT */
	bool has_fadt;
	u8 fadt_revision;
	u32 fadt_flags;
	u16 boot_arch;
	u16 sci_irq;
	u32 smi_cmd;
	u8 acpi_enable;
	u16 pm1a_evt, pm1b_evt, pm1a_cnt, pm1b_cnt, pm_tmr;
	u8 pm1_evt_len, pm1_cnt_len, pm_tmr_len;
	u8 century; /* CMOS index of the century, 0 when none */
	u64 dsdt;

	/* \_S5, in the DSDT or an SSDT */
	bool has_s5;
	u8 slp_typ_a, slp_typ_b;
	u64 s5_table; /* the address of the table it is in */
	u32 s5_offset;

	char why[ACPI_WHY_LEN]; /* the first thing that could not be read, "" when none */
};

/* Discovers the platform on the first call (no output), then returns the same result. */
const struct platform *platform(void);

/*
 * The GSI an ISA IRQ arrives on and its flags: the MADT's interrupt source override
 * for it, else the identity mapping with flags 0 (bus default: edge, active high).
 */
u32 platform_isa_gsi(const struct platform *p, u8 irq, u16 *flags);
/* The I/O APIC that serves gsi, or NULL. */
const struct acpi_ioapic *platform_ioapic_for(const struct platform *p, u32 gsi);
/* The PM timer's count mask: 0xffffff, or 0xffffffff with FADT TMR_VAL_EXT. */
u32 platform_pm_timer_mask(const struct platform *p);

#endif
