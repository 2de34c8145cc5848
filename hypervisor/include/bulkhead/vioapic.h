/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated I/O APIC a VM sees (vIOAPIC): an 82093AA-style IOAPIC with
 * VPLAT_IOAPIC_PINS input pins at VPLAT_IOAPIC_BASE, reached through the VM's MMIO bus.
 * Devices drive its pins with vioapic_set_irq(); each redirection entry turns its pin into
 * an interrupt message (struct apic_intr) handed to a callback, and the EOI a vLAPIC
 * broadcasts for a level-triggered vector comes back through vioapic_eoi().
 *
 * Registers (82093AA data sheet 3.0): IOREGSEL at +0x00 selects, IOWIN at +0x10 reads and
 * writes the selected register: 0x00 ID (bits 27:24 writable, VPLAT_IOAPIC_ID after
 * reset), 0x01 version (read-only: VIOAPIC_VERSION with the highest entry, 23, in bits
 * 23:16), 0x02 arbitration (read-only, bits 27:24, loaded from the ID whenever the ID is
 * written and at reset), 0x10 + 2n / 0x11 + 2n the low / high dword of redirection entry
 * n. Other registers read 0 and ignore writes; IOREGSEL keeps bits 7:0 only.
 * Version 0x11 has no EOI register (that came with version 0x20, and +0x40 is just part of
 * the page here): a guest ends a level-triggered interrupt through its local APIC's EOI
 * broadcast, or by switching the entry to edge and back (what Linux does on such IOAPICs),
 * which clears remote IRR.
 *
 * Model, where the data sheet leaves a choice:
 * - The redirection entry's reserved bits 55:17 read 0; delivery status (bit 12) always
 *   reads 0, as the message goes out at once; remote IRR (bit 14) is read-only, set when a
 *   level-triggered interrupt is delivered, cleared by a matching EOI and whenever the
 *   entry is edge-triggered. Reset masks every entry and clears the rest of it.
 * - A pin's effective input is its line inverted when the polarity bit (13) is set. An
 *   edge-triggered pin delivers on a rising edge of the effective input that comes from
 *   vioapic_set_irq() while the entry is unmasked; an edge on a masked pin is lost (82093AA
 *   3.2.4). A level-triggered pin delivers whenever its effective input is high, the entry
 *   unmasked and remote IRR clear, and sets remote IRR: on the line's change, on a write
 *   to the entry (unmasking, polarity, trigger mode) and after an EOI that found the line
 *   still high.
 * - SMI, NMI, INIT and ExtINT entries are delivered as edge-triggered whatever bit 15
 *   says (the data sheet requires edge for them); the reserved delivery modes 011 and 110
 *   deliver nothing. Physical destination 0xff is a broadcast.
 * - Only 4-byte accesses at IOREGSEL or IOWIN take effect. Every other access within the
 *   4 KiB page (another offset, size or alignment) reads all ones and is dropped, as an
 *   access nothing answers.
 * - The input lines belong to the devices and keep their levels across a reset.
 * - A pin can have its source told when each of its interrupts ends
 *   (vioapic_notify_eoi(): a passed-through device's INTx line, which the hypervisor
 *   masks physically while the guest serves it). Such a pin's remote IRR, cleared by an
 *   EOI or by switching the entry to edge, does not re-deliver a line still asserted:
 *   the source hears of it and sets the line anew.
 *
 * Lock rule: each vIOAPIC has its own spinlock, taken with interrupts off for one register
 * access or one call. The deliver callback is called with that lock held: the receiving
 * vLAPIC takes only its own lock and must never call back into the vIOAPIC while holding
 * it (the lock order is vIOAPIC, then vLAPIC), so vioapic_eoi() is called without any
 * vLAPIC lock held.
 */
#ifndef BULKHEAD_VIOAPIC_H
#define BULKHEAD_VIOAPIC_H

#include <bulkhead/io_bus.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/types.h>
#include <bulkhead/virq.h>
#include <bulkhead/vplatform.h>

#define VIOAPIC_MMIO_SIZE 0x1000 /* the page at VPLAT_IOAPIC_BASE */
#define VIOAPIC_IOREGSEL  0x00
#define VIOAPIC_IOWIN	  0x10
#define VIOAPIC_VERSION	  0x11 /* 82093AA-compatible: no EOI register */

