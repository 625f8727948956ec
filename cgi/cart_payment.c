/*
 * cart_payment: a cart's payment sessions with the `manual` provider, and POST .../taxes
 * (issue 12), as Medusa 1.20's CartService does them (setPaymentSessions, setPaymentSession,
 * updatePaymentSession, refreshPaymentSession, deletePaymentSession; PaymentProviderService
 * and medusa-payment-manual; transcripts-store 122-130, 161, 173; extras 078, 092, 103).
 *
 * Every route loads the cart under its row lock (cart_model_load lock=1), computes the session
 * changes in C as a list of checkout_ps_op and applies them in one store call, then answers
 * with the cart re-read in the same transaction. What the manual provider does:
 *   - creating a session ("initiating") gives data {"status":"pending"}, status pending, the
 *     cart's total as amount; a session made by Medusa itself without the provider (several
 *     providers, or one that is not selected) has data {} and is_initiated false;
 *   - updatePayment returns the data unchanged; updatePaymentData(data, update) returns
 *     {...data, ...update.data}: with the route's body {"data": X} only X.data is merged, so
 *     {"data":{"note":"x"}} changes nothing but updated_at (127);
 *   - refresh deletes the session and creates a new one, not selected (128).
 * updated_at moves as TypeORM moves it: save() only when a value changed, update() always.
 *
 * Deliberately not as Medusa (README "Differences from Medusa"): selecting a provider that has
 * no session yet is 400 not_allowed "Could not find payment session" (Medusa: 500
 * unexpected_state, 173); refreshing the session of a provider the region does not have is
 * 400 not_allowed as selecting it is (Medusa: 200, nothing done); a completed cart's sessions
 * are not changed (400 not_allowed).
 */
#include <string.h>

#include "cgi/cart_checkout.h"
#include "cgi/cart_view.h"
#include "cgi/catalogue_util.h"
#include "cgi/router.h"
#include "common/body.h"
#include "common/json.h"
#include "common/respond.h"
#include "common/ulid.h"
#include "sql/cart_checkout_store.h"

/* Columns of cart_store_sessions rows (payment_session_cols). */
enum { PS_ID = 0, PS_PROVIDER = 4, PS_SELECTED = 5, PS_INITIATED = 6, PS_STATUS = 7, PS_DATA = 8 };

static const char PENDING_DATA[] = "{\"status\":\"pending\"}";

/* StorePostCartsCartPaymentSessionReq / ...UpdateReq */
static const struct field_spec select_fields[] = { { "provider_id", FK_STRING, 1, 0, NULL } };
static const struct field_set select_set = FIELD_SET(select_fields);
static const struct field_spec update_fields[] = { { "data", FK_OBJECT, 1, 0, NULL } };
static const struct field_set update_set = FIELD_SET(update_fields);

static int truthy(const char *cell)
{
	return cell && strcmp(cell, "0") != 0;
}

static const char *ps_cell(const struct cart_model *m, size_t i, unsigned col)
{
	return db_cell(&m->sessions, i, col);
}

/* The row of provider's session in m, -1 when the cart has none. */
static int session_of(const struct cart_model *m, const char *provider)
{
	for (size_t i = 0; i < m->sessions.nrows; i++)
		if (strcmp(ps_cell(m, i, PS_PROVIDER), provider) == 0)
			return (int)i;
	return -1;
}

/* The cart's id and the cart loaded under its lock; completed carts refused. */
static enum api_err load_locked(struct req *r, int force_taxes, struct cart_model *m)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	enum api_err e = cart_model_load(r, id, 1, force_taxes, m);
	if (e != API_OK)
		return e;
	if (m->completed_at)
		return respond_fail(r, E_NOT_ALLOWED, "Cart %s is already completed", m->id);
	return API_OK;
}

/* load_locked for a route with :provider_id: *provider, and *row its session's (-1: none). */
static enum api_err load_provider(struct req *r, struct cart_model *m, const char **provider, int *row)
{
	*provider = catq_param(r, 1);
	if (!*provider)
		return r->err;
	enum api_err e = load_locked(r, 0, m);
	*row = e == API_OK ? session_of(m, *provider) : -1;
	return e;
}

static enum api_err apply(struct req *r, const struct cart_model *m, const struct checkout_ps_op *ops, size_t n)
{
	enum store_rc rc = checkout_store_sessions_apply(&r->w->db, &r->arena, m->id, ops, n);
	return rc == STORE_OK ? API_OK : respond_fail(r, store_fail(rc), NULL);
}

