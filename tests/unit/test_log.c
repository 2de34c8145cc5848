// SPDX-License-Identifier: BSD-3-Clause
/*
 * The log front end (core/log.c) with the real ring (lib/log_ring.c): line prefixes,
 * the console and ring levels, continued lines, and panic mode. Built with
 * CONFIG_CONSOLE_LOGLEVEL 3 and CONFIG_MEM_LOGLEVEL 4 (tests/unit/log_config.h), so the
 * two levels differ as they do in the default configuration.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/arch.h>
#include <bulkhead/console.h>
#include <bulkhead/log.h>

_Static_assert(CONFIG_CONSOLE_LOGLEVEL == 3, "the tests assume console level 3");
_Static_assert(CONFIG_MEM_LOGLEVEL == 4, "the tests assume ring level 4");

/* Test doubles for the architecture layer and the console. */
static u64 now_ns;
static u32 cpu_id;
static char console_text[65536];
static size_t console_len;
static unsigned int console_calls;
static void (*console_hook)(void);

u64 arch_time_ns(void)
{
	return now_ns;
}

u32 arch_cpu_id(void)
{
	return cpu_id;
}

void console_write(const char *text, size_t len)
{
	void (*hook)(void) = console_hook;

	/* The hook runs while log.c holds its lock, like a fault in the middle of output. */
	console_hook = NULL;
	if (hook)
		hook();
	console_calls++;
	assert_true(console_len + len < sizeof(console_text));
	memcpy(console_text + console_len, text, len);
	console_len += len;
	console_text[console_len] = '\0';
}

/* Ring bytes written before the current test started. */
static u64 ring_mark;

static int setup(void **state)
{
	(void)state;
	now_ns = 0;
	cpu_id = 0;
	console_len = 0;
	console_text[0] = '\0';
	console_calls = 0;
	console_hook = NULL;
	ring_mark = log_get_ring()->written;
	return 0;
}

/* What the ring received since setup(). */
static const char *ring_text(void)
{
	static char buf[CONFIG_LOG_RING_SIZE];
	const struct log_ring *ring = log_get_ring();
	u64 added = ring->written - ring_mark;
	size_t n = log_ring_read(ring, buf, sizeof(buf));

	assert_true(added <= n);
	return buf + n - added;
}

static void prefix_format(void **state)
{
	(void)state;
	now_ns = 1234567891234ULL; /* 1234.567891234 s */
	cpu_id = 3;
	pr_info("hello %d\n", 42);
	assert_string_equal(console_text, "[ 1234.567891] cpu3 I: hello 42\n");
	assert_string_equal(ring_text(), "[ 1234.567891] cpu3 I: hello 42\n");

	setup(NULL);
	pr_err("boot\n");
	assert_string_equal(console_text, "[    0.000000] cpu0 E: boot\n");

	/* Microseconds are zero-padded and truncated, not rounded. */
	setup(NULL);
	now_ns = 5000999;
	cpu_id = 255;
	pr_warn("w\n");
	assert_string_equal(console_text, "[    0.005000] cpu255 W: w\n");

	/* Past 99999 s the seconds field just grows. */
	setup(NULL);
	now_ns = 123456000001000ULL;
	pr_info("late\n");
	assert_string_equal(console_text, "[123456.000001] cpu0 I: late\n");

	/* Every message is one console write. */
	assert_int_equal(console_calls, 1);
}

static void console_and_ring_levels(void **state)
{
	(void)state;
	assert_int_equal(log_console_level(), LOG_INFO);
	now_ns = 2000000;
	pr_err("e\n");
	pr_warn("w\n");
	pr_info("i\n");
	pr_debug("d\n");
	pr_trace("t\n");
	/* The console takes up to its level (3), the ring up to CONFIG_MEM_LOGLEVEL (4). */
	assert_string_equal(console_text, "[    0.002000] cpu0 E: e\n"
					  "[    0.002000] cpu0 W: w\n"
					  "[    0.002000] cpu0 I: i\n");
	assert_string_equal(ring_text(), "[    0.002000] cpu0 E: e\n"
					 "[    0.002000] cpu0 W: w\n"
					 "[    0.002000] cpu0 I: i\n"
					 "[    0.002000] cpu0 D: d\n");
	assert_int_equal(console_calls, 3);

	/* LOG_NONE is never a message level; out-of-range levels are dropped. */
	setup(NULL);
	log_printf(LOG_NONE, "none\n");
	log_printf((enum log_level)6, "six\n");
	log_printf((enum log_level)200, "big\n");
	assert_string_equal(console_text, "");
	assert_string_equal(ring_text(), "");
}

