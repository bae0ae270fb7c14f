/*
 * protobuf_fdw.c - the foreign data wrapper: planning, scanning, EXPLAIN.
 *
 * A scan opens the file, hands a read callback to the pure-C byte source,
 * lets the framing find each message and decodes it straight into the
 * slot's values in a per-row memory context.  Nothing about the file is
 * held beyond one buffer the size of the largest message.
 */
#include "postgres.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "commands/explain.h"
#include "commands/vacuum.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "storage/fd.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

#include "binding.h"
#include "decode.h"
#include "import.h"
#include "options.h"
#include "schema.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(protobuf_fdw_handler);

/* What the planner learns about a foreign table (baserel->fdw_private). */
typedef struct PbPlanInfo
{
	PbTableOptions opts;
	off_t		file_size;		/* -1 if the file could not be stat'ed */
} PbPlanInfo;

typedef struct PbScanState
{
	Relation	rel;
	PbTableOptions opts;
	const PbSchema *schema;
	const PbMessageInfo *message;
	uint32		container_field;
	PbDecodePlan *plan;
	PbDecodeState *decode;
	int			fd;
	PbSource	source;
	PbFraming	framing;
	MemoryContext rowcxt;
	uint64		current_message;	/* 1-based, for error context */
} PbScanState;

/*
 * Resolve the row message type from the options: the named message, or the
 * element type of the container's repeated field (which must agree with
 * 'message' if both are given).
 */
static const PbMessageInfo *
resolve_row_message(const PbTableOptions *opts, const PbSchema *schema,
					uint32 *container_field)
{
	char	   *cname;
	char	   *fname;
	const PbMessageInfo *container;
	const PbMessageInfo *row;
	const PbFieldDescriptor *field = NULL;

	*container_field = 0;
	if (opts->framing != PB_FRAMING_CONTAINER)
		return pb_schema_require_message(schema, opts->message);

	pb_split_container(opts->container, &cname, &fname);
	container = pb_schema_require_message(schema, cname);
	for (size_t i = 0; i < container->desc->n_field && field == NULL; i++)
		if (strcmp(container->desc->field[i]->name, fname) == 0)
			field = container->desc->field[i];
	if (field == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("container field \"%s\" not found in message \"%s\"", fname, container->full_name),
				 errdetail("Message \"%s\" has the fields: %s.", container->full_name,
						   pb_message_field_list(container->desc))));
	if (field->type != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE ||
		field->label != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("container field \"%s.%s\" is not a repeated message field", container->full_name, fname),
				 errdetail("It is a %s %s field.",
						   field->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED
						   ? "repeated" : "singular", pb_field_type_name(field)),
				 errhint("Name a field declared as \"repeated SomeMessage\", whose elements are the rows.")));
	row = pb_schema_find_message(schema, field->type_name);
	if (row == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("message type \"%s\" of container field \"%s\" is not in descriptor set \"%s\"",
						field->type_name, fname, schema->path),
				 errhint("Write the descriptor set with protoc --include_imports.")));
	if (opts->message && strcmp(opts->message, row->full_name) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"message\" (\"%s\") disagrees with container field \"%s\", whose rows are \"%s\"",
						opts->message, opts->container, row->full_name),
				 errhint("Drop the option \"message\": the container field determines the row type.")));
	*container_field = (uint32) field->number;
	return row;
}

/* ---------- planning ---------- */

static void
protobufGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	PbPlanInfo *info = palloc0(sizeof(PbPlanInfo));
	struct stat st;
	double		pages;
	double		ntuples;

	pb_get_table_options(foreigntableid, &info->opts);
	info->file_size = stat(info->opts.filename, &st) == 0 ? st.st_size : -1;
	baserel->fdw_private = info;

	/* as file_fdw: an unreadable file costs as ten pages until the scan says why */
	pages = info->file_size >= 0 ? ceil((double) info->file_size / BLCKSZ) : 10;
	if (pages < 1)
		pages = 1;
	baserel->pages = (BlockNumber) pages;

	if (baserel->tuples >= 0 && baserel->pages > 0 && baserel->tuples > 0)
	{
		/* ANALYZE measured a density: scale it to the file's current size */
		ntuples = clamp_row_est(baserel->tuples / baserel->pages * pages);
	}
	else
	{
		int			width = MAXALIGN(baserel->reltarget->width) + 16;

		ntuples = clamp_row_est((pages * BLCKSZ) / width);
	}
	baserel->tuples = ntuples;
	baserel->rows = clamp_row_est(ntuples *
								  clauselist_selectivity(root, baserel->baserestrictinfo,
														 0, JOIN_INNER, NULL));
}

