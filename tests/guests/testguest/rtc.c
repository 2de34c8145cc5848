// SPDX-License-Identifier: BSD-3-Clause
/*
 * tests=rtc: the MC146818-compatible CMOS RTC (Motorola MC146818A data sheet; register
 * B says BCD or binary, 12- or 24-hour). The time is read as an OS does: wait until
 * register A's UIP is clear, read, and take it when UIP is still clear and a second read
 * agrees. Every field must be in range and register D must say the time is valid; after
 * 1.1 s of TSC time the seconds must have advanced (by 1 to 3). Then the periodic
 * interrupt: 1024 Hz (register A rate 6), B.PIE, ISA IRQ 8 routed through the I/O APIC
 * as the MADT says, counted over a TSC window (within a factor of 2, tried up to
 * TIMING_ATTEMPTS times); with PIE clear again nothing more comes.
 */
#include "acpi.h"
#include "apic.h"
#include "check.h"
#include "console.h"
#include "irq.h"
#include "isa.h"
#include "lib.h"
#include "testguest.h"
#include "tsc.h"

#define T "rtc"

#define RTC_SECONDS   0x00
#define RTC_MINUTES   0x02
#define RTC_HOURS     0x04
#define RTC_DAY	      0x07
#define RTC_MONTH     0x08
#define RTC_YEAR      0x09
#define RTC_A	      0x0a
#define RTC_B	      0x0b
#define RTC_C	      0x0c
#define RTC_D	      0x0d
#define RTC_A_UIP     0x80
#define RTC_A_DV_32K  0x20 /* divider chain on, 32.768 kHz time base */
#define RTC_A_RS_1024 0x06
#define RTC_B_PIE     0x40
#define RTC_B_BINARY  0x04
#define RTC_B_24H     0x02
#define RTC_C_IRQF    0x80
#define RTC_C_PF      0x40
#define RTC_D_VRT     0x80
#define RTC_HOUR_PM   0x80
#define RTC_IRQ	      8
#define PERIODIC_HZ   1024
#define WINDOW_MS     100
#define QUIET_MS      20
#define ADVANCE_MS    1100
#define UIP_WAIT_MS   10 /* an update cycle takes under 2 ms */
#define READ_ATTEMPTS 5
#define DAY_SECONDS   86400

struct rtc_raw {
	u8 sec, min, hour, day, month, year, century;
};

struct rtc_time {
	unsigned int sec, min, hour, day, month, year, century;
	bool binary, h24, valid;
	char bad[96];
};

static volatile u8 last_c;

static bool wait_no_uip(void)
{
	u64 start = rdtsc();

	while (cmos_read(RTC_A) & RTC_A_UIP) {
		if (rdtsc() - start > tsc_ms(UIP_WAIT_MS))
			return false;
		cpu_pause();
	}
	return true;
}

static void read_raw(struct rtc_raw *r, u8 century_index)
{
	r->sec = cmos_read(RTC_SECONDS);
	r->min = cmos_read(RTC_MINUTES);
	r->hour = cmos_read(RTC_HOURS);
	r->day = cmos_read(RTC_DAY);
	r->month = cmos_read(RTC_MONTH);
	r->year = cmos_read(RTC_YEAR);
	r->century = century_index ? cmos_read(century_index) : 0;
}

/* A field in BCD or binary; sets *ok to false when it is out of [lo, hi] or not BCD. */
static unsigned int field(u8 raw, bool binary, unsigned int lo, unsigned int hi, bool *ok)
{
	unsigned int v = raw;

	if (!binary) {
		if ((raw & 0xf) > 9 || (raw >> 4) > 9)
			*ok = false;
		v = (raw >> 4) * 10 + (raw & 0xf);
	}
	if (v < lo || v > hi)
		*ok = false;
	return v;
}

static void decode(const struct rtc_raw *r, u8 b, u8 century_index, struct rtc_time *t)
{
	bool ok = true, pm = false;
	u8 hour = r->hour;

	t->binary = b & RTC_B_BINARY;
	t->h24 = b & RTC_B_24H;
	if (!t->h24) {
		pm = hour & RTC_HOUR_PM;
		hour &= (u8)~RTC_HOUR_PM;
	}
	t->sec = field(r->sec, t->binary, 0, 59, &ok);
	t->min = field(r->min, t->binary, 0, 59, &ok);
	t->hour = t->h24 ? field(hour, t->binary, 0, 23, &ok) : field(hour, t->binary, 1, 12, &ok);
	if (!t->h24)
		t->hour = t->hour % 12 + (pm ? 12 : 0);
	t->day = field(r->day, t->binary, 1, 31, &ok);
	t->month = field(r->month, t->binary, 1, 12, &ok);
	t->year = field(r->year, t->binary, 0, 99, &ok);
	t->century = century_index ? field(r->century, t->binary, 19, 99, &ok) : 0;
	t->valid = ok;
	tg_snprintf(
		t->bad, sizeof(t->bad),
		"raw sec 0x%02x min 0x%02x hour 0x%02x day 0x%02x month 0x%02x year 0x%02x century 0x%02x, B 0x%02x",
		r->sec, r->min, r->hour, r->day, r->month, r->year, r->century, b);
}

/* The UIP protocol; false when UIP never cleared or two reads never agreed. */
static bool read_time(struct rtc_time *t, u8 century_index)
{
	struct rtc_raw a, b;

	for (unsigned int i = 0; i < READ_ATTEMPTS; i++) {
		if (!wait_no_uip())
			return false;
		read_raw(&a, century_index);
		if (cmos_read(RTC_A) & RTC_A_UIP)
			continue;
		read_raw(&b, century_index);
		if (!memcmp(&a, &b, sizeof(a))) {
			decode(&a, cmos_read(RTC_B), century_index, t);
			return true;
		}
	}
	return false;
}

