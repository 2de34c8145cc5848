// SPDX-License-Identifier: BSD-3-Clause
/*
 * The virtual LAPIC (guest/vlapic.c): x2APIC MSR reads and writes, ICR_INIT and start-up IPI
 * delivery from the ICR to the VM's vCPUs, and the xAPIC page reached through the VM's
 * real MMIO bus (core/io_bus.c). vcpu_send_init/vcpu_send_sipi, vcpu_on_pcpu,
 * arch_cpu_id and vm_warn are the recording fakes of fakes/fake_vm_env.c. ICR layout:
 * SDM Vol 3A 11.6.1; x2APIC: 11.12.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/vm.h>
#include <asm/vlapic.h>
#include "fake_vm_env.h"

#define APIC_BSP  (1ULL << 8)
#define APIC_EXTD (1ULL << 10)
#define APIC_EN	  (1ULL << 11)

#define MSR_ID	    0x802
#define MSR_VERSION 0x803
#define MSR_TPR	    0x808
#define MSR_EOI	    0x80b
#define MSR_LDR	    0x80d
#define MSR_SVR	    0x80f
#define MSR_ESR	    0x828
#define MSR_ICR	    0x830
#define MSR_ICR_HI  0x831

/* ICR low bits. */
#define ICR_INIT      0x500
#define ICR_STARTUP   0x600
#define ICR_LOGICAL   0x800
#define ICR_ASSERT    0x4000
#define ICR_LEVEL     0x8000
#define SH_SELF	      (1U << 18)
#define SH_ALL	      (2U << 18)
#define SH_OTHERS     (3U << 18)
#define X2DEST(d)     ((u64)(d) << 32)
#define XAPIC_DEST(d) ((u32)(d) << 24) /* in the ICR high register */

#define XAPIC_PAGE 0xfee00000ULL

static struct vm vm, other_vm;
static struct vm_config cfg;

static int setup(void **state)
{
	(void)state;
	fake_vm_env_reset();
	memset(&vm, 0, sizeof(vm));
	memset(&other_vm, 0, sizeof(other_vm));
	cfg = (struct vm_config){.name = "vlapic-test", .vcpu_count = 4};
	vm.config = &cfg;
	vm.vcpu_count = 4;
	io_bus_init(&vm.mmio, 1ULL << 52);
	assert_int_equal(vlapic_attach(&vm), 0);
	for (u32 i = 0; i < 4; i++) {
		struct vcpu *v = &vm.vcpus[i];

		v->vm = &vm;
		v->id = i;
		v->pcpu = i + 2; /* not the vCPU id: the xAPIC page finds its vCPU by CPU */
		v->arch.apic_base = XAPIC_PAGE | APIC_EN | (i == 0 ? APIC_BSP : 0);
		vlapic_reset(v);
		fake_env.on_pcpu[v->pcpu] = v;
	}
	other_vm.vcpu_count = 1;
	other_vm.vcpus[0].vm = &other_vm;
	other_vm.vcpus[0].arch.apic_base = XAPIC_PAGE | APIC_EN | APIC_BSP;
	return 0;
}

static struct vcpu *vcpu(u32 i)
{
	return &vm.vcpus[i];
}

static void x2apic_on(struct vcpu *v)
{
	v->arch.apic_base |= APIC_EN | APIC_EXTD;
}

static u64 msr_rd(struct vcpu *v, u32 msr)
{
	u64 value = ~0ULL;

	assert_int_equal(vlapic_msr_read(v, msr, &value), 0);
	return value;
}

/* The IPIs sent since the last call, as "i<vcpu>" and "s<vcpu>:<vector>" words. */
static const char *ipis(void)
{
	static char text[256];
	size_t len = 0;

	text[0] = '\0';
	for (size_t i = 0; i < fake_env.ipi_count; i++) {
		const struct fake_ipi *p = &fake_env.ipis[i];
		u32 id;

		assert_ptr_equal(p->target->vm, &vm);
		id = (u32)(p->target - vm.vcpus);
		if (p->sipi)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%ss%u:%02x",
						len ? " " : "", id, p->vector);
		else
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%si%u",
						len ? " " : "", id);
	}
	fake_env.ipi_count = 0;
	return text;
}

