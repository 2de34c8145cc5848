# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vlapic
# The virtual LAPIC with the real MMIO bus; the IPIs it sends, the CPU it runs on and
# vm_warn() are fakes/fake_vm_env.c.
vlapic_SRCS := tests/unit/test_vlapic.c tests/unit/fakes/fake_vm_env.c \
	hypervisor/arch/x86/guest/vlapic.c hypervisor/core/io_bus.c
