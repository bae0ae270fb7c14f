/*-------------------------------------------------------------------------
 *
 * fuzz_framing.c
 *		libFuzzer target: every framing, over the source and the input stage.
 *
 * Every framing (src/stream/framing.c), over the buffered source (source.c)
 * and the decompressing input stage (input.c), fed arbitrary bytes.
 *
 * The first bytes of the fuzz input choose the framing, the compression
 * mode, the read chunk size, the source's initial buffer size,
 * max_message_size, the container field and whether TFRecord checksums are
 * verified; the rest is the payload.  The payload is fed either as is
 * (compression none / auto / gzip / zstd over arbitrary bytes) or after
 * being compressed here with zlib or zstd (whole, or truncated), so the
 * framings are also exercised behind a working decompressor; or, with bit
 * 0x40 of the mode byte and mode none, straight from the read callback
 * without the input stage.
 *
 * Invariants checked, besides "no sanitizer report":
 *  - whenever the decompressed stream is known (plain input, or input we
 *    compressed ourselves), every byte the input stage returns equals the
 *    payload at that offset, and every message returned is exactly the
 *    payload bytes that end at the source's offset after the call: it lies
 *    inside the input;
 *  - message end offsets and record offsets never go backwards, a record
 *    starts at or after the previous message's end, and the sum of the
 *    message lengths never exceeds the bytes read;
 *  - every returned pointer lies inside the source's buffer;
 *  - for every framing over a known stream, the sequence of messages and
 *    errors equals the one computed by an independent reference framer
 *    written below (differential check);
 *  - the loop ends: each call consumes input, at most len + 3 calls;
 *  - every block allocated through the hooks is freed at the end.
 * Errors are handled as on_error 'skip' does: an oversized message is
 * skipped and a checksum mismatch passed over; any other error stops.
 * src/stream/'s own assert() checks are on (NDEBUG is refused below).
 *
 *-------------------------------------------------------------------------
 */
#ifdef NDEBUG
#error "fuzz_framing.c runs src/stream/ with its asserts on: build it without NDEBUG"
#endif

#include <stdbool.h>
#include <zlib.h>
#include <zstd.h>

#include "fuzz_common.h"
#include "stream/framing.h"
#include "stream/input.h"
#include "stream/source.h"
#include "stream/wire.h"

