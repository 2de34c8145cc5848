// SPDX-License-Identifier: BSD-3-Clause
/*
 * Log front end: formats "[seconds.micros] cpuN L: text", sends it to the console when
 * the level allows and always records it in the ring (up to CONFIG_MEM_LOGLEVEL).
 * One lock keeps lines from different CPUs whole; in panic mode the lock is only tried,
 * because the CPU that holds it may have been stopped.
 */
#include <bulkhead/arch.h>
#include <bulkhead/console.h>
#include <bulkhead/log.h>
#include <bulkhead/printf.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/string.h>

static char ring_buf[CONFIG_LOG_RING_SIZE];
static struct log_ring ring = {.buf = ring_buf, .size = sizeof(ring_buf)};
static spinlock_t log_lock = SPINLOCK_INIT;
static enum log_level console_level = CONFIG_CONSOLE_LOGLEVEL;
static volatile bool panic_mode;
/*
 * A message without a final "\n" leaves its line open; the next message continues it
 * only if it comes from the same CPU at the same level (so it goes to the same outputs).
 * Anything else first closes the open line where it was written.
 */
static enum log_level open_level = LOG_NONE;
static u32 open_cpu;

static const char level_tag[] = "-EWIDT";

void log_set_console_level(enum log_level level)
{
	console_level = level > LOG_TRACE ? LOG_TRACE : level;
}

enum log_level log_console_level(void)
{
	return console_level;
}

void log_enter_panic_mode(void)
{
	panic_mode = true;
	console_level = LOG_TRACE;
}

const struct log_ring *log_get_ring(void)
{
	return &ring;
}

static void emit(enum log_level level, const char *text, size_t len)
{
	if (level <= CONFIG_MEM_LOGLEVEL)
		log_ring_append(&ring, text, len);
	if (level <= console_level)
		console_write(text, len);
}

/*
 * Takes the log lock (interrupts off first). In panic mode the lock is only tried for a
 * while: a CPU stopped by the panic may hold it forever. Returns whether it is held.
 */
static bool log_lock_take(void)
{
	bool locked = false;

	if (!panic_mode) {
		spin_lock(&log_lock);
		return true;
	}
	for (int i = 0; i < 1000000 && !locked; i++)
		locked = spin_trylock(&log_lock);
	return locked;
}

void log_vprintf(enum log_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t len = 0;
	u32 cpu = arch_cpu_id();
	bool locked, continuation;
	u64 flags;
	int n;

	if (level == LOG_NONE || (level > console_level && level > CONFIG_MEM_LOGLEVEL))
		return;

	flags = local_irq_save();
	locked = log_lock_take();

	continuation = open_level == level && open_cpu == cpu;
	if (open_level != LOG_NONE && !continuation)
		emit(open_level, "\n", 1);
	if (!continuation) {
		u64 ns = arch_time_ns();

		n = snprintf(line, sizeof(line),
			     "[%5llu.%06llu] cpu%u %c: ", (unsigned long long)(ns / 1000000000ULL),
			     (unsigned long long)(ns / 1000ULL % 1000000ULL), cpu,
			     level_tag[level]);
		len = n > 0 ? (size_t)n : 0;
	}
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	/* A message cut short still ends its line: the next one must not be glued to it. */
	if (n > 0 && (size_t)n >= sizeof(line) - len)
		line[sizeof(line) - 2] = '\n';
	if (n > 0)
		len = strnlen(line, sizeof(line));
	open_level = len > 0 && line[len - 1] != '\n' ? level : LOG_NONE;
	open_cpu = cpu;
	emit(level, line, len);

	if (locked)
		spin_unlock(&log_lock);
	local_irq_restore(flags);
}

void log_write_raw(const char *text, size_t len)
{
	u64 flags = local_irq_save();
	bool locked = log_lock_take();

	if (open_level != LOG_NONE) {
		emit(open_level, "\n", 1);
		open_level = LOG_NONE;
	}
	console_write(text, len);
	if (locked)
		spin_unlock(&log_lock);
	local_irq_restore(flags);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}
