/*
 * collections: GET /store/collections and /store/collections/:id.
 *
 * The list validates StoreGetCollectionsParams: handle (string[]),
 * created_at / updated_at comparisons, limit (default 10) and offset; no
 * fields or expand (transcript 065: "property expand should not exist").
 * The envelope is {collections, count, limit, offset} with limit and offset
 * echoed as take / skip. The entity has no relations here. Retrieve ignores
 * its query string.
 */
#include "cgi/catalogue.h"
#include "cgi/catalogue_util.h"
#include "cgi/router.h"
#include "common/envelope.h"
#include "common/respond.h"
#include "sql/taxonomy_store.h"

/* StoreGetCollectionsParams, in its declaration order (limit and offset are @IsInt here) */
static const struct qe_param list_params[] = {
	{ "handle", QE_ARRAY, NULL }, { "limit", QE_INT, NULL }, { "offset", QE_INT, NULL },
	{ "created_at", QE_DATES, NULL }, { "updated_at", QE_DATES, NULL },
};
static const struct qe_route list_route = {
	.params = list_params, .nparams = sizeof(list_params) / sizeof(list_params[0]),
	.default_limit = 10, .is_list = 1,
};

enum api_err collections_list(struct req *r)
{
	struct qe_query q;
	enum api_err e = qe_parse_req(r, &list_route, &q);
	if (e != API_OK)
		return e;
	struct collection_filter f = { .handles = catq_json_list(r, &q, "handle") };
	catq_dates(r, &q, "created_at", &f.created_at);
	catq_dates(r, &q, "updated_at", &f.updated_at);
	struct db_rows rows;
	long long count = 0;
	enum store_rc rc = collection_store_list(&r->w->db, &r->arena, &f, q.limit, q.offset, &rows, &count);
	if (rc != STORE_OK)
		return store_fail(rc);
	struct env ans;
	env_object(&ans, r->out);
	env_key(&ans, "collections");
	catq_linked(r->out, &rows, 0, NULL, collection_cols, COLLECTION_NCOLS, 0);
	env_page(&ans, count, q.limit_echo, q.offset_echo, ENV_COUNT_LIMIT_OFFSET);
	env_end(&ans);
	return API_OK;
}

enum api_err collections_get(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	struct collection_filter f = { .id = id };
	struct db_rows rows;
	enum store_rc rc = collection_store_list(&r->w->db, &r->arena, &f, 1, 0, &rows, NULL);
	if (rc != STORE_OK)
		return store_fail(rc);
	if (!rows.nrows)
		return respond_fail(r, E_NOT_FOUND, "Product collection with id: %s was not found", id);
	struct env ans;
	env_one(&ans, r->out, "collection");
	rowj_object(r->out, collection_cols, COLLECTION_NCOLS, rows.cells, NULL);
	env_end(&ans);
	return API_OK;
}
