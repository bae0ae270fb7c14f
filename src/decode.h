/*
 * decode.h - one message's bytes -> the Datums of the planned columns.
 */
#ifndef PROTOBUF_FDW_DECODE_H
#define PROTOBUF_FDW_DECODE_H

#include "binding.h"

/* Per-scan scratch space for the values seen in the current message. */
typedef struct PbDecodeState
{
	const PbDecodePlan *plan;
	uint8	   *seen;			/* per slot */
	uint64	   *value;			/* per slot: varint or fixed-width bits */
	const uint8 **ptr;			/* per slot: LEN payload */
	uint32	   *len;
	int		   *oneof_last;		/* per oneof: slot of the member seen last */
	const PbColumn *current_column; /* for error context while converting */
} PbDecodeState;

extern PbDecodeState *pb_decode_state_create(const PbDecodePlan *plan);

/*
 * Decode one message into values/nulls (indexed by attribute), allocating
 * in the current memory context (the caller's per-row context).  Columns
 * not in the plan are left untouched.  Malformed input raises an error.
 */
extern void pb_decode_message(PbDecodeState *ds, const uint8 *msg, size_t len,
							  Datum *values, bool *nulls);

#endif
