// SPDX-License-Identifier: BSD-3-Clause
/*
 * What VMs write to their console vUARTs goes to the hypervisor console. By default
 * every VM's output is shown line by line, each line tagged with the VM ("vm0| ..."), so
 * one serial port carries all VMs and the hypervisor without mixing characters of
 * different lines. When the console is switched to a VM (debug shell), that VM's bytes
 * go out untouched and the other VMs' lines wait in their buffers until they fill.
 *
 * With "vm_console_time" on the hypervisor command line each line also carries the
 * hypervisor's time at its first byte ("vm0| [    5.123456] ..."): the time base the
 * tests use to check a guest's clock against (doc/testing.md).
 */
#include <bulkhead/arch.h>
#include <bulkhead/cmdline.h>
#include <bulkhead/init.h>
#include <bulkhead/log.h>
#include <bulkhead/multiboot2.h>
#include <bulkhead/printf.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/string.h>
#include <bulkhead/vm.h>
#include <bulkhead/vm_console.h>

#define LINE_MAX 160

struct vm_console_line {
	char text[LINE_MAX];
	size_t len;
	u64 start_ns; /* hypervisor time of the line's first byte */
};

static struct vm_console_line lines[CONFIG_MAX_VMS];
static spinlock_t console_lock = SPINLOCK_INIT;
static int focus_vm = -1; /* -1: the hypervisor has the console */

static bool show_time(void)
{
	static int show = -1;

	if (show < 0)
		show = cmdline_find(boot_info_get()->cmdline, "vm_console_time", NULL, NULL);
	return show;
}

static void flush_line(u32 vm_id)
{
	struct vm_console_line *l = &lines[vm_id];
	char out[LINE_MAX + 32];
	int n;

	if (show_time())
		n = snprintf(out, sizeof(out), "vm%u| [%5llu.%06llu] %.*s\n", vm_id,
			     (unsigned long long)(l->start_ns / 1000000000ULL),
			     (unsigned long long)(l->start_ns / 1000 % 1000000), (int)l->len,
			     l->text);
	else
		n = snprintf(out, sizeof(out), "vm%u| %.*s\n", vm_id, (int)l->len, l->text);

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
		if (!l->len)
			l->start_ns = arch_time_ns();
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
