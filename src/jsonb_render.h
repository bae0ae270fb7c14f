/*-------------------------------------------------------------------------
 *
 * jsonb_render.h
 *		Protobuf values as jsonb, in the proto3 JSON mapping.
 *
 * The renderer reads messages through the collection pass (collect.h) with
 * plans that keep every field; the decoder calls it for jsonb columns.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_JSONB_RENDER_H
#define PROTOBUF_FDW_JSONB_RENDER_H

#include "utils/jsonb.h"

#include "collect.h"

/*
 * The JSON value of slot s of a collected message: a repeated field as an
 * array (a map as an object), a message as an object, a scalar as itself.
 * NULL when a field with presence is absent.
 */
extern Jsonb *pb_json_field(const PbMsgPlan *plan, const PbMsgState *st, int s);

/* A whole message, given as segments (merged), as a JSON object. */
extern Jsonb *pb_json_message(struct PbRenderCache *rc, const PbMessageInfo *mi,
							  const PbSegment *segs, int nsegs, int depth);

#endif							/* PROTOBUF_FDW_JSONB_RENDER_H */
