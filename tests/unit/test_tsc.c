// SPDX-License-Identifier: BSD-3-Clause
/*
 * TSC frequency: CPUID 0x15 when complete, PIT channel 2 otherwise, and the time and
 * delay arithmetic built on it. The PIT is scripted through port 0x61 (OUT2 is bit 5)
 * and the fake TSC advances a fixed step per read, so a measurement of 10 ms sees
 * exactly one step between its two TSC reads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <asm/cpu.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include "fake_hw.h"
#include "fake_log.h"

#define PORT_GATE 0x61
#define PORT_CMD  0x43
#define PORT_CH2  0x42
#define OUT2	  0x20

/* Test doubles for arch/x86/cpu.c, which cannot be linked on the host. */
static u32 max_leaf;
static bool invariant_tsc;

u32 cpu_max_leaf(void)
{
	return max_leaf;
}

bool cpu_has_invariant_tsc(void)
{
	return invariant_tsc;
}

/*
 * A machine whose highest CPUID leaf is leaf, whose PIT reaches terminal count after a
 * few polls, and whose TSC advances khz * 10 (10 ms worth) per read.
 */
static void script_machine(u32 leaf, u64 pit_khz)
{
	const u32 gate_reads[] = {0x0e, 0x00, 0x00, 0x01, OUT2 | 0x01};

	fake_hw_reset();
	fake_log_reset();
	max_leaf = leaf;
	invariant_tsc = false;
	fake_pio_queue_reads(PORT_GATE, gate_reads, 5);
	fake_tsc_set(1000000, pit_khz * 10);
}

/* The CPUID 0x15 leaf of a 24 MHz crystal with a 176/2 ratio: 2112 MHz. */
static void script_leaf_15h(void)
{
	fake_cpuid_set(0x15, 0, 2, 176, 24000000, 0);
}

struct access {
	u16 port;
	bool write;
	u8 value;
};

static void check_accesses(const struct access *want, size_t n)
{
	assert_int_equal(fake_pio_log_count, n);
	for (size_t i = 0; i < n; i++) {
		const struct fake_pio_access *got = &fake_pio_log[i];

		if (got->port != want[i].port || got->write != want[i].write ||
		    got->value != want[i].value || got->size != 1)
			fail_msg("access %zu: %s 0x%x port 0x%x, expected %s 0x%x port 0x%x", i,
				 got->write ? "write" : "read", got->value, got->port,
				 want[i].write ? "write" : "read", want[i].value, want[i].port);
	}
}

/* Before any calibration there is no time and delays use port 0x80 reads. */
static void uncalibrated(void **state)
{
	(void)state;
	fake_hw_reset();
	fake_tsc_set(5000000, 1000);
	assert_int_equal(tsc_khz(), 0);
	assert_int_equal(tsc_source(), TSC_SRC_NONE);
	assert_int_equal(arch_time_ns(), 0);
	arch_udelay(7);
	assert_int_equal(fake_pio_log_count, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(fake_pio_log[i].port, 0x80);
		assert_false(fake_pio_log[i].write);
	}
}

