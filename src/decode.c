/*-------------------------------------------------------------------------
 *
 * decode.c
 *		The hot loop: wire bytes straight to Datums.
 *
 * Each level of the plan tree first collects its message (collect.c): the
 * last value of a singular scalar, every occurrence of a repeated or
 * message field, the rest skipped.  Only then do the readers convert, so a
 * field repeated on the wire costs one conversion, fixed-width values never
 * allocate, and a child message (a path, a composite) is decoded from its
 * occurrences, which protobuf defines as merging them.  jsonb outputs go
 * through the JSON renderer (jsonb_render.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/float.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "collect.h"
#include "decode.h"
#include "jsonb_render.h"
#include "stream/wire.h"

PbDecodeState *
pb_decode_state_create(const PbMsgPlan *plan)
{
	PbDecodeState *ds = palloc0(sizeof(PbDecodeState));

	ds->plan = plan;
	ds->top = pb_msg_state_create(plan);
	return ds;
}

/* ---------- scalar values ---------- */

static inline bool
ascii_without_nul(const uint8 *p, uint32 len)
{
	const uint64 high = UINT64CONST(0x8080808080808080);
	const uint64 ones = UINT64CONST(0x0101010101010101);

	for (; len >= 8; p += 8, len -= 8)
	{
		uint64		w;

		memcpy(&w, p, 8);
		/* a byte >= 0x80, or a zero byte (the classic has-zero-byte test) */
		if ((w & high) || ((w - ones) & ~w & high))
			return false;
	}
	for (; len > 0; p++, len--)
		if (*p == 0 || *p >= 0x80)
			return false;
	return true;
}

/* The shortest decimal text that reads back as the same float or double. */
static char *
float_text(PbScalarKind kind, uint64 v)
{
	char	   *buf = palloc(32);

	if (kind == PB_K_FLOAT)
	{
		float		f = pb_value_float(v);

		if (isnan(f))
			strcpy(buf, "NaN");
		else if (isinf(f))
			strcpy(buf, f > 0 ? "Infinity" : "-Infinity");
		else
			float_to_shortest_decimal_buf(f, buf);
	}
	else
	{
		double		d = pb_value_double(v);

		if (isnan(d))
			strcpy(buf, "NaN");
		else if (isinf(d))
			strcpy(buf, d > 0 ? "Infinity" : "-Infinity");
		else
			double_to_shortest_decimal_buf(d, buf);
	}
	return buf;
}

/* The canonical text form of any scalar value, as a palloc'd C string. */
static char *
scalar_to_cstring(const PbFieldSlot *slot, uint64 v, const uint8 *p, uint32 len)
{
	size_t		outlen;

	switch (slot->kind)
	{
		case PB_K_STRING:
			return pb_string_to_server(p, len, true, &outlen);
		case PB_K_BYTES:
			{
				char	   *s = palloc(len * 2 + 3);
				uint64		n;

				s[0] = '\\';
				s[1] = 'x';
				n = hex_encode((const char *) p, len, s + 2);
				s[2 + n] = '\0';
				return s;
			}
		case PB_K_BOOL:
			return pstrdup(v ? "true" : "false");
		case PB_K_FLOAT:
		case PB_K_DOUBLE:
			return float_text(slot->kind, v);
		case PB_K_ENUM:
			{
				const char *name = pb_enum_name(slot, (int32) (uint32) v);

				if (name)
					return pstrdup(name);
				return psprintf("%d", (int32) (uint32) v);
			}
		default:
			if (pb_kind_is_unsigned64(slot->kind))
				return psprintf(UINT64_FORMAT, v);
			return psprintf(INT64_FORMAT, pb_value_int64(slot->kind, v));
	}
}

