/* SPDX-License-Identifier: BSD-3-Clause */
/* Host replacement for asm/io.h: port accesses go to fake_hw.c, which records them. */
#ifndef ASM_IO_H
#define ASM_IO_H

#include <bulkhead/types.h>

void pio_write8(u16 port, u8 v);
void pio_write16(u16 port, u16 v);
void pio_write32(u16 port, u32 v);
u8 pio_read8(u16 port);
u16 pio_read16(u16 port);
u32 pio_read32(u16 port);

static inline u32 mmio_read32(volatile void *addr)
{
	return *(volatile u32 *)addr;
}

static inline void mmio_write32(volatile void *addr, u32 v)
{
	*(volatile u32 *)addr = v;
}

#endif
