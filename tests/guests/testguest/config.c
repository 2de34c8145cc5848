// SPDX-License-Identifier: BSD-3-Clause
#include "config.h"
#include "console.h"
#include "lib.h"

#define CMDLINE_MAX 1024

static const char *const test_names[TEST_COUNT] = {
	[TEST_CPUID] = "cpuid",
	[TEST_CR] = "cr",
	[TEST_MSR] = "msr",
	[TEST_IO] = "io",
	[TEST_MEM] = "mem",
	[TEST_XCR] = "xcr",
	[TEST_HYPERCALL] = "hypercall",
	[TEST_SMP] = "smp",
	[TEST_LINK] = "link",
	[TEST_ACPI] = "acpi",
	[TEST_PMTIMER] = "pmtimer",
	[TEST_LAPIC] = "lapic",
	[TEST_IPI] = "ipi",
	[TEST_IOAPIC] = "ioapic",
	[TEST_PIC] = "pic",
	[TEST_RTC] = "rtc",
	[TEST_SCI] = "sci",
	[TEST_PCI] = "pci",
	[TEST_SELFTEST] = "selftest",
};

static const char *const reset_names[] = {
	[RESET_NONE] = "none",
	[RESET_CF9] = "cf9",
	[RESET_KBD] = "kbd",
	[RESET_TRIPLE] = "triple",
};

static const char *const shutdown_names[] = {
	[SHUTDOWN_NONE] = "none",
	[SHUTDOWN_S5] = "s5",
};

static const char *const apic_names[] = {
	[APIC_AUTO] = "auto",
	[APIC_XAPIC] = "xapic",
	[APIC_X2APIC] = "x2apic",
};

const char *test_name(enum test_id id)
{
	return id < TEST_COUNT ? test_names[id] : "?";
}

const char *reset_method_name(enum reset_method m)
{
	return m < ARRAY_SIZE(reset_names) ? reset_names[m] : "?";
}

const char *shutdown_method_name(enum shutdown_method m)
{
	return m < ARRAY_SIZE(shutdown_names) ? shutdown_names[m] : "?";
}

