/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ACPI fixed hardware a VM's FADT describes (vPM, ACPI 6.5 section 4.8): the PM1a
 * event block at VPLAT_PM1A_EVT_BLK (PM1_STS, then PM1_EN, 2 bytes each), the PM1a control
 * block at VPLAT_PM1A_CNT_BLK (PM1_CNT, 2 bytes) and the 24-bit PM timer at
 * VPLAT_PM_TMR_BLK (4 bytes). The SCI (VPLAT_SCI_IRQ, level-triggered, active high) is a
 * level handed to an irq_line_fn; a sleep request (SLP_EN) is handed to a callback.
 *
 * Model, where the specification leaves a choice:
 * - The VM has no SMI command port, so it is always in ACPI mode: PM1_CNT.SCI_EN reads 1
 *   and ignores writes. BM_RLD and SLP_TYP read back as written; GBL_RLS and SLP_EN are
 *   write-only and read 0.
 * - PM1_STS: TMR_STS (bit 0), PWRBTN_STS (bit 8) and WAK_STS (bit 15) are implemented,
 *   and are cleared by writing 1; the other status bits never set. PM1_EN keeps the
 *   enables the specification defines (TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN,
 *   PCIEXP_WAKE_DIS), so an OS that reads back what it enabled finds it; only TMR_EN
 *   and PWRBTN_EN have events behind them.
 * - The PM timer counts at VPM_TIMER_HZ from the host TSC (timer_now()), from 0 at
 *   vpm_init(), and runs on across vpm_reset(). TMR_STS is set whenever its bit 23 changes
 *   (every 2^23 ticks, 2.34 s), worked out whenever the model is looked at; a one-shot
 *   hv_timer is armed for the next change only while TMR_EN is set and TMR_STS clear.
 * - The SCI is asserted while (TMR_STS and TMR_EN) or (PWRBTN_STS and PWRBTN_EN).
 * - A write with SLP_EN set calls sleep(ctx, SLP_TYP) once the lock is dropped; the caller
 *   stops the VM for VPLAT_SLP_TYP_S5 and may ignore other types. WAK_STS is set by the
 *   same write, so a guest whose sleep is not carried out sees itself woken at once
 *   (Linux polls WAK_STS after SLP_EN) instead of spinning.
 * - Byte, word and dword accesses inside a block reach its bytes in address order, as
 *   the ACPI generic register model allows (a dword read of PM1_STS at the event block
 *   returns PM1_EN in bits 31:16); a PM timer read is one snapshot. Bytes outside the
 *   blocks read 0xff and ignore writes.
 * - vpm_reset(): PM1_STS, PM1_EN and PM1_CNT back to 0 (SCI_EN still reads 1), the SCI
 *   drops, the timer stops.
 *
 * Lock rule: the vPM's spinlock is taken with interrupts off for one register access, one
 * timer callback, a power button press or a reset; hv_timer calls are made under it. sci
 * and sleep are never called with it held; calls to sci for one vPM never overlap and end
 * with the latest level (as the vUART).
 */
#ifndef BULKHEAD_VPM_H
#define BULKHEAD_VPM_H

#include <bulkhead/io_bus.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/timer.h>
#include <bulkhead/types.h>
#include <bulkhead/virq.h>

#define VPM_TIMER_HZ	3579545 /* ACPI PM timer frequency */
#define VPM_PM1_EVT_LEN 4
#define VPM_PM1_CNT_LEN 2
#define VPM_PM_TMR_LEN	4

/* A guest's sleep request: slp_typ is PM1_CNT.SLP_TYP (VPLAT_SLP_TYP_S5 for soft-off). */
typedef void (*vpm_sleep_fn)(void *ctx, u32 slp_typ);

/* Embedded in its owner (the VM). Fields are private to dm/vpm.c. */
struct vpm {
	spinlock_t lock;
	u16 pm1_sts; /* TMR_STS, PWRBTN_STS, WAK_STS */
	u16 pm1_en;
	u16 pm1_cnt;   /* BM_RLD and SLP_TYP as written */
	u64 tmr_epoch; /* host TSC at which the PM timer read 0 */
	u64 synced;    /* host TSC up to which bit 23 changes are latched in TMR_STS */

	struct irq_line sci; /* not connected: no SCI */
	vpm_sleep_fn sleep;  /* NULL: sleep requests only set WAK_STS */
	void *sleep_ctx;

	struct hv_timer timer;
	u64 timer_deadline; /* the deadline it was last started with */
};

/*
 * Sets up pm: registers 0, the PM timer at 0. sci (NULL: none) gets the SCI level, sleep
 * (NULL: none) the sleep requests, both with ctx; the timer runs on physical CPU
 * timer_cpu.
 */
void vpm_init(struct vpm *pm, irq_line_fn sci, vpm_sleep_fn sleep, void *ctx, u32 timer_cpu);
/* Registers the three blocks. Returns 0 or io_bus_register()'s error (nothing stays). */
int vpm_attach(struct vpm *pm, struct io_bus *pio);
/* Back to the state after vpm_init() but for the PM timer; stops the timer. VM reset. */
void vpm_reset(struct vpm *pm);
/* A press of the fixed power button: sets PWRBTN_STS (an SCI if PWRBTN_EN is set). */
void vpm_power_button(struct vpm *pm);

#endif
