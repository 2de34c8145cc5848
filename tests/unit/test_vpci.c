// SPDX-License-Identifier: BSD-3-Clause
/*
 * The VM's PCI bus (dm/vpci.c) through its ports, as a guest reaches it: the address
 * register at 0xcf8 through the reset-control decoder (dm/vreset.c), the data ports on
 * the real port bus. The physical configuration space is two fake functions:
 *
 *   00:02.0 8086:100e  BAR0 mem32 0xc0000000/128 KiB, BAR1 I/O 0xc040/64, INTA on line 9,
 *                      capabilities PM@0x40 -> MSI (64-bit, masking)@0x50 -> PCIe@0x70
 *                      -> MSI-X@0x90 -> vendor@0xa0
 *   00:03.0 8086:1234  BAR2/3 64-bit prefetchable 0x800000000/1 MiB, no capabilities
 *
 * The VM's guest-physical space is fake too: mappings are recorded, RAM is 0-64 MiB.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/pci.h>
#include <bulkhead/vm.h>
#include <bulkhead/vpci.h>
#include <bulkhead/vreset.h>
#include "fake_log.h"
#include "fake_vm_env.h"

#define NIC	0x0010 /* 00:02.0 */
#define OTHER	0x0018 /* 00:03.0 */
#define RAM_END 0x4000000ULL

/* ------------------------------------------------------------------ fakes */

static u8 phys[2][256];
static int phys_writes_hidden; /* writes into the MSI or MSI-X capability */

static u8 *space_of(u16 bdf)
{
	return bdf == NIC ? phys[0] : bdf == OTHER ? phys[1] : NULL;
}

u32 pci_cfg_read(u16 bdf, u32 offset, u32 size)
{
	u8 *s = space_of(bdf);
	u32 v = 0;

	assert_true(offset + size <= 256 && (offset & 3) + size <= 4);
	if (!s)
		return size == 4 ? ~0U : (1U << (size * 8)) - 1;
	memcpy(&v, s + offset, size);
	return v;
}

void pci_cfg_write(u16 bdf, u32 offset, u32 size, u32 value)
{
	u8 *s = space_of(bdf);

	assert_true(offset + size <= 256 && (offset & 3) + size <= 4);
	if (bdf == NIC && ((offset >= 0x50 && offset < 0x68) || (offset >= 0x90 && offset < 0x9c)))
		phys_writes_hidden++;
	if (s)
		memcpy(s + offset, &value, size);
}

struct mapping {
	u64 gpa, hpa, size;
};
static struct mapping maps[8];
static int map_count, unmap_count;
static u64 last_unmap_gpa;

int vm_arch_map_mmio(struct vm *vm, u64 gpa, u64 hpa, u64 size)
{
	assert_true(map_count < 8);
	maps[map_count++] = (struct mapping){gpa, hpa, size};
	return 0;
}

void vm_arch_unmap_mmio(struct vm *vm, u64 gpa, u64 size)
{
	for (int i = 0; i < map_count; i++)
		if (maps[i].gpa == gpa && maps[i].size == size) {
			maps[i] = maps[--map_count];
			unmap_count++;
			last_unmap_gpa = gpa;
			return;
		}
	fail_msg("unmap of 0x%llx, which is not mapped", (unsigned long long)gpa);
}

bool vm_arch_gpa_taken(struct vm *vm, u64 gpa, u64 size)
{
	if (gpa < RAM_END)
		return true;
	for (int i = 0; i < map_count; i++)
		if (gpa < maps[i].gpa + maps[i].size && maps[i].gpa < gpa + size)
			return true;
	return false;
}

static u32 pio_port, pio_size, pio_value;
static int pio_reads, pio_writes;

u32 arch_pio_read(u16 port, u32 size)
{
	pio_port = port;
	pio_size = size;
	pio_reads++;
	return 0x5a5a5a5a & ((size == 4) ? ~0U : (1U << (size * 8)) - 1);
}

void arch_pio_write(u16 port, u32 size, u32 value)
{
	pio_port = port;
	pio_size = size;
	pio_value = value;
	pio_writes++;
}

