/*-------------------------------------------------------------------------
 *
 * options.c
 *		The option table, the validator, and reading options back.
 *
 * Modelled on contrib/file_fdw: every option is checked when it is set
 * (CREATE/ALTER), including the privilege to name a server-side file, so a
 * table that exists has options that were valid and allowed when set.
 *
 * Every option is one entry of pb_options[]; the validator, the readers,
 * the hints listing valid options and the options IMPORT FOREIGN SCHEMA and
 * protobuf_fdw_create_table() take are all derived from it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/varlena.h"

#include "options.h"
#include "schema.h"
#include "stream/input.h"

/* The options of one catalog entry, parsed: what the readers return. */
typedef struct PbOptionValues
{
	PbTableOptions table;		/* a server's and a foreign table's */
	char	   *field;			/* a column's */
	PbMetaKind	meta;
	char	   *meta_step;		/* PB_META_INDEX: "" or the STEP of 'STEP/index' */
	char	   *unit;			/* a column's: "s", "ms", "us" or "ns" */
	PbAbsent	absent;			/* a table's or a column's; PB_ABSENT_UNSET if not given */
} PbOptionValues;

/* The privilege needed to set an option on a server or table. */
typedef enum PbOptionPrivilege
{
	PB_PRIV_NONE,
	PB_PRIV_READ_SERVER_FILES,	/* it names a file the server reads */
	PB_PRIV_EXECUTE_SERVER_PROGRAM	/* it runs a program on the server */
} PbOptionPrivilege;

/* The options given in a statement, rather than stored in a catalog. */
#define PB_OPT_STATEMENTS (PB_OPT_IMPORT | PB_OPT_CREATE_TABLE)

typedef struct PbOption
{
	const char *name;
	int			contexts;		/* PB_OPT_* bits: where it may be given */
	int			stmt_rank;		/* its place in the statements' hint */
	PbOptionPrivilege privilege;
	/* check a (non-empty) value, or fail; store it into *values */
	void		(*parse) (char *value, PbOptionValues *values);
} PbOption;

static void parse_descriptor_set(char *value, PbOptionValues *values);
static void parse_descriptor(char *value, PbOptionValues *values);
static void parse_filename(char *value, PbOptionValues *values);
static void parse_program(char *value, PbOptionValues *values);
static void parse_compression(char *value, PbOptionValues *values);
static void parse_verify_crc(char *value, PbOptionValues *values);
static void parse_on_error(char *value, PbOptionValues *values);
static void parse_reject_limit(char *value, PbOptionValues *values);
static void parse_message(char *value, PbOptionValues *values);
static void parse_framing(char *value, PbOptionValues *values);
static void parse_container(char *value, PbOptionValues *values);
static void parse_max_message_size(char *value, PbOptionValues *values);
static void parse_field(char *value, PbOptionValues *values);
static void parse_meta(char *value, PbOptionValues *values);
static void parse_composite_types(char *value, PbOptionValues *values);
static void parse_unit(char *value, PbOptionValues *values);
static void parse_absent(char *value, PbOptionValues *values);

#define SRV PB_OPT_SERVER
#define TBL PB_OPT_TABLE
#define COL PB_OPT_COLUMN
#define IMP PB_OPT_IMPORT
#define FUN PB_OPT_CREATE_TABLE

/*
 * Every option of protobuf_fdw.  Adding an option touches one place: its
 * entry here and its parser (and, if it constrains other options, the
 * checks of check_table_options() or check_column_options()).
 *
 * The order is the one the hint listing the options valid on a server,
 * table or column gives.  The hint of IMPORT FOREIGN SCHEMA and
 * protobuf_fdw_create_table() lists theirs in another order, stmt_rank
 * (1, 2, ...; 0 for an option neither takes), kept as released.  Both take
 * every table option but message (each table's own); IMPORT takes no
 * container (it names a field of one message) and the function takes its
 * filename as an argument; import.c says so when they are given.  Neither
 * takes program.  The values they take are checked when the generated
 * statement runs (or, for the function, by the user running it).
 */
