// SPDX-License-Identifier: BSD-3-Clause
/*
 * The virtual LAPIC (guest/vlapic.c), part two: where IPIs and interrupt messages go.
 * INIT and start-up IPIs (to the recording vcpu_send_init/vcpu_send_sipi fakes), fixed,
 * lowest-priority and NMI IPIs to physical, logical (xAPIC flat and cluster, x2APIC
 * cluster) and broadcast destinations and through the shorthands, from the xAPIC ICR, the
 * x2APIC ICR and vm_apic_deliver(). SDM Vol 3A 11.6, 11.12.9, 11.12.10; the VM and the
 * helpers: vlapic_harness.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <asm/vlapic.h>
#include "fake_vm_env.h"
#include "vlapic_harness.h"

#define X2DEST(d) ((u64)(d) << 32)

static void icr_x2(struct vcpu *from, u64 icr)
{
	assert_int_equal(vlapic_msr_write(from, MSR_OF(REG_ICR_LOW), icr), 0);
}

/* --- INIT and start-up IPIs. --- */

static void init_and_startup_to_a_physical_destination(void **state)
{
	(void)state;
	to_x2apic(vcpu(0));
	icr_x2(vcpu(0), X2DEST(2) | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i2");
	assert_int_equal(reg_rd(vcpu(0), REG_ICR_LOW), X2DEST(2) | ICR_INIT | ICR_ASSERT);
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
	to_x2apic(vcpu(1));
	icr_x2(vcpu(1), X2DEST(0xffffffff) | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i0 i1 i2 i3");
	icr_x2(vcpu(1), X2DEST(0xffffffff) | ICR_LOGICAL | ICR_STARTUP | 0x08);
	assert_string_equal(ipis(), "s0:08 s1:08 s2:08 s3:08");
}

static void logical_cluster_destination(void **state)
{
	(void)state;
	for (u32 i = 0; i < TEST_VCPUS; i++)
		to_x2apic(vcpu(i));
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
	to_x2apic(vcpu(2));
	/* Self is valid with fixed delivery only (table 11-3): INIT/SIPI to self ignored. */
	icr_x2(vcpu(2), X2DEST(0) | SH_SELF | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "");
	icr_x2(vcpu(2), X2DEST(2) | SH_SELF | ICR_STARTUP | 0x9a);
	assert_string_equal(ipis(), "");
	icr_x2(vcpu(2), X2DEST(2) | SH_OTHERS | ICR_INIT | ICR_ASSERT);
	assert_string_equal(ipis(), "i0 i1 i3");
	icr_x2(vcpu(2), X2DEST(0xffffffff) | SH_OTHERS | ICR_STARTUP | 0x01);
	assert_string_equal(ipis(), "s0:01 s1:01 s3:01");
	/* The same from the xAPIC ICR. */
	send_ipi(vcpu(0), 0x0f, SH_OTHERS | ICR_STARTUP | 0x9b);
	assert_string_equal(ipis(), "s1:9b s2:9b s3:9b");
}

static void init_level_deassert_is_ignored(void **state)
{
	(void)state;
	to_x2apic(vcpu(0));
	icr_x2(vcpu(0), X2DEST(1) | ICR_LEVEL | ICR_INIT); /* level-triggered, de-assert */
	icr_x2(vcpu(0), SH_OTHERS | ICR_LEVEL | ICR_INIT);
	assert_string_equal(ipis(), "");
	assert_int_equal(fake_env.warns, 0);
	/* Asserted level-triggered INIT, and edge-triggered INIT whatever the level bit. */
	icr_x2(vcpu(0), X2DEST(1) | ICR_LEVEL | ICR_ASSERT | ICR_INIT);
	icr_x2(vcpu(0), X2DEST(2) | ICR_INIT);
	assert_string_equal(ipis(), "i1 i2");
}

/* Start-up IPIs reach a software-disabled APIC (11.4.7.2), as after reset. */
static void init_and_startup_reach_a_software_disabled_apic(void **state)
{
	(void)state;
	sw_enable(vcpu(0));
	send_ipi(vcpu(0), 3, ICR_INIT | ICR_ASSERT);
	send_ipi(vcpu(0), 3, ICR_STARTUP | 0x9a);
	assert_string_equal(ipis(), "i3 s3:9a");
	assert_int_equal(reg_rd(vcpu(3), REG_SVR), 0xff);
}

static void smi_and_extint_ipis_are_warned_and_dropped(void **state)
{
	static const u32 modes[] = {ICR_SMI, 0x300 /* reserved */, ICR_EXTINT};

	(void)state;
	sw_enable_all();
	to_x2apic(vcpu(0));
	icr_x2(vcpu(0), X2DEST(1) | ICR_SMI);
	assert_int_equal(fake_env.warns, 1);
	assert_ptr_equal(fake_env.warned_vm, &vm);
	assert_string_equal(fake_env.warn_text,
			    "IPI delivery mode 2 is not emulated (ICR 0x100000200)");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char expected[64];

		icr_x2(vcpu(0), SH_OTHERS | ICR_ASSERT | modes[i] | 0x40);
		snprintf(expected, sizeof(expected), "IPI delivery mode %u is not emulated",
			 modes[i] >> 8);
		assert_true(strncmp(fake_env.warn_text, expected, strlen(expected)) == 0);
	}
	assert_int_equal(fake_env.warns, 4);
	assert_string_equal(ipis(), "");
	assert_string_equal(receivers(0x40), "");
	assert_string_equal(nmi_receivers(), "");
	for (u32 i = 0; i < TEST_VCPUS; i++)
		assert_false(vlapic_accepts_extint(vcpu(i)));
	/* The same from a message: SMI is not emulated. */
	deliver(2, false, APIC_DELIVERY_SMI, 0, false);
	assert_int_equal(fake_env.warns, 5);
	assert_string_equal(fake_env.warn_text,
			    "interrupt delivery mode 2 is not emulated (vector 0x0)");
}

/* --- Fixed, lowest-priority and NMI: destinations (11.6.2, 11.12.10). --- */

/* A lowest-priority message goes to exactly one of the vCPUs it names (11.6.2.4). */
static void assert_one_of(const char *got, const char *named)
{
	if (strlen(got) != 1 || !strchr(named, got[0]))
		fail_msg("lowest priority reached \"%s\", not one of \"%s\"", got, named);
}

static void fixed_ipi_by_physical_id(void **state)
{
	(void)state;
	sw_enable_all();
	fake_env.kick_count = 0;
	send_ipi(vcpu(0), 2, ICR_FIXED | 0x40);
	assert_int_equal(fake_env.kick_count, 1);
	assert_ptr_equal(fake_env.kicked[0], vcpu(2));
	assert_string_equal(receivers(0x40), "2");
	send_ipi(vcpu(3), 0, ICR_FIXED | 0x41);
	assert_string_equal(receivers(0x41), "0");
	send_ipi(vcpu(1), 1, ICR_FIXED | 0x42); /* itself, by ID */
	assert_string_equal(receivers(0x42), "1");
	send_ipi(vcpu(0), 9, ICR_FIXED | 0x40); /* nobody has ID 9 */
	assert_string_equal(receivers(0x40), "");

	for (u32 i = 0; i < TEST_VCPUS; i++)
		to_x2apic(vcpu(i));
	send_ipi(vcpu(1), 3, ICR_FIXED | 0x43);
	assert_string_equal(receivers(0x43), "3");
	send_ipi(vcpu(1), 0x103, ICR_FIXED | 0x43); /* 32-bit IDs: not 3 */
	assert_string_equal(receivers(0x43), "");
	assert_int_equal(fake_env.warns, 0);
}

/* Level-triggered IPIs are sent as edge-triggered (table 11-3 note 2): no TMR bit. */
static void fixed_ipi_is_edge_triggered(void **state)
{
	(void)state;
	sw_enable_all();
	send_ipi(vcpu(0), 2, ICR_LEVEL | ICR_ASSERT | ICR_FIXED | 0x44);
	vlapic_sync(vcpu(2));
	assert_true(vec_bit(vcpu(2), REG_IRR, 0x44));
	assert_false(vec_bit(vcpu(2), REG_TMR, 0x44));
}

static void x2apic_logical_cluster(void **state)
{
	(void)state;
	/* IDs 0, 1 in cluster 0 and 0x10, 0x11 in cluster 1: LDR 1, 2, 0x10001, 0x10002. */
	vm.vcpus[2].id = 0x10;
	vm.vcpus[3].id = 0x11;
	for (u32 i = 0; i < TEST_VCPUS; i++) {
		to_x2apic(vcpu(i));
		sw_enable(vcpu(i));
	}
	send_ipi(vcpu(0), 0x00000003, ICR_LOGICAL | 0x50);
	assert_string_equal(receivers(0x50), "0 1");
	send_ipi(vcpu(0), 0x00010002, ICR_LOGICAL | 0x50);
	assert_string_equal(receivers(0x50), "3");
	send_ipi(vcpu(0), 0x00010003, ICR_LOGICAL | 0x50);
	assert_string_equal(receivers(0x50), "2 3");
	send_ipi(vcpu(0), 0x00020001, ICR_LOGICAL | 0x50); /* no cluster 2 */
	assert_string_equal(receivers(0x50), "");
	send_ipi(vcpu(0), 0x00000004, ICR_LOGICAL | 0x50); /* no bit 2 in cluster 0 */
	assert_string_equal(receivers(0x50), "");
	send_ipi(vcpu(0), 0x10, ICR_FIXED | 0x50); /* physical: the x2APIC ID */
	assert_string_equal(receivers(0x50), "2");
	/* A message (vIOAPIC, MSI) is matched the same way. */
	deliver(0x00010001, true, APIC_DELIVERY_FIXED, 0x51, false);
	assert_string_equal(receivers(0x51), "2");
}

static void xapic_flat_logical(void **state)
{
	static const u32 ldr[TEST_VCPUS] = {0x01, 0x02, 0x04, 0x18};

	(void)state;
	sw_enable_all();
	for (u32 i = 0; i < TEST_VCPUS; i++)
		reg_wr(vcpu(i), REG_LDR, ldr[i] << 24);
	/* Each APIC ANDs the destination with its logical ID (11.6.2.2, flat model). */
	send_ipi(vcpu(0), 0x05, ICR_LOGICAL | 0x52);
	assert_string_equal(receivers(0x52), "0 2");
	send_ipi(vcpu(0), 0x10, ICR_LOGICAL | 0x52);
	assert_string_equal(receivers(0x52), "3");
	send_ipi(vcpu(0), 0x0f, ICR_LOGICAL | 0x52);
	assert_string_equal(receivers(0x52), "0 1 2 3");
	send_ipi(vcpu(0), 0x40, ICR_LOGICAL | 0x52);
	assert_string_equal(receivers(0x52), "");
	send_ipi(vcpu(2), 0xff, ICR_LOGICAL | 0x52);
	assert_string_equal(receivers(0x52), "0 1 2 3");
	deliver(0x12, true, APIC_DELIVERY_FIXED, 0x53, false);
	assert_string_equal(receivers(0x53), "1 3");
}

static void xapic_cluster_logical(void **state)
{
	static const u32 ldr[TEST_VCPUS] = {0x11, 0x12, 0x21, 0x24};

	(void)state;
	for (u32 i = 0; i < TEST_VCPUS; i++) {
		/* DFRs first, then the enable (11.6.2.2 notes). */
		reg_wr(vcpu(i), REG_DFR, 0x0fffffff);
		reg_wr(vcpu(i), REG_LDR, ldr[i] << 24);
		sw_enable(vcpu(i));
	}
	/* Cluster in 7:4 must be equal, one member bit in 3:0 must match. */
	send_ipi(vcpu(0), 0x13, ICR_LOGICAL | 0x54);
	assert_string_equal(receivers(0x54), "0 1");
	send_ipi(vcpu(0), 0x24, ICR_LOGICAL | 0x54);
	assert_string_equal(receivers(0x54), "3");
	send_ipi(vcpu(0), 0x25, ICR_LOGICAL | 0x54);
	assert_string_equal(receivers(0x54), "2 3");
	send_ipi(vcpu(0), 0x31, ICR_LOGICAL | 0x54); /* no cluster 3 */
	assert_string_equal(receivers(0x54), "");
	send_ipi(vcpu(0), 0x01, ICR_LOGICAL | 0x54); /* the flat reading would match vCPU 0 */
	assert_string_equal(receivers(0x54), "");
	/* All ones is a broadcast: "a match on all clusters" (11.6.2.2, cluster model). */
	send_ipi(vcpu(0), 0xff, ICR_LOGICAL | 0x54);
	assert_string_equal(receivers(0x54), "0 1 2 3");
}

static void broadcasts(void **state)
{
	struct apic_intr all = {.broadcast = true, .vector = 0x56};

	(void)state;
	sw_enable_all();
	/* xAPIC physical 0xff: everyone, the sender too (11.6.2.1). */
	send_ipi(vcpu(1), 0xff, ICR_FIXED | 0x55);
	assert_string_equal(receivers(0x55), "0 1 2 3");
	/* An 8-bit message (vIOAPIC, MSI) to 0xff reaches x2APIC-mode vCPUs too. */
	to_x2apic(vcpu(3));
	deliver(0xff, false, APIC_DELIVERY_FIXED, 0x55, false);
	assert_string_equal(receivers(0x55), "0 1 2 3");
	vm_apic_deliver(&vm, &all);
	assert_string_equal(receivers(0x56), "0 1 2 3");
	/* x2APIC: 0xffffffff in either destination mode (11.12.9). */
	for (u32 i = 0; i < TEST_VCPUS; i++)
		to_x2apic(vcpu(i));
	send_ipi(vcpu(2), 0xffffffff, ICR_FIXED | 0x57);
	assert_string_equal(receivers(0x57), "0 1 2 3");
	send_ipi(vcpu(2), 0xffffffff, ICR_LOGICAL | 0x57);
	assert_string_equal(receivers(0x57), "0 1 2 3");
}

/* In x2APIC mode only 0xffffffff is a broadcast; physical 0xff is APIC ID 0xff (11.12.9). */
static void x2apic_physical_0xff_is_an_apic_id(void **state)
{
	(void)state;
	for (u32 i = 0; i < TEST_VCPUS; i++) {
		to_x2apic(vcpu(i));
		sw_enable(vcpu(i));
	}
	send_ipi(vcpu(1), 0xff, ICR_FIXED | 0x58);
	send_ipi(vcpu(1), 0xff, ICR_INIT | ICR_ASSERT);
	assert_string_equal(receivers(0x58), "");
	assert_string_equal(ipis(), "");
}

static void shorthands(void **state)
{
	(void)state;
	sw_enable_all();
	/* The destination field is ignored with a shorthand (11.6.1). */
	send_ipi(vcpu(1), 2, SH_SELF | ICR_FIXED | 0x60);
	assert_string_equal(receivers(0x60), "1");
	send_ipi(vcpu(1), 2, SH_ALL | ICR_FIXED | 0x61);
	assert_string_equal(receivers(0x61), "0 1 2 3");
	send_ipi(vcpu(1), 1, SH_OTHERS | ICR_FIXED | 0x62);
	assert_string_equal(receivers(0x62), "0 2 3");
	to_x2apic(vcpu(3));
	send_ipi(vcpu(3), 0, SH_SELF | ICR_FIXED | 0x63);
	assert_string_equal(receivers(0x63), "3");
	send_ipi(vcpu(3), 0xffffffff, SH_OTHERS | ICR_FIXED | 0x64);
	assert_string_equal(receivers(0x64), "0 1 2");
}

static void lowest_priority_picks_one_target(void **state)
{
	(void)state;
	sw_enable_all();
	for (u32 i = 0; i < TEST_VCPUS; i++)
		reg_wr(vcpu(i), REG_LDR, 1U << (24 + i));
	send_ipi(vcpu(0), 0x0e, ICR_LOGICAL | ICR_LOWEST | 0x65);
	assert_one_of(receivers(0x65), "123");
	deliver(0x0f, true, APIC_DELIVERY_LOWEST, 0x66, false);
	assert_one_of(receivers(0x66), "0123");
	send_ipi(vcpu(0), 2, ICR_LOWEST | 0x67);
	assert_string_equal(receivers(0x67), "2");
	for (u32 i = 0; i < TEST_VCPUS; i++)
		to_x2apic(vcpu(i));
	send_ipi(vcpu(0), 0x0000000c, ICR_LOGICAL | ICR_LOWEST | 0x68);
	assert_one_of(receivers(0x68), "23");
	assert_int_equal(fake_env.warns, 0);
}

/*
 * A vCPU whose APIC is globally disabled (IA32_APIC_BASE.EN = 0) has no APIC to receive
 * with (11.4.3): no IPI reaches it, whatever the destination says.
 */
static void hardware_disabled_apic_receives_nothing(void **state)
{
	(void)state;
	sw_enable_all();
	set_apic_base(vcpu(3), XAPIC_PAGE);
	send_ipi(vcpu(0), 3, ICR_NMI);
	send_ipi(vcpu(0), 3, ICR_INIT | ICR_ASSERT);
	assert_string_equal(nmi_receivers(), "");
	assert_string_equal(ipis(), "");
	send_ipi(vcpu(0), 0, SH_OTHERS | ICR_NMI);
	send_ipi(vcpu(0), 0xff, ICR_NMI);
	send_ipi(vcpu(0), 0, SH_OTHERS | ICR_INIT | ICR_ASSERT);
	assert_string_equal(nmi_receivers(), "0 1x2 2x2");
	assert_string_equal(ipis(), "i1 i2");
}

/*
 * LAPIC passthrough: a fixed vector for a vCPU whose x2APIC is passed through goes to its
 * physical APIC (the backend), never into the vLAPIC's IRR; NMIs stay virtual.
 */
static void passthrough_vcpu_gets_vectors_from_the_physical_apic(void **state)
{
	(void)state;
	sw_enable_all();
	for (u32 i = 0; i < TEST_VCPUS; i++)
		to_x2apic(vcpu(i));
	vcpu(2)->arch.vlapic.passthrough = true;
	send_ipi(vcpu(0), 2, ICR_FIXED | 0x61);
	send_ipi(vcpu(0), 0, SH_OTHERS | ICR_FIXED | 0x62);
	assert_int_equal(fake_env.pt_count, 2);
	assert_int_equal(fake_env.pt_vectors[0], 0x61);
	assert_ptr_equal(fake_env.pt_vcpus[0], vcpu(2));
	assert_int_equal(fake_env.pt_vectors[1], 0x62);
	assert_ptr_equal(fake_env.pt_vcpus[1], vcpu(2));
	vlapic_sync(vcpu(2));
	assert_int_equal(vlapic_highest_irr(vcpu(2)), -1);
	/* The others got 0x62 the usual way. */
	assert_string_equal(receivers(0x62), "1 3");
	send_ipi(vcpu(0), 2, ICR_NMI);
	assert_string_equal(nmi_receivers(), "2");
	assert_int_equal(fake_env.pt_count, 2);
}

int main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, vlapic_test_setup, vlapic_test_teardown)
	const struct CMUnitTest tests[] = {
		TEST(init_and_startup_to_a_physical_destination),
		TEST(broadcast_destination_reaches_every_vcpu),
		TEST(logical_cluster_destination),
		TEST(shorthands_ignore_the_destination),
		TEST(init_level_deassert_is_ignored),
		TEST(init_and_startup_reach_a_software_disabled_apic),
		TEST(smi_and_extint_ipis_are_warned_and_dropped),
		TEST(fixed_ipi_by_physical_id),
		TEST(fixed_ipi_is_edge_triggered),
		TEST(x2apic_logical_cluster),
		TEST(xapic_flat_logical),
		TEST(xapic_cluster_logical),
		TEST(broadcasts),
		TEST(x2apic_physical_0xff_is_an_apic_id),
		TEST(shorthands),
		TEST(lowest_priority_picks_one_target),
		TEST(hardware_disabled_apic_receives_nothing),
		TEST(passthrough_vcpu_gets_vectors_from_the_physical_apic),
	};
#undef TEST
	return cmocka_run_group_tests_name("vlapic_ipi", tests, NULL, NULL);
}
