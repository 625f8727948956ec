/*
 * order_store: orders (table `order`, migration 003) and their relations
 * (items, tax lines, shipping methods, payments, region, customer), and the
 * statements that turn a cart into an order (cgi/cart_complete.c runs them in
 * one transaction; it reads the cart through the read model, cgi/cart_view.h).
 * Knows nothing of HTTP or of the query string: the caller hands in an
 * already validated filter.
 *
 * Entities returned are allocated in the arena passed in (borrowed until it
 * is reset). Column values are the database's text (NULL for SQL NULL).
 */
#ifndef ORDER_STORE_H
#define ORDER_STORE_H
#include <stddef.h>

#include "common/arena.h"
#include "common/customer_json.h"
#include "common/rowjson.h"
#include "common/ulid.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* Columns of an order, in Medusa's entity order (what its JSON follows). */
enum order_col {
	OC_ID, OC_CREATED_AT, OC_UPDATED_AT, OC_STATUS, OC_FULFILLMENT_STATUS, OC_PAYMENT_STATUS, OC_DISPLAY_ID,
	OC_CART_ID, OC_CUSTOMER_ID, OC_EMAIL, OC_BILLING_ADDRESS_ID, OC_SHIPPING_ADDRESS_ID, OC_REGION_ID,
	OC_CURRENCY_CODE, OC_TAX_RATE, OC_DRAFT_ORDER_ID, OC_CANCELED_AT, OC_METADATA, OC_NO_NOTIFICATION,
	OC_IDEMPOTENCY_KEY, OC_EXTERNAL_ID, OC_SALES_CHANNEL_ID, OC_COUNT
};

/* The JSON key (= column name) of an order column. Static storage. */
const char *order_col_name(enum order_col c);

struct order {
	char *col[OC_COUNT];          /* text as stored; timestamps "YYYY-MM-DD HH:MM:SS.mmm" */
	struct address *shipping;     /* live shipping address row, or NULL */
	struct address *billing;      /* live billing address row, or NULL */
};

enum order_date_op { ORDER_LT, ORDER_GT, ORDER_GTE, ORDER_LTE, ORDER_DATE_OPS };

/*
 * What to list. NULL (or 0) fields do not filter. Lists are comma-separated
 * enum values (already validated); dates are DB timestamps.
 */
struct order_filter {
	const char *customer_id;              /* required */
	const char *id;
	const char *status, *fulfillment_status, *payment_status;
	int has_display_id;
	long long display_id;
	const char *cart_id, *email, *region_id, *currency_code;
	const char *tax_rate;                 /* decimal text, compared as FLOAT */
	const char *created_at[ORDER_DATE_OPS], *updated_at[ORDER_DATE_OPS], *canceled_at[ORDER_DATE_OPS];
	const char *q;                        /* Medusa's search; needs a shipping address */
};

/*
 * Lists the orders matching f, newest first (created_at, then id), skipping
 * offset and returning at most limit rows, with the number of all matching
 * orders in *count. STORE_OK, STORE_UNAVAILABLE or STORE_ERROR.
 */
enum store_rc order_store_list(struct db *db, struct arena *a, const struct order_filter *f, long long limit,
			       long long offset, struct order **out, size_t *n, long long *count);

/* One order by id, by cart id, or (display_id, email): *out NULL when there is none. */
enum store_rc order_store_by_id(struct db *db, struct arena *a, const char *id, struct order **out);
enum store_rc order_store_by_cart(struct db *db, struct arena *a, const char *cart_id, struct order **out);
/* Orders with this display_id and exactly this email (Medusa's lookup): *n of them. */
enum store_rc order_store_lookup(struct db *db, struct arena *a, long long display_id, const char *email,
				 struct order **out, size_t *n);

/* Column tables of the relations, in Medusa's key order (rowjson writes them). */
#define ORDER_CUSTOMER_NCOLS 11   /* id ... metadata: the bare Customer entity */
extern const struct rowj_col order_customer_cols[ORDER_CUSTOMER_NCOLS];
#define ORDER_ITEM_NCOLS 24       /* LineItem: id ... metadata */
extern const struct rowj_col order_item_cols[ORDER_ITEM_NCOLS];
#define ORDER_VARIANT_NCOLS 23    /* ProductVariant: id ... metadata */
extern const struct rowj_col order_variant_cols[ORDER_VARIANT_NCOLS];
#define ORDER_TAX_LINE_NCOLS 8    /* id, created_at, updated_at, rate, name, code, metadata, owner id */
extern const struct rowj_col order_item_tax_cols[ORDER_TAX_LINE_NCOLS];
extern const struct rowj_col order_method_tax_cols[ORDER_TAX_LINE_NCOLS];
#define ORDER_METHOD_NCOLS 9      /* ShippingMethod: id ... data */
extern const struct rowj_col order_method_cols[ORDER_METHOD_NCOLS];
#define ORDER_PAYMENT_NCOLS 15    /* Payment: id ... idempotency_key */
extern const struct rowj_col order_payment_cols[ORDER_PAYMENT_NCOLS];
/* Column indexes used by the totals. */
enum { OI_ID = 0, OI_UNIT_PRICE = 17, OI_QUANTITY = 19, OI_RETURNED = 21 };
enum { OM_ID = 0, OM_PRICE = 7 };
enum { OP_AMOUNT = 6 };

