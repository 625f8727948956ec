/*
 * cart_store: see cart_store.h. Every statement is a string literal here; the write runs under
 * db_transaction, so inside a request transaction it is a savepoint of the request's one COMMIT.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/tagged_rows.h"
#include "common/ulid.h"
#include "sql/cart_read_sql.h"
#include "sql/cart_store.h"
#include "sql/region_store.h"

const struct rowj_col cart_cols[CART_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "email", RJ_STR }, { "billing_address_id", RJ_STR }, { "shipping_address_id", RJ_STR },
	{ "region_id", RJ_STR }, { "customer_id", RJ_STR }, { "payment_id", RJ_STR }, { "type", RJ_STR },
	{ "completed_at", RJ_TIME }, { "payment_authorized_at", RJ_TIME }, { "idempotency_key", RJ_STR },
	{ "context", RJ_JSONB }, { "metadata", RJ_JSONB }, { "sales_channel_id", RJ_STR },
};
const struct rowj_col cart_address_cols[CART_ADDRESS_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "customer_id", RJ_STR }, { "company", RJ_STR }, { "first_name", RJ_STR }, { "last_name", RJ_STR },
	{ "address_1", RJ_STR }, { "address_2", RJ_STR }, { "city", RJ_STR }, { "country_code", RJ_STR },
	{ "province", RJ_STR }, { "postal_code", RJ_STR }, { "phone", RJ_STR }, { "metadata", RJ_JSONB },
};
const struct rowj_col sales_channel_cols[SALES_CHANNEL_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "name", RJ_STR }, { "description", RJ_STR }, { "is_disabled", RJ_BOOL }, { "metadata", RJ_JSONB },
};
const struct rowj_col tax_rate_cols[TAX_RATE_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "rate", RJ_NUM },
	{ "code", RJ_STR }, { "name", RJ_STR }, { "region_id", RJ_STR }, { "metadata", RJ_JSONB },
};

const struct rowj_col line_item_cols[LINE_ITEM_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "cart_id", RJ_STR },
	{ "order_id", RJ_STR }, { "swap_id", RJ_STR }, { "claim_order_id", RJ_STR }, { "original_item_id", RJ_STR },
	{ "order_edit_id", RJ_STR }, { "title", RJ_STR }, { "description", RJ_STR }, { "thumbnail", RJ_STR },
	{ "is_return", RJ_BOOL }, { "is_giftcard", RJ_BOOL }, { "should_merge", RJ_BOOL },
	{ "allow_discounts", RJ_BOOL }, { "has_shipping", RJ_BOOL }, { "unit_price", RJ_INT }, { "variant_id", RJ_STR },
	{ "quantity", RJ_INT }, { "fulfilled_quantity", RJ_INT }, { "returned_quantity", RJ_INT },
	{ "shipped_quantity", RJ_INT }, { "metadata", RJ_JSONB },
};
const struct rowj_col shipping_method_cols[SHIPPING_METHOD_NCOLS] = {
	{ "id", RJ_STR }, { "shipping_option_id", RJ_STR }, { "order_id", RJ_STR }, { "claim_order_id", RJ_STR },
	{ "cart_id", RJ_STR }, { "swap_id", RJ_STR }, { "return_id", RJ_STR }, { "price", RJ_INT }, { "data", RJ_JSONB },
};
const struct rowj_col payment_session_cols[PAYMENT_SESSION_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "cart_id", RJ_STR },
	{ "provider_id", RJ_STR }, { "is_selected", RJ_BOOL }, { "is_initiated", RJ_BOOL }, { "status", RJ_STR },
	{ "data", RJ_JSONB }, { "idempotency_key", RJ_STR }, { "amount", RJ_INT }, { "payment_authorized_at", RJ_TIME },
};
const struct rowj_col payment_cols[PAYMENT_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "swap_id", RJ_STR },
	{ "cart_id", RJ_STR }, { "order_id", RJ_STR }, { "amount", RJ_INT }, { "currency_code", RJ_STR },
	{ "amount_refunded", RJ_INT }, { "provider_id", RJ_STR }, { "data", RJ_JSONB }, { "captured_at", RJ_TIME },
	{ "canceled_at", RJ_TIME }, { "metadata", RJ_JSONB }, { "idempotency_key", RJ_STR },
};
const struct rowj_col cart_customer_cols[CART_CUSTOMER_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "email", RJ_STR }, { "first_name", RJ_STR }, { "last_name", RJ_STR }, { "billing_address_id", RJ_STR },
	{ "phone", RJ_STR }, { "has_account", RJ_BOOL }, { "metadata", RJ_JSONB },
};

/*
 * The cart read: one UNION ALL of tagged rows (column 0 the kind, then the relation's columns padded
 * with NULLs to the widest, the cart's). Kind 0: the cart with its addresses, sales channel,
 * payment, customer and the catalogue and stock versions; 1: line items; 2: shipping methods with their
 * options; 3: payment sessions. MariaDB streams a UNION ALL without ORDER BY (no temporary table)
 * and ignores a branch's ORDER BY, so the rows are put in order here (common/tagged_rows.h). Measured
 * (mariadbd CPU per read of the bench cart, one client, best of 8 runs on the shared machine): 198 us
 * against 247 us for the five separate SELECTs it replaces, and one round trip instead of five; the
 * versions as joined const rows (not scalar subqueries: each its own optimizer pass) saved about 15%;
 * payment and customer as branches of their own instead of joined columns cost more than the
 * narrower rows saved; a JSON_ARRAYAGG form made six on-disk temporary tables per read (its
 * ORDER BY with LONGTEXT cells) and cost five times more.
 */
