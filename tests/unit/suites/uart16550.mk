UNIT_TESTS += uart16550
uart16550_SRCS := tests/unit/test_uart16550.c hypervisor/drivers/uart16550.c \
	hypervisor/drivers/console.c
# console.c only drives the UART when the serial console is configured.
uart16550_CFLAGS := -DCONFIG_SERIAL_CONSOLE=1
