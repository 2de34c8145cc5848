// SPDX-License-Identifier: BSD-3-Clause
/*
 * Symbol lookup over a symbol table defined here (as misc/tools/gensyms.py would link
 * it) and stack traces over frame chains fabricated in a buffer that stands in for the
 * CPU's stack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/arch.h>
#include <bulkhead/panic.h>
#include "fake_log.h"

/* A fake .text: the linker script's __text_start/__text_end bound this array. */
#define TEXT_SIZE 0x1000
const char fake_text[TEXT_SIZE] __attribute__((aligned(64)));
__asm__(".globl __text_start\n"
	".set __text_start, fake_text\n"
	".globl __text_end\n"
	".set __text_end, fake_text + 0x1000\n");
extern const char __text_start[], __text_end[];

#define TEXT(off) ((u64)(uintptr_t)(fake_text + (off)))

/* Sorted by address, as the generator emits them; the first starts after __text_start. */
const u64 hv_symbol_count = 5;
const u64 hv_symbols[] = {TEXT(0x010), TEXT(0x100), TEXT(0x180), TEXT(0x800), TEXT(0xf00)};
const char hv_symbol_strings[] = "entry\0kmain\0helper\0panic\0last_fn";
const u32 hv_symbol_names[] = {0, 6, 12, 19, 25};

static const char *lookup(u64 addr, u64 *offset)
{
	*offset = 0xdeadbeef;
	return symbol_lookup(addr, offset);
}

static void check_lookup(u64 addr, const char *name, u64 offset)
{
	u64 got_offset;
	const char *got = lookup(addr, &got_offset);

	if (!name) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, name);
	assert_int_equal(got_offset, offset);
}

static void linker_symbols_bound_the_fake_text(void **state)
{
	(void)state;
	assert_ptr_equal(__text_start, fake_text);
	assert_ptr_equal(__text_end, fake_text + TEXT_SIZE);
}

static void lookup_finds_the_containing_function(void **state)
{
	(void)state;
	check_lookup(TEXT(0x010), "entry", 0);
	check_lookup(TEXT(0x011), "entry", 1);
	check_lookup(TEXT(0x0ff), "entry", 0xef);
	check_lookup(TEXT(0x100), "kmain", 0);
	check_lookup(TEXT(0x17f), "kmain", 0x7f);
	check_lookup(TEXT(0x180), "helper", 0);
	check_lookup(TEXT(0x7ff), "helper", 0x67f);
	check_lookup(TEXT(0x800), "panic", 0);
	check_lookup(TEXT(0x812), "panic", 0x12);
	check_lookup(TEXT(0xf00), "last_fn", 0);
	/* The last function runs to the end of .text. */
	check_lookup(TEXT(0xfff), "last_fn", 0xff);
}

static void lookup_outside_text_fails(void **state)
{
	u64 offset;

	(void)state;
	/* In .text but before the first symbol. */
	check_lookup(TEXT(0x000), NULL, 0);
	check_lookup(TEXT(0x00f), NULL, 0);
	/* Outside .text altogether. */
	check_lookup(TEXT(TEXT_SIZE), NULL, 0);
	check_lookup(TEXT(0) - 1, NULL, 0);
	check_lookup(0, NULL, 0);
	check_lookup(~0ULL, NULL, 0);
	/* The offset is left alone on failure. */
	assert_null(lookup(TEXT(TEXT_SIZE + 0x10), &offset));
	assert_int_equal(offset, 0xdeadbeef);
}

static void lookup_matches_a_linear_scan(void **state)
{
	(void)state;
	for (u64 off = 0; off < TEXT_SIZE; off++) {
		const char *want = NULL;
		u64 want_off = 0, got_off;
		const char *got;

		for (size_t i = 0; i < hv_symbol_count; i++) {
			if (hv_symbols[i] <= TEXT(off)) {
				want = hv_symbol_strings + hv_symbol_names[i];
				want_off = TEXT(off) - hv_symbols[i];
			}
		}
		got = lookup(TEXT(off), &got_off);
		if (want) {
			assert_non_null(got);
			assert_ptr_equal(got, want);
			assert_int_equal(got_off, want_off);
		} else {
			assert_null(got);
		}
	}
}

/* The stack: frames are [saved fp, return address] pairs within it. */
#define STACK_WORDS 1024
static u64 stack[STACK_WORDS] __attribute__((aligned(16)));
static bool stack_checks_enabled = true;
static unsigned int stack_checks;

