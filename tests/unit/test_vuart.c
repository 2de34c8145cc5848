// SPDX-License-Identifier: BSD-3-Clause
/*
 * The emulated 16550A (dm/vuart.c), driven as a guest drives it: every access goes through
 * a real port I/O bus. Expected values are the PC16550D's, written out as numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/io_bus.h>
#include <bulkhead/vuart.h>

#define COM1 0x3f8
#define COM2 0x2f8

/* Register offsets. */
#define RBR 0
#define THR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

struct sink {
	u8 bytes[1024];
	size_t count;
};

struct line {
	bool level;
	int calls;
	int redundant; /* calls that did not change the level: never expected */
	int overlaps;  /* calls that found another one in progress: never expected */
	int inside;    /* callers in line_set() right now */
	/* When set, a rising edge reads RBR from within the callback. */
	struct io_bus *reenter_bus;
	u16 reenter_port;
};

static const struct vuart_config com1_cfg = {
	.index = 0, .type = VUART_CONSOLE, .io_port = COM1, .irq = 4};
static const struct vuart_config com2_cfg = {
	.index = 1, .type = VUART_LINK, .io_port = COM2, .irq = 3};

static struct io_bus bus, peer_bus;
static struct vuart uart, peer;
static struct sink out, peer_out;
static struct line irq, peer_irq;

static void sink_tx(void *ctx, u8 byte)
{
	struct sink *s = ctx;

	assert_true(s->count < sizeof(s->bytes));
	s->bytes[s->count++] = byte;
}

static u8 bus_read(struct io_bus *b, u16 port)
{
	struct io_request req = {.addr = port, .size = 1};

	assert_int_equal(io_bus_dispatch(b, &req), 0);
	assert_true(req.value <= 0xff);
	return (u8)req.value;
}

static void bus_write(struct io_bus *b, u16 port, u8 value)
{
	struct io_request req = {.addr = port, .size = 1, .write = true, .value = value};

	assert_int_equal(io_bus_dispatch(b, &req), 0);
}

static void line_set(void *ctx, bool level)
{
	struct line *l = ctx;

	if (__atomic_fetch_add(&l->inside, 1, __ATOMIC_ACQUIRE))
		__atomic_fetch_add(&l->overlaps, 1, __ATOMIC_RELAXED);
	/* Long enough for another CPU to arrive while this one delivers. */
	for (volatile int spin = 0; spin < 200; spin++)
		;
	if (level == l->level)
		l->redundant++;
	l->level = level;
	l->calls++;
	__atomic_fetch_sub(&l->inside, 1, __ATOMIC_RELEASE);
	/* An interrupt controller that runs the guest's handler at once, re-entering. */
	if (level && l->reenter_bus)
		bus_read(l->reenter_bus, l->reenter_port + RBR);
}

static u8 rd(u8 reg)
{
	return bus_read(&bus, COM1 + reg);
}

static void wr(u8 reg, u8 value)
{
	bus_write(&bus, COM1 + reg, value);
}

static size_t receive(const char *text)
{
	return vuart_receive(&uart, (const u8 *)text, strlen(text));
}

