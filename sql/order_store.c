/*
 * order_store: the statements about orders. One static WHERE serves every
 * filter combination: each optional filter is written "(? IS NULL OR ...)"
 * and gets its value twice, so no SQL is ever assembled at run time (and
 * MariaDB, which optimises a prepared statement per execution, folds the
 * unused branches away). The list and its count share that WHERE.
 */
#include "sql/order_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/ulid.h"

static const char *const col_names[OC_COUNT] = {
	"id", "created_at", "updated_at", "status", "fulfillment_status", "payment_status", "display_id",
	"cart_id", "customer_id", "email", "billing_address_id", "shipping_address_id", "region_id",
	"currency_code", "tax_rate", "draft_order_id", "canceled_at", "metadata", "no_notification",
	"idempotency_key", "external_id", "sales_channel_id",
};

const char *order_col_name(enum order_col c)
{
	return (unsigned)c < OC_COUNT ? col_names[c] : "";
}

#define DATE_FILTERS(col) \
	"AND (? IS NULL OR " col " < ?) AND (? IS NULL OR " col " > ?) " \
	"AND (? IS NULL OR " col " >= ?) AND (? IS NULL OR " col " <= ?) "

/*
 * Medusa's q: an inner join on the shipping address and the customer, then
 * ILIKE '%q%' on shipping first name, order email, customer names and phone,
 * and display_id::varchar ILIKE q (no wildcards added). With q, Medusa drops
 * the display_id and email filters; the caller passes NULL for those.
 */
#define ORDER_WHERE \
	"WHERE o.customer_id = ? " \
	"AND (? IS NULL OR o.id = ?) " \
	"AND (? IS NULL OR FIND_IN_SET(o.status, ?) > 0) " \
	"AND (? IS NULL OR FIND_IN_SET(o.fulfillment_status, ?) > 0) " \
	"AND (? IS NULL OR FIND_IN_SET(o.payment_status, ?) > 0) " \
	"AND (? IS NULL OR o.display_id = ?) " \
	"AND (? IS NULL OR o.cart_id = ?) " \
	"AND (? IS NULL OR o.email = ?) " \
	"AND (? IS NULL OR o.region_id = ?) " \
	"AND (? IS NULL OR o.currency_code = ?) " \
	"AND (? IS NULL OR o.tax_rate = CAST(? AS FLOAT)) " \
	DATE_FILTERS("o.created_at") DATE_FILTERS("o.updated_at") DATE_FILTERS("o.canceled_at") \
	"AND (? IS NULL OR EXISTS (SELECT 1 FROM address qa JOIN customer qc ON qc.id = o.customer_id " \
	"WHERE qa.id = o.shipping_address_id AND (LOWER(qa.first_name) LIKE LOWER(?) " \
	"OR LOWER(o.email) LIKE LOWER(?) OR CAST(o.display_id AS CHAR) LIKE ? " \
	"OR LOWER(qc.first_name) LIKE LOWER(?) OR LOWER(qc.last_name) LIKE LOWER(?) " \
	"OR LOWER(qc.phone) LIKE LOWER(?)))) "

#define WHERE_PARAMS 52

#define ADDRESS_COLS(t) \
	t ".id, " t ".created_at, " t ".updated_at, " t ".deleted_at, " t ".customer_id, " t ".company, " \
	t ".first_name, " t ".last_name, " t ".address_1, " t ".address_2, " t ".city, " t ".country_code, " \
	t ".province, " t ".postal_code, " t ".phone, " t ".metadata"

/*
 * The order's addresses are its own rows (made on the cart, customer_id NULL): they are shown
 * even when soft-deleted, as Medusa's relation load does not filter them.
 */
