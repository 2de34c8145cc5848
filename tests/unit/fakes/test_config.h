/* SPDX-License-Identifier: BSD-3-Clause */
/* Kconfig values the host unit tests are built with (the real build uses autoconf.h). */
#define CONFIG_MAX_PCPUS	8
#define CONFIG_MAX_VMS		4
#define CONFIG_MAX_VCPUS_PER_VM 4
#define CONFIG_CONSOLE_LOGLEVEL 3
#define CONFIG_MEM_LOGLEVEL	5
#define CONFIG_LOG_RING_SIZE	16384
#define CONFIG_HEAP_SIZE	1048576
#define CONFIG_SERIAL_PIO_BASE	0x3f8
#define CONFIG_SERIAL_BAUD	115200
