/*-------------------------------------------------------------------------
 *
 * scan.c
 *		A foreign table's messages, one at a time.
 *
 * Inputs are opened one after another (the files of a glob or directory in
 * name order, a parallel scan's share of them, or one program's output;
 * inputs.c opens them); each goes through the decompressing input stage,
 * the buffered source and the framing, and every message is decoded in a
 * per-row memory context, or skipped with on_error 'skip'.  Files and
 * programs are closed at transaction abort (inputs.c); codec and buffer
 * memory comes from the scan's memory context, whose reset callback ends
 * the codecs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "ancestors.h"
#include "container.h"
#include "decode.h"
#include "input_faults.h"
#include "inputs.h"
#include "scan.h"
#include "stream/framing.h"
#include "stream/pathwalk.h"
#include "stream/rootwalk.h"
#include "stream/sniff.h"

typedef struct PbMetaColumn
{
	int			attidx;
	PbMetaKind	kind;
	int			level;			/* PB_META_INDEX: the container path's level */
} PbMetaColumn;

struct PbScanState
{
	Relation	rel;
	PbTableOptions opts;
	const PbSchema *schema;
	const PbMessageInfo *message;
	uint32		container_field;
	PbMsgPlan  *plan;
	PbDecodeState *decode;
	int			nmeta;
	PbMetaColumn *meta;
	MemoryContext scancxt;
	MemoryContext rowcxt;

	/* the inputs: files in name order, or one program */
	List	   *files;			/* of char *; NIL for a program */
	int			next_file;		/* serial scan: index of the next file to open */
	bool		program_done;
	const char *current_name;	/* file name, or the command */
	bool		open;			/* an input is open */
	bool		in_range;		/* it is a parallel claim's range of a file */
	uint64		start_offset;	/* where its reading started in the file */
	PbRawInput	raw;
	PbInput		input;
	PbSource	source;
	PbFraming	framing;
	uint64		current_message;	/* 1-based within the file, for error context */
	uint64		current_offset;
	uint8		head[PB_SNIFF_HEAD];	/* the stream's first bytes, for a hint */
	size_t		head_len;		/* 0: not kept (yet) */
	uint64		head_total;		/* the stream's length, UINT64_MAX if unknown */

	/* a container path walked (container.h): the roots, the rows, the ancestors */
	PbContainerPath *cpath;		/* NULL without the option container */
	bool		walking;		/* rows come from the walker, not the framing */
	PbPathWalk	walker;
	bool		walker_ready;	/* initialized for the open input */
	bool		in_root;		/* a root is being walked */
	PbAncestors *ancestors;
	const PbAncestorValues *ancestor_values;	/* every row's copy of them */
	uint64		rows_in_input;	/* walking: the row number within the file */

	/* parallel scans; NULL in a serial one */
	PbParallelScan *parallel;
	PbClaim		claim;			/* split files: the range being read */

	/* counters, for EXPLAIN ANALYZE and the NOTICE about skipped messages */
	uint64		messages_read;
	uint64		bytes_read;
	uint64		skipped;
	char	   *first_skip;		/* where and why the first skip happened */
	PbWorkerCounters *workers;	/* a parallel scan's leader, after shutdown:
								 * what each worker read */
	int			nworkers;
};

/*
 * pb_resolve_row_message
 *		Resolve the row message type from a table's options
 *
 * The named message, or the element type of the container path's last step
 * (which must agree with 'message' if both are given).  *container_field is
 * the rows' field number when the container framing frames them itself (a
 * one-step path over one root per file), else 0.
 */
const PbMessageInfo *
pb_resolve_row_message(const PbTableOptions *opts, const PbSchema *schema,
					   uint32 *container_field)
{
	return pb_resolve_container(opts, schema, container_field, NULL);
}

/* The same, also giving the resolved container path (NULL without one). */
const PbMessageInfo *
pb_resolve_container(const PbTableOptions *opts, const PbSchema *schema,
					 uint32 *container_field, PbContainerPath **path)
{
	PbContainerPath *cp;
	const PbMessageInfo *row;

	*container_field = 0;
	if (path)
		*path = NULL;
	if (opts->container == NULL)
		return pb_schema_require_message(schema, opts->message);

	cp = pb_container_resolve(schema, opts->container);
	row = pb_container_row_message(cp);
	if (opts->message && strcmp(opts->message, row->full_name) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"message\" (\"%s\") disagrees with container field \"%s\", whose rows are \"%s\"",
						opts->message, opts->container, row->full_name),
				 errhint("Drop the option \"message\": the container field determines the row type.")));
	if (opts->framing == PB_FRAMING_CONTAINER && cp->nsteps == 1)
		*container_field = cp->steps[0].field;
	if (path)
		*path = cp;
	return row;
}

