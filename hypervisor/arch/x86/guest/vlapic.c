// SPDX-License-Identifier: BSD-3-Clause
/*
 * Virtual local APIC registers (SDM Vol 3A chapter 11): see asm/vlapic.h for what is
 * emulated so far. Register offsets are the xAPIC ones; an x2APIC MSR is 0x800 plus the
 * offset divided by 16 (11.12.1.2), and the 64-bit x2APIC ICR is one MSR (0x830).
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/vm.h>
#include <asm/apic.h>
#include <asm/msr-index.h>
#include <asm/vlapic.h>

/* Version 0x14 (integrated APIC), 6 LVT entries (max LVT index 5 in 23:16). */
#define APIC_VERSION_VALUE 0x00050014U

/* ICR fields (11.6.1). */
#define ICR_VECTOR(v)	  ((u8)(v))
#define ICR_MODE(v)	  (((v) >> 8) & 7)
#define ICR_LOGICAL	  (1ULL << 11)
#define ICR_LEVEL_ASSERT  (1ULL << 14)
#define ICR_TRIGGER_LEVEL (1ULL << 15)
#define ICR_SHORTHAND(v)  (((v) >> 18) & 3)
enum { MODE_FIXED = 0, MODE_INIT = 5, MODE_STARTUP = 6 };
enum { DEST_FIELD, DEST_SELF, DEST_ALL, DEST_OTHERS };

static bool x2apic_mode(const struct vcpu *vcpu)
{
	return (vcpu->arch.apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
}

/* x2APIC logical IDs: cluster (ID[19:4]) in 31:16, one bit for ID[3:0] (11.12.10.2). */
static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xf));
}

static bool ipi_targets(const struct vcpu *from, const struct vcpu *to, u64 icr, bool x2apic)
{
	u32 dest = x2apic ? (u32)(icr >> 32) : (u32)(icr >> 56);

	switch (ICR_SHORTHAND(icr)) {
	case DEST_SELF:
		return to == from;
	case DEST_ALL:
		return true;
	case DEST_OTHERS:
		return to != from;
	default:
		break;
	}
	if (x2apic && dest == 0xffffffffU)
		return true;
	if (!x2apic && dest == 0xff)
		return true;
	if (!(icr & ICR_LOGICAL))
		return dest == to->id;
	if (x2apic)
		return (dest >> 16) == (x2apic_ldr(to->id) >> 16) &&
		       (dest & x2apic_ldr(to->id) & 0xffff);
	/* xAPIC flat model: the LDR is 1 << vCPU id (set up so by the guest or not at all). */
	return to->id < 8 && (dest & (1U << to->id));
}

static void send_ipi(struct vcpu *from, u64 icr, bool x2apic)
{
	struct vm *vm = from->vm;
	u32 mode = ICR_MODE(icr);

	if (mode != MODE_INIT && mode != MODE_STARTUP) {
		vm_warn(vm, "IPI delivery mode %u is not emulated yet (ICR 0x%llx)", mode,
			(unsigned long long)icr);
		return;
	}
	/* Self is valid with fixed delivery only (SDM 11.6.1): an invalid ICR, ignored. */
	if (ICR_SHORTHAND(icr) == DEST_SELF) {
		vm_warn(vm, "INIT/start-up IPI to self ignored (ICR 0x%llx)",
			(unsigned long long)icr);
		return;
	}
	/* INIT level de-assert (level 0, level-triggered) does nothing on modern CPUs. */
	if (mode == MODE_INIT && (icr & ICR_TRIGGER_LEVEL) && !(icr & ICR_LEVEL_ASSERT))
		return;
	for (u32 i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *to = &vm->vcpus[i];

		if (!ipi_targets(from, to, icr, x2apic))
			continue;
		if (mode == MODE_INIT)
			vcpu_send_init(to);
		else
			vcpu_send_sipi(to, ICR_VECTOR(icr));
	}
}

/* A register read by xAPIC offset; -ENOENT for offsets that are not registers. */
static int read_reg(struct vcpu *vcpu, u32 offset, bool x2apic, u64 *value)
{
	switch (offset) {
	case APIC_ID:
		*value = x2apic ? vcpu->id : (u64)vcpu->id << 24;
		return 0;
	case APIC_VERSION:
		*value = APIC_VERSION_VALUE;
		return 0;
	case APIC_LDR:
		*value = x2apic ? x2apic_ldr(vcpu->id) : 0;
		return 0;
	case APIC_SVR:
		*value = vcpu->arch.lapic_svr;
		return 0;
	case APIC_ICR_LOW:
		*value = x2apic ? vcpu->arch.lapic_icr : (u32)vcpu->arch.lapic_icr;
		return 0;
	case APIC_ICR_HIGH:
		*value = vcpu->arch.lapic_icr >> 32;
		return x2apic ? -ENOENT : 0;
	case APIC_TPR:
	case APIC_ESR:
		*value = 0;
		return 0;
	default:
		/* Other registers exist but are not emulated yet: read as 0. */
		*value = 0;
		return offset < 0x400 ? 0 : -ENOENT;
	}
}

