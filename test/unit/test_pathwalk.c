/*-------------------------------------------------------------------------
 *
 * test_pathwalk.c
 *		Unit tests of src/stream/pathwalk.c, without a server.
 *
 * Inputs are built here field by field from the protobuf encoding rules
 * (a small builder below), so the tests depend on no encoder of ours.  Most
 * tests run a walk to a transcript (one line per row: the index of each
 * level, the row's bytes, the collected buffers; then the end or the error)
 * and check it; every walk is run with reads of 1 byte, 3 bytes and 1 MiB,
 * which must give the same transcript.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>

#include "unit.h"
#include "stream/framing.h"
#include "stream/pathwalk.h"
#include "stream/source.h"
#include "stream/wire.h"

/* ---- a growable byte buffer: message builder and transcript ---- */

typedef struct Bld
{
	uint8_t    *d;
	size_t		n;
	size_t		cap;
} Bld;

static void
b_raw(Bld *b, const void *p, size_t n)
{
	if (b->n + n + 1 > b->cap)
	{
		b->cap = (b->n + n + 1) * 2;
		b->d = realloc(b->d, b->cap);
	}
	if (n)
		memcpy(b->d + b->n, p, n);
	b->n += n;
	b->d[b->n] = 0;				/* a transcript reads as a string */
}

static void
b_varint(Bld *b, uint64_t v)
{
	uint8_t		c;

	while (v >= 0x80)
	{
		c = (uint8_t) (v | 0x80);
		b_raw(b, &c, 1);
		v >>= 7;
	}
	c = (uint8_t) v;
	b_raw(b, &c, 1);
}

static void
b_tag(Bld *b, uint32_t field, int wt)
{
	b_varint(b, ((uint64_t) field << 3) | wt);
}

static void
b_int(Bld *b, uint32_t field, uint64_t v)
{
	b_tag(b, field, PB_WT_VARINT);
	b_varint(b, v);
}

static void
b_str(Bld *b, uint32_t field, const char *s)
{
	b_tag(b, field, PB_WT_LEN);
	b_varint(b, strlen(s));
	b_raw(b, s, strlen(s));
}

static void
b_msg(Bld *b, uint32_t field, const Bld *sub)
{
	b_tag(b, field, PB_WT_LEN);
	b_varint(b, sub->n);
	b_raw(b, sub->d, sub->n);
}

static void
b_grp(Bld *b, uint32_t field, const Bld *sub)
{
	b_tag(b, field, PB_WT_SGROUP);
	b_raw(b, sub->d, sub->n);
	b_tag(b, field, PB_WT_EGROUP);
}

static void
b_printf(Bld *b, const char *fmt,...)
{
	char		s[512];
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	b_raw(b, s, (size_t) n < sizeof(s) ? (size_t) n : sizeof(s) - 1);
}

static void
b_hex(Bld *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b_printf(b, "%02x", p[i]);
}

static void
b_reset(Bld *b)
{
	b->n = 0;
	if (b->d)
		b->d[0] = 0;
}

static void
b_free(Bld *b)
{
	free(b->d);
	memset(b, 0, sizeof(*b));
}

/* hex of a builder's bytes, in one of 8 rotating static buffers */
static const char *
hx(const Bld *b)
{
	static char bufs[8][4096];
	static int	next;
	char	   *s = bufs[next++ % 8];

	for (size_t i = 0; i < b->n && i < 2047; i++)
		sprintf(s + 2 * i, "%02x", b->d[i]);
	s[b->n < 2047 ? 2 * b->n : 4094] = 0;
	return s;
}

/* ---- input and allocation ---- */

typedef struct MemInput
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
	size_t		chunk;
} MemInput;

static long
mem_read(void *arg, uint8_t *buf, size_t len)
{
	MemInput   *in = arg;
	size_t		n = in->len - in->pos;

	if (n > len)
		n = len;
	if (n > in->chunk)
		n = in->chunk;
	memcpy(buf, in->data + in->pos, n);
	in->pos += n;
	return (long) n;
}

/* counts live bytes and their peak (a size header before each block) */
static size_t live_bytes,
			peak_bytes;

static void *
count_alloc(void *ctx, size_t size)
{
	size_t	   *p = malloc(size + sizeof(size_t));

	if (p == NULL)
		return NULL;
	*p = size;
	live_bytes += size;
	if (live_bytes > peak_bytes)
		peak_bytes = live_bytes;
	return p + 1;
}

static void
count_free(void *ctx, void *ptr)
{
	size_t	   *p = (size_t *) ptr - 1;

	live_bytes -= *p;
	free(p);
}

static const PbAllocator allocator = {count_alloc, count_free, NULL};

/* ---- running a walk to a transcript ---- */

#define COLLECT_NONE 0
#define COLLECT_CURSOR 1
#define COLLECT_STREAM 2

typedef struct Cfg
{
	const PbPathStep *steps;
	int			nsteps;
	uint64_t	max;			/* 0: 1 MiB */
	int			collect[PB_PATH_MAX_STEPS + 1];	/* per level */
	const uint32_t *need[PB_PATH_MAX_STEPS];	/* per depth */
	int			nneed[PB_PATH_MAX_STEPS];
	int			skip_oversized;
	const uint64_t *roots;		/* lengths of consecutive roots; NULL: one to the end */
	int			nroots;
	size_t		cap;			/* the sources' first buffer; 0: 64 */
} Cfg;

static int	progress_calls;

static int
count_progress(void *arg)
{
	progress_calls++;
	return arg != NULL && progress_calls >= *(int *) arg;
}

/*
 * What the transcript does not show, checked row by row: the row level's
 * offset is that of the row element's tag in 'data', and the ancestors'
 * generation changes exactly when some level above the rows entered an
 * element.
 */
static void
check_row(const PbPathWalk *w, const Cfg *cfg, const uint8_t *data, size_t len,
		  const uint8_t *row, size_t rowlen, uint64_t *gens, uint64_t *entered)
{
	const PbPathStep *last = &cfg->steps[cfg->nsteps - 1];
	int			nlevels = pb_pathwalk_nlevels(w);
	uint64_t	off = pb_pathwalk_offset(w, nlevels - 1);
	const uint8_t *p = data + off;
	uint32_t	field = 0;
	int			wt = -1;
	uint64_t	n = 0;
	int			changed = 0;

	CHECK(off < len);
	if (off >= len)
		return;
	CHECK(pb_read_tag(&p, data + len, &field, &wt) == PB_WIRE_OK);
	CHECK_EQ_INT(field, last->field);
	CHECK_EQ_INT(wt, last->group ? PB_WT_SGROUP : PB_WT_LEN);
	if (!last->group)
	{
		CHECK(pb_read_varint(&p, data + len, &n) == PB_WIRE_OK);
		CHECK(n == rowlen);
	}
	CHECK(rowlen <= (size_t) (data + len - p) && memcmp(p, row, rowlen) == 0);
	for (int l = 0; l < nlevels - 1; l++)
	{
		changed |= gens[l] != pb_pathwalk_generation(w, l);
		gens[l] = pb_pathwalk_generation(w, l);
	}
	CHECK_EQ_INT(changed, *entered != pb_pathwalk_ancestors_generation(w));
	*entered = pb_pathwalk_ancestors_generation(w);
}

