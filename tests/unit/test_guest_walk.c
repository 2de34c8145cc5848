// SPDX-License-Identifier: BSD-3-Clause
/*
 * Guest page-table walks over tables built in a host buffer that stands for guest
 * physical memory (GPA 0 to MEM_SIZE): every paging mode and page size, reserved bits
 * against MAXPHYADDR/NXE/1-GByte support, each permission rule of SDM Vol 3A 4.6 with
 * the exact #PF error code, accessed/dirty updates and the callback failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include <asm/guest_walk.h>
#include <asm/msr-index.h>
#include <asm/paging.h>
#include <asm/vcr.h>

#define MEM_SIZE  (64 * 4096)
#define RFLAGS_AC (1ULL << 18)

#define P  PTE_P
#define RW PTE_RW
#define US PTE_US

#define ACC_R 0
#define ACC_W GUEST_ACC_WRITE
#define ACC_U GUEST_ACC_USER
#define ACC_X GUEST_ACC_FETCH

static u8 mem[MEM_SIZE] __attribute__((aligned(4096)));
static u64 next_table;
static unsigned int reads, cmpxchgs;
/* cmpxchg_gpa behaviour: how many calls see a concurrent change (-EBUSY), or fail. */
static unsigned int busy_calls;
static int cmpxchg_error;
static struct guest_walk_ctx c;
static struct guest_fault fault;

static int test_read_gpa(const struct guest_walk_ctx *ctx, u64 gpa, void *buf, size_t size)
{
	assert_ptr_equal(ctx, &c);
	reads++;
	if (gpa >= MEM_SIZE || MEM_SIZE - gpa < size)
		return -ENOENT;
	memcpy(buf, &mem[gpa], size);
	return 0;
}

static int test_cmpxchg_gpa(const struct guest_walk_ctx *ctx, u64 gpa, u64 old, u64 new_val,
			    size_t size)
{
	u64 cur = 0;

	(void)ctx;
	cmpxchgs++;
	assert_true(size == 4 || size == 8);
	if (cmpxchg_error)
		return cmpxchg_error;
	if (gpa >= MEM_SIZE || MEM_SIZE - gpa < size)
		return -ENOENT;
	if (busy_calls) {
		busy_calls--;
		return -EBUSY;
	}
	memcpy(&cur, &mem[gpa], size);
	if (cur != old)
		return -EBUSY;
	memcpy(&mem[gpa], &new_val, size);
	return 0;
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, &mem[gpa], 8);
	return v;
}

static void put64(u64 gpa, u64 v)
{
	memcpy(&mem[gpa], &v, 8);
}

static u32 get32(u64 gpa)
{
	u32 v;

	memcpy(&v, &mem[gpa], 4);
	return v;
}

static void put32(u64 gpa, u32 v)
{
	memcpy(&mem[gpa], &v, 4);
}

static u64 alloc_table(void)
{
	u64 gpa = next_table;

	assert_true(gpa + 4096 <= MEM_SIZE);
	next_table += 4096;
	memset(&mem[gpa], 0, 4096);
	return gpa;
}

static void reset_mem(void)
{
	memset(mem, 0, sizeof(mem));
	next_table = 0x1000;
	reads = cmpxchgs = busy_calls = 0;
	cmpxchg_error = 0;
	memset(&fault, 0xee, sizeof(fault));
}

/* 4-level paging, NXE, WP, MAXPHYADDR 46, 1-GByte pages; CR3 points at a fresh PML4. */
static int setup_4level(void **state)
{
	(void)state;
	reset_mem();
	c = (struct guest_walk_ctx){
		.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP,
		.cr4 = X86_CR4_PAE,
		.efer = EFER_LME | EFER_LMA | EFER_NXE,
		.maxphyaddr = 46,
		.gbpages = true,
		.read_gpa = test_read_gpa,
	};
	c.cr3 = alloc_table();
	return 0;
}

/*
 * Maps la to pa in 64-bit-entry tables from the top level (top_shift 48, 39 or, for
 * PAE, 30 with the PDPT at pdpt) down to leaf_shift, with table_flags on the
 * non-leaf entries and leaf_flags on the leaf (PS added for large pages).
 */
