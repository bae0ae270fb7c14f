/*
 * pbfuzz.c - libFuzzer inside a PostgreSQL backend: the protobuf decoder
 * (src/decode.c, src/jsonb_render.c) and the descriptor-set loader
 * (src/schema.c, src/binding.c), which are PostgreSQL glue (palloc,
 * ereport, Datums) and cannot run outside a server.
 *
 * This file and the extension's glue sources (schema, binding, decode,
 * jsonb_render, options, stream/) are built into one shared library with
 * -fsanitize=fuzzer-no-link,undefined (UBSan in trap mode) and libFuzzer's
 * fuzzer_no_main runtime; run.sh starts a single-user backend, creates the
 * tables of setup.sql and calls one of the SQL functions below, which hands
 * its text[] argument to LLVMFuzzerRunDriver as argv.  libFuzzer then calls
 * one of the callbacks for every input, in that backend, until it exits.
 * AddressSanitizer is not used: a backend with the ASan runtime preloaded
 * hangs before main() (README.md); instead the per-row memory context puts a
 * guard page after every chunk (below).

 * fuzz_decoder: input = [table selector byte][message bytes].  The message
 * is decoded with the plan the scan would build for that table (every
 * column), in a subtransaction.  Invariants:
 *  - an error has an expected SQLSTATE: class 22 (data exception) or 54
 *    (program limit); anything else, e.g. XX000 from elog, aborts;
 *  - on success every non-null value prints through its type's output
 *    function as text valid in the server encoding, and reads back through
 *    its input function to the same text (arrays, composites, jsonb, bytea,
 *    numeric, timestamps...); an array's element type is the column's;
 *  - the per-row memory context is reset for every input and the backend's
 *    memory does not grow (checked every 4096 inputs).
 * The per-row context gives every palloc its own mapping ending at a guard
 * page: reading or writing past a chunk, or a chunk of an earlier row, is a
 * SIGSEGV (libFuzzer saves the input).
 *
 * fuzz_loader: input = [selector][len lo][len hi][len bytes: a
 * FileDescriptorSet][rest: message bytes].  The set is parsed from memory
 * with pb_schema_parse() (the file loader's parsing path without the file
 * and the cache); then one message of the set is chosen by the selector
 * and every field bound (pb_render_plan, the plan of a whole-message jsonb
 * column) and the rest of the input decoded with it; and each table of
 * setup.sql whose message the set defines is bound with pb_build_plan.
 * Invariants: every error has an expected SQLSTATE (22, 54, 42, HV: bad set,
 * limits, names, FDW binding errors); a set that parses gives a usable
 * schema (messages sorted and unique by name, each findable, each field's
 * type name known); decoding with it follows the decoder's invariants.
 */
#include "postgres.h"

#include <sys/mman.h>
#include <unistd.h>

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "nodes/memnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/varlena.h"

#include "binding.h"
#include "decode.h"
#include "schema.h"

#include "../fuzz_common.h"	/* FUZZ_CHECK */

PG_MODULE_MAGIC;

extern int	LLVMFuzzerRunDriver(int *argc, char ***argv,
								int (*cb) (const uint8_t *data, size_t size));


/*
 * ---- a memory context with a guard page after every chunk ----
 *
 * AddressSanitizer cannot run in this backend (see README.md), so the
 * per-row context is an electric-fence allocator: every palloc gets its own
 * slot, a mapping whose last page is PROT_NONE, with the chunk's end
 * (rounded up to MAXALIGN) touching that page, so a read or write past the
 * end of a chunk is a SIGSEGV that libFuzzer records.
 *
 * Mapping, protecting and unmapping a slot per palloc cost ~90% of the
 * target's time (three system calls, a page fault and a zeroed page each),
 * so released slots of up to GC_POOL_PAGES data pages are recycled: the
 * chunk is overwritten with 0x7F (as PostgreSQL's CLOBBER_FREED_MEMORY does)
 * and its slot queued, and allocations take the oldest queued slot, so a
 * stale pointer sees poison for as long as possible.  PBFUZZ_FENCE_UNMAP=1
 * unmaps every released slot instead, which turns a use after free into a
 * SIGSEGV too, at the cost of those system calls again.
 */
