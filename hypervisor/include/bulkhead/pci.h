/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI configuration space: register layout of a type 0 header (PCI Local Bus 3.0,
 * chapter 6) and the hypervisor's access to the physical one. The access functions are
 * the architecture's (arch/x86/pci_cfg.c: configuration mechanism #1, ports 0xcf8/0xcfc,
 * segment 0 and the first 256 bytes of each function); they serialize among themselves.
 */
#ifndef BULKHEAD_PCI_H
#define BULKHEAD_PCI_H

#include <bulkhead/types.h>

/* Bus, device and function as one number: bus << 8 | device << 3 | function. */
#define PCI_BDF(bus, devfn) ((u16)((u16)(bus) << 8 | (devfn)))
#define PCI_BDF_BUS(bdf)    ((u8)((bdf) >> 8))
#define PCI_BDF_DEV(bdf)    ((u8)(((bdf) >> 3) & 0x1f))
#define PCI_BDF_FN(bdf)	    ((u8)((bdf)&7))

#define PCI_CFG_SIZE 256 /* what configuration mechanism #1 reaches */

/* Type 0 header registers. */
#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_CLASS_REV	   0x08
#define PCI_CACHE_LINE	   0x0c
#define PCI_LATENCY	   0x0d
#define PCI_HEADER_TYPE	   0x0e
#define PCI_BIST	   0x0f
#define PCI_BAR0	   0x10
#define PCI_BAR_COUNT	   6
#define PCI_CARDBUS_CIS	   0x28
#define PCI_SUBSYSTEM	   0x2c
#define PCI_ROM_BAR	   0x30
#define PCI_CAP_PTR	   0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d
#define PCI_HEADER_END	   0x40 /* capabilities and device-specific registers follow */

#define PCI_COMMAND_IO		 (1U << 0)
#define PCI_COMMAND_MEM		 (1U << 1)
#define PCI_COMMAND_MASTER	 (1U << 2)
#define PCI_COMMAND_MWI		 (1U << 4)
#define PCI_COMMAND_PARITY	 (1U << 6)
#define PCI_COMMAND_SERR	 (1U << 8)
#define PCI_COMMAND_INTX_DISABLE (1U << 10)

#define PCI_STATUS_INTX	    (1U << 3)
#define PCI_STATUS_CAP_LIST (1U << 4)
/* Error bits, cleared by writing 1 (master/target aborts, parity, SERR). */
#define PCI_STATUS_RW1C	    0xf900U

#define PCI_BAR_IO_SPACE   (1U << 0)
#define PCI_BAR_MEM_64	   (2U << 1) /* memory BAR type field, bits 2:1 */
#define PCI_BAR_MEM_PREF   (1U << 3)
#define PCI_BAR_IO_MASK	   0xfffffffcU
#define PCI_BAR_MEM_MASK   0xfffffff0U
#define PCI_HEADER_TYPE_MF 0x80 /* multi-function device */

/* Capability IDs (PCI Local Bus 3.0 appendix H) the hypervisor treats specially. */
#define PCI_CAP_ID_MSI	      0x05
#define PCI_CAP_ID_MSIX	      0x11
#define PCI_MSI_FLAGS_64      (1U << 7) /* in the message control word */
#define PCI_MSI_FLAGS_MASKBIT (1U << 8)

/*
 * Reads size (1, 2 or 4) bytes at offset of function bdf (segment 0); the access must not
 * cross a 4-byte boundary. A function that is not there reads all ones.
 */
u32 pci_cfg_read(u16 bdf, u32 offset, u32 size);
void pci_cfg_write(u16 bdf, u32 offset, u32 size, u32 value);

#endif
