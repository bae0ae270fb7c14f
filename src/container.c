/*-------------------------------------------------------------------------
 *
 * container.c
 *		Resolve a container path against a descriptor set, and bind the
 *		columns that read its ancestors.
 *
 * The option is a dotted name in which the root message's full name (which
 * has dots of its own) runs into the field steps; the split is found by
 * trying the longest prefix that names a message first.  The errors keep
 * the wording of the one-step container of the first round, naming the
 * step that fails.  See container.h for the levels and how columns address
 * them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "lib/stringinfo.h"
#include "utils/rel.h"

#include "container.h"
#include "options.h"

#define FD_TYPE(t) GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_##t
#define FD_REPEATED GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED

/* The outcome of resolving the steps after one candidate root. */
typedef struct StepFailure
{
	const PbMessageInfo *in;	/* the message whose field failed */
	const char *step;			/* the step as written */
	const PbFieldDescriptor *field; /* NULL: no such field */
	const char *type_missing;	/* the field's type is not in the set */
	bool		last;			/* it is the path's last step */
} StepFailure;

static const PbFieldDescriptor *
field_by_name(const PbMessageInfo *mi, const char *name)
{
	for (size_t i = 0; i < mi->desc->n_field; i++)
		if (strcmp(mi->desc->field[i]->name, name) == 0)
			return mi->desc->field[i];
	return NULL;
}

static bool
is_message_field(const PbFieldDescriptor *f)
{
	return f->type == FD_TYPE(MESSAGE) || f->type == FD_TYPE(GROUP);
}

static bool
is_map_entry(const PbMessageInfo *mi)
{
	return mi->desc->options && mi->desc->options->has_map_entry &&
		mi->desc->options->map_entry;
}

/*
 * Resolve comps[0 .. n-1] as field steps from 'root' into cp.  Returns
 * false and fills *fail at the first step that is not a message field of
 * the message before it (or whose type is missing).
 */
static bool
resolve_steps(PbContainerPath *cp, const PbSchema *schema, const PbMessageInfo *root,
			  char **comps, int n, StepFailure *fail)
{
	const PbMessageInfo *mi = root;

	for (int i = 0; i < n; i++)
	{
		const PbFieldDescriptor *f = field_by_name(mi, comps[i]);
		const PbMessageInfo *next;

		fail->in = mi;
		fail->step = comps[i];
		fail->field = f;
		fail->type_missing = NULL;
		fail->last = i == n - 1;
		if (f == NULL || !is_message_field(f))
			return false;
		next = pb_schema_find_message(schema, f->type_name);
		if (next == NULL)
		{
			fail->type_missing = f->type_name;
			return false;
		}
		if (is_map_entry(next))
			return false;
		cp->steps[i].field = (uint32) f->number;
		cp->steps[i].repeated = f->label == FD_REPEATED;
		cp->steps[i].group = f->type == FD_TYPE(GROUP);
		cp->step_names[i] = comps[i];
		cp->step_messages[i] = next;
		mi = next;
	}
	return cp->steps[n - 1].repeated;	/* else *fail names the last step */
}

/* Report why the steps after a root did not resolve. */
static void
report_step_failure(const PbContainerPath *cp, const PbSchema *schema, const StepFailure *fail,
					bool last_not_repeated)
{
	const PbFieldDescriptor *f = fail->field;

	if (f == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("container field \"%s\" not found in message \"%s\"", fail->step,
						fail->in->full_name),
				 errdetail("Message \"%s\" has the fields: %s.", fail->in->full_name,
						   pb_message_field_list(fail->in->desc))));
	if (fail->type_missing)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("message type \"%s\" of container field \"%s\" is not in descriptor set \"%s\"",
						fail->type_missing, fail->step, schema->path),
				 errhint("Write the descriptor set with protoc --include_imports.")));
	if (is_message_field(f) && !last_not_repeated)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("container field \"%s.%s\" is a map", fail->in->full_name, fail->step),
				 errdetail("A container path steps through message fields; a map's entries are not rows."),
				 errhint("Read the map as a jsonb column of the message that holds it.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("container field \"%s.%s\" is not a repeated message field",
					fail->in->full_name, fail->step),
			 errdetail("It is a %s %s field.",
					   f->label == FD_REPEATED ? "repeated" : "singular",
					   pb_field_type_name(f)),
			 errhint("Name a field declared as \"repeated SomeMessage\", whose elements are the rows.")));
}

