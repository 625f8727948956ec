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
 *   started           the cart row is locked (SELECT ... FOR UPDATE): concurrent completes of
 *                     one cart queue here; one completed meanwhile is answered with its order
 *                     (133: every later complete replays {"data":order,"type":"order"}); the
 *                     cart's cart_lock row is written, so writers of the cart on other Galera
 *                     nodes conflict with this one (migration 023);
 *   tax_lines_created the tax lines of every item and shipping method, computed as for
 *                     POST .../taxes (force_taxes), are persisted;
 *   payment_authorized the selected session of the manual provider is authorized and a payment
 *                     row of the cart total made (none for a total of 0, as Medusa);
 *   finished          stock is taken from every managed variant (a conditional UPDATE, so two
 *                     carts racing for the last unit get one order and one 409), the order is
 *                     made with the next display_id, the cart's items, shipping methods and
 *                     payment move onto it, the cart is completed, and catalogue_version moves
 *                     so every worker's product answers show the new stock.
 * Any refusal rolls everything back: unlike Medusa (172 then 174), a cart refused for a missing
 * email is not left with an authorized payment that blocks every later complete.
 */
#include "cgi/cart_complete.h"

#include <stdlib.h>
#include <string.h>

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
	enum api_err err;        /* DB_ABORT: the refusal */
	const char *msg;
};

static enum db_rc refuse(struct complete_ctx *x, enum api_err err, const char *msg)
{
	x->err = err;
	x->msg = msg;
	return DB_ABORT;
}

static long long cell_ll(const struct db_rows *r, size_t row, unsigned col)
{
	const char *v = db_cell(r, row, col);
	return v ? strtoll(v, NULL, 10) : 0;
}

/* The rates of rows [from, ..) of rates (item/method id, rate, name, code) belonging to owner. */
static size_t rates_of(struct arena *a, const struct db_rows *rates, const char *owner, struct totals_rate **out,
		       size_t have, size_t *n)
{
	size_t k = 0;
	for (size_t i = 0; i < rates->nrows; i++)
		if (strcmp(db_cell(rates, i, 0), owner) == 0)
			k++;
	if (!k)
		return have;
	struct totals_rate *v = arena_alloc(a, sizeof(*v) * (have + k));
	if (have)
		memcpy(v, *out, sizeof(*v) * have);
	for (size_t i = 0; i < rates->nrows; i++)
		if (strcmp(db_cell(rates, i, 0), owner) == 0)
			v[have++] = (struct totals_rate){ db_cell(rates, i, 1), db_cell(rates, i, 2), db_cell(rates, i, 3) };
	*out = v;
	*n = have;
	return have;
}

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
static size_t stock_list(struct arena *a, const struct db_rows *items, struct stock **out)
{
	struct stock *s = arena_alloc(a, sizeof(*s) * (items->nrows ? items->nrows : 1));
	size_t n = 0;
	for (size_t i = 0; i < items->nrows; i++) {
		const char *v = db_cell(items, i, 1);
		if (v)
			s[n++] = (struct stock){ v, cell_ll(items, i, 3) };
	}
	qsort(s, n, sizeof(*s), stock_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && strcmp(s[m - 1].variant_id, s[i].variant_id) == 0)
			s[m - 1].quantity += s[i].quantity;
		else
			s[m++] = s[i];
	}
	*out = s;
	return m;
}

static enum db_rc complete_work(struct db *db, void *vctx)
{
	struct complete_ctx *x = vctx;
	struct req *r = x->r;
	struct arena *a = &r->arena;
	struct order_cart c;
	enum db_rc rc = order_store_cart_lock(db, a, x->cart_id, &c);
	if (rc != DB_OK)
		return rc;
	if (!c.cart.nrows)
		return refuse(x, E_NOT_FOUND, arena_printf(a, "Cart with %s was not found", x->cart_id));
	if (db_cell(&c.cart, 0, OCC_COMPLETED_AT)) {
		x->replay = 1;
		return DB_OK;
	}
	if (!c.region.nrows)
		return refuse(x, E_NOT_FOUND, arena_printf(a, "Region with %s was not found",
							    db_cell(&c.cart, 0, OCC_REGION_ID)));
	if ((rc = order_store_touch_cart(db, a, x->cart_id)) != DB_OK)
		return rc;

