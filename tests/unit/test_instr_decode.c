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
	DC(CPU_MODE_64, INSTR_CMPXCHG, 1, 8, 0x0f, 0xb0, 0x0b),
	DC(CPU_MODE_64, INSTR_CMPXCHG, 4, 8, 0xf0, 0x0f, 0xb1, 0x0b),
	DC(CPU_MODE_64, INSTR_CMPXCHG, 8, 8, 0xf0, 0x48, 0x0f, 0xb1, 0x0b),
	DC(CPU_MODE_64, INSTR_CMPXCHG, 2, 8, 0x66, 0x0f, 0xb1, 0xcb),
	DC(CPU_MODE_64, INSTR_XADD, 1, 8, 0xf0, 0x0f, 0xc0, 0x03),
	DC(CPU_MODE_64, INSTR_XADD, 8, 8, 0x48, 0x0f, 0xc1, 0x03),
	DC(CPU_MODE_PROT32, INSTR_CMPXCHG, 4, 4, 0xf0, 0x0f, 0xb1, 0x0d, 0xb0, 0x00, 0xe0, 0xfe),
	DC(CPU_MODE_REAL, INSTR_XADD, 2, 2, 0x0f, 0xc1, 0x07),
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
		{CPU_MODE_64, {0xf0, 0x0f, 0xb1, 0xcb}, 4}, /* LOCK CMPXCHG, register dst */
		{CPU_MODE_64, {0xf0, 0x0f, 0xc1, 0xc3}, 4},
		/* Outside the supported set. */
		{CPU_MODE_64, {0x0f, 0xc7, 0x0b}, 3},	    /* CMPXCHG8B */
		{CPU_MODE_64, {0x48, 0x0f, 0xc7, 0x0b}, 4}, /* CMPXCHG16B */
		{CPU_MODE_64, {0xd1, 0x23}, 2},		    /* SHL dword [rbx], 1 */
		{CPU_MODE_64, {0x0f, 0x94, 0x03}, 3},	    /* SETE byte [rbx] */
		{CPU_MODE_64, {0x0f, 0xc3, 0x03}, 3},	    /* MOVNTI */
		{CPU_MODE_64, {0xa6}, 1},		    /* CMPSB */
		{CPU_MODE_64, {0xae}, 1},		    /* SCASB */
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

/* ------------------------------------------------------------------------------------ */
/* Every supported form in every mode, under every combination of prefixes. */

enum width { W_B, W_W, W_V, W_D }; /* byte, word, operand size, MOVSXD's min(size, 4) */
enum layout { L_MODRM, L_MOFFS, L_STRING };

struct form {
	const char *name;
	u8 opc[2], opc_len;
	enum layout layout;
	s8 group;	 /* ModRM.reg of a group opcode; -1: a register operand */
	u8 imm;		 /* 0, 1 (Ib) or 4 (Iz: 2 bytes at operand size 2) */
	u8 op_width;	 /* enum width of the operation (the destination) */
	u8 mem_width;	 /* enum width of the memory operand */
	bool mem_is_src; /* G,E forms, moffs loads, LODS */
	bool lockable;
	s8 in64; /* 1: 64-bit mode only, -1: not in 64-bit mode, 0: every mode */
	enum instr_op op;
};

#define F1(name, o, lay, grp, imm, ow, mw, src, lk, op)             \
	{                                                           \
		name, {o}, 1, lay, grp, imm, ow, mw, src, lk, 0, op \
	}
#define F2(name, o, grp, imm, ow, mw, src, lk, op)                            \
	{                                                                     \
		name, {0x0f, o}, 2, L_MODRM, grp, imm, ow, mw, src, lk, 0, op \
	}

