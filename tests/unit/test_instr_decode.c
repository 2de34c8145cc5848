// SPDX-License-Identifier: BSD-3-Clause
/*
 * The MMIO instruction decoder: lengths, operand and address sizes, every addressing
 * form (16-bit table, SIB, RIP-relative, moffs), prefixes and REX, truncated input and
 * the 15-byte limit, and what it refuses. Encodings were checked against GNU as; the
 * group runs from test_instr_emul.c's main.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <asm/instr_emul.h>

/* Byte list -> pointer and length. */
#define B(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})

struct decode_case {
	enum cpu_mode mode;
	u8 bytes[INSTR_MAX_LEN];
	u8 n;
	enum instr_op op;
	u8 op_size, addr_size;
};

#define DC(mode, op, os, as, ...)                                            \
	{                                                                    \
		mode, {__VA_ARGS__}, sizeof((u8[]){__VA_ARGS__}), op, os, as \
	}

static const struct decode_case decode_cases[] = {
	/* 64-bit mode: sizes from REX.W, 66, 67; lengths of every addressing form. */
	DC(CPU_MODE_64, INSTR_MOV, 4, 8, 0x89, 0x03),
	DC(CPU_MODE_64, INSTR_MOV, 8, 8, 0x48, 0x89, 0x03),
	DC(CPU_MODE_64, INSTR_MOV, 2, 8, 0x66, 0x89, 0x03),
	DC(CPU_MODE_64, INSTR_MOV, 1, 8, 0x88, 0x03),
	DC(CPU_MODE_64, INSTR_MOV, 8, 8, 0x66, 0x48, 0x89, 0x03), /* REX.W beats 66 */
	DC(CPU_MODE_64, INSTR_MOV, 2, 8, 0x48, 0x66, 0x89, 0x03), /* REX before 66 is void */
	DC(CPU_MODE_64, INSTR_MOV, 4, 4, 0x67, 0x8b, 0x04, 0x24),
	DC(CPU_MODE_64, INSTR_MOV, 4, 8, 0x45, 0x8b, 0x54, 0x24, 0x10),
	DC(CPU_MODE_64, INSTR_MOV, 1, 8, 0x47, 0x8a, 0xbc, 0xf5, 0x78, 0x56, 0x34, 0x12),
	DC(CPU_MODE_64, INSTR_MOV, 4, 8, 0x8b, 0x04, 0x8d, 0x00, 0x00, 0x00, 0x00),
	DC(CPU_MODE_64, INSTR_MOV, 4, 8, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00),
	DC(CPU_MODE_64, INSTR_MOV, 4, 8, 0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x44, 0x33, 0x22,
	   0x11),
	DC(CPU_MODE_64, INSTR_MOV, 1, 8, 0xc6, 0x03, 0x5a),
	DC(CPU_MODE_64, INSTR_MOV, 8, 8, 0x48, 0xc7, 0x03, 0xfe, 0xff, 0xff, 0xff),
	DC(CPU_MODE_64, INSTR_MOV, 2, 8, 0x66, 0xc7, 0x03, 0x34, 0x12),
	DC(CPU_MODE_64, INSTR_MOV, 4, 8, 0xa1, 0x10, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
	DC(CPU_MODE_64, INSTR_MOV, 8, 8, 0x48, 0xa3, 0x10, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00,
	   0x00),
	DC(CPU_MODE_64, INSTR_MOV, 4, 4, 0x67, 0xa1, 0x10, 0x00, 0xe0, 0xfe),
	DC(CPU_MODE_64, INSTR_MOVZX, 4, 8, 0x0f, 0xb6, 0x03),
	DC(CPU_MODE_64, INSTR_MOVZX, 8, 8, 0x48, 0x0f, 0xb7, 0x03),
	DC(CPU_MODE_64, INSTR_MOVSX, 2, 8, 0x66, 0x0f, 0xbe, 0x03),
	DC(CPU_MODE_64, INSTR_MOVSX, 4, 8, 0x0f, 0xbf, 0x03),
	DC(CPU_MODE_64, INSTR_MOVSX, 8, 8, 0x48, 0x63, 0x03),
	DC(CPU_MODE_64, INSTR_ADD, 4, 8, 0x01, 0x03),
	DC(CPU_MODE_64, INSTR_ADD, 4, 8, 0x03, 0x03),
	DC(CPU_MODE_64, INSTR_SUB, 1, 8, 0x28, 0x03),
	DC(CPU_MODE_64, INSTR_CMP, 8, 8, 0x48, 0x83, 0x3b, 0xff),
	DC(CPU_MODE_64, INSTR_AND, 4, 8, 0x81, 0x23, 0x00, 0xff, 0x00, 0x00),
	DC(CPU_MODE_64, INSTR_OR, 2, 8, 0x66, 0x83, 0x0b, 0x01),
	DC(CPU_MODE_64, INSTR_OR, 2, 8, 0x66, 0x81, 0x0b, 0x01, 0x00),
	DC(CPU_MODE_64, INSTR_XOR, 4, 8, 0x31, 0x0b),
	DC(CPU_MODE_64, INSTR_ADC, 4, 8, 0x11, 0x03),
	DC(CPU_MODE_64, INSTR_SBB, 4, 8, 0x83, 0xd8, 0x01),
	DC(CPU_MODE_64, INSTR_CMP, 1, 8, 0x3a, 0x03),
	DC(CPU_MODE_64, INSTR_TEST, 4, 8, 0xf7, 0x03, 0x80, 0x00, 0x00, 0x00),
	DC(CPU_MODE_64, INSTR_TEST, 1, 8, 0xf6, 0x03, 0x80),
	DC(CPU_MODE_64, INSTR_TEST, 4, 8, 0x85, 0x03),
	DC(CPU_MODE_64, INSTR_NOT, 4, 8, 0xf7, 0x13),
	DC(CPU_MODE_64, INSTR_NEG, 8, 8, 0x48, 0xf7, 0x1b),
	DC(CPU_MODE_64, INSTR_INC, 4, 8, 0xff, 0x03),
	DC(CPU_MODE_64, INSTR_DEC, 1, 8, 0xfe, 0x0b),
	DC(CPU_MODE_64, INSTR_BT, 4, 8, 0x0f, 0xa3, 0x03),
	DC(CPU_MODE_64, INSTR_BT, 4, 8, 0x0f, 0xba, 0x23, 0x05),
	DC(CPU_MODE_64, INSTR_BTS, 8, 8, 0x48, 0x0f, 0xab, 0x03),
	DC(CPU_MODE_64, INSTR_BTR, 2, 8, 0x66, 0x0f, 0xb3, 0x03),
	DC(CPU_MODE_64, INSTR_BTC, 4, 8, 0x0f, 0xba, 0x3b, 0x1f),
	DC(CPU_MODE_64, INSTR_XCHG, 4, 8, 0x87, 0x03),
	DC(CPU_MODE_64, INSTR_XCHG, 1, 8, 0x86, 0x23),
	DC(CPU_MODE_64, INSTR_ADD, 4, 8, 0xf0, 0x83, 0x03, 0x01),
	DC(CPU_MODE_64, INSTR_XCHG, 4, 8, 0xf0, 0x87, 0x03),
	DC(CPU_MODE_64, INSTR_BTS, 4, 8, 0xf0, 0x0f, 0xab, 0x03),
	DC(CPU_MODE_64, INSTR_MOVS, 1, 8, 0xa4),
	DC(CPU_MODE_64, INSTR_MOVS, 8, 8, 0xf3, 0x48, 0xa5),
	DC(CPU_MODE_64, INSTR_STOS, 4, 8, 0xf3, 0xab),
	DC(CPU_MODE_64, INSTR_MOVS, 1, 4, 0x67, 0xf3, 0xa4),
	DC(CPU_MODE_64, INSTR_LODS, 4, 8, 0xad),
	DC(CPU_MODE_64, INSTR_MOV, 2, 4, 0x3e, 0x2e, 0x26, 0x36, 0x64, 0x65, 0xf2, 0xf3, 0x66, 0x66,
	   0x67, 0x67, 0x40, 0x89, 0x03),
	/* 32-bit protected and compatibility mode: no REX, 67 selects 16-bit forms. */
	DC(CPU_MODE_PROT32, INSTR_MOV, 4, 4, 0x89, 0x03),
	DC(CPU_MODE_PROT32, INSTR_MOV, 2, 2, 0x66, 0x67, 0x89, 0x07),
	DC(CPU_MODE_PROT32, INSTR_MOV, 4, 4, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12),
	DC(CPU_MODE_PROT32, INSTR_MOV, 4, 4, 0xa1, 0x10, 0x00, 0xe0, 0xfe),
	DC(CPU_MODE_PROT32, INSTR_MOV, 2, 2, 0x66, 0x67, 0xa1, 0x10, 0x00),
	DC(CPU_MODE_PROT32, INSTR_MOV, 4, 4, 0xc7, 0x03, 0x00, 0x00, 0x00, 0x80),
	DC(CPU_MODE_PROT32, INSTR_ADD, 1, 4, 0x82, 0x03, 0x01),
	DC(CPU_MODE_COMPAT32, INSTR_ADD, 4, 4, 0x81, 0x44, 0x24, 0x08, 0x01, 0x00, 0x00, 0x00),
	DC(CPU_MODE_COMPAT16, INSTR_MOV, 2, 2, 0x89, 0x07),
	/* 16-bit: real mode and CS.D = 0; 66 and 67 select the 32-bit forms. */
	DC(CPU_MODE_REAL, INSTR_MOV, 2, 2, 0x89, 0x07),
	DC(CPU_MODE_REAL, INSTR_MOV, 2, 2, 0x8b, 0x46, 0x08),
	DC(CPU_MODE_REAL, INSTR_MOV, 2, 2, 0x8b, 0x86, 0x34, 0x12),
	DC(CPU_MODE_REAL, INSTR_MOV, 2, 2, 0x8b, 0x36, 0x34, 0x12),
	DC(CPU_MODE_REAL, INSTR_MOV, 4, 2, 0x66, 0x89, 0x07),
	DC(CPU_MODE_REAL, INSTR_MOV, 2, 4, 0x67, 0x8b, 0x04, 0x24),
	DC(CPU_MODE_REAL, INSTR_MOV, 2, 2, 0xa1, 0x34, 0x12),
	DC(CPU_MODE_PROT16, INSTR_MOV, 2, 2, 0xc7, 0x07, 0x34, 0x12),
	DC(CPU_MODE_PROT16, INSTR_MOV, 4, 2, 0x66, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12),
	DC(CPU_MODE_PROT16, INSTR_ADD, 2, 2, 0x81, 0x07, 0x34, 0x12),
	DC(CPU_MODE_PROT16, INSTR_MOVS, 2, 2, 0xf3, 0xa5),
};

/* Each case is followed by filler: the decoder must stop exactly at its end. */
static void decode_lengths_and_sizes(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
		const struct decode_case *c = &decode_cases[i];
		u8 buf[32];
		struct instr in;

		memset(buf, 0xcc, sizeof(buf));
		memcpy(buf, c->bytes, c->n);
		if (instr_decode(buf, sizeof(buf), c->mode, &in) != 0)
			fail_msg("case %u: not decoded", i);
		if (in.len != c->n || in.op != c->op || in.op_size != c->op_size ||
		    in.addr_size != c->addr_size)
			fail_msg("case %u: len %u op %d op_size %u addr_size %u", i, in.len, in.op,
				 in.op_size, in.addr_size);
		/* The exact length is enough, too. */
		assert_int_equal(instr_decode(c->bytes, c->n, c->mode, &in), 0);
	}
}

