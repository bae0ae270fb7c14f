/*-------------------------------------------------------------------------
 *
 * import.c
 *		IMPORT FOREIGN SCHEMA and protobuf_fdw_create_table().
 *
 * Both produce CREATE FOREIGN TABLE statements with one generator,
 * generate_create_table(): one column per top-level field of a message,
 * named after the field and typed by the default mapping (column_type()),
 * and the table options message, filename (with %m / %M expanded) and the
 * other options given.  The import hands the statements to PostgreSQL,
 * which runs them through the FDW's validator, so the privilege to name a
 * file is checked exactly as for a CREATE FOREIGN TABLE typed by hand; the
 * function returns the text for the user to edit.
 *
 * The remote schema of IMPORT FOREIGN SCHEMA is a protobuf package ("*" for
 * every package); a message is imported as a table named after its name
 * within the package, '.' replaced by '_' for nested messages, and LIMIT TO
 * / EXCEPT name those tables (the core filters the statements by that name
 * too, see IsImportableForeignTable()).
 *
 * The options both take are those of options.c's table marked for them;
 * options.c checks their names as the validator does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/varlena.h"

#include "import.h"
#include "options.h"
#include "schema.h"

#define FT(t) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_##t
#define IS_REPEATED(f) \
	((f)->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED)

/* The remote schema that imports every package. */
#define ALL_PACKAGES "*"

/* Left out of "*": the well-known types are building blocks, not rows. */
#define WKT_PACKAGE "google.protobuf"

/* Table names listed at most in a hint. */
#define HINT_NAMES 10

/* The options of the statements being generated. */
typedef struct GenOptions
{
	const char *descriptor_set; /* the set to read: given, else the server's */
	const char *filename;		/* a pattern: %m, %M, %% */
	List	   *copied;			/* DefElems written to every table, in order */
	List	   *seen;			/* option names given, for duplicates */
} GenOptions;

/* A message that IMPORT FOREIGN SCHEMA may import. */
typedef struct Candidate
{
	const PbMessageInfo *mi;
	const char *relative;		/* its name within the package: "Outer.Inner" */
	char	   *table_name;		/* "Outer_Inner" */
	bool		map_entry;		/* kept for error hints only: never imported */
} Candidate;

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

PG_FUNCTION_INFO_V1(protobuf_fdw_create_table);

static const char *
strip_dot(const char *name)
{
	return name[0] == '.' ? name + 1 : name;
}

/* A copy of name cut to what PostgreSQL keeps of an identifier. */
static char *
identifier_copy(const char *name)
{
	int			len = strlen(name);

	if (len >= NAMEDATALEN)
		len = pg_mbcliplen(name, len, NAMEDATALEN - 1);
	return pnstrdup(name, len);
}

static bool
is_map_entry(const PbDescriptor *msg)
{
	return msg->options && msg->options->has_map_entry && msg->options->map_entry;
}

/*
 * The package of a message: its scope with the enclosing messages taken
 * off ("imp.sub" for imp.sub.Outer.Inner).  "" if it has none.
 */
static char *
message_package(const PbSchema *schema, const char *full_name)
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

static const char *
relative_name(const char *full_name, const char *package)
{
	return package[0] ? full_name + strlen(package) + 1 : full_name;
}

/* The table a message is imported as: its name in the package, '_' for '.' */
static char *
default_table_name(const char *relative)
{
	char	   *name = identifier_copy(relative);

	for (char *p = name; *p; p++)
		if (*p == '.')
			*p = '_';
	return name;
}

/* ---------------------------------------------------------------------
 * Column types
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

static const char *
column_type(const PbSchema *schema, const PbFieldDescriptor *f)
{
	int			type = field_type(schema, f);

	if (type == FT(GROUP))
		return "jsonb";
	if (type == FT(MESSAGE))
	{
		if (!IS_REPEATED(f) && f->type_name)
		{
			const char *name = strip_dot(f->type_name);

			for (int i = 0; well_known_types[i].type_name; i++)
				if (strcmp(well_known_types[i].type_name, name) == 0)
					return well_known_types[i].sql_type;
		}
		return "jsonb";			/* messages, maps, repeated well-known types */
	}
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

