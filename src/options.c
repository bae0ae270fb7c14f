/*
 * options.c - the option table, the validator, and reading options back.
 *
 * Modelled on contrib/file_fdw: every option is checked when it is set
 * (CREATE/ALTER), including the privilege to name a server-side file, so a
 * table that exists has options that were valid and allowed when set.
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
#include "stream/input.h"

typedef struct PbOption
{
	const char *name;
	Oid			context;		/* catalog the option belongs to */
} PbOption;

static const PbOption valid_options[] = {
	{"descriptor_set", ForeignServerRelationId},
	{"descriptor_set", ForeignTableRelationId},
	{"filename", ForeignTableRelationId},
	{"program", ForeignTableRelationId},
	{"compression", ForeignTableRelationId},
	{"verify_crc", ForeignTableRelationId},
	{"on_error", ForeignTableRelationId},
	{"reject_limit", ForeignTableRelationId},
	{"message", ForeignTableRelationId},
	{"framing", ForeignTableRelationId},
	{"container", ForeignTableRelationId},
	{"max_message_size", ForeignTableRelationId},
	{"field", AttributeRelationId},
	{"meta", AttributeRelationId},
	{NULL, InvalidOid}
};

PG_FUNCTION_INFO_V1(protobuf_fdw_validator);

static bool
is_valid_option(const char *name, Oid context)
{
	for (const PbOption *opt = valid_options; opt->name; opt++)
		if (opt->context == context && strcmp(opt->name, name) == 0)
			return true;
	return false;
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

static void
report_unknown_option(const char *name, Oid context)
{
	const char *valid[lengthof(valid_options)];
	int			n = 0;

	for (const PbOption *opt = valid_options; opt->name; opt++)
		if (opt->context == context)
			valid[n++] = opt->name;
	valid[n] = NULL;
	pb_report_unknown_option(name, valid);
}

static void
require_file_read_privilege(const char *option)
{
	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to set option \"%s\"", option),
				 errdetail("Only superusers and roles with privileges of the pg_read_server_files role may name a file to read on the server."),
				 errhint("Ask an administrator to GRANT pg_read_server_files to you, or to create the foreign table.")));
}

static PbFramingKind
parse_framing(const char *value)
{
	int			k = pb_framing_parse(value);

	if (k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"framing\": \"%s\"", value),
				 errhint("Valid values are \"delimited\" (a varint length before each message), \"container\" (the file is one message whose repeated field holds the rows), \"fixed32be\" and \"fixed32le\" (a 4-byte length before each message), \"tfrecord\" and \"single\" (the file is one message).")));
	return (PbFramingKind) k;
}

static int
parse_compression(const char *value)
{
	int			c = pb_compression_parse(value);

	if (c < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"compression\": \"%s\"", value),
				 errhint("Valid values are \"auto\" (detect gzip and zstd by their magic bytes), \"none\", \"gzip\" and \"zstd\".")));
	return c;
}

static bool
parse_bool_option(const char *name, const char *value)
{
	bool		result;

	if (!parse_bool(value, &result))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", name, value),
				 errhint("Use a boolean: true or false.")));
	return result;
}

static bool
parse_on_error(const char *value)
{
	if (strcmp(value, "stop") == 0)
		return false;
	if (strcmp(value, "skip") == 0)
		return true;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"on_error\": \"%s\"", value),
			 errhint("Valid values are \"stop\" (the first bad message is an error) and \"skip\" (bad messages are skipped and counted).")));
	return false;
}

static int64
parse_reject_limit(const char *value)
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
	return (int64) n;
}

static PbMetaKind
parse_meta(const char *value)
{
	if (strcmp(value, "filename") == 0)
		return PB_META_FILENAME;
	if (strcmp(value, "offset") == 0)
		return PB_META_OFFSET;
	if (strcmp(value, "ordinal") == 0)
		return PB_META_ORDINAL;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"meta\": \"%s\"", value),
			 errhint("Valid values are \"filename\" (text), \"offset\" (bigint: the message's byte offset) and \"ordinal\" (bigint: its number within the file).")));
	return PB_META_NONE;
}

static int64
parse_max_message_size(const char *value)
{
	int			result;
	const char *hintmsg = NULL;

	if (!parse_int(value, &result, GUC_UNIT_BYTE, &hintmsg) || result < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"max_message_size\": \"%s\"", value),
				 errdetail("The value must be a number of bytes from 1 to 2147483647 (2 GiB - 1), optionally with a unit (kB, MB, GB)."),
				 hintmsg ? errhint("%s", _(hintmsg)) : 0));
	return result;
}

/* "pkg.Msg.field" -> message name and field name (pointers into a copy) */
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
	*dot = '\0';
	*message = copy;
	*field = dot + 1;
}