static void warn(struct guest_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct guest_config *cfg, const char *fmt, ...)
{
	va_list ap;

	if (cfg->warning_count == WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	tg_vsnprintf(cfg->warnings[cfg->warning_count++], WARNING_LEN, fmt, ap);
	va_end(ap);
}

/* Splits s in place at each sep; calls fn on every non-empty item. Returns -1 on failure. */
static int for_each_item(char *s, char sep, int (*fn)(struct guest_config *, const char *),
			 struct guest_config *cfg)
{
	int ret = 0;

	while (*s) {
		char *item = s;

		while (*s && *s != sep)
			s++;
		if (*s)
			*s++ = '\0';
		if (*item && fn(cfg, item))
			ret = -1;
	}
	return ret;
}

static int add_deny_msr(struct guest_config *cfg, const char *item)
{
	u64 v;

	if (parse_u64(item, 16, &v) || v > 0xffffffffULL) {
		warn(cfg, "deny_msrs: '%s' is not a 32-bit hex MSR number, ignored", item);
		return -1;
	}
	if (cfg->deny_msr_count == DENY_MSRS_MAX) {
		warn(cfg, "deny_msrs: more than %d MSRs, 0x%llx ignored", DENY_MSRS_MAX, v);
		return -1;
	}
	cfg->deny_msrs[cfg->deny_msr_count++] = (u32)v;
	return 0;
}

static int add_isolation(struct guest_config *cfg, const char *item)
{
	u64 v;

	if (parse_u64(item, 16, &v)) {
		warn(cfg, "isolation: '%s' is not a hex address, ignored", item);
		return -1;
	}
	if (cfg->isolation_count == ISOLATION_MAX) {
		warn(cfg, "isolation: more than %d addresses, 0x%llx ignored", ISOLATION_MAX, v);
		return -1;
	}
	cfg->isolation[cfg->isolation_count++] = v;
	return 0;
}

static int add_test(struct guest_config *cfg, const char *item)
{
	unsigned int i;

	for (i = 0; i < TEST_COUNT; i++) {
		if (!tg_strcmp(item, test_names[i])) {
			cfg->tests |= BIT(i);
			return 0;
		}
	}
	warn(cfg, "tests: unknown test '%s', ignored", item);
	return -1;
}

static void parse_number(struct guest_config *cfg, const char *key, const char *value,
			 unsigned int base, u64 max, u64 *out)
{
	u64 v;

	if (parse_u64(value, base, &v) || v > max) {
		warn(cfg, "%s: bad value '%s', keeping the default", key, value);
		return;
	}
	*out = v;
}

static void parse_reset(struct guest_config *cfg, const char *value)
{
	unsigned int m;

	for (m = RESET_CF9; m < ARRAY_SIZE(reset_names); m++) {
		if (!tg_strcmp(value, reset_names[m])) {
			cfg->reset = m;
			return;
		}
	}
	warn(cfg, "reset: unknown method '%s' (cf9, kbd, triple), no reset", value);
}

static void parse_shutdown(struct guest_config *cfg, const char *value)
{
	unsigned int m;

	for (m = SHUTDOWN_S5; m < ARRAY_SIZE(shutdown_names); m++) {
		if (!tg_strcmp(value, shutdown_names[m])) {
			cfg->shutdown = m;
			return;
		}
	}
	warn(cfg, "shutdown: unknown method '%s' (s5), no shutdown", value);
}

static void parse_apic(struct guest_config *cfg, const char *value)
{
	unsigned int m;

	for (m = 0; m < ARRAY_SIZE(apic_names); m++) {
		if (!tg_strcmp(value, apic_names[m])) {
			cfg->apic = m;
			return;
		}
	}
	warn(cfg, "apic: unknown mode '%s' (auto, xapic, x2apic), using auto", value);
}

/* Returns true when the word was the tests= key (the default set no longer applies). */
static bool parse_word(struct guest_config *cfg, char *key, char *value)
{
	u64 v;

	if (!tg_strcmp(key, "name")) {
		tg_strlcpy(cfg->name, value, sizeof(cfg->name));
		if (tg_strlen(value) >= sizeof(cfg->name))
			warn(cfg, "name: longer than %d characters, cut", NAME_MAX_LEN - 1);
	} else if (!tg_strcmp(key, "vcpus")) {
		v = cfg->vcpus;
		parse_number(cfg, key, value, 10, 0xffff, &v);
		cfg->vcpus = (unsigned int)v;
	} else if (!tg_strcmp(key, "privileged")) {
		v = cfg->privileged;
		parse_number(cfg, key, value, 10, 1, &v);
		cfg->privileged = (unsigned int)v;
	} else if (!tg_strcmp(key, "deny_msrs")) {
		for_each_item(value, ',', add_deny_msr, cfg);
	} else if (!tg_strcmp(key, "tests")) {
		cfg->tests = 0;
		for_each_item(value, ',', add_test, cfg);
		return true;
	} else if (!tg_strcmp(key, "apic")) {
		parse_apic(cfg, value);
	} else if (!tg_strcmp(key, "isolation")) {
		for_each_item(value, ',', add_isolation, cfg);
	} else if (!tg_strcmp(key, "pattern")) {
		if (!parse_u64(value, 16, &cfg->pattern_gpa))
			cfg->has_pattern = true;
		else
			warn(cfg, "pattern: '%s' is not a hex address, no pattern", value);
	} else if (!tg_strcmp(key, "reset")) {
		parse_reset(cfg, value);
	} else if (!tg_strcmp(key, "shutdown")) {
		parse_shutdown(cfg, value);
	} else if (!tg_strcmp(key, "link")) {
		if (!parse_u64(value, 16, &v) && v > 0 && v <= LINK_PORT_MAX) {
			cfg->link_port = (u16)v;
			cfg->has_link = true;
		} else {
			warn(cfg, "link: '%s' is not a hex port number (1-0x%x), no link test",
			     value, LINK_PORT_MAX);
		}
	} else if (!tg_strcmp(key, "peer")) {
		tg_strlcpy(cfg->peer, value, sizeof(cfg->peer));
		if (tg_strlen(value) >= sizeof(cfg->peer))
			warn(cfg, "peer: longer than %d characters, cut", NAME_MAX_LEN - 1);
	} else if (!tg_strcmp(key, "heartbeat")) {
		v = cfg->heartbeat;
		parse_number(cfg, key, value, 10, 0xffffffffULL, &v);
		cfg->heartbeat = (unsigned int)v;
	} else if (!tg_strcmp(key, "bench")) {
		v = cfg->bench;
		parse_number(cfg, key, value, 10, 1, &v);
		cfg->bench = v;
	} else if (!tg_strcmp(key, "bench_msr")) {
		if (!parse_u64(value, 16, &v) && v <= 0xffffffffULL) {
			cfg->bench_msr = (u32)v;
			cfg->has_bench_msr = true;
		} else {
			warn(cfg, "bench_msr: '%s' is not a 32-bit hex MSR number, ignored", value);
		}
	} else if (!tg_strcmp(key, "bench_mmio")) {
		cfg->has_bench_mmio = !parse_u64(value, 16, &cfg->bench_mmio);
		if (!cfg->has_bench_mmio)
			warn(cfg, "bench_mmio: '%s' is not a hex address, ignored", value);
	} else {
		warn(cfg, "unknown key '%s', ignored", key);
	}
	return false;
}

static void set_defaults(struct guest_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	tg_strlcpy(cfg->name, "unnamed", sizeof(cfg->name));
	cfg->vcpus = 1;
	cfg->tests = TESTS_DEFAULT;
	cfg->heartbeat = 5;
}

/* APs to start and a peer to greet: smp and link join the default set (not a tests= list). */
static void add_implied_tests(struct guest_config *cfg)
{
	if (cfg->vcpus > 1)
		cfg->tests |= BIT(TEST_SMP);
	if (cfg->has_link)
		cfg->tests |= BIT(TEST_LINK);
}

void config_parse(const char *cmdline, struct guest_config *cfg)
{
	static char words[CMDLINE_MAX];
	char *s = words;
	bool first = true, tests_given = false;

	set_defaults(cfg);
	tg_strlcpy(words, cmdline, sizeof(words));

	while (*s) {
		char *word, *eq;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		word = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
		for (eq = word; *eq && *eq != '='; eq++)
			;
		if (!*eq) {
			if (!first)
				warn(cfg, "word '%s' is not key=value, ignored", word);
			first = false;
			continue;
		}
		first = false;
		*eq = '\0';
		if (parse_word(cfg, word, eq + 1))
			tests_given = true;
	}
	if (!tests_given)
		add_implied_tests(cfg);
	if (cfg->shutdown != SHUTDOWN_NONE && cfg->heartbeat == 0)
		warn(cfg, "shutdown: heartbeat=0 never ends, so the guest never shuts down");
}

void config_without_cmdline(const char *name, unsigned int vcpus, struct guest_config *cfg)
{
	set_defaults(cfg);
	tg_strlcpy(cfg->name, name, sizeof(cfg->name));
	cfg->vcpus = vcpus;
	add_implied_tests(cfg);
}
