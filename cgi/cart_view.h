/*
 * cart_view: the cart read model and the one writer of cart answers (issue 12). Every cart
 * route loads the cart with cart_model_load (locked when it writes), does its writes in the
 * request transaction, then answers with cart_answer, which re-reads the cart after those
 * writes and writes {"cart":{...}} in the key set and order Medusa 1.20 shows on that route
 * (transcripts-store 074-103, 113, 122-131, 140-142, 156-162, 170; extras 047-104).
 *
 * Items, their variants and products, tax rates of products and product types come from the
 * worker's catalogue snapshot (sql/product_store.h); the cart's own rows from the database.
 * Totals are common/totals.c's (region default rate, product + type rates, shipping rates).
 * How to call it: /work/notes/cartcore-api.md.
 */
#ifndef CART_VIEW_H
#define CART_VIEW_H
#include "common/errors.h"
#include "common/qengine.h"
#include "common/req.h"
#include "common/totals.h"
#include "sql/cart_store.h"
#include "sql/product_store.h"

/* The key set of a route's cart answer. */
enum cart_shape {
	CART_GET,              /* GET /store/carts/:id, POST /store/carts, line-item update/delete (082, 097) */
	CART_LINE_ITEMS,       /* + customer after billing_address (POST .../line-items, 084) */
	CART_PAYMENT_SESSION,  /* as GET; payment_session follows payment_sessions when one is selected (125) */
	CART_PAYMENT_SESSIONS, /* {"cart":..,"data":..}: + customer, raw_discount_total in cart only; taxes forced (123) */
	CART_REFRESH,          /* no billing_address, customer, payment, sales_channel (128) */
	CART_TAXES,            /* no billing_address, payment, payment_sessions, sales_channel; methods
				* without shipping_option; taxes forced (122) */
	CART_UPDATE,           /* POST /store/carts/:id: as GET (104) */
};

/* One line item of the cart. */
struct cart_item {
	char **cells;                   /* LINE_ITEM_NCOLS cells (cart_store.h line_item_cols) */
	const char *id, *variant_id, *metadata;
	long long unit_price, quantity;
	int should_merge;
	const struct pc_variant *variant; /* NULL when the catalogue no longer has it */
};

/* One shipping method: its row and its option's. */
struct cart_method {
	char **cells;                   /* SHIPPING_METHOD_NCOLS cells, then SHIPPING_OPTION_NCOLS (NULLs if gone) */
	const char *id, *option_id, *profile_id;
	long long price;
};

struct cart_model {
	const char *id;
	struct cart_view v;             /* cart row (cart_cols), addresses, channel */
	/* cart row, picked out */
	const char *region_id, *customer_id, *email, *completed_at, *payment_id, *sales_channel_id;
	/* region */
	struct db_rows region;          /* REGION_NCOLS + CURRENCY_NCOLS cells (0 rows: region gone); read-only */
	const char *const *region_json; /* the region rendered (cgi/cart_view.c), NULL when gone */
	const char *currency_code, *tax_rate;
	int automatic_taxes, gift_cards_taxable;
	/* relations */
	struct cart_item *items;
	size_t n_items;
	struct cart_method *methods;
	size_t n_methods;
	struct db_rows sessions;        /* PAYMENT_SESSION_NCOLS cells, by created_at */
	int selected_session;           /* row of the selected session, -1 when none */
	struct db_rows payment;         /* PAYMENT_NCOLS cells; 0 or 1 row */
	struct db_rows customer;        /* CART_CUSTOMER_NCOLS cells; 0 or 1 row */
	/* totals (common/totals.h), computed by cart_model_load */
	int force_taxes;
	struct totals_item *t_items;    /* [n_items] */
	struct totals_item_out *o_items;
	struct totals_shipping *t_methods; /* [n_methods] */
	struct totals_shipping_out *o_methods;
	struct totals_cart_out totals;
	const struct pc_snapshot *snap;
};

/*
 * Loads cart id with everything its answers show and computes its totals (force_taxes: POST
 * .../taxes and .../payment-sessions compute tax lines even without automatic_taxes).
 * lock = 1: first takes the cart row with SELECT ... FOR UPDATE in the request transaction,
 * so concurrent writers of one cart run one after the other (use it in every cart write).
 * An unknown or deleted cart records 404 "Cart with <id> was not found" and returns E_NOT_FOUND.
 * Round trips: one statement for the cart's rows and the catalogue versions (sql/cart_read_sql.h),
 * a second only for tax rows (a cart with shipping methods, or persisted tax lines without
 * automatic taxes); lock adds cart_store_lock's. Everything is arena memory of r.
 */
