// SPDX-License-Identifier: BSD-3-Clause
/*
 * The hypervisor's string functions, built under bh_ names (string_rename.h), so every
 * call below reaches them and not the C library or a compiler builtin. The string_asm
 * suite runs the same tests on the rep movsb/stosb path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/string.h>

#define BUF 96

/* A pattern no two offsets share, so a copy from the wrong place shows. */
static void fill_pattern(u8 *p, size_t n, u8 seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (u8)(seed + i * 7 + (i >> 3));
}

/*
 * Every (dst offset, src offset, length) within a buffer against a byte-by-byte model,
 * overlapping in both directions, and nothing outside [dst, dst+len) touched.
 */
static void memmove_all_overlaps(void **state)
{
	u8 buf[BUF], model[BUF];

	(void)state;
	for (size_t len = 0; len <= 40; len++)
		for (size_t s = 0; s + len <= BUF; s += 3)
			for (size_t d = 0; d + len <= BUF; d += 5) {
				u8 tmp[BUF];

				fill_pattern(buf, BUF, (u8)len);
				fill_pattern(model, BUF, (u8)len);
				for (size_t i = 0; i < len; i++)
					tmp[i] = model[s + i];
				for (size_t i = 0; i < len; i++)
					model[d + i] = tmp[i];
				assert_ptr_equal(memmove(buf + d, buf + s, len), buf + d);
				assert_memory_equal(buf, model, BUF);
			}
}

static void memcpy_copies_exactly_n_bytes(void **state)
{
	u8 src[BUF], dst[BUF + 2];

	(void)state;
	fill_pattern(src, BUF, 1);
	for (size_t n = 0; n <= BUF; n++) {
		memset(dst, 0xee, sizeof(dst));
		assert_ptr_equal(memcpy(dst + 1, src, n), dst + 1);
		assert_int_equal(dst[0], 0xee);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(dst[1 + i], src[i]);
		assert_int_equal(dst[1 + n], 0xee);
	}
}

