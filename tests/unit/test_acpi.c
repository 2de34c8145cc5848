// SPDX-License-Identifier: BSD-3-Clause
/*
 * ACPI parser: RSDP discovery, root table walk, table validation and the MADT, FADT,
 * MCFG and DMAR decoders, against tables built in a fake physical memory image.
 * acpi_map() hands out heap copies of exactly the requested length, so AddressSanitizer
 * flags any read past what the parser asked to map.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/acpi.h>
#include <bulkhead/errno.h>
#include "acpi_builder.h"
#include "fake_log.h"
#include "test_acpi.h"

static void **maps;
static size_t map_count, map_cap;
size_t acpi_map_calls;

const void *acpi_map(paddr_t addr, size_t len)
{
	void *p;

	acpi_map_calls++;
	if (len == 0 || !fake_phys_accessible(addr, len))
		return NULL;
	if (map_count == map_cap) {
		map_cap = map_cap ? 2 * map_cap : 64;
		maps = realloc(maps, map_cap * sizeof(*maps));
		assert_non_null(maps);
	}
	p = malloc(len);
	assert_non_null(p);
	memcpy(p, fake_phys + addr, len);
	maps[map_count++] = p;
	return p;
}

void acpi_maps_release(void)
{
	while (map_count)
		free(maps[--map_count]);
}

int acpi_test_setup(void **state)
{
	(void)state;
	fake_phys_reset();
	fake_log_reset();
	acpi_map_calls = 0;
	return 0;
}

int acpi_test_teardown(void **state)
{
	(void)state;
	acpi_maps_release();
	free(maps);
	maps = NULL;
	map_cap = 0;
	return 0;
}

void build_q35(u8 rsdp[36])
{
	static struct ab_table t;
	static const u8 gpu[] = {2, 0}, root_port[] = {0x1c, 0}, ioapic[] = {0x1f, 0};
	static const u8 usb[] = {0x14, 0};
	u64 xsdt[] = {Q35_FACP, Q35_APIC, Q35_HPET, Q35_MCFG, Q35_DMAR};
	u32 rsdt[] = {Q35_FACP, Q35_APIC, Q35_HPET, Q35_MCFG, Q35_DMAR};
	size_t s;
	int i;

	ab_place_xsdt(Q35_XSDT, xsdt, 5);
	ab_place_rsdt(Q35_RSDT, rsdt, 5);
	ab_make_rsdp(rsdp, 2, Q35_RSDT, Q35_XSDT);

	ab_fadt_begin(&t, 276);
	ab_set32(&t, FADT_DSDT, Q35_DSDT);
	ab_set16(&t, FADT_SCI_INT, 9);
	ab_set32(&t, FADT_SMI_CMD, 0xb2);
	ab_set32(&t, FADT_PM1A_EVT_BLK, 0x600);
	ab_set32(&t, FADT_PM1A_CNT_BLK, 0x604);
	ab_set32(&t, FADT_PM_TMR_BLK, 0x608);
	ab_set8(&t, FADT_PM_TMR_LEN, 4);
	ab_set8(&t, FADT_CENTURY, 0x32);
	ab_set16(&t, FADT_IAPC_BOOT_ARCH, 0x2);
	ab_set32(&t, FADT_FLAGS, 0x84a5); /* includes RESET_REG_SUP (bit 10) */
	ab_set8(&t, FADT_RESET_REG, 1);	  /* I/O space */
	ab_set8(&t, FADT_RESET_REG + 1, 8);
	ab_set64(&t, FADT_RESET_REG + 4, 0xcf9);
	ab_set8(&t, FADT_RESET_VALUE, 0xf);
	ab_set64(&t, FADT_X_DSDT, Q35_DSDT);
	ab_set8(&t, FADT_X_PM1A_EVT_BLK, 1);
	ab_set8(&t, FADT_X_PM1A_EVT_BLK + 1, 32);
	ab_set64(&t, FADT_X_PM1A_EVT_BLK + 4, 0x600);
	ab_set8(&t, FADT_X_PM_TMR_BLK, 1);
	ab_set8(&t, FADT_X_PM_TMR_BLK + 1, 32);
	ab_set64(&t, FADT_X_PM_TMR_BLK + 4, 0x608);
	ab_place(&t, Q35_FACP);

	ab_begin(&t, "DSDT", 1);
	ab_put32(&t, 0x12345678); /* stands in for AML */
	ab_place(&t, Q35_DSDT);

	ab_madt_begin(&t, 5, 0xfee00000, 1);
	for (i = 0; i < 4; i++)
		ab_madt_lapic(&t, (u8)i, (u8)i, 1);
	ab_madt_ioapic(&t, 0, 0xfec00000, 0);
	ab_madt_iso(&t, 0, 0, 2, 0);
	ab_madt_iso(&t, 0, 5, 5, 0xd);
	ab_madt_iso(&t, 0, 9, 9, 0xd);
	ab_madt_iso(&t, 0, 10, 10, 0xd);
	ab_madt_iso(&t, 0, 11, 11, 0xd);
	ab_madt_lapic_nmi(&t, 0xff, 0, 1);
	ab_place(&t, Q35_APIC);

	ab_begin(&t, "HPET", 1);
	ab_put_zeros(&t, 20);
	ab_place(&t, Q35_HPET);

	ab_mcfg_begin(&t);
	ab_mcfg_entry(&t, 0xb0000000, 0, 0, 255);
	ab_place(&t, Q35_MCFG);

	ab_dmar_begin(&t, 38, 1);
	s = ab_dmar_drhd(&t, 0, 0, 0, 0xfed91000);
	ab_dmar_scope(&t, 1, 0, 0, gpu, 1);
	ab_dmar_scope(&t, 2, 0, 0, root_port, 1);
	ab_dmar_end(&t, s);
	s = ab_dmar_drhd(&t, 1, 0, 0, 0xfed90000);
	ab_dmar_scope(&t, 3, 0, 0xf0, ioapic, 1);
	ab_dmar_end(&t, s);
	s = ab_dmar_rmrr(&t, 0, 0x7d000000, 0x7d7fffff);
	ab_dmar_scope(&t, 1, 0, 0, usb, 1);
	ab_dmar_end(&t, s);
	s = ab_dmar_atsr(&t, 0, 0);
	ab_dmar_scope(&t, 2, 0, 0, root_port, 1);
	ab_dmar_end(&t, s);
	ab_place(&t, Q35_DMAR);
}

