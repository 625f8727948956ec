/*
 * order_store: the statements about orders. One static WHERE serves every
 * filter combination: each optional filter is written "(? IS NULL OR ...)"
 * and gets its value twice, so no SQL is ever assembled at run time (and
 * MariaDB, which optimises a prepared statement per execution, folds the
 * unused branches away). The list and its count share that WHERE.
 */
#include "sql/order_store.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

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

static const char SQL_LIST[] =
	"SELECT o.id, o.created_at, o.updated_at, o.status, o.fulfillment_status, o.payment_status, o.display_id, "
	"o.cart_id, o.customer_id, o.email, o.billing_address_id, o.shipping_address_id, o.region_id, "
	"o.currency_code, o.tax_rate, o.draft_order_id, o.canceled_at, o.metadata, o.no_notification, "
	"o.idempotency_key, o.external_id, o.sales_channel_id, "
	ADDRESS_COLS("sa") ", " ADDRESS_COLS("ba") " "
	"FROM `order` o "
	"LEFT JOIN address sa ON sa.id = o.shipping_address_id AND sa.deleted_at IS NULL "
	"LEFT JOIN address ba ON ba.id = o.billing_address_id AND ba.deleted_at IS NULL "
	ORDER_WHERE
	"ORDER BY o.created_at DESC, o.id DESC LIMIT ? OFFSET ?";

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
	struct order *o = arena_alloc(a, sizeof(*o) * (r.nrows ? r.nrows : 1));
	for (size_t i = 0; i < r.nrows; i++) {
		for (unsigned c = 0; c < OC_COUNT; c++)
			o[i].col[c] = db_cell(&r, i, c);
		o[i].shipping = address_at(a, &r, i, OC_COUNT);
		o[i].billing = address_at(a, &r, i, OC_COUNT + 16);
	}
	*out = o;
	*n = r.nrows;
	return STORE_OK;
}
