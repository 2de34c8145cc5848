// SPDX-License-Identifier: BSD-3-Clause
/*
 * tests=pci: a PCI function the VM owns, through configuration mechanism #1 (ports 0xcf8
 * and 0xcfc), and its INTx interrupt through the I/O APIC. The function is an Intel
 * 82540EM e1000 (8086:100e), which Bochs and QEMU both emulate: the first one on bus 0.
 *
 * enumerate        every function of bus 0 in one line; the e1000 must be among them
 * config_header    class 0x020000, header type 0, interrupt pin INTA, a line 1-254
 * bar_sizing       BAR0 (32-bit memory, 128 KiB) and BAR1 (I/O, 64 ports) read back their
 *                  size after all ones are written, and their address after it is restored
 * capabilities     the capability list is well formed; says msi=yes|no
 * mmio             with memory decoding on, the e1000's CTRL and STATUS registers through
 *                  BAR0 are not all ones
 * intx             the interrupt line's I/O APIC input, level-triggered and active low
 *                  (PCI INTx), gets 5 interrupts raised through the interrupt-cause-set
 *                  register (ICS), each ended by reading ICR and an EOI
 * intx_masked      a cause raised with the entry masked arrives only after the unmask,
 *                  once, and the line is quiet after that
 */
#include "acpi.h"
#include "apic.h"
#include "check.h"
#include "console.h"
#include "irq.h"
#include "testguest.h"
#include "tsc.h"

#define T "pci"

#define CF8		0xcf8
#define CFC		0xcfc
#define E1000_VENDOR	0x8086
#define E1000_DEVICE	0x100e
#define E1000_BAR0_SIZE 0x20000
#define E1000_BAR1_SIZE 0x40

/* e1000 registers (82540EM manual, 13.4). */
#define E1000_CTRL   0x00
#define E1000_STATUS 0x08
#define E1000_ICR    0xc0 /* read: causes, cleared by the read */
#define E1000_ICS    0xc8 /* write: set causes */
#define E1000_IMS    0xd0 /* write: enable causes */
#define E1000_IMC    0xd8 /* write: disable causes */
#define E1000_LSC    (1U << 2)

#define INTX_COUNT   5
#define INTX_WAIT_MS 50
#define QUIET_MS     20
#define MAX_CAP_WALK 48

static u32 cfg_read(u32 bdf, u32 offset)
{
	outl(CF8, 0x80000000U | bdf << 8 | (offset & 0xfc));
	return inl(CFC);
}

static void cfg_write(u32 bdf, u32 offset, u32 value)
{
	outl(CF8, 0x80000000U | bdf << 8 | (offset & 0xfc));
	outl(CFC, value);
}

static u16 cfg_read16(u32 bdf, u32 offset)
{
	outl(CF8, 0x80000000U | bdf << 8 | (offset & 0xfc));
	return inw((u16)(CFC + (offset & 2)));
}

static void cfg_write16(u32 bdf, u32 offset, u16 value)
{
	outl(CF8, 0x80000000U | bdf << 8 | (offset & 0xfc));
	outw((u16)(CFC + (offset & 2)), value);
}

static volatile u32 *e1000_regs;
static volatile u32 intx_seen, intx_causes;

static u32 e1000_read(u32 reg)
{
	return e1000_regs[reg / 4];
}

static void e1000_write(u32 reg, u32 value)
{
	e1000_regs[reg / 4] = value;
}

/* The interrupt handler: reading ICR ends the device's assertion, then the EOI. */
static void intx_handler(unsigned int vector)
{
	(void)vector;
	intx_causes |= e1000_read(E1000_ICR);
	intx_seen++;
	apic_eoi();
}

