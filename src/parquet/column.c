/*-------------------------------------------------------------------------
 *
 * column.c
 *		Leaf column buffers and column chunk writing.
 *
 * A column buffers the level entries and the non-null values of the rows
 * of one row group, values already in PLAIN byte form (booleans one byte
 * each until they are bit-packed).  What differs between physical types is
 * confined to a few places: the width of a value, how a page's values are
 * laid out, and the comparison in stats.c.
 *
 * At flush the chunk is written as: an optional dictionary page (PLAIN
 * entries), then data pages v1 of about page_bytes each, every page
 * starting on a row boundary (repetition level 0) so readers can skip
 * pages without splitting a row.  The dictionary is built per chunk over
 * the buffered values; past dictionary_bytes the whole chunk falls back
 * to PLAIN.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "parquet/pqw_internal.h"

/* Thrift enum values */
#define PAGE_DATA			0
#define PAGE_DICTIONARY		2
#define ENC_PLAIN			0
#define ENC_RLE				3
#define ENC_RLE_DICTIONARY	8

size_t
pqw_type_width(pqw_type type, int type_length)
{
	switch (type)
	{
		case PQW_BOOLEAN:
			return 1;			/* buffered as one byte; bit-packed on output */
		case PQW_INT32:
		case PQW_FLOAT:
			return 4;
		case PQW_INT64:
		case PQW_DOUBLE:
			return 8;
		case PQW_FIXED_LEN_BYTE_ARRAY:
			return (size_t) type_length;
		case PQW_BYTE_ARRAY:
			return 0;
	}
	return 0;
}

void
pqw_column_init(pqw_column *c, const pqw_alloc *a, int leaf, const pqw_node *node)
{
	memset(c, 0, sizeof(*c));
	c->leaf = leaf;
	c->type = node->type;
	c->type_length = node->type_length;
	c->width = pqw_type_width(node->type, node->type_length);
	c->fast = node->type == PQW_BOOLEAN ? PQW_FAST_BOOL :
		node->type == PQW_BYTE_ARRAY ? PQW_FAST_BYTES :
		c->width == 4 && node->type != PQW_FIXED_LEN_BYTE_ARRAY ? PQW_FAST_4 :
		c->width == 8 && node->type != PQW_FIXED_LEN_BYTE_ARRAY ? PQW_FAST_8 :
		PQW_FAST_NONE;
	c->signed_bytes = (node->type == PQW_FIXED_LEN_BYTE_ARRAY &&
					   node->logical.kind == PQW_LT_DECIMAL);
	c->max_def = node->max_def;
	c->max_rep = node->max_rep;
	pqw_buf_init(&c->values, a);
}

/* Room for one more level entry: def and rep grow together. */
static pqw_status
grow_levels(pqw_column *c, const pqw_alloc *a)
{
	size_t		cap = c->levels_cap ? c->levels_cap * 2 : 1024;
	void	   *p;

	/* both always hold levels_cap entries */
	if (c->max_def > 0)
	{
		p = pqw_realloc(a, c->def, cap * sizeof(uint16_t));
		if (p == NULL)
			return PQW_ERR_NOMEM;
		c->def = p;
	}
	if (c->max_rep > 0)
	{
		p = pqw_realloc(a, c->rep, cap * sizeof(uint16_t));
		if (p == NULL)
			return PQW_ERR_NOMEM;
		c->rep = p;
	}
	c->levels_cap = cap;
	return PQW_OK;
}

