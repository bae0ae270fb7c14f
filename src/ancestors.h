/*-------------------------------------------------------------------------
 *
 * ancestors.h
 *		The columns a row takes from its ancestors on a container path.
 *
 * A scan over a container path (container.h) walks each root with the path
 * walker (stream/pathwalk.h).  For every level with ancestor columns the
 * walker collects the current element's own fields; this module gives it
 * the means (a second, forward-only reading of the same file per level: a
 * "cursor"; none for a program, which is then read in streaming mode), and
 * decodes each level's collected fields once per element into values that
 * every row under that element copies.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_ANCESTORS_H
#define PROTOBUF_FDW_ANCESTORS_H

#include "container.h"
#include "decode.h"
#include "inputs.h"

typedef struct PbAncestors PbAncestors;

/* The state for the levels of 'cp' with columns, in the current memory context. */
extern PbAncestors *pb_ancestors_create(const PbContainerPath *cp, int natts);

/*
 * Ready the walker of an input just opened: a cursor per level with columns
 * over file 'path' (read with 'compression'), or, for a program (path
 * NULL), streaming mode restricted to the fields the columns read.
 */
extern void pb_ancestors_open(PbAncestors *a, PbPathWalk *w, const char *path,
							  PbCompression compression);

/* Close the cursors (at the end of an input, or on a rewind). */
extern void pb_ancestors_close(PbAncestors *a);

/* Whether any level has columns: a file is then read ahead by cursors. */
extern bool pb_ancestors_any(const PbAncestors *a);

/* The bytes the cursors have read (decompressed), every input so far included. */
extern uint64 pb_ancestors_bytes_read(const PbAncestors *a);

/*
 * The ancestor columns of the rows under the walker's current elements: n
 * attribute numbers and their values, those of the walker's ancestors'
 * generation 'entered'.  Public so that the copy, done for every row, is
 * inline in the scan; only this module writes it.
 */
typedef struct PbAncestorValues
{
	uint64		entered;
	int			n;
	int		   *atts;
	Datum	   *values;
	bool	   *nulls;
} PbAncestorValues;

/* Where the values of pb_ancestors_fill are kept (for the scan's lifetime). */
extern const PbAncestorValues *pb_ancestors_values(const PbAncestors *a);

/* Decode the levels whose elements the walker has entered since the last call. */
extern void pb_ancestors_refresh(PbAncestors *a, const PbPathWalk *w);

/*
 * Put the ancestor columns of the walker's current row into values/nulls,
 * decoding a level's collected fields again when it has entered a new
 * element.  Errors are those of decoding (in the caller's error context).
 */
static inline void
pb_ancestors_fill(PbAncestors *a, const PbAncestorValues *av, const PbPathWalk *w,
				  Datum *values, bool *nulls)
{
	if (unlikely(av->entered != pb_pathwalk_ancestors_generation(w)))
		pb_ancestors_refresh(a, w);
	for (int i = 0; i < av->n; i++)
	{
		values[av->atts[i]] = av->values[i];
		nulls[av->atts[i]] = av->nulls[i];
	}
}

/* The decode state at work, for the scan's error context (NULL if none). */
extern const PbDecodeState *pb_ancestors_decoding(const PbAncestors *a);

/* A level's cursor that found its compressed stream damaged, else NULL. */
extern const PbInput *pb_ancestors_damaged(const PbAncestors *a);

#endif							/* PROTOBUF_FDW_ANCESTORS_H */
