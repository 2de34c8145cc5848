// SPDX-License-Identifier: BSD-3-Clause
/* Fake hardware: port I/O, MSRs, CPUID and TSC for host unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include "fake_hw.h"

struct fake_pio_access fake_pio_log[FAKE_PIO_LOG_MAX];
size_t fake_pio_log_count;
size_t fake_pio_total;
struct fake_pio_access fake_pio_last;

#define FAKE_TABLE_MAX 256

static struct {
	u16 port;
	u32 value;
} pio_reads[FAKE_TABLE_MAX];
static size_t pio_read_count;

/* Scripted read sequences: one FIFO per port, consumed before pio_reads[]. */
static struct {
	u16 port;
	size_t head, tail;
	u32 values[FAKE_PIO_QUEUE_MAX];
} pio_queues[8];
static size_t pio_queue_count;

static struct {
	u32 msr;
	u64 value;
} msrs[FAKE_TABLE_MAX];
static size_t msr_count;

static struct {
	u32 leaf, subleaf, regs[4];
} cpuids[FAKE_TABLE_MAX];
static size_t cpuid_count_used;

static u64 tsc_value, tsc_step;
u64 fake_cr3;
size_t fake_tlb_flushes;

void fake_hw_reset(void)
{
	fake_pio_log_count = 0;
	fake_pio_total = 0;
	fake_pio_last = (struct fake_pio_access){0};
	pio_read_count = 0;
	pio_queue_count = 0;
	msr_count = 0;
	cpuid_count_used = 0;
	tsc_value = 0;
	tsc_step = 0;
	fake_cr3 = 0;
	fake_tlb_flushes = 0;
}

u64 read_cr0(void)
{
	return 0x80010011; /* PG, WP, ET, PE */
}

u64 read_cr2(void)
{
	return 0;
}

u64 read_cr3(void)
{
	return fake_cr3;
}

u64 read_cr4(void)
{
	return 0x20; /* PAE */
}

void write_cr3(u64 v)
{
	fake_cr3 = v;
}

void flush_tlb_page(u64 addr)
{
	(void)addr;
	fake_tlb_flushes++;
}

static void log_access(u16 port, u8 size, bool write, u32 value)
{
	fake_pio_total++;
	fake_pio_last = (struct fake_pio_access){
		.port = port, .size = size, .write = write, .value = value};
	if (fake_pio_log_count < FAKE_PIO_LOG_MAX)
		fake_pio_log[fake_pio_log_count++] = (struct fake_pio_access){
			.port = port, .size = size, .write = write, .value = value};
}

void fake_pio_set_read(u16 port, u32 value)
{
	for (size_t i = 0; i < pio_read_count; i++) {
		if (pio_reads[i].port == port) {
			pio_reads[i].value = value;
			return;
		}
	}
	if (pio_read_count < FAKE_TABLE_MAX) {
		pio_reads[pio_read_count].port = port;
		pio_reads[pio_read_count++].value = value;
	}
}

void fake_pio_queue_reads(u16 port, const u32 *values, size_t n)
{
	size_t q;

	for (q = 0; q < pio_queue_count; q++)
		if (pio_queues[q].port == port)
			break;
	if (q == pio_queue_count) {
		if (pio_queue_count == sizeof(pio_queues) / sizeof(pio_queues[0])) {
			fprintf(stderr, "fake_pio_queue_reads: too many ports\n");
			abort();
		}
		pio_queues[q].port = port;
		pio_queues[q].head = 0;
		pio_queues[q].tail = 0;
		pio_queue_count++;
	}
	if (n > FAKE_PIO_QUEUE_MAX - pio_queues[q].tail) {
		fprintf(stderr, "fake_pio_queue_reads: more than %d queued reads\n",
			FAKE_PIO_QUEUE_MAX);
		abort();
	}
	for (size_t i = 0; i < n; i++)
		pio_queues[q].values[pio_queues[q].tail++] = values[i];
}

static u32 pio_value(u16 port)
{
	for (size_t q = 0; q < pio_queue_count; q++)
		if (pio_queues[q].port == port && pio_queues[q].head < pio_queues[q].tail)
			return pio_queues[q].values[pio_queues[q].head++];
	for (size_t i = 0; i < pio_read_count; i++)
		if (pio_reads[i].port == port)
			return pio_reads[i].value;
	return 0;
}

void pio_write8(u16 port, u8 v)
{
	log_access(port, 1, true, v);
}

void pio_write16(u16 port, u16 v)
{
	log_access(port, 2, true, v);
}

void pio_write32(u16 port, u32 v)
{
	log_access(port, 4, true, v);
}

u8 pio_read8(u16 port)
{
	u32 v = pio_value(port) & 0xff;

	log_access(port, 1, false, v);
	return (u8)v;
}

u16 pio_read16(u16 port)
{
	u32 v = pio_value(port) & 0xffff;

	log_access(port, 2, false, v);
	return (u16)v;
}

u32 pio_read32(u16 port)
{
	u32 v = pio_value(port);

	log_access(port, 4, false, v);
	return v;
}

void fake_msr_set(u32 msr, u64 value)
{
	for (size_t i = 0; i < msr_count; i++) {
		if (msrs[i].msr == msr) {
			msrs[i].value = value;
			return;
		}
	}
	if (msr_count < FAKE_TABLE_MAX) {
		msrs[msr_count].msr = msr;
		msrs[msr_count++].value = value;
	}
}

u64 msr_read(u32 msr)
{
	for (size_t i = 0; i < msr_count; i++)
		if (msrs[i].msr == msr)
			return msrs[i].value;
	return 0;
}

void msr_write(u32 msr, u64 v)
{
	fake_msr_set(msr, v);
}

void fake_cpuid_set(u32 leaf, u32 subleaf, u32 eax, u32 ebx, u32 ecx, u32 edx)
{
	size_t i;

	/* Setting a leaf again replaces its values. */
	for (i = 0; i < cpuid_count_used; i++)
		if (cpuids[i].leaf == leaf && cpuids[i].subleaf == subleaf)
			break;
	if (i == FAKE_TABLE_MAX)
		return;
	if (i == cpuid_count_used)
		cpuid_count_used++;
	cpuids[i].leaf = leaf;
	cpuids[i].subleaf = subleaf;
	cpuids[i].regs[0] = eax;
	cpuids[i].regs[1] = ebx;
	cpuids[i].regs[2] = ecx;
	cpuids[i].regs[3] = edx;
}

void cpuid_count(u32 leaf, u32 subleaf, u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	*eax = *ebx = *ecx = *edx = 0;
	for (size_t i = 0; i < cpuid_count_used; i++) {
		if (cpuids[i].leaf == leaf && cpuids[i].subleaf == subleaf) {
			*eax = cpuids[i].regs[0];
			*ebx = cpuids[i].regs[1];
			*ecx = cpuids[i].regs[2];
			*edx = cpuids[i].regs[3];
			return;
		}
	}
}

void fake_tsc_set(u64 value, u64 step_per_read)
{
	tsc_value = value;
	tsc_step = step_per_read;
}

u64 rdtsc(void)
{
	u64 v = tsc_value;

	tsc_value += tsc_step;
	return v;
}
