/*-------------------------------------------------------------------------
 *
 * binding.c
 *		Columns bound to fields, and the type checks, once per scan.
 *
 * The result is the decode plan binding.h describes: a tree of PbMsgPlan
 * nodes, built through PlanBuilders (one per message level reached) and
 * frozen into arrays by finish_builder.  Every error about a column that
 * matches no field, or cannot hold one, is raised here, before any row is
 * read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/typcache.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "binding.h"
#include "defaults.h"
#include "options.h"
#include "stream/wire.h"

#define FT(t) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_##t

/* Field numbers up to this get a direct lookup table entry. */
#define DENSE_LIMIT 4096

static bool
parse_field_number(const char *s, int *number)
{
	long		v = 0;

	if (*s == '\0')
		return false;
	for (const char *c = s; *c; c++)
	{
		if (*c < '0' || *c > '9')
			return false;
		v = v * 10 + (*c - '0');
		if (v > PB_MAX_FIELD_NUMBER)
			return false;
	}
	*number = (int) v;
	return v > 0;
}

/*
 * field_kind
 *		How the wire value of field f is read, from its declared type
 *
 * Groups and messages (and a type this version does not know) are
 * PB_K_MESSAGE.
 */
static PbScalarKind
field_kind(const PbFieldDescriptor *f)
{
	switch (f->type)
	{
		case FT(INT32):
			return PB_K_INT32;
		case FT(INT64):
			return PB_K_INT64;
		case FT(UINT32):
			return PB_K_UINT32;
		case FT(UINT64):
			return PB_K_UINT64;
		case FT(SINT32):
			return PB_K_SINT32;
		case FT(SINT64):
			return PB_K_SINT64;
		case FT(BOOL):
			return PB_K_BOOL;
		case FT(ENUM):
			return PB_K_ENUM;
		case FT(FIXED32):
			return PB_K_FIXED32;
		case FT(SFIXED32):
			return PB_K_SFIXED32;
		case FT(FLOAT):
			return PB_K_FLOAT;
		case FT(FIXED64):
			return PB_K_FIXED64;
		case FT(SFIXED64):
			return PB_K_SFIXED64;
		case FT(DOUBLE):
			return PB_K_DOUBLE;
		case FT(STRING):
			return PB_K_STRING;
		case FT(BYTES):
			return PB_K_BYTES;
		default:
			return PB_K_MESSAGE;
	}
}

static int
kind_wire_type(PbScalarKind kind)
{
	switch (kind)
	{
		case PB_K_FIXED32:
		case PB_K_SFIXED32:
		case PB_K_FLOAT:
			return PB_WT_I32;
		case PB_K_FIXED64:
		case PB_K_SFIXED64:
		case PB_K_DOUBLE:
			return PB_WT_I64;
		case PB_K_STRING:
		case PB_K_BYTES:
		case PB_K_MESSAGE:
			return PB_WT_LEN;
		default:
			return PB_WT_VARINT;
	}
}

/* The natural column type of each kind, for hints. */
static const char *
natural_types(PbScalarKind kind)
{
	switch (kind)
	{
		case PB_K_INT32:
		case PB_K_SINT32:
		case PB_K_SFIXED32:
			return "integer (or bigint, numeric, text)";
		case PB_K_INT64:
		case PB_K_SINT64:
		case PB_K_SFIXED64:
			return "bigint (or numeric, text)";
		case PB_K_UINT32:
		case PB_K_FIXED32:
			return "bigint (or numeric, text)";
		case PB_K_UINT64:
		case PB_K_FIXED64:
			return "numeric (or bigint, text)";
		case PB_K_FLOAT:
			return "real (or double precision, numeric, text)";
		case PB_K_DOUBLE:
			return "double precision (or numeric, text)";
		case PB_K_BOOL:
			return "boolean (or text)";
		case PB_K_STRING:
			return "text (or varchar)";
		case PB_K_BYTES:
			return "bytea (or text)";
		case PB_K_ENUM:
			return "text for the value's name (or integer for its number, or an enum type labelled by the value names)";
		case PB_K_MESSAGE:
			return "jsonb or a composite type whose attributes are named after the message's fields";
	}
	return "text";
}

/*
 * choose_target
 *		Can a column of type typid hold values of kind?  Sets *target.
 */
static bool
choose_target(PbScalarKind kind, Oid typid, PbTarget *target)
{
	bool		int32ish = (kind == PB_K_INT32 || kind == PB_K_SINT32 ||
							kind == PB_K_SFIXED32 || kind == PB_K_ENUM);
	bool		integer = int32ish || kind == PB_K_INT64 || kind == PB_K_SINT64 ||
		kind == PB_K_SFIXED64 || kind == PB_K_UINT32 || kind == PB_K_FIXED32 ||
		kind == PB_K_UINT64 || kind == PB_K_FIXED64;

	switch (typid)
	{
		case TEXTOID:
			*target = PB_T_TEXT;
			return true;
		case VARCHAROID:
		case BPCHAROID:
			*target = PB_T_TEXT_INPUT;
			return true;
		case INT4OID:
			*target = PB_T_INT4;
			return int32ish;
		case INT8OID:
			*target = PB_T_INT8;
			return integer && kind != PB_K_ENUM;
		case NUMERICOID:
			*target = PB_T_NUMERIC;
			return (integer && kind != PB_K_ENUM) ||
				kind == PB_K_FLOAT || kind == PB_K_DOUBLE;
		case FLOAT4OID:
			*target = PB_T_FLOAT4;
			return kind == PB_K_FLOAT;
		case FLOAT8OID:
			*target = PB_T_FLOAT8;
			return kind == PB_K_FLOAT || kind == PB_K_DOUBLE;
		case BOOLOID:
			*target = PB_T_BOOL;
			return kind == PB_K_BOOL;
		case BYTEAOID:
			*target = PB_T_BYTEA;
			return kind == PB_K_BYTES;
		default:
			return false;
	}
}

/* by number, then by declaration order, so the first-declared alias comes first */
static int
compare_enum_value(const void *a, const void *b)
{
	const PbEnumValue *x = a;
	const PbEnumValue *y = b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
bind_enum(PbFieldSlot *slot, const PbSchema *schema, const PbFieldDescriptor *f)
{
	const PbEnumInfo *ei = f->type_name ? pb_schema_find_enum(schema, f->type_name) : NULL;
	const PbEnumDescriptor *ed;
	int			n;

	if (ei == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("enum type \"%s\" of field \"%s\" is not in descriptor set \"%s\"",
						f->type_name ? f->type_name : "", f->name, schema->path),
				 errhint("Write the descriptor set with protoc --include_imports so that it holds every type it refers to.")));
	ed = ei->desc;
	slot->closed_enum = ei->closed;
	slot->enum_values = palloc(sizeof(PbEnumValue) * Max(ed->n_value, 1));
	for (size_t i = 0; i < ed->n_value; i++)
	{
		slot->enum_values[i].number = ed->value[i]->number;
		slot->enum_values[i].name = ed->value[i]->name;
		slot->enum_values[i].order = (int) i;
	}
	qsort(slot->enum_values, ed->n_value, sizeof(PbEnumValue), compare_enum_value);
	/* drop aliases: keep the first name per number */
	n = 0;
	for (size_t i = 0; i < ed->n_value; i++)
		if (n == 0 || slot->enum_values[n - 1].number != slot->enum_values[i].number)
			slot->enum_values[n++] = slot->enum_values[i];
	slot->nenum_values = n;
}