/* One root's rows, into t. Returns the last result. */
static PbPathResult
walk_root(PbPathWalk *w, const Cfg *cfg, const uint8_t *data, size_t datalen, Bld *t)
{
	uint64_t	gens[PB_PATH_MAX_STEPS + 1] = {0};
	uint64_t	entered = 0;

	for (int l = 0; l < pb_pathwalk_nlevels(w) - 1; l++)
		gens[l] = pb_pathwalk_generation(w, l);
	entered = pb_pathwalk_ancestors_generation(w);
	for (;;)
	{
		const uint8_t *row = NULL;
		size_t		len = 0;
		PbPathResult res = pb_pathwalk_next(w, &row, &len);

		if (res == PB_PATH_END_OF_ROOT)
		{
			b_printf(t, "END\n");
			return res;
		}
		if (res == PB_PATH_ERROR)
		{
			b_printf(t, "ERR%d %s\n", w->err, w->errmsg);
			/* what a caller names in its own terms (container.c) */
			if (w->err_level >= 0)
				b_printf(t, "AT level %d depth %d field %u\n", w->err_level, w->err_depth,
						 w->err_field);
			if (w->err == PB_PATH_ERR_TOO_LARGE && cfg->skip_oversized)
			{
				if (pb_pathwalk_skip_oversized(w) == 0)
					continue;
				b_printf(t, "SKIPERR%d %s\n", w->err, w->errmsg);
			}
			return res;
		}
		check_row(w, cfg, data, datalen, row, len, gens, &entered);
		b_printf(t, "[");
		for (int l = 1; l < pb_pathwalk_nlevels(w); l++)
			b_printf(t, "%s%llu", l > 1 ? "." : "", (unsigned long long) pb_pathwalk_index(w, l));
		b_printf(t, "] ");
		b_hex(t, row, len);
		for (int l = 0; l < pb_pathwalk_nlevels(w) - 1; l++)
		{
			if (cfg->collect[l])
			{
				size_t		clen;
				const uint8_t *c = pb_pathwalk_collected(w, l, &clen);

				b_printf(t, " c%d=", l);
				b_hex(t, c, clen);
			}
		}
		b_printf(t, "\n");
	}
}

static void
run_once(const Cfg *cfg, const uint8_t *data, size_t len, size_t chunk, Bld *t)
{
	MemInput	in = {data, len, 0, chunk};
	MemInput	cin[PB_PATH_MAX_STEPS + 1];
	PbSource	src;
	PbSource	cur[PB_PATH_MAX_STEPS + 1];
	PbPathWalk	w;
	size_t		cap = cfg->cap ? cfg->cap : 64;
	int			nlevels;

	CHECK_EQ_INT(pb_source_init(&src, mem_read, &in, &allocator, cap), 0);
	CHECK_EQ_INT(pb_pathwalk_init(&w, &src, cfg->steps, cfg->nsteps,
								  cfg->max ? cfg->max : 1 << 20, &allocator), 0);
	nlevels = pb_pathwalk_nlevels(&w);
	for (int l = 0; l < nlevels - 1; l++)
	{
		if (cfg->collect[l] == COLLECT_CURSOR)
		{
			cin[l] = (MemInput) {data, len, 0, chunk};
			CHECK_EQ_INT(pb_source_init(&cur[l], mem_read, &cin[l], &allocator, cap), 0);
		}
		if (cfg->collect[l])
			CHECK_EQ_INT(pb_pathwalk_collect(&w, l, cfg->collect[l] == COLLECT_CURSOR ? &cur[l] : NULL), 0);
	}
	for (int d = 0; d < cfg->nsteps; d++)
		if (cfg->need[d] || cfg->nneed[d])
			pb_pathwalk_need(&w, d, cfg->need[d], cfg->nneed[d]);
	if (cfg->roots == NULL)
	{
		pb_pathwalk_begin_root(&w, PB_PATH_ROOT_TO_END);
		walk_root(&w, cfg, data, len, t);
	}
	for (int r = 0; cfg->roots && r < cfg->nroots; r++)
	{
		b_printf(t, "root %d @%llu\n", r, (unsigned long long) pb_source_offset(&src));
		pb_pathwalk_begin_root(&w, cfg->roots[r]);
		if (walk_root(&w, cfg, data, len, t) == PB_PATH_ERROR)
			break;
	}
	pb_pathwalk_free(&w);
	for (int l = 0; l < nlevels - 1; l++)
		if (cfg->collect[l] == COLLECT_CURSOR)
			pb_source_free(&cur[l]);
	pb_source_free(&src);
	CHECK_EQ_INT(live_bytes, 0);
}

/*
 * Walk with reads of 1, 3 and 1 MiB bytes; all three transcripts must be
 * equal.  Returns the transcript (caller frees).
 */
static char *
run(const Cfg *cfg, const uint8_t *data, size_t len)
{
	Bld			t[3] = {{0}};
	const size_t chunks[3] = {1, 3, 1 << 20};

	for (int i = 0; i < 3; i++)
	{
		run_once(cfg, data, len, chunks[i], &t[i]);
		b_raw(&t[i], "", 0);
	}
	if (strcmp((char *) t[0].d, (char *) t[2].d) != 0 ||
		strcmp((char *) t[1].d, (char *) t[2].d) != 0)
		fprintf(stderr, "transcripts differ by read size:\n%s---\n%s---\n%s", t[0].d, t[1].d, t[2].d);
	CHECK(strcmp((char *) t[0].d, (char *) t[2].d) == 0);
	CHECK(strcmp((char *) t[1].d, (char *) t[2].d) == 0);
	b_free(&t[0]);
	b_free(&t[1]);
	return (char *) t[2].d;
}

static void
check_transcript(const char *got, const char *want, int line)
{
	if (strcmp(got, want) != 0)
		fprintf(stderr, "line %d: transcript\n%s--- expected\n%s---\n", line, got, want);
	CHECK(strcmp(got, want) == 0);
}

#define EXPECT(cfg, bld, want) \
	do { \
		char	   *got_ = run((cfg), (bld)->d, (bld)->n); \
		check_transcript(got_, (want), __LINE__); \
		free(got_); \
	} while (0)

/* true if the transcript's last line is an error of 'err' */
static int
ends_with_error(const char *t, int err)
{
	char		pat[16];
	const char *last = t;

	/* the last line, or the one before an "AT ..." line */
	for (const char *p = t; *p; p++)
		if (p[0] == '\n' && p[1] != '\0' && strncmp(p + 1, "AT ", 3) != 0)
			last = p + 1;
	snprintf(pat, sizeof(pat), "ERR%d ", err);
	return strncmp(last, pat, strlen(pat)) == 0;
}

/* ---- the tests ---- */

static const PbPathStep dump_path[] = {{1, 1, 0}, {2, 1, 0}};	/* groups, events */

