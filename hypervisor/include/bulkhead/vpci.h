/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A VM's PCI bus (dm/vpci.c): configuration mechanism #1 at ports 0xcf8 (address, dword
 * accesses only; reached through the VM's reset-control decoder, bulkhead/vreset.h) and
 * 0xcfc-0xcff (data), and the virtual configuration space of each PCI function passed
 * through to it. Functions the VM does not own read all ones. doc/pci-passthrough.md
 * has the whole model; in short, per register of a passed-through function:
 *
 *   physical   what the device holds: BARs as the firmware assigned them (never
 *              rewritten), memory and I/O decoding on, bus mastering off (no DMA remapping
 *              yet), INTx disable as the guest wants it
 *   virtual    what the guest reads: its own command bits, BARs where it put them,
 *              its interrupt line, a capability list without MSI and MSI-X
 *
 * IDs, class, status and capability contents read through; BARs are emulated (sizing
 * included) and each memory BAR is mapped into the VM's guest-physical space where the
 * guest put it while memory decoding is on, if that range is free; an I/O BAR decodes
 * only at the firmware's ports, its accesses forwarded to the device while I/O decoding
 * is on. The expansion ROM BAR reads 0. A 64-bit BAR is one BAR in two registers.
 */
#ifndef BULKHEAD_VPCI_H
#define BULKHEAD_VPCI_H

#include <bulkhead/io_bus.h>
#include <bulkhead/pci.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/types.h>
#include <bulkhead/vm_config.h>

#define VPCI_MAX_DEVS 8
#define VPCI_MAX_CAPS 16
#define VPCI_CF8      0xcf8
#define VPCI_CFC      0xcfc

struct vm;

struct vpci_bar {
	bool present;
	enum pci_bar_type type;
	bool prefetchable;
	u64 size;
	u64 hpa;  /* physical address or first port */
	u64 base; /* where the guest put it (address bits only) */
	bool mapped;
	u64 mapped_at; /* guest-physical address or first port, while mapped */
};

/* A capability of the physical list; hidden ones read 0 and are skipped. */
struct vpci_cap {
	u8 offset;
	u8 length;
	u8 vnext; /* the next visible capability, 0 at the end */
	bool hidden;
};

struct vpci_dev {
	const struct pci_passthrough_config *cfg;
	struct vpci *bus;
	u16 bdf;
	struct vpci_bar bars[PCI_BAR_COUNT]; /* a 64-bit BAR: at its index, the next unused */
	struct vpci_cap caps[VPCI_MAX_CAPS];
	u32 cap_count;
	u8 cap_ptr; /* the first visible capability, 0 if none */
	/* Virtual registers. */
	u16 command;
	u8 cache_line;
	u8 latency;
	u8 line; /* interrupt line */
};

struct vpci {
	spinlock_t lock; /* one configuration access or one reset at a time */
	struct vm *vm;
	u32 cf8;
	u32 count;
	struct vpci_dev devs[VPCI_MAX_DEVS];
};

/*
 * Sets up the VM's bus with the functions of its configuration, after checking each
 * against the device (IDs and BAR addresses must be the board XML's) and registers the
 * data ports on pio. Returns 0, -ENODEV (a function is not what the board said, with
 * the reason logged), -E2BIG or io_bus_register()'s error. A VM without passed-through
 * functions gets no bus (its ports 0xcf8 and 0xcfc stay unclaimed).
 */
int vpci_init(struct vpci *bus, struct vm *vm, struct io_bus *pio);
/*
 * The guest's view back to power-on (BARs where the firmware put them, decoding off,
 * interrupt line the configured GSI); every mapping removed. With stopping, the device is
 * left quiet (decoding and INTx off) instead.
 */
void vpci_reset(struct vpci *bus, bool stopping);
/* The handler the 0xcf8 decoder calls for dword accesses (bulkhead/vreset.h). */
int vpci_cf8_access(void *device, struct io_request *req);
/* Virtual configuration read and write of dev (offset and size as for pci_cfg_read). */
u32 vpci_cfg_read(struct vpci_dev *dev, u32 offset, u32 size);
void vpci_cfg_write(struct vpci_dev *dev, u32 offset, u32 size, u32 value);

#endif
