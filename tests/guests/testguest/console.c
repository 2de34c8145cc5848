// SPDX-License-Identifier: BSD-3-Clause
/*
 * COM1 console: 8N1, 115200 baud, FIFO on, transmit polled (LSR.THRE before each byte,
 * PC16550D data sheet). Output only; the guest never reads the serial port.
 */
#include "console.h"
#include "lib.h"

#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define FCR_ENABLE	0x01
#define FCR_CLEAR	0x06
#define MCR_DTR_RTS	0x03
#define LSR_THRE	0x20
#define DIVISOR_115K	1
/* A UART that never reports THRE must not hang the guest: give up waiting after this. */
#define THRE_SPIN_LIMIT 1000000

#define LINE_MAX    768
#define LINE_PREFIX "testguest: "

void console_init(void)
{
	outb(COM1_BASE + UART_IER, 0);
	outb(COM1_BASE + UART_LCR, LCR_DLAB);
	outb(COM1_BASE + UART_DLL, DIVISOR_115K & 0xff);
	outb(COM1_BASE + UART_DLM, DIVISOR_115K >> 8);
	outb(COM1_BASE + UART_LCR, LCR_8N1);
	outb(COM1_BASE + UART_FCR, FCR_ENABLE | FCR_CLEAR);
	outb(COM1_BASE + UART_MCR, MCR_DTR_RTS);
}

static void uart_putc(char c)
{
	unsigned int spin = 0;

	while (!(inb(COM1_BASE + UART_LSR) & LSR_THRE) && spin++ < THRE_SPIN_LIMIT)
		cpu_pause();
	outb(COM1_BASE + UART_THR, (u8)c);
}

void vsay(const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	const char *p;

	tg_vsnprintf(line, sizeof(line), fmt, ap);
	for (p = LINE_PREFIX; *p; p++)
		uart_putc(*p);
	for (p = line; *p; p++)
		uart_putc(*p);
	uart_putc('\n');
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
