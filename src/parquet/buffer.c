/*-------------------------------------------------------------------------
 *
 * buffer.c
 *		Growable byte buffers and allocation on the caller's hooks.
 *
 * A failed allocation marks the buffer failed and every later append is
 * a no-op, so encoders can append freely and check once at the end.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "parquet/pq_internal.h"

void *
pq_malloc(const pq_alloc *a, size_t size)
{
	return a->malloc_fn(a->ctx, size ? size : 1);
}

void *
pq_realloc(const pq_alloc *a, void *ptr, size_t size)
{
	if (ptr == NULL)
		return pq_malloc(a, size);
	return a->realloc_fn(a->ctx, ptr, size ? size : 1);
}

void
pq_free(const pq_alloc *a, void *ptr)
{
	if (ptr != NULL)
		a->free_fn(a->ctx, ptr);
}

char *
pq_strdup(const pq_alloc *a, const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *p = pq_malloc(a, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

bool
pq_grow_array(const pq_alloc *a, void **arr, size_t *cap, size_t need,
			  size_t elem)
{
	size_t		newcap;
	void	   *p;

	if (need <= *cap)
		return true;
	newcap = *cap ? *cap : 16;
	while (newcap < need)
		newcap *= 2;
	p = pq_realloc(a, *arr, newcap * elem);
	if (p == NULL)
		return false;
	*arr = p;
	*cap = newcap;
	return true;
}

void
pq_buf_init(pq_buf *b, const pq_alloc *a)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->alloc = a;
	b->failed = false;
}

bool
pq_buf_reserve(pq_buf *b, size_t extra)
{
	size_t		need;
	size_t		newcap;
	uint8_t    *p;

	if (b->failed)
		return false;
	need = b->len + extra;
	/* allocate even for zero bytes: data + offset must never be NULL + 0 */
	if (need <= b->cap && b->data != NULL)
		return true;
	newcap = b->cap ? b->cap : 256;
	while (newcap < need)
		newcap *= 2;
	p = pq_realloc(b->alloc, b->data, newcap);
	if (p == NULL)
	{
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = newcap;
	return true;
}

bool
pq_buf_append(pq_buf *b, const void *data, size_t len)
{
	if (!pq_buf_reserve(b, len))
		return false;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return true;
}

bool
pq_buf_byte(pq_buf *b, uint8_t byte)
{
	if (!pq_buf_reserve(b, 1))
		return false;
	b->data[b->len++] = byte;
	return true;
}

bool
pq_buf_u32le(pq_buf *b, uint32_t v)
{
	uint8_t		le[4];

	le[0] = v & 0xFF;
	le[1] = (v >> 8) & 0xFF;
	le[2] = (v >> 16) & 0xFF;
	le[3] = (v >> 24) & 0xFF;
	return pq_buf_append(b, le, 4);
}

void
pq_buf_free(pq_buf *b)
{
	pq_free(b->alloc, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}
