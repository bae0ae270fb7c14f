/*-------------------------------------------------------------------------
 *
 * export_types.c
 *		parquet_export(): PostgreSQL types -> Parquet schema, and Datums ->
 *		leaf values with their definition and repetition levels.
 *
 * Every result column and every composite field and array element is
 * OPTIONAL, because PostgreSQL allows NULL everywhere.  Arrays become the
 * three-level LIST (optional group (LIST) { repeated group list { optional
 * element } }) so a NULL array, an empty array and a NULL element stay
 * distinct; composites become groups of their fields, nested as deep as
 * they go.  Types without a Parquet counterpart are written as STRING from
 * the type's output function, which is lossless.
 *
 * Values a Parquet type cannot hold (infinite dates and timestamps,
 * timestamps past year 294246, NaN or infinite numerics in a DECIMAL
 * column) are errors naming the column: writing a made-up value would be
 * silently wrong, and the caller can always map such values in the query.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

#include "export.h"

#ifndef HAVE_INT128
#error "parquet_export needs a 128-bit integer type for DECIMAL(38)"
#endif

/* Days and microseconds between the Unix epoch and PostgreSQL's (2000-01-01) */
#define EXPORT_EPOCH_DAYS	((int32) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE))
#define EXPORT_EPOCH_USECS	((int64) EXPORT_EPOCH_DAYS * USECS_PER_DAY)

/* Largest precision a DECIMAL can have in readers (16-byte FLBA) */
#define EXPORT_MAX_DECIMAL_PRECISION 38

typedef enum ExportKind
{
	EXPORT_SCALAR,
	EXPORT_ARRAY,
	EXPORT_COMPOSITE
} ExportKind;

/* How a scalar Datum becomes the PLAIN bytes of its leaf */
typedef enum ExportConv
{
	CONV_BOOL,
	CONV_INT2,
	CONV_INT4,
	CONV_INT8,
	CONV_FLOAT4,
	CONV_FLOAT8,
	CONV_DECIMAL,				/* numeric with typmod p <= 38 */
	CONV_NUMERIC_ROUNDED,		/* numeric_mode decimal(p,s): round, then DECIMAL */
	CONV_NUMERIC_DOUBLE,		/* numeric_mode double */
	CONV_TEXT,					/* text, varchar, bpchar, json: the varlena bytes */
	CONV_NAME,
	CONV_BYTEA,
	CONV_DATE,
	CONV_TIME,
	CONV_TIMESTAMP,				/* timestamp and timestamptz: both UTC-based int64 */
	CONV_UUID,
	CONV_OUTPUT					/* the type's output function as a STRING */
} ExportConv;

struct ExportNode
{
	ExportKind	kind;
	char	   *path;			/* "col", "col.field", "col[]" for messages */
	int			def;			/* definition level when this node is not NULL */
	int			first_leaf;		/* leaves under this node are contiguous */
	int			n_leaves;

	/* EXPORT_SCALAR */
	ExportConv	conv;
	int			leaf;
	bool		utf8;			/* text that must be valid UTF-8 */
	int			precision;		/* DECIMAL */
	int			scale;
	int			decimal_bytes;	/* 4, 8 or the FLBA length */
	int32		round_typmod;	/* CONV_NUMERIC_ROUNDED */
	bool		utc;			/* timestamptz */
	FmgrInfo	output;			/* CONV_OUTPUT */

	/* EXPORT_ARRAY */
	ExportNode *element;
	int			list_rep;		/* repetition level of the repeated group */
	Oid			elem_type;
	int16		elem_len;
	bool		elem_byval;
	char		elem_align;

	/* EXPORT_COMPOSITE */
	TupleDesc	tupdesc;
	int			n_fields;		/* attributes, dropped ones included */
	ExportNode **fields;		/* NULL for dropped attributes */
};

/* FLBA length for a DECIMAL of this precision (Parquet's minimal size) */
static int
decimal_flba_bytes(int precision)
{
	int			bytes = 1;
	int128		max = 1;

	/* smallest n with 10^p - 1 <= 2^(8n-1) - 1 */
	for (int i = 0; i < precision; i++)
		max *= 10;
	while (bytes < 16 && ((int128) 1 << (8 * bytes - 1)) < max)
		bytes++;
	return bytes;
}

