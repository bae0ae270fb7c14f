/*-------------------------------------------------------------------------
 *
 * dataset.c
 *		parquet_export() into a dataset: a directory of Parquet files,
 *		Hive-partitioned by columns and split by size or rows.
 *
 * A row goes to the open file of its partition ("country=KR/day=2026-12-07",
 * values escaped as Hive and Spark escape them).  At most max_open_files
 * files are open at once, each with its own writer; when a row needs
 * another, the least recently used file is finished (footer, fsync, close)
 * and a later row of its partition starts that partition's next file
 * (part-00000.parquet, part-00001.parquet, ...).  A file also ends at the
 * row-group boundary where it reaches rows_per_file rows or, by estimate,
 * file_size_bytes bytes.  Nothing is kept per partition once its file is
 * closed: a reopened partition finds its next file number on disk.
 *
 * Memory: with partition_by each writer buffers row groups of at most
 * row_group_bytes / max_open_files bytes (at least 1 MiB), so the open
 * files together buffer about what one single-file export does.
 *
 * The whole dataset commits as a directory: files are written under
 * ".<name>.tmp.<pid>" beside the target, each fsynced when it closes; at the
 * end every directory is fsynced and the temporary directory renamed into
 * place (an existing target is first renamed aside to ".<name>.old.<pid>",
 * and removed once the new one is in place), then the parent is fsynced.
 * Any error or cancel removes the temporary directory (PG_CATCH, and a
 * memory context reset callback for the exits that skip it).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "common/file_perm.h"
#include "common/file_utils.h"
#include "executor/tuptable.h"
#include "lib/ilist.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/backend_progress.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "export.h"

#define DS_DEFAULT_PARTITION "__HIVE_DEFAULT_PARTITION__"
#define DS_MIN_GROUP_BYTES	(1024 * 1024)
#define DS_PART_NAME_LEN	32	/* "/part-NNNNN.parquet" and more */

/* One open file: the hash entry of its partition's directory */
typedef struct DsFile
{
	char		dir[MAXPGPATH]; /* hash key: "a=1/b=x", "" unpartitioned */
	int			part;			/* part-%05d */
	MemoryContext cxt;			/* the writer, its schema, the names */
	ExportFile *file;
	ExportSchema *schema;
	Jsonb	   *partition;		/* NULL unpartitioned */
	dlist_node	lru;			/* most recently used first */
} DsFile;

typedef struct Dataset
{
	DestReceiver pub;
	const ExportArgs *args;
	const ExportDatasetOptions *opts;
	pqw_options file_options;	/* args' options, row groups per file */
	MemoryContext cxt;
	MemoryContext rowcxt;
	char	   *target;			/* no trailing '/' */
	char	   *tmpdir;
	bool		done;			/* renamed into place, or removed */

	/* the result's columns: partition keys, and those written */
	int			nkeys;
	int		   *key_att;
	char	  **key_name;		/* escaped for the path */
	char	  **key_colname;	/* as the query names it */
	FmgrInfo   *key_out;
	Oid		   *key_type;
	int			nkeep;
	int		   *keep_att;
	TupleDesc	filedesc;
	TupleTableSlot *fileslot;

	HTAB	   *files;			/* DsFile by dir */
	dlist_head	lru;
	int			nopen;
	DsFile	   *last;			/* the previous row's file */

	/* for the file_size_bytes estimate: bytes on disk per buffered byte */
	double		raw_flushed;
	double		bytes_flushed;

	int64		rows;
	Tuplestorestate *result;
	TupleDesc	resultdesc;
	StringInfoData key;			/* the current row's partition directory */
	char	  **key_texts;		/* ... and its values' texts (NULL: default) */
} Dataset;

/* ---- the target and the temporary directory ---- */

/* Is the directory at path empty? */
static bool
dir_is_empty(const char *path)
{
	DIR		   *dir = AllocateDir(path);
	struct dirent *de;
	bool		empty = true;

	while ((de = ReadDir(dir, path)) != NULL)
	{
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
		{
			empty = false;
			break;
		}
	}
	FreeDir(dir);
	return empty;
}

/* Does the target hold something that only overwrite may replace? */
static bool
target_is_taken(const char *target)
{
	struct stat st;

	if (lstat(target, &st) != 0)
		return false;
	return !S_ISDIR(st.st_mode) || !dir_is_empty(target);
}

