// SPDX-License-Identifier: BSD-3-Clause
/*
 * The PC platform every VM gets from the architecture, whatever the backend, and its
 * interrupt wiring (bulkhead/virq.h): local APICs (guest/vlapic.c), the 8259 pair, the
 * IOAPIC, the 8254 PIT, the CMOS RTC and the ACPI PM registers (dm/), at the places
 * bulkhead/vplatform.h names and the VM's ACPI tables describe.
 *
 * Each ISA line has one source (PIT 0, vUARTs 3/4, RTC 8, SCI 9); a line shared by two
 * devices would need its levels ORed, which no configuration asks for yet.
 */
#include <bulkhead/arch.h>
#include <bulkhead/cmos_rtc.h>
#include <bulkhead/log.h>
#include <bulkhead/timer.h>
#include <bulkhead/virq.h>
#include <bulkhead/vm.h>
#include <bulkhead/vplatform.h>
#include <asm/vlapic.h>
#include <asm/vmsr.h>

/* The IOAPIC pin of ISA IRQ 0 (the MADT's interrupt source override). */
#define PIT_IOAPIC_PIN 2

void vm_isa_irq_set(struct vm *vm, u32 irq, bool level)
{
	/* IRQ 2 is the 8259 cascade: no device has it (its IOAPIC pin is the PIT's). */
	if (irq >= VM_ISA_IRQS || irq == 2)
		return;
	vpic_set_irq(&vm->arch.vpic, irq, level);
	vioapic_set_irq(&vm->arch.vioapic, irq == 0 ? PIT_IOAPIC_PIN : irq, level);
}

void vm_gsi_set(struct vm *vm, u32 gsi, bool level)
{
	vioapic_set_irq(&vm->arch.vioapic, gsi, level);
}

int vm_gsi_notify_eoi(struct vm *vm, u32 gsi, void (*fn)(void *ctx, u32 gsi), void *ctx)
{
	return vioapic_notify_eoi(&vm->arch.vioapic, gsi, fn, ctx);
}

void vm_isa_irq_line(void *ctx, bool level)
{
	struct vm_isa_line *line = ctx;

	vm_isa_irq_set(line->vm, line->irq, level);
}

void *vm_isa_irq_ctx(struct vm *vm, u32 irq)
{
	struct vm_isa_line *line = &vm->arch.isa_lines[irq % VM_ISA_IRQS];

	line->vm = vm;
	line->irq = irq % VM_ISA_IRQS;
	return line;
}

void vm_broadcast_eoi(struct vm *vm, u8 vector)
{
	vioapic_eoi(&vm->arch.vioapic, vector);
}

bool vm_extint_pending(struct vm *vm)
{
	return vpic_intr_pending(&vm->arch.vpic);
}

int vm_extint_ack(struct vm *vm)
{
	return vpic_intr_ack(&vm->arch.vpic);
}

/* The 8259's INTR rose: the vCPUs whose LINT0 takes it look at it before their next entry. */
static void pic_intr_changed(void *ctx, bool level)
{
	struct vm *vm = ctx;

	if (!level)
		return;
	for (u32 i = 0; i < vm->vcpu_count; i++)
		if (vlapic_accepts_extint(&vm->vcpus[i])) {
			vcpu_arch_note_event(&vm->vcpus[i].arch);
			vcpu_kick(&vm->vcpus[i]);
		}
}

static void ioapic_deliver(void *ctx, const struct apic_intr *intr)
{
	vm_apic_deliver(ctx, intr);
}

/* ctx is the SCI's line: vpm_init gives its two callbacks one context. */
static void acpi_sleep(void *ctx, u32 slp_typ)
{
	struct vm *vm = ((struct vm_isa_line *)ctx)->vm;

	if (slp_typ == VPLAT_SLP_TYP_S5) {
		vm_stop(vm, "powered off (ACPI S5)");
		return;
	}
	vm_warn(vm, "ACPI sleep type %u is not offered (only S5 is in its DSDT): ignored", slp_typ);
}

/*
 * Wall-clock time for the vRTCs: the physical RTC read once, then the TSC. Every VM's
 * clock starts from it and is the VM's own after that (a guest setting its clock changes
 * only its vRTC). Called only while VMs are created: one at a time, on CPU 0 (vms_init).
 */
static u64 unix_time_now(void)
{
	static u64 base_seconds, base_tsc;
	static bool known;

	if (!known) {
		if (cmos_rtc_read_unix_time(&base_seconds)) {
			pr_warn("RTC: the physical clock cannot be read; VMs start at 2000-01-01\n");
			base_seconds = 946684800ULL;
		}
		base_tsc = timer_now();
		known = true;
	}
	return base_seconds + (timer_now() - base_tsc) / timer_hz();
}

int vm_arch_devices_init(struct vm *vm)
{
	struct vm_arch *a = &vm->arch;
	/*
	 * Device timers run where the boot vCPU runs, except in a VM with the LAPIC passed
	 * through, whose CPUs take no hypervisor interrupts: there on CPU 0, which such a VM
	 * never owns (config check).
	 */
	u32 cpu = vm->config->lapic_passthrough ? 0 : vm->vcpus[0].pcpu;
	int err;

	vpic_init(&a->vpic, pic_intr_changed, vm);
	vioapic_init(&a->vioapic, ioapic_deliver, vm);
	vpit_init(&a->vpit, vm_isa_irq_line, vm_isa_irq_ctx(vm, VPLAT_PIT_IRQ), cpu);
	vrtc_init(&a->vrtc, vm_isa_irq_line, vm_isa_irq_ctx(vm, VPLAT_RTC_IRQ), cpu,
		  unix_time_now());
	vpm_init(&a->vpm, vm_isa_irq_line, acpi_sleep, vm_isa_irq_ctx(vm, VPLAT_SCI_IRQ), cpu);

	err = vlapic_attach(vm);
	if (!err)
		err = vpic_attach(&a->vpic, &vm->pio);
	if (!err)
		err = vioapic_attach(&a->vioapic, &vm->mmio);
	if (!err)
		err = vpit_attach(&a->vpit, &vm->pio);
	if (!err)
		err = vrtc_attach(&a->vrtc, &vm->pio);
	if (!err)
		err = vpm_attach(&a->vpm, &vm->pio);
	return err;
}

void vm_arch_devices_reset(struct vm *vm)
{
	struct vm_arch *a = &vm->arch;

	vpit_reset(&a->vpit);
	vrtc_reset(&a->vrtc);
	vpm_reset(&a->vpm);
	vioapic_reset(&a->vioapic);
	vpic_reset(&a->vpic);
	/* The local APICs' power-on state, their timers stopped. */
	for (u32 i = 0; i < vm->vcpu_count; i++)
		vmsr_power_on_apic(&vm->vcpus[i]);
}