static const PbOption pb_options[] = {
	{"descriptor_set", SRV | TBL | IMP | FUN, 1, PB_PRIV_READ_SERVER_FILES, parse_descriptor_set},
	{"filename", TBL | IMP, 2, PB_PRIV_READ_SERVER_FILES, parse_filename},
	{"program", TBL, 0, PB_PRIV_EXECUTE_SERVER_PROGRAM, parse_program},
	{"compression", TBL | IMP | FUN, 5, PB_PRIV_NONE, parse_compression},
	{"verify_crc", TBL | IMP | FUN, 6, PB_PRIV_NONE, parse_verify_crc},
	{"on_error", TBL | IMP | FUN, 7, PB_PRIV_NONE, parse_on_error},
	{"reject_limit", TBL | IMP | FUN, 8, PB_PRIV_NONE, parse_reject_limit},
	{"message", TBL, 0, PB_PRIV_NONE, parse_message},
	{"framing", TBL | IMP | FUN, 3, PB_PRIV_NONE, parse_framing},
	{"container", TBL | IMP | FUN, 9, PB_PRIV_NONE, parse_container},
	{"max_message_size", TBL | IMP | FUN, 4, PB_PRIV_NONE, parse_max_message_size},
	{"field", COL, 0, PB_PRIV_NONE, parse_field},
	{"meta", COL, 0, PB_PRIV_NONE, parse_meta},
	{"unit", COL, 0, PB_PRIV_NONE, parse_unit},
	{"composite_types", IMP | FUN, 10, PB_PRIV_NONE, parse_composite_types},
	{"absent", TBL | COL | IMP | FUN, 11, PB_PRIV_NONE, parse_absent},
	{"descriptor", SRV, 0, PB_PRIV_NONE, parse_descriptor},
};

#undef SRV
#undef TBL
#undef COL
#undef IMP
#undef FUN

PG_FUNCTION_INFO_V1(protobuf_fdw_validator);

/* ---------------------------------------------------------------------
 * The values: one parser per option
 * ---------------------------------------------------------------------
 */

static char *
strip_dot(char *name)
{
	return name[0] == '.' ? name + 1 : name;
}

static void
parse_descriptor_set(char *value, PbOptionValues *values)
{
	values->table.descriptor_set = value;
}

/* Only stored: the validator parses the set once, when the option is set. */
static void
parse_descriptor(char *value, PbOptionValues *values)
{
	values->table.descriptor = value;
}

static void
parse_filename(char *value, PbOptionValues *values)
{
	values->table.filename = value;
}

static void
parse_program(char *value, PbOptionValues *values)
{
	values->table.program = value;
}

static void
parse_compression(char *value, PbOptionValues *values)
{
	int			c = pb_compression_parse(value);

	if (c < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"compression\": \"%s\"", value),
				 errhint("Valid values are \"auto\" (detect gzip and zstd by their magic bytes), \"none\", \"gzip\" and \"zstd\".")));
	values->table.compression = c;
}

static void
parse_verify_crc(char *value, PbOptionValues *values)
{
	if (!parse_bool(value, &values->table.verify_crc))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"verify_crc\": \"%s\"", value),
				 errhint("Use a boolean: true or false.")));
}

static void
parse_on_error(char *value, PbOptionValues *values)
{
	if (strcmp(value, "stop") == 0)
		values->table.on_error_skip = false;
	else if (strcmp(value, "skip") == 0)
		values->table.on_error_skip = true;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"on_error\": \"%s\"", value),
				 errhint("Valid values are \"stop\" (the first bad message is an error) and \"skip\" (bad messages are skipped and counted).")));
}

static void
parse_reject_limit(char *value, PbOptionValues *values)
{
	char	   *end;
	long long	n;

	errno = 0;
	n = strtoll(value, &end, 10);
	if (errno != 0 || *end != '\0' || end == value || n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"reject_limit\": \"%s\"", value),
				 errdetail("The value must be a positive integer: the number of bad messages tolerated.")));
	values->table.reject_limit = (int64) n;
}

static void
parse_message(char *value, PbOptionValues *values)
{
	values->table.message = strip_dot(value);
}

static void
parse_framing(char *value, PbOptionValues *values)
{
	int			k = pb_framing_parse(value);

	if (k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"framing\": \"%s\"", value),
				 errhint("Valid values are \"delimited\" (a varint length before each message), \"container\" (the file is one message whose repeated field holds the rows), \"fixed32be\" and \"fixed32le\" (a 4-byte length before each message), \"tfrecord\" and \"single\" (the file is one message).")));
	values->table.framing = (PbFramingKind) k;
}

