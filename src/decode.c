/*
 * decode.c - the hot loop: wire bytes straight to Datums.
 *
 * One pass over a message's tags collects what the plan needs: the last
 * value of a singular scalar, every occurrence of a repeated or message
 * field; every other field is skipped by wire type, as upb does for unknown
 * fields and wire-type mismatches.  Only then do the readers convert, so a
 * field repeated on the wire costs one conversion, fixed-width values never
 * allocate, and a child message (a path, a composite) is decoded from its
 * occurrences, which protobuf defines as merging them.
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
#include "utils/float.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "decode.h"
#include "jsonb_render.h"
#include "stream/wire.h"

/* Start of the message being decoded, for error offsets. */
static const uint8 *decode_base;

void
pb_malformed(int status, const uint8 *at)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("malformed protobuf message: %s", pb_wire_status_message(status)),
			 decode_base && at >= decode_base
			 ? errdetail("The damage is at byte %lld of the message.", (long long) (at - decode_base))
			 : 0));
	pg_unreachable();
}

PbMsgState *
pb_msg_state_create(const PbMsgPlan *plan)
{
	PbMsgState *st = palloc0(sizeof(PbMsgState));
	int			n = Max(plan->nslots, 1);

	st->plan = plan;
	st->seen = palloc0(n);
	st->value = palloc0(sizeof(uint64) * n);
	st->ptr = palloc0(sizeof(uint8 *) * n);
	st->len = palloc0(sizeof(uint32) * n);
	st->occ = palloc0(sizeof(PbOcc *) * n);
	st->nocc = palloc0(sizeof(int) * n);
	st->maxocc = palloc0(sizeof(int) * n);
	st->oneof_last = palloc(sizeof(int) * Max(plan->noneofs, 1));
	return st;
}

PbDecodeState *
pb_decode_state_create(const PbMsgPlan *plan)
{
	PbDecodeState *ds = palloc0(sizeof(PbDecodeState));

	ds->plan = plan;
	ds->top = pb_msg_state_create(plan);
	return ds;
}

static void
reset_state(PbMsgState *st)
{
	const PbMsgPlan *plan = st->plan;

	memset(st->seen, 0, plan->nslots);
	for (int k = 0; k < plan->nallslots; k++)
	{
		int			i = plan->allslots[k];

		/* the arrays lived in the previous row's context */
		st->occ[i] = NULL;
		st->nocc[i] = 0;
		st->maxocc[i] = 0;
	}
	for (int i = 0; i < plan->noneofs; i++)
		st->oneof_last[i] = -1;
}

static inline int
find_slot(const PbMsgPlan *plan, uint32 field)
{
	if (field <= plan->dense_max)
		return plan->dense[field] - 1;
	for (int i = 0; i < plan->nslots; i++)
		if (plan->slots[i].number == field)
			return i;
	return -1;
}

static bool
enum_known(const PbFieldSlot *slot, int32 number)
{
	return pb_enum_name(slot, number) != NULL;
}

