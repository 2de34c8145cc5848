/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest's command line: space-separated key=value words (see tests/guests/README.md).
 * A first word without '=' is the image path some loaders put there (GRUB, QEMU) and
 * is skipped; anything else not understood becomes a warning line after the banner.
 */
#ifndef TESTGUEST_CONFIG_H
#define TESTGUEST_CONFIG_H

#include "arch.h"

#define NAME_MAX_LEN  32
#define DENY_MSRS_MAX 16
#define ISOLATION_MAX 16
#define WARNINGS_MAX  8
#define WARNING_LEN   96
#define LINK_PORT_MAX 0xfff8 /* the 8 registers must fit below 0x10000 */

enum test_id {
	TEST_CPUID,
	TEST_CR,
	TEST_MSR,
	TEST_IO,
	TEST_MEM,
	TEST_XCR,
	TEST_HYPERCALL,
	TEST_SMP,  /* in the default set only when vcpus > 1 */
	TEST_LINK, /* in the default set only with link= */
	/* The platform groups: never in the default set. */
	TEST_ACPI,
	TEST_PMTIMER,
	TEST_LAPIC,
	TEST_IPI,
	TEST_IOAPIC,
	TEST_PIC,
	TEST_RTC,
	TEST_SCI,
	TEST_PCI,
	TEST_SELFTEST, /* not in the default set: deliberately faults (exercises the dump path) */
	TEST_COUNT,
};

#define TESTS_DEFAULT                                                                    \
	(BIT(TEST_CPUID) | BIT(TEST_CR) | BIT(TEST_MSR) | BIT(TEST_IO) | BIT(TEST_MEM) | \
	 BIT(TEST_XCR) | BIT(TEST_HYPERCALL))

/* How the smp test sends INIT and start-up IPIs (apic= key). */
enum apic_mode {
	APIC_AUTO,  /* x2APIC when CPUID.1:ECX[21] says it exists, else the xAPIC page */
	APIC_XAPIC, /* the xAPIC page at 0xfee00000 even when x2APIC exists */
	APIC_X2APIC,
};

enum reset_method {
	RESET_NONE,
	RESET_CF9,
	RESET_KBD,
	RESET_TRIPLE,
};

/* shutdown=: how the guest powers its VM off at the very end. */
enum shutdown_method {
	SHUTDOWN_NONE,
	SHUTDOWN_S5, /* ACPI S5: the DSDT's \_S5 SLP_TYP | SLP_EN to PM1a_CNT (and PM1b_CNT) */
};

struct guest_config {
	char name[NAME_MAX_LEN];
	unsigned int vcpus;
	unsigned int privileged;
	unsigned int deny_msr_count;
	u32 deny_msrs[DENY_MSRS_MAX];
	u64 tests; /* BIT(enum test_id) */
	enum apic_mode apic;
	unsigned int isolation_count;
	u64 isolation[ISOLATION_MAX];
	bool has_pattern;
	u64 pattern_gpa;
	enum reset_method reset;
	enum shutdown_method shutdown;
	bool has_link;
	u16 link_port;		 /* base port of the 16550 wired to the peer VM */
	char peer[NAME_MAX_LEN]; /* the peer's name= ("": any name) */
	unsigned int heartbeat;	 /* 0: forever */
	bool bench;
	bool has_bench_msr;
	u32 bench_msr;
	bool has_bench_mmio;
	u64 bench_mmio;
	unsigned int warning_count;
	char warnings[WARNINGS_MAX][WARNING_LEN];
};

void config_parse(const char *cmdline, struct guest_config *cfg);
/* The configuration of a boot without a command line: the defaults with name and vcpus. */
void config_without_cmdline(const char *name, unsigned int vcpus, struct guest_config *cfg);
const char *test_name(enum test_id id);
const char *reset_method_name(enum reset_method m);
const char *shutdown_method_name(enum shutdown_method m);

#endif
