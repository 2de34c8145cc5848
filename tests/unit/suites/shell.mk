# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += shell
# The shell and its commands with the real log ring and parse_u64 (lib/string.c under bh_
# names); the VMs, the architecture, the console and the raw log output are the fakes in
# fakes/fake_shell_env.c. Commands share one signature and ignore what they do not need,
# as the hypervisor build allows (-Wno-unused-parameter).
shell_SRCS := tests/unit/test_shell.c tests/unit/fakes/fake_shell_env.c hypervisor/core/shell.c \
	hypervisor/core/shell_cmds.c hypervisor/lib/log_ring.c hypervisor/lib/string.c
shell_CFLAGS := -include $(ROOT)/tests/unit/string_rename.h -Wno-unused-parameter
