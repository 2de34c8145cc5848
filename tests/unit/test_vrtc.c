// SPDX-License-Identifier: BSD-3-Clause
/*
 * The emulated MC146818 (dm/vrtc.c) on a real port bus, against the fake clock of
 * fakes/fake_timer.c, and its calendar helpers. The clock starts at 2024-02-29 23:59:50,
 * a Thursday, at host TSC T0: its seconds begin at T0 + k * HZ.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/io_bus.h>
#include <bulkhead/vrtc.h>
#include "fake_timer.h"

#define HZ	  2893452117ULL
#define T0	  5000000000000ULL
#define START	  1709251190ULL /* 2024-02-29 23:59:50 */
#define INDEX	  0x70
#define DATA	  0x71
#define UIP_TICKS ((8 * HZ + 32767) / 32768) /* 244.14 us of HZ, rounded up */

/* Register indices. */
#define SEC	0x00
#define SEC_AL	0x01
#define MIN	0x02
#define MIN_AL	0x03
#define HOUR	0x04
#define HOUR_AL 0x05
#define WDAY	0x06
#define MDAY	0x07
#define MONTH	0x08
#define YEAR	0x09
#define REG_A	0x0a
#define REG_B	0x0b
#define REG_C	0x0c
#define REG_D	0x0d
#define CENTURY 0x32

struct line {
	bool level;
	u32 raises;
	u32 redundant;
	u32 locked;
	bool isr;  /* a rising edge reads register C at once, as an interrupt handler */
	u8 last_c; /* what that read returned */
	u64 raised_at[4096];
};

static struct io_bus bus;
static struct vrtc rtc;
static struct line irq;

static u8 rd(u8 reg);

static void line_set(void *ctx, bool level)
{
	struct line *l = ctx;

	if (spin_is_locked(&rtc.lock))
		l->locked++;
	if (level == l->level)
		l->redundant++;
	l->level = level;
	if (!level)
		return;
	if (l->raises < 4096)
		l->raised_at[l->raises] = timer_now();
	l->raises++;
	if (l->isr)
		l->last_c = rd(REG_C);
}

static void setup_at(u64 seconds)
{
	memset(&irq, 0, sizeof(irq));
	fake_timer_reset(T0, HZ);
	io_bus_init(&bus, 0x10000);
	vrtc_init(&rtc, line_set, &irq, 0, seconds);
	assert_int_equal(vrtc_attach(&rtc, &bus), 0);
}

static int setup(void **state)
{
	(void)state;
	setup_at(START);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(irq.redundant, 0);
	assert_int_equal(irq.locked, 0);
	return 0;
}

static u8 in8(u16 port)
{
	struct io_request req = {.addr = port, .size = 1};

	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	assert_true(req.value <= 0xff);
	return (u8)req.value;
}

static void out8(u16 port, u8 value)
{
	struct io_request req = {.addr = port, .size = 1, .write = true, .value = value};

	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
}

static u8 rd(u8 reg)
{
	out8(INDEX, reg);
	return in8(DATA);
}

static void wr(u8 reg, u8 value)
{
	out8(INDEX, reg);
	out8(DATA, value);
}

/* The host TSC at which the clock started at T0 shows START + s. */
static u64 at_second(u64 s)
{
	return T0 + s * HZ;
}

static void check_time(u8 sec, u8 min, u8 hour, u8 wday, u8 mday, u8 month, u8 year, u8 century)
{
	assert_int_equal(rd(SEC), sec);
	assert_int_equal(rd(MIN), min);
	assert_int_equal(rd(HOUR), hour);
	assert_int_equal(rd(WDAY), wday);
	assert_int_equal(rd(MDAY), mday);
	assert_int_equal(rd(MONTH), month);
	assert_int_equal(rd(YEAR), year);
	assert_int_equal(rd(CENTURY), century);
}