/* The levels: the root, then one per repeated step. */
static void
make_levels(PbContainerPath *cp)
{
	int			n = 1;

	for (int i = 0; i < cp->nsteps; i++)
		n += cp->steps[i].repeated ? 1 : 0;
	cp->nlevels = n;
	cp->levels = palloc0(sizeof(PbContainerLevel) * n);
	cp->levels[0].message = cp->root;
	cp->levels[0].name = "";
	cp->levels[0].first_step = -1;
	cp->levels[0].depth = 0;
	n = 1;
	for (int i = 0; i < cp->nsteps; i++)
	{
		if (!cp->steps[i].repeated)
			continue;
		cp->levels[n].message = cp->step_messages[i];
		cp->levels[n].name = cp->step_names[i];
		cp->levels[n].first_step = i;
		cp->levels[n].depth = i + 1;
		n++;
	}
	cp->need = palloc0(sizeof(uint32 *) * (cp->nsteps + 1));
	cp->nneed = palloc0(sizeof(int) * (cp->nsteps + 1));
}

/* "a.b.c" of comps[0 .. k-1]: the message name a prefix of the path spells */
static char *
prefix_name(char **comps, int k)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < k; i++)
		appendStringInfo(&buf, "%s%s", i ? "." : "", comps[i]);
	return buf.data;
}

/*
 * pb_container_resolve
 *		Resolve the option container against a descriptor set
 */
PbContainerPath *
pb_container_resolve(const PbSchema *schema, const char *spec)
{
	PbContainerPath *cp = palloc0(sizeof(PbContainerPath));
	char	   *copy = pstrdup(spec[0] == '.' ? spec + 1 : spec);
	char	  **comps = palloc(sizeof(char *) * (strlen(copy) + 1));
	int			ncomps = 0;
	StepFailure fail = {0};
	int			fail_at = -1;
	char	   *message;
	char	   *field;

	pb_split_container(spec, &message, &field);	/* the shape: dots, no empty step */
	for (char *tok = strtok(copy, "."); tok; tok = strtok(NULL, "."))
		comps[ncomps++] = tok;
	cp->spec = spec;
	cp->steps = palloc0(sizeof(PbPathStep) * ncomps);
	cp->step_names = palloc0(sizeof(char *) * ncomps);
	cp->step_messages = palloc0(sizeof(PbMessageInfo *) * ncomps);

	/* the longest prefix that names a message and after which the steps resolve */
	for (int k = ncomps - 1; k >= 1; k--)
	{
		const PbMessageInfo *root = pb_schema_find_message(schema, prefix_name(comps, k));
		StepFailure f = {0};

		if (root == NULL)
			continue;
		if (ncomps - k >= PB_PATH_MAX_STEPS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("container path \"%s\" has more than %d steps", spec,
							PB_PATH_MAX_STEPS - 1)));
		if (resolve_steps(cp, schema, root, comps + k, ncomps - k, &f))
		{
			cp->root = root;
			cp->nsteps = ncomps - k;
			make_levels(cp);
			return cp;
		}
		if (fail_at < 0)
		{
			fail = f;
			fail_at = k;
		}
	}
	if (fail_at < 0)
	{
		/*
		 * No prefix names a message: report the longest prefix that is close
		 * to one (a misspelt root), with the close names; else the one-step
		 * reading's message.
		 */
		for (int k = ncomps - 1; k >= 1; k--)
		{
			char	   *name = prefix_name(comps, k);

			if (pb_schema_has_close_message(schema, name))
			{
				message = name;
				break;
			}
		}
		(void) pb_schema_require_message(schema, message);
		elog(ERROR, "message \"%s\" resolved after all", message);
	}
	report_step_failure(cp, schema, &fail,
						fail.last && fail.field != NULL && fail.type_missing == NULL &&
						is_message_field(fail.field) && fail.field->label != FD_REPEATED);
	return NULL;				/* not reached */
}

/* "resource_spans, scope_spans, spans": the steps, for hints */
static char *
step_list(const PbContainerPath *cp)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < cp->nsteps; i++)
		appendStringInfo(&buf, "%s\"%s\"", i ? ", " : "", cp->step_names[i]);
	return buf.data;
}

