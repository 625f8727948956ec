/*
 * variants: GET /store/variants and GET /store/variants/:id over the
 * worker's catalogue snapshot (cgi/product_view.c). Medusa's list answers
 * {variants} without a count; `ids=a,b` is split on commas (the handler
 * does it), `id` is a string or an array.
 */
#include <string.h>

#include "cgi/product_view.h"
#include "cgi/router.h"
#include "common/envelope.h"
#include "common/qengine.h"
#include "common/respond.h"

static const char *const default_relations[] = { "prices", "options", "product", NULL };
static const char *const allowed_relations[] = { "prices", "options", "product", "inventory_items", NULL };

/* StoreGetVariantsParams */
static const struct qe_param list_params[] = {
	{ "ids", QE_STRING, NULL },
	{ "sales_channel_id", QE_STRING, NULL },
	{ "id", QE_STRING_OR_ARRAY, NULL },
	{ "title", QE_STRING_OR_ARRAY, NULL },
	{ "inventory_quantity", QE_ANY, NULL },
	{ "cart_id", QE_STRING, NULL },
	{ "region_id", QE_STRING, NULL },
	{ "currency_code", QE_STRING, NULL },
	{ "fields", QE_STRING, NULL },
	{ "expand", QE_STRING, NULL },
	{ "offset", QE_NUMBER, NULL },
	{ "limit", QE_NUMBER, NULL },
};

static const struct qe_route list_route = {
	.params = list_params,
	.nparams = sizeof(list_params) / sizeof(list_params[0]),
	.default_fields = product_store_vcols,
	.default_relations = default_relations,
	.known_fields = product_store_vcols,
	.allowed_relations = allowed_relations,
	.default_limit = 100,
	.is_list = 1,
};

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
	.default_fields = product_store_vcols,
	.default_relations = default_relations,
	.known_fields = product_store_vcols,
	.allowed_relations = allowed_relations,
};

static int listed(const char *id, const char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

enum api_err variants_list(struct req *r)
{
	struct qe_query q;
	struct pv_ctx c;
	enum api_err e;
	if ((e = qe_parse_req(r, &list_route, &q)) || (e = pv_begin(r, &c)))
		return e;
	/* the price context first: the cache key names the region it resolves (cart_id) */
	if ((e = pv_price_context(r, &c, &q)))
		return e;
	if (pv_cache_get(r, &c, 'V'))
		return API_OK;
	/* ids: comma-separated; id: a string or a list; both narrow the list */
	const char *ids_text = qe_string(&q, "ids");
	const char **ids = NULL, **idl = NULL, **titles = NULL;
	size_t nids = 0, nidl = qe_strings(&r->arena, &q, "id", &idl), ntitles = qe_strings(&r->arena, &q, "title", &titles);
	if (ids_text) {
		size_t cap = 1;
		for (const char *p = ids_text; *p; p++)
			cap += *p == ',';
		ids = arena_alloc(&r->arena, sizeof(*ids) * cap);
		for (const char *p = ids_text;;) {
			size_t len = strcspn(p, ",");
			ids[nids++] = arena_strndup(&r->arena, p, len);
			if (!p[len])
				break;
			p += len + 1;
		}
	}
	struct buf *b = r->out;
	struct env ans, list;
	env_object(&ans, b);
	env_key_list(&ans, "variants", &list);
	size_t seen = 0, k = 0;
	for (size_t i = 0; i < c.s->nvariants && k < (size_t)q.limit; i++) {
		const struct pc_variant *v = &c.s->variants[i];
		if (!pv_in_scope(&c, v->product))
			continue;
		if (ids_text && !listed(v->id, ids, nids))
			continue;
		if (idl && !listed(v->id, idl, nidl))
			continue;
		if (titles) {
			/* col[4] is the JSON string of the title: compare inside the quotes */
			const char *t = v->col[4];
			int hit = 0;
			for (size_t j = 0; j < ntitles && !hit; j++)
				hit = t[0] == '"' && strlen(t) == strlen(titles[j]) + 2 && strncmp(t + 1, titles[j], strlen(titles[j])) == 0;
			if (!hit)
				continue;
		}
		if (seen++ < (size_t)q.offset)
			continue;
		k++;
		env_item(&list);
		pv_w_variant(b, &c, v, &q, PV_VARIANT_LIST);
	}
	env_end(&list);
	env_end(&ans);
	pv_cache_put(r, &c, 'V');
	return API_OK;
}

enum api_err variants_get(struct req *r)
{
	struct qe_query q;
	struct pv_ctx c;
	enum api_err e;
	if ((e = qe_parse_req(r, &get_route, &q)) || (e = pv_begin(r, &c)))
		return e;
	/* the price context first: the cache key names the region it resolves (cart_id) */
	if ((e = pv_price_context(r, &c, &q)))
		return e;
	if (pv_cache_get(r, &c, 'W'))
		return API_OK;
	const char *id = pv_path_id(r);
	if (!id)
		return E_INVALID_DATA;
	const struct pc_variant *v = NULL;
	for (size_t i = 0; i < c.s->nvariants && !v; i++)
		if (strcmp(c.s->variants[i].id, id) == 0)
			v = &c.s->variants[i];
	if (!v)
		return respond_fail(r, E_NOT_FOUND, "Variant with id: %s was not found", id);
	if (c.key && !pv_in_scope(&c, v->product))
		return respond_fail(r, E_INVALID_DATA, "Provided request body contains errors. Please check the data and retry the request");
	struct env ans;
	env_one(&ans, r->out, "variant");
	pv_w_variant(r->out, &c, v, &q, PV_VARIANT_GET);
	env_end(&ans);
	pv_cache_put(r, &c, 'W');
	return API_OK;
}
