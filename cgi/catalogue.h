/*
 * catalogue: the read-only catalogue routes other than products and
 * variants, one file each (issue 11): regions.c, collections.c,
 * categories.c, product_tags.c (tags and types), shipping_options.c,
 * return_reasons.c, gift_cards.c. r->params[0] is the path's :id / :code.
 */
#ifndef CATALOGUE_H
#define CATALOGUE_H
#include "common/errors.h"
#include "common/req.h"

enum api_err regions_list(struct req *r);
enum api_err regions_get(struct req *r);
enum api_err collections_list(struct req *r);
enum api_err collections_get(struct req *r);
enum api_err categories_list(struct req *r);
enum api_err categories_get(struct req *r);
enum api_err product_tags_list(struct req *r);
enum api_err product_types_list(struct req *r);
enum api_err shipping_options_list(struct req *r);
/*
 * Appends option i of opts (rows of shipping_store_list: SHIPPING_OPTION_NCOLS cells, then the
 * region's tax_rate and automatic_taxes) priced for its region: its columns, "profile" (when
 * profiles, rows of checkout_store_profiles, is non-NULL), "requirements" (rows of
 * shipping_store_requirements), price_incl_tax, tax_rates, tax_amount (rates: rows of
 * shipping_store_tax_rates). Temporary memory from a.
 */
struct buf;
struct db_rows;
struct arena;
void shipping_option_json(struct buf *b, const struct db_rows *opts, size_t i, const struct db_rows *reqs,
			  const struct db_rows *rates, const struct db_rows *profiles, struct arena *a);
enum api_err return_reasons_list(struct req *r);
enum api_err return_reasons_get(struct req *r);
enum api_err gift_cards_get(struct req *r);
#endif
