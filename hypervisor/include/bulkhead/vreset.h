/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest reset through ports 0xcf9, 0x64 and 0x92 (dm/vreset.c). */
#ifndef BULKHEAD_VRESET_H
#define BULKHEAD_VRESET_H

#include <bulkhead/io_bus.h>
#include <bulkhead/types.h>

struct vm;

struct vreset {
	struct vm *vm;
	u8 reset_control;
	u32 resets;
};

int vreset_attach(struct vreset *r, struct vm *vm, struct io_bus *bus);

#endif
