/*
 * cart_update: POST /store/carts/:id and DELETE /store/carts/:id/discounts/:code (issue 12).
 *
 * The update follows Medusa 1.20's route and CartService.update, in its order: the customer (a
 * logged-in caller's, else a guest customer for `email`), unit prices again when the region or
 * the customer is given, the region switch (shipping methods and payment sessions dropped, the
 * shipping country set or cleared), billing then shipping address (an object, or an address
 * id), the sales channel (lines of products outside it go), discount and gift card codes,
 * context. Everything is decided first with reads only, on the cart locked FOR UPDATE; then one
 * store call writes it all in one transaction, so a request answered with an error has changed
 * nothing. The answer is the cart re-read after the writes (cart_answer, same transaction).
 *
 * Where we answer differently from Medusa (README "Differences from Medusa"): only the
 * logged-in customer may be set as the cart's customer; an address id must be the cart's
 * customer's address (or one the cart already has); addresses of a customer or of a completed
 * cart are never changed in place (a new row is made); a completed cart's lines are not
 * re-priced or removed; `context` must be an object; discount and gift card codes are checked
 * as Medusa checks them but not applied yet (400 not_allowed).
 */
#include <string.h>

#include "cgi/cart_update.h"
#include "cgi/cart_checkout.h"
#include "cgi/cart_view.h"
#include "cgi/catalogue_util.h"
#include "cgi/router.h"
#include "common/body.h"
#include "common/customer_json.h"
#include "common/fields.h"
#include "common/json.h"
#include "common/metadata.h"
#include "common/metadata_limit.h"
#include "common/respond.h"
#include "common/ulid.h"
#include "sql/cart_store.h"
#include "sql/cart_update_store.h"
#include "sql/region_store.h"

/* StorePostCartsCartReq (Medusa 1.20.10): class-validator's order of its properties */
static const struct field_spec update_fields[] = {
	{ "region_id", FK_STRING, 0, 64, NULL },
	{ "country_code", FK_STRING, 0, FIELDS_NAME_MAX, NULL },
	{ "email", FK_EMAIL, 0, FIELDS_NAME_MAX, NULL },
	{ "billing_address", FK_ADDRESS_OR_ID, 0, 64, &fields_address_payload },
	{ "shipping_address", FK_ADDRESS_OR_ID, 0, 64, &fields_address_payload },
	{ "gift_cards", FK_ANY, 0, 0, NULL }, /* checked by codes_messages() */
	{ "discounts", FK_ANY, 0, 0, NULL },
	{ "customer_id", FK_STRING, 0, 64, NULL },
	{ "context", FK_OBJECT, 0, 0, NULL }, /* Medusa: no check, a string spreads into the context */
	{ "sales_channel_id", FK_STRING, 0, 64, NULL },
};
static const struct field_set update_set = FIELD_SET(update_fields);

/* Codes in one request: Medusa has no bound; each costs a query here. */
#define CODES_MAX 100

/* The cart row's columns this route reads (sql/cart_store.c cart_cols). */
enum { CC_BILLING = 5, CC_SHIPPING = 6, CC_AUTHORIZED = 12, CC_CONTEXT = 14 };
/* Address columns (cart_address_cols) of each address_field, for copying a row into a patch. */
static const unsigned addr_col[AF_COUNT] = {
	[AF_COMPANY] = 5, [AF_FIRST_NAME] = 6, [AF_LAST_NAME] = 7, [AF_ADDRESS_1] = 8, [AF_ADDRESS_2] = 9,
	[AF_CITY] = 10, [AF_COUNTRY_CODE] = 11, [AF_PROVINCE] = 12, [AF_POSTAL_CODE] = 13, [AF_PHONE] = 14,
	[AF_METADATA] = 15,
};
#define ADDR_CUSTOMER_COL 4

static void msg(struct buf *m, int *count, const char *text)
{
	if ((*count)++)
		buf_add(m, ", ", 2);
	buf_adds(m, text);
}

/*
 * class-validator's messages for `gift_cards` / `discounts` (IsArray, ValidateNested each,
 * {code: IsString}), flattened as Medusa's validator does: the property's own, then each
 * element's.
 */
