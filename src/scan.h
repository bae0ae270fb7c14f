/*
 * scan.h - reading a foreign table's messages: files, globs, directories or
 * a program, decompressed, framed, decoded; bad messages stopped or skipped.
 */
#ifndef PROTOBUF_FDW_SCAN_H
#define PROTOBUF_FDW_SCAN_H

#include "nodes/bitmapset.h"
#include "port/atomics.h"
#include "storage/lwlock.h"
#include "utils/relcache.h"

#include "binding.h"
#include "decode.h"
#include "options.h"
#include "stream/framing.h"
#include "stream/input.h"

typedef struct PbMetaColumn
{
	int			attidx;
	PbMetaKind	kind;
} PbMetaColumn;

/*
 * Parallel scans share this in dynamic shared memory: workers either take
 * whole files, or (plain files) read the next block, then take turns
 * walking its length prefixes under the lock and claiming the whole records
 * in it, which they then decode from the block they read.
 */
typedef struct PbParallelShared
{
	LWLock		lock;
	bool		split;			/* plain files, split into ranges of records */
	pg_atomic_uint32 next_file; /* the next file to take; split mode: the file
								 * being split (changed under the lock) */
	pg_atomic_uint64 next_offset;	/* split mode: the next record boundary
									 * (changed under the lock; read ahead
									 * without it) */
	uint64		next_ordinal;	/* split mode: its message number in the file */
	bool		done;			/* split mode: nothing left to claim */
	pg_atomic_uint64 skipped;	/* on_error 'skip': messages skipped by all */
	char		first_skip[512];	/* where and why the first one was (under lock) */
} PbParallelShared;

typedef struct PbScanState
{
	Relation	rel;
	PbTableOptions opts;
	const PbSchema *schema;
	const PbMessageInfo *message;
	uint32		container_field;
	PbMsgPlan  *plan;
	PbDecodeState *decode;
	int			nmeta;
	PbMetaColumn *meta;

	/* the inputs: files in name order, or one program */
	List	   *files;			/* of char *; NIL for a program */
	int			next_file;		/* index of the next file to open */
	const char *current_name;	/* file name, or the command */
	bool		open;			/* an input is open */
	bool		program_done;
	int			fd;
	FILE	   *pipe;
	PbInput		input;
	PbSource	source;
	PbFraming	framing;
	MemoryContext scancxt;
	MemoryContext rowcxt;
	uint64		current_message;	/* 1-based within the file, for error context */
	uint64		current_offset;

	/* parallel scans */
	PbParallelShared *pshared;
	int			split_fd;		/* split mode: the file, for walking blocks */
	int			split_fd_file;	/* its index in files */
	int			range_file;		/* split mode: the claimed range's file */
	uint8	   *split_buf;
	size_t		split_cap;
	size_t		split_block;	/* bytes to read per claim */
	uint64		range_start;	/* split mode: the claimed byte range */
	uint64		range_end;
	uint64		range_pos;
	uint64		range_ordinal;	/* number of the range's first message */
	bool		range_buffered; /* the range is range_data[0, range_len) */
	const uint8 *range_data;	/* in split_buf */
	size_t		range_len;
	bool		in_range;

	/* counters, for EXPLAIN ANALYZE and the NOTICE about skipped messages */
	uint64		messages_read;
	uint64		bytes_read;
	uint64		skipped;
	char	   *first_skip;		/* where and why the first skip happened */
} PbScanState;

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

/* Parallel scans, before the shared memory goes: take the shared skip count. */
extern void pb_scan_shutdown(PbScanState *ss);

/* Parallel scans: can the inputs be shared out?  (Not a program, nor one compressed file.) */
extern bool pb_parallel_possible(const PbTableOptions *opts, List *files);
extern void pb_parallel_init(PbScanState *ss, PbParallelShared *shared);
extern void pb_parallel_reinit(PbParallelShared *shared);

/* What compression 'auto' finds in a file (AUTO if it cannot be read). */
extern PbCompression pb_detect_compression(const char *path);

/* The files a filename option names: itself, a glob's matches, a directory's files. */
extern List *pb_expand_files(const char *pattern);

/* Sum of the sizes of the files (0 for those that cannot be stat'ed). */
extern uint64 pb_files_size(List *files);

/* The row message of a table's options (resolving a container field). */
extern const PbMessageInfo *pb_resolve_row_message(const PbTableOptions *opts,
												   const PbSchema *schema,
												   uint32 *container_field);

/*
 * Estimate the number of messages in the files by framing the start of the
 * first one; returns -1 if nothing could be sampled.  Never raises an error
 * about the data: planning must not fail on a bad file.
 */
extern double pb_estimate_messages(const PbTableOptions *opts, uint32 container_field,
									List *files, uint64 total_size);

#endif