/* ---------- building the plan tree ---------- */

typedef struct PlanBuilder
{
	const PbMessageInfo *mi;
	int			depth;
	List	   *slots;			/* of PbFieldSlot * */
	List	   *readers;		/* of PbReader * */
	List	   *children;		/* of ChildBuilder * */
	List	   *oneofs;			/* oneof indexes of the message, as ints */
	List	   *domains;		/* of PbDomainCheck * */
	struct PbRenderCache *render;
} PlanBuilder;

typedef struct ChildBuilder
{
	int			slot;
	PlanBuilder *b;
} ChildBuilder;

struct PbRenderCache
{
	const PbSchema *schema;
	const char *relname;		/* the foreign table, for errors */
	List	   *plans;			/* of PbMsgPlan *, one per message type */
	/* the column option "unit" of the column being bound (NULL: none) */
	const char *unit;
	bool		unit_used;		/* an integer field took it */
	bool		absent_default; /* the column being bound reads absent 'default' */
	bool		of_copy;		/* ... is COPY FROM's (PbColumnRef.of_copy) */
};

static bool
is_repeated(const PbFieldDescriptor *f)
{
	return f->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED;
}

static bool
is_message(const PbFieldDescriptor *f)
{
	return f->type == FT(MESSAGE) || f->type == FT(GROUP);
}

/* a real oneof, not proto3's synthetic one around an "optional" field */
static bool
in_real_oneof(const PbFieldDescriptor *f)
{
	return f->has_oneof_index && !(f->has_proto3_optional && f->proto3_optional);
}

static const PbMessageInfo *
field_message(const PbSchema *schema, const PbFieldDescriptor *f)
{
	const PbMessageInfo *mi = f->type_name ? pb_schema_find_message(schema, f->type_name) : NULL;

	if (mi == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("message type \"%s\" of field \"%s\" is not in descriptor set \"%s\"",
						f->type_name ? f->type_name : "", f->name, schema->path),
				 errhint("Write the descriptor set with protoc --include_imports so that it holds every type it refers to.")));
	return mi;
}

static bool
is_map_entry(const PbMessageInfo *mi)
{
	return mi->desc->options && mi->desc->options->has_map_entry && mi->desc->options->map_entry;
}

/*
 * The extension a bracketed step names ("[pkg.ext]"), which must extend
 * message mi; else an error listing mi's extensions.
 */
static const PbFieldDescriptor *
lookup_extension(const PbSchema *schema, const PbMessageInfo *mi, const char *step,
				 const char *colname)
{
	const PbExtensionInfo *xi = pb_schema_find_extension(schema, step);

	if (xi != NULL && strcmp(xi->extendee, mi->full_name) == 0)
		return xi->field;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
			 xi == NULL
			 ? errmsg("extension %s of column \"%s\" is not in descriptor set \"%s\"",
					  step, colname, schema->path)
			 : errmsg("extension %s of column \"%s\" extends message \"%s\", not \"%s\"",
					  step, colname, xi->extendee, mi->full_name),
			 mi->nextensions > 0
			 ? errhint("The extensions of message \"%s\" in the descriptor set are: %s.",
					   mi->full_name, pb_message_extension_list(mi))
			 : errhint("The descriptor set holds no extension of message \"%s\"; write it with protoc --include_imports from the .proto files that declare them.",
					   mi->full_name)));
	return NULL;				/* keep compiler quiet */
}

/*
 * The field named 'name': exactly, else case-insensitively; *nci counts the
 * case-insensitive matches when there is no exact one (more than one: the
 * name is ambiguous).
 */
static const PbFieldDescriptor *
field_by_name(const PbDescriptor *msg, const char *name, int *nci)
{
	const PbFieldDescriptor *ci_match = NULL;

	*nci = 0;
	for (size_t i = 0; i < msg->n_field; i++)
	{
		if (strcmp(msg->field[i]->name, name) == 0)
		{
			*nci = 0;
			return msg->field[i];
		}
		if (pg_strcasecmp(msg->field[i]->name, name) == 0)
		{
			ci_match = msg->field[i];
			(*nci)++;
		}
	}
	return ci_match;
}

/*
 * lookup_step
 *		The field of message mi that one path step names
 *
 * A step is a field's name (exact, else case-insensitive if unambiguous),
 * a field number (a field or an extension of mi), or an extension's full
 * name in brackets as the text format writes it: "[pkg.ext]".
 */
static const PbFieldDescriptor *
lookup_step(const PbSchema *schema, const PbMessageInfo *mi, const char *step,
			const char *colname, const char *relname)
{
	const PbFieldDescriptor *match;
	int			nci;
	int			number;

	if (step[0] == '[')
		return lookup_extension(schema, mi, step, colname);
	if (parse_field_number(step, &number))
	{
		const PbExtensionInfo *xi;

		if (pb_message_field_by_number(mi->desc, number))
			return pb_message_field_by_number(mi->desc, number);
		xi = pb_message_extension(mi, number);
		return xi ? xi->field : NULL;
	}
	match = field_by_name(mi->desc, step, &nci);
	if (nci > 1)
		ereport(ERROR,
				(errcode(ERRCODE_AMBIGUOUS_COLUMN),
				 errmsg("column \"%s\" of foreign table \"%s\" matches several fields of message \"%s\"",
						colname, relname, mi->full_name),
				 errdetail("Field names differing only in case: the match is ambiguous."),
				 errhint("Name the field exactly with the column option \"field\".")));
	return match;
}

bool
pb_step_names_field(const PbMessageInfo *mi, const char *step, int number)
{
	const PbFieldDescriptor *f;
	int			n;

	if (parse_field_number(step, &n))
		return n == number;
	/* an ambiguous name is binding's error, reported when the column binds */
	f = field_by_name(mi->desc, step, &n);
	return f != NULL && n <= 1 && f->number == number;
}

/* The oneof of message mi named 'name' (exact, then case-insensitive), or -1. */
static int
lookup_oneof(const PbMessageInfo *mi, const char *name)
{
	const PbDescriptor *msg = mi->desc;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < msg->n_oneof_decl; i++)
		{
			const char *oname = msg->oneof_decl[i]->name;

			if (oname == NULL || oname[0] == '_')
				continue;		/* proto3 "optional" synthetic oneofs start with _ */
			if (pass == 0 ? strcmp(oname, name) == 0 : pg_strcasecmp(oname, name) == 0)
			{
				/* skip synthetic oneofs: all their members are proto3 optional */
				for (size_t k = 0; k < msg->n_field; k++)
					if (msg->field[k]->has_oneof_index && msg->field[k]->oneof_index == (int) i &&
						in_real_oneof(msg->field[k]))
						return (int) i;
			}
		}
	return -1;
}

static int
oneof_state(PlanBuilder *b, int oneof_index)
{
	int			i = 0;
	ListCell   *lc;

	foreach(lc, b->oneofs)
	{
		if (lfirst_int(lc) == oneof_index)
			return i;
		i++;
	}
	b->oneofs = lappend_int(b->oneofs, oneof_index);
	return i;
}

static int add_slot(PlanBuilder *b, const PbFieldDescriptor *f, PbSlotMode mode);

