// SPDX-License-Identifier: BSD-3-Clause
/* ACPI table decoders: MADT, FADT, MCFG and DMAR edge cases, one table at a time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/acpi.h>
#include "acpi_builder.h"
#include "fake_log.h"
#include "test_acpi.h"

#define TABLE_ADDR 0x110000

static struct acpi_info info;
static struct ab_table t;

/* Places t behind an RSDT and parses; the table is info.tables[1]. */
static void parse_table(void)
{
	u32 rsdt[] = {TABLE_ADDR};
	u8 rsdp[36];

	ab_place(&t, TABLE_ADDR);
	ab_place_rsdt(0x100000, rsdt, 1);
	ab_make_rsdp(rsdp, 0, 0x100000, 0);
	assert_int_equal(acpi_parse(rsdp, 20, &info), 0);
	assert_true(info.table_count >= 2);
	assert_true(info.tables[1].valid);
}

static void madt_zero_length_entry_ends_walk(void **state)
{
	(void)state;
	ab_madt_begin(&t, 5, 0xfee00000, 0);
	ab_madt_lapic(&t, 0, 0, 1);
	ab_put8(&t, 0); /* type 0, length 0: would never advance */
	ab_put8(&t, 0);
	ab_madt_lapic(&t, 1, 1, 1);
	parse_table();
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.madt_bad_entries, 1);
	assert_true(fake_log_contains(
		"ACPI: MADT entry at offset 52 (type 0, length 0) has an impossible length, rest ignored\n"));

	fake_log_reset();
	ab_madt_begin(&t, 5, 0xfee00000, 0);
	ab_madt_lapic(&t, 0, 0, 1);
	ab_put8(&t, 0x42); /* one stray byte */
	parse_table();
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.madt_bad_entries, 1);
	assert_true(fake_log_contains("ACPI: MADT has 1 stray bytes at offset 52\n"));
}

static void madt_entries_overrunning_or_short(void **state)
{
	(void)state;
	ab_madt_begin(&t, 5, 0xfee00000, 0);
	ab_madt_lapic(&t, 0, 0, 1);
	ab_put8(&t, 1); /* IOAPIC of length 8, needs 12: skipped */
	ab_put8(&t, 8);
	ab_put_zeros(&t, 6);
	ab_madt_lapic(&t, 1, 1, 1);
	ab_put8(&t, 1); /* IOAPIC claiming 12 bytes with 6 left */
	ab_put8(&t, 12);
	ab_put32(&t, 0xfec00000);
	parse_table();
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.ioapic_count, 0);
	assert_int_equal(info.madt_bad_entries, 2);
	assert_true(fake_log_contains(
		"ACPI: MADT entry at offset 52 (type 1, length 8) is too short for its type\n"));
	assert_true(fake_log_contains(
		"ACPI: MADT entry at offset 68 (type 1, length 12) runs past the table end\n"));
}

static void madt_x2apic_entries(void **state)
{
	(void)state;
	ab_madt_begin(&t, 5, 0xfee00000, 1);
	ab_madt_lapic(&t, 0, 0, 1);
	ab_madt_x2apic(&t, 0, 1, 0);	      /* the same CPU again: not added */
	ab_madt_x2apic(&t, 300, 1, 300);      /* beyond xAPIC reach */
	ab_madt_x2apic(&t, 0xffffffff, 1, 7); /* placeholder ID */
	ab_madt_x2apic(&t, 300, 1, 301);      /* firmware bug: repeated */
	ab_madt_x2apic_nmi(&t, 0xffffffff, 0xd, 1);
	ab_madt_x2apic_nmi(&t, 5, 0, 2); /* there is no LINT2 */
	ab_madt_lapic_nmi(&t, 0xff, 0, 1);
	parse_table();
	assert_int_equal(info.cpu_count, 2);
	assert_false(info.cpus[0].from_x2apic);
	assert_int_equal(info.cpus[1].apic_id, 300);
	assert_int_equal(info.cpus[1].uid, 300);
	assert_true(info.cpus[1].enabled);
	assert_true(info.cpus[1].from_x2apic);
	assert_int_equal(info.lapic_nmi_count, 2);
	assert_int_equal(info.lapic_nmis[0].uid, 0xffffffff);
	assert_int_equal(info.lapic_nmis[0].flags, 0xd);
	assert_int_equal(info.lapic_nmis[0].lint, 1);
	assert_int_equal(info.lapic_nmis[1].uid, 0xff);
	assert_int_equal(info.madt_bad_entries, 2);
	assert_true(fake_log_contains(
		"ACPI: MADT entry at offset 100 (type 9, length 16) repeats an APIC ID\n"));
	assert_true(fake_log_contains(
		"ACPI: MADT entry at offset 128 (type 10, length 12) names a LINT pin other than 0 or 1\n"));

	fake_log_reset();
	acpi_log_summary(&info);
	assert_true(fake_log_contains("ACPI: CPU uid 300 APIC id 300 enabled\n"));
	assert_true(fake_log_contains("ACPI: NMI on LINT1 of all CPUs, active-high, level\n"));
	assert_true(fake_log_contains("ACPI: 2 MADT entries unknown or malformed, ignored\n"));
}