static void loglevel_changes(void **state)
{
	(void)state;
	/* Raised to trace: the console shows everything, the ring still stops at 4. */
	log_set_console_level(LOG_TRACE);
	assert_int_equal(log_console_level(), LOG_TRACE);
	pr_debug("d\n");
	pr_trace("t\n");
	assert_string_equal(console_text, "[    0.000000] cpu0 D: d\n"
					  "[    0.000000] cpu0 T: t\n");
	assert_string_equal(ring_text(), "[    0.000000] cpu0 D: d\n");

	/* Silenced: the console gets nothing, the ring is unaffected. */
	setup(NULL);
	log_set_console_level(LOG_NONE);
	assert_int_equal(log_console_level(), LOG_NONE);
	pr_err("e\n");
	pr_debug("d\n");
	assert_int_equal(console_calls, 0);
	assert_string_equal(ring_text(), "[    0.000000] cpu0 E: e\n"
					 "[    0.000000] cpu0 D: d\n");

	/* Warnings only. */
	setup(NULL);
	log_set_console_level(LOG_WARN);
	pr_warn("w\n");
	pr_info("i\n");
	assert_string_equal(console_text, "[    0.000000] cpu0 W: w\n");

	/* Levels above trace are clamped. */
	log_set_console_level((enum log_level)9);
	assert_int_equal(log_console_level(), LOG_TRACE);
	log_set_console_level(LOG_INFO);
	assert_int_equal(log_console_level(), LOG_INFO);
}

static void continued_lines(void **state)
{
	(void)state;
	now_ns = 1000;
	cpu_id = 1;
	pr_info("probing:");
	now_ns = 7000000; /* the prefix keeps the time the line started */
	pr_info(" %s", "a");
	pr_info(" b");
	pr_info(" done\n");
	cpu_id = 2;
	pr_info("next\n");
	assert_string_equal(console_text, "[    0.000001] cpu1 I: probing: a b done\n"
					  "[    0.007000] cpu2 I: next\n");
	assert_string_equal(ring_text(), "[    0.000001] cpu1 I: probing: a b done\n"
					 "[    0.007000] cpu2 I: next\n");
	assert_int_equal(console_calls, 5);

	/* A filtered message neither opens nor closes a line. */
	setup(NULL);
	pr_trace("hidden");
	pr_info("shown\n");
	pr_info("open");
	pr_trace("hidden\n");
	pr_info(" closed\n");
	assert_string_equal(console_text, "[    0.000000] cpu0 I: shown\n"
					  "[    0.000000] cpu0 I: open closed\n");

	/* An empty message at the start of a line leaves just the prefix, line open. */
	setup(NULL);
	pr_info("%s", "");
	pr_info("x\n");
	assert_string_equal(console_text, "[    0.000000] cpu0 I: x\n");
}

/* Another CPU, or another level, never continues an open line: it closes it first. */
static void open_lines_are_not_continued_by_others(void **state)
{
	(void)state;
	cpu_id = 1;
	pr_info("cpu1 says");
	cpu_id = 2;
	pr_info("cpu2 says\n");
	assert_string_equal(console_text, "[    0.000000] cpu1 I: cpu1 says\n"
					  "[    0.000000] cpu2 I: cpu2 says\n");

	/* A ring-only debug line left open is closed in the ring, never on the console. */
	setup(NULL);
	pr_debug("ring only");
	pr_info("both\n");
	assert_string_equal(console_text, "[    0.000000] cpu0 I: both\n");
	assert_string_equal(ring_text(), "[    0.000000] cpu0 D: ring only\n"
					 "[    0.000000] cpu0 I: both\n");

	/* And an open console line is closed before a ring-only message. */
	setup(NULL);
	pr_info("partial");
	pr_debug("debug\n");
	assert_string_equal(console_text, "[    0.000000] cpu0 I: partial\n");
	assert_string_equal(ring_text(), "[    0.000000] cpu0 I: partial\n"
					 "[    0.000000] cpu0 D: debug\n");
}

