/*-------------------------------------------------------------------------
 *
 * jsonb_render.c
 *		Protobuf messages as jsonb, in the proto3 JSON mapping.
 *
 * Schema-driven: a message is collected (collect.c) with a plan that keeps
 * every field (cached per message type), then written out field by field:
 * json_name keys (an extension's "[full.name]", as json_format writes
 * it), 64-bit integers as strings, bytes in base64, enums by
 * name, fields with presence only when set and implicit-presence fields
 * only when not at their default, and the well-known types in their own
 * JSON forms.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/base64.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "collect.h"
#include "jsonb_render.h"
#include "stream/wire.h"

#define FT(t) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_##t

/* Where the next value goes: the top, an object member, or an array element. */
typedef struct Emit
{
	JsonbParseState *ps;
	struct PbRenderCache *rc;
	int			nopen;
	char		open[PB_MAX_DEPTH * 4 + 8];	/* 'o' or 'a' per open container */
	JsonbValue *top;			/* a top-level scalar */
	JsonbValue *result;			/* the finished top-level container */
} Emit;

static void emit_message(Emit *e, const PbMessageInfo *mi, const PbSegment *segs, int nsegs, int depth);

static void
begin(Emit *e, bool object)
{
	if (e->nopen >= (int) sizeof(e->open))
		pb_malformed(PB_WIRE_TOO_DEEP, NULL);
	e->open[e->nopen++] = object ? 'o' : 'a';
	(void) pushJsonbValue(&e->ps, object ? WJB_BEGIN_OBJECT : WJB_BEGIN_ARRAY, NULL);
}

static void
end(Emit *e)
{
	JsonbValue *v;

	e->nopen--;
	v = pushJsonbValue(&e->ps, e->open[e->nopen] == 'o' ? WJB_END_OBJECT : WJB_END_ARRAY, NULL);
	if (e->nopen == 0)
		e->result = v;
}

static void
key(Emit *e, const char *k)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) k;
	v.val.string.len = strlen(k);
	(void) pushJsonbValue(&e->ps, WJB_KEY, &v);
}

static void
scalar(Emit *e, JsonbValue *v)
{
	if (e->nopen == 0)
	{
		e->top = palloc(sizeof(JsonbValue));
		*e->top = *v;
		return;
	}
	(void) pushJsonbValue(&e->ps, e->open[e->nopen - 1] == 'o' ? WJB_VALUE : WJB_ELEM, v);
}

static void
emit_string(Emit *e, const char *s, size_t len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = len;
	scalar(e, &v);
}

static void
emit_cstring(Emit *e, const char *s)
{
	emit_string(e, s, strlen(s));
}

/*
 * Text built in a StringInfo, as an exact copy: the tree keeps every
 * string until the end, and a big value has millions of them.
 */
static void
emit_buffer(Emit *e, StringInfo buf)
{
	emit_string(e, pnstrdup(buf->data, buf->len), buf->len);
	pfree(buf->data);
}

/* A 64-bit integer as decimal text, allocated to size. */
static char *
integer_text(PbScalarKind kind, uint64 v)
{
	char		buf[MAXINT8LEN + 1];
	int			len;

	if (pb_kind_is_unsigned64(kind))
		len = pg_ulltoa_n(v, buf);
	else
		len = pg_lltoa(pb_value_int64(kind, v), buf);
	return pnstrdup(buf, len);
}

static void
emit_numeric_text(Emit *e, const char *text)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
														ObjectIdGetDatum(InvalidOid),
														Int32GetDatum(-1)));
	scalar(e, &v);
}

static void
emit_int64(Emit *e, int64 n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(n);
	scalar(e, &v);
}

static void
emit_bool(Emit *e, bool b)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = b;
	scalar(e, &v);
}

static void
emit_null(Emit *e)
{
	JsonbValue	v;

	v.type = jbvNull;
	scalar(e, &v);
}

