/*-------------------------------------------------------------------------
 *
 * parquet_writer.h
 *		A streaming Parquet file writer in plain C.
 *
 * The writer knows nothing of PostgreSQL.  The caller supplies memory
 * through allocation hooks and receives the file's bytes through a write
 * callback, so the glue decides where memory lives (a memory context) and
 * who owns the file descriptor.  Every function that can fail returns a
 * pqw_status and leaves a message in pqw_writer_error().
 *
 * Use:
 *		w = pqw_writer_create(&alloc, &options, write_cb, cb_ctx);
 *		pqw_schema_add_group / pqw_schema_add_leaf ...	(depth-first order)
 *		pqw_writer_begin(w);
 *		for each row:
 *			pqw_column_append(w, leaf, def, rep, value, len) ... for every leaf
 *			pqw_writer_end_row(w);		(flushes a row group when it is full)
 *		pqw_writer_add_kv(w, key, value) ...
 *		pqw_writer_finish(w);			(last row group, footer)
 *		pqw_writer_destroy(w);
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

typedef enum pqw_status
{
	PQW_OK = 0,
	PQW_ERR_NOMEM,				/* an allocation hook returned NULL */
	PQW_ERR_ARG,				/* bad call: wrong schema, level, option */
	PQW_ERR_IO,					/* the write callback failed */
	PQW_ERR_CODEC,				/* a compression library failed */
	PQW_ERR_LIMIT				/* a format limit would be exceeded */
} pqw_status;

/* Physical types: the values are the Thrift enum Type. */
typedef enum pqw_type
{
	PQW_BOOLEAN = 0,
	PQW_INT32 = 1,
	PQW_INT64 = 2,
	PQW_FLOAT = 4,
	PQW_DOUBLE = 5,
	PQW_BYTE_ARRAY = 6,
	PQW_FIXED_LEN_BYTE_ARRAY = 7
} pqw_type;

typedef enum pqw_repetition
{
	PQW_REQUIRED = 0,
	PQW_OPTIONAL = 1,
	PQW_REPEATED = 2
} pqw_repetition;

/* Logical types: the values are the field ids of the Thrift union. */
typedef enum pqw_logical_kind
{
	PQW_LT_NONE = 0,
	PQW_LT_STRING = 1,
	PQW_LT_MAP = 2,
	PQW_LT_LIST = 3,
	PQW_LT_ENUM = 4,
	PQW_LT_DECIMAL = 5,
	PQW_LT_DATE = 6,
	PQW_LT_TIME = 7,
	PQW_LT_TIMESTAMP = 8,
	PQW_LT_INTEGER = 10,
	PQW_LT_JSON = 12,
	PQW_LT_BSON = 13,
	PQW_LT_UUID = 14
} pqw_logical_kind;

typedef enum pqw_time_unit
{
	PQW_MILLIS = 1,
	PQW_MICROS = 2,
	PQW_NANOS = 3
} pqw_time_unit;

typedef struct pqw_logical
{
	pqw_logical_kind kind;
	int			scale;			/* DECIMAL */
	int			precision;		/* DECIMAL */
	bool		utc;			/* TIME, TIMESTAMP: isAdjustedToUTC */
	pqw_time_unit unit;			/* TIME, TIMESTAMP */
	int			bit_width;		/* INTEGER: 8, 16, 32, 64 */
	bool		is_signed;		/* INTEGER */
} pqw_logical;

/* Codecs: the values are the Thrift enum CompressionCodec. */
typedef enum pqw_codec
{
	PQW_UNCOMPRESSED = 0,
	PQW_SNAPPY = 1,
	PQW_GZIP = 2,
	PQW_BROTLI = 4,
	PQW_ZSTD = 6,
	PQW_LZ4_RAW = 7
} pqw_codec;

/* Memory comes from here; realloc_fn(ptr NULL) and free_fn(NULL) never happen. */
typedef struct pqw_alloc
{
	void	   *(*malloc_fn) (void *ctx, size_t size);
	void	   *(*realloc_fn) (void *ctx, void *ptr, size_t size);
	void		(*free_fn) (void *ctx, void *ptr);
	void	   *ctx;
} pqw_alloc;

/*
 * The file's bytes go here, in order.  Return 0 on success; on failure
 * return non-zero and optionally put a message into errbuf.
 */
typedef int (*pqw_write_fn) (void *ctx, const void *data, size_t len,
							 char *errbuf, size_t errlen);