static void checksum_sums_bytes(void **state)
{
	static const u8 ok[] = {1, 2, 0xfd}, bad[] = {1, 2, 3};

	(void)state;
	assert_int_equal(acpi_checksum(ok, sizeof(ok)), 0);
	assert_int_equal(acpi_checksum(bad, sizeof(bad)), 6);
	assert_int_equal(acpi_checksum(bad, 0), 0);
}

static void q35_like_set(void **state)
{
	static struct acpi_info info;
	u8 rsdp[36];
	size_t i;

	(void)state;
	build_q35(rsdp);
	assert_int_equal(acpi_parse(rsdp, 36, &info), 0);
	assert_int_equal(info.rsdp_addr, 0);
	assert_int_equal(info.rsdp_revision, 2);
	assert_string_equal(info.oem_id, "BOCHS");
	assert_true(info.use_xsdt);

	/* XSDT, its five tables, then the DSDT found through the FADT. */
	assert_int_equal(info.table_count, 7);
	assert_int_equal(info.tables_dropped, 0);
	static const char *const sigs[] = {"XSDT", "FACP", "APIC", "HPET", "MCFG", "DMAR", "DSDT"};
	static const paddr_t addrs[] = {Q35_XSDT, Q35_FACP, Q35_APIC, Q35_HPET,
					Q35_MCFG, Q35_DMAR, Q35_DSDT};
	for (i = 0; i < 7; i++) {
		assert_string_equal(info.tables[i].signature, sigs[i]);
		assert_int_equal(info.tables[i].addr, addrs[i]);
		assert_true(info.tables[i].valid);
		assert_null(info.tables[i].problem);
		assert_string_equal(info.tables[i].oem_id, "BOCHS");
	}
	assert_int_equal(info.tables[1].length, 276);
	assert_int_equal(info.tables[1].revision, 6);

	assert_true(info.have_madt);
	assert_int_equal(info.lapic_addr, 0xfee00000);
	assert_int_equal(info.madt_flags, 1);
	assert_int_equal(info.cpu_count, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_int_equal(info.cpus[i].uid, i);
		assert_true(info.cpus[i].enabled);
		assert_false(info.cpus[i].online_capable);
		assert_false(info.cpus[i].from_x2apic);
	}
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapics[0].id, 0);
	assert_int_equal(info.ioapics[0].addr, 0xfec00000);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.iso_count, 5);
	assert_int_equal(info.isos[0].source, 0);
	assert_int_equal(info.isos[0].gsi, 2);
	assert_int_equal(info.isos[0].flags, 0);
	assert_int_equal(info.isos[2].source, 9);
	assert_int_equal(info.isos[2].gsi, 9);
	assert_int_equal(info.isos[2].flags, 0xd);
	assert_int_equal(info.lapic_nmi_count, 1);
	assert_int_equal(info.lapic_nmis[0].uid, 0xff);
	assert_int_equal(info.lapic_nmis[0].lint, 1);
	assert_int_equal(info.madt_bad_entries, 0);

	assert_true(info.have_fadt);
	assert_int_equal(info.sci_irq, 9);
	assert_int_equal(info.smi_cmd, 0xb2);
	assert_int_equal(info.pm1a_evt_blk, 0x600);
	assert_int_equal(info.pm1a_cnt_blk, 0x604);
	assert_int_equal(info.pm1b_evt_blk, 0);
	assert_int_equal(info.pm_tmr_blk, 0x608);
	assert_int_equal(info.pm_tmr_len, 4);
	assert_int_equal(info.iapc_boot_arch, 2);
	assert_int_equal(info.fadt_flags, 0x84a5);
	assert_true(info.have_reset_reg);
	assert_int_equal(info.reset_reg.space_id, 1);
	assert_int_equal(info.reset_reg.bit_width, 8);
	assert_int_equal(info.reset_reg.address, 0xcf9);
	assert_int_equal(info.reset_value, 0xf);
	assert_int_equal(info.century, 0x32);
	assert_int_equal(info.dsdt_addr, Q35_DSDT);

	assert_int_equal(info.mcfg_count, 1);
	assert_int_equal(info.mcfg[0].base, 0xb0000000);
	assert_int_equal(info.mcfg[0].segment, 0);
	assert_int_equal(info.mcfg[0].bus_start, 0);
	assert_int_equal(info.mcfg[0].bus_end, 255);

	assert_true(info.have_dmar);
	assert_int_equal(info.dmar_haw, 38);
	assert_int_equal(info.dmar_flags, 1);
	assert_int_equal(info.drhd_count, 2);
	assert_int_equal(info.drhds[0].base, 0xfed91000);
	assert_int_equal(info.drhds[0].flags, 0);
	assert_int_equal(info.drhds[0].scope_count, 2);
	assert_int_equal(info.drhds[0].scopes[0].type, 1);
	assert_int_equal(info.drhds[0].scopes[0].dev, 2);
	assert_int_equal(info.drhds[0].scopes[0].func, 0);
	assert_int_equal(info.drhds[0].scopes[0].path_len, 1);
	assert_int_equal(info.drhds[0].scopes[1].type, 2);
	assert_int_equal(info.drhds[0].scopes[1].dev, 0x1c);
	assert_int_equal(info.drhds[1].base, 0xfed90000);
	assert_int_equal(info.drhds[1].flags, 1);
	assert_int_equal(info.drhds[1].scope_count, 1);
	assert_int_equal(info.drhds[1].scopes[0].type, 3);
	assert_int_equal(info.drhds[1].scopes[0].bus, 0xf0);
	assert_int_equal(info.drhds[1].scopes[0].dev, 0x1f);
	assert_int_equal(info.rmrr_count, 1);
	assert_int_equal(info.rmrrs[0].base, 0x7d000000);
	assert_int_equal(info.rmrrs[0].limit, 0x7d7fffff);
	assert_int_equal(info.rmrrs[0].scope_count, 1);
	assert_int_equal(info.rmrrs[0].scopes[0].dev, 0x14);
	assert_int_equal(info.atsr_count, 1);
	assert_int_equal(info.dmar_bad_entries, 0);

	fake_log_reset();
	acpi_log_summary(&info);
	assert_true(
		fake_log_contains("ACPI: RSDP rev 2 OEM BOCHS from multiboot2, using the XSDT\n"));
	assert_true(fake_log_contains("ACPI: XSDT 0x0000000000100000      76 v01 BOCHS  ok\n"));
	assert_true(fake_log_contains("ACPI: FACP 0x0000000000100200     276 v06 BOCHS  ok\n"));
	assert_true(fake_log_contains("ACPI: CPU uid 3 APIC id 3 enabled\n"));
	assert_true(fake_log_contains("IOAPIC[0]: id 0 at 0xfec00000, GSI base 0\n"));
	assert_true(fake_log_contains(
		"ACPI: override bus 0 IRQ 0 -> GSI 2, bus-default, bus-default\n"));
	assert_true(fake_log_contains("ACPI: override bus 0 IRQ 9 -> GSI 9, active-high, level\n"));
	assert_true(
		fake_log_contains("ACPI: NMI on LINT1 of all CPUs, bus-default, bus-default\n"));
	assert_true(fake_log_contains("ACPI: reset register space 1 address 0xcf9 value 0xf\n"));
	assert_true(fake_log_contains("ACPI: MCFG segment 0 buses 00-ff at 0xb0000000\n"));
	assert_true(fake_log_contains("ACPI: DMAR host address width 39 bits, flags 0x1\n"));
	assert_true(fake_log_contains(
		"ACPI: DRHD[1] at 0xfed90000 segment 0, 1 pages, all other devices\n"));
	assert_true(fake_log_contains("ACPI:   scope ioapic enum 0 f0:1f.0 (path of 1)\n"));
	assert_true(fake_log_contains("ACPI: RMRR[0] 0x7d000000-0x7d7fffff segment 0\n"));
	assert_false(fake_log_contains("malformed"));
}

