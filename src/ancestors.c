/*-------------------------------------------------------------------------
 *
 * ancestors.c
 *		The columns a row takes from its ancestors on a container path.
 *
 * Protobuf lets an element's own fields come before, between or after its
 * repeated children, so the rows under an element cannot wait for them on
 * the one reading of the input.  A file is therefore read once more per
 * level with columns, by a cursor that only moves forward: the walker
 * pre-scans each element's range with it (skipping the children by their
 * length prefixes) before the rows under the element are read.  Compressed
 * files are decompressed once per cursor.  A program's output cannot be
 * read twice: its levels are collected as the walk passes them, and a
 * needed field after the first child is an error (stream/pathwalk.h).
 *
 * Each level's collected fields are decoded by the level's own plan into
 * values kept in a context of the level, reset when the walker enters the
 * level's next element; every row copies them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "ancestors.h"

/* A second reading of the input, for one level. */
typedef struct Cursor
{
	PbRawInput	raw;
	PbInput		input;
	PbSource	source;
	bool		open;
} Cursor;

typedef struct AncestorLevel
{
	const PbContainerLevel *level;
	PbDecodeState *decode;
	Datum	   *values;			/* indexed by attribute; only level->attrs used */
	bool	   *nulls;
	MemoryContext cxt;			/* the values, until the next element */
	bool		valid;			/* values are those of generation 'gen' */
	uint64		gen;
	Cursor		cursor;
} AncestorLevel;

struct PbAncestors
{
	const PbContainerPath *cp;
	int			nlevels;		/* the path's levels but the rows' */
	AncestorLevel *levels;
	int			ncolumned;		/* the levels with columns, by number */
	int		   *columned;
	PbAncestorValues row;		/* the ancestor columns, all levels: what
								 * every row copies */
	AncestorLevel **from;		/* the level of each */
	uint64		bytes_closed;	/* read by the cursors of inputs closed */
	MemoryContext cxt;
	const PbDecodeState *active;	/* decoding now, for error context */
};

PbAncestors *
pb_ancestors_create(const PbContainerPath *cp, int natts)
{
	PbAncestors *a = palloc0(sizeof(PbAncestors));

	a->cp = cp;
	a->cxt = CurrentMemoryContext;
	a->nlevels = cp->nlevels - 1;
	a->levels = palloc0(sizeof(AncestorLevel) * Max(a->nlevels, 1));
	a->columned = palloc0(sizeof(int) * Max(a->nlevels, 1));
	a->row.atts = palloc0(sizeof(int) * Max(natts, 1));
	a->row.values = palloc0(sizeof(Datum) * Max(natts, 1));
	a->row.nulls = palloc0(sizeof(bool) * Max(natts, 1));
	a->from = palloc0(sizeof(AncestorLevel *) * Max(natts, 1));
	for (int l = 0; l < a->nlevels; l++)
	{
		AncestorLevel *lv = &a->levels[l];

		lv->level = &cp->levels[l];
		pb_raw_init(&lv->cursor.raw);
		if (lv->level->plan == NULL)
			continue;
		lv->decode = pb_decode_state_create(lv->level->plan);
		lv->values = palloc0(sizeof(Datum) * Max(natts, 1));
		lv->nulls = palloc0(sizeof(bool) * Max(natts, 1));
		a->columned[a->ncolumned++] = l;
		for (int i = 0; i < lv->level->nattrs; i++)
		{
			Assert(a->row.n < natts);
			a->row.atts[a->row.n] = lv->level->attrs[i];
			a->from[a->row.n] = lv;
			a->row.n++;
		}
		lv->cxt = AllocSetContextCreate(CurrentMemoryContext, "protobuf_fdw ancestor",
										ALLOCSET_DEFAULT_SIZES);
		pb_end_input_with(&lv->cursor.input, CurrentMemoryContext);
	}
	return a;
}

/* Open a cursor over the file 'path' from its start. */
static void
open_cursor(PbAncestors *a, Cursor *c, const char *path, PbCompression compression)
{
	PbAllocator alloc = pb_context_allocator(a->cxt);

	pb_raw_open_file(&c->raw, path, 0, PG_UINT64_MAX);
	if (pb_input_init(&c->input, pb_raw_read, &c->raw, &alloc, compression) < 0)
		elog(ERROR, "could not allocate the input buffer");
	if (c->source.buf == NULL &&
		pb_source_init(&c->source, pb_input_read, &c->input, &alloc, PB_SOURCE_INITIAL_CAP) < 0)
		elog(ERROR, "could not allocate the read buffer");
	pb_source_reset(&c->source);
	c->source.read = pb_input_read;
	c->source.read_arg = &c->input;
	c->open = true;
}

