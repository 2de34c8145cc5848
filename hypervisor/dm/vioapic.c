// SPDX-License-Identifier: BSD-3-Clause
/*
 * Emulated I/O APIC (Intel 82093AA data sheet). The model and the lock rule are described
 * in bulkhead/vioapic.h.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/vioapic.h>

#define REGSEL_MASK  0xffU
#define ID_MASK	     (0xfU << 24) /* IOAPIC identification, bits 27:24 */
#define ID_SHIFT     24
#define MAX_REDIR    (VPLAT_IOAPIC_PINS - 1)
#define VERSION_REG  (VIOAPIC_VERSION | (MAX_REDIR << 16))
#define REDIR_END    (VIOAPIC_REG_REDIR_TBL + 2 * VPLAT_IOAPIC_PINS)
#define DWORD	     4
#define BROADCAST_ID 0xff

/* What the guest can write in an entry; delivery status, remote IRR and 55:17 are not. */
#define RTE_WRITABLE                                                                 \
	(VIOAPIC_RTE_VECTOR | VIOAPIC_RTE_DELIVERY_MODE | VIOAPIC_RTE_DEST_LOGICAL | \
	 VIOAPIC_RTE_ACTIVE_LOW | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASKED | VIOAPIC_RTE_DEST)

/* Delivery modes 011 and 110 are reserved in a redirection entry (82093AA 3.2.4). */
#define DELIVERY_RESERVED_3 3
#define DELIVERY_RESERVED_6 6

BUILD_BUG_ON(VPLAT_IOAPIC_PINS > 32); /* lines is one u32 */
BUILD_BUG_ON(VPLAT_IOAPIC_ID > 0xf);
BUILD_BUG_ON(REDIR_END > REGSEL_MASK + 1);

static u8 delivery_mode(u64 rte)
{
	return (u8)((rte & VIOAPIC_RTE_DELIVERY_MODE) >> VIOAPIC_RTE_DELIVERY_SHIFT);
}

/* Level-triggered delivery is for fixed and lowest-priority entries only; the rest are edge. */
static bool delivers_level(u64 rte)
{
	u8 mode = delivery_mode(rte);

	return (rte & VIOAPIC_RTE_LEVEL) &&
	       (mode == APIC_DELIVERY_FIXED || mode == APIC_DELIVERY_LOWEST);
}

/* The pin's input as the entry sees it: the line, inverted for an active-low pin. */
static bool pin_asserted(const struct vioapic *io, u32 pin)
{
	bool line = io->lines & BIT(pin);

	return (io->rte[pin] & VIOAPIC_RTE_ACTIVE_LOW) ? !line : line;
}

/* Caller holds io->lock. Sends the pin's message; false for a reserved delivery mode. */
static bool send_message(struct vioapic *io, u32 pin)
{
	u64 rte = io->rte[pin];
	u8 mode = delivery_mode(rte);
	struct apic_intr intr;

	if (mode == DELIVERY_RESERVED_3 || mode == DELIVERY_RESERVED_6)
		return false;
	intr.dest = (u32)(rte >> VIOAPIC_RTE_DEST_SHIFT);
	intr.dest_logical = rte & VIOAPIC_RTE_DEST_LOGICAL;
	intr.broadcast = !intr.dest_logical && intr.dest == BROADCAST_ID;
	intr.delivery_mode = mode;
	intr.vector = (u8)(rte & VIOAPIC_RTE_VECTOR);
	intr.level = delivers_level(rte);
	if (io->deliver)
		io->deliver(io->deliver_ctx, &intr);
	return true;
}

/*
 * Caller holds io->lock. A level-triggered pin delivers while its input is asserted, the
 * entry is unmasked and no earlier delivery awaits its EOI (remote IRR).
 */
static void service_level_pin(struct vioapic *io, u32 pin)
{
	u64 rte = io->rte[pin];

	if (!delivers_level(rte) || (rte & (VIOAPIC_RTE_MASKED | VIOAPIC_RTE_REMOTE_IRR)))
		return;
	if (pin_asserted(io, pin) && send_message(io, pin))
		io->rte[pin] |= VIOAPIC_RTE_REMOTE_IRR;
}

