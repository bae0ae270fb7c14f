/*
 * decode.c - the hot loop: wire bytes straight to Datums.
 *
 * One pass over the message's tags.  A field with a slot and the expected
 * wire type has its raw value remembered (the last occurrence wins); every
 * other field is skipped by wire type, as upb does for unknown fields and
 * wire-type mismatches.  Only then are the remembered values converted, so
 * a field repeated on the wire costs one conversion, and fixed-width values
 * never allocate.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/numeric.h"

#include "decode.h"
#include "stream/wire.h"

PbDecodeState *
pb_decode_state_create(const PbDecodePlan *plan)
{
	PbDecodeState *ds = palloc0(sizeof(PbDecodeState));
	int			n = Max(plan->nslots, 1);

	ds->plan = plan;
	ds->seen = palloc0(n);
	ds->value = palloc0(sizeof(uint64) * n);
	ds->ptr = palloc0(sizeof(uint8 *) * n);
	ds->len = palloc0(sizeof(uint32) * n);
	ds->oneof_last = palloc0(sizeof(int) * Max(plan->noneofs, 1));
	return ds;
}

static void
malformed(PbWireStatus st, const uint8 *msg, const uint8 *at)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("malformed protobuf message: %s", pb_wire_status_message(st)),
			 errdetail("The damage is at byte %lld of the message.", (long long) (at - msg))));
}

static inline int
find_slot(const PbDecodePlan *plan, uint32 field)
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
	int			lo = 0,
				hi = slot->nenum_values - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (slot->enum_values[mid].number == number)
			return true;
		if (slot->enum_values[mid].number < number)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

static const char *
enum_name(const PbFieldSlot *slot, int32 number)
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

/* The value of an integer-like field as a signed 64-bit number. */
static inline int64
as_int64(PbScalarKind kind, uint64 v)
{
	switch (kind)
	{
		case PB_K_INT32:
		case PB_K_ENUM:
		case PB_K_SFIXED32:
			return (int32) (uint32) v;
		case PB_K_SINT32:
			return pb_zigzag32((uint32) v);
		case PB_K_SINT64:
			return pb_zigzag64(v);
		case PB_K_UINT32:
		case PB_K_FIXED32:
			return (uint32) v;
		case PB_K_BOOL:
			return v != 0;
		default:				/* INT64, SFIXED64; UINT64/FIXED64 checked by callers */
			return (int64) v;
	}
}

static inline bool
is_unsigned64(PbScalarKind kind)
{
	return kind == PB_K_UINT64 || kind == PB_K_FIXED64;
}

static inline float
as_float(uint64 v)
{
	uint32		bits = (uint32) v;
	float		f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static inline double
as_double(uint64 v)
{
	double		d;

	memcpy(&d, &v, sizeof(d));
	return d;
}

/* A string field's bytes, checked to be valid text in the database encoding. */
static char *
string_to_server(const uint8 *p, uint32 len, bool nul_terminate)
{
	char	   *converted;

	if (GetDatabaseEncoding() == PG_UTF8)
	{
		(void) pg_verify_mbstr(PG_UTF8, (const char *) p, len, false);
		if (!nul_terminate)
			return (char *) p;
		converted = palloc(len + 1);
		memcpy(converted, p, len);
		converted[len] = '\0';
		return converted;
	}
	converted = pg_any_to_server((const char *) p, len, PG_UTF8);
	if (converted == (const char *) p)
		return nul_terminate ? pnstrdup((const char *) p, len) : (char *) p;
	return converted;
}

/* The canonical text form of any scalar value, as a palloc'd C string. */
static char *
scalar_to_cstring(const PbFieldSlot *slot, uint64 v, const uint8 *p, uint32 len)
{
	switch (slot->kind)
	{
		case PB_K_STRING:
			return string_to_server(p, len, true);
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
			return DatumGetCString(DirectFunctionCall1(float4out, Float4GetDatum(as_float(v))));
		case PB_K_DOUBLE:
			return DatumGetCString(DirectFunctionCall1(float8out, Float8GetDatum(as_double(v))));
		case PB_K_ENUM:
			{
				const char *name = enum_name(slot, (int32) (uint32) v);

				if (name)
					return pstrdup(name);
				return psprintf("%d", (int32) (uint32) v);
			}
		default:
			if (is_unsigned64(slot->kind))
				return psprintf(UINT64_FORMAT, v);
			return psprintf(INT64_FORMAT, as_int64(slot->kind, v));
	}
}

static Datum
text_datum(const PbFieldSlot *slot, uint64 v, const uint8 *p, uint32 len)
{
	if (slot->kind == PB_K_STRING)
	{
		char	   *s = string_to_server(p, len, false);

		return PointerGetDatum(cstring_to_text_with_len(s, s == (const char *) p ? len : strlen(s)));
	}
	return CStringGetTextDatum(scalar_to_cstring(slot, v, p, len));
}

static Datum
numeric_datum(const PbFieldSlot *slot, uint64 v)
{
	switch (slot->kind)
	{
		case PB_K_FLOAT:
			return DirectFunctionCall1(float4_numeric, Float4GetDatum(as_float(v)));
		case PB_K_DOUBLE:
			return DirectFunctionCall1(float8_numeric, Float8GetDatum(as_double(v)));
		default:
			if (is_unsigned64(slot->kind) && v > (uint64) PG_INT64_MAX)
			{
				char		buf[32];

				snprintf(buf, sizeof(buf), UINT64_FORMAT, v);
				return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
										   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
			}
			return NumericGetDatum(int64_to_numeric(as_int64(slot->kind, v)));
	}
}

static Datum
convert(const PbColumn *col, const PbFieldSlot *slot, uint64 v, const uint8 *p, uint32 len)
{
	switch (col->target)
	{
		case PB_T_INT4:
			return Int32GetDatum((int32) as_int64(slot->kind, v));
		case PB_T_INT8:
			if (is_unsigned64(slot->kind) && v > (uint64) PG_INT64_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("value " UINT64_FORMAT " of field \"%s\" (%s) is out of range for column \"%s\" of type bigint",
								v, col->fieldname, col->fieldtype, col->colname),
						 errhint("Declare the column as numeric to read every %s value.", col->fieldtype)));
			return Int64GetDatum(as_int64(slot->kind, v));
		case PB_T_NUMERIC:
			if (col->typmod >= 0)
				return DirectFunctionCall2(numeric, numeric_datum(slot, v),
										   Int32GetDatum(col->typmod));
			return numeric_datum(slot, v);
		case PB_T_FLOAT4:
			return Float4GetDatum(as_float(v));
		case PB_T_FLOAT8:
			return Float8GetDatum(slot->kind == PB_K_FLOAT ? (double) as_float(v) : as_double(v));
		case PB_T_BOOL:
			return BoolGetDatum(v != 0);
		case PB_T_BYTEA:
			{
				bytea	   *b = palloc(len + VARHDRSZ);

				SET_VARSIZE(b, len + VARHDRSZ);
				memcpy(VARDATA(b), p, len);
				return PointerGetDatum(b);
			}
		case PB_T_TEXT:
			return text_datum(slot, v, p, len);
		case PB_T_TEXT_INPUT:
			return InputFunctionCall((FmgrInfo *) &col->input,
									 scalar_to_cstring(slot, v, p, len),
									 col->ioparam, col->typmod);
	}
	elog(ERROR, "unexpected conversion target %d", (int) col->target);
	return (Datum) 0;
}

