// SPDX-License-Identifier: BSD-3-Clause
/*
 * Two cascaded 8259A PICs (Intel 8259A data sheet) and the ELCR of PIIX-style chipsets
 * (82371AB PIIX4 data sheet, ELCR1 and ELCR2). The model and the lock rule are described in
 * bulkhead/vpic.h.
 */
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <bulkhead/vpic.h>
#include <bulkhead/vplatform.h>

#define PIC_PORTS  2 /* command (A0=0) and data (A0=1) */
#define ELCR_PORTS 2

/* Command port writes: D4 set is ICW1, else D3 set is OCW3, else OCW2. */
#define ICW1	  0x10
#define ICW1_IC4  0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define OCW3	  0x08

#define ICW2_VECTOR 0xf8 /* T7-T3 in 8086 mode */
#define ICW4_AEOI   0x02
#define ICW4_SFNM   0x10

/* OCW2 bits 7:5 (R, SL, EOI) select the command; bits 2:0 are the level. */
#define OCW2_COMMAND		 0xe0
#define OCW2_LEVEL		 0x07
#define OCW2_ROTATE_AEOI_CLEAR	 0x00
#define OCW2_NONSPECIFIC_EOI	 0x20
#define OCW2_NOP		 0x40
#define OCW2_SPECIFIC_EOI	 0x60
#define OCW2_ROTATE_AEOI_SET	 0x80
#define OCW2_ROTATE_NONSPEC_EOI	 0xa0
#define OCW2_SET_PRIORITY	 0xc0
#define OCW2_ROTATE_SPECIFIC_EOI 0xe0

#define OCW3_RIS  0x01 /* with RR: read ISR, else IRR */
#define OCW3_RR	  0x02
#define OCW3_POLL 0x04
#define OCW3_SMM  0x20 /* with ESMM: set, else clear special mask mode */
#define OCW3_ESMM 0x40

#define POLL_REQUEST 0x80 /* poll byte bit 7: a request was acknowledged */
#define SPURIOUS_IR  7	  /* the IR whose vector an INTA without a request returns */
#define LOWEST_RESET 7	  /* IR7 has the lowest priority after ICW1 */

/* The ICW the data port takes next (struct vpic_chip.init_step). */
enum { INIT_DONE = 0, INIT_ICW2, INIT_ICW3, INIT_ICW4 };

/* The vectors and cascade a PC BIOS programs (IBM PC/AT). */
#define RESET_MASTER_VECTOR 0x08
#define RESET_SLAVE_VECTOR  0x70
#define RESET_MASTER_ICW3   0x04 /* slave on IR2 */
#define RESET_SLAVE_ICW3    0x02 /* slave ID 2 */

BUILD_BUG_ON(VPIC_CASCADE_PIN >= 8);
BUILD_BUG_ON((VPIC_ELCR_MASTER_RW & BIT(VPIC_CASCADE_PIN)) != 0);

static u8 level_inputs(const struct vpic_chip *c)
{
	return c->level_all ? 0xff : c->elcr;
}

/* The IR at priority rank (0 is the highest) under the chip's current rotation. */
static u32 ir_at_rank(const struct vpic_chip *c, u32 rank)
{
	return (c->lowest + 1 + rank) & 7;
}

/* The master inputs a slave answers the INTA cycle for: pin 2 in cascade mode. */
static u8 cascade_inputs(const struct vpic *pic)
{
	if (pic->master.single)
		return 0;
	return pic->master.icw3 & BIT(VPIC_CASCADE_PIN);
}

/* Inputs whose in-service bit does not hold off their own requests: SFNM's cascade. */
static u8 nested_inputs(const struct vpic *pic, const struct vpic_chip *c)
{
	if (c != &pic->master || !c->special_nested)
		return 0;
	return cascade_inputs(pic);
}

/*
 * The IR the chip's priority resolver signals on INT, or -1: the highest-priority
 * unmasked request that no in-service level of higher or equal priority holds off (8259A
 * "Fully nested mode"). In special mask mode only the request's own ISR bit holds it off.
 */
