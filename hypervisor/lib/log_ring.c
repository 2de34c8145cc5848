// SPDX-License-Identifier: BSD-3-Clause
/*
 * The in-memory log ring. Callers serialise appends (the log front end holds its lock);
 * reads are for the debug shell and the panic path, which accept a racing writer.
 *
 * Once the ring has wrapped, only the newest size-1 bytes count as retained: the byte
 * before them is still in the buffer and tells whether they start a line, so a read
 * never shows a torn first line and never drops a whole one needlessly.
 */
#include <bulkhead/log.h>
#include <bulkhead/string.h>

void log_ring_init(struct log_ring *ring, char *buf, size_t size)
{
	ring->buf = buf;
	ring->size = buf ? size : 0;
	ring->written = 0;
}

static char ring_byte(const struct log_ring *ring, u64 offset)
{
	return ring->buf[offset % ring->size];
}

void log_ring_append(struct log_ring *ring, const char *text, size_t len)
{
	u64 start = ring->written;

	if (!ring->size)
		return;
	ring->written += len;
	/* Only the tail of an oversized message can survive. */
	if (len > ring->size) {
		text += len - ring->size;
		start += len - ring->size;
		len = ring->size;
	}
	while (len) {
		size_t pos = (size_t)(start % ring->size);
		size_t chunk = ring->size - pos;

		if (chunk > len)
			chunk = len;
		memcpy(ring->buf + pos, text, chunk);
		text += chunk;
		start += chunk;
		len -= chunk;
	}
}

/*
 * When out cannot take everything, the newest text wins: after a panic it is the part
 * that explains what happened.
 */
size_t log_ring_read(const struct log_ring *ring, char *out, size_t out_size)
{
	u64 end = ring->written, first, pos;
	size_t n = 0;

	if (!out_size)
		return 0;
	if (!ring->size || !end) {
		out[0] = '\0';
		return 0;
	}

	first = end > ring->size ? end - ring->size + 1 : 0;
	if (end - first > out_size - 1)
		first = end - (out_size - 1);

	/* Offset 0 starts a line; anywhere else the previous byte must end one. */
	if (first && ring_byte(ring, first - 1) != '\n') {
		while (first < end && ring_byte(ring, first) != '\n')
			first++;
		if (first < end)
			first++;
	}

	for (pos = first; pos < end; pos++)
		out[n++] = ring_byte(ring, pos);
	out[n] = '\0';
	return n;
}