static void
parse_container(char *value, PbOptionValues *values)
{
	char	   *message;
	char	   *field;

	pb_split_container(value, &message, &field);
	values->table.container = strip_dot(value);
}

static void
parse_max_message_size(char *value, PbOptionValues *values)
{
	int			result;
	const char *hintmsg = NULL;

	if (!parse_int(value, &result, GUC_UNIT_BYTE, &hintmsg) || result < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"max_message_size\": \"%s\"", value),
				 errdetail("The value must be a number of bytes from 1 to 2147483647 (2 GiB - 1), optionally with a unit (kB, MB, GB)."),
				 hintmsg ? errhint("%s", _(hintmsg)) : 0));
	values->table.max_message_size = result;
}

static void
parse_field(char *value, PbOptionValues *values)
{
	/* a path is resolved against the message when a scan binds the column */
	values->field = value;
}

static void
parse_meta(char *value, PbOptionValues *values)
{
	if (strcmp(value, "filename") == 0)
		values->meta = PB_META_FILENAME;
	else if (strcmp(value, "offset") == 0)
		values->meta = PB_META_OFFSET;
	else if (strcmp(value, "ordinal") == 0)
		values->meta = PB_META_ORDINAL;
	else if (strcmp(value, "index") == 0)
	{
		values->meta = PB_META_INDEX;
		values->meta_step = "";
	}
	else if (strlen(value) > 6 && strcmp(value + strlen(value) - 6, "/index") == 0 &&
			 strchr(value, '/') == value + strlen(value) - 6 && value[0] != '/')
	{
		/* the STEP is checked against the container path when a scan binds it */
		values->meta = PB_META_INDEX;
		values->meta_step = pnstrdup(value, strlen(value) - 6);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"meta\": \"%s\"", value),
				 errhint("Valid values are \"filename\" (text), \"offset\" (bigint: the message's byte offset), \"ordinal\" (bigint: its number within the file), \"index\" (bigint: the row element's position in its parent's repeated field) and \"STEP/index\" (an ancestor's position, STEP a step of the container path).")));
}

/* The generators' own option (import.c reads it): no table stores it. */
static void
parse_composite_types(char *value, PbOptionValues *values)
{
	bool		composite;

	if (!parse_bool(value, &composite))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"composite_types\": \"%s\"", value),
				 errhint("Use a boolean: true or false.")));
}

/*
 * "pkg.Root.f1[.f2...]" -> the name before the last dot and the last step
 * (pointers into a copy); a value without a dot or with an empty step is
 * refused.
 */
void
pb_split_container(const char *value, char **message, char **field)
{
	char	   *copy = pstrdup(value[0] == '.' ? value + 1 : value);
	char	   *dot = strrchr(copy, '.');

	if (dot == NULL || dot == copy || dot[1] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"container\": \"%s\"", value),
				 errdetail("The value names a repeated message field as <container message full name>.<field name>."),
				 errhint("For example: container 'bench.Batch.events'.")));
	if (strstr(copy, "..") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"container\": \"%s\"", value),
				 errdetail("The container path has an empty step."),
				 errhint("For example: container 'bench.Batch.events'.")));
	*dot = '\0';
	*message = copy;
	*field = dot + 1;
}

/* Every option's default. */
static void
init_option_values(PbOptionValues *values)
{
	memset(values, 0, sizeof(*values));
	values->table.framing = PB_FRAMING_DELIMITED;
	values->table.compression = PB_COMPRESSION_AUTO;
	values->table.verify_crc = true;
	values->table.max_message_size = PB_DEFAULT_MAX_MESSAGE_SIZE;
	values->meta = PB_META_NONE;
}

/*
 * pb_parse_absent
 *		The value of the option absent: what an absent field with presence
 *		reads as, NULL or its declared default (COPY FROM takes it too).
 */
PbAbsent
pb_parse_absent(const char *value)
{
	if (strcmp(value, "null") == 0)
		return PB_ABSENT_NULL;
	if (strcmp(value, "default") == 0)
		return PB_ABSENT_DEFAULT;
	ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"absent\": \"%s\"", value),
				 errhint("Valid values are \"null\" (an absent field reads as NULL) and \"default\" (it reads as its declared default, as protobuf's generated getters return it).")));
	return PB_ABSENT_UNSET;		/* keep the compiler quiet */
}