static Datum
numeric_datum(const PbFieldSlot *slot, uint64 v)
{
	if (slot->kind == PB_K_FLOAT || slot->kind == PB_K_DOUBLE ||
		(pb_kind_is_unsigned64(slot->kind) && v > (uint64) PG_INT64_MAX))
		return DirectFunctionCall3(numeric_in, CStringGetDatum(scalar_to_cstring(slot, v, NULL, 0)),
								   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	return NumericGetDatum(int64_to_numeric(pb_value_int64(slot->kind, v)));
}

/* Bytes as a varlena (bytea, or text already known to be valid). */
static inline struct varlena *
varlena_copy(const uint8 *p, uint32 len)
{
	struct varlena *b = palloc(len + VARHDRSZ);

	SET_VARSIZE(b, len + VARHDRSZ);
	if (len > 0)				/* an absent field has no bytes: p is NULL */
		memcpy(VARDATA(b), p, len);
	return b;
}

/* A string field's bytes as text in the server encoding. */
static inline text *
string_text(const uint8 *p, uint32 len)
{
	size_t		outlen;
	char	   *s;

	/* ASCII without NUL is valid in every server encoding: no check, no conversion */
	if (ascii_without_nul(p, len))
		return (text *) varlena_copy(p, len);
	s = pb_string_to_server(p, len, false, &outlen);
	return cstring_to_text_with_len(s, outlen);
}

static Datum integer_time_datum(const PbReader *r, const PbFieldSlot *slot, uint64 v);
static Datum enum_label_datum(const PbReader *r, const PbFieldSlot *slot, uint64 v);

static Datum
convert_scalar(const PbReader *r, const PbFieldSlot *slot, uint64 v, const uint8 *p, uint32 len)
{
	switch (r->target)
	{
		case PB_T_INT4:
			return Int32GetDatum((int32) pb_value_int64(slot->kind, v));
		case PB_T_INT8:
			if (pb_kind_is_unsigned64(slot->kind) && v > (uint64) PG_INT64_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("value " UINT64_FORMAT " of field \"%s\" (%s) is out of range for column \"%s\" of type bigint",
								v, r->fieldname, r->fieldtype, r->colname),
						 errhint("Declare the column as numeric to read every %s value.", r->fieldtype)));
			return Int64GetDatum(pb_value_int64(slot->kind, v));
		case PB_T_NUMERIC:
			if (r->typmod >= 0)
				return DirectFunctionCall2(numeric, numeric_datum(slot, v),
										   Int32GetDatum(r->typmod));
			return numeric_datum(slot, v);
		case PB_T_FLOAT4:
			return Float4GetDatum(pb_value_float(v));
		case PB_T_FLOAT8:
			return Float8GetDatum(slot->kind == PB_K_FLOAT ? (double) pb_value_float(v) : pb_value_double(v));
		case PB_T_BOOL:
			return BoolGetDatum(v != 0);
		case PB_T_BYTEA:
			return PointerGetDatum(varlena_copy(p, len));
		case PB_T_TEXT:
			if (slot->kind == PB_K_STRING)
				return PointerGetDatum(string_text(p, len));
			return CStringGetTextDatum(scalar_to_cstring(slot, v, p, len));
		case PB_T_TEXT_INPUT:
			return InputFunctionCall((FmgrInfo *) &r->input,
									 scalar_to_cstring(slot, v, p, len),
									 r->ioparam, r->typmod);
		case PB_T_TIMESTAMP:
			return integer_time_datum(r, slot, v);
		case PB_T_ENUM:
			return enum_label_datum(r, slot, v);
	}
	elog(ERROR, "unexpected conversion target %d", (int) r->target);
	return (Datum) 0;
}

/* ---------- well-known types ---------- */

/* Nanoseconds to microseconds, rounded as PostgreSQL's own input rounds (rint). */
static int64
nanos_to_usecs(int32 nanos)
{
	return (int64) rint((double) nanos / 1000.0);
}

static void
wkt_out_of_range(const PbReader *r, const char *what, int64 seconds, int32 nanos)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("%s of field \"%s\" is out of range for column \"%s\" of type %s",
					what, r->fieldname, r->colname, format_type_be(r->typid)),
			 errdetail("It holds seconds = " INT64_FORMAT ", nanos = %d.", seconds, nanos)));
}

