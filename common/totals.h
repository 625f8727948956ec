/*
 * totals: every total of a cart, its line items and shipping methods, and
 * of an order, as Medusa 1.20 computes them (reference
 * medusa-v1-store-api.md section 3; M:services/new-totals.ts,
 * M:strategies/tax-calculation.ts, M:services/cart.ts and order.ts
 * decorateTotals), in IEEE doubles with JavaScript's Math.round
 * (pricing_js_round), operation by operation, so every number equals
 * Medusa's to the unit. Checked against every recorded cart and order
 * (transcripts-store-extras/check-totals.js is the same formulas in JS).
 *
 * Pure: no database, no HTTP, no allocation. The caller loads the rows,
 * fills the input structs (pointers are borrowed, never kept), calls
 * totals_cart() or totals_order(), and writes the JSON with the
 * totals_w_* writers, which emit Medusa's key order.
 *
 * Usage from a cart handler (no discounts, no gift cards yet):
 *
 *   struct totals_rate rows_of_item0[] = { {"10", "Reduced", "RED"}, {"7.5", "Bottoms", "BOT"} };
 *   struct totals_item items[n];   // id, unit_price, quantity, rates = product rows then
 *                                  // type rows (n_rates 0 -> one region default line)
 *   struct totals_shipping ms[m];  // id, price, rates = shipping_tax_rate rows
 *   struct totals_cart_in in = { .items = items, .n_items = n, .methods = ms, .n_methods = m,
 *                                .region = { .automatic_taxes = 1, .gift_cards_taxable = 1,
 *                                            .tax_rate = "20" } };
 *   struct totals_item_out io[n]; struct totals_shipping_out so[m]; struct totals_cart_out co;
 *   totals_cart(&in, 0, io, so, &co);   // force_taxes 1 for POST .../taxes and payment-sessions
 *   // item i: ... ,"tax_lines": totals_w_tax_lines(b, &io[i].lines, "item_id", items[i].id)
 *   //         ... ,"variant":{...} then totals_w_item(b, &io[i]) appends ,"subtotal":...
 *   // method j: tax_lines likewise with "shipping_method_id"; totals_w_shipping(b, &so[j])
 *   // cart: after the last relation, totals_w_cart(b, &co, with_raw_discount_total)
 */
#ifndef TOTALS_H
#define TOTALS_H
#include <stddef.h>

struct buf;

/* One tax rate or tax line. rate: decimal text as stored ("20", "7.5"); NULL counts 0. */
struct totals_rate {
	const char *rate;
	const char *name;
	const char *code;
};

/* The tax lines a total is computed with (and the cart shows). */
/* May point into itself (dflt): use the out struct in place, do not copy it by value. */
struct totals_lines {
	const struct totals_rate *v; /* into the input's rates/saved, or &dflt */
	size_t n;
	struct totals_rate dflt;     /* storage for the region default line */
};

/* The region's tax settings (cart.region). */
struct totals_region {
	int automatic_taxes;
	int gift_cards_taxable;
	const char *tax_rate;        /* decimal text; the "default" line's rate */
};

struct totals_item {
	const char *id;
	long long unit_price;
	long long quantity;
	/* With taxes computed (automatic_taxes or force_taxes): the tax_rate rows of the
	 * product, then those of its product type, in that order; none -> one line
	 * {region.tax_rate, "default", "default"}. */
	const struct totals_rate *rates;
	size_t n_rates;
	/* Without (automatic_taxes off and not forced), and always for orders: the persisted
	 * line_item_tax_line rows. */
	const struct totals_rate *saved;
	size_t n_saved;
	/* The discount allocation (section 3.2): sum of the adjustments of the cart's
	 * non-free-shipping discount when allow_discounts, plus those with no discount;
	 * unrounded, may be fractional. 0 when the cart has no discount. */
	double raw_discount;
	long long returned_quantity; /* orders (refundable); 0 in carts */
};

struct totals_item_out {
	long long subtotal, discount_total, total, original_total, original_tax_total, tax_total;
	double raw_discount_total;
	long long refundable;        /* totals_order only */
	struct totals_lines lines;
};

struct totals_shipping {
	const char *id;
	long long price;             /* shipping_method.price (0 already when free shipping applied) */
	const struct totals_rate *rates; /* shipping_tax_rate rows of the option; none -> default */
	size_t n_rates;
	const struct totals_rate *saved; /* persisted shipping_method_tax_line rows */
	size_t n_saved;
};

struct totals_shipping_out {
	long long price, original_total, total, subtotal, original_tax_total, tax_total;
	struct totals_lines lines;
};

/* A gift card on the cart, in cart.gift_cards order. tax_rate NULL or 0: untaxed card. */
struct totals_gift_card {
	long long balance;
	const char *tax_rate;
};

