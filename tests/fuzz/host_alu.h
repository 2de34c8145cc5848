/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reference for instr_alu(), XADD and CMPXCHG: runs the same operation on the host
 * CPU (x86-64) and returns its result and status flags. Used by the unit tests
 * (test_instr_alu.c, test_instr_emul.c) and the fuzz target, so "the flags hardware
 * produces" is checked against hardware.
 *
 * POPF/PUSHF go below the red zone (the asm cannot tell the compiler it uses the stack).
 * Only the six status flags are loaded; DF, TF and the rest keep their host values.
 */
#ifndef TESTS_HOST_ALU_H
#define TESTS_HOST_ALU_H

#include <asm/instr_emul.h>

#define HOST_ALU_ASM(insn, d, s, fl)                          \
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t"         \
			 "pushfq\n\t"                         \
			 "andq $~0x8d5, (%%rsp)\n\t"          \
			 "orq %[f], (%%rsp)\n\t"              \
			 "popfq\n\t" insn " %[sv], %[dv]\n\t" \
			 "pushfq\n\t"                         \
			 "popq %[f]\n\t"                      \
			 "lea 128(%%rsp), %%rsp"              \
			 : [dv] "+r"(d), [f] "+r"(fl)         \
			 : [sv] "r"(s)                        \
			 : "cc", "memory")

#define HOST_ALU_ASM1(insn, d, fl)                     \
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t"  \
			 "pushfq\n\t"                  \
			 "andq $~0x8d5, (%%rsp)\n\t"   \
			 "orq %[f], (%%rsp)\n\t"       \
			 "popfq\n\t" insn " %[dv]\n\t" \
			 "pushfq\n\t"                  \
			 "popq %[f]\n\t"               \
			 "lea 128(%%rsp), %%rsp"       \
			 : [dv] "+r"(d), [f] "+r"(fl)  \
			 :                             \
			 : "cc", "memory")

/* One operation at the four sizes; mnemonic without the size suffix. */
#define HOST_ALU_SIZES(mn, r, dst, src, fl)               \
	do {                                              \
		switch (size) {                           \
		case 1: {                                 \
			u8 d_ = dst, s_ = src;            \
			HOST_ALU_ASM(mn "b", d_, s_, fl); \
			r = d_;                           \
			break;                            \
		}                                         \
		case 2: {                                 \
			u16 d_ = dst, s_ = src;           \
			HOST_ALU_ASM(mn "w", d_, s_, fl); \
			r = d_;                           \
			break;                            \
		}                                         \
		case 4: {                                 \
			u32 d_ = dst, s_ = src;           \
			HOST_ALU_ASM(mn "l", d_, s_, fl); \
			r = d_;                           \
			break;                            \
		}                                         \
		default: {                                \
			u64 d_ = dst, s_ = src;           \
			HOST_ALU_ASM(mn "q", d_, s_, fl); \
			r = d_;                           \
			break;                            \
		}                                         \
		}                                         \
	} while (0)

#define HOST_ALU_SIZES1(mn, r, dst, fl)                \
	do {                                           \
		switch (size) {                        \
		case 1: {                              \
			u8 d_ = dst;                   \
			HOST_ALU_ASM1(mn "b", d_, fl); \
			r = d_;                        \
			break;                         \
		}                                      \
		case 2: {                              \
			u16 d_ = dst;                  \
			HOST_ALU_ASM1(mn "w", d_, fl); \
			r = d_;                        \
			break;                         \
		}                                      \
		case 4: {                              \
			u32 d_ = dst;                  \
			HOST_ALU_ASM1(mn "l", d_, fl); \
			r = d_;                        \
			break;                         \
		}                                      \
		default: {                             \
			u64 d_ = dst;                  \
			HOST_ALU_ASM1(mn "q", d_, fl); \
			r = d_;                        \
			break;                         \
		}                                      \
		}                                      \
	} while (0)

/*
 * Returns true and fills *result and *rflags (status flags replaced, others kept) for
 * the operations instr_alu() implements; false for any other op.
 */
