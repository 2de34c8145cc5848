/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pair of cascaded 8259A programmable interrupt controllers of a PC (vPIC): the master
 * at ports 0x20/0x21, the slave at 0xa0/0xa1 with its INT output on master pin 2, and the
 * edge/level control registers (ELCR) of PIIX-style chipsets at 0x4d0 (IRQ 0-7) and 0x4d1
 * (IRQ 8-15). ISA devices drive the 16 input lines with vpic_set_irq(); the master's INT
 * output (the CPU's INTR) is a level handed to a callback, and the CPU's interrupt
 * acknowledge cycle is vpic_intr_ack().
 *
 * Model, where the 8259A data sheet leaves a choice:
 * - Edge inputs latch IRR on a rising edge and keep the request until it is acknowledged,
 *   even if the line falls first (a pulse is not lost). Level inputs (ELCR bit set, or
 *   ICW1.LTIM for the whole chip) show the line in IRR. IRR ignores IMR, as on the 8259A.
 * - A request that is gone at the INTA cycle (a level line fell, IMR masked it) gives the
 *   spurious vector of its chip, IR7: master base + 7 without setting ISR, or for the
 *   slave, slave base + 7 with the master's ISR bit 2 set (the master did acknowledge its
 *   cascade input), as on a PC.
 * - Master pin 2 is an edge input fed by the slave's INT output, which is high while the
 *   slave has a request its priority logic would signal. The slave's INT falls during an
 *   acknowledge it answers (INTA or poll), so a request it still has afterwards is a new
 *   edge. Pin 2 is a cascade input when the master is in cascade mode (ICW1.SNGL clear)
 *   and ICW3 bit 2 is set; otherwise the master supplies IR2's vector itself. The slave's
 *   ICW3 (its ID) is accepted and ignored: the wiring is fixed. vpic_set_irq(2) is ignored.
 * - Special fully nested mode (ICW4.SFNM) is honoured on the master only: a request on its
 *   cascade pin is not held off by that pin's own in-service bit (lower levels still are).
 * - Special mask mode: a request is signalled when it is unmasked and its own ISR bit is
 *   clear; in-service bits do not hold off other levels.
 * - ICW1 clears IMR, ISR, the edge-latched IRR bits (an edge input that is high needs a
 *   new rising edge), special mask mode, poll, rotate-in-AEOI and the rotation (IR7
 *   lowest), and selects IRR for reads. Without ICW1.IC4 the ICW4 functions are all off.
 *   A chip waiting for ICW2-ICW4 signals no interrupt. ICW1 bits for the 8080 (ADI,
 *   A7-A5) and ICW4's uPM, BUF and M/S are accepted and ignored: vectors are always base
 *   (ICW2 bits 7:3) + IR, as in 8086 mode.
 * - A poll read (OCW3.P, then a read of either port of that chip) is a complete
 *   acknowledge: it sets ISR (or not, in auto-EOI mode) and returns 0x80 | IR, or 0 when
 *   nothing is requested.
 * - ELCR bits 0-2 (IRQ 0, 1, 2) and 8 and 13 are fixed at 0 (edge), as on PIIX. Setting a
 *   bit makes IRR follow the line; clearing one keeps a pending request latched.
 * - Reset leaves both chips as a PC BIOS does, but with every IRQ masked: vectors
 *   0x08-0x0f and 0x70-0x77, cascade on IR2, normal EOI, IMR 0xff, ELCR 0. The input
 *   lines belong to the devices and keep their levels.
 * - Each port is one byte; an access of 2 bytes at the first port reaches both ports in
 *   order, as an ISA bus splits it.
 *
 * INTA and spurious interrupts: INTR is latched as "seen" whenever it is asserted;
 * vpic_intr_ack() returns -1 when it has not been asserted since the last INTA cycle, the
 * spurious vector when it was but no request is left, else the vector of the highest
 * priority request (and does the 8259A's ISR/IRR bookkeeping, through the slave for IRQ
 * 8-15). So the caller checks vpic_intr_pending() (or the level last handed to intr_out)
 * and calls vpic_intr_ack() when its vCPU takes the interrupt; a request that vanished in
 * between yields the spurious vector, as on hardware.
 *
 * Lock rule: one spinlock for both chips, taken with interrupts off for one register
 * access or one call. intr_out is never called with it held, only on a change of INTR,
 * and calls never overlap (the vUART's discipline, bulkhead/vuart.h); it may call back
 * into the vPIC.
 */
#ifndef BULKHEAD_VPIC_H
#define BULKHEAD_VPIC_H

#include <bulkhead/io_bus.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/types.h>
#include <bulkhead/virq.h>

#define VPIC_IRQS	    16
#define VPIC_CASCADE_PIN    2	 /* master input wired to the slave's INT */
#define VPIC_ELCR_MASTER_RW 0xf8 /* ELCR bits that exist: IRQ 3-7 */
#define VPIC_ELCR_SLAVE_RW  0xde /* IRQ 9-12, 14, 15 */

/* One 8259A; all fields are private to dm/vpic.c. */
struct vpic_chip {
	u8 irr;
	u8 isr;
	u8 imr;
	u8 lines;	/* input levels; master bit 2 is the slave's INT */
	u8 elcr;	/* level-triggered inputs (ELCR) */
	u8 vector_base; /* ICW2 bits 7:3 */
	u8 icw3;
	u8 lowest;    /* the IR with the lowest priority (rotation); IR7 after ICW1 */
	u8 init_step; /* next ICW expected after ICW1, or 0 when initialised */
	bool icw4_needed;
	bool single;	     /* ICW1.SNGL: no cascade */
	bool level_all;	     /* ICW1.LTIM */
	bool auto_eoi;	     /* ICW4.AEOI */
	bool special_nested; /* ICW4.SFNM */
	bool rotate_in_aeoi;
	bool special_mask;
	bool read_isr; /* OCW3 RR/RIS: the command port reads ISR, else IRR */
	bool poll;     /* OCW3.P: the next read is a poll */
};

/* Embedded in its owner (the VM). */
struct vpic {
	spinlock_t lock;
	struct vpic_chip master;
	struct vpic_chip slave;

	struct irq_line intr_out; /* INTR to the CPU (not connected: polled) */
	bool intr;		  /* the master's INT output now */
	bool intr_seen;		  /* INTR asserted since the last INTA cycle */
};

/* Sets up pic in its reset state with INTR low. intr_out may be NULL. */
void vpic_init(struct vpic *pic, irq_line_fn intr_out, void *ctx);
/*
 * Registers ports 0x20-0x21, 0xa0-0xa1 and 0x4d0-0x4d1 on a port I/O bus. Returns 0 or
 * io_bus_register()'s error, having registered nothing.
 */
int vpic_attach(struct vpic *pic, struct io_bus *pio);
/* Back to the reset state described above; INTR drops if it was up. For a VM reset. */
void vpic_reset(struct vpic *pic);

/* ISA IRQ line irq (0-15) is now at level. Other numbers and IRQ 2 are ignored. */
void vpic_set_irq(struct vpic *pic, u32 irq, bool level);
/*
 * The CPU's interrupt acknowledge cycle: returns the vector (0-255) the CPU gets, the
 * spurious vector of the master or the slave when the request vanished, or -1 when INTR
 * has not been asserted since the last INTA cycle.
 */
int vpic_intr_ack(struct vpic *pic);
/*
 * The master's INT output (the CPU's INTR) now: a peek without the lock, as every VM exit
 * asks. A rise after it calls intr_out, which kicks the vCPU into asking again;
 * vpic_intr_ack() decides under the lock.
 */
static inline bool vpic_intr_pending(const struct vpic *pic)
{
	return __atomic_load_n(&pic->intr, __ATOMIC_ACQUIRE);
}

#endif