#define ORDER_SELECT \
	"SELECT o.id, o.created_at, o.updated_at, o.status, o.fulfillment_status, o.payment_status, o.display_id, " \
	"o.cart_id, o.customer_id, o.email, o.billing_address_id, o.shipping_address_id, o.region_id, " \
	"o.currency_code, o.tax_rate, o.draft_order_id, o.canceled_at, o.metadata, o.no_notification, " \
	"o.idempotency_key, o.external_id, o.sales_channel_id, " \
	ADDRESS_COLS("sa") ", " ADDRESS_COLS("ba") " " \
	"FROM `order` o " \
	"LEFT JOIN address sa ON sa.id = o.shipping_address_id AND sa.deleted_at IS NULL " \
	"LEFT JOIN address ba ON ba.id = o.billing_address_id AND ba.deleted_at IS NULL "

static const char SQL_LIST[] = ORDER_SELECT ORDER_WHERE "ORDER BY o.created_at DESC, o.id DESC LIMIT ? OFFSET ?";
static const char SQL_BY_ID[] = ORDER_SELECT "WHERE o.id = ?";
static const char SQL_BY_CART[] = ORDER_SELECT "WHERE o.cart_id = ?";
static const char SQL_LOOKUP[] = ORDER_SELECT "WHERE o.display_id = ? AND o.email = ? LIMIT 2";

static const char SQL_COUNT[] = "SELECT COUNT(*) FROM `order` o " ORDER_WHERE;

static enum store_rc map_rc(enum db_rc rc)
{
	/* DB_RETRY here: retries exhausted, nothing applied: 503, retry later (or on another node) */
	return rc == DB_GONE || rc == DB_RETRY ? STORE_UNAVAILABLE : STORE_ERROR;
}

/* The flag/value pair of one optional filter. */
static void opt(struct db_param *p, unsigned *k, const char *v)
{
	p[(*k)++] = db_str(v);
	p[(*k)++] = db_str(v);
}

static unsigned where_params(struct arena *a, const struct order_filter *f, struct db_param *p)
{
	unsigned k = 0;
	p[k++] = db_str(f->customer_id);
	opt(p, &k, f->id);
	opt(p, &k, f->status);
	opt(p, &k, f->fulfillment_status);
	opt(p, &k, f->payment_status);
	if (f->has_display_id) {
		p[k++] = db_int(1);
		p[k++] = db_int(f->display_id);
	} else {
		opt(p, &k, NULL);
	}
	opt(p, &k, f->cart_id);
	opt(p, &k, f->email);
	opt(p, &k, f->region_id);
	opt(p, &k, f->currency_code);
	opt(p, &k, f->tax_rate);
	for (int op = 0; op < ORDER_DATE_OPS; op++)
		opt(p, &k, f->created_at[op]);
	for (int op = 0; op < ORDER_DATE_OPS; op++)
		opt(p, &k, f->updated_at[op]);
	for (int op = 0; op < ORDER_DATE_OPS; op++)
		opt(p, &k, f->canceled_at[op]);
	const char *like = f->q ? arena_printf(a, "%%%s%%", f->q) : NULL;
	p[k++] = db_str(f->q);
	p[k++] = db_str(like);
	p[k++] = db_str(like);
	p[k++] = db_str(f->q);
	p[k++] = db_str(like);
	p[k++] = db_str(like);
	p[k++] = db_str(like);
	return k;
}

static struct address *address_at(struct arena *a, const struct db_rows *r, size_t row, unsigned c0)
{
	if (!db_cell(r, row, c0))
		return NULL; /* LEFT JOIN without a (live) address */
	struct address *ad = arena_alloc(a, sizeof(*ad));
	char **f[16] = {
		&ad->id, &ad->created_at, &ad->updated_at, &ad->deleted_at, &ad->customer_id, &ad->company,
		&ad->first_name, &ad->last_name, &ad->address_1, &ad->address_2, &ad->city, &ad->country_code,
		&ad->province, &ad->postal_code, &ad->phone, &ad->metadata,
	};
	for (unsigned i = 0; i < 16; i++)
		*f[i] = db_cell(r, row, c0 + i);
	return ad;
}

