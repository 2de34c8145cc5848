// SPDX-License-Identifier: BSD-3-Clause
/*
 * Emulated MMIO under VT-x: an EPT violation on a guest-physical page that a device
 * claimed on the VM's MMIO bus. The exit gives the address but not the data, so the
 * instruction is fetched at CS:RIP through the guest's own page tables (guest_walk),
 * decoded and executed by the instruction emulator (asm/instr_emul.h) against the bus.
 * This file only supplies the guest state from the VMCS and the memory callbacks.
 */
#include <bulkhead/errno.h>
#include <bulkhead/io_bus.h>
#include <bulkhead/log.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <asm/guest_walk.h>
#include <asm/instr_emul.h>
#include <asm/processor.h>
#include <asm/vmcs.h>
#include <asm/vmx.h>
#include <asm/vmx_internal.h>

#define PAGE_MASK_4K 0xfffULL

struct mmio_exit {
	struct vcpu *vcpu;
	struct guest_walk_ctx walk;
	u32 cpl;
};

static int walk_read_gpa(const struct guest_walk_ctx *c, u64 gpa, void *buf, size_t size)
{
	const struct mmio_exit *m = c->opaque;

	return vm_read_guest(m->vcpu->vm, gpa, buf, size);
}

/* Linear to guest-physical for one access that stays inside a page. */
static int translate(struct emul_ctx *ctx, u64 la, u32 access, u64 *gpa)
{
	struct mmio_exit *m = ctx->opaque;
	struct guest_fault fault;
	int err;

	if (m->cpl == 3)
		access |= GUEST_ACC_USER;
	err = guest_walk(&m->walk, la, access, gpa, &fault);
	if (err == -EFAULT) {
		/* A page fault for the guest (-EFAULT is reserved for exceptions here). */
		ctx->exception = (struct emul_exception){
			.vector = EMUL_VEC_PF,
			.has_error_code = true,
			.error_code = fault.error_code,
			.cr2 = fault.address,
		};
		return -EFAULT;
	}
	if (err == -ERANGE) {
		/* Non-canonical address: #GP(0). */
		ctx->exception =
			(struct emul_exception){.vector = EMUL_VEC_GP, .has_error_code = true};
		return -EFAULT;
	}
	/* Page tables outside the VM's RAM: an access outside its memory. */
	return err ? -ENOENT : 0;
}

static int mmio_access(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value, bool write)
{
	struct mmio_exit *m = ctx->opaque;
	struct io_request req = {.size = size, .write = write, .value = write ? *value : 0};
	int err;

	/* Device registers never straddle pages; an access that does is not one. */
	if ((la & PAGE_MASK_4K) + size > PAGE_MASK_4K + 1)
		return -EINVAL;
	err = translate(ctx, la, write ? GUEST_ACC_WRITE : 0, &req.addr);
	if (err)
		return err;
	err = io_bus_dispatch(&m->vcpu->vm->mmio, &req);
	if (!err && !write)
		*value = req.value;
	return err;
}

static int mmio_read(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value)
{
	return mmio_access(ctx, la, size, value, false);
}

static int mmio_write(struct emul_ctx *ctx, u64 la, unsigned int size, u64 value)
{
	return mmio_access(ctx, la, size, &value, true);
}

/* The RAM operand of MOVS: may cross a page, so it goes byte by byte (8 at most). */
static int ram_access(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value, bool write)
{
	struct mmio_exit *m = ctx->opaque;
	u8 bytes[8];

	if (write)
		memcpy(bytes, value, sizeof(bytes));
	for (unsigned int i = 0; i < size; i++) {
		u64 gpa;
		int err = translate(ctx, la + i, write ? GUEST_ACC_WRITE : 0, &gpa);

		if (err)
			return err;
		/* Outside the VM's RAM is not a guest exception but a bad access. */
		if (write ? vm_write_guest(m->vcpu->vm, gpa, &bytes[i], 1)
			  : vm_read_guest(m->vcpu->vm, gpa, &bytes[i], 1))
			return -ENOENT;
	}
	if (!write) {
		*value = 0;
		memcpy(value, bytes, size);
	}
	return 0;
}

static int mem_read(struct emul_ctx *ctx, u64 la, unsigned int size, u64 *value)
{
	return ram_access(ctx, la, size, value, false);
}

static int mem_write(struct emul_ctx *ctx, u64 la, unsigned int size, u64 value)
{
	return ram_access(ctx, la, size, &value, true);
}

static const struct emul_ops mmio_ops = {mmio_read, mmio_write, mem_read, mem_write};

