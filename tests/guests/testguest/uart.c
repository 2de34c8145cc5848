// SPDX-License-Identifier: BSD-3-Clause
#include "uart.h"

#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define FCR_ENABLE	0x01
#define FCR_CLEAR	0x06 /* receive and transmit FIFO */
#define MCR_DTR_RTS	0x03
#define DIVISOR_115K	1
#define THRE_SPIN_LIMIT 1000000

void uart_init(u16 base)
{
	outb(base + UART_IER, 0);
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DLL, DIVISOR_115K & 0xff);
	outb(base + UART_DLM, DIVISOR_115K >> 8);
	outb(base + UART_LCR, LCR_8N1);
	outb(base + UART_FCR, FCR_ENABLE | FCR_CLEAR);
	outb(base + UART_MCR, MCR_DTR_RTS);
}

bool uart_putc(u16 base, u8 c)
{
	unsigned int spin = 0;
	bool empty;

	while (!(empty = inb(base + UART_LSR) & LSR_THRE) && spin++ < THRE_SPIN_LIMIT)
		cpu_pause();
	outb(base + UART_THR, c);
	return empty;
}

void uart_flush(u16 base)
{
	unsigned int spin = 0;

	while (!(inb(base + UART_LSR) & LSR_TEMT) && spin++ < THRE_SPIN_LIMIT)
		cpu_pause();
}
