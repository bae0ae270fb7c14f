/*-------------------------------------------------------------------------
 *
 * copy_from.c
 *		COPY table [(columns)] FROM STDIN|'file' (FORMAT protobuf, ...).
 *
 * The rows go through PostgreSQL's own COPY FROM (multi-insert, triggers,
 * constraints, indexes, partition routing, FREEZE, WHERE): BeginCopyFrom is
 * given a data-source callback that produces a binary COPY stream, and
 * CopyFrom reads it as it would read a binary file.  The stream is made
 * here, a buffer at a time, from the protobuf messages: framed (and
 * decompressed) as a foreign table frames them, decoded into the target
 * columns by the foreign table's binding and decoder (binding.h,
 * decode.h), and written as binary COPY tuples.  With a container path
 * that a foreign table would walk (stream/pathwalk.h: rows from any depth,
 * ancestors' columns) the roots are walked here as scan.c walks them, with
 * the same row numbers, offsets, limits and skips.
 *
 * The tuples carry the decoded Datums themselves, not their send
 * representation: after BeginCopyFrom, the receive function of each
 * column (cstate->in_functions, commands/copyfrom_internal.h) is replaced
 * by one that takes the Datum back out of the field.  That saves a send
 * and a receive per value, which is most of the cost of the stream.  It is
 * safe because the stream never leaves this backend (the callback is its
 * only source) and the values stay valid until CopyFrom has stored the
 * tuple: a row's fields (12 bytes each) span at most two of the stream's
 * runs, and each run's values live in one of two memory contexts, reset
 * only when the run after next is made.  A domain keeps its own receive
 * function (it checks the domain's constraints), fed by the type's send
 * function.
 *
 * The protobuf bytes come from a server file, or from the client: COPY
 * FROM STDIN (psql's \copy) sends them as CopyData messages, which are read
 * here as PostgreSQL's CopyGetData reads them, after the CopyInResponse
 * (sent only once the statement is known to be good).
 *
 * PostgreSQL 15's data-source callback takes no argument, so the state of
 * the running COPY is a static pointer, saved and restored around it (a
 * trigger may run another COPY).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/copy.h"
#include "commands/copyfrom_internal.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "foreign/foreign.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "port/pg_bswap.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"

/*
 * libpq-be.h includes the GSSAPI headers when the server was built with
 * GSSAPI; nothing here touches the Port, so they are not needed.
 */
#undef ENABLE_GSS
#include "libpq/libpq.h"
#include "libpq/pqformat.h"

#include "ancestors.h"
#include "binding.h"
#include "container.h"
#include "copy_hook.h"
#include "decode.h"
#include "input_faults.h"
#include "inputs.h"
#include "options.h"
#include "scan.h"
#include "schema.h"
#include "stream/framing.h"
#include "stream/pathwalk.h"
#include "stream/rootwalk.h"

/*
 * Produce binary COPY data in runs of about this size, and of at most about
 * this much memory of decoded values: a by-reference value is 12 bytes of
 * the stream however large it is, and lives until the run after next.
 */
#define COPY_STREAM_CHUNK (64 * 1024)
#define COPY_RUN_MEMORY (8 * 1024 * 1024)

/* A column of the stream: the Datum itself, or (a domain) its send representation. */
typedef struct OutColumn
{
	int			attidx;
	bool		by_datum;
	int16		copy_typlen;	/* an ancestor's by-reference value: copied (0: not) */
	FmgrInfo	send;
} OutColumn;

typedef struct PbCopyFrom
{
	const char *relname;
	PbTableOptions opts;
	List	   *copy_options;	/* for BeginCopyFrom: format binary, freeze */
	Jsonb	   *fields;			/* column -> path, or NULL */
	bool		absent_default; /* absent 'default' */
	const PbSchema *schema;
	const PbMessageInfo *message;
	PbDecodeState *decode;
	TupleDesc	tupdesc;
	int			natts;			/* of the table */
	int			ncols;			/* written: COPY's columns */
	OutColumn  *cols;
	Datum	   *values;
	bool	   *nulls;
	MemoryContext cxt;
	MemoryContext runcxt[2];	/* the values of the last two runs */
	int			run;			/* runcxt[run]: the current run's */
	FmgrInfo	datum_recv;		/* takes the Datum out of a field */

	/* the input */
	const char *source_name;	/* the file, or "STDIN" */
	bool		from_client;
	StringInfo	fe_msgbuf;		/* the client's current CopyData */
	bool		client_done;	/* CopyDone received */
	PbRawInput	raw;
	PbInput		input;
	PbSource	source;
	PbFraming	framing;
	uint64		current_message;
	uint64		current_offset;

	/* rows from any depth: a container path walked (stream/pathwalk.h) */
	PbContainerPath *cpath;		/* NULL: the framing frames the rows */
	PbPathWalk	walker;
	PbAncestors *ancestors;		/* the columns read from ancestors, or NULL */
	const PbAncestorValues *ancestor_values;	/* every row's copy of them */
	bool		walker_ready;
	bool		in_root;		/* a root is being walked */
	bool		input_done;		/* the last root ended, or an error ended the input */
	uint64		rows_walked;

	/* the binary COPY stream */
	StringInfoData out;
	int			out_pos;		/* first byte not yet handed to COPY */
	bool		ended;			/* the trailer is in out */

	uint64		skipped;
	char	   *first_skip;
} PbCopyFrom;

