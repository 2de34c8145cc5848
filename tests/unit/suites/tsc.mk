UNIT_TESTS += tsc
# cpu_max_leaf() and cpu_has_invariant_tsc() are test doubles in test_tsc.c.
tsc_SRCS := tests/unit/test_tsc.c hypervisor/arch/x86/tsc.c
