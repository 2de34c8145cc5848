// SPDX-License-Identifier: BSD-3-Clause
/*
 * Panic and orderly halt. The first CPU to panic owns the console; every other CPU is
 * stopped with an NMI (which gets through even with interrupts disabled), so nothing
 * keeps running on state that is known to be broken.
 */
#include <bulkhead/arch.h>
#include <bulkhead/log.h>
#include <bulkhead/panic.h>
#include <bulkhead/printf.h>

#define NO_CPU 0xffffffffU

static u32 stopping_cpu = NO_CPU;

bool system_stopping(void)
{
	return __atomic_load_n(&stopping_cpu, __ATOMIC_ACQUIRE) != NO_CPU;
}

static bool claim_stop(void)
{
	u32 expected = NO_CPU;

	return __atomic_compare_exchange_n(&stopping_cpu, &expected, arch_cpu_id(), false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void stop_everything(void) __noreturn;
static void stop_everything(void)
{
	u32 online = arch_cpu_count_online();
	u32 stopped = arch_stop_other_cpus();

	if (stopped + 1 >= online)
		log_printf(LOG_ERROR, "All CPUs stopped.\n");
	else
		log_printf(LOG_ERROR, "%u of %u other CPUs did not stop.\n", online - 1 - stopped,
			   online - 1);
	log_printf(LOG_ERROR, "System halted.\n");
	arch_cpu_stop_self();
}

bool panic_begin(void)
{
	__asm__ __volatile__("cli");
	if (!claim_stop())
		return false;
	log_enter_panic_mode();
	return true;
}

void panic_finish(void)
{
	stop_everything();
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!panic_begin())
		arch_cpu_stop_self();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_printf(LOG_ERROR, "*** PANIC on cpu%u: %s\n", arch_cpu_id(), msg);
	stack_trace_print(arch_frame_pointer());
	stop_everything();
}

void system_halt(void)
{
	__asm__ __volatile__("cli");
	if (!claim_stop())
		arch_cpu_stop_self();
	stop_everything();
}

/* Entered from code built with the stack protector when a canary was overwritten. */
void __stack_chk_fail(void) __noreturn;
void __stack_chk_fail(void)
{
	u64 where = (u64)__builtin_return_address(0), offset = 0;
	const char *name = symbol_lookup(where, &offset);

	panic("stack protector: canary overwritten in %s+0x%llx", name ? name : "?",
	      (unsigned long long)offset);
}
