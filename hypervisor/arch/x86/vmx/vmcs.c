// SPDX-License-Identifier: BSD-3-Clause
/*
 * Building a vCPU's VMCS (SDM Vol 3C chapter 25, 27.2 for the checks VM entry makes).
 *
 * Controls are chosen once per vCPU: what the hypervisor requires, adjusted to what the
 * CPU allows (IA32_VMX_TRUE_*_CTLS: bits 31:0 must be 1, bits 63:32 may be 1). Host state
 * is the CPU's own, so a VM exit lands in vmx_exit_entry on this CPU's stack. Guest state
 * is the architectural state after RESET/INIT (SDM Vol 3A table 10-1), or the loader's
 * start state: 32-bit flat protected mode or 64-bit mode.
 */
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/page_alloc.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include <asm/vmcs.h>
#include <asm/vmx.h>
#include <asm/vmx_internal.h>

extern struct page_pool hv_pages;
extern const char vmx_exit_entry[];

#define MSR_IA32_SYSENTER_CS  0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_TSC_AUX      0xc0000103

/* Power-on PAT: WB, WT, UC-, UC, twice (SDM Vol 3A 13.12.4). */
#define PAT_POWER_ON 0x0007040600070406ULL

/*
 * Sets the control field to want plus whatever the CPU forces on; fails when a bit of
 * required cannot be set. Optional bits of want the CPU lacks are dropped.
 */
static int set_controls(u32 field, u32 cap_msr, u32 want, u32 required, const char *name)
{
	u64 cap = msr_read(cap_msr);
	u32 must = (u32)cap, may = (u32)(cap >> 32);
	u32 value = (want | must) & may;

	if ((value & required) != required) {
		pr_err("VMX: %s controls 0x%x not supported (allowed 0x%x)\n", name,
		       required & ~value, may);
		return -ENODEV;
	}
	vmcs_write(field, value);
	return 0;
}

/*
 * A backstop that makes the vCPU leave the guest at least every PREEMPT_PERIOD_MS of
 * guest time, so the CPU's own interrupts (kicks, the shell's timer) are always taken:
 * Bochs 2.7 does not exit for external interrupts while the guest runs with RFLAGS.IF
 * clear (measured), which real VT-x does. With "save VMX-preemption timer value" the
 * count carries over exits; without it every entry restarts the period. The timer counts
 * down at the TSC rate divided by 2^IA32_VMX_MISC[4:0] (SDM Vol 3C 26.5.1).
 */
#define PREEMPT_PERIOD_MS 10

static void setup_preemption_timer(struct vcpu_vmx *vmx)
{
	u64 ticks = tsc_khz() * PREEMPT_PERIOD_MS >> (msr_read(MSR_IA32_VMX_MISC) & 0x1f);

	vmx->preempt_ticks = 0;
	if (!(vmcs_read(VMCS_PIN_CTLS) & PIN_PREEMPT_TIMER))
		return;
	vmx->preempt_ticks = ticks > 0xffffffffULL ? 0xffffffffU : ticks ? (u32)ticks : 1;
	vmx->preempt_saved = vmx->preempt_ticks;
	vmcs_write(VMCS_PREEMPTION_TIMER, vmx->preempt_ticks);
}

