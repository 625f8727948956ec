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
 * Not yet here (said in the README): line items (so `items` in the body is refused unless
 * empty), the cart's totals other than those of a cart without items or shipping methods, and
 * GET attaching a logged-in customer; `fields` / `expand` are not read.
 */
#include <string.h>

#include "cgi/carts.h"
#include "cgi/catalogue_util.h"
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

/* The totals of a cart without items, shipping methods, discounts or gift cards: all 0. */
static const char *const total_keys[] = {
	"subtotal", "discount_total", "item_tax_total", "shipping_total", "shipping_tax_total",
	"tax_total", "gift_card_total", "gift_card_tax_total", "total",
};

/* One row of db_rows as an object, or null. */
static void row_or_null(struct buf *b, const struct db_rows *rows, const struct rowj_col *cols, size_t n)
{
	if (rows->nrows)
		rowj_object(b, cols, n, rows->cells, NULL);
	else
		buf_adds(b, "null");
}

/* The cart's region: its columns, countries, payment_providers and tax_rates (Medusa's set). */
static enum api_err region_json(struct req *r, struct buf *b, const char *region_id, const struct cart_view *v)
{
	struct region_filter f = { .id = region_id };
	struct db_rows rows;
	struct region_links l = { 0 };
	enum store_rc rc = region_store_list(&r->w->db, &r->arena, &f, 1, 0, &rows, NULL);
	if (rc == STORE_OK && rows.nrows)
		rc = region_store_links(&r->w->db, &r->arena, &l);
	if (rc != STORE_OK)
		return store_fail(rc);
	if (!rows.nrows) {
		buf_adds(b, "null");
		return API_OK;
	}
	size_t m = rowj_open(b, region_cols, REGION_NCOLS, rows.cells, NULL);
	rowj_key(b, &m, "countries");
	catq_linked(b, &l.countries, COUNTRY_NCOLS - 1, region_id, country_cols, COUNTRY_NCOLS, 0);
	rowj_key(b, &m, "payment_providers");
	catq_linked(b, &l.payment, 0, region_id, provider_cols, PROVIDER_NCOLS, 1);
	rowj_key(b, &m, "tax_rates");
	buf_addc(b, '[');
	for (size_t i = 0; i < v->tax_rates.nrows; i++) {
		if (i)
			buf_addc(b, ',');
		rowj_object(b, tax_rate_cols, TAX_RATE_NCOLS, &v->tax_rates.cells[i * TAX_RATE_NCOLS], NULL);
	}
	buf_adds(b, "]}");
	return API_OK;
}

/* {"cart":{...}} of cart id into r->out, in the key order of transcripts 074 and 082. */
static enum api_err answer_cart(struct req *r, const char *id)
{
	struct cart_view v;
	enum store_rc rc = cart_store_get(&r->w->db, &r->arena, id, &v);
	if (rc != STORE_OK)
		return store_fail(rc);
	if (!v.cart.nrows)
		return respond_fail(r, E_NOT_FOUND, "Cart with %s was not found", id);
	struct buf *b = r->out;
	/* Cart's class-initialised `object` comes before the columns (reference 3.4) */
	buf_adds(b, "{\"cart\":{\"object\":\"cart\"");
	size_t m = 1;
	for (size_t i = 0; i < CART_NCOLS; i++) {
		rowj_key(b, &m, cart_cols[i].name);
		rowj_value(b, cart_cols[i].kind, v.cart.cells[i]);
	}
	rowj_key(b, &m, "billing_address");
	row_or_null(b, &v.billing, cart_address_cols, CART_ADDRESS_NCOLS);
	buf_adds(b, ",\"discounts\":[],\"gift_cards\":[],\"items\":[],\"payment\":null,\"payment_sessions\":[]");
	rowj_key(b, &m, "region");
	enum api_err e = region_json(r, b, db_cell(&v.cart, 0, 7), &v);
	if (e != API_OK)
		return e;
	rowj_key(b, &m, "sales_channel");
	row_or_null(b, &v.channel, sales_channel_cols, SALES_CHANNEL_NCOLS);
	rowj_key(b, &m, "shipping_address");
	row_or_null(b, &v.shipping, cart_address_cols, CART_ADDRESS_NCOLS);
	buf_adds(b, ",\"shipping_methods\":[]");
	for (size_t i = 0; i < sizeof(total_keys) / sizeof(total_keys[0]); i++)
		buf_addf(b, ",\"%s\":0", total_keys[i]);
	buf_adds(b, "}}");
	return API_OK;
}

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
		if ((rc = cart_store_default_channel(db, &r->arena, &id)) != STORE_OK)
			return store_fail(rc);
		*out = id;
		return API_OK;
	}
	struct db_rows ch;
	if ((rc = cart_store_channel(db, &r->arena, id, &ch)) != STORE_OK)
		return store_fail(rc);
	if (!ch.nrows)
		return respond_fail(r, E_NOT_FOUND, "Sales channel with id %s was not found", id);
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
	if (items && !(json_object_is_type(items, json_type_array) && json_object_array_length(items) == 0))
		return respond_fail(r, E_INVALID_DATA, "items on cart creation are not supported yet: "
				    "add them with POST /store/carts/:id/line-items");
	/* the region: the one named, or the first one */
	struct cart_new c = { 0 };
	const char *region_id = body_str(r->json, "region_id");
	struct region_filter f = { .id = region_id };
	struct db_rows rows;
	enum store_rc rc = region_store_list(db, &r->arena, &f, 1, 0, &rows, NULL);
	if (rc != STORE_OK)
		return store_fail(rc);
	if (!rows.nrows)
		return region_id ? respond_fail(r, E_NOT_FOUND, "Region with %s was not found", region_id)
				 : respond_fail(r, E_NOT_FOUND, "A region is required to create a cart");
	c.region_id = db_cell(&rows, 0, 0);
	/* the shipping country: country_code, else the only country of the region */
	const char *cc = body_str(r->json, "country_code");
	if (cc) {
		char *low = arena_strdup_lower(&r->arena, cc);
		int in_region;
		if ((rc = cart_store_country_in_region(db, &r->arena, c.region_id, low, &in_region)) != STORE_OK)
			return store_fail(rc);
		if (!in_region)
			return respond_fail(r, E_NOT_ALLOWED, "Shipping country not in region");
		c.shipping_country = low;
	} else {
		struct region_links l;
		if ((rc = region_store_links(db, &r->arena, &l)) != STORE_OK)
			return store_fail(rc);
		const char *only = NULL;
		size_t n = 0;
		for (size_t i = 0; i < l.countries.nrows; i++) {
			const char *reg = db_cell(&l.countries, i, COUNTRY_NCOLS - 1);
			if (reg && strcmp(reg, c.region_id) == 0 && n++ == 0)
				only = db_cell(&l.countries, i, 1);
		}
		if (n == 1)
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
	c.context_json = context_json(r, json_object_object_get(r->json, "context"));
	char id[64];
	if (ulid_id("cart", id, sizeof(id)) != 0)
		return E_UNKNOWN;
	c.id = id;
	if ((rc = cart_store_create(db, &r->arena, &c)) != STORE_OK)
		return store_fail(rc);
	return answer_cart(r, id);
}

enum api_err carts_get(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	return answer_cart(r, id);
}
