/*-------------------------------------------------------------------------
 *
 * test_stream.c
 *		Unit tests of src/stream/: wire primitives, source, framings, input.
 *
 * Runs without a server.  Inputs are written out byte by byte from the
 * protobuf encoding rules, so the tests do not depend on any encoder of
 * ours.  The stream layer's assert() checks are on here (see below).
 *
 *-------------------------------------------------------------------------
 */
#ifdef NDEBUG
#error "test_stream.c checks src/stream/ with its asserts on: build it without NDEBUG"
#endif

#include <errno.h>
#include <stdint.h>

#include <zlib.h>
#include <zstd.h>

#include "unit.h"
#include "stream/framing.h"
#include "stream/input.h"
#include "stream/source.h"
#include "stream/wire.h"

/* ---- a memory-backed read callback that hands out at most 'chunk' bytes per call ---- */
typedef struct MemInput
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
	size_t		chunk;
	int			fail_at;		/* fail the read that would pass this offset (-1: never) */
} MemInput;

static long
mem_read(void *arg, uint8_t *buf, size_t len)
{
	MemInput   *in = arg;
	size_t		n = in->len - in->pos;

	if (in->fail_at >= 0 && in->pos >= (size_t) in->fail_at)
	{
		errno = EIO;
		return -1;
	}
	if (n > len)
		n = len;
	if (n > in->chunk)
		n = in->chunk;
	memcpy(buf, in->data + in->pos, n);
	in->pos += n;
	return (long) n;
}

static const PbAllocator allocator = {unit_malloc, unit_free, NULL};

/*
 * test_varints
 *		Varints: reading, bounds, ZigZag and little-endian loads
 */
