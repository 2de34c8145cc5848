// SPDX-License-Identifier: BSD-3-Clause
/*
 * The 16550 driver and the serial console, checked against the port accesses recorded by
 * the fake I/O layer: exact initialisation sequence, transmit handshake, bounded waits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/console.h>
#include <bulkhead/errno.h>
#include "fake_hw.h"

#define COM1	 0x3f8
#define COM2	 0x2f8
#define LSR_DR	 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define SPIN_MAX 100000 /* the driver's transmit wait bound */

struct access {
	u16 port;
	bool write;
	u8 value;
};

#define W(p, v)                \
	{                      \
		(p), true, (v) \
	}
#define R(p, v)                 \
	{                       \
		(p), false, (v) \
	}

/* The recorded accesses from index first on must be exactly want[0..n). */
static void check_accesses(size_t first, const struct access *want, size_t n)
{
	assert_int_equal(fake_pio_log_count, first + n);
	for (size_t i = 0; i < n; i++) {
		const struct fake_pio_access *got = &fake_pio_log[first + i];

		if (got->port != want[i].port || got->write != want[i].write ||
		    got->value != want[i].value || got->size != 1)
			fail_msg(
				"access %zu: %s 0x%x port 0x%x (size %u), expected %s 0x%x port 0x%x",
				first + i, got->write ? "write" : "read", got->value, got->port,
				got->size, want[i].write ? "write" : "read", want[i].value,
				want[i].port);
	}
}

static void init_programs_8n1_115200(void **state)
{
	struct uart16550 uart;
	const struct access want[] = {
		W(COM1 + 7, 0x5a), R(COM1 + 7, 0x5a), /* scratch register probe */
		W(COM1 + 1, 0x00),		      /* no interrupts */
		W(COM1 + 3, 0x80),		      /* DLAB */
		W(COM1 + 0, 0x01),		      /* divisor 1: 115200 */
		W(COM1 + 1, 0x00), W(COM1 + 3, 0x03), /* 8N1, DLAB off */
		W(COM1 + 2, 0x07),		      /* FIFO on and cleared */
		W(COM1 + 4, 0x0b),		      /* DTR, RTS, OUT2 */
	};

	(void)state;
	fake_hw_reset();
	fake_pio_set_read(COM1 + 7, 0x5a);
	assert_int_equal(uart16550_init(&uart, COM1, 115200), 0);
	assert_true(uart.present);
	assert_int_equal(uart.base, COM1);
	assert_int_equal(uart.baud, 115200);
	check_accesses(0, want, sizeof(want) / sizeof(want[0]));
}

static void init_divisor_for_slower_rates(void **state)
{
	struct uart16550 uart;
	const struct access want[] = {
		W(COM2 + 7, 0x5a), R(COM2 + 7, 0x5a), W(COM2 + 1, 0x00),
		W(COM2 + 3, 0x80), W(COM2 + 0, 12),   W(COM2 + 1, 0x00),
		W(COM2 + 3, 0x03), W(COM2 + 2, 0x07), W(COM2 + 4, 0x0b),
	};

	(void)state;
	fake_hw_reset();
	fake_pio_set_read(COM2 + 7, 0x5a);
	assert_int_equal(uart16550_init(&uart, COM2, 9600), 0);
	check_accesses(0, want, sizeof(want) / sizeof(want[0]));

	/* 1200 baud: divisor 96. A 16-bit divisor (50 baud: 2304 = 0x900) uses DLM. */
	fake_hw_reset();
	fake_pio_set_read(COM2 + 7, 0x5a);
	assert_int_equal(uart16550_init(&uart, COM2, 1200), 0);
	assert_int_equal(fake_pio_log_count, 9);
	assert_int_equal(fake_pio_log[4].value, 96);
	assert_int_equal(fake_pio_log[5].value, 0x00);
	fake_hw_reset();
	fake_pio_set_read(COM2 + 7, 0x5a);
	assert_int_equal(uart16550_init(&uart, COM2, 50), 0);
	assert_int_equal(fake_pio_log[4].port, COM2 + 0);
	assert_int_equal(fake_pio_log[4].value, 0x00);
	assert_int_equal(fake_pio_log[5].port, COM2 + 1);
	assert_int_equal(fake_pio_log[5].value, 0x09);
}