static void long_messages_are_cut_but_end_their_line(void **state)
{
	char msg[700], want[600];
	const char *prefix = "[    0.000000] cpu0 I: ";

	(void)state;
	memset(msg, 'x', sizeof(msg) - 2);
	msg[sizeof(msg) - 2] = '\n';
	msg[sizeof(msg) - 1] = '\0';
	pr_info("%s", msg);
	pr_info("after\n");
	/* 511 bytes of line: the prefix, the text that fits, and a newline in place. */
	snprintf(want, sizeof(want), "%s%.*s\n", prefix, (int)(510 - strlen(prefix)), msg);
	assert_int_equal(strlen(want), 511);
	strcat(want, "[    0.000000] cpu0 I: after\n");
	assert_string_equal(console_text, want);
	assert_string_equal(ring_text(), want);
}

static void ring_keeps_debug_while_console_is_quiet(void **state)
{
	char buf[256];

	(void)state;
	log_set_console_level(LOG_ERROR);
	pr_info("info\n");
	pr_debug("debug\n");
	pr_err("error\n");
	assert_string_equal(console_text, "[    0.000000] cpu0 E: error\n");
	/* The ring is what log_ring_read gives the debug shell: newest lines last. */
	assert_true(log_ring_read(log_get_ring(), buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "[    0.000000] cpu0 I: info\n"
				    "[    0.000000] cpu0 D: debug\n"
				    "[    0.000000] cpu0 E: error\n"));
	log_set_console_level(LOG_INFO);
}

/* Runs inside console_write, with the log lock held: a panic on the same CPU. */
static void nested_panic_message(void)
{
	log_enter_panic_mode();
	now_ns = 9000000;
	pr_err("nested panic\n");
}

/* Last: panic mode cannot be left. */
static void panic_mode(void **state)
{
	(void)state;
	now_ns = 8000000;
	pr_info("before\n");
	assert_int_equal(log_console_level(), LOG_INFO);

	/*
	 * The lock is held while the outer message is written; in panic mode the nested
	 * message gives up waiting and is printed anyway instead of deadlocking.
	 */
	setup(NULL);
	now_ns = 8500000;
	console_hook = nested_panic_message;
	pr_info("outer\n");
	assert_string_equal(console_text, "[    0.009000] cpu0 E: nested panic\n"
					  "[    0.008500] cpu0 I: outer\n");
	assert_string_equal(ring_text(), "[    0.008500] cpu0 I: outer\n"
					 "[    0.009000] cpu0 E: nested panic\n");

	/* Everything reaches the console from now on; the ring level is unchanged. */
	assert_int_equal(log_console_level(), LOG_TRACE);
	setup(NULL);
	now_ns = 10000000;
	pr_trace("trace\n");
	pr_debug("debug\n");
	assert_string_equal(console_text, "[    0.010000] cpu0 T: trace\n"
					  "[    0.010000] cpu0 D: debug\n");
	assert_string_equal(ring_text(), "[    0.010000] cpu0 D: debug\n");

	/* And the lock still works: many messages, each one whole. */
	setup(NULL);
	for (int i = 0; i < 100; i++)
		pr_err("%d\n", i);
	assert_int_equal(console_calls, 100);
	assert_non_null(strstr(console_text, "[    0.000000] cpu0 E: 99\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(prefix_format, setup),
		cmocka_unit_test_setup(console_and_ring_levels, setup),
		cmocka_unit_test_setup(loglevel_changes, setup),
		cmocka_unit_test_setup(continued_lines, setup),
		cmocka_unit_test_setup(open_lines_are_not_continued_by_others, setup),
		cmocka_unit_test_setup(long_messages_are_cut_but_end_their_line, setup),
		cmocka_unit_test_setup(ring_keeps_debug_while_console_is_quiet, setup),
		cmocka_unit_test_setup(panic_mode, setup),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
