/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hypercalls: the ABI of Linux's ACRN guest support (arch/x86/include/asm/acrn.h):
 * VMCALL from CPL 0 with the call id in R8 and up to two parameters in RDI and RSI; the
 * result comes back in RAX, negative for errors (errno values). Ids are
 * (0x80 << 24) | number, as drivers/virt/acrn/hypercall.h defines them.
 */
#ifndef BULKHEAD_HYPERCALL_H
#define BULKHEAD_HYPERCALL_H

#include <bulkhead/types.h>

struct vcpu;

#define HC_ID(n)	   ((0x80ULL << 24) | (n))
#define HC_GET_API_VERSION HC_ID(0x00)

/* Bulkhead's API version as HC_GET_API_VERSION reports it. */
#define BULKHEAD_API_MAJOR 1
#define BULKHEAD_API_MINOR 0

/*
 * Runs hypercall id for the calling vCPU (already checked to be at CPL 0). Unknown ids
 * return -EINVAL, calls the VM may not make -EPERM, bad guest addresses -EFAULT; nothing
 * a guest passes can make the hypervisor fail.
 */
s64 hypercall_dispatch(struct vcpu *vcpu, u64 id, u64 param1, u64 param2);

#endif
