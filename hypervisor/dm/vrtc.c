// SPDX-License-Identifier: BSD-3-Clause
/*
 * Emulated MC146818 RTC and CMOS (Motorola MC146818A data sheet), and the calendar
 * arithmetic it needs. The model and the lock rule are described in bulkhead/vrtc.h.
 *
 * The clock is a pair (base_tsc, base_seconds): the time is base_seconds during the
 * second that began at host TSC base_tsc, and one more every timer_hz() ticks after. The
 * divider chain's phase is base_tsc modulo a second; periodic interrupts count 32.768 kHz
 * ticks from it. Events (update, alarm, periodic) are latched into register C's flags
 * when something looks (a register access, the timer), for the whole interval since the
 * last look, so nothing runs while no interrupt is enabled.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/vplatform.h>
#include <bulkhead/vrtc.h>

/* Clock bytes (MC146818A Figure 4). */
#define RTC_SECONDS	  0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES	  0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS	  0x04
#define RTC_HOURS_ALARM	  0x05
#define RTC_DAY_OF_WEEK	  0x06
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH	  0x08
#define RTC_YEAR	  0x09
#define RTC_REG_A	  0x0a
#define RTC_REG_B	  0x0b
#define RTC_REG_C	  0x0c
#define RTC_REG_D	  0x0d

#define A_UIP	    0x80
#define A_DV_RESET  0x60 /* DV 110 and 111 hold the divider in reset */
#define A_RS_MASK   0x0f
#define B_SET	    0x80
#define B_PIE	    0x40
#define B_AIE	    0x20
#define B_UIE	    0x10
#define B_SQWE	    0x08
#define B_DM_BINARY 0x04
#define B_24H	    0x02
#define C_IRQF	    0x80
#define C_PF	    0x40 /* the flags sit at the bit positions of their enables in B */
#define C_AF	    0x20
#define C_UF	    0x10
#define D_VRT	    0x80
#define HOUR_PM	    0x80
#define ALARM_ANY   0xc0 /* bits 7:6 both set: "don't care" */
#define INDEX_MASK  0x7f /* bit 7 of port 0x70 is NMI disable */
#define INIT_REG_A  0x26
#define INIT_REG_B  B_24H
#define UIP_TICKS   8 /* tBUC, 244 us: 8 periods of the 32.768 kHz time base */
#define ANY	    (-1)
#define NEVER	    (-2)

#define SECONDS_PER_DAY	   86400
#define DAYS_PER_400_YEARS 146097 /* the Gregorian calendar repeats every 400 years */
#define FIRST_YEAR	   1970
#define LAST_YEAR	   9999

BUILD_BUG_ON(C_PF != B_PIE || C_AF != B_AIE || C_UF != B_UIE);

static const u8 month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

