// SPDX-License-Identifier: BSD-3-Clause
/*
 * Prints what acpi_parse() found: the first thing to look at when a machine boots
 * with the wrong CPU count, interrupt routing or IOMMU layout. Problems are printed
 * at LOG_WARN so they reach the console even at a quiet log level.
 */
#include <bulkhead/acpi.h>
#include <bulkhead/compiler.h>
#include <bulkhead/log.h>
#include "acpi_internal.h"

/* MPS INTI flags (ACPI 6.5, 5.2.12.5, Table 5.26). */
static const char *const polarity_names[4] = {"bus-default", "active-high", "reserved",
					      "active-low"};
static const char *const trigger_names[4] = {"bus-default", "edge", "reserved", "level"};

static const char *const scope_names[] = {
	[1] = "endpoint", [2] = "bridge", [3] = "ioapic", [4] = "hpet", [5] = "acpi-dev",
};

static const char *cpu_state(const struct acpi_cpu *cpu)
{
	if (cpu->enabled)
		return "enabled";
	return cpu->online_capable ? "online-capable" : "disabled";
}

static void log_tables(const struct acpi_info *info)
{
	size_t i;

	if (info->rsdp_addr)
		pr_info("ACPI: RSDP rev %u OEM %s at 0x%llx, using the %s\n", info->rsdp_revision,
			info->oem_id, (unsigned long long)info->rsdp_addr,
			info->use_xsdt ? "XSDT" : "RSDT");
	else
		pr_info("ACPI: RSDP rev %u OEM %s from multiboot2, using the %s\n",
			info->rsdp_revision, info->oem_id, info->use_xsdt ? "XSDT" : "RSDT");

	for (i = 0; i < info->table_count; i++) {
		const struct acpi_table_ref *t = &info->tables[i];

		if (t->valid)
			pr_info("ACPI: %-4s 0x%016llx %7u v%02u %-6s ok\n", t->signature,
				(unsigned long long)t->addr, t->length, t->revision, t->oem_id);
		else
			pr_warn("ACPI: %-4s 0x%016llx %7u v%02u %-6s %s\n", t->signature,
				(unsigned long long)t->addr, t->length, t->revision, t->oem_id,
				t->problem ? t->problem : "invalid");
	}
	if (info->tables_dropped)
		pr_warn("ACPI: %zu more tables not examined\n", info->tables_dropped);
}

static void log_madt(const struct acpi_info *info)
{
	size_t i;

	if (!info->have_madt) {
		pr_warn("ACPI: no usable MADT\n");
		return;
	}
	pr_info("ACPI: local APIC at 0x%llx, %s\n", (unsigned long long)info->lapic_addr,
		(info->madt_flags & 1) ? "8259 PICs present" : "no 8259 PICs");
	for (i = 0; i < info->cpu_count; i++)
		pr_info("ACPI: CPU uid %u APIC id %u %s\n", info->cpus[i].uid,
			info->cpus[i].apic_id, cpu_state(&info->cpus[i]));
	if (info->cpus_dropped)
		pr_warn("ACPI: %zu more CPUs ignored (limit %u)\n", info->cpus_dropped,
			(unsigned int)ACPI_MAX_CPUS);
	for (i = 0; i < info->ioapic_count; i++)
		pr_info("IOAPIC[%zu]: id %u at 0x%llx, GSI base %u\n", i, info->ioapics[i].id,
			(unsigned long long)info->ioapics[i].addr, info->ioapics[i].gsi_base);
	for (i = 0; i < info->iso_count; i++) {
		const struct acpi_iso *o = &info->isos[i];

		pr_info("ACPI: override bus %u IRQ %u -> GSI %u, %s, %s\n", o->bus, o->source,
			o->gsi, polarity_names[o->flags & 3], trigger_names[(o->flags >> 2) & 3]);
	}
	for (i = 0; i < info->lapic_nmi_count; i++) {
		const struct acpi_lapic_nmi *n = &info->lapic_nmis[i];

		if (n->uid == 0xFF || n->uid == 0xFFFFFFFF)
			pr_info("ACPI: NMI on LINT%u of all CPUs, %s, %s\n", n->lint,
				polarity_names[n->flags & 3], trigger_names[(n->flags >> 2) & 3]);
		else
			pr_info("ACPI: NMI on LINT%u of CPU uid %u, %s, %s\n", n->lint, n->uid,
				polarity_names[n->flags & 3], trigger_names[(n->flags >> 2) & 3]);
	}
	if (info->madt_bad_entries)
		pr_warn("ACPI: %zu MADT entries unknown or malformed, ignored\n",
			info->madt_bad_entries);
}

