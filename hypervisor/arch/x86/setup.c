// SPDX-License-Identifier: BSD-3-Clause
/*
 * x86 side of the boot sequence: the C entry points of the BSP and the APs and the
 * arch_* steps that core/init.c runs in order.
 */
#include <bulkhead/acpi.h>
#include <bulkhead/arch.h>
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/timer.h>
#include <bulkhead/init.h>
#include <bulkhead/log.h>
#include <bulkhead/memmap.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/panic.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/pic.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/trap.h>
#include <asm/tsc.h>
#include <asm/vmx.h>
#include <asm/vmx_caps.h>

extern u8 bsp_boot_stack[], bsp_boot_stack_top[], bsp_stack_guard[];
extern struct memmap boot_memmap;

#define TIMER_TEST_US 1000

/*
 * The BIOS data area (0x400-0x4ff) lives in page 0, which the hypervisor's page tables
 * leave unmapped to catch NULL dereferences. It is copied while the boot page tables
 * still map it; acpi_map() serves reads of it (the EBDA pointer at 0x40e) from the copy.
 */
#define BDA_BASE 0x400
#define BDA_SIZE 0x100
static u8 bda_copy[BDA_SIZE];

/* The stack protector's canary (-mstack-protector-guard=global). */
u64 __stack_chk_guard;

static __no_stack_protector void init_stack_guard(void)
{
	u32 a, b, c, d;
	u64 value = 0;

	cpuid_count(1, 0, &a, &b, &c, &d);
	if ((c >> 30) & 1) {
		/* RDRAND; retry a few times as the SDM recommends (Vol 1 7.3.17.1). */
		for (int i = 0; i < 10; i++) {
			u8 ok;

			__asm__ __volatile__("rdrand %0; setc %1" : "=r"(value), "=qm"(ok));
			if (ok)
				break;
		}
	}
	value ^= rdtsc() * 0x9e3779b97f4a7c15ULL;
	/* A zero byte first stops string overflows from reproducing the canary. */
	__stack_chk_guard = value << 8;
}

/* Called from arch/x86/boot/header.S on the boot stack. Never returns. */
void bsp_entry(u32 magic, u32 mbi) __noreturn __no_stack_protector;
void bsp_entry(u32 magic, u32 mbi)
{
	init_stack_guard();
	arch_early_init();
	boot_main(magic, mbi);
}

void arch_early_init(void)
{
	struct per_cpu *bsp = per_cpu(0);

	bsp->cpu_id = 0;
	bsp->stack_base = (u64)bsp_boot_stack;
	bsp->stack_top = (u64)bsp_boot_stack_top;
	bsp->state = CPU_ONLINE;
	memcpy(bda_copy, (const void *)BDA_BASE, BDA_SIZE);
	arch_idt_init();
	arch_cpu_load_tables(bsp);
	percpu_ready = true;
}

int arch_reserve_memory(struct memmap *map)
{
	return smp_reserve_trampoline(map);
}

int arch_paging_init(const struct memmap *map)
{
	int err = paging_init(map);

	/* Like the APs' stacks, the boot stack gets an unmapped page below it. */
	return err ? err : paging_unmap((paddr_t)bsp_stack_guard, PAGE_SIZE);
}

const void *acpi_map(paddr_t addr, size_t len)
{
	paddr_t last = addr + len - 1;

	if (len == 0 || last < addr)
		return NULL;
	if (addr >= BDA_BASE && last < BDA_BASE + BDA_SIZE)
		return bda_copy + (addr - BDA_BASE);
	if (addr < PAGE_SIZE)
		return NULL;
	/* Below 4 GiB everything but page 0 is mapped; above, only what the memory map has. */
	if (last >= GiB(4) &&
	    (!memmap_type_at(&boot_memmap, addr) || !memmap_type_at(&boot_memmap, last)))
		return NULL;
	return (const void *)addr;
}

/* Arms a short one-shot timer and waits for its interrupt: proves the LAPIC delivers. */
static int lapic_timer_selftest(void)
{
	struct per_cpu *pcpu = this_cpu();
	u64 before = pcpu->timer_ticks;

	lapic_timer_oneshot_us(TIMER_TEST_US);
	for (int i = 0; i < 100 && pcpu->timer_ticks == before; i++) {
		__asm__ __volatile__("sti; hlt; cli" ::: "memory");
	}
	lapic_timer_stop();
	return pcpu->timer_ticks != before ? 0 : -ETIMEDOUT;
}

static void kick_irq(struct trap_frame *frame)
{
	/*
	 * The interrupt made the CPU leave the guest or its halt; it may also have been sent
	 * because another CPU queued a timer here first (core/timer.c).
	 */
	timer_interrupt();
}

