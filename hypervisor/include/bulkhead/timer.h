/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hypervisor timers: a callback at a deadline on a chosen physical CPU. Time is the host
 * TSC (timer_now()); a guest's TSC runs at the same rate, only offset. Each physical CPU
 * keeps its armed timers in deadline order and programs its local APIC timer for the
 * first; the timer interrupt runs every expired callback there, with interrupts off.
 *
 * A timer may be started or stopped from any CPU (a vCPU on one CPU writing the vPIT of
 * a VM whose boot vCPU runs on another); the owning CPU is kicked to re-program its
 * APIC timer. fn runs with interrupts off and may start or stop any timer, its own
 * included. Periods are at least 50 us, and one interrupt runs a bounded number of
 * callbacks, so a guest-chosen period cannot hold a CPU. A periodic timer is re-armed at deadline + period before fn runs (missed
 * periods are skipped, not replayed).
 */
#ifndef BULKHEAD_TIMER_H
#define BULKHEAD_TIMER_H

#include <bulkhead/types.h>

struct hv_timer;
typedef void (*hv_timer_fn)(struct hv_timer *timer);

/* Embedded in its owner; fields are private to core/timer.c except data. */
struct hv_timer {
	u64 deadline; /* host TSC; meaningful while armed */
	u64 period;   /* TSC ticks, 0: one-shot */
	hv_timer_fn fn;
	void *data; /* for fn */
	u32 cpu;    /* the physical CPU that runs fn */
	bool armed;
	struct hv_timer *next;
};

/* Sets up a stopped timer whose fn runs on physical CPU cpu. */
void timer_init(struct hv_timer *timer, hv_timer_fn fn, void *data, u32 cpu);
/* (Re)arms: fn at deadline (host TSC), then every period ticks if period is not 0. */
void timer_start(struct hv_timer *timer, u64 deadline, u64 period);
/* Disarms; fn is not running and will not run once this returns on the timer's CPU. */
void timer_stop(struct hv_timer *timer);
bool timer_armed(const struct hv_timer *timer);
/* Now, in host TSC ticks. */
u64 timer_now(void);
/* Host TSC ticks per second. */
u64 timer_hz(void);

/*
 * a * mul / div rounded down (up), without overflow while mul * div < 2^64: conversions
 * between host TSC ticks and a device's own clock (PIT, RTC, PM timer).
 */
static inline u64 ticks_scale(u64 a, u64 mul, u64 div)
{
	return a / div * mul + a % div * mul / div;
}

static inline u64 ticks_scale_up(u64 a, u64 mul, u64 div)
{
	return a / div * mul + (a % div * mul + div - 1) / div;
}

/* For the architecture: runs the calling CPU's expired timers (its timer interrupt). */
void timer_interrupt(void);

#endif
