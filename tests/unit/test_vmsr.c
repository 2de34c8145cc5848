// SPDX-License-Identifier: BSD-3-Clause
/*
 * Guest MSR emulation (guest/vmsr.c) under the VM's policy table, with the real virtual
 * LAPIC behind the x2APIC MSRs, IA32_TSC_DEADLINE and IA32_APIC_BASE, and the fake vendor
 * backend of fakes/fake_vm_env.c: a fake VMCS per vCPU holds the TSC offset, PAT, TSC_AUX
 * and the shadow EFER. The host TSC is the fake one of fakes/fake_hw.c; the vLAPIC timer
 * runs on the fake clock of fakes/fake_timer.c. Values and rules: SDM Vol 4 and the
 * sections vmsr.c cites.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <bulkhead/vm.h>
#include <asm/msr-index.h>
#include <asm/vlapic.h>
#include <asm/vmsr.h>
#include "fake_hw.h"
#include "fake_timer.h"
#include "fake_vm_env.h"

/* MSRs vmsr.c knows that msr-index.h does not name. */
#define MSR_TSC		  0x00000010
#define MSR_TSC_ADJUST	  0x0000003b
#define MSR_BIOS_SIGN_ID  0x0000008b
#define MSR_MTRRCAP	  0x000000fe
#define MSR_MCG_CAP	  0x00000179
#define MSR_MCG_STATUS	  0x0000017a
#define MSR_MISC_ENABLE	  0x000001a0
#define MSR_MTRR_DEF_TYPE 0x000002ff
#define MSR_TSC_AUX	  0xc0000103

#define APIC_BSP  (1ULL << 8)
#define APIC_EXTD (1ULL << 10)
#define APIC_EN	  (1ULL << 11)
#define APIC_BASE 0xfee00000ULL

#define SENTINEL 0x5a5a5a5a5a5a5a5aULL

/* vLAPIC registers (SDM Vol 3A table 11-1) and their x2APIC MSRs (0x800 + offset / 16). */
#define XAPIC_ID	 0x020
#define XAPIC_TPR	 0x080
#define XAPIC_DFR	 0x0e0
#define XAPIC_SVR	 0x0f0
#define XAPIC_IRR	 0x200
#define XAPIC_LVT_TIMER	 0x320
#define XAPIC_TMICT	 0x380
#define X2APIC_ID	 0x802
#define X2APIC_VERSION	 0x803
#define X2APIC_TPR	 0x808
#define X2APIC_LDR	 0x80d
#define X2APIC_SVR	 0x80f
#define X2APIC_ICR	 0x830
#define APIC_VERSION_14	 0x00060014ULL /* version 0x14, 7 LVT entries */
#define LVT_TSC_DEADLINE (2U << 17)

static struct vm vm;
static struct vm_config cfg;
static struct msr_policy_config policy[8];
static struct vcpu *bsp, *ap;

static int setup(void **state)
{
	(void)state;
	fake_timer_reset(1000000, 1000000000); /* first: it unlinks timers inside the old vm */
	fake_hw_reset();
	fake_vm_env_reset();
	memset(&vm, 0, sizeof(vm));
	memset(policy, 0, sizeof(policy));
	cfg = (struct vm_config){
		.name = "vmsr-test",
		.load_order = VM_PRE_LAUNCHED,
		.vcpu_count = 2,
		.ownership = {.msrs = policy, .msr_count = 0},
	};
	vm.config = &cfg;
	vm.vcpu_count = 2;
	vm.arch.efer_guest_owned = EFER_SCE | EFER_NXE; /* the backend's default */
	for (u32 i = 0; i < 2; i++) {
		vm.vcpus[i].vm = &vm;
		vm.vcpus[i].id = i;
		vm.vcpus[i].pcpu = i;
		vmsr_reset(&vm.vcpus[i], true);
	}
	bsp = &vm.vcpus[0];
	ap = &vm.vcpus[1];
	return 0;
}

static void set_policy(u32 i, u32 msr, enum msr_policy p, u64 guest_owned)
{
	policy[i] = (struct msr_policy_config){
		.index = msr, .policy = p, .guest_owned_mask = guest_owned};
	if (cfg.ownership.msr_count <= i)
		cfg.ownership.msr_count = i + 1;
}

static u64 rd(struct vcpu *v, u32 msr)
{
	u64 value = SENTINEL;

	assert_int_equal(vmsr_read(v, msr, &value), 0);
	return value;
}

static void assert_read_gp(struct vcpu *v, u32 msr)
{
	u64 value = SENTINEL;

	assert_int_equal(vmsr_read(v, msr, &value), -EFAULT);
	assert_int_equal(value, SENTINEL);
}

/* --- Reset. --- */

