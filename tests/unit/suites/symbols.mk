UNIT_TESTS += symbols
# The symbol table, __text_start/__text_end and arch_on_cpu_stack() are defined by the test.
symbols_SRCS := tests/unit/test_symbols.c hypervisor/core/symbols.c
