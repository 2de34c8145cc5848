// SPDX-License-Identifier: BSD-3-Clause
/*
 * The emulated 8254 (dm/vpit.c) on a real port bus, against the fake clock of
 * fakes/fake_timer.c. Expected counts and edge times are computed here from the TSC with
 * 128-bit arithmetic: clock c of a counter started at TSC t0 is reached at the first TSC t
 * with floor((t - t0) * 1193182 / hz) >= c, and a count is loaded on clock 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/io_bus.h>
#include <bulkhead/vpit.h>
#include "fake_timer.h"

#define HZ	 2893452117ULL /* an odd TSC rate: no clock edge falls on a whole tick */
#define SLOW_HZ	 1000003ULL    /* a 1 MHz TSC: the timer period rounds by 16% of a tick */
#define T0	 5000000000000ULL
#define PIT_HZ	 1193182ULL
#define CH(i)	 (0x40 + (i))
#define MODE_REG 0x43
#define PORT61	 0x61
#define MAX_IRQS 40000

struct line {
	bool level;
	u32 raises;
	u32 lowers;
	u32 redundant; /* calls that did not change the level: never expected */
	u32 locked;    /* calls made with the vPIT's lock held: never expected */
	u64 raised_at[MAX_IRQS];
};

static struct io_bus bus;
static struct vpit pit;
static struct line irq;

static void line_set(void *ctx, bool level)
{
	struct line *l = ctx;

	if (spin_is_locked(&pit.lock))
		l->locked++;
	if (level == l->level)
		l->redundant++;
	l->level = level;
	if (level) {
		if (l->raises < MAX_IRQS)
			l->raised_at[l->raises] = timer_now();
		l->raises++;
	} else {
		l->lowers++;
	}
}

static int setup_with(u64 hz)
{
	memset(&irq, 0, sizeof(irq));
	fake_timer_reset(T0, hz);
	io_bus_init(&bus, 0x10000);
	vpit_init(&pit, line_set, &irq, 1);
	assert_int_equal(vpit_attach(&pit, &bus), 0);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_with(HZ);
}

