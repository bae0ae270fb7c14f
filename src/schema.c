/*-------------------------------------------------------------------------
 *
 * schema.c
 *		Descriptor sets parsed with protobuf-c, cached per backend.
 *
 * The parsed FileDescriptorSet and an index of its messages and enums live
 * in one memory context per cached file, a child of CacheMemoryContext, so a
 * stale entry is dropped by deleting its context.  protobuf-c allocates
 * through an allocator on that context: an error mid-parse leaks nothing
 * that the context's deletion does not free.
 *
 * Each message's well-known type is recognised here, once, so that the
 * binding and the JSON rendering compare an enum instead of names.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "schema.h"
#include "stream/wire.h"

/* Descriptor sets are small; this only guards against pointing at the wrong file. */
#define MAX_DESCRIPTOR_SET_SIZE ((off_t) 256 * 1024 * 1024)

/* Entries kept per backend; the oldest is dropped past this. */
#define SCHEMA_CACHE_SIZE 8

typedef struct SchemaCacheEntry
{
	char	   *path;
	off_t		size;
	struct timespec mtime;
	MemoryContext cxt;
	PbSchema	schema;
} SchemaCacheEntry;

static SchemaCacheEntry *schema_cache[SCHEMA_CACHE_SIZE];

#define WKT_PREFIX "google.protobuf."

/* The well-known types, by their names within package google.protobuf. */
static const struct
{
	const char *name;
	PbWellKnownType wkt;
}			well_known_types[] = {
	{"Timestamp", PB_WKT_TIMESTAMP},
	{"Duration", PB_WKT_DURATION},
	{"FieldMask", PB_WKT_FIELD_MASK},
	{"Struct", PB_WKT_STRUCT},
	{"Value", PB_WKT_VALUE},
	{"ListValue", PB_WKT_LIST_VALUE},
	{"Any", PB_WKT_ANY},
	{"Empty", PB_WKT_EMPTY},
	{"DoubleValue", PB_WKT_DOUBLE_VALUE},
	{"FloatValue", PB_WKT_FLOAT_VALUE},
	{"Int64Value", PB_WKT_INT64_VALUE},
	{"UInt64Value", PB_WKT_UINT64_VALUE},
	{"Int32Value", PB_WKT_INT32_VALUE},
	{"UInt32Value", PB_WKT_UINT32_VALUE},
	{"BoolValue", PB_WKT_BOOL_VALUE},
	{"StringValue", PB_WKT_STRING_VALUE},
	{"BytesValue", PB_WKT_BYTES_VALUE}
};

static void *
cxt_alloc(void *allocator_data, size_t size)
{
	return MemoryContextAlloc((MemoryContext) allocator_data, size);
}

static void
cxt_free(void *allocator_data, void *ptr)
{
	if (ptr)
		pfree(ptr);
}

/*
 * protobuf-c recurses without a limit, and the only recursive path through
 * descriptor.proto is DescriptorProto.nested_type (field 3).  Walk that path
 * with our bounded wire reader before handing the bytes to protobuf-c, so a
 * hostile set cannot overflow the stack.  'nested_field' is the field of the
 * current message that holds DescriptorProtos (FileDescriptorSet.file holds
 * FileDescriptorProtos, whose message_type (4) holds DescriptorProtos).
 */
static bool
nesting_is_bounded(const uint8_t *p, const uint8_t *end, int level, int depth)
{
	check_stack_depth();
	if (depth > PB_MAX_DEPTH)
		return false;
	while (p < end)
	{
		uint32_t	field;
		int			wt;
		uint64_t	len;

		if (pb_read_tag(&p, end, &field, &wt) != PB_WIRE_OK)
			return true;		/* malformed: protobuf-c will reject it */
		if (wt != PB_WT_LEN)
		{
			if (pb_skip_field(&p, end, field, wt, depth) != PB_WIRE_OK)
				return true;
			continue;
		}
		if (pb_read_varint(&p, end, &len) != PB_WIRE_OK ||
			pb_check_len(len, p, end) != PB_WIRE_OK)
			return true;
		/* level 0: set.file (1); 1: file.message_type (4); 2: message.nested_type (3) */
		if ((level == 0 && field == 1) ||
			(level == 1 && field == 4) ||
			(level == 2 && field == 3))
		{
			if (!nesting_is_bounded(p, p + len, level == 0 ? 1 : 2, depth + 1))
				return false;
		}
		p += len;
	}
	return true;
}

