// SPDX-License-Identifier: BSD-3-Clause
/*
 * Per-VM VT-x state: the EPT from the VM's memory layout, and the MSR and I/O bitmaps
 * its vCPUs share.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <asm/vmsr.h>
#include <asm/vmx_internal.h>
#include <asm/vmx_io_bitmap.h>
#include <asm/vmx_msr_bitmap.h>

extern struct page_pool hv_pages;

#define EPT_CAP_EXEC_ONLY (1ULL << 0)
#define EPT_CAP_1G	  (1ULL << 17)

static bool policy_lists(const struct vm_ownership *own, u32 msr)
{
	for (u32 i = 0; i < own->msr_count; i++)
		if (own->msrs[i].index == msr)
			return true;
	return false;
}

static int build_msr_bitmap(struct vm *vm)
{
	const struct vm_ownership *own = &vm->config->ownership;
	paddr_t page = page_pool_alloc(&hv_pages, 1, 1, 0);
	u32 unreachable;

	if (page == INVALID_PADDR)
		return -ENOMEM;
	vm->arch.msr_bitmap = (u8 *)page;
	unreachable = msr_bitmap_build(vm->arch.msr_bitmap, own->msrs, own->msr_count);
	if (unreachable)
		pr_warn("vm%u: %u passthrough MSR(s) outside the bitmap ranges will #GP\n", vm->id,
			unreachable);
	for (u32 i = 0; i < vmsr_default_passthrough_count; i++)
		if (!policy_lists(own, vmsr_default_passthrough[i]))
			msr_bitmap_pass(vm->arch.msr_bitmap, vmsr_default_passthrough[i]);

	/* EFER: SCE and NXE are the guest's unless the policy narrows them. */
	vm->arch.efer_guest_owned = EFER_SCE | EFER_NXE;
	for (u32 i = 0; i < own->msr_count; i++)
		if (own->msrs[i].index == MSR_IA32_EFER && own->msrs[i].policy == MSR_TRAP)
			vm->arch.efer_guest_owned =
				own->msrs[i].guest_owned_mask & (EFER_SCE | EFER_NXE);
	return 0;
}

static int build_io_bitmap(struct vm *vm)
{
	paddr_t pages = page_pool_alloc(&hv_pages, 2, 1, 0);

	if (pages == INVALID_PADDR)
		return -ENOMEM;
	vm->arch.io_bitmap = (u8 *)pages;
	/* No port is passed through yet: every access goes to the VM's port bus. */
	io_bitmap_build(vm->arch.io_bitmap, NULL, 0);
	return 0;
}

static int build_ept(struct vm *vm)
{
	const struct vm_config *c = vm->config;
	u64 cap = per_cpu(0)->vmx.ept_vpid_cap;
	int err = ept_init(&vm->arch.ept, cap & EPT_CAP_1G, cap & EPT_CAP_EXEC_ONLY);

	spin_lock_init(&vm->arch.ept_lock);
	for (u32 i = 0; i < c->mem_region_count && !err; i++)
		err = ept_map(&vm->arch.ept, c->mem_regions[i].gpa, c->mem_regions[i].hpa,
			      c->mem_regions[i].size, EPT_RWX, EPT_MT_WB);
	/* From here on changes may meet a running vCPU. */
	vm->arch.ept.keep_tables = true;
	return err;
}

int vm_arch_map_mmio(struct vm *vm, u64 gpa, u64 hpa, u64 size)
{
	u64 flags = spin_lock_irqsave(&vm->arch.ept_lock);
	/* Uncached whatever the guest's PAT says (ept_map ignores it). */
	int err = ept_map(&vm->arch.ept, gpa, hpa, size, EPT_R | EPT_W, EPT_MT_UC);

	spin_unlock_irqrestore(&vm->arch.ept_lock, flags);
	return err;
}

void vm_arch_unmap_mmio(struct vm *vm, u64 gpa, u64 size)
{
	u64 flags = spin_lock_irqsave(&vm->arch.ept_lock);
	bool flush;

	ept_unmap(&vm->arch.ept, gpa, size);
	flush = ept_needs_invept(&vm->arch.ept);
	ept_invept_done(&vm->arch.ept);
	spin_unlock_irqrestore(&vm->arch.ept_lock, flags);
	if (!flush)
		return;
	/*
	 * Until its INVEPT a vCPU may still reach the old range: the VM's own device, so no
	 * one else's memory. Each flushes before its next entry.
	 */
	for (u32 i = 0; i < vm->vcpu_count; i++) {
		__atomic_fetch_or(&vm->vcpus[i].requests, VCPU_REQ_FLUSH_GPA, __ATOMIC_SEQ_CST);
		vcpu_kick(&vm->vcpus[i]);
	}
}

bool vm_arch_gpa_taken(struct vm *vm, u64 gpa, u64 size)
{
	u64 flags;
	bool taken;

	if (gpa + size < gpa)
		return true;
	for (u32 i = 0; i < vm->mmio.count; i++) {
		const struct io_range *r = &vm->mmio.ranges[i];

		if (gpa < r->base + r->size && r->base < gpa + size)
			return true;
	}
	flags = spin_lock_irqsave(&vm->arch.ept_lock);
	taken = ept_range_mapped(&vm->arch.ept, gpa, size);
	spin_unlock_irqrestore(&vm->arch.ept_lock, flags);
	return taken;
}

int vm_vendor_init(struct vm *vm)
{
	int err = build_ept(vm);

	if (!err)
		err = build_msr_bitmap(vm);
	if (!err)
		err = build_io_bitmap(vm);
	if (!err)
		err = vmx_apicv_vm_init(vm);
	if (!err)
		err = vmx_lapic_pt_vm_init(vm);
	if (err)
		vm_vendor_destroy(vm);
	return err;
}

void vm_vendor_destroy(struct vm *vm)
{
	if (vm->arch.ept.pml4)
		ept_destroy(&vm->arch.ept);
	if (vm->arch.msr_bitmap)
		page_pool_free(&hv_pages, (paddr_t)vm->arch.msr_bitmap, 1);
	if (vm->arch.io_bitmap)
		page_pool_free(&hv_pages, (paddr_t)vm->arch.io_bitmap, 2);
	vm->arch.msr_bitmap = vm->arch.io_bitmap = NULL;
	vmx_apicv_vm_destroy(vm);
	vmx_lapic_pt_vm_destroy(vm);
}
