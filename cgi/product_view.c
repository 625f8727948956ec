/*
 * product_view: the snapshot, scope, price context, answer cache and JSON
 * writers behind the product and variant routes (header). The snapshot and
 * the cache are this worker process's own (static: one per process, never
 * shared, so no locks); both are dropped and rebuilt when an import moves
 * catalogue_version; when an order moves stock_version only the variants'
 * stock is read again and the cache dropped.
 *
 * Key order of product answers, as recorded from Medusa 1.20.11: the
 * selected columns in entity order, then the loaded relations sorted by
 * name; with the default select, collection_id follows the collection and
 * profile_id the profiles (TypeORM hydration); with an explicit fields list
 * a <relation>_id column is left out when its relation is loaded
 * (transcripts-store 011, 019, 023; extras 031, 034).
 */
#include "cgi/product_view.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/router.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/log.h"
#include "common/pricing.h"
#include "common/respond.h"

static struct pc_snapshot *snap;   /* NULL until the first catalogue request */

struct centry {
	char *key;
	char *body;
	size_t len;
	long long version, expires_ms;
	unsigned long long used;
};
#define PV_CACHE_SLOTS 128
static struct centry cache[PV_CACHE_SLOTS];
static size_t cache_bytes;
static unsigned long long cache_clock;

static void cache_drop(struct centry *e)
{
	cache_bytes -= e->len + strlen(e->key);
	free(e->key);
	free(e->body);
	memset(e, 0, sizeof(*e));
}

static void cache_clear(void)
{
	for (size_t i = 0; i < PV_CACHE_SLOTS; i++)
		if (cache[i].key)
			cache_drop(&cache[i]);
}

/* ---- snapshot and scope ---- */

/*
 * The request whose catalogue_version was read last (struct req is reused: its start time tells
 * requests apart). One check per request: a cart write asked up to four times, and inside the
 * request transaction every later read returned the same version anyway (REPEATABLE READ).
 */
static const struct req *checked_req;
static long long checked_start_us;

/* The snapshot brought to catalogue version v and stock version sv, read by the caller. */
static enum api_err refresh_at(struct req *r, long long v, long long sv)
{
	enum store_rc rc;
	/* checked once the snapshot is at these versions (a failed read is tried again) */
	checked_req = NULL;
	if (snap && snap->version == v) {
		if (snap->stock_version != sv) {
			/* an order took stock: its variants' stock, not the whole catalogue, is read again */
			if ((rc = product_store_stock(&r->w->db, snap, sv)) != STORE_OK)
				return respond_fail(r, store_fail(rc), NULL);
			cache_clear();
		}
		checked_req = r;
		checked_start_us = r->start_us;
		return API_OK;
	}
	if (snap) {
		arena_release(&snap->arena);
		free(snap);
		snap = NULL;
	}
	cache_clear();
	struct pc_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	arena_init(&s->arena, 1 << 16);
	rc = product_store_load(&r->w->db, s);
	if (rc != STORE_OK) {
		arena_release(&s->arena);
		free(s);
		return respond_fail(r, store_fail(rc), NULL);
	}
	snap = s;
	checked_req = r;
	checked_start_us = r->start_us;
	return API_OK;
}

static enum api_err refresh(struct req *r)
{
	if (snap && checked_req == r && checked_start_us == r->start_us)
		return API_OK;
	long long v = 0, sv = 0;
	enum store_rc rc = product_store_versions(&r->w->db, &v, &sv);
	if (rc != STORE_OK)
		return respond_fail(r, store_fail(rc), NULL);
	return refresh_at(r, v, sv);
}

