// SPDX-License-Identifier: BSD-3-Clause
/*
 * The emulated pair of 8259A PICs and the ELCR (dm/vpic.c), driven as a guest drives them:
 * every register access goes through a real port I/O bus, devices move the input lines,
 * and the CPU side checks INTR and runs INTA cycles. Expected values are the 8259A's,
 * written out as numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/io_bus.h>
#include <bulkhead/vpic.h>

#define MASTER_CMD  0x20
#define MASTER_DATA 0x21
#define SLAVE_CMD   0xa0
#define SLAVE_DATA  0xa1
#define ELCR_MASTER 0x4d0
#define ELCR_SLAVE  0x4d1

#define NONSPECIFIC_EOI 0x20
#define SPECIFIC_EOI	0x60 /* | IR */
#define READ_IRR	0x0a
#define READ_ISR	0x0b
#define POLL		0x0c

/* Linux (arch/x86/kernel/i8259.c) puts the legacy IRQs at vectors 0x30-0x3f. */
#define LINUX_MASTER_BASE 0x30
#define LINUX_SLAVE_BASE  0x38

struct line {
	bool level;
	int calls;
	int redundant; /* calls that did not change the level: never expected */
	int overlaps;  /* calls that found another one in progress: never expected */
	int inside;
	bool ack_on_rise; /* the callback runs the INTA cycle at once, re-entering */
	int acked;	  /* the vector it got */
};

static struct io_bus bus;
static struct vpic pic;
static struct line intr;

static void line_set(void *ctx, bool level)
{
	struct line *l = ctx;

	if (__atomic_fetch_add(&l->inside, 1, __ATOMIC_ACQUIRE))
		__atomic_fetch_add(&l->overlaps, 1, __ATOMIC_RELAXED);
	for (volatile int spin = 0; spin < 100; spin++)
		;
	if (level == l->level)
		l->redundant++;
	l->level = level;
	l->calls++;
	__atomic_fetch_sub(&l->inside, 1, __ATOMIC_RELEASE);
	if (level && l->ack_on_rise)
		l->acked = vpic_intr_ack(&pic);
}

static u8 bus_inb(struct io_bus *b, u16 port)
{
	struct io_request req = {.addr = port, .size = 1};

	assert_int_equal(io_bus_dispatch(b, &req), 0);
	assert_true(req.value <= 0xff);
	return (u8)req.value;
}

static void bus_outb(struct io_bus *b, u16 port, u8 value)
{
	struct io_request req = {.addr = port, .size = 1, .write = true, .value = value};

	assert_int_equal(io_bus_dispatch(b, &req), 0);
}

static u8 inb(u16 port)
{
	return bus_inb(&bus, port);
}

static void outb(u16 port, u8 value)
{
	bus_outb(&bus, port, value);
}

static int unrelated_device(void *device, struct io_request *req)
{
	(void)device;
	req->value = 0;
	return 0;
}

static u8 read_isr(u16 cmd)
{
	u8 isr;

	outb(cmd, READ_ISR);
	isr = inb(cmd);
	outb(cmd, READ_IRR);
	return isr;
}

static u8 read_irr(u16 cmd)
{
	return inb(cmd); /* IRR is selected unless a test selects ISR */
}

static void irq(u32 n, bool level)
{
	vpic_set_irq(&pic, n, level);
}

static void pulse(u32 n)
{
	irq(n, true);
	irq(n, false);
}

/* arch/x86/kernel/i8259.c init_8259A(): master then slave, 8086 mode, optional AEOI. */
static void linux_init(bool auto_eoi)
{
	outb(MASTER_DATA, 0xff);
	outb(SLAVE_DATA, 0xff);
	outb(MASTER_CMD, 0x11);
	outb(MASTER_DATA, LINUX_MASTER_BASE);
	outb(MASTER_DATA, 0x04);
	outb(MASTER_DATA, auto_eoi ? 0x03 : 0x01);
	outb(SLAVE_CMD, 0x11);
	outb(SLAVE_DATA, LINUX_SLAVE_BASE);
	outb(SLAVE_DATA, 0x02);
	outb(SLAVE_DATA, 0x01);
	/* Everything unmasked, so that tests start from a running pair. */
	outb(MASTER_DATA, 0x00);
	outb(SLAVE_DATA, 0x00);
}

/* Linux's mask_and_ack_8259A() for a level or edge IRQ: specific EOIs, slave first. */
static void linux_eoi(u32 n)
{
	if (n >= 8) {
		outb(SLAVE_CMD, SPECIFIC_EOI | (n & 7));
		outb(MASTER_CMD, SPECIFIC_EOI | 2);
	} else {
		outb(MASTER_CMD, SPECIFIC_EOI | n);
	}
}

