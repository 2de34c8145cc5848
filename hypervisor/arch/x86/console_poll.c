// SPDX-License-Identifier: BSD-3-Clause
/*
 * What the debug shell needs from the platform: a periodic call to poll the console,
 * a hypervisor timer on the CPU that asks (CPU 0), and a reset of the machine.
 *
 * A guest running on that CPU does not delay the poll: with external-interrupt exiting
 * (arch/x86/vmx/vmcs.c) the timer interrupt makes it leave the guest, and the handler
 * runs on the host with the vCPU's VMCS current. (Bochs 2.7 makes no such exit while the
 * guest runs with interrupts off: doc/debug-shell.md, "In the emulators".)
 */
#include <bulkhead/arch.h>
#include <bulkhead/errno.h>
#include <bulkhead/timer.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/processor.h>

#define PORT_RESET_CONTROL 0xcf9 /* PIIX/ICH reset control register */
#define RESET_CONTROL_SYS  0x02	 /* with RST_CPU: a hard (platform) reset */
#define RESET_CONTROL_CPU  0x04	 /* 0 -> 1 starts the reset */
#define PORT_I8042_STATUS  0x64
#define PORT_I8042_COMMAND 0x64
#define I8042_INPUT_FULL   0x02
#define I8042_PULSE_RESET  0xfe
#define RESET_WAIT_US	   100000

static void (*poll_fn)(void);
static struct hv_timer poll_timer;

static void console_poll_tick(struct hv_timer *timer)
{
	poll_fn();
}

int arch_console_poll_start(void (*poll)(void), u64 period_us)
{
	u64 period;

	if (!poll || !period_us)
		return -EINVAL;
	if (poll_fn)
		return -EBUSY;
	poll_fn = poll;
	period = period_us * timer_hz() / 1000000;
	timer_init(&poll_timer, console_poll_tick, NULL, arch_cpu_id());
	timer_start(&poll_timer, timer_now() + period, period);
	return 0;
}

void arch_system_reset(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) no_idt = {0, 0};

	local_irq_disable();
	/*
	 * Reset control register (Intel PIIX3/ICH datasheets): SYS_RST chooses a hard reset,
	 * which reaches CPUs in VMX root operation too (a soft reset is an INIT, blocked
	 * there, SDM Vol 3C 24.8); RST_CPU going from 0 to 1 starts it.
	 */
	pio_write8(PORT_RESET_CONTROL, RESET_CONTROL_SYS);
	arch_udelay(50);
	pio_write8(PORT_RESET_CONTROL, RESET_CONTROL_SYS | RESET_CONTROL_CPU);
	arch_udelay(RESET_WAIT_US);

	/* The keyboard controller's reset line, once its input buffer is free. */
	for (int i = 0; i < 10000 && (pio_read8(PORT_I8042_STATUS) & I8042_INPUT_FULL); i++)
		arch_udelay(10);
	pio_write8(PORT_I8042_COMMAND, I8042_PULSE_RESET);
	arch_udelay(RESET_WAIT_US);

	/* Last resort: a triple fault (no IDT, then an exception). */
	__asm__ __volatile__("lidt %0; int3" ::"m"(no_idt) : "memory");
	for (;;)
		__asm__ __volatile__("cli; hlt" ::: "memory");
}
