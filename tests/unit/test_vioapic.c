// SPDX-License-Identifier: BSD-3-Clause
/*
 * The emulated I/O APIC (dm/vioapic.c), driven as a guest drives it: every register access
 * goes through IOREGSEL/IOWIN on a real MMIO bus, devices move the pins, and the messages
 * it sends are recorded as a vLAPIC would receive them. Expected values are the 82093AA's,
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
#include <bulkhead/vioapic.h>
#include <bulkhead/vplatform.h>

#define BASE	 VPLAT_IOAPIC_BASE
#define IOREGSEL 0x00
#define IOWIN	 0x10

/* Redirection entry fields, low dword. */
#define FIXED	   (0U << 8)
#define LOWEST	   (1U << 8)
#define SMI	   (2U << 8)
#define NMI	   (4U << 8)
#define INIT	   (5U << 8)
#define EXTINT	   (7U << 8)
#define LOGICAL	   (1U << 11)
#define ACTIVE_LOW (1U << 13)
#define REMOTE_IRR (1U << 14)
#define LEVEL	   (1U << 15)
#define MASKED	   (1U << 16)

#define MAX_MESSAGES 64

struct lapics {
	struct apic_intr msg[MAX_MESSAGES];
	int count;
	int total; /* also counts those past MAX_MESSAGES */
};

static struct io_bus bus;
static struct vioapic io;
static struct lapics got;

static void record(void *ctx, const struct apic_intr *intr)
{
	struct lapics *l = ctx;

	if (l->count < MAX_MESSAGES)
		l->msg[l->count++] = *intr;
	__atomic_fetch_add(&l->total, 1, __ATOMIC_RELAXED);
}

static int mmio(u64 offset, u32 size, bool write, u64 *value)
{
	struct io_request req = {.addr = BASE + offset, .size = size, .write = write};
	int err;

	req.value = write ? *value : 0x5a5a5a5a5a5a5a5aULL;
	err = io_bus_dispatch(&bus, &req);
	*value = req.value;
	return err;
}

static u64 mmio_read(u64 offset, u32 size)
{
	u64 value = 0;

	assert_int_equal(mmio(offset, size, false, &value), 0);
	return value;
}

static void mmio_write(u64 offset, u32 size, u64 value)
{
	assert_int_equal(mmio(offset, size, true, &value), 0);
}

static u32 reg_read(u32 reg)
{
	mmio_write(IOREGSEL, 4, reg);
	return (u32)mmio_read(IOWIN, 4);
}

static void reg_write(u32 reg, u32 value)
{
	mmio_write(IOREGSEL, 4, reg);
	mmio_write(IOWIN, 4, value);
}

/* The way Linux's ioapic_write_entry() does it: high dword first, then low. */
static void rte_write(u32 pin, u32 high, u32 low)
{
	reg_write(0x11 + 2 * pin, high);
	reg_write(0x10 + 2 * pin, low);
}

static u32 rte_low(u32 pin)
{
	return reg_read(0x10 + 2 * pin);
}

static void pin(u32 n, bool level)
{
	vioapic_set_irq(&io, n, level);
}

static void assert_message(int i, u32 dest, bool logical, u8 mode, u8 vector, bool level)
{
	const struct apic_intr *m = &got.msg[i];

	assert_true(i < got.count);
	assert_int_equal(m->dest, dest);
	assert_int_equal(m->dest_logical, logical);
	assert_int_equal(m->delivery_mode, mode);
	assert_int_equal(m->vector, vector);
	assert_int_equal(m->level, level);
}

static int setup(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	io_bus_init(&bus, 1ULL << 52);
	vioapic_init(&io, record, &got);
	assert_int_equal(vioapic_attach(&io, &bus), 0);
	return 0;
}

static void reset_values(void **state)
{
	(void)state;
	assert_int_equal(mmio_read(IOREGSEL, 4), 0x00);
	assert_int_equal(reg_read(0x00), 0x08000000);
	assert_int_equal(reg_read(0x01), 0x00170011);
	assert_int_equal(reg_read(0x02), 0x08000000);
	for (u32 n = 0; n < 24; n++) {
		assert_int_equal(reg_read(0x10 + 2 * n), 0x00010000);
		assert_int_equal(reg_read(0x11 + 2 * n), 0x00000000);
	}
	for (u32 n = 0; n < 24; n++)
		pin(n, true);
	assert_int_equal(got.total, 0);
}

