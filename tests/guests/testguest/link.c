// SPDX-License-Identifier: BSD-3-Clause
/*
 * The link test: a polled 16550 at link= whose other end is the same kind of port in the
 * peer VM (Bulkhead's vUART link: what one guest writes to THR comes out of the other's
 * RBR, the receiver holds 256 bytes and sets LSR.OE when one more is lost).
 *
 * Each guest greets its peer once per boot with the line "hello from <name>" and expects
 * the first line it reads from the peer, within LINK_TIMEOUT_MS, to be the peer's
 * greeting or the peer's answer "hello again from <peer>". Both VMs boot at about the
 * same time, so a greeting often arrives before the receiver has sent its own: the
 * receive buffer keeps it. A guest that boots again (a reset) has lost what it had
 * received, and its peer, done with its own test, would not greet again; so during the
 * heartbeat link_serve() answers every greeting with an answer. An answer is never
 * answered, so two guests cannot keep each other talking, whatever the timing.
 */
#include "check.h"
#include "console.h"
#include "lib.h"
#include "link.h"
#include "testguest.h"
#include "tsc.h"
#include "uart.h"

#define T "link"

#define LINK_TIMEOUT_MS	 2000
#define LINE_LEN	 96 /* longer lines are cut into pieces of LINE_LEN - 1 */
#define SERVE_LINES_MAX	 4  /* lines link_serve() handles per call */
#define GREETING	 "hello from "
#define ANSWER		 "hello again from "
#define PRINTABLE_LEN	 (4 * LINE_LEN)
#define PRESENCE_WHY_LEN 160

enum peer_line {
	LINE_OTHER,
	LINE_GREETING,
	LINE_ANSWER,
};

/* The line being received from the peer. */
struct line_rx {
	char buf[LINE_LEN];
	unsigned int len;
	bool complete; /* buf holds a whole line (without its '\n'), or LINE_LEN - 1 bytes */
	bool cut;      /* complete because it was too long */
};

static struct line_rx rx;
static bool uart_present;
static bool overrun_seen;
static char presence_why[PRESENCE_WHY_LEN];

static u8 read_lsr(void)
{
	u8 lsr = inb(cfg.link_port + UART_LSR);

	/* Reading LSR clears OE: remember it from every read. */
	if (lsr & LSR_OE)
		overrun_seen = true;
	return lsr;
}

/*
 * A UART keeps what is written to its scratch register, and its LSR never reads all
 * ones; a port nobody claims reads all ones and drops writes. Probed, so that a port
 * access that faults is a FAIL line, not a fatal exception.
 */
static bool probe_uart(u16 base)
{
	u8 value = (u8)(name_hash >> 16);
	u32 first = 0, second = 0, lsr = 0;
	struct fault f[5];
	char what[32];
	unsigned int i;

	f[0] = probe_out(base + UART_SCR, 1, value);
	f[1] = probe_in(base + UART_SCR, 1, &first);
	f[2] = probe_out(base + UART_SCR, 1, (u8)~value);
	f[3] = probe_in(base + UART_SCR, 1, &second);
	f[4] = probe_in(base + UART_LSR, 1, &lsr);
	for (i = 0; i < ARRAY_SIZE(f) && fault_none(f[i]); i++)
		;
	if (i < ARRAY_SIZE(f)) {
		tg_snprintf(presence_why, sizeof(presence_why),
			    "no UART at port 0x%x: accessing it raised %s", base,
			    fault_describe(f[i], what, sizeof(what)));
		return false;
	}
	if (first != value || second != (u8)~value || lsr == 0xff) {
		tg_snprintf(
			presence_why, sizeof(presence_why),
			"no UART at port 0x%x: scratch register read 0x%02x then 0x%02x for 0x%02x then 0x%02x, LSR 0x%02x",
			base, first, second, value, (u8)~value, lsr);
		return false;
	}
	if (lsr & LSR_OE)
		overrun_seen = true;
	return true;
}

void link_init(void)
{
	if (!cfg.has_link)
		return;
	uart_present = probe_uart(cfg.link_port);
	if (uart_present)
		uart_init(cfg.link_port);
}

/* Sends "<prefix><name>\n"; returns how many bytes went out without LSR.THRE. */
static unsigned int send_line(const char *prefix)
{
	unsigned int late = 0;
	const char *p;

	for (p = prefix; *p; p++)
		late += !uart_putc(cfg.link_port, (u8)*p);
	for (p = cfg.name; *p; p++)
		late += !uart_putc(cfg.link_port, (u8)*p);
	late += !uart_putc(cfg.link_port, '\n');
	return late;
}