static inline bool host_alu(enum instr_op op, unsigned int size, u64 dst, u64 src, u64 *result,
			    u64 *rflags)
{
	u64 fl = *rflags & X86_RFLAGS_ARITH, r = 0;

	switch (op) {
	case INSTR_ADD:
		HOST_ALU_SIZES("add", r, dst, src, fl);
		break;
	case INSTR_OR:
		HOST_ALU_SIZES("or", r, dst, src, fl);
		break;
	case INSTR_ADC:
		HOST_ALU_SIZES("adc", r, dst, src, fl);
		break;
	case INSTR_SBB:
		HOST_ALU_SIZES("sbb", r, dst, src, fl);
		break;
	case INSTR_AND:
		HOST_ALU_SIZES("and", r, dst, src, fl);
		break;
	case INSTR_SUB:
		HOST_ALU_SIZES("sub", r, dst, src, fl);
		break;
	case INSTR_XOR:
		HOST_ALU_SIZES("xor", r, dst, src, fl);
		break;
	case INSTR_CMP:
		HOST_ALU_SIZES("cmp", r, dst, src, fl);
		break;
	case INSTR_TEST:
		HOST_ALU_SIZES("test", r, dst, src, fl);
		r = dst & src;
		break;
	case INSTR_NOT:
		HOST_ALU_SIZES1("not", r, dst, fl);
		break;
	case INSTR_NEG:
		HOST_ALU_SIZES1("neg", r, dst, fl);
		break;
	case INSTR_INC:
		HOST_ALU_SIZES1("inc", r, dst, fl);
		break;
	case INSTR_DEC:
		HOST_ALU_SIZES1("dec", r, dst, fl);
		break;
	default:
		return false;
	}
	/* CMP and TEST only set flags; instr_alu() returns the value they compute. */
	if (op == INSTR_CMP)
		r = dst - src;
	*result = r & (size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1);
	*rflags = (*rflags & ~X86_RFLAGS_ARITH) | (fl & X86_RFLAGS_ARITH);
	return true;
}

/*
 * An instruction with a memory destination, a register source and the accumulator
 * (CMPXCHG's implicit operand; XADD ignores it). The memory operand is addressed through
 * a register: an rSP-relative address would be wrong once RSP has moved.
 */
#define HOST_RMW_ASM(insn, p, s, acc, fl)                        \
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t"            \
			 "pushfq\n\t"                            \
			 "andq $~0x8d5, (%%rsp)\n\t"             \
			 "orq %[f], (%%rsp)\n\t"                 \
			 "popfq\n\t" insn " %[sv], (%[pv])\n\t"  \
			 "pushfq\n\t"                            \
			 "popq %[f]\n\t"                         \
			 "lea 128(%%rsp), %%rsp"                 \
			 : [sv] "+r"(s), [f] "+r"(fl), "+a"(acc) \
			 : [pv] "r"(p)                           \
			 : "cc", "memory")

#define HOST_RMW_SIZE(type, sfx, mn, mem, reg, acc, fl)     \
	do {                                                \
		type m_ = *(mem), s_ = *(reg), a_ = *(acc); \
		HOST_RMW_ASM(mn sfx, &m_, s_, a_, fl);      \
		*(mem) = m_;                                \
		*(reg) = s_;                                \
		*(acc) = a_;                                \
	} while (0)

/* INSTR_XADD or INSTR_CMPXCHG: *mem, *reg, *acc and *rflags become what the CPU leaves. */
static inline void host_rmw(enum instr_op op, unsigned int size, u64 *mem, u64 *reg, u64 *acc,
			    u64 *rflags)
{
	u64 fl = *rflags & X86_RFLAGS_ARITH, m = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	bool xadd = op == INSTR_XADD;

	*mem &= m;
	*reg &= m;
	*acc &= m;
	switch (size) {
	case 1:
		if (xadd)
			HOST_RMW_SIZE(u8, "b", "xadd", mem, reg, acc, fl);
		else
			HOST_RMW_SIZE(u8, "b", "cmpxchg", mem, reg, acc, fl);
		break;
	case 2:
		if (xadd)
			HOST_RMW_SIZE(u16, "w", "xadd", mem, reg, acc, fl);
		else
			HOST_RMW_SIZE(u16, "w", "cmpxchg", mem, reg, acc, fl);
		break;
	case 4:
		if (xadd)
			HOST_RMW_SIZE(u32, "l", "xadd", mem, reg, acc, fl);
		else
			HOST_RMW_SIZE(u32, "l", "cmpxchg", mem, reg, acc, fl);
		break;
	default:
		if (xadd)
			HOST_RMW_SIZE(u64, "q", "xadd", mem, reg, acc, fl);
		else
			HOST_RMW_SIZE(u64, "q", "cmpxchg", mem, reg, acc, fl);
		break;
	}
	*rflags = (*rflags & ~X86_RFLAGS_ARITH) | (fl & X86_RFLAGS_ARITH);
}

#endif
