// SPDX-License-Identifier: BSD-3-Clause
/*
 * Every arithmetic, bit and exchange form the MMIO emulator supports, emulated on a
 * memory operand and compared with the host CPU running the same operation
 * (../fuzz/host_alu.h): the value written, the registers, all six status flags and the
 * width of every device access. Then the instruction sequences Linux and Windows use on
 * device memory, byte for byte as their compilers emit them. The group runs from
 * test_instr_emul.c's main.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <asm/instr_emul.h>
#include "../fuzz/host_alu.h"

#define RIP0	  0x401000ULL
#define MMIO_LA	  0xfee00000ULL
#define RAM_LA	  0x10000ULL
#define BUF_SIZE  0x1000
#define OPND_OFF  0x10 /* the memory operand: [rbx + 0x10] with rbx = MMIO_LA */
#define GUARD	  0x5a /* fills the device buffer around the operand */
#define RFLAGS_1  0x2ULL
#define ALL_ARITH 0x8d5ULL
#define OTHER_FL  (RFLAGS_1 | X86_RFLAGS_DF | (1ULL << 9)) /* DF and IF must survive */
#define MAX_LOG	  8

struct access {
	bool mmio, write;
	u64 la;
	unsigned int size;
	u64 value;
};

static struct {
	struct emul_ctx ctx;
	struct instr in;
	u64 mmio_base; /* the device's linear address: MMIO_LA unless a test moves it */
	u8 mmio[BUF_SIZE];
	u8 ram[BUF_SIZE];
	struct access log[MAX_LOG];
	unsigned int nlog;
	unsigned int fail_at; /* the 1-based access that fails with -EIO; 0: none */
} t;

static int access(bool mmio, bool write, u64 la, unsigned int size, u64 *value)
{
	u8 *buf = mmio ? t.mmio : t.ram;
	u64 base = mmio ? t.mmio_base : RAM_LA;

	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	if (t.nlog < MAX_LOG)
		t.log[t.nlog] = (struct access){mmio, write, la, size, write ? *value : 0};
	if (++t.nlog == t.fail_at)
		return -EIO;
	if (la < base || la - base > BUF_SIZE - size)
		return -ENODEV;
	if (write) {
		memcpy(&buf[la - base], value, size);
	} else {
		*value = 0;
		memcpy(value, &buf[la - base], size);
		if (t.nlog <= MAX_LOG)
			t.log[t.nlog - 1].value = *value;
	}
	return 0;
}

static int cb_mmio_read(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value)
{
	(void)ctx;
	return access(true, false, la, size, value);
}

static int cb_mmio_write(struct emul_ctx *ctx, u64 la, unsigned int size, u64 value)
{
	(void)ctx;
	return access(true, true, la, size, &value);
}

static int cb_mem_read(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value)
{
	(void)ctx;
	return access(false, false, la, size, value);
}

static int cb_mem_write(struct emul_ctx *ctx, u64 la, unsigned int size, u64 value)
{
	(void)ctx;
	return access(false, true, la, size, &value);
}

static const struct emul_ops ops = {cb_mmio_read, cb_mmio_write, cb_mem_read, cb_mem_write};

