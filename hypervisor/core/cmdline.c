// SPDX-License-Identifier: BSD-3-Clause
#include <bulkhead/cmdline.h>
#include <bulkhead/string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_find(const char *cmdline, const char *key, const char **value, size_t *len)
{
	size_t key_len = strlen(key);
	bool found = false;
	const char *p = cmdline;

	if (!cmdline || key_len == 0)
		return false;
	while (*p) {
		const char *word, *end;

		while (is_space(*p))
			p++;
		word = p;
		while (*p && !is_space(*p))
			p++;
		end = p;
		if ((size_t)(end - word) < key_len || strncmp(word, key, key_len) != 0)
			continue;
		if (word + key_len == end) {
			if (value)
				*value = end;
			if (len)
				*len = 0;
			found = true;
		} else if (word[key_len] == '=') {
			if (value)
				*value = word + key_len + 1;
			if (len)
				*len = (size_t)(end - (word + key_len + 1));
			found = true;
		}
	}
	return found;
}

bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
	const char *value;
	size_t len;

	if (!cmdline_find(cmdline, key, &value, &len) || len + 1 > size)
		return false;
	memcpy(buf, value, len);
	buf[len] = '\0';
	return true;
}
