/*
 * router: matching (case-insensitive, one trailing slash tolerated, as
 * Express does), authentication before any handler SQL, the JSON body, and
 * the final respond_send(). Unknown routes answer a JSON 404 where Express
 * would send an HTML page (API.md section 6).
 */
#include "cgi/router.h"

#include "cgi/idempotency.h"
#include "cgi/pool.h"
#include "cgi/catalogue.h"
#include "cgi/carts.h"
#include "cgi/cart_complete.h"
#include "cgi/store_orders.h"
#include "cgi/cart_checkout.h"
#include "cgi/cart_update.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/auth.h"
#include "common/body.h"
#include "common/log.h"
#include "common/respond.h"
#include "sql/session_store.h"

static enum api_err health(struct req *r)
{
	r->body_type = "text/plain; charset=utf-8";
	buf_adds(r->out, "OK");
	return API_OK;
}

/*
 * The pool's status page: text, or JSON with ?json / Accept: application/json.
 * nginx only lets loopback clients reach it; we check REMOTE_ADDR as well.
 */
static enum api_err status_page(struct req *r)
{
	const char *ra = FCGX_GetParam("REMOTE_ADDR", r->envp);
	if (!ra || !(strncmp(ra, "127.", 4) == 0 || strcmp(ra, "::1") == 0))
		return respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path);
	const char *accept = FCGX_GetParam("HTTP_ACCEPT", r->envp);
	int json = strstr(r->query, "json") != NULL || (accept && strstr(accept, "application/json"));
	r->body_type = json ? "application/json; charset=utf-8" : "text/plain; charset=utf-8";
	pool_status(r->out, json);
	return API_OK;
}

static const struct route routes[] = {
	{ "GET", "/health", health, AUTH_NONE, 0 },
	{ "GET", "/status", status_page, AUTH_NONE, 0 },
	{ "POST", "/store/customers", customers_create, AUTH_NONE, 1 },
	{ "GET", "/store/customers/me", customers_me_get, AUTH_REQUIRED, 0 },
	{ "POST", "/store/customers/me", customers_me_update, AUTH_REQUIRED, 1 },
	{ "POST", "/store/customers/password-token", customers_password_token, AUTH_NONE, 1 },
	{ "POST", "/store/customers/password-reset", customers_password_reset, AUTH_NONE, 1 },
	{ "POST", "/store/customers/me/addresses", addresses_create, AUTH_REQUIRED, 1 },
	{ "POST", "/store/customers/me/addresses/:id", addresses_update, AUTH_REQUIRED, 1 },
	{ "DELETE", "/store/customers/me/addresses/:id", addresses_delete, AUTH_REQUIRED, 0 },
	{ "GET", "/store/customers/me/orders", orders_list, AUTH_REQUIRED, 0 },
	{ "GET", "/store/customers/me/payment-methods", payment_methods_list, AUTH_REQUIRED, 0 },
	{ "POST", "/store/auth/token", auth_token, AUTH_NONE, 1 },
	{ "POST", "/store/auth", auth_session_create, AUTH_NONE, 1 },
	{ "GET", "/store/auth", auth_session_get, AUTH_REQUIRED, 0 },
	{ "DELETE", "/store/auth", auth_session_delete, AUTH_NONE, 0 },
	{ "GET", "/store/auth/:email", auth_email_exists, AUTH_NONE, 0 },
	{ "GET", "/store/products", products_list, AUTH_NONE, 0 },
	{ "POST", "/store/products/search", products_search, AUTH_NONE, 0 },
	{ "GET", "/store/products/:id", products_get, AUTH_NONE, 0 },
	{ "GET", "/store/variants", variants_list, AUTH_NONE, 0 },
	{ "GET", "/store/variants/:id", variants_get, AUTH_NONE, 0 },
	{ "GET", "/store/regions", regions_list, AUTH_NONE, 0 },
	{ "GET", "/store/regions/:id", regions_get, AUTH_NONE, 0 },
	{ "GET", "/store/collections", collections_list, AUTH_NONE, 0 },
	{ "GET", "/store/collections/:id", collections_get, AUTH_NONE, 0 },
	{ "GET", "/store/product-categories", categories_list, AUTH_NONE, 0 },
	{ "GET", "/store/product-categories/:id", categories_get, AUTH_NONE, 0 },
	{ "GET", "/store/product-tags", product_tags_list, AUTH_NONE, 0 },
	{ "GET", "/store/product-types", product_types_list, AUTH_NONE, 0 },
	{ "GET", "/store/shipping-options", shipping_options_list, AUTH_NONE, 0 },
	{ "GET", "/store/return-reasons", return_reasons_list, AUTH_NONE, 0 },
	{ "GET", "/store/return-reasons/:id", return_reasons_get, AUTH_NONE, 0 },
	{ "GET", "/store/gift-cards/:code", gift_cards_get, AUTH_NONE, 0 },
	{ "POST", "/store/carts", carts_create, AUTH_NONE, 1 },
	{ "GET", "/store/carts/:id", carts_get, AUTH_NONE, 0 },
	{ "POST", "/store/carts/:id/complete", cart_complete, AUTH_NONE, 0 },
	{ "POST", "/store/carts/:id/complete-cart", cart_complete, AUTH_NONE, 0 },
	{ "GET", "/store/orders", store_orders_lookup, AUTH_NONE, 0 },
	{ "GET", "/store/orders/cart/:cart_id", store_orders_by_cart, AUTH_NONE, 0 },
	{ "POST", "/store/orders/batch/customer/token", store_orders_claim_token, AUTH_REQUIRED, 1 },
	{ "POST", "/store/orders/customer/confirm", store_orders_claim_confirm, AUTH_NONE, 1 },
	{ "GET", "/store/orders/:id", store_orders_get, AUTH_NONE, 0 },
	{ "POST", "/store/carts/:id/line-items", line_items_create, AUTH_NONE, 1 },
	{ "POST", "/store/carts/:id/line-items/:line_id", line_items_update, AUTH_NONE, 1 },
	{ "DELETE", "/store/carts/:id/line-items/:line_id", line_items_delete, AUTH_NONE, 0 },
	{ "GET", "/store/shipping-options/:cart_id", cart_shipping_options, AUTH_NONE, 0 },
	{ "POST", "/store/carts/:id/shipping-methods", cart_add_shipping_method, AUTH_NONE, 1 },
	{ "POST", "/store/carts/:id/payment-sessions", cart_payment_sessions_create, AUTH_NONE, 0 },
	{ "POST", "/store/carts/:id/payment-session", cart_payment_session_select, AUTH_NONE, 1 },
	{ "POST", "/store/carts/:id/payment-sessions/:provider_id", cart_payment_session_update, AUTH_NONE, 1 },
	{ "DELETE", "/store/carts/:id/payment-sessions/:provider_id", cart_payment_session_delete, AUTH_NONE, 0 },
	{ "POST", "/store/carts/:id/payment-sessions/:provider_id/refresh", cart_payment_session_refresh, AUTH_NONE, 0 },
	{ "POST", "/store/carts/:id/taxes", cart_taxes, AUTH_NONE, 0 },
	{ "POST", "/store/carts/:id", cart_update, AUTH_NONE, 1 },
	{ "DELETE", "/store/carts/:id/discounts/:code", cart_discount_delete, AUTH_NONE, 0 },
};

