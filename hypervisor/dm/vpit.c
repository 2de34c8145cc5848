// SPDX-License-Identifier: BSD-3-Clause
/*
 * Emulated Intel 8254 PIT and port 0x61 (8254 data sheet, "Modes" and "Read-Back
 * Command"). The model and the lock rule are described in bulkhead/vpit.h.
 *
 * A counting counter is a function of the input clocks elapsed since it started: its
 * count, its OUT level and the edges it gave are computed from that number when asked,
 * so nothing runs between guest accesses. Only counter 0 arms a timer, and only to hand
 * its OUT edges to IRQ 0 on time.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/vplatform.h>
#include <bulkhead/vpit.h>

/* Control word (port 0x43) fields. */
#define CW_SC_SHIFT	6
#define CW_SC_READ_BACK 3
#define CW_RW_SHIFT	4
#define CW_RW_MASK	3
#define CW_RW_LATCH	0
#define CW_MODE_SHIFT	1
#define CW_MODE_MASK	7
#define CW_BCD		0x01
#define RB_NO_COUNT	0x20 /* read-back: 0 latches the counts */
#define RB_NO_STATUS	0x10 /* read-back: 0 latches the statuses */
#define RB_COUNTER(i)	(0x02 << (i))
#define STATUS_OUT	0x80
#define STATUS_NULL	0x40
#define ACCESS_LSB	1
#define ACCESS_MSB	2
#define ACCESS_LSB_MSB	3
#define CONTROL_PORT	3
#define CONTROL_READ	0xff /* the control word register is write-only */
#define RESET_ACCESS	ACCESS_LSB_MSB

/* Port 0x61. */
#define P61_GATE2    0x01
#define P61_WRITABLE 0x0f /* gate 2, speaker data, parity and channel check enables */
#define P61_REFRESH  0x10
#define P61_OUT2     0x20

/* timer.h: periods are at least 50 us; 60 clocks of 1193182 Hz are 50.3 us. */
#define IRQ_FLOOR_CLOCKS ((VPIT_HZ * 50 + 999999) / 1000000)

enum { CH_IDLE, CH_WAIT_GATE, CH_COUNTING };

/* Input clocks between host TSC from and now. */
static u64 clocks_between(u64 from, u64 now)
{
	u64 hz = timer_hz();

	return hz && now > from ? ticks_scale(now - from, VPIT_HZ, hz) : 0;
}

static u8 mode_of(const struct vpit_channel *ch)
{
	/* Mode bits 110 and 111 are modes 2 and 3. */
	return ch->mode_bits > 5 ? ch->mode_bits - 4 : ch->mode_bits;
}

static bool mode_is_periodic(u8 mode)
{
	return mode == 2 || mode == 3;
}

static u32 modulus(const struct vpit_channel *ch)
{
	return ch->bcd ? 10000 : 0x10000;
}

