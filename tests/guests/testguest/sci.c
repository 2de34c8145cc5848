// SPDX-License-Identifier: BSD-3-Clause
/*
 * tests=sci: a level-triggered I/O APIC pin, with the ACPI SCI as its source. The guest
 * puts the platform in ACPI mode as an OS does (PM1_CNT.SCI_EN, else ACPI_ENABLE written
 * to SMI_CMD, ACPI 6.5 4.8.2.1 and 16.3.1) and enables the PM timer's overflow event
 * (PM1_EN.TMR_EN): TMR_STS is set, and the SCI asserted, each time bit 23 of the 24-bit
 * PM timer toggles (every 2^23 ticks, about 2.3 s: this test waits up to that long, so
 * it is not in the other platform tests). The SCI's route comes from the FADT (SCI_INT)
 * and the MADT (override; else level, active low). Inside the handler the pin's Remote
 * IRR and the local APIC's TMR bit must be set; the handler clears TMR_STS (the line
 * drops) and sends the EOI, which must clear Remote IRR (82093AA: EOI message).
 */
#include "acpi.h"
#include "apic.h"
#include "check.h"
#include "console.h"
#include "irq.h"
#include "testguest.h"
#include "tsc.h"

#define T "sci"

#define ACPI_ENABLE_MS 300
#define TMR_BIT	       (1u << 23)
#define SLACK_MS       200
#define QUIET_MS       20
#define STORM	       8 /* more than this many SCIs: the pin is masked in the handler */

static struct isa_route route;
static u16 pm1_sts, pm1_en;
static volatile bool rec_remote_irr, rec_tmr, rec_remote_irr_after;
static volatile u16 rec_sts;

static void sci_handler(unsigned int vector)
{
	rec_remote_irr = ioapic_get_entry(route.ioapic, route.pin) & IOAPIC_REMOTE_IRR;
	rec_tmr = apic_vector_bit(APIC_TMR, vector);
	rec_sts = inw(pm1_sts);
	outw(pm1_sts, PM1_STS_TMR); /* write 1 to clear: the SCI line drops */
	if (irq_count(0, vector) >= STORM)
		ioapic_set_entry(route.ioapic, route.pin, irq_route_entry(&route, VEC_SCI, true));
	apic_eoi();
	rec_remote_irr_after = ioapic_get_entry(route.ioapic, route.pin) & IOAPIC_REMOTE_IRR;
}

/* PM1_CNT.SCI_EN, switching to ACPI mode when the FADT says how. */
static bool acpi_mode(const struct platform *p)
{
	u64 start;

	if (inw(p->pm1a_cnt) & PM1_CNT_SCI_EN) {
		check_pass(T, "acpi_mode", "SCI_EN already set");
		return true;
	}
	if (!p->smi_cmd || !p->acpi_enable) {
		check_fail(
			T, "acpi_mode",
			"expected PM1_CNT.SCI_EN set (the FADT has no SMI_CMD/ACPI_ENABLE to switch with), PM1_CNT 0x%x",
			inw(p->pm1a_cnt));
		return false;
	}
	outb((u16)p->smi_cmd, p->acpi_enable);
	for (start = rdtsc(); rdtsc() - start < tsc_ms(ACPI_ENABLE_MS);) {
		if (inw(p->pm1a_cnt) & PM1_CNT_SCI_EN) {
			check_pass(T, "acpi_mode",
				   "SCI_EN set after ACPI_ENABLE 0x%x to SMI_CMD 0x%x",
				   p->acpi_enable, p->smi_cmd);
			return true;
		}
		cpu_pause();
	}
	check_fail(
		T, "acpi_mode",
		"expected PM1_CNT.SCI_EN set within %u ms of writing 0x%x to SMI_CMD 0x%x, PM1_CNT 0x%x",
		ACPI_ENABLE_MS, p->acpi_enable, p->smi_cmd, inw(p->pm1a_cnt));
	return false;
}