/* Caller holds io->lock. */
static void write_rte(struct vioapic *io, u32 pin, bool high, u32 val)
{
	u64 old = io->rte[pin];
	u64 rte;

	if (high)
		rte = (old & 0xffffffffULL) | ((u64)val << 32);
	else
		rte = (old & ~0xffffffffULL) | val;
	rte = (rte & RTE_WRITABLE) | (old & VIOAPIC_RTE_REMOTE_IRR);
	/* Remote IRR means nothing for edge entries; Linux clears it by going edge and back. */
	if (!(rte & VIOAPIC_RTE_LEVEL))
		rte &= ~VIOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	if ((old & ~rte & VIOAPIC_RTE_REMOTE_IRR) && (io->notify_pins & BIT(pin))) {
		io->eoi_pending |= BIT(pin); /* the interrupt ended: its source re-arms */
		return;
	}
	service_level_pin(io, pin);
}

/*
 * Caller holds io->lock, taken with flags; this releases it and then tells the sources of
 * the pins whose interrupts ended.
 */
static void unlock_and_notify(struct vioapic *io, u64 flags)
{
	u32 ended = io->eoi_pending;
	vioapic_eoi_fn fn = io->eoi_fn;
	void *ctx = io->eoi_ctx;

	io->eoi_pending = 0;
	spin_unlock_irqrestore(&io->lock, flags);
	for (u32 pin = 0; ended && fn; pin++, ended >>= 1)
		if (ended & 1)
			fn(ctx, pin);
}

/* Caller holds io->lock. The register IOREGSEL selects; unknown ones read 0. */
static u32 read_register(const struct vioapic *io)
{
	u32 reg = io->regsel;

	switch (reg) {
	case VIOAPIC_REG_ID:
		return io->id;
	case VIOAPIC_REG_VERSION:
		return VERSION_REG;
	case VIOAPIC_REG_ARB:
		return io->arb;
	default:
		break;
	}
	if (reg >= VIOAPIC_REG_REDIR_TBL && reg < REDIR_END) {
		u64 rte = io->rte[(reg - VIOAPIC_REG_REDIR_TBL) / 2];

		return (reg & 1) ? (u32)(rte >> 32) : (u32)rte;
	}
	return 0;
}

/* Caller holds io->lock. Read-only and unknown registers ignore writes. */
static void write_register(struct vioapic *io, u32 val)
{
	u32 reg = io->regsel;

	if (reg == VIOAPIC_REG_ID) {
		io->id = val & ID_MASK;
		io->arb = io->id; /* 82093AA 3.2.3: loaded when the ID is written */
	} else if (reg >= VIOAPIC_REG_REDIR_TBL && reg < REDIR_END) {
		write_rte(io, (reg - VIOAPIC_REG_REDIR_TBL) / 2, reg & 1, val);
	}
}

/*
 * The MMIO handler for the page. Only dword accesses to IOREGSEL and IOWIN reach the
 * registers; anything else reads all ones and is dropped.
 */
static int vioapic_access(void *device, struct io_request *req)
{
	struct vioapic *io = device;
	u64 offset = req->addr - VPLAT_IOAPIC_BASE;
	u64 flags;

	if (req->size == 0 || req->size > sizeof(req->value))
		return -EINVAL;
	if (req->size != DWORD || (offset != VIOAPIC_IOREGSEL && offset != VIOAPIC_IOWIN)) {
		if (!req->write)
			req->value = req->size == 8 ? ~0ULL : (1ULL << (8 * req->size)) - 1;
		return 0;
	}
	flags = spin_lock_irqsave(&io->lock);
	if (offset == VIOAPIC_IOREGSEL) {
		if (req->write)
			io->regsel = (u32)req->value & REGSEL_MASK;
		else
			req->value = io->regsel;
	} else {
		if (req->write)
			write_register(io, (u32)req->value);
		else
			req->value = read_register(io);
	}
	unlock_and_notify(io, flags);
	return 0;
}

