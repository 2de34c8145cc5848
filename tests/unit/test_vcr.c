// SPDX-License-Identifier: BSD-3-Clause
/*
 * Guest CR0/CR4 writes: the virtual value the guest reads back, the shadow value the CPU
 * runs with, the #GP cases of MOV to CR, and the side effects (long mode, TLB, PDPTEs).
 * Fixed bits as Bochs's corei7_haswell_4770 reports them, with unrestricted guest:
 * CR0 must have NE (PE and PG free), CR4 must have VMXE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <asm/msr-index.h>
#include <asm/vcr.h>

#define CR0_FIXED0 X86_CR0_NE
#define CR0_FIXED1 0xffffffffULL
#define CR4_FIXED0 X86_CR4_VMXE
#define CR4_FIXED1 0x3767ffULL
/* What the guest's CPUID allows: no VMXE/SMXE (hidden), no LA57, no CET. */
#define CR4_VALID  (0x3767ffULL & ~(X86_CR4_VMXE | X86_CR4_SMXE | X86_CR4_LA57))
#define CR0_OWNED  0x5001eULL /* the scenario default: MP EM TS ET WP AM */
#define CR4_OWNED  0x1070fULL

static struct vcr cr0, cr4;
static struct vcr_guest_state g;
static u32 fx;

static int setup(void **state)
{
	(void)state;
	/* RESET values: CR0 = ET | CD | NW (SDM Vol 3A table 9-1), CR4 = 0. */
	assert_int_equal(vcr_init(&cr0, CR0_OWNED, CR0_FIXED0, CR0_FIXED1, ~0ULL, 0x60000010), 0);
	assert_int_equal(vcr_init(&cr4, CR4_OWNED, CR4_FIXED0, CR4_FIXED1, CR4_VALID, 0), 0);
	g = (struct vcr_guest_state){0};
	return 0;
}

static void forced_bits_are_in_the_shadow_not_the_virtual_value(void **state)
{
	(void)state;
	assert_int_equal(cr4.virtual_value, 0);
	assert_int_equal(cr4.shadow_value, X86_CR4_VMXE);
	assert_int_equal(vcr_read_shadow(&cr4), 0);
	assert_int_equal(cr0.shadow_value, 0x60000010 | X86_CR0_NE);
	assert_int_equal(vcr_read_shadow(&cr0), 0x60000010);
	/* Forced bits are always host-owned, whatever the ownership table says. */
	assert_true(vcr_host_mask(&cr4) & X86_CR4_VMXE);
	assert_true(vcr_host_mask(&cr0) & X86_CR0_NE);
	assert_false(vcr_host_mask(&cr0) & X86_CR0_TS);
}

static void guest_cannot_see_or_set_vmxe(void **state)
{
	(void)state;
	assert_int_equal(vcr_write(&cr4, VCR4, X86_CR4_VMXE, &g, &fx), -EFAULT);
	assert_int_equal(cr4.virtual_value, 0);
	assert_int_equal(vcr_write(&cr4, VCR4, X86_CR4_PAE | X86_CR4_PGE, &g, &fx), 0);
	assert_int_equal(vcr_read_shadow(&cr4), X86_CR4_PAE | X86_CR4_PGE);
	assert_int_equal(cr4.shadow_value, X86_CR4_PAE | X86_CR4_PGE | X86_CR4_VMXE);
	assert_int_equal(fx, VCR_FLUSH_TLB);
}

static void entering_long_mode(void **state)
{
	(void)state;
	g.efer = EFER_LME;
	g.other_cr = X86_CR4_PAE;
	assert_int_equal(vcr_write(&cr0, VCR0, X86_CR0_PE | X86_CR0_PG, &g, &fx), 0);
	assert_true(fx & VCR_ENTER_LONG);
	assert_true(fx & VCR_FLUSH_TLB);
	assert_false(fx & VCR_LOAD_PDPTES);
	assert_int_equal(cr0.virtual_value, X86_CR0_PE | X86_CR0_PG | X86_CR0_ET);
	assert_int_equal(cr0.shadow_value, X86_CR0_PE | X86_CR0_PG | X86_CR0_ET | X86_CR0_NE);

	/* Leaving it again from compatibility mode is legal... */
	g.efer = EFER_LME | EFER_LMA;
	assert_int_equal(vcr_write(&cr0, VCR0, X86_CR0_PE, &g, &fx), 0);
	assert_true(fx & VCR_LEAVE_LONG);
	/* ...but not while executing 64-bit code. */
	assert_int_equal(vcr_write(&cr0, VCR0, X86_CR0_PE | X86_CR0_PG, &g, &fx), 0);
	g.cs_long = true;
	assert_int_equal(vcr_write(&cr0, VCR0, X86_CR0_PE, &g, &fx), -EFAULT);
	assert_true(cr0.virtual_value & X86_CR0_PG);
}

