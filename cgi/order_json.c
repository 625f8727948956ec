/*
 * order_json: see order_json.h. The rows come from sql/order_store.c; the totals are computed
 * here from them (common/totals.c, section 3.5 of the reference): items and shipping methods
 * with their persisted tax lines, the payments; no discounts, gift cards or refunds exist yet.
 * Scratch arrays for the totals are sized by the rows and taken from the worker's heap for the
 * duration of one call.
 */
#include "cgi/order_json.h"

#include <stdlib.h>
#include <string.h>

#include "common/customer_json.h"
#include "common/json.h"
#include "common/totals.h"
#include "sql/region_store.h"

static const char *const rel_names[OR_COUNT] = {
	"billing_address", "cart", "claims", "currency", "customer", "discounts", "draft_order", "edits",
	"fulfillments", "gift_card_transactions", "gift_cards", "items", "payments", "refunds", "region",
	"returns", "sales_channel", "shipping_address", "shipping_methods", "swaps",
};

const char *order_rel_name(enum order_rel_id r)
{
	return (unsigned)r < OR_COUNT ? rel_names[r] : "";
}

unsigned long order_rel_bit(const char *name, size_t n)
{
	size_t top = 0;
	while (top < n && name[top] != '.')
		top++;
	for (int i = 0; i < OR_COUNT; i++)
		if (strlen(rel_names[i]) == top && memcmp(rel_names[i], name, top) == 0)
			return ORDER_BIT(i);
	return 0;
}

/* The order's own columns after "{" (and "object"); the object stays open. */
static void cols_json(struct buf *b, const struct order *o, unsigned long cols, int object)
{
	buf_addc(b, '{');
	int first = 1;
	if (object) {
		buf_adds(b, "\"object\":\"order\"");
		first = 0;
	}
	for (int k = 0; k < OC_COUNT; k++) {
		if (!(cols & ORDER_BIT(k)))
			continue;
		const char *v = o->col[k];
		if (!first)
			buf_addc(b, ',');
		first = 0;
		buf_addc(b, '"');
		buf_adds(b, order_col_name((enum order_col)k));
		buf_add(b, "\":", 2);
		switch (k) {
		case OC_CREATED_AT:
		case OC_UPDATED_AT:
		case OC_CANCELED_AT:
			customer_json_time(b, v);
			break;
		case OC_DISPLAY_ID:
		case OC_TAX_RATE:
			if (v)
				json_w_number(b, strtod(v, NULL));
			else
				buf_adds(b, "null");
			break;
		case OC_METADATA:
			rowj_value(b, RJ_JSONB, v);
			break;
		case OC_NO_NOTIFICATION:
			buf_adds(b, !v ? "null" : strcmp(v, "0") ? "true" : "false");
			break;
		default:
			json_w_strz(b, v);
		}
	}
}

/* Tax lines of one owner: rows [*at, ...) of t whose last cell is owner_id (rows are grouped). */
struct lines {
	struct totals_rate *v;
	size_t n;
	size_t first;  /* index of the first row in t */
};

static void take_lines(const struct db_rows *t, size_t *at, const char *owner_id, struct totals_rate *store,
		       struct lines *l)
{
	l->v = store + *at;
	l->first = *at;
	l->n = 0;
	/* rows are ordered like their owners, so one pass over both finds each owner's lines */
	size_t i = *at;
	while (i < t->nrows && strcmp(db_cell(t, i, ORDER_TAX_LINE_NCOLS - 1), owner_id) != 0)
		i++;
	if (i == t->nrows)
		return;
	l->v = store + i;
	l->first = i;
	while (i < t->nrows && strcmp(db_cell(t, i, ORDER_TAX_LINE_NCOLS - 1), owner_id) == 0) {
		store[i].rate = db_cell(t, i, 3);
		store[i].name = db_cell(t, i, 4);
		store[i].code = db_cell(t, i, 5);
		l->n++;
		i++;
	}
	*at = i;
}

static void tax_lines_json(struct buf *b, const struct db_rows *t, const struct lines *l,
			   const struct rowj_col *cols)
{
	buf_addc(b, '[');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_addc(b, ',');
		rowj_object(b, cols, ORDER_TAX_LINE_NCOLS, &t->cells[(l->first + i) * t->ncols], NULL);
	}
	buf_addc(b, ']');
}