static void madt_disabled_and_online_capable_cpus(void **state)
{
	(void)state;
	ab_madt_begin(&t, 5, 0xfee00000, 0);
	ab_madt_lapic(&t, 0, 0, 1);
	ab_madt_lapic(&t, 1, 1, 2);    /* online capable */
	ab_madt_lapic(&t, 2, 2, 0);    /* unusable */
	ab_madt_lapic(&t, 3, 0xff, 1); /* placeholder ID */
	ab_madt_lapic(&t, 4, 4, 3);    /* enabled; bit 1 is then reserved */
	ab_madt_x2apic(&t, 400, 2, 400);
	parse_table();
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(info.madt_bad_entries, 0);
	assert_int_equal(info.cpus[1].apic_id, 1);
	assert_false(info.cpus[1].enabled);
	assert_true(info.cpus[1].online_capable);
	assert_int_equal(info.cpus[2].apic_id, 4);
	assert_true(info.cpus[2].enabled);
	assert_false(info.cpus[2].online_capable);
	assert_int_equal(info.cpus[3].apic_id, 400);
	assert_true(info.cpus[3].online_capable);
	fake_log_reset();
	acpi_log_summary(&info);
	assert_true(fake_log_contains("ACPI: CPU uid 0 APIC id 0 enabled\n"));
	assert_true(fake_log_contains("ACPI: CPU uid 1 APIC id 1 online-capable\n"));
	assert_false(fake_log_contains("APIC id 2 "));
	assert_true(fake_log_contains("ACPI: local APIC at 0xfee00000, no 8259 PICs\n"));

	/* Before MADT revision 5, bit 1 is reserved and means nothing. */
	ab_madt_begin(&t, 4, 0xfee00000, 0);
	ab_madt_lapic(&t, 0, 0, 1);
	ab_madt_lapic(&t, 1, 1, 2);
	parse_table();
	assert_int_equal(info.cpu_count, 1);
}

static void madt_lapic_address_override(void **state)
{
	(void)state;
	ab_madt_begin(&t, 5, 0xfee00000, 1);
	ab_madt_lapic_override(&t, 0);
	ab_madt_lapic_override(&t, 0x1fee00000ULL);
	ab_madt_lapic_override(&t, 0x2fee00000ULL);
	parse_table();
	assert_int_equal(info.lapic_addr, 0x1fee00000ULL);
	assert_int_equal(info.madt_bad_entries, 2);
	assert_true(fake_log_contains(
		"ACPI: MADT entry at offset 44 (type 5, length 12) has a null address\n"));
	assert_true(fake_log_contains(
		"ACPI: MADT entry at offset 68 (type 5, length 12) is a second address override\n"));
	fake_log_reset();
	acpi_log_summary(&info);
	assert_true(fake_log_contains("ACPI: local APIC at 0x1fee00000, 8259 PICs present\n"));
}