/* An xAPIC register of v through its page (the vLAPIC's MMIO entry point). */
static u32 xapic_rd(struct vcpu *v, u32 offset)
{
	u64 value = SENTINEL;

	assert_int_equal(vlapic_mmio_access(v, offset, false, &value, 4), 0);
	return (u32)value;
}

static void xapic_wr(struct vcpu *v, u32 offset, u32 value)
{
	u64 x = value;

	assert_int_equal(vlapic_mmio_access(v, offset, true, &x, 4), 0);
}

static void reset_gives_power_on_values(void **state)
{
	(void)state;
	/* Dirty everything, the vLAPIC too (enabled, TPR, a running timer), then reset again. */
	bsp->arch.tsc_adjust = 5;
	bsp->arch.mtrr_def_type = 6;
	xapic_wr(bsp, XAPIC_SVR, 0x1ff);
	xapic_wr(bsp, XAPIC_TPR, 0x30);
	xapic_wr(bsp, XAPIC_LVT_TIMER, 0x40);
	xapic_wr(bsp, XAPIC_TMICT, 1000);
	assert_int_equal(fake_timer_armed_count(), 1);
	bsp->arch.apic_base = 0x12345c00;
	fake_vmcs_of(bsp)->tsc_offset = 77;
	fake_env.apic_mode_changes = 0;
	vmsr_reset(bsp, true);

	assert_int_equal(bsp->arch.tsc_adjust, 0);
	assert_int_equal(bsp->arch.mtrr_def_type, 0);
	assert_int_equal(bsp->arch.apic_base, APIC_BASE | APIC_EN | APIC_BSP);
	assert_int_equal(fake_vmcs_of(bsp)->tsc_offset, 0);
	assert_int_equal(fake_vmcs_of(bsp)->tsc_offset_writes, 2); /* setup and here */
	/* The vLAPIC is at its power-on state (SDM Vol 3A 11.4.7.1), and the backend knows. */
	assert_int_equal(xapic_rd(bsp, XAPIC_SVR), 0xff);
	assert_int_equal(xapic_rd(bsp, XAPIC_TPR), 0);
	assert_int_equal(xapic_rd(bsp, XAPIC_LVT_TIMER), 0x10000);
	assert_int_equal(xapic_rd(bsp, XAPIC_TMICT), 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(fake_env.apic_mode_changes, 1);
	assert_ptr_equal(fake_env.apic_mode_vcpu, bsp);
}

/* INIT (an AP's start-up): MSRs, APIC base and TSC stay; the LAPIC registers reset. */
static void init_keeps_msrs_and_apic_base(void **state)
{
	(void)state;
	ap->arch.tsc_adjust = 5;
	ap->arch.mtrr_def_type = 6;
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, 0xfee00c00), 0); /* x2APIC mode */
	assert_int_equal(vmsr_write(ap, X2APIC_SVR, 0x1ff), 0);
	assert_int_equal(vmsr_write(ap, X2APIC_TPR, 0x20), 0);
	/* Fixed vector 0x89 to an APIC ID nobody has: the ICR keeps the value. */
	assert_int_equal(vmsr_write(ap, X2APIC_ICR, 0x0000123400000089ULL), 0);
	assert_int_equal(rd(ap, X2APIC_ICR), 0x0000123400000089ULL);
	fake_vmcs_of(ap)->tsc_offset = 77;
	vmsr_reset(ap, false);

	assert_int_equal(ap->arch.tsc_adjust, 5);
	assert_int_equal(ap->arch.mtrr_def_type, 6);
	assert_int_equal(ap->arch.apic_base, 0xfee00c00);
	assert_int_equal(fake_vmcs_of(ap)->tsc_offset, 77);
	/* Still x2APIC (SDM Vol 3A 11.12.5.1): ID and LDR as before, the rest reset. */
	assert_int_equal(rd(ap, X2APIC_ID), 1);
	assert_int_equal(rd(ap, X2APIC_LDR), 2);
	assert_int_equal(rd(ap, X2APIC_SVR), 0xff);
	assert_int_equal(rd(ap, X2APIC_TPR), 0);
	assert_int_equal(rd(ap, X2APIC_ICR), 0);
	assert_int_equal(fake_env.warns, 0);
}

static void only_vcpu0_is_the_bsp(void **state)
{
	(void)state;
	assert_int_equal(rd(bsp, MSR_IA32_APIC_BASE), 0xfee00900);
	assert_int_equal(rd(ap, MSR_IA32_APIC_BASE), 0xfee00800);
	assert_int_equal(rd(ap, MSR_TSC_ADJUST), 0);
	assert_int_equal(rd(ap, MSR_MTRR_DEF_TYPE), 0);
}

/* --- Policy table. --- */

