/*
 * totals: Medusa 1.20's cart and order totals, each JavaScript expression
 * reproduced in the same order of IEEE double operations (rate/100 first,
 * then amount * that; sums left to right from 0), rounded with
 * pricing_js_round where Medusa calls Math.round.
 */
#include "common/totals.h"

#include <stdlib.h>

#include "common/buf.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/pricing.h"

double totals_rate_value(const char *rate)
{
	return rate ? strtod(rate, NULL) : 0;
}

static double rnd(double x)
{
	return pricing_js_round(x);
}

/* system-tax provider: the rows, else one default line at the region rate */
static void pick_lines(struct totals_lines *l, const struct totals_rate *rates, size_t n_rates,
		       const struct totals_rate *saved, size_t n_saved, int include_tax, const struct totals_region *r)
{
	l->dflt.rate = r->tax_rate;
	l->dflt.name = "default";
	l->dflt.code = "default";
	if (!include_tax) {
		l->v = saved;
		l->n = n_saved;
	} else if (n_rates) {
		l->v = rates;
		l->n = n_rates;
	} else {
		l->v = &l->dflt;
		l->n = 1;
	}
}

/* tax-calculation strategy for one item: Math.round(Σ Math.round(taxable * (rate/100))) */
static long long line_tax(const struct totals_lines *l, double taxable)
{
	double acc = 0;
	for (size_t i = 0; i < l->n; i++)
		acc = acc + rnd(taxable * (totals_rate_value(l->v[i].rate) / 100));
	return (long long)rnd(acc);
}

static void item_totals(const struct totals_item *it, int include_tax, const struct totals_region *r,
			struct totals_item_out *o)
{
	pick_lines(&o->lines, it->rates, it->n_rates, it->saved, it->n_saved, include_tax, r);
	double subtotal = (double)it->unit_price * (double)it->quantity;
	o->subtotal = (long long)subtotal;
	o->raw_discount_total = it->raw_discount;
	o->discount_total = (long long)rnd(it->raw_discount);
	o->original_tax_total = line_tax(&o->lines, subtotal);
	o->tax_total = line_tax(&o->lines, subtotal - it->raw_discount);
	o->total = o->subtotal - o->discount_total + o->tax_total;
	o->original_total = o->subtotal + o->original_tax_total;
	o->refundable = 0;
}

static void shipping_totals(const struct totals_shipping *m, int include_tax, int free_shipping,
			    const struct totals_region *r, struct totals_shipping_out *o)
{
	pick_lines(&o->lines, m->rates, m->n_rates, m->saved, m->n_saved, include_tax, r);
	double price = (double)m->price, acc = 0;
	/* summed unrounded, rounded once (unlike items) */
	for (size_t i = 0; i < o->lines.n; i++)
		acc = acc + price * (totals_rate_value(o->lines.v[i].rate) / 100);
	long long tax = (long long)rnd(acc);
	o->price = m->price;
	o->original_tax_total = o->tax_total = tax;
	o->original_total = o->total = m->price + tax;
	o->subtotal = m->price;
	if (free_shipping)
		o->total = o->subtotal = o->tax_total = 0;
}

/* Items, methods and the sums shared by carts and orders; gift cards and total left to the caller. */
static void sums(const struct totals_cart_in *in, int include_tax, struct totals_item_out *io,
		 struct totals_shipping_out *so, struct totals_cart_out *out)
{
	double raw = 0;
	out->subtotal = out->item_tax_total = out->shipping_total = out->shipping_tax_total = 0;
	for (size_t i = 0; i < in->n_items; i++) {
		item_totals(&in->items[i], include_tax, &in->region, &io[i]);
		out->subtotal += io[i].subtotal;
		out->item_tax_total += io[i].tax_total;
		raw = raw + io[i].raw_discount_total;
	}
	for (size_t i = 0; i < in->n_methods; i++) {
		shipping_totals(&in->methods[i], include_tax, in->free_shipping, &in->region, &so[i]);
		out->shipping_total += so[i].subtotal;
		out->shipping_tax_total += so[i].tax_total;
	}
	out->raw_discount_total = raw;
	out->discount_total = (long long)rnd(raw);
	out->tax_total = out->item_tax_total + out->shipping_tax_total;
}

