// SPDX-License-Identifier: BSD-3-Clause
/*
 * VT-x capability discovery against scripted CPUID leaves and VMX MSRs, and the
 * capability table and refusal messages printed from the result.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <asm/msr.h>
#include <asm/vmx_caps.h>
#include "fake_hw.h"
#include "fake_log.h"

#define ALL_FEATURES ((1ULL << VMX_FEAT_COUNT) - 1)
#define FEAT(f)	     (1ULL << (f))

/* Allowed-1 bits (SDM Vol 3D A.3) and IA32_VMX_EPT_VPID_CAP bits (A.10). */
#define PIN_ALL	   ((1U << 6) | (1U << 7))
#define PROC_ALL   ((1U << 21) | (1U << 25) | (1U << 28) | (1U << 31))
#define PROC2_EPT  (1U << 1)
#define PROC2_VPID (1U << 5)
#define PROC2_UG   (1U << 7)
#define PROC2_ALL  (PROC2_EPT | PROC2_VPID | PROC2_UG | (1U << 8) | (1U << 9))
#define EPT_WALK4  (1ULL << 6)
#define EPT_WB	   (1ULL << 14)
#define EPT_VPID_ALL                                                                      \
	(EPT_WALK4 | EPT_WB | (1ULL << 16) | (1ULL << 17) | (1ULL << 20) | (1ULL << 25) | \
	 (1ULL << 26) | (1ULL << 32) | (1ULL << 41) | (1ULL << 42))
#define BASIC_VALUE ((1ULL << 55) | (1ULL << 54) | (6ULL << 50) | (4096ULL << 32) | 0x12)
#define FC_LOCKED   0x1ULL
#define FC_IN_SMX   0x2ULL
#define FC_OUTSIDE  0x4ULL

/* Allowed-0 settings in the low half must not leak into the allowed-1 fields. */
static u64 ctls(u32 allowed1)
{
	return ((u64)allowed1 << 32) | 0x16;
}

/* A CPU with every feature the probe knows, through the TRUE control MSRs. */
static void script_full_cpu(void)
{
	fake_hw_reset();
	fake_cpuid_set(1, 0, 0x000306c3, 0, 1U << 5, 0);
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, FC_LOCKED | FC_OUTSIDE);
	fake_msr_set(MSR_IA32_VMX_BASIC, BASIC_VALUE);
	/* The non-TRUE MSRs are ignored when BASIC bit 55 is set. */
	fake_msr_set(MSR_IA32_VMX_PINBASED_CTLS, ctls(0));
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS, ctls(0));
	fake_msr_set(MSR_IA32_VMX_TRUE_PINBASED_CTLS, ctls(PIN_ALL));
	fake_msr_set(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, ctls(PROC_ALL));
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2, ctls(PROC2_ALL));
	fake_msr_set(MSR_IA32_VMX_EPT_VPID_CAP, EPT_VPID_ALL);
}

static struct vmx_caps probe(void)
{
	struct vmx_caps caps;

	memset(&caps, 0xa5, sizeof(caps));
	vmx_caps_probe(&caps);
	return caps;
}

static int report(const struct vmx_caps *caps, size_t count)
{
	const struct vmx_caps *ptrs[300];

	assert_true(count <= 300);
	for (size_t i = 0; i < count; i++)
		ptrs[i] = &caps[i];
	fake_log_reset();
	return vmx_caps_report(ptrs, count);
}

static size_t count_occurrences(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Copies the log line that starts with prefix into out; fails if there is none. */
static void find_line(const char *prefix, char *out, size_t size)
{
	const char *p = fake_log_text;

	for (;;) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			break;
		p = strchr(p, '\n');
		if (!p)
			fail_msg("no log line starts with \"%s\"", prefix);
		p++;
	}
	size_t len = strcspn(p, "\n");

	assert_true(len < size);
	memcpy(out, p, len);
	out[len] = '\0';
}

struct token {
	size_t start;
	char text[32];
};

