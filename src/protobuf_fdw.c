/*-------------------------------------------------------------------------
 *
 * protobuf_fdw.c
 *		The foreign data wrapper: planning, scanning, EXPLAIN, ANALYZE.
 *
 * A scan (scan.c) opens the file, hands a read callback to the pure-C byte
 * source, lets the framing find each message and decodes it straight into
 * the slot's values in a per-row memory context.  Nothing about the file
 * is held beyond one buffer the size of the largest message.  This file
 * only answers the planner and the executor, as file_fdw does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "commands/explain.h"
#include "commands/vacuum.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

#include "copy_hook.h"
#include "import.h"
#include "inputs.h"
#include "parallel.h"
#include "scan.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * _PG_init
 *		Install the COPY hook when the library is loaded (by
 *		shared_preload_libraries, session_preload_libraries, or the first use
 *		of the extension in a session)
 */
void
_PG_init(void)
{
	pb_copy_hook_install();
}

PG_FUNCTION_INFO_V1(protobuf_fdw_handler);

/*
 * What GetForeignRelSize finds out for GetForeignPaths, kept in
 * baserel->fdw_private between the two (only while planning: the plan
 * itself carries Lists).
 */
typedef struct PbPlanState
{
	PbTableOptions opts;
	List	   *files;			/* what filename names; NIL for a program */
	uint64		size;			/* the files' total size */
	uint32		container_field;	/* the one-step container's rows, else 0 */
	bool		parallel_ok;	/* may workers share the inputs out? */
} PbPlanState;

/* ---------- planning ---------- */

/*
 * The number of messages in the table: ANALYZE's density scaled to the
 * files' current size, or else an estimate from the start of the first
 * file.
 */
static double
estimate_messages(RelOptInfo *baserel, const PbPlanState *ps, double pages)
{
	double		ntuples = -1;

	if (baserel->tuples > 0 && baserel->pages > 0)
	{
		/* ANALYZE measured a density: scale it to the files' current size */
		return baserel->tuples / baserel->pages * pages;
	}
	/* a container path's rows cannot be counted from the start of a file */
	if (ps->opts.container == NULL || ps->container_field != 0)
		ntuples = pb_estimate_messages(&ps->opts, ps->container_field, ps->files, ps->size);
	if (ntuples < 0)
		ntuples = ps->opts.program ? 1000 : (pages * BLCKSZ) / (MAXALIGN(baserel->reltarget->width) + 16);
	return ntuples;
}

/*
 * protobufGetForeignRelSize
 *		Obtain relation size estimates for a foreign table
 */
static void
protobufGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	PbPlanState *ps = palloc0(sizeof(PbPlanState));
	double		pages;
	double		ntuples;

	pb_get_table_options(foreigntableid, &ps->opts);
	if (ps->opts.filename)
	{
		ps->files = pb_expand_files(ps->opts.filename);
		ps->size = pb_files_size(ps->files);
	}
	(void) pb_resolve_row_message(&ps->opts, pb_schema_load_either(ps->opts.descriptor_set, ps->opts.descriptor),
								  &ps->container_field);
	ps->parallel_ok = pb_parallel_possible(&ps->opts, ps->files);
	/* a walked container path is shared out by whole files only */
	if (pb_table_walks(foreigntableid, &ps->opts, ps->container_field))
		ps->parallel_ok = ps->parallel_ok && list_length(ps->files) > 1;
	baserel->fdw_private = ps;

	/* as file_fdw: a program or an unreadable file costs as ten pages */
	pages = ps->size > 0 ? ceil((double) ps->size / BLCKSZ) : 10;
	/* ANALYZE's pages (pg_class) are read before they give way to the current size */
	ntuples = estimate_messages(baserel, ps, pages);
	baserel->pages = (BlockNumber) Max(pages, 1);
	baserel->tuples = clamp_row_est(ntuples);
	baserel->rows = clamp_row_est(baserel->tuples *
								  clauselist_selectivity(root, baserel->baserestrictinfo,
														 0, JOIN_INNER, NULL));
}

/*
 * A parallel-aware path: workers take whole files, or ranges of whole
 * records of plain files.  Costed as the planner costs a parallel
 * sequential scan: the run cost divided among the processes.
 */
