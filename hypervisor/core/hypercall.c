// SPDX-License-Identifier: BSD-3-Clause
/*
 * The hypercall table: each entry names the call, who may make it and its handler.
 * Permissions are checked here, before any handler runs; parameters are guest values
 * and every handler validates them (guest-physical addresses go through
 * vm_write_guest(), which refuses anything outside the VM's RAM).
 */
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/log.h>
#include <bulkhead/vm.h>

enum hc_permission {
	HC_ANY_VM,
	HC_SERVICE_VM_ONLY,
};

struct hypercall {
	u64 id;
	const char *name;
	enum hc_permission permission;
	s64 (*handler)(struct vcpu *vcpu, u64 param1, u64 param2);
};

/* param1: guest-physical address of struct { u32 major; u32 minor; }. */
static s64 hc_get_api_version(struct vcpu *vcpu, u64 gpa, u64 unused)
{
	u32 version[2] = {BULKHEAD_API_MAJOR, BULKHEAD_API_MINOR};

	return vm_write_guest(vcpu->vm, gpa, version, sizeof(version)) ? -EFAULT : 0;
}

static const struct hypercall hypercalls[] = {
	{HC_GET_API_VERSION, "get API version", HC_SERVICE_VM_ONLY, hc_get_api_version},
};

s64 hypercall_dispatch(struct vcpu *vcpu, u64 id, u64 param1, u64 param2)
{
	const struct vm_config *c = vcpu->vm->config;

	for (size_t i = 0; i < ARRAY_SIZE(hypercalls); i++) {
		const struct hypercall *hc = &hypercalls[i];

		if (hc->id != id)
			continue;
		if (hc->permission == HC_SERVICE_VM_ONLY && c->load_order != VM_SERVICE) {
			vm_warn(vcpu->vm, "hypercall 0x%llx (%s) is for the Service VM only",
				(unsigned long long)id, hc->name);
			return -EPERM;
		}
		return hc->handler(vcpu, param1, param2);
	}
	vm_warn(vcpu->vm, "unknown hypercall 0x%llx", (unsigned long long)id);
	return -EINVAL;
}
