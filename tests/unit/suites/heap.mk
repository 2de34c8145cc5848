UNIT_TESTS += heap
heap_SRCS := tests/unit/test_heap.c hypervisor/mm/heap.c
