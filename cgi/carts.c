/*
 * carts: POST /store/carts and GET /store/carts/:id (issue 12, reference section 1 "Carts").
 *
 * Create follows Medusa 1.20's route and CartService.create: the region from region_id or the
 * first region; country_code (lower-cased) must be a country of that region and becomes the
 * cart's shipping address, as does the only country of a one-country region; the sales channel
 * comes from the body, else the publishable key's only channel, else the store's default; a
 * logged-in customer is attached with its email; context is {ip, user_agent} overlaid with the
 * body's. The answer is the cart as GET shows it, re-read inside the request transaction.
 *
 * GET attaches a logged-in customer (and re-prices the lines for it) and reads fields / expand
 * (cgi/cart_view.c). Items on create are checked before anything is written (cgi/line_items.c).
 */
#include <string.h>

#include "cgi/carts.h"
#include "cgi/cart_view.h"
#include "cgi/catalogue_util.h"
#include "cgi/product_view.h"
#include "cgi/router.h"
#include "common/body.h"
#include "common/json.h"
#include "common/respond.h"
#include "common/ulid.h"
#include "sql/cart_store.h"
#include "sql/region_store.h"

/* StorePostCartReq: class-validator's order of its properties */
static const struct field_spec create_fields[] = {
	{ "region_id", FK_STRING, 0, 64, NULL },
	{ "sales_channel_id", FK_STRING, 0, 64, NULL },
	{ "country_code", FK_STRING, 0, 2, NULL },
	{ "items", FK_ANY, 0, 0, NULL },
	{ "context", FK_OBJECT, 0, 0, NULL },
};
static const struct field_set create_set = FIELD_SET(create_fields);

/* The cart's sales channel id (Medusa: body, else the publishable key's only one, else the store's). */
static enum api_err sales_channel(struct req *r, const char *from_body, const char **out)
{
	struct db *db = &r->w->db;
	enum store_rc rc;
	const char *id = from_body;
	*out = NULL;
	const char *key = from_body ? NULL : req_param(r, "HTTP_X_PUBLISHABLE_API_KEY");
	if (key) {
		struct db_rows rows;
		if ((rc = cart_store_key_channels(db, &r->arena, key, &rows)) != STORE_OK)
			return store_fail(rc);
		/* API.md section 9: an unknown or revoked key is refused, as on the catalogue routes */
		if (!rows.nrows)
			return respond_fail(r, E_INVALID_DATA, "Publishable API key %s is not valid", key);
		if (rows.nrows > 1)
			return respond_fail(r, E_INVALID_DATA, "The PublishableApiKey provided in the request header "
					    "has multiple associated sales channels.");
		id = db_cell(&rows, 0, 1);
	}
	if (!id) {
		/* the store's default channel: the catalogue snapshot holds it (an import moves it) */
		const struct pc_snapshot *s;
		enum api_err e = pv_snapshot(r, &s);
		if (e != API_OK)
			return e;
		*out = s->default_channel_id;
		return API_OK;
	}
	struct db_rows ch;
	if ((rc = cart_store_channel(db, &r->arena, id, &ch)) != STORE_OK)
		return store_fail(rc);
	if (!ch.nrows)
		return respond_fail(r, E_NOT_FOUND, "Sales channel with id: %s was not found", id);
	if (strcmp(db_cell(&ch, 0, 1), "0") != 0)
		return respond_fail(r, E_INVALID_DATA, "Unable to assign the cart to a disabled Sales Channel \"%s\"",
				    db_cell(&ch, 0, 0));
	*out = id;
	return API_OK;
}

