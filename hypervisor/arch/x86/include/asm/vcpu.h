/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x86 vCPU and VM state, and the interface between the x86 code that is the same for
 * every virtualization extension (guest/: CPUID, control registers, MSRs, instruction
 * emulation) and the vendor backend (vmx/ for VT-x; an SVM backend would implement the
 * same vcpu_vendor_* functions). Common code sees struct vcpu_arch and struct vm_arch
 * only as members of struct vcpu and struct vm (bulkhead/vm.h).
 */
#ifndef ASM_VCPU_H
#define ASM_VCPU_H

#include <bulkhead/types.h>
#include <bulkhead/vioapic.h>
#include <bulkhead/virq.h>
#include <bulkhead/vpic.h>
#include <bulkhead/vpit.h>
#include <bulkhead/vpm.h>
#include <bulkhead/vrtc.h>
#include <asm/ept.h>
#include <asm/vcpuid.h>
#include <asm/vcr.h>
#include <asm/vlapic.h>

/* General registers in instruction-encoding order (SDM Vol 2A 2.1.5, table 2-2). */
enum guest_gpr {
	GPR_RAX,
	GPR_RCX,
	GPR_RDX,
	GPR_RBX,
	GPR_RSP, /* a mirror at best: the VMCS holds the guest's RSP */
	GPR_RBP,
	GPR_RSI,
	GPR_RDI,
	GPR_R8,
	GPR_R9,
	GPR_R10,
	GPR_R11,
	GPR_R12,
	GPR_R13,
	GPR_R14,
	GPR_R15,
	GPR_COUNT
};

/* An exception waiting to be delivered at the next VM entry. */
struct pending_exception {
	bool valid;
	u8 vector;
	bool has_error_code;
	u32 error_code;
};

/* Where and how a vCPU starts after power-on or reset (from the image loader). */
struct vcpu_start_state {
	u64 rip;
	u64 rax, rbx, rsi;
	bool protected_mode; /* 32-bit flat protected mode, paging off */
	bool long_mode;	     /* 64-bit mode; cr3 holds identity page tables */
	u64 cr3;
	/*
	 * long_mode: a GDT in guest memory with flat code at 0x10 and data at 0x18 (Linux's
	 * __BOOT_CS/__BOOT_DS). Otherwise there is none: CS 0x08 and data 0x10 are loaded
	 * as flat segments and the guest loads its own GDT before reloading them.
	 */
	u64 gdt_base;
};

/* Entries of the VM-entry load / VM-exit store and load MSR areas (SDM 25.7.2). */
struct vmx_msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
} __attribute__((packed));

/* MSRs switched through the VMX MSR areas on every entry and exit. */
enum vmx_switched_msr { SWITCHED_TSC_AUX, SWITCHED_MSR_COUNT };

struct vcpu_vmx {
	paddr_t vmcs;
	bool launched;
	u32 exit_reason;
	u64 exit_qualification;
	u32 entry_ctls;		/* cached: IA-32e mode guest changes with EFER.LMA */
	u32 proc_ctls;		/* cached: window exiting bits change */
	u32 preempt_ticks;	/* VMX-preemption timer period, 0 when the CPU has none */
	u32 preempt_saved;	/* the period, kept while LAPIC passthrough turns it off */
	bool exit_save_preempt; /* the exit control, likewise */
	bool pt_announced;	/* "x2APIC passed through" said since the vCPU's reset */
	bool nmi_window_ok;	/* NMI-window exiting available (needs virtual NMIs) */
	/* An event whose delivery the last exit interrupted: delivered again on entry. */
	u32 reinject_info;
	u32 reinject_error;
	u32 reinject_len;
	/* Guest values, loaded on entry and stored on exit; host values loaded on exit. */
	struct vmx_msr_entry guest_msrs[SWITCHED_MSR_COUNT] __attribute__((aligned(16)));
	struct vmx_msr_entry host_msrs[SWITCHED_MSR_COUNT] __attribute__((aligned(16)));
};

struct vcpu_arch {
	u64 gpr[GPR_COUNT];
	u64 host_rsp; /* right after gpr[]: the HOST_RSP vmx_entry.S last wrote */
	u64 cr2;      /* not in the VMCS: switched by hand around VM entry */
	u64 xcr0;
	struct vcr cr0, cr4;
	u64 efer; /* virtual EFER: what the guest wrote, LMA as the CPU set it */
	u64 tsc_adjust;
	u64 apic_base;
	u64 mtrr_def_type;
	struct pending_exception exception;
	/*
	 * Something may wait for injection: set by whoever posts a vector, NMI or ExtINT to
	 * the vCPU, changes its vLAPIC or queues an exception, by an exit that interrupted an
	 * event's delivery and while a window is open; the backend clears it before it looks.
	 * An entry with it clear skips event injection: most exits have nothing to deliver.
	 */
	bool event_check;
	struct vcpuid_policy cpuid; /* what CPUID tells this vCPU (set at reset) */
	struct vcpu_start_state start;
	struct vcpu_vmx vmx;
	struct vlapic vlapic; /* page aligned: last, so the rest stays packed */
};

