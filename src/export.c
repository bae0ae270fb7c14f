/*-------------------------------------------------------------------------
 *
 * export.c
 *		parquet_export(query, filename, ...): run a query through the
 *		executor and stream its rows into a Parquet file.
 *
 * The query is planned and run like COPY (query) TO does it, into a
 * DestReceiver that converts each slot into the column buffers of the
 * Parquet writer (src/parquet/, pure C).  The writer holds one row group
 * at a time and writes it when it reaches row_group_size rows or
 * row_group_bytes buffered bytes, so memory stays bounded whatever the
 * result size.  Each row is converted in a memory context reset after it.
 *
 * The file appears atomically: it is written to ".<name>.tmp.<pid>" in the
 * target's directory, fsynced, then renamed over the target with
 * durable_rename().  Any error or cancel removes the temporary file (in a
 * PG_CATCH, and again from a memory context reset callback for the exits
 * that skip it), so an existing target is never touched by a failed export.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "common/file_perm.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "optimizer/cost.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/backend_progress.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "export.h"

#define EXPORT_CREATED_BY "protobuf_fdw version 1.0.0 (build pg" PG_MAJORVERSION ")"

PG_FUNCTION_INFO_V1(parquet_export);

/*
 * Start the kernel's writeback every this many bytes, as the checkpointer
 * does: the disk then works while the rows are encoded, instead of the
 * final fsync writing the whole file while the caller waits.
 */
#define EXPORT_WRITEBACK_BYTES	(8 * 1024 * 1024)

typedef struct ExportReceiver
{
	DestReceiver pub;
	ExportSchema *schema;
	MemoryContext rowcxt;
	int64		rows;
} ExportReceiver;

/* ---- allocation hooks: the writer's memory lives in the export context ---- */

static void *
hook_malloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size, MCXT_ALLOC_HUGE);
}

static void *
hook_realloc(void *ctx, void *ptr, size_t size)
{
	return repalloc_huge(ptr, size);
}

static void
hook_free(void *ctx, void *ptr)
{
	pfree(ptr);
}

/* ---- the file ---- */

/*
 * export_file_write
 *		The writer's output callback: write to the temporary file.
 *
 * Errors are raised right here, where errno is still meaningful; everything
 * the writer holds is palloc'd, so jumping out of it loses nothing.
 */
int
export_file_write(void *ctx, const void *data, size_t len, char *errbuf, size_t errlen)
{
	ExportFile *f = ctx;
	const char *p = data;

	CHECK_FOR_INTERRUPTS();
	while (len > 0)
	{
		ssize_t		n;
		bool		too_large;

		errno = 0;
		pgstat_report_wait_start(WAIT_EVENT_COPY_FILE_WRITE);
		n = write(f->fd, p, len);
		pgstat_report_wait_end();
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
		{
			/* a short write without errno means the disk is full */
			if (errno == 0)
				errno = ENOSPC;
			/* a file-size limit (EFBIG) has no class of its own in errcode_for_file_access() */
			too_large = (errno == EFBIG);
			ereport(ERROR,
					(too_large ? errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED) :
					 errcode_for_file_access(),
					 errmsg("could not write Parquet file \"%s\": %m", f->target),
					 errdetail("The rows were being written to \"%s\", which is removed; the target is left unchanged.",
							   f->tmp)));
		}
		p += n;
		len -= n;
		f->bytes += n;
	}
	if (f->bytes - f->flushed >= EXPORT_WRITEBACK_BYTES)
	{
		pg_flush_data(f->fd, f->flushed, f->bytes - f->flushed);
		f->flushed = f->bytes;
	}
	pgstat_progress_update_param(PROGRESS_COPY_BYTES_PROCESSED, f->bytes);
	return 0;
}

static void
remove_temp_file(ExportFile *f)
{
	if (f->done)
		return;
	f->done = true;
	/* the descriptor is closed by the transaction abort */
	if (unlink(f->tmp) < 0 && errno != ENOENT)
		elog(LOG, "could not remove temporary file \"%s\": %m", f->tmp);
}

static void
remove_temp_file_callback(void *arg)
{
	remove_temp_file((ExportFile *) arg);
}

