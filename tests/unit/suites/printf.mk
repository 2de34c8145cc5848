UNIT_TESTS += printf
printf_SRCS := tests/unit/test_printf.c hypervisor/lib/printf.c
printf_CFLAGS := -include $(ROOT)/tests/unit/printf_rename.h
