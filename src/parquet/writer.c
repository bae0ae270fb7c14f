/*-------------------------------------------------------------------------
 *
 * writer.c
 *		The file: header magic, row groups, footer (FileMetaData).
 *
 * A column chunk must be contiguous in the file, so a streaming writer
 * buffers one row group (all its columns) and writes it column after
 * column at flush.  Only the metadata of written chunks (sizes, offsets,
 * statistics) is kept until the footer.  An empty result is written as a
 * file with zero row groups: readers reject row groups of zero rows.
 *
 * With threads > 1 there are two sets of column buffers: a full row group
 * is handed to the pool (pool.c) to be encoded while the caller fills the
 * other set; at the next flush, and at finish, the caller waits for each
 * chunk in column order and writes it.  So at most two row groups are
 * buffered, and the bytes written are those of one thread, byte for byte.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parquet/pqw_internal.h"

#define ENC_PLAIN			0
#define ENC_RLE				3
#define ENC_RLE_DICTIONARY	8

typedef struct pqw_row_group_meta
{
	int64_t		num_rows;
	int64_t		file_offset;
	int64_t		total_byte_size;
	int64_t		total_compressed;
	pqw_chunk_meta *chunks;
} pqw_row_group_meta;

typedef struct pqw_kv
{
	char	   *key;
	char	   *value;
} pqw_kv;

struct pqw_writer
{
	pqw_alloc	alloc;
	pqw_options	opt;
	char	   *created_by;
	pqw_write_fn write_fn;
	void	   *write_ctx;

	pqw_schema	schema;
	pqw_column *cols;
	int			n_cols;

	pqw_encoder	enc;

	bool		begun;
	bool		finished;
	bool		accepting;		/* begun and not finished: values may come */
	pqw_status	failed;			/* sticky: after an error nothing more */

	int64_t		offset;
	int64_t		rows_total;
	int64_t		rows_in_group;
	size_t		buffered;		/* pqw_column_buffered_bytes() of all columns */

	pqw_row_group_meta *groups;
	size_t		n_groups;
	size_t		groups_cap;

	pqw_kv	   *kv;
	size_t		n_kv;
	size_t		kv_cap;

	/* threads > 1: the row group in the pool's hands */
	pqw_pool   *pool;			/* started at the first hand-off */
	pqw_column *busy_cols;		/* the other set of column buffers */
	pqw_job    *jobs;			/* a chunk of busy_cols each */
	int64_t		busy_rows;		/* rows of busy_cols; 0: none in flight */

	char		errmsg[PQW_ERRMSG_LEN];
};

