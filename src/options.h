/*-------------------------------------------------------------------------
 *
 * options.h
 *		The options of protobuf_fdw's servers, tables and columns.
 *
 * options.c holds the one table of options; these are its readers, the
 * checks that IMPORT FOREIGN SCHEMA and protobuf_fdw_create_table() share
 * with the validator, and the option helpers other modules use.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_OPTIONS_H
#define PROTOBUF_FDW_OPTIONS_H

#include "nodes/pg_list.h"
#include "stream/framing.h"

#define PB_DEFAULT_MAX_MESSAGE_SIZE (64 * 1024 * 1024)

/*
 * Where an option may be given (bits): the catalogs of the validator, and
 * the options of the two statement generators of import.c.  The wrapper
 * itself and user mappings take no option.
 */
#define PB_OPT_SERVER		0x01	/* CREATE / ALTER SERVER */
#define PB_OPT_TABLE		0x02	/* CREATE / ALTER FOREIGN TABLE */
#define PB_OPT_COLUMN		0x04	/* a foreign table's column */
#define PB_OPT_IMPORT		0x08	/* OPTIONS of IMPORT FOREIGN SCHEMA */
#define PB_OPT_CREATE_TABLE 0x10	/* options of protobuf_fdw_create_table() */

/* A foreign table's options, merged with its server's. */
typedef struct PbTableOptions
{
	char	   *filename;		/* a file, a glob or a directory */
	char	   *program;		/* or a shell command */
	int			compression;	/* PbCompression */
	bool		verify_crc;
	bool		on_error_skip;
	int64		reject_limit;	/* 0: none */
	char	   *descriptor_set;
	char	   *descriptor;		/* a server's set as base64 text, or NULL */
	char	   *message;		/* as given, or NULL */
	PbFramingKind framing;
	char	   *container;		/* "<root message>.<field>[.<field>...]": see
								 * container.h; per stream message with a
								 * length-prefixed framing */
	int64		max_message_size;
} PbTableOptions;

extern void pb_get_table_options(Oid foreigntableid, PbTableOptions *opts);

/* COPY FROM's reading options: the defaults, one by name, the rules between them. */
extern void pb_init_table_options(PbTableOptions *opts);
extern bool pb_parse_reading_option(const char *name, char *value, PbTableOptions *opts);
extern void pb_check_reading_options(const PbTableOptions *opts);

/* The column option "field" of attribute attnum (1-based), or NULL. */
extern char *pb_get_column_field(Oid foreigntableid, int attnum);

/* The column option "unit" of attribute attnum ("s", "ms", "us", "ns"), or NULL. */
extern char *pb_get_column_unit(Oid foreigntableid, int attnum);
/* The option "absent" (table and column): what an absent field with presence reads as. */
typedef enum PbAbsent
{
	PB_ABSENT_UNSET = 0,		/* not given: the table's, else "null" */
	PB_ABSENT_NULL,
	PB_ABSENT_DEFAULT
} PbAbsent;

extern PbAbsent pb_parse_absent(const char *value);

/* Does column attnum read absent fields as their defaults (its option, else its table's)? */
extern bool pb_get_column_absent_default(Oid foreigntableid, int attnum);

/* Metadata columns (column option "meta"). */
typedef enum PbMetaKind
{
	PB_META_NONE,
	PB_META_FILENAME,
	PB_META_OFFSET,
	PB_META_ORDINAL,
	PB_META_INDEX				/* meta 'index' or 'STEP/index' */
} PbMetaKind;

extern PbMetaKind pb_get_column_meta(Oid foreigntableid, int attnum);

/*
 * For a meta 'STEP/index' column the STEP (a step of the container path),
 * "" for meta 'index' (the row element's own index); NULL for other columns.
 */
extern char *pb_get_column_meta_step(Oid foreigntableid, int attnum);

/*
 * Check an option given in 'context' (one PB_OPT_* bit) as the validator
 * does before looking at its value: that it is valid there (else an error
 * with a hint), that it is not in *seen (where its name is then added), and
 * that its value is not empty.
 */
extern void pb_check_option(const char *name, const char *value, int context,
							List **seen);

/*
 * Require the privileges of pg_read_server_files to set 'option', which
 * names a file the server reads.  'where' names the options of a statement
 * it was given in (for the hint), or is NULL for a server's or table's.
 */
extern void pb_require_file_read_privilege(const char *option, const char *where);

/*
 * Report an unknown option: with a hint naming the closest of 'valid' (a
 * NULL-terminated list), or listing them all.
 */
extern void pb_report_unknown_option(const char *name, const char *const *valid) pg_attribute_noreturn();

/* Split a container option "pkg.Msg.field" into its message and field names. */
extern void pb_split_container(const char *value, char **message, char **field);

#endif
