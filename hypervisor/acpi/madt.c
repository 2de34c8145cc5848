// SPDX-License-Identifier: BSD-3-Clause
/*
 * Multiple APIC Description Table (ACPI 6.5, 5.2.12): the processors' local APICs, the
 * IOAPICs, ISA interrupt source overrides and LINT NMI wiring. The interrupt controller
 * structures are a sequence of (type, length, ...) records; a record whose length is
 * too small to advance over, or that runs past the table, ends the walk, since
 * nothing after it can be located reliably.
 */
#include <bulkhead/acpi.h>
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include "acpi_internal.h"

/* Fixed part of the MADT (Table 5.19). */
#define MADT_LAPIC_ADDR 36
#define MADT_FLAGS	40
#define MADT_ENTRIES	44

/* Interrupt Controller Structure types (Table 5.21) and their lengths. */
#define MADT_LAPIC	    0x0 /* 5.2.12.2, 8 bytes */
#define MADT_IOAPIC	    0x1 /* 5.2.12.3, 12 bytes */
#define MADT_ISO	    0x2 /* 5.2.12.5, 10 bytes */
#define MADT_LAPIC_NMI	    0x4 /* 5.2.12.7, 6 bytes */
#define MADT_LAPIC_OVERRIDE 0x5 /* 5.2.12.8, 12 bytes */
#define MADT_X2APIC	    0x9 /* 5.2.12.12, 16 bytes */
#define MADT_X2APIC_NMI	    0xA /* 5.2.12.13, 12 bytes */

/* Local APIC Flags (Table 5.23). */
#define LAPIC_ENABLED		BIT(0)
#define LAPIC_ONLINE_CAPABLE	BIT(1)
/* Online Capable was defined in MADT revision 5 (ACPI 6.3); before, bit 1 is reserved. */
#define MADT_REV_ONLINE_CAPABLE 5

/* Placeholder IDs meaning "no processor here" (xAPIC) or "broadcast" (x2APIC). */
#define XAPIC_ID_NONE  0xFFU
#define X2APIC_ID_NONE 0xFFFFFFFFU

struct madt_ctx {
	struct acpi_info *info;
	u8 revision;
	bool have_override;
};

static void madt_bad(struct madt_ctx *ctx, size_t off, u8 type, u8 len, const char *why)
{
	ctx->info->madt_bad_entries++;
	pr_warn("ACPI: MADT entry at offset %zu (type %u, length %u) %s\n", off, type, len, why);
}

static void add_cpu(struct madt_ctx *ctx, size_t off, u8 len, u32 apic_id, u32 uid, u32 flags,
		    bool x2apic)
{
	struct acpi_info *info = ctx->info;
	bool enabled = flags & LAPIC_ENABLED;
	bool online = !enabled && (flags & LAPIC_ONLINE_CAPABLE) &&
		      ctx->revision >= MADT_REV_ONLINE_CAPABLE;
	size_t i;

	/* Neither enabled nor online capable: "unusable", the OS must not touch it. */
	if (!enabled && !online)
		return;

	/*
	 * Firmware may describe a processor with both an xAPIC and an x2APIC structure
	 * (5.2.12.12 lets it use either for IDs below 255); it is still one processor.
	 * Two structures of the same kind for one ID is a firmware bug.
	 */
	for (i = 0; i < info->cpu_count; i++) {
		if (info->cpus[i].apic_id != apic_id)
			continue;
		if (info->cpus[i].from_x2apic == x2apic)
			madt_bad(ctx, off, x2apic ? MADT_X2APIC : MADT_LAPIC, len,
				 "repeats an APIC ID");
		return;
	}
	if (info->cpu_count >= ACPI_MAX_CPUS) {
		info->cpus_dropped++;
		return;
	}
	info->cpus[info->cpu_count++] = (struct acpi_cpu){
		.apic_id = apic_id,
		.uid = uid,
		.enabled = enabled,
		.online_capable = online,
		.from_x2apic = x2apic,
	};
}

static void add_ioapic(struct madt_ctx *ctx, size_t off, const u8 *e, u8 len)
{
	struct acpi_info *info = ctx->info;
	u8 id = read_le8(e, 2);
	u32 addr = read_le32(e, 4);

	if (addr == 0) {
		madt_bad(ctx, off, MADT_IOAPIC, len, "has a null address");
		return;
	}
	if (info->ioapic_count >= ACPI_MAX_IOAPICS) {
		pr_warn("ACPI: too many IOAPICs, ignoring id %u\n", id);
		return;
	}
	info->ioapics[info->ioapic_count++] = (struct acpi_ioapic){
		.id = id,
		.addr = addr,
		.gsi_base = read_le32(e, 8),
	};
}

static void add_iso(struct madt_ctx *ctx, const u8 *e)
{
	struct acpi_info *info = ctx->info;

	if (info->iso_count >= ACPI_MAX_ISOS) {
		pr_warn("ACPI: too many interrupt source overrides, ignoring IRQ %u\n",
			read_le8(e, 3));
		return;
	}
	info->isos[info->iso_count++] = (struct acpi_iso){
		.bus = read_le8(e, 2),
		.source = read_le8(e, 3),
		.gsi = read_le32(e, 4),
		.flags = read_le16(e, 8),
	};
}

