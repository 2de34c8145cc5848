// SPDX-License-Identifier: BSD-3-Clause
/*
 * The MMIO instruction emulator, through instr_decode() and instr_emulate(); the decoder
 * and the arithmetic flags have their own files (test_instr_decode.c, test_instr_alu.c).
 * Encodings were checked against GNU as. The guest's "devices" and "RAM" are two 4 KiB
 * buffers at fixed linear addresses; every callback is logged so that tests can check
 * which accesses an instruction made, in what order, at what address and size.
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

#define RIP0	  0x401000ULL
#define MMIO64	  0xfee00000ULL
#define RAM64	  0x10000ULL
#define BUF_SIZE  0x1000
#define MAX_LOG	  32
#define RFLAGS_1  0x2ULL /* reserved bit 1, always set */
#define ALL_ARITH 0x8d5ULL

/* Flag sets by name, as the tables below use them. */
#define CF X86_RFLAGS_CF
#define PF X86_RFLAGS_PF
#define AF X86_RFLAGS_AF
#define ZF X86_RFLAGS_ZF
#define SF X86_RFLAGS_SF
#define OF X86_RFLAGS_OF

struct access {
	bool mmio;
	bool write;
	u64 la;
	unsigned int size;
	u64 value;
};

static struct {
	enum cpu_mode mode;
	struct emul_ctx ctx;
	struct instr in;
	u64 mmio_base, ram_base;
	u8 mmio[BUF_SIZE];
	u8 ram[BUF_SIZE];
	struct access log[MAX_LOG];
	unsigned int nlog;
	unsigned int fail_at; /* the 1-based access that returns fail_ret; 0: none */
	int fail_ret;
} env;

static int log_access(bool mmio, bool write, u64 la, unsigned int size, u64 value)
{
	if (env.nlog < MAX_LOG)
		env.log[env.nlog] = (struct access){mmio, write, la, size, value};
	env.nlog++;
	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	return env.fail_at == env.nlog ? env.fail_ret : 0;
}

/* The buffer offset of [la, la+size), or -1 when it is not inside. */
static long buf_offset(u64 base, u64 la, unsigned int size)
{
	if (la < base || la - base > BUF_SIZE - size)
		return -1;
	return la - base;
}

static int cb_mmio_read(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value)
{
	long off = buf_offset(env.mmio_base, la, size);
	int ret = log_access(true, false, la, size, 0);

	assert_ptr_equal(ctx, &env.ctx);
	if (ret)
		return ret;
	if (off < 0)
		return -ENODEV;
	*value = 0;
	memcpy(value, &env.mmio[off], size);
	if (env.nlog <= MAX_LOG)
		env.log[env.nlog - 1].value = *value;
	return 0;
}

static int cb_mmio_write(struct emul_ctx *ctx, u64 la, unsigned int size, u64 value)
{
	long off = buf_offset(env.mmio_base, la, size);
	int ret = log_access(true, true, la, size, value);

	assert_ptr_equal(ctx, &env.ctx);
	if (ret)
		return ret;
	if (off < 0)
		return -ENODEV;
	memcpy(&env.mmio[off], &value, size);
	return 0;
}

/* Guest RAM: outside the buffer is a not-present page, as guest_walk would report. */
static int ram_fault(struct emul_ctx *ctx, u64 la, bool write)
{
	ctx->exception = (struct emul_exception){.vector = EMUL_VEC_PF,
						 .has_error_code = true,
						 .error_code = write ? 2 : 0,
						 .cr2 = la};
	return -EFAULT;
}

static int cb_mem_read(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value)
{
	long off = buf_offset(env.ram_base, la, size);
	int ret = log_access(false, false, la, size, 0);

	if (ret)
		return ret;
	if (off < 0)
		return ram_fault(ctx, la, false);
	*value = 0;
	memcpy(value, &env.ram[off], size);
	if (env.nlog <= MAX_LOG)
		env.log[env.nlog - 1].value = *value;
	return 0;
}

static int cb_mem_write(struct emul_ctx *ctx, u64 la, unsigned int size, u64 value)
{
	long off = buf_offset(env.ram_base, la, size);
	int ret = log_access(false, true, la, size, value);

	if (ret)
		return ret;
	if (off < 0)
		return ram_fault(ctx, la, true);
	memcpy(&env.ram[off], &value, size);
	return 0;
}

static const struct emul_ops test_ops = {
	.mmio_read = cb_mmio_read,
	.mmio_write = cb_mmio_write,
	.mem_read = cb_mem_read,
	.mem_write = cb_mem_write,
};

static bool mode_is_16bit(enum cpu_mode mode)
{
	return mode == CPU_MODE_REAL || mode == CPU_MODE_PROT16 || mode == CPU_MODE_COMPAT16;
}

/* Flat segments (64 KiB in real mode), the windows at MMIO64/RAM64, RIP at RIP0. */
static void reset(enum cpu_mode mode)
{
	unsigned int i;

	memset(&env, 0, sizeof(env));
	env.mode = mode;
	env.ctx.ops = &test_ops;
	env.ctx.rip = RIP0;
	env.ctx.rflags = RFLAGS_1;
	env.mmio_base = MMIO64;
	env.ram_base = RAM64;
	for (i = 0; i < X86_NR_SEGS; i++)
		env.ctx.seg[i].limit = mode == CPU_MODE_REAL ? 0xffff : 0xffffffff;
	if (mode_is_16bit(mode))
		env.ctx.rip = 0x100;
}

static int run(const u8 *bytes, size_t n)
{
	assert_int_equal(instr_decode(bytes, n, env.mode, &env.in), 0);
	assert_int_equal(env.in.len, n);
	return instr_emulate(&env.in, &env.ctx);
}

#define RUN(...) run(B(__VA_ARGS__))

static u64 mmio_get(unsigned int off, unsigned int size)
{
	u64 v = 0;

	memcpy(&v, &env.mmio[off], size);
	return v;
}

static void mmio_set(unsigned int off, unsigned int size, u64 v)
{
	memcpy(&env.mmio[off], &v, size);
}

static u64 ram_get(unsigned int off, unsigned int size)
{
	u64 v = 0;

	memcpy(&v, &env.ram[off], size);
	return v;
}

