// SPDX-License-Identifier: BSD-3-Clause
/*
 * VT-x capability discovery (SDM Vol 3D appendix A). Allowed-1 settings of each control
 * are the high 32 bits of its capability MSR; with IA32_VMX_BASIC bit 55 the TRUE_*
 * MSRs are authoritative for the pin-based and primary processor-based controls.
 */
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/printf.h>
#include <bulkhead/string.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/vmx_caps.h>

#define CPUID1_ECX_VMX	      (1U << 5)
#define BASIC_TRUE_CTLS	      (1ULL << 55)
#define PIN_PREEMPT_TIMER     (1U << 6)
#define PIN_POSTED_INTR	      (1U << 7)
#define PROC_TPR_SHADOW	      (1U << 21)
#define PROC_IO_BITMAP	      (1U << 25)
#define PROC_MSR_BITMAP	      (1U << 28)
#define PROC_SECONDARY	      (1U << 31)
#define PROC2_EPT	      (1U << 1)
#define PROC2_VPID	      (1U << 5)
#define PROC2_UNRESTRICTED    (1U << 7)
#define PROC2_APIC_REG_VIRT   (1U << 8)
#define PROC2_VIRT_INTR	      (1U << 9)
#define EPT_CAP_WALK4	      (1ULL << 6)
#define EPT_CAP_WB	      (1ULL << 14)
#define EPT_CAP_2M	      (1ULL << 16)
#define EPT_CAP_1G	      (1ULL << 17)
#define EPT_CAP_INVEPT	      (1ULL << 20)
#define EPT_CAP_INVEPT_SINGLE (1ULL << 25)
#define EPT_CAP_INVEPT_ALL    (1ULL << 26)
#define VPID_CAP_INVVPID      (1ULL << 32)
#define VPID_CAP_SINGLE	      (1ULL << 41)
#define VPID_CAP_ALL	      (1ULL << 42)

static const struct {
	const char *name;
	const char *column;
} feature_info[VMX_FEAT_COUNT] = {
	[VMX_FEAT_VMX] = {"VMX", "VMX"},
	[VMX_FEAT_ENABLED] = {"VMX enabled in IA32_FEATURE_CONTROL", "ON"},
	[VMX_FEAT_TRUE_CTLS] = {"true control MSRs", "TRUE"},
	[VMX_FEAT_SECONDARY] = {"secondary controls", "SEC"},
	[VMX_FEAT_MSR_BITMAP] = {"MSR bitmaps", "MSRBM"},
	[VMX_FEAT_IO_BITMAP] = {"I/O bitmaps", "IOBM"},
	[VMX_FEAT_EPT] = {"EPT (4-level, write-back)", "EPT"},
	[VMX_FEAT_EPT_2M] = {"EPT 2 MiB pages", "EPT2M"},
	[VMX_FEAT_EPT_1G] = {"EPT 1 GiB pages", "EPT1G"},
	[VMX_FEAT_INVEPT] = {"INVEPT (single and all context)", "INVEPT"},
	[VMX_FEAT_VPID] = {"VPID", "VPID"},
	[VMX_FEAT_INVVPID] = {"INVVPID (single and all context)", "INVVPID"},
	[VMX_FEAT_UNRESTRICTED] = {"unrestricted guest", "UG"},
	[VMX_FEAT_TPR_SHADOW] = {"TPR shadow", "TPR"},
	[VMX_FEAT_APIC_REG_VIRT] = {"APIC-register virtualization", "APICV"},
	[VMX_FEAT_VIRT_INTR_DELIVERY] = {"virtual-interrupt delivery", "VID"},
	[VMX_FEAT_POSTED_INTR] = {"posted interrupts", "PI"},
	[VMX_FEAT_PREEMPT_TIMER] = {"preemption timer", "PREEMPT"},
};

const char *vmx_feature_name(enum vmx_feature f)
{
	return f < VMX_FEAT_COUNT ? feature_info[f].name : "?";
}

const char *vmx_feature_column(enum vmx_feature f)
{
	return f < VMX_FEAT_COUNT ? feature_info[f].column : "?";
}

static void set_if(struct vmx_caps *caps, enum vmx_feature f, bool present)
{
	if (present)
		caps->features |= 1ULL << f;
}