static void
add_parallel_path(PlannerInfo *root, RelOptInfo *baserel, Cost startup, Cost total)
{
	int			workers = compute_parallel_worker(baserel, baserel->pages, -1,
												  max_parallel_workers_per_gather);
	double		divisor = workers;
	ForeignPath *path;

	if (workers <= 0)
		return;
	if (parallel_leader_participation)
	{
		double		leader = 1.0 - 0.3 * workers;

		if (leader > 0)
			divisor += leader;
	}
	path = create_foreignscan_path(root, baserel, NULL,
								   clamp_row_est(baserel->rows / divisor),
								   startup, startup + (total - startup) / divisor,
								   NIL, NULL, NULL, NIL);
	path->path.parallel_aware = true;
	path->path.parallel_safe = true;
	path->path.parallel_workers = workers;
	add_partial_path(baserel, (Path *) path);
}

/*
 * protobufGetForeignPaths
 *		Create possible access paths for a scan on the foreign table
 *
 * A serial path, and a parallel-aware one when workers may share the
 * inputs out.
 */
static void
protobufGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	const PbPlanState *ps = baserel->fdw_private;
	Cost		startup = baserel->baserestrictcost.startup;
	Cost		cpu_per_tuple = cpu_tuple_cost * 4 + baserel->baserestrictcost.per_tuple;
	Cost		total = startup + seq_page_cost * baserel->pages + cpu_per_tuple * baserel->tuples;

	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, total, NIL, NULL, NULL, NIL));
	if (baserel->consider_parallel && ps->parallel_ok && max_parallel_workers_per_gather > 0)
		add_parallel_path(root, baserel, startup, total);
}

/*
 * protobufGetForeignPlan
 *		Create a ForeignScan plan node for scanning the foreign table
 *
 * The plan's fdw_private is a List (copyObject must copy it): one item, the
 * integer List of the attribute numbers the scan must decode.
 */
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

/* ---------- parallel scans ---------- */

/*
 * protobufIsForeignScanParallelSafe
 *		Can the scan run in a parallel worker?
 *
 * Always: workers read the files themselves (a program, or one compressed
 * file, gets no parallel-aware path and is read by one process).
 */
static bool
protobufIsForeignScanParallelSafe(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte)
{
	return true;
}

/*
 * protobufEstimateDSMForeignScan
 *		Size of the dynamic shared memory a parallel scan needs
 */
static Size
protobufEstimateDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt)
{
	return pb_parallel_shared_size(pcxt->nworkers);
}

/*
 * protobufInitializeDSMForeignScan
 *		Initialize the parallel scan's shared state (the leader)
 */
static void
protobufInitializeDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt, void *coordinate)
{
	pb_scan_init_parallel(node->fdw_state, (PbParallelShared *) coordinate, pcxt->nworkers);
}

/*
 * protobufReInitializeDSMForeignScan
 *		Reset the shared state before a rescan of the parallel scan
 */
static void
protobufReInitializeDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt, void *coordinate)
{
	pb_parallel_reinit((PbParallelShared *) coordinate);
}

/*
 * protobufInitializeWorkerForeignScan
 *		Join the parallel scan from a worker
 */
static void
protobufInitializeWorkerForeignScan(ForeignScanState *node, shm_toc *toc, void *coordinate)
{
	pb_scan_attach_parallel(node->fdw_state, (PbParallelShared *) coordinate);
}

/*
 * protobufShutdownForeignScan
 *		Before the DSM goes: a worker leaves what it read there; the leader
 *		takes what is shared (the skipped messages, the workers' counters)
 */
static void
protobufShutdownForeignScan(ForeignScanState *node)
{
	if (node->fdw_state)
		pb_scan_shutdown(node->fdw_state);
}

/* ---------- scanning ---------- */

static Bitmapset *
attrs_from_list(List *attlist)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	foreach(lc, attlist)
		attrs = bms_add_member(attrs, lfirst_int(lc));
	return attrs;
}

/*
 * protobufBeginForeignScan
 *		Initiate access to the file(s) or the program
 *
 * Nothing is opened yet: the first IterateForeignScan opens the first
 * input, so that EXPLAIN without ANALYZE reads no data.
 */