/*
 * pb_table_walks
 *		Does a scan of the table walk its container path?
 *
 * Yes for a path of more than one step, for roots framed one per record or
 * as a 'single' file, and whenever a column reads an ancestor or an index
 * ('STEP/PATH', '/PATH', meta 'index'): only the one-step container framing
 * without those is framed directly (and may be split among workers).
 */
bool
pb_table_walks(Oid relid, const PbTableOptions *opts, uint32 container_field)
{
	Relation	rel;
	bool		walks = false;

	if (opts->container == NULL)
		return false;
	if (container_field == 0)
		return true;
	rel = table_open(relid, AccessShareLock);
	for (int i = 0; i < RelationGetDescr(rel)->natts && !walks; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(RelationGetDescr(rel), i);
		char	   *field;

		if (attr->attisdropped)
			continue;
		field = pb_get_column_field(relid, attr->attnum);
		walks = (field && strchr(field, '/')) ||
			pb_get_column_meta(relid, attr->attnum) == PB_META_INDEX;
	}
	table_close(rel, AccessShareLock);
	return walks;
}

/* ---------- opening the inputs ---------- */

static void
close_input(PbScanState *ss, bool at_eof)
{
	if (!ss->open)
		return;
	ss->open = false;
	if (ss->ancestors)
		pb_ancestors_close(ss->ancestors);
	if (ss->walker_ready)
		pb_pathwalk_free(&ss->walker);
	ss->walker_ready = false;
	ss->in_root = false;
	pb_input_end(&ss->input);
	/* a parallel range starts mid-file: count what was read, not where it ended */
	ss->bytes_read += pb_source_offset(&ss->source) - ss->start_offset;
	pb_raw_close(&ss->raw, at_eof);
}

/* The walker's progress callback: a long walk inside one buffer is cancellable. */
static int
walk_progress(void *arg)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/*
 * Ready the path walker over the input just opened, with a cursor per
 * ancestor level with columns (none for a program: streaming mode).
 */
static void
start_walker(PbScanState *ss)
{
	PbAllocator alloc = pb_context_allocator(ss->scancxt);
	PbContainerPath *cp = ss->cpath;

	if (pb_pathwalk_init(&ss->walker, &ss->source, cp->steps, cp->nsteps,
						 (uint64) ss->opts.max_message_size, &alloc) < 0)
		elog(ERROR, "could not set up the path walker: %s", ss->walker.errmsg);
	ss->walker_ready = true;
	ss->in_root = false;
	ss->rows_in_input = 0;
	pb_pathwalk_set_progress(&ss->walker, walk_progress, NULL);
	pb_ancestors_open(ss->ancestors, &ss->walker, ss->opts.program ? NULL : ss->current_name,
					  (PbCompression) ss->opts.compression);
}

/* Frame the source that was just set up; the input is open. */
static void
start_framing(PbScanState *ss)
{
	pb_framing_init(&ss->framing, ss->opts.framing, &ss->source, ss->container_field,
					(uint64) ss->opts.max_message_size);
	ss->framing.crc32c = ss->opts.verify_crc ? pb_crc32c : NULL;
	/* a range's offsets and message numbers stay those of the whole file */
	if (ss->in_range)
		ss->framing.messages = ss->claim.ordinal - 1;
	ss->open = true;
	if (ss->walking)
		start_walker(ss);
}

/* Put the decompressing input stage and the source over the raw input just opened. */
static void
start_stream(PbScanState *ss)
{
	PbAllocator alloc = pb_context_allocator(ss->scancxt);

	/* a range of a split file starts mid-file: never sniff it for magic bytes */
	if (pb_input_init(&ss->input, pb_raw_read, &ss->raw, &alloc,
					  ss->in_range ? PB_COMPRESSION_NONE : (PbCompression) ss->opts.compression) < 0)
		elog(ERROR, "could not allocate the input buffer");
	pb_source_reset(&ss->source);
	if (ss->source.buf == NULL &&
		pb_source_init(&ss->source, pb_input_read, &ss->input, &alloc, PB_SOURCE_INITIAL_CAP) < 0)
		elog(ERROR, "could not allocate the read buffer");
	ss->source.read = pb_input_read;
	ss->source.read_arg = &ss->input;
	ss->source.base_offset = ss->start_offset;
	ss->head_len = 0;
	start_framing(ss);
}

