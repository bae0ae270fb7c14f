/*-------------------------------------------------------------------------
 *
 * collect.c
 *		The collection pass over a message, and reading what it collected.
 *
 * One pass over a message's tags collects what the plan needs: the last
 * value of a singular scalar, every occurrence of a repeated or message
 * field; every other field is skipped by wire type, as upb does for unknown
 * fields and wire-type mismatches.  Only then do the readers of decode.c and
 * jsonb_render.c convert, so a field repeated on the wire costs one
 * conversion, fixed-width values never allocate, and a child message is
 * read from its occurrences, which protobuf defines as merging them.
 *
 * Every value is read by wire.h's pb_read_value; the one-byte-tag fast
 * path in front of it is what a row of a flat message mostly takes.
 *
 * A level of one big message can hold millions of fields, so the pass
 * checks for interrupts every PB_INTERRUPT_ELEMS occurrences of a repeated
 * field and every PB_INTERRUPT_ELEMS fields that take the slow path
 * (skipped ones included).  The fast path has no check, so that a flat
 * row costs what it did: only a level made of millions of singular
 * one-byte-tag fields, each overwriting the last, goes unchecked.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"

#include "collect.h"
#include "stream/wire.h"

/* Start of the message being decoded, for error offsets. */
const uint8 *pb_error_base;

void
pb_malformed(int status, const uint8 *at)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("malformed protobuf message: %s", pb_wire_status_message(status)),
			 pb_error_base && at >= pb_error_base
			 ? errdetail("The damage is at byte %lld of the message.", (long long) (at - pb_error_base))
			 : 0));
	pg_unreachable();
}

/*
 * pb_msg_state_create
 *		A state for messages of 'plan', in one allocation
 *
 * One palloc for the struct and its arrays, so that a renderer making a
 * state per message element pays one allocation and one pfree for it.
 */
PbMsgState *
pb_msg_state_create(const PbMsgPlan *plan)
{
	int			n = Max(plan->nslots, 1);
	Size		off_value = MAXALIGN(sizeof(PbMsgState));
	Size		off_bytes = off_value + MAXALIGN(sizeof(uint64) * n);
	Size		off_occ = off_bytes + MAXALIGN(sizeof(PbBytes) * n);
	Size		off_nocc = off_occ + MAXALIGN(sizeof(PbOcc *) * n);
	Size		off_maxocc = off_nocc + MAXALIGN(sizeof(int) * n);
	Size		off_oneof = off_maxocc + MAXALIGN(sizeof(int) * n);
	Size		off_seen = off_oneof + MAXALIGN(sizeof(int) * Max(plan->noneofs, 1));
	char	   *block = palloc0(off_seen + n);
	PbMsgState *st = (PbMsgState *) block;

	st->plan = plan;
	st->value = (uint64 *) (block + off_value);
	st->bytes = (PbBytes *) (block + off_bytes);
	st->occ = (PbOcc **) (block + off_occ);
	st->nocc = (int *) (block + off_nocc);
	st->maxocc = (int *) (block + off_maxocc);
	st->oneof_last = (int *) (block + off_oneof);
	st->seen = (uint8 *) (block + off_seen);
	return st;
}