static const struct form fixed_forms[] = {
	F1("test Eb,Gb", 0x84, L_MODRM, -1, 0, W_B, W_B, false, false, INSTR_TEST),
	F1("test Ev,Gv", 0x85, L_MODRM, -1, 0, W_V, W_V, false, false, INSTR_TEST),
	F1("test Eb,Ib", 0xf6, L_MODRM, 0, 1, W_B, W_B, false, false, INSTR_TEST),
	F1("test Ev,Iz", 0xf7, L_MODRM, 0, 4, W_V, W_V, false, false, INSTR_TEST),
	F1("not Eb", 0xf6, L_MODRM, 2, 0, W_B, W_B, false, true, INSTR_NOT),
	F1("not Ev", 0xf7, L_MODRM, 2, 0, W_V, W_V, false, true, INSTR_NOT),
	F1("neg Eb", 0xf6, L_MODRM, 3, 0, W_B, W_B, false, true, INSTR_NEG),
	F1("neg Ev", 0xf7, L_MODRM, 3, 0, W_V, W_V, false, true, INSTR_NEG),
	F1("inc Eb", 0xfe, L_MODRM, 0, 0, W_B, W_B, false, true, INSTR_INC),
	F1("inc Ev", 0xff, L_MODRM, 0, 0, W_V, W_V, false, true, INSTR_INC),
	F1("dec Eb", 0xfe, L_MODRM, 1, 0, W_B, W_B, false, true, INSTR_DEC),
	F1("dec Ev", 0xff, L_MODRM, 1, 0, W_V, W_V, false, true, INSTR_DEC),
	F1("xchg Eb,Gb", 0x86, L_MODRM, -1, 0, W_B, W_B, false, true, INSTR_XCHG),
	F1("xchg Ev,Gv", 0x87, L_MODRM, -1, 0, W_V, W_V, false, true, INSTR_XCHG),
	F1("mov Eb,Gb", 0x88, L_MODRM, -1, 0, W_B, W_B, false, false, INSTR_MOV),
	F1("mov Ev,Gv", 0x89, L_MODRM, -1, 0, W_V, W_V, false, false, INSTR_MOV),
	F1("mov Gb,Eb", 0x8a, L_MODRM, -1, 0, W_B, W_B, true, false, INSTR_MOV),
	F1("mov Gv,Ev", 0x8b, L_MODRM, -1, 0, W_V, W_V, true, false, INSTR_MOV),
	F1("mov Eb,Ib", 0xc6, L_MODRM, 0, 1, W_B, W_B, false, false, INSTR_MOV),
	F1("mov Ev,Iz", 0xc7, L_MODRM, 0, 4, W_V, W_V, false, false, INSTR_MOV),
	F1("mov AL,Ob", 0xa0, L_MOFFS, -1, 0, W_B, W_B, true, false, INSTR_MOV),
	F1("mov rAX,Ov", 0xa1, L_MOFFS, -1, 0, W_V, W_V, true, false, INSTR_MOV),
	F1("mov Ob,AL", 0xa2, L_MOFFS, -1, 0, W_B, W_B, false, false, INSTR_MOV),
	F1("mov Ov,rAX", 0xa3, L_MOFFS, -1, 0, W_V, W_V, false, false, INSTR_MOV),
	F1("movs b", 0xa4, L_STRING, -1, 0, W_B, W_B, false, false, INSTR_MOVS),
	F1("movs v", 0xa5, L_STRING, -1, 0, W_V, W_V, false, false, INSTR_MOVS),
	F1("stos b", 0xaa, L_STRING, -1, 0, W_B, W_B, false, false, INSTR_STOS),
	F1("stos v", 0xab, L_STRING, -1, 0, W_V, W_V, false, false, INSTR_STOS),
	F1("lods b", 0xac, L_STRING, -1, 0, W_B, W_B, true, false, INSTR_LODS),
	F1("lods v", 0xad, L_STRING, -1, 0, W_V, W_V, true, false, INSTR_LODS),
	{"movsxd Gv,Ed", {0x63}, 1, L_MODRM, -1, 0, W_V, W_D, true, false, 1, INSTR_MOVSX},
	F2("movzx Gv,Eb", 0xb6, -1, 0, W_V, W_B, true, false, INSTR_MOVZX),
	F2("movzx Gv,Ew", 0xb7, -1, 0, W_V, W_W, true, false, INSTR_MOVZX),
	F2("movsx Gv,Eb", 0xbe, -1, 0, W_V, W_B, true, false, INSTR_MOVSX),
	F2("movsx Gv,Ew", 0xbf, -1, 0, W_V, W_W, true, false, INSTR_MOVSX),
	F2("bt Ev,Gv", 0xa3, -1, 0, W_V, W_V, false, false, INSTR_BT),
	F2("bts Ev,Gv", 0xab, -1, 0, W_V, W_V, false, true, INSTR_BTS),
	F2("btr Ev,Gv", 0xb3, -1, 0, W_V, W_V, false, true, INSTR_BTR),
	F2("btc Ev,Gv", 0xbb, -1, 0, W_V, W_V, false, true, INSTR_BTC),
	F2("bt Ev,Ib", 0xba, 4, 1, W_V, W_V, false, false, INSTR_BT),
	F2("bts Ev,Ib", 0xba, 5, 1, W_V, W_V, false, true, INSTR_BTS),
	F2("btr Ev,Ib", 0xba, 6, 1, W_V, W_V, false, true, INSTR_BTR),
	F2("btc Ev,Ib", 0xba, 7, 1, W_V, W_V, false, true, INSTR_BTC),
	F2("cmpxchg Eb,Gb", 0xb0, -1, 0, W_B, W_B, false, true, INSTR_CMPXCHG),
	F2("cmpxchg Ev,Gv", 0xb1, -1, 0, W_V, W_V, false, true, INSTR_CMPXCHG),
	F2("xadd Eb,Gb", 0xc0, -1, 0, W_B, W_B, false, true, INSTR_XADD),
	F2("xadd Ev,Gv", 0xc1, -1, 0, W_V, W_V, false, true, INSTR_XADD),
};

