/*-------------------------------------------------------------------------
 *
 * fuzz_wire.c
 *		libFuzzer target: the wire-format primitives and the split walk.
 *
 * The wire-format primitives (src/stream/wire.h, wire.c) and the split walk
 * of the framings (pb_framing_walk), over arbitrary bytes.
 *
 * Input: [mode][container field - 1][max_message_size index][at_eof] bytes...
 *   mode % 9 in 0..3: message-level checks on the bytes:
 *     - pb_walk_message agrees with an independent reference walker written
 *       here (same verdict, same failing field offset, same status);
 *     - field by field, pb_read_tag + pb_skip_field / pb_skip_group keep the
 *       cursor inside [start, end], advance it on success and leave it where
 *       it was on failure; a group's content end lies inside the group;
 *     - at every offset, pb_read_varint and pb_skip_varint agree (both
 *       succeed and end at the same byte, or both fail with the same status).
 *   mode % 9 in 4..8: pb_framing_walk for delimited, container, fixed32be,
 *     fixed32le, tfrecord: the boundary is <= len, the rows fit in it, a
 *     NEED_MORE asks for more than it was given; and the streaming framing
 *     (framing.c) run over buf[0, boundary) yields exactly 'rows' messages
 *     and then a clean end, with no error (the walk and the reader agree).
 * src/stream/'s own assert() checks are on (NDEBUG is refused below).
 *
 *-------------------------------------------------------------------------
 */
#ifdef NDEBUG
#error "fuzz_wire.c runs src/stream/ with its asserts on: build it without NDEBUG"
#endif

#include <stdbool.h>

#include "fuzz_common.h"
#include "stream/framing.h"
#include "stream/source.h"
#include "stream/wire.h"

/* ---- the reference walker: a direct reading of the encoding rules ---- */

/* 0 ok; else a PbWireStatus.  Reads a varint of at most 10 bytes. */
static int
ref_varint(const uint8_t *d, size_t n, size_t *pos, uint64_t *v, size_t *nbytes)
{
	uint64_t	x = 0;

	for (size_t i = 0; i < 10; i++)
	{
		if (*pos + i >= n)
			return PB_WIRE_TRUNCATED;
		x |= (uint64_t) (d[*pos + i] & 0x7f) << (7 * i);
		if (d[*pos + i] < 0x80)
		{
			*pos += i + 1;
			*v = x;
			if (nbytes)
				*nbytes = i + 1;
			return PB_WIRE_OK;
		}
	}
	return PB_WIRE_BAD_VARINT;
}

static int
ref_tag(const uint8_t *d, size_t n, size_t *pos, uint32_t *field, int *wt)
{
	uint64_t	t;
	size_t		nb;
	int			st = ref_varint(d, n, pos, &t, &nb);

	if (st)
		return st;
	if (nb > 5 || t > UINT32_MAX)
		return PB_WIRE_BAD_VARINT;
	*wt = (int) (t & 7);
	*field = (uint32_t) (t >> 3);
	if (*wt > 5)
		return PB_WIRE_BAD_WIRE_TYPE;
	if (*field == 0)
		return PB_WIRE_FIELD_ZERO;
	return PB_WIRE_OK;
}

/* Skip one value of wire type wt (not a group start, not a group end). */
static int
ref_skip_value(const uint8_t *d, size_t n, size_t *pos, int wt)
{
	uint64_t	v;
	int			st;

	switch (wt)
	{
		case PB_WT_VARINT:
			return ref_varint(d, n, pos, &v, NULL);
		case PB_WT_I64:
			if (n - *pos < 8)
				return PB_WIRE_TRUNCATED;
			*pos += 8;
			return PB_WIRE_OK;
		case PB_WT_I32:
			if (n - *pos < 4)
				return PB_WIRE_TRUNCATED;
			*pos += 4;
			return PB_WIRE_OK;
		case PB_WT_LEN:
			if ((st = ref_varint(d, n, pos, &v, NULL)) != 0)
				return st;
			if (v > INT32_MAX)
				return PB_WIRE_LEN_OVERFLOW;
			if (v > n - *pos)
				return PB_WIRE_LEN_PAST_END;
			*pos += v;
			return PB_WIRE_OK;
	}
	return PB_WIRE_BAD_END_GROUP;
}

/*
 * ref_walk
 *		The reference walker of a message's top-level fields
 */