/* Splits a line at spaces; returns the number of words. */
static size_t tokenize(const char *line, struct token *tok, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; line[i];) {
		if (line[i] == ' ') {
			i++;
			continue;
		}
		size_t start = i;

		while (line[i] && line[i] != ' ')
			i++;
		assert_true(n < max);
		assert_true(i - start < sizeof(tok[n].text));
		tok[n].start = start;
		memcpy(tok[n].text, line + start, i - start);
		tok[n].text[i - start] = '\0';
		n++;
	}
	return n;
}

/*
 * The table: a header with "cpu" and each column title ("*" on required ones), then one
 * row per CPU whose cells, aligned under their titles, say yes or no.
 */
static void check_table(const struct vmx_caps *caps, size_t count)
{
	struct token head[VMX_FEAT_COUNT + 1], row[VMX_FEAT_COUNT + 1];
	char line[512], prefix[32];

	assert_true(fake_log_contains("VMX capabilities (yes/no per CPU; * = required):\n"));
	find_line("  cpu ", line, sizeof(line));
	assert_int_equal(tokenize(line, head, VMX_FEAT_COUNT + 1), VMX_FEAT_COUNT + 1);
	assert_string_equal(head[0].text, "cpu");
	for (int f = 0; f < VMX_FEAT_COUNT; f++) {
		char title[32];

		snprintf(title, sizeof(title), "%s%s", vmx_feature_column((enum vmx_feature)f),
			 (VMX_REQUIRED_FEATURES >> f) & 1 ? "*" : "");
		assert_string_equal(head[f + 1].text, title);
	}
	for (size_t i = 0; i < count; i++) {
		snprintf(prefix, sizeof(prefix), "  %3zu ", i);
		find_line(prefix, line, sizeof(line));
		assert_int_equal(tokenize(line, row, VMX_FEAT_COUNT + 1), VMX_FEAT_COUNT + 1);
		for (int f = 0; f < VMX_FEAT_COUNT; f++) {
			const char *want = (caps[i].features >> f) & 1 ? "yes" : "no";

			if (strcmp(row[f + 1].text, want) != 0)
				fail_msg("cpu %zu column %s: \"%s\", expected \"%s\"", i,
					 head[f + 1].text, row[f + 1].text, want);
			if (row[f + 1].start != head[f + 1].start)
				fail_msg("cpu %zu column %s: cell at %zu, title at %zu", i,
					 head[f + 1].text, row[f + 1].start, head[f + 1].start);
		}
	}
}

static void feature_names_and_columns(void **state)
{
	(void)state;
	assert_string_equal(vmx_feature_name(VMX_FEAT_UNRESTRICTED), "unrestricted guest");
	assert_string_equal(vmx_feature_column(VMX_FEAT_UNRESTRICTED), "UG");
	assert_string_equal(vmx_feature_name(VMX_FEAT_EPT), "EPT (4-level, write-back)");
	assert_string_equal(vmx_feature_column(VMX_FEAT_PREEMPT_TIMER), "PREEMPT");
	for (int f = 0; f < VMX_FEAT_COUNT; f++) {
		assert_non_null(vmx_feature_name((enum vmx_feature)f));
		assert_true(strlen(vmx_feature_column((enum vmx_feature)f)) > 0);
	}
	assert_string_equal(vmx_feature_name(VMX_FEAT_COUNT), "?");
	assert_string_equal(vmx_feature_column(VMX_FEAT_COUNT), "?");
}

static void full_featured_cpu(void **state)
{
	struct vmx_caps caps[2];

	(void)state;
	script_full_cpu();
	caps[0] = probe();
	assert_int_equal(caps[0].features, ALL_FEATURES);
	assert_int_equal(caps[0].basic, BASIC_VALUE);
	assert_int_equal(caps[0].pinbased_allowed1, PIN_ALL);
	assert_int_equal(caps[0].procbased_allowed1, PROC_ALL);
	assert_int_equal(caps[0].procbased2_allowed1, PROC2_ALL);
	assert_int_equal(caps[0].ept_vpid_cap, EPT_VPID_ALL);
	/* Already locked by firmware: left alone. */
	assert_int_equal(msr_read(MSR_IA32_FEATURE_CONTROL), FC_LOCKED | FC_OUTSIDE);
	caps[1] = caps[0];

	assert_int_equal(report(caps, 2), 0);
	check_table(caps, 2);
	assert_false(fake_log_contains("missing"));
	assert_false(fake_log_contains("differ"));
	assert_false(fake_log_contains("refusing"));
}