static const enum instr_op alu_family[8] = {INSTR_ADD, INSTR_OR,  INSTR_ADC, INSTR_SBB,
					    INSTR_AND, INSTR_SUB, INSTR_XOR, INSTR_CMP};

/* The fixed forms, then the eight forms of each ALU operation (00-3B, 80-83). */
static unsigned int all_forms(struct form *out)
{
	static const struct form alu[8] = {
		F1("alu Eb,Gb", 0x00, L_MODRM, -1, 0, W_B, W_B, false, true, 0),
		F1("alu Ev,Gv", 0x01, L_MODRM, -1, 0, W_V, W_V, false, true, 0),
		F1("alu Gb,Eb", 0x02, L_MODRM, -1, 0, W_B, W_B, true, false, 0),
		F1("alu Gv,Ev", 0x03, L_MODRM, -1, 0, W_V, W_V, true, false, 0),
		F1("alu Eb,Ib", 0x80, L_MODRM, 0, 1, W_B, W_B, false, true, 0),
		F1("alu Ev,Iz", 0x81, L_MODRM, 0, 4, W_V, W_V, false, true, 0),
		{"alu Eb,Ib (82)", {0x82}, 1, L_MODRM, 0, 1, W_B, W_B, false, true, -1, 0},
		F1("alu Ev,Ib", 0x83, L_MODRM, 0, 1, W_V, W_V, false, true, 0),
	};
	unsigned int n = 0, k, i;

	for (i = 0; i < sizeof(fixed_forms) / sizeof(fixed_forms[0]); i++)
		out[n++] = fixed_forms[i];
	for (k = 0; k < 8; k++)
		for (i = 0; i < 8; i++) {
			struct form *f = &out[n++];

			*f = alu[i];
			f->op = alu_family[k];
			if (f->group < 0)
				f->opc[0] += 8 * k;
			else
				f->group = k;
			/* CMP only reads its destination: LOCK CMP is #UD. */
			f->lockable = f->lockable && alu_family[k] != INSTR_CMP;
		}
	return n;
}

struct variant {
	enum cpu_mode mode;
	bool p66, p67, rep, lock, reg_rm;
	u8 seg; /* 0, 0x26 (ES) or 0x64 (FS) */
	u8 rex; /* 0 or a REX byte */
};

static bool mode16(enum cpu_mode m)
{
	return m == CPU_MODE_REAL || m == CPU_MODE_PROT16 || m == CPU_MODE_COMPAT16;
}

/* Operand and address sizes of SDM Vol 1 tables 3-3 and 3-4. */
static void expected_sizes(const struct variant *v, u8 *osize, u8 *asize)
{
	if (v->mode == CPU_MODE_64) {
		*osize = (v->rex & 8) ? 8 : v->p66 ? 2 : 4;
		*asize = v->p67 ? 4 : 8;
	} else if (mode16(v->mode)) {
		*osize = v->p66 ? 4 : 2;
		*asize = v->p67 ? 4 : 2;
	} else {
		*osize = v->p66 ? 2 : 4;
		*asize = v->p67 ? 2 : 4;
	}
}

static u8 width_of(u8 w, u8 osize)
{
	if (w == W_B)
		return 1;
	if (w == W_W)
		return 2;
	if (w == W_D)
		return osize == 8 ? 4 : osize;
	return osize;
}

static const u8 moffs_bytes[8] = {0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0x80};

