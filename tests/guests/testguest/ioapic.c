// SPDX-License-Identifier: BSD-3-Clause
/*
 * tests=ioapic: the I/O APIC the MADT names (82093AA data sheet; ACPI 6.5 5.2.12.3), with
 * the 8254 PIT as the interrupt source. ISA IRQ 0 arrives on the GSI the MADT's interrupt
 * source override names (GSI 2 on QEMU and Bulkhead); the guest programs that pin to
 * VEC_IOAPIC_PIT, fixed, physical to the boot CPU, runs PIT channel 0 as a 1 kHz rate
 * generator (mode 2) and counts interrupts over a TSC-measured window (within a factor of
 * 2, tried up to TIMING_ATTEMPTS times); a masked pin then delivers nothing. The 8259s
 * stay masked throughout (irq_quiesce()).
 */
#include "acpi.h"
#include "apic.h"
#include "check.h"
#include "console.h"
#include "irq.h"
#include "isa.h"
#include "testguest.h"
#include "tsc.h"

#define T "ioapic"

#define PIT_RATE_HZ    1000
#define WINDOW_MS      100
#define MASK_SETTLE_MS 2
#define MASK_QUIET_MS  30
/*
 * Writable fields: vector, delivery and destination mode, polarity, trigger, mask and the
 * destination (delivery status and Remote IRR are read-only).
 */
#define ENTRY_RW_MASK                                                    \
	(0xffULL | (7ULL << 8) | BIT(11) | BIT(13) | BIT(15) | BIT(16) | \
	 (0xffULL << IOAPIC_DEST_SHIFT))

static void check_registers(const struct acpi_ioapic *io)
{
	u32 version = ioapic_read(io->addr, IOAPIC_REG_VERSION);
	u32 id = (ioapic_read(io->addr, IOAPIC_REG_ID) >> 24) & 0xf;
	unsigned int ver = version & 0xff, entries = ((version >> 16) & 0xff) + 1;

	if (ver >= 0x10 && ver <= 0x2f && entries >= 16 && entries <= 240)
		check_pass(T, "version", "version 0x%x, %u redirection entries", ver, entries);
	else
		check_fail(
			T, "version",
			"expected an I/O APIC version 0x10-0x2f with 16 to 240 redirection entries at 0x%x, read 0x%x",
			io->addr, version);
	check(id == (io->id & 0xfu), T, "id", "expected I/O APIC ID %u (MADT), read %u", io->id,
	      id);
}

static bool check_entry_rw(const struct isa_route *r, u64 entry)
{
	u64 seen;

	ioapic_set_entry(r->ioapic, r->pin, entry);
	seen = ioapic_get_entry(r->ioapic, r->pin);
	return check(
		(seen & ENTRY_RW_MASK) == (entry & ENTRY_RW_MASK), T, "redirection_entry",
		"expected pin %u to read back 0x%016llx (in its writable bits), read 0x%016llx",
		r->pin, entry, seen);
}

static void check_pit(const struct isa_route *r)
{
	u32 expected = PIT_RATE_HZ * WINDOW_MS / 1000, before, after;
	char seen[64];

	irq_set_handler(VEC_IOAPIC_PIT, irq_lapic_eoi);
	pit_rate_generator(PIT_HZ / PIT_RATE_HZ);
	ioapic_set_entry(r->ioapic, r->pin, irq_route_entry(r, VEC_IOAPIC_PIT, false));
	if (irq_rate_check(VEC_IOAPIC_PIT, WINDOW_MS, expected, seen, sizeof(seen)))
		check_pass(T, "pit_interrupts",
			   "%s in %u ms, expected about %u (PIT %u Hz, IRQ 0 -> GSI %u, pin %u)",
			   seen, WINDOW_MS, expected, PIT_RATE_HZ, r->gsi, r->pin);
	else
		check_fail(
			T, "pit_interrupts",
			"expected about %u interrupts (within a factor of 2) in %u ms from the PIT at %u Hz on GSI %u (pin %u), counted %s",
			expected, WINDOW_MS, PIT_RATE_HZ, r->gsi, r->pin, seen);

	ioapic_set_entry(r->ioapic, r->pin, irq_route_entry(r, VEC_IOAPIC_PIT, true));
	irq_enable();
	tsc_spin(tsc_ms(MASK_SETTLE_MS)); /* one already on its way may still come */
	before = irq_count(0, VEC_IOAPIC_PIT);
	tsc_spin(tsc_ms(MASK_QUIET_MS));
	irq_disable();
	after = irq_count(0, VEC_IOAPIC_PIT);
	check(after == before, T, "masked",
	      "expected no interrupt in %u ms with pin %u masked (PIT still at %u Hz), got %u",
	      MASK_QUIET_MS, r->pin, PIT_RATE_HZ, after - before);
	pit_rate_generator(PIT_BIOS_DIVISOR);
	irq_set_handler(VEC_IOAPIC_PIT, NULL);
}

void test_ioapic(void)
{
	const struct platform *p = platform();
	struct isa_route r;
	char why[160];
	const char *err;

	irq_quiesce();
	irq_stray_reset();
	if (!p->ioapic_count) {
		check_fail(T, "version", "expected an I/O APIC in the MADT%s%s",
			   p->why[0] ? ": " : "", p->why);
		return;
	}
	check_registers(&p->ioapics[0]);
	err = irq_use_apic(why, sizeof(why));
	if (!err)
		err = irq_isa_route(0, false, &r, why, sizeof(why));
	if (err) {
		check_fail(T, "pit_interrupts", "%s", err);
		return;
	}
	if (check_entry_rw(&r, irq_route_entry(&r, VEC_IOAPIC_PIT, true)))
		check_pit(&r);
	irq_quiesce();
	irq_check_stray(T, "stray_interrupts");
}