static void
test_varints(void)
{
	const uint8_t one[] = {0x01};
	const uint8_t v300[] = {0xAC, 0x02};
	const uint8_t max64[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
	const uint8_t eleven[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
	const uint8_t unterminated[] = {0x80, 0x80};
	const uint8_t *p;
	uint64_t	v;

	p = one;
	CHECK_EQ_INT(pb_read_varint(&p, one + 1, &v), PB_WIRE_OK);
	CHECK_EQ_INT(v, 1);
	CHECK(p == one + 1);

	p = v300;
	CHECK_EQ_INT(pb_read_varint(&p, v300 + 2, &v), PB_WIRE_OK);
	CHECK_EQ_INT(v, 300);

	p = max64;
	CHECK_EQ_INT(pb_read_varint(&p, max64 + 10, &v), PB_WIRE_OK);
	CHECK(v == UINT64_MAX);
	CHECK(p == max64 + 10);

	p = eleven;
	CHECK_EQ_INT(pb_read_varint(&p, eleven + 11, &v), PB_WIRE_BAD_VARINT);
	CHECK(p == eleven);			/* cursor untouched on failure */

	p = unterminated;
	CHECK_EQ_INT(pb_read_varint(&p, unterminated + 2, &v), PB_WIRE_TRUNCATED);
	p = one;
	CHECK_EQ_INT(pb_read_varint(&p, one, &v), PB_WIRE_TRUNCATED);

	/* ZigZag: 0->0, 1->-1, 2->1, 0xfffffffe->INT32_MAX, 0xffffffff->INT32_MIN */
	CHECK_EQ_INT(pb_zigzag32(0), 0);
	CHECK_EQ_INT(pb_zigzag32(1), -1);
	CHECK_EQ_INT(pb_zigzag32(2), 1);
	CHECK_EQ_INT(pb_zigzag32(0xfffffffeu), INT32_MAX);
	CHECK_EQ_INT(pb_zigzag32(0xffffffffu), INT32_MIN);
	CHECK(pb_zigzag64(UINT64_MAX) == INT64_MIN);
	CHECK(pb_zigzag64(UINT64_MAX - 1) == INT64_MAX);

	{
		const uint8_t le[] = {0x78, 0x56, 0x34, 0x12, 0xEF, 0xCD, 0xAB, 0x90};

		CHECK(pb_load_le32(le) == 0x12345678u);
		CHECK(pb_load_le64(le) == 0x90ABCDEF12345678ull);
	}
}

/*
 * Ten continuation bytes are malformed even where the range ends after them,
 * for the skipping readers too (fuzz finding 3); nine are cut short.
 */
static void
test_unterminated_varint(void)
{
	uint8_t		ten[11] = {0x08};
	const uint8_t *fail_at = NULL;
	const uint8_t *p;
	uint64_t	v;

	memset(ten + 1, 0x80, 10);
	p = ten + 1;
	CHECK_EQ_INT(pb_read_varint(&p, ten + 11, &v), PB_WIRE_BAD_VARINT);
	CHECK_EQ_INT(pb_skip_varint(&p, ten + 11), PB_WIRE_BAD_VARINT);
	CHECK(p == ten + 1);
	CHECK_EQ_INT(pb_skip_varint(&p, ten + 10), PB_WIRE_TRUNCATED);
	CHECK_EQ_INT(pb_walk_message(ten, ten + 11, &fail_at), PB_WIRE_BAD_VARINT);
	CHECK(fail_at == ten);
	CHECK_EQ_INT(pb_walk_message(ten, ten + 10, &fail_at), PB_WIRE_TRUNCATED);
}

static void
test_tags(void)
{
	const uint8_t t1[] = {0x08};	/* field 1, varint */
	const uint8_t t0[] = {0x00};	/* field 0 */
	const uint8_t wt6[] = {0x0E};	/* field 1, wire type 6 */
	const uint8_t wt7[] = {0x0F};
	const uint8_t maxf[] = {0xFA, 0xFF, 0xFF, 0xFF, 0x0F};	/* field 2^29-1, LEN */
	const uint8_t sixbyte[] = {0x88, 0x80, 0x80, 0x80, 0x80, 0x00};
	const uint8_t *p;
	uint32_t	field;
	int			wt;

	p = t1;
	CHECK_EQ_INT(pb_read_tag(&p, t1 + 1, &field, &wt), PB_WIRE_OK);
	CHECK_EQ_INT(field, 1);
	CHECK_EQ_INT(wt, PB_WT_VARINT);
	p = t0;
	CHECK_EQ_INT(pb_read_tag(&p, t0 + 1, &field, &wt), PB_WIRE_FIELD_ZERO);
	p = wt6;
	CHECK_EQ_INT(pb_read_tag(&p, wt6 + 1, &field, &wt), PB_WIRE_BAD_WIRE_TYPE);
	p = wt7;
	CHECK_EQ_INT(pb_read_tag(&p, wt7 + 1, &field, &wt), PB_WIRE_BAD_WIRE_TYPE);
	p = maxf;
	CHECK_EQ_INT(pb_read_tag(&p, maxf + 5, &field, &wt), PB_WIRE_OK);
	CHECK_EQ_INT(field, PB_MAX_FIELD_NUMBER);
	CHECK_EQ_INT(wt, PB_WT_LEN);
	p = sixbyte;
	CHECK_EQ_INT(pb_read_tag(&p, sixbyte + 6, &field, &wt), PB_WIRE_BAD_VARINT);
}

/* Build n nested groups of field 5 (start tags 0x2B, end tags 0x2C). */
static size_t
nested_groups(uint8_t *buf, int n)
{
	size_t		k = 0;

	for (int i = 0; i < n; i++)
		buf[k++] = 0x2B;
	for (int i = 0; i < n; i++)
		buf[k++] = 0x2C;
	return k;
}

/*
 * test_skip_and_walk
 *		Skipping fields and groups, and pb_walk_message's verdicts
 */
static void
test_skip_and_walk(void)
{
	/* field 1 varint 150, field 2 LEN "ab", field 3 fixed64, field 4 fixed32, group 5 {field 1 = 1} */
	const uint8_t msg[] = {0x08, 0x96, 0x01,
		0x12, 0x02, 'a', 'b',
		0x19, 1, 2, 3, 4, 5, 6, 7, 8,
		0x25, 1, 2, 3, 4,
		0x2B, 0x08, 0x01, 0x2C};
	const uint8_t *fail_at = NULL;
	uint8_t		deep[1000];
	size_t		n;

	CHECK_EQ_INT(pb_walk_message(msg, msg + sizeof(msg), &fail_at), PB_WIRE_OK);
	/* every truncation of it fails, at the field that is cut */
	for (size_t cut = 1; cut < sizeof(msg); cut++)
	{
		PbWireStatus st = pb_walk_message(msg, msg + cut, &fail_at);

		if (cut == 3 || cut == 7 || cut == 16 || cut == 21)
			CHECK_EQ_INT(st, PB_WIRE_OK);	/* a field boundary */
		else
			CHECK(st != PB_WIRE_OK);
	}
	{
		const uint8_t past[] = {0x08, 0x01, 0x12, 0x05, 'a'};

		CHECK_EQ_INT(pb_walk_message(past, past + sizeof(past), &fail_at), PB_WIRE_LEN_PAST_END);
		CHECK(fail_at == past + 2);
	}
	{
		const uint8_t huge[] = {0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F};

		CHECK_EQ_INT(pb_walk_message(huge, huge + sizeof(huge), &fail_at), PB_WIRE_LEN_OVERFLOW);
	}
	{
		const uint8_t stray_end[] = {0x2C};
		const uint8_t wrong_end[] = {0x2B, 0x34};	/* group 5 closed by end of 6 */

		CHECK_EQ_INT(pb_walk_message(stray_end, stray_end + 1, &fail_at), PB_WIRE_BAD_END_GROUP);
		CHECK_EQ_INT(pb_walk_message(wrong_end, wrong_end + 2, &fail_at), PB_WIRE_BAD_END_GROUP);
	}

	n = nested_groups(deep, 100);
	CHECK_EQ_INT(pb_walk_message(deep, deep + n, &fail_at), PB_WIRE_OK);
	n = nested_groups(deep, 101);
	CHECK_EQ_INT(pb_walk_message(deep, deep + n, &fail_at), PB_WIRE_TOO_DEEP);
	n = nested_groups(deep, 400);
	CHECK_EQ_INT(pb_walk_message(deep, deep + n, &fail_at), PB_WIRE_TOO_DEEP);
}

/*
 * test_source
 *		The buffered source: filling, growing, skipping, read errors
 */
static void
test_source(void)
{
	uint8_t		data[5000];
	MemInput	in;
	PbSource	src;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t) (i * 7);
	in = (MemInput) {data, sizeof(data), 0, 3, -1};
	CHECK_EQ_INT(pb_source_init(&src, mem_read, &in, &allocator, 16), 0);

	/* a run longer than the buffer makes it grow, contents intact */
	CHECK_EQ_INT(pb_source_fill(&src, 100), 0);
	CHECK(src.cap >= 100);
	CHECK_MEM(pb_source_peek(&src), data, 100);
	pb_source_consume(&src, 90);
	CHECK_EQ_INT(pb_source_offset(&src), 90);
	CHECK_EQ_INT(pb_source_fill(&src, 50), 0);
	CHECK_MEM(pb_source_peek(&src), data + 90, 50);

	/* skipping reads through unbuffered bytes */
	CHECK_EQ_INT(pb_source_skip(&src, 4000), 0);
	CHECK_EQ_INT(pb_source_offset(&src), 4090);
	CHECK_EQ_INT(pb_source_fill(&src, 10), 0);
	CHECK_MEM(pb_source_peek(&src), data + 4090, 10);

	/* asking for more than is left reports the end, with what is left */
	CHECK_EQ_INT(pb_source_fill(&src, 2000), 1);
	CHECK_EQ_INT(pb_source_avail(&src), 910);
	CHECK_EQ_INT(pb_source_skip(&src, 911), 1);

	/* reset + rewind starts over */
	in.pos = 0;
	pb_source_reset(&src);
	CHECK_EQ_INT(pb_source_fill(&src, 4), 0);
	CHECK_MEM(pb_source_peek(&src), data, 4);
	CHECK_EQ_INT(pb_source_offset(&src), 0);

	/* read errors surface with errno */
	in.pos = 0;
	in.fail_at = 10;
	pb_source_reset(&src);
	CHECK_EQ_INT(pb_source_fill(&src, 20), -1);
	CHECK_EQ_INT(src.read_errno, EIO);
	pb_source_free(&src);
}

/* Run a framing over bytes; count messages and sum their lengths. */
typedef struct FrameRun
{
	PbFrameResult last;
	PbFrameError err;
	int			messages;
	size_t		total;
	uint64_t	record_offset;
	char		first[16];
} FrameRun;

static FrameRun
run_framing(PbFramingKind kind, const uint8_t *data, size_t len, uint32_t field,
			uint64_t max, size_t chunk)
{
	MemInput	in = {data, len, 0, chunk, -1};
	PbSource	src;
	PbFraming	f;
	FrameRun	r;
	const uint8_t *msg;
	size_t		mlen;

	memset(&r, 0, sizeof(r));
	pb_source_init(&src, mem_read, &in, &allocator, 8);
	pb_framing_init(&f, kind, &src, field, max);
	while ((r.last = pb_framing_next(&f, &msg, &mlen)) == PB_FRAME_MESSAGE)
	{
		if (r.messages == 0)
			memcpy(r.first, msg, mlen < 15 ? mlen : 15);
		r.messages++;
		r.total += mlen;
	}
	r.err = f.err;
	r.record_offset = f.record_offset;
	pb_source_free(&src);
	return r;
}

/*
 * test_delimited
 *		The delimited framing: chunked reads, truncation, the size limit
 */
static void
test_delimited(void)
{
	/* three messages: "\x08\x01", "", "\x08\x02\x10\x03" */
	const uint8_t file[] = {0x02, 0x08, 0x01, 0x00, 0x04, 0x08, 0x02, 0x10, 0x03};
	FrameRun	r;

	for (size_t chunk = 1; chunk <= 16; chunk *= 2)
	{
		r = run_framing(PB_FRAMING_DELIMITED, file, sizeof(file), 0, 100, chunk);
		CHECK_EQ_INT(r.last, PB_FRAME_END);
		CHECK_EQ_INT(r.messages, 3);
		CHECK_EQ_INT(r.total, 6);
		CHECK_MEM(r.first, "\x08\x01", 2);
	}
	/* empty input: no messages */
	r = run_framing(PB_FRAMING_DELIMITED, file, 0, 0, 100, 4);
	CHECK_EQ_INT(r.last, PB_FRAME_END);
	CHECK_EQ_INT(r.messages, 0);

	/* every cut that is not a message boundary is a truncation */
	for (size_t cut = 1; cut < sizeof(file); cut++)
	{
		r = run_framing(PB_FRAMING_DELIMITED, file, cut, 0, 100, 3);
		if (cut == 3 || cut == 4)
			CHECK_EQ_INT(r.last, PB_FRAME_END);
		else
		{
			CHECK_EQ_INT(r.last, PB_FRAME_ERROR);
			CHECK_EQ_INT(r.err, PB_FRAME_ERR_TRUNCATED);
		}
	}
	/* the third message's record starts at offset 4 */
	r = run_framing(PB_FRAMING_DELIMITED, file, 7, 0, 100, 3);
	CHECK_EQ_INT(r.record_offset, 4);

	/* a message over the limit */
	r = run_framing(PB_FRAMING_DELIMITED, file, sizeof(file), 0, 3, 3);
	CHECK_EQ_INT(r.last, PB_FRAME_ERROR);
	CHECK_EQ_INT(r.err, PB_FRAME_ERR_TOO_LARGE);
	CHECK_EQ_INT(r.messages, 2);

	/* an 11-byte length prefix is malformed */
	{
		const uint8_t bad[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00};

		r = run_framing(PB_FRAMING_DELIMITED, bad, sizeof(bad), 0, 100, 5);
		CHECK_EQ_INT(r.err, PB_FRAME_ERR_MALFORMED);
	}
	/* a length near 2^32 is refused by the limit before any allocation */
	{
		const uint8_t big[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00};

		r = run_framing(PB_FRAMING_DELIMITED, big, sizeof(big), 0, 2147483647u, 5);
		CHECK_EQ_INT(r.err, PB_FRAME_ERR_TOO_LARGE);
	}
}

/*
 * Batch { string name = 2; repeated Row rows = 1; int32 n = 3; fixed64 f = 4; group g = 5 }
 * on the wire: name, row, n, row, f, group{n=1, nested group}, row, fixed32 7
 */
static const uint8_t container_file[] = {
	0x12, 0x03, 'a', 'b', 'c',	/* name */
	0x0A, 0x02, 0x08, 0x01,	/* row 1 */
	0x18, 0x96, 0x01,		/* n = 150 */
	0x0A, 0x00,				/* row 2: empty */
	0x21, 1, 2, 3, 4, 5, 6, 7, 8,	/* f */
	0x2B, 0x08, 0x01, 0x33, 0x34, 0x2C,	/* group 5 { 1: 1, group 6 {} } */
	0x0A, 0x03, 0x08, 0x02, 0x10,	/* row 3: bytes 08 02 10 (cut inside; the framing does not care) */
	0x3D, 1, 2, 3, 4		/* fixed32 field 7 */
};

static void
test_container(void)
{
	FrameRun	r;

	for (size_t chunk = 1; chunk <= 64; chunk *= 4)
	{
		r = run_framing(PB_FRAMING_CONTAINER, container_file, sizeof(container_file), 1, 100, chunk);
		CHECK_EQ_INT(r.last, PB_FRAME_END);
		CHECK_EQ_INT(r.messages, 3);
		CHECK_EQ_INT(r.total, 5);
		CHECK_MEM(r.first, "\x08\x01", 2);
	}
	/* the rows field with another wire type is an unknown field: skipped */
	{
		const uint8_t odd[] = {0x08, 0x05, 0x0A, 0x01, 0x08};

		r = run_framing(PB_FRAMING_CONTAINER, odd, sizeof(odd), 1, 100, 2);
		CHECK_EQ_INT(r.last, PB_FRAME_END);
		CHECK_EQ_INT(r.messages, 1);
	}
	/* truncations inside the skipped fields are errors, boundaries are not */
	for (size_t cut = 1; cut < sizeof(container_file); cut++)
	{
		int			boundary = (cut == 5 || cut == 9 || cut == 12 || cut == 14 ||
								cut == 23 || cut == 29 || cut == 34);

		r = run_framing(PB_FRAMING_CONTAINER, container_file, cut, 1, 100, 7);
		if (boundary)
			CHECK_EQ_INT(r.last, PB_FRAME_END);
		else
			CHECK_EQ_INT(r.err, PB_FRAME_ERR_TRUNCATED);
	}
}

static void
test_container_errors(void)
{
	FrameRun	r;

	/* malformed container fields */
	{
		const uint8_t wt7[] = {0x0F};
		const uint8_t zero[] = {0x00, 0x01};
		const uint8_t endgroup[] = {0x2C};
		uint8_t		deep[400];
		size_t		n = nested_groups(deep, 150);

		r = run_framing(PB_FRAMING_CONTAINER, wt7, 1, 1, 100, 4);
		CHECK_EQ_INT(r.err, PB_FRAME_ERR_MALFORMED);
		r = run_framing(PB_FRAMING_CONTAINER, zero, 2, 1, 100, 4);
		CHECK_EQ_INT(r.err, PB_FRAME_ERR_MALFORMED);
		r = run_framing(PB_FRAMING_CONTAINER, endgroup, 1, 1, 100, 4);
		CHECK_EQ_INT(r.err, PB_FRAME_ERR_MALFORMED);
		r = run_framing(PB_FRAMING_CONTAINER, deep, n, 1, 100, 4);
		CHECK_EQ_INT(r.err, PB_FRAME_ERR_MALFORMED);
		n = nested_groups(deep, 100);
		r = run_framing(PB_FRAMING_CONTAINER, deep, n, 1, 100, 4);
		CHECK_EQ_INT(r.last, PB_FRAME_END);
	}
	/* a row over the limit */
	r = run_framing(PB_FRAMING_CONTAINER, container_file, sizeof(container_file), 1, 2, 7);
	CHECK_EQ_INT(r.err, PB_FRAME_ERR_TOO_LARGE);
	CHECK_EQ_INT(r.messages, 2);
}

static FrameRun
run_framing_crc(PbFramingKind kind, const uint8_t *data, size_t len, size_t chunk)
{
	MemInput	in = {data, len, 0, chunk, -1};
	PbSource	src;
	PbFraming	f;
	FrameRun	r;
	const uint8_t *msg;
	size_t		mlen;

	memset(&r, 0, sizeof(r));
	pb_source_init(&src, mem_read, &in, &allocator, 8);
	pb_framing_init(&f, kind, &src, 0, 1000);
	f.crc32c = unit_crc32c;
	for (;;)
	{
		r.last = pb_framing_next(&f, &msg, &mlen);
		if (r.last == PB_FRAME_ERROR && f.err == PB_FRAME_ERR_CRC)
		{
			r.err = f.err;		/* a bad record is consumed: go on */
			continue;
		}
		if (r.last != PB_FRAME_MESSAGE)
			break;
		if (r.messages == 0)
			memcpy(r.first, msg, mlen < 15 ? mlen : 15);
		r.messages++;
		r.total += mlen;
	}
	if (r.last == PB_FRAME_ERROR)
		r.err = f.err;
	pb_source_free(&src);
	return r;
}

static size_t
tf_record(uint8_t *out, const uint8_t *data, uint32_t len, int corrupt)
{
	uint8_t		hdr[8] = {0};
	uint32_t	c;

	hdr[0] = (uint8_t) len;
	memcpy(out, hdr, 8);
	c = pb_tfrecord_mask(unit_crc32c(hdr, 8));
	memcpy(out + 8, &c, 4);
	memcpy(out + 12, data, len);
	c = pb_tfrecord_mask(unit_crc32c(data, len)) ^ (corrupt ? 1 : 0);
	memcpy(out + 12 + len, &c, 4);
	return 16 + len;
}

/*
 * test_other_framings
 *		The fixed32, tfrecord and single framings
 */
static void
test_other_framings(void)
{
	const uint8_t be[] = {0, 0, 0, 2, 0x08, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0x08};
	const uint8_t le[] = {2, 0, 0, 0, 0x08, 0x01, 0, 0, 0, 0, 1, 0, 0, 0, 0x08};
	uint8_t		tf[64];
	size_t		n = 0;
	FrameRun	r;

	CHECK(unit_crc32c("123456789", 9) == 0xE3069283u);

	r = run_framing(PB_FRAMING_FIXED32BE, be, sizeof(be), 0, 100, 3);
	CHECK_EQ_INT(r.last, PB_FRAME_END);
	CHECK_EQ_INT(r.messages, 3);
	CHECK_EQ_INT(r.total, 3);
	r = run_framing(PB_FRAMING_FIXED32LE, le, sizeof(le), 0, 100, 3);
	CHECK_EQ_INT(r.messages, 3);
	CHECK_EQ_INT(r.total, 3);
	r = run_framing(PB_FRAMING_FIXED32BE, be, 5, 0, 100, 3);
	CHECK_EQ_INT(r.err, PB_FRAME_ERR_TRUNCATED);
	r = run_framing(PB_FRAMING_FIXED32BE, be, 8, 0, 100, 3);
	CHECK_EQ_INT(r.err, PB_FRAME_ERR_TRUNCATED);

	n += tf_record(tf + n, (const uint8_t *) "\x08\x01", 2, 0);
	n += tf_record(tf + n, (const uint8_t *) "\x08\x02", 2, 1);	/* bad data CRC */
	n += tf_record(tf + n, (const uint8_t *) "\x08\x03\x10\x04", 4, 0);
	r = run_framing_crc(PB_FRAMING_TFRECORD, tf, n, 5);
	CHECK_EQ_INT(r.last, PB_FRAME_END);
	CHECK_EQ_INT(r.messages, 2);
	CHECK_EQ_INT(r.total, 6);
	CHECK_EQ_INT(r.err, PB_FRAME_ERR_CRC);
	r = run_framing(PB_FRAMING_TFRECORD, tf, n, 0, 100, 5);	/* no CRC check */
	CHECK_EQ_INT(r.messages, 3);
	r = run_framing(PB_FRAMING_TFRECORD, tf, n - 3, 0, 100, 5);
	CHECK_EQ_INT(r.err, PB_FRAME_ERR_TRUNCATED);

	r = run_framing(PB_FRAMING_SINGLE, le, sizeof(le), 0, 100, 4);
	CHECK_EQ_INT(r.messages, 1);
	CHECK_EQ_INT(r.total, sizeof(le));
	r = run_framing(PB_FRAMING_SINGLE, le, 0, 0, 100, 4);
	CHECK_EQ_INT(r.messages, 1);	/* an empty file is one empty message */
	CHECK_EQ_INT(r.total, 0);
	r = run_framing(PB_FRAMING_SINGLE, le, sizeof(le), 0, 10, 4);
	CHECK_EQ_INT(r.err, PB_FRAME_ERR_TOO_LARGE);
}

static void
test_walk(void)
{
	/* delimited: records of 3, 1 and 5 bytes */
	const uint8_t d[] = {0x02, 0x08, 0x01, 0x00, 0x04, 0x08, 0x02, 0x10, 0x03};
	/* container: name, row, count, row */
	const uint8_t c[] = {0x12, 0x01, 'a', 0x0A, 0x02, 0x08, 0x01, 0x18, 0x05, 0x0A, 0x00};
	size_t		b;
	uint64_t	rows,
				need;

	CHECK_EQ_INT(pb_framing_walk(PB_FRAMING_DELIMITED, 0, 100, d, sizeof(d), 1, &b, &rows, &need), PB_WALK_OK);
	CHECK_EQ_INT(b, 9);
	CHECK_EQ_INT(rows, 3);
	CHECK_EQ_INT(pb_framing_walk(PB_FRAMING_DELIMITED, 0, 100, d, 7, 0, &b, &rows, &need), PB_WALK_OK);
	CHECK_EQ_INT(b, 4);
	CHECK_EQ_INT(rows, 2);
	CHECK_EQ_INT(pb_framing_walk(PB_FRAMING_DELIMITED, 0, 100, d, 2, 0, &b, &rows, &need), PB_WALK_NEED_MORE);
	CHECK_EQ_INT(need, 3);
	CHECK_EQ_INT(pb_framing_walk(PB_FRAMING_DELIMITED, 0, 100, d, 2, 1, &b, &rows, &need), PB_WALK_STOP);
	CHECK_EQ_INT(pb_framing_walk(PB_FRAMING_DELIMITED, 0, 1, d, sizeof(d), 1, &b, &rows, &need), PB_WALK_STOP);
	CHECK_EQ_INT(pb_framing_walk(PB_FRAMING_CONTAINER, 1, 100, c, sizeof(c), 1, &b, &rows, &need), PB_WALK_OK);
	CHECK_EQ_INT(b, sizeof(c));
	CHECK_EQ_INT(rows, 2);
	{
		const uint8_t g[] = {0x0A, 0x00, 0x2B, 0x2C};

		CHECK_EQ_INT(pb_framing_walk(PB_FRAMING_CONTAINER, 1, 100, g, sizeof(g), 1, &b, &rows, &need), PB_WALK_OK);
		CHECK_EQ_INT(b, 2);		/* stops before the group */
		CHECK_EQ_INT(pb_framing_walk(PB_FRAMING_CONTAINER, 1, 100, g + 2, 2, 1, &b, &rows, &need), PB_WALK_STOP);
	}
}

/*
 * test_source_attach
 *		Reading a caller's block in place
 *
 * No copy, its offsets, the end at its end, then back to reading.
 */
static void
test_source_attach(void)
{
	uint8_t		data[300];
	uint8_t		block[40];
	MemInput	in;
	PbSource	src;
	uint8_t    *own;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t) (i * 13);
	memcpy(block, data + 100, sizeof(block));
	in = (MemInput) {data, sizeof(data), 0, 7, -1};
	CHECK_EQ_INT(pb_source_init(&src, mem_read, &in, &allocator, 16), 0);
	CHECK_EQ_INT(pb_source_fill(&src, 10), 0);
	own = src.buf;

	pb_source_attach(&src, block, sizeof(block), 100);
	CHECK(pb_source_peek(&src) == block);
	CHECK_EQ_INT(pb_source_offset(&src), 100);
	CHECK_EQ_INT(pb_source_fill(&src, 40), 0);
	CHECK_EQ_INT(pb_source_fill(&src, 41), 1);	/* the input ends at the block's end */
	CHECK_EQ_INT(in.pos, 14);	/* and the callback was not called */
	pb_source_consume(&src, 30);
	CHECK_EQ_INT(pb_source_offset(&src), 130);
	CHECK_MEM(pb_source_peek(&src), data + 130, 10);
	CHECK_EQ_INT(pb_source_skip(&src, 10), 0);
	CHECK_EQ_INT(pb_source_offset(&src), 140);
	CHECK_EQ_INT(pb_source_skip(&src, 1), 1);
	CHECK_EQ_INT(in.pos, 14);

	/* a reset gives the source its own buffer and callback back */
	in.pos = 0;
	pb_source_reset(&src);
	CHECK(src.buf == own);
	CHECK_EQ_INT(pb_source_fill(&src, 50), 0);
	CHECK_MEM(pb_source_peek(&src), data, 50);

	/* attached twice, then freed while attached: only its own buffer is freed */
	pb_source_attach(&src, block, 10, 0);
	pb_source_attach(&src, block + 10, 10, 10);
	CHECK(pb_source_peek(&src) == block + 10);
	pb_source_free(&src);
	CHECK(src.buf == NULL);

	/* a source that never had a buffer of its own */
	memset(&src, 0, sizeof(src));
	pb_source_attach(&src, block, sizeof(block), 0);
	CHECK_EQ_INT(pb_source_fill(&src, 40), 0);
	pb_source_reset(&src);
	CHECK(src.buf == NULL);
}

