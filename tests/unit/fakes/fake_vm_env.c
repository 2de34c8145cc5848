// SPDX-License-Identifier: BSD-3-Clause
/* Fakes of the VM run time and vendor backend for the guest emulation tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/virq.h>
#include <asm/msr-index.h>
#include "fake_vm_env.h"

struct fake_vm_env fake_env;

void fake_vm_env_reset(void)
{
	memset(&fake_env, 0, sizeof(fake_env));
}

struct fake_vmcs *fake_vmcs_of(const struct vcpu *vcpu)
{
	for (size_t i = 0; i < FAKE_VMCS_MAX; i++) {
		if (fake_env.vmcs[i].vcpu == vcpu)
			return &fake_env.vmcs[i];
		if (!fake_env.vmcs[i].vcpu) {
			fake_env.vmcs[i].vcpu = vcpu;
			return &fake_env.vmcs[i];
		}
	}
	fail_msg("more than %d vCPUs with a fake VMCS", FAKE_VMCS_MAX);
	return NULL;
}

/* --- The vendor backend: what vmx/vmx_vcpu.c does, on the fake VMCS. --- */

void vcpu_vendor_set_efer(struct vcpu *vcpu, u64 efer)
{
	struct fake_vmcs *v = fake_vmcs_of(vcpu);

	v->efer_writes++;
	v->last_efer_written = efer;
	vcpu->arch.efer = efer;
	v->guest_efer = efer & (vcpu->vm->arch.efer_guest_owned | EFER_LME | EFER_LMA);
}

u64 vcpu_vendor_get_efer(struct vcpu *vcpu)
{
	return vcpu->arch.efer;
}

void vcpu_vendor_set_tsc_offset(struct vcpu *vcpu, u64 offset)
{
	struct fake_vmcs *v = fake_vmcs_of(vcpu);

	v->tsc_offset_writes++;
	v->tsc_offset = offset;
}

u64 vcpu_vendor_get_tsc_offset(struct vcpu *vcpu)
{
	return fake_vmcs_of(vcpu)->tsc_offset;
}

u64 vcpu_vendor_get_pat(struct vcpu *vcpu)
{
	return fake_vmcs_of(vcpu)->pat;
}

void vcpu_vendor_set_pat(struct vcpu *vcpu, u64 pat)
{
	struct fake_vmcs *v = fake_vmcs_of(vcpu);

	v->pat_writes++;
	v->pat = pat;
}

u64 vcpu_vendor_get_tsc_aux(struct vcpu *vcpu)
{
	return fake_vmcs_of(vcpu)->tsc_aux;
}

void vcpu_vendor_set_tsc_aux(struct vcpu *vcpu, u64 value)
{
	struct fake_vmcs *v = fake_vmcs_of(vcpu);

	v->tsc_aux_writes++;
	v->tsc_aux = value;
}

void vcpu_vendor_apic_mode_changed(struct vcpu *vcpu)
{
	fake_env.apic_mode_changes++;
	fake_env.apic_mode_vcpu = vcpu;
}

void vcpu_vendor_lapic_pt_deliver(struct vcpu *to, u8 vector)
{
	if (fake_env.pt_count < 16) {
		fake_env.pt_vectors[fake_env.pt_count] = vector;
		fake_env.pt_vcpus[fake_env.pt_count] = to;
	}
	fake_env.pt_count++;
}

/* --- The VM run time (core/vm.c). --- */

void vm_warn(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	fake_env.warns++;
	fake_env.warned_vm = vm;
	va_start(ap, fmt);
	vsnprintf(fake_env.warn_text, sizeof(fake_env.warn_text), fmt, ap);
	va_end(ap);
}

void vm_guest_reset(struct vm *vm, const char *what)
{
	fake_env.guest_resets++;
	fake_env.reset_vm = vm;
	snprintf(fake_env.reset_reason, sizeof(fake_env.reset_reason), "%s", what);
}

int vm_write_guest(struct vm *vm, u64 gpa, const void *src, u64 len)
{
	if (!fake_env.ram_vm || vm != fake_env.ram_vm || gpa < fake_env.ram_gpa ||
	    gpa - fake_env.ram_gpa > FAKE_RAM_SIZE ||
	    len > FAKE_RAM_SIZE - (gpa - fake_env.ram_gpa))
		return -EFAULT;
	if (src)
		memcpy(fake_env.ram + (gpa - fake_env.ram_gpa), src, len);
	else
		memset(fake_env.ram + (gpa - fake_env.ram_gpa), 0, len);
	fake_env.guest_writes++;
	return 0;
}

static void record_ipi(struct vcpu *target, bool sipi, u8 vector)
{
	assert_true(fake_env.ipi_count < FAKE_IPI_LOG_MAX);
	fake_env.ipis[fake_env.ipi_count++] =
		(struct fake_ipi){.target = target, .sipi = sipi, .vector = vector};
}

void vcpu_send_init(struct vcpu *target)
{
	record_ipi(target, false, 0);
}

void vcpu_send_sipi(struct vcpu *target, u8 vector)
{
	record_ipi(target, true, vector);
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (fake_env.kick_count < FAKE_KICK_LOG_MAX)
		fake_env.kicked[fake_env.kick_count] = vcpu;
	fake_env.kick_count++;
	if (!vcpu->arch.event_check)
		fake_env.unannounced_kicks++;
	vcpu->arch.event_check = false;
}

size_t fake_kicks_of(const struct vcpu *vcpu)
{
	size_t n = 0;

	for (size_t i = 0; i < fake_env.kick_count && i < FAKE_KICK_LOG_MAX; i++)
		n += fake_env.kicked[i] == vcpu;
	return n;
}

struct vcpu *vcpu_on_pcpu(u32 pcpu)
{
	return pcpu < CONFIG_MAX_PCPUS ? fake_env.on_pcpu[pcpu] : NULL;
}

u32 arch_cpu_id(void)
{
	return fake_env.cpu_id;
}

/* --- The VM's interrupt wiring (guest/vplatform.c). --- */

void vm_broadcast_eoi(struct vm *vm, u8 vector)
{
	if (fake_env.eoi_count < FAKE_EOI_LOG_MAX)
		fake_env.eois[fake_env.eoi_count] = vector;
	fake_env.eoi_count++;
	fake_env.eoi_vm = vm;
}

bool vm_extint_pending(struct vm *vm)
{
	(void)vm;
	return fake_env.extint_pending;
}

int vm_extint_ack(struct vm *vm)
{
	(void)vm;
	fake_env.extint_acks++;
	if (!fake_env.extint_pending)
		return -1;
	fake_env.extint_pending = false;
	return fake_env.extint_vector;
}
