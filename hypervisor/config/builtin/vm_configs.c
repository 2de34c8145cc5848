// SPDX-License-Identifier: BSD-3-Clause
/*
 * The built-in configuration, used when the build names no board and scenario: the
 * hypervisor boots and reports, with no VMs, on whatever board it finds. Generated
 * tables take this file's place and define the same symbols.
 */
#include <bulkhead/vm_config.h>

const char vm_config_origin[] = "built-in (no VMs)";
const struct vm_config vm_configs[1];
const size_t vm_configs_count = 0;
const struct shmem_config shmem_configs[1];
const size_t shmem_configs_count = 0;
const struct board_config board_config = {
	.name = "any",
	.cpu_count = 0,
};
