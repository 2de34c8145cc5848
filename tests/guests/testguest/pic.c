// SPDX-License-Identifier: BSD-3-Clause
/*
 * tests=pic: the dual 8259A in the PC's classic setup (ICW1-ICW4: edge, cascade on IRQ 2,
 * vectors 0x20/0x28, 8086 mode, normal EOI), IRQ 0 the only one unmasked, the PIT at
 * 1 kHz (mode 2). Interrupts reach the CPU through the local APIC's LINT0 in ExtINT mode
 * ("virtual wire", SDM Vol 3A 11.5.1; MultiProcessor Specification 1.4, 3.6.2.2) with
 * every I/O APIC pin masked. The handler reads the ISR through OCW3 before and after its
 * non-specific EOI (OCW2); without an EOI, IRQ 0 stays in service and nothing more comes;
 * a masked IRQ 0 still shows in the IRR (OCW3) and arrives once unmasked.
 */
#include "apic.h"
#include "check.h"
#include "console.h"
#include "irq.h"
#include "isa.h"
#include "testguest.h"
#include "tsc.h"

#define T "pic"

#define PIT_RATE_HZ 1000
#define WINDOW_MS   100
#define WAIT_MS	    20 /* for one interrupt (a 1 ms period) */
#define BLOCKED_MS  10
#define MASKED_MS   5
#define MASTER_MASK 0xfe /* IRQ 0 only */
#define SLAVE_MASK  0xff
#define IRQ0	    BIT(0)

static volatile bool skip_eoi, isr_before, isr_after;

static void pic_handler(unsigned int vector)
{
	(void)vector;
	isr_before = pic_master_isr() & IRQ0;
	if (skip_eoi)
		return;
	pic_master_eoi();
	isr_after = pic_master_isr() & IRQ0;
}

static void check_blocking(void)
{
	u32 n;
	bool blocked, in_service, resumed;

	/* One interrupt without EOI: IRQ 0 stays in service (8259A data sheet, "EOI"). */
	skip_eoi = true;
	n = irq_count(0, VEC_PIC_MASTER);
	irq_enable();
	irq_wait(0, VEC_PIC_MASTER, n + 1, tsc_ms(WAIT_MS));
	skip_eoi = false;
	n = irq_count(0, VEC_PIC_MASTER);
	tsc_spin(tsc_ms(BLOCKED_MS));
	irq_disable();
	blocked = irq_count(0, VEC_PIC_MASTER) == n;
	in_service = pic_master_isr() & IRQ0;
	pic_master_eoi();
	irq_enable();
	resumed = irq_wait(0, VEC_PIC_MASTER, irq_count(0, VEC_PIC_MASTER) + 1, tsc_ms(WAIT_MS));
	irq_disable();
	check(blocked && in_service && resumed, T, "no_eoi_blocks",
	      "expected IRQ 0 to stay in service without an EOI (no interrupt for %u ms, ISR bit 0 set) and to come again after one: %s, ISR bit 0 %s, %s after the EOI",
	      BLOCKED_MS, blocked ? "none came" : "more came", in_service ? "set" : "clear",
	      resumed ? "it came" : "none came");
}

static void check_masked_irr(void)
{
	bool irr, none, arrived;
	u32 n;

	pic_set_masks(MASTER_MASK | IRQ0, SLAVE_MASK);
	irq_enable();
	tsc_spin(tsc_ms(WAIT_MS)); /* one already accepted may still come */
	n = irq_count(0, VEC_PIC_MASTER);
	tsc_spin(tsc_ms(MASKED_MS));
	none = irq_count(0, VEC_PIC_MASTER) == n;
	irq_disable();
	irr = pic_master_irr() & IRQ0;
	pic_set_masks(MASTER_MASK, SLAVE_MASK);
	irq_enable();
	arrived = irq_wait(0, VEC_PIC_MASTER, n + 1, tsc_ms(WAIT_MS));
	irq_disable();
	check(none && irr && arrived, T, "masked_irq_in_irr",
	      "expected a masked IRQ 0 to raise no interrupt for %u ms but show in the IRR, and to arrive once unmasked: %s, IRR bit 0 %s, %s",
	      MASKED_MS, none ? "none came" : "some came", irr ? "set" : "clear",
	      arrived ? "it came" : "none came after unmasking");
}

static void run(void)
{
	u32 expected = PIT_RATE_HZ * WINDOW_MS / 1000;
	char seen[64];
	u8 mask;

	pic_init(VEC_PIC_MASTER, VEC_PIC_SLAVE, MASTER_MASK, SLAVE_MASK);
	mask = pic_master_mask();
	check(mask == MASTER_MASK, T, "init",
	      "expected the master's IMR to read 0x%x after ICW1-4 and OCW1, read 0x%x",
	      MASTER_MASK, mask);
	apic_write(APIC_LVT_LINT0, APIC_DM_EXTINT);
	isr_before = false;
	isr_after = true;
	pit_rate_generator(PIT_HZ / PIT_RATE_HZ);
	if (irq_rate_check(VEC_PIC_MASTER, WINDOW_MS, expected, seen, sizeof(seen)))
		check_pass(T, "extint_interrupts",
			   "%s in %u ms, expected about %u (PIT %u Hz, IRQ 0, LINT0 ExtINT)", seen,
			   WINDOW_MS, expected, PIT_RATE_HZ);
	else
		check_fail(
			T, "extint_interrupts",
			"expected about %u interrupts (within a factor of 2) on vector 0x%x in %u ms (PIT %u Hz, IRQ 0 through LINT0 ExtINT), counted %s",
			expected, VEC_PIC_MASTER, WINDOW_MS, PIT_RATE_HZ, seen);
	if (irq_count(0, VEC_PIC_MASTER)) {
		check(isr_before, T, "isr_in_handler",
		      "expected ISR bit 0 set (OCW3) inside the handler of IRQ 0, it was clear");
		check(!isr_after, T, "eoi_clears_isr",
		      "expected ISR bit 0 clear (OCW3) after the handler's EOI, it was set");
		check_blocking();
		check_masked_irr();
	}
	pic_set_masks(0xff, 0xff);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	pit_rate_generator(PIT_BIOS_DIVISOR);
}

void test_pic(void)
{
	char why[160];
	const char *err;

	irq_quiesce();
	irq_stray_reset();
	err = irq_use_apic(why, sizeof(why));
	if (err) {
		check_fail(T, "extint_interrupts", "cannot use the local APIC's LINT0: %s", err);
		return;
	}
	irq_set_handler(VEC_PIC_MASTER, pic_handler);
	run();
	irq_quiesce();
	irq_set_handler(VEC_PIC_MASTER, NULL);
	irq_check_stray(T, "stray_interrupts");
}
