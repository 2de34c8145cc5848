// SPDX-License-Identifier: BSD-3-Clause
/*
 * What VMs write to their console vUARTs goes to the hypervisor console. By default
 * every VM's output is shown line by line, each line tagged with the VM ("vm0| ..."), so
 * one serial port carries all VMs and the hypervisor without mixing characters of
 * different lines. When the console is switched to a VM (debug shell), that VM's bytes
 * go out untouched and the other VMs' lines wait in their buffers until they fill.
 */
#include <bulkhead/log.h>
#include <bulkhead/printf.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <bulkhead/vm_console.h>

#define LINE_MAX 160

struct vm_console_line {
	char text[LINE_MAX];
	size_t len;
};

static struct vm_console_line lines[CONFIG_MAX_VMS];
static spinlock_t console_lock = SPINLOCK_INIT;
static int focus_vm = -1; /* -1: the hypervisor has the console */

static void flush_line(u32 vm_id)
{
	struct vm_console_line *l = &lines[vm_id];
	char out[LINE_MAX + 16];
	int n = snprintf(out, sizeof(out), "vm%u| %.*s\n", vm_id, (int)l->len, l->text);

	if (n > 0)
		log_write_raw(out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
	l->len = 0;
}

void vm_console_tx(void *ctx, u8 byte)
{
	struct vm *vm = ctx;
	struct vm_console_line *l = &lines[vm->id];
	u64 flags = spin_lock_irqsave(&console_lock);

	if (focus_vm == (int)vm->id) {
		char c = (char)byte;

		log_write_raw(&c, 1);
	} else if (byte == '\n') {
		flush_line(vm->id);
	} else if (byte != '\r') {
		l->text[l->len++] = (char)byte;
		if (l->len == LINE_MAX)
			flush_line(vm->id);
	}
	spin_unlock_irqrestore(&console_lock, flags);
}

int vm_console_focus(int vm_id)
{
	u64 flags = spin_lock_irqsave(&console_lock);

	if (vm_id >= 0 && lines[vm_id].len)
		flush_line((u32)vm_id);
	focus_vm = vm_id;
	spin_unlock_irqrestore(&console_lock, flags);
	return 0;
}