/* ------------------------------------------------------------------ the VM */

static const struct pci_bar_config nic_bars[] = {
	{.index = 0, .type = PCI_BAR_MEM32, .address = 0xc0000000, .size = 0x20000},
	{.index = 1, .type = PCI_BAR_IO, .address = 0xc040, .size = 0x40},
};
static const struct pci_bar_config other_bars[] = {
	{.index = 2,
	 .type = PCI_BAR_MEM64,
	 .prefetchable = true,
	 .address = 0x800000000ULL,
	 .size = 0x100000},
};
static struct pci_passthrough_config fns[2];
static struct vm_config config;
static struct vm vm;

static void put32(u8 *s, u32 offset, u32 v)
{
	memcpy(s + offset, &v, 4);
}

static u32 get32(const u8 *s, u32 offset)
{
	u32 v;

	memcpy(&v, s + offset, 4);
	return v;
}

static void build_phys(void)
{
	u8 *n = phys[0], *o = phys[1];

	memset(phys, 0, sizeof(phys));
	put32(n, PCI_VENDOR_ID, 0x100e8086);
	put32(n, PCI_COMMAND, (u32)(PCI_STATUS_CAP_LIST | 0x0200) << 16 | 0x0007);
	put32(n, PCI_CLASS_REV, 0x02000003);
	put32(n, PCI_BAR0, 0xc0000000);
	put32(n, PCI_BAR0 + 4, 0xc041);
	put32(n, PCI_SUBSYSTEM, 0x11118086);
	put32(n, PCI_CAP_PTR, 0x40);
	put32(n, PCI_INTERRUPT_LINE, 0x00000109); /* pin A, line 9 */
	put32(n, 0x40, 0xc8235001);		  /* PM, next 0x50 */
	put32(n, 0x44, 0x00000008);
	put32(n, 0x50, 0x01807005); /* MSI, next 0x70, 64-bit + per-vector masking */
	put32(n, 0x54, 0xfee00000);
	put32(n, 0x70, 0x00029010); /* PCIe, next 0x90 */
	put32(n, 0x74, 0x12345678);
	put32(n, 0x90, 0x0003a011); /* MSI-X, next 0xa0 */
	put32(n, 0xa0, 0x00080009); /* vendor-specific, last */
	put32(n, 0xc0, 0xdeadbeef); /* device-specific */

	put32(o, PCI_VENDOR_ID, 0x12348086);
	put32(o, PCI_CLASS_REV, 0x01800001);
	put32(o, PCI_BAR0 + 8, 0x0000000c); /* 64-bit, prefetchable, low half 0 */
	put32(o, PCI_BAR0 + 12, 0x8);
}

static int setup(void **state)
{
	(void)state;
	fake_vm_env_reset();
	fake_log_reset();
	build_phys();
	map_count = unmap_count = 0;
	pio_reads = pio_writes = 0;
	phys_writes_hidden = 0;
	fns[0] = (struct pci_passthrough_config){.bus = 0,
						 .devfn = 0x10,
						 .vendor = 0x8086,
						 .device = 0x100e,
						 .bars = nic_bars,
						 .bar_count = 2,
						 .intx_pin = 1,
						 .host_gsi = 9,
						 .guest_gsi = 10};
	fns[1] = (struct pci_passthrough_config){.bus = 0,
						 .devfn = 0x18,
						 .vendor = 0x8086,
						 .device = 0x1234,
						 .bars = other_bars,
						 .bar_count = 1};
	config = (struct vm_config){.name = "pci", .pci_devices = fns, .pci_device_count = 2};
	memset(&vm, 0, sizeof(vm));
	vm.config = &config;
	io_bus_init(&vm.pio, 0x10000);
	io_bus_init(&vm.mmio, 1ULL << 52);
	assert_int_equal(vreset_attach(&vm.reset_ports, &vm, &vm.pio), 0);
	assert_int_equal(vpci_init(&vm.pci, &vm, &vm.pio), 0);
	vreset_claim_cf8(&vm.reset_ports, vpci_cf8_access, &vm.pci);
	vpci_reset(&vm.pci, false);
	return 0;
}

