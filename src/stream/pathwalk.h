/*-------------------------------------------------------------------------
 *
 * pathwalk.h
 *		Stream the elements of a nested repeated path of one protobuf message.
 *
 * Pure C.  A path walker reads one "root" message from a PbSource and yields
 * as rows the elements of the last step of a path of message fields
 * (issue 12: container 'pkg.Root.a.b.c'), never buffering an ancestor
 * whole: only the row element is made contiguous, as the framings do for a
 * stream message.  Fields not on the path are skipped by wire type,
 * streamed through the source (groups included).
 *
 * The path.  steps[0 .. n-1], each a message field by number; 'group' says
 * the field is a group (SGROUP/EGROUP) rather than LEN.  The last step is
 * repeated.  Every element reached through every repeated step is one row,
 * in wire order (nested UNNEST order).  A singular step may occur on the
 * wire several times: protobuf merges the occurrences, so the children of
 * every occurrence count, in wire order.  A path field arriving with another
 * wire type than its step's is an unknown field, as upb and C++ treat a known
 * field with the wrong wire type (the protobuf encoding specification): it is
 * skipped, and collected as any non-path field would be.
 *
 * Depths and levels.  Message depth d is the root for d = 0 and an element
 * of steps[d-1] otherwise.  Level 0 is the root; each repeated step opens a
 * level (its elements); the last level's elements are the rows.  For each
 * level the walker exposes the 1-based index of the current element within
 * its parent's repeated field (the parent being the element of the level
 * above: across singular steps in between, merged occurrences included, the
 * index continues), the input offset of the element's tag (the root's first
 * byte for level 0; the root's index counts the roots begun), and a
 * generation that changes each time a new element of the level is entered,
 * so that the caller knows when to decode an ancestor's columns again.
 *
 * Collected fields.  A caller usually needs, before the first row under an
 * element, that element's fields other than the path's children; protobuf
 * lets them come before, between or after the children.  For each level but
 * the last the caller may ask the walker to collect them into a buffer that
 * decodes as "the element with its repeated path children removed": every
 * non-path field is copied as it was on the wire (tag and value), and a
 * singular path step below the level (before the next repeated step) is
 * re-emitted as that field (tag, new length or end-group tag) holding its
 * own non-path fields, one record per occurrence (a decoder merges them), so
 * that e.g. trip_update.trip.trip_id stays reachable from an 'entity'
 * element.  pb_pathwalk_need() restricts what is copied, per depth, to the
 * fields a caller's columns read.  The buffer may not exceed
 * max_message_size (PB_PATH_ERR_COLLECT_TOO_LARGE); it stays valid until the
 * walker enters the next element of that level.  Two ways to fill it:
 *
 *   - cursor mode: the caller gives a second PbSource over the same input,
 *     starting where the main source started (offsets agree).  Entering an
 *     element at offset O, the walker moves that cursor forward to O and
 *     pre-scans the element's whole range: non-path fields copied, path
 *     children skipped by their length prefixes (groups walked), singular
 *     steps descended into.  Every cursor only moves forward, so a
 *     compressed input is decompressed once per cursor.  One cursor per
 *     level: a cursor cannot serve two levels.  Field order does not matter.
 *
 *   - streaming mode (no cursor: a program's output cannot be read twice):
 *     fields are copied from the main source as the walk passes them, so
 *     only those before the element's first child (its first element of the
 *     next level) are known when rows start.  A needed field met after that
 *     point is PB_PATH_ERR_LATE_FIELD (naming the field and level) when the
 *     walk reaches it; other late fields are skipped.  The rows returned
 *     before that point have gone out without the field: the caller must
 *     treat the error as failing the whole scan (an ERROR does), not skip it.  A needed singular
 *     path step whose first occurrence comes late is also an error (its
 *     presence would be wrong).  Without pb_pathwalk_need() every field of a
 *     depth is needed, so any late field of it is an error.
 *
 * Roots.  pb_pathwalk_begin_root() starts a root at the main source's
 * current offset: either up to the end of the input (framing 'single' or
 * 'container'), or exactly 'len' bytes (the caller's framing read a length
 * prefix: delimited, fixed32, tfrecord); the walk then consumes exactly
 * those bytes.  Cursors are moved to the root's offset themselves.
 *
 * Rows.  pb_pathwalk_next() returns each row element as (pointer, length),
 * valid until the next call; a group element is its body up to, not
 * including, its end-group tag.  A row element over max_message_size is
 * PB_PATH_ERR_TOO_LARGE ("message of N bytes exceeds max_message_size
 * (M bytes)", as the framings say); pb_pathwalk_skip_oversized() steps over
 * it and the walk goes on.  Every other error ends the root's walk
 * (pb_pathwalk_skip_root() can step over the rest of a root given by length).
 *
 * Bounds.  Every length read from the input is checked against its enclosing
 * message's remaining bytes; groups nest at most PB_MAX_DEPTH deep; the
 * stack of open messages is bounded by the path's length (no recursion on
 * the data).  Memory: the main source's buffer (one row element plus a
 * read), each cursor's buffer, and the collected buffers.  All allocation
 * goes through the PbAllocator hooks.  The walker does no I/O of its own:
 * interrupts are checked in the sources' read callbacks, and in the
 * optional progress callback, called every PB_PATH_PROGRESS_INTERVAL tags
 * read, so that a walk over bytes already buffered stays cancellable.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PB_PATHWALK_H
#define PB_PATHWALK_H

#include "stream/source.h"

/* The longest path: far more than real schemas nest repeated data. */
#define PB_PATH_MAX_STEPS 32