static void cpu_without_vmx(void **state)
{
	struct vmx_caps caps[3];

	(void)state;
	script_full_cpu();
	caps[0] = probe();
	caps[2] = caps[0];
	/* CPUID.1:ECX bit 5 clear; everything else would be there. */
	fake_hw_reset();
	fake_cpuid_set(1, 0, 0x000306c3, 0, ~(1U << 5), ~0U);
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0);
	fake_msr_set(MSR_IA32_VMX_BASIC, BASIC_VALUE);
	fake_msr_set(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, ctls(PROC_ALL));
	caps[1] = probe();
	assert_int_equal(caps[1].features, 0);
	assert_int_equal(caps[1].basic, 0);
	assert_int_equal(caps[1].procbased_allowed1, 0);
	/* Without VMX the feature control MSR is not touched. */
	assert_int_equal(msr_read(MSR_IA32_FEATURE_CONTROL), 0);

	assert_int_equal(report(caps, 3), -ENODEV);
	check_table(caps, 3);
	/* Only the one line that matters, not one per dependent feature. */
	assert_int_equal(count_occurrences(fake_log_text, "required feature missing"), 1);
	assert_true(fake_log_contains("VMX: required feature missing: VMX on cpu 1\n"
				      "VMX: this machine cannot run Bulkhead VMs; refusing to "
				      "continue.\n"));
}

static void unlocked_feature_control_is_enabled_and_locked(void **state)
{
	struct vmx_caps caps;

	(void)state;
	script_full_cpu();
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0);
	caps = probe();
	assert_int_equal(msr_read(MSR_IA32_FEATURE_CONTROL), FC_LOCKED | FC_OUTSIDE);
	assert_int_equal(caps.features, ALL_FEATURES);

	/* Bits already set (VMX inside SMX) are kept. */
	script_full_cpu();
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, FC_IN_SMX);
	caps = probe();
	assert_int_equal(msr_read(MSR_IA32_FEATURE_CONTROL), FC_LOCKED | FC_IN_SMX | FC_OUTSIDE);
	assert_int_equal(caps.features, ALL_FEATURES);
}

static void locked_with_vmx_disabled(void **state)
{
	struct vmx_caps caps;

	(void)state;
	script_full_cpu();
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, FC_LOCKED | FC_IN_SMX);
	caps = probe();
	/* Locked: the probe must not try to change it. */
	assert_int_equal(msr_read(MSR_IA32_FEATURE_CONTROL), FC_LOCKED | FC_IN_SMX);
	assert_int_equal(caps.features, ALL_FEATURES & ~FEAT(VMX_FEAT_ENABLED));

	assert_int_equal(report(&caps, 1), -ENODEV);
	check_table(&caps, 1);
	assert_int_equal(count_occurrences(fake_log_text, "required feature missing"), 1);
	assert_true(fake_log_contains(
		"VMX: required feature missing: VMX enabled in IA32_FEATURE_CONTROL on cpu 0\n"));
}

static void no_true_controls_uses_the_plain_msrs(void **state)
{
	struct vmx_caps caps;

	(void)state;
	script_full_cpu();
	fake_msr_set(MSR_IA32_VMX_BASIC, BASIC_VALUE & ~(1ULL << 55));
	fake_msr_set(MSR_IA32_VMX_TRUE_PINBASED_CTLS, ctls(0));
	fake_msr_set(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, ctls(0));
	fake_msr_set(MSR_IA32_VMX_PINBASED_CTLS, ctls(PIN_ALL));
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS, ctls(PROC_ALL));
	caps = probe();
	assert_int_equal(caps.pinbased_allowed1, PIN_ALL);
	assert_int_equal(caps.procbased_allowed1, PROC_ALL);
	assert_int_equal(caps.features, ALL_FEATURES & ~FEAT(VMX_FEAT_TRUE_CTLS));

	assert_int_equal(report(&caps, 1), -ENODEV);
	assert_int_equal(count_occurrences(fake_log_text, "required feature missing"), 1);
	assert_true(
		fake_log_contains("VMX: required feature missing: true control MSRs on cpu 0\n"));
}

