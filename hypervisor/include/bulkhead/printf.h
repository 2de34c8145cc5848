/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BULKHEAD_PRINTF_H
#define BULKHEAD_PRINTF_H

#include <bulkhead/compiler.h>
#include <bulkhead/types.h>

/*
 * C99 semantics for the supported subset: flags "-0+ #", width and precision
 * (including '*'), length modifiers hh h l ll z t j, conversions d i u x X o c s p %.
 * Returns the length the full output would have; output is always terminated when size > 0.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
