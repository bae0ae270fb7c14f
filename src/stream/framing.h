/*-------------------------------------------------------------------------
 *
 * framing.h
 *		Find each message's bytes in a stream.
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
 *   fixed32be, fixed32le   a 4-byte length before each message.
 *   tfrecord    TensorFlow's records: length, its CRC, data, the data's CRC.
 *   single      the whole input is one message.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PB_FRAMING_H
#define PB_FRAMING_H

#include "stream/source.h"

typedef enum PbFramingKind
{
	PB_FRAMING_DELIMITED,
	PB_FRAMING_CONTAINER,
	PB_FRAMING_FIXED32BE,
	PB_FRAMING_FIXED32LE,
	PB_FRAMING_TFRECORD,
	PB_FRAMING_SINGLE
} PbFramingKind;

#define PB_FRAMING_LAST PB_FRAMING_SINGLE

/* The CRC-32C (Castagnoli) of data: supplied by the caller. */
typedef uint32_t (*PbCrc32cFn) (const void *data, size_t len);

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
	PB_FRAME_ERR_TOO_LARGE,		/* a message over max_message_size; see
								 * pb_framing_skip_oversized */
	PB_FRAME_ERR_CRC,			/* a TFRecord checksum mismatch; the record
								 * has been consumed */
	PB_FRAME_ERR_IO				/* read error; errno in source.read_errno */
} PbFrameError;

typedef struct PbFraming
{
	PbFramingKind kind;
	PbSource   *src;
	uint32_t	container_field;	/* container: the rows' field number */
	uint64_t	max_message_size;
	PbCrc32cFn	crc32c;			/* tfrecord: NULL to skip verification */
	uint64_t	messages;		/* records framed so far (good or bad) */
	uint64_t	oversized;		/* bytes to skip past an oversized message */
	int			single_done;
	uint64_t	record_offset;	/* input offset where the last record began */
	PbFrameError err;
	char		errmsg[256];
} PbFraming;

extern void pb_framing_init(PbFraming *f, PbFramingKind kind, PbSource *src,
							uint32_t container_field, uint64_t max_message_size);

/* Restart counting (the caller rewinds the source). */
extern void pb_framing_reset(PbFraming *f);

extern PbFrameResult pb_framing_next(PbFraming *f, const uint8_t **msg, size_t *len);

/*
 * After PB_FRAME_ERR_TOO_LARGE: step over the oversized message so that the
 * next call frames the one after it.  Returns 0, or -1 if the input ends
 * first or cannot be read.
 */
extern int	pb_framing_skip_oversized(PbFraming *f);

/*
 * The roots of a container path (stream/pathwalk.h): instead of a whole
 * message, the next record's header is read and *len set to its body's
 * length, the source left at the body's first byte for the walker (which
 * consumes exactly *len bytes); with 'single' and 'container' the whole
 * input is one root (*len UINT64_MAX: to the end).  No max_message_size
 * check: the walker bounds the rows.  A TFRecord record is read and checked
 * whole first (its checksum covers all of it).  After the walk,
 * pb_framing_end_root consumes what follows the body (TFRecord's data
 * checksum).
 */
extern PbFrameResult pb_framing_next_root(PbFraming *f, uint64_t *len);
extern PbFrameResult pb_framing_end_root(PbFraming *f);

extern const char *pb_framing_name(PbFramingKind kind);

/* Parse a framing name; returns -1 if none matches. */
extern int	pb_framing_parse(const char *s);

/* TFRecord's checksum masking. */
static inline uint32_t
pb_tfrecord_mask(uint32_t crc)
{
	return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

/*
 * Splitting a file among parallel workers: find the record boundaries in a
 * block of the input that starts at a record boundary, without decoding.
 */
typedef enum PbWalkResult
{
	PB_WALK_OK,					/* *boundary > 0: whole records end there */
	PB_WALK_NEED_MORE,			/* the first record does not fit: *need bytes would */
	PB_WALK_STOP				/* something a reader must report (or a group): do not split */
} PbWalkResult;

/*
 * Walk buf[0, len), which starts at a record boundary of a 'kind' framing
 * (not single).  On PB_WALK_OK, *boundary is the end of the last whole
 * record in the block and *rows the rows among those records.  at_eof says
 * the block ends where the input does.
 */
extern PbWalkResult pb_framing_walk(PbFramingKind kind, uint32_t container_field,
									uint64_t max_message_size, const uint8_t *buf,
									size_t len, int at_eof, size_t *boundary,
									uint64_t *rows, uint64_t *need);

#endif							/* PB_FRAMING_H */
