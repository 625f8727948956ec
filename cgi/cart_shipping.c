/*
 * cart_shipping: a cart's shipping (issue 12), as Medusa 1.20 does it
 * (M:api/routes/store/shipping-options/list-shipping-options.ts, ShippingProfileService.
 * fetchCartOptions, ShippingOptionService.validateCartOption / createShippingMethod,
 * CartService.addShippingMethod; transcripts-store 114-121, 159-160, extras 051-052, 075).
 *
 * GET /store/shipping-options/:cart_id: the options of the cart's region that are not return
 * options, not admin_only, of a shipping profile of the cart's items, priced flat, whose
 * requirements hold for the cart's subtotal (min_subtotal <= subtotal < max_subtotal), each
 * written by the catalogue's writer with its profile (114). An empty cart has no profile and
 * so no option.
 *
 * POST /store/carts/:id/shipping-methods {option_id, data}: under the cart's row lock, the
 * option must exist (404), be of the cart's region (400 invalid_data) and meet its requirements
 * (400 not_allowed); the new method replaces the cart's method of the same profile (118: one
 * per profile), the items' has_shipping follows, and sessions already on the cart get the new
 * total (setPaymentSessions). Answer: the cart (117).
 *
 * Deliberately not as Medusa (README "Differences from Medusa"): a return option or an
 * admin_only option cannot become a cart's method (Medusa takes both: 400 not_allowed here,
 * API.md section 9); an unknown cart is 404, not Medusa's 500 (115); a completed cart's
 * shipping is not changed (400 not_allowed).
 */
#include <stdlib.h>
#include <string.h>

#include "cgi/cart_checkout.h"
#include "cgi/cart_view.h"
#include "cgi/catalogue.h"
#include "cgi/catalogue_util.h"
#include "cgi/router.h"
#include "common/body.h"
#include "common/json.h"
#include "common/respond.h"
#include "common/ulid.h"
#include "sql/cart_checkout_store.h"
#include "sql/region_store.h"

/* Columns of a shipping option row (region_store.h shipping_option_cols). */
enum { SO_ID = 0, SO_REGION = 5, SO_PROFILE = 6, SO_PRICE_TYPE = 8, SO_AMOUNT = 9, SO_IS_RETURN = 10,
       SO_ADMIN_ONLY = 11 };

/* StorePostCartsCartShippingMethodReq: option_id (IsString), data (optional, any value) */
static const struct field_spec method_fields[] = {
	{ "option_id", FK_STRING, 1, 0, NULL },
	{ "data", FK_ANY, 0, 0, NULL },
};
static const struct field_set method_set = FIELD_SET(method_fields);

static int truthy(const char *cell)
{
	return cell && strcmp(cell, "0") != 0;
}

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The shipping profile of a cart item's product, NULL when its variant is gone. */
static const char *item_profile(const struct cart_item *it)
{
	return it->variant && it->variant->product ? it->variant->product->profile_id : NULL;
}

/* 1 when some item of m is of profile. */
static int cart_has_profile(const struct cart_model *m, const char *profile)
{
	for (size_t i = 0; i < m->n_items; i++)
		if (streq(item_profile(&m->items[i]), profile))
			return 1;
	return 0;
}

/*
 * validateCartOption's requirement check: every max_subtotal above the subtotal, every
 * min_subtotal at most the subtotal. reqs: rows whose columns type_col, type_col + 1 are type,
 * amount; only rows whose column key_col equals option_id count (key_col < 0: every row).
 */
static int requirements_hold(const struct db_rows *reqs, int key_col, unsigned type_col, const char *option_id,
			     long long subtotal)
{
	for (size_t k = 0; k < reqs->nrows; k++) {
		if (key_col >= 0 && !streq(db_cell(reqs, k, (unsigned)key_col), option_id))
			continue;
		const char *type = db_cell(reqs, k, type_col), *amount = db_cell(reqs, k, type_col + 1);
		long long v = amount ? strtoll(amount, NULL, 10) : 0;
		if (streq(type, "max_subtotal") && !(v > subtotal))
			return 0;
		if (streq(type, "min_subtotal") && !(v <= subtotal))
			return 0;
	}
	return 1;
}

/* A flat price: Medusa's manual provider cannot calculate one, so such options are never valid. */
static int priced(char *const *cells)
{
	return streq(cells[SO_PRICE_TYPE], "flat_rate") && cells[SO_AMOUNT];
}