static void id_register_keeps_bits_27_24(void **state)
{
	(void)state;
	reg_write(0x00, 0xffffffff);
	assert_int_equal(reg_read(0x00), 0x0f000000);
	assert_int_equal(reg_read(0x02), 0x0f000000); /* the arbitration ID follows */
	reg_write(0x00, 0x03000000);
	assert_int_equal(reg_read(0x00), 0x03000000);
	assert_int_equal(reg_read(0x02), 0x03000000);
	reg_write(0x00, 0x00ffffff);
	assert_int_equal(reg_read(0x00), 0x00000000);
}

static void read_only_and_unknown_registers(void **state)
{
	static const u32 holes[] = {0x03, 0x0f, 0x40, 0x41, 0x80, 0xff};

	(void)state;
	reg_write(0x01, 0xffffffff);
	assert_int_equal(reg_read(0x01), 0x00170011);
	reg_write(0x02, 0x0c000000);
	assert_int_equal(reg_read(0x02), 0x08000000);
	/* Nothing lives at 0x03-0x0f or past entry 23 (0x40-0xff): reads 0, writes vanish. */
	for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
		reg_write(holes[i], 0xffffffff);
		assert_int_equal(reg_read(holes[i]), 0);
	}
	assert_int_equal(reg_read(0x3f), 0x00000000); /* entry 23 untouched */
	/* IOREGSEL keeps bits 7:0. */
	mmio_write(IOREGSEL, 4, 0x12345611);
	assert_int_equal(mmio_read(IOREGSEL, 4), 0x11);
	assert_int_equal(mmio_read(IOWIN, 4), 0x00000000);
	mmio_write(IOREGSEL, 4, 0x101);
	assert_int_equal(mmio_read(IOWIN, 4), 0x00170011);
}

static void redirection_entries_read_back(void **state)
{
	(void)state;
	/* Delivery status, remote IRR and bits 31:17 are not writable. */
	reg_write(0x10, 0xffffffff);
	assert_int_equal(reg_read(0x10), 0x0001afff);
	/* Bits 55:32 are reserved, 63:56 the destination. */
	reg_write(0x11, 0xffffffff);
	assert_int_equal(reg_read(0x11), 0xff000000);
	/* Every entry is its own register pair. */
	for (u32 n = 0; n < 24; n++)
		rte_write(n, (n + 1) << 24, MASKED | LOGICAL | (0x20 + n));
	for (u32 n = 0; n < 24; n++) {
		u64 rte;
		bool line = true;

		assert_int_equal(reg_read(0x10 + 2 * n), MASKED | LOGICAL | (0x20 + n));
		assert_int_equal(reg_read(0x11 + 2 * n), (n + 1) << 24);
		assert_int_equal(vioapic_get_rte(&io, n, &rte, &line), 0);
		assert_int_equal(rte, ((u64)(n + 1) << 56) | MASKED | LOGICAL | (0x20 + n));
		assert_false(line);
	}
	assert_int_equal(got.total, 0);
}

static void edge_pin_delivers_on_rising_edges(void **state)
{
	(void)state;
	rte_write(4, 0x01000000, FIXED | 0x34);
	pin(4, true);
	assert_int_equal(got.count, 1);
	assert_message(0, 1, false, APIC_DELIVERY_FIXED, 0x34, false);
	assert_false(got.msg[0].broadcast);
	/* Staying high or falling sends nothing; the next rise sends again. */
	pin(4, true);
	pin(4, false);
	assert_int_equal(got.count, 1);
	pin(4, true);
	assert_int_equal(got.count, 2);
	/* An edge entry never shows remote IRR or a pending delivery. */
	assert_int_equal(rte_low(4), 0x34);
	vioapic_eoi(&io, 0x34);
	assert_int_equal(got.count, 2);
}

