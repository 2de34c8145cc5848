# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vreset
# The reset ports on the real port bus; vm_guest_reset() is fakes/fake_vm_env.c.
vreset_SRCS := tests/unit/test_vreset.c tests/unit/fakes/fake_vm_env.c hypervisor/dm/vreset.c \
	hypervisor/core/io_bus.c