/* Every member of a oneof needs a slot: any of them unsets the others. */
static void
track_oneof(PlanBuilder *b, int oneof_index)
{
	const PbDescriptor *msg = b->mi->desc;

	for (size_t k = 0; k < msg->n_field; k++)
	{
		const PbFieldDescriptor *m = msg->field[k];

		if (m->has_oneof_index && m->oneof_index == oneof_index && in_real_oneof(m))
			(void) add_slot(b, m, is_message(m) ? PB_SLOT_ALL : PB_SLOT_LAST);
	}
}

/* The slot for field f, created on first use; a later need for ALL upgrades it. */
static int
add_slot(PlanBuilder *b, const PbFieldDescriptor *f, PbSlotMode mode)
{
	ListCell   *lc;
	int			i = 0;
	PbFieldSlot *slot;

	foreach(lc, b->slots)
	{
		slot = (PbFieldSlot *) lfirst(lc);
		if (slot->number == (uint32) f->number)
		{
			if (mode == PB_SLOT_ALL)
				slot->mode = PB_SLOT_ALL;
			return i;
		}
		i++;
	}
	slot = palloc0(sizeof(PbFieldSlot));
	slot->number = f->number;
	slot->field = f;
	slot->kind = field_kind(f);
	slot->group = f->type == FT(GROUP);
	slot->wire_type = slot->group ? PB_WT_SGROUP : kind_wire_type(slot->kind);
	slot->repeated = is_repeated(f);
	slot->mode = (slot->repeated || slot->kind == PB_K_MESSAGE) ? PB_SLOT_ALL : mode;
	slot->oneof = in_real_oneof(f) ? oneof_state(b, f->oneof_index) : -1;
	if (slot->kind == PB_K_ENUM)
		bind_enum(slot, pb_render_cache_schema(b->render), f);
	b->slots = lappend(b->slots, slot);
	if (slot->oneof >= 0)
		track_oneof(b, f->oneof_index);
	return i;
}

static PlanBuilder *
new_builder(const PbMessageInfo *mi, int depth, struct PbRenderCache *render)
{
	PlanBuilder *b = palloc0(sizeof(PlanBuilder));

	if (depth > PB_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("field path is nested more than %d messages deep", PB_MAX_DEPTH)));
	b->mi = mi;
	b->depth = depth;
	b->render = render;
	return b;
}

/* The child level reached through message field f (created on first use). */
static PlanBuilder *
child_builder(PlanBuilder *b, const PbFieldDescriptor *f)
{
	int			slot = add_slot(b, f, PB_SLOT_ALL);
	ListCell   *lc;
	ChildBuilder *cb;

	foreach(lc, b->children)
	{
		cb = (ChildBuilder *) lfirst(lc);
		if (cb->slot == slot)
			return cb->b;
	}
	cb = palloc(sizeof(ChildBuilder));
	cb->slot = slot;
	cb->b = new_builder(field_message(pb_render_cache_schema(b->render), f), b->depth + 1, b->render);
	b->children = lappend(b->children, cb);
	return cb->b;
}

static PbMsgPlan *finish_builder(PlanBuilder *b);
static void bind_output(PlanBuilder *b, const char *colname, const char *path,
						Oid typid, int32 typmod, int attidx);
static void bind_field(PlanBuilder *b, const char *colname, const PbFieldDescriptor *f,
					   Oid typid, int32 typmod, int attidx);

/* What a column on a well-known type may be declared as, for hints; NULL if not one. */
static const char *
wkt_types(PbWellKnownType wkt)
{
	switch (wkt)
	{
		case PB_WKT_TIMESTAMP:
			return "timestamptz or timestamp (UTC), or jsonb";
		case PB_WKT_DURATION:
			return "interval, or jsonb";
		case PB_WKT_FIELD_MASK:
			return "text or text[], or jsonb";
		case PB_WKT_INT32_VALUE:
			return "integer (or bigint, numeric, text), or jsonb";
		case PB_WKT_INT64_VALUE:
		case PB_WKT_UINT32_VALUE:
			return "bigint (or numeric, text), or jsonb";
		case PB_WKT_UINT64_VALUE:
			return "numeric (or bigint, text), or jsonb";
		case PB_WKT_FLOAT_VALUE:
			return "real (or double precision, numeric, text), or jsonb";
		case PB_WKT_DOUBLE_VALUE:
			return "double precision (or numeric, text), or jsonb";
		case PB_WKT_BOOL_VALUE:
			return "boolean (or text), or jsonb";
		case PB_WKT_STRING_VALUE:
			return "text (or varchar), or jsonb";
		case PB_WKT_BYTES_VALUE:
			return "bytea (or text), or jsonb";
		case PB_WKT_STRUCT:
		case PB_WKT_VALUE:
		case PB_WKT_LIST_VALUE:
		case PB_WKT_ANY:
		case PB_WKT_EMPTY:
			return "jsonb";
		case PB_WKT_NONE:
			break;
	}
	return NULL;
}

/*
 * How many composite types deep the output being bound is (0: a column):
 * an attribute takes no option, so hints must not offer one.  Reset by
 * each plan build, as an error may leave it raised.
 */
static int	attribute_depth = 0;

static bool
is_integer_kind(PbScalarKind kind)
{
	switch (kind)
	{
		case PB_K_INT32:
		case PB_K_INT64:
		case PB_K_UINT32:
		case PB_K_UINT64:
		case PB_K_SINT32:
		case PB_K_SINT64:
		case PB_K_FIXED32:
		case PB_K_SFIXED32:
		case PB_K_FIXED64:
		case PB_K_SFIXED64:
			return true;
		default:
			return false;
	}
}

/* timestamp or timestamptz, or an array of one */
static bool
is_timestamp_type(Oid typid)
{
	Oid			elemtype = get_element_type(typid);

	if (OidIsValid(elemtype))
		typid = elemtype;
	typid = getBaseType(typid);
	return typid == TIMESTAMPTZOID || typid == TIMESTAMPOID;
}

/*
 * type_mismatch
 *		Report that a column of type typid cannot hold field f
 *
 * 'mi' is f's message type when f is a message field (NULL otherwise): a
 * singular well-known type gets a hint of its own.  'why', if given,
 * becomes the detail.
 */
