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

size_t shmem_config_count(void)
{
	return shmem_configs_count;
}

const struct shmem_config *shmem_config(size_t id)
{
	return id < shmem_configs_count ? &shmem_configs[id] : NULL;
}

const struct board_config *board_info(void)
{
	return &board_config;
}
