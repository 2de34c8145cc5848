/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual machines and their vCPUs at run time, created from the static configuration
 * (bulkhead/vm_config.h). With the "none" scheduler every vCPU owns one physical CPU.
 *
 * Life cycle (core/vm.c): CREATED -> RUNNING -> STOPPED, and RUNNING -> RESETTING ->
 * RUNNING for a guest reset. A state change that involves the vCPUs is a request: the
 * requester sets it on every vCPU and kicks their CPUs; each vCPU acts on it when it next
 * leaves the guest. One VM's failure only ever stops or resets that VM.
 */
#ifndef BULKHEAD_VM_H
#define BULKHEAD_VM_H

#include <bulkhead/io_bus.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/types.h>
#include <bulkhead/vm_config.h>
#include <bulkhead/vpci.h>
#include <bulkhead/vreset.h>
#include <bulkhead/vuart.h>
#include <asm/vcpu.h>

enum vm_state {
	VM_STATE_CREATED,
	VM_STATE_STARTING,
	VM_STATE_RUNNING,
	VM_STATE_RESETTING,
	VM_STATE_STOPPING,
	VM_STATE_STOPPED,
};

enum vcpu_state {
	VCPU_OFFLINE, /* not started (an AP before its start-up IPI) */
	VCPU_RUNNING, /* in the guest, or about to enter it */
	VCPU_PARKED,  /* out of the guest for a VM-wide request */
	VCPU_STOPPED,
};

/* Requests a vCPU handles before its next VM entry. */
#define VCPU_REQ_PARK	   (1U << 0) /* leave the guest and wait (stop, reset) */
#define VCPU_REQ_INIT	   (1U << 1) /* INIT IPI: wait for a start-up IPI */
#define VCPU_REQ_FLUSH_GPA (1U << 2) /* the VM's guest-physical mappings shrank */

#define VM_MAX_VUARTS 4

struct vm;

struct vcpu {
	struct vm *vm;
	u32 id;	  /* index in the VM, also its APIC ID */
	u32 pcpu; /* the physical CPU it runs on */
	volatile enum vcpu_state state;
	volatile u32 requests;
	bool initialized;      /* the backend's per-vCPU state exists (made on its own CPU) */
	bool start_pending;    /* load arch.start before the next entry */
	bool power_on_pending; /* that start is the first since the VM (re)started */
	u64 exits;
	struct vcpu_arch arch;
};

struct vm {
	u32 id;
	const struct vm_config *config;
	spinlock_t lock; /* serializes life-cycle changes */
	volatile enum vm_state state;
	u32 vcpu_count;
	struct vcpu vcpus[CONFIG_MAX_VCPUS_PER_VM];
	struct io_bus pio;
	struct io_bus mmio;
	struct vuart vuarts[VM_MAX_VUARTS];
	u32 vuart_count;
	struct vreset reset_ports;
	struct vpci pci; /* its passed-through PCI functions */
	u32 boots;	 /* starts and resets so far */
	char stop_reason[96];
	u32 warn_tokens; /* vm_warn() rate limit */
	u32 warn_suppressed;
	u64 warn_refill;
	struct vm_arch arch;
};

/* Boot step: creates every VM of the configuration and starts the pre-launched ones. */
int vms_init(void);
size_t vm_count(void);
/* NULL when id is out of range. */
struct vm *vm_get(u32 id);
/* The vCPU that runs on physical CPU pcpu, or NULL. */
struct vcpu *vcpu_on_pcpu(u32 pcpu);

/* Life cycle; each returns 0 or a negative error (-EBUSY: a change is in progress). */
int vm_start(struct vm *vm);
int vm_stop(struct vm *vm, const char *reason);
int vm_reset(struct vm *vm, const char *reason);
/* A guest asked for a reset (or triple-faulted): reset or stop the VM by its policy. */
void vm_guest_reset(struct vm *vm, const char *what);
void vm_guest_fatal(struct vcpu *vcpu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A guest access to guest-physical memory the VM does not have and no device claims:
 * the VM's policy injects #GP(0) (returns 0: resume) or stops the VM (returns non-zero).
 */
int vm_guest_bad_access(struct vcpu *vcpu, u64 gpa, const char *access);
/* A warning the guest caused ("vmN: " is prepended), rate-limited per VM. */
void vm_warn(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* HLT: waits on the vCPU's CPU; returns non-zero when a request needs the run loop. */
int vcpu_halt(struct vcpu *vcpu);
/* Copies into the VM's RAM (zeros when src is NULL). 0 or -EFAULT (not all RAM). */
int vm_write_guest(struct vm *vm, u64 gpa, const void *src, u64 len);
/* Copies from the VM's RAM. 0 or -EFAULT (not all RAM; dst is then left untouched). */
int vm_read_guest(struct vm *vm, u64 gpa, void *dst, u64 len);
const char *vm_state_name(enum vm_state state);
const char *vcpu_state_name(enum vcpu_state state);

/* Each physical CPU ends its boot here: it runs its vCPU, or idles. Never returns. */
void pcpu_run_loop(void) __attribute__((noreturn));
/* Makes a vCPU's CPU leave the guest and look at its requests. */
void vcpu_kick(struct vcpu *vcpu);
/* INIT and start-up IPIs between a VM's vCPUs (from its virtual LAPIC). */
void vcpu_send_init(struct vcpu *target);
void vcpu_send_sipi(struct vcpu *target, u8 vector);

#endif
