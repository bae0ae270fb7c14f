/*-------------------------------------------------------------------------
 *
 * pq_internal.h
 *		Declarations shared by the modules of the Parquet writer.
 *
 * buffer.c		growable byte buffers on the caller's allocation hooks
 * thrift.c		Thrift compact protocol encoder
 * encoding.c	RLE/bit-packed hybrid, PLAIN, dictionary building
 * codec.c		page compression through the real libraries
 * stats.c		min/max/null_count per column chunk
 * schema.c		the schema tree, levels, SchemaElement serialisation
 * column.c		per-leaf value buffers and column chunk (page) writing
 * writer.c		row groups, file header and footer
 *
 *-------------------------------------------------------------------------
 */
#ifndef PQ_INTERNAL_H
#define PQ_INTERNAL_H

#include <string.h>

#include "parquet/parquet_writer.h"

#define PQ_ERRMSG_LEN 256

/* keeps a slow path out of a hot caller, whose frame then stays small */
#if defined(__GNUC__)
#define PQ_NOINLINE __attribute__((noinline))
#else
#define PQ_NOINLINE
#endif

/* ---- buffer.c ---- */

typedef struct pq_buf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	const pq_alloc *alloc;
	bool		failed;			/* an allocation failed; content is stale */
} pq_buf;

extern void *pq_malloc(const pq_alloc *a, size_t size);
extern void *pq_realloc(const pq_alloc *a, void *ptr, size_t size);
extern void pq_free(const pq_alloc *a, void *ptr);
extern char *pq_strdup(const pq_alloc *a, const char *s);
/* Grow an array of elem-sized items to hold at least need; false on OOM. */
extern bool pq_grow_array(const pq_alloc *a, void **arr, size_t *cap,
						  size_t need, size_t elem);

extern void pq_buf_init(pq_buf *b, const pq_alloc *a);
extern bool pq_buf_reserve(pq_buf *b, size_t extra);
extern bool pq_buf_append(pq_buf *b, const void *data, size_t len);
extern bool pq_buf_byte(pq_buf *b, uint8_t byte);
extern bool pq_buf_u32le(pq_buf *b, uint32_t v);
extern void pq_buf_free(pq_buf *b);

/* pq_buf_append with the common case (room left) inline: once per value */
static inline bool
pq_buf_put(pq_buf *b, const void *data, size_t len)
{
	if (b->len + len <= b->cap && b->data != NULL && !b->failed)
	{
		if (len > 0)
			memcpy(b->data + b->len, data, len);
		b->len += len;
		return true;
	}
	return pq_buf_append(b, data, len);
}

/* ---- thrift.c ---- */

/* Compact protocol element types */
#define TC_BOOL_TRUE	1
#define TC_BOOL_FALSE	2
#define TC_I8			3
#define TC_I16			4
#define TC_I32			5
#define TC_I64			6
#define TC_DOUBLE		7
#define TC_BINARY		8
#define TC_LIST			9
#define TC_STRUCT		12

#define TC_MAX_DEPTH	16

typedef struct pq_thrift
{
	pq_buf	   *out;
	int			depth;
	int16_t		last_id[TC_MAX_DEPTH];
	bool		overflow;		/* nested deeper than TC_MAX_DEPTH */
} pq_thrift;

extern void tc_begin(pq_thrift *t, pq_buf *out);
extern bool tc_end(pq_thrift *t);
extern void tc_varint(pq_buf *b, uint64_t v);
extern uint64_t tc_zigzag(int64_t v);
extern void tc_field_i8(pq_thrift *t, int16_t id, int8_t v);
extern void tc_field_i16(pq_thrift *t, int16_t id, int16_t v);
extern void tc_field_i32(pq_thrift *t, int16_t id, int32_t v);
extern void tc_field_i64(pq_thrift *t, int16_t id, int64_t v);
extern void tc_field_bool(pq_thrift *t, int16_t id, bool v);
extern void tc_field_binary(pq_thrift *t, int16_t id, const void *data, size_t len);
extern void tc_field_string(pq_thrift *t, int16_t id, const char *s);
extern void tc_field_struct_begin(pq_thrift *t, int16_t id);
extern void tc_struct_end(pq_thrift *t);
extern void tc_field_list_begin(pq_thrift *t, int16_t id, int elem_type, size_t n);
extern void tc_list_struct_begin(pq_thrift *t);
extern void tc_list_i32(pq_thrift *t, int32_t v);
extern void tc_list_binary(pq_thrift *t, const void *data, size_t len);

