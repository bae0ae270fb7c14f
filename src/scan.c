/*
 * scan.c - a foreign table's messages, one at a time.
 *
 * Inputs are opened one after another (the files of a glob or directory in
 * name order, or one program's output); each goes through the decompressing
 * input stage, the buffered source and the framing, and every message is
 * decoded in a per-row memory context.  Files are opened with
 * OpenTransientFile and programs with OpenPipeStream, so an error anywhere
 * closes them at transaction abort; codec and buffer memory comes from the
 * scan's memory context, whose reset callback ends the codecs.
 */
#include "postgres.h"

#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/parallel.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "port/pg_crc32c.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "scan.h"

/*
 * Resolve the row message type from the options: the named message, or the
 * element type of the container's repeated field (which must agree with
 * 'message' if both are given).
 */
const PbMessageInfo *
pb_resolve_row_message(const PbTableOptions *opts, const PbSchema *schema,
					uint32 *container_field)
{
	char	   *cname;
	char	   *fname;
	const PbMessageInfo *container;
	const PbMessageInfo *row;
	const PbFieldDescriptor *field = NULL;

	*container_field = 0;
	if (opts->framing != PB_FRAMING_CONTAINER)
		return pb_schema_require_message(schema, opts->message);

	pb_split_container(opts->container, &cname, &fname);
	container = pb_schema_require_message(schema, cname);
	for (size_t i = 0; i < container->desc->n_field && field == NULL; i++)
		if (strcmp(container->desc->field[i]->name, fname) == 0)
			field = container->desc->field[i];
	if (field == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("container field \"%s\" not found in message \"%s\"", fname, container->full_name),
				 errdetail("Message \"%s\" has the fields: %s.", container->full_name,
						   pb_message_field_list(container->desc))));
	if (field->type != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE ||
		field->label != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("container field \"%s.%s\" is not a repeated message field", container->full_name, fname),
				 errdetail("It is a %s %s field.",
						   field->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED
						   ? "repeated" : "singular", pb_field_type_name(field)),
				 errhint("Name a field declared as \"repeated SomeMessage\", whose elements are the rows.")));
	row = pb_schema_find_message(schema, field->type_name);
	if (row == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("message type \"%s\" of container field \"%s\" is not in descriptor set \"%s\"",
						field->type_name, fname, schema->path),
				 errhint("Write the descriptor set with protoc --include_imports.")));
	if (opts->message && strcmp(opts->message, row->full_name) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"message\" (\"%s\") disagrees with container field \"%s\", whose rows are \"%s\"",
						opts->message, opts->container, row->full_name),
				 errhint("Drop the option \"message\": the container field determines the row type.")));
	*container_field = (uint32) field->number;
	return row;
}

/* ---------- the inputs ---------- */

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool
is_regular_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

List *
pb_expand_files(const char *pattern)
{
	struct stat st;
	List	   *files = NIL;

	if (stat(pattern, &st) == 0 && S_ISDIR(st.st_mode))
	{
		/* a directory: its regular files, not recursing */
		DIR		   *dir = AllocateDir(pattern);
		struct dirent *de;
		char	  **names;
		int			n = 0,
					cap = 16;

		names = palloc(sizeof(char *) * cap);
		while ((de = ReadDir(dir, pattern)) != NULL)
		{
			char	   *path;

			if (de->d_name[0] == '.')
				continue;
			path = psprintf("%s/%s", pattern, de->d_name);
			if (!is_regular_file(path))
				continue;
			if (n == cap)
				names = repalloc(names, sizeof(char *) * (cap *= 2));
			names[n++] = path;
		}
		FreeDir(dir);
		qsort(names, n, sizeof(char *), compare_strings);
		for (int i = 0; i < n; i++)
			files = lappend(files, names[i]);
	}
	else if (strpbrk(pattern, "*?[") != NULL)
	{
		glob_t		g;
		int			rc = glob(pattern, GLOB_ERR, NULL, &g);

		/* glob's result is malloc'd: copy it out before anything can throw */
		if (rc == 0)
		{
			char	  **names = palloc(sizeof(char *) * Max(g.gl_pathc, 1));
			int			n = (int) g.gl_pathc;

			for (int i = 0; i < n; i++)
				names[i] = pstrdup(g.gl_pathv[i]);
			globfree(&g);
			/* byte order, as for a directory: glob() sorts by the locale's collation */
			qsort(names, n, sizeof(char *), compare_strings);
			for (int i = 0; i < n; i++)
				if (is_regular_file(names[i]))
					files = lappend(files, names[i]);
		}
		else
			globfree(&g);
	}
	else
		return list_make1(pstrdup(pattern));

	if (files == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("no files match \"%s\"", pattern),
				 errhint("The option \"filename\" names a file, a glob such as /data/*.pb, or a directory whose regular files are read in name order.")));
	return files;
}