/* Whole files: open the next one (in a parallel scan, the next no process took). */
static bool
open_next_file(PbScanState *ss)
{
	int			idx = ss->parallel ? pb_parallel_next_file(ss->parallel) : ss->next_file++;

	if (idx >= list_length(ss->files))
		return false;
	ss->current_name = list_nth(ss->files, idx);
	pb_raw_open_file(&ss->raw, ss->current_name, 0, PG_UINT64_MAX);
	start_stream(ss);
	return true;
}

/*
 * Split files: claim the next range of records, and frame it from the block
 * the claim read, or else from the file.
 */
static bool
open_next_range(PbScanState *ss)
{
	PbClaim    *claim = &ss->claim;

	if (!pb_parallel_claim(ss->parallel, claim))
		return false;
	ss->current_name = list_nth(ss->files, claim->file);
	ss->in_range = true;
	ss->start_offset = claim->start;
	if (claim->buffered)
	{
		pb_source_attach(&ss->source, claim->data, claim->len, claim->start);
		start_framing(ss);
	}
	else
	{
		pb_raw_open_file(&ss->raw, ss->current_name, claim->start, claim->end);
		start_stream(ss);
	}
	return true;
}

/* Open the next input; false when there is none. */
static bool
open_next_input(PbScanState *ss)
{
	ss->in_range = false;
	ss->start_offset = 0;
	if (ss->opts.program)
	{
		if (ss->program_done)
			return false;
		ss->program_done = true;
		ss->current_name = ss->opts.program;
		pb_raw_open_program(&ss->raw, ss->opts.program);
		start_stream(ss);
		return true;
	}
	if (ss->parallel && pb_parallel_splits(ss->parallel))
		return open_next_range(ss);
	return open_next_file(ss);
}

/* ---------- setting a scan up ---------- */

/* The level a meta 'index' or 'STEP/index' column reads. */
static int
index_level(PbScanState *ss, const char *colname, const char *step)
{
	if (ss->cpath == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("metadata column \"%s\" reads an element's index, but foreign table \"%s\" has no container path",
						colname, RelationGetRelationName(ss->rel)),
				 errhint("meta 'index' is the position of a row element in its parent's repeated field: set the option container.")));
	return pb_container_index_level(ss->cpath, colname, step);
}

/* The metadata columns (column option "meta") of the relation, checked. */
static void
bind_meta_columns(PbScanState *ss)
{
	TupleDesc	tupdesc = RelationGetDescr(ss->rel);
	Oid			relid = RelationGetRelid(ss->rel);

	ss->meta = palloc(sizeof(PbMetaColumn) * Max(tupdesc->natts, 1));
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i);
		PbMetaKind	kind;
		Oid			want;

		if (attr->attisdropped)
			continue;
		kind = pb_get_column_meta(relid, attr->attnum);
		if (kind == PB_META_NONE)
			continue;
		want = kind == PB_META_FILENAME ? TEXTOID : INT8OID;
		if (attr->atttypid != want)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("metadata column \"%s\" must be of type %s", NameStr(attr->attname),
							format_type_be(want))));
		ss->meta[ss->nmeta].attidx = i;
		ss->meta[ss->nmeta].kind = kind;
		if (kind == PB_META_INDEX)
			ss->meta[ss->nmeta].level = index_level(ss, NameStr(attr->attname),
													pb_get_column_meta_step(relid, attr->attnum));
		ss->nmeta++;
	}
}

PbScanState *
pb_scan_prepare(Relation rel, Bitmapset *attrs)
{
	PbScanState *ss = palloc0(sizeof(PbScanState));

	ss->rel = rel;
	ss->scancxt = CurrentMemoryContext;
	pb_raw_init(&ss->raw);
	pb_get_table_options(RelationGetRelid(rel), &ss->opts);
	ss->schema = pb_schema_load_either(ss->opts.descriptor_set, ss->opts.descriptor);
	ss->message = pb_resolve_container(&ss->opts, ss->schema, &ss->container_field,
									   &ss->cpath);
	ss->walking = pb_table_walks(RelationGetRelid(rel), &ss->opts, ss->container_field);
	if (ss->cpath)
	{
		pb_container_bind(ss->cpath, rel, ss->schema, attrs);
		ss->plan = ss->cpath->row_plan;
		ss->ancestors = pb_ancestors_create(ss->cpath, RelationGetDescr(rel)->natts);
		ss->ancestor_values = pb_ancestors_values(ss->ancestors);
	}
	else
		ss->plan = pb_build_plan(rel, ss->message, ss->schema, attrs);
	ss->decode = pb_decode_state_create(ss->plan);
	ss->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "protobuf_fdw row",
									   ALLOCSET_DEFAULT_SIZES);
	if (ss->opts.filename)
		ss->files = pb_expand_files(ss->opts.filename);
	bind_meta_columns(ss);

	/* whatever happens, end the codecs when the scan's memory goes */
	pb_end_input_with(&ss->input, CurrentMemoryContext);
	return ss;
}

