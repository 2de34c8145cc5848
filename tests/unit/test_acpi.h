/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the ACPI test files: the fake acpi_map(), a QEMU q35-like table set. */
#ifndef TEST_ACPI_H
#define TEST_ACPI_H

#include <bulkhead/types.h>

/* Where build_q35() puts its tables in the fake physical memory. */
#define Q35_XSDT 0x100000
#define Q35_RSDT 0x100100
#define Q35_FACP 0x100200
#define Q35_DSDT 0x100400
#define Q35_APIC 0x101000
#define Q35_HPET 0x101400
#define Q35_MCFG 0x101800
#define Q35_DMAR 0x101c00
#define Q35_END	 0x102000

/* FADT field offsets (ACPI 6.5, Table 5.9). */
#define FADT_DSDT	    40
#define FADT_SCI_INT	    46
#define FADT_SMI_CMD	    48
#define FADT_PM1A_EVT_BLK   56
#define FADT_PM1A_CNT_BLK   64
#define FADT_PM_TMR_BLK	    76
#define FADT_PM_TMR_LEN	    91
#define FADT_CENTURY	    108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS	    112
#define FADT_RESET_REG	    116
#define FADT_RESET_VALUE    128
#define FADT_X_DSDT	    140
#define FADT_X_PM1A_EVT_BLK 148
#define FADT_X_PM_TMR_BLK   208

/* Number of acpi_map() calls since the last setup. */
extern size_t acpi_map_calls;
/* Frees the copies acpi_map() handed out. */
void acpi_maps_release(void);
int acpi_test_setup(void **state);
int acpi_test_teardown(void **state);

/*
 * QEMU q35-like tables: RSDP (revision 2, returned in rsdp), XSDT and RSDT listing
 * FACP, APIC (4 CPUs, 1 IOAPIC, 5 overrides, 1 NMI), HPET, MCFG and DMAR (a DRHD with
 * scopes, an INCLUDE_PCI_ALL DRHD, an RMRR and an ATSR); the FADT points to a DSDT.
 */
void build_q35(u8 rsdp[36]);

#define T(fn) cmocka_unit_test_setup_teardown(fn, acpi_test_setup, acpi_test_teardown)

int run_acpi_table_tests(void);
int run_acpi_fuzz_tests(void);

#endif