/* Bus 0, every device, functions 1-7 only of multi-function devices. -1: no e1000. */
static int enumerate(void)
{
	char list[400];
	size_t len = 0;
	unsigned int found = 0;
	int e1000 = -1;

	list[0] = '\0';
	for (u32 dev = 0; dev < 32; dev++) {
		for (u32 fn = 0; fn < 8; fn++) {
			u32 bdf = dev << 3 | fn;
			u32 ids = cfg_read(bdf, 0);

			if ((ids & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			found++;
			if (len < sizeof(list))
				len += tg_snprintf(list + len, sizeof(list) - len,
						   " 00:%02x.%x=%04x:%04x", dev, fn, ids & 0xffff,
						   ids >> 16);
			if (e1000 < 0 && ids == (E1000_DEVICE << 16 | E1000_VENDOR))
				e1000 = (int)bdf;
			if (fn == 0 && !(cfg_read(bdf, 0xc) & 0x800000))
				break;
		}
	}
	if (e1000 >= 0)
		check_pass(T, "enumerate", "%u function(s):%s", found, list);
	else
		check_fail(T, "enumerate",
			   "expected an 8086:100e on bus 0, found %u function(s):%s", found,
			   found ? list : " none");
	return e1000;
}

static bool config_header(u32 bdf, u8 *line)
{
	u32 class_rev = cfg_read(bdf, 0x08), header = cfg_read(bdf, 0x0c) >> 16 & 0x7f;
	u32 irq = cfg_read(bdf, 0x3c);
	u8 pin = (u8)(irq >> 8);

	*line = (u8)irq;
	if (class_rev >> 8 != 0x020000 || header != 0 || pin != 1 || *line < 1 || *line > 254) {
		check_fail(T, "config_header",
			   "expected class 0x020000, header type 0, pin 1 (INTA), line 1-254; read "
			   "class 0x%06x, header type %u, pin %u, line %u",
			   class_rev >> 8, header, pin, *line);
		return false;
	}
	check_pass(T, "config_header", "interrupt line %u (GSI)", *line);
	return true;
}

/* Writes all ones, reads the size mask, restores. Returns what the sizing read. */
static u32 size_bar(u32 bdf, u32 offset, u32 *restored)
{
	u32 old = cfg_read(bdf, offset), sized;

	cfg_write(bdf, offset, ~0U);
	sized = cfg_read(bdf, offset);
	cfg_write(bdf, offset, old);
	*restored = cfg_read(bdf, offset);
	return sized;
}

static u64 bar_sizing(u32 bdf)
{
	u32 bar0 = cfg_read(bdf, 0x10), bar1 = cfg_read(bdf, 0x14), r0, r1;
	u32 s0 = size_bar(bdf, 0x10, &r0), s1 = size_bar(bdf, 0x14, &r1);
	bool mem_ok = (bar0 & 0x7) == 0 && s0 == (~(u32)(E1000_BAR0_SIZE - 1) | (bar0 & 0xf)) &&
		      r0 == bar0;
	/* Bits 31:16 of an I/O BAR may read 0 (64 KiB of ports) or ones. */
	bool io_ok = (bar1 & 1) && (s1 & 0xfffc) == (~(u32)(E1000_BAR1_SIZE - 1) & 0xfffc) &&
		     (s1 & 3) == 1 && r1 == bar1;

	if (mem_ok && io_ok)
		check_pass(T, "bar_sizing", "BAR0 0x%08x (0x%x bytes), BAR1 0x%04x (0x%x ports)",
			   bar0 & ~0xfU, E1000_BAR0_SIZE, bar1 & ~3U, E1000_BAR1_SIZE);
	else
		check_fail(
			T, "bar_sizing",
			"expected BAR0 (memory, 0x%x bytes) to size as 0x%08x and BAR1 (I/O, 0x%x "
			"ports) as 0x....%04x, both restored; BAR0 0x%08x sized 0x%08x restored "
			"0x%08x, BAR1 0x%08x sized 0x%08x restored 0x%08x",
			E1000_BAR0_SIZE, ~(u32)(E1000_BAR0_SIZE - 1), E1000_BAR1_SIZE,
			(~(u32)(E1000_BAR1_SIZE - 1) & 0xfffc) | 1, bar0, s0, r0, bar1, s1, r1);
	return mem_ok ? (u64)(bar0 & ~0xfU) : 0;
}

static void capabilities(u32 bdf)
{
	char ids[160] = "";
	size_t len = 0;
	bool msi = false;
	u8 seen[MAX_CAP_WALK];
	unsigned int count = 0;
	u8 at;

	if (!(cfg_read16(bdf, 0x06) & (1U << 4))) {
		check_pass(T, "capabilities", "none (status bit 4 clear), msi=no");
		return;
	}
	at = (u8)cfg_read(bdf, 0x34) & 0xfc;
	while (at) {
		u32 head = cfg_read(bdf, at);
		u8 id = (u8)head;

		if (at < 0x40 || count == MAX_CAP_WALK) {
			check_fail(T, "capabilities", "pointer 0x%02x after %u capabilities: %s",
				   at, count, at < 0x40 ? "inside the header" : "too long a list");
			return;
		}
		for (unsigned int i = 0; i < count; i++)
			if (seen[i] == at) {
				check_fail(T, "capabilities", "the list loops back to 0x%02x", at);
				return;
			}
		seen[count++] = at;
		msi |= id == 0x05 || id == 0x11;
		len += tg_snprintf(ids + len, sizeof(ids) - len, " 0x%02x@0x%02x", id, at);
		at = (u8)(head >> 8) & 0xfc;
	}
	check_pass(T, "capabilities", "%u:%s, msi=%s", count, ids, msi ? "yes" : "no");
}

static bool mmio(u32 bdf, u64 bar0)
{
	u32 ctrl, status;

	cfg_write16(bdf, 0x04, cfg_read16(bdf, 0x04) | 0x2); /* memory decoding */
	e1000_regs = (volatile u32 *)bar0;
	ctrl = e1000_read(E1000_CTRL);
	status = e1000_read(E1000_STATUS);
	if (ctrl == ~0U || status == ~0U) {
		check_fail(T, "mmio",
			   "expected the e1000's CTRL and STATUS at 0x%llx, read 0x%08x and 0x%08x",
			   bar0, ctrl, status);
		return false;
	}
	check_pass(T, "mmio", "CTRL 0x%08x STATUS 0x%08x at 0x%llx", ctrl, status, bar0);
	return true;
}

/* Raises LSC and waits for the handler; true when exactly one more arrived. */
static bool raise_and_wait(u32 *seen_after)
{
	u32 before = intx_seen;
	u64 end = rdtsc() + tsc_ms(INTX_WAIT_MS);

	e1000_write(E1000_ICS, E1000_LSC);
	while (intx_seen == before && rdtsc() < end)
		cpu_pause();
	tsc_spin(tsc_ms(1)); /* a second one would come now */
	*seen_after = intx_seen - before;
	return *seen_after == 1;
}

static void intx(u8 line)
{
	const struct platform *p = platform();
	const struct acpi_ioapic *io = platform_ioapic_for(p, line);
	struct isa_route r = {.gsi = line, .level = true, .active_low = true};
	u32 arrived = 0, extra = 0, got;
	bool ok = true;

	if (!io) {
		check_fail(T, "intx", "no I/O APIC in the MADT serves GSI %u", line);
		return;
	}
	r.ioapic = io->addr;
	r.pin = line - io->gsi_base;
	irq_set_handler(VEC_PCI_INTX, intx_handler);
	e1000_write(E1000_IMC, ~0U);
	(void)e1000_read(E1000_ICR);
	e1000_write(E1000_IMS, E1000_LSC);
	ioapic_set_entry(r.ioapic, r.pin, irq_route_entry(&r, VEC_PCI_INTX, false));
	irq_enable();
	for (unsigned int i = 0; i < INTX_COUNT; i++) {
		ok &= raise_and_wait(&got);
		arrived += got != 0;
		extra += got > 1 ? got - 1 : 0;
	}
	if (ok && (intx_causes & E1000_LSC))
		check_pass(T, "intx", "%u interrupts on GSI %u (pin %u, level, active low)",
			   arrived, line, r.pin);
	else
		check_fail(T, "intx",
			   "expected %u interrupts on GSI %u (pin %u), one per cause raised; %u "
			   "arrived, %u extra, causes 0x%x",
			   INTX_COUNT, line, r.pin, arrived, extra, intx_causes);

	/* Masked: the cause waits; unmasked: it arrives once, then the line is quiet. */
	ioapic_set_entry(r.ioapic, r.pin, irq_route_entry(&r, VEC_PCI_INTX, true));
	got = intx_seen;
	e1000_write(E1000_ICS, E1000_LSC);
	tsc_spin(tsc_ms(QUIET_MS));
	arrived = intx_seen - got;
	ioapic_set_entry(r.ioapic, r.pin, irq_route_entry(&r, VEC_PCI_INTX, false));
	{
		u64 end = rdtsc() + tsc_ms(INTX_WAIT_MS);

		while (intx_seen == got + arrived && rdtsc() < end)
			cpu_pause();
	}
	tsc_spin(tsc_ms(QUIET_MS));
	extra = intx_seen - got;
	if (arrived == 0 && extra == 1)
		check_pass(T, "intx_masked", "held while masked, one interrupt after the unmask");
	else
		check_fail(T, "intx_masked",
			   "expected no interrupt in %u ms with the entry masked, then exactly one "
			   "after the unmask; %u while masked, %u in all",
			   QUIET_MS, arrived, extra);

	irq_disable();
	e1000_write(E1000_IMC, ~0U);
	(void)e1000_read(E1000_ICR);
	ioapic_set_entry(r.ioapic, r.pin, irq_route_entry(&r, VEC_PCI_INTX, true));
	irq_set_handler(VEC_PCI_INTX, NULL);
}

void test_pci(void)
{
	char why[160];
	const char *err;
	u16 command;
	u64 bar0;
	u8 line;
	int bdf;

	irq_quiesce();
	irq_stray_reset();
	bdf = enumerate();
	if (bdf < 0)
		return;
	command = cfg_read16((u32)bdf, 0x04);
	if (!config_header((u32)bdf, &line))
		return;
	bar0 = bar_sizing((u32)bdf);
	capabilities((u32)bdf);
	if (!bar0 || !mmio((u32)bdf, bar0)) {
		cfg_write16((u32)bdf, 0x04, command);
		return;
	}
	err = irq_use_apic(why, sizeof(why));
	if (err)
		check_fail(T, "intx", "%s", err);
	else
		intx(line);
	cfg_write16((u32)bdf, 0x04, command);
	irq_quiesce();
	irq_check_stray(T, "stray_interrupts");
}