static Datum
timestamp_datum(const PbReader *r, const PbSegment *segs, int nsegs)
{
	int64		seconds;
	int64		pg_seconds;
	int32		nanos;
	int64		us = 0;
	Timestamp	ts;

	pb_seconds_nanos(segs, nsegs, &seconds, &nanos);
	if (nanos < 0 || nanos > 999999999)
		wkt_out_of_range(r, "google.protobuf.Timestamp", seconds, nanos);
	/* Unix epoch -> PostgreSQL epoch (2000-01-01), in microseconds */
	if (pg_sub_s64_overflow(seconds,
							(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY,
							&pg_seconds) ||
		pg_mul_s64_overflow(pg_seconds, USECS_PER_SEC, &us) ||
		pg_add_s64_overflow(us, nanos_to_usecs(nanos), &us))
		wkt_out_of_range(r, "google.protobuf.Timestamp", seconds, nanos);
	ts = us;
	if (!IS_VALID_TIMESTAMP(ts))
		wkt_out_of_range(r, "google.protobuf.Timestamp", seconds, nanos);
	return TimestampGetDatum(ts);	/* same bits for timestamp and timestamptz: UTC */
}

static Datum
interval_datum(const PbReader *r, const PbSegment *segs, int nsegs)
{
	int64		seconds;
	int32		nanos;
	int64		us;
	Interval   *iv;

	pb_seconds_nanos(segs, nsegs, &seconds, &nanos);
	if (nanos < -999999999 || nanos > 999999999 ||
		(seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0))
		wkt_out_of_range(r, "google.protobuf.Duration", seconds, nanos);
	if (pg_mul_s64_overflow(seconds, USECS_PER_SEC, &us) ||
		pg_add_s64_overflow(us, nanos_to_usecs(nanos), &us))
		wkt_out_of_range(r, "google.protobuf.Duration", seconds, nanos);
	iv = palloc0(sizeof(Interval));
	iv->time = us;
	return IntervalPGetDatum(iv);
}

/* ---------- integer times (the column option "unit") ---------- */

static void
integer_time_out_of_range(const PbReader *r, const PbFieldSlot *slot, uint64 v)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("value %s of field \"%s\" (%s) is out of range for column \"%s\" of type %s",
					pb_kind_is_unsigned64(slot->kind)
					? psprintf(UINT64_FORMAT, v)
					: psprintf(INT64_FORMAT, pb_value_int64(slot->kind, v)),
					r->fieldname, r->fieldtype, r->colname, format_type_be(r->typid)),
			 errdetail("With unit '%s' it is a time PostgreSQL cannot represent (4714-11-24 BC to 294276 AD).",
					   r->unit)));
}

/*
 * integer_time_datum
 *		An integer count of units since 1970-01-01 00:00 UTC, as a timestamp
 *
 * Nanoseconds round to microseconds exactly as PostgreSQL's input rounds
 * the nine digits of a fraction of a second (to the nearest; a tie as the
 * double arithmetic of its input goes, mostly to even); for a time before
 * 1970 the fraction is the one its text shows (-1 ns is
 * 23:59:59.999999999, which rounds up to 00:00:00).  Out of range
 * (infinity included) is an error.
 */