void
export_parse_numeric_mode(const char *mode, ExportNumericRule *rule)
{
	int			p,
				s;
	char		tail;

	if (strcmp(mode, "string") == 0)
		rule->mode = EXPORT_NUMERIC_STRING;
	else if (strcmp(mode, "double") == 0)
		rule->mode = EXPORT_NUMERIC_DOUBLE;
	else if (sscanf(mode, "decimal(%d,%d%c", &p, &s, &tail) == 3 && tail == ')' &&
			 strchr(mode, ')')[1] == '\0')
	{
		if (p < 1 || p > EXPORT_MAX_DECIMAL_PRECISION || s < 0 || s > p)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("numeric_mode \"%s\" is out of range", mode),
					 errdetail("Precision must be between 1 and %d, and scale between 0 and the precision.",
							   EXPORT_MAX_DECIMAL_PRECISION)));
		rule->mode = EXPORT_NUMERIC_DECIMAL;
		rule->precision = p;
		rule->scale = s;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid numeric_mode \"%s\"", mode),
				 errhint("Use 'string', 'double' or 'decimal(p,s)' with p at most %d, e.g. 'decimal(38,9)'.",
						 EXPORT_MAX_DECIMAL_PRECISION)));
}

void
export_check_status(pqw_writer *writer, pqw_status status)
{
	if (status == PQW_OK)
		return;
	if (status == PQW_ERR_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("parquet_export cannot write this data: %s",
						pqw_writer_error(writer))));
	/* allocation goes through palloc and writes through ereport: a bug */
	elog(ERROR, "parquet writer failed: %s", pqw_writer_error(writer));
}

/* ---- schema ---- */

typedef struct BuildState
{
	ExportSchema *schema;
	pqw_writer *w;
} BuildState;

static ExportNode *build_node(BuildState *bs, Oid typid, int32 typmod,
							  const char *name, const char *path,
							  int parent, int def, int rep);

static int
add_leaf(BuildState *bs, ExportNode *n, const char *name, int parent,
		 pqw_type type, int type_length, pqw_logical_kind kind)
{
	pqw_logical	l;
	int			node;

	memset(&l, 0, sizeof(l));
	l.kind = kind;
	switch (kind)
	{
		case PQW_LT_INTEGER:
			l.bit_width = n->conv == CONV_INT2 ? 16 : n->conv == CONV_INT4 ? 32 : 64;
			l.is_signed = true;
			break;
		case PQW_LT_DECIMAL:
			l.precision = n->precision;
			l.scale = n->scale;
			break;
		case PQW_LT_TIME:
		case PQW_LT_TIMESTAMP:
			l.unit = PQW_MICROS;
			l.utc = n->utc;
			break;
		default:
			break;
	}
	n->kind = EXPORT_SCALAR;
	node = pqw_schema_add_leaf(bs->w, parent, name, PQW_OPTIONAL, type,
							   type_length, &l, export_field_id(bs->schema, n->path));
	if (node < 0)
		export_check_status(bs->w, pqw_writer_status(bs->w));
	n->leaf = pqw_schema_leaf_of_node(bs->w, node);
	n->first_leaf = n->leaf;
	n->n_leaves = 1;
	return node;
}

static void
setup_decimal(BuildState *bs, ExportNode *n, const char *name, int parent,
			  int precision, int scale)
{
	n->precision = precision;
	n->scale = scale;
	if (precision <= 9)
	{
		n->decimal_bytes = 4;
		add_leaf(bs, n, name, parent, PQW_INT32, 0, PQW_LT_DECIMAL);
	}
	else if (precision <= 18)
	{
		n->decimal_bytes = 8;
		add_leaf(bs, n, name, parent, PQW_INT64, 0, PQW_LT_DECIMAL);
	}
	else
	{
		n->decimal_bytes = decimal_flba_bytes(precision);
		add_leaf(bs, n, name, parent, PQW_FIXED_LEN_BYTE_ARRAY,
				 n->decimal_bytes, PQW_LT_DECIMAL);
	}
}

static void
setup_output(BuildState *bs, ExportNode *n, Oid typid, const char *name,
			 int parent, pqw_logical_kind kind)
{
	Oid			outfunc;
	bool		isvarlena;

	getTypeOutputInfo(typid, &outfunc, &isvarlena);
	fmgr_info(outfunc, &n->output);
	n->conv = CONV_OUTPUT;
	n->utf8 = true;
	add_leaf(bs, n, name, parent, PQW_BYTE_ARRAY, 0, kind);
}