static void decode_truncated_input(void **state)
{
	static const u8 longest[] = {0x47, 0x8a, 0xbc, 0xf5, 0x78, 0x56, 0x34, 0x12};
	static const u8 imm[] = {0x66, 0x48, 0xc7, 0x84, 0x24, 0x10, 0x00,
				 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff};
	static const u8 moffs[] = {0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8};
	struct instr in;
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(longest); n++)
		assert_int_equal(instr_decode(longest, n, CPU_MODE_64, &in), -ENOSPC);
	assert_int_equal(instr_decode(longest, n, CPU_MODE_64, &in), 0);
	for (n = 0; n < sizeof(imm); n++)
		assert_int_equal(instr_decode(imm, n, CPU_MODE_64, &in), -ENOSPC);
	assert_int_equal(instr_decode(imm, n, CPU_MODE_64, &in), 0);
	assert_int_equal(in.len, 13);
	for (n = 0; n < sizeof(moffs); n++)
		assert_int_equal(instr_decode(moffs, n, CPU_MODE_64, &in), -ENOSPC);
	assert_int_equal(instr_decode(moffs, n, CPU_MODE_64, &in), 0);
	assert_int_equal(in.src.mem.disp, 0x0807060504030201ULL);
	/* A group opcode whose ModRM is missing. */
	assert_int_equal(instr_decode(B(0xf6), CPU_MODE_64, &in), -ENOSPC);
	assert_int_equal(instr_decode(B(0x0f), CPU_MODE_64, &in), -ENOSPC);
	assert_int_equal(instr_decode(NULL, 0, CPU_MODE_64, &in), -ENOSPC);
}