static int
ref_walk(const uint8_t *d, size_t n, size_t *fail_at)
{
	size_t		pos = 0;

	while (pos < n)
	{
		size_t		start = pos;
		uint32_t	field;
		int			wt;
		int			st = ref_tag(d, n, &pos, &field, &wt);

		if (st == 0 && wt == PB_WT_SGROUP)
		{
			uint32_t	stack[PB_MAX_DEPTH];
			int			depth = 0;

			stack[depth++] = field;
			while (st == 0 && depth > 0)
			{
				st = ref_tag(d, n, &pos, &field, &wt);
				if (st)
					break;
				if (wt == PB_WT_EGROUP)
				{
					if (stack[depth - 1] != field)
						st = PB_WIRE_BAD_END_GROUP;
					else
						depth--;
				}
				else if (wt == PB_WT_SGROUP)
				{
					if (depth == PB_MAX_DEPTH)
						st = PB_WIRE_TOO_DEEP;
					else
						stack[depth++] = field;
				}
				else
					st = ref_skip_value(d, n, &pos, wt);
			}
		}
		else if (st == 0)
			st = ref_skip_value(d, n, &pos, wt);
		if (st)
		{
			*fail_at = start;
			return st;
		}
	}
	return PB_WIRE_OK;
}

static const uint64_t max_sizes[] = {
	0, 1, 2, 7, 64, 300, 4096, 65536, 1 << 20, INT32_MAX, UINT32_MAX
};

static void *
plain_alloc(void *ctx, size_t n)
{
	return fz_alloc(ctx, n);
}

static long
mem_read(void *arg, uint8_t *buf, size_t len)
{
	return fz_read(arg, buf, len);
}

/* pb_walk_message against the reference: verdict, status, failing offset */
static void
check_walk_message(const uint8_t *d, size_t n)
{
	const uint8_t *end = d + n;
	const uint8_t *fail_at = NULL;
	PbWireStatus st;
	size_t		ref_fail = 0;
	int			ref_st;

	st = pb_walk_message(d, end, &fail_at);
	ref_st = ref_walk(d, n, &ref_fail);

	/*
	 * The status too: findings/wire-unterminated-varint-at-end (ten
	 * continuation bytes ending the range: BAD_VARINT, not TRUNCATED) was
	 * fixed in d4095d0, and is checked again on every input.
	 */
	if ((int) st != ref_st || (st != PB_WIRE_OK && (size_t) (fail_at - d) != ref_fail))
	{
		fprintf(stderr, "pb_walk_message: status %d at %ld; reference %d at %zu\n",
				st, st ? (long) (fail_at - d) : -1L, ref_st, ref_fail);
		FUZZ_CHECK(!"pb_walk_message differs from the reference");
	}
	if (st != PB_WIRE_OK)
		FUZZ_CHECK(fail_at >= d && fail_at < end);
	FUZZ_CHECK(pb_wire_status_message(st) != NULL);
}

/* A group just skipped: pb_skip_group ends where pb_skip_field did, at the matching end tag. */
static void
check_group(const uint8_t *q, const uint8_t *r, const uint8_t *end, uint32_t field)
{
	const uint8_t *g = q;
	const uint8_t *content_end = NULL;
	const uint8_t *t;
	uint32_t	ef;
	int			ewt;

	FUZZ_CHECK(pb_skip_group(&g, end, field, 0, &content_end) == PB_WIRE_OK);
	FUZZ_CHECK(g == r);
	FUZZ_CHECK(content_end >= q && content_end < r);
	/* the end tag sits at content_end and closes this field */
	t = content_end;
	FUZZ_CHECK(pb_read_tag(&t, end, &ef, &ewt) == PB_WIRE_OK);
	FUZZ_CHECK(ef == field && ewt == PB_WT_EGROUP && t == r);
}

/* Field by field: cursors in bounds, advancing on success, unmoved on failure. */
static void
check_fields(const uint8_t *d, size_t n)
{
	const uint8_t *end = d + n;
	const uint8_t *p = d;

	while (p < end)
	{
		const uint8_t *q = p;
		const uint8_t *r;
		uint32_t	field;
		int			wt;

		if (pb_read_tag(&q, end, &field, &wt) != PB_WIRE_OK)
			break;
		FUZZ_CHECK(q > p && q <= end && q - p <= 5);
		FUZZ_CHECK(field >= 1 && field <= PB_MAX_FIELD_NUMBER && wt >= 0 && wt <= 5);
		r = q;
		if (pb_skip_field(&r, end, field, wt, 0) != PB_WIRE_OK)
		{
			FUZZ_CHECK(r == q);
			break;
		}
		FUZZ_CHECK(r <= end);
		FUZZ_CHECK(r > q);
		if (wt == PB_WT_SGROUP)
			check_group(q, r, end, field);
		p = r;
	}
}