static int setup(void **state)
{
	(void)state;
	memset(&intr, 0, sizeof(intr));
	io_bus_init(&bus, 0x10000);
	vpic_init(&pic, line_set, &intr);
	assert_int_equal(vpic_attach(&pic, &bus), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(intr.redundant, 0);
	assert_int_equal(intr.overlaps, 0);
	assert_int_equal(intr.level, vpic_intr_pending(&pic));
	return 0;
}

static void reset_state_is_a_bios_setup_all_masked(void **state)
{
	(void)state;
	assert_int_equal(inb(MASTER_DATA), 0xff);
	assert_int_equal(inb(SLAVE_DATA), 0xff);
	assert_int_equal(read_irr(MASTER_CMD), 0x00);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	assert_int_equal(read_isr(SLAVE_CMD), 0x00);
	assert_int_equal(inb(ELCR_MASTER), 0x00);
	assert_int_equal(inb(ELCR_SLAVE), 0x00);
	assert_false(vpic_intr_pending(&pic));
	assert_int_equal(vpic_intr_ack(&pic), -1);
	/* IRR latches a masked request; unmasking it raises INTR. */
	irq(1, true);
	assert_int_equal(read_irr(MASTER_CMD), 0x02);
	assert_false(vpic_intr_pending(&pic));
	outb(MASTER_DATA, 0xfd);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x09);
	assert_false(intr.level);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	/* The slave sits on IR2 with vectors 0x70-0x77. */
	outb(MASTER_DATA, 0xfb);
	outb(SLAVE_DATA, 0xfe);
	irq(8, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x70);
	assert_int_equal(intr.calls, 4);
}

static void linux_init_sequence(void **state)
{
	(void)state;
	linux_init(false);
	/* probe_8259A(): the mask reads back. */
	outb(MASTER_DATA, 0xff);
	assert_int_equal(inb(MASTER_DATA), 0xff);
	outb(MASTER_DATA, 0x00);
	assert_int_equal(inb(MASTER_DATA), 0x00);

	irq(0, true);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x30);
	assert_false(intr.level);
	assert_int_equal(read_isr(MASTER_CMD), 0x01);
	assert_int_equal(read_irr(MASTER_CMD), 0x00);
	linux_eoi(0);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);

	irq(12, true);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x3c);
	assert_int_equal(read_isr(MASTER_CMD), 0x04);
	assert_int_equal(read_isr(SLAVE_CMD), 0x10);
	linux_eoi(12);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	assert_int_equal(read_isr(SLAVE_CMD), 0x00);
	assert_false(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), -1);
}

/* SeaBIOS-style: both chips' ICWs interleaved, then only the cascade unmasked. */
static void bios_init_sequence(void **state)
{
	(void)state;
	outb(MASTER_CMD, 0x11);
	outb(SLAVE_CMD, 0x11);
	outb(MASTER_DATA, 0x08);
	outb(SLAVE_DATA, 0x70);
	outb(MASTER_DATA, 0x04);
	outb(SLAVE_DATA, 0x02);
	outb(MASTER_DATA, 0x01);
	outb(SLAVE_DATA, 0x01);
	outb(MASTER_DATA, 0xfb);
	outb(SLAVE_DATA, 0xff);
	assert_int_equal(inb(MASTER_DATA), 0xfb);
	assert_int_equal(inb(SLAVE_DATA), 0xff);

	irq(8, true); /* RTC, still masked in the slave */
	assert_false(intr.level);
	outb(SLAVE_DATA, 0xfe);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x70);
	/* The BIOS handler's non-specific EOIs, slave then master. */
	outb(SLAVE_CMD, NONSPECIFIC_EOI);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	assert_int_equal(read_isr(SLAVE_CMD), 0x00);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	outb(MASTER_DATA, 0xfa);
	irq(0, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x08);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	assert_false(intr.level);
}

/* ICW1 decides how many ICWs follow: the first data write after them is OCW1. */
static void icw1_selects_the_icws_that_follow(void **state)
{
	(void)state;
	/* Cascade, no ICW4: ICW2, ICW3, then the mask. */
	outb(MASTER_CMD, 0x10);
	outb(MASTER_DATA, 0x40);
	outb(MASTER_DATA, 0x04);
	assert_int_equal(inb(MASTER_DATA), 0x00); /* ICW1 cleared IMR */
	outb(MASTER_DATA, 0xa5);
	assert_int_equal(inb(MASTER_DATA), 0xa5);
	/* Single, no ICW4: ICW2 alone. */
	outb(MASTER_CMD, 0x12);
	outb(MASTER_DATA, 0x40);
	outb(MASTER_DATA, 0x5a);
	assert_int_equal(inb(MASTER_DATA), 0x5a);
	/* Single with ICW4: ICW2, ICW4. The vector base keeps bits 7:3 only. */
	outb(MASTER_CMD, 0x13);
	outb(MASTER_DATA, 0x47);
	outb(MASTER_DATA, 0x01);
	outb(MASTER_DATA, 0x3c);
	assert_int_equal(inb(MASTER_DATA), 0x3c);
	irq(0, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x40);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
}