void
pb_scan_init_parallel(PbScanState *ss, PbParallelShared *shared, int nworkers)
{
	pb_parallel_init(shared, &ss->opts, ss->files, ss->walking, nworkers);
	pb_scan_attach_parallel(ss, shared);
}

void
pb_scan_attach_parallel(PbScanState *ss, PbParallelShared *shared)
{
	ss->parallel = pb_parallel_attach(shared, &ss->opts, ss->container_field, ss->files,
									  ss->scancxt);
}

/* ---------- the messages ---------- */

static void
scan_error_context(void *arg)
{
	PbScanState *ss = arg;
	const char *what = ss->raw.pipe ? "program" : "file";
	const PbDecodeState *ds = pb_ancestors_decoding(ss->ancestors);

	if (ds == NULL)
		ds = ss->decode;

	if (ss->current_name == NULL)
		return;
	if (!ss->open)
	{
		/* opening: there is no message yet */
		errcontext("foreign table \"%s\", %s \"%s\"",
				   RelationGetRelationName(ss->rel), ss->opts.program ? "program" : "file",
				   ss->current_name);
		return;
	}
	if (ds && ds->current_reader)
		errcontext("foreign table \"%s\", %s \"%s\", message " UINT64_FORMAT " at byte offset " UINT64_FORMAT ", column \"%s\" (field \"%s\")",
				   RelationGetRelationName(ss->rel), what, ss->current_name,
				   ss->current_message, ss->current_offset,
				   ds->current_reader->colname,
				   ds->current_reader->fieldname);
	else
		errcontext("foreign table \"%s\", %s \"%s\", message " UINT64_FORMAT " at byte offset " UINT64_FORMAT,
				   RelationGetRelationName(ss->rel), what, ss->current_name,
				   ss->current_message, ss->current_offset);
}


/*
 * Keep the first bytes of the stream while the source still holds them
 * (after framing its first record), to sniff them if an error comes.
 */
static void
remember_head(PbScanState *ss)
{
	const PbSource *src = &ss->source;

	if (ss->head_len > 0 || ss->in_range || src->base_offset != 0 || src->end == 0)
		return;
	ss->head_len = Min(src->end, PB_SNIFF_HEAD);
	memcpy(ss->head, src->buf, ss->head_len);
	if (src->eof && src->end <= PB_SNIFF_HEAD)
		ss->head_total = src->end;
	else if (ss->input.mode == PB_COMPRESSION_NONE && !ss->opts.program)
		ss->head_total = pb_files_size(list_make1((char *) ss->current_name));
	else
		ss->head_total = PG_UINT64_MAX;
}

/*
 * A hint for an error in the data: what the file looks like when that is
 * not what the options say (a compression's magic number, another
 * framing's plausible first record; stream/sniff.h), else NULL.  Never a
 * guess acted on: only words on an error being reported.
 */
static char *
sniff_hint(PbScanState *ss)
{
	PbCompression used = ss->input.mode;
	PbCompression magic;
	PbFramingKind found;
	uint64		length;
	char		what[128];

	if (ss->in_range)
		return NULL;
	if (!ss->opts.program && ss->current_name)
	{
		magic = pb_detect_compression(ss->current_name);
		if (magic != PB_COMPRESSION_NONE && magic != used)
			return psprintf("The file starts with %s's magic number: use compression '%s'.",
							pb_compression_name(magic), pb_compression_name(magic));
		if (magic == PB_COMPRESSION_NONE && used != PB_COMPRESSION_NONE &&
			used != PB_COMPRESSION_AUTO)
			return psprintf("The file does not start with %s's magic number: use compression 'none' (or 'auto').",
							pb_compression_name(used));
	}
	if (ss->walking || ss->head_len == 0 ||
		!pb_sniff_framing(ss->opts.framing, ss->head, ss->head_len, ss->head_total, pb_crc32c,
						  &found, &length))
		return NULL;
	pb_sniff_describe(found, length, what, sizeof(what));
	return psprintf("The file looks like framing '%s' (%s).", pb_framing_name(found), what);
}

