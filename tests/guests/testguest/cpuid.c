// SPDX-License-Identifier: BSD-3-Clause
/*
 * CPUID as the hypervisor presents it: hypervisor bit, VMX hidden, the hypervisor
 * leaves of the ACRN guest ABI (Linux arch/x86/kernel/cpu/acrn.c: signature
 * "ACRNACRNACRN", 0x40000001 EAX bit 0 = privileged VM, 0x40000010 EAX = TSC kHz) and
 * the VM's own topology (SDM Vol 2A, CPUID leaf 0BH).
 */
#include "check.h"
#include "lib.h"
#include "testguest.h"

#define T "cpuid"

#define CPUID1_ECX_VMX	      BIT(5)
#define CPUID1_ECX_HYPERVISOR BIT(31)
#define HV_LEAF_BASE	      0x40000000
#define HV_LEAF_FEATURES      0x40000001
#define HV_LEAF_TIMING	      0x40000010
#define TOPO_LEVEL_CORE	      1

static void check_hv_signature(void)
{
	struct cpuid_regs r = cpuid(HV_LEAF_BASE);
	char sig[13];

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = '\0';
	for (int i = 0; i < 12; i++) {
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			sig[i] = '.';
	}
	check(!memcmp(sig, "ACRNACRNACRN", 12), T, "hv_signature",
	      "expected \"ACRNACRNACRN\" in 0x40000000 EBX:ECX:EDX, got \"%s\"", sig);
	check(r.eax >= HV_LEAF_TIMING, T, "hv_max_leaf",
	      "expected 0x40000000 EAX >= 0x%x, got 0x%x", HV_LEAF_TIMING, r.eax);
}

static void check_topology(u32 max_leaf)
{
	struct cpuid_regs r;

	if (max_leaf < 0xb) {
		check_fail(T, "topology", "expected leaf 0xb, max basic leaf is 0x%x", max_leaf);
		return;
	}
	r = cpuid_count(0xb, TOPO_LEVEL_CORE);
	check((r.ebx & 0xffff) == cfg.vcpus, T, "topology",
	      "expected leaf 0xb subleaf 1 EBX[15:0] = %u vCPUs, got %u (EBX 0x%x ECX 0x%x)",
	      cfg.vcpus, r.ebx & 0xffff, r.ebx, r.ecx);
}

void test_cpuid(void)
{
	struct cpuid_regs l0 = cpuid(0), l1 = cpuid(1);
	u32 privileged = cpuid(HV_LEAF_FEATURES).eax & 1;
	u32 tsc_khz = cpuid(HV_LEAF_TIMING).eax;

	check(l1.ecx & CPUID1_ECX_HYPERVISOR, T, "hv_present",
	      "expected leaf 1 ECX bit 31 set, ECX is 0x%x", l1.ecx);
	check(!(l1.ecx & CPUID1_ECX_VMX), T, "vmx_hidden",
	      "expected leaf 1 ECX bit 5 (VMX) clear, ECX is 0x%x", l1.ecx);
	check_hv_signature();
	check(privileged == cfg.privileged, T, "privileged",
	      "expected 0x40000001 EAX bit 0 = %u, got %u", cfg.privileged, privileged);
	check(tsc_khz != 0, T, "tsc_khz", "expected 0x40000010 EAX (TSC kHz) non-zero, got 0");
	check_topology(l0.eax);
	check((l1.ebx >> 24) == 0, T, "apic_id",
	      "expected leaf 1 EBX[31:24] (initial APIC ID) = 0 on the boot vCPU, got %u",
	      l1.ebx >> 24);
}
