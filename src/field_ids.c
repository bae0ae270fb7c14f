/*-------------------------------------------------------------------------
 *
 * field_ids.c
 *		parquet_export(field_ids => ...): the Parquet field_id of each
 *		schema node.
 *
 * Three forms:
 *	'protobuf'	a result column that is a plain reference to a column of a
 *				protobuf_fdw foreign table (resorigtbl/resorigcol of the
 *				planned target list, through views and subqueries) gets the
 *				field number of the protobuf field it is read from; the
 *				fields of a composite column the numbers of the nested
 *				message's fields.  Computed columns, metadata columns, list
 *				elements and columns of other tables get none.
 *	'auto'		every node but a LIST's inner repeated group is numbered
 *				from 0 in schema order, as DuckDB's FIELD_IDS 'auto' does.
 *	'{...}'		a JSON object from node paths to ids: "col", "col.field"
 *				for a composite's field, "col[]" for an array's element;
 *				a key that names no written node is an error.
 *
 * export_types.c asks export_field_id() for the id of each node it adds,
 * by the node's path.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/pg_class.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"

#include "binding.h"
#include "container.h"
#include "export.h"
#include "options.h"
#include "scan.h"

typedef enum FieldIdMode
{
	FIELD_IDS_PROTOBUF,
	FIELD_IDS_AUTO,
	FIELD_IDS_MAP
} FieldIdMode;

struct ExportFieldIds
{
	FieldIdMode mode;
	List	   *paths;			/* PROTOBUF, MAP: node paths (char *) */
	List	   *ids;			/* ... and their ids (int) */
	bool	   *used;			/* MAP: a written node had the key */
	const char *message;		/* PROTOBUF: the one message every id is from */
	bool		mixed;			/* ... or ids come from several messages */
};

static void
add_id(ExportFieldIds *ids, const char *path, int32 id)
{
	ids->paths = lappend(ids->paths, pstrdup(path));
	ids->ids = lappend_int(ids->ids, id);
}

/* The object form: every value an integer from 0 to 2^31 - 1. */
static void
parse_map(ExportFieldIds *ids, const char *spec)
{
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(spec)));
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("field_ids must be 'protobuf', 'auto' or a JSON object")));
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			int32		id = -1;
			bool		error = true;

			if (v.type == jbvNumeric)
			{
				/* an integer from 0: digits only (no sign, '.', NaN) */
				char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out,
																	   NumericGetDatum(v.val.numeric)));

				if (strspn(text, "0123456789") == strlen(text))
					id = numeric_int4_opt_error(v.val.numeric, &error);
			}
			if (error || id < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("field id of \"%s\" in field_ids must be an integer from 0 to %d",
								key, PG_INT32_MAX)));
			add_id(ids, key, id);
		}
	}
	ids->used = palloc0(sizeof(bool) * Max(list_length(ids->paths), 1));
}

static ExportFieldIds *
parse_spec(const char *spec)
{
	ExportFieldIds *ids = palloc0(sizeof(ExportFieldIds));

	if (strcmp(spec, "protobuf") == 0)
		ids->mode = FIELD_IDS_PROTOBUF;
	else if (strcmp(spec, "auto") == 0)
		ids->mode = FIELD_IDS_AUTO;
	else if (spec[strspn(spec, " \t\r\n")] == '{')
	{
		ids->mode = FIELD_IDS_MAP;
		parse_map(ids, spec);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid field_ids \"%s\"", spec),
				 errhint("Use 'protobuf' (the protobuf field numbers), 'auto' (numbered from 0) or a JSON object such as '{\"id\": 1, \"pair.a\": 2}'.")));
	return ids;
}

/* Checked with the other arguments, before the query is planned. */
void
export_parse_field_ids(const char *spec)
{
	(void) parse_spec(spec);
}

/*
 * The ids of a reader's field and, for a message read as a composite, of
 * the fields below it, under path.
 */
static void
collect_reader(ExportFieldIds *ids, const PbMsgPlan *plan, const PbReader *r,
			   const char *path)
{
	const char *prefix;

	check_stack_depth();
	if (r->slot < 0)
		return;					/* the whole message, a oneof's name */
	add_id(ids, path, plan->slots[r->slot].field->number);
	if (r->kind != PB_R_COMPOSITE || r->sub == NULL)
		return;
	/* a repeated message is an array: its element's fields are "col[].f" */
	prefix = OidIsValid(r->elemtype) ? psprintf("%s[]", path) : path;
	for (int i = 0; i < r->sub->nreaders; i++)
	{
		const PbReader *sr = &r->sub->readers[i];
		Form_pg_attribute att = TupleDescAttr(r->subdesc, sr->attidx);

		collect_reader(ids, r->sub, sr,
					   psprintf("%s.%s", prefix, NameStr(att->attname)));
	}
}

