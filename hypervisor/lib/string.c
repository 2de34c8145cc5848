// SPDX-License-Identifier: BSD-3-Clause
/*
 * The C string functions the compiler expects even from freestanding code: GCC emits
 * calls to memcpy, memmove, memset and memcmp for struct copies and initialisers.
 */
#include <bulkhead/errno.h>
#include <bulkhead/string.h>

/*
 * GCC recognises byte loops as memset/memcpy patterns and replaces them with calls to
 * those very functions; inside their own definitions that would recurse forever.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define __no_libcall_patterns __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define __no_libcall_patterns
#endif

/*
 * The hypervisor copies with the string instructions, which microcode runs at cache-line
 * speed on every CPU with ERMS (SDM Vol 1 7.3.9.3). Host unit tests build the portable
 * loops instead so the sanitizers see every access; BULKHEAD_STRING_ASM tests the
 * instruction path on the host too.
 */
#if defined(__x86_64__) && (!defined(BULKHEAD_HOST_TEST) || defined(BULKHEAD_STRING_ASM))
#define USE_REP_STRING 1
#else
#define USE_REP_STRING 0
#endif

__no_libcall_patterns void *memcpy(void *dst, const void *src, size_t n)
{
#if USE_REP_STRING
	void *d = dst;

	__asm__ __volatile__("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
#else
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
#endif
	return dst;
}

__no_libcall_patterns void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	/* A forward copy is safe unless dst starts inside the source. */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return memcpy(dst, src, n);

	/*
	 * Backwards byte by byte rather than with DF set: an interrupt or NMI taken with
	 * DF=1 would break handlers that rely on the ABI's DF=0.
	 */
	while (n--)
		d[n] = s[n];
	return dst;
}

__no_libcall_patterns void *memset(void *dst, int c, size_t n)
{
#if USE_REP_STRING
	void *d = dst;

	__asm__ __volatile__("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
#else
	u8 *d = dst;

	while (n--)
		*d++ = (u8)c;
#endif
	return dst;
}

__no_libcall_patterns int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *pa = a, *pb = b;

	for (; n; n--, pa++, pb++) {
		if (*pa != *pb)
			return *pa - *pb;
	}
	return 0;
}

__no_libcall_patterns size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

__no_libcall_patterns size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

__no_libcall_patterns int strcmp(const char *a, const char *b)
{
	const u8 *pa = (const u8 *)a, *pb = (const u8 *)b;

	while (*pa && *pa == *pb) {
		pa++;
		pb++;
	}
	return *pa - *pb;
}

__no_libcall_patterns int strncmp(const char *a, const char *b, size_t n)
{
	const u8 *pa = (const u8 *)a, *pb = (const u8 *)b;

	for (; n; n--, pa++, pb++) {
		if (*pa != *pb)
			return *pa - *pb;
		if (!*pa)
			break;
	}
	return 0;
}

__no_libcall_patterns char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

__no_libcall_patterns size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A NUL byte ends the input early, so callers may pass a buffer's size. Junk anywhere
 * wins over overflow: "99999999999999999999x" is -EINVAL, being no number at all.
 */
int parse_u64(const char *s, size_t n, u64 *out)
{
	unsigned int base = 10;
	bool overflow = false;
	size_t i = 0, ndigits = 0;
	u64 v = 0;

	n = strnlen(s, n);
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < n; i++) {
		int d = digit_value(s[i]);

		if (d < 0 || (unsigned int)d >= base)
			return -EINVAL;
		if (v > (~(u64)0 - (u64)d) / base)
			overflow = true;
		v = v * base + (u64)d;
		ndigits++;
	}
	if (!ndigits)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	*out = v;
	return 0;
}