static enum api_err new_session_id(char id[64])
{
	return ulid_id("ps", id, 64) == 0 ? API_OK : E_UNKNOWN;
}

/* The region's payment providers (rows of one cell): the worker's region cache, else the database. */
static enum api_err providers_of(struct req *r, const struct cart_model *m, struct db_rows *rows)
{
	int live;
	enum api_err e = cart_region_providers(r, m->region_id, &live, rows);
	if (e != API_OK || live)
		return e;
	enum store_rc rc = checkout_store_providers(&r->w->db, &r->arena, m->region_id, rows);
	return rc == STORE_OK ? API_OK : respond_fail(r, store_fail(rc), NULL);
}

static int has_provider(const struct db_rows *providers, const char *id)
{
	for (size_t i = 0; i < providers->nrows; i++)
		if (strcmp(db_cell(providers, i, 0), id) == 0)
			return 1;
	return 0;
}

/*
 * CartService.setPaymentSessions on m (loaded with taxes forced): the changes that bring the
 * cart's sessions to its total (providers: the region's). ops needs room for
 * 2 * sessions + providers + 2 entries.
 */
static enum api_err plan_sync(struct req *r, const struct cart_model *m, const struct db_rows *providers,
			      struct checkout_ps_op *ops, size_t *n)
{
	long long total = m->totals.total;
	enum api_err e;
	*n = 0;
	if (total <= 0) {
		/* nothing to pay: no session (Medusa deletes them one by one) */
		ops[(*n)++] = (struct checkout_ps_op){ .kind = PS_DELETE_ALL };
		return API_OK;
	}
	int selected = 0; /* a selected session stays (Cart.payment_session) */
	for (size_t i = 0; i < m->sessions.nrows; i++) {
		const char *sid = ps_cell(m, i, PS_ID), *prov = ps_cell(m, i, PS_PROVIDER);
		int sel = truthy(ps_cell(m, i, PS_SELECTED)), init = truthy(ps_cell(m, i, PS_INITIATED));
		if (!has_provider(providers, prov)) {
			ops[(*n)++] = (struct checkout_ps_op){ .kind = PS_DELETE, .id = sid };
			continue;
		}
		if (sel && init) {
			/* updateSession: the manual provider keeps its data; the amount follows the total */
			ops[(*n)++] = (struct checkout_ps_op){ .kind = PS_SAVE, .id = sid, .is_selected = 1,
							       .is_initiated = 1, .status = ps_cell(m, i, PS_STATUS),
							       .data_json = ps_cell(m, i, PS_DATA), .amount = total };
			selected = 1;
		} else if (init) {
			/* initiated but not selected: deleted at the provider, made again locally */
			char *nid = arena_alloc(&r->arena, 64);
			if ((e = new_session_id(nid)) != API_OK)
				return e;
			ops[(*n)++] = (struct checkout_ps_op){ .kind = PS_DELETE, .id = sid };
			ops[(*n)++] = (struct checkout_ps_op){ .kind = PS_INSERT, .id = nid, .provider_id = prov,
							       .is_selected = -1, .is_initiated = 0, .status = "pending",
							       .data_json = "{}", .amount = total };
		} else {
			ops[(*n)++] = (struct checkout_ps_op){ .kind = PS_SAVE, .id = sid, .is_selected = sel ? 1 : -1,
							       .is_initiated = 0, .status = ps_cell(m, i, PS_STATUS),
							       .data_json = ps_cell(m, i, PS_DATA), .amount = total };
			selected |= sel;
		}
	}
	if (providers->nrows == 1 && !selected) {
		/* the only provider of the region: its session is created at the provider and selected
		 * (one row per provider: a row planned above gives way to it) */
		const char *prov = db_cell(providers, 0, 0);
		for (size_t k = 0; k < *n; k++)
			if (ops[k].kind == PS_INSERT && strcmp(ops[k].provider_id, prov) == 0)
				ops[k].kind = PS_DELETE; /* never inserted: deleting its id is a no-op */
		int row = session_of(m, prov);
		if (row >= 0)
			ops[(*n)++] = (struct checkout_ps_op){ .kind = PS_DELETE, .id = ps_cell(m, (size_t)row, PS_ID) };
		char *nid = arena_alloc(&r->arena, 64);
		if ((e = new_session_id(nid)) != API_OK)
			return e;
		ops[(*n)++] = (struct checkout_ps_op){ .kind = PS_INSERT, .id = nid, .provider_id = prov,
						       .is_selected = 1, .is_initiated = 1, .status = "pending",
						       .data_json = PENDING_DATA, .amount = total };
		return API_OK;
	}
	/* several providers: a local session for each one without */
	for (size_t p = 0; p < providers->nrows; p++) {
		const char *prov = db_cell(providers, p, 0);
		if (session_of(m, prov) >= 0)
			continue;
		char *nid = arena_alloc(&r->arena, 64);
		if ((e = new_session_id(nid)) != API_OK)
			return e;
		ops[(*n)++] = (struct checkout_ps_op){ .kind = PS_INSERT, .id = nid, .provider_id = prov,
						       .is_selected = -1, .is_initiated = 0, .status = "pending",
						       .data_json = "{}", .amount = total };
	}
	return API_OK;
}