static struct order *orders_of(struct arena *a, const struct db_rows *r)
{
	struct order *o = arena_alloc(a, sizeof(*o) * (r->nrows ? r->nrows : 1));
	for (size_t i = 0; i < r->nrows; i++) {
		for (unsigned c = 0; c < OC_COUNT; c++)
			o[i].col[c] = db_cell(r, i, c);
		o[i].shipping = address_at(a, r, i, OC_COUNT);
		o[i].billing = address_at(a, r, i, OC_COUNT + 16);
	}
	return o;
}

enum store_rc order_store_list(struct db *db, struct arena *a, const struct order_filter *f, long long limit,
			       long long offset, struct order **out, size_t *n, long long *count)
{
	struct db_param p[WHERE_PARAMS + 2];
	unsigned np = where_params(a, f, p);
	if (np != WHERE_PARAMS) {
		log_error("order filter parameter count %u != %d", np, WHERE_PARAMS);
		return STORE_ERROR;
	}
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, SQL_COUNT, p, np, &r, NULL);
	if (rc != DB_OK)
		return map_rc(rc);
	*count = r.nrows && db_cell(&r, 0, 0) ? strtoll(db_cell(&r, 0, 0), NULL, 10) : 0;
	*out = NULL;
	*n = 0;
	if (*count == 0 || offset >= *count || limit <= 0)
		return STORE_OK; /* nothing to fetch: spare the second query */
	p[np++] = db_int(limit);
	p[np++] = db_int(offset);
	rc = db_exec(db, a, SQL_LIST, p, np, &r, NULL);
	if (rc != DB_OK)
		return map_rc(rc);
	*out = orders_of(a, &r);
	*n = r.nrows;
	return STORE_OK;
}

/* ---- one order and its relations ---- */

static enum store_rc one_order(struct db *db, struct arena *a, const char *sql, const char *v, struct order **out)
{
	struct db_param p[1] = { db_str(v) };
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, sql, p, 1, &r, NULL);
	if (rc != DB_OK)
		return map_rc(rc);
	*out = r.nrows ? orders_of(a, &r) : NULL;
	return STORE_OK;
}

enum store_rc order_store_by_id(struct db *db, struct arena *a, const char *id, struct order **out)
{
	return one_order(db, a, SQL_BY_ID, id, out);
}

enum store_rc order_store_by_cart(struct db *db, struct arena *a, const char *cart_id, struct order **out)
{
	return one_order(db, a, SQL_BY_CART, cart_id, out);
}

enum store_rc order_store_lookup(struct db *db, struct arena *a, long long display_id, const char *email,
				 struct order **out, size_t *n)
{
	struct db_param p[2] = { db_int(display_id), db_str(email) };
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, SQL_LOOKUP, p, 2, &r, NULL);
	if (rc != DB_OK)
		return map_rc(rc);
	*out = orders_of(a, &r);
	*n = r.nrows;
	return STORE_OK;
}

