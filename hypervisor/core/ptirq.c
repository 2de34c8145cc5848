// SPDX-License-Identifier: BSD-3-Clause
/*
 * Passed-through INTx lines (bulkhead/ptirq.h). The table is filled while VMs are created,
 * on CPU 0 before any of them runs, and never shrinks; at run time a line is touched by
 * its interrupt, on the CPU of its VM's vCPU 0, and by the guest's EOI, on whichever vCPU
 * sends it. The order of the two is fixed by the physical mask: the EOI can only follow
 * an interrupt, and the next interrupt only follows the EOI's unmask.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/ptirq.h>
#include <bulkhead/virq.h>
#include <bulkhead/vm.h>
#include <bulkhead/vplatform.h>

/* The virtual INTx wire is active low: high is idle. */
#define WIRE_IDLE     true
#define WIRE_ASSERTED false

static struct ptirq_line lines[PTIRQ_MAX_LINES];

/* Interrupt context, on the CPU of the VM's vCPU 0, before the I/O APIC's EOI. */
static void line_interrupt(void *ctx)
{
	struct ptirq_line *l = ctx;

	arch_gsi_mask(l->host_gsi, true);
	l->masked = true;
	l->count++;
	vm_gsi_set(l->vm, l->guest_gsi, WIRE_ASSERTED);
}

/* The guest ended an interrupt of one of its vIOAPIC inputs (a notified one). */
static void guest_eoi(void *ctx, u32 pin)
{
	struct vm *vm = ctx;

	for (u32 i = 0; i < PTIRQ_MAX_LINES; i++) {
		struct ptirq_line *l = &lines[i];

		if (l->vm != vm || l->guest_gsi != pin)
			continue;
		vm_gsi_set(vm, pin, WIRE_IDLE);
		if (l->masked) {
			l->masked = false;
			arch_gsi_mask(l->host_gsi, false);
		}
	}
}

int ptirq_attach(struct vm *vm, u32 host_gsi, bool active_low, u8 guest_gsi)
{
	struct ptirq_line *l = NULL;
	int err;

	if (guest_gsi >= VPLAT_IOAPIC_PINS)
		return -EINVAL;
	for (u32 i = 0; i < PTIRQ_MAX_LINES; i++) {
		if (!lines[i].vm) {
			l = l ? l : &lines[i];
			continue;
		}
		if (lines[i].host_gsi != host_gsi)
			continue;
		/* Two functions of one VM on one wire share the line. */
		if (lines[i].vm == vm && lines[i].guest_gsi == guest_gsi)
			return 0;
		return -EBUSY;
	}
	if (!l)
		return -ENOSPC;
	*l = (struct ptirq_line){
		.vm = vm, .host_gsi = host_gsi, .guest_gsi = guest_gsi, .masked = true};
	err = arch_gsi_attach(host_gsi, active_low, vm->vcpus[0].pcpu, line_interrupt, l);
	if (!err)
		err = vm_gsi_notify_eoi(vm, guest_gsi, guest_eoi, vm);
	if (err) {
		l->vm = NULL;
		return err;
	}
	vm_gsi_set(vm, guest_gsi, WIRE_IDLE);
	pr_info("vm%u: GSI %u (%s) reaches it as GSI %u\n", vm->id, host_gsi,
		active_low ? "level, active low" : "level, active high", guest_gsi);
	return 0;
}

void ptirq_vm_reset(struct vm *vm, bool stopping)
{
	for (u32 i = 0; i < PTIRQ_MAX_LINES; i++) {
		struct ptirq_line *l = &lines[i];

		if (l->vm != vm)
			continue;
		arch_gsi_mask(l->host_gsi, true);
		vm_gsi_set(vm, l->guest_gsi, WIRE_IDLE);
		l->masked = stopping;
		if (!stopping)
			arch_gsi_mask(l->host_gsi, false);
	}
}

const struct ptirq_line *ptirq_find(const struct vm *vm, u32 guest_gsi)
{
	for (u32 i = 0; i < PTIRQ_MAX_LINES; i++)
		if (vm && lines[i].vm == vm && lines[i].guest_gsi == guest_gsi)
			return &lines[i];
	return NULL;
}