#if defined(__GNUC__)
static pqw_status fail(pqw_writer *w, pqw_status st, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
#endif

static pqw_status
fail(pqw_writer *w, pqw_status st, const char *fmt,...)
{
	va_list		ap;

	if (fmt)
	{
		va_start(ap, fmt);
		vsnprintf(w->errmsg, sizeof(w->errmsg), fmt, ap);
		va_end(ap);
	}
	else if (w->errmsg[0] == '\0')
		snprintf(w->errmsg, sizeof(w->errmsg), "%s",
				 st == PQW_ERR_NOMEM ? "out of memory" : "parquet writer error");
	w->failed = st;
	return st;
}

void
pqw_options_init(pqw_options *o)
{
	o->codec = PQW_SNAPPY;
	o->compression_level = PQW_LEVEL_DEFAULT;
	o->row_group_rows = 122880;
	o->row_group_bytes = 128 * 1024 * 1024;
	o->page_bytes = 1024 * 1024;
	o->dictionary_bytes = 1024 * 1024;
	o->created_by = "protobuf_fdw version 1.0.0 (build unknown)";
	o->threads = 1;
}

pqw_writer *
pqw_writer_create(const pqw_alloc *alloc, const pqw_options *options,
				  pqw_write_fn write_fn, void *write_ctx)
{
	pqw_writer *w = alloc->malloc_fn(alloc->ctx, sizeof(pqw_writer));

	if (w == NULL)
		return NULL;
	memset(w, 0, sizeof(*w));
	w->alloc = *alloc;
	w->opt = *options;
	w->write_fn = write_fn;
	w->write_ctx = write_ctx;
	w->created_by = pqw_strdup(&w->alloc, options->created_by ? options->created_by : "");
	if (w->created_by == NULL)
	{
		alloc->free_fn(alloc->ctx, w);
		return NULL;
	}
	w->opt.created_by = w->created_by;
	pqw_schema_init(&w->schema, &w->alloc);
	pqw_encoder_init(&w->enc, options, &w->alloc);
	if (!pqw_codec_check_level(options->codec, options->compression_level,
							   w->errmsg, sizeof(w->errmsg)))
		w->failed = PQW_ERR_ARG;
	else if (options->row_group_rows < 1 || options->row_group_bytes < 1 ||
			 options->page_bytes < 1)
		fail(w, PQW_ERR_ARG, "row group and page limits must be positive");
	else if (options->threads < 0 || options->threads > PQW_MAX_THREADS)
		fail(w, PQW_ERR_ARG, "threads must be between 0 and %d", PQW_MAX_THREADS);
	return w;
}

void
pqw_writer_destroy(pqw_writer *w)
{
	const pqw_alloc *a;

	if (w == NULL)
		return;
	a = &w->alloc;
	pqw_writer_stop_threads(w);
	for (int i = 0; i < w->n_cols; i++)
		pqw_column_free(&w->cols[i], a);
	pqw_free(a, w->cols);
	if (w->busy_cols != NULL)
		for (int i = 0; i < w->n_cols; i++)
			pqw_column_free(&w->busy_cols[i], a);
	pqw_free(a, w->busy_cols);
	pqw_free(a, w->jobs);
	for (size_t g = 0; g < w->n_groups; g++)
	{
		for (int i = 0; i < w->n_cols; i++)
			pqw_stats_free(&w->groups[g].chunks[i].stats, a);
		pqw_free(a, w->groups[g].chunks);
	}
	pqw_free(a, w->groups);
	for (size_t k = 0; k < w->n_kv; k++)
	{
		pqw_free(a, w->kv[k].key);
		pqw_free(a, w->kv[k].value);
	}
	pqw_free(a, w->kv);
	pqw_schema_free(&w->schema);
	pqw_encoder_free(&w->enc);
	pqw_free(a, w->created_by);
	a->free_fn(a->ctx, w);
}

const char *
pqw_writer_error(const pqw_writer *w)
{
	return w->errmsg;
}

pqw_status
pqw_writer_status(const pqw_writer *w)
{
	return w->failed;
}

static int
add_node(pqw_writer *w, int parent, const char *name, bool is_leaf,
		 pqw_repetition rep, pqw_type type, int type_length,
		 const pqw_logical *logical, int32_t field_id)
{
	int			id;
	pqw_status	st;

	if (w->failed)
		return -1;
	if (w->begun)
	{
		fail(w, PQW_ERR_ARG, "the schema cannot change after pqw_writer_begin");
		return -1;
	}
	w->errmsg[0] = '\0';
	id = pqw_schema_add(&w->schema, parent, name, is_leaf, rep, type,
						type_length, logical, field_id, &st, w->errmsg,
						sizeof(w->errmsg));
	if (id < 0)
	{
		fail(w, st, NULL);
		return -1;
	}
	return id;
}

int
pqw_schema_add_group(pqw_writer *w, int parent, const char *name,
					 pqw_repetition rep, pqw_logical_kind logical, int32_t field_id)
{
	pqw_logical	l;

	memset(&l, 0, sizeof(l));
	l.kind = logical;
	return add_node(w, parent, name, false, rep, PQW_BOOLEAN, 0, &l, field_id);
}

int
pqw_schema_add_leaf(pqw_writer *w, int parent, const char *name,
					pqw_repetition rep, pqw_type type, int type_length,
					const pqw_logical *logical, int32_t field_id)
{
	return add_node(w, parent, name, true, rep, type, type_length, logical,
					field_id);
}

int
pqw_schema_leaf_count(const pqw_writer *w)
{
	return w->schema.n_leaves;
}

int
pqw_schema_leaf_of_node(const pqw_writer *w, int node)
{
	if (node < 0 || (size_t) node >= w->schema.n_nodes)
		return -1;
	return w->schema.nodes[node].leaf;
}

int
pqw_schema_max_def(const pqw_writer *w, int leaf)
{
	return w->schema.nodes[w->schema.leaf_node[leaf]].max_def;
}

int
pqw_schema_max_rep(const pqw_writer *w, int leaf)
{
	return w->schema.nodes[w->schema.leaf_node[leaf]].max_rep;
}

static pqw_status
write_bytes(pqw_writer *w, const void *data, size_t len)
{
	char		err[PQW_ERRMSG_LEN];

	if (len == 0)
		return PQW_OK;
	err[0] = '\0';
	if (w->write_fn(w->write_ctx, data, len, err, sizeof(err)) != 0)
		return fail(w, PQW_ERR_IO, "%s", err[0] ? err : "write failed");
	w->offset += (int64_t) len;
	return PQW_OK;
}

static pqw_status
chunk_write_cb(void *ctx, const void *data, size_t len)
{
	return write_bytes((pqw_writer *) ctx, data, len);
}

pqw_status
pqw_writer_begin(pqw_writer *w)
{
	if (w->failed)
		return w->failed;
	if (w->begun)
		return fail(w, PQW_ERR_ARG, "pqw_writer_begin called twice");
	if (w->schema.n_leaves == 0)
		return fail(w, PQW_ERR_ARG, "a Parquet file needs at least one column");
	for (size_t i = 0; i < w->schema.n_nodes; i++)
		if (!w->schema.nodes[i].is_leaf && w->schema.nodes[i].num_children == 0)
			return fail(w, PQW_ERR_ARG, "group \"%s\" has no fields",
						w->schema.nodes[i].name);
	w->cols = pqw_malloc(&w->alloc, w->schema.n_leaves * sizeof(pqw_column));
	if (w->cols == NULL)
		return fail(w, PQW_ERR_NOMEM, NULL);
	for (int i = 0; i < w->schema.n_leaves; i++)
		pqw_column_init(&w->cols[i], &w->alloc, i,
						&w->schema.nodes[w->schema.leaf_node[i]]);
	w->n_cols = w->schema.n_leaves;
	if (w->opt.threads > 1)
	{
		w->busy_cols = pqw_malloc(&w->alloc, w->n_cols * sizeof(pqw_column));
		if (w->busy_cols == NULL)
			return fail(w, PQW_ERR_NOMEM, NULL);
		for (int i = 0; i < w->n_cols; i++)
			pqw_column_init(&w->busy_cols[i], &w->alloc, i,
							&w->schema.nodes[w->schema.leaf_node[i]]);
		w->jobs = pqw_malloc(&w->alloc, w->n_cols * sizeof(pqw_job));
		if (w->jobs == NULL)
			return fail(w, PQW_ERR_NOMEM, NULL);
		for (int i = 0; i < w->n_cols; i++)
			pqw_job_reset(&w->jobs[i], &w->busy_cols[i]);
	}
	w->begun = true;
	w->accepting = true;
	return write_bytes(w, "PAR1", 4);
}

/*
 * Copy one present value of a top-level column into its buffer, which has
 * room for it: false when the value is not of the column's simple kind
 * (wrong size, a NULL pointer, a full offset array), for pqw_column_add to
 * check and report.  The copies have constant sizes so they stay inline.
 */
static inline bool
append_present_fast(pqw_writer *w, pqw_column *c, const void *value, size_t len)
{
	uint8_t    *dst = c->values.data + c->values.len;

	switch (c->fast)
	{
		case PQW_FAST_BOOL:
			if (len != 1)
				return false;
			*dst = *(const uint8_t *) value ? 1 : 0;
			break;
		case PQW_FAST_4:
			if (len != 4)
				return false;
			memcpy(dst, value, 4);
			break;
		case PQW_FAST_8:
			if (len != 8)
				return false;
			memcpy(dst, value, 8);
			break;
		case PQW_FAST_BYTES:
			if (len > INT32_MAX || c->n_values + 2 > c->offsets_cap)
				return false;
			memcpy(dst, value, len);
			c->offsets[c->n_values + 1] = c->values.len + len;
			w->buffered += sizeof(size_t);
			break;
		default:
			return false;
	}
	c->values.len += len;
	c->n_values++;
	w->buffered += len;
	return true;
}

/* Everything pqw_column_append does not do inline, every check included */
static PQW_NOINLINE pqw_status
append_checked(pqw_writer *w, int leaf, int def, int rep,
			   const void *value, size_t len)
{
	pqw_status	st;
	pqw_column *c;

	if (w->failed)
		return w->failed;
	if (!w->begun || w->finished)
		return fail(w, PQW_ERR_ARG, "values can only be added between begin and finish");
	if (leaf < 0 || leaf >= w->n_cols)
		return fail(w, PQW_ERR_ARG, "no leaf column %d", leaf);
	c = &w->cols[leaf];
	st = pqw_column_add(c, &w->alloc, def, rep, value, len, w->errmsg);
	if (st != PQW_OK)
		return fail(w, st, NULL);

	/*
	 * Kept up to date here so that end_row need not sum every column: what
	 * pqw_column_buffered_bytes() counts for one more level entry.
	 */
	w->buffered += (c->max_def > 0 ? sizeof(uint16_t) : 0) +
		(c->max_rep > 0 ? sizeof(uint16_t) : 0);
	if (def == c->max_def)
		w->buffered += len + (c->type == PQW_BYTE_ARRAY ? sizeof(size_t) : 0);
	return PQW_OK;
}

pqw_status
pqw_column_append(pqw_writer *w, int leaf, int def, int rep,
				  const void *value, size_t len)
{
	/*
	 * The common case, done here without calls (it runs once per value): a
	 * top-level entry (no repetition) whose buffers have room.  Anything
	 * else goes to append_checked().
	 */
	if (w->failed == PQW_OK && w->accepting &&
		(unsigned) leaf < (unsigned) w->n_cols && rep == 0)
	{
		pqw_column *c = &w->cols[leaf];

		if (c->max_rep == 0 && (unsigned) def <= (unsigned) c->max_def &&
			c->n_levels < c->levels_cap &&
			(def < c->max_def ||
			 (value != NULL && c->values.data != NULL &&
			  c->values.len + len <= c->values.cap &&
			  append_present_fast(w, c, value, len))))
		{
			if (c->max_def > 0)
			{
				c->def[c->n_levels] = (uint16_t) def;
				w->buffered += sizeof(uint16_t);
			}
			c->row_starts++;
			c->n_levels++;
			return PQW_OK;
		}
	}
	return append_checked(w, leaf, def, rep, value, len);
}

size_t
pqw_writer_buffered_bytes(const pqw_writer *w)
{
	return w->buffered;
}

pqw_status
pqw_writer_end_row(pqw_writer *w)
{
	if (w->failed)
		return w->failed;
	w->rows_in_group++;
	w->rows_total++;
	/* every leaf must have started exactly this many rows */
	for (int i = 0; i < w->n_cols; i++)
		if (w->cols[i].row_starts != w->rows_in_group)
			return fail(w, PQW_ERR_ARG,
						"row %lld: leaf column %d has %lld rows, expected %lld",
						(long long) w->rows_total, i,
						(long long) w->cols[i].row_starts,
						(long long) w->rows_in_group);
	if (w->rows_in_group >= w->opt.row_group_rows ||
		w->buffered >= (size_t) w->opt.row_group_bytes)
		return pqw_writer_flush_row_group(w);
	return PQW_OK;
}

/* Room for one more row group's metadata: NULL when out of memory. */
static pqw_row_group_meta *
new_row_group(pqw_writer *w, int64_t num_rows)
{
	pqw_row_group_meta *g;

	if (!pqw_grow_array(&w->alloc, (void **) &w->groups, &w->groups_cap,
						w->n_groups + 1, sizeof(pqw_row_group_meta)))
		return NULL;
	g = &w->groups[w->n_groups];
	memset(g, 0, sizeof(*g));
	g->chunks = pqw_malloc(&w->alloc, w->n_cols * sizeof(pqw_chunk_meta));
	if (g->chunks == NULL)
		return NULL;
	memset(g->chunks, 0, w->n_cols * sizeof(pqw_chunk_meta));
	w->n_groups++;
	g->num_rows = num_rows;
	g->file_offset = w->offset;
	return g;
}

/*
 * write_job
 *		Write a chunk encoded by the pool at the current offset, and keep its
 *		metadata in *m, bounds copied into the hooks' memory.
 */
static pqw_status
write_job(pqw_writer *w, pqw_job *j, pqw_chunk_meta *m)
{
	pqw_status	st;

	if (j->status != PQW_OK)
		return j->errmsg[0] ? fail(w, j->status, "%s", j->errmsg) :
			fail(w, j->status, NULL);
	*m = j->meta;
	if (!pqw_stats_copy(&m->stats, &j->meta.stats, &w->alloc))
		return fail(w, PQW_ERR_NOMEM, NULL);
	m->data_page_offset += w->offset;
	if (m->dictionary_page_offset >= 0)
		m->dictionary_page_offset += w->offset;
	st = write_bytes(w, j->out.data, j->out.len);
	pqw_job_clear(j);
	return st;
}

/*
 * collect_row_group
 *		Wait for the row group in the pool's hands, if any, and write its
 *		chunks in column order.
 */
static pqw_status
collect_row_group(pqw_writer *w)
{
	pqw_row_group_meta *g;

	if (w->busy_rows == 0)
		return PQW_OK;
	g = new_row_group(w, w->busy_rows);
	if (g == NULL)
		return fail(w, PQW_ERR_NOMEM, NULL);
	for (int i = 0; i < w->n_cols; i++)
	{
		pqw_status	st;

		pqw_pool_wait(w->pool, &w->jobs[i]);
		st = write_job(w, &w->jobs[i], &g->chunks[i]);
		if (st != PQW_OK)
			return st;
		g->total_byte_size += g->chunks[i].total_uncompressed;
		g->total_compressed += g->chunks[i].total_compressed;
		pqw_column_reset(&w->busy_cols[i]);
	}
	w->busy_rows = 0;
	return PQW_OK;
}

/*
 * hand_off_row_group
 *		Give the buffered rows to the pool and start on the other buffers,
 *		once the row group handed off before is written.
 */
static pqw_status
hand_off_row_group(pqw_writer *w)
{
	pqw_column *full = w->cols;
	pqw_status	st;

	st = collect_row_group(w);
	if (st != PQW_OK)
		return st;
	if (w->pool == NULL)
	{
		w->pool = pqw_pool_create(&w->opt);
		if (w->pool == NULL)
			return fail(w, PQW_ERR_NOMEM, NULL);
	}
	w->cols = w->busy_cols;
	w->busy_cols = full;
	for (int i = 0; i < w->n_cols; i++)
		pqw_job_reset(&w->jobs[i], &full[i]);
	w->busy_rows = w->rows_in_group;
	pqw_pool_submit(w->pool, w->jobs, w->n_cols);
	w->rows_in_group = 0;
	w->buffered = 0;
	return PQW_OK;
}

/*
 * pqw_writer_flush_row_group
 *		Write the buffered rows as one row group: a column chunk per leaf.
 *
 * The chunks' metadata is kept for the footer; the columns are emptied.
 * With threads the row group is handed to the pool and written later.
 */
pqw_status
pqw_writer_flush_row_group(pqw_writer *w)
{
	pqw_row_group_meta *g;
	pqw_chunk_ctx ctx;

	if (w->failed)
		return w->failed;
	if (w->rows_in_group == 0)
		return PQW_OK;
	if (w->opt.threads > 1)
		return hand_off_row_group(w);
	g = new_row_group(w, w->rows_in_group);
	if (g == NULL)
		return fail(w, PQW_ERR_NOMEM, NULL);

	pqw_chunk_ctx_init(&ctx, &w->enc, &w->alloc, &w->opt, chunk_write_cb, w,
					   &w->offset, w->errmsg);
	for (int i = 0; i < w->n_cols; i++)
	{
		pqw_status	st = pqw_column_write_chunk(&w->cols[i], &ctx, &g->chunks[i]);

		if (st != PQW_OK)
			return w->failed ? w->failed : fail(w, st, NULL);
		g->total_byte_size += g->chunks[i].total_uncompressed;
		g->total_compressed += g->chunks[i].total_compressed;
		pqw_column_reset(&w->cols[i]);
	}
	w->rows_in_group = 0;
	w->buffered = 0;
	return PQW_OK;
}

/*
 * pqw_writer_stop_threads
 *		Join the pool's threads and free what they allocated.
 */
void
pqw_writer_stop_threads(pqw_writer *w)
{
	if (w == NULL || w->pool == NULL)
		return;
	pqw_pool_destroy(w->pool);
	w->pool = NULL;
	for (int i = 0; i < w->n_cols; i++)
		pqw_job_clear(&w->jobs[i]);
	if (w->busy_rows > 0 && !w->failed)
		fail(w, PQW_ERR_ARG, "the writer's threads were stopped before the end");
}

pqw_status
pqw_writer_add_kv(pqw_writer *w, const char *key, const char *value)
{
	pqw_kv	   *kv;

	if (w->failed)
		return w->failed;
	if (!pqw_grow_array(&w->alloc, (void **) &w->kv, &w->kv_cap, w->n_kv + 1,
						sizeof(pqw_kv)))
		return fail(w, PQW_ERR_NOMEM, NULL);
	kv = &w->kv[w->n_kv];
	kv->key = pqw_strdup(&w->alloc, key);
	kv->value = value ? pqw_strdup(&w->alloc, value) : NULL;
	if (kv->key == NULL || (value && kv->value == NULL))
	{
		pqw_free(&w->alloc, kv->key);
		return fail(w, PQW_ERR_NOMEM, NULL);
	}
	w->n_kv++;
	return PQW_OK;
}

static void
write_column_chunk(pqw_writer *w, pqw_thrift *t, int leaf, const pqw_chunk_meta *m)
{
	const pqw_column *c = &w->cols[leaf];
	int			encodings[3];
	int			n_enc = 0;

	if (m->used_plain)
		encodings[n_enc++] = ENC_PLAIN;
	if (m->used_rle)
		encodings[n_enc++] = ENC_RLE;
	if (m->used_dictionary)
		encodings[n_enc++] = ENC_RLE_DICTIONARY;

	pqw_tc_list_struct_begin(t);
	pqw_tc_field_i64(t, 2, 0);	/* file_offset: deprecated, required */
	pqw_tc_field_struct_begin(t, 3);
	pqw_tc_field_i32(t, 1, c->type);
	pqw_tc_field_list_begin(t, 2, PQW_TC_I32, n_enc);
	for (int k = 0; k < n_enc; k++)
		pqw_tc_list_i32(t, encodings[k]);
	pqw_schema_write_path(&w->schema, leaf, t);
	pqw_tc_field_i32(t, 4, w->opt.codec);
	pqw_tc_field_i64(t, 5, m->num_values);
	pqw_tc_field_i64(t, 6, m->total_uncompressed);
	pqw_tc_field_i64(t, 7, m->total_compressed);
	pqw_tc_field_i64(t, 9, m->data_page_offset);
	if (m->dictionary_page_offset >= 0)
		pqw_tc_field_i64(t, 11, m->dictionary_page_offset);
	pqw_stats_write(&m->stats, t, 12);
	pqw_tc_struct_end(t);
	pqw_tc_struct_end(t);
}

/* RowGroup g as an element of FileMetaData's row_groups list. */
static void
write_row_group(pqw_writer *w, pqw_thrift *t, size_t g)
{
	const pqw_row_group_meta *rg = &w->groups[g];

	pqw_tc_list_struct_begin(t);
	pqw_tc_field_list_begin(t, 1, PQW_TC_STRUCT, w->n_cols);
	for (int i = 0; i < w->n_cols; i++)
		write_column_chunk(w, t, i, &rg->chunks[i]);
	pqw_tc_field_i64(t, 2, rg->total_byte_size);
	pqw_tc_field_i64(t, 3, rg->num_rows);
	pqw_tc_field_i64(t, 5, rg->file_offset);
	pqw_tc_field_i64(t, 6, rg->total_compressed);
	if (g <= INT16_MAX)
		pqw_tc_field_i16(t, 7, (int16_t) g);
	pqw_tc_struct_end(t);
}

/*
 * write_file_metadata
 *		Encode the footer's FileMetaData into out; false if out of memory.
 */
static bool
write_file_metadata(pqw_writer *w, pqw_buf *out)
{
	pqw_thrift	t;
	int64_t		rows = 0;

	out->len = 0;
	pqw_tc_begin(&t, out);
	pqw_tc_field_i32(&t, 1, 1);	/* version */
	pqw_schema_write_elements(&w->schema, &t);
	pqw_tc_field_i64(&t, 3, w->rows_total);
	pqw_tc_field_list_begin(&t, 4, PQW_TC_STRUCT, w->n_groups);
	for (size_t g = 0; g < w->n_groups; g++)
	{
		write_row_group(w, &t, g);
		rows += w->groups[g].num_rows;
	}
	assert(rows == w->rows_total);
	if (w->n_kv > 0)
	{
		pqw_tc_field_list_begin(&t, 5, PQW_TC_STRUCT, w->n_kv);
		for (size_t k = 0; k < w->n_kv; k++)
		{
			pqw_tc_list_struct_begin(&t);
			pqw_tc_field_string(&t, 1, w->kv[k].key);
			if (w->kv[k].value)
				pqw_tc_field_string(&t, 2, w->kv[k].value);
			pqw_tc_struct_end(&t);
		}
	}
	pqw_tc_field_string(&t, 6, w->created_by);
	/* TypeDefinedOrder for every leaf: arrow ignores min/max without it */
	pqw_tc_field_list_begin(&t, 7, PQW_TC_STRUCT, w->n_cols);
	for (int i = 0; i < w->n_cols; i++)
	{
		pqw_tc_list_struct_begin(&t);
		pqw_tc_field_struct_begin(&t, 1);
		pqw_tc_struct_end(&t);
		pqw_tc_struct_end(&t);
	}
	return pqw_tc_end(&t);
}

/*
 * pqw_writer_finish
 *		Write the last row group and the footer: FileMetaData, its length
 *		and the closing magic.
 */
pqw_status
pqw_writer_finish(pqw_writer *w)
{
	pqw_buf    *out = &w->enc.scratch;
	pqw_status	st;
	size_t		footer_len;

	if (w->failed)
		return w->failed;
	if (!w->begun)
		return fail(w, PQW_ERR_ARG, "pqw_writer_finish before pqw_writer_begin");
	if (w->finished)
		return fail(w, PQW_ERR_ARG, "pqw_writer_finish called twice");
	st = pqw_writer_flush_row_group(w);
	if (st == PQW_OK && w->pool != NULL)
	{
		st = collect_row_group(w);
		pqw_writer_stop_threads(w);
	}
	if (st != PQW_OK)
		return st;
	assert(w->rows_in_group == 0 && w->busy_rows == 0);

	if (!write_file_metadata(w, out))
		return fail(w, PQW_ERR_NOMEM, NULL);
	footer_len = out->len;
	if (footer_len > UINT32_MAX)
		return fail(w, PQW_ERR_LIMIT, "footer of %zu bytes is too large", footer_len);
	pqw_buf_u32le(out, (uint32_t) footer_len);
	pqw_buf_append(out, "PAR1", 4);
	if (out->failed)
		return fail(w, PQW_ERR_NOMEM, NULL);
	st = write_bytes(w, out->data, out->len);
	if (st != PQW_OK)
		return st;
	w->finished = true;
	w->accepting = false;
	return PQW_OK;
}

int64_t
pqw_writer_rows(const pqw_writer *w)
{
	return w->rows_total;
}

/* Row groups closed so far: with threads, the one being encoded too. */
int
pqw_writer_row_groups(const pqw_writer *w)
{
	return (int) w->n_groups + (w->busy_rows > 0 ? 1 : 0);
}

int64_t
pqw_writer_bytes_written(const pqw_writer *w)
{
	return w->offset;
}