static void decode_fifteen_byte_limit(void **state)
{
	static const u8 sixteen[] = {0x66, 0x66, 0x66, 0x67, 0x48, 0xc7, 0x84, 0x24,
				     0x10, 0x00, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff};
	u8 buf[32];
	struct instr in;
	unsigned int prefixes;

	(void)state;
	/* n prefixes + 89 03: 13 prefixes make 15 bytes, the most there can be. */
	for (prefixes = 0; prefixes <= 20; prefixes++) {
		memset(buf, 0x66, prefixes);
		buf[prefixes] = 0x89;
		buf[prefixes + 1] = 0x03;
		if (prefixes <= 13) {
			assert_int_equal(instr_decode(buf, prefixes + 2, CPU_MODE_64, &in), 0);
			assert_int_equal(in.len, prefixes + 2);
		} else {
			assert_int_equal(instr_decode(buf, prefixes + 2, CPU_MODE_64, &in),
					 -EINVAL);
			/* Cut at 15 bytes: still too long, not "need more". */
			assert_int_equal(instr_decode(buf, 15, CPU_MODE_64, &in), -EINVAL);
		}
	}
	/* A 15-byte instruction ending in its immediate, and one byte more. */
	assert_int_equal(instr_decode(sixteen + 1, 15, CPU_MODE_64, &in), 0);
	assert_int_equal(in.len, 15);
	assert_int_equal(instr_decode(sixteen, 16, CPU_MODE_64, &in), -EINVAL);
}