static void
refuse_taken_target(const ExportArgs *args, const char *target)
{
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_FILE),
			 errmsg("dataset target \"%s\" exists and is not an empty directory", target),
			 errdetail("A dataset is written as a whole and never merged into existing files."),
			 errhint("%s to replace it as a whole, or give a new or empty directory.",
					 export_pass(args, "overwrite", "true"))));
}

/*
 * dataset_check_target
 *		Before the query runs: refuse a non-empty target without overwrite.
 */
void
dataset_check_target(const ExportArgs *args)
{
	if (!args->dataset.overwrite && target_is_taken(args->filename))
		refuse_taken_target(args, args->filename);
}

/* name beside target: ".<last component>.<what>.<pid>" */
static char *
beside(const char *target, const char *what)
{
	const char *slash = last_dir_separator(target);

	return psprintf("%.*s.%s.%s.%d", (int) (slash - target + 1), target,
					slash + 1, what, MyProcPid);
}

/* Remove what is at path: a directory tree, or a file or symlink. */
static void
remove_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return;
	/* a symlink is removed, never followed */
	if (S_ISDIR(st.st_mode))
		rmtree(path, true);
	else if (unlink(path) != 0)
		elog(LOG, "could not remove \"%s\": %m", path);
}

static void
remove_temp_dir(Dataset *ds)
{
	if (ds->done)
		return;
	ds->done = true;
	/* open descriptors are closed by the transaction abort */
	remove_path(ds->tmpdir);
}

static void
remove_temp_dir_callback(void *arg)
{
	remove_temp_dir((Dataset *) arg);
}

/*
 * Create the temporary directory (mode 0700); a leftover of a crashed
 * backend with our pid is removed once and creation retried.
 */
static void
create_temp_dir(Dataset *ds)
{
	MemoryContextCallback *cb = MemoryContextAllocZero(ds->cxt, sizeof(MemoryContextCallback));
	int			rc;

	cb->func = remove_temp_dir_callback;
	cb->arg = ds;
	rc = MakePGDirectory(ds->tmpdir);
	if (rc != 0 && errno == EEXIST)
	{
		remove_path(ds->tmpdir);
		rc = MakePGDirectory(ds->tmpdir);
	}
	if (rc != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create a temporary directory for dataset \"%s\": %m",
						ds->target),
				 errdetail("parquet_export writes a dataset into \"%s\", then renames it into place.",
						   ds->tmpdir)));
	MemoryContextRegisterResetCallback(ds->cxt, cb);
}

/* ---- partition keys ---- */

/*
 * Append s to buf escaped as Hive and Spark escape path names: control
 * characters, '"#%\'*:/=?\\{[]^' and DEL as %XX; and every byte of a
 * non-ASCII character too (Spark leaves those as they are; escaped, paths
 * stay ASCII on any file system, and readers decode them alike).
 */
static void
append_escaped(StringInfo buf, const char *s)
{
	static const char special[] = "\"#%'*/:=?\\{[]^";

	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p < 0x20 || *p >= 0x7f || strchr(special, *p) != NULL)
			appendStringInfo(buf, "%%%02X", *p);
		else
			appendStringInfoChar(buf, (char) *p);
	}
}

/*
 * The text of a partition value: dates and timestamps in ISO form whatever
 * DateStyle says (the form Hive and Spark write), anything else by its
 * output function; in UTF-8.  NULL for the default partition.
 */
static char *
key_text(Dataset *ds, int k, Datum value, bool isnull)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;
	const char *tzn;
	char		buf[MAXDATELEN + 1];
	char	   *text;

	if (isnull)
		return NULL;
	if (ds->key_type[k] == DATEOID && !DATE_NOT_FINITE(DatumGetDateADT(value)))
	{
		j2date(DatumGetDateADT(value) + POSTGRES_EPOCH_JDATE,
			   &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
		EncodeDateOnly(&tm, USE_ISO_DATES, buf);
		text = pstrdup(buf);
	}
	else if (ds->key_type[k] == TIMESTAMPOID &&
			 !TIMESTAMP_NOT_FINITE(DatumGetTimestamp(value)) &&
			 timestamp2tm(DatumGetTimestamp(value), NULL, &tm, &fsec, NULL, NULL) == 0)
	{
		EncodeDateTime(&tm, fsec, false, 0, NULL, USE_ISO_DATES, buf);
		text = pstrdup(buf);
	}
	else if (ds->key_type[k] == TIMESTAMPTZOID &&
			 !TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(value)) &&
			 timestamp2tm(DatumGetTimestampTz(value), &tz, &tm, &fsec, &tzn, NULL) == 0)
	{
		EncodeDateTime(&tm, fsec, true, tz, tzn, USE_ISO_DATES, buf);
		text = pstrdup(buf);
	}
	else
		text = OutputFunctionCall(&ds->key_out[k], value);
	/* as Hive: an empty string is the default partition too */
	if (text[0] == '\0')
		return NULL;
	return pg_server_to_any(text, strlen(text), PG_UTF8);
}

