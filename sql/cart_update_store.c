/*
 * cart_update_store: see cart_update_store.h. Every statement is a string literal here. The
 * writes of one update run in one db_transaction: inside the request transaction that is a
 * savepoint, so a write that fails takes the update's earlier writes with it.
 */
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "sql/cart_update_store.h"
#include "sql/region_store.h"

static const char SQL_ADDRESS[] =
	"SELECT id, customer_id, country_code FROM address WHERE id = ? AND deleted_at IS NULL";
static const char SQL_COUNTRY[] = "SELECT 1 FROM country WHERE iso_2 = ?";
static const char SQL_GUEST[] =
	"SELECT id FROM customer WHERE email_live = ? AND has_account = 0";
/* after a duplicate key the other request's row is committed: a locking read sees it */
static const char SQL_GUEST_LOCK[] =
	"SELECT id FROM customer WHERE email_live = ? AND has_account = 0 FOR UPDATE";
static const char SQL_INSERT_GUEST[] =
	"INSERT INTO customer (id, email, has_account, created_at, updated_at) VALUES (?, ?, 0, ?, ?)";
static const char SQL_INSERT_EVENT[] = "INSERT INTO event_outbox (event, data, created_at) VALUES (?, ?, ?)";
static const char SQL_ITEMS_OUTSIDE[] =
	"SELECT li.id FROM line_item li JOIN product_variant v ON v.id = li.variant_id AND v.deleted_at IS NULL "
	"WHERE li.cart_id = ? AND NOT EXISTS (SELECT 1 FROM product_sales_channel p "
	"WHERE p.product_id = v.product_id AND p.sales_channel_id = ?) ORDER BY li.created_at, li.id";
static const char SQL_DISCOUNT[] =
	"SELECT d.code, d.is_disabled, d.starts_at > ?, d.ends_at IS NOT NULL AND d.ends_at < ?, "
	"d.usage_limit IS NOT NULL AND d.usage_count >= d.usage_limit, "
	"EXISTS (SELECT 1 FROM discount_regions r WHERE r.discount_id = d.id AND r.region_id = ?) "
	"FROM discount d WHERE d.code_live = ?";
static const char SQL_GIFT_CARD[] =
	"SELECT id, is_disabled, region_id FROM gift_card WHERE code_live = ?";
static const char SQL_INSERT_ADDRESS[] =
	"INSERT INTO address (id, customer_id, company, first_name, last_name, address_1, address_2, city, "
	"country_code, province, postal_code, phone, metadata, created_at, updated_at) "
	"VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/*
 * The keys a patch has, each with a flag "given"; updated_at is assigned first (MariaDB
 * evaluates SET left to right) and moves only if a given value differs.
 */
#define AF_SAME(col) "(NOT ? OR " col " <=> ?)"
#define AF_SET(col) col " = IF(?, ?, " col ")"
static const char SQL_UPDATE_ADDRESS[] =
	"UPDATE address SET updated_at = IF(" AF_SAME("company") " AND " AF_SAME("first_name") " AND "
	AF_SAME("last_name") " AND " AF_SAME("address_1") " AND " AF_SAME("address_2") " AND " AF_SAME("city")
	" AND " AF_SAME("country_code") " AND " AF_SAME("province") " AND " AF_SAME("postal_code") " AND "
	AF_SAME("phone") " AND " AF_SAME("metadata") ", updated_at, ?), "
	AF_SET("company") ", " AF_SET("first_name") ", " AF_SET("last_name") ", " AF_SET("address_1") ", "
	AF_SET("address_2") ", " AF_SET("city") ", " AF_SET("country_code") ", " AF_SET("province") ", "
	AF_SET("postal_code") ", " AF_SET("phone") ", " AF_SET("metadata")
	" WHERE id = ? AND customer_id IS NULL";
static const char SQL_REPRICE_ITEM[] =
	"UPDATE line_item SET updated_at = IF(unit_price = ? AND has_shipping <=> 0, updated_at, ?), "
	"unit_price = ?, has_shipping = 0 WHERE id = ? AND cart_id = ?";
static const char SQL_DELETE_ITEM[] = "DELETE FROM line_item WHERE id = ? AND cart_id = ?";
static const char SQL_DELETE_METHODS[] = "DELETE FROM shipping_method WHERE cart_id = ? AND order_id IS NULL";
static const char SQL_DELETE_SESSIONS[] = "DELETE FROM payment_session WHERE cart_id = ?";
#define CART_SAME(col) col " <=> ?"
static const char SQL_UPDATE_CART[] =
	"UPDATE cart SET updated_at = IF(" CART_SAME("email") " AND " CART_SAME("customer_id") " AND "
	CART_SAME("region_id") " AND " CART_SAME("billing_address_id") " AND " CART_SAME("shipping_address_id")
	" AND " CART_SAME("sales_channel_id") " AND " CART_SAME("context") ", updated_at, ?), "
	"email = ?, customer_id = ?, region_id = ?, billing_address_id = ?, shipping_address_id = ?, "
	"sales_channel_id = ?, context = ? WHERE id = ?";

