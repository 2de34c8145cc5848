// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer target: random bytes as instruction bytes, guest register and segment state
 * and CPU mode, through instr_decode() and instr_emulate(), with memory callbacks backed
 * by small buffers; optionally the callbacks translate through guest_walk() over page
 * tables that come from the input too. Besides what ASan and UBSan catch, it aborts on
 * any broken contract (see the check_* functions). Input layout (missing bytes are 0):
 *
 *   [0] mode (mod 6)      [1] flags (FL_*)      [2] instruction length to offer
 *   [3..18] instruction bytes
 *   [19..] 16 GPRs, RIP, RFLAGS (8 bytes each), 6 x (segment base 8, limit 4),
 *          fail_at, CR0, CR3, CR4, EFER (8 each), MAXPHYADDR
 *   rest: initial contents of guest-physical memory (page tables and data)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/compiler.h>
#include <bulkhead/errno.h>
#include <asm/guest_walk.h>
#include <asm/instr_emul.h>
#include "host_alu.h"

#define FL_MOVS_MMIO_DST (1U << 0)
#define FL_LA57		 (1U << 1)
#define FL_PAGING	 (1U << 2) /* the callbacks translate with guest_walk() */
#define FL_AD_UPDATE	 (1U << 3) /* ... and set accessed/dirty flags */
#define FL_PDPTES	 (1U << 4) /* PAE: PDPTEs from the input, not memory */
#define FL_USER		 (1U << 5) /* CPL 3 */

#define GPA_SIZE     (4 * 4096) /* guest-physical memory: page tables and data */
#define DATA_SIZE    4096	/* the device and RAM windows, each */
#define REP_ROUNDS   64
#define MAX_ACCESSES 4

struct fuzz_env {
	struct emul_ctx ctx;
	struct guest_walk_ctx walk;
	u64 pdptes[4];
	u8 gpa_mem[GPA_SIZE];
	u8 mmio[DATA_SIZE];
	u8 ram[DATA_SIZE];
	unsigned int flags;
	unsigned int accesses;
	unsigned int reads, writes; /* successful callbacks, with the last values */
	u64 read_value, write_value;
	unsigned int fail_at;
	u64 fail_code;
};

static struct fuzz_env env;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

/* A reader of the input that yields zeros past its end. */
struct input {
	const u8 *p;
	size_t len, pos;
};

static u64 take(struct input *in, unsigned int n)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++, in->pos++)
		if (in->pos < in->len)
			v |= (u64)in->p[in->pos] << (8 * i);
	return v;
}

static int read_gpa(const struct guest_walk_ctx *c, u64 gpa, void *buf, size_t size)
{
	CHECK(c == &env.walk);
	CHECK(size == 4 || size == 8);
	if (gpa >= GPA_SIZE || GPA_SIZE - gpa < size)
		return -ENOENT;
	memcpy(buf, &env.gpa_mem[gpa], size);
	return 0;
}

static int cmpxchg_gpa(const struct guest_walk_ctx *c, u64 gpa, u64 old, u64 new_val, size_t size)
{
	u64 cur = 0;

	CHECK(c == &env.walk);
	CHECK(size == 4 || size == 8);
	/* Only A and D may be set, nothing cleared. */
	CHECK((new_val & ~old) == (new_val ^ old) && !((new_val ^ old) & ~0x60ULL));
	if (gpa >= GPA_SIZE || GPA_SIZE - gpa < size)
		return -ENOENT;
	memcpy(&cur, &env.gpa_mem[gpa], size);
	if (cur != old)
		return -EBUSY;
	memcpy(&env.gpa_mem[gpa], &new_val, size);
	return 0;
}

static void check_walk_result(int ret, u64 la, u64 gpa, const struct guest_fault *f)
{
	CHECK(ret == 0 || ret == -EFAULT || ret == -ERANGE || ret == -EIO || ret == -EBUSY);
	if (ret == 0)
		CHECK(gpa < (1ULL << 52));
	if (ret == -EFAULT) {
		CHECK(!(f->error_code & ~0x1fU));
		CHECK(f->address == la || f->address == (la & 0xffffffffULL));
	}
}

