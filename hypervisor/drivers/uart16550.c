// SPDX-License-Identifier: BSD-3-Clause
/* 16550-compatible UART on I/O ports (PC16550D data sheet register map). */
#include <bulkhead/console.h>
#include <bulkhead/errno.h>
#include <asm/io.h>

#define UART_THR 0 /* transmit holding (write), DLAB=0 */
#define UART_RBR 0 /* receive buffer (read), DLAB=0 */
#define UART_DLL 0 /* divisor latch low, DLAB=1 */
#define UART_IER 1
#define UART_DLM 1 /* divisor latch high, DLAB=1 */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LCR_8N1	    0x03
#define LCR_DLAB    0x80
#define FCR_ENABLE  0x01
#define FCR_CLEAR   0x06
#define MCR_DTR_RTS 0x03
#define MCR_OUT2    0x08
#define LSR_DR	    0x01
#define LSR_THRE    0x20
#define UART_CLOCK  115200 /* 1.8432 MHz / 16 */
#define TX_SPIN_MAX 100000

int uart16550_init(struct uart16550 *uart, u16 base, u32 baud)
{
	u32 divisor;

	uart->base = base;
	uart->baud = baud;
	uart->present = false;
	if (baud == 0 || baud > UART_CLOCK)
		return -EINVAL;

	/* A port with no UART behind it reads back 0xff: probe the scratch register. */
	pio_write8(base + UART_SCR, 0x5a);
	if (pio_read8(base + UART_SCR) != 0x5a)
		return -ENODEV;

	divisor = UART_CLOCK / baud;
	pio_write8(base + UART_IER, 0);
	pio_write8(base + UART_LCR, LCR_DLAB);
	pio_write8(base + UART_DLL, divisor & 0xff);
	pio_write8(base + UART_DLM, (divisor >> 8) & 0xff);
	pio_write8(base + UART_LCR, LCR_8N1);
	pio_write8(base + UART_FCR, FCR_ENABLE | FCR_CLEAR);
	pio_write8(base + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
	uart->present = true;
	return 0;
}

void uart16550_putc(struct uart16550 *uart, char c)
{
	/* Bounded wait: a wedged UART must not hang the hypervisor. */
	for (int i = 0; i < TX_SPIN_MAX; i++)
		if (pio_read8(uart->base + UART_LSR) & LSR_THRE)
			break;
	pio_write8(uart->base + UART_THR, (u8)c);
}

int uart16550_getc(struct uart16550 *uart)
{
	if (!(pio_read8(uart->base + UART_LSR) & LSR_DR))
		return -1;
	return pio_read8(uart->base + UART_RBR);
}
