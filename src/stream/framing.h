/*
 * framing.h - find each message's bytes in a stream.
 *
 * Pure C.  A framing turns a PbSource into a sequence of (pointer, length)
 * message bodies; it never looks inside a message.  The pointer stays valid
 * until the next call.
 *
 *   delimited   [varint length][message] ... ; a clean end of input between
 *               messages is the end.
 *   container   the whole input is one message; each record of one repeated
 *               message field (by number, wire type LEN) is a row; every
 *               other top-level field is skipped, streamed, never buffered.
 */
#ifndef PB_FRAMING_H
#define PB_FRAMING_H

#include "stream/source.h"

typedef enum PbFramingKind
{
	PB_FRAMING_DELIMITED,
	PB_FRAMING_CONTAINER
} PbFramingKind;

typedef enum PbFrameResult
{
	PB_FRAME_MESSAGE,			/* *msg, *len hold the next message */
	PB_FRAME_END,				/* the input ended cleanly */
	PB_FRAME_ERROR				/* see err, errmsg */
} PbFrameResult;

typedef enum PbFrameError
{
	PB_FRAME_ERR_NONE,
	PB_FRAME_ERR_TRUNCATED,		/* the input ends inside a record */
	PB_FRAME_ERR_MALFORMED,		/* bad varint, wire type, field 0, group */
	PB_FRAME_ERR_TOO_LARGE,		/* a message over max_message_size */
	PB_FRAME_ERR_IO				/* read error; errno in source.read_errno */
} PbFrameError;

typedef struct PbFraming
{
	PbFramingKind kind;
	PbSource   *src;
	uint32_t	container_field;	/* container: the rows' field number */
	uint64_t	max_message_size;
	uint64_t	messages;		/* messages returned so far */
	uint64_t	record_offset;	/* input offset where the last record began */
	PbFrameError err;
	char		errmsg[256];
} PbFraming;

extern void pb_framing_init(PbFraming *f, PbFramingKind kind, PbSource *src,
							uint32_t container_field, uint64_t max_message_size);

/* Restart counting (the caller rewinds the source). */
extern void pb_framing_reset(PbFraming *f);

extern PbFrameResult pb_framing_next(PbFraming *f, const uint8_t **msg, size_t *len);

extern const char *pb_framing_name(PbFramingKind kind);

#endif							/* PB_FRAMING_H */
