// SPDX-License-Identifier: BSD-3-Clause
/* Guest CPUID: hidden features, the VM's topology and the hypervisor leaves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <asm/vcpuid.h>
#include "fake_hw.h"

static const struct vcpuid_policy service_vm = {
	.vcpu_count = 2, .vcpu_apic_id = 1, .privileged = true, .tsc_khz = 50000};
static const struct vcpuid_policy single = {.vcpu_count = 1, .vcpu_apic_id = 0};

/* A Haswell-like host (values as Bochs's corei7_haswell_4770 reports them). */
static int setup(void **state)
{
	(void)state;
	fake_hw_reset();
	fake_cpuid_set(0x0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69);
	fake_cpuid_set(0x1, 0, 0x000306c3, 0x04100800, 0x77faf3bf, 0xbfebfbff);
	fake_cpuid_set(0x4, 0, 0x1c004121, 0x01c0003f, 0x3f, 0);
	fake_cpuid_set(0x4, 3, 0x1c03c163, 0x03c0003f, 0x1fff, 0x6);
	fake_cpuid_set(0x6, 0, 0x77, 0x2, 0x9, 0);
	fake_cpuid_set(0x7, 0, 0, 0x027ab | (1U << 25) | (1U << 2), (1U << 5) | (1U << 30), 0);
	fake_cpuid_set(0xa, 0, 0x07300403, 0, 0, 0x603);
	fake_cpuid_set(0xb, 0, 1, 2, 0x100, 6);
	fake_cpuid_set(0x80000001, 0, 0, 0, 0x21, 0x2c100800);
	return 0;
}

static void run(const struct vcpuid_policy *p, u32 leaf, u32 subleaf, u32 regs[4])
{
	memset(regs, 0xee, 4 * sizeof(u32));
	vcpuid_emulate(p, leaf, subleaf, regs);
}

static void hypervisor_leaves_follow_the_acrn_abi(void **state)
{
	u32 r[4];

	(void)state;
	run(&service_vm, 0x40000000, 0, r);
	assert_int_equal(r[CPUID_EAX], 0x40000010);
	assert_memory_equal(&r[CPUID_EBX], "ACRNACRNACRN", 12);
	run(&service_vm, 0x40000001, 0, r);
	assert_int_equal(r[CPUID_EAX], 1);
	run(&single, 0x40000001, 0, r);
	assert_int_equal(r[CPUID_EAX], 0);
	run(&service_vm, 0x40000010, 0, r);
	assert_int_equal(r[CPUID_EAX], 50000);
	assert_int_equal(r[CPUID_EBX] | r[CPUID_ECX] | r[CPUID_EDX], 0);
	run(&service_vm, 0x40000002, 0, r);
	assert_int_equal(r[CPUID_EAX] | r[CPUID_EBX] | r[CPUID_ECX] | r[CPUID_EDX], 0);
}

static void leaf1_hides_vmx_and_shows_the_hypervisor(void **state)
{
	u32 r[4];

	(void)state;
	run(&service_vm, 1, 0, r);
	assert_false(r[CPUID_ECX] & (1U << 5));	 /* VMX */
	assert_false(r[CPUID_ECX] & (1U << 6));	 /* SMX */
	assert_false(r[CPUID_ECX] & (1U << 3));	 /* MONITOR */
	assert_false(r[CPUID_ECX] & (1U << 15)); /* PDCM */
	assert_true(r[CPUID_ECX] & (1U << 31));	 /* hypervisor present */
	assert_true(r[CPUID_ECX] & (1U << 21));	 /* x2APIC passes through */
	assert_false(r[CPUID_EDX] & (1U << 22)); /* ACPI thermal */
	assert_true(r[CPUID_EDX] & (1U << 0));	 /* FPU untouched */
	assert_int_equal(r[CPUID_EAX], 0x000306c3);
}

static void leaf1_reports_the_vcpu_topology(void **state)
{
	u32 r[4];

	(void)state;
	run(&service_vm, 1, 0, r);
	assert_int_equal(r[CPUID_EBX] >> 24, 1);	  /* APIC ID */
	assert_int_equal((r[CPUID_EBX] >> 16) & 0xff, 2); /* logical processors */
	assert_int_equal(r[CPUID_EBX] & 0xffff, 0x0800);  /* CLFLUSH size, brand kept */
	assert_true(r[CPUID_EDX] & (1U << 28));		  /* HTT: more than one */
	run(&single, 1, 0, r);
	assert_int_equal((r[CPUID_EBX] >> 16) & 0xff, 1);
	assert_false(r[CPUID_EDX] & (1U << 28));
}

static void extended_topology_matches_the_vm(void **state)
{
	const struct vcpuid_policy four = {.vcpu_count = 4, .vcpu_apic_id = 3};
	u32 r[4];

	(void)state;
	run(&four, 0xb, 0, r);
	assert_int_equal(r[CPUID_EAX], 0);
	assert_int_equal(r[CPUID_EBX], 1);
	assert_int_equal(r[CPUID_ECX], 0x100);
	assert_int_equal(r[CPUID_EDX], 3);
	run(&four, 0xb, 1, r);
	assert_int_equal(r[CPUID_EAX], 2); /* APIC ID shift for 4 cores */
	assert_int_equal(r[CPUID_EBX], 4);
	assert_int_equal(r[CPUID_ECX], 0x201);
	run(&four, 0xb, 2, r);
	assert_int_equal(r[CPUID_EAX] | r[CPUID_EBX], 0);
	assert_int_equal(r[CPUID_ECX], 2); /* level type 0: the end */
	assert_int_equal(r[CPUID_EDX], 3);

	const struct vcpuid_policy three = {.vcpu_count = 3, .vcpu_apic_id = 0};

	run(&three, 0x1f, 1, r);
	assert_int_equal(r[CPUID_EAX], 2); /* 3 cores need 2 bits */
}