static void no_interrupt_during_initialisation(void **state)
{
	(void)state;
	linux_init(false);
	outb(MASTER_CMD, 0x11);
	outb(MASTER_DATA, 0x50);
	irq(3, true);
	assert_false(intr.level);
	outb(MASTER_DATA, 0x04);
	assert_false(intr.level);
	outb(MASTER_DATA, 0x01);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x53);
}

/* Without a cascade (SNGL, or no ICW3 bit 2) the master answers for IR2 itself. */
static void single_mode_master_supplies_ir2(void **state)
{
	(void)state;
	linux_init(false);
	outb(MASTER_CMD, 0x13);
	outb(MASTER_DATA, 0x30);
	outb(MASTER_DATA, 0x01);
	irq(9, true);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x32);
	assert_int_equal(read_isr(MASTER_CMD), 0x04);
	assert_int_equal(read_isr(SLAVE_CMD), 0x00);
	assert_int_equal(read_irr(SLAVE_CMD), 0x02);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	/* Cascade mode, but ICW3 puts no slave on IR2. */
	outb(MASTER_CMD, 0x11);
	outb(MASTER_DATA, 0x30);
	outb(MASTER_DATA, 0x00);
	outb(MASTER_DATA, 0x01);
	outb(SLAVE_CMD, 0x11);
	outb(SLAVE_DATA, 0x38);
	outb(SLAVE_DATA, 0x02);
	outb(SLAVE_DATA, 0x01);
	irq(10, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x32);
	assert_int_equal(read_isr(SLAVE_CMD), 0x00);
}

static void fully_nested_priority(void **state)
{
	(void)state;
	linux_init(false);
	irq(5, true);
	irq(3, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	/* IR5 waits for the higher level in service... */
	assert_false(intr.level);
	assert_int_equal(read_irr(MASTER_CMD), 0x20);
	/* ...but IR1 interrupts it. */
	irq(1, true);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x31);
	assert_int_equal(read_isr(MASTER_CMD), 0x0a);
	/* A non-specific EOI ends the highest level in service: IR1, then IR3. */
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	assert_int_equal(read_isr(MASTER_CMD), 0x08);
	assert_false(intr.level);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x35);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	/* With nothing in service a non-specific EOI does nothing. */
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
}

static void request_at_the_level_in_service_waits(void **state)
{
	(void)state;
	linux_init(false);
	pulse(4);
	assert_int_equal(vpic_intr_ack(&pic), 0x34);
	pulse(4);
	assert_int_equal(read_irr(MASTER_CMD), 0x10);
	assert_false(intr.level);
	linux_eoi(4);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x34);
}