/* The varint readers agree with each other and the reference at every offset. */
static void
check_varints(const uint8_t *d, size_t n)
{
	const uint8_t *end = d + n;

	for (size_t off = 0; off < n; off++)
	{
		const uint8_t *a = d + off,
				   *b = d + off;
		uint64_t	v = 0,
					rv = 0;
		size_t		rpos = off;
		PbWireStatus sa = pb_read_varint(&a, end, &v);
		PbWireStatus sb = pb_skip_varint(&b, end);
		int			sr = ref_varint(d, n, &rpos, &rv, NULL);

		FUZZ_CHECK((sa == PB_WIRE_OK) == (sr == 0));
		FUZZ_CHECK((sa == PB_WIRE_OK) == (sb == PB_WIRE_OK));
		if (sa == PB_WIRE_OK)
		{
			FUZZ_CHECK(v == rv && a == d + rpos && b == a);
		}
		else
		{
			FUZZ_CHECK(a == d + off && b == d + off);
			FUZZ_CHECK((int) sa == sr);
			FUZZ_CHECK(sb == sa);	/* finding 3: the same status too */
		}
	}
}

/* mode 0..3: the message-level checks */
static void
check_message(const uint8_t *d, size_t n)
{
	check_walk_message(d, n);
	check_fields(d, n);
	check_varints(d, n);
}

/*
 * check_walk
 *		pb_framing_walk against the streaming framing
 */
static void
check_walk(PbFramingKind kind, uint32_t cfield, uint64_t max, int at_eof,
		   const uint8_t *d, size_t n)
{
	size_t		boundary = 12345;
	uint64_t	rows = 12345,
				need = 12345;
	PbWalkResult res;

	res = pb_framing_walk(kind, cfield, max, d, n, at_eof, &boundary, &rows, &need);
	FUZZ_CHECK(res == PB_WALK_OK || res == PB_WALK_NEED_MORE || res == PB_WALK_STOP);
	FUZZ_CHECK(boundary <= n);
	FUZZ_CHECK(rows <= boundary);
	if (res == PB_WALK_NEED_MORE)
	{
		FUZZ_CHECK(!at_eof);
		FUZZ_CHECK(boundary == 0);
		FUZZ_CHECK(n == 0 || need > n);
	}
	if (res == PB_WALK_OK)
		FUZZ_CHECK(boundary > 0 || n == 0);

	/* the streaming reader over the walked records agrees with the walk */
	if (res == PB_WALK_OK)
	{
		FzReader	reader = {d, boundary, 0, 7, 0};
		PbAllocator alloc = {plain_alloc, fz_free, NULL};
		PbSource	src;
		PbFraming	f;
		uint64_t	got = 0;

		fz_refused = 0;
		FUZZ_CHECK(pb_source_init(&src, mem_read, &reader, &alloc, 16) == 0);
		pb_framing_init(&f, kind, &src, cfield, max);
		for (;;)
		{
			const uint8_t *msg;
			size_t		len;
			PbFrameResult r = pb_framing_next(&f, &msg, &len);

			if (r == PB_FRAME_END)
				break;
			if (r == PB_FRAME_ERROR)
			{
				fprintf(stderr, "walk said %llu rows in %zu bytes; the reader failed after %llu: %s\n",
						(unsigned long long) rows, boundary, (unsigned long long) got, f.errmsg);
				FUZZ_CHECK(!"the reader fails where the walk found whole records");
			}
			got++;
			FUZZ_CHECK(got <= rows);
		}
		FUZZ_CHECK(got == rows);
		FUZZ_CHECK(pb_source_offset(&src) == boundary);
		pb_source_free(&src);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FzBytes		b = {data, size};
	int			mode;
	uint32_t	cfield;
	uint64_t	max;
	int			at_eof;

	if (size < 4)
		return 0;
	mode = fz_u8(&b) % 9;
	cfield = fz_u8(&b) % 8 + 1;
	max = max_sizes[fz_u8(&b) % (sizeof(max_sizes) / sizeof(max_sizes[0]))];
	at_eof = fz_u8(&b) & 1;
	fz_live = 0;

	if (mode < 4)
		check_message(b.p, b.n);
	else
	{
		static const PbFramingKind kinds[] = {
			PB_FRAMING_DELIMITED, PB_FRAMING_CONTAINER, PB_FRAMING_FIXED32BE,
			PB_FRAMING_FIXED32LE, PB_FRAMING_TFRECORD
		};

		check_walk(kinds[mode - 4], cfield, max, at_eof, b.p, b.n);
	}
	FUZZ_CHECK(fz_live == 0);
	return 0;
}