/*
 * numeric: DECIMAL when its typmod fits one, else what numeric_mode says
 * (DOUBLE, DECIMAL(p,s) after rounding, or the text).
 */
static void
build_numeric(BuildState *bs, ExportNode *n, int32 typmod, const char *name,
			  int parent)
{
	ExportNumericRule *rule = &bs->schema->numeric;
	int			precision = -1;
	int			scale = 0;

	if (typmod >= (int32) VARHDRSZ)
	{
		precision = ((typmod - VARHDRSZ) >> 16) & 0xffff;
		scale = (((typmod - VARHDRSZ) & 0x7ff) ^ 1024) - 1024;
	}
	/* PG 15 allows scale < 0 or > precision: DECIMAL cannot, so numeric_mode decides */
	if (precision >= 1 && precision <= EXPORT_MAX_DECIMAL_PRECISION &&
		scale >= 0 && scale <= precision)
	{
		n->conv = CONV_DECIMAL;
		setup_decimal(bs, n, name, parent, precision, scale);
	}
	else if (rule->mode == EXPORT_NUMERIC_DOUBLE)
	{
		n->conv = CONV_NUMERIC_DOUBLE;
		add_leaf(bs, n, name, parent, PQW_DOUBLE, 0, PQW_LT_NONE);
	}
	else if (rule->mode == EXPORT_NUMERIC_DECIMAL)
	{
		n->conv = CONV_NUMERIC_ROUNDED;
		n->round_typmod = ((rule->precision << 16) | rule->scale) + VARHDRSZ;
		setup_decimal(bs, n, name, parent, rule->precision, rule->scale);
	}
	else
		setup_output(bs, n, NUMERICOID, name, parent, PQW_LT_STRING);
}

/*
 * build_scalar
 *		Choose the conversion and the Parquet leaf of a scalar type.
 *
 * A flat switch over the types with a Parquet form of their own; any other
 * type is written as the text of its output function.
 */
static void
build_scalar(BuildState *bs, ExportNode *n, Oid typid, int32 typmod,
			 const char *name, int parent)
{
	switch (typid)
	{
		case BOOLOID:
			n->conv = CONV_BOOL;
			add_leaf(bs, n, name, parent, PQW_BOOLEAN, 0, PQW_LT_NONE);
			break;
		case INT2OID:
			n->conv = CONV_INT2;
			add_leaf(bs, n, name, parent, PQW_INT32, 0, PQW_LT_INTEGER);
			break;
		case INT4OID:
			n->conv = CONV_INT4;
			add_leaf(bs, n, name, parent, PQW_INT32, 0, PQW_LT_INTEGER);
			break;
		case INT8OID:
			n->conv = CONV_INT8;
			add_leaf(bs, n, name, parent, PQW_INT64, 0, PQW_LT_INTEGER);
			break;
		case FLOAT4OID:
			n->conv = CONV_FLOAT4;
			add_leaf(bs, n, name, parent, PQW_FLOAT, 0, PQW_LT_NONE);
			break;
		case FLOAT8OID:
			n->conv = CONV_FLOAT8;
			add_leaf(bs, n, name, parent, PQW_DOUBLE, 0, PQW_LT_NONE);
			break;
		case NUMERICOID:
			build_numeric(bs, n, typmod, name, parent);
			break;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			n->conv = CONV_TEXT;
			n->utf8 = true;
			add_leaf(bs, n, name, parent, PQW_BYTE_ARRAY, 0, PQW_LT_STRING);
			break;
		case NAMEOID:
			n->conv = CONV_NAME;
			n->utf8 = true;
			add_leaf(bs, n, name, parent, PQW_BYTE_ARRAY, 0, PQW_LT_STRING);
			break;
		case JSONOID:
			/* json keeps the text as entered */
			n->conv = CONV_TEXT;
			n->utf8 = true;
			add_leaf(bs, n, name, parent, PQW_BYTE_ARRAY, 0, PQW_LT_JSON);
			break;
		case JSONBOID:
			setup_output(bs, n, typid, name, parent, PQW_LT_JSON);
			break;
		case BYTEAOID:
			n->conv = CONV_BYTEA;
			add_leaf(bs, n, name, parent, PQW_BYTE_ARRAY, 0, PQW_LT_NONE);
			break;
		case DATEOID:
			n->conv = CONV_DATE;
			add_leaf(bs, n, name, parent, PQW_INT32, 0, PQW_LT_DATE);
			break;
		case TIMEOID:
			n->conv = CONV_TIME;
			add_leaf(bs, n, name, parent, PQW_INT64, 0, PQW_LT_TIME);
			break;
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			n->conv = CONV_TIMESTAMP;
			n->utc = (typid == TIMESTAMPTZOID);
			add_leaf(bs, n, name, parent, PQW_INT64, 0, PQW_LT_TIMESTAMP);
			break;
		case UUIDOID:
			n->conv = CONV_UUID;
			add_leaf(bs, n, name, parent, PQW_FIXED_LEN_BYTE_ARRAY, UUID_LEN, PQW_LT_UUID);
			break;
		default:
			setup_output(bs, n, typid, name, parent,
						 type_is_enum(typid) ? PQW_LT_ENUM : PQW_LT_STRING);
			break;
	}
}