bool rtc_leap_year(u32 year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

u32 rtc_days_in_month(u32 year, u32 month)
{
	if (month < 1 || month > 12)
		return 0;
	return month_days[month - 1] + (month == 2 && rtc_leap_year(year) ? 1 : 0);
}

static u32 days_in_year(u32 year)
{
	return rtc_leap_year(year) ? 366 : 365;
}

/* Leap years from year 1 to year - 1. */
static u64 leap_years_before(u32 year)
{
	year--;
	return year / 4 - year / 100 + year / 400;
}

void rtc_time_from_unix(u64 seconds, struct rtc_time *tm)
{
	u64 days = seconds / SECONDS_PER_DAY;
	u32 rest = (u32)(seconds % SECONDS_PER_DAY);
	u32 year = FIRST_YEAR + (u32)(days / DAYS_PER_400_YEARS) * 400;
	u32 month = 1;

	tm->wday = (u8)((days + 4) % 7); /* 1970-01-01 was a Thursday */
	days %= DAYS_PER_400_YEARS;
	while (days >= days_in_year(year))
		days -= days_in_year(year++);
	while (days >= rtc_days_in_month(year, month))
		days -= rtc_days_in_month(year, month++);
	tm->year = year;
	tm->month = (u8)month;
	tm->day = (u8)(days + 1);
	tm->hour = (u8)(rest / 3600);
	tm->minute = (u8)(rest / 60 % 60);
	tm->second = (u8)(rest % 60);
}

int rtc_time_to_unix(const struct rtc_time *tm, u64 *seconds)
{
	u64 days;

	if (tm->year < FIRST_YEAR || tm->year > LAST_YEAR || tm->month < 1 || tm->month > 12 ||
	    tm->day < 1 || tm->day > rtc_days_in_month(tm->year, tm->month) || tm->hour > 23 ||
	    tm->minute > 59 || tm->second > 59)
		return -EINVAL;
	days = 365ULL * (tm->year - FIRST_YEAR) + leap_years_before(tm->year) -
	       leap_years_before(FIRST_YEAR);
	for (u32 m = 1; m < tm->month; m++)
		days += rtc_days_in_month(tm->year, m);
	days += tm->day - 1u;
	*seconds = days * SECONDS_PER_DAY + tm->hour * 3600u + tm->minute * 60u + tm->second;
	return 0;
}

static bool divider_in_reset(const struct vrtc *rtc)
{
	return (rtc->cmos[RTC_REG_A] & A_DV_RESET) == A_DV_RESET;
}

/* Updates happen: neither SET nor a divider reset holds them. */
static bool clock_running(const struct vrtc *rtc)
{
	return !(rtc->cmos[RTC_REG_B] & B_SET) && !divider_in_reset(rtc);
}

/* 32.768 kHz ticks per periodic interrupt (MC146818A Table 5), 0 for none. */
static u64 periodic_ticks(const struct vrtc *rtc)
{
	u32 rs = rtc->cmos[RTC_REG_A] & A_RS_MASK;

	if (rs == 0 || divider_in_reset(rtc))
		return 0;
	return rs <= 2 ? 1ULL << (rs + 6) : 1ULL << (rs - 1);
}

/* Whole seconds of the running clock at host TSC now. */
static u64 clock_seconds(const struct vrtc *rtc, u64 now)
{
	u64 hz = timer_hz();

	if (!hz || now <= rtc->base_tsc)
		return rtc->base_seconds;
	return rtc->base_seconds + (now - rtc->base_tsc) / hz;
}

/* The host TSC at which the running clock turns to second s (s > base_seconds). */
static u64 second_tsc(const struct vrtc *rtc, u64 s)
{
	return rtc->base_tsc + (s - rtc->base_seconds) * timer_hz();
}

/* Periodic interrupts since base_tsc, up to host TSC now. */
static u64 periodic_count(const struct vrtc *rtc, u64 now, u64 ticks)
{
	u64 hz = timer_hz();

	if (!hz || now <= rtc->base_tsc)
		return 0;
	return ticks_scale(now - rtc->base_tsc, VRTC_HZ, hz) / ticks;
}

static bool binary_mode(const struct vrtc *rtc)
{
	return rtc->cmos[RTC_REG_B] & B_DM_BINARY;
}

static u8 encode(const struct vrtc *rtc, u32 v)
{
	return binary_mode(rtc) ? (u8)v : rtc_bin_to_bcd((u8)v);
}

/* A time byte in the current data mode, or NEVER when it is not a valid number. */
static int decode(const struct vrtc *rtc, u8 v)
{
	if (binary_mode(rtc))
		return v;
	return rtc_bcd_valid(v) ? rtc_bcd_to_bin(v) : NEVER;
}

static u8 encode_hours(const struct vrtc *rtc, u32 hour)
{
	u32 h12 = hour % 12 ? hour % 12 : 12;

	if (rtc->cmos[RTC_REG_B] & B_24H)
		return encode(rtc, hour);
	return encode(rtc, h12) | (hour >= 12 ? HOUR_PM : 0);
}

/* Hours 0-23 from an hours byte in the current modes, or NEVER. */
static int decode_hours(const struct vrtc *rtc, u8 v)
{
	int h;

	if (rtc->cmos[RTC_REG_B] & B_24H)
		return decode(rtc, v);
	h = decode(rtc, v & ~HOUR_PM);
	if (h < 1 || h > 12)
		return NEVER;
	return h % 12 + (v & HOUR_PM ? 12 : 0);
}

/* Caller holds rtc->lock. Writes the time bytes for clock time s. */
static void store_time(struct vrtc *rtc, u64 s)
{
	struct rtc_time tm;

	rtc_time_from_unix(s, &tm);
	rtc->cmos[RTC_SECONDS] = encode(rtc, tm.second);
	rtc->cmos[RTC_MINUTES] = encode(rtc, tm.minute);
	rtc->cmos[RTC_HOURS] = encode_hours(rtc, tm.hour);
	rtc->cmos[RTC_DAY_OF_WEEK] = encode(rtc, tm.wday + 1u);
	rtc->cmos[RTC_DAY_OF_MONTH] = encode(rtc, tm.day);
	rtc->cmos[RTC_MONTH] = encode(rtc, tm.month);
	rtc->cmos[RTC_YEAR] = encode(rtc, tm.year % 100);
	rtc->cmos[VRTC_CENTURY] = encode(rtc, tm.year / 100);
}

/* The time the time bytes say; -EINVAL if they are no date. The day of week is not read. */
static int load_time(const struct vrtc *rtc, u64 *s)
{
	int sec = decode(rtc, rtc->cmos[RTC_SECONDS]);
	int min = decode(rtc, rtc->cmos[RTC_MINUTES]);
	int hour = decode_hours(rtc, rtc->cmos[RTC_HOURS]);
	int mday = decode(rtc, rtc->cmos[RTC_DAY_OF_MONTH]);
	int month = decode(rtc, rtc->cmos[RTC_MONTH]);
	int year = decode(rtc, rtc->cmos[RTC_YEAR]);
	int century = decode(rtc, rtc->cmos[VRTC_CENTURY]);
	struct rtc_time tm;

	if (sec < 0 || min < 0 || hour < 0 || mday < 0 || month < 0 || year < 0 || year > 99 ||
	    century < 0)
		return -EINVAL;
	tm = (struct rtc_time){.year = (u32)(century * 100 + year),
			       .month = (u8)month,
			       .day = (u8)mday,
			       .hour = (u8)hour,
			       .minute = (u8)min,
			       .second = (u8)sec};
	return rtc_time_to_unix(&tm, s);
}

/* An alarm byte: ANY, NEVER (not a valid value) or the value (hours 0-23). */
static int alarm_field(const struct vrtc *rtc, u32 reg)
{
	u8 v = rtc->cmos[reg];

	if ((v & ALARM_ANY) == ALARM_ANY)
		return ANY;
	return reg == RTC_HOURS_ALARM ? decode_hours(rtc, v) : decode(rtc, v);
}

/*
 * The first clock time after s whose time of day matches the alarm bytes. Every alarm
 * that can match matches within a day, so the search covers two days of hours and
 * minutes. Returns false when the alarm can never match.
 */
static bool next_alarm(const struct vrtc *rtc, u64 s, u64 *at)
{
	int ah = alarm_field(rtc, RTC_HOURS_ALARM);
	int am = alarm_field(rtc, RTC_MINUTES_ALARM);
	int as = alarm_field(rtc, RTC_SECONDS_ALARM);
	u64 day = s - s % SECONDS_PER_DAY;

	if (ah == NEVER || am == NEVER || as == NEVER || ah > 23 || am > 59 || as > 59)
		return false;
	for (u32 h = 0; h < 48; h++) {
		if (ah != ANY && (u32)ah != h % 24)
			continue;
		for (u32 m = 0; m < 60; m++) {
			u64 minute = day + h * 3600 + m * 60;
			u64 sec;

			if ((am != ANY && (u32)am != m) || minute + 59 <= s)
				continue;
			if (as != ANY)
				sec = minute + (u32)as;
			else
				sec = minute > s ? minute : s + 1;
			if (sec > s) {
				*at = sec;
				return true;
			}
		}
	}
	return false;
}

/* Caller holds rtc->lock. Latches into flags the events between the last look and now. */
static void sync_events(struct vrtc *rtc, u64 now)
{
	u64 from = rtc->synced;
	u64 ticks = periodic_ticks(rtc);

	if (now <= from)
		return;
	if (ticks && periodic_count(rtc, now, ticks) != periodic_count(rtc, from, ticks))
		rtc->flags |= C_PF;
	if (clock_running(rtc)) {
		u64 s0 = clock_seconds(rtc, from);
		u64 s1 = clock_seconds(rtc, now);
		u64 at;

		if (s1 > s0) {
			rtc->flags |= C_UF;
			if (next_alarm(rtc, s0, &at) && at <= s1)
				rtc->flags |= C_AF;
		}
	}
	rtc->synced = now;
}

static bool irq_flag(const struct vrtc *rtc)
{
	return rtc->flags & rtc->cmos[RTC_REG_B] & (B_PIE | B_AIE | B_UIE);
}

/* Caller holds rtc->lock. Stops the clock: the time bytes hold it for the guest. */
static void freeze(struct vrtc *rtc, u64 now)
{
	rtc->frozen_seconds = clock_seconds(rtc, now);
	store_time(rtc, rtc->frozen_seconds);
}

/*
 * Caller holds rtc->lock. Runs the clock from the time bytes (or the time it froze at,
 * if they are no date), keeping the divider's phase: the current second began at the
 * last second boundary of base_tsc.
 */
static void run_from_bytes(struct vrtc *rtc, u64 now)
{
	u64 hz = timer_hz();
	u64 s;

	if (load_time(rtc, &s))
		s = rtc->frozen_seconds;
	if (hz && now > rtc->base_tsc)
		rtc->base_tsc += (now - rtc->base_tsc) / hz * hz;
	rtc->base_seconds = s;
}

/* Caller holds rtc->lock. Arms the timer for the next event that would raise IRQ 8. */
static void arm_timer(struct vrtc *rtc, u64 now)
{
	u8 b = rtc->cmos[RTC_REG_B];
	u64 ticks = periodic_ticks(rtc);
	u64 hz = timer_hz();
	u64 deadline = ~0ULL;
	u64 at;

	/* While the line is up nothing can change it until C is read. */
	if (!rtc->irq8.fn || !hz || irq_flag(rtc)) {
		timer_stop(&rtc->timer);
		return;
	}
	if ((b & B_PIE) && ticks) {
		u64 next = (periodic_count(rtc, now, ticks) + 1) * ticks;

		deadline = rtc->base_tsc + ticks_scale_up(next, hz, VRTC_HZ);
	}
	if (clock_running(rtc)) {
		u64 s = clock_seconds(rtc, now);

		if (b & B_UIE)
			deadline = MIN(deadline, second_tsc(rtc, s + 1));
		if ((b & B_AIE) && next_alarm(rtc, s, &at))
			deadline = MIN(deadline, second_tsc(rtc, at));
	}
	if (deadline == ~0ULL) {
		timer_stop(&rtc->timer);
		return;
	}
	if (!timer_armed(&rtc->timer) || rtc->timer_deadline != deadline) {
		rtc->timer_deadline = deadline;
		timer_start(&rtc->timer, deadline, 0);
	}
}

static bool irq_level_of(const void *dev)
{
	return irq_flag(dev);
}

/* Caller holds rtc->lock (taken with flags); re-arms the timer and releases the lock. */
static void vrtc_unlock(struct vrtc *rtc, u64 flags, u64 now)
{
	arm_timer(rtc, now);
	irq_line_unlock(&rtc->irq8, &rtc->lock, flags, irq_level_of, rtc);
}

static bool is_time_byte(u32 reg)
{
	return reg == RTC_SECONDS || reg == RTC_MINUTES || reg == RTC_HOURS ||
	       reg == RTC_DAY_OF_WEEK || reg == RTC_DAY_OF_MONTH || reg == RTC_MONTH ||
	       reg == RTC_YEAR || reg == VRTC_CENTURY;
}

/* Register A with UIP: the 244 us before each update. */
static u8 read_reg_a(const struct vrtc *rtc, u64 now)
{
	u64 hz = timer_hz();
	u8 a = rtc->cmos[RTC_REG_A];

	if (clock_running(rtc) && hz && now >= rtc->base_tsc &&
	    (now - rtc->base_tsc) % hz >= hz - ticks_scale_up(UIP_TICKS, hz, VRTC_HZ))
		a |= A_UIP;
	return a;
}

/* Caller holds rtc->lock; events are synced to now. */
static u8 read_register(struct vrtc *rtc, u32 reg, u64 now)
{
	u8 val;

	switch (reg) {
	case RTC_REG_A:
		return read_reg_a(rtc, now);
	case RTC_REG_C:
		val = rtc->flags | (irq_flag(rtc) ? C_IRQF : 0);
		rtc->flags = 0;
		return val;
	case RTC_REG_D:
		return D_VRT;
	default:
		if (is_time_byte(reg) && clock_running(rtc))
			store_time(rtc, clock_seconds(rtc, now));
		return rtc->cmos[reg];
	}
}

/* Caller holds rtc->lock; events are synced to now. */
static void write_reg_a(struct vrtc *rtc, u8 val, u64 now)
{
	bool was_reset = divider_in_reset(rtc);
	bool set = rtc->cmos[RTC_REG_B] & B_SET;
	u64 hz = timer_hz();

	if (!was_reset && !set && (val & A_DV_RESET) == A_DV_RESET)
		freeze(rtc, now);
	rtc->cmos[RTC_REG_A] = val & ~A_UIP;
	if (was_reset && !divider_in_reset(rtc)) {
		/* The first update comes 500 ms after the divider is released. */
		rtc->base_tsc = now >= hz / 2 ? now - hz / 2 : 0;
		if (!set)
			run_from_bytes(rtc, now);
	}
}

/* Caller holds rtc->lock; events are synced to now. */
static void write_reg_b(struct vrtc *rtc, u8 val, u64 now)
{
	bool was_set = rtc->cmos[RTC_REG_B] & B_SET;

	if (val & B_SET) {
		val &= ~B_UIE; /* SET clears UIE (MC146818A register B, bit 4) */
		if (!was_set && !divider_in_reset(rtc))
			freeze(rtc, now);
	}
	rtc->cmos[RTC_REG_B] = val;
	if (was_set && !(val & B_SET) && !divider_in_reset(rtc))
		run_from_bytes(rtc, now);
}

/* Caller holds rtc->lock; events are synced to now. */
static void write_register(struct vrtc *rtc, u32 reg, u8 val, u64 now)
{
	switch (reg) {
	case RTC_REG_A:
		write_reg_a(rtc, val, now);
		break;
	case RTC_REG_B:
		write_reg_b(rtc, val, now);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break; /* read-only */
	default:
		if (is_time_byte(reg) && clock_running(rtc)) {
			/* Without SET a time byte changes the running clock at once. */
			freeze(rtc, now);
			rtc->cmos[reg] = val;
			run_from_bytes(rtc, now);
		} else {
			rtc->cmos[reg] = val;
		}
		break;
	}
}

static int vrtc_access(void *device, struct io_request *req)
{
	struct vrtc *rtc = device;
	u64 value = 0;
	u64 flags;
	u64 now;

	if (req->size == 0 || req->size > sizeof(req->value))
		return -EINVAL;
	flags = spin_lock_irqsave(&rtc->lock);
	now = timer_now();
	sync_events(rtc, now);
	for (u32 i = 0; i < req->size; i++) {
		u64 addr = req->addr + i;
		u8 byte = 0xff;

		if (req->write) {
			u8 val = (u8)(req->value >> (8 * i));

			if (addr == VPLAT_RTC_BASE)
				rtc->index = val;
			else if (addr == VPLAT_RTC_BASE + 1)
				write_register(rtc, rtc->index & INDEX_MASK, val, now);
			continue;
		}
		if (addr == VPLAT_RTC_BASE)
			byte = rtc->index;
		else if (addr == VPLAT_RTC_BASE + 1)
			byte = read_register(rtc, rtc->index & INDEX_MASK, now);
		value |= (u64)byte << (8 * i);
	}
	if (!req->write)
		req->value = value;
	vrtc_unlock(rtc, flags, now);
	return 0;
}

static void vrtc_timer_fn(struct hv_timer *timer)
{
	struct vrtc *rtc = timer->data;
	u64 flags = spin_lock_irqsave(&rtc->lock);
	u64 now = timer_now();

	sync_events(rtc, now);
	vrtc_unlock(rtc, flags, now);
}

void vrtc_init(struct vrtc *rtc, irq_line_fn irq8, void *ctx, u32 timer_cpu, u64 unix_seconds_now)
{
	u64 now = timer_now();

	spin_lock_init(&rtc->lock);
	rtc->index = 0;
	for (u32 i = 0; i < VRTC_CMOS_SIZE; i++)
		rtc->cmos[i] = 0;
	rtc->cmos[RTC_REG_A] = INIT_REG_A;
	rtc->cmos[RTC_REG_B] = INIT_REG_B;
	rtc->flags = 0;
	rtc->synced = now;
	rtc->base_tsc = now;
	rtc->base_seconds = unix_seconds_now;
	rtc->frozen_seconds = unix_seconds_now;
	irq_line_init(&rtc->irq8, irq8, ctx);
	timer_init(&rtc->timer, vrtc_timer_fn, rtc, timer_cpu);
	rtc->timer_deadline = 0;
}

int vrtc_attach(struct vrtc *rtc, struct io_bus *pio)
{
	return io_bus_register(pio, VPLAT_RTC_BASE, VRTC_PORTS, vrtc_access, rtc, "vrtc");
}

void vrtc_reset(struct vrtc *rtc)
{
	u64 flags = spin_lock_irqsave(&rtc->lock);
	u64 now = timer_now();

	sync_events(rtc, now);
	rtc->cmos[RTC_REG_B] &= ~(B_PIE | B_AIE | B_UIE | B_SQWE);
	rtc->flags = 0;
	vrtc_unlock(rtc, flags, now);
}
