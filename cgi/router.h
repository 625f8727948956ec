/*
 * router: the route table and the dispatcher. Each row declares method,
 * path pattern (":name" captures a segment), handler, whether a customer
 * must be authenticated, and whether a JSON body is read. Method, auth,
 * body size and JSON checks run here once, so handlers see only requests
 * that passed them.
 */
#ifndef ROUTER_H
#define ROUTER_H
#include "common/config.h"
#include "common/errors.h"
#include "common/req.h"
#include "common/password.h"
#include "sql/customer_store.h"
#include "sql/db.h"

/* Everything a worker owns; set up once at worker start. */
struct worker {
	const struct config *cfg;
	struct db db;
	struct buf out, headers;
	struct password_params pw;
	unsigned long long served;
};

enum route_auth { AUTH_NONE, AUTH_REQUIRED };

typedef enum api_err (*route_fn)(struct req *r);

struct route {
	const char *method;
	const char *pattern;
	route_fn fn;
	enum route_auth auth;
	int json_body;
};

/* Routes, dispatches and writes the answer of one request. */
void router_dispatch(struct req *r);

/* Handlers, one file per resource (cgi/customers.c, cgi/auth_routes.c). */
enum api_err customers_create(struct req *r);
enum api_err customers_me_get(struct req *r);
enum api_err customers_me_update(struct req *r);
enum api_err customers_password_token(struct req *r);
enum api_err customers_password_reset(struct req *r);
enum api_err auth_token(struct req *r);
enum api_err auth_session_create(struct req *r);
enum api_err auth_session_get(struct req *r);
enum api_err auth_session_delete(struct req *r);
enum api_err auth_email_exists(struct req *r);
/* cgi/addresses.c: r->params[0] is the address id where the path has one */
enum api_err addresses_create(struct req *r);
enum api_err addresses_update(struct req *r);
enum api_err addresses_delete(struct req *r);
/* cgi/orders.c */
enum api_err orders_list(struct req *r);
enum api_err payment_methods_list(struct req *r);
/* cgi/products.c, cgi/variants.c: r->params[0] is the product / variant id */
enum api_err products_list(struct req *r);
enum api_err products_get(struct req *r);
enum api_err products_search(struct req *r);
enum api_err variants_list(struct req *r);
enum api_err variants_get(struct req *r);
/* The customer's orders as the /store/auth shape lists them (JSON array, arena). */
enum api_err orders_auth_json(struct req *r, const char *customer_id, char **out);

/* The answer for a store failure: 503 while the database is unreachable (or a conflict kept
 * coming back), 500 database_error otherwise; API_OK for STORE_OK. */
static inline enum api_err store_fail(enum store_rc rc)
{
	return rc == STORE_OK ? API_OK : rc == STORE_UNAVAILABLE ? E_DB_UNAVAILABLE : E_DATABASE;
}

/* Starts a new cookie session for customer_id and adds its Set-Cookie header. */
enum api_err auth_start_session(struct req *r, const char *customer_id);
/* Fills an address patch from a validated address payload (cgi/customers.c); records a 404 for a bad country_code. */
struct address_patch;
enum api_err address_patch_from(struct req *r, struct json_object *obj, struct address_patch *ap);
/* Shared by handlers: the authenticated customer, loaded, or an error recorded on r. */
struct customer;
enum api_err customers_load_me(struct req *r, struct customer **out);
#endif