/*
 * Everything an order answer shows beside its columns. Rows: customer (0/1,
 * ORDER_CUSTOMER_NCOLS), region (0/1, REGION_NCOLS), items (ORDER_ITEM_NCOLS then
 * ORDER_VARIANT_NCOLS cells, all NULL without a variant; by creation), item_tax
 * and method_tax (ORDER_TAX_LINE_NCOLS, grouped by owner in owner order),
 * methods (ORDER_METHOD_NCOLS then SHIPPING_OPTION_NCOLS cells), payments.
 */
struct order_rel {
	struct db_rows customer, region, items, item_tax, methods, method_tax, payments;
	/* products: the items' products (ORDER_PRODUCT_NCOLS), profiles: product_id then
	 * ORDER_PROFILE_NCOLS cells; loaded only by order_store_products */
	struct db_rows products, profiles;
};
enum store_rc order_store_relations(struct db *db, struct arena *a, const struct order *o, struct order_rel *rel);
/* Only rel->items (the raw rows the /store/auth customer's orders list). */
enum store_rc order_store_items(struct db *db, struct arena *a, const struct order *o, struct order_rel *rel);
#define ORDER_PRODUCT_NCOLS 24    /* Product: id ... metadata */
extern const struct rowj_col order_product_cols[ORDER_PRODUCT_NCOLS];
#define ORDER_PROFILE_NCOLS 7     /* ShippingProfile: id, created_at, updated_at, deleted_at, name, type, metadata */
extern const struct rowj_col order_profile_cols[ORDER_PROFILE_NCOLS];
/* The products of the order's items with their shipping profiles (rel->products, rel->profiles). */
enum store_rc order_store_products(struct db *db, struct arena *a, const struct order *o, struct order_rel *rel);

/* ---- completing a cart (run inside one transaction; each returns the statement's db_rc) ---- */

/*
 * A persisted tax line of an item (method 0) or a shipping method (method 1); its id is the next
 * ULID after ulid (which is advanced), so lines written with one series read back in order.
 */
enum db_rc order_store_tax_line(struct db *db, struct arena *a, int method, char ulid[ULID_LEN + 1],
				const char *owner_id, const char *rate, const char *name, const char *code, const char *now);

/*
 * Takes quantity units of a variant's stock (Medusa without an inventory module:
 * confirmInventory, then reserveQuantity). A variant that does not manage its
 * inventory is left alone; one that allows backorders may go below 0; otherwise
 * *ok = 0 when fewer than quantity are in stock (nothing changed). The row lock
 * of the UPDATE serialises carts racing for the same units.
 */
enum db_rc order_store_take_stock(struct db *db, struct arena *a, const char *variant_id, long long quantity,
				  const char *now, int *ok);

/* The manual provider's authorization: the session authorized, a payment row for the cart. */
enum db_rc order_store_authorize(struct db *db, struct arena *a, const char *session_id, const char *payment_id,
				 const char *cart_id, long long amount, const char *currency_code,
				 const char *provider_id, const char *now);

struct order_new {
	const char *id, *cart_id, *customer_id, *email, *billing_address_id, *shipping_address_id, *region_id,
		*currency_code, *sales_channel_id, *payment_id; /* payment_id NULL: none (total 0) */
	const char *payment_status;
};
/* The order row (next display_id), the cart's items, methods and payment moved onto it, the cart completed. */
enum db_rc order_store_create(struct db *db, struct arena *a, const struct order_new *o, const char *now);

/* The order claim (POST /store/orders/customer/confirm): the order passes to customer_id with its email. */
enum store_rc order_store_claim(struct db *db, struct arena *a, const char *order_id, const char *customer_id,
				const char *email, const char *now);

/*
 * stock_version + 1 (migration 030): every worker re-reads its snapshot's stock, and only that,
 * so product answers show the new inventory_quantity (sql/product_store.h).
 */
enum db_rc order_store_bump_stock(struct db *db, struct arena *a);
#endif