static void rsdp_v1_copy_uses_rsdt(void **state)
{
	static struct acpi_info info;
	u8 rsdp[36];

	(void)state;
	build_q35(rsdp);
	ab_make_rsdp(rsdp, 0, Q35_RSDT, 0);
	assert_int_equal(acpi_parse(rsdp, 20, &info), 0);
	assert_int_equal(info.rsdp_revision, 0);
	assert_false(info.use_xsdt);
	assert_string_equal(info.tables[0].signature, "RSDT");
	assert_int_equal(info.tables[0].addr, Q35_RSDT);
	assert_int_equal(info.cpu_count, 4);
	assert_true(info.have_dmar);
}

static void rsdp_v2_copy_truncated_to_v1_uses_rsdt(void **state)
{
	static struct acpi_info info;
	u8 rsdp[36];

	(void)state;
	build_q35(rsdp);
	/* The multiboot2 "old ACPI" tag carries only the first 20 bytes. */
	assert_int_equal(acpi_parse(rsdp, 20, &info), 0);
	assert_int_equal(info.rsdp_revision, 2);
	assert_false(info.use_xsdt);
	assert_int_equal(info.tables[0].addr, Q35_RSDT);
}

static void xsdt_preferred_over_rsdt(void **state)
{
	static struct acpi_info info;
	static struct ab_table t;
	u8 rsdp[36];
	u32 r[] = {0x102000};
	u64 x[] = {0x103000};

	(void)state;
	ab_madt_begin(&t, 5, 0xfee00000, 0);
	ab_madt_lapic(&t, 0, 0, 1);
	ab_place(&t, 0x102000);
	ab_madt_lapic(&t, 1, 1, 1);
	ab_place(&t, 0x103000);
	ab_place_rsdt(0x101000, r, 1);
	ab_place_xsdt(0x100000, x, 1);
	ab_make_rsdp(rsdp, 2, 0x101000, 0x100000);

	assert_int_equal(acpi_parse(rsdp, 36, &info), 0);
	assert_true(info.use_xsdt);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.tables[1].addr, 0x103000);

	/* A corrupt XSDT makes the RSDT the root after all. */
	fake_phys[0x100000 + 40]++;
	assert_int_equal(acpi_parse(rsdp, 36, &info), 0);
	assert_false(info.use_xsdt);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.table_count, 3);
	assert_false(info.tables[0].valid);
	assert_string_equal(info.tables[0].problem, "bad checksum");
	assert_string_equal(info.tables[1].signature, "RSDT");
	assert_true(fake_log_contains(
		"ACPI: XSDT at 0x100000 unusable (bad checksum), falling back to the RSDT\n"));
}

