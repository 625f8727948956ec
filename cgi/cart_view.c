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
#include "common/envelope.h"
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
	return s && id ? product_store_variant(s, id) : NULL;
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

/* The items of rows (LINE_ITEM_NCOLS) with their tax inputs: product rates when taxed, else the
 * persisted lines (saved: owner, rate, name, code rows grouped by item). */
static void load_items(struct req *r, struct cart_model *m, const struct db_rows *rows, const struct db_rows *saved,
		       int taxed)
{
	size_t n = rows->nrows;
	m->n_items = n;
	m->items = arena_alloc(&r->arena, sizeof(*m->items) * (n ? n : 1));
	m->t_items = arena_alloc(&r->arena, sizeof(*m->t_items) * (n ? n : 1));
	m->o_items = arena_alloc(&r->arena, sizeof(*m->o_items) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		struct cart_item *it = &m->items[i];
		it->cells = &rows->cells[i * rows->ncols];
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
			t->saved = rates_of(&r->arena, saved, it->id, &t->n_saved);
	}
}

/* The methods of rows (method then option cells) with their rates (taxed) or persisted lines. */
static void load_methods(struct req *r, struct cart_model *m, const struct db_rows *rows, const struct db_rows *rates,
			 int taxed)
{
	size_t n = rows->nrows;
	m->n_methods = n;
	m->methods = arena_alloc(&r->arena, sizeof(*m->methods) * (n ? n : 1));
	m->t_methods = arena_alloc(&r->arena, sizeof(*m->t_methods) * (n ? n : 1));
	m->o_methods = arena_alloc(&r->arena, sizeof(*m->o_methods) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		struct cart_method *sm = &m->methods[i];
		sm->cells = &rows->cells[i * rows->ncols];
		sm->id = sm->cells[0];
		sm->option_id = sm->cells[1];
		sm->price = ll_of(sm->cells[7]);
		sm->profile_id = sm->cells[SHIPPING_METHOD_NCOLS + 6];
		struct totals_shipping *t = &m->t_methods[i];
		memset(t, 0, sizeof(*t));
		t->id = sm->id;
		t->price = sm->price;
		if (taxed)
			t->rates = rates_of(&r->arena, rates, sm->id, &t->n_rates);
		else
			t->saved = rates_of(&r->arena, rates, sm->id, &t->n_saved);
	}
}

/*
 * The cart's region: its columns, [countries], [payment_providers], tax_rates. Catalogue data
 * that only an import changes (and an import moves catalogue_version), so each worker renders
 * a region once per catalogue version: a cart read spends no statement on it.
 */
struct region_entry {
	long long version;
	char *id;
	char **cells;                 /* REGION_NCOLS + CURRENCY_NCOLS */
	char *json[4];                /* index: countries | providers << 1 */
	char *only_country;           /* iso_2 of the region's only country; NULL: none or several */
	char **countries;             /* iso_2 of its countries, by id */
	size_t ncountries;
	char **providers;             /* its payment providers' ids, by id */
	size_t nproviders;
};
#define REGION_CACHE 16
static struct region_entry rcache[REGION_CACHE];
static size_t rcache_next;