/*
 * The partition directory of the row in slot into ds->key, and the texts of
 * its values into ds->key_texts (in the row context).
 */
static void
compute_key(Dataset *ds, TupleTableSlot *slot)
{
	resetStringInfo(&ds->key);
	for (int k = 0; k < ds->nkeys; k++)
	{
		int			att = ds->key_att[k];
		char	   *text = key_text(ds, k, slot->tts_values[att], slot->tts_isnull[att]);

		ds->key_texts[k] = text;
		if (k > 0)
			appendStringInfoChar(&ds->key, '/');
		appendStringInfo(&ds->key, "%s=", ds->key_name[k]);
		if (text == NULL)
			appendStringInfoString(&ds->key, DS_DEFAULT_PARTITION);
		else
			append_escaped(&ds->key, text);
	}
	if (strlen(ds->tmpdir) + ds->key.len + DS_PART_NAME_LEN >= MAXPGPATH)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("partition directory \"%s\" is too long", ds->key.data),
				 errhint("Partition by shorter values, or by fewer columns.")));
}

/* The partition values of ds->key_texts as a jsonb object, for the result */
static Jsonb *
partition_jsonb(Dataset *ds)
{
	StringInfoData json;

	initStringInfo(&json);
	appendStringInfoChar(&json, '{');
	for (int k = 0; k < ds->nkeys; k++)
	{
		if (k > 0)
			appendStringInfoString(&json, ", ");
		escape_json(&json, ds->key_colname[k]);
		appendStringInfoString(&json, ": ");
		if (ds->key_texts[k] == NULL)
			appendStringInfoString(&json, "null");
		else
			escape_json(&json, ds->key_texts[k]);
	}
	appendStringInfoChar(&json, '}');
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json.data)));
}

/* ---- files ---- */

static char *
part_path(const char *root, const char *dir, int part)
{
	return psprintf("%s/%s%spart-%05d.parquet", root, dir, dir[0] ? "/" : "", part);
}

static bool
part_exists(Dataset *ds, const char *dir, int part)
{
	struct stat st;

	return stat(part_path(ds->tmpdir, dir, part), &st) == 0;
}

/*
 * The number of a partition's next file: its files are part-00000 ...
 * part-(n-1), written in order, so the first missing one is found by a
 * galloping search: O(log n) stat calls, nothing kept per partition.
 */
static int
next_part(Dataset *ds, const char *dir)
{
	int			lo = 0,
				hi = 1;

	if (!part_exists(ds, dir, 0))
		return 0;
	while (part_exists(ds, dir, hi))
	{
		lo = hi;
		hi *= 2;
	}
	/* part lo exists, part hi does not */
	while (hi - lo > 1)
	{
		int			mid = lo + (hi - lo) / 2;

		if (part_exists(ds, dir, mid))
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* Create the directories of a partition under the temporary directory. */
static void
make_partition_dirs(Dataset *ds, const char *dir)
{
	char	   *path = psprintf("%s/%s", ds->tmpdir, dir);
	char	   *p = path + strlen(ds->tmpdir) + 1;

	for (;;)
	{
		char	   *slash = strchr(p, '/');

		if (slash)
			*slash = '\0';
		if (MakePGDirectory(path) != 0 && errno != EEXIST)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not create directory \"%s\": %m", path)));
		if (!slash)
			break;
		*slash = '/';
		p = slash + 1;
	}
}

/*
 * Write f's buffered row group and learn from it the bytes on disk per
 * buffered byte, for the file_size_bytes estimate (such a dataset's files
 * are encoded by the backend alone, so the bytes are written on return).
 */