enum api_err cart_shipping_options(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	struct cart_model m;
	enum api_err e = cart_model_load(r, id, 0, 0, &m);
	if (e != API_OK)
		return e;
	struct db *db = &r->w->db;
	struct db_rows opts = { 0 }, reqs = { 0 }, rates = { 0 }, profiles = { 0 };
	enum store_rc rc = STORE_OK;
	if (m.n_items)
		rc = shipping_store_list(db, &r->arena, m.region_id, 0, &opts);
	if (rc == STORE_OK && opts.nrows)
		rc = shipping_store_requirements(db, &r->arena, &reqs);
	if (rc == STORE_OK && opts.nrows)
		rc = shipping_store_tax_rates(db, &r->arena, &rates);
	if (rc == STORE_OK && opts.nrows)
		rc = checkout_store_profiles(db, &r->arena, &profiles);
	if (rc != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	buf_adds(r->out, "{\"shipping_options\":[");
	int n = 0;
	for (size_t i = 0; i < opts.nrows; i++) {
		char **cells = &opts.cells[i * opts.ncols];
		/* shipping_store_list gave live, non-admin_only, non-return options of the region */
		if (!cart_has_profile(&m, cells[SO_PROFILE]) || !priced(cells) ||
		    !requirements_hold(&reqs, 1, 2, cells[SO_ID], m.totals.subtotal))
			continue;
		if (n++)
			buf_addc(r->out, ',');
		shipping_option_json(r->out, &opts, i, &reqs, &rates, &profiles, &r->arena);
	}
	buf_adds(r->out, "]}");
	return API_OK;
}

/* The body's data as the JSON text stored on the method: {} when absent or null. */
static const char *method_data(struct req *r)
{
	struct json_object *d = json_object_object_get(r->json, "data");
	if (!d)
		return "{}";
	struct buf b;
	buf_init(&b);
	json_w_canonical(&b, d);
	char *s = arena_strndup(&r->arena, b.data, b.len);
	buf_release(&b);
	return s;
}

enum api_err cart_add_shipping_method(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	enum api_err e = body_validate(r, r->json, &method_set);
	if (e != API_OK)
		return e;
	const char *option_id = body_str(r->json, "option_id");
	struct cart_model m;
	if ((e = cart_model_load(r, id, 1, 0, &m)) != API_OK)
		return e;
	if (m.completed_at)
		return respond_fail(r, E_NOT_ALLOWED, "Cart %s is already completed", m.id);
	struct db *db = &r->w->db;
	struct db_rows opt, reqs;
	enum store_rc rc = checkout_store_option(db, &r->arena, option_id, &opt);
	if (rc == STORE_OK && opt.nrows)
		rc = checkout_store_requirements(db, &r->arena, option_id, &reqs);
	if (rc != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	if (!opt.nrows)
		return respond_fail(r, E_NOT_FOUND, "Shipping Option with %s was not found", option_id);
	char **o = opt.cells;
	/* API.md section 9: Medusa skips every check for a return option and adds it */
	if (truthy(o[SO_IS_RETURN]))
		return respond_fail(r, E_NOT_ALLOWED, "A return shipping option cannot be a cart's shipping method");
	if (!streq(o[SO_REGION], m.region_id))
		return respond_fail(r, E_INVALID_DATA, "The shipping option is not available in the cart's region");
	if (truthy(o[SO_ADMIN_ONLY]))
		return respond_fail(r, E_NOT_ALLOWED, "The shipping option is not available to customers");
	if (!requirements_hold(&reqs, -1, 0, NULL, m.totals.subtotal))
		return respond_fail(r, E_NOT_ALLOWED, "The Cart does not satisfy the shipping option's requirements");
	if (!priced(o))
		return respond_fail(r, E_NOT_ALLOWED, "The shipping option's price cannot be calculated");

	/* one method per profile: the new one replaces the cart's method of the option's profile */
	char mid[64];
	if (ulid_id("sm", mid, sizeof(mid)) != 0)
		return E_UNKNOWN;
	struct checkout_method_new nm = {
		.cart_id = m.id, .id = mid, .option_id = o[SO_ID], .data_json = method_data(r),
		.price = strtoll(o[SO_AMOUNT], NULL, 10),
	};
	const char **replaced = arena_alloc(&r->arena, sizeof(*replaced) * (m.n_methods ? m.n_methods : 1));
	const char **kept = arena_alloc(&r->arena, sizeof(*kept) * (m.n_methods + 1));
	size_t n_kept = 0;
	kept[n_kept++] = o[SO_PROFILE];
	for (size_t i = 0; i < m.n_methods; i++) {
		if (streq(m.methods[i].profile_id, o[SO_PROFILE]))
			replaced[nm.n_replaced++] = m.methods[i].id;
		else
			kept[n_kept++] = m.methods[i].profile_id;
	}
	nm.replaced = replaced;
	/* has_shipping: the item's profile has a method (CartService.validateLineItemShipping_) */
	struct checkout_item_shipping *items = arena_alloc(&r->arena, sizeof(*items) * (m.n_items ? m.n_items : 1));
	for (size_t i = 0; i < m.n_items; i++) {
		const char *p = item_profile(&m.items[i]);
		items[i].id = m.items[i].id;
		items[i].has_shipping = 0;
		for (size_t k = 0; p && k < n_kept; k++)
			items[i].has_shipping |= streq(kept[k], p);
	}
	nm.items = items;
	nm.n_items = m.n_items;
	if ((rc = checkout_store_add_method(db, &r->arena, &nm)) != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	if (m.sessions.nrows && (e = cart_payment_sync(r, m.id)) != API_OK)
		return e;
	/* the method and the lines' has_shipping changed; the sessions when synced */
	return cart_answer_model(r, &m, CART_GET,
				 CART_RELOAD_ITEMS | CART_RELOAD_METHODS | (m.sessions.nrows ? CART_RELOAD_SESSIONS : 0));
}