/* The level that holds step i's elements (a repeated step) or occurrences (a singular one). */
static int
level_of_step(const PbContainerPath *cp, int step)
{
	int			level = 0;

	for (int l = 1; l < cp->nlevels; l++)
		if (cp->levels[l].first_step <= step)
			level = l;
	return level;
}

/* The path from a level's element to step i (inclusive), "" when step i opens that level. */
static char *
prefix_to_step(const PbContainerPath *cp, int level, int step)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = cp->levels[level].first_step + 1; i <= step; i++)
		appendStringInfo(&buf, "%s.", cp->step_names[i]);
	return buf.data;
}

/* The step named 'name', or an error naming the column and listing the steps. */
static int
find_step(const PbContainerPath *cp, const char *colname, const char *name, const char *what)
{
	int			found = -1;

	for (int i = 0; i < cp->nsteps; i++)
	{
		if (strcmp(cp->step_names[i], name) != 0)
			continue;
		if (found >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("step \"%s\" of %s of column \"%s\" is ambiguous", name, what, colname),
					 errdetail("The container path \"%s\" has more than one step named \"%s\".",
							   cp->spec, name),
					 errhint("Read the root with a path from it ('/...') instead.")));
		found = i;
	}
	if (found < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("step \"%s\" of %s of column \"%s\" is not a step of the container path",
						name, what, colname),
				 errdetail("The steps of \"%s\" are %s.", cp->spec, step_list(cp)),
				 strncmp(what, "meta", 4) == 0
				 ? errhint("Name one of the repeated steps, or write meta 'index' for the row's own position.")
				 : errhint("Write STEP/PATH with one of those steps, or /PATH to read the root message.")));
	return found;
}

/*
 * A path that would read the path's own repeated children from an
 * ancestor: the walker removes them from what it collects, so refuse it.
 */
static void
check_not_on_path(const PbContainerPath *cp, const char *colname, const char *field,
				  int level, const char *path)
{
	int			next = level + 1 < cp->nlevels ? cp->levels[level + 1].first_step : cp->nsteps;
	const char *p = path;
	bool		reaches = next < cp->nsteps;

	/*
	 * The path's first components against the singular steps, then the next
	 * repeated one, as binding resolves them (names in any case, numbers).
	 */
	for (int i = cp->levels[level].first_step + 1; reaches && i <= next; i++)
	{
		const char *dot = strchr(p, '.');
		char	   *component = dot ? pnstrdup(p, dot - p) : pstrdup(p);
		const PbMessageInfo *holder = i == 0 ? cp->root : cp->step_messages[i - 1];

		reaches = pb_step_names_field(holder, component, cp->steps[i].field) &&
			(dot != NULL || i == next);
		p = dot ? dot + 1 : "";
	}
	if (reaches)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("field path \"%s\" of column \"%s\" reads the container path's own repeated field \"%s\"",
						field, colname, cp->step_names[next]),
				 errdetail("The elements of \"%s\" are rows (or ancestors of rows), not a value of their parent.",
						   cp->step_names[next]),
				 next == cp->nsteps - 1
				 ? errhint("Its elements are the rows: read their fields with paths without \"/\".")
				 : errhint("Read a field of an element with \"%s/PATH\".", cp->step_names[next])));
}

/*
 * pb_container_split_field
 *		Which level a column's field option reads, and the path from it
 */
bool
pb_container_split_field(const PbContainerPath *cp, const char *colname, const char *field,
						 int *level, char **path)
{
	const char *slash = field ? strchr(field, '/') : NULL;
	char	   *step;
	char	   *rest;
	char	   *prefix;
	int			i;

	if (slash == NULL)
		return false;
	rest = pstrdup(slash + 1);
	if (rest[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("field path \"%s\" of column \"%s\" has nothing after its \"/\"", field, colname),
				 errhint("Write STEP/PATH, for example 'groups/name', or /PATH for the root message.")));
	if (slash == field)
	{
		*level = 0;
		*path = rest;
		check_not_on_path(cp, colname, field, 0, rest);
		return true;
	}
	step = pnstrdup(field, slash - field);
	i = find_step(cp, colname, step, psprintf("field path \"%s\"", field));
	*level = level_of_step(cp, i);
	if (*level == cp->nlevels - 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("field path \"%s\" of column \"%s\" names the row's own step \"%s\"",
						field, colname, step),
				 errhint("Write the path from the row element without \"%s/\".", step)));
	prefix = prefix_to_step(cp, *level, i);
	if (strcmp(rest, ".") == 0 && prefix[0] != '\0')
		*path = pnstrdup(prefix, strlen(prefix) - 1);	/* a singular step's whole message */
	else
		*path = psprintf("%s%s", prefix, rest);
	check_not_on_path(cp, colname, field, *level, *path);
	return true;
}