static PbCopyFrom *current_copy = NULL;

static const char *const copy_from_options[] = {
	"format", "server", "descriptor_set", "message", "framing", "container",
	"compression", "max_message_size", "on_error", "reject_limit", "verify_crc",
	"absent", "fields", "freeze", NULL
};

/* ---------- the options ---------- */

/* The set from a server (the user needs USAGE on it): its descriptor_set or descriptor. */
static void
use_server(PbCopyFrom *cf, const char *name)
{
	ForeignServer *server = GetForeignServerByName(name, false);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	AclResult	aclresult;
	ListCell   *lc;

	if (strcmp(fdw->fdwname, "protobuf_fdw") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" is not a protobuf_fdw server", name),
				 errhint("Name a server created with FOREIGN DATA WRAPPER protobuf_fdw.")));
	aclresult = pg_foreign_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	foreach(lc, server->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		/* a descriptor_set given in the COPY itself wins */
		if (strcmp(def->defname, "descriptor_set") == 0 && cf->opts.descriptor_set == NULL)
			cf->opts.descriptor_set = defGetString(def);
		else if (strcmp(def->defname, "descriptor") == 0)
			cf->opts.descriptor = defGetString(def);
	}
}

/*
 * parse_copy_from_options
 *		COPY's options: the reading options of a foreign table, where the
 *		schema comes from, fields, and COPY's own freeze.
 */
static void
parse_copy_from_options(ParseState *pstate, const CopyStmt *stmt, PbCopyFrom *cf)
{
	List	   *seen = NIL;
	char	   *server = NULL;
	ListCell   *lc;
	ErrorContextCallback errcb;

	pb_init_table_options(&cf->opts);
	cf->copy_options = list_make1(makeDefElem("format", (Node *) makeString("binary"), -1));
	pb_copy_option_context_push(&errcb);
	foreach(lc, stmt->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);
		char	   *name = def->defname;

		errcb.arg = name;
		if (list_member(seen, makeString(name)))
			errorConflictingDefElem(def, pstate);
		seen = lappend(seen, makeString(name));
		if (strcmp(name, "format") == 0)
			continue;
		if (strcmp(name, "freeze") == 0)
			cf->copy_options = lappend(cf->copy_options, def);
		else if (strcmp(name, "server") == 0)
			server = defGetString(def);
		else if (strcmp(name, "descriptor_set") == 0)
		{
			pb_require_file_read_privilege("descriptor_set", "options of COPY FROM");
			cf->opts.descriptor_set = defGetString(def);
		}
		else if (strcmp(name, "absent") == 0)
			cf->absent_default = pb_parse_absent(defGetString(def)) == PB_ABSENT_DEFAULT;
		else if (strcmp(name, "fields") == 0)
			cf->fields = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
															CStringGetDatum(defGetString(def))));
		else if (!pb_parse_reading_option(name, defGetString(def), &cf->opts))
			pb_copy_unknown_option(name, "COPY FROM (FORMAT protobuf)", copy_from_options);
	}
	error_context_stack = errcb.previous;
	if (server)
		use_server(cf, server);
	if (cf->opts.descriptor_set == NULL && cf->opts.descriptor == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("COPY FROM (FORMAT protobuf) needs a descriptor set"),
				 errhint("Give the option server (a protobuf_fdw server with descriptor or descriptor_set) or descriptor_set.")));
	if (cf->opts.message == NULL && cf->opts.container == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("COPY FROM (FORMAT protobuf) needs the option message"),
				 errhint("Set message to the full name of the message each row holds, for example message 'bench.Event'.")));
	pb_check_reading_options(&cf->opts);
}

/* The path the option fields gives column 'colname', or NULL. */
static const char *
field_of(PbCopyFrom *cf, const char *colname)
{
	JsonbValue *v;

	if (cf->fields == NULL)
		return NULL;
	v = getKeyJsonValueFromContainer(&cf->fields->root, colname, strlen(colname), NULL);
	if (v == NULL)
		return NULL;
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"fields\" gives column \"%s\" a value that is not a string", colname),
				 errhint("Map each column to a field path, for example fields '{\"city\": \"customer.address.city\"}'.")));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* Every key of fields must be one of the columns COPY writes. */
static void
check_fields_keys(PbCopyFrom *cf, TupleDesc tupdesc, List *attnums)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (cf->fields == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(cf->fields) || JB_ROOT_IS_SCALAR(cf->fields))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"fields\" must be a JSON object"),
				 errhint("Map each column to a field path, for example fields '{\"city\": \"customer.address.city\"}'.")));
	it = JsonbIteratorInit(&cf->fields->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		bool		found = false;
		ListCell   *lc;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		foreach(lc, attnums)
			found |= strcmp(NameStr(TupleDescAttr(tupdesc, lfirst_int(lc) - 1)->attname), key) == 0;
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("option \"fields\" names column \"%s\", which COPY does not write", key),
					 errhint("Name columns of table \"%s\" in the COPY's column list (or all of them, without one).",
							 cf->relname)));
	}
}

/* ---------- binding the columns ---------- */

static void
binding_error_context(void *arg)
{
	errcontext("COPY %s FROM (FORMAT protobuf): its columns read the fields of their names, or the paths the option fields gives them",
			   ((PbCopyFrom *) arg)->relname);
}