void
pb_ancestors_open(PbAncestors *a, PbPathWalk *w, const char *path, PbCompression compression)
{
	const PbContainerPath *cp = a->cp;

	/* the walk starts afresh: its first row decodes the levels */
	a->row.entered = PG_UINT64_MAX;
	for (int d = 0; d <= cp->nsteps; d++)
		if (cp->nneed[d] >= 0)
			pb_pathwalk_need(w, d, cp->need[d], cp->nneed[d]);
	for (int l = 0; l < a->nlevels; l++)
	{
		AncestorLevel *lv = &a->levels[l];

		lv->valid = false;
		if (lv->level->plan == NULL)
			continue;
		if (path == NULL)
		{
			/* a program: streaming mode */
			if (pb_pathwalk_collect(w, l, NULL) < 0)
				elog(ERROR, "path walker refused level %d: %s", l, w->errmsg);
			continue;
		}
		open_cursor(a, &lv->cursor, path, compression);
		if (pb_pathwalk_collect(w, l, &lv->cursor.source) < 0)
			elog(ERROR, "path walker refused the cursor of level %d: %s", l, w->errmsg);
	}
}

void
pb_ancestors_close(PbAncestors *a)
{
	for (int l = 0; l < a->nlevels; l++)
	{
		Cursor	   *c = &a->levels[l].cursor;

		if (!c->open)
			continue;
		c->open = false;
		a->bytes_closed += pb_source_offset(&c->source);
		pb_input_end(&c->input);
		pb_raw_close(&c->raw, false);
	}
}

/* Decode level l's collected fields for the element the walker is in. */
static void
decode_level(PbAncestors *a, AncestorLevel *lv, const PbPathWalk *w, int l)
{
	MemoryContext old;
	const uint8_t *buf;
	size_t		len;

	MemoryContextReset(lv->cxt);
	lv->valid = false;
	for (int i = 0; i < lv->level->nattrs; i++)
		lv->nulls[lv->level->attrs[i]] = true;
	buf = pb_pathwalk_collected(w, l, &len);
	old = MemoryContextSwitchTo(lv->cxt);
	a->active = lv->decode;
	PG_TRY();
	{
		pb_decode_message(lv->decode, buf, len, lv->values, lv->nulls);
	}
	PG_FINALLY();
	{
		/* the error context has been given: a later error is not this level's */
		a->active = NULL;
		lv->decode->current_reader = NULL;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	lv->gen = pb_pathwalk_generation(w, l);
	lv->valid = true;
}

const PbAncestorValues *
pb_ancestors_values(const PbAncestors *a)
{
	return &a->row;
}

/*
 * Every row copies the values (a Datum and a flag each, pb_ancestors_fill):
 * a level is decoded again only when the walker has entered its next
 * element.
 */
void
pb_ancestors_refresh(PbAncestors *a, const PbPathWalk *w)
{
	for (int i = 0; i < a->ncolumned; i++)
	{
		int			l = a->columned[i];
		AncestorLevel *lv = &a->levels[l];

		if (!lv->valid || lv->gen != pb_pathwalk_generation(w, l))
			decode_level(a, lv, w, l);
	}
	for (int i = 0; i < a->row.n; i++)
	{
		a->row.values[i] = a->from[i]->values[a->row.atts[i]];
		a->row.nulls[i] = a->from[i]->nulls[a->row.atts[i]];
	}
	/* only now: a decoding error leaves it to try again */
	a->row.entered = pb_pathwalk_ancestors_generation(w);
}

bool
pb_ancestors_any(const PbAncestors *a)
{
	return a->ncolumned > 0;
}

uint64
pb_ancestors_bytes_read(const PbAncestors *a)
{
	uint64		n = a->bytes_closed;

	for (int l = 0; l < a->nlevels; l++)
		if (a->levels[l].cursor.open)
			n += pb_source_offset(&a->levels[l].cursor.source);
	return n;
}

const PbDecodeState *
pb_ancestors_decoding(const PbAncestors *a)
{
	return a ? a->active : NULL;
}

const PbInput *
pb_ancestors_damaged(const PbAncestors *a)
{
	for (int l = 0; a && l < a->nlevels; l++)
		if (a->levels[l].cursor.open && a->levels[l].cursor.input.failed)
			return &a->levels[l].cursor.input;
	return NULL;
}
