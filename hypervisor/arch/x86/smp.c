// SPDX-License-Identifier: BSD-3-Clause
/*
 * Multiprocessor start-up and cross-CPU calls.
 * APs are started one at a time with the INIT-SIPI-SIPI sequence (SDM Vol 3A 8.4.4.1):
 * INIT, 10 ms, SIPI, 200 us, a second SIPI only if the AP has not yet reported in.
 * Each AP gets a stack from the page allocator with an unmapped guard page below it, so
 * an overflow faults (and is reported from the #DF IST stack) instead of corrupting.
 */
#include <bulkhead/acpi.h>
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/panic.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/string.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/trap.h>

extern struct page_pool hv_pages;
extern const u8 __ap_trampoline_start[], __ap_trampoline_end[];
extern const u8 ap_trampoline[], ap_trampoline_32[], ap_trampoline_64[];
extern u8 bsp_boot_stack[], bsp_boot_stack_top[];

#define AP_START_TIMEOUT_US 200000
#define CALL_TIMEOUT_US	    1000000

static paddr_t trampoline_pa; /* code page; the parameter block is the page after it */

struct cpu_call {
	void (*fn)(void *);
	void *arg;
	volatile bool pending;
};
static struct cpu_call cpu_calls[CONFIG_MAX_PCPUS];

/* Set once the BSP has loaded its per-CPU tables; APs load theirs before logging. */
bool percpu_ready;

u32 arch_cpu_id(void)
{
	return percpu_ready ? this_cpu_id() : 0;
}

u32 arch_cpu_count_online(void)
{
	u32 n = 0;

	for (u32 i = 0; i < pcpu_count; i++)
		if (per_cpu(i)->state == CPU_ONLINE || per_cpu(i)->state == CPU_STOPPED)
			n++;
	return n;
}

u32 arch_cpu_apic_ids(u32 *ids, u32 max)
{
	u32 n = 0;

	for (u32 i = 0; i < pcpu_count && n < max; i++)
		if (per_cpu(i)->state == CPU_ONLINE)
			ids[n++] = per_cpu(i)->apic_id;
	return n;
}

u64 arch_frame_pointer(void)
{
	return (u64)__builtin_frame_address(0);
}

bool arch_on_cpu_stack(u64 addr, u64 size)
{
	struct per_cpu *p = this_cpu();

	if (addr + size < addr)
		return false;
	if (addr >= p->stack_base && addr + size <= p->stack_top)
		return true;
	/* IST stacks (NMI, #DF, #MC). */
	return addr >= (u64)p->ist_stacks &&
	       addr + size <= (u64)p->ist_stacks + sizeof(p->ist_stacks);
}

void arch_cpu_stop_self(void)
{
	__asm__ __volatile__("cli");
	if (arch_cpu_id() < pcpu_count)
		this_cpu()->state = CPU_STOPPED;
	for (;;)
		__asm__ __volatile__("cli; hlt" ::: "memory");
}

u32 arch_stop_other_cpus(void)
{
	u32 self = arch_cpu_id(), stopped = 0;

	for (u32 i = 0; i < pcpu_count; i++) {
		if (i != self && per_cpu(i)->state == CPU_ONLINE)
			lapic_send_ipi(per_cpu(i)->apic_id, APIC_DM_NMI | APIC_LEVEL_ASSERT);
	}
	for (u32 i = 0; i < pcpu_count; i++) {
		if (i == self || per_cpu(i)->state == CPU_OFFLINE)
			continue;
		for (int t = 0; t < 1000 && per_cpu(i)->state != CPU_STOPPED; t++)
			arch_udelay(100);
		if (per_cpu(i)->state == CPU_STOPPED)
			stopped++;
	}
	return stopped;
}