static void
flush_and_learn(Dataset *ds, DsFile *f)
{
	pqw_writer *w = f->schema->writer;
	size_t		raw = pqw_writer_buffered_bytes(w);
	int64		before = pqw_writer_bytes_written(w);

	export_check_status(w, pqw_writer_flush_row_group(w));
	if (raw > 0)
	{
		ds->raw_flushed += raw;
		ds->bytes_flushed += pqw_writer_bytes_written(w) - before;
	}
}

/*
 * finish_file
 *		Finish an open file (last row group, footer, fsync, close), report
 *		it in the result and forget it.
 */
static void
finish_file(Dataset *ds, DsFile *f)
{
	Datum		values[5];
	bool		nulls[5] = {false, f->partition == NULL, false, false, false};
	pqw_writer *w = f->schema->writer;

	/* the last row group teaches the file_size_bytes estimate too */
	if (ds->opts->file_size_bytes > 0)
		flush_and_learn(ds, f);
	export_check_status(w, pqw_writer_finish(w));
	if (pg_fsync(f->file->fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", f->file->tmp)));
	if (CloseTransientFile(f->file->fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not close file \"%s\": %m", f->file->tmp)));
	f->file->fd = -1;

	values[0] = CStringGetTextDatum(f->file->target);
	values[1] = f->partition ? JsonbPGetDatum(f->partition) : (Datum) 0;
	values[2] = Int64GetDatum(pqw_writer_rows(w));
	values[3] = Int32GetDatum(pqw_writer_row_groups(w));
	values[4] = Int64GetDatum(f->file->bytes);
	tuplestore_putvalues(ds->result, ds->resultdesc, values, nulls);

	pqw_writer_destroy(w);
	MemoryContextDelete(f->cxt);
	dlist_delete(&f->lru);
	if (ds->last == f)
		ds->last = NULL;
	ds->nopen--;
	hash_search(ds->files, f->dir, HASH_REMOVE, NULL);
}

/*
 * open_file
 *		Start the next file of the partition in ds->key (ds->key_texts:
 *		its values), closing the least recently used file first if
 *		max_open_files are open.
 */
static DsFile *
open_file(Dataset *ds)
{
	DsFile	   *f;
	MemoryContext old;
	bool		found;

	if (ds->nopen >= ds->opts->max_open_files)
		finish_file(ds, dlist_tail_element(DsFile, lru, &ds->lru));
	if (ds->key.len > 0)
		make_partition_dirs(ds, ds->key.data);

	f = hash_search(ds->files, ds->key.data, HASH_ENTER, &found);
	Assert(!found);
	f->cxt = NULL;
	f->schema = NULL;
	f->part = next_part(ds, f->dir);
	dlist_push_head(&ds->lru, &f->lru);
	ds->nopen++;
	f->cxt = AllocSetContextCreate(ds->cxt, "parquet_export file",
								   ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(f->cxt);
	f->partition = ds->nkeys == 0 ? NULL : partition_jsonb(ds);
	f->file = palloc0(sizeof(ExportFile));
	f->file->target = part_path(ds->target, f->dir, f->part);
	f->file->tmp = part_path(ds->tmpdir, f->dir, f->part);
	/* inside our own new directory: O_EXCL only guards against a bug */
	f->file->fd = OpenTransientFilePerm(f->file->tmp, O_WRONLY | O_CREAT | O_EXCL | PG_BINARY,
										pg_file_create_mode);
	if (f->file->fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", f->file->tmp)));
	f->schema = palloc0(sizeof(ExportSchema));
	f->schema->numeric = ds->args->numeric;
	f->schema->field_ids = ds->args->resolved_ids;
	f->schema->writer = export_create_writer(ds->args, export_file_write, f->file, f->cxt);
	/* the writer was created with the per-file row group limits */
	export_build_schema(f->schema, ds->filedesc);
	export_check_status(f->schema->writer, pqw_writer_begin(f->schema->writer));
	MemoryContextSwitchTo(old);
	return f;
}

/* The open file for the row's partition, most recently used from now. */
static DsFile *
file_for_row(Dataset *ds, TupleTableSlot *slot)
{
	DsFile	   *f;

	if (ds->nkeys == 0)
		f = ds->last;
	else
	{
		compute_key(ds, slot);
		if (ds->last && strcmp(ds->last->dir, ds->key.data) == 0)
			f = ds->last;
		else
			f = hash_search(ds->files, ds->key.data, HASH_FIND, NULL);
	}
	if (f == NULL)
	{
		if (ds->nkeys == 0)
			resetStringInfo(&ds->key);
		f = open_file(ds);
	}
	else if (f != ds->last)
	{
		dlist_delete(&f->lru);
		dlist_push_head(&ds->lru, &f->lru);
	}
	ds->last = f;
	return f;
}

/*
 * After a row: end the file at this row-group boundary if it reached
 * rows_per_file, or file_size_bytes by estimate (bytes written plus the
 * buffered row group at the compression ratio seen so far).
 */
static void
check_limits(Dataset *ds, DsFile *f, size_t buffered_before, int groups_before,
			 int64 written_before)
{
	pqw_writer *w = f->schema->writer;
	int64		written = pqw_writer_bytes_written(w);

	if (pqw_writer_row_groups(w) > groups_before)
	{
		ds->raw_flushed += buffered_before;
		ds->bytes_flushed += written - written_before;
	}
	if (ds->opts->rows_per_file > 0 && pqw_writer_rows(w) >= ds->opts->rows_per_file)
		finish_file(ds, f);
	else if (ds->opts->file_size_bytes > 0)
	{
		double		ratio = ds->raw_flushed > 0 ? ds->bytes_flushed / ds->raw_flushed : 1.0;

		if (written + pqw_writer_buffered_bytes(w) * ratio < ds->opts->file_size_bytes)
			return;

		/*
		 * With no ratio seen yet, the raw bytes reached the limit: write them
		 * as a row group to learn it, and end the file only if it is full.
		 */
		if (ds->raw_flushed == 0)
		{
			flush_and_learn(ds, f);
			if (pqw_writer_bytes_written(w) < ds->opts->file_size_bytes)
				return;
		}
		finish_file(ds, f);
	}
}

/* ---- the DestReceiver ---- */

static bool
dataset_receive(TupleTableSlot *slot, DestReceiver *self)
{
	Dataset    *ds = (Dataset *) self;
	ErrorContextCallback errcb;
	MemoryContext old;
	DsFile	   *f;
	pqw_writer *w;
	size_t		buffered;
	int			groups;
	int64		written;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	old = MemoryContextSwitchTo(ds->rowcxt);
	f = file_for_row(ds, slot);
	w = f->schema->writer;
	buffered = pqw_writer_buffered_bytes(w);
	groups = pqw_writer_row_groups(w);
	written = pqw_writer_bytes_written(w);

	ExecClearTuple(ds->fileslot);
	for (int i = 0; i < ds->nkeep; i++)
	{
		ds->fileslot->tts_values[i] = slot->tts_values[ds->keep_att[i]];
		ds->fileslot->tts_isnull[i] = slot->tts_isnull[ds->keep_att[i]];
	}
	ExecStoreVirtualTuple(ds->fileslot);

	f->schema->current_row = ++ds->rows;
	errcb.callback = export_error_context;
	errcb.arg = f->schema;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	export_write_row(f->schema, ds->fileslot);
	error_context_stack = errcb.previous;

	check_limits(ds, f, buffered, groups, written);
	MemoryContextSwitchTo(old);
	MemoryContextReset(ds->rowcxt);
	pgstat_progress_update_param(PROGRESS_COPY_TUPLES_PROCESSED, ds->rows);
	return true;
}

/* The result attribute named name, or an error. */
static int
find_column(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
			return i;
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("partition_by column \"%s\" is not a column of the exported query", name),
			 errhint("Name result columns as the query's output names them (give a column a name with AS).")));
	return -1;					/* keep compiler quiet */
}

/*
 * dataset_startup
 *		The result's shape is known: find the partition columns and the
 *		columns written, and make the slot a file's row is copied into.
 */
static void
dataset_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	Dataset    *ds = (Dataset *) self;
	MemoryContext old = MemoryContextSwitchTo(ds->cxt);
	bool	   *is_key = palloc0(sizeof(bool) * typeinfo->natts);
	ListCell   *lc;
	int			k = 0;

	ds->nkeys = list_length(ds->opts->partition_by);
	ds->key_att = palloc(sizeof(int) * Max(ds->nkeys, 1));
	ds->key_name = palloc(sizeof(char *) * Max(ds->nkeys, 1));
	ds->key_colname = palloc(sizeof(char *) * Max(ds->nkeys, 1));
	ds->key_texts = palloc0(sizeof(char *) * Max(ds->nkeys, 1));
	ds->key_out = palloc(sizeof(FmgrInfo) * Max(ds->nkeys, 1));
	ds->key_type = palloc(sizeof(Oid) * Max(ds->nkeys, 1));
	foreach(lc, ds->opts->partition_by)
	{
		int			att = find_column(typeinfo, lfirst(lc));
		Oid			outfunc;
		bool		isvarlena;
		StringInfoData name;

		if (is_key[att])
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("partition_by names column \"%s\" twice", (char *) lfirst(lc))));
		is_key[att] = true;
		ds->key_att[k] = att;
		ds->key_type[k] = getBaseType(TupleDescAttr(typeinfo, att)->atttypid);
		getTypeOutputInfo(TupleDescAttr(typeinfo, att)->atttypid, &outfunc, &isvarlena);
		fmgr_info(outfunc, &ds->key_out[k]);
		initStringInfo(&name);
		append_escaped(&name, pg_server_to_any(lfirst(lc), strlen(lfirst(lc)), PG_UTF8));
		ds->key_colname[k] = lfirst(lc);
		ds->key_name[k++] = name.data;
	}

	ds->keep_att = palloc(sizeof(int) * typeinfo->natts);
	for (int i = 0; i < typeinfo->natts; i++)
		if (ds->opts->write_partition_columns || !is_key[i])
			ds->keep_att[ds->nkeep++] = i;
	if (ds->nkeep == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parquet_export has no column left to write"),
				 errdetail("Every column of the query is a partition_by column."),
				 errhint("%s, or export more columns.",
						 export_pass(ds->args, "write_partition_columns", "true"))));
	ds->filedesc = CreateTemplateTupleDesc(ds->nkeep);
	for (int i = 0; i < ds->nkeep; i++)
		TupleDescCopyEntry(ds->filedesc, i + 1, typeinfo, ds->keep_att[i] + 1);
	ds->fileslot = MakeSingleTupleTableSlot(ds->filedesc, &TTSOpsVirtual);
	MemoryContextSwitchTo(old);
}

