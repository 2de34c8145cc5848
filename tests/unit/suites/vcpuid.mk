UNIT_TESTS += vcpuid
vcpuid_SRCS := tests/unit/test_vcpuid.c hypervisor/arch/x86/guest/vcpuid.c
