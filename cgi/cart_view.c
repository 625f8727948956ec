/*
 * cart_view: the cart read model and the writer of cart answers (header).
 *
 * Key order, as recorded from Medusa 1.20.11: "object", the cart's columns, then the loaded
 * relations in TypeORM's hydration order (billing_address, [customer], discounts, gift_cards,
 * items, payment, payment_sessions, [payment_session], region, sales_channel,
 * shipping_address, shipping_methods), then the totals. An item is its columns, adjustments,
 * tax_lines, variant (columns, then product with profiles, profile, profile_id), then its
 * totals; a shipping method its columns, shipping_option, tax_lines, then its totals.
 * payment_session is Cart.afterLoad's find of the selected session: absent when none is.
 */
#include "cgi/cart_view.h"

#include <stdlib.h>
#include <string.h>

#include "cgi/catalogue_util.h"
#include "cgi/product_view.h"
#include "cgi/router.h"
#include "common/json.h"
#include "common/respond.h"
#include "sql/region_store.h"

enum { CART_EMAIL = 4, CART_REGION = 7, CART_CUSTOMER = 8, CART_PAYMENT = 9, CART_COMPLETED = 11,
       CART_CHANNEL = 16 };
enum { REG_CURRENCY = 5, REG_TAX_RATE = 6, REG_GC_TAXABLE = 8, REG_AUTOMATIC = 9 };