/* Strip each error line after its code, so errors compare by kind only. */
static void
strip_messages(char *t)
{
	char	   *out = t;

	for (char *p = t; *p;)
	{
		if ((strncmp(p, "ERR", 3) == 0 || strncmp(p, "SKIPERR", 7) == 0) &&
			(p == t || p[-1] == '\n'))
		{
			char	   *sp = strchr(p, ' ');
			char	   *nl = strchr(p, '\n');

			memmove(out, p, sp - p);
			out += sp - p;
			*out++ = '\n';
			p = nl + 1;
			continue;
		}
		*out++ = *p++;
	}
	*out = 0;
}

/* The container framing over the same bytes, as a transcript. */
static char *
framing_transcript(const uint8_t *data, size_t len, uint32_t field, uint64_t max)
{
	MemInput	in = {data, len, 0, 7};
	PbSource	src;
	PbFraming	f;
	Bld			t = {0};
	const uint8_t *msg;
	size_t		mlen;
	PbFrameResult res;
	int			n = 0;

	pb_source_init(&src, mem_read, &in, &allocator, 64);
	pb_framing_init(&f, PB_FRAMING_CONTAINER, &src, field, max);
	for (;;)
	{
		res = pb_framing_next(&f, &msg, &mlen);
		if (res == PB_FRAME_MESSAGE)
		{
			b_printf(&t, "[%d] ", ++n);
			b_hex(&t, msg, mlen);
			b_printf(&t, "\n");
			continue;
		}
		if (res == PB_FRAME_END)
			b_printf(&t, "END\n");
		else
		{
			b_printf(&t, "ERR%d\n", f.err);
			if (f.err == PB_FRAME_ERR_TOO_LARGE)
			{
				n++;
				if (pb_framing_skip_oversized(&f) == 0)
					continue;
				b_printf(&t, "SKIPERR%d\n", PB_FRAME_ERR_TRUNCATED);
			}
		}
		break;
	}
	pb_source_free(&src);
	return (char *) t.d;
}

/* A one-step path is today's container framing: same rows, same errors. */
static void
test_one_step(void)
{
	static const PbPathStep path[] = {{2, 1, 0}};
	Bld			root = {0},
				r1 = {0},
				g = {0},
				inner = {0};
	Cfg			cfg = {.steps = path, .nsteps = 1};

	b_int(&r1, 1, 1);
	b_int(&root, 1, 7);
	b_msg(&root, 2, &r1);
	b_str(&root, 3, "xyz");
	b_str(&root, 2, "");
	b_int(&g, 1, 1);
	b_grp(&g, 5, &inner);
	b_grp(&root, 4, &g);
	b_int(&root, 2, 9);			/* wire type mismatch: an unknown field */
	b_str(&root, 2, "\x08\x02\x10\x03");
	b_tag(&root, 6, PB_WT_I32);
	b_raw(&root, "abcd", 4);
	b_str(&root, 2, "0123456789");

	for (uint64_t max = 4; max <= 100; max += 96)
	{
		cfg.max = max;
		cfg.skip_oversized = 1;
		for (size_t cut = 0; cut <= root.n; cut++)
		{
			char	   *got = run(&cfg, root.d, cut);
			char	   *want = framing_transcript(root.d, cut, 2, max);

			strip_messages(got);
			check_transcript(got, want, __LINE__);
			free(got);
			free(want);
		}
	}
	b_free(&root);
	b_free(&r1);
	b_free(&g);
	b_free(&inner);
}

/* Two levels, empty elements, the index and the collected fields in every order. */
static void
test_two_steps(void)
{
	Bld			dump = {0},
				g[4] = {{0}},
				e[4] = {{0}},
				name[4] = {{0}},
				want = {0};
	static const uint32_t need_name[] = {1};
	Cfg			cfg = {.steps = dump_path, .nsteps = 2};
	char	   *got;

	for (int i = 0; i < 4; i++)
	{
		b_int(&e[i], 1, i + 1);
		b_str(&name[i], 1, i == 0 ? "a" : i == 1 ? "b" : i == 2 ? "c" : "d");
	}
	/* name before, name between, empty, name after */
	b_raw(&g[0], name[0].d, name[0].n);
	b_msg(&g[0], 2, &e[0]);
	b_msg(&g[0], 2, &e[1]);
	b_msg(&g[1], 2, &e[2]);
	b_raw(&g[1], name[1].d, name[1].n);
	b_msg(&g[1], 2, &e[0]);
	b_raw(&g[2], name[2].d, name[2].n);
	b_msg(&g[3], 2, &e[3]);
	b_raw(&g[3], name[3].d, name[3].n);
	b_int(&dump, 5, 42);
	for (int i = 0; i < 4; i++)
		b_msg(&dump, 1, &g[i]);
	b_int(&dump, 6, 43);

	/* no collection */
	b_printf(&want, "[1.1] %s\n[1.2] %s\n[2.1] %s\n[2.2] %s\n[4.1] %s\nEND\n",
			 hx(&e[0]), hx(&e[1]), hx(&e[2]), hx(&e[0]), hx(&e[3]));
	EXPECT(&cfg, &dump, (char *) want.d);

	/* cursor mode: the name whatever its place, and the root's fields */
	cfg.collect[0] = COLLECT_CURSOR;
	cfg.collect[1] = COLLECT_CURSOR;
	b_reset(&want);
	b_printf(&want, "[1.1] %s c0=282a302b c1=%s\n", hx(&e[0]), hx(&name[0]));
	b_printf(&want, "[1.2] %s c0=282a302b c1=%s\n", hx(&e[1]), hx(&name[0]));
	b_printf(&want, "[2.1] %s c0=282a302b c1=%s\n", hx(&e[2]), hx(&name[1]));
	b_printf(&want, "[2.2] %s c0=282a302b c1=%s\n", hx(&e[0]), hx(&name[1]));
	b_printf(&want, "[4.1] %s c0=282a302b c1=%s\nEND\n", hx(&e[3]), hx(&name[3]));
	EXPECT(&cfg, &dump, (char *) want.d);

	/*
	 * streaming mode: right for the first group; the second group's name
	 * comes after its first event: that row has gone out without it, then
	 * the walk stops at the name (the query fails)
	 */
	cfg.collect[0] = COLLECT_NONE;
	cfg.collect[1] = COLLECT_STREAM;
	got = run(&cfg, dump.d, dump.n);
	b_reset(&want);
	b_printf(&want, "[1.1] %s c1=%s\n[1.2] %s c1=%s\n[2.1] %s c1=\nERR%d field 1 of a level 1 element "
			 "comes after the element's first child: it cannot be read from a streamed input\n"
			 "AT level 1 depth 1 field 1\n",
			 hx(&e[0]), hx(&name[0]), hx(&e[1]), hx(&name[0]), hx(&e[2]), PB_PATH_ERR_LATE_FIELD);
	check_transcript(got, (char *) want.d, __LINE__);
	free(got);

	/* ... unless the late field is not needed: then it is skipped */
	cfg.need[1] = need_name + 1;
	cfg.nneed[1] = 0;
	b_reset(&want);
	b_printf(&want, "[1.1] %s c1=\n[1.2] %s c1=\n[2.1] %s c1=\n[2.2] %s c1=\n[4.1] %s c1=\nEND\n",
			 hx(&e[0]), hx(&e[1]), hx(&e[2]), hx(&e[0]), hx(&e[3]));
	EXPECT(&cfg, &dump, (char *) want.d);

	/* the root's fields in streaming mode: 5 comes before the first group, 6 after */
	cfg.collect[0] = COLLECT_STREAM;
	cfg.need[0] = need_name;	/* field 1 is the path: never collected as a field */
	cfg.nneed[0] = 1;
	got = run(&cfg, dump.d, dump.n);
	CHECK(strstr(got, "[4.1]") != NULL && strstr(got, " c0= c1=") != NULL);
	free(got);
	cfg.need[0] = NULL;
	cfg.nneed[0] = 0;
	got = run(&cfg, dump.d, dump.n);
	CHECK(strstr(got, "[4.1]") != NULL && strstr(got, " c0=282a c1=") != NULL);
	CHECK(strstr(got, "field 6 of a level 0 element") != NULL);
	CHECK(ends_with_error(got, PB_PATH_ERR_LATE_FIELD));
	free(got);

	for (int i = 0; i < 4; i++)
	{
		b_free(&g[i]);
		b_free(&e[i]);
		b_free(&name[i]);
	}
	b_free(&dump);
	b_free(&want);
}

