/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated Motorola MC146818 real-time clock and CMOS a VM sees (vRTC), at
 * VPLAT_RTC_BASE: port 0x70 selects one of 128 bytes (bit 7, NMI disable on a PC, is kept
 * and ignored), port 0x71 reads or writes it. Bytes 0x00-0x0d are the clock: time, alarm
 * and registers A-D; 0x0e-0x7f are 114 bytes of RAM, of which 0x32 is the century byte
 * (the FADT's CENTURY), which this model keeps as part of the time. Interrupts go to IRQ 8
 * through an irq_line_fn. Also here: calendar helpers (unix seconds <-> date and time)
 * and BCD helpers, which drivers/cmos_rtc.c shares.
 *
 * Time: the VM's clock is a wall-clock time in seconds given at vrtc_init() (the caller
 * reads the physical RTC) plus the host time elapsed since, from timer_now(). A guest that
 * sets the time changes this VM's clock only: the model keeps (TSC, seconds) pairs, never
 * touching the physical RTC. The clock counts seconds since 1970 in whatever time scale
 * the caller chose (UTC or local time): time of day is that count modulo 86400.
 *
 * Model, where the data sheet leaves a choice:
 * - The update cycle is instantaneous at each second boundary, so time bytes are always
 *   consistent; register A's UIP bit is set for the 244 us before each update (the data
 *   sheet's tBUC), unless SET or a divider reset stops updates.
 * - Register A: DV bits 110 and 111 hold the divider in reset: the clock and periodic
 *   interrupts stop, and the first update comes 500 ms after the divider is released.
 *   Every other DV value runs the clock at the 32.768 kHz rate. RS selects the periodic
 *   rate (1 and 2 are 256 and 128 Hz as on the chip, 0 none).
 * - Register B: SET stops updates (clearing UIE) and freezes the time bytes for the guest
 *   to write; clearing SET starts the clock from them at the divider's running phase
 *   (the next update follows the previous one by a second). If what was written is not
 *   a date of 1970-9999 the clock goes on from the time at which SET was set. Time bytes
 *   written without SET take effect at once in the same way. SQWE is stored (there is no
 *   SQW pin); DSE is stored and ignored (no daylight saving switches). DM and 24/12 apply
 *   to the bytes read from then on; bytes the guest left frozen keep their format, as on
 *   the chip.
 * - Register C reads and clears IRQF, PF, AF, UF; the flags are set whatever the enables
 *   say, as on the chip. Register D reads 0x80 (VRT). C and D ignore writes.
 * - Day of week counts 1-7 from Sunday = 1 and always follows the date: a value the guest
 *   writes is only seen while the clock is frozen (Linux sets the date without it, and
 *   would leave the chip's stale day behind).
 * - Alarm bytes 0xc0-0xff match any value. The alarm fires at the update that makes the
 *   time match.
 * - The IRQ 8 line is high while IRQF is set and drops when C is read. The hv_timer is
 *   armed only while the line is low and an enabled interrupt has an event ahead.
 * - Port 0x70 reads back the last byte written to it. Multi-byte accesses reach 0x70 and
 *   0x71 in address order, one byte each.
 * - vrtc_reset() is what the MC146818's RESET pin does, as on a PC reboot (the RTC is
 *   battery-backed): PIE, AIE, UIE, SQWE and the flags of C clear, the line drops; time,
 *   alarm, RAM and the other bits of A and B are kept.
 *
 * Lock rule: the vRTC's spinlock is taken with interrupts off for one port access, one
 * timer callback or a reset; hv_timer calls are made under it. irq8 is never called with
 * it held; calls for one vRTC never overlap and end with the latest level (as the vUART).
 */
#ifndef BULKHEAD_VRTC_H
#define BULKHEAD_VRTC_H

#include <bulkhead/io_bus.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/timer.h>
#include <bulkhead/types.h>
#include <bulkhead/virq.h>

#define VRTC_PORTS     2   /* index, data */
#define VRTC_CMOS_SIZE 128 /* 14 clock bytes and 114 bytes of RAM */
#define VRTC_CENTURY   0x32
#define VRTC_HZ	       32768 /* the time base the divider chain counts */

/* A date and time of the proleptic Gregorian calendar. */
struct rtc_time {
	u32 year;  /* 1970-9999 */
	u8 month;  /* 1-12 */
	u8 day;	   /* 1-31 */
	u8 hour;   /* 0-23 */
	u8 minute; /* 0-59 */
	u8 second; /* 0-59 */
	u8 wday;   /* 0-6, Sunday = 0 */
};

bool rtc_leap_year(u32 year);
/* Days in a month (1-12) of a year; 0 for another month. */
u32 rtc_days_in_month(u32 year, u32 month);
/* seconds since 1970-01-01 00:00:00, up to the end of 9999, as a date and time. */
void rtc_time_from_unix(u64 seconds, struct rtc_time *tm);
/* The reverse. Returns 0, or -EINVAL for a field out of range (tm->wday is not read). */
int rtc_time_to_unix(const struct rtc_time *tm, u64 *seconds);

static inline bool rtc_bcd_valid(u8 v)
{
	return (v & 0x0f) <= 9 && (v >> 4) <= 9;
}

static inline u8 rtc_bcd_to_bin(u8 v)
{
	return (u8)((v >> 4) * 10 + (v & 0x0f));
}

/* v below 100. */
static inline u8 rtc_bin_to_bcd(u8 v)
{
	return (u8)((v / 10) << 4 | v % 10);
}

/* Embedded in its owner (the VM). Fields are private to dm/vrtc.c. */
struct vrtc {
	spinlock_t lock;
	u8 index;		 /* port 0x70 as last written */
	u8 cmos[VRTC_CMOS_SIZE]; /* RAM, alarm, A, B; the time bytes while frozen */
	u8 flags;		 /* register C's PF, AF, UF, latched since C was read */
	u64 synced;		 /* host TSC up to which events are latched in flags */
	u64 base_tsc;		 /* a host TSC at which one of the clock's seconds began */
	u64 base_seconds;	 /* the clock's time in that second (while running) */
	u64 frozen_seconds;	 /* the time at which SET or a divider reset froze it */

	struct irq_line irq8; /* not connected: no interrupt line */

	struct hv_timer timer;
	u64 timer_deadline; /* the deadline it was last started with */
};

/*
 * Sets up rtc with its clock at unix_seconds_now (from the physical RTC, the same time
 * scale), register A 0x26 (32.768 kHz, 1024 Hz periodic rate), B 0x02 (24 hours, BCD, no
 * interrupts), RAM zeroed. irq8 (NULL: none) gets the IRQ 8 level; the timer runs on
 * physical CPU timer_cpu.
 */
void vrtc_init(struct vrtc *rtc, irq_line_fn irq8, void *ctx, u32 timer_cpu, u64 unix_seconds_now);
/* Registers ports 0x70-0x71. Returns io_bus_register()'s result. */
int vrtc_attach(struct vrtc *rtc, struct io_bus *pio);
/* The RESET pin (see above); stops the timer. For a VM reset. */
void vrtc_reset(struct vrtc *rtc);

#endif