static void
protobufBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;

	node->fdw_state = pb_scan_prepare(node->ss.ss_currentRelation,
									  attrs_from_list((List *) linitial(plan->fdw_private)));
}

/*
 * protobufIterateForeignScan
 *		Read next record from the data file and store it into the
 *		ScanTupleSlot as a virtual tuple
 */
static TupleTableSlot *
protobufIterateForeignScan(ForeignScanState *node)
{
	PbScanState *ss = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	if (pb_scan_next(ss, slot->tts_values, slot->tts_isnull, slot->tts_tupleDescriptor->natts))
		ExecStoreVirtualTuple(slot);
	return slot;
}

/*
 * protobufReScanForeignScan
 *		Rescan table, possibly with new parameters
 *
 * The inputs are read again from the start; a program is run again.
 */
static void
protobufReScanForeignScan(ForeignScanState *node)
{
	pb_scan_rewind(node->fdw_state);
}

/*
 * protobufEndForeignScan
 *		Finish scanning foreign table and dispose objects used for this scan
 */
static void
protobufEndForeignScan(ForeignScanState *node)
{
	PbScanState *ss = node->fdw_state;

	if (ss)
		pb_scan_end(ss, true);
}

/* EXPLAIN: what the scan reads, and how. */
static void
explain_inputs(PbScanState *ss, ExplainState *es)
{
	const PbTableOptions *opts = pb_scan_options(ss);
	List	   *files = pb_scan_files(ss);
	PbCompression seen;

	if (opts->program)
		ExplainPropertyText("Foreign Program", opts->program, es);
	else if (list_length(files) == 1 && strcmp(linitial(files), opts->filename) == 0)
		ExplainPropertyText("Foreign File", opts->filename, es);
	else
	{
		ExplainPropertyText("Foreign File Pattern", opts->filename, es);
		ExplainPropertyInteger("Foreign Files", NULL, list_length(files), es);
	}
	if (!opts->program)
		ExplainPropertyInteger("Foreign File Size", "b", (int64) pb_files_size(files), es);
	ExplainPropertyText("Message Type", pb_scan_message(ss)->full_name, es);
	ExplainPropertyText("Framing", pb_framing_name(opts->framing), es);
	if (opts->container && !pb_scan_walks(ss))
		ExplainPropertyText("Container Field", opts->container, es);
	else if (opts->container)
		ExplainPropertyText("Container Path", opts->container, es);
	/* auto on one file: say what it found there */
	seen = (PbCompression) opts->compression;
	if (seen == PB_COMPRESSION_AUTO && !opts->program && list_length(files) == 1)
		seen = pb_detect_compression(linitial(files));
	ExplainPropertyText("Compression", pb_compression_name(seen), es);
}

/*
 * EXPLAIN (ANALYZE, VERBOSE) of a parallel scan: what each worker read, as
 * PostgreSQL shows its own nodes' per-worker figures ("Worker 0:  ..." in
 * text; in the other formats an array, "Worker Reads", of one object per
 * worker, beside the node's own "Workers").  The totals above include them.
 */
static void
explain_workers(PbScanState *ss, ExplainState *es)
{
	int			n;
	const PbWorkerCounters *w = pb_scan_worker_counters(ss, &n);

	if (w == NULL)
		return;
	if (es->format != EXPLAIN_FORMAT_TEXT)
		ExplainOpenGroup("Worker Reads", "Worker Reads", false, es);
	for (int i = 0; i < n; i++)
	{
		if (!w[i].ran)
			continue;
		if (es->format == EXPLAIN_FORMAT_TEXT)
		{
			appendStringInfoSpaces(es->str, es->indent * 2);
			appendStringInfo(es->str, "Worker %d:  Messages Read: " UINT64_FORMAT "  Bytes Read: " UINT64_FORMAT " b",
							 i, w[i].messages_read, w[i].bytes_read);
			if (pb_scan_reads_ahead(ss))
				appendStringInfo(es->str, "  Bytes Read Ahead: " UINT64_FORMAT " b",
								 w[i].bytes_read_ahead);
			appendStringInfoChar(es->str, '\n');
			continue;
		}
		ExplainOpenGroup("Worker", NULL, true, es);
		ExplainPropertyInteger("Worker Number", NULL, i, es);
		ExplainPropertyUInteger("Messages Read", NULL, w[i].messages_read, es);
		ExplainPropertyUInteger("Bytes Read", "b", w[i].bytes_read, es);
		if (pb_scan_reads_ahead(ss))
			ExplainPropertyUInteger("Bytes Read Ahead", "b", w[i].bytes_read_ahead, es);
		ExplainCloseGroup("Worker", NULL, true, es);
	}
	if (es->format != EXPLAIN_FORMAT_TEXT)
		ExplainCloseGroup("Worker Reads", "Worker Reads", false, es);
}

