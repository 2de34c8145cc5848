// SPDX-License-Identifier: BSD-3-Clause
/*
 * ACPI fixed hardware (dm/vpm.c) on a real port bus, against the fake clock of
 * fakes/fake_timer.c. The PM timer started at T0: its tick k comes at the first host TSC
 * t with floor((t - T0) * 3579545 / HZ) >= k.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/io_bus.h>
#include <bulkhead/vplatform.h>
#include <bulkhead/vpm.h>
#include "fake_timer.h"

#define HZ    2893452117ULL
#define T0    5000000000000ULL
#define PM_HZ 3579545ULL
#define STS   VPLAT_PM1A_EVT_BLK
#define EN    (VPLAT_PM1A_EVT_BLK + 2)
#define CNT   VPLAT_PM1A_CNT_BLK
#define TMR   VPLAT_PM_TMR_BLK
#define BIT23 (1ULL << 23)

struct env {
	bool sci;
	u32 sci_calls;
	u32 redundant;
	u32 locked;
	u32 sleeps;
	u32 slp_typ;
	bool clear_in_handler; /* the SCI handler clears TMR_STS and PWRBTN_STS at once */
};

static struct io_bus bus;
static struct vpm pm;
static struct env env;

static u64 in(u16 port, u32 size)
{
	struct io_request req = {.addr = port, .size = size};

	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	return req.value;
}

static void out(u16 port, u32 size, u64 value)
{
	struct io_request req = {.addr = port, .size = size, .write = true, .value = value};

	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
}

static void sci_set(void *ctx, bool level)
{
	struct env *e = ctx;

	if (spin_is_locked(&pm.lock))
		e->locked++;
	if (level == e->sci)
		e->redundant++;
	e->sci = level;
	e->sci_calls++;
	if (level && e->clear_in_handler)
		out(STS, 2, 0x0101);
}

static void sleep_request(void *ctx, u32 slp_typ)
{
	struct env *e = ctx;

	if (spin_is_locked(&pm.lock))
		e->locked++;
	e->sleeps++;
	e->slp_typ = slp_typ;
}