static void deny_policy_faults_reads_and_writes(void **state)
{
	(void)state;
	set_policy(0, MSR_IA32_PAT, MSR_DENY, 0);
	set_policy(1, MSR_TSC, MSR_DENY, 0);
	set_policy(2, MSR_MISC_ENABLE, MSR_DENY, 0);
	set_policy(3, MSR_IA32_EFER, MSR_TRAP, EFER_SCE | EFER_NXE);
	fake_vmcs_of(bsp)->pat = 0x0007040600070406ULL;

	assert_read_gp(bsp, MSR_IA32_PAT);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_PAT, 0x0606060606060606ULL), -EFAULT);
	assert_int_equal(fake_vmcs_of(bsp)->pat, 0x0007040600070406ULL);
	assert_int_equal(fake_vmcs_of(bsp)->pat_writes, 0);

	assert_read_gp(ap, MSR_TSC);
	assert_int_equal(vmsr_write(ap, MSR_TSC, 1000), -EFAULT);
	assert_int_equal(fake_vmcs_of(ap)->tsc_offset_writes, 1); /* only the reset's */
	assert_int_equal(ap->arch.tsc_adjust, 0);

	assert_read_gp(bsp, MSR_MISC_ENABLE);
	assert_int_equal(vmsr_write(bsp, MSR_MISC_ENABLE, 0x1801), -EFAULT);

	/* A trapped MSR in the same table is still emulated; denial is not a warning. */
	assert_int_equal(vmsr_write(bsp, MSR_IA32_EFER, EFER_SCE), 0);
	assert_int_equal(rd(bsp, MSR_IA32_EFER), EFER_SCE);
	assert_int_equal(fake_env.warns, 0);
}

static void deny_policy_covers_x2apic_msrs(void **state)
{
	(void)state;
	set_policy(0, 0x802, MSR_DENY, 0);
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, APIC_BASE | APIC_EN | APIC_EXTD), 0);
	assert_read_gp(ap, 0x802);
	assert_int_equal(rd(ap, X2APIC_VERSION),
			 APIC_VERSION_14); /* not listed: the vLAPIC answers */
}

static void passthrough_msr_that_exits_faults_with_a_warning(void **state)
{
	(void)state;
	/* Outside both MSR bitmap ranges (0-0x1fff, 0xc0000000-0xc0001fff). */
	set_policy(0, 0x40000000, MSR_PASSTHROUGH, 0);
	set_policy(1, MSR_TSC_AUX, MSR_PASSTHROUGH, 0);

	assert_read_gp(bsp, 0x40000000);
	assert_int_equal(fake_env.warns, 1);
	assert_ptr_equal(fake_env.warned_vm, &vm);
	assert_string_equal(fake_env.warn_text,
			    "MSR 0x40000000 is passthrough but outside the MSR bitmap: #GP");
	assert_int_equal(vmsr_write(bsp, 0x40000000, 1), -EFAULT);
	assert_int_equal(fake_env.warns, 2);

	/* Even an MSR vmsr.c could emulate is refused once the table says passthrough. */
	assert_int_equal(vmsr_write(bsp, MSR_TSC_AUX, 1), -EFAULT);
	assert_int_equal(fake_vmcs_of(bsp)->tsc_aux_writes, 0);
	assert_string_equal(fake_env.warn_text,
			    "MSR 0xc0000103 is passthrough but outside the MSR bitmap: #GP");
	assert_int_equal(fake_env.warns, 3);
}

static void unknown_msrs_fault(void **state)
{
	static const u32 unknown[] = {
		0x00000000, /* P5_MC_ADDR */
		0x00000011, /* just past IA32_TSC */
		0x0000003c, /* just past IA32_TSC_ADJUST */
		0x00000278, /* just past IA32_PAT */
		0x000007ff, /* just below the x2APIC range */
		0x00000900, /* just past it */
		0x40000000, /* hypervisor range */
		0xc0000104, /* just past IA32_TSC_AUX */
		0xc0010000, /* AMD range */
		0xffffffff,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_read_gp(bsp, unknown[i]);
		assert_int_equal(vmsr_write(bsp, unknown[i], 0), -EFAULT);
	}
	/* Default passthrough MSRs only exit if the bitmap is wrong: not emulated. */
	assert_read_gp(bsp, 0x174);
	assert_read_gp(bsp, MSR_FS_BASE);
	assert_int_equal(fake_env.warns, 0);
}

static void default_passthrough_list(void **state)
{
	static const u32 expected[] = {
		0x174,	    0x175,	0x176,	    0x1d9,	0xc0000100, 0xc0000101,
		0xc0000102, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
	};

	(void)state;
	assert_int_equal(vmsr_default_passthrough_count, 11);
	for (u32 i = 0; i < vmsr_default_passthrough_count; i++)
		assert_int_equal(vmsr_default_passthrough[i], expected[i]);
}

/* --- EFER. --- */

