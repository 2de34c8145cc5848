# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vioapic
# The real MMIO bus dispatches to the vIOAPIC; the concurrency test runs two threads.
vioapic_SRCS := tests/unit/test_vioapic.c hypervisor/dm/vioapic.c hypervisor/core/io_bus.c
vioapic_CFLAGS := -pthread
