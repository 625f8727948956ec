/*
 * order_store: the customer's orders (table `order`, migration 003). Read
 * only for now: orders are written by the cart flow, which does not exist
 * yet. Knows nothing of HTTP or of the query string: the caller hands in an
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
#endif