static long long cell_ll(const struct db_rows *r, size_t row, unsigned col)
{
	const char *v = db_cell(r, row, col);
	return v ? strtoll(v, NULL, 10) : 0;
}

struct computed {
	struct totals_item *items;
	struct totals_item_out *items_out;
	struct lines *item_lines;
	struct totals_shipping *methods;
	struct totals_shipping_out *methods_out;
	struct lines *method_lines;
	struct totals_rate *item_rates, *method_rates;
	long long *payments;
	struct totals_order_out out;
};

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort(); /* out of memory: an impossible state for a worker (STYLE 9) */
	return p;
}

static void compute(const struct order_rel *rel, struct computed *c)
{
	size_t ni = rel->items.nrows, nm = rel->methods.nrows, np = rel->payments.nrows;
	c->items = zalloc(ni, sizeof(*c->items));
	c->items_out = zalloc(ni, sizeof(*c->items_out));
	c->item_lines = zalloc(ni, sizeof(*c->item_lines));
	c->item_rates = zalloc(rel->item_tax.nrows, sizeof(*c->item_rates));
	c->methods = zalloc(nm, sizeof(*c->methods));
	c->methods_out = zalloc(nm, sizeof(*c->methods_out));
	c->method_lines = zalloc(nm, sizeof(*c->method_lines));
	c->method_rates = zalloc(rel->method_tax.nrows, sizeof(*c->method_rates));
	c->payments = zalloc(np, sizeof(*c->payments));
	size_t at = 0;
	for (size_t i = 0; i < ni; i++) {
		struct totals_item *it = &c->items[i];
		it->id = db_cell(&rel->items, i, OI_ID);
		it->unit_price = cell_ll(&rel->items, i, OI_UNIT_PRICE);
		it->quantity = cell_ll(&rel->items, i, OI_QUANTITY);
		it->returned_quantity = cell_ll(&rel->items, i, OI_RETURNED);
		take_lines(&rel->item_tax, &at, it->id, c->item_rates, &c->item_lines[i]);
		it->saved = c->item_lines[i].v;
		it->n_saved = c->item_lines[i].n;
	}
	at = 0;
	for (size_t i = 0; i < nm; i++) {
		struct totals_shipping *m = &c->methods[i];
		m->id = db_cell(&rel->methods, i, OM_ID);
		m->price = cell_ll(&rel->methods, i, OM_PRICE);
		take_lines(&rel->method_tax, &at, m->id, c->method_rates, &c->method_lines[i]);
		m->saved = c->method_lines[i].v;
		m->n_saved = c->method_lines[i].n;
	}
	for (size_t i = 0; i < np; i++)
		c->payments[i] = cell_ll(&rel->payments, i, OP_AMOUNT);
	struct totals_order_in in;
	memset(&in, 0, sizeof(in));
	in.cart.items = c->items;
	in.cart.n_items = ni;
	in.cart.methods = c->methods;
	in.cart.n_methods = nm;
	if (rel->region.nrows) {
		in.cart.region.tax_rate = db_cell(&rel->region, 0, 6);
		in.cart.region.gift_cards_taxable = cell_ll(&rel->region, 0, 8) != 0;
		in.cart.region.automatic_taxes = cell_ll(&rel->region, 0, 9) != 0;
	}
	in.payments = c->payments;
	in.n_payments = np;
	totals_order(&in, c->items_out, c->methods_out, &c->out);
}

static void release(struct computed *c)
{
	free(c->items);
	free(c->items_out);
	free(c->item_lines);
	free(c->item_rates);
	free(c->methods);
	free(c->methods_out);
	free(c->method_lines);
	free(c->method_rates);
	free(c->payments);
}

/*
 * The variant's product as the legacy path loads it: columns, profiles, profile, profile_id;
 * without profiles (expand=items.variant.product alone) only its columns.
 */
