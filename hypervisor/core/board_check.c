// SPDX-License-Identifier: BSD-3-Clause
#include <bulkhead/board_check.h>
#include <bulkhead/errno.h>
#include <bulkhead/log.h>

static int check_cpus(const struct board_config *board, const u32 *apic_ids, size_t online)
{
	int bad = 0;

	if (online < board->cpu_count) {
		pr_err("board: %s has %u CPUs but only %zu are online here\n", board->name,
		       board->cpu_count, online);
		bad++;
	}
	for (u32 i = 0; i < board->cpu_count && i < online; i++) {
		if (apic_ids[i] != board->apic_ids[i]) {
			pr_err("board: CPU %u has APIC ID %u here, %u on %s\n", i, apic_ids[i],
			       board->apic_ids[i], board->name);
			bad++;
		}
	}
	if (online > board->cpu_count)
		pr_warn("board: %zu CPUs online, %s describes %u: the others stay unused\n", online,
			board->name, board->cpu_count);
	return bad;
}

static int check_ioapics(const struct board_config *board, const struct acpi_info *acpi)
{
	int bad = 0;

	for (u32 i = 0; i < board->ioapic_count; i++) {
		const struct board_ioapic *want = &board->ioapics[i];
		bool found = false;

		for (size_t j = 0; j < acpi->ioapic_count && !found; j++)
			found = acpi->ioapics[j].addr == want->address &&
				acpi->ioapics[j].gsi_base == want->gsi_base;
		if (!found) {
			pr_err("board: no IOAPIC at 0x%llx with GSI base %u here, as %s has\n",
			       (unsigned long long)want->address, want->gsi_base, board->name);
			bad++;
		}
	}
	return bad;
}

int board_check(const struct board_config *board, const struct acpi_info *acpi, const u32 *apic_ids,
		size_t online)
{
	int bad;

	if (board->cpu_count == 0)
		return 0;
	bad = check_cpus(board, apic_ids, online) + check_ioapics(board, acpi);
	if (bad) {
		pr_err("board: this image was configured for %s, which is not this machine\n",
		       board->name);
		return -ENODEV;
	}
	pr_info("board: matches %s (%u CPUs, %u IOAPICs)\n", board->name, board->cpu_count,
		board->ioapic_count);
	return 0;
}