static void efer_reserved_bits_fault(void **state)
{
	static const u64 bad[] = {1ULL << 1, 1ULL << 9, 1ULL << 12, 1ULL << 14, 1ULL << 63};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vmsr_write(bsp, MSR_IA32_EFER, EFER_SCE | bad[i]), -EFAULT);
	assert_int_equal(fake_vmcs_of(bsp)->efer_writes, 0);
	assert_int_equal(rd(bsp, MSR_IA32_EFER), 0);
}

static void efer_lme_cannot_change_with_paging_on(void **state)
{
	(void)state;
	bsp->arch.cr0.virtual_value = X86_CR0_PE | X86_CR0_PG;
	assert_int_equal(vmsr_write(bsp, MSR_IA32_EFER, EFER_LME), -EFAULT);
	assert_int_equal(fake_vmcs_of(bsp)->efer_writes, 0);
	/* Other bits may change while LME stays. */
	assert_int_equal(vmsr_write(bsp, MSR_IA32_EFER, EFER_NXE), 0);
	assert_int_equal(rd(bsp, MSR_IA32_EFER), EFER_NXE);

	/* In long mode, clearing LME is refused too. */
	bsp->arch.efer = EFER_LME | EFER_LMA;
	assert_int_equal(vmsr_write(bsp, MSR_IA32_EFER, EFER_SCE), -EFAULT);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_EFER, EFER_LME | EFER_SCE), 0);
	assert_int_equal(rd(bsp, MSR_IA32_EFER), EFER_LME | EFER_LMA | EFER_SCE);

	/* Paging off: LME is free. */
	ap->arch.cr0.virtual_value = X86_CR0_PE;
	assert_int_equal(vmsr_write(ap, MSR_IA32_EFER, EFER_LME), 0);
	assert_int_equal(rd(ap, MSR_IA32_EFER), EFER_LME);
	assert_int_equal(vmsr_write(ap, MSR_IA32_EFER, 0), 0);
	assert_int_equal(rd(ap, MSR_IA32_EFER), 0);
}

static void efer_written_lma_is_ignored(void **state)
{
	(void)state;
	/* Setting LMA by hand does not enter long mode... */
	assert_int_equal(vmsr_write(bsp, MSR_IA32_EFER, EFER_LME | EFER_LMA), 0);
	assert_int_equal(fake_vmcs_of(bsp)->last_efer_written, EFER_LME);
	assert_int_equal(rd(bsp, MSR_IA32_EFER), EFER_LME);

	/* ...and clearing it does not leave long mode. */
	bsp->arch.efer = EFER_LME | EFER_LMA;
	bsp->arch.cr0.virtual_value = X86_CR0_PE | X86_CR0_PG;
	assert_int_equal(vmsr_write(bsp, MSR_IA32_EFER, EFER_LME | EFER_NXE), 0);
	assert_int_equal(fake_vmcs_of(bsp)->last_efer_written, EFER_LME | EFER_LMA | EFER_NXE);
	assert_int_equal(rd(bsp, MSR_IA32_EFER), EFER_LME | EFER_LMA | EFER_NXE);
	assert_int_equal(fake_vmcs_of(bsp)->efer_writes, 2);
}

static void efer_guest_owned_bits_go_through_the_backend(void **state)
{
	(void)state;
	assert_int_equal(vmsr_write(bsp, MSR_IA32_EFER, EFER_SCE | EFER_NXE), 0);
	assert_int_equal(fake_vmcs_of(bsp)->efer_writes, 1);
	assert_int_equal(fake_vmcs_of(bsp)->last_efer_written, EFER_SCE | EFER_NXE);
	assert_int_equal(fake_vmcs_of(bsp)->guest_efer, EFER_SCE | EFER_NXE);
	assert_int_equal(rd(bsp, MSR_IA32_EFER), EFER_SCE | EFER_NXE);

	/*
	 * A TRAP entry narrowing the guest-owned bits to SCE (the backend applies the mask
	 * at VM creation): NXE stays in the virtual value only.
	 */
	set_policy(0, MSR_IA32_EFER, MSR_TRAP, EFER_SCE);
	vm.arch.efer_guest_owned = EFER_SCE;
	assert_int_equal(vmsr_write(ap, MSR_IA32_EFER, EFER_SCE | EFER_NXE), 0);
	assert_int_equal(fake_vmcs_of(ap)->last_efer_written, EFER_SCE | EFER_NXE);
	assert_int_equal(fake_vmcs_of(ap)->guest_efer, EFER_SCE);
	assert_int_equal(rd(ap, MSR_IA32_EFER), EFER_SCE | EFER_NXE);
}

/* --- TSC. --- */