/* ---- encoding.c ---- */

extern int	pq_bit_width(uint32_t max_value);
/* RLE/bit-packed hybrid of n values of elem_size 2 or 4 bytes */
extern bool pq_rle_encode(pq_buf *out, const void *values, int elem_size,
						  size_t n, int bit_width);
/* the same, preceded by its u32 little-endian byte length (levels in v1) */
extern bool pq_rle_encode_prefixed(pq_buf *out, const void *values,
								   int elem_size, size_t n, int bit_width);
extern bool pq_bitpack_booleans(pq_buf *out, const uint8_t *values, size_t n);

/*
 * A dictionary over the values of one column chunk.  Entries refer to the
 * first occurrence of each distinct value in the chunk's value buffer.
 */
typedef struct pq_dict
{
	const pq_alloc *alloc;
	uint32_t   *entry_value;	/* value index of each entry's first occurrence */
	size_t		n_entries;
	size_t		entries_cap;
	uint32_t   *indices;		/* dictionary index of every value */
	size_t		plain_bytes;	/* size of the dictionary page in PLAIN */
} pq_dict;

struct pq_column;
/*
 * Returns false with *fallback set when PLAIN is better: the dictionary
 * would exceed limit bytes, or would not be smaller than the PLAIN values.
 */
extern bool pq_dict_build(pq_dict *d, const struct pq_column *c,
						  size_t limit, bool *fallback);
extern void pq_dict_free(pq_dict *d);

/* ---- codec.c ---- */

typedef struct pq_compressor
{
	pq_codec	codec;
	int			level;
	const pq_alloc *alloc;
	void	   *zlib_stream;	/* z_stream, reused with deflateReset */
	void	   *zstd_cctx;
	void	   *lz4hc_state;	/* LZ4_sizeofStateHC() bytes, reused per page */
} pq_compressor;

extern void pq_compressor_init(pq_compressor *c, pq_codec codec, int level,
							   const pq_alloc *alloc);
/* Replace dst's content with the compressed form of src. */
extern pq_status pq_compress(pq_compressor *c, const uint8_t *src, size_t n,
							 pq_buf *dst, char *errbuf, size_t errlen);
extern void pq_compressor_free(pq_compressor *c);

/* ---- schema.c ---- */

/* Deepest nesting of groups; level arrays are 16-bit, paths fixed-size. */
#define PQ_MAX_SCHEMA_DEPTH 100

typedef struct pq_node
{
	char	   *name;
	bool		is_leaf;
	pq_repetition rep;
	pq_type		type;
	int			type_length;
	pq_logical	logical;
	int32_t		field_id;
	int			parent;
	int			num_children;
	int			leaf;			/* leaf column index, or -1 for groups */
	int			max_def;
	int			max_rep;
} pq_node;

typedef struct pq_schema
{
	const pq_alloc *alloc;
	pq_node    *nodes;
	size_t		n_nodes;
	size_t		nodes_cap;
	int		   *leaf_node;		/* node index of each leaf */
	int			n_leaves;
	size_t		leaves_cap;
	int			root_children;
	int		   *open;			/* groups on the path to the last node */
	int			n_open;
	size_t		open_cap;
} pq_schema;

extern void pq_schema_init(pq_schema *s, const pq_alloc *a);
extern void pq_schema_free(pq_schema *s);
extern int	pq_schema_add(pq_schema *s, int parent, const char *name,
						  bool is_leaf, pq_repetition rep, pq_type type,
						  int type_length, const pq_logical *logical,
						  int32_t field_id, pq_status *status,
						  char *errbuf, size_t errlen);
extern void pq_schema_write_elements(const pq_schema *s, pq_thrift *t);
extern void pq_schema_write_path(const pq_schema *s, int leaf, pq_thrift *t);