static int setup(void **state)
{
	(void)state;
	memset(&out, 0, sizeof(out));
	memset(&peer_out, 0, sizeof(peer_out));
	memset(&irq, 0, sizeof(irq));
	memset(&peer_irq, 0, sizeof(peer_irq));
	io_bus_init(&bus, 0x10000);
	io_bus_init(&peer_bus, 0x10000);
	assert_int_equal(vuart_init(&uart, &com1_cfg, sink_tx, &out, line_set, &irq), 0);
	assert_int_equal(vuart_init(&peer, &com2_cfg, sink_tx, &peer_out, line_set, &peer_irq), 0);
	assert_int_equal(vuart_attach(&uart, &bus), 0);
	assert_int_equal(vuart_attach(&peer, &peer_bus), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(irq.redundant, 0);
	assert_int_equal(peer_irq.redundant, 0);
	assert_int_equal(irq.overlaps + peer_irq.overlaps, 0);
	return 0;
}

static void check_power_on_values(void)
{
	assert_int_equal(rd(IER), 0x00);
	assert_int_equal(rd(IIR), 0x01);
	assert_int_equal(rd(LCR), 0x00);
	assert_int_equal(rd(MCR), 0x00);
	assert_int_equal(rd(LSR), 0x60);
	assert_int_equal(rd(MSR), 0xb0);
	assert_int_equal(rd(SCR), 0x00);
	assert_int_equal(rd(RBR), 0x00);
	assert_int_equal(vuart_rx_space(&uart), 256);
	wr(LCR, 0x80);
	assert_int_equal(rd(DLL), 12);
	assert_int_equal(rd(DLM), 0);
	wr(LCR, 0x00);
}

static void power_on_values(void **state)
{
	(void)state;
	check_power_on_values();
	assert_int_equal(irq.calls, 0);
	assert_int_equal(out.count, 0);
}

static void plain_registers_read_back(void **state)
{
	(void)state;
	wr(SCR, 0xa5);
	assert_int_equal(rd(SCR), 0xa5);
	wr(SCR, 0x5a);
	assert_int_equal(rd(SCR), 0x5a);
	wr(LCR, 0x1b); /* 8 data bits, even parity */
	assert_int_equal(rd(LCR), 0x1b);
	wr(LCR, 0x7f);
	assert_int_equal(rd(LCR), 0x7f);
	wr(LCR, 0x03);
	/* IER bits 7:4 and MCR bits 7:5 are always 0. */
	wr(IER, 0xff);
	assert_int_equal(rd(IER), 0x0f);
	wr(IER, 0x00);
	wr(MCR, 0xff);
	assert_int_equal(rd(MCR), 0x1f);
	wr(MCR, 0x0b);
	assert_int_equal(rd(MCR), 0x0b);
	/* LSR and MSR writes are ignored. */
	wr(LSR, 0x1f);
	assert_int_equal(rd(LSR), 0x60);
	assert_int_equal(rd(MSR), 0xb4); /* RI fell when loopback ended */
	wr(MSR, 0x0f);
	assert_int_equal(rd(MSR), 0xb0);
}

static void dlab_selects_the_divisor_latch(void **state)
{
	(void)state;
	assert_int_equal(receive("r"), 1);
	wr(LCR, 0x83);
	wr(DLL, 0x01);
	wr(DLM, 0x02);
	assert_int_equal(rd(DLL), 0x01);
	assert_int_equal(rd(DLM), 0x02);
	/* Neither the THR nor IER was written, and RBR was not read. */
	assert_int_equal(out.count, 0);
	assert_int_equal(rd(LSR), 0x61);
	/* Ports 2-7 do not depend on DLAB. */
	assert_int_equal(rd(IIR), 0x01);
	assert_int_equal(rd(LCR), 0x83);
	wr(LCR, 0x03);
	assert_int_equal(rd(IER), 0x00);
	assert_int_equal(rd(RBR), 'r');
	wr(IER, 0x05);
	wr(THR, 't');
	assert_int_equal(out.count, 1);
	wr(LCR, 0x83);
	assert_int_equal(rd(DLL), 0x01);
	assert_int_equal(rd(DLM), 0x02);
	wr(LCR, 0x03);
	assert_int_equal(rd(IER), 0x05);
}

static void thr_writes_reach_the_sink(void **state)
{
	(void)state;
	wr(THR, 'h');
	assert_int_equal(rd(LSR), 0x60);
	wr(THR, 'i');
	wr(THR, '\n');
	assert_int_equal(out.count, 3);
	assert_memory_equal(out.bytes, "hi\n", 3);
	assert_int_equal(rd(LSR), 0x60);
	assert_int_equal(rd(IIR), 0x01);
}

static void received_bytes_are_read_in_order(void **state)
{
	(void)state;
	assert_int_equal(receive("abc"), 3);
	assert_int_equal(vuart_receive(&uart, (const u8 *)"x", 0), 0);
	assert_int_equal(vuart_rx_space(&uart), 253);
	assert_int_equal(rd(LSR), 0x61);
	assert_int_equal(rd(RBR), 'a');
	assert_int_equal(rd(RBR), 'b');
	assert_int_equal(rd(LSR), 0x61);
	assert_int_equal(rd(RBR), 'c');
	assert_int_equal(rd(LSR), 0x60);
	/* An empty receiver still holds the last byte. */
	assert_int_equal(rd(RBR), 'c');
	assert_int_equal(vuart_rx_space(&uart), 256);
}

static void fcr_fifo_enable_shows_in_iir(void **state)
{
	(void)state;
	wr(FCR, 0x01);
	assert_int_equal(rd(IIR), 0xc1);
	wr(FCR, 0x00);
	assert_int_equal(rd(IIR), 0x01);
	wr(FCR, 0xc6); /* without FCR0 nothing is programmed */
	assert_int_equal(rd(IIR), 0x01);
	wr(FCR, 0xcf);
	assert_int_equal(rd(IIR), 0xc1);
}

static void rx_trigger_levels(void **state)
{
	static const struct {
		u8 fcr;
		size_t level;
	} cases[] = {{0x01, 1}, {0x41, 4}, {0x81, 8}, {0xc1, 14}};

	(void)state;
	wr(IER, 0x01);
	for (size_t i = 0; i < 4; i++) {
		wr(FCR, cases[i].fcr | 0x02);
		assert_int_equal(rd(IIR), 0xc1);
		for (size_t n = 1; n < cases[i].level; n++) {
			assert_int_equal(receive("."), 1);
			assert_int_equal(rd(IIR), 0xcc); /* below the trigger: character timeout */
		}
		assert_int_equal(receive("!"), 1);
		assert_int_equal(rd(IIR), 0xc4);
		/* Reading one byte takes the FIFO below the trigger again. */
		if (cases[i].level > 1) {
			assert_int_equal(rd(RBR), '.');
			assert_int_equal(rd(IIR), 0xcc);
		} else {
			assert_int_equal(rd(RBR), '!');
			assert_int_equal(rd(IIR), 0xc1);
		}
	}
}

static void fifos_disabled_report_any_data(void **state)
{
	(void)state;
	wr(IER, 0x01);
	assert_int_equal(receive("xy"), 2);
	assert_int_equal(rd(IIR), 0x04);
	assert_int_equal(rd(RBR), 'x');
	assert_int_equal(rd(IIR), 0x04);
	assert_int_equal(rd(RBR), 'y');
	assert_int_equal(rd(IIR), 0x01);
}

static void fcr_clears_the_receive_fifo(void **state)
{
	(void)state;
	wr(FCR, 0x01);
	assert_int_equal(receive("0123456789"), 10);
	wr(FCR, 0x03);
	assert_int_equal(rd(LSR), 0x60);
	assert_int_equal(vuart_rx_space(&uart), 256);
	assert_int_equal(receive("abcde"), 5);
	wr(FCR, 0x05); /* clearing the transmit FIFO leaves the receiver alone */
	assert_int_equal(vuart_rx_space(&uart), 251);
	wr(FCR, 0x00); /* turning the FIFOs off clears them */
	assert_int_equal(rd(LSR), 0x60);
	assert_int_equal(receive("fg"), 2);
	wr(FCR, 0x00); /* already off: no change */
	assert_int_equal(rd(LSR), 0x61);
	wr(FCR, 0x01); /* turning them on clears them too */
	assert_int_equal(rd(LSR), 0x60);
	assert_int_equal(receive("h"), 1);
	wr(FCR, 0x01);
	assert_int_equal(rd(RBR), 'h');
}

static void rx_overflow_sets_oe_until_lsr_is_read(void **state)
{
	u8 bytes[300];

	(void)state;
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (u8)i;
	assert_int_equal(vuart_receive(&uart, bytes, 250), 250);
	assert_int_equal(rd(LSR), 0x61);
	assert_int_equal(vuart_receive(&uart, bytes + 250, 50), 6);
	assert_int_equal(vuart_rx_space(&uart), 0);
	wr(IER, 0x05);
	wr(MCR, 0x08);
	assert_true(irq.level);
	assert_int_equal(rd(IIR), 0x06);
	assert_int_equal(rd(IIR), 0x06); /* reading IIR does not clear it */
	assert_int_equal(rd(LSR), 0x63);
	assert_int_equal(rd(LSR), 0x61);
	assert_int_equal(rd(IIR), 0x04);
	assert_int_equal(vuart_receive(&uart, bytes, 1), 0);
	assert_int_equal(rd(IIR), 0x06);
	assert_int_equal(rd(LSR), 0x63);
	/* The oldest bytes were kept, the late ones dropped. */
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(rd(RBR), i);
	assert_int_equal(rd(LSR), 0x60);
	assert_int_equal(rd(IIR), 0x01);
	assert_false(irq.level);
	assert_int_equal(irq.calls, 2);
}

static void iir_priority_order(void **state)
{
	(void)state;
	/* Loopback with OUT2 drops CTS and DSR: DCTS and DDSR are latched. */
	wr(MCR, 0x18);
	for (int i = 0; i < 257; i++)
		wr(THR, (u8)i); /* looped back; the last one overruns */
	assert_int_equal(out.count, 0);
	wr(IER, 0x0f);
	assert_true(irq.level);
	assert_int_equal(rd(IIR), 0x06); /* receiver line status */
	assert_int_equal(rd(LSR), 0x63);
	assert_int_equal(rd(IIR), 0x04); /* received data */
	assert_int_equal(rd(IIR), 0x04);
	for (int i = 0; i < 256; i++)
		assert_int_equal(rd(RBR), i);
	assert_int_equal(rd(IIR), 0x02); /* THR empty, cleared by this read */
	assert_int_equal(rd(IIR), 0x00); /* modem status */
	assert_true(irq.level);
	assert_int_equal(rd(MSR), 0x83);
	assert_int_equal(rd(IIR), 0x01);
	assert_false(irq.level);
	assert_int_equal(irq.calls, 2);
}

static void thre_survives_an_iir_read_that_reports_rx(void **state)
{
	(void)state;
	wr(IER, 0x03);
	assert_int_equal(receive("q"), 1);
	assert_int_equal(rd(IIR), 0x04);
	assert_int_equal(rd(RBR), 'q');
	assert_int_equal(rd(IIR), 0x02);
	assert_int_equal(rd(IIR), 0x01);
}

/* The sequence of serial8250_do_startup() and of the transmit interrupt path. */
static void thre_interrupt_as_linux_drives_it(void **state)
{
	(void)state;
	wr(FCR, 0x07);
	wr(LCR, 0x03);
	wr(MCR, 0x0b);
	assert_int_equal(irq.calls, 0);
	/* THRE test: enabling ETBEI raises THRE, reading IIR clears it, again. */
	wr(IER, 0x02);
	assert_true(irq.level);
	assert_int_equal(rd(IIR), 0xc2);
	assert_false(irq.level);
	assert_int_equal(rd(IIR), 0xc1);
	wr(IER, 0x00);
	wr(IER, 0x02);
	assert_true(irq.level);
	assert_int_equal(rd(IIR), 0xc2);
	assert_int_equal(rd(IIR), 0xc1);
	assert_int_equal(irq.calls, 4);
	/* Writing THR raises it anew: the byte left at once. */
	wr(THR, 'x');
	assert_true(irq.level);
	assert_int_equal(irq.calls, 5);
	assert_int_equal(rd(IIR), 0xc2);
	assert_false(irq.level);
	wr(THR, 'y');
	wr(THR, 'z'); /* THRE already pending: the line stays up, no call */
	assert_true(irq.level);
	assert_int_equal(irq.calls, 7);
	/* Nothing more to send: the driver clears ETBEI. */
	wr(IER, 0x00);
	assert_false(irq.level);
	assert_int_equal(rd(IIR), 0xc1);
	assert_int_equal(irq.calls, 8);
	assert_int_equal(out.count, 3);
	assert_memory_equal(out.bytes, "xyz", 3);
}

static void thr_write_without_etbei_raises_nothing(void **state)
{
	(void)state;
	wr(MCR, 0x08);
	wr(IER, 0x01);
	wr(THR, 'a');
	assert_int_equal(rd(IIR), 0x01);
	assert_int_equal(irq.calls, 0);
	wr(IER, 0x03);
	assert_int_equal(rd(IIR), 0x02);
	assert_int_equal(irq.calls, 2);
}

static void out2_gates_the_line(void **state)
{
	(void)state;
	wr(IER, 0x01);
	assert_int_equal(receive("z"), 1);
	assert_int_equal(rd(IIR), 0x04);
	assert_int_equal(irq.calls, 0);
	wr(MCR, 0x08);
	assert_true(irq.level);
	wr(MCR, 0x03);
	assert_false(irq.level);
	assert_int_equal(rd(IIR), 0x04); /* still pending, just not driven */
	wr(MCR, 0x0b);
	assert_true(irq.level);
	assert_int_equal(rd(RBR), 'z');
	assert_false(irq.level);
	assert_int_equal(irq.calls, 4);
}

static void loopback_wires_outputs_to_inputs(void **state)
{
	static const struct {
		u8 mcr;
		u8 msr; /* first read: inputs and deltas */
	} steps[] = {
		{0x1a, 0x92}, /* the 8250 probe: RTS, OUT2 -> CTS, DCD; DSR dropped */
		{0x1f, 0xf2}, /* DSR and RI rise: only DSR has a delta on a rising edge */
		{0x1b, 0xb4}, /* RI falls: TERI */
		{0x13, 0x38}, /* DCD falls */
		{0x10, 0x03}, /* CTS and DSR fall */
		{0x00, 0xbb}, /* back to the external lines: CTS, DSR, DCD rise */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		wr(MCR, steps[i].mcr);
		assert_int_equal(rd(MSR), steps[i].msr);
		assert_int_equal(rd(MSR), steps[i].msr & 0xf0); /* deltas clear on read */
	}
	wr(MCR, 0x10);
	wr(THR, 'L');
	assert_int_equal(out.count, 0);
	assert_int_equal(rd(LSR), 0x61);
	assert_int_equal(rd(RBR), 'L');
	/* The serial input is disconnected. */
	assert_int_equal(receive("ext"), 0);
	assert_int_equal(rd(LSR), 0x60);
	wr(MCR, 0x00);
	assert_int_equal(receive("ext"), 3);
}

static void modem_status_interrupt(void **state)
{
	(void)state;
	wr(MCR, 0x08);
	wr(IER, 0x08);
	assert_int_equal(rd(IIR), 0x01);
	wr(MCR, 0x18);
	assert_int_equal(rd(IIR), 0x00);
	assert_true(irq.level);
	assert_int_equal(rd(MSR), 0x83);
	assert_int_equal(rd(IIR), 0x01);
	assert_false(irq.level);
}

static void link_delivers_both_ways(void **state)
{
	(void)state;
	assert_int_equal(vuart_link(&uart, &peer), 0);
	bus_write(&peer_bus, COM2 + IER, 0x01);
	bus_write(&peer_bus, COM2 + MCR, 0x08);
	for (const char *p = "ping"; *p; p++)
		wr(THR, (u8)*p);
	assert_true(peer_irq.level);
	for (const char *p = "ping"; *p; p++)
		assert_int_equal(bus_read(&peer_bus, COM2 + RBR), *p);
	assert_false(peer_irq.level);
	for (const char *p = "pong"; *p; p++)
		bus_write(&peer_bus, COM2 + THR, (u8)*p);
	for (const char *p = "pong"; *p; p++)
		assert_int_equal(rd(RBR), *p);
	assert_int_equal(rd(LSR), 0x60);
	/* The link replaced both sinks. */
	assert_int_equal(out.count + peer_out.count, 0);
	/* A full peer loses bytes and reports the overrun. */
	for (int i = 0; i < 257; i++)
		wr(THR, (u8)i);
	assert_int_equal(bus_read(&peer_bus, COM2 + LSR), 0x63);
	assert_int_equal(vuart_rx_space(&peer), 0);
	assert_int_equal(vuart_link(&uart, &uart), -EINVAL);
	assert_int_equal(vuart_link(NULL, &peer), -EINVAL);
	assert_int_equal(vuart_link(&uart, NULL), -EINVAL);
}

static u64 wide_read(u64 addr, u32 size)
{
	struct io_request req = {.addr = addr, .size = size};

	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	return req.value;
}

static void wide_accesses_reach_consecutive_registers(void **state)
{
	struct io_request req = {.addr = COM1, .size = 4, .write = true, .value = 0x03c70141};

	(void)state;
	/* THR 'A', IER 0x01, FCR 0xc7, LCR 0x03, in that order. */
	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.bytes[0], 'A');
	assert_int_equal(rd(IER), 0x01);
	assert_int_equal(rd(IIR), 0xc1);
	assert_int_equal(rd(LCR), 0x03);
	wr(MCR, 0x0b);
	assert_int_equal(wide_read(COM1 + MCR, 2), 0x600b);
	/* Each byte has its register's read side effects, in address order. */
	assert_int_equal(receive("xy"), 2);
	assert_int_equal(wide_read(COM1, 2), 0x0178);
	wr(SCR, 0x5a);
	assert_int_equal(wide_read(COM1, 8), 0x5ab0600b03c10179ULL);
	assert_int_equal(rd(LSR), 0x60);
}

