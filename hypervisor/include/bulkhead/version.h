/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BULKHEAD_VERSION_H
#define BULKHEAD_VERSION_H

#define BULKHEAD_VERSION "0.1.0-dev"

#ifdef CONFIG_BUILD_DEBUG
#define BULKHEAD_BUILD_TYPE "debug"
#else
#define BULKHEAD_BUILD_TYPE "release"
#endif

#endif