static void tsc_write_sets_the_guest_tsc_and_moves_tsc_adjust(void **state)
{
	(void)state;
	fake_tsc_set(1000000, 100); /* every rdtsc() advances 100 ticks */
	assert_int_equal(vmsr_write(bsp, MSR_TSC, 5000000), 0);
	/* Sampled at 1000000: the guest saw exactly the written value then. */
	assert_int_equal(fake_vmcs_of(bsp)->tsc_offset, 4000000);
	assert_int_equal(rd(bsp, MSR_TSC_ADJUST), 4000000);
	assert_int_equal(rd(bsp, MSR_TSC), 5000100);

	/* Backwards: the offset and TSC_ADJUST wrap below zero as the SDM's do. */
	assert_int_equal(vmsr_write(bsp, MSR_TSC, 2000000), 0); /* host 1000200, guest 5000200 */
	assert_int_equal(fake_vmcs_of(bsp)->tsc_offset, 999800);
	assert_int_equal(rd(bsp, MSR_TSC_ADJUST), 999800);
	assert_int_equal(vmsr_write(bsp, MSR_TSC, 0), 0); /* host 1000300 */
	assert_int_equal(fake_vmcs_of(bsp)->tsc_offset, (u64)-1000300);
	assert_int_equal(rd(bsp, MSR_TSC_ADJUST), (u64)-1000300);
	assert_int_equal(rd(bsp, MSR_TSC), 100); /* host 1000400 */

	/* The other vCPU's TSC is untouched. */
	assert_int_equal(fake_vmcs_of(ap)->tsc_offset, 0);
	assert_int_equal(rd(ap, MSR_TSC_ADJUST), 0);
}

static void tsc_adjust_write_moves_the_offset(void **state)
{
	(void)state;
	fake_tsc_set(500, 0);
	/* An offset the backend chose besides the guest's adjustments: it moves, not resets. */
	fake_vmcs_of(bsp)->tsc_offset = 7000;
	assert_int_equal(vmsr_write(bsp, MSR_TSC_ADJUST, 1000), 0);
	assert_int_equal(fake_vmcs_of(bsp)->tsc_offset, 8000);
	assert_int_equal(rd(bsp, MSR_TSC_ADJUST), 1000);
	assert_int_equal(rd(bsp, MSR_TSC), 8500);

	assert_int_equal(vmsr_write(bsp, MSR_TSC_ADJUST, 400), 0);
	assert_int_equal(fake_vmcs_of(bsp)->tsc_offset, 7400);
	assert_int_equal(rd(bsp, MSR_TSC), 7900);

	assert_int_equal(vmsr_write(bsp, MSR_TSC_ADJUST, (u64)-8000), 0);
	assert_int_equal(fake_vmcs_of(bsp)->tsc_offset, (u64)-1000);
	assert_int_equal(rd(bsp, MSR_TSC), (u64)-500);

	/* A TSC write on top moves both by the same amount. */
	assert_int_equal(vmsr_write(bsp, MSR_TSC, 10500), 0);
	assert_int_equal(rd(bsp, MSR_TSC_ADJUST), 3000);
	assert_int_equal(fake_vmcs_of(bsp)->tsc_offset, 10000);
	assert_int_equal(rd(bsp, MSR_TSC), 10500);
}

static void tsc_aux_upper_bits_fault(void **state)
{
	(void)state;
	assert_int_equal(vmsr_write(bsp, MSR_TSC_AUX, 0xffffffff), 0);
	assert_int_equal(fake_vmcs_of(bsp)->tsc_aux, 0xffffffff);
	assert_int_equal(rd(bsp, MSR_TSC_AUX), 0xffffffff);
	assert_int_equal(vmsr_write(bsp, MSR_TSC_AUX, 1ULL << 32), -EFAULT);
	assert_int_equal(vmsr_write(bsp, MSR_TSC_AUX, 0x8000000000000005ULL), -EFAULT);
	assert_int_equal(fake_vmcs_of(bsp)->tsc_aux, 0xffffffff);
	assert_int_equal(fake_vmcs_of(bsp)->tsc_aux_writes, 1);
}

/* --- PAT and MTRRs. --- */

static void pat_accepts_the_six_memory_types(void **state)
{
	(void)state;
	assert_int_equal(vmsr_write(bsp, MSR_IA32_PAT, 0x0007040600070406ULL), 0);
	assert_int_equal(rd(bsp, MSR_IA32_PAT), 0x0007040600070406ULL);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_PAT, 0x0001040506070001ULL), 0);
	assert_int_equal(fake_vmcs_of(bsp)->pat, 0x0001040506070001ULL);
	assert_int_equal(fake_vmcs_of(bsp)->pat_writes, 2);
}