static Datum
integer_time_datum(const PbReader *r, const PbFieldSlot *slot, uint64 v)
{
	int64		n;
	int64		us;
	Timestamp	ts;

	if (pb_kind_is_unsigned64(slot->kind) && v > (uint64) PG_INT64_MAX)
		integer_time_out_of_range(r, slot, v);
	n = pb_value_int64(slot->kind, v);
	if (r->unit_ns == 1)
	{
		int64		secs = n / 1000000000;
		int64		nanos = n % 1000000000;

		if (nanos < 0)			/* floor: the fraction is the one the time shows */
		{
			secs--;
			nanos += 1000000000;
		}
		/*
		 * As ParseFractionalSecond reads ".nnnnnnnnn": strtod's double (the
		 * nearest to nanos / 1e9, as this division gives) times 1e6, rint.
		 */
		us = secs * USECS_PER_SEC + (int64) rint((double) nanos / 1e9 * 1000000);
	}
	else if (pg_mul_s64_overflow(n, r->unit_ns / 1000, &us))
		integer_time_out_of_range(r, slot, v);
	/* Unix epoch -> PostgreSQL epoch (2000-01-01) */
	if (pg_sub_s64_overflow(us, (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY, &ts) ||
		!IS_VALID_TIMESTAMP(ts))
		integer_time_out_of_range(r, slot, v);
	if (r->typmod >= 0)
		return DirectFunctionCall2(r->timestamp_utc ? timestamp_scale : timestamptz_scale,
								   TimestampGetDatum(ts), Int32GetDatum(r->typmod));
	return TimestampGetDatum(ts);	/* same bits for timestamp and timestamptz: UTC */
}

/* ---------- enum labels ---------- */

/*
 * An enum number as the label of the column's enum type that its value
 * name has; a number the protobuf enum lacks, or a name the type lacks, is
 * an error.
 */
static Datum
enum_label_datum(const PbReader *r, const PbFieldSlot *slot, uint64 v)
{
	int32		number = (int32) (uint32) v;
	Oid			enumtype;
	const char *ename;
	int			lo = 0,
				hi = slot->nenum_values - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (slot->enum_values[mid].number == number)
		{
			if (OidIsValid(r->enum_labels[mid]))
				return ObjectIdGetDatum(r->enum_labels[mid]);
			enumtype = r->kind == PB_R_ARRAY ? getBaseType(r->elemtype) : r->typid;
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("value %d (%s) of field \"%s\" has no label in type %s of column \"%s\"",
							number, slot->enum_values[mid].name, r->fieldname,
							format_type_be(enumtype), r->colname),
					 errhint("Add the label: ALTER TYPE %s ADD VALUE '%s'.",
							 format_type_be(enumtype), slot->enum_values[mid].name)));
		}
		if (slot->enum_values[mid].number < number)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	enumtype = r->kind == PB_R_ARRAY ? getBaseType(r->elemtype) : r->typid;
	ename = slot->field->type_name ? slot->field->type_name : "";
	if (ename[0] == '.')
		ename++;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("value %d of field \"%s\" is not a number of enum %s, so column \"%s\" of type %s cannot hold it",
					number, r->fieldname, ename, r->colname, format_type_be(enumtype)),
			 errhint("Declare the column as integer (the number) or text (the name, else the number) to read numbers the enum does not define.")));
	return (Datum) 0;
}

/* ---------- readers ---------- */

typedef struct DecodeCtx
{
	PbDecodeState *ds;
	int			array_depth;	/* composite arrays being built around this point */
} DecodeCtx;

static void decode_level(DecodeCtx *ctx, const PbMsgPlan *plan, PbMsgState *st,
						 const PbSegment *segs, int nsegs, Datum *values, bool *nulls);

/*
 * The state of a level of the decode tree, made once and reused: the tree
 * is never re-entered (a child is decoded after its parent's collection,
 * each element of a repeated composite after the previous one), unlike the
 * shared render plans.
 */
static PbMsgState *
level_state(const PbMsgPlan *plan)
{
	PbMsgPlan  *p = (PbMsgPlan *) plan;

	if (p->state == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(p));

		p->state = pb_msg_state_create(p);
		MemoryContextSwitchTo(old);
	}
	return p->state;
}

