# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vmsr
# Guest MSR emulation with the real vLAPIC behind the x2APIC MSRs, IA32_TSC_DEADLINE and
# IA32_APIC_BASE (and the I/O bus it registers on, the fake clock its timer runs on); the
# vendor backend and the VM run time are fakes/fake_vm_env.c.
vmsr_SRCS := tests/unit/test_vmsr.c tests/unit/fakes/fake_vm_env.c tests/unit/fakes/fake_timer.c \
	hypervisor/arch/x86/guest/vmsr.c hypervisor/arch/x86/guest/vlapic.c hypervisor/arch/x86/guest/vlapic_timer.c hypervisor/arch/x86/guest/vlapic_ipi.c hypervisor/core/io_bus.c
