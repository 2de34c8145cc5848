// SPDX-License-Identifier: BSD-3-Clause
/*
 * XCR0 through XSETBV and XGETBV (SDM Vol 2C XSETBV, Vol 1 13.3): with CR4.OSXSAVE set a
 * valid XCR0 is loaded and reads back; #GP(0) for ECX != 0, x87 (bit 0) clear, a bit
 * CPUID.(EAX=0DH,ECX=0):EDX:EAX does not report and AVX without SSE. CPUID.1:ECX.OSXSAVE
 * (bit 27) reflects CR4.OSXSAVE (SDM Vol 2A CPUID, table 3-10). XCR0 and CR4 are put
 * back at the end.
 */
#include "check.h"
#include "testguest.h"

#define T "xcr"

#define CPUID1_ECX_XSAVE   BIT(26)
#define CPUID1_ECX_OSXSAVE BIT(27)
#define XCR0_X87	   BIT(0)
#define XCR0_SSE	   BIT(1)
#define XCR0_AVX	   BIT(2)

static const char *const checks[] = {
	"cpuid_osxsave",  "xsetbv_x87_sse",	   "xsetbv_x87_clear_gp",
	"xsetbv_ecx1_gp", "xsetbv_unsupported_gp", "xsetbv_avx_without_sse_gp",
};

static void skip_all(const char *why)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(checks); i++)
		check_skip(T, checks[i], "%s", why);
}

/* XSETBV(xcr, value) must raise #GP(0) and leave XCR0 as it was. */
static void check_xsetbv_gp(u32 xcr, u64 value, const char *check_name)
{
	u64 before = 0, after = 0;
	struct fault f, g1, g2;
	char what[32], w1[32], w2[32];

	g1 = probe_xgetbv(0, &before);
	f = probe_xsetbv(xcr, value);
	g2 = probe_xgetbv(0, &after);
	check(fault_is_gp0(f) && fault_none(g1) && fault_none(g2) && after == before, T, check_name,
	      "expected #GP(0) from XSETBV ECX=%u EDX:EAX=0x%llx with XCR0 unchanged, got %s, XCR0 0x%llx (%s) before, 0x%llx (%s) after",
	      xcr, value, fault_describe(f, what, sizeof(what)), before,
	      fault_describe(g1, w1, sizeof(w1)), after, fault_describe(g2, w2, sizeof(w2)));
}

/* The lowest XCR0 bit above SSE that CPUID does not report (bit 63 is never reported). */
static unsigned int unsupported_bit(u64 supported)
{
	unsigned int bit = 2;

	while (bit < 63 && (supported & BIT(bit)))
		bit++;
	return bit;
}

static void run_checks(u64 supported)
{
	u64 xcr0 = 0;
	struct fault f, g;
	char w1[32], w2[32];
	u32 ecx = cpuid(1).ecx;

	check(ecx & CPUID1_ECX_OSXSAVE, T, "cpuid_osxsave",
	      "expected CPUID.1:ECX bit 27 (OSXSAVE) set after setting CR4.OSXSAVE, ECX 0x%x (CR4 0x%llx)",
	      ecx, read_cr4());

	f = probe_xsetbv(0, XCR0_X87 | XCR0_SSE);
	g = probe_xgetbv(0, &xcr0);
	check(fault_none(f) && fault_none(g) && xcr0 == (XCR0_X87 | XCR0_SSE), T, "xsetbv_x87_sse",
	      "expected XSETBV of XCR0 0x3 to work and XGETBV to read 0x3: XSETBV %s, XGETBV %s read 0x%llx",
	      fault_describe(f, w1, sizeof(w1)), fault_describe(g, w2, sizeof(w2)), xcr0);

	check_xsetbv_gp(0, XCR0_SSE, "xsetbv_x87_clear_gp");
	check_xsetbv_gp(1, XCR0_X87 | XCR0_SSE, "xsetbv_ecx1_gp");
	check_xsetbv_gp(0, XCR0_X87 | XCR0_SSE | BIT(unsupported_bit(supported)),
			"xsetbv_unsupported_gp");
	if (supported & XCR0_AVX)
		check_xsetbv_gp(0, XCR0_X87 | XCR0_AVX, "xsetbv_avx_without_sse_gp");
	else
		check_skip(T, "xsetbv_avx_without_sse_gp",
			   "CPUID.(0xd,0) does not report AVX state (XCR0 bits 0x%llx)", supported);
}

void test_xcr(void)
{
	u32 max_leaf = cpuid(0).eax;
	u64 cr4 = read_cr4(), supported, orig_xcr0 = 0;
	struct cpuid_regs d;
	struct fault f;
	char what[32];

	if (max_leaf < 0xd || !(cpuid(1).ecx & CPUID1_ECX_XSAVE)) {
		skip_all("CPUID.1:ECX bit 26 (XSAVE) is clear");
		return;
	}
	d = cpuid_count(0xd, 0);
	supported = ((u64)d.edx << 32) | d.eax;

	f = probe_write_cr4(cr4 | CR4_OSXSAVE);
	if (!fault_none(f) || !(read_cr4() & CR4_OSXSAVE)) {
		check_fail(T, "xsetbv_x87_sse",
			   "cannot set CR4.OSXSAVE: writing CR4 0x%llx raised %s, CR4 reads 0x%llx",
			   cr4 | CR4_OSXSAVE, fault_describe(f, what, sizeof(what)), read_cr4());
		return;
	}
	probe_xgetbv(0, &orig_xcr0);
	run_checks(supported);
	if (orig_xcr0 & XCR0_X87)
		probe_xsetbv(0, orig_xcr0);
	probe_write_cr4(cr4);
}