static unsigned int day_seconds(const struct rtc_time *t)
{
	return t->hour * 3600 + t->min * 60 + t->sec;
}

static bool check_time(u8 century_index)
{
	struct rtc_time t0, t1;
	u8 d = cmos_read(RTC_D);
	unsigned int delta;
	char year[8];

	if (!read_time(&t0, century_index)) {
		check_fail(
			T, "time",
			"expected register A's UIP to clear within %u ms and two reads to agree, register A 0x%02x",
			UIP_WAIT_MS, cmos_read(RTC_A));
		return false;
	}
	if (!t0.valid || !(d & RTC_D_VRT)) {
		check_fail(T, "time",
			   "expected valid BCD or binary fields and D.VRT set: %s, D 0x%02x",
			   t0.bad, d);
		return false;
	}
	if (t0.century)
		tg_snprintf(year, sizeof(year), "%02u%02u", t0.century, t0.year);
	else
		tg_snprintf(year, sizeof(year), "%02u", t0.year);
	check_pass(T, "time", "%s-%02u-%02u %02u:%02u:%02u, %s, %s", year, t0.month, t0.day,
		   t0.hour, t0.min, t0.sec, t0.binary ? "binary" : "BCD",
		   t0.h24 ? "24-hour" : "12-hour");
	tsc_spin(tsc_ms(ADVANCE_MS));
	if (!read_time(&t1, century_index) || !t1.valid) {
		check_fail(T, "advances", "the second read failed: %s", t1.bad);
		return true;
	}
	delta = (day_seconds(&t1) + DAY_SECONDS - day_seconds(&t0)) % DAY_SECONDS;
	check(delta >= 1 && delta <= 3, T, "advances",
	      "expected the time to advance by 1 to 3 s in %u ms of TSC time, %02u:%02u:%02u became %02u:%02u:%02u",
	      ADVANCE_MS, t0.hour, t0.min, t0.sec, t1.hour, t1.min, t1.sec);
	return true;
}

static void rtc_handler(unsigned int vector)
{
	(void)vector;
	/* Reading C ends the interrupt at the RTC (its IRQ line drops) and re-arms it. */
	last_c = cmos_read(RTC_C);
	apic_eoi();
}

static void check_periodic(void)
{
	u32 expected = PERIODIC_HZ * WINDOW_MS / 1000, before;
	u8 a = cmos_read(RTC_A), b = cmos_read(RTC_B);
	struct isa_route r;
	char why[160], seen[64];
	const char *err = irq_use_apic(why, sizeof(why));
	bool ok;

	if (!err)
		err = irq_isa_route(RTC_IRQ, false, &r, why, sizeof(why));
	if (err) {
		check_fail(T, "periodic", "%s", err);
		return;
	}
	irq_set_handler(VEC_IOAPIC_RTC, rtc_handler);
	cmos_write(RTC_A, RTC_A_DV_32K | RTC_A_RS_1024);
	cmos_read(RTC_C);
	last_c = 0;
	ioapic_set_entry(r.ioapic, r.pin, irq_route_entry(&r, VEC_IOAPIC_RTC, false));
	cmos_write(RTC_B, (u8)(b | RTC_B_PIE));
	ok = irq_rate_check(VEC_IOAPIC_RTC, WINDOW_MS, expected, seen, sizeof(seen));
	if (ok && (last_c & (RTC_C_IRQF | RTC_C_PF)) == (RTC_C_IRQF | RTC_C_PF))
		check_pass(T, "periodic",
			   "%s in %u ms, expected about %u (%u Hz, IRQ 8 -> GSI %u, pin %u)", seen,
			   WINDOW_MS, expected, PERIODIC_HZ, r.gsi, r.pin);
	else
		check_fail(
			T, "periodic",
			"expected about %u interrupts (within a factor of 2) in %u ms at %u Hz on GSI %u (pin %u), each with C.IRQF and C.PF, counted %s, C read 0x%02x",
			expected, WINDOW_MS, PERIODIC_HZ, r.gsi, r.pin, seen, last_c);

	cmos_write(RTC_B, (u8)(b & ~RTC_B_PIE));
	cmos_read(RTC_C);
	irq_enable();
	tsc_spin(tsc_ms(2)); /* one already on its way may still come */
	before = irq_count(0, VEC_IOAPIC_RTC);
	tsc_spin(tsc_ms(QUIET_MS));
	irq_disable();
	check(irq_count(0, VEC_IOAPIC_RTC) == before, T, "periodic_stops",
	      "expected no interrupt in %u ms after clearing B.PIE, got %u", QUIET_MS,
	      irq_count(0, VEC_IOAPIC_RTC) - before);
	ioapic_set_entry(r.ioapic, r.pin, irq_route_entry(&r, VEC_IOAPIC_RTC, true));
	cmos_write(RTC_A, a);
	irq_set_handler(VEC_IOAPIC_RTC, NULL);
}

void test_rtc(void)
{
	const struct platform *p = platform();

	if (p->has_fadt && (p->boot_arch & FADT_BOOT_NO_CMOS_RTC)) {
		check_skip(T, "time", "FADT IAPC_BOOT_ARCH says there is no CMOS RTC");
		return;
	}
	irq_quiesce();
	irq_stray_reset();
	if (check_time(p->has_fadt ? p->century : 0))
		check_periodic();
	irq_quiesce();
	irq_check_stray(T, "stray_interrupts");
}