/* One read statement with one or two string parameters. */
static enum store_rc read1(struct db *db, struct arena *a, const char *sql, const char *p0, const char *p1,
			   struct db_rows *rows)
{
	struct db_param p[2] = { db_str(p0), db_str(p1) };
	return store_rc_of(db_exec(db, a, sql, p, p1 ? 2 : 1, rows, NULL));
}

enum store_rc cart_update_store_address(struct db *db, struct arena *a, const char *id, struct db_rows *rows)
{
	return read1(db, a, SQL_ADDRESS, id, NULL, rows);
}

enum store_rc cart_update_store_country(struct db *db, struct arena *a, const char *iso_2, int *exists)
{
	struct db_rows rows;
	enum store_rc rc = read1(db, a, SQL_COUNTRY, iso_2, NULL, &rows);
	*exists = rc == STORE_OK && rows.nrows > 0;
	return rc;
}

enum store_rc cart_update_store_guest(struct db *db, struct arena *a, const char *email, const char **id)
{
	struct db_rows rows;
	enum store_rc rc = read1(db, a, SQL_GUEST, email, NULL, &rows);
	*id = rc == STORE_OK && rows.nrows ? db_cell(&rows, 0, 0) : NULL;
	return rc;
}

enum store_rc cart_update_store_items_outside(struct db *db, struct arena *a, const char *cart_id,
					      const char *channel_id, struct db_rows *rows)
{
	return read1(db, a, SQL_ITEMS_OUTSIDE, cart_id, channel_id, rows);
}

enum store_rc cart_update_store_discount(struct db *db, struct arena *a, const char *code, const char *now,
					 const char *region_id, struct db_rows *rows)
{
	struct db_param p[4] = { db_str(now), db_str(now), db_str(region_id), db_str(code) };
	return store_rc_of(db_exec(db, a, SQL_DISCOUNT, p, 4, rows, NULL));
}

enum store_rc cart_update_store_gift_card(struct db *db, struct arena *a, const char *code, struct db_rows *rows)
{
	return read1(db, a, SQL_GIFT_CARD, code, NULL, rows);
}

struct apply_ctx {
	struct arena *a;
	const struct cart_update *u;
	const char *customer_id, *billing_id, *shipping_id;
};

/* The guest customer of u->guest_email: the one there is, else a new one with its event. */
static enum db_rc guest(struct db *db, struct apply_ctx *x)
{
	const struct cart_update *u = x->u;
	struct db_rows rows;
	struct db_param e[1] = { db_str(u->guest_email) };
	/* the caller's read (cart_update_store_guest, same transaction and read view) found it */
	if (u->guest_found_id) {
		x->customer_id = u->guest_found_id;
		return DB_OK;
	}
	struct db_param p[4] = { db_str(u->guest_new_id), db_str(u->guest_email), db_str(u->now), db_str(u->now) };
	enum db_rc rc = db_exec(db, x->a, SQL_INSERT_GUEST, p, 4, NULL, NULL);
	if (rc == DB_DUPLICATE) {
		/* another request made this guest meanwhile: use theirs */
		if ((rc = db_exec(db, x->a, SQL_GUEST_LOCK, e, 1, &rows, NULL)) != DB_OK)
			return rc;
		if (!rows.nrows)
			return DB_RETRY;
		x->customer_id = db_cell(&rows, 0, 0);
		return DB_OK;
	}
	if (rc != DB_OK)
		return rc;
	x->customer_id = u->guest_new_id;
	struct buf d = BUF_INIT;
	buf_init(&d);
	buf_adds(&d, "{\"id\":");
	json_w_strz(&d, u->guest_new_id);
	buf_addc(&d, '}');
	struct db_param ev[3] = { db_str("customer.created"), db_strn(d.data, d.len), db_str(u->now) };
	rc = db_exec(db, x->a, SQL_INSERT_EVENT, ev, 3, NULL, NULL);
	buf_release(&d);
	return rc;
}

/* Fields in the column order of the address statements above. */
static const enum address_field addr_order[] = {
	AF_COMPANY, AF_FIRST_NAME, AF_LAST_NAME, AF_ADDRESS_1, AF_ADDRESS_2, AF_CITY,
	AF_COUNTRY_CODE, AF_PROVINCE, AF_POSTAL_CODE, AF_PHONE, AF_METADATA,
};
#define ADDR_NF (sizeof(addr_order) / sizeof(addr_order[0]))

