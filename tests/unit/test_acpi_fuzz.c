// SPDX-License-Identifier: BSD-3-Clause
/*
 * Deterministic mutation testing of the ACPI parser: a valid q35-like table set is
 * corrupted a few bytes at a time (entry lengths, table lengths, random bits), the
 * checksums are usually fixed up again so the decoders really walk the damage, and the
 * parser must neither crash nor break its own invariants. Run under ASan/UBSan, with
 * acpi_map() returning exact-size heap copies, any out-of-bounds read is fatal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/acpi.h>
#include <bulkhead/errno.h>
#include "acpi_builder.h"
#include "fake_log.h"
#include "test_acpi.h"

#define ITERATIONS 4000
#define WINDOW	   (Q35_END - Q35_XSDT)

static const paddr_t targets[] = {Q35_XSDT, Q35_RSDT, Q35_FACP, Q35_DSDT,
				  Q35_APIC, Q35_HPET, Q35_MCFG, Q35_DMAR};
static u8 snapshot[WINDOW];
static u64 rng_state;

static u64 rng(void)
{
	/* xorshift64*: fixed seed, so every run mutates the same way. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static u32 rnd(u32 n)
{
	return (u32)(rng() % n);
}

static u32 table_len(paddr_t addr)
{
	u32 len;

	memcpy(&len, fake_phys + addr + 4, 4);
	return len;
}

/* Picks the entry walk of a MADT (u8 lengths) or DMAR (u16 lengths) and breaks one. */
static void mutate_entry_length(paddr_t addr, bool dmar)
{
	size_t off = dmar ? 48 : 44, len = MIN(table_len(addr), 1024U), n = 0, pick;
	size_t offs[64];
	static const u8 lens[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 200, 255};

	while (off + 4 <= len && n < 64) {
		size_t elen =
			dmar ? (size_t)(fake_phys[addr + off + 2] | fake_phys[addr + off + 3] << 8)
			     : fake_phys[addr + off + 1];
		offs[n++] = off;
		if (elen == 0)
			break;
		off += elen;
	}
	if (n == 0)
		return;
	pick = offs[rnd((u32)n)];
	fake_phys[addr + pick + (dmar ? 2 : 1)] = lens[rnd(sizeof(lens))];
	if (dmar && rnd(4) == 0)
		fake_phys[addr + pick + 3] = (u8)rng();
	/* Sometimes a device scope length inside a DMAR structure instead. */
	if (dmar && rnd(2) == 0 && pick + 16 + 2 <= len)
		fake_phys[addr + pick + 16 + 1] = lens[rnd(sizeof(lens))];
}

static void mutate(paddr_t addr)
{
	static const u8 bytes[] = {0, 1, 2, 3, 4, 6, 8, 9, 0x10, 0x7f, 0x80, 0xfe, 0xff};
	u32 len = table_len(addr);
	u32 span = MIN(len, 512U) + 8, v;
	size_t off = rnd(span), n, i;

	switch (rnd(9)) {
	case 0:
		fake_phys[addr + off] ^= (u8)(1U << rnd(8));
		break;
	case 1:
		fake_phys[addr + off] = (u8)rng();
		break;
	case 2:
		fake_phys[addr + off] = bytes[rnd(sizeof(bytes))];
		break;
	case 3: {
		const u32 lens[] = {0,	      1,	  35,	      36,	  43,
				    44,	      47,	  48,	      len - 1,	  len + 1,
				    len + 16, 0xffffffff, 0x80000000, (u32)rng(), len - 4};

		v = lens[rnd(ARRAY_SIZE(lens))];
		memcpy(fake_phys + addr + 4, &v, 4);
		break;
	}
	case 4:
	case 5:
		if (addr == Q35_APIC || addr == Q35_DMAR)
			mutate_entry_length(addr, addr == Q35_DMAR);
		else
			fake_phys[addr + off] ^= 0xff;
		break;
	case 6:
		n = rnd(32);
		for (i = 0; i < n && off + i < span; i++)
			fake_phys[addr + off + i] = 0;
		break;
	case 7:
		/* Garbage body, header intact. */
		for (i = 36; i < MIN(len, 512U); i++)
			if (rnd(4) == 0)
				fake_phys[addr + i] = (u8)rng();
		break;
	default:
		v = len - rnd(16);
		memcpy(fake_phys + addr + 4, &v, 4);
		break;
	}
}