static Datum
composite_datum(DecodeCtx *ctx, const PbReader *r, const PbSegment *segs, int nsegs)
{
	int			natts = r->subdesc->natts;
	Datum	   *values = palloc(sizeof(Datum) * Max(natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(natts, 1));
	HeapTuple	tuple;

	memset(nulls, true, sizeof(bool) * Max(natts, 1));
	decode_level(ctx, r->sub, level_state(r->sub), segs, nsegs, values, nulls);
	tuple = heap_form_tuple(r->subdesc, values, nulls);
	return HeapTupleGetDatum(tuple);
}

/* PB_R_SCALAR: the last value of a singular scalar, converted; absent, its default. */
static Datum
read_scalar(const PbReader *r, const PbFieldSlot *slot, const PbMsgState *st, bool set)
{
	uint64		v;
	const uint8 *p;
	uint32		len;

	if (!set)
		return convert_scalar(r, slot, r->default_v, r->default_p, r->default_len);
	pb_slot_last(st, r->slot, &v, &p, &len);
	return convert_scalar(r, slot, v, p, len);
}

/* An array of the reader's element type. */
static Datum
array_datum(const PbReader *r, Datum *elems, int n)
{
	return PointerGetDatum(construct_array(elems, n, r->elemtype, r->elemlen,
										   r->elembyval, r->elemalign));
}

/*
 * PB_R_ARRAY: every element of a repeated scalar, converted, as an array;
 * elements of a domain checked (its cache kept beside the plan).
 */
static Datum
read_array(const PbMsgPlan *plan, const PbReader *r, const PbFieldSlot *slot,
		   const PbMsgState *st)
{
	PbOcc	   *elems;
	int			n = pb_slot_elements(st, r->slot, &elems);
	Datum	   *elemvals = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		elemvals[i] = convert_scalar(r, slot, elems[i].v, elems[i].ptr, elems[i].len);
		if (OidIsValid(r->elemdomain))
			domain_check(elemvals[i], false, r->elemdomain, &((PbReader *) r)->domain_extra,
						 GetMemoryChunkContext((void *) plan));
		pb_check_interrupts_every(i + 1);
	}
	return array_datum(r, elemvals, n);
}

/*
 * The data of a one-dimensional array without nulls, laid out as
 * construct_array lays it out, grown one element at a time.
 */
typedef struct ArrayBody
{
	char	   *buf;			/* header space, then the elements */
	Size		len;
	Size		cap;
	int			n;
} ArrayBody;

static void
array_body_append(ArrayBody *ab, const PbReader *r, Datum d)
{
	Size		size = VARSIZE_ANY(DatumGetPointer(d));
	Size		need = att_align_nominal(ab->len + size, r->elemalign);

	if (need > ab->cap)
	{
		Size		cap = Max(need, Max(ab->cap * 2, 256));

		if (!AllocSizeIsValid(need))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("array size exceeds the maximum allowed (%d)",
							(int) MaxAllocSize)));
		cap = Min(cap, MaxAllocSize);
		ab->buf = ab->buf ? repalloc(ab->buf, cap) : palloc(cap);
		ab->cap = cap;
	}
	memcpy(ab->buf + ab->len, DatumGetPointer(d), size);
	/* the alignment padding is zero, as in construct_array's palloc0 */
	memset(ab->buf + ab->len + size, 0, need - ab->len - size);
	ab->len = need;
	ab->n++;
}

static Datum
array_body_finish(ArrayBody *ab, const PbReader *r)
{
	ArrayType  *a = (ArrayType *) ab->buf;
	int			lbound = 1;

	if (ab->n == 0)
	{
		if (ab->buf)
			pfree(ab->buf);
		return PointerGetDatum(construct_empty_array(r->elemtype));
	}
	(void) ArrayGetNItems(1, &ab->n);
	ArrayCheckBounds(1, &ab->n, &lbound);
	SET_VARSIZE(a, ab->len);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = r->elemtype;
	ARR_DIMS(a)[0] = ab->n;
	ARR_LBOUND(a)[0] = lbound;
	return PointerGetDatum(a);
}