/* Where each record was and how long it was, as a framing sees them. */
typedef struct Record
{
	uint64_t	offset;
	uint64_t	number;
	size_t		len;
} Record;

/* Frame the source to its end; append the records; return the last result. */
static PbFrameResult
frame_records(PbFraming *f, Record *out, int *n, int cap)
{
	PbFrameResult res;
	const uint8_t *msg;
	size_t		len;

	while ((res = pb_framing_next(f, &msg, &len)) == PB_FRAME_MESSAGE)
	{
		if (*n < cap)
			out[*n] = (Record) {f->record_offset, f->messages, len};
		(*n)++;
	}
	return res;
}

/*
 * Walk the block of the input at off as a worker claiming a range does: a
 * block whose first record does not fit is grown until it does (or is
 * larger than a record may be).  *n is the block's length, *b and *rows
 * what the walk says.
 */
static PbWalkResult
claim_block(PbFramingKind kind, uint32_t field, const uint8_t *data, size_t len,
			uint64_t off, size_t block, uint8_t *buf, size_t *n, size_t *b,
			uint64_t *rows, int *at_eof)
{
	for (;;)
	{
		uint64_t	need;
		PbWalkResult wr;

		*n = len - off < block ? (size_t) (len - off) : block;
		*at_eof = *n < block;
		memcpy(buf, data + off, *n);
		wr = pb_framing_walk(kind, field, 1000, buf, *n, *at_eof, b, rows, &need);
		if (wr == PB_WALK_NEED_MORE && need <= 1000 + 64)
		{
			block = need > block * 2 ? (size_t) need : block * 2;
			continue;
		}
		return wr;
	}
}

