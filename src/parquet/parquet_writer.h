/*-------------------------------------------------------------------------
 *
 * parquet_writer.h
 *		A streaming Parquet file writer in plain C.
 *
 * The writer knows nothing of PostgreSQL.  The caller supplies memory
 * through allocation hooks and receives the file's bytes through a write
 * callback, so the glue decides where memory lives (a memory context) and
 * who owns the file descriptor.  Every function that can fail returns a
 * pq_status and leaves a message in pq_writer_error().
 *
 * Use:
 *		w = pq_writer_create(&alloc, &options, write_cb, cb_ctx);
 *		pq_schema_add_group / pq_schema_add_leaf ...	(depth-first order)
 *		pq_writer_begin(w);
 *		for each row:
 *			pq_column_append(w, leaf, def, rep, value, len) ... for every leaf
 *			pq_writer_end_row(w);		(flushes a row group when it is full)
 *		pq_writer_add_kv(w, key, value) ...
 *		pq_writer_finish(w);			(last row group, footer)
 *		pq_writer_destroy(w);
 *
 * Values are passed in their PLAIN byte form: little-endian int32/int64/
 * float/double, one byte 0/1 for BOOLEAN, raw bytes for BYTE_ARRAY and
 * FIXED_LEN_BYTE_ARRAY.  Levels follow the Dremel rules; a value is passed
 * only when def equals the leaf's maximum definition level.
 *
 * Each column chunk is written as data pages v1 of about page_bytes, after
 * a dictionary page when a dictionary of at most dictionary_bytes is smaller
 * than the PLAIN values (never for BOOLEAN), with statistics per chunk.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PARQUET_WRITER_H
#define PARQUET_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pq_status
{
	PQ_OK = 0,
	PQ_ERR_NOMEM,				/* an allocation hook returned NULL */
	PQ_ERR_ARG,					/* bad call: wrong schema, level, option */
	PQ_ERR_IO,					/* the write callback failed */
	PQ_ERR_CODEC,				/* a compression library failed */
	PQ_ERR_LIMIT				/* a format limit would be exceeded */
} pq_status;

/* Physical types: the values are the Thrift enum Type. */
typedef enum pq_type
{
	PQ_BOOLEAN = 0,
	PQ_INT32 = 1,
	PQ_INT64 = 2,
	PQ_FLOAT = 4,
	PQ_DOUBLE = 5,
	PQ_BYTE_ARRAY = 6,
	PQ_FIXED_LEN_BYTE_ARRAY = 7
} pq_type;

typedef enum pq_repetition
{
	PQ_REQUIRED = 0,
	PQ_OPTIONAL = 1,
	PQ_REPEATED = 2
} pq_repetition;

/* Logical types: the values are the field ids of the Thrift union. */
typedef enum pq_logical_kind
{
	PQ_LT_NONE = 0,
	PQ_LT_STRING = 1,
	PQ_LT_MAP = 2,
	PQ_LT_LIST = 3,
	PQ_LT_ENUM = 4,
	PQ_LT_DECIMAL = 5,
	PQ_LT_DATE = 6,
	PQ_LT_TIME = 7,
	PQ_LT_TIMESTAMP = 8,
	PQ_LT_INTEGER = 10,
	PQ_LT_JSON = 12,
	PQ_LT_BSON = 13,
	PQ_LT_UUID = 14
} pq_logical_kind;

typedef enum pq_time_unit
{
	PQ_MILLIS = 1,
	PQ_MICROS = 2,
	PQ_NANOS = 3
} pq_time_unit;

typedef struct pq_logical
{
	pq_logical_kind kind;
	int			scale;			/* DECIMAL */
	int			precision;		/* DECIMAL */
	bool		utc;			/* TIME, TIMESTAMP: isAdjustedToUTC */
	pq_time_unit unit;			/* TIME, TIMESTAMP */
	int			bit_width;		/* INTEGER: 8, 16, 32, 64 */
	bool		is_signed;		/* INTEGER */
} pq_logical;

/* Codecs: the values are the Thrift enum CompressionCodec. */
typedef enum pq_codec
{
	PQ_UNCOMPRESSED = 0,
	PQ_SNAPPY = 1,
	PQ_GZIP = 2,
	PQ_BROTLI = 4,
	PQ_ZSTD = 6,
	PQ_LZ4_RAW = 7
} pq_codec;