static void specific_and_nonspecific_eoi(void **state)
{
	(void)state;
	linux_init(false);
	irq(6, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x36);
	irq(3, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	/* A specific EOI can end the lower level first. */
	outb(MASTER_CMD, SPECIFIC_EOI | 6);
	assert_int_equal(read_isr(MASTER_CMD), 0x08);
	/* One for a level not in service changes nothing. */
	outb(MASTER_CMD, SPECIFIC_EOI | 7);
	assert_int_equal(read_isr(MASTER_CMD), 0x08);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	/* OCW2 0x40 is a no-op. */
	irq(7, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x37);
	outb(MASTER_CMD, 0x40);
	assert_int_equal(read_isr(MASTER_CMD), 0x80);
}

/* A non-specific EOI ends the highest priority in service, which rotation changes. */
static void nonspecific_eoi_follows_the_rotation(void **state)
{
	(void)state;
	linux_init(false);
	outb(MASTER_CMD, 0xc1); /* set priority: IR1 lowest, IR2 highest */
	irq(0, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x30);
	irq(5, true); /* above IR0 now */
	assert_int_equal(vpic_intr_ack(&pic), 0x35);
	assert_int_equal(read_isr(MASTER_CMD), 0x21);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	assert_int_equal(read_isr(MASTER_CMD), 0x01);
}

static void rotate_on_nonspecific_eoi(void **state)
{
	(void)state;
	linux_init(false);
	irq(1, true);
	irq(3, true);
	irq(4, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x31);
	outb(MASTER_CMD, 0xa0); /* IR1 becomes the lowest */
	irq(1, false);
	irq(1, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	outb(MASTER_CMD, 0xa0); /* IR3 lowest: IR4 first, IR1 last */
	assert_int_equal(vpic_intr_ack(&pic), 0x34);
	outb(MASTER_CMD, 0xa0);
	assert_int_equal(vpic_intr_ack(&pic), 0x31);
	outb(MASTER_CMD, 0xa0);
	assert_false(intr.level);
}

static void set_priority_and_rotate_on_specific_eoi(void **state)
{
	(void)state;
	linux_init(false);
	outb(MASTER_CMD, 0xc4); /* IR4 lowest: IR5 highest */
	irq(3, true);
	irq(6, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x36);
	/* IR3 ranks below IR6 now, so it waits. */
	assert_false(intr.level);
	outb(MASTER_CMD, 0xe6); /* rotate on specific EOI: end IR6, make it lowest */
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	/* IR6 lowest: IR7 highest, then IR0, ..., so IR3 ranks above IR5. */
	irq(5, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	assert_false(intr.level);
	irq(7, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x37);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	assert_int_equal(read_isr(MASTER_CMD), 0x08);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	assert_int_equal(vpic_intr_ack(&pic), 0x35);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	/* Rotation is per chip: the slave still has IR0 (IRQ 8) highest. */
	irq(15, true);
	irq(8, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x38);
	linux_eoi(8);
	assert_int_equal(vpic_intr_ack(&pic), 0x3f);
	linux_eoi(15);
}

static void auto_eoi_needs_no_eoi(void **state)
{
	(void)state;
	linux_init(true);
	irq(3, true);
	irq(5, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	assert_true(intr.level); /* nothing in service holds IR5 off */
	assert_int_equal(vpic_intr_ack(&pic), 0x35);
	assert_false(intr.level);
	/* Through the cascade: the master's AEOI ends IR2, two slave requests follow. */
	outb(SLAVE_CMD, 0x11);
	outb(SLAVE_DATA, LINUX_SLAVE_BASE);
	outb(SLAVE_DATA, 0x02);
	outb(SLAVE_DATA, 0x03);
	irq(10, true);
	irq(9, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x39);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x3a);
	assert_false(intr.level);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	assert_int_equal(read_isr(SLAVE_CMD), 0x00);
}

static void rotate_in_auto_eoi(void **state)
{
	(void)state;
	linux_init(true);
	outb(MASTER_CMD, 0x80); /* rotate in AEOI mode: set */
	irq(1, true);
	irq(3, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x31);
	irq(1, false);
	irq(1, true);
	/* IR1 went to the bottom: IR3 first. */
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	assert_int_equal(vpic_intr_ack(&pic), 0x31);
	outb(MASTER_CMD, 0x00); /* rotate in AEOI mode: clear */
	pulse(0);
	pulse(4);
	/* IR1 is lowest (the last rotation): IR4 ranks above IR0, and stays there. */
	assert_int_equal(vpic_intr_ack(&pic), 0x34);
	pulse(4);
	assert_int_equal(vpic_intr_ack(&pic), 0x34);
	assert_int_equal(vpic_intr_ack(&pic), 0x30);
}

static void cascade_through_pin_2(void **state)
{
	(void)state;
	linux_init(false);
	irq(10, true);
	assert_true(intr.level);
	assert_int_equal(read_irr(SLAVE_CMD), 0x04);
	assert_int_equal(vpic_intr_ack(&pic), 0x3a);
	assert_int_equal(read_isr(MASTER_CMD), 0x04);
	assert_int_equal(read_isr(SLAVE_CMD), 0x04);
	/* IRQ 0 and 1 rank above the cascade and interrupt it; IRQ 3 does not. */
	irq(3, true);
	assert_false(intr.level);
	irq(1, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x31);
	linux_eoi(1);
	/* IRQ 9 ranks above IRQ 10 in the slave, but the master holds IR2 in service. */
	irq(9, true);
	assert_false(intr.level);
	outb(MASTER_CMD, SPECIFIC_EOI | 2);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x39);
	assert_int_equal(read_isr(SLAVE_CMD), 0x06);
	linux_eoi(9);
	linux_eoi(10);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	linux_eoi(3);
	/* Master IMR bit 2 masks the whole slave. */
	outb(MASTER_DATA, 0x04);
	pulse(11);
	assert_false(intr.level);
	outb(MASTER_DATA, 0x00);
	assert_int_equal(vpic_intr_ack(&pic), 0x3b);
	linux_eoi(11);
	assert_false(intr.level);
}

/* A slave request that appears while its lower one is in service, EOI order either way. */
static void cascade_eoi_order(void **state)
{
	(void)state;
	linux_init(false);
	irq(12, true);
	irq(14, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x3c);
	/* Master first, then slave: IRQ 14 follows on the slave's EOI. */
	outb(MASTER_CMD, SPECIFIC_EOI | 2);
	assert_false(intr.level);
	outb(SLAVE_CMD, SPECIFIC_EOI | 4);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x3e);
	linux_eoi(14);
	assert_false(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), -1);
}

static void special_fully_nested_mode(void **state)
{
	(void)state;
	linux_init(false);
	outb(MASTER_CMD, 0x11);
	outb(MASTER_DATA, LINUX_MASTER_BASE);
	outb(MASTER_DATA, 0x04);
	outb(MASTER_DATA, 0x11); /* SFNM, 8086 */
	irq(12, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x3c);
	/* A higher slave request gets through the cascade in service... */
	irq(9, true);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x39);
	assert_int_equal(read_isr(SLAVE_CMD), 0x12);
	/* ...a lower one in the slave does not, nor a lower master level. */
	irq(13, true);
	irq(4, true);
	assert_false(intr.level);
	outb(SLAVE_CMD, SPECIFIC_EOI | 1);
	outb(SLAVE_CMD, SPECIFIC_EOI | 4);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x3d);
	outb(SLAVE_CMD, SPECIFIC_EOI | 5);
	/* SFNM: the master's EOI comes once the slave's ISR is empty. */
	assert_int_equal(read_isr(SLAVE_CMD), 0x00);
	outb(MASTER_CMD, SPECIFIC_EOI | 2);
	assert_int_equal(vpic_intr_ack(&pic), 0x34);
}

