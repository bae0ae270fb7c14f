/*
 * framing.c - delimited and container framings.
 */
#include "stream/framing.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stream/wire.h"

/* A varint is at most 10 bytes: asking for that many never over-reads a message. */
#define VARINT_MAX 10

void
pb_framing_init(PbFraming *f, PbFramingKind kind, PbSource *src,
				uint32_t container_field, uint64_t max_message_size)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->src = src;
	f->container_field = container_field;
	f->max_message_size = max_message_size;
}

void
pb_framing_reset(PbFraming *f)
{
	f->messages = 0;
	f->oversized = 0;
	f->single_done = 0;
	f->record_offset = 0;
	f->err = PB_FRAME_ERR_NONE;
	f->errmsg[0] = '\0';
}

static const char *const framing_names[] = {
	"delimited", "container", "fixed32be", "fixed32le", "tfrecord", "single"
};

const char *
pb_framing_name(PbFramingKind kind)
{
	return framing_names[kind];
}

int
pb_framing_parse(const char *s)
{
	for (int k = 0; k <= PB_FRAMING_LAST; k++)
		if (strcmp(s, framing_names[k]) == 0)
			return k;
	return -1;
}

int
pb_framing_skip_oversized(PbFraming *f)
{
	uint64_t	n = f->oversized;

	f->oversized = 0;
	return pb_source_skip(f->src, n) == 0 ? 0 : -1;
}