/* Three levels (OTLP's shape) and the index reset at each parent. */
static void
test_three_steps(void)
{
	static const PbPathStep path[] = {{1, 1, 0}, {2, 1, 0}, {2, 1, 0}};
	Bld			req = {0},
				rs[2] = {{0}},
				ss[3] = {{0}},
				span[3] = {{0}},
				res = {0},
				scope = {0},
				want = {0};
	Cfg			cfg = {.steps = path, .nsteps = 3};

	for (int i = 0; i < 3; i++)
		b_int(&span[i], 1, 100 + i);
	b_str(&res, 1, "svc");
	b_str(&scope, 1, "lib");
	/* ss0 {spans 0, 1; scope after}, ss1 {scope; span 2}, ss2 {} */
	b_msg(&ss[0], 2, &span[0]);
	b_msg(&ss[0], 2, &span[1]);
	b_msg(&ss[0], 1, &scope);
	b_msg(&ss[1], 1, &scope);
	b_msg(&ss[1], 2, &span[2]);
	/* rs0 {ss0, resource, ss1}, rs1 {ss2, ss0} */
	b_msg(&rs[0], 2, &ss[0]);
	b_msg(&rs[0], 1, &res);
	b_msg(&rs[0], 2, &ss[1]);
	b_msg(&rs[1], 2, &ss[2]);
	b_msg(&rs[1], 2, &ss[0]);
	b_msg(&req, 1, &rs[0]);
	b_msg(&req, 1, &rs[1]);

	cfg.collect[1] = COLLECT_CURSOR;
	cfg.collect[2] = COLLECT_CURSOR;
	b_printf(&want, "[1.1.1] %s c1=0a05%s c2=0a05%s\n", hx(&span[0]), hx(&res), hx(&scope));
	b_printf(&want, "[1.1.2] %s c1=0a05%s c2=0a05%s\n", hx(&span[1]), hx(&res), hx(&scope));
	b_printf(&want, "[1.2.1] %s c1=0a05%s c2=0a05%s\n", hx(&span[2]), hx(&res), hx(&scope));
	b_printf(&want, "[2.2.1] %s c1= c2=0a05%s\n", hx(&span[0]), hx(&scope));
	b_printf(&want, "[2.2.2] %s c1= c2=0a05%s\nEND\n", hx(&span[1]), hx(&scope));
	EXPECT(&cfg, &req, (char *) want.d);

	/* offsets and generations, read directly */
	{
		MemInput	in = {req.d, req.n, 0, 5};
		PbSource	src;
		PbPathWalk	w;
		const uint8_t *row;
		size_t		len;
		uint64_t	gen1;

		pb_source_init(&src, mem_read, &in, &allocator, 64);
		CHECK_EQ_INT(pb_pathwalk_init(&w, &src, path, 3, 1000, &allocator), 0);
		CHECK_EQ_INT(pb_pathwalk_nlevels(&w), 4);
		pb_pathwalk_begin_root(&w, PB_PATH_ROOT_TO_END);
		CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ROW);
		CHECK_EQ_INT(pb_pathwalk_offset(&w, 0), 0);
		CHECK_EQ_INT(pb_pathwalk_index(&w, 0), 1);
		CHECK_EQ_INT(pb_pathwalk_offset(&w, 1), 0);
		CHECK_EQ_INT(pb_pathwalk_offset(&w, 2), 2);
		CHECK_EQ_INT(pb_pathwalk_offset(&w, 3), 4);
		CHECK_EQ_INT(row - src.buf + src.base_offset, 6);
		gen1 = pb_pathwalk_generation(&w, 1);
		CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ROW);
		CHECK_EQ_INT(pb_pathwalk_offset(&w, 3), 4 + 2 + span[0].n);
		CHECK_EQ_INT(pb_pathwalk_generation(&w, 1), gen1);
		CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ROW);
		CHECK_EQ_INT(pb_pathwalk_generation(&w, 1), gen1);
		CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ROW);
		CHECK(pb_pathwalk_generation(&w, 1) != gen1);
		CHECK_EQ_INT(pb_pathwalk_offset(&w, 1), 2 + rs[0].n);
		CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ROW);
		CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_END_OF_ROOT);
		CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_END_OF_ROOT);
		CHECK_EQ_INT(w.rows, 5);
		pb_pathwalk_free(&w);
		pb_source_free(&src);
	}

	for (int i = 0; i < 3; i++)
	{
		b_free(&ss[i]);
		b_free(&span[i]);
	}
	b_free(&rs[0]);
	b_free(&rs[1]);
	b_free(&res);
	b_free(&scope);
	b_free(&req);
	b_free(&want);
}

/*
 * A singular step between repeated ones (GTFS-realtime's entity.trip_update.
 * stop_time_update): merged occurrences, the index continuing across them,
 * the singular step re-emitted in the collected buffer.
 */
