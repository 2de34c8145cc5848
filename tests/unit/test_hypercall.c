// SPDX-License-Identifier: BSD-3-Clause
/*
 * The hypercall table (core/hypercall.c): id lookup, the Service-VM-only permission and
 * HC_GET_API_VERSION writing through vm_write_guest(), faked over a host buffer in
 * fakes/fake_vm_env.c (RAM at guest-physical RAM_GPA, FAKE_RAM_SIZE bytes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/vm.h>
#include "fake_vm_env.h"

#define RAM_GPA 0x100000ULL
#define FILL	0xa5

static struct vm vm;
static struct vm_config cfg;
static struct vcpu *vcpu;

static void make_vm(enum vm_load_order order)
{
	fake_vm_env_reset();
	memset(&vm, 0, sizeof(vm));
	cfg = (struct vm_config){.name = "hc-test", .load_order = order, .vcpu_count = 1};
	vm.id = 1;
	vm.config = &cfg;
	vm.vcpu_count = 1;
	vm.vcpus[0].vm = &vm;
	vcpu = &vm.vcpus[0];
	fake_env.ram_vm = &vm;
	fake_env.ram_gpa = RAM_GPA;
	memset(fake_env.ram, FILL, sizeof(fake_env.ram));
}

static void assert_ram_untouched(void)
{
	for (size_t i = 0; i < FAKE_RAM_SIZE; i++)
		if (fake_env.ram[i] != FILL)
			fail_msg("guest RAM byte 0x%zx was written", i);
	assert_int_equal(fake_env.guest_writes, 0);
}

static void unknown_ids_are_invalid(void **state)
{
	static const u64 ids[] = {HC_ID(0x01), HC_ID(0xff), 0x0, 0x80000000ULL << 32, ~0ULL};

	(void)state;
	make_vm(VM_SERVICE);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_int_equal(hypercall_dispatch(vcpu, ids[i], RAM_GPA, 0), -EINVAL);
	assert_int_equal(fake_env.warns, 5);
	assert_ptr_equal(fake_env.warned_vm, &vm);
	assert_string_equal(fake_env.warn_text, "unknown hypercall 0xffffffffffffffff");
	assert_int_equal(hypercall_dispatch(vcpu, HC_ID(0x01), RAM_GPA, 0), -EINVAL);
	assert_string_equal(fake_env.warn_text, "unknown hypercall 0x80000001");
	assert_ram_untouched();
}

static void service_vm_call_from_other_vms_is_refused(void **state)
{
	static const enum vm_load_order orders[] = {VM_PRE_LAUNCHED, VM_POST_LAUNCHED};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		make_vm(orders[i]);
		assert_int_equal(hypercall_dispatch(vcpu, HC_GET_API_VERSION, RAM_GPA, 0), -EPERM);
		assert_int_equal(fake_env.warns, 1);
		assert_string_equal(
			fake_env.warn_text,
			"hypercall 0x80000000 (get API version) is for the Service VM only");
		assert_ram_untouched();
	}
}

static void service_vm_gets_the_api_version(void **state)
{
	const u32 expected[2] = {1, 0};
	u32 got[2];

	(void)state;
	make_vm(VM_SERVICE);
	assert_int_equal(HC_GET_API_VERSION, 0x80000000ULL);
	assert_int_equal(hypercall_dispatch(vcpu, HC_GET_API_VERSION, RAM_GPA + 0x10, 0x1234), 0);
	assert_int_equal(fake_env.guest_writes, 1);
	assert_int_equal(fake_env.warns, 0);
	memcpy(got, fake_env.ram + 0x10, sizeof(got));
	assert_memory_equal(got, expected, sizeof(got));
	assert_int_equal(BULKHEAD_API_MAJOR, 1);
	assert_int_equal(BULKHEAD_API_MINOR, 0);
	/* Exactly 8 bytes: the neighbours keep their contents. */
	assert_int_equal(fake_env.ram[0x0f], FILL);
	assert_int_equal(fake_env.ram[0x18], FILL);

	/* The last 8 bytes of RAM are still RAM. */
	assert_int_equal(
		hypercall_dispatch(vcpu, HC_GET_API_VERSION, RAM_GPA + FAKE_RAM_SIZE - 8, 0), 0);
	memcpy(got, fake_env.ram + FAKE_RAM_SIZE - 8, sizeof(got));
	assert_memory_equal(got, expected, sizeof(got));
}

static void bad_guest_address_is_a_fault(void **state)
{
	static const u64 gpas[] = {
		0,			     /* below RAM */
		RAM_GPA - 4,		     /* straddles its start */
		RAM_GPA + FAKE_RAM_SIZE - 4, /* straddles its end */
		RAM_GPA + FAKE_RAM_SIZE,     /* just past it */
		~0ULL - 3,		     /* wraps around */
	};

	(void)state;
	make_vm(VM_SERVICE);
	for (size_t i = 0; i < sizeof(gpas) / sizeof(gpas[0]); i++)
		assert_int_equal(hypercall_dispatch(vcpu, HC_GET_API_VERSION, gpas[i], 0), -EFAULT);
	assert_ram_untouched();
	assert_int_equal(fake_env.warns, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unknown_ids_are_invalid),
		cmocka_unit_test(service_vm_call_from_other_vms_is_refused),
		cmocka_unit_test(service_vm_gets_the_api_version),
		cmocka_unit_test(bad_guest_address_is_a_fault),
	};
	return cmocka_run_group_tests_name("hypercall", tests, NULL, NULL);
}