int smp_reserve_trampoline(struct memmap *map)
{
	/* Two pages in conventional memory, below the EBDA; SIPI vectors address < 1 MiB. */
	trampoline_pa = memmap_find_free(map, 2 * PAGE_SIZE, PAGE_SIZE, 0x1000, 0x9f000);
	if (trampoline_pa == INVALID_PADDR) {
		pr_err("SMP: no free memory below 640 KiB for the AP start-up code\n");
		return -ENOMEM;
	}
	return memmap_add(map, trampoline_pa, 2 * PAGE_SIZE, MEM_TRAMPOLINE);
}

int smp_enumerate(const struct acpi_info *acpi)
{
	u32 bsp_apic = lapic_read_id(), n = 1;
	bool bsp_seen = false;

	per_cpu(0)->apic_id = bsp_apic;
	for (size_t i = 0; i < acpi->cpu_count; i++) {
		const struct acpi_cpu *c = &acpi->cpus[i];

		if (!c->enabled)
			continue;
		if (c->apic_id == bsp_apic) {
			bsp_seen = true;
			continue;
		}
		if (n >= CONFIG_MAX_PCPUS) {
			pr_warn("SMP: CPU with APIC id %u left offline: CONFIG_MAX_PCPUS is %d\n",
				c->apic_id, CONFIG_MAX_PCPUS);
			continue;
		}
		per_cpu(n)->cpu_id = n;
		per_cpu(n)->apic_id = c->apic_id;
		per_cpu(n)->state = CPU_OFFLINE;
		n++;
	}
	if (!bsp_seen && acpi->cpu_count)
		pr_warn("SMP: the boot CPU (APIC id %u) is not in the MADT\n", bsp_apic);
	pcpu_count = n;
	return 0;
}

static void write_far_ptr(u8 *at, u32 offset, u16 selector)
{
	memcpy(at, &offset, 4);
	memcpy(at + 4, &selector, 2);
}

static int prepare_trampoline(void)
{
	u8 *code = (u8 *)trampoline_pa, *params = code + PAGE_SIZE;
	u64 gdt[4] = {0, DESC_CODE32, DESC_DATA, DESC_CODE64};
	u16 gdt_limit = sizeof(gdt) - 1;
	u32 gdt_base = (u32)(trampoline_pa + PAGE_SIZE + TRAMP_GDT);
	size_t len = (size_t)(__ap_trampoline_end - __ap_trampoline_start);
	int err;

	/* Write the code while the page is writable, then make it read-only code (W^X). */
	err = paging_map(trampoline_pa, PAGE_SIZE, PROT_RW_NX);
	if (err)
		return err;
	memset(code, 0, PAGE_SIZE);
	memcpy(code, __ap_trampoline_start, len);
	err = paging_map(trampoline_pa, PAGE_SIZE, PROT_RX);
	if (err)
		return err;

	memset(params, 0, PAGE_SIZE);
	memcpy(params + TRAMP_GDT, gdt, sizeof(gdt));
	memcpy(params + TRAMP_GDT_PTR, &gdt_limit, 2);
	memcpy(params + TRAMP_GDT_PTR + 2, &gdt_base, 4);
	write_far_ptr(params + TRAMP_FAR32,
		      (u32)(trampoline_pa + (ap_trampoline_32 - ap_trampoline)), TRAMP_SEL_CODE32);
	write_far_ptr(params + TRAMP_FAR64,
		      (u32)(trampoline_pa + (ap_trampoline_64 - ap_trampoline)), TRAMP_SEL_CODE64);
	*(u64 *)(params + TRAMP_CR3) = paging_root();
	*(u64 *)(params + TRAMP_ENTRY) = (u64)ap_entry;
	return 0;
}

/* A stack of CONFIG_STACK_SIZE with an unmapped guard page below it. */
static int alloc_stack(struct per_cpu *pcpu)
{
	u64 pages = CONFIG_STACK_SIZE / PAGE_SIZE + 1;
	paddr_t pa = page_pool_alloc(&hv_pages, pages, 1, 0);

	if (pa == INVALID_PADDR)
		return -ENOMEM;
	if (paging_unmap(pa, PAGE_SIZE))
		return -ENOMEM;
	pcpu->stack_base = pa + PAGE_SIZE;
	pcpu->stack_top = pa + pages * PAGE_SIZE;
	return 0;
}