static long long ll_of(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

static int bool_of(const char *s)
{
	return s && strcmp(s, "0") != 0;
}

static const struct pc_variant *find_variant(const struct pc_snapshot *s, const char *id)
{
	if (!s || !id)
		return NULL;
	for (size_t i = 0; i < s->nvariants; i++)
		if (strcmp(s->variants[i].id, id) == 0)
			return &s->variants[i];
	return NULL;
}

static const struct pc_region *find_region(const struct pc_snapshot *s, const char *id)
{
	for (size_t i = 0; s && id && i < s->nregions; i++)
		if (strcmp(s->regions[i].id, id) == 0)
			return &s->regions[i];
	return NULL;
}

/* rows (owner id, rate, name, code), ordered by owner: the run of owner as totals_rate rows. */
static struct totals_rate *rates_of(struct arena *a, const struct db_rows *rows, const char *owner, size_t *n)
{
	size_t first = 0, cnt = 0;
	for (size_t i = 0; i < rows->nrows; i++)
		if (strcmp(db_cell(rows, i, 0), owner) == 0 && cnt++ == 0)
			first = i;
	*n = cnt;
	if (!cnt)
		return NULL;
	struct totals_rate *v = arena_alloc(a, sizeof(*v) * cnt);
	for (size_t i = 0; i < cnt; i++)
		v[i] = (struct totals_rate){ db_cell(rows, first + i, 1), db_cell(rows, first + i, 2),
					     db_cell(rows, first + i, 3) };
	return v;
}

/* The item's rates: its product's, then its product type's, of the cart's region (extras 100). */
static struct totals_rate *product_rates(struct arena *a, const struct pc_variant *v, const char *region_id, size_t *n)
{
	*n = 0;
	if (!v || !v->product->nrates)
		return NULL;
	const struct pc_product *p = v->product;
	struct totals_rate *out = arena_alloc(a, sizeof(*out) * p->nrates);
	for (size_t i = 0; i < p->nrates; i++)
		if (region_id && p->rates[i]->region_id && strcmp(p->rates[i]->region_id, region_id) == 0)
			out[(*n)++] = (struct totals_rate){ p->rates[i]->rate, p->rates[i]->name, p->rates[i]->code };
	return out;
}

static enum api_err load_items(struct req *r, struct cart_model *m, int taxed)
{
	struct db *db = &r->w->db;
	struct db_rows rows, saved = { 0, 0, NULL };
	enum store_rc rc = cart_store_items(db, &r->arena, m->id, &rows);
	if (rc == STORE_OK && !taxed && rows.nrows)
		rc = cart_store_item_lines(db, &r->arena, m->id, &saved);
	if (rc != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	size_t n = rows.nrows;
	m->n_items = n;
	m->items = arena_alloc(&r->arena, sizeof(*m->items) * (n ? n : 1));
	m->t_items = arena_alloc(&r->arena, sizeof(*m->t_items) * (n ? n : 1));
	m->o_items = arena_alloc(&r->arena, sizeof(*m->o_items) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		struct cart_item *it = &m->items[i];
		it->cells = &rows.cells[i * LINE_ITEM_NCOLS];
		it->id = it->cells[LI_ID];
		it->variant_id = it->cells[LI_VARIANT_ID];
		it->metadata = it->cells[LI_METADATA];
		it->unit_price = ll_of(it->cells[LI_UNIT_PRICE]);
		it->quantity = ll_of(it->cells[LI_QUANTITY]);
		it->should_merge = bool_of(it->cells[LI_SHOULD_MERGE]);
		it->variant = find_variant(m->snap, it->variant_id);
		struct totals_item *t = &m->t_items[i];
		memset(t, 0, sizeof(*t));
		t->id = it->id;
		t->unit_price = it->unit_price;
		t->quantity = it->quantity;
		if (taxed)
			t->rates = product_rates(&r->arena, it->variant, m->region_id, &t->n_rates);
		else
			t->saved = rates_of(&r->arena, &saved, it->id, &t->n_saved);
	}
	return API_OK;
}

static enum api_err load_methods(struct req *r, struct cart_model *m, int taxed)
{
	struct db *db = &r->w->db;
	struct db_rows rows, rates = { 0, 0, NULL };
	enum store_rc rc = cart_store_methods(db, &r->arena, m->id, &rows);
	if (rc == STORE_OK && rows.nrows)
		rc = taxed ? cart_store_method_rates(db, &r->arena, m->id, &rates)
			   : cart_store_method_lines(db, &r->arena, m->id, &rates);
	if (rc != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	size_t n = rows.nrows, w = SHIPPING_METHOD_NCOLS + SHIPPING_OPTION_NCOLS;
	m->n_methods = n;
	m->methods = arena_alloc(&r->arena, sizeof(*m->methods) * (n ? n : 1));
	m->t_methods = arena_alloc(&r->arena, sizeof(*m->t_methods) * (n ? n : 1));
	m->o_methods = arena_alloc(&r->arena, sizeof(*m->o_methods) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		struct cart_method *sm = &m->methods[i];
		sm->cells = &rows.cells[i * w];
		sm->id = sm->cells[0];
		sm->option_id = sm->cells[1];
		sm->price = ll_of(sm->cells[7]);
		sm->profile_id = sm->cells[SHIPPING_METHOD_NCOLS + 6];
		struct totals_shipping *t = &m->t_methods[i];
		memset(t, 0, sizeof(*t));
		t->id = sm->id;
		t->price = sm->price;
		if (taxed)
			t->rates = rates_of(&r->arena, &rates, sm->id, &t->n_rates);
		else
			t->saved = rates_of(&r->arena, &rates, sm->id, &t->n_saved);
	}
	return API_OK;
}

enum api_err cart_model_load(struct req *r, const char *id, int lock, int force_taxes, struct cart_model *m)
{
	struct db *db = &r->w->db;
	enum store_rc rc = STORE_OK;
	enum api_err e;
	memset(m, 0, sizeof(*m));
	m->id = id;
	m->force_taxes = force_taxes;
	m->selected_session = -1;
	if (lock) {
		int found = 0;
		if ((rc = cart_store_lock(db, &r->arena, id, &found)) != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
		if (!found)
			return respond_fail(r, E_NOT_FOUND, "Cart with %s was not found", id);
	}
	if ((rc = cart_store_get(db, &r->arena, id, &m->v)) != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	if (!m->v.cart.nrows)
		return respond_fail(r, E_NOT_FOUND, "Cart with %s was not found", id);
	const struct db_rows *c = &m->v.cart;
	m->id = db_cell(c, 0, 0);
	m->email = db_cell(c, 0, CART_EMAIL);
	m->region_id = db_cell(c, 0, CART_REGION);
	m->customer_id = db_cell(c, 0, CART_CUSTOMER);
	m->payment_id = db_cell(c, 0, CART_PAYMENT);
	m->completed_at = db_cell(c, 0, CART_COMPLETED);
	m->sales_channel_id = db_cell(c, 0, CART_CHANNEL);
	struct region_filter f = { .id = m->region_id };
	if ((rc = region_store_list(db, &r->arena, &f, 1, 0, &m->region, NULL)) != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	m->tax_rate = "0";
	if (m->region.nrows) {
		m->currency_code = db_cell(&m->region, 0, REG_CURRENCY);
		m->tax_rate = db_cell(&m->region, 0, REG_TAX_RATE) ? db_cell(&m->region, 0, REG_TAX_RATE) : "0";
		m->gift_cards_taxable = bool_of(db_cell(&m->region, 0, REG_GC_TAXABLE));
		m->automatic_taxes = bool_of(db_cell(&m->region, 0, REG_AUTOMATIC));
	}
	if ((e = pv_snapshot(r, &m->snap)) != API_OK)
		return e;
	int taxed = m->automatic_taxes || force_taxes;
	if ((e = load_items(r, m, taxed)) != API_OK || (e = load_methods(r, m, taxed)) != API_OK)
		return e;
	rc = cart_store_sessions(db, &r->arena, m->id, &m->sessions);
	if (rc == STORE_OK && m->payment_id)
		rc = cart_store_payment(db, &r->arena, m->payment_id, &m->payment);
	if (rc == STORE_OK && m->customer_id)
		rc = cart_store_customer(db, &r->arena, m->customer_id, &m->customer);
	if (rc != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	for (size_t i = 0; i < m->sessions.nrows && m->selected_session < 0; i++)
		if (bool_of(db_cell(&m->sessions, i, 5)))
			m->selected_session = (int)i;
	struct totals_cart_in in = {
		.items = m->t_items, .n_items = m->n_items, .methods = m->t_methods, .n_methods = m->n_methods,
		.region = { .automatic_taxes = m->automatic_taxes, .gift_cards_taxable = m->gift_cards_taxable,
			    .tax_rate = m->tax_rate },
	};
	totals_cart(&in, force_taxes, m->o_items, m->o_methods, &m->totals);
	return API_OK;
}

/* ---- writers ---- */

/* One row of db_rows as an object, or null. */
static void row_or_null(struct buf *b, const struct db_rows *rows, const struct rowj_col *cols, size_t n)
{
	if (rows->nrows)
		rowj_object(b, cols, n, rows->cells, NULL);
	else
		buf_adds(b, "null");
}

static void w_variant(struct buf *b, const struct pc_variant *v)
{
	if (!v) {
		buf_adds(b, "null");
		return;
	}
	buf_addc(b, '{');
	for (unsigned i = 0; i < PV_COUNT; i++) {
		if (i)
			buf_addc(b, ',');
		json_w_strz(b, product_store_vcols[i]);
		buf_addc(b, ':');
		buf_adds(b, v->col[i]);
	}
	const struct pc_product *p = v->product;
	buf_adds(b, ",\"product\":{");
	for (unsigned i = 0; i < PP_COUNT; i++) {
		if (i)
			buf_addc(b, ',');
		json_w_strz(b, product_store_pcols[i]);
		buf_addc(b, ':');
		buf_adds(b, p->col[i]);
	}
	buf_adds(b, ",\"profiles\":[");
	const char *profile = NULL;
	for (size_t i = 0; i < p->nprofiles; i++) {
		if (i)
			buf_addc(b, ',');
		buf_adds(b, p->profiles[i]);
		if (!profile)
			profile = p->profiles[i];
	}
	buf_adds(b, "],\"profile\":");
	buf_adds(b, profile ? profile : "null");
	buf_adds(b, ",\"profile_id\":");
	if (p->profile_id)
		json_w_strz(b, p->profile_id);
	else
		buf_adds(b, "null");
	buf_adds(b, "}}");
}

static void w_items(struct buf *b, const struct cart_model *m)
{
	buf_adds(b, ",\"items\":[");
	for (size_t i = 0; i < m->n_items; i++) {
		const struct cart_item *it = &m->items[i];
		if (i)
			buf_addc(b, ',');
		rowj_open(b, line_item_cols, LINE_ITEM_NCOLS, it->cells, NULL);
		/* discounts are a later issue: no adjustments yet */
		buf_adds(b, ",\"adjustments\":[],\"tax_lines\":");
		totals_w_tax_lines(b, &m->o_items[i].lines, "item_id", it->id);
		buf_adds(b, ",\"variant\":");
		w_variant(b, it->variant);
		totals_w_item(b, &m->o_items[i]);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

static void w_methods(struct buf *b, const struct cart_model *m, int with_option)
{
	buf_adds(b, ",\"shipping_methods\":[");
	for (size_t i = 0; i < m->n_methods; i++) {
		const struct cart_method *sm = &m->methods[i];
		if (i)
			buf_addc(b, ',');
		rowj_open(b, shipping_method_cols, SHIPPING_METHOD_NCOLS, sm->cells, NULL);
		if (with_option) {
			buf_adds(b, ",\"shipping_option\":");
			if (sm->cells[SHIPPING_METHOD_NCOLS])
				rowj_object(b, shipping_option_cols, SHIPPING_OPTION_NCOLS, sm->cells + SHIPPING_METHOD_NCOLS,
					    NULL);
			else
				buf_adds(b, "null");
		}
		buf_adds(b, ",\"tax_lines\":");
		totals_w_tax_lines(b, &m->o_methods[i].lines, "shipping_method_id", sm->id);
		totals_w_shipping(b, &m->o_methods[i]);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

/* The cart's region: its columns, countries, payment_providers and tax_rates (Medusa's set). */
static enum api_err w_region(struct req *r, struct buf *b, const struct cart_model *m)
{
	if (!m->region.nrows) {
		buf_adds(b, "null");
		return API_OK;
	}
	struct region_links l = { 0 };
	enum store_rc rc = region_store_links(&r->w->db, &r->arena, &l);
	if (rc != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	size_t n = rowj_open(b, region_cols, REGION_NCOLS, m->region.cells, NULL);
	rowj_key(b, &n, "countries");
	catq_linked(b, &l.countries, COUNTRY_NCOLS - 1, m->region_id, country_cols, COUNTRY_NCOLS, 0);
	rowj_key(b, &n, "payment_providers");
	catq_linked(b, &l.payment, 0, m->region_id, provider_cols, PROVIDER_NCOLS, 1);
	rowj_key(b, &n, "tax_rates");
	buf_addc(b, '[');
	for (size_t i = 0; i < m->v.tax_rates.nrows; i++) {
		if (i)
			buf_addc(b, ',');
		rowj_object(b, tax_rate_cols, TAX_RATE_NCOLS, &m->v.tax_rates.cells[i * TAX_RATE_NCOLS], NULL);
	}
	buf_adds(b, "]}");
	return API_OK;
}

/* Which relations a shape shows. */
struct shape_keys {
	int billing, customer, payment, sessions, channel, option, raw;
};

static struct shape_keys keys_of(enum cart_shape shape)
{
	struct shape_keys k = { 1, 0, 1, 1, 1, 1, 0 };
	switch (shape) {
	case CART_LINE_ITEMS:
		k.customer = 1;
		break;
	case CART_PAYMENT_SESSIONS:
		k.customer = 1;
		k.raw = 1;
		break;
	case CART_REFRESH:
		k.billing = k.payment = k.channel = 0;
		break;
	case CART_TAXES:
		k.billing = k.payment = k.sessions = k.channel = k.option = 0;
		break;
	default:
		break;
	}
	return k;
}

/* The cart object of m in shape k (raw: with the cart-level raw_discount_total). */
static enum api_err w_cart(struct req *r, struct buf *b, const struct cart_model *m, const struct shape_keys *k, int raw)
{
	/* Cart's class-initialised `object` comes before the columns (reference 3.4) */
	buf_adds(b, "{\"object\":\"cart\"");
	for (size_t i = 0; i < CART_NCOLS; i++) {
		buf_addc(b, ',');
		json_w_strz(b, cart_cols[i].name);
		buf_addc(b, ':');
		rowj_value(b, cart_cols[i].kind, m->v.cart.cells[i]);
	}
	if (k->billing) {
		buf_adds(b, ",\"billing_address\":");
		row_or_null(b, &m->v.billing, cart_address_cols, CART_ADDRESS_NCOLS);
	}
	if (k->customer) {
		buf_adds(b, ",\"customer\":");
		row_or_null(b, &m->customer, cart_customer_cols, CART_CUSTOMER_NCOLS);
	}
	buf_adds(b, ",\"discounts\":[],\"gift_cards\":[]");
	w_items(b, m);
	if (k->payment) {
		buf_adds(b, ",\"payment\":");
		row_or_null(b, &m->payment, payment_cols, PAYMENT_NCOLS);
	}
	if (k->sessions) {
		buf_adds(b, ",\"payment_sessions\":[");
		for (size_t i = 0; i < m->sessions.nrows; i++) {
			if (i)
				buf_addc(b, ',');
			rowj_object(b, payment_session_cols, PAYMENT_SESSION_NCOLS,
				    &m->sessions.cells[i * PAYMENT_SESSION_NCOLS], NULL);
		}
		buf_addc(b, ']');
		if (m->selected_session >= 0) {
			buf_adds(b, ",\"payment_session\":");
			rowj_object(b, payment_session_cols, PAYMENT_SESSION_NCOLS,
				    &m->sessions.cells[(size_t)m->selected_session * PAYMENT_SESSION_NCOLS], NULL);
		}
	}
	buf_adds(b, ",\"region\":");
	enum api_err e = w_region(r, b, m);
	if (e != API_OK)
		return e;
	if (k->channel) {
		buf_adds(b, ",\"sales_channel\":");
		row_or_null(b, &m->v.channel, sales_channel_cols, SALES_CHANNEL_NCOLS);
	}
	buf_adds(b, ",\"shipping_address\":");
	row_or_null(b, &m->v.shipping, cart_address_cols, CART_ADDRESS_NCOLS);
	w_methods(b, m, k->option);
	totals_w_cart(b, &m->totals, raw);
	buf_addc(b, '}');
	return API_OK;
}

enum api_err cart_answer(struct req *r, const char *id, enum cart_shape shape)
{
	struct cart_model m;
	int force = shape == CART_TAXES || shape == CART_PAYMENT_SESSIONS;
	enum api_err e = cart_model_load(r, id, 0, force, &m);
	if (e != API_OK)
		return e;
	struct shape_keys k = keys_of(shape);
	struct buf *b = r->out;
	buf_adds(b, "{\"cart\":");
	if ((e = w_cart(r, b, &m, &k, k.raw)) != API_OK)
		return e;
	if (shape == CART_PAYMENT_SESSIONS) {
		/* "data" is the same cart cleaned of the cart-level raw_discount_total (123) */
		buf_adds(b, ",\"data\":");
		if ((e = w_cart(r, b, &m, &k, 0)) != API_OK)
			return e;
	}
	buf_addc(b, '}');
	return API_OK;
}

/* ---- prices ---- */

const char *cart_frag_text(struct req *r, const char *fragment)
{
	if (!fragment || strcmp(fragment, "null") == 0)
		return NULL;
	struct json_object *o = json_tokener_parse(fragment);
	const char *s = json_object_is_type(o, json_type_string) ? arena_strdup(&r->arena, json_object_get_string(o)) : NULL;
	json_object_put(o);
	return s;
}

enum api_err cart_find_variant(struct req *r, const char *variant_id, const struct pc_variant **out)
{
	const struct pc_snapshot *s;
	enum api_err e = pv_snapshot(r, &s);
	*out = e == API_OK ? find_variant(s, variant_id) : NULL;
	return e;
}

enum api_err cart_price_lookup(struct req *r, const struct cart_model *m, const char *variant_id, long quantity,
			       long *unit_price, int *found)
{
	const struct pc_snapshot *s;
	*found = 0;
	enum api_err e = pv_snapshot(r, &s);
	if (e != API_OK)
		return e;
	const struct pc_variant *v = find_variant(s, variant_id);
	const struct pc_region *reg = find_region(s, m->region_id);
	if (!v || !reg)
		return API_OK;
	const char *groups = "";
	if (m->customer_id) {
		enum store_rc rc = product_store_groups(&r->w->db, &r->arena, m->customer_id, &groups);
		if (rc != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
	}
	struct pricing_sel sel = { 0 };
	pv_cart_price(v, reg, groups, req_epoch_ms(), quantity, &sel);
	if (sel.has_calculated) {
		*unit_price = (long)sel.calculated;
		*found = 1;
	}
	return API_OK;
}

enum api_err cart_price_variant(struct req *r, const struct cart_model *m, const char *variant_id, long quantity,
				long *unit_price)
{
	const struct pc_variant *v;
	int found;
	enum api_err e = cart_find_variant(r, variant_id, &v);
	if (e == API_OK && !v)
		return respond_fail(r, E_INVALID_DATA,
				    "Unable to generate the line items, some variant has not been found: %s", variant_id);
	if (e == API_OK)
		e = cart_price_lookup(r, m, variant_id, quantity, unit_price, &found);
	if (e != API_OK || found)
		return e;
	/* Medusa: a variant without a price for the cart's region cannot become a line */
	const char *title = cart_frag_text(r, v->col[4]);
	return respond_fail(r, E_INVALID_DATA, "Cannot generate line item for variant \"%s\" without a price",
			    title ? title : variant_id);
}