/* An array: an OPTIONAL LIST group, a REPEATED "list" group, the element. */
static void
build_array(BuildState *bs, ExportNode *n, Oid elem, int32 typmod,
			const char *name, const char *path, int parent, int def, int rep)
{
	int			group;
	int			list;

	n->kind = EXPORT_ARRAY;
	group = pqw_schema_add_group(bs->w, parent, name, PQW_OPTIONAL, PQW_LT_LIST,
								 export_field_id(bs->schema, path));
	list = pqw_schema_add_group(bs->w, group, "list", PQW_REPEATED, PQW_LT_NONE, -1);
	if (group < 0 || list < 0)
		export_check_status(bs->w, pqw_writer_status(bs->w));
	n->list_rep = rep + 1;
	n->elem_type = elem;
	get_typlenbyvalalign(elem, &n->elem_len, &n->elem_byval, &n->elem_align);
	/* the element's typmod is the array's (e.g. numeric(10,2)[]) */
	n->element = build_node(bs, elem, typmod, "element",
							psprintf("%s[]", path), list, def + 2, rep + 1);
	n->first_leaf = n->element->first_leaf;
	n->n_leaves = n->element->n_leaves;
}

/* A composite: an OPTIONAL group with a field per live attribute. */
static void
build_composite(BuildState *bs, ExportNode *n, Oid base, int32 typmod,
				const char *name, const char *path, int parent, int def,
				int rep)
{
	TupleDesc	td = lookup_rowtype_tupdesc_copy(base, typmod);
	int			group;
	int			live = 0;

	n->kind = EXPORT_COMPOSITE;
	n->tupdesc = td;
	n->n_fields = td->natts;
	n->fields = palloc0(sizeof(ExportNode *) * td->natts);
	group = pqw_schema_add_group(bs->w, parent, name, PQW_OPTIONAL, PQW_LT_NONE,
								 export_field_id(bs->schema, path));
	if (group < 0)
		export_check_status(bs->w, pqw_writer_status(bs->w));
	for (int i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);

		if (att->attisdropped)
			continue;
		n->fields[i] = build_node(bs, att->atttypid, att->atttypmod,
								  NameStr(att->attname),
								  psprintf("%s.%s", path, NameStr(att->attname)),
								  group, def + 1, rep);
		if (live++ == 0)
			n->first_leaf = n->fields[i]->first_leaf;
		n->n_leaves += n->fields[i]->n_leaves;
	}
	if (live == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot export column \"%s\": its composite type %s has no attributes",
						path, format_type_be(base)),
				 errdetail("A Parquet group needs at least one field.")));
}

/*
 * Build the export node of a value of type typid, adding its Parquet
 * schema under parent.  def and rep are the levels of the parent.
 */
static ExportNode *
build_node(BuildState *bs, Oid typid, int32 typmod, const char *name,
		   const char *path, int parent, int def, int rep)
{
	ExportNode *n = palloc0(sizeof(ExportNode));
	Oid			base;
	Oid			elem;

	check_stack_depth();		/* composites can nest deeply */
	n->path = pstrdup(path);
	n->def = def + 1;			/* every node is OPTIONAL */

	base = getBaseTypeAndTypmod(typid, &typmod);
	elem = get_element_type(base);

	if (OidIsValid(elem))
		build_array(bs, n, elem, typmod, name, path, parent, def, rep);
	else if (type_is_rowtype(base) &&
			 !(base == RECORDOID && typmod < 0))
		build_composite(bs, n, base, typmod, name, path, parent, def, rep);
	else
		build_scalar(bs, n, base, typmod, name, parent);
	return n;
}