/* Buffer a present value (def == max_def) in its PLAIN form. */
static pqw_status
add_value(pqw_column *c, const pqw_alloc *a, int def, const void *value,
		  size_t len, char *errbuf)
{
	if (c->type == PQW_BYTE_ARRAY)
	{
		if (len > INT32_MAX)
		{
			snprintf(errbuf, PQW_ERRMSG_LEN, "column %d: value of %zu bytes is too large",
					 c->leaf, len);
			return PQW_ERR_LIMIT;
		}
		if (!pqw_grow_array(a, (void **) &c->offsets, &c->offsets_cap,
							c->n_values + 2, sizeof(size_t)))
			return PQW_ERR_NOMEM;
		if (c->n_values == 0)
			c->offsets[0] = 0;
	}
	else if (len != c->width)
	{
		snprintf(errbuf, PQW_ERRMSG_LEN, "column %d: value of %zu bytes, expected %zu",
				 c->leaf, len, c->width);
		return PQW_ERR_ARG;
	}
	if (value == NULL && len > 0)
	{
		snprintf(errbuf, PQW_ERRMSG_LEN, "column %d: missing value at def %d",
				 c->leaf, def);
		return PQW_ERR_ARG;
	}
	if (!pqw_buf_put(&c->values, value, len))
		return PQW_ERR_NOMEM;
	if (c->type == PQW_BOOLEAN)
		c->values.data[c->values.len - 1] = *(const uint8_t *) value ? 1 : 0;
	c->n_values++;
	if (c->type == PQW_BYTE_ARRAY)
		c->offsets[c->n_values] = c->values.len;
	assert(c->type == PQW_BYTE_ARRAY || c->values.len == c->n_values * c->width);
	return PQW_OK;
}

/*
 * pqw_column_add
 *		Buffer one level entry of the column, and its value when present.
 *
 * The general path: pqw_column_append copies the common cases itself.
 */
pqw_status
pqw_column_add(pqw_column *c, const pqw_alloc *a, int def, int rep,
			   const void *value, size_t len, char *errbuf)
{
	pqw_status	st;

	if (def < 0 || def > c->max_def || rep < 0 || rep > c->max_rep)
	{
		snprintf(errbuf, PQW_ERRMSG_LEN,
				 "column %d: levels (def %d, rep %d) outside (0..%d, 0..%d)",
				 c->leaf, def, rep, c->max_def, c->max_rep);
		return PQW_ERR_ARG;
	}
	if (c->n_levels >= c->levels_cap)
	{
		st = grow_levels(c, a);
		if (st != PQW_OK)
			return st;
	}
	if (def == c->max_def)
	{
		st = add_value(c, a, def, value, len, errbuf);
		if (st != PQW_OK)
			return st;
	}
	if (c->max_def > 0)
		c->def[c->n_levels] = (uint16_t) def;
	if (c->max_rep > 0)
		c->rep[c->n_levels] = (uint16_t) rep;
	if (rep == 0)
		c->row_starts++;
	c->n_levels++;
	assert(c->n_values <= c->n_levels && c->n_levels <= c->levels_cap);
	return PQW_OK;
}

size_t
pqw_column_buffered_bytes(const pqw_column *c)
{
	size_t		n = c->values.len;

	if (c->max_def > 0)
		n += c->n_levels * sizeof(uint16_t);
	if (c->max_rep > 0)
		n += c->n_levels * sizeof(uint16_t);
	if (c->type == PQW_BYTE_ARRAY)
		n += c->n_values * sizeof(size_t);
	return n;
}

void
pqw_column_reset(pqw_column *c)
{
	c->n_levels = 0;
	c->row_starts = 0;
	c->n_values = 0;
	c->values.len = 0;
	if (c->offsets != NULL)
		c->offsets[0] = 0;
}

void
pqw_column_free(pqw_column *c, const pqw_alloc *a)
{
	pqw_free(a, c->def);
	pqw_free(a, c->rep);
	pqw_free(a, c->offsets);
	pqw_buf_free(&c->values);
	c->def = c->rep = NULL;
	c->offsets = NULL;
}

/*
 * write_page
 *		Compress the page body in ctx->scratch and write header + body.
 *
 * The PageHeader carries the DataPageHeader (v1) or DictionaryPageHeader;
 * meta's offsets and sizes count both parts.
 */
