/*-------------------------------------------------------------------------
 *
 * import_types.c
 *		The SQL side of an imported message: names, column types, and the
 *		composite types of the option composite_types.
 *
 * A field's column type is its default mapping (scalars to their SQL types,
 * repeated scalars to arrays, the well-known types to theirs, every other
 * message, map and group to jsonb).  With composite_types a message or
 * group becomes a composite type instead (an array of it when repeated):
 * one CREATE TYPE per message reached, shared by every column and
 * attribute of that message, named after the message ("Span_Event_t").
 * Maps and the well-known types keep their mappings.
 *
 * A composite type cannot contain itself, so a recursive message is cut:
 * the types are made depth-first, and a field whose message is still being
 * made (it would close the cycle) is jsonb.  Every message is thus expanded
 * once on any chain of nested types; the jsonb value holds the rest,
 * whatever its depth.  The statements come out in the order the types are
 * finished, so each follows the types it uses.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "import_types.h"

#define FT(t) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_##t
#define IS_REPEATED(f) \
	((f)->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED)

/* A composite type generated for a message. */
typedef struct GenType
{
	const char *message;		/* the message's full name */
	const char *ref;			/* the type as a column names it */
	bool		done;			/* false while its attributes are being made */
} GenType;

struct PbImportTypes
{
	const PbSchema *schema;
	bool		composite;
	const char *nspname;		/* NULL: unqualified */
	List	  **used;			/* names taken in that schema */
	List	   *types;			/* GenType *, in the order they were begun */
	List	   *statements;		/* CREATE TYPE, in the order they were finished */
};

/* Column types of singular well-known types (a repeated one is jsonb). */
static const struct
{
	const char *type_name;
	const char *sql_type;
}			well_known_types[] = {
	{"google.protobuf.Timestamp", "timestamp with time zone"},
	{"google.protobuf.Duration", "interval"},
	{"google.protobuf.Int32Value", "integer"},
	{"google.protobuf.Int64Value", "bigint"},
	{"google.protobuf.UInt32Value", "bigint"},
	{"google.protobuf.UInt64Value", "numeric"},
	{"google.protobuf.FloatValue", "real"},
	{"google.protobuf.DoubleValue", "double precision"},
	{"google.protobuf.BoolValue", "boolean"},
	{"google.protobuf.StringValue", "text"},
	{"google.protobuf.BytesValue", "bytea"},
	{"google.protobuf.FieldMask", "text"},
	{"google.protobuf.Struct", "jsonb"},
	{"google.protobuf.Value", "jsonb"},
	{"google.protobuf.ListValue", "jsonb"},
	{"google.protobuf.Any", "jsonb"},
	{"google.protobuf.Empty", "jsonb"},
	{NULL, NULL}
};

static const char *
strip_dot(const char *name)
{
	return name[0] == '.' ? name + 1 : name;
}

/* ---------------------------------------------------------------------
 * Names
 * ---------------------------------------------------------------------
 */

/* A copy of name cut to what PostgreSQL keeps of an identifier. */
char *
pb_import_identifier(const char *name)
{
	int			len = strlen(name);

	if (len >= NAMEDATALEN)
		len = pg_mbcliplen(name, len, NAMEDATALEN - 1);
	return pnstrdup(name, len);
}

static bool
name_used(const char *name, List *used)
{
	ListCell   *lc;

	foreach(lc, used)
		if (strcmp((const char *) lfirst(lc), name) == 0)
			return true;
	return false;
}

/*
 * 'base' cut as PostgreSQL cuts it, or, when that name is in *used, the
 * first of base_2, base_3, ... that is not (base cut to leave room for the
 * suffix).  The name is added to *used.
 */
char *
pb_import_unique_name(const char *base, List **used)
{
	char	   *name = pb_import_identifier(base);

	for (int n = 2; name_used(name, *used); n++)
	{
		char		suffix[16];
		int			len;

		snprintf(suffix, sizeof(suffix), "_%d", n);
		len = pg_mbcliplen(base, strlen(base), NAMEDATALEN - 1 - strlen(suffix));
		name = psprintf("%.*s%s", len, base, suffix);
	}
	*used = lappend(*used, name);
	return name;
}

bool
pb_import_is_map_entry(const PbDescriptor *msg)
{
	return msg->options && msg->options->has_map_entry && msg->options->map_entry;
}

/*
 * The package of a message: its scope with the enclosing messages taken
 * off ("imp.sub" for imp.sub.Outer.Inner).  "" if it has none.
 */
