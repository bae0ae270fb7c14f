/*-------------------------------------------------------------------------
 *
 * parallel.c
 *		Sharing a foreign table's inputs out among parallel processes.
 *
 * With several files that are not all plain, each process takes the next
 * whole file.  When every file is plain (and the framing is not 'single'),
 * the files are split instead: a process reads the block of the current
 * file at the shared record boundary, then, under the lock, walks the
 * block's length prefixes (without decoding) to the last whole record,
 * moves the boundary past it, and decodes that range from the block it
 * read, so each byte is read once and the processes share the work evenly
 * whatever the files' sizes.  Anything the walk cannot step over (a
 * malformed length prefix, a group at the top of a container) ends the
 * splitting of that file: one process reads the rest of it and reports it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>

#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/fd.h"
#include "storage/lwlock.h"
#include "utils/memutils.h"

#include "inputs.h"
#include "parallel.h"

/*
 * Blocks read and walked at a time when splitting a file (grown for a record
 * that does not fit, and then kept at that size by the process).  Small
 * enough that the block is still in the core's cache when its records are
 * decoded: walking the 440 MB benchmark file and touching it once more took
 * 0.185 s in 4 MB blocks, 0.052 s in 256 kB ones
 * (bench/README-issues-4-5.md); and the walk under the lock is shorter.
 */
#define SPLIT_BLOCK (256 * 1024)

struct PbParallelShared
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
	int			nworkers;		/* slots in workers[] */
	PbWorkerCounters workers[FLEXIBLE_ARRAY_MEMBER];	/* each written by its worker only */
};

struct PbParallelScan
{
	PbParallelShared *shared;
	List	   *files;
	PbFramingKind framing;
	uint32		container_field;
	uint64		max_message_size;
	MemoryContext cxt;
	int			fd;				/* the split file being read, or -1 */
	int			fd_file;		/* its index in files */
	uint8	   *buf;			/* the block read for the next claim */
	size_t		cap;
	size_t		block;			/* bytes to read per claim */
};

/* A block of a split file, read without the lock at the boundary seen then. */
typedef struct SplitBlock
{
	int			file;			/* >= the number of files: nothing was read */
	uint64		offset;			/* file offset of buf[0] */
	size_t		asked;			/* bytes asked for */
	size_t		len;			/* bytes read: fewer than asked at the file's end */
} SplitBlock;

typedef enum ClaimOutcome
{
	CLAIM_TAKEN,				/* the claim is filled in */
	CLAIM_RETRY,				/* read again at the boundary as it is now */
	CLAIM_NONE					/* nothing left to claim */
} ClaimOutcome;

bool
pb_parallel_possible(const PbTableOptions *opts, List *files)
{
	if (opts->program || files == NIL)
		return false;
	if (list_length(files) > 1)
		return true;
	if (opts->framing == PB_FRAMING_SINGLE)
		return false;
	if (opts->compression == PB_COMPRESSION_GZIP || opts->compression == PB_COMPRESSION_ZSTD)
		return false;
	if (opts->compression == PB_COMPRESSION_NONE)
		return true;
	return pb_detect_compression(linitial(files)) == PB_COMPRESSION_NONE;
}

Size
pb_parallel_shared_size(int nworkers)
{
	return add_size(offsetof(PbParallelShared, workers),
					mul_size(Max(nworkers, 0), sizeof(PbWorkerCounters)));
}

/*
 * Split the files into ranges of whole records when every one is plain (a
 * compressed stream can only be read from its start)?
 */
static bool
can_split(const PbTableOptions *opts, List *files)
{
	ListCell   *lc;

	if (!pb_parallel_possible(opts, files) ||
		opts->framing == PB_FRAMING_SINGLE ||
		opts->compression == PB_COMPRESSION_GZIP ||
		opts->compression == PB_COMPRESSION_ZSTD)
		return false;
	if (opts->compression == PB_COMPRESSION_AUTO)
		foreach(lc, files)
			if (pb_detect_compression((char *) lfirst(lc)) != PB_COMPRESSION_NONE)
				return false;
	return true;
}

void
pb_parallel_init(PbParallelShared *shared, const PbTableOptions *opts, List *files,
				 bool whole_files, int nworkers)
{
	static int	tranche = 0;

	if (tranche == 0)
		tranche = LWLockNewTrancheId();
	LWLockInitialize(&shared->lock, tranche);
	pg_atomic_init_u32(&shared->next_file, 0);
	pg_atomic_init_u64(&shared->next_offset, 0);
	pg_atomic_init_u64(&shared->skipped, 0);
	shared->split = !whole_files && can_split(opts, files);
	shared->nworkers = Max(nworkers, 0);
	memset(shared->workers, 0, sizeof(PbWorkerCounters) * shared->nworkers);
	pb_parallel_reinit(shared);
}