/*
 * Create the temporary file with O_EXCL: never open what is already there,
 * for in a shared directory such as /tmp another user could have put a
 * symlink at this predictable name, pointing at a file the server owns.
 * A leftover of a crashed backend with our pid is removed once (unlink
 * removes a symlink, not its target) and creation retried.
 */
static int
open_temp_file(const char *path)
{
	const int	flags = O_WRONLY | O_CREAT | O_EXCL | PG_BINARY;
	int			fd = OpenTransientFilePerm(path, flags, pg_file_create_mode);

	if (fd < 0 && errno == EEXIST && unlink(path) == 0)
		fd = OpenTransientFilePerm(path, flags, pg_file_create_mode);
	return fd;
}

/* ".<name>.tmp.<pid>" beside the target, so the rename stays in one file system */
static char *
temp_name_for(const char *target)
{
	const char *slash = last_dir_separator(target);

	return psprintf("%.*s.%s.tmp.%d", (int) (slash - target + 1), target,
					slash + 1, MyProcPid);
}

/* ---- the DestReceiver ---- */

void
export_error_context(void *arg)
{
	ExportSchema *schema = arg;

	if (schema->current_path)
		errcontext("parquet_export row %lld, column \"%s\"",
				   (long long) schema->current_row, schema->current_path);
	else
		errcontext("parquet_export row %lld", (long long) schema->current_row);
}

static bool
export_receive(TupleTableSlot *slot, DestReceiver *self)
{
	ExportReceiver *r = (ExportReceiver *) self;
	ErrorContextCallback errcb;
	MemoryContext old;

	/* pushed per row: errors of the query itself are not ours to annotate */
	r->schema->current_row = r->rows + 1;
	errcb.callback = export_error_context;
	errcb.arg = r->schema;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	old = MemoryContextSwitchTo(r->rowcxt);
	export_write_row(r->schema, slot);
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->rowcxt);

	error_context_stack = errcb.previous;
	r->rows++;
	pgstat_progress_update_param(PROGRESS_COPY_TUPLES_PROCESSED, r->rows);
	return true;
}

static void
export_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	ExportReceiver *r = (ExportReceiver *) self;

	export_build_schema(r->schema, typeinfo);
	export_check_status(r->schema->writer, pqw_writer_begin(r->schema->writer));
}

static void
export_shutdown(DestReceiver *self)
{
}

static void
export_destroy(DestReceiver *self)
{
}

/* ---- arguments ---- */

static void
check_permission(void)
{
	if (!superuser() && !has_privs_of_role(GetUserId(), ROLE_PG_WRITE_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to write a Parquet file with parquet_export"),
				 errdetail("Only roles with privileges of the \"pg_write_server_files\" role may write files on the server."),
				 errhint("Ask an administrator to GRANT pg_write_server_files to your role.")));
}

static text *
arg_text(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("parquet_export argument \"%s\" must not be null", name)));
	return PG_GETARG_TEXT_PP(n);
}

static pqw_codec
parse_codec(const char *name)
{
	pqw_codec	codec;
	char	   *lower = pstrdup(name);

	for (char *p = lower; *p; p++)
		*p = pg_ascii_tolower((unsigned char) *p);
	if (!pqw_codec_from_name(lower, &codec))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown compression \"%s\"", name),
				 errhint("Use one of uncompressed, snappy, gzip, zstd, lz4_raw, brotli.%s",
						 strcmp(lower, "lz4") == 0 ?
						 " The Hadoop-framed LZ4 codec is deprecated; lz4_raw is the LZ4 block format." : "")));
	return codec;
}

/*
 * add_kv_metadata
 *		Add each key of kv_metadata to the file's key_value_metadata.
 *
 * Strings as they are, numbers and booleans as their text, nested objects
 * and arrays as their JSON, null as a key without a value.
 */
