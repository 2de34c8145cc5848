// SPDX-License-Identifier: BSD-3-Clause
/*
 * instr_alu(), the emulator's arithmetic: exact results and status flags for the edge
 * cases of every operation at every size (carry, signed overflow, AF, parity), then the
 * same operations compared with the host CPU (../fuzz/host_alu.h) over boundary values
 * and random operands. The group runs from test_instr_emul.c's main.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <asm/instr_emul.h>
#include "../fuzz/host_alu.h"

#define RFLAGS_1  0x2ULL /* reserved bit 1, always set */
#define ALL_ARITH 0x8d5ULL

#define CF X86_RFLAGS_CF
#define PF X86_RFLAGS_PF
#define AF X86_RFLAGS_AF
#define ZF X86_RFLAGS_ZF
#define SF X86_RFLAGS_SF
#define OF X86_RFLAGS_OF

struct alu_case {
	enum instr_op op;
	u8 size;
	u64 dst, src, flags_in, result, flags_out;
};

static const struct alu_case alu_cases[] = {
	/* Signed overflow and carry at each size. */
	{INSTR_ADD, 1, 0x7f, 0x01, 0, 0x80, AF | SF | OF},
	{INSTR_ADD, 1, 0xff, 0x01, 0, 0x00, CF | PF | AF | ZF},
	{INSTR_ADD, 1, 0x80, 0x80, 0, 0x00, CF | PF | ZF | OF},
	{INSTR_ADD, 2, 0x7fff, 0x0001, 0, 0x8000, PF | AF | SF | OF},
	{INSTR_ADD, 2, 0xffff, 0x0001, 0, 0x0000, CF | PF | AF | ZF},
	{INSTR_ADD, 4, 0x7fffffff, 1, 0, 0x80000000, PF | AF | SF | OF},
	{INSTR_ADD, 4, 0xffffffff, 1, 0, 0, CF | PF | AF | ZF},
	{INSTR_ADD, 8, 0x7fffffffffffffff, 1, 0, 0x8000000000000000, PF | AF | SF | OF},
	{INSTR_ADD, 8, ~0ULL, 1, 0, 0, CF | PF | AF | ZF},
	{INSTR_ADD, 8, 0x8000000000000000, 0x8000000000000000, 0, 0, CF | PF | ZF | OF},
	{INSTR_ADD, 4, 0x0f, 0x01, ALL_ARITH, 0x10, AF}, /* input flags do not matter */
	{INSTR_ADC, 4, 0xffffffff, 0, CF, 0, CF | PF | AF | ZF},
	{INSTR_ADC, 1, 0x7f, 0x00, CF, 0x80, AF | SF | OF},
	{INSTR_ADC, 8, ~0ULL, ~0ULL, CF, ~0ULL, CF | PF | AF | SF},
	{INSTR_SUB, 1, 0x00, 0x01, 0, 0xff, CF | PF | AF | SF},
	{INSTR_SUB, 1, 0x80, 0x01, 0, 0x7f, AF | OF},
	{INSTR_SUB, 2, 0x8000, 0x0001, 0, 0x7fff, PF | AF | OF},
	{INSTR_SUB, 4, 0, 1, 0, 0xffffffff, CF | PF | AF | SF},
	{INSTR_SUB, 8, 0x8000000000000000, 1, 0, 0x7fffffffffffffff, PF | AF | OF},
	{INSTR_SUB, 4, 0x7fffffff, 0xffffffff, 0, 0x80000000, CF | PF | SF | OF},
	{INSTR_CMP, 4, 5, 5, ALL_ARITH, 0, PF | ZF},
	{INSTR_CMP, 2, 1, 2, 0, 0xffff, CF | PF | AF | SF},
	{INSTR_SBB, 2, 0, 0, CF, 0xffff, CF | PF | AF | SF},
	{INSTR_SBB, 1, 0x80, 0x7f, CF, 0x00, PF | AF | ZF | OF},
	{INSTR_SBB, 8, 0, ~0ULL, CF, 0, CF | PF | AF | ZF},
	{INSTR_NEG, 1, 0x80, 0, 0, 0x80, CF | SF | OF},
	{INSTR_NEG, 4, 0, 0, ALL_ARITH, 0, PF | ZF},
	{INSTR_NEG, 8, 1, 0, 0, ~0ULL, CF | PF | AF | SF},
	/* INC and DEC keep CF as it was. */
	{INSTR_INC, 1, 0xff, 0, CF, 0x00, CF | PF | AF | ZF},
	{INSTR_INC, 4, 0x7fffffff, 0, 0, 0x80000000, PF | AF | SF | OF},
	{INSTR_DEC, 2, 0x8000, 0, CF, 0x7fff, CF | PF | AF | OF},
	{INSTR_DEC, 8, 0, 0, 0, ~0ULL, PF | AF | SF},
	/* Logic: CF = OF = 0, AF cleared (undefined in the SDM, 0 on hardware). */
	{INSTR_AND, 4, 0xf0f0f0f0, 0x0f0f0f0f, ALL_ARITH, 0, PF | ZF},
	{INSTR_OR, 1, 0x80, 0x01, ALL_ARITH, 0x81, PF | SF},
	{INSTR_XOR, 8, 0x1234, 0x1234, ALL_ARITH, 0, PF | ZF},
	{INSTR_XOR, 2, 0x0001, 0x0000, ALL_ARITH, 0x0001, 0},
	{INSTR_TEST, 2, 0x8000, 0xffff, ALL_ARITH, 0x8000, PF | SF},
	{INSTR_NOT, 4, 0x0f0f0f0f, 0, ALL_ARITH, 0xf0f0f0f0, ALL_ARITH},
	{INSTR_NOT, 1, 0x00, 0, 0, 0xff, 0},
};

