/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical layout rules shared by the linker script, the configuration check and the
 * scenario validator (config_tools/bulkhead_config/validate.py, HV_RESERVE_SIZE).
 */
#ifndef BULKHEAD_LAYOUT_H
#define BULKHEAD_LAYOUT_H

/*
 * Bytes from CONFIG_HV_LOAD_ADDR that belong to the hypervisor image; VM memory must
 * stay outside. The linker script checks that the image fits.
 */
#define HV_RESERVED_SIZE 0x1000000

#endif