/* A header value for a JSON column: as sent when it is UTF-8, else its non-ASCII bytes as '?'. */
static const char *utf8_or_ascii(struct req *r, const char *v)
{
	if (!v || json_utf8_valid(v, strlen(v)))
		return v;
	char *c = arena_strdup(&r->arena, v);
	for (char *p = c; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	return c;
}

/* {ip, user_agent} of the request with the body's context over it, as JSON text. */
static const char *context_json(struct req *r, struct json_object *body_ctx)
{
	struct json_object *o = json_object_new_object();
	/* headers are bytes; the column is checked JSON (a fuzzed User-Agent made the INSERT fail) */
	const char *ip = utf8_or_ascii(r, req_param(r, "REMOTE_ADDR"));
	const char *ua = utf8_or_ascii(r, req_param(r, "HTTP_USER_AGENT"));
	if (ip)
		json_object_object_add(o, "ip", json_object_new_string(ip));
	if (ua)
		json_object_object_add(o, "user_agent", json_object_new_string(ua));
	if (body_ctx) {
		json_object_object_foreach(body_ctx, k, val)
			json_object_object_add(o, k, json_object_get(val));
	}
	const char *s = arena_strdup(&r->arena, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

enum api_err carts_create(struct req *r)
{
	enum api_err e = body_validate(r, r->json, &create_set);
	if (e != API_OK)
		return e;
	struct db *db = &r->w->db;
	struct json_object *items = json_object_object_get(r->json, "items");
	if (items && !json_object_is_type(items, json_type_array))
		return respond_fail(r, E_INVALID_DATA, json_object_is_type(items, json_type_object)
				    ? "each value in nested property items must be either object or array"
				    : "nested property items must be either object or array");
	/* the region: the one named (the worker's region cache), or the first one */
	struct cart_new c = { 0 };
	const char *region_id = body_str(r->json, "region_id"), *only = NULL;
	enum store_rc rc;
	if (region_id) {
		int found;
		if ((e = cart_region_lookup(r, region_id, &found, &only)) != API_OK)
			return e;
		if (!found)
			return respond_fail(r, E_NOT_FOUND, "Region with %s was not found", region_id);
		c.region_id = region_id;
	} else {
		struct region_filter f = { 0 };
		struct db_rows rows;
		if ((rc = region_store_list(db, &r->arena, &f, 1, 0, &rows, NULL)) != STORE_OK)
			return store_fail(rc);
		if (!rows.nrows)
			return respond_fail(r, E_NOT_FOUND, "A region is required to create a cart");
		int found;
		if ((e = cart_region_lookup(r, db_cell(&rows, 0, 0), &found, &only)) != API_OK)
			return e;
		c.region_id = db_cell(&rows, 0, 0);
	}
	/* the shipping country: country_code, else the only country of the region */
	const char *cc = body_str(r->json, "country_code");
	if (cc) {
		char *low = arena_strdup_lower(&r->arena, cc);
		int in_region, live;
		if ((e = cart_region_has_country(r, c.region_id, low, &live, &in_region)) != API_OK)
			return e;
		if (!in_region)
			return respond_fail(r, E_NOT_ALLOWED, "Shipping country not in region");
		c.shipping_country = low;
	} else {
		c.shipping_country = only;
	}
	if ((e = sales_channel(r, body_str(r->json, "sales_channel_id"), &c.sales_channel_id)) != API_OK)
		return e;
	if (r->customer_id[0]) {
		if ((rc = cart_store_customer_email(db, &r->arena, r->customer_id, &c.email)) != STORE_OK)
			return store_fail(rc);
		if (c.email)
			c.customer_id = r->customer_id;
	}
	/* the items are checked before anything is written: a 4xx answer would commit the cart */
	if (items && json_object_array_length(items) &&
	    (e = line_items_check(r, c.region_id, c.customer_id, c.sales_channel_id, items)) != API_OK)
		return e;
	c.context_json = context_json(r, json_object_object_get(r->json, "context"));
	char id[64];
	if (ulid_id("cart", id, sizeof(id)) != 0)
		return E_UNKNOWN;
	c.id = id;
	if ((rc = cart_store_create(db, &r->arena, &c)) != STORE_OK)
		return store_fail(rc);
	if (!items || !json_object_array_length(items))
		return cart_answer_new(r, id, CART_GET);
	if ((e = line_items_add_to(r, id, items)) != API_OK)
		return e;
	return cart_answer(r, id, CART_GET);
}

/*
 * Whether the logged-in customer takes the cart (Medusa's GET: when the cart has no customer or
 * email, or another customer). API.md section 9 keeps a cart from changing hands between
 * accounts: a cart of another customer with an account stays theirs; a guest's cart is taken.
 */
static int takes_cart(const struct req *r, const struct cart_model *m)
{
	if (m->completed_at)
		return 0;
	if (!m->customer_id || !m->email)
		return 1;
	if (strcmp(m->customer_id, r->customer_id) == 0)
		return 0;
	return !m->customer.nrows || strcmp(db_cell(&m->customer, 0, 9) ? db_cell(&m->customer, 0, 9) : "0", "0") == 0;
}

/* GET with a logged-in customer: attach it and re-price the lines for it (170, extras 098). */
static enum api_err attach_customer(struct req *r, const char *id)
{
	struct db *db = &r->w->db;
	struct cart_model m;
	enum api_err e = cart_model_load(r, id, 0, 0, &m);
	if (e != API_OK || !takes_cart(r, &m))
		return e;
	db_request_tx_begin(db);
	enum store_rc rc;
	if ((e = cart_model_load(r, id, 1, 0, &m)) != API_OK || !takes_cart(r, &m))
		goto out;
	if ((rc = cart_store_set_customer(db, &r->arena, m.id, r->customer_id)) != STORE_OK) {
		e = respond_fail(r, store_fail(rc), NULL);
		goto out;
	}
	if ((e = cart_model_load(r, id, 0, 0, &m)) != API_OK || (e = line_items_reprice(r, &m)) != API_OK)
		goto out;
	switch (db_request_tx_commit(db, &r->arena)) {
	case DB_OK:
		return API_OK;
	case DB_RETRY:
		/* a concurrent writer of the cart won: answer the cart as it is */
		return API_OK;
	default:
		return respond_fail(r, E_DB_UNAVAILABLE, NULL);
	}
out:
	db_request_tx_abort(db);
	return e;
}

enum api_err carts_get(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	struct qe_query q;
	enum api_err e = qe_parse_req(r, &cart_get_route, &q);
	if (e != API_OK)
		return e;
	if (r->customer_id[0] && (e = attach_customer(r, id)) != API_OK)
		return e;
	if (qe_string(&q, "fields") || qe_string(&q, "expand"))
		return cart_answer_query(r, id, &q);
	return cart_answer(r, id, CART_GET);
}