/* The bytes of f under v: prefixes, REX, opcode, ModRM and displacement, immediate. */
static size_t encode_form(const struct form *f, const struct variant *v, u8 osize, u8 asize,
			  u8 *buf)
{
	u8 reg = f->group >= 0 ? f->group : 1;
	size_t n = 0;
	unsigned int i;

	if (v->lock)
		buf[n++] = 0xf0;
	if (v->rep)
		buf[n++] = 0xf3;
	if (v->seg)
		buf[n++] = v->seg;
	if (v->p66)
		buf[n++] = 0x66;
	if (v->p67)
		buf[n++] = 0x67;
	if (v->rex)
		buf[n++] = v->rex;
	for (i = 0; i < f->opc_len; i++)
		buf[n++] = f->opc[i];
	if (f->layout == L_MOFFS) {
		for (i = 0; i < asize; i++)
			buf[n++] = moffs_bytes[i];
	} else if (f->layout == L_MODRM) {
		if (v->reg_rm) {
			buf[n++] = 0xc0 | reg << 3 | 3; /* rBX */
		} else if (asize == 2) {
			buf[n++] = 0x40 | reg << 3 | 7; /* [bx + 0x10] */
			buf[n++] = 0x10;
		} else {
			buf[n++] = 0x80 | reg << 3 | 3; /* [rbx + 0x12345678] */
			for (i = 0; i < 4; i++)
				buf[n++] = moffs_bytes[i];
		}
	}
	if (f->imm == 1) {
		buf[n++] = 0x81;
	} else if (f->imm == 4) {
		buf[n++] = osize == 2 ? 0x34 : 0x78;
		buf[n++] = osize == 2 ? 0x82 : 0x56;
		if (osize != 2) {
			buf[n++] = 0x34;
			buf[n++] = 0x82;
		}
	}
	return n;
}

/* What the decoder must report about the memory operand m (of a string or not). */
static bool mem_ok(const struct instr_opnd *o, u8 size, u8 seg, s8 base, u64 disp)
{
	return o->kind == OPND_MEM && o->size == size && o->mem.seg == seg && o->mem.base == base &&
	       o->mem.index == INSTR_NO_REG && o->mem.scale == 1 && o->mem.disp == disp;
}

static bool reg_ok(const struct instr_opnd *o, u8 size, u8 reg)
{
	return o->kind == OPND_REG && o->size == size && o->reg == reg && !o->high8;
}

/* Checks one decoded variant; returns a reason for failure, or NULL. */
static const char *check_form(const struct form *f, const struct variant *v, const struct instr *in,
			      u8 osize, u8 asize, size_t len)
{
	u8 op_size = width_of(f->op_width, osize), mem_size = width_of(f->mem_width, osize);
	u8 seg = v->seg == 0x64				    ? X86_SEG_FS
		 : v->seg == 0x26 && v->mode != CPU_MODE_64 ? X86_SEG_ES
							    : X86_SEG_DS;
	const struct instr_opnd *mem = f->mem_is_src ? &in->src : &in->dst;
	const struct instr_opnd *other = f->mem_is_src ? &in->dst : &in->src;
	u32 pfx = (v->lock ? INSTR_PFX_LOCK : 0) | (v->rep ? INSTR_PFX_REP : 0) |
		  (v->p66 ? INSTR_PFX_OPSIZE : 0) | (v->p67 ? INSTR_PFX_ADSIZE : 0) |
		  (seg != X86_SEG_DS ? INSTR_PFX_SEG : 0);
	u8 rm = X86_REG_RBX | ((v->rex & 1) ? 8 : 0), reg = X86_REG_RCX | ((v->rex & 4) ? 8 : 0);

	if (in->len != len || in->op != f->op || in->op_size != op_size || in->addr_size != asize)
		return "length, operation or sizes";
	if (in->prefixes != pfx || in->rex != v->rex || in->mode != v->mode)
		return "prefixes";
	if (f->layout == L_STRING) {
		s8 si = X86_REG_RSI, di = X86_REG_RDI;

		if (f->op == INSTR_MOVS)
			return mem_ok(&in->dst, op_size, X86_SEG_ES, di, 0) &&
					       mem_ok(&in->src, op_size, seg, si, 0)
				       ? NULL
				       : "MOVS operands";
		if (f->op == INSTR_STOS)
			return mem_ok(&in->dst, op_size, X86_SEG_ES, di, 0) &&
					       reg_ok(&in->src, op_size, X86_REG_RAX)
				       ? NULL
				       : "STOS operands";
		return mem_ok(&in->src, op_size, seg, si, 0) &&
				       reg_ok(&in->dst, op_size, X86_REG_RAX)
			       ? NULL
			       : "LODS operands";
	}
	if (f->layout == L_MOFFS) {
		u64 disp = 0;

		memcpy(&disp, moffs_bytes, asize);
		return mem_ok(mem, op_size, seg, INSTR_NO_REG, disp) &&
				       reg_ok(other, op_size, X86_REG_RAX)
			       ? NULL
			       : "moffs operands";
	}
	if (v->reg_rm) {
		if (!reg_ok(mem, mem_size, rm))
			return "r/m register operand";
	} else if (asize == 2) {
		if (!mem_ok(mem, mem_size, seg, X86_REG_RBX, 0x10))
			return "16-bit memory operand";
	} else if (!mem_ok(mem, mem_size, seg, rm, 0x12345678)) {
		return "memory operand";
	}
	if (f->imm) {
		u64 imm = f->imm == 1  ? 0xffffffffffffff81ULL
			  : osize == 2 ? 0xffffffffffff8234ULL
				       : 0xffffffff82345678ULL;
		u8 isize = f->op >= INSTR_BT && f->op <= INSTR_BTC ? 1 : op_size;

		if (in->src.kind != OPND_IMM || in->src.size != isize || in->src.imm != imm)
			return "immediate";
	} else if (f->group < 0 && !reg_ok(other, op_size, reg)) {
		return "register operand";
	} else if (f->group >= 0 && in->src.kind != OPND_NONE) {
		return "unexpected source";
	}
	return NULL;
}