static void madt_iso_flags_and_odd_entries(void **state)
{
	(void)state;
	ab_madt_begin(&t, 5, 0xfee00000, 1);
	ab_madt_iso(&t, 0, 0, 2, 0);
	ab_madt_iso(&t, 0, 9, 9, 0xd);
	ab_madt_iso(&t, 0, 10, 10, 0xf);
	ab_madt_iso(&t, 0, 11, 11, 0x5);
	ab_madt_iso(&t, 0, 12, 12, 0xa);
	ab_put8(&t, 3); /* NMI source: valid, but not used */
	ab_put8(&t, 8);
	ab_put_zeros(&t, 6);
	ab_put8(&t, 0x7f); /* unknown */
	ab_put8(&t, 4);
	ab_put16(&t, 0);
	ab_madt_ioapic(&t, 1, 0, 0); /* no address */
	ab_madt_ioapic(&t, 2, 0xfec01000, 24);
	parse_table();
	assert_int_equal(info.iso_count, 5);
	assert_int_equal(info.isos[1].source, 9);
	assert_int_equal(info.isos[1].gsi, 9);
	assert_int_equal(info.isos[1].flags, 0xd);
	assert_int_equal(info.isos[2].flags, 0xf);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapics[0].id, 2);
	assert_int_equal(info.ioapics[0].gsi_base, 24);
	assert_int_equal(info.madt_bad_entries, 3);
	fake_log_reset();
	acpi_log_summary(&info);
	assert_true(fake_log_contains("ACPI: override bus 0 IRQ 9 -> GSI 9, active-high, level\n"));
	assert_true(
		fake_log_contains("ACPI: override bus 0 IRQ 10 -> GSI 10, active-low, level\n"));
	assert_true(
		fake_log_contains("ACPI: override bus 0 IRQ 11 -> GSI 11, active-high, edge\n"));
	assert_true(
		fake_log_contains("ACPI: override bus 0 IRQ 12 -> GSI 12, reserved, reserved\n"));
	assert_true(fake_log_contains("IOAPIC[0]: id 2 at 0xfec01000, GSI base 24\n"));
}

static void madt_limits(void **state)
{
	u32 i;

	(void)state;
	ab_madt_begin(&t, 5, 0xfee00000, 0);
	for (i = 0; i < 255; i++)
		ab_madt_lapic(&t, (u8)i, (u8)i, 1); /* IDs 0-254 */
	for (i = 255; i < 260; i++)
		ab_madt_x2apic(&t, i, 1, i);
	for (i = 0; i < 18; i++)
		ab_madt_ioapic(&t, (u8)i, 0xfec00000 + i * 0x1000, i * 24);
	parse_table();
	assert_int_equal(info.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus_dropped, 4);
	assert_int_equal(info.ioapic_count, ACPI_MAX_IOAPICS);
	assert_true(fake_log_contains("ACPI: too many IOAPICs, ignoring id 17\n"));
	fake_log_reset();
	acpi_log_summary(&info);
	assert_true(fake_log_contains("ACPI: 4 more CPUs ignored (limit 256)\n"));
	assert_true(fake_log_contains("IOAPIC[15]: id 15 at 0xfec0f000, GSI base 360\n"));

	ab_madt_begin(&t, 5, 0xfee00000, 0);
	for (i = 0; i < 33; i++)
		ab_madt_iso(&t, 0, (u8)i, i, 0);
	for (i = 0; i < 17; i++)
		ab_madt_lapic_nmi(&t, (u8)i, 0, 1);
	parse_table();
	assert_int_equal(info.iso_count, ACPI_MAX_ISOS);
	assert_int_equal(info.lapic_nmi_count, ACPI_MAX_LAPIC_NMIS);
	assert_int_equal(info.madt_bad_entries, 0);
	assert_true(
		fake_log_contains("ACPI: too many interrupt source overrides, ignoring IRQ 32\n"));
	assert_true(fake_log_contains("ACPI: too many local APIC NMI entries, ignoring uid 16\n"));
}

static void fadt_acpi1_is_short(void **state)
{
	(void)state;
	ab_fadt_begin(&t, 116);
	ab_set32(&t, FADT_DSDT, 0x300000);
	ab_set16(&t, FADT_SCI_INT, 9);
	ab_set32(&t, FADT_PM_TMR_BLK, 0xb008);
	ab_set8(&t, FADT_PM_TMR_LEN, 4);
	ab_set32(&t, FADT_FLAGS, 1U << 10);
	parse_table();
	assert_true(info.have_fadt);
	assert_int_equal(info.sci_irq, 9);
	assert_int_equal(info.pm_tmr_blk, 0xb008);
	assert_int_equal(info.fadt_flags, 1U << 10);
	assert_false(info.have_reset_reg);
	assert_int_equal(info.dsdt_addr, 0x300000);
	assert_true(fake_log_contains(
		"ACPI: FADT sets RESET_REG_SUP but is too short (116 bytes) to hold it\n"));
	/* The DSDT pointer is followed even though nothing is there. */
	assert_int_equal(info.table_count, 3);
	assert_string_equal(info.tables[2].signature, "DSDT");
	assert_string_equal(info.tables[2].problem, "unexpected signature");
}

