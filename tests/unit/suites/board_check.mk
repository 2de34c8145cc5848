UNIT_TESTS += board_check
board_check_SRCS := tests/unit/test_board_check.c hypervisor/core/board_check.c