static int setup_slow(void **state)
{
	(void)state;
	return setup_with(SLOW_HZ);
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(irq.redundant, 0);
	assert_int_equal(irq.locked, 0);
	assert_false(irq.level);
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

/* Clocks between TSC t0 and t. */
static u64 clocks(u64 t0, u64 t)
{
	return (u64)((unsigned __int128)(t - t0) * PIT_HZ / timer_hz());
}

/* The first TSC at which a counter started at t0 has seen c clocks. */
static u64 clock_tsc(u64 t0, u64 c)
{
	unsigned __int128 num = (unsigned __int128)c * timer_hz();

	return t0 + (u64)((num + PIT_HZ - 1) / PIT_HZ);
}

static u8 status(u32 ch)
{
	out8(MODE_REG, 0xe0 | 2 << ch); /* read-back: status only */
	return in8(CH(ch));
}

static bool out_of(u32 ch)
{
	return status(ch) & 0x80;
}

static u16 read_latched(u32 ch)
{
	u16 lsb;

	out8(MODE_REG, (u8)(ch << 6)); /* counter latch command */
	lsb = in8(CH(ch));
	return (u16)(lsb | in8(CH(ch)) << 8);
}

static void program(u32 ch, u8 mode, u16 count)
{
	out8(MODE_REG, (u8)(ch << 6 | 0x30 | mode << 1));
	out8(CH(ch), count & 0xff);
	out8(CH(ch), count >> 8);
}

static void power_on_state(void **state)
{
	(void)state;
	for (u32 ch = 0; ch < 3; ch++) {
		/* OUT low (mode 0 after its control word), null count, LSB then MSB, mode 0. */
		assert_int_equal(status(ch), 0x70);
		assert_int_equal(in8(CH(ch)), 0);
		assert_int_equal(in8(CH(ch)), 0);
	}
	assert_int_equal(in8(MODE_REG), 0xff);
	assert_int_equal(in8(PORT61), 0x10);
	assert_int_equal(in8(PORT61), 0x00);
	fake_timer_advance(10 * HZ);
	assert_int_equal(fake_timer_starts, 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(irq.raises, 0);
}

/* arch/x86/kernel/tsc.c pit_calibrate_tsc(): counter 2, mode 0, polling port 0x61 bit 5. */
static void linux_pit_calibrate_tsc(void **state)
{
	const u16 latch = 11931; /* CAL_LATCH: 10 ms */
	const u64 exit_cost = 997;
	u64 start, high_at, delta;
	u32 loops = 0;

	(void)state;
	out8(PORT61, (in8(PORT61) & ~0x02) | 0x01);
	out8(MODE_REG, 0xb0);
	out8(CH(2), latch & 0xff);
	out8(CH(2), latch >> 8);
	start = timer_now();
	high_at = clock_tsc(start, 1 + latch);
	while (!(in8(PORT61) & 0x20)) {
		assert_true(timer_now() < high_at);
		fake_timer_advance(exit_cost);
		loops++;
	}
	/* The first poll at or after the edge sees it, the one before did not. */
	assert_true(timer_now() >= high_at);
	assert_true(timer_now() - exit_cost < high_at);
	assert_int_equal(loops, (high_at - start + exit_cost - 1) / exit_cost);
	/* Exact to the TSC: low one tick before the edge, high from it on. */
	fake_timer_set_now(high_at - 1);
	assert_int_equal(in8(PORT61) & 0x21, 0x01);
	fake_timer_set_now(high_at);
	assert_int_equal(in8(PORT61) & 0x21, 0x21);
	fake_timer_advance(HZ);
	assert_int_equal(in8(PORT61) & 0x21, 0x21);
	/* The TSC ticks between the write and the edge give the TSC rate to a tick. */
	delta = (high_at - start) * PIT_HZ / (latch + 1);
	assert_true(delta >= timer_hz());
	assert_true(delta - timer_hz() <= PIT_HZ / (latch + 1));
	/* Counter 2 has no interrupt: nothing was armed, nothing raised. */
	assert_int_equal(fake_timer_starts, 0);
	assert_int_equal(irq.raises, 0);
}

/* quick_pit_calibrate(): counter 2 from 0xffff, LSB and MSB read without a latch. */
static void linux_quick_pit_calibrate(void **state)
{
	u64 start, t;

	(void)state;
	out8(PORT61, (in8(PORT61) & ~0x02) | 0x01);
	out8(MODE_REG, 0xb0);
	out8(CH(2), 0xff);
	out8(CH(2), 0xff);
	start = timer_now();
	/* Before the first clock the counter shows the count written. */
	assert_int_equal(in8(CH(2)), 0xff);
	assert_int_equal(in8(CH(2)), 0xff);
	for (u32 i = 0; i < 1000; i++) {
		u64 c;
		u16 expect;

		fake_timer_advance(HZ / 37913 + i);
		t = timer_now();
		c = clocks(start, t);
		expect = c ? (u16)(0xffff - (c - 1)) : 0xffff;
		/* Both bytes are read at the same fake instant. */
		assert_int_equal(in8(CH(2)), expect & 0xff);
		assert_int_equal(in8(CH(2)), expect >> 8);
	}
	/* The MSB drops from 0xff to 0xfe on clock 0x101, to the TSC tick. */
	fake_timer_reset(T0, HZ);
	program(2, 0, 0xffff);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 0x101) - 1);
	in8(CH(2));
	assert_int_equal(in8(CH(2)), 0xff);
	fake_timer_set_now(clock_tsc(start, 0x101));
	in8(CH(2));
	assert_int_equal(in8(CH(2)), 0xfe);
}

/* Each interrupt came at or after its OUT edge, before the next, and no edge was lost. */
static void check_periodic_irqs(u64 start, u32 n, u64 end)
{
	u64 c = clocks(start, end);
	u32 expect = (u32)((c - 1) / n);
	u64 period = clock_tsc(0, n);

	assert_int_equal(irq.raises, expect);
	assert_int_equal(irq.lowers, expect);
	for (u32 k = 1; k <= expect && k <= MAX_IRQS; k++) {
		u64 edge = clock_tsc(start, 1 + (u64)k * n);

		assert_true(irq.raised_at[k - 1] >= edge);
		assert_true(irq.raised_at[k - 1] - edge <= period / 2);
	}
}