static void
dataset_shutdown(DestReceiver *self)
{
}

static void
dataset_destroy(DestReceiver *self)
{
}

/* ---- the commit ---- */

/* fsync a directory, and every directory below it (its files already are). */
static void
fsync_tree(const char *path)
{
	DIR		   *dir = AllocateDir(path);
	struct dirent *de;

	check_stack_depth();
	while ((de = ReadDir(dir, path)) != NULL)
	{
		char	   *sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		sub = psprintf("%s/%s", path, de->d_name);
		if (get_dirent_type(sub, de, false, ERROR) == PGFILETYPE_DIR)
			fsync_tree(sub);
		pfree(sub);
	}
	FreeDir(dir);
	/* plain ERROR: data_sync_elevel() would PANIC for a file not ours to recover */
	fsync_fname_ext(path, true, false, ERROR);
}

static void
rename_or_error(const char *from, const char *to)
{
	if (rename(from, to) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rename \"%s\" to \"%s\": %m", from, to)));
}

/*
 * commit_dataset
 *		Put the finished temporary directory in place of the target.
 *
 * A missing target or an empty directory is replaced by one rename;
 * anything else only with overwrite: renamed aside, the new directory
 * renamed in, the old one removed.  The parent is fsynced after.
 */
static void
commit_dataset(Dataset *ds)
{
	char	   *parent = pstrdup(ds->target);
	char	   *aside = NULL;

	fsync_tree(ds->tmpdir);
	get_parent_directory(parent);
	if (target_is_taken(ds->target))
	{
		if (!ds->opts->overwrite)
			refuse_taken_target(ds->args, ds->target);
		aside = beside(ds->target, "old");
		remove_path(aside);
		rename_or_error(ds->target, aside);
	}
	if (rename(ds->tmpdir, ds->target) != 0)
	{
		int			save_errno = errno;

		if (aside)
			(void) rename(aside, ds->target);	/* put the old one back */
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rename \"%s\" to \"%s\": %m", ds->tmpdir, ds->target)));
	}
	ds->done = true;
	fsync_fname_ext(parent, true, false, ERROR);
	if (aside)
		remove_path(aside);
}

