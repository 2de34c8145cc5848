// SPDX-License-Identifier: BSD-3-Clause
/*
 * The virtual LAPIC (guest/vlapic.c), part four: its timer (SDM Vol 3A 11.5.4) on the
 * fake clock of fakes/fake_timer.c. One-shot with each divider, periodic, masked, stopped,
 * a mode or divider change while counting, and TSC-deadline mode with IA32_TSC_DEADLINE
 * in guest TSC (host TSC + the vCPU's offset). The vLAPIC counts in TSC ticks: an initial
 * count N at divider D lasts N * D ticks. The VM and helpers: vlapic_harness.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <asm/vlapic.h>
#include "fake_timer.h"
#include "fake_vm_env.h"
#include "vlapic_harness.h"

#define VEC 0x40

/* Folds what the timer posted; whether VEC is now requested (then takes and EOIs it). */
static bool fired(struct vcpu *v)
{
	vlapic_sync(v);
	if (!vec_bit(v, REG_IRR, VEC))
		return false;
	vlapic_intr_accepted(v, VEC);
	eoi(v);
	return true;
}

static struct vcpu *timer_vcpu(void)
{
	struct vcpu *v = vcpu(1);

	sw_enable(v);
	return v;
}

/* DCR encodings (bits 3, 1:0) and their dividers (figure 11-10). */
static const struct {
	u32 dcr;
	u32 divider;
} dividers[] = {{0x0, 2},  {0x1, 4},  {0x2, 8},	  {0x3, 16},
		{0x8, 32}, {0x9, 64}, {0xa, 128}, {0xb, 1}};

static void one_shot_with_each_divider(void **state)
{
	struct vcpu *v = timer_vcpu();

	(void)state;
	reg_wr(v, REG_LVT_TIMER, VEC);
	for (size_t i = 0; i < sizeof(dividers) / sizeof(dividers[0]); i++) {
		u64 d = dividers[i].divider, start;

		reg_wr(v, REG_DCR, dividers[i].dcr | 0xf0); /* only bits 3, 1, 0 exist */
		assert_int_equal(reg_rd(v, REG_DCR), dividers[i].dcr);
		fake_env.kick_count = 0;
		reg_wr(v, REG_TMICT, 1000);
		start = timer_now();
		assert_int_equal(reg_rd(v, REG_TMICT), 1000);
		assert_int_equal(reg_rd(v, REG_TMCCT), 1000);
		assert_int_equal(fake_timer_advance(250 * d), 0);
		assert_int_equal(reg_rd(v, REG_TMCCT), 750);
		assert_int_equal(fake_timer_advance_to(start + 999 * d), 0);
		assert_int_equal(reg_rd(v, REG_TMCCT), 1);
		/* Not a tick early... */
		assert_int_equal(fake_timer_advance_to(start + 1000 * d - 1), 0);
		assert_false(fired(v));
		/* ...and exactly at initial count * divider. */
		assert_int_equal(fake_timer_advance_to(start + 1000 * d), 1);
		assert_int_equal(fake_kicks_of(v), 1);
		assert_true(fired(v));
		assert_int_equal(reg_rd(v, REG_TMCCT), 0);
		assert_int_equal(reg_rd(v, REG_TMICT), 1000);
		/* Once. */
		assert_int_equal(fake_timer_advance(10 * 1000 * d), 0);
		assert_false(fired(v));
		assert_int_equal(fake_timer_armed_count(), 0);
	}
}

static void periodic_rearms_and_the_count_wraps(void **state)
{
	struct vcpu *v = timer_vcpu();
	const u64 period = 100000; /* TSC ticks: 100 us at 1 GHz */
	u64 start;

	(void)state;
	reg_wr(v, REG_DCR, 0xb); /* divide by 1 */
	reg_wr(v, REG_LVT_TIMER, LVT_PERIODIC | VEC);
	reg_wr(v, REG_TMICT, period);
	start = timer_now();
	assert_int_equal(fake_timer_advance_to(start + period - 1), 0);
	assert_int_equal(fake_timer_advance_to(start + period + period / 2), 1);
	assert_int_equal(reg_rd(v, REG_TMCCT), period / 2);
	assert_true(fired(v));
	/* Reloaded from the initial count at each zero. */
	assert_int_equal(fake_timer_advance_to(start + 2 * period), 1);
	assert_int_equal(reg_rd(v, REG_TMCCT), period);
	assert_true(fired(v));
	assert_int_equal(fake_timer_advance_to(start + 10 * period + period / 4), 8);
	assert_int_equal(reg_rd(v, REG_TMCCT), period - period / 4);
	assert_true(fired(v));
	assert_int_equal(fake_timer_armed_count(), 1);
	assert_int_equal(fake_timer_starts, 1); /* one arming; the timer re-arms itself */
	/* Periodic with a divider. */
	reg_wr(v, REG_DCR, 0x1); /* divide by 4 */
	reg_wr(v, REG_TMICT, 50000);
	start = timer_now();
	assert_int_equal(fake_timer_advance_to(start + 3 * 200000), 3);
	assert_true(fired(v));
}

