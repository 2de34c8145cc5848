UNIT_TESTS += log_ring
log_ring_SRCS := tests/unit/test_log_ring.c hypervisor/lib/log_ring.c