/* The compressed stream found damaged (the input's, or an ancestor cursor's), else NULL. */
static const PbInput *
damaged_stream(const PbScanState *ss)
{
	if (ss->open && ss->input.failed)
		return &ss->input;
	return pb_ancestors_damaged(ss->ancestors);
}

/* Report a fault of the open input; 'msg' is the stream module's description. */
static void
report_input_fault(PbScanState *ss, PbInputFault fault, const char *msg)
{
	PbFaultSite site;

	site.name = psprintf("\"%s\"", ss->current_name);
	site.damaged = fault == PB_FAULT_IO ? damaged_stream(ss) : NULL;
	site.read_errno = ss->source.read_errno;
	site.hint = sniff_hint(ss);
	site.size_option = "the foreign table's option max_message_size";
	site.kept = "read the messages before the damage";
	pb_report_input_fault(&site, fault, msg);
}

static void
report_frame_error(PbScanState *ss)
{
	report_input_fault(ss, pb_frame_fault(ss->framing.err), ss->framing.errmsg);
}

/*
 * Count a skipped message; remember the first; enforce reject_limit.  In a
 * parallel scan the count and the first skip are shared, so the limit holds
 * for the whole scan and the leader reports one total.
 */
static void
note_skip(PbScanState *ss, const char *why)
{
	char	   *where = psprintf("message " UINT64_FORMAT " of \"%s\" at byte offset " UINT64_FORMAT ": %s",
								 ss->current_message, ss->current_name, ss->current_offset, why);
	uint64		total;

	ss->skipped++;
	if (ss->first_skip == NULL)
		ss->first_skip = MemoryContextStrdup(ss->scancxt, where);
	total = ss->parallel ? pb_parallel_note_skip(ss->parallel, where) : ss->skipped;
	if (ss->opts.reject_limit > 0 && total > (uint64) ss->opts.reject_limit)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("more than " INT64_FORMAT " messages of foreign table \"%s\" were skipped because of errors",
						ss->opts.reject_limit, RelationGetRelationName(ss->rel)),
				 errdetail("The first was %s.",
						   ss->parallel ? pb_parallel_first_skip(ss->parallel) : ss->first_skip),
				 errhint("Raise the table option reject_limit, or repair the input.")));
}

/*
 * on_error 'skip' over a damaged compressed stream: the file ends there, as
 * a truncated plain file does.  The messages decompressed before the damage
 * have been read; the rest of the file counts as one skipped message, and a
 * NOTICE says which file lost its end, where and why.
 */
static void
skip_damaged_stream(PbScanState *ss, const PbInput *damaged)
{
	note_skip(ss, psprintf("%s (at compressed byte offset " UINT64_FORMAT ")",
						   damaged->errmsg, damaged->err_offset));
	ereport(NOTICE,
			(errmsg("compressed file \"%s\" of foreign table \"%s\" is damaged: %s",
					ss->current_name, RelationGetRelationName(ss->rel), damaged->errmsg),
			 errdetail("The stream is damaged at compressed byte offset " UINT64_FORMAT ", after " UINT64_FORMAT " decompressed bytes; its messages from message " UINT64_FORMAT " (at byte offset " UINT64_FORMAT ") on are skipped.",
					   damaged->err_offset, damaged->out_bytes,
					   ss->current_message, ss->current_offset)));
	close_input(ss, false);
}

/* Decode one row: its element's columns, then those it takes from its ancestors. */
static inline void
decode_row(PbScanState *ss, const uint8 *msg, size_t len, Datum *values, bool *nulls)
{
	pb_decode_message(ss->decode, msg, len, values, nulls);
	if (ss->walking)
		pb_ancestors_fill(ss->ancestors, ss->ancestor_values, &ss->walker, values, nulls);
}

/*
 * The first messages of a file, with on_error 'stop': a data error there
 * may be the options' fault (a wrong framing or compression), so it gets a
 * hint of what the file looks like, if anything else fits.  Not only the
 * first: a 4-byte big-endian length read as varints frames three empty
 * messages before the first wrong one.
 */
#define SNIFF_MESSAGES 16