static void rsdp_found_in_ebda(void **state)
{
	static struct acpi_info info;
	u8 rsdp[36];
	const u16 seg = 0x9fc0;

	(void)state;
	build_q35(rsdp);
	memcpy(fake_phys + 0x40e, &seg, 2);
	ab_place_rsdp(0x9fc00 + 0x30, 2, Q35_RSDT, Q35_XSDT);
	/* A valid-looking RSDP off the 16-byte grid must not be used. */
	ab_place_rsdp(0x9fc00 + 0x8, 0, 0x1, 0);
	assert_int_equal(acpi_parse(NULL, 0, &info), 0);
	assert_int_equal(info.rsdp_addr, 0x9fc30);
	assert_true(info.use_xsdt);
	assert_int_equal(info.cpu_count, 4);

	fake_log_reset();
	acpi_log_summary(&info);
	assert_true(fake_log_contains("ACPI: RSDP rev 2 OEM BOCHS at 0x9fc30, using the XSDT\n"));
}

static void rsdp_found_in_bios_area(void **state)
{
	static struct acpi_info info;
	u8 rsdp[36];

	(void)state;
	build_q35(rsdp);
	/* A candidate with a broken checksum comes first and is passed over. */
	ab_place_rsdp(0xe0000, 0, Q35_RSDT, 0);
	fake_phys[0xe0000 + 8] ^= 1;
	ab_place_rsdp(0xf5a10, 0, Q35_RSDT, 0);
	assert_int_equal(acpi_parse(NULL, 0, &info), 0);
	assert_int_equal(info.rsdp_addr, 0xf5a10);
	assert_false(info.use_xsdt);
	assert_int_equal(info.cpu_count, 4);
	assert_true(fake_log_contains("ACPI: ignoring RSDP candidate at 0xe0000: bad checksum\n"));
}