/* A level request that falls before INTA: the master's default IR7. */
static void spurious_irq7(void **state)
{
	(void)state;
	linux_init(false);
	outb(ELCR_MASTER, 0x20);
	irq(5, true);
	assert_true(intr.level);
	irq(5, false);
	assert_false(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x37);
	assert_int_equal(read_isr(MASTER_CMD), 0x00); /* no ISR bit for a spurious IRQ */
	assert_int_equal(vpic_intr_ack(&pic), -1);
	/* An edge request masked before INTA, too; it stays latched for later. */
	irq(4, true);
	outb(MASTER_DATA, 0x10);
	assert_false(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x37);
	assert_int_equal(read_irr(MASTER_CMD), 0x10);
	outb(MASTER_DATA, 0x00);
	assert_int_equal(vpic_intr_ack(&pic), 0x34);
	linux_eoi(4);
	/* A real IRQ 7 sets ISR bit 7, which is how Linux tells the two apart. */
	irq(7, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x37);
	assert_int_equal(read_isr(MASTER_CMD), 0x80);
}

/* A slave request gone before INTA: the slave's IR7, with the master's IR2 in service. */
static void spurious_irq15(void **state)
{
	(void)state;
	linux_init(false);
	outb(ELCR_SLAVE, 0x08); /* IRQ 11 level */
	irq(11, true);
	assert_true(intr.level);
	irq(11, false);
	/* The master latched the slave's INT on its edge-triggered IR2. */
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x3f);
	assert_int_equal(read_isr(SLAVE_CMD), 0x00);
	assert_int_equal(read_isr(MASTER_CMD), 0x04);
	/* Linux's spurious-IRQ15 path: EOI the cascade on the master only. */
	outb(MASTER_CMD, SPECIFIC_EOI | 2);
	assert_false(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), -1);
	/* The same when the slave's IMR hides the request. */
	pulse(8);
	outb(SLAVE_DATA, 0x01);
	assert_int_equal(vpic_intr_ack(&pic), 0x3f);
	outb(MASTER_CMD, SPECIFIC_EOI | 2);
	outb(SLAVE_DATA, 0x00);
	assert_int_equal(vpic_intr_ack(&pic), 0x38);
	linux_eoi(8);
}

static void edge_inputs_latch_rising_edges(void **state)
{
	(void)state;
	linux_init(false);
	/* A pulse shorter than the INTA is not lost. */
	pulse(4);
	assert_true(intr.level);
	assert_int_equal(read_irr(MASTER_CMD), 0x10);
	assert_int_equal(vpic_intr_ack(&pic), 0x34);
	assert_int_equal(read_irr(MASTER_CMD), 0x00);
	linux_eoi(4);
	/* A line held high requests once; only a new rising edge requests again. */
	irq(4, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x34);
	linux_eoi(4);
	irq(4, true);
	assert_false(intr.level);
	irq(4, false);
	assert_false(intr.level);
	irq(4, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x34);
	linux_eoi(4);
	assert_false(intr.level);
}

static void level_inputs_follow_the_line(void **state)
{
	(void)state;
	linux_init(false);
	outb(ELCR_MASTER, 0x20);
	outb(ELCR_SLAVE, 0x02); /* IRQ 9, the SCI */
	irq(5, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x35);
	assert_int_equal(read_irr(MASTER_CMD), 0x20); /* still requested while high */
	linux_eoi(5);
	/* Still high after the EOI: another interrupt. */
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x35);
	irq(5, false); /* the handler quietened the device */
	assert_int_equal(read_irr(MASTER_CMD), 0x00);
	linux_eoi(5);
	assert_false(intr.level);
	irq(9, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x39);
	linux_eoi(9);
	assert_int_equal(vpic_intr_ack(&pic), 0x39);
	irq(9, false);
	linux_eoi(9);
	assert_false(intr.level);
	assert_int_equal(read_irr(SLAVE_CMD), 0x00);
}

