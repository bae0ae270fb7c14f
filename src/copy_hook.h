/*-------------------------------------------------------------------------
 *
 * copy_hook.h
 *		COPY ... TO ... (FORMAT parquet) and COPY ... FROM ... (FORMAT
 *		protobuf): the ProcessUtility hook (copy_hook.c) and the two
 *		directions it hands the statements to (copy_to.c, copy_from.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_COPY_HOOK_H
#define PROTOBUF_FDW_COPY_HOOK_H

#include "nodes/parsenodes.h"
#include "parser/parse_node.h"

/* Install the hook (from _PG_init); the previous hook gets every other statement. */
extern void pb_copy_hook_install(void);

/* COPY ... TO ... (FORMAT parquet): returns the number of rows. */
extern uint64 pb_copy_to(ParseState *pstate, const CopyStmt *stmt,
						 int stmt_location, int stmt_len);

/* COPY ... FROM ... (FORMAT protobuf): returns the number of rows. */
extern uint64 pb_copy_from(ParseState *pstate, const CopyStmt *stmt,
						   int stmt_location, int stmt_len);

/*
 * While a COPY option's value is parsed, errors say which option it is:
 * push 'cb' (its arg set to the option's name as each is parsed), pop it after.
 */
extern void pb_copy_option_context_push(ErrorContextCallback *cb);

/* Report an option 'what' (a COPY direction and format) does not take; 'valid' ends with NULL. */
extern void pb_copy_unknown_option(const char *name, const char *what,
								   const char *const *valid) pg_attribute_noreturn();

#endif							/* PROTOBUF_FDW_COPY_HOOK_H */
