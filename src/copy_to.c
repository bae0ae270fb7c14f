/*-------------------------------------------------------------------------
 *
 * copy_to.c
 *		COPY table|(query) TO STDOUT|'file' (FORMAT parquet).
 *
 * The rows go through parquet_export()'s writer (export.c) with its
 * options, defaults and checks.  To a file, it is parquet_export()'s own
 * path: a temporary file renamed over the target when complete, with the
 * same privilege (pg_write_server_files).  To STDOUT, the writer's output
 * callback sends each run of bytes as CopyData the moment the writer
 * produces it: a row group as soon as it is encoded, the footer last.
 * Parquet never seeks back, so nothing is spooled: memory stays one row
 * group, and nothing is written on the server.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/progress.h"
#include "executor/tuptable.h"
/*
 * libpq-be.h includes the GSSAPI headers when the server was built with
 * GSSAPI; nothing here touches the Port, so they are not needed.
 */
#undef ENABLE_GSS
#include "libpq/libpq.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "pgstat.h"
#include "utils/acl.h"
#include "utils/backend_progress.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/varlena.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "copy_hook.h"
#include "export.h"

/* CopyData messages are cut at this size: large enough to cost nothing. */
#define COPY_OUT_CHUNK (1024 * 1024)

/* Where the bytes go when the target is STDOUT. */
typedef struct CopyOutSink
{
	int64		bytes;
} CopyOutSink;

static const char *const copy_to_options[] = {
	"format", "compression", "compression_level", "row_group_size", "row_group_bytes",
	"kv_metadata", "numeric_mode", "field_ids", "threads", "partition_by", "file_size_bytes",
	"rows_per_file", "max_open_files", "write_partition_columns", "overwrite", NULL
};

/* The writer's output callback for STDOUT: CopyData messages. */
static int
client_write(void *ctx, const void *data, size_t len, char *errbuf, size_t errlen)
{
	CopyOutSink *sink = ctx;
	const char *p = data;

	CHECK_FOR_INTERRUPTS();
	while (len > 0)
	{
		size_t		n = Min(len, COPY_OUT_CHUNK);

		/* a lost client is noticed here and ends the backend at the next interrupt check */
		(void) pq_putmessage('d', p, n);
		p += n;
		len -= n;
		sink->bytes += n;
	}
	pgstat_progress_update_param(PROGRESS_COPY_BYTES_PROCESSED, sink->bytes);
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/*
 * partition_by's columns: a list, as FORCE_QUOTE takes it (partition_by
 * (country, day)), or a string of comma-separated names ('country, day'),
 * each an identifier (folded to lower case unless double-quoted).
 */
static List *
partition_columns(DefElem *def)
{
	List	   *names = NIL;
	ListCell   *lc;

	if (def->arg && IsA(def->arg, List))
	{
		foreach(lc, (List *) def->arg)
			names = lappend(names, pstrdup(strVal(lfirst(lc))));
		return names;
	}
	if (!SplitIdentifierString(pstrdup(defGetString(def)), ',', &names) || names == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid list of columns for option \"partition_by\": \"%s\"",
						defGetString(def)),
				 errhint("Name the columns as a list, partition_by (country, day), or as a string, partition_by 'country, day'.")));
	return names;
}

