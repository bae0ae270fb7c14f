/*
 * options.h - the options of protobuf_fdw's servers, tables and columns.
 */
#ifndef PROTOBUF_FDW_OPTIONS_H
#define PROTOBUF_FDW_OPTIONS_H

#include "nodes/pg_list.h"
#include "stream/framing.h"

#define PB_DEFAULT_MAX_MESSAGE_SIZE (64 * 1024 * 1024)

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
	char	   *message;		/* as given, or NULL */
	PbFramingKind framing;
	char	   *container;		/* "<message>.<field>", container framing only */
	int64		max_message_size;
} PbTableOptions;

extern void pb_get_table_options(Oid foreigntableid, PbTableOptions *opts);

/* The column option "field" of attribute attnum (1-based), or NULL. */
extern char *pb_get_column_field(Oid foreigntableid, int attnum);

/* Metadata columns (column option "meta"). */
typedef enum PbMetaKind
{
	PB_META_NONE,
	PB_META_FILENAME,
	PB_META_OFFSET,
	PB_META_ORDINAL
} PbMetaKind;

extern PbMetaKind pb_get_column_meta(Oid foreigntableid, int attnum);

/*
 * Report an unknown option: with a hint naming the closest of 'valid' (a
 * NULL-terminated list), or listing them all.
 */
extern void pb_report_unknown_option(const char *name, const char *const *valid) pg_attribute_noreturn();

/* Split a container option "pkg.Msg.field" into its message and field names. */
extern void pb_split_container(const char *value, char **message, char **field);

#endif
