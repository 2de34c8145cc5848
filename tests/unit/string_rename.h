/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forced into the string suites: the hypervisor's string functions are built under bh_
 * names, so they neither clash with the host C library nor get replaced by the
 * compiler's builtins, and the test calls exactly the code the hypervisor runs.
 * string.h comes first so the library's own declarations keep their names.
 */
#ifndef STRING_RENAME_H
#define STRING_RENAME_H

#include <string.h>

#define memcpy	bh_memcpy
#define memmove bh_memmove
#define memset	bh_memset
#define memcmp	bh_memcmp
#define strlen	bh_strlen
#define strnlen bh_strnlen
#define strcmp	bh_strcmp
#define strncmp bh_strncmp
#define strchr	bh_strchr
#define strlcpy bh_strlcpy

#include <bulkhead/string.h>

#endif