/* The COPY options: parquet_export()'s arguments by name, each once. */
static void
parse_copy_to_options(ParseState *pstate, const CopyStmt *stmt, ExportArgs *args)
{
	List	   *seen = NIL;
	ListCell   *lc;
	ErrorContextCallback errcb;

	export_args_init(args);
	args->for_copy = true;
	pb_copy_option_context_push(&errcb);
	foreach(lc, stmt->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		errcb.arg = def->defname;
		if (list_member(seen, makeString(def->defname)))
			errorConflictingDefElem(def, pstate);
		seen = lappend(seen, makeString(def->defname));
		if (strcmp(def->defname, "format") == 0)
			continue;
		if (strcmp(def->defname, "partition_by") == 0)
			args->dataset.partition_by = partition_columns(def);
		else if (strcmp(def->defname, "overwrite") == 0 ||
				 strcmp(def->defname, "write_partition_columns") == 0)
			/* Boolean as COPY's own options: given alone, it means true */
			export_set_option(args, def->defname, defGetBoolean(def) ? "true" : "false");
		else if (!export_set_option(args, def->defname, defGetString(def)))
			pb_copy_unknown_option(def->defname, "COPY TO (FORMAT parquet)", copy_to_options);
	}
	error_context_stack = errcb.previous;
	export_check_options(args);
	export_check_dataset(args);
}

/*
 * The query that reads COPY's table: its columns (those listed, else all
 * but the dropped and generated ones, as COPY), from the table alone
 * unless it is partitioned (COPY of a partitioned table reads its
 * partitions).  The SELECT checks the privileges as COPY does.
 */
static char *
table_query(const CopyStmt *stmt, Oid *relid)
{
	Relation	rel = table_openrv(stmt->relation, AccessShareLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	StringInfoData q;
	ListCell   *lc;
	bool		first = true;

	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT ");
	if (stmt->attlist)
	{
		foreach(lc, stmt->attlist)
		{
			appendStringInfo(&q, "%s%s", first ? "" : ", ", quote_identifier(strVal(lfirst(lc))));
			first = false;
		}
	}
	else
	{
		for (int i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute attr = TupleDescAttr(tupdesc, i);

			if (attr->attisdropped || attr->attgenerated)
				continue;
			appendStringInfo(&q, "%s%s", first ? "" : ", ", quote_identifier(NameStr(attr->attname)));
			first = false;
		}
	}
	appendStringInfo(&q, " FROM %s%s",
					 rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
					 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
												RelationGetRelationName(rel)));
	*relid = RelationGetRelid(rel);
	table_close(rel, NoLock);
	return q.data;
}

/* The plan of what COPY writes; args->query is set to its text. */
static PlannedStmt *
plan_copy_query(ParseState *pstate, const CopyStmt *stmt, int stmt_location,
				int stmt_len, ExportArgs *args, Oid *relid)
{
	List	   *raw;
	RawStmt    *rs;

	*relid = InvalidOid;
	if (stmt->relation)
	{
		args->query = table_query(stmt, relid);
		raw = raw_parser(args->query, RAW_PARSE_DEFAULT);
		return export_plan_raw(linitial_node(RawStmt, raw), args->query);
	}
	rs = makeNode(RawStmt);
	rs->stmt = copyObject(stmt->query);
	rs->stmt_location = stmt_location;
	rs->stmt_len = stmt_len;
	args->query = pstrdup(pstate->p_sourcetext);
	return export_plan_raw(rs, args->query);
}

/* The result's columns: COPY's CopyOutResponse counts them. */
static int
plan_columns(PlannedStmt *plan)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, plan->planTree->targetlist)
		if (!lfirst_node(TargetEntry, lc)->resjunk)
			n++;
	return n;
}

/*
 * copy_to_client
 *		Stream the Parquet file to the client: CopyOutResponse (binary),
 *		CopyData as the writer produces bytes, CopyDone.
 */