static void pat_invalid_type_in_any_byte_faults(void **state)
{
	static const u8 bad[] = {2, 3, 8, 0x10, 0x80, 0xff};
	const u64 good = 0x0606060606060606ULL;

	(void)state;
	assert_int_equal(vmsr_write(bsp, MSR_IA32_PAT, good), 0);
	for (int byte = 0; byte < 8; byte++) {
		for (size_t i = 0; i < sizeof(bad); i++) {
			u64 pat = (good & ~(0xffULL << (8 * byte))) | ((u64)bad[i] << (8 * byte));

			if (vmsr_write(bsp, MSR_IA32_PAT, pat) != -EFAULT)
				fail_msg("PAT 0x%016llx was accepted", (unsigned long long)pat);
		}
	}
	assert_int_equal(fake_vmcs_of(bsp)->pat, good);
	assert_int_equal(fake_vmcs_of(bsp)->pat_writes, 1);
}

static void mtrr_def_type_validation(void **state)
{
	/* MTRRCAP has no fixed ranges and no WC: FE (bit 10) and type 1 are #GP too. */
	static const u64 good[] = {0x0, 0x4, 0x5, 0x6, 0x800, 0x806};
	static const u64 bad[] = {0x1,	 0x2,	0x3,   0x7,   0x8,    0xff,
				  0x400, 0xc06, 0x106, 0x206, 0x1006, 1ULL << 63};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(vmsr_write(bsp, MSR_MTRR_DEF_TYPE, good[i]), 0);
		assert_int_equal(rd(bsp, MSR_MTRR_DEF_TYPE), good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vmsr_write(bsp, MSR_MTRR_DEF_TYPE, bad[i]), -EFAULT);
	assert_int_equal(rd(bsp, MSR_MTRR_DEF_TYPE), 0x806);
	assert_int_equal(rd(ap, MSR_MTRR_DEF_TYPE), 0);
}

/* --- APIC base. --- */

static void apic_base_disabled_to_x2apic_in_one_step_faults(void **state)
{
	(void)state;
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, APIC_BASE), 0); /* disable */
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, APIC_BASE | APIC_EN | (1ULL << 10)),
			 -EFAULT);
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, APIC_BASE | APIC_EN), 0);
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, APIC_BASE | APIC_EN | (1ULL << 10)), 0);
}

static void apic_base_address_and_bsp_flag_are_read_only(void **state)
{
	(void)state;
	assert_int_equal(vmsr_write(bsp, MSR_IA32_APIC_BASE, APIC_BASE | APIC_EN), -EFAULT);
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, APIC_BASE | APIC_EN | APIC_BSP),
			 -EFAULT);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_APIC_BASE, 0xfed00900), -EFAULT);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_APIC_BASE, 0xfee00900 | (1ULL << 9)), -EFAULT);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_APIC_BASE, 0xfee00900 | (1ULL << 40)), -EFAULT);
	assert_int_equal(rd(bsp, MSR_IA32_APIC_BASE), 0xfee00900);
	assert_int_equal(rd(ap, MSR_IA32_APIC_BASE), 0xfee00800);
	/* Writing the value back is fine. */
	assert_int_equal(vmsr_write(bsp, MSR_IA32_APIC_BASE, 0xfee00900), 0);
}

static void apic_base_mode_transitions(void **state)
{
	(void)state;
	/* EXTD without EN is the invalid state. */
	assert_int_equal(vmsr_write(bsp, MSR_IA32_APIC_BASE, 0xfee00500), -EFAULT);
	/* xAPIC -> x2APIC. */
	assert_int_equal(vmsr_write(bsp, MSR_IA32_APIC_BASE, 0xfee00d00), 0);
	assert_int_equal(rd(bsp, MSR_IA32_APIC_BASE), 0xfee00d00);
	/* x2APIC -> xAPIC without going through disabled. */
	assert_int_equal(vmsr_write(bsp, MSR_IA32_APIC_BASE, 0xfee00900), -EFAULT);
	assert_int_equal(rd(bsp, MSR_IA32_APIC_BASE), 0xfee00d00);
	/* x2APIC -> disabled -> xAPIC. */
	assert_int_equal(vmsr_write(bsp, MSR_IA32_APIC_BASE, 0xfee00100), 0);
	assert_int_equal(rd(bsp, MSR_IA32_APIC_BASE), 0xfee00100);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_APIC_BASE, 0xfee00900), 0);
	assert_int_equal(rd(bsp, MSR_IA32_APIC_BASE), 0xfee00900);
}

static void apic_base_extd_switches_the_x2apic_msrs_on(void **state)
{
	(void)state;
	assert_read_gp(ap, 0x802);
	assert_int_equal(vmsr_write(ap, 0x80f, 0x1ff), -EFAULT);
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, 0xfee00c00), 0);
	assert_int_equal(rd(ap, 0x802), 1);			   /* x2APIC ID */
	assert_int_equal(rd(ap, X2APIC_VERSION), APIC_VERSION_14); /* version */
	assert_int_equal(rd(ap, 0x80d), 1ULL << 1);		   /* LDR */
	assert_int_equal(vmsr_write(ap, 0x80f, 0x1ff), 0);	   /* SVR */
	assert_int_equal(rd(ap, 0x80f), 0x1ff);
	/* Beyond the registers (the vLAPIC zeroes the value it refuses: not checked). */
	assert_int_equal(vmsr_read(ap, 0x8ff, &(u64){0}), -EFAULT);
	assert_read_gp(bsp, 0x802); /* still xAPIC */
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, 0xfee00000), 0);
	assert_read_gp(ap, 0x80f);
}

