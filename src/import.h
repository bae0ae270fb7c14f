/*-------------------------------------------------------------------------
 *
 * import.h
 *		IMPORT FOREIGN SCHEMA and protobuf_fdw_create_table().
 *
 * Both generate one CREATE FOREIGN TABLE statement per message, from a
 * descriptor set.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_IMPORT_H
#define PROTOBUF_FDW_IMPORT_H

#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"

/* The FDW's ImportForeignSchema callback: a list of CREATE FOREIGN TABLE strings. */
extern List *pb_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid);

#endif