uint64
pb_files_size(List *files)
{
	uint64		total = 0;
	ListCell   *lc;

	foreach(lc, files)
	{
		struct stat st;

		if (stat((char *) lfirst(lc), &st) == 0)
			total += st.st_size;
	}
	return total;
}

static void *
scan_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocHuge((MemoryContext) ctx, size);
}

static void
scan_free(void *ctx, void *ptr)
{
	pfree(ptr);
}

static uint32_t
crc32c(const void *data, size_t len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, len);
	FIN_CRC32C(crc);
	return crc;
}

/* Raw bytes from the open file or pipe; the place a cancel is noticed. */
static long
raw_read(void *arg, uint8_t *buf, size_t len)
{
	PbScanState *ss = arg;
	int			fd = ss->pipe ? fileno(ss->pipe) : ss->fd;

	if (ss->in_range)
	{
		/* a parallel worker's claimed range ends where the next one starts */
		if (ss->range_pos >= ss->range_end)
			return 0;
		if (len > ss->range_end - ss->range_pos)
			len = (size_t) (ss->range_end - ss->range_pos);
	}
	for (;;)
	{
		ssize_t		n;

		CHECK_FOR_INTERRUPTS();
		n = read(fd, buf, len);
		if (n >= 0 || errno != EINTR)
		{
			if (n > 0)
				ss->range_pos += n;
			return (long) n;
		}
	}
}

/* ---------- parallel scans ---------- */

/*
 * Blocks read and walked at a time when splitting a file (grown for a record
 * that does not fit, and then kept at that size by the process).  Small enough that the block is still in the core's
 * cache when its records are decoded: walking the 440 MB benchmark file
 * and touching it once more took 0.185 s in 4 MB blocks, 0.052 s in 256 kB
 * ones (bench/README-issues-4-5.md); and the lock is held for less time.
 */
#define SPLIT_BLOCK (256 * 1024)

PbCompression
pb_detect_compression(const char *path)
{
	uint8		magic[4];
	int			fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	ssize_t		n;

	if (fd < 0)
		return PB_COMPRESSION_AUTO;
	n = read(fd, magic, 4);
	CloseTransientFile(fd);
	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return PB_COMPRESSION_GZIP;
	if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
		return PB_COMPRESSION_ZSTD;
	return PB_COMPRESSION_NONE;
}

bool
pb_parallel_possible(const PbTableOptions *opts, List *files)
{
	if (opts->program || files == NIL)
		return false;
	if (list_length(files) > 1)
		return true;
	if (opts->framing == PB_FRAMING_SINGLE)
		return false;
	if (opts->compression == PB_COMPRESSION_GZIP || opts->compression == PB_COMPRESSION_ZSTD)
		return false;
	if (opts->compression == PB_COMPRESSION_NONE)
		return true;
	return pb_detect_compression(linitial(files)) == PB_COMPRESSION_NONE;
}

void
pb_parallel_reinit(PbParallelShared *shared)
{
	pg_atomic_write_u32(&shared->next_file, 0);
	pg_atomic_write_u64(&shared->next_offset, 0);
	shared->next_ordinal = 1;
	shared->done = false;
	pg_atomic_write_u64(&shared->skipped, 0);
	shared->first_skip[0] = '\0';
}

