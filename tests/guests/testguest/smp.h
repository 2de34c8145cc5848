/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AP trampoline page (smp.c, trampoline.S). A started AP runs the 16-bit code at
 * offset 0 in real mode with CS = page >> 4 (SDM Vol 3A 9.4.4: start-up IPI vector
 * = page >> 12), reads which slot is its own at SMP_TARGET and records its initial APIC
 * ID and one more run in that slot.
 */
#ifndef TESTGUEST_SMP_H
#define TESTGUEST_SMP_H

#define SMP_TRAMPOLINE_PAGE	0x8000 /* vector 0x08 */
#define SMP_TRAMPOLINE_FALLBACK 0x7000 /* when the multiboot information was in 0x8000 */
#define SMP_CODE_MAX		0x800  /* the code, at offset 0 */
#define SMP_TARGET		0x800  /* u32: slot of the AP being started, set by the BSP */
#define SMP_SLOTS		0x840  /* struct smp_slot[SMP_MAX_APS + 1], by vCPU index */
#define SMP_SLOT_SIZE		8
#define SMP_SLOT_RUNS		0 /* u32: times the trampoline ran for this slot */
#define SMP_SLOT_APIC_ID	4 /* u32: CPUID.1:EBX[31:24] as the AP saw it */
#define SMP_MAX_APS		63

#ifndef __ASSEMBLY__
#include "arch.h"

struct smp_slot {
	u32 runs;
	u32 apic_id;
};

extern const u8 ap_trampoline[], ap_trampoline_end[];

/*
 * The trampoline page: SMP_TRAMPOLINE_PAGE, or the fallback when the multiboot
 * information lies there.
 */
u64 smp_page(void);
/* The page is RAM in the multiboot memory map. */
bool smp_page_in_ram(u64 page);
/* Zeroes the page (every slot) and copies the code [start, end) to its offset 0. */
void smp_load_trampoline(u64 page, const u8 *start, const u8 *end);
/*
 * INIT, STARTUP, STARTUP (SDM Vol 3A 9.4.4.1) to the AP with APIC ID apic_id, whose slot
 * is n, then waits (2000 ms of TSC) for its slot's run count. Returns the TSC ticks from
 * the first STARTUP until the AP showed up, or 0 (why says what happened). The local
 * APIC must be enabled (apic_enable()).
 */
u64 smp_start_ap(u64 page, unsigned int n, u32 apic_id, char *why, size_t size);
#endif

#endif