static void bad_rsdp_checksums_rejected(void **state)
{
	static struct acpi_info info;
	u8 rsdp[36];

	(void)state;
	build_q35(rsdp);
	rsdp[8] ^= 0x40;
	assert_int_equal(acpi_parse(rsdp, 36, &info), -ENOENT);
	assert_true(fake_log_contains(
		"ACPI: RSDP from multiboot2 rejected (bad checksum), scanning BIOS areas\n"));
	assert_true(fake_log_contains("ACPI: no valid RSDP found\n"));

	fake_log_reset();
	ab_make_rsdp(rsdp, 2, Q35_RSDT, Q35_XSDT);
	rsdp[33] = 1; /* reserved byte, covered only by the extended checksum */
	assert_int_equal(acpi_parse(rsdp, 36, &info), -ENOENT);
	assert_true(fake_log_contains("(bad extended checksum)"));

	/* A bad copy falls back to the BIOS area scan. */
	fake_log_reset();
	ab_place_rsdp(0xfffd0, 2, Q35_RSDT, Q35_XSDT);
	assert_int_equal(acpi_parse(rsdp, 36, &info), 0);
	assert_int_equal(info.rsdp_addr, 0xfffd0);

	/* Revision 2 with a Length outside what was handed over. */
	ab_make_rsdp(rsdp, 2, Q35_RSDT, Q35_XSDT);
	assert_int_equal(acpi_parse(rsdp, 30, &info), 0);
	assert_false(info.use_xsdt);
	fake_log_reset();
	memset(fake_phys + 0xfffd0, 0, 36);
	rsdp[20] = 200;
	rsdp[32] = 0;
	rsdp[32] = (u8)-acpi_checksum(rsdp, 36);
	assert_int_equal(acpi_parse(rsdp, 36, &info), -ENOENT);
	assert_true(fake_log_contains("(bad length)"));
	fake_log_reset();
	assert_int_equal(acpi_parse(rsdp, 19, &info), -ENOENT);
	assert_true(fake_log_contains(
		"ACPI: RSDP from multiboot2 rejected (too short), scanning BIOS areas\n"));
	assert_int_equal(acpi_parse(NULL, 0, NULL), -EINVAL);
}