enum api_err pv_begin(struct req *r, struct pv_ctx *c)
{
	memset(c, 0, sizeof(*c));
	enum api_err e = refresh(r);
	if (e)
		return e;
	c->s = snap;
	c->now_ms = req_epoch_ms();
	c->groups = "";
	c->key = req_param(r, "HTTP_X_PUBLISHABLE_API_KEY");
	if (c->key) {
		const struct pc_key *k = NULL;
		for (size_t i = 0; i < snap->nkeys && !k; i++)
			if (strcmp(snap->keys[i].id, c->key) == 0)
				k = &snap->keys[i];
		/* API.md section 9: an unknown or revoked key is refused (v2's rule), not silently unscoped */
		if (!k || k->revoked)
			return respond_fail(r, E_INVALID_DATA, "Publishable API key %s is not valid", c->key);
		c->channels = k->channels;
		c->nchannels = k->nchannels;
	} else if (snap->default_channel_id) {
		c->channels = &snap->default_channel_id;
		c->nchannels = 1;
	}
	if (r->customer_id[0]) {
		enum store_rc rc = product_store_groups(&r->w->db, &r->arena, r->customer_id, &c->groups);
		if (rc != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
	}
	return API_OK;
}

enum api_err pv_price_context(struct req *r, struct pv_ctx *c, const struct qe_query *q)
{
	const char *region_id = qe_string(q, "region_id"), *cur = qe_string(q, "currency_code");
	const char *cart_id = qe_string(q, "cart_id");
	c->priced = qe_relation(q, "variants") && qe_relation(q, "variants.prices");
	if (cart_id) {
		/* Medusa 1.20 (store products and variants routes): the cart's region and its
		 * currency replace region_id and currency_code; the customer groups stay those of
		 * the logged-in customer (req.user), not the cart's customer (transcript 143) */
		enum store_rc rc = product_store_cart_region(&r->w->db, &r->arena, cart_id, &region_id);
		if (rc != STORE_OK)
			return respond_fail(r, store_fail(rc), NULL);
		if (!region_id)
			return respond_fail(r, E_NOT_FOUND, "Cart with %s was not found", cart_id);
	}
	if (region_id) {
		for (size_t i = 0; i < c->s->nregions && !c->region; i++)
			if (strcmp(c->s->regions[i].id, region_id) == 0)
				c->region = &c->s->regions[i];
		if (!c->region)
			return respond_fail(r, E_NOT_FOUND, "Region with %s was not found", region_id);
		c->currency = c->region->currency_code;
	} else if (cur) {
		c->currency = cur;
	}
	return API_OK;
}

const char *pv_path_id(struct req *r)
{
	const char *id = query_decode_component(&r->arena, r->params[0], strlen(r->params[0]));
	if (!id)
		respond_fail(r, E_INVALID_DATA, "URI malformed");
	return id;
}

int pv_in_scope(const struct pv_ctx *c, const struct pc_product *p)
{
	if (!c->channels)
		return 1;
	for (size_t i = 0; i < c->nchannels; i++)
		for (size_t j = 0; j < p->nchannels; j++)
			if (strcmp(c->channels[i], p->channel_ids[j]) == 0)
				return 1;
	return 0;
}

/* ---- the answer cache ---- */

/*
 * The raw query without its cart_id=... members: an answer depends on the cart only through
 * its region, which the key names (resolved by pv_price_context), so every cart of a region
 * shares one entry, and a cart that changes region finds another.
 */
static const char *query_without_cart(struct req *r)
{
	const char *q = r->query ? r->query : "";
	if (!strstr(q, "cart_id="))
		return q;
	struct buf b = BUF_INIT;
	for (const char *p = q; *p;) {
		size_t len = strcspn(p, "&");
		if (strncmp(p, "cart_id=", 8) != 0 || len < 8) {
			if (b.len)
				buf_addc(&b, '&');
			buf_add(&b, p, len);
		}
		p += len;
		if (*p)
			p++;
	}
	const char *out = arena_strndup(&r->arena, b.data ? b.data : "", b.len);
	buf_release(&b);
	return out;
}

static char *cache_key(struct req *r, const struct pv_ctx *c, char tag)
{
	return arena_printf(&r->arena, "%c%s?%s|%s|%s|%s|%s", tag, r->nparams ? r->params[0] : "", query_without_cart(r),
			    c->groups, c->key ? c->key : "", c->region ? c->region->id : "", c->currency ? c->currency : "");
}

int pv_cache_get(struct req *r, const struct pv_ctx *c, char tag)
{
	const char *k = cache_key(r, c, tag);
	for (size_t i = 0; i < PV_CACHE_SLOTS; i++) {
		struct centry *e = &cache[i];
		if (!e->key || strcmp(e->key, k) != 0)
			continue;
		if (e->version != c->s->version || c->now_ms >= e->expires_ms) {
			cache_drop(e);
			return 0;
		}
		e->used = ++cache_clock;
		buf_add(r->out, e->body, e->len);
		return 1;
	}
	return 0;
}

/* The next instant a price list starts or ends: answers computed now are valid until then. */
static long long next_boundary(const struct pc_snapshot *s, long long now)
{
	long long next = LLONG_MAX;
	for (size_t v = 0; v < s->nvariants; v++)
		for (size_t i = 0; i < s->variants[v].nmas; i++) {
			const struct pc_list *l = s->variants[v].mas[i].list;
			if (!l)
				continue;
			if (l->starts_ms > now && l->starts_ms < next)
				next = l->starts_ms;
			if (l->ends_ms != LLONG_MAX && l->ends_ms >= now && l->ends_ms + 1 < next)
				next = l->ends_ms + 1;
		}
	return next;
}

void pv_cache_put(struct req *r, const struct pv_ctx *c, char tag)
{
	const char *k = cache_key(r, c, tag);
	size_t need = r->out->len + strlen(k);
	if (need > PV_CACHE_BYTES / 4)
		return;
	struct centry *slot = NULL;
	for (;;) {
		struct centry *lru = NULL;
		slot = NULL;
		for (size_t i = 0; i < PV_CACHE_SLOTS; i++) {
			if (!cache[i].key) {
				if (!slot)
					slot = &cache[i];
			} else if (!lru || cache[i].used < lru->used) {
				lru = &cache[i];
			}
		}
		if (slot && cache_bytes + need <= PV_CACHE_BYTES)
			break;
		if (!lru)
			return;
		cache_drop(lru);
	}
	slot->key = strdup(k);
	slot->body = malloc(r->out->len ? r->out->len : 1);
	if (!slot->key || !slot->body)
		abort();
	memcpy(slot->body, r->out->data, r->out->len);
	slot->len = r->out->len;
	slot->version = c->s->version;
	slot->expires_ms = next_boundary(c->s, c->now_ms);
	slot->used = ++cache_clock;
	cache_bytes += need;
}

/* ---- pricing ---- */

static int in_groups(const char *groups, const char *g)
{
	size_t n = strlen(g);
	for (const char *p = groups; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && memcmp(p, g, n) == 0)
			return 1;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

/* Medusa's price-list filter: no list, or an active list inside its dates for everyone or the customer's groups. */
static int list_ok(const struct pv_ctx *c, const struct pc_list *l)
{
	if (!l)
		return 1;
	if (!l->active || c->now_ms < l->starts_ms || c->now_ms > l->ends_ms)
		return 0;
	if (!l->ngroups)
		return 1;
	for (size_t i = 0; i < l->ngroups; i++)
		if (in_groups(c->groups, l->groups[i]))
			return 1;
	return 0;
}

static int same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void w_num_or_null(struct buf *b, int has, long long v)
{
	if (has)
		buf_addll(b, v);
	else
		buf_adds(b, "null");
}

/* Appends the list of JSON texts items[0..n), each as it is. */
static void w_list(struct buf *b, const char *const *items, size_t n)
{
	struct env list;
	env_list(&list, b);
	for (size_t i = 0; i < n; i++) {
		env_item(&list);
		buf_adds(b, items[i]);
	}
	env_end(&list);
}

/* "prices":[...] and the calculated_* keys of a variant (M:services/pricing.ts), members of o. */
static void w_pricing(struct env *o, const struct pv_ctx *c, const struct pc_variant *v)
{
	struct buf *b = o->b;
	struct pricing_ma cand[64], *cands = cand;
	if (v->nmas > 64)
		cands = malloc(sizeof(*cands) * v->nmas);
	if (!cands)
		abort();
	size_t n = 0;
	int scoped = c->region || c->currency;
	struct env list;
	env_key_list(o, "prices", &list);
	for (size_t i = 0; i < v->nmas; i++) {
		const struct pc_ma *m = &v->mas[i];
		if (!list_ok(c, m->list))
			continue;
		if (scoped && !((c->region && same(m->pm.region_id, c->region->id)) || same(m->pm.currency_code, c->currency)))
			continue;
		env_item(&list);
		buf_adds(b, m->json);
		cands[n++] = m->pm;
	}
	env_end(&list);
	struct pricing_sel sel;
	struct pricing_ctx pctx = { c->region ? c->region->id : NULL, c->currency, -1 };
	pricing_select(cands, n, &pctx, &sel);
	env_key(o, "original_price");
	w_num_or_null(b, sel.has_original, sel.original);
	env_key(o, "calculated_price");
	w_num_or_null(b, sel.has_calculated, sel.calculated);
	if (sel.calculated_type)
		env_str(o, "calculated_price_type", sel.calculated_type);
	const struct pc_region *reg = c->region;
	if (reg && reg->automatic_taxes) {
		/* API.md section 9: each product its own rates (Medusa gives a list the last product's) */
		const struct pc_product *p = v->product;
		const char *rates[32];
		size_t nr = 0;
		for (size_t i = 0; i < p->nrates && nr < 32; i++)
			if (same(p->rates[i]->region_id, reg->id))
				rates[nr++] = p->rates[i]->rate;
		double sum = nr ? pricing_rate_sum(rates, nr) : pricing_rate_sum(&reg->tax_rate, 1);
		long long ot = sel.has_original ? pricing_tax(sel.original, sum) : 0;
		long long ct = sel.has_calculated ? pricing_tax(sel.calculated, sum) : 0;
		env_key(o, "original_price_incl_tax");
		w_num_or_null(b, sel.has_original, sel.original + ot);
		env_key(o, "calculated_price_incl_tax");
		w_num_or_null(b, sel.has_calculated, sel.calculated + ct);
		env_key(o, "original_tax");
		w_num_or_null(b, sel.has_original, ot);
		env_key(o, "calculated_tax");
		w_num_or_null(b, sel.has_calculated, ct);
		if (nr) {
			env_key_list(o, "tax_rates", &list);
			for (size_t i = 0; i < p->nrates; i++)
				if (same(p->rates[i]->region_id, reg->id)) {
					env_item(&list);
					buf_adds(b, p->rates[i]->json);
				}
			env_end(&list);
		} else {
			env_raw(o, "tax_rates", reg->default_rate_json);
		}
	} else {
		static const char *const none[] = {
			"original_price_incl_tax", "calculated_price_incl_tax", "original_tax", "calculated_tax", "tax_rates",
		};
		for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
			env_raw(o, none[i], "null");
	}
	if (cands != cand)
		free(cands);
}

/* ---- writers ---- */

/* Opens o on a new object of the variant's columns (JSON texts); the caller adds relations. */
static void w_variant_cols(struct env *o, struct buf *b, const struct pc_variant *v)
{
	env_object(o, b);
	for (unsigned i = 0; i < PV_COUNT; i++) {
		env_key(o, product_store_vcols[i]);
		buf_adds(b, v->col[i]);
	}
}

static void w_product_cols(struct buf *b, const struct pc_product *p)
{
	struct env o;
	env_object(&o, b);
	for (unsigned i = 0; i < PP_COUNT; i++) {
		env_key(&o, product_store_pcols[i]);
		buf_adds(b, p->col[i]);
	}
	env_end(&o);
}

void pv_w_product(struct buf *b, const struct pv_ctx *c, const struct pc_product *p, const struct qe_query *q)
{
	struct env o, list, item;
	int has_coll = qe_relation(q, "collection"), has_type = qe_relation(q, "type");
	int has_profiles = qe_relation(q, "profiles");
	env_object(&o, b);
	for (unsigned i = 0; i < PP_COUNT; i++) {
		if (!qe_field(q, product_store_pcols[i]))
			continue;
		if (i == PP_COLLECTION_ID && has_coll)
			continue; /* after the collection, or (explicit fields) not at all */
		if (i == PP_TYPE_ID && has_type && q->fields_replaced)
			continue;
		env_key(&o, product_store_pcols[i]);
		buf_adds(b, p->col[i]);
	}
	if (has_coll) {
		env_raw(&o, "collection", p->collection);
		if (!q->fields_replaced && qe_field(q, "collection_id")) {
			env_key(&o, "collection_id");
			buf_adds(b, p->col[PP_COLLECTION_ID]);
		}
	}
	if (qe_relation(q, "images")) {
		env_key(&o, "images");
		w_list(b, p->images, p->nimages);
	}
	if (qe_relation(q, "options")) {
		int values = qe_relation(q, "options.values");
		env_key_list(&o, "options", &list);
		for (size_t i = 0; i < p->noptions; i++) {
			env_item(&list);
			/* head: the option's columns, its object left open */
			buf_adds(b, p->options[i].head);
			env_resume(&item, b, 1);
			if (values) {
				env_key(&item, "values");
				w_list(b, p->options[i].values, p->options[i].nvalues);
			}
			env_end(&item);
		}
		env_end(&list);
	}
	if (has_profiles) {
		env_key(&o, "profiles");
		w_list(b, p->profiles, p->nprofiles);
		if (!q->fields_replaced)
			env_str(&o, "profile_id", p->profile_id);
	}
	if (qe_relation(q, "sales_channels")) {
		env_key(&o, "sales_channels");
		w_list(b, p->channels, p->nchannels);
	}
	if (qe_relation(q, "tags")) {
		env_key(&o, "tags");
		w_list(b, p->tags, p->ntags);
	}
	if (has_type)
		env_raw(&o, "type", p->type);
	if (qe_relation(q, "variants")) {
		int opts = qe_relation(q, "variants.options");
		env_key_list(&o, "variants", &list);
		for (size_t i = 0; i < p->nvariants; i++) {
			const struct pc_variant *v = p->variants[i];
			env_item(&list);
			w_variant_cols(&item, b, v);
			if (opts) {
				env_key(&item, "options");
				w_list(b, v->optvals, v->noptvals);
			}
			if (c->priced)
				w_pricing(&item, c, v);
			env_end(&item);
		}
		env_end(&list);
	}
	env_end(&o);
}

void pv_w_variant(struct buf *b, const struct pv_ctx *c, const struct pc_variant *v, const struct qe_query *q,
		  enum pv_variant_shape shape)
{
	int opts = qe_relation(q, "options"), prod = qe_relation(q, "product"), prices = qe_relation(q, "prices");
	struct env o;
	w_variant_cols(&o, b, v);
	if (opts) {
		env_key(&o, "options");
		w_list(b, v->optvals, v->noptvals);
	}
	if (prod && shape == PV_VARIANT_LIST) {
		env_key(&o, "product");
		w_product_cols(b, v->product);
	}
	if (prices) {
		/* the pricing keys go after every relation */
		size_t mark = b->len;
		w_pricing(&o, c, v);
		if (prod && shape == PV_VARIANT_GET) {
			/* get: options, prices, product, then the calculated_* keys */
			const char *p0 = b->data + mark, *end = strstr(p0, ",\"original_price\":");
			size_t plen = end ? (size_t)(end - p0) : b->len - mark;
			struct buf tail = BUF_INIT;
			buf_add(&tail, b->data + mark + plen, b->len - mark - plen);
			b->len = mark + plen;
			env_key(&o, "product");
			w_product_cols(b, v->product);
			buf_add(b, tail.data, tail.len);
			buf_release(&tail);
		}
	} else if (prod && shape == PV_VARIANT_GET) {
		env_key(&o, "product");
		w_product_cols(b, v->product);
	}
	env_end(&o);
}

/* ---- carts (cgi/cart_view.c) ---- */

enum api_err pv_snapshot(struct req *r, const struct pc_snapshot **out)
{
	enum api_err e = refresh(r);
	*out = e == API_OK ? snap : NULL;
	return e;
}

enum api_err pv_snapshot_at(struct req *r, long long version, long long stock_version, const struct pc_snapshot **out)
{
	/* checked already in this request: as refresh() does, the snapshot of that check */
	int checked = snap && checked_req == r && checked_start_us == r->start_us;
	enum api_err e = checked ? API_OK : refresh_at(r, version, stock_version);
	*out = e == API_OK ? snap : NULL;
	return e;
}

void pv_cart_price(const struct pc_variant *v, const struct pc_region *reg, const char *groups, long long now_ms,
		   long long quantity, struct pricing_sel *out)
{
	struct pv_ctx c = { .groups = groups, .now_ms = now_ms, .region = reg, .currency = reg->currency_code };
	struct pricing_ma cand[64] = { { 0 } }, *cands = cand;
	if (v->nmas > 64)
		cands = malloc(sizeof(*cands) * v->nmas);
	if (!cands)
		abort();
	size_t n = 0;
	for (size_t i = 0; i < v->nmas; i++) {
		const struct pc_ma *m = &v->mas[i];
		if (list_ok(&c, m->list) && (same(m->pm.region_id, reg->id) || same(m->pm.currency_code, reg->currency_code)))
			cands[n++] = m->pm;
	}
	struct pricing_ctx pctx = { reg->id, reg->currency_code, quantity };
	pricing_select(cands, n, &pctx, out);
	if (cands != cand)
		free(cands);
}
