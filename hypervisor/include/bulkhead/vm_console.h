/* SPDX-License-Identifier: BSD-3-Clause */
/* VM console output on the hypervisor console (core/vm_console.c). */
#ifndef BULKHEAD_VM_CONSOLE_H
#define BULKHEAD_VM_CONSOLE_H

#include <bulkhead/types.h>

/* The tx callback of a VM's console vUART; ctx is the struct vm. */
void vm_console_tx(void *ctx, u8 byte);
/* Gives the console to a VM (raw output) or back to the hypervisor (vm_id -1). */
int vm_console_focus(int vm_id);

#endif