static int write_reg(struct vcpu *vcpu, u32 offset, bool x2apic, u64 value)
{
	switch (offset) {
	case APIC_SVR:
		vcpu->arch.lapic_svr = (u32)value & 0x11ff;
		return 0;
	case APIC_ICR_LOW:
		if (x2apic) {
			vcpu->arch.lapic_icr = value;
		} else {
			vcpu->arch.lapic_icr = (vcpu->arch.lapic_icr & ~0xffffffffULL) | (u32)value;
		}
		send_ipi(vcpu, vcpu->arch.lapic_icr, x2apic);
		return 0;
	case APIC_ICR_HIGH:
		if (x2apic)
			return -ENOENT;
		vcpu->arch.lapic_icr = ((u64)(u32)value << 32) | (u32)vcpu->arch.lapic_icr;
		return 0;
	case APIC_ID:
	case APIC_VERSION:
	case APIC_LDR:
		return x2apic ? -ENOENT : 0; /* read-only in x2APIC mode: #GP */
	default:
		return offset < 0x400 ? 0 : -ENOENT;
	}
}

/*
 * The x2APIC MSRs that exist, by MSR - 0x800 (SDM Vol 3A table 11-6): anything else, a
 * read of a write-only register (EOI, SELF IPI) or a write of a read-only one (ID,
 * version, PPR, LDR, ISR, TMR, IRR, current count) is #GP.
 */
#define X2(n) (1ULL << (n))
static const u64 x2apic_readable = X2(0x02) | X2(0x03) | X2(0x08) | X2(0x0a) | X2(0x0d) | X2(0x0f) |
				   (0xffffffULL << 0x10) /* ISR, TMR, IRR */ | X2(0x28) | X2(0x2f) |
				   X2(0x30) | (0x7fULL << 0x32) | X2(0x39) | X2(0x3e);
static const u64 x2apic_writable = X2(0x08) | X2(0x0b) | X2(0x0f) | X2(0x28) | X2(0x2f) | X2(0x30) |
				   (0x7fULL << 0x32) | X2(0x3e) | X2(0x3f);

static bool x2apic_msr_ok(u32 msr, bool write)
{
	u32 n = msr - X2APIC_MSR_FIRST;

	return n < 64 && ((write ? x2apic_writable : x2apic_readable) >> n) & 1;
}

int vlapic_msr_read(struct vcpu *vcpu, u32 msr, u64 *value)
{
	if (!x2apic_mode(vcpu) || !x2apic_msr_ok(msr, false))
		return -EFAULT;
	return read_reg(vcpu, (msr - X2APIC_MSR_FIRST) << 4, true, value) ? -EFAULT : 0;
}

int vlapic_msr_write(struct vcpu *vcpu, u32 msr, u64 value)
{
	if (!x2apic_mode(vcpu) || !x2apic_msr_ok(msr, true))
		return -EFAULT;
	return write_reg(vcpu, (msr - X2APIC_MSR_FIRST) << 4, true, value) ? -EFAULT : 0;
}

void vlapic_reset(struct vcpu *vcpu)
{
	vcpu->arch.lapic_svr = 0xff; /* software disabled, vector 0xff (11.9) */
	vcpu->arch.lapic_icr = 0;
}

/* xAPIC page: 32-bit accesses to 16-byte aligned registers (11.4.1). */
static int xapic_access(void *device, struct io_request *req)
{
	struct vcpu *vcpu = vcpu_on_pcpu(arch_cpu_id());
	u32 offset = (u32)(req->addr - VLAPIC_BASE);
	u64 value = 0;

	if (!vcpu || vcpu->vm != device || x2apic_mode(vcpu) ||
	    !(vcpu->arch.apic_base & APIC_BASE_EN))
		goto ignore;
	if (req->size != 4 || (offset & 0xf))
		goto ignore;
	if (req->write)
		write_reg(vcpu, offset, false, req->value);
	else
		req->value = read_reg(vcpu, offset, false, &value) ? 0 : (u32)value;
	return 0;
ignore:
	if (!req->write)
		req->value = 0;
	return 0;
}

int vlapic_attach(struct vm *vm)
{
	return io_bus_register(&vm->mmio, VLAPIC_BASE, 0x1000, xapic_access, vm, "local APIC");
}