char *
pb_import_message_package(const PbSchema *schema, const char *full_name)
{
	char	   *scope = pstrdup(full_name);

	for (;;)
	{
		char	   *dot = strrchr(scope, '.');

		if (dot == NULL)
			return "";
		*dot = '\0';
		if (pb_schema_find_message(schema, scope) == NULL)
			return scope;
	}
}

const char *
pb_import_relative_name(const char *full_name, const char *package)
{
	return package[0] ? full_name + strlen(package) + 1 : full_name;
}

/* The table a message is imported as: its name in the package, '_' for '.' */
char *
pb_import_default_name(const char *relative)
{
	char	   *name = pb_import_identifier(relative);

	for (char *p = name; *p; p++)
		if (*p == '.')
			*p = '_';
	return name;
}

/* ---------------------------------------------------------------------
 * Column types and comments
 * ---------------------------------------------------------------------
 */

/* The field's type; a set written without resolved types names it only. */
static int
field_type(const PbSchema *schema, const PbFieldDescriptor *f)
{
	if (f->has_type)
		return f->type;
	if (f->type_name && pb_schema_find_enum(schema, f->type_name))
		return FT(ENUM);
	return FT(MESSAGE);
}

static const char *
scalar_sql_type(int type)
{
	switch (type)
	{
		case FT(INT32):
		case FT(SINT32):
		case FT(SFIXED32):
			return "integer";
		case FT(INT64):
		case FT(SINT64):
		case FT(SFIXED64):
		case FT(UINT32):
		case FT(FIXED32):
			return "bigint";
		case FT(UINT64):
		case FT(FIXED64):
			return "numeric";
		case FT(FLOAT):
			return "real";
		case FT(DOUBLE):
			return "double precision";
		case FT(BOOL):
			return "boolean";
		case FT(STRING):
		case FT(ENUM):
			return "text";
		case FT(BYTES):
			return "bytea";
		default:
			/* a type this version does not know: text reads every field */
			return "text";
	}
}

/* The mapping of a well-known type, or NULL for any other message. */
static const char *
well_known_sql_type(const char *type_name)
{
	const char *name = strip_dot(type_name);

	for (int i = 0; well_known_types[i].type_name; i++)
		if (strcmp(well_known_types[i].type_name, name) == 0)
			return well_known_types[i].sql_type;
	return NULL;
}

static const char *composite_type(PbImportTypes *types, const PbMessageInfo *mi);

/*
 * A message or group field: a singular well-known type's mapping; with
 * composite_types the message's composite type (jsonb where it would
 * contain itself: *cut); else jsonb, as for maps and repeated well-known
 * types.
 */
static const char *
message_column_type(PbImportTypes *types, const PbFieldDescriptor *f, bool *cut)
{
	const PbMessageInfo *mi;
	const char *ref;

	if (f->type_name == NULL)
		return "jsonb";
	if (well_known_sql_type(f->type_name))
		return IS_REPEATED(f) ? "jsonb" : well_known_sql_type(f->type_name);
	mi = pb_schema_find_message(types->schema, f->type_name);
	if (!types->composite || mi == NULL || pb_import_is_map_entry(mi->desc))
		return "jsonb";
	ref = composite_type(types, mi);
	if (ref == NULL)
	{
		*cut = true;
		return "jsonb";
	}
	return IS_REPEATED(f) ? psprintf("%s[]", ref) : ref;
}

const char *
pb_import_column_type(PbImportTypes *types, const PbFieldDescriptor *f, bool *cut)
{
	int			type = field_type(types->schema, f);

	*cut = false;
	if (type == FT(MESSAGE) || type == FT(GROUP))
		return message_column_type(types, f, cut);
	if (IS_REPEATED(f))
		return psprintf("%s[]", scalar_sql_type(type));
	return scalar_sql_type(type);
}

/* The field's type as a .proto file writes it, without its label. */
static const char *
proto_type(const PbSchema *schema, const PbFieldDescriptor *f)
{
	int			type = field_type(schema, f);

	if ((type == FT(MESSAGE) || type == FT(ENUM) || type == FT(GROUP)) && f->type_name)
		return strip_dot(f->type_name);
	return pb_field_type_name(f);
}

char *
pb_import_field_comment(const PbSchema *schema, const PbFieldDescriptor *f)
{
	int			type = field_type(schema, f);

	if (type == FT(MESSAGE) && IS_REPEATED(f) && f->type_name)
	{
		const PbMessageInfo *entry = pb_schema_find_message(schema, f->type_name);

		if (entry && pb_import_is_map_entry(entry->desc))
		{
			const PbFieldDescriptor *k = pb_message_field_by_number(entry->desc, 1);
			const PbFieldDescriptor *v = pb_message_field_by_number(entry->desc, 2);

			if (k && v)
				return psprintf("%d: map<%s, %s>", f->number,
								proto_type(schema, k), proto_type(schema, v));
		}
	}
	return psprintf("%d: %s%s%s", f->number,
					IS_REPEATED(f) ? "repeated " : "",
					type == FT(GROUP) ? "group " : "",
					proto_type(schema, f));
}

