/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoding and emulation of the guest instructions that access emulated MMIO.
 *
 * An EPT violation on a device page reports the guest-physical address but neither the
 * data nor the register, so the exit handler fetches up to 15 bytes at CS:RIP, decodes
 * them with instr_decode() and runs instr_emulate() against the device model. Nothing
 * here knows about VT-x: guest state comes in a struct emul_ctx and memory goes through
 * the callbacks of struct emul_ops, so the same code runs on the host under cmocka and
 * libFuzzer.
 *
 * Addresses: the emulator applies segmentation (SDM Vol 3A 3.4, 3.5; Vol 1 3.3.7) and
 * hands every callback a guest LINEAR address. The caller translates it (guest_walk()
 * with the guest's CR0/CR3/CR4/EFER and CPL), and dispatches by the resulting
 * guest-physical address. The guest controls the instruction bytes (another vCPU may
 * rewrite them between the exit and the fetch), so an mmio_* address is not guaranteed
 * to lie in the page that faulted: the caller must translate and look the device up, and
 * never assume.
 *
 * Supported: MOV 88-8B, C6/C7 /0, A0-A3 (moffs); MOVZX 0F B6/B7; MOVSX 0F BE/BF;
 * MOVSXD 63 (64-bit mode); MOVS A4/A5, STOS AA/AB, LODS AC/AD with and without REP;
 * ADD/OR/ADC/SBB/AND/SUB/XOR/CMP 00-3B (ModRM forms) and 80/81/82/83; TEST 84/85,
 * F6/F7 /0; NOT/NEG F6/F7 /2, /3; INC/DEC FE/FF /0, /1; XCHG 86/87; BT/BTS/BTR/BTC
 * 0F A3/AB/B3/BB and 0F BA /4-/7; CMPXCHG 0F B0/B1; XADD 0F C0/C1. Anything else is
 * -EINVAL: CMPS/SCAS, MUL/DIV, shifts and rotates, SETcc, CMPXCHG8B/16B, MOVNTI, MOVBE,
 * the undocumented F6/F7 /1 TEST alias, SSE/AVX moves, and LOCK on anything but a
 * read-modify-write with a memory destination (#UD on hardware).
 *
 * Choices where the SDM leaves room: a register bit offset of BT* addresses the bit
 * string beyond the operand (signed, Vol 2A "BT"), so that access can be far from the
 * faulting page; BT* set CF only and leave the undefined OF/SF/AF/PF as they were. A
 * 32-bit register write zeroes bits 63:32 in every mode. CMPXCHG writes its destination
 * back when the comparison fails, as the SDM's pseudocode does (a device sees the write
 * cycle that hardware makes); for a 32-bit register destination in 64-bit mode that
 * zeroes bits 63:32, which AMD processors do not. Not modelled: alignment checks
 * (#AC), segment types (a write through a read-only segment) and expand-down segments:
 * a guest that gets past its own protection this way only hurts itself.
 */
#ifndef ASM_INSTR_EMUL_H
#define ASM_INSTR_EMUL_H

#include <bulkhead/types.h>

/* SDM Vol 2A 2.3.11: longer instructions raise #GP. */
#define INSTR_MAX_LEN 15

/*
 * Execution mode of the guest, which sets the default operand and address sizes
 * (SDM Vol 3A 5.2.1, Vol 2A 2.2.1.2): 16-bit in real and virtual-8086 mode and when
 * CS.D = 0; 32-bit when CS.D = 1; 64-bit addresses and 32-bit operands when CS.L = 1.
 */
enum cpu_mode {
	CPU_MODE_REAL,	   /* real-address or virtual-8086 mode */
	CPU_MODE_PROT16,   /* protected mode, CS.D = 0 */
	CPU_MODE_PROT32,   /* protected mode, CS.D = 1 */
	CPU_MODE_COMPAT16, /* IA-32e compatibility mode, CS.D = 0 */
	CPU_MODE_COMPAT32, /* IA-32e compatibility mode, CS.D = 1 */
	CPU_MODE_64,	   /* IA-32e 64-bit mode (CS.L = 1) */
};

/* The mode from the guest's CR0, RFLAGS (VM), EFER (LMA) and its CS attributes. */
enum cpu_mode cpu_mode_of(u64 cr0, u64 rflags, u64 efer, bool cs_l, bool cs_d);

/* General registers in instruction-encoding order (SDM Vol 2A 2.1.5, table 2-2). */
enum x86_reg {
	X86_REG_RAX,
	X86_REG_RCX,
	X86_REG_RDX,
	X86_REG_RBX,
	X86_REG_RSP,
	X86_REG_RBP,
	X86_REG_RSI,
	X86_REG_RDI,
	X86_REG_R8,
	X86_REG_R9,
	X86_REG_R10,
	X86_REG_R11,
	X86_REG_R12,
	X86_REG_R13,
	X86_REG_R14,
	X86_REG_R15,
	X86_NR_REGS,
};

/* Segment registers in encoding order (SDM Vol 2A 3.1.1.1 "Sreg"). */
enum x86_seg {
	X86_SEG_ES,
	X86_SEG_CS,
	X86_SEG_SS,
	X86_SEG_DS,
	X86_SEG_FS,
	X86_SEG_GS,
	X86_NR_SEGS,
};

/* RFLAGS status flags (SDM Vol 1 3.4.3.1) and the ones the emulator reads. */
#define X86_RFLAGS_CF (1UL << 0)
#define X86_RFLAGS_PF (1UL << 2)
#define X86_RFLAGS_AF (1UL << 4)
#define X86_RFLAGS_ZF (1UL << 6)
#define X86_RFLAGS_SF (1UL << 7)
#define X86_RFLAGS_DF (1UL << 10)
#define X86_RFLAGS_OF (1UL << 11)
#define X86_RFLAGS_VM (1UL << 17)
#define X86_RFLAGS_ARITH                                                                 \
	(X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | X86_RFLAGS_SF | \
	 X86_RFLAGS_OF)

enum instr_op {
	INSTR_MOV,
	INSTR_MOVZX,
	INSTR_MOVSX, /* MOVSX and MOVSXD */
	INSTR_MOVS,
	INSTR_STOS,
	INSTR_LODS,
	INSTR_ADD,
	INSTR_OR,
	INSTR_ADC,
	INSTR_SBB,
	INSTR_AND,
	INSTR_SUB,
	INSTR_XOR,
	INSTR_CMP,
	INSTR_TEST,
	INSTR_NOT,
	INSTR_NEG,
	INSTR_INC,
	INSTR_DEC,
	INSTR_XCHG,
	INSTR_BT,
	INSTR_BTS,
	INSTR_BTR,
	INSTR_BTC,
	INSTR_CMPXCHG,
	INSTR_XADD,
	INSTR_NR_OPS,
};

/* Legacy prefixes seen (SDM Vol 2A 2.1.1). */
#define INSTR_PFX_LOCK	 (1U << 0)
#define INSTR_PFX_REPNE	 (1U << 1) /* F2 */
#define INSTR_PFX_REP	 (1U << 2) /* F3 */
#define INSTR_PFX_OPSIZE (1U << 3) /* 66 */
#define INSTR_PFX_ADSIZE (1U << 4) /* 67 */
#define INSTR_PFX_SEG	 (1U << 5) /* a segment override that takes effect */

/* instr_mem.base and .index when there is no register; .base for RIP-relative. */
#define INSTR_NO_REG  (-1)
#define INSTR_RIP_REL (-2)

/* A memory operand: seg:(base + index * scale + disp), wrapped to the address size. */
struct instr_mem {
	u8 seg;	  /* enum x86_seg, after any override */
	s8 base;  /* enum x86_reg, INSTR_NO_REG or INSTR_RIP_REL */
	s8 index; /* enum x86_reg or INSTR_NO_REG */
	u8 scale; /* 1, 2, 4 or 8 */
	u64 disp; /* sign-extended displacement, or the moffs offset */
};

enum instr_opnd_kind { OPND_NONE, OPND_REG, OPND_MEM, OPND_IMM };

struct instr_opnd {
	enum instr_opnd_kind kind;
	u8 size;	      /* bytes: 1, 2, 4 or 8 */
	u8 reg;		      /* OPND_REG: enum x86_reg */
	bool high8;	      /* OPND_REG of size 1: AH/CH/DH/BH, bits 15:8 of reg 0-3 */
	u64 imm;	      /* OPND_IMM: sign-extended to 64 bits */
	struct instr_mem mem; /* OPND_MEM; string operands use rSI/rDI as base */
};

/*
 * A decoded instruction. dst is the first operand of the Intel syntax (also for CMP,
 * TEST and BT*, which only read it), src the second.
 */
struct instr {
	enum cpu_mode mode;
	enum instr_op op;
	u8 len;	      /* bytes, 1 to INSTR_MAX_LEN */
	u8 op_size;   /* bytes operated on (dst's size): 1 for byte forms */
	u8 addr_size; /* address size in bytes: 2, 4 or 8 */
	u8 rex;	      /* the REX prefix in effect (64-bit mode), or 0 */
	u16 opcode;   /* one-byte opcode, or 0x0f00 | second byte */
	u8 modrm;     /* when the opcode has one, else 0 */
	u32 prefixes; /* INSTR_PFX_* */
	struct instr_opnd dst;
	struct instr_opnd src;
};

/*
 * Decodes the instruction in bytes[0..len) for a guest in mode. Never reads past len
 * (nor past INSTR_MAX_LEN). Returns 0 and fills *out; -ENOSPC when the bytes end before
 * the instruction does (the caller fetches more, e.g. from the next page, or injects
 * the #PF of that fetch); -EINVAL for an instruction that is longer than 15 bytes,
 * undefined, or outside the supported set (the caller injects #UD or stops the VM by
 * its policy).
 */
int instr_decode(const u8 *bytes, size_t len, enum cpu_mode mode, struct instr *out);

/* The segment part of the guest state: what the VMCS guest-state area holds. */
struct emul_segment {
	u64 base;
	u32 limit; /* in bytes, granularity applied; only expand-up segments */
};

/* An exception for the caller to inject (SDM Vol 3A 6.15). */
#define EMUL_VEC_UD 6
#define EMUL_VEC_SS 12
#define EMUL_VEC_GP 13
#define EMUL_VEC_PF 14

struct emul_exception {
	u8 vector;
	bool has_error_code;
	u32 error_code;
	u64 cr2; /* #PF only */
};

struct emul_ctx;

/*
 * Memory callbacks. All take a guest linear address and sizes of 1, 2, 4 or 8 bytes;
 * values are little-endian, zero-extended to 64 bits. They return 0, or -EFAULT after
 * filling ctx->exception (e.g. the #PF guest_walk() reported), or another negative
 * code (e.g. no device at that address), which instr_emulate() passes on unchanged.
 *   mmio_read/mmio_write: the instruction's memory operand (ModRM or moffs), the
 *     operand that hit the device; for MOVS the one ctx->movs_mmio_dst names.
 *   mem_read/mem_write: the other operand of MOVS (usually guest RAM).
 * An access may cross a page boundary; the callback translates each page.
 */
struct emul_ops {
	int (*mmio_read)(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value);
	int (*mmio_write)(struct emul_ctx *ctx, u64 la, unsigned int size, u64 value);
	int (*mem_read)(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value);
	int (*mem_write)(struct emul_ctx *ctx, u64 la, unsigned int size, u64 value);
};

struct emul_ctx {
	u64 gpr[X86_NR_REGS];
	u64 rip;
	u64 rflags;
	struct emul_segment seg[X86_NR_SEGS];
	bool la57; /* CR4.LA57: 57-bit canonical addresses in 64-bit mode */
	/*
	 * MOVS has two memory operands: true when the destination (ES:rDI) is the MMIO
	 * one, i.e. the EPT violation was a data write; false when it was the read of the
	 * source.
	 */
	bool movs_mmio_dst;
	const struct emul_ops *ops;
	void *opaque;			 /* the caller's, e.g. its vCPU */
	struct emul_exception exception; /* valid when instr_emulate() returns -EFAULT */
};

/* instr_emulate(): one iteration of a REP string instruction done, more remain. */
#define INSTR_EMUL_REP_MORE 1

/*
 * Executes in (decoded for the guest's current mode) against ctx. Returns:
 *   0 - done: registers, RFLAGS and memory updated, RIP advanced by in->len;
 *   INSTR_EMUL_REP_MORE - a REP string instruction did one iteration (rSI/rDI/rCX
 *     updated) and RIP still points at it. The caller may call again with the same
 *     instr, or resume the guest, which re-executes the instruction exactly as after an
 *     interrupt between iterations (SDM Vol 2B "REP"); one iteration per call keeps a
 *     large count preemptible;
 *   -EFAULT - an exception to inject, in ctx->exception (#GP/#SS for segment limits
 *     and non-canonical addresses, or what a callback reported);
 *   -EINVAL - in is not something this emulator produced;
 *   or a callback's error.
 * On any error the registers, RIP and RFLAGS are unchanged; device accesses already
 * made (the read of a read-modify-write whose write failed) are not undone.
 * A read-modify-write (ALU to memory, XCHG, BTS, CMPXCHG, XADD, LOCK) is atomic with
 * respect to other vCPUs only if the caller serializes access to the device across the
 * call.
 */
int instr_emulate(const struct instr *in, struct emul_ctx *ctx);

/*
 * The arithmetic core: dst op src at size bytes (1, 2, 4, 8), for ADD, OR, ADC, SBB,
 * AND, SUB, XOR, CMP, TEST, NOT, NEG (of dst), INC and DEC (src unused). Returns the
 * result masked to size and updates the status flags in *rflags as the CPU does
 * (SDM Vol 1 appendix A). Flags the SDM leaves undefined: AF is cleared by AND, OR, XOR
 * and TEST, as Intel and AMD processors do.
 */
u64 instr_alu(enum instr_op op, unsigned int size, u64 dst, u64 src, u64 *rflags);

#endif