static void calendar_known_dates(void **state)
{
	static const struct {
		u64 seconds;
		struct rtc_time tm;
	} dates[] = {
		{0, {1970, 1, 1, 0, 0, 0, 4}},
		{951782400, {2000, 2, 29, 0, 0, 0, 2}},
		{951868800, {2000, 3, 1, 0, 0, 0, 3}},
		{946684799, {1999, 12, 31, 23, 59, 59, 5}},
		{1709251190, {2024, 2, 29, 23, 59, 50, 4}},
		{1720096496, {2024, 7, 4, 12, 34, 56, 4}},
		{2147483648, {2038, 1, 19, 3, 14, 8, 2}},
		{4102444799, {2099, 12, 31, 23, 59, 59, 4}},
		{4107542400, {2100, 3, 1, 0, 0, 0, 1}},
		{253402300799, {9999, 12, 31, 23, 59, 59, 5}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		struct rtc_time tm;
		u64 s = 0;

		rtc_time_from_unix(dates[i].seconds, &tm);
		assert_int_equal(tm.year, dates[i].tm.year);
		assert_int_equal(tm.month, dates[i].tm.month);
		assert_int_equal(tm.day, dates[i].tm.day);
		assert_int_equal(tm.hour, dates[i].tm.hour);
		assert_int_equal(tm.minute, dates[i].tm.minute);
		assert_int_equal(tm.second, dates[i].tm.second);
		assert_int_equal(tm.wday, dates[i].tm.wday);
		assert_int_equal(rtc_time_to_unix(&dates[i].tm, &s), 0);
		assert_int_equal(s, dates[i].seconds);
	}
}

static void calendar_leap_years(void **state)
{
	struct rtc_time tm = {.year = 2100, .month = 2, .day = 29};
	u64 s;

	(void)state;
	assert_true(rtc_leap_year(2000));
	assert_true(rtc_leap_year(2024));
	assert_true(rtc_leap_year(1972));
	assert_false(rtc_leap_year(1900));
	assert_false(rtc_leap_year(2100));
	assert_false(rtc_leap_year(2023));
	assert_int_equal(rtc_days_in_month(2000, 2), 29);
	assert_int_equal(rtc_days_in_month(2100, 2), 28);
	assert_int_equal(rtc_days_in_month(2023, 2), 28);
	assert_int_equal(rtc_days_in_month(2023, 4), 30);
	assert_int_equal(rtc_days_in_month(2023, 12), 31);
	assert_int_equal(rtc_days_in_month(2023, 0), 0);
	assert_int_equal(rtc_days_in_month(2023, 13), 0);
	assert_int_equal(rtc_time_to_unix(&tm, &s), -EINVAL);
	tm.year = 2096;
	assert_int_equal(rtc_time_to_unix(&tm, &s), 0);
}

/* Every day from 1970 to 2199 converts both ways and follows the day before. */
static void calendar_every_day_round_trips(void **state)
{
	struct rtc_time prev;
	u64 day = 0;

	(void)state;
	rtc_time_from_unix(0, &prev);
	for (day = 1;; day++) {
		struct rtc_time tm;
		u64 s = 0;

		rtc_time_from_unix(day * 86400 + 3661, &tm);
		if (tm.year == 2200)
			break;
		assert_int_equal(rtc_time_to_unix(&tm, &s), 0);
		assert_int_equal(s, day * 86400 + 3661);
		assert_int_equal(tm.wday, (prev.wday + 1) % 7);
		if (tm.day == 1) {
			assert_int_equal(prev.day, rtc_days_in_month(prev.year, prev.month));
			assert_int_equal(tm.month, prev.month % 12 + 1);
			assert_int_equal(tm.year, prev.year + (prev.month == 12 ? 1 : 0));
		} else {
			assert_int_equal(tm.day, prev.day + 1);
			assert_int_equal(tm.month, prev.month);
			assert_int_equal(tm.year, prev.year);
		}
		assert_int_equal(tm.hour * 3600 + tm.minute * 60 + tm.second, 3661);
		prev = tm;
	}
	assert_int_equal(day, 84006); /* 230 years of 365 days and 56 leap days */
}

static void calendar_rejects_bad_fields(void **state)
{
	static const struct rtc_time bad[] = {
		{1969, 12, 31, 23, 59, 59, 0}, {10000, 1, 1, 0, 0, 0, 0}, {2024, 0, 1, 0, 0, 0, 0},
		{2024, 13, 1, 0, 0, 0, 0},     {2024, 4, 31, 0, 0, 0, 0}, {2024, 4, 0, 0, 0, 0, 0},
		{2024, 4, 1, 24, 0, 0, 0},     {2024, 4, 1, 0, 60, 0, 0}, {2024, 4, 1, 0, 0, 60, 0},
	};
	u64 s = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rtc_time_to_unix(&bad[i], &s), -EINVAL);
	assert_int_equal(s, 42);
	assert_true(rtc_bcd_valid(0x59));
	assert_false(rtc_bcd_valid(0x5a));
	assert_false(rtc_bcd_valid(0xa5));
	assert_int_equal(rtc_bcd_to_bin(0x59), 59);
	assert_int_equal(rtc_bin_to_bcd(59), 0x59);
}

