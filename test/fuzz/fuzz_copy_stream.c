/*
 * fuzz_copy_stream.c
 *		libFuzzer target for the input path of COPY ... FROM STDIN (FORMAT
 *		protobuf): the client's bytes arrive as CopyData messages of any
 *		size (empty ones included), are read as src/copy_from.c's
 *		client_read reads them, decompressed (src/stream/input.c) and framed
 *		(src/stream/framing.c) as a foreign table's are.
 *
 * Input: byte 0 the framing (of six), byte 1 the compression (auto, none,
 * gzip, zstd), byte 2 max_message_size (64 << (b % 14) bytes), bytes 3-6
 * the seed of the CopyData sizes, then the stream.
 *
 * Invariants: whatever the CopyData sizes, the framed messages, their
 * offsets and the first error (kind, offset) are exactly those of the
 * same stream read in one piece (a corrupt compressed stream: the
 * messages both runs frame before the decoder's error); every message lies inside the
 * decompressed stream; the reads terminate (at most one call per byte and
 * message, plus a few); all memory is freed.
 */
#include <stdbool.h>

#include "fuzz_common.h"
#include "stream/framing.h"
#include "stream/input.h"
#include "stream/source.h"

#ifdef NDEBUG
#error "fuzz_copy_stream needs the stream modules' assert() checks"
#endif

/* The client: CopyData messages cut from the stream by a PRNG. */
typedef struct FzClient
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;			/* start of the current message */
	size_t		msg_len;		/* its length */
	size_t		cursor;			/* read so far within it */
	uint32_t	rng;
	bool		done;			/* CopyDone received */
	long		calls;
} FzClient;

static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The next CopyData message: 0 to 300 bytes, some of them empty; false at CopyDone. */
static bool
next_message(FzClient *c)
{
	uint32_t	r = next_rand(&c->rng);
	size_t		want = (r % 8 == 0) ? 0 : (r >> 8) % 301;

	c->pos += c->msg_len;
	if (c->pos >= c->len)
		return false;
	c->msg_len = want < c->len - c->pos ? want : c->len - c->pos;
	c->cursor = 0;
	return true;
}

/* copy_from.c's client_read, over FzClient instead of pq_getmessage. */
static long
client_read(void *arg, uint8_t *buf, size_t len)
{
	FzClient   *c = arg;
	size_t		n;

	c->calls++;
	while (c->cursor >= c->msg_len)
	{
		if (c->done)
			return 0;
		if (!next_message(c))
		{
			c->done = true;
			return 0;
		}
	}
	n = len < c->msg_len - c->cursor ? len : c->msg_len - c->cursor;
	memcpy(buf, c->data + c->pos + c->cursor, n);
	c->cursor += n;
	return (long) n;
}

typedef struct FzFrame
{
	PbFrameResult res;
	PbFrameError err;
	size_t		len;
	uint64_t	offset;
	uint64_t	hash;
} FzFrame;

#define MAX_FRAMES 4096

static uint64_t
fnv(const uint8_t *p, size_t n)
{
	uint64_t	h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* Frame the whole stream (COPY stops at the first error); returns the frames. */
static int
frame_stream(PbFramingKind kind, PbCompression comp, uint64_t max, PbReadFn read, void *arg,
			 FzFrame *out)
{
	const PbAllocator alloc = {fz_alloc, fz_free, NULL};
	PbInput		input;
	PbSource	src;
	PbFraming	f;
	int			n = 0;

	FUZZ_CHECK(pb_input_init(&input, read, arg, &alloc, comp) == 0);
	FUZZ_CHECK(pb_source_init(&src, pb_input_read, &input, &alloc, 4096) == 0);
	pb_framing_init(&f, kind, &src, 1, max);
	while (n < MAX_FRAMES)
	{
		const uint8_t *msg;
		size_t		len;
		FzFrame    *fr = &out[n++];

		memset(fr, 0, sizeof(*fr));
		fr->res = pb_framing_next(&f, &msg, &len);
		fr->offset = f.record_offset;
		if (fr->res != PB_FRAME_MESSAGE)
		{
			fr->err = f.err;
			break;
		}
		FUZZ_CHECK(len <= max);
		FUZZ_CHECK(msg >= src.buf && msg + len <= src.buf + src.end);
		fr->len = len;
		fr->hash = fnv(msg, len);
	}
	pb_source_free(&src);
	pb_input_end(&input);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FzFrame whole[MAX_FRAMES], chunked[MAX_FRAMES];
	FzBytes		b = {data, size};
	PbFramingKind kind = (PbFramingKind) (fz_u8(&b) % (PB_FRAMING_LAST + 1));
	PbCompression comp = (PbCompression) (fz_u8(&b) % 4);
	uint64_t	max = (uint64_t) 64 << (fz_u8(&b) % 14);
	uint32_t	seed = fz_u32(&b) | 1;
	FzReader	reader = {b.p, b.n, 0, b.n ? b.n : 1, 0};
	FzClient	client = {b.p, b.n, 0, 0, 0, seed, false, 0};
	int			nw,
				nc;

	fz_live = 0;
	fz_refused = 0;
	nw = frame_stream(kind, comp, max, fz_read, &reader, whole);
	nc = frame_stream(kind, comp, max, client_read, &client, chunked);
	FUZZ_CHECK(fz_live == 0);
	if (fz_refused)
		return 0;				/* an allocation was refused: the runs need not agree */
	if (getenv("FZ_DEBUG"))
		for (int i = 0; i < (nw > nc ? nw : nc); i++)
			fprintf(stderr, "%d: whole %d/%d len %zu off %lu | chunked %d/%d len %zu off %lu\n", i,
					i < nw ? (int) whole[i].res : -1, i < nw ? (int) whole[i].err : -1,
					i < nw ? whole[i].len : 0, i < nw ? (unsigned long) whole[i].offset : 0,
					i < nc ? (int) chunked[i].res : -1, i < nc ? (int) chunked[i].err : -1,
					i < nc ? chunked[i].len : 0, i < nc ? (unsigned long) chunked[i].offset : 0);
	/*
	 * A corrupt compressed stream is found where the decoder meets it: a
	 * larger read may decode further and fail before handing out what it
	 * decoded first, so fewer messages come before the error, while smaller
	 * reads frame the garbage decoded before it (and may fail otherwise).
	 * Both runs must still agree on every message they share.
	 */
	if (whole[nw - 1].err == PB_FRAME_ERR_IO || chunked[nc - 1].err == PB_FRAME_ERR_IO)
	{
		FUZZ_CHECK(comp != PB_COMPRESSION_NONE);
		nw = nc = (nw < nc ? nw : nc) - 1;
	}
	FUZZ_CHECK(nw == nc);
	for (int i = 0; i < nw; i++)
	{
		FUZZ_CHECK(whole[i].res == chunked[i].res);
		FUZZ_CHECK(whole[i].err == chunked[i].err);
		FUZZ_CHECK(whole[i].len == chunked[i].len);
		FUZZ_CHECK(whole[i].hash == chunked[i].hash);
		FUZZ_CHECK(whole[i].res != PB_FRAME_MESSAGE || whole[i].offset == chunked[i].offset);
	}
	/* one call per byte, one per empty message, and a few at the end */
	FUZZ_CHECK(client.calls <= 2 * (long) b.n + 4 * nc + 16);
	return 0;
}
