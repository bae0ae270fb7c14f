/*-------------------------------------------------------------------------
 *
 * import.c
 *		IMPORT FOREIGN SCHEMA and protobuf_fdw_create_table().
 *
 * Both produce CREATE FOREIGN TABLE statements with one generator,
 * generate_create_table(): one column per top-level field of a message,
 * named after the field and typed as import_types.c says, and the table
 * options message, filename (with %m / %M expanded) and the other options
 * given.  The import hands the statements to PostgreSQL, which runs them
 * through the FDW's validator, so the privilege to name a file is checked
 * exactly as for a CREATE FOREIGN TABLE typed by hand; the function returns
 * the text for the user to edit.
 *
 * With a container path (the function's option container), the table also
 * gets a column per non-repeated field of each ancestor of the rows (the
 * root and every step but the last): field 'STEP/field' or '/field', see
 * container.h.  With composite_types, nested messages are composite types:
 * the function's text starts with their CREATE TYPE statements; the import
 * runs those itself before returning its tables' statements, since
 * PostgreSQL accepts nothing but CREATE FOREIGN TABLE from an import.
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
#include "executor/spi.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/varlena.h"

#include "container.h"
#include "import.h"
#include "import_types.h"
#include "options.h"
#include "schema.h"

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
	const char *descriptor;		/* else the server's option descriptor (base64) */
	const char *set_name;		/* the set, for messages */
	const char *filename;		/* a pattern: %m, %M, %% */
	const char *container;		/* the container path, or NULL */
	bool		composite_types;	/* nested messages as composite types */
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

PG_FUNCTION_INFO_V1(protobuf_fdw_create_table);

static const char *
strip_dot(const char *name)
{
	return name[0] == '.' ? name + 1 : name;
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
	if (strcmp(name, "filename") == 0 && !for_import)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"filename\" cannot be given in the options of protobuf_fdw_create_table()"),
				 errdetail("The file name is the function's third argument.")));
}

/*
 * Take one option of IMPORT FOREIGN SCHEMA (context PB_OPT_IMPORT) or of
 * protobuf_fdw_create_table() (PB_OPT_CREATE_TABLE).  options.c's table
 * says which are valid; the values of the table options are checked by the
 * validator when the generated statement runs, composite_types (the
 * generator's own) now.
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
	if (strcmp(name, "composite_types") == 0)
	{
		if (!parse_bool(value, &go->composite_types))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"composite_types\": \"%s\"", value),
					 errhint("Use a boolean: true or false.")));
		return;
	}
	if (strcmp(name, "descriptor_set") == 0)
		go->descriptor_set = pstrdup(value);
	if (strcmp(name, "container") == 0)
		go->container = pstrdup(value);
	go->copied = lappend(go->copied, makeDefElem(pstrdup(name),
												 (Node *) makeString(pstrdup(value)), -1));
}

/*
 * The descriptor set to read: the one given (which needs the privilege to
 * name a server file, since it is read now), else the server's file or its
 * option descriptor (the two are exclusive).
 */
static void
resolve_descriptor_set(GenOptions *go, ForeignServer *server, const char *where)
{
	ListCell   *lc;

	if (go->descriptor_set)
	{
		pb_require_file_read_privilege("descriptor_set", where);
		go->set_name = go->descriptor_set;
		return;
	}
	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "descriptor_set") == 0)
			go->descriptor_set = defGetString(def);
		else if (strcmp(def->defname, "descriptor") == 0)
			go->descriptor = defGetString(def);
	}
	if (go->descriptor_set == NULL && go->descriptor == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has no descriptor set", server->servername),
				 errhint("Set the option descriptor_set or descriptor on the server, or give descriptor_set in the %s.", where)));
	go->set_name = go->descriptor_set ? go->descriptor_set :
		psprintf("descriptor of server %s", server->servername);
}

/* ---------------------------------------------------------------------
 * The generator
 * ---------------------------------------------------------------------
 */

/* What the statements of one call share. */
typedef struct Generator
{
	const PbSchema *schema;
	const GenOptions *go;
	const char *server_name;
	PbImportTypes *types;		/* the composite types made so far */
} Generator;

/* Name endings that suggest an integer counts time since 1970, and the unit each means. */
static const struct
{
	const char *suffix;
	const char *unit;
}			time_suffixes[] = {
	{"_unix_nano", "ns"}, {"_unix_nanos", "ns"}, {"_ns", "ns"},
	{"_unix_micros", "us"}, {"_micros", "us"}, {"_us", "us"},
	{"_ms", "ms"}, {"_millis", "ms"},
	{"_unix", "s"}, {"_unix_seconds", "s"}, {"_unix_secs", "s"}, {"_epoch_seconds", "s"},
};

