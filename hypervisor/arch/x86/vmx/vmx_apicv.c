// SPDX-License-Identifier: BSD-3-Clause
/*
 * APIC virtualization (SDM Vol 3C chapter 30): where the CPU has the TPR shadow,
 * APIC-register virtualization, virtual-interrupt delivery and both "virtualize APIC
 * accesses" and "virtualize x2APIC mode", the vLAPIC's register page becomes the VMCS's
 * virtual-APIC page and the guest's
 * - register reads (both modes), TPR and CR8 writes, EOIs of edge-triggered vectors and
 *   x2APIC self-IPIs do not exit;
 * - other xAPIC register writes exit after the CPU stored them (APIC-write, trap-like);
 * - x2APIC writes other than TPR, EOI and SELF IPI, and reads of the current count, exit
 *   as MSR accesses (the x2APIC MSR bitmap of the VM below);
 * - EOIs of level-triggered vectors exit (EOI-exit bitmap = TMR) so the vIOAPIC sees them;
 * - xAPIC accesses the CPU does not virtualize (current count, odd sizes) exit as APIC
 *   accesses and go through the MMIO emulation like the software path's.
 * Interrupts are delivered by setting IRR in the page and RVI before entry (there are no
 * posted interrupts in the CPUs this was tested on: posting is done in software, see
 * asm/vlapic.h). Without these features, or with "noapicv" on the hypervisor command
 * line, every vLAPIC access exits and vmx_intr.c injects vectors itself.
 */
#include <bulkhead/cmdline.h>
#include <bulkhead/errno.h>
#include <bulkhead/init.h>
#include <bulkhead/log.h>
#include <bulkhead/multiboot2.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <asm/msr-index.h>
#include <asm/msr.h>
#include <asm/vlapic.h>
#include <asm/vmcs.h>
#include <asm/vmx.h>
#include <asm/vmx_internal.h>
#include <asm/vmx_msr_bitmap.h>

#define APICV_PROC2 \
	(PROC2_VIRT_APIC_ACCESS | PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIV)

/* APIC-access exit qualification (SDM Vol 3C table 28-6). */
#define APIC_ACCESS_OFFSET(q) ((u32)(q)&0xfff)
#define APIC_ACCESS_TYPE(q)   (((u32)(q) >> 12) & 0xf)
enum { ACCESS_LINEAR_READ, ACCESS_LINEAR_WRITE, ACCESS_FETCH, ACCESS_EVENT };

/* x2APIC registers the CPU reads from the virtual-APIC page (SDM 30.5), except CCR. */
static const u16 x2apic_virtual_reads[] = {0x802, 0x803, 0x808, 0x80a, 0x80d, 0x80f,
					   0x828, 0x82f, 0x830, 0x832, 0x833, 0x834,
					   0x835, 0x836, 0x837, 0x838, 0x83e};
static const u16 x2apic_virtual_writes[] = {0x808, 0x80b, 0x83f}; /* TPR, EOI, SELF IPI */

