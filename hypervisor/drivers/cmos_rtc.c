// SPDX-License-Identifier: BSD-3-Clause
/*
 * Reads the physical CMOS clock (MC146818A data sheet; the PC's century byte at 0x32).
 * Each round waits for UIP to clear (the time bytes are stable for at least 244 us after
 * that), then reads seconds, minutes, hours, day of month, month, year, century and
 * register B, in that order; two rounds in a row must agree.
 */
#include <asm/io.h>
#include <bulkhead/cmos_rtc.h>
#include <bulkhead/errno.h>
#include <bulkhead/vrtc.h>

#define RTC_SECONDS	 0x00
#define RTC_MINUTES	 0x02
#define RTC_HOURS	 0x04
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH	 0x08
#define RTC_YEAR	 0x09
#define RTC_REG_A	 0x0a
#define RTC_REG_B	 0x0b
#define RTC_CENTURY	 0x32

#define A_UIP	    0x80
#define B_DM_BINARY 0x04
#define B_24H	    0x02
#define HOUR_PM	    0x80

/* An update keeps UIP set for about 2 ms; a port read takes about 1 us. */
#define UIP_POLLS   100000
#define READ_ROUNDS 10

enum { SEC, MIN, HOUR, MDAY, MONTH, YEAR, CENTURY, REG_B, FIELDS };

static const u8 field_index[FIELDS] = {
	RTC_SECONDS, RTC_MINUTES, RTC_HOURS,   RTC_DAY_OF_MONTH,
	RTC_MONTH,   RTC_YEAR,	  RTC_CENTURY, RTC_REG_B,
};

static u8 cmos_read(u8 index)
{
	/* Bit 7 of the index port is NMI disable: left clear, NMIs stay enabled. */
	pio_write8(CMOS_RTC_INDEX_PORT, index);
	return pio_read8(CMOS_RTC_DATA_PORT);
}

static int wait_for_no_update(void)
{
	for (u32 i = 0; i < UIP_POLLS; i++)
		if (!(cmos_read(RTC_REG_A) & A_UIP))
			return 0;
	return -EIO;
}

static int read_round(u8 bytes[FIELDS])
{
	if (wait_for_no_update())
		return -EIO;
	for (u32 i = 0; i < FIELDS; i++)
		bytes[i] = cmos_read(field_index[i]);
	return 0;
}

/* A time byte in the data mode of register B, or -1 if it is not valid BCD. */
static int decode(u8 v, bool binary)
{
	if (binary)
		return v;
	return rtc_bcd_valid(v) ? rtc_bcd_to_bin(v) : -1;
}

static int decode_hours(u8 v, u8 reg_b)
{
	bool binary = reg_b & B_DM_BINARY;
	int h;

	if (reg_b & B_24H)
		return decode(v, binary);
	h = decode(v & ~HOUR_PM, binary);
	if (h < 1 || h > 12)
		return -1;
	return h % 12 + (v & HOUR_PM ? 12 : 0);
}

static int to_unix(const u8 bytes[FIELDS], u64 *seconds)
{
	bool binary = bytes[REG_B] & B_DM_BINARY;
	int sec = decode(bytes[SEC], binary);
	int min = decode(bytes[MIN], binary);
	int hour = decode_hours(bytes[HOUR], bytes[REG_B]);
	int mday = decode(bytes[MDAY], binary);
	int month = decode(bytes[MONTH], binary);
	int year = decode(bytes[YEAR], binary);
	int century = decode(bytes[CENTURY], binary);
	struct rtc_time tm;

	if (sec < 0 || min < 0 || hour < 0 || mday < 0 || month < 0 || year < 0 || year > 99)
		return -EIO;
	/* Firmware that never kept the century byte leaves anything there. */
	if (century < 19 || century > 21 || century * 100 + year < 1970)
		century = 20;
	tm = (struct rtc_time){.year = (u32)(century * 100 + year),
			       .month = (u8)month,
			       .day = (u8)mday,
			       .hour = (u8)hour,
			       .minute = (u8)min,
			       .second = (u8)sec};
	return rtc_time_to_unix(&tm, seconds) ? -EIO : 0;
}

int cmos_rtc_read_unix_time(u64 *seconds)
{
	u8 prev[FIELDS], cur[FIELDS];

	if (read_round(prev))
		return -EIO;
	for (u32 round = 0; round < READ_ROUNDS; round++) {
		bool same = true;

		if (read_round(cur))
			return -EIO;
		for (u32 i = 0; i < FIELDS; i++)
			same = same && cur[i] == prev[i];
		if (same)
			return to_unix(cur, seconds);
		for (u32 i = 0; i < FIELDS; i++)
			prev[i] = cur[i];
	}
	return -EIO;
}
