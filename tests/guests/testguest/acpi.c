// SPDX-License-Identifier: BSD-3-Clause
/*
 * ACPI table discovery (acpi.h) and the acpi test group. Offsets are those of the ACPI 6.5
 * specification: RSDP 5.2.5.3, table header 5.2.6, RSDT/XSDT 5.2.7/5.2.8, FADT 5.2.9
 * (table 5.9), MADT 5.2.12, AML encoding of Name/Package and integer constants 20.2.
 */
#include "acpi.h"
#include "check.h"
#include "console.h"
#include "lib.h"
#include "paging.h"
#include "probe.h"
#include "testguest.h"

#define T "acpi"

#define RSDP_SCAN_START	 0xe0000
#define RSDP_SCAN_END	 0x100000
#define RSDP_V1_LEN	 20
#define RSDP_V2_LEN	 36
#define HEADER_LEN	 36
#define TABLE_MAX_LEN	 0x100000
#define MADT_ENTRIES	 44
#define MADT_FLAG_PCAT	 BIT(0)
#define MADT_LAPIC	 0
#define MADT_IOAPIC	 1
#define MADT_OVERRIDE	 2
#define MADT_X2APIC	 9
#define LAPIC_ENABLED	 BIT(0)
#define LAPIC_ONLINE_CAP BIT(1)
#define GAS_SPACE_IO	 1
#define AML_NAME_OP	 0x08
#define AML_ROOT_CHAR	 '\\'
#define AML_PACKAGE_OP	 0x12
#define AML_ZERO_OP	 0x00
#define AML_ONE_OP	 0x01
#define AML_BYTE_PREFIX	 0x0a
#define AML_WORD_PREFIX	 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e
#define AML_ONES_OP	 0xff
#define DETAIL_LEN	 320

/* FADT fields (table 5.9). */
#define FADT_DSDT	 40
#define FADT_SCI_INT	 46
#define FADT_SMI_CMD	 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_EVT	 56
#define FADT_PM1B_EVT	 60
#define FADT_PM1A_CNT	 64
#define FADT_PM1B_CNT	 68
#define FADT_PM_TMR	 76
#define FADT_PM1_EVT_LEN 88
#define FADT_PM1_CNT_LEN 89
#define FADT_PM_TMR_LEN	 91
#define FADT_CENTURY	 108
#define FADT_BOOT_ARCH	 109
#define FADT_FLAGS	 112
#define FADT_X_DSDT	 140
#define FADT_X_PM1A_EVT	 148
#define FADT_X_PM1B_EVT	 160
#define FADT_X_PM1A_CNT	 172
#define FADT_X_PM1B_CNT	 184
#define FADT_X_PM_TMR	 208
#define GAS_LEN		 12

static struct platform plat;
static bool discovered;

static u8 rd8(u64 a)
{
	return *(const volatile u8 *)(size_t)a;
}

static u16 rd16(u64 a)
{
	return (u16)(rd8(a) | rd8(a + 1) << 8);
}

static u32 rd32(u64 a)
{
	return (u32)rd16(a) | (u32)rd16(a + 2) << 16;
}

static u64 rd64(u64 a)
{
	return (u64)rd32(a) | (u64)rd32(a + 4) << 32;
}

static u8 sum_bytes(u64 a, u32 len)
{
	u8 sum = 0;

	while (len--)
		sum += rd8(a++);
	return sum;
}

