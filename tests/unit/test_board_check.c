// SPDX-License-Identifier: BSD-3-Clause
/* The boot-time comparison of the configured board with the machine found. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <bulkhead/board_check.h>
#include <bulkhead/errno.h>
#include "fake_log.h"

static const u32 board_apics[] = {0, 2, 4, 6};
static const struct board_ioapic board_ioapics[] = {
	{.id = 8, .address = 0xfec00000, .gsi_base = 0}};
static const struct board_config board = {
	.name = "testboard",
	.cpu_count = 4,
	.apic_ids = board_apics,
	.ioapic_count = 1,
	.ioapics = board_ioapics,
};
static struct acpi_info acpi;

static int setup(void **state)
{
	(void)state;
	fake_log_reset();
	acpi = (struct acpi_info){0};
	acpi.ioapic_count = 1;
	acpi.ioapics[0] = (struct acpi_ioapic){.id = 8, .addr = 0xfec00000, .gsi_base = 0};
	return 0;
}

static void matching_machine_passes(void **state)
{
	u32 online[] = {0, 2, 4, 6};

	(void)state;
	assert_int_equal(board_check(&board, &acpi, online, 4), 0);
	assert_true(fake_log_contains("board: matches testboard (4 CPUs, 1 IOAPICs)"));
}

static void unknown_board_fits_anything(void **state)
{
	const struct board_config any = {.name = "any", .cpu_count = 0};
	u32 online[] = {7};

	(void)state;
	assert_int_equal(board_check(&any, &acpi, online, 1), 0);
	assert_string_equal(fake_log_text, "");
}

static void different_apic_ids_are_refused(void **state)
{
	u32 online[] = {0, 1, 2, 3};

	(void)state;
	assert_int_equal(board_check(&board, &acpi, online, 4), -ENODEV);
	assert_true(fake_log_contains("board: CPU 1 has APIC ID 1 here, 2 on testboard"));
	assert_true(fake_log_contains("board: CPU 3 has APIC ID 3 here, 6 on testboard"));
	assert_true(fake_log_contains("configured for testboard, which is not this machine"));
}

static void fewer_cpus_are_refused_more_are_a_warning(void **state)
{
	u32 online[] = {0, 2, 4, 6, 8};

	(void)state;
	assert_int_equal(board_check(&board, &acpi, online, 3), -ENODEV);
	assert_true(fake_log_contains("testboard has 4 CPUs but only 3 are online here"));
	setup(NULL);
	assert_int_equal(board_check(&board, &acpi, online, 5), 0);
	assert_true(fake_log_contains("5 CPUs online, testboard describes 4"));
}

static void missing_ioapic_is_refused(void **state)
{
	u32 online[] = {0, 2, 4, 6};

	(void)state;
	acpi.ioapics[0].gsi_base = 24;
	assert_int_equal(board_check(&board, &acpi, online, 4), -ENODEV);
	assert_true(fake_log_contains("no IOAPIC at 0xfec00000 with GSI base 0 here"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(matching_machine_passes, setup),
		cmocka_unit_test_setup(unknown_board_fits_anything, setup),
		cmocka_unit_test_setup(different_apic_ids_are_refused, setup),
		cmocka_unit_test_setup(fewer_cpus_are_refused_more_are_a_warning, setup),
		cmocka_unit_test_setup(missing_ioapic_is_refused, setup),
	};
	return cmocka_run_group_tests_name("board_check", tests, NULL, NULL);
}