static PbFrameResult fail(PbFraming *f, PbFrameError err, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static PbFrameResult
fail(PbFraming *f, PbFrameError err, const char *fmt,...)
{
	va_list		ap;

	f->err = err;
	va_start(ap, fmt);
	vsnprintf(f->errmsg, sizeof(f->errmsg), fmt, ap);
	va_end(ap);
	return PB_FRAME_ERROR;
}

static PbFrameResult
fail_io(PbFraming *f)
{
	return fail(f, PB_FRAME_ERR_IO, "could not read input");
}

/*
 * Read a varint from the stream; 'what' names it in errors.  Returns
 * PB_FRAME_MESSAGE on success.
 */
static PbFrameResult
stream_varint(PbFraming *f, uint64_t *value, const char *what)
{
	const uint8_t *p;
	PbWireStatus st;
	int			rc;

	rc = pb_source_fill(f->src, VARINT_MAX);
	if (rc < 0)
		return fail_io(f);
	p = pb_source_peek(f->src);
	st = pb_read_varint(&p, p + pb_source_avail(f->src), value);
	if (st == PB_WIRE_TRUNCATED)
		return fail(f, PB_FRAME_ERR_TRUNCATED, "end of file inside %s", what);
	if (st != PB_WIRE_OK)
		return fail(f, PB_FRAME_ERR_MALFORMED, "malformed varint in %s", what);
	pb_source_consume(f->src, p - pb_source_peek(f->src));
	return PB_FRAME_MESSAGE;
}

/* Make the 'len' bytes of a message body contiguous, after a length check. */
static PbFrameResult
stream_body(PbFraming *f, uint64_t len, const uint8_t **msg, size_t *outlen)
{
	int			rc;

	if (len > f->max_message_size)
	{
		f->oversized = len;
		f->messages++;
		return fail(f, PB_FRAME_ERR_TOO_LARGE,
					"message of %" PRIu64 " bytes exceeds max_message_size (%" PRIu64 " bytes)",
					len, f->max_message_size);
	}
	/*
	 * Grow the buffer toward the length in doublings, so that a lying length
	 * prefix near max_message_size meets the end of the file before the
	 * buffer is allocated at that size.
	 */
	{
		size_t		want = pb_source_avail(f->src) * 2;

		if (want < PB_SOURCE_INITIAL_CAP)
			want = PB_SOURCE_INITIAL_CAP;
		for (;;)
		{
			if (want > len)
				want = (size_t) len;
			rc = pb_source_fill(f->src, want);
			if (rc != 0 || want == len)
				break;
			want *= 2;
		}
	}
	if (rc < 0)
		return fail_io(f);
	if (rc > 0)
	{
		f->messages++;
		return fail(f, PB_FRAME_ERR_TRUNCATED,
					"end of file inside a message body: %" PRIu64 " bytes expected, %zu found",
					len, pb_source_avail(f->src));
	}
	*msg = pb_source_peek(f->src);
	*outlen = (size_t) len;
	pb_source_consume(f->src, (size_t) len);
	f->messages++;
	return PB_FRAME_MESSAGE;
}

/* true if the input has no byte left at the current position */
static int
at_end(PbFraming *f, PbFrameResult *res)
{
	int			rc = pb_source_fill(f->src, 1);

	if (rc < 0)
	{
		*res = fail_io(f);
		return 1;
	}
	*res = PB_FRAME_END;
	return rc > 0;
}

static PbFrameResult
next_delimited(PbFraming *f, const uint8_t **msg, size_t *len)
{
	PbFrameResult res;
	uint64_t	msglen;
	PbSource   *src = f->src;

	f->record_offset = pb_source_offset(src);

	/* the common case: a one-byte prefix and the whole message already buffered */
	if (pb_source_avail(src) >= 1)
	{
		const uint8_t *p = pb_source_peek(src);

		if (p[0] < 0x80 && pb_source_avail(src) > p[0] && p[0] <= f->max_message_size)
		{
			*msg = p + 1;
			*len = p[0];
			pb_source_consume(src, 1 + (size_t) p[0]);
			f->messages++;
			return PB_FRAME_MESSAGE;
		}
	}

	if (at_end(f, &res))
		return res;
	res = stream_varint(f, &msglen, "a length prefix");
	if (res != PB_FRAME_MESSAGE)
	{
		if (f->err == PB_FRAME_ERR_TRUNCATED)
			f->messages++;		/* a truncated final message is one bad message */
		return res;
	}
	return stream_body(f, msglen, msg, len);
}

/*
 * Skip one field of the container whose tag was just read, streaming through
 * LEN bodies.  Groups are walked tag by tag with a stack of open field numbers.
 */
static PbFrameResult
stream_skip(PbFraming *f, uint32_t field, int wt)
{
	uint32_t	open[PB_MAX_DEPTH + 1];
	int			nopen = 0;

	for (;;)
	{
		uint64_t	v;
		PbFrameResult res;
		int			rc;

		switch (wt)
		{
			case PB_WT_VARINT:
				res = stream_varint(f, &v, "a varint field of the container");
				if (res != PB_FRAME_MESSAGE)
					return res;
				break;
			case PB_WT_I64:
			case PB_WT_I32:
				rc = pb_source_skip(f->src, wt == PB_WT_I64 ? 8 : 4);
				if (rc < 0)
					return fail_io(f);
				if (rc > 0)
					return fail(f, PB_FRAME_ERR_TRUNCATED, "end of file inside a fixed-width field of the container");
				break;
			case PB_WT_LEN:
				res = stream_varint(f, &v, "a length prefix");
				if (res != PB_FRAME_MESSAGE)
					return res;
				if (v > INT32_MAX)
					return fail(f, PB_FRAME_ERR_MALFORMED, "length prefix larger than 2 GiB");
				rc = pb_source_skip(f->src, v);
				if (rc < 0)
					return fail_io(f);
				if (rc > 0)
					return fail(f, PB_FRAME_ERR_TRUNCATED, "end of file inside a length-delimited field of the container");
				break;
			case PB_WT_SGROUP:
				if (nopen >= PB_MAX_DEPTH)
					return fail(f, PB_FRAME_ERR_MALFORMED, "%s", pb_wire_status_message(PB_WIRE_TOO_DEEP));
				open[nopen++] = field;
				break;
			case PB_WT_EGROUP:
				if (nopen == 0 || open[nopen - 1] != field)
					return fail(f, PB_FRAME_ERR_MALFORMED, "%s", pb_wire_status_message(PB_WIRE_BAD_END_GROUP));
				nopen--;
				break;
		}
		if (nopen == 0)
			return PB_FRAME_MESSAGE;

		/* inside a group: read the next tag */
		{
			const uint8_t *p;
			PbWireStatus st;

			if (pb_source_fill(f->src, VARINT_MAX) < 0)
				return fail_io(f);
			p = pb_source_peek(f->src);
			st = pb_read_tag(&p, p + pb_source_avail(f->src), &field, &wt);
			if (st == PB_WIRE_TRUNCATED)
				return fail(f, PB_FRAME_ERR_TRUNCATED, "end of file inside a group of the container");
			if (st != PB_WIRE_OK)
				return fail(f, PB_FRAME_ERR_MALFORMED, "%s", pb_wire_status_message(st));
			pb_source_consume(f->src, p - pb_source_peek(f->src));
		}
	}
}

static PbFrameResult
next_container(PbFraming *f, const uint8_t **msg, size_t *len)
{
	for (;;)
	{
		PbFrameResult res;
		const uint8_t *p;
		PbWireStatus st;
		uint32_t	field;
		int			wt;

		f->record_offset = pb_source_offset(f->src);
		if (at_end(f, &res))
			return res;
		if (pb_source_fill(f->src, VARINT_MAX) < 0)
			return fail_io(f);
		p = pb_source_peek(f->src);
		st = pb_read_tag(&p, p + pb_source_avail(f->src), &field, &wt);
		if (st == PB_WIRE_TRUNCATED)
			return fail(f, PB_FRAME_ERR_TRUNCATED, "end of file inside a tag of the container");
		if (st != PB_WIRE_OK)
			return fail(f, PB_FRAME_ERR_MALFORMED, "%s in the container", pb_wire_status_message(st));
		pb_source_consume(f->src, p - pb_source_peek(f->src));

		if (field == f->container_field && wt == PB_WT_LEN)
		{
			uint64_t	msglen;

			res = stream_varint(f, &msglen, "a length prefix");
			if (res != PB_FRAME_MESSAGE)
				return res;
			return stream_body(f, msglen, msg, len);
		}
		if (wt == PB_WT_EGROUP)
			return fail(f, PB_FRAME_ERR_MALFORMED, "%s in the container",
						pb_wire_status_message(PB_WIRE_BAD_END_GROUP));
		res = stream_skip(f, field, wt);
		if (res != PB_FRAME_MESSAGE)
			return res;
	}
}

/* fixed32be / fixed32le: a 4-byte length before each message */
static PbFrameResult
next_fixed32(PbFraming *f, const uint8_t **msg, size_t *len)
{
	PbFrameResult res;
	const uint8_t *p;
	uint32_t	msglen;
	int			rc;

	f->record_offset = pb_source_offset(f->src);
	if (at_end(f, &res))
		return res;
	rc = pb_source_fill(f->src, 4);
	if (rc < 0)
		return fail_io(f);
	if (rc > 0)
	{
		f->messages++;
		return fail(f, PB_FRAME_ERR_TRUNCATED, "end of file inside a length prefix");
	}
	p = pb_source_peek(f->src);
	msglen = f->kind == PB_FRAMING_FIXED32BE
		? ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3]
		: pb_load_le32(p);
	pb_source_consume(f->src, 4);
	return stream_body(f, msglen, msg, len);
}