/* A level's element, as an error message names it. */
static char *
level_phrase(const PbContainerPath *cp, int level)
{
	return level == 0 ? pstrdup("the root message")
		: psprintf("an element of \"%s\"", cp->levels[level].name);
}

const char *
pb_container_walk_errmsg(const PbContainerPath *cp, const PbPathWalk *w)
{
	int			l = w->err_level;
	const PbMessageInfo *holder;
	const PbFieldDescriptor *fd;
	StringInfoData path;

	if (l < 0 || l >= cp->nlevels - 1)
		return w->errmsg;
	if (w->err != PB_PATH_ERR_COLLECT_TOO_LARGE && w->err != PB_PATH_ERR_LATE_FIELD)
		return psprintf("%s, in %s at byte offset " UINT64_FORMAT " (read ahead for the ancestor columns)",
						w->errmsg, level_phrase(cp, l), (uint64) w->level[l].offset);
	if (w->err == PB_PATH_ERR_COLLECT_TOO_LARGE)
		return psprintf("fields of %s that ancestor columns read exceed max_message_size (" UINT64_FORMAT " bytes)",
						level_phrase(cp, l), (uint64) w->max_message_size);

	/* the late field's path from the level's element, through singular steps */
	if (w->err_depth < cp->levels[l].depth || w->err_depth > cp->nsteps)
		return w->errmsg;
	holder = w->err_depth == 0 ? cp->root : cp->step_messages[w->err_depth - 1];
	fd = pb_message_field_by_number(holder->desc, (int) w->err_field);
	initStringInfo(&path);
	for (int d = cp->levels[l].depth; d < w->err_depth; d++)
		appendStringInfo(&path, "%s.", cp->step_names[d]);
	if (fd)
		appendStringInfoString(&path, fd->name);
	else
		appendStringInfo(&path, "%u", w->err_field);
	return psprintf("field \"%s\" of %s comes after the first element of \"%s\" in it",
					path.data, level_phrase(cp, l), cp->levels[l + 1].name);
}

/*
 * pb_container_index_level
 *		The level whose element index a meta 'index' or 'STEP/index' column reads
 */
int
pb_container_index_level(const PbContainerPath *cp, const char *colname, const char *step)
{
	int			i;

	if (step == NULL || step[0] == '\0')
		return cp->nlevels - 1;
	i = find_step(cp, colname, step, psprintf("meta '%s/index'", step));
	if (!cp->steps[i].repeated)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("step \"%s\" of meta '%s/index' of column \"%s\" is not a repeated field",
						step, step, colname),
				 errdetail("Only the elements of a repeated step have a position."),
				 errhint("Name one of the repeated steps of \"%s\".", cp->spec)));
	return level_of_step(cp, i);
}