static bool cpu_has_apicv(void)
{
	u32 proc = (u32)(msr_read(MSR_IA32_VMX_TRUE_PROCBASED_CTLS) >> 32);
	u32 proc2 = (u32)(msr_read(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32);

	return (proc & PROC_TPR_SHADOW) && (proc & PROC_SECONDARY) &&
	       (proc2 & APICV_PROC2) == APICV_PROC2;
}

int vmx_apicv_vm_init(struct vm *vm)
{
	paddr_t access, bitmap;
	int err;

	if (vm->config->lapic_passthrough || !cpu_has_apicv() ||
	    cmdline_find(boot_info_get()->cmdline, "noapicv", NULL, NULL))
		return 0;
	access = page_pool_alloc(&hv_pages, 1, 1, 0);
	bitmap = page_pool_alloc(&hv_pages, 1, 1, 0);
	if (access == INVALID_PADDR || bitmap == INVALID_PADDR) {
		err = -ENOMEM;
		goto fail;
	}
	vm->arch.apic_access_page = (u8 *)access;
	vm->arch.msr_bitmap_x2apic = (u8 *)bitmap;
	memset(vm->arch.apic_access_page, 0, PAGE_SIZE);
	memcpy(vm->arch.msr_bitmap_x2apic, vm->arch.msr_bitmap, MSR_BITMAP_SIZE);
	for (u32 i = 0; i < sizeof(x2apic_virtual_reads) / sizeof(x2apic_virtual_reads[0]); i++)
		msr_bitmap_pass_one(vm->arch.msr_bitmap_x2apic, x2apic_virtual_reads[i], false);
	for (u32 i = 0; i < sizeof(x2apic_virtual_writes) / sizeof(x2apic_virtual_writes[0]); i++)
		msr_bitmap_pass_one(vm->arch.msr_bitmap_x2apic, x2apic_virtual_writes[i], true);
	/* The CPU recognizes xAPIC accesses by the EPT mapping to the APIC-access page. */
	err = ept_map(&vm->arch.ept, VLAPIC_BASE, access, PAGE_SIZE, EPT_R | EPT_W, EPT_MT_UC);
	if (err)
		goto fail;
	return 0;
fail:
	vmx_apicv_vm_destroy(vm);
	return err;
}

void vmx_apicv_vm_destroy(struct vm *vm)
{
	if (vm->arch.apic_access_page)
		page_pool_free(&hv_pages, (paddr_t)vm->arch.apic_access_page, 1);
	if (vm->arch.msr_bitmap_x2apic)
		page_pool_free(&hv_pages, (paddr_t)vm->arch.msr_bitmap_x2apic, 1);
	vm->arch.apic_access_page = vm->arch.msr_bitmap_x2apic = NULL;
}

void vmx_apicv_setup(struct vcpu *vcpu)
{
	struct vcpu_vmx *vmx = &vcpu->arch.vmx;
	struct vm *vm = vcpu->vm;

	vcpu->arch.vlapic.apicv = vm->arch.apic_access_page != NULL;
	if (!vcpu->arch.vlapic.apicv)
		return;
	/* The TPR shadow virtualizes CR8: no CR8 exits (SDM 30.3). */
	vmx->proc_ctls =
		(vmx->proc_ctls | PROC_TPR_SHADOW) & ~(PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT);
	vmcs_write(VMCS_PROC_CTLS, vmx->proc_ctls);
	vmcs_write(VMCS_VIRTUAL_APIC_ADDR, (u64)vcpu->arch.vlapic.regs);
	vmcs_write(VMCS_APIC_ACCESS_ADDR, (u64)vm->arch.apic_access_page);
	vmcs_write(VMCS_TPR_THRESHOLD, 0);
	vmcs_write(VMCS_GUEST_INTR_STATUS, 0);
	for (u32 i = 0; i < 4; i++)
		vmcs_write(VMCS_EOI_EXIT_BITMAP(i), 0);
	vmcs_set_bits(VMCS_PROC_CTLS2, PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIV);
}

void vcpu_vendor_apic_mode_changed(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	u32 on = 0;

	vmx_lapic_pt_mode_changed(vcpu);
	if (!vcpu->arch.vlapic.apicv)
		return;
	/* One of the two at a time, by the guest's mode (SDM 26.2.1.1). */
	if (vlapic_x2apic_mode(vcpu))
		on = PROC2_VIRT_X2APIC;
	else if (vcpu->arch.apic_base & APIC_BASE_EN)
		on = PROC2_VIRT_APIC_ACCESS;
	vmcs_clear_bits(VMCS_PROC_CTLS2, PROC2_VIRT_X2APIC | PROC2_VIRT_APIC_ACCESS);
	if (on)
		vmcs_set_bits(VMCS_PROC_CTLS2, on);
	vmcs_write(VMCS_MSR_BITMAP, (u64)(on == PROC2_VIRT_X2APIC ? vm->arch.msr_bitmap_x2apic
								  : vm->arch.msr_bitmap));
	vcpu->arch.vlapic.tmr_changed = true;
	vcpu_arch_note_event(&vcpu->arch);
}

void vmx_apicv_sync(struct vcpu *vcpu)
{
	struct vlapic *l = &vcpu->arch.vlapic;
	int rvi, svi;
	u64 status, tmr[4];

	l->irr_changed = false;
	if (!l->apicv) {
		l->tmr_changed = false;
		return;
	}
	/* The page is the truth while the guest is out: RVI and SVI follow from it. */
	rvi = vlapic_highest_irr(vcpu);
	svi = vlapic_highest_isr(vcpu);
	status = (u64)(svi < 0 ? 0 : svi) << 8 | (u64)(rvi < 0 ? 0 : rvi);
	vmcs_write(VMCS_GUEST_INTR_STATUS, status);
	if (l->tmr_changed) {
		vlapic_get_tmr(vcpu, tmr);
		for (u32 i = 0; i < 4; i++)
			vmcs_write(VMCS_EOI_EXIT_BITMAP(i), tmr[i]);
	}
}

int vmx_handle_apic_access(struct vcpu *vcpu)
{
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	u64 gpa = VLAPIC_BASE + APIC_ACCESS_OFFSET(q);

	switch (APIC_ACCESS_TYPE(q)) {
	case ACCESS_LINEAR_READ:
	case ACCESS_LINEAR_WRITE:
		return vmx_emulate_mmio(vcpu, gpa, APIC_ACCESS_TYPE(q) == ACCESS_LINEAR_WRITE);
	default:
		/* Executing from, or delivering an event through, the APIC page. */
		return vm_guest_bad_access(vcpu, gpa, "APIC-page fetch or event delivery");
	}
}

int vmx_handle_apic_write(struct vcpu *vcpu)
{
	vlapic_apic_write(vcpu, APIC_ACCESS_OFFSET(vmcs_read(VMCS_EXIT_QUALIFICATION)));
	return 0;
}

int vmx_handle_virtualized_eoi(struct vcpu *vcpu)
{
	vlapic_level_eoi(vcpu, (u8)vmcs_read(VMCS_EXIT_QUALIFICATION));
	return 0;
}