static void decode_refuses_unsupported(void **state)
{
	static const struct {
		enum cpu_mode mode;
		u8 bytes[4];
		u8 n;
	} bad[] = {
		{CPU_MODE_64, {0x90}, 1},		  /* NOP */
		{CPU_MODE_64, {0xc3}, 1},		  /* RET */
		{CPU_MODE_64, {0x0f, 0x0b}, 2},		  /* UD2 */
		{CPU_MODE_64, {0x04, 0x01}, 2},		  /* ADD AL, imm: no memory operand */
		{CPU_MODE_64, {0x8e, 0xd8}, 2},		  /* MOV DS, AX */
		{CPU_MODE_64, {0xf6, 0x23}, 2},		  /* MUL byte [rbx] */
		{CPU_MODE_64, {0xf6, 0x0b, 0x00}, 3},	  /* F6 /1, the undocumented TEST */
		{CPU_MODE_64, {0xf7, 0x3b}, 2},		  /* IDIV */
		{CPU_MODE_64, {0xff, 0x13}, 2},		  /* CALL [rbx] */
		{CPU_MODE_64, {0xfe, 0x13}, 2},		  /* FE /2 */
		{CPU_MODE_64, {0xc6, 0x0b, 0x00}, 3},	  /* C6 /1 */
		{CPU_MODE_64, {0xc7, 0xf8, 0, 0}, 4},	  /* XBEGIN */
		{CPU_MODE_64, {0x0f, 0xba, 0x03, 1}, 4},  /* 0F BA /0 */
		{CPU_MODE_64, {0x82, 0x03, 0x01}, 3},	  /* 82 is invalid in 64-bit mode */
		{CPU_MODE_PROT32, {0x63, 0x03}, 2},	  /* ARPL */
		{CPU_MODE_PROT32, {0x40}, 1},		  /* INC EAX, not REX */
		{CPU_MODE_PROT32, {0x48, 0x89, 0x03}, 3}, /* DEC EAX */
		{CPU_MODE_64, {0x0f, 0xb8, 0x03}, 3},	  /* JMPE/POPCNT */
		/* LOCK: only read-modify-write instructions with a memory destination. */
		{CPU_MODE_64, {0xf0, 0x89, 0x03}, 3},
		{CPU_MODE_64, {0xf0, 0x8b, 0x03}, 3},
		{CPU_MODE_64, {0xf0, 0x01, 0xc3}, 3},
		{CPU_MODE_64, {0xf0, 0x03, 0x03}, 3},
		{CPU_MODE_64, {0xf0, 0x39, 0x03}, 3},
		{CPU_MODE_64, {0xf0, 0x85, 0x03}, 3},
		{CPU_MODE_64, {0xf0, 0x0f, 0xa3, 0x03}, 4},
		{CPU_MODE_64, {0xf0, 0x87, 0xc3}, 3},
		{CPU_MODE_64, {0xf0, 0xa4}, 2},
	};
	struct instr in;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (instr_decode(bad[i].bytes, bad[i].n, bad[i].mode, &in) != -EINVAL)
			fail_msg("case %u decoded", i);
	assert_int_equal(instr_decode(B(0x89, 0x03), (enum cpu_mode)99, &in), -EINVAL);
	assert_int_equal(instr_decode(B(0x89, 0x03), (enum cpu_mode)(-1), &in), -EINVAL);
}

