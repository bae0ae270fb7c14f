/*-------------------------------------------------------------------------
 *
 * defaults.c
 *		A field's declared default, as the wire value it stands for.
 *
 * protoc writes a declared default as text in FieldDescriptorProto's
 * default_value: numbers in C syntax ("inf", "-inf" and "nan" for the
 * floats), a bool as "true" or "false", an enum as its value's name, a
 * string as itself and bytes C-escaped ("\001\n\"").  Each is turned here
 * into the bits the wire would carry, so the decoder converts a default
 * exactly as it converts a value it read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"

#include "defaults.h"

#define FT(t) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_##t

static void
pg_attribute_noreturn()
bad_default(const PbSchema *schema, const PbFieldDescriptor *f)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("default value \"%s\" of field \"%s\" is not a valid %s",
					f->default_value, f->name, pb_field_type_name(f)),
			 errdetail("Descriptor set \"%s\" declares it.", schema->path),
			 errhint("Write the descriptor set with protoc from the .proto file, or read the field with absent 'null'.")));
}

/* A signed integer default within [min, max]. */
static int64
signed_default(const PbSchema *schema, const PbFieldDescriptor *f, int64 min, int64 max)
{
	char	   *end;
	long long	n;

	errno = 0;
	n = strtoll(f->default_value, &end, 0);
	if (errno != 0 || *end != '\0' || end == f->default_value || n < min || n > max)
		bad_default(schema, f);
	return (int64) n;
}

/* An unsigned integer default up to max. */
static uint64
unsigned_default(const PbSchema *schema, const PbFieldDescriptor *f, uint64 max)
{
	char	   *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(f->default_value, &end, 0);
	if (errno != 0 || *end != '\0' || end == f->default_value ||
		strchr(f->default_value, '-') != NULL || n > max)
		bad_default(schema, f);
	return (uint64) n;
}

static uint64
float_default(const PbSchema *schema, const PbFieldDescriptor *f, bool is_float)
{
	char	   *end;
	uint64		bits = 0;

	errno = 0;
	if (is_float)
	{
		float		x = strtof(f->default_value, &end);
		uint32		b;

		memcpy(&b, &x, sizeof(b));
		bits = b;
	}
	else
	{
		double		x = strtod(f->default_value, &end);

		memcpy(&bits, &x, sizeof(bits));
	}
	/* ERANGE is an underflow or overflow to the nearest value: protoc's own rounding */
	if (*end != '\0' || end == f->default_value)
		bad_default(schema, f);
	return bits;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte a C letter escape (\n, \t, \\, ...) stands for, or -1. */
static int
letter_escape(char c)
{
	static const char from[] = "nrtabfv\\'\"?";
	static const char to[] = "\n\r\t\a\b\f\v\\'\"?";
	const char *at = c ? strchr(from, c) : NULL;

	return at ? (unsigned char) to[at - from] : -1;
}

/*
 * unescape_bytes
 *		The bytes of a C-escaped default (protobuf's CEscape, and the C
 *		escapes it reads back: octal, \x hex, the letter escapes)
 */
static void
unescape_bytes(const PbSchema *schema, const PbFieldDescriptor *f, StringInfo out)
{
	const char *c = f->default_value;

	while (*c)
	{
		int			n = 0;

		if (*c != '\\')
		{
			appendStringInfoChar(out, *c++);
			continue;
		}
		c++;
		if (*c >= '0' && *c <= '7')
		{
			for (int k = 0; k < 3 && *c >= '0' && *c <= '7'; k++)
				n = n * 8 + (*c++ - '0');
			if (n > 255)
				bad_default(schema, f);
			appendStringInfoChar(out, (char) n);
			continue;
		}
		if (*c == 'x' && hex_digit(c[1]) >= 0)
		{
			c++;
			for (int k = 0; k < 2 && hex_digit(*c) >= 0; k++)
				n = n * 16 + hex_digit(*c++);
			appendStringInfoChar(out, (char) n);
			continue;
		}
		n = letter_escape(*c);
		if (n < 0)
			bad_default(schema, f);
		appendStringInfoChar(out, (char) n);
		c++;
	}
}

/* An enum's default: the named value, else the first value declared. */
static uint64
enum_default(const PbSchema *schema, const PbFieldDescriptor *f)
{
	const PbEnumInfo *ei = f->type_name ? pb_schema_find_enum(schema, f->type_name) : NULL;
	const PbEnumDescriptor *ed;

	/* binding the field (bind_enum) found its enum first */
	if (ei == NULL)
		elog(ERROR, "enum type of field \"%s\" not in descriptor set \"%s\"",
			 f->name, schema->path);
	ed = ei->desc;
	if (f->default_value == NULL)
		return ed->n_value > 0 ? (uint64) (uint32) ed->value[0]->number : 0;
	for (size_t i = 0; i < ed->n_value; i++)
		if (strcmp(ed->value[i]->name, f->default_value) == 0)
			return (uint64) (uint32) ed->value[i]->number;
	bad_default(schema, f);
}

/* A zigzag-encoded sint value, as the wire carries it. */
static uint64
zigzag(int64 n, bool is32)
{
	if (is32)
		return (uint32) (((uint32) n << 1) ^ (uint32) ((int32) n >> 31));
	return ((uint64) n << 1) ^ (uint64) (n >> 63);
}

void
pb_field_default(const PbSchema *schema, const PbFieldDescriptor *f,
				 uint64 *v, const uint8 **p, uint32 *len)
{
	bool		declared = f->default_value != NULL;

	*v = 0;
	*p = (const uint8 *) "";
	*len = 0;
	if (f->type == FT(ENUM))
	{
		*v = enum_default(schema, f);
		return;
	}
	if (!declared)
		return;
	switch (f->type)
	{
		case FT(INT32):
		case FT(SFIXED32):
			*v = (uint64) signed_default(schema, f, PG_INT32_MIN, PG_INT32_MAX);
			break;
		case FT(INT64):
		case FT(SFIXED64):
			*v = (uint64) signed_default(schema, f, PG_INT64_MIN, PG_INT64_MAX);
			break;
		case FT(SINT32):
			*v = zigzag(signed_default(schema, f, PG_INT32_MIN, PG_INT32_MAX), true);
			break;
		case FT(SINT64):
			*v = zigzag(signed_default(schema, f, PG_INT64_MIN, PG_INT64_MAX), false);
			break;
		case FT(UINT32):
		case FT(FIXED32):
			*v = unsigned_default(schema, f, PG_UINT32_MAX);
			break;
		case FT(UINT64):
		case FT(FIXED64):
			*v = unsigned_default(schema, f, PG_UINT64_MAX);
			break;
		case FT(FLOAT):
		case FT(DOUBLE):
			*v = float_default(schema, f, f->type == FT(FLOAT));
			break;
		case FT(BOOL):
			if (strcmp(f->default_value, "true") != 0 && strcmp(f->default_value, "false") != 0)
				bad_default(schema, f);
			*v = strcmp(f->default_value, "true") == 0;
			break;
		case FT(STRING):
			*p = (const uint8 *) f->default_value;
			*len = strlen(f->default_value);
			break;
		case FT(BYTES):
			{
				StringInfoData buf;

				initStringInfo(&buf);
				unescape_bytes(schema, f, &buf);
				*p = (const uint8 *) buf.data;
				*len = buf.len;
				break;
			}
		default:
			break;
	}
}
