/* SPDX-License-Identifier: BSD-3-Clause */
/* What the boot flow (main.c) shares with the tests and the benchmark. */
#ifndef TESTGUEST_H
#define TESTGUEST_H

#include "arch.h"
#include "config.h"
#include "multiboot.h"

extern struct boot_info boot;
extern struct guest_config cfg;
/* FNV-1a of the VM name: every value the guest writes somewhere is derived from it. */
extern u64 name_hash;
/* The TSC as read by the first instructions at the entry point (head.S). */
extern u64 first_tsc;
extern const u8 __image_start[], __image_end[];

/*
 * One function per test of the tests= key (lapic and ipi: one per APIC mode); each prints
 * its own check lines.
 */
void test_cpuid(void);
void test_cr(void);
void test_msr(void);
void test_io(void);
void test_mem(void);
void test_xcr(void);
void test_hypercall(void);
void test_smp(void);
void test_link(void);
void test_acpi(void);
void test_pmtimer(void);
void test_lapic_xapic(void);
void test_lapic_x2apic(void);
void test_ipi_xapic(void);
void test_ipi_x2apic(void);
void test_ioapic(void);
void test_pic(void);
void test_rtc(void);
void test_sci(void);
void test_pci(void);
void test_selftest(void);

void bench_run(void);

/*
 * shutdown=s5, the last thing the guest does: prints "shutdown: requesting ...", writes
 * SLP_TYP | SLP_EN; returns only when the VM is still running (after a FAIL line).
 */
void shutdown_step(void);

#endif
