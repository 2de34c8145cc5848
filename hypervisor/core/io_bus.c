// SPDX-License-Identifier: BSD-3-Clause
#include <bulkhead/errno.h>
#include <bulkhead/io_bus.h>
#include <bulkhead/string.h>

void io_bus_init(struct io_bus *bus, u64 limit)
{
	bus->count = 0;
	bus->limit = limit;
}

int io_bus_register(struct io_bus *bus, u64 base, u64 size, io_handler_t handler, void *device,
		    const char *name)
{
	u32 at;

	if (!size || !handler || base + size < base || base + size > bus->limit)
		return -EINVAL;
	for (at = 0; at < bus->count && bus->ranges[at].base < base; at++)
		;
	/* Sorted and disjoint: only the neighbours can overlap. */
	if (at > 0 && bus->ranges[at - 1].base + bus->ranges[at - 1].size > base)
		return -EEXIST;
	if (at < bus->count && base + size > bus->ranges[at].base)
		return -EEXIST;
	if (bus->count == IO_BUS_MAX_RANGES)
		return -ENOSPC;
	memmove(&bus->ranges[at + 1], &bus->ranges[at], (bus->count - at) * sizeof(bus->ranges[0]));
	bus->ranges[at] = (struct io_range){
		.base = base, .size = size, .handler = handler, .device = device, .name = name};
	bus->count++;
	return 0;
}

int io_bus_unregister(struct io_bus *bus, u64 base)
{
	for (u32 i = 0; i < bus->count; i++) {
		if (bus->ranges[i].base != base)
			continue;
		memmove(&bus->ranges[i], &bus->ranges[i + 1],
			(bus->count - i - 1) * sizeof(bus->ranges[0]));
		bus->count--;
		return 0;
	}
	return -ENOENT;
}

const struct io_range *io_bus_find(const struct io_bus *bus, u64 addr, u32 size)
{
	u32 lo = 0, hi = bus->count;

	/* The last range with base <= addr. */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (bus->ranges[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct io_range *r = &bus->ranges[lo - 1];

	if (addr + size < addr || addr + size > r->base + r->size)
		return NULL;
	return r;
}

int io_bus_dispatch(const struct io_bus *bus, struct io_request *req)
{
	const struct io_range *r;

	if (req->size != 1 && req->size != 2 && req->size != 4 && req->size != 8)
		return -EINVAL;
	r = io_bus_find(bus, req->addr, req->size);
	if (!r)
		return -ENOENT;
	return r->handler(r->device, req);
}
