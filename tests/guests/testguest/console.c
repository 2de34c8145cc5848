// SPDX-License-Identifier: BSD-3-Clause
/*
 * COM1 console: 8N1, 115200 baud, FIFO on, transmit polled (LSR.THRE before each byte,
 * uart.h). Output only; the guest never reads COM1.
 */
#include "console.h"
#include "lib.h"
#include "uart.h"

#define LINE_MAX    768
#define LINE_PREFIX "testguest: "

void console_init(void)
{
	uart_init(COM1_BASE);
}

void vsay(const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	const char *p;

	tg_vsnprintf(line, sizeof(line), fmt, ap);
	for (p = LINE_PREFIX; *p; p++)
		uart_putc(COM1_BASE, (u8)*p);
	for (p = line; *p; p++)
		uart_putc(COM1_BASE, (u8)*p);
	uart_putc(COM1_BASE, '\n');
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

struct sink {
	char *buf;
	size_t size;
	size_t len;
};

static void sink_put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void sink_pad(struct sink *s, char c, int count)
{
	while (count-- > 0)
		sink_put(s, c);
}

struct spec {
	bool zero_pad;
	bool left;
	int width;
};

static void sink_str(struct sink *s, const char *str, const struct spec *sp)
{
	int len = (int)tg_strlen(str);

	if (!sp->left)
		sink_pad(s, ' ', sp->width - len);
	while (*str)
		sink_put(s, *str++);
	if (sp->left)
		sink_pad(s, ' ', sp->width - len);
}

static void sink_num(struct sink *s, u64 value, unsigned int base, bool negative, bool upper,
		     const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = digits[value % base];
		value /= base;
	} while (value);
	len = n + (negative ? 1 : 0);
	if (sp->left) {
		if (negative)
			sink_put(s, '-');
		while (n)
			sink_put(s, tmp[--n]);
		sink_pad(s, ' ', sp->width - len);
		return;
	}
	if (sp->zero_pad) {
		if (negative)
			sink_put(s, '-');
		sink_pad(s, '0', sp->width - len);
	} else {
		sink_pad(s, ' ', sp->width - len);
		if (negative)
			sink_put(s, '-');
	}
	while (n)
		sink_put(s, tmp[--n]);
}

int tg_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {.buf = buf, .size = size, .len = 0};

	for (; *fmt; fmt++) {
		struct spec sp = {0};
		int longs = 0;
		u64 u;
		s64 d;

		if (*fmt != '%') {
			sink_put(&s, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				sp.zero_pad = true;
			else if (*fmt == '-')
				sp.left = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp.width = sp.width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			d = longs ? va_arg(ap, s64) : va_arg(ap, int);
			sink_num(&s, d < 0 ? -(u64)d : (u64)d, 10, d < 0, false, &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = longs ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			sink_num(&s, u, *fmt == 'u' ? 10 : 16, false, *fmt == 'X', &sp);
			break;
		case 'p':
			sink_put(&s, '0');
			sink_put(&s, 'x');
			sink_num(&s, (u64)(size_t)va_arg(ap, void *), 16, false, false, &sp);
			break;
		case 'c':
			sink_pad(&s, ' ', sp.left ? 0 : sp.width - 1);
			sink_put(&s, (char)va_arg(ap, int));
			sink_pad(&s, ' ', sp.left ? sp.width - 1 : 0);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			sink_str(&s, str ? str : "(null)", &sp);
			break;
		}
		case '%':
			sink_put(&s, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			sink_put(&s, '%');
			sink_put(&s, *fmt);
			break;
		}
	}
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int tg_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tg_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
