UNIT_TESTS += string
string_SRCS := tests/unit/test_string.c hypervisor/lib/string.c
string_CFLAGS := -include $(ROOT)/tests/unit/string_rename.h