#define GC_POOL_PAGES	4		/* recycle slots of 1..GC_POOL_PAGES data pages */
#define GC_POOL_MAX		4096	/* at most this many queued slots per size */

typedef struct MChunk
{
	struct MChunk *prev;
	struct MChunk *next;
	Size		size;			/* as requested */
	char	   *base;			/* the slot's mapping */
	Size		pages;			/* its data pages (the guard page follows) */
	MemoryContext cxt;			/* must sit just before the data (GetMemoryChunkContext) */
} MChunk;

/* a queued slot: the link is written at the start of its mapping */
typedef struct FreeSlot
{
	struct FreeSlot *next;
} FreeSlot;

typedef struct SlotQueue
{
	FreeSlot   *head;			/* oldest */
	FreeSlot   *tail;
	int			count;
} SlotQueue;

typedef struct GuardContext
{
	MemoryContextData header;
	MChunk		head;			/* circular list of live chunks (head is a sentinel) */
	Size		live;
	bool		unmap;			/* PBFUZZ_FENCE_UNMAP: never recycle a slot */
	SlotQueue	pool[GC_POOL_PAGES + 1];	/* by number of data pages */
} GuardContext;

static Size page_size;

static char *
gc_slot_get(GuardContext *gc, Size pages)
{
	char	   *base;

	if (pages <= GC_POOL_PAGES && gc->pool[pages].head != NULL)
	{
		SlotQueue  *q = &gc->pool[pages];
		FreeSlot   *s = q->head;

		q->head = s->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->count--;
		return (char *) s;
	}
	base = mmap(NULL, (pages + 1) * page_size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	FUZZ_CHECK(mprotect(base + pages * page_size, page_size, PROT_NONE) == 0);
	return base;
}

static void
gc_slot_put(GuardContext *gc, MChunk *c)
{
	char	   *base = c->base;
	Size		pages = c->pages;
	SlotQueue  *q = &gc->pool[Min(pages, GC_POOL_PAGES)];
	FreeSlot   *s;

	if (gc->unmap || pages > GC_POOL_PAGES || q->count >= GC_POOL_MAX)
	{
		FUZZ_CHECK(munmap(base, (pages + 1) * page_size) == 0);
		return;
	}
	memset(c, 0x7F, sizeof(MChunk) + MAXALIGN(c->size));
	s = (FreeSlot *) base;
	s->next = NULL;
	if (q->tail)
		q->tail->next = s;
	else
		q->head = s;
	q->tail = s;
	q->count++;
}

static void *
gc_alloc(MemoryContext context, Size size)
{
	GuardContext *gc = (GuardContext *) context;
	Size		need = sizeof(MChunk) + MAXALIGN(size);
	Size		pages = (need + page_size - 1) / page_size;
	char	   *base = gc_slot_get(gc, pages);
	MChunk	   *c;

	if (base == NULL)
		return NULL;
	c = (MChunk *) (base + pages * page_size - MAXALIGN(size)) - 1;
	c->size = size;
	c->base = base;
	c->pages = pages;
	c->cxt = context;
	c->next = gc->head.next;
	c->prev = &gc->head;
	gc->head.next->prev = c;
	gc->head.next = c;
	gc->live += size;
	return c + 1;
}

static void
gc_release(GuardContext *gc, MChunk *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	gc->live -= c->size;
	gc_slot_put(gc, c);
}

static void
gc_free(MemoryContext context, void *pointer)
{
	MChunk	   *c = (MChunk *) pointer - 1;

	FUZZ_CHECK(c->cxt == context);
	gc_release((GuardContext *) context, c);
}

static void *
gc_realloc(MemoryContext context, void *pointer, Size size)
{
	void	   *n = gc_alloc(context, size);
	MChunk	   *c = (MChunk *) pointer - 1;

	if (n == NULL)
		return NULL;
	memcpy(n, pointer, Min(size, c->size));
	gc_free(context, pointer);
	return n;
}

static void
gc_reset(MemoryContext context)
{
	GuardContext *gc = (GuardContext *) context;

	while (gc->head.next != &gc->head)
		gc_release(gc, gc->head.next);
	FUZZ_CHECK(gc->live == 0);
}

static void
gc_delete(MemoryContext context)
{
	GuardContext *gc = (GuardContext *) context;

	gc_reset(context);
	for (Size pages = 1; pages <= GC_POOL_PAGES; pages++)
	{
		while (gc->pool[pages].head != NULL)
		{
			FreeSlot   *s = gc->pool[pages].head;

			gc->pool[pages].head = s->next;
			FUZZ_CHECK(munmap(s, (pages + 1) * page_size) == 0);
		}
	}
	free(context);
}

static Size
gc_chunk_space(MemoryContext context, void *pointer)
{
	return (((MChunk *) pointer - 1)->pages + 1) * page_size;
}

static bool
gc_is_empty(MemoryContext context)
{
	return ((GuardContext *) context)->live == 0;
}

static void
gc_stats(MemoryContext context, MemoryStatsPrintFunc printfunc, void *passthru,
		 MemoryContextCounters *totals, bool print_to_stderr)
{
	if (totals)
		totals->totalspace += ((GuardContext *) context)->live;
}

static const MemoryContextMethods gc_methods = {
	gc_alloc, gc_free, gc_realloc, gc_reset, gc_delete, gc_chunk_space, gc_is_empty, gc_stats
#ifdef MEMORY_CONTEXT_CHECKING
	,NULL
#endif
};

static MemoryContext
guard_context_create(MemoryContext parent, const char *name)
{
	GuardContext *gc = malloc(sizeof(GuardContext));

	FUZZ_CHECK(gc != NULL);
	page_size = (Size) sysconf(_SC_PAGESIZE);
	memset(gc, 0, sizeof(*gc));
	gc->head.next = gc->head.prev = &gc->head;
	gc->unmap = getenv("PBFUZZ_FENCE_UNMAP") != NULL && strcmp(getenv("PBFUZZ_FENCE_UNMAP"), "0") != 0;
	MemoryContextCreate((MemoryContext) gc, T_AllocSetContext, &gc_methods, parent, name);
	return (MemoryContext) gc;
}

/* ---- the tables and their plans ---- */

typedef struct FuzzTable
{
	Relation	rel;
	TupleDesc	desc;
	const char *message;		/* the table option "message" */
	PbMsgPlan  *plan;
	PbDecodeState *ds;
	Datum	   *values;
	bool	   *nulls;
} FuzzTable;

#define MAX_TABLES 32

static FuzzTable tables[MAX_TABLES];
static int	ntables;
static MemoryContext fuzz_cxt;	/* plans and schemas, for the whole run */
static MemoryContext row_cxt;	/* reset for every input */
static MemoryContext exec_cxt;	/* loader: the parsed set of one input */
static MemoryContext err_cxt;	/* error handling, reset after each error */
static MemoryContext check_cxt;	/* the checks' own allocations (type I/O), reset per input */
static Size mem_baseline;
static bool verbose;			/* PBFUZZ_VERBOSE=1: say what each input did */
static uint64 n_execs;

static const char *
table_message(Oid relid)
{
	ForeignTable *ft = GetForeignTable(relid);
	ListCell   *lc;

	foreach(lc, ft->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "message") == 0)
			return pstrdup(defGetString(def));
	}
	elog(ERROR, "foreign table %u has no option \"message\"", relid);
	return NULL;
}

