/*-------------------------------------------------------------------------
 *
 * wire.c
 *		Skipping fields by wire type, and the message-level walk.
 *
 * The out-of-line half of wire.h: the primitives every decoder step uses
 * are inline there; skipping groups and checking a whole message's fields
 * are here.  Every reader stays within [p, end): a malformed input is a
 * PbWireStatus, never a read out of bounds (the asserts check the cursor).
 *
 *-------------------------------------------------------------------------
 */
#include "stream/wire.h"

#include <assert.h>

const char *
pb_wire_status_message(PbWireStatus status)
{
	switch (status)
	{
		case PB_WIRE_OK:
			return "no error";
		case PB_WIRE_TRUNCATED:
			return "the message ends inside a field";
		case PB_WIRE_BAD_VARINT:
			return "malformed varint";
		case PB_WIRE_BAD_WIRE_TYPE:
			return "invalid wire type (6 or 7)";
		case PB_WIRE_FIELD_ZERO:
			return "field number 0";
		case PB_WIRE_LEN_OVERFLOW:
			return "length prefix larger than 2 GiB";
		case PB_WIRE_LEN_PAST_END:
			return "length prefix runs past the end of the enclosing message";
		case PB_WIRE_BAD_END_GROUP:
			return "end-group tag without a matching start-group tag";
		case PB_WIRE_TOO_DEEP:
			return "messages or groups nested more than 100 levels deep";
	}
	return "unknown wire error";
}

/*
 * pb_skip_group
 *		Skip a group whose start tag (field) has just been read
 *
 * Skips up to and past its matching end tag; *content_end (if not NULL) is
 * where that end tag starts, so [start, *content_end) is the group's body.
 * Iterative: a stack of the open groups' field numbers bounds both the depth
 * and the C stack used.
 */
PbWireStatus
pb_skip_group(const uint8_t **p, const uint8_t *end, uint32_t field, int depth,
			  const uint8_t **content_end)
{
	const uint8_t *s = *p;
	uint32_t	open[PB_MAX_DEPTH + 1];
	int			nopen = 0;

	assert(s <= end && depth >= 0);
	if (depth + 1 > PB_MAX_DEPTH)
		return PB_WIRE_TOO_DEEP;
	open[nopen++] = field;
	while (nopen > 0)
	{
		const uint8_t *tag_start = s;
		uint32_t	f;
		int			wt;
		PbWireStatus st;

		assert(nopen >= 1 && nopen <= PB_MAX_DEPTH);
		st = pb_read_tag(&s, end, &f, &wt);
		if (st != PB_WIRE_OK)
			return st;
		if (wt == PB_WT_EGROUP)
		{
			if (f != open[nopen - 1])
				return PB_WIRE_BAD_END_GROUP;
			nopen--;
			if (nopen == 0 && content_end)
				*content_end = tag_start;
		}
		else if (wt == PB_WT_SGROUP)
		{
			if (depth + nopen + 1 > PB_MAX_DEPTH)
				return PB_WIRE_TOO_DEEP;
			open[nopen++] = f;
		}
		else if ((st = pb_skip_scalar(&s, end, wt)) != PB_WIRE_OK)
			return st;
		assert(s <= end);
	}
	*p = s;
	return PB_WIRE_OK;
}

PbWireStatus
pb_skip_field(const uint8_t **p, const uint8_t *end, uint32_t field,
			  int wire_type, int depth)
{
	if (wire_type == PB_WT_SGROUP)
		return pb_skip_group(p, end, field, depth, NULL);
	return pb_skip_scalar(p, end, wire_type);
}

/*
 * pb_walk_message
 *		Check that [p, end) is a well-formed sequence of top-level fields
 *
 * The fast path steps over a one-byte tag with a one-byte varint or length
 * without a call; everything else goes through pb_read_tag and
 * pb_skip_field.  On failure *fail_at is the start of the failing field.
 */
PbWireStatus
pb_walk_message(const uint8_t *p, const uint8_t *end, const uint8_t **fail_at)
{
	assert(p <= end && fail_at != NULL);
	while (p < end)
	{
		const uint8_t *field_start = p;
		uint32_t	field;
		int			wt;
		PbWireStatus st;

		/*
		 * One-byte tags with one-byte varints and lengths are most fields of
		 * most messages: step over those without a call.
		 */
		if (*p >= 0x08 && *p < 0x80)
		{
			wt = *p & 7;
			if (wt == PB_WT_VARINT && end - p >= 2 && p[1] < 0x80)
			{
				p += 2;
				continue;
			}
			if (wt == PB_WT_LEN && end - p >= 2 && p[1] < 0x80 && p[1] <= end - p - 2)
			{
				p += 2 + p[1];
				continue;
			}
			if (wt != PB_WT_SGROUP)
			{
				p++;
				st = wt <= PB_WT_I32 ? pb_skip_scalar(&p, end, wt) : PB_WIRE_BAD_WIRE_TYPE;
				goto check;
			}
		}
		if ((st = pb_read_tag(&p, end, &field, &wt)) == PB_WIRE_OK)
			st = pb_skip_field(&p, end, field, wt, 0);
check:
		if (st != PB_WIRE_OK)
		{
			*fail_at = field_start;
			return st;
		}
		assert(p > field_start && p <= end);
	}
	return PB_WIRE_OK;
}
