/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fake clock behind bulkhead/timer.h for host unit tests: "now" is whatever the test
 * says, and armed timers run only when the test moves time on. Like core/timer.c, a
 * periodic timer is re-armed before its callback runs, periods below 50 us are stretched
 * to 50 us, and a deadline of 0 becomes 1. Single-threaded: tests drive it from one thread.
 */
#ifndef FAKE_TIMER_H
#define FAKE_TIMER_H

#include <bulkhead/timer.h>

/* Disarms every timer and sets the clock: now, and ticks per second (timer_hz()). */
void fake_timer_reset(u64 now, u64 hz);
/* Moves now without running any timer (a CPU that has not taken its interrupt yet). */
void fake_timer_set_now(u64 now);
/*
 * Moves now forward to target, running each timer that expires on the way at its own
 * deadline (now equals the deadline while its callback runs), earliest first, as a timer
 * interrupt that is never late would. Returns the number of callbacks run.
 */
u32 fake_timer_advance_to(u64 target);
/* fake_timer_advance_to(timer_now() + ticks). */
u32 fake_timer_advance(u64 ticks);
/*
 * Runs what has expired at the current now, as a late timer interrupt does: a periodic
 * timer runs once and skips the periods it missed. Returns the number of callbacks run.
 */
u32 fake_timer_run_expired(void);
/* Timers armed right now, and timer_start() calls since fake_timer_reset(). */
u32 fake_timer_armed_count(void);
extern u32 fake_timer_starts;

#endif