/* The records framed from the ranges are those of one sequential reading. */
static void
check_same_records(const Record *want, int nwant, const Record *got, int ngot,
				   const char *what)
{
	CHECK_EQ_INT(ngot, nwant);
	for (int i = 0; i < nwant && i < ngot; i++)
		if (want[i].offset != got[i].offset || want[i].number != got[i].number ||
			want[i].len != got[i].len)
		{
			fprintf(stderr, "%s: record %d differs\n", what, i);
			CHECK(0);
			break;
		}
}

/*
 * check_split
 *		Split an input into ranges as a parallel scan does, and compare
 *
 * What a parallel scan does, in one process: claim ranges of whole records
 * by walking blocks from the shared boundary (growing the block for a record
 * that does not fit), frame each range from the block it walked; the rest of
 * a file the walk cannot pass is read from the input.  The records, their
 * offsets and numbers, and the final error must be those of one sequential
 * reading, each record in exactly one range.
 */
static void
check_split(PbFramingKind kind, uint32_t field, const uint8_t *data, size_t len, size_t block0,
			const char *what)
{
	Record		want[400],
				got[400];
	int			nwant = 0,
				ngot = 0,
				ranges = 0;
	MemInput	in = {data, len, 0, 5, -1};
	PbSource	src;
	PbFraming	f;
	PbFrameResult want_res,
				got_res = PB_FRAME_END;
	PbFrameError want_err;
	uint64_t	off = 0,
				ordinal = 1;
	uint8_t    *buf = malloc(len + 1);
	int			errors = 0;

	pb_source_init(&src, mem_read, &in, &allocator, 8);
	pb_framing_init(&f, kind, &src, field, 1000);
	want_res = frame_records(&f, want, &nwant, 400);
	want_err = f.err;
	pb_source_free(&src);

	pb_source_init(&src, mem_read, &in, &allocator, 8);
	for (;;)
	{
		size_t		n,
					b;
		uint64_t	rows;
		PbWalkResult wr;
		int			at_eof,
					last;

		wr = claim_block(kind, field, data, len, off, block0, buf, &n, &b, &rows, &at_eof);
		if (wr == PB_WALK_OK && b == 0)
			break;
		last = !(wr == PB_WALK_OK && !(at_eof && b == n));
		ranges++;
		if (!last || at_eof)
			pb_source_attach(&src, buf, last ? n : b, off);
		else
		{
			/* the rest of the input, read */
			pb_source_reset(&src);
			in.pos = (size_t) off;
			src.base_offset = off;
		}
		pb_framing_init(&f, kind, &src, field, 1000);
		f.messages = ordinal - 1;
		got_res = frame_records(&f, got, &ngot, 400);
		if (got_res == PB_FRAME_ERROR)
			errors++;
		if (last)
			break;
		CHECK(got_res == PB_FRAME_END);
		off += b;
		ordinal += rows;
	}
	CHECK(ranges > 1);
	check_same_records(want, nwant, got, ngot, what);
	CHECK_EQ_INT(got_res, want_res);
	CHECK_EQ_INT(errors, want_res == PB_FRAME_ERROR ? 1 : 0);
	if (want_res == PB_FRAME_ERROR)
		CHECK_EQ_INT(f.err, want_err);
	pb_source_free(&src);
	free(buf);
}