void
export_build_schema(ExportSchema *schema, TupleDesc tupdesc)
{
	BuildState	bs;

	bs.schema = schema;
	bs.w = schema->writer;
	schema->natts = tupdesc->natts;
	schema->columns = palloc0(sizeof(ExportNode *) * tupdesc->natts);
	schema->convert_to_utf8 = (GetDatabaseEncoding() != PG_UTF8 &&
							   GetDatabaseEncoding() != PG_SQL_ASCII);
	schema->next_auto_id = 0;

	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		const char *name = NameStr(att->attname);

		/* readers address columns by name: duplicates make a file unusable */
		for (int j = 0; j < i; j++)
			if (strcmp(NameStr(TupleDescAttr(tupdesc, j)->attname), name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("column name \"%s\" appears more than once in the exported query", name),
						 errhint("Give the columns distinct names with AS.")));
		schema->columns[i] = build_node(&bs, att->atttypid, att->atttypmod,
										name, name, -1, 0, 0);
	}
	export_field_ids_check_used(schema->field_ids);
}

/* ---- values ---- */

static void
append(ExportSchema *schema, int leaf, int def, int rep, const void *v, size_t len)
{
	pqw_status	st = pqw_column_append(schema->writer, leaf, def, rep, v, len);

	if (st != PQW_OK)
		export_check_status(schema->writer, st);
}

/* The node is NULL (or an empty array): every leaf below gets one entry. */
static void
append_nulls(ExportSchema *schema, ExportNode *n, int def, int rep)
{
	for (int leaf = n->first_leaf; leaf < n->first_leaf + n->n_leaves; leaf++)
		append(schema, leaf, def, rep, NULL, 0);
}

static void
append_text(ExportSchema *schema, ExportNode *n, int rep, const char *s, size_t len)
{
	if (schema->convert_to_utf8 && n->utf8)
	{
		char	   *u = pg_server_to_any(s, (int) len, PG_UTF8);

		if (u != s)
		{
			s = u;
			len = strlen(u);
		}
	}
	append(schema, n->leaf, n->def, rep, s, len);
}

/*
 * decimal_unscaled
 *		The value of num times 10^scale as an integer of at most precision
 *		digits, for the DECIMAL(precision, scale) column of n.
 *
 * Read from numeric's text, digit by digit; an error when the value has
 * more digits or decimals than the column allows, or is NaN or infinite.
 */
static int128
decimal_unscaled(ExportNode *n, Numeric num)
{
	char	   *text;
	const char *p;
	bool		negative = false;
	int128		v = 0;
	int128		limit = 1;
	int			frac = -1;

	if (numeric_is_nan(num) || numeric_is_inf(num))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cannot export %s to the DECIMAL column \"%s\"",
						numeric_is_nan(num) ? "NaN" : "an infinite numeric", n->path),
				 errdetail("Parquet DECIMAL has no NaN or infinity."),
				 errhint("Map the value in the query (e.g. NULLIF(x, 'NaN')), or cast the column to numeric without a precision to export it as text.")));

	text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
	p = text;
	if (*p == '-')
	{
		negative = true;
		p++;
	}
	for (int i = 0; i < n->precision; i++)
		limit *= 10;
	for (; *p; p++)
	{
		if (*p == '.')
		{
			frac = 0;
			continue;
		}
		/* checked before multiplying: 10^38 * 10 would overflow int128 */
		if (v > (limit - 1 - (*p - '0')) / 10)
		{
			v = limit;
			break;
		}
		v = v * 10 + (*p - '0');
		if (frac >= 0)
			frac++;
	}
	if (frac < 0)
		frac = 0;
	while (frac < n->scale && v < limit)
	{
		if (v > (limit - 1) / 10)
		{
			v = limit;
			break;
		}
		v *= 10;
		frac++;
	}
	/* a value with more decimals or digits than the typmod allows */
	if (v >= limit || frac > n->scale || *p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value %s does not fit the DECIMAL(%d,%d) column \"%s\"",
						text, n->precision, n->scale, n->path),
				 errhint("Cast the column to a numeric type that holds it, or to numeric without a precision to export it as text.")));
	return negative ? -v : v;
}

