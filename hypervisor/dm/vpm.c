// SPDX-License-Identifier: BSD-3-Clause
/*
 * ACPI fixed hardware: PM1a event and control blocks and the PM timer (ACPI 6.5 sections
 * 4.8.2 and 4.8.3). The model and the lock rule are described in bulkhead/vpm.h.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/vplatform.h>
#include <bulkhead/vpm.h>

/* PM1_STS and PM1_EN (ACPI 6.5 Tables 4.16-4.19). */
#define TMR_STS		0x0001
#define PWRBTN_STS	0x0100
#define WAK_STS		0x8000
#define STS_IMPLEMENTED (TMR_STS | PWRBTN_STS | WAK_STS)
#define TMR_EN		0x0001
#define GBL_EN		0x0020
#define PWRBTN_EN	0x0100
#define SLPBTN_EN	0x0200
#define RTC_EN		0x0400
#define PCIEXP_WAKE_DIS 0x4000
#define EN_DEFINED	(TMR_EN | GBL_EN | PWRBTN_EN | SLPBTN_EN | RTC_EN | PCIEXP_WAKE_DIS)
/* Enables and statuses share bit positions: these two raise the SCI. */
#define SCI_SOURCES	(TMR_STS | PWRBTN_STS)

/* PM1_CNT (ACPI 6.5 Table 4.20). */
#define SCI_EN	      0x0001
#define BM_RLD	      0x0002
#define SLP_TYP_SHIFT 10
#define SLP_TYP_MASK  (7 << SLP_TYP_SHIFT)
#define SLP_EN	      0x2000
#define CNT_READ_BACK (BM_RLD | SLP_TYP_MASK)

#define TMR_MASK       0xffffff	    /* 24-bit timer */
#define TMR_STS_PERIOD (1ULL << 23) /* ticks between changes of bit 23 */

#define PM1_EN_OFFSET 2

BUILD_BUG_ON((TMR_STS | PWRBTN_STS) != (TMR_EN | PWRBTN_EN));

/* PM timer ticks since it read 0, not wrapped. */
static u64 timer_ticks(const struct vpm *pm, u64 now)
{
	u64 hz = timer_hz();

	return hz && now > pm->tmr_epoch ? ticks_scale(now - pm->tmr_epoch, VPM_TIMER_HZ, hz) : 0;
}

/* Caller holds pm->lock. Latches TMR_STS for changes of bit 23 since the last look. */
static void sync_timer(struct vpm *pm, u64 now)
{
	if (now <= pm->synced)
		return;
	if (timer_ticks(pm, now) / TMR_STS_PERIOD != timer_ticks(pm, pm->synced) / TMR_STS_PERIOD)
		pm->pm1_sts |= TMR_STS;
	pm->synced = now;
}

static bool sci_level(const struct vpm *pm)
{
	return pm->pm1_sts & pm->pm1_en & SCI_SOURCES;
}

/* Caller holds pm->lock. Arms the timer for the next TMR_STS only when it makes an SCI. */
static void arm_timer(struct vpm *pm, u64 now)
{
	u64 hz = timer_hz();
	u64 next, deadline;

	if (!pm->sci.fn || !hz || !(pm->pm1_en & TMR_EN) || (pm->pm1_sts & TMR_STS)) {
		timer_stop(&pm->timer);
		return;
	}
	next = (timer_ticks(pm, now) / TMR_STS_PERIOD + 1) * TMR_STS_PERIOD;
	deadline = pm->tmr_epoch + ticks_scale_up(next, hz, VPM_TIMER_HZ);
	if (!timer_armed(&pm->timer) || pm->timer_deadline != deadline) {
		pm->timer_deadline = deadline;
		timer_start(&pm->timer, deadline, 0);
	}
}

static bool sci_level_of(const void *dev)
{
	return sci_level(dev);
}

/* Caller holds pm->lock (taken with flags); re-arms the timer and releases the lock. */
static void vpm_unlock(struct vpm *pm, u64 flags, u64 now)
{
	arm_timer(pm, now);
	irq_line_unlock(&pm->sci, &pm->lock, flags, sci_level_of, pm);
}

/* Byte i (0 or 1) of a 16-bit register. */
static u8 byte_of(u16 reg, u32 i)
{
	return (u8)(reg >> (8 * i));
}

/* Caller holds pm->lock. tmr is the PM timer snapshot of this access. */
static u8 read_byte(const struct vpm *pm, u64 addr, u32 tmr)
{
	if (addr >= VPLAT_PM1A_EVT_BLK && addr < VPLAT_PM1A_EVT_BLK + VPM_PM1_EVT_LEN) {
		u32 off = (u32)(addr - VPLAT_PM1A_EVT_BLK);

		if (off < PM1_EN_OFFSET)
			return byte_of(pm->pm1_sts, off);
		return byte_of(pm->pm1_en, off - PM1_EN_OFFSET);
	}
	if (addr >= VPLAT_PM1A_CNT_BLK && addr < VPLAT_PM1A_CNT_BLK + VPM_PM1_CNT_LEN)
		return byte_of(pm->pm1_cnt | SCI_EN, (u32)(addr - VPLAT_PM1A_CNT_BLK));
	if (addr >= VPLAT_PM_TMR_BLK && addr < VPLAT_PM_TMR_BLK + VPM_PM_TMR_LEN)
		return (u8)(tmr >> (8 * (addr - VPLAT_PM_TMR_BLK)));
	return 0xff;
}

