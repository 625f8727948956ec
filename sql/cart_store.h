/*
 * cart_store: the statements behind the cart routes (issue 12): create a cart (with the shipping
 * address its country_code makes), read a cart with what its answer shows (addresses, sales
 * channel, the region's tax rates), and the look-ups cart creation needs (country of a region,
 * the customer's email, sales channels of a channel id, a publishable key, the store default).
 * Rows come back as text cells in the column order of the *_cols tables (common/rowjson.h
 * writes them); everything is arena memory, borrowed until the arena is reset.
 */
#ifndef CART_STORE_H
#define CART_STORE_H
#include "common/arena.h"
#include "common/rowjson.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* The Cart entity's columns, in Medusa's key order (object and relations are the route's). */
#define CART_NCOLS 17
extern const struct rowj_col cart_cols[CART_NCOLS];
/* The Address entity's columns, in Medusa's key order. */
#define CART_ADDRESS_NCOLS 16
extern const struct rowj_col cart_address_cols[CART_ADDRESS_NCOLS];
/* SalesChannel: id, created_at, updated_at, deleted_at, name, description, is_disabled, metadata. */
#define SALES_CHANNEL_NCOLS 8
extern const struct rowj_col sales_channel_cols[SALES_CHANNEL_NCOLS];
/* TaxRate of a region: id, created_at, updated_at, rate, code, name, region_id, metadata. */
#define TAX_RATE_NCOLS 8
extern const struct rowj_col tax_rate_cols[TAX_RATE_NCOLS];

/* LineItem columns, in Medusa's key order (adjustments, tax_lines, variant and totals follow). */
#define LINE_ITEM_NCOLS 24
extern const struct rowj_col line_item_cols[LINE_ITEM_NCOLS];
enum line_item_col {
	LI_ID = 0, LI_CART_ID = 3, LI_TITLE = 9, LI_SHOULD_MERGE = 14, LI_UNIT_PRICE = 17, LI_VARIANT_ID = 18,
	LI_QUANTITY = 19, LI_METADATA = 23,
};
/* ShippingMethod: id, shipping_option_id, order_id, claim_order_id, cart_id, swap_id, return_id, price, data. */
#define SHIPPING_METHOD_NCOLS 9
extern const struct rowj_col shipping_method_cols[SHIPPING_METHOD_NCOLS];
/* PaymentSession columns in Medusa's key order. */
#define PAYMENT_SESSION_NCOLS 12
extern const struct rowj_col payment_session_cols[PAYMENT_SESSION_NCOLS];
/* Payment columns in Medusa's key order. */
#define PAYMENT_NCOLS 15
extern const struct rowj_col payment_cols[PAYMENT_NCOLS];
/* Customer as a cart shows it: id .. metadata, never password_hash. */
#define CART_CUSTOMER_NCOLS 11
extern const struct rowj_col cart_customer_cols[CART_CUSTOMER_NCOLS];

/* A cart to insert; NULL members are SQL NULL. */
struct cart_new {
	const char *id, *region_id, *customer_id, *email, *sales_channel_id;
	const char *context_json;     /* JSON object text */
	const char *shipping_country; /* non-NULL: a shipping address with this country is made */
};
/* Inserts the cart (and its shipping address) in one transaction. */
enum store_rc cart_store_create(struct db *db, struct arena *a, const struct cart_new *c);

/* A live cart with its relations: each db_rows holds zero or one row. */
struct cart_view {
	struct db_rows cart, billing, shipping, channel;
};

/*
 * Everything a cart answer shows from the database but its tax rows, read in ONE statement (a
 * UNION ALL of tagged rows, split here): the cart row with its addresses, sales channel, payment
 * and customer, the catalogue and stock versions, the line items, the shipping methods with their options,
 * the payment sessions. One statement is one snapshot and one round trip (issue 12 item 8).
 */
struct cart_rows {
	struct cart_view v;          /* v.cart.nrows 0: no such live cart (nothing else is set) */
	struct db_rows payment;      /* PAYMENT_NCOLS; 0 or 1 row (the cart's payment_id) */
	struct db_rows customer;     /* CART_CUSTOMER_NCOLS; 0 or 1 row (customer_id, deleted ones too) */
	long long catalogue_version; /* catalogue_version.version, read with the rows */
	long long stock_version;     /* stock_version.version, read with the rows */
	struct db_rows items;        /* LINE_ITEM_NCOLS, by created_at, id */
	struct db_rows methods;      /* SHIPPING_METHOD_NCOLS then SHIPPING_OPTION_NCOLS (NULLs if gone), by id */
	struct db_rows sessions;     /* PAYMENT_SESSION_NCOLS, by created_at, id */
};
enum store_rc cart_store_read(struct db *db, struct arena *a, const char *id, struct cart_rows *out);

/*
 * The tax rows of the cart's items and methods: rows whose first cells are owner id, rate, name,
 * code, grouped by owner (the second statement of a cart read, made only when there is something
 * to read). taxed (automatic taxes or forced): *items none, *methods the rates of the methods'
 * options (by method, rate creation); else the persisted tax lines of both (by owner, creation).
 */
enum store_rc cart_store_tax_rows(struct db *db, struct arena *a, const char *cart_id, int taxed,
				  struct db_rows *items, struct db_rows *methods);

/* The region's tax_rate rows (TAX_RATE_NCOLS), by created_at, id. */
enum store_rc cart_store_region_rates(struct db *db, struct arena *a, const char *region_id, struct db_rows *rows);

/* *in_region = 1 when country iso_2 (lower case) belongs to region_id. */
enum store_rc cart_store_country_in_region(struct db *db, struct arena *a, const char *region_id,
					   const char *iso_2, int *in_region);
/* The email of a live customer (*email NULL when none). */
enum store_rc cart_store_customer_email(struct db *db, struct arena *a, const char *customer_id,
					const char **email);
/* A live sales channel: rows with name, is_disabled (no row when unknown). */
enum store_rc cart_store_channel(struct db *db, struct arena *a, const char *id, struct db_rows *rows);
/*
 * A live (not revoked) publishable key: rows of key id, sales channel id (NULL in the one row of a
 * key without channels), by channel id; no row when the key is unknown or revoked.
 */
enum store_rc cart_store_key_channels(struct db *db, struct arena *a, const char *key, struct db_rows *rows);

/*
 * Locks the live cart row (SELECT ... FOR UPDATE) in the current transaction and writes its
 * cart_lock row (so writers of one cart conflict on every Galera node too); *found 0 when none.
 */
enum store_rc cart_store_lock(struct db *db, struct arena *a, const char *id, int *found);
/* The cart's line items (LINE_ITEM_NCOLS), by created_at, id (a write's re-read of its lines alone). */
enum store_rc cart_store_items(struct db *db, struct arena *a, const char *cart_id, struct db_rows *rows);
/* The cart's payment sessions (PAYMENT_SESSION_NCOLS), by created_at, id (a re-read of them alone). */
enum store_rc cart_store_sessions(struct db *db, struct arena *a, const char *cart_id, struct db_rows *rows);
/* Attaches customer_id (and its email) to the cart. */
enum store_rc cart_store_set_customer(struct db *db, struct arena *a, const char *cart_id, const char *customer_id);
#endif