static void assert_access(unsigned int i, bool mmio, bool write, u64 la, unsigned int size,
			  u64 value)
{
	assert_true(i < env.nlog);
	assert_int_equal(env.log[i].mmio, mmio);
	assert_int_equal(env.log[i].write, write);
	assert_int_equal(env.log[i].la, la);
	assert_int_equal(env.log[i].size, size);
	assert_int_equal(env.log[i].value, value);
}

static u64 *reg(enum x86_reg r)
{
	return &env.ctx.gpr[r];
}

/* ------------------------------------------------------------------------------------ */
/* Emulation: MOV */

static void mov_stores_each_size(void **state)
{
	(void)state;
	reset(CPU_MODE_64);
	*reg(X86_REG_RAX) = 0x1122334455667788;
	*reg(X86_REG_RBX) = MMIO64 + 0x10;
	assert_int_equal(RUN(0x89, 0x03), 0); /* mov [rbx], eax */
	assert_int_equal(env.nlog, 1);
	assert_access(0, true, true, MMIO64 + 0x10, 4, 0x55667788);
	assert_int_equal(mmio_get(0x10, 8), 0x55667788);
	assert_int_equal(env.ctx.rip, RIP0 + 2);

	assert_int_equal(RUN(0x48, 0x89, 0x03), 0);
	assert_int_equal(mmio_get(0x10, 8), 0x1122334455667788);
	assert_int_equal(env.ctx.rip, RIP0 + 5);
	mmio_set(0x10, 8, 0);
	assert_int_equal(RUN(0x66, 0x89, 0x03), 0);
	assert_int_equal(mmio_get(0x10, 8), 0x7788);
	assert_int_equal(RUN(0x88, 0x03), 0);
	assert_access(3, true, true, MMIO64 + 0x10, 1, 0x88);

	*reg(X86_REG_RSI) = MMIO64 + 0x20;
	assert_int_equal(RUN(0x88, 0x26), 0); /* mov [rsi], ah */
	assert_int_equal(mmio_get(0x20, 2), 0x77);
	assert_int_equal(RUN(0x40, 0x88, 0x36), 0); /* mov [rsi], sil */
	assert_int_equal(mmio_get(0x20, 2), 0x20);
	assert_int_equal(env.ctx.rflags, RFLAGS_1);
	assert_int_equal(*reg(X86_REG_RAX), 0x1122334455667788); /* sources untouched */
}

static void mov_loads_and_register_widths(void **state)
{
	(void)state;
	reset(CPU_MODE_64);
	mmio_set(0x10, 8, 0x8899aabbccddeeff);
	*reg(X86_REG_RBX) = MMIO64 + 0x10;
	*reg(X86_REG_RCX) = ~0ULL;
	assert_int_equal(RUN(0x8b, 0x0b), 0); /* mov ecx, [rbx]: zero-extends */
	assert_int_equal(*reg(X86_REG_RCX), 0xccddeeff);
	assert_access(0, true, false, MMIO64 + 0x10, 4, 0xccddeeff);
	*reg(X86_REG_RCX) = ~0ULL;
	assert_int_equal(RUN(0x66, 0x8b, 0x0b), 0); /* mov cx, [rbx]: merges */
	assert_int_equal(*reg(X86_REG_RCX), 0xffffffffffffeeff);
	assert_int_equal(RUN(0x4c, 0x8b, 0x0b), 0); /* mov r9, [rbx] */
	assert_int_equal(*reg(X86_REG_R9), 0x8899aabbccddeeff);
	*reg(X86_REG_RAX) = 0x1111111111111111;
	assert_int_equal(RUN(0x8a, 0x23), 0); /* mov ah, [rbx] */
	assert_int_equal(*reg(X86_REG_RAX), 0x111111111111ff11);
	*reg(X86_REG_RSP) = 0x2222;
	assert_int_equal(RUN(0x40, 0x8a, 0x23), 0); /* mov spl, [rbx] */
	assert_int_equal(*reg(X86_REG_RSP), 0x22ff);
	*reg(X86_REG_R12) = MMIO64;
	assert_int_equal(RUN(0x45, 0x8b, 0x54, 0x24, 0x10), 0); /* mov r10d, [r12+0x10] */
	assert_int_equal(*reg(X86_REG_R10), 0xccddeeff);
	/* mov r15b, [r13 + r14*8 + 0x12345678] */
	*reg(X86_REG_R13) = MMIO64 + 0x11 - 0x12345678 - 16;
	*reg(X86_REG_R14) = 2;
	*reg(X86_REG_R15) = 0x1234;
	assert_int_equal(RUN(0x47, 0x8a, 0xbc, 0xf5, 0x78, 0x56, 0x34, 0x12), 0);
	assert_int_equal(*reg(X86_REG_R15), 0x12ee);
	assert_int_equal(env.ctx.rip, RIP0 + 2 + 3 + 3 + 2 + 3 + 5 + 8);
}

static void mov_immediates(void **state)
{
	(void)state;
	reset(CPU_MODE_64);
	*reg(X86_REG_RBX) = MMIO64 + 0x40;
	assert_int_equal(RUN(0xc6, 0x03, 0x5a), 0);
	assert_access(0, true, true, MMIO64 + 0x40, 1, 0x5a);
	assert_int_equal(RUN(0xc7, 0x03, 0x00, 0x00, 0x00, 0x80), 0);
	assert_access(1, true, true, MMIO64 + 0x40, 4, 0x80000000);
	assert_int_equal(RUN(0x48, 0xc7, 0x03, 0xfe, 0xff, 0xff, 0xff), 0);
	assert_access(2, true, true, MMIO64 + 0x40, 8, 0xfffffffffffffffe);
	assert_int_equal(RUN(0x66, 0xc7, 0x03, 0x34, 0x12), 0);
	assert_access(3, true, true, MMIO64 + 0x40, 2, 0x1234);
	assert_int_equal(mmio_get(0x40, 8), 0xffffffffffff1234);
}