static void
emit_base64(Emit *e, const uint8 *p, uint32 len)
{
	int			cap = pg_b64_enc_len(len) + 1;
	char	   *out = palloc(cap);
	int			n = pg_b64_encode((const char *) p, len, out, cap);

	if (n < 0)
		elog(ERROR, "could not encode bytes as base64");
	emit_string(e, out, n);
}

static void
emit_float(Emit *e, bool is_float, uint64 v)
{
	char		buf[32];
	double		d = is_float ? (double) pb_value_float(v) : pb_value_double(v);

	if (isnan(d))
		emit_cstring(e, "NaN");
	else if (isinf(d))
		emit_cstring(e, d > 0 ? "Infinity" : "-Infinity");
	else
	{
		if (is_float)
			float_to_shortest_decimal_buf(pb_value_float(v), buf);
		else
			double_to_shortest_decimal_buf(d, buf);
		emit_numeric_text(e, buf);
	}
}

/*
 * A descriptor set can define a well-known type or a map entry unlike
 * protobuf's own (its author's or an attacker's): a data error, not ours.
 */
static void
pg_attribute_noreturn()
misdefined_type(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("cannot render the message as JSON: %s", what),
			 errdetail("The descriptor set defines a well-known type or a map entry differently from protobuf's own .proto files."),
			 errhint("Build the descriptor set with protoc --include_imports from the .proto files protobuf ships.")));
}

/*
 * emit_scalar
 *		One scalar value of slot 'slot' in the JSON mapping
 *
 * 32-bit integers as numbers, 64-bit ones as strings, floats in their
 * shortest form (NaN and the infinities as strings), bytes in base64, enums
 * by name (a number the enum does not define as itself; NullValue as null).
 */
static void
emit_scalar(Emit *e, const PbFieldSlot *slot, uint64 v, const uint8 *p, uint32 len)
{
	switch (slot->kind)
	{
		case PB_K_INT32:
		case PB_K_SINT32:
		case PB_K_SFIXED32:
		case PB_K_UINT32:
		case PB_K_FIXED32:
			emit_int64(e, pb_value_int64(slot->kind, v));
			break;
		case PB_K_INT64:
		case PB_K_SINT64:
		case PB_K_SFIXED64:
		case PB_K_UINT64:
		case PB_K_FIXED64:
			emit_cstring(e, integer_text(slot->kind, v));
			break;
		case PB_K_BOOL:
			emit_bool(e, v != 0);
			break;
		case PB_K_FLOAT:
		case PB_K_DOUBLE:
			emit_float(e, slot->kind == PB_K_FLOAT, v);
			break;
		case PB_K_STRING:
			{
				size_t		outlen;
				char	   *s = pb_string_to_server(p, len, false, &outlen);

				emit_string(e, s, outlen);
				break;
			}
		case PB_K_BYTES:
			emit_base64(e, p, len);
			break;
		case PB_K_ENUM:
			{
				int32		n = (int32) (uint32) v;
				const char *name;

				if (slot->field->type_name &&
					strcmp(slot->field->type_name, ".google.protobuf.NullValue") == 0)
				{
					emit_null(e);
					break;
				}
				name = pb_enum_name(slot, n);
				if (name)
					emit_cstring(e, name);
				else
					emit_int64(e, n);
				break;
			}
		case PB_K_MESSAGE:
			misdefined_type(psprintf("field \"%s\" is a message where a scalar is expected",
									 slot->field->name));
	}
}

static bool
is_default(const PbFieldSlot *slot, uint64 v, uint32 len)
{
	switch (slot->kind)
	{
		case PB_K_STRING:
		case PB_K_BYTES:
			return len == 0;
		case PB_K_FLOAT:
			/* -0.0 is not the default: its bits differ, as protobuf compares them */
			return (uint32) v == 0;
		default:
			return v == 0;
	}
}

static bool
has_presence(const PbMsgPlan *plan, const PbFieldSlot *slot)
{
	const PbFieldDescriptor *f = slot->field;

	return !plan->message->proto3 || f->has_oneof_index ||
		(f->has_proto3_optional && f->proto3_optional) || slot->kind == PB_K_MESSAGE;
}