static void cr0_general_protection_cases(void **state)
{
	(void)state;
	assert_int_equal(vcr_write(&cr0, VCR0, 1ULL << 32, &g, &fx), -EFAULT);
	assert_int_equal(vcr_write(&cr0, VCR0, X86_CR0_PG, &g, &fx), -EFAULT); /* no PE */
	assert_int_equal(vcr_write(&cr0, VCR0, X86_CR0_NW, &g, &fx), -EFAULT); /* no CD */
	g.efer = EFER_LME; /* long mode requested but CR4.PAE clear */
	assert_int_equal(vcr_write(&cr0, VCR0, X86_CR0_PE | X86_CR0_PG, &g, &fx), -EFAULT);
	assert_int_equal(cr0.virtual_value, 0x60000010);
}

static void cr0_reserved_low_bits_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(vcr_write(&cr0, VCR0, X86_CR0_PE | (1ULL << 7) | (1ULL << 20), &g, &fx),
			 0);
	assert_int_equal(cr0.virtual_value, X86_CR0_PE | X86_CR0_ET);
}

static void pae_paging_outside_long_mode_reloads_pdptes(void **state)
{
	(void)state;
	g.other_cr = X86_CR4_PAE;
	assert_int_equal(vcr_write(&cr0, VCR0, X86_CR0_PE | X86_CR0_PG, &g, &fx), 0);
	assert_true(fx & VCR_LOAD_PDPTES);
	assert_false(fx & VCR_ENTER_LONG);

	/* Turning on PAE under 32-bit paging does too. */
	g.other_cr = X86_CR0_PG | X86_CR0_PE;
	assert_int_equal(vcr_write(&cr4, VCR4, X86_CR4_PAE, &g, &fx), 0);
	assert_true(fx & VCR_LOAD_PDPTES);
}

static void cr4_general_protection_cases(void **state)
{
	(void)state;
	g.efer = EFER_LME | EFER_LMA;
	assert_int_equal(vcr_write(&cr4, VCR4, 0, &g, &fx), -EFAULT); /* PAE off in long mode */
	assert_int_equal(vcr_write(&cr4, VCR4, X86_CR4_PAE | X86_CR4_LA57, &g, &fx), -EFAULT);
	g.cr3 = 0x1000 | 0x5; /* a PCID in CR3 */
	assert_int_equal(vcr_write(&cr4, VCR4, X86_CR4_PAE | X86_CR4_PCIDE, &g, &fx), -EFAULT);
	g.cr3 = 0x1000;
	assert_int_equal(vcr_write(&cr4, VCR4, X86_CR4_PAE | X86_CR4_PCIDE, &g, &fx), 0);
	g.efer = 0; /* PCIDE cannot be turned on outside long mode */
	assert_int_equal(vcr_write(&cr4, VCR4, 0, &g, &fx), 0);
	assert_int_equal(vcr_write(&cr4, VCR4, X86_CR4_PCIDE, &g, &fx), -EFAULT);
}

static void unchanged_write_has_no_effects(void **state)
{
	(void)state;
	assert_int_equal(vcr_write(&cr4, VCR4, X86_CR4_PGE, &g, &fx), 0);
	assert_int_equal(vcr_write(&cr4, VCR4, X86_CR4_PGE, &g, &fx), 0);
	assert_int_equal(fx, 0);
}

static void impossible_fixed_bits_are_refused(void **state)
{
	struct vcr bad;

	(void)state;
	assert_int_equal(vcr_init(&bad, 0, X86_CR4_VMXE, 0, ~0ULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(forced_bits_are_in_the_shadow_not_the_virtual_value, setup),
		cmocka_unit_test_setup(guest_cannot_see_or_set_vmxe, setup),
		cmocka_unit_test_setup(entering_long_mode, setup),
		cmocka_unit_test_setup(cr0_general_protection_cases, setup),
		cmocka_unit_test_setup(cr0_reserved_low_bits_are_ignored, setup),
		cmocka_unit_test_setup(pae_paging_outside_long_mode_reloads_pdptes, setup),
		cmocka_unit_test_setup(cr4_general_protection_cases, setup),
		cmocka_unit_test_setup(unchanged_write_has_no_effects, setup),
		cmocka_unit_test_setup(impossible_fixed_bits_are_refused, setup),
	};
	return cmocka_run_group_tests_name("vcr", tests, NULL, NULL);
}