/* The scratch context of composite arrays nested 'depth' deep, made on first use. */
static MemoryContext
element_context(PbDecodeState *ds, int depth)
{
	if (depth > PB_MAX_DEPTH)
		pb_malformed(PB_WIRE_TOO_DEEP, NULL);
	if (ds->scratch == NULL)
		ds->scratch = MemoryContextAllocZero(GetMemoryChunkContext(ds),
											 sizeof(MemoryContext) * (PB_MAX_DEPTH + 1));
	if (ds->scratch[depth] == NULL)
		ds->scratch[depth] = AllocSetContextCreate(GetMemoryChunkContext(ds),
												   "protobuf_fdw array element",
												   ALLOCSET_DEFAULT_SIZES);
	return ds->scratch[depth];
}

/*
 * read_composite_array
 *		PB_R_COMPOSITE of a repeated message: one row per occurrence, as an array
 *
 * Element by element: each is decoded in a scratch context, its tuple
 * copied into the array's data, and the context reset, so a big array costs
 * its own size (and the wire) rather than a tree of copies.
 */
static Datum
read_composite_array(DecodeCtx *ctx, const PbReader *r, const PbMsgState *st)
{
	int			n;
	const PbOcc *occ = pb_slot_occurrences(st, r->slot, &n);
	MemoryContext scratch = element_context(ctx->ds, ctx->array_depth);
	ArrayBody	ab = {NULL, ARR_OVERHEAD_NONULLS(1), 0, 0};

	ctx->array_depth++;
	for (int i = 0; i < n; i++)
	{
		PbSegment	seg = {occ[i].ptr, occ[i].len};
		MemoryContext old = MemoryContextSwitchTo(scratch);
		Datum		row = composite_datum(ctx, r, &seg, 1);

		MemoryContextSwitchTo(old);
		array_body_append(&ab, r, row);
		MemoryContextReset(scratch);
		ctx->ds->current_reader = r;
		pb_check_interrupts_every(i + 1);
	}
	ctx->array_depth--;
	return array_body_finish(&ab, r);
}

/* PB_R_COMPOSITE of a singular message: its occurrences merged, as one row. */
static Datum
read_composite(DecodeCtx *ctx, const PbReader *r, const PbMsgState *st)
{
	int			n;
	PbSegment  *segs = pb_slot_segments(st, r->slot, &n);

	return composite_datum(ctx, r, segs, n);
}

/*
 * PB_R_TIMESTAMP, PB_R_DURATION: a message of seconds and nanos as
 * to_datum makes it, then scaled to the column's typmod as a cast would.
 */
static Datum
read_seconds_nanos(const PbReader *r, const PbMsgState *st,
				   Datum (*to_datum) (const PbReader *, const PbSegment *, int),
				   PGFunction scale)
{
	int			n;
	PbSegment  *segs = pb_slot_segments(st, r->slot, &n);
	Datum		d = to_datum(r, segs, n);

	if (r->typmod >= 0)
		d = DirectFunctionCall2(scale, d, Int32GetDatum(r->typmod));
	return d;
}

/* PB_R_JOIN: the strings of a repeated string field, joined with commas. */
static Datum
read_join(const PbReader *r, const PbMsgState *st)
{
	PbOcc	   *elems;
	int			n = pb_slot_elements(st, r->slot, &elems);
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
	{
		size_t		outlen;
		char	   *s = pb_string_to_server(elems[i].ptr, elems[i].len, false, &outlen);

		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendBinaryStringInfo(&buf, s, outlen);
		pb_check_interrupts_every(i + 1);
	}
	return PointerGetDatum(cstring_to_text_with_len(buf.data, buf.len));
}

/*
 * run_reader
 *		Compute one output of a level from its collected state
 *
 * An output whose field is absent stays NULL when the reader says so (a
 * field with presence, a message, a oneof with no member set); every other
 * output gets its value and is marked not null.
 */
