/*-------------------------------------------------------------------------
 *
 * fuzz_pathwalk.c
 *		libFuzzer target: the nested path walker (src/stream/pathwalk.c) over
 *		the buffered source, fed arbitrary bytes.
 *
 * The first bytes of the fuzz input choose the path (1 to 4 steps over
 * field numbers 1 to 4, each repeated or singular, LEN or group; the last
 * repeated), the collection mode of each level (none, cursor, streaming,
 * with or without a needed-field list), max_message_size, the source's
 * first buffer size and the roots (one to the end of the input, or up to
 * three given by length); the rest is the input.
 *
 * Invariants checked, besides "no sanitizer report":
 *  - reads of 1 byte and reads of up to 64 KiB give the same transcript
 *    (rows with every level's index, collected buffers, errors and their
 *    messages, the source's offset after each root);
 *  - every row lies inside the input: its bytes equal the input at the
 *    offset the source reports, its length is at most max_message_size,
 *    and offsets only grow; every collected buffer is within the limit;
 *  - collecting every level through cursors and collecting every level
 *    from the stream (every field needed) give the same transcript whenever
 *    both walks end without an error (differential check of the two ways
 *    of building the "element without its repeated path children" buffer);
 *  - a one-step LEN path gives the rows and error kinds of the container
 *    framing (framing.c) over the same bytes;
 *  - the walk ends (calls bounded by the input's size) and every block
 *    allocated through the hooks is freed.
 * An oversized row is skipped, as on_error 'skip' does; any other error
 * ends the root, and a root given by length is then skipped.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdbool.h>

#include "fuzz_common.h"
#include "stream/framing.h"
#include "stream/pathwalk.h"
#include "stream/source.h"

typedef struct Tx
{
	char	   *d;
	size_t		n;
	size_t		cap;
} Tx;

static void
tx_printf(Tx *t, const char *fmt,...)
{
	va_list		ap;
	int			n;

	for (;;)
	{
		va_start(ap, fmt);
		n = vsnprintf(t->d ? t->d + t->n : NULL, t->d ? t->cap - t->n : 0, fmt, ap);
		va_end(ap);
		if (t->d && (size_t) n < t->cap - t->n)
		{
			t->n += n;
			return;
		}
		t->cap = (t->cap + n + 1) * 2;
		t->d = realloc(t->d, t->cap);
		FUZZ_CHECK(t->d != NULL);
	}
}

static void
tx_hex(Tx *t, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tx_printf(t, "%02x", p[i]);
}

#define MODE_NONE 0
#define MODE_CURSOR 1
#define MODE_STREAM 2

typedef struct Setup
{
	PbPathStep	steps[4];
	int			nsteps;
	int			mode[5];		/* per level */
	int			need_some[4];	/* per depth: only fields 1 and 3 */
	uint64_t	max;
	size_t		cap;
	uint64_t	roots[3];		/* lengths; nroots 0: one to the end */
	int			nroots;
	bool		rows_only;		/* leave the collected buffers out */
} Setup;

static const uint8_t *payload;
static size_t plen;
static bool setup_rows_only;

/* One root's rows into t; returns false on an error. */
static bool
walk_root(PbPathWalk *w, PbSource *src, Tx *t, uint64_t *prev_end, long *budget)
{
	for (;;)
	{
		const uint8_t *row = NULL;
		size_t		len = 0;
		PbPathResult res;

		FUZZ_CHECK(--*budget > 0);
		res = pb_pathwalk_next(w, &row, &len);
		if (res == PB_PATH_END_OF_ROOT)
		{
			tx_printf(t, "END\n");
			return true;
		}
		if (res == PB_PATH_ERROR)
		{
			FUZZ_CHECK(w->err != PB_PATH_ERR_NONE && w->errmsg[0] != '\0');
			tx_printf(t, "ERR%d %s\n", w->err, w->errmsg);
			if (w->err == PB_PATH_ERR_TOO_LARGE && pb_pathwalk_skip_oversized(w) == 0)
				continue;
			return false;
		}
		FUZZ_CHECK(res == PB_PATH_ROW);
		FUZZ_CHECK(len <= w->max_message_size);
		if (len > 0)
		{
			uint64_t	off;

			FUZZ_CHECK(row >= src->buf && row + len <= src->buf + src->pos);
			off = src->base_offset + (uint64_t) (row - src->buf);
			FUZZ_CHECK(off + len <= plen && off >= *prev_end);
			FUZZ_CHECK(memcmp(row, payload + off, len) == 0);
			*prev_end = off + len;
		}
		tx_printf(t, "[");
		for (int l = 0; l < pb_pathwalk_nlevels(w); l++)
			tx_printf(t, " %llu@%llu", (unsigned long long) pb_pathwalk_index(w, l),
					  (unsigned long long) pb_pathwalk_offset(w, l));
		tx_printf(t, "] ");
		tx_hex(t, row, len);
		for (int l = 0; l < pb_pathwalk_nlevels(w) - 1 && !setup_rows_only; l++)
		{
			size_t		clen;
			const uint8_t *c = pb_pathwalk_collected(w, l, &clen);

			FUZZ_CHECK(clen <= w->max_message_size);
			if (w->level[l].collect)
			{
				tx_printf(t, " c%d=", l);
				tx_hex(t, c, clen);
			}
		}
		tx_printf(t, "\n");
	}
}