/* ---- CRC-32C, bitwise: the reference for TFRecord checksums ---- */
static uint32_t
ref_crc32c(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t	crc = 0xFFFFFFFFu;

	while (len--)
	{
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* ---- events: what a framing produced ---- */
typedef enum
{
	EV_MSG, EV_END, EV_ERR, EV_SKIP_FAILED
} EvKind;

typedef struct Ev
{
	EvKind		kind;
	int			err;			/* PbFrameError for EV_ERR */
	uint64_t	off;			/* EV_MSG: offset of the message body */
	uint64_t	len;
} Ev;

#define MAX_EV 65536

typedef struct EvList
{
	Ev			ev[MAX_EV];
	int			n;
} EvList;

static EvList real_ev,
			ref_ev;

static void
ev_add(EvList *l, EvKind kind, int err, uint64_t off, uint64_t len)
{
	FUZZ_CHECK(l->n < MAX_EV);
	l->ev[l->n].kind = kind;
	l->ev[l->n].err = err;
	l->ev[l->n].off = off;
	l->ev[l->n].len = len;
	l->n++;
}

/* ---- the reference framer: a direct reading of the format, over memory ---- */

/* a varint as framing.c's stream_varint sees it; 0 ok, 1 truncated, 2 malformed */
static int
ref_varint(const uint8_t *d, size_t n, size_t *pos, uint64_t *v)
{
	uint64_t	x = 0;

	for (int i = 0; i < 10; i++)
	{
		if (*pos + i >= n)
			return 1;
		x |= (uint64_t) (d[*pos + i] & 0x7f) << (7 * i);
		if (d[*pos + i] < 0x80)
		{
			*pos += i + 1;
			*v = x;
			return 0;
		}
	}
	return 2;
}

/* a tag as pb_read_tag reads it: 0 ok, 1 truncated, 2 malformed */
static int
ref_tag(const uint8_t *d, size_t n, size_t *pos, uint32_t *field, int *wt)
{
	size_t		start = *pos;
	uint64_t	t;
	int			rc = ref_varint(d, n, pos, &t);

	if (rc)
		return rc;
	if (*pos - start > 5 || t > UINT32_MAX || (t & 7) > 5 || (t >> 3) == 0)
		return 2;
	*field = (uint32_t) (t >> 3);
	*wt = (int) (t & 7);
	return 0;
}

/*
 * ref_skip
 *		Skip a container field in the reference framer
 *
 * Skip a container field whose tag was just read, and a group's whole
 * contents: 0 ok, 1 truncated, 2 malformed.
 */
static int
ref_skip(const uint8_t *d, size_t n, size_t *pos, uint32_t field, int wt)
{
	uint32_t	open[PB_MAX_DEPTH + 1];
	int			nopen = 0;

	for (;;)
	{
		uint64_t	v;
		int			rc = 0;

		if (wt == PB_WT_VARINT)
			rc = ref_varint(d, n, pos, &v);
		else if (wt == PB_WT_I64 || wt == PB_WT_I32)
		{
			size_t		w = wt == PB_WT_I64 ? 8 : 4;

			rc = n - *pos < w ? 1 : 0;
			*pos = rc ? n : *pos + w;
		}
		else if (wt == PB_WT_LEN)
		{
			if ((rc = ref_varint(d, n, pos, &v)) == 0)
			{
				if (v > INT32_MAX)
					rc = 2;
				else if (v > n - *pos)
					rc = 1;
				else
					*pos += v;
			}
		}
		else if (wt == PB_WT_SGROUP)
		{
			if (nopen >= PB_MAX_DEPTH)
				rc = 2;
			else
				open[nopen++] = field;
		}
		else if (nopen == 0 || open[nopen - 1] != field)
			rc = 2;
		else
			nopen--;
		if (rc)
			return rc;
		if (nopen == 0)
			return 0;
		if ((rc = ref_tag(d, n, pos, &field, &wt)) != 0)
			return rc;
	}
}

/*
 * ref_container
 *		The reference container framing
 *
 * The container framing: top-level fields of one message; records of field
 * 'cf' with wire type LEN are rows, every other field (groups included,
 * with their contents) is skipped.
 */
static void
ref_container(const uint8_t *d, size_t n, uint32_t cf, uint64_t max, EvList *out)
{
	size_t		pos = 0;

	for (;;)
	{
		uint32_t	field;
		int			wt;
		int			rc;
		uint64_t	v;

		if (pos == n)
		{
			ev_add(out, EV_END, 0, 0, 0);
			return;
		}
		if ((rc = ref_tag(d, n, &pos, &field, &wt)) != 0)
			goto err;
		if (field == cf && wt == PB_WT_LEN)
		{
			if ((rc = ref_varint(d, n, &pos, &v)) != 0)
				goto err;
			if (v > max)
			{
				ev_add(out, EV_ERR, PB_FRAME_ERR_TOO_LARGE, 0, 0);
				if (v > n - pos)
				{
					ev_add(out, EV_SKIP_FAILED, 0, 0, 0);
					return;
				}
				pos += v;
				continue;
			}
			if (v > n - pos)
			{
				rc = 1;
				goto err;
			}
			ev_add(out, EV_MSG, 0, pos, v);
			pos += v;
			continue;
		}
		if (wt == PB_WT_EGROUP)
		{
			rc = 2;
			goto err;
		}
		if ((rc = ref_skip(d, n, &pos, field, wt)) != 0)
			goto err;
		continue;
err:
		ev_add(out, EV_ERR, rc == 1 ? PB_FRAME_ERR_TRUNCATED : PB_FRAME_ERR_MALFORMED, 0, 0);
		return;
	}
}

/*
 * single: does the input end inside one of its top-level fields?  Walks the
 * top level until the first field that cannot be read: a cut file
 * (truncated) is framing's error, anything else malformed is left to the
 * decoder and the input is still the message.
 */
static bool
ref_single_cut(const uint8_t *d, size_t n)
{
	size_t		pos = 0;

	while (pos < n)
	{
		uint32_t	field;
		int			wt;
		int			rc = ref_tag(d, n, &pos, &field, &wt);

		if (rc == 0)
			rc = wt == PB_WT_EGROUP ? 2 : ref_skip(d, n, &pos, field, wt);
		if (rc != 0)
			return rc == 1;
	}
	return false;
}

/* TFRecord's masked CRC-32C of d[0, len) */
static uint32_t
ref_masked_crc(const uint8_t *d, size_t len)
{
	uint32_t	c = ref_crc32c(d, len);

	return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

static uint32_t
ref_le32(const uint8_t *s)
{
	return s[0] | (s[1] << 8) | (s[2] << 16) | ((uint32_t) s[3] << 24);
}

/*
 * ref_prefixed
 *		One length-prefixed record in the reference framer
 *
 * One delimited or fixed32 record at *pos, before the end of the input:
 * false if the framing stops there.
 */
static bool
ref_prefixed(PbFramingKind kind, const uint8_t *d, size_t n, size_t *pos, uint64_t max,
			 EvList *out)
{
	uint64_t	len;

	if (kind == PB_FRAMING_DELIMITED)
	{
		int			rc = ref_varint(d, n, pos, &len);

		if (rc != 0)
		{
			ev_add(out, EV_ERR, rc == 1 ? PB_FRAME_ERR_TRUNCATED : PB_FRAME_ERR_MALFORMED, 0, 0);
			return false;
		}
	}
	else
	{
		const uint8_t *s = d + *pos;

		if (n - *pos < 4)
		{
			ev_add(out, EV_ERR, PB_FRAME_ERR_TRUNCATED, 0, 0);
			return false;
		}
		if (kind == PB_FRAMING_FIXED32BE)
			len = ((uint64_t) s[0] << 24) | ((uint64_t) s[1] << 16) | ((uint64_t) s[2] << 8) | s[3];
		else
			len = ((uint64_t) s[3] << 24) | ((uint64_t) s[2] << 16) | ((uint64_t) s[1] << 8) | s[0];
		*pos += 4;
	}
	if (len > max)
	{
		ev_add(out, EV_ERR, PB_FRAME_ERR_TOO_LARGE, 0, 0);
		if (len > n - *pos)
		{
			ev_add(out, EV_SKIP_FAILED, 0, 0, 0);
			return false;
		}
		*pos += len;
		return true;
	}
	if (len > n - *pos)
	{
		ev_add(out, EV_ERR, PB_FRAME_ERR_TRUNCATED, 0, 0);
		return false;
	}
	ev_add(out, EV_MSG, 0, *pos, len);
	*pos += len;
	return true;
}

/*
 * One TFRecord record at *pos, before the end of the input: false if the
 * framing stops there.
 */
static bool
ref_tfrecord(const uint8_t *d, size_t n, size_t *pos, uint64_t max, bool crc, EvList *out)
{
	uint64_t	len = 0;
	bool		len_ok;

	if (n - *pos < 12)
	{
		ev_add(out, EV_ERR, PB_FRAME_ERR_TRUNCATED, 0, 0);
		return false;
	}
	for (int k = 7; k >= 0; k--)
		len = (len << 8) | d[*pos + k];
	len_ok = !crc || ref_masked_crc(d + *pos, 8) == ref_le32(d + *pos + 8);
	*pos += 12;
	if (len > max)
	{
		ev_add(out, EV_ERR, PB_FRAME_ERR_TOO_LARGE, 0, 0);
		if (len + 4 > n - *pos)
		{
			ev_add(out, EV_SKIP_FAILED, 0, 0, 0);
			return false;
		}
		*pos += len + 4;
		return true;
	}
	if (len + 4 > n - *pos)
	{
		ev_add(out, EV_ERR, PB_FRAME_ERR_TRUNCATED, 0, 0);
		return false;
	}
	if (!len_ok || (crc && ref_masked_crc(d + *pos, len) != ref_le32(d + *pos + len)))
		ev_add(out, EV_ERR, PB_FRAME_ERR_CRC, 0, 0);
	else
		ev_add(out, EV_MSG, 0, *pos, len);
	*pos += len + 4;
	return true;
}

/* Every framing but the container, by the reference readers above. */
static void
ref_frame(PbFramingKind kind, const uint8_t *d, size_t n, uint64_t max, bool crc, EvList *out)
{
	size_t		pos = 0;
	bool		prefixed = kind == PB_FRAMING_DELIMITED || kind == PB_FRAMING_FIXED32BE ||
		kind == PB_FRAMING_FIXED32LE;

	out->n = 0;
	if (kind == PB_FRAMING_SINGLE)
	{
		if (n > max)
			ev_add(out, EV_ERR, PB_FRAME_ERR_TOO_LARGE, 0, 0);
		else if (ref_single_cut(d, n))
		{
			/* a truncated input ends the stream */
			ev_add(out, EV_ERR, PB_FRAME_ERR_TRUNCATED, 0, 0);
			return;
		}
		else
			ev_add(out, EV_MSG, 0, 0, n);
		ev_add(out, EV_END, 0, 0, 0);
		return;
	}
	for (;;)
	{
		if (pos == n)
		{
			ev_add(out, EV_END, 0, 0, 0);
			return;
		}
		if (!(prefixed ? ref_prefixed(kind, d, n, &pos, max, out)
			  : ref_tfrecord(d, n, &pos, max, crc, out)))
			return;
	}
}

/* ---- the input stage, wrapped: counts and checks every decompressed byte ---- */
typedef struct Counted
{
	PbInput    *in;
	FzReader   *direct;			/* read this without the input stage, if set */
	const uint8_t *expect;		/* the decompressed stream, if known */
	size_t		expect_len;
	bool		known;
	uint64_t	total;			/* decompressed bytes handed out */
	uint64_t	cap;			/* stop (as at EOF) after this many, when unknown */
} Counted;

static long
counted_read(void *arg, uint8_t *buf, size_t len)
{
	Counted    *c = arg;
	long		n;

	if (!c->known && c->total >= c->cap)
		return 0;
	n = c->direct ? fz_read(c->direct, buf, len) : pb_input_read(c->in, buf, len);
	FUZZ_CHECK(n >= -1 && (n < 0 || (size_t) n <= len));
	if (n > 0)
	{
		if (c->known)
		{
			FUZZ_CHECK(c->total + (uint64_t) n <= c->expect_len);
			FUZZ_CHECK(memcmp(buf, c->expect + c->total, (size_t) n) == 0);
		}
		c->total += (uint64_t) n;
	}
	return n;
}

/* ---- compressing the payload ourselves ---- */
static uint8_t *
gzip_compress(const uint8_t *d, size_t n, size_t *outlen)
{
	z_stream	zs;
	size_t		cap = n + n / 8 + 128;
	uint8_t    *out = malloc(cap);

	memset(&zs, 0, sizeof(zs));
	FUZZ_CHECK(deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	zs.next_in = (Bytef *) d;
	zs.avail_in = (uInt) n;
	zs.next_out = out;
	zs.avail_out = (uInt) cap;
	FUZZ_CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
	*outlen = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

static uint8_t *
zstd_compress(const uint8_t *d, size_t n, size_t *outlen)
{
	size_t		cap = ZSTD_compressBound(n);
	uint8_t    *out = malloc(cap);
	size_t		r = ZSTD_compress(out, cap, d, n, 1);

	FUZZ_CHECK(!ZSTD_isError(r));
	*outlen = r;
	return out;
}

static const uint64_t max_sizes[] = {
	0, 1, 2, 7, 64, 300, 4096, 65536, 1 << 20, 64 << 20, INT32_MAX, UINT32_MAX
};
static const size_t chunks[] = {1, 2, 3, 7, 16, 100, 4096, 1 << 20};
static const size_t caps[] = {1, 2, 5, 16, 64, 1000, 64 * 1024};

/* One execution: what the fuzz input chose, and the bytes fed to the input stage. */
typedef struct FzRun
{
	PbFramingKind kind;
	int			mode;			/* see choose_input() */
	bool		crc;			/* verify TFRecord checksums */
	bool		direct;			/* no input stage at all */
	size_t		chunk;			/* bytes per read at most */
	size_t		cap;			/* the source's first buffer */
	uint64_t	max;			/* max_message_size */
	uint32_t	container_field;
	uint8_t		trunc;			/* how much of a compressed stream to cut */
	const uint8_t *payload;		/* the decompressed stream */
	size_t		plen;
	const uint8_t *raw;			/* what the input stage reads */
	size_t		rawlen;
	uint8_t    *owned;			/* raw, when compressed here */
	PbCompression comp;
	bool		known;			/* the decompressed stream is the payload */
} FzRun;

/* The parameters at the head of the fuzz input; false if it is too short. */
static bool
parse_run(const uint8_t *data, size_t size, FzRun *r)
{
	FzBytes		b = {data, size};
	uint8_t		m;

	if (size < 7)
		return false;
	memset(r, 0, sizeof(*r));
	r->kind = (PbFramingKind) (fz_u8(&b) % (PB_FRAMING_LAST + 1));
	m = fz_u8(&b);
	r->mode = m % 8;
	r->crc = (m & 0x80) != 0;
	r->direct = r->mode == 0 && (m & 0x40) != 0;
	r->chunk = chunks[fz_u8(&b) % (sizeof(chunks) / sizeof(chunks[0]))];
	r->cap = caps[fz_u8(&b) % (sizeof(caps) / sizeof(caps[0]))];
	r->max = max_sizes[fz_u8(&b) % (sizeof(max_sizes) / sizeof(max_sizes[0]))];
	r->container_field = fz_u8(&b) % 8 + 1;
	r->trunc = fz_u8(&b);
	r->payload = b.p;
	r->plen = b.n;
	return true;
}

/*
 * choose_input
 *		The compression mode and the raw bytes, by the mode
 *
 * mode: 0 none, 1 auto, 2 gzip, 3 zstd over the payload as is; 4 gzip
 * (compressed here, mode gzip), 5 zstd (compressed here, mode auto), 6
 * gzip compressed here and truncated (mode auto), 7 zstd compressed here
 * and truncated (mode zstd).
 */
static void
choose_input(FzRun *r)
{
	const uint8_t *payload = r->payload;
	size_t		plen = r->plen;

	r->raw = payload;
	r->rawlen = plen;
	switch (r->mode)
	{
		case 0:
			r->comp = PB_COMPRESSION_NONE;
			r->known = true;
			break;
		case 1:
			r->comp = PB_COMPRESSION_AUTO;
			r->known = !((plen >= 2 && payload[0] == 0x1f && payload[1] == 0x8b) ||
						 (plen >= 4 && payload[0] == 0x28 && payload[1] == 0xb5 &&
						  payload[2] == 0x2f && payload[3] == 0xfd));
			break;
		case 2:
			r->comp = PB_COMPRESSION_GZIP;
			r->known = plen == 0;
			break;
		case 3:
			r->comp = PB_COMPRESSION_ZSTD;
			r->known = plen == 0;
			break;
		case 4:
		case 6:
			r->comp = r->mode == 4 ? PB_COMPRESSION_GZIP : PB_COMPRESSION_AUTO;
			r->owned = gzip_compress(payload, plen, &r->rawlen);
			r->known = true;
			break;
		default:
			r->comp = r->mode == 5 ? PB_COMPRESSION_AUTO : PB_COMPRESSION_ZSTD;
			r->owned = zstd_compress(payload, plen, &r->rawlen);
			r->known = true;
			break;
	}
	if (r->owned)
	{
		r->raw = r->owned;
		/*
		 * A prefix: what was decompressed is a prefix too.  Keep the magic
		 * number, so that 'auto' still recognises the codec.
		 */
		if (r->mode >= 6 && r->rawlen > 4)
			r->rawlen -= r->trunc % (r->rawlen - 4);
	}
}

/* Where the messages framed so far ended and began. */
typedef struct FzProgress
{
	uint64_t	sum;			/* message bytes */
	uint64_t	prev_end;
	uint64_t	prev_record;
} FzProgress;

/*
 * check_message
 *		The invariants of one message returned, recorded in real_ev
 */
static void
check_message(const FzRun *r, const PbSource *src, const PbFraming *f,
			  const uint8_t *msg, size_t len, FzProgress *pr)
{
	uint64_t	end_off = pb_source_offset(src) - (r->kind == PB_FRAMING_TFRECORD ? 4 : 0);

	FUZZ_CHECK(len <= r->max);
	FUZZ_CHECK(len == 0 || (msg >= src->buf && msg + len <= src->buf + src->pos));
	FUZZ_CHECK(end_off >= len);
	FUZZ_CHECK(end_off - len >= pr->prev_end);
	FUZZ_CHECK(f->record_offset <= end_off - len);
	FUZZ_CHECK(f->record_offset >= pr->prev_record);
	if (r->kind != PB_FRAMING_SINGLE)
		FUZZ_CHECK(f->record_offset >= pr->prev_end);
	if (r->known)
	{
		FUZZ_CHECK(end_off <= r->plen);
		FUZZ_CHECK(len == 0 || memcmp(msg, r->payload + (end_off - len), len) == 0);
	}
	if (r->kind == PB_FRAMING_TFRECORD && r->crc)
		FUZZ_CHECK(pb_load_le32(msg + len) == ref_masked_crc(msg, len));
	ev_add(&real_ev, EV_MSG, 0, end_off - len, len);
	pr->prev_end = end_off;
	pr->prev_record = f->record_offset;
	pr->sum += len;
}

/*
 * After an error, what on_error 'skip' does: 1 to go on, 0 to stop, -1 to
 * stop on a refused allocation.
 */
static int
after_error(const FzRun *r, PbFraming *f, bool *single_too_large)
{
	FUZZ_CHECK(f->err != PB_FRAME_ERR_NONE);
	FUZZ_CHECK(f->errmsg[0] != '\0');
	ev_add(&real_ev, EV_ERR, f->err, 0, 0);
	if (f->err == PB_FRAME_ERR_IO && fz_refused)
		return -1;
	if (f->err == PB_FRAME_ERR_TOO_LARGE)
	{
		*single_too_large = r->kind == PB_FRAMING_SINGLE;
		if (pb_framing_skip_oversized(f) != 0)
		{
			ev_add(&real_ev, EV_SKIP_FAILED, 0, 0, 0);
			return 0;
		}
		return 1;
	}
	return f->err == PB_FRAME_ERR_CRC ? 1 : 0;
}

/*
 * frame_all
 *		Frame the whole stream, recording real_ev and checking each step
 *
 * Returns true if it stopped on a refused allocation.
 */
static bool
frame_all(const FzRun *r, PbSource *src, PbFraming *f, const Counted *counted)
{
	FzProgress	pr = {0, 0, 0};
	uint64_t	calls = 0;
	bool		single_too_large = false;

	real_ev.n = 0;
	for (;;)
	{
		const uint8_t *msg = NULL;
		size_t		len = 0;
		PbFrameResult res;
		uint64_t	before = pb_source_offset(src);

		calls++;
		FUZZ_CHECK(calls <= counted->total + r->plen + 3);
		res = pb_framing_next(f, &msg, &len);
		FUZZ_CHECK(pb_source_offset(src) >= before);
		FUZZ_CHECK(src->pos <= src->end && src->end <= src->cap);
		if (res == PB_FRAME_END)
		{
			ev_add(&real_ev, EV_END, 0, 0, 0);
			/* a clean end: every byte decompressed was consumed (but an
			 * oversized 'single' input is left unread) */
			if (!single_too_large)
			{
				FUZZ_CHECK(pb_source_avail(src) == 0);
				FUZZ_CHECK(pb_source_offset(src) == counted->total);
			}
			return false;
		}
		if (res == PB_FRAME_ERROR)
		{
			int			go_on = after_error(r, f, &single_too_large);

			if (go_on <= 0)
				return go_on < 0;
			continue;
		}
		FUZZ_CHECK(res == PB_FRAME_MESSAGE);
		check_message(r, src, f, msg, len, &pr);
		FUZZ_CHECK(pr.sum <= counted->total);
	}
}

/*
 * Differential check against the reference framer: only when the whole
 * stream is known and was delivered (no truncated compression, no refused
 * allocation).
 */
static void
compare_with_reference(const FzRun *r)
{
	if (r->kind == PB_FRAMING_CONTAINER)
	{
		ref_ev.n = 0;
		ref_container(r->payload, r->plen, r->container_field, r->max, &ref_ev);
	}
	else
		ref_frame(r->kind, r->payload, r->plen, r->max, r->crc, &ref_ev);
	if (real_ev.n != ref_ev.n)
	{
		fprintf(stderr, "framing %s: %d events, reference %d\n",
				pb_framing_name(r->kind), real_ev.n, ref_ev.n);
	}
	for (int k = 0; k < real_ev.n && k < ref_ev.n; k++)
	{
		Ev		   *a = &real_ev.ev[k],
				   *e = &ref_ev.ev[k];

		if (a->kind != e->kind || a->err != e->err || a->off != e->off || a->len != e->len)
		{
			fprintf(stderr, "event %d: real kind %d err %d off %llu len %llu; "
					"reference kind %d err %d off %llu len %llu\n", k,
					a->kind, a->err, (unsigned long long) a->off, (unsigned long long) a->len,
					e->kind, e->err, (unsigned long long) e->off, (unsigned long long) e->len);
			FUZZ_CHECK(!"framing differs from the reference");
		}
	}
	FUZZ_CHECK(real_ev.n == ref_ev.n);
}

/*
 * LLVMFuzzerTestOneInput
 *		One execution: set up, frame the stream, compare
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FzRun		r;
	FzReader	reader;
	PbInput		input;
	PbSource	src;
	PbFraming	f;
	Counted		counted;
	const PbAllocator alloc = {fz_alloc, fz_free, NULL};
	bool		stopped_by_alloc;

	if (!parse_run(data, size, &r))
		return 0;
	fz_live = 0;
	fz_refused = 0;
	choose_input(&r);

	reader.data = r.raw;
	reader.len = r.rawlen;
	reader.pos = 0;
	reader.chunk = r.chunk;
	reader.calls_after_eof = 0;
	FUZZ_CHECK(pb_input_init(&input, fz_read, &reader, &alloc, r.comp) == 0);
	counted.in = &input;
	counted.direct = r.direct ? &reader : NULL;
	counted.expect = r.payload;
	counted.expect_len = r.plen;
	counted.known = r.known;
	counted.total = 0;
	counted.cap = 1 << 20;
	FUZZ_CHECK(pb_source_init(&src, counted_read, &counted, &alloc, r.cap) == 0);
	pb_framing_init(&f, r.kind, &src, r.container_field, r.max);
	f.crc32c = r.crc ? ref_crc32c : NULL;

	stopped_by_alloc = frame_all(&r, &src, &f, &counted);
	if (r.known && r.mode <= 5 && !stopped_by_alloc)
		compare_with_reference(&r);

	pb_source_free(&src);
	pb_input_end(&input);
	FUZZ_CHECK(fz_live == 0);
	free(r.owned);
	return 0;
}