/*
 * The decode plans: the row element's, and with a container path walked,
 * the ancestors' levels' (container.h) and the state that fills their
 * columns into each row.
 */
static PbMsgPlan *
plan_columns(PbCopyFrom *cf, List *refs, bool ancestors)
{
	ErrorContextCallback errcb;
	PbMsgPlan  *plan;
	MemoryContext old;

	errcb.callback = binding_error_context;
	errcb.arg = cf;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	if (cf->cpath)
	{
		pb_container_bind_columns(cf->cpath, cf->relname, cf->schema, refs);
		plan = cf->cpath->row_plan;
	}
	else
		plan = pb_build_plan_columns(cf->relname, cf->message, cf->schema, refs);
	error_context_stack = errcb.previous;
	if (ancestors)
	{
		/* in the COPY's context: its end ends the cursors' codecs */
		old = MemoryContextSwitchTo(cf->cxt);
		cf->ancestors = pb_ancestors_create(cf->cpath, cf->natts);
		cf->ancestor_values = pb_ancestors_values(cf->ancestors);
		MemoryContextSwitchTo(old);
	}
	return plan;
}

/*
 * An ancestor's value lives until the walker enters the ancestor's next
 * element, which may come while COPY still reads the run before: a value
 * passed by reference is copied into the run's context (copy_typlen).
 */
static void
mark_ancestor_columns(PbCopyFrom *cf)
{
	PbContainerPath *cp = cf->cpath;

	for (int l = 0; l < cp->nlevels - 1; l++)
		for (int a = 0; a < cp->levels[l].nattrs; a++)
			for (int i = 0; i < cf->ncols; i++)
			{
				OutColumn  *col = &cf->cols[i];
				int16		typlen;
				bool		typbyval;

				if (col->attidx != cp->levels[l].attrs[a] || !col->by_datum)
					continue;
				get_typlenbyval(TupleDescAttr(cf->tupdesc, col->attidx)->atttypid,
								&typlen, &typbyval);
				if (!typbyval)
					col->copy_typlen = typlen;
			}
}

/*
 * bind_columns
 *		COPY's columns, bound to fields by name (or by fields) as a foreign
 *		table's columns without the option field; the decode plan.
 *
 * A path with a '/' reads an ancestor of the container path's rows (field
 * 'STEP/PATH' or '/PATH' of a foreign table): such a COPY walks the path
 * even when a one-step 'container' could be framed, as a foreign table
 * does.
 */
static void
bind_columns(PbCopyFrom *cf, TupleDesc tupdesc, List *attnums)
{
	List	   *refs = NIL;
	uint32		container_field;
	PbContainerPath *cpath;
	bool		ancestors = false;
	ListCell   *lc;
	int			i = 0;

	cf->schema = pb_schema_load_either(cf->opts.descriptor_set, cf->opts.descriptor);
	cf->message = pb_resolve_container(&cf->opts, cf->schema, &container_field, &cpath);
	check_fields_keys(cf, tupdesc, attnums);

	cf->tupdesc = tupdesc;
	cf->natts = tupdesc->natts;
	cf->ncols = list_length(attnums);
	cf->cols = palloc0(sizeof(OutColumn) * Max(cf->ncols, 1));
	foreach(lc, attnums)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, lfirst_int(lc) - 1);
		PbColumnRef *ref = palloc0(sizeof(PbColumnRef));
		OutColumn  *col = &cf->cols[i++];

		ref->attidx = attr->attnum - 1;
		ref->colname = pstrdup(NameStr(attr->attname));
		ref->path = field_of(cf, ref->colname);
		if (ref->path && strchr(ref->path, '/'))
		{
			if (cpath == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("field path \"%s\" of column \"%s\" reads an ancestor, but COPY FROM has no container path",
								ref->path, ref->colname),
						 errhint("Set the option container to the path whose last step holds the rows, for example container 'pkg.Root.groups.events'.")));
			ancestors = true;
		}
		ref->typid = attr->atttypid;
		ref->typmod = attr->atttypmod;
		ref->absent_default = cf->absent_default;
		ref->of_copy = true;
		refs = lappend(refs, ref);

		col->attidx = ref->attidx;
		col->by_datum = get_typtype(attr->atttypid) != TYPTYPE_DOMAIN;
		if (!col->by_datum)
		{
			Oid			sendfn;
			bool		varlena;

			getTypeBinaryOutputInfo(attr->atttypid, &sendfn, &varlena);
			fmgr_info(sendfn, &col->send);
		}
	}
	/* as a foreign table: only a one-step 'container' without ancestor columns is framed */
	if (cpath != NULL && (container_field == 0 || ancestors))
	{
		cf->cpath = cpath;
		container_field = 0;
	}
	cf->framing.container_field = container_field;
	cf->decode = pb_decode_state_create(plan_columns(cf, refs, ancestors));
	if (ancestors)
		mark_ancestor_columns(cf);
	cf->values = palloc0(sizeof(Datum) * Max(cf->natts, 1));
	cf->nulls = palloc0(sizeof(bool) * Max(cf->natts, 1));
}

/* ---------- the client's bytes: CopyData messages ---------- */

/* Tell the client to send: CopyInResponse, binary. */
static void
send_copy_in_response(int ncols)
{
	StringInfoData buf;

	pq_beginmessage(&buf, 'G');
	pq_sendbyte(&buf, 1);
	pq_sendint16(&buf, ncols);
	for (int i = 0; i < ncols; i++)
		pq_sendint16(&buf, 1);
	pq_endmessage(&buf);
	/* the client waits for it */
	pq_flush();
}