static void edge_on_a_masked_pin_is_lost(void **state)
{
	(void)state;
	rte_write(3, 0, MASKED | 0x33);
	pin(3, true);
	rte_write(3, 0, 0x33);
	assert_int_equal(got.count, 0);
	pin(3, false);
	pin(3, true);
	assert_int_equal(got.count, 1);
	assert_message(0, 0, false, APIC_DELIVERY_FIXED, 0x33, false);
}

static void level_pin_and_remote_irr(void **state)
{
	(void)state;
	rte_write(9, 0x02000000, LEVEL | 0x49);
	pin(9, true);
	assert_int_equal(got.count, 1);
	assert_message(0, 2, false, APIC_DELIVERY_FIXED, 0x49, true);
	assert_int_equal(rte_low(9), REMOTE_IRR | LEVEL | 0x49);
	/* Nothing more until the EOI, however the line moves. */
	pin(9, false);
	pin(9, true);
	assert_int_equal(got.count, 1);
	/* An EOI for another vector does nothing. */
	vioapic_eoi(&io, 0x48);
	assert_int_equal(rte_low(9), REMOTE_IRR | LEVEL | 0x49);
	/* The EOI finds the line still high: delivered again. */
	vioapic_eoi(&io, 0x49);
	assert_int_equal(got.count, 2);
	assert_message(1, 2, false, APIC_DELIVERY_FIXED, 0x49, true);
	assert_int_equal(rte_low(9), REMOTE_IRR | LEVEL | 0x49);
	/* The handler quietened the device before its EOI: over. */
	pin(9, false);
	vioapic_eoi(&io, 0x49);
	assert_int_equal(rte_low(9), LEVEL | 0x49);
	assert_int_equal(got.count, 2);
	pin(9, true);
	assert_int_equal(got.count, 3);
}

static void one_eoi_ends_every_entry_with_its_vector(void **state)
{
	(void)state;
	rte_write(10, 0, LEVEL | 0x50);
	rte_write(11, 0, LEVEL | 0x50);
	rte_write(12, 0, LEVEL | 0x51);
	pin(10, true);
	pin(11, true);
	pin(12, true);
	assert_int_equal(got.count, 3);
	pin(10, false);
	pin(11, false);
	vioapic_eoi(&io, 0x50);
	assert_int_equal(rte_low(10), LEVEL | 0x50);
	assert_int_equal(rte_low(11), LEVEL | 0x50);
	assert_int_equal(rte_low(12), REMOTE_IRR | LEVEL | 0x51);
	assert_int_equal(got.count, 3);
}

/* A passed-through INTx source: it hears each end and sets its (active-low) wire again. */
static u32 notified_pins[8];
static int notified;

static void source_hears_eoi(void *ctx, u32 n)
{
	assert_ptr_equal(ctx, &io);
	if (notified < 8)
		notified_pins[notified] = n;
	notified++;
	/* From inside the callback: the vIOAPIC's lock is not held. */
	vioapic_set_irq(&io, n, true); /* idle */
}

static void notified_pin_leaves_the_line_to_its_source(void **state)
{
	(void)state;
	notified = 0;
	assert_int_equal(vioapic_notify_eoi(&io, 10, source_hears_eoi, &io), 0);
	assert_int_equal(vioapic_notify_eoi(&io, 24, source_hears_eoi, &io), -EINVAL);
	pin(10, true); /* idle */
	rte_write(10, 0x01000000, LEVEL | ACTIVE_LOW | 0x61);
	assert_int_equal(got.count, 0);
	pin(10, false); /* asserted */
	assert_int_equal(got.count, 1);
	assert_message(0, 1, false, APIC_DELIVERY_FIXED, 0x61, true);
	/* The EOI: the source is told, and nothing is delivered while the line was low. */
	vioapic_eoi(&io, 0x61);
	assert_int_equal(notified, 1);
	assert_int_equal(notified_pins[0], 10);
	assert_int_equal(got.count, 1);
	assert_int_equal(rte_low(10), LEVEL | ACTIVE_LOW | 0x61);
	/* The source asserts again: a new interrupt. */
	pin(10, false);
	assert_int_equal(got.count, 2);
	/* Linux's way on a version 0x11 IOAPIC: edge and back ends it too. */
	rte_write(10, 0x01000000, ACTIVE_LOW | 0x61);
	assert_int_equal(notified, 2);
	rte_write(10, 0x01000000, LEVEL | ACTIVE_LOW | 0x61);
	assert_int_equal(got.count, 2);
	/* A pin nobody asked for keeps re-delivering on its own. */
	rte_write(9, 0x02000000, LEVEL | 0x49);
	pin(9, true);
	vioapic_eoi(&io, 0x49);
	assert_int_equal(got.count, 4);
	assert_int_equal(notified, 2);
}