static void
type_mismatch(const char *colname, Oid typid, const PbFieldDescriptor *f,
			  const PbMessageInfo *mi, const char *why)
{
	const char *ftype = pb_field_type_name(f);
	const char *wkt = NULL;

	if (is_message(f) && f->type_name)
	{
		ftype = f->type_name[0] == '.' ? f->type_name + 1 : f->type_name;
		if (!is_repeated(f) && mi)
			wkt = wkt_types(mi->wkt);
	}
	if (wkt)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("column \"%s\" of type %s cannot hold field \"%s\" of type %s",
						colname, format_type_be(typid), f->name, ftype),
				 errhint("Declare the column as %s.", wkt)));
	if (is_integer_kind(field_kind(f)) && is_timestamp_type(typid))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("column \"%s\" of type %s cannot hold %sfield \"%s\" of type %s",
						colname, format_type_be(typid), is_repeated(f) ? "repeated " : "",
						f->name, ftype),
				 attribute_depth > 0
				 ? errhint("Declare the attribute as %s%s; an attribute takes no option: to read the integer as a time, read it in a column of its own with the options field and unit.",
						   is_repeated(f) ? "an array of " : "", natural_types(field_kind(f)))
				 : errhint("Set the column option unit ('s', 'ms', 'us' or 'ns') to read the integer as a time since 1970-01-01 UTC, or declare the column as %s%s.",
						   is_repeated(f) ? "an array of " : "", natural_types(field_kind(f)))));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("column \"%s\" of type %s cannot hold %sfield \"%s\" of type %s",
					colname, format_type_be(typid), is_repeated(f) ? "repeated " : "",
					f->name, ftype),
			 why ? errdetail("%s", why) : 0,
			 is_repeated(f) && is_message(f) && why && strstr(why, "map")
			 ? errhint("Declare the column as jsonb, or as an array of a composite type with the attributes key and value.")
			 : is_repeated(f) && is_message(f)
			 ? errhint("Declare the column as jsonb, or as an array of a composite type for a repeated message field.")
			 : errhint("Declare the column as %s%s.",
					   is_repeated(f) ? "an array of " : "",
					   natural_types(field_kind(f)))));
}

/*
 * A jsonb output renders every type its message contains: check, before
 * any row is read, that the set holds each (a set written without
 * --include_imports lacks the imported ones).
 */
static void
require_types(PlanBuilder *b, const char *colname, const PbMessageInfo *mi)
{
	const PbSchema *schema = pb_render_cache_schema(b->render);
	const char *in_message = NULL;
	const char *in_field = NULL;
	const char *missing = pb_schema_missing_type(schema, mi, &in_message, &in_field);

	if (missing)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("type \"%s\" of field \"%s\" of message \"%s\" is not in descriptor set \"%s\"",
						missing, in_field, in_message, schema->path),
				 errdetail("Column \"%s\" reads message \"%s\" as jsonb, which needs every type it contains.",
						   colname, mi->full_name),
				 errhint("Write the descriptor set with protoc --include_imports so that it holds every type it refers to.")));
}

static PbReader *
new_reader(PlanBuilder *b, PbReaderKind kind, int attidx, const char *colname,
		   const PbFieldDescriptor *f, Oid typid, int32 typmod)
{
	PbReader   *r = palloc0(sizeof(PbReader));

	r->kind = kind;
	r->attidx = attidx;
	r->slot = -1;
	r->typid = typid;
	r->typmod = typmod;
	r->colname = pstrdup(colname);
	r->fieldname = f ? pb_field_step_name(b->mi, f) : ".";
	r->fieldtype = f ? pb_field_type_name(f) : "message";
	r->absent_default = b->render->absent_default;
	r->default_p = (const uint8 *) "";
	if (kind == PB_R_WHOLE)
		require_types(b, colname, b->mi);
	else if (kind == PB_R_JSONB && f && is_message(f))
		require_types(b, colname, field_message(pb_render_cache_schema(b->render), f));
	b->readers = lappend(b->readers, r);
	return r;
}

static void
set_target_input(PbReader *r, Oid typid)
{
	if (r->target == PB_T_TEXT_INPUT)
	{
		Oid			infunc;

		getTypeInputInfo(typid, &infunc, &r->ioparam);
		fmgr_info(infunc, &r->input);
	}
}

/*
 * The fields of mi whose names are within a few edits of 'name' (case
 * ignored), quoted and comma-separated, or NULL: up to five, closest first.
 */
static char *
close_field_names(const PbMessageInfo *mi, const char *name)
{
	int			max_distance = Max(2, (int) strlen(name) / 3);
	StringInfoData buf;
	int			n = 0;
	char	   *lower = asc_tolower(name, strlen(name));

	initStringInfo(&buf);
	for (int d = 0; d <= max_distance; d++)
		for (size_t i = 0; i < mi->desc->n_field && n < 5; i++)
		{
			const char *fname = mi->desc->field[i]->name;
			char	   *flower = asc_tolower(fname, strlen(fname));

			if (varstr_levenshtein_less_equal(lower, strlen(lower), flower, strlen(flower),
											  1, 1, 1, max_distance, true) == d)
				appendStringInfo(&buf, "%s\"%s\"", n++ ? ", " : "", fname);
		}
	return n > 0 ? buf.data : NULL;
}

/*
 * An attribute of a composite type is bound by its name alone (it has no
 * options): one that names no field is reported here, with the close names.
 */
static void
check_attribute_name(const PbSchema *schema, const PbMessageInfo *mi, const char *colname,
					 Oid comptype, const char *attname, const char *relname)
{
	char	   *close;

	if (strchr(attname, '.') != NULL)
		return;					/* a path: bind_output reports its steps */
	if (lookup_step(schema, mi, attname, psprintf("%s.%s", colname, attname), relname) != NULL ||
		lookup_oneof(mi, attname) >= 0)
		return;
	close = close_field_names(mi, attname);
	ereport(ERROR,
			(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
			 errmsg("attribute \"%s\" of type %s (column \"%s\") matches no field of message \"%s\"",
					attname, format_type_be(comptype), colname, mi->full_name),
			 errdetail("Message \"%s\" has the fields: %s.", mi->full_name, pb_message_field_list(mi->desc)),
			 close
			 ? errhint("Perhaps you meant %s: an attribute reads the field it is named after.", close)
			 : errhint("Name each attribute of type %s after a field of message \"%s\", or drop it.",
					   format_type_be(comptype), mi->full_name)));
}

/*
 * bind_composite
 *		A composite reader's sub-plan: each attribute bound by name to a field of mi
 *
 * Column options (unit) apply to the column's own value, not to attributes.
 */
static void
bind_composite(PbReader *r, const PbMessageInfo *mi, Oid comptype, int depth,
			   struct PbRenderCache *render)
{
	TupleDesc	desc = lookup_rowtype_tupdesc_copy(comptype, -1);
	PlanBuilder *sub = new_builder(mi, depth, render);
	const char *unit = render->unit;

	render->unit = NULL;
	attribute_depth++;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		check_attribute_name(render->schema, mi, r->colname, comptype, NameStr(att->attname),
								 render->relname);
		bind_output(sub, psprintf("%s.%s", r->colname, NameStr(att->attname)),
					NameStr(att->attname), att->atttypid, att->atttypmod, i);
	}
	attribute_depth--;
	render->unit = unit;
	r->subdesc = desc;
	r->sub = finish_builder(sub);
}

/* A message field read as a row type, or a repeated one as an array of them. */
static void
bind_composite_field(PlanBuilder *b, const char *colname, const PbFieldDescriptor *f,
					 const PbMessageInfo *mi, Oid typid, int32 typmod, int attidx,
					 Oid elemtype)
{
	PbReader   *r = new_reader(b, PB_R_COMPOSITE, attidx, colname, f, typid, typmod);

	r->slot = add_slot(b, f, PB_SLOT_ALL);
	if (OidIsValid(elemtype))
	{
		r->elemtype = elemtype;
		get_typlenbyvalalign(elemtype, &r->elemlen, &r->elembyval, &r->elemalign);
		bind_composite(r, mi, elemtype, b->depth + 1, b->render);
	}
	else
		bind_composite(r, mi, typid, b->depth + 1, b->render);
}