static void periodic_mode2_interrupt_count(void **state)
{
	const u32 n = 1193; /* 1000 Hz */
	u64 start;

	(void)state;
	program(0, 2, n);
	start = timer_now();
	assert_int_equal(fake_timer_armed_count(), 1);
	fake_timer_advance(10 * timer_hz() + 12345);
	check_periodic_irqs(start, n, timer_now());
	/* One timer start for the whole run: the periodic timer keeps up by itself. */
	assert_int_equal(fake_timer_starts, 1);
}

/* With a 1 MHz TSC the rounded-up timer period drifts fast: the vPIT pulls it back. */
static void periodic_timer_drift_is_corrected(void **state)
{
	const u32 n = 1193;
	u64 start;

	(void)state;
	program(0, 2, n);
	start = timer_now();
	fake_timer_advance(10 * timer_hz());
	check_periodic_irqs(start, n, timer_now());
	assert_true(fake_timer_starts > 2);
	assert_true(fake_timer_starts < irq.raises / 100);
}

static void mode3_square_wave(void **state)
{
	const u32 n = 1000;
	u64 start;

	(void)state;
	program(0, 3, n);
	start = timer_now();
	/* High for the first half period after the load, low for the second. */
	for (u64 c = 1; c < 3 * n; c += 97) {
		fake_timer_set_now(clock_tsc(start, c));
		assert_int_equal(out_of(0), (c - 1) % n < n / 2);
	}
	/* The count steps by two, from n down to 2 in each half. */
	fake_timer_set_now(clock_tsc(start, 1));
	assert_int_equal(read_latched(0), 1000);
	fake_timer_set_now(clock_tsc(start, 2));
	assert_int_equal(read_latched(0), 998);
	fake_timer_set_now(clock_tsc(start, 500));
	assert_int_equal(read_latched(0), 2);
	fake_timer_set_now(clock_tsc(start, 501));
	assert_int_equal(read_latched(0), 1000);
	/* Status: OUT, mode 3, LSB then MSB. */
	assert_int_equal(status(0) & 0x7f, 0x36);
	fake_timer_reset(start, HZ);
	program(0, 3, n);
	start = timer_now();
	fake_timer_advance(timer_hz());
	check_periodic_irqs(start, n, timer_now());
}

static void mode0_one_shot_on_counter0(void **state)
{
	const u32 n = 50000;
	u64 start, tc;

	(void)state;
	program(0, 0, n);
	start = timer_now();
	tc = clock_tsc(start, 1 + n);
	assert_false(out_of(0));
	assert_int_equal(fake_timer_armed_count(), 1);
	fake_timer_advance_to(tc - 1);
	assert_int_equal(irq.raises, 0);
	assert_false(out_of(0));
	fake_timer_advance_to(tc);
	assert_int_equal(irq.raises, 1);
	assert_int_equal(irq.raised_at[0], tc);
	assert_true(out_of(0));
	/* Terminal count is reached once: nothing stays armed, OUT stays high. */
	assert_int_equal(fake_timer_armed_count(), 0);
	fake_timer_advance(5 * timer_hz());
	assert_int_equal(irq.raises, 1);
	assert_true(out_of(0));
	/* The counter wrapped and goes on counting down. */
	assert_int_equal(read_latched(0), (u16)(0x10000 - (clocks(start, timer_now()) - 1 - n)));
}

/* Linux's one-shot clock event device: mode 4, a count per event. */
static void mode4_one_shot_strobe(void **state)
{
	const u32 n = 1193;
	u64 start;

	(void)state;
	program(0, 4, n);
	start = timer_now();
	assert_true(out_of(0));
	fake_timer_set_now(clock_tsc(start, 1 + n));
	assert_false(out_of(0)); /* the strobe: low for one clock at terminal count */
	fake_timer_advance(timer_hz());
	assert_int_equal(irq.raises, 1);
	assert_int_equal(irq.raised_at[0], clock_tsc(start, 2 + n));
	assert_true(out_of(0));
	assert_int_equal(fake_timer_armed_count(), 0);
	/* A new count is a new event. */
	out8(CH(0), 100);
	out8(CH(0), 0);
	start = timer_now();
	fake_timer_advance(timer_hz());
	assert_int_equal(irq.raises, 2);
	assert_int_equal(irq.raised_at[1], clock_tsc(start, 102));
}