static void check_invariants(const struct acpi_info *info, int ret)
{
	size_t i;

	assert_true(ret == 0 || ret == -ENOENT);
	assert_true(info->table_count <= ACPI_MAX_TABLES);
	for (i = 0; i < info->table_count; i++) {
		const struct acpi_table_ref *t = &info->tables[i];

		assert_true(t->valid == (t->problem == NULL));
		assert_true(strlen(t->signature) <= 4);
		assert_true(strlen(t->oem_id) <= 6);
	}
	assert_true(info->cpu_count <= ACPI_MAX_CPUS);
	for (i = 0; i < info->cpu_count; i++) {
		assert_true(info->cpus[i].enabled || info->cpus[i].online_capable);
		assert_true(info->cpus[i].from_x2apic || info->cpus[i].apic_id < 0xff);
	}
	assert_true(info->ioapic_count <= ACPI_MAX_IOAPICS);
	assert_true(info->iso_count <= ACPI_MAX_ISOS);
	assert_true(info->lapic_nmi_count <= ACPI_MAX_LAPIC_NMIS);
	for (i = 0; i < info->lapic_nmi_count; i++)
		assert_true(info->lapic_nmis[i].lint <= 1);
	assert_true(info->mcfg_count <= ACPI_MAX_MCFG);
	for (i = 0; i < info->mcfg_count; i++)
		assert_true(info->mcfg[i].bus_start <= info->mcfg[i].bus_end);
	assert_true(info->drhd_count <= ACPI_MAX_DRHD);
	for (i = 0; i < info->drhd_count; i++) {
		assert_true(info->drhds[i].scope_count <= ACPI_MAX_SCOPES);
		assert_true(info->drhds[i].size <= 15);
	}
	assert_true(info->rmrr_count <= ACPI_MAX_RMRR);
	for (i = 0; i < info->rmrr_count; i++) {
		assert_true(info->rmrrs[i].scope_count <= ACPI_MAX_SCOPES);
		assert_true(info->rmrrs[i].base <= info->rmrrs[i].limit);
	}
	if (info->have_reset_reg)
		assert_int_equal(info->reset_reg.bit_width, 8);
}

static void mutated_tables_never_crash(void **state)
{
	static struct acpi_info info;
	u8 rsdp[36], rsdp_good[36];
	size_t walked_madt = 0, walked_dmar = 0, ok = 0;
	int it, ret;

	(void)state;
	rng_state = 0x5eed0bad1dea5ULL;
	build_q35(rsdp_good);
	memcpy(snapshot, fake_phys + Q35_XSDT, WINDOW);

	for (it = 0; it < ITERATIONS; it++) {
		int m, muts = 1 + (int)rnd(4);

		memcpy(fake_phys + Q35_XSDT, snapshot, WINDOW);
		memcpy(rsdp, rsdp_good, sizeof(rsdp));
		for (m = 0; m < muts; m++) {
			paddr_t addr = targets[rnd(ARRAY_SIZE(targets))];

			mutate(addr);
			/* Mostly keep the checksum right, so the decoders see the damage. */
			if (rnd(8) != 0 && table_len(addr) <= 0x10000)
				ab_fix_checksum(addr);
		}
		if (rnd(32) == 0) {
			rsdp[rnd(36)] ^= (u8)(1U << rnd(8));
			if (rnd(2)) {
				rsdp[8] = 0;
				rsdp[8] = (u8)-acpi_checksum(rsdp, 20);
			}
		}

		ret = acpi_parse(rsdp, rnd(8) == 0 ? 20 : 36, &info);
		check_invariants(&info, ret);
		ok += ret == 0;
		walked_madt += info.have_madt && info.cpu_count + info.madt_bad_entries > 0;
		walked_dmar += info.have_dmar && info.drhd_count + info.dmar_bad_entries > 0;
		acpi_log_summary(&info);
		fake_log_reset();
		acpi_maps_release();
	}
	/* The mutations must mostly leave tables the decoders actually walk. */
	assert_true(ok > ITERATIONS * 3 / 4);
	assert_true(walked_madt > ITERATIONS / 2);
	assert_true(walked_dmar > ITERATIONS / 2);
}

static void random_bytes_as_tables(void **state)
{
	static struct acpi_info info;
	static struct ab_table t;
	static const char *const sigs[] = {"APIC", "FACP", "MCFG", "DMAR"};
	u32 rsdt[4] = {0x110000, 0x111000, 0x112000, 0x113000};
	u8 rsdp[36];
	int it, i;
	size_t j, len;

	(void)state;
	rng_state = 0xacb1dULL;
	ab_place_rsdt(0x100000, rsdt, 4);
	ab_make_rsdp(rsdp, 0, 0x100000, 0);
	for (it = 0; it < 1000; it++) {
		for (i = 0; i < 4; i++) {
			ab_begin(&t, sigs[i], (u8)rnd(8));
			len = rnd(400);
			for (j = 0; j < len; j++)
				ab_put8(&t, (u8)(rnd(3) ? rnd(20) : rng()));
			ab_place(&t, rsdt[i]);
		}
		check_invariants(&info, acpi_parse(rsdp, 20, &info));
		acpi_log_summary(&info);
		fake_log_reset();
		acpi_maps_release();
	}
}

int run_acpi_fuzz_tests(void)
{
	const struct CMUnitTest tests[] = {
		T(mutated_tables_never_crash),
		T(random_bytes_as_tables),
	};

	return cmocka_run_group_tests_name("acpi mutation", tests, NULL, NULL);
}