static void fadt_reset_register_and_x_fields(void **state)
{
	(void)state;
	ab_fadt_begin(&t, 276);
	ab_set8(&t, FADT_RESET_REG, 1);
	ab_set8(&t, FADT_RESET_REG + 1, 8);
	ab_set64(&t, FADT_RESET_REG + 4, 0xcf9);
	ab_set8(&t, FADT_RESET_VALUE, 6);
	parse_table();
	assert_false(info.have_reset_reg); /* RESET_REG_SUP not set */
	assert_false(fake_log_contains("reset register"));

	ab_set32(&t, FADT_FLAGS, 1U << 10);
	ab_set8(&t, FADT_RESET_REG + 1, 16);
	parse_table();
	assert_false(info.have_reset_reg);
	assert_true(fake_log_contains(
		"ACPI: FADT reset register unusable (space 1, width 16, offset 0, address 0xcf9)\n"));

	ab_set8(&t, FADT_RESET_REG + 1, 8);
	ab_set32(&t, FADT_DSDT, 0x300000);
	ab_set64(&t, FADT_X_DSDT, 0x100400);
	ab_set32(&t, FADT_PM1A_EVT_BLK, 0x600);
	ab_set8(&t, FADT_X_PM1A_EVT_BLK, 0); /* memory space: not a port */
	ab_set64(&t, FADT_X_PM1A_EVT_BLK + 4, 0xfed80000);
	ab_set32(&t, FADT_PM_TMR_BLK, 0x608);
	ab_set8(&t, FADT_X_PM_TMR_BLK, 1);
	ab_set64(&t, FADT_X_PM_TMR_BLK + 4, 0x408);
	parse_table();
	assert_true(info.have_reset_reg);
	assert_int_equal(info.reset_reg.address, 0xcf9);
	assert_int_equal(info.reset_value, 6);
	assert_int_equal(info.dsdt_addr, 0x100400);
	assert_int_equal(info.pm1a_evt_blk, 0x600);
	assert_int_equal(info.pm_tmr_blk, 0x408);

	/* 148 bytes reach X_DSDT but not the X_ register blocks after it. */
	t.len = 148;
	ab_set32(&t, FADT_FLAGS, 0);
	parse_table();
	assert_int_equal(info.dsdt_addr, 0x100400);
	assert_int_equal(info.pm_tmr_blk, 0x608);
}

static void mcfg_entries(void **state)
{
	int i;

	(void)state;
	ab_mcfg_begin(&t);
	ab_mcfg_entry(&t, 0xb0000000, 0, 0, 255);
	ab_mcfg_entry(&t, 0xc0000000, 1, 0x10, 0x0f);
	ab_mcfg_entry(&t, 0, 2, 0, 1);
	ab_mcfg_entry(&t, 0xd0080000, 3, 0, 1);
	ab_mcfg_entry(&t, 0xe0000000, 4, 0, 63);
	ab_put32(&t, 0);
	parse_table();
	assert_int_equal(info.mcfg_count, 2);
	assert_int_equal(info.mcfg[1].base, 0xe0000000);
	assert_int_equal(info.mcfg[1].segment, 4);
	assert_int_equal(info.mcfg[1].bus_end, 63);
	assert_true(fake_log_contains("ACPI: MCFG length 128 leaves a partial entry, ignored\n"));
	assert_true(fake_log_contains(
		"ACPI: MCFG entry 1 (base 0xc0000000, buses 16-15) is invalid\n"));
	assert_true(
		fake_log_contains("ACPI: MCFG entry 3 (base 0xd0080000, buses 0-1) is invalid\n"));

	ab_mcfg_begin(&t);
	for (i = 0; i < 10; i++)
		ab_mcfg_entry(&t, 0x100000000ULL * (i + 1), (u16)i, 0, 255);
	parse_table();
	assert_int_equal(info.mcfg_count, ACPI_MAX_MCFG);
	assert_true(fake_log_contains("ACPI: too many MCFG entries, ignoring segment 9\n"));
}