/* A FieldMask as text (its paths joined with commas) or as text[]. */
static void
bind_field_mask(PlanBuilder *b, const char *colname, const PbFieldDescriptor *f,
				const PbMessageInfo *mi, Oid typid, int32 typmod, int attidx)
{
	PlanBuilder *c = child_builder(b, f);
	const PbFieldDescriptor *paths = pb_message_field_by_number(mi->desc, 1);
	PbReader   *r;

	if (paths == NULL)
		type_mismatch(colname, typid, f, mi, "The descriptor set's FieldMask has no field 1.");
	if (typid == TEXTOID)
	{
		r = new_reader(c, PB_R_JOIN, attidx, colname, paths, typid, typmod);
		r->slot = add_slot(c, paths, PB_SLOT_ALL);
	}
	else
		bind_field(c, colname, paths, typid, typmod, attidx);
}

/*
 * bind_well_known
 *		Bind a singular field of a well-known type to a column of its own type
 *
 * Timestamp, Duration, FieldMask and the wrappers read as the SQL types
 * they stand for; a wrapper is NULL when absent.  Any other pairing (a
 * well-known type or not) is a type mismatch.
 */
static void
bind_well_known(PlanBuilder *b, const char *colname, const PbFieldDescriptor *f,
				const PbMessageInfo *mi, Oid typid, int32 typmod, int attidx)
{
	PbReader   *r;

	if (mi->wkt == PB_WKT_TIMESTAMP && (typid == TIMESTAMPTZOID || typid == TIMESTAMPOID))
	{
		r = new_reader(b, PB_R_TIMESTAMP, attidx, colname, f, typid, typmod);
		r->slot = add_slot(b, f, PB_SLOT_ALL);
		r->timestamp_utc = (typid == TIMESTAMPOID);
		return;
	}
	if (mi->wkt == PB_WKT_DURATION && typid == INTERVALOID)
	{
		r = new_reader(b, PB_R_DURATION, attidx, colname, f, typid, typmod);
		r->slot = add_slot(b, f, PB_SLOT_ALL);
		return;
	}
	if (mi->wkt == PB_WKT_FIELD_MASK && (typid == TEXTOID || typid == TEXTARRAYOID))
	{
		bind_field_mask(b, colname, f, mi, typid, typmod, attidx);
		return;
	}
	if (pb_wkt_is_wrapper(mi->wkt) && pb_message_field_by_number(mi->desc, 1) != NULL)
	{
		/* a wrapper: its "value" field, NULL when the wrapper is absent */
		const PbFieldDescriptor *value = pb_message_field_by_number(mi->desc, 1);
		PbTarget	target;

		/* under the option unit, bind_field checks the pairing */
		if (b->render->unit == NULL && !choose_target(field_kind(value), typid, &target))
			type_mismatch(colname, typid, f, mi, NULL);
		bind_field(child_builder(b, f), colname, value, typid, typmod, attidx);
		return;
	}
	type_mismatch(colname, typid, f, mi, NULL);
}

/*
 * bind_message_field
 *		Bind a message (or group) field to a column other than jsonb
 *
 * A composite type reads the message, an array of one a repeated message
 * (a map: an array of (key, value) rows); other repeated messages read
 * only as jsonb; a singular
 * well-known type may read as the SQL type it stands for.
 */
static void
bind_message_field(PlanBuilder *b, const char *colname, const PbFieldDescriptor *f,
				   Oid typid, int32 typmod, int attidx)
{
	const PbMessageInfo *mi = field_message(pb_render_cache_schema(b->render), f);
	Oid			elemtype = get_element_type(typid);

	if (!is_repeated(f))
	{
		if (get_typtype(typid) == TYPTYPE_COMPOSITE)
			bind_composite_field(b, colname, f, mi, typid, typmod, attidx, InvalidOid);
		else
			bind_well_known(b, colname, f, mi, typid, typmod, attidx);
		return;
	}
	/* a map's entries are messages too: (key, value) rows */
	if (OidIsValid(elemtype) && get_typtype(elemtype) == TYPTYPE_COMPOSITE)
	{
		bind_composite_field(b, colname, f, mi, typid, typmod, attidx, elemtype);
		return;
	}
	type_mismatch(colname, typid, f, mi,
				  is_map_entry(mi)
				  ? "A map field reads as jsonb (an object whose keys are the map's keys) or as an array of rows (key, value)."
				  : "A repeated message field reads as jsonb (an array) or as an array of a composite type.");
}

/* Nanoseconds per unit of the column option "unit" (options.c checked the value). */
static int64
unit_nanos(const char *unit)
{
	if (strcmp(unit, "s") == 0)
		return INT64CONST(1000000000);
	if (strcmp(unit, "ms") == 0)
		return INT64CONST(1000000);
	if (strcmp(unit, "us") == 0)
		return INT64CONST(1000);
	return 1;
}

/*
 * bind_unit
 *		An integer field read as a time, by the column option "unit"
 *
 * typid is the column's type, or an array column's element type.
 */
static void
bind_unit(PlanBuilder *b, PbReader *r, const PbFieldDescriptor *f, Oid typid)
{
	if (typid != TIMESTAMPTZOID && typid != TIMESTAMPOID)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("column \"%s\" of type %s cannot take the option unit",
						r->colname, format_type_be(r->typid)),
				 errdetail("The option unit reads an integer field as a time since 1970-01-01 UTC."),
				 errhint("Declare the column as timestamptz or timestamp%s, or drop the option unit.",
						 r->kind == PB_R_ARRAY ? " (an array of one for a repeated field)" : "")));
	if (!is_integer_kind(field_kind(f)))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("option unit of column \"%s\" needs an integer field, but field \"%s\" is of type %s",
						r->colname, f->name, pb_field_type_name(f)),
				 errhint("Drop the option unit: it applies to integer fields (int32, int64, uint32, uint64, sint32, sint64, fixed32, fixed64, sfixed32, sfixed64).")));
	r->target = PB_T_TIMESTAMP;
	r->unit = b->render->unit;
	r->unit_ns = unit_nanos(r->unit);
	r->timestamp_utc = (typid == TIMESTAMPOID);
	b->render->unit_used = true;
}

static int
compare_enum_number(const void *a, const void *b)
{
	int32		x = ((const PbEnumValue *) a)->number;
	int32		y = ((const PbEnumValue *) b)->number;

	return x < y ? -1 : x > y;
}

/* The label of enum type enumtype named 'name', or InvalidOid. */
static Oid
enum_label(Oid enumtype, const char *name)
{
	HeapTuple	tup;
	Oid			label;

	if (strlen(name) >= NAMEDATALEN)
		return InvalidOid;
	tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(enumtype), CStringGetDatum(name));
	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	label = ((Form_pg_enum) GETSTRUCT(tup))->oid;
	ReleaseSysCache(tup);
	return label;
}

/*
 * bind_enum_labels
 *		A protobuf enum read as a PostgreSQL enum type, by value name
 *
 * The label of each number the slot knows, or InvalidOid: a name the type
 * lacks is an error only when a row holds it.  Among aliases the first
 * declared name with a label wins.
 */
