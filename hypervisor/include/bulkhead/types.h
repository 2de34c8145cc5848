/* SPDX-License-Identifier: BSD-3-Clause */
/* Fixed-width types for freestanding hypervisor code (compiler-provided headers only). */
#ifndef BULKHEAD_TYPES_H
#define BULKHEAD_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* Host-physical address. */
typedef u64 paddr_t;
#define INVALID_PADDR (~(paddr_t)0)

#endif