static void
add_kv_metadata(const ExportArgs *args, pqw_writer *w, Jsonb *jb)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	bool		skip = false;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kv_metadata must be a JSON object"),
				 args->for_copy
				 ? errhint("Give a JSON object, e.g. kv_metadata '{\"source\": \"events.pb\"}'.")
				 : errhint("Pass e.g. '{\"source\": \"events.pb\"}'::jsonb.")));

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, skip)) != WJB_DONE)
	{
		char	   *key;
		char	   *value;

		skip = true;			/* nested values come back whole */
		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		switch (v.type)
		{
			case jbvString:
				value = pnstrdup(v.val.string.val, v.val.string.len);
				break;
			case jbvNull:
				value = NULL;	/* a KeyValue without a value */
				break;
			case jbvBool:
				value = v.val.boolean ? "true" : "false";
				break;
			case jbvNumeric:
				value = DatumGetCString(DirectFunctionCall1(numeric_out,
															NumericGetDatum(v.val.numeric)));
				break;
			default:
				/* objects and arrays: their JSON text */
				value = JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
				break;
		}
		export_check_status(w, pqw_writer_add_kv(w, key, value));
	}
}

/* Parse, analyze and plan the query; only a plain SELECT is accepted. */
static PlannedStmt *
plan_export_query(const char *query)
{
	List	   *raw = pg_parse_query(query);

	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parquet_export needs exactly one query, got %d", list_length(raw))));
	return export_plan_raw(linitial_node(RawStmt, raw), query);
}

/* Analyze and plan a parsed query (of the text 'query'); only a plain SELECT is accepted. */
PlannedStmt *
export_plan_raw(RawStmt *raw, const char *query)
{
	List	   *rewritten;
	Query	   *q;
	ListCell   *lc;
	int			columns = 0;

	rewritten = pg_analyze_and_rewrite_fixedparams(raw, query, NULL, 0, NULL);
	if (list_length(rewritten) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("parquet_export cannot run a query that rules rewrite into several statements")));
	q = linitial_node(Query, rewritten);
	if (q->commandType != CMD_SELECT || q->utilityStmt != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("parquet_export only exports the result of a SELECT, TABLE, VALUES or WITH query"),
				 errhint("Run other statements separately, then export with a SELECT.")));
	foreach(lc, q->targetList)
		if (!lfirst_node(TargetEntry, lc)->resjunk)
			columns++;
	if (columns == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parquet_export cannot write a query with no columns"),
				 errdetail("A Parquet file needs at least one column.")));
	return pg_plan_query(q, query, CURSOR_OPT_PARALLEL_OK, NULL);
}

/*
 * Run the plan into dest, which learns the result's shape in its rStartup
 * (the single file's receiver below, or a dataset's: dataset.c).
 */
void
export_run_query(PlannedStmt *plan, const char *query, DestReceiver *dest)
{
	QueryDesc  *qd;

	/* as COPY (query) TO: a snapshot that sees our own earlier commands */
	PushCopiedSnapshot(GetActiveSnapshot());
	UpdateActiveSnapshotCommandId();
	qd = CreateQueryDesc(plan, query, GetActiveSnapshot(), InvalidSnapshot,
						 dest, NULL, NULL, 0);
	ExecutorStart(qd, 0);
	ExecutorRun(qd, ForwardScanDirection, 0L, true);
	ExecutorFinish(qd);
	ExecutorEnd(qd);
	FreeQueryDesc(qd);
	PopActiveSnapshot();
}

/* Run the plan into the single file's writer; returns the number of rows. */
static int64
run_export_query(PlannedStmt *plan, const char *query, ExportSchema *schema,
				 MemoryContext exportcxt)
{
	ExportReceiver *r = palloc0(sizeof(ExportReceiver));

	r->pub.receiveSlot = export_receive;
	r->pub.rStartup = export_startup;
	r->pub.rShutdown = export_shutdown;
	r->pub.rDestroy = export_destroy;
	r->pub.mydest = DestNone;
	r->schema = schema;
	r->rowcxt = AllocSetContextCreate(exportcxt, "parquet_export row",
									  ALLOCSET_DEFAULT_SIZES);
	export_run_query(plan, query, &r->pub);
	return r->rows;
}

/*
 * export_pass
 *		How a hint tells to give an argument a value: parquet_export()'s
 *		named notation ("Pass threads => NULL"), or, for COPY's options,
 *		leaving the option out (NULL) or giving it ("Add the option overwrite").
 */