static void
bind_enum_labels(PbReader *r, const PbFieldSlot *slot, Oid enumtype, const PbSchema *schema)
{
	const PbEnumDescriptor *ed = pb_schema_find_enum(schema, slot->field->type_name)->desc;

	r->target = PB_T_ENUM;
	r->enum_labels = palloc0(sizeof(Oid) * Max(slot->nenum_values, 1));
	for (size_t i = 0; i < ed->n_value; i++)
	{
		/* slot->enum_values: one per number, sorted (bind_enum) */
		PbEnumValue key = {ed->value[i]->number, 0, NULL};
		PbEnumValue *v = bsearch(&key, slot->enum_values, slot->nenum_values,
								 sizeof(PbEnumValue), compare_enum_number);
		int			k = v ? (int) (v - slot->enum_values) : -1;

		if (k >= 0 && !OidIsValid(r->enum_labels[k]))
			r->enum_labels[k] = enum_label(enumtype, ed->value[i]->name);
	}
}

/*
 * How reader r (its slot set) converts field f's values into typid (a
 * column's type or an array's element type, domains resolved): an integer
 * under the option unit, an enum into an enum type, else choose_target's.
 */
static bool
bind_target(PlanBuilder *b, PbReader *r, const PbFieldDescriptor *f, Oid typid)
{
	if (b->render->unit)
	{
		bind_unit(b, r, f, typid);
		return true;
	}
	if (field_kind(f) == PB_K_ENUM && type_is_enum(typid))
	{
		bind_enum_labels(r, list_nth(b->slots, r->slot), typid, pb_render_cache_schema(b->render));
		return true;
	}
	return choose_target(field_kind(f), typid, &r->target);
}

/* A repeated scalar field read as an array. */
static void
bind_array(PlanBuilder *b, const char *colname, const PbFieldDescriptor *f,
		   Oid typid, int32 typmod, int attidx)
{
	Oid			elemtype = get_element_type(typid);
	Oid			basetype;
	PbReader   *r;

	if (!OidIsValid(elemtype))
		type_mismatch(colname, typid, f, NULL, "A repeated field reads as an array.");
	r = new_reader(b, PB_R_ARRAY, attidx, colname, f, typid, typmod);
	r->slot = add_slot(b, f, PB_SLOT_ALL);
	/* elements of a domain: read as its base type, each checked */
	basetype = elemtype;
	if (get_typtype(elemtype) == TYPTYPE_DOMAIN)
	{
		r->elemdomain = elemtype;
		basetype = getBaseTypeAndTypmod(elemtype, &r->typmod);
	}
	if (!bind_target(b, r, f, basetype))
		type_mismatch(colname, typid, f, NULL, NULL);
	r->elemtype = elemtype;
	get_typlenbyvalalign(elemtype, &r->elemlen, &r->elembyval, &r->elemalign);
	/* an array column's typmod is its elements' (varchar(2)[], numeric(4,2)[]) */
	set_target_input(r, basetype);
}

/* A singular scalar field: the last occurrence; absent is NULL where presence is tracked. */
static void
bind_scalar(PlanBuilder *b, const char *colname, const PbFieldDescriptor *f,
			Oid typid, int32 typmod, int attidx)
{
	PbReader   *r = new_reader(b, PB_R_SCALAR, attidx, colname, f, typid, typmod);

	r->slot = add_slot(b, f, PB_SLOT_LAST);
	if (!bind_target(b, r, f, typid))
		type_mismatch(colname, typid, f, NULL, NULL);
	/* a map entry's key and value read as their defaults when absent */
	r->presence = (!b->mi->proto3 && !is_map_entry(b->mi)) || f->has_oneof_index ||
		(f->has_proto3_optional && f->proto3_optional);
	set_target_input(r, typid);
}

/* Bind the value of field f (at builder b) to an output of type typid. */
static void
bind_field(PlanBuilder *b, const char *colname, const PbFieldDescriptor *f,
		   Oid typid, int32 typmod, int attidx)
{
	check_stack_depth();

	if (typid == JSONBOID)
	{
		PbReader   *r = new_reader(b, PB_R_JSONB, attidx, colname, f, typid, typmod);

		r->slot = add_slot(b, f, PB_SLOT_ALL);
	}
	else if (field_kind(f) == PB_K_MESSAGE)
		bind_message_field(b, colname, f, typid, typmod, attidx);
	else if (is_repeated(f))
		bind_array(b, colname, f, typid, typmod, attidx);
	else
		bind_scalar(b, colname, f, typid, typmod, attidx);
}

static void
field_not_found(PlanBuilder *b, const char *colname, const char *path, const char *step)
{
	const PbMessageInfo *mi = b->mi;
	bool		of_copy = b->render->of_copy;

	ereport(ERROR,
			(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
			 path
			 ? errmsg("field \"%s\" of column \"%s\" not found in message \"%s\"", step, colname, mi->full_name)
			 : errmsg("column \"%s\" of %s \"%s\" matches no field of message \"%s\"",
					  colname, of_copy ? "table" : "foreign table", b->render->relname,
					  mi->full_name),
			 errdetail("Message \"%s\" has the fields: %s%s%s.", mi->full_name,
					   pb_message_field_list(mi->desc),
					   mi->nextensions > 0 ? "; the extensions: " : "",
					   mi->nextensions > 0 ? pb_message_extension_list(mi) : ""),
			 of_copy
			 ? errhint("Give the column a field with COPY's option fields, for example fields '{\"%s\": \"field.path\"}', or leave it out of the column list.", colname)
			 : errhint("Name a field with the column option \"field\": a name or a number, or a path of them separated by dots.")));
}

/*
 * The whole message at builder b's level (path "."): as jsonb, or as a row
 * of a composite type bound as a message field's would be (r->sub).
 */
static void
bind_whole_message(PlanBuilder *b, const char *colname, Oid typid, int32 typmod, int attidx)
{
	PbReader   *r;

	if (typid != JSONBOID && get_typtype(typid) != TYPTYPE_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("column \"%s\" of type %s cannot hold the whole message \"%s\"",
						colname, format_type_be(typid), b->mi->full_name),
				 errhint("Declare the column as jsonb, or as a composite type whose attributes are named after the message's fields.")));
	r = new_reader(b, PB_R_WHOLE, attidx, colname, NULL, typid, typmod);
	if (typid != JSONBOID)
		bind_composite(r, b->mi, typid, b->depth + 1, b->render);
}

/* The name of the member of oneof 'oneof' (named 'step') set last, as text. */
static void
bind_oneof_name(PlanBuilder *b, const char *colname, const char *step, int oneof,
				Oid typid, int32 typmod, int attidx)
{
	PbReader   *r;

	if (typid != TEXTOID)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("column \"%s\" of type %s cannot hold the name of oneof \"%s\"",
						colname, format_type_be(typid), step),
				 errhint("Declare the column as text.")));
	r = new_reader(b, PB_R_ONEOF_NAME, attidx, colname, NULL, typid, typmod);
	r->fieldname = b->mi->desc->oneof_decl[oneof]->name;
	r->oneof_index = oneof_state(b, oneof);
	track_oneof(b, oneof);
}

/* A path goes on only through a singular message field. */
static void
check_path_step(PlanBuilder *b, const char *colname, const char *path,
				const PbFieldDescriptor *f)
{
	if (!is_message(f) || is_repeated(f))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("field path \"%s\" of column \"%s\" goes through field \"%s\", which is not a singular message field",
						path, colname, pb_field_step_name(b->mi, f)),
				 errdetail("Field \"%s\" of message \"%s\" is %s%s.", pb_field_step_name(b->mi, f),
						   b->mi->full_name,
						   is_repeated(f) ? "repeated " : "", pb_field_type_name(f)),
				 errhint("A path can only go through singular message fields; read a repeated field whole, as an array or jsonb.")));
}

