/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hypervisor log: every message gets a timestamp, CPU number and level; messages at or
 * below the console level go to the serial console, those at or below the memory level
 * into the in-memory ring (read back by the debug shell and after a panic).
 */
#ifndef BULKHEAD_LOG_H
#define BULKHEAD_LOG_H

#include <bulkhead/compiler.h>
#include <bulkhead/types.h>

enum log_level {
	LOG_NONE = 0,
	LOG_ERROR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_DEBUG = 4,
	LOG_TRACE = 5,
};

void log_printf(enum log_level level, const char *fmt, ...) __printf(2, 3);
void log_vprintf(enum log_level level, const char *fmt, va_list ap);
void log_set_console_level(enum log_level level);
/*
 * Writes text to the console as it is (no prefix, no level), never in the middle of
 * another CPU's log line: for VM console output.
 */
void log_write_raw(const char *text, size_t len);
enum log_level log_console_level(void);
/* Panic path: stop taking the log lock (another CPU may hold it forever). */
void log_enter_panic_mode(void);

#define pr_err(...)   log_printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)
#define pr_trace(...) log_printf(LOG_TRACE, __VA_ARGS__)

/*
 * A byte ring holding the most recent log text. Writers append whole lines; when full,
 * the oldest bytes are overwritten. Readers get the retained text starting at the first
 * complete line.
 */
struct log_ring {
	char *buf;
	size_t size;
	u64 written; /* total bytes ever appended */
};

void log_ring_init(struct log_ring *ring, char *buf, size_t size);
void log_ring_append(struct log_ring *ring, const char *text, size_t len);
/*
 * Copies the retained text, oldest first and starting at a line boundary, into out
 * (terminated). Returns the number of bytes copied, excluding the terminator.
 */
size_t log_ring_read(const struct log_ring *ring, char *out, size_t out_size);

/* The hypervisor's ring (core/log.c), for the debug shell and post-mortem dumps. */
const struct log_ring *log_get_ring(void);

#endif