/*
 * A field's JSON key: its json_name (or the name protoc would give it), or
 * for an extension of message mi its full name in brackets, as
 * json_format writes it.
 */
static const char *
json_key(const PbMessageInfo *mi, const PbFieldDescriptor *f)
{
	char	   *key;
	char	   *out;
	bool		upper = false;

	if (pb_field_is_extension(f))
		return pb_field_step_name(mi, f);
	if (f->json_name && f->json_name[0])
		return f->json_name;
	/* what protoc would have written: drop underscores, capitalise what follows */
	key = out = palloc(strlen(f->name) + 1);
	for (const char *c = f->name; *c; c++)
	{
		if (*c == '_')
			upper = true;
		else
		{
			*out++ = upper ? pg_toupper((unsigned char) *c) : *c;
			upper = false;
		}
	}
	*out = '\0';
	return key;
}

static const PbMessageInfo *
slot_message(Emit *e, const PbFieldSlot *slot)
{
	const PbSchema *schema = pb_render_cache_schema(e->rc);
	const PbMessageInfo *mi = slot->field->type_name
		? pb_schema_find_message(schema, slot->field->type_name) : NULL;

	if (mi == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("message type \"%s\" of field \"%s\" is not in descriptor set \"%s\"",
						slot->field->type_name ? slot->field->type_name : "",
						slot->field->name, schema->path)));
	return mi;
}

/* A map entry's key as a JSON object key: protobuf stringifies it. */
static char *
map_key(const PbMsgPlan *ep, const PbMsgState *est)
{
	for (int s = 0; s < ep->nslots; s++)
		if (ep->slots[s].number == 1)
		{
			const PbFieldSlot *slot = &ep->slots[s];
			uint64		v;
			const uint8 *p;
			uint32		len;
			size_t		outlen;

			pb_slot_last(est, s, &v, &p, &len);
			switch (slot->kind)
			{
				case PB_K_STRING:
					{
						char	   *str = pb_string_to_server(p, len, false, &outlen);

						return pnstrdup(str, outlen);
					}
				case PB_K_BOOL:
					return pstrdup(v ? "true" : "false");
				default:
					return integer_text(slot->kind, v);
			}
		}
	return pstrdup("");
}

/* The value of a map entry (field 2): present or not, the type's default is written. */
static void
emit_map_value(Emit *e, const PbMsgPlan *ep, const PbMsgState *est, int depth)
{
	for (int vs = 0; vs < ep->nslots; vs++)
	{
		if (ep->slots[vs].number != 2)
			continue;
		if (ep->slots[vs].kind == PB_K_MESSAGE)
		{
			int			vn;
			PbSegment  *vsegs = pb_slot_segments(est, vs, &vn);

			emit_message(e, slot_message(e, &ep->slots[vs]), vsegs, vn, depth + 1);
			pfree(vsegs);
		}
		else
		{
			uint64		v;
			const uint8 *p;
			uint32		len;

			pb_slot_last(est, vs, &v, &p, &len);
			emit_scalar(e, &ep->slots[vs], v, p, len);
		}
	}
}

/* A map field (a repeated map entry message) as a JSON object. */
static void
emit_map(Emit *e, const PbMessageInfo *mi, const PbSegment *entries, int n, int depth)
{
	PbMsgPlan  *ep = pb_render_plan(e->rc, mi);

	begin(e, true);
	for (int i = 0; i < n; i++)
	{
		PbMsgState *est = pb_msg_state_create(ep);

		pb_collect(est, &entries[i], 1);
		key(e, map_key(ep, est));
		emit_map_value(e, ep, est, depth);
		pb_msg_state_free(est);
		pb_check_interrupts_every(i + 1);
	}
	end(e);
}

static bool
is_map_entry(const PbMessageInfo *mi)
{
	return mi->desc->options && mi->desc->options->has_map_entry && mi->desc->options->map_entry;
}

