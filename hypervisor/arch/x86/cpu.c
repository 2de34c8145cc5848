// SPDX-License-Identifier: BSD-3-Clause
/*
 * Per-CPU descriptor tables: each CPU has its own GDT and TSS (the TSS holds that CPU's
 * IST stacks); all CPUs share one IDT. GS base points at the CPU's struct per_cpu.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/string.h>
#include <asm/cpu.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/trap.h>

struct per_cpu per_cpu_data[CONFIG_MAX_PCPUS] __aligned(4096);
u32 pcpu_count = 1;

struct idt_gate {
	u16 offset_low;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_high;
	u32 reserved;
} __packed;

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

static struct idt_gate idt[256] __aligned(16);

/* entry.S: 256 stubs, 16 bytes apart. */
extern const u8 vector_stubs[];
#define VECTOR_STUB_SIZE 16

static void idt_set_gate(u8 vector, u8 ist)
{
	u64 addr = (u64)vector_stubs + (u64)vector * VECTOR_STUB_SIZE;

	idt[vector] = (struct idt_gate){
		.offset_low = (u16)addr,
		.selector = SEL_CODE64,
		.ist = ist,
		.type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
		.offset_mid = (u16)(addr >> 16),
		.offset_high = (u32)(addr >> 32),
	};
}

void arch_idt_init(void)
{
	for (unsigned int v = 0; v < 256; v++)
		idt_set_gate((u8)v, 0);
	idt_set_gate(VEC_NMI, IST_NMI);
	idt_set_gate(VEC_DF, IST_DF);
	idt_set_gate(VEC_MC, IST_MC);
}

static u64 tss_desc_low(u64 base, u32 limit)
{
	return (limit & 0xffffULL) | ((base & 0xffffffULL) << 16) | (0x89ULL << 40) |
	       ((u64)((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xffULL) << 56);
}

void arch_cpu_load_tables(struct per_cpu *pcpu)
{
	struct desc_ptr gdtr, idtr;
	u64 tss_base = (u64)&pcpu->tss;

	pcpu->self = pcpu;
	memset(&pcpu->tss, 0, sizeof(pcpu->tss));
	for (int i = 0; i < 3; i++)
		pcpu->tss.ist[i] = (u64)pcpu->ist_stacks[i] + IST_STACK_SIZE;
	pcpu->tss.iomap_base = sizeof(struct tss64); /* no I/O permission bitmap */

	pcpu->gdt[GDT_ENTRY_NULL] = 0;
	pcpu->gdt[GDT_ENTRY_CODE64] = DESC_CODE64;
	pcpu->gdt[GDT_ENTRY_DATA] = DESC_DATA;
	pcpu->gdt[GDT_ENTRY_TSS] = tss_desc_low(tss_base, sizeof(struct tss64) - 1);
	pcpu->gdt[GDT_ENTRY_TSS + 1] = tss_base >> 32;

	gdtr.limit = sizeof(pcpu->gdt) - 1;
	gdtr.base = (u64)pcpu->gdt;
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (u64)idt;

	__asm__ __volatile__("lgdt %0\n\t"
			     "pushq %1\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "movl %2, %%eax\n\t"
			     "movl %%eax, %%ds\n\t"
			     "movl %%eax, %%es\n\t"
			     "movl %%eax, %%ss\n\t"
			     "xorl %%eax, %%eax\n\t"
			     "movl %%eax, %%fs\n\t"
			     "movl %%eax, %%gs\n\t"
			     "ltr %w3\n\t"
			     "lidt %4"
			     :
			     : "m"(gdtr), "i"(SEL_CODE64), "i"(SEL_DATA), "r"(SEL_TSS), "m"(idtr)
			     : "rax", "memory");
	/* Loading GS cleared the base: set it after. */
	msr_write(MSR_GS_BASE, (u64)pcpu);
}

u32 cpu_max_leaf(void)
{
	u32 a, b, c, d;

	cpuid_count(0, 0, &a, &b, &c, &d);
	return a;
}

bool cpu_has_x2apic(void)
{
	u32 a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	return (c >> 21) & 1;
}

bool cpu_has_tsc_deadline(void)
{
	u32 a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	return (c >> 24) & 1;
}

bool cpu_has_invariant_tsc(void)
{
	u32 a, b, c, d;

	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000007)
		return false;
	cpuid_count(0x80000007, 0, &a, &b, &c, &d);
	return (d >> 8) & 1;
}