static void
protobufGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	Cost		startup = baserel->baserestrictcost.startup;
	Cost		cpu_per_tuple = cpu_tuple_cost * 4 + baserel->baserestrictcost.per_tuple;
	Cost		total = startup + seq_page_cost * baserel->pages + cpu_per_tuple * baserel->tuples;

	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, total, NIL, NULL, NULL, NIL));
}

static ForeignScan *
protobufGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
					   ForeignPath *best_path, List *tlist, List *scan_clauses,
					   Plan *outer_plan)
{
	Index		scan_relid = baserel->relid;
	Bitmapset  *attrs = NULL;
	List	   *attlist = NIL;
	ListCell   *lc;
	int			a;

	/* the columns the query needs: projected or tested by a qual */
	pull_varattnos((Node *) baserel->reltarget->exprs, scan_relid, &attrs);
	foreach(lc, baserel->baserestrictinfo)
		pull_varattnos((Node *) ((RestrictInfo *) lfirst(lc))->clause, scan_relid, &attrs);
	a = -1;
	while ((a = bms_next_member(attrs, a)) >= 0)
		attlist = lappend_int(attlist, a);

	scan_clauses = extract_actual_clauses(scan_clauses, false);
	return make_foreignscan(tlist, scan_clauses, scan_relid, NIL,
							list_make1(attlist), NIL, NIL, outer_plan);
}

/* ---------- scanning ---------- */

static void *
scan_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocHuge((MemoryContext) ctx, size);
}

static void
scan_free(void *ctx, void *ptr)
{
	pfree(ptr);
}

static long
scan_read(void *arg, uint8_t *buf, size_t len)
{
	PbScanState *ss = arg;

	for (;;)
	{
		ssize_t		n;

		CHECK_FOR_INTERRUPTS();
		n = read(ss->fd, buf, len);
		if (n >= 0 || errno != EINTR)
			return (long) n;
	}
}

static void
scan_error_context(void *arg)
{
	PbScanState *ss = arg;

	if (ss->decode && ss->decode->current_reader)
		errcontext("foreign table \"%s\", file \"%s\", message " UINT64_FORMAT " at byte offset " UINT64_FORMAT ", column \"%s\" (field \"%s\")",
				   RelationGetRelationName(ss->rel), ss->opts.filename,
				   ss->current_message, ss->framing.record_offset,
				   ss->decode->current_reader->colname,
				   ss->decode->current_reader->fieldname);
	else
		errcontext("foreign table \"%s\", file \"%s\", message " UINT64_FORMAT " at byte offset " UINT64_FORMAT,
				   RelationGetRelationName(ss->rel), ss->opts.filename,
				   ss->current_message, ss->framing.record_offset);
}

static void
open_file(PbScanState *ss)
{
	struct stat st;
	PbAllocator alloc = {scan_alloc, scan_free, CurrentMemoryContext};

	ss->fd = OpenTransientFile(ss->opts.filename, O_RDONLY | PG_BINARY);
	if (ss->fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", ss->opts.filename),
				 errhint("Check the foreign table's option \"filename\", and that the server's operating-system user may read the file.")));
	if (fstat(ss->fd, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", ss->opts.filename)));
	if (S_ISDIR(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a directory", ss->opts.filename),
				 errhint("Set the option \"filename\" to a file of protobuf messages.")));
	if (pb_source_init(&ss->source, scan_read, ss, &alloc, PB_SOURCE_INITIAL_CAP) < 0)
		elog(ERROR, "could not allocate the read buffer");
	pb_framing_init(&ss->framing, ss->opts.framing, &ss->source,
					ss->container_field, (uint64) ss->opts.max_message_size);
}

static Bitmapset *
attrs_from_list(List *attlist)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	foreach(lc, attlist)
		attrs = bms_add_member(attrs, lfirst_int(lc));
	return attrs;
}