static char *dup_or_null(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static void region_drop(struct region_entry *e)
{
	if (e->cells)
		for (size_t i = 0; i < REGION_NCOLS + CURRENCY_NCOLS; i++)
			free(e->cells[i]);
	free(e->cells);
	free(e->id);
	free(e->only_country);
	for (size_t i = 0; i < e->ncountries; i++)
		free(e->countries[i]);
	free(e->countries);
	for (size_t i = 0; i < e->nproviders; i++)
		free(e->providers[i]);
	free(e->providers);
	for (int i = 0; i < 4; i++)
		free(e->json[i]);
	memset(e, 0, sizeof(*e));
}

static void w_region_json(struct buf *b, const struct db_rows *region, const struct region_links *l,
			  const struct db_rows *rates, const char *region_id, int countries, int providers)
{
	size_t n = rowj_open(b, region_cols, REGION_NCOLS, region->cells, NULL);
	if (countries) {
		rowj_key(b, &n, "countries");
		catq_linked(b, &l->countries, COUNTRY_NCOLS - 1, region_id, country_cols, COUNTRY_NCOLS, 0);
	}
	if (providers) {
		rowj_key(b, &n, "payment_providers");
		catq_linked(b, &l->payment, 0, region_id, provider_cols, PROVIDER_NCOLS, 1);
	}
	rowj_key(b, &n, "tax_rates");
	buf_addc(b, '[');
	for (size_t i = 0; i < rates->nrows; i++) {
		if (i)
			buf_addc(b, ',');
		rowj_object(b, tax_rate_cols, TAX_RATE_NCOLS, &rates->cells[i * TAX_RATE_NCOLS], NULL);
	}
	buf_adds(b, "]}");
}

/* The entry of region_id at the snapshot's version (NULL: no such live region). */
static enum api_err region_of(struct req *r, long long version, const char *region_id,
			      const struct region_entry **out)
{
	*out = NULL;
	for (size_t i = 0; i < REGION_CACHE; i++) {
		struct region_entry *e = &rcache[i];
		if (e->id && e->version != version)
			region_drop(e);
		else if (e->id && strcmp(e->id, region_id) == 0) {
			*out = e;
			return API_OK;
		}
	}
	struct db *db = &r->w->db;
	struct region_filter f = { .id = region_id };
	struct db_rows row, rates;
	struct region_links l = { 0 };
	enum store_rc rc = region_store_list(db, &r->arena, &f, 1, 0, &row, NULL);
	if (rc == STORE_OK && row.nrows)
		rc = cart_store_region_rates(db, &r->arena, region_id, &rates);
	if (rc == STORE_OK && row.nrows)
		rc = region_store_links(db, &r->arena, &l);
	if (rc != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	if (!row.nrows)
		return API_OK;
	struct region_entry *e = &rcache[rcache_next++ % REGION_CACHE];
	region_drop(e);
	e->version = version;
	e->id = dup_or_null(region_id);
	e->cells = calloc(REGION_NCOLS + CURRENCY_NCOLS, sizeof(*e->cells));
	if (!e->cells)
		abort();
	for (size_t i = 0; i < REGION_NCOLS + CURRENCY_NCOLS && i < row.ncols; i++)
		e->cells[i] = dup_or_null(row.cells[i]);
	e->countries = calloc(l.countries.nrows + 1, sizeof(*e->countries));
	e->providers = calloc(l.payment.nrows + 1, sizeof(*e->providers));
	if (!e->countries || !e->providers)
		abort();
	for (size_t i = 0; i < l.countries.nrows; i++) {
		const char *reg = db_cell(&l.countries, i, COUNTRY_NCOLS - 1);
		if (reg && strcmp(reg, region_id) == 0 && db_cell(&l.countries, i, 1))
			e->countries[e->ncountries++] = dup_or_null(db_cell(&l.countries, i, 1));
	}
	if (e->ncountries == 1)
		e->only_country = dup_or_null(e->countries[0]);
	for (size_t i = 0; i < l.payment.nrows; i++)
		if (strcmp(db_cell(&l.payment, i, 0), region_id) == 0)
			e->providers[e->nproviders++] = dup_or_null(db_cell(&l.payment, i, 1));
	struct buf b = BUF_INIT;
	for (int k = 0; k < 4; k++) {
		buf_reset(&b);
		w_region_json(&b, &row, &l, &rates, region_id, k & 1, k >> 1);
		e->json[k] = dup_or_null(b.data);
	}
	buf_release(&b);
	*out = e;
	return API_OK;
}

static void w_region(struct buf *b, const struct cart_model *m, int countries, int providers)
{
	buf_adds(b, m->region_json ? m->region_json[countries | providers << 1] : "null");
}

/* The cart row's columns the model names (m->v.cart read). */
static void pick_row(struct cart_model *m)
{
	const struct db_rows *c = &m->v.cart;
	m->id = db_cell(c, 0, 0);
	m->email = db_cell(c, 0, CART_EMAIL);
	m->region_id = db_cell(c, 0, CART_REGION);
	m->customer_id = db_cell(c, 0, CART_CUSTOMER);
	m->payment_id = db_cell(c, 0, CART_PAYMENT);
	m->completed_at = db_cell(c, 0, CART_COMPLETED);
	m->sales_channel_id = db_cell(c, 0, CART_CHANNEL);
}

/* The payment sessions of m (rows of payment_session_cols) and the selected one. */
static void set_sessions(struct cart_model *m, const struct db_rows *rows)
{
	m->sessions = *rows;
	m->selected_session = -1;
	for (size_t i = 0; i < m->sessions.nrows && m->selected_session < 0; i++)
		if (bool_of(db_cell(&m->sessions, i, 5)))
			m->selected_session = (int)i;
}

static void compute_totals(struct cart_model *m)
{
	struct totals_cart_in in = {
		.items = m->t_items, .n_items = m->n_items, .methods = m->t_methods, .n_methods = m->n_methods,
		.region = { .automatic_taxes = m->automatic_taxes, .gift_cards_taxable = m->gift_cards_taxable,
			    .tax_rate = m->tax_rate },
	};
	totals_cart(&in, m->force_taxes, m->o_items, m->o_methods, &m->totals);
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
	/* one statement for the cart's rows and the catalogue versions, one more for tax rows if any */
	struct cart_rows cr;
	if ((rc = cart_store_read(db, &r->arena, id, &cr)) != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	if (!cr.v.cart.nrows)
		return respond_fail(r, E_NOT_FOUND, "Cart with %s was not found", id);
	m->v = cr.v;
	m->payment = cr.payment;
	m->customer = cr.customer;
	pick_row(m);
	set_sessions(m, &cr.sessions);
	if ((e = pv_snapshot_at(r, cr.catalogue_version, cr.stock_version, &m->snap)) != API_OK)
		return e;
	const struct region_entry *re;
	if ((e = region_of(r, m->snap->version, m->region_id, &re)) != API_OK)
		return e;
	m->tax_rate = "0";
	if (re) {
		m->region = (struct db_rows){ REGION_NCOLS + CURRENCY_NCOLS, 1, re->cells };
		m->region_json = (const char *const *)re->json;
		m->currency_code = db_cell(&m->region, 0, REG_CURRENCY);
		m->tax_rate = db_cell(&m->region, 0, REG_TAX_RATE) ? db_cell(&m->region, 0, REG_TAX_RATE) : "0";
		m->gift_cards_taxable = bool_of(db_cell(&m->region, 0, REG_GC_TAXABLE));
		m->automatic_taxes = bool_of(db_cell(&m->region, 0, REG_AUTOMATIC));
	}
	int taxed = m->automatic_taxes || force_taxes;
	struct db_rows item_tax = { 0, 0, NULL }, method_tax = { 0, 0, NULL };
	/* taxed: items take their products' rates from the snapshot, methods their options' from here */
	if (taxed ? cr.methods.nrows > 0 : cr.items.nrows + cr.methods.nrows > 0) {
		if ((rc = cart_store_tax_rows(db, &r->arena, m->id, taxed, &item_tax, &method_tax)) != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
	}
	load_items(r, m, &cr.items, &item_tax, taxed);
	load_methods(r, m, &cr.methods, &method_tax, taxed);
	compute_totals(m);
	return API_OK;
}

/* region_of at the snapshot's version. */
static enum api_err region_now(struct req *r, const char *region_id, const struct region_entry **re)
{
	const struct pc_snapshot *s;
	enum api_err e = pv_snapshot(r, &s);
	*re = NULL;
	return e == API_OK ? region_of(r, s->version, region_id, re) : e;
}

enum api_err cart_region_lookup(struct req *r, const char *region_id, int *found, const char **only_country)
{
	const struct region_entry *re;
	enum api_err e = region_now(r, region_id, &re);
	*found = re != NULL;
	*only_country = re ? re->only_country : NULL;
	return e;
}

enum api_err cart_region_has_country(struct req *r, const char *region_id, const char *iso_2, int *live, int *yes)
{
	const struct region_entry *re;
	enum api_err e = region_now(r, region_id, &re);
	*live = re != NULL;
	*yes = 0;
	for (size_t i = 0; re && i < re->ncountries && !*yes; i++)
		*yes = strcmp(re->countries[i], iso_2) == 0;
	return e;
}

enum api_err cart_region_providers(struct req *r, const char *region_id, int *live, struct db_rows *rows)
{
	const struct region_entry *re;
	enum api_err e = region_now(r, region_id, &re);
	*live = re != NULL;
	*rows = (struct db_rows){ 1, re ? re->nproviders : 0, re ? re->providers : NULL };
	return e;
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

/*
 * What a cart answer shows. The totals relations (discounts, gift_cards, items, region with its
 * tax_rates, shipping_address, shipping_methods) are always there (retrieveWithTotals adds them).
 */
struct cart_sel {
	int billing, customer, payment, sessions, channel, option, raw, countries, providers;
	const unsigned char *cols;      /* cart columns shown; NULL: all */
	const char **totals_first;      /* total keys a fields list named, in its order (113) */
	size_t ntotals_first;
};

static struct cart_sel sel_of(enum cart_shape shape)
{
	struct cart_sel k = { 1, 0, 1, 1, 1, 1, 0, 1, 1, NULL, NULL, 0 };
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
		/* POST .../taxes loads only the totals relations: region without countries, providers (122) */
		k.billing = k.payment = k.sessions = k.channel = k.option = k.countries = k.providers = 0;
		break;
	default:
		break;
	}
	return k;
}

static const char *const total_names[] = {
	"subtotal", "discount_total", "item_tax_total", "shipping_total", "shipping_tax_total", "tax_total",
	"gift_card_total", "gift_card_tax_total", "total",
};
#define N_TOTALS (sizeof(total_names) / sizeof(total_names[0]))

static long long total_value(const struct totals_cart_out *t, size_t i)
{
	const long long v[N_TOTALS] = { t->subtotal, t->discount_total, t->item_tax_total, t->shipping_total,
					 t->shipping_tax_total, t->tax_total, t->gift_card_total,
					 t->gift_card_tax_total, t->total };
	return v[i];
}

/* The totals; a fields list naming totals puts those first (the legacy totals path, 113). */
static void w_totals(struct buf *b, const struct cart_model *m, const struct cart_sel *k, int raw)
{
	if (!k->ntotals_first) {
		totals_w_cart(b, &m->totals, raw);
		return;
	}
	unsigned char done[N_TOTALS] = { 0 };
	struct env e; /* the cart object is open with members written before the totals */
	env_resume(&e, b, 1);
	for (size_t j = 0; j < k->ntotals_first; j++)
		for (size_t i = 0; i < N_TOTALS; i++)
			if (!done[i] && strcmp(k->totals_first[j], total_names[i]) == 0) {
				done[i] = 1;
				env_int(&e, total_names[i], total_value(&m->totals, i));
			}
	for (size_t i = 0; i < N_TOTALS; i++)
		if (!done[i])
			env_int(&e, total_names[i], total_value(&m->totals, i));
}

/* The cart object of m as k selects (raw: with the cart-level raw_discount_total). */
static enum api_err w_cart(struct buf *b, const struct cart_model *m, const struct cart_sel *k, int raw)
{
	/* Cart's class-initialised `object` comes before the columns (reference 3.4) */
	buf_adds(b, "{\"object\":\"cart\"");
	for (size_t i = 0; i < CART_NCOLS; i++) {
		if (k->cols && !k->cols[i])
			continue;
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
	w_region(b, m, k->countries, k->providers);
	if (k->channel) {
		buf_adds(b, ",\"sales_channel\":");
		row_or_null(b, &m->v.channel, sales_channel_cols, SALES_CHANNEL_NCOLS);
	}
	buf_adds(b, ",\"shipping_address\":");
	row_or_null(b, &m->v.shipping, cart_address_cols, CART_ADDRESS_NCOLS);
	w_methods(b, m, k->option);
	w_totals(b, m, k, raw);
	buf_addc(b, '}');
	return API_OK;
}

static enum api_err w_answer(struct req *r, const struct cart_model *m, const struct cart_sel *k, int with_data)
{
	enum api_err e;
	struct buf *b = r->out;
	struct env env;
	env_one(&env, b, "cart");
	if ((e = w_cart(b, m, k, k->raw)) != API_OK)
		return e;
	if (with_data) {
		/* "data" is the same cart cleaned of the cart-level raw_discount_total (123) */
		env_key(&env, "data");
		if ((e = w_cart(b, m, k, 0)) != API_OK)
			return e;
	}
	env_end(&env);
	return API_OK;
}

static enum api_err answer(struct req *r, const char *id, const struct cart_sel *k, int force, int with_data)
{
	struct cart_model m;
	enum api_err e = cart_model_load(r, id, 0, force, &m);
	if (e != API_OK)
		return e;
	return w_answer(r, &m, k, with_data);
}

static int shape_forces(enum cart_shape shape)
{
	return shape == CART_TAXES || shape == CART_PAYMENT_SESSIONS;
}

enum api_err cart_answer(struct req *r, const char *id, enum cart_shape shape)
{
	struct cart_sel k = sel_of(shape);
	return answer(r, id, &k, shape_forces(shape), shape == CART_PAYMENT_SESSIONS);
}

enum api_err cart_answer_new(struct req *r, const char *id, enum cart_shape shape)
{
	struct cart_sel k = sel_of(shape);
	struct cart_model m;
	enum api_err e = cart_model_load(r, id, 0, shape_forces(shape), &m);
	return e == API_OK ? w_answer(r, &m, &k, shape == CART_PAYMENT_SESSIONS) : e;
}

enum api_err cart_model_reload(struct req *r, struct cart_model *m, unsigned reload, int force_taxes)
{
	enum store_rc rc;
	/* without automatic taxes, forcing them changes where the rates come from */
	if (!m->automatic_taxes && force_taxes != m->force_taxes)
		reload |= CART_RELOAD_ITEMS | CART_RELOAD_METHODS;
	int taxed = m->automatic_taxes || force_taxes;
	if (reload == CART_RELOAD_SESSIONS) {
		/* the one part a statement of its own re-reads in one round trip, cheaper than the whole */
		struct db_rows rows;
		if ((rc = cart_store_sessions(&r->w->db, &r->arena, m->id, &rows)) != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
		set_sessions(m, &rows);
	} else if (reload == CART_RELOAD_ITEMS && taxed) {
		/* the same for the lines of a taxed cart (their rates come from the snapshot) */
		struct db_rows rows, none = { 0, 0, NULL };
		if ((rc = cart_store_items(&r->w->db, &r->arena, m->id, &rows)) != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
		m->force_taxes = force_taxes;
		load_items(r, m, &rows, &none, taxed);
	} else if (reload) {
		/* anything more is the whole read again: one statement (two with tax rows) */
		return cart_model_load(r, m->id, 0, force_taxes, m);
	}
	m->force_taxes = force_taxes;
	compute_totals(m);
	return API_OK;
}

enum api_err cart_answer_model(struct req *r, struct cart_model *m, enum cart_shape shape, unsigned reload)
{
	struct cart_sel k = sel_of(shape);
	enum api_err e = cart_model_reload(r, m, reload, shape_forces(shape));
	return e == API_OK ? w_answer(r, m, &k, shape == CART_PAYMENT_SESSIONS) : e;
}

/* ---- GET /store/carts/:id?fields=&expand= ---- */

static const char *const cart_fields[] = {
	"id", "created_at", "updated_at", "deleted_at", "email", "billing_address_id", "shipping_address_id",
	"region_id", "customer_id", "payment_id", "type", "completed_at", "payment_authorized_at",
	"idempotency_key", "context", "metadata", "sales_channel_id", NULL,
};
/* the columns, and the totals a fields list may name (the legacy totals path) */
static const char *const cart_known_fields[] = {
	"id", "created_at", "updated_at", "deleted_at", "email", "billing_address_id", "shipping_address_id",
	"region_id", "customer_id", "payment_id", "type", "completed_at", "payment_authorized_at",
	"idempotency_key", "context", "metadata", "sales_channel_id", "subtotal", "discount_total",
	"item_tax_total", "shipping_total", "shipping_tax_total", "tax_total", "gift_card_total",
	"gift_card_tax_total", "total", NULL,
};
/* defaultStoreCartRelations of Medusa 1.20 */
static const char *const cart_relations[] = {
	"gift_cards", "region", "items", "items.variant", "items.adjustments", "payment", "shipping_address",
	"billing_address", "region.countries", "region.payment_providers", "shipping_methods", "payment_sessions",
	"shipping_methods.shipping_option", "discounts", "discounts.rule", "sales_channel", NULL,
};
static const char *const cart_known_relations[] = {
	"gift_cards", "region", "items", "items.variant", "items.variant.product", "items.adjustments",
	"items.tax_lines", "payment", "shipping_address", "billing_address", "region.countries",
	"region.payment_providers", "region.tax_rates", "shipping_methods", "shipping_methods.shipping_option",
	"shipping_methods.tax_lines", "payment_sessions", "payment_session", "discounts", "discounts.rule",
	"sales_channel", "customer", NULL,
};
static const struct qe_param cart_get_params[] = { { "fields", QE_STRING, NULL }, { "expand", QE_STRING, NULL } };
const struct qe_route cart_get_route = {
	.params = cart_get_params, .nparams = 2,
	.default_fields = cart_fields, .default_relations = cart_relations,
	.known_fields = cart_known_fields, .known_relations = cart_known_relations,
};

enum api_err cart_answer_query(struct req *r, const char *id, const struct qe_query *q)
{
	struct cart_sel k = { 0 };
	k.billing = qe_relation(q, "billing_address");
	k.customer = qe_relation(q, "customer");
	k.payment = qe_relation(q, "payment");
	k.sessions = qe_relation(q, "payment_sessions") || qe_relation(q, "payment_session");
	k.channel = qe_relation(q, "sales_channel");
	k.option = qe_relation(q, "shipping_methods.shipping_option");
	k.countries = qe_relation(q, "region.countries");
	k.providers = qe_relation(q, "region.payment_providers");
	unsigned char *cols = arena_alloc(&r->arena, CART_NCOLS);
	for (size_t i = 0; i < CART_NCOLS; i++)
		cols[i] = (unsigned char)qe_field(q, cart_cols[i].name);
	k.cols = cols;
	if (q->fields_replaced) {
		k.totals_first = arena_alloc(&r->arena, sizeof(*k.totals_first) * (q->nfields ? q->nfields : 1));
		for (size_t i = 0; i < q->nfields; i++)
			for (size_t t = 0; t < N_TOTALS; t++)
				if (strcmp(q->fields[i], total_names[t]) == 0)
					k.totals_first[k.ntotals_first++] = q->fields[i];
	}
	return answer(r, id, &k, 0, 0);
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