static void
decode_first(PbScanState *ss, const uint8 *msg, size_t len, Datum *values, bool *nulls)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		decode_row(ss, msg, len, values, nulls);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		char	   *hint;

		MemoryContextSwitchTo(ss->scancxt);
		edata = CopyErrorData();
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION ||
			edata->hint != NULL || (hint = sniff_hint(ss)) == NULL)
		{
			MemoryContextSwitchTo(cxt);
			PG_RE_THROW();
		}
		FlushErrorState();
		edata->hint = hint;
		ReThrowError(edata);
	}
	PG_END_TRY();
}

/*
 * Decode one message; with on_error 'skip', a data error (SQLSTATE class 22)
 * makes it a skipped message instead.  Returns false if it was skipped.
 */
static bool
decode_or_skip(PbScanState *ss, const uint8 *msg, size_t len, Datum *values, bool *nulls)
{
	MemoryContext old = MemoryContextSwitchTo(ss->rowcxt);
	bool		ok = true;

	if (!ss->opts.on_error_skip)
	{
		if (ss->current_message <= SNIFF_MESSAGES && !ss->walking && !ss->in_range)
			decode_first(ss, msg, len, values, nulls);
		else
			decode_row(ss, msg, len, values, nulls);
		MemoryContextSwitchTo(old);
		return true;
	}
	PG_TRY();
	{
		decode_row(ss, msg, len, values, nulls);
	}
	PG_CATCH();
	{
		note_skip(ss, pb_decode_take_error(ss->decode, ss->scancxt));
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	return ok;
}

/*
 * A framing error: with on_error 'skip', step past what can be stepped
 * past (a checksum mismatch, an oversized message, a truncated last
 * message); anything else, or with on_error 'stop', is an error.
 * Returns true to go on reading this input, false to end it.
 */
static bool
frame_error_or_skip(PbScanState *ss)
{
	PbFrameError err = ss->framing.err;
	const PbInput *damaged = damaged_stream(ss);

	if (ss->opts.on_error_skip && err == PB_FRAME_ERR_IO && damaged)
	{
		skip_damaged_stream(ss, damaged);
		return false;
	}
	if (!ss->opts.on_error_skip ||
		!(err == PB_FRAME_ERR_CRC || err == PB_FRAME_ERR_TOO_LARGE || err == PB_FRAME_ERR_TRUNCATED))
		report_frame_error(ss);
	note_skip(ss, ss->framing.errmsg);
	if (err == PB_FRAME_ERR_TOO_LARGE)
		return pb_framing_skip_oversized(&ss->framing) == 0;
	return err == PB_FRAME_ERR_CRC;
}

/* ---------- the rows of a container path ---------- */

/* Report what stopped the path walker. */
static void
report_walk_error(PbScanState *ss)
{
	const PbPathWalk *w = &ss->walker;
	const char *msg = pb_container_walk_errmsg(ss->cpath, w);

	if (w->err == PB_PATH_ERR_LATE_FIELD)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("an ancestor's field comes after the rows under it in the output of program \"%s\"",
						ss->current_name),
				 errdetail("In the walk of container path \"%s\": %s.", ss->opts.container, msg),
				 errhint("A program's output is read once, so the fields of an ancestor must come before its repeated children; read the data from a file (option filename), which is read ahead.")));
	report_input_fault(ss, pb_walk_fault(w->err), msg);
}

/*
 * A walker error: with on_error 'skip', step past an oversized row, end
 * the input at a truncation, and skip a malformed root when roots are
 * framed one per record; anything else is an error.
 */
static void
walk_error_or_skip(PbScanState *ss)
{
	PbPathWalk *w = &ss->walker;
	PbPathError err = w->err;
	const PbInput *damaged = damaged_stream(ss);

	if (ss->opts.on_error_skip && err == PB_PATH_ERR_IO && damaged)
	{
		skip_damaged_stream(ss, damaged);
		return;
	}
	if (!ss->opts.on_error_skip || !pb_rootwalk_skippable(err))
		report_walk_error(ss);
	note_skip(ss, pb_container_walk_errmsg(ss->cpath, w));
	switch (pb_rootwalk_step_past(w, &ss->framing))
	{
		case PB_ROOT_SAME_ROOT:
			return;
		case PB_ROOT_NEXT_ROOT:
			ss->in_root = false;
			return;
		default:
			close_input(ss, false);
	}
}

/*
 * Begin the open input's next root; false when there is none (the input
 * is then closed) or its record header was bad and skipped.
 */