static int setup(void **state)
{
	(void)state;
	memset(&env, 0, sizeof(env));
	fake_timer_reset(T0, HZ);
	io_bus_init(&bus, 0x10000);
	vpm_init(&pm, sci_set, sleep_request, &env, 2);
	assert_int_equal(vpm_attach(&pm, &bus), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(env.redundant, 0);
	assert_int_equal(env.locked, 0);
	return 0;
}

/* The first TSC at which the PM timer has ticked k times. */
static u64 tick_tsc(u64 k)
{
	return T0 + (u64)(((unsigned __int128)k * HZ + PM_HZ - 1) / PM_HZ);
}

static u32 expected_timer(u64 t)
{
	return (u32)((unsigned __int128)(t - T0) * PM_HZ / HZ) & 0xffffff;
}

static void power_on_state(void **state)
{
	(void)state;
	assert_int_equal(in(STS, 2), 0);
	assert_int_equal(in(EN, 2), 0);
	assert_int_equal(in(CNT, 2), 0x0001); /* SCI_EN: always in ACPI mode */
	assert_int_equal(in(TMR, 4), 0);
	fake_timer_advance(60 * HZ);
	assert_int_equal(in(STS, 2), 0x0001); /* TMR_STS latched without any timer */
	assert_int_equal(fake_timer_starts, 0);
	assert_int_equal(env.sci_calls, 0);
}

static void timer_rate_and_24_bit_wrap(void **state)
{
	(void)state;
	for (u64 t = T0; t < T0 + 12 * HZ; t += HZ / 7 + 12345) {
		fake_timer_set_now(t);
		assert_int_equal(in(TMR, 4), expected_timer(t));
	}
	/* Tick by tick at the first step and at the wrap. */
	fake_timer_set_now(tick_tsc(1) - 1);
	assert_int_equal(in(TMR, 4), 0);
	fake_timer_set_now(tick_tsc(1));
	assert_int_equal(in(TMR, 4), 1);
	fake_timer_set_now(tick_tsc(0x1000000) - 1);
	assert_int_equal(in(TMR, 4), 0xffffff);
	fake_timer_set_now(tick_tsc(0x1000000));
	assert_int_equal(in(TMR, 4), 0);
	/* A second of the PM timer is 3579545 ticks. */
	fake_timer_set_now(T0 + 10 * HZ);
	assert_int_equal(in(TMR, 4), (10 * PM_HZ) & 0xffffff);
	/* Byte and word reads see the same counter; writes do nothing. */
	fake_timer_set_now(tick_tsc(0x123456));
	assert_int_equal(in(TMR, 1), 0x56);
	assert_int_equal(in(TMR + 1, 1), 0x34);
	assert_int_equal(in(TMR + 2, 2), 0x0012);
	out(TMR, 4, 0);
	assert_int_equal(in(TMR, 4), 0x123456);
}

static void tmr_sts_on_bit23_changes(void **state)
{
	(void)state;
	fake_timer_set_now(tick_tsc(BIT23) - 1);
	assert_int_equal(in(STS, 2), 0);
	fake_timer_set_now(tick_tsc(BIT23));
	assert_int_equal(in(STS, 2), 0x0001);
	/* Write 0 leaves it, write 1 clears it. */
	out(STS, 2, 0xfefe);
	assert_int_equal(in(STS, 2), 0x0001);
	out(STS, 2, 0x0001);
	assert_int_equal(in(STS, 2), 0);
	/* Bit 23 falls at the wrap: that is a change too. */
	fake_timer_set_now(tick_tsc(2 * BIT23) - 1);
	assert_int_equal(in(STS, 2), 0);
	fake_timer_set_now(tick_tsc(2 * BIT23));
	assert_int_equal(in(STS, 2), 0x0001);
	out(STS, 1, 0x01);
	/* Many changes unseen still set it once. */
	fake_timer_set_now(tick_tsc(9 * BIT23) + 5);
	assert_int_equal(in(STS, 2), 0x0001);
}

static void tmr_sci(void **state)
{
	u64 end, ticks;

	(void)state;
	out(EN, 2, 0x0001);
	assert_int_equal(fake_timer_armed_count(), 1);
	fake_timer_advance_to(tick_tsc(BIT23) - 1);
	assert_false(env.sci);
	fake_timer_advance_to(tick_tsc(BIT23));
	assert_true(env.sci);
	/* Nothing timed while TMR_STS is up. */
	assert_int_equal(fake_timer_armed_count(), 0);
	out(STS, 2, 0x0001);
	assert_false(env.sci);
	assert_int_equal(fake_timer_armed_count(), 1);
	fake_timer_advance_to(tick_tsc(2 * BIT23));
	assert_true(env.sci);
	/* Disabling TMR_EN drops the SCI; the status stays. */
	out(EN, 2, 0x0000);
	assert_false(env.sci);
	assert_int_equal(in(STS, 2), 0x0001);
	assert_int_equal(fake_timer_armed_count(), 0);
	/* A handler that clears the status at once: one SCI per change, for a minute. */
	out(STS, 2, 0x0001);
	out(EN, 2, 0x0001);
	env.clear_in_handler = true;
	env.sci_calls = 0;
	end = tick_tsc(2 * BIT23) + 60 * HZ;
	ticks = (u64)((unsigned __int128)(end - T0) * PM_HZ / HZ);
	fake_timer_advance_to(end);
	assert_int_equal(env.sci_calls, 2 * (ticks / BIT23 - 2)); /* raised, then cleared */
	assert_false(env.sci);
}

static void sleep_s5_as_linux_does(void **state)
{
	(void)state;
	/* acpi_hw_legacy_sleep(): clear WAK_STS, write SLP_TYP, then SLP_TYP | SLP_EN. */
	out(STS, 2, 0x8000);
	out(CNT, 2, (in(CNT, 2) & ~0x3c00) | VPLAT_SLP_TYP_S5 << 10);
	assert_int_equal(env.sleeps, 0);
	assert_int_equal(in(CNT, 2), 0x1401);
	out(CNT, 2, 0x1401 | 0x2000);
	assert_int_equal(env.sleeps, 1);
	assert_int_equal(env.slp_typ, VPLAT_SLP_TYP_S5);
	/* SLP_EN is write-only; WAK_STS tells a guest that was not stopped it woke. */
	assert_int_equal(in(CNT, 2), 0x1401);
	assert_int_equal(in(STS, 2), 0x8000);
	out(STS, 2, 0x8000);
	assert_int_equal(in(STS, 2), 0);
	/* A byte write to the high half asks for sleep too (type 1, whatever the DSDT says). */
	out(CNT + 1, 1, 0x24);
	assert_int_equal(env.sleeps, 2);
	assert_int_equal(env.slp_typ, 1);
	/* SCI_EN cannot be cleared, BM_RLD reads back, GBL_RLS does not. */
	out(CNT, 2, 0x0006);
	assert_int_equal(in(CNT, 2), 0x0003);
	assert_int_equal(env.sleeps, 2);
	assert_false(env.sci); /* WAK_STS raises no SCI */
}

static void power_button(void **state)
{
	(void)state;
	vpm_power_button(&pm);
	assert_int_equal(in(STS, 2), 0x0100);
	assert_false(env.sci); /* PWRBTN_EN clear: the guest is not listening */
	out(EN, 2, 0x0100);
	assert_true(env.sci);
	out(STS + 1, 1, 0x01); /* the high byte: PWRBTN_STS */
	assert_false(env.sci);
	assert_int_equal(in(STS, 2), 0);
	vpm_power_button(&pm);
	assert_true(env.sci);
	vpm_power_button(&pm); /* a second press while pending changes nothing */
	assert_int_equal(env.sci_calls, 3);
	out(STS, 2, 0x0100);
	assert_false(env.sci);
	/* A handler that acknowledges from within the SCI callback. */
	env.clear_in_handler = true;
	vpm_power_button(&pm);
	assert_false(env.sci);
	assert_int_equal(env.sci_calls, 6);
	assert_int_equal(in(STS, 2), 0);
}

static void enables_and_widths(void **state)
{
	(void)state;
	out(EN, 2, 0xffff);
	assert_int_equal(in(EN, 2), 0x4721); /* only the enables ACPI defines */
	out(EN, 1, 0x00);
	assert_int_equal(in(EN, 2), 0x4700);
	out(EN + 1, 1, 0x01);
	assert_int_equal(in(EN, 2), 0x0100);
	/* A dword at the event block: PM1_STS in 15:0, PM1_EN in 31:16. */
	vpm_power_button(&pm);
	assert_int_equal(in(STS, 4), 0x01000100);
	out(STS, 4, 0x00000100); /* clears PWRBTN_STS and writes PM1_EN = 0 */
	assert_int_equal(in(STS, 4), 0);
	assert_false(env.sci);
	/* Status bits without events behind them never set and clear harmlessly. */
	out(STS, 2, 0xffff);
	assert_int_equal(in(STS, 2), 0);
	/* Accesses the bus does not give the vPM: the gap at 0x406 and beyond a block. */
	{
		struct io_request req = {.addr = CNT, .size = 4};
		const struct io_range *r = io_bus_find(&bus, CNT, 1);

		assert_int_equal(io_bus_dispatch(&bus, &req), -ENOENT);
		assert_non_null(r);
		assert_int_equal(r->handler(r->device, &req), 0);
		assert_int_equal(req.value, 0xffff0001);
		req = (struct io_request){
			.addr = CNT + 2, .size = 8, .write = true, .value = ~0ULL};
		assert_int_equal(r->handler(r->device, &req), 0);
		assert_int_equal(env.sleeps, 0);
		req = (struct io_request){.addr = CNT, .size = 0};
		assert_int_equal(r->handler(r->device, &req), -EINVAL);
	}
}

static void reset_clears_registers(void **state)
{
	(void)state;
	out(EN, 2, 0x0101);
	out(CNT, 2, 0x1402);
	vpm_power_button(&pm);
	assert_true(env.sci);
	fake_timer_advance(HZ);
	vpm_reset(&pm);
	assert_false(env.sci);
	assert_int_equal(in(STS, 2), 0);
	assert_int_equal(in(EN, 2), 0);
	assert_int_equal(in(CNT, 2), 0x0001);
	assert_int_equal(fake_timer_armed_count(), 0);
	/* The PM timer runs on. */
	assert_int_equal(in(TMR, 4), expected_timer(timer_now()));
	assert_true(in(TMR, 4) > 0);
}

static int dummy_handler(void *device, struct io_request *req)
{
	(void)device;
	(void)req;
	return 0;
}

static void attach_claims_three_blocks(void **state)
{
	struct io_bus other;
	struct vpm quiet;

	(void)state;
	assert_non_null(io_bus_find(&bus, STS, 4));
	assert_non_null(io_bus_find(&bus, CNT, 2));
	assert_non_null(io_bus_find(&bus, TMR, 4));
	assert_null(io_bus_find(&bus, CNT + 2, 1));
	assert_null(io_bus_find(&bus, TMR + 4, 1));
	assert_int_equal(vpm_attach(&pm, &bus), -EEXIST);
	io_bus_init(&other, 0x10000);
	assert_int_equal(io_bus_register(&other, TMR, 1, dummy_handler, NULL, "taken"), 0);
	vpm_init(&quiet, NULL, NULL, NULL, 0);
	assert_int_equal(vpm_attach(&quiet, &other), -EEXIST);
	assert_null(io_bus_find(&other, STS, 1));
	assert_null(io_bus_find(&other, CNT, 1));
	/* Without callbacks: statuses work, nothing is timed, nothing is called. */
	io_bus_init(&other, 0x10000);
	assert_int_equal(vpm_attach(&quiet, &other), 0);
	{
		struct io_request req = {.addr = EN, .size = 2, .write = true, .value = 0x0101};

		assert_int_equal(io_bus_dispatch(&other, &req), 0);
		req = (struct io_request){.addr = CNT, .size = 2, .write = true, .value = 0x3400};
		assert_int_equal(io_bus_dispatch(&other, &req), 0);
		vpm_power_button(&quiet);
		req = (struct io_request){.addr = STS, .size = 2};
		assert_int_equal(io_bus_dispatch(&other, &req), 0);
		assert_int_equal(req.value, 0x8100);
	}
	assert_int_equal(fake_timer_armed_count(), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(power_on_state),
		T(timer_rate_and_24_bit_wrap),
		T(tmr_sts_on_bit23_changes),
		T(tmr_sci),
		T(sleep_s5_as_linux_does),
		T(power_button),
		T(enables_and_widths),
		T(reset_clears_registers),
		T(attach_claims_three_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
