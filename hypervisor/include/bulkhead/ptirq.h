/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical INTx lines of passed-through PCI functions, routed to the VM that owns them
 * (core/ptirq.c). Per line, the three contexts:
 *
 *   physical   the I/O APIC input (host GSI): level-triggered, to the CPU of the VM's
 *              vCPU 0, masked by the hypervisor from each interrupt until the guest ends it
 *   virtual    the VM's vIOAPIC input (guest GSI): a PCI INTx wire, level-triggered and
 *              active low, so idle is high; the guest programs its redirection entry
 *
 * An interrupt masks the physical input and asserts the virtual one; the guest's EOI of
 * it (vIOAPIC remote IRR cleared, bulkhead/vioapic.h) deasserts the virtual input and
 * unmasks the physical one, where a device still asserting interrupts again. So a
 * device's line can interrupt its VM's CPU at most once per interrupt the guest ends: a
 * guest that never ends one only silences its own device.
 */
#ifndef BULKHEAD_PTIRQ_H
#define BULKHEAD_PTIRQ_H

#include <bulkhead/types.h>

#define PTIRQ_MAX_LINES 16

struct vm;

struct ptirq_line {
	struct vm *vm; /* NULL: unused */
	u32 host_gsi;
	u8 guest_gsi;
	volatile bool masked; /* physical input masked, waiting for the guest's EOI */
	volatile u64 count;   /* interrupts taken */
};

/*
 * Routes host_gsi to guest_gsi of vm, to the CPU of its vCPU 0; masked until the VM
 * starts (ptirq_vm_reset). A line one VM already has is shared by its functions. Returns
 * 0, -EBUSY (another VM has host_gsi), -ENOSPC, -EINVAL (guest_gsi not a vIOAPIC input)
 * or arch_gsi_attach()'s error.
 */
int ptirq_attach(struct vm *vm, u32 host_gsi, bool active_low, u8 guest_gsi);
/*
 * The VM's lines after it started, reset or stopped: virtual inputs idle, physical ones
 * unmasked, or masked for good with stopping.
 */
void ptirq_vm_reset(struct vm *vm, bool stopping);
/* The line reaching vm on guest_gsi, for the debug shell; NULL if none. */
const struct ptirq_line *ptirq_find(const struct vm *vm, u32 guest_gsi);

#endif