const char *
pb_enum_name(const PbFieldSlot *slot, int32 number)
{
	int			lo = 0,
				hi = slot->nenum_values - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (slot->enum_values[mid].number == number)
			return slot->enum_values[mid].name;
		if (slot->enum_values[mid].number < number)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

static void
add_occ(PbMsgState *st, int s, uint64 v, const uint8 *p, uint32 len, int wt)
{
	PbOcc	   *o;

	if (st->nocc[s] == st->maxocc[s])
	{
		int			newmax = st->maxocc[s] ? st->maxocc[s] * 2 : 8;

		st->occ[s] = st->occ[s]
			? repalloc_huge(st->occ[s], sizeof(PbOcc) * newmax)
			: palloc(sizeof(PbOcc) * newmax);
		st->maxocc[s] = newmax;
	}
	o = &st->occ[s][st->nocc[s]++];
	o->v = v;
	o->ptr = p;
	o->len = len;
	o->wt = (uint8) wt;
	st->seen[s] = 1;
}

/* Collect one segment's fields into st (appending to what earlier segments left). */
static void
collect_segment(PbMsgState *st, const uint8 *p, const uint8 *end)
{
	const PbMsgPlan *plan = st->plan;
	PbWireStatus ws;

	while (p < end)
	{
		const uint8 *field_start = p;
		uint32		field;
		int			wt;
		int			s;

		/*
		 * The hot path: a one-byte tag of a singular field with the wire type
		 * it expects (the table holds only those), not in a oneof, not a
		 * closed enum.
		 */
		if (*p < 0x80 && (s = plan->tag1[*p] - 1) >= 0 &&
			plan->slots[s].oneof < 0 && !plan->slots[s].closed_enum)
		{
			uint64		v;

			p++;
			switch (*field_start & 7)
			{
				case PB_WT_VARINT:
					if (p < end && *p < 0x80)
						v = *p++;
					else if ((ws = pb_read_varint(&p, end, &v)) != PB_WIRE_OK)
						pb_malformed(ws, field_start);
					break;
				case PB_WT_I32:
					if (end - p < 4)
						pb_malformed(PB_WIRE_TRUNCATED, field_start);
					v = pb_load_le32(p);
					p += 4;
					break;
				case PB_WT_I64:
					if (end - p < 8)
						pb_malformed(PB_WIRE_TRUNCATED, field_start);
					v = pb_load_le64(p);
					p += 8;
					break;
				default:		/* PB_WT_LEN */
					if ((ws = pb_read_varint(&p, end, &v)) != PB_WIRE_OK ||
						(ws = pb_check_len(v, p, end)) != PB_WIRE_OK)
						pb_malformed(ws, field_start);
					st->ptr[s] = p;
					st->len[s] = (uint32) v;
					p += v;
					break;
			}
			st->value[s] = v;
			st->seen[s] = 1;
			continue;
		}

		if (*p < 0x80)
		{
			/* one-byte tag: fields 1..15, the common case */
			field = *p >> 3;
			wt = *p & 7;
			p++;
			if (field == 0)
				pb_malformed(PB_WIRE_FIELD_ZERO, field_start);
			if (wt > PB_WT_I32)
				pb_malformed(PB_WIRE_BAD_WIRE_TYPE, field_start);
		}
		else if ((ws = pb_read_tag(&p, end, &field, &wt)) != PB_WIRE_OK)
			pb_malformed(ws, field_start);

		s = find_slot(plan, field);
		if (s >= 0 && plan->slots[s].wire_type == wt)
		{
			const PbFieldSlot *slot = &plan->slots[s];
			uint64		v = 0;
			const uint8 *vp = NULL;
			uint32		vlen = 0;

			switch (wt)
			{
				case PB_WT_VARINT:
					if ((ws = pb_read_varint(&p, end, &v)) != PB_WIRE_OK)
						pb_malformed(ws, field_start);
					if (slot->closed_enum && !enum_known(slot, (int32) (uint32) v))
						continue;	/* proto2: an unknown value leaves the field unset */
					break;
				case PB_WT_I32:
					if (end - p < 4)
						pb_malformed(PB_WIRE_TRUNCATED, field_start);
					v = pb_load_le32(p);
					p += 4;
					break;
				case PB_WT_I64:
					if (end - p < 8)
						pb_malformed(PB_WIRE_TRUNCATED, field_start);
					v = pb_load_le64(p);
					p += 8;
					break;
				case PB_WT_LEN:
					if ((ws = pb_read_varint(&p, end, &v)) != PB_WIRE_OK ||
						(ws = pb_check_len(v, p, end)) != PB_WIRE_OK)
						pb_malformed(ws, field_start);
					vp = p;
					vlen = (uint32) v;
					p += v;
					break;
				case PB_WT_SGROUP:
					{
						const uint8 *body_end = NULL;

						vp = p;
						if ((ws = pb_skip_group(&p, end, field, plan->depth, &body_end)) != PB_WIRE_OK)
							pb_malformed(ws, field_start);
						vlen = (uint32) (body_end - vp);
					}
					break;
			}
			if (slot->oneof >= 0)
			{
				int			o = slot->oneof;

				/* setting another member clears this one: start it afresh */
				if (st->oneof_last[o] != s)
				{
					st->seen[s] = 0;
					st->nocc[s] = 0;
				}
				st->oneof_last[o] = s;
			}
			if (slot->mode == PB_SLOT_LAST)
			{
				st->value[s] = v;
				st->ptr[s] = vp;
				st->len[s] = vlen;
				st->seen[s] = 1;
			}
			else
				add_occ(st, s, v, vp, vlen, wt);
		}
		else if (s >= 0 && plan->slots[s].repeated && wt == PB_WT_LEN &&
				 plan->slots[s].wire_type != PB_WT_LEN &&
				 plan->slots[s].wire_type != PB_WT_SGROUP)
		{
			/* a packed record of a repeated scalar: expanded by its reader */
			uint64		len;

			if ((ws = pb_read_varint(&p, end, &len)) != PB_WIRE_OK ||
				(ws = pb_check_len(len, p, end)) != PB_WIRE_OK)
				pb_malformed(ws, field_start);
			add_occ(st, s, 0, p, (uint32) len, PB_WT_LEN);
			p += len;
		}
		else
		{
			ws = wt == PB_WT_SGROUP
				? pb_skip_group(&p, end, field, plan->depth, NULL)
				: pb_skip_scalar(&p, end, wt);
			if (ws != PB_WIRE_OK)
				pb_malformed(ws, field_start);
		}
	}
}

void
pb_collect(PbMsgState *st, const PbSegment *segs, int nsegs)
{
	reset_state(st);
	for (int i = 0; i < nsegs; i++)
		collect_segment(st, segs[i].ptr, segs[i].ptr + segs[i].len);
}

bool
pb_slot_is_set(const PbMsgState *st, int s)
{
	const PbFieldSlot *slot = &st->plan->slots[s];

	if (!st->seen[s])
		return false;
	return slot->oneof < 0 || st->oneof_last[slot->oneof] == s;
}

void
pb_slot_last(const PbMsgState *st, int s, uint64 *v, const uint8 **p, uint32 *len)
{
	const PbFieldSlot *slot = &st->plan->slots[s];

	*v = 0;
	*p = (const uint8 *) "";
	*len = 0;
	if (!pb_slot_is_set(st, s))
		return;
	if (slot->mode == PB_SLOT_LAST)
	{
		*v = st->value[s];
		*p = st->ptr[s];
		*len = st->len[s];
	}
	else
	{
		const PbOcc *o = &st->occ[s][st->nocc[s] - 1];

		*v = o->v;
		*p = o->ptr;
		*len = o->len;
	}
}

int
pb_slot_elements(const PbMsgState *st, int s, PbOcc **elems)
{
	const PbFieldSlot *slot = &st->plan->slots[s];
	int			n = 0;
	int			max = 0;
	PbOcc	   *out = NULL;

	if (!pb_slot_is_set(st, s))
	{
		*elems = NULL;
		return 0;
	}
	if (slot->mode == PB_SLOT_LAST)
	{
		/* a singular field read as a one-element list */
		out = palloc(sizeof(PbOcc));
		out->v = st->value[s];
		out->ptr = st->ptr[s];
		out->len = st->len[s];
		out->wt = (uint8) slot->wire_type;
		*elems = out;
		return 1;
	}
	for (int i = 0; i < st->nocc[s]; i++)
	{
		const PbOcc *o = &st->occ[s][i];
		const uint8 *p = o->ptr;
		const uint8 *end = o->ptr + o->len;
		bool		packed = (o->wt == PB_WT_LEN && slot->wire_type != PB_WT_LEN &&
							  slot->wire_type != PB_WT_SGROUP);

		do
		{
			PbOcc		e = *o;
			PbWireStatus ws;

			if (packed)
			{
				if (p >= end)
					break;
				e.wt = (uint8) slot->wire_type;
				switch (slot->wire_type)
				{
					case PB_WT_VARINT:
						if ((ws = pb_read_varint(&p, end, &e.v)) != PB_WIRE_OK)
							pb_malformed(ws, p);
						break;
					case PB_WT_I32:
						if (end - p < 4)
							pb_malformed(PB_WIRE_TRUNCATED, p);
						e.v = pb_load_le32(p);
						p += 4;
						break;
					default:
						if (end - p < 8)
							pb_malformed(PB_WIRE_TRUNCATED, p);
						e.v = pb_load_le64(p);
						p += 8;
						break;
				}
			}
			if (slot->closed_enum && !enum_known(slot, (int32) (uint32) e.v))
				continue;
			if (n == max)
			{
				max = max ? max * 2 : 16;
				out = out ? repalloc_huge(out, sizeof(PbOcc) * max) : palloc(sizeof(PbOcc) * max);
			}
			out[n++] = e;
		} while (packed);
	}
	*elems = out;
	return n;
}

/* ---------- scalar values ---------- */

char *
pb_string_to_server(const uint8 *p, uint32 len, bool nul_terminate, size_t *outlen)
{
	char	   *converted;

	*outlen = len;
	if (GetDatabaseEncoding() == PG_UTF8)
	{
		(void) pg_verify_mbstr(PG_UTF8, (const char *) p, len, false);
		if (!nul_terminate)
			return (char *) p;
		return pnstrdup((const char *) p, len);
	}
	converted = pg_any_to_server((const char *) p, len, PG_UTF8);
	if (converted == (const char *) p)
		return nul_terminate ? pnstrdup((const char *) p, len) : (char *) p;
	*outlen = strlen(converted);
	return converted;
}

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
			{
				bytea	   *b = palloc(len + VARHDRSZ);

				SET_VARSIZE(b, len + VARHDRSZ);
				if (len > 0)	/* an absent field has no bytes: p is NULL */
					memcpy(VARDATA(b), p, len);
				return PointerGetDatum(b);
			}
		case PB_T_TEXT:
			if (slot->kind == PB_K_STRING)
			{
				size_t		outlen;
				char	   *s;
				text	   *t;

				/* ASCII without NUL is valid in every server encoding: no check, no conversion */
				if (ascii_without_nul(p, len))
				{
					t = palloc(len + VARHDRSZ);
					SET_VARSIZE(t, len + VARHDRSZ);
					if (len > 0)	/* as for bytea */
						memcpy(VARDATA(t), p, len);
					return PointerGetDatum(t);
				}
				s = pb_string_to_server(p, len, false, &outlen);
				return PointerGetDatum(cstring_to_text_with_len(s, outlen));
			}
			return CStringGetTextDatum(scalar_to_cstring(slot, v, p, len));
		case PB_T_TEXT_INPUT:
			return InputFunctionCall((FmgrInfo *) &r->input,
									 scalar_to_cstring(slot, v, p, len),
									 r->ioparam, r->typmod);
	}
	elog(ERROR, "unexpected conversion target %d", (int) r->target);
	return (Datum) 0;
}