int arch_platform_init(void)
{
	int err;

	i8259_disable();
	err = tsc_init();

	if (err)
		return err;
	err = lapic_init();
	if (err)
		return err;
	irq_register(VEC_KICK, kick_irq);
	pr_info("LAPIC: %s mode, timer %s\n", lapic_x2apic_mode() ? "x2APIC" : "xAPIC",
		lapic_timer_mode_name());
	err = lapic_timer_selftest();
	if (err)
		pr_err("LAPIC: cpu0 timer interrupt did not arrive\n");
	vmx_caps_probe(&this_cpu()->vmx);
	pr_info("cpu0: online, APIC id %u (boot CPU)\n", this_cpu()->apic_id);
	return err;
}

void ap_entry(u64 cpu_id)
{
	struct per_cpu *pcpu = per_cpu((u32)cpu_id);

	arch_cpu_load_tables(pcpu);
	if (lapic_init()) {
		pr_err("cpu%u: local APIC set-up failed; stopping this CPU\n", pcpu->cpu_id);
		arch_cpu_stop_self();
	}
	if (lapic_timer_selftest())
		pr_warn("cpu%u: LAPIC timer interrupt did not arrive\n", pcpu->cpu_id);
	vmx_caps_probe(&pcpu->vmx);
	pr_info("cpu%u: online, APIC id %u\n", pcpu->cpu_id, pcpu->apic_id);
	__atomic_store_n(&pcpu->state, CPU_ONLINE, __ATOMIC_RELEASE);
	pcpu_run_loop();
}

void arch_kick_cpu(u32 cpu)
{
	if (cpu >= pcpu_count || per_cpu(cpu)->state != CPU_ONLINE)
		return;
	/* A guest with the LAPIC passed through would take the kick vector itself. */
	if (per_cpu(cpu)->kick_by_nmi)
		lapic_send_ipi(per_cpu(cpu)->apic_id, APIC_DM_NMI);
	else
		lapic_send_ipi(per_cpu(cpu)->apic_id, APIC_DM_FIXED | VEC_KICK);
}

void arch_irq_disable(void)
{
	local_irq_disable();
}

void arch_irq_enable(void)
{
	local_irq_enable();
}

void arch_cpu_idle(void)
{
	/* STI's one-instruction shadow: an interrupt pending now wakes the HLT. */
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}

u32 arch_smp_init(const struct acpi_info *acpi)
{
	smp_enumerate(acpi);
	return smp_start_aps();
}

static void ipi_ping(void *arg)
{
	__atomic_fetch_add((u32 *)arg, 1, __ATOMIC_RELAXED);
}

int arch_smp_selftest(void)
{
	u32 answered = 0, asked = 0;

	for (u32 i = 1; i < pcpu_count; i++) {
		if (per_cpu(i)->state != CPU_ONLINE)
			continue;
		asked++;
		if (smp_call_on_cpu(i, ipi_ping, &answered, true))
			pr_err("SMP: cpu%u did not answer an IPI\n", i);
	}
	if (answered != asked)
		return -ETIMEDOUT;
	pr_info("SMP: IPI round trip to %u CPU(s) ok\n", answered);
	return 0;
}

int arch_run_on_cpu(u32 cpu, void (*fn)(void *), void *arg)
{
	if (cpu == this_cpu_id()) {
		fn(arg);
		return 0;
	}
	return smp_call_on_cpu(cpu, fn, arg, true);
}

static void enable_vmx(void *result)
{
	((int *)result)[this_cpu_id()] = vmx_root_enable();
}

int arch_virt_check(void)
{
	const struct vmx_caps *caps[CONFIG_MAX_PCPUS];
	int result[CONFIG_MAX_PCPUS];
	size_t n = 0;
	u32 entered = 0;
	int err;

	for (u32 i = 0; i < pcpu_count; i++)
		if (per_cpu(i)->state == CPU_ONLINE)
			caps[n++] = &per_cpu(i)->vmx;
	err = vmx_caps_report(caps, n);
	if (err)
		return err;
	for (u32 i = 0; i < pcpu_count; i++) {
		if (per_cpu(i)->state != CPU_ONLINE)
			continue;
		result[i] = -ETIMEDOUT;
		arch_run_on_cpu(i, enable_vmx, result);
		if (result[i]) {
			pr_err("VMX: cpu%u cannot enter VMX root operation (error %d)\n", i,
			       result[i]);
			return result[i];
		}
		entered++;
	}
	pr_info("VMX: root operation on %u CPUs (VMCS revision 0x%x)\n", entered,
		vmx_vmcs_revision());
	return 0;
}
