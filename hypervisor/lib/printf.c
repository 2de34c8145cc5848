// SPDX-License-Identifier: BSD-3-Clause
/*
 * Formatted output for the log and the debug shell. No floating point: the hypervisor
 * is built with -mgeneral-regs-only, and nothing it prints needs it.
 */
#include <bulkhead/errno.h>
#include <bulkhead/printf.h>

#define FL_MINUS (1u << 0)
#define FL_PLUS	 (1u << 1)
#define FL_SPACE (1u << 2)
#define FL_ALT	 (1u << 3)
#define FL_ZERO	 (1u << 4)

/* Clamp for widths and precisions, so the int arithmetic cannot overflow; no real format nears it. */
#define FIELD_MAX 1000000

enum length_mod { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

struct out {
	char *buf;
	size_t size;
	size_t pos; /* bytes the full output has so far, stored or not */
};

struct spec {
	unsigned int flags;
	int width;
	int prec; /* -1 when absent */
	char conv;
};

static void out_char(struct out *o, char c)
{
	/* The last byte of buf is kept for the terminator. */
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	while (n--)
		out_char(o, *s++);
}

static void emit_string(struct out *o, const struct spec *sp, const char *s)
{
	size_t len = 0;

	if (!s)
		s = "(null)";
	/* With a precision the argument need not be terminated: never read past it. */
	while ((sp->prec < 0 || len < (size_t)sp->prec) && s[len])
		len++;

	if (!(sp->flags & FL_MINUS) && (size_t)sp->width > len)
		out_repeat(o, ' ', sp->width - (int)len);
	out_mem(o, s, len);
	if ((sp->flags & FL_MINUS) && (size_t)sp->width > len)
		out_repeat(o, ' ', sp->width - (int)len);
}

static void emit_char(struct out *o, const struct spec *sp, char c)
{
	if (!(sp->flags & FL_MINUS))
		out_repeat(o, ' ', sp->width - 1);
	out_char(o, c);
	if (sp->flags & FL_MINUS)
		out_repeat(o, ' ', sp->width - 1);
}

/* C99 7.19.6.1: sign or prefix, then zeros from precision or the 0 flag, then digits. */
static void emit_number(struct out *o, const struct spec *sp, u64 mag, bool negative)
{
	static const char lower[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";
	const char *digits_of = sp->conv == 'X' ? upper : lower;
	char digits[24];
	char prefix[3];
	unsigned int base = 10;
	int ndigits = 0, nprefix = 0, zeros = 0, pad;
	bool is_signed = sp->conv == 'd' || sp->conv == 'i';
	bool is_ptr = sp->conv == 'p';
	bool nonzero = mag != 0;

	if (sp->conv == 'x' || sp->conv == 'X' || is_ptr)
		base = 16;
	else if (sp->conv == 'o')
		base = 8;

	/* A zero precision with a zero value prints no digits at all. */
	if (!(mag == 0 && sp->prec == 0)) {
		do {
			digits[ndigits++] = digits_of[mag % base];
			mag /= base;
		} while (mag);
	}

	if (is_signed) {
		if (negative)
			prefix[nprefix++] = '-';
		else if (sp->flags & FL_PLUS)
			prefix[nprefix++] = '+';
		else if (sp->flags & FL_SPACE)
			prefix[nprefix++] = ' ';
	}
	/* The 0x prefix only for a non-zero value with '#'; %p always carries it. */
	if (is_ptr || (base == 16 && (sp->flags & FL_ALT) && nonzero)) {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = sp->conv == 'X' ? 'X' : 'x';
	}

	if (sp->prec > ndigits)
		zeros = sp->prec - ndigits;
	/* '#' with octal raises the precision just enough for a leading zero. */
	if (base == 8 && (sp->flags & FL_ALT) && zeros == 0 && (ndigits == 0 || nonzero))
		zeros = 1;

	pad = sp->width - nprefix - zeros - ndigits;
	if ((sp->flags & FL_ZERO) && !(sp->flags & FL_MINUS) && sp->prec < 0 && pad > 0) {
		zeros += pad;
		pad = 0;
	}

	if (!(sp->flags & FL_MINUS))
		out_repeat(o, ' ', pad);
	out_mem(o, prefix, nprefix);
	out_repeat(o, '0', zeros);
	while (ndigits)
		out_char(o, digits[--ndigits]);
	if (sp->flags & FL_MINUS)
		out_repeat(o, ' ', pad);
}

static unsigned int parse_flags(const char **fmtp)
{
	const char *f = *fmtp;
	unsigned int flags = 0;

	for (;; f++) {
		switch (*f) {
		case '-':
			flags |= FL_MINUS;
			break;
		case '+':
			flags |= FL_PLUS;
			break;
		case ' ':
			flags |= FL_SPACE;
			break;
		case '#':
			flags |= FL_ALT;
			break;
		case '0':
			flags |= FL_ZERO;
			break;
		default:
			*fmtp = f;
			return flags;
		}
	}
}

static int parse_field(const char **fmtp)
{
	const char *f = *fmtp;
	int v = 0;

	while (*f >= '0' && *f <= '9') {
		if (v < FIELD_MAX)
			v = v * 10 + (*f - '0');
		f++;
	}
	*fmtp = f;
	return v < FIELD_MAX ? v : FIELD_MAX;
}

static enum length_mod parse_length(const char **fmtp)
{
	const char *f = *fmtp;
	enum length_mod len = LEN_NONE;

	switch (*f) {
	case 'h':
		len = f[1] == 'h' ? LEN_HH : LEN_H;
		break;
	case 'l':
		len = f[1] == 'l' ? LEN_LL : LEN_L;
		break;
	case 'z':
		len = LEN_Z;
		break;
	case 't':
		len = LEN_T;
		break;
	case 'j':
		len = LEN_J;
		break;
	default:
		return LEN_NONE;
	}
	*fmtp = f + ((len == LEN_HH || len == LEN_LL) ? 2 : 1);
	return len;
}

/*
 * Arguments are fetched at their promoted type and then narrowed, so that %hhd of 300
 * prints 44 as C requires.
 */
static s64 fetch_signed(va_list *ap, enum length_mod len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		/* The signed type matching size_t: same width, so reinterpret. */
		if (sizeof(size_t) == sizeof(s64))
			return (s64)va_arg(*ap, size_t);
		return (s32)va_arg(*ap, size_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static u64 fetch_unsigned(va_list *ap, enum length_mod len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_T:
		/* The unsigned type matching ptrdiff_t has its width. */
		if (sizeof(ptrdiff_t) == sizeof(u64))
			return (u64)va_arg(*ap, ptrdiff_t);
		return (u32)va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = {.buf = buf, .size = buf ? size : 0, .pos = 0};
	va_list ap;

	/* A va_list parameter may be an array type: copy it so helpers can take its address. */
	va_copy(ap, ap_in);
	while (*fmt) {
		const char *start = fmt;
		struct spec sp = {.flags = 0, .width = 0, .prec = -1, .conv = 0};
		enum length_mod len;

		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt++;

		sp.flags = parse_flags(&fmt);

		if (*fmt == '*') {
			int w = va_arg(ap, int);

			/* A negative width argument is a '-' flag and a positive width. */
			if (w < 0) {
				sp.flags |= FL_MINUS;
				w = w < -FIELD_MAX ? FIELD_MAX : -w;
			}
			sp.width = w < FIELD_MAX ? w : FIELD_MAX;
			fmt++;
		} else {
			sp.width = parse_field(&fmt);
		}

		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				int p = va_arg(ap, int);

				/* A negative precision argument counts as none. */
				sp.prec = p < 0 ? -1 : (p < FIELD_MAX ? p : FIELD_MAX);
				fmt++;
			} else {
				sp.prec = parse_field(&fmt);
			}
		}

		len = parse_length(&fmt);
		sp.conv = *fmt;

		switch (sp.conv) {
		case 'd':
		case 'i': {
			s64 v = fetch_signed(&ap, len);
			u64 mag = v < 0 ? (u64)0 - (u64)v : (u64)v;

			emit_number(&o, &sp, mag, v < 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			emit_number(&o, &sp, fetch_unsigned(&ap, len), false);
			break;
		case 'p':
			emit_number(&o, &sp, (u64)(uintptr_t)va_arg(ap, void *), false);
			break;
		case 'c':
			emit_char(&o, &sp, (char)va_arg(ap, int));
			break;
		case 's':
			emit_string(&o, &sp, va_arg(ap, const char *));
			break;
		case '%':
			out_char(&o, '%');
			break;
		default:
			/*
			 * Unsupported or truncated directive: print it as written, without
			 * consuming an argument whose type is unknown.
			 */
			out_mem(&o, start, (size_t)(fmt - start));
			if (!*fmt)
				continue;
			out_char(&o, *fmt);
			break;
		}
		fmt++;
	}
	va_end(ap);

	if (o.size)
		o.buf[o.pos < o.size ? o.pos : o.size - 1] = '\0';
	if (o.pos > 0x7fffffff)
		return -EOVERFLOW;
	return (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
