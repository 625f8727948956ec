/*
 * cart_complete: a cart becomes an order (issue 12 item 3; reference section 1 "complete", 4.6
 * quirk 2; transcripts-store 116, 132-134, 138, 139, 162, 171, 172; API.md section 9).
 *
 * Medusa 1.20's CartCompletionStrategy walks an idempotency key through recovery points
 * (started -> tax_lines_created -> payment_authorized -> finished), each stage its own
 * SERIALIZABLE transaction, so that a crash between stages can be resumed. Here the stages run
 * in that order inside ONE transaction (the request transaction of cgi/idempotency.c, with the
 * Idempotency-Key answer in it): a crash at any point leaves the cart exactly as it was, and
 * the next complete starts from "started" again; nothing is ever half done, so nothing needs
 * resuming. The stages:
 *   started           the cart is read by the read model every cart route uses (cart_model_load
 *                     with lock and force_taxes), so one reader decides its lines, tax rates and
 *                     totals: its row is locked (SELECT ... FOR UPDATE), so concurrent completes
 *                     of one cart queue here; one completed meanwhile is answered with its order
 *                     (133: every later complete replays {"data":order,"type":"order"}); the
 *                     cart's cart_lock row is written, so writers of the cart on other Galera
 *                     nodes conflict with this one (migration 023);
 *   tax_lines_created the tax lines of every item and shipping method, those POST .../taxes
 *                     shows (the model's), are persisted;
 *   payment_authorized the selected session of the manual provider is authorized and a payment
 *                     row of the cart total made (none for a total of 0, as Medusa);
 *   finished          stock is taken from every managed variant (a conditional UPDATE, so two
 *                     carts racing for the last unit get one order and one 409), the order is
 *                     made with the next display_id, the cart's items, shipping methods and
 *                     payment move onto it, the cart is completed, and stock_version moves so
 *                     every worker re-reads its snapshot's stock (migration 030), not the whole
 *                     catalogue, and its product answers show the new stock.
 * Any refusal rolls everything back: unlike Medusa (172 then 174), a cart refused for a missing
 * email is not left with an authorized payment that blocks every later complete.
 */
#include "cgi/cart_complete.h"

#include <stdlib.h>
#include <string.h>

#include "cgi/cart_view.h"
#include "cgi/catalogue_util.h"
#include "cgi/order_json.h"
#include "cgi/router.h"
#include "common/customer_json.h"
#include "common/respond.h"
#include "common/totals.h"
#include "common/ulid.h"
#include "sql/order_store.h"

struct complete_ctx {
	struct req *r;
	const char *cart_id;
	int replay;              /* the cart was completed already: answer its order */
};

/* A refusal: recorded in r (the answer), and everything of the transaction is undone. */
static enum db_rc refuse(struct complete_ctx *x, enum api_err err, const char *msg)
{
	respond_fail(x->r, err, "%s", msg);
	return DB_ABORT;
}

/* The cart row's columns complete copies onto the order (sql/cart_store.h cart_cols order). */
enum { CC_BILLING = 5, CC_SHIPPING = 6 };

struct stock {
	const char *variant_id;
	long long quantity;
};

static int stock_cmp(const void *pa, const void *pb)
{
	const struct stock *a = pa, *b = pb;
	return strcmp(a->variant_id, b->variant_id);
}

/*
 * The units each variant gives to this cart, summed over its lines, in variant id order: every
 * complete takes its row locks in the same order, so two carts sharing variants queue rather
 * than deadlock.
 */
static size_t stock_list(struct arena *a, const struct cart_model *m, struct stock **out)
{
	struct stock *s = arena_alloc(a, sizeof(*s) * (m->n_items ? m->n_items : 1));
	size_t n = 0;
	for (size_t i = 0; i < m->n_items; i++)
		if (m->items[i].variant_id)
			s[n++] = (struct stock){ m->items[i].variant_id, m->items[i].quantity };
	qsort(s, n, sizeof(*s), stock_cmp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && strcmp(s[k - 1].variant_id, s[i].variant_id) == 0)
			s[k - 1].quantity += s[i].quantity;
		else
			s[k++] = s[i];
	}
	*out = s;
	return k;
}

/* tax_lines_created: the lines POST .../taxes shows (the model's, taxes forced), persisted. */
static enum db_rc persist_tax_lines(struct db *db, struct arena *a, const struct cart_model *m, const char *now)
{
	/*
	 * The lines share created_at (as Medusa's); their ids come from one monotonic series so that
	 * ORDER BY created_at, id reads an item's lines in the order they were computed (product
	 * rate before type rate), not in the order of random ULID tails.
	 */
	char ulid[ULID_LEN + 1];
	if (ulid_new(ulid) != 0)
		return DB_ERROR;
	enum db_rc rc = DB_OK;
	for (size_t i = 0; i < m->n_items && rc == DB_OK; i++)
		for (size_t k = 0; k < m->o_items[i].lines.n && rc == DB_OK; k++) {
			const struct totals_rate *t = &m->o_items[i].lines.v[k];
			rc = order_store_tax_line(db, a, 0, ulid, m->items[i].id, t->rate, t->name, t->code, now);
		}
	for (size_t i = 0; i < m->n_methods && rc == DB_OK; i++)
		for (size_t k = 0; k < m->o_methods[i].lines.n && rc == DB_OK; k++) {
			const struct totals_rate *t = &m->o_methods[i].lines.v[k];
			rc = order_store_tax_line(db, a, 1, ulid, m->methods[i].id, t->rate, t->name, t->code, now);
		}
	return rc;
}