static void set_why(struct platform *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_why(struct platform *p, const char *fmt, ...)
{
	va_list ap;

	if (p->why[0])
		return;
	va_start(ap, fmt);
	tg_vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
}

static bool readable(struct platform *p, u64 addr, u64 len, const char *what)
{
	const char *err = paging_map_identity(addr, len);

	if (err)
		set_why(p, "%s at 0x%llx: %s", what, addr, err);
	return !err;
}

static void find_rsdp(struct platform *p)
{
	u64 a, bad = 0, sig = 0;

	for (a = RSDP_SCAN_START; a < RSDP_SCAN_END; a += 16) {
		/* Probed: a VM need not back all of the BIOS area; skip a page that faults. */
		if (!fault_none(probe_read64(a, &sig))) {
			a |= 0xff0;
			continue;
		}
		if (memcmp(&sig, "RSD PTR ", 8))
			continue;
		if (sum_bytes(a, RSDP_V1_LEN) == 0)
			break;
		if (!bad)
			bad = a;
	}
	if (a >= RSDP_SCAN_END)
		a = bad;
	if (!a)
		return;
	p->has_rsdp = true;
	p->rsdp = a;
	p->rsdp_revision = rd8(a + 15);
	memcpy(p->oem, (const void *)(size_t)(a + 9), 6);
	for (int i = 0; i < 6; i++) {
		if (p->oem[i] < 0x20 || p->oem[i] > 0x7e || p->oem[i] == '"')
			p->oem[i] = '?';
	}
	p->rsdp_ok = sum_bytes(a, RSDP_V1_LEN) == 0;
	if (p->rsdp_revision >= 2) {
		u32 len = rd32(a + 20);

		/* The extended structure must fit the scanned area. */
		p->rsdp_ok = p->rsdp_ok && len >= RSDP_V2_LEN && a + len <= RSDP_SCAN_END &&
			     sum_bytes(a, len) == 0;
	}
}

/* Reads the header at addr into t; false (and why) when it cannot be read whole. */
static bool read_table(struct platform *p, u64 addr, struct acpi_table *t)
{
	if (!addr || !readable(p, addr, HEADER_LEN, "table header"))
		return false;
	memcpy(t->sig, (const void *)(size_t)addr, 4);
	t->sig[4] = '\0';
	for (int i = 0; i < 4; i++) {
		if (t->sig[i] < 0x20 || t->sig[i] > 0x7e)
			t->sig[i] = '?';
	}
	t->addr = addr;
	t->length = rd32(addr + 4);
	if (t->length < HEADER_LEN || t->length > TABLE_MAX_LEN) {
		set_why(p, "table %s at 0x%llx: length %u", t->sig, addr, t->length);
		return false;
	}
	if (!readable(p, addr, t->length, "table"))
		return false;
	t->sum = sum_bytes(addr, t->length);
	return true;
}

static void parse_madt(struct platform *p, const struct acpi_table *t)
{
	u64 a = t->addr + MADT_ENTRIES, end = t->addr + t->length;

	p->has_madt = true;
	p->lapic_addr = rd32(t->addr + 36);
	p->pcat_compat = rd32(t->addr + 40) & MADT_FLAG_PCAT;
	while (a + 2 <= end) {
		u8 type = rd8(a), len = rd8(a + 1);

		if (len < 2 || a + len > end) {
			set_why(p, "MADT entry at offset %llu: length %u", a - t->addr, len);
			return;
		}
		if (type == MADT_LAPIC && len >= 8 &&
		    (rd32(a + 4) & (LAPIC_ENABLED | LAPIC_ONLINE_CAP)) == LAPIC_ENABLED) {
			if (p->cpu_count < ACPI_MAX_CPUS)
				p->cpu_apic_ids[p->cpu_count] = rd8(a + 3);
			p->cpu_count++;
		} else if (type == MADT_X2APIC && len >= 16 &&
			   (rd32(a + 8) & (LAPIC_ENABLED | LAPIC_ONLINE_CAP)) == LAPIC_ENABLED) {
			if (p->cpu_count < ACPI_MAX_CPUS)
				p->cpu_apic_ids[p->cpu_count] = rd32(a + 4);
			p->cpu_count++;
		} else if (type == MADT_IOAPIC && len >= 12 && p->ioapic_count < ACPI_MAX_IOAPICS) {
			struct acpi_ioapic *io = &p->ioapics[p->ioapic_count++];

			io->id = rd8(a + 2);
			io->addr = rd32(a + 4);
			io->gsi_base = rd32(a + 8);
		} else if (type == MADT_OVERRIDE && len >= 10 &&
			   p->override_count < ACPI_MAX_OVERRIDE) {
			struct acpi_override *o = &p->overrides[p->override_count++];

			o->irq = rd8(a + 3);
			o->gsi = rd32(a + 4);
			o->flags = rd16(a + 8);
		}
		a += len;
	}
}

/* A port from the FADT: the X_ field (an I/O-space GAS) when set, else the 32-bit one. */
static u16 fadt_port(const struct acpi_table *t, u32 legacy_off, u32 x_off)
{
	u64 gas = t->addr + x_off;

	if (t->length >= x_off + GAS_LEN && rd8(gas) == GAS_SPACE_IO && rd64(gas + 4))
		return (u16)rd64(gas + 4);
	return (u16)rd32(t->addr + legacy_off);
}

static void parse_fadt(struct platform *p, const struct acpi_table *t)
{
	u64 a = t->addr;

	if (t->length < FADT_FLAGS + 4) {
		set_why(p, "FADT of %u bytes, too short for its flags", t->length);
		return;
	}
	p->has_fadt = true;
	p->fadt_revision = rd8(a + 8);
	p->sci_irq = rd16(a + FADT_SCI_INT);
	p->smi_cmd = rd32(a + FADT_SMI_CMD);
	p->acpi_enable = rd8(a + FADT_ACPI_ENABLE);
	p->pm1a_evt = fadt_port(t, FADT_PM1A_EVT, FADT_X_PM1A_EVT);
	p->pm1b_evt = fadt_port(t, FADT_PM1B_EVT, FADT_X_PM1B_EVT);
	p->pm1a_cnt = fadt_port(t, FADT_PM1A_CNT, FADT_X_PM1A_CNT);
	p->pm1b_cnt = fadt_port(t, FADT_PM1B_CNT, FADT_X_PM1B_CNT);
	p->pm_tmr = fadt_port(t, FADT_PM_TMR, FADT_X_PM_TMR);
	p->pm1_evt_len = rd8(a + FADT_PM1_EVT_LEN);
	p->pm1_cnt_len = rd8(a + FADT_PM1_CNT_LEN);
	p->pm_tmr_len = rd8(a + FADT_PM_TMR_LEN);
	p->century = rd8(a + FADT_CENTURY);
	p->boot_arch = rd16(a + FADT_BOOT_ARCH);
	p->fadt_flags = rd32(a + FADT_FLAGS);
	p->dsdt = rd32(a + FADT_DSDT);
	if (t->length >= FADT_X_DSDT + 8 && rd64(a + FADT_X_DSDT))
		p->dsdt = rd64(a + FADT_X_DSDT);
}

/* An AML integer constant at *a (20.2.3); false when it is something else. */
static bool aml_integer(u64 *a, u64 end, u64 *value)
{
	u8 op = *a < end ? rd8(*a) : 0x5a;
	unsigned int size = 0;

	if (op == AML_ZERO_OP || op == AML_ONE_OP || op == AML_ONES_OP) {
		*value = op == AML_ONES_OP ? ~0ULL : op;
		*a += 1;
		return true;
	}
	if (op == AML_BYTE_PREFIX)
		size = 1;
	else if (op == AML_WORD_PREFIX)
		size = 2;
	else if (op == AML_DWORD_PREFIX)
		size = 4;
	else if (op == AML_QWORD_PREFIX)
		size = 8;
	if (!size || *a + 1 + size > end)
		return false;
	*value = 0;
	for (unsigned int i = 0; i < size; i++)
		*value |= (u64)rd8(*a + 1 + i) << (8 * i);
	*a += 1 + size;
	return true;
}

/*
 * Name(_S5, Package(){SLP_TYPa, SLP_TYPb, ...}) in the DSDT: "_S5_" after a NameOp (with
 * or without a root prefix), then PackageOp, PkgLength (1-4 bytes, 20.2.4), NumElements.
 */
static void find_s5(struct platform *p, const struct acpi_table *t)
{
	u64 start = t->addr + HEADER_LEN, end = t->addr + t->length, a, v;

	for (a = start + 1; a + 7 <= end; a++) {
		u8 before = rd8(a - 1);
		u64 q;
		unsigned int elements;

		if (memcmp((const void *)(size_t)a, "_S5_", 4) || rd8(a + 4) != AML_PACKAGE_OP)
			continue;
		if (before != AML_NAME_OP &&
		    !(before == AML_ROOT_CHAR && a - 2 >= start && rd8(a - 2) == AML_NAME_OP))
			continue;
		q = a + 5;
		q += 1 + (rd8(q) >> 6); /* PkgLength */
		if (q >= end)
			return;
		elements = rd8(q++);
		if (elements < 1 || !aml_integer(&q, end, &v))
			continue;
		p->has_s5 = true;
		p->s5_table = t->addr;
		p->s5_offset = (u32)(a - t->addr);
		p->slp_typ_a = (u8)v;
		if (elements >= 2 && aml_integer(&q, end, &v))
			p->slp_typ_b = (u8)v;
		return;
	}
}

static void discover(struct platform *p)
{
	struct acpi_table root, t;
	unsigned int i, entries, width;
	u64 root_addr;

	find_rsdp(p);
	if (!p->has_rsdp)
		return;
	p->xsdt = p->rsdp_revision >= 2 && rd64(p->rsdp + 24);
	root_addr = p->xsdt ? rd64(p->rsdp + 24) : rd32(p->rsdp + 16);
	p->root = root_addr;
	if (!read_table(p, root_addr, &root))
		return;
	if (memcmp(root.sig, p->xsdt ? "XSDT" : "RSDT", 4)) {
		set_why(p, "root table at 0x%llx has signature %s", root_addr, root.sig);
		return;
	}
	p->has_root = true;
	p->tables[p->table_count++] = root;
	width = p->xsdt ? 8 : 4;
	entries = (root.length - HEADER_LEN) / width;
	for (i = 0; i < entries && p->table_count < ACPI_MAX_TABLES - 1; i++) {
		u64 ea = root_addr + HEADER_LEN + i * width;

		if (!read_table(p, p->xsdt ? rd64(ea) : rd32(ea), &t))
			continue;
		p->tables[p->table_count++] = t;
		if (!memcmp(t.sig, "APIC", 4) && !p->has_madt)
			parse_madt(p, &t);
		else if (!memcmp(t.sig, "FACP", 4) && !p->has_fadt)
			parse_fadt(p, &t);
	}
	if (p->has_fadt && read_table(p, p->dsdt, &t)) {
		p->tables[p->table_count++] = t;
		if (!memcmp(t.sig, "DSDT", 4))
			find_s5(p, &t);
	}
	/* The DSDT first, then the SSDTs in root table order, as OSPM loads them. */
	for (i = 1; i < p->table_count && !p->has_s5; i++) {
		if (!memcmp(p->tables[i].sig, "SSDT", 4))
			find_s5(p, &p->tables[i]);
	}
}

const struct platform *platform(void)
{
	if (!discovered) {
		discovered = true;
		discover(&plat);
	}
	return &plat;
}

u32 platform_isa_gsi(const struct platform *p, u8 irq, u16 *flags)
{
	for (unsigned int i = 0; i < p->override_count; i++) {
		if (p->overrides[i].irq == irq) {
			*flags = p->overrides[i].flags;
			return p->overrides[i].gsi;
		}
	}
	*flags = 0;
	return irq;
}

const struct acpi_ioapic *platform_ioapic_for(const struct platform *p, u32 gsi)
{
	const struct acpi_ioapic *best = NULL;

	/* The one with the highest base at or below gsi (their pin counts are not in ACPI). */
	for (unsigned int i = 0; i < p->ioapic_count; i++) {
		if (p->ioapics[i].gsi_base <= gsi &&
		    (!best || p->ioapics[i].gsi_base > best->gsi_base))
			best = &p->ioapics[i];
	}
	return best;
}

u32 platform_pm_timer_mask(const struct platform *p)
{
	return (p->fadt_flags & FADT_F_TMR_VAL_EXT) ? 0xffffffffu : 0xffffffu;
}

/* ---- the acpi group ---------------------------------------------------------------- */

static size_t append(char *buf, size_t len, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t len, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (len >= size)
		return len;
	va_start(ap, fmt);
	len += (size_t)tg_vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	return len;
}

static void check_root(const struct platform *p)
{
	const char *name = p->xsdt ? "xsdt" : "rsdt", *sig = p->xsdt ? "XSDT" : "RSDT";
	char list[DETAIL_LEN] = "";
	size_t len = 0;
	unsigned int i;

	if (!p->has_root) {
		check_fail(T, name, "expected a readable %s at 0x%llx (from the RSDP): %s", sig,
			   p->root, p->why);
		return;
	}
	/* The root table is tables[0]; the DSDT, when found, is last and not listed there. */
	for (i = 1; i < p->table_count; i++) {
		if (p->has_fadt && i == p->table_count - 1 && p->tables[i].addr == p->dsdt)
			break;
		len = append(list, len, sizeof(list), " %s", p->tables[i].sig);
	}
	if (p->tables[0].sum)
		check_fail(T, name, "expected the %s at 0x%llx to sum to 0, got 0x%02x", sig,
			   p->root, p->tables[0].sum);
	else
		check_pass(T, name, "at 0x%llx, %u entries:%s", p->root, i - 1, list);
}

static void check_checksums(const struct platform *p)
{
	char bad[DETAIL_LEN] = "", all[DETAIL_LEN] = "";
	size_t nbad = 0, nall = 0;

	for (unsigned int i = 0; i < p->table_count; i++) {
		const struct acpi_table *t = &p->tables[i];

		nall = append(all, nall, sizeof(all), "%s%s", i ? " " : "", t->sig);
		if (t->sum)
			nbad = append(bad, nbad, sizeof(bad), "%s%s at 0x%llx sums to 0x%02x",
				      nbad ? ", " : "", t->sig, t->addr, t->sum);
	}
	if (nbad)
		check_fail(T, "checksums", "expected every table to sum to 0: %s", bad);
	else
		check_pass(T, "checksums", "%u tables: %s", p->table_count, all);
}

static void check_madt(const struct platform *p)
{
	char d[DETAIL_LEN];
	size_t n = 0;
	unsigned int i;

	if (!p->has_madt) {
		check_fail(T, "madt", "expected an APIC table (MADT) in the %s%s%s",
			   p->xsdt ? "XSDT" : "RSDT", p->why[0] ? ": " : "", p->why);
		return;
	}
	n = append(d, n, sizeof(d), "local APIC 0x%x, %u CPU(s), APIC IDs", p->lapic_addr,
		   p->cpu_count);
	for (i = 0; i < p->cpu_count && i < ACPI_MAX_CPUS; i++)
		n = append(d, n, sizeof(d), "%s%u", i ? "," : " ", p->cpu_apic_ids[i]);
	for (i = 0; i < p->ioapic_count; i++)
		n = append(d, n, sizeof(d), ", I/O APIC ID %u at 0x%x GSI base %u",
			   p->ioapics[i].id, p->ioapics[i].addr, p->ioapics[i].gsi_base);
	for (i = 0; i < p->override_count; i++) {
		const struct acpi_override *o = &p->overrides[i];

		n = append(d, n, sizeof(d), ", IRQ%u->GSI%u%s%s", o->irq, o->gsi,
			   (o->flags & MPS_TRIGGER_MASK) == MPS_TRIGGER_LEVEL ? " level" : "",
			   (o->flags & MPS_POLARITY_MASK) == MPS_POLARITY_LOW ? " low" : "");
	}
	if (p->pcat_compat)
		append(d, n, sizeof(d), ", PCAT_COMPAT");
	if (p->cpu_count > 0 && p->ioapic_count > 0 && p->lapic_addr)
		check_pass(T, "madt", "%s", d);
	else
		check_fail(T, "madt",
			   "expected a local APIC address, an enabled CPU and an I/O APIC, got %s",
			   d);
	check(p->cpu_count == cfg.vcpus, T, "madt_cpus",
	      "expected %u enabled CPU(s) (vcpus=), the MADT lists %u", cfg.vcpus, p->cpu_count);
}

static void check_fadt(const struct platform *p)
{
	if (!p->has_fadt) {
		check_fail(T, "fadt", "expected an FACP table (FADT) in the %s%s%s",
			   p->xsdt ? "XSDT" : "RSDT", p->why[0] ? ": " : "", p->why);
		return;
	}
	if (!p->pm1a_evt || !p->pm1a_cnt || p->pm1_evt_len < 4 || p->pm1_cnt_len < 2) {
		check_fail(
			T, "fadt",
			"expected PM1a_EVT_BLK (PM1_EVT_LEN >= 4) and PM1a_CNT_BLK (PM1_CNT_LEN >= 2), got 0x%x (%u) and 0x%x (%u)",
			p->pm1a_evt, p->pm1_evt_len, p->pm1a_cnt, p->pm1_cnt_len);
		return;
	}
	check_pass(T, "fadt",
		   "revision %u, PM1a_EVT 0x%x, PM1a_CNT 0x%x, PM_TMR 0x%x %s, SCI IRQ %u, "
		   "SMI_CMD 0x%x, ACPI_ENABLE 0x%x, CENTURY 0x%x, IAPC_BOOT_ARCH 0x%x, DSDT 0x%llx",
		   p->fadt_revision, p->pm1a_evt, p->pm1a_cnt, p->pm_tmr,
		   (p->fadt_flags & FADT_F_TMR_VAL_EXT) ? "32-bit" : "24-bit", p->sci_irq,
		   p->smi_cmd, p->acpi_enable, p->century, p->boot_arch, p->dsdt);
}

void test_acpi(void)
{
	const struct platform *p = platform();

	if (!p->has_rsdp) {
		check_fail(
			T, "rsdp",
			"expected \"RSD PTR \" with a valid checksum on a 16-byte boundary in 0x%x-0x%x, found none",
			RSDP_SCAN_START, RSDP_SCAN_END - 1);
		return;
	}
	if (!p->rsdp_ok) {
		check_fail(T, "rsdp", "expected the RSDP at 0x%llx (revision %u) to sum to 0",
			   p->rsdp, p->rsdp_revision);
		return;
	}
	check_pass(T, "rsdp", "at 0x%llx, revision %u, OEM \"%s\"", p->rsdp, p->rsdp_revision,
		   p->oem);
	check_root(p);
	if (!p->has_root)
		return;
	check_checksums(p);
	check_madt(p);
	check_fadt(p);
	if (!p->has_fadt)
		return;
	if (p->has_s5)
		check_pass(T, "s5", "SLP_TYPa %u, SLP_TYPb %u, in the %s at 0x%llx, offset 0x%x",
			   p->slp_typ_a, p->slp_typ_b, p->s5_table == p->dsdt ? "DSDT" : "SSDT",
			   p->s5_table, p->s5_offset);
	else
		check_fail(
			T, "s5",
			"expected Name(_S5, Package(){SLP_TYPa, ...}) in the DSDT at 0x%llx or an SSDT, found none",
			p->dsdt);
}
