// SPDX-License-Identifier: BSD-3-Clause
/*
 * Port I/O and guest-physical accesses that exit. Both are looked up on the VM's buses
 * (bulkhead/io_bus.h), where every emulated device registered its ranges: no device is
 * known here. What nobody claims behaves like a bus with nothing behind it (reads all
 * ones, writes dropped) for ports; for guest-physical addresses outside the VM's memory
 * the VM's policy decides (vm_guest_bad_access).
 */
#include <bulkhead/errno.h>
#include <bulkhead/io_bus.h>
#include <bulkhead/log.h>
#include <bulkhead/vm.h>
#include <asm/vmcs.h>
#include <asm/vmx.h>
#include <asm/vmx_internal.h>

/* Exit qualification for I/O instructions (SDM Vol 3C table 28-5). */
#define IOQ_SIZE(q) (((q)&7) + 1)
#define IOQ_IN	    (1U << 3)
#define IOQ_STRING  (1U << 4)
#define IOQ_REP	    (1U << 5)
#define IOQ_PORT(q) (((q) >> 16) & 0xffff)

static u64 size_mask(u32 size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

int vmexit_io(struct vcpu *vcpu)
{
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	u64 *rax = &vcpu->arch.gpr[GPR_RAX];
	struct io_request req = {
		.addr = IOQ_PORT(q),
		.size = IOQ_SIZE(q),
		.write = !(q & IOQ_IN),
	};
	u64 mask = size_mask(req.size);
	int err;

	if (q & IOQ_STRING)
		return vmx_emulate_string_io(vcpu, (u16)req.addr, req.size, !req.write,
					     q & IOQ_REP);
	if (req.write)
		req.value = *rax & mask;
	err = io_bus_dispatch(&vcpu->vm->pio, &req);
	if (err && err != -ENOENT)
		vm_warn(vcpu->vm, "port 0x%llx %s failed (%d)", (unsigned long long)req.addr,
			req.write ? "write" : "read", err);
	if (!req.write) {
		if (err)
			req.value = ~0ULL; /* nothing answered: the bus floats high */
		/* IN to EAX zero-extends into RAX; AL and AX leave the rest (SDM Vol 1 3.4.1.1). */
		if (req.size == 4)
			*rax = (u32)req.value;
		else
			*rax = (*rax & ~mask) | (req.value & mask);
	}
	vmx_skip_instruction(vcpu);
	/* A reset port (0xcf9, 0x64) may have asked this vCPU to leave the guest. */
	return vcpu->requests ? -EINTR : 0;
}

/* Exit qualification for EPT violations (SDM Vol 3C table 28-7). */
#define EPTQ_READ  (1U << 0)
#define EPTQ_WRITE (1U << 1)
#define EPTQ_FETCH (1U << 2)

int vmexit_ept_violation(struct vcpu *vcpu)
{
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	u64 gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	const char *access = (q & EPTQ_FETCH) ? "fetch" : (q & EPTQ_WRITE) ? "write" : "read";

	/* Code is never fetched from a device. */
	if (!(q & EPTQ_FETCH) && io_bus_find(&vcpu->vm->mmio, gpa, 1))
		return vmx_emulate_mmio(vcpu, gpa, q & EPTQ_WRITE);
	return vm_guest_bad_access(vcpu, gpa, access);
}

int vmexit_ept_misconfig(struct vcpu *vcpu)
{
	/* The hypervisor built every entry: a misconfiguration is its own bug. */
	vm_guest_fatal(vcpu, "EPT misconfiguration at guest-physical 0x%llx",
		       (unsigned long long)vmcs_read(VMCS_GUEST_PHYS_ADDR));
	return -EIO;
}
