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

#include "parquet/pq_internal.h"

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
pq_schema_init(pq_schema *s, const pq_alloc *a)
{
	memset(s, 0, sizeof(*s));
	s->alloc = a;
}

void
pq_schema_free(pq_schema *s)
{
	for (size_t i = 0; i < s->n_nodes; i++)
		pq_free(s->alloc, s->nodes[i].name);
	pq_free(s->alloc, s->nodes);
	pq_free(s->alloc, s->leaf_node);
	pq_free(s->alloc, s->open);
	s->nodes = NULL;
	s->leaf_node = NULL;
	s->open = NULL;
}

int
pq_schema_add(pq_schema *s, int parent, const char *name, bool is_leaf,
			  pq_repetition rep, pq_type type, int type_length,
			  const pq_logical *logical, int32_t field_id,
			  pq_status *status, char *errbuf, size_t errlen)
{
	pq_node    *n;
	int			id;
	int			def_base = 0;
	int			rep_base = 0;

	*status = PQ_ERR_ARG;
	/* the parent must be a group on the current depth-first path */
	while (s->n_open > 0 && s->open[s->n_open - 1] != parent)
		s->n_open--;
	if (parent >= 0 && s->n_open == 0)
	{
		snprintf(errbuf, errlen,
				 "schema node \"%s\": parent %d is not an open group (nodes must be added depth first)",
				 name, parent);
		return -1;
	}
	if (parent >= 0)
	{
		int			depth = 1;

		for (int p = parent; p >= 0; p = s->nodes[p].parent)
			depth++;
		if (depth > PQ_MAX_SCHEMA_DEPTH)
		{
			snprintf(errbuf, errlen, "schema node \"%s\" is nested deeper than %d levels",
					 name, PQ_MAX_SCHEMA_DEPTH);
			*status = PQ_ERR_LIMIT;
			return -1;
		}
	}
	if (is_leaf && type == PQ_FIXED_LEN_BYTE_ARRAY && type_length <= 0)
	{
		snprintf(errbuf, errlen, "schema node \"%s\": FIXED_LEN_BYTE_ARRAY needs a length", name);
		return -1;
	}
	/* from here on the only failure is an allocation */
	*status = PQ_ERR_NOMEM;
	if (!pq_grow_array(s->alloc, (void **) &s->nodes, &s->nodes_cap,
					   s->n_nodes + 1, sizeof(pq_node)))
		return -1;
	id = (int) s->n_nodes;
	n = &s->nodes[id];
	memset(n, 0, sizeof(*n));
	n->name = pq_strdup(s->alloc, name);
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

	if (parent >= 0)
	{
		s->nodes[parent].num_children++;
		def_base = s->nodes[parent].max_def;
		rep_base = s->nodes[parent].max_rep;
	}
	else
		s->root_children++;
	n->max_def = def_base + (rep != PQ_REQUIRED ? 1 : 0);
	n->max_rep = rep_base + (rep == PQ_REPEATED ? 1 : 0);

	if (is_leaf)
	{
		if (!pq_grow_array(s->alloc, (void **) &s->leaf_node, &s->leaves_cap,
						   s->n_leaves + 1, sizeof(int)))
			return -1;
		n->leaf = s->n_leaves;
		s->leaf_node[s->n_leaves++] = id;
	}
	else
	{
		if (!pq_grow_array(s->alloc, (void **) &s->open, &s->open_cap,
						   s->n_open + 1, sizeof(int)))
			return -1;
		s->open[s->n_open++] = id;
	}
	*status = PQ_OK;
	return id;
}