void
pb_msg_state_free(PbMsgState *st)
{
	for (int k = 0; k < st->plan->nallslots; k++)
	{
		int			i = st->plan->allslots[k];

		if (st->occ[i])
			pfree(st->occ[i]);
	}
	pfree(st);
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

/* proto2 (closed) enums: a number the enum does not define reads as unset. */
static bool
closed_enum_drops(const PbFieldSlot *slot, uint64 v)
{
	return slot->closed_enum && pb_enum_name(slot, (int32) (uint32) v) == NULL;
}

/* Is an occurrence of wire type wt a packed record of the slot's scalars? */
static inline bool
is_packed(const PbFieldSlot *slot, int wt)
{
	return wt == PB_WT_LEN && slot->wire_type != PB_WT_LEN &&
		slot->wire_type != PB_WT_SGROUP;
}

static void
add_occ(PbMsgState *st, int s, const PbOcc *val)
{
	if (st->nocc[s] == st->maxocc[s])
	{
		int			newmax = st->maxocc[s] ? st->maxocc[s] * 2 : 8;

		st->occ[s] = st->occ[s]
			? repalloc_huge(st->occ[s], sizeof(PbOcc) * newmax)
			: palloc(sizeof(PbOcc) * newmax);
		st->maxocc[s] = newmax;
	}
	st->occ[s][st->nocc[s]++] = *val;
	st->seen[s] = 1;
	pb_check_interrupts_every(st->nocc[s]);
}

/* ---------- the collection pass ---------- */

/*
 * The hot path: a one-byte tag of a singular field with the wire type it
 * expects (plan->tag1 holds only those), not in a oneof, not a closed enum:
 * its value is stored with no further question.  Returns false, having
 * read nothing, for any other field.
 */
static pg_attribute_always_inline bool
collect_fast(PbMsgState *st, const PbMsgPlan *plan, const uint8 **cursor, const uint8 *end)
{
	const uint8 *tag = *cursor;
	const uint8 *p = tag + 1;
	int			s;
	PbWireStatus ws;

	if (*tag >= 0x80 || (s = plan->tag1[*tag] - 1) < 0 ||
		plan->slots[s].oneof >= 0 || plan->slots[s].closed_enum)
		return false;
	ws = pb_read_value(&p, end, 0, *tag & 7, 0,
					   &st->value[s], &st->bytes[s].ptr, &st->bytes[s].len);
	if (ws != PB_WIRE_OK)
		pb_malformed(ws, tag);
	st->seen[s] = 1;
	*cursor = p;
	return true;
}

/*
 * Read a tag.  A one-byte tag (fields 1..15, the common case) is checked
 * for field 0 before its wire type, as this pass always has; longer tags
 * go through pb_read_tag.
 */
static inline void
collect_tag(const uint8 **cursor, const uint8 *end, uint32 *field, int *wt)
{
	const uint8 *start = *cursor;
	PbWireStatus ws;

	if (*start < 0x80)
	{
		*field = *start >> 3;
		*wt = *start & 7;
		*cursor = start + 1;
		if (*field == 0)
			pb_malformed(PB_WIRE_FIELD_ZERO, start);
		if (*wt > PB_WT_I32)
			pb_malformed(PB_WIRE_BAD_WIRE_TYPE, start);
	}
	else if ((ws = pb_read_tag(cursor, end, field, wt)) != PB_WIRE_OK)
		pb_malformed(ws, start);
}

/* Keep a value of slot s: as its last value, or as one more occurrence. */
static inline void
store_value(PbMsgState *st, int s, const PbOcc *val)
{
	const PbFieldSlot *slot = &st->plan->slots[s];

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
		st->value[s] = val->v;
		st->bytes[s].ptr = val->ptr;
		st->bytes[s].len = val->len;
		st->seen[s] = 1;
	}
	else
		add_occ(st, s, val);
}

/*
 * Read one field at *cursor, tag and value, and keep it if the plan has a
 * slot for it: a value of the slot's wire type, or a packed record of a
 * repeated scalar (expanded by pb_slot_elements).  Anything else is skipped.
 */
static void
collect_field(PbMsgState *st, const PbMsgPlan *plan, const uint8 **cursor, const uint8 *end)
{
	static uint32 nslow = 0;
	const uint8 *field_start = *cursor;
	const uint8 *p = *cursor;
	uint32		field;
	int			wt;
	int			s;
	PbOcc		val = {0, NULL, 0, 0};
	PbWireStatus ws;

	pb_check_interrupts_every(++nslow);
	collect_tag(&p, end, &field, &wt);
	s = find_slot(plan, field);
	if (s >= 0 && (plan->slots[s].wire_type == wt ||
				   (plan->slots[s].repeated && is_packed(&plan->slots[s], wt))))
	{
		ws = pb_read_value(&p, end, field, wt, plan->depth, &val.v, &val.ptr, &val.len);
		if (ws != PB_WIRE_OK)
			pb_malformed(ws, field_start);
		val.wt = (uint8) wt;
		if (plan->slots[s].wire_type != wt)
		{
			/* a packed record: its elements are read by pb_slot_elements */
			val.v = 0;
			add_occ(st, s, &val);
		}
		else if (!closed_enum_drops(&plan->slots[s], val.v))
			store_value(st, s, &val);
	}
	else
	{
		ws = wt == PB_WT_SGROUP
			? pb_skip_group(&p, end, field, plan->depth, NULL)
			: pb_skip_scalar(&p, end, wt);
		if (ws != PB_WIRE_OK)
			pb_malformed(ws, field_start);
	}
	*cursor = p;
}

/* Collect one segment's fields into st (appending to what earlier segments left). */
static void
collect_segment(PbMsgState *st, const uint8 *p, const uint8 *end)
{
	/* a local: stores into the state's arrays could alias st->plan */
	const PbMsgPlan *plan = st->plan;

	while (p < end)
	{
		if (!collect_fast(st, plan, &p, end))
			collect_field(st, plan, &p, end);
	}
}

