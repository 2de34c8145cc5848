// SPDX-License-Identifier: BSD-3-Clause
/*
 * Entering VMX root operation. Every CPU that will run vCPUs does this once at boot;
 * its VMXON region stays allocated for the life of the hypervisor.
 */
#include <bulkhead/errno.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/string.h>
#include <asm/cpu.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/vmx.h>
#include <asm/vmx_caps.h>

#define CR4_VMXE    (1ULL << 13)
#define CR4_OSXSAVE (1ULL << 18)

extern struct page_pool hv_pages;

u32 vmx_vmcs_revision(void)
{
	return (u32)(this_cpu()->vmx.basic & 0x7fffffffU);
}

/* The CPU requires FIXED0 bits set and FIXED1-clear bits clear (SDM Vol 3D A.7, A.8). */
static bool apply_fixed(u64 *value, u32 fixed0_msr, u32 fixed1_msr)
{
	u64 fixed0 = msr_read(fixed0_msr), fixed1 = msr_read(fixed1_msr);
	u64 wanted = (*value | fixed0) & fixed1;

	if ((wanted & fixed0) != fixed0)
		return false;
	*value = wanted;
	return true;
}

int vmx_root_enable(void)
{
	struct per_cpu *pcpu = this_cpu();
	u64 cr0 = read_cr0(), cr4 = read_cr4() | CR4_VMXE;
	paddr_t region;
	u32 a, b, c, d;
	u8 failed;

	/*
	 * CR4.OSXSAVE in the host context: XSETBV exits are emulated by executing XSETBV,
	 * which is #UD without it. The hypervisor itself never uses extended state.
	 */
	cpuid_count(1, 0, &a, &b, &c, &d);
	if (c & (1U << 26))
		cr4 |= CR4_OSXSAVE;
	if ((VMX_REQUIRED_FEATURES & ~pcpu->vmx.features) != 0)
		return -ENODEV;
	if (!apply_fixed(&cr0, MSR_IA32_VMX_CR0_FIXED0, MSR_IA32_VMX_CR0_FIXED1) ||
	    !apply_fixed(&cr4, MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_CR4_FIXED1))
		return -ENODEV;
	region = page_pool_alloc(&hv_pages, 1, 1, 0);
	if (region == INVALID_PADDR)
		return -ENOMEM;
	memset((void *)region, 0, PAGE_SIZE);
	*(u32 *)region = vmx_vmcs_revision();

	write_cr0(cr0);
	write_cr4(cr4);
	/* CF=1: VMfailInvalid, ZF=1: VMfailValid (SDM Vol 3C 31.2). */
	__asm__ __volatile__("vmxon %1; setna %0" : "=q"(failed) : "m"(region) : "cc", "memory");
	if (failed) {
		write_cr4(cr4 & ~CR4_VMXE);
		page_pool_free(&hv_pages, region, 1);
		return -EIO;
	}
	pcpu->vmxon_region = region;
	return 0;
}