/* Linux's shutdown: mode 0 and a count of 0, which is 65536. */
static void count_zero_is_65536(void **state)
{
	u64 start;

	(void)state;
	out8(MODE_REG, 0x30);
	out8(CH(0), 0);
	out8(CH(0), 0);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 1));
	assert_int_equal(read_latched(0), 0);
	fake_timer_set_now(clock_tsc(start, 2));
	assert_int_equal(read_latched(0), 0xffff);
	fake_timer_run_expired();
	fake_timer_advance(timer_hz());
	assert_int_equal(irq.raises, 1);
	assert_int_equal(irq.raised_at[0], clock_tsc(start, 1 + 65536));
}

static void latch_holds_the_count(void **state)
{
	u64 start;

	(void)state;
	program(1, 2, 40000);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 101));
	out8(MODE_REG, 0x40); /* latch counter 1 */
	fake_timer_advance(HZ / 1000);
	out8(MODE_REG, 0x40); /* ignored: the first latch is still unread */
	assert_int_equal(in8(CH(1)), (40000 - 100) & 0xff);
	fake_timer_advance(HZ / 1000);
	assert_int_equal(in8(CH(1)), (40000 - 100) >> 8);
	/* Released: the next reads follow the counter. */
	{
		u64 c = clocks(start, timer_now());
		u16 v = (u16)(40000 - (c - 1));

		assert_int_equal(in8(CH(1)), v & 0xff);
		assert_int_equal(in8(CH(1)), v >> 8);
	}
}

static void read_back_latches_status_and_count(void **state)
{
	u64 start, t;

	(void)state;
	program(0, 2, 1000);
	program(2, 0, 5000);
	out8(PORT61, 0x01); /* gate counter 2 on: it only starts counting now */
	program(2, 0, 5000);
	start = timer_now();
	assert_int_equal(status(2), 0x70); /* OUT low, count not loaded before the first clock */
	fake_timer_set_now(clock_tsc(start, 11));
	/* Counters 0 and 2, count and status. */
	out8(MODE_REG, 0xc0 | 0x08 | 0x02);
	fake_timer_advance(HZ);
	assert_int_equal(in8(CH(0)), 0xb4); /* status first: OUT high, mode 2 */
	assert_int_equal(in8(CH(0)), (1000 - 10) & 0xff);
	assert_int_equal(in8(CH(0)), (1000 - 10) >> 8);
	assert_int_equal(in8(CH(2)), 0x30);
	assert_int_equal(in8(CH(2)), (5000 - 10) & 0xff);
	assert_int_equal(in8(CH(2)), (5000 - 10) >> 8);
	/* Count only, then status only: the status still comes first. */
	out8(MODE_REG, 0xd0 | 0x08);
	t = timer_now();
	fake_timer_advance(HZ / 3);
	out8(MODE_REG, 0xe0 | 0x08);
	assert_int_equal(in8(CH(2)), 0xb0);
	/* The count latched earlier (the latch command in read_latched() is ignored). */
	assert_int_equal(read_latched(2), (u16)(5000 - (clocks(start, t) - 1)));
	/* A status latched twice gives the first one: OUT low while the count is 1. */
	fake_timer_set_now(clock_tsc(start, 1000 * 7));
	out8(MODE_REG, 0xe0 | 0x02);
	program(1, 1, 7); /* other counters do not disturb it */
	fake_timer_set_now(clock_tsc(start, 1000 * 7 + 1));
	assert_true(out_of(1));
	out8(MODE_REG, 0xe0 | 0x02);
	assert_int_equal(in8(CH(0)), 0x34);
	assert_int_equal(status(0), 0xb4);
	/* A control word drops latches: mode 2 is idle, OUT high, null count. */
	out8(MODE_REG, 0xc0 | 0x10 | 0x02);
	out8(MODE_REG, 0x34);
	assert_int_equal(status(0), 0xf4);
}