static void decode_register_selection(void **state)
{
	struct instr in;

	(void)state;
	/* Byte registers: AH without REX, SPL with any REX, R12B with REX.R. */
	assert_int_equal(instr_decode(B(0x88, 0x26), CPU_MODE_64, &in), 0);
	assert_int_equal(in.src.reg, X86_REG_RAX);
	assert_true(in.src.high8);
	assert_int_equal(instr_decode(B(0x40, 0x88, 0x26), CPU_MODE_64, &in), 0);
	assert_int_equal(in.src.reg, X86_REG_RSP);
	assert_false(in.src.high8);
	assert_int_equal(instr_decode(B(0x44, 0x88, 0x26), CPU_MODE_64, &in), 0);
	assert_int_equal(in.src.reg, X86_REG_R12);
	assert_false(in.src.high8);
	assert_int_equal(instr_decode(B(0x88, 0x3b), CPU_MODE_PROT32, &in), 0);
	assert_int_equal(in.src.reg, X86_REG_RBX); /* BH */
	assert_true(in.src.high8);
	/* REX.B on the base, REX.R on the register; of two REX prefixes the last counts. */
	assert_int_equal(instr_decode(B(0x41, 0x48, 0x89, 0x03), CPU_MODE_64, &in), 0);
	assert_int_equal(in.dst.mem.base, X86_REG_RBX);
	assert_int_equal(in.op_size, 8);
	assert_int_equal(instr_decode(B(0x48, 0x41, 0x89, 0x03), CPU_MODE_64, &in), 0);
	assert_int_equal(in.dst.mem.base, X86_REG_R11);
	assert_int_equal(in.op_size, 4);
	assert_int_equal(in.rex, 0x41);
	assert_int_equal(instr_decode(B(0x4c, 0x89, 0x03), CPU_MODE_64, &in), 0);
	assert_int_equal(in.src.reg, X86_REG_R8);
	assert_int_equal(in.op_size, 8);
	/* REX.B on a register operand (mod 3). */
	assert_int_equal(instr_decode(B(0x49, 0x87, 0xc7), CPU_MODE_64, &in), 0);
	assert_int_equal(in.dst.kind, OPND_REG);
	assert_int_equal(in.dst.reg, X86_REG_R15);
	assert_int_equal(in.src.reg, X86_REG_RAX);
}