/* A message field: a map, a list of messages, or one message (its occurrences merged). */
static void
emit_message_field(Emit *e, const PbMsgState *st, int s, int depth)
{
	const PbFieldSlot *slot = &st->plan->slots[s];
	const PbMessageInfo *mi = slot_message(e, slot);
	int			n;
	PbSegment  *segs = pb_slot_segments(st, s, &n);

	if (slot->repeated && is_map_entry(mi))
		emit_map(e, mi, segs, n, depth);
	else if (slot->repeated)
	{
		begin(e, false);
		for (int i = 0; i < n; i++)
		{
			emit_message(e, mi, &segs[i], 1, depth + 1);
			pb_check_interrupts_every(i + 1);
		}
		end(e);
	}
	else
		emit_message(e, mi, segs, n, depth + 1);
	pfree(segs);
}

/* The value of one field (all its occurrences) in the JSON mapping. */
static void
emit_field(Emit *e, const PbMsgPlan *plan, const PbMsgState *st, int s, int depth)
{
	const PbFieldSlot *slot = &plan->slots[s];

	if (slot->kind == PB_K_MESSAGE)
		emit_message_field(e, st, s, depth);
	else if (slot->repeated)
	{
		PbOcc	   *elems;
		int			n = pb_slot_elements(st, s, &elems);

		begin(e, false);
		for (int i = 0; i < n; i++)
		{
			emit_scalar(e, slot, elems[i].v, elems[i].ptr, elems[i].len);
			pb_check_interrupts_every(i + 1);
		}
		end(e);
		if (elems)
			pfree(elems);
	}
	else
	{
		uint64		v;
		const uint8 *p;
		uint32		len;

		pb_slot_last(st, s, &v, &p, &len);
		emit_scalar(e, slot, v, p, len);
	}
}

/* Is there anything to write for slot s (presence, defaults, empty lists)? */
static bool
field_present(const PbMsgPlan *plan, const PbMsgState *st, int s)
{
	const PbFieldSlot *slot = &plan->slots[s];
	uint64		v;
	const uint8 *p;
	uint32		len;

	if (!pb_slot_is_set(st, s))
		return false;
	if (slot->repeated)
	{
		if (slot->kind == PB_K_MESSAGE)
			return st->nocc[s] > 0;
		return pb_slot_has_elements(st, s);
	}
	if (has_presence(plan, slot))
		return true;
	pb_slot_last(st, s, &v, &p, &len);
	return !is_default(slot, v, len);
}

/* ---------- well-known types ---------- */

static int64
floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static void
append_fraction(StringInfo buf, int32 nanos)
{
	if (nanos == 0)
		return;
	if (nanos % 1000000 == 0)
		appendStringInfo(buf, ".%03d", nanos / 1000000);
	else if (nanos % 1000 == 0)
		appendStringInfo(buf, ".%06d", nanos / 1000);
	else
		appendStringInfo(buf, ".%09d", nanos);
}

static void
json_wkt_range(const char *type, int64 seconds, int64 nanos)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("%s out of range for its JSON form", type),
			 errdetail("It holds seconds = " INT64_FORMAT ", nanos = " INT64_FORMAT ".", seconds, nanos)));
}

/*
 * emit_timestamp
 *		A google.protobuf.Timestamp as RFC 3339 text in UTC
 *
 * From year 1 to 9999, as protobuf's JSON mapping allows, with 0, 3, 6 or 9
 * fractional digits.
 */
static void
emit_timestamp(Emit *e, const PbSegment *segs, int nsegs)
{
	int64		seconds;
	int32		nanos;
	int64		days,
				secs_of_day,
				z,
				era,
				doe,
				yoe,
				y,
				doy,
				mp,
				d,
				m;
	StringInfoData buf;

	pb_seconds_nanos(segs, nsegs, &seconds, &nanos);
	/* 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z */
	if (seconds < INT64CONST(-62135596800) || seconds > INT64CONST(253402300799) ||
		nanos < 0 || nanos > 999999999)
		json_wkt_range("google.protobuf.Timestamp", seconds, nanos);
	days = floor_div(seconds, 86400);
	secs_of_day = seconds - days * 86400;
	/* civil date from days since 1970-01-01 (H. Hinnant's algorithm) */
	z = days + 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	initStringInfo(&buf);
	appendStringInfo(&buf, "%04d-%02d-%02dT%02d:%02d:%02d", (int) y, (int) m, (int) d,
					 (int) (secs_of_day / 3600), (int) (secs_of_day / 60 % 60), (int) (secs_of_day % 60));
	append_fraction(&buf, (int32) nanos);
	appendStringInfoChar(&buf, 'Z');
	emit_buffer(e, &buf);
}