const struct rowj_col order_customer_cols[ORDER_CUSTOMER_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "email", RJ_STR }, { "first_name", RJ_STR }, { "last_name", RJ_STR }, { "billing_address_id", RJ_STR },
	{ "phone", RJ_STR }, { "has_account", RJ_BOOL }, { "metadata", RJ_JSONB },
};
const struct rowj_col order_item_cols[ORDER_ITEM_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "cart_id", RJ_STR },
	{ "order_id", RJ_STR }, { "swap_id", RJ_STR }, { "claim_order_id", RJ_STR }, { "original_item_id", RJ_STR },
	{ "order_edit_id", RJ_STR }, { "title", RJ_STR }, { "description", RJ_STR }, { "thumbnail", RJ_STR },
	{ "is_return", RJ_BOOL }, { "is_giftcard", RJ_BOOL }, { "should_merge", RJ_BOOL },
	{ "allow_discounts", RJ_BOOL }, { "has_shipping", RJ_BOOL }, { "unit_price", RJ_INT },
	{ "variant_id", RJ_STR }, { "quantity", RJ_INT }, { "fulfilled_quantity", RJ_INT },
	{ "returned_quantity", RJ_INT }, { "shipped_quantity", RJ_INT }, { "metadata", RJ_JSONB },
};
const struct rowj_col order_variant_cols[ORDER_VARIANT_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "title", RJ_STR }, { "product_id", RJ_STR }, { "sku", RJ_STR }, { "barcode", RJ_STR }, { "ean", RJ_STR },
	{ "upc", RJ_STR }, { "variant_rank", RJ_INT }, { "inventory_quantity", RJ_INT },
	{ "allow_backorder", RJ_BOOL }, { "manage_inventory", RJ_BOOL }, { "hs_code", RJ_STR },
	{ "origin_country", RJ_STR }, { "mid_code", RJ_STR }, { "material", RJ_STR }, { "weight", RJ_INT },
	{ "length", RJ_INT }, { "height", RJ_INT }, { "width", RJ_INT }, { "metadata", RJ_JSONB },
};
const struct rowj_col order_item_tax_cols[ORDER_TAX_LINE_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "rate", RJ_NUM },
	{ "name", RJ_STR }, { "code", RJ_STR }, { "metadata", RJ_JSONB }, { "item_id", RJ_STR },
};
const struct rowj_col order_method_tax_cols[ORDER_TAX_LINE_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "rate", RJ_NUM },
	{ "name", RJ_STR }, { "code", RJ_STR }, { "metadata", RJ_JSONB }, { "shipping_method_id", RJ_STR },
};
const struct rowj_col order_method_cols[ORDER_METHOD_NCOLS] = {
	{ "id", RJ_STR }, { "shipping_option_id", RJ_STR }, { "order_id", RJ_STR }, { "claim_order_id", RJ_STR },
	{ "cart_id", RJ_STR }, { "swap_id", RJ_STR }, { "return_id", RJ_STR }, { "price", RJ_INT },
	{ "data", RJ_JSONB },
};
const struct rowj_col order_payment_cols[ORDER_PAYMENT_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "swap_id", RJ_STR },
	{ "cart_id", RJ_STR }, { "order_id", RJ_STR }, { "amount", RJ_INT }, { "currency_code", RJ_STR },
	{ "amount_refunded", RJ_INT }, { "provider_id", RJ_STR }, { "data", RJ_JSONB }, { "captured_at", RJ_TIME },
	{ "canceled_at", RJ_TIME }, { "metadata", RJ_JSONB }, { "idempotency_key", RJ_STR },
};

static const char SQL_REL_CUSTOMER[] =
	"SELECT id, created_at, updated_at, deleted_at, email, first_name, last_name, billing_address_id, phone, "
	"has_account, metadata FROM customer WHERE id = ?";
static const char SQL_REL_REGION[] =
	"SELECT id, created_at, updated_at, deleted_at, name, currency_code, tax_rate, tax_code, gift_cards_taxable, "
	"automatic_taxes, tax_provider_id, metadata FROM region WHERE id = ?";
/* Medusa loads relations without ORDER BY; creation order is what the storefront sorts by anyway */
static const char SQL_REL_ITEMS[] =
	"SELECT li.id, li.created_at, li.updated_at, li.cart_id, li.order_id, li.swap_id, li.claim_order_id, "
	"li.original_item_id, li.order_edit_id, li.title, li.description, li.thumbnail, li.is_return, "
	"li.is_giftcard, li.should_merge, li.allow_discounts, li.has_shipping, li.unit_price, li.variant_id, "
	"li.quantity, li.fulfilled_quantity, li.returned_quantity, li.shipped_quantity, li.metadata, "
	"v.id, v.created_at, v.updated_at, v.deleted_at, v.title, v.product_id, v.sku, v.barcode, v.ean, v.upc, "
	"v.variant_rank, v.inventory_quantity, v.allow_backorder, v.manage_inventory, v.hs_code, "
	"v.origin_country, v.mid_code, v.material, v.weight, v.length, v.height, v.width, v.metadata "
	"FROM line_item li LEFT JOIN product_variant v ON v.id = li.variant_id "
	"WHERE li.order_id = ? ORDER BY li.created_at, li.id";
