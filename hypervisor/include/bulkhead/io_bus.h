/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a VM's trapped port and MMIO accesses go. Every device model the hypervisor
 * emulates (vUART, vPIC, vIOAPIC, vRTC, vPCI, ...) registers its ranges on one of the
 * VM's two buses; the exit handlers only look the access up here, so no exit handler
 * knows about any device. An access nobody claimed gets what a bus with nothing behind
 * it gives: reads all ones, writes dropped (the caller applies that default).
 */
#ifndef BULKHEAD_IO_BUS_H
#define BULKHEAD_IO_BUS_H

#include <bulkhead/types.h>

#define IO_BUS_MAX_RANGES 64

struct io_request {
	u64 addr;
	u32 size; /* 1, 2, 4 or 8 bytes */
	bool write;
	u64 value; /* written value, or where the handler puts the value read */
};

/* Returns 0 when the access was handled; a negative code is logged by the caller. */
typedef int (*io_handler_t)(void *device, struct io_request *req);

struct io_range {
	u64 base;
	u64 size;
	io_handler_t handler;
	void *device;
	const char *name;
};

struct io_bus {
	struct io_range ranges[IO_BUS_MAX_RANGES]; /* sorted by base, non-overlapping */
	u32 count;
	u64 limit; /* addresses are below this: 0x10000 for ports, 2^52 for MMIO */
};

void io_bus_init(struct io_bus *bus, u64 limit);
/*
 * Claims [base, base+size) for a device. Returns 0, -EINVAL (empty, wrapping or beyond
 * the bus), -EEXIST (overlaps another device's range) or -ENOSPC.
 */
int io_bus_register(struct io_bus *bus, u64 base, u64 size, io_handler_t handler, void *device,
		    const char *name);
/* Releases the range that starts at base. Returns 0 or -ENOENT. */
int io_bus_unregister(struct io_bus *bus, u64 base);
/* The range containing the whole access, or NULL (none, or it straddles two ranges). */
const struct io_range *io_bus_find(const struct io_bus *bus, u64 addr, u32 size);
/*
 * Sends req to its device. Returns the handler's result, -ENOENT when no device claims
 * the access (the caller completes it as an unclaimed access) or -EINVAL for a size that
 * is not 1, 2, 4 or 8.
 */
int io_bus_dispatch(const struct io_bus *bus, struct io_request *req);

#endif