static u64 mask_of(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static u64 sext(u64 v, unsigned int size)
{
	v &= mask_of(size);
	return (v >> (8 * size - 1)) & 1 ? v | ~mask_of(size) : v;
}

/* Flat segments, RIP at RIP0, rbx at the device, the buffer filled with GUARD. */
static void reset(enum cpu_mode mode)
{
	unsigned int i;

	memset(&t, 0, sizeof(t));
	memset(t.mmio, GUARD, sizeof(t.mmio));
	t.mmio_base = MMIO_LA;
	t.ctx.ops = &ops;
	t.ctx.rip = mode == CPU_MODE_64 ? RIP0 : 0x100;
	t.ctx.rflags = RFLAGS_1;
	for (i = 0; i < X86_NR_SEGS; i++)
		t.ctx.seg[i].limit = mode == CPU_MODE_REAL ? 0xffff : 0xffffffff;
	t.ctx.gpr[X86_REG_RBX] = MMIO_LA;
}

static int run_bytes(const u8 *bytes, size_t n, enum cpu_mode mode)
{
	assert_int_equal(instr_decode(bytes, n, mode, &t.in), 0);
	assert_int_equal(t.in.len, n);
	return instr_emulate(&t.in, &t.ctx);
}

#define RUN(mode, ...) \
	run_bytes(((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__}), mode)

static u64 mmio_get(unsigned int off, unsigned int size)
{
	u64 v = 0;

	memcpy(&v, &t.mmio[off], size);
	return v;
}

static void mmio_set(unsigned int off, unsigned int size, u64 v)
{
	memcpy(&t.mmio[off], &v, size);
}

static void expect_access(unsigned int i, bool write, u64 la, unsigned int size, u64 value)
{
	assert_true(i < t.nlog);
	if (!t.log[i].mmio || t.log[i].write != write || t.log[i].la != la ||
	    t.log[i].size != size || t.log[i].value != value)
		fail_msg("access %u: %s %s la %#llx size %u value %#llx, expected %s la %#llx "
			 "size %u value %#llx",
			 i, t.log[i].mmio ? "mmio" : "ram", t.log[i].write ? "write" : "read",
			 (unsigned long long)t.log[i].la, t.log[i].size,
			 (unsigned long long)t.log[i].value, write ? "write" : "read",
			 (unsigned long long)la, size, (unsigned long long)value);
}

static const u64 edges[] = {0,
			    1,
			    0x7f,
			    0x80,
			    0xff,
			    0x7fff,
			    0x8000,
			    0xffff,
			    0x7fffffff,
			    0x80000000,
			    0xffffffff,
			    0x8000000000000000,
			    0xfffffffffffffffe,
			    0x5555555555555555};
#define NR_EDGES (sizeof(edges) / sizeof(edges[0]))

/* ------------------------------------------------------------------------------------ */
/* ADD OR ADC SBB AND SUB XOR CMP TEST NOT NEG INC DEC: every encoding on [rbx + 0x10] */

enum shape {
	S_EG,  /* r/m, reg (rCX) */
	S_GE,  /* reg (rCX), r/m: the result goes to the register */
	S_EIB, /* r/m, imm8 sign-extended */
	S_EIZ, /* r/m, imm16/imm32 */
	S_E,   /* r/m only */
};

struct alu_form {
	u8 opc;
	s8 group; /* ModRM.reg of a group opcode, -1 for rCX */
	enum shape shape;
	bool byte;
	enum instr_op op;
};

static const enum instr_op alu_family[8] = {INSTR_ADD, INSTR_OR,  INSTR_ADC, INSTR_SBB,
					    INSTR_AND, INSTR_SUB, INSTR_XOR, INSTR_CMP};

static const struct alu_form other_forms[] = {
	{0x84, -1, S_EG, true, INSTR_TEST}, {0x85, -1, S_EG, false, INSTR_TEST},
	{0xf6, 0, S_EIB, true, INSTR_TEST}, {0xf7, 0, S_EIZ, false, INSTR_TEST},
	{0xf6, 2, S_E, true, INSTR_NOT},    {0xf7, 2, S_E, false, INSTR_NOT},
	{0xf6, 3, S_E, true, INSTR_NEG},    {0xf7, 3, S_E, false, INSTR_NEG},
	{0xfe, 0, S_E, true, INSTR_INC},    {0xff, 0, S_E, false, INSTR_INC},
	{0xfe, 1, S_E, true, INSTR_DEC},    {0xff, 1, S_E, false, INSTR_DEC},
};

/* The 56 encodings of the ALU family (00-3B, 80, 81, 83) and the rest. */
static unsigned int alu_forms(struct alu_form *out)
{
	unsigned int n = 0, k, i;

	for (k = 0; k < 8; k++) {
		enum instr_op op = alu_family[k];

		out[n++] = (struct alu_form){8 * k + 0, -1, S_EG, true, op};
		out[n++] = (struct alu_form){8 * k + 1, -1, S_EG, false, op};
		out[n++] = (struct alu_form){8 * k + 2, -1, S_GE, true, op};
		out[n++] = (struct alu_form){8 * k + 3, -1, S_GE, false, op};
		out[n++] = (struct alu_form){0x80, k, S_EIB, true, op};
		out[n++] = (struct alu_form){0x81, k, S_EIZ, false, op};
		out[n++] = (struct alu_form){0x83, k, S_EIB, false, op};
	}
	for (i = 0; i < sizeof(other_forms) / sizeof(other_forms[0]); i++)
		out[n++] = other_forms[i];
	return n;
}

static bool lockable(const struct alu_form *f)
{
	return f->shape != S_GE && f->op != INSTR_CMP && f->op != INSTR_TEST;
}

/* [F0] [66 | REX.W] opcode ModRM(mod 01, rm rbx) 0x10 [immediate of b]. */
static size_t encode_alu(const struct alu_form *f, unsigned int size, bool lock, u64 b, u8 *buf)
{
	size_t n = 0;
	unsigned int i, imm = f->shape == S_EIB ? 1 : f->shape == S_EIZ ? (size == 2 ? 2 : 4) : 0;

	if (lock)
		buf[n++] = 0xf0;
	if (size == 2)
		buf[n++] = 0x66;
	if (size == 8)
		buf[n++] = 0x48;
	buf[n++] = f->opc;
	buf[n++] = 0x40 | (f->group >= 0 ? f->group : 1) << 3 | 3;
	buf[n++] = OPND_OFF;
	for (i = 0; i < imm; i++)
		buf[n++] = b >> (8 * i);
	return n;
}

static void check_alu_form(const struct alu_form *f, unsigned int size, bool lock, u64 a, u64 b,
			   u64 flags_in)
{
	unsigned int imm = f->shape == S_EIB ? 1 : f->shape == S_EIZ ? (size == 2 ? 2 : 4) : 0;
	bool to_reg = f->shape == S_GE;
	bool writes = f->op != INSTR_CMP && f->op != INSTR_TEST;
	u64 rcx = 0x0123456789abcdefULL, src, r, fl = flags_in;
	u8 buf[INSTR_MAX_LEN];
	size_t n;

	/* An immediate is sign-extended from its own width to the operand size. */
	src = imm ? sext(b, imm) & mask_of(size) : b & mask_of(size);
	reset(CPU_MODE_64);
	mmio_set(OPND_OFF, size, a);
	rcx = (rcx & ~mask_of(size)) | (b & mask_of(size));
	t.ctx.gpr[X86_REG_RCX] = rcx;
	t.ctx.rflags = OTHER_FL | flags_in;
	n = encode_alu(f, size, lock, b, buf);
	if (to_reg)
		assert_true(host_alu(f->op, size, rcx, a, &r, &fl));
	else
		assert_true(host_alu(f->op, size, a, src, &r, &fl));
	if (run_bytes(buf, n, CPU_MODE_64) != 0)
		fail_msg("opcode %#x /%d size %u: not emulated", f->opc, f->group, size);

	if (t.ctx.rflags != ((fl & ALL_ARITH) | OTHER_FL))
		fail_msg("opcode %#x /%d size %u %#llx, %#llx: flags %#llx, CPU %#llx", f->opc,
			 f->group, size, (unsigned long long)a, (unsigned long long)b,
			 (unsigned long long)t.ctx.rflags, (unsigned long long)fl);
	/* One read of exactly the operand, and a write of the result if there is one. */
	expect_access(0, false, MMIO_LA + OPND_OFF, size, a & mask_of(size));
	if (writes && !to_reg) {
		assert_int_equal(t.nlog, 2);
		expect_access(1, true, MMIO_LA + OPND_OFF, size, r);
	} else {
		assert_int_equal(t.nlog, 1);
	}
	if (size < 8)
		assert_int_equal(t.mmio[OPND_OFF + size], GUARD);
	assert_int_equal(t.mmio[OPND_OFF - 1], GUARD);
	/* rCX: a 32-bit result zero-extends, narrower ones merge. */
	if (to_reg && writes)
		assert_int_equal(t.ctx.gpr[X86_REG_RCX],
				 size == 4 ? r : (rcx & ~mask_of(size)) | r);
	else
		assert_int_equal(t.ctx.gpr[X86_REG_RCX], rcx);
	assert_int_equal(t.ctx.rip, RIP0 + n);
}

static void alu_every_form_matches_host(void **state)
{
	static const unsigned int vsizes[] = {2, 4, 8};
	struct alu_form forms[64 + sizeof(other_forms) / sizeof(other_forms[0])];
	unsigned int nforms = alu_forms(forms), i, s, x, y, lock;

	(void)state;
	for (i = 0; i < nforms; i++)
		for (s = 0; s < 3; s++) {
			unsigned int size = forms[i].byte ? 1 : vsizes[s];

			if (forms[i].byte && s > 0)
				break;
			for (lock = 0; lock <= (lockable(&forms[i]) ? 1U : 0U); lock++)
				for (x = 0; x < NR_EDGES; x++)
					for (y = 0; y < NR_EDGES; y++) {
						check_alu_form(&forms[i], size, lock, edges[x],
							       edges[y], 0);
						check_alu_form(&forms[i], size, lock, edges[y],
							       edges[x], ALL_ARITH);
					}
		}
}

/* ------------------------------------------------------------------------------------ */
/* BT BTS BTR BTC: width, address of the bit string, CF only */

static void check_bt(u8 opc, s8 group, unsigned int size, u64 offset, u64 flags_in)
{
	unsigned int bits = 8 * size, bit;
	s64 off = (s64)sext(offset, size);
	enum instr_op op;
	u64 la = MMIO_LA + 0x800, before, after, rax = 0xfedcba9876543210ULL;
	u8 buf[INSTR_MAX_LEN];
	size_t n = 0;
	int i;

	if (group >= 0) { /* 0F BA /4-/7 Ib: the offset modulo the operand size */
		op = INSTR_BT + (group - 4);
		bit = offset & (bits - 1);
	} else { /* 0F A3/AB/B3/BB: a signed offset into the bit string */
		op = INSTR_BT + ((opc >> 3) & 3);
		la += (u64)((off >= 0 ? off / bits : -((-off + bits - 1) / bits)) * (s64)size);
		bit = (unsigned int)(off & (bits - 1));
	}
	reset(CPU_MODE_64);
	for (i = 0; i < BUF_SIZE; i++)
		t.mmio[i] = (u8)(i * 37 + 11);
	before = mmio_get(la - MMIO_LA, size);
	t.ctx.gpr[X86_REG_RBX] = MMIO_LA + 0x800;
	t.ctx.gpr[X86_REG_RAX] = (rax & ~mask_of(size)) | (offset & mask_of(size));
	t.ctx.rflags = OTHER_FL | flags_in;
	if (size == 2)
		buf[n++] = 0x66;
	if (size == 8)
		buf[n++] = 0x48;
	buf[n++] = 0x0f;
	buf[n++] = opc;
	buf[n++] = group >= 0 ? (group << 3 | 3) : 0x03; /* [rbx], with rax as the offset */
	if (group >= 0)
		buf[n++] = offset;
	assert_int_equal(run_bytes(buf, n, CPU_MODE_64), 0);

	after = op == INSTR_BTS	  ? before | 1ULL << bit
		: op == INSTR_BTR ? before & ~(1ULL << bit)
		: op == INSTR_BTC ? before ^ 1ULL << bit
				  : before;
	expect_access(0, false, la, size, before);
	if (op == INSTR_BT) {
		assert_int_equal(t.nlog, 1);
	} else {
		assert_int_equal(t.nlog, 2);
		expect_access(1, true, la, size, after);
	}
	/* CF is the old bit; ZF and the undefined OF SF AF PF are left as they were. */
	assert_int_equal(t.ctx.rflags, OTHER_FL | (flags_in & ~X86_RFLAGS_CF) |
					       ((before >> bit) & 1 ? X86_RFLAGS_CF : 0));
	assert_int_equal(t.ctx.gpr[X86_REG_RAX], (rax & ~mask_of(size)) | (offset & mask_of(size)));
}

static void bit_forms_width_and_flags(void **state)
{
	static const u8 reg_opc[] = {0xa3, 0xab, 0xb3, 0xbb};
	static const unsigned int sizes[] = {2, 4, 8};
	/* Offsets in operand sizes (bits) and bits: within, beyond and below the operand. */
	static const s64 in_sizes[] = {0, 0, 0, 0, 1, 1, 1, -1, -1, 0, 0};
	static const s64 in_bits[] = {0, 1, 7, 8, -1, 0, 5, 0, 3, 100, -100};
	unsigned int s, i, j;

	(void)state;
	for (s = 0; s < 3; s++)
		for (j = 0; j < sizeof(in_bits) / sizeof(in_bits[0]); j++)
			for (i = 0; i < 4; i++) {
				u64 off = (u64)(in_sizes[j] * 8 * (s64)sizes[s] + in_bits[j]);

				check_bt(reg_opc[i], -1, sizes[s], off, 0);
				check_bt(reg_opc[i], -1, sizes[s], off, ALL_ARITH);
				/* The immediate forms take a byte, modulo the size. */
				check_bt(0xba, 4 + i, sizes[s], off & 0xff, 0);
				check_bt(0xba, 4 + i, sizes[s], off & 0xff, ALL_ARITH);
			}
}

/* ------------------------------------------------------------------------------------ */
/* CMPXCHG and XADD */

/* [F0] [66 | REX.W] 0F B0/B1/C0/C1 ModRM([rbx + 0x10], rcx). */
static int run_rmw(enum instr_op op, unsigned int size, bool lock)
{
	u8 buf[8];
	size_t n = 0;

	if (lock)
		buf[n++] = 0xf0;
	if (size == 2)
		buf[n++] = 0x66;
	if (size == 8)
		buf[n++] = 0x48;
	buf[n++] = 0x0f;
	buf[n++] = (op == INSTR_XADD ? 0xc0 : 0xb0) | (size > 1);
	buf[n++] = 0x4b;
	buf[n++] = OPND_OFF;
	return run_bytes(buf, n, CPU_MODE_64);
}

static void check_rmw(enum instr_op op, unsigned int size, bool lock, u64 mem, u64 rcx, u64 rax,
		      u64 flags_in)
{
	u64 m = mem & mask_of(size), reg = rcx, acc = rax, fl = flags_in;

	host_rmw(op, size, &m, &reg, &acc, &fl);
	reset(CPU_MODE_64);
	mmio_set(OPND_OFF, size, mem);
	t.ctx.gpr[X86_REG_RCX] = rcx;
	t.ctx.gpr[X86_REG_RAX] = rax;
	t.ctx.rflags = OTHER_FL | flags_in;
	assert_int_equal(run_rmw(op, size, lock), 0);
	if (t.ctx.rflags != (OTHER_FL | (fl & ALL_ARITH)))
		fail_msg("op %d size %u mem %#llx rcx %#llx rax %#llx: flags %#llx, CPU %#llx", op,
			 size, (unsigned long long)mem, (unsigned long long)rcx,
			 (unsigned long long)rax, (unsigned long long)t.ctx.rflags,
			 (unsigned long long)fl);
	/* Both always read and write the operand: CMPXCHG writes it back when unequal. */
	assert_int_equal(t.nlog, 2);
	expect_access(0, false, MMIO_LA + OPND_OFF, size, mem & mask_of(size));
	expect_access(1, true, MMIO_LA + OPND_OFF, size, m);
	if (size < 8)
		assert_int_equal(t.mmio[OPND_OFF + size], GUARD);
	/* The low size bytes as the CPU left them; 32-bit writes zero-extend, others merge. */
	assert_int_equal(t.ctx.gpr[X86_REG_RCX] & mask_of(size), reg & mask_of(size));
	assert_int_equal(t.ctx.gpr[X86_REG_RAX] & mask_of(size), acc & mask_of(size));
	if (op == INSTR_XADD) {
		assert_int_equal(t.ctx.gpr[X86_REG_RAX], rax);
		if (size != 4)
			assert_int_equal(t.ctx.gpr[X86_REG_RCX] & ~mask_of(size),
					 rcx & ~mask_of(size));
	} else {
		assert_int_equal(t.ctx.gpr[X86_REG_RCX], rcx);
		if (t.ctx.rflags & X86_RFLAGS_ZF)
			assert_int_equal(t.ctx.gpr[X86_REG_RAX], rax); /* not even zero-extended */
	}
}

static void cmpxchg_xadd_match_host(void **state)
{
	static const unsigned int sizes[] = {1, 2, 4, 8};
	unsigned int s, x, y, lock;

	(void)state;
	for (s = 0; s < 4; s++)
		for (lock = 0; lock < 2; lock++)
			for (x = 0; x < NR_EDGES; x++)
				for (y = 0; y < NR_EDGES; y++) {
					u64 hi = 0xa5a5a5a5a5a5a5a5ULL;

					check_rmw(INSTR_XADD, sizes[s], lock, edges[x], edges[y],
						  hi, x & 1 ? ALL_ARITH : 0);
					/* Equal (the accumulator holds the operand) and not. */
					check_rmw(INSTR_CMPXCHG, sizes[s], lock, edges[x], hi,
						  (hi & ~mask_of(sizes[s])) | edges[x], 0);
					check_rmw(INSTR_CMPXCHG, sizes[s], lock, edges[x], edges[y],
						  hi ^ edges[y], ALL_ARITH);
				}
}

static void cmpxchg_xadd_semantics(void **state)
{
	(void)state;
	/* Linux-style LOCK CMPXCHG on a 32-bit register: success, then failure. */
	reset(CPU_MODE_64);
	mmio_set(OPND_OFF, 4, 5);
	t.ctx.gpr[X86_REG_RAX] = 0xffffffff00000005ULL;
	t.ctx.gpr[X86_REG_RCX] = 9;
	assert_int_equal(run_rmw(INSTR_CMPXCHG, 4, true), 0);
	assert_int_equal(mmio_get(OPND_OFF, 4), 9);
	assert_int_equal(t.ctx.rflags, RFLAGS_1 | X86_RFLAGS_ZF | X86_RFLAGS_PF);
	assert_int_equal(t.ctx.gpr[X86_REG_RAX], 0xffffffff00000005ULL);
	assert_int_equal(run_rmw(INSTR_CMPXCHG, 4, true), 0);
	expect_access(3, true, MMIO_LA + OPND_OFF, 4, 9); /* written back unchanged */
	assert_int_equal(t.ctx.gpr[X86_REG_RAX], 9);	  /* zero-extended */
	assert_int_equal(t.ctx.rflags & X86_RFLAGS_ZF, 0);

	/* CMPXCHG AH form: the accumulator is AL, the source AH. */
	reset(CPU_MODE_64);
	mmio_set(OPND_OFF, 1, 0x34);
	t.ctx.gpr[X86_REG_RAX] = 0x7734;
	assert_int_equal(RUN(CPU_MODE_64, 0x0f, 0xb0, 0x63, OPND_OFF), 0); /* [rbx+0x10], ah */
	assert_int_equal(mmio_get(OPND_OFF, 1), 0x77);
	assert_int_equal(t.ctx.gpr[X86_REG_RAX], 0x7734);

	/* A register destination: only registers change; failing, EAX gets it. */
	reset(CPU_MODE_64);
	t.ctx.gpr[X86_REG_RAX] = 1;
	t.ctx.gpr[X86_REG_RBX] = 2;
	t.ctx.gpr[X86_REG_RCX] = 3;
	assert_int_equal(RUN(CPU_MODE_64, 0x0f, 0xb1, 0xcb), 0); /* cmpxchg ebx, ecx */
	assert_int_equal(t.ctx.gpr[X86_REG_RAX], 2);
	assert_int_equal(t.ctx.gpr[X86_REG_RBX], 2);
	assert_int_equal(RUN(CPU_MODE_64, 0x0f, 0xb1, 0xcb), 0);
	assert_int_equal(t.ctx.gpr[X86_REG_RBX], 3);
	assert_int_equal(t.nlog, 0);

	/* XADD with both operands in one register leaves the sum there (SDM order). */
	reset(CPU_MODE_64);
	t.ctx.gpr[X86_REG_RAX] = 3;
	assert_int_equal(RUN(CPU_MODE_64, 0x0f, 0xc1, 0xc0), 0); /* xadd eax, eax */
	assert_int_equal(t.ctx.gpr[X86_REG_RAX], 6);
	t.ctx.gpr[X86_REG_RCX] = 0x10;
	assert_int_equal(RUN(CPU_MODE_64, 0x0f, 0xc0, 0xcc), 0); /* xadd ah, cl */
	assert_int_equal(t.ctx.gpr[X86_REG_RAX], 0x1006);
	assert_int_equal(t.ctx.gpr[X86_REG_RCX], 0x00);

	/* In 16-bit code: a word at DS:[bx], 66 for a dword. */
	reset(CPU_MODE_REAL);
	t.ctx.seg[X86_SEG_DS].base = MMIO_LA;
	t.ctx.gpr[X86_REG_RBX] = OPND_OFF;
	mmio_set(OPND_OFF, 4, 0x0001ffff);
	t.ctx.gpr[X86_REG_RDX] = 1;
	assert_int_equal(RUN(CPU_MODE_REAL, 0xf0, 0x0f, 0xc1, 0x17), 0); /* lock xadd [bx], dx */
	assert_int_equal(mmio_get(OPND_OFF, 4), 0x00010000);
	assert_int_equal(t.ctx.gpr[X86_REG_RDX], 0xffff);
	assert_int_equal(t.ctx.rflags,
			 RFLAGS_1 | X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF);
	t.ctx.gpr[X86_REG_RAX] = 0x00010000;
	t.ctx.gpr[X86_REG_RCX] = 0xcafe0000;
	assert_int_equal(RUN(CPU_MODE_REAL, 0x66, 0x0f, 0xb1, 0x0f), 0); /* cmpxchg [bx], ecx */
	expect_access(3, true, MMIO_LA + OPND_OFF, 4, 0xcafe0000);
	assert_int_equal(t.ctx.rip, 0x100 + 4 + 4);

	/* The write fails: no register changes, not even the accumulator of a failure. */
	reset(CPU_MODE_64);
	mmio_set(OPND_OFF, 8, 7);
	t.ctx.gpr[X86_REG_RAX] = 1;
	t.fail_at = 2;
	assert_int_equal(run_rmw(INSTR_CMPXCHG, 8, true), -EIO);
	assert_int_equal(t.ctx.gpr[X86_REG_RAX], 1);
	assert_int_equal(t.ctx.rflags, RFLAGS_1);
	assert_int_equal(t.ctx.rip, RIP0);
	t.nlog = 0;
	t.ctx.gpr[X86_REG_RCX] = 5;
	assert_int_equal(run_rmw(INSTR_XADD, 8, false), -EIO);
	assert_int_equal(t.ctx.gpr[X86_REG_RCX], 5);
}

/* ------------------------------------------------------------------------------------ */
/* What guests run on device memory, byte for byte */

struct idiom {
	const char *what;
	enum cpu_mode mode;
	u64 rsi, rdi;
	bool write;    /* the device access checked: the last write, else the first read */
	u8 size;       /* its width */
	u16 off;       /* its offset from MMIO_LA */
	u64 value;     /* what is written, or what is read */
	s8 reg;	       /* the register loaded with that value, or -1 */
	u64 flags_out; /* status flags after; none are set before */
	u8 bytes[INSTR_MAX_LEN];
	u8 n;
};

#define ID(what, mode, rsi, rdi, wr, size, off, value, reg, fl, ...)                \
	{                                                                           \
		what, mode, rsi, rdi, wr, size, off, value, reg, fl, {__VA_ARGS__}, \
			sizeof((u8[]){__VA_ARGS__})                                 \
	}
#define M(off) (MMIO_LA + (off))
#define VAL    0x11223344aabbccddULL /* rsi as a value to write */
#define RAX    0x5566778899aabbccULL
#define NOREG  (-1)

/*
 * The device holds 0x80 + offset in each byte. rbx and r12 point at it (in real mode the
 * segments do, and they are 0); rax = RAX, rcx = 1 (a REP count). In 32-bit code the
 * device sits at 0xfee00000 with flat segments, so absolute (fixmap-style) addresses
 * reach it, and gas encodes eax loads and stores of them as moffs.
 */
static const struct idiom idioms[] = {
	/* Linux readX/writeX (arch/x86/include/asm/io.h: MOV with an "m" operand). */
	ID("readb", CPU_MODE_64, 0, M(0), false, 1, 0x20, 0xa0, X86_REG_RAX, 0, 0x8a, 0x47, 0x20),
	ID("readw", CPU_MODE_64, 0, M(0), false, 2, 0x20, 0xa1a0, X86_REG_RAX, 0, 0x66, 0x8b, 0x47,
	   0x20),
	ID("readl", CPU_MODE_64, 0, M(0), false, 4, 0x20, 0xa3a2a1a0, X86_REG_RAX, 0, 0x8b, 0x47,
	   0x20),
	ID("readq", CPU_MODE_64, 0, M(0), false, 8, 0x20, 0xa7a6a5a4a3a2a1a0, X86_REG_RAX, 0, 0x48,
	   0x8b, 0x47, 0x20),
	ID("volatile u16 load, movzwl", CPU_MODE_64, 0, M(0), false, 2, 0x20, 0xa1a0, X86_REG_RAX,
	   0, 0x0f, 0xb7, 0x47, 0x20),
	ID("volatile s8 load, movsbl", CPU_MODE_64, 0, M(0), false, 1, 0x20, 0xa0, NOREG, 0, 0x0f,
	   0xbe, 0x47, 0x20),
	ID("writeb", CPU_MODE_64, VAL, M(0), true, 1, 0x30, 0xdd, NOREG, 0, 0x40, 0x88, 0x77, 0x30),
	ID("writew", CPU_MODE_64, VAL, M(0), true, 2, 0x30, 0xccdd, NOREG, 0, 0x66, 0x89, 0x77,
	   0x30),
	ID("writel", CPU_MODE_64, VAL, M(0), true, 4, 0x30, 0xaabbccdd, NOREG, 0, 0x89, 0x77, 0x30),
	ID("writeq", CPU_MODE_64, VAL, M(0), true, 8, 0x30, VAL, NOREG, 0, 0x48, 0x89, 0x77, 0x30),
	ID("writel of a constant", CPU_MODE_64, 0, M(0), true, 4, 0xb0, 0, NOREG, 0, 0xc7, 0x87,
	   0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
	ID("writel through r12", CPU_MODE_64, VAL, 0, true, 4, 0x40, 0xaabbccdd, NOREG, 0, 0x41,
	   0x89, 0x74, 0x24, 0x40),
	/* Windows x64 HAL style: a register base and disp32. */
	ID("HAL LAPIC write", CPU_MODE_64, 0, 0, true, 4, 0x380, 0x99aabbcc, NOREG, 0, 0x89, 0x83,
	   0x80, 0x03, 0x00, 0x00),
	/* 32-bit LAPIC and IOAPIC. */
	ID("apic_read, moffs", CPU_MODE_PROT32, 0, 0, false, 4, 0x30, 0xb3b2b1b0, X86_REG_RAX, 0,
	   0xa1, 0x30, 0x00, 0xe0, 0xfe),
	ID("apic EOI, moffs", CPU_MODE_PROT32, 0, 0, true, 4, 0xb0, 0x99aabbcc, NOREG, 0, 0xa3,
	   0xb0, 0x00, 0xe0, 0xfe),
	ID("apic_write, X86_BUG_11AP xchg", CPU_MODE_PROT32, 0, 0, true, 4, 0x300, 0x99aabbcc,
	   NOREG, 0, 0x87, 0x05, 0x00, 0x03, 0xe0, 0xfe),
	ID("IOAPIC data read", CPU_MODE_PROT32, 0, 0, false, 4, 0x10, 0x93929190, X86_REG_RDX, 0,
	   0x8b, 0x53, 0x10),
	/* Bit operations (arch/x86/include/asm/bitops.h): constant masks and bit offsets. */
	ID("set_bit(2)", CPU_MODE_64, 0, M(0), true, 1, 0x21, 0xa5, NOREG,
	   X86_RFLAGS_SF | X86_RFLAGS_PF, 0xf0, 0x80, 0x4f, 0x21, 0x04),
	ID("clear_bit(5)", CPU_MODE_64, 0, M(0), true, 1, 0x21, 0x81, NOREG,
	   X86_RFLAGS_SF | X86_RFLAGS_PF, 0xf0, 0x80, 0x67, 0x21, 0xdf),
	ID("change_bit(0)", CPU_MODE_64, 0, M(0), true, 1, 0x21, 0xa0, NOREG,
	   X86_RFLAGS_SF | X86_RFLAGS_PF, 0xf0, 0x80, 0x77, 0x21, 0x01),
	ID("set_bit(70) through rsi", CPU_MODE_64, 70, M(0), true, 8, 0x28, 0xafaeadacabaaa9e8,
	   NOREG, 0, 0xf0, 0x48, 0x0f, 0xab, 0x77, 0x20),
	ID("test_bit(69) through rsi", CPU_MODE_64, 69, M(0), false, 8, 0x28, 0xafaeadacabaaa9a8,
	   NOREG, X86_RFLAGS_CF, 0x48, 0x0f, 0xa3, 0x77, 0x20),
	ID("test_bit(3), testb", CPU_MODE_64, 0, M(0), false, 1, 0x20, 0xa0, NOREG,
	   X86_RFLAGS_ZF | X86_RFLAGS_PF, 0xf6, 0x47, 0x20, 0x08),
	ID("test_and_set_bit(1) on a word", CPU_MODE_64, 1, M(0), true, 2, 0x20, 0xa1a2, NOREG, 0,
	   0xf0, 0x66, 0x0f, 0xab, 0x77, 0x20),
	/* memset_io, memcpy_toio, memcpy_fromio: REP STOS and REP MOVS (one element here). */
	ID("memset_io, rep stosb", CPU_MODE_64, 0, M(0x50), true, 1, 0x50, 0xcc, NOREG, 0, 0xf3,
	   0xaa),
	ID("memset_io, rep stosq", CPU_MODE_64, 0, M(0x50), true, 8, 0x50, RAX, NOREG, 0, 0xf3,
	   0x48, 0xab),
	ID("memcpy_fromio, rep movsl", CPU_MODE_64, M(0x60), RAM_LA, false, 4, 0x60, 0xe3e2e1e0,
	   NOREG, 0, 0xf3, 0xa5),
	ID("memcpy_toio, rep movsb", CPU_MODE_64, RAM_LA, M(0x70), true, 1, 0x70, 0, NOREG, 0, 0xf3,
	   0xa4),
	/* Real-mode firmware: segment overrides, 66 for 32-bit data, 16-bit SI/DI/CX. */
	ID("mov es:[bx+0x20], ax", CPU_MODE_REAL, 0, 0, true, 2, 0x20, 0xbbcc, NOREG, 0, 0x26, 0x89,
	   0x47, 0x20),
	ID("mov eax, [bx+0x10]", CPU_MODE_REAL, 0, 0, false, 4, 0x10, 0x93929190, X86_REG_RAX, 0,
	   0x66, 0x8b, 0x47, 0x10),
	ID("rep stosw", CPU_MODE_REAL, 0, 0x50, true, 2, 0x50, 0xbbcc, NOREG, 0, 0xf3, 0xab),
};

static void guest_idioms(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = 0; i < sizeof(idioms) / sizeof(idioms[0]); i++) {
		const struct idiom *c = &idioms[i];
		bool real = c->mode == CPU_MODE_REAL;

		reset(c->mode);
		for (j = 0; j < BUF_SIZE; j++)
			t.mmio[j] = 0x80 + j;
		for (j = 0; j < X86_NR_SEGS && real; j++)
			t.ctx.seg[j].base = MMIO_LA;
		t.ctx.gpr[X86_REG_RAX] = RAX;
		t.ctx.gpr[X86_REG_RCX] = 1;
		t.ctx.gpr[X86_REG_RBX] = real ? 0 : MMIO_LA;
		t.ctx.gpr[X86_REG_R12] = MMIO_LA;
		t.ctx.gpr[X86_REG_RSI] = c->rsi;
		t.ctx.gpr[X86_REG_RDI] = c->rdi;
		t.ctx.movs_mmio_dst = c->write;
		if (run_bytes(c->bytes, c->n, c->mode) != 0)
			fail_msg("%s: not emulated", c->what);
		if (c->write)
			expect_access(t.nlog - 1, true, M(c->off), c->size, c->value);
		else
			expect_access(0, false, M(c->off), c->size, c->value);
		if (c->reg != NOREG && (t.ctx.gpr[c->reg] & mask_of(c->size)) != c->value)
			fail_msg("%s: register %#llx", c->what,
				 (unsigned long long)t.ctx.gpr[c->reg]);
		if (t.ctx.rflags != (RFLAGS_1 | c->flags_out))
			fail_msg("%s: flags %#llx", c->what, (unsigned long long)t.ctx.rflags);
		assert_int_equal(t.ctx.rip, (c->mode == CPU_MODE_64 ? RIP0 : 0x100) + c->n);
	}
}

/*
 * x86-64 Linux reaches the xAPIC through its fixmap, 0xffffffffff5fb000: a sign-extended
 * disp32 with neither base nor index (ModRM 04, SIB 25), no segment base.
 */
static void apic_through_the_x86_64_fixmap(void **state)
{
	const u64 fixmap = 0xffffffffff5fb000ULL;

	(void)state;
	reset(CPU_MODE_64);
	t.mmio_base = fixmap;
	t.ctx.seg[X86_SEG_DS].base = 0x1000; /* ignored in 64-bit mode */
	mmio_set(0x30, 4, 0x50014);
	/* mov eax, [0xffffffffff5fb030]: native_apic_mem_read(APIC_LVR) */
	assert_int_equal(RUN(CPU_MODE_64, 0x8b, 0x04, 0x25, 0x30, 0xb0, 0x5f, 0xff), 0);
	assert_int_equal(t.ctx.gpr[X86_REG_RAX], 0x50014);
	expect_access(0, false, fixmap + 0x30, 4, 0x50014);
	/* mov [0xffffffffff5fb0b0], edi: the EOI write */
	assert_int_equal(RUN(CPU_MODE_64, 0x89, 0x3c, 0x25, 0xb0, 0xb0, 0x5f, 0xff), 0);
	expect_access(1, true, fixmap + 0xb0, 4, 0);
	/* xchg [0xffffffffff5fb300], edi: the X86_BUG_11AP variant of a write */
	t.ctx.gpr[X86_REG_RDI] = 0x000c4500;
	assert_int_equal(RUN(CPU_MODE_64, 0x87, 0x3c, 0x25, 0x00, 0xb3, 0x5f, 0xff), 0);
	expect_access(3, true, fixmap + 0x300, 4, 0x000c4500);
	assert_int_equal(t.ctx.gpr[X86_REG_RDI], (u64)GUARD * 0x01010101);
	assert_int_equal(t.ctx.rip, RIP0 + 21);
}

int instr_forms_tests(void);

int instr_forms_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alu_every_form_matches_host),
		cmocka_unit_test(bit_forms_width_and_flags),
		cmocka_unit_test(cmpxchg_xadd_match_host),
		cmocka_unit_test(cmpxchg_xadd_semantics),
		cmocka_unit_test(guest_idioms),
		cmocka_unit_test(apic_through_the_x86_64_fixmap),
	};
	return cmocka_run_group_tests_name("instr_forms", tests, NULL, NULL);
}
