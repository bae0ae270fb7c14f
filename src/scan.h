/*-------------------------------------------------------------------------
 *
 * scan.h
 *		Reading a foreign table's messages, one row at a time.
 *
 * The inputs (files, globs, directories or a program, see inputs.h) are
 * decompressed, framed and decoded; bad messages are stopped at or
 * skipped.  A parallel scan shares the inputs out through parallel.h.  The
 * scan's state is private to scan.c: the FDW reads what it needs to plan
 * and explain through the functions below.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_SCAN_H
#define PROTOBUF_FDW_SCAN_H

#include "nodes/bitmapset.h"
#include "utils/relcache.h"

#include "binding.h"
#include "options.h"
#include "parallel.h"

typedef struct PbScanState PbScanState;

/* What a scan has counted so far (EXPLAIN ANALYZE). */
typedef struct PbScanCounters
{
	uint64		messages_read;	/* framed (then decoded, or skipped as bad) */
	uint64		bytes_read;		/* of the decompressed streams */
	uint64		bytes_read_ahead;	/* again, by the ancestor columns' cursors */
	uint64		skipped;		/* on_error 'skip' */
} PbScanCounters;

/*
 * Everything a scan needs short of opening an input: options, schema, row
 * type, the decode plan for 'attrs', the list of files.  Allocates in the
 * current memory context.
 */
extern PbScanState *pb_scan_prepare(Relation rel, Bitmapset *attrs);

/* Read the next row into values/nulls; false at the end of the last input. */
extern bool pb_scan_next(PbScanState *ss, Datum *values, bool *nulls, int natts);

/* Start over from the first input. */
extern void pb_scan_rewind(PbScanState *ss);

/* Close the open input; report (NOTICE) the messages skipped, if any. */
extern void pb_scan_end(PbScanState *ss, bool report);

/* Parallel scans: the leader initializes the shared state and joins; a worker joins. */
extern void pb_scan_init_parallel(PbScanState *ss, PbParallelShared *shared, int nworkers);
extern void pb_scan_attach_parallel(PbScanState *ss, PbParallelShared *shared);

/*
 * Parallel scans, before the shared memory goes: a worker leaves what it
 * read in its slot; the leader takes the shared skip count and the
 * workers' slots.
 */
extern void pb_scan_shutdown(PbScanState *ss);

/* What the scan reads: the table's options, its files (NIL for a program), row type, decode plan. */
extern const PbTableOptions *pb_scan_options(const PbScanState *ss);
extern List *pb_scan_files(const PbScanState *ss);
extern const PbMessageInfo *pb_scan_message(const PbScanState *ss);

/* The fields the scan decodes, for EXPLAIN: the row's, then its ancestors' ("groups/name"). */
extern List *pb_scan_fields(const PbScanState *ss);

/* Are the rows walked along a container path (rather than framed)? */
extern bool pb_scan_walks(const PbScanState *ss);

/* Do ancestor columns read the files a second time (cursors; not a program)? */
extern bool pb_scan_reads_ahead(const PbScanState *ss);

/*
 * The counters so far, the open input's bytes included; in a parallel scan's
 * leader after its shutdown, those of every process (the workers' too).
 */
extern void pb_scan_counters(const PbScanState *ss, PbScanCounters *counters);

/* The leader of a parallel scan, after its shutdown: each worker's counters (else NULL). */
extern const PbWorkerCounters *pb_scan_worker_counters(const PbScanState *ss, int *nworkers);

/*
 * The row message of a table's options (resolving a container path);
 * *container_field is the rows' field when the container framing frames
 * them directly (a one-step path), else 0.
 */
extern const PbMessageInfo *pb_resolve_row_message(const PbTableOptions *opts,
												   const PbSchema *schema,
												   uint32 *container_field);
struct PbContainerPath;
extern const PbMessageInfo *pb_resolve_container(const PbTableOptions *opts,
												 const PbSchema *schema,
												 uint32 *container_field,
												 struct PbContainerPath **path);

/*
 * Does a scan of the table walk its container path (stream/pathwalk.h)
 * rather than frame its rows?  Such a scan is split among parallel workers
 * by whole files only.
 */
extern bool pb_table_walks(Oid relid, const PbTableOptions *opts, uint32 container_field);

#endif							/* PROTOBUF_FDW_SCAN_H */