static int
compare_message_info(const void *a, const void *b)
{
	return strcmp(((const PbMessageInfo *) a)->full_name,
				  ((const PbMessageInfo *) b)->full_name);
}

static int
compare_enum_info(const void *a, const void *b)
{
	return strcmp(((const PbEnumInfo *) a)->full_name,
				  ((const PbEnumInfo *) b)->full_name);
}

static char *
qualify(const char *scope, const char *name)
{
	if (scope == NULL || scope[0] == '\0')
		return pstrdup(name ? name : "");
	return psprintf("%s.%s", scope, name ? name : "");
}

typedef struct IndexBuild
{
	const char *path;			/* the set, for errors */
	List	   *messages;		/* of PbMessageInfo * */
	List	   *enums;			/* of PbEnumInfo * */
	List	   *extensions;		/* of PbExtensionInfo * */
} IndexBuild;

static void not_a_descriptor_set(const char *path, const char *why);

/*
 * Every name becomes a lookup key, a jsonb key or a text value: a set with
 * a name missing (protobuf-c leaves an absent one NULL) or not valid in the
 * server encoding is refused here, once, rather than trusted everywhere.
 */
static void
check_name(const IndexBuild *ib, const char *what, const char *name)
{
	if (name == NULL)
		not_a_descriptor_set(ib->path, psprintf("One %s has no name.", what));
	if (!pg_verifymbstr(name, strlen(name), true))
		not_a_descriptor_set(ib->path,
							 psprintf("The name of one %s is not valid in the server's encoding.", what));
}

static void
check_message_names(const IndexBuild *ib, const Google__Protobuf__DescriptorProto *msg)
{
	check_name(ib, "message", msg->name);
	for (size_t i = 0; i < msg->n_field; i++)
	{
		check_name(ib, "field", msg->field[i]->name);
		if (msg->field[i]->json_name)
			check_name(ib, "field's JSON name", msg->field[i]->json_name);
		if (msg->field[i]->type_name)
			check_name(ib, "field's type name", msg->field[i]->type_name);
	}
	for (size_t i = 0; i < msg->n_oneof_decl; i++)
		check_name(ib, "oneof", msg->oneof_decl[i]->name);
}

