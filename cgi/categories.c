/*
 * categories: GET /store/product-categories and /store/product-categories/:id.
 *
 * Only categories with is_active and not is_internal exist for the store,
 * and a child outside that scope is left out with its subtree (Medusa's
 * scopeChildren). The list validates q (name or handle ILIKE %q%), handle,
 * parent_category_id (the string "null" means top level),
 * include_descendants_tree, fields (within id, name, description, handle,
 * parent_category_id, created_at, updated_at, rank, metadata), expand
 * (within category_children, parent_category, both by default), limit
 * (100), offset and order; it answers {count, offset, limit,
 * product_categories} ordered by rank, then handle. A category shows its
 * selected columns in that order, then category_children, then
 * parent_category (both with the selected columns). With
 * include_descendants_tree, category_children is the whole subtree as
 * TypeORM's findDescendantsTree loads it: whole rows, each with its own
 * category_children. Retrieve (M:utils/transformers/tree.ts) writes the
 * category and every visible descendant with the selected columns sorted by
 * name, relations last (transcript 060); the parent without relations.
 *
 * fields without rank make Medusa's SQL fail (500, transcript 056); here the
 * list is answered (API.md section 1). The table is small and read whole in
 * one statement; filtering, paging and the tree are done here.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cgi/catalogue.h"
#include "cgi/catalogue_util.h"
#include "cgi/router.h"
#include "common/envelope.h"
#include "common/respond.h"
#include "sql/taxonomy_store.h"

#define C_PARENT 6
#define C_ACTIVE CATEGORY_NCOLS
#define C_INTERNAL (CATEGORY_NCOLS + 1)
/* a tree deeper than this is cut (an import cannot make a cycle, but a hand-edited table could) */
#define MAX_DEPTH 64

static const char *const cat_fields[] = {
	"id", "name", "description", "handle", "parent_category_id", "created_at", "updated_at", "rank", "metadata", NULL,
};
static const char *const cat_relations[] = { "category_children", "parent_category", NULL };

/* StoreGetProductCategoriesParams: its own, then extendedFindParamsMixin's (order is validated
 * against the allowed fields but not used: Medusa's query sorts by rank, then handle) */
static const struct qe_param list_params[] = {
	{ "q", QE_STRING, NULL }, { "handle", QE_STRING, NULL }, { "parent_category_id", QE_STRING, NULL },
	{ "include_descendants_tree", QE_BOOL, NULL },
	{ "fields", QE_STRING, NULL }, { "expand", QE_STRING, NULL },
	{ "offset", QE_NUMBER, NULL }, { "limit", QE_NUMBER, NULL }, { "order", QE_STRING, NULL },
};
static const struct qe_route list_route = {
	.params = list_params, .nparams = sizeof(list_params) / sizeof(list_params[0]),
	.default_fields = cat_fields, .default_relations = cat_relations,
	.allowed_fields = cat_fields, .allowed_relations = cat_relations,
	.default_limit = 100, .is_list = 1,
};
static const struct qe_param get_params[] = {
	{ "fields", QE_STRING, NULL }, { "expand", QE_STRING, NULL },
};
static const struct qe_route get_route = {
	.params = get_params, .nparams = sizeof(get_params) / sizeof(get_params[0]),
	.default_fields = cat_fields, .default_relations = cat_relations,
	.allowed_fields = cat_fields, .allowed_relations = cat_relations,
};

struct tree {
	const struct db_rows *rows;
	const unsigned char *sel;
	const size_t *col_order;    /* the order columns are written in */
	int descendants;            /* category_children holds the whole visible subtree */
	int full_descendants;       /* ...as whole rows (TypeORM's findDescendantsTree), not the select */
};

/* A whole ProductCategory row in entity order: id, created_at, updated_at, name, description,
 * handle, is_active, is_internal, parent_category_id, rank, metadata. */
static const struct rowj_col flag_cols[2] = { { "is_active", RJ_BOOL }, { "is_internal", RJ_BOOL } };
static const size_t full_order[] = { 0, 1, 2, 3, 4, 5, C_ACTIVE, C_INTERNAL, 6, 7, 8 };

static char **row(const struct db_rows *rows, size_t i)
{
	return &rows->cells[i * rows->ncols];
}

static int visible(const struct db_rows *rows, size_t i)
{
	char **c = row(rows, i);
	return c[C_ACTIVE] && strcmp(c[C_ACTIVE], "0") != 0 && c[C_INTERNAL] && strcmp(c[C_INTERNAL], "0") == 0;
}

/* Opens o on a new object of row i's whole columns, in entity order. */
static void full_columns(struct env *o, struct buf *b, const struct tree *t, size_t i)
{
	env_object(o, b);
	for (size_t k = 0; k < sizeof(full_order) / sizeof(full_order[0]); k++) {
		size_t c = full_order[k];
		const struct rowj_col *col = c < CATEGORY_NCOLS ? &category_cols[c] : &flag_cols[c - CATEGORY_NCOLS];
		env_key(o, col->name);
		rowj_value(b, col->kind, row(t->rows, i)[c]);
	}
}

/* Opens o on a new object of row i's selected columns, in t's column order. */
static void columns(struct env *o, struct buf *b, const struct tree *t, size_t i)
{
	env_object(o, b);
	for (size_t k = 0; k < CATEGORY_NCOLS; k++) {
		size_t c = t->col_order[k];
		if (!t->sel[c])
			continue;
		env_key(o, category_cols[c].name);
		rowj_value(b, category_cols[c].kind, row(t->rows, i)[c]);
	}
}