static uint64
copy_to_client(const ExportArgs *args, PlannedStmt *plan, Oid relid)
{
	MemoryContext exportcxt = AllocSetContextCreate(CurrentMemoryContext, "COPY TO parquet",
													ALLOCSET_DEFAULT_SIZES);
	ExportSchema *schema = MemoryContextAllocZero(exportcxt, sizeof(ExportSchema));
	CopyOutSink sink = {0};
	StringInfoData buf;
	int			natts = plan_columns(plan);
	int64		rows;

	pgstat_progress_start_command(PROGRESS_COMMAND_COPY, relid);
	{
		const int	index[] = {PROGRESS_COPY_COMMAND, PROGRESS_COPY_TYPE};
		const int64 val[] = {PROGRESS_COPY_COMMAND_TO, PROGRESS_COPY_TYPE_PIPE};

		pgstat_progress_update_multi_param(2, index, val);
	}

	pq_beginmessage(&buf, 'H');
	pq_sendbyte(&buf, 1);		/* binary */
	pq_sendint16(&buf, natts);
	for (int i = 0; i < natts; i++)
		pq_sendint16(&buf, 1);
	pq_endmessage(&buf);

	PG_TRY();
	{
		rows = export_write(args, plan, schema, client_write, &sink, exportcxt);
	}
	PG_CATCH();
	{
		pgstat_progress_end_command();
		PG_RE_THROW();
	}
	PG_END_TRY();

	pq_putemptymessage('c');
	pgstat_progress_end_command();
	pqw_writer_destroy(schema->writer);
	MemoryContextDelete(exportcxt);
	return rows;
}

/*
 * copy_to_dataset
 *		A dataset directory on the server, as parquet_export() writes it; the
 *		rows of its files are COPY's count.
 */
static uint64
copy_to_dataset(const ExportArgs *args, PlannedStmt *plan)
{
	TupleDesc	desc = CreateTemplateTupleDesc(5);
	Tuplestorestate *files = tuplestore_begin_heap(false, false, work_mem);
	TupleTableSlot *slot;
	uint64		rows = 0;

	TupleDescInitEntry(desc, 1, "path", TEXTOID, -1, 0);
	TupleDescInitEntry(desc, 2, "partition", JSONBOID, -1, 0);
	TupleDescInitEntry(desc, 3, "rows", INT8OID, -1, 0);
	TupleDescInitEntry(desc, 4, "row_groups", INT4OID, -1, 0);
	TupleDescInitEntry(desc, 5, "bytes", INT8OID, -1, 0);
	dataset_export(args, plan, files, desc);

	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	while (tuplestore_gettupleslot(files, true, false, slot))
	{
		bool		isnull;

		rows += DatumGetInt64(slot_getattr(slot, 3, &isnull));
	}
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_end(files);
	return rows;
}

/*
 * pb_copy_to
 *		COPY ... TO STDOUT|'file' (FORMAT parquet)
 */
uint64
pb_copy_to(ParseState *pstate, const CopyStmt *stmt, int stmt_location, int stmt_len)
{
	ExportArgs	args;
	PlannedStmt *plan;
	Oid			relid;
	int			row_groups;
	int64		bytes;

	parse_copy_to_options(pstate, stmt, &args);
	if (stmt->is_program)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY TO PROGRAM is not supported with FORMAT parquet"),
				 errhint("Write to STDOUT and pipe the client's output, or to a file.")));
	if (stmt->filename)
	{
		if (!has_privs_of_role(GetUserId(), ROLE_PG_WRITE_SERVER_FILES))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to COPY to a file"),
					 errdetail("Only roles with privileges of the \"pg_write_server_files\" role may COPY to a file."),
					 errhint("Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.")));
		export_check_filename(stmt->filename, args.is_dataset);
		args.filename = stmt->filename;
		if (args.is_dataset)
			dataset_check_target(&args);
	}
	else if (args.is_dataset)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY TO STDOUT cannot write a dataset"),
				 errdetail("partition_by, file_size_bytes and rows_per_file write a directory of files on the server."),
				 errhint("COPY to a directory on the server, or leave those options out to stream one file.")));

	plan = plan_copy_query(pstate, stmt, stmt_location, stmt_len, &args, &relid);
	args.resolved_ids = export_resolve_field_ids(args.field_ids, plan);
	if (args.is_dataset)
		return copy_to_dataset(&args, plan);
	if (stmt->filename)
		return export_to_file(&args, plan, relid, &row_groups, &bytes);
	return copy_to_client(&args, plan, relid);
}
