// SPDX-License-Identifier: BSD-3-Clause
/*
 * Local APIC driver for the hypervisor's own use. x2APIC mode (MSR access) when the CPU
 * has it, otherwise xAPIC through the MMIO page (SDM Vol 3A 11.4, 11.12). The timer
 * uses TSC-deadline mode when available, else one-shot mode calibrated against the TSC.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/timer.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/trap.h>
#include <asm/tsc.h>

#define APIC_BASE_ADDR	0xfffff000ULL
#define TIMER_DIVIDE_16 0x3
#define CALIBRATE_US	10000

static bool x2apic;
static bool tsc_deadline;
static volatile u8 *xapic_mmio;

bool lapic_x2apic_mode(void)
{
	return x2apic;
}

static u32 lapic_read(u32 reg)
{
	if (x2apic)
		return (u32)msr_read(MSR_X2APIC_BASE + (reg >> 4));
	return mmio_read32(xapic_mmio + reg);
}

static void lapic_write(u32 reg, u32 value)
{
	if (x2apic)
		msr_write(MSR_X2APIC_BASE + (reg >> 4), value);
	else
		mmio_write32(xapic_mmio + reg, value);
}

u32 lapic_read_id(void)
{
	u32 id = lapic_read(APIC_ID);

	return x2apic ? id : id >> 24;
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

void lapic_send_ipi(u32 apic_id, u32 icr_low)
{
	if (x2apic) {
		/* One 64-bit write; no delivery status to poll (SDM Vol 3A 11.12.9). */
		msr_write(MSR_X2APIC_BASE + (APIC_ICR_LOW >> 4), ((u64)apic_id << 32) | icr_low);
		return;
	}
	for (int i = 0; i < 1000000 && (lapic_read(APIC_ICR_LOW) & APIC_DELIVS); i++)
		cpu_relax();
	lapic_write(APIC_ICR_HIGH, apic_id << 24);
	lapic_write(APIC_ICR_LOW, icr_low);
}

static void lapic_timer_irq(struct trap_frame *frame)
{
	this_cpu()->timer_ticks++;
	timer_interrupt();
}

static void lapic_error_irq(struct trap_frame *frame)
{
	u32 esr;

	lapic_write(APIC_ESR, 0);
	esr = lapic_read(APIC_ESR);
	pr_warn("cpu%u: LAPIC error, ESR 0x%x\n", this_cpu_id(), esr);
}

static u64 calibrate_oneshot_khz(void)
{
	u32 elapsed;

	lapic_write(APIC_TIMER_DCR, TIMER_DIVIDE_16);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(APIC_TIMER_ICR, 0xffffffff);
	arch_udelay(CALIBRATE_US);
	elapsed = 0xffffffff - lapic_read(APIC_TIMER_CCR);
	lapic_write(APIC_TIMER_ICR, 0);
	return (u64)elapsed * 1000 / CALIBRATE_US;
}

int lapic_init(void)
{
	struct per_cpu *pcpu = this_cpu();
	u64 base = msr_read(MSR_IA32_APIC_BASE);

	if (pcpu->cpu_id == 0) {
		x2apic = cpu_has_x2apic();
		tsc_deadline = cpu_has_tsc_deadline();
		xapic_mmio = (volatile u8 *)(base & APIC_BASE_ADDR);
		irq_register(VEC_LAPIC_TIMER, lapic_timer_irq);
		irq_register(VEC_LAPIC_ERROR, lapic_error_irq);
	}
	base |= APIC_BASE_EN;
	msr_write(MSR_IA32_APIC_BASE, base);
	if (x2apic)
		msr_write(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);

	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_LINT1, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_ERROR, VEC_LAPIC_ERROR);
	lapic_write(APIC_ESR, 0);
	lapic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	pcpu->apic_id = lapic_read_id();

	if (!tsc_deadline) {
		pcpu->lapic_timer_khz = calibrate_oneshot_khz();
		if (!pcpu->lapic_timer_khz) {
			pr_err("cpu%u: LAPIC timer does not count\n", pcpu->cpu_id);
			return -ENODEV;
		}
	}
	return 0;
}

void lapic_timer_oneshot_us(u64 us)
{
	if (tsc_deadline) {
		lapic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | VEC_LAPIC_TIMER);
		/* The LVT write must be ordered before the deadline write (SDM 11.5.4.1). */
		__asm__ __volatile__("mfence" ::: "memory");
		msr_write(MSR_IA32_TSC_DEADLINE, rdtsc() + us * tsc_khz() / 1000);
		return;
	}
	u64 count = us * this_cpu()->lapic_timer_khz / 1000;

	lapic_write(APIC_TIMER_DCR, TIMER_DIVIDE_16);
	lapic_write(APIC_LVT_TIMER, VEC_LAPIC_TIMER);
	lapic_write(APIC_TIMER_ICR, count ? (count > 0xffffffffULL ? 0xffffffffU : (u32)count) : 1);
}

void lapic_load_guest(const u32 *regs)
{
	static const u32 lvts[] = {APIC_LVT_TIMER, APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR};

	/* x2APIC only: the hypervisor runs the host's APIC in x2APIC mode when it can. */
	msr_write(MSR_IA32_TSC_DEADLINE, 0);
	lapic_write(APIC_TIMER_ICR, 0);
	for (u32 i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		lapic_write(lvts[i], regs[lvts[i] >> 2]);
	lapic_write(APIC_TIMER_DCR, regs[APIC_TIMER_DCR >> 2]);
	lapic_write(APIC_TPR, regs[APIC_TPR >> 2]);
	lapic_write(APIC_SVR, regs[APIC_SVR >> 2]);
	lapic_write(APIC_ESR, 0);
}

void lapic_restore_host(void)
{
	msr_write(MSR_IA32_TSC_DEADLINE, 0);
	lapic_write(APIC_TIMER_ICR, 0);
	/* End whatever the guest left in service (ISR: 8 registers 16 bytes apart). */
	for (int n = 0; n < 256; n++) {
		bool busy = false;

		for (u32 r = 0; r < 8; r++)
			busy |= lapic_read(APIC_ISR + r * 0x10) != 0;
		if (!busy)
			break;
		lapic_eoi();
	}
	lapic_init();
	/* The guest overwrote the timer: program the hypervisor's next deadline again. */
	timer_interrupt();
}

void arch_timer_set_deadline(u64 deadline)
{
	if (!deadline) {
		lapic_timer_stop();
		return;
	}
	if (tsc_deadline) {
		lapic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | VEC_LAPIC_TIMER);
		__asm__ __volatile__("mfence" ::: "memory");
		msr_write(MSR_IA32_TSC_DEADLINE, deadline);
		return;
	}
	u64 now = rdtsc();
	u64 ticks = deadline > now ? deadline - now : 0;
	u64 count = ticks * this_cpu()->lapic_timer_khz / tsc_khz();

	lapic_write(APIC_TIMER_DCR, TIMER_DIVIDE_16);
	lapic_write(APIC_LVT_TIMER, VEC_LAPIC_TIMER);
	lapic_write(APIC_TIMER_ICR, count ? (count > 0xffffffffULL ? 0xffffffffU : (u32)count) : 1);
}

void lapic_timer_stop(void)
{
	if (tsc_deadline)
		msr_write(MSR_IA32_TSC_DEADLINE, 0);
	else
		lapic_write(APIC_TIMER_ICR, 0);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_LAPIC_TIMER);
}

const char *lapic_timer_mode_name(void)
{
	return tsc_deadline ? "TSC-deadline" : "one-shot";
}
