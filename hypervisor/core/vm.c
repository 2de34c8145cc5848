// SPDX-License-Identifier: BSD-3-Clause
/*
 * VMs at run time: creation from the configuration, guest image loading, the life cycle
 * and the loop every physical CPU ends in.
 *
 * Life-cycle changes are asynchronous requests (see bulkhead/vm.h): whoever asks (a vCPU
 * exit handler, the debug shell) sets the VM's next state, asks every vCPU to park and
 * kicks their CPUs. The CPU of vCPU 0 finishes the change once all vCPUs are parked: it
 * reloads the images and restarts the VM, or marks it stopped. Nothing ever waits for
 * another CPU with a lock held, and nothing a guest does reaches another VM.
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/guest_loader.h>
#include <bulkhead/init.h>
#include <bulkhead/log.h>
#include <bulkhead/multiboot2.h>
#include <bulkhead/printf.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <bulkhead/vm_console.h>
#include <bulkhead/vm_devices.h>
#include <bulkhead/vplatform.h>
#include <asm/vmsr.h>

/* vm_warn() rate limit: a burst, then one message per interval. */
#define VM_WARN_BURST	    20
#define VM_WARN_INTERVAL_NS 100000000ULL

static struct vm vms[CONFIG_MAX_VMS];
static size_t nvms;
static struct vcpu *pcpu_vcpus[CONFIG_MAX_PCPUS];

size_t vm_count(void)
{
	return nvms;
}

struct vm *vm_get(u32 id)
{
	return id < nvms ? &vms[id] : NULL;
}

struct vcpu *vcpu_on_pcpu(u32 pcpu)
{
	return pcpu < CONFIG_MAX_PCPUS ? pcpu_vcpus[pcpu] : NULL;
}

const char *vm_state_name(enum vm_state state)
{
	static const char *const names[] = {
		[VM_STATE_CREATED] = "created",	  [VM_STATE_STARTING] = "starting",
		[VM_STATE_RUNNING] = "running",	  [VM_STATE_RESETTING] = "resetting",
		[VM_STATE_STOPPING] = "stopping", [VM_STATE_STOPPED] = "stopped",
	};

	return (unsigned int)state < ARRAY_SIZE(names) ? names[state] : "?";
}

const char *vcpu_state_name(enum vcpu_state state)
{
	static const char *const names[] = {
		[VCPU_OFFLINE] = "offline",
		[VCPU_RUNNING] = "running",
		[VCPU_PARKED] = "parked",
		[VCPU_STOPPED] = "stopped",
	};

	return (unsigned int)state < ARRAY_SIZE(names) ? names[state] : "?";
}

/* --- Guest memory through the hypervisor's identity map of host-physical memory. --- */

/*
 * Reads the VM's RAM into dst, or (dst NULL) writes src there, zeros when src is NULL.
 * The range may span adjoining regions; all of it must be RAM, which is checked before
 * anything is copied. 0 or -EFAULT.
 */
static int vm_access_guest(struct vm *vm, u64 gpa, void *dst, const void *src, u64 len)
{
	const struct vm_config *c = vm->config;

	if (len && gpa + len - 1 < gpa)
		return -EFAULT;
	for (int pass = 0; pass < 2; pass++) {
		for (u64 at = gpa, left = len; left;) {
			const struct vm_mem_region *r = NULL;
			void *hva;
			u64 n;

			for (u32 i = 0; i < c->mem_region_count && !r; i++)
				if (at >= c->mem_regions[i].gpa &&
				    at - c->mem_regions[i].gpa < c->mem_regions[i].size)
					r = &c->mem_regions[i];
			if (!r)
				return -EFAULT;
			n = MIN(left, r->size - (at - r->gpa));
			hva = (void *)(r->hpa + (at - r->gpa));
			if (pass && dst)
				memcpy((u8 *)dst + (at - gpa), hva, n);
			else if (pass && src)
				memcpy(hva, (const u8 *)src + (at - gpa), n);
			else if (pass)
				memset(hva, 0, n);
			at += n;
			left -= n;
		}
	}
	return 0;
}

int vm_read_guest(struct vm *vm, u64 gpa, void *dst, u64 len)
{
	return vm_access_guest(vm, gpa, dst, NULL, len);
}