static int
compare_uint32(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * Add field numbers at 'depth': those a plan's slots read; a reader of the
 * whole message needs every field (nneed -1).
 */
static void
add_need(PbContainerPath *cp, int depth, const PbMsgPlan *plan)
{
	int			n = cp->nneed[depth];

	for (int i = 0; i < plan->nreaders; i++)
		if (plan->readers[i].kind == PB_R_WHOLE)
			cp->nneed[depth] = -1;
	if (cp->nneed[depth] < 0)
		return;

	cp->need[depth] = cp->need[depth]
		? repalloc(cp->need[depth], sizeof(uint32) * (n + plan->nslots + 1))
		: palloc(sizeof(uint32) * (plan->nslots + 1));
	for (int s = 0; s < plan->nslots; s++)
		cp->need[depth][n++] = plan->slots[s].number;
	cp->nneed[depth] = n;
}

/*
 * The need lists of one level's plan: its own slots at the level's depth,
 * and down each singular step below it (the plan's child for that step's
 * field), the child's slots at the next depth.
 */
static void
need_of_level(PbContainerPath *cp, int level)
{
	const PbContainerLevel *lv = &cp->levels[level];
	const PbMsgPlan *plan = lv->plan;
	int			end = level + 1 < cp->nlevels ? cp->levels[level + 1].first_step : cp->nsteps;

	add_need(cp, lv->depth, plan);
	for (int i = lv->first_step + 1; i < end && plan != NULL; i++)
	{
		const PbMsgPlan *child = NULL;
		bool		whole = cp->nneed[i] < 0;

		for (int c = 0; c < plan->nchildren; c++)
			if (plan->slots[plan->children[c].slot].number == cp->steps[i].field)
				child = plan->children[c].plan;
		for (int r = 0; r < plan->nreaders; r++)
			whole |= plan->readers[r].slot >= 0 &&
				plan->slots[plan->readers[r].slot].number == cp->steps[i].field;
		if (whole)
		{
			/*
			 * A column reads the singular step's message as one value, or the
			 * whole message holding it ('STEP/.'): all of it below.
			 */
			for (int d = i + 1; d < end + 1 && d <= cp->nsteps; d++)
				cp->nneed[d] = -1;
			break;
		}
		if (child)
			add_need(cp, i + 1, child);
		plan = child;
	}
}

/* Sort and deduplicate each depth's need list. */
static void
finish_need(PbContainerPath *cp)
{
	for (int d = 0; d <= cp->nsteps; d++)
	{
		int			n = cp->nneed[d];
		int			k = 0;

		if (n <= 0)
			continue;
		qsort(cp->need[d], n, sizeof(uint32), compare_uint32);
		for (int i = 0; i < n; i++)
			if (k == 0 || cp->need[d][k - 1] != cp->need[d][i])
				cp->need[d][k++] = cp->need[d][i];
		cp->nneed[d] = k;
	}
}

/*
 * pb_container_bind
 *		Bind the columns: the ancestors' into the levels' plans, the rest
 *		into the row plan
 */
void
pb_container_bind(PbContainerPath *cp, Relation rel, const PbSchema *schema, Bitmapset *attrs)
{
	pb_container_bind_columns(cp, RelationGetRelationName(rel), schema,
							  pb_plan_columns(rel, attrs));
}

/* The same for columns given as PbColumnRefs (COPY FROM's). */
void
pb_container_bind_columns(PbContainerPath *cp, const char *relname, const PbSchema *schema,
						  List *columns)
{
	List	  **bylevel = palloc0(sizeof(List *) * cp->nlevels);
	ListCell   *lc;

	foreach(lc, columns)
	{
		PbColumnRef *col = lfirst(lc);
		int			level = cp->nlevels - 1;
		char	   *path;

		if (pb_container_split_field(cp, col->colname, col->path, &level, &path))
			col->path = path;
		bylevel[level] = lappend(bylevel[level], col);
	}
	for (int l = 0; l < cp->nlevels - 1; l++)
	{
		PbContainerLevel *lv = &cp->levels[l];
		int			i = 0;

		if (bylevel[l] == NIL)
			continue;
		lv->plan = pb_build_plan_columns(relname, lv->message, schema, bylevel[l]);
		lv->nattrs = list_length(bylevel[l]);
		lv->attrs = palloc(sizeof(int) * lv->nattrs);
		foreach(lc, bylevel[l])
			lv->attrs[i++] = ((PbColumnRef *) lfirst(lc))->attidx;
		need_of_level(cp, l);
	}
	finish_need(cp);
	cp->row_plan = pb_build_plan_columns(relname, pb_container_row_message(cp), schema,
										 bylevel[cp->nlevels - 1]);
}

/*
 * pb_container_fields
 *		The fields the ancestor columns read, as "STEP/path" ("/path" for
 *		the root), for EXPLAIN
 */
List *
pb_container_fields(const PbContainerPath *cp)
{
	List	   *out = NIL;
	ListCell   *lc;

	for (int l = 0; l < cp->nlevels - 1; l++)
	{
		if (cp->levels[l].plan == NULL)
			continue;
		foreach(lc, pb_plan_fields(cp->levels[l].plan))
			out = pb_fields_append(out, psprintf("%s/%s", cp->levels[l].name, (char *) lfirst(lc)));
	}
	return out;
}