static void map64(u64 table, unsigned int top_shift, u64 la, u64 pa, unsigned int leaf_shift,
		  u64 table_flags, u64 leaf_flags)
{
	unsigned int shift;

	for (shift = top_shift;; shift -= 9) {
		unsigned int idx =
			top_shift == 30 && shift == 30 ? (la >> 30) & 3 : (la >> shift) & 0x1ff;
		u64 e = table + idx * 8;

		if (shift == leaf_shift) {
			put64(e, pa | leaf_flags | (shift > 12 ? PTE_PS : 0));
			return;
		}
		if (!(get64(e) & P))
			/* PAE PDPTEs have no R/W, U/S or XD. */
			put64(e,
			      alloc_table() | (top_shift == 30 && shift == 30 ? P : table_flags));
		table = get64(e) & 0x000ffffffffff000ULL;
	}
}

/* The gpa of the entry at level shift for la, following present entries. */
static u64 entry_at(u64 table, unsigned int top_shift, u64 la, unsigned int want_shift)
{
	unsigned int shift;

	for (shift = top_shift;; shift -= 9) {
		unsigned int idx =
			top_shift == 30 && shift == 30 ? (la >> 30) & 3 : (la >> shift) & 0x1ff;
		u64 e = table + idx * 8;

		if (shift == want_shift)
			return e;
		table = get64(e) & 0x000ffffffffff000ULL;
	}
}

static int walk(u64 la, u32 access, u64 *gpa)
{
	return guest_walk(&c, la, access, gpa, &fault);
}

static void assert_pf(u64 la, u32 access, u32 error_code)
{
	u64 gpa = 0x1234;

	assert_int_equal(walk(la, access, &gpa), -EFAULT);
	assert_int_equal(fault.error_code, error_code);
	assert_int_equal(fault.address, la);
	assert_int_equal(gpa, 0x1234);
}

static void assert_maps(u64 la, u32 access, u64 expected)
{
	u64 gpa = 0;

	assert_int_equal(walk(la, access, &gpa), 0);
	assert_int_equal(gpa, expected);
}

/* ------------------------------------------------------------------------------------ */

static void paging_off_is_identity(void **state)
{
	(void)state;
	c.cr0 = X86_CR0_PE;
	c.efer = 0;
	assert_maps(0xfee00010, ACC_W | ACC_U, 0xfee00010);
	assert_maps(0x1fee00010ULL, ACC_R, 0xfee00010);
	assert_int_equal(reads, 0);
}

static void four_level_page_sizes(void **state)
{
	(void)state;
	map64(c.cr3, 39, 0x00007f0000401000ULL, 0x3456789000ULL, 12, P | RW | US, P | RW | US);
	assert_maps(0x00007f0000401abcULL, ACC_R, 0x3456789abcULL);
	assert_int_equal(reads, 4);
	map64(c.cr3, 39, 0x40000000ULL, 0x12345600000ULL, 21, P | RW, P | RW);
	assert_maps(0x400abcdeULL, ACC_W, 0x123456abcdeULL);
	map64(c.cr3, 39, 0xffff800000000000ULL, 0x3fc0000000ULL, 30, P | RW, P | RW);
	assert_maps(0xffff80002345678aULL, ACC_R, 0x3fe345678aULL);
	/* Address bits of the large-page entry below the page size are not address bits. */
	put64(entry_at(c.cr3, 39, 0x40000000ULL, 21),
	      0x12345600000ULL | P | RW | PTE_PS | (1 << 12));
	assert_maps(0x400abcdeULL, ACC_R, 0x123456abcdeULL);
	/* Bits 62:52 are ignored with 4-level paging; CR3's low bits are not address. */
	put64(entry_at(c.cr3, 39, 0x40000000ULL, 21),
	      0x12345600000ULL | P | RW | PTE_PS | (0x7ffULL << 52));
	c.cr3 |= 0xfff;
	assert_maps(0x400abcdeULL, ACC_R, 0x123456abcdeULL);
}

