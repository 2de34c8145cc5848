# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += vrtc
# The real port bus dispatches to the vRTC; time and timers are fakes/fake_timer.c.
vrtc_SRCS := tests/unit/test_vrtc.c hypervisor/dm/vrtc.c hypervisor/dm/irq_line.c hypervisor/core/io_bus.c \
	tests/unit/fakes/fake_timer.c
