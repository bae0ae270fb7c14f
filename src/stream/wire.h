/*-------------------------------------------------------------------------
 *
 * wire.h
 *		Protobuf wire-format primitives over a bounded byte range.
 *
 * Pure C: no PostgreSQL, no allocation.  Every reader takes a cursor and an
 * end pointer and never reads past the end; a malformed input is reported as
 * a PbWireStatus, never by reading out of bounds.  The rules are those of
 * the protobuf wire-format specification (protobuf.dev, "Encoding"), with
 * upb's limits (ten-byte varints, five-byte tags, 2 GiB lengths, groups
 * nested at most PB_MAX_DEPTH deep).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PB_WIRE_H
#define PB_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum PbWireType
{
	PB_WT_VARINT = 0,
	PB_WT_I64 = 1,
	PB_WT_LEN = 2,
	PB_WT_SGROUP = 3,
	PB_WT_EGROUP = 4,
	PB_WT_I32 = 5
} PbWireType;

typedef enum PbWireStatus
{
	PB_WIRE_OK = 0,
	PB_WIRE_TRUNCATED,			/* the range ends inside a value */
	PB_WIRE_BAD_VARINT,			/* more than 10 bytes, or a tag over 5 */
	PB_WIRE_BAD_WIRE_TYPE,		/* wire type 6 or 7 */
	PB_WIRE_FIELD_ZERO,			/* field number 0 */
	PB_WIRE_LEN_OVERFLOW,		/* a LEN prefix over INT32_MAX */
	PB_WIRE_LEN_PAST_END,		/* a LEN body running past the range */
	PB_WIRE_BAD_END_GROUP,		/* EGROUP without its SGROUP, or of another field */
	PB_WIRE_TOO_DEEP			/* groups nested deeper than the limit */
} PbWireStatus;

/* For the readers of the decoder's hot loop: inlined even when large. */
#if defined(__GNUC__)
#define PB_WIRE_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define PB_WIRE_ALWAYS_INLINE inline
#endif

/* Groups nest at most this deep (C++, Java and upb use 100). */
#define PB_MAX_DEPTH 100

/* The largest field number protobuf allows: 2^29 - 1. */
#define PB_MAX_FIELD_NUMBER 536870911u

extern const char *pb_wire_status_message(PbWireStatus status);

/*
 * Read an unsigned LEB128 varint of at most 10 bytes.  On success *p is
 * advanced past it.
 */
static inline PbWireStatus
pb_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *value)
{
	const uint8_t *s = *p;
	uint64_t	v;
	int			shift;

	if (s < end && s[0] < 0x80)
	{
		*value = s[0];
		*p = s + 1;
		return PB_WIRE_OK;
	}
	v = 0;
	for (shift = 0; shift < 70; shift += 7)
	{
		uint8_t		b;

		if (s >= end)
			return PB_WIRE_TRUNCATED;
		b = *s++;
		v |= (uint64_t) (b & 0x7f) << shift;
		if (b < 0x80)
		{
			*value = v;
			*p = s;
			return PB_WIRE_OK;
		}
	}
	return PB_WIRE_BAD_VARINT;
}

/*
 * Read a tag: a varint of at most 5 bytes holding a field number in
 * 1 .. 2^29-1 and a wire type in 0 .. 5.
 */
static inline PbWireStatus
pb_read_tag(const uint8_t **p, const uint8_t *end, uint32_t *field, int *wire_type)
{
	const uint8_t *start = *p;
	uint64_t	tag;
	PbWireStatus st;

	st = pb_read_varint(p, end, &tag);
	if (st != PB_WIRE_OK)
		return st;
	if (*p - start > 5 || tag > UINT32_MAX)
		return PB_WIRE_BAD_VARINT;
	*wire_type = (int) (tag & 7);
	*field = (uint32_t) (tag >> 3);
	if (*wire_type > PB_WT_I32)
		return PB_WIRE_BAD_WIRE_TYPE;
	if (*field == 0)
		return PB_WIRE_FIELD_ZERO;
	return PB_WIRE_OK;
}

/* Validate a LEN prefix already read against the bytes left in the range. */
static inline PbWireStatus
pb_check_len(uint64_t len, const uint8_t *p, const uint8_t *end)
{
	if (len > INT32_MAX)
		return PB_WIRE_LEN_OVERFLOW;
	if (len > (uint64_t) (end - p))
		return PB_WIRE_LEN_PAST_END;
	return PB_WIRE_OK;
}