static void
test_singular_steps(void)
{
	static const PbPathStep path[] = {{2, 1, 0}, {3, 0, 0}, {2, 1, 0}};
	static const uint32_t need1[] = {1, 3};
	static const uint32_t need2[] = {1};
	static const uint32_t need2_late[] = {1, 4};
	Bld			feed = {0},
				ent[2] = {{0}},
				tu[3] = {{0}},
				trip = {0},
				stu[4] = {{0}},
				hdr = {0},
				want = {0},
				tu0_kept = {0},
				tu1_kept = {0};
	Cfg			cfg = {.steps = path, .nsteps = 3};
	char	   *got;

	for (int i = 0; i < 4; i++)
		b_int(&stu[i], 1, i + 1);
	b_str(&trip, 1, "t1");
	b_int(&hdr, 3, 1700000000);
	/* entity 1: id, tu{trip, stu1, stu2}, tu{stu3, timestamp}; entity 2: tu{stu4}, id after */
	b_msg(&tu[0], 1, &trip);
	b_msg(&tu[0], 2, &stu[0]);
	b_msg(&tu[0], 2, &stu[1]);
	b_msg(&tu[1], 2, &stu[2]);
	b_int(&tu[1], 4, 5);
	b_msg(&tu[2], 2, &stu[3]);
	b_str(&ent[0], 1, "e1");
	b_msg(&ent[0], 3, &tu[0]);
	b_msg(&ent[0], 3, &tu[1]);
	b_msg(&ent[1], 3, &tu[2]);
	b_str(&ent[1], 1, "e2");
	b_msg(&feed, 1, &hdr);
	b_msg(&feed, 2, &ent[0]);
	b_msg(&feed, 2, &ent[1]);
	b_msg(&tu0_kept, 1, &trip);
	b_int(&tu1_kept, 4, 5);

	/* cursor mode: every occurrence of trip_update, with its own fields */
	cfg.collect[0] = COLLECT_CURSOR;
	cfg.collect[1] = COLLECT_CURSOR;
	b_printf(&want, "[1.1] %s c0=0a%02zx%s c1=0a026531" "1a%02zx%s" "1a%02zx%s\n",
			 hx(&stu[0]), hdr.n, hx(&hdr), tu0_kept.n, hx(&tu0_kept), tu1_kept.n, hx(&tu1_kept));
	b_printf(&want, "[1.2] %s c0=0a%02zx%s c1=0a026531" "1a%02zx%s" "1a%02zx%s\n",
			 hx(&stu[1]), hdr.n, hx(&hdr), tu0_kept.n, hx(&tu0_kept), tu1_kept.n, hx(&tu1_kept));
	b_printf(&want, "[1.3] %s c0=0a%02zx%s c1=0a026531" "1a%02zx%s" "1a%02zx%s\n",
			 hx(&stu[2]), hdr.n, hx(&hdr), tu0_kept.n, hx(&tu0_kept), tu1_kept.n, hx(&tu1_kept));
	b_printf(&want, "[2.1] %s c0=0a%02zx%s c1=1a000a026532\nEND\n", hx(&stu[3]), hdr.n, hx(&hdr));
	EXPECT(&cfg, &feed, (char *) want.d);

	/* streaming mode: the fields before the first stop_time_update only */
	cfg.collect[0] = COLLECT_STREAM;
	cfg.collect[1] = COLLECT_STREAM;
	cfg.need[1] = need1;
	cfg.nneed[1] = 2;
	cfg.need[2] = need2;
	cfg.nneed[2] = 1;
	got = run(&cfg, feed.d, feed.n);
	b_reset(&want);
	b_printf(&want, "[1.1] %s c0=0a%02zx%s c1=0a026531" "1a%02zx%s\n",
			 hx(&stu[0]), hdr.n, hx(&hdr), tu0_kept.n, hx(&tu0_kept));
	b_printf(&want, "[1.2] %s c0=0a%02zx%s c1=0a026531" "1a%02zx%s\n",
			 hx(&stu[1]), hdr.n, hx(&hdr), tu0_kept.n, hx(&tu0_kept));
	b_printf(&want, "[1.3] %s c0=0a%02zx%s c1=0a026531" "1a%02zx%s\n",
			 hx(&stu[2]), hdr.n, hx(&hdr), tu0_kept.n, hx(&tu0_kept));
	b_printf(&want, "[2.1] %s c0=0a%02zx%s c1=1a00\n", hx(&stu[3]), hdr.n, hx(&hdr));
	/* entity 2's id comes after its stop_time_update */
	b_printf(&want, "ERR%d field 1 of a level 1 element comes after the element's first child: "
			 "it cannot be read from a streamed input\nAT level 1 depth 1 field 1\n",
			 PB_PATH_ERR_LATE_FIELD);
	check_transcript(got, (char *) want.d, __LINE__);
	free(got);

	/* a needed field of the singular step after the first child: an error */
	cfg.need[2] = need2_late;
	cfg.nneed[2] = 2;
	got = run(&cfg, feed.d, feed.n);
	CHECK(ends_with_error(got, PB_PATH_ERR_LATE_FIELD));
	CHECK(strstr(got, "field 4 of a level 1 element") != NULL);
	CHECK(strstr(got, "AT level 1 depth 2 field 4\n") != NULL);	/* trip_update's field */
	CHECK(strstr(got, "[1.3]") != NULL && strstr(got, "[2.1]") == NULL);	/* 4 follows stu 3 */
	free(got);

	for (int i = 0; i < 4; i++)
		b_free(&stu[i]);
	for (int i = 0; i < 3; i++)
		b_free(&tu[i]);
	b_free(&ent[0]);
	b_free(&ent[1]);
	b_free(&trip);
	b_free(&hdr);
	b_free(&feed);
	b_free(&want);
	b_free(&tu0_kept);
	b_free(&tu1_kept);
}

/* Groups as path steps (repeated and singular) and as skipped fields. */
static void
test_groups(void)
{
	static const PbPathStep path[] = {{1, 1, 1}, {2, 0, 1}, {3, 1, 1}};
	Bld			root = {0},
				outer = {0},
				mid = {0},
				leaf[2] = {{0}},
				skipped = {0},
				deep = {0},
				want = {0};
	Cfg			cfg = {.steps = path, .nsteps = 3};

	b_int(&leaf[0], 1, 7);
	b_str(&leaf[1], 1, "z");
	/* a skipped group holding groups numbered as the path's steps */
	b_grp(&deep, 3, &leaf[0]);
	b_grp(&skipped, 2, &deep);
	b_grp(&skipped, 1, &deep);
	/* mid (group 2): leaf, a field, leaf */
	b_grp(&mid, 3, &leaf[0]);
	b_int(&mid, 9, 1);
	b_grp(&mid, 3, &leaf[1]);
	/* outer (group 1): a skipped group, mid, a name */
	b_grp(&outer, 4, &skipped);
	b_grp(&outer, 2, &mid);
	b_str(&outer, 5, "n");
	b_grp(&root, 1, &outer);
	b_grp(&root, 7, &skipped);
	b_grp(&root, 1, &outer);

	cfg.collect[1] = COLLECT_CURSOR;
	b_printf(&want, "[1.1] %s c1=23%s24" "13480114" "2a016e\n", hx(&leaf[0]), hx(&skipped));
	b_printf(&want, "[1.2] %s c1=23%s24" "13480114" "2a016e\n", hx(&leaf[1]), hx(&skipped));
	b_printf(&want, "[2.1] %s c1=23%s24" "13480114" "2a016e\n", hx(&leaf[0]), hx(&skipped));
	b_printf(&want, "[2.2] %s c1=23%s24" "13480114" "2a016e\nEND\n", hx(&leaf[1]), hx(&skipped));
	EXPECT(&cfg, &root, (char *) want.d);

	/* streaming: the singular group is closed with its end tag at the first child */
	cfg.collect[1] = COLLECT_STREAM;
	{
		static const uint32_t none[] = {0};
		char	   *got;

		cfg.need[1] = none;
		cfg.nneed[1] = 0;
		got = run(&cfg, root.d, root.n);
		CHECK(strstr(got, "[1.1] ") != NULL);
		CHECK(strstr(got, " c1=1314\n") != NULL);
		CHECK(ends_with_error(got, PB_PATH_ERR_LATE_FIELD));	/* field 9 comes after leaf 0 */
		CHECK(strstr(got, "field 9 of a level 1 element") != NULL);
		free(got);
		cfg.need[2] = none;
		cfg.nneed[2] = 0;
		got = run(&cfg, root.d, root.n);
		CHECK(strstr(got, "[2.2] ") != NULL);
		CHECK(strstr(got, " c1=1314\nEND\n") != NULL);
		free(got);
	}

	b_free(&root);
	b_free(&outer);
	b_free(&mid);
	b_free(&leaf[0]);
	b_free(&leaf[1]);
	b_free(&skipped);
	b_free(&deep);
	b_free(&want);
}

