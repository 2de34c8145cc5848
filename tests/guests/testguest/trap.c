// SPDX-License-Identifier: BSD-3-Clause
/*
 * Vector dispatch: interrupts (and an NMI that a test has a handler for) go to irq.c;
 * an exception on an AP halts that AP (irq.h); an exception at CPL 3 while user_run()
 * waits for one goes back to it (user.h), then probe fixups (probe.h), then the
 * unexpected-exception path. 64-bit IDT gate layout: SDM Vol 3A 6.14.1.
 */
#include "trap.h"
#include "check.h"
#include "console.h"
#include "irq.h"
#include "probe.h"

#define EXCEPTION_VECTORS 32
#define IDT_VECTORS	  256
#define SEL_CODE64	  0x08
#define GATE_INTERRUPT	  0x8e /* present, DPL 0, 64-bit interrupt gate: IF stays clear */

struct idt_gate {
	u16 offset_low;
	u16 selector;
	u8 ist;
	u8 type;
	u16 offset_mid;
	u32 offset_high;
	u32 reserved;
} __attribute__((packed));

struct table_desc {
	u16 limit;
	u64 base;
} __attribute__((packed));

extern const u64 vector_stubs[IDT_VECTORS];
extern const struct probe_fixup __probe_fixup_start[], __probe_fixup_end[];

volatile struct fault probe_fault;

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
static struct jmp_ctx *recovery;
static struct jmp_ctx *user_return;
static struct trap_frame *user_frame;
static const char *recovery_test;
static int handler_depth;

static const char *const vector_names[EXCEPTION_VECTORS] = {
	"DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM", "DF", "CSO", "TS",
	"NP", "SS", "GP",  "PF", "15", "MF", "AC", "MC", "XM", "VE",  "CP",
	"22", "23", "24",  "25", "26", "27", "HV", "VC", "SX", "31",
};

const char *vector_name(int vector)
{
	if (vector < 0 || vector >= EXCEPTION_VECTORS)
		return "??";
	return vector_names[vector];
}

bool vector_has_error_code(int vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 ||
	       vector == 29 || vector == 30;
}

const char *fault_describe(struct fault f, char *buf, size_t size)
{
	if (f.vector == FAULT_NONE)
		tg_snprintf(buf, size, "no exception");
	else if (vector_has_error_code(f.vector) && f.error_code == 0)
		tg_snprintf(buf, size, "#%s(0)", vector_name(f.vector));
	else if (vector_has_error_code(f.vector))
		tg_snprintf(buf, size, "#%s(0x%x)", vector_name(f.vector), f.error_code);
	else
		tg_snprintf(buf, size, "#%s", vector_name(f.vector));
	return buf;
}

void trap_load_idt(void)
{
	struct table_desc desc = {.limit = sizeof(idt) - 1, .base = (u64)(size_t)idt};

	asm volatile("lidt %0" : : "m"(desc) : "memory");
}

void trap_init(void)
{
	int v;

	for (v = 0; v < IDT_VECTORS; v++) {
		u64 addr = vector_stubs[v];

		idt[v] = (struct idt_gate){
			.offset_low = (u16)addr,
			.selector = SEL_CODE64,
			.type = GATE_INTERRUPT,
			.offset_mid = (u16)(addr >> 16),
			.offset_high = (u32)(addr >> 32),
		};
	}
	trap_load_idt();
}

void trap_load_null_idt(void)
{
	struct table_desc desc = {.limit = 0, .base = 0};

	asm volatile("lidt %0" : : "m"(desc) : "memory");
}

static const struct probe_fixup *fixup_find(u64 rip)
{
	const struct probe_fixup *f;

	for (f = __probe_fixup_start; f < __probe_fixup_end; f++) {
		if (f->insn == rip)
			return f;
	}
	return NULL;
}

static void dump_registers(const struct trap_frame *tf)
{
	say("regs rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx rsi=%016llx rdi=%016llx "
	    "rbp=%016llx rsp=%016llx r8=%016llx r9=%016llx r10=%016llx r11=%016llx "
	    "r12=%016llx r13=%016llx r14=%016llx r15=%016llx rip=%016llx rflags=%016llx "
	    "cs=%04llx ss=%04llx cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx",
	    tf->rax, tf->rbx, tf->rcx, tf->rdx, tf->rsi, tf->rdi, tf->rbp, tf->rsp, tf->r8, tf->r9,
	    tf->r10, tf->r11, tf->r12, tf->r13, tf->r14, tf->r15, tf->rip, tf->rflags, tf->cs,
	    tf->ss, read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

void fatal(const char *why)
{
	say("fatal: %s", why);
	halt_forever();
}

void exception_dispatch(struct trap_frame *tf);

void exception_dispatch(struct trap_frame *tf)
{
	const struct probe_fixup *fix = fixup_find(tf->rip);
	struct fault f = {.vector = (int)tf->vector, .error_code = (u32)tf->error_code};
	char what[32];

	/* Before the fixups: an interrupt may arrive right before a probed instruction. */
	if (irq_dispatch(tf))
		return;
	if ((tf->cs & 3) == 3 && user_return && handler_depth == 0) {
		struct jmp_ctx *ctx = user_return;

		*user_frame = *tf;
		user_return = NULL;
		tg_longjmp(ctx, 1);
	}
	if (fix && handler_depth == 0) {
		probe_fault.vector = f.vector;
		probe_fault.error_code = f.error_code;
		tf->rip = fix->resume;
		return;
	}
	if (this_cpu() != 0)
		irq_ap_exception(tf);
	if (handler_depth++) {
		/* An exception while reporting one: print as little as possible. */
		say("fatal: nested exception #%s at rip 0x%llx", vector_name(f.vector), tf->rip);
		halt_forever();
	}
	user_return = NULL;
	fault_describe(f, what, sizeof(what));
	dump_registers(tf);
	if (recovery) {
		struct jmp_ctx *ctx = recovery;

		check_fail(recovery_test, "unexpected_exception",
			   "%s at rip 0x%llx (cr2 0x%llx), rest of the test skipped", what, tf->rip,
			   read_cr2());
		recovery = NULL;
		handler_depth = 0;
		tg_longjmp(ctx, 1);
	}
	check_fail("boot", "unexpected_exception", "%s at rip 0x%llx (cr2 0x%llx)", what, tf->rip,
		   read_cr2());
	fatal("unexpected exception outside a test");
}

void trap_catch_user(struct jmp_ctx *ctx, struct trap_frame *frame)
{
	user_frame = frame;
	user_return = ctx;
}

int run_guarded(const char *test, void (*fn)(void))
{
	struct jmp_ctx ctx;

	if (tg_setjmp(&ctx))
		return -1;
	recovery = &ctx;
	recovery_test = test;
	fn();
	recovery = NULL;
	return 0;
}
