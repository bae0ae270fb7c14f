/*-------------------------------------------------------------------------
 *
 * collect.h
 *		The collection pass: what one message level holds, per planned field.
 *
 * One pass over a message's tags keeps what a plan (binding.h) asks for:
 * the last value of a singular field, every occurrence of a repeated or
 * message field; every other field is skipped by wire type.  The decoder
 * (decode.c) and the JSON renderer (jsonb_render.c) both read messages
 * through it, along with the helpers that turn collected wire values into
 * numbers, text and enum names.  Malformed input is an error here.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_COLLECT_H
#define PROTOBUF_FDW_COLLECT_H

#include "miscadmin.h"

#include "binding.h"

/*
 * A big value must stay cancellable: loops over the fields of a level (see
 * collect.c) and over the elements of a value check for interrupts every
 * PB_INTERRUPT_ELEMS steps (a power of two).
 */
#define PB_INTERRUPT_ELEMS 1024

static inline void
pb_check_interrupts_every(uint32 i)
{
	if ((i & (PB_INTERRUPT_ELEMS - 1)) == 0)
		CHECK_FOR_INTERRUPTS();
}

/* A byte range holding (part of) a message; several concatenated = merged. */
typedef struct PbSegment
{
	const uint8 *ptr;
	size_t		len;
} PbSegment;

/* One occurrence of a field on the wire. */
typedef struct PbOcc
{
	uint64		v;				/* VARINT, I32, I64: the value bits */
	const uint8 *ptr;			/* LEN: the payload; SGROUP: the group's body */
	uint32		len;
	uint8		wt;
} PbOcc;

/* The bytes of a LEN value (its payload) or of a group (its body). */
typedef struct PbBytes
{
	const uint8 *ptr;
	uint32		len;
} PbBytes;

/* What one message level saw: per slot, the last value or every occurrence. */
typedef struct PbMsgState
{
	const PbMsgPlan *plan;
	uint8	   *seen;
	/* PB_SLOT_LAST slots: the last value, and for LEN and SGROUP its bytes */
	uint64	   *value;
	PbBytes    *bytes;
	PbOcc	  **occ;
	int		   *nocc;
	int		   *maxocc;
	int		   *oneof_last;		/* per oneof state: slot of the member seen last */
} PbMsgState;

extern PbMsgState *pb_msg_state_create(const PbMsgPlan *plan);

/*
 * Free a state and the occurrence arrays of its last collection, which
 * must have run in a context that is still alive.
 */
extern void pb_msg_state_free(PbMsgState *st);

/* Collect the fields of a message given as segments (merged in order). */
extern void pb_collect(PbMsgState *st, const PbSegment *segs, int nsegs);

/* Is slot s set (seen, and the member of its oneof seen last)? */
static inline bool
pb_slot_is_set(const PbMsgState *st, int s)
{
	int			oneof = st->plan->slots[s].oneof;

	if (!st->seen[s])
		return false;
	return oneof < 0 || st->oneof_last[oneof] == s;
}

/* The last value of a singular scalar slot (its zero value if unset). */
extern void pb_slot_last(const PbMsgState *st, int s, uint64 *v, const uint8 **p, uint32 *len);

/*
 * The elements of a repeated scalar slot in wire order, packed records
 * expanded and unknown values of closed enums dropped; returns the count.
 */
extern int	pb_slot_elements(const PbMsgState *st, int s, PbOcc **elems);

/*
 * The occurrences of a message slot as segments, to be merged as protobuf
 * merges them; *nsegs is 0 when the slot is not set.
 */
extern PbSegment *pb_slot_segments(const PbMsgState *st, int s, int *nsegs);

/*
 * The occurrences of a slot as collected (not copied), in wire order; NULL
 * and *nocc 0 when the slot is not set.
 */
extern const PbOcc *pb_slot_occurrences(const PbMsgState *st, int s, int *nocc);

/* Does pb_slot_elements have any element for slot s (without listing them)? */
extern bool pb_slot_has_elements(const PbMsgState *st, int s);

/* A string field's bytes as text in the database encoding (checked). */
extern char *pb_string_to_server(const uint8 *p, uint32 len, bool nul_terminate, size_t *outlen);

extern const char *pb_enum_name(const PbFieldSlot *slot, int32 number);

/* Seconds and nanos (fields 1 and 2) of a Timestamp or Duration given as segments. */
extern void pb_seconds_nanos(const PbSegment *segs, int nsegs, int64 *seconds, int32 *nanos);

/* The value of an integer-like field as a signed 64-bit number. */
static inline int64
pb_value_int64(PbScalarKind kind, uint64 v)
{
	switch (kind)
	{
		case PB_K_INT32:
		case PB_K_ENUM:
		case PB_K_SFIXED32:
			return (int32) (uint32) v;
		case PB_K_SINT32:
			return (int32) ((((uint32) v) >> 1) ^ (~(((uint32) v) & 1) + 1));
		case PB_K_SINT64:
			return (int64) ((v >> 1) ^ (~(v & 1) + 1));
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
pb_kind_is_unsigned64(PbScalarKind kind)
{
	return kind == PB_K_UINT64 || kind == PB_K_FIXED64;
}

static inline float
pb_value_float(uint64 v)
{
	uint32		bits = (uint32) v;
	float		f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static inline double
pb_value_double(uint64 v)
{
	double		d;

	memcpy(&d, &v, sizeof(d));
	return d;
}

/*
 * Report malformed input found at 'at' (an error; does not return).  Its
 * DETAIL gives the offset from the start set by pb_set_error_base.
 */
extern void pb_malformed(int status, const uint8 *at) pg_attribute_noreturn();

extern const uint8 *pb_error_base;

/* The message that the byte offsets of later errors count from (per row: inline). */
static inline void
pb_set_error_base(const uint8 *msg)
{
	pb_error_base = msg;
}

#endif							/* PROTOBUF_FDW_COLLECT_H */
