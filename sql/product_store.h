/*
 * product_store: the product side of the catalogue (products, options,
 * variants, prices, price lists, images, tags, type, collection, profiles,
 * sales channels, categories, tax rates, regions, publishable keys) read
 * whole into one snapshot that a worker keeps until the next import.
 *
 * Why a snapshot: the catalogue changes only by `medusa-c import`, which
 * bumps catalogue_version.version in its transaction, and its stock also by
 * orders, which bump stock_version.version (migration 030). A worker reads
 * both numbers with one point select per request (product_store_versions):
 * a moved catalogue_version reloads the whole snapshot, a moved stock_version
 * only re-reads the variants' stock columns (product_store_stock), so
 * filtering, ordering, pricing and rendering of product answers run in
 * memory (cgi/product_view.c) and an order costs each worker one statement,
 * not a reload. Anything else that writes these tables must bump one of the
 * two (stock_version for inventory_quantity alone), or workers keep showing
 * the old values.
 *
 * Every value the answers show is kept pre-rendered as a JSON fragment
 * (strings escaped, timestamps ISO-8601 with Z, booleans true/false,
 * numbers and tax rates as their text, metadata as stored): rendering is
 * concatenation. All memory of a snapshot is its own arena.
 */
#ifndef PRODUCT_STORE_H
#define PRODUCT_STORE_H
#include <stddef.h>

#include "common/arena.h"
#include "common/pricing.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* Product columns in Medusa's entity order (fields= select and the JSON follow it). */
enum pc_pcol {
	PP_ID, PP_CREATED_AT, PP_UPDATED_AT, PP_DELETED_AT, PP_TITLE, PP_SUBTITLE, PP_DESCRIPTION, PP_HANDLE,
	PP_IS_GIFTCARD, PP_STATUS, PP_THUMBNAIL, PP_WEIGHT, PP_LENGTH, PP_HEIGHT, PP_WIDTH, PP_HS_CODE,
	PP_ORIGIN_COUNTRY, PP_MID_CODE, PP_MATERIAL, PP_COLLECTION_ID, PP_TYPE_ID, PP_DISCOUNTABLE,
	PP_EXTERNAL_ID, PP_METADATA, PP_COUNT
};
#define PV_COUNT 23 /* variant columns, id .. metadata */

/* The JSON key of a product column (NULL-terminated list of all of them). */
extern const char *const product_store_pcols[PP_COUNT + 1];
extern const char *const product_store_vcols[PV_COUNT + 1];

struct pc_list {                 /* price_list */
	const char *id, *type, *json;
	int active;
	long long starts_ms, ends_ms;  /* LLONG_MIN / LLONG_MAX when open */
	const char **groups;           /* customer group ids; none = everyone */
	size_t ngroups;
};

struct pc_ma {                   /* money_amount */
	struct pricing_ma pm;
	const struct pc_list *list;  /* NULL outside lists */
	const char *json;            /* the whole price object, price_list and variant_id included */
};

struct pc_taxrate {
	const char *region_id, *rate, *json;
	const char *name, *code;    /* for a cart's tax lines (cgi/cart_view.c) */
};

struct pc_product;

struct pc_variant {
	const char *id;
	const char *col[PV_COUNT];   /* fragments */
	/* the fragments of the columns an order changes, which col[] points at: rewritten in place
	 * when the stock moves (product_store_stock), so a snapshot never grows with orders */
	char updated_at[32], inventory_quantity[24];
	const char **optvals;        /* option value objects, in option order */
	size_t noptvals;
	struct pc_ma *mas;           /* by created_at, id */
	size_t nmas;
	struct pc_product *product;
};

struct pc_option {
	const char *head;            /* {"id":..,"metadata":.. without the closing brace */
	const char **values;         /* value objects */
	size_t nvalues;
};

struct pc_product {
	const char *col[PP_COUNT];   /* fragments */
	const char *id, *title, *description, *handle, *status, *collection_id, *type_id, *collection_title;
	int is_giftcard;
	long long created_ms, updated_ms;
	const char *collection, *type;  /* objects or NULL */
	const char **images;
	size_t nimages;
	struct pc_option *options;
	size_t noptions;
	struct pc_variant **variants;   /* by variant_rank */
	size_t nvariants;
	const char **tags, **tag_ids;
	size_t ntags;
	const char **profiles, *profile_id;
	size_t nprofiles;
	const char **channels, **channel_ids;
	size_t nchannels;
	const char **category_ids;
	size_t ncategories;
	const struct pc_taxrate **rates; /* product rates, then its type's, every region */
	size_t nrates;
	size_t rank;                     /* position in the default order (created_at DESC, id) */
};

struct pc_region {
	const char *id, *currency_code, *tax_rate, *default_rate_json;
	int automatic_taxes;
};

struct pc_key {                       /* publishable API key */
	const char *id;
	int revoked;
	const char **channels;
	size_t nchannels;
};

struct pc_category {
	const char *id, *parent_id;
	int is_active, is_internal;
};

struct pc_snapshot {
	struct arena arena;
	long long version;               /* catalogue_version this snapshot was loaded at */
	long long stock_version;         /* stock_version its variants' stock was read at */
	struct pc_product *products;     /* default order: created_at DESC, id ASC */
	size_t nproducts;
	struct pc_variant *variants;     /* by product, variant_rank */
	size_t nvariants;
	struct pc_variant **by_id;       /* the variants by id (product_store_variant) */
	struct pc_region *regions;
	size_t nregions;
	struct pc_key *keys;
	size_t nkeys;
	struct pc_category *categories;
	size_t ncategories;
	const char *default_channel_id;
};

/* catalogue_version.version (0 before the first import) and stock_version.version. */
enum store_rc product_store_versions(struct db *db, long long *version, long long *stock_version);

/*
 * Loads the whole snapshot (both versions included, read before the rows) into s, whose arena
 * must be initialised; on failure s holds nothing usable (reset its arena).
 */
enum store_rc product_store_load(struct db *db, struct pc_snapshot *s);

/*
 * Re-reads the stock columns (inventory_quantity, updated_at) of s's variants, as of
 * stock_version (read before them, so a later order is seen as a later version); the rest of
 * s stays as loaded. On failure s keeps its old stock and version.
 */
enum store_rc product_store_stock(struct db *db, struct pc_snapshot *s, long long stock_version);

/* The snapshot's variant id, NULL when it has none. */
const struct pc_variant *product_store_variant(const struct pc_snapshot *s, const char *id);

/* The customer's group ids, sorted, comma-joined ("" for none), in arena a. */
enum store_rc product_store_groups(struct db *db, struct arena *a, const char *customer_id, const char **out);

/* The region of cart cart_id into *region_id (arena a), NULL when there is no such cart. */
enum store_rc product_store_cart_region(struct db *db, struct arena *a, const char *cart_id, const char **region_id);
#endif