static void
emit_duration(Emit *e, const PbSegment *segs, int nsegs)
{
	int64		seconds;
	int32		nanos;
	StringInfoData buf;

	pb_seconds_nanos(segs, nsegs, &seconds, &nanos);
	if (seconds < INT64CONST(-315576000000) || seconds > INT64CONST(315576000000) ||
		nanos < -999999999 || nanos > 999999999 ||
		(seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0))
		json_wkt_range("google.protobuf.Duration", seconds, nanos);
	initStringInfo(&buf);
	if (seconds < 0 || nanos < 0)
	{
		appendStringInfoChar(&buf, '-');
		seconds = -seconds;
		nanos = -nanos;
	}
	appendStringInfo(&buf, INT64_FORMAT, seconds);
	append_fraction(&buf, (int32) nanos);
	appendStringInfoChar(&buf, 's');
	emit_buffer(e, &buf);
}

/* Well-known types whose JSON form is not an object of their fields. */
static bool
has_special_json(PbWellKnownType wkt)
{
	return wkt != PB_WKT_NONE && wkt != PB_WKT_EMPTY;
}

static int
slot_of(const PbMsgPlan *plan, uint32 number)
{
	for (int s = 0; s < plan->nslots; s++)
		if (plan->slots[s].number == number)
			return s;
	return -1;
}

static void
emit_fields(Emit *e, const PbMsgPlan *plan, const PbMsgState *st, int depth)
{
	for (int s = 0; s < plan->nslots; s++)
	{
		if (!field_present(plan, st, s))
			continue;
		key(e, json_key(plan->message, plan->slots[s].field));
		emit_field(e, plan, st, s, depth);
	}
}

/*
 * emit_any
 *		A google.protobuf.Any: "@type" and the packed message's fields
 *
 * A packed type with a JSON form of its own goes under "value"; a type the
 * descriptor set does not define is written as base64 under "value".
 */
static void
emit_any(Emit *e, const PbMsgPlan *plan, const PbMsgState *st, int depth)
{
	int			us = slot_of(plan, 1);
	int			vs = slot_of(plan, 2);
	uint64		v;
	const uint8 *url = (const uint8 *) "";
	uint32		urllen = 0;
	const uint8 *payload = (const uint8 *) "";
	uint32		paylen = 0;
	size_t		outlen;
	char	   *urlstr;
	const char *slash;
	const PbMessageInfo *mi;

	if (us >= 0)
		pb_slot_last(st, us, &v, &url, &urllen);
	if (vs >= 0)
		pb_slot_last(st, vs, &v, &payload, &paylen);
	urlstr = pb_string_to_server(url, urllen, false, &outlen);
	urlstr = pnstrdup(urlstr, outlen);
	slash = strrchr(urlstr, '/');
	mi = pb_schema_find_message(pb_render_cache_schema(e->rc), slash ? slash + 1 : urlstr);

	begin(e, true);
	if (urllen > 0 || paylen > 0)
	{
		key(e, "@type");
		emit_cstring(e, urlstr);
	}
	if (mi == NULL)
	{
		if (paylen > 0)
		{
			key(e, "value");
			emit_base64(e, payload, paylen);
		}
	}
	else
	{
		PbSegment	seg = {payload, paylen};

		if (has_special_json(mi->wkt))
		{
			key(e, "value");
			emit_message(e, mi, &seg, 1, depth + 1);
		}
		else
		{
			PbMsgPlan  *pp = pb_render_plan(e->rc, mi);
			PbMsgState *ps = pb_msg_state_create(pp);

			check_stack_depth();
			pb_collect(ps, &seg, 1);
			emit_fields(e, pp, ps, depth + 1);
			pb_msg_state_free(ps);
		}
	}
	end(e);
}