/* Heap-allocated so the sanitizer catches a byte written past the end. */
static void memset_fills_and_uses_low_byte(void **state)
{
	(void)state;
	for (size_t n = 0; n <= 70; n++) {
		u8 *p = malloc(n + 2);

		assert_non_null(p);
		for (size_t i = 0; i < n + 2; i++)
			p[i] = 0x11;
		assert_ptr_equal(memset(p + 1, 0x1ab, n), p + 1);
		assert_int_equal(p[0], 0x11);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(p[1 + i], 0xab);
		assert_int_equal(p[1 + n], 0x11);
		free(p);
	}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void compares_are_unsigned_and_bounded(void **state)
{
	const u8 a[] = {1, 2, 0x80, 4};
	const u8 b[] = {1, 2, 0x7f, 9};

	(void)state;
	assert_int_equal(memcmp(a, b, 0), 0);
	assert_int_equal(memcmp(a, b, 2), 0);
	/* 0x80 sorts above 0x7f: bytes compare as unsigned char. */
	assert_int_equal(sign(memcmp(a, b, 3)), 1);
	assert_int_equal(sign(memcmp(b, a, 4)), -1);

	assert_int_equal(strcmp("", ""), 0);
	assert_int_equal(strcmp("abc", "abc"), 0);
	assert_int_equal(sign(strcmp("abc", "abd")), -1);
	assert_int_equal(sign(strcmp("abc", "ab")), 1);
	assert_int_equal(sign(strcmp("ab", "abc")), -1);
	assert_int_equal(sign(strcmp("\x80", "\x7f")), 1);

	assert_int_equal(strncmp("abcX", "abcY", 3), 0);
	assert_int_equal(sign(strncmp("abcX", "abcY", 4)), -1);
	assert_int_equal(strncmp("abc", "xyz", 0), 0);
	/* Equal strings end the comparison at the terminator, whatever n says. */
	assert_int_equal(strncmp("ab\0x", "ab\0y", 10), 0);
	assert_int_equal(sign(strncmp("\xff", "a", 1)), 1);
}

static void lengths(void **state)
{
	const char unterminated[3] = {'a', 'b', 'c'};

	(void)state;
	assert_int_equal(strlen(""), 0);
	assert_int_equal(strlen("hypervisor"), 10);
	assert_int_equal(strnlen("hypervisor", 4), 4);
	assert_int_equal(strnlen("hyp", 10), 3);
	assert_int_equal(strnlen("hyp", 0), 0);
	/* The bound is what stops it: the sanitizer would flag a fourth read. */
	assert_int_equal(strnlen(unterminated, sizeof(unterminated)), 3);
}

static void strchr_finds_first_and_terminator(void **state)
{
	const char *s = "a=b=c";

	(void)state;
	assert_ptr_equal(strchr(s, '='), s + 1);
	assert_ptr_equal(strchr(s, 'a'), s);
	assert_ptr_equal(strchr(s, 'c'), s + 4);
	assert_null(strchr(s, 'x'));
	/* Looking for NUL finds the terminator. */
	assert_ptr_equal(strchr(s, '\0'), s + 5);
	/* c is converted to char: 0x100 + '=' still finds '='. */
	assert_ptr_equal(strchr(s, 0x100 + '='), s + 1);
	/* Bytes above 0x7f match whether c comes as unsigned char or negative char. */
	s = "t\xe9";
	assert_ptr_equal(strchr(s, 0xe9), s + 1);
	assert_ptr_equal(strchr(s, -0x17), s + 1);
}

static void strlcpy_truncates_and_terminates(void **state)
{
	char buf[8];

	(void)state;
	for (size_t size = 0; size <= sizeof(buf); size++) {
		memset(buf, 'z', sizeof(buf));
		assert_int_equal(strlcpy(buf, "hello", size), 5);
		if (size == 0) {
			assert_int_equal(buf[0], 'z');
			continue;
		}
		size_t kept = size - 1 < 5 ? size - 1 : 5;

		assert_memory_equal(buf, "hello", kept);
		assert_int_equal(buf[kept], '\0');
		for (size_t i = kept + 1; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'z');
	}
	assert_int_equal(strlcpy(buf, "", sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void parse_u64_accepts(void **state)
{
	static const struct {
		const char *s;
		u64 v;
	} ok[] = {
		{"0", 0},
		{"7", 7},
		{"00042", 42},
		{"18446744073709551615", UINT64_MAX},
		{"0x0", 0},
		{"0x1f", 0x1f},
		{"0XABCdef", 0xabcdef},
		{"0xffffffffffffffff", UINT64_MAX},
		{"0x0000000000000000000001", 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		u64 v = 12345;

		assert_int_equal(parse_u64(ok[i].s, strlen(ok[i].s), &v), 0);
		assert_int_equal(v, ok[i].v);
	}
}

static void parse_u64_rejects(void **state)
{
	static const struct {
		const char *s;
		int err;
	} bad[] = {
		{"", -EINVAL},
		{"0x", -EINVAL},
		{"x1", -EINVAL},
		{"12a", -EINVAL},
		{"1f", -EINVAL},
		{" 1", -EINVAL},
		{"1 ", -EINVAL},
		{"-1", -EINVAL},
		{"+1", -EINVAL},
		{"0x1g", -EINVAL},
		{"0x-1", -EINVAL},
		{"18446744073709551616", -ERANGE},
		{"99999999999999999999999", -ERANGE},
		{"0x10000000000000000", -ERANGE},
		/* Junk outranks overflow. */
		{"99999999999999999999999z", -EINVAL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u64 v = 12345;

		if (parse_u64(bad[i].s, strlen(bad[i].s), &v) != bad[i].err)
			fail_msg("\"%s\" should give %d", bad[i].s, bad[i].err);
		/* The output is left alone on failure. */
		assert_int_equal(v, 12345);
	}
}

static void parse_u64_honours_length_and_nul(void **state)
{
	u64 v = 0;

	(void)state;
	/* Only n bytes count: the rest of the buffer is not part of the number. */
	assert_int_equal(parse_u64("1234xyz", 4, &v), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(parse_u64("0x10", 3, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(parse_u64("0x10", 2, &v), -EINVAL);
	assert_int_equal(parse_u64("5", 0, &v), -EINVAL);
	/* A NUL ends the input early, so a buffer's size can be passed. */
	assert_int_equal(parse_u64("77\0junk", 7, &v), 0);
	assert_int_equal(v, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memmove_all_overlaps),
		cmocka_unit_test(memcpy_copies_exactly_n_bytes),
		cmocka_unit_test(memset_fills_and_uses_low_byte),
		cmocka_unit_test(compares_are_unsigned_and_bounded),
		cmocka_unit_test(lengths),
		cmocka_unit_test(strchr_finds_first_and_terminator),
		cmocka_unit_test(strlcpy_truncates_and_terminates),
		cmocka_unit_test(parse_u64_accepts),
		cmocka_unit_test(parse_u64_rejects),
		cmocka_unit_test(parse_u64_honours_length_and_nul),
	};
#ifdef BULKHEAD_STRING_ASM
	return cmocka_run_group_tests_name("string (rep movsb/stosb)", tests, NULL, NULL);
#else
	return cmocka_run_group_tests_name("string", tests, NULL, NULL);
#endif
}