static enum db_rc complete_work(struct db *db, void *vctx)
{
	struct complete_ctx *x = vctx;
	struct req *r = x->r;
	struct arena *a = &r->arena;
	/* started: the cart under its row lock and its cart_lock row written (cart_model_load lock=1),
	 * with the tax lines and totals of POST .../taxes (force_taxes) */
	struct cart_model m;
	enum api_err e = cart_model_load(r, x->cart_id, 1, 1, &m);
	if (e != API_OK)
		return DB_ABORT; /* recorded: 404 for an unknown cart, or the database's failure */
	if (m.completed_at) {
		x->replay = 1;
		return DB_OK;
	}
	if (!m.region.nrows)
		return refuse(x, E_NOT_FOUND, arena_printf(a, "Region with %s was not found", m.region_id));

	char now[24];
	customer_db_time(req_epoch_ms(), now);
	enum db_rc rc = persist_tax_lines(db, a, &m, now);
	if (rc != DB_OK)
		return rc;

	/* tax_lines_created -> payment_authorized (cartService.authorizePayment): a total of 0 needs none */
	const char *payment_id = NULL;
	if (m.totals.total != 0) {
		if (m.selected_session < 0)
			return refuse(x, E_NOT_ALLOWED, "You cannot complete a cart without a payment session.");
		size_t row = (size_t)m.selected_session;
		char *pid = arena_alloc(a, 64);
		if (ulid_id("pay", pid, 64) != 0)
			return DB_ERROR;
		rc = order_store_authorize(db, a, db_cell(&m.sessions, row, 0), pid, m.id, m.totals.total,
					   m.currency_code, db_cell(&m.sessions, row, 4), now);
		if (rc == DB_DUPLICATE)
			return refuse(x, E_DUPLICATE, arena_printf(a, "Payment with cart_id %s already exists.", m.id));
		if (rc != DB_OK)
			return rc;
		payment_id = pid;
	}

	/* payment_authorized -> finished: stock (confirmInventory + reserveQuantity), then the order */
	struct stock *st;
	size_t ns = stock_list(a, &m, &st);
	for (size_t i = 0; i < ns; i++) {
		int ok;
		if ((rc = order_store_take_stock(db, a, st[i].variant_id, st[i].quantity, now, &ok)) != DB_OK)
			return rc;
		if (!ok)
			return refuse(x, E_OUT_OF_STOCK, arena_printf(a, "Variant with id: %s does not have the "
								       "required inventory", st[i].variant_id));
	}
	if (!m.n_items)
		return refuse(x, E_INVALID_DATA, "Cannot create order from empty cart");
	if (!m.customer_id || !m.email)
		return refuse(x, E_INVALID_DATA, "Cannot create an order from the cart without a customer");
	char oid[64];
	if (ulid_id("order", oid, sizeof(oid)) != 0)
		return DB_ERROR;
	struct order_new o = {
		.id = oid,
		.cart_id = m.id,
		.customer_id = m.customer_id,
		.email = m.email,
		.billing_address_id = db_cell(&m.v.cart, 0, CC_BILLING),
		.shipping_address_id = db_cell(&m.v.cart, 0, CC_SHIPPING),
		.region_id = m.region_id,
		.currency_code = m.currency_code,
		.sales_channel_id = m.sales_channel_id,
		.payment_id = payment_id,
		.payment_status = "awaiting",
	};
	if ((rc = order_store_create(db, a, &o, now)) != DB_OK)
		return rc;
	if (ns && (rc = order_store_bump_stock(db, a)) != DB_OK)
		return rc;
	return DB_OK;
}

enum api_err cart_complete(struct req *r)
{
	const char *id = catq_param(r, 0);
	if (!id)
		return r->err;
	struct complete_ctx x = { .r = r, .cart_id = id };
	enum db_rc rc = db_transaction(&r->w->db, complete_work, &x);
	if (rc == DB_ABORT)
		return r->err;
	if (rc != DB_OK)
		return rc == DB_ERROR ? E_DATABASE : E_DB_UNAVAILABLE;
	/* the order as the strategy answers it: retrieveWithTotals, every column (132) */
	struct order *o = NULL;
	struct order_rel rel;
	enum store_rc src = order_store_by_cart(&r->w->db, &r->arena, id, &o);
	if (src == STORE_OK && o)
		src = order_store_relations(&r->w->db, &r->arena, o, &rel);
	if (src != STORE_OK)
		return store_fail(src);
	if (!o) /* a cart completed without an order: only another program can leave one */
		return respond_fail(r, E_NOT_FOUND, "Order with cart id %s was not found", id);
	static const struct order_shape shape = {
		.object = 1, .cols = ORDER_ALL_COLS, .rels = ORDER_TOTALS_RELS | ORDER_BIT(OR_SHIPPING_ADDRESS),
	};
	buf_adds(r->out, "{\"data\":");
	order_json(r->out, o, &rel, &shape);
	buf_adds(r->out, ",\"type\":\"order\"}");
	return API_OK;
}