static void pit_measurement_sequence(void **state)
{
	const struct access want[] = {
		{PORT_GATE, false, 0x0e}, /* saved gate and speaker bits */
		{PORT_GATE, true, 0x0d},  /* gate on, speaker off */
		{PORT_CMD, true, 0xb0},	  /* channel 2, lobyte/hibyte, mode 0 */
		{PORT_CH2, true, 0x9b},	  /* 11931 = 10 ms of 1.193182 MHz */
		{PORT_CH2, true, 0x2e},		 {PORT_GATE, false, 0x00},
		{PORT_GATE, false, 0x00},	 {PORT_GATE, false, 0x01},
		{PORT_GATE, false, OUT2 | 0x01}, {PORT_GATE, true, 0x0e}, /* restored */
	};

	(void)state;
	script_machine(0x16, 2000000);
	/* The TSC is read once just before the count starts and once after OUT2 rises. */
	assert_int_equal(pit_measure_tsc(10), 20000000);
	check_accesses(want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(rdtsc(), 1000000 + 2 * 20000000);

	/* 1 ms: 1193 = 0x4a9. */
	script_machine(0x16, 2000000);
	pit_measure_tsc(1);
	assert_int_equal(fake_pio_log[3].value, 0xa9);
	assert_int_equal(fake_pio_log[4].value, 0x04);
}

static void cpuid_15h_is_preferred_when_complete(void **state)
{
	(void)state;
	script_machine(0x15, 2112000);
	script_leaf_15h();
	assert_int_equal(tsc_init(), 0);
	assert_int_equal(tsc_khz(), 2112000);
	assert_int_equal(tsc_source(), TSC_SRC_CPUID_15H);
	assert_string_equal(fake_log_text, "TSC: 2112000 kHz (CPUID 0x15)\n");

	/* It wins even over a PIT that measures something close but different. */
	script_machine(0x16, 2100000);
	script_leaf_15h();
	fake_cpuid_set(0x16, 0, 2100, 3900, 100, 0);
	invariant_tsc = true;
	assert_int_equal(tsc_init(), 0);
	assert_int_equal(tsc_khz(), 2112000);
	assert_int_equal(tsc_source(), TSC_SRC_CPUID_15H);
	assert_string_equal(
		fake_log_text,
		"TSC: 2112000 kHz (CPUID 0x15), invariant\n"
		"TSC: CPUID 0x16 states a 2100 MHz base frequency; not used for timing\n");

	/* A base frequency that matches is not worth a line. */
	script_machine(0x16, 2112000);
	script_leaf_15h();
	fake_cpuid_set(0x16, 0, 2112, 3900, 100, 0);
	assert_int_equal(tsc_init(), 0);
	assert_string_equal(fake_log_text, "TSC: 2112000 kHz (CPUID 0x15)\n");
}

static void pit_when_cpuid_15h_is_incomplete(void **state)
{
	static const u32 leaves[][3] = {
		{0, 176, 24000000}, /* no denominator */
		{2, 0, 24000000},   /* no numerator */
		{2, 176, 0},	    /* crystal frequency not enumerated */
	};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		script_machine(0x16, 1234567);
		fake_cpuid_set(0x15, 0, leaves[i][0], leaves[i][1], leaves[i][2], 0);
		/* Only the low 16 bits of 0x16 EAX are the frequency. */
		fake_cpuid_set(0x16, 0, 0xffff0000 | 3500, 0, 0, 0);
		assert_int_equal(tsc_init(), 0);
		assert_int_equal(tsc_khz(), 1234567);
		assert_int_equal(tsc_source(), TSC_SRC_PIT);
		assert_string_equal(fake_log_text,
				    "TSC: 1234567 kHz (calibrated against the PIT)\n"
				    "TSC: CPUID 0x16 states a 3500 MHz base frequency; not used "
				    "for timing\n");
	}

	/* A complete leaf 0x15 beyond the maximum leaf does not exist. */
	script_machine(0x14, 1234567);
	script_leaf_15h();
	fake_cpuid_set(0x16, 0, 3500, 0, 0, 0);
	invariant_tsc = true;
	assert_int_equal(tsc_init(), 0);
	assert_int_equal(tsc_khz(), 1234567);
	assert_int_equal(tsc_source(), TSC_SRC_PIT);
	assert_string_equal(fake_log_text,
			    "TSC: 1234567 kHz (calibrated against the PIT), invariant\n");

	/* Leaf 0x15 but not 0x16. */
	script_machine(0x15, 1234567);
	fake_cpuid_set(0x16, 0, 3500, 0, 0, 0);
	assert_int_equal(tsc_init(), 0);
	assert_string_equal(fake_log_text, "TSC: 1234567 kHz (calibrated against the PIT)\n");
}

static void disagreement_over_two_percent_warns(void **state)
{
	/* 2% of 2112000 kHz is 42240 kHz. */
	static const struct {
		u64 pit_khz;
		bool warn;
	} cases[] = {
		{2112000 + 42240, false}, {2112000 + 42241, true}, {2112000 - 42240, false},
		{2112000 - 42241, true},  {2175360, true},	   {1000000, true},
	};
	char want[160];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		script_machine(0x15, cases[i].pit_khz);
		script_leaf_15h();
		assert_int_equal(tsc_init(), 0);
		/* CPUID 0x15 stays the source either way. */
		assert_int_equal(tsc_khz(), 2112000);
		assert_int_equal(tsc_source(), TSC_SRC_CPUID_15H);
		snprintf(want, sizeof(want),
			 "TSC: CPUID 0x15 says 2112000 kHz but the PIT measures %llu kHz\n",
			 (unsigned long long)cases[i].pit_khz);
		if (fake_log_contains(want) != cases[i].warn)
			fail_msg("PIT at %llu kHz: warning %s",
				 (unsigned long long)cases[i].pit_khz,
				 cases[i].warn ? "missing" : "unexpected");
		assert_true(fake_log_contains("TSC: 2112000 kHz (CPUID 0x15)\n"));
	}
}