static void
run_reader(DecodeCtx *ctx, const PbMsgPlan *plan, PbMsgState *st, const PbReader *r,
		   const PbSegment *segs, int nsegs, Datum *values, bool *nulls)
{
	const PbFieldSlot *slot = r->slot >= 0 ? &plan->slots[r->slot] : NULL;
	bool		set = slot ? pb_slot_is_set(st, r->slot) : true;
	Datum		d = (Datum) 0;

	ctx->ds->current_reader = r;
	switch (r->kind)
	{
		case PB_R_SCALAR:
			if (!set && r->presence)
				return;
			d = read_scalar(r, slot, st, set);
			break;
		case PB_R_ARRAY:
			d = read_array(plan, r, slot, st);
			break;
		case PB_R_JSONB:
			{
				Jsonb	   *j = pb_json_field(plan, st, r->slot);

				if (j == NULL)
					return;
				d = JsonbPGetDatum(j);
				break;
			}
		case PB_R_COMPOSITE:
			if (slot->repeated)
				d = read_composite_array(ctx, r, st);
			else if (!set)
				return;
			else
				d = read_composite(ctx, r, st);
			break;
		case PB_R_TIMESTAMP:
			if (!set)
				return;
			d = read_seconds_nanos(r, st, timestamp_datum,
								   r->timestamp_utc ? timestamp_scale : timestamptz_scale);
			break;
		case PB_R_DURATION:
			if (!set)
				return;
			d = read_seconds_nanos(r, st, interval_datum, interval_scale);
			break;
		case PB_R_JOIN:
			d = read_join(r, st);
			break;
		case PB_R_WHOLE:
			if (r->sub)			/* as a row of a composite type */
				d = composite_datum(ctx, r, segs, nsegs);
			else
				d = JsonbPGetDatum(pb_json_message(plan->render, plan->message,
												   segs, nsegs, plan->depth));
			break;
		case PB_R_ONEOF_NAME:
			{
				int			last = st->oneof_last[r->oneof_index];

				if (last < 0)
					return;
				d = CStringGetTextDatum(plan->slots[last].field->name);
				break;
			}
	}
	values[r->attidx] = d;
	nulls[r->attidx] = false;
}

/*
 * Fill st from a level's segments; a level that reads no field still has
 * its message's structure checked.
 */
static void
collect_level(const PbMsgPlan *plan, PbMsgState *st, const PbSegment *segs, int nsegs)
{
	check_stack_depth();
	if (plan->depth > PB_MAX_DEPTH)
		pb_malformed(PB_WIRE_TOO_DEEP, NULL);

	if (plan->nslots > 0)
	{
		pb_collect(st, segs, nsegs);
		return;
	}
	for (int i = 0; i < nsegs; i++)
	{
		const uint8 *fail_at;
		PbWireStatus ws = pb_walk_message(segs[i].ptr, segs[i].ptr + segs[i].len, &fail_at);

		if (ws != PB_WIRE_OK)
			pb_malformed(ws, fail_at);
	}
}

/*
 * run_fast_readers
 *		The singular scalar outputs of a level, the common case
 *
 * Kept free of calls but the conversion: the fixed-width conversions are
 * done here, anything else through convert_scalar.
 */
static inline void
run_fast_readers(DecodeCtx *ctx, const PbMsgPlan *plan, const PbMsgState *st,
				 Datum *values, bool *nulls)
{
	for (int i = 0; i < plan->nfast; i++)
	{
		const PbFastReader *f = &plan->fast[i];
		int			s = f->slot;
		uint64		v;
		bool		set = st->seen[s] && (f->oneof < 0 || st->oneof_last[f->oneof] == s);

		if (!set && f->presence)
			continue;
		/* an absent field read without presence: its zero value, or absent 'default''s */
		v = set ? st->value[s] : f->reader->default_v;
		switch (f->op)
		{
			case PB_FAST_INT8_FROM_I64:
				values[f->attidx] = Int64GetDatum((int64) v);
				break;
			case PB_FAST_INT8_FROM_U32:
				values[f->attidx] = Int64GetDatum((int64) (uint32) v);
				break;
			case PB_FAST_INT4_FROM_I32:
				values[f->attidx] = Int32GetDatum((int32) (uint32) v);
				break;
			case PB_FAST_FLOAT8_FROM_DOUBLE:
				values[f->attidx] = Float8GetDatum(pb_value_double(v));
				break;
			case PB_FAST_FLOAT4_FROM_FLOAT:
				values[f->attidx] = Float4GetDatum(pb_value_float(v));
				break;
			case PB_FAST_BOOL:
				values[f->attidx] = BoolGetDatum(v != 0);
				break;
			default:
				ctx->ds->current_reader = f->reader;
				values[f->attidx] = set
					? convert_scalar(f->reader, &plan->slots[s], v, st->bytes[s].ptr, st->bytes[s].len)
					: convert_scalar(f->reader, &plan->slots[s], v, f->reader->default_p,
									 f->reader->default_len);
				break;
		}
		nulls[f->attidx] = false;
	}
}