/* "1: int64", "4: repeated string", "5: map<string, int64>": a column's comment */
static char *
field_comment(const PbSchema *schema, const PbFieldDescriptor *f)
{
	int			type = field_type(schema, f);

	if (type == FT(MESSAGE) && IS_REPEATED(f) && f->type_name)
	{
		const PbMessageInfo *entry = pb_schema_find_message(schema, f->type_name);

		if (entry && is_map_entry(entry->desc))
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

/* ---------------------------------------------------------------------
 * Options
 * ---------------------------------------------------------------------
 */

/*
 * Check a filename pattern and expand it for one message: %m is the
 * message's full name, %M its name within the package, %% a percent sign.
 */
static char *
expand_filename(const char *pattern, const char *full_name, const char *relative)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const char *p = pattern; *p; p++)
	{
		if (*p != '%')
		{
			appendStringInfoChar(&buf, *p);
			continue;
		}
		switch (p[1])
		{
			case 'm':
				appendStringInfoString(&buf, full_name);
				break;
			case 'M':
				appendStringInfoString(&buf, relative);
				break;
			case '%':
				appendStringInfoChar(&buf, '%');
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"filename\": \"%s\"", pattern),
						 errdetail("A \"%%\" must be followed by \"m\" (the message's full name), \"M\" (its name within the package) or \"%%\" (a percent sign).")));
		}
		p++;
	}
	return buf.data;
}

/*
 * A table option the statement ('context': PB_OPT_IMPORT or
 * PB_OPT_CREATE_TABLE) determines some other way: said so before the
 * generic "invalid option" could.
 */
static void
refuse_statement_option(const char *name, int context)
{
	bool		for_import = context == PB_OPT_IMPORT;

	if (strcmp(name, "message") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"message\" cannot be given to %s",
						for_import ? "IMPORT FOREIGN SCHEMA" : "protobuf_fdw_create_table()"),
				 for_import
				 ? errdetail("Each imported table reads the message it was generated from.")
				 : errdetail("The message is the function's second argument."),
				 for_import
				 ? errhint("Choose the messages to import with LIMIT TO or EXCEPT.")
				 : 0));
	if (strcmp(name, "container") == 0 && for_import)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"container\" cannot be given to IMPORT FOREIGN SCHEMA"),
				 errdetail("It names the repeated field of one message that holds the rows."),
				 errhint("Generate that table's statement with protobuf_fdw_create_table(), which takes the option container.")));
	if (strcmp(name, "filename") == 0 && !for_import)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"filename\" cannot be given in the options of protobuf_fdw_create_table()"),
				 errdetail("The file name is the function's third argument.")));
}

/*
 * Take one option of IMPORT FOREIGN SCHEMA (context PB_OPT_IMPORT) or of
 * protobuf_fdw_create_table() (PB_OPT_CREATE_TABLE).  options.c's table
 * says which are valid; their values are checked by the validator when the
 * generated statement runs.
 */
static void
add_option(GenOptions *go, const char *name, const char *value, int context)
{
	refuse_statement_option(name, context);
	pb_check_option(name, value, context, &go->seen);

	if (strcmp(name, "filename") == 0)
	{
		(void) expand_filename(value, "", "");	/* check the pattern now */
		go->filename = pstrdup(value);
		return;
	}
	if (strcmp(name, "descriptor_set") == 0)
		go->descriptor_set = pstrdup(value);
	go->copied = lappend(go->copied, makeDefElem(pstrdup(name),
												 (Node *) makeString(pstrdup(value)), -1));
}

/*
 * The descriptor set to read: the one given (which needs the privilege to
 * name a server file, since it is read now), else the server's.
 */