/* plan_sync, then applied; m loaded with taxes forced. */
static enum api_err sync_model(struct req *r, const struct cart_model *m)
{
	size_t cap = 2 * m->sessions.nrows + 2, n = 0;
	struct db_rows providers;
	enum api_err e = providers_of(r, m, &providers);
	if (e != API_OK)
		return e;
	cap += providers.nrows;
	struct checkout_ps_op *ops = arena_alloc(&r->arena, sizeof(*ops) * cap);
	if ((e = plan_sync(r, m, &providers, ops, &n)) != API_OK)
		return e;
	return apply(r, m, ops, n);
}

enum api_err cart_payment_sync(struct req *r, const char *id)
{
	struct cart_model m;
	enum api_err e = cart_model_load(r, id, 0, 1, &m);
	if (e != API_OK)
		return e;
	if (!m.sessions.nrows)
		return API_OK;
	return sync_model(r, &m);
}

enum api_err cart_payment_sessions_create(struct req *r)
{
	struct cart_model m;
	enum api_err e = load_locked(r, 1, &m);
	if (e != API_OK || (e = sync_model(r, &m)) != API_OK)
		return e;
	return cart_answer_model(r, &m, CART_PAYMENT_SESSIONS, CART_RELOAD_SESSIONS);
}

/*
 * CartService.setPaymentSession(provider) on m: every session deselected (and not initiated),
 * provider's session initiated, selected, at the cart's total, with data (NULL: as the provider
 * leaves it). Appends to ops; records the errors Medusa gives.
 */
static enum api_err plan_select(struct req *r, const struct cart_model *m, const char *provider, const char *data,
				struct checkout_ps_op *ops, size_t *n)
{
	struct db_rows providers;
	enum api_err e = providers_of(r, m, &providers);
	if (e != API_OK)
		return e;
	if (!has_provider(&providers, provider))
		return respond_fail(r, E_NOT_ALLOWED, "The payment method is not available in this region");
	int row = session_of(m, provider);
	if (row < 0)
		return respond_fail(r, E_NOT_ALLOWED, "Could not find payment session");
	size_t i = (size_t)row;
	int init = truthy(ps_cell(m, i, PS_INITIATED));
	ops[(*n)++] = (struct checkout_ps_op){ .kind = PS_DESELECT_ALL };
	/* initiated: updateSession keeps data and status; else createSession: a fresh pending one */
	ops[(*n)++] = (struct checkout_ps_op){
		.kind = PS_SAVE, .id = ps_cell(m, i, PS_ID), .is_selected = 1, .is_initiated = 1,
		.status = init ? ps_cell(m, i, PS_STATUS) : "pending",
		.data_json = data ? data : init ? ps_cell(m, i, PS_DATA) : PENDING_DATA, .amount = m->totals.total,
	};
	return API_OK;
}

enum api_err cart_payment_session_select(struct req *r)
{
	enum api_err e = body_validate(r, r->json, &select_set);
	if (e != API_OK)
		return e;
	struct cart_model m;
	struct checkout_ps_op ops[2];
	size_t n = 0;
	if ((e = load_locked(r, 0, &m)) != API_OK ||
	    (e = plan_select(r, &m, body_str(r->json, "provider_id"), NULL, ops, &n)) != API_OK ||
	    (e = apply(r, &m, ops, n)) != API_OK)
		return e;
	return cart_answer_model(r, &m, CART_PAYMENT_SESSION, CART_RELOAD_SESSIONS);
}

/*
 * The session's data after the manual provider's updatePaymentData: {...data, ...update.data}
 * where update is the body's data object (127). NULL when the stored data is not an object.
 */