static void codes_messages(struct req *r, struct buf *m, int *count, const char *name, struct json_object *v)
{
	if (!v)
		return;
	if (!json_object_is_type(v, json_type_array)) {
		msg(m, count, arena_printf(&r->arena, "%s must be an array", name));
		if (!json_object_is_type(v, json_type_object))
			msg(m, count, arena_printf(&r->arena, "nested property %s must be either object or array", name));
		return;
	}
	size_t n = json_object_array_length(v);
	if (n > CODES_MAX) {
		msg(m, count, arena_printf(&r->arena, "%s must contain no more than %d elements", name, CODES_MAX));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		if (!e || !json_object_is_type(e, json_type_object)) {
			msg(m, count, arena_printf(&r->arena, "each value in nested property %s must be either object "
						   "or array", name));
			continue;
		}
		json_object_object_foreach(e, key, val) {
			(void)val;
			if (strcmp(key, "code") != 0)
				msg(m, count, arena_printf(&r->arena, "property %s should not exist", key));
		}
		struct json_object *c = json_object_object_get(e, "code");
		if (!c || !json_object_is_type(c, json_type_string))
			msg(m, count, "code must be a string");
	}
}

static enum api_err validate(struct req *r)
{
	enum api_err e = body_validate(r, r->json, &update_set);
	if (e != API_OK)
		return e;
	struct buf m = BUF_INIT;
	buf_init(&m);
	int count = 0;
	codes_messages(r, &m, &count, "gift_cards", json_object_object_get(r->json, "gift_cards"));
	codes_messages(r, &m, &count, "discounts", json_object_object_get(r->json, "discounts"));
	if (count)
		e = respond_fail(r, E_INVALID_DATA, "%.*s", (int)m.len, m.data);
	buf_release(&m);
	return e;
}

/* What the update works from: the cart, the body, and the decision taking shape. */
struct upd {
	struct req *r;
	struct cart_model m;
	struct cart_update u;
	int completed;          /* completed_at or payment_authorized_at: order rows hang on it */
	const char *price_customer; /* the customer whose groups price the lines */
	int reprice, switching;
	const char *region_cc;  /* region switch: the shipping country it sets (NULL: cleared) */
	struct cu_item *items;  /* one per m.items, id NULL when untouched */
};

static const char *cart_cell(const struct upd *x, unsigned col)
{
	return db_cell(&x->m.v.cart, 0, col);
}

/*
 * Whether the logged-in customer takes the cart, the rule of GET (cgi/carts.c): a cart of another
 * account holder, or a completed one, stays its customer's (API.md section 9: a cart changes
 * hands only from nobody or a guest); Medusa's route hands every cart to the caller.
 */
static int takes_cart(const struct upd *x)
{
	const struct cart_model *m = &x->m;
	const char *me = x->r->customer_id;
	if (m->customer_id && strcmp(m->customer_id, me) == 0)
		return 1;
	if (x->completed)
		return 0;
	if (!m->customer_id || !m->email || !m->customer.nrows)
		return 1;
	const char *account = db_cell(&m->customer, 0, 9);
	return !account || strcmp(account, "0") == 0;
}

/* The logged-in customer, else a guest customer for email (Medusa: customer_id wins). */
static enum api_err customer(struct upd *x)
{
	struct req *r = x->r;
	const char *body_id = body_str(r->json, "customer_id");
	const char *email = body_str(r->json, "email");
	int takes = r->customer_id[0] && takes_cart(x);
	/* API.md section 9: only the logged-in customer, never another one (Medusa attaches any id) */
	if (body_id && (!r->customer_id[0] || strcmp(body_id, r->customer_id) != 0))
		return respond_fail(r, E_NOT_ALLOWED, "customer_id can only be the logged-in customer");
	if (body_id && !takes)
		return respond_fail(r, E_NOT_ALLOWED, "The cart belongs to another customer");
	if (takes) {
		const char *mail;
		enum store_rc rc = cart_store_customer_email(&r->w->db, &r->arena, r->customer_id, &mail);
		if (rc != STORE_OK)
			return store_fail(rc);
		if (!mail)
			return respond_fail(r, E_NOT_FOUND, "Customer with id: %s was not found", r->customer_id);
		x->u.customer_id = r->customer_id;
		x->u.email = mail;
		x->price_customer = r->customer_id;
		x->reprice = 1;
		return API_OK;
	}
	if (!email) {
		/* Medusa: isDefined(null) holds, so email null reaches validateEmail (not when logged in) */
		int present;
		if (!body_get(r->json, "email", &present) && present && !r->customer_id[0])
			return respond_fail(r, E_INVALID_DATA, "The email is not valid");
		return API_OK;
	}
	const char *low = arena_strdup_lower(&r->arena, email), *found;
	enum store_rc rc = cart_update_store_guest(&r->w->db, &r->arena, low, &found);
	if (rc != STORE_OK)
		return store_fail(rc);
	x->u.email = low;
	x->u.guest_email = low;
	char id[64];
	if (ulid_id("cus", id, sizeof(id)) != 0)
		return E_UNKNOWN;
	x->u.guest_new_id = arena_strdup(&r->arena, id);
	x->u.guest_found_id = found;
	x->price_customer = found;
	return API_OK;
}