void
pb_parallel_init(PbScanState *ss, PbParallelShared *shared)
{
	static int	tranche = 0;

	if (tranche == 0)
		tranche = LWLockNewTrancheId();
	LWLockInitialize(&shared->lock, tranche);
	pg_atomic_init_u32(&shared->next_file, 0);
	pg_atomic_init_u64(&shared->next_offset, 0);
	pg_atomic_init_u64(&shared->skipped, 0);

	/*
	 * Split the files into ranges of whole records when every one is plain
	 * (a compressed stream can only be read from its start), so that the
	 * processes share the work evenly whatever the files' sizes; else each
	 * process takes whole files.
	 */
	shared->split = pb_parallel_possible(&ss->opts, ss->files) &&
		ss->opts.framing != PB_FRAMING_SINGLE &&
		ss->opts.compression != PB_COMPRESSION_GZIP &&
		ss->opts.compression != PB_COMPRESSION_ZSTD;
	if (shared->split && ss->opts.compression == PB_COMPRESSION_AUTO)
	{
		ListCell   *lc;

		foreach(lc, ss->files)
			if (pb_detect_compression((char *) lfirst(lc)) != PB_COMPRESSION_NONE)
			{
				shared->split = false;
				break;
			}
	}
	pb_parallel_reinit(shared);
}

