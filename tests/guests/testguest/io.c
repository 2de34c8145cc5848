// SPDX-License-Identifier: BSD-3-Clause
/*
 * Port I/O: a port no device claims reads all ones and swallows writes (what an ISA
 * bus does), and the vUART's scratch register (PC16550D, SCR) keeps a value.
 */
#include "check.h"
#include "console.h"
#include "testguest.h"

#define T "io"

#define UNCLAIMED_PORT 0x2e0

static void check_unclaimed_in(unsigned int size)
{
	u32 ones = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1, value = 0;
	struct fault f = probe_in(UNCLAIMED_PORT, size, &value);
	char name[32], what[32];

	tg_snprintf(name, sizeof(name), "unclaimed_in%u", size * 8);
	check(fault_none(f) && value == ones, T, name, "expected IN%u 0x%x = 0x%x, got 0x%x (%s)",
	      size * 8, UNCLAIMED_PORT, ones, value, fault_describe(f, what, sizeof(what)));
}

static void check_unclaimed_out(void)
{
	struct fault f[3];
	char what[3][32];
	unsigned int i;

	for (i = 0; i < 3; i++)
		f[i] = probe_out(UNCLAIMED_PORT, 1u << i, (u32)name_hash);
	check(fault_none(f[0]) && fault_none(f[1]) && fault_none(f[2]), T, "unclaimed_out",
	      "expected OUT8/16/32 to 0x%x without exception, got %s / %s / %s", UNCLAIMED_PORT,
	      fault_describe(f[0], what[0], sizeof(what[0])),
	      fault_describe(f[1], what[1], sizeof(what[1])),
	      fault_describe(f[2], what[2], sizeof(what[2])));
}

static void check_scratch(void)
{
	u8 value = (u8)(name_hash >> 8);
	u32 first = 0, second = 0;
	struct fault f[4];
	char what[32];
	unsigned int i;

	f[0] = probe_out(COM1_SCRATCH, 1, value);
	f[1] = probe_in(COM1_SCRATCH, 1, &first);
	f[2] = probe_out(COM1_SCRATCH, 1, (u8)~value);
	f[3] = probe_in(COM1_SCRATCH, 1, &second);
	for (i = 0; i < 4 && fault_none(f[i]); i++)
		;
	check(i == 4 && first == value && second == (u8)~value, T, "serial_scratch",
	      "expected port 0x%x to read back 0x%02x then 0x%02x, got 0x%02x then 0x%02x (%s)",
	      COM1_SCRATCH, value, (u8)~value, first, second,
	      fault_describe(i < 4 ? f[i] : f[0], what, sizeof(what)));
}

/* INS/OUTS, with and without REP: each element goes through the port, RSI/RDI and RCX move. */
static void check_string_io(void)
{
	u8 out[4] = {0x11, 0x22, 0x33, (u8)(name_hash >> 16)}, in[5] = {0, 0, 0, 0, 0x5a};
	u16 word = 0;
	u32 scratch = 0;
	void *src = out, *dst = in, *wdst = &word;
	unsigned long count = sizeof(out);
	struct fault f;
	char what[32];

	__asm__ __volatile__("cld; rep outsb"
			     : "+S"(src), "+c"(count)
			     : "d"((u16)COM1_SCRATCH)
			     : "memory");
	f = probe_in(COM1_SCRATCH, 1, &scratch);
	check(fault_none(f) && scratch == out[3] && count == 0 && src == out + 4, T, "rep_outsb",
	      "expected REP OUTSB of 4 bytes to leave 0x%02x in port 0x%x, RCX 0 and RSI +4, got "
	      "0x%02x, RCX %lu, RSI %+ld (%s)",
	      out[3], COM1_SCRATCH, scratch, count, (long)((u8 *)src - out),
	      fault_describe(f, what, sizeof(what)));

	count = 4;
	__asm__ __volatile__("cld; rep insb"
			     : "+D"(dst), "+c"(count)
			     : "d"((u16)UNCLAIMED_PORT)
			     : "memory");
	check(in[0] == 0xff && in[1] == 0xff && in[2] == 0xff && in[3] == 0xff && in[4] == 0x5a &&
		      count == 0 && dst == in + 4,
	      T, "rep_insb",
	      "expected REP INSB of 4 bytes from port 0x%x to read 0xff each and stop, got %02x "
	      "%02x %02x %02x %02x, RCX %lu",
	      UNCLAIMED_PORT, in[0], in[1], in[2], in[3], in[4], count);

	__asm__ __volatile__("cld; insw" : "+D"(wdst) : "d"((u16)UNCLAIMED_PORT) : "memory");
	check(word == 0xffff && wdst == (u8 *)&word + 2, T, "insw",
	      "expected INSW from port 0x%x to read 0xffff, got 0x%04x", UNCLAIMED_PORT, word);
}

void test_io(void)
{
	check_unclaimed_in(1);
	check_unclaimed_in(2);
	check_unclaimed_in(4);
	check_unclaimed_out();
	check_scratch();
	check_string_io();
}