static void unmasking_an_asserted_level_pin_delivers(void **state)
{
	(void)state;
	rte_write(5, 0, MASKED | LEVEL | 0x45);
	pin(5, true);
	assert_int_equal(got.count, 0);
	rte_write(5, 0, LEVEL | 0x45);
	assert_int_equal(got.count, 1);
	assert_message(0, 0, false, APIC_DELIVERY_FIXED, 0x45, true);
	/* Masking does not end it; unmasking again with remote IRR set sends nothing. */
	rte_write(5, 0, MASKED | LEVEL | 0x45);
	assert_int_equal(rte_low(5), MASKED | REMOTE_IRR | LEVEL | 0x45);
	rte_write(5, 0, LEVEL | 0x45);
	assert_int_equal(got.count, 1);
	/* The EOI of a masked entry clears remote IRR without delivering. */
	rte_write(5, 0, MASKED | LEVEL | 0x45);
	vioapic_eoi(&io, 0x45);
	assert_int_equal(rte_low(5), MASKED | LEVEL | 0x45);
	assert_int_equal(got.count, 1);
	/* A pin that fell while masked has nothing to say when unmasked. */
	pin(5, false);
	rte_write(5, 0, LEVEL | 0x45);
	assert_int_equal(got.count, 1);
}

static void polarity_inverts_the_line(void **state)
{
	(void)state;
	/* Active-low level (a PCI INTx line): a low line is a request. */
	rte_write(16, 0, ACTIVE_LOW | LEVEL | 0x60);
	assert_int_equal(got.count, 1);
	pin(16, true);
	vioapic_eoi(&io, 0x60);
	assert_int_equal(got.count, 1);
	pin(16, false);
	assert_int_equal(got.count, 2);
	/* Active-low edge: the falling line is the edge. */
	rte_write(17, 0, ACTIVE_LOW | 0x61);
	pin(17, true);
	assert_int_equal(got.count, 2);
	pin(17, false);
	assert_int_equal(got.count, 3);
	assert_message(2, 0, false, APIC_DELIVERY_FIXED, 0x61, false);
	/* Turning an asserted active-high level pin active-low ends its request. */
	rte_write(18, 0, MASKED | LEVEL | 0x62);
	pin(18, true);
	rte_write(18, 0, MASKED | ACTIVE_LOW | LEVEL | 0x62);
	rte_write(18, 0, ACTIVE_LOW | LEVEL | 0x62);
	assert_int_equal(got.count, 3);
	rte_write(18, 0, LEVEL | 0x62);
	assert_int_equal(got.count, 4);
}

/*
 * Remote IRR is read-only; an edge entry has none. Linux's EOI for IOAPICs without an EOI
 * register (io_apic.c __eoi_ioapic_pin): mask, switch to edge, restore level, unmask.
 */
static void remote_irr_is_read_only_and_edge_clears_it(void **state)
{
	(void)state;
	rte_write(7, 0, REMOTE_IRR | LEVEL | 0x47);
	assert_int_equal(rte_low(7), LEVEL | 0x47);
	pin(7, true);
	assert_int_equal(got.count, 1);
	rte_write(7, 0, LEVEL | 0x47); /* writing 0 to it does not clear it */
	assert_int_equal(rte_low(7), REMOTE_IRR | LEVEL | 0x47);
	rte_write(7, 0, MASKED | 0x47);
	assert_int_equal(rte_low(7), MASKED | 0x47);
	rte_write(7, 0, MASKED | LEVEL | 0x47);
	assert_int_equal(got.count, 1);
	rte_write(7, 0, LEVEL | 0x47);
	assert_int_equal(got.count, 2); /* the line is still high */
	assert_int_equal(rte_low(7), REMOTE_IRR | LEVEL | 0x47);
}

