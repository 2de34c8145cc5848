/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The physical MC146818-compatible CMOS clock, read once at boot so that each VM's vRTC
 * (dm/vrtc.c) can start from the wall-clock time.
 */
#ifndef BULKHEAD_CMOS_RTC_H
#define BULKHEAD_CMOS_RTC_H

#include <bulkhead/types.h>

#define CMOS_RTC_INDEX_PORT 0x70
#define CMOS_RTC_DATA_PORT  0x71

/*
 * The clock's time as seconds since 1970-01-01 00:00:00 of the time scale the clock keeps
 * (UTC on most servers, local time on machines that also boot Windows). Waits for a
 * moment outside an update (UIP clear) and reads the time until two reads agree; honours
 * register B's BCD/binary and 12/24-hour modes; takes the century from byte 0x32 when it
 * is 19-21 and gives a year from 1970, else assumes 20xx. Returns 0, or -EIO when the
 * clock never leaves its update, never reads the same twice, or gives no valid date.
 * Not locked: for the boot CPU, before anything else uses ports 0x70-0x71.
 */
int cmos_rtc_read_unix_time(u64 *seconds);

#endif