/* ------------------------------------------------------------------ the guest's accesses */

static int port(u16 addr, u32 size, bool write, u64 *value)
{
	struct io_request req = {.addr = addr, .size = size, .write = write, .value = *value};
	int err = io_bus_dispatch(&vm.pio, &req);

	*value = req.value;
	return err;
}

static void select_reg(u16 bdf, u32 offset)
{
	u64 v = 0x80000000U | (u32)bdf << 8 | (offset & 0xfc);

	assert_int_equal(port(0xcf8, 4, true, &v), 0);
}

static u32 rd(u16 bdf, u32 offset, u32 size)
{
	u64 v = 0;

	select_reg(bdf, offset);
	assert_int_equal(port((u16)(0xcfc + (offset & 3)), size, false, &v), 0);
	return (u32)v;
}

static void wr(u16 bdf, u32 offset, u32 size, u32 value)
{
	u64 v = value;

	select_reg(bdf, offset);
	assert_int_equal(port((u16)(0xcfc + (offset & 3)), size, true, &v), 0);
}

/* ------------------------------------------------------------------ tests */

static void ids_read_through_and_absent_functions_read_ones(void **state)
{
	u64 v = 0;

	(void)state;
	assert_int_equal(rd(NIC, PCI_VENDOR_ID, 4), 0x100e8086);
	assert_int_equal(rd(NIC, PCI_DEVICE_ID, 2), 0x100e);
	assert_int_equal(rd(NIC, PCI_CLASS_REV + 3, 1), 0x02);
	assert_int_equal(rd(NIC, PCI_SUBSYSTEM, 4), 0x11118086);
	assert_int_equal(rd(OTHER, PCI_VENDOR_ID, 4), 0x12348086);
	/* A function the VM does not own, even one the machine has. */
	assert_int_equal(rd(0x0008, PCI_VENDOR_ID, 4), 0xffffffff);
	assert_int_equal(rd(0x0100 | 0x10, PCI_VENDOR_ID, 2), 0xffff); /* bus 1 */
	/* The enable bit clear: nothing answers. */
	v = (u32)NIC << 8;
	assert_int_equal(port(0xcf8, 4, true, &v), 0);
	assert_int_equal(port(0xcfc, 4, false, &v), 0);
	assert_int_equal(v, 0xffffffff);
	/* 0xcf8 reads back its writable bits only. */
	v = 0xffffffff;
	assert_int_equal(port(0xcf8, 4, true, &v), 0);
	assert_int_equal(port(0xcf8, 4, false, &v), 0);
	assert_int_equal(v, 0x80fffffc);
	/* Byte and word writes to the header's read-only registers change nothing. */
	wr(NIC, PCI_VENDOR_ID, 2, 0x1234);
	wr(NIC, PCI_CLASS_REV, 4, 0);
	assert_int_equal(rd(NIC, PCI_VENDOR_ID, 4), 0x100e8086);
	assert_int_equal(get32(phys[0], PCI_CLASS_REV), 0x02000003);
}

