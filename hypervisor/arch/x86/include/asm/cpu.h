/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-physical-CPU state. GS base points at the CPU's own struct per_cpu. */
#ifndef ASM_CPU_H
#define ASM_CPU_H

#include <bulkhead/types.h>
#include <asm/segment.h>
#include <asm/vmx_caps.h>

/* TSS (SDM Vol 3A 7.7): stacks for NMI, #DF and #MC, so a broken stack still reports. */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

#define IST_NMI	       1
#define IST_DF	       2
#define IST_MC	       3
#define IST_STACK_SIZE 4096

enum cpu_state {
	CPU_OFFLINE = 0,
	CPU_STARTING,
	CPU_ONLINE,
	CPU_STOPPED, /* halted by the panic path */
};

struct per_cpu {
	struct per_cpu *self; /* at offset 0: this_cpu() reads %gs:0 */
	u32 cpu_id;	      /* dense index, 0 = BSP */
	u32 apic_id;
	volatile enum cpu_state state;
	u64 stack_base; /* lowest usable byte of the main stack */
	u64 stack_top;
	u64 gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
	u8 ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
	struct vmx_caps vmx;
	paddr_t vmxon_region; /* set once the CPU is in VMX root operation */
	volatile u64 timer_ticks;
	volatile u64 ipi_count;
	u64 lapic_timer_khz; /* LAPIC timer input after the divider, 0 with TSC deadline */
	/*
	 * The CPU runs a vCPU whose local APIC is passed through: its interrupts go to the
	 * guest, so kicks are NMIs (arch_kick_cpu) and an NMI outside the panic path is one.
	 */
	volatile bool kick_by_nmi;
};

extern struct per_cpu per_cpu_data[CONFIG_MAX_PCPUS];
extern u32 pcpu_count;
extern bool percpu_ready; /* CPUs known from the MADT (capped at CONFIG_MAX_PCPUS) */

static inline struct per_cpu *this_cpu(void)
{
	struct per_cpu *p;

	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(p));
	return p;
}

static inline u32 this_cpu_id(void)
{
	return this_cpu()->cpu_id;
}

static inline struct per_cpu *per_cpu(u32 cpu)
{
	return &per_cpu_data[cpu];
}

/* Loads this CPU's GDT, TSS and the shared IDT and points GS at its per_cpu. */
void arch_cpu_load_tables(struct per_cpu *pcpu);
void arch_idt_init(void);

/* CPUID feature bits the hypervisor checks. */
bool cpu_has_x2apic(void);
bool cpu_has_tsc_deadline(void);
bool cpu_has_invariant_tsc(void);
u32 cpu_max_leaf(void);

#endif