static void add_nmi(struct madt_ctx *ctx, size_t off, u8 type, u8 len, u32 uid, u16 flags, u8 lint)
{
	struct acpi_info *info = ctx->info;

	/* A local APIC has only LINT0 and LINT1. */
	if (lint > 1) {
		madt_bad(ctx, off, type, len, "names a LINT pin other than 0 or 1");
		return;
	}
	if (info->lapic_nmi_count >= ACPI_MAX_LAPIC_NMIS) {
		pr_warn("ACPI: too many local APIC NMI entries, ignoring uid %u\n", uid);
		return;
	}
	info->lapic_nmis[info->lapic_nmi_count++] = (struct acpi_lapic_nmi){
		.uid = uid,
		.flags = flags,
		.lint = lint,
	};
}

static void lapic_override(struct madt_ctx *ctx, size_t off, const u8 *e, u8 len)
{
	u64 addr = read_le64(e, 4);

	/* 5.2.12.8: only one override may be defined; it replaces the header's address. */
	if (ctx->have_override) {
		madt_bad(ctx, off, MADT_LAPIC_OVERRIDE, len, "is a second address override");
		return;
	}
	if (addr == 0) {
		madt_bad(ctx, off, MADT_LAPIC_OVERRIDE, len, "has a null address");
		return;
	}
	ctx->have_override = true;
	ctx->info->lapic_addr = addr;
}

/* Smallest length of each structure we decode; longer ones are accepted (5.2.12). */
static u8 madt_min_len(u8 type)
{
	switch (type) {
	case MADT_LAPIC:
		return 8;
	case MADT_IOAPIC:
		return 12;
	case MADT_ISO:
		return 10;
	case MADT_LAPIC_NMI:
		return 6;
	case MADT_LAPIC_OVERRIDE:
		return 12;
	case MADT_X2APIC:
		return 16;
	case MADT_X2APIC_NMI:
		return 12;
	default:
		return 0;
	}
}

static void madt_entry(struct madt_ctx *ctx, size_t off, const u8 *e, u8 type, u8 len)
{
	u8 min = madt_min_len(type);

	if (min == 0) {
		/* Types we do not use (NMI sources, SAPIC, GIC, ...) or do not know. */
		ctx->info->madt_bad_entries++;
		pr_debug("ACPI: MADT entry type %u not handled\n", type);
		return;
	}
	if (len < min) {
		madt_bad(ctx, off, type, len, "is too short for its type");
		return;
	}

	switch (type) {
	case MADT_LAPIC:
		/* APIC ID 0xFF marks an unpopulated slot in some firmware. */
		if (read_le8(e, 3) != XAPIC_ID_NONE)
			add_cpu(ctx, off, len, read_le8(e, 3), read_le8(e, 2), read_le32(e, 4),
				false);
		break;
	case MADT_IOAPIC:
		add_ioapic(ctx, off, e, len);
		break;
	case MADT_ISO:
		add_iso(ctx, e);
		break;
	case MADT_LAPIC_NMI:
		add_nmi(ctx, off, type, len, read_le8(e, 2), read_le16(e, 3), read_le8(e, 5));
		break;
	case MADT_LAPIC_OVERRIDE:
		lapic_override(ctx, off, e, len);
		break;
	case MADT_X2APIC:
		if (read_le32(e, 4) != X2APIC_ID_NONE)
			add_cpu(ctx, off, len, read_le32(e, 4), read_le32(e, 12), read_le32(e, 8),
				true);
		break;
	case MADT_X2APIC_NMI:
		add_nmi(ctx, off, type, len, read_le32(e, 4), read_le16(e, 2), read_le8(e, 8));
		break;
	}
}

int acpi_parse_madt(const u8 *tbl, u32 len, u8 revision, struct acpi_info *info,
		    const char **problem)
{
	struct madt_ctx ctx = {.info = info, .revision = revision};
	size_t off = MADT_ENTRIES;

	if (len < ACPI_MADT_MIN_LEN) {
		*problem = "too short for a MADT";
		return -EINVAL;
	}
	info->have_madt = true;
	info->lapic_addr = read_le32(tbl, MADT_LAPIC_ADDR);
	info->madt_flags = read_le32(tbl, MADT_FLAGS);

	while (off < len) {
		size_t room = len - off;
		u8 type, elen;

		if (room < 2) {
			info->madt_bad_entries++;
			pr_warn("ACPI: MADT has %zu stray bytes at offset %zu\n", room, off);
			break;
		}
		type = read_le8(tbl, off);
		elen = read_le8(tbl, off + 1);
		if (elen < 2) {
			/* A zero length would never advance: stop rather than loop. */
			madt_bad(&ctx, off, type, elen, "has an impossible length, rest ignored");
			break;
		}
		if (elen > room) {
			madt_bad(&ctx, off, type, elen, "runs past the table end");
			break;
		}
		madt_entry(&ctx, off, tbl + off, type, elen);
		off += elen;
	}
	return 0;
}
