/*-------------------------------------------------------------------------
 *
 * input.c
 *		The decompressing read stage: none, gzip (zlib) or zstd.
 *
 * pb_input_read() is a PbReadFn over the caller's raw read callback: it
 * decides the compression from the first bytes (mode AUTO), then inflates
 * one input block (inbuf[inpos, inlen)) at a time into the caller's buffer.
 * Concatenated gzip members and zstd frames are read as one stream.
 *
 *-------------------------------------------------------------------------
 */
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_createDStream_advanced: our allocator */
#include "stream/input.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

const char *
pb_compression_name(PbCompression c)
{
	switch (c)
	{
		case PB_COMPRESSION_AUTO:
			return "auto";
		case PB_COMPRESSION_NONE:
			return "none";
		case PB_COMPRESSION_GZIP:
			return "gzip";
		case PB_COMPRESSION_ZSTD:
			return "zstd";
	}
	return "unknown";
}

int
pb_compression_parse(const char *s)
{
	for (int c = PB_COMPRESSION_AUTO; c <= PB_COMPRESSION_ZSTD; c++)
		if (strcmp(s, pb_compression_name((PbCompression) c)) == 0)
			return c;
	return -1;
}

static void *
z_alloc(void *opaque, unsigned items, unsigned size)
{
	PbInput    *in = opaque;

	return in->alloc.alloc(in->alloc.ctx, (size_t) items * size);
}

static void
z_free(void *opaque, void *ptr)
{
	PbInput    *in = opaque;

	in->alloc.free(in->alloc.ctx, ptr);
}

static void *
zstd_alloc(void *opaque, size_t size)
{
	PbInput    *in = opaque;

	return in->alloc.alloc(in->alloc.ctx, size);
}

static void
zstd_free(void *opaque, void *ptr)
{
	PbInput    *in = opaque;

	if (ptr)
		in->alloc.free(in->alloc.ctx, ptr);
}

int
pb_input_init(PbInput *in, PbReadFn raw_read, void *raw_arg,
			  const PbAllocator *alloc, PbCompression mode)
{
	assert(raw_read != NULL && alloc != NULL && alloc->alloc != NULL && alloc->free != NULL);
	assert(mode >= PB_COMPRESSION_AUTO && mode <= PB_COMPRESSION_ZSTD);
	memset(in, 0, sizeof(*in));
	in->raw_read = raw_read;
	in->raw_arg = raw_arg;
	in->alloc = *alloc;
	in->mode = mode;
	in->inbuf = alloc->alloc(alloc->ctx, PB_INPUT_BLOCK);
	return in->inbuf ? 0 : -1;
}

void
pb_input_end(PbInput *in)
{
	if (in->inbuf)
	{
		in->alloc.free(in->alloc.ctx, in->inbuf);
		in->inbuf = NULL;
	}
	if (in->codec == NULL)
		return;
	if (in->mode == PB_COMPRESSION_GZIP)
	{
		inflateEnd((z_stream *) in->codec);
		in->alloc.free(in->alloc.ctx, in->codec);
	}
	else if (in->mode == PB_COMPRESSION_ZSTD)
		ZSTD_freeDStream((ZSTD_DStream *) in->codec);
	in->codec = NULL;
}

/*
 * Record why the stream failed and where (the compressed bytes the codec
 * took); fmt has one %s for the codec's name, one for a detail.
 */
static long
fail(PbInput *in, const char *fmt, const char *detail)
{
	snprintf(in->errmsg, sizeof(in->errmsg), fmt, pb_compression_name(in->mode),
			 detail ? detail : "");
	in->err_offset = in->raw_bytes - (in->inlen - in->inpos);
	in->failed = 1;
	errno = EIO;
	return -1;
}

/*
 * A codec error after 'produced' bytes of this call: those bytes are good
 * (decoded before the damage), so return them and fail at the next call.
 */