static void
parse_absent(char *value, PbOptionValues *values)
{
	values->absent = pb_parse_absent(value);
}

/* ---------------------------------------------------------------------
 * Names: lookup, unknown options, duplicates
 * ---------------------------------------------------------------------
 */

/* The option 'name' valid in one of 'contexts', or NULL. */
static const PbOption *
find_option(const char *name, int contexts)
{
	for (int i = 0; i < lengthof(pb_options); i++)
		if ((pb_options[i].contexts & contexts) && strcmp(pb_options[i].name, name) == 0)
			return &pb_options[i];
	return NULL;
}

void
pb_report_unknown_option(const char *name, const char *const *valid)
{
	const char *closest = NULL;
	int			best = INT_MAX;
	StringInfoData all;

	initStringInfo(&all);
	for (int i = 0; valid[i]; i++)
	{
		int			d = varstr_levenshtein(name, strlen(name), valid[i], strlen(valid[i]),
										   1, 1, 1, false);

		appendStringInfo(&all, "%s%s", all.len ? ", " : "", valid[i]);
		if (d < best)
		{
			best = d;
			closest = valid[i];
		}
	}
	if (closest && best <= Max(2, (int) strlen(name) / 2))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid option \"%s\"", name),
				 errhint("Perhaps you meant the option \"%s\".", closest)));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			 errmsg("invalid option \"%s\"", name),
			 all.len > 0
			 ? errhint("Valid options in this context are: %s.", all.data)
			 : errhint("There are no valid options in this context.")));
}

/* Where the hint listing the options valid in 'context' puts opt. */
static int
hint_rank(const PbOption *opt, int context)
{
	return (context & PB_OPT_STATEMENTS) ? opt->stmt_rank : (int) (opt - pb_options);
}

/* An option not valid in 'context': the hint lists those that are. */
static void
report_unknown_option(const char *name, int context)
{
	const PbOption *valid[lengthof(pb_options)];
	const char *names[lengthof(pb_options) + 1];
	int			n = 0;

	/* insertion sort by hint_rank: a short list, on an error path */
	for (int i = 0; i < lengthof(pb_options); i++)
	{
		const PbOption *opt = &pb_options[i];
		int			j;

		if (!(opt->contexts & context))
			continue;
		for (j = n; j > 0 && hint_rank(valid[j - 1], context) > hint_rank(opt, context); j--)
			valid[j] = valid[j - 1];
		valid[j] = opt;
		n++;
	}
	for (int i = 0; i < n; i++)
		names[i] = valid[i]->name;
	names[n] = NULL;
	pb_report_unknown_option(name, names);
}

/*
 * The checks of an option before its value is looked at, in the order
 * their errors are reported: its name, that it is given once, that it is
 * not empty.  Its entry in pb_options[].
 */
static const PbOption *
check_option(const char *name, const char *value, int context, List **seen)
{
	const PbOption *opt = find_option(name, context);
	ListCell   *lc;

	if (opt == NULL)
		report_unknown_option(name, context);

	foreach(lc, *seen)
		if (strcmp((const char *) lfirst(lc), name) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("conflicting or redundant options"),
					 errdetail("Option \"%s\" is given more than once.", name)));
	*seen = lappend(*seen, (char *) opt->name);

	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must not be empty", name)));
	return opt;
}

void
pb_check_option(const char *name, const char *value, int context, List **seen)
{
	(void) check_option(name, value, context, seen);
}

/* ---------------------------------------------------------------------
 * Privileges
 * ---------------------------------------------------------------------
 */

void
pb_require_file_read_privilege(const char *option, const char *where)
{
	if (has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to set option \"%s\"", option),
			 errdetail("Only superusers and roles with privileges of the pg_read_server_files role may name a file to read on the server."),
			 where
			 ? errhint("Leave %s out of the %s to use the server's, or ask an administrator to GRANT pg_read_server_files to you.",
					   option, where)
			 : errhint("Ask an administrator to GRANT pg_read_server_files to you, or to create the foreign table.")));
}

