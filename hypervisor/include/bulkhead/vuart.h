/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated 16550A UART a VM sees (vUART): the eight registers of the PC16550D data
 * sheet at cfg->io_port, reached through the VM's port I/O bus. What the guest transmits
 * goes to a sink (the console multiplexer, or the receiver of a linked vUART in another
 * VM); what arrives for the guest is pushed with vuart_receive(). The interrupt output is
 * a level handed to a callback; the virtual interrupt controller behind it is not this
 * file's business.
 *
 * Model, where the data sheet leaves a choice:
 * - The transmitter is instant: THR and the shift register are always empty (LSR.THRE and
 *   LSR.TEMT always 1), and every THR write is at once a new "THR empty" event. So the
 *   THRE interrupt is latched when IER.ETBEI goes 0->1 and by every THR write while ETBEI
 *   is set (the write clears it, the instant transmitter raises it again: the line does
 *   not drop), and cleared by an IIR read that reports it.
 * - Received bytes wait in a software FIFO of VUART_RX_FIFO_SIZE bytes, in FIFO and in
 *   16450 (FIFOs disabled) mode alike; only when it is full is a byte lost and LSR.OE set.
 *   The 16-byte FIFO shows through the trigger level (1, 4, 8, 14) and IIR bits 7:6. Data
 *   below the trigger level is reported as a character timeout (IIR 0xc) at once.
 * - The interrupt line is asserted when an enabled interrupt is pending and MCR.OUT2 is
 *   set, as OUT2 gates the IRQ on PC boards; loopback does not disconnect it.
 * - Outside loopback the modem inputs show a peer that is present and ready: CTS, DSR
 *   and DCD asserted, RI not. In loopback (MCR bit 4) they follow RTS, DTR, OUT1 and
 *   OUT2, transmitted bytes go to the receiver, and vuart_receive() accepts nothing (the
 *   serial input is disconnected).
 * - An access of 2, 4 or 8 bytes at base+N reaches registers N, N+1, ... in that order,
 *   little-endian, as an ISA bus splits a wide access to an 8-bit device. Ports beyond
 *   base+7 read 0xff and ignore writes.
 *
 * Lock rule: each vUART has its own spinlock, taken with interrupts off for the length of
 * one register access or one vuart_receive(). The tx and irq_set callbacks are never
 * called with it held, so a tx that feeds a linked vUART (and takes that vUART's lock)
 * cannot deadlock against the peer doing the same, and a callback may call back into the
 * vUART. Calls to irq_set for one vUART never overlap: one CPU at a time delivers level
 * changes, and it delivers the latest level before it stops.
 */
#ifndef BULKHEAD_VUART_H
#define BULKHEAD_VUART_H

#include <bulkhead/io_bus.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/types.h>
#include <bulkhead/virq.h>
#include <bulkhead/vm_config.h>

#define VUART_PORT_COUNT    8	 /* registers, one I/O port each */
#define VUART_RX_FIFO_SIZE  256	 /* software receive FIFO (a power of two) */
#define VUART_RESET_DIVISOR 12	 /* DLL/DLM after reset: 9600 baud from 1.8432 MHz */
#define VUART_MODEM_INPUTS  0xb0 /* MSR bits 7:4 outside loopback: DCD, DSR, CTS */

/* Takes one transmitted byte. Called without the vUART's lock. */
typedef void (*vuart_tx_fn)(void *ctx, u8 byte);
/* Sets the interrupt line to level. Called without the vUART's lock, only on a change. */
typedef void (*vuart_irq_fn)(void *ctx, bool level);

/* Embedded in its owner (the VM); all fields are private to dm/vuart.c. */
struct vuart {
	spinlock_t lock;
	const struct vuart_config *cfg;

	vuart_tx_fn tx; /* NULL: transmitted bytes are dropped */
	void *tx_ctx;
	struct irq_line irq; /* not connected: polled guests only */

	/* PC16550D registers; LSR and IIR are computed from the state below. */
	u8 rbr; /* last byte read from the receiver (read again when the FIFO is empty) */
	u8 ier;
	u8 fcr; /* FIFO enable, DMA mode and trigger bits as last programmed */
	u8 lcr;
	u8 mcr;
	u8 msr;
	u8 scr;
	u8 dll;
	u8 dlm;
	bool overrun;	   /* LSR.OE, until LSR is read */
	bool thre_pending; /* THR empty interrupt latched, until IIR reports it or THR is written */

	u8 rx_fifo[VUART_RX_FIFO_SIZE];
	u16 rx_head; /* oldest byte */
	u16 rx_count;
};

/*
 * Sets up v for the 8 ports at cfg->io_port (cfg must outlive v) in its power-on state.
 * tx and irq_set may be NULL. Returns 0 or -EINVAL (no cfg, or ports beyond 0xffff).
 */
int vuart_init(struct vuart *v, const struct vuart_config *cfg, vuart_tx_fn tx, void *tx_ctx,
	       vuart_irq_fn irq_set, void *irq_ctx);
/* Registers the 8 ports on a port I/O bus. Returns io_bus_register()'s result. */
int vuart_attach(struct vuart *v, struct io_bus *bus);
/*
 * Back to the power-on state (PC16550D Table IV): IER 0, IIR 0x01, LCR 0, MCR 0,
 * LSR 0x60, MSR from the modem inputs with no deltas, SCR 0, divisor VUART_RESET_DIVISOR,
 * FIFOs disabled and empty. The interrupt line drops if it was up. For a VM reset.
 */
void vuart_reset(struct vuart *v);

/*
 * Input for the guest. Returns how many bytes were accepted, from the start of bytes;
 * the rest did not fit and were dropped, setting LSR.OE. In loopback nothing is accepted
 * (and OE is not set). Callable from any CPU.
 */
size_t vuart_receive(struct vuart *v, const u8 *bytes, size_t len);
/* Bytes vuart_receive() would accept now. */
size_t vuart_rx_space(struct vuart *v);

/*
 * Connects two vUARTs back to back: what either guest transmits is received by the
 * other (a byte that finds the peer's FIFO full is lost and sets the peer's OE). Replaces
 * the tx callbacks given to vuart_init(). Returns 0 or -EINVAL (NULL, or a == b).
 */
int vuart_link(struct vuart *a, struct vuart *b);

#endif
