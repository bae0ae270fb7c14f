/*-------------------------------------------------------------------------
 *
 * parallel.h
 *		Sharing a foreign table's inputs out among parallel processes.
 *
 * The processes of a parallel scan (the workers and the leader) either
 * take whole files, or, when every file is plain, claim ranges of whole
 * records of one file after another; a range's records are then decoded
 * by the process that claimed it, as a serial scan would.  The state they
 * share lives in dynamic shared memory (PbParallelShared); each process
 * keeps its own side of the protocol in a PbParallelScan.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_PARALLEL_H
#define PROTOBUF_FDW_PARALLEL_H

#include "nodes/pg_list.h"
#include "utils/palloc.h"

#include "options.h"

/* What the processes share, in dynamic shared memory. */
typedef struct PbParallelShared PbParallelShared;

/* One process's side of the protocol. */
typedef struct PbParallelScan PbParallelScan;

/*
 * A range of whole records of a split file, claimed by this process.  Its
 * offsets and message numbers are those of the whole file.
 */
typedef struct PbClaim
{
	int			file;			/* index in the scan's files */
	uint64		start;			/* offset of its first record */
	uint64		end;			/* where the next range starts; PG_UINT64_MAX:
								 * the rest of the file */
	uint64		ordinal;		/* message number of its first record, from 1 */
	bool		buffered;		/* its bytes are data[0, len), read by the claim */
	const uint8 *data;			/* valid until the next claim */
	size_t		len;
} PbClaim;

/* Can the inputs be shared out?  (Not a program, nor one compressed file.) */
extern bool pb_parallel_possible(const PbTableOptions *opts, List *files);

/* Size of the shared state, with a slot of counters for each of 'nworkers' workers. */
extern Size pb_parallel_shared_size(int nworkers);

/* The leader, once: initialize the shared state for a scan of 'files'. */
/* whole_files: never split a file into ranges (a scan that walks a container path) */
extern void pb_parallel_init(PbParallelShared *shared, const PbTableOptions *opts, List *files,
							 bool whole_files, int nworkers);

/* Before a rescan: start sharing out from the first file again. */
extern void pb_parallel_reinit(PbParallelShared *shared);

/*
 * Each process: join the scan.  'files' and the options must be those the
 * shared state was initialized for; the process's memory comes from 'cxt'.
 */
extern PbParallelScan *pb_parallel_attach(PbParallelShared *shared, const PbTableOptions *opts,
										  uint32 container_field, List *files, MemoryContext cxt);

/* Release what the process holds for the protocol (the split file). */
extern void pb_parallel_detach(PbParallelScan *ps);

/* Are the files split into ranges of records (else: taken whole)? */
extern bool pb_parallel_splits(const PbParallelScan *ps);

/* Whole files: the index of the next file to read (>= the number of files: none). */
extern int	pb_parallel_next_file(PbParallelScan *ps);

/* Split files: claim the next range of records; false when none is left. */
extern bool pb_parallel_claim(PbParallelScan *ps, PbClaim *claim);

/*
 * on_error 'skip': count a skipped message for the whole scan, remembering
 * 'where' if it was the first; returns the scan's count.
 */
extern uint64 pb_parallel_note_skip(PbParallelScan *ps, const char *where);

/*
 * EXPLAIN ANALYZE: what one worker read.  Each worker adds its counters to
 * its own slot when its scan shuts down (before the leader sees its end);
 * the slots add up over the rescans of a scan, as the node's loops do.
 */
typedef struct PbWorkerCounters
{
	bool		ran;			/* the worker reported */
	uint64		messages_read;
	uint64		bytes_read;
	uint64		bytes_read_ahead;
} PbWorkerCounters;

/* A worker: add what it read to slot 'worker' (ParallelWorkerNumber). */
extern void pb_parallel_report_worker(PbParallelScan *ps, int worker,
									  const PbWorkerCounters *read);

/* The leader: the workers' slots (*nworkers of them), in shared memory. */
extern const PbWorkerCounters *pb_parallel_worker_counters(const PbParallelScan *ps,
														   int *nworkers);

/* The scan's count of skipped messages, and where the first was ("" if none). */
extern uint64 pb_parallel_skipped(const PbParallelScan *ps);
extern const char *pb_parallel_first_skip(const PbParallelScan *ps);

#endif							/* PROTOBUF_FDW_PARALLEL_H */
