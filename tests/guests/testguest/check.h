/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One line per check:
 *   testguest: PASS <test>.<check>[ (<detail>)]
 *   testguest: FAIL <test>.<check>: <what was expected and what was seen>
 *   testguest: SKIP <test>.<check>: <why it cannot run here>   (counted in neither)
 */
#ifndef TESTGUEST_CHECK_H
#define TESTGUEST_CHECK_H

#include "arch.h"
#include "probe.h"

#define CHECK_FMT(n) __attribute__((format(printf, n, n + 1)))

void check_ok(const char *test, const char *check);
/* PASS with a parenthesised detail (which behaviour was seen). */
void check_pass(const char *test, const char *check, const char *detail, ...) CHECK_FMT(3);
void check_fail(const char *test, const char *check, const char *fmt, ...) CHECK_FMT(3);
void check_skip(const char *test, const char *check, const char *fmt, ...) CHECK_FMT(3);

/* PASS when ok, else FAIL with the message. Returns ok. */
bool check(bool ok, const char *test, const char *check, const char *fail_fmt, ...) CHECK_FMT(4);

/* PASS when f is #GP(0), else FAIL naming what was seen instead. */
bool check_gp0(struct fault f, const char *test, const char *check);
/* PASS when f is no exception, else FAIL naming the exception. */
bool check_no_fault(struct fault f, const char *test, const char *check);

unsigned int checks_passed(void);
unsigned int checks_failed(void);

#endif