static void put_bytes(const u8 *b, size_t n)
{
	while (n--)
		ab_put8(&t, *b++);
}

static void dmar_malformed_scopes_and_structures(void **state)
{
	static const u8 ep[] = {1, 8, 0, 0, 0, 0, 2, 0}, bad_type[] = {9, 8, 0, 0, 0, 0, 3, 0};
	static const u8 odd[] = {1, 9, 0, 0, 0, 0, 3, 0, 0}, bad_dev[] = {1, 8, 0, 0, 0, 0, 32, 0};
	static const u8 deep[] = {2, 10, 0, 0, 0, 0, 0x1c, 0, 0, 1},
			zero[] = {1, 0, 0, 0, 0, 0, 0, 0};
	size_t s;
	u8 i;

	(void)state;
	ab_dmar_begin(&t, 45, 0);
	s = ab_dmar_drhd(&t, 0, 0, 0, 0xfed91000);
	put_bytes(ep, 8);
	put_bytes(bad_type, 8);
	put_bytes(odd, 9);
	put_bytes(bad_dev, 8);
	put_bytes(deep, 10);
	put_bytes(zero, 8);
	ab_dmar_end(&t, s);
	s = ab_dmar_drhd(&t, 1, 3, 1, 0xfed92000); /* 115 */
	for (i = 0; i < 18; i++)
		ab_dmar_scope(&t, 1, 0, 0, (const u8[]){i, 0}, 1);
	ab_dmar_end(&t, s);
	s = ab_dmar_rmrr(&t, 0, 0x2000, 0x1fff); /* 275 */
	ab_dmar_end(&t, s);
	s = ab_dmar_drhd(&t, 0, 0, 0, 0xfed93004); /* 299 */
	ab_dmar_end(&t, s);
	ab_put16(&t, 4); /* 315: ANDD, known and ignored */
	ab_put16(&t, 8);
	ab_put32(&t, 0);
	ab_put16(&t, 0x99); /* 323: unknown */
	ab_put16(&t, 4);
	ab_put16(&t, 0); /* 327: length 0 */
	ab_put16(&t, 0);
	s = ab_dmar_rmrr(&t, 0, 0x1000, 0x1fff); /* never reached */
	ab_dmar_end(&t, s);
	parse_table();

	assert_int_equal(info.dmar_haw, 45);
	assert_int_equal(info.drhd_count, 2);
	assert_int_equal(info.drhds[0].scope_count, 2);
	assert_int_equal(info.drhds[0].scopes[1].type, 2);
	assert_int_equal(info.drhds[0].scopes[1].path_len, 2);
	assert_int_equal(info.drhds[0].scopes[1].dev, 0);
	assert_int_equal(info.drhds[0].scopes[1].func, 1);
	assert_int_equal(info.drhds[1].segment, 1);
	assert_int_equal(info.drhds[1].size, 3);
	assert_int_equal(info.drhds[1].scope_count, ACPI_MAX_SCOPES);
	assert_int_equal(info.drhds[1].scopes_dropped, 2);
	assert_int_equal(info.rmrr_count, 0);
	assert_int_equal(info.dmar_bad_entries, 8);
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 48: device scope (type 9, length 8) is invalid\n"));
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 48: device scope (type 1, length 9) is invalid\n"));
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 48: device scope (type 1, length 0) has a bad length, rest ignored\n"));
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 275 (type 1, length 24) has its limit below its base\n"));
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 299 (type 0, length 16) has an invalid register base\n"));
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 323 (type 153, length 4) has an unknown type\n"));
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 327 (type 0, length 0) has an impossible length, rest ignored\n"));
	fake_log_reset();
	acpi_log_summary(&info);
	assert_true(fake_log_contains(
		"ACPI: DRHD[1] at 0xfed92000 segment 1, 8 pages, all other devices\n"));
	assert_true(fake_log_contains("ACPI:   scope bridge enum 0 00:00.1 (path of 2)\n"));
	assert_true(fake_log_contains("ACPI:   2 more device scopes ignored\n"));
	assert_true(fake_log_contains("ACPI: 8 DMAR structures or scopes malformed, ignored\n"));
}

