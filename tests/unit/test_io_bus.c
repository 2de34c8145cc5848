// SPDX-License-Identifier: BSD-3-Clause
/* The per-VM I/O bus (device-model registration and dispatch) and the VMX I/O bitmap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/io_bus.h>
#include <asm/vmx_io_bitmap.h>

struct fake_device {
	int calls;
	struct io_request last;
	u64 read_value;
};

static int fake_handler(void *device, struct io_request *req)
{
	struct fake_device *dev = device;

	dev->calls++;
	dev->last = *req;
	if (!req->write)
		req->value = dev->read_value;
	return 0;
}

static struct io_bus bus;
static struct fake_device uart, pic, rtc;

static int setup(void **state)
{
	(void)state;
	io_bus_init(&bus, 0x10000);
	uart = (struct fake_device){.read_value = 0x60};
	pic = (struct fake_device){.read_value = 0xff};
	rtc = (struct fake_device){.read_value = 0x12};
	/* Registered out of order on purpose: the bus keeps them sorted. */
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, fake_handler, &uart, "vuart0"), 0);
	assert_int_equal(io_bus_register(&bus, 0x20, 2, fake_handler, &pic, "vpic"), 0);
	assert_int_equal(io_bus_register(&bus, 0x70, 2, fake_handler, &rtc, "vrtc"), 0);
	return 0;
}

static void accesses_reach_their_device(void **state)
{
	struct io_request req = {.addr = 0x3fd, .size = 1};

	(void)state;
	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	assert_int_equal(req.value, 0x60);
	assert_int_equal(uart.calls, 1);
	assert_int_equal(uart.last.addr, 0x3fd);

	req = (struct io_request){.addr = 0x70, .size = 1, .write = true, .value = 0x0b};
	assert_int_equal(io_bus_dispatch(&bus, &req), 0);
	assert_int_equal(rtc.calls, 1);
	assert_true(rtc.last.write);
	assert_int_equal(rtc.last.value, 0x0b);
	assert_int_equal(uart.calls + pic.calls, 1);
}

static void unclaimed_and_straddling_accesses_are_not_dispatched(void **state)
{
	struct io_request req = {.addr = 0x80, .size = 1};

	(void)state;
	assert_int_equal(io_bus_dispatch(&bus, &req), -ENOENT);
	req = (struct io_request){.addr = 0x3ff, .size = 2}; /* last port + one beyond */
	assert_int_equal(io_bus_dispatch(&bus, &req), -ENOENT);
	req = (struct io_request){.addr = 0x1f, .size = 2}; /* one before + first port */
	assert_int_equal(io_bus_dispatch(&bus, &req), -ENOENT);
	req = (struct io_request){.addr = 0xffffffffffffffffULL, .size = 4};
	assert_int_equal(io_bus_dispatch(&bus, &req), -ENOENT);
	req = (struct io_request){.addr = 0x3f8, .size = 3};
	assert_int_equal(io_bus_dispatch(&bus, &req), -EINVAL);
	assert_int_equal(uart.calls + pic.calls + rtc.calls, 0);
}

static void overlapping_registrations_are_refused(void **state)
{
	(void)state;
	assert_int_equal(io_bus_register(&bus, 0x3fc, 8, fake_handler, NULL, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x3ff, 1, fake_handler, NULL, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x18, 9, fake_handler, NULL, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x400, 8, fake_handler, NULL, "x"),
			 0); /* adjacent */
	assert_int_equal(io_bus_register(&bus, 0xfff8, 16, fake_handler, NULL, "x"), -EINVAL);
	assert_int_equal(io_bus_register(&bus, 0x500, 0, fake_handler, NULL, "x"), -EINVAL);
	assert_int_equal(io_bus_register(&bus, 0x500, 1, NULL, NULL, "x"), -EINVAL);
	for (u32 i = 0; i < bus.count - 1; i++)
		assert_true(bus.ranges[i].base + bus.ranges[i].size <= bus.ranges[i + 1].base);
}

static void bus_full_and_unregister(void **state)
{
	int err = 0;

	(void)state;
	for (u64 port = 0x1000; bus.count < IO_BUS_MAX_RANGES; port += 4)
		assert_int_equal(io_bus_register(&bus, port, 4, fake_handler, NULL, "n"), 0);
	err = io_bus_register(&bus, 0x9000, 4, fake_handler, NULL, "n");
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(io_bus_unregister(&bus, 0x70), 0);
	assert_int_equal(io_bus_unregister(&bus, 0x70), -ENOENT);
	assert_null(io_bus_find(&bus, 0x70, 1));
	assert_non_null(io_bus_find(&bus, 0x3f8, 1));
}

static void io_bitmap_exits_except_for_passthrough_ports(void **state)
{
	static u8 bitmap[IO_BITMAP_SIZE];
	const struct port_range owned[] = {{.base = 0x2f8, .size = 8},
					   {.base = 0xc000, .size = 0x40}};

	(void)state;
	io_bitmap_build(bitmap, owned, 2);
	assert_false(io_bitmap_exits(bitmap, 0x2f8, 1));
	assert_false(io_bitmap_exits(bitmap, 0x2fc, 4));
	assert_true(io_bitmap_exits(bitmap, 0x2fe, 4)); /* reaches 0x300: not owned */
	assert_true(io_bitmap_exits(bitmap, 0x2f7, 1));
	assert_false(io_bitmap_exits(bitmap, 0xc03c, 4)); /* in bitmap B */
	assert_true(io_bitmap_exits(bitmap, 0xc040, 1));
	assert_true(io_bitmap_exits(bitmap, 0x3f8, 1));
	assert_true(io_bitmap_exits(bitmap, 0xffff, 2)); /* wraps */
	/* Bit layout: port 0x2f8 is bit 0 of byte 0x5f; 0xc000 is in B at byte 0x1800. */
	assert_int_equal(bitmap[0x5f], 0x00);
	assert_int_equal(bitmap[0x1800], 0x00);
	assert_int_equal(bitmap[0x60], 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(accesses_reach_their_device, setup),
		cmocka_unit_test_setup(unclaimed_and_straddling_accesses_are_not_dispatched, setup),
		cmocka_unit_test_setup(overlapping_registrations_are_refused, setup),
		cmocka_unit_test_setup(bus_full_and_unregister, setup),
		cmocka_unit_test(io_bitmap_exits_except_for_passthrough_ports),
	};
	return cmocka_run_group_tests_name("io_bus", tests, NULL, NULL);
}