/*
 * The tax lines come unordered and are put in their owners' order here (tax_order): an ORDER BY
 * across the join made MariaDB sort a temporary table, which the metadata text put on disk
 * (half a millisecond each, the slowest statements of a complete).
 */
static const char SQL_REL_ITEM_TAX[] =
	"SELECT t.id, t.created_at, t.updated_at, t.rate, t.name, t.code, t.metadata, t.item_id "
	"FROM line_item li JOIN line_item_tax_line t ON t.item_id = li.id WHERE li.order_id = ?";
static const char SQL_REL_METHODS[] =
	"SELECT sm.id, sm.shipping_option_id, sm.order_id, sm.claim_order_id, sm.cart_id, sm.swap_id, "
	"sm.return_id, sm.price, sm.data, "
	"so.id, so.created_at, so.updated_at, so.deleted_at, so.name, so.region_id, so.profile_id, "
	"so.provider_id, so.price_type, so.amount, so.is_return, so.admin_only, so.data, so.metadata "
	"FROM shipping_method sm LEFT JOIN shipping_option so ON so.id = sm.shipping_option_id "
	"WHERE sm.order_id = ? ORDER BY sm.id";
static const char SQL_REL_METHOD_TAX[] =
	"SELECT t.id, t.created_at, t.updated_at, t.rate, t.name, t.code, t.metadata, t.shipping_method_id "
	"FROM shipping_method sm JOIN shipping_method_tax_line t ON t.shipping_method_id = sm.id WHERE sm.order_id = ?";
static const char SQL_REL_PAYMENTS[] =
	"SELECT id, created_at, updated_at, swap_id, cart_id, order_id, amount, currency_code, amount_refunded, "
	"provider_id, data, captured_at, canceled_at, metadata, idempotency_key FROM payment "
	"WHERE order_id = ? ORDER BY created_at, id";

struct tax_key {
	size_t owner;        /* the owner's row among the owners */
	char **row;
};

static int tax_key_cmp(const void *pa, const void *pb)
{
	const struct tax_key *x = pa, *y = pb;
	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	/* created_at, then id: DATETIME(3) text and binary-collated ids compare as bytes */
	int c = strcmp(x->row[1], y->row[1]);
	return c ? c : strcmp(x->row[0], y->row[0]);
}

/*
 * Tax rows (ORDER_TAX_LINE_NCOLS, the owner's id last) grouped by owner in the owners' order
 * (their id in column 0), each owner's by created_at, id.
 */
static void tax_order(struct arena *a, struct db_rows *tax, const struct db_rows *owners)
{
	if (tax->nrows < 2)
		return;
	unsigned w = tax->ncols;
	struct tax_key *k = arena_alloc(a, sizeof(*k) * tax->nrows);
	for (size_t i = 0; i < tax->nrows; i++) {
		k[i].row = &tax->cells[i * w];
		const char *owner = k[i].row[w - 1];
		k[i].owner = owners->nrows;
		for (size_t j = 0; j < owners->nrows && k[i].owner == owners->nrows; j++)
			if (owner && db_cell(owners, j, 0) && strcmp(owner, db_cell(owners, j, 0)) == 0)
				k[i].owner = j;
	}
	qsort(k, tax->nrows, sizeof(*k), tax_key_cmp);
	char **cells = arena_alloc(a, sizeof(*cells) * tax->nrows * w);
	for (size_t i = 0; i < tax->nrows; i++)
		memcpy(&cells[i * w], k[i].row, sizeof(*cells) * w);
	tax->cells = cells;
}

