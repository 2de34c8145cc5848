// SPDX-License-Identifier: BSD-3-Clause
/*
 * Hypervisor timers (bulkhead/timer.h): one deadline-ordered queue per physical CPU,
 * behind the architecture's one-shot deadline timer (the local APIC's, arch/x86/lapic.c).
 * The queue's lock is taken with interrupts off; callbacks run without it, so they may
 * start and stop timers, their own included.
 */
#include <bulkhead/arch.h>
#include <bulkhead/log.h>
#include <bulkhead/spinlock.h>
#include <bulkhead/timer.h>

struct timer_queue {
	spinlock_t lock;
	struct hv_timer *head; /* earliest deadline first */
	u64 programmed;	       /* deadline the hardware timer is set to, 0: none */
};

static struct timer_queue queues[CONFIG_MAX_PCPUS];

/*
 * Guests choose periods (a vLAPIC timer with an initial count of 1): a period below this
 * is stretched to it, and one interrupt runs at most TIMER_BUDGET callbacks before it
 * leaves the rest to the next, so no guest can keep a CPU in the timer interrupt.
 */
#define TIMER_MIN_PERIOD_US 50
#define TIMER_BUDGET	    32

void timer_init(struct hv_timer *timer, hv_timer_fn fn, void *data, u32 cpu)
{
	*timer = (struct hv_timer){.fn = fn, .data = data, .cpu = cpu};
}

/* Caller holds q->lock. */
static void unlink(struct timer_queue *q, struct hv_timer *timer)
{
	for (struct hv_timer **p = &q->head; *p; p = &(*p)->next) {
		if (*p == timer) {
			*p = timer->next;
			break;
		}
	}
	timer->next = NULL;
	timer->armed = false;
}

/* Caller holds q->lock. */
static void insert(struct timer_queue *q, struct hv_timer *timer)
{
	struct hv_timer **p = &q->head;

	while (*p && (*p)->deadline <= timer->deadline)
		p = &(*p)->next;
	timer->next = *p;
	*p = timer;
	timer->armed = true;
}

/* Points the hardware timer at the queue's head. Caller holds q->lock, on q's CPU. */
static void program(struct timer_queue *q)
{
	u64 deadline = q->head ? q->head->deadline : 0;

	if (deadline != q->programmed) {
		q->programmed = deadline;
		arch_timer_set_deadline(deadline);
	}
}

void timer_start(struct hv_timer *timer, u64 deadline, u64 period)
{
	struct timer_queue *q = &queues[timer->cpu];
	u64 flags = spin_lock_irqsave(&q->lock);
	bool first;

	if (timer->armed)
		unlink(q, timer);
	timer->deadline = deadline ? deadline : 1;
	if (period && period < TIMER_MIN_PERIOD_US * arch_tsc_hz() / 1000000)
		period = TIMER_MIN_PERIOD_US * arch_tsc_hz() / 1000000;
	timer->period = period;
	insert(q, timer);
	first = q->head == timer;
	if (first && timer->cpu == arch_cpu_id())
		program(q);
	spin_unlock_irqrestore(&q->lock, flags);
	/* The owner re-programs its timer when the kick interrupt runs timer_interrupt(). */
	if (first && timer->cpu != arch_cpu_id())
		arch_kick_cpu(timer->cpu);
}

void timer_stop(struct hv_timer *timer)
{
	struct timer_queue *q = &queues[timer->cpu];
	u64 flags = spin_lock_irqsave(&q->lock);

	if (timer->armed)
		unlink(q, timer);
	/* A stale hardware deadline only costs an interrupt that finds nothing expired. */
	if (timer->cpu == arch_cpu_id())
		program(q);
	spin_unlock_irqrestore(&q->lock, flags);
}

bool timer_armed(const struct hv_timer *timer)
{
	return __atomic_load_n(&timer->armed, __ATOMIC_RELAXED);
}

u64 timer_now(void)
{
	return arch_tsc();
}

u64 timer_hz(void)
{
	return arch_tsc_hz();
}

void timer_interrupt(void)
{
	struct timer_queue *q = &queues[arch_cpu_id()];
	u64 flags = spin_lock_irqsave(&q->lock);
	u64 now = arch_tsc();
	u32 budget = TIMER_BUDGET;

	/* The hardware deadline is consumed: whatever is left gets programmed anew. */
	q->programmed = 0;
	while (q->head && q->head->deadline <= now && budget--) {
		struct hv_timer *timer = q->head;

		unlink(q, timer);
		if (timer->period) {
			/* The next period boundary after now: missed periods are dropped. */
			u64 late = now - timer->deadline;

			timer->deadline += (late / timer->period + 1) * timer->period;
			insert(q, timer);
		}
		spin_unlock_irqrestore(&q->lock, flags);
		timer->fn(timer);
		flags = spin_lock_irqsave(&q->lock);
		now = arch_tsc();
	}
	if (q->head && q->head->deadline <= now) {
		/* Over budget: the rest after a short breath (the deadline must be ahead). */
		q->programmed = now + TIMER_MIN_PERIOD_US * arch_tsc_hz() / 1000000;
		arch_timer_set_deadline(q->programmed);
	} else {
		program(q);
	}
	spin_unlock_irqrestore(&q->lock, flags);
}
