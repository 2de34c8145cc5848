/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ASM_PIC_H
#define ASM_PIC_H

/* Where the masked 8259s are parked; their spurious IRQs land on 0x27 and 0x2f. */
#define PIC_REMAP_BASE 0x20

void i8259_disable(void);

#endif
