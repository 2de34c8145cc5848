// SPDX-License-Identifier: BSD-3-Clause
/*
 * The log ring against a model: the full text ever appended is kept on the side, and a
 * read must return its longest suffix that fits (size-1 bytes once wrapped, out_size-1
 * for the caller's buffer) and starts at a line boundary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/log.h>

#define FULL_MAX 65536

struct model {
	char text[FULL_MAX];
	size_t len;
};

static void both_append(struct log_ring *ring, struct model *m, const char *s, size_t n)
{
	assert_true(m->len + n < FULL_MAX);
	memcpy(m->text + m->len, s, n);
	m->len += n;
	log_ring_append(ring, s, n);
}

/* The longest suffix of the model within both limits that starts a line. */
static size_t model_expect(const struct model *m, size_t ring_size, size_t out_size,
			   const char **start)
{
	size_t limit = m->len > ring_size ? ring_size - 1 : m->len;
	size_t first;

	if (!out_size) {
		*start = m->text + m->len;
		return 0;
	}
	if (limit > out_size - 1)
		limit = out_size - 1;
	first = m->len - limit;
	while (first < m->len && first > 0 && m->text[first - 1] != '\n')
		first++;
	*start = m->text + first;
	return m->len - first;
}

static void check_read(const struct log_ring *ring, const struct model *m, size_t out_size)
{
	char *out = malloc(out_size ? out_size : 1);
	const char *want;
	size_t nwant = model_expect(m, ring->size, out_size, &want);
	size_t n;

	assert_non_null(out);
	out[0] = 'Q';
	n = log_ring_read(ring, out, out_size);
	if (n != nwant)
		fail_msg("ring %zu out %zu written %zu: read %zu bytes, want %zu", ring->size,
			 out_size, m->len, n, nwant);
	if (out_size) {
		assert_memory_equal(out, want, n);
		assert_int_equal(out[n], '\0');
	} else {
		assert_int_equal(out[0], 'Q');
	}
	free(out);
}