static void lsb_msb_access_modes(void **state)
{
	u64 start;

	(void)state;
	/* LSB only: the MSB is 0. */
	out8(MODE_REG, 0x90); /* counter 2, LSB, mode 0 */
	out8(PORT61, 0x01);
	out8(CH(2), 200);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 51));
	assert_int_equal(in8(CH(2)), 150);
	assert_int_equal(in8(CH(2)), 150);
	assert_int_equal(status(2), 0x10);
	/* MSB only: the LSB is 0. */
	out8(MODE_REG, 0xa0);
	out8(CH(2), 0x12);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 0x101));
	assert_int_equal(in8(CH(2)), 0x11);
	out8(MODE_REG, 0x80); /* a latch reads the MSB only, once */
	fake_timer_advance(HZ);
	assert_int_equal(in8(CH(2)), 0x11);
	assert_int_equal(in8(CH(2)), (u8)((0x1200 - (clocks(start, timer_now()) - 1)) >> 8));
	/* LSB then MSB: writes and reads have their own flip-flops and may interleave. */
	out8(MODE_REG, 0xb0);
	out8(CH(2), 0x34);
	assert_int_equal(status(2) & 0x40, 0x40); /* first byte only: null count */
	out8(CH(2), 0x12);
	assert_int_equal(in8(CH(2)), 0x34); /* not loaded yet: reads the count written */
	out8(CH(2), 0x78);
	assert_int_equal(in8(CH(2)), 0x12);
	out8(CH(2), 0x56);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 1));
	assert_int_equal(in8(CH(2)), 0x78);
	assert_int_equal(in8(CH(2)), 0x56);
	/* A control word resets the read flip-flop. */
	assert_int_equal(in8(CH(2)), 0x78);
	out8(MODE_REG, 0xb0);
	assert_int_equal(in8(CH(2)), 0x78); /* LSB of the count it held when it stopped */
	assert_int_equal(in8(CH(2)), 0x56);
}

static void mode0_first_byte_stops_the_count(void **state)
{
	u64 start;

	(void)state;
	program(0, 0, 1000);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 501));
	out8(CH(0), 0x00); /* LSB of a new count: counting stops */
	assert_int_equal(fake_timer_armed_count(), 0);
	fake_timer_advance(HZ);
	assert_int_equal(irq.raises, 0);
	assert_false(out_of(0));
	assert_int_equal(read_latched(0), 500);
	out8(CH(0), 0x01); /* MSB: 256 clocks from now */
	start = timer_now();
	fake_timer_advance(HZ);
	assert_int_equal(irq.raises, 1);
	assert_int_equal(irq.raised_at[0], clock_tsc(start, 257));
}

static void periodic_count_rewrite_waits_for_the_period_end(void **state)
{
	u64 start, switch_at;

	(void)state;
	program(0, 2, 1000);
	start = timer_now();
	fake_timer_advance_to(clock_tsc(start, 1 + 2500));
	assert_int_equal(irq.raises, 2);
	out8(CH(0), 3000 & 0xff);
	out8(CH(0), 3000 >> 8);
	assert_int_equal(status(0) & 0x40, 0x40); /* null count until the reload */
	assert_int_equal(read_latched(0), 500);	  /* the old period runs on */
	switch_at = clock_tsc(start, 1 + 3000);
	fake_timer_advance_to(switch_at - 1);
	assert_int_equal(irq.raises, 2);
	fake_timer_advance_to(switch_at + 10); /* the timer lags the edges by a tick or two */
	assert_int_equal(irq.raises, 3);
	assert_true(irq.raised_at[2] >= switch_at);
	assert_int_equal(status(0) & 0x40, 0);
	assert_int_equal(read_latched(0), 3000);
	fake_timer_advance_to(clock_tsc(start, 1 + 3000 + 3 * 3000) + 10);
	assert_int_equal(irq.raises, 6);
	for (u32 k = 3; k < 6; k++)
		assert_true(irq.raised_at[k] >= clock_tsc(start, 1 + 3000 + (k - 2) * 3000ULL));
}

