# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += multiboot_loader
multiboot_loader_SRCS := tests/unit/test_multiboot_loader.c hypervisor/core/multiboot_loader.c \
	hypervisor/core/guest_loader.c
