/* SPDX-License-Identifier: BSD-3-Clause */
/* The hypervisor command line: space-separated words, "key" or "key=value". */
#ifndef BULKHEAD_CMDLINE_H
#define BULKHEAD_CMDLINE_H

#include <bulkhead/types.h>

/*
 * Finds the last occurrence of key (later words override earlier ones). On success
 * *value points into cmdline at the value (length *len, 0 for a bare "key") and true is
 * returned. value and len may be NULL when only presence matters.
 */
bool cmdline_find(const char *cmdline, const char *key, const char **value, size_t *len);
/* Copies the value of key into buf (terminated); false if absent or too long. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

#endif
