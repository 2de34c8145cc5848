/* SPDX-License-Identifier: BSD-3-Clause */
/* Port and MMIO access. Host unit tests replace this header with recording fakes. */
#ifndef ASM_IO_H
#define ASM_IO_H

#include <bulkhead/types.h>

static inline void pio_write8(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void pio_write16(u16 port, u16 v)
{
	__asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void pio_write32(u16 port, u32 v)
{
	__asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline u8 pio_read8(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 pio_read16(u16 port)
{
	u16 v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 pio_read32(u16 port)
{
	u32 v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 mmio_read32(volatile void *addr)
{
	return *(volatile u32 *)addr;
}

static inline void mmio_write32(volatile void *addr, u32 v)
{
	*(volatile u32 *)addr = v;
}

#endif
