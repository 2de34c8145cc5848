UNIT_TESTS += multiboot2
multiboot2_SRCS := tests/unit/test_multiboot2.c hypervisor/boot/multiboot2.c
