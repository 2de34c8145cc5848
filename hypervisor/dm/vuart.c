// SPDX-License-Identifier: BSD-3-Clause
/*
 * Emulated 16550A UART (PC16550D data sheet). The model and the lock rule are described
 * in bulkhead/vuart.h.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/vuart.h>

/* Register offsets from the base port (PC16550D Table II). */
#define UART_RBR 0 /* receiver buffer (read), DLAB=0 */
#define UART_THR 0 /* transmitter holding (write), DLAB=0 */
#define UART_DLL 0 /* divisor latch LSB, DLAB=1 */
#define UART_IER 1 /* DLAB=0 */
#define UART_DLM 1 /* divisor latch MSB, DLAB=1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_ERBFI 0x01 /* received data available (and character timeout) */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */
#define IER_MASK  0x0f /* bits 7:4 are always 0 */

/* IIR bits 3:0, PC16550D Table V, in priority order from the highest. */
#define IIR_RLS	     0x06 /* receiver line status: OE */
#define IIR_RDA	     0x04 /* received data at or above the trigger level */
#define IIR_CTI	     0x0c /* character timeout: data below the trigger level */
#define IIR_THRE     0x02 /* transmitter holding register empty */
#define IIR_MODEM    0x00 /* modem status: a delta bit in MSR */
#define IIR_NO_INT   0x01
#define IIR_FIFOS_ON 0xc0 /* bits 7:6 when FCR0 is set */

#define FCR_FIFO_ENABLE	  0x01
#define FCR_CLEAR_RCVR	  0x02
#define FCR_CLEAR_XMIT	  0x04
#define FCR_DMA_MODE	  0x08
#define FCR_TRIGGER	  0xc0
#define FCR_TRIGGER_SHIFT 6

#define LCR_DLAB 0x80

#define MCR_DTR	 0x01
#define MCR_RTS	 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f /* bits 7:5 are always 0 */

#define LSR_DR	 0x01
#define LSR_OE	 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DCTS   0x01
#define MSR_DDSR   0x02
#define MSR_TERI   0x04 /* RI went from on to off */
#define MSR_DDCD   0x08
#define MSR_DELTAS 0x0f
#define MSR_CTS	   0x10
#define MSR_DSR	   0x20
#define MSR_RI	   0x40
#define MSR_DCD	   0x80
#define MSR_INPUTS 0xf0

BUILD_BUG_ON((VUART_RX_FIFO_SIZE & (VUART_RX_FIFO_SIZE - 1)) != 0);
BUILD_BUG_ON(VUART_RX_FIFO_SIZE > 0xffff);
BUILD_BUG_ON((VUART_MODEM_INPUTS & ~MSR_INPUTS) != 0);

/* A byte a register write sent out, handed to the sink once the lock is dropped. */
struct vuart_tx_byte {
	bool pending;
	u8 byte;
	vuart_tx_fn tx;
	void *ctx;
};

static bool rx_push(struct vuart *v, u8 byte)
{
	if (v->rx_count == VUART_RX_FIFO_SIZE) {
		v->overrun = true;
		return false;
	}
	v->rx_fifo[(v->rx_head + v->rx_count) & (VUART_RX_FIFO_SIZE - 1)] = byte;
	v->rx_count++;
	return true;
}

static u8 rx_pop(struct vuart *v)
{
	if (v->rx_count) {
		v->rbr = v->rx_fifo[v->rx_head];
		v->rx_head = (v->rx_head + 1) & (VUART_RX_FIFO_SIZE - 1);
		v->rx_count--;
	}
	return v->rbr;
}

static void rx_clear(struct vuart *v)
{
	v->rx_head = 0;
	v->rx_count = 0;
}

static bool fifos_enabled(const struct vuart *v)
{
	return v->fcr & FCR_FIFO_ENABLE;
}

static u32 rx_trigger_level(const struct vuart *v)
{
	static const u8 levels[4] = {1, 4, 8, 14}; /* FCR bits 7:6 */

	return levels[(v->fcr & FCR_TRIGGER) >> FCR_TRIGGER_SHIFT];
}

/* MSR bits 7:4: the modem inputs, wired to the modem outputs in loopback (MCR bit 4). */
static u8 modem_inputs(const struct vuart *v)
{
	u8 in = 0;

	if (!(v->mcr & MCR_LOOP))
		return VUART_MODEM_INPUTS;
	if (v->mcr & MCR_RTS)
		in |= MSR_CTS;
	if (v->mcr & MCR_DTR)
		in |= MSR_DSR;
	if (v->mcr & MCR_OUT1)
		in |= MSR_RI;
	if (v->mcr & MCR_OUT2)
		in |= MSR_DCD;
	return in;
}