static bool
begin_root(PbScanState *ss)
{
	PbFrameResult res = pb_rootwalk_begin(&ss->framing, &ss->walker);

	if (res == PB_FRAME_MESSAGE)
	{
		ss->in_root = true;
		return true;
	}
	if (res == PB_FRAME_END)
		close_input(ss, true);
	else if (!frame_error_or_skip(ss))
		close_input(ss, false);
	return false;
}

/* After a root: step past its record's trailer. */
static void
end_root(PbScanState *ss)
{
	ss->in_root = false;
	if (pb_framing_end_root(&ss->framing) != PB_FRAME_MESSAGE && !frame_error_or_skip(ss))
		close_input(ss, false);
}

/*
 * The next row of a container path: walk the roots of the inputs, opening
 * and closing them as they come and go; false after the last input.
 */
static bool
next_walked_row(PbScanState *ss, const uint8 **msg, size_t *len)
{
	for (;;)
	{
		PbPathResult res;

		if (!ss->open && !open_next_input(ss))
			return false;
		ss->current_message = ss->rows_in_input + 1;
		ss->current_offset = pb_source_offset(&ss->source);
		if (!ss->in_root && !begin_root(ss))
			continue;
		res = pb_pathwalk_next(&ss->walker, msg, len);
		if (res == PB_PATH_ROW)
		{
			ss->rows_in_input++;
			ss->current_offset = pb_pathwalk_offset(&ss->walker, ss->cpath->nlevels - 1);
			return true;
		}
		if (res == PB_PATH_END_OF_ROOT)
			end_root(ss);
		else
		{
			/* an oversized row is reported at its own tag, as its meta 'offset' says */
			if (ss->walker.err == PB_PATH_ERR_TOO_LARGE)
				ss->current_offset = pb_pathwalk_offset(&ss->walker, ss->cpath->nlevels - 1);
			walk_error_or_skip(ss);
		}
	}
}

/*
 * Frame the next message of the inputs, opening and closing them as they
 * come and go and stepping past what on_error 'skip' allows; false after
 * the last input.
 */
static bool
next_message(PbScanState *ss, const uint8 **msg, size_t *len)
{
	if (ss->walking)
		return next_walked_row(ss, msg, len);
	for (;;)
	{
		PbFrameResult res;

		if (!ss->open && !open_next_input(ss))
			return false;
		ss->current_message = ss->framing.messages + 1;
		ss->current_offset = pb_source_offset(&ss->source);
		res = pb_framing_next(&ss->framing, msg, len);
		ss->current_offset = ss->framing.record_offset;
		if (ss->head_len == 0 && ss->framing.messages <= 1)
			remember_head(ss);
		if (res == PB_FRAME_MESSAGE)
			return true;
		if (res == PB_FRAME_END)
			close_input(ss, true);
		else if (!frame_error_or_skip(ss))
			close_input(ss, false);
	}
}

/* The metadata columns' values for the current message. */
static void
fill_meta_columns(PbScanState *ss, Datum *values, bool *nulls)
{
	for (int i = 0; i < ss->nmeta; i++)
	{
		const PbMetaColumn *m = &ss->meta[i];

		nulls[m->attidx] = false;
		if (m->kind == PB_META_FILENAME)
		{
			MemoryContext old = MemoryContextSwitchTo(ss->rowcxt);

			values[m->attidx] = CStringGetTextDatum(ss->current_name);
			MemoryContextSwitchTo(old);
		}
		else if (m->kind == PB_META_INDEX)
			values[m->attidx] = Int64GetDatum((int64) pb_pathwalk_index(&ss->walker, m->level));
		else
			values[m->attidx] = Int64GetDatum(m->kind == PB_META_OFFSET
											  ? (int64) ss->current_offset
											  : (int64) ss->current_message);
	}
}

bool
pb_scan_next(PbScanState *ss, Datum *values, bool *nulls, int natts)
{
	ErrorContextCallback errcb;
	const uint8 *msg;
	size_t		len;
	bool		found = false;

	errcb.callback = scan_error_context;
	errcb.arg = ss;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	MemoryContextReset(ss->rowcxt);
	while (!found && next_message(ss, &msg, &len))
	{
		ss->messages_read++;
		memset(nulls, true, natts);
		found = decode_or_skip(ss, msg, len, values, nulls);
	}
	if (found)
		fill_meta_columns(ss, values, nulls);

	error_context_stack = errcb.previous;
	return found;
}

void
pb_scan_rewind(PbScanState *ss)
{
	close_input(ss, false);
	ss->next_file = 0;
	ss->program_done = false;
	ss->current_name = NULL;
}

