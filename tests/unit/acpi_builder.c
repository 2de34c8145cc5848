// SPDX-License-Identifier: BSD-3-Clause
/* Assembles ACPI tables with correct lengths and checksums for the host unit tests. */
#include <assert.h>
#include <string.h>
#include "acpi_builder.h"

#define MAX_HOLES 8

u8 fake_phys[FAKE_PHYS_SIZE];

static struct {
	paddr_t start, end;
} holes[MAX_HOLES];
static size_t hole_count;

void fake_phys_reset(void)
{
	memset(fake_phys, 0, sizeof(fake_phys));
	hole_count = 0;
}

void fake_phys_add_hole(paddr_t start, paddr_t end)
{
	assert(hole_count < MAX_HOLES);
	holes[hole_count].start = start;
	holes[hole_count].end = end;
	hole_count++;
}

bool fake_phys_accessible(paddr_t addr, size_t len)
{
	size_t i;

	if (addr > FAKE_PHYS_SIZE || len > FAKE_PHYS_SIZE - addr)
		return false;
	for (i = 0; i < hole_count; i++)
		if (addr < holes[i].end && addr + len > holes[i].start)
			return false;
	return true;
}

/* Independent of acpi_checksum(), so a bug there cannot hide in the test tables. */
static u8 sum8(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s = (u8)(s + *p++);
	return s;
}

static void put(struct ab_table *t, const void *p, size_t n)
{
	assert(t->len + n <= AB_TABLE_MAX);
	memcpy(t->data + t->len, p, n);
	t->len += n;
}

void ab_put8(struct ab_table *t, u8 v)
{
	put(t, &v, 1);
}

void ab_put16(struct ab_table *t, u16 v)
{
	put(t, &v, 2);
}

void ab_put32(struct ab_table *t, u32 v)
{
	put(t, &v, 4);
}

void ab_put64(struct ab_table *t, u64 v)
{
	put(t, &v, 8);
}

void ab_put_zeros(struct ab_table *t, size_t n)
{
	assert(t->len + n <= AB_TABLE_MAX);
	memset(t->data + t->len, 0, n);
	t->len += n;
}

void ab_set8(struct ab_table *t, size_t off, u8 v)
{
	assert(off + 1 <= t->len);
	t->data[off] = v;
}

void ab_set16(struct ab_table *t, size_t off, u16 v)
{
	assert(off + 2 <= t->len);
	memcpy(t->data + off, &v, 2);
}

void ab_set32(struct ab_table *t, size_t off, u32 v)
{
	assert(off + 4 <= t->len);
	memcpy(t->data + off, &v, 4);
}

void ab_set64(struct ab_table *t, size_t off, u64 v)
{
	assert(off + 8 <= t->len);
	memcpy(t->data + off, &v, 8);
}

void ab_begin(struct ab_table *t, const char *sig, u8 revision)
{
	memset(t, 0, sizeof(*t));
	put(t, sig, 4);
	ab_put32(t, 0); /* Length, set by ab_place */
	ab_put8(t, revision);
	ab_put8(t, 0); /* Checksum */
	put(t, "BOCHS ", 6);
	put(t, "BXPCTEST", 8);
	ab_put32(t, 1);	   /* OEM Revision */
	put(t, "BXPC", 4); /* Creator ID */
	ab_put32(t, 1);	   /* Creator Revision */
	assert(t->len == 36);
}

paddr_t ab_place_raw(struct ab_table *t, paddr_t addr)
{
	assert(addr + t->len <= FAKE_PHYS_SIZE);
	t->data[9] = 0;
	t->data[9] = (u8)-sum8(t->data, t->len);
	memcpy(fake_phys + addr, t->data, t->len);
	return addr;
}

paddr_t ab_place(struct ab_table *t, paddr_t addr)
{
	ab_set32(t, 4, (u32)t->len);
	return ab_place_raw(t, addr);
}

void ab_fix_checksum(paddr_t addr)
{
	u32 len;

	if (addr + 36 > FAKE_PHYS_SIZE)
		return;
	memcpy(&len, fake_phys + addr + 4, 4);
	if (len < 10)
		return;
	if (len > FAKE_PHYS_SIZE - addr)
		len = (u32)(FAKE_PHYS_SIZE - addr);
	fake_phys[addr + 9] = 0;
	fake_phys[addr + 9] = (u8)-sum8(fake_phys + addr, len);
}

void ab_make_rsdp(u8 out[36], u8 revision, u32 rsdt, u64 xsdt)
{
	u32 len = 36;

	memset(out, 0, 36);
	memcpy(out, "RSD PTR ", 8);
	memcpy(out + 9, "BOCHS ", 6);
	out[15] = revision;
	memcpy(out + 16, &rsdt, 4);
	out[8] = (u8)-sum8(out, 20);
	if (revision >= 2) {
		memcpy(out + 20, &len, 4);
		memcpy(out + 24, &xsdt, 8);
		out[32] = (u8)-sum8(out, 36);
	}
}

void ab_place_rsdp(paddr_t addr, u8 revision, u32 rsdt, u64 xsdt)
{
	assert(addr + 36 <= FAKE_PHYS_SIZE);
	ab_make_rsdp(fake_phys + addr, revision, rsdt, xsdt);
}