static void no_secondary_controls(void **state)
{
	struct vmx_caps caps;

	(void)state;
	script_full_cpu();
	fake_msr_set(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, ctls(PROC_ALL & ~(1U << 31)));
	caps = probe();
	/* CTLS2 and EPT_VPID_CAP only count when the secondary controls exist. */
	assert_int_equal(caps.procbased2_allowed1, 0);
	assert_int_equal(caps.ept_vpid_cap, 0);
	assert_int_equal(caps.features,
			 FEAT(VMX_FEAT_VMX) | FEAT(VMX_FEAT_ENABLED) | FEAT(VMX_FEAT_TRUE_CTLS) |
				 FEAT(VMX_FEAT_MSR_BITMAP) | FEAT(VMX_FEAT_IO_BITMAP) |
				 FEAT(VMX_FEAT_TPR_SHADOW) | FEAT(VMX_FEAT_POSTED_INTR) |
				 FEAT(VMX_FEAT_PREEMPT_TIMER));

	/* Neither EPT nor VPID: the EPT/VPID capability MSR is not read. */
	script_full_cpu();
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2, ctls(PROC2_UG));
	caps = probe();
	assert_int_equal(caps.procbased2_allowed1, PROC2_UG);
	assert_int_equal(caps.ept_vpid_cap, 0);
}

static void ept_needs_write_back_and_four_levels(void **state)
{
	const u64 others = ALL_FEATURES & ~FEAT(VMX_FEAT_EPT);
	struct vmx_caps caps;

	(void)state;
	script_full_cpu();
	fake_msr_set(MSR_IA32_VMX_EPT_VPID_CAP, EPT_VPID_ALL & ~EPT_WB);
	caps = probe();
	assert_int_equal(caps.features, others);
	assert_int_equal(report(&caps, 1), -ENODEV);
	assert_int_equal(count_occurrences(fake_log_text, "required feature missing"), 1);
	assert_true(fake_log_contains(
		"VMX: required feature missing: EPT (4-level, write-back) on cpu 0\n"));

	script_full_cpu();
	fake_msr_set(MSR_IA32_VMX_EPT_VPID_CAP, EPT_VPID_ALL & ~EPT_WALK4);
	caps = probe();
	assert_int_equal(caps.features, others);

	/* EPT capability bits mean nothing when the EPT control itself is missing. */
	script_full_cpu();
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2, ctls(PROC2_ALL & ~PROC2_EPT));
	caps = probe();
	assert_int_equal(caps.features,
			 ALL_FEATURES & ~(FEAT(VMX_FEAT_EPT) | FEAT(VMX_FEAT_EPT_2M) |
					  FEAT(VMX_FEAT_EPT_1G) | FEAT(VMX_FEAT_INVEPT)));
	/* INVVPID needs the single- and all-context types too. */
	script_full_cpu();
	fake_msr_set(MSR_IA32_VMX_EPT_VPID_CAP, EPT_VPID_ALL & ~(1ULL << 42));
	caps = probe();
	assert_int_equal(caps.features, ALL_FEATURES & ~FEAT(VMX_FEAT_INVVPID));
}

static void no_unrestricted_guest_is_refused(void **state)
{
	struct vmx_caps caps[4];

	(void)state;
	script_full_cpu();
	caps[0] = probe();
	caps[3] = caps[0];
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2, ctls(PROC2_ALL & ~PROC2_UG));
	caps[1] = probe();
	caps[2] = caps[1];
	assert_int_equal(caps[1].features, ALL_FEATURES & ~FEAT(VMX_FEAT_UNRESTRICTED));

	assert_int_equal(report(caps, 4), -ENODEV);
	check_table(caps, 4);
	assert_true(fake_log_contains("VMX: CPUs differ in their VMX features; VMs use only the "
				      "common set\n"));
	assert_int_equal(count_occurrences(fake_log_text, "required feature missing"), 1);
	assert_true(fake_log_contains("VMX: required feature missing: unrestricted guest on cpu 1 "
				      "2\nVMX: this machine cannot run Bulkhead VMs; refusing to "
				      "continue.\n"));
}

