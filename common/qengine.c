/*
 * qengine: class-validator on a route's query DTO, then Medusa's
 * prepareListQuery (M:utils/get-query-config.ts) on fields / expand / order /
 * limit / offset. The header says how a route declares itself. Pure: no I/O,
 * every allocation in the caller's arena.
 */
#include "common/qengine.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/json.h"
#include "common/req.h"
#include "common/respond.h"

/* DateComparisonOperator's properties, in its declaration order. */
static const char *const date_ops[4] = { "lt", "gt", "gte", "lte" };

/* ---- messages ---- */

/* Appends pre + name + post, after a ", " separator when it is not the first. */
static void msg(struct buf *m, int *count, const char *pre, const char *name, const char *post)
{
	if ((*count)++)
		buf_add(m, ", ", 2);
	buf_adds(m, pre);
	buf_adds(m, name);
	buf_adds(m, post);
}

/* ---- class-validator ---- */

static int in_enum(const struct query_node *v, const char *const *values)
{
	if (v->type != QUERY_STRING)
		return 0;
	for (size_t i = 0; values && values[i]; i++)
		if (strcmp(v->s, values[i]) == 0)
			return 1;
	return 0;
}

static int enum_ok(const struct query_node *v, const char *const *values)
{
	if (v->type != QUERY_ARRAY)
		return in_enum(v, values);
	for (size_t i = 0; i < v->n; i++)
		if (!in_enum(v->m[i].value, values))
			return 0;
	return 1;
}

/*
 * @Type(() => Number) @IsNumber() on a string: JavaScript's Number(). Medusa
 * hands negative or fractional values to TypeORM, which fails (500); they
 * fail validation here with the same message instead.
 */
int qe_number_value(const struct query_node *v, double *out)
{
	if (v->type != QUERY_STRING || !query_js_number(v->s, v->len, out))
		return 0;
	if (!isfinite(*out) || *out < 0)
		return 0;
	return *out >= 9007199254740992.0 || *out == (double)(long long)*out;
}

/* Medusa's transformDate then IsDate; String([x]) is x, so a one-string array converts like x. */
int qe_date_value(const struct query_node *v, long long *ms)
{
	if (v->type == QUERY_ARRAY && v->n == 1)
		v = v->m[0].value;
	return v->type == QUERY_STRING && query_js_date(v->s, v->len, ms);
}

static void date_children(struct buf *m, int *count, const struct query_node *obj)
{
	for (size_t i = 0; i < obj->n; i++) {
		int known = 0;
		for (int op = 0; op < 4; op++)
			known |= strcmp(obj->m[i].key, date_ops[op]) == 0;
		if (!known)
			msg(m, count, "property ", obj->m[i].key, " should not exist");
	}
	for (int op = 0; op < 4; op++) {
		const struct query_node *v = query_get(obj, date_ops[op]);
		long long ms;
		if (v && !qe_date_value(v, &ms))
			msg(m, count, "", date_ops[op], " must be a Date instance");
	}
}

static const struct qe_param *find_in(const struct qe_param *params, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(params[k].name, name) == 0)
			return &params[k];
	return NULL;
}

static const struct qe_param *find_param(const struct qe_route *rt, const char *name)
{
	return find_in(rt->params, rt->nparams, name);
}

static void check_param(struct buf *m, int *count, const struct qe_param *p, const struct query_node *v)
{
	double d;
	switch (p->kind) {
	case QE_STRING:
		if (v->type != QUERY_STRING)
			msg(m, count, "", p->name, " must be a string");
		break;
	case QE_ARRAY:
		if (v->type != QUERY_ARRAY)
			msg(m, count, "", p->name, " must be an array");
		break;
	case QE_STRING_OR_ARRAY: {
		int ok = v->type == QUERY_STRING;
		if (v->type == QUERY_ARRAY) {
			/* IsType([String, [String]]): one string element is enough */
			for (size_t i = 0; i < v->n && !ok; i++)
				ok = v->m[i].value->type == QUERY_STRING;
		}
		if (!ok)
			msg(m, count, "", p->name, " must be one of String or String[]");
		break;
	}
	case QE_NUMBER:
		if (!qe_number_value(v, &d))
			msg(m, count, "", p->name, " must be a number conforming to the specified constraints");
		break;
	case QE_INT:
		if (!qe_number_value(v, &d))
			msg(m, count, "", p->name, " must be an integer number");
		break;
	case QE_BOOL:
		/* optionalBooleanMapper maps a string; anything else would throw inside Medusa (500) */
		if (v->type != QUERY_STRING)
			msg(m, count, "", p->name, " must be a boolean value");
		break;
	case QE_DATES:
		if (v->type != QUERY_OBJECT && v->type != QUERY_ARRAY)
			msg(m, count, "nested property ", p->name, " must be either object or array");
		break;
	case QE_ENUM:
		if (!enum_ok(v, p->values)) {
			msg(m, count, "each value in ", p->name, " must be one of the following values: ");
			for (size_t i = 0; p->values && p->values[i]; i++) {
				if (i)
					buf_add(m, ", ", 2);
				buf_adds(m, p->values[i]);
			}
		}
		break;
	case QE_ANY:
		break;
	}
}