int vm_write_guest(struct vm *vm, u64 gpa, const void *src, u64 len)
{
	return vm_access_guest(vm, gpa, NULL, src, len);
}

/* The loaders' write callback (they only write ranges inside one region). */
static u64 vm_copy_to(void *ctx, u64 gpa, const void *src, u64 len)
{
	return vm_access_guest(ctx, gpa, NULL, src, len) ? 0 : len;
}

static void vm_guest_mem(struct vm *vm, struct guest_mem *mem)
{
	*mem = (struct guest_mem){
		.copy_to = vm_copy_to,
		.ctx = vm,
		.regions = vm->config->mem_regions,
		.region_count = vm->config->mem_region_count,
	};
}

/* The module whose first word (the tag GRUB was given) is tag. */
static const struct mb2_module *find_module(const char *tag)
{
	const struct boot_info *info = boot_info_get();
	size_t len = strlen(tag);

	for (size_t i = 0; i < info->module_count; i++) {
		const char *s = info->modules[i].string;

		if (strncmp(s, tag, len) == 0 && (s[len] == '\0' || s[len] == ' '))
			return &info->modules[i];
	}
	return NULL;
}

static const char *const kernel_type_names[] = {
	[KERNEL_ELF] = "ELF",
	[KERNEL_BZIMAGE] = "bzImage",
	[KERNEL_RAW] = "raw",
	[KERNEL_MULTIBOOT] = "multiboot",
};

/*
 * The VM's ACPI tables (if it has any) at VPLAT_ACPI_GPA, copied again at every boot (the
 * guest may have written to them) and reserved in mem before the kernel loader runs. The
 * generator checked the size and the RAM; the hypervisor does not rely on it.
 */
static int vm_load_acpi(struct vm *vm, struct guest_mem *mem)
{
	const struct vm_config *c = vm->config;
	int err;

	if (!c->acpi_tables || !c->acpi_tables_size)
		return 0;
	if (c->acpi_tables_size > VPLAT_ACPI_MAX) {
		pr_err("vm%u (%s): its ACPI tables take %u bytes, more than the %u reserved for "
		       "them at 0x%llx\n",
		       vm->id, c->name, c->acpi_tables_size, (unsigned int)VPLAT_ACPI_MAX,
		       VPLAT_ACPI_GPA);
		return -E2BIG;
	}
	err = guest_load_acpi(mem, VPLAT_ACPI_GPA, c->acpi_tables, c->acpi_tables_size);
	if (err)
		pr_err("vm%u (%s): cannot put its ACPI tables at 0x%llx-0x%llx: %s (error %d)\n",
		       vm->id, c->name, VPLAT_ACPI_GPA, VPLAT_ACPI_GPA + c->acpi_tables_size,
		       err == -EFAULT ? "its RAM does not cover them" : "cannot reserve them", err);
	return err;
}