/*
 * Linear to buffer offset: with FL_PAGING through guest_walk() (a #PF becomes the
 * emulator's exception), otherwise the low 12 bits. An access must not leave the page.
 */
static int translate(struct emul_ctx *ctx, u64 la, unsigned int size, bool write, u64 *off)
{
	struct guest_fault f;
	u32 access = write ? GUEST_ACC_WRITE : 0;
	u64 gpa = la;
	int ret;

	CHECK(ctx == &env.ctx);
	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	if (++env.accesses == env.fail_at) {
		if (env.fail_code & 1) {
			ctx->exception = (struct emul_exception){.vector = EMUL_VEC_PF, .cr2 = la};
			return -EFAULT;
		}
		return -EIO;
	}
	if (env.flags & FL_PAGING) {
		if (env.flags & FL_USER)
			access |= GUEST_ACC_USER;
		ret = guest_walk(&env.walk, la, access, &gpa, &f);
		check_walk_result(ret, la, gpa, &f);
		if (ret == -EFAULT) {
			ctx->exception = (struct emul_exception){.vector = EMUL_VEC_PF,
								 .has_error_code = true,
								 .error_code = f.error_code,
								 .cr2 = f.address};
			return -EFAULT;
		}
		if (ret)
			return ret;
	}
	if ((gpa & 0xfff) + size > DATA_SIZE)
		return -ENODEV;
	*off = gpa & 0xfff;
	return 0;
}

static int cb_read(struct emul_ctx *ctx, u8 *buf, u64 la, unsigned int size, u64 *value)
{
	u64 off;
	int ret = translate(ctx, la, size, false, &off);

	if (ret)
		return ret;
	*value = 0;
	memcpy(value, &buf[off], size);
	env.reads++;
	env.read_value = *value;
	return 0;
}

static int cb_write(struct emul_ctx *ctx, u8 *buf, u64 la, unsigned int size, u64 value)
{
	u64 off;
	int ret = translate(ctx, la, size, true, &off);

	CHECK(size == 8 || !(value >> (8 * size)));
	if (ret)
		return ret;
	memcpy(&buf[off], &value, size);
	env.writes++;
	env.write_value = value;
	return 0;
}

static int mmio_read(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value)
{
	return cb_read(ctx, env.mmio, la, size, value);
}

static int mmio_write(struct emul_ctx *ctx, u64 la, unsigned int size, u64 value)
{
	return cb_write(ctx, env.mmio, la, size, value);
}

static int mem_read(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value)
{
	return cb_read(ctx, env.ram, la, size, value);
}

static int mem_write(struct emul_ctx *ctx, u64 la, unsigned int size, u64 value)
{
	return cb_write(ctx, env.ram, la, size, value);
}

static const struct emul_ops fuzz_ops = {
	.mmio_read = mmio_read,
	.mmio_write = mmio_write,
	.mem_read = mem_read,
	.mem_write = mem_write,
};

static bool is_16bit(enum cpu_mode mode)
{
	return mode == CPU_MODE_REAL || mode == CPU_MODE_PROT16 || mode == CPU_MODE_COMPAT16;
}

