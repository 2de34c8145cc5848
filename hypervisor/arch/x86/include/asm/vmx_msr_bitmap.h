/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VMX MSR bitmap (SDM Vol 3C 25.6.9): one 4 KiB page, four 1 KiB quarters: reads of
 * MSRs 0-0x1fff, reads of 0xc0000000-0xc0001fff, then writes of the same two ranges.
 * A set bit makes the access exit; MSRs outside both ranges always exit.
 */
#ifndef ASM_VMX_MSR_BITMAP_H
#define ASM_VMX_MSR_BITMAP_H

#include <bulkhead/types.h>
#include <bulkhead/vm_config.h>

#define MSR_BITMAP_SIZE 4096

/*
 * Fills bitmap from a VM's policy table: only MSR_PASSTHROUGH entries stop exiting;
 * everything else (listed as trap or deny, or not listed) exits. Returns the number of
 * passthrough entries that lie outside the two ranges and therefore still exit.
 */
u32 msr_bitmap_build(u8 bitmap[MSR_BITMAP_SIZE], const struct msr_policy_config *msrs, u32 count);
/* Lets reads and writes of msr through (no effect outside the two ranges). */
void msr_bitmap_pass(u8 bitmap[MSR_BITMAP_SIZE], u32 msr);
/* Lets only reads (write=false) or only writes of msr through. */
void msr_bitmap_pass_one(u8 bitmap[MSR_BITMAP_SIZE], u32 msr, bool write);
/* Makes only reads (write=false) or only writes of msr exit. */
void msr_bitmap_trap_one(u8 bitmap[MSR_BITMAP_SIZE], u32 msr, bool write);
/* Whether a read (write=false) or write of msr exits under bitmap. */
bool msr_bitmap_exits(const u8 bitmap[MSR_BITMAP_SIZE], u32 msr, bool write);
/* The policy entry for msr, or NULL: not listed means trap and emulate. */
const struct msr_policy_config *msr_policy_find(const struct msr_policy_config *msrs, u32 count,
						u32 msr);

#endif