/*
 * A field's comment, and for an integer field named like a Unix time
 * (start_time_unix_nano, created_ms) the column option that reads it as
 * timestamptz: a suggestion, since latency_ms counts no time since 1970.
 */
static char *
field_comment(const PbSchema *schema, const PbFieldDescriptor *f)
{
	char	   *comment = pb_import_field_comment(schema, f);
	size_t		len = strlen(f->name);

	switch (f->type)
	{
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT32:
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT64:
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT32:
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT64:
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT32:
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT64:
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED32:
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED64:
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED32:
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED64:
			break;
		default:
			return comment;
	}
	for (int i = 0; i < lengthof(time_suffixes); i++)
	{
		size_t		slen = strlen(time_suffixes[i].suffix);

		if (len > slen && pg_strcasecmp(f->name + len - slen, time_suffixes[i].suffix) == 0)
			return psprintf("%s; option unit '%s' reads it as timestamptz", comment,
							time_suffixes[i].unit);
	}
	return comment;
}

/*
 * The columns of the row message's fields: named as the field (with the
 * column option "field" when the name had to change: cut as PostgreSQL
 * cuts it, or made unique), a comment giving its number and protobuf type.
 */
static List *
row_columns(Generator *g, const PbDescriptor *msg, List **used)
{
	List	   *cols = NIL;

	for (size_t i = 0; i < msg->n_field; i++)
	{
		const PbFieldDescriptor *f = msg->field[i];
		PbImportColumn *c = palloc0(sizeof(PbImportColumn));
		bool		cut;

		c->name = pb_import_unique_name(f->name, used);
		c->type = pb_import_column_type(g->types, f, &cut);
		c->field = strcmp(c->name, f->name) != 0 ? f->name : NULL;
		c->comment = field_comment(g->schema, f);
		cols = lappend(cols, c);
	}
	return cols;
}

/* Whether an ancestor's field gets a column: not repeated, or a map. */
static bool
ancestor_field_wanted(const PbSchema *schema, const PbFieldDescriptor *f)
{
	const PbMessageInfo *entry;

	if (!IS_REPEATED(f))
		return true;
	entry = f->type_name ? pb_schema_find_message(schema, f->type_name) : NULL;
	return entry != NULL && pb_import_is_map_entry(entry->desc);
}

static bool
step_is_ambiguous(const PbContainerPath *cp, int step)
{
	for (int i = 0; i < cp->nsteps; i++)
		if (i != step && strcmp(cp->step_names[i], cp->step_names[step]) == 0)
			return true;
	return false;
}

/*
 * The columns of one ancestor of the rows ('step' -1 for the root, else a
 * step of the path but the last): one per field that is not repeated (maps
 * included) and not the path's next step, named <step>_<field> (root_<field>),
 * reading field 'STEP/field' ('/field').  A step whose name another step
 * has cannot be named in a field option: its fields get a comment line.
 */
static List *
ancestor_columns(Generator *g, const PbContainerPath *cp, int step, List **used)
{
	const PbMessageInfo *owner = step < 0 ? cp->root : cp->step_messages[step];
	const char *prefix = step < 0 ? "root" : cp->step_names[step];
	const char *from = step < 0 ? "" : cp->step_names[step];
	uint32		next = cp->steps[step + 1].field;
	List	   *cols = NIL;

	if (step >= 0 && step_is_ambiguous(cp, step))
	{
		PbImportColumn *c = palloc0(sizeof(PbImportColumn));

		c->comment = psprintf("no columns for step %s: another step of the path has its name", prefix);
		return list_make1(c);
	}
	for (size_t i = 0; i < owner->desc->n_field; i++)
	{
		const PbFieldDescriptor *f = owner->desc->field[i];
		PbImportColumn *c;
		bool		cut;

		if (f->number == (int) next || !ancestor_field_wanted(g->schema, f))
			continue;
		c = palloc0(sizeof(PbImportColumn));
		c->name = pb_import_unique_name(psprintf("%s_%s", prefix, f->name), used);
		c->type = pb_import_column_type(g->types, f, &cut);
		c->field = psprintf("%s/%s", from, f->name);
		c->comment = psprintf("from %s, %s", step < 0 ? "the root" : prefix,
							  field_comment(g->schema, f));
		cols = lappend(cols, c);
	}
	return cols;
}

/*
 * The columns of a table: with a container path, the ancestors' (the root's
 * first) before the row message's; the row's fields name their columns
 * first, so an ancestor's column takes the suffix when two names meet.
 */