static void log_fadt(const struct acpi_info *info)
{
	if (!info->have_fadt) {
		pr_warn("ACPI: no usable FADT\n");
		return;
	}
	pr_info("ACPI: FADT SCI IRQ %u, SMI_CMD 0x%x, flags 0x%x, boot arch 0x%x\n", info->sci_irq,
		info->smi_cmd, info->fadt_flags, info->iapc_boot_arch);
	pr_info("ACPI: PM1a evt 0x%x cnt 0x%x, PM1b evt 0x%x cnt 0x%x, PM timer 0x%x (%u bytes)\n",
		info->pm1a_evt_blk, info->pm1a_cnt_blk, info->pm1b_evt_blk, info->pm1b_cnt_blk,
		info->pm_tmr_blk, info->pm_tmr_len);
	if (info->have_reset_reg)
		pr_info("ACPI: reset register space %u address 0x%llx value 0x%x\n",
			info->reset_reg.space_id, (unsigned long long)info->reset_reg.address,
			info->reset_value);
	else
		pr_info("ACPI: no reset register\n");
	pr_info("ACPI: DSDT at 0x%llx, RTC century index %u\n", (unsigned long long)info->dsdt_addr,
		info->century);
}

static void log_scopes(const struct acpi_dev_scope *s, size_t count, size_t dropped)
{
	size_t i;

	for (i = 0; i < count; i++)
		pr_info("ACPI:   scope %s enum %u %02x:%02x.%u (path of %u)\n",
			(s[i].type < ARRAY_SIZE(scope_names) && scope_names[s[i].type])
				? scope_names[s[i].type]
				: "unknown",
			s[i].enum_id, s[i].bus, s[i].dev, s[i].func, s[i].path_len);
	if (dropped)
		pr_warn("ACPI:   %zu more device scopes ignored\n", dropped);
}

static void log_dmar(const struct acpi_info *info)
{
	size_t i;

	if (!info->have_dmar)
		return;
	pr_info("ACPI: DMAR host address width %u bits, flags 0x%x\n", info->dmar_haw + 1U,
		info->dmar_flags);
	for (i = 0; i < info->drhd_count; i++) {
		const struct acpi_drhd *d = &info->drhds[i];

		pr_info("ACPI: DRHD[%zu] at 0x%llx segment %u, %u pages%s\n", i,
			(unsigned long long)d->base, d->segment, 1U << d->size,
			(d->flags & 1) ? ", all other devices" : "");
		log_scopes(d->scopes, d->scope_count, d->scopes_dropped);
	}
	for (i = 0; i < info->rmrr_count; i++) {
		const struct acpi_rmrr *r = &info->rmrrs[i];

		pr_info("ACPI: RMRR[%zu] 0x%llx-0x%llx segment %u\n", i,
			(unsigned long long)r->base, (unsigned long long)r->limit, r->segment);
		log_scopes(r->scopes, r->scope_count, r->scopes_dropped);
	}
	if (info->atsr_count)
		pr_info("ACPI: %zu ATSR structures\n", info->atsr_count);
	if (info->dmar_bad_entries)
		pr_warn("ACPI: %zu DMAR structures or scopes malformed, ignored\n",
			info->dmar_bad_entries);
}

void acpi_log_summary(const struct acpi_info *info)
{
	size_t i;

	if (!info)
		return;
	log_tables(info);
	log_madt(info);
	log_fadt(info);
	for (i = 0; i < info->mcfg_count; i++)
		pr_info("ACPI: MCFG segment %u buses %02x-%02x at 0x%llx\n", info->mcfg[i].segment,
			info->mcfg[i].bus_start, info->mcfg[i].bus_end,
			(unsigned long long)info->mcfg[i].base);
	log_dmar(info);
}