static void accesses_past_the_ports_are_harmless(void **state)
{
	const struct io_range *r = io_bus_find(&bus, COM1, 1);
	struct io_request req = {.addr = COM1 + MSR, .size = 4};

	(void)state;
	assert_non_null(r);
	wr(SCR, 0x5a);
	/* Handed straight to the handler: the bus would have refused these. */
	assert_int_equal(r->handler(r->device, &req), 0);
	assert_int_equal(req.value, 0xffff5ab0);
	req = (struct io_request){.addr = COM1 - 2, .size = 4, .write = true, .value = 0x11223344};
	assert_int_equal(r->handler(r->device, &req), 0);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.bytes[0], 0x22);
	assert_int_equal(rd(IER), 0x01);
	assert_int_equal(rd(SCR), 0x5a);
	req = (struct io_request){.addr = 0x100, .size = 8};
	assert_int_equal(r->handler(r->device, &req), 0);
	assert_int_equal(req.value, 0xffffffffffffffffULL);
	req = (struct io_request){.addr = ~0ULL, .size = 8, .write = true, .value = 0};
	assert_int_equal(r->handler(r->device, &req), 0);
	assert_int_equal(out.count, 1);
	req = (struct io_request){.addr = COM1, .size = 0};
	assert_int_equal(r->handler(r->device, &req), -EINVAL);
	req = (struct io_request){.addr = COM1, .size = 16};
	assert_int_equal(r->handler(r->device, &req), -EINVAL);
}