/* Reads what is waiting, up to the end of a line. Returns rx.complete. */
static bool rx_poll(void)
{
	while (!rx.complete && (read_lsr() & LSR_DR)) {
		char c = (char)inb(cfg.link_port + UART_RBR);

		if (c == '\n') {
			rx.complete = true;
		} else if (c != '\r') {
			rx.buf[rx.len++] = c;
			rx.cut = rx.len == LINE_LEN - 1;
			rx.complete = rx.cut;
		}
	}
	rx.buf[rx.len] = '\0';
	return rx.complete;
}

static void rx_next(void)
{
	rx.len = 0;
	rx.complete = false;
	rx.cut = false;
}

/* The received line for a FAIL or info line: quotes, backslashes and non-ASCII escaped. */
static const char *printable(char *out, size_t size)
{
	size_t len = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < rx.len && len + sizeof("\\xff") <= size; i++) {
		u8 c = (u8)rx.buf[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			len += tg_snprintf(out + len, size - len, "%c", c);
		else
			len += tg_snprintf(out + len, size - len, "\\x%02x", c);
	}
	return out;
}

static bool is_from_peer(const char *line, const char *prefix)
{
	size_t n = tg_strlen(prefix);

	if (memcmp(line, prefix, n))
		return false;
	return cfg.peer[0] ? !tg_strcmp(line + n, cfg.peer) : line[n] != '\0';
}

static enum peer_line classify(void)
{
	if (rx.cut || tg_strlen(rx.buf) != rx.len) /* too long, or a NUL inside */
		return LINE_OTHER;
	if (is_from_peer(rx.buf, GREETING))
		return LINE_GREETING;
	if (is_from_peer(rx.buf, ANSWER))
		return LINE_ANSWER;
	return LINE_OTHER;
}

static void report_peer_line(unsigned int late, u64 timeout)
{
	char got[PRINTABLE_LEN], peer[NAME_MAX_LEN + 2], thre[64] = "";

	if (late)
		tg_snprintf(thre, sizeof(thre), "; LSR.THRE did not come for %u of our bytes",
			    late);
	tg_snprintf(peer, sizeof(peer), "%s", cfg.peer[0] ? cfg.peer : "<peer>");
	printable(got, sizeof(got));
	switch (rx.complete ? classify() : LINE_OTHER) {
	case LINE_GREETING:
		check_pass(T, "peer_message", "greeting \"%s\"%s", got, thre);
		return;
	case LINE_ANSWER:
		check_pass(T, "peer_message", "answer \"%s\": the peer was up before us%s", got,
			   thre);
		return;
	default:
		break;
	}
	if (!rx.len && !rx.complete)
		check_fail(T, "peer_message",
			   "expected \"" GREETING
			   "%s\" at port 0x%x within %u ms (%llu TSC ticks), got nothing%s",
			   peer, cfg.link_port, LINK_TIMEOUT_MS, timeout, thre);
	else if (!rx.complete)
		check_fail(
			T, "peer_message",
			"expected \"" GREETING
			"%s\" at port 0x%x within %u ms (%llu TSC ticks), got \"%s\" and no end of line%s",
			peer, cfg.link_port, LINK_TIMEOUT_MS, timeout, got, thre);
	else
		check_fail(T, "peer_message",
			   "expected \"" GREETING "%s\" (or \"" ANSWER
			   "%s\") at port 0x%x, got \"%s\"%s%s",
			   peer, peer, cfg.link_port, got, rx.cut ? " (cut, too long)" : "", thre);
}

void test_link(void)
{
	u64 timeout = tsc_ticks_per_ms() * LINK_TIMEOUT_MS, start;
	unsigned int late;

	if (!cfg.has_link) {
		check_skip(T, "peer_message", "no link= port on the command line");
		return;
	}
	if (!uart_present) {
		check_fail(T, "uart", "%s", presence_why);
		return;
	}
	late = send_line(GREETING);
	for (start = rdtsc(); !rx_poll() && rdtsc() - start < timeout;)
		cpu_pause();
	report_peer_line(late, timeout);
	rx_next();
	check(!overrun_seen, T, "no_overrun",
	      "LSR.OE was set at port 0x%x: the receiver lost bytes from the peer", cfg.link_port);
}

void link_serve(void)
{
	char got[PRINTABLE_LEN];
	unsigned int n;

	if (!cfg.has_link || !uart_present)
		return;
	for (n = 0; n < SERVE_LINES_MAX && rx_poll(); n++) {
		if (classify() == LINE_GREETING) {
			send_line(ANSWER);
			say("link: answered \"%s\"", printable(got, sizeof(got)));
		} else {
			say("link: ignored \"%s\"%s", printable(got, sizeof(got)),
			    rx.cut ? " (cut, too long)" : "");
		}
		rx_next();
	}
}
