// SPDX-License-Identifier: BSD-3-Clause
/*
 * ACPI discovery: finds the RSDP (ACPI 6.5, 5.2.5), walks the XSDT or RSDT (5.2.7,
 * 5.2.8), validates every table it points to (5.2.6: length and checksum) and hands
 * the tables we understand to their decoders. Everything here comes from firmware and
 * is treated as hostile: each length is bounded by what acpi_map() can provide, and a
 * table that fails a check is recorded with the reason and never decoded.
 */
#include <bulkhead/acpi.h>
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/string.h>
#include "acpi_internal.h"

/* Root System Description Pointer layout (ACPI 6.5, 5.2.5.3, Table 5.3). */
#define RSDP_SIGNATURE	  "RSD PTR "
#define RSDP_CHECKSUM	  8
#define RSDP_OEM_ID	  9
#define RSDP_REVISION	  15
#define RSDP_RSDT_ADDR	  16
#define RSDP_LENGTH	  20
#define RSDP_XSDT_ADDR	  24
#define RSDP_EXT_CHECKSUM 32
#define RSDP_V1_LEN	  20 /* the part covered by the first checksum */
#define RSDP_V2_LEN	  36
/*
 * The spec fixes the revision 2 RSDP at 36 bytes; a larger Length is tolerated for
 * future revisions, but a bound keeps a corrupt value from mapping far past it.
 */
#define RSDP_MAX_LEN	  1024

/*
 * Where legacy BIOSes put the RSDP (5.2.5.1): the first KiB of the EBDA, whose real-mode
 * segment is the BDA word at 0x40E, and the read-only BIOS area 0xE0000-0xFFFFF. The
 * signature sits on a 16-byte boundary.
 */
#define BDA_EBDA_SEGMENT 0x40E
#define EBDA_SCAN_LEN	 1024
#define EBDA_MIN_ADDR	 0x400	 /* below this is the real-mode IVT and the BDA */
#define EBDA_MAX_ADDR	 0xA0000 /* the EBDA lives in conventional memory */
#define BIOS_AREA_START	 0xE0000
#define BIOS_AREA_END	 0x100000
#define RSDP_SCAN_STEP	 16

/*
 * No table comes close to this (large server DSDTs are around 1 MiB). A bound keeps a
 * corrupt Length from making us checksum gigabytes of whatever acpi_map() would allow.
 */
#define ACPI_MAX_TABLE_LEN (16U << 20)

struct rsdp_facts {
	paddr_t rsdt;
	paddr_t xsdt; /* 0 when the RSDP has no usable XSDT pointer */
	u8 revision;
	char oem_id[7];
};

