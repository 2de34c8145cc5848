// SPDX-License-Identifier: BSD-3-Clause
/*
 * The x86 platform devices every VM gets from the architecture, whatever the backend:
 * the local APICs (guest/vlapic.c). The interrupt controllers and timers will join here.
 */
#include <bulkhead/arch.h>
#include <bulkhead/vm.h>
#include <asm/vlapic.h>

int vm_arch_devices_init(struct vm *vm)
{
	return vlapic_attach(vm);
}
