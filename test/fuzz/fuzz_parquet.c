/*-------------------------------------------------------------------------
 *
 * fuzz_parquet.c
 *		libFuzzer target: the pure-C Parquet writer (src/parquet/) over a
 *		random schema and random column data derived from the fuzz input.
 *
 * The input decides the options (codec, row-group rows and bytes, page size,
 * dictionary size), a schema of up to 12 leaves under groups up to 4 deep
 * (each node required, optional or repeated; every physical type, with and
 * without a logical type), the number of rows, each row's repetition and
 * definition levels (valid Dremel levels for the leaf) and the values
 * (drawn often from a small pool, so dictionaries happen).  Optionally a
 * write or an allocation fails after some count, or one invalid call is made.
 * Half the inputs are written with 2 threads (all with FUZZ_THREADS=N): the
 * row groups are then encoded on the writer's pool, and every invariant
 * below holds the same.
 *
 * The file is written to memory and read back by an independent reader
 * written here (a bounds-checked Thrift compact decoder, an RLE/bit-packed
 * hybrid decoder, and the codecs' own decompressors).  Invariants:
 *  - the file starts and ends with PAR1, the footer parses and ends exactly
 *    at its length field, bytes_written equals the file's size;
 *  - FileMetaData num_rows = the rows written = pqw_writer_rows; the number
 *    of row groups = pqw_writer_row_groups; the sum of the row groups' rows
 *    is num_rows; the schema has one element per node plus the root;
 *  - every row group has one chunk per leaf; chunks are contiguous from
 *    byte 4 to the footer; a chunk's type, codec, path length and
 *    num_values (= the level entries appended to that leaf in that group)
 *    are right; its null_count (when present) is the entries below max def;
 *    INT32/INT64 min/max (when present) are the values' min and max;
 *  - each chunk's pages parse, lie inside the chunk, decompress to their
 *    stated size, and, decoded, give back exactly the repetition levels,
 *    definition levels and values that were appended (PLAIN or dictionary);
 *  - the writer's max_def/max_rep agree with the levels computed here;
 *  - an injected write/allocation failure, or an invalid call, ends in an
 *    error status (never a crash), and after pqw_writer_destroy every
 *    allocated block has been freed.
 *
 * The writer's own assert()s are on here (no NDEBUG).
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>

#include <brotli/decode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "fuzz_common.h"
#include "parquet/parquet_writer.h"

/* ---- input-driven choices, with a PRNG once the input is used up ---- */
static FzBytes in;
static uint64_t rng;

static uint32_t
pick(uint32_t n)				/* 0 .. n-1 */
{
	uint32_t	v;

	if (n <= 1)
		return 0;
	if (in.n > 0)
		v = fz_u8(&in);
	else
	{
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		v = (uint32_t) (rng >> 24);
	}
	return v % n;
}

/* ---- allocation and write hooks with failure injection ---- */
static long alloc_budget;		/* -1: unlimited */

static void *
pa_malloc(void *ctx, size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return fz_alloc(ctx, n);
}

static void *
pa_realloc(void *ctx, void *p, size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return fz_realloc(ctx, p, n);
}

static const pqw_alloc palloc = {pa_malloc, pa_realloc, fz_free, NULL};

typedef struct Mem
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	long		fail_after;		/* -1: never */
} Mem;

static int
mem_write(void *ctx, const void *data, size_t len, char *errbuf, size_t errlen)
{
	Mem		   *m = ctx;

	if (m->fail_after >= 0 && m->len + len > (size_t) m->fail_after)
	{
		snprintf(errbuf, errlen, "disk full (fuzz)");
		return -1;
	}
	if (m->len + len > m->cap)
	{
		m->cap = (m->len + len) * 2;
		m->data = realloc(m->data, m->cap);
		FUZZ_CHECK(m->data != NULL);
	}
	if (len)
		memcpy(m->data + m->len, data, len);
	m->len += len;
	return 0;
}

/* ---- the schema and what was written to each leaf ---- */
#define MAX_LEAVES 12
#define MAX_NODES 40
#define MAX_DEPTH 4
#define MAX_ROWS 186			/* 31 * 6 */
#define MAX_GROUPS (MAX_ROWS + 1)	/* one per row at most (finish flushes none when empty) */

typedef struct Leaf
{
	int			node;
	pqw_type	type;
	int			type_length;
	bool		has_logical;
	int			max_def,
				max_rep;
	int			rep_def[MAX_DEPTH + 2];	/* def level at which repetition level r exists */
	int			depth;			/* path length */
	/* everything appended, over the whole file */
	uint16_t   *def,
			   *rep;
	size_t		n_levels,
				cap_levels;
	uint8_t    *vals;			/* concatenated values */
	size_t	   *voff;			/* value k is vals[voff[k], voff[k+1]) */
	size_t		n_vals,
				cap_vals,
				vals_len,
				vals_cap;
	/* level and value counts at each row-group boundary */
	size_t		group_level_start[MAX_GROUPS + 1];
	size_t		group_val_start[MAX_GROUPS + 1];
} Leaf;

static Leaf leaves[MAX_LEAVES];
static int	n_leaves;
static int	n_nodes;

static void
leaf_push(Leaf *l, int def, int rep, const uint8_t *v, size_t len)
{
	if (l->n_levels == l->cap_levels)
	{
		l->cap_levels = l->cap_levels ? l->cap_levels * 2 : 64;
		l->def = realloc(l->def, l->cap_levels * sizeof(uint16_t));
		l->rep = realloc(l->rep, l->cap_levels * sizeof(uint16_t));
	}
	l->def[l->n_levels] = (uint16_t) def;
	l->rep[l->n_levels] = (uint16_t) rep;
	l->n_levels++;
	if (def == l->max_def)
	{
		if (l->n_vals + 2 > l->cap_vals)
		{
			l->cap_vals = l->cap_vals ? l->cap_vals * 2 : 64;
			l->voff = realloc(l->voff, l->cap_vals * sizeof(size_t));
		}
		if (l->vals_len + len > l->vals_cap)
		{
			l->vals_cap = (l->vals_len + len) * 2 + 64;
			l->vals = realloc(l->vals, l->vals_cap);
		}
		if (l->n_vals == 0)
			l->voff[0] = 0;
		if (len)
			memcpy(l->vals + l->vals_len, v, len);
		l->vals_len += len;
		l->n_vals++;
		l->voff[l->n_vals] = l->vals_len;
	}
}

