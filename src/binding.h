/*-------------------------------------------------------------------------
 *
 * binding.h
 *		Columns bound to fields: one decode plan per scan.
 *
 * A plan is a tree with one node (PbMsgPlan) per message level the query
 * reaches.  Each node lists the fields it needs ("slots": which wire types
 * to accept and whether to keep the last occurrence or all of them), the
 * readers that turn those occurrences into Datums (a column, or an
 * attribute of a composite), and the child nodes of paths that go deeper.
 * Fields nobody references have no slot and are skipped by wire type.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_BINDING_H
#define PROTOBUF_FDW_BINDING_H

#include "access/tupdesc.h"
#include "fmgr.h"
#include "nodes/bitmapset.h"
#include "utils/relcache.h"

#include "schema.h"

/* How the wire value of a field is read (the field's protobuf type). */
typedef enum PbScalarKind
{
	PB_K_INT32,
	PB_K_INT64,
	PB_K_UINT32,
	PB_K_UINT64,
	PB_K_SINT32,
	PB_K_SINT64,
	PB_K_BOOL,
	PB_K_ENUM,
	PB_K_FIXED32,
	PB_K_SFIXED32,
	PB_K_FLOAT,
	PB_K_FIXED64,
	PB_K_SFIXED64,
	PB_K_DOUBLE,
	PB_K_STRING,
	PB_K_BYTES,
	PB_K_MESSAGE,				/* a message or a group */
} PbScalarKind;

/* What a scalar value becomes. */
typedef enum PbTarget
{
	PB_T_INT4,
	PB_T_INT8,
	PB_T_NUMERIC,
	PB_T_FLOAT4,
	PB_T_FLOAT8,
	PB_T_BOOL,
	PB_T_BYTEA,
	PB_T_TEXT,					/* the canonical text form */
	PB_T_TEXT_INPUT,			/* that text through the type's input function
								 * (varchar(n), bpchar(n): length checks) */
	PB_T_TIMESTAMP,				/* an integer count of unit_ns since 1970 (UTC) */
	PB_T_ENUM					/* an enum number as a label of a PostgreSQL enum */
} PbTarget;

/* How a reader turns a slot's occurrences into one Datum. */
typedef enum PbReaderKind
{
	PB_R_SCALAR,				/* the last occurrence of a scalar */
	PB_R_ARRAY,					/* every element of a repeated scalar */
	PB_R_JSONB,					/* the field's value in the proto3 JSON mapping */
	PB_R_COMPOSITE,				/* a message (or each of a repeated one) as a row type */
	PB_R_TIMESTAMP,				/* google.protobuf.Timestamp */
	PB_R_DURATION,				/* google.protobuf.Duration */
	PB_R_JOIN,					/* a repeated string joined with commas (FieldMask) */
	PB_R_WHOLE,					/* the whole message at this level, as jsonb */
	PB_R_ONEOF_NAME				/* the name of the oneof member set last */
} PbReaderKind;

typedef struct PbEnumValue
{
	int32		number;
	int			order;			/* declaration order, to pick among aliases */
	const char *name;
} PbEnumValue;

typedef enum PbSlotMode
{
	PB_SLOT_LAST,				/* keep the last occurrence only */
	PB_SLOT_ALL					/* keep every occurrence, in wire order */
} PbSlotMode;

typedef struct PbFieldSlot
{
	uint32		number;
	int			wire_type;		/* the wire type of one value */
	PbScalarKind kind;
	PbSlotMode	mode;
	bool		repeated;		/* packed LEN records are accepted too */
	bool		group;			/* a proto2 group: SGROUP ... EGROUP */
	int			oneof;			/* index into the oneof state, or -1 */
	const PbFieldDescriptor *field;
	/* enums: values sorted by number, first-declared name per number */
	int			nenum_values;
	PbEnumValue *enum_values;
	bool		closed_enum;	/* proto2: unknown numbers read as unset */
} PbFieldSlot;

struct PbMsgPlan;
struct PbRenderCache;

typedef struct PbReader
{
	PbReaderKind kind;
	int			attidx;			/* output position (column or attribute) */
	int			slot;			/* -1 for WHOLE and ONEOF_NAME */
	PbTarget	target;			/* SCALAR, ARRAY elements */
	bool		presence;		/* SCALAR: absent reads as NULL, else default */
	bool		absent_default; /* SCALAR: absent 'default' (the column's) */
	/* SCALAR: what an absent field reads as, as wire bits (defaults.h) */
	uint64		default_v;
	const uint8 *default_p;
	uint32		default_len;
	bool		timestamp_utc;	/* TIMESTAMP: to timestamp (not timestamptz) */
	int32		typmod;
	Oid			typid;			/* the output type (array/composite/...) */
	Oid			elemtype;		/* ARRAY, repeated COMPOSITE: element type */
	int16		elemlen;
	bool		elembyval;
	char		elemalign;
	FmgrInfo	input;			/* PB_T_TEXT_INPUT */
	Oid			ioparam;
	struct PbMsgPlan *sub;		/* COMPOSITE: plan for the row type */
	TupleDesc	subdesc;		/* COMPOSITE: the row type's descriptor */
	int			oneof_index;	/* ONEOF_NAME: the oneof (in the message) */
	int64		unit_ns;		/* PB_T_TIMESTAMP: nanoseconds per unit */
	const char *unit;			/* PB_T_TIMESTAMP: the option's value */
	Oid		   *enum_labels;	/* PB_T_ENUM: label per slot enum_values[], or
								 * InvalidOid */
	Oid			elemdomain;		/* ARRAY of a domain: checked per element */
	void	   *domain_extra;	/* domain_check()'s cache for elemdomain */
	const char *colname;
	const char *fieldname;
	const char *fieldtype;
} PbReader;

