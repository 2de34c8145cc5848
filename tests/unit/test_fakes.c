// SPDX-License-Identifier: BSD-3-Clause
/* The fake hardware layer itself: other suites rely on it recording faithfully. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <asm/io.h>
#include <asm/msr.h>
#include "fake_hw.h"
#include "fake_log.h"

static void pio_accesses_are_recorded_in_order(void **state)
{
	(void)state;
	fake_hw_reset();
	fake_pio_set_read(0x3fd, 0x60);
	pio_write8(0x3f8, 'A');
	assert_int_equal(pio_read8(0x3fd), 0x60);
	assert_int_equal(fake_pio_log_count, 2);
	assert_true(fake_pio_log[0].write);
	assert_int_equal(fake_pio_log[0].value, 'A');
	assert_false(fake_pio_log[1].write);
}

static void msr_writes_read_back(void **state)
{
	(void)state;
	fake_hw_reset();
	assert_int_equal(msr_read(MSR_IA32_EFER), 0);
	msr_write(MSR_IA32_EFER, EFER_LME | EFER_NXE);
	assert_int_equal(msr_read(MSR_IA32_EFER), EFER_LME | EFER_NXE);
}

static void log_capture_finds_messages(void **state)
{
	(void)state;
	fake_log_reset();
	pr_info("cpu%d online\n", 3);
	assert_true(fake_log_contains("cpu3 online"));
	assert_false(fake_log_contains("cpu4"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pio_accesses_are_recorded_in_order),
		cmocka_unit_test(msr_writes_read_back),
		cmocka_unit_test(log_capture_finds_messages),
	};
	return cmocka_run_group_tests_name("fakes", tests, NULL, NULL);
}
