/*-------------------------------------------------------------------------
 *
 * framing.c
 *		The framings: finding each message's bytes in a stream.
 *
 * pb_framing_next() reads one record of the six framings (delimited,
 * container, fixed32be, fixed32le, tfrecord, single) from a PbSource and
 * hands back its body, which the source keeps contiguous until the next
 * call.  pb_framing_walk() finds the record boundaries in a block of memory
 * without decoding, for splitting a file among parallel workers.
 *
 * Invariants are checked with assert() (this file includes no PostgreSQL
 * header): they hold for any input, so a corrupt file is an error code,
 * never an assertion failure.  The extension's Makefile compiles them out
 * (NDEBUG) unless the server was built with --enable-cassert.
 *
 *-------------------------------------------------------------------------
 */
#include "stream/framing.h"

#include <assert.h>
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
	assert(kind >= 0 && kind <= PB_FRAMING_LAST);
	assert(src != NULL);
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
	assert(kind >= 0 && kind <= PB_FRAMING_LAST);
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

	assert(err != PB_FRAME_ERR_NONE);
	f->err = err;
	va_start(ap, fmt);
	vsnprintf(f->errmsg, sizeof(f->errmsg), fmt, ap);
	va_end(ap);
	return PB_FRAME_ERROR;
}

static inline PbFrameResult
fail_io(PbFraming *f)
{
	fail(f, PB_FRAME_ERR_IO, "could not read input");
	return PB_FRAME_ERROR;
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
	assert(p > pb_source_peek(f->src));
	pb_source_consume(f->src, p - pb_source_peek(f->src));
	return PB_FRAME_MESSAGE;
}

/*
 * Make 'len' bytes available, growing the buffer toward them in doublings,
 * so that a lying length prefix near max_message_size meets the end of the
 * file before the buffer is allocated at that size.  Returns what
 * pb_source_fill does.
 */
static int
fill_toward(PbSource *src, uint64_t len)
{
	size_t		want = pb_source_avail(src) * 2;
	int			rc;

	if (want < PB_SOURCE_INITIAL_CAP)
		want = PB_SOURCE_INITIAL_CAP;
	for (;;)
	{
		if (want > len)
			want = (size_t) len;
		rc = pb_source_fill(src, want);
		if (rc != 0 || want == len)
			return rc;
		want *= 2;
	}
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
	rc = fill_toward(f->src, len);
	if (rc < 0)
		return fail_io(f);
	if (rc > 0)
	{
		f->messages++;
		return fail(f, PB_FRAME_ERR_TRUNCATED,
					"end of file inside a message body: %" PRIu64 " bytes expected, %zu found",
					len, pb_source_avail(f->src));
	}
	assert(pb_source_avail(f->src) >= len);
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
 * Read a tag of the container from the stream.  'truncated' is the error
 * message for an input that ends inside it, 'where' is appended to that of
 * a malformed one.
 */
static inline PbFrameResult
stream_tag(PbFraming *f, uint32_t *field, int *wt, const char *truncated,
		   const char *where)
{
	const uint8_t *p;
	PbWireStatus st;

	if (pb_source_fill(f->src, VARINT_MAX) < 0)
		return fail_io(f);
	p = pb_source_peek(f->src);
	st = pb_read_tag(&p, p + pb_source_avail(f->src), field, wt);
	if (st != PB_WIRE_OK)
	{
		/* PB_FRAME_ERROR said here, where the compiler sees *field and *wt unset */
		if (st == PB_WIRE_TRUNCATED)
			fail(f, PB_FRAME_ERR_TRUNCATED, "%s", truncated);
		else
			fail(f, PB_FRAME_ERR_MALFORMED, "%s%s", pb_wire_status_message(st), where);
		return PB_FRAME_ERROR;
	}
	assert(*wt >= PB_WT_VARINT && *wt <= PB_WT_I32);
	pb_source_consume(f->src, p - pb_source_peek(f->src));
	return PB_FRAME_MESSAGE;
}

/* Skip the value of a container field of wire type VARINT, I64, LEN or I32. */
static PbFrameResult
stream_skip_value(PbFraming *f, int wt)
{
	uint64_t	v;
	PbFrameResult res;
	int			rc;

	switch (wt)
	{
		case PB_WT_VARINT:
			return stream_varint(f, &v, "a varint field of the container");
		case PB_WT_I64:
		case PB_WT_I32:
			rc = pb_source_skip(f->src, wt == PB_WT_I64 ? 8 : 4);
			if (rc < 0)
				return fail_io(f);
			if (rc > 0)
				return fail(f, PB_FRAME_ERR_TRUNCATED, "end of file inside a fixed-width field of the container");
			return PB_FRAME_MESSAGE;
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
			return PB_FRAME_MESSAGE;
	}
	assert(!"stream_skip_value: a group's wire type");
	return PB_FRAME_MESSAGE;
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
		PbFrameResult res;

		if (wt == PB_WT_SGROUP)
		{
			if (nopen >= PB_MAX_DEPTH)
				return fail(f, PB_FRAME_ERR_MALFORMED, "%s", pb_wire_status_message(PB_WIRE_TOO_DEEP));
			open[nopen++] = field;
		}
		else if (wt == PB_WT_EGROUP)
		{
			if (nopen == 0 || open[nopen - 1] != field)
				return fail(f, PB_FRAME_ERR_MALFORMED, "%s", pb_wire_status_message(PB_WIRE_BAD_END_GROUP));
			nopen--;
		}
		else if ((res = stream_skip_value(f, wt)) != PB_FRAME_MESSAGE)
			return res;
		assert(nopen >= 0 && nopen <= PB_MAX_DEPTH);
		if (nopen == 0)
			return PB_FRAME_MESSAGE;

		/* inside a group: the next tag */
		res = stream_tag(f, &field, &wt, "end of file inside a group of the container", "");
		if (res != PB_FRAME_MESSAGE)
			return res;
	}
}

