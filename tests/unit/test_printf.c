// SPDX-License-Identifier: BSD-3-Clause
/*
 * The hypervisor's vsnprintf (built as bh_vsnprintf, see printf_rename.h) against the host
 * C library as the reference: every case is also run at every buffer size to prove
 * truncation, termination and the return value, with guard bytes around the buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/printf.h>

/* From here on, the plain names are the host C library's: the reference. */
#undef snprintf
#undef vsnprintf

/* NULL arguments and absurd widths are deliberate here. */
#pragma GCC diagnostic ignored "-Wformat-overflow"

#define OUT_MAX 160
#define GUARD	16

static unsigned long cases_checked;

/* Runs fmt through both implementations, then ours again at every size up to the end. */
__attribute__((format(printf, 1, 2))) static void check_vs_libc(const char *fmt, ...)
{
	char want[OUT_MAX];
	char got[GUARD + OUT_MAX + GUARD];
	va_list ap, ap2;
	int nwant, ngot;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	nwant = vsnprintf(want, sizeof(want), fmt, ap2);
	va_end(ap2);
	assert_true(nwant >= 0 && nwant < OUT_MAX - 1);

	for (size_t size = 0; size <= (size_t)nwant + 1; size++) {
		char *buf = got + GUARD;

		memset(got, 0xa5, sizeof(got));
		va_copy(ap2, ap);
		ngot = bh_vsnprintf(size ? buf : NULL, size, fmt, ap2);
		va_end(ap2);
		if (ngot != nwant)
			fail_msg("format \"%s\" size %zu: returned %d, libc %d", fmt, size, ngot,
				 nwant);
		if (size) {
			size_t kept = (size_t)nwant < size - 1 ? (size_t)nwant : size - 1;

			if (memcmp(buf, want, kept) != 0 || buf[kept] != '\0')
				fail_msg("format \"%s\" size %zu: got \"%.*s\", libc \"%s\"", fmt,
					 size, (int)kept, buf, want);
		}
		for (size_t i = 0; i < GUARD; i++) {
			assert_int_equal((u8)got[i], 0xa5);
			assert_int_equal((u8)buf[size + i], 0xa5);
		}
	}
	va_end(ap);
	cases_checked++;
}