/* A DECIMAL value: INT32, INT64 or a big-endian FIXED_LEN_BYTE_ARRAY. */
static void
append_decimal(ExportSchema *schema, ExportNode *n, int rep, Numeric num)
{
	int128		v = decimal_unscaled(n, num);
	uint8		bytes[16];

	if (n->decimal_bytes == 4)
	{
		int32		i32 = (int32) v;

		append(schema, n->leaf, n->def, rep, &i32, 4);
	}
	else if (n->decimal_bytes == 8)
	{
		int64		i64 = (int64) v;

		append(schema, n->leaf, n->def, rep, &i64, 8);
	}
	else
	{
		/* big-endian two's complement, as long as the FLBA */
		for (int i = n->decimal_bytes - 1; i >= 0; i--)
		{
			bytes[i] = (uint8) (v & 0xFF);
			v >>= 8;
		}
		append(schema, n->leaf, n->def, rep, bytes, n->decimal_bytes);
	}
}

/*
 * append_scalar
 *		Convert a non-null scalar to its Parquet form and append it.
 *
 * A flat switch over the conversions chosen by build_scalar; runs once per
 * value, so always inlined into append_value.
 */
static pg_attribute_always_inline void
append_scalar(ExportSchema *schema, ExportNode *n, int rep, Datum d)
{
	schema->current_path = n->path;
	switch (n->conv)
	{
		case CONV_BOOL:
			{
				uint8		b = DatumGetBool(d) ? 1 : 0;

				append(schema, n->leaf, n->def, rep, &b, 1);
				break;
			}
		case CONV_INT2:
			{
				int32		v = DatumGetInt16(d);

				append(schema, n->leaf, n->def, rep, &v, 4);
				break;
			}
		case CONV_INT4:
			{
				int32		v = DatumGetInt32(d);

				append(schema, n->leaf, n->def, rep, &v, 4);
				break;
			}
		case CONV_INT8:
			{
				int64		v = DatumGetInt64(d);

				append(schema, n->leaf, n->def, rep, &v, 8);
				break;
			}
		case CONV_FLOAT4:
			{
				float4		v = DatumGetFloat4(d);

				append(schema, n->leaf, n->def, rep, &v, 4);
				break;
			}
		case CONV_FLOAT8:
			{
				float8		v = DatumGetFloat8(d);

				append(schema, n->leaf, n->def, rep, &v, 8);
				break;
			}
		case CONV_NUMERIC_DOUBLE:
			{
				float8		v = DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));

				append(schema, n->leaf, n->def, rep, &v, 8);
				break;
			}
		case CONV_NUMERIC_ROUNDED:
			{
				Numeric		num = DatumGetNumeric(d);

				/* NaN and infinity first, with our message, before numeric() */
				if (!numeric_is_nan(num) && !numeric_is_inf(num))
					num = DatumGetNumeric(DirectFunctionCall2(numeric, d,
															  Int32GetDatum(n->round_typmod)));
				append_decimal(schema, n, rep, num);
				break;
			}
		case CONV_DECIMAL:
			append_decimal(schema, n, rep, DatumGetNumeric(d));
			break;
		case CONV_TEXT:
			{
				text	   *t = DatumGetTextPP(d);

				append_text(schema, n, rep, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
				break;
			}
		case CONV_NAME:
			{
				Name		nm = DatumGetName(d);

				append_text(schema, n, rep, NameStr(*nm), strlen(NameStr(*nm)));
				break;
			}
		case CONV_BYTEA:
			{
				bytea	   *b = DatumGetByteaPP(d);

				append(schema, n->leaf, n->def, rep, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
				break;
			}
		case CONV_DATE:
			{
				DateADT		date = DatumGetDateADT(d);
				int32		days;

				if (DATE_NOT_FINITE(date))
					ereport(ERROR,
							(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							 errmsg("cannot export infinite date to column \"%s\"", n->path),
							 errdetail("Parquet DATE has no infinity."),
							 errhint("Map the value in the query, e.g. CASE WHEN isfinite(x) THEN x END, or cast it to text.")));
				/* PostgreSQL's date range fits int32 days after the shift */
				days = date + EXPORT_EPOCH_DAYS;
				append(schema, n->leaf, n->def, rep, &days, 4);
				break;
			}
		case CONV_TIME:
			{
				int64		us = DatumGetTimeADT(d);

				append(schema, n->leaf, n->def, rep, &us, 8);
				break;
			}
		case CONV_TIMESTAMP:
			{
				Timestamp	ts = DatumGetTimestamp(d);
				int64		us;

				if (TIMESTAMP_NOT_FINITE(ts))
					ereport(ERROR,
							(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							 errmsg("cannot export infinite timestamp to column \"%s\"", n->path),
							 errdetail("Parquet TIMESTAMP has no infinity."),
							 errhint("Map the value in the query, e.g. CASE WHEN isfinite(x) THEN x END, or cast it to text.")));
				if (pg_add_s64_overflow(ts, EXPORT_EPOCH_USECS, &us))
					ereport(ERROR,
							(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							 errmsg("timestamp out of range for Parquet in column \"%s\"", n->path),
							 errdetail("Parquet stores microseconds since 1970 in 64 bits, which ends in year 294247.")));
				append(schema, n->leaf, n->def, rep, &us, 8);
				break;
			}
		case CONV_UUID:
			{
				pg_uuid_t  *u = DatumGetUUIDP(d);

				append(schema, n->leaf, n->def, rep, u->data, UUID_LEN);
				break;
			}
		case CONV_OUTPUT:
			{
				char	   *s = OutputFunctionCall(&n->output, d);

				append_text(schema, n, rep, s, strlen(s));
				break;
			}
	}
}

