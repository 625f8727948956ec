/*
 * taxonomy_store: prepared statements only. Optional filters are
 * "(? IS NULL OR ...)" with the value twice; list filters take a JSON array
 * (JSON_CONTAINS), so any number of values needs no SQL of its own; the
 * `order` column is chosen by a CASE on a parameter, never by text.
 */
#include "sql/taxonomy_store.h"

#include <stdlib.h>

const struct rowj_col collection_cols[COLLECTION_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "title", RJ_STR }, { "handle", RJ_STR }, { "metadata", RJ_JSONB },
};
const struct rowj_col taxon_cols[TAXON_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "value", RJ_STR },
};
const struct rowj_col category_cols[CATEGORY_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "name", RJ_STR },
	{ "description", RJ_STR }, { "handle", RJ_STR }, { "parent_category_id", RJ_STR }, { "rank", RJ_INT },
	{ "metadata", RJ_JSONB },
};
const struct rowj_col return_reason_cols[RETURN_REASON_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "value", RJ_STR }, { "label", RJ_STR }, { "description", RJ_STR },
	{ "parent_return_reason_id", RJ_STR }, { "metadata", RJ_JSONB },
};

#define DATE_FILTERS(col) \
	"AND (? IS NULL OR " col " < ?) AND (? IS NULL OR " col " > ?) " \
	"AND (? IS NULL OR " col " >= ?) AND (? IS NULL OR " col " <= ?) "

#define COLLECTION_WHERE \
	"WHERE deleted_at IS NULL AND (? IS NULL OR id = ?) AND (? IS NULL OR JSON_CONTAINS(?, JSON_QUOTE(handle))) " \
	DATE_FILTERS("created_at") DATE_FILTERS("updated_at")
static const char SQL_COLLECTIONS[] =
	"SELECT id, created_at, updated_at, deleted_at, title, handle, metadata FROM product_collection "
	COLLECTION_WHERE "ORDER BY created_at DESC, id LIMIT ? OFFSET ?";
static const char SQL_COLLECTIONS_COUNT[] = "SELECT COUNT(*) FROM product_collection " COLLECTION_WHERE;

/* Medusa's q on tags and types: value ILIKE %q%. */
#define TAXON_WHERE(cond_table, cond_col) \
	"WHERE t.deleted_at IS NULL AND (? IS NULL OR JSON_CONTAINS(?, JSON_QUOTE(t.id))) " \
	"AND (? IS NULL OR JSON_CONTAINS(?, JSON_QUOTE(t.value))) " \
	"AND (? IS NULL OR LOWER(t.value) LIKE LOWER(?)) " \
	"AND (? IS NULL OR EXISTS (SELECT 1 FROM " cond_table " dc WHERE dc.condition_id = ? " \
	"AND dc." cond_col " = t.id)) " \
	DATE_FILTERS("t.created_at") DATE_FILTERS("t.updated_at")
/* One sort key chosen by number (enum taxon_order); DATETIME(3) compares as its text, in time order. */
#define TAXON_ORDER \
	"ORDER BY IF(? = 0, CASE ? WHEN 1 THEN t.id WHEN 2 THEN t.value WHEN 3 THEN t.created_at " \
	"WHEN 4 THEN t.updated_at END, NULL) ASC, " \
	"IF(? = 1, CASE ? WHEN 1 THEN t.id WHEN 2 THEN t.value WHEN 3 THEN t.created_at " \
	"WHEN 4 THEN t.updated_at END, NULL) DESC, t.created_at DESC, t.id LIMIT ? OFFSET ?"

static const char SQL_TAGS[] = "SELECT t.id, t.created_at, t.updated_at, t.value FROM product_tag t "
	TAXON_WHERE("discount_condition_product_tag", "product_tag_id") TAXON_ORDER;
static const char SQL_TAGS_COUNT[] = "SELECT COUNT(*) FROM product_tag t "
	TAXON_WHERE("discount_condition_product_tag", "product_tag_id");
static const char SQL_TYPES[] = "SELECT t.id, t.created_at, t.updated_at, t.value FROM product_type t "
	TAXON_WHERE("discount_condition_product_type", "product_type_id") TAXON_ORDER;
