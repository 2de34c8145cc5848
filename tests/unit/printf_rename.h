/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forced into the printf suite: the hypervisor's vsnprintf/snprintf are built as
 * bh_vsnprintf/bh_snprintf so the test can hold them against the host C library's.
 * stdio.h comes first so the library's own declarations keep their names.
 */
#ifndef PRINTF_RENAME_H
#define PRINTF_RENAME_H

#include <stdarg.h>
#include <stdio.h>

#define vsnprintf bh_vsnprintf
#define snprintf  bh_snprintf

#include <bulkhead/printf.h>

#endif