static void gate_controls_counter2(void **state)
{
	u64 start, t;

	(void)state;
	/* Mode 0: gate low pauses the count. */
	out8(PORT61, 0x01);
	program(2, 0, 1000);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 301));
	out8(PORT61, 0x00);
	fake_timer_advance(HZ);
	assert_int_equal(read_latched(2), 700);
	out8(PORT61, 0x01);
	t = timer_now();
	fake_timer_set_now(clock_tsc(t, 700) - 1);
	assert_int_equal(in8(PORT61) & 0x20, 0);
	fake_timer_set_now(clock_tsc(t, 700));
	assert_int_equal(in8(PORT61) & 0x20, 0x20);
	/* Mode 2: gate low forces OUT high and stops; the rising edge reloads. */
	program(2, 2, 100);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 100));
	assert_int_equal(in8(PORT61) & 0x20, 0); /* the count is 1: OUT low */
	out8(PORT61, 0x00);
	assert_int_equal(in8(PORT61) & 0x20, 0x20);
	fake_timer_advance(HZ);
	assert_int_equal(read_latched(2), 1);
	out8(PORT61, 0x01);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 1));
	assert_int_equal(read_latched(2), 100);
	/* Mode 1: waits for a trigger, OUT low until terminal count, retriggerable. */
	out8(PORT61, 0x00);
	program(2, 1, 50);
	fake_timer_advance(HZ);
	assert_int_equal(in8(PORT61) & 0x20, 0x20);
	assert_int_equal(status(2) & 0x40, 0x40);
	out8(PORT61, 0x01);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 1));
	assert_int_equal(in8(PORT61) & 0x20, 0);
	fake_timer_set_now(clock_tsc(start, 50));
	assert_int_equal(in8(PORT61) & 0x20, 0);
	out8(PORT61, 0x00);
	out8(PORT61, 0x01); /* retrigger */
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 50));
	assert_int_equal(in8(PORT61) & 0x20, 0);
	fake_timer_set_now(clock_tsc(start, 51));
	assert_int_equal(in8(PORT61) & 0x20, 0x20);
	/* Mode 5: a strobe of one clock after the trigger's count. */
	out8(PORT61, 0x00);
	program(2, 5, 20);
	out8(PORT61, 0x01);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 20));
	assert_int_equal(in8(PORT61) & 0x20, 0x20);
	fake_timer_set_now(clock_tsc(start, 21));
	assert_int_equal(in8(PORT61) & 0x20, 0);
	fake_timer_set_now(clock_tsc(start, 22));
	assert_int_equal(in8(PORT61) & 0x20, 0x20);
	/* Counter 0's gate is high for good: mode 1 never starts there. */
	program(0, 1, 10);
	fake_timer_advance(HZ);
	assert_true(out_of(0));
	assert_int_equal(irq.raises, 0);
	assert_int_equal(fake_timer_armed_count(), 0);
}

static void port61_bits(void **state)
{
	(void)state;
	out8(PORT61, 0xff);
	assert_int_equal(in8(PORT61) & ~0x10, 0x0f); /* bits 7:4 are not written */
	out8(PORT61, 0x0a);
	assert_int_equal(in8(PORT61) & ~0x10, 0x0a);
	/* Bit 4 changes on every read. */
	assert_int_equal((in8(PORT61) ^ in8(PORT61)) & 0x10, 0x10);
	/* Bit 5 is counter 2's OUT: mode 2 is high after its control word. */
	out8(MODE_REG, 0xb4);
	assert_int_equal(in8(PORT61) & 0x20, 0x20);
}

