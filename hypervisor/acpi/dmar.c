// SPDX-License-Identifier: BSD-3-Clause
/*
 * DMA Remapping Reporting table, "DMAR" (Intel VT-d specification, chapter 8): the
 * remapping hardware units (DRHD), the memory that devices keep using across the hand
 * over (RMRR) and the root ports with ATS (ATSR), each scoped to devices by a list of
 * device scope structures. As in the MADT, records are (type, length, ...) and a
 * record that cannot be stepped over ends the walk.
 */
#include <bulkhead/acpi.h>
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include "acpi_internal.h"

/* DMAR fixed part (8.1, Table 8-1). */
#define DMAR_HAW       36
#define DMAR_FLAGS     37
#define DMAR_STRUCTS   48
/* Remapping structure header (8.2): 16-bit type and 16-bit length. */
#define DMAR_SHDR_SIZE 4

/* Remapping structure types (8.2, Table 8-2). */
#define DMAR_DRHD 0
#define DMAR_RMRR 1
#define DMAR_ATSR 2
#define DMAR_RHSA 3
#define DMAR_ANDD 4
#define DMAR_SATC 5
#define DMAR_SIDP 6

/* DRHD (8.3): Flags, Size, Segment, Register Base Address, then device scopes. */
#define DRHD_FLAGS     4
#define DRHD_SIZE      5
#define DRHD_SEGMENT   6
#define DRHD_BASE      8
#define DRHD_SCOPES    16
#define DRHD_SIZE_MASK 0x0F /* bits 3:0: the register set spans 2^N 4 KiB pages */
/* RMRR (8.4): Reserved, Segment, Base, Limit, then device scopes. */
#define RMRR_SEGMENT   6
#define RMRR_BASE      8
#define RMRR_LIMIT     16
#define RMRR_SCOPES    24
/* ATSR (8.5): Flags, Reserved, Segment, then device scopes. */
#define ATSR_MIN_LEN   8

/* Device Scope structure (8.3.1, Table 8-5). */
#define SCOPE_TYPE	 0
#define SCOPE_LENGTH	 1
#define SCOPE_ENUM_ID	 4
#define SCOPE_START_BUS	 5
#define SCOPE_PATH	 6
#define SCOPE_MIN_LEN	 8 /* header plus at least one (device, function) path entry */
#define SCOPE_TYPE_FIRST 1 /* PCI endpoint */
#define SCOPE_TYPE_LAST	 5 /* ACPI namespace device */

static void dmar_bad(struct acpi_info *info, size_t off, unsigned int type, unsigned int len,
		     const char *why)
{
	info->dmar_bad_entries++;
	pr_warn("ACPI: DMAR structure at offset %zu (type %u, length %u) %s\n", off, type, len,
		why);
}

static void scope_bad(struct acpi_info *info, size_t off, unsigned int type, unsigned int len,
		      const char *why)
{
	info->dmar_bad_entries++;
	pr_warn("ACPI: DMAR structure at offset %zu: device scope (type %u, length %u) %s\n", off,
		type, len, why);
}

/*
 * Decodes the device scopes in s[start, end) into out. off is the structure's offset in
 * the table, for messages only. Malformed scopes are counted in dmar_bad_entries.
 */
static void parse_scopes(struct acpi_info *info, size_t off, const u8 *s, size_t start, size_t end,
			 struct acpi_dev_scope *out, size_t *count, size_t *dropped)
{
	size_t pos = start;

	while (pos < end) {
		struct acpi_dev_scope sc = {0};
		size_t room = end - pos, i;
		u8 len;

		if (room < 2) {
			scope_bad(info, off, read_le8(s, pos), 0, "is cut off");
			return;
		}
		len = read_le8(s, pos + SCOPE_LENGTH);
		if (len < SCOPE_MIN_LEN || len > room) {
			/* Cannot step over it safely: the scopes after it are lost too. */
			scope_bad(info, off, read_le8(s, pos), len,
				  "has a bad length, rest ignored");
			return;
		}
		sc.type = read_le8(s, pos + SCOPE_TYPE);
		sc.enum_id = read_le8(s, pos + SCOPE_ENUM_ID);
		sc.bus = read_le8(s, pos + SCOPE_START_BUS);
		sc.path_len = (len - SCOPE_PATH) / 2;
		for (i = 0; i < sc.path_len; i++) {
			sc.dev = read_le8(s, pos + SCOPE_PATH + 2 * i);
			sc.func = read_le8(s, pos + SCOPE_PATH + 2 * i + 1);
			if (sc.dev > 31 || sc.func > 7)
				break;
		}
		pos += len;

		if (sc.type < SCOPE_TYPE_FIRST || sc.type > SCOPE_TYPE_LAST ||
		    (len - SCOPE_PATH) % 2 != 0 || i < sc.path_len) {
			scope_bad(info, off, sc.type, len, "is invalid");
			continue;
		}
		if (*count >= ACPI_MAX_SCOPES) {
			(*dropped)++;
			continue;
		}
		out[(*count)++] = sc;
	}
}

