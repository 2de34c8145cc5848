UNIT_TESTS += fakes
fakes_SRCS := tests/unit/test_fakes.c
