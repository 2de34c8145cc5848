// SPDX-License-Identifier: BSD-3-Clause
/* Captures log_printf output in a buffer so tests can assert on messages. */
#include <stdio.h>
#include <string.h>
#include <bulkhead/log.h>
#include "fake_log.h"

char fake_log_text[65536];
static size_t fake_log_len;
static enum log_level console_level = LOG_INFO;

void fake_log_reset(void)
{
	fake_log_len = 0;
	fake_log_text[0] = '\0';
}

bool fake_log_contains(const char *needle)
{
	return strstr(fake_log_text, needle) != NULL;
}

void log_vprintf(enum log_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (fake_log_len < sizeof(fake_log_text) - 1) {
		int n = vsnprintf(fake_log_text + fake_log_len,
				  sizeof(fake_log_text) - fake_log_len, fmt, ap);
		if (n > 0)
			fake_log_len = strnlen(fake_log_text, sizeof(fake_log_text));
	}
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}

void log_set_console_level(enum log_level level)
{
	console_level = level;
}

enum log_level log_console_level(void)
{
	return console_level;
}

void log_enter_panic_mode(void)
{
}