static void masked_timer_counts_but_posts_nothing(void **state)
{
	struct vcpu *v = timer_vcpu();
	u64 start;

	(void)state;
	reg_wr(v, REG_LVT_TIMER, LVT_MASKED | VEC);
	reg_wr(v, REG_TMICT, 1000); /* divide by 2 */
	start = timer_now();
	fake_timer_advance(400);
	assert_int_equal(reg_rd(v, REG_TMCCT), 800);
	fake_env.kick_count = 0;
	assert_int_equal(fake_timer_advance_to(start + 2000), 1);
	assert_false(fired(v));
	assert_int_equal(fake_env.kick_count, 0);
	assert_int_equal(reg_rd(v, REG_TMCCT), 0);
	/* Periodic and masked: counts on; unmasked (same mode), it posts at the next zero. */
	reg_wr(v, REG_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | VEC);
	reg_wr(v, REG_TMICT, 100000);
	start = timer_now();
	assert_int_equal(fake_timer_advance_to(start + 3 * 200000), 3);
	assert_false(fired(v));
	reg_wr(v, REG_LVT_TIMER, LVT_PERIODIC | VEC);
	assert_int_equal(fake_timer_armed_count(), 1);
	assert_int_equal(fake_timer_advance_to(start + 4 * 200000), 1);
	assert_true(fired(v));
}

/* A software-disabled APIC keeps the timer LVT masked (11.4.7.2). */
static void software_disabled_timer_posts_nothing(void **state)
{
	struct vcpu *v = vcpu(2);

	(void)state;
	reg_wr(v, REG_LVT_TIMER, VEC);
	reg_wr(v, REG_TMICT, 1000);
	assert_int_equal(fake_timer_advance(2000), 1);
	assert_false(vlapic_sync(v));
	sw_enable(v);
	assert_false(fired(v));
}