/*
 * The dot that ends path step 'step' (NULL for the last step); a step in
 * brackets, an extension's full name, holds dots of its own.
 */
static char *
step_end(char *step, const char *path, const char *colname)
{
	char	   *close;

	if (step[0] != '[')
		return strchr(step, '.');
	close = strchr(step, ']');
	if (close == NULL || (close[1] != '.' && close[1] != '\0'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("field path \"%s\" of column \"%s\" has a step in brackets without its closing bracket",
						path, colname),
				 errhint("Name an extension as [full.name], followed by a dot or by the end of the path.")));
	return close[1] == '.' ? close + 1 : NULL;
}

/*
 * bind_output
 *		Bind one output (a column, or an attribute of a composite) to its path
 *
 * The path is '.' for the whole message, else dot-separated steps through
 * singular message fields down to a field or, last, a oneof.  Without a
 * path (no "field" option) the column's name is the one step, dots and all.
 */
static void
bind_output(PlanBuilder *b, const char *colname, const char *path,
			Oid typid, int32 typmod, int attidx)
{
	char	   *step;
	char	   *next;

	if (get_typtype(typid) == TYPTYPE_DOMAIN)
	{
		/* bound as its base type; the value is checked once this level is read */
		PbDomainCheck *dc = palloc0(sizeof(PbDomainCheck));

		dc->attidx = attidx;
		dc->domain = typid;
		dc->colname = pstrdup(colname);
		b->domains = lappend(b->domains, dc);
		typid = getBaseTypeAndTypmod(typid, &typmod);
	}
	if (path && strcmp(path, ".") == 0)
	{
		bind_whole_message(b, colname, typid, typmod, attidx);
		return;
	}

	step = pstrdup(path ? path : colname);
	for (;;)
	{
		const PbFieldDescriptor *f;

		next = path ? step_end(step, path, colname) : NULL;
		if (next)
			*next++ = '\0';
		if (step[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("field path \"%s\" of column \"%s\" has an empty step", path, colname)));
		f = lookup_step(pb_render_cache_schema(b->render), b->mi, step, colname,
						b->render->relname);
		if (f == NULL && next == NULL)
		{
			int			oneof = lookup_oneof(b->mi, step);

			if (oneof >= 0)
			{
				bind_oneof_name(b, colname, step, oneof, typid, typmod, attidx);
				return;
			}
		}
		if (f == NULL)
			field_not_found(b, colname, path, step);
		if (next == NULL)
		{
			bind_field(b, colname, f, typid, typmod, attidx);
			return;
		}
		check_path_step(b, colname, path, f);
		b = child_builder(b, f);
		step = next;
	}
}

static uint8
fast_op(PbTarget target, PbScalarKind kind)
{
	switch (target)
	{
		case PB_T_INT8:
			if (kind == PB_K_INT64 || kind == PB_K_SFIXED64)
				return PB_FAST_INT8_FROM_I64;
			if (kind == PB_K_UINT32 || kind == PB_K_FIXED32)
				return PB_FAST_INT8_FROM_U32;
			break;
		case PB_T_INT4:
			if (kind == PB_K_INT32 || kind == PB_K_SFIXED32)
				return PB_FAST_INT4_FROM_I32;
			break;
		case PB_T_FLOAT8:
			if (kind == PB_K_DOUBLE)
				return PB_FAST_FLOAT8_FROM_DOUBLE;
			break;
		case PB_T_FLOAT4:
			return PB_FAST_FLOAT4_FROM_FLOAT;
		case PB_T_BOOL:
			return PB_FAST_BOOL;
		default:
			break;
	}
	return PB_FAST_GENERIC;
}

/*
 * The slots in their order of creation, and the two ways the decoder finds
 * one: by field number (dense, up to DENSE_LIMIT) and, for a singular slot
 * of fields 1-15, by its one-byte tag.
 */
static void
finish_slots(PbMsgPlan *plan, PlanBuilder *b)
{
	ListCell   *lc;
	int			i;

	plan->nslots = list_length(b->slots);
	plan->slots = palloc(sizeof(PbFieldSlot) * Max(plan->nslots, 1));
	i = 0;
	foreach(lc, b->slots)
	{
		plan->slots[i] = *(PbFieldSlot *) lfirst(lc);
		if (plan->slots[i].number <= DENSE_LIMIT && plan->slots[i].number > plan->dense_max)
			plan->dense_max = plan->slots[i].number;
		i++;
	}
	plan->dense = palloc0(sizeof(int16) * (plan->dense_max + 1));
	for (i = 0; i < plan->nslots; i++)
		if (plan->slots[i].number <= DENSE_LIMIT)
			plan->dense[plan->slots[i].number] = i + 1;
	for (i = 0; i < plan->nslots && i < 127; i++)
	{
		const PbFieldSlot *slot = &plan->slots[i];

		if (slot->number <= 15 && slot->mode == PB_SLOT_LAST && slot->wire_type != PB_WT_SGROUP)
			plan->tag1[(slot->number << 3) | slot->wire_type] = (int8) (i + 1);
	}
	plan->allslots = palloc(sizeof(int16) * Max(plan->nslots, 1));
	for (i = 0; i < plan->nslots; i++)
		if (plan->slots[i].mode == PB_SLOT_ALL)
			plan->allslots[plan->nallslots++] = (int16) i;
}

/*
 * absent 'default': an absent field reads as its declared default (the
 * type's own without one), as a generated getter returns it, so the
 * reader no longer tracks presence.
 */
static void
set_absent_default(PbReader *r, const PbFieldSlot *slot, struct PbRenderCache *render)
{
	pb_field_default(render->schema, slot->field, &r->default_v, &r->default_p,
					 &r->default_len);
	r->presence = false;
}

/*
 * The readers, singular scalar ones first: the row loop runs those from a
 * packed array (plan->fast), the rest one by one.  Needs the slots.
 */
static void
finish_readers(PbMsgPlan *plan, PlanBuilder *b)
{
	ListCell   *lc;
	int			i = 0;

	plan->nreaders = list_length(b->readers);
	plan->readers = palloc(sizeof(PbReader) * Max(plan->nreaders, 1));
	plan->fast = palloc(sizeof(PbFastReader) * Max(plan->nreaders, 1));
	for (int pass = 0; pass < 2; pass++)
		foreach(lc, b->readers)
		{
			PbReader   *r = (PbReader *) lfirst(lc);
			bool		fast = r->kind == PB_R_SCALAR &&
				plan->slots[r->slot].mode == PB_SLOT_LAST;

			if (fast != (pass == 0))
				continue;
			if (r->kind == PB_R_SCALAR && r->presence && r->absent_default)
				set_absent_default(r, &plan->slots[r->slot], b->render);
			plan->readers[i] = *r;
			if (fast)
			{
				PbFastReader *f = &plan->fast[plan->nfast++];

				f->attidx = (int16) r->attidx;
				f->slot = (int16) r->slot;
				f->oneof = (int8) plan->slots[r->slot].oneof;
				f->presence = r->presence;
				f->reader = &plan->readers[i];
				f->op = fast_op(r->target, plan->slots[r->slot].kind);
			}
			i++;
		}
}