static pqw_status
write_page(pqw_chunk_ctx *ctx, pqw_chunk_meta *meta, int page_type,
		   size_t num_values, int encoding)
{
	pqw_thrift	t;
	pqw_status	st;

	if (ctx->scratch->failed)
		return PQW_ERR_NOMEM;
	st = pqw_compress(ctx->compressor, ctx->scratch->data, ctx->scratch->len,
					  ctx->compressed, ctx->errbuf, PQW_ERRMSG_LEN);
	if (st != PQW_OK)
		return st;
	if (ctx->scratch->len > INT32_MAX || ctx->compressed->len > INT32_MAX ||
		num_values > INT32_MAX)
	{
		snprintf(ctx->errbuf, PQW_ERRMSG_LEN, "page of %zu bytes exceeds the format's 2 GB page limit",
				 ctx->scratch->len);
		return PQW_ERR_LIMIT;
	}

	ctx->header->len = 0;
	pqw_tc_begin(&t, ctx->header);
	pqw_tc_field_i32(&t, 1, page_type);
	pqw_tc_field_i32(&t, 2, (int32_t) ctx->scratch->len);
	pqw_tc_field_i32(&t, 3, (int32_t) ctx->compressed->len);
	if (page_type == PAGE_DATA)
	{
		pqw_tc_field_struct_begin(&t, 5);
		pqw_tc_field_i32(&t, 1, (int32_t) num_values);
		pqw_tc_field_i32(&t, 2, encoding);
		pqw_tc_field_i32(&t, 3, ENC_RLE);
		pqw_tc_field_i32(&t, 4, ENC_RLE);
		pqw_tc_struct_end(&t);
	}
	else
	{
		pqw_tc_field_struct_begin(&t, 7);
		pqw_tc_field_i32(&t, 1, (int32_t) num_values);
		pqw_tc_field_i32(&t, 2, ENC_PLAIN);
		pqw_tc_struct_end(&t);
	}
	if (!pqw_tc_end(&t))
		return PQW_ERR_NOMEM;

	if (page_type == PAGE_DICTIONARY)
		meta->dictionary_page_offset = *ctx->offset;
	else if (meta->data_page_offset < 0)
		meta->data_page_offset = *ctx->offset;
	meta->total_uncompressed += ctx->header->len + ctx->scratch->len;
	meta->total_compressed += ctx->header->len + ctx->compressed->len;

	st = ctx->write(ctx->write_ctx, ctx->header->data, ctx->header->len);
	if (st == PQW_OK)
		st = ctx->write(ctx->write_ctx, ctx->compressed->data, ctx->compressed->len);
	return st;
}

/* Append values [from, to) in PLAIN form to out. */
static void
plain_values(const pqw_column *c, size_t from, size_t to, pqw_buf *out)
{
	if (from == to)
		return;					/* an all-null chunk may have no value buffer */
	if (c->type == PQW_BOOLEAN)
		pqw_bitpack_booleans(out, c->values.data + from, to - from);
	else if (c->type == PQW_BYTE_ARRAY)
	{
		/* one reservation for the whole run: a length and the bytes each */
		size_t		bytes = c->offsets[to] - c->offsets[from] + 4 * (to - from);
		uint8_t    *dst;

		if (!pqw_buf_reserve(out, bytes))
			return;
		dst = out->data + out->len;
		for (size_t i = from; i < to; i++)
		{
			size_t		len;
			const uint8_t *v = pqw_column_value(c, i, &len);

			dst[0] = (uint8_t) len;
			dst[1] = (uint8_t) (len >> 8);
			dst[2] = (uint8_t) (len >> 16);
			dst[3] = (uint8_t) (len >> 24);
			memcpy(dst + 4, v, len);
			dst += 4 + len;
		}
		out->len += bytes;
	}
	else
	{
		pqw_buf_append(out, c->values.data + from * c->width, (to - from) * c->width);
	}
}

static pqw_status
write_dictionary_page(pqw_column *c, pqw_dict *d, pqw_chunk_ctx *ctx,
					  pqw_chunk_meta *meta)
{
	ctx->scratch->len = 0;
	for (size_t k = 0; k < d->n_entries; k++)
		plain_values(c, d->entry_value[k], d->entry_value[k] + 1, ctx->scratch);
	meta->used_plain = true;
	return write_page(ctx, meta, PAGE_DICTIONARY, d->n_entries, ENC_PLAIN);
}

/*
 * How the data pages of one chunk encode their values: chosen once, before
 * the first page.
 */
typedef struct chunk_layout
{
	bool		use_dict;
	pqw_dict	dict;			/* when use_dict */
	int			index_width;	/* bits per dictionary index */
	int			def_width;		/* bits per definition level */
	int			rep_width;		/* bits per repetition level */
} chunk_layout;

