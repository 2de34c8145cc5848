// SPDX-License-Identifier: BSD-3-Clause
/* Fake hypervisor timers for host unit tests (fake_timer.h). */
#include <stdio.h>
#include <stdlib.h>
#include "fake_timer.h"

#define MIN_PERIOD_US 50	 /* as core/timer.c */
#define RUN_LIMIT     (1U << 24) /* callbacks per call: a timer that never lets time move */

static u64 now_ticks;
static u64 ticks_per_second = 1000000000;
static struct hv_timer *armed; /* unordered list through timer->next */
u32 fake_timer_starts;

static void unlink_timer(struct hv_timer *timer)
{
	for (struct hv_timer **p = &armed; *p; p = &(*p)->next) {
		if (*p == timer) {
			*p = timer->next;
			break;
		}
	}
	timer->next = NULL;
	timer->armed = false;
}

static void link_timer(struct hv_timer *timer)
{
	timer->next = armed;
	armed = timer;
	timer->armed = true;
}

void fake_timer_reset(u64 now, u64 hz)
{
	while (armed)
		unlink_timer(armed);
	now_ticks = now;
	ticks_per_second = hz;
	fake_timer_starts = 0;
}

void timer_init(struct hv_timer *timer, hv_timer_fn fn, void *data, u32 cpu)
{
	*timer = (struct hv_timer){.fn = fn, .data = data, .cpu = cpu};
}

void timer_start(struct hv_timer *timer, u64 deadline, u64 period)
{
	u64 min_period = MIN_PERIOD_US * ticks_per_second / 1000000;

	if (timer->armed)
		unlink_timer(timer);
	timer->deadline = deadline ? deadline : 1;
	timer->period = period && period < min_period ? min_period : period;
	link_timer(timer);
	fake_timer_starts++;
}

void timer_stop(struct hv_timer *timer)
{
	if (timer->armed)
		unlink_timer(timer);
}

bool timer_armed(const struct hv_timer *timer)
{
	return timer->armed;
}

u64 timer_now(void)
{
	return now_ticks;
}

u64 timer_hz(void)
{
	return ticks_per_second;
}

void timer_interrupt(void)
{
	fake_timer_run_expired();
}

void fake_timer_set_now(u64 now)
{
	now_ticks = now;
}

static struct hv_timer *earliest(void)
{
	struct hv_timer *first = armed;

	for (struct hv_timer *t = armed; t; t = t->next)
		if (t->deadline < first->deadline)
			first = t;
	return first;
}

static void check_limit(u32 runs)
{
	if (runs >= RUN_LIMIT) {
		fprintf(stderr, "fake_timer: a timer keeps expiring without time moving\n");
		abort();
	}
}

/* Unlinks timer, re-arms it when periodic (after now, skipping missed periods), runs it. */
static void expire(struct hv_timer *timer)
{
	unlink_timer(timer);
	if (timer->period) {
		u64 late = now_ticks - timer->deadline;

		timer->deadline += (late / timer->period + 1) * timer->period;
		link_timer(timer);
	}
	timer->fn(timer);
}

u32 fake_timer_advance_to(u64 target)
{
	u32 runs = 0;

	for (struct hv_timer *t = earliest(); t && t->deadline <= target; t = earliest()) {
		check_limit(runs++);
		if (t->deadline > now_ticks)
			now_ticks = t->deadline;
		expire(t);
	}
	if (target > now_ticks)
		now_ticks = target;
	return runs;
}

u32 fake_timer_advance(u64 ticks)
{
	return fake_timer_advance_to(now_ticks + ticks);
}

u32 fake_timer_run_expired(void)
{
	return fake_timer_advance_to(now_ticks);
}

u32 fake_timer_armed_count(void)
{
	u32 count = 0;

	for (struct hv_timer *t = armed; t; t = t->next)
		count++;
	return count;
}