/* ---------- well-known types ---------- */

/*
 * Fields 1 (int64 seconds) and 2 (int32 nanos) of a Timestamp or Duration,
 * merged over its segments; the rest skipped.
 */
void
pb_seconds_nanos(const PbSegment *segs, int nsegs, int64 *seconds, int32 *nanos)
{
	*seconds = 0;
	*nanos = 0;
	for (int i = 0; i < nsegs; i++)
	{
		const uint8 *p = segs[i].ptr;
		const uint8 *end = p + segs[i].len;

		while (p < end)
		{
			const uint8 *start = p;
			uint32		field;
			int			wt;
			uint64		v;
			PbWireStatus ws;

			if ((ws = pb_read_tag(&p, end, &field, &wt)) != PB_WIRE_OK)
				pb_malformed(ws, start);
			if ((field == 1 || field == 2) && wt == PB_WT_VARINT)
			{
				if ((ws = pb_read_varint(&p, end, &v)) != PB_WIRE_OK)
					pb_malformed(ws, start);
				if (field == 1)
					*seconds = (int64) v;
				else
					*nanos = (int32) (uint32) v;
			}
			else if ((ws = pb_skip_field(&p, end, field, wt, 0)) != PB_WIRE_OK)
				pb_malformed(ws, start);
		}
	}
}

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

