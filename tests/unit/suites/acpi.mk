UNIT_TESTS += acpi
acpi_SRCS := tests/unit/test_acpi.c tests/unit/test_acpi_tables.c tests/unit/test_acpi_fuzz.c \
	tests/unit/acpi_builder.c hypervisor/acpi/acpi.c hypervisor/acpi/madt.c \
	hypervisor/acpi/fadt.c hypervisor/acpi/mcfg.c hypervisor/acpi/dmar.c \
	hypervisor/acpi/summary.c
