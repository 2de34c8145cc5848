/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Polled 16550 (PC16550D data sheet), shared by the console (COM1) and the link test:
 * no interrupts, every wait bounded so that a missing UART cannot hang the guest.
 */
#ifndef TESTGUEST_UART_H
#define TESTGUEST_UART_H

#include "arch.h"

/* Register offsets from the base port (PC16550D Table II). */
#define UART_RBR 0 /* read, DLAB = 0 */
#define UART_THR 0 /* write, DLAB = 0 */
#define UART_DLL 0 /* DLAB = 1 */
#define UART_IER 1 /* DLAB = 0 */
#define UART_DLM 1 /* DLAB = 1 */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LSR_DR	 0x01 /* a received byte waits in RBR */
#define LSR_OE	 0x02 /* overrun: a received byte was lost (cleared by reading LSR) */
#define LSR_THRE 0x20 /* THR empty: the next byte may be written */
#define LSR_TEMT 0x40 /* THR and the shift register empty: everything is out */

/* 8N1, 115200 baud (divisor 1), FIFOs on and cleared, DTR and RTS, interrupts off. */
void uart_init(u16 base);

/*
 * Waits (bounded) for LSR.THRE, then writes c to THR, also when THRE never came.
 * Returns false when it did not come.
 */
bool uart_putc(u16 base, u8 c);

/* Waits (bounded) until everything written has left the UART (LSR.TEMT). */
void uart_flush(u16 base);

#endif
