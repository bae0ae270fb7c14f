/*
 * binding.h - columns bound to fields: one decode plan per scan.
 *
 * The plan says, for each field number the query needs, which wire type
 * to accept and how to read it (a "slot"), and for each referenced column,
 * which slot it converts from and into what.  Fields nobody references
 * have no slot and are skipped by wire type.
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
	PB_K_BYTES
} PbScalarKind;

/* What a column receives. */
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
	PB_T_TEXT_INPUT				/* the text form through the type's input
								 * function (varchar(n), bpchar(n): length
								 * checks) */
} PbTarget;

typedef struct PbEnumValue
{
	int32		number;
	int			order;			/* declaration order, to pick among aliases */
	const char *name;
} PbEnumValue;

typedef struct PbFieldSlot
{
	uint32		number;
	int			wire_type;
	PbScalarKind kind;
	int			oneof;			/* index into the row's oneof state, or -1 */
	/* enums: values sorted by number, first-declared name per number */
	int			nenum_values;
	PbEnumValue *enum_values;
	bool		closed_enum;	/* proto2: unknown numbers read as unset */
} PbFieldSlot;

typedef struct PbColumn
{
	int			attidx;			/* 0-based attribute index */
	int			slot;
	PbTarget	target;
	bool		presence;		/* absent reads as NULL (else as the default) */
	int32		typmod;
	FmgrInfo	input;			/* PB_T_TEXT_INPUT */
	Oid			ioparam;
	const char *colname;
	const char *fieldname;
	const char *fieldtype;
	const char *coltype;
} PbColumn;

typedef struct PbDecodePlan
{
	const PbMessageInfo *message;
	int			nslots;
	PbFieldSlot *slots;
	/* field number -> slot + 1 (0: none) for numbers up to dense_max */
	uint32		dense_max;
	int16	   *dense;
	int			ncols;
	PbColumn   *cols;
	int			noneofs;
} PbDecodePlan;

/*
 * Build the plan for the columns in 'attrs' (attribute numbers offset by
 * FirstLowInvalidHeapAttributeNumber, as pull_varattnos returns them; a
 * whole-row reference means every column) in the current memory context.
 * Reports an error naming the column for any column that matches no field
 * or whose type cannot hold the field's values.
 */
extern PbDecodePlan *pb_build_plan(Relation rel, const PbMessageInfo *message,
								   const PbSchema *schema, Bitmapset *attrs);

#endif
