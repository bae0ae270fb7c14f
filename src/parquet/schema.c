/*-------------------------------------------------------------------------
 *
 * schema.c
 *		The schema tree: nodes added depth first, their definition and
 *		repetition levels, and their SchemaElement form for the footer.
 *
 * Nodes are kept in depth-first pre-order, which is the order the footer
 * lists SchemaElements in and the order of the leaf columns, so a caller
 * building the tree recursively gets leaf indices as it goes.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "parquet/pqw_internal.h"

/* ConvertedType values (legacy annotations some readers still need) */
#define CT_NONE				(-1)
#define CT_UTF8				0
#define CT_MAP				1
#define CT_LIST				3
#define CT_ENUM				4
#define CT_DECIMAL			5
#define CT_DATE				6
#define CT_TIME_MILLIS		7
#define CT_TIME_MICROS		8
#define CT_TIMESTAMP_MILLIS 9
#define CT_TIMESTAMP_MICROS 10
#define CT_UINT_8			11
#define CT_INT_8			15
#define CT_JSON				19
#define CT_BSON				20

void
pqw_schema_init(pqw_schema *s, const pqw_alloc *a)
{
	memset(s, 0, sizeof(*s));
	s->alloc = a;
}

void
pqw_schema_free(pqw_schema *s)
{
	for (size_t i = 0; i < s->n_nodes; i++)
		pqw_free(s->alloc, s->nodes[i].name);
	pqw_free(s->alloc, s->nodes);
	pqw_free(s->alloc, s->leaf_node);
	pqw_free(s->alloc, s->open);
	s->nodes = NULL;
	s->leaf_node = NULL;
	s->open = NULL;
}

/*
 * check_new_node
 *		Whether a node may be added under parent; if not, say why in errbuf
 *		and set *status.
 *
 * Closes the groups that are not on the path to parent: the parent must
 * be a group on the current depth-first path.
 */
static bool
check_new_node(pqw_schema *s, int parent, const char *name, bool is_leaf,
			   pqw_type type, int type_length, pqw_status *status,
			   char *errbuf, size_t errlen)
{
	*status = PQW_ERR_ARG;
	while (s->n_open > 0 && s->open[s->n_open - 1] != parent)
		s->n_open--;
	if (parent >= 0 && s->n_open == 0)
	{
		snprintf(errbuf, errlen,
				 "schema node \"%s\": parent %d is not an open group (nodes must be added depth first)",
				 name, parent);
		return false;
	}
	if (parent >= 0)
	{
		int			depth = 1;

		for (int p = parent; p >= 0; p = s->nodes[p].parent)
			depth++;
		if (depth > PQW_MAX_SCHEMA_DEPTH)
		{
			snprintf(errbuf, errlen, "schema node \"%s\" is nested deeper than %d levels",
					 name, PQW_MAX_SCHEMA_DEPTH);
			*status = PQW_ERR_LIMIT;
			return false;
		}
	}
	if (is_leaf && type == PQW_FIXED_LEN_BYTE_ARRAY && type_length <= 0)
	{
		snprintf(errbuf, errlen, "schema node \"%s\": FIXED_LEN_BYTE_ARRAY needs a length", name);
		return false;
	}
	return true;
}

/*
 * link_node
 *		Give new node id its levels and its place: a child of its parent, and
 *		a leaf column or an open group.  False when out of memory.
 */
static bool
link_node(pqw_schema *s, int id)
{
	pqw_node   *n = &s->nodes[id];
	int			def_base = 0;
	int			rep_base = 0;

	if (n->parent >= 0)
	{
		s->nodes[n->parent].num_children++;
		def_base = s->nodes[n->parent].max_def;
		rep_base = s->nodes[n->parent].max_rep;
	}
	else
		s->root_children++;
	n->max_def = def_base + (n->rep != PQW_REQUIRED ? 1 : 0);
	n->max_rep = rep_base + (n->rep == PQW_REPEATED ? 1 : 0);
	assert(n->max_def <= PQW_MAX_SCHEMA_DEPTH && n->max_rep <= n->max_def);

	if (n->is_leaf)
	{
		if (!pqw_grow_array(s->alloc, (void **) &s->leaf_node, &s->leaves_cap,
							s->n_leaves + 1, sizeof(int)))
			return false;
		n->leaf = s->n_leaves;
		s->leaf_node[s->n_leaves++] = id;
	}
	else
	{
		if (!pqw_grow_array(s->alloc, (void **) &s->open, &s->open_cap,
							s->n_open + 1, sizeof(int)))
			return false;
		s->open[s->n_open++] = id;
	}
	return true;
}

/*
 * pqw_schema_add
 *		Add a group or leaf node under parent (-1: the root).
 *
 * Returns the node's id, or -1 with *status and errbuf set.
 */
int
pqw_schema_add(pqw_schema *s, int parent, const char *name, bool is_leaf,
			   pqw_repetition rep, pqw_type type, int type_length,
			   const pqw_logical *logical, int32_t field_id,
			   pqw_status *status, char *errbuf, size_t errlen)
{
	pqw_node   *n;
	int			id;

	if (!check_new_node(s, parent, name, is_leaf, type, type_length, status,
						errbuf, errlen))
		return -1;
	/* from here on the only failure is an allocation */
	*status = PQW_ERR_NOMEM;
	if (!pqw_grow_array(s->alloc, (void **) &s->nodes, &s->nodes_cap,
						s->n_nodes + 1, sizeof(pqw_node)))
		return -1;
	id = (int) s->n_nodes;
	n = &s->nodes[id];
	memset(n, 0, sizeof(*n));
	n->name = pqw_strdup(s->alloc, name);
	if (n->name == NULL)
		return -1;
	s->n_nodes++;
	n->is_leaf = is_leaf;
	n->rep = rep;
	n->type = type;
	n->type_length = type_length;
	if (logical)
		n->logical = *logical;
	n->field_id = field_id;
	n->parent = parent;
	n->leaf = -1;

	if (!link_node(s, id))
		return -1;
	*status = PQW_OK;
	return id;
}