/* Finish every open file, least recently used first, then commit. */
static void
finish_dataset(Dataset *ds)
{
	MemoryContext old = MemoryContextSwitchTo(ds->rowcxt);

	/* unpartitioned and no rows: one file still gives readers the columns */
	if (ds->rows == 0 && ds->nkeys == 0)
	{
		resetStringInfo(&ds->key);
		ds->last = open_file(ds);
	}
	while (!dlist_is_empty(&ds->lru))
	{
		finish_file(ds, dlist_tail_element(DsFile, lru, &ds->lru));
		MemoryContextReset(ds->rowcxt);
	}
	commit_dataset(ds);
	MemoryContextSwitchTo(old);
}

static Dataset *
create_dataset(const ExportArgs *args, MemoryContext cxt)
{
	Dataset    *ds = MemoryContextAllocZero(cxt, sizeof(Dataset));
	HASHCTL		hctl;
	char	   *target = MemoryContextStrdup(cxt, args->filename);
	size_t		len = strlen(target);

	while (len > 1 && target[len - 1] == '/')
		target[--len] = '\0';
	ds->pub.receiveSlot = dataset_receive;
	ds->pub.rStartup = dataset_startup;
	ds->pub.rShutdown = dataset_shutdown;
	ds->pub.rDestroy = dataset_destroy;
	ds->pub.mydest = DestNone;
	ds->args = args;
	ds->opts = &args->dataset;
	ds->cxt = cxt;
	ds->rowcxt = AllocSetContextCreate(cxt, "parquet_export row", ALLOCSET_DEFAULT_SIZES);
	ds->target = target;
	ds->tmpdir = MemoryContextStrdup(cxt, beside(target, "tmp"));
	ds->file_options = args->options;
	if (ds->opts->partition_by != NIL)
	{
		ds->file_options.row_group_bytes =
			Max(args->options.row_group_bytes / ds->opts->max_open_files,
				Min(args->options.row_group_bytes, DS_MIN_GROUP_BYTES));

		/*
		 * Each writer has its own pool: with up to max_open_files writers
		 * open, threads would multiply past the CPUs and double every
		 * writer's buffers.  Partitioned files are encoded on the backend.
		 */
		ds->file_options.threads = 1;
	}

	/*
	 * file_size_bytes closes a file by the bytes written so far; a row group
	 * in a thread's hands is in none of them, and the files would overshoot.
	 */
	if (ds->opts->file_size_bytes > 0)
		ds->file_options.threads = 1;
	dlist_init(&ds->lru);
	hctl.keysize = MAXPGPATH;
	hctl.entrysize = sizeof(DsFile);
	hctl.hcxt = cxt;
	ds->files = hash_create("parquet_export files", ds->opts->max_open_files, &hctl,
							HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	initStringInfo(&ds->key);
	return ds;
}

/*
 * The open files' writers may have a row group in their threads' hands,
 * reading buffers that go with the files' contexts: join them first.
 */
static void
stop_writer_threads(Dataset *ds)
{
	dlist_iter	it;

	dlist_foreach(it, &ds->lru)
	{
		DsFile	   *f = dlist_container(DsFile, lru, it.cur);

		if (f->schema != NULL && f->schema->writer != NULL)
			pqw_writer_stop_threads(f->schema->writer);
	}
}

/*
 * dataset_export
 *		Run the planned query into a dataset at args->filename; one row per
 *		file into result.
 */
void
dataset_export(const ExportArgs *args, PlannedStmt *plan,
			   Tuplestorestate *result, TupleDesc resultdesc)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "parquet_export dataset",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ExportArgs *fargs = palloc(sizeof(ExportArgs));
	Dataset    *ds;

	/* each file's writer gets the per-file row group limit */
	*fargs = *args;
	ds = create_dataset(fargs, cxt);
	fargs->options = ds->file_options;
	ds->result = result;
	ds->resultdesc = resultdesc;
	create_temp_dir(ds);

	export_progress_start(InvalidOid);
	PG_TRY();
	{
		export_run_query(plan, args->query, &ds->pub);
		finish_dataset(ds);
	}
	PG_CATCH();
	{
		stop_writer_threads(ds);
		remove_temp_dir(ds);
		pgstat_progress_end_command();
		PG_RE_THROW();
	}
	PG_END_TRY();
	pgstat_progress_end_command();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}