static int chip_request(const struct vpic_chip *c, u8 nested)
{
	u8 requests = c->irr & ~c->imr;

	if (c->init_step != INIT_DONE || !requests)
		return -1;
	for (u32 rank = 0; rank < 8; rank++) {
		u32 ir = ir_at_rank(c, rank);
		u8 bit = BIT(ir);

		if ((requests & bit) && (!(c->isr & bit) || (nested & bit)))
			return (int)ir;
		if ((c->isr & bit) && !c->special_mask)
			return -1;
	}
	return -1;
}

static int highest_in_service(const struct vpic_chip *c)
{
	for (u32 rank = 0; rank < 8; rank++) {
		u32 ir = ir_at_rank(c, rank);

		if (c->isr & BIT(ir))
			return (int)ir;
	}
	return -1;
}

/* Caller holds the lock. Edge inputs latch a rising edge; level inputs show the line. */
static void chip_set_input(struct vpic_chip *c, u32 ir, bool level)
{
	u8 bit = BIT(ir);
	bool was = c->lines & bit;

	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
	if (level_inputs(c) & bit)
		c->irr = level ? c->irr | bit : c->irr & ~bit;
	else if (level && !was)
		c->irr |= bit;
}

/* Caller holds the lock. The chip's part of acknowledging ir, by INTA or by a poll. */
static void chip_ack(struct vpic_chip *c, u32 ir)
{
	u8 bit = BIT(ir);

	/* An edge request is consumed; a level request stays while its line is high. */
	if (!(level_inputs(c) & bit))
		c->irr &= ~bit;
	if (!c->auto_eoi)
		c->isr |= bit;
	else if (c->rotate_in_aeoi)
		c->lowest = ir;
}

/*
 * Caller holds the lock. The slave answered an acknowledge: its INT falls for that
 * moment, so a request it still signals afterwards is a new edge on master pin 2.
 */
static void slave_answered(struct vpic *pic)
{
	pic->master.lines &= ~BIT(VPIC_CASCADE_PIN);
}

/* Caller holds the lock. Feeds the slave's INT to master pin 2 and recomputes INTR. */
static void update_outputs(struct vpic *pic)
{
	bool slave_int = chip_request(&pic->slave, 0) >= 0;

	chip_set_input(&pic->master, VPIC_CASCADE_PIN, slave_int);
	__atomic_store_n(&pic->intr,
			 chip_request(&pic->master, nested_inputs(pic, &pic->master)) >= 0,
			 __ATOMIC_RELEASE);
	if (pic->intr)
		pic->intr_seen = true;
}

static bool intr_level_of(const void *dev)
{
	return ((const struct vpic *)dev)->intr;
}

/* Caller holds pic->lock (taken with flags); releases it, handing a changed INTR on. */
static void vpic_unlock(struct vpic *pic, u64 flags)
{
	update_outputs(pic);
	irq_line_unlock(&pic->intr_out, &pic->lock, flags, intr_level_of, pic);
}

/* Caller holds the lock. A poll read: the read is the acknowledge (8259A "Poll command"). */
static u8 chip_poll(struct vpic *pic, struct vpic_chip *c)
{
	int ir = chip_request(c, nested_inputs(pic, c));

	c->poll = false;
	if (ir < 0)
		return 0;
	chip_ack(c, (u32)ir);
	if (c == &pic->slave)
		slave_answered(pic);
	return POLL_REQUEST | (u8)ir;
}