void vmx_caps_probe(struct vmx_caps *caps)
{
	u32 a, b, c, d;
	u64 fc;
	bool true_ctls;

	*caps = (struct vmx_caps){0};
	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_VMX))
		return;
	set_if(caps, VMX_FEAT_VMX, true);

	/* Firmware normally locks this; if it did not, enable VMX and lock it ourselves. */
	fc = msr_read(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		fc |= FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCKED;
		msr_write(MSR_IA32_FEATURE_CONTROL, fc);
		fc = msr_read(MSR_IA32_FEATURE_CONTROL);
	}
	set_if(caps, VMX_FEAT_ENABLED, fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX);

	caps->basic = msr_read(MSR_IA32_VMX_BASIC);
	true_ctls = caps->basic & BASIC_TRUE_CTLS;
	set_if(caps, VMX_FEAT_TRUE_CTLS, true_ctls);
	caps->pinbased_allowed1 = (u32)(msr_read(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS
							   : MSR_IA32_VMX_PINBASED_CTLS) >>
					32);
	caps->procbased_allowed1 = (u32)(msr_read(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
							    : MSR_IA32_VMX_PROCBASED_CTLS) >>
					 32);
	if (caps->procbased_allowed1 & PROC_SECONDARY) {
		caps->procbased2_allowed1 = (u32)(msr_read(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32);
		set_if(caps, VMX_FEAT_SECONDARY, true);
	}
	if (caps->procbased2_allowed1 & (PROC2_EPT | PROC2_VPID))
		caps->ept_vpid_cap = msr_read(MSR_IA32_VMX_EPT_VPID_CAP);

	set_if(caps, VMX_FEAT_MSR_BITMAP, caps->procbased_allowed1 & PROC_MSR_BITMAP);
	set_if(caps, VMX_FEAT_IO_BITMAP, caps->procbased_allowed1 & PROC_IO_BITMAP);
	set_if(caps, VMX_FEAT_TPR_SHADOW, caps->procbased_allowed1 & PROC_TPR_SHADOW);
	set_if(caps, VMX_FEAT_PREEMPT_TIMER, caps->pinbased_allowed1 & PIN_PREEMPT_TIMER);
	set_if(caps, VMX_FEAT_POSTED_INTR, caps->pinbased_allowed1 & PIN_POSTED_INTR);

	if (caps->procbased2_allowed1 & PROC2_EPT) {
		u64 cap = caps->ept_vpid_cap;

		set_if(caps, VMX_FEAT_EPT, (cap & EPT_CAP_WALK4) && (cap & EPT_CAP_WB));
		set_if(caps, VMX_FEAT_EPT_2M, cap & EPT_CAP_2M);
		set_if(caps, VMX_FEAT_EPT_1G, cap & EPT_CAP_1G);
		set_if(caps, VMX_FEAT_INVEPT,
		       (cap & EPT_CAP_INVEPT) && (cap & EPT_CAP_INVEPT_SINGLE) &&
			       (cap & EPT_CAP_INVEPT_ALL));
	}
	if (caps->procbased2_allowed1 & PROC2_VPID) {
		u64 cap = caps->ept_vpid_cap;

		set_if(caps, VMX_FEAT_VPID, true);
		set_if(caps, VMX_FEAT_INVVPID,
		       (cap & VPID_CAP_INVVPID) && (cap & VPID_CAP_SINGLE) && (cap & VPID_CAP_ALL));
	}
	set_if(caps, VMX_FEAT_UNRESTRICTED, caps->procbased2_allowed1 & PROC2_UNRESTRICTED);
	set_if(caps, VMX_FEAT_APIC_REG_VIRT, caps->procbased2_allowed1 & PROC2_APIC_REG_VIRT);
	set_if(caps, VMX_FEAT_VIRT_INTR_DELIVERY, caps->procbased2_allowed1 & PROC2_VIRT_INTR);
}

/* A table column is as wide as its title (with the "*") and at least as wide as "yes". */
static int column_width(enum vmx_feature f)
{
	int width = (int)strlen(vmx_feature_column(f)) + (int)((VMX_REQUIRED_FEATURES >> f) & 1);

	return width < 3 ? 3 : width;
}

int vmx_caps_report(const struct vmx_caps *const *cpus, size_t count)
{
	char line[256], title[16];
	size_t len;
	u64 missing_any = 0;
	bool uniform = true;

	pr_info("VMX capabilities (yes/no per CPU; * = required):\n");
	len = 0;
	len += (size_t)snprintf(line + len, sizeof(line) - len, "  cpu ");
	for (int f = 0; f < VMX_FEAT_COUNT; f++) {
		snprintf(title, sizeof(title), "%s%s", vmx_feature_column((enum vmx_feature)f),
			 (VMX_REQUIRED_FEATURES >> f) & 1 ? "*" : "");
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %-*s",
					column_width((enum vmx_feature)f), title);
	}
	pr_info("%s\n", line);
	for (size_t i = 0; i < count; i++) {
		len = (size_t)snprintf(line, sizeof(line), "  %3zu ", i);
		for (int f = 0; f < VMX_FEAT_COUNT; f++)
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %-*s",
						column_width((enum vmx_feature)f),
						vmx_has(cpus[i], (enum vmx_feature)f) ? "yes"
										      : "no");
		pr_info("%s\n", line);
		missing_any |= VMX_REQUIRED_FEATURES & ~cpus[i]->features;
		if (cpus[i]->features != cpus[0]->features)
			uniform = false;
	}
	if (!uniform)
		pr_warn("VMX: CPUs differ in their VMX features; VMs use only the common set\n");
	if (!missing_any)
		return 0;
	/* Without VMX itself every other feature is missing too: say the one thing that matters. */
	if ((missing_any >> VMX_FEAT_VMX) & 1)
		missing_any = 1ULL << VMX_FEAT_VMX;
	for (int f = 0; f < VMX_FEAT_COUNT; f++) {
		if (!((missing_any >> f) & 1))
			continue;
		len = (size_t)snprintf(line, sizeof(line),
				       "VMX: required feature missing: %s on cpu",
				       vmx_feature_name((enum vmx_feature)f));
		for (size_t i = 0; i < count; i++) {
			if (vmx_has(cpus[i], (enum vmx_feature)f))
				continue;
			/* Up to 256 CPUs do not fit in one line: name what fits, then "...". */
			if (len + 16 > sizeof(line)) {
				snprintf(line + len, sizeof(line) - len, " ...");
				break;
			}
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %zu", i);
		}
		pr_err("%s\n", line);
	}
	pr_err("VMX: this machine cannot run Bulkhead VMs; refusing to continue.\n");
	return -ENODEV;
}