void
pb_parallel_reinit(PbParallelShared *shared)
{
	pg_atomic_write_u32(&shared->next_file, 0);
	pg_atomic_write_u64(&shared->next_offset, 0);
	shared->next_ordinal = 1;
	shared->done = false;
	pg_atomic_write_u64(&shared->skipped, 0);
	shared->first_skip[0] = '\0';
}

PbParallelScan *
pb_parallel_attach(PbParallelShared *shared, const PbTableOptions *opts,
				   uint32 container_field, List *files, MemoryContext cxt)
{
	PbParallelScan *ps = MemoryContextAllocZero(cxt, sizeof(PbParallelScan));

	ps->shared = shared;
	ps->files = files;
	ps->framing = opts->framing;
	ps->container_field = container_field;
	ps->max_message_size = (uint64) opts->max_message_size;
	ps->cxt = cxt;
	ps->fd = -1;
	ps->block = SPLIT_BLOCK;
	return ps;
}

void
pb_parallel_detach(PbParallelScan *ps)
{
	if (ps->fd >= 0)
	{
		CloseTransientFile(ps->fd);
		ps->fd = -1;
	}
}

bool
pb_parallel_splits(const PbParallelScan *ps)
{
	return ps->shared->split;
}

int
pb_parallel_next_file(PbParallelScan *ps)
{
	return (int) pg_atomic_fetch_add_u32(&ps->shared->next_file, 1);
}

/* ---------- splitting files ---------- */

