# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += ptirq
# Passed-through INTx lines; the I/O APIC and the VM's vIOAPIC are fakes in the test.
ptirq_SRCS := tests/unit/test_ptirq.c hypervisor/core/ptirq.c
ptirq_CFLAGS := -Wno-unused-parameter