enum store_rc order_store_relations(struct db *db, struct arena *a, const struct order *o, struct order_rel *rel)
{
	struct {
		const char *sql;
		const char *v;
		struct db_rows *rows;
	} q[] = {
		{ SQL_REL_CUSTOMER, o->col[OC_CUSTOMER_ID], &rel->customer },
		{ SQL_REL_REGION, o->col[OC_REGION_ID], &rel->region },
		{ SQL_REL_ITEMS, o->col[OC_ID], &rel->items },
		{ SQL_REL_ITEM_TAX, o->col[OC_ID], &rel->item_tax },
		{ SQL_REL_METHODS, o->col[OC_ID], &rel->methods },
		{ SQL_REL_METHOD_TAX, o->col[OC_ID], &rel->method_tax },
		{ SQL_REL_PAYMENTS, o->col[OC_ID], &rel->payments },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		struct db_param p[1] = { db_str(q[i].v) };
		enum db_rc rc = db_exec(db, a, q[i].sql, p, 1, q[i].rows, NULL);
		if (rc != DB_OK)
			return map_rc(rc);
	}
	tax_order(a, &rel->item_tax, &rel->items);
	tax_order(a, &rel->method_tax, &rel->methods);
	return STORE_OK;
}

const struct rowj_col order_product_cols[ORDER_PRODUCT_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "title", RJ_STR }, { "subtitle", RJ_STR }, { "description", RJ_STR }, { "handle", RJ_STR },
	{ "is_giftcard", RJ_BOOL }, { "status", RJ_STR }, { "thumbnail", RJ_STR }, { "weight", RJ_INT },
	{ "length", RJ_INT }, { "height", RJ_INT }, { "width", RJ_INT }, { "hs_code", RJ_STR },
	{ "origin_country", RJ_STR }, { "mid_code", RJ_STR }, { "material", RJ_STR }, { "collection_id", RJ_STR },
	{ "type_id", RJ_STR }, { "discountable", RJ_BOOL }, { "external_id", RJ_STR }, { "metadata", RJ_JSONB },
};
const struct rowj_col order_profile_cols[ORDER_PROFILE_NCOLS] = {
	{ "id", RJ_STR }, { "created_at", RJ_TIME }, { "updated_at", RJ_TIME }, { "deleted_at", RJ_TIME },
	{ "name", RJ_STR }, { "type", RJ_STR }, { "metadata", RJ_JSONB },
};
static const char SQL_REL_PRODUCTS[] =
	"SELECT DISTINCT p.id, p.created_at, p.updated_at, p.deleted_at, p.title, p.subtitle, p.description, p.handle, "
	"p.is_giftcard, p.status, p.thumbnail, p.weight, p.length, p.height, p.width, p.hs_code, p.origin_country, "
	"p.mid_code, p.material, p.collection_id, p.type_id, p.discountable, p.external_id, p.metadata "
	"FROM line_item li JOIN product_variant v ON v.id = li.variant_id JOIN product p ON p.id = v.product_id "
	"WHERE li.order_id = ?";
static const char SQL_REL_PROFILES[] =
	"SELECT DISTINCT pp.product_id, sp.id, sp.created_at, sp.updated_at, sp.deleted_at, sp.name, sp.type, "
	"sp.metadata FROM line_item li JOIN product_variant v ON v.id = li.variant_id "
	"JOIN product_shipping_profile pp ON pp.product_id = v.product_id "
	"JOIN shipping_profile sp ON sp.id = pp.profile_id WHERE li.order_id = ? ORDER BY pp.product_id, sp.id";

enum store_rc order_store_products(struct db *db, struct arena *a, const struct order *o, struct order_rel *rel)
{
	struct db_param p[1] = { db_str(o->col[OC_ID]) };
	enum db_rc rc = db_exec(db, a, SQL_REL_PRODUCTS, p, 1, &rel->products, NULL);
	if (rc == DB_OK)
		rc = db_exec(db, a, SQL_REL_PROFILES, p, 1, &rel->profiles, NULL);
	return rc == DB_OK ? STORE_OK : map_rc(rc);
}

