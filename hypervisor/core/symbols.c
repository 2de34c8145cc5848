// SPDX-License-Identifier: BSD-3-Clause
/*
 * Stack traces. Functions are named from the table that misc/tools/gensyms.py links
 * into the image; frames are followed through the saved frame pointers, and only
 * while they stay on the CPU's own stacks, so a corrupted chain ends the trace
 * instead of faulting inside the panic path.
 */
#include <bulkhead/arch.h>
#include <bulkhead/log.h>
#include <bulkhead/panic.h>

extern const u64 hv_symbol_count;
extern const u64 hv_symbols[];
extern const u32 hv_symbol_names[];
extern const char hv_symbol_strings[];
extern const char __text_start[], __text_end[];

#define STACK_TRACE_MAX_FRAMES 32

const char *symbol_lookup(u64 addr, u64 *offset)
{
	u64 lo = 0, hi = hv_symbol_count;

	if (addr < (u64)__text_start || addr >= (u64)__text_end || hi == 0)
		return NULL;
	/* Largest symbol address <= addr. */
	while (hi - lo > 1) {
		u64 mid = lo + (hi - lo) / 2;

		if (hv_symbols[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (hv_symbols[lo] > addr)
		return NULL;
	*offset = addr - hv_symbols[lo];
	return hv_symbol_strings + hv_symbol_names[lo];
}

static void print_frame(u64 addr)
{
	u64 offset;
	const char *name = symbol_lookup(addr, &offset);

	if (name)
		log_printf(LOG_ERROR, "  [<%016llx>] %s+0x%llx\n", (unsigned long long)addr, name,
			   (unsigned long long)offset);
	else
		log_printf(LOG_ERROR, "  [<%016llx>] ?\n", (unsigned long long)addr);
}

void stack_trace_print(u64 fp)
{
	int depth = 0;

	log_printf(LOG_ERROR, "Stack trace:\n");
	while (fp && depth < STACK_TRACE_MAX_FRAMES) {
		const u64 *frame = (const u64 *)fp;

		if ((fp & 7) || !arch_on_cpu_stack(fp, 16)) {
			log_printf(LOG_ERROR, "  (frame pointer 0x%llx leaves the stack)\n",
				   (unsigned long long)fp);
			return;
		}
		if (frame[1] == 0)
			break;
		print_frame(frame[1]);
		depth++;
		/* Frames grow towards higher addresses as we unwind. */
		if (frame[0] <= fp)
			break;
		fp = frame[0];
	}
	if (depth == 0)
		log_printf(LOG_ERROR, "  (no frames)\n");
}