static void
resolve_descriptor_set(GenOptions *go, ForeignServer *server, const char *where)
{
	ListCell   *lc;

	if (go->descriptor_set)
	{
		pb_require_file_read_privilege("descriptor_set", where);
		return;
	}
	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "descriptor_set") == 0)
			go->descriptor_set = defGetString(def);
	}
	if (go->descriptor_set == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has no descriptor set", server->servername),
				 errhint("Set the option descriptor_set on the server, or give it in the %s.", where)));
}

/* ---------------------------------------------------------------------
 * The generator
 * ---------------------------------------------------------------------
 */

/*
 * CREATE FOREIGN TABLE for one message: a column per top-level field,
 * named as the field (with the column option "field" when PostgreSQL would
 * cut the name), each followed by a comment giving the field's number and
 * protobuf type.
 */
static char *
generate_create_table(const PbSchema *schema, const PbMessageInfo *mi,
					  const char *relative, const char *table_name,
					  const char *server_name, const GenOptions *go)
{
	const PbDescriptor *msg = mi->desc;
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (", quote_identifier(table_name));
	for (size_t i = 0; i < msg->n_field; i++)
	{
		const PbFieldDescriptor *f = msg->field[i];
		char	   *colname = identifier_copy(f->name);

		appendStringInfo(&buf, "\n    %s %s",
						 quote_identifier(colname), column_type(schema, f));
		if (strcmp(colname, f->name) != 0)
			appendStringInfo(&buf, " OPTIONS (field %s)", quote_literal_cstr(f->name));
		appendStringInfo(&buf, "%s  -- %s",
						 i + 1 < msg->n_field ? "," : "", field_comment(schema, f));
	}
	appendStringInfo(&buf, "%s)\nSERVER %s\nOPTIONS (message %s, filename %s",
					 msg->n_field > 0 ? "\n" : "",
					 quote_identifier(server_name),
					 quote_literal_cstr(mi->full_name),
					 quote_literal_cstr(expand_filename(go->filename, mi->full_name, relative)));
	foreach(lc, go->copied)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		appendStringInfo(&buf, ", %s %s",
						 quote_identifier(def->defname), quote_literal_cstr(defGetString(def)));
	}
	appendStringInfoString(&buf, ");");
	return buf.data;
}

/* ---------------------------------------------------------------------
 * IMPORT FOREIGN SCHEMA
 * ---------------------------------------------------------------------
 */