/* Memory comes from here; realloc_fn(ptr NULL) and free_fn(NULL) never happen. */
typedef struct pq_alloc
{
	void	   *(*malloc_fn) (void *ctx, size_t size);
	void	   *(*realloc_fn) (void *ctx, void *ptr, size_t size);
	void		(*free_fn) (void *ctx, void *ptr);
	void	   *ctx;
} pq_alloc;

/*
 * The file's bytes go here, in order.  Return 0 on success; on failure
 * return non-zero and optionally put a message into errbuf.
 */
typedef int (*pq_write_fn) (void *ctx, const void *data, size_t len,
							char *errbuf, size_t errlen);

typedef struct pq_options
{
	pq_codec	codec;
	int			compression_level;	/* PQ_LEVEL_DEFAULT: the codec's own */
	int64_t		row_group_rows; /* flush after this many rows */
	int64_t		row_group_bytes;	/* ... or this many buffered bytes */
	size_t		page_bytes;		/* target data page size */
	size_t		dictionary_bytes;	/* largest dictionary page; 0: never */
	const char *created_by;
} pq_options;

#define PQ_LEVEL_DEFAULT (-1000)

typedef struct pq_writer pq_writer;

/* Fill *o with the defaults: snappy, 122880 rows, 128 MiB, 1 MiB pages. */
extern void pq_options_init(pq_options *o);

/* Parse a codec name ("snappy", "zstd", ...); false if unknown. */
extern bool pq_codec_from_name(const char *name, pq_codec *codec);
extern const char *pq_codec_name(pq_codec codec);

/*
 * Check a compression level for a codec; on failure write a message
 * naming the accepted range into errbuf and return false.
 */
extern bool pq_codec_check_level(pq_codec codec, int level,
								 char *errbuf, size_t errlen);

extern pq_writer *pq_writer_create(const pq_alloc *alloc,
								   const pq_options *options,
								   pq_write_fn write_fn, void *write_ctx);
extern void pq_writer_destroy(pq_writer *w);
extern const char *pq_writer_error(const pq_writer *w);
/* PQ_OK, or the error that stopped the writer (errors are sticky) */
extern pq_status pq_writer_status(const pq_writer *w);

/*
 * Schema, depth first: a node's parent must be the root (-1) or a group on
 * the path to the most recently added node.  Return the node's id (>= 0)
 * or -1 on error.  field_id < 0 means none.
 */
extern int	pq_schema_add_group(pq_writer *w, int parent, const char *name,
								pq_repetition rep, pq_logical_kind logical,
								int32_t field_id);
extern int	pq_schema_add_leaf(pq_writer *w, int parent, const char *name,
							   pq_repetition rep, pq_type type,
							   int type_length, const pq_logical *logical,
							   int32_t field_id);

/* Leaf columns in schema order, with their level limits. */
extern int	pq_schema_leaf_count(const pq_writer *w);
extern int	pq_schema_leaf_of_node(const pq_writer *w, int node);
extern int	pq_schema_max_def(const pq_writer *w, int leaf);
extern int	pq_schema_max_rep(const pq_writer *w, int leaf);

/*
 * Finish the schema and write the file header.  Refused (PQ_ERR_ARG): a
 * schema without leaves, and a group without children, which Parquet
 * readers reject.
 */
extern pq_status pq_writer_begin(pq_writer *w);

/* One level entry of one leaf column; value only when def == max_def. */
extern pq_status pq_column_append(pq_writer *w, int leaf, int def, int rep,
								  const void *value, size_t len);

/* Close the current row; flushes a row group when a limit is reached. */
extern pq_status pq_writer_end_row(pq_writer *w);

/* Write the buffered rows as a row group now (no-op when none). */
extern pq_status pq_writer_flush_row_group(pq_writer *w);

extern pq_status pq_writer_add_kv(pq_writer *w, const char *key,
								  const char *value);

/* Flush and write the footer.  The writer can only be destroyed after. */
extern pq_status pq_writer_finish(pq_writer *w);

/* Counters for progress and the result row. */
extern int64_t pq_writer_rows(const pq_writer *w);
extern int	pq_writer_row_groups(const pq_writer *w);
extern int64_t pq_writer_bytes_written(const pq_writer *w);
extern size_t pq_writer_buffered_bytes(const pq_writer *w);

#endif							/* PARQUET_WRITER_H */
