/*-------------------------------------------------------------------------
 *
 * inputs.c
 *		The inputs of a foreign table: its files, or its program.
 *
 * A filename option names one file, a glob or a directory; a glob's or a
 * directory's files are read in byte order of their names.  Files are
 * opened with OpenTransientFile and programs with OpenPipeStream, so an
 * error anywhere closes them at transaction abort.  The planner asks here
 * how large the files are and about how many messages they hold.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include "miscadmin.h"
#include "port/pg_crc32c.h"
#include "storage/fd.h"
#include "utils/memutils.h"

#include "inputs.h"

/* ---------- which files ---------- */

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

/* names[0, n) sorted in byte order, as a List */
static List *
sorted_list(char **names, int n)
{
	List	   *files = NIL;

	qsort(names, n, sizeof(char *), compare_strings);
	for (int i = 0; i < n; i++)
		files = lappend(files, names[i]);
	return files;
}

/* A directory's regular files, not recursing, dot-files skipped. */
static List *
expand_directory(const char *path)
{
	DIR		   *dir = AllocateDir(path);
	struct dirent *de;
	char	  **names;
	int			n = 0,
				cap = 16;
	size_t		dirlen = strlen(path);

	/* "data/" names its files "data/x.pb", not "data//x.pb" */
	while (dirlen > 1 && path[dirlen - 1] == '/')
		dirlen--;
	names = palloc(sizeof(char *) * cap);
	while ((de = ReadDir(dir, path)) != NULL)
	{
		char	   *file;

		if (de->d_name[0] == '.')
			continue;
		file = psprintf("%.*s%s%s", (int) dirlen, path,
						strcmp(path, "/") == 0 ? "" : "/", de->d_name);
		if (!is_regular_file(file))
			continue;
		if (n == cap)
			names = repalloc(names, sizeof(char *) * (cap *= 2));
		names[n++] = file;
	}
	FreeDir(dir);
	return sorted_list(names, n);
}

/* A glob's matches that are regular files. */
static List *
expand_glob(const char *pattern)
{
	glob_t		g;
	char	  **names;
	int			n;
	List	   *files = NIL;
	ListCell   *lc;

	if (glob(pattern, GLOB_ERR, NULL, &g) != 0)
	{
		globfree(&g);
		return NIL;
	}
	/* glob's result is malloc'd: copy it out before anything can throw */
	n = (int) g.gl_pathc;
	names = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		names[i] = pstrdup(g.gl_pathv[i]);
	globfree(&g);
	/* byte order, as for a directory: glob() sorts by the locale's collation */
	foreach(lc, sorted_list(names, n))
		if (is_regular_file(lfirst(lc)))
			files = lappend(files, lfirst(lc));
	return files;
}

List *
pb_expand_files(const char *pattern)
{
	struct stat st;
	List	   *files;

	if (stat(pattern, &st) == 0 && S_ISDIR(st.st_mode))
		files = expand_directory(pattern);
	else if (strpbrk(pattern, "*?[") != NULL)
		files = expand_glob(pattern);
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

/* ---------- reading one ---------- */

static void *
context_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocHuge((MemoryContext) ctx, size);
}

static void
context_free(void *ctx, void *ptr)
{
	pfree(ptr);
}

PbAllocator
pb_context_allocator(MemoryContext cxt)
{
	PbAllocator alloc = {context_alloc, context_free, cxt};

	return alloc;
}

/* Memory context reset callback: codecs hold memory zlib/zstd must be told about. */
static void
end_input(void *arg)
{
	pb_input_end((PbInput *) arg);
}

void
pb_end_input_with(PbInput *input, MemoryContext cxt)
{
	MemoryContextCallback *cb = MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback));

	cb->func = end_input;
	cb->arg = input;
	MemoryContextRegisterResetCallback(cxt, cb);
}

uint32_t
pb_crc32c(const void *data, size_t len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, len);
	FIN_CRC32C(crc);
	return crc;
}

void
pb_raw_init(PbRawInput *raw)
{
	raw->name = NULL;
	raw->fd = -1;
	raw->pipe = NULL;
	raw->pos = 0;
	raw->end = PG_UINT64_MAX;
}

/* The most one read() takes between two interrupt checks. */
#define RAW_READ_CHUNK (8 * 1024 * 1024)

/*
 * pb_raw_open_file
 *		Open a file to read its bytes [start, end)
 *
 * A parallel worker reads a range of a split file from its start to where
 * the next process's range begins; everyone else reads whole files.
 */
void
pb_raw_open_file(PbRawInput *raw, const char *path, uint64 start, uint64 end)
{
	struct stat st;

	pb_raw_init(raw);
	raw->name = path;
	raw->fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (raw->fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", path),
				 errhint("Check the foreign table's option \"filename\", and that the server's operating-system user may read the file.")));
	if (fstat(raw->fd, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	if (S_ISDIR(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a directory", path),
				 errhint("Set the option \"filename\" to a file of protobuf messages, or to a glob.")));
	if (start > 0 && lseek(raw->fd, (off_t) start, SEEK_SET) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not seek in file \"%s\": %m", path)));
	raw->pos = start;
	raw->end = end;
}