static void product_json(struct buf *b, const struct order_rel *rel, const char *product_id, int profiles)
{
	const struct db_rows *p = &rel->products, *f = &rel->profiles;
	for (size_t i = 0; i < p->nrows; i++) {
		if (strcmp(db_cell(p, i, 0), product_id) != 0)
			continue;
		if (!profiles) {
			rowj_object(b, order_product_cols, ORDER_PRODUCT_NCOLS, &p->cells[i * p->ncols], NULL);
			return;
		}
		rowj_open(b, order_product_cols, ORDER_PRODUCT_NCOLS, &p->cells[i * p->ncols], NULL);
		buf_adds(b, ",\"profiles\":[");
		size_t first = f->nrows, n = 0;
		for (size_t k = 0; k < f->nrows; k++) {
			if (strcmp(db_cell(f, k, 0), product_id) != 0)
				continue;
			if (n++)
				buf_addc(b, ',');
			else
				first = k;
			rowj_object(b, order_profile_cols, ORDER_PROFILE_NCOLS, &f->cells[k * f->ncols + 1], NULL);
		}
		/* Product.afterLoad: profile and profile_id are the first profile's */
		buf_adds(b, "],\"profile\":");
		if (n)
			rowj_object(b, order_profile_cols, ORDER_PROFILE_NCOLS, &f->cells[first * f->ncols + 1], NULL);
		else
			buf_adds(b, "null");
		buf_adds(b, ",\"profile_id\":");
		json_w_strz(b, n ? db_cell(f, first, 1) : NULL);
		buf_addc(b, '}');
		return;
	}
	buf_adds(b, "null");
}

static unsigned long total_bit(const char *field);

/*
 * An order item's totals. The new path: the item totals, then refundable. The legacy path
 * (decorateTotalsLegacy): subtotal or total named gives the item totals first (getLineItemTotals);
 * items.refundable named copies each item into a plain object with refundable added, which then
 * takes the new path's totals after it (unless the list route stops at the legacy ones), and
 * whose raw_discount_total cleanResponseData removes where the route pick-filters.
 */
static void item_totals_json(struct buf *b, const struct totals_item_out *o, const struct order_shape *s)
{
	int refund = (s->legacy & total_bit("items.refundable")) != 0;
	int first = (s->legacy & (total_bit("subtotal") | total_bit("total"))) != 0;
	if (!s->legacy || (!refund && !s->legacy_only)) {
		totals_w_order_item(b, o);
		return;
	}
	if (!refund) {
		if (first)
			totals_w_item(b, o);
		return;
	}
	if (first)
		totals_w_item_raw(b, o, !s->cleaned);
	buf_adds(b, ",\"refundable\":");
	buf_addll(b, o->refundable);
	if (!first && !s->legacy_only)
		totals_w_item_raw(b, o, !s->cleaned);
}

