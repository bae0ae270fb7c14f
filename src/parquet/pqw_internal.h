/*-------------------------------------------------------------------------
 *
 * pqw_internal.h
 *		Declarations shared by the modules of the Parquet writer.
 *
 * buffer.c		growable byte buffers on the caller's allocation hooks
 * thrift.c		Thrift compact protocol encoder
 * encoding.c	RLE/bit-packed hybrid, PLAIN, dictionary building
 * codec.c		page compression through the real libraries
 * stats.c		min/max/null_count per column chunk
 * schema.c		the schema tree, levels, SchemaElement serialisation
 * column.c		per-leaf value buffers and column chunk (page) writing
 * pool.c		threads that encode and compress column chunks
 * writer.c		row groups, file header and footer
 *
 *-------------------------------------------------------------------------
 */
#ifndef PQW_INTERNAL_H
#define PQW_INTERNAL_H

#include <assert.h>
#include <string.h>

#include "parquet/parquet_writer.h"

#define PQW_ERRMSG_LEN 256

/*
 * The writer's invariants are checked with assert(): on in the unit tests,
 * the fuzz targets and the sanitizer build, compiled out (NDEBUG, see the
 * top-level Makefile) in the extension as PostgreSQL's Assert is without
 * --enable-cassert.  A failed one is a bug of the writer, never bad input:
 * bad input is an error status.
 */

/* keeps a slow path out of a hot caller, whose frame then stays small */
#if defined(__GNUC__)
#define PQW_NOINLINE __attribute__((noinline))
#else
#define PQW_NOINLINE
#endif

/* ---- buffer.c ---- */

typedef struct pqw_buf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	const pqw_alloc *alloc;
	bool		failed;			/* an allocation failed; content is stale */
} pqw_buf;

extern void *pqw_malloc(const pqw_alloc *a, size_t size);
extern void *pqw_realloc(const pqw_alloc *a, void *ptr, size_t size);
extern void pqw_free(const pqw_alloc *a, void *ptr);
extern char *pqw_strdup(const pqw_alloc *a, const char *s);
/* Grow an array of elem-sized items to hold at least need; false on OOM. */
extern bool pqw_grow_array(const pqw_alloc *a, void **arr, size_t *cap,
						   size_t need, size_t elem);

extern void pqw_buf_init(pqw_buf *b, const pqw_alloc *a);
extern bool pqw_buf_reserve(pqw_buf *b, size_t extra);
extern bool pqw_buf_append(pqw_buf *b, const void *data, size_t len);
extern bool pqw_buf_byte(pqw_buf *b, uint8_t byte);
extern bool pqw_buf_u32le(pqw_buf *b, uint32_t v);
extern void pqw_buf_free(pqw_buf *b);

/* pqw_buf_append with the common case (room left) inline: once per value */
static inline bool
pqw_buf_put(pqw_buf *b, const void *data, size_t len)
{
	if (b->len + len <= b->cap && b->data != NULL && !b->failed)
	{
		if (len > 0)
			memcpy(b->data + b->len, data, len);
		b->len += len;
		return true;
	}
	return pqw_buf_append(b, data, len);
}

/* ---- thrift.c ---- */

/* Compact protocol element types */
#define PQW_TC_BOOL_TRUE 1
#define PQW_TC_BOOL_FALSE 2
#define PQW_TC_I8		3
#define PQW_TC_I16		4
#define PQW_TC_I32		5
#define PQW_TC_I64		6
#define PQW_TC_DOUBLE	7
#define PQW_TC_BINARY	8
#define PQW_TC_LIST		9
#define PQW_TC_STRUCT	12

#define PQW_TC_MAX_DEPTH 16

typedef struct pqw_thrift
{
	pqw_buf	   *out;
	int			depth;
	int16_t		last_id[PQW_TC_MAX_DEPTH];
	bool		overflow;		/* nested deeper than PQW_TC_MAX_DEPTH */
} pqw_thrift;

