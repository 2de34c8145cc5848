# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vpit
# The real port bus dispatches to the vPIT; time and timers are fakes/fake_timer.c.
vpit_SRCS := tests/unit/test_vpit.c hypervisor/dm/vpit.c hypervisor/core/io_bus.c \
	tests/unit/fakes/fake_timer.c
