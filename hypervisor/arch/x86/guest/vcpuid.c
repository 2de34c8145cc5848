// SPDX-License-Identifier: BSD-3-Clause
/*
 * Guest CPUID (SDM Vol 2A, CPUID). Starts from the host's answer and removes what a VM
 * cannot use safely: VMX and SMX (nested virtualization is not offered), features whose
 * MSRs or instructions the hypervisor does not virtualize (thermal and power
 * management, performance monitoring, SGX, processor trace, resource director
 * technology, MONITOR/MWAIT, WAITPKG), and presents the VM's own topology: every vCPU
 * one core of one package, with the vCPU's APIC ID. x2APIC and the TSC-deadline timer are
 * always offered: the virtual LAPIC (guest/vlapic.c) has both whatever the host has.
 */
#include <bulkhead/compiler.h>
#include <asm/processor.h>
#include <asm/vcpuid.h>

/* Leaf 1 ECX/EDX (SDM Vol 2A table 3-10, 3-11). */
#define L1_ECX_MONITOR	  BIT(3)
#define L1_ECX_DS_CPL	  BIT(4)
#define L1_ECX_VMX	  BIT(5)
#define L1_ECX_SMX	  BIT(6)
#define L1_ECX_EST	  BIT(7)
#define L1_ECX_TM2	  BIT(8)
#define L1_ECX_SDBG	  BIT(11)
#define L1_ECX_PDCM	  BIT(15)
#define L1_ECX_X2APIC	  BIT(21)
#define L1_ECX_TSC_DL	  BIT(24)
#define L1_ECX_OSXSAVE	  BIT(27)
#define L1_ECX_HYPERVISOR BIT(31)
#define CR4_OSXSAVE_BIT	  (1ULL << 18)
#define CR4_PKE_BIT	  (1ULL << 22)
#define L1_EDX_DS	  BIT(21)
#define L1_EDX_ACPI	  BIT(22)
#define L1_EDX_HTT	  BIT(28)
#define L1_EDX_TM	  BIT(29)
#define L1_EDX_PBE	  BIT(31)

/* Leaf 7 subleaf 0. */
#define L7_EBX_SGX     BIT(2)
#define L7_EBX_RDT_M   BIT(12)
#define L7_EBX_MPX     BIT(14)
#define L7_EBX_RDT_A   BIT(15)
#define L7_EBX_PT      BIT(25)
#define L7_ECX_OSPKE   BIT(4)
#define L7_ECX_WAITPKG BIT(5)
#define L7_ECX_SGX_LC  BIT(30)

/* Topology levels of leaves 0xB and 0x1F (SDM Vol 2A, CPUID leaf 0BH). */
#define TOPO_LEVEL_SMT	1
#define TOPO_LEVEL_CORE 2

static const u32 l1_ecx_hidden = L1_ECX_MONITOR | L1_ECX_DS_CPL | L1_ECX_VMX | L1_ECX_SMX |
				 L1_ECX_EST | L1_ECX_TM2 | L1_ECX_SDBG | L1_ECX_PDCM;
static const u32 l1_edx_hidden = L1_EDX_DS | L1_EDX_ACPI | L1_EDX_TM | L1_EDX_PBE;
static const u32 l7_ebx_hidden = L7_EBX_SGX | L7_EBX_RDT_M | L7_EBX_MPX | L7_EBX_RDT_A | L7_EBX_PT;
static const u32 l7_ecx_hidden = L7_ECX_WAITPKG | L7_ECX_SGX_LC;

/* Bits needed to number n items: the APIC ID shift of a topology level. */
static u32 id_bits(u32 n)
{
	u32 bits = 0;

	while ((1U << bits) < n && bits < 31)
		bits++;
	return bits;
}

static void hypervisor_leaf(const struct vcpuid_policy *p, u32 leaf, u32 regs[4])
{
	regs[CPUID_EAX] = regs[CPUID_EBX] = regs[CPUID_ECX] = regs[CPUID_EDX] = 0;
	switch (leaf) {
	case CPUID_HV_BASE:
		regs[CPUID_EAX] = CPUID_HV_TIMING;
		regs[CPUID_EBX] = regs[CPUID_ECX] = regs[CPUID_EDX] = CPUID_HV_SIGNATURE;
		break;
	case CPUID_HV_FEATURES:
		regs[CPUID_EAX] = p->privileged ? HV_FEATURE_PRIVILEGED : 0;
		break;
	case CPUID_HV_TIMING:
		regs[CPUID_EAX] = p->tsc_khz;
		break;
	default:
		break; /* reserved leaves of the range read as zero */
	}
}

