// SPDX-License-Identifier: BSD-3-Clause
#include "check.h"
#include "console.h"

#define MSG_MAX 512

static unsigned int passed, failed;

static void report(const char *verdict, const char *test, const char *check, const char *fmt,
		   va_list ap)
{
	char msg[MSG_MAX];

	tg_vsnprintf(msg, sizeof(msg), fmt, ap);
	say("%s %s.%s: %s", verdict, test, check, msg);
}

void check_ok(const char *test, const char *check)
{
	passed++;
	say("PASS %s.%s", test, check);
}

void check_pass(const char *test, const char *check, const char *detail, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	passed++;
	va_start(ap, detail);
	tg_vsnprintf(msg, sizeof(msg), detail, ap);
	va_end(ap);
	say("PASS %s.%s (%s)", test, check, msg);
}

void check_fail(const char *test, const char *check, const char *fmt, ...)
{
	va_list ap;

	failed++;
	va_start(ap, fmt);
	report("FAIL", test, check, fmt, ap);
	va_end(ap);
}

void check_skip(const char *test, const char *check, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("SKIP", test, check, fmt, ap);
	va_end(ap);
}

bool check(bool ok, const char *test, const char *check, const char *fail_fmt, ...)
{
	va_list ap;

	if (ok) {
		check_ok(test, check);
		return true;
	}
	failed++;
	va_start(ap, fail_fmt);
	report("FAIL", test, check, fail_fmt, ap);
	va_end(ap);
	return false;
}

bool check_gp0(struct fault f, const char *test, const char *check_name)
{
	char seen[32];

	return check(fault_is_gp0(f), test, check_name, "expected #GP(0), got %s",
		     fault_describe(f, seen, sizeof(seen)));
}

bool check_no_fault(struct fault f, const char *test, const char *check_name)
{
	char seen[32];

	return check(fault_none(f), test, check_name, "expected no exception, got %s",
		     fault_describe(f, seen, sizeof(seen)));
}

unsigned int checks_passed(void)
{
	return passed;
}

unsigned int checks_failed(void)
{
	return failed;
}