static void icr_x2(struct vcpu *from, u64 icr)
{
	assert_int_equal(vlapic_msr_write(from, MSR_ICR, icr), 0);
}

/* An access to the xAPIC page from the CPU of vCPU v (or pcpu 7 when v is NULL). */
static int mmio(struct vcpu *v, u64 offset, u32 size, bool write, u64 *value)
{
	struct io_request req = {.addr = XAPIC_PAGE + offset, .size = size, .write = write};
	int err;

	fake_env.cpu_id = v ? v->pcpu : 7;
	req.value = *value;
	err = io_bus_dispatch(&vm.mmio, &req);
	*value = req.value;
	return err;
}

static u64 xapic_rd(struct vcpu *v, u64 offset)
{
	u64 value = 0xdeadbeef;

	assert_int_equal(mmio(v, offset, 4, false, &value), 0);
	return value;
}

static void xapic_wr(struct vcpu *v, u64 offset, u32 value)
{
	u64 x = value;

	assert_int_equal(mmio(v, offset, 4, true, &x), 0);
}

/* --- x2APIC registers. --- */

static void x2apic_register_reads(void **state)
{
	(void)state;
	x2apic_on(vcpu(2));
	assert_int_equal(msr_rd(vcpu(2), MSR_ID), 2);
	assert_int_equal(msr_rd(vcpu(2), MSR_VERSION), 0x00050014);
	assert_int_equal(msr_rd(vcpu(2), MSR_LDR), 0x00000004);
	assert_int_equal(msr_rd(vcpu(2), MSR_SVR), 0xff);
	assert_int_equal(msr_rd(vcpu(2), MSR_TPR), 0);
	assert_int_equal(msr_rd(vcpu(2), MSR_ESR), 0);
	assert_int_equal(msr_rd(vcpu(2), MSR_ICR), 0);
	/* The spurious-vector register keeps APIC enable, focus check and the vector. */
	assert_int_equal(vlapic_msr_write(vcpu(2), MSR_SVR, 0xfffff3ff), 0);
	assert_int_equal(msr_rd(vcpu(2), MSR_SVR), 0x11ff);
}

static void x2apic_ldr_is_cluster_and_bit(void **state)
{
	struct vcpu high_id = {.vm = &vm, .id = 0x25, .arch.apic_base = 0xfee00c00};

	(void)state;
	for (u32 i = 0; i < 4; i++) {
		x2apic_on(vcpu(i));
		assert_int_equal(msr_rd(vcpu(i), MSR_LDR), 1U << i);
	}
	/* ID 0x25: cluster 2 in bits 31:16, bit 5 for ID[3:0]. */
	assert_int_equal(msr_rd(&high_id, MSR_ID), 0x25);
	assert_int_equal(msr_rd(&high_id, MSR_LDR), 0x00020020);
}

static void x2apic_msrs_fault_outside_x2apic_mode(void **state)
{
	u64 value = 0;

	(void)state;
	/* xAPIC mode (EN only), then disabled. */
	assert_int_equal(vlapic_msr_read(vcpu(1), MSR_ID, &value), -EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(1), MSR_ICR, X2DEST(2) | ICR_INIT | ICR_ASSERT),
			 -EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(1), MSR_SVR, 0x1ff), -EFAULT);
	vcpu(1)->arch.apic_base = XAPIC_PAGE;
	assert_int_equal(vlapic_msr_read(vcpu(1), MSR_VERSION, &value), -EFAULT);
	vcpu(1)->arch.apic_base = XAPIC_PAGE | APIC_EXTD; /* the invalid state is not x2APIC */
	assert_int_equal(vlapic_msr_read(vcpu(1), MSR_VERSION, &value), -EFAULT);
	assert_int_equal(fake_env.ipi_count, 0);
	assert_int_equal(vcpu(1)->arch.lapic_svr, 0xff);
	assert_int_equal(vcpu(1)->arch.lapic_icr, 0);
}

static void x2apic_has_no_icr_high(void **state)
{
	u64 value = 0;

	(void)state;
	x2apic_on(vcpu(0));
	assert_int_equal(vlapic_msr_read(vcpu(0), MSR_ICR_HI, &value), -EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(0), MSR_ICR_HI, 2), -EFAULT);
	assert_int_equal(vcpu(0)->arch.lapic_icr, 0);
}

