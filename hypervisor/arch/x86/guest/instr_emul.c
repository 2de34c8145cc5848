// SPDX-License-Identifier: BSD-3-Clause
/*
 * Emulation of the instructions instr_decode() produces (asm/instr_emul.h), against the
 * guest state and memory callbacks of a struct emul_ctx. Instruction semantics and
 * flags from SDM Vol 2 (per instruction) and Vol 1 appendix A; segmentation from Vol 3A
 * 3.4-3.5 and Vol 1 3.3.7.
 *
 * The emulator works on a copy of the general registers and RFLAGS and commits them,
 * with the new RIP, only when every memory access has succeeded: a fault or a failed
 * callback leaves the architectural state as it was, so the caller can inject the
 * fault and the guest restarts the instruction.
 */
#include <bulkhead/errno.h>
#include <bulkhead/string.h>
#include <asm/instr_emul.h>

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static u64 sign_bit(unsigned int size)
{
	return 1ULL << (8 * size - 1);
}

static u64 sign_extend(u64 v, unsigned int size)
{
	v &= size_mask(size);
	return (v & sign_bit(size)) ? v | ~size_mask(size) : v;
}

/* PF: set when the low byte of the result has an even number of 1 bits. */
static bool parity_even(u64 v)
{
	u8 b = v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/* ZF, SF and PF of a result. */
static u64 result_flags(u64 r, unsigned int size)
{
	u64 f = 0;

	if (!(r & size_mask(size)))
		f |= X86_RFLAGS_ZF;
	if (r & sign_bit(size))
		f |= X86_RFLAGS_SF;
	if (parity_even(r))
		f |= X86_RFLAGS_PF;
	return f;
}

/*
 * r = a + b + carry-in, all masked to size. The carry out of bit i is the majority of
 * a_i, b_i and the carry into bit i, which is a_i ^ b_i ^ r_i.
 */
static u64 add_flags(u64 a, u64 b, u64 r, unsigned int size)
{
	u64 f = result_flags(r, size);

	if (((a & b) | ((a | b) & ~r)) & sign_bit(size))
		f |= X86_RFLAGS_CF;
	if ((a ^ b ^ r) & 0x10)
		f |= X86_RFLAGS_AF;
	if ((a ^ r) & (b ^ r) & sign_bit(size))
		f |= X86_RFLAGS_OF;
	return f;
}

/* r = a - b - borrow-in: the borrow out of bit i is (!a_i & b_i) | (!(a_i ^ b_i) & r_i). */
static u64 sub_flags(u64 a, u64 b, u64 r, unsigned int size)
{
	u64 f = result_flags(r, size);

	if (((~a & b) | ((~a | b) & r)) & sign_bit(size))
		f |= X86_RFLAGS_CF;
	if ((a ^ b ^ r) & 0x10)
		f |= X86_RFLAGS_AF;
	if ((a ^ b) & (a ^ r) & sign_bit(size))
		f |= X86_RFLAGS_OF;
	return f;
}

u64 instr_alu(enum instr_op op, unsigned int size, u64 dst, u64 src, u64 *rflags)
{
	u64 m = size_mask(size), a = dst & m, b = src & m;
	u64 cin = (*rflags & X86_RFLAGS_CF) ? 1 : 0;
	u64 written = X86_RFLAGS_ARITH, f = 0, r;

	switch (op) {
	case INSTR_ADD:
	case INSTR_ADC:
		r = (a + b + (op == INSTR_ADC ? cin : 0)) & m;
		f = add_flags(a, b, r, size);
		break;
	case INSTR_SUB:
	case INSTR_CMP:
	case INSTR_SBB:
		r = (a - b - (op == INSTR_SBB ? cin : 0)) & m;
		f = sub_flags(a, b, r, size);
		break;
	case INSTR_NEG: /* 0 - dst: CF is set unless dst is 0 */
		r = (0 - a) & m;
		f = sub_flags(0, a, r, size);
		break;
	case INSTR_INC: /* CF is not affected */
		r = (a + 1) & m;
		f = add_flags(a, 1, r, size);
		written &= ~X86_RFLAGS_CF;
		break;
	case INSTR_DEC:
		r = (a - 1) & m;
		f = sub_flags(a, 1, r, size);
		written &= ~X86_RFLAGS_CF;
		break;
	case INSTR_AND:
	case INSTR_TEST:
		r = a & b;
		f = result_flags(r, size);
		break;
	case INSTR_OR:
		r = a | b;
		f = result_flags(r, size);
		break;
	case INSTR_XOR:
		r = a ^ b;
		f = result_flags(r, size);
		break;
	case INSTR_NOT: /* no flags */
		r = ~a & m;
		written = 0;
		break;
	default:
		r = a;
		written = 0;
		break;
	}
	*rflags = (*rflags & ~written) | (f & written);
	return r;
}

static bool size_valid(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static bool opnd_valid(const struct instr_opnd *o)
{
	switch (o->kind) {
	case OPND_NONE:
		return true;
	case OPND_REG:
		return size_valid(o->size) && o->reg < X86_NR_REGS &&
		       (!o->high8 || (o->size == 1 && o->reg < 4));
	case OPND_MEM:
		return size_valid(o->size) && o->mem.seg < X86_NR_SEGS &&
		       o->mem.base >= INSTR_RIP_REL && o->mem.base < X86_NR_REGS &&
		       o->mem.index >= INSTR_NO_REG && o->mem.index < X86_NR_REGS &&
		       size_valid(o->mem.scale);
	case OPND_IMM:
		return size_valid(o->size);
	}
	return false;
}

/* What instr_decode() guarantees; a struct built any other way is refused. */
static bool instr_valid(const struct instr *in)
{
	if ((unsigned int)in->mode > CPU_MODE_64 || (unsigned int)in->op >= INSTR_NR_OPS ||
	    in->len < 1 || in->len > INSTR_MAX_LEN || !size_valid(in->op_size) ||
	    in->addr_size < 2 || !size_valid(in->addr_size))
		return false;
	if (!opnd_valid(&in->dst) || !opnd_valid(&in->src))
		return false;
	if (in->dst.kind != OPND_REG && in->dst.kind != OPND_MEM)
		return false;
	switch (in->op) {
	case INSTR_MOVS:
		return in->dst.kind == OPND_MEM && in->src.kind == OPND_MEM;
	case INSTR_STOS:
		return in->dst.kind == OPND_MEM && in->src.kind == OPND_REG;
	case INSTR_LODS:
		return in->dst.kind == OPND_REG && in->src.kind == OPND_MEM;
	case INSTR_NOT:
	case INSTR_NEG:
	case INSTR_INC:
	case INSTR_DEC:
		return in->src.kind == OPND_NONE;
	case INSTR_XCHG:
	case INSTR_CMPXCHG:
	case INSTR_XADD:
		return in->src.kind == OPND_REG;
	case INSTR_BT:
	case INSTR_BTS:
	case INSTR_BTR:
	case INSTR_BTC:
		if (in->dst.size == 1)
			return false;
		break;
	default:
		break;
	}
	/* Everything else has one source and at most one memory operand. */
	return in->src.kind != OPND_NONE && !(in->dst.kind == OPND_MEM && in->src.kind == OPND_MEM);
}

static u64 reg_read(const u64 *gpr, const struct instr_opnd *o)
{
	if (o->high8)
		return (gpr[o->reg] >> 8) & 0xff;
	return gpr[o->reg] & size_mask(o->size);
}

/*
 * 8- and 16-bit writes leave the rest of the register alone; 32-bit writes zero bits
 * 63:32 (SDM Vol 1 3.4.1.1). Outside 64-bit mode those bits are not visible and
 * undefined on the way into it, so the same rule serves every mode.
 */
static void reg_write(u64 *gpr, unsigned int reg, bool high8, unsigned int size, u64 v)
{
	if (high8)
		gpr[reg] = (gpr[reg] & ~0xff00ULL) | ((v & 0xff) << 8);
	else if (size == 4)
		gpr[reg] = v & 0xffffffffULL;
	else
		gpr[reg] = (gpr[reg] & ~size_mask(size)) | (v & size_mask(size));
}

static u64 next_rip(const struct instr *in, u64 rip)
{
	u64 next = rip + in->len;

	if (in->mode == CPU_MODE_64)
		return next;
	if (in->mode == CPU_MODE_REAL || in->mode == CPU_MODE_PROT16 ||
	    in->mode == CPU_MODE_COMPAT16)
		return next & 0xffff;
	return next & 0xffffffffULL;
}

/* base + index * scale + disp, wrapped to the address size (Vol 1 3.7.5). */
static u64 effective_address(const struct instr *in, const struct emul_ctx *ctx, const u64 *gpr,
			     const struct instr_mem *m)
{
	u64 ea = m->disp;

	if (m->base == INSTR_RIP_REL)
		ea += ctx->rip + in->len;
	else if (m->base != INSTR_NO_REG)
		ea += gpr[m->base];
	if (m->index != INSTR_NO_REG)
		ea += gpr[m->index] * m->scale;
	return ea & size_mask(in->addr_size);
}

static int raise_exception(struct emul_ctx *ctx, u8 vector, u32 error_code)
{
	ctx->exception = (struct emul_exception){
		.vector = vector, .has_error_code = true, .error_code = error_code};
	return -EFAULT;
}

/* Canonical: bits 63 down to the top implemented bit all equal (Vol 1 3.3.7.1). */
static bool canonical(u64 la, bool la57)
{
	u64 top = la >> (la57 ? 56 : 47);

	return top == 0 || top == (~0ULL >> (la57 ? 56 : 47));
}

/*
 * seg:ea to a linear address. In 64-bit mode only FS and GS have a base and every byte
 * must be canonical; elsewhere every byte must be within the limit (expand-up) and the
 * linear address is 32 bits. Violations are #SS(0) through SS, #GP(0) otherwise
 * (Vol 3A 6.15). Segment types (read-only data, execute-only code) and expand-down
 * limits are not checked: a guest that writes to MMIO through a read-only segment only
 * defeats its own protection, never the hypervisor's.
 */
static int linear_address(const struct instr *in, struct emul_ctx *ctx, u8 seg, u64 ea,
			  unsigned int size, u64 *la)
{
	u8 vector = seg == X86_SEG_SS ? EMUL_VEC_SS : EMUL_VEC_GP;

	if (in->mode == CPU_MODE_64) {
		u64 base = (seg == X86_SEG_FS || seg == X86_SEG_GS) ? ctx->seg[seg].base : 0;

		*la = base + ea;
		if (!canonical(*la, ctx->la57) || !canonical(*la + size - 1, ctx->la57))
			return raise_exception(ctx, vector, 0);
		return 0;
	}
	if (ea + size - 1 > ctx->seg[seg].limit)
		return raise_exception(ctx, vector, 0);
	*la = (ctx->seg[seg].base + ea) & 0xffffffffULL;
	return 0;
}

/* A callback's result: anything but 0 is a failure, and never a positive value. */
static int callback_result(int ret)
{
	return ret > 0 ? -EIO : ret;
}

static int mem_read(struct emul_ctx *ctx, bool mmio, u64 la, unsigned int size, u64 *v)
{
	int ret;

	*v = 0;
	if (mmio)
		ret = ctx->ops->mmio_read(ctx, la, size, v);
	else
		ret = ctx->ops->mem_read(ctx, la, size, v);
	*v &= size_mask(size);
	return callback_result(ret);
}

static int mem_write(struct emul_ctx *ctx, bool mmio, u64 la, unsigned int size, u64 v)
{
	v &= size_mask(size);
	if (mmio)
		return callback_result(ctx->ops->mmio_write(ctx, la, size, v));
	return callback_result(ctx->ops->mem_write(ctx, la, size, v));
}

/*
 * A register bit offset addresses a bit string that may extend beyond the memory
 * operand: the access moves by op_size * floor(offset / bits) bytes, offset signed
 * (Vol 2A "BT", table 3-2). Returns that displacement and stores the bit within the
 * operand.
 */
static u64 bit_string_disp(u64 offset, unsigned int size, unsigned int *bit)
{
	unsigned int shift = size == 2 ? 4 : size == 4 ? 5 : 6;
	u64 v = sign_extend(offset, size), q;

	*bit = v & (8 * size - 1);
	/* Floor division of a negative value, without relying on signed shifts. */
	q = (v >> 63) ? ~(~v >> shift) : v >> shift;
	return q * size;
}

static u64 bit_op(enum instr_op op, u64 a, unsigned int bit, u64 *rflags)
{
	u64 mask = 1ULL << bit;

	/* CF = the bit; OF, SF, AF and PF are undefined and left unchanged, ZF unchanged. */
	*rflags = (a & mask) ? *rflags | X86_RFLAGS_CF : *rflags & ~X86_RFLAGS_CF;
	switch (op) {
	case INSTR_BTS:
		return a | mask;
	case INSTR_BTR:
		return a & ~mask;
	case INSTR_BTC:
		return a ^ mask;
	default:
		return a;
	}
}

/*
 * CMPXCHG (Vol 2A): the flags of CMP accumulator, dst. Equal: dst gets src. Not equal:
 * the accumulator gets dst, and dst is written back unchanged (the processor never makes
 * a locked read without a write). Returns the value for dst.
 */
static u64 cmpxchg(u64 *gpr, unsigned int size, u64 dst, u64 src, u64 *rflags)
{
	u64 acc = gpr[X86_REG_RAX] & size_mask(size);

	instr_alu(INSTR_CMP, size, acc, dst, rflags);
	if (*rflags & X86_RFLAGS_ZF)
		return src;
	reg_write(gpr, X86_REG_RAX, false, size, dst);
	return dst;
}

static bool writes_dst(enum instr_op op)
{
	return op != INSTR_CMP && op != INSTR_TEST && op != INSTR_BT;
}

static bool reads_dst(enum instr_op op)
{
	return op != INSTR_MOV && op != INSTR_MOVZX && op != INSTR_MOVSX;
}

/* The ModRM and moffs instructions: at most one memory operand, always the MMIO one. */
static int emulate_modrm(const struct instr *in, struct emul_ctx *ctx, u64 *gpr, u64 *rflags)
{
	const struct instr_opnd *dst = &in->dst, *src = &in->src;
	unsigned int size = dst->size, bit = 0;
	u64 a = 0, b = 0, r, la = 0, ea;
	int ret;

	if (src->kind == OPND_REG) {
		b = reg_read(gpr, src);
	} else if (src->kind == OPND_IMM) {
		b = src->imm & size_mask(src->size);
	} else if (src->kind == OPND_MEM) {
		ea = effective_address(in, ctx, gpr, &src->mem);
		ret = linear_address(in, ctx, src->mem.seg, ea, src->size, &la);
		if (!ret)
			ret = mem_read(ctx, true, la, src->size, &b);
		if (ret)
			return ret;
	}

	if (in->op >= INSTR_BT && in->op <= INSTR_BTC) {
		u64 disp = 0;

		if (src->kind == OPND_IMM)
			bit = b & (8 * size - 1);
		else
			disp = bit_string_disp(b, size, &bit);
		if (dst->kind == OPND_MEM) {
			ea = (effective_address(in, ctx, gpr, &dst->mem) + disp) &
			     size_mask(in->addr_size);
			ret = linear_address(in, ctx, dst->mem.seg, ea, size, &la);
			if (ret)
				return ret;
		}
	} else if (dst->kind == OPND_MEM) {
		ea = effective_address(in, ctx, gpr, &dst->mem);
		ret = linear_address(in, ctx, dst->mem.seg, ea, size, &la);
		if (ret)
			return ret;
	}

	if (reads_dst(in->op)) {
		if (dst->kind == OPND_MEM) {
			ret = mem_read(ctx, true, la, size, &a);
			if (ret)
				return ret;
		} else {
			a = reg_read(gpr, dst);
		}
	}

	switch (in->op) {
	case INSTR_MOV:
	case INSTR_MOVZX:
	case INSTR_XCHG:
		r = b;
		break;
	case INSTR_MOVSX:
		r = sign_extend(b, src->size);
		break;
	case INSTR_BT:
	case INSTR_BTS:
	case INSTR_BTR:
	case INSTR_BTC:
		r = bit_op(in->op, a, bit, rflags);
		break;
	case INSTR_CMPXCHG:
		r = cmpxchg(gpr, size, a, b, rflags);
		break;
	case INSTR_XADD: /* dst = dst + src with ADD's flags; src gets the old dst */
		r = instr_alu(INSTR_ADD, size, a, b, rflags);
		break;
	default:
		r = instr_alu(in->op, size, a, b, rflags);
		break;
	}

	/*
	 * The register source first: when both operands are one register, XADD leaves the
	 * sum in it (Vol 2B "XADD": SRC <- DEST, then DEST <- TEMP). Registers are a copy
	 * that is committed only if the memory write below succeeds.
	 */
	if (in->op == INSTR_XCHG || in->op == INSTR_XADD)
		reg_write(gpr, src->reg, src->high8, size, a);
	if (writes_dst(in->op)) {
		if (dst->kind == OPND_MEM) {
			ret = mem_write(ctx, true, la, size, r);
			if (ret)
				return ret;
		} else {
			reg_write(gpr, dst->reg, dst->high8, size, r);
		}
	}
	return 0;
}

/*
 * MOVS, STOS, LODS: one element, then rSI/rDI step by the element size, down when
 * RFLAGS.DF is set. With REP (F3, or F2, which these instructions treat alike) the
 * count is rCX of the address size; each call does one iteration and returns
 * INSTR_EMUL_REP_MORE until the count reaches 0 (Vol 2B "REP/REPE/REPZ/REPNE/REPNZ").
 */
static int emulate_string(const struct instr *in, struct emul_ctx *ctx, u64 *gpr)
{
	unsigned int size = in->op_size;
	unsigned int asize = in->addr_size;
	bool rep = in->prefixes & (INSTR_PFX_REP | INSTR_PFX_REPNE);
	u64 count = gpr[X86_REG_RCX] & size_mask(asize);
	u64 step = (ctx->rflags & X86_RFLAGS_DF) ? 0 - (u64)size : size;
	u64 src_la = 0, dst_la = 0, v = 0;
	bool src_mmio = in->op == INSTR_LODS || !ctx->movs_mmio_dst;
	bool dst_mmio = in->op == INSTR_STOS || ctx->movs_mmio_dst;
	int ret;

	if (rep && count == 0)
		return 0;
	if (in->src.kind == OPND_MEM) {
		ret = linear_address(in, ctx, in->src.mem.seg, gpr[X86_REG_RSI] & size_mask(asize),
				     size, &src_la);
		if (ret)
			return ret;
	}
	if (in->dst.kind == OPND_MEM) {
		ret = linear_address(in, ctx, in->dst.mem.seg, gpr[X86_REG_RDI] & size_mask(asize),
				     size, &dst_la);
		if (ret)
			return ret;
	}

	if (in->src.kind == OPND_MEM) {
		ret = mem_read(ctx, src_mmio, src_la, size, &v);
		if (ret)
			return ret;
		reg_write(gpr, X86_REG_RSI, false, asize, gpr[X86_REG_RSI] + step);
	} else {
		v = reg_read(gpr, &in->src);
	}
	if (in->dst.kind == OPND_MEM) {
		ret = mem_write(ctx, dst_mmio, dst_la, size, v);
		if (ret)
			return ret;
		reg_write(gpr, X86_REG_RDI, false, asize, gpr[X86_REG_RDI] + step);
	} else {
		reg_write(gpr, in->dst.reg, in->dst.high8, size, v);
	}

	if (!rep)
		return 0;
	reg_write(gpr, X86_REG_RCX, false, asize, count - 1);
	return count - 1 ? INSTR_EMUL_REP_MORE : 0;
}

int instr_emulate(const struct instr *in, struct emul_ctx *ctx)
{
	u64 gpr[X86_NR_REGS];
	u64 rflags = ctx->rflags;
	int ret;

	if (!instr_valid(in) || !ctx->ops || !ctx->ops->mmio_read || !ctx->ops->mmio_write ||
	    !ctx->ops->mem_read || !ctx->ops->mem_write)
		return -EINVAL;
	memcpy(gpr, ctx->gpr, sizeof(gpr));
	if (in->op == INSTR_MOVS || in->op == INSTR_STOS || in->op == INSTR_LODS)
		ret = emulate_string(in, ctx, gpr);
	else
		ret = emulate_modrm(in, ctx, gpr, &rflags);
	if (ret < 0)
		return ret;
	memcpy(ctx->gpr, gpr, sizeof(gpr));
	ctx->rflags = rflags;
	if (ret == 0)
		ctx->rip = next_rip(in, ctx->rip);
	return ret;
}
