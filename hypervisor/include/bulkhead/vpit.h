/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated Intel 8254 programmable interval timer a VM sees (vPIT): counters 0-2 and
 * the control word register at VPLAT_PIT_BASE (0x40-0x43), and the NMI status and control
 * port VPLAT_PIT_PORT61 (0x61), which gates counter 2 and shows its output. Counter 0's
 * output drives IRQ 0 through an irq_line_fn; counter 1 (DRAM refresh on old PCs) and
 * counter 2 (speaker, TSC calibration) are only read by the guest.
 *
 * Time: the input clock runs at VPIT_HZ, derived from the host TSC (timer_now(),
 * timer_hz()) whenever the guest looks, so a count read or an OUT level is exact to the
 * TSC; nothing counts VM exits. A counter's clocks are counted from the TSC of the write
 * that started it, taken as the instant of a clock edge: the count is loaded into the
 * counting element on the first clock after it is written (8254 data sheet: a mode 0
 * count of N makes OUT rise N+1 clocks after the write).
 *
 * Model, where the data sheet leaves a choice:
 * - Modes 0-5 of the data sheet; mode bits 110 and 111 are modes 2 and 3, and the status
 *   byte shows the bits as written. Binary and BCD counting are both supported (a BCD
 *   count with digits above 9 counts as the digits' weighted sum). A count of 0 is the
 *   largest one: 0x10000, or 10000 in BCD.
 * - Power-on and vpit_reset() state: every counter as if control word "mode 0, LSB then
 *   MSB, binary" had just been written: no count, not counting, OUT low, reads 0. A guest
 *   that never programs the vPIT costs nothing (no timer is armed).
 * - Gates: counters 0 and 1 have their gate tied high (so modes 1 and 5, which start on a
 *   gate rising edge, never start there); counter 2's gate is port 0x61 bit 0. Gate low
 *   pauses modes 0 and 4; stops modes 2 and 3 with OUT high until the gate rises, which
 *   reloads the count; a rising edge (re)triggers modes 1 and 5.
 * - Before the first clock after a count is written, the counter reads the new count. In
 *   mode 3 the count read steps down by two, from N to 2 in each half period for even N
 *   (for odd N the values are one off the chip's). Reads of an idle counter return the
 *   count it held when it stopped.
 * - Latches: a counter latch command or a read-back command latches the count (and the
 *   status) only if not latched already; the status is read first. A latched count is
 *   read as the access mode says (LSB, MSB, or LSB then MSB) starting with the LSB, apart
 *   from the flip-flop of unlatched reads. A control word clears both latches.
 * - Port 0x43 reads 0xff (write-only register). Port 0x61: bits 3:0 read back as written
 *   (bit 0 counter 2 gate, bit 1 speaker data, bits 2 and 3 NMI check enables, stored and
 *   ignored), bit 4 (refresh) toggles on every read, bit 5 is counter 2's OUT, bits 7:6
 *   read 0.
 * - IRQ 0: every rising edge of counter 0's OUT is one interrupt, handed to irq0 as the
 *   line raised then lowered. Mode 0 gives one at terminal count, mode 4 one after its
 *   strobe, modes 2 and 3 one per period from a periodic hv_timer armed only while they
 *   run. An edge is only delivered when the timer finds it due by the same arithmetic the
 *   count reads use; edges the timer could not deliver in time are dropped, not replayed
 *   (timer.h). Periods below the timer's 50 us floor deliver one interrupt per k periods,
 *   k the smallest multiple that reaches it.
 * - Multi-byte accesses at 0x40-0x43 reach the ports in address order, one byte each.
 *
 * Lock rule: the vPIT's spinlock is taken with interrupts off for one port access, one
 * timer callback or a reset; hv_timer calls are made under it (lock order: vPIT, then the
 * timer queue). irq0 is never called with it held, and only from the timer callback,
 * which runs on timer_cpu only, so calls to it never overlap.
 */
#ifndef BULKHEAD_VPIT_H
#define BULKHEAD_VPIT_H

#include <bulkhead/io_bus.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/timer.h>
#include <bulkhead/types.h>
#include <bulkhead/virq.h>

#define VPIT_HZ	      1193182 /* input clock, Hz */
#define VPIT_CHANNELS 3
#define VPIT_PORTS    4 /* counters 0-2, control word */

/* One counter; all fields private to dm/vpit.c. */
struct vpit_channel {
	u8 mode_bits; /* control word bits 3:1 as written */
	u8 access;    /* control word bits 5:4: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool gate;
	u8 state; /* idle, waiting for a gate trigger, counting */

	bool write_msb_next; /* LSB then MSB: the next count byte written is the MSB */
	bool read_msb_next;  /* LSB then MSB: the next unlatched byte read is the MSB */
	u8 write_lsb;	     /* the LSB of a count whose MSB is still to come */
	u32 cr;		     /* count register: the last count written (1..65536 or 1..10000) */
	bool cr_pending;     /* cr written but not yet loaded (status NULL COUNT) */
	u32 held;	     /* what an idle or gated-off counter reads */

	/* The counting element, as a function of the clocks elapsed since epoch. */
	u32 n;		   /* the count it runs with */
	u64 epoch;	   /* host TSC from which clocks are counted */
	u64 done;	   /* clocks counted before epoch (pauses of modes 0 and 4) */
	bool paused;	   /* modes 0 and 4 with the gate low: the clock stands at done */
	u64 load;	   /* clock at which n was loaded */
	bool load_is_edge; /* modes 2, 3: n replaced an earlier count at load, an OUT edge */
	u64 switch_at;	   /* modes 2, 3: clock at which cr replaces n; 0: none */
	u64 irq_last;	   /* counter 0: clock of the last OUT edge sent as an interrupt */

	u16 latched_count;
	u8 count_latch; /* bytes of the latched count left: 0 none, else as access */
	u8 latched_status;
	bool status_latched;
};

/* Embedded in its owner (the VM). Fields are private to dm/vpit.c. */
struct vpit {
	spinlock_t lock;
	struct vpit_channel ch[VPIT_CHANNELS];
	u8 port61;	  /* bits 3:0 as written */
	bool refresh;	  /* port 0x61 bit 4 */
	irq_line_fn irq0; /* NULL: counter 0 interrupts nobody */
	void *irq_ctx;

	struct hv_timer timer; /* counter 0's interrupts */
	u64 timer_first;       /* the deadline it was last started with */
	u64 timer_period;      /* the period it was last started with (0: one-shot) */
};

/*
 * Sets up pit in its power-on state (see above). irq0 receives counter 0's interrupts
 * (NULL: none); its timer runs on physical CPU timer_cpu.
 */
void vpit_init(struct vpit *pit, irq_line_fn irq0, void *ctx, u32 timer_cpu);
/* Registers ports 0x40-0x43 and 0x61. Returns 0 or io_bus_register()'s error. */
int vpit_attach(struct vpit *pit, struct io_bus *pio);
/* Back to the power-on state; stops the timer. For a VM reset. */
void vpit_reset(struct vpit *pit);

#endif