static void several_missing_features_are_each_named(void **state)
{
	struct vmx_caps caps[2];

	(void)state;
	script_full_cpu();
	caps[0] = probe();
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2, ctls(PROC2_ALL & ~(PROC2_UG | PROC2_VPID)));
	caps[1] = probe();
	assert_int_equal(report(caps, 2), -ENODEV);
	/* In feature order: VPID, INVVPID, then unrestricted guest. */
	assert_true(fake_log_contains("VMX: required feature missing: VPID on cpu 1\n"
				      "VMX: required feature missing: INVVPID (single and all "
				      "context) on cpu 1\n"
				      "VMX: required feature missing: unrestricted guest on cpu 1\n"
				      "VMX: this machine cannot run Bulkhead VMs"));
	assert_int_equal(count_occurrences(fake_log_text, "required feature missing"), 3);
}

static void non_uniform_cpus_warn(void **state)
{
	struct vmx_caps caps[3];

	(void)state;
	script_full_cpu();
	caps[0] = probe();
	caps[1] = caps[0];
	/* Only an optional feature differs: a warning, not a refusal. */
	fake_msr_set(MSR_IA32_VMX_TRUE_PINBASED_CTLS, ctls(PIN_ALL & ~(1U << 6)));
	caps[2] = probe();
	assert_int_equal(caps[2].features, ALL_FEATURES & ~FEAT(VMX_FEAT_PREEMPT_TIMER));

	assert_int_equal(report(caps, 3), 0);
	check_table(caps, 3);
	assert_true(fake_log_contains("VMX: CPUs differ in their VMX features; VMs use only the "
				      "common set\n"));
	assert_false(fake_log_contains("missing"));
	assert_false(fake_log_contains("refusing"));

	/* The same CPUs in another order warn as well. */
	caps[0] = caps[2];
	caps[2] = caps[1];
	assert_int_equal(report(caps, 3), 0);
	assert_true(fake_log_contains("VMX: CPUs differ"));
}

/* A feature missing on very many CPUs: the message stays within its line buffer. */
static void many_cpus_missing_a_feature(void **state)
{
	static struct vmx_caps caps[256];
	const char *expect = "VMX: required feature missing: unrestricted guest on cpu 0 1 2 3 4 "
			     "5 6 7 8 9 10 11 12 ";
	char line[512];

	(void)state;
	script_full_cpu();
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2, ctls(PROC2_ALL & ~PROC2_UG));
	caps[0] = probe();
	for (size_t i = 1; i < 256; i++)
		caps[i] = caps[0];
	assert_int_equal(report(caps, 256), -ENODEV);
	check_table(caps, 256);
	find_line("VMX: required feature missing: ", line, sizeof(line));
	/* As many CPU numbers as fit in order, then a mark that the list goes on. */
	assert_true(strlen(line) < 256);
	assert_true(strlen(line) > 200);
	assert_memory_equal(line, expect, strlen(expect));
	assert_string_equal(line + strlen(line) - 4, " ...");
	for (size_t i = 0; i + strlen(expect) < strlen(line) - 4; i++)
		assert_true(line[strlen(expect) + i] == ' ' ||
			    (line[strlen(expect) + i] >= '0' && line[strlen(expect) + i] <= '9'));
	assert_int_equal(count_occurrences(fake_log_text, "required feature missing"), 1);
	assert_true(fake_log_contains("VMX: this machine cannot run Bulkhead VMs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(feature_names_and_columns),
		cmocka_unit_test(full_featured_cpu),
		cmocka_unit_test(cpu_without_vmx),
		cmocka_unit_test(unlocked_feature_control_is_enabled_and_locked),
		cmocka_unit_test(locked_with_vmx_disabled),
		cmocka_unit_test(no_true_controls_uses_the_plain_msrs),
		cmocka_unit_test(no_secondary_controls),
		cmocka_unit_test(ept_needs_write_back_and_four_levels),
		cmocka_unit_test(no_unrestricted_guest_is_refused),
		cmocka_unit_test(several_missing_features_are_each_named),
		cmocka_unit_test(non_uniform_cpus_warn),
		cmocka_unit_test(many_cpus_missing_a_feature),
	};
	return cmocka_run_group_tests_name("vmx_caps", tests, NULL, NULL);
}
