# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += guest_walk
guest_walk_SRCS := tests/unit/test_guest_walk.c hypervisor/arch/x86/guest/guest_walk.c
