# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += cmos_rtc
# Port reads are scripted through fakes/fake_hw.c. The calendar helpers live in dm/vrtc.c,
# which brings the port bus and the timer interface along (unused here).
cmos_rtc_SRCS := tests/unit/test_cmos_rtc.c hypervisor/drivers/cmos_rtc.c hypervisor/dm/vrtc.c hypervisor/dm/irq_line.c \
	hypervisor/core/io_bus.c tests/unit/fakes/fake_timer.c
