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
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "storage/fd.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

#include "import.h"
#include "scan.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(protobuf_fdw_handler);

/* ---------- planning ---------- */

static void
protobufGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	PbTableOptions opts;
	List	   *files = NIL;
	uint64		size = 0;
	double		pages;
	double		ntuples;

	pb_get_table_options(foreigntableid, &opts);
	if (opts.filename)
	{
		files = pb_expand_files(opts.filename);
		size = pb_files_size(files);
	}
	/* remembered for GetForeignPaths: may workers share the inputs out? */
	baserel->fdw_private = (void *) (intptr_t) pb_parallel_possible(&opts, files);

	/* as file_fdw: a program or an unreadable file costs as ten pages */
	pages = size > 0 ? ceil((double) size / BLCKSZ) : 10;
	baserel->pages = (BlockNumber) Max(pages, 1);

	if (baserel->tuples > 0 && baserel->pages > 0)
	{
		/* ANALYZE measured a density: scale it to the files' current size */
		ntuples = baserel->tuples / baserel->pages * pages;
	}
	else
	{
		uint32		container_field = 0;
		const PbSchema *schema = pb_schema_load(opts.descriptor_set);

		(void) pb_resolve_row_message(&opts, schema, &container_field);
		ntuples = pb_estimate_messages(&opts, container_field, files, size);
		if (ntuples < 0)
			ntuples = opts.program ? 1000 : (pages * BLCKSZ) / (MAXALIGN(baserel->reltarget->width) + 16);
	}
	baserel->tuples = clamp_row_est(ntuples);
	baserel->rows = clamp_row_est(baserel->tuples *
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

	/*
	 * A parallel-aware path: workers take whole files, or ranges of whole
	 * records of one plain file.  Costed as the planner costs a parallel
	 * sequential scan: the run cost divided among the processes.
	 */
	if (baserel->consider_parallel && (bool) (intptr_t) baserel->fdw_private &&
		max_parallel_workers_per_gather > 0)
	{
		int			workers = compute_parallel_worker(baserel, baserel->pages, -1,
													  max_parallel_workers_per_gather);

		if (workers > 0)
		{
			double		divisor = workers;
			ForeignPath *path;

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
	}
}

/* ---------- parallel scans ---------- */

static Size
protobufEstimateDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt)
{
	return sizeof(PbParallelShared);
}

static void
protobufInitializeDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt, void *coordinate)
{
	PbScanState *ss = node->fdw_state;

	pb_parallel_init(ss, (PbParallelShared *) coordinate);
	ss->pshared = (PbParallelShared *) coordinate;
}

static void
protobufReInitializeDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt, void *coordinate)
{
	pb_parallel_reinit((PbParallelShared *) coordinate);
}

static void
protobufShutdownForeignScan(ForeignScanState *node)
{
	if (node->fdw_state)
		pb_scan_shutdown(node->fdw_state);
}

static void
protobufInitializeWorkerForeignScan(ForeignScanState *node, shm_toc *toc, void *coordinate)
{
	PbScanState *ss = node->fdw_state;

	ss->pshared = (PbParallelShared *) coordinate;
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

static Bitmapset *
attrs_from_list(List *attlist)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	foreach(lc, attlist)
		attrs = bms_add_member(attrs, lfirst_int(lc));
	return attrs;
}

static void
protobufBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	PbScanState *ss;

	ss = pb_scan_prepare(node->ss.ss_currentRelation,
						 attrs_from_list((List *) linitial(plan->fdw_private)));
	node->fdw_state = ss;
}

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

static void
protobufReScanForeignScan(ForeignScanState *node)
{
	pb_scan_rewind(node->fdw_state);
}

static void
protobufEndForeignScan(ForeignScanState *node)
{
	PbScanState *ss = node->fdw_state;

	if (ss)
		pb_scan_end(ss, true);
}

static void
protobufExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	PbScanState *ss = node->fdw_state;
	PbCompression seen;

	if (ss->opts.program)
		ExplainPropertyText("Foreign Program", ss->opts.program, es);
	else if (list_length(ss->files) == 1 && strcmp(linitial(ss->files), ss->opts.filename) == 0)
		ExplainPropertyText("Foreign File", ss->opts.filename, es);
	else
	{
		ExplainPropertyText("Foreign File Pattern", ss->opts.filename, es);
		ExplainPropertyInteger("Foreign Files", NULL, list_length(ss->files), es);
	}
	if (!ss->opts.program)
		ExplainPropertyInteger("Foreign File Size", "b", (int64) pb_files_size(ss->files), es);
	ExplainPropertyText("Message Type", ss->message->full_name, es);
	ExplainPropertyText("Framing", pb_framing_name(ss->opts.framing), es);
	if (ss->opts.framing == PB_FRAMING_CONTAINER)
		ExplainPropertyText("Container Field", ss->opts.container, es);
	/* auto on one file: say what it found there */
	seen = (PbCompression) ss->opts.compression;
	if (seen == PB_COMPRESSION_AUTO && !ss->opts.program && list_length(ss->files) == 1)
		seen = pb_detect_compression(linitial(ss->files));
	ExplainPropertyText("Compression", pb_compression_name(seen), es);
	if (es->verbose)
		ExplainPropertyList("Fields Decoded", pb_plan_fields(ss->plan), es);
	if (es->analyze)
	{
		ExplainPropertyUInteger("Messages Read", NULL, ss->messages_read, es);
		ExplainPropertyUInteger("Bytes Read", "b",
								ss->bytes_read + (ss->open ? pb_source_offset(&ss->source) -
												  (ss->in_range ? ss->range_start : 0) : 0), es);
		if (ss->opts.on_error_skip)
			ExplainPropertyUInteger("Messages Skipped", NULL, ss->skipped, es);
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
	routine->EstimateDSMForeignScan = protobufEstimateDSMForeignScan;
	routine->InitializeDSMForeignScan = protobufInitializeDSMForeignScan;
	routine->ReInitializeDSMForeignScan = protobufReInitializeDSMForeignScan;
	routine->InitializeWorkerForeignScan = protobufInitializeWorkerForeignScan;
	routine->ShutdownForeignScan = protobufShutdownForeignScan;
	PG_RETURN_POINTER(routine);
}
