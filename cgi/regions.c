/*
 * regions: GET /store/regions and /store/regions/:id.
 *
 * Medusa 1.20 validates the query (whitelist: unknown parameters are 400),
 * takes fields (any Region column; id always, created_at too on the list)
 * and expand within the default relations, which the answer shows
 * alphabetically after the columns: countries, currency,
 * fulfillment_providers, payment_providers. The list envelope is
 * {regions, count, limit, offset}, newest first unless `order` names a
 * column, default limit 100. Retrieve validates the same parameters.
 */
#include <string.h>

#include "cgi/catalogue.h"
#include "cgi/catalogue_util.h"
#include "cgi/router.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/respond.h"
#include "sql/region_store.h"

static const char *const region_fields[] = {
	"id", "created_at", "updated_at", "deleted_at", "name", "currency_code", "tax_rate", "tax_code",
	"gift_cards_taxable", "automatic_taxes", "tax_provider_id", "metadata", NULL,
};
static const char *const region_relations[] = {
	"countries", "payment_providers", "fulfillment_providers", "currency", NULL,
};

/* StoreGetRegionsParams (both routes validate it): its own, then extendedFindParamsMixin's */
static const struct qe_param params[] = {
	{ "created_at", QE_DATES, NULL }, { "updated_at", QE_DATES, NULL },
	{ "fields", QE_STRING, NULL }, { "expand", QE_STRING, NULL },
	{ "offset", QE_NUMBER, NULL }, { "limit", QE_NUMBER, NULL }, { "order", QE_STRING, NULL },
};
static const struct qe_route list_route = {
	.params = params, .nparams = sizeof(params) / sizeof(params[0]),
	.default_fields = region_fields, .default_relations = region_relations,
	.allowed_relations = region_relations, .known_fields = region_fields,
	.default_limit = 100, .is_list = 1,
};
static const struct qe_route get_route = {
	.params = params, .nparams = sizeof(params) / sizeof(params[0]),
	.default_fields = region_fields, .default_relations = region_relations,
	.allowed_relations = region_relations, .known_fields = region_fields,
	.default_limit = 100,
};

/* The columns `order` sorts by (enum region_order); the others keep the default order. */
static enum region_order order_of(const char *col)
{
	static const char *const names[] = { "id", "name", "currency_code", "created_at", "updated_at" };
	for (int i = 0; col && i < 5; i++)
		if (strcmp(col, names[i]) == 0)
			return (enum region_order)(RO_ID + i);
	return RO_DEFAULT;
}

/* One region (row i of the list statement) with the relations the query asks for. */
static void region_json(struct buf *b, const struct qe_query *q, const unsigned char *sel, const struct db_rows *rows,
			size_t i, const struct region_links *l)
{
	char **cells = &rows->cells[i * rows->ncols];
	struct env o;
	rowj_begin(&o, b, region_cols, REGION_NCOLS, cells, sel);
	const char *id = cells[0];
	if (qe_relation(q, "countries")) {
		env_key(&o, "countries");
		catq_linked(b, &l->countries, COUNTRY_NCOLS - 1, id, country_cols, COUNTRY_NCOLS, 0);
	}
	if (qe_relation(q, "currency")) {
		env_key(&o, "currency");
		if (cells[REGION_NCOLS])
			rowj_object(b, currency_cols, CURRENCY_NCOLS, cells + REGION_NCOLS, NULL);
		else
			buf_adds(b, "null");
	}
	if (qe_relation(q, "fulfillment_providers")) {
		env_key(&o, "fulfillment_providers");
		catq_linked(b, &l->fulfillment, 0, id, provider_cols, PROVIDER_NCOLS, 1);
	}
	if (qe_relation(q, "payment_providers")) {
		env_key(&o, "payment_providers");
		catq_linked(b, &l->payment, 0, id, provider_cols, PROVIDER_NCOLS, 1);
	}
	env_end(&o);
}

static int wants_links(const struct qe_query *q)
{
	return qe_relation(q, "countries") || qe_relation(q, "fulfillment_providers") ||
	       qe_relation(q, "payment_providers");
}

enum api_err regions_list(struct req *r)
{
	struct qe_query q;
	enum api_err e = qe_parse_req(r, &list_route, &q);
	if (e != API_OK)
		return e;
	struct region_filter f = { .order = order_of(q.order), .desc = q.order_desc };
	catq_dates(r, &q, "created_at", &f.created_at);
	catq_dates(r, &q, "updated_at", &f.updated_at);
	struct db_rows rows;
	long long count = 0;
	struct region_links links = { 0 };
	enum store_rc rc = region_store_list(&r->w->db, &r->arena, &f, q.limit, q.offset, &rows, &count);
	if (rc == STORE_OK && rows.nrows && wants_links(&q))
		rc = region_store_links(&r->w->db, &r->arena, &links);
	if (rc != STORE_OK)
		return store_fail(rc);
	const unsigned char *sel = catq_select(r, &q, region_cols, REGION_NCOLS);
	struct env ans, list;
	env_object(&ans, r->out);
	env_key_list(&ans, "regions", &list);
	for (size_t i = 0; i < rows.nrows; i++) {
		env_item(&list);
		region_json(r->out, &q, sel, &rows, i, &links);
	}
	env_end(&list);
	env_page(&ans, count, q.limit_echo, q.offset_echo, ENV_COUNT_LIMIT_OFFSET);
	env_end(&ans);
	return API_OK;
}

enum api_err regions_get(struct req *r)
{
	const char *id;
	struct qe_query q;
	enum api_err e = catq_get(r, &get_route, &id, &q);
	if (e != API_OK)
		return e;
	struct region_filter f = { .id = id };
	struct db_rows rows;
	struct region_links links = { 0 };
	enum store_rc rc = region_store_list(&r->w->db, &r->arena, &f, 1, 0, &rows, NULL);
	if (rc == STORE_OK && rows.nrows && wants_links(&q))
		rc = region_store_links(&r->w->db, &r->arena, &links);
	if (rc != STORE_OK)
		return store_fail(rc);
	if (!rows.nrows)
		return respond_fail(r, E_NOT_FOUND, "Region with %s was not found", id);
	struct env ans;
	env_one(&ans, r->out, "region");
	region_json(r->out, &q, catq_select(r, &q, region_cols, REGION_NCOLS), &rows, 0, &links);
	env_end(&ans);
	return API_OK;
}
