# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vlapic_irq
# The virtual LAPIC's interrupts: IPIs, destinations, IRR/ISR/TMR, PPR, EOI, NMI, ExtINT
# (see suites/vlapic.mk for the fakes).
vlapic_irq_SRCS := tests/unit/test_vlapic_irq.c tests/unit/vlapic_harness.c \
	tests/unit/fakes/fake_vm_env.c tests/unit/fakes/fake_timer.c \
	hypervisor/arch/x86/guest/vlapic.c hypervisor/arch/x86/guest/vlapic_timer.c hypervisor/arch/x86/guest/vlapic_ipi.c hypervisor/core/io_bus.c
