# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vlapic
# The virtual LAPIC's registers and modes, with the real MMIO bus. One of four vLAPIC
# suites (vlapic_ipi, vlapic_irq, vlapic_timer) that share one VM and its helpers,
# vlapic_harness.c. The IPIs it sends, the kicks, the EOI broadcast, the 8259, the CPU it
# runs on and vm_warn() are fakes/fake_vm_env.c; its timer runs on the fake clock of
# fakes/fake_timer.c.
vlapic_SRCS := tests/unit/test_vlapic.c tests/unit/vlapic_harness.c \
	tests/unit/fakes/fake_vm_env.c tests/unit/fakes/fake_timer.c \
	hypervisor/arch/x86/guest/vlapic.c hypervisor/arch/x86/guest/vlapic_timer.c hypervisor/arch/x86/guest/vlapic_ipi.c hypervisor/core/io_bus.c