/* The only country of region_id, or NULL when it has none or several. */
static enum api_err only_country(struct req *r, const char *region_id, const char **out)
{
	int found;
	return cart_region_lookup(r, region_id, &found, out);
}

static enum api_err in_region(struct req *r, const char *region_id, const char *cc, int *yes)
{
	int live;
	enum api_err e = cart_region_has_country(r, region_id, cc, &live, yes);
	if (e != API_OK || live)
		return e;
	return store_fail(cart_store_country_in_region(&r->w->db, &r->arena, region_id, cc, yes));
}

/* New unit prices of the lines in the (new) region for the (new) customer; lines without one go. */
static enum api_err reprice(struct upd *x)
{
	struct req *r = x->r;
	struct cart_model pm = x->m;
	pm.region_id = x->u.region_id;
	pm.customer_id = x->price_customer;
	for (size_t i = 0; i < x->m.n_items; i++) {
		const struct cart_item *it = &x->m.items[i];
		if (!it->variant_id)
			continue;
		long price = 0;
		int found = 0;
		enum api_err e = cart_price_lookup(r, &pm, it->variant_id, (long)it->quantity, &price, &found);
		if (e != API_OK)
			return e;
		x->items[i].id = it->id;
		/* Medusa's updateUnitPrices_: a line without a price in the new region is deleted */
		x->items[i].remove = !found;
		x->items[i].unit_price = price;
	}
	return API_OK;
}

/* Region: look-up, the completed-cart rule, prices, the shipping country the switch sets. */
static enum api_err region(struct upd *x)
{
	struct req *r = x->r;
	const char *region_id = body_str(r->json, "region_id");
	if (region_id) {
		x->reprice = 1;
		x->switching = strcmp(region_id, x->m.region_id) != 0;
		int found;
		const char *only;
		enum api_err e = cart_region_lookup(r, region_id, &found, &only);
		if (e != API_OK)
			return e;
		if (!found)
			return respond_fail(r, E_NOT_FOUND, "Region with %s was not found", region_id);
		x->u.region_id = region_id;
	}
	if (x->switching && x->completed)
		return respond_fail(r, E_NOT_ALLOWED, "Cannot change the region of a completed cart");
	/* a completed cart's lines are its order's lines: never re-priced (Medusa re-prices them) */
	if (x->reprice && !x->completed) {
		enum api_err e = reprice(x);
		if (e != API_OK)
			return e;
	}
	if (!x->switching)
		return API_OK;
	x->u.drop_methods = x->m.n_methods > 0;
	x->u.drop_sessions = x->m.sessions.nrows > 0;
	/* the shipping country: country_code, else the shipping address object's, else the region's only one */
	const char *cc = body_str(r->json, "country_code");
	struct json_object *ship = json_object_object_get(r->json, "shipping_address");
	if (!cc && ship && json_object_is_type(ship, json_type_object))
		cc = body_str(ship, "country_code");
	if (cc && *cc) {
		int yes;
		const char *low = arena_strdup_lower(&r->arena, cc);
		enum api_err e = in_region(r, x->u.region_id, low, &yes);
		if (e != API_OK)
			return e;
		if (!yes)
			return respond_fail(r, E_NOT_ALLOWED, "Country not available in region");
		x->region_cc = low;
		return API_OK;
	}
	return only_country(r, x->u.region_id, &x->region_cc);
}

