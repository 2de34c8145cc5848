/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VMX I/O bitmaps (SDM Vol 3C 25.6.4): bitmap A covers ports 0-0x7fff, bitmap B
 * 0x8000-0xffff, one bit per port; a set bit makes the access exit. Kept as one 8 KiB
 * array: A then B. An access exits if any of the ports it touches has its bit set,
 * and one that wraps past 0xffff always exits.
 */
#ifndef ASM_VMX_IO_BITMAP_H
#define ASM_VMX_IO_BITMAP_H

#include <bulkhead/types.h>

#define IO_BITMAP_SIZE 8192

struct port_range {
	u16 base;
	u32 size;
};

/* Every port exits except those in passthrough[] (ports of devices the VM owns). */
void io_bitmap_build(u8 bitmap[IO_BITMAP_SIZE], const struct port_range *passthrough, u32 count);
bool io_bitmap_exits(const u8 bitmap[IO_BITMAP_SIZE], u32 port, u32 size);

#endif