static u16 count_to_raw(const struct vpit_channel *ch, u32 v)
{
	v %= modulus(ch);
	if (!ch->bcd)
		return (u16)v;
	return (u16)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static u32 raw_to_count(const struct vpit_channel *ch, u16 raw)
{
	u32 v = raw;

	if (ch->bcd)
		v = (raw >> 12) * 1000 + (raw >> 8 & 0xf) * 100 + (raw >> 4 & 0xf) * 10 +
		    (raw & 0xf);
	return v ? v : modulus(ch);
}

/* Clocks the counting element has seen since it started. */
static u64 elapsed(const struct vpit_channel *ch, u64 now)
{
	return ch->paused ? ch->done : ch->done + clocks_between(ch->epoch, now);
}

/* The host TSC at which a running counter reaches clock c (c >= ch->done). */
static u64 clock_tsc(const struct vpit_channel *ch, u64 c)
{
	return ch->epoch + ticks_scale_up(c - ch->done, timer_hz(), VPIT_HZ);
}

/* Modes 2, 3: a count written while counting replaces n at the end of its period. */
static void advance(struct vpit_channel *ch, u64 e)
{
	if (ch->switch_at && e >= ch->switch_at) {
		ch->n = ch->cr;
		ch->load = ch->switch_at;
		ch->load_is_edge = true;
		ch->switch_at = 0;
		ch->cr_pending = false;
	}
}

/* The counting element at clock e. Caller has advanced ch to e; state is CH_COUNTING. */
static u32 element_value(const struct vpit_channel *ch, u64 e)
{
	u32 m = modulus(ch);
	u64 d;

	if (e < ch->load)
		return ch->n; /* not loaded yet: the count just written */
	d = e - ch->load;
	switch (mode_of(ch)) {
	case 2:
		return ch->n - (u32)(d % ch->n);
	case 3: {
		/* Two steps per clock, the count reloaded for each half of the period. */
		u32 half = (ch->n + 1) / 2;
		u32 p = (u32)(d % ch->n);

		if (p >= half)
			p -= half;
		return ch->n - 2 * p;
	}
	default:
		/* Modes 0, 1, 4, 5 count on past terminal count, wrapping. */
		return (ch->n % m + m - (u32)(d % m)) % m;
	}
}

/* OUT at clock e (8254 data sheet, Figures 10-15). Caller has advanced ch to e. */
static bool out_level(const struct vpit_channel *ch, u64 e)
{
	u8 mode = mode_of(ch);
	u64 d;

	if (ch->state == CH_IDLE)
		return mode != 0; /* the level a control word sets */
	if (ch->state == CH_WAIT_GATE)
		return true;
	if (e < ch->load)
		return mode != 0;
	d = e - ch->load;
	switch (mode) {
	case 0:
	case 1:
		return d >= ch->n;
	case 2:
		return d % ch->n != ch->n - 1u; /* low for the clock the count is 1 */
	case 3:
		return d % ch->n < (ch->n + 1u) / 2;
	default:
		return d != ch->n; /* modes 4, 5: one clock low at terminal count */
	}
}

/* The clock of the latest OUT rising edge at or before e, 0 if none since the start. */
static u64 latest_edge(const struct vpit_channel *ch, u64 e)
{
	u64 x;

	if (e < ch->load)
		return 0;
	switch (mode_of(ch)) {
	case 2:
	case 3:
		if (e - ch->load >= ch->n)
			return ch->load + (e - ch->load) / ch->n * ch->n;
		return ch->load_is_edge ? ch->load : 0;
	case 0:
	case 1:
		x = ch->load + ch->n; /* terminal count */
		break;
	default:
		x = ch->load + ch->n + 1; /* the end of the strobe */
		break;
	}
	return e >= x ? x : 0;
}

static u32 counter_value(struct vpit_channel *ch, u64 now)
{
	u64 e;

	if (ch->state != CH_COUNTING)
		return ch->held;
	e = elapsed(ch, now);
	advance(ch, e);
	return element_value(ch, e);
}

static bool counter_out(struct vpit_channel *ch, u64 now)
{
	u64 e = elapsed(ch, now);

	if (ch->state == CH_COUNTING)
		advance(ch, e);
	return out_level(ch, e);
}

static u8 counter_status(struct vpit_channel *ch, u64 now)
{
	u64 e = elapsed(ch, now);
	bool null_count;

	if (ch->state == CH_COUNTING)
		advance(ch, e);
	null_count = ch->state == CH_IDLE || ch->cr_pending ||
		     (ch->state == CH_COUNTING && e < ch->load);
	return (out_level(ch, e) ? STATUS_OUT : 0) | (null_count ? STATUS_NULL : 0) |
	       ch->access << CW_RW_SHIFT | ch->mode_bits << CW_MODE_SHIFT | (ch->bcd ? CW_BCD : 0);
}

/* Loads cr into the counting element on the next clock and starts counting. */
static void start(struct vpit_channel *ch, u64 now)
{
	u8 mode = mode_of(ch);

	ch->n = ch->cr;
	ch->cr_pending = false;
	ch->epoch = now;
	ch->done = 0;
	ch->load = 1;
	ch->load_is_edge = false;
	ch->switch_at = 0;
	ch->irq_last = 0;
	ch->paused = (mode == 0 || mode == 4) && !ch->gate;
	ch->state = CH_COUNTING;
}

static void stop(struct vpit_channel *ch, u64 now)
{
	ch->held = counter_value(ch, now);
	ch->state = CH_IDLE;
	ch->paused = false;
	ch->switch_at = 0;
}

static void timer_set(struct vpit *pit, u64 first, u64 period)
{
	pit->timer_first = first;
	pit->timer_period = period;
	timer_start(&pit->timer, first, period);
}

/* The periodic timer's next expiry after now falls on first, or a little after. */
static bool timer_on_track(const struct vpit *pit, u64 now, u64 first)
{
	u64 f = pit->timer_first, p = pit->timer_period;
	u64 next = now < f ? f : f + ((now - f) / p + 1) * p;

	/* Its period is rounded up: it lags the edges a little more every period. */
	return next >= first && next - first <= p / 2;
}

/*
 * Arms, keeps or stops the timer for counter 0's next OUT edge. keep: a periodic timer
 * that is on track stays as it is (the timer callback); otherwise it starts afresh (the
 * guest reprogrammed counter 0). Caller holds pit->lock.
 */
static void arm_irq_timer(struct vpit *pit, u64 now, bool keep)
{
	struct vpit_channel *ch = &pit->ch[0];
	u64 hz = timer_hz();
	u64 e, x, first;

	if (!pit->irq0 || !hz || ch->state != CH_COUNTING || ch->paused) {
		timer_stop(&pit->timer);
		return;
	}
	e = elapsed(ch, now);
	advance(ch, e);
	x = latest_edge(ch, e);
	if (mode_is_periodic(mode_of(ch))) {
		/* Below the timer's floor, one interrupt per k periods. */
		u64 k = ch->n >= IRQ_FLOOR_CLOCKS ? 1 : (IRQ_FLOOR_CLOCKS + ch->n - 1) / ch->n;
		u64 step = k * ch->n;
		u64 period = ticks_scale_up(step, hz, VPIT_HZ);

		first = clock_tsc(ch, x ? x + step : ch->load + ch->n);
		if (keep && timer_armed(&pit->timer) && pit->timer_period == period &&
		    timer_on_track(pit, now, first))
			return;
		timer_set(pit, first, period);
		return;
	}
	/* One edge per start: terminal count (modes 0, 1) or the end of the strobe (4, 5). */
	x = ch->load + ch->n + (mode_of(ch) >= 4 ? 1 : 0);
	if (x <= ch->irq_last) {
		timer_stop(&pit->timer);
		return;
	}
	first = clock_tsc(ch, x);
	if (!timer_armed(&pit->timer) || pit->timer_period || pit->timer_first != first)
		timer_set(pit, first, 0);
}

/* Caller holds pit->lock. True when counter 0 gave an edge not yet sent to IRQ 0. */
static bool counter0_edge_due(struct vpit *pit, u64 now)
{
	struct vpit_channel *ch = &pit->ch[0];
	u64 e, x;

	if (ch->state != CH_COUNTING || ch->paused)
		return false;
	e = elapsed(ch, now);
	advance(ch, e);
	x = latest_edge(ch, e);
	if (x <= ch->irq_last)
		return false;
	ch->irq_last = x;
	return true;
}

static void vpit_timer_fn(struct hv_timer *timer)
{
	struct vpit *pit = timer->data;
	u64 flags = spin_lock_irqsave(&pit->lock);
	u64 now = timer_now();
	bool edge = counter0_edge_due(pit, now);
	irq_line_fn irq0 = pit->irq0;
	void *ctx = pit->irq_ctx;

	arm_irq_timer(pit, now, true);
	spin_unlock_irqrestore(&pit->lock, flags);
	/* IRQ 0 is edge-triggered: one rising edge per OUT edge. */
	if (edge && irq0) {
		irq0(ctx, true);
		irq0(ctx, false);
	}
}

static void latch_count(struct vpit_channel *ch, u64 now)
{
	/* A second latch before the first is read is ignored. */
	if (ch->count_latch)
		return;
	ch->latched_count = count_to_raw(ch, counter_value(ch, now));
	ch->count_latch = ch->access;
}

static void latch_status(struct vpit_channel *ch, u64 now)
{
	if (ch->status_latched)
		return;
	ch->latched_status = counter_status(ch, now);
	ch->status_latched = true;
}

/* Caller holds pit->lock. */
static void write_control(struct vpit *pit, u8 val, u64 now)
{
	u32 sc = val >> CW_SC_SHIFT;
	u32 rw = (val >> CW_RW_SHIFT) & CW_RW_MASK;
	struct vpit_channel *ch;

	if (sc == CW_SC_READ_BACK) {
		for (u32 i = 0; i < VPIT_CHANNELS; i++) {
			if (!(val & RB_COUNTER(i)))
				continue;
			/* The status first: it shows the state the count is latched in. */
			if (!(val & RB_NO_STATUS))
				latch_status(&pit->ch[i], now);
			if (!(val & RB_NO_COUNT))
				latch_count(&pit->ch[i], now);
		}
		return;
	}
	ch = &pit->ch[sc];
	if (rw == CW_RW_LATCH) {
		latch_count(ch, now);
		return;
	}
	/* A control word resets the counter's logic: no count, OUT at its initial level. */
	if (ch->state == CH_COUNTING)
		stop(ch, now);
	ch->state = CH_IDLE;
	ch->mode_bits = (val >> CW_MODE_SHIFT) & CW_MODE_MASK;
	ch->access = (u8)rw;
	ch->bcd = val & CW_BCD;
	ch->write_msb_next = false;
	ch->read_msb_next = false;
	ch->cr_pending = false;
	ch->count_latch = 0;
	ch->status_latched = false;
	if (sc == 0)
		arm_irq_timer(pit, now, false);
}

/* A complete count was written. Returns true when the counter (re)started or stopped. */
static bool load_count(struct vpit_channel *ch, u32 count, u64 now)
{
	u8 mode = mode_of(ch);
	u64 e;

	ch->cr = count;
	ch->cr_pending = true;
	if (ch->state == CH_WAIT_GATE)
		return false; /* loaded by the next gate rising edge */
	if (ch->state == CH_IDLE) {
		if (mode == 1 || mode == 5 || (mode_is_periodic(mode) && !ch->gate)) {
			ch->state = CH_WAIT_GATE;
			return true;
		}
		start(ch, now);
		return true;
	}
	if (mode == 1 || mode == 5)
		return false; /* used by the next trigger */
	if (mode_is_periodic(mode)) {
		e = elapsed(ch, now);
		advance(ch, e);
		if (e >= ch->load) {
			/* The current period runs out first (data sheet, modes 2 and 3). */
			ch->switch_at = ch->load + ((e - ch->load) / ch->n + 1) * ch->n;
			return false;
		}
	}
	/* Modes 0 and 4 restart with the new count, as does a count not yet loaded. */
	start(ch, now);
	return true;
}

/* Caller holds pit->lock. */
static void write_counter(struct vpit *pit, u32 i, u8 val, u64 now)
{
	struct vpit_channel *ch = &pit->ch[i];
	u16 raw;
	bool changed;

	switch (ch->access) {
	case ACCESS_LSB:
		raw = val;
		break;
	case ACCESS_MSB:
		raw = (u16)(val << 8);
		break;
	default:
		if (!ch->write_msb_next) {
			ch->write_lsb = val;
			ch->write_msb_next = true;
			/* Mode 0: writing the first byte stops the count, OUT low. */
			if (mode_of(ch) == 0 && ch->state == CH_COUNTING) {
				stop(ch, now);
				if (i == 0)
					arm_irq_timer(pit, now, false);
			}
			return;
		}
		raw = (u16)(ch->write_lsb | val << 8);
		ch->write_msb_next = false;
		break;
	}
	changed = load_count(ch, raw_to_count(ch, raw), now);
	if (i == 0 && changed)
		arm_irq_timer(pit, now, false);
}

/* Caller holds pit->lock. */
static u8 read_counter(struct vpit_channel *ch, u64 now)
{
	u16 raw;

	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->latched_status;
	}
	switch (ch->count_latch) {
	case ACCESS_LSB:
		ch->count_latch = 0;
		return (u8)ch->latched_count;
	case ACCESS_MSB:
		ch->count_latch = 0;
		return (u8)(ch->latched_count >> 8);
	case ACCESS_LSB_MSB:
		ch->count_latch = ACCESS_MSB;
		return (u8)ch->latched_count;
	default:
		break;
	}
	raw = count_to_raw(ch, counter_value(ch, now));
	if (ch->access == ACCESS_MSB)
		return (u8)(raw >> 8);
	if (ch->access == ACCESS_LSB_MSB) {
		ch->read_msb_next = !ch->read_msb_next;
		if (!ch->read_msb_next)
			return (u8)(raw >> 8);
	}
	return (u8)raw;
}

