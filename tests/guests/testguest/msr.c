// SPDX-License-Identifier: BSD-3-Clause
/*
 * MSRs: unimplemented and denied MSRs raise #GP(0) (SDM Vol 2B RDMSR/WRMSR), EFER shows
 * IA-32e mode, and the MSRs a guest owns (EFER.SCE, TSC_AUX, the TSC) keep what is
 * written. IA32_FEATURE_CONTROL must not advertise VMX (SDM Vol 3C 23.7).
 */
#include "check.h"
#include "console.h"
#include "testguest.h"

#define T "msr"

#define CPUID_80000001_EDX_RDTSCP BIT(27)
#define FEATURE_CONTROL_LOCK	  BIT(0)
#define FEATURE_CONTROL_VMX	  (BIT(1) | BIT(2))
#define TSC_WRITE_VALUE		  0x0000100000000000ULL
#define TSC_WRITE_WINDOW	  1000000000ULL

static const u32 unimplemented_msrs[] = {0x40001234, 0xc0011234};

/* RDMSR and WRMSR of msr must both raise #GP(0). kind names the check: "unimpl", "deny". */
static void check_msr_gp(u32 msr, const char *kind)
{
	char name[48], what[32];
	u64 value;
	struct fault f = probe_rdmsr(msr, &value);

	tg_snprintf(name, sizeof(name), "%s_rdmsr_%x", kind, msr);
	check(fault_is_gp0(f), T, name, "expected #GP(0), got %s (EDX:EAX 0x%llx)",
	      fault_describe(f, what, sizeof(what)), value);
	/* Should RDMSR have worked, write back what it read rather than clobber the MSR. */
	tg_snprintf(name, sizeof(name), "%s_wrmsr_%x", kind, msr);
	check_gp0(probe_wrmsr(msr, fault_none(f) ? value : 0), T, name);
}

static void check_efer(void)
{
	u64 efer = 0, toggled = 0, restored = 0;
	struct fault f = probe_rdmsr(MSR_EFER, &efer);
	struct fault w1, w2;
	char what[32];

	if (!check_no_fault(f, T, "efer_read"))
		return;
	check((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), T, "efer_lme_lma",
	      "expected EFER.LME and EFER.LMA set, EFER is 0x%llx", efer);

	w1 = probe_wrmsr(MSR_EFER, efer ^ EFER_SCE);
	probe_rdmsr(MSR_EFER, &toggled);
	w2 = probe_wrmsr(MSR_EFER, efer);
	probe_rdmsr(MSR_EFER, &restored);
	check(fault_none(w1) && fault_none(w2) && ((toggled ^ efer) & EFER_SCE) &&
		      !((restored ^ efer) & EFER_SCE),
	      T, "efer_sce",
	      "expected EFER.SCE to toggle and read back: wrote 0x%llx read 0x%llx, wrote 0x%llx read 0x%llx (%s)",
	      efer ^ EFER_SCE, toggled, efer, restored,
	      fault_describe(fault_none(w1) ? w2 : w1, what, sizeof(what)));
}

static void check_tsc_aux(void)
{
	u64 value = (name_hash & 0xffffffffULL) | 1, seen = 0, tsc;
	struct fault w = probe_wrmsr(MSR_TSC_AUX, value);
	struct fault r = probe_rdmsr(MSR_TSC_AUX, &seen);
	char w_what[32], r_what[32];
	u32 aux = 0;

	check(fault_none(w) && fault_none(r) && seen == value, T, "tsc_aux",
	      "expected TSC_AUX to read back 0x%llx: WRMSR %s, RDMSR %s read 0x%llx", value,
	      fault_describe(w, w_what, sizeof(w_what)), fault_describe(r, r_what, sizeof(r_what)),
	      seen);

	if (cpuid(0x80000000).eax < 0x80000001 ||
	    !(cpuid(0x80000001).edx & CPUID_80000001_EDX_RDTSCP)) {
		check_skip(T, "tsc_aux_rdtscp", "CPUID 0x80000001 EDX bit 27 (RDTSCP) clear");
		return;
	}
	r = probe_rdtscp(&tsc, &aux);
	check(fault_none(r) && aux == value, T, "tsc_aux_rdtscp",
	      "expected RDTSCP ECX = 0x%llx, %s, ECX 0x%x", value,
	      fault_describe(r, r_what, sizeof(r_what)), aux);
}

static void check_tsc_write(void)
{
	struct fault w = probe_wrmsr(MSR_IA32_TSC, TSC_WRITE_VALUE);
	u64 seen = rdtsc();
	char what[32];

	check(fault_none(w) && seen >= TSC_WRITE_VALUE && seen - TSC_WRITE_VALUE < TSC_WRITE_WINDOW,
	      T, "tsc_write",
	      "expected RDTSC in [0x%llx, +10^9) after WRMSR IA32_TSC (%s), got 0x%llx",
	      TSC_WRITE_VALUE, fault_describe(w, what, sizeof(what)), seen);
}

static void check_feature_control(void)
{
	u64 value = 0;
	struct fault f = probe_rdmsr(MSR_IA32_FEATURE_CONTROL, &value);
	char what[32];

	if (!fault_none(f)) {
		check_pass(T, "feature_control", "RDMSR raises %s",
			   fault_describe(f, what, sizeof(what)));
		return;
	}
	/* VMX is not offered: its enable bits are clear. A locked MSR refuses writes. */
	check(!(value & FEATURE_CONTROL_VMX), T, "feature_control",
	      "expected IA32_FEATURE_CONTROL bits 1-2 (VMX) clear, read 0x%llx", value);
	if (value & FEATURE_CONTROL_LOCK) {
		struct fault w = probe_wrmsr(MSR_IA32_FEATURE_CONTROL, value);

		check(fault_is_gp0(w), T, "feature_control_locked",
		      "expected WRMSR of the locked IA32_FEATURE_CONTROL to raise #GP(0), got %s",
		      fault_describe(w, what, sizeof(what)));
	}
}

void test_msr(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unimplemented_msrs); i++)
		check_msr_gp(unimplemented_msrs[i], "unimpl");
	for (i = 0; i < cfg.deny_msr_count; i++)
		check_msr_gp(cfg.deny_msrs[i], "deny");
	check_efer();
	check_tsc_aux();
	check_tsc_write();
	check_feature_control();
}