bool arch_on_cpu_stack(u64 addr, u64 size)
{
	u64 lo = (u64)(uintptr_t)stack, hi = lo + sizeof(stack);

	stack_checks++;
	if (!stack_checks_enabled)
		return true;
	return addr >= lo && addr < hi && size <= hi - addr;
}

#define FP(word) ((u64)(uintptr_t)&stack[(word)])

/* Builds a frame at stack[word] that links to next (an address) and returns to ret. */
static u64 frame(size_t word, u64 next, u64 ret)
{
	stack[word] = next;
	stack[word + 1] = ret;
	return FP(word);
}

static void reset(void)
{
	memset(stack, 0, sizeof(stack));
	stack_checks = 0;
	stack_checks_enabled = true;
	fake_log_reset();
}

static void frame_line(char *buf, size_t size, u64 addr, const char *name, u64 off)
{
	if (name)
		snprintf(buf, size, "  [<%016llx>] %s+0x%llx\n", (unsigned long long)addr, name,
			 (unsigned long long)off);
	else
		snprintf(buf, size, "  [<%016llx>] ?\n", (unsigned long long)addr);
}

static void normal_chain(void **state)
{
	char want[1024], line[128];
	u64 fp;

	(void)state;
	reset();
	/* Innermost first: helper <- kmain <- entry; the outermost frame has fp 0. */
	frame(40, 0, TEXT(0x020));
	frame(20, FP(40), TEXT(0x123));
	fp = frame(4, FP(20), TEXT(0x200));
	stack_trace_print(fp);

	strcpy(want, "Stack trace:\n");
	frame_line(line, sizeof(line), TEXT(0x200), "helper", 0x80);
	strcat(want, line);
	frame_line(line, sizeof(line), TEXT(0x123), "kmain", 0x23);
	strcat(want, line);
	frame_line(line, sizeof(line), TEXT(0x020), "entry", 0x10);
	strcat(want, line);
	assert_string_equal(fake_log_text, want);
}

static void unknown_addresses_print_a_question_mark(void **state)
{
	char want[512], line[128];

	(void)state;
	reset();
	/* A return address outside .text, e.g. in a guest trampoline. */
	frame(10, FP(30), 0x12345678);
	frame(30, 0, TEXT(0x900));
	stack_trace_print(FP(10));
	strcpy(want, "Stack trace:\n");
	frame_line(line, sizeof(line), 0x12345678, NULL, 0);
	strcat(want, line);
	frame_line(line, sizeof(line), TEXT(0x900), "panic", 0x100);
	strcat(want, line);
	assert_string_equal(fake_log_text, want);
}

static void a_zero_return_address_ends_the_chain(void **state)
{
	char want[512], line[128];

	(void)state;
	reset();
	frame(10, FP(20), TEXT(0x200));
	/* The entry frame: return address 0, whatever its saved fp says. */
	frame(20, FP(30), 0);
	frame(30, 0, TEXT(0x300));
	stack_trace_print(FP(10));
	strcpy(want, "Stack trace:\n");
	frame_line(line, sizeof(line), TEXT(0x200), "helper", 0x80);
	strcat(want, line);
	assert_string_equal(fake_log_text, want);
}

static void no_frames(void **state)
{
	(void)state;
	reset();
	stack_trace_print(0);
	assert_string_equal(fake_log_text, "Stack trace:\n  (no frames)\n");
	assert_int_equal(stack_checks, 0);

	reset();
	frame(8, 0, 0);
	stack_trace_print(FP(8));
	assert_string_equal(fake_log_text, "Stack trace:\n  (no frames)\n");
}

static void chain_leaving_the_stack(void **state)
{
	char want[512], line[128];
	u64 outside = (u64)(uintptr_t)stack + sizeof(stack);

	(void)state;
	reset();
	/* The second frame's saved fp points just past the stack. */
	frame(10, FP(20), TEXT(0x200));
	frame(20, outside, TEXT(0x123));
	stack_trace_print(FP(10));
	strcpy(want, "Stack trace:\n");
	frame_line(line, sizeof(line), TEXT(0x200), "helper", 0x80);
	strcat(want, line);
	frame_line(line, sizeof(line), TEXT(0x123), "kmain", 0x23);
	strcat(want, line);
	snprintf(line, sizeof(line), "  (frame pointer 0x%llx leaves the stack)\n",
		 (unsigned long long)outside);
	strcat(want, line);
	assert_string_equal(fake_log_text, want);

	/* A frame whose return-address word would lie past the end is refused too. */
	reset();
	frame(10, FP(STACK_WORDS - 1), TEXT(0x200));
	stack_trace_print(FP(10));
	snprintf(line, sizeof(line), "  (frame pointer 0x%llx leaves the stack)\n",
		 (unsigned long long)FP(STACK_WORDS - 1));
	assert_true(fake_log_contains(line));

	/* A first frame pointer that is not on the stack at all. */
	reset();
	stack_trace_print(0x1000);
	assert_string_equal(fake_log_text,
			    "Stack trace:\n  (frame pointer 0x1000 leaves the stack)\n");
}