/* Everything a scan needs short of the open file (shared by scans and ANALYZE). */
static PbScanState *
prepare_scan(Relation rel, Bitmapset *attrs)
{
	PbScanState *ss = palloc0(sizeof(PbScanState));

	ss->rel = rel;
	ss->fd = -1;
	pb_get_table_options(RelationGetRelid(rel), &ss->opts);
	ss->schema = pb_schema_load(ss->opts.descriptor_set);
	ss->message = resolve_row_message(&ss->opts, ss->schema, &ss->container_field);
	ss->plan = pb_build_plan(rel, ss->message, ss->schema, attrs);
	ss->decode = pb_decode_state_create(ss->plan);
	ss->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "protobuf_fdw row",
									   ALLOCSET_DEFAULT_SIZES);
	return ss;
}

static void
protobufBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	PbScanState *ss;

	ss = prepare_scan(node->ss.ss_currentRelation,
					  attrs_from_list((List *) linitial(plan->fdw_private)));
	node->fdw_state = ss;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	open_file(ss);
}

static void
report_frame_error(PbScanState *ss)
{
	const PbFraming *f = &ss->framing;

	switch (f->err)
	{
		case PB_FRAME_ERR_TRUNCATED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("truncated protobuf file: %s", f->errmsg)));
			break;
		case PB_FRAME_ERR_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("protobuf %s", f->errmsg),
					 errhint("If the message is genuine, raise the foreign table's option max_message_size (at most 2147483647).")));
			break;
		case PB_FRAME_ERR_IO:
			errno = ss->source.read_errno;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", ss->opts.filename)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("malformed protobuf file: %s", f->errmsg)));
	}
}

/*
 * Read the next message into the slot's values.  Returns false at the end
 * of the file.  Runs in the per-row memory context, which it resets.
 */
static bool
next_row(PbScanState *ss, Datum *values, bool *nulls, int natts)
{
	ErrorContextCallback errcb;
	const uint8 *msg;
	size_t		len;
	PbFrameResult res;
	MemoryContext old;

	errcb.callback = scan_error_context;
	errcb.arg = ss;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	MemoryContextReset(ss->rowcxt);
	ss->current_message = ss->framing.messages + 1;
	res = pb_framing_next(&ss->framing, &msg, &len);
	if (res == PB_FRAME_ERROR)
		report_frame_error(ss);
	if (res == PB_FRAME_MESSAGE)
	{
		memset(nulls, true, natts);
		old = MemoryContextSwitchTo(ss->rowcxt);
		pb_decode_message(ss->decode, msg, len, values, nulls);
		MemoryContextSwitchTo(old);
	}

	error_context_stack = errcb.previous;
	return res == PB_FRAME_MESSAGE;
}

static TupleTableSlot *
protobufIterateForeignScan(ForeignScanState *node)
{
	PbScanState *ss = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	if (next_row(ss, slot->tts_values, slot->tts_isnull, slot->tts_tupleDescriptor->natts))
		ExecStoreVirtualTuple(slot);
	return slot;
}

static void
rewind_file(PbScanState *ss)
{
	if (lseek(ss->fd, 0, SEEK_SET) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rewind file \"%s\": %m", ss->opts.filename)));
	pb_source_reset(&ss->source);
	pb_framing_reset(&ss->framing);
}

static void
protobufReScanForeignScan(ForeignScanState *node)
{
	rewind_file(node->fdw_state);
}

static void
close_file(PbScanState *ss)
{
	if (ss->fd >= 0)
	{
		CloseTransientFile(ss->fd);
		ss->fd = -1;
	}
	pb_source_free(&ss->source);
}

static void
protobufEndForeignScan(ForeignScanState *node)
{
	PbScanState *ss = node->fdw_state;

	if (ss)
		close_file(ss);
}