/* the width of a cart read row after its kind: cart, 2 addresses, channel, payment, customer, 2 versions */
#define CART_READ_W (CART_NCOLS + 2 * CART_ADDRESS_NCOLS + SALES_CHANNEL_NCOLS + PAYMENT_NCOLS + CART_CUSTOMER_NCOLS + 2)
static const char SQL_CART_READ[] = CART_READ_SQL;
enum { READ_CART, READ_ITEMS, READ_METHODS, READ_SESSIONS, READ_KINDS };
/* per kind: its width and the columns it is ordered by (the ORDER BY of a single-relation read) */
static const struct tagged_kind read_kinds[READ_KINDS] = {
	[READ_CART] = { CART_READ_W, 0, { 0 } },
	[READ_ITEMS] = { LINE_ITEM_NCOLS, 2, { 1, 0 } },                          /* created_at, id */
	[READ_METHODS] = { SHIPPING_METHOD_NCOLS + SHIPPING_OPTION_NCOLS, 1, { 0 } }, /* id */
	[READ_SESSIONS] = { PAYMENT_SESSION_NCOLS, 2, { 1, 0 } },                 /* created_at, id */
};
/* persisted tax lines of items (kind 0) and methods (1): owner, rate, name, code, created_at, id */
static const char SQL_TAX_LINES[] =
	"SELECT 0, l.item_id, l.rate, l.name, l.code, l.created_at, l.id FROM line_item_tax_line l "
	"JOIN line_item i ON i.id = l.item_id WHERE i.cart_id = ? "
	"UNION ALL SELECT 1, l.shipping_method_id, l.rate, l.name, l.code, l.created_at, l.id "
	"FROM shipping_method_tax_line l JOIN shipping_method m ON m.id = l.shipping_method_id WHERE m.cart_id = ?";
static const struct tagged_kind line_kinds[2] = { { 6, 3, { 0, 4, 5 } }, { 6, 3, { 0, 4, 5 } } };
static const char SQL_TAX_RATES[] =
	"SELECT id, created_at, updated_at, rate, code, name, region_id, metadata FROM tax_rate "
	"WHERE region_id = ? ORDER BY created_at, id";
static const char SQL_INSERT_ADDRESS[] = "INSERT INTO address (id, country_code) VALUES (?, ?)";
static const char SQL_INSERT_CART[] =
	"INSERT INTO cart (id, email, shipping_address_id, region_id, customer_id, context, sales_channel_id) "
	"VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_COUNTRY_IN_REGION[] = "SELECT 1 FROM country WHERE iso_2 = ? AND region_id = ?";
static const char SQL_CUSTOMER_EMAIL[] = "SELECT email FROM customer WHERE id = ? AND deleted_at IS NULL";
static const char SQL_CHANNEL[] =
	"SELECT name, is_disabled FROM sales_channel WHERE id = ? AND deleted_at IS NULL";
static const char SQL_KEY_CHANNELS[] =
	"SELECT k.id, s.sales_channel_id FROM publishable_api_key k "
	"LEFT JOIN publishable_api_key_sales_channel s ON s.publishable_api_key_id = k.id "
	"WHERE k.id = ? AND k.revoked_at IS NULL ORDER BY s.sales_channel_id";

/*
 * The cart row FOR UPDATE and, when it is there, a write every writer of the cart makes: the lock
 * for Galera (migration 023 says why). One statement: affected rows 1 (first write) or 2, 0 when
 * there is no such live cart (then nothing is written).
 */
