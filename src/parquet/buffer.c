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

#include "parquet/pqw_internal.h"

void *
pqw_malloc(const pqw_alloc *a, size_t size)
{
	return a->malloc_fn(a->ctx, size ? size : 1);
}

void *
pqw_realloc(const pqw_alloc *a, void *ptr, size_t size)
{
	if (ptr == NULL)
		return pqw_malloc(a, size);
	return a->realloc_fn(a->ctx, ptr, size ? size : 1);
}

void
pqw_free(const pqw_alloc *a, void *ptr)
{
	if (ptr != NULL)
		a->free_fn(a->ctx, ptr);
}

char *
pqw_strdup(const pqw_alloc *a, const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *p = pqw_malloc(a, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

bool
pqw_grow_array(const pqw_alloc *a, void **arr, size_t *cap, size_t need,
			   size_t elem)
{
	size_t		newcap;
	void	   *p;

	if (need <= *cap)
		return true;
	newcap = *cap ? *cap : 16;
	while (newcap < need)
		newcap *= 2;
	p = pqw_realloc(a, *arr, newcap * elem);
	if (p == NULL)
		return false;
	*arr = p;
	*cap = newcap;
	return true;
}

void
pqw_buf_init(pqw_buf *b, const pqw_alloc *a)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->alloc = a;
	b->failed = false;
}

bool
pqw_buf_reserve(pqw_buf *b, size_t extra)
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
	p = pqw_realloc(b->alloc, b->data, newcap);
	if (p == NULL)
	{
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = newcap;
	assert(b->len + extra <= b->cap);
	return true;
}

bool
pqw_buf_append(pqw_buf *b, const void *data, size_t len)
{
	if (!pqw_buf_reserve(b, len))
		return false;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return true;
}

bool
pqw_buf_byte(pqw_buf *b, uint8_t byte)
{
	if (!pqw_buf_reserve(b, 1))
		return false;
	b->data[b->len++] = byte;
	return true;
}

bool
pqw_buf_u32le(pqw_buf *b, uint32_t v)
{
	uint8_t		le[4];

	le[0] = v & 0xFF;
	le[1] = (v >> 8) & 0xFF;
	le[2] = (v >> 16) & 0xFF;
	le[3] = (v >> 24) & 0xFF;
	return pqw_buf_append(b, le, 4);
}

void
pqw_buf_free(pqw_buf *b)
{
	pqw_free(b->alloc, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}