static void bars_size_like_hardware_and_map_where_the_guest_puts_them(void **state)
{
	(void)state;
	/* After reset: the firmware's addresses, decoding off, nothing mapped. */
	assert_int_equal(rd(NIC, PCI_BAR0, 4), 0xc0000000);
	assert_int_equal(rd(NIC, PCI_BAR0 + 4, 4), 0xc041);
	assert_int_equal(rd(NIC, PCI_ROM_BAR, 4), 0);
	assert_int_equal(map_count, 0);
	/* Sizing. */
	wr(NIC, PCI_BAR0, 4, 0xffffffff);
	assert_int_equal(rd(NIC, PCI_BAR0, 4), 0xfffe0000);
	wr(NIC, PCI_BAR0 + 4, 4, 0xffffffff);
	assert_int_equal(rd(NIC, PCI_BAR0 + 4, 4), 0xffc1);
	wr(NIC, PCI_BAR0, 4, 0xc0000000);
	wr(NIC, PCI_BAR0 + 4, 4, 0xc040);
	assert_int_equal(rd(NIC, PCI_BAR0 + 4, 4), 0xc041);
	/* The physical BARs never moved. */
	assert_int_equal(get32(phys[0], PCI_BAR0), 0xc0000000);
	assert_int_equal(get32(phys[0], PCI_BAR0 + 4), 0xc041);
	assert_int_equal(map_count, 0);

	/* Memory decoding on: mapped at the guest's address. */
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MEM);
	assert_int_equal(map_count, 1);
	assert_int_equal(maps[0].gpa, 0xc0000000);
	assert_int_equal(maps[0].hpa, 0xc0000000);
	assert_int_equal(maps[0].size, 0x20000);
	/* Moved: the old place unmapped, the new one mapped to the same device memory. */
	wr(NIC, PCI_BAR0 + 2, 2, 0xd000);
	assert_int_equal(unmap_count, 1);
	assert_int_equal(last_unmap_gpa, 0xc0000000);
	assert_int_equal(map_count, 1);
	assert_int_equal(maps[0].gpa, 0xd0000000);
	assert_int_equal(maps[0].hpa, 0xc0000000);
	/* Onto the VM's RAM: refused, said, not mapped. */
	wr(NIC, PCI_BAR0, 4, 0x00100000);
	assert_int_equal(rd(NIC, PCI_BAR0, 4), 0x00100000);
	assert_int_equal(map_count, 0);
	assert_int_equal(fake_env.warns, 1);
	assert_non_null(strstr(fake_env.warn_text, "BAR0 at 0x100000 not decoded"));
	/* Decoding off: unmapped. */
	wr(NIC, PCI_BAR0, 4, 0xe0000000);
	assert_int_equal(map_count, 1);
	wr(NIC, PCI_COMMAND, 2, 0);
	assert_int_equal(map_count, 0);
}

static void a_64_bit_bar_is_one_bar_in_two_registers(void **state)
{
	(void)state;
	assert_int_equal(rd(OTHER, PCI_BAR0 + 8, 4), 0x0000000c);
	assert_int_equal(rd(OTHER, PCI_BAR0 + 12, 4), 0x8);
	wr(OTHER, PCI_BAR0 + 8, 4, 0xffffffff);
	wr(OTHER, PCI_BAR0 + 12, 4, 0xffffffff);
	assert_int_equal(rd(OTHER, PCI_BAR0 + 8, 4), 0xfff0000c);
	assert_int_equal(rd(OTHER, PCI_BAR0 + 12, 4), 0xffffffff);
	wr(OTHER, PCI_BAR0 + 8, 4, 0x00200000);
	wr(OTHER, PCI_BAR0 + 12, 4, 0x1);
	wr(OTHER, PCI_COMMAND, 2, PCI_COMMAND_MEM);
	assert_int_equal(map_count, 1);
	assert_int_equal(maps[0].gpa, 0x100200000ULL);
	assert_int_equal(maps[0].hpa, 0x800000000ULL);
	assert_int_equal(maps[0].size, 0x100000);
	/* Registers without a BAR read 0 and keep nothing. */
	wr(OTHER, PCI_BAR0, 4, 0xffffffff);
	assert_int_equal(rd(OTHER, PCI_BAR0, 4), 0);
}

static void io_bars_forward_only_at_their_ports_while_decoding(void **state)
{
	u64 v = 0x1234;

	(void)state;
	/* Decoding off: nothing answers at the ports. */
	assert_int_equal(port(0xc048, 2, false, &v), -ENOENT);
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_IO);
	v = 0xabcd;
	assert_int_equal(port(0xc048, 2, true, &v), 0);
	assert_int_equal(pio_writes, 1);
	assert_int_equal(pio_port, 0xc048);
	assert_int_equal(pio_size, 2);
	assert_int_equal(pio_value, 0xabcd);
	assert_int_equal(port(0xc07c, 4, false, &v), 0);
	assert_int_equal(v, 0x5a5a5a5a);
	/* Moved elsewhere: it stops decoding at the firmware's ports, and says why. */
	wr(NIC, PCI_BAR0 + 4, 4, 0xd000);
	assert_int_equal(port(0xc048, 2, false, &v), -ENOENT);
	assert_non_null(strstr(fake_env.warn_text, "I/O BARs stay at the firmware's ports"));
	wr(NIC, PCI_BAR0 + 4, 4, 0xc040);
	assert_int_equal(port(0xc048, 1, false, &v), 0);
	assert_int_equal(pio_reads, 2);
}