static void attach_claims_eight_ports(void **state)
{
	static const struct vuart_config top = {.io_port = 0xfff8};
	static const struct vuart_config beyond = {.io_port = 0xfffc};
	struct vuart other;

	(void)state;
	assert_non_null(io_bus_find(&bus, COM1, 8));
	assert_null(io_bus_find(&bus, COM1 - 1, 1));
	assert_null(io_bus_find(&bus, COM1 + 8, 1));
	assert_int_equal(vuart_attach(&uart, &bus), -EEXIST);
	assert_int_equal(vuart_init(&other, &top, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vuart_attach(&other, &bus), 0);
	/* No sink, no line: output is dropped, interrupts stay internal. */
	bus_write(&bus, 0xfff8 + IER, 0x02);
	bus_write(&bus, 0xfff8 + MCR, 0x08);
	bus_write(&bus, 0xfff8 + THR, 'n');
	assert_int_equal(bus_read(&bus, 0xfff8 + IIR), 0x02);
	assert_int_equal(vuart_init(&other, &beyond, NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(vuart_init(&other, NULL, NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(vuart_init(NULL, &top, NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(out.count, 0);
}

static void reset_restores_power_on_state(void **state)
{
	u8 fill[300] = {0};

	(void)state;
	wr(LCR, 0x9b);
	wr(DLL, 0x01);
	wr(DLM, 0x00);
	wr(LCR, 0x03);
	wr(FCR, 0xc7);
	wr(IER, 0x0f);
	wr(SCR, 0x77);
	wr(MCR, 0x1b); /* loopback, so MSR differs from the external lines */
	assert_int_equal(vuart_receive(&uart, fill, sizeof(fill)), 0);
	for (int i = 0; i < 257; i++)
		wr(THR, 'o');
	assert_true(irq.level);
	vuart_reset(&uart);
	assert_false(irq.level);
	assert_int_equal(irq.calls, 2);
	assert_int_equal(rd(IIR), 0x01); /* FIFOs off, nothing pending */
	check_power_on_values();
	assert_false(irq.level);
	assert_int_equal(out.count, 0);
}

/* irq_set may come back into the vUART; the line must still end at the right level. */
static void irq_callback_may_reenter(void **state)
{
	(void)state;
	irq.reenter_bus = &bus;
	irq.reenter_port = COM1;
	wr(MCR, 0x08);
	wr(IER, 0x01);
	assert_int_equal(receive("!"), 1);
	/* Raised, the callback read RBR, the CPU that raised it delivered the drop. */
	assert_false(irq.level);
	assert_int_equal(irq.calls, 2);
	assert_int_equal(rd(LSR), 0x60);
}

#define STRESS_BYTES 20000

struct stress_side {
	struct io_bus *bus;
	u16 port;
	struct vuart *peer;
	u32 received;
	bool in_order;
};

/* One guest: sends a counting sequence to its peer and drains its own receiver. */
static void *stress_guest(void *arg)
{
	struct stress_side *s = arg;
	u32 sent = 0;

	s->in_order = true;
	while (sent < STRESS_BYTES || s->received < STRESS_BYTES) {
		if (sent < STRESS_BYTES && vuart_rx_space(s->peer) > 0)
			bus_write(s->bus, s->port + THR, (u8)sent++);
		while (bus_read(s->bus, s->port + LSR) & 0x01) {
			if (bus_read(s->bus, s->port + RBR) != (u8)s->received)
				s->in_order = false;
			s->received++;
		}
	}
	return NULL;
}

static void linked_guests_send_at_once(void **state)
{
	struct stress_side a = {.bus = &bus, .port = COM1, .peer = &peer};
	struct stress_side b = {.bus = &peer_bus, .port = COM2, .peer = &uart};
	pthread_t ta, tb;

	(void)state;
	assert_int_equal(vuart_link(&uart, &peer), 0);
	wr(IER, 0x01);
	wr(MCR, 0x08);
	bus_write(&peer_bus, COM2 + IER, 0x01);
	bus_write(&peer_bus, COM2 + MCR, 0x08);
	assert_int_equal(pthread_create(&ta, NULL, stress_guest, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, stress_guest, &b), 0);
	assert_int_equal(pthread_join(ta, NULL), 0);
	assert_int_equal(pthread_join(tb, NULL), 0);
	assert_int_equal(a.received, STRESS_BYTES);
	assert_int_equal(b.received, STRESS_BYTES);
	assert_true(a.in_order);
	assert_true(b.in_order);
	assert_int_equal(rd(LSR), 0x60);
	assert_false(irq.level);
	assert_false(peer_irq.level);
	assert_true(irq.calls > 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(power_on_values),
		T(plain_registers_read_back),
		T(dlab_selects_the_divisor_latch),
		T(thr_writes_reach_the_sink),
		T(received_bytes_are_read_in_order),
		T(fcr_fifo_enable_shows_in_iir),
		T(rx_trigger_levels),
		T(fifos_disabled_report_any_data),
		T(fcr_clears_the_receive_fifo),
		T(rx_overflow_sets_oe_until_lsr_is_read),
		T(iir_priority_order),
		T(thre_survives_an_iir_read_that_reports_rx),
		T(thre_interrupt_as_linux_drives_it),
		T(thr_write_without_etbei_raises_nothing),
		T(out2_gates_the_line),
		T(loopback_wires_outputs_to_inputs),
		T(modem_status_interrupt),
		T(link_delivers_both_ways),
		T(wide_accesses_reach_consecutive_registers),
		T(accesses_past_the_ports_are_harmless),
		T(attach_claims_eight_ports),
		T(reset_restores_power_on_state),
		T(irq_callback_may_reenter),
		T(linked_guests_send_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