static void mov_moffs(void **state)
{
	(void)state;
	reset(CPU_MODE_64);
	mmio_set(0x10, 8, 0x0123456789abcdef);
	assert_int_equal(RUN(0xa1, 0x10, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0x89abcdef);
	assert_int_equal(env.ctx.rip, RIP0 + 9);
	*reg(X86_REG_RAX) = 0xfedcba9876543210;
	assert_int_equal(RUN(0x48, 0xa3, 0x18, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00), 0);
	assert_int_equal(mmio_get(0x18, 8), 0xfedcba9876543210);
	assert_int_equal(RUN(0x67, 0xa0, 0x18, 0x00, 0xe0, 0xfe), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0xfedcba9876543210); /* AL loaded = 0x10 */
	/* FS has a base in 64-bit mode. */
	env.ctx.seg[X86_SEG_FS].base = 0x100;
	assert_int_equal(RUN(0x64, 0xa2, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00), 0);
	assert_int_equal(env.mmio[0x100], 0x10);

	reset(CPU_MODE_PROT32);
	*reg(X86_REG_RAX) = 0xaabbccdd;
	assert_int_equal(RUN(0xa2, 0x10, 0x00, 0xe0, 0xfe), 0);
	assert_access(0, true, true, MMIO64 + 0x10, 1, 0xdd);

	/* Real mode: DS base = selector << 4, 16-bit offset. */
	reset(CPU_MODE_REAL);
	env.mmio_base = 0xb8000;
	env.ctx.seg[X86_SEG_DS].base = 0xb7000;
	mmio_set(0x234, 2, 0xbeef);
	assert_int_equal(RUN(0xa1, 0x34, 0x12), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0xbeef);
	assert_access(0, true, false, 0xb8234, 2, 0xbeef);
	assert_int_equal(env.ctx.rip, 0x103);
}

static void rip_relative(void **state)
{
	u64 rip;

	(void)state;
	reset(CPU_MODE_64);
	/* Relative to the end of the instruction, immediate included. */
	rip = MMIO64 + 0x40 - 0x100 - 6;
	env.ctx.rip = rip;
	mmio_set(0x40, 4, 0xcafef00d);
	assert_int_equal(RUN(0x8b, 0x05, 0x00, 0x01, 0x00, 0x00), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0xcafef00d);
	assert_int_equal(env.ctx.rip, rip + 6);
	env.ctx.rip = MMIO64 + 0x48 - 0x100 - 10;
	assert_int_equal(RUN(0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x44, 0x33, 0x22, 0x11), 0);
	assert_access(1, true, true, MMIO64 + 0x48, 4, 0x11223344);
	/* With 67 the sum wraps to 32 bits. */
	env.ctx.rip = 0x1fee00020ULL;
	assert_int_equal(RUN(0x67, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff), 0);
	assert_access(2, true, false, MMIO64 + 0x17, 4, mmio_get(0x17, 4));
	assert_int_equal(env.ctx.rip, 0x1fee00027ULL);
}

static void movzx_movsx(void **state)
{
	(void)state;
	reset(CPU_MODE_64);
	mmio_set(0x10, 4, 0x8001ff80);
	*reg(X86_REG_RBX) = MMIO64 + 0x10;
	*reg(X86_REG_RAX) = ~0ULL;
	assert_int_equal(RUN(0x0f, 0xb6, 0x03), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0x80);
	assert_access(0, true, false, MMIO64 + 0x10, 1, 0x80);
	assert_int_equal(RUN(0x48, 0x0f, 0xb7, 0x03), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0xff80);
	assert_access(1, true, false, MMIO64 + 0x10, 2, 0xff80);
	*reg(X86_REG_RAX) = 0x1111111111111111;
	assert_int_equal(RUN(0x66, 0x0f, 0xbe, 0x03), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0x111111111111ff80);
	assert_int_equal(RUN(0x0f, 0xbf, 0x03), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0xffffff80);
	assert_int_equal(RUN(0x48, 0x63, 0x03), 0); /* movsxd rax, dword */
	assert_int_equal(*reg(X86_REG_RAX), 0xffffffff8001ff80);
	assert_access(4, true, false, MMIO64 + 0x10, 4, 0x8001ff80);
	assert_int_equal(RUN(0x63, 0x03), 0); /* movsxd eax: a 32-bit move */
	assert_int_equal(*reg(X86_REG_RAX), 0x8001ff80);
	assert_int_equal(env.ctx.rflags, RFLAGS_1);
}

/* ------------------------------------------------------------------------------------ */
/* Emulation: arithmetic and logic on MMIO */

struct alu_mem_case {
	u8 bytes[8];
	u8 n;
	u8 size;
	u64 mem, rax, flags_in;
	u64 mem_after, rax_after, flags_out;
	unsigned int accesses; /* 1: read only (CMP, TEST, load forms), 2: read, write */
};

#define AMC(size, mem, rax, fin, mem_after, rax_after, fout, acc, ...)                      \
	{                                                                                   \
		{__VA_ARGS__}, sizeof((u8[]){__VA_ARGS__}), size, mem, rax, fin, mem_after, \
			rax_after, fout, acc                                                \
	}

static const struct alu_mem_case alu_mem_cases[] = {
	/* [rbx] is the MMIO operand throughout; rax/eax/al the register. */
	AMC(4, 0xffffffff, 1, 0, 0, 1, CF | PF | AF | ZF, 2, 0x01, 0x03),
	AMC(4, 0x7fffffff, 0xffffffff00000001, 0, 0x7fffffff, 0x80000000, PF | AF | SF | OF, 1,
	    0x03, 0x03),
	AMC(1, 0x80, 1, 0, 0x7f, 1, AF | OF, 2, 0x28, 0x03),
	AMC(1, 0x80, 0xab01, 0, 0x80, 0xab81, PF | SF, 1, 0x0a, 0x03),
	AMC(8, ~0ULL, 0, 0, ~0ULL, 0, PF | ZF, 1, 0x48, 0x83, 0x3b, 0xff),
	AMC(4, 0x12345678, 0, ALL_ARITH, 0x5600, 0, PF, 2, 0x81, 0x23, 0x00, 0xff, 0x00, 0x00),
	AMC(2, 0x8000, 0, 0, 0x8001, 0, SF, 2, 0x66, 0x83, 0x0b, 0x01),
	AMC(4, 0xdeadbeef, 0xdeadbeef, ALL_ARITH, 0, 0xdeadbeef, PF | ZF, 2, 0x31, 0x03),
	AMC(4, 0xfffffffe, 1, CF, 0, 1, CF | PF | AF | ZF, 2, 0x11, 0x03),
	AMC(1, 0x00, 0, 0, 0xff, 0, CF | PF | AF | SF, 2, 0x80, 0x2b, 0x01),
	AMC(4, 5, 0, CF, 3, 0, PF, 2, 0x83, 0x1b, 0x01), /* sbb dword [rbx], 1 */
	AMC(4, 1, 0, 0, 2, 0, 0, 2, 0xf0, 0x83, 0x03, 0x01),
	AMC(4, 0x10, 0x10, 0, 0x10, 0x10, PF | ZF, 1, 0x39, 0x03), /* cmp [rbx], eax */
	AMC(4, 0x10, 0x11, 0, 0x10, 0x11, CF | PF | AF | SF, 1, 0x39, 0x03),
	AMC(4, 0x80, 0, ALL_ARITH, 0x80, 0, 0, 1, 0xf7, 0x03, 0x80, 0x00, 0x00, 0x00),
	AMC(1, 0x80, 0, 0, 0x80, 0, SF, 1, 0xf6, 0x03, 0x80),
	AMC(4, 0xf0, 0x0f, 0, 0xf0, 0x0f, PF | ZF, 1, 0x85, 0x03),
	AMC(4, 0x7fffffff, 0, CF, 0x80000000, 0, CF | PF | AF | SF | OF, 2, 0xff, 0x03),
	AMC(1, 0x00, 0, 0, 0xff, 0, PF | AF | SF, 2, 0xfe, 0x0b),
	AMC(4, 0x0f0f0f0f, 0, ALL_ARITH, 0xf0f0f0f0, 0, ALL_ARITH, 2, 0xf7, 0x13),
	AMC(8, 1, 0, 0, ~0ULL, 0, CF | PF | AF | SF, 2, 0x48, 0xf7, 0x1b),
	AMC(2, 0, 0, 0, 0, 0, PF | ZF, 2, 0xf0, 0x66, 0xf7, 0x1b), /* lock neg word */
};

static void alu_on_mmio(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(alu_mem_cases) / sizeof(alu_mem_cases[0]); i++) {
		const struct alu_mem_case *c = &alu_mem_cases[i];
		/* DF and IF are not status flags and must survive. */
		u64 other = RFLAGS_1 | X86_RFLAGS_DF | (1ULL << 9);

		reset(CPU_MODE_64);
		mmio_set(0x10, 8, 0x5a5a5a5a5a5a5a5a);
		mmio_set(0x10, c->size, c->mem);
		*reg(X86_REG_RBX) = MMIO64 + 0x10;
		*reg(X86_REG_RAX) = c->rax;
		env.ctx.rflags = c->flags_in | other;
		if (run(c->bytes, c->n) != 0)
			fail_msg("case %u failed", i);
		if (mmio_get(0x10, c->size) != c->mem_after || *reg(X86_REG_RAX) != c->rax_after ||
		    env.ctx.rflags != (c->flags_out | other) || env.nlog != c->accesses)
			fail_msg("case %u: mem %#llx rax %#llx flags %#llx accesses %u", i,
				 (unsigned long long)mmio_get(0x10, c->size),
				 (unsigned long long)*reg(X86_REG_RAX),
				 (unsigned long long)env.ctx.rflags, env.nlog);
		/* The bytes after the operand are untouched. */
		if (c->size < 8)
			assert_int_equal(env.mmio[0x10 + c->size], 0x5a);
		assert_access(0, true, false, MMIO64 + 0x10, c->size, c->mem);
		if (c->accesses == 2)
			assert_access(1, true, true, MMIO64 + 0x10, c->size, c->mem_after);
		assert_int_equal(env.ctx.rip, RIP0 + c->n);
	}
}