enum store_rc order_store_items(struct db *db, struct arena *a, const struct order *o, struct order_rel *rel)
{
	memset(rel, 0, sizeof(*rel));
	struct db_param p[1] = { db_str(o->col[OC_ID]) };
	enum db_rc rc = db_exec(db, a, SQL_REL_ITEMS, p, 1, &rel->items, NULL);
	return rc == DB_OK ? STORE_OK : map_rc(rc);
}

/* ---- completing a cart ---- */

static const char SQL_ITEM_TAX_LINE[] =
	"INSERT INTO line_item_tax_line (id, created_at, updated_at, rate, name, code, item_id) "
	"VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_METHOD_TAX_LINE[] =
	"INSERT INTO shipping_method_tax_line (id, created_at, updated_at, rate, name, code, shipping_method_id) "
	"VALUES (?, ?, ?, ?, ?, ?, ?)";

enum db_rc order_store_tax_line(struct db *db, struct arena *a, int method, char ulid[ULID_LEN + 1],
				const char *owner_id, const char *rate, const char *name, const char *code,
				const char *now)
{
	/* the next ULID of this completion's series: one item's lines read back in insertion order */
	if (ulid_next(ulid) != 0 && ulid_new(ulid) != 0)
		return DB_ERROR;
	char id[64];
	snprintf(id, sizeof(id), "%s_%s", method ? "smtl" : "litl", ulid);
	struct db_param p[7] = {
		db_str(id), db_str(now), db_str(now), db_str(rate ? rate : "0"), db_str(name), db_str(code),
		db_str(owner_id),
	};
	return db_exec(db, a, method ? SQL_METHOD_TAX_LINE : SQL_ITEM_TAX_LINE, p, 7, NULL, NULL);
}

static const char SQL_TAKE_STOCK[] =
	"UPDATE product_variant SET inventory_quantity = inventory_quantity - ?, updated_at = ? "
	"WHERE id = ? AND manage_inventory = 1 AND (allow_backorder = 1 OR inventory_quantity >= ?)";
static const char SQL_STOCK_MANAGED[] =
	"SELECT manage_inventory FROM product_variant WHERE id = ? AND manage_inventory = 1";

enum db_rc order_store_take_stock(struct db *db, struct arena *a, const char *variant_id, long long quantity,
				  const char *now, int *ok)
{
	struct db_param p[4] = { db_int(quantity), db_str(now), db_str(variant_id), db_int(quantity) };
	unsigned long long n = 0;
	*ok = 1;
	enum db_rc rc = db_exec(db, a, SQL_TAKE_STOCK, p, 4, NULL, &n);
	if (rc != DB_OK || n)
		return rc;
	/* nothing taken: a variant without managed stock (or gone) is fine, a managed one is short */
	struct db_rows r;
	rc = db_exec(db, a, SQL_STOCK_MANAGED, p + 2, 1, &r, NULL);
	if (rc == DB_OK && r.nrows)
		*ok = 0;
	return rc;
}

static const char SQL_SESSION_AUTHORIZED[] =
	"UPDATE payment_session SET status = 'authorized', data = '{\"status\":\"authorized\"}', "
	"payment_authorized_at = ?, updated_at = ? WHERE id = ?";
static const char SQL_PAYMENT[] =
	"INSERT INTO payment (id, created_at, updated_at, cart_id, amount, currency_code, provider_id, data) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, '{\"status\":\"authorized\"}')";

