// SPDX-License-Identifier: BSD-3-Clause
/*
 * x86 instruction decoder for the MMIO emulator (asm/instr_emul.h). Formats from SDM
 * Vol 2A chapter 2 (prefixes, REX, ModRM/SIB, displacements, immediates) and the opcode
 * maps of Vol 2D appendix A. The bytes come from the guest and may be anything: every
 * read goes through fetch_byte(), which stops at the buffer end and at 15 bytes.
 */
#include <bulkhead/errno.h>
#include <bulkhead/string.h>
#include <asm/instr_emul.h>
#include <asm/vcr.h>
#include <asm/msr-index.h>

#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

/* Operand forms of the ModRM instructions (Vol 2D A.2.1: E = ModRM.rm, G = ModRM.reg). */
enum form {
	FORM_E_G, /* dst = r/m, src = reg */
	FORM_G_E, /* dst = reg, src = r/m */
	FORM_E_I, /* dst = r/m, src = immediate */
	FORM_E,	  /* dst = r/m only */
};

/* Immediate sizes: none, one byte sign-extended, or Iz (2 bytes at 16-bit, else 4). */
enum imm { IMM_NONE, IMM_8, IMM_Z };

struct decoder {
	const u8 *bytes;
	size_t len;
	size_t pos;
	int err; /* sticky: the first failure */
	struct instr *in;
	u8 seg_override; /* X86_NR_SEGS when none */
};

enum cpu_mode cpu_mode_of(u64 cr0, u64 rflags, u64 efer, bool cs_l, bool cs_d)
{
	if (!(cr0 & X86_CR0_PE) || (rflags & X86_RFLAGS_VM))
		return CPU_MODE_REAL;
	if (efer & EFER_LMA) {
		if (cs_l)
			return CPU_MODE_64;
		return cs_d ? CPU_MODE_COMPAT32 : CPU_MODE_COMPAT16;
	}
	return cs_d ? CPU_MODE_PROT32 : CPU_MODE_PROT16;
}

static bool mode_is_16bit(enum cpu_mode mode)
{
	return mode == CPU_MODE_REAL || mode == CPU_MODE_PROT16 || mode == CPU_MODE_COMPAT16;
}

/* The 15-byte limit wins over the end of the buffer: such an instruction never decodes. */
static u8 fetch_byte(struct decoder *d)
{
	if (d->err)
		return 0;
	if (d->pos >= INSTR_MAX_LEN) {
		d->err = -EINVAL;
		return 0;
	}
	if (d->pos >= d->len) {
		d->err = -ENOSPC;
		return 0;
	}
	return d->bytes[d->pos++];
}

/* n little-endian bytes (n <= 8), sign-extended to 64 bits. */
static u64 fetch_signed(struct decoder *d, unsigned int n)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (u64)fetch_byte(d) << (8 * i);
	if (n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~0ULL << (8 * n);
	return v;
}

/*
 * A register operand. Without REX, byte registers 4-7 are AH, CH, DH, BH; with any REX
 * they are SPL, BPL, SIL, DIL (Vol 2A 2.2.1.2, table 3-1).
 */
static void set_reg(const struct decoder *d, struct instr_opnd *o, unsigned int reg, u8 size)
{
	o->kind = OPND_REG;
	o->size = size;
	o->reg = reg;
	o->high8 = false;
	if (size == 1 && !d->in->rex && reg >= 4 && reg < 8) {
		o->reg = reg - 4;
		o->high8 = true;
	}
}

static u8 effective_seg(const struct decoder *d, u8 dflt)
{
	return d->seg_override < X86_NR_SEGS ? d->seg_override : dflt;
}

/* 16-bit addressing forms (Vol 2A table 2-1). BP-based forms default to SS. */
static void decode_mem16(struct decoder *d, u8 mod, u8 rm, struct instr_mem *m)
{
	static const s8 base[8] = {X86_REG_RBX,	 X86_REG_RBX,  X86_REG_RBP, X86_REG_RBP,
				   INSTR_NO_REG, INSTR_NO_REG, X86_REG_RBP, X86_REG_RBX};
	static const s8 index[8] = {X86_REG_RSI, X86_REG_RDI, X86_REG_RSI,  X86_REG_RDI,
				    X86_REG_RSI, X86_REG_RDI, INSTR_NO_REG, INSTR_NO_REG};

	m->base = base[rm];
	m->index = index[rm];
	/* rm 4 and 5 are [SI] and [DI]: index-only with scale 1 is the same thing. */
	m->scale = 1;
	if (mod == 0 && rm == 6) {
		m->base = INSTR_NO_REG;
		m->disp = fetch_signed(d, 2);
	} else if (mod == 1) {
		m->disp = fetch_signed(d, 1);
	} else if (mod == 2) {
		m->disp = fetch_signed(d, 2);
	} else {
		m->disp = 0;
	}
	m->seg = effective_seg(d, m->base == X86_REG_RBP ? X86_SEG_SS : X86_SEG_DS);
}