static void
emit_field_mask(Emit *e, const PbMsgPlan *plan, const PbMsgState *st)
{
	int			s = slot_of(plan, 1);
	StringInfoData buf;
	PbOcc	   *elems = NULL;
	int			n = s >= 0 ? pb_slot_elements(st, s, &elems) : 0;

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
	{
		size_t		outlen;
		char	   *path = pb_string_to_server(elems[i].ptr, elems[i].len, false, &outlen);
		bool		upper = false;

		if (i > 0)
			appendStringInfoChar(&buf, ',');
		for (size_t k = 0; k < outlen; k++)
		{
			if (path[k] == '_')
				upper = true;
			else
			{
				appendStringInfoChar(&buf, upper ? pg_toupper((unsigned char) path[k]) : path[k]);
				upper = false;
			}
		}
	}
	if (elems)
		pfree(elems);
	emit_buffer(e, &buf);
}

/*
 * emit_collected
 *		A collected message of type 'mi' in the JSON mapping
 *
 * The well-known types with a JSON form of their own (wrappers, Struct,
 * ListValue, Value, FieldMask, Any) are written in it; any other message
 * as an object of its fields.
 */
static void
emit_collected(Emit *e, const PbMessageInfo *mi, const PbMsgPlan *plan,
			   const PbMsgState *st, int depth)
{
	if (pb_wkt_is_wrapper(mi->wkt))
	{
		int			s = slot_of(plan, 1);
		uint64		v;
		const uint8 *p;
		uint32		len;

		if (s < 0)
			misdefined_type(psprintf("well-known type %s has no field 1", mi->full_name));
		pb_slot_last(st, s, &v, &p, &len);
		emit_scalar(e, &plan->slots[s], v, p, len);
	}
	else if (mi->wkt == PB_WKT_STRUCT)
	{
		/* field 1 is map<string, Value>: its JSON object is the struct */
		int			s = slot_of(plan, 1);

		if (s >= 0)
			emit_field(e, plan, st, s, depth);
		else
		{
			begin(e, true);
			end(e);
		}
	}
	else if (mi->wkt == PB_WKT_LIST_VALUE)
	{
		int			s = slot_of(plan, 1);

		if (s >= 0)
			emit_field(e, plan, st, s, depth);
		else
		{
			begin(e, false);
			end(e);
		}
	}
	else if (mi->wkt == PB_WKT_VALUE)
	{
		/* the oneof kind: the member set last, null when none is */
		int			last = plan->noneofs > 0 ? st->oneof_last[0] : -1;

		if (last < 0 || plan->slots[last].number == 1)
			emit_null(e);
		else
			emit_field(e, plan, st, last, depth);
	}
	else if (mi->wkt == PB_WKT_FIELD_MASK)
		emit_field_mask(e, plan, st);
	else if (mi->wkt == PB_WKT_ANY)
		emit_any(e, plan, st, depth);
	else
	{
		begin(e, true);
		emit_fields(e, plan, st, depth);
		end(e);
	}
}

/* A message given as segments (merged) in the JSON mapping. */
static void
emit_message(Emit *e, const PbMessageInfo *mi, const PbSegment *segs, int nsegs, int depth)
{
	PbMsgPlan  *plan;
	PbMsgState *st;

	check_stack_depth();
	if (depth > PB_MAX_DEPTH)
		pb_malformed(PB_WIRE_TOO_DEEP, NULL);

	if (mi->wkt == PB_WKT_TIMESTAMP)
	{
		emit_timestamp(e, segs, nsegs);
		return;
	}
	if (mi->wkt == PB_WKT_DURATION)
	{
		emit_duration(e, segs, nsegs);
		return;
	}

	plan = pb_render_plan(e->rc, mi);
	st = pb_msg_state_create(plan);
	pb_collect(st, segs, nsegs);
	emit_collected(e, mi, plan, st, depth);
	/* nothing the tree keeps points into the state: free it for the next element */
	pb_msg_state_free(st);
}

