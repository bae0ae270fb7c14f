/*-------------------------------------------------------------------------
 *
 * export.h
 *		parquet_export(): shared between the SQL function and executor glue
 *		(export.c) and the PostgreSQL type -> Parquet mapping
 *		(export_types.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_EXPORT_H
#define PROTOBUF_FDW_EXPORT_H

#include "access/tupdesc.h"
#include "executor/tuptable.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "nodes/plannodes.h"
#include "tcop/dest.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

#include "parquet/parquet_writer.h"

/* What numeric without a usable typmod (none, or precision > 38) becomes. */
typedef enum ExportNumericMode
{
	EXPORT_NUMERIC_STRING,		/* STRING with the exact text (default) */
	EXPORT_NUMERIC_DOUBLE,		/* DOUBLE (may lose digits) */
	EXPORT_NUMERIC_DECIMAL		/* DECIMAL(p,s), rounded; error if too large */
} ExportNumericMode;

/* numeric_mode, parsed */
typedef struct ExportNumericRule
{
	ExportNumericMode mode;
	int			precision;		/* EXPORT_NUMERIC_DECIMAL */
	int			scale;
} ExportNumericRule;

typedef struct ExportNode ExportNode;

/* field_ids, resolved (field_ids.c) */
typedef struct ExportFieldIds ExportFieldIds;

/* The dataset arguments of parquet_export() (dataset.c) */
typedef struct ExportDatasetOptions
{
	List	   *partition_by;	/* column names (char *), in order */
	int64		file_size_bytes;	/* 0: no limit */
	int64		rows_per_file;	/* 0: no limit */
	int			max_open_files;
	bool		write_partition_columns;
	bool		overwrite;
} ExportDatasetOptions;

/*
 * The arguments of parquet_export() (and the options of COPY ... TO ...
 * (FORMAT parquet): copy_to.c), checked, in the order of its SQL
 * declaration (sql/protobuf_fdw--1.0.sql).
 */
typedef struct ExportArgs
{
	char	   *query;
	char	   *filename;		/* absolute; a directory when is_dataset */
	pqw_options options;		/* compression, compression_level,
								 * row_group_size, row_group_bytes, threads */
	bool		has_level;		/* compression_level was given */
	bool		for_copy;		/* the options of a COPY: hints name options */
	Jsonb	   *kv_metadata;	/* NULL: none */
	ExportNumericRule numeric;	/* numeric_mode */
	bool		is_dataset;		/* partition_by, file_size_bytes or rows_per_file */
	ExportDatasetOptions dataset;
	char	   *field_ids;		/* NULL: none */
	ExportFieldIds *resolved_ids;	/* field_ids, once the query is planned */
} ExportArgs;

/* A file being written, and what became of it */
typedef struct ExportFile
{
	char	   *target;
	char	   *tmp;
	int			fd;
	int64		bytes;
	int64		flushed;		/* bytes handed to the kernel's writeback */
	bool		done;			/* renamed into place, or removed */
} ExportFile;

typedef struct ExportSchema
{
	pqw_writer *writer;
	ExportNumericRule numeric;
	bool		convert_to_utf8;	/* database encoding is not UTF-8 */

	int			natts;
	ExportNode **columns;		/* one per result column */

	/* field ids of the schema's nodes (NULL: none); 'auto' counts here */
	const ExportFieldIds *field_ids;
	int32		next_auto_id;

	/* for the error context: where the value being converted comes from */
	const char *current_path;
	int64		current_row;
} ExportSchema;

/* export.c: the arguments, the query, the writer (COPY TO uses them too: copy_to.c) */
extern void export_args_init(ExportArgs *args);
extern bool export_set_option(ExportArgs *args, const char *name, const char *value);
extern void export_check_options(ExportArgs *args);
extern void export_check_dataset(ExportArgs *args);
extern char *export_pass(const ExportArgs *args, const char *name, const char *value);
extern void export_check_filename(const char *filename, bool dataset);
extern PlannedStmt *export_plan_raw(RawStmt *raw, const char *query);
extern int64 export_write(const ExportArgs *args, PlannedStmt *plan, ExportSchema *schema,
						  pqw_write_fn write, void *write_ctx, MemoryContext exportcxt);
extern int64 export_to_file(const ExportArgs *args, PlannedStmt *plan, Oid relid,
							int *row_groups, int64 *bytes);

/* export.c: what dataset.c shares with the single-file export */
extern int	export_file_write(void *ctx, const void *data, size_t len,
							  char *errbuf, size_t errlen);
extern pqw_writer *export_create_writer(const ExportArgs *args, pqw_write_fn write,
										void *write_ctx, MemoryContext cxt);
extern void export_run_query(PlannedStmt *plan, const char *query, DestReceiver *dest);
extern void export_error_context(void *arg);
extern void export_progress_start(Oid relid);

/* field_ids.c */
extern void export_parse_field_ids(const char *spec);
extern ExportFieldIds *export_resolve_field_ids(const char *spec, PlannedStmt *plan);
extern const char *export_field_ids_message(const ExportFieldIds *ids);
extern int32 export_field_id(ExportSchema *schema, const char *path);
extern void export_field_ids_check_used(const ExportFieldIds *ids);

/* dataset.c */
extern void dataset_check_target(const ExportArgs *args);
extern void dataset_export(const ExportArgs *args, PlannedStmt *plan,
						   Tuplestorestate *result, TupleDesc resultdesc);

/* export_types.c */
extern void export_parse_numeric_mode(const char *mode, ExportNumericRule *rule);
extern void export_build_schema(ExportSchema *schema, TupleDesc tupdesc);
extern void export_write_row(ExportSchema *schema, TupleTableSlot *slot);
extern void export_check_status(pqw_writer *writer, pqw_status status);

#endif							/* PROTOBUF_FDW_EXPORT_H */
