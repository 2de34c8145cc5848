/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the vLAPIC suites (test_vlapic*.c) share: a VM of four vCPUs whose vLAPICs start
 * in xAPIC mode, registers read and written the way the guest would in the vCPU's mode
 * (x2APIC MSRs or the xAPIC page), IPIs, and readers of what was delivered. Everything
 * goes through the public interface of guest/vlapic.c (asm/vlapic.h, bulkhead/virq.h);
 * the fakes it calls are fakes/fake_vm_env.c and fakes/fake_timer.c.
 */
#ifndef VLAPIC_HARNESS_H
#define VLAPIC_HARNESS_H

#include <bulkhead/types.h>
#include <bulkhead/virq.h>
#include <bulkhead/vm.h>

#define TEST_VCPUS 4
#define XAPIC_PAGE 0xfee00000ULL
#define SENTINEL   0x5a5a5a5a5a5a5a5aULL
#define T0	   1000000ULL	 /* the fake clock at the start of each test */
#define HZ	   1000000000ULL /* its ticks per second */

/* IA32_APIC_BASE (SDM Vol 3A 11.4.4). */
#define APIC_BSP  (1ULL << 8)
#define APIC_EXTD (1ULL << 10)
#define APIC_EN	  (1ULL << 11)

/* Register offsets in the xAPIC page (SDM Vol 3A table 11-1); MSR 0x800 + offset / 16. */
#define REG_ID	      0x020
#define REG_VERSION   0x030
#define REG_TPR	      0x080
#define REG_APR	      0x090
#define REG_PPR	      0x0a0
#define REG_EOI	      0x0b0
#define REG_LDR	      0x0d0
#define REG_DFR	      0x0e0
#define REG_SVR	      0x0f0
#define REG_ISR	      0x100
#define REG_TMR	      0x180
#define REG_IRR	      0x200
#define REG_ESR	      0x280
#define REG_LVT_CMCI  0x2f0
#define REG_ICR_LOW   0x300
#define REG_ICR_HIGH  0x310
#define REG_LVT_TIMER 0x320
#define REG_LVT_THERM 0x330
#define REG_LVT_PERF  0x340
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370
#define REG_TMICT     0x380
#define REG_TMCCT     0x390
#define REG_DCR	      0x3e0
#define REG_SELF_IPI  0x3f0
#define MSR_OF(reg)   (0x800U + ((reg) >> 4))

/* ICR low bits (SDM Vol 3A 11.6.1). */
#define ICR_FIXED   0x000U
#define ICR_LOWEST  0x100U
#define ICR_SMI	    0x200U
#define ICR_NMI	    0x400U
#define ICR_INIT    0x500U
#define ICR_STARTUP 0x600U
#define ICR_EXTINT  0x700U
#define ICR_LOGICAL 0x800U
#define ICR_ASSERT  0x4000U
#define ICR_LEVEL   0x8000U
#define SH_SELF	    (1U << 18)
#define SH_ALL	    (2U << 18)
#define SH_OTHERS   (3U << 18)

/* LVT bits (SDM Vol 3A 11.5.1). */
#define LVT_NMI		 0x400U
#define LVT_EXTINT	 0x700U
#define LVT_MASKED	 0x10000U
#define LVT_PERIODIC	 0x20000U
#define LVT_TSC_DEADLINE 0x40000U

#define SVR_ON 0x1ffU /* software enabled, spurious vector 0xff */

/* ESR bits (SDM Vol 3A 11.5.3). */
#define ESR_SEND_ILLEGAL 0x20U
#define ESR_RECV_ILLEGAL 0x40U
#define ESR_ILLEGAL_REG	 0x80U

extern struct vm vm, other_vm;

/* A fresh VM: vCPUs 0-3 (APIC IDs 0-3, vCPU 0 the BSP) at reset, xAPIC mode, on pcpus 2-5. */
int vlapic_test_setup(void **state);
/* Every kick the test caused came with event_check set (vcpu_arch_note_event). */
int vlapic_test_teardown(void **state);
struct vcpu *vcpu(u32 i);

/* Register access as the guest would in the vCPU's mode; each must succeed. */
u64 reg_rd(struct vcpu *v, u32 offset);
void reg_wr(struct vcpu *v, u32 offset, u64 value);
/* One bit of IRR, ISR or TMR (base REG_IRR, REG_ISR, REG_TMR). */
bool vec_bit(struct vcpu *v, u32 base, u8 vector);
/* ESR as software reads it: a write to latch it, then a read (SDM Vol 3A 11.5.3). */
u32 esr_latch(struct vcpu *v);
void eoi(struct vcpu *v);

/* IA32_APIC_BASE changes, as the MSR emulation makes them. */
void set_apic_base(struct vcpu *v, u64 base);
void to_x2apic(struct vcpu *v);
/* SVR = 0x1ff on one vCPU, or on all of them. */
void sw_enable(struct vcpu *v);
void sw_enable_all(void);

/* An IPI from the ICR: the high half first in xAPIC mode, one MSR write in x2APIC mode. */
void send_ipi(struct vcpu *from, u32 dest, u32 icr_low);
/* An interrupt message from outside the vLAPICs (vIOAPIC, MSI). */
void deliver(u32 dest, bool logical, u8 mode, u8 vector, bool level);

/*
 * After folding what was posted (vlapic_sync), the vCPUs that hold vector in IRR, as
 * "0 2"; each one takes it and EOIs it, so that the next look starts clean.
 */
const char *receivers(u8 vector);
/* The vCPUs with NMIs pending, as "1 3x2" (a count when more than one); takes them all. */
const char *nmi_receivers(void);
/* The INIT and start-up IPIs sent since the last call, as "i<vcpu>" and "s<vcpu>:<vector>". */
const char *ipis(void);

#endif