static size_t
pread_full(int fd, uint8 *buf, size_t len, uint64 offset, const char *path)
{
	size_t		done = 0;

	while (done < len)
	{
		ssize_t		n = pg_pread(fd, buf + done, len - done, (off_t) (offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", path)));
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

/* Make the split file 'file' the open one, and split_buf at least 'block' bytes. */
static const char *
split_prepare(PbScanState *ss, int file, size_t block)
{
	const char *path = list_nth(ss->files, file);

	if (ss->split_fd >= 0 && ss->split_fd_file != file)
	{
		CloseTransientFile(ss->split_fd);
		ss->split_fd = -1;
	}
	if (ss->split_fd < 0)
	{
		ss->split_fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
		if (ss->split_fd < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not open file \"%s\" for reading: %m", path)));
		ss->split_fd_file = file;
	}
	if (ss->split_cap < block)
	{
		if (ss->split_buf)
			pfree(ss->split_buf);
		ss->split_buf = MemoryContextAllocHuge(ss->scancxt, block);
		ss->split_cap = block;
	}
	return path;
}

/*
 * Claim the next range of whole records: under the lock, walk the block at
 * the shared boundary of the current file, find the last whole record in
 * it, and move the boundary there; at a file's end, go on with the next
 * file.  The range's records are then decoded from that block
 * (range_buffered), so each byte is read once.
 *
 * The block is read before the lock is taken, at the boundary as it was
 * then: the boundary is usually still there, or a little further in the
 * block, when the lock is ours, and then only the walk is done under it.
 * If another process claimed past it meanwhile, the block is read again
 * under the lock.  Either way every boundary is found by walking the file's
 * bytes from the previous one, under the lock, so the ranges tile the file.
 *
 * Anything the walk cannot pass (a malformed prefix, a group in a
 * container) ends the splitting of that file: this process takes the rest
 * of it and its reader reports what it finds, from the block if the file
 * ends in it, else reading the file.
 */
static bool
claim_range(PbScanState *ss)
{
	PbParallelShared *sh = ss->pshared;
	size_t		block = ss->split_block;
	bool		claimed = false;
	int			ahead_file = (int) pg_atomic_read_u32(&sh->next_file);
	uint64		ahead_offset = pg_atomic_read_u64(&sh->next_offset);
	size_t		ahead_len = 0;

	if (ahead_file < list_length(ss->files))
	{
		const char *path = split_prepare(ss, ahead_file, block);

		ahead_len = pread_full(ss->split_fd, ss->split_buf, block, ahead_offset, path);
	}

	LWLockAcquire(&sh->lock, LW_EXCLUSIVE);
	while (!sh->done)
	{
		int			file = (int) pg_atomic_read_u32(&sh->next_file);
		uint64		offset = pg_atomic_read_u64(&sh->next_offset);
		const uint8 *data;
		size_t		n,
					boundary;
		uint64		rows,
					need;
		bool		at_eof;
		PbWalkResult res;

		if (file >= list_length(ss->files))
		{
			sh->done = true;
			break;
		}
		if (ahead_len > 0 && file == ahead_file && offset >= ahead_offset &&
			offset - ahead_offset < ahead_len &&
			(ahead_len < block || ahead_len - (offset - ahead_offset) >= block / 2))
		{
			/* the boundary is in the block read ahead, with enough after it */
			data = ss->split_buf + (offset - ahead_offset);
			n = ahead_len - (size_t) (offset - ahead_offset);
			at_eof = ahead_len < block;
		}
		else
		{
			const char *path = split_prepare(ss, file, block);

			n = pread_full(ss->split_fd, ss->split_buf, block, offset, path);
			data = ss->split_buf;
			at_eof = n < block;
		}
		ahead_len = 0;
		res = pb_framing_walk(ss->opts.framing, ss->container_field,
							  (uint64) ss->opts.max_message_size, data, n,
							  at_eof, &boundary, &rows, &need);
		if (res == PB_WALK_NEED_MORE && need <= (uint64) ss->opts.max_message_size + 64)
		{
			/* and read ahead as much next time: the records are that large */
			block = Max((size_t) need, block * 2);
			ss->split_block = block;
			continue;
		}
		ss->range_file = file;
		ss->range_start = offset;
		ss->range_ordinal = sh->next_ordinal;
		ss->range_data = data;
		ss->range_buffered = false;
		if (res == PB_WALK_OK && boundary == 0)
		{
			/* the end of this file: on to the next */
			pg_atomic_write_u32(&sh->next_file, file + 1);
			pg_atomic_write_u64(&sh->next_offset, 0);
			sh->next_ordinal = 1;
			continue;
		}
		if (res == PB_WALK_OK && !(at_eof && boundary == n))
		{
			ss->range_end = offset + boundary;
			ss->range_buffered = true;
			ss->range_len = boundary;
			pg_atomic_write_u64(&sh->next_offset, offset + boundary);
			sh->next_ordinal += rows;
		}
		else
		{
			/* the rest of the file: its last records, or what cannot be split */
			ss->range_end = PG_UINT64_MAX;
			/* a short read is the end of the file: the block holds all the rest */
			ss->range_buffered = at_eof;
			ss->range_len = n;
			pg_atomic_write_u32(&sh->next_file, file + 1);
			pg_atomic_write_u64(&sh->next_offset, 0);
			sh->next_ordinal = 1;
		}
		claimed = true;
		break;
	}
	LWLockRelease(&sh->lock);
	return claimed;
}

/* Memory context reset callback: codecs hold memory zlib/zstd must be told about. */
static void
end_codec(void *arg)
{
	pb_input_end((PbInput *) arg);
}

static void
close_input(PbScanState *ss, bool at_eof)
{
	if (!ss->open)
		return;
	ss->open = false;
	pb_input_end(&ss->input);
	/* a parallel range starts mid-file: count what was read, not where it ended */
	ss->bytes_read += pb_source_offset(&ss->source) - (ss->in_range ? ss->range_start : 0);
	if (ss->pipe)
	{
		int			rc = ClosePipeStream(ss->pipe);

		ss->pipe = NULL;
		/* a program we stopped reading early may die of SIGPIPE: only judge a finished one */
		if (at_eof && rc != 0)
			ereport(ERROR,
					(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
					 errmsg("program \"%s\" failed", ss->opts.program),
					 errdetail_internal("%s", wait_result_to_str(rc))));
	}
	if (ss->fd >= 0)
	{
		CloseTransientFile(ss->fd);
		ss->fd = -1;
	}
}

/* Frame the source that open_next_input set up; the input is open. */
static void
start_framing(PbScanState *ss)
{
	pb_framing_init(&ss->framing, ss->opts.framing, &ss->source, ss->container_field,
					(uint64) ss->opts.max_message_size);
	ss->framing.crc32c = ss->opts.verify_crc ? crc32c : NULL;
	/* a range's offsets and message numbers stay those of the whole file */
	if (ss->in_range)
		ss->framing.messages = ss->range_ordinal - 1;
	ss->open = true;
}

/* Open the next input; false when there is none. */
static bool
open_next_input(PbScanState *ss)
{
	PbAllocator alloc = {scan_alloc, scan_free, ss->scancxt};

	if (ss->opts.program)
	{
		if (ss->program_done)
			return false;
		ss->program_done = true;
		ss->current_name = ss->opts.program;
		ss->pipe = OpenPipeStream(ss->opts.program, PG_BINARY_R);
		if (ss->pipe == NULL)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not execute command \"%s\": %m", ss->opts.program)));
	}
	else
	{
		struct stat st;
		const char *path;

		ss->in_range = false;
		if (ss->pshared && ss->pshared->split)
		{
			if (!claim_range(ss))
				return false;
			path = list_nth(ss->files, ss->range_file);
			if (ss->range_buffered)
			{
				/* decode the records the claim walked, from its block */
				ss->current_name = path;
				ss->in_range = true;
				pb_source_attach(&ss->source, ss->range_data, ss->range_len, ss->range_start);
				start_framing(ss);
				return true;
			}
		}
		else
		{
			int			idx = ss->pshared
				? (int) pg_atomic_fetch_add_u32(&ss->pshared->next_file, 1)
				: ss->next_file++;

			if (idx >= list_length(ss->files))
				return false;
			path = list_nth(ss->files, idx);
		}
		ss->current_name = path;
		ss->fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
		if (ss->fd < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not open file \"%s\" for reading: %m", path),
					 errhint("Check the foreign table's option \"filename\", and that the server's operating-system user may read the file.")));
		if (fstat(ss->fd, &st) < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not stat file \"%s\": %m", path)));
		if (S_ISDIR(st.st_mode))
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("\"%s\" is a directory", path),
					 errhint("Set the option \"filename\" to a file of protobuf messages, or to a glob.")));
		if (ss->pshared && ss->pshared->split)
		{
			if (lseek(ss->fd, (off_t) ss->range_start, SEEK_SET) < 0)
				ereport(ERROR,
						(errcode_for_file_access(),
						 errmsg("could not seek in file \"%s\": %m", path)));
			ss->range_pos = ss->range_start;
			ss->in_range = true;
		}
	}

	/* a range of a split file starts mid-file: never sniff it for magic bytes */
	if (pb_input_init(&ss->input, raw_read, ss, &alloc,
					  ss->in_range ? PB_COMPRESSION_NONE : (PbCompression) ss->opts.compression) < 0)
		elog(ERROR, "could not allocate the input buffer");
	pb_source_reset(&ss->source);
	if (ss->source.buf == NULL &&
		pb_source_init(&ss->source, pb_input_read, &ss->input, &alloc, PB_SOURCE_INITIAL_CAP) < 0)
		elog(ERROR, "could not allocate the read buffer");
	ss->source.read = pb_input_read;
	ss->source.read_arg = &ss->input;
	if (ss->in_range)
		ss->source.base_offset = ss->range_start;
	start_framing(ss);
	return true;
}