static void
require_program_privilege(const char *option)
{
	if (has_privs_of_role(GetUserId(), ROLE_PG_EXECUTE_SERVER_PROGRAM))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to set option \"%s\"", option),
			 errdetail("Only superusers and roles with privileges of the pg_execute_server_program role may run a program on the server."),
			 errhint("Ask an administrator to GRANT pg_execute_server_program to you, or to create the foreign table.")));
}

/* The privilege to set opt on a server or table. */
static void
require_option_privilege(const PbOption *opt)
{
	switch (opt->privilege)
	{
		case PB_PRIV_NONE:
			break;
		case PB_PRIV_READ_SERVER_FILES:
			pb_require_file_read_privilege(opt->name, NULL);
			break;
		case PB_PRIV_EXECUTE_SERVER_PROGRAM:
			require_program_privilege(opt->name);
			break;
	}
}

/* ---------------------------------------------------------------------
 * The validator
 * ---------------------------------------------------------------------
 */

/* The options' context of a catalog the validator is called for. */
static int
catalog_context(Oid catalog)
{
	switch (catalog)
	{
		case ForeignServerRelationId:
			return PB_OPT_SERVER;
		case ForeignTableRelationId:
			return PB_OPT_TABLE;
		case AttributeRelationId:
			return PB_OPT_COLUMN;
		default:
			return 0;			/* the wrapper, user mappings: no option */
	}
}

static void
parse_unit(char *value, PbOptionValues *values)
{
	if (strcmp(value, "s") != 0 && strcmp(value, "ms") != 0 &&
		strcmp(value, "us") != 0 && strcmp(value, "ns") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"unit\": \"%s\"", value),
				 errhint("Valid values are \"s\", \"ms\", \"us\" and \"ns\": the unit an integer field counts since 1970-01-01 UTC.")));
	values->unit = value;
}

/* The rules between a column's options. */
static void
check_column_options(const PbOptionValues *values)
{
	if (values->unit != NULL && values->meta != PB_META_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("options \"unit\" and \"meta\" cannot both be set on a column"),
				 errhint("A metadata column reads no field.")));
	if (values->field != NULL && values->meta != PB_META_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("options \"field\" and \"meta\" cannot both be set on a column"),
				 errhint("A metadata column reads no field.")));
}

/*
 * The rules between a server's options: its set is a file or text, not
 * both; text is parsed now, so a bad set is refused as it is set.
 */
static void
check_server_options(const PbTableOptions *opts)
{
	if (opts->descriptor != NULL && opts->descriptor_set != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("options \"descriptor\" and \"descriptor_set\" cannot both be set"),
				 errhint("Give the descriptor set either as a file on the server (descriptor_set) or as base64 text (descriptor).")));
	if (opts->descriptor != NULL)
		(void) pb_schema_load_encoded(opts->descriptor);
}

/* The rules between a foreign table's options. */
static void
check_table_options(const PbTableOptions *opts)
{
	if (opts->filename == NULL && opts->program == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"filename\" is required for a protobuf_fdw foreign table"),
				 errhint("Name a file, a glob or a directory with \"filename\", or a command with \"program\".")));
	if (opts->filename != NULL && opts->program != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("options \"filename\" and \"program\" cannot both be set"),
				 errhint("A foreign table reads either files or the output of a program.")));
	pb_check_reading_options(opts);
}

/* The rules between the options of how messages are read (a table's, or COPY FROM's). */
void
pb_check_reading_options(const PbTableOptions *opts)
{
	if (opts->reject_limit > 0 && !opts->on_error_skip)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("option \"reject_limit\" requires on_error 'skip'")));
	if (opts->framing == PB_FRAMING_CONTAINER && opts->container == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("framing \"container\" requires option \"container\""),
				 errhint("Name the repeated field that holds the rows, for example container 'bench.Batch.events'.")));
}

/* Every option's default, as a table without options has them. */
void
pb_init_table_options(PbTableOptions *opts)
{
	PbOptionValues values;

	init_option_values(&values);
	*opts = values.table;
}

/*
 * Parse a table option that says how messages are read (not filename or
 * program: COPY FROM names its input itself) into *opts; false if 'name'
 * is not one.
 */
