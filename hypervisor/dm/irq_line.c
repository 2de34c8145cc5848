// SPDX-License-Identifier: BSD-3-Clause
/*
 * The interrupt output every device model has (bulkhead/virq.h): level changes go out
 * without the device's lock, one CPU at a time, ending on the current level.
 */
#include <bulkhead/virq.h>

void irq_line_init(struct irq_line *line, irq_line_fn fn, void *ctx)
{
	*line = (struct irq_line){.fn = fn, .ctx = ctx};
}

void irq_line_unlock(struct irq_line *line, spinlock_t *lock, u64 flags,
		     bool (*level_of)(const void *dev), const void *dev)
{
	while (!line->busy) {
		bool level = level_of(dev);
		irq_line_fn fn = line->fn;
		void *ctx = line->ctx;

		if (level == line->level)
			break;
		line->level = level;
		if (!fn)
			break;
		line->busy = true;
		spin_unlock_irqrestore(lock, flags);
		fn(ctx, level);
		flags = spin_lock_irqsave(lock);
		line->busy = false;
	}
	spin_unlock_irqrestore(lock, flags);
}
