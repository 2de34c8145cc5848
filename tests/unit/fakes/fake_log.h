/* SPDX-License-Identifier: BSD-3-Clause */
/* The log as host unit tests see it: everything logged since fake_log_reset(). */
#ifndef FAKE_LOG_H
#define FAKE_LOG_H

#include <bulkhead/log.h>

extern char fake_log_text[65536];
void fake_log_reset(void);
/* True when the captured text contains needle. */
bool fake_log_contains(const char *needle);

#endif
