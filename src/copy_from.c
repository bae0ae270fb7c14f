/*-------------------------------------------------------------------------
 *
 * copy_from.c
 *		COPY ... FROM ... (FORMAT protobuf): not yet.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "copy_hook.h"

uint64
pb_copy_from(ParseState *pstate, const CopyStmt *stmt, int stmt_location, int stmt_len)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("COPY FROM (FORMAT protobuf) is not implemented yet")));
	return 0;
}
