/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reads of little-endian fields at any alignment, for parsers of data the hypervisor
 * does not lay out itself (firmware tables, boot information, guest images). x86 is
 * little-endian like all of those formats; memcpy keeps the compiler from assuming
 * alignment.
 */
#ifndef BULKHEAD_UNALIGNED_H
#define BULKHEAD_UNALIGNED_H

#include <bulkhead/string.h>
#include <bulkhead/types.h>

static inline u8 read_le8(const u8 *base, size_t off)
{
	return base[off];
}

static inline u16 read_le16(const u8 *base, size_t off)
{
	u16 v;

	memcpy(&v, base + off, sizeof(v));
	return v;
}

static inline u32 read_le32(const u8 *base, size_t off)
{
	u32 v;

	memcpy(&v, base + off, sizeof(v));
	return v;
}

static inline u64 read_le64(const u8 *base, size_t off)
{
	u64 v;

	memcpy(&v, base + off, sizeof(v));
	return v;
}

#endif
