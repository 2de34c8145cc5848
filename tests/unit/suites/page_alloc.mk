UNIT_TESTS += page_alloc
page_alloc_SRCS := tests/unit/test_page_alloc.c hypervisor/mm/page_alloc.c