static void dmar_short_and_overrunning_structures(void **state)
{
	(void)state;
	ab_dmar_begin(&t, 38, 0);
	ab_put16(&t, 0); /* 48: DRHD of 12 bytes */
	ab_put16(&t, 12);
	ab_put_zeros(&t, 8);
	ab_put16(&t, 2); /* 60: ATSR of 6 bytes */
	ab_put16(&t, 6);
	ab_put16(&t, 0);
	ab_put16(&t, 1); /* 66: RMRR claiming 100 bytes */
	ab_put16(&t, 100);
	ab_put_zeros(&t, 20);
	parse_table();
	assert_int_equal(info.drhd_count, 0);
	assert_int_equal(info.atsr_count, 0);
	assert_int_equal(info.dmar_bad_entries, 3);
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 48 (type 0, length 12) is too short for a DRHD\n"));
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 60 (type 2, length 6) is too short for an ATSR\n"));
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 66 (type 1, length 100) runs past the table end\n"));

	fake_log_reset();
	ab_dmar_begin(&t, 38, 0);
	ab_dmar_end(&t, ab_dmar_drhd(&t, 1, 0, 0, 0xfed90000));
	ab_put16(&t, 0);
	parse_table();
	assert_int_equal(info.drhd_count, 1);
	assert_int_equal(info.drhds[0].scope_count, 0);
	assert_int_equal(info.dmar_bad_entries, 1);
	assert_true(fake_log_contains("ACPI: DMAR has 2 stray bytes at offset 64\n"));
}

static void dmar_limits(void **state)
{
	u32 i;

	(void)state;
	ab_dmar_begin(&t, 38, 0);
	for (i = 0; i < 17; i++)
		ab_dmar_end(&t, ab_dmar_drhd(&t, 0, 0, 0, 0xfed00000 + i * 0x1000));
	for (i = 0; i < 17; i++)
		ab_dmar_end(&t, ab_dmar_rmrr(&t, 0, i * 0x10000ULL, i * 0x10000ULL + 0xfff));
	/* A DRHD with one byte after its header: not even a scope header fits. */
	ab_put16(&t, 0);
	ab_put16(&t, 17);
	ab_put_zeros(&t, 4);
	ab_put64(&t, 0xfee00000);
	ab_put8(&t, 1);
	parse_table();
	assert_int_equal(info.drhd_count, ACPI_MAX_DRHD);
	assert_int_equal(info.rmrr_count, ACPI_MAX_RMRR);
	assert_int_equal(info.rmrrs[15].limit, 0xf0fff);
	assert_int_equal(info.dmar_bad_entries, 0);
	assert_true(
		fake_log_contains("ACPI: too many DMAR units, ignoring the one at 0xfed10000\n"));
	assert_true(
		fake_log_contains("ACPI: too many DMAR units, ignoring the one at 0xfee00000\n"));
	assert_true(fake_log_contains("ACPI: too many RMRRs, ignoring 0x100000-0x100fff\n"));

	ab_dmar_begin(&t, 38, 0);
	ab_put16(&t, 0);
	ab_put16(&t, 17);
	ab_put_zeros(&t, 4);
	ab_put64(&t, 0xfee00000);
	ab_put8(&t, 1);
	parse_table();
	assert_int_equal(info.drhd_count, 1);
	assert_true(fake_log_contains(
		"ACPI: DMAR structure at offset 48: device scope (type 1, length 0) is cut off\n"));
}

int run_acpi_table_tests(void)
{
	const struct CMUnitTest tests[] = {
		T(madt_zero_length_entry_ends_walk),
		T(madt_entries_overrunning_or_short),
		T(madt_x2apic_entries),
		T(madt_disabled_and_online_capable_cpus),
		T(madt_lapic_address_override),
		T(madt_iso_flags_and_odd_entries),
		T(madt_limits),
		T(fadt_acpi1_is_short),
		T(fadt_reset_register_and_x_fields),
		T(mcfg_entries),
		T(dmar_malformed_scopes_and_structures),
		T(dmar_short_and_overrunning_structures),
		T(dmar_limits),
	};

	return cmocka_run_group_tests_name("acpi tables", tests, NULL, NULL);
}