/* Turn a builder (and, recursively, its children) into the plan the decoder runs. */
static PbMsgPlan *
finish_builder(PlanBuilder *b)
{
	PbMsgPlan  *plan = palloc0(sizeof(PbMsgPlan));
	ListCell   *lc;
	int			i;

	plan->message = b->mi;
	plan->depth = b->depth;
	plan->render = b->render;
	finish_slots(plan, b);
	finish_readers(plan, b);

	plan->nchildren = list_length(b->children);
	plan->children = palloc(sizeof(PbChild) * Max(plan->nchildren, 1));
	i = 0;
	foreach(lc, b->children)
	{
		ChildBuilder *cb = (ChildBuilder *) lfirst(lc);

		plan->children[i].slot = cb->slot;
		plan->children[i].plan = finish_builder(cb->b);
		i++;
	}

	plan->ndomains = list_length(b->domains);
	plan->domains = palloc(sizeof(PbDomainCheck) * Max(plan->ndomains, 1));
	i = 0;
	foreach(lc, b->domains)
		plan->domains[i++] = *(PbDomainCheck *) lfirst(lc);

	plan->noneofs = list_length(b->oneofs);
	plan->oneof_ids = palloc(sizeof(int) * Max(plan->noneofs, 1));
	i = 0;
	foreach(lc, b->oneofs)
		plan->oneof_ids[i++] = lfirst_int(lc);
	return plan;
}

struct PbRenderCache *
pb_render_cache_create(const PbSchema *schema)
{
	struct PbRenderCache *rc = palloc0(sizeof(struct PbRenderCache));

	rc->schema = schema;
	return rc;
}

const PbSchema *
pb_render_cache_schema(struct PbRenderCache *cache)
{
	return cache->schema;
}

PbMsgPlan *
pb_render_plan(struct PbRenderCache *cache, const PbMessageInfo *mi)
{
	ListCell   *lc;
	PlanBuilder *b;
	PbMsgPlan  *plan;
	MemoryContext old;

	foreach(lc, cache->plans)
		if (((PbMsgPlan *) lfirst(lc))->message == mi)
			return (PbMsgPlan *) lfirst(lc);

	/* cached for the scan: build it beside the cache, not in a row context */
	old = MemoryContextSwitchTo(GetMemoryChunkContext(cache));
	b = new_builder(mi, 0, cache);
	for (size_t i = 0; i < mi->desc->n_field; i++)
		(void) add_slot(b, mi->desc->field[i], PB_SLOT_LAST);
	/* the set's extensions of mi render as "[full.name]" members */
	for (int i = 0; i < mi->nextensions; i++)
		(void) add_slot(b, mi->extensions[i]->field, PB_SLOT_LAST);
	plan = finish_builder(b);
	cache->plans = lappend(cache->plans, plan);
	MemoryContextSwitchTo(old);
	return plan;
}

/*
 * pb_plan_columns
 *		The columns of 'rel' in 'attrs' that decode a field, as PbColumnRefs
 *
 * Metadata columns are filled by the scan and left out; a whole-row
 * reference means every column.
 */
List *
pb_plan_columns(Relation rel, Bitmapset *attrs)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);
	List	   *cols = NIL;

	for (int attidx = 0; attidx < tupdesc->natts; attidx++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, attidx);
		PbColumnRef *col;

		if (attr->attisdropped)
			continue;
		if (!whole_row &&
			!bms_is_member(attr->attnum - FirstLowInvalidHeapAttributeNumber, attrs))
			continue;
		if (pb_get_column_meta(RelationGetRelid(rel), attr->attnum) != PB_META_NONE)
			continue;			/* filled by the scan, not by decoding */
		col = palloc0(sizeof(PbColumnRef));
		col->attidx = attidx;
		col->colname = NameStr(attr->attname);
		col->path = pb_get_column_field(RelationGetRelid(rel), attr->attnum);
		col->typid = attr->atttypid;
		col->typmod = attr->atttypmod;
		col->unit = pb_get_column_unit(RelationGetRelid(rel), attr->attnum);
		col->absent_default = pb_get_column_absent_default(RelationGetRelid(rel), attr->attnum);
		cols = lappend(cols, col);
	}
	return cols;
}

/*
 * pb_build_plan_columns
 *		The plan that reads 'columns' (PbColumnRefs) from message 'mi'
 */
PbMsgPlan *
pb_build_plan_columns(const char *relname, const PbMessageInfo *mi, const PbSchema *schema,
					  List *columns)
{
	PlanBuilder *b = new_builder(mi, 0, pb_render_cache_create(schema));
	ListCell   *lc;

	b->render->relname = relname;
	attribute_depth = 0;
	foreach(lc, columns)
	{
		PbColumnRef *col = lfirst(lc);

		b->render->unit = col->unit;
		b->render->unit_used = false;
		/* the column's composite attributes, at any depth, follow its option */
		b->render->absent_default = col->absent_default;
		b->render->of_copy = col->of_copy;
		bind_output(b, col->colname, col->path, col->typid, col->typmod, col->attidx);
		if (col->unit && !b->render->unit_used)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("option unit of column \"%s\" applies only to an integer field read as timestamptz or timestamp",
							col->colname),
					 errhint("Drop the option unit, or point the column at an integer field that counts time since 1970-01-01 UTC.")));
	}
	b->render->unit = NULL;
	return finish_builder(b);
}

PbMsgPlan *
pb_build_plan(Relation rel, const PbMessageInfo *mi, const PbSchema *schema, Bitmapset *attrs)
{
	List	   *cols = pb_plan_columns(rel, attrs);
	ListCell   *lc;

	foreach(lc, cols)
	{
		PbColumnRef *col = lfirst(lc);

		if (col->path && strchr(col->path, '/'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("field path \"%s\" of column \"%s\" reads an ancestor, but foreign table \"%s\" has no container path",
							col->path, col->colname, RelationGetRelationName(rel)),
					 errhint("Set the option container to the path whose last step holds the rows, for example container 'pkg.Root.groups.events'.")));
	}
	return pb_build_plan_columns(RelationGetRelationName(rel), mi, schema, cols);
}

/* Append a field's path unless it is there already (two columns may read one field). */
List *
pb_fields_append(List *fields, char *path)
{
	ListCell   *lc;

	foreach(lc, fields)
		if (strcmp((char *) lfirst(lc), path) == 0)
			return fields;
	return lappend(fields, path);
}

static void
plan_fields(const PbMsgPlan *plan, const char *prefix, List **out)
{
	for (int i = 0; i < plan->nreaders; i++)
	{
		const PbReader *r = &plan->readers[i];
		const char *name = r->kind == PB_R_WHOLE ? "(whole message)" : r->fieldname;

		*out = pb_fields_append(*out, prefix ? psprintf("%s.%s", prefix, name) : pstrdup(name));
	}
	for (int c = 0; c < plan->nchildren; c++)
	{
		const char *name = pb_field_step_name(plan->message,
											  plan->slots[plan->children[c].slot].field);

		plan_fields(plan->children[c].plan,
					prefix ? psprintf("%s.%s", prefix, name) : name, out);
	}
}

List *
pb_plan_fields(const PbMsgPlan *plan)
{
	List	   *out = NIL;

	plan_fields(plan, NULL, &out);
	return out;
}
