/*-------------------------------------------------------------------------
 *
 * source.h
 *		A buffered byte source over a caller-supplied read callback.
 *
 * Pure C.  The buffer is one block, grown only when a caller asks for a
 * longer contiguous run than it holds (the framing asks for one whole
 * message), so its size is bounded by the largest message plus one read.
 * Opening, closing and interrupt checks belong to the caller's read
 * callback; this module only moves bytes.
 *
 * Invariant: pos <= end <= cap.  The inline functions below assert it (and
 * that no more is consumed than is available) with assert(), so the checks
 * follow NDEBUG in the file that includes this header; the extension's glue
 * calls none of them but pb_source_offset, which does not assert.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PB_SOURCE_H
#define PB_SOURCE_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

typedef struct PbAllocator
{
	void	   *(*alloc) (void *ctx, size_t size);
	void		(*free) (void *ctx, void *ptr);
	void	   *ctx;
} PbAllocator;

/*
 * Read up to len bytes into buf.  Returns the number read (> 0), 0 at end of
 * input, or -1 on error with errno set.
 */
typedef long (*PbReadFn) (void *arg, uint8_t *buf, size_t len);

typedef struct PbSource
{
	PbReadFn	read;
	void	   *read_arg;
	PbAllocator alloc;
	uint8_t    *buf;
	size_t		cap;
	size_t		pos;			/* first unconsumed byte */
	size_t		end;			/* one past the last valid byte */
	uint64_t	base_offset;	/* input offset of buf[0] */
	int			eof;			/* read() returned 0 */
	int			read_errno;		/* errno of a failed read, else 0 */
	uint8_t    *own_buf;		/* while reading a caller's block: our buffer */
	size_t		own_cap;
	int			borrowed;		/* buf is the caller's block (pb_source_attach) */
} PbSource;

/* The first buffer: large reads amortise the system calls. */
#define PB_SOURCE_INITIAL_CAP (1024 * 1024)

extern int	pb_source_init(PbSource *src, PbReadFn read, void *read_arg,
						   const PbAllocator *alloc, size_t initial_cap);
extern void pb_source_free(PbSource *src);

/*
 * Forget the buffered bytes and restart at input offset 0 (after a rewind);
 * after pb_source_attach, go back to the source's own buffer and callback.
 */
extern void pb_source_reset(PbSource *src);

/*
 * Read buf[0, len), which the caller owns and keeps unchanged until the next
 * pb_source_reset, instead of calling the read callback: the bytes are not
 * copied, their first one is at input offset base_offset, and the input ends
 * after the last.  The source's own buffer (if any) is kept for afterwards.
 */
extern void pb_source_attach(PbSource *src, const uint8_t *buf, size_t len,
							 uint64_t base_offset);

/*
 * Make at least 'need' bytes available from the current position, reading
 * and growing the buffer as required.  Returns 0 when they are there, 1 if
 * the input ended first (fewer are available: see pb_source_avail), -1 on a
 * read error or if the buffer could not grow.
 */
extern int	pb_source_fill_slow(PbSource *src, size_t need);

static inline int
pb_source_fill(PbSource *src, size_t need)
{
	assert(src->pos <= src->end && src->end <= src->cap);
	if (src->end - src->pos >= need)
		return 0;
	return pb_source_fill_slow(src, need);
}

/* Discard n bytes, reading through them if they are not buffered. */
extern int	pb_source_skip(PbSource *src, uint64_t n);

static inline size_t
pb_source_avail(const PbSource *src)
{
	assert(src->pos <= src->end);
	return src->end - src->pos;
}

static inline const uint8_t *
pb_source_peek(const PbSource *src)
{
	return src->buf + src->pos;
}

static inline void
pb_source_consume(PbSource *src, size_t n)
{
	assert(n <= src->end - src->pos);
	src->pos += n;
}

/* Input offset of the current position. */
static inline uint64_t
pb_source_offset(const PbSource *src)
{
	return src->base_offset + src->pos;
}

#endif							/* PB_SOURCE_H */
