// SPDX-License-Identifier: BSD-3-Clause
/*
 * The legacy 8259A PIC pair. The BIOS leaves the master on vectors 0x08-0x0f, on top of
 * the CPU exception vectors, so a PIT tick would look like a double fault. The
 * hypervisor uses the local APIC only: remap both PICs above the exceptions (so a
 * spurious IRQ 7/15 cannot alias an exception) and mask every line.
 */
#include <asm/io.h>
#include <asm/pic.h>

#define PIC_MASTER_CMD	0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD	0xa0
#define PIC_SLAVE_DATA	0xa1
#define ICW1_INIT_ICW4	0x11
#define ICW4_8086	0x01

void i8259_disable(void)
{
	pio_write8(PIC_MASTER_CMD, ICW1_INIT_ICW4);
	pio_write8(PIC_SLAVE_CMD, ICW1_INIT_ICW4);
	pio_write8(PIC_MASTER_DATA, PIC_REMAP_BASE); /* ICW2: vector base */
	pio_write8(PIC_SLAVE_DATA, PIC_REMAP_BASE + 8);
	pio_write8(PIC_MASTER_DATA, 1 << 2); /* ICW3: slave on IRQ2 */
	pio_write8(PIC_SLAVE_DATA, 2);	     /* ICW3: slave identity */
	pio_write8(PIC_MASTER_DATA, ICW4_8086);
	pio_write8(PIC_SLAVE_DATA, ICW4_8086);
	pio_write8(PIC_MASTER_DATA, 0xff); /* OCW1: mask all */
	pio_write8(PIC_SLAVE_DATA, 0xff);
}
