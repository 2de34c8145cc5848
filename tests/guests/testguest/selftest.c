// SPDX-License-Identifier: BSD-3-Clause
/*
 * tests=selftest (never in the default set): exercises the guest's own exception
 * machinery with architectural behaviour only, so it passes on any x86-64 CPU or VM.
 * Probes must report #GP(0) for a non-canonical load (SDM Vol 3A 3.3.7.1), #UD for
 * UD2 and nothing for an ordinary load; a UD2 at CPL 3 must come back to CPL 0 as #UD
 * with the CPL 3 frame (user.h); then an unprobed UD2 must produce the register
 * dump, "FAIL selftest.unexpected_exception" and a return to the next test.
 */
#include "check.h"
#include "testguest.h"
#include "user.h"

#define T "selftest"

#define NON_CANONICAL 0x8000000000000000ULL

/* Runs at CPL 3. */
void user_ud2(void);
asm(".pushsection .text\n"
    "\t.globl user_ud2\n"
    "user_ud2:\n"
    "\tud2\n"
    ".popsection\n");

static void check_user_mode(void)
{
	struct trap_frame tf;
	struct fault f;
	char what[32];

	user_run(user_ud2, &tf);
	f = (struct fault){.vector = (int)tf.vector, .error_code = (u32)tf.error_code};
	check(f.vector == VEC_UD && tf.rip == (u64)(size_t)user_ud2 && tf.cs == SEL_USER_CODE64 &&
		      tf.ss == SEL_USER_DATA,
	      T, "user_mode",
	      "expected #UD at rip 0x%llx from CS 0x%x SS 0x%x, got %s at rip 0x%llx CS 0x%llx SS 0x%llx",
	      (u64)(size_t)user_ud2, SEL_USER_CODE64, SEL_USER_DATA,
	      fault_describe(f, what, sizeof(what)), tf.rip, tf.cs, tf.ss);
}

void test_selftest(void)
{
	char what[32];
	struct fault f;
	u64 value;

	check_gp0(probe_read64(NON_CANONICAL, &value), T, "probe_gp");

	probe_arm();
	asm volatile(PROBE_INSN("ud2") : : : "memory");
	f = probe_result();
	check(f.vector == VEC_UD, T, "probe_ud", "expected #UD from a probed UD2, got %s",
	      fault_describe(f, what, sizeof(what)));

	check_no_fault(probe_read64((u64)(size_t)&name_hash, &value), T, "probe_none");
	check_user_mode();

	asm volatile("ud2" : : : "memory");
	check_fail(T, "not_reached", "execution continued after an unexpected #UD");
}