static const char SQL_TYPES_COUNT[] = "SELECT COUNT(*) FROM product_type t "
	TAXON_WHERE("discount_condition_product_type", "product_type_id");

static const char SQL_CATEGORIES[] =
	"SELECT id, created_at, updated_at, name, description, handle, parent_category_id, `rank`, metadata, "
	"is_active, is_internal FROM product_category ORDER BY `rank`, handle";

static const char SQL_RETURN_REASONS[] =
	"SELECT id, created_at, updated_at, deleted_at, value, label, description, parent_return_reason_id, metadata "
	"FROM return_reason WHERE deleted_at IS NULL ORDER BY created_at, id";

static void opt(struct db_param *p, unsigned *k, const char *v)
{
	p[(*k)++] = db_str(v);
	p[(*k)++] = db_str(v);
}

static void dates(struct db_param *p, unsigned *k, const struct store_dates *d)
{
	for (int i = 0; i < 4; i++)
		opt(p, k, d->op[i]);
}

/* COUNT (when asked) with p[0..k), then the page with limit and offset appended. */
static enum store_rc page(struct db *db, struct arena *a, const char *sql, const char *count_sql,
			  struct db_param *p, unsigned k, long long limit, long long offset, struct db_rows *rows,
			  long long *count)
{
	enum db_rc rc;
	if (count) {
		struct db_rows c;
		if ((rc = db_exec(db, a, count_sql, p, k, &c, NULL)) != DB_OK)
			return store_rc_of(rc);
		*count = c.nrows && db_cell(&c, 0, 0) ? strtoll(db_cell(&c, 0, 0), NULL, 10) : 0;
	}
	p[k++] = db_int(limit);
	p[k++] = db_int(offset);
	return store_rc_of(db_exec(db, a, sql, p, k, rows, NULL));
}

enum store_rc collection_store_list(struct db *db, struct arena *a, const struct collection_filter *f,
				    long long limit, long long offset, struct db_rows *rows, long long *count)
{
	struct db_param p[22];
	unsigned k = 0;
	opt(p, &k, f->id);
	opt(p, &k, f->handles);
	dates(p, &k, &f->created_at);
	dates(p, &k, &f->updated_at);
	return page(db, a, SQL_COLLECTIONS, SQL_COLLECTIONS_COUNT, p, k, limit, offset, rows, count);
}

enum store_rc taxon_store_list(struct db *db, struct arena *a, enum taxon_kind kind, const struct taxon_filter *f,
			       long long limit, long long offset, struct db_rows *rows, long long *count)
{
	struct db_param p[32];
	unsigned k = 0;
	opt(p, &k, f->ids);
	opt(p, &k, f->values);
	p[k++] = db_str(f->q);
	p[k++] = db_str(f->q ? arena_printf(a, "%%%s%%", f->q) : NULL);
	opt(p, &k, f->discount_condition_id);
	dates(p, &k, &f->created_at);
	dates(p, &k, &f->updated_at);
	enum store_rc src;
	const char *sql = kind == TAXON_TAG ? SQL_TAGS : SQL_TYPES;
	const char *count_sql = kind == TAXON_TAG ? SQL_TAGS_COUNT : SQL_TYPES_COUNT;
	if (count) {
		struct db_rows c;
		enum db_rc rc = db_exec(db, a, count_sql, p, k, &c, NULL);
		if (rc != DB_OK)
			return store_rc_of(rc);
		*count = c.nrows && db_cell(&c, 0, 0) ? strtoll(db_cell(&c, 0, 0), NULL, 10) : 0;
	}
	p[k++] = db_int(f->desc);
	p[k++] = db_int(f->order);
	p[k++] = db_int(f->desc);
	p[k++] = db_int(f->order);
	src = page(db, a, sql, NULL, p, k, limit, offset, rows, NULL);
	return src;
}

enum store_rc category_store_all(struct db *db, struct arena *a, struct db_rows *rows)
{
	return store_rc_of(db_exec(db, a, SQL_CATEGORIES, NULL, 0, rows, NULL));
}

enum store_rc return_reason_store_all(struct db *db, struct arena *a, struct db_rows *rows)
{
	return store_rc_of(db_exec(db, a, SQL_RETURN_REASONS, NULL, 0, rows, NULL));
}
