// SPDX-License-Identifier: BSD-3-Clause
/*
 * A VM's PCI bus and the virtual configuration space of its passed-through functions.
 * The model is in bulkhead/vpci.h and doc/pci-passthrough.md.
 *
 * Lock rule: the bus lock covers the address latch and every function's virtual registers
 * and mappings; the physical configuration space has its own lock (pci_cfg_*), taken
 * inside this one. BAR mappings change under the bus lock, so they follow the register
 * writes in order.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/vm.h>
#include <bulkhead/vpci.h>

#define CF8_ENABLE   (1U << 31)
#define CF8_WRITABLE (CF8_ENABLE | 0x00fffffcU) /* bus, device, function, register */
#define MAX_CAP_WALK 48				/* (256 - 64) / 4 capabilities at most */

/* Command bits the guest owns in its view; MWI, VGA snoop and the rest read 0. */
#define COMMAND_VIRTUAL                                                               \
	(PCI_COMMAND_IO | PCI_COMMAND_MEM | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | \
	 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
/* Command bits written through to the device. */
#define COMMAND_PASSED (PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)

static u32 size_mask(u32 size)
{
	return size >= 4 ? ~0U : (1U << (size * 8)) - 1;
}

/* ------------------------------------------------------------------ BARs */

static bool bar_is_io(const struct vpci_bar *b)
{
	return b->type == PCI_BAR_IO;
}

/* What the guest reads in the BAR's register (the upper half of a 64-bit BAR with hi). */
static u32 bar_register(const struct vpci_bar *b, bool hi)
{
	u64 value;

	if (!b->present)
		return 0;
	if (hi)
		return (u32)(b->base >> 32);
	if (bar_is_io(b))
		return ((u32)b->base & PCI_BAR_IO_MASK) | PCI_BAR_IO_SPACE;
	value = (b->base & PCI_BAR_MEM_MASK) | (b->prefetchable ? PCI_BAR_MEM_PREF : 0);
	if (b->type == PCI_BAR_MEM64)
		value |= PCI_BAR_MEM_64;
	return (u32)value;
}

/*
 * The ports of an I/O BAR, claimed on the VM's port bus once, at the firmware's place:
 * an I/O BAR decodes only there (see bulkhead/vpci.h), so the bus never changes while
 * the VM runs. Reads of the two fields race benignly with a configuration write.
 */
static int io_bar_access(void *device, struct io_request *req)
{
	const struct vpci_bar *b = device;

	if (!READ_ONCE(b->mapped) || req->size > 4)
		return -ENOENT; /* decoding off: nothing answers */
	if (req->write)
		arch_pio_write((u16)req->addr, req->size, (u32)req->value);
	else
		req->value = arch_pio_read((u16)req->addr, req->size);
	return 0;
}

/* Caller holds the bus lock. Removes the BAR's mapping, if it has one. */
static void bar_unmap(struct vpci_dev *dev, struct vpci_bar *b)
{
	if (!b->mapped)
		return;
	if (!bar_is_io(b))
		vm_arch_unmap_mmio(dev->bus->vm, b->mapped_at, b->size);
	WRITE_ONCE(b->mapped, false);
}

static void bar_refused(struct vpci_dev *dev, const struct vpci_bar *b, const char *why, int err)
{
	vm_warn(dev->bus->vm, "PCI %02x:%02x.%x: BAR%u at 0x%llx not decoded: %s (%d)",
		PCI_BDF_BUS(dev->bdf), PCI_BDF_DEV(dev->bdf), PCI_BDF_FN(dev->bdf),
		(unsigned int)(b - dev->bars), (unsigned long long)b->base, why, err);
}

/*
 * Caller holds the bus lock. Maps the BAR where the guest put it if its decoding is on
 * and the place is free; otherwise it stays unmapped (what the guest then touches there is
 * an access outside its memory, or an unclaimed port). An I/O BAR decodes only at the
 * firmware's ports.
 */
static void bar_update(struct vpci_dev *dev, struct vpci_bar *b)
{
	struct vm *vm = dev->bus->vm;
	bool io = bar_is_io(b);
	bool on = dev->command & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEM);
	int err;

	if (b->mapped && on && b->mapped_at == b->base)
		return;
	bar_unmap(dev, b);
	if (!on || !b->present)
		return;
	if (io) {
		if (b->base != b->hpa) {
			bar_refused(dev, b, "I/O BARs stay at the firmware's ports", -EINVAL);
			return;
		}
	} else if (vm_arch_gpa_taken(vm, b->base, b->size)) {
		bar_refused(dev, b, "overlaps what the VM has there", -EEXIST);
		return;
	} else {
		err = vm_arch_map_mmio(vm, b->base, b->hpa, b->size);
		if (err) {
			bar_refused(dev, b,
				    err == -ENOMEM ? "no memory for the mapping"
						   : "outside the guest-physical space",
				    err);
			return;
		}
	}
	b->mapped_at = b->base;
	WRITE_ONCE(b->mapped, true);
}