extern void pqw_tc_begin(pqw_thrift *t, pqw_buf *out);
extern bool pqw_tc_end(pqw_thrift *t);
extern void pqw_tc_varint(pqw_buf *b, uint64_t v);
extern uint64_t pqw_tc_zigzag(int64_t v);
extern void pqw_tc_field_i8(pqw_thrift *t, int16_t id, int8_t v);
extern void pqw_tc_field_i16(pqw_thrift *t, int16_t id, int16_t v);
extern void pqw_tc_field_i32(pqw_thrift *t, int16_t id, int32_t v);
extern void pqw_tc_field_i64(pqw_thrift *t, int16_t id, int64_t v);
extern void pqw_tc_field_bool(pqw_thrift *t, int16_t id, bool v);
extern void pqw_tc_field_binary(pqw_thrift *t, int16_t id, const void *data, size_t len);
extern void pqw_tc_field_string(pqw_thrift *t, int16_t id, const char *s);
extern void pqw_tc_field_struct_begin(pqw_thrift *t, int16_t id);
extern void pqw_tc_struct_end(pqw_thrift *t);
extern void pqw_tc_field_list_begin(pqw_thrift *t, int16_t id, int elem_type, size_t n);
extern void pqw_tc_list_struct_begin(pqw_thrift *t);
extern void pqw_tc_list_i32(pqw_thrift *t, int32_t v);
extern void pqw_tc_list_binary(pqw_thrift *t, const void *data, size_t len);

/* ---- encoding.c ---- */

extern int	pqw_bit_width(uint32_t max_value);
/* RLE/bit-packed hybrid of n values of elem_size 2 or 4 bytes */
extern bool pqw_rle_encode(pqw_buf *out, const void *values, int elem_size,
						   size_t n, int bit_width);
/* the same, preceded by its u32 little-endian byte length (levels in v1) */
extern bool pqw_rle_encode_prefixed(pqw_buf *out, const void *values,
									int elem_size, size_t n, int bit_width);
extern bool pqw_bitpack_booleans(pqw_buf *out, const uint8_t *values, size_t n);

/*
 * A dictionary over the values of one column chunk.  Entries refer to the
 * first occurrence of each distinct value in the chunk's value buffer.
 */
typedef struct pqw_dict
{
	const pqw_alloc *alloc;
	uint32_t   *entry_value;	/* value index of each entry's first occurrence */
	size_t		n_entries;
	size_t		entries_cap;
	uint32_t   *indices;		/* dictionary index of every value */
	size_t		plain_bytes;	/* size of the dictionary page in PLAIN */
} pqw_dict;

struct pqw_column;
/*
 * Returns false with *fallback set when PLAIN is better: the dictionary
 * would exceed limit bytes, or would not be smaller than the PLAIN values.
 */
extern bool pqw_dict_build(pqw_dict *d, const struct pqw_column *c,
						   size_t limit, bool *fallback);
extern void pqw_dict_free(pqw_dict *d);

/* ---- codec.c ---- */

typedef struct pqw_compressor
{
	pqw_codec	codec;
	int			level;
	const pqw_alloc *alloc;
	void	   *zlib_stream;	/* z_stream, reused with deflateReset */
	void	   *zstd_cctx;
	void	   *lz4hc_state;	/* LZ4_sizeofStateHC() bytes, reused per page */
} pqw_compressor;

extern void pqw_compressor_init(pqw_compressor *c, pqw_codec codec, int level,
								const pqw_alloc *alloc);
/* Replace dst's content with the compressed form of src. */
extern pqw_status pqw_compress(pqw_compressor *c, const uint8_t *src, size_t n,
							   pqw_buf *dst, char *errbuf, size_t errlen);
extern void pqw_compressor_free(pqw_compressor *c);

/* ---- schema.c ---- */

/* Deepest nesting of groups; level arrays are 16-bit, paths fixed-size. */
#define PQW_MAX_SCHEMA_DEPTH 100

typedef struct pqw_node
{
	char	   *name;
	bool		is_leaf;
	pqw_repetition rep;
	pqw_type	type;
	int			type_length;
	pqw_logical	logical;
	int32_t		field_id;
	int			parent;
	int			num_children;
	int			leaf;			/* leaf column index, or -1 for groups */
	int			max_def;
	int			max_rep;
} pqw_node;