/* Register-only forms decode too (a rewritten instruction may be one) and work. */
static void alu_register_forms(void **state)
{
	(void)state;
	reset(CPU_MODE_64);
	*reg(X86_REG_RAX) = 0xffffffff00000000;
	env.ctx.rflags = RFLAGS_1 | CF;
	assert_int_equal(RUN(0x83, 0xd8, 0x01), 0); /* sbb eax, 1 */
	assert_int_equal(*reg(X86_REG_RAX), 0xfffffffe);
	assert_int_equal(env.ctx.rflags, RFLAGS_1 | CF | AF | SF);
	assert_int_equal(env.nlog, 0);
	*reg(X86_REG_RCX) = 0x8000;
	assert_int_equal(RUN(0x30, 0xe5), 0); /* xor ch, ah */
	assert_int_equal(*reg(X86_REG_RCX), 0x7f00);
	*reg(X86_REG_RBX) = 0x33;
	assert_int_equal(RUN(0x87, 0xdb), 0); /* xchg ebx, ebx */
	assert_int_equal(*reg(X86_REG_RBX), 0x33);
}

static void bit_test_family(void **state)
{
	(void)state;
	reset(CPU_MODE_64);
	*reg(X86_REG_RBX) = MMIO64 + 0x10;
	mmio_set(0x14, 4, 0x8);
	mmio_set(0x0c, 4, 0x80000000);
	/* A register offset reaches beyond the operand: bit 35 is bit 3 of [rbx+4]. */
	*reg(X86_REG_RAX) = 35;
	env.ctx.rflags = RFLAGS_1 | ZF;
	assert_int_equal(RUN(0x0f, 0xa3, 0x03), 0);
	assert_int_equal(env.ctx.rflags, RFLAGS_1 | ZF | CF);
	assert_int_equal(env.nlog, 1);
	assert_access(0, true, false, MMIO64 + 0x14, 4, 0x8);
	/* Negative offsets go below: -1 is bit 31 of [rbx-4]. */
	*reg(X86_REG_RAX) = 0xffffffff;
	assert_int_equal(RUN(0x0f, 0xa3, 0x03), 0);
	assert_access(1, true, false, MMIO64 + 0x0c, 4, 0x80000000);
	assert_int_equal(env.ctx.rflags, RFLAGS_1 | ZF | CF);
	/* -33 is bit 31 of [rbx-8]. */
	*reg(X86_REG_RAX) = (u32)-33;
	assert_int_equal(RUN(0x0f, 0xa3, 0x03), 0);
	assert_access(2, true, false, MMIO64 + 0x08, 4, 0);
	assert_int_equal(env.ctx.rflags, RFLAGS_1 | ZF);
	/* Immediate offsets are taken modulo the operand size. */
	mmio_set(0x10, 4, 0x20);
	assert_int_equal(RUN(0x0f, 0xba, 0x23, 0x25), 0);
	assert_access(3, true, false, MMIO64 + 0x10, 4, 0x20);
	assert_int_equal(env.ctx.rflags, RFLAGS_1 | ZF | CF);

	reset(CPU_MODE_64);
	*reg(X86_REG_RBX) = MMIO64 + 0x10;
	*reg(X86_REG_RAX) = 64 + 63; /* bts [rbx], rax: bit 63 of [rbx+8] */
	assert_int_equal(RUN(0x48, 0x0f, 0xab, 0x03), 0);
	assert_access(1, true, true, MMIO64 + 0x18, 8, 0x8000000000000000);
	assert_int_equal(env.ctx.rflags, RFLAGS_1);
	assert_int_equal(RUN(0x48, 0x0f, 0xab, 0x03), 0);
	assert_int_equal(env.ctx.rflags, RFLAGS_1 | CF);
	mmio_set(0x0e, 2, 0xffff);
	*reg(X86_REG_RAX) = 0xfff0; /* btr [rbx], ax: -16 is bit 0 of [rbx-2] */
	assert_int_equal(RUN(0x66, 0x0f, 0xb3, 0x03), 0);
	assert_int_equal(mmio_get(0x0e, 2), 0xfffe);
	assert_int_equal(env.ctx.rflags, RFLAGS_1 | CF);
	mmio_set(0x10, 4, 0x80000001);
	assert_int_equal(RUN(0x0f, 0xba, 0x3b, 0x1f), 0); /* btc dword [rbx], 31 */
	assert_int_equal(mmio_get(0x10, 4), 0x00000001);
	assert_int_equal(env.ctx.rflags, RFLAGS_1 | CF);
	assert_int_equal(RUN(0xf0, 0x0f, 0xba, 0x2b, 0x00), 0); /* lock bts dword [rbx], 0 */
	assert_int_equal(env.ctx.rflags, RFLAGS_1 | CF);
	assert_int_equal(RUN(0x0f, 0xba, 0x33, 0x00), 0); /* btr dword [rbx], 0 */
	assert_int_equal(mmio_get(0x10, 4), 0);

	/* 16-bit addressing wraps the moved address at 64 KiB. */
	reset(CPU_MODE_REAL);
	env.mmio_base = 0xc7800;
	env.ctx.seg[X86_SEG_DS].base = 0xb8000;
	*reg(X86_REG_RBX) = 0x0003;
	*reg(X86_REG_RAX) = 0xffe0; /* -32: two words down, from 0x0003 to 0xffff */
	assert_int_equal(RUN(0x0f, 0xa3, 0x07), -EFAULT); /* the word crosses the limit */
	assert_int_equal(env.ctx.exception.vector, EMUL_VEC_GP);
	assert_int_equal(env.nlog, 0);
	env.ctx.seg[X86_SEG_DS].limit = 0xffffffff;
	assert_int_equal(RUN(0x0f, 0xa3, 0x07), 0);
	assert_access(0, true, false, 0xb8000 + 0xffff, 2, 0);
}