static void pit_that_never_counts(void **state)
{
	(void)state;
	/* OUT2 never rises: the measurement gives up, restores the gate and returns 0. */
	fake_hw_reset();
	fake_log_reset();
	max_leaf = 0x16;
	fake_pio_set_read(PORT_GATE, 0x0e & ~OUT2);
	fake_tsc_set(1000, 1000);
	assert_int_equal(pit_measure_tsc(10), 0);
	/* Gate read, 4 set-up writes, a bounded 50000001 polls, the restoring write. */
	assert_int_equal(fake_pio_total, 1 + 4 + 50000001 + 1);
	assert_true(fake_pio_last.write);
	assert_int_equal(fake_pio_last.port, PORT_GATE);
	assert_int_equal(fake_pio_last.value, 0x0e);

	/* Without CPUID 0x15 nothing tells the TSC rate. */
	fake_hw_reset();
	fake_log_reset();
	fake_pio_set_read(PORT_GATE, 0x00);
	assert_int_equal(tsc_init(), -ENODEV);
	assert_int_equal(tsc_khz(), 0);
	assert_string_equal(fake_log_text, "TSC: PIT channel 2 does not count; cannot determine "
					   "the TSC frequency\n");
	assert_int_equal(arch_time_ns(), 0);

	/* With it, the dead PIT is no reason to fail, nor to warn. */
	fake_hw_reset();
	fake_log_reset();
	fake_pio_set_read(PORT_GATE, 0x00);
	script_leaf_15h();
	assert_int_equal(tsc_init(), 0);
	assert_int_equal(tsc_khz(), 2112000);
	assert_int_equal(tsc_source(), TSC_SRC_CPUID_15H);
	assert_string_equal(fake_log_text, "TSC: 2112000 kHz (CPUID 0x15)\n");
}

/* ticks * 10^6 / khz, rounded down, computed without overflow. */
static u64 expected_ns(u64 ticks, u64 khz)
{
	return (u64)((unsigned __int128)ticks * 1000000 / khz);
}

static void time_since_boot(void **state)
{
	static const u64 ticks[] = {
		0,
		1,
		2111,
		2112,
		2112000ULL * 1000,		    /* one second */
		2112000ULL * 1000 * 3600 * 24 + 17, /* a day */
		20000000000000ULL,		    /* ticks * 10^6 would overflow 64 bits */
		(1ULL << 63) + 12345,		    /* 138 years at 2.1 GHz */
		~0ULL,
	};
	const u64 boot = 1000000;

	(void)state;
	script_machine(0x15, 2112000);
	script_leaf_15h();
	assert_int_equal(tsc_init(), 0);
	/* tsc_init took its boot stamp with the first TSC read. */
	fake_tsc_set(boot, 0);
	assert_int_equal(arch_time_ns(), 0);
	fake_tsc_set(boot + 2112000ULL * 1000, 0);
	assert_int_equal(arch_time_ns(), 1000000000ULL);
	fake_tsc_set(boot + 2112, 0);
	assert_int_equal(arch_time_ns(), 1000);
	fake_tsc_set(boot + 2111, 0);
	assert_int_equal(arch_time_ns(), 999);
	for (size_t i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
		fake_tsc_set(boot + ticks[i], 0);
		if (arch_time_ns() != expected_ns(ticks[i], 2112000))
			fail_msg("%llu ticks: %llu ns, expected %llu", (unsigned long long)ticks[i],
				 (unsigned long long)arch_time_ns(),
				 (unsigned long long)expected_ns(ticks[i], 2112000));
	}

	/* An odd rate: 1 kHz more than 3 GHz, with the remainder term mattering. */
	script_machine(0x16, 3000001);
	assert_int_equal(tsc_init(), 0);
	assert_int_equal(tsc_khz(), 3000001);
	for (size_t i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
		fake_tsc_set(boot + ticks[i], 0);
		assert_int_equal(arch_time_ns(), expected_ns(ticks[i], 3000001));
	}
}

static void udelay_counts_tsc_ticks(void **state)
{
	(void)state;
	script_machine(0x15, 2112000);
	script_leaf_15h();
	assert_int_equal(tsc_init(), 0);
	/* 10 us at 2112000 kHz is 21120 ticks: 22 further reads 1000 ticks apart. */
	fake_hw_reset();
	fake_tsc_set(500000, 1000);
	arch_udelay(10);
	assert_int_equal(rdtsc(), 500000 + 23 * 1000);
	assert_int_equal(fake_pio_log_count, 0);
	/* Zero waits for nothing beyond one comparison. */
	fake_tsc_set(0, 1000);
	arch_udelay(0);
	assert_int_equal(rdtsc(), 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uncalibrated),
		cmocka_unit_test(pit_measurement_sequence),
		cmocka_unit_test(cpuid_15h_is_preferred_when_complete),
		cmocka_unit_test(pit_when_cpuid_15h_is_incomplete),
		cmocka_unit_test(disagreement_over_two_percent_warns),
		cmocka_unit_test(pit_that_never_counts),
		cmocka_unit_test(time_since_boot),
		cmocka_unit_test(udelay_counts_tsc_ticks),
	};
	return cmocka_run_group_tests_name("tsc", tests, NULL, NULL);
}