static void power_on_registers(void **state)
{
	(void)state;
	check_time(0x50, 0x59, 0x23, 5, 0x29, 0x02, 0x24, 0x20);
	assert_int_equal(rd(REG_A), 0x26);
	assert_int_equal(rd(REG_B), 0x02);
	assert_int_equal(rd(REG_C), 0x00);
	assert_int_equal(rd(REG_D), 0x80);
	for (u8 i = 0x0e; i < 0x80; i++)
		if (i != CENTURY)
			assert_int_equal(rd(i), 0);
	/* Reading costs nothing: no interrupt enabled, no timer. */
	fake_timer_advance(100 * HZ);
	assert_int_equal(fake_timer_starts, 0);
	assert_int_equal(irq.raises, 0);
}

static void time_runs_in_bcd(void **state)
{
	(void)state;
	fake_timer_set_now(at_second(9) + HZ - 1);
	check_time(0x59, 0x59, 0x23, 5, 0x29, 0x02, 0x24, 0x20);
	/* Leap day to March 1st, Thursday to Friday, exactly on the second boundary. */
	fake_timer_set_now(at_second(10));
	check_time(0x00, 0x00, 0x00, 6, 0x01, 0x03, 0x24, 0x20);
	fake_timer_set_now(at_second(10 + 86400 * 300 + 3600 * 13 + 60 * 7 + 45));
	check_time(0x45, 0x07, 0x13, 5, 0x26, 0x12, 0x24, 0x20); /* Thursday 2024-12-26 */
}

static void time_runs_in_binary(void **state)
{
	(void)state;
	wr(REG_B, 0x06);
	check_time(50, 59, 23, 5, 29, 2, 24, 20);
	fake_timer_set_now(at_second(10));
	check_time(0, 0, 0, 6, 1, 3, 24, 20);
}

static void twelve_hour_mode(void **state)
{
	(void)state;
	wr(REG_B, 0x00);		  /* BCD, 12 hours */
	assert_int_equal(rd(HOUR), 0x91); /* 11 PM */
	fake_timer_set_now(at_second(10));
	assert_int_equal(rd(HOUR), 0x12); /* 12 AM */
	fake_timer_set_now(at_second(10 + 3600));
	assert_int_equal(rd(HOUR), 0x01);
	fake_timer_set_now(at_second(10 + 12 * 3600));
	assert_int_equal(rd(HOUR), 0x92); /* 12 PM */
	fake_timer_set_now(at_second(10 + 13 * 3600));
	assert_int_equal(rd(HOUR), 0x81);
	wr(REG_B, 0x04); /* binary, 12 hours */
	assert_int_equal(rd(HOUR), 0x81);
	fake_timer_set_now(at_second(10 + 23 * 3600));
	assert_int_equal(rd(HOUR), 0x8b);
	/* Setting 3 PM in 12-hour binary mode. */
	wr(REG_B, 0x84);
	wr(HOUR, 0x83);
	wr(REG_B, 0x04);
	wr(REG_B, 0x06);
	assert_int_equal(rd(HOUR), 15);
}

