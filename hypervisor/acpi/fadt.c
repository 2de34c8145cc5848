// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fixed ACPI Description Table (ACPI 6.5, 5.2.9, Table 5.9). The FADT grew with each
 * ACPI revision and firmware still ships the short ACPI 1.0 form, so a field is only
 * read when the validated length covers it; the 64-bit X_ fields, which supersede the
 * 32-bit ones when non-zero, are used only in that case.
 */
#include <bulkhead/acpi.h>
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include "acpi_internal.h"

/* Byte offsets in the FADT (Table 5.9). */
#define FADT_DSDT	    40
#define FADT_SCI_INT	    46
#define FADT_SMI_CMD	    48
#define FADT_PM1A_EVT_BLK   56
#define FADT_PM1B_EVT_BLK   60
#define FADT_PM1A_CNT_BLK   64
#define FADT_PM1B_CNT_BLK   68
#define FADT_PM_TMR_BLK	    76
#define FADT_PM_TMR_LEN	    91
#define FADT_CENTURY	    108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS	    112
#define FADT_RESET_REG	    116
#define FADT_RESET_VALUE    128
#define FADT_X_DSDT	    140
#define FADT_X_PM1A_EVT_BLK 148
#define FADT_X_PM1B_EVT_BLK 160
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM1B_CNT_BLK 184
#define FADT_X_PM_TMR_BLK   208

/* Generic Address Structure (5.2.3.2, Table 5.1), 12 bytes. */
#define GAS_SIZE	 12
#define GAS_SPACE_MEMORY 0
#define GAS_SPACE_IO	 1
#define GAS_SPACE_PCI	 2

/* FADT Fixed Feature Flags (Table 5.10). */
#define FADT_RESET_REG_SUP BIT(10)

static bool covers(u32 len, size_t off, size_t size)
{
	return off + size <= len;
}

static void read_gas(const u8 *p, struct acpi_gas *gas)
{
	gas->space_id = read_le8(p, 0);
	gas->bit_width = read_le8(p, 1);
	gas->bit_offset = read_le8(p, 2);
	gas->access_size = read_le8(p, 3);
	gas->address = read_le64(p, 4);
}

/*
 * The PM register blocks are I/O port ranges on every platform this hypervisor runs
 * on. An X_ block replaces the 32-bit one when present, non-zero and in I/O space;
 * anything else cannot be expressed as a port and the 32-bit field is kept.
 */
static u32 pm_block(const u8 *tbl, u32 len, size_t legacy_off, size_t x_off)
{
	u32 port = read_le32(tbl, legacy_off);
	struct acpi_gas gas;

	if (!covers(len, x_off, GAS_SIZE))
		return port;
	read_gas(tbl + x_off, &gas);
	if (gas.address != 0 && gas.space_id == GAS_SPACE_IO && gas.address <= 0xFFFF)
		return (u32)gas.address;
	return port;
}

static void parse_reset_reg(const u8 *tbl, u32 len, struct acpi_info *info)
{
	struct acpi_gas gas;

	if (!(info->fadt_flags & FADT_RESET_REG_SUP))
		return;
	if (!covers(len, FADT_RESET_VALUE, 1)) {
		pr_warn("ACPI: FADT sets RESET_REG_SUP but is too short (%u bytes) to hold it\n",
			len);
		return;
	}
	read_gas(tbl + FADT_RESET_REG, &gas);
	/*
	 * 5.2.9: the reset register must be in system memory, system I/O or PCI
	 * configuration space, be 8 bits wide and start at bit 0.
	 */
	if (gas.space_id > GAS_SPACE_PCI || gas.bit_width != 8 || gas.bit_offset != 0 ||
	    gas.address == 0) {
		pr_warn("ACPI: FADT reset register unusable (space %u, width %u, offset %u, "
			"address 0x%llx)\n",
			gas.space_id, gas.bit_width, gas.bit_offset,
			(unsigned long long)gas.address);
		return;
	}
	info->have_reset_reg = true;
	info->reset_reg = gas;
	info->reset_value = read_le8(tbl, FADT_RESET_VALUE);
}

int acpi_parse_fadt(const u8 *tbl, u32 len, struct acpi_info *info, const char **problem)
{
	u64 x_dsdt = 0;

	/* Everything up to Flags exists in every FADT revision since ACPI 1.0. */
	if (len < ACPI_FADT_MIN_LEN) {
		*problem = "too short for a FADT";
		return -EINVAL;
	}
	info->have_fadt = true;
	info->sci_irq = read_le16(tbl, FADT_SCI_INT);
	info->smi_cmd = read_le32(tbl, FADT_SMI_CMD);
	info->pm1a_evt_blk = pm_block(tbl, len, FADT_PM1A_EVT_BLK, FADT_X_PM1A_EVT_BLK);
	info->pm1b_evt_blk = pm_block(tbl, len, FADT_PM1B_EVT_BLK, FADT_X_PM1B_EVT_BLK);
	info->pm1a_cnt_blk = pm_block(tbl, len, FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT_BLK);
	info->pm1b_cnt_blk = pm_block(tbl, len, FADT_PM1B_CNT_BLK, FADT_X_PM1B_CNT_BLK);
	info->pm_tmr_blk = pm_block(tbl, len, FADT_PM_TMR_BLK, FADT_X_PM_TMR_BLK);
	info->pm_tmr_len = read_le8(tbl, FADT_PM_TMR_LEN);
	info->century = read_le8(tbl, FADT_CENTURY);
	/* Reserved (zero) in ACPI 1.0, IA-PC Boot Architecture Flags since 2.0. */
	info->iapc_boot_arch = read_le16(tbl, FADT_IAPC_BOOT_ARCH);
	info->fadt_flags = read_le32(tbl, FADT_FLAGS);
	parse_reset_reg(tbl, len, info);

	/* X_DSDT, when non-zero, is the one to use (5.2.9: DSDT must then be ignored). */
	if (covers(len, FADT_X_DSDT, 8))
		x_dsdt = read_le64(tbl, FADT_X_DSDT);
	info->dsdt_addr = x_dsdt ? x_dsdt : read_le32(tbl, FADT_DSDT);
	return 0;
}