static void destination_and_delivery_modes(void **state)
{
	(void)state;
	rte_write(1, 0x0f000000, LOGICAL | LOWEST | 0x71);
	pin(1, true);
	assert_message(0, 0x0f, true, APIC_DELIVERY_LOWEST, 0x71, false);
	assert_false(got.msg[0].broadcast);
	rte_write(2, 0xff000000, FIXED | 0x72);
	pin(2, true);
	assert_message(1, 0xff, false, APIC_DELIVERY_FIXED, 0x72, false);
	assert_true(got.msg[1].broadcast);
	/* Logical 0xff is every vLAPIC of a flat model, which the vLAPIC decides. */
	rte_write(3, 0xff000000, LOGICAL | FIXED | 0x73);
	pin(3, true);
	assert_message(2, 0xff, true, APIC_DELIVERY_FIXED, 0x73, false);
	assert_false(got.msg[2].broadcast);
	/* Virtual wire through the IOAPIC: ExtINT on pin 0. */
	rte_write(0, 0, EXTINT);
	pin(0, true);
	assert_message(3, 0, false, APIC_DELIVERY_EXTINT, 0, false);
	/* NMI, SMI and INIT go out as edge even with the level bit: no remote IRR. */
	rte_write(20, 0, LEVEL | NMI);
	pin(20, true);
	assert_message(4, 0, false, APIC_DELIVERY_NMI, 0, false);
	assert_int_equal(rte_low(20), LEVEL | NMI);
	pin(20, true);
	assert_int_equal(got.count, 5);
	rte_write(21, 0, LEVEL | SMI);
	pin(21, true);
	assert_message(5, 0, false, APIC_DELIVERY_SMI, 0, false);
	rte_write(22, 0, INIT);
	pin(22, true);
	assert_message(6, 0, false, APIC_DELIVERY_INIT, 0, false);
	/* The reserved modes 011 and 110 send nothing. */
	rte_write(23, 0, (3U << 8) | LEVEL | 0x77);
	pin(23, true);
	rte_write(19, 0, (6U << 8) | 0x76);
	pin(19, true);
	assert_int_equal(got.count, 7);
	assert_int_equal(rte_low(23), (3U << 8) | LEVEL | 0x77);
}

static void only_dword_accesses_to_the_two_registers(void **state)
{
	u64 value;

	(void)state;
	rte_write(9, 0, LEVEL | 0x49);
	mmio_write(IOREGSEL, 4, 0x10 + 2 * 9);
	/* Narrow and wide reads of IOREGSEL and IOWIN: all ones. */
	assert_int_equal(mmio_read(IOREGSEL, 1), 0xff);
	assert_int_equal(mmio_read(IOREGSEL, 2), 0xffff);
	assert_int_equal(mmio_read(IOREGSEL, 8), 0xffffffffffffffffULL);
	assert_int_equal(mmio_read(IOWIN, 1), 0xff);
	assert_int_equal(mmio_read(IOWIN + 2, 2), 0xffff);
	assert_int_equal(mmio_read(IOWIN, 8), 0xffffffffffffffffULL);
	/* Misaligned dwords and other offsets, the EOI register of version 0x20 among them. */
	assert_int_equal(mmio_read(0x01, 4), 0xffffffff);
	assert_int_equal(mmio_read(0x11, 4), 0xffffffff);
	assert_int_equal(mmio_read(0x20, 4), 0xffffffff);
	assert_int_equal(mmio_read(0x40, 4), 0xffffffff);
	assert_int_equal(mmio_read(0xffc, 4), 0xffffffff);
	/* Writes of the wrong shape change nothing. */
	mmio_write(IOREGSEL, 1, 0x00);
	mmio_write(IOREGSEL, 8, 0x00);
	mmio_write(IOWIN, 1, 0x00);
	mmio_write(IOWIN, 2, 0x0000);
	mmio_write(IOWIN, 8, 0);
	mmio_write(0x12, 4, 0);
	assert_int_equal(mmio_read(IOREGSEL, 4), 0x22);
	assert_int_equal(mmio_read(IOWIN, 4), LEVEL | 0x49);
	pin(9, true);
	mmio_write(0x40, 4, 0x49); /* no EOI register here */
	assert_int_equal(rte_low(9), REMOTE_IRR | LEVEL | 0x49);
	assert_int_equal(got.count, 1);
	/* Outside the page, or straddling its end: not the vIOAPIC's. */
	assert_int_equal(mmio(0x1000, 4, false, &value), -ENOENT);
	assert_int_equal(mmio(0xffe, 4, false, &value), -ENOENT);
	assert_int_equal(mmio(-4ULL, 4, false, &value), -ENOENT);
}