typedef struct pqw_schema
{
	const pqw_alloc *alloc;
	pqw_node   *nodes;
	size_t		n_nodes;
	size_t		nodes_cap;
	int		   *leaf_node;		/* node index of each leaf */
	int			n_leaves;
	size_t		leaves_cap;
	int			root_children;
	int		   *open;			/* groups on the path to the last node */
	int			n_open;
	size_t		open_cap;
} pqw_schema;

extern void pqw_schema_init(pqw_schema *s, const pqw_alloc *a);
extern void pqw_schema_free(pqw_schema *s);
extern int	pqw_schema_add(pqw_schema *s, int parent, const char *name,
						   bool is_leaf, pqw_repetition rep, pqw_type type,
						   int type_length, const pqw_logical *logical,
						   int32_t field_id, pqw_status *status,
						   char *errbuf, size_t errlen);
extern void pqw_schema_write_elements(const pqw_schema *s, pqw_thrift *t);
extern void pqw_schema_write_path(const pqw_schema *s, int leaf, pqw_thrift *t);

/* ---- stats.c ---- */

typedef struct pqw_stats
{
	int64_t		null_count;
	bool		has_minmax;
	bool		legacy;			/* also write the deprecated min/max */
	uint8_t    *min;			/* PLAIN bytes without a length prefix */
	uint8_t    *max;
	size_t		min_len;
	size_t		max_len;
} pqw_stats;

/* Longest byte-array value kept as min or max (longer: no min/max). */
#define PQW_STATS_MAX_VALUE_BYTES 4096

/*
 * Bounds and null count of a chunk; distinct (n_distinct value indexes),
 * when not NULL, holds one occurrence of every distinct value, and the
 * bounds are taken from those alone.
 */
extern bool pqw_stats_compute(pqw_stats *s, const struct pqw_column *c,
							  const pqw_alloc *a, const uint32_t *distinct,
							  size_t n_distinct);
extern void pqw_stats_free(pqw_stats *s, const pqw_alloc *a);
/* Copy src's bounds into memory of a; false (dst without bounds) on OOM. */
extern bool pqw_stats_copy(pqw_stats *dst, const pqw_stats *src,
						   const pqw_alloc *a);
extern void pqw_stats_write(const pqw_stats *s, pqw_thrift *t, int16_t field_id);

/* ---- column.c ---- */

typedef struct pqw_chunk_meta
{
	int64_t		num_values;
	int64_t		total_uncompressed;
	int64_t		total_compressed;
	int64_t		data_page_offset;
	int64_t		dictionary_page_offset; /* -1: no dictionary page */
	bool		used_dictionary;
	bool		used_plain;
	bool		used_rle;
	pqw_stats	stats;
} pqw_chunk_meta;

/* How pqw_column_append copies a present top-level value without a call */
typedef enum pqw_fast_kind
{
	PQW_FAST_NONE,				/* FIXED_LEN_BYTE_ARRAY: pqw_column_add */
	PQW_FAST_BOOL,				/* one byte, normalised to 0/1 */
	PQW_FAST_4,					/* INT32, FLOAT */
	PQW_FAST_8,					/* INT64, DOUBLE */
	PQW_FAST_BYTES				/* BYTE_ARRAY: bytes plus an offset */
} pqw_fast_kind;

typedef struct pqw_column
{
	int			leaf;
	pqw_type	type;
	int			type_length;	/* FLBA width */
	size_t		width;			/* bytes per buffered value; 0 for BYTE_ARRAY */
	pqw_fast_kind fast;
	bool		signed_bytes;	/* FLBA compared as signed big-endian (DECIMAL) */
	int			max_def;
	int			max_rep;
	/* level entries of the buffered rows */
	uint16_t   *def;
	uint16_t   *rep;
	size_t		n_levels;
	size_t		levels_cap;
	int64_t		row_starts;		/* entries with rep 0: rows seen */
	/* non-null values in PLAIN form (byte arrays: bytes only) */
	pqw_buf		values;
	size_t		n_values;
	/* byte arrays: offset of each value in values, n_values + 1 entries */
	size_t	   *offsets;
	size_t		offsets_cap;
} pqw_column;