static List *
table_columns(Generator *g, const PbMessageInfo *mi, const PbContainerPath *cp)
{
	List	   *used = NIL;
	List	   *rows = row_columns(g, mi->desc, &used);
	List	   *cols = NIL;

	if (cp == NULL)
		return rows;
	for (int step = -1; step < cp->nsteps - 1; step++)
		cols = list_concat(cols, ancestor_columns(g, cp, step, &used));
	return list_concat(cols, rows);
}

/*
 * CREATE FOREIGN TABLE for one message (the rows of a container path when
 * cp is given): its columns, each followed by a comment saying where it
 * comes from, and the table options.
 */
static char *
generate_create_table(Generator *g, const PbMessageInfo *mi, const PbContainerPath *cp,
					  const char *relative, const char *table_name)
{
	const GenOptions *go = g->go;
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s ", quote_identifier(table_name));
	pb_import_append_columns(&buf, table_columns(g, mi, cp));
	appendStringInfo(&buf, "\nSERVER %s\nOPTIONS (message %s, filename %s",
					 quote_identifier(g->server_name),
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
		if (strcmp(pb_import_message_package(schema, schema->messages[i].full_name), want) == 0)
			return false;

	for (int i = 0; i < schema->nmessages; i++)
	{
		char	   *package = pb_import_message_package(schema, schema->messages[i].full_name);

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
		char	   *package = pb_import_message_package(schema, mi->full_name);
		Candidate  *c;

		if (all ? strcmp(package, WKT_PACKAGE) == 0 : strcmp(package, want) != 0)
			continue;
		c = &cands[(*ncands)++];
		c->mi = mi;
		c->map_entry = pb_import_is_map_entry(mi->desc);
		c->relative = pb_import_relative_name(mi->full_name, package);
		c->table_name = pb_import_default_name(c->relative);
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
	char	   *underscored = pb_import_default_name(name);

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
 * Run the CREATE TYPE statements of composite_types.  PostgreSQL takes
 * only CREATE FOREIGN TABLE statements from an import (it parses each
 * string and refuses any other statement), so the types the tables use
 * are created here, in the import's schema and transaction, before
 * PostgreSQL creates the tables.
 */
static void
create_types(List *statements)
{
	ListCell   *lc;

	if (statements == NIL)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	foreach(lc, statements)
		if (SPI_execute((const char *) lfirst(lc), false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "SPI_execute failed: %s", (const char *) lfirst(lc));
	SPI_finish();
}

/*
 * import_container
 *		IMPORT FOREIGN SCHEMA with a container path: one table, of its rows
 *
 * The table is named after the path's last step ("spans") and reads the
 * rows with their ancestors' columns, as protobuf_fdw_create_table() writes
 * it.  The remote schema must be the root message's package (or "*"); LIMIT
 * TO and EXCEPT name that one table.
 */
static List *
import_container(Generator *g, const ImportForeignSchemaStmt *stmt)
{
	const PbContainerPath *cp = pb_container_resolve(g->schema, g->go->container);
	const PbMessageInfo *row = pb_container_row_message(cp);
	char	   *package = pb_import_message_package(g->schema, cp->root->full_name);
	char	   *table_name = pb_import_default_name(cp->step_names[cp->nsteps - 1]);
	List	   *used = list_make1(table_name);
	bool		listed = table_listed(table_name, stmt->table_list);
	char	   *command;

	if (strcmp(stmt->remote_schema, ALL_PACKAGES) != 0 &&
		strcmp(stmt->remote_schema, package) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("the root of container \"%s\" is not in package \"%s\"",
						g->go->container, stmt->remote_schema),
				 errdetail("Its root message \"%s\" is in package \"%s\".",
						   cp->root->full_name, package),
				 errhint("Write IMPORT FOREIGN SCHEMA \"%s\" (or \"*\").", package)));
	if (stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO && list_length(stmt->table_list) != (listed ? 1 : 0))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("IMPORT FOREIGN SCHEMA with container \"%s\" imports one table, \"%s\"",
						g->go->container, table_name),
				 errhint("Leave LIMIT TO out, or name only \"%s\".", table_name)));
	if ((stmt->list_type == FDW_IMPORT_SCHEMA_EXCEPT && listed))
		return NIL;
	g->types = pb_import_types_create(g->schema, g->go->composite_types, stmt->local_schema, &used);
	command = generate_create_table(g, row, cp,
									pb_import_relative_name(row->full_name,
															pb_import_message_package(g->schema, row->full_name)),
									table_name);
	create_types(pb_import_type_statements(g->types));
	return list_make1(command);
}

/*
 * pb_import_foreign_schema
 *		The FDW's ImportForeignSchema callback: a CREATE FOREIGN TABLE per message
 *
 * Reads IMPORT's options, loads the descriptor set, finds the messages of
 * the remote schema (a package, or all), checks LIMIT TO / EXCEPT against
 * them and generates a statement for each message kept; with
 * composite_types it creates the types those statements use.
 */
List *
pb_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	GenOptions	go;
	Generator	g;
	bool		all;
	Candidate  *cands;
	int			ncands;
	List	   *used = NIL;
	List	   *commands = NIL;

	import_options(&go, stmt, server);
	g.schema = pb_schema_load_either(go.descriptor_set, go.descriptor);
	g.go = &go;
	g.server_name = server->servername;
	if (go.container)
		return import_container(&g, stmt);
	all = imports_every_package(g.schema, stmt->remote_schema, go.set_name);
	cands = collect_candidates(g.schema, stmt->remote_schema, all, &ncands);
	check_table_list(stmt, go.set_name, cands, ncands);

	for (int i = 0; i < ncands; i++)
		if (is_imported(&cands[i], stmt))
			used = lappend(used, cands[i].table_name);
	g.types = pb_import_types_create(g.schema, go.composite_types, stmt->local_schema, &used);
	for (int i = 0; i < ncands; i++)
	{
		if (!is_imported(&cands[i], stmt))
			continue;
		check_unique_table_name(cands, i);
		commands = lappend(commands,
						   generate_create_table(&g, cands[i].mi, NULL, cands[i].relative,
												 cands[i].table_name));
	}
	create_types(pb_import_type_statements(g.types));
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

/* The options that take a boolean, which JSON may also write as true or false. */
static bool
is_boolean_option(const char *name)
{
	return strcmp(name, "composite_types") == 0 || strcmp(name, "verify_crc") == 0;
}

/*
 * The options given as a JSON object of option names to strings (or
 * numbers, or booleans for the options that take one).
 */
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
		else if (v.type == jbvBool && is_boolean_option(key))
			value = v.val.boolean ? "true" : "false";
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
		return pb_import_default_name(relative);
	table_name = text_to_cstring(PG_GETARG_TEXT_PP(n));
	if (table_name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"table_name\" of protobuf_fdw_create_table() must not be empty")));
	return pb_import_identifier(table_name);
}

