/*-------------------------------------------------------------------------
 *
 * decode.h
 *		Message bytes to the Datums of the planned columns.
 *
 * The decoder runs a scan's plan (binding.h) over each message: it collects
 * the message's fields (collect.h) level by level and converts them with
 * the plan's readers; jsonb columns go through the JSON renderer.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_DECODE_H
#define PROTOBUF_FDW_DECODE_H

#include "binding.h"

typedef struct PbDecodeState
{
	const PbMsgPlan *plan;
	struct PbMsgState *top;
	const PbReader *current_reader; /* for error context while converting */
	/* per nesting of composite arrays: one element's work, reset per element */
	MemoryContext *scratch;
} PbDecodeState;

extern PbDecodeState *pb_decode_state_create(const PbMsgPlan *plan);

/*
 * Decode one message into values/nulls (indexed by attribute), allocating
 * in the current memory context (the caller's per-row context).  Outputs
 * not in the plan are left untouched.  Malformed input raises an error.
 */
extern void pb_decode_message(PbDecodeState *ds, const uint8 *msg, size_t len,
							  Datum *values, bool *nulls);
extern char *pb_decode_take_error(PbDecodeState *ds, MemoryContext cxt);

#endif							/* PROTOBUF_FDW_DECODE_H */
