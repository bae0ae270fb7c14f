/*-------------------------------------------------------------------------
 *
 * schema.h
 *		Descriptor sets: loading, caching, and looking up messages, fields
 *		and enums.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_SCHEMA_H
#define PROTOBUF_FDW_SCHEMA_H

#include "google/protobuf/descriptor.pb-c.h"

typedef Google__Protobuf__DescriptorProto PbDescriptor;
typedef Google__Protobuf__FieldDescriptorProto PbFieldDescriptor;
typedef Google__Protobuf__EnumDescriptorProto PbEnumDescriptor;

/*
 * The well-known types (package google.protobuf) that read or render in a
 * way of their own.  Each message's is found once, by its full name, when
 * the set is loaded, so a scan compares an enum rather than strings, and a
 * message of another package that merely shares a short name
 * ("mypkg.Timestamp") is PB_WKT_NONE.
 */
typedef enum PbWellKnownType
{
	PB_WKT_NONE = 0,
	PB_WKT_TIMESTAMP,
	PB_WKT_DURATION,
	PB_WKT_FIELD_MASK,
	PB_WKT_STRUCT,
	PB_WKT_VALUE,
	PB_WKT_LIST_VALUE,
	PB_WKT_ANY,
	PB_WKT_EMPTY,
	/* the wrappers, kept together for pb_wkt_is_wrapper() */
	PB_WKT_DOUBLE_VALUE,
	PB_WKT_FLOAT_VALUE,
	PB_WKT_INT64_VALUE,
	PB_WKT_UINT64_VALUE,
	PB_WKT_INT32_VALUE,
	PB_WKT_UINT32_VALUE,
	PB_WKT_BOOL_VALUE,
	PB_WKT_STRING_VALUE,
	PB_WKT_BYTES_VALUE
} PbWellKnownType;

/* One of the nine wrappers (Int32Value, StringValue, ...): a message around field 1. */
static inline bool
pb_wkt_is_wrapper(PbWellKnownType wkt)
{
	return wkt >= PB_WKT_DOUBLE_VALUE && wkt <= PB_WKT_BYTES_VALUE;
}

/*
 * A proto2 extension ("extend Msg { optional T name = N; }"): a field of
 * the extended message declared elsewhere.  Its full name is its scope's
 * (the file's package, or the message it is declared in) and its name;
 * JSON and a field path name it in brackets.
 */
typedef struct PbExtensionInfo
{
	const char *full_name;		/* "pkg.Scope.name", no leading dot */
	const char *bracketed;		/* "[pkg.Scope.name]": its JSON key and path step */
	const char *extendee;		/* the extended message's full name, no dot */
	const PbFieldDescriptor *field;
} PbExtensionInfo;

typedef struct PbMessageInfo
{
	const char *full_name;		/* "pkg.Outer.Inner", no leading dot */
	const PbDescriptor *desc;
	bool		proto3;			/* declared in a syntax = "proto3" file */
	PbWellKnownType wkt;		/* PB_WKT_NONE for any other message */
	int			nextensions;	/* the set's extensions of this message */
	const PbExtensionInfo **extensions; /* sorted by field number */
} PbMessageInfo;

typedef struct PbEnumInfo
{
	const char *full_name;
	const PbEnumDescriptor *desc;
	bool		closed;			/* proto2: unknown numbers read as unset */
} PbEnumInfo;

typedef struct PbSchema
{
	const char *path;
	int			nmessages;
	PbMessageInfo *messages;	/* sorted by full_name */
	int			nenums;
	PbEnumInfo *enums;			/* sorted by full_name */
	int			nextensions;
	PbExtensionInfo *extensions;	/* sorted by full_name */
} PbSchema;

/*
 * Load a descriptor set, or return the copy cached by this backend if the
 * file's size and modification time have not changed.  The result lives in
 * a long-lived memory context of the cache; errors are reported with ereport.
 */
extern const PbSchema *pb_schema_load(const char *path);

/*
 * Parse a descriptor set held in memory into *schema, allocating in the
 * current memory context, without the cache; 'label' names the set in
 * error messages (and becomes schema->path).  pb_schema_load uses it; the
 * in-backend fuzz target (test/fuzz/backend/) calls it directly.
 */
extern void pb_schema_parse(const uint8_t *bytes, size_t len, const char *label,
							PbSchema *schema);

/*
 * Load a descriptor set given as base64 text (the server option
 * "descriptor"), or return the copy cached by this backend for the same
 * text: the cache keys on the content.  Whitespace in the text is ignored.
 * Malformed base64 or bytes that are not a descriptor set are reported as
 * for a bad file.
 */
extern const PbSchema *pb_schema_load_encoded(const char *base64);

/* The set of a server's or table's options: the file descriptor_set, else the text descriptor. */
extern const PbSchema *pb_schema_load_either(const char *descriptor_set, const char *descriptor);

/* Look up a message or enum by full name (a leading dot is ignored); NULL if absent. */
extern const PbMessageInfo *pb_schema_find_message(const PbSchema *schema, const char *name);
extern const PbEnumInfo *pb_schema_find_enum(const PbSchema *schema, const char *name);

/*
 * Find a message by name or report an error listing close names (and
 * saying where the set came from).
 */
extern const PbMessageInfo *pb_schema_require_message(const PbSchema *schema, const char *name);

/* Does the set hold a message whose name is close to 'name' (the hints of the above)? */
extern bool pb_schema_has_close_message(const PbSchema *schema, const char *name);

extern const PbFieldDescriptor *pb_message_field_by_number(const PbDescriptor *msg, int number);

/* Is f an extension (declared by "extend", not in its message's body)? */
static inline bool
pb_field_is_extension(const PbFieldDescriptor *f)
{
	return f->extendee != NULL;
}

/* An extension by full name (a leading dot and brackets ignored); NULL if absent. */
extern const PbExtensionInfo *pb_schema_find_extension(const PbSchema *schema, const char *name);

/* The extension of message mi numbered 'number' in the set; NULL if none. */
extern const PbExtensionInfo *pb_message_extension(const PbMessageInfo *mi, int number);

/* "[a.b] (1001), [c] (1002)" for hints; "none" when mi has no extension. */
extern char *pb_message_extension_list(const PbMessageInfo *mi);

/*
 * How field f of message mi is named in a path and in EXPLAIN: its name,
 * or for an extension its bracketed full name.
 */
extern const char *pb_field_step_name(const PbMessageInfo *mi, const PbFieldDescriptor *f);

/*
 * The first type that message mi needs (through its fields and its
 * extensions' fields, transitively) and the set lacks: its name, with the
 * message and field that name it; NULL when the set holds every one.
 */
extern const char *pb_schema_missing_type(const PbSchema *schema, const PbMessageInfo *mi,
										  const char **in_message, const char **in_field);

/* Name of a field type as written in a .proto file ("int32", "string", ...). */
extern const char *pb_field_type_name(const PbFieldDescriptor *field);

/* "id (1), user_id (2), ..." for error details */
extern char *pb_message_field_list(const PbDescriptor *msg);

#endif