/* Register indexes written to IOREGSEL. */
#define VIOAPIC_REG_ID	      0x00
#define VIOAPIC_REG_VERSION   0x01
#define VIOAPIC_REG_ARB	      0x02
#define VIOAPIC_REG_REDIR_TBL 0x10 /* entry n: low dword at 0x10 + 2n, high at 0x11 + 2n */

/* Redirection table entry bits (82093AA 3.2.4). */
#define VIOAPIC_RTE_VECTOR	   0xffULL
#define VIOAPIC_RTE_DELIVERY_MODE  (7ULL << 8)
#define VIOAPIC_RTE_DELIVERY_SHIFT 8
#define VIOAPIC_RTE_DEST_LOGICAL   (1ULL << 11)
#define VIOAPIC_RTE_DELIVERY_PEND  (1ULL << 12) /* read-only, always 0 here */
#define VIOAPIC_RTE_ACTIVE_LOW	   (1ULL << 13)
#define VIOAPIC_RTE_REMOTE_IRR	   (1ULL << 14) /* read-only */
#define VIOAPIC_RTE_LEVEL	   (1ULL << 15)
#define VIOAPIC_RTE_MASKED	   (1ULL << 16)
#define VIOAPIC_RTE_DEST	   (0xffULL << 56)
#define VIOAPIC_RTE_DEST_SHIFT	   56

/* Hands one interrupt message to the VM's vLAPICs. Called with the vIOAPIC's lock held. */
typedef void (*vioapic_deliver_fn)(void *ctx, const struct apic_intr *intr);
/* An interrupt of pin ended (vioapic_notify_eoi). Called without the vIOAPIC's lock. */
typedef void (*vioapic_eoi_fn)(void *ctx, u32 pin);

/* Embedded in its owner (the VM); all fields are private to dm/vioapic.c. */
struct vioapic {
	spinlock_t lock;
	vioapic_deliver_fn deliver; /* NULL: messages are dropped */
	void *deliver_ctx;

	u32 regsel; /* IOREGSEL bits 7:0 */
	u32 id;	    /* ID register: bits 27:24 */
	u32 arb;    /* arbitration register: bits 27:24 */
	u64 rte[VPLAT_IOAPIC_PINS];
	u32 lines;	 /* input levels, one bit per pin, before polarity */
	u32 notify_pins; /* pins whose interrupts' ends go to eoi_fn */
	u32 eoi_pending; /* of those, the ones ended and not yet told */
	vioapic_eoi_fn eoi_fn;
	void *eoi_ctx;
};

/* Sets up io in its reset state with every line low. deliver may be NULL. */
void vioapic_init(struct vioapic *io, vioapic_deliver_fn deliver, void *ctx);
/* Registers the page at VPLAT_IOAPIC_BASE on an MMIO bus. Returns io_bus_register()'s result. */
int vioapic_attach(struct vioapic *io, struct io_bus *mmio);
/* Back to the reset state: every entry masked, ID VPLAT_IOAPIC_ID. For a VM reset. */
void vioapic_reset(struct vioapic *io);

/* Input pin (0 to VPLAT_IOAPIC_PINS - 1) is now at level. Other pins are ignored. */
void vioapic_set_irq(struct vioapic *io, u32 pin, bool level);
/* A vLAPIC's EOI broadcast for vector: ends the level interrupts that delivered it. */
void vioapic_eoi(struct vioapic *io, u8 vector);
/*
 * From now on fn(ctx, pin) hears of the end of each interrupt pin delivers (see the
 * model above). One fn and ctx for the whole vIOAPIC: a later call replaces them.
 * Returns 0 or -EINVAL (no such pin).
 */
int vioapic_notify_eoi(struct vioapic *io, u32 pin, vioapic_eoi_fn fn, void *ctx);

/*
 * For the debug shell: redirection entry of pin as the guest reads it, and the pin's
 * input line (before polarity) when line is not NULL. Returns 0 or -EINVAL (no such pin).
 */
int vioapic_get_rte(struct vioapic *io, u32 pin, u64 *rte, bool *line);

#endif
