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
#include "nodes/plannodes.h"
#include "utils/jsonb.h"

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

typedef struct ExportSchema
{
	pqw_writer *writer;
	ExportNumericRule numeric;
	bool		convert_to_utf8;	/* database encoding is not UTF-8 */

	int			natts;
	ExportNode **columns;		/* one per result column */

	/* for the error context: where the value being converted comes from */
	const char *current_path;
	int64		current_row;
} ExportSchema;

/*
 * The arguments of parquet_export() (and the options of COPY ... TO ...
 * (FORMAT parquet)), checked, in the order of its SQL declaration
 * (sql/protobuf_fdw--1.0.sql).
 */
typedef struct ExportArgs
{
	char	   *query;			/* the query's text */
	char	   *filename;		/* absolute; not a directory; NULL: not a file */
	pqw_options options;		/* compression, compression_level,
								 * row_group_size, row_group_bytes */
	bool		has_level;		/* compression_level was given */
	Jsonb	   *kv_metadata;	/* NULL: none */
	ExportNumericRule numeric;	/* numeric_mode */
} ExportArgs;

/* export.c: the arguments, the query, the writer (COPY TO uses them too: copy_to.c) */
extern void export_args_init(ExportArgs *args);
extern bool export_set_option(ExportArgs *args, const char *name, const char *value);
extern void export_check_options(ExportArgs *args);
extern void export_check_filename(const char *filename);
extern PlannedStmt *export_plan_raw(RawStmt *raw, const char *query);
extern int64 export_write(const ExportArgs *args, PlannedStmt *plan, ExportSchema *schema,
						  pqw_write_fn write, void *write_ctx, MemoryContext exportcxt);
extern int64 export_to_file(const ExportArgs *args, PlannedStmt *plan, Oid relid,
							int *row_groups, int64 *bytes);

/* export_types.c */
extern void export_parse_numeric_mode(const char *mode, ExportNumericRule *rule);
extern void export_build_schema(ExportSchema *schema, TupleDesc tupdesc);
extern void export_write_row(ExportSchema *schema, TupleTableSlot *slot);
extern void export_check_status(pqw_writer *writer, pqw_status status);

#endif							/* PROTOBUF_FDW_EXPORT_H */