/* Replaces byte i of reg with val where mask allows. */
static u16 set_byte(u16 reg, u32 i, u8 val, u16 mask)
{
	u16 m = (u16)(mask & (0xff << (8 * i)));

	return (u16)((reg & ~m) | ((val << (8 * i)) & m));
}

/* Caller holds pm->lock. Returns true when the byte asked for sleep (SLP_EN). */
static bool write_byte(struct vpm *pm, u64 addr, u8 val)
{
	if (addr >= VPLAT_PM1A_EVT_BLK && addr < VPLAT_PM1A_EVT_BLK + VPM_PM1_EVT_LEN) {
		u32 off = (u32)(addr - VPLAT_PM1A_EVT_BLK);

		if (off < PM1_EN_OFFSET)
			pm->pm1_sts &= ~(u16)((val << (8 * off)) & STS_IMPLEMENTED);
		else
			pm->pm1_en = set_byte(pm->pm1_en, off - PM1_EN_OFFSET, val, EN_DEFINED);
		return false;
	}
	if (addr >= VPLAT_PM1A_CNT_BLK && addr < VPLAT_PM1A_CNT_BLK + VPM_PM1_CNT_LEN) {
		u32 off = (u32)(addr - VPLAT_PM1A_CNT_BLK);

		pm->pm1_cnt = set_byte(pm->pm1_cnt, off, val, CNT_READ_BACK);
		if ((u16)(val << (8 * off)) & SLP_EN) {
			/* Woken at once unless the caller stops the VM (see vpm.h). */
			pm->pm1_sts |= WAK_STS;
			return true;
		}
	}
	return false; /* the PM timer is read-only */
}

static int vpm_access(void *device, struct io_request *req)
{
	struct vpm *pm = device;
	vpm_sleep_fn sleep;
	void *ctx;
	bool sleep_request = false;
	u32 slp_typ = 0;
	u64 value = 0;
	u64 flags;
	u64 now;
	u32 tmr;

	if (req->size == 0 || req->size > sizeof(req->value))
		return -EINVAL;
	flags = spin_lock_irqsave(&pm->lock);
	now = timer_now();
	sync_timer(pm, now);
	tmr = (u32)(timer_ticks(pm, now) & TMR_MASK);
	for (u32 i = 0; i < req->size; i++) {
		u64 addr = req->addr + i;

		if (!req->write) {
			value |= (u64)read_byte(pm, addr, tmr) << (8 * i);
		} else if (write_byte(pm, addr, (u8)(req->value >> (8 * i)))) {
			sleep_request = true;
			slp_typ = (pm->pm1_cnt & SLP_TYP_MASK) >> SLP_TYP_SHIFT;
		}
	}
	if (!req->write)
		req->value = value;
	sleep = pm->sleep;
	ctx = pm->sleep_ctx;
	vpm_unlock(pm, flags, now);
	if (sleep_request && sleep)
		sleep(ctx, slp_typ);
	return 0;
}

static void vpm_timer_fn(struct hv_timer *timer)
{
	struct vpm *pm = timer->data;
	u64 flags = spin_lock_irqsave(&pm->lock);
	u64 now = timer_now();

	sync_timer(pm, now);
	vpm_unlock(pm, flags, now);
}

void vpm_init(struct vpm *pm, irq_line_fn sci, vpm_sleep_fn sleep, void *ctx, u32 timer_cpu)
{
	u64 now = timer_now();

	spin_lock_init(&pm->lock);
	pm->pm1_sts = 0;
	pm->pm1_en = 0;
	pm->pm1_cnt = 0;
	pm->tmr_epoch = now;
	pm->synced = now;
	irq_line_init(&pm->sci, sci, ctx);
	pm->sleep = sleep;
	pm->sleep_ctx = ctx;
	timer_init(&pm->timer, vpm_timer_fn, pm, timer_cpu);
	pm->timer_deadline = 0;
}

int vpm_attach(struct vpm *pm, struct io_bus *pio)
{
	int err;

	err = io_bus_register(pio, VPLAT_PM1A_EVT_BLK, VPM_PM1_EVT_LEN, vpm_access, pm,
			      "acpi pm1a event");
	if (err)
		return err;
	err = io_bus_register(pio, VPLAT_PM1A_CNT_BLK, VPM_PM1_CNT_LEN, vpm_access, pm,
			      "acpi pm1a control");
	if (err)
		goto out_evt;
	err = io_bus_register(pio, VPLAT_PM_TMR_BLK, VPM_PM_TMR_LEN, vpm_access, pm,
			      "acpi pm timer");
	if (err)
		goto out_cnt;
	return 0;

out_cnt:
	io_bus_unregister(pio, VPLAT_PM1A_CNT_BLK);
out_evt:
	io_bus_unregister(pio, VPLAT_PM1A_EVT_BLK);
	return err;
}

void vpm_reset(struct vpm *pm)
{
	u64 flags = spin_lock_irqsave(&pm->lock);
	u64 now = timer_now();

	sync_timer(pm, now);
	pm->pm1_sts = 0;
	pm->pm1_en = 0;
	pm->pm1_cnt = 0;
	vpm_unlock(pm, flags, now);
}

void vpm_power_button(struct vpm *pm)
{
	u64 flags = spin_lock_irqsave(&pm->lock);
	u64 now = timer_now();

	sync_timer(pm, now);
	pm->pm1_sts |= PWRBTN_STS;
	vpm_unlock(pm, flags, now);
}