/* new-totals getGiftCardTotals over cart.gift_cards */
static void gift_cards(const struct totals_cart_in *in, struct totals_cart_out *out)
{
	long long able = in->region.gift_cards_taxable
				 ? out->subtotal + out->shipping_total - out->discount_total
				 : out->subtotal + out->shipping_total + out->tax_total - out->discount_total;
	long long left = able, balance = 0;
	double tax = 0;
	for (size_t i = 0; i < in->n_gift_cards; i++) {
		const struct totals_gift_card *g = &in->gift_cards[i];
		balance += g->balance;
		long long amt = left < g->balance ? left : g->balance;
		double rate = totals_rate_value(g->tax_rate);
		/* an untaxed card (or nothing left) neither adds tax nor reduces what is left */
		if (amt <= 0 || rate == 0)
			continue;
		tax = tax + rnd((double)amt * (rate / 100));
		left -= amt;
	}
	out->gift_card_total = able < balance ? able : balance;
	out->gift_card_tax_total = (long long)rnd(tax);
}

void totals_cart(const struct totals_cart_in *in, int force_taxes, struct totals_item_out *items_out,
		 struct totals_shipping_out *methods_out, struct totals_cart_out *out)
{
	sums(in, force_taxes || in->region.automatic_taxes, items_out, methods_out, out);
	gift_cards(in, out);
	out->total = out->subtotal + out->shipping_total + out->tax_total -
		     (out->gift_card_total + out->discount_total + out->gift_card_tax_total);
}

void totals_order(const struct totals_order_in *in, struct totals_item_out *items_out,
		  struct totals_shipping_out *methods_out, struct totals_order_out *out)
{
	struct totals_cart_out *c = &out->c;
	sums(&in->cart, 0, items_out, methods_out, c);
	for (size_t i = 0; i < in->cart.n_items; i++) {
		/* refundable: the pieces not returned, less the rounded per-piece discount, plus tax */
		const struct totals_item *it = &in->cart.items[i];
		long long q = it->quantity - it->returned_quantity;
		double per_piece = it->quantity ? rnd(it->raw_discount / (double)it->quantity) : 0;
		double net = (double)it->unit_price * (double)q - per_piece * (double)q;
		double acc = net;
		for (size_t k = 0; k < items_out[i].lines.n; k++)
			acc = acc + rnd(net * (totals_rate_value(items_out[i].lines.v[k].rate) / 100));
		items_out[i].refundable = (long long)acc;
	}
	if (in->n_gift_card_txs) {
		double tax = 0;
		long long total = 0;
		for (size_t i = 0; i < in->n_gift_card_txs; i++) {
			const struct totals_gift_card_tx *t = &in->gift_card_txs[i];
			double rate = totals_rate_value(t->tax_rate);
			total += t->amount;
			tax = rnd(tax + (rate != 0 ? (double)t->amount * (rate / 100) : 0));
		}
		c->gift_card_total = total;
		c->gift_card_tax_total = (long long)tax;
	} else {
		gift_cards(&in->cart, c);
	}
	c->tax_total -= c->gift_card_tax_total;
	c->total = c->subtotal + c->shipping_total + c->tax_total - (c->gift_card_total + c->discount_total);
	out->paid_total = 0;
	for (size_t i = 0; i < in->n_payments; i++)
		out->paid_total += in->payments[i];
	double refunded = 0;
	for (size_t i = 0; i < in->n_refunds; i++)
		refunded = refunded + in->refunds[i];
	out->refunded_total = (long long)rnd(refunded);
	out->refundable_amount = out->paid_total - out->refunded_total;
}

double totals_adjustment(enum totals_rule rule, double value, long long unit_price, long long quantity,
			 long long discountable_sum)
{
	double full = (double)unit_price * (double)quantity, a = 0;
	if (rule == TOTALS_PERCENTAGE) {
		a = rnd((full / 100) * value);
	} else if (rule == TOTALS_FIXED_TOTAL) {
		double sum = (double)discountable_sum;
		if (sum > 0)
			a = (value < sum ? value : sum) * (full / sum);
	} else {
		a = value * (double)quantity;
	}
	return a < full ? a : full;
}