static void initial_count_writes_restart_or_stop(void **state)
{
	struct vcpu *v = timer_vcpu();
	u64 start;

	(void)state;
	reg_wr(v, REG_LVT_TIMER, VEC);
	reg_wr(v, REG_TMICT, 1000); /* divide by 2 */
	fake_timer_advance(1000);
	assert_int_equal(reg_rd(v, REG_TMCCT), 500);
	/* A new initial count restarts the count from it. */
	reg_wr(v, REG_TMICT, 3000);
	start = timer_now();
	assert_int_equal(reg_rd(v, REG_TMCCT), 3000);
	assert_int_equal(fake_timer_advance_to(start + 5999), 0);
	assert_int_equal(fake_timer_advance_to(start + 6000), 1);
	assert_true(fired(v));
	/* Zero stops it, one-shot or periodic (11.5.4). */
	reg_wr(v, REG_TMICT, 1000);
	fake_timer_advance(100);
	reg_wr(v, REG_TMICT, 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(reg_rd(v, REG_TMCCT), 0);
	assert_int_equal(fake_timer_advance(100000), 0);
	assert_false(fired(v));
	reg_wr(v, REG_LVT_TIMER, LVT_PERIODIC | VEC);
	reg_wr(v, REG_TMICT, 100000);
	fake_timer_advance(1000);
	reg_wr(v, REG_TMICT, 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(fake_timer_advance(1000000), 0);
	assert_false(fired(v));
}

/* "A write to the LVT Timer Register that changes the timer mode disarms" it (11.5.4.1). */
static void mode_change_disarms(void **state)
{
	struct vcpu *v = timer_vcpu();

	(void)state;
	reg_wr(v, REG_LVT_TIMER, VEC);
	reg_wr(v, REG_TMICT, 100000);
	reg_wr(v, REG_LVT_TIMER, LVT_PERIODIC | VEC);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(reg_rd(v, REG_TMCCT), 0);
	assert_int_equal(fake_timer_advance(1000000), 0);
	assert_false(fired(v));

	reg_wr(v, REG_TMICT, 100000);
	reg_wr(v, REG_LVT_TIMER, LVT_TSC_DEADLINE | VEC);
	assert_int_equal(fake_timer_armed_count(), 0);
	vlapic_set_tsc_deadline(v, timer_now() + 1000, 0);
	assert_int_equal(fake_timer_armed_count(), 1);
	reg_wr(v, REG_LVT_TIMER, VEC); /* back to one-shot */
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(vlapic_get_tsc_deadline(v), 0);
	assert_int_equal(fake_timer_advance(1000000), 0);
	assert_false(fired(v));

	/* The same mode with another vector or mask does not disarm. */
	reg_wr(v, REG_TMICT, 1000);
	reg_wr(v, REG_LVT_TIMER, LVT_MASKED | 0x41);
	reg_wr(v, REG_LVT_TIMER, VEC);
	assert_int_equal(fake_timer_armed_count(), 1);
	assert_int_equal(fake_timer_advance(2000), 1);
	assert_true(fired(v));
}

/* A new divider applies to what is left of the count (the model guest/vlapic.c documents). */
static void divider_change_while_counting(void **state)
{
	struct vcpu *v = timer_vcpu();
	u64 now;

	(void)state;
	reg_wr(v, REG_LVT_TIMER, VEC);
	reg_wr(v, REG_TMICT, 1000); /* divide by 2: 2000 ticks */
	fake_timer_advance(500);
	assert_int_equal(reg_rd(v, REG_TMCCT), 750);
	reg_wr(v, REG_DCR, 0x2); /* divide by 8: the 750 left take 6000 ticks */
	now = timer_now();
	assert_int_equal(reg_rd(v, REG_TMCCT), 750);
	fake_timer_advance(800);
	assert_int_equal(reg_rd(v, REG_TMCCT), 650);
	assert_int_equal(fake_timer_advance_to(now + 5999), 0);
	assert_int_equal(fake_timer_advance_to(now + 6000), 1);
	assert_true(fired(v));
	/* With nothing counting, only the register changes. */
	reg_wr(v, REG_DCR, 0xb);
	assert_int_equal(reg_rd(v, REG_DCR), 0xb);
	assert_int_equal(fake_timer_armed_count(), 0);
}

/* --- TSC-deadline mode (11.5.4.1). --- */

static void tsc_deadline_fires_once_at_the_guest_deadline(void **state)
{
	struct vcpu *v = timer_vcpu();
	const u64 offset = (u64)-500000; /* guest TSC = host TSC - 500000 */
	const u64 deadline = T0 - 500000 + 100000;

	(void)state;
	reg_wr(v, REG_LVT_TIMER, LVT_TSC_DEADLINE | VEC);
	assert_int_equal(fake_timer_armed_count(), 0); /* not armed until the MSR is */
	vlapic_set_tsc_deadline(v, deadline, offset);
	assert_int_equal(vlapic_get_tsc_deadline(v), deadline);
	assert_int_equal(fake_timer_advance_to(T0 + 99999), 0);
	assert_false(fired(v));
	assert_int_equal(fake_timer_advance_to(T0 + 100000), 1);
	assert_true(fired(v));
	/* It disarms itself and clears the MSR. */
	assert_int_equal(vlapic_get_tsc_deadline(v), 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(fake_timer_advance(10000000), 0);
	assert_false(fired(v));
	/* The current count reads 0 in this mode. */
	assert_int_equal(reg_rd(v, REG_TMCCT), 0);
}

static void tsc_deadline_rewrites_and_zero(void **state)
{
	struct vcpu *v = timer_vcpu();
	u64 now;

	(void)state;
	reg_wr(v, REG_LVT_TIMER, LVT_TSC_DEADLINE | VEC);
	now = timer_now();
	/* A later deadline replaces the earlier one: one interrupt, at the later time. */
	vlapic_set_tsc_deadline(v, now + 1000, 0);
	vlapic_set_tsc_deadline(v, now + 5000, 0);
	assert_int_equal(fake_timer_armed_count(), 1);
	assert_int_equal(fake_timer_advance_to(now + 4999), 0);
	assert_int_equal(fake_timer_advance_to(now + 5000), 1);
	assert_true(fired(v));
	/* Zero disarms. */
	now = timer_now();
	vlapic_set_tsc_deadline(v, now + 1000, 0);
	vlapic_set_tsc_deadline(v, 0, 0);
	assert_int_equal(vlapic_get_tsc_deadline(v), 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(fake_timer_advance(100000), 0);
	assert_false(fired(v));
	/* A deadline already past fires at once. */
	vlapic_set_tsc_deadline(v, timer_now() - 10, 0);
	assert_int_equal(fake_timer_run_expired(), 1);
	assert_true(fired(v));
	/* Masked: it fires, disarms and clears the MSR, and posts nothing. */
	reg_wr(v, REG_LVT_TIMER, LVT_MASKED | LVT_TSC_DEADLINE | VEC);
	vlapic_set_tsc_deadline(v, timer_now() + 100, 0);
	assert_int_equal(fake_timer_advance(100), 1);
	assert_false(fired(v));
	assert_int_equal(vlapic_get_tsc_deadline(v), 0);
}

/* In other modes IA32_TSC_DEADLINE reads 0 and ignores writes; TMICT is ignored in it. */
static void tsc_deadline_and_initial_count_are_exclusive(void **state)
{
	struct vcpu *v = timer_vcpu();

	(void)state;
	reg_wr(v, REG_LVT_TIMER, VEC);
	vlapic_set_tsc_deadline(v, timer_now() + 1000, 0);
	assert_int_equal(vlapic_get_tsc_deadline(v), 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	reg_wr(v, REG_LVT_TIMER, LVT_PERIODIC | VEC);
	vlapic_set_tsc_deadline(v, timer_now() + 1000, 0);
	assert_int_equal(vlapic_get_tsc_deadline(v), 0);
	assert_int_equal(fake_timer_armed_count(), 0);

	reg_wr(v, REG_LVT_TIMER, LVT_TSC_DEADLINE | VEC);
	reg_wr(v, REG_TMICT, 1000);
	assert_int_equal(reg_rd(v, REG_TMICT), 0);
	assert_int_equal(reg_rd(v, REG_TMCCT), 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	/* An armed deadline survives a TMICT write. */
	vlapic_set_tsc_deadline(v, timer_now() + 1000, 0);
	reg_wr(v, REG_TMICT, 1000);
	assert_int_equal(fake_timer_armed_count(), 1);
	assert_int_equal(fake_timer_advance(1000), 1);
	assert_true(fired(v));
}

/*
 * Guest TSC ahead of the host's (a guest TSC write moved it forward): a deadline below
 * the offset is still a guest TSC value in the past, and fires at once.
 */
static void tsc_deadline_in_the_past_with_a_positive_offset(void **state)
{
	struct vcpu *v = timer_vcpu();
	const u64 offset = 5000000; /* guest TSC = host TSC + 5000000: now 6000000 */

	(void)state;
	reg_wr(v, REG_LVT_TIMER, LVT_TSC_DEADLINE | VEC);
	vlapic_set_tsc_deadline(v, 1000, offset);
	fake_timer_run_expired(); /* at once: no time passes */
	assert_true(fired(v));
}

/* A reset stops the timer, whatever its mode. */
static void reset_stops_the_timer(void **state)
{
	struct vcpu *v = timer_vcpu();

	(void)state;
	reg_wr(v, REG_LVT_TIMER, LVT_PERIODIC | VEC);
	reg_wr(v, REG_TMICT, 100000);
	vlapic_reset(v);
	assert_int_equal(fake_timer_armed_count(), 0);
	sw_enable(v);
	reg_wr(v, REG_LVT_TIMER, LVT_TSC_DEADLINE | VEC);
	vlapic_set_tsc_deadline(v, timer_now() + 1000, 0);
	vlapic_reset(v);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(vlapic_get_tsc_deadline(v), 0);
	assert_int_equal(fake_timer_advance(1000000), 0);
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, vlapic_test_setup, vlapic_test_teardown)
	const struct CMUnitTest tests[] = {
		TEST(one_shot_with_each_divider),
		TEST(periodic_rearms_and_the_count_wraps),
		TEST(masked_timer_counts_but_posts_nothing),
		TEST(software_disabled_timer_posts_nothing),
		TEST(initial_count_writes_restart_or_stop),
		TEST(mode_change_disarms),
		TEST(divider_change_while_counting),
		TEST(tsc_deadline_fires_once_at_the_guest_deadline),
		TEST(tsc_deadline_rewrites_and_zero),
		TEST(tsc_deadline_and_initial_count_are_exclusive),
		TEST(tsc_deadline_in_the_past_with_a_positive_offset),
		TEST(reset_stops_the_timer),
	};
#undef TEST
	return cmocka_run_group_tests_name("vlapic_timer", tests, NULL, NULL);
}