/* Applies one address decision; *id is the cart's address id afterwards. */
static enum db_rc address(struct db *db, struct apply_ctx *x, const struct cu_addr *ad, const char **id)
{
	const struct address_patch *ap = &ad->patch;
	switch (ad->kind) {
	case CU_ADDR_KEEP:
		return DB_OK;
	case CU_ADDR_UNLINK:
		*id = NULL;
		return DB_OK;
	case CU_ADDR_LINK:
		*id = ad->id;
		return DB_OK;
	case CU_ADDR_INSERT: {
		struct db_param p[ADDR_NF + 3];
		unsigned k = 0;
		p[k++] = db_str(ad->id);
		for (size_t i = 0; i < ADDR_NF; i++)
			p[k++] = db_str(ap->set & (1u << addr_order[i]) ? ap->v[addr_order[i]] : NULL);
		p[k++] = db_str(x->u->now);
		p[k++] = db_str(x->u->now);
		*id = ad->id;
		return db_exec(db, x->a, SQL_INSERT_ADDRESS, p, k, NULL, NULL);
	}
	case CU_ADDR_UPDATE: {
		struct db_param p[4 * ADDR_NF + 2];
		unsigned k = 0;
		for (size_t i = 0; i < ADDR_NF; i++) {
			int given = (ap->set & (1u << addr_order[i])) != 0;
			p[k++] = db_int(given);
			p[k++] = db_str(given ? ap->v[addr_order[i]] : NULL);
		}
		p[k++] = db_str(x->u->now);
		for (size_t i = 0; i < ADDR_NF; i++) {
			int given = (ap->set & (1u << addr_order[i])) != 0;
			p[k++] = db_int(given);
			p[k++] = db_str(given ? ap->v[addr_order[i]] : NULL);
		}
		p[k++] = db_str(ad->id);
		*id = ad->id;
		return db_exec(db, x->a, SQL_UPDATE_ADDRESS, p, k, NULL, NULL);
	}
	}
	return DB_ERROR;
}

static enum db_rc apply_work(struct db *db, void *vctx)
{
	struct apply_ctx *x = vctx;
	const struct cart_update *u = x->u;
	enum db_rc rc;
	x->customer_id = u->customer_id;
	x->billing_id = u->billing_id;
	x->shipping_id = u->shipping_id;
	if (u->guest_email && (rc = guest(db, x)) != DB_OK)
		return rc;
	if ((rc = address(db, x, &u->billing, &x->billing_id)) != DB_OK)
		return rc;
	if ((rc = address(db, x, &u->shipping, &x->shipping_id)) != DB_OK)
		return rc;
	for (size_t i = 0; i < u->n_items; i++) {
		const struct cu_item *it = &u->items[i];
		if (it->remove) {
			struct db_param p[2] = { db_str(it->id), db_str(u->cart_id) };
			rc = db_exec(db, x->a, SQL_DELETE_ITEM, p, 2, NULL, NULL);
		} else {
			struct db_param p[5] = { db_int(it->unit_price), db_str(u->now), db_int(it->unit_price),
						 db_str(it->id), db_str(u->cart_id) };
			rc = db_exec(db, x->a, SQL_REPRICE_ITEM, p, 5, NULL, NULL);
		}
		if (rc != DB_OK)
			return rc;
	}
	struct db_param c[1] = { db_str(u->cart_id) };
	if (u->drop_methods && (rc = db_exec(db, x->a, SQL_DELETE_METHODS, c, 1, NULL, NULL)) != DB_OK)
		return rc;
	if (u->drop_sessions && (rc = db_exec(db, x->a, SQL_DELETE_SESSIONS, c, 1, NULL, NULL)) != DB_OK)
		return rc;
	const char *v[7] = { u->email, x->customer_id, u->region_id, x->billing_id, x->shipping_id,
			     u->sales_channel_id, u->context_json };
	struct db_param p[16];
	unsigned k = 0;
	for (int i = 0; i < 7; i++)
		p[k++] = db_str(v[i]);
	p[k++] = db_str(u->now);
	for (int i = 0; i < 7; i++)
		p[k++] = db_str(v[i]);
	p[k++] = db_str(u->cart_id);
	return db_exec(db, x->a, SQL_UPDATE_CART, p, k, NULL, NULL);
}

enum store_rc cart_update_store_apply(struct db *db, struct arena *a, const struct cart_update *u)
{
	struct apply_ctx x = { a, u, NULL, NULL, NULL };
	enum db_rc rc = db_transaction(db, apply_work, &x);
	/* the route checked every country it writes; a foreign key failure is one deleted meanwhile */
	if (rc == DB_FK)
		return STORE_NO_COUNTRY;
	return store_rc_of(rc);
}