/* Fetches up to 15 bytes at CS:RIP, stopping early where the next page does not map. */
static size_t fetch(struct emul_ctx *ctx, u8 *bytes)
{
	struct mmio_exit *m = ctx->opaque;
	u64 la = ctx->seg[X86_SEG_CS].base + ctx->rip;
	size_t got = 0;

	while (got < INSTR_MAX_LEN) {
		u64 gpa, chunk = (PAGE_MASK_4K + 1) - ((la + got) & PAGE_MASK_4K);

		if (chunk > INSTR_MAX_LEN - got)
			chunk = INSTR_MAX_LEN - got;
		if (translate(ctx, la + got, GUEST_ACC_FETCH, &gpa) ||
		    vm_read_guest(m->vcpu->vm, gpa, bytes + got, chunk))
			break;
		got += chunk;
	}
	return got;
}

/*
 * What the guest's CPUID reports (the host's): physical-address width and 1 GiB pages.
 * Read once; every CPU gives the same answer, so a racing first use is harmless.
 */
static void paging_features(u8 *maxphyaddr, bool *gbpages)
{
	static u8 width;
	static bool large;
	u32 a, b, c, d;

	if (!width) {
		cpuid_count(0x80000001, 0, &a, &b, &c, &d);
		large = (d >> 26) & 1;
		cpuid_count(0x80000000, 0, &a, &b, &c, &d);
		if (a >= 0x80000008) {
			cpuid_count(0x80000008, 0, &a, &b, &c, &d);
			a &= 0xff;
		} else {
			a = 36; /* no leaf 0x80000008: 36 bits (SDM Vol 3A 4.1.4) */
		}
		__atomic_store_n(&width, (u8)a, __ATOMIC_RELEASE);
	}
	*maxphyaddr = width;
	*gbpages = large;
}

static void load_context(struct vcpu *vcpu, struct mmio_exit *m, struct emul_ctx *ctx)
{
	u64 cr4 = vmcs_read(VMCS_GUEST_CR4);

	m->vcpu = vcpu;
	m->cpl = vcpu_vendor_cpl(vcpu);
	m->walk = (struct guest_walk_ctx){
		.cr0 = vmcs_read(VMCS_GUEST_CR0),
		.cr3 = vmcs_read(VMCS_GUEST_CR3),
		.cr4 = cr4,
		.efer = vmcs_read(VMCS_GUEST_EFER),
		.rflags = vmcs_read(VMCS_GUEST_RFLAGS),
		.read_gpa = walk_read_gpa,
		.opaque = m,
	};
	paging_features(&m->walk.maxphyaddr, &m->walk.gbpages);
	memset(ctx, 0, sizeof(*ctx));
	memcpy(ctx->gpr, vcpu->arch.gpr, sizeof(ctx->gpr));
	ctx->gpr[X86_REG_RSP] = vmcs_read(VMCS_GUEST_RSP);
	ctx->rip = vmcs_read(VMCS_GUEST_RIP);
	ctx->rflags = m->walk.rflags;
	/* The VMCS keeps segments in the instruction set's order: ES, CS, SS, DS, FS, GS. */
	for (int s = 0; s < X86_NR_SEGS; s++) {
		ctx->seg[s].base = vmcs_read(VMCS_GUEST_BASE(s));
		ctx->seg[s].limit = (u32)vmcs_read(VMCS_GUEST_LIMIT(s));
	}
	ctx->la57 = (cr4 & X86_CR4_LA57) != 0;
	ctx->ops = &mmio_ops;
	ctx->opaque = m;
}