/* Checks ours alone, for behaviour the C library defines differently or not at all. */
__attribute__((format(printf, 2, 3))) static void check_ours(const char *want, const char *fmt, ...)
{
	char got[OUT_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = bh_vsnprintf(got, sizeof(got), fmt, ap);
	va_end(ap);
	assert_string_equal(got, want);
	assert_int_equal(n, (int)strlen(want));
}

static void plain_text_and_percent(void **state)
{
	(void)state;
	check_ours("", "%s", "");
	assert_int_equal(bh_snprintf(NULL, 0, "%s", ""), 0);
	check_vs_libc("hello, world");
	check_vs_libc("100%%");
	check_vs_libc("%%%d%%", 5);
	check_vs_libc("a%cb", 'x');
}

static void extremes_of_every_width(void **state)
{
	(void)state;
	check_vs_libc("%llx", 0ULL);
	check_vs_libc("%llx", (unsigned long long)UINT64_MAX);
	check_vs_libc("%llX", (unsigned long long)UINT64_MAX);
	check_vs_libc("%llo", (unsigned long long)UINT64_MAX);
	check_vs_libc("%llu", (unsigned long long)UINT64_MAX);
	check_vs_libc("%lld", (long long)INT64_MIN);
	check_vs_libc("%lld", (long long)INT64_MAX);
	check_vs_libc("%d", INT_MIN);
	check_vs_libc("%d", INT_MAX);
	check_vs_libc("%d", -1);
	check_vs_libc("%i", -42);
	check_vs_libc("%u", UINT_MAX);
	check_vs_libc("%x", 0u);
	check_vs_libc("%ld", LONG_MIN);
	check_vs_libc("%lu", ULONG_MAX);
	check_vs_libc("%jd", (intmax_t)INT64_MIN);
	check_vs_libc("%ju", (uintmax_t)UINT64_MAX);
	check_vs_libc("%zu", SIZE_MAX);
	check_vs_libc("%zx", (size_t)0x1234);
	check_vs_libc("%td", (ptrdiff_t)PTRDIFF_MIN);
	check_vs_libc("%tx", (ptrdiff_t)-1);
}

static void short_lengths_narrow_the_promoted_argument(void **state)
{
	(void)state;
	/* The arguments arrive as int: hh and h must convert them back. */
	check_vs_libc("%hhd", 300);
	check_vs_libc("%hhd", 200);
	check_vs_libc("%hhu", -1);
	check_vs_libc("%hhx", 0x1ff);
	check_vs_libc("%hd", 70000);
	check_vs_libc("%hd", -32768);
	check_vs_libc("%hu", -1);
	check_vs_libc("%hx", 0x12345);
}

static void star_width_and_precision(void **state)
{
	const char *fmt;

	(void)state;
	check_vs_libc("[%*d]", 6, 42);
	check_vs_libc("[%*d]", -6, 42);
	check_vs_libc("[%-*d]", -6, 42);
	check_vs_libc("[%.*d]", 4, 7);
	check_vs_libc("[%.*d]", -4, 7);
	check_vs_libc("[%*.*x]", 10, 6, 0xabc);
	check_vs_libc("[%0*d]", 5, -3);
	check_vs_libc("[%.*s]", 3, "abcdef");
	check_vs_libc("[%*s]", -8, "ab");
	/* A negative precision is absent, so the 0 flag applies again. */
	fmt = "[%0*.*d]";
	check_vs_libc(fmt, 8, -1, 12);
}

static void strings_and_chars(void **state)
{
	static const char unterminated[4] = {'a', 'b', 'c', 'd'};

	(void)state;
	check_vs_libc("[%s]", "text");
	check_vs_libc("[%10s]", "text");
	check_vs_libc("[%-10s]", "text");
	check_vs_libc("[%.2s]", "text");
	check_vs_libc("[%.0s]", "text");
	check_vs_libc("[%8.3s]", "text");
	check_vs_libc("[%-8.3s]", "text");
	check_vs_libc("[%2s]", "longer");
	check_vs_libc("[%s]", "");
	check_vs_libc("[%5s]", "");
	check_vs_libc("[%c]", 'z');
	check_vs_libc("[%5c]", 'z');
	check_vs_libc("[%-5c]", 'z');
	check_vs_libc("[%c%c%c]", 'a', 'b', 'c');
	/* Precision bounds the read: the sanitizer would see a byte past the array. */
	check_vs_libc("[%.4s]", unterminated);
	check_vs_libc("[%.*s]", 2, unterminated);
}

static void pointers_print_as_hex_with_prefix(void **state)
{
	int x;

	(void)state;
	check_vs_libc("%p", (void *)&x);
	check_vs_libc("%p", (void *)0x1000);
	check_vs_libc("[%20p]", (void *)0xdeadbeef);
	check_vs_libc("[%-20p]", (void *)0xdeadbeef);
	check_vs_libc("%p", (void *)UINTPTR_MAX);
	/* The C library prints "(nil)"; a hex dump reads better with a number. */
	check_ours("0x0", "%p", NULL);
	check_ours("[     0x0]", "[%8p]", NULL);
}

static void null_string_prints_placeholder(void **state)
{
	const char *null = NULL;

	(void)state;
	check_ours("(null)", "%s", null);
	check_ours("[  (null)]", "[%8s]", null);
	check_ours("[(null)  ]", "[%-8s]", null);
	/* Precision cuts the placeholder like any other string. */
	check_ours("(nu", "%.3s", null);
}

static void unsupported_directives_print_verbatim(void **state)
{
	const char *fmt;

	(void)state;
	/* Through a variable, so the compiler's format check leaves these alone. */
	fmt = "a%qb";
	check_ours("a%qb", fmt);
	fmt = "%-5.2qx";
	check_ours("%-5.2qx", fmt);
	fmt = "trailing%";
	check_ours("trailing%", fmt);
	fmt = "trailing%08";
	check_ours("trailing%08", fmt);
	fmt = "%q%d";
	check_ours("%q7", fmt, 7);
}

static void zero_size_counts_without_writing(void **state)
{
	char buf[4] = {'x', 'x', 'x', 'x'};

	(void)state;
	assert_int_equal(bh_snprintf(NULL, 0, "%d-%s", 1234, "abc"), 8);
	assert_int_equal(bh_snprintf(buf, 0, "%d", 5), 1);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(bh_snprintf(buf, 1, "%d", 5), 1);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'x');
	assert_int_equal(bh_snprintf(buf, sizeof(buf), "%s", "abcdef"), 6);
	assert_string_equal(buf, "abc");
}

