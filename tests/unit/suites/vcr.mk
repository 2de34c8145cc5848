UNIT_TESTS += vcr
vcr_SRCS := tests/unit/test_vcr.c hypervisor/arch/x86/guest/vcr.c