/* IA32_APIC_BASE writes that change it reach the vLAPIC and the backend, others do not. */
static void apic_base_changes_reach_the_vlapic(void **state)
{
	(void)state;
	xapic_wr(ap, XAPIC_SVR, 0x1ff);
	xapic_wr(ap, XAPIC_TPR, 0x50);
	fake_env.apic_mode_changes = 0;
	/* The same value again: nothing to tell. */
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, 0xfee00800), 0);
	assert_int_equal(fake_env.apic_mode_changes, 0);
	/* xAPIC -> x2APIC keeps the registers and loads the x2APIC ID and LDR. */
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, 0xfee00c00), 0);
	assert_int_equal(fake_env.apic_mode_changes, 1);
	assert_ptr_equal(fake_env.apic_mode_vcpu, ap);
	assert_int_equal(rd(ap, X2APIC_ID), 1);
	assert_int_equal(rd(ap, X2APIC_LDR), 2);
	assert_int_equal(rd(ap, X2APIC_SVR), 0x1ff);
	assert_int_equal(rd(ap, X2APIC_TPR), 0x50);
	/* Disabling resets the vLAPIC (SDM Vol 3A 11.4.3); xAPIC again starts from reset. */
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, 0xfee00000), 0);
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, 0xfee00800), 0);
	assert_int_equal(fake_env.apic_mode_changes, 3);
	assert_int_equal(xapic_rd(ap, XAPIC_ID), 1U << 24);
	assert_int_equal(xapic_rd(ap, XAPIC_SVR), 0xff);
	assert_int_equal(xapic_rd(ap, XAPIC_TPR), 0);
	assert_int_equal(xapic_rd(ap, XAPIC_DFR), 0xffffffff);
	/* A refused write changes nothing. */
	assert_int_equal(vmsr_write(ap, MSR_IA32_APIC_BASE, 0xfee00400), -EFAULT);
	assert_int_equal(fake_env.apic_mode_changes, 3);
}

/* IA32_TSC_DEADLINE (SDM Vol 3A 11.5.4.1) is the vLAPIC's, in guest TSC: host + offset. */
static void tsc_deadline_msr_arms_the_vlapic_timer(void **state)
{
	const u64 offset = 5000000, now = 1000000; /* guest TSC = host TSC + 5000000 */
	u64 irr;

	(void)state;
	fake_vmcs_of(bsp)->tsc_offset = offset;
	xapic_wr(bsp, XAPIC_SVR, 0x1ff);
	/* Not in TSC-deadline mode: writes are ignored, reads give 0. */
	assert_int_equal(vmsr_write(bsp, MSR_IA32_TSC_DEADLINE, now + offset + 100), 0);
	assert_int_equal(rd(bsp, MSR_IA32_TSC_DEADLINE), 0);
	assert_int_equal(fake_timer_armed_count(), 0);

	xapic_wr(bsp, XAPIC_LVT_TIMER, LVT_TSC_DEADLINE | 0x41);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_TSC_DEADLINE, now + offset + 100), 0);
	assert_int_equal(rd(bsp, MSR_IA32_TSC_DEADLINE), now + offset + 100);
	assert_int_equal(fake_timer_armed_count(), 1);
	assert_int_equal(fake_timer_advance_to(now + 99), 0);
	assert_int_equal(fake_timer_advance_to(now + 100), 1);
	assert_true(vlapic_sync(bsp));
	irr = xapic_rd(bsp, XAPIC_IRR + 0x20); /* vectors 0x40-0x5f */
	assert_int_equal(irr, 1U << 1);
	/* Fired: disarmed and cleared. */
	assert_int_equal(rd(bsp, MSR_IA32_TSC_DEADLINE), 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	/* Zero disarms. */
	assert_int_equal(vmsr_write(bsp, MSR_IA32_TSC_DEADLINE, now + offset + 500), 0);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_TSC_DEADLINE, 0), 0);
	assert_int_equal(fake_timer_armed_count(), 0);
	assert_int_equal(rd(bsp, MSR_IA32_TSC_DEADLINE), 0);
}

/* --- Fixed-value MSRs. --- */