static const char SQL_LOCK[] =
	"INSERT INTO cart_lock (cart_id, n) SELECT id, 1 FROM cart WHERE id = ? AND deleted_at IS NULL FOR UPDATE "
	"ON DUPLICATE KEY UPDATE n = n + 1";
static const char SQL_ITEMS[] =
	"SELECT id, created_at, updated_at, cart_id, order_id, swap_id, claim_order_id, original_item_id, "
	"order_edit_id, title, description, thumbnail, is_return, is_giftcard, should_merge, allow_discounts, "
	"has_shipping, unit_price, variant_id, quantity, fulfilled_quantity, returned_quantity, shipped_quantity, "
	"metadata FROM line_item WHERE cart_id = ? ORDER BY created_at, id";
static const char SQL_METHOD_RATES[] =
	"SELECT m.id, t.rate, t.name, t.code FROM shipping_method m "
	"JOIN shipping_tax_rate s ON s.shipping_option_id = m.shipping_option_id "
	"JOIN tax_rate t ON t.id = s.rate_id WHERE m.cart_id = ? ORDER BY m.id, s.created_at, t.id";
static const char SQL_SESSIONS[] =
	"SELECT id, created_at, updated_at, cart_id, provider_id, is_selected, is_initiated, status, data, "
	"idempotency_key, amount, payment_authorized_at FROM payment_session WHERE cart_id = ? ORDER BY created_at, id";

static const char SQL_SET_CUSTOMER[] =
	"UPDATE cart c JOIN customer u ON u.id = ? SET c.customer_id = u.id, c.email = u.email, "
	"c.updated_at = CURRENT_TIMESTAMP(3) WHERE c.id = ?";

/* One read statement with one or two string parameters. */
static enum store_rc read1(struct db *db, struct arena *a, const char *sql, const char *p0, const char *p1,
			   struct db_rows *rows)
{
	struct db_param p[2] = { db_str(p0), db_str(p1) };
	return store_rc_of(db_exec(db, a, sql, p, p1 ? 2 : 1, rows, NULL));
}

struct create_ctx {
	struct arena *a;
	const struct cart_new *c;
	char addr_id[64];
};

static enum db_rc create_work(struct db *db, void *vctx)
{
	struct create_ctx *x = vctx;
	const struct cart_new *c = x->c;
	enum db_rc rc;
	if (c->shipping_country) {
		struct db_param p[2] = { db_str(x->addr_id), db_str(c->shipping_country) };
		if ((rc = db_exec(db, x->a, SQL_INSERT_ADDRESS, p, 2, NULL, NULL)) != DB_OK)
			return rc;
	}
	struct db_param p[7] = {
		db_str(c->id), db_str(c->email), db_str(c->shipping_country ? x->addr_id : NULL),
		db_str(c->region_id), db_str(c->customer_id), db_str(c->context_json), db_str(c->sales_channel_id),
	};
	return db_exec(db, x->a, SQL_INSERT_CART, p, 7, NULL, NULL);
}

enum store_rc cart_store_create(struct db *db, struct arena *a, const struct cart_new *c)
{
	struct create_ctx x = { a, c, { 0 } };
	if (c->shipping_country && ulid_id("addr", x.addr_id, sizeof(x.addr_id)) != 0)
		return STORE_ERROR;
	return store_rc_of(db_transaction(db, create_work, &x));
}

enum store_rc cart_store_read(struct db *db, struct arena *a, const char *id, struct cart_rows *out)
{
	memset(out, 0, sizeof(*out));
	struct db_param p[4] = { db_str(id), db_str(id), db_str(id), db_str(id) };
	struct db_rows all, part[READ_KINDS];
	enum store_rc rc = store_rc_of(db_exec(db, a, SQL_CART_READ, p, 4, &all, NULL));
	if (rc != STORE_OK)
		return rc;
	if (tagged_split(a, &all, read_kinds, READ_KINDS, part) != 0) {
		log_error("cart read: a result of %u columns is not the tagged rows expected", all.ncols);
		return STORE_ERROR;
	}
	if (!part[READ_CART].nrows)
		return STORE_OK; /* no such live cart: the other rows (a deleted cart's) are not shown */
	/* one row, split: each part is a db_rows of its own columns (0 rows when the join found none) */
	char **c = part[READ_CART].cells;
	struct { unsigned n; struct db_rows *to; } parts[] = {
		{ CART_NCOLS, &out->v.cart }, { CART_ADDRESS_NCOLS, &out->v.billing },
		{ CART_ADDRESS_NCOLS, &out->v.shipping }, { SALES_CHANNEL_NCOLS, &out->v.channel },
		{ PAYMENT_NCOLS, &out->payment }, { CART_CUSTOMER_NCOLS, &out->customer },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		/* the cart row itself always; a joined row when its id (first column) is there */
		*parts[i].to = (struct db_rows){ parts[i].n, i == 0 || c[0] != NULL, c };
		c += parts[i].n;
	}
	out->catalogue_version = c[0] ? strtoll(c[0], NULL, 10) : 0;
	out->stock_version = c[1] ? strtoll(c[1], NULL, 10) : 0;
	out->items = part[READ_ITEMS];
	out->methods = part[READ_METHODS];
	out->sessions = part[READ_SESSIONS];
	return STORE_OK;
}

