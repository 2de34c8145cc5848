// SPDX-License-Identifier: BSD-3-Clause
#include "apic.h"
#include "console.h"
#include "testguest.h"

#define ICR_PENDING_SPINS 100000
#define EOI_DRAIN_MAX	  256
#define IOAPIC_IOREGSEL	  0x00
#define IOAPIC_IOWIN	  0x10
#define IOAPIC_PINS_MAX	  240

struct apic_state apic;

bool apic_has_x2apic(void)
{
	return cpuid(1).ecx & CPUID1_ECX_X2APIC;
}

const char *apic_choose(bool *x2apic)
{
	bool has = apic_has_x2apic();

	*x2apic = cfg.apic == APIC_X2APIC || (cfg.apic == APIC_AUTO && has);
	if (*x2apic && !has)
		return "apic=x2apic, but CPUID.1:ECX bit 21 (x2APIC) is clear";
	return NULL;
}

const char *apic_enable(bool x2apic, char *why, size_t size)
{
	u64 base = 0, readback = 0;
	struct fault f;
	char what[32];

	if (x2apic && !apic_has_x2apic())
		return "CPUID.1:ECX bit 21 (x2APIC) is clear";
	f = probe_rdmsr(MSR_IA32_APIC_BASE, &base);
	if (!fault_none(f)) {
		tg_snprintf(why, size, "RDMSR IA32_APIC_BASE raised %s",
			    fault_describe(f, what, sizeof(what)));
		return why;
	}
	/* Valid transitions only (11.12.5): x2APIC -> disabled -> xAPIC -> x2APIC. */
	if (!x2apic && (base & APIC_BASE_EXTD)) {
		base &= ~(APIC_BASE_EN | APIC_BASE_EXTD);
		f = probe_wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (fault_none(f) && !(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		f = probe_wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (fault_none(f) && x2apic && !(base & APIC_BASE_EXTD)) {
		base |= APIC_BASE_EXTD;
		f = probe_wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (!fault_none(f)) {
		tg_snprintf(why, size, "writing IA32_APIC_BASE 0x%llx (%s mode) raised %s", base,
			    x2apic ? "x2APIC" : "xAPIC", fault_describe(f, what, sizeof(what)));
		return why;
	}
	/* An APIC that was disabled may refuse to come back (QEMU and Bochs do). */
	f = probe_rdmsr(MSR_IA32_APIC_BASE, &readback);
	if (!fault_none(f) || (readback & (APIC_BASE_EN | APIC_BASE_EXTD)) !=
				      (base & (APIC_BASE_EN | APIC_BASE_EXTD))) {
		tg_snprintf(why, size, "IA32_APIC_BASE reads 0x%llx after writing 0x%llx (%s mode)",
			    readback, base, x2apic ? "x2APIC" : "xAPIC");
		return why;
	}
	apic.x2apic = x2apic;
	apic.mmio = base & APIC_BASE_ADDR;
	if (x2apic)
		f = probe_wrmsr(X2APIC_MSR_BASE + (APIC_SVR >> 4), APIC_SVR_VALUE);
	else
		f = probe_write32(apic.mmio + APIC_SVR, APIC_SVR_VALUE);
	if (!fault_none(f)) {
		tg_snprintf(why, size, "enabling the APIC in its SVR (%s 0x%llx) raised %s",
			    x2apic ? "MSR" : "MMIO",
			    x2apic ? (u64)(X2APIC_MSR_BASE + (APIC_SVR >> 4))
				   : apic.mmio + APIC_SVR,
			    fault_describe(f, what, sizeof(what)));
		return why;
	}
	apic.enabled = true;
	return NULL;
}

u32 apic_read(u32 reg)
{
	if (apic.x2apic)
		return (u32)rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return *(volatile u32 *)(size_t)(apic.mmio + reg);
}

void apic_write(u32 reg, u32 value)
{
	if (apic.x2apic)
		wrmsr(X2APIC_MSR_BASE + (reg >> 4), value);
	else
		*(volatile u32 *)(size_t)(apic.mmio + reg) = value;
}

u32 apic_id(void)
{
	u32 id = apic_read(APIC_ID);

	return apic.x2apic ? id : id >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

bool apic_vector_bit(u32 base, unsigned int vector)
{
	return apic_read(base + (vector / 32) * 0x10) & (1u << (vector % 32));
}

int apic_highest_isr(void)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 isr = apic_read(APIC_ISR + (u32)i * 0x10);

		if (isr)
			return i * 32 + 31 - __builtin_clz(isr);
	}
	return -1;
}

void apic_reset_local(void)
{
	static const u32 lvts[] = {APIC_LVT_TIMER, APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR};
	unsigned int i, max_lvt = (apic_read(APIC_VERSION) >> 16) & 0xff;

	for (i = 0; i < ARRAY_SIZE(lvts); i++)
		apic_write(lvts[i], APIC_LVT_MASKED);
	/* Thermal (LVT 5) and performance counters (LVT 4) exist when the version says so. */
	if (max_lvt >= 4)
		apic_write(APIC_LVT_PERF, APIC_LVT_MASKED);
	if (max_lvt >= 5)
		apic_write(APIC_LVT_THERM, APIC_LVT_MASKED);
	apic_write(APIC_TIMER_ICR, 0);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_ESR, 0);
	/* What an abandoned test left in service (a handler that never ended). */
	for (i = 0; i < EOI_DRAIN_MAX && apic_highest_isr() >= 0; i++)
		apic_eoi();
}

/* xAPIC: waits (bounded) until the previous IPI left; false when it did not. */
static bool xapic_idle(struct fault *f)
{
	u32 icr = 0;

	for (unsigned int i = 0; i < ICR_PENDING_SPINS; i++) {
		*f = probe_read32(apic.mmio + APIC_ICR, &icr);
		if (!fault_none(*f) || !(icr & APIC_ICR_PENDING))
			return true;
		cpu_pause();
	}
	return false;
}

static const char *ipi_name(u32 icr)
{
	switch (icr & APIC_DM_MASK) {
	case APIC_DM_INIT:
		return "INIT";
	case APIC_DM_STARTUP:
		return "STARTUP";
	case APIC_DM_NMI:
		return "NMI";
	default:
		return "IPI";
	}
}

const char *apic_send_ipi(u32 dest, u32 icr, char *why, size_t size)
{
	const char *name = ipi_name(icr);
	struct fault f = {.vector = FAULT_NONE};
	char what[32];

	if (apic.x2apic) {
		f = probe_wrmsr(X2APIC_MSR_BASE + (APIC_ICR >> 4), ((u64)dest << 32) | icr);
	} else {
		if (!xapic_idle(&f)) {
			tg_snprintf(why, size, "xAPIC ICR still busy before %s", name);
			return why;
		}
		if (fault_none(f))
			f = probe_write32(apic.mmio + APIC_ICR_HI, dest << 24);
		if (fault_none(f))
			f = probe_write32(apic.mmio + APIC_ICR, icr);
		if (fault_none(f) && !xapic_idle(&f)) {
			tg_snprintf(why, size, "xAPIC ICR still busy after %s", name);
			return why;
		}
	}
	if (fault_none(f))
		return NULL;
	tg_snprintf(why, size, "sending %s through %s raised %s", name,
		    apic.x2apic ? "the x2APIC ICR (MSR 0x830)" : "the xAPIC ICR (MMIO)",
		    fault_describe(f, what, sizeof(what)));
	return why;
}

u32 ioapic_read(u64 base, u32 reg)
{
	*(volatile u32 *)(size_t)(base + IOAPIC_IOREGSEL) = reg;
	return *(volatile u32 *)(size_t)(base + IOAPIC_IOWIN);
}

void ioapic_write(u64 base, u32 reg, u32 value)
{
	*(volatile u32 *)(size_t)(base + IOAPIC_IOREGSEL) = reg;
	*(volatile u32 *)(size_t)(base + IOAPIC_IOWIN) = value;
}

u64 ioapic_get_entry(u64 base, unsigned int pin)
{
	u32 lo = ioapic_read(base, IOAPIC_REG_REDIR + 2 * pin);
	u32 hi = ioapic_read(base, IOAPIC_REG_REDIR + 2 * pin + 1);

	return ((u64)hi << 32) | lo;
}

void ioapic_set_entry(u64 base, unsigned int pin, u64 entry)
{
	/* Masked while the halves disagree. */
	ioapic_write(base, IOAPIC_REG_REDIR + 2 * pin, IOAPIC_MASKED);
	ioapic_write(base, IOAPIC_REG_REDIR + 2 * pin + 1, (u32)(entry >> 32));
	ioapic_write(base, IOAPIC_REG_REDIR + 2 * pin, (u32)entry);
}

void ioapic_mask_all(u64 base)
{
	unsigned int pins = ((ioapic_read(base, IOAPIC_REG_VERSION) >> 16) & 0xff) + 1, pin;

	if (pins > IOAPIC_PINS_MAX)
		pins = IOAPIC_PINS_MAX;
	for (pin = 0; pin < pins; pin++)
		ioapic_write(base, IOAPIC_REG_REDIR + 2 * pin,
			     ioapic_read(base, IOAPIC_REG_REDIR + 2 * pin) | IOAPIC_MASKED);
}