/* Build Dump { groups { name?, events... } } with events {1: v} for v in vals. */
static void
make_group(Bld *dump, const char *name, int name_after, const int *vals, int n)
{
	Bld			g = {0},
				e = {0};

	if (name && !name_after)
		b_str(&g, 1, name);
	for (int i = 0; i < n; i++)
	{
		b_reset(&e);
		b_int(&e, 1, vals[i]);
		b_msg(&g, 2, &e);
	}
	if (name && name_after)
		b_str(&g, 1, name);
	b_msg(dump, 1, &g);
	b_free(&g);
	b_free(&e);
}

/* Roots given by length, one after the other, and a root cut short. */
static void
test_roots_by_length(void)
{
	static const int v1[] = {1},
				v23[] = {2, 3};
	Bld			in = {0},
				want = {0};
	uint64_t	roots[4];
	Cfg			cfg = {.steps = dump_path, .nsteps = 2};
	size_t		a,
				b;

	make_group(&in, "x", 1, v1, 1);
	a = in.n;
	make_group(&in, "y", 1, v23, 2);
	b = in.n - a;
	make_group(&in, "z", 0, v1, 1);	/* a third root, then a fourth of 0 bytes */
	roots[0] = a;
	roots[1] = b;
	roots[2] = in.n - a - b;
	roots[3] = 0;
	cfg.roots = roots;
	cfg.nroots = 4;
	cfg.collect[0] = COLLECT_CURSOR;
	cfg.collect[1] = COLLECT_CURSOR;
	b_printf(&want, "root 0 @0\n[1.1] 0801 c0= c1=0a0178\nEND\n");
	b_printf(&want, "root 1 @%zu\n[1.1] 0802 c0= c1=0a0179\n[1.2] 0803 c0= c1=0a0179\nEND\n", a);
	b_printf(&want, "root 2 @%zu\n[1.1] 0801 c0= c1=0a017a\nEND\n", a + b);
	b_printf(&want, "root 3 @%zu\nEND\n", in.n);
	EXPECT(&cfg, &in, (char *) want.d);

	/* a root one byte shorter than its last group: that group runs past its end */
	roots[0] = a - 1;
	cfg.nroots = 1;
	cfg.collect[0] = COLLECT_NONE;
	cfg.collect[1] = COLLECT_NONE;
	b_reset(&want);
	b_printf(&want, "root 0 @0\nERR%d length prefix runs past the end of the enclosing message\n",
			 PB_PATH_ERR_MALFORMED);
	EXPECT(&cfg, &in, (char *) want.d);
	b_free(&in);
	b_free(&want);
}

/* Every prefix of a nested input is an error when the root claims more. */
static void
test_truncation(void)
{
	static const int v[] = {1, 300, 3};
	static const uint32_t none[] = {0};
	Bld			in = {0},
				g = {0},
				inner = {0};
	uint64_t	roots[1];

	make_group(&in, "first", 0, v, 3);
	b_int(&inner, 1, 5);
	b_grp(&g, 2, &inner);
	b_grp(&in, 3, &g);
	b_tag(&in, 4, PB_WT_I64);
	b_raw(&in, "12345678", 8);
	make_group(&in, "second", 1, v, 2);
	roots[0] = in.n;
	for (int mode = 0; mode < 3; mode++)
	{
		Cfg			cfg = {.steps = dump_path, .nsteps = 2};

		cfg.collect[0] = mode;
		cfg.collect[1] = mode;
		cfg.need[0] = none;		/* the late fields are not errors */
		cfg.need[1] = none;
		for (size_t cut = 0; cut <= in.n; cut++)
		{
			char	   *got;

			cfg.roots = roots;
			cfg.nroots = 1;
			got = run(&cfg, in.d, cut);
			if (cut < in.n && !ends_with_error(got, PB_PATH_ERR_TRUNCATED))
				fprintf(stderr, "mode %d cut %zu:\n%s", mode, cut, got);
			if (cut < in.n)
				CHECK(ends_with_error(got, PB_PATH_ERR_TRUNCATED));
			else if (strstr(got, "[2.2]") == NULL || strstr(got, "END\n") == NULL)
				fprintf(stderr, "mode %d whole:\n%s", mode, got);
			free(got);
			/* to the end of the input: an error or the end, never a crash */
			cfg.roots = NULL;
			got = run(&cfg, in.d, cut);
			CHECK(strstr(got, "END\n") != NULL || strstr(got, "ERR") != NULL);
			free(got);
		}
	}
	b_free(&in);
	b_free(&g);
	b_free(&inner);
}

