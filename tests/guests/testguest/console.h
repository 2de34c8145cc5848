/* SPDX-License-Identifier: BSD-3-Clause */
/* Polled 16550 on COM1 and a small printf; every line carries the "testguest: " prefix. */
#ifndef TESTGUEST_CONSOLE_H
#define TESTGUEST_CONSOLE_H

#include <stdarg.h>
#include "arch.h"

#define COM1_BASE    0x3f8
#define COM1_SCRATCH (COM1_BASE + 7)

void console_init(void);

/* Prints "testguest: " + the formatted text + "\n" as one line. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vsay(const char *fmt, va_list ap);

/* %s %d %i %u %x %X %c %p %%, flags '0' and '-', a width, length l, ll or z. */
int tg_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int tg_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
