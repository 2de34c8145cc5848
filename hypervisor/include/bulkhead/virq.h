/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A VM's interrupt wiring, as a PC has it:
 *
 *   ISA device (vPIT, vRTC, vUART, ACPI SCI) --IRQ n--> vPIC pin n   --INTR--> vCPU 0 LINT0
 *                                            \-------> vIOAPIC pin n (IRQ 0 on pin 2)
 *   vIOAPIC redirection entry, MSI, IPI --struct apic_intr--> the vLAPICs it names
 *
 * Device models hand a level to a callback (irq_line_fn) and know nothing of the
 * controllers; core code wires the callback to vm_isa_irq_set(). The MADT the VM gets
 * (config_tools) describes the same wiring: an interrupt source override for IRQ 0 -> GSI
 * 2, and the SCI level-triggered, active high.
 */
#ifndef BULKHEAD_VIRQ_H
#define BULKHEAD_VIRQ_H

#include <bulkhead/spinlock.h>
#include <bulkhead/types.h>

struct vm;

/* An interrupt line's new level. Never called with the caller's device lock held. */
typedef void (*irq_line_fn)(void *ctx, bool level);

/*
 * A device model's interrupt output (dm/irq_line.c): where its level goes and what was
 * last handed there. Embedded in the device, behind the device's lock.
 */
struct irq_line {
	irq_line_fn fn; /* NULL: not connected (the level is still tracked) */
	void *ctx;
	bool level; /* the level last handed to fn */
	bool busy;  /* a CPU is in fn; it re-reads the level before it stops */
};

/* Connected to fn(ctx), level low. */
void irq_line_init(struct irq_line *line, irq_line_fn fn, void *ctx);
/*
 * Caller holds *lock, taken with flags; this releases it. If the device's level
 * (level_of(dev), read under the lock) differs from the last one handed over, fn gets it
 * without the lock. A CPU that finds another one in fn leaves the delivery to it: that
 * CPU reads the level again after each call, so calls never overlap, fn may call back
 * into the device, and the last level delivered is the current one.
 */
void irq_line_unlock(struct irq_line *line, spinlock_t *lock, u64 flags,
		     bool (*level_of)(const void *dev), const void *dev);

/* Delivery modes of an interrupt message (SDM Vol 3A 11.6.1, IOAPIC redirection entry). */
enum apic_delivery_mode {
	APIC_DELIVERY_FIXED = 0,
	APIC_DELIVERY_LOWEST = 1,
	APIC_DELIVERY_SMI = 2,
	APIC_DELIVERY_NMI = 4,
	APIC_DELIVERY_INIT = 5,
	APIC_DELIVERY_STARTUP = 6,
	APIC_DELIVERY_EXTINT = 7,
};

/* An interrupt message to a VM's local APICs: from its vIOAPIC, an MSI or an IPI. */
struct apic_intr {
	u32 dest; /* APIC ID, or logical destination (MDA) when dest_logical */
	bool dest_logical;
	bool dest32;	  /* a 32-bit x2APIC destination: 0xff is an ID, not a broadcast */
	bool broadcast;	  /* every vLAPIC of the VM, whatever dest says */
	u8 delivery_mode; /* enum apic_delivery_mode */
	u8 vector;
	bool level; /* level-triggered: the vLAPIC sets TMR and broadcasts its EOI */
};

#define VM_ISA_IRQS 16

/* Sets ISA IRQ line irq (0-15) of the VM to level: its vPIC and vIOAPIC see it. */
void vm_isa_irq_set(struct vm *vm, u32 irq, bool level);
/*
 * An ISA line as an irq_line_fn for a device model: vm_isa_irq_line with the context
 * vm_isa_irq_ctx(vm, irq).
 */
void vm_isa_irq_line(void *ctx, bool level);
void *vm_isa_irq_ctx(struct vm *vm, u32 irq);
/* Sets vIOAPIC pin gsi to level (passthrough devices' INTx lines). */
void vm_gsi_set(struct vm *vm, u32 gsi, bool level);
/* fn(ctx, gsi) hears of the end of each interrupt of vIOAPIC pin gsi (vioapic_notify_eoi). */
int vm_gsi_notify_eoi(struct vm *vm, u32 gsi, void (*fn)(void *ctx, u32 gsi), void *ctx);
/* Delivers an interrupt message to the vLAPICs it names (guest/vlapic.c). */
void vm_apic_deliver(struct vm *vm, const struct apic_intr *intr);
/* A vLAPIC's EOI of a level-triggered vector, for the vIOAPIC's remote IRR. */
void vm_broadcast_eoi(struct vm *vm, u8 vector);
/* Whether the VM's 8259 asserts INTR, and its INTA cycle (vector, or -1 if none). */
bool vm_extint_pending(struct vm *vm);
int vm_extint_ack(struct vm *vm);

#endif
