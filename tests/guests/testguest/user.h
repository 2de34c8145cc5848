/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A short visit to CPL 3: code that must run in user mode (VMCALL's #UD) runs there until
 * its first exception, which brings it back. Needs a GDT with user segments and a TSS
 * (RSP0 for the privilege change, SDM Vol 3A 6.14.4), and the image mapped with the U/S
 * bit at every paging level (Vol 3A 4.6) for the duration of the visit.
 */
#ifndef TESTGUEST_USER_H
#define TESTGUEST_USER_H

#define SEL_USER_DATA	0x23 /* GDT entry 4, RPL 3 */
#define SEL_USER_CODE64 0x2b /* GDT entry 5, RPL 3 */

#ifndef __ASSEMBLY__
#include "arch.h"
#include "trap.h"

/*
 * Runs entry at CPL 3 (IF clear, a stack of its own, general-purpose registers as entry
 * sets them) until it raises an exception; that exception's frame is copied to *exit
 * and user_run() returns at CPL 0. entry must fault eventually (end it with UD2).
 */
void user_run(void (*entry)(void), struct trap_frame *exit);
#endif

#endif