/*
 * test_split
 *		Splitting inputs of every walkable framing into ranges
 */
static void
test_split(void)
{
	uint8_t		d[4000];
	size_t		n = 0,
				whole;

	/* delimited: 150 records of 0 to 40 bytes, and one of 200 (larger than any first block) */
	for (int i = 0; i < 150; i++)
	{
		size_t		len = i == 70 ? 200 : (size_t) (i * 7) % 41;

		if (len >= 128)
		{
			d[n++] = (uint8_t) (0x80 | (len & 0x7F));
			d[n++] = (uint8_t) (len >> 7);
		}
		else
			d[n++] = (uint8_t) len;
		for (size_t k = 0; k < len; k++)
			d[n++] = (uint8_t) (i + k);
	}
	whole = n;
	for (size_t block = 16; block <= 1024; block *= 4)
		check_split(PB_FRAMING_DELIMITED, 0, d, whole, block, "delimited");
	/* a truncated last record is reported once, by the range that ends the file */
	check_split(PB_FRAMING_DELIMITED, 0, d, whole - 3, 16, "delimited, truncated body");
	d[whole] = 0x85;			/* a prefix cut in the middle */
	check_split(PB_FRAMING_DELIMITED, 0, d, whole + 1, 64, "delimited, truncated prefix");
	/* a malformed prefix stops the splitting; the rest is read and the error reported */
	memset(d + whole, 0xFF, 12);
	check_split(PB_FRAMING_DELIMITED, 0, d, whole + 12, 64, "delimited, malformed prefix");

	/* container: rows (field 1) among a varint (2) and a string (3) */
	n = 0;
	for (int i = 0; i < 120; i++)
	{
		size_t		len = (size_t) (i * 5) % 23;

		d[n++] = 0x0A;
		d[n++] = (uint8_t) len;
		for (size_t k = 0; k < len; k++)
			d[n++] = (uint8_t) (i ^ k);
		if (i % 3 == 0)
		{
			d[n++] = 0x10;
			d[n++] = 0x96;
			d[n++] = 0x01;
		}
		if (i % 7 == 0)
		{
			d[n++] = 0x1A;
			d[n++] = 3;
			d[n++] = 'a';
			d[n++] = 'b';
			d[n++] = 'c';
		}
	}
	for (size_t block = 16; block <= 256; block *= 4)
		check_split(PB_FRAMING_CONTAINER, 1, d, n, block, "container");
	check_split(PB_FRAMING_CONTAINER, 1, d, n - 1, 16, "container, truncated");
}

