/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupts: vectors 32-255, and the NMI (vector 2) while a test has a handler for it.
 *
 * Every arrival is counted per CPU and stamped with the TSC at entry; the vector's
 * handler, if any, runs in between (IF clear: 64-bit interrupt gates, on the interrupted
 * stack) and ends the interrupt itself (irq_lapic_eoi(), or an 8259 EOI). A vector
 * without a handler is a stray: counted, ended at the local APIC when it is in service
 * there, and reported by irq_check_stray(). Interrupts are enabled only inside tests;
 * every test that enables them starts with irq_quiesce().
 *
 * CPUs are numbered by the stack they run on: the boot CPU is 0, AP n (ipi.c) runs on
 * ap_stacks[n - 1].
 */
#ifndef TESTGUEST_IRQ_H
#define TESTGUEST_IRQ_H

#include "arch.h"
#include "trap.h"

#define IRQ_MAX_CPUS	8
#define AP_STACK_SIZE	8192
/*
 * Timing measurements are tried up to this many times and pass when one attempt is
 * within bounds: an emulator on a busy host stalls now and then for tens of
 * milliseconds, while a wrong rate is wrong every time.
 */
#define TIMING_ATTEMPTS 3

/* The guest's vectors; priority class = vector >> 4 (SDM Vol 3A 11.8.3.1). */
#define VEC_NMI		   2
#define VEC_PIC_MASTER	   0x20 /* 8259 IRQ 0-7; the slave's IRQ 8-15 at 0x28 */
#define VEC_PIC_SLAVE	   0x28
#define VEC_PIC_SPURIOUS_M 0x27 /* IRQ 7: where a spurious 8259 interrupt arrives */
#define VEC_PIC_SPURIOUS_S 0x2f
#define VEC_APIC_TIMER	   0x40
#define VEC_BENCH_INT	   0x41 /* the benchmark's INT n: the guest's own delivery path */
#define VEC_LOW		   0x50 /* class 5: priority checks */
#define VEC_IPI		   0x60
#define VEC_IOAPIC_PIT	   0x70
#define VEC_IOAPIC_RTC	   0x71
#define VEC_SCI		   0x78
#define VEC_PCI_INTX	   0x79 /* tests=pci: the e1000's INTx */
#define VEC_HIGH	   0x90 /* class 9: preempts VEC_LOW */
#define VEC_APIC_SPURIOUS  0xff

typedef void (*irq_handler)(unsigned int vector);

extern u8 ap_stacks[IRQ_MAX_CPUS - 1][AP_STACK_SIZE];

/* NULL: the vector is a stray again. */
void irq_set_handler(unsigned int vector, irq_handler fn);
/* A handler that only ends the interrupt at the local APIC. */
void irq_lapic_eoi(unsigned int vector);

unsigned int this_cpu(void);
u32 irq_count(unsigned int cpu, unsigned int vector);
/* The TSC when the vector last arrived (on any CPU). */
u64 irq_last_tsc(unsigned int vector);
/* Spins until cpu has counted target arrivals of vector; false after timeout TSC ticks. */
bool irq_wait(unsigned int cpu, unsigned int vector, u32 target, u64 timeout);

/*
 * Counts vector on the boot CPU over window_ms of TSC time with interrupts enabled,
 * up to TIMING_ATTEMPTS times, until a count is within a factor of 2 of expected. The
 * counts go to seen ("98" or "12, 40, 97"). Returns whether one was.
 */
bool irq_rate_check(unsigned int vector, u64 window_ms, u32 expected, char *seen, size_t size);

/*
 * CLI; 8259s reprogrammed (vectors 0x20/0x28) and masked, every I/O APIC entry the MADT
 * leads to masked, the local APIC (when enabled) reset by apic_reset_local().
 */
void irq_quiesce(void);
void irq_stray_reset(void);
/* <test>.<check_name>: PASS when no stray arrived since irq_stray_reset(). */
void irq_check_stray(const char *test, const char *check_name);

/*
 * The local APIC for the platform tests (ioapic, pic, rtc, sci): left in the mode an
 * earlier test put it in, else switched to the one apic= chooses. Returns NULL or why it
 * cannot be used.
 */
const char *irq_use_apic(char *why, size_t size);

/* Where an ISA IRQ (or the SCI) arrives: the MADT's override, the I/O APIC and its pin. */
struct isa_route {
	u8 irq;
	u32 gsi;
	u16 flags; /* MPS INTI flags of the override, 0 without one */
	u64 ioapic;
	unsigned int pin;
	bool level, active_low;
};

/*
 * Fills r for ISA IRQ irq; polarity and trigger come from the override, else the bus
 * default: edge and active high for ISA, level and active low for the SCI (sci = true,
 * ACPI 6.5 5.2.12.5). Returns NULL or why there is no route.
 */
const char *irq_isa_route(u8 irq, bool sci, struct isa_route *r, char *why, size_t size);
/* The redirection entry for r: vector, fixed, physical to this CPU's APIC ID. */
u64 irq_route_entry(const struct isa_route *r, u8 vector, bool masked);

/*
 * The APs of ipi.c for other users (the benchmark): the boot CPU's local APIC and
 * `aps` APs put in x2APIC or xAPIC mode, each AP then waiting with interrupts enabled
 * (counted and stamped here) and running no command. Returns NULL or why not.
 * ipi_aps_park() halts them for good; ipi_apic_id() is CPU n's APIC ID.
 */
const char *ipi_aps_online(bool x2apic, unsigned int aps, char *why, size_t size);
void ipi_aps_park(void);
u32 ipi_apic_id(unsigned int cpu);

/* Called for every vector by trap.c; true when it was an interrupt and is handled. */
bool irq_dispatch(struct trap_frame *tf);
/* An exception on an AP: recorded for ipi.c, then that AP halts for good. */
void __attribute__((noreturn)) irq_ap_exception(const struct trap_frame *tf);
/* The first exception an AP took (vector, RIP), or vector -1. */
struct ap_fault {
	int vector;
	u64 rip;
	unsigned int cpu;
};
struct ap_fault irq_ap_fault(void);

static inline void irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}

#endif