/* pb_pathwalk_begin_root's length for a root that ends with the input. */
#define PB_PATH_ROOT_TO_END UINT64_MAX

/* Tags read between two calls of the progress callback. */
#define PB_PATH_PROGRESS_INTERVAL 4096

typedef struct PbPathStep
{
	uint32_t	field;			/* field number of a message field */
	int			repeated;		/* each element is a row or opens a level */
	int			group;			/* wire type SGROUP/EGROUP instead of LEN */
} PbPathStep;

typedef enum PbPathResult
{
	PB_PATH_ROW,				/* *row, *len hold the next row element */
	PB_PATH_END_OF_ROOT,		/* the root ended cleanly */
	PB_PATH_ERROR				/* see err, errmsg */
} PbPathResult;

typedef enum PbPathError
{
	PB_PATH_ERR_NONE,
	PB_PATH_ERR_TRUNCATED,		/* the input ends inside the root */
	PB_PATH_ERR_MALFORMED,		/* bad tag, varint, length, group, depth */
	PB_PATH_ERR_TOO_LARGE,		/* a row over max_message_size: see
								 * pb_pathwalk_skip_oversized */
	PB_PATH_ERR_COLLECT_TOO_LARGE,	/* collected fields over max_message_size */
	PB_PATH_ERR_LATE_FIELD,		/* streaming mode: a needed field after the
								 * element's first child */
	PB_PATH_ERR_CURSOR,			/* a cursor is already past an element */
	PB_PATH_ERR_IO,				/* read error (errno in the source's
								 * read_errno) or a buffer that cannot grow */
	PB_PATH_ERR_INTERRUPTED		/* the progress callback said stop */
} PbPathError;

/* Return non-zero to stop the walk (PB_PATH_ERR_INTERRUPTED). */
typedef int (*PbPathProgressFn) (void *arg);

/* One level: read through the pb_pathwalk_index/offset/generation accessors. */
typedef struct PbPathLevel
{
	uint64_t	index;			/* 1-based, within the parent element */
	uint64_t	offset;			/* input offset of the element's tag */
	uint64_t	generation;		/* changes with each element entered */
	PbSource   *cursor;			/* cursor mode: the caller's second source */
	int			collect;		/* collect the non-path fields */
	int			sealed;			/* streaming: the first child was entered */
	uint8_t    *buf;			/* the collected fields */
	size_t		len;
	size_t		cap;
} PbPathLevel;

/* One open message on the path (private). */
typedef struct PbPathFrame
{
	uint64_t	end;			/* LEN: input offset of its end; group: a
								 * bound (its parent's end) */
	uint32_t	field;			/* the field that opened it (0: the root) */
	int			group;			/* ends at an end-group tag of 'field' */
	int			depth;			/* message depth: its children are
								 * steps[depth] */
	size_t		mark;			/* streaming collection: where its contents
								 * start in its level's buffer */
} PbPathFrame;

