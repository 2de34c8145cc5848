/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static configuration: the VMs of the scenario and the facts of the board it was
 * validated against. The tables are generated from the scenario and board XML by
 * `bulkhead-config generate` into the build directory, or taken from
 * hypervisor/config/builtin/ when no scenario is given. Everything else reads them
 * through the accessors at the end of this file.
 */
#ifndef BULKHEAD_VM_CONFIG_H
#define BULKHEAD_VM_CONFIG_H

#include <bulkhead/types.h>

enum vm_load_order {
	VM_PRE_LAUNCHED,  /* started by the hypervisor at boot, static memory */
	VM_SERVICE,	  /* the Service VM: started at boot, launches post-launched VMs */
	VM_POST_LAUNCHED, /* started by the Service VM's device model */
};

enum vm_type {
	VM_STANDARD,
	VM_REAL_TIME, /* dedicated CPUs, may pass the LAPIC through */
};

enum vm_kernel_type {
	KERNEL_ELF,
	KERNEL_BZIMAGE,	  /* Linux boot protocol */
	KERNEL_RAW,	  /* copied to load_addr, entered at entry */
	KERNEL_MULTIBOOT, /* multiboot (v1) kernel */
};

/* Guest-physical to host-physical mapping of a pre-launched VM's RAM. */
struct vm_mem_region {
	u64 gpa;
	u64 hpa;
	u64 size;
};

struct vm_boot_config {
	enum vm_kernel_type kernel_type;
	const char *kernel_tag; /* multiboot2 module tag of the kernel image */
	const char *initrd_tag; /* NULL when none */
	const char *cmdline;	/* "" when none */
	u64 load_addr;		/* KERNEL_RAW only */
	u64 entry;		/* KERNEL_RAW only */
};

enum vuart_type {
	VUART_CONSOLE, /* connected to the hypervisor console */
	VUART_LINK,    /* connected to a vUART of another VM */
};

struct vuart_config {
	u8 index;
	enum vuart_type type;
	u16 io_port;
	u8 irq;
	u16 target_vm;	 /* VUART_LINK only */
	u8 target_vuart; /* VUART_LINK only */
};

enum pci_bar_type {
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64, /* takes its index and the next one */
};

/* A BAR of a passed-through function, as the firmware assigned it (board XML). */
struct pci_bar_config {
	u8 index; /* 0-5 */
	enum pci_bar_type type;
	bool prefetchable;
	u64 address; /* host-physical address, or first port */
	u64 size;    /* a power of two */
};

/*
 * A PCI function passed through to a VM (doc/pci-passthrough.md). The VM sees it at the
 * same bus, device and function number, its BARs at the same addresses until the guest
 * moves them, and its INTx pin on vIOAPIC input guest_gsi (which its interrupt line
 * register reads), level-triggered and active low.
 */
struct pci_passthrough_config {
	u16 segment;
	u8 bus;
	u8 devfn;   /* device << 3 | function */
	u16 vendor; /* the board's IDs: the hypervisor checks them against the device */
	u16 device;
	const struct pci_bar_config *bars; /* ascending index; none when bar_count is 0 */
	u32 bar_count;
	u8 intx_pin;		  /* 0: no INTx; 1-4: INTA-INTD */
	u32 host_gsi;		  /* physical IOAPIC input the pin reaches (intx_pin != 0) */
	bool host_gsi_active_low; /* that input's polarity (it is level-triggered) */
	u8 guest_gsi;		  /* vIOAPIC input the VM sees the pin on */
};

/*
 * What happens when the guest accesses an MSR. Bits in guest_owned_mask of a TRAP entry
 * are written through to the shadow value; the rest are emulated against the virtual
 * value (see doc/architecture.md, "three contexts").
 */
enum msr_policy {
	MSR_PASSTHROUGH,
	MSR_TRAP,
	MSR_DENY, /* #GP on access */
};

struct msr_policy_config {
	u32 index;
	enum msr_policy policy;
	u64 guest_owned_mask;
};

/* Bits of CR0/CR4 the guest owns; every other bit is host-owned and trapped. */
struct vm_ownership {
	u64 cr0_guest_owned;
	u64 cr4_guest_owned;
	const struct msr_policy_config *msrs;
	u32 msr_count;
};

/* What the hypervisor does when a guest resets itself or touches memory it does not own. */
enum vm_policy {
	VM_POLICY_DEFAULT = 0, /* reset: reload and restart; bad access: inject #GP(0) */
	VM_POLICY_STOP,	       /* stop the VM and say why */
};

struct vm_config {
	const char *name;
	enum vm_load_order load_order;
	enum vm_type type;
	u64 pcpu_bitmap; /* physical CPUs (dense hypervisor CPU ids) the vCPUs run on */
	u32 vcpu_count;
	bool lapic_passthrough;
	u64 memory_size;			 /* total guest RAM */
	const struct vm_mem_region *mem_regions; /* pre-launched VMs only */
	u32 mem_region_count;
	struct vm_boot_config boot;
	const struct vuart_config *vuarts;
	u32 vuart_count;
	const struct pci_passthrough_config *pci_devices;
	u32 pci_device_count;
	u64 shmem_bitmap; /* shared-memory regions (indices into shmem_configs) */
	struct vm_ownership ownership;
	enum vm_policy reset_policy; /* guest reset (0xcf9, keyboard controller, triple fault) */
	enum vm_policy bad_access_policy; /* access outside its memory */
	/*
	 * ACPI tables generated for the VM (RSDP, XSDT, FADT, FACS, MADT, DSDT), laid out
	 * for guest-physical VPLAT_ACPI_GPA (bulkhead/vplatform.h); NULL when it has none.
	 */
	const u8 *acpi_tables;
	u32 acpi_tables_size;
};

/* A memory region shared between the VMs in peer_bitmap. */
struct shmem_config {
	const char *name;
	u64 hpa;
	u64 size;
	u64 peer_bitmap;
};

struct board_ioapic {
	u8 id;
	u64 address;
	u32 gsi_base;
};

struct board_iommu {
	u64 address;
	u16 segment;
	bool include_pci_all;
};

/* What the board XML said; the hypervisor cross-checks it against ACPI at boot. */
struct board_config {
	const char *name;
	u32 cpu_count; /* 0: not known at build time (built-in configuration) */
	const u32 *apic_ids;
	u32 ioapic_count;
	const struct board_ioapic *ioapics;
	u32 iommu_count;
	const struct board_iommu *iommus;
	u16 serial_port; /* I/O port of the board's first 16550 (ttyS0), 0 if none */
};

/* Defined by the configuration tables; read them only through the accessors below. */
extern const char vm_config_origin[]; /* what the tables were generated from */
extern const struct vm_config vm_configs[];
extern const size_t vm_configs_count;
extern const struct shmem_config shmem_configs[];
extern const size_t shmem_configs_count;
extern const struct board_config board_config;

size_t vm_config_count(void);
/* NULL when id is out of range. */
const struct vm_config *vm_config(size_t id);
size_t shmem_config_count(void);
const struct shmem_config *shmem_config(size_t id);
const struct board_config *board_info(void);

#endif
