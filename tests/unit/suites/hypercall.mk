# SPDX-License-Identifier: BSD-3-Clause
UNIT_TESTS += hypercall
# The hypercall table; vm_write_guest() and vm_warn() are fakes/fake_vm_env.c. Handlers
# share one signature and ignore what they do not need, as the hypervisor build allows
# (-Wno-unused-parameter).
hypercall_SRCS := tests/unit/test_hypercall.c tests/unit/fakes/fake_vm_env.c hypervisor/core/hypercall.c
hypercall_CFLAGS := -Wno-unused-parameter