typedef struct PbPathWalk
{
	PbSource   *src;
	PbAllocator alloc;
	PbPathStep	steps[PB_PATH_MAX_STEPS];
	int			nsteps;
	int			nlevels;		/* the root's, one per repeated step */
	int			level_of[PB_PATH_MAX_STEPS + 1];	/* depth -> level */
	const uint32_t *need[PB_PATH_MAX_STEPS];	/* per depth; NULL: all */
	int			nneed[PB_PATH_MAX_STEPS];
	uint8_t		emitted[PB_PATH_MAX_STEPS + 1];	/* streaming: singular
												 * step seen early */
	uint64_t	max_message_size;
	uint8_t		row_tag;		/* the last step's one-byte LEN tag, or 0 */
	PbPathLevel level[PB_PATH_MAX_STEPS + 1];
	PbPathFrame frame[PB_PATH_MAX_STEPS + 1];
	int			nframes;
	int			state;			/* no root, root pending, open, ended */
	uint64_t	root_len;
	uint64_t	root_end;		/* UINT64_MAX: the end of the input */
	uint64_t	rows;			/* row elements met (good or oversized) */
	uint64_t	entered;		/* elements entered at levels above the rows */
	uint64_t	oversized;		/* LEN bytes to skip past an oversized row */
	uint32_t	oversized_group;	/* or the field of an oversized group */
	PbPathProgressFn progress;
	void	   *progress_arg;
	unsigned	ticks;
	PbPathError err;
	char		errmsg[256];
	/* COLLECT_TOO_LARGE, LATE_FIELD, and an error a level's cursor met
	 * reading an element ahead: the level (else -1), and for LATE_FIELD the
	 * field and the depth of the message holding it, for a caller that
	 * names them */
	int			err_level;
	int			err_depth;
	uint32_t	err_field;
} PbPathWalk;

/*
 * Set up a walker over src.  Returns 0, or -1 with errmsg set if the path is
 * not one (no steps, too many, a field number out of range, a last step that
 * is not repeated).
 */
extern int	pb_pathwalk_init(PbPathWalk *w, PbSource *src, const PbPathStep *steps,
							 int nsteps, uint64_t max_message_size,
							 const PbAllocator *alloc);
extern void pb_pathwalk_free(PbPathWalk *w);

/* Levels: the root's (0), then one per repeated step; the last holds rows. */
static inline int
pb_pathwalk_nlevels(const PbPathWalk *w)
{
	return w->nlevels;
}

/*
 * Collect the non-path fields of each element of 'level' (0 .. nlevels - 2):
 * through 'cursor' (cursor mode) or, with cursor NULL, from the main source
 * (streaming mode).  Returns 0, or -1 for a level that cannot collect.
 */
extern int	pb_pathwalk_collect(PbPathWalk *w, int level, PbSource *cursor);

/*
 * Restrict the fields collected at message depth 'depth' (0 .. nsteps - 1)
 * to fields[0 .. n-1], sorted ascending; the array is the caller's and must
 * outlive the walker.  Path steps are never collected as plain fields.
 */
extern void pb_pathwalk_need(PbPathWalk *w, int depth, const uint32_t *fields, int n);

extern void pb_pathwalk_set_progress(PbPathWalk *w, PbPathProgressFn fn, void *arg);

/*
 * Start a root at the main source's current offset, of 'len' bytes or
 * PB_PATH_ROOT_TO_END.  Nothing is read until pb_pathwalk_next.
 */
extern void pb_pathwalk_begin_root(PbPathWalk *w, uint64_t len);

extern PbPathResult pb_pathwalk_next(PbPathWalk *w, const uint8_t **row, size_t *len);

/*
 * After PB_PATH_ERR_TOO_LARGE: step over the oversized row element so that
 * the next call goes on after it.  Returns 0, or -1 (err, errmsg set).
 */
extern int	pb_pathwalk_skip_oversized(PbPathWalk *w);

/*
 * Abandon the current root: consume the main source up to its end (the end
 * of the input for PB_PATH_ROOT_TO_END), even after an error inside it.
 * Returns 0, or -1 if the input ends first or cannot be read.
 */
extern int	pb_pathwalk_skip_root(PbPathWalk *w);

static inline uint64_t
pb_pathwalk_index(const PbPathWalk *w, int level)
{
	return w->level[level].index;
}

static inline uint64_t
pb_pathwalk_offset(const PbPathWalk *w, int level)
{
	return w->level[level].offset;
}

static inline uint64_t
pb_pathwalk_generation(const PbPathWalk *w, int level)
{
	return w->level[level].generation;
}

/*
 * Changes each time an element of any level but the rows' is entered: one
 * test per row tells that no ancestor changed.
 */
static inline uint64_t
pb_pathwalk_ancestors_generation(const PbPathWalk *w)
{
	return w->entered;
}

/* The current element's collected fields (valid as said above). */
static inline const uint8_t *
pb_pathwalk_collected(const PbPathWalk *w, int level, size_t *len)
{
	*len = w->level[level].len;
	return w->level[level].buf ? w->level[level].buf : (const uint8_t *) "";
}

#endif							/* PB_PATHWALK_H */