static void
open_tables(ArrayType *names)
{
	Datum	   *elems;
	bool	   *enulls;
	int			n;

	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
	FUZZ_CHECK(n > 0 && n <= MAX_TABLES);
	for (int i = 0; i < n; i++)
	{
		FuzzTable  *t = &tables[i];
		char	   *name = TextDatumGetCString(elems[i]);
		RangeVar   *rv = makeRangeVarFromNameList(stringToQualifiedNameList(name));

		t->rel = table_openrv(rv, AccessShareLock);
		t->desc = RelationGetDescr(t->rel);
		t->message = table_message(RelationGetRelid(t->rel));
		t->values = palloc0(sizeof(Datum) * Max(t->desc->natts, 1));
		t->nulls = palloc0(sizeof(bool) * Max(t->desc->natts, 1));
	}
	ntables = n;
}

/* every column, as a whole-row reference asks */
static Bitmapset *
all_columns(void)
{
	return bms_make_singleton(0 - FirstLowInvalidHeapAttributeNumber);
}

/* ---- invariants on decoded values ---- */

static void
check_text(const char *s)
{
	FUZZ_CHECK(pg_verifymbstr(s, strlen(s), true));
}

static void
check_value(Form_pg_attribute attr, Datum v)
{
	Oid			out,
				in,
				ioparam;
	bool		varlena;
	char	   *s1,
			   *s2;
	Datum		back;

	if (attr->attlen == -1)
		FUZZ_CHECK(VARSIZE_ANY(DatumGetPointer(v)) >= VARHDRSZ_SHORT);
	if (type_is_array(attr->atttypid))
	{
		ArrayType  *a = DatumGetArrayTypeP(v);

		if (ARR_ELEMTYPE(a) != get_element_type(attr->atttypid))
			fprintf(stderr, "column \"%s\" of type %u holds an array of type %u\n",
					NameStr(attr->attname), attr->atttypid, ARR_ELEMTYPE(a));
		FUZZ_CHECK(ARR_ELEMTYPE(a) == get_element_type(attr->atttypid));
		FUZZ_CHECK(ARR_NDIM(a) <= 1);
	}
	if (attr->atttypid == TEXTOID || attr->atttypid == VARCHAROID || attr->atttypid == BPCHAROID)
	{
		text	   *t = DatumGetTextPP(v);

		if (!pg_verifymbstr(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), true))
		{
			fprintf(stderr, "column \"%s\": %d bytes of text, not valid in the server encoding:",
					NameStr(attr->attname), (int) VARSIZE_ANY_EXHDR(t));
			for (int i = 0; i < VARSIZE_ANY_EXHDR(t) && i < 64; i++)
				fprintf(stderr, " %02x", (unsigned char) VARDATA_ANY(t)[i]);
			fprintf(stderr, "\n");
		}
		FUZZ_CHECK(pg_verifymbstr(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), true));
		FUZZ_CHECK(memchr(VARDATA_ANY(t), '\0', VARSIZE_ANY_EXHDR(t)) == NULL);
	}
	/* it prints, as valid text, and reads back to the same text */
	getTypeOutputInfo(attr->atttypid, &out, &varlena);
	s1 = OidOutputFunctionCall(out, v);
	check_text(s1);
	getTypeInputInfo(attr->atttypid, &in, &ioparam);
	back = OidInputFunctionCall(in, s1, ioparam, attr->atttypmod);
	s2 = OidOutputFunctionCall(out, back);
	if (strcmp(s1, s2) != 0)
	{
		fprintf(stderr, "round trip of column \"%s\" changed:\n%s\n%s\n", NameStr(attr->attname), s1, s2);
		FUZZ_CHECK(strcmp(s1, s2) == 0);
	}
}

