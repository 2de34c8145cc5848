/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest reset through ports 0xcf9, 0x64 and 0x92, and the 0xcf8 decoder (dm/vreset.c). */
#ifndef BULKHEAD_VRESET_H
#define BULKHEAD_VRESET_H

#include <bulkhead/io_bus.h>
#include <bulkhead/types.h>

struct vm;

struct vreset {
	struct vm *vm;
	u8 reset_control;
	u32 resets;
	io_handler_t cf8_handler; /* dword accesses at 0xcf8, NULL: unclaimed */
	void *cf8_device;
};

/* Registers ports 0xcf8-0xcfb (see dm/vreset.c), 0x60, 0x64 and 0x92 on bus. */
int vreset_attach(struct vreset *r, struct vm *vm, struct io_bus *bus);
/* Hands dword accesses at 0xcf8 (the PCI configuration address) to handler(device). */
void vreset_claim_cf8(struct vreset *r, io_handler_t handler, void *device);

#endif