char *
export_pass(const ExportArgs *args, const char *name, const char *value)
{
	if (!args->for_copy)
		return psprintf("Pass %s => %s", name, value);
	if (strcmp(value, "NULL") == 0)
		return psprintf("Leave out the option %s", name);
	if (strcmp(value, "true") == 0)
		return psprintf("Add the option %s", name);
	return psprintf("Give the option %s %s", name, value);
}

/* A file limit (file_size_bytes, rows_per_file): at least 1 */
static int64
check_limit(const ExportArgs *args, int64 v, const char *name)
{
	if (v < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least 1", name),
				 errhint("%s for no limit.", export_pass(args, name, "NULL"))));
	return v;
}

/* A positive bigint argument, or 0 when NULL */
static int64
arg_limit(const ExportArgs *args, FunctionCallInfo fcinfo, int n, const char *name)
{
	return PG_ARGISNULL(n) ? 0 : check_limit(args, PG_GETARG_INT64(n), name);
}

/*
 * export_check_dataset
 *		After the dataset arguments are set: any of partition_by,
 *		file_size_bytes and rows_per_file makes the target a directory.
 */
void
export_check_dataset(ExportArgs *args)
{
	ExportDatasetOptions *ds = &args->dataset;

	if (ds->max_open_files < 1 || ds->max_open_files > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_open_files must be between 1 and 1000"),
				 errdetail("Each open file holds a descriptor and a buffered row group.")));
	args->is_dataset = (ds->partition_by != NIL || ds->file_size_bytes > 0 ||
						ds->rows_per_file > 0);
	if (ds->write_partition_columns && ds->partition_by == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("write_partition_columns needs partition_by")));
}

/*
 * The dataset arguments (partition_by ... overwrite); any of the first three
 * makes the target a directory (dataset.c).
 */
static void
parse_dataset_args(FunctionCallInfo fcinfo, ExportArgs *args)
{
	ExportDatasetOptions *ds = &args->dataset;

	if (!PG_ARGISNULL(8))
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(8), TEXTOID, -1, false,
						  TYPALIGN_INT, &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("partition_by must not contain NULL")));
			ds->partition_by = lappend(ds->partition_by, TextDatumGetCString(elems[i]));
		}
	}
	ds->file_size_bytes = arg_limit(args, fcinfo, 9, "file_size_bytes");
	ds->rows_per_file = arg_limit(args, fcinfo, 10, "rows_per_file");
	if (!PG_ARGISNULL(11))
		ds->max_open_files = PG_GETARG_INT32(11);
	ds->write_partition_columns = !PG_ARGISNULL(12) && PG_GETARG_BOOL(12);
	ds->overwrite = !PG_ARGISNULL(13) && PG_GETARG_BOOL(13);
	export_check_dataset(args);
}

/*
 * default_threads
 *		The writer's threads when none are asked for: the budget of a parallel
 *		query, max_parallel_workers_per_gather + 1 (the leader), at most the
 *		number of CPUs online.
 */
static int
default_threads(void)
{
	long		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int			threads = max_parallel_workers_per_gather + 1;

	if (ncpu > 0 && threads > ncpu)
		threads = (int) ncpu;
	return Min(threads, PQW_MAX_THREADS);
}

static void
check_threads(const ExportArgs *args, int threads)
{
	if (threads < 1 || threads > PQW_MAX_THREADS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("threads must be between 1 and %d", PQW_MAX_THREADS),
				 errhint("%s for the default, max_parallel_workers_per_gather + 1.",
						 export_pass(args, "threads", "NULL"))));
}

/*
 * parse_export_args
 *		Read and check the arguments of parquet_export() into *args.
 *
 * Every argument error but kv_metadata's (raised as its keys are added) is
 * raised here, before the query is planned or a file is created; the checks
 * run in the order of the arguments.
 */
