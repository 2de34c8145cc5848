/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The devices the hypervisor emulates for every VM (vUARTs, the platform reset ports),
 * set up from the VM's configuration on its buses (core/vm_devices.c).
 */
#ifndef BULKHEAD_VM_DEVICES_H
#define BULKHEAD_VM_DEVICES_H

struct vm;

/* Creates and registers the VM's devices. Returns 0 or a negative error. */
int vm_devices_init(struct vm *vm);
/* Connects the vUART links between VMs, once every VM exists. */
void vm_devices_link(void);
/* Power-on state of every device (VM start and reset). */
void vm_devices_reset(struct vm *vm);

#endif
