/*
 * products: GET /store/products, GET /store/products/:id, POST
 * /store/products/search. The query string goes through the query engine
 * with the DTOs and allow-lists of Medusa 1.20 (reference section 4.1);
 * filtering, ordering and paging run over the worker's catalogue snapshot
 * (cgi/product_view.c), and each answer is cached until the next import.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cgi/product_view.h"
#include "cgi/router.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/qengine.h"
#include "common/respond.h"

/* The store's product columns (what fields and order may name), plus Medusa's extras. */
static const char *const allowed_fields[] = {
	"id", "created_at", "updated_at", "deleted_at", "title", "subtitle", "description", "handle",
	"is_giftcard", "status", "thumbnail", "weight", "length", "height", "width", "hs_code",
	"origin_country", "mid_code", "material", "collection_id", "type_id", "discountable",
	"external_id", "metadata", "profile_id", "variants.title", "variants.prices.amount", NULL,
};

static const char *const default_relations[] = {
	"variants", "variants.prices", "variants.options", "options", "options.values", "images",
	"tags", "collection", "type", "profiles", NULL,
};

static const char *const allowed_relations[] = {
	"variants", "variants.prices", "variants.options", "options", "options.values", "images",
	"tags", "collection", "type", "profiles", "variants.inventory_items", "sales_channels", NULL,
};

/* StoreGetProductsParams: its own properties, then StoreGetProductsPaginationParams'. */
static const struct qe_param list_params[] = {
	{ "id", QE_STRING_OR_ARRAY, NULL },
	{ "q", QE_STRING, NULL },
	{ "collection_id", QE_ARRAY, NULL },
	{ "tags", QE_ARRAY, NULL },
	{ "title", QE_STRING, NULL },
	{ "description", QE_STRING, NULL },
	{ "handle", QE_STRING, NULL },
	{ "is_giftcard", QE_BOOL, NULL },
	{ "type_id", QE_ARRAY, NULL },
	{ "sales_channel_id", QE_ARRAY, NULL },
	{ "category_id", QE_ARRAY, NULL },
	{ "include_category_children", QE_BOOL, NULL },
	{ "created_at", QE_DATES, NULL },
	{ "updated_at", QE_DATES, NULL },
	{ "cart_id", QE_STRING, NULL },
	{ "region_id", QE_STRING, NULL },
	{ "currency_code", QE_STRING, NULL },
	{ "fields", QE_STRING, NULL },
	{ "expand", QE_STRING, NULL },
	{ "offset", QE_NUMBER, NULL },
	{ "limit", QE_NUMBER, NULL },
	{ "order", QE_STRING, NULL },
};

static const struct qe_route list_route = {
	.params = list_params,
	.nparams = sizeof(list_params) / sizeof(list_params[0]),
	.default_fields = product_store_pcols,
	.default_relations = default_relations,
	.allowed_fields = allowed_fields,
	.allowed_relations = allowed_relations,
	.known_fields = allowed_fields,
	.default_limit = 100,
	.is_list = 1,
};

/* StoreGetProductsProductParams */
static const struct qe_param get_params[] = {
	{ "sales_channel_id", QE_STRING, NULL },
	{ "cart_id", QE_STRING, NULL },
	{ "region_id", QE_STRING, NULL },
	{ "currency_code", QE_STRING, NULL },
	{ "fields", QE_STRING, NULL },
	{ "expand", QE_STRING, NULL },
};

static const struct qe_route get_route = {
	.params = get_params,
	.nparams = sizeof(get_params) / sizeof(get_params[0]),
	.default_fields = product_store_pcols,
	.default_relations = default_relations,
	.allowed_fields = allowed_fields,
	.allowed_relations = allowed_relations,
	.known_fields = allowed_fields,
};

/* ---- the list's filters ---- */

static int in_list(const char *v, const char **list, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (strcmp(v, list[i]) == 0)
			return 1;
	return 0;
}

static int any_in(const char **vals, size_t nv, const char **list, size_t n)
{
	for (size_t i = 0; i < nv; i++)
		if (in_list(vals[i], list, n))
			return 1;
	return 0;
}