struct mem_case {
	enum cpu_mode mode;
	u8 bytes[INSTR_MAX_LEN];
	u8 n;
	s8 base, index;
	u8 scale, seg;
	u64 disp;
};

#define MC(mode, base, index, scale, seg, disp, ...)                                            \
	{                                                                                       \
		mode, {__VA_ARGS__}, sizeof((u8[]){__VA_ARGS__}), base, index, scale, seg, disp \
	}
#define NOREG INSTR_NO_REG

static const struct mem_case mem_cases[] = {
	/* 32/64-bit forms: SIB, no index (100), no base (mod 0, base 101), RIP-relative. */
	MC(CPU_MODE_64, X86_REG_RSP, NOREG, 1, X86_SEG_SS, 0, 0x8b, 0x04, 0x24),
	MC(CPU_MODE_64, X86_REG_RSP, NOREG, 1, X86_SEG_SS, -8ULL, 0x8b, 0x44, 0x24, 0xf8),
	MC(CPU_MODE_64, X86_REG_RBP, NOREG, 1, X86_SEG_SS, 8, 0x8b, 0x45, 0x08),
	MC(CPU_MODE_64, NOREG, X86_REG_RCX, 4, X86_SEG_DS, 0, 0x8b, 0x04, 0x8d, 0, 0, 0, 0),
	MC(CPU_MODE_64, X86_REG_RAX, X86_REG_R12, 2, X86_SEG_DS, 0, 0x42, 0x8b, 0x04, 0x60),
	MC(CPU_MODE_64, X86_REG_R13, NOREG, 1, X86_SEG_DS, 0, 0x41, 0x8b, 0x45, 0x00),
	MC(CPU_MODE_64, X86_REG_R12, NOREG, 1, X86_SEG_DS, 0, 0x41, 0x8b, 0x04, 0x24),
	MC(CPU_MODE_64, X86_REG_R13, X86_REG_R14, 8, X86_SEG_DS, 0x12345678, 0x47, 0x8a, 0xbc, 0xf5,
	   0x78, 0x56, 0x34, 0x12),
	MC(CPU_MODE_64, NOREG, X86_REG_R12, 1, X86_SEG_DS, 0x12345678, 0x43, 0x8b, 0x04, 0x25, 0x78,
	   0x56, 0x34, 0x12),
	MC(CPU_MODE_64, INSTR_RIP_REL, NOREG, 1, X86_SEG_DS, 0x10, 0x41, 0x8b, 0x05, 0x10, 0, 0, 0),
	MC(CPU_MODE_64, INSTR_RIP_REL, NOREG, 1, X86_SEG_DS, -16ULL, 0x67, 0x8b, 0x05, 0xf0, 0xff,
	   0xff, 0xff),
	MC(CPU_MODE_64, X86_REG_RBX, NOREG, 1, X86_SEG_FS, 0x80, 0x64, 0x8b, 0x83, 0x80, 0, 0, 0),
	/* In 64-bit mode CS/DS/ES/SS overrides are ignored and leave FS/GS in place. */
	MC(CPU_MODE_64, X86_REG_RBX, NOREG, 1, X86_SEG_GS, 0, 0x65, 0x2e, 0x8b, 0x03),
	MC(CPU_MODE_64, X86_REG_RBP, NOREG, 1, X86_SEG_SS, 0, 0x26, 0x8b, 0x45, 0x00),
	MC(CPU_MODE_PROT32, NOREG, NOREG, 1, X86_SEG_DS, 0x12345678, 0x8b, 0x05, 0x78, 0x56, 0x34,
	   0x12),
	MC(CPU_MODE_PROT32, X86_REG_RBP, NOREG, 1, X86_SEG_ES, 0, 0x2e, 0x26, 0x8b, 0x45, 0x00),
	MC(CPU_MODE_PROT32, X86_REG_RBX, NOREG, 1, X86_SEG_CS, 0, 0x2e, 0x89, 0x03),
	MC(CPU_MODE_PROT32, X86_REG_RBX, NOREG, 1, X86_SEG_SS, 0, 0x36, 0x89, 0x03),
	/* 16-bit forms (table 2-1): every rm with mod 0, 1 and 2. */
	MC(CPU_MODE_REAL, X86_REG_RBX, X86_REG_RSI, 1, X86_SEG_DS, 0, 0x8b, 0x00),
	MC(CPU_MODE_REAL, X86_REG_RBX, X86_REG_RDI, 1, X86_SEG_DS, 0, 0x8b, 0x01),
	MC(CPU_MODE_REAL, X86_REG_RBP, X86_REG_RSI, 1, X86_SEG_SS, 0, 0x8b, 0x02),
	MC(CPU_MODE_REAL, X86_REG_RBP, X86_REG_RDI, 1, X86_SEG_SS, 0, 0x8b, 0x03),
	MC(CPU_MODE_REAL, NOREG, X86_REG_RSI, 1, X86_SEG_DS, 0, 0x8b, 0x04),
	MC(CPU_MODE_REAL, NOREG, X86_REG_RDI, 1, X86_SEG_DS, 0, 0x8b, 0x05),
	MC(CPU_MODE_REAL, NOREG, NOREG, 1, X86_SEG_DS, 0x1234, 0x8b, 0x06, 0x34, 0x12),
	MC(CPU_MODE_REAL, X86_REG_RBX, NOREG, 1, X86_SEG_DS, 0, 0x8b, 0x07),
	MC(CPU_MODE_REAL, X86_REG_RBX, X86_REG_RSI, 1, X86_SEG_DS, -128ULL, 0x8b, 0x40, 0x80),
	MC(CPU_MODE_REAL, X86_REG_RBP, X86_REG_RDI, 1, X86_SEG_SS, 0x7f, 0x8b, 0x43, 0x7f),
	MC(CPU_MODE_REAL, X86_REG_RBP, NOREG, 1, X86_SEG_SS, 0, 0x8b, 0x46, 0x00),
	MC(CPU_MODE_REAL, X86_REG_RBP, NOREG, 1, X86_SEG_SS, -2ULL, 0x8b, 0x86, 0xfe, 0xff),
	MC(CPU_MODE_REAL, NOREG, X86_REG_RDI, 1, X86_SEG_DS, 0x1234, 0x8b, 0x85, 0x34, 0x12),
	MC(CPU_MODE_REAL, X86_REG_RBX, NOREG, 1, X86_SEG_DS, -0x8000ULL, 0x8b, 0x87, 0x00, 0x80),
	MC(CPU_MODE_REAL, X86_REG_RBP, NOREG, 1, X86_SEG_FS, 0, 0x64, 0x8b, 0x46, 0x00),
	MC(CPU_MODE_PROT16, X86_REG_RAX, X86_REG_RCX, 8, X86_SEG_DS, 0, 0x67, 0x8b, 0x04, 0xc8),
};

