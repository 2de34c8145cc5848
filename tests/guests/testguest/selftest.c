// SPDX-License-Identifier: BSD-3-Clause
/*
 * tests=selftest (never in the default set): exercises the guest's own exception
 * machinery with architectural behaviour only, so it passes on any x86-64 CPU or VM.
 * Probes must report #GP(0) for a non-canonical load (SDM Vol 3A 3.3.7.1), #UD for
 * UD2 and nothing for an ordinary load; then an unprobed UD2 must produce the register
 * dump, "FAIL selftest.unexpected_exception" and a return to the next test.
 */
#include "check.h"
#include "testguest.h"

#define T "selftest"

#define NON_CANONICAL 0x8000000000000000ULL

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

	asm volatile("ud2" : : : "memory");
	check_fail(T, "not_reached", "execution continued after an unexpected #UD");
}