static void non_increasing_frame_pointer_stops(void **state)
{
	char want[512], line[128];

	(void)state;
	reset();
	/* A loop back to a lower frame: print each frame once, then stop. */
	frame(10, FP(20), TEXT(0x200));
	frame(20, FP(10), TEXT(0x123));
	stack_trace_print(FP(10));
	strcpy(want, "Stack trace:\n");
	frame_line(line, sizeof(line), TEXT(0x200), "helper", 0x80);
	strcat(want, line);
	frame_line(line, sizeof(line), TEXT(0x123), "kmain", 0x23);
	strcat(want, line);
	assert_string_equal(fake_log_text, want);

	/* A frame pointing at itself. */
	reset();
	frame(10, FP(10), TEXT(0x200));
	stack_trace_print(FP(10));
	strcpy(want, "Stack trace:\n");
	frame_line(line, sizeof(line), TEXT(0x200), "helper", 0x80);
	strcat(want, line);
	assert_string_equal(fake_log_text, want);
}

static void misaligned_frame_pointer(void **state)
{
	char want[512], line[128];

	(void)state;
	reset();
	frame(10, FP(20) + 4, TEXT(0x200));
	frame(20, 0, TEXT(0x123));
	stack_trace_print(FP(10));
	strcpy(want, "Stack trace:\n");
	frame_line(line, sizeof(line), TEXT(0x200), "helper", 0x80);
	strcat(want, line);
	snprintf(line, sizeof(line), "  (frame pointer 0x%llx leaves the stack)\n",
		 (unsigned long long)(FP(20) + 4));
	strcat(want, line);
	assert_string_equal(fake_log_text, want);

	/* Checked before the stack bounds, and before anything is read through it. */
	reset();
	stack_checks_enabled = false;
	stack_trace_print(FP(10) + 1);
	snprintf(want, sizeof(want), "Stack trace:\n  (frame pointer 0x%llx leaves the stack)\n",
		 (unsigned long long)(FP(10) + 1));
	assert_string_equal(fake_log_text, want);
}

static void depth_is_limited_to_32_frames(void **state)
{
	char want[8192], line[128];

	(void)state;
	reset();
	/* 40 well-formed frames, 4 words apart. */
	for (size_t i = 0; i < 40; i++)
		frame(8 + 4 * i, i == 39 ? 0 : FP(8 + 4 * (i + 1)), TEXT(0x100 + i));
	stack_trace_print(FP(8));
	strcpy(want, "Stack trace:\n");
	for (size_t i = 0; i < 32; i++) {
		frame_line(line, sizeof(line), TEXT(0x100 + i), "kmain", i);
		strcat(want, line);
	}
	assert_string_equal(fake_log_text, want);
	/* Only the frames it printed were checked against the stack. */
	assert_int_equal(stack_checks, 32);

	/* Exactly 32 frames print completely. */
	reset();
	for (size_t i = 0; i < 32; i++)
		frame(8 + 4 * i, i == 31 ? 0 : FP(8 + 4 * (i + 1)), TEXT(0x100 + i));
	stack_trace_print(FP(8));
	assert_string_equal(fake_log_text, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(linker_symbols_bound_the_fake_text),
		cmocka_unit_test(lookup_finds_the_containing_function),
		cmocka_unit_test(lookup_outside_text_fails),
		cmocka_unit_test(lookup_matches_a_linear_scan),
		cmocka_unit_test(normal_chain),
		cmocka_unit_test(unknown_addresses_print_a_question_mark),
		cmocka_unit_test(a_zero_return_address_ends_the_chain),
		cmocka_unit_test(no_frames),
		cmocka_unit_test(chain_leaving_the_stack),
		cmocka_unit_test(non_increasing_frame_pointer_stops),
		cmocka_unit_test(misaligned_frame_pointer),
		cmocka_unit_test(depth_is_limited_to_32_frames),
	};
	return cmocka_run_group_tests_name("symbols", tests, NULL, NULL);
}