static void
parse_export_args(FunctionCallInfo fcinfo, ExportArgs *args)
{
	pqw_options *opt = &args->options;

	export_args_init(args);
	args->query = text_to_cstring(arg_text(fcinfo, 0, "query"));
	args->filename = text_to_cstring(arg_text(fcinfo, 1, "filename"));

	opt->codec = parse_codec(text_to_cstring(arg_text(fcinfo, 2, "compression")));
	if (!PG_ARGISNULL(3))
	{
		opt->compression_level = PG_GETARG_INT32(3);
		args->has_level = true;
	}
	if (!PG_ARGISNULL(4))
		opt->row_group_rows = PG_GETARG_INT64(4);
	if (!PG_ARGISNULL(5))
		opt->row_group_bytes = PG_GETARG_INT64(5);
	export_check_options(args);
	parse_dataset_args(fcinfo, args);
	export_check_filename(args->filename, args->is_dataset);

	/* kv_metadata (6) is checked as its keys are added to the writer */
	if (!PG_ARGISNULL(6))
		args->kv_metadata = PG_GETARG_JSONB_P(6);
	export_parse_numeric_mode(PG_ARGISNULL(7) ? "string" :
							  text_to_cstring(PG_GETARG_TEXT_PP(7)), &args->numeric);
	if (!PG_ARGISNULL(14))
	{
		args->field_ids = text_to_cstring(PG_GETARG_TEXT_PP(14));
		export_parse_field_ids(args->field_ids);
	}
	/* PG_NARGS: a declaration of the function without the argument */
	if (PG_NARGS() > 15 && !PG_ARGISNULL(15))
	{
		opt->threads = PG_GETARG_INT32(15);
		check_threads(args, opt->threads);
	}
}

/*
 * export_check_options
 *		The checks between the writer's options, once all are known (a COPY
 *		gives them in any order).
 */
void
export_check_options(ExportArgs *args)
{
	pqw_options *opt = &args->options;
	char		errbuf[256];

	if (args->has_level &&
		!pqw_codec_check_level(opt->codec, opt->compression_level, errbuf, sizeof(errbuf)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", errbuf),
				 errhint("%s for the codec's default.",
						 export_pass(args, "compression_level", "NULL"))));
	if (opt->row_group_rows < 1 || opt->row_group_bytes < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("row_group_size and row_group_bytes must be at least 1")));
}

/*
 * The target: absolute, of a usable length, and not a directory unless it
 * is a dataset's ('dataset').
 */
void
export_check_filename(const char *filename, bool dataset)
{
	struct stat st;

	if (!is_absolute_path(filename))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("relative path not allowed for parquet_export"),
				 errhint("Give an absolute path on the database server.")));
	if (strlen(filename) + 32 >= MAXPGPATH)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("file name \"%s\" is too long", filename)));
	/* caught here, before the query runs, rather than at the rename */
	if (!dataset && stat(filename, &st) == 0 && S_ISDIR(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a directory", filename),
				 errhint("Give the path of the Parquet file to write.")));
}

/*
 * export_args_init
 *		parquet_export()'s defaults: snappy, 122880 rows or 128 MB a row
 *		group, no kv_metadata, numeric_mode 'string', the default threads.
 */
void
export_args_init(ExportArgs *args)
{
	memset(args, 0, sizeof(ExportArgs));
	pqw_options_init(&args->options);
	args->options.created_by = EXPORT_CREATED_BY;
	args->options.codec = PQW_SNAPPY;
	args->options.threads = default_threads();
	export_parse_numeric_mode("string", &args->numeric);
	args->dataset.max_open_files = 64;
}

static bool
parse_bool_option(const char *name, const char *value)
{
	bool		result;

	if (!parse_bool(value, &result))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s requires a Boolean value", name)));
	return result;
}

/*
 * export_set_option
 *		Set one of parquet_export()'s arguments by name from text (the options
 *		of COPY ... TO ... (FORMAT parquet)); false if 'name' is not one.
 *		partition_by, a list, is the caller's.  Call export_check_options()
 *		and export_check_dataset() after the last.
 */