paddr_t ab_place_rsdt(paddr_t addr, const u32 *entries, size_t n)
{
	static struct ab_table t;
	size_t i;

	ab_begin(&t, "RSDT", 1);
	for (i = 0; i < n; i++)
		ab_put32(&t, entries[i]);
	return ab_place(&t, addr);
}

paddr_t ab_place_xsdt(paddr_t addr, const u64 *entries, size_t n)
{
	static struct ab_table t;
	size_t i;

	ab_begin(&t, "XSDT", 1);
	for (i = 0; i < n; i++)
		ab_put64(&t, entries[i]);
	return ab_place(&t, addr);
}

void ab_madt_begin(struct ab_table *t, u8 revision, u32 lapic_addr, u32 flags)
{
	ab_begin(t, "APIC", revision);
	ab_put32(t, lapic_addr);
	ab_put32(t, flags);
}

void ab_madt_lapic(struct ab_table *t, u8 uid, u8 apic_id, u32 flags)
{
	ab_put8(t, 0);
	ab_put8(t, 8);
	ab_put8(t, uid);
	ab_put8(t, apic_id);
	ab_put32(t, flags);
}

void ab_madt_ioapic(struct ab_table *t, u8 id, u32 addr, u32 gsi_base)
{
	ab_put8(t, 1);
	ab_put8(t, 12);
	ab_put8(t, id);
	ab_put8(t, 0);
	ab_put32(t, addr);
	ab_put32(t, gsi_base);
}

void ab_madt_iso(struct ab_table *t, u8 bus, u8 source, u32 gsi, u16 flags)
{
	ab_put8(t, 2);
	ab_put8(t, 10);
	ab_put8(t, bus);
	ab_put8(t, source);
	ab_put32(t, gsi);
	ab_put16(t, flags);
}

void ab_madt_lapic_nmi(struct ab_table *t, u8 uid, u16 flags, u8 lint)
{
	ab_put8(t, 4);
	ab_put8(t, 6);
	ab_put8(t, uid);
	ab_put16(t, flags);
	ab_put8(t, lint);
}

void ab_madt_lapic_override(struct ab_table *t, u64 addr)
{
	ab_put8(t, 5);
	ab_put8(t, 12);
	ab_put16(t, 0);
	ab_put64(t, addr);
}

void ab_madt_x2apic(struct ab_table *t, u32 x2apic_id, u32 flags, u32 uid)
{
	ab_put8(t, 9);
	ab_put8(t, 16);
	ab_put16(t, 0);
	ab_put32(t, x2apic_id);
	ab_put32(t, flags);
	ab_put32(t, uid);
}

void ab_madt_x2apic_nmi(struct ab_table *t, u32 uid, u16 flags, u8 lint)
{
	ab_put8(t, 0xA);
	ab_put8(t, 12);
	ab_put16(t, flags);
	ab_put32(t, uid);
	ab_put8(t, lint);
	ab_put_zeros(t, 3);
}

void ab_fadt_begin(struct ab_table *t, size_t len)
{
	assert(len >= 36);
	ab_begin(t, "FACP", 6);
	ab_put_zeros(t, len - 36);
}

void ab_mcfg_begin(struct ab_table *t)
{
	ab_begin(t, "MCFG", 1);
	ab_put64(t, 0);
}

void ab_mcfg_entry(struct ab_table *t, u64 base, u16 segment, u8 bus_start, u8 bus_end)
{
	ab_put64(t, base);
	ab_put16(t, segment);
	ab_put8(t, bus_start);
	ab_put8(t, bus_end);
	ab_put32(t, 0);
}

void ab_dmar_begin(struct ab_table *t, u8 haw, u8 flags)
{
	ab_begin(t, "DMAR", 1);
	ab_put8(t, haw);
	ab_put8(t, flags);
	ab_put_zeros(t, 10);
}

size_t ab_dmar_drhd(struct ab_table *t, u8 flags, u8 size, u16 segment, u64 base)
{
	size_t start = t->len;

	ab_put16(t, 0);
	ab_put16(t, 16);
	ab_put8(t, flags);
	ab_put8(t, size);
	ab_put16(t, segment);
	ab_put64(t, base);
	return start;
}

size_t ab_dmar_rmrr(struct ab_table *t, u16 segment, u64 base, u64 limit)
{
	size_t start = t->len;

	ab_put16(t, 1);
	ab_put16(t, 24);
	ab_put16(t, 0);
	ab_put16(t, segment);
	ab_put64(t, base);
	ab_put64(t, limit);
	return start;
}

size_t ab_dmar_atsr(struct ab_table *t, u8 flags, u16 segment)
{
	size_t start = t->len;

	ab_put16(t, 2);
	ab_put16(t, 8);
	ab_put8(t, flags);
	ab_put8(t, 0);
	ab_put16(t, segment);
	return start;
}

void ab_dmar_scope(struct ab_table *t, u8 type, u8 enum_id, u8 bus, const u8 *path, size_t n_path)
{
	size_t i;

	ab_put8(t, type);
	ab_put8(t, (u8)(6 + 2 * n_path));
	ab_put16(t, 0);
	ab_put8(t, enum_id);
	ab_put8(t, bus);
	for (i = 0; i < 2 * n_path; i++)
		ab_put8(t, path[i]);
}

void ab_dmar_end(struct ab_table *t, size_t start)
{
	ab_set16(t, start + 2, (u16)(t->len - start));
}
