UNIT_TESTS += log
# The real log front end and ring replace fakes/fake_log.c; the test provides
# arch_time_ns(), arch_cpu_id() and console_write().
log_SRCS := tests/unit/test_log.c hypervisor/core/log.c hypervisor/lib/log_ring.c
log_CFLAGS := -include $(ROOT)/tests/unit/log_config.h
log_NO_FAKE_LOG := 1
