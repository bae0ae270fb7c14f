/*-------------------------------------------------------------------------
 *
 * sniff.c
 *		Guessing a file's compression and framing from its first bytes.
 *
 * A length-prefixed framing is plausible when the first record's header
 * reads, its length is not zero and fits the stream, and the bytes of the
 * message that are at hand are a well-formed sequence of top-level fields
 * (a message cut by the end of the head is given the benefit of the doubt;
 * one that ends inside the head must end cleanly).  Zero-length first
 * messages are rare in real files and make every byte string look
 * delimited, so they are not taken as evidence.
 *
 *-------------------------------------------------------------------------
 */
#include "stream/sniff.h"

#include <inttypes.h>
#include <stdio.h>

#include "stream/wire.h"

PbCompression
pb_sniff_compression(const uint8_t *head, size_t len)
{
	if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return PB_COMPRESSION_GZIP;
	if (len >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
		return PB_COMPRESSION_ZSTD;
	return PB_COMPRESSION_NONE;
}

/* Is the message body at head[hdr, hdr + length) well formed, as far as the head holds it? */
static int
body_plausible(const uint8_t *head, size_t len, size_t hdr, uint64_t length, uint64_t total)
{
	const uint8_t *fail_at;
	const uint8_t *body = head + hdr;
	size_t		have = len - hdr;
	PbWireStatus st;

	if (length == 0 || length > total || total - length < hdr)
		return 0;
	if (length <= have)
		return pb_walk_message(body, body + length, &fail_at) == PB_WIRE_OK;
	st = pb_walk_message(body, body + have, &fail_at);
	return st == PB_WIRE_OK || st == PB_WIRE_TRUNCATED || st == PB_WIRE_LEN_PAST_END;
}

int
pb_sniff_plausible(PbFramingKind kind, const uint8_t *head, size_t len,
				   uint64_t total, PbCrc32cFn crc32c, uint64_t *length)
{
	const uint8_t *p = head;

	if (total < len)
		total = len;
	switch (kind)
	{
		case PB_FRAMING_DELIMITED:
			if (pb_read_varint(&p, head + len, length) != PB_WIRE_OK)
				return 0;
			return body_plausible(head, len, (size_t) (p - head), *length, total);
		case PB_FRAMING_FIXED32BE:
			if (len < 4)
				return 0;
			*length = (uint64_t) head[0] << 24 | (uint64_t) head[1] << 16 |
				(uint64_t) head[2] << 8 | head[3];
			return body_plausible(head, len, 4, *length, total);
		case PB_FRAMING_FIXED32LE:
			if (len < 4)
				return 0;
			*length = pb_load_le32(head);
			return body_plausible(head, len, 4, *length, total);
		case PB_FRAMING_TFRECORD:
			if (len < 12 || crc32c == NULL ||
				pb_tfrecord_mask(crc32c(head, 8)) != pb_load_le32(head + 8))
				return 0;
			*length = pb_load_le64(head);
			/* the data's own checksum follows it */
			return *length <= total && total - *length >= 16 &&
				body_plausible(head, len, 12, *length, total - 4);
		default:
			return 0;
	}
}

int
pb_sniff_framing(PbFramingKind configured, const uint8_t *head, size_t len,
				 uint64_t total, PbCrc32cFn crc32c, PbFramingKind *found,
				 uint64_t *length)
{
	static const PbFramingKind order[] = {
		PB_FRAMING_TFRECORD, PB_FRAMING_FIXED32BE, PB_FRAMING_FIXED32LE, PB_FRAMING_DELIMITED
	};
	uint64_t	ignored;

	if (configured == PB_FRAMING_SINGLE || configured == PB_FRAMING_CONTAINER ||
		pb_sniff_plausible(configured, head, len, total, crc32c, &ignored))
		return 0;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
	{
		if (order[i] == configured)
			continue;
		if (pb_sniff_plausible(order[i], head, len, total, crc32c, length))
		{
			*found = order[i];
			return 1;
		}
	}
	return 0;
}

void
pb_sniff_describe(PbFramingKind kind, uint64_t length, char *buf, size_t buflen)
{
	const char *what;

	switch (kind)
	{
		case PB_FRAMING_FIXED32BE:
			what = "a big-endian length";
			break;
		case PB_FRAMING_FIXED32LE:
			what = "a little-endian length";
			break;
		case PB_FRAMING_TFRECORD:
			what = "a record header with a valid checksum, and a length";
			break;
		default:
			what = "a varint length";
			break;
	}
	snprintf(buf, buflen, "%s of %" PRIu64 " byte%s", what, length, length == 1 ? "" : "s");
}