/* Latches the MSR delta bits (3:0) for every input that changed since MSR was updated. */
static void update_modem_status(struct vuart *v)
{
	u8 old = v->msr & MSR_INPUTS;
	u8 now = modem_inputs(v);
	u8 changed = old ^ now;
	u8 deltas = v->msr & MSR_DELTAS;

	if (changed & MSR_CTS)
		deltas |= MSR_DCTS;
	if (changed & MSR_DSR)
		deltas |= MSR_DDSR;
	if (changed & MSR_DCD)
		deltas |= MSR_DDCD;
	if ((old & MSR_RI) && !(now & MSR_RI))
		deltas |= MSR_TERI;
	v->msr = now | deltas;
}

/* IIR bits 3:0: the highest-priority enabled interrupt pending (PC16550D Table V). */
static u8 pending_interrupt(const struct vuart *v)
{
	if ((v->ier & IER_ELSI) && v->overrun)
		return IIR_RLS;
	if ((v->ier & IER_ERBFI) && v->rx_count) {
		if (!fifos_enabled(v) || v->rx_count >= rx_trigger_level(v))
			return IIR_RDA;
		return IIR_CTI;
	}
	if ((v->ier & IER_ETBEI) && v->thre_pending)
		return IIR_THRE;
	if ((v->ier & IER_EDSSI) && (v->msr & MSR_DELTAS))
		return IIR_MODEM;
	return IIR_NO_INT;
}

/* OUT2 gates the interrupt output onto the bus on PC boards. */
static bool line_level(const struct vuart *v)
{
	return (v->mcr & MCR_OUT2) && pending_interrupt(v) != IIR_NO_INT;
}

static u8 line_status(const struct vuart *v)
{
	u8 lsr = LSR_THRE | LSR_TEMT; /* the transmitter is instant */

	if (v->rx_count)
		lsr |= LSR_DR;
	if (v->overrun)
		lsr |= LSR_OE;
	return lsr;
}

/* Caller holds v->lock. Reading IIR, LSR, MSR and RBR has the data sheet's side effects. */
static u8 read_register(struct vuart *v, u32 reg)
{
	bool dlab = v->lcr & LCR_DLAB;
	u8 val;

	switch (reg) {
	case UART_RBR:
		return dlab ? v->dll : rx_pop(v);
	case UART_IER:
		return dlab ? v->dlm : v->ier;
	case UART_IIR:
		val = pending_interrupt(v);
		/* Reading IIR clears a THRE interrupt when that is the one it reports. */
		if (val == IIR_THRE)
			v->thre_pending = false;
		return val | (fifos_enabled(v) ? IIR_FIFOS_ON : 0);
	case UART_LCR:
		return v->lcr;
	case UART_MCR:
		return v->mcr;
	case UART_LSR:
		val = line_status(v);
		v->overrun = false;
		return val;
	case UART_MSR:
		val = v->msr;
		v->msr &= ~MSR_DELTAS;
		return val;
	case UART_SCR:
		return v->scr;
	default:
		return 0xff;
	}
}

/* Caller holds v->lock. */
static void transmit(struct vuart *v, u8 byte, struct vuart_tx_byte *out)
{
	v->thre_pending = false;
	if (v->mcr & MCR_LOOP) {
		rx_push(v, byte);
	} else {
		out->pending = true;
		out->byte = byte;
		out->tx = v->tx;
		out->ctx = v->tx_ctx;
	}
	/* Sent at once: THR is empty again, which raises THRE anew when it is enabled. */
	if (v->ier & IER_ETBEI)
		v->thre_pending = true;
}

/* Caller holds v->lock. */
static void write_ier(struct vuart *v, u8 val)
{
	u8 old = v->ier;

	v->ier = val & IER_MASK;
	/* THR is always empty, so enabling ETBEI raises THRE at once (Linux tests this). */
	if (!(old & IER_ETBEI) && (v->ier & IER_ETBEI))
		v->thre_pending = true;
}

/* Caller holds v->lock. */
static void write_fcr(struct vuart *v, u8 val)
{
	/* Changing FCR0 resets both FIFOs (PC16550D FCR bit 0). */
	if ((val ^ v->fcr) & FCR_FIFO_ENABLE)
		rx_clear(v);
	if (!(val & FCR_FIFO_ENABLE)) {
		/* The other bits are only programmed together with FCR0 set. */
		v->fcr &= ~FCR_FIFO_ENABLE;
		return;
	}
	if (val & FCR_CLEAR_RCVR)
		rx_clear(v);
	/* FCR_CLEAR_XMIT: the transmit FIFO is always empty. */
	v->fcr = val & (FCR_FIFO_ENABLE | FCR_DMA_MODE | FCR_TRIGGER);
}