enum api_err cart_model_load(struct req *r, const char *id, int lock, int force_taxes, struct cart_model *m);

/* Re-reads cart id (after the request's writes, same transaction) and writes the answer of shape into r->out. */
enum api_err cart_answer(struct req *r, const char *id, enum cart_shape shape);

/*
 * What a write changed in a cart it loaded under its lock (cart_model_reload, cart_answer_model).
 * A part not named is not read again: the request transaction's read view (REPEATABLE READ, made
 * by the cart read right after the lock) gives a re-read the same rows for a table the request
 * did not write, so the answer is byte for byte the one a full re-read gives.
 */
enum {
	CART_RELOAD_ITEMS = 1,    /* line items (and their saved tax lines) */
	CART_RELOAD_METHODS = 2,  /* shipping methods with their options and rates */
	CART_RELOAD_SESSIONS = 4, /* payment sessions */
	CART_RELOAD_ROW = 8,      /* the cart row with what it joins and points at (addresses, channel,
				   * customer, payment); a changed region_id: everything is read again */
};

/*
 * Re-reads what reload names (CART_RELOAD_*) and recomputes m's totals with force_taxes: the
 * sessions alone, or the lines alone of a taxed cart, with a statement of their own; anything
 * more is the whole read again (cart_model_load: one statement, two with tax rows).
 */
enum api_err cart_model_reload(struct req *r, struct cart_model *m, unsigned reload, int force_taxes);

/* cart_answer from m, the model the write loaded, after cart_model_reload(r, m, reload, <shape's force>). */
enum api_err cart_answer_model(struct req *r, struct cart_model *m, enum cart_shape shape, unsigned reload);

/* cart_answer for a cart this request inserted (kept for its callers: the read is one statement anyway). */
enum api_err cart_answer_new(struct req *r, const char *id, enum cart_shape shape);

/*
 * The live region region_id as the cart routes see it (the worker's region cache, at the catalogue
 * version): *found, and *only_country the iso_2 of its only country (NULL: none or several).
 */
enum api_err cart_region_lookup(struct req *r, const char *region_id, int *found, const char **only_country);
/*
 * From the same cache: *yes = 1 when country iso_2 (as stored: lower case) belongs to region_id;
 * the region's payment provider ids by id, as rows of one cell. *live 0: region_id is no live
 * region (deleted or unknown) and the cache knows nothing of it (ask the database).
 */
enum api_err cart_region_has_country(struct req *r, const char *region_id, const char *iso_2, int *live, int *yes);
enum api_err cart_region_providers(struct req *r, const char *region_id, int *live, struct db_rows *rows);

/* GET /store/carts/:id's query (FindParams: fields, expand; Medusa's default relations). */
extern const struct qe_route cart_get_route;
/*
 * The GET answer as a parsed fields / expand query selects (113): the columns named (id
 * always), the relations of expand plus those the totals need (discounts, gift_cards, items,
 * region with tax_rates, shipping_address, shipping_methods); totals named in fields first.
 */
enum api_err cart_answer_query(struct req *r, const char *id, const struct qe_query *q);

/*
 * The unit price of variant_id for quantity in m's cart: the catalogue's price selection
 * (region, then currency prices of the region's currency; quantity tiers; active price lists
 * in their dates, for everyone or a group of the cart's customer; the lowest wins).
 * Records 400 "Unable to generate the line items, some variant has not been found: <id>" for
 * an unknown variant and 400 "Cannot generate line item for variant \"<title>\" without a price"
 * when nothing matches.
 */
enum api_err cart_price_variant(struct req *r, const struct cart_model *m, const char *variant_id, long quantity,
				long *unit_price);

/* As cart_price_variant, but nothing recorded when there is no price: *found 0 (unknown variant or
 * region, or no price for it); errors only for a failed database. */
enum api_err cart_price_lookup(struct req *r, const struct cart_model *m, const char *variant_id, long quantity,
			       long *unit_price, int *found);

/*
 * (cgi/line_items.c) Re-prices every line of the locked cart m for its region and customer as
 * they are now (reload m after changing them): a line without a price there is deleted (Medusa's
 * updateUnitPrices_); then the payment sessions' amount follows the new total. For a customer
 * attached (GET, 170 / extras 098) and a region switch (cartupd, 141).
 */
enum api_err line_items_reprice(struct req *r, const struct cart_model *m);

/* The catalogue's variant (NULL when unknown); the snapshot is brought up to date first. */
enum api_err cart_find_variant(struct req *r, const char *variant_id, const struct pc_variant **out);
/* The text of a snapshot JSON string fragment ("\"S / Black\"" -> S / Black); NULL for null. */
const char *cart_frag_text(struct req *r, const char *fragment);
#endif
