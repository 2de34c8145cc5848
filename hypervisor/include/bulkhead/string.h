/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BULKHEAD_STRING_H
#define BULKHEAD_STRING_H

#include <bulkhead/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates (when size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
/*
 * Parses an unsigned integer (decimal, or hex with 0x) from the n bytes at s.
 * Returns 0 and stores the value, or -EINVAL (no digits / trailing junk) or -ERANGE.
 */
int parse_u64(const char *s, size_t n, u64 *out);

#endif