static void
leaves_free(void)
{
	for (int i = 0; i < n_leaves; i++)
	{
		free(leaves[i].def);
		free(leaves[i].rep);
		free(leaves[i].vals);
		free(leaves[i].voff);
	}
	memset(leaves, 0, sizeof(leaves));
	n_leaves = 0;
	n_nodes = 0;
}

static const pqw_type types[] = {
	PQW_BOOLEAN, PQW_INT32, PQW_INT64, PQW_FLOAT, PQW_DOUBLE, PQW_BYTE_ARRAY, PQW_FIXED_LEN_BYTE_ARRAY
};

static bool
add_leaf(pqw_writer *w, int parent, int def_base, int rep_base, const int *rep_def, int depth)
{
	Leaf	   *l = &leaves[n_leaves];
	pqw_repetition r = (pqw_repetition) pick(3);
	pqw_logical	lg;
	char		name[16];
	int			id;

	memset(l, 0, sizeof(*l));
	l->type = types[pick(7)];
	l->type_length = l->type == PQW_FIXED_LEN_BYTE_ARRAY ? 1 + (int) pick(16) : 0;
	memset(&lg, 0, sizeof(lg));
	if (pick(2))
	{
		switch (l->type)
		{
			case PQW_INT32:
				lg.kind = pick(2) ? PQW_LT_DATE : PQW_LT_INTEGER;
				lg.bit_width = 8 << pick(3);
				lg.is_signed = pick(2);
				break;
			case PQW_INT64:
				lg.kind = pick(2) ? PQW_LT_TIMESTAMP : PQW_LT_DECIMAL;
				lg.unit = (pqw_time_unit) (1 + pick(3));
				lg.utc = pick(2);
				lg.precision = 18;
				lg.scale = (int) pick(5);
				break;
			case PQW_BYTE_ARRAY:
				lg.kind = pick(2) ? PQW_LT_STRING : PQW_LT_JSON;
				break;
			case PQW_FIXED_LEN_BYTE_ARRAY:
				lg.kind = PQW_LT_DECIMAL;
				lg.precision = 1;
				lg.scale = 0;
				break;
			default:
				break;
		}
		l->has_logical = lg.kind != PQW_LT_NONE;
	}
	snprintf(name, sizeof(name), "c%d", n_nodes);
	id = pqw_schema_add_leaf(w, parent, name, r, l->type, l->type_length,
							 l->has_logical ? &lg : NULL, pick(2) ? n_nodes : -1);
	if (id < 0)
		return false;
	FUZZ_CHECK(id == n_nodes);
	n_nodes++;
	l->node = id;
	l->max_def = def_base + (r != PQW_REQUIRED);
	l->max_rep = rep_base + (r == PQW_REPEATED);
	memcpy(l->rep_def, rep_def, sizeof(l->rep_def));
	if (r == PQW_REPEATED)
		l->rep_def[l->max_rep] = l->max_def;
	l->depth = depth;
	n_leaves++;
	return true;
}

static bool
add_nodes(pqw_writer *w, int parent, int def_base, int rep_base, const int *rep_def, int depth)
{
	int			nchildren = 1 + (int) pick(parent < 0 ? 5 : 3);

	/*
	 * Every group gets at least one child (the writer refuses empty groups):
	 * a group is made only while there is room for a chain of groups down to
	 * MAX_DEPTH and a leaf, and its first child is added before anything else.
	 */
	for (int k = 0; k < nchildren; k++)
	{
		bool		room = n_leaves < MAX_LEAVES && n_nodes < MAX_NODES - (MAX_DEPTH + 2);

		if (k > 0 && !room)
			break;
		if (room && depth < MAX_DEPTH && pick(3) == 0)
		{
			pqw_repetition r = (pqw_repetition) pick(3);
			char		name[16];
			int			id;
			int			rd[MAX_DEPTH + 2];
			int			d = def_base + (r != PQW_REQUIRED);
			int			rp = rep_base + (r == PQW_REPEATED);

			snprintf(name, sizeof(name), "g%d", n_nodes);
			id = pqw_schema_add_group(w, parent, name, r, PQW_LT_NONE, -1);
			if (id < 0)
				return false;
			FUZZ_CHECK(id == n_nodes);
			n_nodes++;
			memcpy(rd, rep_def, sizeof(rd));
			if (r == PQW_REPEATED)
				rd[rp] = d;
			if (!add_nodes(w, id, d, rp, rd, depth + 1))
				return false;
		}
		else if (!add_leaf(w, parent, def_base, rep_base, rep_def, depth + 1))
			return false;
	}
	return true;
}

/* ---- a value for a leaf ---- */
static size_t
make_value(const Leaf *l, uint8_t *buf)
{
	static const uint8_t pool[4][16] = {
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		{1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0x00, 0x00, 0xc0, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f, 'a', 'b', 'c', 'd'},
	};
	size_t		len;
	bool		from_pool = pick(4) != 0;
	int			which = (int) pick(4);

	switch (l->type)
	{
		case PQW_BOOLEAN:
			buf[0] = (uint8_t) pick(2);
			return 1;
		case PQW_INT32:
		case PQW_FLOAT:
			len = 4;
			break;
		case PQW_INT64:
		case PQW_DOUBLE:
			len = 8;
			break;
		case PQW_FIXED_LEN_BYTE_ARRAY:
			len = (size_t) l->type_length;
			break;
		default:
			len = from_pool ? (size_t) which * 4 : pick(24);
			break;
	}
	for (size_t k = 0; k < len; k++)
		buf[k] = from_pool ? pool[which][k % 16] : (uint8_t) pick(256);
	return len;
}