static int icontains(const char *hay, const char *needle)
{
	if (!hay)
		return 0;
	size_t n = strlen(needle);
	for (const char *p = hay; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return 1;
	return n == 0;
}

struct filter {
	const char **ids, **collections, **tags, **types, **channels, **categories;
	size_t nids, ncollections, ntags, ntypes, nchannels, ncategories;
	int has_ids, has_collections, has_tags, has_types, has_channels, has_categories;
	const char *q, *title, *description, *handle;
	int is_giftcard;
	long long cms[4], ums[4];
	int chas[4], uhas[4];
};

static int dates_ok(long long v, const long long ms[4], const int has[4])
{
	return (!has[0] || v < ms[0]) && (!has[1] || v > ms[1]) && (!has[2] || v >= ms[2]) && (!has[3] || v <= ms[3]);
}

/* category_id with include_category_children: the categories and all their descendants */
static void add_descendants(struct arena *a, const struct pc_snapshot *s, struct filter *f)
{
	for (size_t done = 0; done < f->ncategories; done++) {
		for (size_t i = 0; i < s->ncategories; i++) {
			const struct pc_category *c = &s->categories[i];
			if (c->parent_id && strcmp(c->parent_id, f->categories[done]) == 0 &&
			    !in_list(c->id, f->categories, f->ncategories)) {
				const char **n = arena_alloc(a, sizeof(*n) * (f->ncategories + 1));
				memcpy(n, f->categories, sizeof(*n) * f->ncategories);
				n[f->ncategories++] = c->id;
				f->categories = n;
			}
		}
	}
}

static void build_filter(struct req *r, const struct pv_ctx *c, const struct qe_query *q, struct filter *f)
{
	memset(f, 0, sizeof(*f));
	struct arena *a = &r->arena;
	f->nids = qe_strings(a, q, "id", &f->ids);
	f->has_ids = f->ids != NULL;
	f->ncollections = qe_strings(a, q, "collection_id", &f->collections);
	f->has_collections = f->collections != NULL;
	f->ntags = qe_strings(a, q, "tags", &f->tags);
	f->has_tags = f->tags != NULL;
	f->ntypes = qe_strings(a, q, "type_id", &f->types);
	f->has_types = f->types != NULL;
	f->nchannels = qe_strings(a, q, "sales_channel_id", &f->channels);
	f->has_channels = f->channels != NULL;
	f->ncategories = qe_strings(a, q, "category_id", &f->categories);
	f->has_categories = f->categories != NULL;
	if (f->has_categories && qe_bool(q, "include_category_children") == 1)
		add_descendants(a, c->s, f);
	f->q = qe_string(q, "q");
	f->title = qe_string(q, "title");
	f->description = qe_string(q, "description");
	f->handle = qe_string(q, "handle");
	f->is_giftcard = qe_bool(q, "is_giftcard");
	qe_dates(q, "created_at", f->cms, f->chas);
	qe_dates(q, "updated_at", f->ums, f->uhas);
}

static int category_ok(const struct pc_snapshot *s, const struct filter *f, const struct pc_product *p)
{
	for (size_t i = 0; i < p->ncategories; i++) {
		if (!in_list(p->category_ids[i], f->categories, f->ncategories))
			continue;
		/* the store lists active, public categories only */
		for (size_t k = 0; k < s->ncategories; k++)
			if (strcmp(s->categories[k].id, p->category_ids[i]) == 0 && s->categories[k].is_active &&
			    !s->categories[k].is_internal)
				return 1;
	}
	return 0;
}

static int q_ok(const struct pc_product *p, const char *q)
{
	if (icontains(p->title, q) || icontains(p->description, q) || icontains(p->collection_title, q))
		return 1;
	/* variant titles: the fragment is the escaped JSON string, close enough for a substring */
	for (size_t i = 0; i < p->nvariants; i++)
		if (icontains(p->variants[i]->col[4], q))
			return 1;
	return 0;
}

static int matches(const struct pv_ctx *c, const struct filter *f, const struct pc_product *p)
{
	if (!p->status || strcmp(p->status, "published") != 0)
		return 0;
	if (!pv_in_scope(c, p))
		return 0;
	if (f->has_channels && !any_in(p->channel_ids, p->nchannels, f->channels, f->nchannels))
		return 0;
	if (f->has_ids && !in_list(p->id, f->ids, f->nids))
		return 0;
	if (f->has_collections && !in_list(p->collection_id, f->collections, f->ncollections))
		return 0;
	if (f->has_tags && !any_in(p->tag_ids, p->ntags, f->tags, f->ntags))
		return 0;
	if (f->has_types && !in_list(p->type_id, f->types, f->ntypes))
		return 0;
	if (f->has_categories && !category_ok(c->s, f, p))
		return 0;
	if (f->title && (!p->title || strcmp(f->title, p->title) != 0))
		return 0;
	if (f->description && (!p->description || strcmp(f->description, p->description) != 0))
		return 0;
	if (f->handle && (!p->handle || strcmp(f->handle, p->handle) != 0))
		return 0;
	if (f->is_giftcard >= 0 && p->is_giftcard != f->is_giftcard)
		return 0;
	if (f->q && *f->q && !q_ok(p, f->q))
		return 0;
	return dates_ok(p->created_ms, f->cms, f->chas) && dates_ok(p->updated_ms, f->ums, f->uhas);
}

/* ---- order ---- */

static int sort_col;
static int sort_desc;

/* Postgres order: numbers as numbers, text bytewise, NULLs last ascending (first descending). */
static int cmp_products(const void *a, const void *b)
{
	const struct pc_product *x = *(const struct pc_product *const *)a, *y = *(const struct pc_product *const *)b;
	const char *u = x->col[sort_col], *v = y->col[sort_col];
	int un = strcmp(u, "null") == 0, vn = strcmp(v, "null") == 0, r;
	if (un || vn) {
		r = un - vn;
	} else if (*u != '"' && *v != '"') {
		double du = strtod(u, NULL), dv = strtod(v, NULL);
		r = du < dv ? -1 : du > dv;
	} else {
		r = strcmp(u, v);
	}
	if (sort_desc)
		r = -r;
	if (r)
		return r;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static void sort_page(struct pc_product **v, size_t n, const struct qe_query *q)
{
	if (!q->order)
		return; /* the snapshot is already created_at DESC, id */
	sort_col = -1;
	for (int i = 0; i < PP_COUNT; i++)
		if (strcmp(product_store_pcols[i], q->order) == 0)
			sort_col = i;
	if (sort_col < 0)
		return; /* profile_id and the dotted names: Medusa's order is undefined there */
	sort_desc = q->order_desc;
	qsort(v, n, sizeof(*v), cmp_products);
}

/* ---- handlers ---- */

enum api_err products_list(struct req *r)
{
	struct qe_query q;
	struct pv_ctx c;
	enum api_err e;
	if ((e = qe_parse_req(r, &list_route, &q)) || (e = pv_begin(r, &c)))
		return e;
	/* the price context first: the cache key names the region it resolves (cart_id) */
	if ((e = pv_price_context(r, &c, &q)))
		return e;
	if (pv_cache_get(r, &c, 'L'))
		return API_OK;
	/* a key's scope shows: Medusa loads each product's sales channels then (reference 4.3) */
	if (c.key)
		qe_add_relation(&r->arena, &q, "sales_channels");
	struct filter f;
	build_filter(r, &c, &q, &f);
	if (f.has_channels && !c.key) {
		/* withDefaultSalesChannel only fills in a missing sales_channel_id */
		c.channels = f.channels;
		c.nchannels = f.nchannels;
	} else if (f.has_channels) {
		/* with a key, the channels asked for must be the key's */
		for (size_t i = 0; i < f.nchannels; i++)
			if (!in_list(f.channels[i], (const char **)c.channels, c.nchannels))
				return respond_fail(r, E_INVALID_DATA,
						    "Provided request body contains errors. Please check the data and retry the request");
	}
	const struct pc_snapshot *s = c.s;
	struct pc_product **hits = arena_alloc(&r->arena, sizeof(*hits) * (s->nproducts ? s->nproducts : 1));
	size_t n = 0;
	for (size_t i = 0; i < s->nproducts; i++)
		if (matches(&c, &f, &s->products[i]))
			hits[n++] = &s->products[i];
	sort_page(hits, n, &q);
	struct buf *b = r->out;
	struct env ans, list;
	env_object(&ans, b);
	env_key_list(&ans, "products", &list);
	for (size_t i = (size_t)q.offset, k = 0; i < n && k < (size_t)q.limit; i++, k++) {
		env_item(&list);
		pv_w_product(b, &c, hits[i], &q);
	}
	env_end(&list);
	env_page(&ans, (long long)n, q.limit_echo, q.offset_echo, ENV_COUNT_OFFSET_LIMIT);
	env_end(&ans);
	pv_cache_put(r, &c, 'L');
	return API_OK;
}

enum api_err products_get(struct req *r)
{
	struct qe_query q;
	struct pv_ctx c;
	enum api_err e;
	if ((e = qe_parse_req(r, &get_route, &q)) || (e = pv_begin(r, &c)))
		return e;
	/* the price context first: the cache key names the region it resolves (cart_id) */
	if ((e = pv_price_context(r, &c, &q)))
		return e;
	if (pv_cache_get(r, &c, 'P'))
		return API_OK;
	const char *id = pv_path_id(r);
	if (!id)
		return E_INVALID_DATA;
	const struct pc_product *p = NULL;
	for (size_t i = 0; i < c.s->nproducts && !p; i++)
		if (strcmp(c.s->products[i].id, id) == 0)
			p = &c.s->products[i];
	if (!p)
		return respond_fail(r, E_NOT_FOUND, "Product with id: %s was not found", id);
	/* by id: any status; with a key, only the key's channels (Medusa: 400) */
	if (c.key && !pv_in_scope(&c, p))
		return respond_fail(r, E_INVALID_DATA, "Provided request body contains errors. Please check the data and retry the request");
	struct env ans;
	env_one(&ans, r->out, "product");
	pv_w_product(r->out, &c, p, &q);
	env_end(&ans);
	pv_cache_put(r, &c, 'P');
	return API_OK;
}

enum api_err products_search(struct req *r)
{
	/* no search plugin: Medusa's default search service answers no hits */
	env_empty_list(r->out, "hits");
	return API_OK;
}
