/*
 * fuzz_framing.c - libFuzzer target: every framing (src/stream/framing.c),
 * over the buffered source (source.c) and the decompressing input stage
 * (input.c), fed arbitrary bytes.
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
 */
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
		uint32_t	open[PB_MAX_DEPTH + 1];
		int			nopen = 0;

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
		/* skip the field, and a group's whole contents */
		for (;;)
		{
			if (wt == PB_WT_VARINT)
				rc = ref_varint(d, n, &pos, &v);
			else if (wt == PB_WT_I64 || wt == PB_WT_I32)
			{
				size_t		w = wt == PB_WT_I64 ? 8 : 4;

				rc = n - pos < w ? 1 : 0;
				pos = rc ? n : pos + w;
			}
			else if (wt == PB_WT_LEN)
			{
				if ((rc = ref_varint(d, n, &pos, &v)) == 0)
				{
					if (v > INT32_MAX)
						rc = 2;
					else if (v > n - pos)
						rc = 1;
					else
						pos += v;
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
				goto err;
			if (nopen == 0)
				break;
			if ((rc = ref_tag(d, n, &pos, &field, &wt)) != 0)
				goto err;
		}
		continue;
err:
		ev_add(out, EV_ERR, rc == 1 ? PB_FRAME_ERR_TRUNCATED : PB_FRAME_ERR_MALFORMED, 0, 0);
		return;
	}
}