void
pb_raw_open_program(PbRawInput *raw, const char *command)
{
	pb_raw_init(raw);
	raw->name = command;
	raw->pipe = OpenPipeStream(command, PG_BINARY_R);
	if (raw->pipe == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not execute command \"%s\": %m", command)));
}

long
pb_raw_read(void *arg, uint8_t *buf, size_t len)
{
	PbRawInput *raw = arg;
	int			fd = raw->pipe ? fileno(raw->pipe) : raw->fd;

	/* a parallel worker's range ends where the next one starts */
	if (raw->pos >= raw->end)
		return 0;
	if (len > raw->end - raw->pos)
		len = (size_t) (raw->end - raw->pos);
	/* a buffer growing toward one huge message is read a chunk per interrupt check */
	if (len > RAW_READ_CHUNK)
		len = RAW_READ_CHUNK;
	for (;;)
	{
		ssize_t		n;

		CHECK_FOR_INTERRUPTS();
		n = read(fd, buf, len);
		if (n >= 0 || errno != EINTR)
		{
			if (n > 0)
				raw->pos += n;
			return (long) n;
		}
	}
}

void
pb_raw_close(PbRawInput *raw, bool finished)
{
	if (raw->pipe)
	{
		int			rc = ClosePipeStream(raw->pipe);

		raw->pipe = NULL;
		if (finished && rc != 0)
			ereport(ERROR,
					(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
					 errmsg("program \"%s\" failed", raw->name),
					 errdetail_internal("%s", wait_result_to_str(rc))));
	}
	if (raw->fd >= 0)
	{
		CloseTransientFile(raw->fd);
		raw->fd = -1;
	}
}

/* ---------- estimates ---------- */

/* The largest message the planner's sample reads whole. */
#define SAMPLE_MESSAGE_LIMIT (4 * 1024 * 1024)

/*
 * Is the sample still short?  Frame the first megabyte or thousand
 * messages; for a compressed file, go on until a megabyte of it has been
 * decompressed too, so that the block the codec reads ahead does not skew
 * the ratio.
 */
static bool
sample_wants_more(const PbInput *input, const PbSource *source, uint64 n)
{
	bool		compressed = input->mode == PB_COMPRESSION_GZIP ||
		input->mode == PB_COMPRESSION_ZSTD;

	return (n < 1000 && pb_source_offset(source) < 1024 * 1024) ||
		(compressed && input->raw_bytes < 4 * PB_INPUT_BLOCK &&
		 pb_source_offset(source) < 64 * 1024 * 1024);
}

/* Frame messages while the sample wants more; returns how many. */
static uint64
sample_messages(PbInput *input, PbSource *source, PbFraming *framing)
{
	uint64		n = 0;

	while (sample_wants_more(input, source, n))
	{
		const uint8_t *msg;
		size_t		len;

		if (pb_framing_next(framing, &msg, &len) != PB_FRAME_MESSAGE)
			break;
		n++;
	}
	return n;
}

/*
 * pb_estimate_messages
 *		Estimate the number of messages in the files from the first one's start
 */
double
pb_estimate_messages(const PbTableOptions *opts, uint32 container_field, List *files,
					 uint64 total_size)
{
	PbRawInput	raw;
	PbAllocator alloc = pb_context_allocator(CurrentMemoryContext);
	PbInput		input;
	PbSource	source;
	PbFraming	framing;
	uint64		n;
	double		estimate = -1;

	if (files == NIL || opts->framing == PB_FRAMING_SINGLE)
		return files == NIL ? -1 : list_length(files);
	pb_raw_init(&raw);
	raw.name = linitial(files);
	raw.fd = OpenTransientFile(raw.name, O_RDONLY | PG_BINARY);
	if (raw.fd < 0)
		return -1;

	pb_input_init(&input, pb_raw_read, &raw, &alloc, (PbCompression) opts->compression);
	pb_source_init(&source, pb_input_read, &input, &alloc, 256 * 1024);
	/*
	 * A message bigger than the sample is not read: its length prefix is
	 * its size (planning must not read, unbounded and uncancellable, the
	 * whole first element of a container).
	 */
	pb_framing_init(&framing, opts->framing, &source, container_field,
					Min((uint64) opts->max_message_size, SAMPLE_MESSAGE_LIMIT));
	n = sample_messages(&input, &source, &framing);
	if (n == 0 && framing.err == PB_FRAME_ERR_TOO_LARGE && framing.oversized > 0)
		estimate = Max((double) total_size / (double) framing.oversized, 1.0);
	else if (n > 0)
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
	pb_raw_close(&raw, false);
	return estimate;
}