static inline uint32_t
pb_load_le32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) |
		((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

static inline uint64_t
pb_load_le64(const uint8_t *p)
{
	return (uint64_t) pb_load_le32(p) | ((uint64_t) pb_load_le32(p + 4) << 32);
}

static inline int32_t
pb_zigzag32(uint32_t v)
{
	return (int32_t) ((v >> 1) ^ (~(v & 1) + 1));
}

static inline int64_t
pb_zigzag64(uint64_t v)
{
	return (int64_t) ((v >> 1) ^ (~(v & 1) + 1));
}

/* Step over a varint without decoding it. */
static inline PbWireStatus
pb_skip_varint(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *s = *p;
	const uint8_t *limit;

#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (end - s >= 8)
	{
		/* the first byte without a continuation bit ends it: find it in one step */
		uint64_t	w;
		uint64_t	stops;

		memcpy(&w, s, 8);
		stops = ~w & UINT64_C(0x8080808080808080);
		if (stops)
		{
			*p = s + (__builtin_ctzll(stops) >> 3) + 1;
			return PB_WIRE_OK;
		}
	}
#endif
	limit = end - s > 10 ? s + 10 : end;
	while (s < limit)
	{
		if (*s++ < 0x80)
		{
			*p = s;
			return PB_WIRE_OK;
		}
	}
	/* ten bytes without an end are malformed, as pb_read_varint says, even at the end */
	return s - *p >= 10 ? PB_WIRE_BAD_VARINT : PB_WIRE_TRUNCATED;
}

/*
 * Skip the value of a non-group field (wire types 0, 1, 2, 5): the hot
 * path of skipping, kept inline.
 */
static inline PbWireStatus
pb_skip_scalar(const uint8_t **p, const uint8_t *end, int wire_type)
{
	const uint8_t *s = *p;
	uint64_t	len;
	PbWireStatus st;

	switch (wire_type)
	{
		case PB_WT_VARINT:
			return pb_skip_varint(p, end);
		case PB_WT_I64:
			if (end - s < 8)
				return PB_WIRE_TRUNCATED;
			*p = s + 8;
			return PB_WIRE_OK;
		case PB_WT_I32:
			if (end - s < 4)
				return PB_WIRE_TRUNCATED;
			*p = s + 4;
			return PB_WIRE_OK;
		case PB_WT_LEN:
			if ((st = pb_read_varint(&s, end, &len)) != PB_WIRE_OK ||
				(st = pb_check_len(len, s, end)) != PB_WIRE_OK)
				return st;
			*p = s + len;
			return PB_WIRE_OK;
		default:
			return PB_WIRE_BAD_END_GROUP;
	}
}

/*
 * Skip the value of a field whose tag (field, wire_type) has just been read.
 * A group is skipped up to its matching EGROUP, counting nesting from
 * 'depth' (the nesting of the group's own tag) up to PB_MAX_DEPTH.
 * An EGROUP here is an error: the caller handles the one that closes it.
 */
extern PbWireStatus pb_skip_field(const uint8_t **p, const uint8_t *end,
								  uint32_t field, int wire_type, int depth);

/*
 * Skip a group whose start tag has just been read, up to and past its
 * matching end tag; *content_end (if not NULL) gets where that end tag
 * starts, so the group's body is [*p as given, *content_end).
 */
extern PbWireStatus pb_skip_group(const uint8_t **p, const uint8_t *end, uint32_t field,
								  int depth, const uint8_t **content_end);

/*
 * pb_read_value
 *		Read the value of a field whose tag (field, wire_type) has just been read.
 *
 * The one switch over wire types for reading values (upb's decoder has one
 * too, _upb_Decoder_DecodeWireValue): *v gets the bits of a VARINT, I32 or
 * I64 value, or a LEN field's length; *body and *body_len are set only for
 * LEN (the payload, checked against the range) and SGROUP (the group's
 * body, read up to its matching end tag, nesting counted from 'depth', the
 * nesting of the group's own tag; *v is then 0).  An EGROUP here is an
 * error: the caller handles the one that closes a group it is in; so are
 * wire types 6 and 7.  On success *p is advanced past the value; on
 * failure it stays put.
 *
 * The outputs are separate pointers, not a struct, so that the decoder's
 * hot loop can have them written straight into its per-slot arrays.
 */
static PB_WIRE_ALWAYS_INLINE PbWireStatus
pb_read_value(const uint8_t **p, const uint8_t *end, uint32_t field, int wire_type,
			  int depth, uint64_t *v, const uint8_t **body, uint32_t *body_len)
{
	const uint8_t *s = *p;
	PbWireStatus st;

	/*
	 * Tests in order of frequency rather than a switch: for these few cases
	 * a chain of compares costs fewer instructions than a jump table.
	 */
	if (wire_type == PB_WT_VARINT)
		return pb_read_varint(p, end, v);
	if (wire_type == PB_WT_LEN)
	{
		uint64_t	len;

		if ((st = pb_read_varint(&s, end, &len)) != PB_WIRE_OK ||
			(st = pb_check_len(len, s, end)) != PB_WIRE_OK)
			return st;
		*v = len;
		*body = s;
		*body_len = (uint32_t) len;
		*p = s + len;
		return PB_WIRE_OK;
	}
	if (wire_type == PB_WT_I64)
	{
		if (end - s < 8)
			return PB_WIRE_TRUNCATED;
		*v = pb_load_le64(s);
		*p = s + 8;
		return PB_WIRE_OK;
	}
	if (wire_type == PB_WT_I32)
	{
		if (end - s < 4)
			return PB_WIRE_TRUNCATED;
		*v = pb_load_le32(s);
		*p = s + 4;
		return PB_WIRE_OK;
	}
	if (wire_type == PB_WT_SGROUP)
	{
		const uint8_t *body_end = NULL;

		if ((st = pb_skip_group(&s, end, field, depth, &body_end)) != PB_WIRE_OK)
			return st;
		*v = 0;
		*body = *p;
		*body_len = (uint32_t) (body_end - *p);
		*p = s;
		return PB_WIRE_OK;
	}
	return wire_type == PB_WT_EGROUP ? PB_WIRE_BAD_END_GROUP : PB_WIRE_BAD_WIRE_TYPE;
}

/*
 * Check that [p, end) is a well-formed sequence of fields at the top level
 * of a message: tags valid, lengths in range, groups closed.  Nested LEN
 * bodies are not looked into.  On failure *fail_at is where it was found.
 */
extern PbWireStatus pb_walk_message(const uint8_t *p, const uint8_t *end,
									const uint8_t **fail_at);

#endif							/* PB_WIRE_H */