/*
 * Read the client's next message into fe_msgbuf; false at CopyDone.  As
 * PostgreSQL's CopyGetData: Flush and Sync are ignored, CopyFail is an
 * error, anything else a protocol violation.
 */
static bool
next_client_message(PbCopyFrom *cf)
{
	for (;;)
	{
		int			mtype;
		int			maxlen;

		HOLD_CANCEL_INTERRUPTS();
		pq_startmsgread();
		mtype = pq_getbyte();
		if (mtype == EOF)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("unexpected EOF on client connection with an open transaction")));
		switch (mtype)
		{
			case 'd':
				maxlen = PQ_LARGE_MESSAGE_LIMIT;
				break;
			case 'c':
			case 'f':
			case 'H':
			case 'S':
				maxlen = PQ_SMALL_MESSAGE_LIMIT;
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_PROTOCOL_VIOLATION),
						 errmsg("unexpected message type 0x%02X during COPY from stdin", mtype)));
				maxlen = 0;		/* keep compiler quiet */
		}
		resetStringInfo(cf->fe_msgbuf);
		if (pq_getmessage(cf->fe_msgbuf, maxlen))
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("unexpected EOF on client connection with an open transaction")));
		RESUME_CANCEL_INTERRUPTS();
		switch (mtype)
		{
			case 'd':
				return true;
			case 'c':
				return false;
			case 'f':
				ereport(ERROR,
						(errcode(ERRCODE_QUERY_CANCELED),
						 errmsg("COPY from stdin failed: %s", pq_getmsgstring(cf->fe_msgbuf))));
				break;
			default:
				break;			/* Flush, Sync: read on */
		}
	}
}

/* A PbReadFn over the client's CopyData. */
static long
client_read(void *arg, uint8_t *buf, size_t len)
{
	PbCopyFrom *cf = arg;
	size_t		n;

	CHECK_FOR_INTERRUPTS();
	while (cf->fe_msgbuf->cursor >= cf->fe_msgbuf->len)
	{
		if (cf->client_done)
			return 0;
		if (!next_client_message(cf))
		{
			cf->client_done = true;
			return 0;
		}
	}
	n = Min(len, (size_t) (cf->fe_msgbuf->len - cf->fe_msgbuf->cursor));
	memcpy(buf, cf->fe_msgbuf->data + cf->fe_msgbuf->cursor, n);
	cf->fe_msgbuf->cursor += n;
	return (long) n;
}

/* ---------- the protobuf stream ---------- */

/* The walker's progress callback: a long walk inside one buffer is cancellable. */
static int
walk_progress(void *arg)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/*
 * Ready the path walker over the source, with the ancestors' columns as a
 * foreign table reads them (ancestors.h): a server file is read again by
 * a cursor per level with columns, the client's bytes once, in streaming
 * mode (as a program's output).
 */
static void
start_walker(PbCopyFrom *cf, const PbAllocator *alloc)
{
	PbContainerPath *cp = cf->cpath;

	if (pb_pathwalk_init(&cf->walker, &cf->source, cp->steps, cp->nsteps,
						 (uint64) cf->opts.max_message_size, alloc) < 0)
		elog(ERROR, "could not set up the path walker: %s", cf->walker.errmsg);
	cf->walker_ready = true;
	pb_pathwalk_set_progress(&cf->walker, walk_progress, NULL);
	if (cf->ancestors)
		pb_ancestors_open(cf->ancestors, &cf->walker, cf->from_client ? NULL : cf->source_name,
						  (PbCompression) cf->opts.compression);
}

/* Decompression, the buffered source and the framing over the input. */
static void
open_stream(PbCopyFrom *cf, const char *filename)
{
	PbAllocator alloc = pb_context_allocator(cf->cxt);
	PbReadFn	read;
	void	   *arg;

	pb_raw_init(&cf->raw);
	if (filename)
	{
		cf->source_name = filename;
		pb_raw_open_file(&cf->raw, filename, 0, PG_UINT64_MAX);
		read = pb_raw_read;
		arg = &cf->raw;
	}
	else
	{
		cf->source_name = "STDIN";
		cf->from_client = true;
		cf->fe_msgbuf = makeStringInfo();
		read = client_read;
		arg = cf;
	}
	/* registered first: the codec is ended whatever fails from here on */
	pb_end_input_with(&cf->input, cf->cxt);
	if (pb_input_init(&cf->input, read, arg, &alloc, (PbCompression) cf->opts.compression) < 0 ||
		pb_source_init(&cf->source, pb_input_read, &cf->input, &alloc, PB_SOURCE_INITIAL_CAP) < 0)
		elog(ERROR, "could not allocate the input buffers");
	pb_framing_init(&cf->framing, cf->opts.framing, &cf->source, cf->framing.container_field,
					(uint64) cf->opts.max_message_size);
	cf->framing.crc32c = cf->opts.verify_crc ? pb_crc32c : NULL;
	if (cf->cpath)
		start_walker(cf, &alloc);
}

