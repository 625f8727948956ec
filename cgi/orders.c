/*
 * orders: GET /store/customers/me/orders and /me/payment-methods.
 *
 * The order list reads its query string the way Medusa does (qs, then
 * normalizeQuery, then class-validator on StoreGetCustomersCustomerOrdersParams):
 * common/query.c gives the qs tree, this file declares the DTO's properties
 * in class-validator's order (the class's own properties, then the ones it
 * inherits: limit, offset, fields, expand) and produces the same messages.
 * Filtering and paging happen in sql/order_store.c; the JSON follows the key
 * order observed on Medusa (reference 4.12, transcript 163): "object", the
 * selected columns in entity order, the loaded relations alphabetically, then
 * the totals with raw_discount_total (cgi/order_json.c writes the order).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/router.h"
#include "cgi/order_json.h"
#include "common/customer_json.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/qengine.h"
#include "common/query.h"
#include "common/respond.h"
#include "sql/customer_store.h"
#include "sql/order_store.h"

/*
 * Rows per answer. Medusa has no cap (and limit=0 means "all", as TypeORM
 * reads take: 0); a page larger than this is cut here, so an answer's size
 * stays bounded whatever the client asks. count still says how many match.
 */
#define ORDERS_PAGE_MAX 1000

static const char *const order_statuses[] = { "pending", "completed", "archived", "canceled", "requires_action", NULL };
static const char *const fulfillment_statuses[] = {
	"not_fulfilled", "partially_fulfilled", "fulfilled", "partially_shipped", "shipped",
	"partially_returned", "returned", "canceled", "requires_action", NULL,
};
static const char *const payment_statuses[] = {
	"not_paid", "awaiting", "captured", "partially_refunded", "refunded", "canceled", "requires_action", NULL,
};

/* StoreGetCustomersCustomerOrdersParams: own properties first, then the inherited ones. */
static const struct qe_param order_params[] = {
	{ "id", QE_STRING, NULL },
	{ "q", QE_STRING, NULL },
	{ "status", QE_ENUM, order_statuses },
	{ "fulfillment_status", QE_ENUM, fulfillment_statuses },
	{ "payment_status", QE_ENUM, payment_statuses },
	{ "display_id", QE_STRING, NULL },
	{ "cart_id", QE_STRING, NULL },
	{ "email", QE_STRING, NULL },
	{ "region_id", QE_STRING, NULL },
	{ "currency_code", QE_STRING, NULL },
	{ "tax_rate", QE_STRING, NULL },
	{ "created_at", QE_DATES, NULL },
	{ "updated_at", QE_DATES, NULL },
	{ "canceled_at", QE_DATES, NULL },
	{ "limit", QE_NUMBER, NULL },
	{ "offset", QE_NUMBER, NULL },
	{ "fields", QE_STRING, NULL },
	{ "expand", QE_STRING, NULL },
};
#define NPARAMS (sizeof(order_params) / sizeof(order_params[0]))

/* DateComparisonOperator's properties, in its declaration order. */
static const char *const date_ops[ORDER_DATE_OPS] = { "lt", "gt", "gte", "lte" };

/* ---- the filter ---- */

/* A FIND_IN_SET list: the value, or the array's values joined with ','. ("" for [] matches nothing.) */
static const char *enum_list(struct arena *a, const struct query_node *v)
{
	if (!v)
		return NULL;
	if (v->type == QUERY_STRING)
		return v->s;
	size_t len = 1;
	for (size_t i = 0; i < v->n; i++)
		len += v->m[i].value->len + 1;
	char *s = arena_alloc(a, len), *p = s;
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, v->m[i].value->s, v->m[i].value->len);
		p += v->m[i].value->len;
	}
	*p = '\0';
	return s;
}

static const char *string_param(const struct query_node *q, const char *name)
{
	const struct query_node *v = query_get(q, name);
	return v && v->type == QUERY_STRING ? v->s : NULL;
}