static void capabilities_hide_msi_and_msix(void **state)
{
	u32 at, ids[8], n = 0;

	(void)state;
	assert_true(rd(NIC, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (at = rd(NIC, PCI_CAP_PTR, 1); at && n < 8; at = rd(NIC, at + 1, 1))
		ids[n++] = at << 8 | rd(NIC, at, 1);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 0x4001); /* PM */
	assert_int_equal(ids[1], 0x7010); /* PCIe */
	assert_int_equal(ids[2], 0xa009); /* vendor-specific */
	/* Hidden bytes read 0, writes there never reach the device. */
	assert_int_equal(rd(NIC, 0x50, 4), 0);
	assert_int_equal(rd(NIC, 0x54, 4), 0);
	assert_int_equal(rd(NIC, 0x90, 4), 0);
	wr(NIC, 0x54, 4, 0xfee01000);
	wr(NIC, 0x52, 2, 0x0001); /* MSI enable */
	wr(NIC, 0x92, 2, 0x8000); /* MSI-X enable */
	assert_int_equal(phys_writes_hidden, 0);
	/* Visible capabilities read and write through, their headers excepted. */
	assert_int_equal(rd(NIC, 0x74, 4), 0x12345678);
	wr(NIC, 0x44, 2, 0x0003); /* PMCSR: D3hot */
	assert_int_equal(get32(phys[0], 0x44), 0x00000003);
	wr(NIC, 0x40, 2, 0xffff);
	assert_int_equal(get32(phys[0], 0x40), 0xc8235001);
	assert_int_equal(rd(NIC, 0xc0, 4), 0xdeadbeef);
	/* No capability at all: the status bit is clear. */
	assert_false(rd(OTHER, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_int_equal(rd(OTHER, PCI_CAP_PTR, 1), 0);
}

static void command_keeps_bus_mastering_off(void **state)
{
	(void)state;
	/* Reset: the guest reads 0; the device decodes, does not master. */
	assert_int_equal(rd(NIC, PCI_COMMAND, 2), 0);
	assert_int_equal(get32(phys[0], PCI_COMMAND) & 0xffff, PCI_COMMAND_IO | PCI_COMMAND_MEM);
	wr(NIC, PCI_COMMAND, 2,
	   PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_SERR | PCI_COMMAND_MWI);
	assert_int_equal(rd(NIC, PCI_COMMAND, 2),
			 PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_SERR);
	assert_int_equal(get32(phys[0], PCI_COMMAND) & 0xffff, PCI_COMMAND_IO | PCI_COMMAND_MEM |
								       PCI_COMMAND_INTX_DISABLE |
								       PCI_COMMAND_SERR);
	/* Status: error bits written as 1 clear on the device, nothing else is written. */
	put32(phys[0], PCI_COMMAND, get32(phys[0], PCI_COMMAND) | 0x80000000);
	wr(NIC, PCI_STATUS, 2, 0x8000);
	assert_int_equal(get32(phys[0], PCI_COMMAND) >> 16, 0x8000);
}

static void device_lost_bars_are_put_back(void **state)
{
	(void)state;
	/* A reset the guest caused (FLR, D3 -> D0) cleared the device's BARs. */
	put32(phys[0], PCI_BAR0, 0);
	put32(phys[0], PCI_BAR0 + 4, 1);
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MEM);
	assert_int_equal(get32(phys[0], PCI_BAR0), 0xc0000000);
	assert_int_equal(get32(phys[0], PCI_BAR0 + 4), 0xc041);
}

static void interrupt_line_is_the_vms_and_reset_restores_everything(void **state)
{
	(void)state;
	assert_int_equal(rd(NIC, PCI_INTERRUPT_LINE, 1), 10);
	assert_int_equal(rd(NIC, PCI_INTERRUPT_PIN, 1), 1);
	wr(NIC, PCI_INTERRUPT_LINE, 1, 5);
	wr(NIC, PCI_CACHE_LINE, 2, 0x4010);
	assert_int_equal(rd(NIC, PCI_INTERRUPT_LINE, 1), 5);
	assert_int_equal(rd(NIC, PCI_CACHE_LINE, 4), 0x00004010);
	assert_int_equal(get32(phys[0], PCI_INTERRUPT_LINE), 0x00000109);
	wr(NIC, PCI_BAR0, 4, 0xd0000000);
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MEM | PCI_COMMAND_IO);
	assert_int_equal(map_count, 1);

	vpci_reset(&vm.pci, false);
	assert_int_equal(map_count, 0);
	assert_int_equal(rd(NIC, PCI_INTERRUPT_LINE, 1), 10);
	assert_int_equal(rd(NIC, PCI_CACHE_LINE, 4), 0);
	assert_int_equal(rd(NIC, PCI_BAR0, 4), 0xc0000000);
	assert_int_equal(rd(NIC, PCI_COMMAND, 2), 0);

	/* Stopping: the device is left quiet, decoding and INTx off. */
	vpci_reset(&vm.pci, true);
	assert_int_equal(get32(phys[0], PCI_COMMAND) & 0xffff, PCI_COMMAND_INTX_DISABLE);
}

static void init_refuses_a_function_the_board_did_not_describe(void **state)
{
	struct vm other = {0};
	struct pci_passthrough_config bad = fns[0];

	(void)state;
	other.config = &(struct vm_config){.pci_devices = &bad, .pci_device_count = 1};
	io_bus_init(&other.pio, 0x10000);
	bad.device = 0x100f;
	fake_log_reset();
	assert_int_equal(vpci_init(&other.pci, &other, &other.pio), -ENODEV);
	assert_true(fake_log_contains("found 8086:100e, the board XML says 8086:100f"));

	bad = fns[0];
	bad.bars = (const struct pci_bar_config[]){
		{.index = 0, .type = PCI_BAR_MEM32, .address = 0xc1000000, .size = 0x20000}};
	bad.bar_count = 1;
	fake_log_reset();
	assert_int_equal(vpci_init(&other.pci, &other, &other.pio), -ENODEV);
	assert_true(fake_log_contains("BAR0 is at 0xc0000000, the board XML says 0xc1000000"));

	bad = fns[0];
	bad.segment = 1;
	assert_int_equal(vpci_init(&other.pci, &other, &other.pio), -ENODEV);

	bad = fns[0];
	phys[0][PCI_HEADER_TYPE] = 1; /* a bridge */
	assert_int_equal(vpci_init(&other.pci, &other, &other.pio), -ENODEV);
	phys[0][PCI_HEADER_TYPE] = 0;

	/* An I/O BAR on ports an emulated device of the VM has. */
	bad.bars = (const struct pci_bar_config[]){
		{.index = 1, .type = PCI_BAR_IO, .address = 0xc040, .size = 0x40}};
	bad.bar_count = 1;
	assert_int_equal(io_bus_register(&other.pio, 0xc050, 4, vpci_cf8_access, NULL, "x"), 0);
	assert_int_equal(vpci_init(&other.pci, &other, &other.pio), -EEXIST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(ids_read_through_and_absent_functions_read_ones, setup),
		cmocka_unit_test_setup(bars_size_like_hardware_and_map_where_the_guest_puts_them,
				       setup),
		cmocka_unit_test_setup(a_64_bit_bar_is_one_bar_in_two_registers, setup),
		cmocka_unit_test_setup(io_bars_forward_only_at_their_ports_while_decoding, setup),
		cmocka_unit_test_setup(capabilities_hide_msi_and_msix, setup),
		cmocka_unit_test_setup(command_keeps_bus_mastering_off, setup),
		cmocka_unit_test_setup(device_lost_bars_are_put_back, setup),
		cmocka_unit_test_setup(interrupt_line_is_the_vms_and_reset_restores_everything,
				       setup),
		cmocka_unit_test_setup(init_refuses_a_function_the_board_did_not_describe, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