static void xchg_swaps(void **state)
{
	(void)state;
	reset(CPU_MODE_64);
	*reg(X86_REG_RBX) = MMIO64 + 0x10;
	mmio_set(0x10, 4, 0x11111111);
	*reg(X86_REG_RAX) = 0xffffffff22222222;
	assert_int_equal(RUN(0x87, 0x03), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0x11111111);
	assert_int_equal(env.nlog, 2);
	assert_access(0, true, false, MMIO64 + 0x10, 4, 0x11111111);
	assert_access(1, true, true, MMIO64 + 0x10, 4, 0x22222222);
	mmio_set(0x10, 1, 0x33);
	*reg(X86_REG_RAX) = 0x4455;
	assert_int_equal(RUN(0x86, 0x23), 0); /* xchg [rbx], ah */
	assert_int_equal(*reg(X86_REG_RAX), 0x3355);
	assert_int_equal(env.mmio[0x10], 0x44);
	assert_int_equal(RUN(0xf0, 0x87, 0x03), 0);
	assert_int_equal(env.ctx.rip, RIP0 + 2 + 2 + 3);
	assert_int_equal(env.ctx.rflags, RFLAGS_1);
}

/* ------------------------------------------------------------------------------------ */
/* Emulation: string instructions */

static void movs_between_mmio_and_ram(void **state)
{
	(void)state;
	reset(CPU_MODE_64);
	mmio_set(0x10, 4, 0xcafebabe);
	*reg(X86_REG_RSI) = MMIO64 + 0x10;
	*reg(X86_REG_RDI) = RAM64 + 0x20;
	assert_int_equal(RUN(0xa5), 0); /* movsd: MMIO read, RAM write */
	assert_int_equal(ram_get(0x20, 4), 0xcafebabe);
	assert_access(0, true, false, MMIO64 + 0x10, 4, 0xcafebabe);
	assert_access(1, false, true, RAM64 + 0x20, 4, 0xcafebabe);
	assert_int_equal(*reg(X86_REG_RSI), MMIO64 + 0x14);
	assert_int_equal(*reg(X86_REG_RDI), RAM64 + 0x24);
	assert_int_equal(env.ctx.rip, RIP0 + 1);

	/* RAM to MMIO, backwards (DF = 1). */
	reset(CPU_MODE_64);
	env.ctx.movs_mmio_dst = true;
	env.ctx.rflags |= X86_RFLAGS_DF;
	env.ram[0x30] = 0x77;
	*reg(X86_REG_RSI) = RAM64 + 0x30;
	*reg(X86_REG_RDI) = MMIO64 + 0x40;
	assert_int_equal(RUN(0xa4), 0);
	assert_access(0, false, false, RAM64 + 0x30, 1, 0x77);
	assert_access(1, true, true, MMIO64 + 0x40, 1, 0x77);
	assert_int_equal(*reg(X86_REG_RSI), RAM64 + 0x2f);
	assert_int_equal(*reg(X86_REG_RDI), MMIO64 + 0x3f);

	/* The source segment can be overridden (FS has a base in 64-bit mode). */
	reset(CPU_MODE_64);
	env.ctx.seg[X86_SEG_FS].base = 0x1000;
	env.ctx.seg[X86_SEG_ES].base = 0x5000; /* ignored in 64-bit mode */
	*reg(X86_REG_RSI) = MMIO64 - 0x1000 + 0x8;
	*reg(X86_REG_RDI) = RAM64;
	assert_int_equal(RUN(0x64, 0xa4), 0);
	assert_access(0, true, false, MMIO64 + 0x8, 1, 0);
	assert_access(1, false, true, RAM64, 1, 0);
}

