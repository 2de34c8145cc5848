// SPDX-License-Identifier: BSD-3-Clause
#include <bulkhead/vm_config.h>

size_t vm_config_count(void)
{
	return vm_configs_count;
}

const struct vm_config *vm_config(size_t id)
{
	return id < vm_configs_count ? &vm_configs[id] : NULL;
}