enum db_rc order_store_authorize(struct db *db, struct arena *a, const char *session_id, const char *payment_id,
				 const char *cart_id, long long amount, const char *currency_code,
				 const char *provider_id, const char *now)
{
	struct db_param s[3] = { db_str(now), db_str(now), db_str(session_id) };
	enum db_rc rc = db_exec(db, a, SQL_SESSION_AUTHORIZED, s, 3, NULL, NULL);
	if (rc != DB_OK)
		return rc;
	struct db_param p[7] = {
		db_str(payment_id), db_str(now), db_str(now), db_str(cart_id), db_int(amount), db_str(currency_code),
		db_str(provider_id),
	};
	return db_exec(db, a, SQL_PAYMENT, p, 7, NULL, NULL);
}

static const char SQL_ORDER_INSERT[] =
	"INSERT INTO `order` (id, created_at, updated_at, status, fulfillment_status, payment_status, cart_id, "
	"customer_id, email, billing_address_id, shipping_address_id, region_id, currency_code, metadata, "
	"sales_channel_id) VALUES (?, ?, ?, 'pending', 'not_fulfilled', ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)";
static const char SQL_ORDER_ITEMS[] = "UPDATE line_item SET order_id = ?, updated_at = ? WHERE cart_id = ?";
static const char SQL_ORDER_METHODS[] = "UPDATE shipping_method SET order_id = ? WHERE cart_id = ?";
static const char SQL_ORDER_PAYMENT[] = "UPDATE payment SET order_id = ?, updated_at = ? WHERE id = ?";
static const char SQL_CART_COMPLETED[] =
	"UPDATE cart SET completed_at = ?, payment_id = ?, payment_authorized_at = ?, updated_at = ? WHERE id = ?";

enum db_rc order_store_create(struct db *db, struct arena *a, const struct order_new *o, const char *now)
{
	struct db_param p[12] = {
		db_str(o->id), db_str(now), db_str(now), db_str(o->payment_status), db_str(o->cart_id),
		db_str(o->customer_id), db_str(o->email), db_str(o->billing_address_id),
		db_str(o->shipping_address_id), db_str(o->region_id), db_str(o->currency_code),
		db_str(o->sales_channel_id),
	};
	enum db_rc rc = db_exec(db, a, SQL_ORDER_INSERT, p, 12, NULL, NULL);
	struct db_param q[3] = { db_str(o->id), db_str(now), db_str(o->cart_id) };
	if (rc == DB_OK)
		rc = db_exec(db, a, SQL_ORDER_ITEMS, q, 3, NULL, NULL);
	struct db_param m[2] = { db_str(o->id), db_str(o->cart_id) };
	if (rc == DB_OK)
		rc = db_exec(db, a, SQL_ORDER_METHODS, m, 2, NULL, NULL);
	if (rc == DB_OK && o->payment_id) {
		struct db_param y[3] = { db_str(o->id), db_str(now), db_str(o->payment_id) };
		rc = db_exec(db, a, SQL_ORDER_PAYMENT, y, 3, NULL, NULL);
	}
	struct db_param c[5] = {
		db_str(now), db_str(o->payment_id), db_str(o->payment_id ? now : NULL), db_str(now), db_str(o->cart_id),
	};
	if (rc == DB_OK)
		rc = db_exec(db, a, SQL_CART_COMPLETED, c, 5, NULL, NULL);
	return rc;
}

static const char SQL_BUMP_STOCK[] = "UPDATE stock_version SET version = version + 1 WHERE id = 1";

enum db_rc order_store_bump_stock(struct db *db, struct arena *a)
{
	return db_exec(db, a, SQL_BUMP_STOCK, NULL, 0, NULL, NULL);
}

static const char SQL_CLAIM[] = "UPDATE `order` SET customer_id = ?, email = ?, updated_at = ? WHERE id = ?";

enum store_rc order_store_claim(struct db *db, struct arena *a, const char *order_id, const char *customer_id,
				const char *email, const char *now)
{
	struct db_param p[4] = { db_str(customer_id), db_str(email), db_str(now), db_str(order_id) };
	enum db_rc rc = db_exec(db, a, SQL_CLAIM, p, 4, NULL, NULL);
	return rc == DB_OK ? STORE_OK : map_rc(rc);
}
