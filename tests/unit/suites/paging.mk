UNIT_TESTS += paging
paging_SRCS := tests/unit/test_paging.c hypervisor/arch/x86/paging.c hypervisor/mm/memmap.c \
	hypervisor/mm/page_alloc.c
# The image layout symbols come from the linker script in the real build; here they are
# absolute addresses, which needs a non-PIE executable.
paging_CFLAGS := -no-pie -fno-pie -Wl,--defsym,__hv_start=0x1000000 \
	-Wl,--defsym,__text_end=0x100b000 -Wl,--defsym,__rodata_end=0x100d000 \
	-Wl,--defsym,__bss_end=0x1060000 -Wl,--defsym,__hv_end=0x1064000