/* class-validator's messages for the whole query, joined with ", "; returns how many. */
int qe_validate(struct buf *m, const struct qe_param *params, size_t n, const struct query_node *q)
{
	int count = 0;
	for (size_t i = 0; i < q->n; i++)
		if (!find_in(params, n, q->m[i].key))
			msg(m, &count, "property ", q->m[i].key, " should not exist");
	for (size_t k = 0; k < n; k++) {
		const struct query_node *v = query_get(q, params[k].name);
		if (v)
			check_param(m, &count, &params[k], v);
	}
	/* nested children after every property of the parent */
	for (size_t k = 0; k < n; k++) {
		const struct query_node *v = query_get(q, params[k].name);
		if (params[k].kind != QE_DATES || !v)
			continue;
		if (v->type == QUERY_OBJECT) {
			date_children(m, &count, v);
		} else if (v->type == QUERY_ARRAY) {
			for (size_t i = 0; i < v->n; i++) {
				if (v->m[i].value->type == QUERY_OBJECT) {
					date_children(m, &count, v->m[i].value);
				} else {
					char idx[24];
					snprintf(idx, sizeof(idx), "%zu", i);
					msg(m, &count, "nested property ", idx, " must be either object or array");
				}
			}
		}
	}
	return count;
}

/* ---- string sets (insertion-ordered, as JavaScript's Set) ---- */

struct sset {
	const char **v;
	size_t n, cap;
};

static int list_has(const char *const *list, const char *s)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int sset_has(const struct sset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return 1;
	return 0;
}

static void sset_add(struct arena *a, struct sset *s, const char *x)
{
	if (sset_has(s, x))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		const char **v = arena_alloc(a, cap * sizeof(*v));
		if (s->n)
			memcpy(v, s->v, s->n * sizeof(*v));
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
}

static void sset_del(struct sset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0) {
			memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
			s->n--;
			return;
		}
}

/* split(",").filter(Boolean), into s */
static void split_into(struct arena *a, struct sset *s, const char *text)
{
	const char *p = text;
	for (;;) {
		size_t n = strcspn(p, ",");
		if (n)
			sset_add(a, s, arena_strndup(a, p, n));
		if (!p[n])
			break;
		p += n + 1;
	}
}

/* "Requested fields [a, b] are not valid" */
static const char *not_valid(struct arena *a, const struct sset *bad)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "Requested fields [");
	for (size_t i = 0; i < bad->n; i++) {
		if (i)
			buf_add(&b, ", ", 2);
		buf_adds(&b, bad->v[i]);
	}
	buf_adds(&b, "] are not valid");
	const char *s = arena_strndup(a, b.data, b.len);
	buf_release(&b);
	return s;
}

static int starts_with_any(const char *const *list, const char *s)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strncmp(s, list[i], strlen(list[i])) == 0)
			return 1;
	return 0;
}

/* ---- prepareListQuery ---- */

