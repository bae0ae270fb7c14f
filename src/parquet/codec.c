/*-------------------------------------------------------------------------
 *
 * codec.c
 *		Page compression through the real libraries.
 *
 * Only page bodies are compressed, never page headers.  Each codec
 * produces the exact framing Parquet readers expect: a raw snappy block,
 * a single gzip member, a raw brotli stream, one standard zstd frame, an
 * LZ4 block (LZ4_RAW; the old Hadoop-framed LZ4 is never written).
 *
 * zlib, zstd and brotli take our allocation hooks, so their state lives in
 * the caller's memory (in the server: a memory context that an error
 * frees); LZ4 HC's 256 kB state is allocated through the hooks too, once per
 * writer (LZ4_compress_HC would malloc and clear a new one for every page,
 * outside the caller's memory).  snappy and fast LZ4 keep no state between
 * calls.  Caveat: brotli 1.0.9's encoder calls exit() when an allocation
 * returns NULL; in the server the hook raises an error instead of returning
 * NULL, so only a malloc-style hook (tests, fuzzing) can meet that.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include <brotli/encode.h>
#include <lz4.h>
#include <lz4hc.h>
#include <snappy-c.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_createCCtx_advanced: our allocator */
#include <zstd.h>
#include <zstd_errors.h>

#include "parquet/pqw_internal.h"

/* Levels used when the caller gives none. */
#define GZIP_DEFAULT_LEVEL		6
#define ZSTD_DEFAULT_LEVEL		3
#define BROTLI_DEFAULT_LEVEL	1
#define LZ4_FAST_LEVEL			1	/* LZ4_compress_default; above: LZ4HC */

static const struct
{
	const char *name;
	pqw_codec	codec;
}			codec_names[] =
{
	{"uncompressed", PQW_UNCOMPRESSED},
	{"snappy", PQW_SNAPPY},
	{"gzip", PQW_GZIP},
	{"brotli", PQW_BROTLI},
	{"zstd", PQW_ZSTD},
	{"lz4_raw", PQW_LZ4_RAW},
};

bool
pqw_codec_from_name(const char *name, pqw_codec *codec)
{
	for (size_t i = 0; i < sizeof(codec_names) / sizeof(codec_names[0]); i++)
	{
		if (strcmp(name, codec_names[i].name) == 0)
		{
			*codec = codec_names[i].codec;
			return true;
		}
	}
	return false;
}

const char *
pqw_codec_name(pqw_codec codec)
{
	for (size_t i = 0; i < sizeof(codec_names) / sizeof(codec_names[0]); i++)
		if (codec_names[i].codec == codec)
			return codec_names[i].name;
	return "unknown";
}

bool
pqw_codec_check_level(pqw_codec codec, int level, char *errbuf, size_t errlen)
{
	int			lo,
				hi;

	if (level == PQW_LEVEL_DEFAULT)
		return true;
	switch (codec)
	{
		case PQW_GZIP:
			lo = 0;
			hi = 9;
			break;
		case PQW_ZSTD:
			lo = ZSTD_minCLevel();
			hi = ZSTD_maxCLevel();
			break;
		case PQW_BROTLI:
			lo = BROTLI_MIN_QUALITY;
			hi = BROTLI_MAX_QUALITY;
			break;
		case PQW_LZ4_RAW:
			lo = 1;
			hi = LZ4HC_CLEVEL_MAX;
			break;
		default:
			snprintf(errbuf, errlen, "compression \"%s\" takes no compression level",
					 pqw_codec_name(codec));
			return false;
	}
	if (level < lo || level > hi)
	{
		snprintf(errbuf, errlen,
				 "compression level %d is out of range for \"%s\": it must be between %d and %d",
				 level, pqw_codec_name(codec), lo, hi);
		return false;
	}
	return true;
}

/* ---- allocator adapters ---- */

static voidpf
zlib_alloc(voidpf opaque, uInt items, uInt size)
{
	return pqw_malloc((const pqw_alloc *) opaque, (size_t) items * size);
}

static void
zlib_free(voidpf opaque, voidpf ptr)
{
	pqw_free((const pqw_alloc *) opaque, ptr);
}

static void *
hook_alloc(void *opaque, size_t size)
{
	return pqw_malloc((const pqw_alloc *) opaque, size);
}

static void
hook_free(void *opaque, void *ptr)
{
	pqw_free((const pqw_alloc *) opaque, ptr);
}