static void cache_sharing_follows_the_vm(void **state)
{
	u32 r[4];

	(void)state;
	run(&service_vm, 4, 0, r); /* L1 data */
	assert_int_equal((r[CPUID_EAX] >> 14) & 0xfff, 0);
	assert_int_equal(r[CPUID_EAX] >> 26, 1); /* 2 cores per package */
	assert_int_equal(r[CPUID_EAX] & 0x3ff, 0x121);
	run(&service_vm, 4, 3, r); /* L3 */
	assert_int_equal((r[CPUID_EAX] >> 14) & 0xfff, 1);
}

static u64 fake_cr4;
static int cr4_reads;

static u64 read_fake_cr4(const struct vcpuid_policy *p)
{
	(void)p;
	cr4_reads++;
	return fake_cr4;
}

/* OSXSAVE (leaf 1 ECX 27) and OSPKE (leaf 7 ECX 4) are the guest's CR4 bits, asked for
 * only by those leaves. */
static void osxsave_and_ospke_follow_the_guest_cr4(void **state)
{
	const struct vcpuid_policy p = {.vcpu_count = 1, .guest_cr4 = read_fake_cr4};
	u32 regs[4];

	(void)state;
	fake_cpuid_set(0x1, 0, 0x000306c3, 0x04100800, 0x77faf3bf | (1U << 27), 0xbfebfbff);
	fake_cpuid_set(0x7, 0, 0, 0, (1U << 4), 0);
	cr4_reads = 0;
	fake_cr4 = 0;
	run(&p, 1, 0, regs);
	assert_int_equal(regs[CPUID_ECX] & (1U << 27), 0);
	run(&p, 7, 0, regs);
	assert_int_equal(regs[CPUID_ECX] & (1U << 4), 0);
	fake_cr4 = (1ULL << 18) | (1ULL << 22);
	run(&p, 1, 0, regs);
	assert_int_equal(regs[CPUID_ECX] & (1U << 27), 1U << 27);
	run(&p, 7, 0, regs);
	assert_int_equal(regs[CPUID_ECX] & (1U << 4), 1U << 4);
	assert_int_equal(cr4_reads, 4);
	run(&p, 0, 0, regs);
	run(&p, 0xb, 0, regs);
	assert_int_equal(cr4_reads, 4);
	/* Without a reader the bits read as clear, whatever the host's CR4. */
	run(&single, 1, 0, regs);
	assert_int_equal(regs[CPUID_ECX] & (1U << 27), 0);
}

static void unvirtualized_features_are_hidden(void **state)
{
	u32 r[4];

	(void)state;
	run(&service_vm, 7, 0, r);
	assert_false(r[CPUID_EBX] & (1U << 2));	 /* SGX */
	assert_false(r[CPUID_EBX] & (1U << 25)); /* processor trace */
	assert_true(r[CPUID_EBX] & (1U << 0));	 /* FSGSBASE kept */
	assert_false(r[CPUID_ECX] & (1U << 5));	 /* WAITPKG */
	assert_false(r[CPUID_ECX] & (1U << 30)); /* SGX launch control */
	run(&service_vm, 6, 0, r);
	assert_int_equal(r[CPUID_EAX] | r[CPUID_EBX] | r[CPUID_ECX] | r[CPUID_EDX], 0);
	run(&service_vm, 0xa, 0, r);
	assert_int_equal(r[CPUID_EAX] | r[CPUID_EDX], 0);
}

static void other_leaves_pass_through(void **state)
{
	u32 r[4];

	(void)state;
	run(&service_vm, 0, 0, r);
	assert_int_equal(r[CPUID_EAX], 0xd);
	assert_int_equal(r[CPUID_EBX], 0x756e6547);
	run(&service_vm, 0x80000001, 0, r);
	assert_int_equal(r[CPUID_EDX], 0x2c100800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(hypervisor_leaves_follow_the_acrn_abi, setup),
		cmocka_unit_test_setup(leaf1_hides_vmx_and_shows_the_hypervisor, setup),
		cmocka_unit_test_setup(leaf1_reports_the_vcpu_topology, setup),
		cmocka_unit_test_setup(extended_topology_matches_the_vm, setup),
		cmocka_unit_test_setup(cache_sharing_follows_the_vm, setup),
		cmocka_unit_test_setup(osxsave_and_ospke_follow_the_guest_cr4, setup),
		cmocka_unit_test_setup(unvirtualized_features_are_hidden, setup),
		cmocka_unit_test_setup(other_leaves_pass_through, setup),
	};
	return cmocka_run_group_tests_name("vcpuid", tests, NULL, NULL);
}
