/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Local APIC and I/O APIC register access, the same for every test that uses them.
 *
 * The local APIC is reached through the xAPIC page at IA32_APIC_BASE (SDM Vol 3A 11.4.1)
 * or, in x2APIC mode, through MSR 0x800 + (xAPIC offset >> 4) (11.12.1.2); registers are
 * named here by their xAPIC offset. The mode is per CPU, but the guest keeps every CPU
 * in the same one: apic_enable() switches the calling CPU. The I/O APIC is reached
 * through IOREGSEL/IOWIN at the address the MADT names (82093AA data sheet, 3.0).
 */
#ifndef TESTGUEST_APIC_H
#define TESTGUEST_APIC_H

#include "arch.h"
#include "probe.h"

#define MSR_IA32_APIC_BASE    0x1b
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define APIC_BASE_BSP	      BIT(8)
#define APIC_BASE_EXTD	      BIT(10)
#define APIC_BASE_EN	      BIT(11)
#define APIC_BASE_ADDR	      0x000ffffffffff000ULL
#define CPUID1_ECX_X2APIC     BIT(21)
#define CPUID1_ECX_TSC_DL     BIT(24)
#define X2APIC_MSR_BASE	      0x800

/* Registers by xAPIC offset (SDM Vol 3A table 11-1; x2APIC: table 11-6). */
#define APIC_ID		0x020
#define APIC_VERSION	0x030
#define APIC_TPR	0x080
#define APIC_PPR	0x0a0
#define APIC_EOI	0x0b0
#define APIC_LDR	0x0d0
#define APIC_DFR	0x0e0 /* xAPIC only */
#define APIC_SVR	0x0f0
#define APIC_ISR	0x100 /* 8 registers, 0x10 apart */
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300 /* x2APIC: one 64-bit MSR, 0x830 */
#define APIC_ICR_HI	0x310 /* xAPIC only */
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_THERM	0x330
#define APIC_LVT_PERF	0x340
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TIMER_ICR	0x380
#define APIC_TIMER_CCR	0x390
#define APIC_TIMER_DCR	0x3e0
#define APIC_SELF_IPI	0x3f0 /* x2APIC only */
#define APIC_SVR_ENABLE BIT(8)
#define APIC_SVR_VALUE	0x1ff /* enabled, spurious vector 0xff */

/* ICR and LVT fields (11.6.1, 11.5.1). */
#define APIC_DM_FIXED	       (0 << 8)
#define APIC_DM_NMI	       (4 << 8)
#define APIC_DM_INIT	       (5 << 8)
#define APIC_DM_STARTUP	       (6 << 8)
#define APIC_DM_EXTINT	       (7 << 8)
#define APIC_DM_MASK	       (7 << 8)
#define APIC_DEST_LOGICAL      BIT(11)
#define APIC_ICR_PENDING       BIT(12) /* xAPIC only: delivery status */
#define APIC_ICR_LEVEL_ASSERT  BIT(14)
#define APIC_DEST_SELF	       (1 << 18)
#define APIC_DEST_ALL	       (2 << 18)
#define APIC_DEST_ALL_BUT_SELF (3 << 18)
#define APIC_LVT_MASKED	       BIT(16)
#define APIC_TIMER_ONESHOT     (0 << 17)
#define APIC_TIMER_PERIODIC    (1 << 17)
#define APIC_TIMER_TSC_DL      (2 << 17)
#define APIC_DCR_DIV1	       0xb /* divide configuration encodings (11.5.4) */
#define APIC_DCR_DIV2	       0x0
#define APIC_DCR_DIV4	       0x1
#define APIC_DCR_DIV16	       0x3

struct apic_state {
	bool enabled; /* apic_enable() succeeded on the boot CPU */
	bool x2apic;
	u64 mmio; /* the xAPIC page */
};

/* The mode every CPU's local APIC is in, once apic_enable() ran. */
extern struct apic_state apic;

bool apic_has_x2apic(void);
/*
 * The mode apic= asks for (auto: x2APIC when CPUID has it). Returns NULL, or why that
 * mode cannot be had.
 */
const char *apic_choose(bool *x2apic);

/*
 * Switches this CPU's local APIC to x2APIC or xAPIC mode (IA32_APIC_BASE, valid
 * transitions only) and enables it in the SVR (spurious vector 0xff). Returns NULL, or
 * what went wrong (in why).
 */
const char *apic_enable(bool x2apic, char *why, size_t size);
/* After apic_enable(): every LVT masked, timer stopped, TPR 0, ESR cleared, ISR drained. */
void apic_reset_local(void);

u32 apic_read(u32 reg);
void apic_write(u32 reg, u32 value);
/* This CPU's APIC ID (xAPIC: ID register bits 31:24; x2APIC: the 32-bit ID). */
u32 apic_id(void);
void apic_eoi(void);
/* Bit `vector` of the ISR, TMR or IRR (base APIC_ISR, APIC_TMR or APIC_IRR). */
bool apic_vector_bit(u32 base, unsigned int vector);
/* The highest vector set in the ISR, or -1. */
int apic_highest_isr(void);

/*
 * Sends an IPI: icr holds vector, delivery mode, destination mode and shorthand; dest is
 * the destination field (xAPIC: 8 bits, x2APIC: 32 bits). xAPIC: waits (bounded) for the
 * delivery status before and after. Returns NULL or what went wrong (in why).
 */
const char *apic_send_ipi(u32 dest, u32 icr, char *why, size_t size);

/* I/O APIC at base (MMIO). */
u32 ioapic_read(u64 base, u32 reg);
void ioapic_write(u64 base, u32 reg, u32 value);
u64 ioapic_get_entry(u64 base, unsigned int pin);
/* Writes the high half first, so an entry is never unmasked with a stale destination. */
void ioapic_set_entry(u64 base, unsigned int pin, u64 entry);
/* Masks every redirection entry (the count from the version register, at most 240). */
void ioapic_mask_all(u64 base);

#define IOAPIC_REG_ID	    0x00
#define IOAPIC_REG_VERSION  0x01
#define IOAPIC_REG_REDIR    0x10
#define IOAPIC_POLARITY_LOW BIT(13)
#define IOAPIC_REMOTE_IRR   BIT(14)
#define IOAPIC_LEVEL	    BIT(15)
#define IOAPIC_MASKED	    BIT(16)
#define IOAPIC_DEST_SHIFT   56

#endif