/*
 * protobufExplainForeignScan
 *		Produce extra output for EXPLAIN:
 *		the inputs, the message type, framing and compression;
 *		the fields decoded (VERBOSE); the counters (ANALYZE)
 */
static void
protobufExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	PbScanState *ss = node->fdw_state;

	explain_inputs(ss, es);
	/* none (count(*)): no line, as EXPLAIN omits an empty Output list */
	if (es->verbose && pb_scan_fields(ss) != NIL)
		ExplainPropertyList("Fields Decoded", pb_scan_fields(ss), es);
	if (es->analyze)
	{
		PbScanCounters counters;

		pb_scan_counters(ss, &counters);
		ExplainPropertyUInteger("Messages Read", NULL, counters.messages_read, es);
		ExplainPropertyUInteger("Bytes Read", "b", counters.bytes_read, es);
		/* the ancestor columns' second reading of the files (README, container paths) */
		if (pb_scan_reads_ahead(ss))
			ExplainPropertyUInteger("Bytes Read Ahead", "b", counters.bytes_read_ahead, es);
		if (pb_scan_options(ss)->on_error_skip)
			ExplainPropertyUInteger("Messages Skipped", NULL, counters.skipped, es);
		if (es->verbose)
			explain_workers(ss, es);
	}
}

/* ---------- ANALYZE ---------- */

/*
 * protobufAcquireSampleRows
 *		Acquire a random sample of rows from the foreign table
 *
 * As file_fdw does: read the whole file, keeping a reservoir of targrows
 * rows (Vitter's algorithm), so pg_statistic reflects every part of the
 * file and reltuples is exact.
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
	ss = pb_scan_prepare(rel, bms_make_singleton(0 - FirstLowInvalidHeapAttributeNumber));
	MemoryContextSwitchTo(old);

	*totalrows = 0;
	*totaldeadrows = 0;
	reservoir_init_selection_state(&rstate, targrows);
	while (pb_scan_next(ss, values, nulls, tupdesc->natts))
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
	pb_scan_end(ss, true);
	MemoryContextDelete(scancxt);

	ereport(elevel,
			(errmsg("\"%s\": file contains %.0f messages; %d rows in sample",
					RelationGetRelationName(rel), *totalrows, numrows)));
	return numrows;
}

/*
 * protobufAnalyzeForeignTable
 *		Test whether analyzing this foreign table is supported
 */
static bool
protobufAnalyzeForeignTable(Relation rel, AcquireSampleRowsFunc *func, BlockNumber *totalpages)
{
	PbTableOptions opts;
	uint64		size;

	pb_get_table_options(RelationGetRelid(rel), &opts);
	/* as file_fdw: a program's output cannot be read twice, so no ANALYZE */
	if (opts.program)
		return false;
	size = pb_files_size(pb_expand_files(opts.filename));
	*totalpages = Max(1, (size + BLCKSZ - 1) / BLCKSZ);
	*func = protobufAcquireSampleRows;
	return true;
}

/*
 * protobuf_fdw_handler
 *		The foreign-data wrapper handler: the callbacks above
 */
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
	routine->EstimateDSMForeignScan = protobufEstimateDSMForeignScan;
	routine->InitializeDSMForeignScan = protobufInitializeDSMForeignScan;
	routine->ReInitializeDSMForeignScan = protobufReInitializeDSMForeignScan;
	routine->InitializeWorkerForeignScan = protobufInitializeWorkerForeignScan;
	routine->ShutdownForeignScan = protobufShutdownForeignScan;
	PG_RETURN_POINTER(routine);
}
