/*-------------------------------------------------------------------------
 *
 * container.h
 *		A container path resolved against a descriptor set, and the columns
 *		bound to its ancestors.
 *
 * The option container 'pkg.Root.a.b.c' names a root message by its full
 * name, then a path of message fields (repeated or singular, groups
 * included) whose last step is repeated: every element reached through
 * every repeated step is a row.  With framing 'container' or 'single' the
 * file is one root message; with a length-prefixed framing (delimited,
 * fixed32be/le, tfrecord) each stream message is a root.
 *
 * Levels.  Level 0 is the root; each repeated step opens one level (its
 * elements), and the last level's elements are the rows.  A column reads an
 * ancestor with field 'STEP/PATH' (STEP a step name of the path) or the root
 * with field '/PATH'.  A singular step belongs to the level of the nearest
 * repeated step above it (or the root): 'trip_update/trip.trip_id' is read
 * as 'trip.trip_id' of the trip_update inside the level's element, i.e. as
 * PATH 'trip_update.trip.trip_id' from that level.  The walker
 * (stream/pathwalk.h) collects each ancestor's fields other than its
 * repeated path children, and the level's plan decodes them once per
 * element; its values are copied into every row under that element.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_CONTAINER_H
#define PROTOBUF_FDW_CONTAINER_H

#include "binding.h"
#include "stream/pathwalk.h"

/* One level of a container path: the root, or the elements of a repeated step. */
typedef struct PbContainerLevel
{
	const PbMessageInfo *message;	/* the root, or the repeated step's element type */
	const char *name;			/* the step's field name; "" for the root */
	int			first_step;		/* steps[first_step] is this level's repeated
								 * step (-1 for the root) */
	int			depth;			/* message depth of its elements: 0 for the
								 * root, else first_step + 1 */
	/* ancestor columns (not for the last level: rows decode with the row plan) */
	PbMsgPlan  *plan;			/* NULL when no column reads this level */
	int			nattrs;			/* the outputs the plan fills ... */
	int		   *attrs;			/* ... (attribute indexes), copied into each row */
} PbContainerLevel;

typedef struct PbContainerPath
{
	const char *spec;			/* the option as given */
	const PbMessageInfo *root;
	int			nsteps;
	PbPathStep *steps;			/* for pb_pathwalk_init() */
	const char **step_names;	/* [nsteps] */
	const PbMessageInfo **step_messages;	/* [nsteps]: each step's message type */
	int			nlevels;		/* root + one per repeated step */
	PbContainerLevel *levels;
	/* for pb_pathwalk_need(): per message depth 0..nsteps, the sorted field
	 * numbers the ancestor columns read (NULL, 0 when the depth has none;
	 * -1 when a column reads the whole message: every field) */
	uint32	  **need;
	int		   *nneed;
	PbMsgPlan  *row_plan;		/* the row element's columns (pb_container_bind) */
} PbContainerPath;

/*
 * Resolve the option container against a descriptor set: the root message
 * (the longest prefix of the value that names a message and after which
 * every step is a message field of the one before), the steps, the levels.
 * Errors name the step that does not resolve.
 */
extern PbContainerPath *pb_container_resolve(const PbSchema *schema, const char *spec);

/* The row message: the element type of the last step. */
static inline const PbMessageInfo *
pb_container_row_message(const PbContainerPath *cp)
{
	return cp->step_messages[cp->nsteps - 1];
}

/*
 * Split a column's field option at its '/': *level gets the level it reads
 * (0 for '/PATH'; the level of STEP), *path the path from that level's
 * element (with a singular STEP's own steps prefixed).  Returns false when
 * the option has no '/' (the column reads the row element).  An unknown or
 * ambiguous STEP is an error naming the column and listing the steps.
 */
extern bool pb_container_split_field(const PbContainerPath *cp, const char *colname,
									 const char *field, int *level, char **path);

/*
 * The walker's last error in the container path's own terms: for an
 * ancestor's collected fields over max_message_size and for a late field
 * of a streamed input, the step and field names (the walker knows only
 * numbers); otherwise the walker's message.
 */
extern const char *pb_container_walk_errmsg(const PbContainerPath *cp, const PbPathWalk *w);

/*
 * The level of a meta 'STEP/index' column ("" for meta 'index': the row's
 * own level); STEP must be a repeated step.
 */
extern int	pb_container_index_level(const PbContainerPath *cp, const char *colname,
									 const char *step);

/*
 * Bind the columns of 'rel' in 'attrs': those that read an ancestor (field
 * 'STEP/PATH' or '/PATH') into the levels' plans (and need/nneed), the
 * others into row_plan.
 */
extern void pb_container_bind(PbContainerPath *cp, Relation rel, const PbSchema *schema,
							  Bitmapset *attrs);
extern void pb_container_bind_columns(PbContainerPath *cp, const char *relname,
									  const PbSchema *schema, List *columns);

/* The fields the ancestor columns read ("groups/name", "/header.timestamp"), for EXPLAIN. */
extern List *pb_container_fields(const PbContainerPath *cp);

#endif							/* PROTOBUF_FDW_CONTAINER_H */
