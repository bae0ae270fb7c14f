/*-------------------------------------------------------------------------
 *
 * copy_hook.c
 *		The ProcessUtility hook that gives COPY two more formats:
 *		TO ... (FORMAT parquet) and FROM ... (FORMAT protobuf).
 *
 * PostgreSQL 15 has no API for COPY formats, so the statement is taken
 * before standard_ProcessUtility sees it.  Only those two are claimed:
 * every other statement, every other COPY, and even COPY FROM (FORMAT
 * parquet) or TO (FORMAT protobuf) go to the previous hook or to
 * PostgreSQL untouched, so their behaviour and speed do not change.
 *
 * The hook is active once the library is loaded in the backend: by
 * shared_preload_libraries, session_preload_libraries, or the first use of
 * the extension in the session.  A database where the library is loaded
 * but the extension was not created refuses the two formats with a hint.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/defrem.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "tcop/cmdtag.h"
#include "lib/stringinfo.h"
#include "tcop/utility.h"

#include "copy_hook.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* The value of COPY's option "format", or NULL. */
static const char *
copy_format(const CopyStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "format") == 0)
			return defGetString(def);
	}
	return NULL;
}

/* Is this a COPY the extension runs? */
static bool
claims(Node *parsetree)
{
	const CopyStmt *stmt;
	const char *format;

	if (!IsA(parsetree, CopyStmt))
		return false;
	stmt = (const CopyStmt *) parsetree;
	format = copy_format(stmt);
	if (format == NULL)
		return false;
	if (stmt->is_from)
		return pg_strcasecmp(format, "protobuf") == 0;
	return pg_strcasecmp(format, "parquet") == 0;
}

static void
require_extension(const CopyStmt *stmt)
{
	if (!OidIsValid(get_extension_oid("protobuf_fdw", true)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY %s (FORMAT %s) needs the extension protobuf_fdw in this database",
						stmt->is_from ? "FROM" : "TO", stmt->is_from ? "protobuf" : "parquet"),
				 errdetail("The library protobuf_fdw is loaded, but the extension is not created in database \"%s\".",
						   get_database_name(MyDatabaseId)),
				 errhint("Run CREATE EXTENSION protobuf_fdw; in this database.")));
}

/*
 * pb_process_utility
 *		Run a claimed COPY; pass everything else on
 */
static void
pb_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				   ProcessUtilityContext context, ParamListInfo params,
				   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	CopyStmt   *stmt;
	ParseState *pstate;
	uint64		processed;

	if (!claims(pstmt->utilityStmt))
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
									queryEnv, dest, qc);
		return;
	}

	stmt = (CopyStmt *) pstmt->utilityStmt;
	require_extension(stmt);
	/* as standard_ProcessUtility: a cached plan's tree must not be scribbled on */
	if (readOnlyTree)
		stmt = copyObject(stmt);

	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = queryString;
	pstate->p_queryEnv = queryEnv;
	if (stmt->is_from)
		processed = pb_copy_from(pstate, stmt, pstmt->stmt_location, pstmt->stmt_len);
	else
		processed = pb_copy_to(pstate, stmt, pstmt->stmt_location, pstmt->stmt_len);
	free_parsestate(pstate);

	if (qc)
		SetQueryCompletion(qc, CMDTAG_COPY, processed);
}

static void
option_context(void *arg)
{
	if (arg != NULL)
		errcontext("COPY option \"%s\"", (const char *) arg);
}

void
pb_copy_option_context_push(ErrorContextCallback *cb)
{
	cb->callback = option_context;
	cb->arg = NULL;
	cb->previous = error_context_stack;
	error_context_stack = cb;
}

void
pb_copy_unknown_option(const char *name, const char *what, const char *const *valid)
{
	StringInfoData all;

	initStringInfo(&all);
	for (int i = 0; valid[i]; i++)
		appendStringInfo(&all, "%s%s", i ? ", " : "", valid[i]);
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("option \"%s\" not recognized for %s", name, what),
			 errhint("Valid options are: %s.", all.data)));
}

void
pb_copy_hook_install(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = pb_process_utility;
}