static void
ref_frame(PbFramingKind kind, const uint8_t *d, size_t n, uint64_t max, bool crc, EvList *out)
{
	size_t		pos = 0;

	out->n = 0;
	if (kind == PB_FRAMING_SINGLE)
	{
		if (n > max)
			ev_add(out, EV_ERR, PB_FRAME_ERR_TOO_LARGE, 0, 0);
		else
			ev_add(out, EV_MSG, 0, 0, n);
		ev_add(out, EV_END, 0, 0, 0);
		return;
	}
	for (;;)
	{
		uint64_t	len;
		uint64_t	skip;

		if (pos == n)
		{
			ev_add(out, EV_END, 0, 0, 0);
			return;
		}
		if (kind == PB_FRAMING_DELIMITED)
		{
			int			rc = ref_varint(d, n, &pos, &len);

			if (rc != 0)
			{
				ev_add(out, EV_ERR, rc == 1 ? PB_FRAME_ERR_TRUNCATED : PB_FRAME_ERR_MALFORMED, 0, 0);
				return;
			}
			skip = len;
		}
		else if (kind == PB_FRAMING_FIXED32BE || kind == PB_FRAMING_FIXED32LE)
		{
			if (n - pos < 4)
			{
				ev_add(out, EV_ERR, PB_FRAME_ERR_TRUNCATED, 0, 0);
				return;
			}
			if (kind == PB_FRAMING_FIXED32BE)
				len = ((uint64_t) d[pos] << 24) | ((uint64_t) d[pos + 1] << 16) |
					((uint64_t) d[pos + 2] << 8) | d[pos + 3];
			else
				len = ((uint64_t) d[pos + 3] << 24) | ((uint64_t) d[pos + 2] << 16) |
					((uint64_t) d[pos + 1] << 8) | d[pos];
			pos += 4;
			skip = len;
		}
		else					/* tfrecord */
		{
			bool		len_ok;

			if (n - pos < 12)
			{
				ev_add(out, EV_ERR, PB_FRAME_ERR_TRUNCATED, 0, 0);
				return;
			}
			len = 0;
			for (int k = 7; k >= 0; k--)
				len = (len << 8) | d[pos + k];
			{
				uint32_t	c = ref_crc32c(d + pos, 8);
				uint32_t	masked = ((c >> 15) | (c << 17)) + 0xa282ead8u;
				uint32_t	stored = d[pos + 8] | (d[pos + 9] << 8) | (d[pos + 10] << 16) |
					((uint32_t) d[pos + 11] << 24);

				len_ok = !crc || masked == stored;
			}
			pos += 12;
			if (len > max)
			{
				ev_add(out, EV_ERR, PB_FRAME_ERR_TOO_LARGE, 0, 0);
				if (len + 4 > n - pos)
				{
					ev_add(out, EV_SKIP_FAILED, 0, 0, 0);
					return;
				}
				pos += len + 4;
				continue;
			}
			if (len + 4 > n - pos)
			{
				ev_add(out, EV_ERR, PB_FRAME_ERR_TRUNCATED, 0, 0);
				return;
			}
			if (!len_ok)
				ev_add(out, EV_ERR, PB_FRAME_ERR_CRC, 0, 0);
			else
			{
				uint32_t	c = ref_crc32c(d + pos, len);
				uint32_t	masked = ((c >> 15) | (c << 17)) + 0xa282ead8u;
				const uint8_t *s = d + pos + len;
				uint32_t	stored = s[0] | (s[1] << 8) | (s[2] << 16) | ((uint32_t) s[3] << 24);

				if (crc && masked != stored)
					ev_add(out, EV_ERR, PB_FRAME_ERR_CRC, 0, 0);
				else
					ev_add(out, EV_MSG, 0, pos, len);
			}
			pos += len + 4;
			continue;
		}
		/* delimited and fixed32 */
		if (len > max)
		{
			ev_add(out, EV_ERR, PB_FRAME_ERR_TOO_LARGE, 0, 0);
			if (skip > n - pos)
			{
				ev_add(out, EV_SKIP_FAILED, 0, 0, 0);
				return;
			}
			pos += skip;
			continue;
		}
		if (len > n - pos)
		{
			ev_add(out, EV_ERR, PB_FRAME_ERR_TRUNCATED, 0, 0);
			return;
		}
		ev_add(out, EV_MSG, 0, pos, len);
		pos += len;
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FzBytes		b = {data, size};
	PbFramingKind kind;
	int			mode;
	bool		crc;
	bool		direct;
	size_t		chunk,
				cap;
	uint64_t	max;
	uint32_t	container_field;
	uint8_t		trunc;
	const uint8_t *payload;
	size_t		plen;
	uint8_t    *owned = NULL;
	const uint8_t *raw;
	size_t		rawlen;
	PbCompression comp;
	bool		known;
	size_t		known_len;
	FzReader	reader;
	PbInput		input;
	PbSource	src;
	PbFraming	f;
	Counted		counted;
	const PbAllocator alloc = {fz_alloc, fz_free, NULL};
	uint64_t	sum = 0,
				prev_end = 0,
				prev_record = 0;
	uint64_t	calls = 0;
	bool		stopped_by_alloc = false;
	bool		single_too_large = false;

	if (size < 7)
		return 0;
	kind = (PbFramingKind) (fz_u8(&b) % (PB_FRAMING_LAST + 1));
	{
		uint8_t		m = fz_u8(&b);

		mode = m % 8;
		crc = (m & 0x80) != 0;
		direct = mode == 0 && (m & 0x40) != 0;	/* no input stage at all */
	}
	chunk = chunks[fz_u8(&b) % (sizeof(chunks) / sizeof(chunks[0]))];
	cap = caps[fz_u8(&b) % (sizeof(caps) / sizeof(caps[0]))];
	max = max_sizes[fz_u8(&b) % (sizeof(max_sizes) / sizeof(max_sizes[0]))];
	container_field = fz_u8(&b) % 8 + 1;
	trunc = fz_u8(&b);
	payload = b.p;
	plen = b.n;

	fz_live = 0;
	fz_refused = 0;

	/*
	 * mode: 0 none, 1 auto, 2 gzip, 3 zstd over the payload as is; 4 gzip
	 * (compressed here, mode gzip), 5 zstd (compressed here, mode auto), 6
	 * gzip compressed here and truncated (mode auto), 7 zstd compressed here
	 * and truncated (mode zstd).
	 */
	raw = payload;
	rawlen = plen;
	known = false;
	known_len = plen;
	switch (mode)
	{
		case 0:
			comp = PB_COMPRESSION_NONE;
			known = true;
			break;
		case 1:
			comp = PB_COMPRESSION_AUTO;
			known = !((plen >= 2 && payload[0] == 0x1f && payload[1] == 0x8b) ||
					  (plen >= 4 && payload[0] == 0x28 && payload[1] == 0xb5 &&
					   payload[2] == 0x2f && payload[3] == 0xfd));
			break;
		case 2:
			comp = PB_COMPRESSION_GZIP;
			known = plen == 0;
			break;
		case 3:
			comp = PB_COMPRESSION_ZSTD;
			known = plen == 0;
			break;
		case 4:
		case 6:
			comp = mode == 4 ? PB_COMPRESSION_GZIP : PB_COMPRESSION_AUTO;
			owned = gzip_compress(payload, plen, &rawlen);
			known = true;
			break;
		default:
			comp = mode == 5 ? PB_COMPRESSION_AUTO : PB_COMPRESSION_ZSTD;
			owned = zstd_compress(payload, plen, &rawlen);
			known = true;
			break;
	}
	if (owned)
	{
		raw = owned;
		/*
		 * A prefix: what was decompressed is a prefix too.  Keep the magic
		 * number, so that 'auto' still recognises the codec.
		 */
		if (mode >= 6 && rawlen > 4)
			rawlen -= trunc % (rawlen - 4);
	}

	reader.data = raw;
	reader.len = rawlen;
	reader.pos = 0;
	reader.chunk = chunk;
	reader.calls_after_eof = 0;
	FUZZ_CHECK(pb_input_init(&input, fz_read, &reader, &alloc, comp) == 0);
	counted.in = &input;
	counted.direct = direct ? &reader : NULL;
	counted.expect = payload;
	counted.expect_len = known_len;
	counted.known = known;
	counted.total = 0;
	counted.cap = 1 << 20;
	FUZZ_CHECK(pb_source_init(&src, counted_read, &counted, &alloc, cap) == 0);
	pb_framing_init(&f, kind, &src, container_field, max);
	f.crc32c = crc ? ref_crc32c : NULL;

	real_ev.n = 0;
	for (;;)
	{
		const uint8_t *msg = NULL;
		size_t		len = 0;
		PbFrameResult res;
		uint64_t	before = pb_source_offset(&src);

		calls++;
		FUZZ_CHECK(calls <= counted.total + plen + 3);
		res = pb_framing_next(&f, &msg, &len);
		FUZZ_CHECK(pb_source_offset(&src) >= before);
		FUZZ_CHECK(src.pos <= src.end && src.end <= src.cap);
		if (res == PB_FRAME_END)
		{
			ev_add(&real_ev, EV_END, 0, 0, 0);
			/* a clean end: every byte decompressed was consumed (but an
			 * oversized 'single' input is left unread) */
			if (!single_too_large)
			{
				FUZZ_CHECK(pb_source_avail(&src) == 0);
				FUZZ_CHECK(pb_source_offset(&src) == counted.total);
			}
			break;
		}
		if (res == PB_FRAME_ERROR)
		{
			FUZZ_CHECK(f.err != PB_FRAME_ERR_NONE);
			FUZZ_CHECK(f.errmsg[0] != '\0');
			ev_add(&real_ev, EV_ERR, f.err, 0, 0);
			if (f.err == PB_FRAME_ERR_IO && fz_refused)
			{
				stopped_by_alloc = true;
				break;
			}
			if (f.err == PB_FRAME_ERR_TOO_LARGE)
			{
				single_too_large = kind == PB_FRAMING_SINGLE;
				if (pb_framing_skip_oversized(&f) != 0)
				{
					ev_add(&real_ev, EV_SKIP_FAILED, 0, 0, 0);
					break;
				}
				continue;
			}
			if (f.err == PB_FRAME_ERR_CRC)
				continue;
			break;
		}
		FUZZ_CHECK(res == PB_FRAME_MESSAGE);
		FUZZ_CHECK(len <= max);
		FUZZ_CHECK(len == 0 || (msg >= src.buf && msg + len <= src.buf + src.pos));
		{
			uint64_t	end_off = pb_source_offset(&src) - (kind == PB_FRAMING_TFRECORD ? 4 : 0);

			FUZZ_CHECK(end_off >= len);
			FUZZ_CHECK(end_off - len >= prev_end);
			FUZZ_CHECK(f.record_offset <= end_off - len);
			FUZZ_CHECK(f.record_offset >= prev_record);
			if (kind != PB_FRAMING_SINGLE)
				FUZZ_CHECK(f.record_offset >= prev_end);
			if (known)
			{
				FUZZ_CHECK(end_off <= known_len);
				FUZZ_CHECK(len == 0 || memcmp(msg, payload + (end_off - len), len) == 0);
			}
			if (kind == PB_FRAMING_TFRECORD && crc)
			{
				uint32_t	c = ref_crc32c(msg, len);

				FUZZ_CHECK(pb_load_le32(msg + len) == (((c >> 15) | (c << 17)) + 0xa282ead8u));
			}
			ev_add(&real_ev, EV_MSG, 0, end_off - len, len);
			prev_end = end_off;
			prev_record = f.record_offset;
		}
		sum += len;
		FUZZ_CHECK(sum <= counted.total);
	}

	/*
	 * Differential check against the reference framer: only when the whole
	 * stream is known and was delivered (no truncated compression, no
	 * refused allocation), for the framings the reference implements.
	 */
	if (known && mode <= 5 && !stopped_by_alloc)
	{
		if (kind == PB_FRAMING_CONTAINER)
		{
			ref_ev.n = 0;
			ref_container(payload, plen, container_field, max, &ref_ev);
		}
		else
			ref_frame(kind, payload, plen, max, crc, &ref_ev);
		if (real_ev.n != ref_ev.n)
		{
			fprintf(stderr, "framing %s: %d events, reference %d\n",
					pb_framing_name(kind), real_ev.n, ref_ev.n);
		}
		for (int k = 0; k < real_ev.n && k < ref_ev.n; k++)
		{
			Ev		   *a = &real_ev.ev[k],
					   *r = &ref_ev.ev[k];

			if (a->kind != r->kind || a->err != r->err || a->off != r->off || a->len != r->len)
			{
				fprintf(stderr, "event %d: real kind %d err %d off %llu len %llu; "
						"reference kind %d err %d off %llu len %llu\n", k,
						a->kind, a->err, (unsigned long long) a->off, (unsigned long long) a->len,
						r->kind, r->err, (unsigned long long) r->off, (unsigned long long) r->len);
				FUZZ_CHECK(!"framing differs from the reference");
			}
		}
		FUZZ_CHECK(real_ev.n == ref_ev.n);
	}

	pb_source_free(&src);
	pb_input_end(&input);
	FUZZ_CHECK(fz_live == 0);
	free(owned);
	return 0;
}