/* Caller holds v->lock. LSR and MSR writes (factory test only) are ignored. */
static void write_register(struct vuart *v, u32 reg, u8 val, struct vuart_tx_byte *out)
{
	bool dlab = v->lcr & LCR_DLAB;

	switch (reg) {
	case UART_THR:
		if (dlab)
			v->dll = val;
		else
			transmit(v, val, out);
		break;
	case UART_IER:
		if (dlab)
			v->dlm = val;
		else
			write_ier(v, val);
		break;
	case UART_FCR:
		write_fcr(v, val);
		break;
	case UART_LCR:
		v->lcr = val;
		break;
	case UART_MCR:
		v->mcr = val & MCR_MASK;
		update_modem_status(v);
		break;
	case UART_SCR:
		v->scr = val;
		break;
	default:
		break;
	}
}

static bool irq_level_of(const void *dev)
{
	return line_level(dev);
}

/* Caller holds v->lock (taken with flags); releases it, handing a changed level on. */
static void vuart_unlock(struct vuart *v, u64 flags)
{
	irq_line_unlock(&v->irq, &v->lock, flags, irq_level_of, v);
}

/*
 * The port I/O handler. Each byte of the access reaches its own register, in address
 * order; bytes outside the 8 ports read 0xff and are not written.
 */
static int vuart_access(void *device, struct io_request *req)
{
	struct vuart *v = device;
	struct vuart_tx_byte out = {0};
	u64 base = v->cfg->io_port;
	u64 value = 0;
	u64 flags;

	if (req->size == 0 || req->size > sizeof(req->value))
		return -EINVAL;
	flags = spin_lock_irqsave(&v->lock);
	for (u32 i = 0; i < req->size; i++) {
		u64 addr = req->addr + i;
		bool inside = addr >= base && addr - base < VUART_PORT_COUNT;
		u32 reg = (u32)(addr - base);

		/* THR is one port, so an access transmits at most one byte. */
		if (req->write && inside)
			write_register(v, reg, (u8)(req->value >> (8 * i)), &out);
		else if (!req->write)
			value |= (u64)(inside ? read_register(v, reg) : 0xff) << (8 * i);
	}
	if (!req->write)
		req->value = value;
	vuart_unlock(v, flags);
	if (out.pending && out.tx)
		out.tx(out.ctx, out.byte);
	return 0;
}

/* Caller holds v->lock. */
static void reset_registers(struct vuart *v)
{
	v->rbr = 0;
	v->ier = 0;
	v->fcr = 0;
	v->lcr = 0;
	v->mcr = 0;
	v->msr = modem_inputs(v);
	v->scr = 0;
	v->dll = VUART_RESET_DIVISOR & 0xff;
	v->dlm = VUART_RESET_DIVISOR >> 8;
	v->overrun = false;
	v->thre_pending = false;
	rx_clear(v);
}

int vuart_init(struct vuart *v, const struct vuart_config *cfg, vuart_tx_fn tx, void *tx_ctx,
	       vuart_irq_fn irq_set, void *irq_ctx)
{
	if (!v || !cfg || (u32)cfg->io_port + VUART_PORT_COUNT > 0x10000)
		return -EINVAL;
	spin_lock_init(&v->lock);
	v->cfg = cfg;
	v->tx = tx;
	v->tx_ctx = tx_ctx;
	irq_line_init(&v->irq, irq_set, irq_ctx);
	reset_registers(v);
	return 0;
}

int vuart_attach(struct vuart *v, struct io_bus *bus)
{
	return io_bus_register(bus, v->cfg->io_port, VUART_PORT_COUNT, vuart_access, v, "vuart");
}

void vuart_reset(struct vuart *v)
{
	u64 flags = spin_lock_irqsave(&v->lock);

	reset_registers(v);
	vuart_unlock(v, flags);
}

size_t vuart_receive(struct vuart *v, const u8 *bytes, size_t len)
{
	size_t accepted = 0;
	u64 flags;

	if (!bytes)
		return 0;
	flags = spin_lock_irqsave(&v->lock);
	/* Loopback disconnects the serial input (PC16550D MCR bit 4). */
	if (!(v->mcr & MCR_LOOP))
		while (accepted < len && rx_push(v, bytes[accepted]))
			accepted++;
	vuart_unlock(v, flags);
	return accepted;
}

size_t vuart_rx_space(struct vuart *v)
{
	u64 flags = spin_lock_irqsave(&v->lock);
	size_t space = VUART_RX_FIFO_SIZE - v->rx_count;

	spin_unlock_irqrestore(&v->lock, flags);
	return space;
}

static void link_tx(void *ctx, u8 byte)
{
	vuart_receive(ctx, &byte, 1);
}

static void set_tx(struct vuart *v, vuart_tx_fn tx, void *ctx)
{
	u64 flags = spin_lock_irqsave(&v->lock);

	v->tx = tx;
	v->tx_ctx = ctx;
	spin_unlock_irqrestore(&v->lock, flags);
}

int vuart_link(struct vuart *a, struct vuart *b)
{
	if (!a || !b || a == b)
		return -EINVAL;
	/* One lock at a time: the two vUARTs' locks are never nested. */
	set_tx(a, link_tx, b);
	set_tx(b, link_tx, a);
	return 0;
}
