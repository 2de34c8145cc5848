# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vpci
# The VM's PCI bus on the real port bus and reset-control decoder; the physical
# configuration space, the VM's guest-physical space and port forwarding are fakes in the
# test, vm_warn() and vm_guest_reset() in fakes/fake_vm_env.c.
vpci_SRCS := tests/unit/test_vpci.c tests/unit/fakes/fake_vm_env.c hypervisor/dm/vpci.c \
	hypervisor/dm/vreset.c hypervisor/core/io_bus.c
vpci_CFLAGS := -Wno-unused-parameter