static int vm_load_images(struct vm *vm, struct guest_entry *entry, u64 *cr3, u64 *gdt)
{
	const struct vm_boot_config *b = &vm->config->boot;
	const struct mb2_module *kernel = find_module(b->kernel_tag), *initrd = NULL;
	const void *image, *rd = NULL;
	u64 size, rd_size = 0;
	struct guest_mem mem;
	int err;

	if (!kernel) {
		pr_err("vm%u: no boot module tagged \"%s\" for its kernel\n", vm->id,
		       b->kernel_tag);
		return -ENOENT;
	}
	if (b->initrd_tag) {
		initrd = find_module(b->initrd_tag);
		if (!initrd) {
			pr_err("vm%u: no boot module tagged \"%s\" for its initrd\n", vm->id,
			       b->initrd_tag);
			return -ENOENT;
		}
		rd = (const void *)initrd->start;
		rd_size = initrd->end - initrd->start;
	}
	image = (const void *)kernel->start;
	size = kernel->end - kernel->start;
	vm_guest_mem(vm, &mem);
	err = vm_load_acpi(vm, &mem);
	if (err)
		return err;
	memset(entry, 0, sizeof(*entry));
	switch (b->kernel_type) {
	case KERNEL_ELF:
		err = guest_load_elf(image, size, &mem, entry);
		break;
	case KERNEL_RAW:
		err = guest_load_raw(image, size, b->load_addr, b->entry, &mem, entry);
		break;
	case KERNEL_BZIMAGE:
		err = guest_load_bzimage(image, size, rd, rd_size, b->cmdline, &mem, entry);
		break;
	case KERNEL_MULTIBOOT:
		err = guest_load_multiboot(image, size, rd, rd_size, b->initrd_tag, b->cmdline,
					   &mem, entry);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (err == -EBUSY) {
		pr_err("vm%u (%s): its %s kernel \"%s\" overlaps its ACPI tables at "
		       "0x%llx-0x%llx (firmware-reserved)\n",
		       vm->id, vm->config->name, kernel_type_names[b->kernel_type], b->kernel_tag,
		       (unsigned long long)mem.reserved[0][0],
		       (unsigned long long)mem.reserved[0][1]);
		return err;
	}
	if (err) {
		pr_err("vm%u: cannot load its %s kernel \"%s\" (error %d)\n", vm->id,
		       kernel_type_names[b->kernel_type], b->kernel_tag, err);
		return err;
	}
	*cr3 = *gdt = 0;
	if (entry->long_mode) {
		err = guest_build_boot_tables(&mem, entry, cr3, gdt);
		if (err) {
			pr_err("vm%u: no room for the 64-bit boot page tables (error %d)\n", vm->id,
			       err);
			return err;
		}
	}
	pr_info("vm%u: %s kernel \"%s\" loaded (%llu bytes), entry 0x%llx\n", vm->id,
		kernel_type_names[b->kernel_type], b->kernel_tag, (unsigned long long)size,
		(unsigned long long)entry->rip);
	return 0;
}

/* --- Creation. --- */

/* A VM that could not be created gives its CPUs back and never runs. */
static void vm_release_cpus(struct vm *vm)
{
	for (u32 i = 0; i < vm->vcpu_count; i++)
		pcpu_vcpus[vm->vcpus[i].pcpu] = NULL;
	vm->vcpu_count = 0;
}

static int vm_create(u32 id, const struct vm_config *cfg)
{
	struct vm *vm = &vms[id];
	u32 n = 0;
	int err;

	vm->id = id;
	vm->config = cfg;
	vm->warn_tokens = VM_WARN_BURST;
	spin_lock_init(&vm->lock);
	vm->state = VM_STATE_CREATED;
	io_bus_init(&vm->pio, 0x10000);
	io_bus_init(&vm->mmio, 1ULL << 52);
	if (cfg->load_order == VM_POST_LAUNCHED) {
		/* Its resources are the Service VM's until the device model launches it. */
		vm->state = VM_STATE_STOPPED;
		snprintf(vm->stop_reason, sizeof(vm->stop_reason),
			 "post-launched: not supported yet (needs the Service VM's device model)");
		return 0;
	}
	for (u32 cpu = 0; cpu < CONFIG_MAX_PCPUS && n < cfg->vcpu_count; cpu++) {
		struct vcpu *vcpu = &vm->vcpus[n];

		if (!(cfg->pcpu_bitmap & (1ULL << cpu)))
			continue;
		if (cpu >= arch_cpu_count_online() || pcpu_vcpus[cpu]) {
			pr_err("vm%u: physical CPU %u is offline or taken\n", id, cpu);
			vm->vcpu_count = n;
			vm_release_cpus(vm);
			return -EBUSY;
		}
		vcpu->vm = vm;
		vcpu->id = n++;
		vcpu->pcpu = cpu;
		vcpu->state = VCPU_OFFLINE;
		pcpu_vcpus[cpu] = vcpu;
	}
	vm->vcpu_count = n;
	err = vm_vendor_init(vm);
	if (!err)
		err = vm_devices_init(vm);
	if (err)
		vm_release_cpus(vm);
	return err;
}

/* --- Life cycle. --- */

void vcpu_kick(struct vcpu *vcpu)
{
	if (vcpu->pcpu != arch_cpu_id())
		arch_kick_cpu(vcpu->pcpu);
}

/* Asks every vCPU to leave the guest; the CPU of vCPU 0 then completes the change. */
static int vm_request(struct vm *vm, enum vm_state next, const char *reason)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	int err = 0;

	if (vm->vcpu_count == 0) {
		err = -ENODEV; /* not created (see its stop reason) */
	} else if (next == VM_STATE_STARTING &&
		   (vm->state == VM_STATE_CREATED || vm->state == VM_STATE_STOPPED)) {
		vm->state = next;
	} else if (next != VM_STATE_STARTING && vm->state == VM_STATE_RUNNING) {
		vm->state = next;
		snprintf(vm->stop_reason, sizeof(vm->stop_reason), "%s", reason);
		for (u32 i = 0; i < vm->vcpu_count; i++)
			__atomic_fetch_or(&vm->vcpus[i].requests, VCPU_REQ_PARK, __ATOMIC_SEQ_CST);
	} else {
		err = -EBUSY;
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	if (!err)
		for (u32 i = 0; i < vm->vcpu_count; i++)
			vcpu_kick(&vm->vcpus[i]);
	return err;
}

int vm_start(struct vm *vm)
{
	return vm_request(vm, VM_STATE_STARTING, "");
}

int vm_stop(struct vm *vm, const char *reason)
{
	return vm_request(vm, VM_STATE_STOPPING, reason);
}

int vm_reset(struct vm *vm, const char *reason)
{
	return vm_request(vm, VM_STATE_RESETTING, reason);
}

void vm_guest_reset(struct vm *vm, const char *what)
{
	pr_info("vm%u: guest reset (%s)\n", vm->id, what);
	if (vm->config->reset_policy == VM_POLICY_STOP)
		vm_stop(vm, what);
	else
		vm_reset(vm, what);
}

void vm_guest_fatal(struct vcpu *vcpu, const char *fmt, ...)
{
	char reason[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	pr_err("vm%u vcpu%u: %s; stopping the VM\n", vcpu->vm->id, vcpu->id, reason);
	vm_stop(vcpu->vm, reason);
}

/*
 * Warnings a guest can cause are rate-limited per VM (a burst of VM_WARN_BURST, then one
 * per VM_WARN_INTERVAL_NS): a guest that loops on a bad access must not flood the
 * console, which all CPUs share, and so slow down the hypervisor for the other VMs.
 */

void vm_warn(struct vm *vm, const char *fmt, ...)
{
	u64 now = arch_time_ns(), flags;
	bool allowed;
	u32 suppressed;
	char text[160];
	va_list ap;

	flags = spin_lock_irqsave(&vm->lock);
	if (vm->warn_tokens < VM_WARN_BURST && now - vm->warn_refill >= VM_WARN_INTERVAL_NS) {
		u64 earned = (now - vm->warn_refill) / VM_WARN_INTERVAL_NS;

		vm->warn_tokens = earned >= VM_WARN_BURST - vm->warn_tokens
					  ? VM_WARN_BURST
					  : vm->warn_tokens + (u32)earned;
		vm->warn_refill = now;
	}
	allowed = vm->warn_tokens > 0;
	if (allowed)
		vm->warn_tokens--;
	else
		vm->warn_suppressed++;
	suppressed = allowed ? vm->warn_suppressed : 0;
	if (allowed)
		vm->warn_suppressed = 0;
	spin_unlock_irqrestore(&vm->lock, flags);
	if (!allowed)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (suppressed)
		pr_warn("vm%u: %u similar messages suppressed\n", vm->id, suppressed);
	pr_warn("vm%u: %s\n", vm->id, text);
}

int vm_guest_bad_access(struct vcpu *vcpu, u64 gpa, const char *access)
{
	struct vm *vm = vcpu->vm;

	if (vm->config->bad_access_policy == VM_POLICY_STOP) {
		vm_guest_fatal(vcpu, "%s of guest-physical 0x%llx outside its memory", access,
			       (unsigned long long)gpa);
		return -EFAULT;
	}
	vm_warn(vm, "vcpu%u: %s of guest-physical 0x%llx outside its memory: #GP", vcpu->id, access,
		(unsigned long long)gpa);
	vcpu_inject_gp(vcpu);
	return 0;
}

/* On vCPU 0's CPU, all vCPUs parked: load and start (again). */
static void vm_boot(struct vm *vm)
{
	struct guest_entry entry;
	struct vcpu *bsp = &vm->vcpus[0];
	u64 cr3, gdt;
	int err;

	vm_devices_reset(vm);
	err = vm_load_images(vm, &entry, &cr3, &gdt);
	if (err) {
		snprintf(vm->stop_reason, sizeof(vm->stop_reason), "kernel load failed (%d)", err);
		for (u32 i = 0; i < vm->vcpu_count; i++)
			vm->vcpus[i].state = VCPU_STOPPED;
		vm->state = VM_STATE_STOPPED;
		pr_err("vm%u (%s): not started: %s\n", vm->id, vm->config->name, vm->stop_reason);
		return;
	}
	bsp->arch.start = (struct vcpu_start_state){
		.rip = entry.rip,
		.rax = entry.rax,
		.rbx = entry.rbx,
		.rsi = entry.rsi,
		.protected_mode = entry.protected_mode,
		.long_mode = entry.long_mode,
		.cr3 = cr3,
		.gdt_base = gdt,
	};
	bsp->start_pending = true;
	/* vm_devices_reset() gave every local APIC its power-on state: waiting for SIPI,
	 * an AP already takes INIT and start-up IPIs. */
	for (u32 i = 0; i < vm->vcpu_count; i++)
		vm->vcpus[i].power_on_pending = true; /* APs: at their first start-up IPI */
	for (u32 i = 1; i < vm->vcpu_count; i++)
		vm->vcpus[i].state = VCPU_OFFLINE;
	vm->boots++;
	vm->stop_reason[0] = '\0';
	__atomic_store_n(&vm->state, VM_STATE_RUNNING, __ATOMIC_SEQ_CST);
	bsp->state = VCPU_RUNNING;
	pr_info("vm%u (%s): started on %u vCPU(s), boot %u\n", vm->id, vm->config->name,
		vm->vcpu_count, vm->boots);
}

static bool all_parked(const struct vm *vm)
{
	for (u32 i = 0; i < vm->vcpu_count; i++) {
		enum vcpu_state s = vm->vcpus[i].state;

		if (s == VCPU_RUNNING || vm->vcpus[i].requests)
			return false;
	}
	return true;
}

/* vCPU 0's CPU: complete a pending life-cycle change once nobody is in the guest. */
static void vm_complete_request(struct vm *vm)
{
	enum vm_state s = vm->state;

	if (s == VM_STATE_RUNNING || s == VM_STATE_CREATED || s == VM_STATE_STOPPED ||
	    !all_parked(vm))
		return;
	if (s == VM_STATE_STOPPING) {
		for (u32 i = 0; i < vm->vcpu_count; i++)
			vm->vcpus[i].state = VCPU_STOPPED;
		/* No device timer of a stopped VM keeps firing. */
		vm_devices_reset(vm);
		vm->state = VM_STATE_STOPPED;
		pr_info("vm%u (%s): stopped: %s\n", vm->id, vm->config->name, vm->stop_reason);
		return;
	}
	if (s == VM_STATE_RESETTING)
		pr_info("vm%u (%s): resetting: %s\n", vm->id, vm->config->name, vm->stop_reason);
	vm_boot(vm);
}

static void vcpu_service(struct vcpu *vcpu)
{
	if (!vcpu->initialized) {
		int err = vcpu_vendor_init(vcpu);

		if (err) {
			pr_err("vm%u vcpu%u: cannot set up (error %d)\n", vcpu->vm->id, vcpu->id,
			       err);
			vcpu->state = VCPU_STOPPED;
			pcpu_vcpus[vcpu->pcpu] = NULL;
			return;
		}
		vcpu->initialized = true;
	}
	if (vcpu->requests & VCPU_REQ_FLUSH_GPA) {
		__atomic_fetch_and(&vcpu->requests, ~VCPU_REQ_FLUSH_GPA, __ATOMIC_SEQ_CST);
		vcpu_vendor_flush_gpa(vcpu);
	}
	if (vcpu->requests & VCPU_REQ_INIT) {
		/* INIT: out of the guest, waiting for a start-up IPI (SDM Vol 3A 9.4.4). */
		if (vcpu->state == VCPU_RUNNING)
			vcpu->state = VCPU_OFFLINE;
		vcpu_vendor_park(vcpu);
		__atomic_fetch_and(&vcpu->requests, ~VCPU_REQ_INIT, __ATOMIC_SEQ_CST);
	}
	if (vcpu->requests & VCPU_REQ_PARK) {
		if (vcpu->state == VCPU_RUNNING)
			vcpu->state = VCPU_PARKED;
		vcpu_vendor_park(vcpu); /* before the VM's devices and vLAPICs are reset */
		__atomic_fetch_and(&vcpu->requests, ~VCPU_REQ_PARK, __ATOMIC_SEQ_CST);
		if (vcpu->id != 0)
			vcpu_kick(&vcpu->vm->vcpus[0]);
	}
	if (vcpu->id == 0)
		vm_complete_request(vcpu->vm);
	if (vcpu->state == VCPU_RUNNING && vcpu->start_pending) {
		vcpu_vendor_reset(vcpu);
		vmsr_reset(vcpu, vcpu->power_on_pending);
		vcpu->power_on_pending = false;
		vcpu->start_pending = false;
	}
	if (vcpu->state == VCPU_RUNNING && !vcpu->requests)
		vcpu_vendor_run(vcpu);
}

void vcpu_send_init(struct vcpu *target)
{
	/* The boot vCPU keeps running: a VM resets through its reset ports instead. */
	if (target->id == 0)
		return;
	__atomic_fetch_or(&target->requests, VCPU_REQ_INIT, __ATOMIC_SEQ_CST);
	vcpu_kick(target);
}

void vcpu_send_sipi(struct vcpu *target, u8 vector)
{
	struct vm *vm = target->vm;
	u64 flags = spin_lock_irqsave(&vm->lock);

	/* Only a vCPU waiting for SIPI starts; otherwise the IPI is ignored (SDM 9.4.4). */
	if (vm->state == VM_STATE_RUNNING && target->state == VCPU_OFFLINE &&
	    !(target->requests & VCPU_REQ_INIT)) {
		target->arch.start = (struct vcpu_start_state){.rip = (u64)vector << 12};
		target->start_pending = true;
		__atomic_store_n(&target->state, VCPU_RUNNING, __ATOMIC_SEQ_CST);
		pr_info("vm%u: vcpu%u started at 0x%x by start-up IPI\n", vm->id, target->id,
			vector << 12);
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	vcpu_kick(target);
}

int vcpu_halt(struct vcpu *vcpu)
{
	/*
	 * Interrupts are off from the check to the halt (arch_cpu_idle enables them as it
	 * halts), so a kick or timer that posts an event in between still wakes the CPU.
	 */
	while (!vcpu->requests) {
		if (vcpu_vendor_has_event(vcpu))
			return 0;
		arch_cpu_idle();
	}
	return -EINTR;
}

void pcpu_run_loop(void)
{
	u32 cpu = arch_cpu_id();

	for (;;) {
		struct vcpu *vcpu = pcpu_vcpus[cpu];

		if (vcpu)
			vcpu_service(vcpu);
		/*
		 * Halt unless there is work: a runnable vCPU or a request to act on (its kick
		 * may already have been taken). A kick or any interrupt wakes the CPU.
		 */
		arch_irq_disable(); /* no kick can slip in between the check and the halt */
		vcpu = pcpu_vcpus[cpu];
		if (!vcpu || (vcpu->state != VCPU_RUNNING && !vcpu->requests))
			arch_cpu_idle();
		arch_irq_enable();
	}
}

int vms_init(void)
{
	size_t count = vm_config_count();

	if (count > CONFIG_MAX_VMS)
		return -E2BIG;
	for (u32 id = 0; id < count; id++) {
		int err;

		nvms = id + 1; /* vm_get() of this VM works while it is set up */
		err = vm_create(id, vm_config(id));
		if (err) {
			/* Only this VM is lost: the others are created and started. */
			pr_err("vm%u (%s): cannot be created (error %d); it will not run\n", id,
			       vm_config(id)->name, err);
			vms[id].state = VM_STATE_STOPPED;
			snprintf(vms[id].stop_reason, sizeof(vms[id].stop_reason),
				 "not created (error %d)", err);
		}
	}
	vm_devices_link();
	for (u32 id = 0; id < nvms; id++)
		if (vms[id].vcpu_count)
			vm_start(&vms[id]);
	return 0;
}