static void
copy_from_error_context(void *arg)
{
	PbCopyFrom *cf = arg;
	const PbDecodeState *ds = pb_ancestors_decoding(cf->ancestors);
	const PbReader *r = (ds ? ds : cf->decode)->current_reader;

	if (r)
		errcontext("COPY %s FROM %s, message " UINT64_FORMAT " at byte offset " UINT64_FORMAT ", column \"%s\" (field \"%s\")",
				   cf->relname, cf->source_name, cf->current_message, cf->current_offset,
				   r->colname, r->fieldname);
	else
		errcontext("COPY %s FROM %s, message " UINT64_FORMAT " at byte offset " UINT64_FORMAT,
				   cf->relname, cf->source_name, cf->current_message, cf->current_offset);
}

/* Count a skipped message; remember the first; enforce reject_limit. */
static void
note_skip(PbCopyFrom *cf, const char *why)
{
	cf->skipped++;
	if (cf->first_skip == NULL)
		cf->first_skip = MemoryContextStrdup(cf->cxt,
											 psprintf("message " UINT64_FORMAT " at byte offset " UINT64_FORMAT ": %s",
													  cf->current_message, cf->current_offset, why));
	if (cf->opts.reject_limit > 0 && cf->skipped > (uint64) cf->opts.reject_limit)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("more than " INT64_FORMAT " messages were skipped because of errors in COPY %s FROM %s",
						cf->opts.reject_limit, cf->relname, cf->source_name),
				 errdetail("The first was %s.", cf->first_skip),
				 errhint("Raise the option reject_limit, or repair the input.")));
}

/* The compressed stream found damaged (the input's, or an ancestor cursor's), else NULL. */
static const PbInput *
damaged_stream(const PbCopyFrom *cf)
{
	if (cf->input.failed)
		return &cf->input;
	return pb_ancestors_damaged(cf->ancestors);
}

/*
 * on_error 'skip' over a damaged compressed stream, as a foreign table
 * does: the input ends there, as a truncated plain one does; the rows
 * decompressed before the damage are loaded and the rest counts as one
 * skipped message.  False (nothing done) without on_error 'skip' or damage.
 */
static bool
skip_damaged_stream(PbCopyFrom *cf)
{
	const PbInput *damaged = damaged_stream(cf);

	if (!cf->opts.on_error_skip || damaged == NULL)
		return false;
	note_skip(cf, psprintf("%s (at compressed byte offset " UINT64_FORMAT ", after " UINT64_FORMAT " decompressed bytes)",
						   damaged->errmsg, damaged->err_offset, damaged->out_bytes));
	return true;
}

/* Report a fault of the input; 'msg' is the stream module's description. */
static void
report_fault(PbCopyFrom *cf, PbInputFault fault, const char *msg)
{
	PbFaultSite site;

	site.name = cf->source_name;
	site.damaged = fault == PB_FAULT_IO ? damaged_stream(cf) : NULL;
	site.read_errno = cf->source.read_errno;
	site.hint = NULL;
	site.size_option = "the option max_message_size";
	site.kept = "load the rows before the damage";
	pb_report_input_fault(&site, fault, msg);
}

/* A framing error: report it, or with on_error 'skip' step past what can be; false ends the input. */
static bool
frame_error(PbCopyFrom *cf)
{
	PbFraming  *f = &cf->framing;

	if (f->err == PB_FRAME_ERR_IO && skip_damaged_stream(cf))
		return false;
	if (cf->opts.on_error_skip &&
		(f->err == PB_FRAME_ERR_CRC || f->err == PB_FRAME_ERR_TOO_LARGE ||
		 f->err == PB_FRAME_ERR_TRUNCATED))
	{
		note_skip(cf, f->errmsg);
		if (f->err == PB_FRAME_ERR_TOO_LARGE)
			return pb_framing_skip_oversized(f) == 0;
		return f->err == PB_FRAME_ERR_CRC;
	}
	report_fault(cf, pb_frame_fault(f->err), f->errmsg);
	return false;
}

/* The next framed message; false at the end of the input (or where on_error 'skip' ends it). */
static bool
next_framed(PbCopyFrom *cf, const uint8 **msg, size_t *len)
{
	for (;;)
	{
		PbFrameResult res;

		CHECK_FOR_INTERRUPTS();
		cf->current_message = cf->framing.messages + 1;
		cf->current_offset = pb_source_offset(&cf->source);
		res = pb_framing_next(&cf->framing, msg, len);
		cf->current_offset = cf->framing.record_offset;
		if (res == PB_FRAME_MESSAGE)
			return true;
		if (res != PB_FRAME_ERROR || !frame_error(cf))
			return false;
	}
}

/* ---------- rows from any depth: the container path's walk ---------- */

/* Begin the next root (the file, or the next record); false when there is none or it was skipped. */
static bool
begin_root(PbCopyFrom *cf)
{
	PbFrameResult res = pb_rootwalk_begin(&cf->framing, &cf->walker);

	if (res == PB_FRAME_MESSAGE)
	{
		cf->in_root = true;
		return true;
	}
	if (res != PB_FRAME_ERROR || !frame_error(cf))
		cf->input_done = true;
	return false;
}

/* After a root: step past its record's trailer. */
static void
end_root(PbCopyFrom *cf)
{
	cf->in_root = false;
	if (pb_framing_end_root(&cf->framing) != PB_FRAME_MESSAGE && !frame_error(cf))
		cf->input_done = true;
}

/*
 * A walker error, as a foreign table treats it: with on_error 'skip', step
 * past an oversized row, end the input at a truncation, and skip a
 * malformed root when roots are framed one per record; anything else is
 * an error.
 */