static void
scan_error_context(void *arg)
{
	PbScanState *ss = arg;
	const char *what = ss->pipe ? "program" : "file";

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
	if (ss->decode && ss->decode->current_reader)
		errcontext("foreign table \"%s\", %s \"%s\", message " UINT64_FORMAT " at byte offset " UINT64_FORMAT ", column \"%s\" (field \"%s\")",
				   RelationGetRelationName(ss->rel), what, ss->current_name,
				   ss->current_message, ss->current_offset,
				   ss->decode->current_reader->colname,
				   ss->decode->current_reader->fieldname);
	else
		errcontext("foreign table \"%s\", %s \"%s\", message " UINT64_FORMAT " at byte offset " UINT64_FORMAT,
				   RelationGetRelationName(ss->rel), what, ss->current_name,
				   ss->current_message, ss->current_offset);
}

PbScanState *
pb_scan_prepare(Relation rel, Bitmapset *attrs)
{
	PbScanState *ss = palloc0(sizeof(PbScanState));
	TupleDesc	tupdesc = RelationGetDescr(rel);
	MemoryContextCallback *cb;

	ss->rel = rel;
	ss->fd = -1;
	ss->split_fd = -1;
	ss->split_block = SPLIT_BLOCK;
	ss->scancxt = CurrentMemoryContext;
	pb_get_table_options(RelationGetRelid(rel), &ss->opts);
	ss->schema = pb_schema_load(ss->opts.descriptor_set);
	ss->message = pb_resolve_row_message(&ss->opts, ss->schema, &ss->container_field);
	ss->plan = pb_build_plan(rel, ss->message, ss->schema, attrs);
	ss->decode = pb_decode_state_create(ss->plan);
	ss->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "protobuf_fdw row",
									   ALLOCSET_DEFAULT_SIZES);
	if (ss->opts.filename)
		ss->files = pb_expand_files(ss->opts.filename);

	ss->meta = palloc(sizeof(PbMetaColumn) * Max(tupdesc->natts, 1));
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i);
		PbMetaKind	kind;
		Oid			want;

		if (attr->attisdropped)
			continue;
		kind = pb_get_column_meta(RelationGetRelid(rel), attr->attnum);
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
		ss->nmeta++;
	}

	/* whatever happens, end the codecs when the scan's memory goes */
	cb = palloc(sizeof(MemoryContextCallback));
	cb->func = end_codec;
	cb->arg = &ss->input;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
	return ss;
}