/* Caller holds io->lock. The input lines are the devices' and keep their levels. */
static void reset_registers(struct vioapic *io)
{
	io->regsel = 0;
	io->id = (u32)VPLAT_IOAPIC_ID << ID_SHIFT;
	io->arb = io->id;
	for (u32 pin = 0; pin < VPLAT_IOAPIC_PINS; pin++)
		io->rte[pin] = VIOAPIC_RTE_MASKED;
}

void vioapic_init(struct vioapic *io, vioapic_deliver_fn deliver, void *ctx)
{
	spin_lock_init(&io->lock);
	io->deliver = deliver;
	io->deliver_ctx = ctx;
	io->lines = 0;
	io->notify_pins = 0;
	io->eoi_pending = 0;
	io->eoi_fn = NULL;
	io->eoi_ctx = NULL;
	reset_registers(io);
}

int vioapic_attach(struct vioapic *io, struct io_bus *mmio)
{
	return io_bus_register(mmio, VPLAT_IOAPIC_BASE, VIOAPIC_MMIO_SIZE, vioapic_access, io,
			       "ioapic");
}

void vioapic_reset(struct vioapic *io)
{
	u64 flags = spin_lock_irqsave(&io->lock);

	reset_registers(io);
	spin_unlock_irqrestore(&io->lock, flags);
}

void vioapic_set_irq(struct vioapic *io, u32 pin, bool level)
{
	u64 flags;
	bool was;

	if (pin >= VPLAT_IOAPIC_PINS)
		return;
	flags = spin_lock_irqsave(&io->lock);
	was = pin_asserted(io, pin);
	if (level)
		io->lines |= BIT(pin);
	else
		io->lines &= ~BIT(pin);
	if (delivers_level(io->rte[pin]))
		service_level_pin(io, pin);
	else if (!was && pin_asserted(io, pin) && !(io->rte[pin] & VIOAPIC_RTE_MASKED))
		send_message(io, pin);
	spin_unlock_irqrestore(&io->lock, flags);
}

void vioapic_eoi(struct vioapic *io, u8 vector)
{
	u64 flags = spin_lock_irqsave(&io->lock);

	for (u32 pin = 0; pin < VPLAT_IOAPIC_PINS; pin++) {
		u64 rte = io->rte[pin];

		if (!(rte & VIOAPIC_RTE_REMOTE_IRR) || (rte & VIOAPIC_RTE_VECTOR) != vector)
			continue;
		io->rte[pin] = rte & ~VIOAPIC_RTE_REMOTE_IRR;
		if (io->notify_pins & BIT(pin))
			io->eoi_pending |= BIT(pin); /* its source sets the line anew */
		else
			/* A line still asserted is a new interrupt (82093AA 3.2.4, remote IRR). */
			service_level_pin(io, pin);
	}
	unlock_and_notify(io, flags);
}

int vioapic_notify_eoi(struct vioapic *io, u32 pin, vioapic_eoi_fn fn, void *ctx)
{
	u64 flags;

	if (pin >= VPLAT_IOAPIC_PINS)
		return -EINVAL;
	flags = spin_lock_irqsave(&io->lock);
	io->notify_pins |= BIT(pin);
	io->eoi_fn = fn;
	io->eoi_ctx = ctx;
	spin_unlock_irqrestore(&io->lock, flags);
	return 0;
}

int vioapic_get_rte(struct vioapic *io, u32 pin, u64 *rte, bool *line)
{
	u64 flags;

	if (pin >= VPLAT_IOAPIC_PINS || !rte)
		return -EINVAL;
	flags = spin_lock_irqsave(&io->lock);
	*rte = io->rte[pin];
	if (line)
		*line = io->lines & BIT(pin);
	spin_unlock_irqrestore(&io->lock, flags);
	return 0;
}
