/*-------------------------------------------------------------------------
 *
 * rootwalk.h
 *		The roots of a framed input walked along a container path: the
 *		steps a foreign table's scan and COPY FROM share.
 *
 * Pure C.  A root is the whole input (framing 'single' or 'container') or
 * one record of a length-prefixed framing (delimited, fixed32*, tfrecord),
 * framed by pb_framing_next_root() and walked by stream/pathwalk.h.  The
 * callers keep their own loops, error reports and skip counts; what is
 * here is the part that must not differ between them: how a root begins,
 * and how on_error 'skip' steps past a walker error.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PB_ROOTWALK_H
#define PB_ROOTWALK_H

#include "stream/framing.h"
#include "stream/pathwalk.h"

/* After a walker error stepped past: where the input goes on. */
typedef enum PbRootGoOn
{
	PB_ROOT_END_INPUT,			/* it cannot: end the input */
	PB_ROOT_SAME_ROOT,			/* the walk goes on in the same root */
	PB_ROOT_NEXT_ROOT			/* the root was abandoned: begin the next one */
} PbRootGoOn;

/*
 * Frame the next root and start the walker on it: returns
 * PB_FRAME_MESSAGE (the root is being walked), PB_FRAME_END, or
 * PB_FRAME_ERROR (f->err, f->errmsg).
 */
extern PbFrameResult pb_rootwalk_begin(PbFraming *f, PbPathWalk *w);

/*
 * May on_error 'skip' step past this walker error?  An oversized row, a
 * truncated input (its end is skipped) and a malformed root; never a late
 * field of a streamed input (rows without it have gone out), a read error
 * or collected fields over the limit.
 */
extern int	pb_rootwalk_skippable(PbPathError err);

/*
 * Step past a skippable error: over an oversized row, or, when roots are
 * framed one per record, over the rest of a malformed root and its
 * record's trailer.  A truncation, a malformed whole-input root, or an
 * input that cannot be read on ends the input.
 */
extern PbRootGoOn pb_rootwalk_step_past(PbPathWalk *w, PbFraming *f);

#endif							/* PB_ROOTWALK_H */