bool
export_set_option(ExportArgs *args, const char *name, const char *value)
{
	if (strcmp(name, "compression") == 0)
		args->options.codec = parse_codec(value);
	else if (strcmp(name, "compression_level") == 0)
	{
		args->options.compression_level = pg_strtoint32(value);
		args->has_level = true;
	}
	else if (strcmp(name, "row_group_size") == 0)
		args->options.row_group_rows = pg_strtoint64(value);
	else if (strcmp(name, "row_group_bytes") == 0)
		args->options.row_group_bytes = pg_strtoint64(value);
	else if (strcmp(name, "kv_metadata") == 0)
		args->kv_metadata = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(value)));
	else if (strcmp(name, "numeric_mode") == 0)
		export_parse_numeric_mode(value, &args->numeric);
	else if (strcmp(name, "field_ids") == 0)
	{
		args->field_ids = pstrdup(value);
		export_parse_field_ids(args->field_ids);
	}
	else if (strcmp(name, "threads") == 0)
	{
		args->options.threads = pg_strtoint32(value);
		check_threads(args, args->options.threads);
	}
	else if (strcmp(name, "file_size_bytes") == 0)
		args->dataset.file_size_bytes = check_limit(args, pg_strtoint64(value), name);
	else if (strcmp(name, "rows_per_file") == 0)
		args->dataset.rows_per_file = check_limit(args, pg_strtoint64(value), name);
	else if (strcmp(name, "max_open_files") == 0)
		args->dataset.max_open_files = pg_strtoint32(value);
	else if (strcmp(name, "write_partition_columns") == 0)
		args->dataset.write_partition_columns = parse_bool_option(name, value);
	else if (strcmp(name, "overwrite") == 0)
		args->dataset.overwrite = parse_bool_option(name, value);
	else
		return false;
	return true;
}

/*
 * create_export_file
 *		Create the temporary file beside the target, removed when exportcxt
 *		goes (by error or cancel) unless it was renamed into place.
 */
static ExportFile *
create_export_file(const char *filename, MemoryContext exportcxt)
{
	ExportFile *file = MemoryContextAllocZero(exportcxt, sizeof(ExportFile));
	MemoryContextCallback *cb;

	file->target = MemoryContextStrdup(exportcxt, filename);
	file->tmp = MemoryContextStrdup(exportcxt, temp_name_for(filename));
	/* allocated first, so that nothing can fail between open and register */
	cb = MemoryContextAllocZero(exportcxt, sizeof(MemoryContextCallback));
	cb->func = remove_temp_file_callback;
	cb->arg = file;
	file->fd = open_temp_file(file->tmp);
	if (file->fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create a temporary file for \"%s\": %m", filename),
				 errdetail("parquet_export writes \"%s\" in the target's directory, then renames it over the target.",
						   file->tmp)));
	MemoryContextRegisterResetCallback(exportcxt, cb);
	return file;
}