static void empty_ring_reads_nothing(void **state)
{
	char buf[16], out[8] = "xxxxxxx";
	struct log_ring ring;

	(void)state;
	log_ring_init(&ring, buf, sizeof(buf));
	assert_int_equal(log_ring_read(&ring, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(ring.written, 0);
}

static void text_before_wrap_reads_back_whole(void **state)
{
	char buf[32], out[64];
	struct log_ring ring;

	(void)state;
	log_ring_init(&ring, buf, sizeof(buf));
	log_ring_append(&ring, "one\n", 4);
	log_ring_append(&ring, "two\n", 4);
	assert_int_equal(log_ring_read(&ring, out, sizeof(out)), 8);
	assert_string_equal(out, "one\ntwo\n");
	/* Exactly full, not yet wrapped: nothing is lost. */
	log_ring_append(&ring, "0123456789abcdefghijklm\n", 24);
	assert_int_equal(ring.written, 32);
	assert_int_equal(log_ring_read(&ring, out, sizeof(out)), 32);
	assert_string_equal(out, "one\ntwo\n0123456789abcdefghijklm\n");
}

static void wrap_drops_the_torn_line(void **state)
{
	char buf[12], out[64];
	struct log_ring ring;

	(void)state;
	log_ring_init(&ring, buf, sizeof(buf));
	log_ring_append(&ring, "abcde\n", 6);
	log_ring_append(&ring, "fghij\n", 6);
	log_ring_append(&ring, "klmno\n", 6);
	/* "fghij\n" lost its head to the wrap: only the complete line is shown. */
	assert_int_equal(log_ring_read(&ring, out, sizeof(out)), 6);
	assert_string_equal(out, "klmno\n");
	assert_int_equal(ring.written, 18);
}

static void wrap_on_a_line_boundary_keeps_the_line(void **state)
{
	char buf[7], out[64];
	struct log_ring ring;

	(void)state;
	log_ring_init(&ring, buf, sizeof(buf));
	log_ring_append(&ring, "abcde\n", 6);
	log_ring_append(&ring, "fghij\n", 6);
	/* The byte before the retained text is still known to be a newline. */
	assert_int_equal(log_ring_read(&ring, out, sizeof(out)), 6);
	assert_string_equal(out, "fghij\n");
}

static void oversized_append_keeps_its_tail(void **state)
{
	char buf[8], out[64];
	struct log_ring ring;

	(void)state;
	log_ring_init(&ring, buf, sizeof(buf));
	log_ring_append(&ring, "old\n", 4);
	log_ring_append(&ring, "0123456789\nxyz\n", 15);
	assert_int_equal(ring.written, 19);
	assert_int_equal(log_ring_read(&ring, out, sizeof(out)), 4);
	assert_string_equal(out, "xyz\n");
}

static void small_output_gets_the_newest_lines(void **state)
{
	char buf[64], out[10];
	struct log_ring ring;

	(void)state;
	log_ring_init(&ring, buf, sizeof(buf));
	log_ring_append(&ring, "first\nsecond\nab\ncd\n", 19);
	assert_int_equal(log_ring_read(&ring, out, sizeof(out)), 6);
	assert_string_equal(out, "ab\ncd\n");
	assert_int_equal(log_ring_read(&ring, out, 1), 0);
	assert_string_equal(out, "");
	out[0] = 'k';
	assert_int_equal(log_ring_read(&ring, out, 0), 0);
	assert_int_equal(out[0], 'k');
}

static void line_longer_than_ring_reads_empty(void **state)
{
	char buf[8], out[64];
	struct log_ring ring;

	(void)state;
	log_ring_init(&ring, buf, sizeof(buf));
	log_ring_append(&ring, "a very long line without end", 28);
	/* No line starts inside what is left, so nothing is shown rather than a torn line. */
	assert_int_equal(log_ring_read(&ring, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void zero_size_ring_ignores_appends(void **state)
{
	struct log_ring ring;
	char out[4];

	(void)state;
	log_ring_init(&ring, NULL, 0);
	log_ring_append(&ring, "x\n", 2);
	assert_int_equal(log_ring_read(&ring, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

/* Random line lengths, appends that split lines, random sizes: always the model's answer. */
static void random_traffic_matches_model(void **state)
{
	static struct model m;
	unsigned int seed = 20240601;

	(void)state;
	for (int round = 0; round < 300; round++) {
		size_t size = 1 + (size_t)(rand_r(&seed) % 120);
		char *buf = malloc(size);
		struct log_ring ring;

		assert_non_null(buf);
		log_ring_init(&ring, buf, size);
		m.len = 0;
		for (int line = 0; line < 60; line++) {
			char text[200];
			int len = snprintf(text, sizeof(text), "%d:%d:", round, line);
			int extra = rand_r(&seed) % (rand_r(&seed) % 8 ? 20 : 150);
			int pos = 0;

			for (int i = 0; i < extra; i++)
				text[len++] = (char)('a' + i % 26);
			text[len++] = '\n';
			/* Writers may hand a line over in pieces. */
			while (pos < len) {
				int chunk = 1 + rand_r(&seed) % (len - pos);

				both_append(&ring, &m, text + pos, (size_t)chunk);
				pos += chunk;
				assert_int_equal(ring.written, m.len);
			}
			check_read(&ring, &m, size + 8);
			check_read(&ring, &m, 1 + (size_t)(rand_r(&seed) % (size + 4)));
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_ring_reads_nothing),
		cmocka_unit_test(text_before_wrap_reads_back_whole),
		cmocka_unit_test(wrap_drops_the_torn_line),
		cmocka_unit_test(wrap_on_a_line_boundary_keeps_the_line),
		cmocka_unit_test(oversized_append_keeps_its_tail),
		cmocka_unit_test(small_output_gets_the_newest_lines),
		cmocka_unit_test(line_longer_than_ring_reads_empty),
		cmocka_unit_test(zero_size_ring_ignores_appends),
		cmocka_unit_test(random_traffic_matches_model),
	};
	return cmocka_run_group_tests_name("log_ring", tests, NULL, NULL);
}
