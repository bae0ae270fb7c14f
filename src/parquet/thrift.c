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

#include "parquet/pqw_internal.h"

void
pqw_tc_varint(pqw_buf *b, uint64_t v)
{
	uint8_t		tmp[10];
	int			n = 0;

	while (v >= 0x80)
	{
		tmp[n++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t) v;
	pqw_buf_append(b, tmp, n);
}

uint64_t
pqw_tc_zigzag(int64_t v)
{
	return ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);
}

void
pqw_tc_begin(pqw_thrift *t, pqw_buf *out)
{
	t->out = out;
	t->depth = 0;
	t->last_id[0] = 0;
	t->overflow = false;
}

/* Close the top-level struct; false if the encoding went wrong. */
bool
pqw_tc_end(pqw_thrift *t)
{
	pqw_buf_byte(t->out, 0);
	return !t->out->failed && !t->overflow && t->depth == 0;
}

static void
pqw_tc_field_header(pqw_thrift *t, int16_t id, int ctype)
{
	int			delta = id - t->last_id[t->depth];

	if (delta > 0 && delta <= 15)
		pqw_buf_byte(t->out, (uint8_t) ((delta << 4) | ctype));
	else
	{
		pqw_buf_byte(t->out, (uint8_t) ctype);
		pqw_tc_varint(t->out, pqw_tc_zigzag(id));
	}
	t->last_id[t->depth] = id;
}

static void
pqw_tc_push(pqw_thrift *t)
{
	if (t->depth + 1 >= PQW_TC_MAX_DEPTH)
	{
		t->overflow = true;
		return;
	}
	t->depth++;
	t->last_id[t->depth] = 0;
}

void
pqw_tc_field_i8(pqw_thrift *t, int16_t id, int8_t v)
{
	pqw_tc_field_header(t, id, PQW_TC_I8);
	/* i8 is a raw byte in the compact protocol, not a varint */
	pqw_buf_byte(t->out, (uint8_t) v);
}

void
pqw_tc_field_i16(pqw_thrift *t, int16_t id, int16_t v)
{
	pqw_tc_field_header(t, id, PQW_TC_I16);
	pqw_tc_varint(t->out, pqw_tc_zigzag(v));
}

void
pqw_tc_field_i32(pqw_thrift *t, int16_t id, int32_t v)
{
	pqw_tc_field_header(t, id, PQW_TC_I32);
	pqw_tc_varint(t->out, pqw_tc_zigzag(v));
}

void
pqw_tc_field_i64(pqw_thrift *t, int16_t id, int64_t v)
{
	pqw_tc_field_header(t, id, PQW_TC_I64);
	pqw_tc_varint(t->out, pqw_tc_zigzag(v));
}

void
pqw_tc_field_bool(pqw_thrift *t, int16_t id, bool v)
{
	/* a bool field carries its value in the type nibble */
	pqw_tc_field_header(t, id, v ? PQW_TC_BOOL_TRUE : PQW_TC_BOOL_FALSE);
}

void
pqw_tc_field_binary(pqw_thrift *t, int16_t id, const void *data, size_t len)
{
	pqw_tc_field_header(t, id, PQW_TC_BINARY);
	pqw_tc_varint(t->out, len);
	pqw_buf_append(t->out, data, len);
}

void
pqw_tc_field_string(pqw_thrift *t, int16_t id, const char *s)
{
	pqw_tc_field_binary(t, id, s, strlen(s));
}

void
pqw_tc_field_struct_begin(pqw_thrift *t, int16_t id)
{
	pqw_tc_field_header(t, id, PQW_TC_STRUCT);
	pqw_tc_push(t);
}

void
pqw_tc_struct_end(pqw_thrift *t)
{
	pqw_buf_byte(t->out, 0);
	if (t->depth > 0)
		t->depth--;
	else
		t->overflow = true;
}

void
pqw_tc_field_list_begin(pqw_thrift *t, int16_t id, int elem_type, size_t n)
{
	pqw_tc_field_header(t, id, PQW_TC_LIST);
	if (n <= 14)
		pqw_buf_byte(t->out, (uint8_t) ((n << 4) | elem_type));
	else
	{
		pqw_buf_byte(t->out, (uint8_t) (0xF0 | elem_type));
		pqw_tc_varint(t->out, n);
	}
}

/* A struct element of a list: no field header, its own id counter. */
void
pqw_tc_list_struct_begin(pqw_thrift *t)
{
	pqw_tc_push(t);
}

void
pqw_tc_list_i32(pqw_thrift *t, int32_t v)
{
	pqw_tc_varint(t->out, pqw_tc_zigzag(v));
}

void
pqw_tc_list_binary(pqw_thrift *t, const void *data, size_t len)
{
	pqw_tc_varint(t->out, len);
	pqw_buf_append(t->out, data, len);
}
