// SPDX-License-Identifier: BSD-3-Clause
/*
 * The ways a PC guest resets itself through ports, emulated so that the reset reaches
 * the hypervisor and only ever resets (or, by policy, stops) that VM:
 * - 0xcf9, the reset control register of Intel chipsets: a write that sets bit 2
 *   (RST_CPU) resets; bit 1 (SYS_RST) chooses hard over soft, which is the same here;
 * - 0x64, the keyboard controller: commands 0xf0-0xff pulse the output-port lines whose
 *   bits are clear; bit 0 is the CPU reset line, so every even one of them (0xfe being
 *   the usual) resets;
 * - 0x92, system control port A: bit 0 (fast reset).
 * Reads: 0xcf9 returns the last value written (without bit 2), the keyboard controller
 * status reads "input buffer empty, no output" so drivers do not wait, 0x92 returns 0.
 *
 * Port 0xcf9 shares its dword with the PCI configuration address register at 0xcf8, as on
 * the chipsets: the decoder here claims 0xcf8-0xcfb and tells them apart by the access, a
 * byte at 0xcf9 being reset control and a dword at 0xcf8 the address register of the
 * VM's PCI bus (vreset_claim_cf8), if it has one. Anything else there is unclaimed.
 */
#include <bulkhead/errno.h>
#include <bulkhead/vm.h>
#include <bulkhead/vreset.h>

#define PORT_CF8	   0xcf8
#define PORT_RESET_CONTROL 0xcf9
#define PORT_KBC_DATA	   0x60
#define PORT_KBC_CMD	   0x64
#define PORT_SYSCTL_A	   0x92

#define RST_CPU		   (1U << 2)
#define KBC_CMD_PULSE_MASK 0xf0
#define KBC_CMD_PULSE	   0xf0

static void request_reset(struct vreset *r, const char *how)
{
	r->resets++;
	vm_guest_reset(r->vm, how);
}

static int reset_control(void *dev, struct io_request *req)
{
	struct vreset *r = dev;

	if (req->addr == PORT_CF8 && req->size == 4 && r->cf8_handler)
		return r->cf8_handler(r->cf8_device, req);
	if (req->addr != PORT_RESET_CONTROL || req->size != 1)
		return -ENOENT;
	if (!req->write) {
		req->value = r->reset_control;
		return 0;
	}
	r->reset_control = (u8)req->value & ~RST_CPU;
	if (req->value & RST_CPU)
		request_reset(r, "write to port 0xcf9");
	return 0;
}

static int kbc(void *dev, struct io_request *req)
{
	struct vreset *r = dev;

	if (!req->write) {
		req->value = 0; /* status 0x64 and data 0x60: nothing pending */
		return 0;
	}
	if (req->addr == PORT_KBC_CMD && ((u8)req->value & KBC_CMD_PULSE_MASK) == KBC_CMD_PULSE &&
	    !(req->value & 1))
		request_reset(r, "keyboard controller reset command");
	return 0;
}

static int sysctl_a(void *dev, struct io_request *req)
{
	struct vreset *r = dev;

	if (!req->write) {
		req->value = 0;
		return 0;
	}
	if (req->value & 1)
		request_reset(r, "fast reset through port 0x92");
	return 0;
}

int vreset_attach(struct vreset *r, struct vm *vm, struct io_bus *bus)
{
	int err;

	r->vm = vm;
	r->reset_control = 0;
	r->cf8_handler = NULL;
	err = io_bus_register(bus, PORT_CF8, 4, reset_control, r, "reset control, PCI address");
	if (!err)
		err = io_bus_register(bus, PORT_KBC_DATA, 1, kbc, r, "keyboard controller");
	if (!err)
		err = io_bus_register(bus, PORT_KBC_CMD, 1, kbc, r, "keyboard controller");
	if (!err)
		err = io_bus_register(bus, PORT_SYSCTL_A, 1, sysctl_a, r, "system control A");
	return err;
}

void vreset_claim_cf8(struct vreset *r, io_handler_t handler, void *device)
{
	r->cf8_device = device;
	r->cf8_handler = handler;
}