/* What a thread encodes chunks with, reused from chunk to chunk */
typedef struct pqw_encoder
{
	pqw_compressor compressor;
	pqw_buf		scratch;		/* uncompressed page body */
	pqw_buf		compressed;
	pqw_buf		header;
} pqw_encoder;

typedef struct pqw_chunk_ctx
{
	const pqw_alloc *alloc;
	pqw_compressor *compressor;
	size_t		page_bytes;
	size_t		dictionary_bytes;
	pqw_buf	   *scratch;		/* uncompressed page body */
	pqw_buf	   *compressed;
	pqw_buf	   *header;
	/* writes and advances the file offset */
	pqw_status	(*write) (void *ctx, const void *data, size_t len);
	void	   *write_ctx;
	int64_t    *offset;
	char	   *errbuf;
} pqw_chunk_ctx;

extern size_t pqw_type_width(pqw_type type, int type_length);
extern void pqw_column_init(pqw_column *c, const pqw_alloc *a, int leaf,
							const pqw_node *node);
extern pqw_status pqw_column_add(pqw_column *c, const pqw_alloc *a, int def,
								 int rep, const void *value, size_t len,
								 char *errbuf);
extern size_t pqw_column_buffered_bytes(const pqw_column *c);
extern void pqw_column_reset(pqw_column *c);
extern void pqw_column_free(pqw_column *c, const pqw_alloc *a);
extern pqw_status pqw_column_write_chunk(pqw_column *c, pqw_chunk_ctx *ctx,
										 pqw_chunk_meta *meta);

extern void pqw_encoder_init(pqw_encoder *e, const pqw_options *o,
							 const pqw_alloc *a);
extern void pqw_encoder_free(pqw_encoder *e);
/* ctx for chunks encoded with e, allocating from a, writing through write */
extern void pqw_chunk_ctx_init(pqw_chunk_ctx *ctx, pqw_encoder *e,
							   const pqw_alloc *a, const pqw_options *o,
							   pqw_status (*write) (void *, const void *, size_t),
							   void *write_ctx, int64_t *offset, char *errbuf);

/* value i of a byte-array column */
static inline const uint8_t *
pqw_column_value(const pqw_column *c, size_t i, size_t *len)
{
	if (c->type == PQW_BYTE_ARRAY)
	{
		*len = c->offsets[i + 1] - c->offsets[i];
		return c->values.data + c->offsets[i];
	}
	*len = c->width;
	return c->values.data + i * c->width;
}

/* ---- pool.c ---- */

/* malloc and free: what the pool's threads allocate with, never the hooks */
extern const pqw_alloc pqw_malloc_alloc;

typedef enum pqw_job_state
{
	PQW_JOB_QUEUED,
	PQW_JOB_RUNNING,
	PQW_JOB_DONE
} pqw_job_state;

/*
 * One column chunk to encode: col is read, never changed, until the job is
 * done; the rest is the job's output, malloc'd, offsets in meta relative
 * to the start of out.
 */
typedef struct pqw_job
{
	pqw_column *col;
	pqw_job_state state;		/* guarded by the pool's lock */
	pqw_status	status;
	pqw_buf		out;			/* the chunk's bytes */
	int64_t		offset;			/* out.len as the chunk writer counts it */
	pqw_chunk_meta meta;
	char		errmsg[PQW_ERRMSG_LEN];
} pqw_job;

typedef struct pqw_pool pqw_pool;

extern void pqw_job_reset(pqw_job *j, pqw_column *col);
/* free the job's output; the job need not have run */
extern void pqw_job_clear(pqw_job *j);
extern pqw_pool *pqw_pool_create(const pqw_options *o);
extern void pqw_pool_submit(pqw_pool *p, pqw_job *jobs, int n);
extern void pqw_pool_wait(pqw_pool *p, pqw_job *j);
extern void pqw_pool_destroy(pqw_pool *p);

#endif							/* PQW_INTERNAL_H */