bool
pb_parse_reading_option(const char *name, char *value, PbTableOptions *opts)
{
	const PbOption *opt = find_option(name, PB_OPT_TABLE);
	PbOptionValues values;

	if (opt == NULL || opt->privilege != PB_PRIV_NONE)
		return false;
	init_option_values(&values);
	values.table = *opts;
	opt->parse(value, &values);
	*opts = values.table;
	return true;
}

/*
 * protobuf_fdw_validator
 *		Check the options of a server, foreign table or column as they are set
 *
 * Each option in turn (so the first wrong one is reported): its name, that
 * it is given once and not empty, the privilege it needs, its value; then
 * the rules between the options of the catalog entry.
 */
Datum
protobuf_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options_list = untransformRelOptions(PG_GETARG_DATUM(0));
	int			context = catalog_context(PG_GETARG_OID(1));
	PbOptionValues values;
	List	   *seen = NIL;
	ListCell   *cell;

	init_option_values(&values);
	foreach(cell, options_list)
	{
		DefElem    *def = (DefElem *) lfirst(cell);
		char	   *value = defGetString(def);
		const PbOption *opt = check_option(def->defname, value, context, &seen);

		require_option_privilege(opt);
		opt->parse(value, &values);
	}

	if (context == PB_OPT_COLUMN)
		check_column_options(&values);
	else if (context == PB_OPT_TABLE)
		check_table_options(&values.table);
	else if (context == PB_OPT_SERVER)
		check_server_options(&values.table);

	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * Reading the options back
 * ---------------------------------------------------------------------
 */

/* Parse the options valid in 'context' into *values; the validator checked them. */
static void
read_options(List *options, int context, PbOptionValues *values)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const PbOption *opt = find_option(def->defname, context);

		if (opt != NULL)
			opt->parse(defGetString(def), values);
	}
}

void
pb_get_table_options(Oid foreigntableid, PbTableOptions *opts)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ForeignServer *server = GetForeignServer(table->serverid);
	PbOptionValues values;

	init_option_values(&values);
	/* the table's options come last, so its descriptor_set wins */
	read_options(server->options, PB_OPT_SERVER, &values);
	read_options(table->options, PB_OPT_TABLE, &values);
	*opts = values.table;
	/* a table's descriptor_set overrides its server's descriptor */
	if (opts->descriptor_set != NULL)
		opts->descriptor = NULL;

	if (opts->descriptor_set == NULL && opts->descriptor == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no descriptor set", get_rel_name(foreigntableid)),
				 errhint("Set the option descriptor_set on the server or on the foreign table to a file written by protoc --include_imports --descriptor_set_out.")));
	if (opts->message == NULL && opts->container == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" names no message type", get_rel_name(foreigntableid)),
				 errhint("Set the option message to the full name of the message each row holds, for example message 'bench.Event'.")));
}

static void
read_column_options(Oid foreigntableid, int attnum, PbOptionValues *values)
{
	init_option_values(values);
	read_options(GetForeignColumnOptions(foreigntableid, attnum), PB_OPT_COLUMN, values);
}

PbMetaKind
pb_get_column_meta(Oid foreigntableid, int attnum)
{
	PbOptionValues values;

	read_column_options(foreigntableid, attnum, &values);
	return values.meta;
}

char *
pb_get_column_meta_step(Oid foreigntableid, int attnum)
{
	PbOptionValues values;

	read_column_options(foreigntableid, attnum, &values);
	return values.meta == PB_META_INDEX ? values.meta_step : NULL;
}

char *
pb_get_column_field(Oid foreigntableid, int attnum)
{
	PbOptionValues values;

	read_column_options(foreigntableid, attnum, &values);
	return values.field;
}

char *
pb_get_column_unit(Oid foreigntableid, int attnum)
{
	PbOptionValues values;

	read_column_options(foreigntableid, attnum, &values);
	return values.unit;
}

bool
pb_get_column_absent_default(Oid foreigntableid, int attnum)
{
	PbOptionValues values;

	read_column_options(foreigntableid, attnum, &values);
	if (values.absent == PB_ABSENT_UNSET)
	{
		/* the column's option wins; else the table's */
		init_option_values(&values);
		read_options(GetForeignTable(foreigntableid)->options, PB_OPT_TABLE, &values);
	}
	return values.absent == PB_ABSENT_DEFAULT;
}
