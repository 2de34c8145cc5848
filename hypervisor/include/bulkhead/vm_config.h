/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static VM configuration. The tables come from the scenario through the configuration
 * generator (config_tools/), or from hypervisor/config/builtin/ when no scenario is
 * given. Everything else reads them through these accessors.
 */
#ifndef BULKHEAD_VM_CONFIG_H
#define BULKHEAD_VM_CONFIG_H

#include <bulkhead/types.h>

enum vm_load_order {
	VM_PRE_LAUNCHED,
	VM_SERVICE,
	VM_POST_LAUNCHED,
};

struct vm_config {
	const char *name;
	enum vm_load_order load_order;
	u64 pcpu_bitmap; /* physical CPUs the VM's vCPUs run on */
};

/* Defined by the configuration tables; read them only through the accessors below. */
extern const char vm_config_origin[]; /* what the tables were generated from */
extern const struct vm_config vm_configs[];
extern const size_t vm_configs_count;

size_t vm_config_count(void);
/* NULL when id is out of range. */
const struct vm_config *vm_config(size_t id);

#endif