/*
 * The reader below (Thrift, codecs, levels, values, and read_back) is the
 * oracle, not the code under test: it is built without coverage
 * instrumentation, so its branches cost no callback and do not steer the
 * fuzzer.  Replaying 1,559 inputs of a long run's corpus took 17% less CPU
 * time than with an instrumented reader.
 */
#define ORACLE __attribute__((no_sanitize("coverage")))

/* ---- a bounds-checked Thrift compact decoder, into a generic tree ---- */
enum
{
	T_TRUE = 1, T_FALSE = 2, T_I8 = 3, T_I16 = 4, T_I32 = 5, T_I64 = 6, T_DOUBLE = 7,
	T_BINARY = 8, T_LIST = 9, T_SET = 10, T_MAP = 11, T_STRUCT = 12
};

typedef struct TNode
{
	int			type;
	int			id;
	int64_t		i;
	const uint8_t *bin;
	size_t		binlen;
	struct TNode *kids;
	int			nkids;
} TNode;

typedef struct TReader
{
	const uint8_t *p;
	const uint8_t *end;
	bool		bad;
	int			depth;
} TReader;

ORACLE static uint8_t
t_byte(TReader *r)
{
	if (r->p >= r->end)
	{
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

ORACLE static uint64_t
t_varint(TReader *r)
{
	uint64_t	v = 0;

	for (int shift = 0; shift < 70 && !r->bad; shift += 7)
	{
		uint8_t		b = t_byte(r);

		v |= (uint64_t) (b & 0x7f) << (shift < 64 ? shift : 0);
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

ORACLE static int64_t
t_zigzag(TReader *r)
{
	uint64_t	v = t_varint(r);

	return (int64_t) (v >> 1) ^ -(int64_t) (v & 1);
}

static void t_value(TReader *r, TNode *n, int type, bool in_list);

/*
 * The trees' kid arrays come from a bump arena that is emptied at the start
 * of every execution: a footer has thousands of nodes, and a malloc and free
 * for each under ASan was a quarter of the target's time.  The arena grows
 * in blocks that are never moved (old blocks stay valid until the reset).
 */
typedef struct ArenaBlock
{
	struct ArenaBlock *next;
	size_t		used,
				cap;
	long double data[];			/* aligned for any node */
} ArenaBlock;

static ArenaBlock *arena_head;	/* the block being filled; older ones follow */

ORACLE static void *
arena_alloc(size_t n)
{
	ArenaBlock *b = arena_head;

	n = (n + 15) / 16 * 16;
	if (b == NULL || b->cap - b->used < n)
	{
		size_t		cap = n > (1u << 20) ? n : (1u << 20);

		b = malloc(sizeof(ArenaBlock) + cap);
		FUZZ_CHECK(b != NULL);
		b->next = arena_head;
		b->used = 0;
		b->cap = cap;
		arena_head = b;
	}
	b->used += n;
	return (char *) b->data + b->used - n;
}

/* Empty the arena, keeping its first (most recent) block for the next execution. */
ORACLE static void
arena_reset(void)
{
	ArenaBlock *b;

	if (arena_head == NULL)
		return;
	b = arena_head->next;
	while (b)
	{
		ArenaBlock *next = b->next;

		free(b);
		b = next;
	}
	arena_head->next = NULL;
	arena_head->used = 0;
}

ORACLE static void
t_add(TNode *n, TNode *kid)
{
	/* capacity doubles: at counts 0, 1, 2, 4, 8, ... the array is full */
	if ((n->nkids & (n->nkids - 1)) == 0)
	{
		TNode	   *k = arena_alloc((n->nkids ? n->nkids * 2 : 1) * sizeof(TNode));

		if (n->nkids)
			memcpy(k, n->kids, n->nkids * sizeof(TNode));
		n->kids = k;
	}
	n->kids[n->nkids++] = *kid;
}

ORACLE static void
t_struct(TReader *r, TNode *n)
{
	int			last = 0;

	n->type = T_STRUCT;
	if (++r->depth > 32)
	{
		r->bad = true;
		return;
	}
	while (!r->bad)
	{
		uint8_t		b = t_byte(r);
		TNode		kid;

		if (r->bad || b == 0)
			break;
		memset(&kid, 0, sizeof(kid));
		kid.id = (b >> 4) ? last + (b >> 4) : (int) t_zigzag(r);
		last = kid.id;
		t_value(r, &kid, b & 0x0f, false);
		t_add(n, &kid);
	}
	r->depth--;
}

ORACLE static void
t_value(TReader *r, TNode *n, int type, bool in_list)
{
	n->type = type;
	switch (type)
	{
		case T_TRUE:
		case T_FALSE:
			n->i = in_list ? (t_byte(r) == 1) : (type == T_TRUE);
			n->type = T_TRUE;
			break;
		case T_I8:
			n->i = (int8_t) t_byte(r);
			break;
		case T_I16:
		case T_I32:
		case T_I64:
			n->i = t_zigzag(r);
			break;
		case T_DOUBLE:
			if (r->end - r->p < 8)
				r->bad = true;
			else
				r->p += 8;
			break;
		case T_BINARY:
			n->binlen = t_varint(r);
			if (r->bad || n->binlen > (size_t) (r->end - r->p))
				r->bad = true;
			else
			{
				n->bin = r->p;
				r->p += n->binlen;
			}
			break;
		case T_LIST:
		case T_SET:
			{
				uint8_t		h = t_byte(r);
				uint64_t	size = h >> 4;
				int			et = h & 0x0f;

				if (size == 15)
					size = t_varint(r);
				if (size > (uint64_t) (r->end - r->p))
				{
					r->bad = true;
					break;
				}
				for (uint64_t k = 0; k < size && !r->bad; k++)
				{
					TNode		kid;

					memset(&kid, 0, sizeof(kid));
					t_value(r, &kid, et, true);
					t_add(n, &kid);
				}
				n->type = T_LIST;
				break;
			}
		case T_STRUCT:
			t_struct(r, n);
			break;
		default:
			r->bad = true;
	}
}

ORACLE static TNode *
fld(TNode *s, int id)
{
	static TNode missing;

	for (int k = 0; s && k < s->nkids; k++)
		if (s->kids[k].id == id)
			return &s->kids[k];
	memset(&missing, 0, sizeof(missing));
	missing.type = -1;
	return &missing;
}

ORACLE static void
t_free(TNode *n)
{
	/* the kids live in the arena (reset per execution) */
	n->kids = NULL;
	n->nkids = 0;
}

/* ---- codecs: the libraries' own decoders ---- */
ORACLE static bool
decompress(pqw_codec codec, const uint8_t *src, size_t n, uint8_t *dst, size_t want)
{
	switch (codec)
	{
		case PQW_UNCOMPRESSED:
			if (n != want)
				return false;
			memcpy(dst, src, n);
			return true;
		case PQW_SNAPPY:
			{
				size_t		out = want;

				return snappy_uncompress((const char *) src, n, (char *) dst, &out) == SNAPPY_OK &&
					out == want;
			}
		case PQW_GZIP:
			{
				/* one inflate state for the whole run, reset for each page */
				static z_stream zs;
				static bool zs_ready;
				int			ret;

				if (!zs_ready)
				{
					memset(&zs, 0, sizeof(zs));
					FUZZ_CHECK(inflateInit2(&zs, 15 + 32) == Z_OK);
					zs_ready = true;
				}
				else
					FUZZ_CHECK(inflateReset(&zs) == Z_OK);
				zs.next_in = (Bytef *) src;
				zs.avail_in = (uInt) n;
				zs.next_out = dst;
				zs.avail_out = (uInt) want;
				ret = inflate(&zs, Z_FINISH);
				return ret == Z_STREAM_END && zs.total_out == want;
			}
		case PQW_BROTLI:
			{
				size_t		out = want;

				return BrotliDecoderDecompress(n, src, &out, dst) == BROTLI_DECODER_RESULT_SUCCESS &&
					out == want;
			}
		case PQW_ZSTD:
			{
				/* one decompression context for the whole run */
				static ZSTD_DCtx *dctx;
				size_t		r;

				if (dctx == NULL)
					FUZZ_CHECK((dctx = ZSTD_createDCtx()) != NULL);
				r = ZSTD_decompressDCtx(dctx, dst, want, src, n);

				return !ZSTD_isError(r) && r == want;
			}
		case PQW_LZ4_RAW:
			return LZ4_decompress_safe((const char *) src, (char *) dst, (int) n, (int) want) == (int) want;
	}
	return false;
}

/* ---- the RLE / bit-packing hybrid ---- */
ORACLE static bool
rle_decode(const uint8_t **pp, const uint8_t *end, int bw, size_t n, uint32_t *out)
{
	const uint8_t *p = *pp;
	size_t		i = 0;

	while (i < n)
	{
		uint64_t	h = 0;
		int			shift = 0;

		for (;;)
		{
			if (p >= end || shift > 35)
				return false;
			h |= (uint64_t) (*p & 0x7f) << shift;
			shift += 7;
			if (!(*p++ & 0x80))
				break;
		}
		if (h & 1)
		{
			uint64_t	groups = h >> 1;
			uint64_t	nbytes = groups * (uint64_t) bw;
			uint64_t	bit = 0;

			if (groups == 0 || nbytes > (uint64_t) (end - p))
				return false;
			for (uint64_t k = 0; k < groups * 8 && i < n; k++, i++)
			{
				uint32_t	v = 0;

				for (int b = 0; b < bw; b++, bit++)
					v |= (uint32_t) ((p[bit >> 3] >> (bit & 7)) & 1) << b;
				out[i] = v;
			}
			p += nbytes;
		}
		else
		{
			uint64_t	run = h >> 1;
			int			vb = (bw + 7) / 8;
			uint32_t	v = 0;

			if (run == 0 || vb > end - p)
				return false;
			for (int b = 0; b < vb; b++)
				v |= (uint32_t) p[b] << (8 * b);
			p += vb;
			for (uint64_t k = 0; k < run && i < n; k++, i++)
				out[i] = v;
		}
	}
	*pp = p;
	return true;
}

ORACLE static int
bit_width(uint32_t v)
{
	int			w = 0;

	while (v)
	{
		w++;
		v >>= 1;
	}
	return w;
}

ORACLE static size_t
fixed_width(const Leaf *l)
{
	switch (l->type)
	{
		case PQW_INT32:
		case PQW_FLOAT:
			return 4;
		case PQW_INT64:
		case PQW_DOUBLE:
			return 8;
		case PQW_FIXED_LEN_BYTE_ARRAY:
			return (size_t) l->type_length;
		default:
			return 0;
	}
}

/* Decode 'count' PLAIN values; out[k] points to value k inside buf, lens[k] its length. */
ORACLE static bool
plain_decode(const Leaf *l, const uint8_t **pp, const uint8_t *end, size_t count,
			 const uint8_t **vp, size_t *vl, uint8_t *bools)
{
	const uint8_t *p = *pp;

	for (size_t k = 0; k < count; k++)
	{
		if (l->type == PQW_BOOLEAN)
		{
			if ((size_t) (end - p) < (count + 7) / 8)
				return false;
			bools[k] = (p[k >> 3] >> (k & 7)) & 1;
			vp[k] = &bools[k];
			vl[k] = 1;
			continue;
		}
		if (l->type == PQW_BYTE_ARRAY)
		{
			uint32_t	len;

			if (end - p < 4)
				return false;
			len = (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
			p += 4;
			if (len > (size_t) (end - p))
				return false;
			vp[k] = p;
			vl[k] = len;
			p += len;
		}
		else
		{
			size_t		w = fixed_width(l);

			if ((size_t) (end - p) < w)
				return false;
			vp[k] = p;
			vl[k] = w;
			p += w;
		}
	}
	if (l->type == PQW_BOOLEAN)
		p += (count + 7) / 8;
	*pp = p;
	return true;
}

/* One level stream of a v1 data page: u32 length, RLE hybrid; it must equal 'want'. */
ORACLE static void
read_levels(const uint8_t **pp, const uint8_t *end, int width, size_t n, uint32_t *lev,
			const uint16_t *want)
{
	const uint8_t *p = *pp;
	const uint8_t *q;
	uint32_t	blen;

	FUZZ_CHECK(end - p >= 4);
	blen = p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
	p += 4;
	FUZZ_CHECK(blen <= (size_t) (end - p));
	q = p;
	FUZZ_CHECK(rle_decode(&q, p + blen, width, n, lev));
	for (size_t k = 0; k < n; k++)
		FUZZ_CHECK(lev[k] == want[k]);
	*pp = p + blen;
}

/* Read back one column chunk and compare with what was appended. */
ORACLE static void
check_chunk(const Mem *f, size_t footer_start, TNode *md, const Leaf *l, pqw_codec codec,
			size_t lv_from, size_t lv_to, size_t v_from, size_t v_to)
{
	int64_t		dict_off = fld(md, 11)->type == -1 ? -1 : fld(md, 11)->i;
	int64_t		data_off = fld(md, 9)->i;
	int64_t		start = dict_off >= 0 ? dict_off : data_off;
	int64_t		total = fld(md, 7)->i;
	int64_t		pos = start;
	size_t		lv = lv_from,
				vv = v_from;
	const uint8_t **dict_v = NULL;
	size_t	   *dict_l = NULL;
	size_t		n_dict = 0;
	uint8_t    *dict_body = NULL;
	uint8_t    *dict_bools = NULL;
	int			def_w = bit_width((uint32_t) l->max_def);
	int			rep_w = bit_width((uint32_t) l->max_rep);

	FUZZ_CHECK(start >= 4 && total >= 0 && (uint64_t) start + (uint64_t) total <= footer_start);
	if (dict_off >= 0)
		FUZZ_CHECK(dict_off < data_off);
	while (pos < start + total)
	{
		TReader		r = {f->data + pos, f->data + start + total, false, 0};
		TNode		ph;
		int64_t		hlen,
					csize,
					usize,
					ptype;
		uint8_t    *body;

		memset(&ph, 0, sizeof(ph));
		t_struct(&r, &ph);
		FUZZ_CHECK(!r.bad);
		hlen = r.p - (f->data + pos);
		ptype = fld(&ph, 1)->i;
		usize = fld(&ph, 2)->i;
		csize = fld(&ph, 3)->i;
		FUZZ_CHECK(usize >= 0 && csize >= 0 && pos + hlen + csize <= start + total);
		body = malloc((size_t) usize + 1);
		FUZZ_CHECK(decompress(codec, f->data + pos + hlen, (size_t) csize, body, (size_t) usize));
		if (ptype == 2)
		{
			/* the dictionary: first, once, PLAIN */
			int64_t		nd = fld(fld(&ph, 7), 1)->i;
			const uint8_t *p = body;

			FUZZ_CHECK(pos == dict_off && dict_body == NULL);
			FUZZ_CHECK(nd > 0 && nd <= (int64_t) (v_to - v_from));
			n_dict = (size_t) nd;
			dict_v = malloc(n_dict * sizeof(*dict_v));
			dict_l = malloc(n_dict * sizeof(*dict_l));
			dict_bools = malloc(n_dict);
			FUZZ_CHECK(plain_decode(l, &p, body + usize, n_dict, dict_v, dict_l, dict_bools));
			FUZZ_CHECK(p == body + usize);
			dict_body = body;
			body = NULL;
		}
		else
		{
			int64_t		nv = fld(fld(&ph, 5), 1)->i;
			int64_t		enc = fld(fld(&ph, 5), 2)->i;
			const uint8_t *p = body;
			const uint8_t *end = body + usize;
			uint32_t   *lev;
			size_t		nvals = 0;

			FUZZ_CHECK(ptype == 0);
			FUZZ_CHECK(nv > 0 && lv + (size_t) nv <= lv_to);
			lev = malloc((size_t) nv * sizeof(uint32_t));
			if (l->max_rep > 0)
			{
				read_levels(&p, end, rep_w, (size_t) nv, lev, l->rep + lv);
				/* a page starts at a row */
				FUZZ_CHECK(lev[0] == 0);
			}
			if (l->max_def > 0)
			{
				read_levels(&p, end, def_w, (size_t) nv, lev, l->def + lv);
				for (int64_t k = 0; k < nv; k++)
					nvals += lev[k] == (uint32_t) l->max_def;
			}
			else
				nvals = (size_t) nv;
			FUZZ_CHECK(vv + nvals <= v_to);
			if (nvals > 0)
			{
				const uint8_t **vp = malloc(nvals * sizeof(*vp));
				size_t	   *vl = malloc(nvals * sizeof(*vl));
				uint8_t    *bools = malloc(nvals);

				if (enc == 8)	/* RLE_DICTIONARY */
				{
					uint32_t   *idx = malloc(nvals * sizeof(uint32_t));
					int			iw;

					FUZZ_CHECK(dict_body != NULL && p < end);
					iw = *p++;
					FUZZ_CHECK(iw >= 1 && iw <= 32);
					FUZZ_CHECK(rle_decode(&p, end, iw, nvals, idx));
					for (size_t k = 0; k < nvals; k++)
					{
						FUZZ_CHECK(idx[k] < n_dict);
						vp[k] = dict_v[idx[k]];
						vl[k] = dict_l[idx[k]];
					}
					free(idx);
				}
				else
				{
					FUZZ_CHECK(enc == 0);
					FUZZ_CHECK(plain_decode(l, &p, end, nvals, vp, vl, bools));
					FUZZ_CHECK(p == end);
				}
				for (size_t k = 0; k < nvals; k++)
				{
					size_t		wl = l->voff[vv + k + 1] - l->voff[vv + k];

					FUZZ_CHECK(vl[k] == wl);
					FUZZ_CHECK(wl == 0 || memcmp(vp[k], l->vals + l->voff[vv + k], wl) == 0);
				}
				free(vp);
				free(vl);
				free(bools);
			}
			free(lev);
			lv += (size_t) nv;
			vv += nvals;
		}
		free(body);
		pos += hlen + csize;
		t_free(&ph);
	}
	FUZZ_CHECK(pos == start + total);
	FUZZ_CHECK(lv == lv_to);
	FUZZ_CHECK(vv == v_to);
	free(dict_body);
	free(dict_v);
	free(dict_l);
	free(dict_bools);
}

/*
 * Read the finished file back: the footer parses and ends at its length
 * field; row, group, chunk and schema counts, chunk offsets and statistics
 * agree with what was appended; every chunk gives back its levels and values.
 */
ORACLE static void
read_back(const Mem *f, pqw_writer *w, int nrows, int n_groups_seen, pqw_codec codec)
{
	uint32_t	flen;
	size_t		footer_start;
	TReader		r;
	TNode		fmd;
	TNode	   *groups;
	int64_t		rows = 0;
	int64_t		expect_off = 4;

	FUZZ_CHECK(pqw_writer_rows(w) == nrows);
	FUZZ_CHECK(pqw_writer_row_groups(w) == n_groups_seen);
	FUZZ_CHECK(pqw_writer_bytes_written(w) == (int64_t) f->len);
	FUZZ_CHECK(f->len >= 12);
	FUZZ_CHECK(memcmp(f->data, "PAR1", 4) == 0 && memcmp(f->data + f->len - 4, "PAR1", 4) == 0);
	memcpy(&flen, f->data + f->len - 8, 4);
	FUZZ_CHECK((uint64_t) flen + 12 <= f->len);
	footer_start = f->len - 8 - flen;
	r.p = f->data + footer_start;
	r.end = f->data + f->len - 8;
	r.bad = false;
	r.depth = 0;
	memset(&fmd, 0, sizeof(fmd));
	t_struct(&r, &fmd);
	FUZZ_CHECK(!r.bad && r.p == r.end);
	FUZZ_CHECK(fld(&fmd, 3)->i == nrows);
	FUZZ_CHECK(fld(&fmd, 2)->nkids == n_nodes + 1);
	groups = fld(&fmd, 4);
	FUZZ_CHECK(groups->type == T_LIST || (groups->type == -1 && n_groups_seen == 0));
	FUZZ_CHECK(groups->nkids == n_groups_seen);
	for (int g = 0; g < groups->nkids; g++)
	{
		TNode	   *rg = &groups->kids[g];
		TNode	   *cols = fld(rg, 1);

		FUZZ_CHECK(fld(rg, 3)->i > 0);
		rows += fld(rg, 3)->i;
		FUZZ_CHECK(cols->nkids == n_leaves);
		for (int c = 0; c < cols->nkids; c++)
		{
			TNode	   *md = fld(&cols->kids[c], 3);
			Leaf	   *l = &leaves[c];
			size_t		lv_from = l->group_level_start[g],
						lv_to = l->group_level_start[g + 1];
			size_t		v_from = l->group_val_start[g],
						v_to = l->group_val_start[g + 1];
			int64_t		dict_off = fld(md, 11)->type == -1 ? -1 : fld(md, 11)->i;
			int64_t		start = dict_off >= 0 ? dict_off : fld(md, 9)->i;
			TNode	   *stats = fld(md, 12);

			FUZZ_CHECK(md->type == T_STRUCT);
			FUZZ_CHECK(fld(md, 1)->i == l->type);
			FUZZ_CHECK(fld(md, 3)->nkids == l->depth);
			FUZZ_CHECK(fld(md, 4)->i == codec);
			FUZZ_CHECK(fld(md, 5)->i == (int64_t) (lv_to - lv_from));
			FUZZ_CHECK(start == expect_off);
			expect_off = start + fld(md, 7)->i;
			if (fld(stats, 3)->type != -1)
				FUZZ_CHECK(fld(stats, 3)->i == (int64_t) ((lv_to - lv_from) - (v_to - v_from)));
			if ((l->type == PQW_INT32 || l->type == PQW_INT64) && !l->has_logical &&
				fld(stats, 6)->type == T_BINARY && v_to > v_from)
			{
				int64_t		mn = INT64_MAX,
							mx = INT64_MIN,
							smn = 0,
							smx = 0;

				for (size_t k = v_from; k < v_to; k++)
				{
					int64_t		v;

					if (l->type == PQW_INT32)
					{
						int32_t		v32;

						memcpy(&v32, l->vals + l->voff[k], 4);
						v = v32;
					}
					else
						memcpy(&v, l->vals + l->voff[k], 8);
					mn = v < mn ? v : mn;
					mx = v > mx ? v : mx;
				}
				FUZZ_CHECK(fld(stats, 6)->binlen == fixed_width(l) && fld(stats, 5)->binlen == fixed_width(l));
				if (l->type == PQW_INT32)
				{
					int32_t		a,
								b;

					memcpy(&a, fld(stats, 6)->bin, 4);
					memcpy(&b, fld(stats, 5)->bin, 4);
					smn = a;
					smx = b;
				}
				else
				{
					memcpy(&smn, fld(stats, 6)->bin, 8);
					memcpy(&smx, fld(stats, 5)->bin, 8);
				}
				FUZZ_CHECK(smn == mn && smx == mx);
			}
			check_chunk(f, footer_start, md, l, codec, lv_from, lv_to, v_from, v_to);
		}
	}
	FUZZ_CHECK(rows == nrows);
	FUZZ_CHECK((size_t) expect_off == footer_start);
	t_free(&fmd);
}

static const pqw_codec codecs[] = {PQW_UNCOMPRESSED, PQW_SNAPPY, PQW_GZIP, PQW_BROTLI, PQW_ZSTD, PQW_LZ4_RAW};
static const int64_t rg_rows[] = {1, 2, 3, 7, 50, 1000};
static const int64_t rg_bytes[] = {1, 64, 1000, 128 << 20};
static const size_t page_bytes[] = {1, 16, 100, 1024, 1 << 20};
static const size_t dict_bytes[] = {0, 16, 64, 1024, 1 << 20};

/*
 * options.threads: FUZZ_THREADS when set (the long threaded run), else 1 or
 * 2 by a bit of the input's hash, which leaves the picks, and so what every
 * seed means, as they were.
 */
static int
fuzz_threads(void)
{
	const char *env = getenv("FUZZ_THREADS");

	if (env != NULL && *env != '\0')
		return atoi(env);
	return 1 + (int) (rng >> 63);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pqw_options	o;
	pqw_writer *w;
	Mem			f = {NULL, 0, 0, -1};
	pqw_status	st = PQW_OK;
	int			nrows;
	int			fail_mode;
	int			bad_call_row = -1;
	int			rd[MAX_DEPTH + 2] = {0};
	int			n_groups_seen = 0;
	bool		schema_ok;
	int			level_mode,
				level_pick,
				level_lo,
				level_hi,
				level_fast;
	bool		bad_level = false;
	int			entry_budget;
	int			total_entries = 0;
	bool		big_class;

	in.p = data;
	in.n = size;
	arena_reset();
	rng = 0x9E3779B97F4A7C15ull ^ size;
	for (size_t k = 0; k < size && k < 64; k++)
		rng = rng * 31 + data[k];
	if (rng == 0)
		rng = 1;
	fz_live = 0;
	fz_refused = 0;
	alloc_budget = -1;

	pqw_options_init(&o);
	o.codec = codecs[pick(6)];
	o.row_group_rows = rg_rows[pick(6)];
	o.row_group_bytes = rg_bytes[pick(4)];
	o.page_bytes = page_bytes[pick(5)];
	o.dictionary_bytes = dict_bytes[pick(5)];
	o.created_by = "protobuf_fdw fuzz";
	o.threads = fuzz_threads();

	/*
	 * Rows: mostly a few (0-7), sometimes up to 31, rarely up to 186 (many
	 * row groups and pages); most of the cost of an execution is per value,
	 * so this keeps the target at thousands of executions a second while
	 * every size class stays reachable.
	 */
	{
		uint32_t	size_class = pick(64);

		nrows = (int) pick(32);
		big_class = size_class == 0;
		if (size_class == 0)
			nrows *= 6;
		else if (size_class >= 8)
			nrows %= 8;
	}
	fail_mode = (int) pick(16);

	if (fail_mode == 1)
		f.fail_after = (long) pick(256) * 16;
	else if (fail_mode == 2)
	{
		alloc_budget = (long) pick(200);

		/*
		 * Known (findings/parquet-brotli-oom-exit): libbrotlienc 1.0.9 is built
		 * with BROTLI_ENCODER_EXIT_ON_OOM, so when an allocation hook returns
		 * NULL inside BrotliEncoderCompressStream it calls exit(1) instead of
		 * failing.  The server's hooks ereport and never return NULL, so this
		 * cannot happen in a backend; FUZZ_BROTLI_OOM=1 injects it anyway.
		 */
		if (o.codec == PQW_BROTLI && !getenv("FUZZ_BROTLI_OOM"))
			o.codec = PQW_ZSTD;
	}
	else if (fail_mode == 3)
		bad_call_row = nrows > 0 ? (int) pick((uint32_t) nrows) : 0;

	/*
	 * Compression level: mostly the fastest ones (the codec paths are the
	 * same; high levels only search harder), sometimes the codec's default,
	 * sometimes any valid level, and sometimes an out-of-range one, which
	 * pqw_writer_create must refuse with PQW_ERR_ARG.
	 */
	level_mode = (int) pick(32);
	level_pick = (int) pick(256);
	switch (o.codec)
	{
		case PQW_GZIP:
			level_lo = 0, level_hi = 9, level_fast = 1;
			break;
		case PQW_ZSTD:
			level_lo = ZSTD_minCLevel(), level_hi = ZSTD_maxCLevel(), level_fast = 1;
			break;
		case PQW_BROTLI:
			level_lo = 0, level_hi = 11, level_fast = 0;
			break;
		case PQW_LZ4_RAW:
			level_lo = 1, level_hi = 12, level_fast = 1;
			break;
		default:
			level_lo = level_hi = level_fast = PQW_LEVEL_DEFAULT;	/* takes no level */
			break;
	}
	if (level_mode == 0)
		o.compression_level = PQW_LEVEL_DEFAULT;
	else if (level_mode == 1 && level_lo != PQW_LEVEL_DEFAULT)
	{
		o.compression_level = level_lo + level_pick % (level_hi - level_lo + 1);
		/* brotli from 4 up costs 5-500 ms an execution here: 1 in 16 of these */
		if (o.codec == PQW_BROTLI && o.compression_level >= 4 && level_pick >= 16)
			o.compression_level %= 4;
	}
	else if (level_mode == 2)
	{
		/* invalid: out of range, or any level for a codec that takes none */
		o.compression_level = level_lo == PQW_LEVEL_DEFAULT ? 1 + level_pick % 3 :
			(level_pick & 1) ? level_hi + 1 + level_pick % 7 : level_lo - 1 - level_pick % 7;
		bad_level = true;
	}
	else if (level_lo != PQW_LEVEL_DEFAULT)
		o.compression_level = level_fast + (level_pick & 1) * (o.codec == PQW_BROTLI ? 1 + level_pick % 2 : 0);
	else
		o.compression_level = PQW_LEVEL_DEFAULT;

	w = pqw_writer_create(&palloc, &o, mem_write, &f);
	if (w == NULL)
	{
		FUZZ_CHECK(fail_mode == 2);
		FUZZ_CHECK(fz_live == 0);
		return 0;
	}
	if (bad_level)
	{
		/* refused at once, and every later call fails without writing a byte */
		FUZZ_CHECK(pqw_writer_status(w) == PQW_ERR_ARG);
		FUZZ_CHECK(pqw_writer_error(w) != NULL && pqw_writer_error(w)[0] != '\0');
		FUZZ_CHECK(pqw_writer_begin(w) == PQW_ERR_ARG);
		FUZZ_CHECK(pqw_writer_finish(w) == PQW_ERR_ARG);
		FUZZ_CHECK(f.len == 0);
		goto done;
	}
	FUZZ_CHECK(pqw_writer_status(w) == PQW_OK);
	schema_ok = add_nodes(w, -1, 0, 0, rd, 0);
	if (!schema_ok)
	{
		/* only an injected allocation failure may stop a valid schema */
		FUZZ_CHECK(fail_mode == 2);
		goto done;
	}
	FUZZ_CHECK(pqw_schema_leaf_count(w) == n_leaves);
	for (int i = 0; i < n_leaves; i++)
	{
		FUZZ_CHECK(pqw_schema_leaf_of_node(w, leaves[i].node) == i);
		FUZZ_CHECK(pqw_schema_max_def(w, i) == leaves[i].max_def);
		FUZZ_CHECK(pqw_schema_max_rep(w, i) == leaves[i].max_rep);
	}

	/*
	 * Bound the level entries of one execution: an execution costs about its
	 * number of pages (one per value with page_bytes 1), and the codecs that
	 * set up large tables for every page (gzip, brotli, LZ4 HC, zstd above
	 * level 3) cost ~0.1 ms a page under ASan; every chunk and row group
	 * costs too.  Rows are cut to fit the budget (in the rare big class, 1 in
	 * 64, a one-leaf schema still reaches 186 rows and row groups), and
	 * repeated entries stop when it is spent.
	 */
	{
		bool		heavy = o.codec == PQW_GZIP || o.codec == PQW_BROTLI ||
			(o.codec == PQW_LZ4_RAW && o.compression_level != PQW_LEVEL_DEFAULT && o.compression_level > 1) ||
			(o.codec == PQW_ZSTD && o.compression_level != PQW_LEVEL_DEFAULT && o.compression_level > 3);

		entry_budget = heavy ? 16 : 48;
		if (big_class)
			entry_budget = 256;
		if (n_leaves > 0 && nrows * n_leaves > entry_budget)
			nrows = entry_budget / n_leaves;
		if (bad_call_row >= nrows)
			bad_call_row = nrows - 1;
	}
	st = pqw_writer_begin(w);
	for (int row = 0; row < nrows && st == PQW_OK; row++)
	{
		for (int i = 0; i < n_leaves && st == PQW_OK; i++)
		{
			Leaf	   *l = &leaves[i];
			int			entries = 0;
			int			def = (int) pick((uint32_t) l->max_def + 1);
			int			rep = 0;

			for (;;)
			{
				uint8_t		buf[32];
				size_t		len = def == l->max_def ? make_value(l, buf) : 0;
				int			R = 0;

				st = pqw_column_append(w, i, def, rep, def == l->max_def ? buf : NULL, len);
				if (st != PQW_OK)
					break;
				leaf_push(l, def, rep, buf, len);
				entries++;
				total_entries++;
				/* another entry in this row: a repetition level whose list exists */
				for (int r = 1; r <= l->max_rep; r++)
					if (def >= l->rep_def[r])
						R = r;
				if (R == 0 || entries >= 8 || total_entries >= entry_budget || pick(2) == 0)
					break;
				rep = 1 + (int) pick((uint32_t) R);
				def = l->rep_def[rep] + (int) pick((uint32_t) (l->max_def - l->rep_def[rep] + 1));
			}
		}
		if (st == PQW_OK && row == bad_call_row)
		{
			/* an invalid call: must be refused, and the writer stays failed */
			int			leaf = n_leaves > 0 ? (int) pick((uint32_t) n_leaves) : 0;
			int			how = (int) pick(3);
			pqw_status	bst;

			if (how == 0)
				bst = pqw_column_append(w, n_leaves + (int) pick(3), 0, 0, NULL, 0);
			else if (how == 1)
				bst = pqw_column_append(w, leaf, leaves[leaf].max_def + 1, 0, NULL, 0);
			else
				bst = pqw_column_append(w, leaf, 0, leaves[leaf].max_rep + 1, NULL, 0);
			FUZZ_CHECK(bst == PQW_ERR_ARG);
			FUZZ_CHECK(pqw_writer_status(w) == PQW_ERR_ARG);
			FUZZ_CHECK(pqw_writer_error(w) != NULL && pqw_writer_error(w)[0] != '\0');
			st = bst;
			break;
		}
		if (st == PQW_OK)
		{
			int			before = pqw_writer_row_groups(w);

			st = pqw_writer_end_row(w);
			if (st == PQW_OK && pqw_writer_row_groups(w) != before)
			{
				FUZZ_CHECK(pqw_writer_row_groups(w) == before + 1);
				FUZZ_CHECK(n_groups_seen < MAX_GROUPS);
				n_groups_seen++;
				for (int i = 0; i < n_leaves; i++)
				{
					leaves[i].group_level_start[n_groups_seen] = leaves[i].n_levels;
					leaves[i].group_val_start[n_groups_seen] = leaves[i].n_vals;
				}
			}
		}
	}
	if (st == PQW_OK)
		st = pqw_writer_add_kv(w, "fuzz", "1");
	if (st == PQW_OK)
	{
		int			before = pqw_writer_row_groups(w);

		st = pqw_writer_finish(w);
		if (st == PQW_OK && pqw_writer_row_groups(w) != before)
		{
			n_groups_seen++;
			for (int i = 0; i < n_leaves; i++)
			{
				leaves[i].group_level_start[n_groups_seen] = leaves[i].n_levels;
				leaves[i].group_val_start[n_groups_seen] = leaves[i].n_vals;
			}
		}
	}

	if (st != PQW_OK)
	{
		/* only an injected failure or the invalid call may fail */
		FUZZ_CHECK(fail_mode == 1 || fail_mode == 2 || fail_mode == 3);
		if (fail_mode == 1)
			FUZZ_CHECK(st == PQW_ERR_IO);
		if (fail_mode == 2)
			FUZZ_CHECK(st == PQW_ERR_NOMEM);
		FUZZ_CHECK(pqw_writer_status(w) == st);
		goto done;
	}

	read_back(&f, w, nrows, n_groups_seen, o.codec);

done:
	pqw_writer_destroy(w);
	FUZZ_CHECK(fz_live == 0);
	free(f.data);
	leaves_free();
	return 0;
}