/*
 * 32- and 64-bit addressing forms (Vol 2A tables 2-2, 2-3; 2.2.1.3 for REX and
 * RIP-relative). The "no base" and "SIB follows" encodings look at the low three bits
 * only, so R12 needs a SIB and R13 with mod 0 is disp32 like RBP (table 2-5).
 */
static void decode_mem32(struct decoder *d, u8 mod, u8 rm, struct instr_mem *m)
{
	u8 rex = d->in->rex;
	bool stack;

	m->index = INSTR_NO_REG;
	m->scale = 1;
	if (rm == 4) {
		u8 sib = fetch_byte(d);
		u8 idx = ((sib >> 3) & 7) | ((rex & REX_X) ? 8 : 0);

		m->scale = 1 << (sib >> 6);
		if (idx != X86_REG_RSP)
			m->index = idx;
		if ((sib & 7) == 5 && mod == 0)
			m->base = INSTR_NO_REG;
		else
			m->base = (sib & 7) | ((rex & REX_B) ? 8 : 0);
	} else if (rm == 5 && mod == 0) {
		m->base = d->in->mode == CPU_MODE_64 ? INSTR_RIP_REL : INSTR_NO_REG;
	} else {
		m->base = rm | ((rex & REX_B) ? 8 : 0);
	}
	if (mod == 1)
		m->disp = fetch_signed(d, 1);
	else if (mod == 2 || m->base == INSTR_NO_REG || m->base == INSTR_RIP_REL)
		m->disp = fetch_signed(d, 4);
	else
		m->disp = 0;
	/* rSP and rBP as base select SS (Vol 1 3.7.5); R12/R13 do not. */
	stack = m->base == X86_REG_RSP || m->base == X86_REG_RBP;
	m->seg = effective_seg(d, stack ? X86_SEG_SS : X86_SEG_DS);
}

/*
 * Reads ModRM (and SIB, displacement) and fills the r/m operand of the given size.
 * Returns the reg field extended by REX.R.
 */
static unsigned int decode_modrm(struct decoder *d, struct instr_opnd *rm_opnd, u8 size)
{
	u8 modrm = fetch_byte(d);
	u8 mod = modrm >> 6, rm = modrm & 7;
	unsigned int reg = ((modrm >> 3) & 7) | ((d->in->rex & REX_R) ? 8 : 0);

	d->in->modrm = modrm;
	if (mod == 3) {
		set_reg(d, rm_opnd, rm | ((d->in->rex & REX_B) ? 8 : 0), size);
		return reg;
	}
	rm_opnd->kind = OPND_MEM;
	rm_opnd->size = size;
	if (d->in->addr_size == 2)
		decode_mem16(d, mod, rm, &rm_opnd->mem);
	else
		decode_mem32(d, mod, rm, &rm_opnd->mem);
	return reg;
}

static void decode_imm(struct decoder *d, struct instr_opnd *o, enum imm imm, u8 size)
{
	o->kind = OPND_IMM;
	o->size = size;
	if (imm == IMM_8)
		o->imm = fetch_signed(d, 1);
	else /* Iz: a 32-bit immediate is sign-extended for 64-bit operands */
		o->imm = fetch_signed(d, size == 2 ? 2 : 4);
}

/* The ModRM operands of a form; size is the operand size of both. */
static void decode_operands(struct decoder *d, enum form form, u8 size, enum imm imm)
{
	struct instr *in = d->in;
	unsigned int reg;

	switch (form) {
	case FORM_E_G:
		reg = decode_modrm(d, &in->dst, size);
		set_reg(d, &in->src, reg, size);
		break;
	case FORM_G_E:
		reg = decode_modrm(d, &in->src, size);
		set_reg(d, &in->dst, reg, size);
		break;
	case FORM_E_I:
	case FORM_E:
		decode_modrm(d, &in->dst, size);
		break;
	}
	if (imm != IMM_NONE)
		decode_imm(d, &in->src, imm, size);
}