int vmx_emulate_mmio(struct vcpu *vcpu, u64 gpa, bool write)
{
	u32 cs_ar = (u32)vmcs_read(VMCS_GUEST_AR(SEG_CS));
	struct mmio_exit m;
	struct emul_ctx ctx;
	struct instr in;
	u8 bytes[INSTR_MAX_LEN];
	size_t len;
	int ret;

	load_context(vcpu, &m, &ctx);
	ctx.movs_mmio_dst = write;
	len = fetch(&ctx, bytes);
	ret = instr_decode(
		bytes, len,
		cpu_mode_of(m.walk.cr0, ctx.rflags, m.walk.efer, cs_ar & AR_L, cs_ar & AR_DB), &in);
	if (ret == -ENOSPC && len < INSTR_MAX_LEN) {
		/* The instruction runs into a page that does not map: that fetch faults. */
		ret = translate(&ctx, ctx.seg[X86_SEG_CS].base + ctx.rip + len, GUEST_ACC_FETCH,
				&gpa);
	} else if (ret) {
		vm_warn(vcpu->vm,
			"vcpu%u: instruction at rip 0x%llx accessing MMIO 0x%llx cannot "
			"be emulated: #UD",
			vcpu->id, (unsigned long long)ctx.rip, (unsigned long long)gpa);
		vcpu_inject_ud(vcpu);
		return 0;
	} else {
		ret = instr_emulate(&in, &ctx);
	}
	if (ret == -EFAULT) {
		/* Inside the run loop the guest's CR2 is live in the register. */
		if (ctx.exception.vector == EMUL_VEC_PF)
			__asm__ __volatile__("mov %0, %%cr2" ::"r"(ctx.exception.cr2) : "memory");
		vcpu_inject_exception(vcpu, ctx.exception.vector, ctx.exception.has_error_code,
				      ctx.exception.error_code);
		return 0;
	}
	if (ret < 0)
		return vm_guest_bad_access(vcpu, gpa, write ? "write" : "read");
	/* Done, or one REP iteration done (RIP unchanged): commit the registers. */
	memcpy(vcpu->arch.gpr, ctx.gpr, sizeof(ctx.gpr));
	vmcs_write(VMCS_GUEST_RSP, ctx.gpr[X86_REG_RSP]);
	vmcs_write(VMCS_GUEST_RIP, ctx.rip);
	vmcs_write(VMCS_GUEST_RFLAGS, ctx.rflags);
	return 0;
}

/* VM-exit instruction information for INS/OUTS (SDM Vol 3C table 28-8). */
#define IOINFO_ADDR_SIZE(i) (((i) >> 7) & 7) /* 0: 16-bit, 1: 32-bit, 2: 64-bit */
#define IOINFO_SEG(i)	    (((i) >> 15) & 7)

int vmx_emulate_string_io(struct vcpu *vcpu, u16 port, u32 size, bool in, bool rep)
{
	u32 info = (u32)vmcs_read(VMCS_EXIT_INSTR_INFO);
	u64 addr_mask = IOINFO_ADDR_SIZE(info) == 0   ? 0xffffULL
			: IOINFO_ADDR_SIZE(info) == 1 ? 0xffffffffULL
						      : ~0ULL;
	u64 *g = vcpu->arch.gpr, value = 0, gpa = 0;
	/* The linear address of the memory operand, segmentation already applied. */
	u64 la = vmcs_read(VMCS_GUEST_LINEAR_ADDR);
	struct io_request req = {.addr = port, .size = size, .write = !in};
	u64 step = (vmcs_read(VMCS_GUEST_RFLAGS) & X86_RFLAGS_DF) ? -(u64)size : size;
	u32 index = in ? X86_REG_RDI : X86_REG_RSI;
	struct mmio_exit m;
	struct emul_ctx ctx;
	int err;

	if (rep && (g[X86_REG_RCX] & addr_mask) == 0) {
		vmx_skip_instruction(vcpu); /* a count of zero does nothing */
		return 0;
	}
	load_context(vcpu, &m, &ctx);
	/*
	 * One element per exit: a long REP stays preemptible (the guest re-executes the
	 * instruction for the next one). INS checks its destination before it reads the
	 * port, so a faulting INS has no device side effect when it is re-executed.
	 */
	err = translate(&ctx, la, in ? GUEST_ACC_WRITE : 0, &gpa);
	if (!err && size > 1)
		err = translate(&ctx, la + size - 1, in ? GUEST_ACC_WRITE : 0, &gpa);
	if (!err && !in)
		err = ram_access(&ctx, la, size, &value, false);
	if (!err) {
		req.value = value;
		if (io_bus_dispatch(&vcpu->vm->pio, &req) && in)
			req.value = ~0ULL; /* nothing answered: the bus floats high */
		if (in)
			err = ram_access(&ctx, la, size, &req.value, true);
	}
	if (err == -EFAULT) {
		__asm__ __volatile__("mov %0, %%cr2" ::"r"(ctx.exception.cr2) : "memory");
		vcpu_inject_exception(vcpu, ctx.exception.vector, ctx.exception.has_error_code,
				      ctx.exception.error_code);
		return 0;
	}
	if (err)
		return vm_guest_bad_access(vcpu, gpa, in ? "INS write" : "OUTS read");
	g[index] = (g[index] & ~addr_mask) | ((g[index] + step) & addr_mask);
	if (rep) {
		g[X86_REG_RCX] = (g[X86_REG_RCX] & ~addr_mask) | ((g[X86_REG_RCX] - 1) & addr_mask);
		if (g[X86_REG_RCX] & addr_mask)
			return vcpu->requests ? -EINTR : 0; /* RIP stays: the next element */
	}
	vmx_skip_instruction(vcpu);
	return vcpu->requests ? -EINTR : 0;
}