/* An order's gift_card_transaction. */
struct totals_gift_card_tx {
	long long amount;
	const char *tax_rate;
};

struct totals_cart_in {
	const struct totals_item *items;
	size_t n_items;
	const struct totals_shipping *methods;
	size_t n_methods;
	const struct totals_gift_card *gift_cards;
	size_t n_gift_cards;
	int free_shipping;           /* the cart carries a free_shipping discount */
	struct totals_region region;
};

struct totals_cart_out {
	long long subtotal, discount_total, item_tax_total, shipping_total, shipping_tax_total, tax_total;
	double raw_discount_total;
	long long gift_card_total, gift_card_tax_total, total;
};

/* Orders: cart input plus the order's own rows. Items and methods use their saved lines. */
struct totals_order_in {
	struct totals_cart_in cart;
	const struct totals_gift_card_tx *gift_card_txs; /* when any, they replace gift_cards */
	size_t n_gift_card_txs;
	const long long *payments;   /* payment amounts */
	size_t n_payments;
	const double *refunds;       /* refund amounts */
	size_t n_refunds;
};

struct totals_order_out {
	struct totals_cart_out c;    /* tax_total net of gift_card_tax_total (section 3.5) */
	long long paid_total, refunded_total, refundable_amount;
};

/* A tax rate's text as the double Medusa computes with (NULL or unparsable -> 0). */
double totals_rate_value(const char *rate);

/* Cart totals (section 3.3, 3.4). items_out[n_items], methods_out[n_methods]. force_taxes:
 * POST .../taxes, .../payment-sessions (tax lines computed even without automatic_taxes). */
void totals_cart(const struct totals_cart_in *in, int force_taxes, struct totals_item_out *items_out,
		 struct totals_shipping_out *methods_out, struct totals_cart_out *out);

/* Order totals (section 3.5): persisted lines, gift card transactions, payments, refunds,
 * items' refundable. */
void totals_order(const struct totals_order_in *in, struct totals_item_out *items_out,
		  struct totals_shipping_out *methods_out, struct totals_order_out *out);

/* Discount rule types (section 3.2), for the later discounts work. */
enum totals_rule { TOTALS_PERCENTAGE, TOTALS_FIXED_TOTAL, TOTALS_FIXED_ITEM };

/* One line's adjustment amount (line_item_adjustment.amount) under a rule of value:
 * percentage round(subtotal/100*value); fixed/total min(value, S)*(subtotal/S), unrounded,
 * S = the summed subtotals of the cart's allow_discounts lines; fixed/item value*quantity;
 * each capped at the line's subtotal. */
double totals_adjustment(enum totals_rule rule, double value, long long unit_price, long long quantity,
			 long long discountable_sum);

/* JSON writers, Medusa's key order. */
/* [{"rate":20,"name":"default","code":"default","item_id":"item_..."}, ...]: the unsaved
 * lines as carts show them; owner_key "item_id" or "shipping_method_id". */
void totals_w_tax_lines(struct buf *b, const struct totals_lines *l, const char *owner_key, const char *owner_id);
/* ,"subtotal":..,"discount_total":..,"total":..,"original_total":..,"original_tax_total":..,
 * "tax_total":..,"raw_discount_total":.. (appended after the item's last key). */
void totals_w_item(struct buf *b, const struct totals_item_out *o);
/* The same, raw_discount_total only when asked (an order item made a plain object by the legacy
 * items.refundable path loses it to cleanResponseData's omitDeep). */
void totals_w_item_raw(struct buf *b, const struct totals_item_out *o, int raw_discount_total);
/* ,"original_total":..,"total":..,"subtotal":..,"original_tax_total":..,"tax_total":.. */
void totals_w_shipping(struct buf *b, const struct totals_shipping_out *o);
/* ,"subtotal":..,"discount_total":..,"item_tax_total":..,"shipping_total":..,
 * "shipping_tax_total":..,"tax_total":..,["raw_discount_total":..,]"gift_card_total":..,
 * "gift_card_tax_total":..,"total":.. (raw_discount_total only in payment-sessions' cart). */
void totals_w_cart(struct buf *b, const struct totals_cart_out *o, int with_raw_discount_total);
/* Order items: totals_w_item, then ,"refundable":.. */
void totals_w_order_item(struct buf *b, const struct totals_item_out *o);
/* ,"subtotal","discount_total","shipping_total","refunded_total","paid_total",
 * "refundable_amount","item_tax_total","shipping_tax_total","tax_total","gift_card_total",
 * "gift_card_tax_total",["raw_discount_total",]"total" (raw_discount_total: /customers/me/orders). */
void totals_w_order(struct buf *b, const struct totals_order_out *o, int with_raw_discount_total);
#endif