static void elcr_registers(void **state)
{
	struct io_request wide = {.addr = ELCR_MASTER, .size = 2, .write = true, .value = 0x0c20};

	(void)state;
	/* IRQ 0, 1, 2, 8 and 13 are always edge. */
	outb(ELCR_MASTER, 0xff);
	outb(ELCR_SLAVE, 0xff);
	assert_int_equal(inb(ELCR_MASTER), 0xf8);
	assert_int_equal(inb(ELCR_SLAVE), 0xde);
	/* One 16-bit access reaches both. */
	assert_int_equal(io_bus_dispatch(&bus, &wide), 0);
	assert_int_equal(inb(ELCR_MASTER), 0x20);
	assert_int_equal(inb(ELCR_SLAVE), 0x0c);
	wide.write = false;
	wide.value = 0;
	assert_int_equal(io_bus_dispatch(&bus, &wide), 0);
	assert_int_equal(wide.value, 0x0c20);
	/* Making an input level shows a line that is high already. */
	linux_init(false);
	outb(ELCR_MASTER, 0x00);
	irq(6, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x36);
	linux_eoi(6);
	assert_false(intr.level);
	outb(ELCR_MASTER, 0x40);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x36);
	/* Back to edge: the request stays latched until acknowledged. */
	linux_eoi(6);
	outb(ELCR_MASTER, 0x00);
	assert_int_equal(vpic_intr_ack(&pic), 0x36);
	linux_eoi(6);
	assert_false(intr.level);
}

static void icw1_ltim_makes_every_input_level(void **state)
{
	(void)state;
	outb(MASTER_CMD, 0x19);
	outb(MASTER_DATA, 0x30);
	outb(MASTER_DATA, 0x04);
	outb(MASTER_DATA, 0x01);
	irq(3, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	linux_eoi(3);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	irq(3, false);
	linux_eoi(3);
	assert_false(intr.level);
	assert_int_equal(inb(ELCR_MASTER), 0x00);
}

static void poll_mode(void **state)
{
	(void)state;
	linux_init(false);
	/* Nothing requested: the poll byte is 0. */
	outb(MASTER_CMD, POLL);
	assert_int_equal(inb(MASTER_CMD), 0x00);
	/* The read is the acknowledge: ISR set, request consumed, INTR down. */
	irq(6, true);
	irq(3, true);
	outb(MASTER_CMD, POLL);
	assert_int_equal(inb(MASTER_CMD), 0x83);
	assert_int_equal(read_isr(MASTER_CMD), 0x08);
	assert_false(intr.level);
	/* Only the next read polls. */
	assert_int_equal(inb(MASTER_CMD), 0x40);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	/* A poll read through the data port works as well. */
	outb(MASTER_CMD, POLL);
	assert_int_equal(inb(MASTER_DATA), 0x86);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	/* Cascade: the master reports IR2, then the slave its own level. */
	irq(13, true);
	outb(MASTER_CMD, POLL);
	assert_int_equal(inb(MASTER_CMD), 0x82);
	outb(SLAVE_CMD, POLL);
	assert_int_equal(inb(SLAVE_CMD), 0x85);
	assert_false(intr.level);
	linux_eoi(13);
	assert_false(intr.level);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	assert_int_equal(read_isr(SLAVE_CMD), 0x00);
}

static void imr_masks_requests_not_irr(void **state)
{
	(void)state;
	linux_init(false);
	outb(MASTER_DATA, 0xff);
	outb(SLAVE_DATA, 0xff);
	pulse(3);
	pulse(10);
	assert_false(intr.level);
	/* The masked slave signals nothing, so the master's IR2 has no request. */
	assert_int_equal(read_irr(MASTER_CMD), 0x08);
	assert_int_equal(read_irr(SLAVE_CMD), 0x04);
	outb(MASTER_DATA, 0xfb);
	assert_false(intr.level);
	outb(SLAVE_DATA, 0xfb);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x3a);
	linux_eoi(10);
	assert_false(intr.level);
	outb(MASTER_DATA, 0xf3);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	linux_eoi(3);
	/* Masking the level in service does not end it. */
	outb(MASTER_DATA, 0x00);
	irq(1, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x31);
	outb(MASTER_DATA, 0x02);
	assert_int_equal(read_isr(MASTER_CMD), 0x02);
	pulse(4);
	assert_false(intr.level);
}

