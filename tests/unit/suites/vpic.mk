# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vpic
# The real port bus dispatches to the vPIC; the concurrency test runs two threads.
vpic_SRCS := tests/unit/test_vpic.c hypervisor/dm/vpic.c hypervisor/dm/irq_line.c hypervisor/core/io_bus.c
vpic_CFLAGS := -pthread