static size_t
pread_full(int fd, uint8 *buf, size_t len, uint64 offset, const char *path)
{
	size_t		done = 0;

	while (done < len)
	{
		ssize_t		n = pg_pread(fd, buf + done, len - done, (off_t) (offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", path)));
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

/* Make the split file 'file' the open one, and the buffer a block large. */
static const char *
open_split_file(PbParallelScan *ps, int file)
{
	const char *path = list_nth(ps->files, file);

	if (ps->fd >= 0 && ps->fd_file != file)
		pb_parallel_detach(ps);
	if (ps->fd < 0)
	{
		ps->fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
		if (ps->fd < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not open file \"%s\" for reading: %m", path)));
		ps->fd_file = file;
	}
	if (ps->cap < ps->block)
	{
		if (ps->buf)
			pfree(ps->buf);
		ps->buf = MemoryContextAllocHuge(ps->cxt, ps->block);
		ps->cap = ps->block;
	}
	return path;
}

/*
 * Without the lock: read a block at the shared boundary as it is now.  The
 * file and the offset are read one after the other, so they may not belong
 * together; the claim only trusts what it checks under the lock.
 */
static void
read_block(PbParallelScan *ps, SplitBlock *blk)
{
	PbParallelShared *sh = ps->shared;

	blk->file = (int) pg_atomic_read_u32(&sh->next_file);
	blk->offset = pg_atomic_read_u64(&sh->next_offset);
	blk->asked = ps->block;
	blk->len = 0;
	if (blk->file < list_length(ps->files))
	{
		const char *path = open_split_file(ps, blk->file);

		blk->len = pread_full(ps->fd, ps->buf, blk->asked, blk->offset, path);
	}
}

/*
 * Does the block hold the bytes from the boundary (file, offset) on, enough
 * of them to be worth walking?  Then *data and *len are those bytes, and
 * *at_eof says the file ends where they do.  A full block must still hold
 * half of itself after the boundary: else it is read again there.
 */
static bool
block_holds(const PbParallelScan *ps, const SplitBlock *blk, int file, uint64 offset,
			const uint8 **data, size_t *len, bool *at_eof)
{
	size_t		skip;

	if (blk->file != file || offset < blk->offset || offset - blk->offset > blk->len)
		return false;
	skip = (size_t) (offset - blk->offset);
	*at_eof = blk->len < blk->asked;
	if (!*at_eof && blk->len - skip < blk->asked / 2)
		return false;
	*data = ps->buf + skip;
	*len = blk->len - skip;
	return true;
}

/* Under the lock: move the shared boundary to the start of the next file. */
static void
next_file_locked(PbParallelShared *sh, int file)
{
	pg_atomic_write_u32(&sh->next_file, file + 1);
	pg_atomic_write_u64(&sh->next_offset, 0);
	sh->next_ordinal = 1;
}

/*
 * claim_locked
 *		Under the lock: claim the records of the block after the boundary
 *
 * Walks the bytes the block holds from the shared boundary on to the last
 * whole record, and moves the boundary past it.  At the end of a file, or
 * when the block no longer holds the boundary or must grow to hold a whole
 * record, nothing is claimed: the caller reads again, without the lock.
 * When the walk cannot go on (a malformed prefix, a group in a container,
 * a truncated last record) or reaches the file's end, the claim is the
 * rest of the file, from the block if the file ends in it, else to be read
 * from the file by the process's reader, which reports what it finds.
 */
static ClaimOutcome
claim_locked(PbParallelScan *ps, const SplitBlock *blk, PbClaim *claim)
{
	PbParallelShared *sh = ps->shared;
	int			file = (int) pg_atomic_read_u32(&sh->next_file);
	uint64		offset = pg_atomic_read_u64(&sh->next_offset);
	const uint8 *data;
	size_t		len,
				boundary;
	uint64		rows,
				need;
	bool		at_eof;
	PbWalkResult res;

	if (sh->done || file >= list_length(ps->files))
	{
		sh->done = true;
		return CLAIM_NONE;
	}
	if (!block_holds(ps, blk, file, offset, &data, &len, &at_eof))
		return CLAIM_RETRY;
	res = pb_framing_walk(ps->framing, ps->container_field, ps->max_message_size,
						  data, len, at_eof, &boundary, &rows, &need);
	if (res == PB_WALK_NEED_MORE && need <= ps->max_message_size + 64)
	{
		/* and read as much from now on: the records are that large */
		ps->block = Max((size_t) need, ps->block * 2);
		return CLAIM_RETRY;
	}
	if (res == PB_WALK_OK && boundary == 0)
	{
		/* the end of this file: on to the next */
		next_file_locked(sh, file);
		return CLAIM_RETRY;
	}
	claim->file = file;
	claim->start = offset;
	claim->ordinal = sh->next_ordinal;
	claim->data = data;
	if (res == PB_WALK_OK && !(at_eof && boundary == len))
	{
		claim->end = offset + boundary;
		claim->buffered = true;
		claim->len = boundary;
		pg_atomic_write_u64(&sh->next_offset, offset + boundary);
		sh->next_ordinal += rows;
	}
	else
	{
		/* the rest of the file: its last records, or what cannot be split */
		claim->end = PG_UINT64_MAX;
		/* a short read is the end of the file: the block holds all the rest */
		claim->buffered = at_eof;
		claim->len = len;
		next_file_locked(sh, file);
	}
	return CLAIM_TAKEN;
}

/*
 * pb_parallel_claim
 *		Claim the next range of whole records of the split files
 *
 * A process reads the block at the shared boundary without the lock, then
 * takes the lock only to check that the block still holds the boundary and
 * to walk it (claim_locked): no I/O is done while the lock is held.
 *
 * Why every record is read by exactly one process: the boundary (file,
 * offset, message number) changes only under the lock, and each change
 * moves it from a record boundary to the end of whole records walked in
 * the file's own bytes from that boundary (or to the next file), in the
 * same critical section that hands the walked range to the claimer.  So
 * the ranges are disjoint and follow each other: they tile every file.  The
 * block read ahead is only a guess: it holds the file's bytes at the
 * offsets it was read from (a file does not change during a scan), however
 * stale the boundary it was read at, and claim_locked uses it only if the
 * current boundary lies in it, with a short read standing for the file's
 * end.  If not, nothing changes and the process reads again.
 *
 * Why the retries end: a process reads again only when another process
 * moved the boundary since its read (the scan went on), when its block must
 * grow to hold a record (up to max_message_size), or when a file ended.
 */
bool
pb_parallel_claim(PbParallelScan *ps, PbClaim *claim)
{
	for (;;)
	{
		SplitBlock	blk;
		ClaimOutcome outcome;

		CHECK_FOR_INTERRUPTS();
		read_block(ps, &blk);
		LWLockAcquire(&ps->shared->lock, LW_EXCLUSIVE);
		outcome = claim_locked(ps, &blk, claim);
		LWLockRelease(&ps->shared->lock);
		if (outcome != CLAIM_RETRY)
			return outcome == CLAIM_TAKEN;
	}
}

/* ---------- what each worker read ---------- */

void
pb_parallel_report_worker(PbParallelScan *ps, int worker, const PbWorkerCounters *read)
{
	PbWorkerCounters *slot;

	if (worker < 0 || worker >= ps->shared->nworkers)
		return;
	slot = &ps->shared->workers[worker];
	slot->ran = true;
	slot->messages_read += read->messages_read;
	slot->bytes_read += read->bytes_read;
	slot->bytes_read_ahead += read->bytes_read_ahead;
}

const PbWorkerCounters *
pb_parallel_worker_counters(const PbParallelScan *ps, int *nworkers)
{
	*nworkers = ps->shared->nworkers;
	return ps->shared->workers;
}

/* ---------- skipped messages ---------- */

uint64
pb_parallel_note_skip(PbParallelScan *ps, const char *where)
{
	PbParallelShared *sh = ps->shared;
	uint64		total = pg_atomic_add_fetch_u64(&sh->skipped, 1);

	LWLockAcquire(&sh->lock, LW_EXCLUSIVE);
	if (sh->first_skip[0] == '\0')
		strlcpy(sh->first_skip, where, sizeof(sh->first_skip));
	LWLockRelease(&sh->lock);
	return total;
}

uint64
pb_parallel_skipped(const PbParallelScan *ps)
{
	return pg_atomic_read_u64(&ps->shared->skipped);
}

const char *
pb_parallel_first_skip(const PbParallelScan *ps)
{
	return ps->shared->first_skip;
}