static void bad_table_skipped_others_used(void **state)
{
	static struct acpi_info info;
	u8 rsdp[36];

	(void)state;
	build_q35(rsdp);
	fake_phys[Q35_APIC + 50] ^= 0x10;
	assert_int_equal(acpi_parse(rsdp, 36, &info), 0);
	assert_false(info.have_madt);
	assert_int_equal(info.cpu_count, 0);
	assert_false(info.tables[2].valid);
	assert_string_equal(info.tables[2].signature, "APIC");
	assert_string_equal(info.tables[2].problem, "bad checksum");
	assert_true(info.have_fadt);
	assert_int_equal(info.mcfg_count, 1);
	assert_int_equal(info.drhd_count, 2);

	fake_log_reset();
	acpi_log_summary(&info);
	assert_true(fake_log_contains(
		"ACPI: APIC 0x0000000000101000     144 v05 BOCHS  bad checksum\n"));
	assert_true(fake_log_contains("ACPI: no usable MADT\n"));
}

static void truncated_and_unmappable_tables(void **state)
{
	static struct acpi_info info;
	static struct ab_table t;
	u8 rsdp[36];
	u32 r[] = {0x110000, 0x111000,	     0x112000, 0x113000, 0x114000, 0, FAKE_PHYS_SIZE - 40,
		   0x120000, 0x121000 - 100, 0x122000};
	size_t i;
	static const char *const problems[] = {
		"length shorter than header",	  "length implausibly large",
		"too short for a MADT",		  "too short for a FADT",
		"too short for a DMAR",		  "null address",
		"length runs past mapped memory", "header not mappable",
		"length runs past mapped memory", "too short for an MCFG",
	};

	(void)state;
	ab_madt_begin(&t, 5, 0xfee00000, 0);
	ab_set32(&t, 4, 20);
	ab_place_raw(&t, 0x110000);
	ab_set32(&t, 4, 0x80000000);
	ab_place_raw(&t, 0x111000);
	ab_begin(&t, "APIC", 5);
	ab_put32(&t, 0xfee00000);
	ab_place(&t, 0x112000); /* 40 bytes: no room for the MADT Flags */
	ab_fadt_begin(&t, 100);
	ab_place(&t, 0x113000);
	ab_begin(&t, "DMAR", 1);
	ab_put8(&t, 38);
	ab_place(&t, 0x114000);
	ab_begin(&t, "APIC", 5);
	ab_put32(&t, 0xfee00000);
	ab_set32(&t, 4, 64); /* claims 24 bytes past the image end */
	ab_place_raw(&t, FAKE_PHYS_SIZE - 40);
	fake_phys_add_hole(0x120000, 0x120100);
	ab_madt_begin(&t, 5, 0xfee00000, 0);
	ab_put_zeros(&t, 200);
	ab_place(&t, 0x121000 - 100); /* header fine, body in a hole */
	ab_begin(&t, "MCFG", 1);
	ab_put32(&t, 0); /* 40 bytes: half the reserved field */
	ab_place(&t, 0x122000);
	ab_place_rsdt(0x100000, r, 10);
	fake_phys_add_hole(0x121000 - 50, 0x121000);
	ab_make_rsdp(rsdp, 0, 0x100000, 0);

	assert_int_equal(acpi_parse(rsdp, 20, &info), 0);
	assert_int_equal(info.table_count, 11);
	for (i = 0; i < 10; i++) {
		assert_false(info.tables[i + 1].valid);
		assert_string_equal(info.tables[i + 1].problem, problems[i]);
	}
	assert_false(info.have_madt);
	assert_false(info.have_fadt);
	assert_false(info.have_dmar);
	assert_int_equal(info.tables[1].length, 20);
	assert_string_equal(info.tables[6].signature, "????");
	assert_string_equal(info.tables[8].signature, "????");

	fake_log_reset();
	acpi_log_summary(&info);
	assert_true(fake_log_contains(
		"ACPI: APIC 0x0000000000111000 2147483648 v05 BOCHS  length implausibly large\n"));
	assert_true(fake_log_contains(
		"ACPI: ???? 0x0000000000000000       0 v00        null address\n"));
}