static int
compare_cstrings(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

static char *
quoted_list(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
		appendStringInfo(&buf, "%s\"%s\"", buf.len ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

/* IMPORT's options, and the descriptor set they (or the server) name. */
static void
import_options(GenOptions *go, const ImportForeignSchemaStmt *stmt, ForeignServer *server)
{
	ListCell   *lc;

	memset(go, 0, sizeof(*go));
	foreach(lc, stmt->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		add_option(go, def->defname, defGetString(def), PB_OPT_IMPORT);
	}
	if (go->filename == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"filename\" is required for IMPORT FOREIGN SCHEMA"),
				 errdetail("Every protobuf_fdw foreign table reads a file."),
				 errhint("Give it in OPTIONS, for example filename '/data/%%m.pb': in it, %%m stands for the message's full name and %%M for its name within the package.")));
	resolve_descriptor_set(go, server, "OPTIONS of IMPORT FOREIGN SCHEMA");
}

/*
 * Whether to import the messages of every package: for "*", and for a name
 * that is no package, as the "any name for all" asks.  A NOTICE
 * then says so, so that a misspelt package is noticed.
 */
static bool
imports_every_package(const PbSchema *schema, const char *want, const char *path)
{
	List	   *packages = NIL;
	List	   *names = NIL;
	ListCell   *lc;

	if (strcmp(want, ALL_PACKAGES) == 0)
		return true;
	for (int i = 0; i < schema->nmessages; i++)
		if (strcmp(message_package(schema, schema->messages[i].full_name), want) == 0)
			return false;

	for (int i = 0; i < schema->nmessages; i++)
	{
		char	   *package = message_package(schema, schema->messages[i].full_name);

		if (!list_member(packages, makeString(package)))
			packages = lappend(packages, makeString(package));
	}
	foreach(lc, packages)
		names = lappend(names, strVal(lfirst(lc)));
	list_sort(names, compare_cstrings);
	ereport(NOTICE,
			(errmsg("no package \"%s\" in descriptor set \"%s\": importing the messages of every package",
					want, path),
			 errdetail("The set holds messages of the packages %s.", quoted_list(names)),
			 errhint("Name a package to import only its messages.")));
	return true;
}

/*
 * The messages of package 'want', or of every package but google.protobuf
 * ('all'): map entries included, for the hints.
 */
static Candidate *
collect_candidates(const PbSchema *schema, const char *want, bool all, int *ncands)
{
	Candidate  *cands = palloc(sizeof(Candidate) * Max(schema->nmessages, 1));

	*ncands = 0;
	for (int i = 0; i < schema->nmessages; i++)
	{
		const PbMessageInfo *mi = &schema->messages[i];
		char	   *package = message_package(schema, mi->full_name);
		Candidate  *c;

		if (all ? strcmp(package, WKT_PACKAGE) == 0 : strcmp(package, want) != 0)
			continue;
		c = &cands[(*ncands)++];
		c->mi = mi;
		c->map_entry = is_map_entry(mi->desc);
		c->relative = relative_name(mi->full_name, package);
		c->table_name = default_table_name(c->relative);
	}
	return cands;
}

/* "LIMIT TO" or "EXCEPT", for messages about the list of tables. */
static const char *
list_clause(const ImportForeignSchemaStmt *stmt)
{
	return stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO ? "LIMIT TO" : "EXCEPT";
}

/*
 * A LIMIT TO / EXCEPT name that was meant for a message: a map entry's, a
 * nested message's written with '.', or a message's full name.
 */
static void
report_near_miss(const char *name, const char *clause, const Candidate *cands, int ncands)
{
	char	   *underscored = default_table_name(name);

	for (int i = 0; i < ncands; i++)
	{
		if (cands[i].map_entry && strcmp(cands[i].table_name, name) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("%s names \"%s\", which no message is imported as", clause, name),
					 errdetail("Message \"%s\" is the entry type of a map field: map entries are not imported.",
							   cands[i].mi->full_name)));
		if (cands[i].map_entry)
			continue;
		if (strcmp(cands[i].table_name, underscored) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("%s names \"%s\", which no message is imported as", clause, name),
					 errhint("Message \"%s\" is imported as table \"%s\": a nested message's table is named with \"_\" for \".\".",
							 cands[i].mi->full_name, cands[i].table_name)));
		if (strcmp(cands[i].mi->full_name, strip_dot(name)) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("%s names \"%s\", which no message is imported as", clause, name),
					 errhint("Message \"%s\" is imported as table \"%s\": name it without its package.",
							 cands[i].mi->full_name, cands[i].table_name)));
	}
}

/* The tables the candidates are imported as, for a hint: HINT_NAMES at most. */
static char *
imported_names(const Candidate *cands, int ncands, int *nnames)
{
	StringInfoData names;

	initStringInfo(&names);
	*nnames = 0;
	for (int i = 0; i < ncands; i++)
	{
		if (cands[i].map_entry)
			continue;
		if (*nnames < HINT_NAMES)
			appendStringInfo(&names, "%s\"%s\"", *nnames ? ", " : "", cands[i].table_name);
		(*nnames)++;
	}
	if (*nnames > HINT_NAMES)
		appendStringInfo(&names, " and %d more", *nnames - HINT_NAMES);
	return names.data;
}

