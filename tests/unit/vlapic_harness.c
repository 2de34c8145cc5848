// SPDX-License-Identifier: BSD-3-Clause
/* The vLAPIC suites' shared VM and helpers (vlapic_harness.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <asm/vlapic.h>
#include "fake_timer.h"
#include "fake_vm_env.h"
#include "vlapic_harness.h"

struct vm vm, other_vm;
static struct vm_config cfg;

int vlapic_test_teardown(void **state)
{
	(void)state;
	assert_int_equal(fake_env.unannounced_kicks, 0);
	return 0;
}

int vlapic_test_setup(void **state)
{
	(void)state;
	/* First: it unlinks the timers the last test left armed inside vm. */
	fake_timer_reset(T0, HZ);
	fake_vm_env_reset();
	memset(&vm, 0, sizeof(vm));
	memset(&other_vm, 0, sizeof(other_vm));
	cfg = (struct vm_config){.name = "vlapic-test", .vcpu_count = TEST_VCPUS};
	vm.config = &cfg;
	vm.vcpu_count = TEST_VCPUS;
	io_bus_init(&vm.mmio, 1ULL << 52);
	assert_int_equal(vlapic_attach(&vm), 0);
	for (u32 i = 0; i < TEST_VCPUS; i++) {
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
	vlapic_reset(&other_vm.vcpus[0]);
	/* As after each vCPU's first entry: nothing left to look at. */
	for (u32 i = 0; i < TEST_VCPUS; i++)
		vm.vcpus[i].arch.event_check = false;
	other_vm.vcpus[0].arch.event_check = false;
	return 0;
}

struct vcpu *vcpu(u32 i)
{
	return &vm.vcpus[i];
}

u64 reg_rd(struct vcpu *v, u32 offset)
{
	u64 value = SENTINEL;

	if (vlapic_x2apic_mode(v))
		assert_int_equal(vlapic_msr_read(v, MSR_OF(offset), &value), 0);
	else
		assert_int_equal(vlapic_mmio_access(v, offset, false, &value, 4), 0);
	return value;
}

void reg_wr(struct vcpu *v, u32 offset, u64 value)
{
	if (vlapic_x2apic_mode(v))
		assert_int_equal(vlapic_msr_write(v, MSR_OF(offset), value), 0);
	else
		assert_int_equal(vlapic_mmio_access(v, offset, true, &value, 4), 0);
}

bool vec_bit(struct vcpu *v, u32 base, u8 vector)
{
	return (reg_rd(v, base + (vector / 32U) * 0x10) >> (vector % 32U)) & 1;
}

u32 esr_latch(struct vcpu *v)
{
	reg_wr(v, REG_ESR, 0);
	return (u32)reg_rd(v, REG_ESR);
}

void eoi(struct vcpu *v)
{
	reg_wr(v, REG_EOI, 0);
}

void set_apic_base(struct vcpu *v, u64 base)
{
	u64 old = v->arch.apic_base;

	v->arch.apic_base = base;
	vlapic_base_changed(v, old);
}

void to_x2apic(struct vcpu *v)
{
	set_apic_base(v, v->arch.apic_base | APIC_EN | APIC_EXTD);
}

void sw_enable(struct vcpu *v)
{
	reg_wr(v, REG_SVR, SVR_ON);
}

void sw_enable_all(void)
{
	for (u32 i = 0; i < vm.vcpu_count; i++)
		sw_enable(vcpu(i));
}

void send_ipi(struct vcpu *from, u32 dest, u32 icr_low)
{
	if (vlapic_x2apic_mode(from)) {
		reg_wr(from, REG_ICR_LOW, (u64)dest << 32 | icr_low);
	} else {
		reg_wr(from, REG_ICR_HIGH, dest << 24);
		reg_wr(from, REG_ICR_LOW, icr_low);
	}
}

void deliver(u32 dest, bool logical, u8 mode, u8 vector, bool level)
{
	struct apic_intr intr = {
		.dest = dest,
		.dest_logical = logical,
		.delivery_mode = mode,
		.vector = vector,
		.level = level,
	};

	vm_apic_deliver(&vm, &intr);
}

const char *receivers(u8 vector)
{
	static char text[64];
	size_t len = 0;

	text[0] = '\0';
	for (u32 i = 0; i < vm.vcpu_count; i++) {
		struct vcpu *v = vcpu(i);

		vlapic_sync(v);
		if (!vlapic_x2apic_mode(v) && !(v->arch.apic_base & APIC_EN))
			continue; /* no registers to read; nothing can be pending either */
		if (!vec_bit(v, REG_IRR, vector))
			continue;
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%u", len ? " " : "", i);
		vlapic_intr_accepted(v, vector);
		eoi(v);
	}
	return text;
}

const char *nmi_receivers(void)
{
	static char text[64];
	size_t len = 0;

	text[0] = '\0';
	for (u32 i = 0; i < vm.vcpu_count; i++) {
		u32 n = 0;

		while (vlapic_take_nmi(vcpu(i)))
			n++;
		if (n == 1)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%u",
						len ? " " : "", i);
		else if (n)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%ux%u",
						len ? " " : "", i, n);
	}
	return text;
}

const char *ipis(void)
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