/* Lengths and values that run past their enclosing message. */
static void
test_past_end(void)
{
	static const struct
	{
		const char *bytes;
		size_t		len;
		const char *msg;
	}			cases[] = {
		/* a group of 3 bytes holding an event of 10 */
		{"\x0a\x03\x12\x0a\x08", 5, "length prefix runs past the end of the enclosing message"},
		/* a group of 3 bytes holding a skipped string of 5 */
		{"\x0a\x03\x1a\x05\x08" "abcde", 10, "length prefix runs past the end of the enclosing message"},
		/* a fixed64 with 2 bytes left in its group */
		{"\x0a\x03\x19\x01\x02" "abcdefgh", 13, "a fixed-width field runs past the end of its enclosing message"},
		/* a group ending inside a tag */
		{"\x0a\x01\x80\x01", 4, "a tag runs past the end of its enclosing message"},
		/* a varint cut by its group's end */
		{"\x0a\x02\x08\x80\x01", 5, "a varint runs past the end of its enclosing message"},
		/* a length prefix over 2 GiB */
		{"\x0a\x06\x1a\xff\xff\xff\xff\x0f", 8, "length prefix larger than 2 GiB"},
		/* a stray end-group tag, and a group closed by another field's end tag */
		{"\x0a\x01\x0c", 3, "end-group tag without a matching start-group tag"},
		{"\x0a\x02\x1b\x24", 4, "end-group tag without a matching start-group tag"},
		/* wire type 7, field 0 */
		{"\x0a\x01\x0f", 3, "invalid wire type (6 or 7)"},
		{"\x0a\x02\x00\x00", 4, "field number 0"},
	};

	for (int i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
	{
		for (int mode = 0; mode < 2; mode++)
		{
			Cfg			cfg = {.steps = dump_path, .nsteps = 2};
			Bld			in = {0},
						want = {0};

			cfg.collect[1] = mode;
			b_raw(&in, cases[i].bytes, cases[i].len);
			b_printf(&want, "ERR%d %s\n", PB_PATH_ERR_MALFORMED, cases[i].msg);
			/* a cursor finds it reading the group ahead: the level is said */
			if (mode == COLLECT_CURSOR)
				b_printf(&want, "AT level 1 depth -1 field 0\n");
			EXPECT(&cfg, &in, (char *) want.d);
			b_free(&in);
			b_free(&want);
		}
	}
}

/* A row over max_message_size: an error, then skipped (LEN and group rows). */
static void
test_oversized(void)
{
	static const int v[] = {1, 1000000, 2};
	static const PbPathStep gpath[] = {{1, 1, 0}, {2, 1, 1}};
	Bld			in = {0},
				g = {0},
				big = {0},
				small = {0},
				want = {0};
	Cfg			cfg = {.steps = dump_path, .nsteps = 2};

	make_group(&in, NULL, 0, v, 3);
	cfg.max = 3;
	cfg.skip_oversized = 1;
	b_printf(&want, "[1.1] 0801\nERR%d message of 4 bytes exceeds max_message_size (3 bytes)\n"
			 "[1.3] 0802\nEND\n", PB_PATH_ERR_TOO_LARGE);
	EXPECT(&cfg, &in, (char *) want.d);

	/* group rows: one small, one of 400 bytes (over 300), one known to be 10 (over 8) */
	b_reset(&in);
	b_int(&small, 1, 1);
	for (int i = 0; i < 200; i++)
		b_int(&big, 3, 127);
	b_grp(&g, 2, &small);
	b_grp(&g, 2, &big);
	b_grp(&g, 2, &small);
	b_msg(&in, 1, &g);
	cfg.steps = gpath;
	cfg.max = 300;
	b_reset(&want);
	b_printf(&want, "[1.1] 0801\nERR%d message of more than 300 bytes exceeds max_message_size (300 bytes)\n"
			 "[1.3] 0801\nEND\n", PB_PATH_ERR_TOO_LARGE);
	EXPECT(&cfg, &in, (char *) want.d);
	cfg.max = 8;
	b_reset(&big);
	for (int i = 0; i < 5; i++)
		b_int(&big, 3, 127);
	b_reset(&g);
	b_reset(&in);
	b_grp(&g, 2, &big);
	b_grp(&g, 2, &small);
	b_msg(&in, 1, &g);
	b_reset(&want);
	b_printf(&want, "ERR%d message of 10 bytes exceeds max_message_size (8 bytes)\n[1.2] 0801\nEND\n",
			 PB_PATH_ERR_TOO_LARGE);
	EXPECT(&cfg, &in, (char *) want.d);

	b_free(&in);
	b_free(&g);
	b_free(&big);
	b_free(&small);
	b_free(&want);
}

/* The collected fields are bounded by max_message_size too. */
static void
test_collect_bound(void)
{
	static const int v[] = {1};
	Bld			in = {0};

	make_group(&in, "twenty bytes of name", 0, v, 1);
	for (int mode = 1; mode <= 2; mode++)
	{
		Cfg			cfg = {.steps = dump_path, .nsteps = 2};
		char	   *got;

		cfg.collect[1] = mode;
		cfg.max = 16;
		got = run(&cfg, in.d, in.n);
		CHECK(ends_with_error(got, PB_PATH_ERR_COLLECT_TOO_LARGE));
		CHECK(strstr(got, "the fields collected from a level 1 element exceed max_message_size (16 bytes)"));
		CHECK(strstr(got, "AT level 1 depth -1 field 0\n"));
		free(got);
		cfg.max = 22;
		got = run(&cfg, in.d, in.n);
		CHECK(strstr(got, "[1.1] 0801 c1=0a147477") != NULL);
		free(got);
	}
	b_free(&in);
}

/* A path field with another wire type is an unknown field: skipped, collected. */
static void
test_wire_type_mismatch(void)
{
	static const int v[] = {4};
	Bld			in = {0},
				want = {0};
	Cfg			cfg = {.steps = dump_path, .nsteps = 2};

	b_int(&in, 1, 5);			/* groups as a varint */
	make_group(&in, NULL, 0, v, 1);
	b_tag(&in, 1, PB_WT_I32);	/* groups as a fixed32 */
	b_raw(&in, "abcd", 4);
	cfg.collect[0] = COLLECT_CURSOR;
	b_printf(&want, "[1.1] 0804 c0=08050d61626364\nEND\n");
	EXPECT(&cfg, &in, (char *) want.d);
	b_free(&in);
	b_free(&want);
}

/*
 * Skipped groups nest up to PB_MAX_DEPTH counting the messages around them
 * but the root: 99 in an element of the root.
 */
static void
test_depth(void)
{
	for (int depth = 99; depth <= 100; depth++)
	{
		for (int mode = 0; mode < 2; mode++)
		{
			Cfg			cfg = {.steps = dump_path, .nsteps = 2};
			Bld			g = {0},
						in = {0};
			char	   *got;

			for (int i = 0; i < depth; i++)
				b_tag(&g, 5, PB_WT_SGROUP);
			for (int i = 0; i < depth; i++)
				b_tag(&g, 5, PB_WT_EGROUP);
			b_str(&g, 2, "\x08\x01");
			b_msg(&in, 1, &g);
			cfg.collect[1] = mode;
			got = run(&cfg, in.d, in.n);
			if (depth == 99)
				CHECK(strncmp(got, "[1.1] 0801", 10) == 0);
			else
				CHECK(ends_with_error(got, PB_PATH_ERR_MALFORMED) &&
					  strstr(got, "nested more than 100 levels") != NULL);
			free(got);
			b_free(&g);
			b_free(&in);
		}
	}
}

/*
 * One group of 1,000,000 small events read through 64 KiB reads, its name
 * (after the events) collected through a cursor: memory stays at the
 * sources' buffers.
 */
static void
test_memory(void)
{
	Bld			g = {0},
				in = {0};
	MemInput	min,
				cin;
	PbSource	src,
				cur;
	PbPathWalk	w;
	const uint8_t *row;
	size_t		len;
	uint64_t	rows = 0,
				sum = 0;
	int			ok = 1;
	PbPathResult res;

	for (int i = 0; i < 1000000; i++)
	{
		b_tag(&g, 2, PB_WT_LEN);
		b_varint(&g, 2);
		b_int(&g, 1, i % 100);
	}
	b_str(&g, 1, "name");
	b_msg(&in, 1, &g);
	b_free(&g);

	peak_bytes = live_bytes;
	min = (MemInput) {in.d, in.n, 0, 64 * 1024};
	cin = min;
	pb_source_init(&src, mem_read, &min, &allocator, 64 * 1024);
	pb_source_init(&cur, mem_read, &cin, &allocator, 64 * 1024);
	CHECK_EQ_INT(pb_pathwalk_init(&w, &src, dump_path, 2, 1 << 20, &allocator), 0);
	CHECK_EQ_INT(pb_pathwalk_collect(&w, 1, &cur), 0);
	pb_pathwalk_begin_root(&w, PB_PATH_ROOT_TO_END);
	while ((res = pb_pathwalk_next(&w, &row, &len)) == PB_PATH_ROW)
	{
		size_t		clen;
		const uint8_t *c = pb_pathwalk_collected(&w, 1, &clen);

		rows++;
		sum += row[1];
		if (pb_pathwalk_index(&w, 2) != rows || clen != 6 || memcmp(c, "\x0a\x04name", 6) != 0)
			ok = 0;
	}
	CHECK_EQ_INT(res, PB_PATH_END_OF_ROOT);
	CHECK_EQ_INT(rows, 1000000);
	CHECK_EQ_INT(sum, 49500000);
	CHECK(ok);
	printf("pathwalk memory: %zu bytes peak for %zu bytes of input, %llu rows\n",
		   peak_bytes, in.n, (unsigned long long) rows);
	CHECK(peak_bytes < 256 * 1024);
	pb_pathwalk_free(&w);
	pb_source_free(&cur);
	pb_source_free(&src);
	b_free(&in);
}

/* The progress callback: called every few thousand tags, and able to stop the walk. */
static void
test_progress(void)
{
	static const int v[] = {1};
	Bld			in = {0},
				g = {0};
	MemInput	min;
	PbSource	src;
	PbPathWalk	w;
	const uint8_t *row;
	size_t		len;
	int			stop_at = 2;

	for (int i = 0; i < 10000; i++)
		b_int(&g, 7, i);		/* fields skipped within one buffer */
	b_msg(&in, 1, &g);
	make_group(&in, NULL, 0, v, 1);

	for (int stop = 0; stop < 2; stop++)
	{
		progress_calls = 0;
		min = (MemInput) {in.d, in.n, 0, 1 << 20};
		pb_source_init(&src, mem_read, &min, &allocator, 1 << 20);
		pb_pathwalk_init(&w, &src, dump_path, 2, 1 << 20, &allocator);
		pb_pathwalk_set_progress(&w, count_progress, stop ? &stop_at : NULL);
		pb_pathwalk_begin_root(&w, PB_PATH_ROOT_TO_END);
		if (stop)
		{
			CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ERROR);
			CHECK_EQ_INT(w.err, PB_PATH_ERR_INTERRUPTED);
			CHECK_EQ_INT(progress_calls, 2);
		}
		else
		{
			CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ROW);
			CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_END_OF_ROOT);
			CHECK_EQ_INT(progress_calls, 10005 / PB_PATH_PROGRESS_INTERVAL);
		}
		pb_pathwalk_free(&w);
		pb_source_free(&src);
	}
	b_free(&in);
	b_free(&g);
}

