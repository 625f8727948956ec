/*
 * product_tags: GET /store/product-tags, and the list both it and
 * GET /store/product-types (cgi/product_types.c) answer.
 *
 * Both validate id / value (string or string[]), q (value ILIKE %q%),
 * discount_condition_id, created_at / updated_at comparisons, limit
 * (default 20), offset and order; no fields or expand. Tags check `order`
 * against id, value, created_at, updated_at ("Order field x is not valid");
 * types are served by Medusa's admin handler, which does not, and then fails
 * in the ORM on an unknown column: here that is the same 400 (API.md
 * section 9). The envelope is {<key>, count, offset, limit}; rows are
 * id, created_at, updated_at, value.
 */
#include <string.h>

#include "cgi/catalogue.h"
#include "cgi/catalogue_util.h"
#include "cgi/product_tags.h"
#include "cgi/router.h"
#include "common/envelope.h"
#include "common/respond.h"

/* Store/AdminGetProduct{Tags,Types}Params in declaration order, then FindPaginationParams' */
static const struct qe_param params[] = {
	{ "id", QE_STRING_OR_ARRAY, NULL }, { "q", QE_STRING, NULL }, { "value", QE_STRING_OR_ARRAY, NULL },
	{ "created_at", QE_DATES, NULL }, { "updated_at", QE_DATES, NULL }, { "order", QE_STRING, NULL },
	{ "discount_condition_id", QE_STRING, NULL },
	{ "offset", QE_NUMBER, NULL }, { "limit", QE_NUMBER, NULL },
};
static const char *const tag_order_fields[] = { "id", "value", "created_at", "updated_at", NULL };
static const char *const type_columns[] = {
	"id", "created_at", "updated_at", "deleted_at", "value", "metadata", NULL,
};
static const struct qe_route tag_route = {
	.params = params, .nparams = sizeof(params) / sizeof(params[0]),
	.allowed_fields = tag_order_fields, .default_limit = 20, .is_list = 1,
};
static const struct qe_route type_route = {
	.params = params, .nparams = sizeof(params) / sizeof(params[0]),
	.known_fields = type_columns, .default_limit = 20, .is_list = 1,
};

static enum taxon_order order_of(const char *col)
{
	static const char *const names[] = { "id", "value", "created_at", "updated_at" };
	for (int i = 0; col && i < 4; i++)
		if (strcmp(col, names[i]) == 0)
			return (enum taxon_order)(TO_ID + i);
	return TO_DEFAULT;
}

enum api_err taxons_list(struct req *r, enum taxon_kind kind)
{
	struct qe_query q;
	enum api_err e = qe_parse_req(r, kind == TAXON_TAG ? &tag_route : &type_route, &q);
	if (e != API_OK)
		return e;
	const char *search = qe_string(&q, "q");
	struct taxon_filter f = {
		.ids = catq_json_list(r, &q, "id"),
		.values = catq_json_list(r, &q, "value"),
		.q = search && *search ? search : NULL,
		.discount_condition_id = qe_string(&q, "discount_condition_id"),
		.order = order_of(q.order),
		.desc = q.order_desc,
	};
	catq_dates(r, &q, "created_at", &f.created_at);
	catq_dates(r, &q, "updated_at", &f.updated_at);
	struct db_rows rows;
	long long count = 0;
	enum store_rc rc = taxon_store_list(&r->w->db, &r->arena, kind, &f, q.limit, q.offset, &rows, &count);
	if (rc != STORE_OK)
		return store_fail(rc);
	struct env ans;
	env_object(&ans, r->out);
	env_key(&ans, kind == TAXON_TAG ? "product_tags" : "product_types");
	catq_linked(r->out, &rows, 0, NULL, taxon_cols, TAXON_NCOLS, 0);
	env_page(&ans, count, q.limit_echo, q.offset_echo, ENV_COUNT_OFFSET_LIMIT);
	env_end(&ans);
	return API_OK;
}

enum api_err product_tags_list(struct req *r)
{
	return taxons_list(r, TAXON_TAG);
}