typedef struct pqw_options
{
	pqw_codec	codec;
	int			compression_level;	/* PQW_LEVEL_DEFAULT: the codec's own */
	int64_t		row_group_rows; /* flush after this many rows */
	int64_t		row_group_bytes;	/* ... or this many buffered bytes */
	size_t		page_bytes;		/* target data page size */
	size_t		dictionary_bytes;	/* largest dictionary page; 0: never */
	const char *created_by;
	int			threads;		/* 0, 1: encode on the caller's thread */
} pqw_options;

/* Most threads a writer takes (options.threads) */
#define PQW_MAX_THREADS 64

#define PQW_LEVEL_DEFAULT (-1000)

typedef struct pqw_writer pqw_writer;

/*
 * Fill *o with the defaults: snappy, 122880 rows, 128 MiB, 1 MiB pages,
 * one thread.
 */
extern void pqw_options_init(pqw_options *o);

/* Parse a codec name ("snappy", "zstd", ...); false if unknown. */
extern bool pqw_codec_from_name(const char *name, pqw_codec *codec);
extern const char *pqw_codec_name(pqw_codec codec);

/*
 * Check a compression level for a codec; on failure write a message
 * naming the accepted range into errbuf and return false.
 */
extern bool pqw_codec_check_level(pqw_codec codec, int level,
								  char *errbuf, size_t errlen);

extern pqw_writer *pqw_writer_create(const pqw_alloc *alloc,
									 const pqw_options *options,
									 pqw_write_fn write_fn, void *write_ctx);
extern void pqw_writer_destroy(pqw_writer *w);

/*
 * Join the writer's threads (options.threads > 1) and free the memory they
 * allocated, touching nothing of the hooks' memory but the writer itself:
 * for an error path that is about to free the hooks' memory as a whole.
 * A row group still being encoded is lost and the writer failed.
 * Idempotent; pqw_writer_finish and pqw_writer_destroy do it too.
 */
extern void pqw_writer_stop_threads(pqw_writer *w);
extern const char *pqw_writer_error(const pqw_writer *w);
/* PQW_OK, or the error that stopped the writer (errors are sticky) */
extern pqw_status pqw_writer_status(const pqw_writer *w);

/*
 * Schema, depth first: a node's parent must be the root (-1) or a group on
 * the path to the most recently added node.  Return the node's id (>= 0)
 * or -1 on error.  field_id < 0 means none.
 */
extern int	pqw_schema_add_group(pqw_writer *w, int parent, const char *name,
								 pqw_repetition rep, pqw_logical_kind logical,
								 int32_t field_id);
extern int	pqw_schema_add_leaf(pqw_writer *w, int parent, const char *name,
								pqw_repetition rep, pqw_type type,
								int type_length, const pqw_logical *logical,
								int32_t field_id);

/* Leaf columns in schema order, with their level limits. */
extern int	pqw_schema_leaf_count(const pqw_writer *w);
extern int	pqw_schema_leaf_of_node(const pqw_writer *w, int node);
extern int	pqw_schema_max_def(const pqw_writer *w, int leaf);
extern int	pqw_schema_max_rep(const pqw_writer *w, int leaf);

/*
 * Finish the schema and write the file header.  Refused (PQW_ERR_ARG): a
 * schema without leaves, and a group without children, which Parquet
 * readers reject.
 */
extern pqw_status pqw_writer_begin(pqw_writer *w);

/* One level entry of one leaf column; value only when def == max_def. */
extern pqw_status pqw_column_append(pqw_writer *w, int leaf, int def, int rep,
									const void *value, size_t len);

/* Close the current row; flushes a row group when a limit is reached. */
extern pqw_status pqw_writer_end_row(pqw_writer *w);

/* Write the buffered rows as a row group now (no-op when none). */
extern pqw_status pqw_writer_flush_row_group(pqw_writer *w);

extern pqw_status pqw_writer_add_kv(pqw_writer *w, const char *key,
									const char *value);

/* Flush and write the footer.  The writer can only be destroyed after. */
extern pqw_status pqw_writer_finish(pqw_writer *w);

/*
 * Counters for progress and the result row.  With threads, bytes_written
 * lags: a row group's chunks are written at the next flush or at finish.
 */
extern int64_t pqw_writer_rows(const pqw_writer *w);
extern int	pqw_writer_row_groups(const pqw_writer *w);
extern int64_t pqw_writer_bytes_written(const pqw_writer *w);
extern size_t pqw_writer_buffered_bytes(const pqw_writer *w);

#endif							/* PARQUET_WRITER_H */