static void special_mask_mode(void **state)
{
	(void)state;
	linux_init(false);
	irq(3, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	irq(5, true);
	assert_false(intr.level);
	/* The handler masks its own level and enters special mask mode: IR5 gets through. */
	outb(MASTER_DATA, 0x08);
	outb(MASTER_CMD, 0x68);
	assert_true(intr.level);
	assert_int_equal(vpic_intr_ack(&pic), 0x35);
	assert_int_equal(read_isr(MASTER_CMD), 0x28);
	/* A request at a level in service still waits for its EOI. */
	irq(5, false);
	pulse(5);
	assert_false(intr.level);
	outb(MASTER_CMD, SPECIFIC_EOI | 5);
	assert_int_equal(vpic_intr_ack(&pic), 0x35);
	outb(MASTER_CMD, SPECIFIC_EOI | 5);
	/* OCW3 without ESMM leaves the mode alone; 0x48 leaves it. */
	outb(MASTER_CMD, 0x08);
	pulse(6);
	assert_int_equal(vpic_intr_ack(&pic), 0x36);
	outb(MASTER_CMD, SPECIFIC_EOI | 6);
	outb(MASTER_CMD, 0x48);
	pulse(6);
	assert_false(intr.level); /* IR3 in service holds IR6 off again */
	outb(MASTER_CMD, SPECIFIC_EOI | 3);
	assert_int_equal(vpic_intr_ack(&pic), 0x36);
}

static void ocw3_selects_irr_or_isr(void **state)
{
	(void)state;
	linux_init(false);
	irq(1, true);
	irq(4, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x31);
	assert_int_equal(inb(MASTER_CMD), 0x10);
	outb(MASTER_CMD, READ_ISR);
	assert_int_equal(inb(MASTER_CMD), 0x02);
	assert_int_equal(inb(MASTER_CMD), 0x02); /* the selection stays */
	outb(MASTER_CMD, 0x08);			 /* RR clear: no change */
	assert_int_equal(inb(MASTER_CMD), 0x02);
	assert_int_equal(inb(MASTER_DATA), 0x00); /* the data port reads IMR */
	outb(MASTER_CMD, READ_IRR);
	assert_int_equal(inb(MASTER_CMD), 0x10);
	/* The slave has its own selection. */
	outb(SLAVE_CMD, READ_ISR);
	assert_int_equal(inb(MASTER_CMD), 0x10);
	assert_int_equal(inb(SLAVE_CMD), 0x00);
}

static void icw1_resets_the_chip(void **state)
{
	(void)state;
	linux_init(false);
	outb(ELCR_MASTER, 0x20);
	irq(3, true);
	irq(5, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	outb(MASTER_CMD, 0xc6);
	outb(MASTER_CMD, READ_ISR);
	outb(MASTER_DATA, 0x80);
	outb(MASTER_CMD, 0x11);
	outb(MASTER_DATA, 0x48);
	outb(MASTER_DATA, 0x04);
	outb(MASTER_DATA, 0x01);
	assert_int_equal(inb(MASTER_DATA), 0x00);
	/* IRR is selected again; the level line is still requested, the edge latch not. */
	assert_int_equal(inb(MASTER_CMD), 0x20);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	/* IR7 is lowest again (IR6 was): IR0 beats IR5. */
	pulse(0);
	assert_int_equal(vpic_intr_ack(&pic), 0x48);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	assert_int_equal(vpic_intr_ack(&pic), 0x4d);
	outb(MASTER_CMD, NONSPECIFIC_EOI);
	irq(5, false);
	/* The edge line held high through ICW1 needs a new rising edge. */
	assert_false(intr.level);
	irq(3, false);
	irq(3, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x4b);
}

static void reset_restores_the_reset_state(void **state)
{
	(void)state;
	linux_init(false);
	outb(ELCR_MASTER, 0x20);
	irq(5, true);
	irq(3, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x33);
	irq(1, true);
	assert_true(intr.level);
	vpic_reset(&pic);
	assert_false(intr.level);
	assert_int_equal(inb(MASTER_DATA), 0xff);
	assert_int_equal(inb(SLAVE_DATA), 0xff);
	assert_int_equal(inb(ELCR_MASTER), 0x00);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	assert_int_equal(read_irr(MASTER_CMD), 0x00);
	assert_int_equal(vpic_intr_ack(&pic), -1);
	/* The lines kept their levels, and every input is edge again: no request. */
	outb(MASTER_DATA, 0x00);
	assert_false(intr.level);
	irq(3, false);
	irq(3, true);
	assert_int_equal(vpic_intr_ack(&pic), 0x0b);
}

static void irq_numbers_out_of_range_are_ignored(void **state)
{
	(void)state;
	linux_init(false);
	irq(16, true);
	irq(0xffffffff, true);
	irq(2, true); /* the cascade is internal */
	assert_false(intr.level);
	assert_int_equal(read_irr(MASTER_CMD), 0x00);
	assert_int_equal(read_irr(SLAVE_CMD), 0x00);
}

static void wide_port_accesses(void **state)
{
	struct io_request req = {.addr = MASTER_CMD, .size = 2};

	(void)state;
	linux_init(false);
	outb(MASTER_DATA, 0x5a);
	pulse(3);
	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	assert_int_equal(req.value, 0x5a08);
	/* A word write: OCW2 to the command port, OCW1 to the data port. */
	req = (struct io_request){.addr = SLAVE_CMD, .size = 2, .write = true, .value = 0x3c20};
	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	assert_int_equal(inb(SLAVE_DATA), 0x3c);
	/* Wider, or starting at the data port: not the vPIC's. */
	req = (struct io_request){.addr = MASTER_CMD, .size = 4};
	assert_int_equal(io_bus_dispatch(&bus, &req), -ENOENT);
	req = (struct io_request){.addr = MASTER_DATA, .size = 2};
	assert_int_equal(io_bus_dispatch(&bus, &req), -ENOENT);
}

static void attach_claims_three_port_pairs(void **state)
{
	struct io_bus other;
	struct vpic second;

	(void)state;
	assert_non_null(io_bus_find(&bus, MASTER_CMD, 2));
	assert_non_null(io_bus_find(&bus, SLAVE_CMD, 2));
	assert_non_null(io_bus_find(&bus, ELCR_MASTER, 2));
	assert_null(io_bus_find(&bus, 0x22, 1));
	assert_null(io_bus_find(&bus, 0x1f, 1));
	assert_null(io_bus_find(&bus, 0xa2, 1));
	assert_null(io_bus_find(&bus, 0x4d2, 1));
	assert_int_equal(vpic_attach(&pic, &bus), -EEXIST);
	/* A failed attach leaves nothing behind. */
	io_bus_init(&other, 0x10000);
	assert_int_equal(io_bus_register(&other, 0x4d1, 1, unrelated_device, NULL, "x"), 0);
	vpic_init(&second, NULL, NULL);
	assert_int_equal(vpic_attach(&second, &other), -EEXIST);
	assert_int_equal(other.count, 1);
	/* Without a callback INTR is still there to be polled. */
	vpic_set_irq(&second, 0, true);
	assert_false(vpic_intr_pending(&second));
	io_bus_init(&other, 0x10000);
	assert_int_equal(vpic_attach(&second, &other), 0);
	bus_outb(&other, MASTER_DATA, 0xfe);
	assert_int_equal(bus_inb(&other, MASTER_DATA), 0xfe);
	assert_true(vpic_intr_pending(&second));
	assert_int_equal(vpic_intr_ack(&second), 0x08);
	assert_false(vpic_intr_pending(&second));
}

/* intr_out may come back into the vPIC: the INTA from the callback is seen through. */
static void intr_callback_may_reenter(void **state)
{
	(void)state;
	linux_init(false);
	intr.ack_on_rise = true;
	irq(7, true);
	assert_int_equal(intr.acked, 0x37);
	assert_false(intr.level);
	assert_int_equal(intr.calls, 2);
	assert_int_equal(read_isr(MASTER_CMD), 0x80);
}

#define STRESS_EDGES 20000

struct stress {
	int delivered;
	int unexpected; /* vectors other than IRQ 4's: never expected */
	bool done;
};

/* A device pulsing IRQ 4 as fast as it can. */
static void *stress_device(void *arg)
{
	struct stress *s = arg;

	for (int i = 0; i < STRESS_EDGES; i++)
		pulse(4);
	__atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* The vCPU: takes what INTR offers and ends it with an EOI. */
static void *stress_cpu(void *arg)
{
	struct stress *s = arg;

	while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) || vpic_intr_pending(&pic)) {
		int vector;

		if (!vpic_intr_pending(&pic))
			continue;
		vector = vpic_intr_ack(&pic);
		if (vector == 0x34) {
			s->delivered++;
			outb(MASTER_CMD, NONSPECIFIC_EOI);
		} else {
			s->unexpected++;
		}
	}
	return NULL;
}

static void device_and_cpu_at_once(void **state)
{
	struct stress s = {0};
	pthread_t dev, cpu;

	(void)state;
	linux_init(false);
	assert_int_equal(pthread_create(&cpu, NULL, stress_cpu, &s), 0);
	assert_int_equal(pthread_create(&dev, NULL, stress_device, &s), 0);
	assert_int_equal(pthread_join(dev, NULL), 0);
	assert_int_equal(pthread_join(cpu, NULL), 0);
	assert_int_equal(s.unexpected, 0);
	assert_true(s.delivered > 0);
	assert_true(s.delivered <= STRESS_EDGES);
	assert_false(intr.level);
	assert_int_equal(read_isr(MASTER_CMD), 0x00);
	assert_int_equal(read_irr(MASTER_CMD), 0x00);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(reset_state_is_a_bios_setup_all_masked),
		T(linux_init_sequence),
		T(bios_init_sequence),
		T(icw1_selects_the_icws_that_follow),
		T(no_interrupt_during_initialisation),
		T(single_mode_master_supplies_ir2),
		T(fully_nested_priority),
		T(request_at_the_level_in_service_waits),
		T(specific_and_nonspecific_eoi),
		T(nonspecific_eoi_follows_the_rotation),
		T(rotate_on_nonspecific_eoi),
		T(set_priority_and_rotate_on_specific_eoi),
		T(auto_eoi_needs_no_eoi),
		T(rotate_in_auto_eoi),
		T(cascade_through_pin_2),
		T(cascade_eoi_order),
		T(special_fully_nested_mode),
		T(spurious_irq7),
		T(spurious_irq15),
		T(edge_inputs_latch_rising_edges),
		T(level_inputs_follow_the_line),
		T(elcr_registers),
		T(icw1_ltim_makes_every_input_level),
		T(poll_mode),
		T(imr_masks_requests_not_irr),
		T(special_mask_mode),
		T(ocw3_selects_irr_or_isr),
		T(icw1_resets_the_chip),
		T(reset_restores_the_reset_state),
		T(irq_numbers_out_of_range_are_ignored),
		T(wide_port_accesses),
		T(attach_claims_three_port_pairs),
		T(intr_callback_may_reenter),
		T(device_and_cpu_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