static void
report_frame_error(PbScanState *ss)
{
	const PbFraming *f = &ss->framing;

	switch (f->err)
	{
		case PB_FRAME_ERR_TRUNCATED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("truncated protobuf file: %s", f->errmsg)));
			break;
		case PB_FRAME_ERR_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("protobuf %s", f->errmsg),
					 errhint("If the message is genuine, raise the foreign table's option max_message_size (at most 2147483647).")));
			break;
		case PB_FRAME_ERR_CRC:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("corrupt TFRecord: %s", f->errmsg),
					 errhint("Use on_error 'skip' to skip damaged records, or verify_crc 'false' to read them unchecked.")));
			break;
		case PB_FRAME_ERR_IO:
			if (ss->input.errmsg[0])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("could not decompress \"%s\": %s", ss->current_name, ss->input.errmsg)));
			errno = ss->source.read_errno;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read \"%s\": %m", ss->current_name)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("malformed protobuf file: %s", f->errmsg)));
	}
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
	total = ss->skipped;
	if (ss->pshared)
	{
		total = pg_atomic_add_fetch_u64(&ss->pshared->skipped, 1);
		LWLockAcquire(&ss->pshared->lock, LW_EXCLUSIVE);
		if (ss->pshared->first_skip[0] == '\0')
			strlcpy(ss->pshared->first_skip, where, sizeof(ss->pshared->first_skip));
		LWLockRelease(&ss->pshared->lock);
	}
	if (ss->opts.reject_limit > 0 && total > (uint64) ss->opts.reject_limit)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("more than " INT64_FORMAT " messages of foreign table \"%s\" were skipped because of errors",
						ss->opts.reject_limit, RelationGetRelationName(ss->rel)),
				 errdetail("The first was %s.", ss->pshared ? ss->pshared->first_skip : ss->first_skip),
				 errhint("Raise the table option reject_limit, or repair the input.")));
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
		pb_decode_message(ss->decode, msg, len, values, nulls);
		MemoryContextSwitchTo(old);
		return true;
	}
	PG_TRY();
	{
		pb_decode_message(ss->decode, msg, len, values, nulls);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(ss->scancxt);
		edata = CopyErrorData();
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
			PG_RE_THROW();
		FlushErrorState();
		ss->decode->current_reader = NULL;
		note_skip(ss, edata->message);
		FreeErrorData(edata);
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

	if (!ss->opts.on_error_skip ||
		!(err == PB_FRAME_ERR_CRC || err == PB_FRAME_ERR_TOO_LARGE || err == PB_FRAME_ERR_TRUNCATED))
		report_frame_error(ss);
	note_skip(ss, ss->framing.errmsg);
	if (err == PB_FRAME_ERR_TOO_LARGE)
		return pb_framing_skip_oversized(&ss->framing) == 0;
	return err == PB_FRAME_ERR_CRC;
}