static void
walk_error(PbCopyFrom *cf)
{
	PbPathWalk *w = &cf->walker;
	const char *msg = pb_container_walk_errmsg(cf->cpath, w);

	if (w->err == PB_PATH_ERR_IO && skip_damaged_stream(cf))
	{
		cf->input_done = true;
		return;
	}
	if (w->err == PB_PATH_ERR_LATE_FIELD)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("an ancestor's field comes after the rows under it in the data from STDIN"),
				 errdetail("In the walk of container path \"%s\": %s.", cf->opts.container, msg),
				 errhint("The client's data is read once, so the fields of an ancestor must come before its repeated children; COPY from a file on the server, which is read ahead.")));
	if (!cf->opts.on_error_skip || !pb_rootwalk_skippable(w->err))
		report_fault(cf, pb_walk_fault(w->err), msg);
	note_skip(cf, msg);
	switch (pb_rootwalk_step_past(w, &cf->framing))
	{
		case PB_ROOT_SAME_ROOT:
			break;
		case PB_ROOT_NEXT_ROOT:
			cf->in_root = false;
			break;
		default:
			cf->input_done = true;
	}
}

/*
 * next_walked_row
 *		The next row element of the container path: every element reached
 *		through every repeated step of each root, in wire order; false at
 *		the end of the input (or where on_error 'skip' ends it)
 *
 * Rows are numbered from 1 in the input and an error is placed at the row
 * element's tag, as a foreign table's meta 'ordinal' and 'offset' say.
 */
static bool
next_walked_row(PbCopyFrom *cf, const uint8 **msg, size_t *len)
{
	int			rowlevel = cf->cpath->nlevels - 1;

	while (!cf->input_done)
	{
		PbPathResult res;

		CHECK_FOR_INTERRUPTS();
		cf->current_message = cf->rows_walked + 1;
		cf->current_offset = pb_source_offset(&cf->source);
		if (!cf->in_root && !begin_root(cf))
			continue;
		res = pb_pathwalk_next(&cf->walker, msg, len);
		if (res == PB_PATH_ROW)
		{
			cf->rows_walked++;
			cf->current_offset = pb_pathwalk_offset(&cf->walker, rowlevel);
			return true;
		}
		if (res == PB_PATH_END_OF_ROOT)
			end_root(cf);
		else
		{
			if (cf->walker.err == PB_PATH_ERR_TOO_LARGE)
				cf->current_offset = pb_pathwalk_offset(&cf->walker, rowlevel);
			walk_error(cf);
		}
	}
	return false;
}

/* Decode one row: the element's columns, then those it takes from its ancestors. */
static inline void
decode_row(PbCopyFrom *cf, const uint8 *msg, size_t len)
{
	pb_decode_message(cf->decode, msg, len, cf->values, cf->nulls);
	if (cf->ancestors == NULL)
		return;
	pb_ancestors_fill(cf->ancestors, cf->ancestor_values, &cf->walker, cf->values, cf->nulls);
	for (int i = 0; i < cf->ncols; i++)
	{
		OutColumn  *col = &cf->cols[i];

		if (col->copy_typlen != 0 && !cf->nulls[col->attidx])
			cf->values[col->attidx] = datumCopy(cf->values[col->attidx], false,
												col->copy_typlen);
	}
}

/* Decode one message; with on_error 'skip' a data error skips it (false). */
static bool
decode_or_skip(PbCopyFrom *cf, const uint8 *msg, size_t len)
{
	bool		ok = true;

	for (int i = 0; i < cf->ncols; i++)
		cf->nulls[cf->cols[i].attidx] = true;
	if (!cf->opts.on_error_skip)
	{
		decode_row(cf, msg, len);
		return true;
	}
	PG_TRY();
	{
		decode_row(cf, msg, len);
	}
	PG_CATCH();
	{
		note_skip(cf, pb_decode_take_error(cf->decode, cf->cxt));
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cf->runcxt[cf->run]);
	return ok;
}

/* ---------- the binary COPY stream ---------- */

static inline void
put_int16(StringInfo out, int16 v)
{
	uint16		n = pg_hton16((uint16) v);

	appendBinaryStringInfoNT(out, (char *) &n, 2);
}

static inline void
put_int32(StringInfo out, int32 v)
{
	uint32		n = pg_hton32((uint32) v);

	appendBinaryStringInfoNT(out, (char *) &n, 4);
}

/*
 * A value of a column not carried as a Datum (a domain, whose receive
 * function checks it) as a binary COPY field: its length, then the bytes
 * of its send function.
 */
static void
put_sent_value(StringInfo out, OutColumn *col, Datum value)
{
	bytea	   *b = SendFunctionCall(&col->send, value);

	put_int32(out, VARSIZE(b) - VARHDRSZ);
	appendBinaryStringInfoNT(out, VARDATA(b), VARSIZE(b) - VARHDRSZ);
}

/*
 * datum_recv
 *		The receive function of the stream's by-Datum fields: the Datum,
 *		as put_row wrote it
 */
static Datum
datum_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Datum		value;

	if (buf->len - buf->cursor != sizeof(Datum))
		elog(ERROR, "binary COPY field of %d bytes where a Datum was written", buf->len - buf->cursor);
	memcpy(&value, buf->data + buf->cursor, sizeof(Datum));
	buf->cursor += sizeof(Datum);
	return value;
}

