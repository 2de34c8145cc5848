// SPDX-License-Identifier: BSD-3-Clause
/*
 * The VM-exit dispatch table: one entry per basic exit reason (SDM Vol 3D appendix C),
 * each naming its handler. Handlers return 0 to resume the guest, non-zero to leave the
 * run loop (the VM was stopped or reset). Every exit without an entry is logged with its
 * reason and qualification and the guest gets what the hardware would give it for an
 * instruction it may not use: #UD.
 */
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/log.h>
#include <bulkhead/vm.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include <asm/vcpuid.h>
#include <asm/vmcs.h>
#include <asm/vmsr.h>
#include <asm/vmx.h>
#include <asm/vmx_internal.h>

static int handle_exception_nmi(struct vcpu *vcpu)
{
	u32 info = (u32)vmcs_read(VMCS_EXIT_INTR_INFO);

	if ((info & INTR_INFO_VALID) && (info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
		/* The NMI was meant for the hypervisor (the panic path): take it here. */
		__asm__ __volatile__("int $2");
		return 0;
	}
	/* The exception bitmap is empty: nothing else should exit. */
	vm_guest_fatal(vcpu, "unexpected exception exit, interruption info 0x%x", info);
	return -EIO;
}

static int handle_external_interrupt(struct vcpu *vcpu)
{
	/* Not acknowledged on exit: opening the interrupt window delivers it via the IDT. */
	local_irq_enable();
	__asm__ __volatile__("nop" ::: "memory");
	local_irq_disable();
	return 0;
}

static int handle_preemption_timer(struct vcpu *vcpu)
{
	/* The period is over (vmcs.c): take what interrupts are pending, start anew. */
	vmcs_write(VMCS_PREEMPTION_TIMER, vcpu->arch.vmx.preempt_ticks);
	return handle_external_interrupt(vcpu);
}

static int handle_triple_fault(struct vcpu *vcpu)
{
	vm_guest_reset(vcpu->vm, "triple fault");
	return -EINTR;
}

/* The guest's CR4 for CPUID leaves 1 and 7: host-owned bits from the read shadow. */
u64 vmx_cpuid_guest_cr4(const struct vcpuid_policy *policy)
{
	u64 mask = vmcs_read(VMCS_CR4_MASK);

	return (vmcs_read(VMCS_GUEST_CR4) & ~mask) | (vmcs_read(VMCS_CR4_READ_SHADOW) & mask);
}

/* The hottest exit: no stack canary (one fixed-size array, filled by vcpuid_emulate). */
static __no_stack_protector int handle_cpuid(struct vcpu *vcpu)
{
	u64 *g = vcpu->arch.gpr;
	struct vcpuid_policy *policy = &vcpu->arch.cpuid;
	u32 leaf = (u32)g[GPR_RAX];
	u32 regs[4];

	vcpuid_emulate(policy, leaf, (u32)g[GPR_RCX], regs);
	g[GPR_RAX] = regs[CPUID_EAX];
	g[GPR_RBX] = regs[CPUID_EBX];
	g[GPR_RCX] = regs[CPUID_ECX];
	g[GPR_RDX] = regs[CPUID_EDX];
	vmx_skip_instruction(vcpu);
	return 0;
}

static int handle_hlt(struct vcpu *vcpu)
{
	vmx_skip_instruction(vcpu);
	/* The vCPU sleeps until an interrupt it would take, an NMI or a request. */
	return vcpu_halt(vcpu);
}

static int handle_pause(struct vcpu *vcpu)
{
	/* One vCPU per physical CPU: there is nobody to yield to. */
	if (vmcs_read(VMCS_PROC_CTLS) & PROC_PAUSE_EXIT)
		vmx_skip_instruction(vcpu);
	return 0;
}

static int handle_rdmsr(struct vcpu *vcpu)
{
	u64 *g = vcpu->arch.gpr;
	u64 value;

	if (vmsr_read(vcpu, (u32)g[GPR_RCX], &value)) {
		vcpu_inject_gp(vcpu);
		return 0;
	}
	g[GPR_RAX] = (u32)value;
	g[GPR_RDX] = value >> 32;
	vmx_skip_instruction(vcpu);
	return 0;
}

static int handle_wrmsr(struct vcpu *vcpu)
{
	u64 *g = vcpu->arch.gpr;
	u64 value = (g[GPR_RDX] << 32) | (u32)g[GPR_RAX];

	if (vmsr_write(vcpu, (u32)g[GPR_RCX], value)) {
		vcpu_inject_gp(vcpu);
		return 0;
	}
	vmx_skip_instruction(vcpu);
	return 0;
}

/* XCR0 bits the CPU supports (CPUID.(EAX=0DH,ECX=0):EDX:EAX). */
static u64 xcr0_supported(void)
{
	u32 a, b, c, d;

	cpuid_count(0xd, 0, &a, &b, &c, &d);
	return ((u64)d << 32) | a;
}

static int handle_xsetbv(struct vcpu *vcpu)
{
	u64 *g = vcpu->arch.gpr;
	u64 value = (g[GPR_RDX] << 32) | (u32)g[GPR_RAX];
	u64 supported = xcr0_supported();

	/*
	 * #GP unless XCR0 is written from CPL 0 with x87 set, no unsupported bit, AVX only
	 * with SSE, and the AVX-512 components all or none, with AVX (SDM Vol 2C XSETBV,
	 * Vol 1 13.3).
	 */
	if ((u32)g[GPR_RCX] != 0 || vcpu_vendor_cpl(vcpu) != 0 || !(value & 1) ||
	    (value & ~supported) || ((value & 4) && !(value & 2)) ||
	    ((value & 0xe0) && (value & 0xe0) != 0xe0) || ((value & 0xe0) && !(value & 4))) {
		vcpu_inject_gp(vcpu);
		return 0;
	}
	/* The hypervisor uses no extended state, so the guest's XCR0 stays loaded. */
	__asm__ __volatile__("xsetbv" ::"a"((u32)value), "d"((u32)(value >> 32)), "c"(0));
	vcpu->arch.xcr0 = value;
	vmx_skip_instruction(vcpu);
	return 0;
}

static int handle_vmcall(struct vcpu *vcpu)
{
	u64 *g = vcpu->arch.gpr;

	/* Hypercalls are a kernel interface: from user mode VMCALL is undefined. */
	if (vcpu_vendor_cpl(vcpu) != 0) {
		vcpu_inject_ud(vcpu);
		return 0;
	}
	g[GPR_RAX] = (u64)hypercall_dispatch(vcpu, g[GPR_R8], g[GPR_RDI], g[GPR_RSI]);
	vmx_skip_instruction(vcpu);
	return 0;
}

static int handle_invd(struct vcpu *vcpu)
{
	/* Dropping dirty lines would lose other VMs' data: write back instead. */
	__asm__ __volatile__("wbinvd" ::: "memory");
	vmx_skip_instruction(vcpu);
	return 0;
}

static int handle_rdpmc(struct vcpu *vcpu)
{
	/* No performance counters are enumerated to guests: RDPMC is #GP (SDM Vol 2B). */
	vcpu_inject_gp(vcpu);
	return 0;
}

static int handle_init(struct vcpu *vcpu)
{
	/* A physical INIT while in the guest; guests cannot send those to this CPU. */
	vm_warn(vcpu->vm, "vcpu%u: INIT signal ignored", vcpu->id);
	return 0;
}

static int handle_task_switch(struct vcpu *vcpu)
{
	vm_guest_fatal(vcpu, "hardware task switch (qualification 0x%llx) is not supported",
		       (unsigned long long)vmcs_read(VMCS_EXIT_QUALIFICATION));
	return -EIO;
}

static int handle_msr_loading(struct vcpu *vcpu)
{
	vm_guest_fatal(vcpu, "VM entry failed loading MSR entry %llu",
		       (unsigned long long)vmcs_read(VMCS_EXIT_QUALIFICATION));
	return -EIO;
}

const struct vmexit_entry vmexit_table[EXIT_REASON_COUNT] = {
	[EXIT_EXCEPTION_NMI] = {"exception or NMI", handle_exception_nmi},
	[EXIT_EXTERNAL_INTR] = {"external interrupt", handle_external_interrupt},
	[EXIT_TRIPLE_FAULT] = {"triple fault", handle_triple_fault},
	[EXIT_INIT] = {"INIT signal", handle_init},
	[EXIT_SIPI] = {"start-up IPI", NULL},
	[EXIT_INTR_WINDOW] = {"interrupt window", vmx_handle_window},
	[EXIT_NMI_WINDOW] = {"NMI window", vmx_handle_window},
	[EXIT_TASK_SWITCH] = {"task switch", handle_task_switch},
	[EXIT_CPUID] = {"CPUID", handle_cpuid},
	[EXIT_GETSEC] = {"GETSEC", NULL},
	[EXIT_HLT] = {"HLT", handle_hlt},
	[EXIT_INVD] = {"INVD", handle_invd},
	[EXIT_RDPMC] = {"RDPMC", handle_rdpmc},
	[EXIT_VMCALL] = {"VMCALL", handle_vmcall},
	[EXIT_CR_ACCESS] = {"control-register access", vmexit_cr_access},
	[EXIT_IO_INSTRUCTION] = {"I/O instruction", vmexit_io},
	[EXIT_RDMSR] = {"RDMSR", handle_rdmsr},
	[EXIT_WRMSR] = {"WRMSR", handle_wrmsr},
	[EXIT_MSR_LOADING] = {"VM entry MSR loading", handle_msr_loading},
	[EXIT_MWAIT] = {"MWAIT", NULL},
	[EXIT_MONITOR] = {"MONITOR", NULL},
	[EXIT_PAUSE] = {"PAUSE", handle_pause},
	[EXIT_APIC_ACCESS] = {"APIC access", vmx_handle_apic_access},
	[EXIT_VIRTUALIZED_EOI] = {"virtualized EOI", vmx_handle_virtualized_eoi},
	[EXIT_APIC_WRITE] = {"APIC write", vmx_handle_apic_write},
	[EXIT_EPT_VIOLATION] = {"EPT violation", vmexit_ept_violation},
	[EXIT_EPT_MISCONFIG] = {"EPT misconfiguration", vmexit_ept_misconfig},
	[EXIT_XSETBV] = {"XSETBV", handle_xsetbv},
	[EXIT_PREEMPTION_TIMER] = {"VMX-preemption timer", handle_preemption_timer},
	/* VMX instructions: VMX is not offered to guests, so they are #UD. */
	[EXIT_VMCLEAR] = {"VMCLEAR", NULL},
	[EXIT_VMLAUNCH] = {"VMLAUNCH", NULL},
	[EXIT_VMPTRLD] = {"VMPTRLD", NULL},
	[EXIT_VMPTRST] = {"VMPTRST", NULL},
	[EXIT_VMREAD] = {"VMREAD", NULL},
	[EXIT_VMRESUME] = {"VMRESUME", NULL},
	[EXIT_VMWRITE] = {"VMWRITE", NULL},
	[EXIT_VMXOFF] = {"VMXOFF", NULL},
	[EXIT_VMXON] = {"VMXON", NULL},
	[EXIT_INVEPT] = {"INVEPT", NULL},
	[EXIT_INVVPID] = {"INVVPID", NULL},
	[EXIT_VMFUNC] = {"VMFUNC", NULL},
};

/* Exits whose instruction the guest may not use: hardware without the feature says #UD. */
int vmexit_unhandled(struct vcpu *vcpu, u32 reason)
{
	const char *name = reason < EXIT_REASON_COUNT && vmexit_table[reason].name
				   ? vmexit_table[reason].name
				   : "unknown";

	vm_warn(vcpu->vm, "vcpu%u: unhandled exit %u (%s) at rip 0x%llx, qualification 0x%llx: #UD",
		vcpu->id, reason, name, (unsigned long long)vmcs_read(VMCS_GUEST_RIP),
		(unsigned long long)vmcs_read(VMCS_EXIT_QUALIFICATION));
	vcpu_inject_ud(vcpu);
	return 0;
}