static bool
expected_sqlstate(int code, bool loader)
{
	char		cls[3];

	cls[0] = PGUNSIXBIT(code);
	cls[1] = PGUNSIXBIT(code >> 6);
	cls[2] = '\0';
	if (strcmp(cls, "22") == 0 || strcmp(cls, "54") == 0)
		return true;
	if (loader && (strcmp(cls, "42") == 0 || strcmp(cls, "HV") == 0))
		return true;
	return false;
}

/*
 * Run fn(arg) in a subtransaction.  An error must have an expected SQLSTATE;
 * it is then swallowed and false returned.
 */
static bool
guarded(void (*fn) (void *), void *arg, bool loader)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	bool		ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/*
		 * A scratch context, emptied below: rolling back the subtransaction
		 * leaves a few hundred bytes in the current context every time
		 * (PL/pgSQL runs this in a per-statement context), which grew the
		 * run's context by 68 MB in 270,000 inputs before this.
		 */
		MemoryContextSwitchTo(err_cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (!expected_sqlstate(edata->sqlerrcode, loader))
		{
			fprintf(stderr, "unexpected error %s: %s (%s:%d)\n",
					unpack_sql_state(edata->sqlerrcode), edata->message,
					edata->filename ? edata->filename : "?", edata->lineno);
			FUZZ_CHECK(!"an error with an unexpected SQLSTATE");
		}
		if (verbose)
			fprintf(stderr, "pbfuzz: error %s: %s%s%s\n", unpack_sql_state(edata->sqlerrcode), edata->message,
					edata->detail ? " DETAIL: " : "", edata->detail ? edata->detail : "");
		FreeErrorData(edata);
		MemoryContextReset(err_cxt);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

typedef struct DecodeCall
{
	FuzzTable  *t;
	const uint8 *msg;
	size_t		len;
} DecodeCall;

static void
do_decode(void *arg)
{
	DecodeCall *c = arg;

	pb_decode_message(c->t->ds, c->msg, c->len, c->t->values, c->t->nulls);
}

static void
do_check(void *arg)
{
	FuzzTable  *t = ((DecodeCall *) arg)->t;

	for (int i = 0; i < t->desc->natts; i++)
		if (!t->nulls[i])
			check_value(TupleDescAttr(t->desc, i), t->values[i]);
}

static void
decode_and_check(FuzzTable *t, const uint8 *msg, size_t len, bool loader)
{
	DecodeCall	c = {t, msg, len};
	MemoryContext old;

	for (int i = 0; i < t->desc->natts; i++)
	{
		t->values[i] = (Datum) 0;
		t->nulls[i] = true;
	}
	MemoryContextReset(row_cxt);
	old = MemoryContextSwitchTo(row_cxt);
	if (guarded(do_decode, &c, loader))
	{
		if (verbose)
			fprintf(stderr, "pbfuzz: decoded a row of %s\n", RelationGetRelationName(t->rel));
		/*
		 * The checks may not fail at all: an error in them is an invariant
		 * failure.  They read the values where the decoder left them, behind
		 * guard pages, but allocate (type output and input functions) in an
		 * ordinary context: fencing PostgreSQL's own code is not the point,
		 * and it made most of the system calls.
		 */
		MemoryContextSwitchTo(check_cxt);
		PG_TRY();
		{
			do_check(&c);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(fuzz_cxt);
			edata = CopyErrorData();
			fprintf(stderr, "a decoded value failed its checks: %s: %s\n",
					unpack_sql_state(edata->sqlerrcode), edata->message);
			FUZZ_CHECK(!"decoded values print and read back");
		}
		PG_END_TRY();
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(check_cxt);
	MemoryContextReset(row_cxt);
}

static void
check_memory(void)
{
	Size		now;

	n_execs++;
	if (n_execs % 4096 != 0)
		return;
	now = MemoryContextMemAllocated(TopMemoryContext, true);
	if (n_execs == 4096)
		mem_baseline = now;
	else if (now > mem_baseline + (Size) 64 * 1024 * 1024)
	{
		fprintf(stderr, "backend memory grew from %zu to %zu bytes\n", mem_baseline, now);
		MemoryContextStats(TopMemoryContext);
		FUZZ_CHECK(!"memory does not grow");
	}
}

/* ---- fuzz_decoder ---- */

static int
decoder_one(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	decode_and_check(&tables[data[0] % ntables], data + 1, size - 1, false);
	check_memory();
	return 0;
}

/* ---- fuzz_loader ---- */

static FuzzTable whole;			/* a single jsonb column bound to '.' */

typedef struct LoadCall
{
	const uint8 *set;
	size_t		setlen;
	PbSchema	schema;
} LoadCall;

static void
do_parse(void *arg)
{
	LoadCall   *c = arg;

	pb_schema_parse(c->set, c->setlen, "fuzz input", &c->schema);
}

typedef struct BindCall
{
	FuzzTable  *t;
	const PbSchema *schema;
	const PbMessageInfo *mi;
} BindCall;

static void
do_bind(void *arg)
{
	BindCall   *c = arg;

	c->t->plan = pb_build_plan(c->t->rel, c->mi, c->schema, all_columns());
	c->t->ds = pb_decode_state_create(c->t->plan);
}

static void
do_render_plan(void *arg)
{
	BindCall   *c = arg;
	struct PbRenderCache *cache = pb_render_cache_create(c->schema);

	(void) pb_render_plan(cache, c->mi);
}

static void
check_schema(const PbSchema *s)
{
	for (int i = 0; i < s->nmessages; i++)
	{
		const PbMessageInfo *mi = &s->messages[i];

		FUZZ_CHECK(mi->full_name != NULL && mi->desc != NULL);
		if (i > 0)
			FUZZ_CHECK(strcmp(s->messages[i - 1].full_name, mi->full_name) <= 0);
		/* lookups ignore one leading dot, so a name that has one (package ".x") is unreachable */
		if (mi->full_name[0] != '.')
		{
			FUZZ_CHECK(pb_schema_find_message(s, mi->full_name) != NULL);
			FUZZ_CHECK(strcmp(pb_schema_find_message(s, mi->full_name)->full_name, mi->full_name) == 0);
		}
		for (size_t f = 0; f < mi->desc->n_field; f++)
			FUZZ_CHECK(pb_field_type_name(mi->desc->field[f]) != NULL);
	}
	for (int i = 0; i < s->nenums; i++)
	{
		FUZZ_CHECK(s->enums[i].full_name != NULL && s->enums[i].desc != NULL);
		if (i > 0)
			FUZZ_CHECK(strcmp(s->enums[i - 1].full_name, s->enums[i].full_name) <= 0);
		if (s->enums[i].full_name[0] != '.')
			FUZZ_CHECK(pb_schema_find_enum(s, s->enums[i].full_name) != NULL);
	}
}

static int
loader_one(const uint8_t *data, size_t size)
{
	LoadCall	lc;
	MemoryContext old;
	size_t		setlen;
	const uint8 *msg;
	size_t		msglen;
	uint8		sel;

	if (size < 3)
		return 0;
	sel = data[0];
	setlen = data[1] | (size_t) data[2] << 8;
	if (setlen > size - 3)
		setlen = size - 3;
	msg = data + 3 + setlen;
	msglen = size - 3 - setlen;

	MemoryContextReset(exec_cxt);
	old = MemoryContextSwitchTo(exec_cxt);
	memset(&lc, 0, sizeof(lc));
	lc.set = data + 3;
	lc.setlen = setlen;
	if (guarded(do_parse, &lc, true))
	{
		const PbSchema *s = &lc.schema;

		check_schema(s);
		if (s && s->nmessages > 0)
		{
			BindCall	bc = {&whole, s, &s->messages[sel % s->nmessages]};

			(void) guarded(do_render_plan, &bc, true);
			whole.plan = NULL;
			if (guarded(do_bind, &bc, true))
				decode_and_check(&whole, msg, msglen, true);
		}
		/* the decoder's tables, wherever the set defines their message */
		for (int i = 0; s && i < ntables; i++)
		{
			BindCall	bc = {&tables[i], s, pb_schema_find_message(s, tables[i].message)};

			if (bc.mi == NULL)
				continue;
			if (guarded(do_bind, &bc, true) && (sel & 0x80))
				decode_and_check(&tables[i], msg, msglen, true);
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(exec_cxt);
	check_memory();
	return 0;
}

/* ---- the SQL entry points ---- */

/* an environment switch: set, not empty, not "0" (su keeps the caller's environment) */
static bool
env_flag(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

static void
run_driver(ArrayType *args, int (*cb) (const uint8_t *, size_t))
{
	Datum	   *elems;
	bool	   *enulls;
	int			n;
	int			argc;
	char	  **argv;

	deconstruct_array(args, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
	argv = palloc0(sizeof(char *) * (n + 2));
	argv[0] = "pbfuzz";
	for (int i = 0; i < n; i++)
		argv[i + 1] = TextDatumGetCString(elems[i]);
	argc = n + 1;
	verbose = env_flag("PBFUZZ_VERBOSE");
	row_cxt = guard_context_create(fuzz_cxt, "pbfuzz row");
	if (((GuardContext *) row_cxt)->unmap)
		fprintf(stderr, "pbfuzz: PBFUZZ_FENCE_UNMAP: every released slot is unmapped\n");
	if (env_flag("PBFUZZ_SELFTEST"))
	{
		/*
		 * A freed chunk's slot is poisoned and recycled, and the guard page
		 * after the recycled slot works: this must die with SIGSEGV.
		 */
		volatile char *p = MemoryContextAlloc(row_cxt, 5);

		pfree((void *) p);
		p = MemoryContextAlloc(row_cxt, 5);
		FUZZ_CHECK(((GuardContext *) row_cxt)->unmap || p[0] == 0x7F);	/* poisoned */
		fprintf(stderr, "pbfuzz: self-test: writing one byte past an 8-byte chunk\n");
		p[8] = 1;
		fprintf(stderr, "pbfuzz: self-test FAILED: no fault\n");
		abort();
	}
	exec_cxt = AllocSetContextCreate(fuzz_cxt, "pbfuzz input", ALLOCSET_DEFAULT_SIZES);
	err_cxt = AllocSetContextCreate(fuzz_cxt, "pbfuzz errors", ALLOCSET_DEFAULT_SIZES);
	check_cxt = AllocSetContextCreate(fuzz_cxt, "pbfuzz checks", ALLOCSET_DEFAULT_SIZES);
	/* libFuzzer exits the process when it is done (or on a crash) */
	fprintf(stderr, "pbfuzz: starting libFuzzer with %d arguments\n", argc - 1);
	n = LLVMFuzzerRunDriver(&argc, &argv, cb);
	fprintf(stderr, "pbfuzz: LLVMFuzzerRunDriver returned %d\n", n);
}

PG_FUNCTION_INFO_V1(pbfuzz_decoder);
PG_FUNCTION_INFO_V1(pbfuzz_loader);

/* pbfuzz_decoder(descriptor_set text, tables text[], libfuzzer_args text[]) */
Datum
pbfuzz_decoder(PG_FUNCTION_ARGS)
{
	char	   *path = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const PbSchema *schema;

	fuzz_cxt = AllocSetContextCreate(TopMemoryContext, "pbfuzz", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(fuzz_cxt);
	schema = pb_schema_load(path);
	open_tables(PG_GETARG_ARRAYTYPE_P(1));
	for (int i = 0; i < ntables; i++)
	{
		FuzzTable  *t = &tables[i];

		t->plan = pb_build_plan(t->rel, pb_schema_require_message(schema, t->message),
								schema, all_columns());
		t->ds = pb_decode_state_create(t->plan);
	}
	run_driver(PG_GETARG_ARRAYTYPE_P(2), decoder_one);
	PG_RETURN_VOID();
}

/* pbfuzz_loader(tables text[], libfuzzer_args text[]); tables[0] is the whole-message table */
Datum
pbfuzz_loader(PG_FUNCTION_ARGS)
{
	fuzz_cxt = AllocSetContextCreate(TopMemoryContext, "pbfuzz", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(fuzz_cxt);
	open_tables(PG_GETARG_ARRAYTYPE_P(0));
	whole = tables[0];
	for (int i = 1; i < ntables; i++)
		tables[i - 1] = tables[i];
	ntables--;
	run_driver(PG_GETARG_ARRAYTYPE_P(1), loader_one);
	PG_RETURN_VOID();
}
