# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vuart
# The real I/O bus dispatches to the vUART; the concurrency test runs two threads.
vuart_SRCS := tests/unit/test_vuart.c hypervisor/dm/vuart.c hypervisor/dm/irq_line.c hypervisor/core/io_bus.c
vuart_CFLAGS := -pthread