enum store_rc cart_store_tax_rows(struct db *db, struct arena *a, const char *cart_id, int taxed,
				  struct db_rows *items, struct db_rows *methods)
{
	*items = *methods = (struct db_rows){ 0, 0, NULL };
	if (taxed)
		return read1(db, a, SQL_METHOD_RATES, cart_id, NULL, methods);
	struct db_rows all, part[2];
	enum store_rc rc = read1(db, a, SQL_TAX_LINES, cart_id, cart_id, &all);
	if (rc != STORE_OK)
		return rc;
	if (tagged_split(a, &all, line_kinds, 2, part) != 0) {
		log_error("cart tax lines: a result of %u columns is not the tagged rows expected", all.ncols);
		return STORE_ERROR;
	}
	*items = part[0];
	*methods = part[1];
	return STORE_OK;
}

enum store_rc cart_store_country_in_region(struct db *db, struct arena *a, const char *region_id,
					   const char *iso_2, int *in_region)
{
	struct db_rows rows;
	enum store_rc rc = read1(db, a, SQL_COUNTRY_IN_REGION, iso_2, region_id, &rows);
	*in_region = rc == STORE_OK && rows.nrows > 0;
	return rc;
}

enum store_rc cart_store_customer_email(struct db *db, struct arena *a, const char *customer_id,
					const char **email)
{
	struct db_rows rows;
	enum store_rc rc = read1(db, a, SQL_CUSTOMER_EMAIL, customer_id, NULL, &rows);
	*email = rc == STORE_OK && rows.nrows ? db_cell(&rows, 0, 0) : NULL;
	return rc;
}

enum store_rc cart_store_channel(struct db *db, struct arena *a, const char *id, struct db_rows *rows)
{
	return read1(db, a, SQL_CHANNEL, id, NULL, rows);
}

enum store_rc cart_store_key_channels(struct db *db, struct arena *a, const char *key, struct db_rows *rows)
{
	return read1(db, a, SQL_KEY_CHANNELS, key, NULL, rows);
}

struct lock_ctx {
	struct arena *a;
	const char *id;
	unsigned long long affected;
};

static enum db_rc lock_work(struct db *db, void *vctx)
{
	struct lock_ctx *x = vctx;
	struct db_param p = db_str(x->id);
	return db_exec(db, x->a, SQL_LOCK, &p, 1, NULL, &x->affected);
}

enum store_rc cart_store_lock(struct db *db, struct arena *a, const char *id, int *found)
{
	/* a work function: inside the request transaction it opens the transaction, so the lock holds to COMMIT */
	struct lock_ctx x = { a, id, 0 };
	enum store_rc rc = store_rc_of(db_transaction(db, lock_work, &x));
	*found = rc == STORE_OK && x.affected > 0;
	return rc;
}

enum store_rc cart_store_items(struct db *db, struct arena *a, const char *cart_id, struct db_rows *rows)
{
	return read1(db, a, SQL_ITEMS, cart_id, NULL, rows);
}

enum store_rc cart_store_sessions(struct db *db, struct arena *a, const char *cart_id, struct db_rows *rows)
{
	return read1(db, a, SQL_SESSIONS, cart_id, NULL, rows);
}

enum store_rc cart_store_set_customer(struct db *db, struct arena *a, const char *cart_id, const char *customer_id)
{
	struct db_param p[2] = { db_str(customer_id), db_str(cart_id) };
	return store_rc_of(db_exec(db, a, SQL_SET_CUSTOMER, p, 2, NULL, NULL));
}

enum store_rc cart_store_region_rates(struct db *db, struct arena *a, const char *region_id, struct db_rows *rows)
{
	return read1(db, a, SQL_TAX_RATES, region_id, NULL, rows);
}
