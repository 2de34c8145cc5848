/* SPDX-License-Identifier: BSD-3-Clause */
/* What lapic.c and lapic_timer.c share: the mode being tested and check names in it. */
#ifndef TESTGUEST_LAPIC_H
#define TESTGUEST_LAPIC_H

/* "xapic" or "x2apic" */
extern const char *lapic_mode_name;

/* "<mode>_<check>", valid until the next call. */
const char *lapic_check_name(const char *check);

/* The timer checks, in the mode apic_enable() set (interrupts off before and after). */
void lapic_timer_checks(void);

#endif