bool
pb_scan_next(PbScanState *ss, Datum *values, bool *nulls, int natts)
{
	ErrorContextCallback errcb;
	bool		found = false;

	errcb.callback = scan_error_context;
	errcb.arg = ss;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	MemoryContextReset(ss->rowcxt);
	while (!found)
	{
		const uint8 *msg;
		size_t		len;
		PbFrameResult res;

		if (!ss->open && !open_next_input(ss))
			break;
		ss->current_message = ss->framing.messages + 1;
		ss->current_offset = pb_source_offset(&ss->source);
		res = pb_framing_next(&ss->framing, &msg, &len);
		ss->current_offset = ss->framing.record_offset;
		if (res == PB_FRAME_END)
		{
			close_input(ss, true);
			continue;
		}
		if (res == PB_FRAME_ERROR)
		{
			if (!frame_error_or_skip(ss))
				close_input(ss, false);
			continue;
		}
		ss->messages_read++;
		memset(nulls, true, natts);
		if (!decode_or_skip(ss, msg, len, values, nulls))
			continue;
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
			else
				values[m->attidx] = Int64GetDatum(m->kind == PB_META_OFFSET
												  ? (int64) ss->current_offset
												  : (int64) ss->current_message);
		}
		found = true;
	}

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

void
pb_scan_shutdown(PbScanState *ss)
{
	if (ss->pshared == NULL)
		return;
	ss->skipped = pg_atomic_read_u64(&ss->pshared->skipped);
	if (ss->pshared->first_skip[0])
		ss->first_skip = MemoryContextStrdup(ss->scancxt, ss->pshared->first_skip);
	ss->pshared = NULL;
}

void
pb_scan_end(PbScanState *ss, bool report)
{
	close_input(ss, false);
	if (ss->split_fd >= 0)
	{
		CloseTransientFile(ss->split_fd);
		ss->split_fd = -1;
	}
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

/* ---------- estimates ---------- */

typedef struct SampleInput
{
	int			fd;
} SampleInput;

static long
sample_read(void *arg, uint8_t *buf, size_t len)
{
	SampleInput *si = arg;
	ssize_t		n;

	do
		n = read(si->fd, buf, len);
	while (n < 0 && errno == EINTR);
	return (long) n;
}

double
pb_estimate_messages(const PbTableOptions *opts, uint32 container_field, List *files,
					 uint64 total_size)
{
	SampleInput si;
	PbAllocator alloc = {scan_alloc, scan_free, CurrentMemoryContext};
	PbInput		input;
	PbSource	source;
	PbFraming	framing;
	uint64		n = 0;
	double		estimate = -1;

	if (files == NIL || opts->framing == PB_FRAMING_SINGLE)
		return files == NIL ? -1 : list_length(files);
	si.fd = OpenTransientFile((char *) linitial(files), O_RDONLY | PG_BINARY);
	if (si.fd < 0)
		return -1;

	/* frame the first megabyte or thousand messages, whichever comes first */
	pb_input_init(&input, sample_read, &si, &alloc, (PbCompression) opts->compression);
	pb_source_init(&source, pb_input_read, &input, &alloc, 256 * 1024);
	pb_framing_init(&framing, opts->framing, &source, container_field,
					(uint64) opts->max_message_size);
	/*
	 * Frame the first megabyte or thousand messages; for a compressed file,
	 * go on until a megabyte of it has been decompressed too, so that the
	 * block the codec reads ahead does not skew the ratio.
	 */
	while ((n < 1000 && pb_source_offset(&source) < 1024 * 1024) ||
		   ((input.mode == PB_COMPRESSION_GZIP || input.mode == PB_COMPRESSION_ZSTD) &&
			input.raw_bytes < 4 * PB_INPUT_BLOCK && pb_source_offset(&source) < 64 * 1024 * 1024))
	{
		const uint8_t *msg;
		size_t		len;

		if (pb_framing_next(&framing, &msg, &len) != PB_FRAME_MESSAGE)
			break;
		n++;
	}
	if (n > 0)
	{
		/*
		 * Mean message size in the decompressed stream, times the
		 * decompression ratio seen so far (1 for plain input).
		 */
		double		per_message = (double) pb_source_offset(&source) / n;
		double		produced = (double) (source.base_offset + source.end);
		double		raw_used = (double) (input.raw_bytes - (input.inlen - input.inpos));
		double		ratio = (input.mode == PB_COMPRESSION_GZIP || input.mode == PB_COMPRESSION_ZSTD) &&
			raw_used > 0 ? produced / raw_used : 1.0;

		estimate = (double) total_size * ratio / Max(per_message, 1.0);
	}
	pb_input_end(&input);
	pb_source_free(&source);
	CloseTransientFile(si.fd);
	return estimate;
}