/* Caller holds the bus lock. A write to BAR register reg (0-5) of dev. */
static void bar_write(struct vpci_dev *dev, u32 reg, u32 value)
{
	struct vpci_bar *b = &dev->bars[reg];
	bool hi = false;

	if (!b->present && reg > 0 && dev->bars[reg - 1].present &&
	    dev->bars[reg - 1].type == PCI_BAR_MEM64) {
		b = &dev->bars[reg - 1];
		hi = true;
	}
	if (!b->present)
		return;
	/* Address bits below the size read 0: writing all ones reads back the size. */
	if (hi)
		b->base = ((u64)value << 32 | (b->base & 0xffffffffULL)) & ~(b->size - 1);
	else if (bar_is_io(b))
		b->base = (value & PCI_BAR_IO_MASK & 0xffffU) & ~(b->size - 1);
	else
		b->base =
			((b->base & ~0xffffffffULL) | (value & PCI_BAR_MEM_MASK)) & ~(b->size - 1);
	bar_update(dev, b);
}

/* ------------------------------------------------------------------ capabilities */

/* Bytes the capability at offset takes, for the ones hidden; 0 when not hidden. */
static u8 hidden_length(u16 bdf, u8 id, u8 offset)
{
	u32 control;

	if (id == PCI_CAP_ID_MSIX)
		return 12;
	if (id != PCI_CAP_ID_MSI)
		return 0;
	control = pci_cfg_read(bdf, offset + 2, 2);
	return (u8)(10 + ((control & PCI_MSI_FLAGS_64) ? 4 : 0) +
		    ((control & PCI_MSI_FLAGS_MASKBIT) ? 10 : 0));
}

/*
 * Reads the device's capability list (bounded, each pointer checked) and links the
 * visible ones past the hidden. A malformed list ends where it goes wrong.
 */
