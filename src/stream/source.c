/*-------------------------------------------------------------------------
 *
 * source.c
 *		The buffered byte source: reading, growing and skipping.
 *
 * The buffer holds buf[pos, end) unconsumed; it is compacted or grown only
 * when a caller needs a longer contiguous run (see source.h).  A caller's
 * block attached with pb_source_attach is read in place and never written.
 *
 *-------------------------------------------------------------------------
 */
#include "stream/source.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

int
pb_source_init(PbSource *src, PbReadFn read, void *read_arg,
			   const PbAllocator *alloc, size_t initial_cap)
{
	assert(read != NULL && alloc != NULL && alloc->alloc != NULL && alloc->free != NULL);
	memset(src, 0, sizeof(*src));
	src->read = read;
	src->read_arg = read_arg;
	src->alloc = *alloc;
	src->cap = initial_cap > 0 ? initial_cap : PB_SOURCE_INITIAL_CAP;
	src->buf = alloc->alloc(alloc->ctx, src->cap);
	return src->buf ? 0 : -1;
}

void
pb_source_free(PbSource *src)
{
	if (src->borrowed)
	{
		src->buf = src->own_buf;
		src->cap = src->own_cap;
		src->borrowed = 0;
	}
	if (src->buf)
		src->alloc.free(src->alloc.ctx, src->buf);
	src->buf = NULL;
	src->cap = 0;
}

void
pb_source_reset(PbSource *src)
{
	if (src->borrowed)
	{
		src->buf = src->own_buf;
		src->cap = src->own_cap;
		src->own_buf = NULL;
		src->own_cap = 0;
		src->borrowed = 0;
	}
	src->pos = src->end = 0;
	src->base_offset = 0;
	src->eof = 0;
	src->read_errno = 0;
}

void
pb_source_attach(PbSource *src, const uint8_t *buf, size_t len, uint64_t base_offset)
{
	assert(buf != NULL || len == 0);
	pb_source_reset(src);
	assert(!src->borrowed);
	src->own_buf = src->buf;
	src->own_cap = src->cap;
	src->borrowed = 1;
	/* never written: the input ends at its end, so nothing is read into it */
	src->buf = (uint8_t *) buf;
	src->cap = len;
	src->end = len;
	src->base_offset = base_offset;
	src->eof = 1;
}

/* Move the unconsumed bytes to the front, growing the block if 'need' > cap. */
static int
make_room(PbSource *src, size_t need)
{
	size_t		avail = src->end - src->pos;

	assert(src->pos <= src->end && src->end <= src->cap);
	assert(!src->borrowed);
	if (need > src->cap)
	{
		size_t		newcap = src->cap;
		uint8_t    *nb;

		while (newcap < need)
			newcap = newcap > SIZE_MAX / 2 ? need : newcap * 2;
		nb = src->alloc.alloc(src->alloc.ctx, newcap);
		if (nb == NULL)
			return -1;
		memcpy(nb, src->buf + src->pos, avail);
		src->alloc.free(src->alloc.ctx, src->buf);
		src->buf = nb;
		src->cap = newcap;
	}
	else if (src->pos > 0)
		memmove(src->buf, src->buf + src->pos, avail);
	src->base_offset += src->pos;
	src->pos = 0;
	src->end = avail;
	assert(src->end <= src->cap && need <= src->cap);
	return 0;
}

int
pb_source_fill_slow(PbSource *src, size_t need)
{
	if (src->end - src->pos >= need)
		return 0;
	if (src->eof)
		return 1;
	/* the input ends where an attached block does: it is never written */
	assert(!src->borrowed);
	if (src->cap - src->pos < need && make_room(src, need) < 0)
	{
		errno = ENOMEM;
		src->read_errno = ENOMEM;
		return -1;
	}
	while (src->end - src->pos < need)
	{
		long		n;

		assert(src->cap - src->pos >= need);
		if (src->end == src->cap && make_room(src, need) < 0)
			return -1;
		assert(src->end < src->cap);
		n = src->read(src->read_arg, src->buf + src->end, src->cap - src->end);
		if (n < 0)
		{
			src->read_errno = errno ? errno : EIO;
			return -1;
		}
		if (n == 0)
		{
			src->eof = 1;
			return 1;
		}
		/* a read callback never returns more than it was asked for */
		assert((size_t) n <= src->cap - src->end);
		src->end += (size_t) n;
	}
	return 0;
}

int
pb_source_skip(PbSource *src, uint64_t n)
{
	while (n > 0)
	{
		size_t		avail = src->end - src->pos;
		int			rc;

		if (avail == 0)
		{
			/* Read a fresh block: nothing buffered needs keeping. */
			src->base_offset += src->end;
			src->pos = src->end = 0;
			rc = pb_source_fill(src, 1);
			if (rc != 0)
				return rc;
			avail = src->end - src->pos;
		}
		if ((uint64_t) avail > n)
			avail = (size_t) n;
		assert(avail <= src->end - src->pos);
		src->pos += avail;
		n -= avail;
	}
	return 0;
}
