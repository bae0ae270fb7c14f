/*-------------------------------------------------------------------------
 *
 * pathwalk.c
 *		Stream the elements of a nested repeated path of one protobuf message.
 *
 * The model is in pathwalk.h.  The walk keeps an explicit stack of the open
 * messages on the path (one frame per depth, so bounded by the path), reads
 * one tag at a time from the main source within the top frame's bounds, and
 * either opens a child frame, returns a row, closes a frame or passes over
 * a field.  The cursor-mode pre-scan recurses only through the singular
 * steps between two repeated ones: its depth is bounded by the path too.
 * Reading follows framing.c's container framing: tags and lengths through
 * wire.h over a window of the source's buffer, bodies streamed by
 * pb_source_skip, a row made contiguous with pb_source_fill in doublings.
 *
 *-------------------------------------------------------------------------
 */
#include "stream/pathwalk.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stream/wire.h"

/* A varint is at most 10 bytes: asking for that many never over-reads. */
#define VARINT_MAX 10

/* PbPathFrame.mark of a message not emitted into a collected buffer */
#define NO_MARK SIZE_MAX

/* PbPathWalk.state */
#define ROOT_NONE 0
#define ROOT_PENDING 1
#define ROOT_OPEN 2
#define ROOT_ENDED 3

static int	fail_v(PbPathWalk *w, PbPathError err, int level, int depth, uint32_t field,
				   const char *fmt, va_list ap)
			__attribute__((format(printf, 6, 0)));