/* Walk the payload with reads of 'chunk' bytes; returns true if no error. */
static bool
run(const Setup *s, size_t chunk, Tx *t)
{
	static const uint32_t some[] = {1, 3};
	FzReader	in = {payload, plen, 0, chunk, 0};
	FzReader	cin[4];
	PbSource	src;
	PbSource	cur[4];
	PbPathWalk	w;
	uint64_t	prev_end = 0;
	long		budget = 4 * (long) plen + 64;
	bool		ok = true;
	int			nlevels;

	fz_refused = 0;
	setup_rows_only = s->rows_only;
	FUZZ_CHECK(pb_source_init(&src, fz_read, &in, &(PbAllocator) {fz_alloc, fz_free, NULL}, s->cap) == 0);
	FUZZ_CHECK(pb_pathwalk_init(&w, &src, s->steps, s->nsteps, s->max,
								&(PbAllocator) {fz_alloc, fz_free, NULL}) == 0);
	nlevels = pb_pathwalk_nlevels(&w);
	for (int l = 0; l < nlevels - 1; l++)
	{
		if (s->mode[l] == MODE_CURSOR)
		{
			cin[l] = (FzReader) {payload, plen, 0, chunk, 0};
			FUZZ_CHECK(pb_source_init(&cur[l], fz_read, &cin[l],
									  &(PbAllocator) {fz_alloc, fz_free, NULL}, s->cap) == 0);
		}
		if (s->mode[l] != MODE_NONE)
			FUZZ_CHECK(pb_pathwalk_collect(&w, l, s->mode[l] == MODE_CURSOR ? &cur[l] : NULL) == 0);
	}
	for (int d = 0; d < s->nsteps; d++)
		if (s->need_some[d])
			pb_pathwalk_need(&w, d, some, 2);
	if (s->nroots == 0)
	{
		pb_pathwalk_begin_root(&w, PB_PATH_ROOT_TO_END);
		ok = walk_root(&w, &src, t, &prev_end, &budget);
	}
	for (int r = 0; r < s->nroots; r++)
	{
		pb_pathwalk_begin_root(&w, s->roots[r]);
		if (!walk_root(&w, &src, t, &prev_end, &budget))
		{
			ok = false;
			if (pb_pathwalk_skip_root(&w) != 0)
			{
				tx_printf(t, "SKIPFAIL\n");
				break;
			}
		}
		tx_printf(t, "at %llu\n", (unsigned long long) pb_source_offset(&src));
	}
	pb_pathwalk_free(&w);
	for (int l = 0; l < nlevels - 1; l++)
		if (s->mode[l] == MODE_CURSOR)
			pb_source_free(&cur[l]);
	pb_source_free(&src);
	FUZZ_CHECK(fz_live == 0);
	return ok && !fz_refused;
}

/* The container framing's rows and error kinds, as a transcript. */
static void
framing_rows(const Setup *s, Tx *t)
{
	FzReader	in = {payload, plen, 0, 4096, 0};
	PbSource	src;
	PbFraming	f;
	const uint8_t *msg;
	size_t		len;

	FUZZ_CHECK(pb_source_init(&src, fz_read, &in, &(PbAllocator) {fz_alloc, fz_free, NULL}, s->cap) == 0);
	pb_framing_init(&f, PB_FRAMING_CONTAINER, &src, s->steps[0].field, s->max);
	for (;;)
	{
		PbFrameResult res = pb_framing_next(&f, &msg, &len);

		if (res == PB_FRAME_MESSAGE)
		{
			tx_hex(t, msg, len);
			tx_printf(t, "\n");
			continue;
		}
		if (res == PB_FRAME_END)
			tx_printf(t, "END\n");
		else
		{
			tx_printf(t, "ERR%d\n", f.err);
			if (f.err == PB_FRAME_ERR_TOO_LARGE && pb_framing_skip_oversized(&f) == 0)
				continue;
		}
		break;
	}
	pb_source_free(&src);
}