/* One data page: level entries [e_start, e_end), values [v_start, v_end). */
typedef struct page_range
{
	size_t		e_start;
	size_t		e_end;
	size_t		v_start;
	size_t		v_end;
} page_range;

/*
 * prepare_chunk
 *		Reset the chunk's metadata, choose dictionary or PLAIN, compute the
 *		statistics and write the dictionary page.
 *
 * On return l->use_dict says whether l->dict must be freed, also on error.
 */
static pqw_status
prepare_chunk(pqw_column *c, pqw_chunk_ctx *ctx, pqw_chunk_meta *meta,
			  chunk_layout *l)
{
	pqw_status	st;

	memset(meta, 0, sizeof(*meta));
	meta->num_values = (int64_t) c->n_levels;
	meta->data_page_offset = -1;
	meta->dictionary_page_offset = -1;
	meta->used_rle = (c->max_def > 0 || c->max_rep > 0);
	l->use_dict = false;
	l->index_width = 0;
	l->def_width = pqw_bit_width(c->max_def);
	l->rep_width = pqw_bit_width(c->max_rep);

	/* booleans gain nothing from a dictionary; all-null chunks go PLAIN */
	if (c->type != PQW_BOOLEAN && c->n_values > 0 && ctx->dictionary_bytes > 0)
	{
		bool		fallback;

		l->dict.alloc = ctx->alloc;
		if (pqw_dict_build(&l->dict, c, ctx->dictionary_bytes, &fallback))
			l->use_dict = true;
		else if (!fallback)
			return PQW_ERR_NOMEM;
	}
	if (!pqw_stats_compute(&meta->stats, c, ctx->alloc,
						   l->use_dict ? l->dict.entry_value : NULL,
						   l->use_dict ? l->dict.n_entries : 0))
		return PQW_ERR_NOMEM;
	if (!l->use_dict)
	{
		meta->used_plain = true;
		return PQW_OK;
	}
	st = write_dictionary_page(c, &l->dict, ctx, meta);
	if (st != PQW_OK)
		return st;
	/* at least 1 bit, so a one-entry dictionary still has index runs */
	l->index_width = pqw_bit_width((uint32_t) (l->dict.n_entries - 1));
	if (l->index_width == 0)
		l->index_width = 1;
	meta->used_dictionary = true;
	return PQW_OK;
}

/*
 * next_page_bounds
 *		Choose where the data page starting at p->e_start, p->v_start ends.
 *
 * Take entries until the page holds about page_bytes, then stop at a row
 * start (repetition level 0), so that no row spans two pages.  Flat columns
 * of fixed-size values (or dictionary indices), the common case, take a
 * branch-free loop: every entry starts a row.
 */
static inline void
next_page_bounds(const pqw_column *c, const chunk_layout *l,
				 size_t page_bytes, page_range *p)
{
	const int	def_width = l->def_width;
	const int	rep_width = l->rep_width;
	const int	index_width = l->index_width;
	const bool	use_dict = l->use_dict;
	const size_t width = c->width;
	size_t		e = p->e_start;
	size_t		v = p->v_start;
	uint64_t	bits = 0;

	assert(e < c->n_levels);
	if (c->max_rep == 0 && (use_dict || c->type != PQW_BYTE_ARRAY))
	{
		uint64_t	value_bits = use_dict ? (uint64_t) index_width :
			c->type == PQW_BOOLEAN ? 1 : (uint64_t) width * 8;
		uint64_t	limit = (uint64_t) page_bytes * 8;

		do
		{
			size_t		present = c->max_def == 0 || c->def[e] == c->max_def;

			bits += def_width + present * value_bits;
			v += present;
			e++;
		} while (e < c->n_levels && bits < limit);
	}
	else
	{
		do
		{
			if (c->max_def == 0 || c->def[e] == c->max_def)
			{
				if (use_dict)
					bits += index_width;
				else if (c->type == PQW_BYTE_ARRAY)
					bits += (uint64_t) (c->offsets[v + 1] - c->offsets[v] + 4) * 8;
				else if (c->type == PQW_BOOLEAN)
					bits += 1;
				else
					bits += (uint64_t) width * 8;
				v++;
			}
			bits += def_width + rep_width;
			e++;
		} while (e < c->n_levels &&
				 !((c->max_rep == 0 || c->rep[e] == 0) &&
				   bits >= (uint64_t) page_bytes * 8));
	}
	assert(e > p->e_start && e <= c->n_levels && v <= c->n_values);
	assert(c->max_rep == 0 || e == c->n_levels || c->rep[e] == 0);
	p->e_end = e;
	p->v_end = v;
}