static PbFrameResult
next_container(PbFraming *f, const uint8_t **msg, size_t *len)
{
	for (;;)
	{
		PbFrameResult res;
		uint32_t	field;
		int			wt;

		f->record_offset = pb_source_offset(f->src);
		if (at_end(f, &res))
			return res;
		res = stream_tag(f, &field, &wt, "end of file inside a tag of the container",
						 " in the container");
		if (res != PB_FRAME_MESSAGE)
			return res;

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
 * next_tfrecord
 *		Frame one TFRecord record
 *
 * A record is a u64 length, the u32 masked CRC-32C of those 8 bytes, the
 * data, and the u32 masked CRC-32C of the data (all little-endian).  The
 * checksums are verified only if the caller supplied crc32c.
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

/*
 * single: does the input end inside one of the message's top-level fields?
 * A cut anywhere (inside nested messages too) leaves the top-level field
 * around it running past the end, so one walk over the top level, skipping
 * bodies by their lengths, tells a cut file (truncated) from a damaged one
 * (left to the decoder, which says where).
 */
static int
single_cut_short(PbFraming *f, const uint8_t *p, size_t len)
{
	const uint8_t *at = NULL;
	PbWireStatus st = pb_walk_message(p, p + len, &at);

	if (st != PB_WIRE_TRUNCATED && st != PB_WIRE_LEN_PAST_END)
		return 0;
	fail(f, PB_FRAME_ERR_TRUNCATED,
		 "the input ends inside the message's field at byte offset %" PRIu64
		 " (the whole input is one message, of %zu bytes)",
		 (uint64_t) (at ? at - p : 0), len);
	return 1;
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
	if (single_cut_short(f, pb_source_peek(f->src), avail))
		return PB_FRAME_ERROR;
	*msg = pb_source_peek(f->src);
	*len = avail;
	pb_source_consume(f->src, avail);
	return PB_FRAME_MESSAGE;
}

PbFrameResult
pb_framing_next(PbFraming *f, const uint8_t **msg, size_t *len)
{
	PbFrameResult res;

	assert(f->src != NULL && msg != NULL && len != NULL);
	switch (f->kind)
	{
		case PB_FRAMING_CONTAINER:
			res = next_container(f, msg, len);
			break;
		case PB_FRAMING_FIXED32BE:
		case PB_FRAMING_FIXED32LE:
			res = next_fixed32(f, msg, len);
			break;
		case PB_FRAMING_TFRECORD:
			res = next_tfrecord(f, msg, len);
			break;
		case PB_FRAMING_SINGLE:
			res = next_single(f, msg, len);
			break;
		default:
			res = next_delimited(f, msg, len);
			break;
	}
	/* a message lies in the bytes just consumed, within the size limit */
	assert(res != PB_FRAME_MESSAGE ||
		   (*len <= f->max_message_size && *msg >= f->src->buf &&
			*len <= (size_t) (pb_source_peek(f->src) - *msg)));
	assert(res != PB_FRAME_ERROR || f->err != PB_FRAME_ERR_NONE);
	return res;
}

/* ---------- splitting for parallel scans ---------- */

/* What reading the header of one record in a block found. */
typedef enum WalkStep
{
	WALK_RECORD,				/* a header: the record's body is the next reclen bytes */
	WALK_SHORT,					/* the block ends inside the header */
	WALK_STOP					/* a header a reader must report, or a group */
} WalkStep;

/* A wire status as a walk step: a value cut by the block's end may go on in the next. */
static inline WalkStep
walk_wire_step(PbWireStatus st)
{
	return st == PB_WIRE_TRUNCATED ? WALK_SHORT : WALK_STOP;
}

/*
 * walk_container_header
 *		Read one top-level field's tag and length of a container
 *
 * *is_row says whether the field is one of the rows (the container field,
 * LEN); *reclen is the bytes of its value after what was read.
 */
static inline WalkStep
walk_container_header(uint32_t container_field, uint64_t max_message_size,
					  const uint8_t **q, const uint8_t *end,
					  uint64_t *reclen, int *is_row)
{
	PbWireStatus st;
	uint32_t	field;
	int			wt;
	uint64_t	v;

	st = pb_read_tag(q, end, &field, &wt);
	if (st != PB_WIRE_OK)
		return walk_wire_step(st);
	*is_row = (field == container_field && wt == PB_WT_LEN);
	switch (wt)
	{
		case PB_WT_VARINT:
			st = pb_skip_varint(q, end);
			if (st != PB_WIRE_OK)
				return walk_wire_step(st);
			*reclen = 0;
			return WALK_RECORD;
		case PB_WT_I64:
			*reclen = 8;
			return WALK_RECORD;
		case PB_WT_I32:
			*reclen = 4;
			return WALK_RECORD;
		case PB_WT_LEN:
			st = pb_read_varint(q, end, &v);
			if (st != PB_WIRE_OK)
				return walk_wire_step(st);
			if (v > INT32_MAX || (*is_row && v > max_message_size))
				return WALK_STOP;
			*reclen = v;
			return WALK_RECORD;
		default:
			return WALK_STOP;	/* groups are left to a sequential reader */
	}
}

/*
 * Read the header of the record at *q (its length prefix, or a container
 * field's tag and length), advancing *q past it: *reclen is the bytes of
 * the record after its header, *is_row whether the record is a row.
 */
static inline WalkStep
walk_header(PbFramingKind kind, uint32_t container_field, uint64_t max_message_size,
			const uint8_t **q, const uint8_t *end, uint64_t *reclen, int *is_row)
{
	const uint8_t *s = *q;
	PbWireStatus st;

	*is_row = 1;
	switch (kind)
	{
		case PB_FRAMING_DELIMITED:
			st = pb_read_varint(q, end, reclen);
			if (st != PB_WIRE_OK)
				return walk_wire_step(st);
			return *reclen > max_message_size ? WALK_STOP : WALK_RECORD;
		case PB_FRAMING_FIXED32BE:
		case PB_FRAMING_FIXED32LE:
			if (end - s < 4)
				return WALK_SHORT;
			*reclen = kind == PB_FRAMING_FIXED32BE
				? ((uint32_t) s[0] << 24) | ((uint32_t) s[1] << 16) | ((uint32_t) s[2] << 8) | s[3]
				: pb_load_le32(s);
			*q = s + 4;
			return *reclen > max_message_size ? WALK_STOP : WALK_RECORD;
		case PB_FRAMING_TFRECORD:
			if (end - s < 12)
				return WALK_SHORT;
			*reclen = pb_load_le64(s);
			if (*reclen > max_message_size)
				return WALK_STOP;
			*reclen += 4;		/* the data's checksum */
			*q = s + 12;
			return WALK_RECORD;
		case PB_FRAMING_CONTAINER:
			return walk_container_header(container_field, max_message_size,
										 q, end, reclen, is_row);
		default:
			return WALK_STOP;	/* single: one record, nothing to split */
	}
}

/*
 * pb_framing_walk
 *		Find the whole records at the start of a block, for splitting
 *
 * Reads record headers only (see framing.h for the contract); a record the
 * streaming reader would report (too large, malformed, a group) stops the
 * walk where it starts, so that a reader meets it.
 */
PbWalkResult
pb_framing_walk(PbFramingKind kind, uint32_t container_field, uint64_t max_message_size,
				const uint8_t *buf, size_t len, int at_eof, size_t *boundary,
				uint64_t *rows, uint64_t *need)
{
	const uint8_t *p = buf;
	const uint8_t *end = buf + len;
	size_t		whole = 0;		/* the end of the last whole record */
	uint64_t	nrows = 0;
	uint64_t	first_need = 0;
	WalkStep	step = WALK_RECORD;

	assert(kind >= 0 && kind <= PB_FRAMING_LAST);
	assert(buf != NULL || len == 0);
	assert(boundary != NULL && rows != NULL && need != NULL);
	while (p < end)
	{
		const uint8_t *q = p;
		uint64_t	reclen;
		int			is_row;

		step = walk_header(kind, container_field, max_message_size, &q, end, &reclen, &is_row);
		if (step != WALK_RECORD)
			break;
		assert(q > p && q <= end);
		if (reclen > (uint64_t) (end - q))
		{
			/* the record does not fit: if it is the first, say how much would */
			if (whole == 0)
				first_need = (uint64_t) (q - p) + reclen;
			step = WALK_SHORT;
			break;
		}
		p = q + reclen;
		whole = (size_t) (p - buf);
		nrows += is_row;
	}
	assert(whole <= len && nrows <= whole);
	*boundary = whole;
	*rows = nrows;
	*need = 0;
	if (whole > 0)
		return PB_WALK_OK;
	if (step == WALK_STOP)
		return PB_WALK_STOP;
	if (at_eof)
		return p == end ? PB_WALK_OK : PB_WALK_STOP;	/* a truncated record: the reader reports it */
	*need = first_need > 0 ? first_need : len * 2;
	return PB_WALK_NEED_MORE;
}

/* ---------- roots of a container path ---------- */

/* The length prefix of a delimited or fixed32 record, or a clean end. */
static PbFrameResult
root_prefix(PbFraming *f, uint64_t *len)
{
	PbFrameResult res;
	const uint8_t *p;
	int			rc;

	if (at_end(f, &res))
		return res;
	f->messages++;
	if (f->kind == PB_FRAMING_DELIMITED)
		return stream_varint(f, len, "a length prefix");
	rc = pb_source_fill(f->src, 4);
	if (rc < 0)
		return fail_io(f);
	if (rc > 0)
		return fail(f, PB_FRAME_ERR_TRUNCATED, "end of file inside a length prefix");
	p = pb_source_peek(f->src);
	*len = f->kind == PB_FRAMING_FIXED32BE
		? ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3]
		: pb_load_le32(p);
	pb_source_consume(f->src, 4);
	return PB_FRAME_MESSAGE;
}

/*
 * A TFRecord root: the whole record is read and its checksums verified
 * before it is walked (a record's data checksum covers all of it), so a
 * record must fit max_message_size.  The body stays in the source's buffer
 * for the walk; pb_framing_end_root consumes the data checksum.
 */
static PbFrameResult
root_tfrecord(PbFraming *f, uint64_t *len)
{
	const uint8_t *msg;
	size_t		msglen;
	PbFrameResult res = next_tfrecord(f, &msg, &msglen);

	if (res != PB_FRAME_MESSAGE)
		return res;
	/* step back to the body: it and its checksum are still buffered */
	assert(f->src->pos >= msglen + 4);
	f->src->pos -= msglen + 4;
	*len = msglen;
	return PB_FRAME_MESSAGE;
}

PbFrameResult
pb_framing_next_root(PbFraming *f, uint64_t *len)
{
	assert(f->src != NULL && len != NULL);
	f->record_offset = pb_source_offset(f->src);
	switch (f->kind)
	{
		case PB_FRAMING_SINGLE:
		case PB_FRAMING_CONTAINER:
			if (f->single_done)
				return PB_FRAME_END;
			f->single_done = 1;
			f->messages++;
			*len = UINT64_MAX;
			return PB_FRAME_MESSAGE;
		case PB_FRAMING_TFRECORD:
			return root_tfrecord(f, len);
		default:
			return root_prefix(f, len);
	}
}

PbFrameResult
pb_framing_end_root(PbFraming *f)
{
	if (f->kind != PB_FRAMING_TFRECORD)
		return PB_FRAME_MESSAGE;
	if (pb_source_fill(f->src, 4) != 0)
		return fail(f, PB_FRAME_ERR_TRUNCATED, "end of file inside a TFRecord checksum");
	pb_source_consume(f->src, 4);
	return PB_FRAME_MESSAGE;
}