/* The walker's rows and error kinds only, from a full transcript. */
static void
rows_only(const Tx *full, Tx *t)
{
	const char *p = full->d;

	while (p && *p)
	{
		const char *nl = strchr(p, '\n');

		if (p[0] == '[')
		{
			const char *sp = strstr(p, "] ") + 2;
			const char *end = sp;

			while (end < nl && *end != ' ')
				end++;
			tx_printf(t, "%.*s\n", (int) (end - sp), sp);
		}
		else if (strncmp(p, "ERR", 3) == 0)
			tx_printf(t, "%.*s\n", (int) (strchr(p, ' ') - p), p);
		else
			tx_printf(t, "%.*s\n", (int) (nl - p), p);
		p = nl + 1;
	}
}

static void
parse_setup(FzBytes *b, Setup *s)
{
	uint8_t		shape = fz_u8(b);
	uint8_t		modes = fz_u8(b);
	uint8_t		lim = fz_u8(b);

	memset(s, 0, sizeof(*s));
	s->nsteps = 1 + (shape & 3);
	for (int i = 0; i < s->nsteps; i++)
	{
		uint8_t		st = fz_u8(b);

		s->steps[i].field = 1 + (st & 3);
		s->steps[i].repeated = (st >> 2) & 1;
		s->steps[i].group = (st >> 3) & 1;
		s->need_some[i] = (st >> 4) & 1;
	}
	s->steps[s->nsteps - 1].repeated = 1;
	for (int l = 0; l < 5; l++)
		s->mode[l] = ((modes >> (l % 4 * 2)) & 3) % 3;
	s->max = (lim & 0x80) ? (1u << 20) : 1 + (lim & 0x7f);
	s->cap = (shape & 4) ? 16 : 4096;
	s->nroots = (shape >> 3) & 3;
	for (int r = 0; r < s->nroots; r++)
		s->roots[r] = fz_u8(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FzBytes		b = {data, size};
	Setup		s;
	Tx			t1 = {0},
				t2 = {0};

	parse_setup(&b, &s);
	payload = b.p;
	plen = b.n;

	/* 1-byte reads and big reads agree */
	run(&s, 1, &t1);
	run(&s, 65536, &t2);
	tx_printf(&t1, "");
	tx_printf(&t2, "");
	if (strcmp(t1.d, t2.d) != 0)
		fprintf(stderr, "1-byte reads:\n%s---\nbig reads:\n%s", t1.d, t2.d);
	FUZZ_CHECK(strcmp(t1.d, t2.d) == 0);

	/* every level through cursors and every level streamed: equal when both succeed */
	{
		Setup		c = s,
					m = s;
		bool		ok_c,
					ok_m;

		t1.n = t2.n = 0;
		for (int l = 0; l < 5; l++)
		{
			c.mode[l] = MODE_CURSOR;
			m.mode[l] = MODE_STREAM;
		}
		for (int d = 0; d < s.nsteps; d++)
		{
			c.need_some[d] = m.need_some[d] = 0;
			/*
			 * a singular step's late occurrences are re-emitted by a cursor,
			 * not by the stream (they hold nothing a decoder would not merge
			 * away): the buffers differ in bytes, not in meaning
			 */
			if (!s.steps[d].repeated)
				c.rows_only = m.rows_only = true;
		}
		ok_c = run(&c, 7, &t1);
		ok_m = run(&m, 7, &t2);
		tx_printf(&t1, "");
		tx_printf(&t2, "");
		if (ok_c && ok_m && strcmp(t1.d, t2.d) != 0)
			fprintf(stderr, "cursors:\n%s---\nstreamed:\n%s", t1.d, t2.d);
		FUZZ_CHECK(!(ok_c && ok_m) || strcmp(t1.d, t2.d) == 0);
	}

	/* one LEN step to the end of the input is the container framing */
	if (s.nsteps == 1 && !s.steps[0].group && s.nroots == 0)
	{
		Setup		one = s;
		Tx			full = {0},
					mine = {0};

		one.mode[0] = MODE_NONE;
		t1.n = 0;
		run(&one, 5, &full);
		tx_printf(&full, "");
		rows_only(&full, &mine);
		tx_printf(&mine, "");
		framing_rows(&one, &t1);
		tx_printf(&t1, "");
		if (strcmp(mine.d, t1.d) != 0)
			fprintf(stderr, "walker:\n%s---\nframing:\n%s", mine.d, t1.d);
		FUZZ_CHECK(strcmp(mine.d, t1.d) == 0);
		free(full.d);
		free(mine.d);
	}
	free(t1.d);
	free(t2.d);
	return 0;
}
