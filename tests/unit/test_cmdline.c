// SPDX-License-Identifier: BSD-3-Clause
/*
 * The hypervisor command line: "key" and "key=value" words separated by blanks, the last
 * occurrence of a key winning, and only whole keys matching.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/cmdline.h>

/* Finds key and checks the value (NULL: the key must be absent). */
static void check_value(const char *cmdline, const char *key, const char *want)
{
	const char *value = (const char *)0x1;
	size_t len = 12345;
	bool found = cmdline_find(cmdline, key, &value, &len);

	if (!want) {
		assert_false(found);
		return;
	}
	assert_true(found);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(value, want, len);
	/* The value points into the command line itself. */
	assert_true(value >= cmdline && value + len <= cmdline + strlen(cmdline));
}

static void key_value_pairs(void **state)
{
	const char *cl = "console=ttyS0 loglevel=4 vm=linux";

	(void)state;
	check_value(cl, "console", "ttyS0");
	check_value(cl, "loglevel", "4");
	check_value(cl, "vm", "linux");
	check_value(cl, "debug", NULL);
	check_value("loglevel=7", "loglevel", "7");
}

static void later_words_override_earlier_ones(void **state)
{
	const char *cl = "loglevel=1 x=y loglevel=2 loglevel=3 z";
	const char *value;
	size_t len;

	(void)state;
	assert_true(cmdline_find(cl, "loglevel", &value, &len));
	assert_int_equal(len, 1);
	/* The last word, not a copy of the first one. */
	assert_ptr_equal(value, cl + strlen("loglevel=1 x=y loglevel=2 loglevel="));
	/* A bare key after a value also overrides it, and the other way round. */
	check_value("debug=1 debug", "debug", "");
	check_value("debug debug=full", "debug", "full");
}

static void bare_keys_and_empty_values(void **state)
{
	const char *cl = "quiet nosmp= debug";
	const char *value;
	size_t len;

	(void)state;
	assert_true(cmdline_find(cl, "quiet", &value, &len));
	assert_int_equal(len, 0);
	/* A bare key's value points just after the key: at the separator. */
	assert_ptr_equal(value, cl + 5);
	check_value(cl, "nosmp", "");
	check_value(cl, "debug", "");
	assert_true(cmdline_find("debug", "debug", &value, &len));
	assert_int_equal(len, 0);
	assert_int_equal(*value, '\0');
}

static void prefixes_do_not_match(void **state)
{
	(void)state;
	/* A longer key starting with the wanted one is another key. */
	check_value("loglevelx=3", "loglevel", NULL);
	check_value("loglevelx", "loglevel", NULL);
	check_value("loglevel_console=3 loglevel=5", "loglevel", "5");
	check_value("loglevel=5 loglevelx=3", "loglevel", "5");
	/* The key must start the word. */
	check_value("xloglevel=3", "loglevel", NULL);
	check_value("x=loglevel=3", "loglevel", NULL);
	/* A shorter word is not the key either. */
	check_value("log=1 loglev", "loglevel", NULL);
	/* Values can contain '=' and the key's name. */
	check_value("a=b=c", "a", "b=c");
	check_value("a=a a=b", "a", "b");
	/* Keys match case-sensitively. */
	check_value("LOGLEVEL=3", "loglevel", NULL);
}

static void blanks_tabs_and_newlines_separate_words(void **state)
{
	const char *cl = "\t a=1\tb=2\nc=3\r\nd  \n";

	(void)state;
	check_value(cl, "a", "1");
	check_value(cl, "b", "2");
	check_value(cl, "c", "3");
	check_value(cl, "d", "");
	check_value("   ", "a", NULL);
	check_value("", "a", NULL);
	check_value("a=1   ", "a", "1");
}

static void null_cmdline_and_empty_key(void **state)
{
	const char *value = NULL;
	size_t len = 99;
	char buf[8] = "unset";

	(void)state;
	assert_false(cmdline_find(NULL, "loglevel", &value, &len));
	assert_null(value);
	assert_int_equal(len, 99);
	assert_false(cmdline_get(NULL, "loglevel", buf, sizeof(buf)));
	assert_string_equal(buf, "unset");
	/* The empty key matches nothing, not every word. */
	assert_false(cmdline_find("a=1 =2", "", &value, &len));
	assert_false(cmdline_get("a=1", "", buf, sizeof(buf)));
}

static void get_copies_and_terminates(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_true(cmdline_get("vm=linux loglevel=4 vm=rtos", "vm", buf, sizeof(buf)));
	assert_string_equal(buf, "rtos");
	memset(buf, 'X', sizeof(buf));
	assert_true(cmdline_get("quiet", "quiet", buf, sizeof(buf)));
	assert_string_equal(buf, "");
	/* Exactly fits: 7 characters and the terminator. */
	assert_true(cmdline_get("k=1234567", "k", buf, sizeof(buf)));
	assert_string_equal(buf, "1234567");
	assert_false(cmdline_get("k=1", "missing", buf, sizeof(buf)));
	/* An empty value still needs room for the terminator. */
	assert_true(cmdline_get("k=", "k", buf, 1));
	assert_string_equal(buf, "");
}

static void get_refuses_values_that_do_not_fit(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_false(cmdline_get("k=12345678", "k", buf, sizeof(buf)));
	/* Nothing written on failure (ASan also sees no overflow). */
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'X');
	assert_false(cmdline_get("k", "k", buf, 0));
	assert_int_equal(buf[0], 'X');
	/* The winning (last) value decides, even if an earlier one would fit. */
	assert_false(cmdline_get("k=1 k=123456789", "k", buf, sizeof(buf)));
	assert_true(cmdline_get("k=123456789 k=1", "k", buf, sizeof(buf)));
	assert_string_equal(buf, "1");
}

/* Presence checks pass NULL for the value and its length ("noapicv", "vm_console_time"). */
static void presence_only_with_null_outputs(void **state)
{
	(void)state;
	assert_true(cmdline_find("a=1 noapicv b", "noapicv", NULL, NULL));
	assert_true(cmdline_find("x=12", "x", NULL, NULL));
	assert_false(cmdline_find("noapicvx", "noapicv", NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_value_pairs),
		cmocka_unit_test(later_words_override_earlier_ones),
		cmocka_unit_test(bare_keys_and_empty_values),
		cmocka_unit_test(prefixes_do_not_match),
		cmocka_unit_test(blanks_tabs_and_newlines_separate_words),
		cmocka_unit_test(null_cmdline_and_empty_key),
		cmocka_unit_test(get_copies_and_terminates),
		cmocka_unit_test(get_refuses_values_that_do_not_fit),
		cmocka_unit_test(presence_only_with_null_outputs),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