/* PostgreSQL's int4 input (display_id = '<text>'): spaces, a sign, digits. 0 if it would not parse. */
static int pg_int4(const char *s, long long *out)
{
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	int neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return 0;
	long long v = 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s++ - '0');
		if (v > 2147483648LL)
			return 0;
	}
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s || (!neg && v > 2147483647LL))
		return 0;
	*out = neg ? -v : v;
	return 1;
}

/* A DB timestamp for epoch ms, clamped to what DATETIME(3) holds. */
static const char *db_time(struct arena *a, long long ms)
{
	if (ms > 253402300799999LL)
		ms = 253402300799999LL;
	char *t = arena_alloc(a, 24);
	customer_db_time(ms, t);
	t[23] = '\0';
	return t;
}

static void date_filter(struct arena *a, const struct query_node *v, const char **ops)
{
	if (!v)
		return;
	size_t n = v->type == QUERY_ARRAY ? v->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct query_node *obj = v->type == QUERY_ARRAY ? v->m[i].value : v;
		for (int op = 0; op < ORDER_DATE_OPS; op++) {
			const struct query_node *d = query_get(obj, date_ops[op]);
			long long ms;
			if (d && qe_date_value(d, &ms))
				ops[op] = db_time(a, ms);
		}
	}
}

/*
 * Fills f from a validated query. Returns 0 when no order can match (a
 * display_id or tax_rate PostgreSQL could not even compare: Medusa answers
 * 500 there, the honest answer is an empty list).
 */
static int build_filter(struct arena *a, const struct query_node *q, const char *customer_id, struct order_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->customer_id = customer_id;
	f->id = string_param(q, "id");
	f->status = enum_list(a, query_get(q, "status"));
	f->fulfillment_status = enum_list(a, query_get(q, "fulfillment_status"));
	f->payment_status = enum_list(a, query_get(q, "payment_status"));
	f->cart_id = string_param(q, "cart_id");
	f->region_id = string_param(q, "region_id");
	f->currency_code = string_param(q, "currency_code");
	date_filter(a, query_get(q, "created_at"), f->created_at);
	date_filter(a, query_get(q, "updated_at"), f->updated_at);
	date_filter(a, query_get(q, "canceled_at"), f->canceled_at);
	const char *search = string_param(q, "q");
	if (search && *search) {
		/* with q, Medusa deletes the display_id and email filters */
		f->q = search;
	} else {
		f->email = string_param(q, "email");
		const char *did = string_param(q, "display_id");
		if (did) {
			if (!pg_int4(did, &f->display_id))
				return 0;
			f->has_display_id = 1;
		}
	}
	const char *tax = string_param(q, "tax_rate");
	if (tax) {
		double t;
		if (!query_js_number(tax, strlen(tax), &t) || !isfinite(t) || t > 3.4e38 || t < -3.4e38)
			return 0;
		f->tax_rate = arena_printf(a, "%.17g", t);
	}
	return 1;
}

/* ---- what each order shows: fields and expand ---- */

#define BIT(c) ORDER_BIT(c)

/*
 * fields replaces the select; id, the ordering column created_at and tax_rate
 * (needed by the totals) are always added. Unknown names are ignored.
 */
