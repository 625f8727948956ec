/*
 * store_orders: the store's order routes (issue 12 item 4; reference section 1 "Orders" and
 * 4.1; transcripts-store 144-155, 166).
 *
 * All three read fields / expand with Medusa's allow-lists for store orders (the default
 * fields, "object", the totals and items.refundable; the default relations and
 * billing_address): anything else is 400 "Requested fields [x] are not valid" (146, 147).
 * GET /:id and the lookup pick-filter the order down to what was asked (144, 151): the totals
 * relations (claims, swaps, gift cards, refunds) go; /cart/:cart_id does not filter (149).
 * No route checks who asks: an order id (a ULID) is the capability, as in Medusa (166).
 * The lookup differs from Medusa where API.md section 9 says so: shipping_address[postal_code],
 * when given, must equal the order's shipping postal code.
 */
#include "cgi/store_orders.h"

#include <string.h>

#include "cgi/catalogue_util.h"
#include "cgi/order_json.h"
#include "cgi/router.h"
#include "common/body.h"
#include "common/qengine.h"
#include "common/respond.h"
#include "sql/order_store.h"

static const char *const order_fields[] = {
	"id", "status", "fulfillment_status", "payment_status", "display_id", "cart_id", "customer_id", "email",
	"region_id", "currency_code", "tax_rate", "created_at", NULL,
};
static const char *const allowed_fields[] = {
	"id", "status", "fulfillment_status", "payment_status", "display_id", "cart_id", "customer_id", "email",
	"region_id", "currency_code", "tax_rate", "created_at", "object", "shipping_total", "discount_total",
	"tax_total", "refunded_total", "total", "subtotal", "paid_total", "refundable_amount", "gift_card_total",
	"gift_card_tax_total", "item_tax_total", "shipping_tax_total", "items.refundable", NULL,
};
static const char *const order_relations[] = {
	"shipping_address", "fulfillments", "fulfillments.tracking_links", "items", "items.variant",
	"shipping_methods", "shipping_methods.shipping_option", "discounts", "discounts.rule", "customer",
	"payments", "region", NULL,
};
static const char *const allowed_relations[] = {
	"shipping_address", "fulfillments", "fulfillments.tracking_links", "items", "items.variant",
	"shipping_methods", "shipping_methods.shipping_option", "discounts", "discounts.rule", "customer",
	"payments", "region", "billing_address", NULL,
};

/* FindParams: fields, expand */
static const struct qe_param get_params[] = { { "fields", QE_STRING, NULL }, { "expand", QE_STRING, NULL } };
static const struct qe_route get_route = {
	.params = get_params, .nparams = 2,
	.default_fields = order_fields, .default_relations = order_relations,
	.allowed_fields = allowed_fields, .allowed_relations = allowed_relations,
};
/* StoreGetOrdersParams: display_id, email, shipping_address, then fields, expand */
static const struct qe_param lookup_params[] = {
	{ "display_id", QE_ANY, NULL }, { "email", QE_ANY, NULL }, { "shipping_address", QE_ANY, NULL },
	{ "fields", QE_STRING, NULL }, { "expand", QE_STRING, NULL },
};
static const struct qe_route lookup_route = {
	.params = lookup_params, .nparams = 5,
	.default_fields = order_fields, .default_relations = order_relations,
	.allowed_fields = allowed_fields, .allowed_relations = allowed_relations,
};

/* What the query asks the order to show; pick: drop what was loaded for the totals only. */
static struct order_shape shape_of(const struct qe_query *q, int pick)
{
	struct order_shape s = { 0 };
	s.object = !q->fields_replaced || qe_field(q, "object");
	for (size_t i = 0; i < q->nfields; i++)
		for (int c = 0; c < OC_COUNT; c++)
			if (strcmp(q->fields[i], order_col_name((enum order_col)c)) == 0)
				s.cols |= ORDER_BIT(c);
	s.cols |= ORDER_BIT(OC_ID);
	for (size_t i = 0; i < q->nrelations; i++)
		s.rels |= order_rel_bit(q->relations[i], strlen(q->relations[i]));
	if (!pick)
		s.rels |= ORDER_TOTALS_RELS;
	s.method_option = qe_relation(q, "shipping_methods.shipping_option");
	return s;
}

