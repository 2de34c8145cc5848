# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += boot_tables
boot_tables_SRCS := tests/unit/test_boot_tables.c hypervisor/core/guest_boot_tables.c \
	hypervisor/core/guest_loader.c