void
pb_decode_message(PbDecodeState *ds, const uint8 *msg, size_t msglen,
				  Datum *values, bool *nulls)
{
	const PbDecodePlan *plan = ds->plan;
	const uint8 *p = msg;
	const uint8 *end = msg + msglen;
	PbWireStatus st;

	if (plan->nslots == 0)
	{
		/* nothing to read: still check the message's structure */
		const uint8 *fail_at;

		st = pb_walk_message(p, end, &fail_at);
		if (st != PB_WIRE_OK)
			malformed(st, msg, fail_at);
		return;
	}

	memset(ds->seen, 0, plan->nslots);
	for (int i = 0; i < plan->noneofs; i++)
		ds->oneof_last[i] = -1;

	while (p < end)
	{
		const uint8 *field_start = p;
		uint32		field;
		int			wt;
		int			s;

		if (*p < 0x80)
		{
			/* one-byte tag: fields 1..15, the common case */
			field = *p >> 3;
			wt = *p & 7;
			p++;
			if (field == 0)
				malformed(PB_WIRE_FIELD_ZERO, msg, field_start);
			if (wt > PB_WT_I32)
				malformed(PB_WIRE_BAD_WIRE_TYPE, msg, field_start);
		}
		else if ((st = pb_read_tag(&p, end, &field, &wt)) != PB_WIRE_OK)
			malformed(st, msg, field_start);

		s = find_slot(plan, field);
		if (s >= 0 && plan->slots[s].wire_type == wt)
		{
			const PbFieldSlot *slot = &plan->slots[s];
			uint64		v = 0;

			switch (wt)
			{
				case PB_WT_VARINT:
					if ((st = pb_read_varint(&p, end, &v)) != PB_WIRE_OK)
						malformed(st, msg, field_start);
					if (slot->closed_enum && !enum_known(slot, (int32) (uint32) v))
						continue;	/* proto2: an unknown value leaves the field unset */
					break;
				case PB_WT_I32:
					if (end - p < 4)
						malformed(PB_WIRE_TRUNCATED, msg, field_start);
					v = pb_load_le32(p);
					p += 4;
					break;
				case PB_WT_I64:
					if (end - p < 8)
						malformed(PB_WIRE_TRUNCATED, msg, field_start);
					v = pb_load_le64(p);
					p += 8;
					break;
				case PB_WT_LEN:
					if ((st = pb_read_varint(&p, end, &v)) != PB_WIRE_OK ||
						(st = pb_check_len(v, p, end)) != PB_WIRE_OK)
						malformed(st, msg, field_start);
					ds->ptr[s] = p;
					ds->len[s] = (uint32) v;
					p += v;
					break;
			}
			ds->value[s] = v;
			ds->seen[s] = 1;
			if (slot->oneof >= 0)
				ds->oneof_last[slot->oneof] = s;
		}
		else
		{
			st = wt == PB_WT_SGROUP
				? pb_skip_field(&p, end, field, wt, 0)
				: pb_skip_scalar(&p, end, wt);
			if (st != PB_WIRE_OK)
				malformed(st, msg, field_start);
		}
	}

	for (int c = 0; c < plan->ncols; c++)
	{
		const PbColumn *col = &plan->cols[c];
		int			s = col->slot;
		const PbFieldSlot *slot = &plan->slots[s];
		bool		set = ds->seen[s] &&
			(slot->oneof < 0 || ds->oneof_last[slot->oneof] == s);

		if (!set && col->presence)
		{
			nulls[col->attidx] = true;
			continue;
		}
		ds->current_column = col;
		/* an absent implicit-presence field reads as its zero value */
		values[col->attidx] = set
			? convert(col, slot, ds->value[s], ds->ptr[s], ds->len[s])
			: convert(col, slot, 0, (const uint8 *) "", 0);
		nulls[col->attidx] = false;
	}
	ds->current_column = NULL;
}