static void append_value(ExportSchema *schema, ExportNode *n, int rep,
						 Datum d, bool isnull);

static void
append_array(ExportSchema *schema, ExportNode *n, int rep, Datum d)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	int			nitems = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	Datum	   *elems;
	bool	   *enulls;
	int			count;

	if (nitems == 0)
	{
		/* present but empty: the list group is defined, nothing below */
		append_nulls(schema, n, n->def, rep);
		return;
	}
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot export the %d-dimensional array in column \"%s\"",
						ARR_NDIM(arr), n->path),
				 errdetail("Arrays are exported as one-dimensional Parquet lists."),
				 errhint("Convert the value in the query, e.g. to json with to_json(x) or to text.")));
	deconstruct_array(arr, n->elem_type, n->elem_len, n->elem_byval,
					  n->elem_align, &elems, &enulls, &count);
	for (int i = 0; i < count; i++)
		append_value(schema, n->element, i == 0 ? rep : n->list_rep,
					 elems[i], enulls[i]);
}

static void
append_composite(ExportSchema *schema, ExportNode *n, int rep, Datum d)
{
	HeapTupleHeader th = DatumGetHeapTupleHeader(d);
	HeapTupleData tuple;
	Datum	   *values;
	bool	   *nulls;

	tuple.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = th;
	/* per-call arrays: a composite may appear again inside its own fields' arrays */
	values = palloc(sizeof(Datum) * n->n_fields);
	nulls = palloc(sizeof(bool) * n->n_fields);
	heap_deform_tuple(&tuple, n->tupdesc, values, nulls);
	for (int i = 0; i < n->n_fields; i++)
		if (n->fields[i])
			append_value(schema, n->fields[i], rep, values[i], nulls[i]);
}

static void
append_value(ExportSchema *schema, ExportNode *n, int rep, Datum d, bool isnull)
{
	if (isnull)
	{
		append_nulls(schema, n, n->def - 1, rep);
		return;
	}
	switch (n->kind)
	{
		case EXPORT_SCALAR:
			append_scalar(schema, n, rep, d);
			break;
		case EXPORT_ARRAY:
			schema->current_path = n->path;
			append_array(schema, n, rep, d);
			break;
		case EXPORT_COMPOSITE:
			schema->current_path = n->path;
			append_composite(schema, n, rep, d);
			break;
	}
}

/* Convert one result row; the caller resets the per-row memory context. */
void
export_write_row(ExportSchema *schema, TupleTableSlot *slot)
{
	slot_getallattrs(slot);
	for (int i = 0; i < schema->natts; i++)
	{
		ExportNode *n = schema->columns[i];

		/* top-level scalars, the common case, without append_value's frame */
		if (n->kind == EXPORT_SCALAR && !slot->tts_isnull[i])
			append_scalar(schema, n, 0, slot->tts_values[i]);
		else
			append_value(schema, n, 0, slot->tts_values[i], slot->tts_isnull[i]);
	}
	schema->current_path = NULL;
	export_check_status(schema->writer, pqw_writer_end_row(schema->writer));
}