/* Make COPY take the Datums out of the fields that carry them. */
static void
receive_datums(PbCopyFrom *cf, CopyFromState cstate)
{
	FmgrInfo   *f = &cf->datum_recv;

	memset(f, 0, sizeof(FmgrInfo));
	f->fn_addr = datum_recv;
	f->fn_oid = InvalidOid;
	f->fn_nargs = 3;
	f->fn_strict = true;		/* a NULL field stays NULL without a call */
	f->fn_mcxt = CurrentMemoryContext;
	for (int i = 0; i < cf->ncols; i++)
		if (cf->cols[i].by_datum)
			cstate->in_functions[cf->cols[i].attidx] = *f;
}

/* The most a row's by-Datum and NULL fields take: a length and a Datum each. */
#define FIELD_MAX ((int) (sizeof(int32) + sizeof(Datum)))

/*
 * The decoded row as a binary COPY tuple.  The room for the fixed-size
 * fields is made once a row and they are stored in place: the per-field
 * appends (a bounds check and a call each) were a fifth of the stream's cost.
 */
static void
put_row(PbCopyFrom *cf)
{
	StringInfo	out = &cf->out;
	char	   *p;
	uint16		n16 = pg_hton16((uint16) cf->ncols);

	enlargeStringInfo(out, (int) sizeof(int16) + cf->ncols * FIELD_MAX);
	p = out->data + out->len;
	memcpy(p, &n16, sizeof(n16));
	p += sizeof(n16);
	for (int i = 0; i < cf->ncols; i++)
	{
		OutColumn  *col = &cf->cols[i];
		Datum		value = cf->values[col->attidx];
		uint32		n32;

		if (cf->nulls[col->attidx] || col->by_datum)
		{
			n32 = pg_hton32(cf->nulls[col->attidx] ? (uint32) -1 : (uint32) sizeof(Datum));
			memcpy(p, &n32, sizeof(n32));
			p += sizeof(n32);
			if (!cf->nulls[col->attidx])
			{
				memcpy(p, &value, sizeof(Datum));
				p += sizeof(Datum);
			}
			continue;
		}
		/* a send function's bytes: appended, then room again for the rest */
		out->len = p - out->data;
		put_sent_value(out, col, value);
		enlargeStringInfo(out, (cf->ncols - i - 1) * FIELD_MAX);
		p = out->data + out->len;
	}
	out->len = p - out->data;
}

/*
 * produce
 *		Frame and decode messages into binary COPY tuples until about
 *		COPY_STREAM_CHUNK bytes are ready or their values take about
 *		COPY_RUN_MEMORY, or the input ends (then the trailer).
 */
static void
produce(PbCopyFrom *cf)
{
	ErrorContextCallback errcb;
	ErrorContextCallback *saved_stack = error_context_stack;
	MemoryContext old;

	resetStringInfo(&cf->out);
	cf->out_pos = 0;
	/* the other context holds the values of the run COPY may still be reading */
	cf->run = 1 - cf->run;
	MemoryContextReset(cf->runcxt[cf->run]);
	errcb.callback = copy_from_error_context;
	errcb.arg = cf;
	errcb.previous = error_context_stack;
	/* COPY's own "line N" counts the tuples it has read, not the message being decoded ahead */
	if (errcb.previous && errcb.previous->callback == CopyFromErrorCallback)
		errcb.previous = errcb.previous->previous;
	error_context_stack = &errcb;
	old = MemoryContextSwitchTo(cf->runcxt[cf->run]);

	while (cf->out.len < COPY_STREAM_CHUNK &&
		   MemoryContextMemAllocated(cf->runcxt[cf->run], true) < COPY_RUN_MEMORY)
	{
		const uint8 *msg;
		size_t		len;

		if (cf->cpath ? next_walked_row(cf, &msg, &len) : next_framed(cf, &msg, &len))
		{
			if (decode_or_skip(cf, msg, len))
				put_row(cf);
			continue;
		}
		/* the end, or an input that on_error 'skip' ends */
		put_int16(&cf->out, -1);
		cf->ended = true;
		break;
	}

	MemoryContextSwitchTo(old);
	error_context_stack = saved_stack;
}

/*
 * copy_data_source
 *		BeginCopyFrom's data-source callback: the next bytes of the binary
 *		COPY stream; 0 after the trailer.
 */
static int
copy_data_source(void *outbuf, int minread, int maxread)
{
	PbCopyFrom *cf = current_copy;
	int			done = 0;

	while (done < maxread)
	{
		int			n;

		if (cf->out_pos >= cf->out.len)
		{
			if (cf->ended || done >= minread)
				break;
			produce(cf);
			continue;
		}
		n = Min(maxread - done, cf->out.len - cf->out_pos);
		memcpy((char *) outbuf + done, cf->out.data + cf->out_pos, n);
		cf->out_pos += n;
		done += n;
	}
	return done;
}

/* The stream's header: signature, flags, no extension. */
static void
put_header(PbCopyFrom *cf)
{
	static const char signature[11] = "PGCOPY\n\377\r\n\0";

	initStringInfo(&cf->out);
	appendBinaryStringInfo(&cf->out, signature, 11);
	put_int32(&cf->out, 0);
	put_int32(&cf->out, 0);
	cf->out_pos = 0;
}

/* ---------- the statement ---------- */