static int
compare_int(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

static int
compare_cstring(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * check_fields
 *		Refuse a message whose fields protoc would not have written
 *
 * What protoc guarantees of a message's fields and the decoder relies on.
 * A field numbered 0, negative or above PB_MAX_FIELD_NUMBER can never be
 * on the wire, and one naming a oneof the message does not declare has no
 * oneof to report: both would read as a silent NULL.  The decoder finds a
 * field by its number and a column by its name: two fields of one message
 * with the same number would send one field's bytes to the other's plan,
 * and two with the same name make a column ambiguous.  Sorting copies
 * keeps this O(n log n) for messages with many fields.
 */
static void
check_fields(const IndexBuild *ib, const char *full_name,
			 const Google__Protobuf__DescriptorProto *msg)
{
	size_t		n = msg->n_field;
	int		   *numbers;
	const char **names;

	for (size_t i = 0; i < n; i++)
	{
		const Google__Protobuf__FieldDescriptorProto *f = msg->field[i];

		if (f->number < 1 || (uint32) f->number > PB_MAX_FIELD_NUMBER)
			not_a_descriptor_set(ib->path,
								 psprintf("Field \"%s\" of message \"%s\" has number %d, outside the range 1 to %u.",
										  f->name, full_name, f->number, PB_MAX_FIELD_NUMBER));
		if (f->has_oneof_index &&
			(f->oneof_index < 0 || (size_t) f->oneof_index >= msg->n_oneof_decl))
			not_a_descriptor_set(ib->path,
								 psprintf("Field \"%s\" of message \"%s\" names oneof number %d, which the message does not declare.",
										  f->name, full_name, f->oneof_index));
	}
	if (n < 2)
		return;
	numbers = palloc(n * sizeof(int));
	names = palloc(n * sizeof(char *));
	for (size_t i = 0; i < n; i++)
	{
		numbers[i] = msg->field[i]->number;
		names[i] = msg->field[i]->name;
	}
	qsort(numbers, n, sizeof(int), compare_int);
	qsort(names, n, sizeof(char *), compare_cstring);
	for (size_t i = 1; i < n; i++)
	{
		if (numbers[i] == numbers[i - 1])
			not_a_descriptor_set(ib->path,
								 psprintf("Message \"%s\" has more than one field numbered %d.",
										  full_name, numbers[i]));
		if (strcmp(names[i], names[i - 1]) == 0)
			not_a_descriptor_set(ib->path,
								 psprintf("Message \"%s\" has more than one field named \"%s\".",
										  full_name, names[i]));
	}
	pfree(numbers);
	pfree(names);
}

/*
 * The well-known type a message's full name makes it: only the exact name
 * counts, so "mypkg.Timestamp" and "google.protobuf.Foo.Timestamp" are
 * PB_WKT_NONE.
 */
static PbWellKnownType
well_known_type(const char *full_name)
{
	const char *name;

	if (strncmp(full_name, WKT_PREFIX, strlen(WKT_PREFIX)) != 0)
		return PB_WKT_NONE;
	name = full_name + strlen(WKT_PREFIX);
	for (int i = 0; i < lengthof(well_known_types); i++)
		if (strcmp(name, well_known_types[i].name) == 0)
			return well_known_types[i].wkt;
	return PB_WKT_NONE;
}

static void
index_enums(IndexBuild *ib, const char *scope, size_t n,
			Google__Protobuf__EnumDescriptorProto **enums, bool proto3)
{
	for (size_t i = 0; i < n; i++)
	{
		PbEnumInfo *ei = palloc(sizeof(PbEnumInfo));

		check_name(ib, "enum", enums[i]->name);
		for (size_t v = 0; v < enums[i]->n_value; v++)
			check_name(ib, "enum value", enums[i]->value[v]->name);
		ei->full_name = qualify(scope, enums[i]->name);
		ei->desc = enums[i];
		ei->closed = !proto3;
		ib->enums = lappend(ib->enums, ei);
	}
}

/*
 * The extensions declared in a scope (a file's package or a message),
 * which are attached to the messages they extend once every message is
 * indexed (attach_extensions).
 */
static void
index_extensions(IndexBuild *ib, const char *scope, size_t n,
				 Google__Protobuf__FieldDescriptorProto **exts)
{
	for (size_t i = 0; i < n; i++)
	{
		const Google__Protobuf__FieldDescriptorProto *f = exts[i];
		PbExtensionInfo *xi = palloc(sizeof(PbExtensionInfo));

		check_name(ib, "extension", f->name);
		check_name(ib, "extension's extended message", f->extendee);
		if (f->type_name)
			check_name(ib, "extension's type name", f->type_name);
		xi->full_name = qualify(scope, f->name);
		if (f->number < 1 || (uint32) f->number > PB_MAX_FIELD_NUMBER)
			not_a_descriptor_set(ib->path,
								 psprintf("Extension \"%s\" has number %d, outside the range 1 to %u.",
										  xi->full_name, f->number, PB_MAX_FIELD_NUMBER));
		xi->bracketed = psprintf("[%s]", xi->full_name);
		xi->extendee = f->extendee[0] == '.' ? f->extendee + 1 : f->extendee;
		xi->field = f;
		ib->extensions = lappend(ib->extensions, xi);
	}
}

static void
index_messages(IndexBuild *ib, const char *scope, size_t n,
			   Google__Protobuf__DescriptorProto **msgs, bool proto3)
{
	for (size_t i = 0; i < n; i++)
	{
		PbMessageInfo *mi = palloc0(sizeof(PbMessageInfo));

		check_message_names(ib, msgs[i]);
		mi->full_name = qualify(scope, msgs[i]->name);
		check_fields(ib, mi->full_name, msgs[i]);
		mi->desc = msgs[i];
		mi->proto3 = proto3;
		mi->wkt = well_known_type(mi->full_name);
		ib->messages = lappend(ib->messages, mi);
		index_enums(ib, mi->full_name, msgs[i]->n_enum_type, msgs[i]->enum_type, proto3);
		index_extensions(ib, mi->full_name, msgs[i]->n_extension, msgs[i]->extension);
		index_messages(ib, mi->full_name, msgs[i]->n_nested_type, msgs[i]->nested_type, proto3);
	}
}

static int
compare_extension_info(const void *a, const void *b)
{
	return strcmp(((const PbExtensionInfo *) a)->full_name,
				  ((const PbExtensionInfo *) b)->full_name);
}

static int
compare_extension_number(const void *a, const void *b)
{
	int			x = (*(const PbExtensionInfo *const *) a)->field->number;
	int			y = (*(const PbExtensionInfo *const *) b)->field->number;

	return (x > y) - (x < y);
}

/*
 * attach_extensions
 *		Give each message the extensions of it that the set declares
 *
 * An extension of a message the set lacks (a set written without
 * --include_imports) is left out: its fields stay unknown, as they would
 * be for a reader without the extension.  The decoder finds a field by its
 * number, so an extension that reuses the number of a field or of another
 * extension of the same message (protoc refuses both) is refused here.
 */
static void
attach_extensions(PbSchema *schema)
{
	PbMessageInfo *mi;

	for (int i = 0; i < schema->nextensions; i++)
	{
		mi = (PbMessageInfo *) pb_schema_find_message(schema, schema->extensions[i].extendee);
		if (mi)
			mi->nextensions++;
	}
	for (int m = 0; m < schema->nmessages; m++)
	{
		mi = &schema->messages[m];
		if (mi->nextensions > 0)
			mi->extensions = palloc(sizeof(PbExtensionInfo *) * mi->nextensions);
		mi->nextensions = 0;
	}
	for (int i = 0; i < schema->nextensions; i++)
	{
		const PbExtensionInfo *xi = &schema->extensions[i];

		mi = (PbMessageInfo *) pb_schema_find_message(schema, xi->extendee);
		if (mi == NULL)
			continue;
		if (pb_message_field_by_number(mi->desc, xi->field->number))
			not_a_descriptor_set(schema->path,
								 psprintf("Extension \"%s\" of message \"%s\" has number %d, which a field of the message has.",
										  xi->full_name, mi->full_name, xi->field->number));
		mi->extensions[mi->nextensions++] = xi;
	}
	for (int m = 0; m < schema->nmessages; m++)
	{
		mi = &schema->messages[m];
		if (mi->nextensions < 2)
			continue;
		qsort(mi->extensions, mi->nextensions, sizeof(PbExtensionInfo *),
			  compare_extension_number);
		for (int k = 1; k < mi->nextensions; k++)
			if (mi->extensions[k]->field->number == mi->extensions[k - 1]->field->number)
				not_a_descriptor_set(schema->path,
									 psprintf("Message \"%s\" has more than one extension numbered %d.",
											  mi->full_name, mi->extensions[k]->field->number));
	}
}

static void
build_index(PbSchema *schema, Google__Protobuf__FileDescriptorSet *set)
{
	IndexBuild	ib = {schema->path, NIL, NIL, NIL};
	ListCell   *lc;
	int			i;

	for (size_t f = 0; f < set->n_file; f++)
	{
		Google__Protobuf__FileDescriptorProto *file = set->file[f];
		bool		proto3 = file->syntax && strcmp(file->syntax, "proto3") == 0;

		if (file->package)
			check_name(&ib, "package", file->package);

		index_enums(&ib, file->package, file->n_enum_type, file->enum_type, proto3);
		index_extensions(&ib, file->package, file->n_extension, file->extension);
		index_messages(&ib, file->package, file->n_message_type, file->message_type, proto3);
	}

	schema->nmessages = list_length(ib.messages);
	schema->messages = palloc(sizeof(PbMessageInfo) * Max(schema->nmessages, 1));
	i = 0;
	foreach(lc, ib.messages)
		schema->messages[i++] = *(PbMessageInfo *) lfirst(lc);
	qsort(schema->messages, schema->nmessages, sizeof(PbMessageInfo), compare_message_info);

	schema->nenums = list_length(ib.enums);
	schema->enums = palloc(sizeof(PbEnumInfo) * Max(schema->nenums, 1));
	i = 0;
	foreach(lc, ib.enums)
		schema->enums[i++] = *(PbEnumInfo *) lfirst(lc);
	qsort(schema->enums, schema->nenums, sizeof(PbEnumInfo), compare_enum_info);

	schema->nextensions = list_length(ib.extensions);
	schema->extensions = palloc(sizeof(PbExtensionInfo) * Max(schema->nextensions, 1));
	i = 0;
	foreach(lc, ib.extensions)
		schema->extensions[i++] = *(PbExtensionInfo *) lfirst(lc);
	qsort(schema->extensions, schema->nextensions, sizeof(PbExtensionInfo),
		  compare_extension_info);
	for (i = 1; i < schema->nextensions; i++)
		if (strcmp(schema->extensions[i].full_name, schema->extensions[i - 1].full_name) == 0)
			not_a_descriptor_set(schema->path,
								 psprintf("It declares extension \"%s\" more than once.",
										  schema->extensions[i].full_name));
	attach_extensions(schema);
}

static uint8_t *
read_whole_file(const char *path, off_t size)
{
	uint8_t    *buf;
	int			fd;
	off_t		done = 0;

	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open descriptor set \"%s\": %m", path)));
	buf = palloc(size + 1);
	while (done < size)
	{
		ssize_t		n = read(fd, buf + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read descriptor set \"%s\": %m", path)));
		if (n == 0)
			break;
		done += n;
	}
	CloseTransientFile(fd);
	if (done != size)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("descriptor set \"%s\" changed while it was read", path)));
	return buf;
}