/* Sets event_check: from any CPU, before the kick that makes the vCPU look (SEQ_CST). */
static inline void vcpu_arch_note_event(struct vcpu_arch *a)
{
	__atomic_store_n(&a->event_check, true, __ATOMIC_SEQ_CST);
}

/* vmx_entry.S finds host_rsp just past the register array it is given. */
_Static_assert(__builtin_offsetof(struct vcpu_arch, host_rsp) ==
		       __builtin_offsetof(struct vcpu_arch, gpr) + GPR_COUNT * 8,
	       "host_rsp must follow gpr[]");

struct vm_arch {
	struct ept ept;
	spinlock_t ept_lock;  /* changes after creation (passed-through BARs) */
	u8 *msr_bitmap;	      /* one page, shared by the VM's vCPUs */
	u8 *io_bitmap;	      /* two pages: A then B */
	u64 efer_guest_owned; /* EFER bits written through (the rest are the host's) */
	/*
	 * APIC virtualization (vmx/vmx_apicv.c): the APIC-access page mapped at the xAPIC
	 * base, and a second MSR bitmap for x2APIC mode that lets the virtualized x2APIC
	 * registers through. NULL without it.
	 */
	u8 *apic_access_page;
	u8 *msr_bitmap_x2apic;
	/* LAPIC passthrough (vmx/vmx_lapic_pt.c): the MSR bitmap once in x2APIC mode. */
	u8 *msr_bitmap_lapic_pt;
	/* The PC platform every VM gets (guest/vplatform.c, bulkhead/virq.h). */
	struct vpic vpic;
	struct vioapic vioapic;
	struct vpit vpit;
	struct vrtc vrtc;
	struct vpm vpm;
	struct vm_isa_line {
		struct vm *vm;
		u32 irq;
	} isa_lines[VM_ISA_IRQS];
};

struct vcpu;
struct vm;

/* Exceptions the emulation code raises in the guest. */
#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_UD 6
#define X86_EXC_NM 7
#define X86_EXC_DF 8
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_MC 18

/* Queues an exception for the next VM entry (a second one while one is pending: #DF). */
void vcpu_inject_exception(struct vcpu *vcpu, u8 vector, bool has_error_code, u32 error_code);
static inline void vcpu_inject_gp(struct vcpu *vcpu)
{
	vcpu_inject_exception(vcpu, X86_EXC_GP, true, 0);
}
static inline void vcpu_inject_ud(struct vcpu *vcpu)
{
	vcpu_inject_exception(vcpu, X86_EXC_UD, false, 0);
}

/*
 * The vendor backend. Called on the vCPU's own physical CPU with its VMCS (or VMCB)
 * current, except vm_vendor_* which run once per VM at creation.
 */
int vm_vendor_init(struct vm *vm);
void vm_vendor_destroy(struct vm *vm);
int vcpu_vendor_init(struct vcpu *vcpu);
/* Loads the architectural power-on/INIT state plus the start state (SDM Vol 3A 10.1.1). */
void vcpu_vendor_reset(struct vcpu *vcpu);
/* Runs the vCPU until something needs common code (a request); never fails silently. */
void vcpu_vendor_run(struct vcpu *vcpu);
/* The EFER value the CPU runs the guest with (shadow context). */
void vcpu_vendor_set_efer(struct vcpu *vcpu, u64 efer);
u64 vcpu_vendor_get_efer(struct vcpu *vcpu);
bool vcpu_vendor_cs_long(struct vcpu *vcpu);
u32 vcpu_vendor_cpl(struct vcpu *vcpu);
void vcpu_vendor_set_tsc_offset(struct vcpu *vcpu, u64 offset);
u64 vcpu_vendor_get_tsc_offset(struct vcpu *vcpu);
u64 vcpu_vendor_get_pat(struct vcpu *vcpu);
void vcpu_vendor_set_pat(struct vcpu *vcpu, u64 pat);
u64 vcpu_vendor_get_tsc_aux(struct vcpu *vcpu);
void vcpu_vendor_set_tsc_aux(struct vcpu *vcpu, u64 value);
/* The vLAPIC changed mode (xAPIC, x2APIC, disabled): APIC virtualization follows. */
void vcpu_vendor_apic_mode_changed(struct vcpu *vcpu);
/* The vCPU leaves the guest for a while (stop, reset, INIT): hardware it lent goes back. */
void vcpu_vendor_park(struct vcpu *vcpu);
/* Drops the CPU's cached guest-physical translations of the vCPU's VM (INVEPT). */
void vcpu_vendor_flush_gpa(struct vcpu *vcpu);
/* LAPIC passthrough: vector for a vCPU goes to its physical CPU's APIC (any CPU). */
void vcpu_vendor_lapic_pt_deliver(struct vcpu *to, u8 vector);
/* Whether something ends the vCPU's HLT now (an interrupt it would take, an NMI). */
bool vcpu_vendor_has_event(struct vcpu *vcpu);
/* Prints the guest state (debug shell, fatal VM errors); on the vCPU's own CPU. */
void vcpu_vendor_dump(struct vcpu *vcpu);

#endif