static int configure(struct arena *a, const struct qe_route *rt, struct qe_query *out, const char **err)
{
	const char *fields = qe_string(out, "fields"), *expand = qe_string(out, "expand");
	const char *order = qe_string(out, "order");
	struct sset all = { 0 }, stars = { 0 }, bad = { 0 }, rels = { 0 };

	for (size_t i = 0; rt->default_fields && rt->default_fields[i]; i++)
		sset_add(a, &all, rt->default_fields[i]);
	out->fields_replaced = 0;
	if (fields) {
		struct sset custom = { 0 };
		split_into(a, &custom, fields);
		int replace = custom.n == 0;
		for (size_t i = 0; i < custom.n; i++)
			replace |= custom.v[i][0] != '-' && custom.v[i][0] != '+' && custom.v[i][0] != '*';
		if (replace) {
			memset(&all, 0, sizeof(all));
			for (size_t i = 0; i < custom.n; i++) {
				const char *f = custom.v[i];
				sset_add(a, &all, (*f == '+' || *f == '-') ? f + 1 : f);
			}
			out->fields_replaced = 1;
		} else {
			for (size_t i = 0; i < custom.n; i++) {
				const char *f = custom.v[i];
				if (*f == '+')
					sset_add(a, &all, f + 1);
				else if (*f == '-')
					sset_del(&all, f + 1);
				else
					sset_add(a, &all, f);
			}
		}
		if (rt->is_list)
			sset_add(a, &all, "created_at");
		sset_add(a, &all, "id");
	}
	for (size_t i = 0; i < all.n;) {
		if (all.v[i][0] == '*') {
			sset_add(a, &stars, all.v[i] + 1);
			sset_del(&all, all.v[i]);
		} else {
			i++;
		}
	}
	/* allow-list: exact, or (Medusa's check) starting with an allowed name; stars exact */
	if (rt->allowed_fields) {
		for (size_t i = 0; i < all.n; i++)
			if (!list_has(rt->allowed_fields, all.v[i]) && !starts_with_any(rt->allowed_fields, all.v[i]))
				sset_add(a, &bad, all.v[i]);
		for (size_t i = 0; i < stars.n; i++)
			if (!list_has(rt->allowed_fields, stars.v[i]))
				sset_add(a, &bad, stars.v[i]);
	}
	/* beyond Medusa: a column the entity does not have is a 400, not the ORM's 500 */
	if (rt->known_fields) {
		for (size_t i = 0; i < all.n; i++)
			if (!strchr(all.v[i], '.') && !list_has(rt->known_fields, all.v[i]))
				sset_add(a, &bad, all.v[i]);
	}
	if (all.n && bad.n) {
		*err = not_valid(a, &bad);
		return 0;
	}
	/* stringToSelectRelationObject: "a.b.c" selects a.b.c and loads relation a.b */
	for (size_t i = 0; i < all.n; i++) {
		const char *dot = strrchr(all.v[i], '.');
		if (dot)
			sset_add(a, &rels, arena_strndup(a, all.v[i], (size_t)(dot - all.v[i])));
	}
	for (size_t i = 0; rt->default_relations && rt->default_relations[i]; i++)
		sset_add(a, &rels, rt->default_relations[i]);
	for (size_t i = 0; i < stars.n; i++)
		sset_add(a, &rels, stars.v[i]);
	if (expand) {
		memset(&rels, 0, sizeof(rels));
		split_into(a, &rels, expand);
	}
	memset(&bad, 0, sizeof(bad));
	for (size_t i = 0; i < rels.n; i++) {
		const char *r = rels.v[i];
		if (rt->allowed_relations && !list_has(rt->allowed_fields, r) && !list_has(rt->allowed_relations, r))
			sset_add(a, &bad, r);
		else if (!rt->allowed_relations && rt->known_relations && !list_has(rt->known_relations, r))
			sset_add(a, &bad, r);
	}
	if (bad.n) {
		*err = not_valid(a, &bad);
		return 0;
	}
	out->order = NULL;
	out->order_desc = 0;
	if (order) {
		const char *f = order;
		if (*order == '-') {
			/* order.split("-")[1] */
			const char *end = strchr(order + 1, '-');
			f = arena_strndup(a, order + 1, end ? (size_t)(end - order - 1) : strlen(order + 1));
			out->order_desc = 1;
		}
		if ((rt->allowed_fields && !list_has(rt->allowed_fields, f)) ||
		    (rt->known_fields && !list_has(rt->known_fields, f))) {
			*err = arena_printf(a, "Order field %s is not valid", f);
			return 0;
		}
		out->order = f;
	}
	out->fields = all.v;
	out->nfields = all.n;
	out->relations = rels.v;
	out->nrelations = rels.n;
	return 1;
}

