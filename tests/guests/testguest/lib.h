/* SPDX-License-Identifier: BSD-3-Clause */
/* String and number helpers; memset/memcpy/memcmp because GCC may emit calls to them. */
#ifndef TESTGUEST_LIB_H
#define TESTGUEST_LIB_H

#include "arch.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t tg_strlen(const char *s);
int tg_strcmp(const char *a, const char *b);
/* Copies at most size - 1 characters and always terminates (size > 0). */
void tg_strlcpy(char *dst, const char *src, size_t size);

/*
 * Parses a whole string as a number: base 16 (an optional 0x prefix) or base 10.
 * Returns 0, or -1 when the string is empty, has other characters or overflows.
 */
int parse_u64(const char *s, unsigned int base, u64 *out);

/* FNV-1a, 64 bits: the guest's patterns are derived from its name with it. */
u64 fnv1a64(const char *s);

#endif