/* A LIMIT TO / EXCEPT name that no message would be imported as. */
static void
report_unknown_table(const char *name, const ImportForeignSchemaStmt *stmt,
					 const char *path, const Candidate *cands, int ncands)
{
	const char *clause = list_clause(stmt);
	char	   *names;
	int			nnames;

	report_near_miss(name, clause, cands, ncands);

	names = imported_names(cands, ncands, &nnames);
	if (strcmp(stmt->remote_schema, ALL_PACKAGES) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("%s names \"%s\", which no message is imported as", clause, name),
				 nnames > 0
				 ? errhint("The messages of descriptor set \"%s\" are imported as: %s.", path, names)
				 : errhint("Descriptor set \"%s\" has no message to import.", path)));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
			 errmsg("%s names \"%s\", which no message is imported as", clause, name),
			 nnames > 0
			 ? errhint("The messages of package \"%s\" are imported as: %s.", stmt->remote_schema, names)
			 : errhint("Package \"%s\" has no message to import.", stmt->remote_schema)));
}

/* A name in LIMIT TO or EXCEPT that matches nothing is a mistake. */
static void
check_table_list(const ImportForeignSchemaStmt *stmt, const char *path,
				 const Candidate *cands, int ncands)
{
	ListCell   *lc;

	foreach(lc, stmt->table_list)
	{
		const char *name = ((RangeVar *) lfirst(lc))->relname;
		bool		found = false;

		for (int i = 0; i < ncands && !found; i++)
			found = !cands[i].map_entry && strcmp(cands[i].table_name, name) == 0;
		if (!found)
			report_unknown_table(name, stmt, path, cands, ncands);
	}
}

static bool
table_listed(const char *table_name, List *table_list)
{
	ListCell   *lc;

	foreach(lc, table_list)
		if (strcmp(((RangeVar *) lfirst(lc))->relname, table_name) == 0)
			return true;
	return false;
}

/* Whether to import candidate c: no map entry, and kept by LIMIT TO / EXCEPT. */
static bool
is_imported(const Candidate *c, const ImportForeignSchemaStmt *stmt)
{
	if (c->map_entry)
		return false;
	if (stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO)
		return table_listed(c->table_name, stmt->table_list);
	if (stmt->list_type == FDW_IMPORT_SCHEMA_EXCEPT)
		return !table_listed(c->table_name, stmt->table_list);
	return true;
}

/* Two messages, one table name (other packages, or "A_B" and "A.B"). */
static void
check_unique_table_name(const Candidate *cands, int i)
{
	for (int j = 0; j < i; j++)
		if (!cands[j].map_entry && strcmp(cands[j].table_name, cands[i].table_name) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("messages \"%s\" and \"%s\" would both be imported as table \"%s\"",
							cands[j].mi->full_name, cands[i].mi->full_name, cands[i].table_name),
					 errhint("Import one package at a time, each into its own schema, or leave the table out with EXCEPT and generate each statement with protobuf_fdw_create_table(), which takes a table name.")));
}

/*
 * pb_import_foreign_schema
 *		The FDW's ImportForeignSchema callback: a CREATE FOREIGN TABLE per message
 *
 * Reads IMPORT's options, loads the descriptor set, finds the messages of
 * the remote schema (a package, or all), checks LIMIT TO / EXCEPT against
 * them and generates a statement for each message kept.
 */
List *
pb_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	GenOptions	go;
	const PbSchema *schema;
	bool		all;
	Candidate  *cands;
	int			ncands;
	List	   *commands = NIL;

	import_options(&go, stmt, server);
	schema = pb_schema_load(go.descriptor_set);
	all = imports_every_package(schema, stmt->remote_schema, go.descriptor_set);
	cands = collect_candidates(schema, stmt->remote_schema, all, &ncands);
	check_table_list(stmt, go.descriptor_set, cands, ncands);

	for (int i = 0; i < ncands; i++)
	{
		if (!is_imported(&cands[i], stmt))
			continue;
		check_unique_table_name(cands, i);
		commands = lappend(commands,
						   generate_create_table(schema, cands[i].mi, cands[i].relative,
												 cands[i].table_name, server->servername, &go));
	}
	return commands;
}