static bool wait_for_state(struct per_cpu *pcpu, enum cpu_state state, u64 us)
{
	for (u64 t = 0; t < us / 10; t++) {
		if (pcpu->state == state)
			return true;
		arch_udelay(10);
	}
	return pcpu->state == state;
}

static bool start_ap(struct per_cpu *pcpu)
{
	u8 *params = (u8 *)trampoline_pa + PAGE_SIZE;
	u32 vector = (u32)(trampoline_pa >> 12);

	*(u64 *)(params + TRAMP_STACK) = pcpu->stack_top;
	*(u64 *)(params + TRAMP_CPU) = pcpu->cpu_id;
	pcpu->state = CPU_STARTING;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_ipi(pcpu->apic_id, APIC_DM_INIT | APIC_LEVEL_ASSERT | APIC_TRIG_LEVEL);
	arch_udelay(200);
	lapic_send_ipi(pcpu->apic_id, APIC_DM_INIT | APIC_TRIG_LEVEL);
	arch_udelay(10000);
	for (int sipi = 0; sipi < 2; sipi++) {
		lapic_send_ipi(pcpu->apic_id, APIC_DM_STARTUP | vector);
		if (wait_for_state(pcpu, CPU_ONLINE, sipi == 0 ? 200 : AP_START_TIMEOUT_US))
			return true;
	}
	return false;
}

static void ipi_call_handler(struct trap_frame *frame)
{
	struct cpu_call *call = &cpu_calls[this_cpu_id()];

	if (call->pending) {
		call->fn(call->arg);
		__atomic_store_n(&call->pending, false, __ATOMIC_RELEASE);
	}
	this_cpu()->ipi_count++;
}

int smp_call_on_cpu(u32 cpu, void (*fn)(void *), void *arg, bool wait)
{
	struct cpu_call *call = &cpu_calls[cpu];

	if (cpu >= pcpu_count || per_cpu(cpu)->state != CPU_ONLINE)
		return -EINVAL;
	for (u64 t = 0; call->pending; t++) {
		if (t > CALL_TIMEOUT_US)
			return -ETIMEDOUT;
		arch_udelay(1);
	}
	call->fn = fn;
	call->arg = arg;
	__atomic_store_n(&call->pending, true, __ATOMIC_RELEASE);
	lapic_send_ipi(per_cpu(cpu)->apic_id, APIC_DM_FIXED | VEC_IPI_CALL);
	if (!wait)
		return 0;
	for (u64 t = 0; __atomic_load_n(&call->pending, __ATOMIC_ACQUIRE); t++) {
		if (t > CALL_TIMEOUT_US)
			return -ETIMEDOUT;
		arch_udelay(1);
	}
	return 0;
}

u32 smp_start_aps(void)
{
	u32 online = 1;

	per_cpu(0)->stack_base = (u64)bsp_boot_stack;
	per_cpu(0)->stack_top = (u64)bsp_boot_stack_top;
	irq_register(VEC_IPI_CALL, ipi_call_handler);
	if (pcpu_count > 1 && prepare_trampoline()) {
		pr_err("SMP: cannot prepare the AP start-up page; running on the boot CPU only\n");
		return 1;
	}
	for (u32 i = 1; i < pcpu_count; i++) {
		struct per_cpu *pcpu = per_cpu(i);

		if (alloc_stack(pcpu)) {
			pr_err("SMP: no memory for the stack of cpu%u\n", i);
			continue;
		}
		if (start_ap(pcpu)) {
			online++;
		} else {
			pr_err("SMP: cpu%u (APIC id %u) did not start\n", i, pcpu->apic_id);
			pcpu->state = CPU_OFFLINE;
		}
	}
	return online;
}