void
pb_import_append_columns(StringInfo buf, List *columns)
{
	ListCell   *lc;
	int			last = -1;

	foreach(lc, columns)
		if (((PbImportColumn *) lfirst(lc))->type)
			last = foreach_current_index(lc);
	appendStringInfoChar(buf, '(');
	foreach(lc, columns)
	{
		PbImportColumn *c = (PbImportColumn *) lfirst(lc);

		if (c->type == NULL)
		{
			appendStringInfo(buf, "\n    -- %s", c->comment);
			continue;
		}
		appendStringInfo(buf, "\n    %s %s", quote_identifier(c->name), c->type);
		if (c->field)
			appendStringInfo(buf, " OPTIONS (field %s)", quote_literal_cstr(c->field));
		appendStringInfo(buf, "%s  -- %s",
						 foreach_current_index(lc) < last ? "," : "", c->comment);
	}
	appendStringInfoString(buf, columns != NIL ? "\n)" : ")");
}

/* ---------------------------------------------------------------------
 * Composite types
 * ---------------------------------------------------------------------
 */

PbImportTypes *
pb_import_types_create(const PbSchema *schema, bool composite, const char *nspname,
					   List **used)
{
	PbImportTypes *types = palloc0(sizeof(PbImportTypes));

	types->schema = schema;
	types->composite = composite;
	types->nspname = nspname;
	types->used = used;
	return types;
}

List *
pb_import_type_statements(const PbImportTypes *types)
{
	return types->statements;
}

/* "Outer_Inner_t", unique among the names used, qualified if asked. */
static const char *
type_reference(PbImportTypes *types, const PbMessageInfo *mi)
{
	const char *relative =
		pb_import_relative_name(mi->full_name,
								pb_import_message_package(types->schema, mi->full_name));
	char	   *base = psprintf("%s%s", relative, PB_IMPORT_TYPE_SUFFIX);
	char	   *name;

	for (char *p = base; *p; p++)
		if (*p == '.')
			*p = '_';
	name = pb_import_unique_name(base, types->used);
	if (types->nspname)
		return quote_qualified_identifier(types->nspname, name);
	return quote_identifier(name);
}

/*
 * The attributes of a message's type: one per field, named as the field
 * (composite attributes are bound by name, so a field whose name
 * PostgreSQL would cut is left out, said in a comment line).
 */
static List *
message_attributes(PbImportTypes *types, const PbMessageInfo *mi)
{
	List	   *attrs = NIL;

	for (size_t i = 0; i < mi->desc->n_field; i++)
	{
		const PbFieldDescriptor *f = mi->desc->field[i];
		PbImportColumn *a = palloc0(sizeof(PbImportColumn));
		bool		cut;

		a->comment = pb_import_field_comment(types->schema, f);
		if (strlen(f->name) >= NAMEDATALEN)
			a->comment = psprintf("left out, its name is longer than PostgreSQL keeps: \"%s\" %s",
								  f->name, a->comment);
		else
		{
			a->name = f->name;
			a->type = pb_import_column_type(types, f, &cut);
			if (cut)
				a->comment = psprintf("%s, recursive: jsonb", a->comment);
		}
		attrs = lappend(attrs, a);
	}
	return attrs;
}

/*
 * The composite type of a message, made (with the types it uses) on first
 * use; NULL while it is being made, i.e. for a field that would make it
 * contain itself.
 */
static const char *
composite_type(PbImportTypes *types, const PbMessageInfo *mi)
{
	ListCell   *lc;
	GenType    *t;
	StringInfoData buf;

	foreach(lc, types->types)
	{
		t = (GenType *) lfirst(lc);
		if (strcmp(t->message, mi->full_name) == 0)
			return t->done ? t->ref : NULL;
	}
	check_stack_depth();

	t = palloc0(sizeof(GenType));
	t->message = mi->full_name;
	t->ref = type_reference(types, mi);
	types->types = lappend(types->types, t);

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE TYPE %s AS ", t->ref);
	pb_import_append_columns(&buf, message_attributes(types, mi));
	appendStringInfo(&buf, ";  -- %s", mi->full_name);
	types->statements = lappend(types->statements, buf.data);
	t->done = true;
	return t->ref;
}
