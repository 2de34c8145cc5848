UNIT_TESTS += cmdline
cmdline_SRCS := tests/unit/test_cmdline.c hypervisor/core/cmdline.c
