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

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cgi/catalogue_util.h"
#include "cgi/order_json.h"
#include "cgi/router.h"
#include "common/body.h"
#include "common/customer_json.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/jwt.h"
#include "common/qengine.h"
#include "common/respond.h"
#include "sql/customer_store.h"
#include "sql/order_store.h"

static const char *const order_fields[] = {
	"id", "status", "fulfillment_status", "payment_status", "display_id", "cart_id", "customer_id", "email",
	"region_id", "currency_code", "tax_rate", "created_at", NULL,
};
static const char *const allowed_fields[] = {
	"id", "status", "fulfillment_status", "payment_status", "display_id", "cart_id", "customer_id", "email",
	"region_id", "currency_code", "tax_rate", "created_at", "object", "shipping_total", "discount_total",
	"tax_total", "refunded_total", "total", "subtotal", "paid_total", "refundable_amount", "gift_card_total",
	"gift_card_tax_total", "items.refundable", NULL,
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

/*
 * What the query asks the order to show. Every route loads the totals relations beside the
 * asked ones; pick (cleanResponseData) keeps of them what transformQuery allows: the expand list
 * when one is given, else every allowed relation; and items whenever the allowed fields include
 * items.refundable (no fields given, or fields naming it).
 */
static struct order_shape shape_of(const struct qe_query *q, int pick)
{
	struct order_shape s = { 0 };
	/*
	 * "object" is the entity's own key: only pick-filtering (cleanResponseData) drops it, and
	 * fields= (empty) is falsy there, so the allowed fields (with "object") stay
	 */
	const struct query_node *fv = query_get(q->q, "fields");
	int fields_empty = fv && fv->type == QUERY_STRING && !*fv->s;
	s.object = !pick || !q->fields_replaced || fields_empty || qe_field(q, "object");
	for (size_t i = 0; i < q->nfields; i++) {
		for (int c = 0; c < OC_COUNT; c++)
			if (strcmp(q->fields[i], order_col_name((enum order_col)c)) == 0)
				s.cols |= ORDER_BIT(c);
		/* a total named in fields: Medusa's legacy totals first, then the others (145) */
		if (q->fields_replaced)
			order_json_legacy_field(&s, q->fields[i]);
	}
	s.cols |= ORDER_BIT(OC_ID);
	unsigned long asked = 0, allowed = 0;
	for (size_t i = 0; i < q->nrelations; i++)
		asked |= order_rel_bit(q->relations[i], strlen(q->relations[i]));
	const struct query_node *ex = query_get(q->q, "expand");
	if (ex && ex->type == QUERY_STRING && *ex->s) {
		allowed = asked;
	} else {
		for (size_t i = 0; allowed_relations[i]; i++)
			allowed |= order_rel_bit(allowed_relations[i], strlen(allowed_relations[i]));
	}
	if (!q->fields_replaced || qe_field(q, "items.refundable"))
		allowed |= ORDER_BIT(OR_ITEMS);
	s.rels = asked | ORDER_TOTALS_RELS;
	if (pick)
		s.rels &= allowed;
	s.cleaned = pick;
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
	/* the lookup is a list (OrderService.list): fields gain created_at; named totals come alone */
	if (pick > 1) {
		if (q->fields_replaced)
			s.cols |= ORDER_BIT(OC_CREATED_AT);
		/* fields= (empty) on the list: Medusa's select keeps tax_rate too (real 1.20.11) */
		const struct query_node *fv = query_get(q->q, "fields");
		if (fv && fv->type == QUERY_STRING && !*fv->s)
			s.cols |= ORDER_BIT(OC_CREATED_AT) | ORDER_BIT(OC_TAX_RATE);
		s.legacy_only = s.legacy != 0;
	}
	if (s.legacy && (rc = order_store_products(&r->w->db, &r->arena, o, &rel)) != STORE_OK)
		return store_fail(rc);
	struct env ans;
	env_one(&ans, r->out, "order");
	order_json(r->out, o, &rel, &s);
	env_end(&ans);
	return API_OK;
}

enum api_err store_orders_get(struct req *r)
{
	const char *id;
	struct qe_query q;
	enum api_err e = catq_get(r, &get_route, &id, &q);
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
	const char *id;
	struct qe_query q;
	enum api_err e = catq_get(r, &get_route, &id, &q);
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
	return answer(r, &orders[0], &q, 2, "");
}

/* ---- claiming guest orders (transcripts 167-169) ---- */

/* Orders one claim names at most (Medusa has no bound; each costs a read). */
#define CLAIM_MAX_ORDERS 100
/* Medusa signs the claim token with expiresIn "1h". */
#define CLAIM_TOKEN_TTL_S 3600

static const struct field_spec claim_fields[] = { { "order_ids", FK_NOT_EMPTY, 1, 0, NULL } };
static const struct field_set claim_set = FIELD_SET(claim_fields);
static const struct field_spec confirm_fields[] = { { "token", FK_STRING, 1, 0, NULL } };
static const struct field_set confirm_set = FIELD_SET(confirm_fields);

static enum api_err text_ok(struct req *r)
{
	r->body_type = "text/plain; charset=utf-8";
	buf_adds(r->out, "OK");
	return API_OK;
}

/*
 * Medusa's requestOrderClaim: for each email among the named orders, a token
 * {claimingCustomerId, orders} signed with the JWT secret (not a store token: it has no
 * "domain") goes to an "order-update-token.created" event, for a mailer to send to that email.
 * Only a customer with an account may claim.
 */
enum api_err store_orders_claim_token(struct req *r)
{
	enum api_err e = body_validate(r, r->json, &claim_set);
	if (e != API_OK)
		return e;
	struct json_object *ids = json_object_object_get(r->json, "order_ids");
	size_t n = json_object_is_type(ids, json_type_array) ? json_object_array_length(ids) : 0;
	if (!n || n > CLAIM_MAX_ORDERS)
		return respond_fail(r, E_INVALID_DATA, "order_ids must be an array of 1 to %d order ids", CLAIM_MAX_ORDERS);
	struct customer *c;
	if ((e = customers_load_me(r, &c)) != API_OK)
		return e;
	if (!c->has_account)
		return respond_fail(r, E_UNAUTHORIZED, "Customer does not have an account");
	struct order **found = arena_alloc(&r->arena, sizeof(*found) * n);
	size_t nf = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(ids, i);
		if (!json_object_is_type(v, json_type_string))
			return respond_fail(r, E_INVALID_DATA, "each value in order_ids must be a string");
		struct order *o = NULL;
		enum store_rc rc = order_store_by_id(&r->w->db, &r->arena, json_object_get_string(v), &o);
		if (rc != STORE_OK)
			return store_fail(rc);
		if (o)
			found[nf++] = o;
	}
	long long iat = (long long)(req_epoch_ms() / 1000);
	const char *key = r->cfg->jwt_secret;
	for (size_t i = 0; i < nf; i++) {
		const char *email = found[i]->col[OC_EMAIL];
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(found[k]->col[OC_EMAIL], email) == 0;
		if (seen)
			continue;
		struct buf list = BUF_INIT, p = BUF_INIT, ev = BUF_INIT;
		buf_init(&list);
		buf_init(&p);
		buf_init(&ev);
		struct env named, pl, o;
		env_list(&named, &list);
		for (size_t k = i; k < nf; k++) {
			if (strcmp(found[k]->col[OC_EMAIL], email) != 0)
				continue;
			env_item(&named);
			json_w_strz(&list, found[k]->col[OC_ID]);
		}
		env_end(&named);
		env_object(&pl, &p);
		env_str(&pl, "claimingCustomerId", c->id);
		env_raw(&pl, "orders", list.data);
		env_int(&pl, "iat", iat);
		env_int(&pl, "exp", iat + CLAIM_TOKEN_TTL_S);
		env_end(&pl);
		char *tok = jwt_sign_hs256((const unsigned char *)key, strlen(key), p.data, p.len);
		enum store_rc rc = STORE_ERROR;
		if (tok) {
			env_object(&o, &ev);
			env_str(&o, "old_email", email);
			env_str(&o, "new_customer_id", c->id);
			env_raw(&o, "orders", list.data);
			env_str(&o, "token", tok);
			env_end(&o);
			char *data = arena_strndup(&r->arena, ev.data, ev.len);
			rc = customer_store_event(&r->w->db, &r->arena, "order-update-token.created", data, req_epoch_ms());
			OPENSSL_cleanse(tok, strlen(tok));
			free(tok);
		}
		buf_release(&list);
		buf_release(&p);
		buf_release(&ev);
		if (rc != STORE_OK)
			return rc == STORE_ERROR && !tok ? E_UNKNOWN : store_fail(rc);
	}
	return text_ok(r);
}