static long
fail_after(PbInput *in, size_t produced, const char *fmt, const char *detail)
{
	fail(in, fmt, detail);
	if (produced == 0)
		return -1;
	errno = 0;
	return (long) produced;
}

/* Read more raw bytes into inbuf (after the unconsumed ones).  0 at EOF. */
static long
refill(PbInput *in)
{
	long		n;

	assert(in->inpos <= in->inlen && in->inlen <= PB_INPUT_BLOCK);
	if (in->raw_eof)
		return 0;
	if (in->inpos > 0)
	{
		memmove(in->inbuf, in->inbuf + in->inpos, in->inlen - in->inpos);
		in->inlen -= in->inpos;
		in->inpos = 0;
	}
	if (in->inlen == PB_INPUT_BLOCK)
		return 1;
	n = in->raw_read(in->raw_arg, in->inbuf + in->inlen, PB_INPUT_BLOCK - in->inlen);
	if (n < 0)
		return -1;
	if (n == 0)
		in->raw_eof = 1;
	/* a read callback never returns more than it was asked for */
	assert((size_t) n <= PB_INPUT_BLOCK - in->inlen);
	in->inlen += (size_t) n;
	in->raw_bytes += (uint64_t) n;
	return n;
}

/*
 * Make sure the codec has input: 1 if it has, 0 at a clean end (the last
 * member or frame was complete), -1 on a read error or a truncated stream.
 */
static int
need_input(PbInput *in)
{
	long		n;

	if (in->inpos < in->inlen)
		return 1;
	n = refill(in);
	if (n < 0)
		return -1;
	if (n > 0)
		return 1;
	if (in->member_done)
		return 0;
	fail(in, "truncated %s stream%s", NULL);
	return -1;
}

static int
start_codec(PbInput *in)
{
	assert(in->codec == NULL);
	if (in->mode == PB_COMPRESSION_GZIP)
	{
		z_stream   *zs = in->alloc.alloc(in->alloc.ctx, sizeof(z_stream));

		if (zs == NULL)
			return -1;
		memset(zs, 0, sizeof(*zs));
		zs->zalloc = z_alloc;
		zs->zfree = z_free;
		zs->opaque = in;
		/* 15 + 16: a gzip wrapper, not zlib's */
		if (inflateInit2(zs, 15 + 16) != Z_OK)
		{
			in->alloc.free(in->alloc.ctx, zs);
			return -1;
		}
		in->codec = zs;
	}
	else if (in->mode == PB_COMPRESSION_ZSTD)
	{
		ZSTD_customMem mem = {zstd_alloc, zstd_free, in};
		ZSTD_DStream *zds = ZSTD_createDStream_advanced(mem);

		if (zds == NULL)
			return -1;
		ZSTD_initDStream(zds);
		in->codec = zds;
	}
	return 0;
}

static void
detect(PbInput *in)
{
	const uint8_t *p = in->inbuf + in->inpos;
	size_t		n = in->inlen - in->inpos;

	assert(in->mode == PB_COMPRESSION_AUTO && in->inpos <= in->inlen);
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		in->mode = PB_COMPRESSION_GZIP;
	else if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		in->mode = PB_COMPRESSION_ZSTD;
	else
		in->mode = PB_COMPRESSION_NONE;
}

static long
read_gzip(PbInput *in, uint8_t *buf, size_t len)
{
	z_stream   *zs = in->codec;

	assert(in->mode == PB_COMPRESSION_GZIP && zs != NULL);
	for (;;)
	{
		int			ret;
		size_t		produced;

		int			more = need_input(in);

		if (more <= 0)
			return more;
		if (in->member_done)
		{
			/* more bytes after a member: the next member of a concatenation */
			if (inflateReset(zs) != Z_OK)
				return fail(in, "could not restart %s decoding%s", NULL);
			in->member_done = 0;
		}
		zs->next_in = in->inbuf + in->inpos;
		zs->avail_in = (uInt) (in->inlen - in->inpos);
		zs->next_out = buf;
		zs->avail_out = (uInt) (len > UINT32_MAX ? UINT32_MAX : len);
		ret = inflate(zs, Z_NO_FLUSH);
		in->inpos = in->inlen - zs->avail_in;
		produced = (size_t) (zs->next_out - buf);
		assert(in->inpos <= in->inlen && produced <= len);
		if (ret == Z_STREAM_END)
			in->member_done = 1;
		else if (ret != Z_OK && ret != Z_BUF_ERROR)
			return fail_after(in, produced, "corrupt %s data: %s",
							  zs->msg ? zs->msg : "inflate failed");
		if (produced > 0)
			return (long) produced;
	}
}