	/* started -> tax_lines_created: the lines POST .../taxes shows, now persisted */
	size_t ni = c.items.nrows, nm = c.methods.nrows;
	struct totals_item *items = arena_alloc(a, sizeof(*items) * (ni ? ni : 1));
	struct totals_item_out *io = arena_alloc(a, sizeof(*io) * (ni ? ni : 1));
	struct totals_shipping *ms = arena_alloc(a, sizeof(*ms) * (nm ? nm : 1));
	struct totals_shipping_out *mo = arena_alloc(a, sizeof(*mo) * (nm ? nm : 1));
	memset(items, 0, sizeof(*items) * (ni ? ni : 1));
	memset(ms, 0, sizeof(*ms) * (nm ? nm : 1));
	for (size_t i = 0; i < ni; i++) {
		items[i].id = db_cell(&c.items, i, 0);
		items[i].unit_price = cell_ll(&c.items, i, 2);
		items[i].quantity = cell_ll(&c.items, i, 3);
		struct totals_rate *v = NULL;
		size_t n = 0;
		size_t have = rates_of(a, &c.product_rates, items[i].id, &v, 0, &n);
		rates_of(a, &c.type_rates, items[i].id, &v, have, &n);
		items[i].rates = v;
		items[i].n_rates = n;
	}
	for (size_t i = 0; i < nm; i++) {
		ms[i].id = db_cell(&c.methods, i, 0);
		ms[i].price = cell_ll(&c.methods, i, 1);
		struct totals_rate *v = NULL;
		size_t n = 0;
		rates_of(a, &c.method_rates, ms[i].id, &v, 0, &n);
		ms[i].rates = v;
		ms[i].n_rates = n;
	}
	struct totals_cart_in in;
	memset(&in, 0, sizeof(in));
	in.items = items;
	in.n_items = ni;
	in.methods = ms;
	in.n_methods = nm;
	in.region.tax_rate = db_cell(&c.region, 0, 1);
	in.region.automatic_taxes = cell_ll(&c.region, 0, 2) != 0;
	in.region.gift_cards_taxable = cell_ll(&c.region, 0, 3) != 0;
	struct totals_cart_out co;
	totals_cart(&in, 1, io, mo, &co);

	char now[24];
	customer_db_time(req_epoch_ms(), now);
	/*
	 * The lines share created_at (as Medusa's); their ids come from one monotonic series so that
	 * ORDER BY created_at, id reads an item's lines in the order they were computed (product
	 * rate before type rate), not in the order of random ULID tails.
	 */
	char ulid[ULID_LEN + 1];
	if (ulid_new(ulid) != 0)
		return DB_ERROR;
	for (size_t i = 0; i < ni; i++)
		for (size_t k = 0; k < io[i].lines.n; k++) {
			const struct totals_rate *t = &io[i].lines.v[k];
			if ((rc = order_store_tax_line(db, a, 0, ulid, items[i].id, t->rate, t->name, t->code, now)) != DB_OK)
				return rc;
		}
	for (size_t i = 0; i < nm; i++)
		for (size_t k = 0; k < mo[i].lines.n; k++) {
			const struct totals_rate *t = &mo[i].lines.v[k];
			if ((rc = order_store_tax_line(db, a, 1, ulid, ms[i].id, t->rate, t->name, t->code, now)) != DB_OK)
				return rc;
		}

	/* tax_lines_created -> payment_authorized (cartService.authorizePayment): a total of 0 needs none */
	const char *payment_id = NULL;
	if (co.total != 0) {
		if (!c.session.nrows)
			return refuse(x, E_NOT_ALLOWED, "You cannot complete a cart without a payment session.");
		char *pid = arena_alloc(a, 64);
		if (ulid_id("pay", pid, 64) != 0)
			return DB_ERROR;
		rc = order_store_authorize(db, a, db_cell(&c.session, 0, 0), pid, x->cart_id, co.total,
					   db_cell(&c.region, 0, 0), db_cell(&c.session, 0, 1), now);
		if (rc == DB_DUPLICATE)
			return refuse(x, E_DUPLICATE, arena_printf(a, "Payment with cart_id %s already exists.",
								    x->cart_id));
		if (rc != DB_OK)
			return rc;
		payment_id = pid;
	}

	/* payment_authorized -> finished: stock (confirmInventory + reserveQuantity), then the order */
	struct stock *st;
	size_t ns = stock_list(a, &c.items, &st);
	for (size_t i = 0; i < ns; i++) {
		int ok;
		if ((rc = order_store_take_stock(db, a, st[i].variant_id, st[i].quantity, now, &ok)) != DB_OK)
			return rc;
		if (!ok)
			return refuse(x, E_OUT_OF_STOCK, arena_printf(a, "Variant with id: %s does not have the "
								       "required inventory", st[i].variant_id));
	}
	if (!ni)
		return refuse(x, E_INVALID_DATA, "Cannot create order from empty cart");
	if (!db_cell(&c.cart, 0, OCC_CUSTOMER_ID))
		return refuse(x, E_INVALID_DATA, "Cannot create an order from the cart without a customer");
	char oid[64];
	if (ulid_id("order", oid, sizeof(oid)) != 0)
		return DB_ERROR;
	struct order_new o = {
		.id = oid,
		.cart_id = x->cart_id,
		.customer_id = db_cell(&c.cart, 0, OCC_CUSTOMER_ID),
		.email = db_cell(&c.cart, 0, OCC_EMAIL),
		.billing_address_id = db_cell(&c.cart, 0, OCC_BILLING),
		.shipping_address_id = db_cell(&c.cart, 0, OCC_SHIPPING),
		.region_id = db_cell(&c.cart, 0, OCC_REGION_ID),
		.currency_code = db_cell(&c.region, 0, 0),
		.sales_channel_id = db_cell(&c.cart, 0, OCC_SALES_CHANNEL),
		.payment_id = payment_id,
		.payment_status = "awaiting",
	};
	if (!o.email)
		return refuse(x, E_INVALID_DATA, "Cannot create an order from the cart without a customer");
	if ((rc = order_store_create(db, a, &o, now)) != DB_OK)
		return rc;
	if (ns && (rc = order_store_bump_catalogue(db, a)) != DB_OK)
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
		return respond_fail(r, x.err, "%s", x.msg);
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