/* {"order":{...}} of o, or the 404 with msg. */
static enum api_err answer(struct req *r, struct order *o, const struct qe_query *q, int pick, const char *msg)
{
	if (!o)
		return respond_fail(r, E_NOT_FOUND, "%s", msg);
	struct order_rel rel;
	enum store_rc rc = order_store_relations(&r->w->db, &r->arena, o, &rel);
	if (rc != STORE_OK)
		return store_fail(rc);
	struct order_shape s = shape_of(q, pick);
	buf_adds(r->out, "{\"order\":");
	order_json(r->out, o, &rel, &s);
	buf_addc(r->out, '}');
	return API_OK;
}

enum api_err store_orders_get(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	struct qe_query q;
	enum api_err e = qe_parse_req(r, &get_route, &q);
	if (e != API_OK)
		return e;
	struct order *o = NULL;
	enum store_rc rc = order_store_by_id(&r->w->db, &r->arena, id, &o);
	if (rc != STORE_OK)
		return store_fail(rc);
	return answer(r, o, &q, 1, arena_printf(&r->arena, "Order with id %s was not found", id));
}

enum api_err store_orders_by_cart(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	struct qe_query q;
	enum api_err e = qe_parse_req(r, &get_route, &q);
	if (e != API_OK)
		return e;
	struct order *o = NULL;
	enum store_rc rc = order_store_by_cart(&r->w->db, &r->arena, id, &o);
	if (rc != STORE_OK)
		return store_fail(rc);
	return answer(r, o, &q, 0, arena_printf(&r->arena, "Order with cart id %s was not found", id));
}

/* A query value that is one string, or NULL. */
static const char *one_string(const struct qe_query *q, const char *name)
{
	const struct query_node *v = query_get(q->q, name);
	return v && v->type == QUERY_STRING ? v->s : NULL;
}

enum api_err store_orders_lookup(struct req *r)
{
	struct qe_query q;
	enum api_err e = qe_parse_req(r, &lookup_route, &q);
	if (e != API_OK)
		return e;
	/* class-validator on StoreGetOrdersParams: @IsNumber display_id, @IsEmail email, nested postal_code */
	struct buf m = BUF_INIT;
	buf_init(&m);
	double did = 0;
	const struct query_node *dv = query_get(q.q, "display_id");
	if (!dv || !qe_number_value(dv, &did) || did > 2147483647.0)
		buf_adds(&m, "display_id must be a number conforming to the specified constraints");
	const char *email = one_string(&q, "email");
	if (!email || !body_is_email(email, strlen(email))) {
		if (m.len)
			buf_adds(&m, ", ");
		buf_adds(&m, "email must be an email");
	}
	const struct query_node *sa = query_get(q.q, "shipping_address");
	const char *postal = NULL;
	if (sa) {
		const struct query_node *pc = sa->type == QUERY_OBJECT ? query_get(sa, "postal_code") : NULL;
		if (sa->type != QUERY_OBJECT || (pc && pc->type != QUERY_STRING)) {
			if (m.len)
				buf_adds(&m, ", ");
			buf_adds(&m, sa->type != QUERY_OBJECT ? "nested property shipping_address must be either object or array"
							      : "postal_code must be a string");
		} else if (pc) {
			postal = pc->s;
		}
	}
	if (m.len) {
		char *text = arena_strndup(&r->arena, m.data, m.len);
		buf_release(&m);
		return respond_fail(r, E_INVALID_DATA, "%s", text);
	}
	buf_release(&m);
	struct order *orders = NULL;
	size_t n = 0;
	enum store_rc rc = order_store_lookup(&r->w->db, &r->arena, (long long)did, email, &orders, &n);
	if (rc != STORE_OK)
		return store_fail(rc);
	/* API.md section 9: a postal code given must be the order's (Medusa ignores it) */
	if (n == 1 && postal && !(orders[0].shipping && orders[0].shipping->postal_code &&
				  strcmp(orders[0].shipping->postal_code, postal) == 0))
		n = 0;
	if (n != 1) {
		/* Medusa: not exactly one match is a bare 404 "Not Found" (153) */
		r->status = 404;
		r->body_type = "text/plain; charset=utf-8";
		buf_adds(r->out, "Not Found");
		return API_OK;
	}
	return answer(r, &orders[0], &q, 1, "");
}
