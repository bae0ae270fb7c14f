/*-------------------------------------------------------------------------
 *
 * import_types.h
 *		The SQL side of an imported message: names, column types, and the
 *		composite types of the option composite_types.
 *
 * import.c writes the statements; this module decides what a field becomes
 * (the default mapping, or with composite_types a CREATE TYPE per nested
 * message) and how generated names are made unique.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_IMPORT_TYPES_H
#define PROTOBUF_FDW_IMPORT_TYPES_H

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "schema.h"

/* The suffix of a generated composite type's name: "Span_t". */
#define PB_IMPORT_TYPE_SUFFIX "_t"

/* A column of a generated table, or an attribute of a generated type. */
typedef struct PbImportColumn
{
	char	   *name;			/* unquoted, unique, cut to NAMEDATALEN - 1 */
	const char *type;			/* as SQL writes it; NULL: a comment line only */
	char	   *field;			/* the column option field, or NULL */
	char	   *comment;		/* where the value comes from */
} PbImportColumn;

/* The composite types generated for the statements of one call. */
typedef struct PbImportTypes PbImportTypes;

/*
 * Start the types of one call: 'composite' is the option composite_types;
 * the types are created in schema 'nspname' (NULL: unqualified, where the
 * search path puts them); 'used' lists the names they must not take (the
 * tables'), and gets theirs.
 */
extern PbImportTypes *pb_import_types_create(const PbSchema *schema, bool composite,
											 const char *nspname, List **used);

/* A field's column type; *cut is set when a recursive message became jsonb. */
extern const char *pb_import_column_type(PbImportTypes *types, const PbFieldDescriptor *f,
										 bool *cut);

/* The CREATE TYPE statements made so far, each type after those it uses. */
extern List *pb_import_type_statements(const PbImportTypes *types);

/* "1: int64", "4: repeated string", "5: map<string, int64>" */
extern char *pb_import_field_comment(const PbSchema *schema, const PbFieldDescriptor *f);

/* Append "(\n    col type,  -- comment ...\n)" for a table or a type. */
extern void pb_import_append_columns(StringInfo buf, List *columns);

/* Names */
extern char *pb_import_identifier(const char *name);
extern char *pb_import_unique_name(const char *base, List **used);
extern char *pb_import_message_package(const PbSchema *schema, const char *full_name);
extern const char *pb_import_relative_name(const char *full_name, const char *package);
extern char *pb_import_default_name(const char *relative);
extern bool pb_import_is_map_entry(const PbDescriptor *msg);

#endif							/* PROTOBUF_FDW_IMPORT_TYPES_H */