static void put_json(void *o)
{
	json_object_put(o);
}

/*
 * Medusa's confirmOrderRequest: a valid claim token moves its orders to the claiming customer
 * (customer_id and email). A token that does not verify is 400 "Invalid token" where Medusa's
 * jwt.verify throws into a 500 (169; API.md section 9).
 */
enum api_err store_orders_claim_confirm(struct req *r)
{
	enum api_err e = body_validate(r, r->json, &confirm_set);
	if (e != API_OK)
		return e;
	const char *tok = json_object_get_string(json_object_object_get(r->json, "token"));
	const char *key = r->cfg->jwt_secret;
	struct json_object *pl = NULL;
	if (jwt_verify(tok, strlen(tok), (const unsigned char *)key, strlen(key), (long long)(req_epoch_ms() / 1000),
		       &pl) != JWT_OK)
		return respond_fail(r, E_INVALID_DATA, "Invalid token");
	req_defer(r, put_json, pl);
	struct json_object *who = json_object_object_get(pl, "claimingCustomerId");
	struct json_object *orders = json_object_object_get(pl, "orders");
	if (!json_object_is_type(who, json_type_string) || !json_object_is_type(orders, json_type_array))
		return respond_fail(r, E_INVALID_DATA, "Invalid token");
	const char *cid = json_object_get_string(who);
	struct customer *c = NULL;
	enum store_rc rc = customer_store_load(&r->w->db, &r->arena, cid, &c);
	if (rc == STORE_NO_CUSTOMER)
		return respond_fail(r, E_NOT_FOUND, "Customer with id: %s was not found", cid);
	if (rc != STORE_OK)
		return store_fail(rc);
	char now[24];
	customer_db_time(req_epoch_ms(), now);
	size_t n = json_object_array_length(orders);
	for (size_t i = 0; i < n && i < CLAIM_MAX_ORDERS; i++) {
		struct json_object *v = json_object_array_get_idx(orders, i);
		if (!json_object_is_type(v, json_type_string))
			continue;
		if ((rc = order_store_claim(&r->w->db, &r->arena, json_object_get_string(v), c->id, c->email, now)) !=
		    STORE_OK)
			return store_fail(rc);
	}
	return text_ok(r);
}
