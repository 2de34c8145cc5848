// SPDX-License-Identifier: BSD-3-Clause
/*
 * The physical CMOS clock reader (drivers/cmos_rtc.c) against scripted port reads
 * (fakes/fake_hw.c). The driver reads in rounds: register A until UIP is clear, then
 * seconds, minutes, hours, day of month, month, year, century and register B, each
 * through index port 0x70 and data port 0x71; it stops when two rounds agree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/cmos_rtc.h>
#include <bulkhead/errno.h>
#include <bulkhead/vrtc.h>
#include "fake_hw.h"

#define INDEX 0x70
#define DATA  0x71

struct clock {
	u8 sec, min, hour, mday, month, year, century, reg_b;
};

/* 2024-02-29 23:59:50 in BCD, 24 hours. */
static const struct clock leap_evening = {0x50, 0x59, 0x23, 0x29, 0x02, 0x24, 0x20, 0x02};

static int setup(void **state)
{
	(void)state;
	fake_hw_reset();
	return 0;
}

/* Queues one round: busy reads of register A with UIP set, one without, the bytes. */
static void queue_round(u32 busy, const struct clock *c)
{
	u32 v[64];
	size_t n = 0;

	assert_true(busy < 50);
	for (u32 i = 0; i < busy; i++)
		v[n++] = 0xa6;
	v[n++] = 0x26;
	v[n++] = c->sec;
	v[n++] = c->min;
	v[n++] = c->hour;
	v[n++] = c->mday;
	v[n++] = c->month;
	v[n++] = c->year;
	v[n++] = c->century;
	v[n++] = c->reg_b;
	fake_pio_queue_reads(DATA, v, n);
}

static int read_twice(const struct clock *c, u64 *seconds)
{
	queue_round(0, c);
	queue_round(0, c);
	return cmos_rtc_read_unix_time(seconds);
}

static u64 unix_of(u32 year, u8 month, u8 day, u8 hour, u8 min, u8 sec)
{
	struct rtc_time tm = {year, month, day, hour, min, sec, 0};
	u64 s = 0;

	assert_int_equal(rtc_time_to_unix(&tm, &s), 0);
	return s;
}

static void reads_bcd_24_hours(void **state)
{
	static const u8 order[] = {0x0a, 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32, 0x0b};
	u64 s = 0;

	(void)state;
	assert_int_equal(read_twice(&leap_evening, &s), 0);
	assert_int_equal(s, 1709251190);
	/* Two rounds, each an index write (NMI left enabled) then a data read. */
	assert_int_equal(fake_pio_log_count, 2 * 2 * sizeof(order));
	for (size_t i = 0; i < fake_pio_log_count; i += 2) {
		const struct fake_pio_access *w = &fake_pio_log[i], *r = &fake_pio_log[i + 1];

		assert_int_equal(w->port, INDEX);
		assert_true(w->write);
		assert_int_equal(w->size, 1);
		assert_int_equal(w->value, order[i / 2 % sizeof(order)]);
		assert_int_equal(r->port, DATA);
		assert_false(r->write);
	}
}

static void reads_binary_12_hours(void **state)
{
	/* 2024-07-04 12:34:56 is 12 PM; 00:30 is 12 AM; 11 PM is 0x8b. */
	const struct clock noon = {56, 34, 0x8c, 4, 7, 24, 20, 0x04};
	const struct clock night = {0, 30, 0x0c, 4, 7, 24, 20, 0x04};
	const struct clock late = {0, 0, 0x8b, 4, 7, 24, 20, 0x04};
	const struct clock bcd_pm = {0x00, 0x00, 0x81, 0x04, 0x07, 0x24, 0x20, 0x00};
	u64 s = 0;

	(void)state;
	assert_int_equal(read_twice(&noon, &s), 0);
	assert_int_equal(s, 1720096496);
	assert_int_equal(read_twice(&night, &s), 0);
	assert_int_equal(s, 1720053000);
	assert_int_equal(read_twice(&late, &s), 0);
	assert_int_equal(s, unix_of(2024, 7, 4, 23, 0, 0));
	assert_int_equal(read_twice(&bcd_pm, &s), 0);
	assert_int_equal(s, unix_of(2024, 7, 4, 13, 0, 0));
}

static void waits_while_an_update_is_in_progress(void **state)
{
	u64 s = 0;

	(void)state;
	queue_round(5, &leap_evening);
	queue_round(2, &leap_evening);
	assert_int_equal(cmos_rtc_read_unix_time(&s), 0);
	assert_int_equal(s, 1709251190);
	assert_int_equal(fake_pio_log_count, 2 * (6 + 8 + 3 + 8));
}

static void clock_stuck_in_update_fails(void **state)
{
	u64 s = 42;

	(void)state;
	fake_pio_set_read(DATA, 0x80);
	assert_int_equal(cmos_rtc_read_unix_time(&s), -EIO);
	assert_int_equal(s, 42);
	/* Bounded: 100000 polls of register A, two port accesses each. */
	assert_int_equal(fake_pio_total, 2 * 100000);
}

