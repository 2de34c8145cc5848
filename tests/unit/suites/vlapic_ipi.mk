# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vlapic_ipi
# The virtual LAPIC's IPIs and interrupt messages: where they go (see suites/vlapic.mk for
# the fakes).
vlapic_ipi_SRCS := tests/unit/test_vlapic_ipi.c tests/unit/vlapic_harness.c \
	tests/unit/fakes/fake_vm_env.c tests/unit/fakes/fake_timer.c \
	hypervisor/arch/x86/guest/vlapic.c hypervisor/arch/x86/guest/vlapic_timer.c hypervisor/arch/x86/guest/vlapic_ipi.c hypervisor/core/io_bus.c
