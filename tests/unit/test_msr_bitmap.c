// SPDX-License-Identifier: BSD-3-Clause
/* The VMX MSR bitmap built from a VM's MSR policy table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <asm/vmx_msr_bitmap.h>

static u8 bitmap[MSR_BITMAP_SIZE];

static const struct msr_policy_config policy[] = {
	{.index = 0x1a0, .policy = MSR_DENY},		  /* IA32_MISC_ENABLE */
	{.index = 0x1d9, .policy = MSR_PASSTHROUGH},	  /* IA32_DEBUGCTL */
	{.index = 0xc0000080, .policy = MSR_TRAP},	  /* EFER */
	{.index = 0xc0000102, .policy = MSR_PASSTHROUGH}, /* KERNEL_GS_BASE */
	{.index = 0x1fff, .policy = MSR_PASSTHROUGH},	  /* last of the low range */
	{.index = 0x40000000, .policy = MSR_PASSTHROUGH}, /* outside both ranges */
};

static void passthrough_entries_stop_exiting_for_read_and_write(void **state)
{
	(void)state;
	assert_int_equal(msr_bitmap_build(bitmap, policy, 6), 1);
	for (int w = 0; w < 2; w++) {
		assert_false(msr_bitmap_exits(bitmap, 0x1d9, w));
		assert_false(msr_bitmap_exits(bitmap, 0xc0000102, w));
		assert_false(msr_bitmap_exits(bitmap, 0x1fff, w));
	}
	/* SDM 25.6.9 layout: DEBUGCTL's read bit at byte 0x3b bit 1, write bit 2048 later. */
	assert_int_equal(bitmap[0x1d9 / 8] & (1 << (0x1d9 % 8)), 0);
	assert_int_equal(bitmap[2048 + 0x1d9 / 8] & (1 << (0x1d9 % 8)), 0);
	/* KERNEL_GS_BASE in the high quarters: bytes 1024 + 0x102 / 8 and 3072 + ... */
	assert_int_equal(bitmap[1024 + 0x102 / 8] & (1 << (0x102 % 8)), 0);
	assert_int_equal(bitmap[3072 + 0x102 / 8] & (1 << (0x102 % 8)), 0);
}

static void everything_else_exits(void **state)
{
	(void)state;
	msr_bitmap_build(bitmap, policy, 6);
	for (int w = 0; w < 2; w++) {
		assert_true(msr_bitmap_exits(bitmap, 0x1a0, w));      /* deny */
		assert_true(msr_bitmap_exits(bitmap, 0xc0000080, w)); /* trap */
		assert_true(msr_bitmap_exits(bitmap, 0x10, w));	      /* TSC: not listed */
		assert_true(msr_bitmap_exits(bitmap, 0x1d8, w));      /* neighbour bits intact */
		assert_true(msr_bitmap_exits(bitmap, 0x1da, w));
		assert_true(msr_bitmap_exits(bitmap, 0x40000000, w)); /* outside the ranges */
		assert_true(msr_bitmap_exits(bitmap, 0x2000, w));
		assert_true(msr_bitmap_exits(bitmap, 0xc0002000, w));
	}
	/* An empty policy traps every MSR. */
	msr_bitmap_build(bitmap, NULL, 0);
	for (int i = 0; i < MSR_BITMAP_SIZE; i++)
		assert_int_equal(bitmap[i], 0xff);
}

static void policy_lookup(void **state)
{
	(void)state;
	assert_ptr_equal(msr_policy_find(policy, 6, 0xc0000080), &policy[2]);
	assert_null(msr_policy_find(policy, 6, 0x10));
	assert_null(msr_policy_find(NULL, 0, 0x10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passthrough_entries_stop_exiting_for_read_and_write),
		cmocka_unit_test(everything_else_exits),
		cmocka_unit_test(policy_lookup),
	};
	return cmocka_run_group_tests_name("msr_bitmap", tests, NULL, NULL);
}