static void parse_drhd(struct acpi_info *info, size_t off, const u8 *s, u16 len)
{
	struct acpi_drhd *d;
	paddr_t base;

	if (len < DRHD_SCOPES) {
		dmar_bad(info, off, DMAR_DRHD, len, "is too short for a DRHD");
		return;
	}
	base = read_le64(s, DRHD_BASE);
	/* The register set is page aligned (8.3: Register Base Address). */
	if (base == 0 || (base & 0xFFF) != 0) {
		dmar_bad(info, off, DMAR_DRHD, len, "has an invalid register base");
		return;
	}
	if (info->drhd_count >= ACPI_MAX_DRHD) {
		pr_warn("ACPI: too many DMAR units, ignoring the one at 0x%llx\n",
			(unsigned long long)base);
		return;
	}
	d = &info->drhds[info->drhd_count++];
	memset(d, 0, sizeof(*d));
	d->base = base;
	d->segment = read_le16(s, DRHD_SEGMENT);
	d->flags = read_le8(s, DRHD_FLAGS);
	d->size = read_le8(s, DRHD_SIZE) & DRHD_SIZE_MASK;
	parse_scopes(info, off, s, DRHD_SCOPES, len, d->scopes, &d->scope_count,
		     &d->scopes_dropped);
}

static void parse_rmrr(struct acpi_info *info, size_t off, const u8 *s, u16 len)
{
	struct acpi_rmrr *r;
	paddr_t base, limit;

	if (len < RMRR_SCOPES) {
		dmar_bad(info, off, DMAR_RMRR, len, "is too short for an RMRR");
		return;
	}
	base = read_le64(s, RMRR_BASE);
	limit = read_le64(s, RMRR_LIMIT);
	if (base > limit) {
		dmar_bad(info, off, DMAR_RMRR, len, "has its limit below its base");
		return;
	}
	if (info->rmrr_count >= ACPI_MAX_RMRR) {
		pr_warn("ACPI: too many RMRRs, ignoring 0x%llx-0x%llx\n", (unsigned long long)base,
			(unsigned long long)limit);
		return;
	}
	r = &info->rmrrs[info->rmrr_count++];
	memset(r, 0, sizeof(*r));
	r->base = base;
	r->limit = limit;
	r->segment = read_le16(s, RMRR_SEGMENT);
	parse_scopes(info, off, s, RMRR_SCOPES, len, r->scopes, &r->scope_count,
		     &r->scopes_dropped);
}

int acpi_parse_dmar(const u8 *tbl, u32 len, struct acpi_info *info, const char **problem)
{
	size_t off = DMAR_STRUCTS;

	if (len < ACPI_DMAR_MIN_LEN) {
		*problem = "too short for a DMAR";
		return -EINVAL;
	}
	info->have_dmar = true;
	info->dmar_haw = read_le8(tbl, DMAR_HAW);
	info->dmar_flags = read_le8(tbl, DMAR_FLAGS);

	while (off < len) {
		size_t room = len - off;
		u16 type, slen;

		if (room < DMAR_SHDR_SIZE) {
			info->dmar_bad_entries++;
			pr_warn("ACPI: DMAR has %zu stray bytes at offset %zu\n", room, off);
			break;
		}
		type = read_le16(tbl, off);
		slen = read_le16(tbl, off + 2);
		if (slen < DMAR_SHDR_SIZE) {
			/* A zero length would never advance: stop rather than loop. */
			dmar_bad(info, off, type, slen, "has an impossible length, rest ignored");
			break;
		}
		if (slen > room) {
			dmar_bad(info, off, type, slen, "runs past the table end");
			break;
		}

		switch (type) {
		case DMAR_DRHD:
			parse_drhd(info, off, tbl + off, slen);
			break;
		case DMAR_RMRR:
			parse_rmrr(info, off, tbl + off, slen);
			break;
		case DMAR_ATSR:
			if (slen < ATSR_MIN_LEN)
				dmar_bad(info, off, type, slen, "is too short for an ATSR");
			else
				info->atsr_count++;
			break;
		case DMAR_RHSA:
		case DMAR_ANDD:
		case DMAR_SATC:
		case DMAR_SIDP:
			/* Known, and not needed to set up remapping. */
			break;
		default:
			dmar_bad(info, off, type, slen, "has an unknown type");
			break;
		}
		off += slen;
	}
	return 0;
}