static const char *merged_data(struct req *r, const char *stored, int initiated)
{
	struct json_object *update = json_object_object_get(json_object_object_get(r->json, "data"), "data");
	/* selecting first made a non-initiated session a fresh pending one */
	const char *base = initiated && stored ? stored : PENDING_DATA;
	if (!update || !json_object_is_type(update, json_type_object))
		return base;
	struct json_object *o = json_tokener_parse(base);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return base;
	}
	json_object_object_foreach(update, k, v)
		json_object_object_add(o, k, json_object_get(v));
	struct buf b;
	buf_init(&b);
	json_w_canonical(&b, o);
	const char *s = arena_strndup(&r->arena, b.data, b.len);
	buf_release(&b);
	json_object_put(o);
	return s;
}

enum api_err cart_payment_session_update(struct req *r)
{
	enum api_err e = body_validate(r, r->json, &update_set);
	if (e != API_OK)
		return e;
	const char *provider;
	struct cart_model m;
	int row;
	if ((e = load_provider(r, &m, &provider, &row)) != API_OK)
		return e;
	/* the route selects the provider first, then updates the selected session's data */
	const char *data = NULL;
	if (row >= 0)
		data = merged_data(r, ps_cell(&m, (size_t)row, PS_DATA), truthy(ps_cell(&m, (size_t)row, PS_INITIATED)));
	struct checkout_ps_op ops[2];
	size_t n = 0;
	if ((e = plan_select(r, &m, provider, data, ops, &n)) != API_OK || (e = apply(r, &m, ops, n)) != API_OK)
		return e;
	return cart_answer_model(r, &m, CART_PAYMENT_SESSION, CART_RELOAD_SESSIONS);
}

enum api_err cart_payment_session_refresh(struct req *r)
{
	const char *provider;
	struct cart_model m;
	int row;
	enum api_err e = load_provider(r, &m, &provider, &row);
	if (e != API_OK)
		return e;
	/* Medusa answers the cart unchanged for a provider the region does not have; we refuse it as
	 * select and update do (a provider of the region without a session is still a no-op) */
	struct db_rows providers;
	if ((e = providers_of(r, &m, &providers)) != API_OK)
		return e;
	if (!has_provider(&providers, provider))
		return respond_fail(r, E_NOT_ALLOWED, "The payment method is not available in this region");
	struct checkout_ps_op ops[2];
	size_t n = 0;
	if (row >= 0 && truthy(ps_cell(&m, (size_t)row, PS_SELECTED))) {
		/* refreshSession: deleted, then created anew at the provider, not selected */
		char *nid = arena_alloc(&r->arena, 64);
		if ((e = new_session_id(nid)) != API_OK)
			return e;
		ops[n++] = (struct checkout_ps_op){ .kind = PS_DELETE, .id = ps_cell(&m, (size_t)row, PS_ID) };
		ops[n++] = (struct checkout_ps_op){ .kind = PS_INSERT, .id = nid, .provider_id = provider,
						    .is_selected = -1, .is_initiated = 1, .status = "pending",
						    .data_json = PENDING_DATA, .amount = m.totals.total };
	} else if (row >= 0) {
		ops[n++] = (struct checkout_ps_op){ .kind = PS_AMOUNT, .id = ps_cell(&m, (size_t)row, PS_ID),
						    .amount = m.totals.total };
	}
	if ((e = apply(r, &m, ops, n)) != API_OK)
		return e;
	return cart_answer_model(r, &m, CART_REFRESH, n ? CART_RELOAD_SESSIONS : 0);
}

enum api_err cart_payment_session_delete(struct req *r)
{
	const char *provider;
	struct cart_model m;
	int row;
	enum api_err e = load_provider(r, &m, &provider, &row);
	if (e != API_OK)
		return e;
	struct checkout_ps_op op = { .kind = PS_DELETE, .id = row >= 0 ? ps_cell(&m, (size_t)row, PS_ID) : NULL };
	if (row >= 0 && (e = apply(r, &m, &op, 1)) != API_OK)
		return e;
	return cart_answer_model(r, &m, CART_GET, row >= 0 ? CART_RELOAD_SESSIONS : 0);
}

enum api_err cart_taxes(struct req *r)
{
	/* retrieveWithTotals(id, {}, {force_taxes: true}): nothing is written */
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	return cart_answer(r, id, CART_TAXES);
}
