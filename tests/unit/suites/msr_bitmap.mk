UNIT_TESTS += msr_bitmap
msr_bitmap_SRCS := tests/unit/test_msr_bitmap.c hypervisor/arch/x86/vmx/msr_bitmap.c
