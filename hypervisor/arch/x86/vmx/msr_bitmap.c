// SPDX-License-Identifier: BSD-3-Clause
#include <bulkhead/string.h>
#include <asm/vmx_msr_bitmap.h>

#define LOW_LAST   0x00001fffU
#define HIGH_FIRST 0xc0000000U
#define HIGH_LAST  0xc0001fffU
#define QUARTER	   1024

/* Byte offset of msr's bit in the read quarter it belongs to, or -1 if none. */
static int bit_index(u32 msr)
{
	if (msr <= LOW_LAST)
		return (int)msr;
	if (msr >= HIGH_FIRST && msr <= HIGH_LAST)
		return QUARTER * 8 + (int)(msr - HIGH_FIRST);
	return -1;
}

u32 msr_bitmap_build(u8 bitmap[MSR_BITMAP_SIZE], const struct msr_policy_config *msrs, u32 count)
{
	u32 unreachable = 0;

	memset(bitmap, 0xff, MSR_BITMAP_SIZE);
	for (u32 i = 0; i < count; i++) {
		int bit = bit_index(msrs[i].index);

		if (msrs[i].policy != MSR_PASSTHROUGH)
			continue;
		if (bit < 0) {
			unreachable++;
			continue;
		}
		bitmap[bit / 8] &= (u8) ~(1U << (bit % 8));		  /* read */
		bitmap[2 * QUARTER + bit / 8] &= (u8) ~(1U << (bit % 8)); /* write */
	}
	return unreachable;
}

void msr_bitmap_pass_one(u8 bitmap[MSR_BITMAP_SIZE], u32 msr, bool write)
{
	int bit = bit_index(msr);

	if (bit < 0)
		return;
	bitmap[(write ? 2 * QUARTER : 0) + bit / 8] &= (u8) ~(1U << (bit % 8));
}

void msr_bitmap_trap_one(u8 bitmap[MSR_BITMAP_SIZE], u32 msr, bool write)
{
	int bit = bit_index(msr);

	if (bit < 0)
		return; /* outside the two ranges: always exits */
	bitmap[(write ? 2 * QUARTER : 0) + bit / 8] |= (u8)(1U << (bit % 8));
}

void msr_bitmap_pass(u8 bitmap[MSR_BITMAP_SIZE], u32 msr)
{
	msr_bitmap_pass_one(bitmap, msr, false);
	msr_bitmap_pass_one(bitmap, msr, true);
}

bool msr_bitmap_exits(const u8 bitmap[MSR_BITMAP_SIZE], u32 msr, bool write)
{
	int bit = bit_index(msr);

	if (bit < 0)
		return true;
	return (bitmap[(write ? 2 * QUARTER : 0) + bit / 8] >> (bit % 8)) & 1;
}

const struct msr_policy_config *msr_policy_find(const struct msr_policy_config *msrs, u32 count,
						u32 msr)
{
	for (u32 i = 0; i < count; i++)
		if (msrs[i].index == msr)
			return &msrs[i];
	return NULL;
}
