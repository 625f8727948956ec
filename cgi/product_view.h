/*
 * product_view: what GET /store/products* and /store/variants* share: the
 * worker's catalogue snapshot (reloaded when catalogue_version moves, its
 * variants' stock re-read when stock_version moves), the
 * request's scope (publishable key or default sales channel, the customer's
 * groups), the price context, the answer cache, and the writers of product
 * and variant JSON in Medusa's key order.
 *
 * The answer cache: a rendered body is kept per (route, raw query without
 * cart_id, customer groups, key, resolved region and currency) until the
 * snapshot or its stock changes or the next start or end of a price list, within
 * PV_CACHE_BYTES per worker (least recently used out).
 */
#ifndef PRODUCT_VIEW_H
#define PRODUCT_VIEW_H
#include "common/qengine.h"
#include "common/req.h"
#include "sql/product_store.h"

#define PV_CACHE_BYTES (2u << 20)

struct pv_ctx {
	const struct pc_snapshot *s;
	const char *groups;          /* customer's group ids, comma-joined, "" when none */
	const char *key;             /* x-publishable-api-key, NULL when absent */
	const char *const *channels; /* the key's channels, or the default channel */
	size_t nchannels;
	long long now_ms;
	/* price context */
	const struct pc_region *region;
	const char *currency;
	int priced;                  /* variants and variants.prices expanded */
};

/*
 * Brings the snapshot up to date, resolves the key (400 for an unknown or
 * revoked one) and the customer's groups. Errors are recorded on r.
 */
enum api_err pv_begin(struct req *r, struct pv_ctx *c);

/*
 * Sets region / currency from cart_id (the cart's region; 404 for an unknown cart), else
 * region_id (404 for an unknown region) and currency_code. Call it before pv_cache_get: the
 * cache key names the region.
 */
enum api_err pv_price_context(struct req *r, struct pv_ctx *c, const struct qe_query *q);

/* 1 and the body into r->out when the cache holds the answer for (tag, query, scope). */
int pv_cache_get(struct req *r, const struct pv_ctx *c, char tag);
/* Stores r->out as the answer for (tag, query, scope). */
void pv_cache_put(struct req *r, const struct pv_ctx *c, char tag);

/* The :id route parameter decoded as Express decodes it; NULL (400 "URI malformed" recorded) if it cannot be. */
const char *pv_path_id(struct req *r);

/* 1 if the product is in the request's channels. */
int pv_in_scope(const struct pv_ctx *c, const struct pc_product *p);

/* A product object, fields and relations as q selects. */
void pv_w_product(struct buf *b, const struct pv_ctx *c, const struct pc_product *p, const struct qe_query *q);

/* Where a variant's product goes among its relations: variants list vs variant get. */
enum pv_variant_shape { PV_VARIANT_LIST, PV_VARIANT_GET };
/* A variant object of the variants routes (relations: options, product, prices). */
void pv_w_variant(struct buf *b, const struct pv_ctx *c, const struct pc_variant *v, const struct qe_query *q,
		  enum pv_variant_shape shape);

/* Carts (cgi/cart_view.c): the worker's snapshot brought up to date (error recorded on r). */
enum api_err pv_snapshot(struct req *r, const struct pc_snapshot **out);
/* As pv_snapshot, with catalogue_version and stock_version already read by the caller (the cart
 * read reads them with the cart's rows: no statement of its own). */
enum api_err pv_snapshot_at(struct req *r, long long version, long long stock_version, const struct pc_snapshot **out);
/* The price selection of variant v in a cart of region reg for quantity, for a customer in groups
 * (comma-joined ids, "" for none): the same candidates as the product routes. */
void pv_cart_price(const struct pc_variant *v, const struct pc_region *reg, const char *groups, long long now_ms,
		   long long quantity, struct pricing_sel *out);
#endif