static void caps_scan(struct vpci_dev *dev)
{
	u8 next = 0;

	dev->cap_count = 0;
	if (pci_cfg_read(dev->bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)
		next = (u8)pci_cfg_read(dev->bdf, PCI_CAP_PTR, 1) & 0xfc;
	for (u32 walked = 0; next >= PCI_HEADER_END && walked < MAX_CAP_WALK; walked++) {
		u32 head = pci_cfg_read(dev->bdf, next, 2);
		u8 id = (u8)head, len = hidden_length(dev->bdf, id, next);
		struct vpci_cap *c;
		bool seen = false;

		for (u32 i = 0; i < dev->cap_count; i++)
			seen |= dev->caps[i].offset == next;
		if (seen || dev->cap_count == VPCI_MAX_CAPS)
			break;
		c = &dev->caps[dev->cap_count++];
		*c = (struct vpci_cap){.offset = next, .length = len, .hidden = len != 0};
		next = (u8)(head >> 8) & 0xfc;
	}
	/* Each visible capability points at the next visible one. */
	dev->cap_ptr = 0;
	for (u32 i = dev->cap_count; i-- > 0;) {
		struct vpci_cap *c = &dev->caps[i];

		if (c->hidden)
			continue;
		c->vnext = dev->cap_ptr;
		dev->cap_ptr = c->offset;
	}
}

/* The capability whose bytes include offset, or NULL. */
static const struct vpci_cap *cap_at(const struct vpci_dev *dev, u32 offset, bool hidden)
{
	for (u32 i = 0; i < dev->cap_count; i++) {
		const struct vpci_cap *c = &dev->caps[i];
		u32 length = c->hidden ? c->length : 2; /* visible: only the header is ours */

		if (c->hidden == hidden && offset >= c->offset && offset < c->offset + length)
			return c;
	}
	return NULL;
}

/* ------------------------------------------------------------------ registers */

/* Caller holds the bus lock. The virtual value of the dword at offset (aligned). */
static u32 read_dword(struct vpci_dev *dev, u32 offset)
{
	u32 status;

	switch (offset) {
	case PCI_COMMAND:
		status = pci_cfg_read(dev->bdf, PCI_STATUS, 2) & ~PCI_STATUS_CAP_LIST;
		if (dev->cap_ptr)
			status |= PCI_STATUS_CAP_LIST;
		return status << 16 | dev->command;
	case PCI_CACHE_LINE:
		return pci_cfg_read(dev->bdf, PCI_HEADER_TYPE, 1) << 16 | (u32)dev->latency << 8 |
		       dev->cache_line;
	case PCI_CARDBUS_CIS:
	case PCI_ROM_BAR:
	case PCI_CAP_PTR + 4:
		return 0;
	case PCI_CAP_PTR:
		return dev->cap_ptr;
	case PCI_INTERRUPT_LINE:
		return (pci_cfg_read(dev->bdf, PCI_INTERRUPT_LINE, 4) & 0xffffff00U) | dev->line;
	default:
		break;
	}
	if (offset >= PCI_BAR0 && offset < PCI_BAR0 + 4 * PCI_BAR_COUNT) {
		u32 reg = (offset - PCI_BAR0) / 4;
		const struct vpci_bar *b = &dev->bars[reg];

		if (!b->present && reg > 0 && dev->bars[reg - 1].type == PCI_BAR_MEM64 &&
		    dev->bars[reg - 1].present)
			return bar_register(&dev->bars[reg - 1], true);
		return bar_register(b, false);
	}
	if (offset < PCI_HEADER_END)
		return pci_cfg_read(dev->bdf, offset, 4); /* IDs, class, subsystem */
	{
		u32 value = pci_cfg_read(dev->bdf, offset, 4);

		for (u32 byte = 0; byte < 4; byte++) {
			const struct vpci_cap *c;
			u32 shift = byte * 8;

			if (cap_at(dev, offset + byte, true)) {
				value &= ~(0xffU << shift);
			} else if ((c = cap_at(dev, offset + byte, false)) &&
				   offset + byte == c->offset + 1u) {
				value = (value & ~(0xffU << shift)) | (u32)c->vnext << shift;
			}
		}
		return value;
	}
}

/*
 * Caller holds the bus lock. Puts back BARs the device lost (a function-level reset or a
 * D3 to D0 transition the guest caused clears them): the device must never decode
 * anywhere but where the firmware put it.
 */
static void bars_restore(struct vpci_dev *dev)
{
	for (u32 i = 0; i < PCI_BAR_COUNT; i++) {
		const struct vpci_bar *b = &dev->bars[i];
		u32 reg = PCI_BAR0 + 4 * i;
		u32 low = (u32)b->hpa | (bar_is_io(b) ? PCI_BAR_IO_SPACE : 0);

		if (!b->present)
			continue;
		if ((pci_cfg_read(dev->bdf, reg, 4) &
		     (bar_is_io(b) ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK)) != (u32)b->hpa)
			pci_cfg_write(dev->bdf, reg, 4, low);
		if (b->type == PCI_BAR_MEM64 && pci_cfg_read(dev->bdf, reg + 4, 4) != b->hpa >> 32)
			pci_cfg_write(dev->bdf, reg + 4, 4, (u32)(b->hpa >> 32));
	}
}

/* Caller holds the bus lock. The device's command register for the guest's view. */
static void command_apply(struct vpci_dev *dev)
{
	u32 decode = 0;
	u32 phys;

	bars_restore(dev);
	phys = pci_cfg_read(dev->bdf, PCI_COMMAND, 2);
	for (u32 i = 0; i < PCI_BAR_COUNT; i++)
		if (dev->bars[i].present)
			decode |= bar_is_io(&dev->bars[i]) ? PCI_COMMAND_IO : PCI_COMMAND_MEM;
	/*
	 * Decoding stays on (the BARs never move physically; the VM's view decides what is
	 * mapped). Bus mastering stays off: without DMA remapping the device would reach any
	 * host memory with the guest's addresses.
	 */
	phys = (phys & ~(COMMAND_PASSED | PCI_COMMAND_MASTER | PCI_COMMAND_IO | PCI_COMMAND_MEM)) |
	       decode | (dev->command & COMMAND_PASSED);
	pci_cfg_write(dev->bdf, PCI_COMMAND, 2, phys);
}

/* Caller holds the bus lock. Writes the bytes of mask in the dword at offset (aligned). */
static void write_dword(struct vpci_dev *dev, u32 offset, u32 value, u32 mask)
{
	if (offset == PCI_COMMAND) {
		if (mask & 0xffff) {
			u16 old = dev->command;

			dev->command = (u16)((old & ~mask) | (value & mask)) & COMMAND_VIRTUAL;
			command_apply(dev);
			if ((old ^ dev->command) & (PCI_COMMAND_IO | PCI_COMMAND_MEM))
				for (u32 i = 0; i < PCI_BAR_COUNT; i++)
					bar_update(dev, &dev->bars[i]);
		}
		/* Status: its error bits clear by writing 1, on the device. */
		if ((value & mask) >> 16 & PCI_STATUS_RW1C)
			pci_cfg_write(dev->bdf, PCI_STATUS, 2,
				      ((value & mask) >> 16) & PCI_STATUS_RW1C);
		return;
	}
	if (offset == PCI_CACHE_LINE) {
		if (mask & 0xff)
			dev->cache_line = (u8)value;
		if (mask & 0xff00)
			dev->latency = (u8)(value >> 8);
		return;
	}
	if (offset == PCI_INTERRUPT_LINE) {
		if (mask & 0xff)
			dev->line = (u8)value;
		return;
	}
	if (offset >= PCI_BAR0 && offset < PCI_BAR0 + 4 * PCI_BAR_COUNT) {
		u32 reg = (offset - PCI_BAR0) / 4;
		u32 old = read_dword(dev, offset);

		bar_write(dev, reg, (old & ~mask) | (value & mask));
		return;
	}
	if (offset < PCI_HEADER_END)
		return; /* read-only or not offered: IDs, class, BIST, ROM, pointers */
	/* Capabilities and device-specific registers: through, except hidden bytes. */
	for (u32 byte = 0; byte < 4; byte++) {
		u32 shift = byte * 8;

		if (!(mask & (0xffU << shift)) || cap_at(dev, offset + byte, true) ||
		    cap_at(dev, offset + byte, false))
			continue; /* hidden capability or a capability header: read-only */
		pci_cfg_write(dev->bdf, offset + byte, 1, (value >> shift) & 0xff);
	}
}

u32 vpci_cfg_read(struct vpci_dev *dev, u32 offset, u32 size)
{
	if ((size != 1 && size != 2 && size != 4) || offset >= PCI_CFG_SIZE ||
	    (offset & 3) + size > 4)
		return ~0U;
	return (read_dword(dev, offset & ~3U) >> ((offset & 3) * 8)) & size_mask(size);
}

void vpci_cfg_write(struct vpci_dev *dev, u32 offset, u32 size, u32 value)
{
	u32 shift = (offset & 3) * 8;

	if ((size != 1 && size != 2 && size != 4) || offset >= PCI_CFG_SIZE ||
	    (offset & 3) + size > 4)
		return;
	write_dword(dev, offset & ~3U, value << shift, size_mask(size) << shift);
}

/* ------------------------------------------------------------------ the bus */

static struct vpci_dev *find_dev(struct vpci *bus, u32 cf8)
{
	u16 bdf = (u16)(cf8 >> 8);

	if (!(cf8 & CF8_ENABLE))
		return NULL;
	for (u32 i = 0; i < bus->count; i++)
		if (bus->devs[i].bdf == bdf)
			return &bus->devs[i];
	return NULL;
}

int vpci_cf8_access(void *device, struct io_request *req)
{
	struct vpci *bus = device;
	u64 flags;

	if (req->size != 4 || req->addr != VPCI_CF8)
		return -ENOENT;
	flags = spin_lock_irqsave(&bus->lock);
	if (req->write)
		bus->cf8 = (u32)req->value & CF8_WRITABLE;
	else
		req->value = bus->cf8;
	spin_unlock_irqrestore(&bus->lock, flags);
	return 0;
}

static int cfc_access(void *device, struct io_request *req)
{
	struct vpci *bus = device;
	u32 offset = req->addr - VPCI_CFC;
	struct vpci_dev *dev;
	u64 flags;

	if (req->size > 4 || offset + req->size > 4)
		return -ENOENT;
	flags = spin_lock_irqsave(&bus->lock);
	dev = find_dev(bus, bus->cf8);
	offset += bus->cf8 & 0xfc;
	if (!dev) {
		if (!req->write)
			req->value = size_mask(req->size); /* no function: all ones */
	} else if (req->write) {
		vpci_cfg_write(dev, offset, req->size, (u32)req->value);
	} else {
		req->value = vpci_cfg_read(dev, offset, req->size);
	}
	spin_unlock_irqrestore(&bus->lock, flags);
	return 0;
}

/* The function's BARs from the configuration, checked against what the device holds. */
static int bars_init(struct vpci_dev *dev)
{
	const struct pci_passthrough_config *c = dev->cfg;

	for (u32 i = 0; i < c->bar_count; i++) {
		const struct pci_bar_config *bc = &c->bars[i];
		struct vpci_bar *b;
		u64 phys;

		if (bc->index >= PCI_BAR_COUNT ||
		    (bc->type == PCI_BAR_MEM64 && bc->index + 1 >= PCI_BAR_COUNT) || !bc->size ||
		    (bc->size & (bc->size - 1)) || (bc->address & (bc->size - 1)))
			return -EINVAL;
		b = &dev->bars[bc->index];
		phys = pci_cfg_read(dev->bdf, PCI_BAR0 + 4 * bc->index, 4);
		if (bc->type == PCI_BAR_MEM64)
			phys |= (u64)pci_cfg_read(dev->bdf, PCI_BAR0 + 4 * bc->index + 4, 4) << 32;
		phys &= bc->type == PCI_BAR_IO ? PCI_BAR_IO_MASK : ~0xfULL;
		if (bc->type == PCI_BAR_MEM32)
			phys &= 0xffffffffULL;
		if (phys != bc->address) {
			pr_err("PCI %02x:%02x.%x: BAR%u is at 0x%llx, the board XML says 0x%llx: "
			       "capture the board again\n",
			       PCI_BDF_BUS(dev->bdf), PCI_BDF_DEV(dev->bdf), PCI_BDF_FN(dev->bdf),
			       bc->index, (unsigned long long)phys,
			       (unsigned long long)bc->address);
			return -ENODEV;
		}
		*b = (struct vpci_bar){.present = true,
				       .type = bc->type,
				       .prefetchable = bc->prefetchable,
				       .size = bc->size,
				       .hpa = bc->address,
				       .base = bc->address};
	}
	return 0;
}

static int dev_init(struct vpci *bus, struct vpci_dev *dev, const struct pci_passthrough_config *c)
{
	u32 ids;

	*dev = (struct vpci_dev){.cfg = c, .bus = bus, .bdf = PCI_BDF(c->bus, c->devfn)};
	if (c->segment != 0) {
		pr_err("PCI %04x:%02x:%02x.%x: only segment 0 is reachable\n", c->segment, c->bus,
		       c->devfn >> 3, c->devfn & 7);
		return -ENODEV;
	}
	ids = pci_cfg_read(dev->bdf, PCI_VENDOR_ID, 4);
	if (ids != ((u32)c->device << 16 | c->vendor)) {
		pr_err("PCI %02x:%02x.%x: found %04x:%04x, the board XML says %04x:%04x\n", c->bus,
		       c->devfn >> 3, c->devfn & 7, ids & 0xffff, ids >> 16, c->vendor, c->device);
		return -ENODEV;
	}
	if ((pci_cfg_read(dev->bdf, PCI_HEADER_TYPE, 1) & 0x7f) != 0) {
		pr_err("PCI %02x:%02x.%x: not a type 0 function (a bridge?)\n", c->bus,
		       c->devfn >> 3, c->devfn & 7);
		return -ENODEV;
	}
	caps_scan(dev);
	return bars_init(dev);
}

/* Claims the ports of every I/O BAR (they never move: see io_bar_access). */
static int io_bars_claim(struct vpci_dev *dev, struct io_bus *pio)
{
	for (u32 i = 0; i < PCI_BAR_COUNT; i++) {
		struct vpci_bar *b = &dev->bars[i];
		int err;

		if (!b->present || !bar_is_io(b))
			continue;
		err = io_bus_register(pio, b->hpa, b->size, io_bar_access, b,
				      "passthrough I/O BAR");
		if (err) {
			pr_err("PCI %02x:%02x.%x: ports 0x%llx-0x%llx of BAR%u are taken by an "
			       "emulated device of the VM (%d)\n",
			       PCI_BDF_BUS(dev->bdf), PCI_BDF_DEV(dev->bdf), PCI_BDF_FN(dev->bdf),
			       (unsigned long long)b->hpa,
			       (unsigned long long)(b->hpa + b->size - 1), i, err);
			return err;
		}
	}
	return 0;
}

int vpci_init(struct vpci *bus, struct vm *vm, struct io_bus *pio)
{
	const struct vm_config *c = vm->config;
	int err;

	spin_lock_init(&bus->lock);
	bus->vm = vm;
	bus->cf8 = 0;
	bus->count = 0;
	if (!c->pci_device_count)
		return 0;
	if (c->pci_device_count > VPCI_MAX_DEVS)
		return -E2BIG;
	for (u32 i = 0; i < c->pci_device_count; i++) {
		err = dev_init(bus, &bus->devs[i], &c->pci_devices[i]);
		if (!err)
			err = io_bars_claim(&bus->devs[i], pio);
		if (err)
			return err;
		bus->count = i + 1;
	}
	return io_bus_register(pio, VPCI_CFC, 4, cfc_access, bus, "PCI configuration data");
}

void vpci_reset(struct vpci *bus, bool stopping)
{
	u64 flags = spin_lock_irqsave(&bus->lock);

	bus->cf8 = 0;
	for (u32 i = 0; i < bus->count; i++) {
		struct vpci_dev *dev = &bus->devs[i];

		for (u32 j = 0; j < PCI_BAR_COUNT; j++) {
			bar_unmap(dev, &dev->bars[j]);
			dev->bars[j].base = dev->bars[j].hpa;
		}
		dev->command = stopping ? PCI_COMMAND_INTX_DISABLE : 0;
		dev->cache_line = dev->latency = 0;
		dev->line = dev->cfg->guest_gsi;
		command_apply(dev);
		if (stopping)
			pci_cfg_write(dev->bdf, PCI_COMMAND, 2,
				      pci_cfg_read(dev->bdf, PCI_COMMAND, 2) &
					      ~(PCI_COMMAND_IO | PCI_COMMAND_MEM));
	}
	spin_unlock_irqrestore(&bus->lock, flags);
}