static void decode_memory_operands(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(mem_cases) / sizeof(mem_cases[0]); i++) {
		const struct mem_case *c = &mem_cases[i];
		struct instr in;
		const struct instr_mem *m;

		if (instr_decode(c->bytes, c->n, c->mode, &in) != 0 || in.len != c->n)
			fail_msg("case %u: not decoded", i);
		m = in.dst.kind == OPND_MEM ? &in.dst.mem : &in.src.mem;
		if (m->base != c->base || m->index != c->index || m->scale != c->scale ||
		    m->seg != c->seg || m->disp != c->disp)
			fail_msg("case %u: base %d index %d scale %u seg %u disp %#llx", i, m->base,
				 m->index, m->scale, m->seg, (unsigned long long)m->disp);
	}
}

static void decode_prefixes(void **state)
{
	struct instr in;

	(void)state;
	assert_int_equal(instr_decode(B(0xf2, 0xf3, 0xa4), CPU_MODE_64, &in), 0);
	assert_int_equal(in.prefixes & (INSTR_PFX_REP | INSTR_PFX_REPNE), INSTR_PFX_REP);
	assert_int_equal(instr_decode(B(0xf3, 0xf2, 0xa4), CPU_MODE_64, &in), 0);
	assert_int_equal(in.prefixes & (INSTR_PFX_REP | INSTR_PFX_REPNE), INSTR_PFX_REPNE);
	assert_int_equal(instr_decode(B(0xf0, 0x66, 0x09, 0x03), CPU_MODE_64, &in), 0);
	assert_int_equal(in.prefixes, INSTR_PFX_LOCK | INSTR_PFX_OPSIZE);
	assert_int_equal(instr_decode(B(0x64, 0xa4), CPU_MODE_64, &in), 0);
	assert_int_equal(in.src.mem.seg, X86_SEG_FS);
	assert_int_equal(in.dst.mem.seg, X86_SEG_ES); /* the destination cannot be overridden */
	assert_int_equal(instr_decode(B(0x2e, 0x8b, 0x03), CPU_MODE_64, &in), 0);
	assert_int_equal(in.prefixes & INSTR_PFX_SEG, 0);
	/* moffs is an unsigned offset of the address size. */
	assert_int_equal(instr_decode(B(0x67, 0xa1, 0xf0, 0xff, 0xff, 0xff), CPU_MODE_64, &in), 0);
	assert_int_equal(in.src.mem.disp, 0xfffffff0ULL);
	assert_int_equal(instr_decode(B(0xa1, 0xf0, 0xff), CPU_MODE_REAL, &in), 0);
	assert_int_equal(in.src.mem.disp, 0xfff0);
	/* Immediates: Iz sign-extends to 64 bits, Ib of 83 too; opcode recorded. */
	assert_int_equal(
		instr_decode(B(0x48, 0x81, 0x03, 0x00, 0x00, 0x00, 0x80), CPU_MODE_64, &in), 0);
	assert_int_equal(in.src.imm, 0xffffffff80000000ULL);
	assert_int_equal(in.opcode, 0x81);
	assert_int_equal(instr_decode(B(0x83, 0x03, 0x80), CPU_MODE_64, &in), 0);
	assert_int_equal(in.src.imm, 0xffffffffffffff80ULL);
	assert_int_equal(in.src.size, 4);
	assert_int_equal(instr_decode(B(0x0f, 0xb7, 0x03), CPU_MODE_64, &in), 0);
	assert_int_equal(in.opcode, 0x0fb7);
	assert_int_equal(in.src.size, 2);
	assert_int_equal(in.modrm, 0x03);
}

int instr_decode_tests(void);

int instr_decode_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_lengths_and_sizes),
		cmocka_unit_test(decode_truncated_input),
		cmocka_unit_test(decode_fifteen_byte_limit),
		cmocka_unit_test(decode_refuses_unsupported),
		cmocka_unit_test(decode_register_selection),
		cmocka_unit_test(decode_memory_operands),
		cmocka_unit_test(decode_prefixes),
	};
	return cmocka_run_group_tests_name("instr_decode", tests, NULL, NULL);
}
