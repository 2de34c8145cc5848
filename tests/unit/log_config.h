/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Included after fakes/test_config.h for the log suite: a ring level above the console
 * level, as in the default configuration, so both filters can be seen working.
 */
#undef CONFIG_MEM_LOGLEVEL
#define CONFIG_MEM_LOGLEVEL 4
