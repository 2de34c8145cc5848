// SPDX-License-Identifier: BSD-3-Clause
/*
 * Exception and interrupt dispatch. Any exception in the hypervisor is fatal: it is
 * reported with the full register state and a stack trace, then every CPU stops.
 * Interrupts go to the handler registered for their vector.
 */
#include <bulkhead/errno.h>
#include <bulkhead/log.h>
#include <bulkhead/panic.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/pic.h>
#include <asm/processor.h>
#include <asm/trap.h>
#include <bulkhead/arch.h>

static irq_handler_t irq_handlers[256];

static const char *const exception_names[32] = {
	[0] = "#DE Divide error",
	[1] = "#DB Debug",
	[2] = "NMI",
	[3] = "#BP Breakpoint",
	[4] = "#OF Overflow",
	[5] = "#BR Bound range",
	[6] = "#UD Invalid opcode",
	[7] = "#NM Device not available",
	[8] = "#DF Double fault",
	[9] = "Coprocessor segment overrun",
	[10] = "#TS Invalid TSS",
	[11] = "#NP Segment not present",
	[12] = "#SS Stack fault",
	[13] = "#GP General protection",
	[14] = "#PF Page fault",
	[16] = "#MF x87 FPU error",
	[17] = "#AC Alignment check",
	[18] = "#MC Machine check",
	[19] = "#XM SIMD exception",
	[20] = "#VE Virtualization exception",
	[21] = "#CP Control protection",
};

const char *exception_name(u64 vector)
{
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return vector < 32 ? "Reserved" : "Interrupt";
}

int irq_register(u8 vector, irq_handler_t handler)
{
	if (vector < VEC_FIRST_IRQ || !handler)
		return -EINVAL;
	if (irq_handlers[vector])
		return -EBUSY;
	irq_handlers[vector] = handler;
	return 0;
}

static void print_symbolized(const char *label, u64 addr)
{
	u64 offset;
	const char *name = symbol_lookup(addr, &offset);

	if (name)
		pr_err("%s=0x%016llx <%s+0x%llx>\n", label, (unsigned long long)addr, name,
		       (unsigned long long)offset);
	else
		pr_err("%s=0x%016llx\n", label, (unsigned long long)addr);
}

static void describe_page_fault(u64 error_code)
{
	pr_err("  page fault: %s %s, %s%s%s\n",
	       error_code & 1 ? "protection violation" : "not present",
	       error_code & (1 << 4) ? "on instruction fetch"
				     : (error_code & 2 ? "on write" : "on read"),
	       error_code & 4 ? "user" : "supervisor", error_code & 8 ? ", reserved bit set" : "",
	       error_code & (1 << 5) ? ", protection key" : "");
}

static void dump_exception(const struct trap_frame *f)
{
	pr_err("*** EXCEPTION on cpu%u: vector %llu (%s) error code 0x%llx\n", this_cpu_id(),
	       (unsigned long long)f->vector, exception_name(f->vector),
	       (unsigned long long)f->error_code);
	if (f->vector == VEC_PF)
		describe_page_fault(f->error_code);
	print_symbolized("RIP", f->rip);
	pr_err("RAX=0x%016llx RBX=0x%016llx RCX=0x%016llx RDX=0x%016llx\n",
	       (unsigned long long)f->rax, (unsigned long long)f->rbx, (unsigned long long)f->rcx,
	       (unsigned long long)f->rdx);
	pr_err("RSI=0x%016llx RDI=0x%016llx RBP=0x%016llx RSP=0x%016llx\n",
	       (unsigned long long)f->rsi, (unsigned long long)f->rdi, (unsigned long long)f->rbp,
	       (unsigned long long)f->rsp);
	pr_err("R8 =0x%016llx R9 =0x%016llx R10=0x%016llx R11=0x%016llx\n",
	       (unsigned long long)f->r8, (unsigned long long)f->r9, (unsigned long long)f->r10,
	       (unsigned long long)f->r11);
	pr_err("R12=0x%016llx R13=0x%016llx R14=0x%016llx R15=0x%016llx\n",
	       (unsigned long long)f->r12, (unsigned long long)f->r13, (unsigned long long)f->r14,
	       (unsigned long long)f->r15);
	pr_err("CS=0x%04llx SS=0x%04llx RFLAGS=0x%016llx\n", (unsigned long long)f->cs,
	       (unsigned long long)f->ss, (unsigned long long)f->rflags);
	pr_err("CR0=0x%016llx CR2=0x%016llx CR3=0x%016llx CR4=0x%016llx\n",
	       (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
	       (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	/* The interrupted code's frame chain starts at its RBP. */
	stack_trace_print(f->rbp);
}

void trap_dispatch(struct trap_frame *frame)
{
	u64 vector = frame->vector;

	if (vector == VEC_NMI) {
		/* The panic path stops CPUs with an NMI. */
		if (system_stopping())
			arch_cpu_stop_self();
		if (this_cpu()->kick_by_nmi)
			return; /* a kick (arch_kick_cpu): the run loop looks at the requests */
		pr_warn("cpu%u: unexpected NMI at RIP 0x%llx\n", this_cpu_id(),
			(unsigned long long)frame->rip);
		return;
	}
	if (vector < VEC_FIRST_IRQ) {
		if (!panic_begin())
			arch_cpu_stop_self();
		dump_exception(frame);
		panic_finish();
	}
	if (irq_handlers[vector]) {
		irq_handlers[vector](frame);
	} else if (vector == PIC_REMAP_BASE + 7 || vector == PIC_REMAP_BASE + 15) {
		return; /* spurious 8259 interrupt: the masked PIC wants no EOI */
	} else if (vector != VEC_SPURIOUS) {
		pr_warn("cpu%u: interrupt on unused vector 0x%llx\n", this_cpu_id(),
			(unsigned long long)vector);
	}
	if (vector != VEC_SPURIOUS)
		lapic_eoi();
}