static void five_level_paging(void **state)
{
	u64 pml5 = c.cr3;

	(void)state;
	c.cr4 |= X86_CR4_LA57;
	map64(pml5, 48, 0x00ff800000201000ULL, 0x7000ULL, 12, P | RW | US, P | RW | US);
	assert_maps(0x00ff800000201123ULL, ACC_U, 0x7123ULL);
	assert_int_equal(reads, 5);
	/* PML5E bit 7 is reserved like PML4E's. */
	put64(entry_at(pml5, 48, 0x00ff800000201000ULL, 48),
	      get64(entry_at(pml5, 48, 0x00ff800000201000ULL, 48)) | PTE_PS);
	assert_pf(0x00ff800000201123ULL, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	/* 57-bit canonical addresses. */
	assert_int_equal(walk(0x0100000000000000ULL, ACC_R, &(u64){0}), -ERANGE);
	assert_int_equal(walk(0xff00000000000000ULL, ACC_R, &(u64){0}), -EFAULT);
	c.cr4 &= ~X86_CR4_LA57;
	assert_int_equal(walk(0x00ff800000201123ULL, ACC_R, &(u64){0}), -ERANGE);
	assert_int_equal(walk(0x0000800000000000ULL, ACC_R, &(u64){0}), -ERANGE);
	assert_int_equal(walk(0xffff7fffffffffffULL, ACC_R, &(u64){0}), -ERANGE);
}

static void pae_paging(void **state)
{
	u64 pdpt;

	(void)state;
	c.efer = EFER_NXE;
	c.maxphyaddr = 36;
	/* The PDPT is 32-byte aligned, not page aligned. */
	pdpt = alloc_table() + 0x20;
	c.cr3 = pdpt | 0x18; /* PWT/PCD bits are not address */
	map64(pdpt, 30, 0xc0401000, 0x87654000, 12, P | RW | US, P | RW | US | PTE_NX);
	assert_maps(0xc0401321, ACC_W | ACC_U, 0x87654321);
	assert_int_equal(reads, 3);
	map64(pdpt, 30, 0x00200000, 0xf00000000ULL, 21, P | RW, P | RW);
	assert_maps(0x00212345, ACC_R, 0xf00012345ULL);
	/* XD is honoured with NXE, and is a reserved bit without it. */
	assert_pf(0xc0401321, ACC_X, PFERR_PRESENT | PFERR_FETCH);
	c.efer = 0;
	assert_pf(0xc0401321, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	c.efer = EFER_NXE;
	/* Bits 62:MAXPHYADDR are reserved in PAE entries (ignored in 4-level paging). */
	put64(entry_at(pdpt, 30, 0x00200000, 21), 0xf00000000ULL | P | RW | PTE_PS | (1ULL << 52));
	assert_pf(0x00212345, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	put64(entry_at(pdpt, 30, 0x00200000, 21), 0xf00000000ULL | P | RW | PTE_PS | (1ULL << 36));
	assert_pf(0x00212345, ACC_W, PFERR_PRESENT | PFERR_RSVD | PFERR_WRITE);
	/* 2-MByte PDE: bits 20:13 reserved. */
	put64(entry_at(pdpt, 30, 0x00200000, 21), 0xf00000000ULL | P | RW | PTE_PS | (1 << 13));
	assert_pf(0x00212345, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	/* PDPTE: R/W and U/S positions are reserved; not present is an ordinary #PF. */
	put64(entry_at(pdpt, 30, 0xc0401000, 30), get64(entry_at(pdpt, 30, 0xc0401000, 30)) | RW);
	assert_pf(0xc0401321, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	assert_pf(0x40000000, ACC_W | ACC_U, PFERR_WRITE | PFERR_USER);
	/* Linear addresses are 32 bits. */
	assert_int_equal(walk(0x1c0401321ULL, ACC_R, &(u64){0}), -EFAULT);
	assert_int_equal(fault.error_code, PFERR_PRESENT | PFERR_RSVD);
	assert_int_equal(fault.address, 0xc0401321);
}

static void pae_uses_the_loaded_pdptes(void **state)
{
	u64 pdpt = alloc_table(), pdptes[4] = {0}, loaded;

	(void)state;
	c.efer = 0;
	c.maxphyaddr = 36;
	c.cr3 = pdpt;
	map64(pdpt, 30, 0x00401000, 0x5000, 12, P | RW | US, P | RW | US);
	/* What the CPU loaded at MOV CR3, not what the PDPT holds now. */
	pdptes[0] = get64(pdpt);
	loaded = pdptes[0];
	put64(pdpt, 0);
	c.pdptes = pdptes;
	reads = 0;
	assert_maps(0x00401777, ACC_R, 0x5777);
	assert_int_equal(reads, 2);
	pdptes[0] = 0;
	assert_pf(0x00401777, ACC_R, 0);
	pdptes[0] = loaded | (1ULL << 63);
	assert_pf(0x00401777, ACC_R, PFERR_PRESENT | PFERR_RSVD);
}

static void thirty_two_bit_paging(void **state)
{
	u64 pd = alloc_table(), pt = alloc_table();

	(void)state;
	c.cr0 = X86_CR0_PE | X86_CR0_PG;
	c.cr4 = 0;
	c.efer = 0;
	c.maxphyaddr = 36;
	c.cr3 = pd | 0x18;
	put32(pd + 1 * 4, pt | P | RW | US);
	put32(pt + 1 * 4, 0x9abcd000 | P | RW | US);
	assert_maps(0x00401234, ACC_W | ACC_U, 0x9abcd234);
	assert_int_equal(reads, 2);
	assert_maps(0xffffffff00401234ULL, ACC_R, 0x9abcd234);
	/* Without CR4.PSE the PS bit is ignored: still a page table. */
	put32(pd + 1 * 4, pt | P | RW | US | PTE_PS);
	assert_maps(0x00401234, ACC_R, 0x9abcd234);
	put32(pd + 1 * 4, pt | P | RW | US);
	/* 4-MByte pages, PSE-36 address bits 35:32 in PDE bits 16:13. */
	c.cr4 = X86_CR4_PSE;
	put32(pd + 3 * 4, 0x00800000 | (0x5 << 13) | P | RW | PTE_PS);
	assert_maps(0x00c12345, ACC_R, 0x500812345ULL);
	/* Reserved: bits 21:17 at MAXPHYADDR 36, bit 21 at 40, 21:13 at 32. */
	put32(pd + 3 * 4, 0x00800000 | (1 << 17) | P | RW | PTE_PS);
	assert_pf(0x00c12345, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	c.maxphyaddr = 40;
	assert_maps(0x00c12345, ACC_R, 0x1000812345ULL);
	put32(pd + 3 * 4, 0x00800000 | (1 << 21) | P | RW | PTE_PS);
	assert_pf(0x00c12345, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	c.maxphyaddr = 32;
	put32(pd + 3 * 4, 0x00800000 | (1 << 13) | P | RW | PTE_PS);
	assert_pf(0x00c12345, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	put32(pd + 3 * 4, 0x00800000 | P | RW | PTE_PS);
	assert_maps(0x00c12345, ACC_R, 0x00812345);
	/* Bit 63 has no meaning here: no XD, so no I/D in the error code without SMEP. */
	assert_maps(0x00c12345, ACC_X, 0x00812345);
	assert_pf(0x01000000, ACC_X, 0);
	c.efer = EFER_NXE; /* NXE without PAE does not report I/D either */
	assert_pf(0x01000000, ACC_X, 0);
	c.cr4 |= X86_CR4_SMEP;
	assert_pf(0x01000000, ACC_X, PFERR_FETCH);
	/* Write-protect for the supervisor. */
	put32(pt + 1 * 4, 0x9abcd000 | P | US);
	assert_maps(0x00401234, ACC_W, 0x9abcd234);
	c.cr0 |= X86_CR0_WP;
	assert_pf(0x00401234, ACC_W, PFERR_PRESENT | PFERR_WRITE);
	assert_pf(0x00401234, ACC_W | ACC_U, PFERR_PRESENT | PFERR_WRITE | PFERR_USER);
}

static void reserved_bits_four_level(void **state)
{
	const u64 la = 0x00007f0000401000ULL;

	(void)state;
	c.maxphyaddr = 39;
	map64(c.cr3, 39, la, 0x7ffffff000ULL, 12, P | RW | US, P | RW | US);
	assert_maps(la, ACC_R, 0x7ffffff000ULL);
	/* An address bit at MAXPHYADDR, in the leaf and in a table pointer. */
	put64(entry_at(c.cr3, 39, la, 12), 0x8000000000ULL | P | RW | US);
	assert_pf(la, ACC_W | ACC_U, PFERR_PRESENT | PFERR_RSVD | PFERR_WRITE | PFERR_USER);
	put64(entry_at(c.cr3, 39, la, 12), 0x7ffffff000ULL | P | RW | US);
	put64(entry_at(c.cr3, 39, la, 39), get64(entry_at(c.cr3, 39, la, 39)) | (1ULL << 45));
	assert_pf(la, ACC_X, PFERR_PRESENT | PFERR_RSVD | PFERR_FETCH);
	put64(entry_at(c.cr3, 39, la, 39), get64(entry_at(c.cr3, 39, la, 39)) & ~(1ULL << 45));
	/* PML4E PS. */
	put64(entry_at(c.cr3, 39, la, 39), get64(entry_at(c.cr3, 39, la, 39)) | PTE_PS);
	assert_pf(la, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	put64(entry_at(c.cr3, 39, la, 39), get64(entry_at(c.cr3, 39, la, 39)) & ~PTE_PS);
	/* XD without NXE. */
	c.efer &= ~EFER_NXE;
	put64(entry_at(c.cr3, 39, la, 12), 0x7ffffff000ULL | P | RW | US | PTE_NX);
	assert_pf(la, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	c.efer |= EFER_NXE;
	assert_maps(la, ACC_R, 0x7ffffff000ULL);
	/* 1-GByte pages: bits 29:13 reserved, PS itself reserved without the feature. */
	map64(c.cr3, 39, 0x80000000ULL, 0x40000000ULL, 30, P | RW, P | RW);
	assert_maps(0x80000010ULL, ACC_R, 0x40000010ULL);
	put64(entry_at(c.cr3, 39, 0x80000000ULL, 30), 0x40000000ULL | P | RW | PTE_PS | (1 << 29));
	assert_pf(0x80000010ULL, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	put64(entry_at(c.cr3, 39, 0x80000000ULL, 30), 0x40000000ULL | P | RW | PTE_PS);
	c.gbpages = false;
	assert_pf(0x80000010ULL, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	/* 2-MByte pages: bits 20:13. */
	map64(c.cr3, 39, 0xc0000000ULL, 0x200000ULL, 21, P | RW, P | RW);
	put64(entry_at(c.cr3, 39, 0xc0000000ULL, 21), 0x200000ULL | P | RW | PTE_PS | (1 << 20));
	assert_pf(0xc0000000ULL, ACC_R, PFERR_PRESENT | PFERR_RSVD);
	/* MAXPHYADDR outside 32..52 is clamped: 52 leaves no address bit reserved. */
	c.maxphyaddr = 99;
	put64(entry_at(c.cr3, 39, la, 12), 0xffffffffff000ULL | P | RW | US);
	assert_maps(la, ACC_R, 0xffffffffff000ULL);
}

struct perm_case {
	u64 pml4_flags, pte_flags; /* U/S, R/W, XD of the top and the leaf entry */
	u32 access;
	u64 cr0_wp, cr4, rflags;
	u32 error_code; /* ~0: allowed */
};

#define OK    (~0U)
#define WP    X86_CR0_WP
#define SMEP  X86_CR4_SMEP
#define SMAP  X86_CR4_SMAP
#define NX    PTE_NX
#define E_P   PFERR_PRESENT
#define E_W   PFERR_WRITE
#define E_U   PFERR_USER
#define E_I   PFERR_FETCH
#define IMPL  GUEST_ACC_IMPLICIT
#define AC    RFLAGS_AC
#define UPAGE (P | RW | US)
#define SPAGE (P | RW)

/* Vol 3A 4.6.1, one rule per line. */
static const struct perm_case perm_cases[] = {
	/* User-mode accesses need U/S = 1 everywhere; writes R/W = 1 everywhere. */
	{UPAGE, UPAGE, ACC_U, 0, 0, 0, OK},
	{UPAGE, UPAGE, ACC_U | ACC_W, WP, 0, 0, OK},
	{UPAGE, SPAGE, ACC_U, 0, 0, 0, E_P | E_U},
	{SPAGE, UPAGE, ACC_U, 0, 0, 0, E_P | E_U},
	{UPAGE, P | US, ACC_U | ACC_W, 0, 0, 0, E_P | E_W | E_U},
	{P | US, UPAGE, ACC_U | ACC_W, 0, 0, 0, E_P | E_W | E_U},
	{UPAGE, UPAGE, ACC_U | ACC_X, 0, 0, 0, OK},
	{UPAGE, UPAGE | NX, ACC_U | ACC_X, 0, 0, 0, E_P | E_U | E_I},
	{UPAGE | NX, UPAGE, ACC_U | ACC_X, 0, 0, 0, E_P | E_U | E_I},
	{UPAGE, UPAGE | NX, ACC_U, 0, 0, 0, OK},
	{UPAGE, SPAGE, ACC_U | ACC_X, 0, 0, 0, E_P | E_U | E_I},
	/* Supervisor writes: WP decides for read-only pages, user or not. */
	{SPAGE, P, ACC_W, 0, 0, 0, OK},
	{SPAGE, P, ACC_W, WP, 0, 0, E_P | E_W},
	{UPAGE, P | US, ACC_W, 0, 0, 0, OK},
	{UPAGE, P | US, ACC_W, WP, 0, 0, E_P | E_W},
	{P, SPAGE, ACC_W, WP, 0, 0, E_P | E_W},
	/* Supervisor fetches: XD, and SMEP for user pages. */
	{SPAGE, SPAGE | NX, ACC_X, 0, 0, 0, E_P | E_I},
	{UPAGE, UPAGE, ACC_X, 0, 0, 0, OK},
	{UPAGE, UPAGE, ACC_X, 0, SMEP, 0, E_P | E_I},
	{SPAGE, UPAGE, ACC_X, 0, SMEP, 0, OK}, /* a supervisor page after all */
	{UPAGE, UPAGE, ACC_R, 0, SMEP, 0, OK},
	/* SMAP: supervisor data accesses to user pages need AC = 1 and an explicit access. */
	{UPAGE, UPAGE, ACC_R, 0, SMAP, 0, E_P},
	{UPAGE, UPAGE, ACC_R, 0, SMAP, AC, OK},
	{UPAGE, UPAGE, ACC_R | IMPL, 0, SMAP, AC, E_P},
	{UPAGE, UPAGE, ACC_W, WP, SMAP, 0, E_P | E_W},
	{UPAGE, UPAGE, ACC_W, WP, SMAP, AC, OK},
	{UPAGE, P | US, ACC_W, WP, SMAP, AC, E_P | E_W},
	{UPAGE, P | US, ACC_W, 0, SMAP, AC, OK},
	{SPAGE, UPAGE, ACC_R, 0, SMAP, 0, OK},
	{UPAGE, UPAGE, ACC_U, 0, SMAP, 0, OK},
	{UPAGE, UPAGE, ACC_X, 0, SMAP, 0, OK},
	/* An implicit access at CPL 3 is a supervisor access (no U/S in the error code). */
	{SPAGE, SPAGE, ACC_U | IMPL, 0, 0, 0, OK},
	{UPAGE, UPAGE, ACC_U | IMPL, 0, SMAP, AC, E_P},
	/* FETCH wins over WRITE. */
	{UPAGE, P | US, ACC_U | ACC_X | ACC_W, WP, 0, 0, OK},
};

static void permissions(void **state)
{
	const u64 la = 0x00007f0000401000ULL;
	unsigned int i;

	(void)state;
	map64(c.cr3, 39, la, 0x5000, 12, UPAGE, UPAGE);
	for (i = 0; i < sizeof(perm_cases) / sizeof(perm_cases[0]); i++) {
		const struct perm_case *pc = &perm_cases[i];
		u64 gpa = 0;
		int ret;

		put64(entry_at(c.cr3, 39, la, 39),
		      (get64(entry_at(c.cr3, 39, la, 39)) & ~(RW | US | NX)) | pc->pml4_flags);
		put64(entry_at(c.cr3, 39, la, 12), 0x5000 | pc->pte_flags);
		c.cr0 = X86_CR0_PE | X86_CR0_PG | pc->cr0_wp;
		c.cr4 = X86_CR4_PAE | pc->cr4;
		c.rflags = pc->rflags;
		memset(&fault, 0, sizeof(fault));
		ret = walk(la + 0x10, pc->access, &gpa);
		if (pc->error_code == OK) {
			if (ret != 0 || gpa != 0x5010)
				fail_msg("case %u: %d, error code %#x", i, ret, fault.error_code);
		} else if (ret != -EFAULT || fault.error_code != pc->error_code ||
			   fault.address != la + 0x10) {
			fail_msg("case %u: %d, error code %#x", i, ret, fault.error_code);
		}
	}
}

static void not_present_at_each_level(void **state)
{
	const u64 la = 0x00007f0000401000ULL;
	unsigned int shift;

	(void)state;
	for (shift = 39; shift >= 12; shift -= 9) {
		u64 e;

		setup_4level(NULL);
		map64(c.cr3, 39, la, 0x5000, 12, UPAGE, UPAGE);
		e = entry_at(c.cr3, 39, la, shift);
		put64(e, get64(e) & ~P);
		assert_pf(la + 8, ACC_R, 0);
		assert_pf(la + 8, ACC_W | ACC_U, PFERR_WRITE | PFERR_USER);
		assert_pf(la + 8, ACC_X | ACC_U, PFERR_USER | PFERR_FETCH);
		/* Not present beats a reserved bit in the same entry. */
		put64(e, get64(e) | (1ULL << 50));
		assert_pf(la + 8, ACC_R, 0);
	}
	/* A reserved bit in a higher level beats a not-present entry lower down. */
	put64(entry_at(c.cr3, 39, la, 39), get64(entry_at(c.cr3, 39, la, 39)) | (1ULL << 50));
	assert_pf(la + 8, ACC_R, PFERR_PRESENT | PFERR_RSVD);
}

static void accessed_and_dirty_flags(void **state)
{
	const u64 la = 0x00007f0000401000ULL;
	u64 e[4];
	unsigned int i;

	(void)state;
	c.cmpxchg_gpa = test_cmpxchg_gpa;
	map64(c.cr3, 39, la, 0x5000, 12, UPAGE, UPAGE);
	for (i = 0; i < 4; i++)
		e[i] = entry_at(c.cr3, 39, la, 39 - 9 * i);
	/* A read sets A everywhere and D nowhere. */
	assert_maps(la, ACC_R, 0x5000);
	for (i = 0; i < 4; i++) {
		assert_true(get64(e[i]) & PTE_A);
		assert_false(get64(e[i]) & PTE_D);
	}
	assert_int_equal(cmpxchgs, 4);
	/* Nothing to do the second time. */
	assert_maps(la, ACC_R, 0x5000);
	assert_int_equal(cmpxchgs, 4);
	/* A write sets D in the leaf only. */
	assert_maps(la, ACC_W, 0x5000);
	assert_int_equal(cmpxchgs, 5);
	assert_true(get64(e[3]) & PTE_D);
	for (i = 0; i < 3; i++)
		assert_false(get64(e[i]) & PTE_D);
	/* A fault sets nothing. */
	put64(e[3], 0x6000 | P | US);
	assert_pf(la, ACC_W, PFERR_PRESENT | PFERR_WRITE);
	assert_int_equal(get64(e[3]), 0x6000 | P | US);
	/* A 2-MByte page gets D in the PDE. */
	map64(c.cr3, 39, 0x40000000ULL, 0x200000ULL, 21, P | RW, P | RW);
	assert_maps(0x40000000ULL, ACC_W, 0x200000ULL);
	assert_int_equal(get64(entry_at(c.cr3, 39, 0x40000000ULL, 21)),
			 0x200000ULL | P | RW | PTE_PS | PTE_A | PTE_D);
	/* A concurrent change restarts the walk; a persistent one gives up with -EBUSY. */
	put64(e[3], 0x5000 | UPAGE);
	busy_calls = 1;
	assert_maps(la, ACC_W, 0x5000);
	assert_int_equal(get64(e[3]), 0x5000 | UPAGE | PTE_A | PTE_D);
	put64(e[3], 0x5000 | UPAGE);
	busy_calls = 100;
	assert_int_equal(walk(la, ACC_W, &(u64){0}), -EBUSY);
	busy_calls = 0;
	cmpxchg_error = -ENOENT;
	assert_int_equal(walk(la, ACC_W, &(u64){0}), -EIO);
}

static void accessed_flags_32bit_and_pae(void **state)
{
	u64 pd = alloc_table(), pt = alloc_table(), pdpt;

	(void)state;
	c.cmpxchg_gpa = test_cmpxchg_gpa;
	c.cr4 = 0;
	c.efer = 0;
	c.cr3 = pd;
	put32(pd + 4, pt | P | RW);
	put32(pt + 4, 0x9000 | P | RW);
	assert_maps(0x00401000, ACC_W, 0x9000);
	assert_int_equal(get32(pd + 4), pt | P | RW | PTE_A);
	assert_int_equal(get32(pt + 4), 0x9000 | P | RW | PTE_A | PTE_D);

	/* PAE PDPTEs have no accessed flag. */
	c.cr4 = X86_CR4_PAE;
	c.maxphyaddr = 36;
	pdpt = alloc_table();
	c.cr3 = pdpt;
	map64(pdpt, 30, 0x00401000, 0x5000, 12, P | RW, P | RW);
	cmpxchgs = 0;
	assert_maps(0x00401000, ACC_R, 0x5000);
	assert_int_equal(cmpxchgs, 2);
	assert_int_equal(get64(pdpt), (get64(pdpt) & 0x000ffffffffff000ULL) | P);
}

static void read_failures_are_not_page_faults(void **state)
{
	const u64 la = 0x00007f0000401000ULL;
	u64 gpa = 0x1234;

	(void)state;
	/* A table pointer outside guest memory. */
	map64(c.cr3, 39, la, 0x5000, 12, UPAGE, UPAGE);
	put64(entry_at(c.cr3, 39, la, 30), 0x7fff000000ULL | UPAGE);
	assert_int_equal(walk(la, ACC_R, &gpa), -EIO);
	assert_int_equal(gpa, 0x1234);
	assert_int_equal(fault.error_code, 0xeeeeeeee);
	c.cr3 = 0x7fff000000ULL;
	assert_int_equal(walk(la, ACC_R, &gpa), -EIO);
	/* Same in the other modes. */
	c.efer = 0;
	assert_int_equal(walk(0x1000, ACC_R, &gpa), -EIO);
	c.cr4 = 0;
	assert_int_equal(walk(0x1000, ACC_R, &gpa), -EIO);
	c.cr3 = 0x1000;
	put32(0x1000, 0x7fff0000 | P);
	assert_int_equal(walk(0x1000, ACC_R, &gpa), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(paging_off_is_identity, setup_4level),
		cmocka_unit_test_setup(four_level_page_sizes, setup_4level),
		cmocka_unit_test_setup(five_level_paging, setup_4level),
		cmocka_unit_test_setup(pae_paging, setup_4level),
		cmocka_unit_test_setup(pae_uses_the_loaded_pdptes, setup_4level),
		cmocka_unit_test_setup(thirty_two_bit_paging, setup_4level),
		cmocka_unit_test_setup(reserved_bits_four_level, setup_4level),
		cmocka_unit_test_setup(permissions, setup_4level),
		cmocka_unit_test_setup(not_present_at_each_level, setup_4level),
		cmocka_unit_test_setup(accessed_and_dirty_flags, setup_4level),
		cmocka_unit_test_setup(accessed_flags_32bit_and_pae, setup_4level),
		cmocka_unit_test_setup(read_failures_are_not_page_faults, setup_4level),
	};
	return cmocka_run_group_tests_name("guest_walk", tests, NULL, NULL);
}
