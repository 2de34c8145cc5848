// SPDX-License-Identifier: BSD-3-Clause
/*
 * Passed-through INTx lines (core/ptirq.c) against fakes of the physical I/O APIC
 * (arch_gsi_attach, arch_gsi_mask) and of the VM's vIOAPIC (vm_gsi_set, vm_gsi_notify_eoi).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/ptirq.h>
#include <bulkhead/virq.h>
#include <bulkhead/vm.h>

/* The physical inputs routed, and the VMs' wires, as the fakes saw them. */
static struct {
	u32 gsi;
	bool active_low;
	u32 cpu;
	void (*handler)(void *ctx);
	void *ctx;
	bool masked;
} routed[PTIRQ_MAX_LINES + 1];
static int routed_count, attach_result, mask_calls;
static bool wire[2][24]; /* per VM, per vIOAPIC input: the level last set */
static void (*eoi_fn)(void *ctx, u32 gsi);
static void *eoi_ctx;
static struct vm vms[2];

int arch_gsi_attach(u32 gsi, bool active_low, u32 cpu, void (*handler)(void *ctx), void *ctx)
{
	if (attach_result)
		return attach_result;
	routed[routed_count++] = (__typeof__(routed[0])){gsi, active_low, cpu, handler, ctx, true};
	return 0;
}

void arch_gsi_mask(u32 gsi, bool masked)
{
	mask_calls++;
	for (int i = 0; i < routed_count; i++)
		if (routed[i].gsi == gsi)
			routed[i].masked = masked;
}

void vm_gsi_set(struct vm *vm, u32 gsi, bool level)
{
	assert_true(gsi < 24);
	wire[vm - vms][gsi] = level;
}

int vm_gsi_notify_eoi(struct vm *vm, u32 gsi, void (*fn)(void *ctx, u32 gsi), void *ctx)
{
	assert_ptr_equal(ctx, vm);
	eoi_fn = fn;
	eoi_ctx = ctx;
	return 0;
}

static int routed_index(u32 gsi)
{
	for (int i = 0; i < routed_count; i++)
		if (routed[i].gsi == gsi)
			return i;
	fail_msg("GSI %u not routed", gsi);
	return -1;
}

static void interrupt(u32 gsi)
{
	int i = routed_index(gsi);

	assert_false(routed[i].masked); /* a masked input does not interrupt */
	routed[i].handler(routed[i].ctx);
}

static int setup(void **state)
{
	(void)state;
	/* The table lives as long as the hypervisor: each test uses GSIs of its own. */
	memset(wire, 0, sizeof(wire));
	memset(vms, 0, sizeof(vms));
	for (int i = 0; i < 2; i++) {
		vms[i].id = (u32)i;
		vms[i].vcpus[0].pcpu = 2 + (u32)i;
	}
	attach_result = 0;
	return 0;
}

static void interrupt_masks_until_the_guest_ends_it(void **state)
{
	const struct ptirq_line *l;
	int i;

	(void)state;
	assert_int_equal(ptirq_attach(&vms[0], 9, false, 10), 0);
	i = routed_index(9);
	assert_false(routed[i].active_low);
	assert_int_equal(routed[i].cpu, 2); /* vCPU 0's CPU */
	assert_true(routed[i].masked);	    /* until the VM starts */
	assert_true(wire[0][10]);	    /* idle: the wire is active low */
	l = ptirq_find(&vms[0], 10);
	assert_non_null(l);
	assert_null(ptirq_find(&vms[1], 10));

	ptirq_vm_reset(&vms[0], false);
	assert_false(routed[i].masked);
	for (u64 n = 1; n <= 3; n++) {
		interrupt(9);
		assert_true(routed[i].masked);
		assert_true(l->masked);
		assert_false(wire[0][10]); /* asserted */
		assert_int_equal(l->count, n);
		eoi_fn(eoi_ctx, 10);
		assert_true(wire[0][10]);
		assert_false(routed[i].masked);
		assert_false(l->masked);
	}
	/* An end for another input of the VM leaves this line alone. */
	interrupt(9);
	eoi_fn(eoi_ctx, 11);
	assert_true(routed[i].masked);
	assert_false(wire[0][10]);
	/* A reset puts the wire to idle and unmasks; stopping masks for good. */
	ptirq_vm_reset(&vms[0], false);
	assert_true(wire[0][10]);
	assert_false(routed[i].masked);
	ptirq_vm_reset(&vms[0], true);
	assert_true(routed[i].masked);
	assert_true(l->masked);
}

static void one_input_one_vm(void **state)
{
	int before;

	(void)state;
	assert_int_equal(ptirq_attach(&vms[0], 20, true, 16), 0);
	before = routed_count;
	/* A second function of the same VM on the same input: shared. */
	assert_int_equal(ptirq_attach(&vms[0], 20, true, 16), 0);
	assert_int_equal(routed_count, before);
	/* Another VM: refused. */
	assert_int_equal(ptirq_attach(&vms[1], 20, true, 16), -EBUSY);
	assert_true(routed[routed_index(20)].active_low);
	/* Not a vIOAPIC input. */
	assert_int_equal(ptirq_attach(&vms[1], 21, false, 24), -EINVAL);
	/* The architecture's refusal is the caller's, and leaves no line behind. */
	attach_result = -ERANGE;
	assert_int_equal(ptirq_attach(&vms[1], 22, false, 17), -ERANGE);
	assert_null(ptirq_find(&vms[1], 17));
}

static void table_full(void **state)
{
	int err = 0;

	(void)state;
	for (u32 gsi = 100; gsi < 100 + PTIRQ_MAX_LINES + 1 && !err; gsi++)
		err = ptirq_attach(&vms[1], gsi, true, 16);
	assert_int_equal(err, -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(interrupt_masks_until_the_guest_ends_it, setup),
		cmocka_unit_test_setup(one_input_one_vm, setup),
		cmocka_unit_test_setup(table_full, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