void
pb_collect(PbMsgState *st, const PbSegment *segs, int nsegs)
{
	reset_state(st);
	for (int i = 0; i < nsegs; i++)
		collect_segment(st, segs[i].ptr, segs[i].ptr + segs[i].len);
}

/* ---------- reading what was collected ---------- */

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
		*p = st->bytes[s].ptr;
		*len = st->bytes[s].len;
	}
	else
	{
		const PbOcc *o = &st->occ[s][st->nocc[s] - 1];

		*v = o->v;
		*p = o->ptr;
		*len = o->len;
	}
}

/* A growing array of elements. */
typedef struct ElemList
{
	PbOcc	   *elems;
	int			n;
	int			max;
} ElemList;

static void
append_elem(ElemList *list, const PbOcc *e)
{
	if (list->n == list->max)
	{
		list->max = list->max ? list->max * 2 : 16;
		list->elems = list->elems
			? repalloc_huge(list->elems, sizeof(PbOcc) * list->max)
			: palloc(sizeof(PbOcc) * list->max);
	}
	list->elems[list->n++] = *e;
}

/* Append the elements of packed record o of a repeated scalar slot. */
static void
expand_packed(ElemList *list, const PbFieldSlot *slot, const PbOcc *o)
{
	const uint8 *p = o->ptr;
	const uint8 *end = o->ptr + o->len;

	while (p < end)
	{
		PbOcc		e = *o;
		PbWireStatus ws;

		/* a scalar wire type: e.ptr and e.len stay the record's */
		ws = pb_read_value(&p, end, 0, slot->wire_type, 0, &e.v, &e.ptr, &e.len);
		if (ws != PB_WIRE_OK)
			pb_malformed(ws, p);
		e.wt = (uint8) slot->wire_type;
		if (!closed_enum_drops(slot, e.v))
			append_elem(list, &e);
		pb_check_interrupts_every(list->n);
	}
}

int
pb_slot_elements(const PbMsgState *st, int s, PbOcc **elems)
{
	const PbFieldSlot *slot = &st->plan->slots[s];
	ElemList	list = {NULL, 0, 0};

	if (!pb_slot_is_set(st, s))
	{
		*elems = NULL;
		return 0;
	}
	if (slot->mode == PB_SLOT_LAST)
	{
		/* a singular field read as a one-element list */
		PbOcc	   *out = palloc(sizeof(PbOcc));

		out->v = st->value[s];
		out->ptr = st->bytes[s].ptr;
		out->len = st->bytes[s].len;
		out->wt = (uint8) slot->wire_type;
		*elems = out;
		return 1;
	}
	for (int i = 0; i < st->nocc[s]; i++)
	{
		const PbOcc *o = &st->occ[s][i];

		if (is_packed(slot, o->wt))
			expand_packed(&list, slot, o);
		else if (!closed_enum_drops(slot, o->v))
			append_elem(&list, o);
	}
	*elems = list.elems;
	return list.n;
}

PbSegment *
pb_slot_segments(const PbMsgState *st, int s, int *nsegs)
{
	int			n = pb_slot_is_set(st, s) ? st->nocc[s] : 0;
	PbSegment  *segs = palloc(sizeof(PbSegment) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		segs[i].ptr = st->occ[s][i].ptr;
		segs[i].len = st->occ[s][i].len;
	}
	*nsegs = n;
	return segs;
}

const PbOcc *
pb_slot_occurrences(const PbMsgState *st, int s, int *nocc)
{
	if (!pb_slot_is_set(st, s))
	{
		*nocc = 0;
		return NULL;
	}
	*nocc = st->nocc[s];
	return st->occ[s];
}

bool
pb_slot_has_elements(const PbMsgState *st, int s)
{
	const PbFieldSlot *slot = &st->plan->slots[s];

	if (!pb_slot_is_set(st, s))
		return false;
	if (slot->mode == PB_SLOT_LAST)
		return true;
	for (int i = 0; i < st->nocc[s]; i++)
	{
		const PbOcc *o = &st->occ[s][i];

		if (is_packed(slot, o->wt) && !slot->closed_enum)
		{
			if (o->len > 0)
				return true;
		}
		else if (is_packed(slot, o->wt))
		{
			ElemList	list = {NULL, 0, 0};
			bool		any;

			/* a closed enum's packed record may hold only unknown values */
			expand_packed(&list, slot, o);
			any = list.n > 0;
			if (list.elems)
				pfree(list.elems);
			if (any)
				return true;
		}
		else if (!closed_enum_drops(slot, o->v))
			return true;
	}
	return false;
}

/* ---------- values ---------- */

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