static void
not_a_descriptor_set(const char *path, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("file \"%s\" is not a protobuf descriptor set", path),
			 errdetail("%s", why),
			 errhint("Write one with: protoc --include_imports --descriptor_set_out=FILE your.proto")));
}

void
pb_schema_parse(const uint8_t *bytes, size_t len, const char *label, PbSchema *schema)
{
	ProtobufCAllocator allocator;
	Google__Protobuf__FileDescriptorSet *set;

	if (!nesting_is_bounded(bytes, bytes + len, 0, 0))
		not_a_descriptor_set(label, "Its messages are nested more than 100 levels deep.");

	allocator.alloc = cxt_alloc;
	allocator.free = cxt_free;
	allocator.allocator_data = CurrentMemoryContext;
	set = google__protobuf__file_descriptor_set__unpack(&allocator, len, bytes);
	if (set == NULL)
		not_a_descriptor_set(label, "It does not parse as google.protobuf.FileDescriptorSet.");
	if (set->n_file == 0)
		not_a_descriptor_set(label, "It holds no file descriptors.");

	schema->path = label;
	build_index(schema, set);
}

static SchemaCacheEntry *
load_entry(const char *path, const struct stat *st)
{
	MemoryContext cxt;
	MemoryContext old;
	SchemaCacheEntry *entry;
	uint8_t    *bytes;

	if (st->st_size > MAX_DESCRIPTOR_SET_SIZE)
		not_a_descriptor_set(path, "It is larger than 256 MB.");

	cxt = AllocSetContextCreate(CurrentMemoryContext, "protobuf_fdw descriptor set",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	bytes = read_whole_file(path, st->st_size);
	entry = palloc0(sizeof(SchemaCacheEntry));
	entry->path = pstrdup(path);
	entry->size = st->st_size;
	entry->mtime = st->st_mtim;
	entry->cxt = cxt;
	pb_schema_parse(bytes, st->st_size, entry->path, &entry->schema);
	pfree(bytes);

	MemoryContextSwitchTo(old);
	/* only now, fully built, does it become long-lived */
	MemoryContextSetParent(cxt, CacheMemoryContext);
	return entry;
}

/*
 * pb_schema_load
 *		The descriptor set at path, from this backend's cache if unchanged
 *
 * An entry is reused while the file's size and modification time are the
 * same; a changed file is parsed again and replaces it.  Past
 * SCHEMA_CACHE_SIZE entries the oldest is dropped.
 */
const PbSchema *
pb_schema_load(const char *path)
{
	struct stat st;
	int			i;
	SchemaCacheEntry *entry;

	if (stat(path, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open descriptor set \"%s\": %m", path)));
	if (S_ISDIR(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("descriptor set \"%s\" is a directory", path)));

	for (i = 0; i < SCHEMA_CACHE_SIZE; i++)
	{
		entry = schema_cache[i];
		if (entry && strcmp(entry->path, path) == 0)
		{
			if (entry->size == st.st_size &&
				entry->mtime.tv_sec == st.st_mtim.tv_sec &&
				entry->mtime.tv_nsec == st.st_mtim.tv_nsec)
				return &entry->schema;
			MemoryContextDelete(entry->cxt);
			schema_cache[i] = NULL;
		}
	}

	entry = load_entry(path, &st);

	/* take a free slot, else drop the oldest (slot 0) and shift */
	for (i = 0; i < SCHEMA_CACHE_SIZE; i++)
		if (schema_cache[i] == NULL)
			break;
	if (i == SCHEMA_CACHE_SIZE)
	{
		MemoryContextDelete(schema_cache[0]->cxt);
		memmove(schema_cache, schema_cache + 1, sizeof(schema_cache[0]) * (SCHEMA_CACHE_SIZE - 1));
		i = SCHEMA_CACHE_SIZE - 1;
	}
	schema_cache[i] = entry;
	return &entry->schema;
}