static void
check_nonempty(DefElem *def)
{
	if (defGetString(def)[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must not be empty", def->defname)));
}

Datum
protobuf_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options_list = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *cell;
	bool		seen_filename = false;
	bool		seen_program = false;
	bool		seen_container = false;
	bool		seen_reject_limit = false;
	bool		on_error_skip = false;
	PbFramingKind framing = PB_FRAMING_DELIMITED;
	List	   *seen = NIL;

	foreach(cell, options_list)
	{
		DefElem    *def = (DefElem *) lfirst(cell);
		ListCell   *lc;

		if (!is_valid_option(def->defname, catalog))
			report_unknown_option(def->defname, catalog);

		foreach(lc, seen)
			if (strcmp((char *) lfirst(lc), def->defname) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("conflicting or redundant options"),
						 errdetail("Option \"%s\" is given more than once.", def->defname)));
		seen = lappend(seen, def->defname);

		check_nonempty(def);
		if (strcmp(def->defname, "filename") == 0)
		{
			require_file_read_privilege("filename");
			seen_filename = true;
		}
		else if (strcmp(def->defname, "program") == 0)
		{
			if (!has_privs_of_role(GetUserId(), ROLE_PG_EXECUTE_SERVER_PROGRAM))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied to set option \"program\""),
						 errdetail("Only superusers and roles with privileges of the pg_execute_server_program role may run a program on the server."),
						 errhint("Ask an administrator to GRANT pg_execute_server_program to you, or to create the foreign table.")));
			seen_program = true;
		}
		else if (strcmp(def->defname, "descriptor_set") == 0)
			require_file_read_privilege("descriptor_set");
		else if (strcmp(def->defname, "compression") == 0)
			(void) parse_compression(defGetString(def));
		else if (strcmp(def->defname, "verify_crc") == 0)
			(void) parse_bool_option("verify_crc", defGetString(def));
		else if (strcmp(def->defname, "on_error") == 0)
			on_error_skip = parse_on_error(defGetString(def));
		else if (strcmp(def->defname, "reject_limit") == 0)
		{
			(void) parse_reject_limit(defGetString(def));
			seen_reject_limit = true;
		}
		else if (strcmp(def->defname, "meta") == 0)
			(void) parse_meta(defGetString(def));
		else if (strcmp(def->defname, "framing") == 0)
			framing = parse_framing(defGetString(def));
		else if (strcmp(def->defname, "max_message_size") == 0)
			(void) parse_max_message_size(defGetString(def));
		else if (strcmp(def->defname, "container") == 0)
		{
			char	   *m,
					   *f;

			pb_split_container(defGetString(def), &m, &f);
			seen_container = true;
		}
	}

	if (catalog == AttributeRelationId && list_length(seen) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("options \"field\" and \"meta\" cannot both be set on a column"),
				 errhint("A metadata column reads no field.")));

	if (catalog == ForeignTableRelationId)
	{
		if (!seen_filename && !seen_program)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("option \"filename\" is required for a protobuf_fdw foreign table"),
					 errhint("Name a file, a glob or a directory with \"filename\", or a command with \"program\".")));
		if (seen_filename && seen_program)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("options \"filename\" and \"program\" cannot both be set"),
					 errhint("A foreign table reads either files or the output of a program.")));
		if (seen_reject_limit && !on_error_skip)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("option \"reject_limit\" requires on_error 'skip'")));
		if (framing == PB_FRAMING_CONTAINER && !seen_container)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("framing \"container\" requires option \"container\""),
					 errhint("Name the repeated field that holds the rows, for example container 'bench.Batch.events'.")));
		if (framing != PB_FRAMING_CONTAINER && seen_container)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("option \"container\" requires framing \"container\""),
					 errhint("Add the option framing 'container'.")));
	}

	PG_RETURN_VOID();
}

void
pb_get_table_options(Oid foreigntableid, PbTableOptions *opts)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ForeignServer *server = GetForeignServer(table->serverid);
	List	   *options = list_concat(list_copy(server->options), table->options);
	ListCell   *lc;

	memset(opts, 0, sizeof(*opts));
	opts->framing = PB_FRAMING_DELIMITED;
	opts->compression = PB_COMPRESSION_AUTO;
	opts->verify_crc = true;
	opts->max_message_size = PB_DEFAULT_MAX_MESSAGE_SIZE;

	/* the table's options come last, so its descriptor_set wins */
	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		char	   *value = defGetString(def);

		if (strcmp(def->defname, "filename") == 0)
			opts->filename = value;
		else if (strcmp(def->defname, "program") == 0)
			opts->program = value;
		else if (strcmp(def->defname, "compression") == 0)
			opts->compression = parse_compression(value);
		else if (strcmp(def->defname, "verify_crc") == 0)
			opts->verify_crc = parse_bool_option("verify_crc", value);
		else if (strcmp(def->defname, "on_error") == 0)
			opts->on_error_skip = parse_on_error(value);
		else if (strcmp(def->defname, "reject_limit") == 0)
			opts->reject_limit = parse_reject_limit(value);
		else if (strcmp(def->defname, "descriptor_set") == 0)
			opts->descriptor_set = value;
		else if (strcmp(def->defname, "message") == 0)
			opts->message = value[0] == '.' ? value + 1 : value;
		else if (strcmp(def->defname, "framing") == 0)
			opts->framing = parse_framing(value);
		else if (strcmp(def->defname, "container") == 0)
			opts->container = value[0] == '.' ? value + 1 : value;
		else if (strcmp(def->defname, "max_message_size") == 0)
			opts->max_message_size = parse_max_message_size(value);
	}

	if (opts->descriptor_set == NULL)
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

PbMetaKind
pb_get_column_meta(Oid foreigntableid, int attnum)
{
	List	   *options = GetForeignColumnOptions(foreigntableid, attnum);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "meta") == 0)
			return parse_meta(defGetString(def));
	}
	return PB_META_NONE;
}

char *
pb_get_column_field(Oid foreigntableid, int attnum)
{
	List	   *options = GetForeignColumnOptions(foreigntableid, attnum);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "field") == 0)
			return defGetString(def);
	}
	return NULL;
}
