/*
 * taxonomy_store: the statements behind collections, product tags and types,
 * product categories and return reasons (issue 11). Rows come back as text
 * cells in the column order of the *_cols tables (common/rowjson.h writes
 * them); arena memory, borrowed until the arena is reset.
 */
#ifndef TAXONOMY_STORE_H
#define TAXONOMY_STORE_H
#include "common/arena.h"
#include "common/rowjson.h"
#include "sql/region_store.h"

/* ProductCollection: id, created_at, updated_at, deleted_at, title, handle, metadata. */
#define COLLECTION_NCOLS 7
extern const struct rowj_col collection_cols[COLLECTION_NCOLS];

struct collection_filter {
	const char *id;           /* NULL: any */
	const char *handles;      /* JSON array text of handles, NULL: any */
	struct store_dates created_at, updated_at;
};
/* Live collections matching f, newest first (then import order), paged; *count (count non-NULL) before paging. */
enum store_rc collection_store_list(struct db *db, struct arena *a, const struct collection_filter *f,
				    long long limit, long long offset, struct db_rows *rows, long long *count);

/* ProductTag and ProductType as the store lists them: id, created_at, updated_at, value. */
#define TAXON_NCOLS 4
extern const struct rowj_col taxon_cols[TAXON_NCOLS];

enum taxon_kind { TAXON_TAG, TAXON_TYPE };
/* The columns `order` may name, in the order of the ORDER BY switch below. */
enum taxon_order { TO_DEFAULT = 0, TO_ID, TO_VALUE, TO_CREATED_AT, TO_UPDATED_AT };

struct taxon_filter {
	const char *ids;          /* JSON array text, NULL: any */
	const char *values;       /* JSON array text, NULL: any */
	const char *q;            /* substring of value, case-insensitive; NULL: none */
	const char *discount_condition_id; /* only taxons of that condition; NULL: any */
	struct store_dates created_at, updated_at;
	enum taxon_order order;
	int desc;
};
enum store_rc taxon_store_list(struct db *db, struct arena *a, enum taxon_kind kind, const struct taxon_filter *f,
			       long long limit, long long offset, struct db_rows *rows, long long *count);

/*
 * Every product category (the tree is small and built in C): CATEGORY_NCOLS
 * cells in the store's key order (id, created_at, updated_at, name,
 * description, handle, parent_category_id, rank, metadata), then is_active,
 * is_internal; ordered by rank, then handle (Medusa's list order and sibling order).
 */
#define CATEGORY_NCOLS 9
extern const struct rowj_col category_cols[CATEGORY_NCOLS];
enum store_rc category_store_all(struct db *db, struct arena *a, struct db_rows *rows);

/*
 * Every live return reason: RETURN_REASON_NCOLS cells (id, created_at,
 * updated_at, deleted_at, value, label, description, parent_return_reason_id,
 * metadata), by creation.
 */
#define RETURN_REASON_NCOLS 9
extern const struct rowj_col return_reason_cols[RETURN_REASON_NCOLS];
enum store_rc return_reason_store_all(struct db *db, struct arena *a, struct db_rows *rows);
#endif