static void root_table_unusable(void **state)
{
	static struct acpi_info info;
	u8 rsdp[36];

	(void)state;
	build_q35(rsdp);
	fake_phys_add_hole(Q35_RSDT, Q35_RSDT + 1);
	fake_phys_add_hole(Q35_XSDT + 40, Q35_XSDT + 41);
	assert_int_equal(acpi_parse(rsdp, 36, &info), -ENOENT);
	assert_true(fake_log_contains(
		"ACPI: XSDT at 0x100000 unusable (length runs past mapped memory), falling back to the RSDT\n"));
	assert_true(fake_log_contains("ACPI: no valid RSDT or XSDT\n"));
	assert_int_equal(info.table_count, 2);
	assert_string_equal(info.tables[1].problem, "header not mappable");

	/* The root pointer leads to a table of another type. */
	ab_make_rsdp(rsdp, 0, Q35_APIC, 0);
	assert_int_equal(acpi_parse(rsdp, 20, &info), -ENOENT);
	assert_string_equal(info.tables[0].problem, "unexpected signature");
	assert_string_equal(info.tables[0].signature, "RSDT");

	/* Nothing at all is mappable: no RSDP, and no crash. */
	fake_phys_reset();
	fake_phys_add_hole(0, FAKE_PHYS_SIZE);
	assert_int_equal(acpi_parse(NULL, 0, &info), -ENOENT);
}

static void too_many_and_duplicate_tables(void **state)
{
	static struct acpi_info info;
	u32 r[70];
	u8 rsdp[36];
	size_t i;

	(void)state;
	build_q35(rsdp);
	for (i = 0; i < 70; i++)
		r[i] = Q35_HPET;
	r[1] = Q35_APIC;
	r[2] = Q35_APIC;
	ab_place_rsdt(0x130000, r, 70);
	ab_make_rsdp(rsdp, 0, 0x130000, 0);
	assert_int_equal(acpi_parse(rsdp, 20, &info), 0);
	assert_int_equal(info.table_count, ACPI_MAX_TABLES);
	assert_int_equal(info.tables_dropped, 7);
	assert_int_equal(info.cpu_count, 4);
	assert_true(fake_log_contains("ACPI: ignoring duplicate APIC at 0x101000\n"));
	assert_true(fake_log_contains("ACPI: 7 tables beyond the first 64 were not examined\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(checksum_sums_bytes),
		T(q35_like_set),
		T(rsdp_v1_copy_uses_rsdt),
		T(rsdp_v2_copy_truncated_to_v1_uses_rsdt),
		T(xsdt_preferred_over_rsdt),
		T(rsdp_found_in_ebda),
		T(rsdp_found_in_bios_area),
		T(bad_rsdp_checksums_rejected),
		T(bad_table_skipped_others_used),
		T(truncated_and_unmappable_tables),
		T(root_table_unusable),
		T(too_many_and_duplicate_tables),
	};
	int failed = cmocka_run_group_tests_name("acpi", tests, NULL, NULL);

	failed += run_acpi_table_tests();
	failed += run_acpi_fuzz_tests();
	return failed;
}