static PbSegment *occ_segments(const PbOcc *occ, int nocc);

static Datum
timestamp_datum(const PbReader *r, const PbOcc *occ, int nocc)
{
	int64		seconds;
	int64		pg_seconds;
	int32		nanos;
	int64		us = 0;
	Timestamp	ts;

	pb_seconds_nanos(occ_segments(occ, nocc), nocc, &seconds, &nanos);
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
interval_datum(const PbReader *r, const PbOcc *occ, int nocc)
{
	int64		seconds;
	int32		nanos;
	int64		us;
	Interval   *iv;

	pb_seconds_nanos(occ_segments(occ, nocc), nocc, &seconds, &nanos);
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

/* ---------- readers ---------- */

typedef struct DecodeCtx
{
	PbDecodeState *ds;
} DecodeCtx;

static void decode_level(DecodeCtx *ctx, const PbMsgPlan *plan, PbMsgState *st,
						 const PbSegment *segs, int nsegs, Datum *values, bool *nulls);

static PbSegment *
occ_segments(const PbOcc *occ, int nocc)
{
	PbSegment  *segs = palloc(sizeof(PbSegment) * Max(nocc, 1));

	for (int i = 0; i < nocc; i++)
	{
		segs[i].ptr = occ[i].ptr;
		segs[i].len = occ[i].len;
	}
	return segs;
}

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

static void
run_reader(DecodeCtx *ctx, const PbMsgPlan *plan, PbMsgState *st, const PbReader *r,
		   const PbSegment *segs, int nsegs, Datum *values, bool *nulls)
{
	const PbFieldSlot *slot = r->slot >= 0 ? &plan->slots[r->slot] : NULL;
	bool		set = slot ? pb_slot_is_set(st, r->slot) : true;
	PbOcc	   *elems;
	int			n;

	ctx->ds->current_reader = r;
	switch (r->kind)
	{
		case PB_R_SCALAR:
			{
				uint64		v;
				const uint8 *p;
				uint32		len;

				if (!set && r->presence)
					return;
				pb_slot_last(st, r->slot, &v, &p, &len);
				values[r->attidx] = convert_scalar(r, slot, v, p, len);
				break;
			}
		case PB_R_ARRAY:
			{
				Datum	   *elemvals;

				n = pb_slot_elements(st, r->slot, &elems);
				elemvals = palloc(sizeof(Datum) * Max(n, 1));
				for (int i = 0; i < n; i++)
					elemvals[i] = convert_scalar(r, slot, elems[i].v, elems[i].ptr, elems[i].len);
				values[r->attidx] = PointerGetDatum(construct_array(elemvals, n, r->elemtype, r->elemlen,
																	r->elembyval, r->elemalign));
				break;
			}
		case PB_R_JSONB:
			{
				Jsonb	   *j = pb_json_field(plan, st, r->slot);

				if (j == NULL)
					return;
				values[r->attidx] = JsonbPGetDatum(j);
				break;
			}
		case PB_R_COMPOSITE:
			if (slot->repeated)
			{
				Datum	   *rows;

				n = set ? st->nocc[r->slot] : 0;
				rows = palloc(sizeof(Datum) * Max(n, 1));
				for (int i = 0; i < n; i++)
				{
					PbSegment	one = {st->occ[r->slot][i].ptr, st->occ[r->slot][i].len};

					rows[i] = composite_datum(ctx, r, &one, 1);
					ctx->ds->current_reader = r;
				}
				values[r->attidx] = PointerGetDatum(construct_array(rows, n, r->elemtype, r->elemlen,
																	r->elembyval, r->elemalign));
			}
			else
			{
				if (!set)
					return;
				values[r->attidx] = composite_datum(ctx, r, occ_segments(st->occ[r->slot], st->nocc[r->slot]),
													st->nocc[r->slot]);
			}
			break;
		case PB_R_TIMESTAMP:
			if (!set)
				return;
			values[r->attidx] = timestamp_datum(r, st->occ[r->slot], st->nocc[r->slot]);
			/* timestamptz(p): what a cast would give */
			if (r->typmod >= 0)
				values[r->attidx] = DirectFunctionCall2(r->timestamp_utc ? timestamp_scale : timestamptz_scale,
														values[r->attidx], Int32GetDatum(r->typmod));
			break;
		case PB_R_DURATION:
			if (!set)
				return;
			values[r->attidx] = interval_datum(r, st->occ[r->slot], st->nocc[r->slot]);
			if (r->typmod >= 0)
				values[r->attidx] = DirectFunctionCall2(interval_scale, values[r->attidx],
														Int32GetDatum(r->typmod));
			break;
		case PB_R_JOIN:
			{
				StringInfoData buf;

				n = pb_slot_elements(st, r->slot, &elems);
				initStringInfo(&buf);
				for (int i = 0; i < n; i++)
				{
					size_t		outlen;
					char	   *s = pb_string_to_server(elems[i].ptr, elems[i].len, false, &outlen);

					if (i > 0)
						appendStringInfoChar(&buf, ',');
					appendBinaryStringInfo(&buf, s, outlen);
				}
				values[r->attidx] = PointerGetDatum(cstring_to_text_with_len(buf.data, buf.len));
				break;
			}
		case PB_R_WHOLE:
			values[r->attidx] = JsonbPGetDatum(pb_json_message(plan->render, plan->message,
															   segs, nsegs, plan->depth));
			break;
		case PB_R_ONEOF_NAME:
			{
				int			last = st->oneof_last[r->oneof_index];

				if (last < 0)
					return;
				values[r->attidx] = CStringGetTextDatum(plan->slots[last].field->name);
				break;
			}
	}
	nulls[r->attidx] = false;
}

static void
decode_level(DecodeCtx *ctx, const PbMsgPlan *plan, PbMsgState *st,
			 const PbSegment *segs, int nsegs, Datum *values, bool *nulls)
{
	check_stack_depth();
	if (plan->depth > PB_MAX_DEPTH)
		pb_malformed(PB_WIRE_TOO_DEEP, NULL);

	if (plan->nslots == 0)
	{
		/* nothing to read: still check the message's structure */
		for (int i = 0; i < nsegs; i++)
		{
			const uint8 *fail_at;
			PbWireStatus ws = pb_walk_message(segs[i].ptr, segs[i].ptr + segs[i].len, &fail_at);

			if (ws != PB_WIRE_OK)
				pb_malformed(ws, fail_at);
		}
	}
	else
		pb_collect(st, segs, nsegs);

	/* singular scalars, the common case, kept free of calls but the conversion */
	for (int i = 0; i < plan->nfast; i++)
	{
		const PbFastReader *f = &plan->fast[i];
		int			s = f->slot;
		uint64		v;
		bool		set = st->seen[s] && (f->oneof < 0 || st->oneof_last[f->oneof] == s);

		if (!set && f->presence)
			continue;
		/* an absent implicit-presence field reads as its zero value */
		v = set ? st->value[s] : 0;
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
					? convert_scalar(f->reader, &plan->slots[s], v, st->ptr[s], st->len[s])
					: convert_scalar(f->reader, &plan->slots[s], 0, (const uint8 *) "", 0);
				break;
		}
		nulls[f->attidx] = false;
	}
	for (int i = plan->nfast; i < plan->nreaders; i++)
		run_reader(ctx, plan, st, &plan->readers[i], segs, nsegs, values, nulls);
	ctx->ds->current_reader = NULL;

	for (int c = 0; c < plan->nchildren; c++)
	{
		const PbChild *child = &plan->children[c];
		int			s = child->slot;

		/* a missing intermediate message leaves the outputs below it NULL */
		if (!pb_slot_is_set(st, s))
			continue;
		decode_level(ctx, child->plan, level_state(child->plan),
					 occ_segments(st->occ[s], st->nocc[s]), st->nocc[s], values, nulls);
	}
}

void
pb_decode_message(PbDecodeState *ds, const uint8 *msg, size_t msglen,
				  Datum *values, bool *nulls)
{
	DecodeCtx	ctx = {ds};
	PbSegment	seg = {msg, msglen};

	decode_base = msg;
	decode_level(&ctx, ds->plan, ds->top, &seg, 1, values, nulls);
}
