UNIT_TESTS += io_bus
io_bus_SRCS := tests/unit/test_io_bus.c hypervisor/core/io_bus.c hypervisor/arch/x86/vmx/io_bitmap.c