static int setup_controls(struct vcpu *vcpu)
{
	struct vcpu_vmx *vmx = &vcpu->arch.vmx;
	u32 proc2_want = PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED | PROC2_RDTSCP |
			 PROC2_INVPCID | PROC2_PAUSE_LOOP_EXIT | PROC2_XSAVES;
	u32 proc_want = PROC_HLT_EXIT | PROC_TSC_OFFSETTING | PROC_MWAIT_EXIT | PROC_MONITOR_EXIT |
			PROC_RDPMC_EXIT | PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT |
			PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY;
	u32 required2 = PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED;
	int err;

	/* NMIs always exit: the panic path stops CPUs with them, guest or not. */
	err = set_controls(VMCS_PIN_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS,
			   PIN_EXT_INTR_EXIT | PIN_NMI_EXIT | PIN_VIRTUAL_NMIS | PIN_PREEMPT_TIMER,
			   PIN_EXT_INTR_EXIT | PIN_NMI_EXIT, "pin-based");
	if (!err)
		err = set_controls(VMCS_PROC_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS, proc_want,
				   PROC_HLT_EXIT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
					   PROC_SECONDARY | PROC_CR8_LOAD_EXIT |
					   PROC_CR8_STORE_EXIT,
				   "processor-based");
	if (!err)
		err = set_controls(VMCS_PROC_CTLS2, MSR_IA32_VMX_PROCBASED_CTLS2, proc2_want,
				   required2, "secondary processor-based");
	if (!err)
		err = set_controls(VMCS_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS,
				   EXIT_HOST_ADDR64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
					   EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_DEBUGCTL |
					   EXIT_SAVE_PREEMPT,
				   EXIT_HOST_ADDR64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
					   EXIT_SAVE_PAT | EXIT_LOAD_PAT,
				   "VM-exit");
	if (!err)
		err = set_controls(VMCS_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS,
				   ENTRY_LOAD_PAT | ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUGCTL,
				   ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, "VM-entry");
	if (err)
		return err;
	vmx->proc_ctls = (u32)vmcs_read(VMCS_PROC_CTLS);
	setup_preemption_timer(vmx);
	vmx->entry_ctls = (u32)vmcs_read(VMCS_ENTRY_CTLS);
	/* XSAVES needs the XSS-exiting bitmap: no supervisor component exits. */
	if (vmcs_read(VMCS_PROC_CTLS2) & PROC2_XSAVES)
		vmcs_write(VMCS_XSS_EXIT_BITMAP, 0);
	if (vmcs_read(VMCS_PROC_CTLS2) & PROC2_PAUSE_LOOP_EXIT) {
		/* Spinning for ~4096 cycles with gaps under 128 means waiting for a lock. */
		vmcs_write(VMCS_PLE_GAP, 128);
		vmcs_write(VMCS_PLE_WINDOW, 4096);
	}

	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write(VMCS_PF_ERR_MASK, 0);
	vmcs_write(VMCS_PF_ERR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_TSC_OFFSET, 0);
	vmcs_write(VMCS_VPID, vmx_vpid(vcpu));
	vmcs_write(VMCS_EPTP, ept_eptp(&vcpu->vm->arch.ept));
	vmcs_write(VMCS_MSR_BITMAP, (u64)vcpu->vm->arch.msr_bitmap);
	vmcs_write(VMCS_IO_BITMAP_A, (u64)vcpu->vm->arch.io_bitmap);
	vmcs_write(VMCS_IO_BITMAP_B, (u64)vcpu->vm->arch.io_bitmap + PAGE_SIZE);
	/* NMI-window exiting needs virtual NMIs (SDM 26.2.1.1). */
	vmx->nmi_window_ok =
		(vmcs_read(VMCS_PIN_CTLS) & PIN_VIRTUAL_NMIS) &&
		(msr_read(MSR_IA32_VMX_TRUE_PROCBASED_CTLS) >> 32 & PROC_NMI_WINDOW_EXIT);
	vmx_apicv_setup(vcpu);

	/*
	 * TSC_AUX is switched through the MSR areas: the guest's value is loaded on entry
	 * and stored on exit (same array), the host's (its CPU id, for RDTSCP) loaded on exit.
	 */
	vmx->guest_msrs[SWITCHED_TSC_AUX] = (struct vmx_msr_entry){MSR_IA32_TSC_AUX, 0, 0};
	vmx->host_msrs[SWITCHED_TSC_AUX] =
		(struct vmx_msr_entry){MSR_IA32_TSC_AUX, 0, this_cpu_id()};
	vmcs_write(VMCS_ENTRY_MSR_LOAD_ADDR, (u64)vmx->guest_msrs);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_CNT, SWITCHED_MSR_COUNT);
	vmcs_write(VMCS_EXIT_MSR_STORE_ADDR, (u64)vmx->guest_msrs);
	vmcs_write(VMCS_EXIT_MSR_STORE_CNT, SWITCHED_MSR_COUNT);
	vmcs_write(VMCS_EXIT_MSR_LOAD_ADDR, (u64)vmx->host_msrs);
	vmcs_write(VMCS_EXIT_MSR_LOAD_CNT, SWITCHED_MSR_COUNT);
	return 0;
}

/* The physical context: where a VM exit returns to (SDM 25.5, 28.5). */
static void setup_host_state(void)
{
	struct per_cpu *pcpu = this_cpu();
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr;

	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, SEL_CODE64);
	vmcs_write(VMCS_HOST_SS_SEL, SEL_DATA);
	vmcs_write(VMCS_HOST_DS_SEL, SEL_DATA);
	vmcs_write(VMCS_HOST_ES_SEL, SEL_DATA);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	vmcs_write(VMCS_HOST_TR_SEL, SEL_TSS);
	vmcs_write(VMCS_HOST_FS_BASE, msr_read(MSR_FS_BASE));
	vmcs_write(VMCS_HOST_GS_BASE, (u64)pcpu);
	vmcs_write(VMCS_HOST_TR_BASE, (u64)&pcpu->tss);
	vmcs_write(VMCS_HOST_GDTR_BASE, (u64)pcpu->gdt);
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_PAT, msr_read(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_EFER, msr_read(MSR_IA32_EFER));
	vmcs_write(VMCS_HOST_RIP, (u64)vmx_exit_entry);
	/* HOST_RSP is written by vmx_enter_guest on every entry. */
}