static void missing_uart_is_enodev(void **state)
{
	struct uart16550 uart;
	const struct access want[] = {
		W(COM1 + 7, 0x5a),
		R(COM1 + 7, 0xff),
	};

	(void)state;
	/* Nothing on the bus: reads float to 0xff. */
	fake_hw_reset();
	fake_pio_set_read(COM1 + 7, 0xff);
	memset(&uart, 0xa5, sizeof(uart));
	assert_int_equal(uart16550_init(&uart, COM1, 115200), -ENODEV);
	assert_false(uart.present);
	/* Stops right after the probe: no other register is touched. */
	check_accesses(0, want, 2);

	/* A scratch register that reads back something else is no UART either. */
	fake_hw_reset();
	fake_pio_set_read(COM1 + 7, 0x5b);
	assert_int_equal(uart16550_init(&uart, COM1, 115200), -ENODEV);
	assert_int_equal(fake_pio_log_count, 2);
}

static void bad_baud_rates_are_rejected(void **state)
{
	struct uart16550 uart;

	(void)state;
	fake_hw_reset();
	fake_pio_set_read(COM1 + 7, 0x5a);
	assert_int_equal(uart16550_init(&uart, COM1, 0), -EINVAL);
	assert_false(uart.present);
	assert_int_equal(uart16550_init(&uart, COM1, 230400), -EINVAL);
	assert_false(uart.present);
	assert_int_equal(fake_pio_log_count, 0);
}

static void putc_waits_for_thre_then_writes(void **state)
{
	struct uart16550 uart = {.base = COM1, .baud = 115200, .present = true};
	const u32 lsr[] = {0x00, 0x00, LSR_TEMT, LSR_THRE};
	const struct access want[] = {
		R(COM1 + 5, 0x00),     R(COM1 + 5, 0x00), R(COM1 + 5, LSR_TEMT),
		R(COM1 + 5, LSR_THRE), W(COM1 + 0, 'A'),
	};

	(void)state;
	fake_hw_reset();
	/* Busy three times, then the holding register is empty. */
	fake_pio_queue_reads(COM1 + 5, lsr, 4);
	uart16550_putc(&uart, 'A');
	check_accesses(0, want, sizeof(want) / sizeof(want[0]));

	/* Ready at once: one status read, one write; bytes >= 0x80 are sent unchanged. */
	fake_hw_reset();
	fake_pio_set_read(COM1 + 5, LSR_THRE | LSR_TEMT);
	uart16550_putc(&uart, (char)0xe9);
	assert_int_equal(fake_pio_log_count, 2);
	assert_int_equal(fake_pio_log[1].port, COM1);
	assert_true(fake_pio_log[1].write);
	assert_int_equal(fake_pio_log[1].value, 0xe9);
}

static void putc_wait_is_bounded(void **state)
{
	struct uart16550 uart = {.base = COM1, .baud = 115200, .present = true};

	(void)state;
	fake_hw_reset();
	/* THRE never sets: after a bounded number of polls the byte is written anyway. */
	fake_pio_set_read(COM1 + 5, 0x00);
	uart16550_putc(&uart, 'x');
	assert_int_equal(fake_pio_total, SPIN_MAX + 1);
	assert_int_equal(fake_pio_last.port, COM1);
	assert_true(fake_pio_last.write);
	assert_int_equal(fake_pio_last.value, 'x');
	/* Everything before the write was a status poll. */
	assert_int_equal(fake_pio_log_count, FAKE_PIO_LOG_MAX);
	for (size_t i = 0; i < FAKE_PIO_LOG_MAX; i++) {
		assert_int_equal(fake_pio_log[i].port, COM1 + 5);
		assert_false(fake_pio_log[i].write);
	}

	/* The next byte waits again (each byte gets its own bound). */
	uart16550_putc(&uart, 'y');
	assert_int_equal(fake_pio_total, 2 * (SPIN_MAX + 1));
	assert_int_equal(fake_pio_last.value, 'y');
}

