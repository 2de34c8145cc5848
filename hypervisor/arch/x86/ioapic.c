// SPDX-License-Identifier: BSD-3-Clause
/*
 * The physical I/O APICs (asm/ioapic.h) and the routing of a device's INTx input to the
 * hypervisor (arch_gsi_attach, bulkhead/arch.h). One lock covers every I/O APIC: a
 * register access is an IOREGSEL write and an IOWIN access, which must stay a pair.
 */
#include <bulkhead/acpi.h>
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/spinlock.h>
#include <asm/cpu.h>
#include <asm/io.h>
#include <asm/ioapic.h>
#include <asm/paging.h>
#include <asm/trap.h>

struct host_ioapic {
	volatile u8 *regs;
	u32 gsi_base;
	u32 pins;
};

/* A routed GSI: who handles the vector VEC_GSI_FIRST + its index. */
struct gsi_route {
	bool used;
	u32 gsi;
	void (*handler)(void *ctx);
	void *ctx;
};

static struct host_ioapic ioapics[ACPI_MAX_IOAPICS];
static u32 ioapic_count;
static struct gsi_route routes[VEC_GSI_COUNT];
static spinlock_t ioapic_lock = SPINLOCK_INIT;

/* Caller holds ioapic_lock. */
static u32 reg_read(const struct host_ioapic *io, u32 reg)
{
	mmio_write32(io->regs + IOAPIC_REGSEL, reg);
	return mmio_read32(io->regs + IOAPIC_WINDOW);
}

/* Caller holds ioapic_lock. */
static void reg_write(const struct host_ioapic *io, u32 reg, u32 value)
{
	mmio_write32(io->regs + IOAPIC_REGSEL, reg);
	mmio_write32(io->regs + IOAPIC_WINDOW, value);
}

/* The I/O APIC with input gsi, and the input's pin on it; NULL if none has it. */
static const struct host_ioapic *ioapic_of(u32 gsi, u32 *pin)
{
	for (u32 i = 0; i < ioapic_count; i++) {
		const struct host_ioapic *io = &ioapics[i];

		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

int ioapic_init(const struct acpi_info *acpi)
{
	for (size_t i = 0; i < acpi->ioapic_count && ioapic_count < ACPI_MAX_IOAPICS; i++) {
		const struct acpi_ioapic *a = &acpi->ioapics[i];
		struct host_ioapic *io = &ioapics[ioapic_count];
		u32 version;
		u64 flags;

		/* Below 4 GiB the hypervisor's tables map every hole as device memory. */
		if (a->addr >= (1ULL << 32) && paging_map(a->addr & ~0xfffULL, 0x1000, PROT_MMIO)) {
			pr_warn("IOAPIC: id %u at 0x%llx cannot be mapped; ignored\n", a->id,
				(unsigned long long)a->addr);
			continue;
		}
		io->regs = (volatile u8 *)a->addr;
		io->gsi_base = a->gsi_base;
		flags = spin_lock_irqsave(&ioapic_lock);
		version = reg_read(io, IOAPIC_REG_VER);
		if (version == ~0U) {
			spin_unlock_irqrestore(&ioapic_lock, flags);
			pr_warn("IOAPIC: id %u at 0x%llx does not answer; ignored\n", a->id,
				(unsigned long long)a->addr);
			continue;
		}
		io->pins = ((version >> 16) & 0xff) + 1;
		for (u32 pin = 0; pin < io->pins; pin++) {
			reg_write(io, IOAPIC_REG_RTE(pin), (u32)IOAPIC_RTE_MASKED);
			reg_write(io, IOAPIC_REG_RTE(pin) + 1, 0);
		}
		spin_unlock_irqrestore(&ioapic_lock, flags);
		pr_info("IOAPIC: id %u at 0x%llx, version 0x%x, GSIs %u-%u, all masked\n", a->id,
			(unsigned long long)a->addr, version & 0xff, io->gsi_base,
			io->gsi_base + io->pins - 1);
		ioapic_count++;
	}
	return ioapic_count ? 0 : -ENOENT;
}

static void gsi_irq(struct trap_frame *frame)
{
	const struct gsi_route *r = &routes[frame->vector - VEC_GSI_FIRST];

	/* The entry is level-triggered: the handler masks it before the EOI (trap.c). */
	if (r->handler)
		r->handler(r->ctx);
}

int arch_gsi_attach(u32 gsi, bool active_low, u32 cpu, void (*handler)(void *ctx), void *ctx)
{
	const struct host_ioapic *io;
	struct per_cpu *target = cpu < pcpu_count ? per_cpu(cpu) : NULL;
	u32 pin, slot;
	u64 rte, flags;
	int err;

	io = ioapic_of(gsi, &pin);
	if (!io)
		return -ENOENT;
	if (!target || target->state != CPU_ONLINE || target->apic_id > 0xff)
		return -ERANGE; /* an 8-bit physical destination, without interrupt remapping */
	flags = spin_lock_irqsave(&ioapic_lock);
	for (slot = 0; slot < VEC_GSI_COUNT; slot++)
		if (routes[slot].used && routes[slot].gsi == gsi)
			break;
	if (slot < VEC_GSI_COUNT) {
		spin_unlock_irqrestore(&ioapic_lock, flags);
		return -EBUSY;
	}
	for (slot = 0; slot < VEC_GSI_COUNT && routes[slot].used; slot++)
		;
	if (slot == VEC_GSI_COUNT) {
		spin_unlock_irqrestore(&ioapic_lock, flags);
		return -ENOSPC;
	}
	routes[slot] = (struct gsi_route){.used = true, .gsi = gsi, .handler = handler, .ctx = ctx};
	rte = (u64)(VEC_GSI_FIRST + slot) | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED |
	      (active_low ? IOAPIC_RTE_ACTIVE_LOW : 0) |
	      (u64)target->apic_id << IOAPIC_RTE_DEST_SHIFT;
	/* High dword first: the entry stays masked until the whole of it is written. */
	reg_write(io, IOAPIC_REG_RTE(pin), (u32)IOAPIC_RTE_MASKED);
	reg_write(io, IOAPIC_REG_RTE(pin) + 1, (u32)(rte >> 32));
	reg_write(io, IOAPIC_REG_RTE(pin), (u32)rte);
	spin_unlock_irqrestore(&ioapic_lock, flags);
	err = irq_register((u8)(VEC_GSI_FIRST + slot), gsi_irq);
	if (err && err != -EBUSY)
		return err;
	return 0;
}

void arch_gsi_mask(u32 gsi, bool masked)
{
	const struct host_ioapic *io;
	u32 pin, low;
	u64 flags;

	io = ioapic_of(gsi, &pin);
	if (!io)
		return;
	flags = spin_lock_irqsave(&ioapic_lock);
	low = reg_read(io, IOAPIC_REG_RTE(pin));
	if (masked)
		low |= (u32)IOAPIC_RTE_MASKED;
	else
		low &= ~(u32)IOAPIC_RTE_MASKED;
	reg_write(io, IOAPIC_REG_RTE(pin), low);
	spin_unlock_irqrestore(&ioapic_lock, flags);
}

int arch_irq_init(const struct acpi_info *acpi)
{
	return ioapic_init(acpi);
}