/* ---- sets given as text: the server option "descriptor" ---- */

/* The label of a set given as text, in the messages that name a set. */
#define ENCODED_LABEL "(server option descriptor)"

/* A set given as base64 text; the text is the key, its hash the quick test. */
typedef struct EncodedCacheEntry
{
	uint64		hash;
	char	   *text;			/* without whitespace */
	MemoryContext cxt;
	PbSchema	schema;
} EncodedCacheEntry;

static EncodedCacheEntry *encoded_cache[SCHEMA_CACHE_SIZE];

/* The text without the whitespace that base64 tools insert (base64 without -w0). */
static char *
strip_whitespace(const char *text)
{
	char	   *out = palloc(strlen(text) + 1);
	char	   *q = out;

	for (const char *p = text; *p; p++)
		if (!scanner_isspace(*p))
			*q++ = *p;
	*q = '\0';
	return out;
}

/* Decode and parse the text into a new entry, in a context of its own. */
static EncodedCacheEntry *
load_encoded_entry(const char *text, uint64 hash)
{
	MemoryContext cxt;
	MemoryContext old;
	EncodedCacheEntry *entry;
	int			len = strlen(text);
	uint8_t    *bytes;
	int			n;

	if ((off_t) len / 4 * 3 > MAX_DESCRIPTOR_SET_SIZE)
		not_a_descriptor_set(ENCODED_LABEL, "It is larger than 256 MB.");
	cxt = AllocSetContextCreate(CurrentMemoryContext, "protobuf_fdw descriptor set",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	bytes = palloc(pg_b64_dec_len(len) + 1);
	n = pg_b64_decode(text, len, (char *) bytes, pg_b64_dec_len(len));
	if (n < 0)
		not_a_descriptor_set(ENCODED_LABEL,
							 "It is not valid base64 text; write it with: base64 -w0 FILE.");
	entry = palloc0(sizeof(EncodedCacheEntry));
	entry->hash = hash;
	entry->text = pstrdup(text);
	entry->cxt = cxt;
	pb_schema_parse(bytes, n, ENCODED_LABEL, &entry->schema);
	pfree(bytes);
	MemoryContextSwitchTo(old);
	MemoryContextSetParent(cxt, CacheMemoryContext);
	return entry;
}

/*
 * pb_schema_load_encoded
 *		The descriptor set given as base64 text, from this backend's cache
 *		if the same text was loaded before
 */
const PbSchema *
pb_schema_load_encoded(const char *base64)
{
	char	   *text = strip_whitespace(base64);
	uint64		hash = hash_bytes_extended((const unsigned char *) text, strlen(text), 0);
	EncodedCacheEntry *entry;
	int			i;

	for (i = 0; i < SCHEMA_CACHE_SIZE; i++)
	{
		entry = encoded_cache[i];
		if (entry && entry->hash == hash && strcmp(entry->text, text) == 0)
		{
			pfree(text);
			return &entry->schema;
		}
	}
	entry = load_encoded_entry(text, hash);
	pfree(text);

	for (i = 0; i < SCHEMA_CACHE_SIZE; i++)
		if (encoded_cache[i] == NULL)
			break;
	if (i == SCHEMA_CACHE_SIZE)
	{
		MemoryContextDelete(encoded_cache[0]->cxt);
		memmove(encoded_cache, encoded_cache + 1, sizeof(encoded_cache[0]) * (SCHEMA_CACHE_SIZE - 1));
		i = SCHEMA_CACHE_SIZE - 1;
	}
	encoded_cache[i] = entry;
	return &entry->schema;
}

const PbSchema *
pb_schema_load_either(const char *descriptor_set, const char *descriptor)
{
	if (descriptor_set != NULL)
		return pb_schema_load(descriptor_set);
	return pb_schema_load_encoded(descriptor);
}

static const char *
strip_dot(const char *name)
{
	return name[0] == '.' ? name + 1 : name;
}

const PbMessageInfo *
pb_schema_find_message(const PbSchema *schema, const char *name)
{
	PbMessageInfo key;

	key.full_name = strip_dot(name);
	return bsearch(&key, schema->messages, schema->nmessages,
				   sizeof(PbMessageInfo), compare_message_info);
}

const PbEnumInfo *
pb_schema_find_enum(const PbSchema *schema, const char *name)
{
	PbEnumInfo	key;

	key.full_name = strip_dot(name);
	return bsearch(&key, schema->enums, schema->nenums,
				   sizeof(PbEnumInfo), compare_enum_info);
}

/*
 * Up to five messages whose names are close to 'want' (within a few edits
 * of the whole name, or with the same last component whatever the package
 * and case), quoted and comma-separated into *close; returns how many.
 */
static int
close_messages(const PbSchema *schema, const char *want, StringInfo close)
{
	int			nclose = 0;
	int			max_distance = Max(2, (int) strlen(want) / 4);

	for (int i = 0; i < schema->nmessages && nclose < 5; i++)
	{
		const char *cand = schema->messages[i].full_name;
		const char *last = strrchr(cand, '.');
		int			d = varstr_levenshtein_less_equal(want, strlen(want), cand, strlen(cand),
													  1, 1, 1, max_distance, true);

		if (d <= max_distance || pg_strcasecmp(last ? last + 1 : cand, want) == 0)
			appendStringInfo(close, "%s\"%s\"", nclose++ ? ", " : "", cand);
	}
	return nclose;
}

bool
pb_schema_has_close_message(const PbSchema *schema, const char *name)
{
	StringInfoData close;

	initStringInfo(&close);
	return close_messages(schema, strip_dot(name), &close) > 0;
}

/*
 * pb_schema_require_message
 *		Find a message by name, or report an error that lists close names
 */
const PbMessageInfo *
pb_schema_require_message(const PbSchema *schema, const char *name)
{
	const PbMessageInfo *mi = pb_schema_find_message(schema, name);
	const char *want = strip_dot(name);
	StringInfoData close;
	int			nclose;

	if (mi)
		return mi;
	initStringInfo(&close);
	nclose = close_messages(schema, want, &close);

	if (nclose > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("message \"%s\" not found in descriptor set \"%s\"", want, schema->path),
				 errhint("Close names in the descriptor set: %s. Messages are named by their full name, package included.", close.data)));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
			 errmsg("message \"%s\" not found in descriptor set \"%s\"", want, schema->path),
			 errhint("Name a message by its full name, package included; the set holds %d messages%s%s.",
					 schema->nmessages,
					 schema->nmessages > 0 ? ", for example " : "",
					 schema->nmessages > 0 ? quote_identifier(schema->messages[0].full_name) : "")));
	return NULL;				/* keep compiler quiet */
}

