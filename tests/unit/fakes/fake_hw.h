/* SPDX-License-Identifier: BSD-3-Clause */
/* Scripting and inspection of the fake hardware layer used by host unit tests. */
#ifndef FAKE_HW_H
#define FAKE_HW_H

#include <bulkhead/types.h>

#define FAKE_PIO_LOG_MAX 4096

struct fake_pio_access {
	u16 port;
	u8 size;
	bool write;
	u32 value;
};

/* Every port access since fake_hw_reset(), in order. */
extern struct fake_pio_access fake_pio_log[FAKE_PIO_LOG_MAX];
extern size_t fake_pio_log_count;
/* All port accesses since fake_hw_reset(), including those beyond the log, and the last. */
extern size_t fake_pio_total;
extern struct fake_pio_access fake_pio_last;

/* Value returned by port reads, per port (default 0). */
void fake_pio_set_read(u16 port, u32 value);
/*
 * Queues n values that the next n reads of port return, in order, before reads fall
 * back to the fake_pio_set_read() value. Calls append to the port's queue.
 */
#define FAKE_PIO_QUEUE_MAX 1024
void fake_pio_queue_reads(u16 port, const u32 *values, size_t n);
void fake_msr_set(u32 msr, u64 value);
void fake_cpuid_set(u32 leaf, u32 subleaf, u32 eax, u32 ebx, u32 ecx, u32 edx);
void fake_tsc_set(u64 value, u64 step_per_read);
void fake_hw_reset(void);

/* CR3 as last written, and how many single-page TLB flushes were requested. */
extern u64 fake_cr3;
extern size_t fake_tlb_flushes;

#endif