/* The ModRM.reg field of the next byte, without consuming it (opcode groups). */
static int peek_group(struct decoder *d, unsigned int *reg)
{
	if (d->pos >= INSTR_MAX_LEN)
		return -EINVAL;
	if (d->pos >= d->len)
		return -ENOSPC;
	*reg = (d->bytes[d->pos] >> 3) & 7;
	return 0;
}

/* Implicit memory operand of string instructions: seg:rSI (overridable) or ES:rDI. */
static void set_string_mem(struct decoder *d, struct instr_opnd *o, bool dest, u8 size)
{
	o->kind = OPND_MEM;
	o->size = size;
	o->mem.base = dest ? X86_REG_RDI : X86_REG_RSI;
	o->mem.index = INSTR_NO_REG;
	o->mem.scale = 1;
	o->mem.disp = 0;
	o->mem.seg = dest ? X86_SEG_ES : effective_seg(d, X86_SEG_DS);
}

static const u8 alu_ops[8] = {INSTR_ADD, INSTR_OR,  INSTR_ADC, INSTR_SBB,
			      INSTR_AND, INSTR_SUB, INSTR_XOR, INSTR_CMP};

static int decode_two_byte(struct decoder *d, u8 b)
{
	struct instr *in = d->in;
	unsigned int reg;
	int err;

	in->opcode = 0x0f00 | b;
	switch (b) {
	case 0xa3: /* BT Ev, Gv */
	case 0xab: /* BTS */
	case 0xb3: /* BTR */
	case 0xbb: /* BTC */
		/* Bits 4:3 of the opcode select the operation, in the order of group 8. */
		in->op = INSTR_BT + ((b >> 3) & 3);
		decode_operands(d, FORM_E_G, in->op_size, IMM_NONE);
		return 0;
	case 0xba: /* group 8: BT/BTS/BTR/BTC Ev, Ib */
		err = peek_group(d, &reg);
		if (err)
			return err;
		if (reg < 4)
			return -EINVAL;
		in->op = INSTR_BT + (reg - 4);
		decode_operands(d, FORM_E_I, in->op_size, IMM_8);
		in->src.size = 1;
		return 0;
	case 0xb0: /* CMPXCHG Eb, Gb */
	case 0xb1: /* CMPXCHG Ev, Gv */
	case 0xc0: /* XADD Eb, Gb */
	case 0xc1: /* XADD Ev, Gv */
		in->op = b < 0xc0 ? INSTR_CMPXCHG : INSTR_XADD;
		decode_operands(d, FORM_E_G, (b & 1) ? in->op_size : 1, IMM_NONE);
		return 0;
	case 0xb6: /* MOVZX Gv, Eb */
	case 0xb7: /* MOVZX Gv, Ew */
	case 0xbe: /* MOVSX Gv, Eb */
	case 0xbf: /* MOVSX Gv, Ew */
		in->op = (b & 8) ? INSTR_MOVSX : INSTR_MOVZX;
		reg = decode_modrm(d, &in->src, (b & 1) ? 2 : 1);
		set_reg(d, &in->dst, reg, in->op_size);
		return 0;
	default:
		return -EINVAL;
	}
}