static void bcd_counting(void **state)
{
	u64 start;

	(void)state;
	out8(PORT61, 0x01);
	out8(MODE_REG, 0xb1); /* counter 2, LSB then MSB, mode 0, BCD */
	out8(CH(2), 0x00);
	out8(CH(2), 0x10); /* 1000 */
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 1 + 1));
	assert_int_equal(read_latched(2), 0x0999);
	fake_timer_set_now(clock_tsc(start, 1 + 1000));
	assert_int_equal(read_latched(2), 0x0000);
	assert_int_equal(in8(PORT61) & 0x20, 0x20);
	fake_timer_set_now(clock_tsc(start, 1 + 1001));
	assert_int_equal(read_latched(2), 0x9999); /* wraps in decimal */
	assert_int_equal(status(2), 0xb1);
	/* A BCD count of 0 is 10000. */
	out8(CH(2), 0x00);
	out8(CH(2), 0x00);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 1 + 9999));
	assert_int_equal(read_latched(2), 0x0001);
	fake_timer_set_now(clock_tsc(start, 1 + 10000));
	assert_int_equal(in8(PORT61) & 0x20, 0x20);
}

static void reset_stops_everything(void **state)
{
	(void)state;
	u64 start;

	program(0, 2, 1193);
	start = timer_now();
	out8(PORT61, 0x03);
	program(2, 3, 1000);
	fake_timer_advance(HZ / 10);
	assert_int_equal(irq.raises, (clocks(start, timer_now()) - 1) / 1193);
	assert_int_equal(fake_timer_armed_count(), 1);
	vpit_reset(&pit);
	assert_int_equal(fake_timer_armed_count(), 0);
	fake_timer_advance(HZ);
	assert_int_equal(irq.raises, (clocks(start, timer_now() - HZ) - 1) / 1193);
	for (u32 ch = 0; ch < 3; ch++)
		assert_int_equal(status(ch), 0x70);
	assert_int_equal(in8(PORT61) & ~0x10, 0);
}

/* A period below the timer's 50 us floor: one interrupt per k periods, none lost beyond. */
static void fast_periods_are_thinned(void **state)
{
	u64 start, c;

	(void)state;
	program(0, 2, 2); /* 596 kHz */
	start = timer_now();
	fake_timer_advance(timer_hz() / 10);
	/* The first edge, then one every 60 clocks (50.3 us). */
	c = clocks(start, timer_now());
	assert_true(irq.raises >= (c - 3) / 60);
	assert_true(irq.raises <= (c - 3) / 60 + 1);
	assert_int_equal(irq.raised_at[0], clock_tsc(start, 3));
}

/* A timer interrupt that comes late delivers one interrupt and gets back on the grid. */
static void late_timer_drops_missed_periods(void **state)
{
	const u32 n = 11932;
	u64 start;

	(void)state;
	program(0, 2, n);
	start = timer_now();
	fake_timer_set_now(clock_tsc(start, 1 + 5 * n + 10));
	assert_int_equal(fake_timer_run_expired(), 1);
	assert_int_equal(irq.raises, 1);
	fake_timer_advance_to(clock_tsc(start, 1 + 6 * n) - 1);
	assert_int_equal(irq.raises, 1);
	fake_timer_advance_to(clock_tsc(start, 1 + 7 * n) - 1);
	assert_int_equal(irq.raises, 2);
	assert_true(irq.raised_at[1] >= clock_tsc(start, 1 + 6 * n));
	assert_true(irq.raised_at[1] - clock_tsc(start, 1 + 6 * n) < 10);
}

/* Reprogramming counter 0 while its timer is armed re-arms it for the new count. */
static void reprogramming_counter0_rearms(void **state)
{
	u64 start;

	(void)state;
	program(0, 2, 5000);
	fake_timer_advance(HZ / 100);
	assert_int_equal(irq.raises, 2);
	out8(MODE_REG, 0x34); /* a control word alone stops the counter and its timer */
	assert_int_equal(fake_timer_armed_count(), 0);
	fake_timer_advance(HZ);
	assert_int_equal(irq.raises, 2);
	program(0, 2, 5000);
	program(0, 0, 100);
	start = timer_now();
	assert_int_equal(fake_timer_armed_count(), 1);
	fake_timer_advance(HZ);
	assert_int_equal(irq.raises, 3);
	assert_int_equal(irq.raised_at[2], clock_tsc(start, 101));
}