int qe_parse(struct arena *a, const struct qe_route *rt, const char *raw, size_t n,
	     struct qe_query *out, const char **err)
{
	memset(out, 0, sizeof(*out));
	out->q = query_parse(a, raw, n);
	query_normalize(a, out->q);
	struct buf m = BUF_INIT;
	int bad = qe_validate(&m, rt->params, rt->nparams, out->q);
	if (bad) {
		*err = arena_strndup(a, m.data, m.len);
		buf_release(&m);
		return 0;
	}
	buf_release(&m);
	double d;
	const struct query_node *v = query_get(out->q, "limit");
	out->limit_echo = (double)rt->default_limit;
	if (v && find_param(rt, "limit") && qe_number_value(v, &d))
		out->limit_echo = d;
	v = query_get(out->q, "offset");
	out->offset_echo = 0;
	if (v && find_param(rt, "offset") && qe_number_value(v, &d))
		out->offset_echo = d;
	out->limit = out->limit_echo <= 0 || out->limit_echo > QE_LIMIT_MAX ? QE_LIMIT_MAX : (long long)out->limit_echo;
	/* an offset past any table is an empty page; keep it in range of a BIGINT */
	out->offset = out->offset_echo > 1e15 ? (long long)1e15 : (long long)out->offset_echo;
	return configure(a, rt, out, err);
}

enum api_err qe_parse_req(struct req *r, const struct qe_route *rt, struct qe_query *out)
{
	const char *err = NULL;
	if (qe_parse(&r->arena, rt, r->query, r->query ? strlen(r->query) : 0, out, &err))
		return API_OK;
	return respond_fail(r, E_INVALID_DATA, "%s", err);
}

/* ---- accessors ---- */

int qe_field(const struct qe_query *q, const char *name)
{
	for (size_t i = 0; i < q->nfields; i++)
		if (strcmp(q->fields[i], name) == 0)
			return 1;
	return 0;
}

int qe_relation(const struct qe_query *q, const char *name)
{
	for (size_t i = 0; i < q->nrelations; i++)
		if (strcmp(q->relations[i], name) == 0)
			return 1;
	return 0;
}

void qe_add_relation(struct arena *a, struct qe_query *q, const char *name)
{
	if (qe_relation(q, name))
		return;
	const char **v = arena_alloc(a, sizeof(*v) * (q->nrelations + 1));
	if (q->nrelations)
		memcpy(v, q->relations, sizeof(*v) * q->nrelations);
	v[q->nrelations++] = name;
	q->relations = v;
}

const char *qe_string(const struct qe_query *q, const char *name)
{
	const struct query_node *v = query_get(q->q, name);
	return v && v->type == QUERY_STRING ? v->s : NULL;
}

size_t qe_strings(struct arena *a, const struct qe_query *q, const char *name, const char ***out)
{
	const struct query_node *v = query_get(q->q, name);
	*out = NULL;
	if (!v)
		return 0;
	if (v->type == QUERY_STRING) {
		*out = arena_alloc(a, sizeof(**out));
		(*out)[0] = v->s;
		return 1;
	}
	*out = arena_alloc(a, sizeof(**out) * (v->n + 1));
	size_t k = 0;
	if (v->type == QUERY_ARRAY)
		for (size_t i = 0; i < v->n; i++)
			if (v->m[i].value->type == QUERY_STRING)
				(*out)[k++] = v->m[i].value->s;
	return k;
}

int qe_bool(const struct qe_query *q, const char *name)
{
	const char *s = qe_string(q, name);
	if (!s)
		return -1;
	if (strcasecmp(s, "true") == 0)
		return 1;
	if (strcasecmp(s, "false") == 0)
		return 0;
	return -1;
}

int qe_dates(const struct qe_query *q, const char *name, long long ms[4], int has[4])
{
	const struct query_node *v = query_get(q->q, name);
	int any = 0;
	for (int op = 0; op < 4; op++)
		has[op] = 0;
	if (!v)
		return 0;
	size_t n = v->type == QUERY_ARRAY ? v->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct query_node *obj = v->type == QUERY_ARRAY ? v->m[i].value : v;
		for (int op = 0; op < 4; op++) {
			const struct query_node *d = query_get(obj, date_ops[op]);
			if (d && qe_date_value(d, &ms[op]))
				has[op] = any = 1;
		}
	}
	return any;
}