/* The totals are members of an object other writers opened and already filled: after them. */
static void after_members(struct env *e, struct buf *b)
{
	env_resume(e, b, 1);
}

void totals_w_tax_lines(struct buf *b, const struct totals_lines *l, const char *owner_key, const char *owner_id)
{
	struct env list, line;
	env_list(&list, b);
	for (size_t i = 0; i < l->n; i++) {
		env_item(&list);
		env_object(&line, b);
		env_num(&line, "rate", totals_rate_value(l->v[i].rate));
		env_str(&line, "name", l->v[i].name);
		env_str(&line, "code", l->v[i].code);
		env_str(&line, owner_key, owner_id);
		env_end(&line);
	}
	env_end(&list);
}

void totals_w_item_raw(struct buf *b, const struct totals_item_out *o, int raw_discount_total)
{
	struct env e;
	after_members(&e, b);
	env_int(&e, "subtotal", o->subtotal);
	env_int(&e, "discount_total", o->discount_total);
	env_int(&e, "total", o->total);
	env_int(&e, "original_total", o->original_total);
	env_int(&e, "original_tax_total", o->original_tax_total);
	env_int(&e, "tax_total", o->tax_total);
	if (raw_discount_total)
		env_num(&e, "raw_discount_total", o->raw_discount_total);
}

void totals_w_item(struct buf *b, const struct totals_item_out *o)
{
	totals_w_item_raw(b, o, 1);
}

void totals_w_shipping(struct buf *b, const struct totals_shipping_out *o)
{
	struct env e;
	after_members(&e, b);
	env_int(&e, "original_total", o->original_total);
	env_int(&e, "total", o->total);
	env_int(&e, "subtotal", o->subtotal);
	env_int(&e, "original_tax_total", o->original_tax_total);
	env_int(&e, "tax_total", o->tax_total);
}

void totals_w_cart(struct buf *b, const struct totals_cart_out *o, int with_raw_discount_total)
{
	struct env e;
	after_members(&e, b);
	env_int(&e, "subtotal", o->subtotal);
	env_int(&e, "discount_total", o->discount_total);
	env_int(&e, "item_tax_total", o->item_tax_total);
	env_int(&e, "shipping_total", o->shipping_total);
	env_int(&e, "shipping_tax_total", o->shipping_tax_total);
	env_int(&e, "tax_total", o->tax_total);
	if (with_raw_discount_total)
		env_num(&e, "raw_discount_total", o->raw_discount_total);
	env_int(&e, "gift_card_total", o->gift_card_total);
	env_int(&e, "gift_card_tax_total", o->gift_card_tax_total);
	env_int(&e, "total", o->total);
}

void totals_w_order_item(struct buf *b, const struct totals_item_out *o)
{
	struct env e;
	totals_w_item(b, o);
	after_members(&e, b);
	env_int(&e, "refundable", o->refundable);
}

void totals_w_order(struct buf *b, const struct totals_order_out *o, int with_raw_discount_total)
{
	struct env e;
	after_members(&e, b);
	const struct totals_cart_out *c = &o->c;
	env_int(&e, "subtotal", c->subtotal);
	env_int(&e, "discount_total", c->discount_total);
	env_int(&e, "shipping_total", c->shipping_total);
	env_int(&e, "refunded_total", o->refunded_total);
	env_int(&e, "paid_total", o->paid_total);
	env_int(&e, "refundable_amount", o->refundable_amount);
	env_int(&e, "item_tax_total", c->item_tax_total);
	env_int(&e, "shipping_tax_total", c->shipping_tax_total);
	env_int(&e, "tax_total", c->tax_total);
	env_int(&e, "gift_card_total", c->gift_card_total);
	env_int(&e, "gift_card_tax_total", c->gift_card_tax_total);
	if (with_raw_discount_total)
		env_num(&e, "raw_discount_total", c->raw_discount_total);
	env_int(&e, "total", c->total);
}
