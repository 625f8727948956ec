/*
 * catalogue_util: small pieces the catalogue handlers share (cgi/regions.c,
 * collections.c, product_tags.c, ...): query values turned into store
 * filters, the decoded path parameter, and the selection mask of an
 * entity's columns. Everything returned is request-arena memory.
 */
#ifndef CATALOGUE_UTIL_H
#define CATALOGUE_UTIL_H
#include <stddef.h>

#include "common/qengine.h"
#include "common/req.h"
#include "common/rowjson.h"
#include "sql/region_store.h"

/* The DateComparisonOperator of parameter name as DB timestamps (all NULL when absent). */
void catq_dates(struct req *r, const struct qe_query *q, const char *name, struct store_dates *out);

/* A string-or-array parameter as JSON array text for the stores' JSON_CONTAINS; NULL when absent. */
const char *catq_json_list(struct req *r, const struct qe_query *q, const char *name);

/* r->params[i] decoded as Express decodes route parameters; NULL (and a 400 recorded) when malformed. */
const char *catq_param(struct req *r, int i);

/*
 * The first path parameter (decoded, as catq_param) and the query parsed for route, as a
 * retrieve handler starts: API_OK, or the error to return (the path's before the query's).
 */
enum api_err catq_get(struct req *r, const struct qe_route *route, const char **id, struct qe_query *q);

/* sel[i] = column i is in the query's select (arena memory, n entries). */
unsigned char *catq_select(struct req *r, const struct qe_query *q, const struct rowj_col *cols, size_t n);
/*
 * Appends a JSON array of the rows whose column key_col equals key (every row when key is
 * NULL), each as an object of cols from column c0 (a region's countries or providers out of
 * region_store_links; a list answer's plain entities).
 */
void catq_linked(struct buf *b, const struct db_rows *rows, unsigned key_col, const char *key,
		 const struct rowj_col *cols, size_t ncols, unsigned c0);
#endif