/* Caller holds the lock. */
static u8 chip_read(struct vpic *pic, struct vpic_chip *c, bool data_port)
{
	if (c->poll)
		return chip_poll(pic, c);
	if (data_port)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

/* Caller holds the lock. */
static void write_icw1(struct vpic_chip *c, u8 val)
{
	c->icw4_needed = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	c->level_all = val & ICW1_LTIM;
	c->init_step = INIT_ICW2;
	c->imr = 0;
	c->isr = 0;
	/* The edge sense latches are reset: a high edge input needs a new rising edge. */
	c->irr = c->lines & level_inputs(c);
	c->lowest = LOWEST_RESET;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_in_aeoi = false;
	/* Without IC4 the ICW4 functions are all zero; with it ICW4 sets them. */
	c->auto_eoi = false;
	c->special_nested = false;
}

/* Caller holds the lock. ICW2-ICW4 through the data port, in the order ICW1 asked for. */
static void write_icw(struct vpic_chip *c, u8 val)
{
	switch (c->init_step) {
	case INIT_ICW2:
		c->vector_base = val & ICW2_VECTOR;
		if (!c->single)
			c->init_step = INIT_ICW3;
		else
			c->init_step = c->icw4_needed ? INIT_ICW4 : INIT_DONE;
		break;
	case INIT_ICW3:
		c->icw3 = val;
		c->init_step = c->icw4_needed ? INIT_ICW4 : INIT_DONE;
		break;
	case INIT_ICW4:
		c->auto_eoi = val & ICW4_AEOI;
		c->special_nested = val & ICW4_SFNM;
		c->init_step = INIT_DONE;
		break;
	default:
		break;
	}
}

/* Caller holds the lock. EOI and priority commands (8259A Table 3, OCW2). */
static void write_ocw2(struct vpic_chip *c, u8 val)
{
	u32 level = val & OCW2_LEVEL;
	int top;

	switch (val & OCW2_COMMAND) {
	case OCW2_NONSPECIFIC_EOI:
	case OCW2_ROTATE_NONSPEC_EOI:
		top = highest_in_service(c);
		if (top < 0)
			break;
		c->isr &= ~BIT(top);
		if ((val & OCW2_COMMAND) == OCW2_ROTATE_NONSPEC_EOI)
			c->lowest = (u8)top;
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= ~BIT(level);
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= ~BIT(level);
		c->lowest = (u8)level;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest = (u8)level;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_in_aeoi = true;
		break;
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_in_aeoi = false;
		break;
	default: /* OCW2_NOP */
		break;
	}
}

/* Caller holds the lock. */
static void write_ocw3(struct vpic_chip *c, u8 val)
{
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	c->poll = val & OCW3_POLL;
}

/* Caller holds the lock. */
static void chip_write(struct vpic_chip *c, bool data_port, u8 val)
{
	if (data_port) {
		if (c->init_step != INIT_DONE)
			write_icw(c, val);
		else
			c->imr = val; /* OCW1 */
	} else if (val & ICW1) {
		write_icw1(c, val);
	} else if (val & OCW3) {
		write_ocw3(c, val);
	} else {
		write_ocw2(c, val);
	}
}

/* Caller holds the lock. A level input shows its line at once; an edge one keeps its latch. */
static void write_elcr(struct vpic_chip *c, u8 val, u8 writable)
{
	u8 level;

	c->elcr = val & writable;
	level = level_inputs(c);
	c->irr = (c->irr & ~level) | (c->lines & level);
}

/* Caller holds the lock. */
static u8 read_port(struct vpic *pic, u64 port)
{
	switch (port) {
	case VPLAT_PIC_MASTER:
	case VPLAT_PIC_MASTER + 1:
		return chip_read(pic, &pic->master, port & 1);
	case VPLAT_PIC_SLAVE:
	case VPLAT_PIC_SLAVE + 1:
		return chip_read(pic, &pic->slave, port & 1);
	case VPLAT_PIC_ELCR:
		return pic->master.elcr;
	case VPLAT_PIC_ELCR + 1:
		return pic->slave.elcr;
	default:
		return 0xff;
	}
}

/* Caller holds the lock. */
static void write_port(struct vpic *pic, u64 port, u8 val)
{
	switch (port) {
	case VPLAT_PIC_MASTER:
	case VPLAT_PIC_MASTER + 1:
		chip_write(&pic->master, port & 1, val);
		break;
	case VPLAT_PIC_SLAVE:
	case VPLAT_PIC_SLAVE + 1:
		chip_write(&pic->slave, port & 1, val);
		break;
	case VPLAT_PIC_ELCR:
		write_elcr(&pic->master, val, VPIC_ELCR_MASTER_RW);
		break;
	case VPLAT_PIC_ELCR + 1:
		write_elcr(&pic->slave, val, VPIC_ELCR_SLAVE_RW);
		break;
	default:
		break;
	}
}

/*
 * The port I/O handler of all three port pairs. Each byte of the access reaches its own
 * port, in address order; a byte beyond the registered ports reads 0xff and is dropped.
 */
static int vpic_access(void *device, struct io_request *req)
{
	struct vpic *pic = device;
	u64 value = 0;
	u64 flags;

	if (req->size == 0 || req->size > sizeof(req->value))
		return -EINVAL;
	flags = spin_lock_irqsave(&pic->lock);
	for (u32 i = 0; i < req->size; i++) {
		u64 port = req->addr + i;

		if (req->write)
			write_port(pic, port, (u8)(req->value >> (8 * i)));
		else
			value |= (u64)read_port(pic, port) << (8 * i);
	}
	if (!req->write)
		req->value = value;
	vpic_unlock(pic, flags);
	return 0;
}

/* Caller holds the lock. The input lines are the devices' and keep their levels. */
static void reset_chip(struct vpic_chip *c, u8 vector_base, u8 icw3)
{
	c->irr = 0;
	c->isr = 0;
	c->imr = 0xff;
	c->elcr = 0;
	c->vector_base = vector_base;
	c->icw3 = icw3;
	c->lowest = LOWEST_RESET;
	c->init_step = INIT_DONE;
	c->icw4_needed = true;
	c->single = false;
	c->level_all = false;
	c->auto_eoi = false;
	c->special_nested = false;
	c->rotate_in_aeoi = false;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
}

/* Caller holds the lock. */
static void reset_pic(struct vpic *pic)
{
	reset_chip(&pic->master, RESET_MASTER_VECTOR, RESET_MASTER_ICW3);
	reset_chip(&pic->slave, RESET_SLAVE_VECTOR, RESET_SLAVE_ICW3);
	pic->intr_seen = false;
}

void vpic_init(struct vpic *pic, irq_line_fn intr_out, void *ctx)
{
	spin_lock_init(&pic->lock);
	irq_line_init(&pic->intr_out, intr_out, ctx);
	__atomic_store_n(&pic->intr, false, __ATOMIC_RELEASE);
	pic->master.lines = 0;
	pic->slave.lines = 0;
	reset_pic(pic);
}

int vpic_attach(struct vpic *pic, struct io_bus *pio)
{
	int err;

	err = io_bus_register(pio, VPLAT_PIC_MASTER, PIC_PORTS, vpic_access, pic, "pic master");
	if (err)
		return err;
	err = io_bus_register(pio, VPLAT_PIC_SLAVE, PIC_PORTS, vpic_access, pic, "pic slave");
	if (err)
		goto out_master;
	err = io_bus_register(pio, VPLAT_PIC_ELCR, ELCR_PORTS, vpic_access, pic, "elcr");
	if (err)
		goto out_slave;
	return 0;

out_slave:
	io_bus_unregister(pio, VPLAT_PIC_SLAVE);
out_master:
	io_bus_unregister(pio, VPLAT_PIC_MASTER);
	return err;
}

void vpic_reset(struct vpic *pic)
{
	u64 flags = spin_lock_irqsave(&pic->lock);

	reset_pic(pic);
	vpic_unlock(pic, flags);
}

void vpic_set_irq(struct vpic *pic, u32 irq, bool level)
{
	u64 flags;

	/* IRQ 2 is the cascade, inside the chipset: no ISA device drives it. */
	if (irq >= VPIC_IRQS || irq == VPIC_CASCADE_PIN)
		return;
	flags = spin_lock_irqsave(&pic->lock);
	chip_set_input(irq < 8 ? &pic->master : &pic->slave, irq & 7, level);
	vpic_unlock(pic, flags);
}

/*
 * 8259A "Interrupt sequence": the master acknowledges its highest request; for a cascade
 * input the slave supplies the vector and does the same on its side. A chip without a
 * request answers with its IR7 vector and sets no ISR bit.
 */
int vpic_intr_ack(struct vpic *pic)
{
	u64 flags = spin_lock_irqsave(&pic->lock);
	struct vpic_chip *master = &pic->master;
	struct vpic_chip *slave = &pic->slave;
	int vector = -1;
	int ir;

	if (!pic->intr_seen)
		goto out;
	pic->intr_seen = false;
	ir = chip_request(master, nested_inputs(pic, master));
	if (ir < 0) {
		vector = master->vector_base | SPURIOUS_IR;
		goto out;
	}
	chip_ack(master, (u32)ir);
	if (!(cascade_inputs(pic) & BIT(ir))) {
		vector = master->vector_base | ir;
		goto out;
	}
	ir = chip_request(slave, 0);
	if (ir < 0) {
		vector = slave->vector_base | SPURIOUS_IR;
		goto out;
	}
	chip_ack(slave, (u32)ir);
	slave_answered(pic);
	vector = slave->vector_base | ir;
out:
	vpic_unlock(pic, flags);
	return vector;
}