/* drivers/rtc/rtc-mc146818-lib.c mc146818_set_time(), with the FADT's century byte. */
static void set_time_as_linux_does(void **state)
{
	u64 t;
	u8 b, a;

	(void)state;
	fake_timer_set_now(at_second(100) + HZ / 3);
	b = rd(REG_B);
	wr(REG_B, b | 0x80);
	a = rd(REG_A);
	wr(REG_A, a | 0x70);
	wr(YEAR, 0x31);
	wr(MONTH, 0x12);
	wr(MDAY, 0x31);
	wr(HOUR, 0x23);
	wr(MIN, 0x59);
	wr(SEC, 0x58);
	wr(CENTURY, 0x20);
	/* Frozen while the guest writes: time passes, the bytes do not move. */
	fake_timer_advance(5 * HZ);
	/* The day of week Linux did not write is the one frozen (Friday) until SET clears. */
	check_time(0x58, 0x59, 0x23, 0x06, 0x31, 0x12, 0x31, 0x20);
	assert_int_equal(rd(REG_A) & 0x80, 0); /* no update in progress */
	wr(REG_B, b);
	fake_timer_advance(HZ);
	assert_int_equal(rd(SEC), 0x58); /* the divider still holds it */
	wr(REG_A, a);
	t = timer_now();
	/* The first update 500 ms after the divider runs again. */
	fake_timer_set_now(t + HZ - HZ / 2 - 1);
	assert_int_equal(rd(SEC), 0x58);
	assert_int_equal(rd(WDAY), 4); /* Linux left it alone: it follows the date */
	fake_timer_set_now(t + HZ - HZ / 2);
	assert_int_equal(rd(SEC), 0x59);
	fake_timer_set_now(t + HZ - HZ / 2 + HZ);
	/* 2032-01-01 00:00:00, a Thursday. */
	check_time(0x00, 0x00, 0x00, 5, 0x01, 0x01, 0x32, 0x20);
}

/* SET alone: the divider keeps its phase, so the next update comes on the old grid. */
static void set_bit_keeps_the_phase(void **state)
{
	(void)state;
	fake_timer_set_now(at_second(20) + HZ / 4);
	wr(REG_B, 0x82);
	fake_timer_advance(3 * HZ);
	wr(HOUR, 0x07);
	wr(MIN, 0x30);
	wr(SEC, 0x00);
	wr(WDAY, 0x02); /* the guest says Monday although it is a Friday */
	assert_int_equal(rd(WDAY), 0x02);
	wr(REG_B, 0x02);
	assert_int_equal(rd(SEC), 0x00);
	assert_int_equal(rd(HOUR), 0x07);
	fake_timer_set_now(at_second(24) - 1);
	assert_int_equal(rd(SEC), 0x00);
	fake_timer_set_now(at_second(24));
	assert_int_equal(rd(SEC), 0x01);
	assert_int_equal(rd(WDAY), 0x06);
	fake_timer_set_now(at_second(24 + 86400));
	assert_int_equal(rd(WDAY), 0x07);
	assert_int_equal(rd(MDAY), 0x02);
	assert_int_equal(rd(MONTH), 0x03);
}

static void invalid_time_written_is_dropped(void **state)
{
	(void)state;
	wr(REG_B, 0x82);
	wr(MONTH, 0x02);
	wr(MDAY, 0x30); /* February 30th */
	fake_timer_advance(7 * HZ);
	wr(REG_B, 0x02);
	/* The clock goes on from 23:59:50 on the 29th, where SET stopped it. */
	check_time(0x50, 0x59, 0x23, 5, 0x29, 0x02, 0x24, 0x20);
	wr(SEC, 0x75); /* not BCD, written without SET: ignored */
	assert_int_equal(rd(SEC), 0x50);
	wr(SEC, 0x05); /* a valid one takes effect at once */
	assert_int_equal(rd(SEC), 0x05);
	wr(REG_B, 0x82);
	wr(YEAR, 0x69);
	wr(CENTURY, 0x19); /* 1969 is before the clock's range */
	wr(REG_B, 0x02);
	assert_int_equal(rd(YEAR), 0x24);
	assert_int_equal(rd(CENTURY), 0x20);
}

