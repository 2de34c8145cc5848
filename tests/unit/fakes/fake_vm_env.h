/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the guest-facing emulation code (guest/vmsr.c, guest/vlapic.c, core/hypercall.c,
 * dm/vreset.c) calls outside itself, faked for its host unit tests. Tests build their own
 * struct vm and struct vcpu; these fakes record every call in fake_env:
 * - the vendor backend's EFER, TSC offset, PAT and TSC_AUX accessors, on a fake VMCS per
 *   vCPU (EFER as the VT-x backend keeps it: the virtual value in vcpu->arch.efer, the
 *   shadow value with the VM's guest-owned bits plus LME/LMA);
 * - vm_warn(), vm_guest_reset() and vm_write_guest() (one RAM window on the host);
 * - vcpu_send_init(), vcpu_send_sipi(), vcpu_kick(), vcpu_on_pcpu() and arch_cpu_id();
 * - the interrupt wiring the vLAPIC calls (bulkhead/virq.h): vm_broadcast_eoi(), and the
 *   VM's 8259 as vm_extint_pending()/vm_extint_ack() answer from fake_env;
 * - vcpu_vendor_apic_mode_changed().
 */
#ifndef FAKE_VM_ENV_H
#define FAKE_VM_ENV_H

#include <bulkhead/vm.h>

#define FAKE_VMCS_MAX	  8
#define FAKE_IPI_LOG_MAX  64
#define FAKE_KICK_LOG_MAX 64
#define FAKE_EOI_LOG_MAX  64
#define FAKE_RAM_SIZE	  0x1000

struct fake_vmcs {
	const struct vcpu *vcpu; /* the vCPU it belongs to; NULL when free */
	u64 guest_efer;		 /* the shadow EFER the CPU would run the guest with */
	u64 tsc_offset;
	u64 pat;
	u64 tsc_aux;
	int efer_writes, tsc_offset_writes, pat_writes, tsc_aux_writes;
	u64 last_efer_written; /* the argument of the last vcpu_vendor_set_efer() */
};

struct fake_ipi {
	struct vcpu *target;
	bool sipi; /* false: INIT */
	u8 vector; /* start-up IPIs only */
};

struct fake_vm_env {
	struct fake_vmcs vmcs[FAKE_VMCS_MAX];

	struct fake_ipi ipis[FAKE_IPI_LOG_MAX]; /* vcpu_send_init() and vcpu_send_sipi() */
	size_t ipi_count;

	struct vcpu *kicked[FAKE_KICK_LOG_MAX]; /* vcpu_kick(): the first targets, in order */
	size_t kick_count;			/* every call, past the log's end too */
	/*
	 * Kicks of a vCPU whose event_check was clear: it would wake and enter without
	 * looking at its events. Each kick clears the flag, as the vCPU's look would.
	 */
	size_t unannounced_kicks;

	u8 eois[FAKE_EOI_LOG_MAX]; /* vm_broadcast_eoi(): the first vectors, in order */
	size_t eoi_count;	   /* every call, past the log's end too */
	struct vm *eoi_vm;	   /* the last call's VM */

	bool extint_pending; /* what vm_extint_pending() answers, set by the test */
	int extint_vector;   /* what vm_extint_ack() answers while extint_pending */
	int extint_acks;     /* vm_extint_ack() calls; each one clears extint_pending */

	int apic_mode_changes; /* vcpu_vendor_apic_mode_changed(): how many, the last vCPU */
	struct vcpu *apic_mode_vcpu;
	/* vcpu_vendor_lapic_pt_deliver(): vectors sent to physical APICs, and to whom. */
	int pt_count;
	u8 pt_vectors[16];
	struct vcpu *pt_vcpus[16];

	u32 cpu_id;				/* arch_cpu_id() */
	struct vcpu *on_pcpu[CONFIG_MAX_PCPUS]; /* vcpu_on_pcpu() */

	int warns; /* vm_warn(): how many, the last VM and message */
	struct vm *warned_vm;
	char warn_text[256];

	int guest_resets; /* vm_guest_reset(): how many, the last VM and reason */
	struct vm *reset_vm;
	char reset_reason[96];

	struct vm *ram_vm; /* vm_write_guest(): the only VM with RAM, at ram_gpa */
	u64 ram_gpa;
	u8 ram[FAKE_RAM_SIZE];
	int guest_writes; /* successful ones */
};

extern struct fake_vm_env fake_env;

/* Clears every record, every fake VMCS and the RAM window (no VM has RAM). */
void fake_vm_env_reset(void);
/* The fake VMCS of vcpu, made (all zero) on first use. */
struct fake_vmcs *fake_vmcs_of(const struct vcpu *vcpu);
/* How many vcpu_kick() calls (in the log) targeted vcpu. */
size_t fake_kicks_of(const struct vcpu *vcpu);

#endif
