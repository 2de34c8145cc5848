# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vpm
# The real port bus dispatches to the vPM; time and timers are fakes/fake_timer.c.
vpm_SRCS := tests/unit/test_vpm.c hypervisor/dm/vpm.c hypervisor/dm/irq_line.c hypervisor/core/io_bus.c \
	tests/unit/fakes/fake_timer.c