static void set_segment(enum vmcs_seg seg, u16 sel, u64 base, u32 limit, u32 ar)
{
	vmcs_write(VMCS_GUEST_SEL(seg), sel);
	vmcs_write(VMCS_GUEST_BASE(seg), base);
	vmcs_write(VMCS_GUEST_LIMIT(seg), limit);
	vmcs_write(VMCS_GUEST_AR(seg), ar);
}

#define AR_CODE	    (0xbU | AR_S | AR_P) /* execute/read, accessed */
#define AR_DATA	    (0x3U | AR_S | AR_P) /* read/write, accessed */
#define AR_TSS_BUSY (0xbU | AR_P)
#define AR_LDT	    (0x2U | AR_P)

/*
 * Segment state for the start mode. Real mode is the INIT state of an AP: CS from the
 * start-up vector, everything else at 0 with 64 KiB limits (SDM Vol 3A table 10-1).
 */
static void load_segments(const struct vcpu_start_state *s, bool real_mode)
{
	u32 code_ar = AR_CODE, data_ar = AR_DATA, limit = 0xffff;

	if (!real_mode) {
		limit = 0xffffffff;
		code_ar |= AR_G | (s->long_mode ? AR_L : AR_DB);
		data_ar |= AR_G | AR_DB;
	}
	u16 cs = 0x08, ds = 0x10;

	if (!real_mode && s->long_mode && s->gdt_base) {
		cs = 0x10;
		ds = 0x18;
	}
	if (real_mode)
		set_segment(SEG_CS, (u16)(s->rip >> 4) & 0xff00, s->rip & ~0xfffULL, limit,
			    code_ar);
	else
		set_segment(SEG_CS, cs, 0, limit, code_ar);
	for (enum vmcs_seg seg = SEG_ES; seg <= SEG_GS; seg++)
		if (seg != SEG_CS)
			set_segment(seg, real_mode ? 0 : ds, 0, limit, data_ar);
	set_segment(SEG_LDTR, 0, 0, 0xffff, AR_LDT);
	set_segment(SEG_TR, 0, 0, 0xffff, AR_TSS_BUSY);
	vmcs_write(VMCS_GUEST_GDTR_BASE, real_mode ? 0 : s->gdt_base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, (!real_mode && s->gdt_base) ? 0x1f : 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
}

void vmcs_load_start_state(struct vcpu *vcpu, bool real_mode)
{
	struct vcpu_arch *a = &vcpu->arch;
	const struct vcpu_start_state *s = &a->start;

	load_segments(s, real_mode);
	memset(a->gpr, 0, sizeof(a->gpr));
	a->cr2 = 0;
	a->exception.valid = false;
	if (real_mode) {
		/* EDX holds the processor signature after INIT; 0 is allowed for a VM. */
		vmcs_write(VMCS_GUEST_RIP, s->rip & 0xfff);
	} else {
		a->gpr[GPR_RAX] = s->rax;
		a->gpr[GPR_RBX] = s->rbx;
		a->gpr[GPR_RSI] = s->rsi;
		vmcs_write(VMCS_GUEST_RIP, s->rip);
	}
	vmcs_write(VMCS_GUEST_RSP, 0);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);
	vmcs_write(VMCS_GUEST_CR3, s->long_mode ? s->cr3 : 0);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_PAT, PAT_POWER_ON);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	a->vmx.guest_msrs[SWITCHED_TSC_AUX].value = 0;

	a->efer = (!real_mode && s->long_mode) ? (EFER_LME | EFER_LMA) : 0;
	vmx_apply_efer(vcpu);
	vmx_load_cr(vcpu, real_mode);
}

int vmcs_create(struct vcpu *vcpu)
{
	struct vcpu_vmx *vmx = &vcpu->arch.vmx;
	paddr_t page = page_pool_alloc(&hv_pages, 1, 1, 0);
	int err;

	if (page == INVALID_PADDR)
		return -ENOMEM;
	memset((void *)page, 0, PAGE_SIZE);
	*(u32 *)page = vmx_vmcs_revision();
	if (!vmx_vmclear(page) || !vmx_vmptrld(page)) {
		page_pool_free(&hv_pages, page, 1);
		return -EIO;
	}
	vmx->vmcs = page;
	vmx->launched = false;
	err = setup_controls(vcpu);
	if (err)
		return err;
	setup_host_state();
	return 0;
}
