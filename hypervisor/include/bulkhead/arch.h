/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What common code asks of the architecture layer. Implemented under hypervisor/arch/<isa>/;
 * common code includes this header, never arch headers directly.
 */
#ifndef BULKHEAD_ARCH_H
#define BULKHEAD_ARCH_H

#include <bulkhead/compiler.h>
#include <bulkhead/types.h>

struct boot_info;
struct memmap;

struct acpi_info;
struct vm;

/* Boot steps, called in order by core/init.c. Each returns 0 or a negative error. */
void arch_early_init(void);			/* BSP descriptor tables, per-CPU data */
int arch_reserve_memory(struct memmap *map);	/* memory the platform needs (AP start-up) */
int arch_paging_init(const struct memmap *map); /* the hypervisor's own page tables */
int arch_platform_init(void);			/* time source, interrupt controller */
/* Starts the other CPUs named by the firmware; returns how many CPUs are online. */
u32 arch_smp_init(const struct acpi_info *acpi);
int arch_smp_selftest(void); /* an IPI round trip to every CPU */
int arch_virt_check(void);   /* hardware virtualization on every CPU */
/* Finds and quiesces the physical interrupt controllers devices use (x86: I/O APICs). */
int arch_irq_init(const struct acpi_info *acpi);
/*
 * Physical interrupt input gsi (a passed-through device's INTx line) to the hypervisor:
 * level-triggered, with the given polarity, to CPU cpu, masked. For each interrupt,
 * handler(ctx) runs on that CPU in interrupt context, before the interrupt controller's
 * EOI; it must mask the input while the line stays asserted. Returns 0, -ENOENT (no
 * interrupt controller has the input), -EBUSY (already routed), -ERANGE (CPU not
 * reachable) or -ENOSPC (no vector left).
 */
int arch_gsi_attach(u32 gsi, bool active_low, u32 cpu, void (*handler)(void *ctx), void *ctx);
/* Masks or unmasks input gsi (no effect on an input nobody routed). */
void arch_gsi_mask(u32 gsi, bool masked);
/* Port I/O for device models that forward to a device (passed-through I/O BARs). */
u32 arch_pio_read(u16 port, u32 size);
void arch_pio_write(u16 port, u32 size, u32 value);
/*
 * A VM's guest-physical device memory (passed-through BARs), changed while it may run:
 * host-physical [hpa, hpa+size) at [gpa, gpa+size), read-write, uncached. Page-aligned
 * ranges; returns 0, -EINVAL or -ENOMEM. Unmapping takes effect on every vCPU before it
 * next enters the guest.
 */
int vm_arch_map_mmio(struct vm *vm, u64 gpa, u64 hpa, u64 size);
void vm_arch_unmap_mmio(struct vm *vm, u64 gpa, u64 size);
/* Whether any of [gpa, gpa+size) is in use: RAM, device memory or an emulated device. */
bool vm_arch_gpa_taken(struct vm *vm, u64 gpa, u64 size);
/* Registers the architecture's platform devices (LAPIC, ...) on a new VM's buses. */
int vm_arch_devices_init(struct vm *vm);
/* Their power-on state, timers stopped (the VM starts, resets or stops). */
void vm_arch_devices_reset(struct vm *vm);
/* Runs fn on cpu (waits for it); used by debug facilities. */
int arch_run_on_cpu(u32 cpu, void (*fn)(void *), void *arg);

/* Interrupts the CPU so that it looks at its vCPU's requests (no-op if it is idle). */
void arch_kick_cpu(u32 cpu);
/* Halts the calling CPU until an interrupt; called and returns with interrupts off. */
void arch_cpu_idle(void);
void arch_irq_disable(void);
void arch_irq_enable(void);

u32 arch_cpu_id(void);
/* APIC IDs of the online CPUs in hypervisor CPU order; returns how many were stored. */
u32 arch_cpu_apic_ids(u32 *ids, u32 max);
u32 arch_cpu_count_online(void);
/* Sends an NMI to every other online CPU and waits until they stop; returns how many did. */
u32 arch_stop_other_cpus(void);
/* Stops the calling CPU for good (interrupts off, halted). */
void arch_cpu_stop_self(void) __noreturn;
/* Current frame pointer, for stack traces. */
u64 arch_frame_pointer(void);
/* Whether [addr, addr+size) lies inside the calling CPU's stacks. */
bool arch_on_cpu_stack(u64 addr, u64 size);
/* Nanoseconds since boot (0 until the TSC is calibrated). */
u64 arch_time_ns(void);
/* The time-stamp counter and its rate (ticks per second, 0 before calibration). */
u64 arch_tsc(void);
u64 arch_tsc_hz(void);
/*
 * Sets the calling CPU's one-shot timer to interrupt at TSC deadline (0: never); the
 * interrupt calls timer_interrupt() (bulkhead/timer.h). A deadline in the past fires at once.
 */
void arch_timer_set_deadline(u64 deadline);
/* Busy-waits (TSC based once calibrated). */
void arch_udelay(u64 us);
/*
 * Calls poll from the calling CPU's timer interrupt every period_us (the debug shell's
 * console input); 0, -EINVAL or -EBUSY (the timer already has a user).
 */
int arch_console_poll_start(void (*poll)(void), u64 period_us);
/* Resets the whole machine (debug shell "reboot"). */
void arch_system_reset(void) __noreturn;

#endif
