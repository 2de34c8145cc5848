/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PC's ISA devices at their architectural ports (the same on every PC, so not in
 * ACPI): the two 8259A PICs (Intel 8259A data sheet), the 8254 PIT (Intel 8254 data
 * sheet) with its channel 2 gate at port 0x61, and the MC146818 CMOS RTC (index 0x70,
 * data 0x71).
 */
#ifndef TESTGUEST_ISA_H
#define TESTGUEST_ISA_H

#include "arch.h"

#define PIC_MASTER_CMD	0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD	0xa0
#define PIC_SLAVE_DATA	0xa1
#define PIC_CASCADE_IRQ 2

#define PIT_HZ		 1193182
#define PIT_CH0		 0x40
#define PIT_CH2		 0x42
#define PIT_MODE	 0x43
#define PORT_61		 0x61
#define PORT_61_GATE2	 BIT(0)
#define PORT_61_SPEAKER	 BIT(1)
#define PORT_61_OUT2	 BIT(5)
#define PIT_BIOS_DIVISOR 0 /* 65536: 18.2 Hz, what a BIOS leaves */

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71

/*
 * ICW1-ICW4 (edge, cascade, 8086 mode, normal EOI), vectors master_base/slave_base,
 * slave on IRQ 2, then the masks (OCW1). The register read through OCW3 is left at IRR.
 */
void pic_init(u8 master_base, u8 slave_base, u8 master_mask, u8 slave_mask);
void pic_set_masks(u8 master, u8 slave);
u8 pic_master_mask(void);
/* OCW3 reads of the master's ISR and IRR. */
u8 pic_master_isr(void);
u8 pic_master_irr(void);
/* Non-specific EOI (OCW2) to the master. */
void pic_master_eoi(void);

/* Channel 0 in mode 2 (rate generator), divisor 1-65535 (0: 65536). */
void pit_rate_generator(u16 divisor);

u8 cmos_read(u8 index);
void cmos_write(u8 index, u8 value);

#endif
