// SPDX-License-Identifier: BSD-3-Clause
/*
 * Control registers: the bits a hypervisor must keep virtual (CR4.VMXE), the #GP cases
 * of MOV to CR0/CR4 (SDM Vol 2B "MOV - Move to/from Control Registers" and Vol 3A 2.5:
 * reserved CR4 bits, NW without CD, clearing CR4.PAE or CR0.PG in IA-32e mode) and
 * bits the guest owns that must read back as written.
 */
#include "check.h"
#include "console.h"
#include "lib.h"
#include "testguest.h"

#define T "cr"

#define CR4_RESERVED_BIT31 BIT(31)

struct cr_access {
	const char *name;
	u64 (*read)(void);
	struct fault (*write)(u64 value);
};

static const struct cr_access cr0 = {"CR0", read_cr0, probe_write_cr0};
static const struct cr_access cr4 = {"CR4", read_cr4, probe_write_cr4};

/* Writing value must raise #GP(0); when it does not, the old value is put back. */
static void check_write_gp(const struct cr_access *cr, u64 value, const char *check_name)
{
	u64 orig = cr->read();
	struct fault f = cr->write(value);
	u64 seen = cr->read();
	char what[32];

	if (fault_is_gp0(f)) {
		check_ok(T, check_name);
		return;
	}
	cr->write(orig);
	check_fail(T, check_name,
		   "expected #GP(0) writing %s 0x%llx (was 0x%llx), got %s, read 0x%llx", cr->name,
		   value, orig, fault_describe(f, what, sizeof(what)), seen);
}

/* Flips bit, reads back, flips it back, reads back: both writes must stick, no fault. */
static void check_toggle(const struct cr_access *cr, u64 bit, const char *check_name)
{
	u64 orig = cr->read();
	struct fault f1 = cr->write(orig ^ bit);
	u64 flipped = cr->read();
	struct fault f2 = cr->write(orig);
	u64 restored = cr->read();
	char w1[32], w2[32];

	check(fault_none(f1) && fault_none(f2) && (flipped & bit) != (orig & bit) &&
		      (restored & bit) == (orig & bit),
	      T, check_name,
	      "expected %s 0x%llx to toggle and read back: wrote 0x%llx (%s) read 0x%llx, wrote 0x%llx (%s) read 0x%llx",
	      cr->name, bit, orig ^ bit, fault_describe(f1, w1, sizeof(w1)), flipped, orig,
	      fault_describe(f2, w2, sizeof(w2)), restored);
}

static void check_cr0_ts(void)
{
	u64 orig = read_cr0();
	struct fault f1 = probe_write_cr0(orig | CR0_TS);
	u64 set = read_cr0();
	struct fault f2 = probe_clts();
	u64 cleared = read_cr0();
	char w1[32], w2[32];

	check(fault_none(f1) && fault_none(f2) && (set & CR0_TS) && !(cleared & CR0_TS), T,
	      "cr0_ts",
	      "expected TS set by MOV and cleared by CLTS: MOV %s read 0x%llx, CLTS %s read 0x%llx",
	      fault_describe(f1, w1, sizeof(w1)), set, fault_describe(f2, w2, sizeof(w2)), cleared);
	probe_write_cr0(orig);
}

/* QEMU 7.2 TCG, not a hypervisor: CPUID 0x40000000 says "TCGTCGTCGTCG". */
static bool on_qemu_tcg(void)
{
	struct cpuid_regs r = cpuid(0x40000000);

	return !memcmp(&r.ebx, "TCGT", 4) && !memcmp(&r.ecx, "CGTC", 4) &&
	       !memcmp(&r.edx, "GTCG", 4);
}

void test_cr(void)
{
	u64 c0 = read_cr0(), c4 = read_cr4();
	bool tcg = on_qemu_tcg();

	check(!(c4 & CR4_VMXE), T, "cr4_vmxe_clear", "expected CR4.VMXE = 0, CR4 is 0x%llx", c4);
	/*
	 * QEMU 7.2 TCG turns a reserved-bit CR4 write into an SVM #VMEXIT even outside
	 * SVM guest mode, and the vCPU never comes back: don't try it there.
	 */
	if (tcg) {
		check_skip(T, "cr4_vmxe_gp", "QEMU TCG hangs on reserved CR4 bits");
		check_skip(T, "cr4_reserved_gp", "QEMU TCG hangs on reserved CR4 bits");
	} else {
		check_write_gp(&cr4, c4 | CR4_VMXE, "cr4_vmxe_gp");
		check_write_gp(&cr4, c4 | CR4_RESERVED_BIT31, "cr4_reserved_gp");
	}
	check_write_gp(&cr0, (c0 | CR0_NW) & ~CR0_CD, "cr0_nw_without_cd_gp");
	check_toggle(&cr0, CR0_CD, "cr0_cd");
	check_toggle(&cr4, CR4_TSD, "cr4_tsd");
	check_toggle(&cr4, CR4_OSXMMEXCPT, "cr4_osxmmexcpt");
	check_cr0_ts();
	/*
	 * Last: if either of these does not fault, the paging mode is gone under our feet.
	 * QEMU 7.2 TCG performs both writes (no #GP) and the guest dies: not there.
	 */
	if (tcg) {
		check_skip(T, "cr4_pae_clear_gp",
			   "QEMU TCG clears CR4.PAE in IA-32e mode without #GP");
		check_skip(T, "cr0_pg_clear_gp",
			   "QEMU TCG clears CR0.PG in IA-32e mode without #GP");
	} else {
		check_write_gp(&cr4, c4 & ~CR4_PAE, "cr4_pae_clear_gp");
		check_write_gp(&cr0, c0 & ~CR0_PG, "cr0_pg_clear_gp");
	}
}