static void long_fields_are_counted_past_the_buffer(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(bh_snprintf(buf, sizeof(buf), "%500d", 1), 500);
	assert_string_equal(buf, "       ");
	assert_int_equal(bh_snprintf(buf, sizeof(buf), "%.300u", 9u), 300);
	assert_string_equal(buf, "0000000");
	/* Absurd widths are clamped rather than overflowing the int arithmetic. */
	assert_int_equal(bh_snprintf(NULL, 0, "%99999999999d", 1), 1000000);
}

/*
 * Flag, width and precision combinations for every integer conversion and length,
 * limited to those C defines ('#' only with o x X; '0' ignored with a precision).
 */
static const char *const flag_sets[] = {"",   "-",  "0",  "+",	" ",  "#",  "-0", "+0",
					" 0", "-+", "- ", "+ ", "#0", "-#", "-+0"};
static const char *const widths[] = {"", "1", "3", "12", "25"};
static const char *const precisions[] = {"", ".", ".0", ".1", ".3", ".21"};
static const char *const lengths[] = {"hh", "h", "", "l", "ll", "z", "j", "t"};
static const s64 values[] = {0,
			     1,
			     -1,
			     7,
			     -8,
			     255,
			     256,
			     -129,
			     32767,
			     -32768,
			     65535,
			     2147483647,
			     -2147483647 - 1,
			     4294967295LL,
			     0x123456789LL,
			     INT64_MAX,
			     INT64_MIN};

static void call_with_length(const char *fmt, const char *len, bool is_signed, s64 v)
{
	if (!strcmp(len, "hh") || !strcmp(len, "h") || !strcmp(len, ""))
		is_signed ? check_vs_libc(fmt, (int)v) : check_vs_libc(fmt, (unsigned int)v);
	else if (!strcmp(len, "l"))
		is_signed ? check_vs_libc(fmt, (long)v) : check_vs_libc(fmt, (unsigned long)v);
	else if (!strcmp(len, "ll"))
		is_signed ? check_vs_libc(fmt, (long long)v)
			  : check_vs_libc(fmt, (unsigned long long)v);
	else if (!strcmp(len, "z"))
		check_vs_libc(fmt, (size_t)v);
	else if (!strcmp(len, "j"))
		is_signed ? check_vs_libc(fmt, (intmax_t)v) : check_vs_libc(fmt, (uintmax_t)v);
	else
		check_vs_libc(fmt, (ptrdiff_t)v);
}

static void integer_combinations_match_libc(void **state)
{
	static const char convs[] = "diuxXo";

	(void)state;
	for (const char *c = convs; *c; c++) {
		bool is_signed = *c == 'd' || *c == 'i';

		for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++) {
			if (strchr(flag_sets[f], '#') && (is_signed || *c == 'u'))
				continue;
			for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
				for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]);
				     p++)
					for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]);
					     l++) {
						char fmt[32];

						snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>",
							 flag_sets[f], widths[w], precisions[p],
							 lengths[l], *c);
						for (size_t v = 0;
						     v < sizeof(values) / sizeof(values[0]); v++)
							call_with_length(fmt, lengths[l], is_signed,
									 values[v]);
					}
		}
	}
	/* Guards against the loops above silently doing nothing. */
	assert_true(cases_checked > 50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_text_and_percent),
		cmocka_unit_test(extremes_of_every_width),
		cmocka_unit_test(short_lengths_narrow_the_promoted_argument),
		cmocka_unit_test(star_width_and_precision),
		cmocka_unit_test(strings_and_chars),
		cmocka_unit_test(pointers_print_as_hex_with_prefix),
		cmocka_unit_test(null_string_prints_placeholder),
		cmocka_unit_test(unsupported_directives_print_verbatim),
		cmocka_unit_test(zero_size_counts_without_writing),
		cmocka_unit_test(long_fields_are_counted_past_the_buffer),
		cmocka_unit_test(integer_combinations_match_libc),
	};
	return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