static void rep_movs_one_iteration_per_call(void **state)
{
	unsigned int i;

	(void)state;
	reset(CPU_MODE_64);
	for (i = 0; i < 24; i++)
		env.mmio[0x100 + i] = i + 1;
	*reg(X86_REG_RSI) = MMIO64 + 0x100;
	*reg(X86_REG_RDI) = RAM64 + 0x200;
	*reg(X86_REG_RCX) = 3;
	env.ctx.rip = RIP0;
	assert_int_equal(instr_decode(B(0xf3, 0x48, 0xa5), CPU_MODE_64, &env.in), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(instr_emulate(&env.in, &env.ctx), INSTR_EMUL_REP_MORE);
		assert_int_equal(env.ctx.rip, RIP0);
		assert_int_equal(*reg(X86_REG_RCX), 2 - i);
	}
	assert_int_equal(instr_emulate(&env.in, &env.ctx), 0);
	assert_int_equal(env.ctx.rip, RIP0 + 3);
	assert_int_equal(*reg(X86_REG_RCX), 0);
	assert_int_equal(*reg(X86_REG_RSI), MMIO64 + 0x118);
	assert_int_equal(*reg(X86_REG_RDI), RAM64 + 0x218);
	assert_memory_equal(&env.ram[0x200], &env.mmio[0x100], 24);
	assert_int_equal(env.nlog, 6);

	/* A zero count does nothing but advance RIP. */
	env.nlog = 0;
	assert_int_equal(instr_emulate(&env.in, &env.ctx), 0);
	assert_int_equal(env.nlog, 0);
	assert_int_equal(env.ctx.rip, RIP0 + 6);

	/* 67: ECX/ESI/EDI, and updated registers are zero-extended. */
	reset(CPU_MODE_64);
	*reg(X86_REG_RCX) = 0xffffffff00000002;
	*reg(X86_REG_RSI) = 0x12345678fee00010;
	*reg(X86_REG_RDI) = 0xabcdef0000010000;
	assert_int_equal(RUN(0x67, 0xf3, 0xa4), INSTR_EMUL_REP_MORE);
	assert_access(0, true, false, MMIO64 + 0x10, 1, 0);
	assert_access(1, false, true, RAM64, 1, 0);
	assert_int_equal(*reg(X86_REG_RCX), 1);
	assert_int_equal(*reg(X86_REG_RSI), 0xfee00011);
	assert_int_equal(*reg(X86_REG_RDI), 0x10001);
	assert_int_equal(env.ctx.rip, RIP0);
	/* An upper half in RCX alone does not count. */
	*reg(X86_REG_RCX) = 0xffffffff00000000;
	assert_int_equal(RUN(0x67, 0xf3, 0xa4), 0);
	assert_int_equal(env.ctx.rip, RIP0 + 3);
}

static void rep_stos_and_lods(void **state)
{
	(void)state;
	reset(CPU_MODE_64);
	*reg(X86_REG_RAX) = 0x12345678a5a5a5a5;
	*reg(X86_REG_RDI) = MMIO64 + 0x80;
	*reg(X86_REG_RCX) = 2;
	assert_int_equal(RUN(0xf3, 0xab), INSTR_EMUL_REP_MORE);
	assert_int_equal(instr_emulate(&env.in, &env.ctx), 0);
	assert_int_equal(mmio_get(0x80, 8), 0xa5a5a5a5a5a5a5a5);
	assert_access(1, true, true, MMIO64 + 0x84, 4, 0xa5a5a5a5);
	assert_int_equal(*reg(X86_REG_RDI), MMIO64 + 0x88);
	assert_int_equal(env.ctx.rip, RIP0 + 2);
	/* F2 repeats STOS like F3 does. */
	*reg(X86_REG_RCX) = 2;
	assert_int_equal(RUN(0xf2, 0xaa), INSTR_EMUL_REP_MORE);
	/* No REP: RCX is not touched. */
	*reg(X86_REG_RCX) = 0;
	assert_int_equal(RUN(0xaa), 0);
	assert_int_equal(*reg(X86_REG_RCX), 0);

	reset(CPU_MODE_64);
	mmio_set(0x10, 8, 0x1122334455667788);
	*reg(X86_REG_RSI) = MMIO64 + 0x10;
	*reg(X86_REG_RAX) = ~0ULL;
	assert_int_equal(RUN(0xad), 0); /* lodsd */
	assert_int_equal(*reg(X86_REG_RAX), 0x55667788);
	assert_int_equal(*reg(X86_REG_RSI), MMIO64 + 0x14);
	assert_int_equal(RUN(0x66, 0xad), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0x55663344);
	assert_int_equal(env.nlog, 2);
}

static void string_16bit_addresses_wrap(void **state)
{
	(void)state;
	reset(CPU_MODE_REAL);
	env.mmio_base = 0xb8000;
	env.ctx.seg[X86_SEG_DS].base = 0xb8000 - 0xff00;
	env.ctx.seg[X86_SEG_ES].base = RAM64;
	env.mmio[0xff] = 0x42;
	*reg(X86_REG_RSI) = 0xabcd0000ffffULL;
	*reg(X86_REG_RDI) = 0x10;
	*reg(X86_REG_RCX) = 0x7777000000000001ULL; /* CX = 1 */
	env.ctx.rip = 0xfffe;
	assert_int_equal(RUN(0xf3, 0xa4), 0);
	assert_access(0, true, false, 0xb80ff, 1, 0x42);
	assert_access(1, false, true, RAM64 + 0x10, 1, 0x42);
	/* SI wraps at 16 bits, the rest of RSI stays; likewise CX and IP. */
	assert_int_equal(*reg(X86_REG_RSI), 0xabcd00000000ULL);
	assert_int_equal(*reg(X86_REG_RDI), 0x11);
	assert_int_equal(*reg(X86_REG_RCX), 0x7777000000000000ULL);
	assert_int_equal(env.ctx.rip, 0);
	/* A word at SI = 0xffff would cross the 64 KiB limit: #GP(0), nothing done. */
	*reg(X86_REG_RSI) = 0xffff;
	assert_int_equal(RUN(0xa5), -EFAULT);
	assert_int_equal(env.ctx.exception.vector, EMUL_VEC_GP);
	assert_int_equal(env.nlog, 2);
	assert_int_equal(*reg(X86_REG_RSI), 0xffff);
}

/* ------------------------------------------------------------------------------------ */
/* Segmentation, faults and errors */