/*
 * tfrecord: u64 length, u32 masked CRC-32C of those 8 bytes, the data, u32
 * masked CRC-32C of the data (all little-endian).
 */
static PbFrameResult
next_tfrecord(PbFraming *f, const uint8_t **msg, size_t *len)
{
	PbFrameResult res;
	const uint8_t *p;
	uint64_t	msglen;
	int			len_crc_ok;
	int			rc;

	f->record_offset = pb_source_offset(f->src);
	if (at_end(f, &res))
		return res;
	rc = pb_source_fill(f->src, 12);
	if (rc < 0)
		return fail_io(f);
	if (rc > 0)
	{
		f->messages++;
		return fail(f, PB_FRAME_ERR_TRUNCATED, "end of file inside a TFRecord header");
	}
	p = pb_source_peek(f->src);
	msglen = pb_load_le64(p);
	len_crc_ok = f->crc32c == NULL ||
		pb_tfrecord_mask(f->crc32c(p, 8)) == pb_load_le32(p + 8);
	pb_source_consume(f->src, 12);

	if (msglen > f->max_message_size)
	{
		f->oversized = msglen + 4;
		f->messages++;
		return fail(f, PB_FRAME_ERR_TOO_LARGE,
					"message of %" PRIu64 " bytes exceeds max_message_size (%" PRIu64 " bytes)",
					msglen, f->max_message_size);
	}
	f->messages++;
	rc = pb_source_fill(f->src, (size_t) msglen + 4);
	if (rc < 0)
		return fail_io(f);
	if (rc > 0)
		return fail(f, PB_FRAME_ERR_TRUNCATED,
					"end of file inside a TFRecord: %" PRIu64 " bytes expected, %zu found",
					msglen + 4, pb_source_avail(f->src));
	p = pb_source_peek(f->src);
	pb_source_consume(f->src, (size_t) msglen + 4);
	if (!len_crc_ok)
		return fail(f, PB_FRAME_ERR_CRC, "TFRecord length checksum mismatch");
	if (f->crc32c &&
		pb_tfrecord_mask(f->crc32c(p, (size_t) msglen)) != pb_load_le32(p + msglen))
		return fail(f, PB_FRAME_ERR_CRC, "TFRecord data checksum mismatch");
	*msg = p;
	*len = (size_t) msglen;
	return PB_FRAME_MESSAGE;
}

