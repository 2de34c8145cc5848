// SPDX-License-Identifier: BSD-3-Clause
/*
 * Guest reset through ports (dm/vreset.c) on a real port bus (core/io_bus.c): every reset
 * path calls vm_guest_reset() (faked in fakes/fake_vm_env.c) exactly once with its
 * reason, nothing else does, and the ports read back what dm/vreset.c promises.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/vm.h>
#include <bulkhead/vreset.h>
#include "fake_vm_env.h"

#define WHY_CF9	   "write to port 0xcf9"
#define WHY_KBC	   "keyboard controller reset command"
#define WHY_PORT_A "fast reset through port 0x92"

static struct vm vm;

static int setup(void **state)
{
	(void)state;
	fake_vm_env_reset();
	memset(&vm, 0, sizeof(vm));
	vm.id = 2;
	io_bus_init(&vm.pio, 0x10000);
	vm.reset_ports.reset_control = 0xee; /* attach must clear it */
	assert_int_equal(vreset_attach(&vm.reset_ports, &vm, &vm.pio), 0);
	return 0;
}

static int port_access(u16 port, u32 size, bool write, u64 *value)
{
	struct io_request req = {.addr = port, .size = size, .write = write, .value = *value};
	int err = io_bus_dispatch(&vm.pio, &req);

	*value = req.value;
	return err;
}

static void out8(u16 port, u8 value)
{
	u64 v = value;

	assert_int_equal(port_access(port, 1, true, &v), 0);
}

static u64 in8(u16 port)
{
	u64 v = 0xdeadbeef;

	assert_int_equal(port_access(port, 1, false, &v), 0);
	return v;
}

static void assert_reset(int count, const char *why)
{
	assert_int_equal(fake_env.guest_resets, count);
	assert_int_equal(vm.reset_ports.resets, (u32)count);
	if (why) {
		assert_ptr_equal(fake_env.reset_vm, &vm);
		assert_string_equal(fake_env.reset_reason, why);
	}
}

static int cf8_calls;

static int fake_cf8(void *device, struct io_request *req)
{
	assert_ptr_equal(device, &vm);
	cf8_calls++;
	if (!req->write)
		req->value = 0x80001234;
	return 0;
}

/* 0xcf8-0xcfb: a byte at 0xcf9 is reset control, a dword at 0xcf8 the PCI address. */
static void cf8_dword_goes_to_the_pci_bus(void **state)
{
	u64 v = 0;

	(void)state;
	cf8_calls = 0;
	/* Nobody claimed the address register yet: unclaimed, no reset. */
	assert_int_equal(port_access(0xcf8, 4, false, &v), -ENOENT);
	vreset_claim_cf8(&vm.reset_ports, fake_cf8, &vm);
	v = 0;
	assert_int_equal(port_access(0xcf8, 4, false, &v), 0);
	assert_int_equal(v, 0x80001234);
	v = 0x80000004; /* would be RST_CPU in its 0xcf9 byte */
	assert_int_equal(port_access(0xcf8, 4, true, &v), 0);
	assert_int_equal(cf8_calls, 2);
	assert_reset(0, NULL);
	/* Other sizes and offsets are neither register. */
	v = 0;
	assert_int_equal(port_access(0xcf8, 1, true, &v), -ENOENT);
	assert_int_equal(port_access(0xcf9, 2, true, &v), -ENOENT);
	assert_int_equal(port_access(0xcfa, 2, false, &v), -ENOENT);
	assert_int_equal(cf8_calls, 2);
	/* The byte at 0xcf9 still resets. */
	out8(0xcf9, 0x04);
	assert_reset(1, WHY_CF9);
}

static void attach_claims_four_byte_ports(void **state)
{
	static const struct {
		u16 port;
		u32 size;
		const char *name;
	} ports[] = {
		{0x60, 1, "keyboard controller"},
		{0x64, 1, "keyboard controller"},
		{0x92, 1, "system control A"},
		{0xcf8, 4, "reset control, PCI address"},
	};
	struct vreset again;

	(void)state;
	assert_int_equal(vm.pio.count, 4);
	for (size_t i = 0; i < 4; i++) {
		const struct io_range *r = io_bus_find(&vm.pio, ports[i].port, 1);

		assert_non_null(r);
		assert_int_equal(r->base, ports[i].port);
		assert_int_equal(r->size, ports[i].size);
		assert_ptr_equal(r->device, &vm.reset_ports);
		assert_string_equal(r->name, ports[i].name);
	}
	assert_ptr_equal(vm.reset_ports.vm, &vm);
	assert_int_equal(vm.reset_ports.reset_control, 0);
	assert_null(io_bus_find(&vm.pio, 0x61, 1));
	assert_int_equal(vreset_attach(&again, &vm, &vm.pio), -EEXIST);
	assert_reset(0, NULL);
}

