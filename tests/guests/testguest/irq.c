// SPDX-License-Identifier: BSD-3-Clause
#include "irq.h"
#include "acpi.h"
#include "apic.h"
#include "check.h"
#include "console.h"
#include "isa.h"
#include "tsc.h"

#define VECTORS 256

u8 ap_stacks[IRQ_MAX_CPUS - 1][AP_STACK_SIZE] __attribute__((aligned(16)));

static irq_handler handlers[VECTORS];
static volatile u32 counts[IRQ_MAX_CPUS][VECTORS];
static volatile u64 last_tsc[VECTORS];
static volatile u32 stray_count, stray_vector, spurious_count;
static volatile struct ap_fault first_ap_fault = {.vector = -1};

void irq_set_handler(unsigned int vector, irq_handler fn)
{
	if (vector < VECTORS)
		handlers[vector] = fn;
}

void irq_lapic_eoi(unsigned int vector)
{
	(void)vector;
	apic_eoi();
}

unsigned int this_cpu(void)
{
	u64 sp, base = (u64)(size_t)ap_stacks;

	asm volatile("mov %%rsp, %0" : "=r"(sp));
	if (sp > base && sp <= base + sizeof(ap_stacks))
		return 1 + (unsigned int)((sp - base - 1) / AP_STACK_SIZE);
	return 0;
}

u32 irq_count(unsigned int cpu, unsigned int vector)
{
	return cpu < IRQ_MAX_CPUS && vector < VECTORS ? counts[cpu][vector] : 0;
}

u64 irq_last_tsc(unsigned int vector)
{
	return vector < VECTORS ? last_tsc[vector] : 0;
}

bool irq_wait(unsigned int cpu, unsigned int vector, u32 target, u64 timeout)
{
	u64 start = rdtsc();

	while (irq_count(cpu, vector) < target) {
		if (rdtsc() - start > timeout)
			return irq_count(cpu, vector) >= target;
		cpu_pause();
	}
	return true;
}

bool irq_rate_check(unsigned int vector, u64 window_ms, u32 expected, char *seen, size_t size)
{
	size_t len = 0;
	u32 got = 0;

	for (unsigned int attempt = 0; attempt < TIMING_ATTEMPTS; attempt++) {
		u32 before = irq_count(0, vector);

		irq_enable();
		tsc_spin(tsc_ms(window_ms));
		irq_disable();
		got = irq_count(0, vector) - before;
		len += (size_t)tg_snprintf(seen + len, size - len, "%s%u", len ? ", " : "", got);
		if (got * 2 >= expected && got <= expected * 2)
			return true;
	}
	return false;
}

static bool is_spurious(unsigned int v)
{
	return v == VEC_APIC_SPURIOUS || v == VEC_PIC_SPURIOUS_M || v == VEC_PIC_SPURIOUS_S;
}

bool irq_dispatch(struct trap_frame *tf)
{
	unsigned int v = (unsigned int)tf->vector, cpu;
	u64 now = rdtsc();

	if (v >= VECTORS || (v < 32 && !(v == VEC_NMI && handlers[v])))
		return false;
	cpu = this_cpu();
	if (handlers[v]) {
		handlers[v](v);
	} else if (is_spurious(v)) {
		/* Not in service anywhere: no EOI (SDM Vol 3A 11.9; 8259A: no ISR bit). */
		spurious_count++;
	} else {
		stray_count++;
		stray_vector = v;
		if (apic.enabled && apic_vector_bit(APIC_ISR, v))
			apic_eoi();
	}
	last_tsc[v] = now;
	counts[cpu][v]++;
	return true;
}

void irq_ap_exception(const struct trap_frame *tf)
{
	if (first_ap_fault.vector < 0) {
		first_ap_fault.rip = tf->rip;
		first_ap_fault.cpu = this_cpu();
		first_ap_fault.vector = (int)tf->vector;
	}
	halt_forever();
}

struct ap_fault irq_ap_fault(void)
{
	struct ap_fault f = {.vector = first_ap_fault.vector,
			     .rip = first_ap_fault.rip,
			     .cpu = first_ap_fault.cpu};

	return f;
}

void irq_quiesce(void)
{
	const struct platform *p = platform();
	unsigned int i;

	irq_disable();
	/* A BIOS leaves the 8259s at vectors 0x08/0x70: an IRQ there would look like #DF. */
	pic_init(VEC_PIC_MASTER, VEC_PIC_SLAVE, 0xff, 0xff);
	for (i = 0; i < p->ioapic_count; i++)
		ioapic_mask_all(p->ioapics[i].addr);
	if (apic.enabled)
		apic_reset_local();
}

void irq_stray_reset(void)
{
	stray_count = 0;
	stray_vector = 0;
	spurious_count = 0;
}

void irq_check_stray(const char *test, const char *check_name)
{
	if (stray_count)
		check_fail(
			test, check_name,
			"expected no interrupt on a vector without a handler, got %u (the last on vector 0x%x)",
			stray_count, stray_vector);
	else if (spurious_count)
		check_pass(test, check_name, "%u spurious", spurious_count);
	else
		check_ok(test, check_name);
}

const char *irq_use_apic(char *why, size_t size)
{
	bool x2apic;
	const char *err;

	if (apic.enabled)
		return NULL;
	err = apic_choose(&x2apic);
	if (!err)
		err = apic_enable(x2apic, why, size);
	if (!err)
		apic_reset_local();
	return err;
}

const char *irq_isa_route(u8 irq, bool sci, struct isa_route *r, char *why, size_t size)
{
	const struct platform *p = platform();
	const struct acpi_ioapic *io;
	u16 polarity, trigger;

	if (!p->ioapic_count) {
		tg_snprintf(why, size, "no I/O APIC in the MADT%s%s", p->why[0] ? ": " : "",
			    p->why);
		return why;
	}
	r->irq = irq;
	r->gsi = platform_isa_gsi(p, irq, &r->flags);
	io = platform_ioapic_for(p, r->gsi);
	if (!io) {
		tg_snprintf(why, size, "no I/O APIC in the MADT serves GSI %u (IRQ %u)", r->gsi,
			    irq);
		return why;
	}
	r->ioapic = io->addr;
	r->pin = r->gsi - io->gsi_base;
	polarity = r->flags & MPS_POLARITY_MASK;
	trigger = r->flags & MPS_TRIGGER_MASK;
	r->active_low = polarity ? polarity == MPS_POLARITY_LOW : sci;
	r->level = trigger ? trigger == MPS_TRIGGER_LEVEL : sci;
	return NULL;
}

u64 irq_route_entry(const struct isa_route *r, u8 vector, bool masked)
{
	u64 entry = vector | ((u64)(apic_id() & 0xff) << IOAPIC_DEST_SHIFT);

	if (r->active_low)
		entry |= IOAPIC_POLARITY_LOW;
	if (r->level)
		entry |= IOAPIC_LEVEL;
	if (masked)
		entry |= IOAPIC_MASKED;
	return entry;
}