static void uip_window(void **state)
{
	(void)state;
	fake_timer_set_now(at_second(3) - UIP_TICKS - 1);
	assert_int_equal(rd(REG_A), 0x26);
	fake_timer_set_now(at_second(3) - UIP_TICKS);
	assert_int_equal(rd(REG_A), 0xa6);
	assert_int_equal(rd(SEC), 0x52);
	fake_timer_set_now(at_second(3) - 1);
	assert_int_equal(rd(REG_A), 0xa6);
	fake_timer_set_now(at_second(3));
	assert_int_equal(rd(REG_A), 0x26);
	assert_int_equal(rd(SEC), 0x53);
	/* UIP is read-only, and SET holds updates: no UIP. */
	wr(REG_A, 0xa6);
	assert_int_equal(rd(REG_A), 0x26);
	wr(REG_B, 0x82);
	fake_timer_set_now(at_second(4) - 1);
	assert_int_equal(rd(REG_A), 0x26);
}

/* An interrupt handler that reads C each time: 1024 interrupts a second, on time. */
static void periodic_interrupt(void **state)
{
	u64 period = (32 * HZ + 32767) / 32768;

	(void)state;
	irq.isr = true;
	wr(REG_B, 0x42);
	assert_int_equal(fake_timer_armed_count(), 1);
	fake_timer_advance_to(T0 + HZ - 1);
	assert_int_equal(irq.raises, 1023);
	assert_false(irq.level);
	assert_int_equal(irq.raised_at[0], T0 + period);
	assert_int_equal(irq.raised_at[511], T0 + (HZ + 1) / 2);
	assert_int_equal(irq.last_c, 0xc0);
	fake_timer_advance_to(T0 + HZ);
	assert_int_equal(irq.raises, 1024);
	assert_int_equal(irq.last_c, 0xd0); /* the update came at the same instant */
	/* 2 Hz. */
	wr(REG_A, 0x2f);
	fake_timer_advance(2 * HZ);
	assert_int_equal(irq.raises, 1028);
	/* RS 0: no periodic interrupt, no timer. */
	wr(REG_A, 0x20);
	assert_int_equal(fake_timer_armed_count(), 0);
	fake_timer_advance(2 * HZ);
	assert_int_equal(irq.raises, 1028);
}

/* Without a handler the line stays up and nothing more is timed until C is read. */
static void line_stays_up_until_c_is_read(void **state)
{
	(void)state;
	wr(REG_B, 0x42);
	fake_timer_advance(HZ / 100);
	assert_true(irq.level);
	assert_int_equal(irq.raises, 1);
	assert_int_equal(fake_timer_armed_count(), 0);
	fake_timer_advance(5 * HZ);
	assert_true(irq.level);
	assert_int_equal(rd(REG_C), 0xd0); /* IRQF, PF, and UF: updates came meanwhile */
	assert_false(irq.level);
	assert_int_equal(rd(REG_C), 0x00);
	assert_int_equal(fake_timer_armed_count(), 1);
	/* C is read-only, D too. */
	wr(REG_C, 0xff);
	wr(REG_D, 0x00);
	assert_int_equal(rd(REG_D), 0x80);
	fake_timer_advance(HZ / 100);
	assert_true(irq.level);
	wr(REG_B, 0x02); /* disabling PIE drops the line (IRQF follows the enables) */
	assert_false(irq.level);
	assert_int_equal(rd(REG_C), 0x40);
	wr(REG_B, 0x42);
	assert_false(irq.level);
}

static void flags_latch_without_enables(void **state)
{
	(void)state;
	fake_timer_advance(3 * HZ);
	assert_int_equal(rd(REG_C), 0x50); /* PF and UF, no IRQF */
	assert_int_equal(rd(REG_C), 0x00);
	fake_timer_advance(HZ / 512);
	/* Enabling PIE with PF pending raises the line at once. */
	wr(REG_B, 0x42);
	assert_true(irq.level);
	assert_int_equal(rd(REG_C), 0xc0);
	assert_false(irq.level);
	wr(REG_B, 0x02);
	/* A divider reset stops the periodic flag. */
	wr(REG_A, 0x66);
	fake_timer_advance(3 * HZ);
	assert_int_equal(rd(REG_C), 0x00);
}