/* An address id the cart may use: its customer's, or one the cart already has (API.md section 9). */
static enum api_err address_id(struct upd *x, const char *id, const char **country)
{
	struct req *r = x->r;
	struct db_rows rows;
	enum store_rc rc = cart_update_store_address(&r->w->db, &r->arena, id, &rows);
	if (rc != STORE_OK)
		return store_fail(rc);
	const char *owner = rows.nrows ? db_cell(&rows, 0, 1) : NULL;
	const char *bill = cart_cell(x, CC_BILLING), *ship = cart_cell(x, CC_SHIPPING);
	/* price_customer: the cart's customer after this update (a guest being made has no address) */
	const char *cust = x->price_customer;
	int ok = rows.nrows && ((owner && cust && strcmp(owner, cust) == 0) || (bill && strcmp(bill, id) == 0) ||
				(ship && strcmp(ship, id) == 0));
	if (!ok)
		return respond_fail(r, E_NOT_FOUND, "Address with id %s was not found", id);
	*country = db_cell(&rows, 0, 2);
	return API_OK;
}

/* Copies the current row's values into ap under the keys ap does not set. */
static void patch_under_row(struct address_patch *ap, const struct db_rows *row)
{
	for (int f = 0; f < AF_COUNT; f++) {
		if (ap->set & (1u << f))
			continue;
		ap->set |= 1u << f;
		ap->v[f] = db_cell(row, 0, addr_col[f]);
	}
}

/*
 * The decision for an address object ap on the cart's current row cur (0 or 1 row): Medusa
 * writes the keys into the current row; we do so only for a row the cart owns (customer_id
 * NULL) while the cart is not completed, else a new row gets the current values with ap's over them.
 */
static enum api_err address_object(struct upd *x, const struct db_rows *cur, struct address_patch *ap,
				   struct cu_addr *out)
{
	out->patch = *ap;
	if (cur->nrows && !db_cell(cur, 0, ADDR_CUSTOMER_COL) && !x->completed) {
		out->kind = CU_ADDR_UPDATE;
		out->id = db_cell(cur, 0, 0);
		return API_OK;
	}
	if (cur->nrows)
		patch_under_row(&out->patch, cur);
	char id[64];
	if (ulid_id("addr", id, sizeof(id)) != 0)
		return E_UNKNOWN;
	out->kind = CU_ADDR_INSERT;
	out->id = arena_strdup(&x->r->arena, id);
	return API_OK;
}

/*
 * Medusa saves a cart address's country_code as sent (only customer addresses are lower-cased):
 * a code with capitals breaks the country foreign key, 404 with the code as sent (probe).
 */