/* Encode the levels and values of one data page and write it. */
static pqw_status
write_data_page(const pqw_column *c, const chunk_layout *l,
				pqw_chunk_ctx *ctx, pqw_chunk_meta *meta, const page_range *p)
{
	size_t		entries = p->e_end - p->e_start;

	ctx->scratch->len = 0;
	if (c->max_rep > 0)
		pqw_rle_encode_prefixed(ctx->scratch, c->rep + p->e_start, 2,
								entries, l->rep_width);
	if (c->max_def > 0)
		pqw_rle_encode_prefixed(ctx->scratch, c->def + p->e_start, 2,
								entries, l->def_width);
	if (l->use_dict)
	{
		pqw_buf_byte(ctx->scratch, (uint8_t) l->index_width);
		pqw_rle_encode(ctx->scratch, l->dict.indices + p->v_start, 4,
					   p->v_end - p->v_start, l->index_width);
	}
	else
		plain_values(c, p->v_start, p->v_end, ctx->scratch);
	return write_page(ctx, meta, PAGE_DATA, entries,
					  l->use_dict ? ENC_RLE_DICTIONARY : ENC_PLAIN);
}

/*
 * pqw_column_write_chunk
 *		Write the buffered rows of a column as one column chunk.
 *
 * An optional dictionary page, then data pages whose bounds are chosen
 * first (next_page_bounds) and then encoded (write_data_page), as DuckDB's
 * column writer separates preparing a page from flushing it.
 */
pqw_status
pqw_column_write_chunk(pqw_column *c, pqw_chunk_ctx *ctx, pqw_chunk_meta *meta)
{
	chunk_layout l;
	page_range	page = {0, 0, 0, 0};
	pqw_status	st;

	st = prepare_chunk(c, ctx, meta, &l);
	while (st == PQW_OK && page.e_end < c->n_levels)
	{
		page.e_start = page.e_end;
		page.v_start = page.v_end;
		next_page_bounds(c, &l, ctx->page_bytes, &page);
		st = write_data_page(c, &l, ctx, meta, &page);
	}
	/* every buffered value went into a page */
	assert(st != PQW_OK || page.v_end == c->n_values);
	if (l.use_dict)
		pqw_dict_free(&l.dict);
	return st;
}

void
pqw_encoder_init(pqw_encoder *e, const pqw_options *o, const pqw_alloc *a)
{
	pqw_compressor_init(&e->compressor, o->codec, o->compression_level, a);
	pqw_buf_init(&e->scratch, a);
	pqw_buf_init(&e->compressed, a);
	pqw_buf_init(&e->header, a);
}

void
pqw_encoder_free(pqw_encoder *e)
{
	pqw_compressor_free(&e->compressor);
	pqw_buf_free(&e->scratch);
	pqw_buf_free(&e->compressed);
	pqw_buf_free(&e->header);
}

void
pqw_chunk_ctx_init(pqw_chunk_ctx *ctx, pqw_encoder *e, const pqw_alloc *a,
				   const pqw_options *o,
				   pqw_status (*write) (void *, const void *, size_t),
				   void *write_ctx, int64_t *offset, char *errbuf)
{
	ctx->alloc = a;
	ctx->compressor = &e->compressor;
	ctx->page_bytes = o->page_bytes;
	ctx->dictionary_bytes = o->dictionary_bytes;
	ctx->scratch = &e->scratch;
	ctx->compressed = &e->compressed;
	ctx->header = &e->header;
	ctx->write = write;
	ctx->write_ctx = write_ctx;
	ctx->offset = offset;
	ctx->errbuf = errbuf;
}