/*
 * Matches path against pattern segment by segment; ":x" captures one
 * non-empty segment into r->params. Returns 1 on a match.
 */
static int match(struct req *r, const char *pattern, const char *path)
{
	size_t plen = strlen(path);
	if (plen > 1 && path[plen - 1] == '/')
		plen--;
	const char *p = pattern, *s = path, *end = path + plen;
	int np = 0;
	while (*p && s < end) {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		size_t pl = strcspn(p, "/");
		const char *se = memchr(s, '/', (size_t)(end - s));
		size_t sl = se ? (size_t)(se - s) : (size_t)(end - s);
		if (*p == ':') {
			if (sl == 0 || np == REQ_MAX_PARAMS)
				return 0;
			r->params[np++] = arena_strndup(&r->arena, s, sl);
		} else if (pl != sl || strncasecmp(p, s, sl) != 0) {
			return 0;
		}
		p += pl;
		s += sl;
	}
	if (*p || s != end)
		return 0;
	r->nparams = np;
	return 1;
}

/*
 * Session cookie first, then bearer token (API.md section 3). The cookie's
 * HMAC is verified before its sid reaches the database.
 */
static void authenticate(struct req *r)
{
	char sid[REQ_ID_MAX];
	r->customer_id[0] = '\0';
	if (auth_cookie_sid(r, sid, sizeof(sid))) {
		char *cid = NULL;
		long long created = 0;
		enum store_rc rc = session_store_get(&r->w->db, &r->arena, sid, req_epoch_ms(), &cid, &created);
		if (rc == STORE_OK && strlen(cid) < sizeof(r->customer_id)) {
			snprintf(r->customer_id, sizeof(r->customer_id), "%s", cid);
			snprintf(r->session_id, sizeof(r->session_id), "%s", sid);
			r->auth_issued_ms = created;
			r->auth_by_session = 1;
			return;
		}
		if (rc == STORE_UNAVAILABLE)
			r->auth_db_down = 1;
	}
	auth_bearer(r);
}

static void preflight(struct req *r)
{
	r->status = 204;
	respond_header(r, "Vary", "Origin, Access-Control-Request-Headers");
	respond_header(r, "Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE");
	if (r->acr_headers)
		respond_header(r, "Access-Control-Allow-Headers", r->acr_headers);
	respond_header(r, "Content-Length", "0");
}

void router_dispatch(struct req *r)
{
	const struct route *rt = NULL;
	int path_known = 0;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(r, routes[i].pattern, r->path))
			continue;
		path_known = 1;
		if (strcmp(routes[i].method, r->method) == 0 ||
		    (strcmp(r->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
			rt = &routes[i];
			break;
		}
	}
	enum api_err e = API_OK;
	if (!rt && path_known && strcmp(r->method, "OPTIONS") == 0 && strncasecmp(r->path, "/store", 6) == 0) {
		preflight(r);
		goto send;
	}
	if (!rt) {
		respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path);
		goto send;
	}
	r->route = rt;
	r->route_pattern = rt->pattern;
	if (strncasecmp(r->path, "/store", 6) == 0)
		authenticate(r);
	if (rt->auth == AUTH_REQUIRED && !r->customer_id[0]) {
		e = r->auth_db_down ? E_DB_UNAVAILABLE : E_AUTH_REQUIRED;
		goto done;
	}
	if (rt->json_body && (e = body_parse(r)) != API_OK)
		goto done;
	/* every POST and DELETE changes state: one transaction with its Idempotency-Key answer */
	if (strcmp(rt->method, "POST") == 0 || strcmp(rt->method, "DELETE") == 0)
		e = idempotency_run(r, rt);
	else
		e = rt->fn(r);
done:
	if (e != API_OK)
		r->err = e;
send:
	respond_send(r);
	if (r->cfg->log_requests)
		log_request(r);
}