/* Decompress 'comp' through PbInput, reading 'chunk' raw bytes at a time. */
static size_t
inflate_all(const uint8_t *comp, size_t clen, PbCompression mode, uint8_t *out, size_t cap,
			size_t chunk, int *failed)
{
	MemInput	raw = {comp, clen, 0, chunk, -1};
	PbInput		in;
	size_t		n = 0;
	long		got;

	pb_input_init(&in, mem_read, &raw, &allocator, mode);
	while ((got = pb_input_read(&in, out + n, cap - n > 7 ? 7 : cap - n)) > 0)
		n += (size_t) got;
	*failed = got < 0;
	pb_input_end(&in);
	return n;
}

/*
 * test_input
 *		The input stage: none, gzip and zstd, detected or told
 */
static void
test_input(void)
{
	uint8_t		plain[3000];
	uint8_t		gz[4000];
	uint8_t		zs[4000];
	uint8_t		out[7000];
	size_t		gzlen,
				zslen,
				n;
	int			failed;
	z_stream	zs_;

	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t) (i % 251);

	/* two gzip members back to back */
	gzlen = 0;
	for (int m = 0; m < 2; m++)
	{
		memset(&zs_, 0, sizeof(zs_));
		deflateInit2(&zs_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
		zs_.next_in = plain;
		zs_.avail_in = sizeof(plain);
		zs_.next_out = gz + gzlen;
		zs_.avail_out = sizeof(gz) - gzlen;
		deflate(&zs_, Z_FINISH);
		gzlen += zs_.total_out;
		deflateEnd(&zs_);
	}
	zslen = ZSTD_compress(zs, sizeof(zs), plain, sizeof(plain), 3);
	CHECK(!ZSTD_isError(zslen));

	for (size_t chunk = 1; chunk <= 4096; chunk *= 8)
	{
		n = inflate_all(gz, gzlen, PB_COMPRESSION_AUTO, out, sizeof(out), chunk, &failed);
		CHECK(!failed);
		CHECK_EQ_INT(n, 2 * sizeof(plain));
		CHECK_MEM(out, plain, sizeof(plain));
		CHECK_MEM(out + sizeof(plain), plain, sizeof(plain));
		n = inflate_all(zs, zslen, PB_COMPRESSION_AUTO, out, sizeof(out), chunk, &failed);
		CHECK(!failed);
		CHECK_EQ_INT(n, sizeof(plain));
		CHECK_MEM(out, plain, sizeof(plain));
		n = inflate_all(plain, sizeof(plain), PB_COMPRESSION_AUTO, out, sizeof(out), chunk, &failed);
		CHECK(!failed);
		CHECK_EQ_INT(n, sizeof(plain));
		CHECK_MEM(out, plain, sizeof(plain));
	}
	/* told "none", gzip bytes pass through untouched */
	n = inflate_all(gz, gzlen, PB_COMPRESSION_NONE, out, sizeof(out), 100, &failed);
	CHECK_EQ_INT(n, gzlen);
	/* truncated and corrupt streams fail */
	inflate_all(gz, gzlen / 4, PB_COMPRESSION_GZIP, out, sizeof(out), 100, &failed);
	CHECK(failed);
	inflate_all(zs, zslen - 5, PB_COMPRESSION_ZSTD, out, sizeof(out), 100, &failed);
	CHECK(failed);
	gz[20] ^= 0xFF;
	inflate_all(gz, gzlen, PB_COMPRESSION_GZIP, out, sizeof(out), 100, &failed);
	CHECK(failed);
	/* empty input is empty in any mode */
	n = inflate_all(gz, 0, PB_COMPRESSION_GZIP, out, sizeof(out), 100, &failed);
	CHECK(!failed);
	CHECK_EQ_INT(n, 0);
}

int
main(void)
{
	test_varints();
	test_unterminated_varint();
	test_tags();
	test_skip_and_walk();
	test_source();
	test_source_attach();
	test_delimited();
	test_container();
	test_container_errors();
	test_other_framings();
	test_walk();
	test_split();
	test_input();
	return UNIT_REPORT("stream");
}