static void wide_and_stray_accesses(void **state)
{
	const struct io_range *r = io_bus_find(&bus, 0x40, 1);
	struct io_request req = {.addr = 0x40, .size = 4, .write = true, .value = 0x36000000};

	(void)state;
	assert_non_null(r);
	/* A dword at 0x40: counters 0-2 get a byte each, then the control word. */
	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	assert_int_equal(status(0), 0xf6);
	req = (struct io_request){.addr = 0x42, .size = 2};
	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	assert_int_equal(req.value >> 8, 0xff);
	/* Straight to the handler, beyond the ports: reads 0xff, writes dropped. */
	req = (struct io_request){.addr = 0x3e, .size = 4};
	assert_int_equal(r->handler(r->device, &req), 0);
	assert_int_equal(req.value & 0xffff, 0xffff);
	req = (struct io_request){.addr = 0x44, .size = 8, .write = true, .value = ~0ULL};
	assert_int_equal(r->handler(r->device, &req), 0);
	req = (struct io_request){.addr = 0x40, .size = 0};
	assert_int_equal(r->handler(r->device, &req), -EINVAL);
	assert_int_equal(fake_timer_armed_count(), 0);
	/* Port 0x61 is one byte wide: the bus refuses a word there. */
	req = (struct io_request){.addr = 0x61, .size = 2};
	assert_int_equal(io_bus_dispatch(&bus, &req), -ENOENT);
}

static int dummy_handler(void *device, struct io_request *req)
{
	(void)device;
	(void)req;
	return 0;
}

static void attach_claims_the_ports(void **state)
{
	struct io_bus other;
	struct vpit quiet;

	(void)state;
	assert_non_null(io_bus_find(&bus, 0x40, 4));
	assert_non_null(io_bus_find(&bus, 0x61, 1));
	assert_null(io_bus_find(&bus, 0x44, 1));
	assert_null(io_bus_find(&bus, 0x60, 1));
	assert_int_equal(vpit_attach(&pit, &bus), -EEXIST);
	/* When 0x61 is taken, nothing stays registered. */
	io_bus_init(&other, 0x10000);
	assert_int_equal(io_bus_register(&other, 0x61, 1, dummy_handler, NULL, "taken"), 0);
	vpit_init(&quiet, NULL, NULL, 0);
	assert_int_equal(vpit_attach(&quiet, &other), -EEXIST);
	assert_null(io_bus_find(&other, 0x40, 1));
	/* Without an IRQ 0 callback counter 0 needs no timer. */
	io_bus_init(&other, 0x10000);
	assert_int_equal(vpit_attach(&quiet, &other), 0);
	{
		struct io_request req = {.addr = 0x43, .size = 1, .write = true, .value = 0x34};

		assert_int_equal(io_bus_dispatch(&other, &req), 0);
		req.addr = 0x40;
		req.value = 0x10;
		assert_int_equal(io_bus_dispatch(&other, &req), 0);
		assert_int_equal(io_bus_dispatch(&other, &req), 0);
	}
	assert_int_equal(fake_timer_armed_count(), 0);
}

#define T(fn)	   cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define T_SLOW(fn) cmocka_unit_test_setup_teardown(fn, setup_slow, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(power_on_state),
		T(linux_pit_calibrate_tsc),
		T_SLOW(linux_pit_calibrate_tsc),
		T(linux_quick_pit_calibrate),
		T(periodic_mode2_interrupt_count),
		T_SLOW(periodic_timer_drift_is_corrected),
		T(mode3_square_wave),
		T(mode0_one_shot_on_counter0),
		T(mode4_one_shot_strobe),
		T(count_zero_is_65536),
		T(latch_holds_the_count),
		T(read_back_latches_status_and_count),
		T(lsb_msb_access_modes),
		T(mode0_first_byte_stops_the_count),
		T(periodic_count_rewrite_waits_for_the_period_end),
		T(gate_controls_counter2),
		T(port61_bits),
		T(bcd_counting),
		T(reset_stops_everything),
		T(fast_periods_are_thinned),
		T(late_timer_drops_missed_periods),
		T(reprogramming_counter0_rearms),
		T(wide_and_stray_accesses),
		T(attach_claims_the_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