static void decode_one_variant(const struct form *f, const struct variant *v, unsigned int *count)
{
	u8 buf[INSTR_MAX_LEN + 8], osize, asize;
	bool lock_ok = f->lockable && f->layout == L_MODRM && !v->reg_rm;
	struct instr in;
	const char *why;
	size_t len;
	int ret;

	expected_sizes(v, &osize, &asize);
	len = encode_form(f, v, osize, asize, buf);
	ret = instr_decode(buf, len, v->mode, &in);
	(*count)++;
	/* Every prefix at once makes some forms 16 bytes long: #GP on hardware. */
	if (len > INSTR_MAX_LEN || (f->in64 > 0 && v->mode != CPU_MODE_64) ||
	    (f->in64 < 0 && v->mode == CPU_MODE_64) || (v->lock && !lock_ok)) {
		if (ret != -EINVAL)
			fail_msg("%s, mode %d, lock %d: decoded, expected -EINVAL", f->name,
				 v->mode, v->lock);
		return;
	}
	if (ret != 0)
		fail_msg("%s, mode %d: returned %d", f->name, v->mode, ret);
	why = check_form(f, v, &in, osize, asize, len);
	if (why)
		fail_msg("%s, mode %d, 66 %d 67 %d seg %#x rex %#x lock %d rep %d reg %d: %s",
			 f->name, v->mode, v->p66, v->p67, v->seg, v->rex, v->lock, v->rep,
			 v->reg_rm, why);
}

static void decode_every_form_in_every_mode(void **state)
{
	static const u8 segs[] = {0, 0x26, 0x64};
	static const u8 rexes[] = {0, 0x40, 0x48, 0x4d};
	struct form forms[sizeof(fixed_forms) / sizeof(fixed_forms[0]) + 64];
	unsigned int nforms = all_forms(forms), count = 0, i, bits, s, r;
	struct variant v;

	(void)state;
	for (i = 0; i < nforms; i++)
		for (v.mode = CPU_MODE_REAL; v.mode <= CPU_MODE_64; v.mode++)
			for (bits = 0; bits < 32; bits++)
				for (s = 0; s < sizeof(segs); s++)
					for (r = 0; r < (v.mode == CPU_MODE_64 ? 4U : 1U); r++) {
						v.p66 = bits & 1;
						v.p67 = bits & 2;
						v.rep = bits & 4;
						v.lock = bits & 8;
						v.reg_rm = bits & 16;
						v.seg = segs[s];
						v.rex = rexes[r];
						if (v.reg_rm && forms[i].layout != L_MODRM)
							continue;
						decode_one_variant(&forms[i], &v, &count);
					}
	/* At least each form in each mode under the 16 sets of 66 67 F3 F0 and 3 segments. */
	assert_true(count >= nforms * 6 * 16 * sizeof(segs));
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
		cmocka_unit_test(decode_every_form_in_every_mode),
	};
	return cmocka_run_group_tests_name("instr_decode", tests, NULL, NULL);
}