/* Counter 2's gate (port 0x61 bit 0); counters 0 and 1 have theirs tied high. */
static void set_gate(struct vpit_channel *ch, bool level, u64 now)
{
	u8 mode = mode_of(ch);

	if (level == ch->gate)
		return;
	ch->gate = level;
	if (level) {
		if ((mode == 1 || mode == 5) && ch->state != CH_IDLE)
			start(ch, now); /* trigger, or retrigger */
		else if (mode_is_periodic(mode) && ch->state == CH_WAIT_GATE)
			start(ch, now); /* the rising edge reloads the count */
		else if (ch->state == CH_COUNTING && ch->paused) {
			ch->epoch = now;
			ch->paused = false;
		}
		return;
	}
	if (ch->state != CH_COUNTING)
		return;
	if (mode_is_periodic(mode)) {
		/* Counting stops and OUT goes high at once. */
		ch->held = counter_value(ch, now);
		ch->state = CH_WAIT_GATE;
	} else if (mode == 0 || mode == 4) {
		ch->done = elapsed(ch, now);
		ch->paused = true;
	}
}

static int vpit_access(void *device, struct io_request *req)
{
	struct vpit *pit = device;
	u64 value = 0;
	u64 flags;
	u64 now;

	if (req->size == 0 || req->size > sizeof(req->value))
		return -EINVAL;
	flags = spin_lock_irqsave(&pit->lock);
	now = timer_now();
	for (u32 i = 0; i < req->size; i++) {
		u64 addr = req->addr + i;
		bool inside = addr >= VPLAT_PIT_BASE && addr - VPLAT_PIT_BASE < VPIT_PORTS;
		u32 reg = (u32)(addr - VPLAT_PIT_BASE);
		u8 byte = 0xff;

		if (req->write && inside) {
			u8 val = (u8)(req->value >> (8 * i));

			if (reg == CONTROL_PORT)
				write_control(pit, val, now);
			else
				write_counter(pit, reg, val, now);
		} else if (!req->write) {
			if (inside)
				byte = reg == CONTROL_PORT ? CONTROL_READ
							   : read_counter(&pit->ch[reg], now);
			value |= (u64)byte << (8 * i);
		}
	}
	if (!req->write)
		req->value = value;
	spin_unlock_irqrestore(&pit->lock, flags);
	return 0;
}