static void segment_limits_and_canonical_addresses(void **state)
{
	u64 gpr[X86_NR_REGS];

	(void)state;
	reset(CPU_MODE_REAL);
	env.mmio_base = 0xb8000;
	env.ctx.seg[X86_SEG_DS].base = 0xb8000;
	*reg(X86_REG_RBX) = 0x10;
	*reg(X86_REG_RAX) = 0x1234;
	assert_int_equal(RUN(0x89, 0x07), 0); /* mov [bx], ax */
	assert_access(0, true, true, 0xb8010, 2, 0x1234);
	*reg(X86_REG_RBX) = 0xffff;
	memcpy(gpr, env.ctx.gpr, sizeof(gpr));
	assert_int_equal(RUN(0x89, 0x07), -EFAULT);
	assert_int_equal(env.ctx.exception.vector, EMUL_VEC_GP);
	assert_true(env.ctx.exception.has_error_code);
	assert_int_equal(env.ctx.exception.error_code, 0);
	assert_int_equal(env.nlog, 1);
	assert_memory_equal(gpr, env.ctx.gpr, sizeof(gpr));
	assert_int_equal(env.ctx.rip, 0x102);
	*reg(X86_REG_RBP) = 0xffff;
	env.ctx.seg[X86_SEG_SS].base = 0xb8000 - 0xff00;
	assert_int_equal(RUN(0x89, 0x46, 0x00), -EFAULT); /* [bp]: SS */
	assert_int_equal(env.ctx.exception.vector, EMUL_VEC_SS);
	assert_int_equal(RUN(0x88, 0x46, 0x00), 0); /* one byte fits */

	reset(CPU_MODE_PROT32);
	env.ctx.seg[X86_SEG_DS].base = MMIO64;
	env.ctx.seg[X86_SEG_DS].limit = 0xfff;
	*reg(X86_REG_RBX) = 0xffe;
	assert_int_equal(RUN(0x89, 0x03), -EFAULT);
	*reg(X86_REG_RBX) = 0xffc;
	assert_int_equal(RUN(0x89, 0x03), 0);
	assert_access(0, true, true, MMIO64 + 0xffc, 4, 0);
	/* Base + offset wraps at 4 GiB. */
	env.ctx.seg[X86_SEG_DS].base = 0xfff00000;
	env.ctx.seg[X86_SEG_DS].limit = 0xffffffff;
	*reg(X86_REG_RBX) = 0xfef00010;
	assert_int_equal(RUN(0x89, 0x03), 0);
	assert_access(1, true, true, MMIO64 + 0x10, 4, 0);

	reset(CPU_MODE_64);
	*reg(X86_REG_RBX) = 0x0000800000000000ULL;
	assert_int_equal(RUN(0x89, 0x03), -EFAULT);
	assert_int_equal(env.ctx.exception.vector, EMUL_VEC_GP);
	*reg(X86_REG_RSP) = 0xffff7fffffffffffULL;
	assert_int_equal(RUN(0x48, 0x89, 0x04, 0x24), -EFAULT);
	assert_int_equal(env.ctx.exception.vector, EMUL_VEC_SS);
	/* The last byte counts too. */
	*reg(X86_REG_RBX) = 0x00007ffffffffffcULL;
	assert_int_equal(RUN(0x48, 0x89, 0x03), -EFAULT);
	assert_int_equal(RUN(0x89, 0x03), -ENODEV); /* 4 bytes fit: the device says no */
	assert_int_equal(env.nlog, 1);
	/* With LA57 the same address is canonical. */
	env.ctx.la57 = true;
	*reg(X86_REG_RBX) = 0x0000800000000000ULL;
	assert_int_equal(RUN(0x89, 0x03), -ENODEV);
	*reg(X86_REG_RBX) = 0x0100000000000000ULL;
	assert_int_equal(RUN(0x89, 0x03), -EFAULT);
	/* High canonical addresses are fine; DS base is ignored in 64-bit mode. */
	env.ctx.la57 = false;
	env.ctx.seg[X86_SEG_DS].base = 0x1000;
	env.mmio_base = 0xffffffffffff0000ULL;
	*reg(X86_REG_RBX) = 0xffffffffffff0010ULL;
	assert_int_equal(RUN(0x89, 0x03), 0);
	assert_access(env.nlog - 1, true, true, 0xffffffffffff0010ULL, 4, 0);
}

static void addressing_16bit(void **state)
{
	(void)state;
	reset(CPU_MODE_PROT16);
	env.ctx.seg[X86_SEG_DS].base = MMIO64;
	env.ctx.seg[X86_SEG_SS].base = MMIO64 + 0x800;
	mmio_set(0x10, 2, 0x1111);
	mmio_set(0x830, 2, 0x2222);
	/* [bx+si+0x10] wraps at 64 KiB: 0xfff0 + 0x10 + 0x10 = 0x10. */
	*reg(X86_REG_RBX) = 0xfff0;
	*reg(X86_REG_RSI) = 0x0010;
	assert_int_equal(RUN(0x8b, 0x40, 0x10), 0);
	assert_int_equal(*reg(X86_REG_RAX), 0x1111);
	assert_access(0, true, false, MMIO64 + 0x10, 2, 0x1111);
	/* [bp+di] is in SS. */
	*reg(X86_REG_RBP) = 0x20;
	*reg(X86_REG_RDI) = 0x10;
	assert_int_equal(RUN(0x8b, 0x0b), 0);
	assert_int_equal(*reg(X86_REG_RCX), 0x2222);
	/* ... unless overridden. */
	assert_int_equal(RUN(0x3e, 0x8b, 0x0b), 0);
	assert_access(2, true, false, MMIO64 + 0x30, 2, 0);
	/* 66 in 16-bit code: a 32-bit register, zero-extended. */
	*reg(X86_REG_RDX) = ~0ULL;
	assert_int_equal(RUN(0x66, 0x8b, 0x50, 0x10), 0);
	assert_int_equal(*reg(X86_REG_RDX), 0x00001111);
	/* 67 in 16-bit code: 32-bit addressing. */
	*reg(X86_REG_RAX) = 0;
	*reg(X86_REG_RCX) = 2;
	assert_int_equal(RUN(0x67, 0x8b, 0x14, 0xc8), 0); /* mov dx, [eax+ecx*8] */
	assert_access(4, true, false, MMIO64 + 0x10, 2, 0x1111);
	assert_int_equal(env.ctx.rip, 0x100 + 3 + 2 + 3 + 4 + 4);
}

