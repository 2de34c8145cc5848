# The string tests again, against the rep movsb/stosb path the hypervisor is built with.
UNIT_TESTS += string_asm
string_asm_SRCS := tests/unit/test_string.c hypervisor/lib/string.c
string_asm_CFLAGS := -include $(ROOT)/tests/unit/string_rename.h -DBULKHEAD_STRING_ASM