/* What this process read (the open input's bytes included). */
static void
own_counters(const PbScanState *ss, PbScanCounters *counters)
{
	counters->messages_read = ss->messages_read;
	counters->bytes_read = ss->bytes_read;
	if (ss->open)
		counters->bytes_read += pb_source_offset(&ss->source) - ss->start_offset;
	counters->bytes_read_ahead = ss->ancestors ? pb_ancestors_bytes_read(ss->ancestors) : 0;
	counters->skipped = ss->skipped;
}

/*
 * The leader: copy the workers' slots out of shared memory, which goes
 * before EXPLAIN prints the node.  The workers have reported by now when
 * the Gather above read them to their end (a worker shuts its scan down
 * before it detaches from its tuple queue); under a LIMIT that stops
 * early, a worker still running is counted as far as it had reported.
 */
static void
keep_worker_counters(PbScanState *ss)
{
	int			n;
	const PbWorkerCounters *shared = pb_parallel_worker_counters(ss->parallel, &n);

	if (ss->workers == NULL && n > 0)
	{
		ss->workers = MemoryContextAllocZero(ss->scancxt, sizeof(PbWorkerCounters) * n);
		ss->nworkers = n;
	}
	for (int i = 0; i < Min(n, ss->nworkers); i++)
		ss->workers[i] = shared[i];
}

void
pb_scan_shutdown(PbScanState *ss)
{
	const char *first;

	if (ss->parallel == NULL)
		return;
	if (IsParallelWorker())
	{
		PbScanCounters own;
		PbWorkerCounters read = {0};

		own_counters(ss, &own);
		read.messages_read = own.messages_read;
		read.bytes_read = own.bytes_read;
		read.bytes_read_ahead = own.bytes_read_ahead;
		pb_parallel_report_worker(ss->parallel, ParallelWorkerNumber, &read);
	}
	else
		keep_worker_counters(ss);
	ss->skipped = pb_parallel_skipped(ss->parallel);
	first = pb_parallel_first_skip(ss->parallel);
	if (first[0])
		ss->first_skip = MemoryContextStrdup(ss->scancxt, first);
	pb_parallel_detach(ss->parallel);
	ss->parallel = NULL;
}

void
pb_scan_end(PbScanState *ss, bool report)
{
	close_input(ss, false);
	if (ss->parallel)
		pb_parallel_detach(ss->parallel);
	if (ss->source.buf)
		pb_source_free(&ss->source);
	/* a parallel worker's skips are counted in shared memory and reported by the leader */
	if (report && ss->skipped > 0 && !IsParallelWorker())
		ereport(NOTICE,
				(errmsg(UINT64_FORMAT " message%s of foreign table \"%s\" %s skipped because of errors",
						ss->skipped, ss->skipped == 1 ? "" : "s",
						RelationGetRelationName(ss->rel), ss->skipped == 1 ? "was" : "were"),
				 errdetail("The first was %s.", ss->first_skip)));
}

/* ---------- what the FDW may read ---------- */

const PbTableOptions *
pb_scan_options(const PbScanState *ss)
{
	return &ss->opts;
}

List *
pb_scan_files(const PbScanState *ss)
{
	return ss->files;
}

const PbMessageInfo *
pb_scan_message(const PbScanState *ss)
{
	return ss->message;
}

bool
pb_scan_walks(const PbScanState *ss)
{
	return ss->walking;
}

bool
pb_scan_reads_ahead(const PbScanState *ss)
{
	return ss->walking && ss->ancestors && pb_ancestors_any(ss->ancestors) &&
		ss->opts.program == NULL;
}

List *
pb_scan_fields(const PbScanState *ss)
{
	List	   *fields = pb_plan_fields(ss->plan);

	if (ss->cpath)
		fields = list_concat(fields, pb_container_fields(ss->cpath));
	return fields;
}

void
pb_scan_counters(const PbScanState *ss, PbScanCounters *counters)
{
	own_counters(ss, counters);
	for (int i = 0; i < ss->nworkers; i++)
	{
		counters->messages_read += ss->workers[i].messages_read;
		counters->bytes_read += ss->workers[i].bytes_read;
		counters->bytes_read_ahead += ss->workers[i].bytes_read_ahead;
	}
}

const PbWorkerCounters *
pb_scan_worker_counters(const PbScanState *ss, int *nworkers)
{
	*nworkers = ss->nworkers;
	return ss->workers;
}