static void feature_control_is_locked_without_vmx(void **state)
{
	(void)state;
	assert_int_equal(rd(bsp, MSR_IA32_FEATURE_CONTROL), FEATURE_CONTROL_LOCKED);
	assert_int_equal(FEATURE_CONTROL_LOCKED, 1);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_FEATURE_CONTROL, FEATURE_CONTROL_LOCKED),
			 -EFAULT);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_FEATURE_CONTROL,
				    FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX),
			 -EFAULT);
	assert_int_equal(vmsr_write(bsp, MSR_IA32_FEATURE_CONTROL, 0), -EFAULT);
	assert_int_equal(rd(bsp, MSR_IA32_FEATURE_CONTROL), 1);
}

static void misc_enable_is_fixed(void **state)
{
	(void)state;
	/* Fast strings, BTS unavailable, PEBS unavailable. */
	assert_int_equal(rd(bsp, MSR_MISC_ENABLE), 0x1801);
	assert_int_equal(vmsr_write(bsp, MSR_MISC_ENABLE, 0x1801), 0);
	assert_int_equal(vmsr_write(bsp, MSR_MISC_ENABLE, 0x1800), -EFAULT);
	assert_int_equal(vmsr_write(bsp, MSR_MISC_ENABLE, 0x1801 | (1ULL << 22)), -EFAULT);
	assert_int_equal(vmsr_write(bsp, MSR_MISC_ENABLE, 0), -EFAULT);
	assert_int_equal(rd(bsp, MSR_MISC_ENABLE), 0x1801);
}

static void machine_check_and_microcode_msrs(void **state)
{
	(void)state;
	assert_int_equal(rd(bsp, MSR_BIOS_SIGN_ID), 0);
	assert_int_equal(vmsr_write(bsp, MSR_BIOS_SIGN_ID, 0), 0);
	assert_int_equal(vmsr_write(bsp, MSR_BIOS_SIGN_ID, 0x1234ULL << 32), 0);
	assert_int_equal(rd(bsp, MSR_BIOS_SIGN_ID), 0);
	assert_int_equal(rd(bsp, MSR_MTRRCAP), 0);
	assert_int_equal(vmsr_write(bsp, MSR_MTRRCAP, 0), -EFAULT);
	assert_int_equal(rd(bsp, MSR_MCG_CAP), 0);
	assert_int_equal(vmsr_write(bsp, MSR_MCG_CAP, 0), -EFAULT);
	assert_int_equal(rd(bsp, MSR_MCG_STATUS), 0);
	assert_int_equal(vmsr_write(bsp, MSR_MCG_STATUS, 0), 0);
	assert_int_equal(vmsr_write(bsp, MSR_MCG_STATUS, 1), -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(reset_gives_power_on_values, setup),
		cmocka_unit_test_setup(init_keeps_msrs_and_apic_base, setup),
		cmocka_unit_test_setup(only_vcpu0_is_the_bsp, setup),
		cmocka_unit_test_setup(apic_base_disabled_to_x2apic_in_one_step_faults, setup),
		cmocka_unit_test_setup(deny_policy_faults_reads_and_writes, setup),
		cmocka_unit_test_setup(deny_policy_covers_x2apic_msrs, setup),
		cmocka_unit_test_setup(passthrough_msr_that_exits_faults_with_a_warning, setup),
		cmocka_unit_test_setup(unknown_msrs_fault, setup),
		cmocka_unit_test_setup(default_passthrough_list, setup),
		cmocka_unit_test_setup(efer_reserved_bits_fault, setup),
		cmocka_unit_test_setup(efer_lme_cannot_change_with_paging_on, setup),
		cmocka_unit_test_setup(efer_written_lma_is_ignored, setup),
		cmocka_unit_test_setup(efer_guest_owned_bits_go_through_the_backend, setup),
		cmocka_unit_test_setup(tsc_write_sets_the_guest_tsc_and_moves_tsc_adjust, setup),
		cmocka_unit_test_setup(tsc_adjust_write_moves_the_offset, setup),
		cmocka_unit_test_setup(tsc_aux_upper_bits_fault, setup),
		cmocka_unit_test_setup(pat_accepts_the_six_memory_types, setup),
		cmocka_unit_test_setup(pat_invalid_type_in_any_byte_faults, setup),
		cmocka_unit_test_setup(mtrr_def_type_validation, setup),
		cmocka_unit_test_setup(apic_base_address_and_bsp_flag_are_read_only, setup),
		cmocka_unit_test_setup(apic_base_mode_transitions, setup),
		cmocka_unit_test_setup(apic_base_extd_switches_the_x2apic_msrs_on, setup),
		cmocka_unit_test_setup(apic_base_changes_reach_the_vlapic, setup),
		cmocka_unit_test_setup(tsc_deadline_msr_arms_the_vlapic_timer, setup),
		cmocka_unit_test_setup(feature_control_is_locked_without_vmx, setup),
		cmocka_unit_test_setup(misc_enable_is_fixed, setup),
		cmocka_unit_test_setup(machine_check_and_microcode_msrs, setup),
	};
	return cmocka_run_group_tests_name("vmsr", tests, NULL, NULL);
}