static void x2apic_read_only_registers_fault_on_write(void **state)
{
	u64 value = 0;

	(void)state;
	x2apic_on(vcpu(3));
	assert_int_equal(vlapic_msr_write(vcpu(3), MSR_ID, 0), -EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(3), MSR_VERSION, 0), -EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(3), MSR_LDR, 0), -EFAULT);
	assert_int_equal(msr_rd(vcpu(3), MSR_ID), 3);
	assert_int_equal(msr_rd(vcpu(3), MSR_LDR), 8);
	/* MSRs past the register page (xAPIC offset 0x400 and up) do not exist. */
	assert_int_equal(vlapic_msr_read(vcpu(3), 0x840, &value), -EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(3), 0x8ff, 0), -EFAULT);
	/* Registers not emulated yet take writes. */
	assert_int_equal(vlapic_msr_write(vcpu(3), MSR_TPR, 0x20), 0);
	assert_int_equal(vlapic_msr_write(vcpu(3), MSR_EOI, 0), 0);
}

/* SDM Vol 3A table 11-6: reserved MSRs and the wrong direction are #GP. */
static void x2apic_reserved_and_wrong_direction_fault(void **state)
{
	static const u32 reserved[] = {0x800, 0x801, 0x804, 0x807, 0x809, 0x80c,
				       0x80e, 0x829, 0x82e, 0x831, 0x83a, 0x83d};
	u64 value;

	(void)state;
	x2apic_on(vcpu(3));
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		assert_int_equal(vlapic_msr_read(vcpu(3), reserved[i], &value), -EFAULT);
		assert_int_equal(vlapic_msr_write(vcpu(3), reserved[i], 0), -EFAULT);
	}
	/* Write-only: EOI and SELF IPI. Read-only: PPR, ISR, TMR, IRR, current count. */
	assert_int_equal(vlapic_msr_read(vcpu(3), 0x80b, &value), -EFAULT);
	assert_int_equal(vlapic_msr_read(vcpu(3), 0x83f, &value), -EFAULT);
	for (u32 msr = 0x810; msr <= 0x827; msr++) {
		assert_int_equal(vlapic_msr_read(vcpu(3), msr, &value), 0);
		assert_int_equal(vlapic_msr_write(vcpu(3), msr, 0), -EFAULT);
	}
	assert_int_equal(vlapic_msr_write(vcpu(3), 0x80a, 0), -EFAULT);
	assert_int_equal(vlapic_msr_write(vcpu(3), 0x839, 0), -EFAULT);
	/* Both ways: TPR, SVR, ESR, the LVTs, initial count, divide configuration. */
	for (u32 msr = 0x832; msr <= 0x838; msr++)
		assert_int_equal(vlapic_msr_read(vcpu(3), msr, &value), 0);
	assert_int_equal(vlapic_msr_write(vcpu(3), 0x83e, 0), 0);
	assert_int_equal(vlapic_msr_write(vcpu(3), 0x83f, 0x30), 0);
}

static void reset_disables_the_apic_in_software(void **state)
{
	(void)state;
	vcpu(1)->arch.lapic_svr = 0x1ab;
	vcpu(1)->arch.lapic_icr = 0xffffffff000c4500ULL;
	vlapic_reset(vcpu(1));
	assert_int_equal(vcpu(1)->arch.lapic_svr, 0xff);
	assert_int_equal(vcpu(1)->arch.lapic_icr, 0);
}

/* --- IPIs from the x2APIC ICR. --- */