/* API misuse and recovery: a shared cursor, a bad path, skipping a broken root. */
static void
test_api(void)
{
	static const int v[] = {1, 2};
	static const PbPathStep not_repeated[] = {{1, 1, 0}, {2, 0, 0}};
	static const PbPathStep bad_field[] = {{0, 1, 0}};
	Bld			in = {0};
	MemInput	min,
				cin;
	PbSource	src,
				cur;
	PbPathWalk	w;
	const uint8_t *row;
	size_t		len;
	size_t		broken;

	CHECK_EQ_INT(pb_pathwalk_init(&w, NULL, not_repeated, 2, 100, &allocator), -1);
	CHECK(strstr(w.errmsg, "must be repeated") != NULL);
	CHECK_EQ_INT(pb_pathwalk_init(&w, NULL, bad_field, 1, 100, &allocator), -1);
	CHECK_EQ_INT(pb_pathwalk_init(&w, NULL, bad_field, 0, 100, &allocator), -1);
	CHECK_EQ_INT(pb_pathwalk_init(&w, NULL, dump_path, 2, 100, &allocator), 0);
	CHECK_EQ_INT(pb_pathwalk_collect(&w, 2, NULL), -1);	/* the rows' level */

	/* one cursor for two levels: the second level finds it past its element */
	make_group(&in, "n", 0, v, 2);
	min = (MemInput) {in.d, in.n, 0, 1 << 20};
	cin = min;
	pb_source_init(&src, mem_read, &min, &allocator, 64);
	pb_source_init(&cur, mem_read, &cin, &allocator, 64);
	pb_pathwalk_init(&w, &src, dump_path, 2, 100, &allocator);
	pb_pathwalk_collect(&w, 0, &cur);
	pb_pathwalk_collect(&w, 1, &cur);
	pb_pathwalk_begin_root(&w, PB_PATH_ROOT_TO_END);
	CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ERROR);
	CHECK_EQ_INT(w.err, PB_PATH_ERR_CURSOR);
	pb_pathwalk_free(&w);
	pb_source_free(&cur);
	pb_source_free(&src);

	/* a broken root given by length is skipped; the next one reads */
	b_reset(&in);
	b_tag(&in, 1, PB_WT_LEN);
	b_raw(&in, "\x03\x12\x09\x08", 4);	/* an event running past its group */
	broken = in.n;
	make_group(&in, NULL, 0, v, 2);
	min = (MemInput) {in.d, in.n, 0, 2};
	pb_source_init(&src, mem_read, &min, &allocator, 64);
	pb_pathwalk_init(&w, &src, dump_path, 2, 100, &allocator);
	pb_pathwalk_begin_root(&w, broken);
	CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ERROR);
	CHECK_EQ_INT(w.err, PB_PATH_ERR_MALFORMED);
	CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ERROR);	/* sticky */
	CHECK_EQ_INT(pb_pathwalk_skip_root(&w), 0);
	CHECK_EQ_INT(pb_source_offset(&src), broken);
	pb_pathwalk_begin_root(&w, in.n - broken);
	CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_ROW);
	CHECK_EQ_INT(pb_pathwalk_index(&w, 0), 2);
	CHECK_EQ_INT(pb_pathwalk_index(&w, 1), 1);
	CHECK_EQ_INT(pb_pathwalk_index(&w, 2), 1);
	/* abandon this one half way: the source ends up at its end */
	CHECK_EQ_INT(pb_pathwalk_skip_root(&w), 0);
	CHECK_EQ_INT(pb_source_offset(&src), in.n);
	CHECK_EQ_INT(pb_pathwalk_next(&w, &row, &len), PB_PATH_END_OF_ROOT);
	pb_pathwalk_free(&w);
	pb_source_free(&src);
	b_free(&in);
}

int
main(void)
{
	test_one_step();
	test_two_steps();
	test_three_steps();
	test_singular_steps();
	test_groups();
	test_roots_by_length();
	test_truncation();
	test_past_end();
	test_oversized();
	test_collect_bound();
	test_wire_type_mismatch();
	test_depth();
	test_memory();
	test_progress();
	test_api();
	return UNIT_REPORT("pathwalk");
}
