/* SPDX-License-Identifier: BSD-3-Clause */
/* The hypervisor's own 4-level page tables (SDM Vol 3A 4.5). Identity mapped. */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H

#include <bulkhead/memmap.h>
#include <bulkhead/types.h>

#define PTE_P	      (1ULL << 0)
#define PTE_RW	      (1ULL << 1)
#define PTE_US	      (1ULL << 2)
#define PTE_PWT	      (1ULL << 3)
#define PTE_PCD	      (1ULL << 4)
#define PTE_A	      (1ULL << 5)
#define PTE_D	      (1ULL << 6)
#define PTE_PS	      (1ULL << 7)
#define PTE_G	      (1ULL << 8)
#define PTE_NX	      (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

/* Protection classes for paging_map(). */
enum page_prot {
	PROT_RW_NX, /* data */
	PROT_RO_NX, /* read-only data */
	PROT_RX,    /* code */
	PROT_MMIO,  /* device registers: uncached, RW, NX */
};

/* Builds the final tables from the memory map and switches to them on the BSP. */
int paging_init(const struct memmap *map);
/* CR3 value every CPU loads (below 4 GiB: APs load it in 32-bit mode). */
u64 paging_root(void);
/* Maps [addr, addr+size) identity with prot, splitting large pages as needed. */
int paging_map(paddr_t addr, u64 size, enum page_prot prot);
int paging_unmap(paddr_t addr, u64 size);

#endif
