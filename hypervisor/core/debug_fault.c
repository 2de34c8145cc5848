// SPDX-License-Identifier: BSD-3-Clause
/*
 * Fault injection for testing the exception and panic path (CONFIG_DEBUG_FAULT_INJECT):
 *   debug_fault=nullread[@cpu]  read address 0 (page 0 is never mapped)
 *   debug_fault=wxtext[@cpu]    write into hypervisor code (text is read-only: W^X)
 *   debug_fault=nxexec[@cpu]    execute from the data segment (data is NX)
 *   debug_fault=stacksmash[@cpu] overwrite a stack canary (the stack protector panics)
 *   debug_fault=stackoverflow[@cpu] recurse into the stack's guard page (#PF cannot be
 *                               delivered on that stack: a #DF on its own IST stack)
 */
#include <bulkhead/arch.h>
#include <bulkhead/cmdline.h>
#include <bulkhead/errno.h>
#include <bulkhead/init.h>
#include <bulkhead/log.h>
#include <bulkhead/string.h>

#ifdef CONFIG_DEBUG_FAULT_INJECT
/* Volatile so the compiler cannot see (and "optimise") the undefined behaviour. */
static volatile u64 *volatile null_pointer;
static u8 data_code[16] = {0xc3}; /* "ret", placed in writable, non-executable data */

enum fault_kind {
	FAULT_NULLREAD,
	FAULT_WXTEXT,
	FAULT_NXEXEC,
	FAULT_STACKSMASH,
	FAULT_STACKOVERFLOW
};

/* How far the smash writes and how deep the recursion goes: never reached on purpose. */
static volatile size_t smash_bytes = 64;
static volatile u64 recursion_limit = ~0ULL;

static __attribute__((noinline)) void smash_stack(void)
{
	char buf[16];

	memset(buf, 0x41, smash_bytes);
	__asm__ __volatile__("" ::"r"(buf) : "memory");
}

static __attribute__((noinline)) u64 recurse(u64 depth)
{
	volatile u8 pad[512];

	pad[0] = (u8)depth;
	if (depth < recursion_limit)
		return recurse(depth + 1) + pad[0];
	return pad[0];
}

static void debug_fault_inject(void *arg)
{
	enum fault_kind kind = (enum fault_kind)(u64)arg;
	void (*volatile fn)(void) = (void (*)(void))(void *)data_code;

	pr_err("debug_fault: cpu%u triggers a fault on purpose\n", arch_cpu_id());
	switch (kind) {
	case FAULT_NULLREAD:
		(void)*null_pointer;
		break;
	case FAULT_WXTEXT:
		*(volatile u8 *)(u64)debug_fault_inject = 0xcc;
		break;
	case FAULT_NXEXEC:
		fn();
		break;
	case FAULT_STACKSMASH:
		smash_stack();
		break;
	case FAULT_STACKOVERFLOW:
		recurse(0);
		break;
	}
	pr_err("debug_fault: the fault did not happen\n");
}

int debug_fault_run(const char *cmdline)
{
	static const char *const names[] = {"nullread", "wxtext", "nxexec", "stacksmash",
					    "stackoverflow"};
	char value[32], *at;
	u64 cpu = 0;

	if (!cmdline_get(cmdline, "debug_fault", value, sizeof(value)))
		return 0;
	at = strchr(value, '@');
	if (at) {
		*at++ = '\0';
		if (parse_u64(at, strlen(at), &cpu) || cpu >= arch_cpu_count_online()) {
			pr_err("debug_fault: no online CPU \"%s\"\n", at);
			return 0;
		}
	}
	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		if (strcmp(value, names[k]) != 0)
			continue;
		if (cpu == 0)
			debug_fault_inject((void *)k);
		else
			arch_run_on_cpu((u32)cpu, debug_fault_inject, (void *)k);
		return 0;
	}
	pr_err("debug_fault: unknown kind \"%s\" (nullread, wxtext, nxexec, stacksmash, "
	       "stackoverflow)\n",
	       value);
	return 0;
}
#else
int debug_fault_run(const char *cmdline)
{
	return 0;
}
#endif