static int decode_one_byte(struct decoder *d, u8 b)
{
	struct instr *in = d->in;
	u8 vsize = in->op_size, size = (b & 1) ? vsize : 1;
	unsigned int reg;
	int err;

	in->opcode = b;
	/* 00-3F: ADD OR ADC SBB AND SUB XOR CMP, forms Eb,Gb Ev,Gv Gb,Eb Gv,Ev. */
	if (b < 0x40 && (b & 7) < 4) {
		in->op = alu_ops[b >> 3];
		decode_operands(d, (b & 2) ? FORM_G_E : FORM_E_G, size, IMM_NONE);
		return 0;
	}
	switch (b) {
	case 0x63: /* MOVSXD Gv, Ed; ARPL outside 64-bit mode */
		if (in->mode != CPU_MODE_64)
			return -EINVAL;
		in->op = INSTR_MOVSX;
		reg = decode_modrm(d, &in->src, vsize == 8 ? 4 : vsize);
		set_reg(d, &in->dst, reg, vsize);
		return 0;
	case 0x80: /* group 1 Eb, Ib */
	case 0x81: /* group 1 Ev, Iz */
	case 0x82: /* group 1 Eb, Ib; invalid in 64-bit mode */
	case 0x83: /* group 1 Ev, Ib */
		if (b == 0x82 && in->mode == CPU_MODE_64)
			return -EINVAL;
		err = peek_group(d, &reg);
		if (err)
			return err;
		in->op = alu_ops[reg];
		decode_operands(d, FORM_E_I, size, b == 0x81 ? IMM_Z : IMM_8);
		return 0;
	case 0x84: /* TEST E, G */
	case 0x85:
		in->op = INSTR_TEST;
		decode_operands(d, FORM_E_G, size, IMM_NONE);
		return 0;
	case 0x86: /* XCHG E, G */
	case 0x87:
		in->op = INSTR_XCHG;
		decode_operands(d, FORM_E_G, size, IMM_NONE);
		return 0;
	case 0x88: /* MOV E, G */
	case 0x89:
		in->op = INSTR_MOV;
		decode_operands(d, FORM_E_G, size, IMM_NONE);
		return 0;
	case 0x8a: /* MOV G, E */
	case 0x8b:
		in->op = INSTR_MOV;
		decode_operands(d, FORM_G_E, size, IMM_NONE);
		return 0;
	case 0xa0: /* MOV AL, moffs8 */
	case 0xa1: /* MOV rAX, moffs */
	case 0xa2: /* MOV moffs8, AL */
	case 0xa3: /* MOV moffs, rAX */ {
		struct instr_opnd *mem = (b & 2) ? &in->dst : &in->src;
		struct instr_opnd *acc = (b & 2) ? &in->src : &in->dst;

		in->op = INSTR_MOV;
		set_reg(d, acc, X86_REG_RAX, size);
		mem->kind = OPND_MEM;
		mem->size = size;
		mem->mem.base = INSTR_NO_REG;
		mem->mem.index = INSTR_NO_REG;
		mem->mem.scale = 1;
		mem->mem.seg = effective_seg(d, X86_SEG_DS);
		/* The offset has the address size and is not sign-extended. */
		mem->mem.disp = fetch_signed(d, in->addr_size);
		if (in->addr_size < 8)
			mem->mem.disp &= (1ULL << (8 * in->addr_size)) - 1;
		return 0;
	}
	case 0xa4: /* MOVS */
	case 0xa5:
		in->op = INSTR_MOVS;
		set_string_mem(d, &in->dst, true, size);
		set_string_mem(d, &in->src, false, size);
		return 0;
	case 0xaa: /* STOS */
	case 0xab:
		in->op = INSTR_STOS;
		set_string_mem(d, &in->dst, true, size);
		set_reg(d, &in->src, X86_REG_RAX, size);
		return 0;
	case 0xac: /* LODS */
	case 0xad:
		in->op = INSTR_LODS;
		set_reg(d, &in->dst, X86_REG_RAX, size);
		set_string_mem(d, &in->src, false, size);
		return 0;
	case 0xc6: /* group 11: MOV Eb, Ib */
	case 0xc7: /* MOV Ev, Iz */
		err = peek_group(d, &reg);
		if (err)
			return err;
		if (reg != 0) /* XABORT/XBEGIN at C6 F8/C7 F8 and undefined */
			return -EINVAL;
		in->op = INSTR_MOV;
		decode_operands(d, FORM_E_I, size, b == 0xc6 ? IMM_8 : IMM_Z);
		return 0;
	case 0xf6: /* group 3 */
	case 0xf7:
		err = peek_group(d, &reg);
		if (err)
			return err;
		if (reg == 0) {
			in->op = INSTR_TEST;
			decode_operands(d, FORM_E_I, size, b == 0xf6 ? IMM_8 : IMM_Z);
			return 0;
		}
		/* /1 is an undocumented TEST alias; /4-/7 are MUL, IMUL, DIV, IDIV. */
		if (reg != 2 && reg != 3)
			return -EINVAL;
		in->op = reg == 2 ? INSTR_NOT : INSTR_NEG;
		decode_operands(d, FORM_E, size, IMM_NONE);
		return 0;
	case 0xfe: /* group 4: INC/DEC Eb */
	case 0xff: /* group 5: INC/DEC Ev (the rest are branches and PUSH) */
		err = peek_group(d, &reg);
		if (err)
			return err;
		if (reg > 1)
			return -EINVAL;
		in->op = reg == 0 ? INSTR_INC : INSTR_DEC;
		decode_operands(d, FORM_E, size, IMM_NONE);
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * LOCK is legal only on these read-modify-write instructions with a memory destination
 * (Vol 2A "LOCK"); anywhere else it raises #UD.
 */
static bool lock_allowed(const struct instr *in)
{
	if (in->dst.kind != OPND_MEM)
		return false;
	switch (in->op) {
	case INSTR_ADD:
	case INSTR_OR:
	case INSTR_ADC:
	case INSTR_SBB:
	case INSTR_AND:
	case INSTR_SUB:
	case INSTR_XOR:
	case INSTR_NOT:
	case INSTR_NEG:
	case INSTR_INC:
	case INSTR_DEC:
	case INSTR_XCHG:
	case INSTR_BTS:
	case INSTR_BTR:
	case INSTR_BTC:
	case INSTR_CMPXCHG:
	case INSTR_XADD:
		return true;
	default:
		return false;
	}
}

/*
 * Legacy prefixes in any order and number, then REX in 64-bit mode (Vol 2A 2.1.1,
 * 2.2.1). A REX followed by another prefix is ignored; of two REX prefixes the last
 * counts. In 64-bit mode the ES, CS, SS and DS overrides are ignored (Vol 1 3.3.7.1).
 * Returns the first byte that is not a prefix.
 */
static u8 decode_prefixes(struct decoder *d)
{
	struct instr *in = d->in;
	bool mode64 = in->mode == CPU_MODE_64;
	u8 b;

	for (;;) {
		b = fetch_byte(d);
		if (d->err)
			return 0;
		if (mode64 && (b & 0xf0) == 0x40) {
			in->rex = b;
			continue;
		}
		switch (b) {
		case 0xf0:
			in->prefixes |= INSTR_PFX_LOCK;
			break;
		case 0xf2: /* the last of F2/F3 counts */
			in->prefixes = (in->prefixes & ~INSTR_PFX_REP) | INSTR_PFX_REPNE;
			break;
		case 0xf3:
			in->prefixes = (in->prefixes & ~INSTR_PFX_REPNE) | INSTR_PFX_REP;
			break;
		case 0x66:
			in->prefixes |= INSTR_PFX_OPSIZE;
			break;
		case 0x67:
			in->prefixes |= INSTR_PFX_ADSIZE;
			break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			if (!mode64) {
				d->seg_override = (b >> 3) & 3;
				in->prefixes |= INSTR_PFX_SEG;
			}
			break;
		case 0x64:
		case 0x65:
			d->seg_override = b == 0x64 ? X86_SEG_FS : X86_SEG_GS;
			in->prefixes |= INSTR_PFX_SEG;
			break;
		default:
			return b;
		}
		in->rex = 0;
	}
}

/* Vol 1 3.6 and 3.6.1 (tables 3-3, 3-4): defaults, 66 and 67 toggles, REX.W. */
static void set_sizes(struct instr *in)
{
	bool pfx66 = in->prefixes & INSTR_PFX_OPSIZE;
	bool pfx67 = in->prefixes & INSTR_PFX_ADSIZE;

	if (in->mode == CPU_MODE_64) {
		in->op_size = (in->rex & REX_W) ? 8 : pfx66 ? 2 : 4;
		in->addr_size = pfx67 ? 4 : 8;
	} else if (mode_is_16bit(in->mode)) {
		in->op_size = pfx66 ? 4 : 2;
		in->addr_size = pfx67 ? 4 : 2;
	} else {
		in->op_size = pfx66 ? 2 : 4;
		in->addr_size = pfx67 ? 2 : 4;
	}
}

int instr_decode(const u8 *bytes, size_t len, enum cpu_mode mode, struct instr *out)
{
	struct decoder d = {.bytes = bytes, .len = len, .in = out, .seg_override = X86_NR_SEGS};
	int err;
	u8 b;

	if ((unsigned int)mode > CPU_MODE_64)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->mode = mode;
	b = decode_prefixes(&d);
	if (d.err)
		return d.err;
	set_sizes(out);
	if (b == 0x0f) {
		b = fetch_byte(&d);
		if (d.err)
			return d.err;
		err = decode_two_byte(&d, b);
	} else {
		err = decode_one_byte(&d, b);
	}
	if (err)
		return err;
	if (d.err)
		return d.err;
	if ((out->prefixes & INSTR_PFX_LOCK) && !lock_allowed(out))
		return -EINVAL;
	/* The size operated on: 1 for the byte forms, whatever the prefixes said. */
	out->op_size = out->dst.size;
	out->len = d.pos;
	return 0;
}
