// SPDX-License-Identifier: BSD-3-Clause
/* Fakes of what the debug shell calls (see fake_shell_env.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/arch.h>
#include <bulkhead/console.h>
#include <bulkhead/errno.h>
#include <bulkhead/vm_config.h>
#include <bulkhead/vm_console.h>
#include <bulkhead/vuart.h>
#include "fake_shell_env.h"

struct fake_shell_env env = {.focused_vm = -1, .console_present = true};

const char vm_config_origin[] = "test tables";

static const struct vuart_config vm0_vuarts[] = {
	{.index = 0, .type = VUART_LINK, .io_port = 0x2f8, .irq = 3},
	{.index = 1, .type = VUART_CONSOLE, .io_port = 0x3f8, .irq = 4},
};
static const struct vuart_config vm1_vuarts[] = {
	{.index = 0, .type = VUART_LINK, .io_port = 0x2f8, .irq = 3},
};

static void make_vms(void)
{
	memset(env.vms, 0, sizeof(env.vms));
	for (size_t i = 0; i < sizeof(env.vm0_ram); i++)
		env.vm0_ram[i] = (u8)i;
	memcpy(env.vm0_ram + 0x1000, "Bulkhead shell!\x01", 16);
	env.vm0_regions[0] = (struct vm_mem_region){.gpa = 0, .hpa = 0x2000000, .size = 0x2000};
	env.vm0_regions[1] =
		(struct vm_mem_region){.gpa = 0x2000, .hpa = 0x9000000, .size = 0x1000};
	env.configs[0] = (struct vm_config){
		.name = "linux-a",
		.load_order = VM_PRE_LAUNCHED,
		.vcpu_count = 2,
		.mem_regions = env.vm0_regions,
		.mem_region_count = 2,
		.vuarts = vm0_vuarts,
		.vuart_count = 2,
	};
	env.configs[1] = (struct vm_config){
		.name = "linux-b",
		.load_order = VM_POST_LAUNCHED,
		.vcpu_count = 1,
		.vuarts = vm1_vuarts,
		.vuart_count = 1,
	};
	for (u32 id = 0; id < 2; id++) {
		struct vm *vm = &env.vms[id];

		vm->id = id;
		vm->config = &env.configs[id];
		vm->vcpu_count = env.configs[id].vcpu_count;
		vm->vuart_count = env.configs[id].vuart_count;
		for (u32 i = 0; i < vm->vcpu_count; i++) {
			vm->vcpus[i].vm = vm;
			vm->vcpus[i].id = i;
			vm->vcpus[i].pcpu = id * 2 + i;
			vm->vcpus[i].initialized = true;
			vm->vcpus[i].state = VCPU_RUNNING;
			vm->vcpus[i].exits = 1000 * (id + 1) + i;
		}
	}
	env.vms[0].state = VM_STATE_RUNNING;
	env.vms[0].boots = 1;
	env.vms[1].state = VM_STATE_STOPPED;
	env.vms[1].boots = 2;
	snprintf(env.vms[1].stop_reason, sizeof(env.vms[1].stop_reason), "triple fault");
	env.vms[1].vcpus[0].state = VCPU_OFFLINE;
	env.nvms = 2;
}

void fake_shell_env_reset(void)
{
	make_vms();
	memset(&env.lifecycle, 0, sizeof(env.lifecycle));
	env.focus_calls = 0;
	env.received_len = 0;
	env.received_by = NULL;
	env.dumped = NULL;
	env.run_on_cpu_calls = 0;
	env.run_on_cpu_result = 0;
	env.resets = 0;
	env.poll_started = NULL;
	env.poll_start_result = 0;
	env.input_len = env.input_pos = 0;
	env.getc_calls = 0;
	env.console_present = true;
	env.out_len = 0;
	env.out[0] = '\0';
	env.write_count = 0;
	log_ring_init(&env.ring, env.ring_buf, sizeof(env.ring_buf));
}

/* --- VMs. --- */