static void callback_errors_leave_state_unchanged(void **state)
{
	struct emul_ctx before;

	(void)state;
	/* A read-modify-write whose write fails: the read happened, nothing else. */
	reset(CPU_MODE_64);
	*reg(X86_REG_RBX) = MMIO64 + 0x10;
	*reg(X86_REG_RAX) = 1;
	env.fail_at = 2;
	env.fail_ret = -EIO;
	before = env.ctx;
	assert_int_equal(RUN(0x01, 0x03), -EIO);
	assert_int_equal(env.nlog, 2);
	assert_memory_equal(&before, &env.ctx, sizeof(before));
	/* XCHG: the register is not written either. */
	env.nlog = 0;
	assert_int_equal(RUN(0x87, 0x03), -EIO);
	assert_int_equal(*reg(X86_REG_RAX), 1);
	/* A positive return from a callback is still a failure. */
	env.nlog = 0;
	env.fail_at = 1;
	env.fail_ret = 7;
	assert_int_equal(RUN(0x8b, 0x03), -EIO);
	assert_int_equal(env.ctx.rip, RIP0);

	/* MOVS whose RAM side faults: #PF passed on, rSI/rDI/rCX unchanged. */
	reset(CPU_MODE_64);
	*reg(X86_REG_RSI) = MMIO64;
	*reg(X86_REG_RDI) = 0x7000000;
	*reg(X86_REG_RCX) = 5;
	before = env.ctx;
	assert_int_equal(RUN(0xf3, 0xa4), -EFAULT);
	assert_int_equal(env.ctx.exception.vector, EMUL_VEC_PF);
	assert_int_equal(env.ctx.exception.cr2, 0x7000000);
	env.ctx.exception = before.exception;
	assert_memory_equal(&before, &env.ctx, sizeof(before));
}

static void invalid_instr_or_ctx_refused(void **state)
{
	struct instr in;

	(void)state;
	reset(CPU_MODE_64);
	memset(&in, 0, sizeof(in));
	assert_int_equal(instr_emulate(&in, &env.ctx), -EINVAL);
	assert_int_equal(instr_decode(B(0x89, 0x03), CPU_MODE_64, &in), 0);
	in.dst.mem.base = 16;
	assert_int_equal(instr_emulate(&in, &env.ctx), -EINVAL);
	in.dst.mem.base = X86_REG_RBX;
	in.src.high8 = true; /* EAX cannot be a high byte register */
	assert_int_equal(instr_emulate(&in, &env.ctx), -EINVAL);
	in.src.high8 = false;
	in.op_size = in.dst.size = 3;
	assert_int_equal(instr_emulate(&in, &env.ctx), -EINVAL);
	in.op_size = in.dst.size = 4;
	in.src = in.dst; /* two memory operands */
	assert_int_equal(instr_emulate(&in, &env.ctx), -EINVAL);
	assert_int_equal(instr_decode(B(0x89, 0x03), CPU_MODE_64, &in), 0);
	env.ctx.ops = NULL;
	assert_int_equal(instr_emulate(&in, &env.ctx), -EINVAL);
	assert_int_equal(env.nlog, 0);
	assert_int_equal(env.ctx.rip, RIP0);
}

static void rip_wraps_with_the_code_size(void **state)
{
	(void)state;
	reset(CPU_MODE_PROT32);
	*reg(X86_REG_RBX) = MMIO64;
	env.ctx.rip = 0xffffffff;
	assert_int_equal(RUN(0x89, 0x03), 0);
	assert_int_equal(env.ctx.rip, 1);
	reset(CPU_MODE_COMPAT16);
	env.ctx.seg[X86_SEG_DS].base = MMIO64;
	env.ctx.rip = 0xffff;
	assert_int_equal(RUN(0x89, 0x07), 0);
	assert_int_equal(env.ctx.rip, 1);
}

static void cpu_mode_from_guest_state(void **state)
{
	const u64 pe = 1, lma = 1ULL << 10;

	(void)state;
	assert_int_equal(cpu_mode_of(0, 0, 0, false, false), CPU_MODE_REAL);
	assert_int_equal(cpu_mode_of(pe, X86_RFLAGS_VM, 0, false, true), CPU_MODE_REAL);
	assert_int_equal(cpu_mode_of(pe, 0, 0, false, false), CPU_MODE_PROT16);
	assert_int_equal(cpu_mode_of(pe, 0, 0, false, true), CPU_MODE_PROT32);
	assert_int_equal(cpu_mode_of(pe, 0, lma, false, false), CPU_MODE_COMPAT16);
	assert_int_equal(cpu_mode_of(pe, 0, lma, false, true), CPU_MODE_COMPAT32);
	assert_int_equal(cpu_mode_of(pe, 0, lma, true, false), CPU_MODE_64);
	/* CS.L outside IA-32e mode means nothing. */
	assert_int_equal(cpu_mode_of(pe, 0, 0, true, true), CPU_MODE_PROT32);
}

/* The other groups, in test_instr_decode.c, test_instr_alu.c and test_instr_forms.c. */
int instr_decode_tests(void);
int instr_alu_tests(void);
int instr_forms_tests(void);

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mov_stores_each_size),
		cmocka_unit_test(mov_loads_and_register_widths),
		cmocka_unit_test(mov_immediates),
		cmocka_unit_test(mov_moffs),
		cmocka_unit_test(rip_relative),
		cmocka_unit_test(movzx_movsx),
		cmocka_unit_test(alu_on_mmio),
		cmocka_unit_test(alu_register_forms),
		cmocka_unit_test(bit_test_family),
		cmocka_unit_test(xchg_swaps),
		cmocka_unit_test(movs_between_mmio_and_ram),
		cmocka_unit_test(rep_movs_one_iteration_per_call),
		cmocka_unit_test(rep_stos_and_lods),
		cmocka_unit_test(string_16bit_addresses_wrap),
		cmocka_unit_test(segment_limits_and_canonical_addresses),
		cmocka_unit_test(addressing_16bit),
		cmocka_unit_test(callback_errors_leave_state_unchanged),
		cmocka_unit_test(invalid_instr_or_ctx_refused),
		cmocka_unit_test(rip_wraps_with_the_code_size),
		cmocka_unit_test(cpu_mode_from_guest_state),
	};
	int failed = instr_decode_tests();

	failed |= instr_alu_tests();
	failed |= instr_forms_tests();

	failed |= cmocka_run_group_tests_name("instr_emul", tests, NULL, NULL);
	return failed;
}
