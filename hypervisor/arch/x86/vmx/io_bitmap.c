// SPDX-License-Identifier: BSD-3-Clause
#include <bulkhead/string.h>
#include <asm/vmx_io_bitmap.h>

#define PORTS 0x10000U

void io_bitmap_build(u8 bitmap[IO_BITMAP_SIZE], const struct port_range *passthrough, u32 count)
{
	memset(bitmap, 0xff, IO_BITMAP_SIZE);
	for (u32 i = 0; i < count; i++) {
		u32 end = passthrough[i].base + passthrough[i].size;

		for (u32 port = passthrough[i].base; port < end && port < PORTS; port++)
			bitmap[port / 8] &= (u8) ~(1U << (port % 8));
	}
}

bool io_bitmap_exits(const u8 bitmap[IO_BITMAP_SIZE], u32 port, u32 size)
{
	if (port >= PORTS || port + size > PORTS)
		return true;
	for (u32 p = port; p < port + size; p++)
		if ((bitmap[p / 8] >> (p % 8)) & 1)
			return true;
	return false;
}