/* ---------------------------------------------------------------------
 * protobuf_fdw_create_table(server name, message text, filename text,
 *                           table_name text DEFAULT NULL, options jsonb DEFAULT NULL)
 * ---------------------------------------------------------------------
 */

static void
require_argument(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" of protobuf_fdw_create_table() must not be null", name)));
}

/* The options given as a JSON object of option names to strings (or numbers). */
static void
add_json_options(GenOptions *go, Jsonb *jb)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"options\" of protobuf_fdw_create_table() must be a JSON object"),
				 errhint("For example: options => '{\"framing\": \"delimited\", \"max_message_size\": \"128MB\"}'.")));

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *value;

		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		if (v.type == jbvString)
			value = pnstrdup(v.val.string.val, v.val.string.len);
		else if (v.type == jbvNumeric)
			value = DatumGetCString(DirectFunctionCall1(numeric_out,
														NumericGetDatum(v.val.numeric)));
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of option \"%s\" must be a JSON string or number", key)));
		add_option(go, key, value, PB_OPT_CREATE_TABLE);
	}
}

/* The server named: one the user may use, of protobuf_fdw. */
static ForeignServer *
usable_server(const char *name)
{
	ForeignServer *server = GetForeignServerByName(name, false);
	ForeignDataWrapper *fdw;
	AclResult	aclresult;

	aclresult = pg_foreign_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	fdw = GetForeignDataWrapper(server->fdwid);
	if (!OidIsValid(fdw->fdwhandler) ||
		GetFdwRoutine(fdw->fdwhandler)->ImportForeignSchema != pb_import_foreign_schema)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" does not belong to protobuf_fdw", server->servername),
				 errdetail("Its foreign-data wrapper is \"%s\".", fdw->fdwname)));
	return server;
}

/* The table name given (cut as PostgreSQL cuts it), or NULL's default. */
static char *
table_name_argument(FunctionCallInfo fcinfo, int n, const char *relative)
{
	char	   *table_name;

	if (PG_ARGISNULL(n))
		return default_table_name(relative);
	table_name = text_to_cstring(PG_GETARG_TEXT_PP(n));
	if (table_name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"table_name\" of protobuf_fdw_create_table() must not be empty")));
	return identifier_copy(table_name);
}

/*
 * protobuf_fdw_create_table
 *		The CREATE FOREIGN TABLE statement of one message, as text to edit
 */
Datum
protobuf_fdw_create_table(PG_FUNCTION_ARGS)
{
	ForeignServer *server;
	GenOptions	go;
	const PbSchema *schema;
	const PbMessageInfo *mi;
	const char *relative;
	char	   *table_name;

	require_argument(fcinfo, 0, "server");
	require_argument(fcinfo, 1, "message");
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"filename\" of protobuf_fdw_create_table() must not be null"),
				 errdetail("Every protobuf_fdw foreign table reads a file."),
				 errhint("In the file name, %%m stands for the message's full name and %%M for its name within the package.")));

	server = usable_server(NameStr(*PG_GETARG_NAME(0)));

	memset(&go, 0, sizeof(go));
	/* the third argument is the option filename, checked as IMPORT's is */
	add_option(&go, "filename", text_to_cstring(PG_GETARG_TEXT_PP(2)), PB_OPT_IMPORT);
	if (!PG_ARGISNULL(4))
		add_json_options(&go, PG_GETARG_JSONB_P(4));
	resolve_descriptor_set(&go, server, "options of protobuf_fdw_create_table()");
	schema = pb_schema_load(go.descriptor_set);
	mi = pb_schema_require_message(schema, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	relative = relative_name(mi->full_name, message_package(schema, mi->full_name));
	table_name = table_name_argument(fcinfo, 3, relative);

	PG_RETURN_TEXT_P(cstring_to_text(generate_create_table(schema, mi, relative, table_name,
														   server->servername, &go)));
}