static bool valid_size(unsigned int s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

/*
 * The decoder's contract: a result in range, a length within the buffer and the 15-byte
 * limit, and the same answer from exactly the bytes it consumed (it read no further).
 */
static void check_decode(const u8 *bytes, size_t n, enum cpu_mode mode, int ret,
			 const struct instr *in)
{
	struct instr again;
	u8 *exact;

	CHECK(ret == 0 || ret == -EINVAL || ret == -ENOSPC);
	if (ret == -ENOSPC)
		CHECK(n < INSTR_MAX_LEN);
	if (ret)
		return;
	CHECK(in->len >= 1 && in->len <= n && in->len <= INSTR_MAX_LEN);
	CHECK(in->mode == mode);
	CHECK(valid_size(in->op_size) && valid_size(in->addr_size) && in->addr_size >= 2);
	CHECK(in->dst.kind == OPND_REG || in->dst.kind == OPND_MEM);
	CHECK(in->dst.size == in->op_size);
	CHECK(mode == CPU_MODE_64 ? in->addr_size != 2 : in->addr_size != 8);
	CHECK(mode == CPU_MODE_64 || in->rex == 0);
	if (in->dst.kind == OPND_MEM)
		CHECK(in->dst.mem.seg < X86_NR_SEGS);
	if (in->src.kind == OPND_MEM)
		CHECK(in->src.mem.seg < X86_NR_SEGS);
	exact = malloc(in->len); /* heap copy: ASan sees a read past it */
	CHECK(exact);
	memcpy(exact, bytes, in->len);
	CHECK(instr_decode(exact, in->len, mode, &again) == 0);
	CHECK(memcmp(&again, in, sizeof(again)) == 0);
	free(exact);
}

static bool is_string(enum instr_op op)
{
	return op == INSTR_MOVS || op == INSTR_STOS || op == INSTR_LODS;
}

/* Registers an instruction may write. */
static u32 writable_regs(const struct instr *in)
{
	u32 m = 0;

	if (in->dst.kind == OPND_REG && in->op != INSTR_CMP && in->op != INSTR_TEST &&
	    in->op != INSTR_BT)
		m |= 1U << in->dst.reg;
	if ((in->op == INSTR_XCHG || in->op == INSTR_XADD) && in->src.kind == OPND_REG)
		m |= 1U << in->src.reg;
	if (in->op == INSTR_CMPXCHG)
		m |= 1U << X86_REG_RAX;
	if (in->op == INSTR_MOVS || in->op == INSTR_LODS)
		m |= 1U << X86_REG_RSI;
	if (in->op == INSTR_MOVS || in->op == INSTR_STOS)
		m |= 1U << X86_REG_RDI;
	if (is_string(in->op))
		m |= 1U << X86_REG_RCX;
	return m;
}

/* The emulator's contract for one call (see asm/instr_emul.h). */
static void check_emulate(const struct instr *in, const struct emul_ctx *before, int ret)
{
	const struct emul_ctx *after = &env.ctx;
	u64 next = before->rip + in->len;
	u32 may_change = writable_regs(in);
	unsigned int i;

	CHECK(ret != -EINVAL); /* everything the decoder produces is emulated */
	CHECK(env.accesses <= 2 || (env.fail_at && env.accesses <= MAX_ACCESSES));
	if (ret < 0) {
		CHECK(memcmp(after->gpr, before->gpr, sizeof(after->gpr)) == 0);
		CHECK(after->rip == before->rip && after->rflags == before->rflags);
		return;
	}
	CHECK(ret == 0 || ret == INSTR_EMUL_REP_MORE);
	if (ret == INSTR_EMUL_REP_MORE) {
		CHECK(is_string(in->op) && (in->prefixes & (INSTR_PFX_REP | INSTR_PFX_REPNE)));
		CHECK(after->rip == before->rip);
	} else if (in->mode == CPU_MODE_64) {
		CHECK(after->rip == next);
	} else {
		CHECK(after->rip == (next & (is_16bit(in->mode) ? 0xffffULL : 0xffffffffULL)));
	}
	CHECK(!((after->rflags ^ before->rflags) & ~X86_RFLAGS_ARITH));
	for (i = 0; i < X86_NR_REGS; i++)
		if (!(may_change & (1U << i)))
			CHECK(after->gpr[i] == before->gpr[i]);
}

static u64 mask_of(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* A register or immediate operand's value in a register state. */
static u64 opnd_value(const struct instr_opnd *o, const struct emul_ctx *c)
{
	if (o->kind == OPND_IMM)
		return o->imm & mask_of(o->size);
	if (o->high8)
		return (c->gpr[o->reg] >> 8) & 0xff;
	return c->gpr[o->reg] & mask_of(o->size);
}

static bool same_reg(const struct instr_opnd *x, const struct instr_opnd *y)
{
	return x->kind == OPND_REG && y->kind == OPND_REG && x->reg == y->reg &&
	       x->high8 == y->high8;
}

static bool is_arith(enum instr_op op)
{
	return (op >= INSTR_ADD && op <= INSTR_DEC) || op == INSTR_XADD || op == INSTR_CMPXCHG;
}

/*
 * A completed arithmetic instruction against the host CPU running the same operation on
 * the values the emulator read: the value written (to memory or the register), the other
 * registers XADD and CMPXCHG write, and the status flags. This checks operand order,
 * immediates and sizes end to end, not only instr_alu().
 */
static void check_against_host(const struct instr *in, const struct emul_ctx *before)
{
	const struct emul_ctx *after = &env.ctx;
	const struct instr_opnd *dst = &in->dst, *src = &in->src;
	unsigned int size = dst->size;
	u64 a, b = 0, r = 0, fl = before->rflags, reg, acc;
	bool writes = in->op != INSTR_CMP && in->op != INSTR_TEST;

	if (dst->kind == OPND_MEM) {
		CHECK(env.reads == 1);
		a = env.read_value;
	} else {
		a = opnd_value(dst, before);
	}
	if (src->kind == OPND_MEM) {
		CHECK(env.reads == 1);
		b = env.read_value;
	} else if (src->kind != OPND_NONE) {
		b = opnd_value(src, before);
	}
	reg = b;
	acc = before->gpr[X86_REG_RAX];
	if (in->op == INSTR_XADD || in->op == INSTR_CMPXCHG) {
		r = a;
		host_rmw(in->op, size, &r, &reg, &acc, &fl);
	} else {
		CHECK(host_alu(in->op, size, a, b, &r, &fl));
	}
	CHECK((after->rflags & X86_RFLAGS_ARITH) == (fl & X86_RFLAGS_ARITH));
	if (dst->kind == OPND_MEM)
		CHECK(env.writes == (writes ? 1U : 0U) && (!writes || env.write_value == r));
	else if (writes)
		CHECK(opnd_value(dst, after) == r);
	else
		CHECK(env.writes == 0);
	if (in->op == INSTR_XADD && !same_reg(src, dst))
		CHECK(opnd_value(src, after) == reg);
	if (in->op == INSTR_CMPXCHG && !(dst->kind == OPND_REG && dst->reg == X86_REG_RAX))
		CHECK((after->gpr[X86_REG_RAX] & mask_of(size)) == (acc & mask_of(size)));
}

/* instr_alu() against the host CPU on values from the input. */
static void check_alu(enum instr_op op, unsigned int size, u64 a, u64 b, u64 flags)
{
	u64 fe = flags & X86_RFLAGS_ARITH, fh = fe, re, rh;

	re = instr_alu(op, size, a, b, &fe);
	if (host_alu(op, size, a, b, &rh, &fh))
		CHECK(re == rh && fe == fh);
}

static void setup_state(struct input *rd)
{
	unsigned int i;

	for (i = 0; i < X86_NR_REGS; i++)
		env.ctx.gpr[i] = take(rd, 8);
	env.ctx.rip = take(rd, 8);
	env.ctx.rflags = take(rd, 8);
	for (i = 0; i < X86_NR_SEGS; i++) {
		env.ctx.seg[i].base = take(rd, 8);
		env.ctx.seg[i].limit = take(rd, 4);
	}
	env.fail_code = take(rd, 8);
	env.fail_at = env.fail_code % 8; /* 0 or a later access never fails */
	env.walk.cr0 = take(rd, 8);
	env.walk.cr3 = take(rd, 8);
	env.walk.cr4 = take(rd, 8);
	env.walk.efer = take(rd, 8);
	env.walk.maxphyaddr = take(rd, 1);
	env.walk.gbpages = env.fail_code & 2;
	env.walk.rflags = env.ctx.rflags;
	env.walk.read_gpa = read_gpa;
	env.walk.cmpxchg_gpa = (env.flags & FL_AD_UPDATE) ? cmpxchg_gpa : NULL;
	for (i = 0; i < 4; i++)
		env.pdptes[i] = take(rd, 8);
	env.walk.pdptes = (env.flags & FL_PDPTES) ? env.pdptes : NULL;
	if (rd->pos < rd->len)
		memcpy(env.gpa_mem, rd->p + rd->pos, MIN(rd->len - rd->pos, (size_t)GPA_SIZE));
	memcpy(env.mmio, env.gpa_mem, DATA_SIZE);
	memcpy(env.ram, env.gpa_mem + DATA_SIZE, DATA_SIZE);
}

/* Walks of a linear address from the input, with relations between access types. */
static void fuzz_walk(u64 la)
{
	struct guest_fault fr, fw;
	u64 gr = 0, gw = 0;
	u32 user = (env.flags & FL_USER) ? GUEST_ACC_USER : 0;
	int rr, rw, rx;

	rr = guest_walk(&env.walk, la, user, &gr, &fr);
	check_walk_result(rr, la, gr, &fr);
	rw = guest_walk(&env.walk, la, user | GUEST_ACC_WRITE, &gw, &fw);
	check_walk_result(rw, la, gw, &fw);
	rx = guest_walk(&env.walk, la, user | GUEST_ACC_FETCH, &gw, &fw);
	check_walk_result(rx, la, gw, &fw);
	/* Whatever may be written may be read, at the same address. */
	rw = guest_walk(&env.walk, la, user | GUEST_ACC_WRITE, &gw, &fw);
	if (rw == 0) {
		rr = guest_walk(&env.walk, la, user, &gr, &fr);
		CHECK(rr == 0 && gr == gw);
	}
	if (rw == -EFAULT && rr == -EFAULT && !(fr.error_code & PFERR_PRESENT))
		CHECK(!(fw.error_code & PFERR_PRESENT));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input rd = {.p = data, .len = size};
	enum cpu_mode mode = (enum cpu_mode)(take(&rd, 1) % 6);
	u8 bytes[16];
	size_t n;
	struct instr in;
	struct emul_ctx before;
	unsigned int round;
	int ret;

	memset(&env, 0, sizeof(env));
	env.flags = take(&rd, 1);
	n = take(&rd, 1) % (sizeof(bytes) + 1);
	for (round = 0; round < sizeof(bytes); round++)
		bytes[round] = take(&rd, 1);
	setup_state(&rd);
	env.ctx.ops = &fuzz_ops;
	env.ctx.movs_mmio_dst = env.flags & FL_MOVS_MMIO_DST;
	env.ctx.la57 = env.flags & FL_LA57;

	check_alu(INSTR_ADD + env.fail_code % (INSTR_DEC - INSTR_ADD + 1),
		  1U << ((env.fail_code >> 8) & 3), env.ctx.gpr[0], env.ctx.gpr[1], env.ctx.rflags);
	fuzz_walk(env.ctx.gpr[2]);

	ret = instr_decode(bytes, n, mode, &in);
	check_decode(bytes, n, mode, ret, &in);
	if (ret)
		return 0;
	/* REP string instructions run until done or REP_ROUNDS calls, like a caller would. */
	for (round = 0; round < REP_ROUNDS; round++) {
		before = env.ctx;
		env.accesses = env.reads = env.writes = 0;
		ret = instr_emulate(&in, &env.ctx);
		check_emulate(&in, &before, ret);
		if (ret == 0 && is_arith(in.op))
			check_against_host(&in, &before);
		if (ret != INSTR_EMUL_REP_MORE)
			break;
		env.fail_at = 0;
	}
	return 0;
}