/* Whatever a guest throws at the page, the vIOAPIC stays consistent. */
static void random_accesses_are_harmless(void **state)
{
	static const u32 sizes[] = {1, 2, 4, 8};
	u64 seed = 0x243f6a8885a308d3ULL;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		u64 value, offset;
		u32 size;
		bool write;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		/* Mostly the two registers, sometimes anywhere in the page. */
		offset = (seed >> 60) < 12 ? ((seed >> 40) & 1) * 0x10 : (seed >> 20) & 0xfff;
		size = (seed >> 58) & 1 ? 4 : sizes[(seed >> 56) & 3];
		write = (seed >> 55) & 1;
		value = seed ^ (seed << 17);
		if (offset + size > 0x1000)
			offset = 0x1000 - size;
		assert_int_equal(mmio(offset, size, write, &value), 0);
		if ((seed & 0xff) == 0)
			pin((u32)(seed >> 8) % 32, (seed >> 16) & 1);
		if ((seed & 0xff) == 1)
			vioapic_eoi(&io, (u8)(seed >> 8));
	}
	for (u32 n = 0; n < 24; n++) {
		u64 rte;

		assert_int_equal(vioapic_get_rte(&io, n, &rte, NULL), 0);
		assert_int_equal(rte & 0x00fffffffffe1000ULL, 0); /* reserved, delivery status */
		if (!(rte & LEVEL))
			assert_int_equal(rte & REMOTE_IRR, 0);
	}
	assert_int_equal(reg_read(0x00) & ~0x0f000000U, 0);
	assert_int_equal(reg_read(0x01), 0x00170011);
}

static void pins_out_of_range(void **state)
{
	u64 rte = 0x1234;
	bool line = false;

	(void)state;
	for (u32 n = 0; n < 24; n++)
		rte_write(n, 0, 0x30 + n);
	pin(24, true);
	pin(0xffffffff, true);
	assert_int_equal(got.count, 0);
	assert_int_equal(vioapic_get_rte(&io, 24, &rte, &line), -EINVAL);
	assert_int_equal(vioapic_get_rte(&io, 0, NULL, &line), -EINVAL);
	assert_int_equal(rte, 0x1234);
	pin(23, true);
	assert_int_equal(got.count, 1);
	assert_int_equal(vioapic_get_rte(&io, 23, &rte, &line), 0);
	assert_int_equal(rte, 0x47);
	assert_true(line);
}

static void reset_masks_everything(void **state)
{
	(void)state;
	reg_write(0x00, 0x02000000);
	rte_write(6, 0xff000000, LEVEL | 0x46);
	pin(6, true);
	assert_int_equal(got.count, 1);
	mmio_write(IOREGSEL, 4, 0x10);
	vioapic_reset(&io);
	assert_int_equal(mmio_read(IOREGSEL, 4), 0x00);
	assert_int_equal(reg_read(0x00), 0x08000000);
	assert_int_equal(reg_read(0x02), 0x08000000);
	assert_int_equal(rte_low(6), MASKED);
	assert_int_equal(reg_read(0x11 + 2 * 6), 0);
	/* The device still holds its line high: it is seen once the entry allows it. */
	rte_write(6, 0, LEVEL | 0x46);
	assert_int_equal(got.count, 2);
}