static long
read_zstd(PbInput *in, uint8_t *buf, size_t len)
{
	ZSTD_DStream *zds = in->codec;

	assert(in->mode == PB_COMPRESSION_ZSTD && zds != NULL);
	for (;;)
	{
		ZSTD_inBuffer zin;
		ZSTD_outBuffer zout = {buf, len, 0};
		size_t		ret;
		int			more = need_input(in);

		if (more <= 0)
			return more;
		zin.src = in->inbuf + in->inpos;
		zin.size = in->inlen - in->inpos;
		zin.pos = 0;
		ret = ZSTD_decompressStream(zds, &zout, &zin);
		assert(zin.pos <= zin.size && zout.pos <= len);
		in->inpos += zin.pos;
		if (ZSTD_isError(ret))
			return fail_after(in, zout.pos, "corrupt %s data: %s", ZSTD_getErrorName(ret));
		/* ret == 0: a frame is complete; another may follow */
		in->member_done = (ret == 0);
		if (zout.pos > 0)
			return (long) zout.pos;
	}
}

/* No compression: the bytes left in the input block, then straight from the raw stream. */
static long
read_none(PbInput *in, uint8_t *buf, size_t len)
{
	long		n;

	assert(in->mode == PB_COMPRESSION_NONE && in->codec == NULL);
	if (in->inpos < in->inlen)
	{
		size_t		k = in->inlen - in->inpos;

		if (k > len)
			k = len;
		memcpy(buf, in->inbuf + in->inpos, k);
		in->inpos += k;
		return (long) k;
	}
	if (in->raw_eof)
		return 0;
	n = in->raw_read(in->raw_arg, buf, len);
	assert(n < 0 || (size_t) n <= len);
	if (n > 0)
		in->raw_bytes += (uint64_t) n;
	return n;
}

static long read_stream(PbInput *in, uint8_t *buf, size_t len);

long
pb_input_read(void *arg, uint8_t *buf, size_t len)
{
	PbInput    *in = arg;
	long		n = read_stream(in, buf, len);

	if (n > 0)
		in->out_bytes += (uint64_t) n;
	return n;
}

static long
read_stream(PbInput *in, uint8_t *buf, size_t len)
{

	if (in->failed)
	{
		errno = EIO;
		return -1;
	}
	if (in->mode == PB_COMPRESSION_AUTO)
	{
		/* enough bytes to see a magic number, or the end */
		while (in->inlen - in->inpos < 4 && !in->raw_eof)
			if (refill(in) < 0)
				return -1;
		detect(in);
	}
	assert(in->mode == PB_COMPRESSION_NONE || in->mode == PB_COMPRESSION_GZIP ||
		   in->mode == PB_COMPRESSION_ZSTD);
	if (in->mode != PB_COMPRESSION_NONE && in->codec == NULL)
	{
		if (in->inlen == in->inpos && refill(in) < 0)
			return -1;
		if (in->inlen == in->inpos && in->raw_eof)
			return 0;			/* an empty input is empty in any codec */
		if (start_codec(in) < 0)
			return fail(in, "could not start the %s decoder%s", NULL);
	}
	switch (in->mode)
	{
		case PB_COMPRESSION_GZIP:
			return read_gzip(in, buf, len);
		case PB_COMPRESSION_ZSTD:
			return read_zstd(in, buf, len);
		default:
			return read_none(in, buf, len);
	}
}