static void alu_flags_exact(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(alu_cases) / sizeof(alu_cases[0]); i++) {
		const struct alu_case *c = &alu_cases[i];
		/* Non-status flags (here DF and IF) pass through. */
		u64 fl = c->flags_in | RFLAGS_1 | X86_RFLAGS_DF | (1ULL << 9);
		u64 r = instr_alu(c->op, c->size, c->dst, c->src, &fl);

		if (r != c->result || fl != (c->flags_out | RFLAGS_1 | X86_RFLAGS_DF | (1ULL << 9)))
			fail_msg("case %u: result %#llx flags %#llx", i, (unsigned long long)r,
				 (unsigned long long)fl);
	}
}

static const enum instr_op alu_ops[] = {INSTR_ADD, INSTR_OR,  INSTR_ADC, INSTR_SBB,  INSTR_AND,
					INSTR_SUB, INSTR_XOR, INSTR_CMP, INSTR_TEST, INSTR_NOT,
					INSTR_NEG, INSTR_INC, INSTR_DEC};

static void check_against_host(enum instr_op op, unsigned int size, u64 a, u64 b, u64 flags_in)
{
	u64 fe = flags_in, fh = flags_in, re, rh;

	re = instr_alu(op, size, a, b, &fe);
	assert_true(host_alu(op, size, a, b, &rh, &fh));
	if (re != rh || fe != fh)
		fail_msg("op %d size %u %#llx, %#llx flags %#llx: emulator %#llx/%#llx, CPU "
			 "%#llx/%#llx",
			 op, size, (unsigned long long)a, (unsigned long long)b,
			 (unsigned long long)flags_in, (unsigned long long)re,
			 (unsigned long long)fe, (unsigned long long)rh, (unsigned long long)fh);
}

/* Every op and size over boundary values, with CF (and the other flags) in and out. */
static void alu_matches_host_cpu_on_edges(void **state)
{
	static const u64 edges[] = {0,
				    1,
				    2,
				    0x0f,
				    0x10,
				    0x7f,
				    0x80,
				    0x81,
				    0xff,
				    0x100,
				    0x7fff,
				    0x8000,
				    0xffff,
				    0x7fffffff,
				    0x80000000,
				    0xffffffff,
				    0x100000000,
				    0x7fffffffffffffff,
				    0x8000000000000000,
				    0xfffffffffffffffe,
				    0xffffffffffffffff,
				    0x5555555555555555,
				    0xaaaaaaaaaaaaaaaa};
	static const unsigned int sizes[] = {1, 2, 4, 8};
	unsigned int o, s, i, j;

	(void)state;
	for (o = 0; o < sizeof(alu_ops) / sizeof(alu_ops[0]); o++)
		for (s = 0; s < 4; s++)
			for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
				for (j = 0; j < sizeof(edges) / sizeof(edges[0]); j++) {
					check_against_host(alu_ops[o], sizes[s], edges[i], edges[j],
							   RFLAGS_1);
					check_against_host(alu_ops[o], sizes[s], edges[i], edges[j],
							   RFLAGS_1 | ALL_ARITH);
				}
}

static u64 xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void alu_matches_host_cpu_random(void **state)
{
	u64 seed = 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		u64 r = xorshift(&seed);
		enum instr_op op = alu_ops[r % (sizeof(alu_ops) / sizeof(alu_ops[0]))];
		unsigned int size = 1U << ((r >> 8) & 3);

		check_against_host(op, size, xorshift(&seed), xorshift(&seed),
				   RFLAGS_1 | (xorshift(&seed) & ALL_ARITH));
	}
}

int instr_alu_tests(void);

int instr_alu_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alu_flags_exact),
		cmocka_unit_test(alu_matches_host_cpu_on_edges),
		cmocka_unit_test(alu_matches_host_cpu_random),
	};
	return cmocka_run_group_tests_name("instr_alu", tests, NULL, NULL);
}