static int	fail(PbPathWalk *w, PbPathError err, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
static int	fail_at(PbPathWalk *w, PbPathError err, int level, int depth, uint32_t field,
					const char *fmt,...)
			__attribute__((format(printf, 6, 7)));

/* Record an error and where (level -1: no level's element); returns -1. */
static int
fail_v(PbPathWalk *w, PbPathError err, int level, int depth, uint32_t field,
	   const char *fmt, va_list ap)
{
	w->err = err;
	w->err_level = level;
	w->err_depth = depth;
	w->err_field = field;
	vsnprintf(w->errmsg, sizeof(w->errmsg), fmt, ap);
	return -1;
}

/* Record an error; returns -1, the internal failure result. */
static int
fail(PbPathWalk *w, PbPathError err, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	fail_v(w, err, -1, -1, 0, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * The same, for an error about a level's element: which level, and the
 * field at fault with the depth of the message holding it (the caller
 * names them: it knows the schema).
 */
static int
fail_at(PbPathWalk *w, PbPathError err, int level, int depth, uint32_t field,
		const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	fail_v(w, err, level, depth, field, fmt, ap);
	va_end(ap);
	return -1;
}

static int
fail_io(PbPathWalk *w)
{
	return fail(w, PB_PATH_ERR_IO, "could not read input");
}

static int
fail_wire(PbPathWalk *w, PbWireStatus st)
{
	return fail(w, PB_PATH_ERR_MALFORMED, "%s", pb_wire_status_message(st));
}

int
pb_pathwalk_init(PbPathWalk *w, PbSource *src, const PbPathStep *steps, int nsteps,
				 uint64_t max_message_size, const PbAllocator *alloc)
{
	memset(w, 0, sizeof(*w));
	w->src = src;
	w->err_level = -1;
	w->alloc = *alloc;
	w->max_message_size = max_message_size;
	if (nsteps < 1 || nsteps > PB_PATH_MAX_STEPS)
		return fail(w, PB_PATH_ERR_MALFORMED, "a path has 1 to %d steps, not %d",
					PB_PATH_MAX_STEPS, nsteps);
	if (!steps[nsteps - 1].repeated)
		return fail(w, PB_PATH_ERR_MALFORMED, "the last step of a path must be repeated");
	w->nsteps = nsteps;
	w->level_of[0] = 0;
	for (int i = 0; i < nsteps; i++)
	{
		if (steps[i].field == 0 || steps[i].field > PB_MAX_FIELD_NUMBER)
			return fail(w, PB_PATH_ERR_MALFORMED, "field number %u out of range",
						steps[i].field);
		w->steps[i] = steps[i];
		w->level_of[i + 1] = w->level_of[i] + (steps[i].repeated ? 1 : 0);
	}
	w->nlevels = w->level_of[nsteps] + 1;
	if (!steps[nsteps - 1].group && steps[nsteps - 1].field < 16)
		w->row_tag = (uint8_t) ((steps[nsteps - 1].field << 3) | PB_WT_LEN);
	return 0;
}

void
pb_pathwalk_free(PbPathWalk *w)
{
	for (int l = 0; l < w->nlevels; l++)
	{
		if (w->level[l].buf)
			w->alloc.free(w->alloc.ctx, w->level[l].buf);
		w->level[l].buf = NULL;
		w->level[l].cap = w->level[l].len = 0;
	}
}

int
pb_pathwalk_collect(PbPathWalk *w, int level, PbSource *cursor)
{
	if (level < 0 || level >= w->nlevels - 1)
		return fail(w, PB_PATH_ERR_MALFORMED, "level %d cannot collect fields", level);
	w->level[level].collect = 1;
	w->level[level].cursor = cursor;
	return 0;
}

void
pb_pathwalk_need(PbPathWalk *w, int depth, const uint32_t *fields, int n)
{
	static const uint32_t none = 0;

	w->need[depth] = fields ? fields : &none;
	w->nneed[depth] = fields ? n : 0;
}

void
pb_pathwalk_set_progress(PbPathWalk *w, PbPathProgressFn fn, void *arg)
{
	w->progress = fn;
	w->progress_arg = arg;
}

void
pb_pathwalk_begin_root(PbPathWalk *w, uint64_t len)
{
	uint64_t	off = pb_source_offset(w->src);

	w->state = ROOT_PENDING;
	w->nframes = 0;
	w->root_len = len;
	w->root_end = (len == PB_PATH_ROOT_TO_END || len > UINT64_MAX - 1 - off)
		? UINT64_MAX : off + len;
	w->oversized = 0;
	w->oversized_group = 0;
	w->err = PB_PATH_ERR_NONE;
	w->errmsg[0] = '\0';
}

/* Is 'field' of a message at 'depth' one the caller's columns read? */
static int
is_needed(const PbPathWalk *w, int depth, uint32_t field)
{
	const uint32_t *f = w->need[depth];
	int			lo = 0,
				hi = w->nneed[depth];

	if (f == NULL)
		return 1;
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (f[mid] == field)
			return 1;
		if (f[mid] < field)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---------- the collected buffers ---------- */

static int
buf_reserve(PbPathWalk *w, PbPathLevel *L, size_t n)
{
	size_t		newcap;
	uint8_t    *nb;

	/* L->len <= max_message_size always */
	if (n > w->max_message_size - L->len)
		return fail_at(w, PB_PATH_ERR_COLLECT_TOO_LARGE, (int) (L - w->level), -1, 0,
					"the fields collected from a level %d element exceed max_message_size (%" PRIu64 " bytes)",
					(int) (L - w->level), w->max_message_size);
	if (L->len + n <= L->cap)
		return 0;
	newcap = L->cap ? L->cap : 256;
	while (newcap < L->len + n)
		newcap *= 2;
	nb = w->alloc.alloc(w->alloc.ctx, newcap);
	if (nb == NULL)
		return fail(w, PB_PATH_ERR_IO, "out of memory collecting the fields of a level %d element",
					(int) (L - w->level));
	if (L->len > 0)
		memcpy(nb, L->buf, L->len);
	if (L->buf)
		w->alloc.free(w->alloc.ctx, L->buf);
	L->buf = nb;
	L->cap = newcap;
	return 0;
}

static int
buf_append(PbPathWalk *w, PbPathLevel *L, const uint8_t *data, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_reserve(w, L, n) < 0)
		return -1;
	memcpy(L->buf + L->len, data, n);
	L->len += n;
	return 0;
}

static size_t
encode_varint(uint8_t *out, uint64_t v)
{
	size_t		n = 0;

	while (v >= 0x80)
	{
		out[n++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t) v;
	return n;
}

static int
buf_append_tag(PbPathWalk *w, PbPathLevel *L, uint32_t field, int wt)
{
	uint8_t		v[VARINT_MAX];

	return buf_append(w, L, v, encode_varint(v, ((uint64_t) field << 3) | (uint64_t) wt));
}

/*
 * Close a message re-emitted into L at 'mark': an end-group tag after a
 * group's contents, or the contents' length inserted before them.
 */
static int
buf_close(PbPathWalk *w, PbPathLevel *L, size_t mark, uint32_t field, int group)
{
	uint8_t		v[VARINT_MAX];
	size_t		n;

	if (group)
		return buf_append_tag(w, L, field, PB_WT_EGROUP);
	n = encode_varint(v, L->len - mark);
	if (buf_reserve(w, L, n) < 0)
		return -1;
	memmove(L->buf + mark + n, L->buf + mark, L->len - mark);
	memcpy(L->buf + mark, v, n);
	L->len += n;
	return 0;
}

/* ---------- reading a bounded range of a source ---------- */

/* Count n tags read; every PB_PATH_PROGRESS_INTERVAL, ask the callback. */
static inline int
tick_n(PbPathWalk *w, unsigned n)
{
	if (w->progress && (w->ticks += n) >= PB_PATH_PROGRESS_INTERVAL)
	{
		w->ticks = 0;
		if (w->progress(w->progress_arg) != 0)
			return fail(w, PB_PATH_ERR_INTERRUPTED, "interrupted");
	}
	return 0;
}

static inline int
tick(PbPathWalk *w)
{
	return tick_n(w, 1);
}

/*
 * Make up to 'want' bytes of [current offset, end) available; *window gets
 * how many are (fewer than asked only at the end of the range or input).
 */
static inline int
fill_window(PbPathWalk *w, PbSource *src, uint64_t end, size_t want, size_t *window)
{
	uint64_t	left = end - pb_source_offset(src);
	size_t		avail;

	if (left < want)
		want = (size_t) left;
	if (pb_source_fill(src, want) < 0)
		return fail_io(w);
	avail = pb_source_avail(src);
	*window = (uint64_t) avail < left ? avail : (size_t) left;
	return 0;
}

/*
 * A value cut short at the end of a window: the input ended, or the value
 * runs past the end of its enclosing message.
 */
static int
fail_cut(PbPathWalk *w, PbSource *src, uint64_t end, size_t window, const char *what)
{
	if ((uint64_t) window < end - pb_source_offset(src))
		return fail(w, PB_PATH_ERR_TRUNCATED, "end of input inside %s", what);
	return fail(w, PB_PATH_ERR_MALFORMED, "%s runs past the end of its enclosing message", what);
}

/* 1 if src is at 'end' (or at the end of the input for an unbounded range). */
static int
at_end(PbPathWalk *w, PbSource *src, uint64_t end)
{
	int			rc;

	if (pb_source_offset(src) == end)
		return 1;
	if (end != UINT64_MAX)
		return 0;
	rc = pb_source_fill(src, 1);
	if (rc < 0)
		return fail_io(w);
	return rc;
}

/* Read the tag at src's position without consuming it: *raw is its size. */
static int
peek_tag(PbPathWalk *w, PbSource *src, uint64_t end, uint32_t *field, int *wt, size_t *raw)
{
	const uint8_t *start;
	const uint8_t *p;
	size_t		window = 0;
	PbWireStatus st;

	if (tick(w) < 0 || fill_window(w, src, end, VARINT_MAX, &window) < 0)
		return -1;
	start = p = pb_source_peek(src);
	st = pb_read_tag(&p, start + window, field, wt);
	if (st == PB_WIRE_TRUNCATED)
		return fail_cut(w, src, end, window, "a tag");
	if (st != PB_WIRE_OK)
		return fail_wire(w, st);
	*raw = (size_t) (p - start);
	return 0;
}

static int
peek_varint(PbPathWalk *w, PbSource *src, uint64_t end, uint64_t *value, size_t *raw,
			const char *what)
{
	const uint8_t *start;
	const uint8_t *p;
	size_t		window = 0;
	PbWireStatus st;

	if (fill_window(w, src, end, VARINT_MAX, &window) < 0)
		return -1;
	start = p = pb_source_peek(src);
	st = pb_read_varint(&p, start + window, value);
	if (st == PB_WIRE_TRUNCATED)
		return fail_cut(w, src, end, window, what);
	if (st != PB_WIRE_OK)
		return fail_wire(w, st);
	*raw = (size_t) (p - start);
	return 0;
}

/* Consume n buffered bytes, copying them into 'copy' if not NULL. */
static inline int
take(PbPathWalk *w, PbSource *src, size_t n, PbPathLevel *copy)
{
	if (copy && buf_append(w, copy, pb_source_peek(src), n) < 0)
		return -1;
	pb_source_consume(src, n);
	return 0;
}

/*
 * Read a length prefix (copied into 'copy' if not NULL) and check it.  A row
 * element's length is checked against max_message_size before the 2 GiB
 * limit, as the container framing does, so that a one-step path reports
 * what that framing reports.
 */
static int
read_len(PbPathWalk *w, PbSource *src, uint64_t end, uint64_t *len, PbPathLevel *copy,
		 int is_row)
{
	size_t		raw;

	if (peek_varint(w, src, end, len, &raw, "a length prefix") < 0 ||
		take(w, src, raw, copy) < 0)
		return -1;
	if (end != UINT64_MAX && *len > end - pb_source_offset(src))
		return fail_wire(w, *len > INT32_MAX ? PB_WIRE_LEN_OVERFLOW : PB_WIRE_LEN_PAST_END);
	if (*len > INT32_MAX && !(is_row && *len > w->max_message_size))
		return fail_wire(w, PB_WIRE_LEN_OVERFLOW);
	return 0;
}

/* Skip n bytes of src, or copy them into 'copy'; the range was checked. */
static int
pass_bytes(PbPathWalk *w, PbSource *src, uint64_t n, PbPathLevel *copy)
{
	int			rc;

	if (copy == NULL)
	{
		rc = pb_source_skip(src, n);
		if (rc < 0)
			return fail_io(w);
		if (rc > 0)
			return fail(w, PB_PATH_ERR_TRUNCATED, "end of input inside a field");
		return 0;
	}
	while (n > 0)
	{
		size_t		chunk;

		rc = pb_source_fill(src, 1);
		if (rc < 0)
			return fail_io(w);
		if (rc > 0)
			return fail(w, PB_PATH_ERR_TRUNCATED, "end of input inside a field");
		chunk = pb_source_avail(src);
		if ((uint64_t) chunk > n)
			chunk = (size_t) n;
		if (take(w, src, chunk, copy) < 0)
			return -1;
		n -= chunk;
	}
	return 0;
}

/* Skip or copy the value of a non-group field whose tag was just taken. */
static int
pass_scalar(PbPathWalk *w, PbSource *src, uint64_t end, int wt, PbPathLevel *copy)
{
	uint64_t	len;
	size_t		raw;

	switch (wt)
	{
		case PB_WT_VARINT:
			if (peek_varint(w, src, end, &len, &raw, "a varint") < 0)
				return -1;
			return take(w, src, raw, copy);
		case PB_WT_I64:
		case PB_WT_I32:
			len = wt == PB_WT_I64 ? 8 : 4;
			if (len > end - pb_source_offset(src))
				return fail(w, PB_PATH_ERR_MALFORMED,
							"a fixed-width field runs past the end of its enclosing message");
			return pass_bytes(w, src, len, copy);
		case PB_WT_LEN:
			if (read_len(w, src, end, &len, copy, 0) < 0)
				return -1;
			return pass_bytes(w, src, len, copy);
	}
	return fail_wire(w, PB_WIRE_BAD_END_GROUP);
}

/*
 * pass_field
 *		Skip, or copy into 'copy', a field whose tag was just taken.
 *
 * A group is walked tag by tag up to its matching end tag, with a stack of
 * the open groups' field numbers; 'nest' is how many messages on the path
 * enclose the group's tag, the root not counted (as pb_skip_field's depth:
 * 100 groups may nest in the root), so the whole stays within PB_MAX_DEPTH.
 */
static int
pass_field(PbPathWalk *w, PbSource *src, uint64_t end, uint32_t field, int wt,
		   int nest, PbPathLevel *copy)
{
	uint32_t	open[PB_MAX_DEPTH + 1];
	int			nopen = 0;

	for (;;)
	{
		size_t		raw;

		if (wt == PB_WT_SGROUP)
		{
			if (nest + nopen + 1 > PB_MAX_DEPTH)
				return fail_wire(w, PB_WIRE_TOO_DEEP);
			open[nopen++] = field;
		}
		else if (wt == PB_WT_EGROUP)
		{
			if (nopen == 0 || open[nopen - 1] != field)
				return fail_wire(w, PB_WIRE_BAD_END_GROUP);
			nopen--;
		}
		else if (pass_scalar(w, src, end, wt, copy) < 0)
			return -1;
		if (nopen == 0)
			return 0;
		if (peek_tag(w, src, end, &field, &wt, &raw) < 0 || take(w, src, raw, copy) < 0)
			return -1;
	}
}

/* ---------- cursor mode: pre-scanning an element ---------- */

static int	prescan(PbPathWalk *w, PbPathLevel *L, PbSource *cur, int depth,
					uint64_t end, uint32_t group_field, int nest);

/*
 * Re-emit an occurrence of the singular path step steps[depth], whose tag
 * was just taken, holding its own non-path fields.
 */
static int
prescan_singular(PbPathWalk *w, PbPathLevel *L, PbSource *cur, int depth,
				 uint64_t end, int nest)
{
	const PbPathStep *s = &w->steps[depth];
	uint64_t	len = 0;
	size_t		mark;

	if (buf_append_tag(w, L, s->field, s->group ? PB_WT_SGROUP : PB_WT_LEN) < 0)
		return -1;
	if (!s->group && read_len(w, cur, end, &len, NULL, 0) < 0)
		return -1;
	mark = L->len;
	if (prescan(w, L, cur, depth + 1, s->group ? end : pb_source_offset(cur) + len,
				s->group ? s->field : 0, nest + 1) < 0)
		return -1;
	return buf_close(w, L, mark, s->field, s->group);
}

/*
 * The fast path of a pre-scan: step over a run of the repeated path step's
 * LEN elements that lie wholly in the cursor's buffer, a tag and a length
 * each, without a call per element (an ancestor of millions of small rows
 * is mostly that).  Stops at anything else, or at what is not buffered,
 * for the general loop; ticks the progress callback as the loop does.
 */
static int
skip_buffered_children(PbPathWalk *w, PbSource *cur, uint64_t end, uint32_t field)
{
	const uint8_t *start = pb_source_peek(cur);
	const uint8_t *p = start;
	const uint8_t *e = start + pb_source_avail(cur);
	uint64_t	off = pb_source_offset(cur);
	uint64_t	want = ((uint64_t) field << 3) | PB_WT_LEN;

	unsigned	n = 0;

	if (end != UINT64_MAX && end - off < (uint64_t) (e - start))
		e = start + (end - off);
	while (p < e)
	{
		const uint8_t *q = p + 1;
		uint64_t	len;

		/* a one-byte tag and a one-byte length: the elements of most paths */
		if (p[0] != want || want >= 0x80 || q >= e || q[0] >= 0x80)
		{
			uint64_t	tag;

			q = p;
			if (pb_read_varint(&q, e, &tag) != PB_WIRE_OK || tag != want ||
				pb_read_varint(&q, e, &len) != PB_WIRE_OK)
				break;
		}
		else
			len = *q++;
		if (len > (uint64_t) (e - q))
			break;
		p = q + len;
		n++;
	}
	pb_source_consume(cur, (size_t) (p - start));
	/* the loop is bounded by the buffer: count its tags at once */
	return tick_n(w, n);
}

/*
 * prescan
 *		Collect the non-path fields of a message at 'depth' read through a
 *		cursor, up to 'end' (or its end-group tag of group_field).
 *
 * The repeated path step's elements are skipped; the singular one's are
 * descended into, so the recursion is bounded by the path's singular steps.
 */
static int
prescan(PbPathWalk *w, PbPathLevel *L, PbSource *cur, int depth, uint64_t end,
		uint32_t group_field, int nest)
{
	const PbPathStep *s = &w->steps[depth];

	for (;;)
	{
		uint32_t	field;
		int			wt;
		size_t		raw;
		int			rc;

		if (s->repeated && !s->group && skip_buffered_children(w, cur, end, s->field) < 0)
			return -1;
		if (group_field == 0 && (rc = at_end(w, cur, end)) != 0)
			return rc < 0 ? -1 : 0;
		if (peek_tag(w, cur, end, &field, &wt, &raw) < 0)
			return -1;
		if (wt == PB_WT_EGROUP)
		{
			if (field != group_field)
				return fail_wire(w, PB_WIRE_BAD_END_GROUP);
			pb_source_consume(cur, raw);
			return 0;
		}
		if (field == s->field && wt == (s->group ? PB_WT_SGROUP : PB_WT_LEN))
		{
			pb_source_consume(cur, raw);
			rc = s->repeated ? pass_field(w, cur, end, field, wt, nest, NULL)
				: prescan_singular(w, L, cur, depth, end, nest);
		}
		else
		{
			PbPathLevel *copy = is_needed(w, depth, field) ? L : NULL;

			rc = take(w, cur, raw, copy);
			if (rc == 0)
				rc = pass_field(w, cur, end, field, wt, nest, copy);
		}
		if (rc < 0)
			return -1;
	}
}

/* Move a level's cursor to the element whose frame 'f' was just opened. */
static int
prescan_element(PbPathWalk *w, int lvl, const PbPathFrame *f)
{
	PbPathLevel *L = &w->level[lvl];
	uint64_t	body = pb_source_offset(w->src);
	uint64_t	at = pb_source_offset(L->cursor);
	int			rc;

	if (at > body)
		return fail(w, PB_PATH_ERR_CURSOR,
					"the level %d cursor is at offset %" PRIu64 ", past the element at %" PRIu64,
					lvl, at, body);
	rc = pb_source_skip(L->cursor, body - at);
	if (rc < 0)
		rc = fail_io(w);
	else if (rc > 0)
		rc = fail(w, PB_PATH_ERR_TRUNCATED, "end of input before a level %d element", lvl);
	else
		rc = prescan(w, L, L->cursor, f->depth, f->end, f->group ? f->field : 0, w->nframes - 1);
	/* damage found reading ahead: say which element, before any of its rows */
	if (rc < 0 && w->err != PB_PATH_ERR_COLLECT_TOO_LARGE && w->err != PB_PATH_ERR_INTERRUPTED)
	{
		w->err_level = lvl;
		w->err_depth = -1;
		w->err_field = 0;
	}
	return rc;
}

/* ---------- the main walk ---------- */

/*
 * Streaming mode: the first child of a level 'lvl' element is entered, so
 * its collected fields are complete; close the singular messages still open.
 */
static int
seal(PbPathWalk *w, int lvl)
{
	PbPathLevel *L = &w->level[lvl];

	if (L->sealed)
		return 0;
	L->sealed = 1;
	for (int i = w->nframes - 1; i >= 0; i--)
	{
		PbPathFrame *f = &w->frame[i];

		if (w->level_of[f->depth] != lvl || f->mark == NO_MARK)
			continue;
		if (buf_close(w, L, f->mark, f->field, f->group) < 0)
			return -1;
		f->mark = NO_MARK;
	}
	return 0;
}

/*
 * An element of level 'lvl' starts with a tag at tag_off: count it, and (but
 * for rows) start collecting its fields.  f is its frame (NULL for a row).
 */
static int
enter_element(PbPathWalk *w, int lvl, uint64_t tag_off, const PbPathFrame *f)
{
	PbPathLevel *L = &w->level[lvl];

	if (lvl > 0 && seal(w, lvl - 1) < 0)
		return -1;
	L->index++;
	L->offset = tag_off;
	L->generation++;
	if (lvl + 1 < w->nlevels)
		w->level[lvl + 1].index = 0;
	if (f == NULL)
		return 0;
	w->entered++;
	L->len = 0;
	L->sealed = 0;
	for (int d = 0; d <= w->nsteps; d++)
		if (w->level_of[d] == lvl)
			w->emitted[d] = 0;
	if (L->collect && L->cursor)
		return prescan_element(w, lvl, f);
	return 0;
}

/*
 * Streaming mode: a singular step's message c opens inside f; before the
 * level's first child it is re-emitted into the level's buffer.
 */
static int
enter_singular(PbPathWalk *w, const PbPathFrame *f, PbPathFrame *c)
{
	int			lvl = w->level_of[c->depth];
	PbPathLevel *L = &w->level[lvl];

	if (!L->collect || L->cursor)
		return 0;
	if (L->sealed)
	{
		if (!w->emitted[c->depth] && is_needed(w, f->depth, c->field))
			return fail_at(w, PB_PATH_ERR_LATE_FIELD, lvl, f->depth, c->field,
						   "field %u of a level %d element comes after the element's first child: "
						   "it cannot be read from a streamed input", c->field, lvl);
		return 0;
	}
	w->emitted[c->depth] = 1;
	if (buf_append_tag(w, L, c->field, c->group ? PB_WT_SGROUP : PB_WT_LEN) < 0)
		return -1;
	c->mark = L->len;
	return 0;
}

/* Open the child frame for a path step (not the last) whose tag was taken. */
static int
push_child(PbPathWalk *w, uint32_t field, uint64_t tag_off)
{
	PbPathFrame *f = &w->frame[w->nframes - 1];
	const PbPathStep *s = &w->steps[f->depth];
	PbPathFrame *c;
	uint64_t	len = 0;

	if (!s->group && read_len(w, w->src, f->end, &len, NULL, 0) < 0)
		return -1;
	c = &w->frame[w->nframes++];
	c->field = field;
	c->group = s->group;
	c->depth = f->depth + 1;
	c->end = s->group ? f->end : pb_source_offset(w->src) + len;
	c->mark = NO_MARK;
	if (s->repeated)
		return enter_element(w, w->level_of[c->depth], tag_off, c);
	return enter_singular(w, f, c);
}

/* Leave the top frame, closing its re-emitted copy if one is open. */
static int
pop_frame(PbPathWalk *w)
{
	PbPathFrame *f = &w->frame[w->nframes - 1];

	if (f->mark != NO_MARK &&
		buf_close(w, &w->level[w->level_of[f->depth]], f->mark, f->field, f->group) < 0)
		return -1;
	w->nframes--;
	return 0;
}

/* A field of frame f that is not on the path: skip it, or collect it. */
static int
other_field(PbPathWalk *w, const PbPathFrame *f, uint32_t field, int wt, size_t raw)
{
	int			lvl = w->level_of[f->depth];
	PbPathLevel *L = &w->level[lvl];
	PbPathLevel *copy = NULL;

	if (L->collect && L->cursor == NULL && is_needed(w, f->depth, field))
	{
		if (L->sealed)
			return fail_at(w, PB_PATH_ERR_LATE_FIELD, lvl, f->depth, field,
						   "field %u of a level %d element comes after the element's first child: "
						   "it cannot be read from a streamed input", field, lvl);
		copy = L;
	}
	if (take(w, w->src, raw, copy) < 0)
		return -1;
	return pass_field(w, w->src, f->end, field, wt, w->nframes - 1, copy);
}

static int
fail_too_large(PbPathWalk *w, uint64_t len)
{
	return fail(w, PB_PATH_ERR_TOO_LARGE,
				"message of %" PRIu64 " bytes exceeds max_message_size (%" PRIu64 " bytes)",
				len, w->max_message_size);
}

/* A LEN row element of 'len' bytes (checked against its parent): make it contiguous. */
static int
len_row(PbPathWalk *w, uint64_t len, const uint8_t **row, size_t *outlen)
{
	size_t		want = pb_source_avail(w->src) * 2;
	int			rc;

	if (len > w->max_message_size)
	{
		w->oversized = len;
		return fail_too_large(w, len);
	}

	/*
	 * Grow toward the length in doublings, so that a lying length prefix
	 * meets the end of the input before the buffer is allocated at its size.
	 */
	if (want < PB_SOURCE_INITIAL_CAP)
		want = PB_SOURCE_INITIAL_CAP;
	for (;;)
	{
		if (want > len)
			want = (size_t) len;
		rc = pb_source_fill(w->src, want);
		if (rc != 0 || want == len)
			break;
		want *= 2;
	}
	if (rc < 0)
		return fail_io(w);
	if (rc > 0)
		return fail(w, PB_PATH_ERR_TRUNCATED,
					"end of input inside a message body: %" PRIu64 " bytes expected, %zu found",
					len, pb_source_avail(w->src));
	*row = pb_source_peek(w->src);
	*outlen = (size_t) len;
	pb_source_consume(w->src, (size_t) len);
	return 0;
}

/*
 * group_row
 *		A group row element whose start tag was taken: make it contiguous.
 *
 * Its length is known only at its end tag, so the window grows in doublings
 * and is walked again each time (linear overall), up to max_message_size
 * and the few bytes an end tag may take.
 */
static int
group_row(PbPathWalk *w, const PbPathFrame *f, uint32_t field, const uint8_t **row,
		  size_t *len)
{
	uint64_t	limit = w->max_message_size > SIZE_MAX - 6 ? SIZE_MAX : w->max_message_size + 6;
	size_t		want = limit < 256 ? (size_t) limit : 256;

	for (;;)
	{
		const uint8_t *start;
		const uint8_t *p;
		const uint8_t *content_end = NULL;
		size_t		window = 0;
		PbWireStatus st;

		if (fill_window(w, w->src, f->end, want, &window) < 0)
			return -1;
		/* never look further than the limit: the outcome does not depend on buffering */
		if ((uint64_t) window > limit)
			window = (size_t) limit;
		start = p = pb_source_peek(w->src);
		st = pb_skip_group(&p, start + window, field, w->nframes - 1, &content_end);
		if (st == PB_WIRE_OK)
		{
			if ((uint64_t) (content_end - start) > w->max_message_size)
			{
				w->oversized = (uint64_t) (p - start);
				return fail_too_large(w, (uint64_t) (content_end - start));
			}
			*row = start;
			*len = (size_t) (content_end - start);
			pb_source_consume(w->src, (size_t) (p - start));
			return 0;
		}
		/* a length running past the window may fit in a longer one */
		if (st != PB_WIRE_TRUNCATED && st != PB_WIRE_LEN_PAST_END)
			return fail_wire(w, st);
		if (window < want)
			return st == PB_WIRE_TRUNCATED ? fail_cut(w, w->src, f->end, window, "a group")
				: (uint64_t) window < f->end - pb_source_offset(w->src)
				? fail(w, PB_PATH_ERR_TRUNCATED, "end of input inside a group")
				: fail_wire(w, st);
		if (window >= limit)
		{
			/* the body is at least window - 4 bytes: over the limit */
			w->oversized_group = field;
			return fail(w, PB_PATH_ERR_TOO_LARGE,
						"message of more than %" PRIu64 " bytes exceeds max_message_size (%" PRIu64 " bytes)",
						w->max_message_size, w->max_message_size);
		}
		want = (uint64_t) window * 2 > limit ? (size_t) limit : window * 2;
	}
}

/* A row element's tag was taken in frame f: count it and return its body. */
static int
read_row(PbPathWalk *w, const PbPathFrame *f, uint32_t field, uint64_t tag_off,
		 const uint8_t **row, size_t *len)
{
	uint64_t	msglen = 0;

	if (!w->steps[f->depth].group && read_len(w, w->src, f->end, &msglen, NULL, 1) < 0)
		return -1;
	if (enter_element(w, w->nlevels - 1, tag_off, NULL) < 0)
		return -1;
	w->rows++;
	if (w->steps[f->depth].group)
		return group_row(w, f, field, row, len);
	return len_row(w, msglen, row, len);
}

/* Start the root: its frame, and its fields if level 0 collects them. */
static int
open_root(PbPathWalk *w)
{
	PbPathFrame *f = &w->frame[0];

	w->nframes = 1;
	w->state = ROOT_OPEN;
	f->end = w->root_end;
	f->field = 0;
	f->group = 0;
	f->depth = 0;
	f->mark = NO_MARK;
	return enter_element(w, 0, pb_source_offset(w->src), f);
}

/*
 * walk
 *		Read the top frame's next tag and act on it.
 *
 * Returns 1 with a row, 0 to go on, -1 on an error; the root's end shows as
 * no frame left.
 */
static int
walk(PbPathWalk *w, const uint8_t **row, size_t *len)
{
	PbPathFrame *f = &w->frame[w->nframes - 1];
	const PbPathStep *s = &w->steps[f->depth];
	uint64_t	tag_off;
	uint32_t	field;
	int			wt;
	size_t		raw;
	int			rc;

	if (!f->group && (rc = at_end(w, w->src, f->end)) != 0)
	{
		if (rc < 0)
			return -1;
		return pop_frame(w);
	}
	if (peek_tag(w, w->src, f->end, &field, &wt, &raw) < 0)
		return -1;
	tag_off = pb_source_offset(w->src);
	if (wt == PB_WT_EGROUP)
	{
		if (!f->group || field != f->field)
			return fail_wire(w, PB_WIRE_BAD_END_GROUP);
		pb_source_consume(w->src, raw);
		return pop_frame(w);
	}
	if (field != s->field || wt != (s->group ? PB_WT_SGROUP : PB_WT_LEN))
		return other_field(w, f, field, wt, raw);
	pb_source_consume(w->src, raw);
	if (f->depth == w->nsteps - 1)
		return read_row(w, f, field, tag_off, row, len) < 0 ? -1 : 1;
	return push_child(w, field, tag_off);
}

/*
 * next_row_fast
 *		The common case of a row, without the general walk's calls.
 *
 * The walk is inside a row's parent, the next field is a row element whose
 * tag is the one byte of the path's last step (a LEN field numbered below
 * 16), the element is buffered whole within its parent, under the size
 * limits, and its level's parent element is sealed (not its first row).
 * Does what walk() and read_row() would do then.  Returns 1 with the row,
 * 0 to take the general walk (which reports every error), -1 if the
 * progress callback stopped the walk.
 */
static inline int
next_row_fast(PbPathWalk *w, const uint8_t **row, size_t *len)
{
	const PbPathFrame *f = &w->frame[w->nframes - 1];
	PbSource   *src = w->src;
	const uint8_t *start = pb_source_peek(src);
	const uint8_t *p = start + 1;
	const uint8_t *e = start + pb_source_avail(src);
	uint64_t	off = pb_source_offset(src);
	uint64_t	msglen;
	PbPathLevel *L = &w->level[w->nlevels - 1];

	/* nothing past the parent's end is looked at */
	if (f->end - off < (uint64_t) (e - start))
		e = start + (f->end - off);
	if (f->depth != w->nsteps - 1 || start >= e || start[0] != w->row_tag ||
		(w->nlevels > 1 && !L[-1].sealed))
		return 0;
	if (pb_read_varint(&p, e, &msglen) != PB_WIRE_OK || msglen > (uint64_t) (e - p) ||
		msglen > w->max_message_size || msglen > INT32_MAX)
		return 0;
	if (tick(w) < 0)
		return -1;
	L->index++;
	L->offset = off;
	L->generation++;
	w->rows++;
	*row = p;
	*len = (size_t) msglen;
	pb_source_consume(src, (size_t) (p - start) + (size_t) msglen);
	return 1;
}

/* Everything but the fast path: the walk, tag by tag. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static PbPathResult
next_walked(PbPathWalk *w, const uint8_t **row, size_t *len)
{
	if (w->err == PB_PATH_ERR_TOO_LARGE && pb_pathwalk_skip_oversized(w) < 0)
		return PB_PATH_ERROR;
	if (w->err != PB_PATH_ERR_NONE)
		return PB_PATH_ERROR;
	if (w->state == ROOT_PENDING && open_root(w) < 0)
		return PB_PATH_ERROR;
	while (w->state == ROOT_OPEN)
	{
		int			rc = walk(w, row, len);

		if (rc < 0)
			return PB_PATH_ERROR;
		if (rc > 0)
			return PB_PATH_ROW;
		if (w->nframes == 0)
			w->state = ROOT_ENDED;
	}
	return PB_PATH_END_OF_ROOT;
}

PbPathResult
pb_pathwalk_next(PbPathWalk *w, const uint8_t **row, size_t *len)
{
	if (w->state == ROOT_OPEN && w->row_tag != 0 && w->err == PB_PATH_ERR_NONE)
	{
		int			rc = next_row_fast(w, row, len);

		if (rc != 0)
			return rc > 0 ? PB_PATH_ROW : PB_PATH_ERROR;
	}
	return next_walked(w, row, len);
}

int
pb_pathwalk_skip_oversized(PbPathWalk *w)
{
	const PbPathFrame *f;
	uint64_t	n = w->oversized;
	uint32_t	group = w->oversized_group;

	if (w->err != PB_PATH_ERR_TOO_LARGE || w->nframes == 0)
		return 0;
	f = &w->frame[w->nframes - 1];
	w->oversized = 0;
	w->oversized_group = 0;
	w->err = PB_PATH_ERR_NONE;
	w->errmsg[0] = '\0';
	if (group != 0)
		return pass_field(w, w->src, f->end, group, PB_WT_SGROUP, w->nframes - 1, NULL);
	return pass_bytes(w, w->src, n, NULL);
}

int
pb_pathwalk_skip_root(PbPathWalk *w)
{
	uint64_t	at = pb_source_offset(w->src);
	int			rc;

	if (w->state != ROOT_PENDING && w->state != ROOT_OPEN)
		return 0;
	w->state = ROOT_ENDED;
	w->nframes = 0;
	w->oversized = 0;
	w->oversized_group = 0;
	if (w->root_end == UINT64_MAX)
		rc = pb_source_skip(w->src, UINT64_MAX) < 0 ? -1 : 0;
	else
		rc = at <= w->root_end && pb_source_skip(w->src, w->root_end - at) == 0 ? 0 : -1;
	if (rc < 0)
		return fail(w, pb_source_offset(w->src) < w->root_end && w->src->read_errno == 0
					? PB_PATH_ERR_TRUNCATED : PB_PATH_ERR_IO,
					"could not skip to the end of the root message");
	w->err = PB_PATH_ERR_NONE;
	w->errmsg[0] = '\0';
	return 0;
}