/*
 * The outputs of a domain type bound at this level, paths below it
 * included, checked as a cast to the domain checks (NULL against NOT NULL
 * too).
 */
static void
domain_check_context(void *arg)
{
	const PbDomainCheck *dc = arg;

	errcontext("column \"%s\" of type %s", dc->colname, format_type_be(dc->domain));
}

static void
check_domains(const PbMsgPlan *plan, Datum *values, bool *nulls)
{
	ErrorContextCallback cb;

	if (plan->ndomains == 0)
		return;
	cb.callback = domain_check_context;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	for (int i = 0; i < plan->ndomains; i++)
	{
		PbDomainCheck *dc = &plan->domains[i];

		cb.arg = dc;
		domain_check(values[dc->attidx], nulls[dc->attidx], dc->domain, &dc->extra,
					 GetMemoryChunkContext((void *) plan));
	}
	error_context_stack = cb.previous;
}

/*
 * Decode one level of the plan tree: collect its message, run its readers,
 * then descend into the child levels its paths go through; last, check the
 * values of its domain-typed outputs.
 */
static void
decode_level(DecodeCtx *ctx, const PbMsgPlan *plan, PbMsgState *st,
			 const PbSegment *segs, int nsegs, Datum *values, bool *nulls)
{
	collect_level(plan, st, segs, nsegs);
	run_fast_readers(ctx, plan, st, values, nulls);
	for (int i = plan->nfast; i < plan->nreaders; i++)
		run_reader(ctx, plan, st, &plan->readers[i], segs, nsegs, values, nulls);
	ctx->ds->current_reader = NULL;

	for (int c = 0; c < plan->nchildren; c++)
	{
		const PbChild *child = &plan->children[c];
		int			n;
		PbSegment  *csegs;

		/* a missing intermediate message leaves the outputs below it NULL */
		if (!pb_slot_is_set(st, child->slot))
			continue;
		csegs = pb_slot_segments(st, child->slot, &n);
		decode_level(ctx, child->plan, level_state(child->plan), csegs, n, values, nulls);
	}
	check_domains(plan, values, nulls);
}

/*
 * pb_decode_take_error
 *		In a PG_CATCH around pb_decode_message() under on_error 'skip': the
 *		error's message (allocated in cxt, which becomes current) when it is
 *		bad data, which is then cleared; any other error is thrown on.
 */
char *
pb_decode_take_error(PbDecodeState *ds, MemoryContext cxt)
{
	ErrorData  *edata;
	char	   *message;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
		PG_RE_THROW();
	FlushErrorState();
	ds->current_reader = NULL;
	message = pstrdup(edata->message);
	FreeErrorData(edata);
	return message;
}

void
pb_decode_message(PbDecodeState *ds, const uint8 *msg, size_t msglen,
				  Datum *values, bool *nulls)
{
	DecodeCtx	ctx = {ds, 0};
	PbSegment	seg = {msg, msglen};

	pb_set_error_base(msg);
	decode_level(&ctx, ds->plan, ds->top, &seg, 1, values, nulls);
}