/* ---- stats.c ---- */

typedef struct pq_stats
{
	int64_t		null_count;
	bool		has_minmax;
	bool		legacy;			/* also write the deprecated min/max */
	uint8_t    *min;			/* PLAIN bytes without a length prefix */
	uint8_t    *max;
	size_t		min_len;
	size_t		max_len;
} pq_stats;

/* Longest byte-array value kept as min or max (longer: no min/max). */
#define PQ_STATS_MAX_VALUE_BYTES 4096

/*
 * Bounds and null count of a chunk; distinct (n_distinct value indexes),
 * when not NULL, holds one occurrence of every distinct value, and the
 * bounds are taken from those alone.
 */
extern bool pq_stats_compute(pq_stats *s, const struct pq_column *c,
							 const pq_alloc *a, const uint32_t *distinct,
							 size_t n_distinct);
extern void pq_stats_free(pq_stats *s, const pq_alloc *a);
extern void pq_stats_write(const pq_stats *s, pq_thrift *t, int16_t field_id);

/* ---- column.c ---- */

typedef struct pq_chunk_meta
{
	int64_t		num_values;
	int64_t		total_uncompressed;
	int64_t		total_compressed;
	int64_t		data_page_offset;
	int64_t		dictionary_page_offset; /* -1: no dictionary page */
	bool		used_dictionary;
	bool		used_plain;
	bool		used_rle;
	pq_stats	stats;
} pq_chunk_meta;

/* How pq_column_append copies a present top-level value without a call */
typedef enum pq_fast_kind
{
	PQ_FAST_NONE,				/* FIXED_LEN_BYTE_ARRAY: pq_column_add */
	PQ_FAST_BOOL,				/* one byte, normalised to 0/1 */
	PQ_FAST_4,					/* INT32, FLOAT */
	PQ_FAST_8,					/* INT64, DOUBLE */
	PQ_FAST_BYTES				/* BYTE_ARRAY: bytes plus an offset */
} pq_fast_kind;

typedef struct pq_column
{
	int			leaf;
	pq_type		type;
	int			type_length;	/* FLBA width */
	size_t		width;			/* bytes per buffered value; 0 for BYTE_ARRAY */
	pq_fast_kind fast;
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
	pq_buf		values;
	size_t		n_values;
	/* byte arrays: offset of each value in values, n_values + 1 entries */
	size_t	   *offsets;
	size_t		offsets_cap;
} pq_column;

typedef struct pq_chunk_ctx
{
	const pq_alloc *alloc;
	pq_compressor *compressor;
	size_t		page_bytes;
	size_t		dictionary_bytes;
	pq_buf	   *scratch;		/* uncompressed page body */
	pq_buf	   *compressed;
	pq_buf	   *header;
	/* writes and advances the file offset */
	pq_status	(*write) (void *ctx, const void *data, size_t len);
	void	   *write_ctx;
	int64_t    *offset;
	char	   *errbuf;
} pq_chunk_ctx;

extern size_t pq_type_width(pq_type type, int type_length);
extern void pq_column_init(pq_column *c, const pq_alloc *a, int leaf,
						   const pq_node *node);
extern pq_status pq_column_add(pq_column *c, const pq_alloc *a, int def,
							   int rep, const void *value, size_t len,
							   char *errbuf);
extern size_t pq_column_buffered_bytes(const pq_column *c);
extern void pq_column_reset(pq_column *c);
extern void pq_column_free(pq_column *c, const pq_alloc *a);
extern pq_status pq_column_write_chunk(pq_column *c, pq_chunk_ctx *ctx,
									   pq_chunk_meta *meta);

/* value i of a byte-array column */
static inline const uint8_t *
pq_column_value(const pq_column *c, size_t i, size_t *len)
{
	if (c->type == PQ_BYTE_ARRAY)
	{
		*len = c->offsets[i + 1] - c->offsets[i];
		return c->values.data + c->offsets[i];
	}
	*len = c->width;
	return c->values.data + i * c->width;
}

#endif							/* PQ_INTERNAL_H */