/* Is relid a foreign table of protobuf_fdw? */
static bool
is_protobuf_table(Oid relid)
{
	ForeignTable *ft;
	ForeignServer *server;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		return false;
	ft = GetForeignTable(relid);
	server = GetForeignServer(ft->serverid);
	return strcmp(GetForeignDataWrapper(server->fdwid)->fdwname, "protobuf_fdw") == 0;
}

/*
 * The ids of result column 'name', read from column attnum of the protobuf
 * foreign table relid: the plan that would decode that column alone says
 * which field (and nested fields) it reads.  Ancestor and metadata columns
 * have none.
 */
static void
collect_column(ExportFieldIds *ids, const char *name, Oid relid, AttrNumber attnum)
{
	Relation	rel = relation_open(relid, AccessShareLock);
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	PbTableOptions opts;
	const PbSchema *schema;
	const PbMessageInfo *mi;
	PbContainerPath *cp;
	uint32		container_field;
	PbColumnRef col = {0};
	const PbMsgPlan *plan;

	pb_get_table_options(relid, &opts);
	schema = pb_schema_load_either(opts.descriptor_set, opts.descriptor);
	mi = pb_resolve_container(&opts, schema, &container_field, &cp);
	col.attidx = 0;
	col.colname = NameStr(att->attname);
	col.path = pb_get_column_field(relid, attnum);
	col.typid = att->atttypid;
	col.typmod = att->atttypmod;
	/* a field path with a '/' reads an ancestor of a container path's rows */
	if (pb_get_column_meta(relid, attnum) == PB_META_NONE &&
		(col.path == NULL || strchr(col.path, '/') == NULL))
	{
		plan = pb_build_plan_columns(RelationGetRelationName(rel), mi, schema,
									 list_make1(&col));
		/* a dotted field path: the reader sits at the path's last level */
		while (plan->nreaders == 0 && plan->nchildren == 1)
			plan = plan->children[0].plan;
		if (plan->nreaders == 1)
			collect_reader(ids, plan, &plan->readers[0], name);
		if (ids->message == NULL)
			ids->message = pstrdup(mi->full_name);
		else if (strcmp(ids->message, mi->full_name) != 0)
			ids->mixed = true;
	}
	relation_close(rel, AccessShareLock);
}

/*
 * export_resolve_field_ids
 *		field_ids for the planned query (NULL spec: none).
 */
ExportFieldIds *
export_resolve_field_ids(const char *spec, PlannedStmt *plan)
{
	ExportFieldIds *ids;
	ListCell   *lc;

	if (spec == NULL)
		return NULL;
	ids = parse_spec(spec);
	if (ids->mode != FIELD_IDS_PROTOBUF)
		return ids;
	foreach(lc, plan->planTree->targetlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk || !OidIsValid(tle->resorigtbl) || tle->resorigcol <= 0)
			continue;
		if (is_protobuf_table(tle->resorigtbl))
			collect_column(ids, tle->resname, tle->resorigtbl, tle->resorigcol);
	}
	return ids;
}

/* The protobuf message every field id comes from, for kv_metadata; or NULL. */
const char *
export_field_ids_message(const ExportFieldIds *ids)
{
	if (ids == NULL || ids->mode != FIELD_IDS_PROTOBUF || ids->mixed)
		return NULL;
	return ids->message;
}

/* The field id of the schema node at path, or -1 for none. */
int32
export_field_id(ExportSchema *schema, const char *path)
{
	ExportFieldIds *ids = (ExportFieldIds *) schema->field_ids;
	int			i = 0;
	ListCell   *lc;

	if (ids == NULL)
		return -1;
	if (ids->mode == FIELD_IDS_AUTO)
		return schema->next_auto_id++;
	foreach(lc, ids->paths)
	{
		if (strcmp(lfirst(lc), path) == 0)
		{
			if (ids->used)
				ids->used[i] = true;
			return (int32) list_nth_int(ids->ids, i);
		}
		i++;
	}
	return -1;
}

/* After the schema is built: every key of a field_ids object was a node. */
void
export_field_ids_check_used(const ExportFieldIds *ids)
{
	int			i = 0;
	ListCell   *lc;

	if (ids == NULL || ids->mode != FIELD_IDS_MAP)
		return;
	foreach(lc, ids->paths)
	{
		if (!ids->used[i++])
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("field_ids names \"%s\", which is no column of the exported file",
							(char *) lfirst(lc)),
					 errhint("Keys are column names, \"column.field\" for a composite's field and \"column[]\" for an array's element.")));
	}
}