const PbFieldDescriptor *
pb_message_field_by_number(const PbDescriptor *msg, int number)
{
	for (size_t i = 0; i < msg->n_field; i++)
		if (msg->field[i]->number == number)
			return msg->field[i];
	return NULL;
}

/*
 * pb_field_type_name
 *		A field's type as a .proto file writes it ("int32", "string", ...)
 */
const char *
pb_field_type_name(const PbFieldDescriptor *field)
{
	switch (field->type)
	{
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_DOUBLE:
			return "double";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FLOAT:
			return "float";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT64:
			return "int64";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT64:
			return "uint64";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT32:
			return "int32";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED64:
			return "fixed64";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED32:
			return "fixed32";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BOOL:
			return "bool";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING:
			return "string";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_GROUP:
			return "group";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE:
			return "message";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BYTES:
			return "bytes";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT32:
			return "uint32";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_ENUM:
			return "enum";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED32:
			return "sfixed32";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED64:
			return "sfixed64";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT32:
			return "sint32";
		case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT64:
			return "sint64";
		default:
			return "unknown";
	}
}

char *
pb_message_field_list(const PbDescriptor *msg)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (size_t i = 0; i < msg->n_field; i++)
		appendStringInfo(&buf, "%s%s (%d)", i ? ", " : "", msg->field[i]->name, msg->field[i]->number);
	if (msg->n_field == 0)
		appendStringInfoString(&buf, "none");
	return buf.data;
}