/* single: the whole input is one message */
static PbFrameResult
next_single(PbFraming *f, const uint8_t **msg, size_t *len)
{
	size_t		want = 64 * 1024;
	size_t		avail;

	f->record_offset = 0;
	if (f->single_done)
		return PB_FRAME_END;
	f->single_done = 1;
	f->messages++;
	for (;;)
	{
		int			rc;

		if (want > f->max_message_size + 1)
			want = (size_t) f->max_message_size + 1;
		rc = pb_source_fill(f->src, want);
		if (rc < 0)
			return fail_io(f);
		if (rc > 0 || want > f->max_message_size)
			break;
		want *= 2;
	}
	avail = pb_source_avail(f->src);
	if (avail > f->max_message_size)
		return fail(f, PB_FRAME_ERR_TOO_LARGE,
					"message (the whole file) larger than max_message_size (%" PRIu64 " bytes)",
					f->max_message_size);
	*msg = pb_source_peek(f->src);
	*len = avail;
	pb_source_consume(f->src, avail);
	return PB_FRAME_MESSAGE;
}

PbFrameResult
pb_framing_next(PbFraming *f, const uint8_t **msg, size_t *len)
{
	switch (f->kind)
	{
		case PB_FRAMING_CONTAINER:
			return next_container(f, msg, len);
		case PB_FRAMING_FIXED32BE:
		case PB_FRAMING_FIXED32LE:
			return next_fixed32(f, msg, len);
		case PB_FRAMING_TFRECORD:
			return next_tfrecord(f, msg, len);
		case PB_FRAMING_SINGLE:
			return next_single(f, msg, len);
		default:
			return next_delimited(f, msg, len);
	}
}

/* ---------- splitting for parallel scans ---------- */

PbWalkResult
pb_framing_walk(PbFramingKind kind, uint32_t container_field, uint64_t max_message_size,
				const uint8_t *buf, size_t len, int at_eof, size_t *boundary,
				uint64_t *rows, uint64_t *need)
{
	const uint8_t *p = buf;
	const uint8_t *end = buf + len;
	uint64_t	first_need = 0;

	*boundary = 0;
	*rows = 0;
	*need = 0;
	while (p < end)
	{
		const uint8_t *q = p;
		uint64_t	reclen = 0;		/* bytes of the record after its header */
		uint64_t	v;
		int			is_row = 1;
		PbWireStatus st;

		switch (kind)
		{
			case PB_FRAMING_DELIMITED:
				st = pb_read_varint(&q, end, &v);
				if (st == PB_WIRE_TRUNCATED)
					goto out;
				if (st != PB_WIRE_OK || v > max_message_size)
					goto stop;
				reclen = v;
				break;
			case PB_FRAMING_FIXED32BE:
			case PB_FRAMING_FIXED32LE:
				if (end - q < 4)
					goto out;
				reclen = kind == PB_FRAMING_FIXED32BE
					? ((uint32_t) q[0] << 24) | ((uint32_t) q[1] << 16) | ((uint32_t) q[2] << 8) | q[3]
					: pb_load_le32(q);
				q += 4;
				if (reclen > max_message_size)
					goto stop;
				break;
			case PB_FRAMING_TFRECORD:
				if (end - q < 12)
					goto out;
				reclen = pb_load_le64(q);
				if (reclen > max_message_size)
					goto stop;
				reclen += 4;
				q += 12;
				break;
			case PB_FRAMING_CONTAINER:
				{
					uint32_t	field;
					int			wt;

					st = pb_read_tag(&q, end, &field, &wt);
					if (st == PB_WIRE_TRUNCATED)
						goto out;
					if (st != PB_WIRE_OK)
						goto stop;
					is_row = (field == container_field && wt == PB_WT_LEN);
					switch (wt)
					{
						case PB_WT_VARINT:
							st = pb_skip_varint(&q, end);
							if (st == PB_WIRE_TRUNCATED)
								goto out;
							if (st != PB_WIRE_OK)
								goto stop;
							break;
						case PB_WT_I64:
							reclen = 8;
							break;
						case PB_WT_I32:
							reclen = 4;
							break;
						case PB_WT_LEN:
							st = pb_read_varint(&q, end, &v);
							if (st == PB_WIRE_TRUNCATED)
								goto out;
							if (st != PB_WIRE_OK || v > INT32_MAX ||
								(is_row && v > max_message_size))
								goto stop;
							reclen = v;
							break;
						default:
							goto stop;	/* groups are left to a sequential reader */
					}
				}
				break;
			default:
				goto stop;
		}
		if (reclen > (uint64_t) (end - q))
		{
			if (*boundary == 0)
				first_need = (uint64_t) (q - p) + reclen;
			goto out;
		}
		p = q + reclen;
		*boundary = (size_t) (p - buf);
		if (is_row)
			(*rows)++;
	}
out:
	if (*boundary > 0 || (at_eof && p == end))
		return PB_WALK_OK;
	if (at_eof)
		return PB_WALK_STOP;	/* a truncated record: the reader reports it */
	*need = first_need > 0 ? first_need : len * 2;
	return PB_WALK_NEED_MORE;
stop:
	if (*boundary > 0)
		return PB_WALK_OK;
	return PB_WALK_STOP;
}
