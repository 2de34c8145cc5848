// SPDX-License-Identifier: BSD-3-Clause
/*
 * shutdown=s5: ACPI S5 soft-off as an OS requests it (ACPI 6.5, 7.4.2 and 16.1.7):
 * SLP_TYPa from the \_S5 package (acpi.h), with SLP_EN, written to PM1a_CNT in one write
 * (and SLP_TYPb to PM1b_CNT first, when there is one). The other PM1_CNT bits (SCI_EN)
 * are kept. QEMU powers off; Bulkhead stops the VM.
 */
#include "acpi.h"
#include "check.h"
#include "console.h"
#include "testguest.h"
#include "uart.h"

#define SHUTDOWN_GRACE_SPINS 20000000

static u16 slp_value(u16 port, u8 slp_typ)
{
	u16 cnt = inw(port) & (u16) ~(PM1_CNT_SLP_TYP_MASK | PM1_CNT_SLP_EN);

	return (u16)(cnt | ((slp_typ & 7) << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN);
}

/* What S5 needs and the platform lacks, or NULL. */
static const char *s5_missing(const struct platform *p)
{
	if (!p->has_fadt)
		return "no FADT";
	if (!p->pm1a_cnt)
		return "no PM1a_CNT_BLK in the FADT";
	if (!p->has_s5)
		return "no \\_S5 package in the DSDT or an SSDT";
	return NULL;
}

void shutdown_step(void)
{
	const struct platform *p = platform();
	const char *method = shutdown_method_name(cfg.shutdown);
	u16 value;

	if (s5_missing(p)) {
		check_fail("shutdown", method, "cannot request S5: %s%s%s", s5_missing(p),
			   p->why[0] ? ", " : "", p->why);
		return;
	}
	value = slp_value(p->pm1a_cnt, p->slp_typ_a);
	say("shutdown: requesting S5: SLP_TYPa %u | SLP_EN to PM1a_CNT 0x%x (0x%x)", p->slp_typ_a,
	    p->pm1a_cnt, value);
	uart_flush(COM1_BASE); /* the line above must be out before the power goes */
	if (p->pm1b_cnt)
		outw(p->pm1b_cnt, slp_value(p->pm1b_cnt, p->slp_typ_b));
	outw(p->pm1a_cnt, value);
	for (unsigned long i = 0; i < SHUTDOWN_GRACE_SPINS; i++)
		cpu_pause();
	check_fail("shutdown", method, "still running after writing 0x%x to PM1a_CNT 0x%x", value,
		   p->pm1a_cnt);
}