const PbExtensionInfo *
pb_schema_find_extension(const PbSchema *schema, const char *name)
{
	PbExtensionInfo key;
	size_t		len = strlen(name);
	char	   *bare;

	/* "[pkg.ext]" as a path writes it, or the bare full name */
	if (len >= 2 && name[0] == '[' && name[len - 1] == ']')
		bare = pnstrdup(name + 1, len - 2);
	else
		bare = pstrdup(name);
	key.full_name = strip_dot(bare);
	return bsearch(&key, schema->extensions, schema->nextensions,
				   sizeof(PbExtensionInfo), compare_extension_info);
}

const PbExtensionInfo *
pb_message_extension(const PbMessageInfo *mi, int number)
{
	int			lo = 0,
				hi = mi->nextensions - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			n = mi->extensions[mid]->field->number;

		if (n == number)
			return mi->extensions[mid];
		if (n < number)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

char *
pb_message_extension_list(const PbMessageInfo *mi)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < mi->nextensions; i++)
		appendStringInfo(&buf, "%s%s (%d)", i ? ", " : "", mi->extensions[i]->bracketed,
						 mi->extensions[i]->field->number);
	if (mi->nextensions == 0)
		appendStringInfoString(&buf, "none");
	return buf.data;
}

const char *
pb_field_step_name(const PbMessageInfo *mi, const PbFieldDescriptor *f)
{
	const PbExtensionInfo *xi;

	if (!pb_field_is_extension(f))
		return f->name;
	xi = pb_message_extension(mi, f->number);
	return xi ? xi->bracketed : f->name;
}

