/* SPDX-License-Identifier: BSD-3-Clause */
/* The hypervisor console: where log output goes and the debug shell reads. */
#ifndef BULKHEAD_CONSOLE_H
#define BULKHEAD_CONSOLE_H

#include <bulkhead/types.h>

struct uart16550 {
	u16 base; /* I/O port base */
	u32 baud;
	bool present; /* the scratch register test passed */
};

/* Programs 8N1 at the given baud with FIFOs; returns 0 or -ENODEV if nothing answers. */
int uart16550_init(struct uart16550 *uart, u16 base, u32 baud);
void uart16550_putc(struct uart16550 *uart, char c);
/* Returns the received byte or -1 when none is waiting. */
int uart16550_getc(struct uart16550 *uart);

int console_init(void);
/* Writes text; "\n" becomes "\r\n". Safe to call before console_init (drops output). */
void console_write(const char *text, size_t len);
/* Whether the console can receive (a UART answered at console_init). */
bool console_has_input(void);
/* The next received byte, or -1 when none is waiting (or there is no console UART). */
int console_getc(void);

#endif