void
pqw_compressor_init(pqw_compressor *c, pqw_codec codec, int level,
					const pqw_alloc *alloc)
{
	c->codec = codec;
	c->level = level;
	c->alloc = alloc;
	c->zlib_stream = NULL;
	c->zstd_cctx = NULL;
	c->lz4hc_state = NULL;
}

void
pqw_compressor_free(pqw_compressor *c)
{
	if (c->zlib_stream)
	{
		deflateEnd((z_stream *) c->zlib_stream);
		pqw_free(c->alloc, c->zlib_stream);
		c->zlib_stream = NULL;
	}
	if (c->zstd_cctx)
	{
		ZSTD_freeCCtx((ZSTD_CCtx *) c->zstd_cctx);
		c->zstd_cctx = NULL;
	}
	if (c->lz4hc_state)
	{
		pqw_free(c->alloc, c->lz4hc_state);
		c->lz4hc_state = NULL;
	}
}

/*
 * compress_gzip
 *		GZIP: a deflate stream with the gzip header and trailer, through one
 *		z_stream reused for every page (deflateReset).
 */
static pqw_status
compress_gzip(pqw_compressor *c, const uint8_t *src, size_t n, pqw_buf *dst,
			  char *errbuf, size_t errlen)
{
	z_stream   *zs = c->zlib_stream;
	int			rc;

	if (zs == NULL)
	{
		int			level = c->level == PQW_LEVEL_DEFAULT ? GZIP_DEFAULT_LEVEL : c->level;

		zs = pqw_malloc(c->alloc, sizeof(z_stream));
		if (zs == NULL)
			return PQW_ERR_NOMEM;
		memset(zs, 0, sizeof(z_stream));
		zs->zalloc = zlib_alloc;
		zs->zfree = zlib_free;
		zs->opaque = (voidpf) c->alloc;
		/* windowBits 15 + 16: gzip framing, as Parquet's GZIP requires */
		rc = deflateInit2(zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
		if (rc != Z_OK)
		{
			pqw_free(c->alloc, zs);
			snprintf(errbuf, errlen, "zlib deflateInit2 failed: %d", rc);
			return rc == Z_MEM_ERROR ? PQW_ERR_NOMEM : PQW_ERR_CODEC;
		}
		c->zlib_stream = zs;
	}
	else
		deflateReset(zs);

	if (!pqw_buf_reserve(dst, deflateBound(zs, n)))
		return PQW_ERR_NOMEM;
	zs->next_in = (Bytef *) src;
	zs->avail_in = n;
	zs->next_out = dst->data;
	zs->avail_out = dst->cap;
	rc = deflate(zs, Z_FINISH);
	if (rc != Z_STREAM_END)
	{
		snprintf(errbuf, errlen, "zlib deflate failed: %d", rc);
		return PQW_ERR_CODEC;
	}
	dst->len = zs->total_out;
	return PQW_OK;
}

static pqw_status
compress_zstd(pqw_compressor *c, const uint8_t *src, size_t n, pqw_buf *dst,
			  char *errbuf, size_t errlen)
{
	ZSTD_CCtx  *cctx = c->zstd_cctx;
	size_t		rc;
	int			level = c->level == PQW_LEVEL_DEFAULT ? ZSTD_DEFAULT_LEVEL : c->level;

	if (cctx == NULL)
	{
		ZSTD_customMem mem = {hook_alloc, hook_free, (void *) c->alloc};

		cctx = ZSTD_createCCtx_advanced(mem);
		if (cctx == NULL)
			return PQW_ERR_NOMEM;
		c->zstd_cctx = cctx;
	}
	if (!pqw_buf_reserve(dst, ZSTD_compressBound(n)))
		return PQW_ERR_NOMEM;
	rc = ZSTD_compressCCtx(cctx, dst->data, dst->cap, src, n, level);
	if (ZSTD_isError(rc) && ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation)
		return PQW_ERR_NOMEM;
	if (ZSTD_isError(rc))
	{
		snprintf(errbuf, errlen, "zstd compression failed: %s", ZSTD_getErrorName(rc));
		return PQW_ERR_CODEC;
	}
	dst->len = rc;
	return PQW_OK;
}

static pqw_status
compress_brotli(pqw_compressor *c, const uint8_t *src, size_t n, pqw_buf *dst,
				char *errbuf, size_t errlen)
{
	BrotliEncoderState *st;
	size_t		bound = BrotliEncoderMaxCompressedSize(n);
	size_t		avail_in = n;
	const uint8_t *next_in = src;
	size_t		avail_out;
	uint8_t    *next_out;
	int			level = c->level == PQW_LEVEL_DEFAULT ? BROTLI_DEFAULT_LEVEL : c->level;
	bool		ok;

	if (bound == 0)
		bound = n + 1024;
	if (!pqw_buf_reserve(dst, bound))
		return PQW_ERR_NOMEM;
	st = BrotliEncoderCreateInstance(hook_alloc, hook_free, (void *) c->alloc);
	if (st == NULL)
		return PQW_ERR_NOMEM;
	BrotliEncoderSetParameter(st, BROTLI_PARAM_QUALITY, (uint32_t) level);
	BrotliEncoderSetParameter(st, BROTLI_PARAM_SIZE_HINT, (uint32_t) (n > UINT32_MAX ? 0 : n));
	avail_out = dst->cap;
	next_out = dst->data;
	ok = BrotliEncoderCompressStream(st, BROTLI_OPERATION_FINISH,
									 &avail_in, &next_in, &avail_out, &next_out,
									 NULL) &&
		BrotliEncoderIsFinished(st);
	BrotliEncoderDestroyInstance(st);
	if (!ok)
	{
		snprintf(errbuf, errlen, "brotli compression failed");
		return PQW_ERR_CODEC;
	}
	dst->len = dst->cap - avail_out;
	return PQW_OK;
}

static pqw_status
compress_lz4(pqw_compressor *c, const uint8_t *src, size_t n, pqw_buf *dst,
			 char *errbuf, size_t errlen)
{
	int			bound;
	int			rc;

	if (n > LZ4_MAX_INPUT_SIZE)
	{
		snprintf(errbuf, errlen, "page of %zu bytes is too large for lz4", n);
		return PQW_ERR_LIMIT;
	}
	bound = LZ4_compressBound((int) n);
	if (!pqw_buf_reserve(dst, bound))
		return PQW_ERR_NOMEM;
	if (c->level == PQW_LEVEL_DEFAULT || c->level <= LZ4_FAST_LEVEL)
		rc = LZ4_compress_default((const char *) src, (char *) dst->data, (int) n, bound);
	else
	{
		if (c->lz4hc_state == NULL)
		{
			c->lz4hc_state = pqw_malloc(c->alloc, (size_t) LZ4_sizeofStateHC());
			if (c->lz4hc_state == NULL)
				return PQW_ERR_NOMEM;
		}
		rc = LZ4_compress_HC_extStateHC(c->lz4hc_state, (const char *) src, (char *) dst->data,
										(int) n, bound, c->level);
	}
	if (rc <= 0 && n > 0)
	{
		snprintf(errbuf, errlen, "lz4 compression failed");
		return PQW_ERR_CODEC;
	}
	dst->len = rc;
	return PQW_OK;
}

static pqw_status
compress_snappy(const uint8_t *src, size_t n, pqw_buf *dst,
				char *errbuf, size_t errlen)
{
	size_t		outlen = snappy_max_compressed_length(n);

	if (!pqw_buf_reserve(dst, outlen))
		return PQW_ERR_NOMEM;
	if (snappy_compress((const char *) src, n, (char *) dst->data, &outlen) != SNAPPY_OK)
	{
		snprintf(errbuf, errlen, "snappy compression failed");
		return PQW_ERR_CODEC;
	}
	dst->len = outlen;
	return PQW_OK;
}

pqw_status
pqw_compress(pqw_compressor *c, const uint8_t *src, size_t n, pqw_buf *dst,
			 char *errbuf, size_t errlen)
{
	dst->len = 0;
	switch (c->codec)
	{
		case PQW_UNCOMPRESSED:
			 return pqw_buf_append(dst, src, n) ? PQW_OK : PQW_ERR_NOMEM;
		case PQW_SNAPPY:
			return compress_snappy(src, n, dst, errbuf, errlen);
		case PQW_GZIP:
			return compress_gzip(c, src, n, dst, errbuf, errlen);
		case PQW_BROTLI:
			return compress_brotli(c, src, n, dst, errbuf, errlen);
		case PQW_ZSTD:
			return compress_zstd(c, src, n, dst, errbuf, errlen);
		case PQW_LZ4_RAW:
			return compress_lz4(c, src, n, dst, errbuf, errlen);
	}
	snprintf(errbuf, errlen, "unknown codec %d", (int) c->codec);
	return PQW_ERR_ARG;
}
