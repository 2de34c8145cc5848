# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += guest_loader
guest_loader_SRCS := tests/unit/test_guest_loader.c hypervisor/core/guest_loader.c \
	hypervisor/arch/x86/guest/bzimage.c