static void items_json(struct buf *b, const struct order_rel *rel, const struct computed *c,
		       const struct order_shape *s)
{
	const struct db_rows *r = &rel->items;
	buf_addc(b, '[');
	for (size_t i = 0; i < r->nrows; i++) {
		char *const *row = &r->cells[i * r->ncols];
		if (i)
			buf_addc(b, ',');
		rowj_open(b, order_item_cols, ORDER_ITEM_NCOLS, row, NULL);
		buf_adds(b, ",\"adjustments\":[],\"tax_lines\":");
		tax_lines_json(b, &rel->item_tax, &c->item_lines[i], order_item_tax_cols);
		buf_adds(b, ",\"variant\":");
		if (row[ORDER_ITEM_NCOLS] && (s->legacy || s->variant_product)) {
			rowj_open(b, order_variant_cols, ORDER_VARIANT_NCOLS, row + ORDER_ITEM_NCOLS, NULL);
			buf_adds(b, ",\"product\":");
			product_json(b, rel, row[ORDER_ITEM_NCOLS + 5], s->legacy != 0);
			buf_addc(b, '}');
		} else if (row[ORDER_ITEM_NCOLS]) {
			rowj_object(b, order_variant_cols, ORDER_VARIANT_NCOLS, row + ORDER_ITEM_NCOLS, NULL);
		} else {
			buf_adds(b, "null");
		}
		item_totals_json(b, &c->items_out[i], s);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

static void methods_json(struct buf *b, const struct order_rel *rel, const struct computed *c, int option,
			 int totals)
{
	const struct db_rows *r = &rel->methods;
	buf_addc(b, '[');
	for (size_t i = 0; i < r->nrows; i++) {
		char *const *row = &r->cells[i * r->ncols];
		if (i)
			buf_addc(b, ',');
		rowj_open(b, order_method_cols, ORDER_METHOD_NCOLS, row, NULL);
		if (option) {
			buf_adds(b, ",\"shipping_option\":");
			if (row[ORDER_METHOD_NCOLS])
				rowj_object(b, shipping_option_cols, SHIPPING_OPTION_NCOLS, row + ORDER_METHOD_NCOLS, NULL);
			else
				buf_adds(b, "null");
		}
		buf_adds(b, ",\"tax_lines\":");
		tax_lines_json(b, &rel->method_tax, &c->method_lines[i], order_method_tax_cols);
		if (totals)
			totals_w_shipping(b, &c->methods_out[i]);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

static void rows_json(struct buf *b, const struct db_rows *r, const struct rowj_col *cols, size_t n)
{
	buf_addc(b, '[');
	for (size_t i = 0; i < r->nrows; i++) {
		if (i)
			buf_addc(b, ',');
		rowj_object(b, cols, n, &r->cells[i * r->ncols], NULL);
	}
	buf_addc(b, ']');
}

static void one_or_null(struct buf *b, const struct db_rows *r, const struct rowj_col *cols, size_t n)
{
	if (r->nrows)
		rowj_object(b, cols, n, r->cells, NULL);
	else
		buf_adds(b, "null");
}

/* The order totals, in the new path's key order (totals_w_order's), and "items.refundable". */
enum { T_SUBTOTAL, T_DISCOUNT, T_SHIPPING, T_REFUNDED, T_PAID, T_REFUNDABLE, T_ITEM_TAX, T_SHIPPING_TAX, T_TAX,
       T_GIFT_CARD, T_GIFT_CARD_TAX, T_TOTAL, T_ITEMS_REFUNDABLE, T_COUNT };
static const char *const total_names[T_COUNT] = {
	"subtotal", "discount_total", "shipping_total", "refunded_total", "paid_total", "refundable_amount",
	"item_tax_total", "shipping_tax_total", "tax_total", "gift_card_total", "gift_card_tax_total", "total",
	"items.refundable",
};
/* The fields that take OrderService's legacy totals path (transformQueryForTotals' totalFields). */
static const int legacy_fields[] = {
	T_SUBTOTAL, T_TAX, T_SHIPPING, T_DISCOUNT, T_GIFT_CARD, T_TOTAL, T_PAID, T_REFUNDED, T_REFUNDABLE,
	T_ITEMS_REFUNDABLE,
};

unsigned long order_json_total_bit(const char *field)
{
	for (int i = 0; i < T_COUNT; i++)
		if (strcmp(total_names[i], field) == 0)
			return ORDER_BIT(i);
	return 0;
}

static unsigned long total_bit(const char *field)
{
	return order_json_total_bit(field);
}

void order_json_legacy_field(struct order_shape *s, const char *field)
{
	for (size_t k = 0; k < sizeof(legacy_fields) / sizeof(legacy_fields[0]); k++) {
		int i = legacy_fields[k];
		if (strcmp(total_names[i], field) != 0 || (s->legacy & ORDER_BIT(i)))
			continue;
		s->legacy |= ORDER_BIT(i);
		if (s->nlegacy < sizeof(s->legacy_seq))
			s->legacy_seq[s->nlegacy++] = (unsigned char)i;
	}
}

static long long total_value(const struct totals_order_out *o, int i)
{
	const struct totals_cart_out *c = &o->c;
	switch (i) {
	case T_SUBTOTAL: return c->subtotal;
	case T_DISCOUNT: return c->discount_total;
	case T_SHIPPING: return c->shipping_total;
	case T_REFUNDED: return o->refunded_total;
	case T_PAID: return o->paid_total;
	case T_REFUNDABLE: return o->refundable_amount;
	case T_ITEM_TAX: return c->item_tax_total;
	case T_SHIPPING_TAX: return c->shipping_tax_total;
	case T_TAX: return c->tax_total;
	case T_GIFT_CARD: return c->gift_card_total;
	case T_GIFT_CARD_TAX: return c->gift_card_tax_total;
	default: return c->total;
	}
}

static void total_kv(struct buf *b, const struct totals_order_out *o, int i)
{
	buf_add(b, ",\"", 2);
	buf_adds(b, total_names[i]);
	buf_add(b, "\":", 2);
	buf_addll(b, total_value(o, i));
}

/*
 * The named totals first, in the order fields names them (decorateTotalsLegacy walks the select;
 * gift_card_total also assigns gift_card_tax_total), then, unless legacy_only, the others in the
 * new order.
 */
static void legacy_totals_json(struct buf *b, const struct totals_order_out *o, const struct order_shape *s)
{
	unsigned long done = 0;
	for (unsigned k = 0; k < s->nlegacy; k++) {
		int i = s->legacy_seq[k];
		if (i == T_ITEMS_REFUNDABLE)
			continue;
		total_kv(b, o, i);
		done |= ORDER_BIT(i);
		if (i == T_GIFT_CARD) {
			total_kv(b, o, T_GIFT_CARD_TAX);
			done |= ORDER_BIT(T_GIFT_CARD_TAX);
		}
	}
	if (s->legacy_only)
		return;
	for (int i = 0; i < T_ITEMS_REFUNDABLE; i++)
		if (!(done & ORDER_BIT(i)))
			total_kv(b, o, i);
}

void order_json(struct buf *b, const struct order *o, const struct order_rel *rel, const struct order_shape *s)
{
	struct computed c;
	compute(rel, &c);
	cols_json(b, o, s->cols, s->object);
	for (int i = 0; i < OR_COUNT; i++) {
		if (!(s->rels & ORDER_BIT(i)))
			continue;
		buf_add(b, ",\"", 2);
		buf_adds(b, rel_names[i]);
		buf_add(b, "\":", 2);
		switch (i) {
		case OR_BILLING_ADDRESS:
		case OR_SHIPPING_ADDRESS: {
			const struct address *ad = i == OR_BILLING_ADDRESS ? o->billing : o->shipping;
			if (ad)
				address_json(b, ad);
			else
				buf_adds(b, "null");
			break;
		}
		case OR_CUSTOMER:
			one_or_null(b, &rel->customer, order_customer_cols, ORDER_CUSTOMER_NCOLS);
			break;
		case OR_REGION:
			one_or_null(b, &rel->region, region_cols, REGION_NCOLS);
			break;
		case OR_ITEMS:
			items_json(b, rel, &c, s);
			break;
		case OR_SHIPPING_METHODS:
			methods_json(b, rel, &c, s->method_option, !s->legacy_only);
			break;
		case OR_PAYMENTS:
			rows_json(b, &rel->payments, order_payment_cols, ORDER_PAYMENT_NCOLS);
			break;
		case OR_CART:
		case OR_CURRENCY:
		case OR_DRAFT_ORDER:
		case OR_SALES_CHANNEL:
			buf_adds(b, "null"); /* not loaded by any store route's defaults */
			break;
		default:
			buf_adds(b, "[]"); /* claims, discounts, fulfillments, gift cards, refunds, returns, swaps: none yet */
		}
	}
	if (s->legacy)
		legacy_totals_json(b, &c.out, s);
	else
		totals_w_order(b, &c.out, s->raw_discount_total);
	buf_addc(b, '}');
	release(&c);
}

void order_json_raw(struct buf *b, const struct order *o, const struct order_rel *rel)
{
	cols_json(b, o, ORDER_ALL_COLS, 1);
	buf_adds(b, ",\"items\":[");
	const struct db_rows *r = &rel->items;
	for (size_t i = 0; i < r->nrows; i++) {
		if (i)
			buf_addc(b, ',');
		rowj_object(b, order_item_cols, ORDER_ITEM_NCOLS, &r->cells[i * r->ncols], NULL);
	}
	buf_adds(b, "]}");
}
