// SPDX-License-Identifier: BSD-3-Clause
/* The hypervisor console on a 16550 serial port (CONFIG_SERIAL_PIO_BASE): output and input. */
#include <bulkhead/console.h>
#include <bulkhead/errno.h>

#ifdef CONFIG_SERIAL_CONSOLE
static struct uart16550 console_uart;

int console_init(void)
{
	return uart16550_init(&console_uart, CONFIG_SERIAL_PIO_BASE, CONFIG_SERIAL_BAUD);
}

void console_write(const char *text, size_t len)
{
	if (!console_uart.present)
		return;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			uart16550_putc(&console_uart, '\r');
		uart16550_putc(&console_uart, text[i]);
	}
}

bool console_has_input(void)
{
	return console_uart.present;
}

int console_getc(void)
{
	return console_uart.present ? uart16550_getc(&console_uart) : -1;
}
#else
int console_init(void)
{
	return 0;
}

void console_write(const char *text, size_t len)
{
}

bool console_has_input(void)
{
	return false;
}

int console_getc(void)
{
	return -1;
}
#endif
