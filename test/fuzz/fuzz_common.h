/*
 * fuzz_common.h - helpers shared by the libFuzzer targets: an allocator that
 * counts live blocks and refuses large requests (so a lying length prefix
 * exercises the out-of-memory path instead of allocating gigabytes), a
 * chunked in-memory read callback, a byte consumer for the fuzz input, and
 * an invariant check that aborts with a message (libFuzzer records the
 * input as a crash).
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* ---- allocation: counted, capped ---- */

#define FUZZ_ALLOC_CAP (64u * 1024 * 1024)

static long fz_live;			/* blocks allocated and not freed */
static int	fz_refused;			/* an allocation was refused this run */

static void *
fz_alloc(void *ctx, size_t n)
{
	void	   *p;

	(void) ctx;
	if (n > FUZZ_ALLOC_CAP)
	{
		fz_refused = 1;
		return NULL;
	}
	p = malloc(n ? n : 1);
	if (p)
		fz_live++;
	return p;
}

static void
fz_free(void *ctx, void *p)
{
	(void) ctx;
	if (p)
	{
		fz_live--;
		free(p);
	}
}

static __attribute__((unused)) void *
fz_realloc(void *ctx, void *p, size_t n)
{
	(void) ctx;
	if (n > FUZZ_ALLOC_CAP)
	{
		fz_refused = 1;
		return NULL;
	}
	return realloc(p, n ? n : 1);
}

/* ---- the fuzz input as a stream of parameters ---- */

typedef struct FzBytes
{
	const uint8_t *p;
	size_t		n;
} FzBytes;

static inline uint8_t
fz_u8(FzBytes *b)
{
	uint8_t		v = 0;

	if (b->n > 0)
	{
		v = b->p[0];
		b->p++;
		b->n--;
	}
	return v;
}

static inline uint32_t
fz_u32(FzBytes *b)
{
	uint32_t	v = fz_u8(b);

	v |= (uint32_t) fz_u8(b) << 8;
	v |= (uint32_t) fz_u8(b) << 16;
	v |= (uint32_t) fz_u8(b) << 24;
	return v;
}

/* ---- a read callback over memory, handing out at most 'chunk' bytes per call ---- */

typedef struct FzReader
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
	size_t		chunk;
	long		calls_after_eof;	/* a reader must not keep reading past the end */
} FzReader;

static __attribute__((unused)) long
fz_read(void *arg, uint8_t *buf, size_t len)
{
	FzReader   *r = arg;
	size_t		n = r->len - r->pos;

	if (n == 0)
	{
		r->calls_after_eof++;
		return 0;
	}
	if (n > len)
		n = len;
	if (n > r->chunk)
		n = r->chunk;
	memcpy(buf, r->data + r->pos, n);
	r->pos += n;
	return (long) n;
}

#endif							/* FUZZ_COMMON_H */