/* Make the finished temporary file durable and rename it over the target. */
static void
commit_export_file(ExportFile *file)
{
	/* plain ERROR: data_sync_elevel() would PANIC for a file not ours to recover */
	if (pg_fsync(file->fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", file->tmp)));
	if (CloseTransientFile(file->fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not close file \"%s\": %m", file->tmp)));
	file->fd = -1;
	/* fsyncs the file and the directory around the rename */
	durable_rename(file->tmp, file->target, ERROR);
	file->done = true;
}

/* Report the export in pg_stat_progress_copy, as a COPY TO a file (of relid, if valid) */
void
export_progress_start(Oid relid)
{
	const int	index[] = {PROGRESS_COPY_COMMAND, PROGRESS_COPY_TYPE};
	const int64 val[] = {PROGRESS_COPY_COMMAND_TO, PROGRESS_COPY_TYPE_FILE};

	pgstat_progress_start_command(PROGRESS_COMMAND_COPY, relid);
	pgstat_progress_update_multi_param(2, index, val);
}

/*
 * export_create_writer
 *		A writer whose memory lives in cxt and whose bytes go to 'write'
 *		(called with write_ctx), with the key-value metadata of the arguments.
 */
pqw_writer *
export_create_writer(const ExportArgs *args, pqw_write_fn write, void *write_ctx,
					 MemoryContext cxt)
{
	pqw_alloc	alloc;
	pqw_writer *w;
	const char *message = export_field_ids_message(args->resolved_ids);

	alloc.malloc_fn = hook_malloc;
	alloc.realloc_fn = hook_realloc;
	alloc.free_fn = hook_free;
	alloc.ctx = cxt;
	w = pqw_writer_create(&alloc, &args->options, write, write_ctx);
	if (args->kv_metadata != NULL)
		add_kv_metadata(args, w, args->kv_metadata);
	if (message != NULL)
		export_check_status(w, pqw_writer_add_kv(w, "protobuf.message", message));
	return w;
}

/*
 * export_write
 *		Create the writer over 'write' (called with 'write_ctx' for each run
 *		of bytes, the footer last), run the query into it and finish the
 *		file; returns the number of rows.
 */
int64
export_write(const ExportArgs *args, PlannedStmt *plan, ExportSchema *schema,
			 pqw_write_fn write, void *write_ctx, MemoryContext exportcxt)
{
	MemoryContext old = MemoryContextSwitchTo(exportcxt);
	int64		rows;

	schema->numeric = args->numeric;
	schema->field_ids = args->resolved_ids;
	schema->writer = export_create_writer(args, write, write_ctx, exportcxt);
	PG_TRY();
	{
		rows = run_export_query(plan, args->query, schema, exportcxt);
		export_check_status(schema->writer, pqw_writer_finish(schema->writer));
	}
	PG_CATCH();
	{
		/* the writer's threads read its buffers: joined before they can go */
		pqw_writer_stop_threads(schema->writer);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	return rows;
}

/*
 * export_to_file
 *		Write the rows of 'plan' to args->filename through a temporary file
 *		renamed over it when complete, reporting progress as a COPY TO of
 *		'relid'; returns the number of rows and sets *row_groups and *bytes.
 */
int64
export_to_file(const ExportArgs *args, PlannedStmt *plan, Oid relid,
			   int *row_groups, int64 *bytes)
{
	MemoryContext exportcxt;
	ExportSchema *schema;
	ExportFile *file;
	int64		rows;

	exportcxt = AllocSetContextCreate(CurrentMemoryContext, "parquet_export",
									  ALLOCSET_DEFAULT_SIZES);
	schema = MemoryContextAllocZero(exportcxt, sizeof(ExportSchema));

	/* the temporary file, removed if anything below fails */
	file = create_export_file(args->filename, exportcxt);

	export_progress_start(relid);

	PG_TRY();
	{
		rows = export_write(args, plan, schema, export_file_write, file, exportcxt);
		commit_export_file(file);
	}
	PG_CATCH();
	{
		remove_temp_file(file);
		/* a subtransaction abort (PL/pgSQL handler) must not keep it either */
		pgstat_progress_end_command();
		PG_RE_THROW();
	}
	PG_END_TRY();

	pgstat_progress_end_command();

	*row_groups = pqw_writer_row_groups(schema->writer);
	*bytes = file->bytes;
	pqw_writer_destroy(schema->writer);
	MemoryContextDelete(exportcxt);
	return rows;
}

/*
 * parquet_export
 *		SQL function: write the result of a query to a Parquet file, or to
 *		a dataset directory of Parquet files.
 *
 * Checks the arguments, plans the query, then streams its rows into a
 * temporary file (a temporary directory for a dataset: dataset.c) that is
 * renamed over the target only when complete.  Returns one row per file:
 * (path, partition, rows, row_groups, bytes).
 */
Datum
parquet_export(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ExportArgs	args;
	PlannedStmt *plan;
	Datum		result[5];
	bool		nulls[5] = {false, true, false, false, false};
	int			row_groups;
	int64		bytes;

	check_permission();
	parse_export_args(fcinfo, &args);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (args.is_dataset)
		dataset_check_target(&args);

	plan = plan_export_query(args.query);
	args.resolved_ids = export_resolve_field_ids(args.field_ids, plan);
	if (args.is_dataset)
	{
		dataset_export(&args, plan, rsinfo->setResult, rsinfo->setDesc);
		return (Datum) 0;
	}

	result[0] = CStringGetTextDatum(args.filename);
	result[2] = Int64GetDatum(export_to_file(&args, plan, InvalidOid, &row_groups, &bytes));
	result[3] = Int32GetDatum(row_groups);
	result[4] = Int64GetDatum(bytes);

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, result, nulls);
	return (Datum) 0;
}
