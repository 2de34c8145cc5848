// SPDX-License-Identifier: BSD-3-Clause
/*
 * Every VM's emulated devices, from its configuration: its vUARTs (console ones feed the
 * hypervisor console, linked ones each other) and the platform reset ports.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/vm.h>
#include <bulkhead/vm_console.h>
#include <bulkhead/virq.h>
#include <bulkhead/vm_devices.h>

void vm_devices_link(void)
{
	for (u32 id = 0; id < vm_count(); id++) {
		struct vm *vm = vm_get(id);

		for (u32 i = 0; i < vm->vuart_count; i++) {
			const struct vuart_config *c = vm->vuarts[i].cfg;
			struct vm *peer;

			/* Each pair once: from the VM with the lower id. */
			if (c->type != VUART_LINK || c->target_vm <= id)
				continue;
			peer = vm_get(c->target_vm);
			if (!peer || c->target_vuart >= peer->vuart_count) {
				/* The peer was not created: this end stays unconnected. */
				pr_warn("vm%u: vUART %u has no peer (vm%u is not created)\n", id,
					c->index, c->target_vm);
				continue;
			}
			vuart_link(&vm->vuarts[i], &peer->vuarts[c->target_vuart]);
		}
	}
}

int vm_devices_init(struct vm *vm)
{
	const struct vm_config *c = vm->config;
	int err = 0;

	if (c->vuart_count > VM_MAX_VUARTS)
		return -E2BIG;
	for (u32 i = 0; i < c->vuart_count && !err; i++) {
		const struct vuart_config *vc = &c->vuarts[i];

		err = vuart_init(&vm->vuarts[i], vc,
				 vc->type == VUART_CONSOLE ? vm_console_tx : NULL, vm,
				 vc->irq ? vm_isa_irq_line : NULL, vm_isa_irq_ctx(vm, vc->irq));
		if (!err)
			err = vuart_attach(&vm->vuarts[i], &vm->pio);
		vm->vuart_count = i + 1;
	}
	if (!err)
		err = vreset_attach(&vm->reset_ports, vm, &vm->pio);
	if (!err)
		err = vm_arch_devices_init(vm);
	return err;
}

void vm_devices_reset(struct vm *vm)
{
	for (u32 i = 0; i < vm->vuart_count; i++)
		vuart_reset(&vm->vuarts[i]);
	vm_arch_devices_reset(vm);
}