static enum api_err country_as_sent(struct req *r, struct json_object *addr)
{
	const char *cc = body_str(addr, "country_code");
	for (const char *p = cc; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return respond_fail(r, E_NOT_FOUND, "Country with country_code %s does not exist.", cc);
	return API_OK;
}

/* The country of an address object must exist (the column's foreign key; Medusa answers 500). */
static enum api_err country_exists(struct req *r, const struct address_patch *ap)
{
	const char *cc = ap->set & (1u << AF_COUNTRY_CODE) ? ap->v[AF_COUNTRY_CODE] : NULL;
	if (!cc)
		return API_OK;
	int yes;
	enum store_rc rc = cart_update_store_country(&r->w->db, &r->arena, cc, &yes);
	if (rc != STORE_OK)
		return store_fail(rc);
	return yes ? API_OK : respond_fail(r, E_NOT_FOUND, "Country with country_code %s does not exist.", cc);
}

static enum api_err billing(struct upd *x)
{
	struct req *r = x->r;
	int present;
	struct json_object *v = body_get(r->json, "billing_address", &present);
	enum api_err e;
	if (!present)
		return API_OK;
	if (!v) {
		x->u.billing.kind = CU_ADDR_UNLINK; /* Medusa: 500 (it reads null.id) */
		return API_OK;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *cc;
		if ((e = address_id(x, json_object_get_string(v), &cc)) != API_OK)
			return e;
		x->u.billing.kind = CU_ADDR_LINK;
		x->u.billing.id = json_object_get_string(v);
		return API_OK;
	}
	struct address_patch ap;
	if ((e = address_patch_from(r, v, &ap)) != API_OK || (e = country_as_sent(r, v)) != API_OK ||
	    (e = country_exists(r, &ap)) != API_OK)
		return e;
	return address_object(x, &x->m.v.billing, &ap, &x->u.billing);
}

/* Medusa's updateShippingAddress_: a country given must be one of the cart's region. */
static enum api_err shipping_country_ok(struct upd *x, const char *cc)
{
	if (!cc || !*cc)
		return API_OK;
	int yes;
	enum api_err e = in_region(x->r, x->u.region_id, arena_strdup_lower(&x->r->arena, cc), &yes);
	if (e != API_OK)
		return e;
	return yes ? API_OK : respond_fail(x->r, E_INVALID_DATA, "Shipping country must be in the cart region");
}

static enum api_err shipping(struct upd *x)
{
	struct req *r = x->r;
	int present;
	struct json_object *v = body_get(r->json, "shipping_address", &present);
	enum api_err e;
	const struct db_rows *cur = &x->m.v.shipping;
	struct address_patch ap;
	memset(&ap, 0, sizeof(ap));
	if (!present && !x->switching)
		return API_OK;
	if (present && !v) {
		x->u.shipping.kind = CU_ADDR_UNLINK;
		return API_OK;
	}
	if (v && json_object_is_type(v, json_type_string)) {
		const char *cc;
		if ((e = address_id(x, json_object_get_string(v), &cc)) != API_OK ||
		    (e = shipping_country_ok(x, cc)) != API_OK)
			return e;
		x->u.shipping.kind = CU_ADDR_LINK;
		x->u.shipping.id = json_object_get_string(v);
		return API_OK;
	}
	if (v) {
		if ((e = shipping_country_ok(x, body_str(v, "country_code"))) != API_OK ||
		    (e = address_patch_from(r, v, &ap)) != API_OK || (e = country_as_sent(r, v)) != API_OK)
			return e;
	}
	/* the region switch sets (or clears) the country of the address the cart has, or of a new one */
	if (x->switching && !(ap.set & (1u << AF_COUNTRY_CODE)) && (cur->nrows || !v)) {
		ap.set |= 1u << AF_COUNTRY_CODE;
		ap.v[AF_COUNTRY_CODE] = x->region_cc;
	}
	return address_object(x, cur, &ap, &x->u.shipping);
}

static enum api_err sales_channel(struct upd *x)
{
	struct req *r = x->r;
	const char *id = body_str(r->json, "sales_channel_id");
	if (!id || (x->m.sales_channel_id && strcmp(id, x->m.sales_channel_id) == 0))
		return API_OK;
	struct db_rows ch;
	enum store_rc rc = cart_store_channel(&r->w->db, &r->arena, id, &ch);
	if (rc != STORE_OK)
		return store_fail(rc);
	if (!ch.nrows)
		return respond_fail(r, E_NOT_FOUND, "Sales channel with id: %s was not found", id);
	if (strcmp(db_cell(&ch, 0, 1), "0") != 0)
		return respond_fail(r, E_INVALID_DATA, "Unable to assign the cart to a disabled Sales Channel \"%s\"",
				    db_cell(&ch, 0, 0));
	x->u.sales_channel_id = id;
	if (x->completed)
		return API_OK;
	/* Medusa's onSalesChannelChange: lines of products outside the channel are removed */
	struct db_rows out;
	if ((rc = cart_update_store_items_outside(&r->w->db, &r->arena, x->m.id, id, &out)) != STORE_OK)
		return store_fail(rc);
	for (size_t k = 0; k < out.nrows; k++)
		for (size_t i = 0; i < x->m.n_items; i++)
			if (strcmp(x->m.items[i].id, db_cell(&out, k, 0)) == 0) {
				x->items[i].id = x->m.items[i].id;
				x->items[i].remove = 1;
				x->u.drop_methods |= x->m.n_methods > 0;
			}
	return API_OK;
}

/* Discount codes as Medusa's listByCodes and validateDiscountForCartOrThrow see them. */
static enum api_err discounts(struct upd *x)
{
	struct req *r = x->r;
	struct json_object *v = json_object_object_get(r->json, "discounts");
	size_t n = v ? json_object_array_length(v) : 0;
	if (!n)
		return API_OK;
	const char **codes = arena_alloc(&r->arena, n * sizeof(*codes));
	struct db_rows *rows = arena_alloc(&r->arena, n * sizeof(*rows));
	size_t found = 0;
	struct buf list = BUF_INIT;
	buf_init(&list);
	enum api_err e = API_OK;
	for (size_t i = 0; i < n && e == API_OK; i++) {
		const char *c = json_object_get_string(json_object_object_get(json_object_array_get_idx(v, i), "code"));
		while (*c == ' ' || (*c >= '\t' && *c <= '\r'))
			c++;
		char *u = arena_strdup(&r->arena, c);
		size_t len = strlen(u);
		while (len && (u[len - 1] == ' ' || (u[len - 1] >= '\t' && u[len - 1] <= '\r')))
			u[--len] = '\0';
		for (char *p = u; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		codes[i] = u;
		if (i)
			buf_adds(&list, ", ");
		buf_adds(&list, u);
		e = store_fail(cart_update_store_discount(&r->w->db, &r->arena, u, x->u.now, x->u.region_id, &rows[i]));
		int dup = 0;
		for (size_t j = 0; j < i; j++)
			dup |= strcmp(codes[j], u) == 0;
		found += rows[i].nrows && !dup;
	}
	/* Medusa compares how many discounts it found with how many codes it got */
	if (e == API_OK && found != n)
		e = respond_fail(r, E_NOT_FOUND, "Discounts with code [%.*s] was not found", (int)list.len, list.data);
	buf_release(&list);
	for (size_t i = 0; i < n && e == API_OK; i++) {
		const char *code = db_cell(&rows[i], 0, 0);
		if (strcmp(db_cell(&rows[i], 0, 4), "1") == 0)
			e = respond_fail(r, E_NOT_ALLOWED, "Discount %s has been used maximum allowed times", code);
		else if (strcmp(db_cell(&rows[i], 0, 2), "1") == 0)
			e = respond_fail(r, E_NOT_ALLOWED, "Discount %s is not valid yet", code);
		else if (strcmp(db_cell(&rows[i], 0, 3), "1") == 0)
			e = respond_fail(r, E_NOT_ALLOWED, "Discount %s is expired", code);
		else if (strcmp(db_cell(&rows[i], 0, 1), "0") != 0)
			e = respond_fail(r, E_NOT_ALLOWED, "The discount code %s is disabled", code);
		else if (strcmp(db_cell(&rows[i], 0, 5), "1") != 0)
			e = respond_fail(r, E_INVALID_DATA, "The discount is not available in current region");
	}
	if (e == API_OK)
		e = respond_fail(r, E_NOT_ALLOWED, "Discount codes on carts are not supported yet");
	return e;
}

/* Gift card codes as Medusa's applyGiftCard_ checks them. */
static enum api_err gift_cards(struct upd *x)
{
	struct req *r = x->r;
	struct json_object *v = json_object_object_get(r->json, "gift_cards");
	size_t n = v ? json_object_array_length(v) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *code = json_object_get_string(json_object_object_get(json_object_array_get_idx(v, i), "code"));
		struct db_rows rows;
		enum store_rc rc = cart_update_store_gift_card(&r->w->db, &r->arena, code, &rows);
		if (rc != STORE_OK)
			return store_fail(rc);
		if (!rows.nrows)
			return respond_fail(r, E_NOT_FOUND, "Gift card with code: %s was not found", code);
		if (strcmp(db_cell(&rows, 0, 1), "0") != 0)
			return respond_fail(r, E_NOT_ALLOWED, "The gift card is disabled");
		if (strcmp(db_cell(&rows, 0, 2), x->u.region_id) != 0)
			return respond_fail(r, E_INVALID_DATA, "The gift card cannot be used in the current region");
	}
	return n ? respond_fail(r, E_NOT_ALLOWED, "Gift cards on carts are not supported yet") : API_OK;
}

/* {...stored context, ...body context} as JSON text (Medusa's shallow merge). */
static enum api_err context(struct upd *x)
{
	struct req *r = x->r;
	struct json_object *v = json_object_object_get(r->json, "context");
	if (!v)
		return API_OK;
	const char *stored = cart_cell(x, CC_CONTEXT);
	struct json_object *o = stored ? json_tokener_parse(stored) : NULL;
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	json_object_object_foreach(v, k, val)
		json_object_object_add(o, k, json_object_get(val));
	const char *s = arena_strdup(&r->arena, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	/* the bound of stored metadata (API.md section 10) holds for the context too */
	if (!metadata_fits(s))
		return respond_fail(r, E_INVALID_DATA, "context must be at most %d bytes as stored (after the merge)",
				    METADATA_MAX_BYTES);
	x->u.context_json = s;
	return API_OK;
}

/* The decided line changes, packed for the store. */
static void pack_items(struct upd *x)
{
	size_t k = 0;
	for (size_t i = 0; i < x->m.n_items; i++)
		if (x->items[i].id)
			x->items[k++] = x->items[i];
	x->u.items = x->items;
	x->u.n_items = k;
}

/* Medusa's route re-syncs existing payment sessions after an update without region_id. */
static int syncs_sessions(const struct upd *x)
{
	return x->m.sessions.nrows && !x->switching && !body_str(x->r->json, "region_id") && !x->completed;
}

enum api_err cart_update(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	enum api_err e = validate(r);
	if (e != API_OK)
		return e;
	struct upd x;
	memset(&x, 0, sizeof(x));
	x.r = r;
	if ((e = cart_model_load(r, id, 1, 0, &x.m)) != API_OK)
		return e;
	x.completed = x.m.completed_at || cart_cell(&x, CC_AUTHORIZED);
	x.items = arena_alloc(&r->arena, (x.m.n_items ? x.m.n_items : 1) * sizeof(*x.items));
	memset(x.items, 0, (x.m.n_items ? x.m.n_items : 1) * sizeof(*x.items));
	char now[24];
	customer_db_time(req_epoch_ms(), now);
	struct cart_update *u = &x.u;
	u->cart_id = x.m.id;
	u->now = now;
	u->email = x.m.email;
	u->customer_id = x.m.customer_id;
	u->region_id = x.m.region_id;
	u->sales_channel_id = x.m.sales_channel_id;
	u->context_json = cart_cell(&x, CC_CONTEXT);
	u->billing_id = cart_cell(&x, CC_BILLING);
	u->shipping_id = cart_cell(&x, CC_SHIPPING);
	x.price_customer = x.m.customer_id;
	if ((e = customer(&x)) != API_OK || (e = region(&x)) != API_OK || (e = billing(&x)) != API_OK ||
	    (e = shipping(&x)) != API_OK || (e = sales_channel(&x)) != API_OK || (e = discounts(&x)) != API_OK ||
	    (e = gift_cards(&x)) != API_OK || (e = context(&x)) != API_OK)
		return e;
	pack_items(&x);
	enum store_rc rc = cart_update_store_apply(&r->w->db, &r->arena, u);
	if (rc == STORE_NO_COUNTRY)
		return respond_fail(r, E_NOT_FOUND, "Country does not exist");
	if (rc != STORE_OK)
		return store_fail(rc);
	int synced = syncs_sessions(&x);
	if (synced && (e = cart_payment_sync(r, x.m.id)) != API_OK)
		return e;
	/* the cart row always (its updated_at may move); the rest only where this wrote (a changed
	 * region reads everything again) */
	unsigned reload = CART_RELOAD_ROW | (u->n_items ? CART_RELOAD_ITEMS : 0);
	if (u->drop_methods)
		reload |= CART_RELOAD_METHODS | CART_RELOAD_ITEMS;
	if (u->drop_sessions || synced)
		reload |= CART_RELOAD_SESSIONS;
	return cart_answer_model(r, &x.m, CART_UPDATE, reload);
}

enum api_err cart_discount_delete(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id || !catq_param(r, 1))
		return r->err;
	struct cart_model m;
	enum api_err e = cart_model_load(r, id, 1, 0, &m);
	if (e != API_OK)
		return e;
	/*
	 * Carts hold no discounts yet (they come with the discount work): removing a code the cart
	 * does not have changes nothing and answers the cart, as Medusa does (transcript 111).
	 */
	return cart_answer_model(r, &m, CART_UPDATE, 0);
}