static void topology_leaf(const struct vcpuid_policy *p, u32 subleaf, u32 regs[4])
{
	/* One thread per core, vcpu_count cores per package. */
	regs[CPUID_EDX] = p->vcpu_apic_id;
	switch (subleaf) {
	case 0:
		regs[CPUID_EAX] = 0;
		regs[CPUID_EBX] = 1;
		regs[CPUID_ECX] = (TOPO_LEVEL_SMT << 8) | subleaf;
		break;
	case 1:
		regs[CPUID_EAX] = id_bits(p->vcpu_count);
		regs[CPUID_EBX] = p->vcpu_count;
		regs[CPUID_ECX] = (TOPO_LEVEL_CORE << 8) | subleaf;
		break;
	default:
		/* Level type 0: invalid, the end of the enumeration. */
		regs[CPUID_EAX] = regs[CPUID_EBX] = 0;
		regs[CPUID_ECX] = subleaf & 0xff;
		break;
	}
}

void vcpuid_emulate(const struct vcpuid_policy *p, u32 leaf, u32 subleaf, u32 regs[4])
{
	if (leaf >= CPUID_HV_BASE && leaf <= CPUID_HV_LAST) {
		hypervisor_leaf(p, leaf, regs);
		return;
	}
	cpuid_count(leaf, subleaf, &regs[CPUID_EAX], &regs[CPUID_EBX], &regs[CPUID_ECX],
		    &regs[CPUID_EDX]);
	switch (leaf) {
	case 0x1:
		/* The vLAPIC offers x2APIC mode and the TSC-deadline timer on any host. */
		regs[CPUID_ECX] = (regs[CPUID_ECX] & ~l1_ecx_hidden) | L1_ECX_HYPERVISOR |
				  L1_ECX_X2APIC | L1_ECX_TSC_DL;
		/* OSXSAVE reflects CR4.OSXSAVE: the guest's, not the hypervisor's. */
		regs[CPUID_ECX] &= ~L1_ECX_OSXSAVE;
		if (p->guest_cr4 && (p->guest_cr4(p) & CR4_OSXSAVE_BIT))
			regs[CPUID_ECX] |= L1_ECX_OSXSAVE;
		regs[CPUID_EDX] &= ~l1_edx_hidden;
		/* EBX: initial APIC ID in 31:24, logical processors per package in 23:16. */
		regs[CPUID_EBX] = (regs[CPUID_EBX] & 0x0000ffffU) | (p->vcpu_apic_id << 24) |
				  ((p->vcpu_count & 0xff) << 16);
		if (p->vcpu_count > 1)
			regs[CPUID_EDX] |= L1_EDX_HTT;
		else
			regs[CPUID_EDX] &= ~L1_EDX_HTT;
		break;
	case 0x4:
		/* Cache sharing: L1/L2 per core, the last level by the whole package. */
		if (regs[CPUID_EAX] & 0x1f) {
			u32 level = (regs[CPUID_EAX] >> 5) & 0x7;
			u32 sharing = level >= 3 ? p->vcpu_count - 1 : 0;

			regs[CPUID_EAX] = (regs[CPUID_EAX] & 0x3ff) | ((sharing & 0xfff) << 14) |
					  (((p->vcpu_count - 1) & 0x3f) << 26);
		}
		break;
	case 0x6:  /* thermal and power management */
	case 0xa:  /* architectural performance monitoring */
	case 0xf:  /* resource director technology: monitoring */
	case 0x10: /* resource director technology: allocation */
	case 0x12: /* SGX */
	case 0x14: /* processor trace */
		regs[CPUID_EAX] = regs[CPUID_EBX] = regs[CPUID_ECX] = regs[CPUID_EDX] = 0;
		break;
	case 0x7:
		if (subleaf == 0) {
			regs[CPUID_EBX] &= ~l7_ebx_hidden;
			regs[CPUID_ECX] &= ~l7_ecx_hidden;
			/* OSPKE reflects the guest's CR4.PKE. */
			regs[CPUID_ECX] &= ~L7_ECX_OSPKE;
			if (p->guest_cr4 && (p->guest_cr4(p) & CR4_PKE_BIT))
				regs[CPUID_ECX] |= L7_ECX_OSPKE;
		}
		break;
	case 0xb:
	case 0x1f:
		topology_leaf(p, subleaf, regs);
		break;
	default:
		break;
	}
}
