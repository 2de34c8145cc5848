# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += ept
ept_SRCS := tests/unit/test_ept.c hypervisor/arch/x86/vmx/ept.c hypervisor/mm/page_alloc.c