u8 acpi_checksum(const void *data, size_t len)
{
	const u8 *p = data;
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

void acpi_copy_id(char *out, const u8 *id, size_t n)
{
	size_t i;

	/*
	 * Identifiers are fixed-size fields padded with spaces (or NULs); they end up in the
	 * log, so anything that is not printable ASCII is replaced rather than passed on.
	 */
	for (i = 0; i < n && id[i] != '\0'; i++)
		out[i] = (id[i] >= 0x20 && id[i] < 0x7f) ? (char)id[i] : '?';
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
}

/*
 * Checks an RSDP of which avail bytes are readable at p. A revision >= 2 RSDP must also
 * pass the extended checksum over its Length; when only the 20-byte ACPI 1.0 part is
 * available (the multiboot2 "old ACPI" tag copies just that) it is used as a 1.0 RSDP.
 */
static bool rsdp_check(const u8 *p, size_t avail, struct rsdp_facts *out, const char **why)
{
	u32 length;

	if (avail < RSDP_V1_LEN) {
		*why = "too short";
		return false;
	}
	if (memcmp(p, RSDP_SIGNATURE, 8) != 0) {
		*why = "bad signature";
		return false;
	}
	if (acpi_checksum(p, RSDP_V1_LEN) != 0) {
		*why = "bad checksum";
		return false;
	}
	memset(out, 0, sizeof(*out));
	out->revision = read_le8(p, RSDP_REVISION);
	out->rsdt = read_le32(p, RSDP_RSDT_ADDR);
	acpi_copy_id(out->oem_id, p + RSDP_OEM_ID, 6);
	if (out->revision < 2 || avail < RSDP_V2_LEN)
		return true;

	length = read_le32(p, RSDP_LENGTH);
	if (length < RSDP_V2_LEN || length > avail) {
		*why = "bad length";
		return false;
	}
	if (acpi_checksum(p, length) != 0) {
		*why = "bad extended checksum";
		return false;
	}
	out->xsdt = read_le64(p, RSDP_XSDT_ADDR);
	return true;
}

static bool rsdp_probe(paddr_t addr, struct rsdp_facts *out)
{
	const u8 *p = acpi_map(addr, RSDP_V1_LEN);
	const char *why;
	size_t avail = RSDP_V1_LEN;

	if (!p || memcmp(p, RSDP_SIGNATURE, 8) != 0)
		return false;
	if (read_le8(p, RSDP_REVISION) >= 2) {
		u32 length;

		/* Length lies beyond the first 20 bytes: map the revision 2 size first. */
		p = acpi_map(addr, RSDP_V2_LEN);
		if (!p)
			return false;
		length = read_le32(p, RSDP_LENGTH);
		/* Map at least the 36 bytes so rsdp_check() rejects a bad Length. */
		if (length > RSDP_V2_LEN && length <= RSDP_MAX_LEN) {
			avail = length;
			p = acpi_map(addr, avail);
			if (!p)
				return false;
		} else {
			avail = RSDP_V2_LEN;
		}
	}
	if (rsdp_check(p, avail, out, &why))
		return true;
	pr_warn("ACPI: ignoring RSDP candidate at 0x%llx: %s\n", (unsigned long long)addr, why);
	return false;
}

static bool rsdp_scan_range(paddr_t start, paddr_t end, struct rsdp_facts *out, paddr_t *found)
{
	paddr_t a;

	for (a = ALIGN_UP(start, RSDP_SCAN_STEP); a + RSDP_V1_LEN <= end; a += RSDP_SCAN_STEP) {
		if (rsdp_probe(a, out)) {
			*found = a;
			return true;
		}
	}
	return false;
}

static bool rsdp_scan(struct rsdp_facts *out, paddr_t *found)
{
	const u8 *bda = acpi_map(BDA_EBDA_SEGMENT, 2);

	if (bda) {
		paddr_t ebda = (paddr_t)read_le16(bda, 0) << 4;

		if (ebda >= EBDA_MIN_ADDR && ebda < EBDA_MAX_ADDR &&
		    rsdp_scan_range(ebda, MIN(ebda + EBDA_SCAN_LEN, (paddr_t)EBDA_MAX_ADDR), out,
				    found))
			return true;
	}
	return rsdp_scan_range(BIOS_AREA_START, BIOS_AREA_END, out, found);
}

/*
 * Records the table at addr in info->tables and validates it. Returns the table's
 * bytes when it is valid (length as recorded in *ref), NULL otherwise; *ref is NULL
 * when the list was full.
 */
static const u8 *table_add(struct acpi_info *info, paddr_t addr, const char *expect,
			   struct acpi_table_ref **refp)
{
	struct acpi_table_ref *ref;
	const u8 *hdr, *tbl;
	u32 len;

	*refp = NULL;
	if (info->table_count >= ACPI_MAX_TABLES) {
		info->tables_dropped++;
		return NULL;
	}
	ref = &info->tables[info->table_count++];
	*refp = ref;
	memset(ref, 0, sizeof(*ref));
	ref->addr = addr;
	/* Until the header is read, the signature is the one the pointer promised. */
	memcpy(ref->signature, expect ? expect : "????", 4);

	if (addr == 0) {
		ref->problem = "null address";
		return NULL;
	}
	hdr = acpi_map(addr, ACPI_HDR_SIZE);
	if (!hdr) {
		ref->problem = "header not mappable";
		return NULL;
	}
	/* Named after what the pointer promised, the entry says what is missing. */
	if (expect && memcmp(hdr + ACPI_HDR_SIGNATURE, expect, 4) != 0) {
		ref->problem = "unexpected signature";
		return NULL;
	}
	acpi_copy_id(ref->signature, hdr + ACPI_HDR_SIGNATURE, 4);
	acpi_copy_id(ref->oem_id, hdr + ACPI_HDR_OEM_ID, 6);
	ref->revision = read_le8(hdr, ACPI_HDR_REVISION);
	len = read_le32(hdr, ACPI_HDR_LENGTH);
	ref->length = len;
	if (len < ACPI_HDR_SIZE) {
		ref->problem = "length shorter than header";
		return NULL;
	}
	if (len > ACPI_MAX_TABLE_LEN || addr > INVALID_PADDR - len) {
		ref->problem = "length implausibly large";
		return NULL;
	}
	tbl = acpi_map(addr, len);
	if (!tbl) {
		ref->problem = "length runs past mapped memory";
		return NULL;
	}
	if (acpi_checksum(tbl, len) != 0) {
		ref->problem = "bad checksum";
		return NULL;
	}
	ref->valid = true;
	return tbl;
}

/* Decodes one validated table; a decoder that rejects it turns the entry invalid. */
static void table_decode(struct acpi_info *info, struct acpi_table_ref *ref, const u8 *tbl,
			 bool *seen_mcfg)
{
	const char *problem = NULL;
	bool dup = false;
	int ret = 0;

	if (memcmp(ref->signature, "APIC", 5) == 0) {
		dup = info->have_madt;
		if (!dup)
			ret = acpi_parse_madt(tbl, ref->length, ref->revision, info, &problem);
	} else if (memcmp(ref->signature, "FACP", 5) == 0) {
		dup = info->have_fadt;
		if (!dup)
			ret = acpi_parse_fadt(tbl, ref->length, info, &problem);
	} else if (memcmp(ref->signature, "MCFG", 5) == 0) {
		dup = *seen_mcfg;
		if (!dup) {
			ret = acpi_parse_mcfg(tbl, ref->length, info, &problem);
			*seen_mcfg = ret == 0;
		}
	} else if (memcmp(ref->signature, "DMAR", 5) == 0) {
		dup = info->have_dmar;
		if (!dup)
			ret = acpi_parse_dmar(tbl, ref->length, info, &problem);
	}

	if (dup) {
		/* The first valid instance wins, as it does for other operating systems. */
		pr_warn("ACPI: ignoring duplicate %s at 0x%llx\n", ref->signature,
			(unsigned long long)ref->addr);
	} else if (ret < 0) {
		ref->valid = false;
		ref->problem = problem ? problem : "unusable";
	}
}

static const u8 *root_table(struct acpi_info *info, const struct rsdp_facts *rsdp, u32 *len)
{
	struct acpi_table_ref *ref;
	const u8 *tbl;

	/* 5.2.5.3: with a revision 2 RSDP, the XSDT supersedes the RSDT. */
	if (rsdp->revision >= 2 && rsdp->xsdt) {
		tbl = table_add(info, rsdp->xsdt, "XSDT", &ref);
		if (tbl) {
			info->use_xsdt = true;
			*len = ref->length;
			return tbl;
		}
		pr_warn("ACPI: XSDT at 0x%llx unusable (%s), falling back to the RSDT\n",
			(unsigned long long)rsdp->xsdt, ref ? ref->problem : "table list full");
	}
	if (!rsdp->rsdt)
		return NULL;
	tbl = table_add(info, rsdp->rsdt, "RSDT", &ref);
	if (tbl)
		*len = ref->length;
	return tbl;
}

int acpi_parse(const void *rsdp_copy, size_t rsdp_len, struct acpi_info *info)
{
	struct acpi_table_ref *ref;
	struct rsdp_facts rsdp;
	const u8 *root, *tbl;
	size_t entry_size, count, i;
	bool found = false, seen_mcfg = false;
	paddr_t rsdp_addr = 0;
	u32 root_len = 0;

	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));

	if (rsdp_copy) {
		const char *why;

		found = rsdp_check(rsdp_copy, rsdp_len, &rsdp, &why);
		if (!found)
			pr_warn("ACPI: RSDP from multiboot2 rejected (%s), scanning BIOS areas\n",
				why);
	}
	if (!found)
		found = rsdp_scan(&rsdp, &rsdp_addr);
	if (!found) {
		pr_warn("ACPI: no valid RSDP found\n");
		return -ENOENT;
	}
	info->rsdp_addr = rsdp_addr;
	info->rsdp_revision = rsdp.revision;
	memcpy(info->oem_id, rsdp.oem_id, sizeof(info->oem_id));

	root = root_table(info, &rsdp, &root_len);
	if (!root) {
		pr_warn("ACPI: no valid RSDT or XSDT\n");
		return -ENOENT;
	}

	/* 5.2.7/5.2.8: an array of 32-bit (RSDT) or 64-bit (XSDT) addresses. */
	entry_size = info->use_xsdt ? 8 : 4;
	count = (root_len - ACPI_HDR_SIZE) / entry_size;
	if ((root_len - ACPI_HDR_SIZE) % entry_size)
		pr_warn("ACPI: %s length %u is not a whole number of entries\n",
			info->use_xsdt ? "XSDT" : "RSDT", root_len);
	for (i = 0; i < count; i++) {
		size_t off = ACPI_HDR_SIZE + i * entry_size;
		paddr_t addr = info->use_xsdt ? read_le64(root, off) : read_le32(root, off);

		tbl = table_add(info, addr, NULL, &ref);
		if (tbl)
			table_decode(info, ref, tbl, &seen_mcfg);
	}

	/* The DSDT is reached through the FADT, not the root table (5.2.9). */
	if (info->have_fadt && info->dsdt_addr)
		table_add(info, info->dsdt_addr, "DSDT", &ref);
	if (info->tables_dropped)
		pr_warn("ACPI: %zu tables beyond the first %u were not examined\n",
			info->tables_dropped, (unsigned int)ACPI_MAX_TABLES);
	return 0;
}