/* The visible children of row i; with descendants, each with its own category_children. */
static void children(struct buf *b, const struct tree *t, size_t i, int depth)
{
	const char *id = row(t->rows, i)[0];
	struct env list, child;
	env_list(&list, b);
	for (size_t k = 0; k < t->rows->nrows && depth < MAX_DEPTH; k++) {
		const char *p = row(t->rows, k)[C_PARENT];
		if (!p || strcmp(p, id) != 0 || !visible(t->rows, k))
			continue;
		env_item(&list);
		if (t->full_descendants)
			full_columns(&child, b, t, k);
		else
			columns(&child, b, t, k);
		if (t->descendants) {
			env_key(&child, "category_children");
			children(b, t, k, depth + 1);
		}
		env_end(&child);
	}
	env_end(&list);
}

static void category_json(struct buf *b, const struct tree *t, const struct qe_query *q, size_t i)
{
	struct env o, parent;
	columns(&o, b, t, i);
	if (qe_relation(q, "category_children")) {
		env_key(&o, "category_children");
		children(b, t, i, 0);
	}
	if (qe_relation(q, "parent_category")) {
		env_key(&o, "parent_category");
		const char *p = row(t->rows, i)[C_PARENT];
		size_t k = 0;
		while (p && k < t->rows->nrows && !(strcmp(row(t->rows, k)[0], p) == 0 && visible(t->rows, k)))
			k++;
		if (p && k < t->rows->nrows) {
			columns(&parent, b, t, k);
			env_end(&parent);
		} else {
			buf_adds(b, "null");
		}
	}
	env_end(&o);
}

/* ASCII case-insensitive substring (ILIKE '%q%' for the letters Postgres folds the same way). */
static int icontains(const char *s, const char *q)
{
	size_t n = strlen(q);
	for (; s && *s; s++)
		if (strncasecmp(s, q, n) == 0)
			return 1;
	return s && n == 0;
}

static const size_t entity_order[CATEGORY_NCOLS] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };

static int cmp_names(const void *a, const void *b)
{
	return strcmp(category_cols[*(const size_t *)a].name, category_cols[*(const size_t *)b].name);
}

enum api_err categories_list(struct req *r)
{
	struct qe_query q;
	enum api_err e = qe_parse_req(r, &list_route, &q);
	if (e != API_OK)
		return e;
	struct db_rows rows;
	enum store_rc rc = category_store_all(&r->w->db, &r->arena, &rows);
	if (rc != STORE_OK)
		return store_fail(rc);
	const char *search = qe_string(&q, "q"), *handle = qe_string(&q, "handle");
	const char *parent = qe_string(&q, "parent_category_id");
	size_t *match = arena_alloc(&r->arena, (rows.nrows ? rows.nrows : 1) * sizeof(*match));
	size_t count = 0;
	for (size_t i = 0; i < rows.nrows; i++) {
		char **c = row(&rows, i);
		if (!visible(&rows, i) || (handle && strcmp(c[5], handle) != 0))
			continue;
		if (parent && (strcmp(parent, "null") == 0 ? c[C_PARENT] != NULL
							   : !c[C_PARENT] || strcmp(c[C_PARENT], parent) != 0))
			continue;
		if (search && *search && !icontains(c[3], search) && !icontains(c[5], search))
			continue;
		match[count++] = i;
	}
	struct tree t = {
		.rows = &rows, .sel = catq_select(r, &q, category_cols, CATEGORY_NCOLS),
		.col_order = entity_order, .descendants = qe_bool(&q, "include_descendants_tree") == 1,
	};
	t.full_descendants = t.descendants;
	struct env ans, list;
	env_object(&ans, r->out);
	env_page(&ans, (long long)count, q.limit_echo, q.offset_echo, ENV_COUNT_OFFSET_LIMIT);
	env_key_list(&ans, "product_categories", &list);
	for (long long k = q.offset; k < (long long)count && k - q.offset < q.limit; k++) {
		env_item(&list);
		category_json(r->out, &t, &q, match[k]);
	}
	env_end(&list);
	env_end(&ans);
	return API_OK;
}

enum api_err categories_get(struct req *r)
{
	const char *id;
	struct qe_query q;
	enum api_err e = catq_get(r, &get_route, &id, &q);
	if (e != API_OK)
		return e;
	struct db_rows rows;
	enum store_rc rc = category_store_all(&r->w->db, &r->arena, &rows);
	if (rc != STORE_OK)
		return store_fail(rc);
	size_t sorted[CATEGORY_NCOLS];
	memcpy(sorted, entity_order, sizeof(sorted));
	qsort(sorted, CATEGORY_NCOLS, sizeof(sorted[0]), cmp_names);
	struct tree t = {
		.rows = &rows, .sel = catq_select(r, &q, category_cols, CATEGORY_NCOLS),
		.col_order = sorted, .descendants = 1,
	};
	for (size_t i = 0; i < rows.nrows; i++) {
		if (strcmp(row(&rows, i)[0], id) != 0 || !visible(&rows, i))
			continue;
		struct env ans;
		env_one(&ans, r->out, "product_category");
		category_json(r->out, &t, &q, i);
		env_end(&ans);
		return API_OK;
	}
	return respond_fail(r, E_NOT_FOUND, "ProductCategory with id: %s, is_internal: false, is_active: true was not found",
			    id);
}