static void
protobufExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	PbScanState *ss = node->fdw_state;
	struct stat st;

	ExplainPropertyText("Foreign File", ss->opts.filename, es);
	if (stat(ss->opts.filename, &st) == 0)
		ExplainPropertyInteger("Foreign File Size", "b", (int64) st.st_size, es);
	ExplainPropertyText("Message Type", ss->message->full_name, es);
	ExplainPropertyText("Framing", pb_framing_name(ss->opts.framing), es);
	if (ss->opts.framing == PB_FRAMING_CONTAINER)
		ExplainPropertyText("Container Field", ss->opts.container, es);
	if (es->analyze && ss->fd >= 0)
	{
		ExplainPropertyUInteger("Messages Read", NULL, ss->framing.messages, es);
		ExplainPropertyUInteger("Bytes Read", "b", pb_source_offset(&ss->source), es);
	}
	if (es->verbose)
	{
		ExplainPropertyList("Fields Decoded", pb_plan_fields(ss->plan), es);
	}
}

/* ---------- ANALYZE ---------- */

/*
 * Sample rows as file_fdw does: read the whole file, keeping a reservoir of
 * targrows rows (Vitter's algorithm), so pg_statistic reflects every part of
 * the file and reltuples is exact.
 */
static int
protobufAcquireSampleRows(Relation rel, int elevel, HeapTuple *rows, int targrows,
						  double *totalrows, double *totaldeadrows)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Datum	   *values = palloc(sizeof(Datum) * Max(tupdesc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(tupdesc->natts, 1));
	MemoryContext scancxt;
	MemoryContext old;
	PbScanState *ss;
	ReservoirStateData rstate;
	double		rowstoskip = -1;
	int			numrows = 0;

	scancxt = AllocSetContextCreate(CurrentMemoryContext, "protobuf_fdw analyze",
									ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(scancxt);
	ss = prepare_scan(rel, bms_make_singleton(0 - FirstLowInvalidHeapAttributeNumber));
	open_file(ss);
	MemoryContextSwitchTo(old);

	*totalrows = 0;
	*totaldeadrows = 0;
	reservoir_init_selection_state(&rstate, targrows);
	while (next_row(ss, values, nulls, tupdesc->natts))
	{
		vacuum_delay_point();
		if (numrows < targrows)
			rows[numrows++] = heap_form_tuple(tupdesc, values, nulls);
		else
		{
			if (rowstoskip < 0)
				rowstoskip = reservoir_get_next_S(&rstate, *totalrows, targrows);
			if (rowstoskip <= 0)
			{
				int			k = (int) (targrows * sampler_random_fract(&rstate.randstate));

				heap_freetuple(rows[k]);
				rows[k] = heap_form_tuple(tupdesc, values, nulls);
			}
			rowstoskip -= 1;
		}
		*totalrows += 1;
	}
	close_file(ss);
	MemoryContextDelete(scancxt);

	ereport(elevel,
			(errmsg("\"%s\": file contains %.0f messages; %d rows in sample",
					RelationGetRelationName(rel), *totalrows, numrows)));
	return numrows;
}

static bool
protobufAnalyzeForeignTable(Relation rel, AcquireSampleRowsFunc *func, BlockNumber *totalpages)
{
	PbTableOptions opts;
	struct stat st;

	pb_get_table_options(RelationGetRelid(rel), &opts);
	if (stat(opts.filename, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", opts.filename)));
	*totalpages = Max(1, (st.st_size + BLCKSZ - 1) / BLCKSZ);
	*func = protobufAcquireSampleRows;
	return true;
}

static bool
protobufIsForeignScanParallelSafe(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte)
{
	return true;
}

Datum
protobuf_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = protobufGetForeignRelSize;
	routine->GetForeignPaths = protobufGetForeignPaths;
	routine->GetForeignPlan = protobufGetForeignPlan;
	routine->BeginForeignScan = protobufBeginForeignScan;
	routine->IterateForeignScan = protobufIterateForeignScan;
	routine->ReScanForeignScan = protobufReScanForeignScan;
	routine->EndForeignScan = protobufEndForeignScan;
	routine->ExplainForeignScan = protobufExplainForeignScan;
	routine->AnalyzeForeignTable = protobufAnalyzeForeignTable;
	routine->ImportForeignSchema = pb_import_foreign_schema;
	routine->IsForeignScanParallelSafe = protobufIsForeignScanParallelSafe;
	PG_RETURN_POINTER(routine);
}
