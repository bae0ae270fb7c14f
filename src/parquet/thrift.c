/*-------------------------------------------------------------------------
 *
 * thrift.c
 *		The Thrift compact protocol, write side only, no message envelope:
 *		just what Parquet's FileMetaData and PageHeader need.
 *
 * Field ids are delta-encoded against the previous field of the same
 * struct, so each open struct keeps its own "last id"; a nested struct
 * starts from 0 and the parent's counter resumes after its stop byte.
 * Readers such as arrow's are strict about wire types (a field written as
 * I32 where the IDL says I8 is skipped, and then a required field is
 * missing), so every helper here is named after the IDL type it writes.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "parquet/pq_internal.h"

void
tc_varint(pq_buf *b, uint64_t v)
{
	uint8_t		tmp[10];
	int			n = 0;

	while (v >= 0x80)
	{
		tmp[n++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t) v;
	pq_buf_append(b, tmp, n);
}

uint64_t
tc_zigzag(int64_t v)
{
	return ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);
}

void
tc_begin(pq_thrift *t, pq_buf *out)
{
	t->out = out;
	t->depth = 0;
	t->last_id[0] = 0;
	t->overflow = false;
}

/* Close the top-level struct; false if the encoding went wrong. */
bool
tc_end(pq_thrift *t)
{
	pq_buf_byte(t->out, 0);
	return !t->out->failed && !t->overflow && t->depth == 0;
}

static void
tc_field_header(pq_thrift *t, int16_t id, int ctype)
{
	int			delta = id - t->last_id[t->depth];

	if (delta > 0 && delta <= 15)
		pq_buf_byte(t->out, (uint8_t) ((delta << 4) | ctype));
	else
	{
		pq_buf_byte(t->out, (uint8_t) ctype);
		tc_varint(t->out, tc_zigzag(id));
	}
	t->last_id[t->depth] = id;
}

static void
tc_push(pq_thrift *t)
{
	if (t->depth + 1 >= TC_MAX_DEPTH)
	{
		t->overflow = true;
		return;
	}
	t->depth++;
	t->last_id[t->depth] = 0;
}

void
tc_field_i8(pq_thrift *t, int16_t id, int8_t v)
{
	tc_field_header(t, id, TC_I8);
	/* i8 is a raw byte in the compact protocol, not a varint */
	pq_buf_byte(t->out, (uint8_t) v);
}

void
tc_field_i16(pq_thrift *t, int16_t id, int16_t v)
{
	tc_field_header(t, id, TC_I16);
	tc_varint(t->out, tc_zigzag(v));
}

void
tc_field_i32(pq_thrift *t, int16_t id, int32_t v)
{
	tc_field_header(t, id, TC_I32);
	tc_varint(t->out, tc_zigzag(v));
}

void
tc_field_i64(pq_thrift *t, int16_t id, int64_t v)
{
	tc_field_header(t, id, TC_I64);
	tc_varint(t->out, tc_zigzag(v));
}

void
tc_field_bool(pq_thrift *t, int16_t id, bool v)
{
	/* a bool field carries its value in the type nibble */
	tc_field_header(t, id, v ? TC_BOOL_TRUE : TC_BOOL_FALSE);
}

void
tc_field_binary(pq_thrift *t, int16_t id, const void *data, size_t len)
{
	tc_field_header(t, id, TC_BINARY);
	tc_varint(t->out, len);
	pq_buf_append(t->out, data, len);
}

void
tc_field_string(pq_thrift *t, int16_t id, const char *s)
{
	tc_field_binary(t, id, s, strlen(s));
}

void
tc_field_struct_begin(pq_thrift *t, int16_t id)
{
	tc_field_header(t, id, TC_STRUCT);
	tc_push(t);
}

void
tc_struct_end(pq_thrift *t)
{
	pq_buf_byte(t->out, 0);
	if (t->depth > 0)
		t->depth--;
	else
		t->overflow = true;
}

void
tc_field_list_begin(pq_thrift *t, int16_t id, int elem_type, size_t n)
{
	tc_field_header(t, id, TC_LIST);
	if (n <= 14)
		pq_buf_byte(t->out, (uint8_t) ((n << 4) | elem_type));
	else
	{
		pq_buf_byte(t->out, (uint8_t) (0xF0 | elem_type));
		tc_varint(t->out, n);
	}
}

/* A struct element of a list: no field header, its own id counter. */
void
tc_list_struct_begin(pq_thrift *t)
{
	tc_push(t);
}

void
tc_list_i32(pq_thrift *t, int32_t v)
{
	tc_varint(t->out, tc_zigzag(v));
}

void
tc_list_binary(pq_thrift *t, const void *data, size_t len)
{
	tc_varint(t->out, len);
	pq_buf_append(t->out, data, len);
}
