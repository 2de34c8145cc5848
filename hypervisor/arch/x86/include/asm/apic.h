/* SPDX-License-Identifier: BSD-3-Clause */
/* Local APIC in x2APIC or xAPIC mode (SDM Vol 3A chapter 11). */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <bulkhead/types.h>

/* Register offsets in the xAPIC MMIO page; x2APIC MSR = 0x800 + (offset >> 4). */
#define APIC_ID	       0x020
#define APIC_VERSION   0x030
#define APIC_TPR       0x080
#define APIC_EOI       0x0b0
#define APIC_LDR       0x0d0
#define APIC_SVR       0x0f0
#define APIC_ISR       0x100 /* 8 registers, 16 bytes apart */
#define APIC_ESR       0x280
#define APIC_ICR_LOW   0x300
#define APIC_ICR_HIGH  0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_ICR 0x380
#define APIC_TIMER_CCR 0x390
#define APIC_TIMER_DCR 0x3e0

#define APIC_SVR_ENABLE		(1U << 8)
#define APIC_LVT_MASKED		(1U << 16)
#define APIC_TIMER_TSC_DEADLINE (2U << 17)

/* ICR fields (SDM Vol 3A 11.6.1). */
#define APIC_DM_FIXED	  (0U << 8)
#define APIC_DM_NMI	  (4U << 8)
#define APIC_DM_INIT	  (5U << 8)
#define APIC_DM_STARTUP	  (6U << 8)
#define APIC_DELIVS	  (1U << 12)
#define APIC_LEVEL_ASSERT (1U << 14)
#define APIC_TRIG_LEVEL	  (1U << 15)
#define APIC_DEST_SELF	  (1U << 18)
#define APIC_DEST_ALLBUT  (3U << 18)

int lapic_init(void); /* on each CPU */
/*
 * LAPIC passthrough (vmx/vmx_lapic_pt.c): hands the calling CPU's x2APIC to a guest with
 * the guest's register values (an xAPIC-layout page: TPR, SVR, LVTs; the timer stopped),
 * and takes it back for the hypervisor (in-service vectors ended, timer stopped, the
 * hypervisor's own set-up reloaded).
 */
void lapic_load_guest(const u32 *regs);
void lapic_restore_host(void);
bool lapic_x2apic_mode(void);
u32 lapic_read_id(void);
void lapic_eoi(void);
/* Sends an IPI: icr_low holds delivery mode, vector and shorthand. */
void lapic_send_ipi(u32 apic_id, u32 icr_low);

/*
 * One-shot timer: interrupt VEC_LAPIC_TIMER after `us` microseconds (the boot self-test;
 * everything else goes through the hypervisor timers, bulkhead/timer.h).
 */
void lapic_timer_oneshot_us(u64 us);
void lapic_timer_stop(void);
const char *lapic_timer_mode_name(void);

#endif