/* ---------- the tree to jsonb ---------- */

/*
 * The tree that pushJsonbValue built is written out in jsonb's on-disk
 * format (utils/jsonb.h) here rather than by JsonbValueToJsonb, only so
 * that a big value stays cancellable: the bytes are the same, but this
 * walk checks for interrupts as it goes.
 */
static void write_node(StringInfo buf, JEntry *entry, const JsonbValue *v);

/* Zero bytes up to a 4-byte boundary; returns how many. */
static int
pad_to_int(StringInfo buf)
{
	int			pad = INTALIGN(buf->len) - buf->len;

	for (int i = 0; i < pad; i++)
		appendStringInfoCharMacro(buf, '\0');
	return pad;
}

/* Reserve n bytes at the end of buf; returns their offset. */
static int
reserve(StringInfo buf, int n)
{
	int			at = buf->len;

	enlargeStringInfo(buf, n);
	buf->len += n;
	return at;
}

static void
write_scalar(StringInfo buf, JEntry *entry, const JsonbValue *v)
{
	int			pad;
	int			len;

	switch (v->type)
	{
		case jbvString:
			appendBinaryStringInfo(buf, v->val.string.val, v->val.string.len);
			*entry = JENTRY_ISSTRING | v->val.string.len;
			break;
		case jbvNumeric:
			/* the numeric's bytes start 4-byte aligned; the padding is its own */
			pad = pad_to_int(buf);
			len = VARSIZE_ANY(v->val.numeric);
			appendBinaryStringInfo(buf, (const char *) v->val.numeric, len);
			*entry = JENTRY_ISNUMERIC | (pad + len);
			break;
		case jbvBool:
			*entry = v->val.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
			break;
		case jbvNull:
			*entry = JENTRY_ISNULL;
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
}

/* The i-th child of a container being written: from a tree, or made on demand. */
typedef const JsonbValue *(*ChildFn) (void *arg, int i);

/*
 * write_container
 *		An array or object: header, one JEntry per child, the children's bytes
 *
 * An object's children are its keys, then its values in the same order
 * (pushJsonbValue has sorted and de-duplicated the keys).  Every
 * JB_OFFSET_STRIDE'th JEntry holds the end offset of its child, the others
 * its length; the container's own length counts its leading padding.
 */
static void
write_container(StringInfo buf, JEntry *entry, uint32 header, int nchildren,
				ChildFn child, void *arg)
{
	const char *what = (header & JB_FOBJECT) ? "object" : "array";
	int			start = buf->len;
	int			jentries;
	int			datastart;

	pad_to_int(buf);
	appendBinaryStringInfo(buf, (const char *) &header, sizeof(header));
	jentries = reserve(buf, sizeof(JEntry) * nchildren);
	datastart = buf->len;
	for (int i = 0; i < nchildren; i++)
	{
		JEntry		je;
		int			total;

		write_node(buf, &je, child(arg, i));
		total = buf->len - datastart;
		if (total > JENTRY_OFFLENMASK)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("total size of jsonb %s elements exceeds the maximum of %u bytes",
							what, JENTRY_OFFLENMASK)));
		if (i % JB_OFFSET_STRIDE == 0)
			je = (je & JENTRY_TYPEMASK) | total | JENTRY_HAS_OFF;
		memcpy(buf->data + jentries + i * sizeof(JEntry), &je, sizeof(JEntry));
		pb_check_interrupts_every(i + 1);
	}
	if (buf->len - start > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total size of jsonb %s elements exceeds the maximum of %u bytes",
						what, JENTRY_OFFLENMASK)));
	*entry = JENTRY_ISCONTAINER | (buf->len - start);
}

static const JsonbValue *
tree_child(void *arg, int i)
{
	const JsonbValue *v = arg;
	int			npairs = v->val.object.nPairs;

	if (v->type == jbvArray)
		return &v->val.array.elems[i];
	return i < npairs ? &v->val.object.pairs[i].key : &v->val.object.pairs[i - npairs].value;
}