/* An update between two rounds: the reader goes on until two rounds agree. */
static void an_update_between_reads_is_retried(void **state)
{
	const struct clock before = {0x59, 0x59, 0x23, 0x29, 0x02, 0x24, 0x20, 0x02};
	const struct clock after = {0x00, 0x00, 0x00, 0x01, 0x03, 0x24, 0x20, 0x02};
	u64 s = 0;

	(void)state;
	queue_round(0, &before);
	queue_round(0, &after);
	queue_round(0, &after);
	assert_int_equal(cmos_rtc_read_unix_time(&s), 0);
	assert_int_equal(s, unix_of(2024, 3, 1, 0, 0, 0));
}

static void a_clock_that_never_agrees_fails(void **state)
{
	struct clock c = leap_evening;
	u64 s = 42;

	(void)state;
	for (u8 i = 0; i < 11; i++) {
		c.sec = rtc_bin_to_bcd(i);
		queue_round(0, &c);
	}
	assert_int_equal(cmos_rtc_read_unix_time(&s), -EIO);
	assert_int_equal(s, 42);
	/* One more round would have agreed: the reader gives up after eleven. */
	fake_hw_reset();
	for (u8 i = 0; i < 10; i++) {
		c.sec = rtc_bin_to_bcd(i);
		queue_round(0, &c);
	}
	queue_round(0, &c);
	assert_int_equal(cmos_rtc_read_unix_time(&s), 0);
	assert_int_equal(s, unix_of(2024, 2, 29, 23, 59, 9));
}

static void invalid_fields_fail(void **state)
{
	static const struct clock bad[] = {
		{0x5a, 0x59, 0x23, 0x29, 0x02, 0x24, 0x20, 0x02}, /* not BCD */
		{0x60, 0x59, 0x23, 0x29, 0x02, 0x24, 0x20, 0x02}, /* second 60 */
		{0x00, 0x60, 0x23, 0x29, 0x02, 0x24, 0x20, 0x02}, /* minute 60 */
		{0x00, 0x00, 0x24, 0x29, 0x02, 0x24, 0x20, 0x02}, /* hour 24 */
		{0x00, 0x00, 0x13, 0x29, 0x02, 0x24, 0x20, 0x00}, /* 12-hour mode, hour 13 */
		{0x00, 0x00, 0x80, 0x29, 0x02, 0x24, 0x20, 0x00}, /* 12-hour mode, hour 0 PM */
		{0x00, 0x00, 0x00, 0x30, 0x02, 0x24, 0x20, 0x02}, /* February 30th */
		{0x00, 0x00, 0x00, 0x29, 0x02, 0x23, 0x20, 0x02}, /* 2023 is no leap year */
		{0x00, 0x00, 0x00, 0x00, 0x02, 0x24, 0x20, 0x02}, /* day 0 */
		{0x00, 0x00, 0x00, 0x01, 0x13, 0x24, 0x20, 0x02}, /* month 13 */
		{0x00, 0x00, 0x00, 0x01, 0x01, 0xa0, 0x20, 0x02}, /* year not BCD */
		{0, 0, 0, 1, 1, 100, 20, 0x06},			  /* binary year 100 */
		{0, 0, 0, 1, 1, 24, 20, 0x04},			  /* binary 12 hours, hour 0 */
	};
	u64 s = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_hw_reset();
		assert_int_equal(read_twice(&bad[i], &s), -EIO);
	}
	assert_int_equal(s, 42);
}

static void century_byte_used_when_sane(void **state)
{
	static const struct {
		u8 century, year;
		u32 expect;
	} cases[] = {
		{0x20, 0x24, 2024}, {0x19, 0x99, 1999}, {0x21, 0x05, 2105},
		{0x19, 0x24, 2024}, /* 1924 is before any clock this reads: firmware left 19 */
		{0x00, 0x31, 2031}, {0xff, 0x31, 2031}, {0x5a, 0x31, 2031},
		{0x22, 0x31, 2031},
	};
	struct clock c = leap_evening;
	u64 s = 0;

	(void)state;
	c.month = 0x03;
	c.mday = 0x01;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_hw_reset();
		c.century = cases[i].century;
		c.year = cases[i].year;
		assert_int_equal(read_twice(&c, &s), 0);
		assert_int_equal(s, unix_of(cases[i].expect, 3, 1, 23, 59, 50));
	}
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(reads_bcd_24_hours),
		T(reads_binary_12_hours),
		T(waits_while_an_update_is_in_progress),
		T(clock_stuck_in_update_fails),
		T(an_update_between_reads_is_retried),
		T(a_clock_that_never_agrees_fails),
		T(invalid_fields_fail),
		T(century_byte_used_when_sane),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