static void run(const struct platform *p)
{
	u16 old_en = inw(pm1_en);
	u32 now = inl(p->pm_tmr) & platform_pm_timer_mask(p);
	u64 ms = (u64)(TMR_BIT - (now & (TMR_BIT - 1))) * 1000 / PM_TIMER_HZ + 1;
	u64 limit = tsc_ms(2 * ms + SLACK_MS), start;
	bool arrived;

	irq_set_handler(VEC_SCI, sci_handler);
	outw(pm1_sts, PM1_STS_TMR);
	ioapic_set_entry(route.ioapic, route.pin, irq_route_entry(&route, VEC_SCI, false));
	outw(pm1_en, (u16)(old_en | PM1_EN_TMR));
	start = rdtsc();
	irq_enable();
	arrived = irq_wait(0, VEC_SCI, 1, limit);
	tsc_spin(tsc_ms(QUIET_MS));
	irq_disable();
	outw(pm1_en, (u16)(old_en & ~PM1_EN_TMR));
	outw(pm1_sts, PM1_STS_TMR);
	ioapic_set_entry(route.ioapic, route.pin, irq_route_entry(&route, VEC_SCI, true));
	if (!arrived) {
		check_fail(
			T, "timer_overflow",
			"expected an SCI (GSI %u, pin %u, %s, active %s) when PM timer bit 23 toggles, about %llu ms after 0x%x; none within %llu ms",
			route.gsi, route.pin, route.level ? "level" : "edge",
			route.active_low ? "low" : "high", ms, now, 2 * ms + SLACK_MS);
		return;
	}
	if (rec_sts & PM1_STS_TMR)
		check_pass(T, "timer_overflow",
			   "after %llu ms, expected about %llu (GSI %u, pin %u)",
			   (irq_last_tsc(VEC_SCI) - start) / tsc_ms(1), ms, route.gsi, route.pin);
	else
		check_fail(T, "timer_overflow",
			   "expected PM1_STS.TMR_STS set in the SCI handler, PM1_STS 0x%x",
			   rec_sts);
	if (!route.level) {
		check_skip(T, "level_remote_irr", "the MADT routes the SCI edge-triggered");
	} else {
		check(rec_remote_irr && rec_tmr && !rec_remote_irr_after, T, "level_remote_irr",
		      "expected Remote IRR of pin %u and TMR bit 0x%x set in the handler and Remote IRR clear after its EOI: %u, %u, then %u",
		      route.pin, VEC_SCI, rec_remote_irr, rec_tmr, rec_remote_irr_after);
	}
	check(irq_count(0, VEC_SCI) == 1, T, "once",
	      "expected one SCI per overflow once TMR_STS is cleared, got %u",
	      irq_count(0, VEC_SCI));
}

void test_sci(void)
{
	const struct platform *p = platform();
	char why[160];
	const char *err;

	if (!p->has_fadt || (p->fadt_flags & FADT_F_HW_REDUCED) || !p->pm_tmr || !p->pm1a_evt ||
	    !p->pm1a_cnt || p->pm1_evt_len < 4) {
		check_skip(
			T, "timer_overflow",
			"needs a FADT with PM1a_EVT_BLK, PM1a_CNT_BLK and PM_TMR_BLK (not hardware-reduced)");
		return;
	}
	if (p->fadt_flags & FADT_F_TMR_VAL_EXT) {
		check_skip(T, "timer_overflow", "a 32-bit PM timer overflows every 10 minutes");
		return;
	}
	pm1_sts = p->pm1a_evt;
	pm1_en = (u16)(p->pm1a_evt + p->pm1_evt_len / 2);
	irq_quiesce();
	irq_stray_reset();
	err = irq_use_apic(why, sizeof(why));
	if (!err)
		err = irq_isa_route((u8)p->sci_irq, true, &route, why, sizeof(why));
	if (err) {
		check_fail(T, "timer_overflow", "%s", err);
		return;
	}
	if (acpi_mode(p))
		run(p);
	irq_quiesce();
	irq_set_handler(VEC_SCI, NULL);
	irq_check_stray(T, "stray_interrupts");
}