static int
converted_type(const pq_node *n)
{
	const pq_logical *l = &n->logical;

	switch (l->kind)
	{
		case PQ_LT_STRING:
			return CT_UTF8;
		case PQ_LT_MAP:
			return CT_MAP;
		case PQ_LT_LIST:
			return CT_LIST;
		case PQ_LT_ENUM:
			return CT_ENUM;
		case PQ_LT_DECIMAL:
			return CT_DECIMAL;
		case PQ_LT_DATE:
			return CT_DATE;
		case PQ_LT_TIME:
			return l->unit == PQ_MILLIS ? CT_TIME_MILLIS :
				l->unit == PQ_MICROS ? CT_TIME_MICROS : CT_NONE;
		case PQ_LT_TIMESTAMP:
			return l->unit == PQ_MILLIS ? CT_TIMESTAMP_MILLIS :
				l->unit == PQ_MICROS ? CT_TIMESTAMP_MICROS : CT_NONE;
		case PQ_LT_INTEGER:
			{
				int			k = l->bit_width == 8 ? 0 : l->bit_width == 16 ? 1 :
					l->bit_width == 32 ? 2 : 3;

				return (l->is_signed ? CT_INT_8 : CT_UINT_8) + k;
			}
		case PQ_LT_JSON:
			return CT_JSON;
		case PQ_LT_BSON:
			return CT_BSON;
		default:
			return CT_NONE;
	}
}

static void
write_time_unit(pq_thrift *t, pq_time_unit unit)
{
	/* TimeUnit is a union of empty structs */
	tc_field_struct_begin(t, 2);
	tc_field_struct_begin(t, (int16_t) unit);
	tc_struct_end(t);
	tc_struct_end(t);
}

static void
write_logical_type(pq_thrift *t, const pq_logical *l)
{
	tc_field_struct_begin(t, 10);
	tc_field_struct_begin(t, (int16_t) l->kind);
	switch (l->kind)
	{
		case PQ_LT_DECIMAL:
			tc_field_i32(t, 1, l->scale);
			tc_field_i32(t, 2, l->precision);
			break;
		case PQ_LT_TIME:
		case PQ_LT_TIMESTAMP:
			tc_field_bool(t, 1, l->utc);
			write_time_unit(t, l->unit);
			break;
		case PQ_LT_INTEGER:
			tc_field_i8(t, 1, (int8_t) l->bit_width);
			tc_field_bool(t, 2, l->is_signed);
			break;
		default:
			break;				/* the other annotations are empty structs */
	}
	tc_struct_end(t);
	tc_struct_end(t);
}

/* FileMetaData field 2: the root, then every node depth first. */
void
pq_schema_write_elements(const pq_schema *s, pq_thrift *t)
{
	tc_field_list_begin(t, 2, TC_STRUCT, s->n_nodes + 1);

	tc_list_struct_begin(t);
	tc_field_string(t, 4, "schema");
	tc_field_i32(t, 5, s->root_children);
	tc_struct_end(t);

	for (size_t i = 0; i < s->n_nodes; i++)
	{
		const pq_node *n = &s->nodes[i];
		int			ct = converted_type(n);

		tc_list_struct_begin(t);
		if (n->is_leaf)
		{
			tc_field_i32(t, 1, n->type);
			if (n->type == PQ_FIXED_LEN_BYTE_ARRAY)
				tc_field_i32(t, 2, n->type_length);
		}
		tc_field_i32(t, 3, n->rep);
		tc_field_string(t, 4, n->name);
		if (!n->is_leaf)
			tc_field_i32(t, 5, n->num_children);
		if (ct != CT_NONE)
			tc_field_i32(t, 6, ct);
		if (n->logical.kind == PQ_LT_DECIMAL)
		{
			tc_field_i32(t, 7, n->logical.scale);
			tc_field_i32(t, 8, n->logical.precision);
		}
		if (n->field_id >= 0)
			tc_field_i32(t, 9, n->field_id);
		if (n->logical.kind != PQ_LT_NONE)
			write_logical_type(t, &n->logical);
		tc_struct_end(t);
	}
}

/* ColumnMetaData field 3: the names from the root's child down to the leaf. */
void
pq_schema_write_path(const pq_schema *s, int leaf, pq_thrift *t)
{
	int			path[PQ_MAX_SCHEMA_DEPTH];
	int			depth = 0;
	int			node = s->leaf_node[leaf];

	while (node >= 0 && depth < (int) (sizeof(path) / sizeof(path[0])))
	{
		path[depth++] = node;
		node = s->nodes[node].parent;
	}
	tc_field_list_begin(t, 3, TC_BINARY, depth);
	while (depth-- > 0)
		tc_list_binary(t, s->nodes[path[depth]].name,
					   strlen(s->nodes[path[depth]].name));
}