static void alarm_interrupt(void **state)
{
	(void)state;
	irq.isr = true;
	wr(SEC_AL, 0x05);
	wr(MIN_AL, 0x00);
	wr(HOUR_AL, 0x00);
	wr(REG_B, 0x22);
	fake_timer_advance_to(at_second(15) - 1);
	assert_int_equal(irq.raises, 0);
	fake_timer_advance_to(at_second(15));
	assert_int_equal(irq.raises, 1);
	assert_int_equal(irq.last_c, 0xf0); /* IRQF, AF, and PF and UF which are not enabled */
	/* The next match is a day later. */
	fake_timer_advance_to(at_second(15 + 86400) - 1);
	assert_int_equal(irq.raises, 1);
	fake_timer_advance_to(at_second(15 + 86400));
	assert_int_equal(irq.raises, 2);
	/* Don't care hours and minutes: every minute at :30. */
	wr(MIN_AL, 0xc0);
	wr(HOUR_AL, 0xff);
	wr(SEC_AL, 0x30);
	fake_timer_advance(3600 * HZ);
	assert_int_equal(irq.raises, 62);
	assert_int_equal(irq.raised_at[2], at_second(86400 + 40));
	/* Everything don't care: every second. */
	wr(SEC_AL, 0xc0);
	fake_timer_advance(10 * HZ);
	assert_int_equal(irq.raises, 72);
	/* An alarm that never matches (hour 25) arms nothing. */
	wr(SEC_AL, 0x00);
	wr(HOUR_AL, 0x25);
	assert_int_equal(fake_timer_armed_count(), 0);
	fake_timer_advance(2 * 86400 * HZ);
	assert_int_equal(irq.raises, 72);
	/* 12-hour mode: 0x81 is 1 PM. */
	wr(REG_B, 0x20);
	wr(HOUR_AL, 0x81);
	wr(MIN_AL, 0x00);
	irq.raises = 0;
	fake_timer_advance(86400 * HZ);
	assert_int_equal(irq.raises, 1);
	out8(INDEX, HOUR);
	fake_timer_set_now(irq.raised_at[0]);
	assert_int_equal(in8(DATA), 0x81);
	assert_int_equal(rd(MIN), 0x00);
	assert_int_equal(rd(SEC), 0x00);
}

static void update_interrupt(void **state)
{
	(void)state;
	irq.isr = true;
	wr(REG_B, 0x12);
	fake_timer_advance_to(at_second(1) - 1);
	assert_int_equal(irq.raises, 0);
	fake_timer_advance_to(at_second(5));
	assert_int_equal(irq.raises, 5);
	for (u32 i = 0; i < 5; i++)
		assert_int_equal(irq.raised_at[i], at_second(i + 1));
	assert_int_equal(irq.last_c, 0xd0); /* IRQF, UF, and PF (1024 Hz, not enabled) */
	/* SET clears UIE and stops the updates. */
	wr(REG_B, 0x92);
	assert_int_equal(rd(REG_B), 0x82);
	assert_int_equal(fake_timer_armed_count(), 0);
	fake_timer_advance(5 * HZ);
	assert_int_equal(irq.raises, 5);
	assert_int_equal(rd(REG_C), 0x40); /* the divider runs on: periodic flag, no update */
}

static void divider_reset_stops_the_clock(void **state)
{
	u64 t;

	(void)state;
	fake_timer_set_now(at_second(2) + 5);
	wr(REG_A, 0x76);
	fake_timer_advance(60 * HZ);
	assert_int_equal(rd(SEC), 0x52);
	wr(REG_A, 0x26);
	t = timer_now();
	fake_timer_set_now(t + HZ / 2 - 1);
	assert_int_equal(rd(SEC), 0x52);
	fake_timer_set_now(t + HZ - HZ / 2);
	assert_int_equal(rd(SEC), 0x53);
}

static void cmos_ram_and_index(void **state)
{
	(void)state;
	for (u32 i = 0x0e; i < 0x80; i++)
		if (i != CENTURY)
			wr((u8)i, (u8)(i * 7));
	for (u32 i = 0x0e; i < 0x80; i++)
		if (i != CENTURY)
			assert_int_equal(rd((u8)i), (u8)(i * 7));
	/* Bit 7 of the index (NMI disable) is kept but does not select anything. */
	out8(INDEX, 0x80 | 0x10);
	assert_int_equal(in8(INDEX), 0x90);
	assert_int_equal(in8(DATA), 0x70);
	out8(DATA, 0x5a);
	assert_int_equal(rd(0x10), 0x5a);
	/* Alarm bytes are plain storage too. */
	wr(SEC_AL, 0x12);
	assert_int_equal(rd(SEC_AL), 0x12);
}