static void getc_with_and_without_data(void **state)
{
	struct uart16550 uart = {.base = COM1, .baud = 115200, .present = true};
	const struct access empty[] = {R(COM1 + 5, LSR_THRE)};
	const struct access ready[] = {R(COM1 + 5, LSR_THRE | LSR_DR), R(COM1 + 0, 0xff)};

	(void)state;
	fake_hw_reset();
	fake_pio_set_read(COM1 + 5, LSR_THRE);
	fake_pio_set_read(COM1 + 0, 'q');
	assert_int_equal(uart16550_getc(&uart), -1);
	/* No data ready: the receive buffer is not read. */
	check_accesses(0, empty, 1);

	fake_hw_reset();
	fake_pio_set_read(COM1 + 5, LSR_THRE | LSR_DR);
	fake_pio_set_read(COM1 + 0, 0xff);
	/* 0xff is a byte, not the -1 of "nothing there". */
	assert_int_equal(uart16550_getc(&uart), 0xff);
	check_accesses(0, ready, 2);
	fake_pio_set_read(COM1 + 0, 'k');
	assert_int_equal(uart16550_getc(&uart), 'k');
}

/* The bytes written to the transmit register since fake_hw_reset(). */
static size_t sent(char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < fake_pio_log_count; i++)
		if (fake_pio_log[i].write && fake_pio_log[i].port == CONFIG_SERIAL_PIO_BASE) {
			assert_true(n + 1 < size);
			out[n++] = (char)fake_pio_log[i].value;
		}
	out[n] = '\0';
	return n;
}

static void console_drops_output_without_a_uart(void **state)
{
	(void)state;
	fake_hw_reset();
	/* Before console_init and after a failed one, output is dropped silently. */
	console_write("early\n", 6);
	assert_int_equal(fake_pio_log_count, 0);
	fake_pio_set_read(CONFIG_SERIAL_PIO_BASE + 7, 0xff);
	assert_int_equal(console_init(), -ENODEV);
	fake_hw_reset();
	console_write("lost\n", 5);
	assert_int_equal(fake_pio_log_count, 0);
}

static void console_translates_newlines(void **state)
{
	char out[64];

	(void)state;
	fake_hw_reset();
	fake_pio_set_read(CONFIG_SERIAL_PIO_BASE + 7, 0x5a);
	assert_int_equal(console_init(), 0);
	/* Programmed for the configured rate: divisor 115200 / CONFIG_SERIAL_BAUD. */
	assert_int_equal(fake_pio_log[4].port, CONFIG_SERIAL_PIO_BASE);
	assert_int_equal(fake_pio_log[4].value, 115200 / CONFIG_SERIAL_BAUD);

	fake_hw_reset();
	fake_pio_set_read(CONFIG_SERIAL_PIO_BASE + 5, LSR_THRE);
	console_write("a\nb\n\nc\rd", 8);
	assert_int_equal(sent(out, sizeof(out)), 11);
	assert_string_equal(out, "a\r\nb\r\n\r\nc\rd");
	/* Every byte was preceded by a status poll. */
	assert_int_equal(fake_pio_log_count, 22);

	/* Only len bytes, even past a NUL or before the end of the string. */
	fake_hw_reset();
	fake_pio_set_read(CONFIG_SERIAL_PIO_BASE + 5, LSR_THRE);
	console_write("xy\nz", 3);
	assert_int_equal(sent(out, sizeof(out)), 4);
	assert_string_equal(out, "xy\r\n");
	fake_hw_reset();
	console_write("", 0);
	assert_int_equal(fake_pio_log_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_programs_8n1_115200),
		cmocka_unit_test(init_divisor_for_slower_rates),
		cmocka_unit_test(missing_uart_is_enodev),
		cmocka_unit_test(bad_baud_rates_are_rejected),
		cmocka_unit_test(putc_waits_for_thre_then_writes),
		cmocka_unit_test(putc_wait_is_bounded),
		cmocka_unit_test(getc_with_and_without_data),
		cmocka_unit_test(console_drops_output_without_a_uart),
		cmocka_unit_test(console_translates_newlines),
	};
	return cmocka_run_group_tests_name("uart16550", tests, NULL, NULL);
}
