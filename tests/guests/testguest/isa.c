// SPDX-License-Identifier: BSD-3-Clause
#include "isa.h"

#define ICW1_INIT_ICW4	0x11 /* ICW1, edge triggered, cascade, ICW4 follows */
#define ICW4_8086	0x01
#define OCW2_EOI	0x20 /* non-specific EOI */
#define OCW3_READ_IRR	0x0a
#define OCW3_READ_ISR	0x0b
#define PIT_CH0_LOHI_M2 0x34 /* channel 0, low then high byte, mode 2, binary */

void pic_init(u8 master_base, u8 slave_base, u8 master_mask, u8 slave_mask)
{
	outb(PIC_MASTER_CMD, ICW1_INIT_ICW4);
	outb(PIC_SLAVE_CMD, ICW1_INIT_ICW4);
	outb(PIC_MASTER_DATA, master_base);
	outb(PIC_SLAVE_DATA, slave_base);
	outb(PIC_MASTER_DATA, 1 << PIC_CASCADE_IRQ); /* ICW3: a slave on IRQ 2 */
	outb(PIC_SLAVE_DATA, PIC_CASCADE_IRQ);	     /* ICW3: the slave's ID */
	outb(PIC_MASTER_DATA, ICW4_8086);
	outb(PIC_SLAVE_DATA, ICW4_8086);
	pic_set_masks(master_mask, slave_mask);
	outb(PIC_MASTER_CMD, OCW3_READ_IRR);
	outb(PIC_SLAVE_CMD, OCW3_READ_IRR);
}

void pic_set_masks(u8 master, u8 slave)
{
	outb(PIC_MASTER_DATA, master);
	outb(PIC_SLAVE_DATA, slave);
}

u8 pic_master_mask(void)
{
	return inb(PIC_MASTER_DATA);
}

u8 pic_master_isr(void)
{
	u8 isr;

	outb(PIC_MASTER_CMD, OCW3_READ_ISR);
	isr = inb(PIC_MASTER_CMD);
	outb(PIC_MASTER_CMD, OCW3_READ_IRR);
	return isr;
}

u8 pic_master_irr(void)
{
	outb(PIC_MASTER_CMD, OCW3_READ_IRR);
	return inb(PIC_MASTER_CMD);
}

void pic_master_eoi(void)
{
	outb(PIC_MASTER_CMD, OCW2_EOI);
}

void pit_rate_generator(u16 divisor)
{
	outb(PIT_MODE, PIT_CH0_LOHI_M2);
	outb(PIT_CH0, (u8)divisor);
	outb(PIT_CH0, (u8)(divisor >> 8));
}

u8 cmos_read(u8 index)
{
	outb(CMOS_INDEX, index);
	return inb(CMOS_DATA);
}

void cmos_write(u8 index, u8 value)
{
	outb(CMOS_INDEX, index);
	outb(CMOS_DATA, value);
}