static void reset_control_rst_cpu_resets(void **state)
{
	(void)state;
	out8(0xcf9, 0x06); /* SYS_RST | RST_CPU: hard reset */
	assert_reset(1, WHY_CF9);
	assert_int_equal(in8(0xcf9), 0x02);
	out8(0xcf9, 0x04); /* soft reset */
	assert_reset(2, WHY_CF9);
	assert_int_equal(in8(0xcf9), 0x00);
	out8(0xcf9, 0xff);
	assert_reset(3, WHY_CF9);
	assert_int_equal(in8(0xcf9), 0xfb);
}

static void reset_control_other_writes_are_kept(void **state)
{
	static const u8 values[] = {0x02, 0x08, 0x01, 0xfb, 0x00};

	(void)state;
	assert_int_equal(in8(0xcf9), 0);
	for (size_t i = 0; i < sizeof(values); i++) {
		out8(0xcf9, values[i]);
		assert_int_equal(in8(0xcf9), values[i]);
	}
	assert_reset(0, NULL);
}

static void keyboard_controller_pulse_resets(void **state)
{
	/* Odd pulse commands leave the reset line (output-port bit 0) alone. */
	static const u8 commands[] = {0xad, 0xae, 0xd1, 0xff, 0xf1, 0xfd, 0xef, 0x00};

	(void)state;
	for (size_t i = 0; i < sizeof(commands); i++)
		out8(0x64, commands[i]);
	out8(0x60, 0xfe); /* data, not a command */
	assert_reset(0, NULL);
	out8(0x64, 0xfe);
	assert_reset(1, WHY_KBC);
	/* Any even pulse command 0xf0-0xfe pulses bit 0 too (8042 command set). */
	out8(0x64, 0xf0);
	assert_reset(2, WHY_KBC);
}

static void keyboard_controller_reads_zero(void **state)
{
	(void)state;
	assert_int_equal(in8(0x64), 0);
	assert_int_equal(in8(0x60), 0);
	out8(0x64, 0xd1);
	out8(0x60, 0xdf);
	assert_int_equal(in8(0x64), 0);
	assert_int_equal(in8(0x60), 0);
	assert_reset(0, NULL);
}

static void port_a_bit0_resets(void **state)
{
	(void)state;
	out8(0x92, 0x02); /* A20 on */
	out8(0x92, 0x00);
	out8(0x92, 0xfe);
	assert_reset(0, NULL);
	assert_int_equal(in8(0x92), 0);
	out8(0x92, 0x01);
	assert_reset(1, WHY_PORT_A);
	out8(0x92, 0x03);
	assert_reset(2, WHY_PORT_A);
	assert_int_equal(in8(0x92), 0);
}

static void each_path_resets_once_per_write(void **state)
{
	(void)state;
	out8(0x64, 0xfe);
	assert_reset(1, WHY_KBC);
	out8(0xcf9, 0x0e);
	assert_reset(2, WHY_CF9);
	out8(0x92, 0x01);
	assert_reset(3, WHY_PORT_A);
	/* Reads never reset. */
	in8(0xcf9);
	in8(0x64);
	in8(0x92);
	assert_reset(3, NULL);
	assert_int_equal(in8(0xcf9), 0x0a);
}

static void wider_accesses_do_not_reach_the_ports(void **state)
{
	u64 v = 0x0606;

	(void)state;
	assert_int_equal(port_access(0xcf9, 2, true, &v), -ENOENT);
	v = 0xfefe;
	assert_int_equal(port_access(0x64, 2, true, &v), -ENOENT);
	v = 0x01010101;
	assert_int_equal(port_access(0x92, 4, true, &v), -ENOENT);
	assert_reset(0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(attach_claims_four_byte_ports, setup),
		cmocka_unit_test_setup(cf8_dword_goes_to_the_pci_bus, setup),
		cmocka_unit_test_setup(reset_control_rst_cpu_resets, setup),
		cmocka_unit_test_setup(reset_control_other_writes_are_kept, setup),
		cmocka_unit_test_setup(keyboard_controller_pulse_resets, setup),
		cmocka_unit_test_setup(keyboard_controller_reads_zero, setup),
		cmocka_unit_test_setup(port_a_bit0_resets, setup),
		cmocka_unit_test_setup(each_path_resets_once_per_write, setup),
		cmocka_unit_test_setup(wider_accesses_do_not_reach_the_ports, setup),
	};
	return cmocka_run_group_tests_name("vreset", tests, NULL, NULL);
}