const struct ptirq_line *ptirq_find(const struct vm *vm, u32 guest_gsi)
{
	return vm && env.ptirq.vm == vm && env.ptirq.guest_gsi == guest_gsi ? &env.ptirq : NULL;
}

size_t vm_count(void)
{
	return env.nvms;
}

struct vm *vm_get(u32 id)
{
	return id < env.nvms ? &env.vms[id] : NULL;
}

static int record_lifecycle(const char *op, struct vm *vm, const char *reason)
{
	env.lifecycle.op = op;
	env.lifecycle.vm = vm;
	snprintf(env.lifecycle.reason, sizeof(env.lifecycle.reason), "%s", reason);
	env.lifecycle.calls++;
	return env.lifecycle.result;
}

int vm_start(struct vm *vm)
{
	return record_lifecycle("start", vm, "");
}

int vm_stop(struct vm *vm, const char *reason)
{
	return record_lifecycle("stop", vm, reason);
}

int vm_reset(struct vm *vm, const char *reason)
{
	return record_lifecycle("reset", vm, reason);
}

int vm_read_guest(struct vm *vm, u64 gpa, void *dst, u64 len)
{
	if (vm != &env.vms[0] || gpa >= FAKE_VM0_RAM_SIZE || len > FAKE_VM0_RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(dst, env.vm0_ram + gpa, len);
	return 0;
}

const char *vm_state_name(enum vm_state state)
{
	return state == VM_STATE_RUNNING   ? "running"
	       : state == VM_STATE_STOPPED ? "stopped"
					   : "other";
}

const char *vcpu_state_name(enum vcpu_state state)
{
	return state == VCPU_RUNNING ? "running" : "offline";
}

int vm_console_focus(int vm_id)
{
	env.focused_vm = vm_id;
	env.focus_calls++;
	env.out_len_at_focus = env.out_len;
	return 0;
}

size_t vuart_receive(struct vuart *v, const u8 *bytes, size_t len)
{
	assert_true(env.received_len + len <= sizeof(env.received));
	memcpy(env.received + env.received_len, bytes, len);
	env.received_len += len;
	env.received_by = v;
	return len;
}

void vcpu_vendor_dump(struct vcpu *vcpu)
{
	env.dumped = vcpu;
	env.level_during_dump = log_console_level();
	log_printf(LOG_INFO, "registers of vm%u vcpu%u\n", vcpu->vm->id, vcpu->id);
}

/* --- Architecture, console, log. --- */

int arch_run_on_cpu(u32 cpu, void (*fn)(void *), void *arg)
{
	env.run_on_cpu_cpu = cpu;
	env.run_on_cpu_calls++;
	if (env.run_on_cpu_result)
		return env.run_on_cpu_result;
	fn(arg);
	return 0;
}

void arch_system_reset(void)
{
	env.resets++;
	longjmp(env.reset_jump, 1);
}

int arch_console_poll_start(void (*poll)(void), u64 period_us)
{
	env.poll_started = poll;
	env.poll_period = period_us;
	return env.poll_start_result;
}

u32 arch_cpu_count_online(void)
{
	return 4;
}

u64 arch_time_ns(void)
{
	return 12345678901ULL;
}

bool console_has_input(void)
{
	return env.console_present;
}

int console_getc(void)
{
	env.getc_calls++;
	return env.input_pos < env.input_len ? env.input[env.input_pos++] : -1;
}

void log_write_raw(const char *text, size_t len)
{
	assert_true(env.out_len + len < sizeof(env.out));
	memcpy(env.out + env.out_len, text, len);
	env.out_len += len;
	env.out[env.out_len] = '\0';
	if (env.write_count < sizeof(env.writes) / sizeof(env.writes[0]))
		env.writes[env.write_count] = len;
	env.write_count++;
}

const struct log_ring *log_get_ring(void)
{
	return &env.ring;
}