static void init_and_startup_to_a_physical_destination(void **state)
{
	(void)state;
	x2apic_on(vcpu(0));
	icr_x2(vcpu(0), X2DEST(2) | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i2");
	assert_int_equal(msr_rd(vcpu(0), MSR_ICR), X2DEST(2) | ICR_INIT | ICR_ASSERT);
	icr_x2(vcpu(0), X2DEST(3) | ICR_STARTUP | 0x9a);
	assert_string_equal(ipis(), "s3:9a");
	/* A destination no vCPU has reaches nobody, silently. */
	icr_x2(vcpu(0), X2DEST(4) | ICR_INIT | ICR_ASSERT);
	icr_x2(vcpu(0), X2DEST(0x100) | ICR_STARTUP | 0x10);
	assert_string_equal(ipis(), "");
	assert_int_equal(fake_env.warns, 0);
}

static void broadcast_destination_reaches_every_vcpu(void **state)
{
	(void)state;
	x2apic_on(vcpu(1));
	icr_x2(vcpu(1), X2DEST(0xffffffff) | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i0 i1 i2 i3");
	icr_x2(vcpu(1), X2DEST(0xffffffff) | ICR_LOGICAL | ICR_STARTUP | 0x08);
	assert_string_equal(ipis(), "s0:08 s1:08 s2:08 s3:08");
	/* 0xff is only broadcast in xAPIC mode. */
	icr_x2(vcpu(1), X2DEST(0xff) | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "");
}

static void logical_cluster_destination(void **state)
{
	(void)state;
	x2apic_on(vcpu(0));
	icr_x2(vcpu(0), X2DEST(0x0000000a) | ICR_LOGICAL | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i1 i3");
	icr_x2(vcpu(0), X2DEST(0x0000000f) | ICR_LOGICAL | ICR_STARTUP | 0x42);
	assert_string_equal(ipis(), "s0:42 s1:42 s2:42 s3:42");
	/* The same bits in another cluster match nobody. */
	icr_x2(vcpu(0), X2DEST(0x0001000f) | ICR_LOGICAL | ICR_INIT | ICR_ASSERT);
	icr_x2(vcpu(0), X2DEST(0x00000010) | ICR_LOGICAL | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "");
	/* Without the logical bit the same value is an APIC ID. */
	icr_x2(vcpu(0), X2DEST(0x00000002) | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i2");
}

static void shorthands_ignore_the_destination(void **state)
{
	(void)state;
	x2apic_on(vcpu(2));
	/* Self is valid with fixed delivery only (SDM 11.6.1): INIT/SIPI to self ignored. */
	icr_x2(vcpu(2), X2DEST(0) | SH_SELF | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "");
	icr_x2(vcpu(2), X2DEST(2) | SH_SELF | ICR_STARTUP | 0x9a);
	assert_string_equal(ipis(), "");
	icr_x2(vcpu(2), X2DEST(3) | SH_ALL | ICR_STARTUP | 0x9a);
	assert_string_equal(ipis(), "s0:9a s1:9a s2:9a s3:9a");
	icr_x2(vcpu(2), X2DEST(2) | SH_OTHERS | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i0 i1 i3");
	icr_x2(vcpu(2), X2DEST(0xffffffff) | SH_OTHERS | ICR_STARTUP | 0x01);
	assert_string_equal(ipis(), "s0:01 s1:01 s3:01");
}

static void init_level_deassert_is_ignored(void **state)
{
	(void)state;
	x2apic_on(vcpu(0));
	icr_x2(vcpu(0), X2DEST(1) | ICR_LEVEL | ICR_INIT); /* level-triggered, de-assert */
	icr_x2(vcpu(0), SH_ALL | ICR_LEVEL | ICR_INIT);
	assert_string_equal(ipis(), "");
	assert_int_equal(fake_env.warns, 0);
	/* Asserted level-triggered ICR_INIT, and edge-triggered ICR_INIT whatever the level bit. */
	icr_x2(vcpu(0), X2DEST(1) | ICR_LEVEL | ICR_ASSERT | ICR_INIT);
	icr_x2(vcpu(0), X2DEST(2) | ICR_INIT);
	assert_string_equal(ipis(), "i1 i2");
}

static void other_delivery_modes_are_warned_and_dropped(void **state)
{
	static const u32 modes[] = {0, 1, 2, 3, 4, 7};

	(void)state;
	x2apic_on(vcpu(0));
	icr_x2(vcpu(0), X2DEST(1) | 0x30); /* fixed, vector 0x30 */
	assert_string_equal(ipis(), "");
	assert_int_equal(fake_env.warns, 1);
	assert_ptr_equal(fake_env.warned_vm, &vm);
	assert_string_equal(fake_env.warn_text,
			    "IPI delivery mode 0 is not emulated yet (ICR 0x100000030)");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char expected[64];

		icr_x2(vcpu(0), SH_ALL | ICR_ASSERT | (modes[i] << 8) | 0x40);
		snprintf(expected, sizeof(expected), "IPI delivery mode %u is not emulated yet",
			 modes[i]);
		assert_true(strncmp(fake_env.warn_text, expected, strlen(expected)) == 0);
	}
	assert_string_equal(ipis(), "");
	assert_int_equal(fake_env.warns, 7);
}

/* --- The xAPIC page. --- */

static void xapic_page_is_on_the_mmio_bus(void **state)
{
	const struct io_range *r;

	(void)state;
	r = io_bus_find(&vm.mmio, XAPIC_PAGE, 4);
	assert_non_null(r);
	assert_int_equal(r->base, XAPIC_PAGE);
	assert_int_equal(r->size, 0x1000);
	assert_ptr_equal(r->device, &vm);
	assert_string_equal(r->name, "local APIC");
	assert_non_null(io_bus_find(&vm.mmio, XAPIC_PAGE + 0xffc, 4));
	assert_null(io_bus_find(&vm.mmio, XAPIC_PAGE + 0x1000, 4));
	assert_int_equal(vlapic_attach(&vm), -EEXIST);
}

static void xapic_register_reads(void **state)
{
	(void)state;
	assert_int_equal(xapic_rd(vcpu(1), 0x020), 1U << 24);
	assert_int_equal(xapic_rd(vcpu(3), 0x020), 3U << 24);
	assert_int_equal(xapic_rd(vcpu(3), 0x030), 0x00050014);
	assert_int_equal(xapic_rd(vcpu(3), 0x0f0), 0xff);
	assert_int_equal(xapic_rd(vcpu(3), 0x0d0), 0); /* LDR: the guest has not set it up */
	assert_int_equal(xapic_rd(vcpu(3), 0x3e0), 0); /* not emulated yet: reads 0 */
	xapic_wr(vcpu(3), 0x0f0, 0x1ff);
	assert_int_equal(xapic_rd(vcpu(3), 0x0f0), 0x1ff);
	assert_int_equal(vcpu(2)->arch.lapic_svr, 0xff);
}

static void xapic_icr_high_then_low_sends(void **state)
{
	(void)state;
	xapic_wr(vcpu(0), 0x310, XAPIC_DEST(2));
	assert_string_equal(ipis(), ""); /* the high half alone sends nothing */
	xapic_wr(vcpu(0), 0x300, ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i2");
	assert_int_equal(xapic_rd(vcpu(0), 0x300), ICR_INIT | ICR_ASSERT);
	assert_int_equal(xapic_rd(vcpu(0), 0x310), XAPIC_DEST(2));
	/* The destination stays for the start-up IPIs that follow. */
	xapic_wr(vcpu(0), 0x300, ICR_STARTUP | 0x9a);
	xapic_wr(vcpu(0), 0x300, ICR_STARTUP | 0x9a);
	assert_string_equal(ipis(), "s2:9a s2:9a");
	assert_int_equal(vcpu(0)->arch.lapic_icr, ((u64)XAPIC_DEST(2) << 32) | ICR_STARTUP | 0x9a);
	/* 0xff is the xAPIC broadcast. */
	xapic_wr(vcpu(0), 0x310, XAPIC_DEST(0xff));
	xapic_wr(vcpu(0), 0x300, ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i0 i1 i2 i3");
	/* Flat logical model: one bit per vCPU. */
	xapic_wr(vcpu(0), 0x310, XAPIC_DEST(0x05));
	xapic_wr(vcpu(0), 0x300, ICR_LOGICAL | ICR_STARTUP | 0x20);
	assert_string_equal(ipis(), "s0:20 s2:20");
	/* Shorthands. */
	xapic_wr(vcpu(1), 0x300, SH_OTHERS | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i0 i2 i3");
	assert_int_equal(fake_env.warns, 0);
}

static void xapic_needs_aligned_32bit_accesses(void **state)
{
	static const u32 sizes[] = {1, 2, 8};
	u64 value;

	(void)state;
	xapic_wr(vcpu(0), 0x310, XAPIC_DEST(1));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		value = ICR_INIT | ICR_ASSERT;
		assert_int_equal(mmio(vcpu(0), 0x300, sizes[i], true, &value), 0);
		value = 0xdeadbeef;
		assert_int_equal(mmio(vcpu(0), 0x020, sizes[i], false, &value), 0);
		assert_int_equal(value, 0);
	}
	/* Inside a register but not at its start. */
	value = ICR_INIT | ICR_ASSERT;
	assert_int_equal(mmio(vcpu(0), 0x304, 4, true, &value), 0);
	value = 0xdeadbeef;
	assert_int_equal(mmio(vcpu(0), 0x024, 4, false, &value), 0);
	assert_int_equal(value, 0);
	assert_string_equal(ipis(), "");
	assert_int_equal(vcpu(0)->arch.lapic_icr, (u64)XAPIC_DEST(1) << 32);
}

static void xapic_page_ignored_when_disabled_or_x2apic(void **state)
{
	(void)state;
	xapic_wr(vcpu(0), 0x310, XAPIC_DEST(2));

	vcpu(0)->arch.apic_base = XAPIC_PAGE | APIC_BSP; /* disabled */
	xapic_wr(vcpu(0), 0x300, ICR_INIT | ICR_ASSERT);
	assert_int_equal(xapic_rd(vcpu(0), 0x020), 0);
	assert_int_equal(xapic_rd(vcpu(0), 0x030), 0);

	x2apic_on(vcpu(0));
	xapic_wr(vcpu(0), 0x300, ICR_INIT | ICR_ASSERT);
	xapic_wr(vcpu(0), 0x0f0, 0x1ff);
	assert_int_equal(xapic_rd(vcpu(0), 0x030), 0);
	assert_string_equal(ipis(), "");
	assert_int_equal(vcpu(0)->arch.lapic_icr, (u64)XAPIC_DEST(2) << 32);
	assert_int_equal(vcpu(0)->arch.lapic_svr, 0xff);
}

static void xapic_page_ignored_from_a_cpu_without_this_vm(void **state)
{
	(void)state;
	/* No vCPU on the CPU. */
	xapic_wr(NULL, 0x300, SH_ALL | ICR_INIT | ICR_ASSERT);
	assert_int_equal(xapic_rd(NULL, 0x030), 0);
	/* Another VM's vCPU on the CPU. */
	other_vm.vcpus[0].pcpu = 6;
	fake_env.on_pcpu[6] = &other_vm.vcpus[0];
	xapic_wr(&other_vm.vcpus[0], 0x300, SH_ALL | ICR_INIT | ICR_ASSERT);
	assert_int_equal(xapic_rd(&other_vm.vcpus[0], 0x030), 0);
	assert_int_equal(fake_env.ipi_count, 0);
	assert_int_equal(other_vm.vcpus[0].arch.lapic_icr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(x2apic_register_reads, setup),
		cmocka_unit_test_setup(x2apic_reserved_and_wrong_direction_fault, setup),
		cmocka_unit_test_setup(x2apic_ldr_is_cluster_and_bit, setup),
		cmocka_unit_test_setup(x2apic_msrs_fault_outside_x2apic_mode, setup),
		cmocka_unit_test_setup(x2apic_has_no_icr_high, setup),
		cmocka_unit_test_setup(x2apic_read_only_registers_fault_on_write, setup),
		cmocka_unit_test_setup(reset_disables_the_apic_in_software, setup),
		cmocka_unit_test_setup(init_and_startup_to_a_physical_destination, setup),
		cmocka_unit_test_setup(broadcast_destination_reaches_every_vcpu, setup),
		cmocka_unit_test_setup(logical_cluster_destination, setup),
		cmocka_unit_test_setup(shorthands_ignore_the_destination, setup),
		cmocka_unit_test_setup(init_level_deassert_is_ignored, setup),
		cmocka_unit_test_setup(other_delivery_modes_are_warned_and_dropped, setup),
		cmocka_unit_test_setup(xapic_page_is_on_the_mmio_bus, setup),
		cmocka_unit_test_setup(xapic_register_reads, setup),
		cmocka_unit_test_setup(xapic_icr_high_then_low_sends, setup),
		cmocka_unit_test_setup(xapic_needs_aligned_32bit_accesses, setup),
		cmocka_unit_test_setup(xapic_page_ignored_when_disabled_or_x2apic, setup),
		cmocka_unit_test_setup(xapic_page_ignored_from_a_cpu_without_this_vm, setup),
	};
	return cmocka_run_group_tests_name("vlapic", tests, NULL, NULL);
}