/*
 * A type a field of mi names that the set lacks, if any; message types the
 * set holds and has not seen yet are pushed on 'stack'.
 */
static const char *
missing_in_field(const PbSchema *schema, const PbFieldDescriptor *f, bool *seen,
				 const PbMessageInfo **stack, int *depth)
{
	const PbMessageInfo *sub;

	if (f->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_ENUM)
		return (f->type_name && pb_schema_find_enum(schema, f->type_name)) ? NULL
			: (f->type_name ? strip_dot(f->type_name) : "");
	if (f->type != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE &&
		f->type != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_GROUP)
		return NULL;
	sub = f->type_name ? pb_schema_find_message(schema, f->type_name) : NULL;
	if (sub == NULL)
		return f->type_name ? strip_dot(f->type_name) : "";
	if (!seen[sub - schema->messages])
	{
		seen[sub - schema->messages] = true;
		stack[(*depth)++] = sub;
	}
	return NULL;
}

/*
 * pb_schema_missing_type
 *		The first type reachable from mi that the set lacks
 *
 * A depth-first walk over the message types mi's fields (and the
 * extensions of each message reached) name, each visited once: without
 * recursion, so a deep or cyclic schema costs a flag and a stack slot per
 * message.  A type packed in an Any is named only in the data and is not
 * checked here.
 */
const char *
pb_schema_missing_type(const PbSchema *schema, const PbMessageInfo *mi,
					   const char **in_message, const char **in_field)
{
	bool	   *seen = palloc0(sizeof(bool) * Max(schema->nmessages, 1));
	const PbMessageInfo **stack = palloc(sizeof(PbMessageInfo *) * Max(schema->nmessages, 1));
	int			depth = 0;
	const char *missing = NULL;

	seen[mi - schema->messages] = true;
	stack[depth++] = mi;
	while (depth > 0 && missing == NULL)
	{
		const PbMessageInfo *cur = stack[--depth];

		CHECK_FOR_INTERRUPTS();
		for (size_t i = 0; i < cur->desc->n_field + cur->nextensions && missing == NULL; i++)
		{
			const PbFieldDescriptor *f = i < cur->desc->n_field ? cur->desc->field[i]
				: cur->extensions[i - cur->desc->n_field]->field;

			missing = missing_in_field(schema, f, seen, stack, &depth);
			if (missing)
			{
				*in_message = cur->full_name;
				*in_field = pb_field_step_name(cur, f);
			}
		}
	}
	pfree(seen);
	pfree(stack);
	return missing;
}
