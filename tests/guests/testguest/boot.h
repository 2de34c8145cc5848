/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The GDT selectors and control-register values of the switch to 64-bit mode, shared by
 * the boot CPU's entries (head.S) and the APs' (ap64.S). Assembly only: arch.h has the
 * C names.
 */
#ifndef TESTGUEST_BOOT_H
#define TESTGUEST_BOOT_H

#define SEL_CODE64 0x08
#define SEL_DATA   0x10
#define SEL_CODE32 0x18
#define GDT_LIMIT  (4 * 8 - 1) /* head.S's gdt: null, code64, data, code32 */
#define CR0_PE	   (1 << 0)
#define CR0_MP	   (1 << 1)
#define CR0_EM	   (1 << 2)
#define CR0_TS	   (1 << 3)
#define CR0_ET	   (1 << 4)
#define CR0_NE	   (1 << 5)
#define CR0_NW	   (1 << 29)
#define CR0_CD	   (1 << 30)
#define CR0_PG	   (1 << 31)
#define CR4_PAE	   (1 << 5)
#define MSR_EFER   0xc0000080
#define EFER_LME   (1 << 8)
#define CR0_CLEAR  (CR0_CD | CR0_NW | CR0_TS | CR0_EM)
#define CR0_SET	   (CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG)

#endif
