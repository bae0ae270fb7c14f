/*-------------------------------------------------------------------------
 *
 * rootwalk.c
 *		The roots of a framed input walked along a container path.
 *
 *-------------------------------------------------------------------------
 */
#include "stream/rootwalk.h"

PbFrameResult
pb_rootwalk_begin(PbFraming *f, PbPathWalk *w)
{
	uint64_t	len;
	PbFrameResult res = pb_framing_next_root(f, &len);

	if (res == PB_FRAME_MESSAGE)
		pb_pathwalk_begin_root(w, len);
	return res;
}

int
pb_rootwalk_skippable(PbPathError err)
{
	return err == PB_PATH_ERR_TOO_LARGE || err == PB_PATH_ERR_TRUNCATED ||
		err == PB_PATH_ERR_MALFORMED;
}

PbRootGoOn
pb_rootwalk_step_past(PbPathWalk *w, PbFraming *f)
{
	int			prefixed = f->kind != PB_FRAMING_SINGLE && f->kind != PB_FRAMING_CONTAINER;

	if (w->err == PB_PATH_ERR_TOO_LARGE)
		return pb_pathwalk_skip_oversized(w) == 0 ? PB_ROOT_SAME_ROOT : PB_ROOT_END_INPUT;
	if (w->err == PB_PATH_ERR_MALFORMED && prefixed && pb_pathwalk_skip_root(w) == 0 &&
		pb_framing_end_root(f) == PB_FRAME_MESSAGE)
		return PB_ROOT_NEXT_ROOT;
	return PB_ROOT_END_INPUT;
}