static unsigned long select_cols(const char *fields)
{
	if (!fields || !*fields)
		return ORDER_DEFAULT_COLS;
	unsigned long cols = BIT(OC_ID) | BIT(OC_CREATED_AT) | BIT(OC_TAX_RATE);
	const char *p = fields;
	for (;;) {
		size_t n = strcspn(p, ",");
		for (int c = 0; c < OC_COUNT; c++) {
			const char *name = order_col_name((enum order_col)c);
			if (strlen(name) == n && memcmp(name, p, n) == 0)
				cols |= BIT(c);
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	return cols;
}

static unsigned long rel_bits(const char *list)
{
	unsigned long bits = 0;
	const char *p = list;
	for (;;) {
		size_t n = strcspn(p, ",");
		bits |= order_rel_bit(p, n); /* "items.variant" loads "items"; unknown names add nothing */
		if (!p[n])
			break;
		p += n + 1;
	}
	return bits;
}

/*
 * expand replaces the default relations (unknown names are ignored where
 * Medusa fails with a 500); the totals computation always loads its own.
 */
static unsigned long select_relations(const char *expand)
{
	/* expand= (empty) is no relation but the totals' (real Medusa 1.20.11, probe) */
	return (expand ? rel_bits(expand) : ORDER_DEFAULT_RELS) | ORDER_TOTALS_RELS;
}

/*
 * The /store/auth shape lists the customer's orders as raw rows with their
 * items (reference 4.1): every column, then "items". Medusa sets no ORDER BY
 * there; insertion order is what it was seen to answer, so oldest first.
 */
enum api_err orders_auth_json(struct req *r, const char *customer_id, char **out)
{
	struct order_filter f;
	memset(&f, 0, sizeof(f));
	f.customer_id = customer_id;
	struct order *orders = NULL;
	size_t n = 0;
	long long count = 0;
	enum store_rc rc = order_store_list(&r->w->db, &r->arena, &f, 1000, 0, &orders, &n, &count);
	if (rc != STORE_OK)
		return store_fail(rc);
	struct buf b = BUF_INIT;
	struct env list;
	buf_init(&b);
	env_list(&list, &b);
	for (size_t i = 0; i < n; i++) {
		struct order_rel rel;
		if ((rc = order_store_items(&r->w->db, &r->arena, &orders[n - 1 - i], &rel)) != STORE_OK) {
			buf_release(&b);
			return store_fail(rc);
		}
		env_item(&list);
		order_json_raw(&b, &orders[n - 1 - i], &rel);
	}
	env_end(&list);
	*out = arena_strndup(&r->arena, b.data, b.len);
	buf_release(&b);
	return API_OK;
}

/*
 * The names of a fields or expand list that name nothing of an order, joined with ", " (NULL if
 * none). The route has no allow-list, so Medusa sends them to the ORM, which fails (500); API.md
 * section 9 answers 400 naming them. A field is a column, a total or a dotted name under a
 * relation (a leading + or - aside); a relation is one of the Order's (its top level).
 */
static const char *unknown_names(struct arena *a, const char *list, int relations)
{
	struct buf m = BUF_INIT;
	buf_init(&m);
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ",");
		const char *name = p;
		size_t k = n;
		if (!relations && k && (*name == '+' || *name == '-')) {
			name++;
			k--;
		}
		int known = k > 0 && (order_rel_bit(name, k) != 0 && (relations || memchr(name, '.', k)));
		for (int c = 0; c < OC_COUNT && !known && !relations; c++) {
			const char *col = order_col_name((enum order_col)c);
			known = strlen(col) == k && memcmp(col, name, k) == 0;
		}
		if (!known && !relations && k) {
			char *one = arena_strndup(a, name, k);
			known = order_json_total_bit(one) != 0;
		}
		if (!known && k) {
			if (m.len)
				buf_adds(&m, ", ");
			buf_add(&m, p, n);
		}
		p += n + (p[n] == ',');
	}
	char *out = m.len ? arena_strndup(a, m.data, m.len) : NULL;
	buf_release(&m);
	return out;
}

/* 1 when the comma list names exactly name */
static int names(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; p && *p;) {
		size_t k = strcspn(p, ",");
		if (k == len && memcmp(p, name, k) == 0)
			return 1;
		p += k + (p[k] == ',');
	}
	return 0;
}

/* ---- handlers ---- */

static long long clamp_ll(double v)
{
	return v >= 9.0e18 ? 9000000000000000000LL : (long long)v;
}

enum api_err orders_list(struct req *r)
{
	struct query_node *q = query_parse(&r->arena, r->query, r->query ? strlen(r->query) : 0);
	query_normalize(&r->arena, q);
	struct buf m = BUF_INIT;
	buf_init(&m);
	if (qe_validate(&m, order_params, NPARAMS, q)) {
		char *text = arena_strndup(&r->arena, m.data, m.len);
		buf_release(&m);
		return respond_fail(r, E_INVALID_DATA, "%s", text);
	}
	buf_release(&m);
	const char *bad_fields = unknown_names(&r->arena, string_param(q, "fields"), 0),
		   *bad_relations = unknown_names(&r->arena, string_param(q, "expand"), 1);
	if (bad_fields || bad_relations)
		return respond_fail(r, E_INVALID_DATA, "Requested fields [%s] are not valid",
				    bad_fields ? bad_fields : bad_relations);
	double limit = 10, offset = 0;
	const struct query_node *v;
	if ((v = query_get(q, "limit")))
		qe_number_value(v, &limit);
	if ((v = query_get(q, "offset")))
		qe_number_value(v, &offset);