static void reset_keeps_time_and_ram(void **state)
{
	(void)state;
	wr(0x40, 0xab);
	wr(REG_A, 0x2a);
	wr(REG_B, 0x7e); /* PIE, AIE, UIE, SQWE, binary, 24 hours */
	fake_timer_advance(HZ);
	assert_true(irq.level);
	vrtc_reset(&rtc);
	assert_false(irq.level);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(rd(REG_B), 0x06);
	assert_int_equal(rd(REG_A), 0x2a);
	assert_int_equal(rd(REG_C), 0x00);
	assert_int_equal(rd(0x40), 0xab);
	assert_int_equal(rd(SEC), 51);
	fake_timer_advance(10 * HZ);
	assert_int_equal(irq.raises, 1);
}

static void century_rolls_over(void **state)
{
	(void)state;
	setup_at(4102444799); /* 2099-12-31 23:59:59 */
	check_time(0x59, 0x59, 0x23, 5, 0x31, 0x12, 0x99, 0x20);
	fake_timer_set_now(T0 + HZ);
	check_time(0x00, 0x00, 0x00, 6, 0x01, 0x01, 0x00, 0x21);
	fake_timer_set_now(T0 + HZ + 59 * 86400 * HZ);
	assert_int_equal(rd(MONTH), 0x03); /* 2100 has no February 29th */
	assert_int_equal(rd(MDAY), 0x01);
	setup_at(946684799); /* 1999-12-31 23:59:59 */
	assert_int_equal(rd(CENTURY), 0x19);
	fake_timer_set_now(T0 + HZ);
	assert_int_equal(rd(CENTURY), 0x20);
	assert_int_equal(rd(YEAR), 0x00);
}

static void wide_and_stray_accesses(void **state)
{
	const struct io_range *r = io_bus_find(&bus, INDEX, 1);
	struct io_request req = {.addr = INDEX, .size = 2, .write = true, .value = 0x3320};

	(void)state;
	assert_non_null(r);
	assert_int_equal(io_bus_dispatch(&bus, &req), 0); /* index 0x20, then 0x33 to it */
	assert_int_equal(rd(0x20), 0x33);
	req = (struct io_request){.addr = INDEX, .size = 2};
	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	assert_int_equal(req.value, 0x3320);
	req = (struct io_request){.addr = 0x6e, .size = 4};
	assert_int_equal(r->handler(r->device, &req), 0);
	assert_int_equal(req.value, 0x3320ffff);
	req = (struct io_request){.addr = 0x72, .size = 8, .write = true, .value = ~0ULL};
	assert_int_equal(r->handler(r->device, &req), 0);
	assert_int_equal(rd(0x20), 0x33);
	req = (struct io_request){.addr = INDEX, .size = 0};
	assert_int_equal(r->handler(r->device, &req), -EINVAL);
	assert_int_equal(vrtc_attach(&rtc, &bus), -EEXIST);
	assert_null(io_bus_find(&bus, 0x72, 1));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(calendar_known_dates),
		cmocka_unit_test(calendar_leap_years),
		cmocka_unit_test(calendar_every_day_round_trips),
		cmocka_unit_test(calendar_rejects_bad_fields),
		T(power_on_registers),
		T(time_runs_in_bcd),
		T(time_runs_in_binary),
		T(twelve_hour_mode),
		T(set_time_as_linux_does),
		T(set_bit_keeps_the_phase),
		T(invalid_time_written_is_dropped),
		T(uip_window),
		T(periodic_interrupt),
		T(line_stays_up_until_c_is_read),
		T(flags_latch_without_enables),
		T(alarm_interrupt),
		T(update_interrupt),
		T(divider_reset_stops_the_clock),
		T(cmos_ram_and_index),
		T(reset_keeps_time_and_ram),
		T(century_rolls_over),
		T(wide_and_stray_accesses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