/*
 * The container path of the options, resolved; NULL without one.  The
 * message argument names the rows, so it must be the path's row message.
 */
static const PbContainerPath *
resolve_container(const PbSchema *schema, const GenOptions *go, const PbMessageInfo *mi)
{
	const PbContainerPath *cp;
	const PbMessageInfo *row;

	if (go->container == NULL)
		return NULL;
	cp = pb_container_resolve(schema, go->container);
	row = pb_container_row_message(cp);
	if (strcmp(row->full_name, mi->full_name) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the rows of container \"%s\" are messages \"%s\", not \"%s\"",
						go->container, row->full_name, mi->full_name),
				 errhint("Give \"%s\" as the argument \"message\".", row->full_name)));
	return cp;
}

/*
 * protobuf_fdw_create_table
 *		The CREATE FOREIGN TABLE statement of one message, as text to edit
 *
 * With composite_types, the CREATE TYPE statements its columns use come
 * first, unqualified as the table is: created where the search path puts
 * them.
 */
Datum
protobuf_fdw_create_table(PG_FUNCTION_ARGS)
{
	ForeignServer *server;
	GenOptions	go;
	Generator	g;
	const PbMessageInfo *mi;
	const char *relative;
	char	   *table_name;
	char	   *table;
	List	   *used;
	StringInfoData buf;
	ListCell   *lc;

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
	g.schema = pb_schema_load_either(go.descriptor_set, go.descriptor);
	g.go = &go;
	g.server_name = server->servername;
	mi = pb_schema_require_message(g.schema, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	relative = pb_import_relative_name(mi->full_name,
									   pb_import_message_package(g.schema, mi->full_name));
	table_name = table_name_argument(fcinfo, 3, relative);

	used = list_make1(table_name);
	g.types = pb_import_types_create(g.schema, go.composite_types, NULL, &used);
	table = generate_create_table(&g, mi, resolve_container(g.schema, &go, mi),
								  relative, table_name);
	initStringInfo(&buf);
	foreach(lc, pb_import_type_statements(g.types))
		appendStringInfo(&buf, "%s\n", (const char *) lfirst(lc));
	appendStringInfoString(&buf, table);
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}
