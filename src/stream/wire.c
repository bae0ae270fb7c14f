/*
 * wire.c - skipping fields by wire type, and the message-level walk.
 */
#include "stream/wire.h"

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
			return "groups nested more than 100 levels deep";
	}
	return "unknown wire error";
}

PbWireStatus
pb_skip_field(const uint8_t **p, const uint8_t *end, uint32_t field,
			  int wire_type, int depth)
{
	const uint8_t *s = *p;
	uint64_t	v;
	PbWireStatus st;

	switch (wire_type)
	{
		case PB_WT_VARINT:
			st = pb_read_varint(&s, end, &v);
			if (st != PB_WIRE_OK)
				return st;
			break;
		case PB_WT_I64:
			if (end - s < 8)
				return PB_WIRE_TRUNCATED;
			s += 8;
			break;
		case PB_WT_I32:
			if (end - s < 4)
				return PB_WIRE_TRUNCATED;
			s += 4;
			break;
		case PB_WT_LEN:
			st = pb_read_varint(&s, end, &v);
			if (st != PB_WIRE_OK)
				return st;
			st = pb_check_len(v, s, end);
			if (st != PB_WIRE_OK)
				return st;
			s += v;
			break;
		case PB_WT_SGROUP:
			{
				/*
				 * Iterate rather than recurse: a stack of the open groups'
				 * field numbers bounds both depth and stack use.
				 */
				uint32_t	open[PB_MAX_DEPTH + 1];
				int			nopen = 0;

				if (depth + 1 > PB_MAX_DEPTH)
					return PB_WIRE_TOO_DEEP;
				open[nopen++] = field;
				while (nopen > 0)
				{
					uint32_t	f;
					int			wt;

					st = pb_read_tag(&s, end, &f, &wt);
					if (st != PB_WIRE_OK)
						return st;
					if (wt == PB_WT_EGROUP)
					{
						if (f != open[nopen - 1])
							return PB_WIRE_BAD_END_GROUP;
						nopen--;
					}
					else if (wt == PB_WT_SGROUP)
					{
						if (depth + nopen + 1 > PB_MAX_DEPTH)
							return PB_WIRE_TOO_DEEP;
						open[nopen++] = f;
					}
					else
					{
						st = pb_skip_field(&s, end, f, wt, depth + nopen);
						if (st != PB_WIRE_OK)
							return st;
					}
				}
			}
			break;
		case PB_WT_EGROUP:
		default:
			return PB_WIRE_BAD_END_GROUP;
	}
	*p = s;
	return PB_WIRE_OK;
}

PbWireStatus
pb_walk_message(const uint8_t *p, const uint8_t *end, const uint8_t **fail_at)
{
	while (p < end)
	{
		const uint8_t *field_start = p;
		uint32_t	field;
		int			wt;
		PbWireStatus st;

		st = pb_read_tag(&p, end, &field, &wt);
		if (st == PB_WIRE_OK)
			st = pb_skip_field(&p, end, field, wt, 0);
		if (st != PB_WIRE_OK)
		{
			*fail_at = field_start;
			return st;
		}
	}
	return PB_WIRE_OK;
}