/* An output of a domain type: its value checked as a cast to the domain would. */
typedef struct PbDomainCheck
{
	int			attidx;
	Oid			domain;
	const char *colname;		/* for the error's context */
	void	   *extra;			/* domain_check()'s cache */
} PbDomainCheck;

/* Conversions the row loop does inline; anything else goes through convert_scalar(). */
typedef enum PbFastOp
{
	PB_FAST_GENERIC,
	PB_FAST_INT8_FROM_I64,		/* int64, sfixed64 -> bigint */
	PB_FAST_INT8_FROM_U32,		/* uint32, fixed32 -> bigint */
	PB_FAST_INT4_FROM_I32,		/* int32, sfixed32 -> integer */
	PB_FAST_FLOAT8_FROM_DOUBLE,
	PB_FAST_FLOAT4_FROM_FLOAT,
	PB_FAST_BOOL
} PbFastOp;

/* The hot path's view of a singular scalar reader: what the row loop needs, packed. */
typedef struct PbFastReader
{
	int16		attidx;
	int16		slot;
	int8		oneof;			/* the slot's oneof state, or -1 */
	bool		presence;
	uint8		op;				/* PbFastOp */
	const PbReader *reader;
} PbFastReader;

typedef struct PbChild
{
	int			slot;			/* the message field's slot */
	struct PbMsgPlan *plan;
} PbChild;

typedef struct PbMsgPlan
{
	const PbMessageInfo *message;
	int			depth;			/* 0 at the row message */
	int			nslots;
	PbFieldSlot *slots;
	uint32		dense_max;		/* field number -> slot + 1 (0: none) up to here */
	int16	   *dense;
	/* one-byte tags (fields 1-15): tag -> slot + 1 of a singular slot expecting that wire type */
	int8		tag1[128];
	int			nreaders;
	PbReader   *readers;
	int			nfast;			/* singular scalar readers, first in readers[] */
	PbFastReader *fast;
	int			nallslots;		/* slots in PB_SLOT_ALL mode, to reset per message */
	int16	   *allslots;
	int			nchildren;
	PbChild    *children;
	int			noneofs;
	int		   *oneof_ids;		/* oneof index in the message, per oneof state */
	int			ndomains;		/* outputs of a domain type, checked last */
	PbDomainCheck *domains;
	struct PbRenderCache *render;	/* shared by the whole tree */
	struct PbMsgState *state;	/* decode trees: this level's state, reused per row */
} PbMsgPlan;

/* Back-compat name: the row message's plan. */
typedef PbMsgPlan PbDecodePlan;

/*
 * Build the plan for the columns of 'rel' in 'attrs' (attribute numbers
 * offset by FirstLowInvalidHeapAttributeNumber, as pull_varattnos returns
 * them; a whole-row reference means every column) in the current memory
 * context.  Reports an error naming the column for any column that matches
 * no field or whose type cannot hold the field's values.
 */
extern PbMsgPlan *pb_build_plan(Relation rel, const PbMessageInfo *message,
								const PbSchema *schema, Bitmapset *attrs);

/* A column to bind: where its value goes, and the path it reads (NULL: its name). */
typedef struct PbColumnRef
{
	int			attidx;
	const char *colname;
	const char *path;
	Oid			typid;
	int32		typmod;
	const char *unit;			/* the column option "unit", or NULL */
	bool		absent_default; /* option absent 'default' (column's, else table's) */
	bool		of_copy;		/* a column of COPY FROM's table: its path comes
								 * from COPY's option fields, not a column option */
} PbColumnRef;

/* The columns of 'rel' in 'attrs' that decode a field (not the metadata ones), as PbColumnRefs. */
extern List *pb_plan_columns(Relation rel, Bitmapset *attrs);

/*
 * The plan that reads 'columns' from message 'mi' (a container path binds
 * each of its levels' columns so: container.c).  Errors as pb_build_plan's.
 */
extern PbMsgPlan *pb_build_plan_columns(const char *relname, const PbMessageInfo *mi,
										const PbSchema *schema, List *columns);

/*
 * Does one step of a column's field path name the field 'number' of mi, as
 * binding resolves it: by name (exact, else case-insensitive when no field
 * has the exact name), or by number?  An extension step ("[pkg.ext]") never
 * does: extensions are not container path steps.
 */
extern bool pb_step_names_field(const PbMessageInfo *mi, const char *step, int number);

/*
 * The plan that collects every field of a message, for rendering it as
 * JSON; built once per message type and scan, and cached.
 */
extern PbMsgPlan *pb_render_plan(struct PbRenderCache *cache, const PbMessageInfo *message);

extern struct PbRenderCache *pb_render_cache_create(const PbSchema *schema);
extern const PbSchema *pb_render_cache_schema(struct PbRenderCache *cache);

/* The fields a plan reads, as paths ("id", "customer.address.city"), each once, for EXPLAIN. */
extern List *pb_plan_fields(const PbMsgPlan *plan);

/* Append a field's path to such a list unless it is there already. */
extern List *pb_fields_append(List *fields, char *path);

#endif