static void attach_claims_the_page(void **state)
{
	struct io_request sel = {.addr = BASE + IOREGSEL, .size = 4, .write = true, .value = 0x14};
	struct io_request win = {.addr = BASE + IOWIN, .size = 4, .write = true};
	struct vioapic quiet;
	struct io_bus other;
	u64 rte;

	(void)state;
	assert_non_null(io_bus_find(&bus, BASE, 4));
	assert_non_null(io_bus_find(&bus, BASE + 0xffc, 4));
	assert_null(io_bus_find(&bus, BASE + 0x1000, 1));
	assert_null(io_bus_find(&bus, BASE - 1, 1));
	assert_int_equal(vioapic_attach(&io, &bus), -EEXIST);
	/* Without a callback messages are dropped, the state still moves. */
	io_bus_init(&other, 1ULL << 52);
	vioapic_init(&quiet, NULL, NULL);
	assert_int_equal(vioapic_attach(&quiet, &other), 0);
	vioapic_set_irq(&quiet, 2, true);
	win.value = LEVEL | 0x42;
	assert_int_equal(io_bus_dispatch(&other, &sel), 0);
	assert_int_equal(io_bus_dispatch(&other, &win), 0);
	assert_int_equal(vioapic_get_rte(&quiet, 2, &rte, NULL), 0);
	assert_int_equal(rte, REMOTE_IRR | LEVEL | 0x42);
	assert_int_equal(got.total, 0);
}

#define STRESS_ROUNDS 20000

struct stress {
	bool done;
	int eois;
};

/* A device raising and dropping its level line. */
static void *stress_device(void *arg)
{
	struct stress *s = arg;

	for (int i = 0; i < STRESS_ROUNDS; i++) {
		pin(11, true);
		pin(11, false);
	}
	__atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* The vLAPIC side: ends every delivery with an EOI. */
static void *stress_lapic(void *arg)
{
	struct stress *s = arg;

	while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&got.total, __ATOMIC_RELAXED) > s->eois) {
		if (__atomic_load_n(&got.total, __ATOMIC_RELAXED) > s->eois) {
			s->eois++;
			vioapic_eoi(&io, 0x5b);
		}
	}
	return NULL;
}

static void device_and_eoi_at_once(void **state)
{
	struct stress s = {0};
	pthread_t dev, lapic;
	u64 rte;

	(void)state;
	rte_write(11, 0, LEVEL | 0x5b);
	assert_int_equal(pthread_create(&lapic, NULL, stress_lapic, &s), 0);
	assert_int_equal(pthread_create(&dev, NULL, stress_device, &s), 0);
	assert_int_equal(pthread_join(dev, NULL), 0);
	assert_int_equal(pthread_join(lapic, NULL), 0);
	/* Every delivery was ended; the line is low, so the last EOI sent nothing more. */
	assert_true(got.total >= 1);
	assert_int_equal(s.eois, got.total);
	assert_int_equal(vioapic_get_rte(&io, 11, &rte, NULL), 0);
	assert_int_equal(rte & REMOTE_IRR, 0);
	pin(11, false);
	pin(11, true);
	assert_int_equal(got.total, s.eois + 1);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(reset_values),
		T(id_register_keeps_bits_27_24),
		T(read_only_and_unknown_registers),
		T(redirection_entries_read_back),
		T(edge_pin_delivers_on_rising_edges),
		T(edge_on_a_masked_pin_is_lost),
		T(level_pin_and_remote_irr),
		T(notified_pin_leaves_the_line_to_its_source),
		T(one_eoi_ends_every_entry_with_its_vector),
		T(unmasking_an_asserted_level_pin_delivers),
		T(polarity_inverts_the_line),
		T(remote_irr_is_read_only_and_edge_clears_it),
		T(destination_and_delivery_modes),
		T(only_dword_accesses_to_the_two_registers),
		T(random_accesses_are_harmless),
		T(pins_out_of_range),
		T(reset_masks_everything),
		T(attach_claims_the_page),
		T(device_and_eoi_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
