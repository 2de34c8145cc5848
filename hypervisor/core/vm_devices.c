// SPDX-License-Identifier: BSD-3-Clause
/*
 * Every VM's emulated devices, from its configuration: its vUARTs (console ones feed the
 * hypervisor console, linked ones each other), the platform reset ports, and the PCI bus
 * of its passed-through functions with their INTx lines.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/pci.h>
#include <bulkhead/ptirq.h>
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

/*
 * The physical input of a function's INTx pin. Below 16 the chipset steers PCI interrupts
 * onto ISA lines as the firmware programmed it, and the firmware wrote that line into
 * the function's interrupt line register; a board captured under Linux may name the line
 * Linux re-steered the pin to, which does not survive a reboot. The firmware's line wins.
 */
static u32 host_gsi(const struct vm *vm, const struct pci_passthrough_config *d)
{
	u32 line = pci_cfg_read(PCI_BDF(d->bus, d->devfn), PCI_INTERRUPT_LINE, 1);

	if (d->host_gsi >= 16 || line == 0 || line >= 16 || line == d->host_gsi)
		return d->host_gsi;
	pr_warn("vm%u: PCI %02x:%02x.%x: the firmware steers INT%c to IRQ %u, the board XML "
		"says GSI %u (the routing when it was captured): using %u\n",
		vm->id, d->bus, d->devfn >> 3, d->devfn & 7, 'A' + d->intx_pin - 1, line,
		d->host_gsi, line);
	return line;
}

/* The VM's PCI bus, and the INTx lines of its functions routed to it. */
static int pci_devices_init(struct vm *vm)
{
	const struct vm_config *c = vm->config;
	int err = vpci_init(&vm->pci, vm, &vm->pio);
	u32 gsi;

	if (err)
		return err;
	if (!c->pci_device_count)
		return 0;
	vreset_claim_cf8(&vm->reset_ports, vpci_cf8_access, &vm->pci);
	for (u32 i = 0; i < c->pci_device_count; i++) {
		const struct pci_passthrough_config *d = &c->pci_devices[i];

		if (!d->intx_pin)
			continue;
		if (c->lapic_passthrough) {
			/* INTx goes through the vIOAPIC, which such a VM does not use. */
			pr_warn("vm%u: PCI %02x:%02x.%x: INTx not routed (LAPIC passthrough)\n",
				vm->id, d->bus, d->devfn >> 3, d->devfn & 7);
			continue;
		}
		gsi = host_gsi(vm, d);
		err = ptirq_attach(vm, gsi, d->host_gsi_active_low, d->guest_gsi);
		if (err) {
			pr_err("vm%u: PCI %02x:%02x.%x: GSI %u cannot be routed to the VM (%d)\n",
			       vm->id, d->bus, d->devfn >> 3, d->devfn & 7, gsi, err);
			return err;
		}
	}
	return 0;
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
	if (!err)
		err = pci_devices_init(vm);
	return err;
}

void vm_devices_reset(struct vm *vm)
{
	bool stopping = vm->state == VM_STATE_STOPPING;

	for (u32 i = 0; i < vm->vuart_count; i++)
		vuart_reset(&vm->vuarts[i]);
	vm_arch_devices_reset(vm);
	vpci_reset(&vm->pci, stopping);
	ptirq_vm_reset(vm, stopping);
}