static int
converted_type(const pqw_node *n)
{
	const pqw_logical *l = &n->logical;

	switch (l->kind)
	{
		case PQW_LT_STRING:
			return CT_UTF8;
		case PQW_LT_MAP:
			return CT_MAP;
		case PQW_LT_LIST:
			return CT_LIST;
		case PQW_LT_ENUM:
			return CT_ENUM;
		case PQW_LT_DECIMAL:
			return CT_DECIMAL;
		case PQW_LT_DATE:
			return CT_DATE;
		case PQW_LT_TIME:
			return l->unit == PQW_MILLIS ? CT_TIME_MILLIS :
				l->unit == PQW_MICROS ? CT_TIME_MICROS : CT_NONE;
		case PQW_LT_TIMESTAMP:
			return l->unit == PQW_MILLIS ? CT_TIMESTAMP_MILLIS :
				l->unit == PQW_MICROS ? CT_TIMESTAMP_MICROS : CT_NONE;
		case PQW_LT_INTEGER:
			{
				int			k = l->bit_width == 8 ? 0 : l->bit_width == 16 ? 1 :
					l->bit_width == 32 ? 2 : 3;

				return (l->is_signed ? CT_INT_8 : CT_UINT_8) + k;
			}
		case PQW_LT_JSON:
			return CT_JSON;
		case PQW_LT_BSON:
			return CT_BSON;
		default:
			return CT_NONE;
	}
}

static void
write_time_unit(pqw_thrift *t, pqw_time_unit unit)
{
	/* TimeUnit is a union of empty structs */
	pqw_tc_field_struct_begin(t, 2);
	pqw_tc_field_struct_begin(t, (int16_t) unit);
	pqw_tc_struct_end(t);
	pqw_tc_struct_end(t);
}

static void
write_logical_type(pqw_thrift *t, const pqw_logical *l)
{
	pqw_tc_field_struct_begin(t, 10);
	pqw_tc_field_struct_begin(t, (int16_t) l->kind);
	switch (l->kind)
	{
		case PQW_LT_DECIMAL:
			pqw_tc_field_i32(t, 1, l->scale);
			pqw_tc_field_i32(t, 2, l->precision);
			break;
		case PQW_LT_TIME:
		case PQW_LT_TIMESTAMP:
			pqw_tc_field_bool(t, 1, l->utc);
			write_time_unit(t, l->unit);
			break;
		case PQW_LT_INTEGER:
			pqw_tc_field_i8(t, 1, (int8_t) l->bit_width);
			pqw_tc_field_bool(t, 2, l->is_signed);
			break;
		default:
			break;				/* the other annotations are empty structs */
	}
	pqw_tc_struct_end(t);
	pqw_tc_struct_end(t);
}

/* FileMetaData field 2: the root, then every node depth first. */
void
pqw_schema_write_elements(const pqw_schema *s, pqw_thrift *t)
{
	pqw_tc_field_list_begin(t, 2, PQW_TC_STRUCT, s->n_nodes + 1);

	pqw_tc_list_struct_begin(t);
	pqw_tc_field_string(t, 4, "schema");
	pqw_tc_field_i32(t, 5, s->root_children);
	pqw_tc_struct_end(t);

	for (size_t i = 0; i < s->n_nodes; i++)
	{
		const pqw_node *n = &s->nodes[i];
		int			ct = converted_type(n);

		pqw_tc_list_struct_begin(t);
		if (n->is_leaf)
		{
			pqw_tc_field_i32(t, 1, n->type);
			if (n->type == PQW_FIXED_LEN_BYTE_ARRAY)
				pqw_tc_field_i32(t, 2, n->type_length);
		}
		pqw_tc_field_i32(t, 3, n->rep);
		pqw_tc_field_string(t, 4, n->name);
		if (!n->is_leaf)
			pqw_tc_field_i32(t, 5, n->num_children);
		if (ct != CT_NONE)
			pqw_tc_field_i32(t, 6, ct);
		if (n->logical.kind == PQW_LT_DECIMAL)
		{
			pqw_tc_field_i32(t, 7, n->logical.scale);
			pqw_tc_field_i32(t, 8, n->logical.precision);
		}
		if (n->field_id >= 0)
			pqw_tc_field_i32(t, 9, n->field_id);
		if (n->logical.kind != PQW_LT_NONE)
			write_logical_type(t, &n->logical);
		pqw_tc_struct_end(t);
	}
}

/* ColumnMetaData field 3: the names from the root's child down to the leaf. */
void
pqw_schema_write_path(const pqw_schema *s, int leaf, pqw_thrift *t)
{
	int			path[PQW_MAX_SCHEMA_DEPTH];
	int			depth = 0;
	int			node = s->leaf_node[leaf];

	while (node >= 0 && depth < (int) (sizeof(path) / sizeof(path[0])))
	{
		path[depth++] = node;
		node = s->nodes[node].parent;
	}
	pqw_tc_field_list_begin(t, 3, PQW_TC_BINARY, depth);
	while (depth-- > 0)
		pqw_tc_list_binary(t, s->nodes[path[depth]].name,
						   strlen(s->nodes[path[depth]].name));
}