static void
write_node(StringInfo buf, JEntry *entry, const JsonbValue *v)
{
	check_stack_depth();
	if (v->type == jbvObject)
		write_container(buf, entry, v->val.object.nPairs | JB_FOBJECT,
						2 * v->val.object.nPairs, tree_child, (void *) v);
	else if (v->type == jbvArray)
		write_container(buf, entry,
						v->val.array.nElems | JB_FARRAY | (v->val.array.rawScalar ? JB_FSCALAR : 0),
						v->val.array.nElems, tree_child, (void *) v);
	else
		write_scalar(buf, entry, v);
}

static Jsonb *
finish(Emit *e)
{
	StringInfoData buf;
	JEntry		root;

	/* a scalar at the top is wrapped in a one-element array: small, PostgreSQL's way */
	if (e->top)
		return JsonbValueToJsonb(e->top);
	initStringInfo(&buf);
	(void) reserve(&buf, VARHDRSZ);
	write_node(&buf, &root, e->result);
	SET_VARSIZE(buf.data, buf.len);
	return (Jsonb *) buf.data;
}

Jsonb *
pb_json_message(struct PbRenderCache *rc, const PbMessageInfo *mi,
				const PbSegment *segs, int nsegs, int depth)
{
	Emit		e;

	memset(&e, 0, sizeof(e));
	e.rc = rc;
	emit_message(&e, mi, segs, nsegs, depth);
	return finish(&e);
}

/* The elements of a repeated message field, rendered one at a time. */
typedef struct ElementSource
{
	struct PbRenderCache *rc;
	const PbMessageInfo *mi;
	const PbOcc *occ;			/* the elements as collected */
	int			depth;
	MemoryContext scratch;		/* one element's tree, reset per element */
} ElementSource;

static const JsonbValue *
element_child(void *arg, int i)
{
	ElementSource *src = arg;
	PbSegment	seg = {src->occ[i].ptr, src->occ[i].len};
	MemoryContext old;
	Emit		e;

	/* the previous element is written out by now */
	MemoryContextReset(src->scratch);
	old = MemoryContextSwitchTo(src->scratch);
	memset(&e, 0, sizeof(e));
	e.rc = src->rc;
	emit_message(&e, src->mi, &seg, 1, src->depth);
	MemoryContextSwitchTo(old);
	return e.top ? e.top : e.result;
}

/*
 * json_message_list
 *		A repeated message field (not a map) as a JSON array, element by element
 *
 * The array is the whole value, so it is written straight out: each
 * element's tree lives only until it is written, and a big array costs its
 * jsonb (and the wire) rather than the tree of every element.
 */
static Jsonb *
json_message_list(const PbMsgPlan *plan, const PbMsgState *st, int s,
				  const PbMessageInfo *mi)
{
	ElementSource src;
	int			n;
	StringInfoData buf;
	JEntry		root;

	src.rc = plan->render;
	src.mi = mi;
	src.occ = pb_slot_occurrences(st, s, &n);
	src.depth = plan->depth + 1;
	src.scratch = AllocSetContextCreate(CurrentMemoryContext, "protobuf_fdw json element",
										ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&buf);
	(void) reserve(&buf, VARHDRSZ);
	write_container(&buf, &root, n | JB_FARRAY, n, element_child, &src);
	SET_VARSIZE(buf.data, buf.len);
	MemoryContextDelete(src.scratch);
	return (Jsonb *) buf.data;
}

Jsonb *
pb_json_field(const PbMsgPlan *plan, const PbMsgState *st, int s)
{
	const PbFieldSlot *slot = &plan->slots[s];
	Emit		e;

	if (!slot->repeated && !pb_slot_is_set(st, s) && has_presence(plan, slot))
		return NULL;
	memset(&e, 0, sizeof(e));
	e.rc = plan->render;
	if (slot->kind == PB_K_MESSAGE && slot->repeated)
	{
		const PbMessageInfo *mi = slot_message(&e, slot);

		if (!is_map_entry(mi))
			return json_message_list(plan, st, s, mi);
	}
	emit_field(&e, plan, st, s, plan->depth);
	return finish(&e);
}
