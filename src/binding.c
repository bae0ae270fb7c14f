/*
 * binding.c - columns -> fields, and the type checks, once per scan.
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "binding.h"
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

/* Find the field a column reads: the option "field" (name or number), else the column name. */
static const PbFieldDescriptor *
find_field(Relation rel, const PbMessageInfo *mi, const char *colname, const char *option)
{
	const PbDescriptor *msg = mi->desc;
	const char *want = option ? option : colname;
	const PbFieldDescriptor *ci_match = NULL;
	int			nci = 0;
	int			number;

	if (option && parse_field_number(option, &number))
	{
		const PbFieldDescriptor *f = pb_message_field_by_number(msg, number);

		if (f)
			return f;
	}
	for (size_t i = 0; i < msg->n_field; i++)
	{
		if (strcmp(msg->field[i]->name, want) == 0)
			return msg->field[i];
		if (pg_strcasecmp(msg->field[i]->name, want) == 0)
		{
			ci_match = msg->field[i];
			nci++;
		}
	}
	if (nci == 1)
		return ci_match;
	if (nci > 1)
		ereport(ERROR,
				(errcode(ERRCODE_AMBIGUOUS_COLUMN),
				 errmsg("column \"%s\" of foreign table \"%s\" matches several fields of message \"%s\"",
						colname, RelationGetRelationName(rel), mi->full_name),
				 errdetail("Field names differing only in case: the match is ambiguous."),
				 errhint("Name the field exactly with the column option \"field\".")));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
			 option
			 ? errmsg("field \"%s\" of column \"%s\" not found in message \"%s\"",
					  option, colname, mi->full_name)
			 : errmsg("column \"%s\" of foreign table \"%s\" matches no field of message \"%s\"",
					  colname, RelationGetRelationName(rel), mi->full_name),
			 errdetail("Message \"%s\" has the fields: %s.", mi->full_name, pb_message_field_list(msg)),
			 errhint("Name a field with the column option \"field\" (a name or a number).")));
	return NULL;				/* keep compiler quiet */
}

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
			elog(ERROR, "field_kind called for a non-scalar field");
	}
	return PB_K_INT32;			/* keep compiler quiet */
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
			return "text for the value's name (or integer for its number)";
	}
	return "text";
}

/* Can a column of type 'typid' hold values of 'kind'?  Sets *target. */
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

/* The slot for field f, created on first use. */
static int
slot_for(List **slots, const PbSchema *schema, const PbFieldDescriptor *f, int oneof)
{
	ListCell   *lc;
	int			i = 0;
	PbFieldSlot *slot;

	foreach(lc, *slots)
	{
		if (((PbFieldSlot *) lfirst(lc))->number == (uint32) f->number)
			return i;
		i++;
	}
	slot = palloc0(sizeof(PbFieldSlot));
	slot->number = f->number;
	slot->kind = field_kind(f);
	slot->wire_type = kind_wire_type(slot->kind);
	slot->oneof = oneof;
	if (slot->kind == PB_K_ENUM)
		bind_enum(slot, schema, f);
	*slots = lappend(*slots, slot);
	return i;
}

static bool
is_scalar(const PbFieldDescriptor *f)
{
	return f->type != FT(MESSAGE) && f->type != FT(GROUP);
}

PbDecodePlan *
pb_build_plan(Relation rel, const PbMessageInfo *mi, const PbSchema *schema, Bitmapset *attrs)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	PbDecodePlan *plan = palloc0(sizeof(PbDecodePlan));
	List	   *slots = NIL;
	List	   *oneofs_used = NIL;	/* oneof indexes of the message, as ints */
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);
	ListCell   *lc;
	int			i;

	plan->message = mi;
	plan->cols = palloc0(sizeof(PbColumn) * Max(tupdesc->natts, 1));

	for (int attidx = 0; attidx < tupdesc->natts; attidx++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, attidx);
		const char *colname = NameStr(attr->attname);
		const PbFieldDescriptor *f;
		PbColumn   *col;
		PbTarget	target;
		int			oneof = -1;

		if (attr->attisdropped)
			continue;
		if (!whole_row &&
			!bms_is_member(attr->attnum - FirstLowInvalidHeapAttributeNumber, attrs))
			continue;

		f = find_field(rel, mi, colname, pb_get_column_field(RelationGetRelid(rel), attr->attnum));

		if (!is_scalar(f) || f->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("column \"%s\" cannot read %s field \"%s\" of message \"%s\"",
							colname,
							f->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED
							? "repeated" : pb_field_type_name(f),
							f->name, mi->full_name),
					 errdetail("This version of protobuf_fdw reads singular scalar, string, bytes and enum fields only."),
					 errhint("Drop the column, or bind it to a singular scalar field with the column option \"field\".")));

		if (!choose_target(field_kind(f), attr->atttypid, &target))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("column \"%s\" of type %s cannot hold field \"%s\" of type %s",
							colname, format_type_be(attr->atttypid), f->name, pb_field_type_name(f)),
					 errhint("Declare the column as %s.", natural_types(field_kind(f)))));

		if (f->has_oneof_index && !(f->has_proto3_optional && f->proto3_optional))
		{
			/* a real oneof: track every member, since any of them unsets the others */
			if (!list_member_int(oneofs_used, f->oneof_index))
				oneofs_used = lappend_int(oneofs_used, f->oneof_index);
			oneof = 0;
			foreach(lc, oneofs_used)
			{
				if (lfirst_int(lc) == f->oneof_index)
					break;
				oneof++;
			}
			for (size_t k = 0; k < mi->desc->n_field; k++)
			{
				const PbFieldDescriptor *m = mi->desc->field[k];

				if (m->has_oneof_index && m->oneof_index == f->oneof_index && is_scalar(m))
					(void) slot_for(&slots, schema, m, oneof);
			}
		}

		col = &plan->cols[plan->ncols++];
		col->attidx = attidx;
		col->slot = slot_for(&slots, schema, f, oneof);
		col->target = target;
		col->presence = !mi->proto3 || f->has_oneof_index ||
			(f->has_proto3_optional && f->proto3_optional);
		col->typmod = attr->atttypmod;
		col->colname = pstrdup(colname);
		col->fieldname = f->name;
		col->fieldtype = pb_field_type_name(f);
		col->coltype = format_type_be(attr->atttypid);
		if (target == PB_T_TEXT_INPUT)
		{
			Oid			infunc;

			getTypeInputInfo(attr->atttypid, &infunc, &col->ioparam);
			fmgr_info(infunc, &col->input);
		}
	}

	/* flatten the slots; index them by field number */
	plan->nslots = list_length(slots);
	plan->slots = palloc(sizeof(PbFieldSlot) * Max(plan->nslots, 1));
	plan->dense_max = 0;
	i = 0;
	foreach(lc, slots)
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
	plan->noneofs = list_length(oneofs_used);
	return plan;
}
