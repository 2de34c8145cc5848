// SPDX-License-Identifier: BSD-3-Clause
/*
 * The physical PCI configuration space through configuration mechanism #1 (PCI Local Bus
 * 3.0, 3.2.2.3.2): a dword address written to 0xcf8 (enable bit 31, bus, device, function,
 * register dword), then the data at 0xcfc plus the byte offset. The address and data
 * accesses are a pair, so one lock covers both; every CPU goes through here. Also the
 * port accesses of device models that forward to a device (arch_pio_read/write).
 */
#include <bulkhead/arch.h>
#include <bulkhead/pci.h>
#include <bulkhead/spinlock.h>
#include <asm/io.h>

#define CF8_ADDRESS 0xcf8
#define CFC_DATA    0xcfc
#define CF8_ENABLE  (1U << 31)

static spinlock_t cfg_lock = SPINLOCK_INIT;

static u32 address_of(u16 bdf, u32 offset)
{
	return CF8_ENABLE | (u32)bdf << 8 | (offset & 0xfc);
}

static bool valid(u32 offset, u32 size)
{
	return (size == 1 || size == 2 || size == 4) && offset < PCI_CFG_SIZE &&
	       (offset & 3) + size <= 4;
}

u32 pci_cfg_read(u16 bdf, u32 offset, u32 size)
{
	u16 port = (u16)(CFC_DATA + (offset & 3));
	u64 flags;
	u32 value;

	if (!valid(offset, size))
		return ~0U;
	flags = spin_lock_irqsave(&cfg_lock);
	pio_write32(CF8_ADDRESS, address_of(bdf, offset));
	if (size == 1)
		value = pio_read8(port);
	else if (size == 2)
		value = pio_read16(port);
	else
		value = pio_read32(port);
	spin_unlock_irqrestore(&cfg_lock, flags);
	return value;
}

void pci_cfg_write(u16 bdf, u32 offset, u32 size, u32 value)
{
	u16 port = (u16)(CFC_DATA + (offset & 3));
	u64 flags;

	if (!valid(offset, size))
		return;
	flags = spin_lock_irqsave(&cfg_lock);
	pio_write32(CF8_ADDRESS, address_of(bdf, offset));
	if (size == 1)
		pio_write8(port, (u8)value);
	else if (size == 2)
		pio_write16(port, (u16)value);
	else
		pio_write32(port, value);
	spin_unlock_irqrestore(&cfg_lock, flags);
}

u32 arch_pio_read(u16 port, u32 size)
{
	if (size == 1)
		return pio_read8(port);
	if (size == 2)
		return pio_read16(port);
	return pio_read32(port);
}

void arch_pio_write(u16 port, u32 size, u32 value)
{
	if (size == 1)
		pio_write8(port, (u8)value);
	else if (size == 2)
		pio_write16(port, (u16)value);
	else
		pio_write32(port, value);
}