static int port61_access(void *device, struct io_request *req)
{
	struct vpit *pit = device;
	u64 flags = spin_lock_irqsave(&pit->lock);
	u64 now = timer_now();

	if (req->write) {
		pit->port61 = (u8)req->value & P61_WRITABLE;
		set_gate(&pit->ch[2], pit->port61 & P61_GATE2, now);
	} else {
		/* Guests poll the refresh bit to wait: it must move on every read. */
		pit->refresh = !pit->refresh;
		req->value = pit->port61 | (pit->refresh ? P61_REFRESH : 0) |
			     (counter_out(&pit->ch[2], now) ? P61_OUT2 : 0);
	}
	spin_unlock_irqrestore(&pit->lock, flags);
	return 0;
}

/* Caller holds pit->lock (or owns pit alone). */
static void reset_state(struct vpit *pit)
{
	for (u32 i = 0; i < VPIT_CHANNELS; i++) {
		pit->ch[i] = (struct vpit_channel){
			.mode_bits = 0,
			.access = RESET_ACCESS,
			.gate = i != 2, /* counter 2's gate is port 0x61 bit 0, reset to 0 */
			.state = CH_IDLE,
		};
	}
	pit->port61 = 0;
	pit->refresh = false;
}

void vpit_init(struct vpit *pit, irq_line_fn irq0, void *ctx, u32 timer_cpu)
{
	spin_lock_init(&pit->lock);
	pit->irq0 = irq0;
	pit->irq_ctx = ctx;
	timer_init(&pit->timer, vpit_timer_fn, pit, timer_cpu);
	pit->timer_first = 0;
	pit->timer_period = 0;
	reset_state(pit);
}

int vpit_attach(struct vpit *pit, struct io_bus *pio)
{
	int err = io_bus_register(pio, VPLAT_PIT_BASE, VPIT_PORTS, vpit_access, pit, "vpit");

	if (err)
		return err;
	err = io_bus_register(pio, VPLAT_PIT_PORT61, 1, port61_access, pit, "port 0x61");
	if (err)
		io_bus_unregister(pio, VPLAT_PIT_BASE);
	return err;
}

void vpit_reset(struct vpit *pit)
{
	u64 flags = spin_lock_irqsave(&pit->lock);

	timer_stop(&pit->timer);
	reset_state(pit);
	spin_unlock_irqrestore(&pit->lock, flags);
}
