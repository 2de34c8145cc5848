// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host program, built and run before the hypervisor: compiles the configuration tables
 * (generated or built-in) with the hypervisor's own headers and Kconfig values, and
 * checks the invariants the hypervisor relies on. It is a second line behind
 * `bulkhead-config validate`, independent of the Python code, so a generator bug
 * cannot hand the hypervisor tables it would misbehave on.
 * Exit status 0 when every check passes; 1 after printing each violation.
 */
#include <stdio.h>
#include <string.h>
#include <bulkhead/layout.h>
#include <bulkhead/vm_config.h>

#define CR4_VMXE  (1ULL << 13)
#define CR4_SMXE  (1ULL << 14)
#define PAGE_MASK 0xfffULL

static int failures;

static void fail(const char *what, size_t vm, const char *detail)
{
	fprintf(stderr, "config check: VM %zu: %s%s%s\n", vm, what, detail ? ": " : "",
		detail ? detail : "");
	failures++;
}

static int popcount64(unsigned long long v)
{
	return __builtin_popcountll(v);
}

static int ranges_overlap(unsigned long long a, unsigned long long asize, unsigned long long b,
			  unsigned long long bsize)
{
	return a < b + bsize && b < a + asize;
}

static void check_memory(size_t id, const struct vm_config *vm)
{
	const unsigned long long hv_start = CONFIG_HV_LOAD_ADDR;

	if (vm->load_order == VM_PRE_LAUNCHED && vm->mem_region_count == 0)
		fail("pre-launched VM without static memory regions", id, NULL);
	for (unsigned int i = 0; i < vm->mem_region_count; i++) {
		const struct vm_mem_region *r = &vm->mem_regions[i];

		if ((r->gpa | r->hpa | r->size) & PAGE_MASK)
			fail("memory region not 4 KiB aligned", id, NULL);
		if (r->size == 0 || r->hpa + r->size < r->hpa)
			fail("memory region empty or wrapping", id, NULL);
		if (ranges_overlap(r->hpa, r->size, hv_start, HV_RESERVED_SIZE))
			fail("memory region overlaps the hypervisor", id, NULL);
		for (size_t o = 0; o < vm_configs_count; o++) {
			const struct vm_config *other = &vm_configs[o];

			for (unsigned int j = 0; j < other->mem_region_count; j++) {
				if (o == id && j == i)
					continue;
				if (ranges_overlap(r->hpa, r->size, other->mem_regions[j].hpa,
						   other->mem_regions[j].size))
					fail("memory region overlaps another region", id,
					     other->name);
			}
		}
	}
}

static void check_vuarts(size_t id, const struct vm_config *vm)
{
	for (unsigned int i = 0; i < vm->vuart_count; i++) {
		const struct vuart_config *u = &vm->vuarts[i];
		const struct vm_config *peer;
		int linked_back = 0;

		if (u->type != VUART_LINK)
			continue;
		peer = vm_config(u->target_vm);
		if (!peer || u->target_vm == id) {
			fail("vUART link to a missing VM or to itself", id, NULL);
			continue;
		}
		for (unsigned int j = 0; j < peer->vuart_count; j++) {
			const struct vuart_config *p = &peer->vuarts[j];

			if (p->index == u->target_vuart && p->type == VUART_LINK &&
			    p->target_vm == id && p->target_vuart == u->index)
				linked_back = 1;
		}
		if (!linked_back)
			fail("vUART link not matched by the peer", id, peer->name);
	}
}

static void check_vm(size_t id, const struct vm_config *vm)
{
	unsigned long long board_cpus =
		board_config.cpu_count
			? (board_config.cpu_count >= 64 ? ~0ULL
							: (1ULL << board_config.cpu_count) - 1)
			: ~0ULL;

	if (!vm->name || !vm->name[0])
		fail("VM without a name", id, NULL);
	if (vm->vcpu_count == 0 || vm->vcpu_count > CONFIG_MAX_VCPUS_PER_VM)
		fail("vCPU count outside 1..CONFIG_MAX_VCPUS_PER_VM", id, vm->name);
	if (vm->load_order != VM_POST_LAUNCHED &&
	    (unsigned int)popcount64(vm->pcpu_bitmap) != vm->vcpu_count)
		fail("vCPU count differs from the number of assigned physical CPUs", id, vm->name);
	if (vm->pcpu_bitmap & ~board_cpus)
		fail("physical CPU not on the board", id, vm->name);
	if (vm->pcpu_bitmap >> (CONFIG_MAX_PCPUS < 64 ? CONFIG_MAX_PCPUS : 63) >> 1)
		fail("physical CPU beyond CONFIG_MAX_PCPUS", id, vm->name);
	if (vm->ownership.cr4_guest_owned & (CR4_VMXE | CR4_SMXE))
		fail("CR4.VMXE/SMXE must stay host-owned", id, vm->name);
	if (vm->lapic_passthrough && vm->type != VM_REAL_TIME)
		fail("LAPIC passthrough on a VM that is not real-time", id, vm->name);
	/* CPU 0 keeps the hypervisor's timers (the VMs' device models, the debug shell). */
	if (vm->lapic_passthrough && (vm->pcpu_bitmap & 1))
		fail("LAPIC passthrough on physical CPU 0", id, vm->name);
	if (!vm->boot.kernel_tag && vm->load_order != VM_POST_LAUNCHED)
		fail("no kernel module tag", id, vm->name);
	if (vm->shmem_bitmap >> shmem_configs_count)
		fail("shared-memory region index out of range", id, vm->name);
	check_memory(id, vm);
	check_vuarts(id, vm);
}

int main(void)
{
	int services = 0;
	unsigned long long exclusive = 0;

	if (vm_configs_count > CONFIG_MAX_VMS) {
		fprintf(stderr, "config check: %zu VMs but CONFIG_MAX_VMS is %d\n",
			vm_configs_count, CONFIG_MAX_VMS);
		failures++;
	}
	for (size_t id = 0; id < vm_configs_count; id++) {
		const struct vm_config *vm = vm_config(id);

		check_vm(id, vm);
		services += vm->load_order == VM_SERVICE;
		/* Pre-launched and real-time VMs own their CPUs outright. */
		if (vm->load_order == VM_PRE_LAUNCHED || vm->type == VM_REAL_TIME) {
			if (exclusive & vm->pcpu_bitmap)
				fail("physical CPU shared with another partition", id, vm->name);
			exclusive |= vm->pcpu_bitmap;
		}
	}
	if (services > 1) {
		fprintf(stderr, "config check: %d Service VMs (at most one)\n", services);
		failures++;
	}
	for (size_t s = 0; s < shmem_configs_count; s++) {
		const struct shmem_config *shm = shmem_config(s);

		if (popcount64(shm->peer_bitmap) < 2 || (shm->size & (shm->size - 1)))
			fail("shared memory needs two peers and a power-of-two size", s, shm->name);
	}
	if (failures) {
		fprintf(stderr, "config check: %d problem(s) in %s\n", failures, vm_config_origin);
		return 1;
	}
	printf("config check: %zu VM(s), %zu shared-memory region(s), board %s: ok\n",
	       vm_configs_count, shmem_configs_count, board_config.name);
	return 0;
}