	/*
	 * Medusa lists by customer_id without loading the customer (a token of a
	 * customer that is gone gets an empty list, not a 404); the load here is
	 * for the revocation check and the "customer" relation.
	 */
	struct customer *c = NULL;
	enum store_rc rc = customer_store_load(&r->w->db, &r->arena, r->customer_id, &c);
	if (rc == STORE_UNAVAILABLE)
		return E_DB_UNAVAILABLE;
	if (rc != STORE_OK && rc != STORE_NO_CUSTOMER)
		return E_DATABASE;
	if (c && customer_revoked(r->auth_issued_ms, c->credentials_at)) {
		r->customer_id[0] = '\0';
		return E_AUTH_REQUIRED;
	}

	struct order *orders = NULL;
	size_t n = 0;
	long long count = 0;
	struct order_filter f;
	if (c && build_filter(&r->arena, q, r->customer_id, &f)) {
		/* limit 0 is "no limit" to TypeORM; either way a page is at most ORDERS_PAGE_MAX rows */
		long long page = limit == 0 || limit > ORDERS_PAGE_MAX ? ORDERS_PAGE_MAX : (long long)limit;
		rc = order_store_list(&r->w->db, &r->arena, &f, page, clamp_ll(offset), &orders, &n, &count);
		if (rc != STORE_OK)
			return store_fail(rc);
	}
	unsigned long cols = select_cols(string_param(q, "fields"));
	unsigned long rels = select_relations(string_param(q, "expand"));
	/* the default relations load shipping_methods.shipping_option; an expand names it or not (164) */
	const char *expand = string_param(q, "expand");
	int option = !expand;
	for (const char *p = expand; p && *p && !option;) {
		size_t k = strcspn(p, ",");
		option = k == strlen("shipping_methods.shipping_option") &&
			 memcmp(p, "shipping_methods.shipping_option", k) == 0;
		p += k + (p[k] == ',');
	}
	struct order_shape shape = { .object = 1, .cols = cols, .rels = rels, .method_option = option,
				     .raw_discount_total = 1,
				     .variant_product = names(expand, "items.variant.product") };
	/* a total named in fields: Medusa's legacy totals, only those named (164) */
	const char *fields = string_param(q, "fields");
	for (const char *p = fields; p && *p;) {
		size_t k = strcspn(p, ",");
		char *name = arena_strndup(&r->arena, p, k);
		order_json_legacy_field(&shape, name);
		p += k + (p[k] == ',');
	}
	shape.legacy_only = shape.legacy != 0;
	struct env ans, list;
	env_object(&ans, r->out);
	env_key_list(&ans, "orders", &list);
	for (size_t i = 0; i < n; i++) {
		struct order_rel rel;
		if ((rc = order_store_relations(&r->w->db, &r->arena, &orders[i], &rel)) != STORE_OK ||
		    ((shape.legacy || shape.variant_product) &&
		     (rc = order_store_products(&r->w->db, &r->arena, &orders[i], &rel)) != STORE_OK))
			return store_fail(rc);
		env_item(&list);
		order_json(r->out, &orders[i], &rel, &shape);
	}
	env_end(&list);
	env_page(&ans, count, limit, offset, ENV_COUNT_OFFSET_LIMIT);
	env_end(&ans);
	return API_OK;
}

enum api_err payment_methods_list(struct req *r)
{
	/*
	 * Medusa asks every payment provider for the customer's saved methods;
	 * medusa-c has only the manual provider, which keeps none.
	 */
	struct customer *c;
	enum api_err e = customers_load_me(r, &c);
	if (e != API_OK)
		return e;
	env_empty_list(r->out, "payment_methods");
	return API_OK;
}
