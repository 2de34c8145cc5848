/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the guest-facing emulation code (guest/vmsr.c, guest/vlapic.c, core/hypercall.c,
 * dm/vreset.c) calls outside itself, faked for its host unit tests. Tests build their own
 * struct vm and struct vcpu; these fakes record every call in fake_env:
 * - the vendor backend's EFER, TSC offset, PAT and TSC_AUX accessors, on a fake VMCS per
 *   vCPU (EFER as the VT-x backend keeps it: the virtual value in vcpu->arch.efer, the
 *   shadow value with the VM's guest-owned bits plus LME/LMA);
 * - vm_warn(), vm_guest_reset() and vm_write_guest() (one RAM window on the host);
 * - vcpu_send_init(), vcpu_send_sipi(), vcpu_on_pcpu() and arch_cpu_id().
 */
#ifndef FAKE_VM_ENV_H
#define FAKE_VM_ENV_H

#include <bulkhead/vm.h>

#define FAKE_VMCS_MAX	 8
#define FAKE_IPI_LOG_MAX 64
#define FAKE_RAM_SIZE	 0x1000

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

#endif