/*
 * COPY's WHERE, made as DoCopy makes it: transformed over the table,
 * boolean, with collations, simplified, as an implicit AND list.
 */
static Node *
transform_where(ParseState *pstate, ParseNamespaceItem *nsitem, Node *where)
{
	Node	   *clause;

	if (where == NULL)
		return NULL;
	addNSItemToQuery(pstate, nsitem, false, true, true);
	clause = transformExpr(pstate, where, EXPR_KIND_COPY_WHERE);
	clause = coerce_to_boolean(pstate, clause, "WHERE");
	assign_expr_collations(pstate, clause);
	clause = eval_const_expressions(NULL, clause);
	clause = (Node *) canonicalize_qual((Expr *) clause, false);
	return (Node *) make_ands_implicit((Expr *) clause);
}

/*
 * The privileges DoCopy checks: INSERT on the columns (and SELECT on those
 * the WHERE clause reads, marked as it was transformed), no row-level
 * security, a writable table.
 */
static void
check_table(Relation rel, RangeTblEntry *rte, List *attnums, List *rtable)
{
	ListCell   *lc;

	foreach(lc, attnums)
		rte->insertedCols = bms_add_member(rte->insertedCols,
										   lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
	ExecCheckRTPerms(rtable, true);
	if (check_enable_rls(RelationGetRelid(rel), InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY FROM not supported with row-level security"),
				 errhint("Use INSERT statements instead.")));
	if (XactReadOnly && !rel->rd_islocaltemp)
		PreventCommandIfReadOnly("COPY FROM");
	PreventCommandIfParallelMode("COPY FROM");
}

/* Run COPY's insert path over the stream; the state is current_copy meanwhile. */
static uint64
run_copy(ParseState *pstate, Relation rel, Node *where, const CopyStmt *stmt, PbCopyFrom *cf)
{
	PbCopyFrom *saved = current_copy;
	CopyFromState cstate;
	uint64		rows;

	current_copy = cf;
	PG_TRY();
	{
		cstate = BeginCopyFrom(pstate, rel, where, NULL, false, copy_data_source,
							   stmt->attlist, cf->copy_options);
		receive_datums(cf, cstate);
		rows = CopyFrom(cstate);
		EndCopyFrom(cstate);
	}
	PG_FINALLY();
	{
		current_copy = saved;
	}
	PG_END_TRY();
	return rows;
}

/*
 * pb_copy_from
 *		COPY table [(columns)] FROM STDIN|'file' (FORMAT protobuf, ...)
 *
 * Everything that can be checked is checked before the client is asked
 * for data: the options, the table and its privileges, the schema and the
 * binding of every column.
 */
uint64
pb_copy_from(ParseState *pstate, const CopyStmt *stmt, int stmt_location, int stmt_len)
{
	PbCopyFrom *cf;
	Relation	rel;
	ParseNamespaceItem *nsitem;
	List	   *attnums;
	Node	   *where;
	uint64		rows;

	if (stmt->is_program)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY FROM PROGRAM is not supported with FORMAT protobuf"),
				 errhint("Read from STDIN and pipe the program's output to the client, or use a foreign table with the option program.")));
	if (stmt->filename && !has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to COPY from a file"),
				 errdetail("Only roles with privileges of the \"pg_read_server_files\" role may COPY from a file."),
				 errhint("Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.")));

	cf = palloc0(sizeof(PbCopyFrom));
	cf->cxt = AllocSetContextCreate(CurrentMemoryContext, "COPY FROM protobuf",
									ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < 2; i++)
		cf->runcxt[i] = AllocSetContextCreate(cf->cxt, "COPY FROM protobuf values",
											  ALLOCSET_DEFAULT_SIZES);
	parse_copy_from_options(pstate, stmt, cf);

	rel = table_openrv(stmt->relation, RowExclusiveLock);
	cf->relname = RelationGetRelationName(rel);
	nsitem = addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock, NULL, false, false);
	attnums = CopyGetAttnums(RelationGetDescr(rel), rel, stmt->attlist);
	/* as DoCopy: the clause's columns add SELECT to what is checked */
	nsitem->p_rte->requiredPerms = ACL_INSERT;
	where = transform_where(pstate, nsitem, stmt->whereClause);
	check_table(rel, nsitem->p_rte, attnums, pstate->p_rtable);
	bind_columns(cf, RelationGetDescr(rel), attnums);

	open_stream(cf, stmt->filename);
	put_header(cf);
	if (cf->from_client)
		send_copy_in_response(cf->ncols);

	rows = run_copy(pstate, rel, where, stmt, cf);
	/* an input ended early (on_error 'skip' at a truncation): read the client's rest */
	while (cf->from_client && !cf->client_done)
		cf->client_done = !next_client_message(cf);

	if (cf->skipped > 0)
		ereport(NOTICE,
				(errmsg(UINT64_FORMAT " message%s of %s %s skipped because of errors",
						cf->skipped, cf->skipped == 1 ? "" : "s", cf->source_name,
						cf->skipped == 1 ? "was" : "were"),
				 errdetail("The first was %s.", cf->first_skip)));
	if (cf->ancestors)
		pb_ancestors_close(cf->ancestors);
	if (cf->walker_ready)
		pb_pathwalk_free(&cf->walker);
	pb_raw_close(&cf->raw, true);
	pb_source_free(&cf->source);
	MemoryContextDelete(cf->cxt);
	table_close(rel, NoLock);
	return rows;
}
