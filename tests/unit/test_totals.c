/*
 * totals: JavaScript rounding, and carts and orders read off the recorded
 * answers of real Medusa 1.20.11 (every expected number below is copied from
 * the transcript named in the case; ts/ = transcripts-store,
 * ex/ = transcripts-store-extras).
 */
#include <math.h>
#include <string.h>

#include "common/buf.h"
#include "common/pricing.h"
#include "common/totals.h"
#include "harness.h"

/* CHECK with the case's name (the transcript it comes from) in the TAP line. */
#define CASE(name, expr) do { \
	if (expr) printf("ok - %s: %s\n", name, #expr); \
	else { printf("not ok - %s:%d %s: %s\n", __FILE__, __LINE__, name, #expr); harness_failed++; } \
} while (0)

#define ITEM_EQ(o, sub, disc, tot, otot, otax, tax) \
	((o).subtotal == (sub) && (o).discount_total == (disc) && (o).total == (tot) && \
	 (o).original_total == (otot) && (o).original_tax_total == (otax) && (o).tax_total == (tax))
#define SHIP_EQ(o, otot, tot, sub, otax, tax) \
	((o).original_total == (otot) && (o).total == (tot) && (o).subtotal == (sub) && \
	 (o).original_tax_total == (otax) && (o).tax_total == (tax))
#define CART_EQ(c, sub, disc, itax, ship, stax, tax, gc, gctax, tot) \
	((c).subtotal == (sub) && (c).discount_total == (disc) && (c).item_tax_total == (itax) && \
	 (c).shipping_total == (ship) && (c).shipping_tax_total == (stax) && (c).tax_total == (tax) && \
	 (c).gift_card_total == (gc) && (c).gift_card_tax_total == (gctax) && (c).total == (tot))

static const struct totals_region EU = { 1, 1, "20" }, NA = { 1, 1, "0" };
static const struct totals_rate RED[] = { { "10", "Reduced", "RED" } };
static const struct totals_rate SHORTS[] = { { "10", "Reduced", "RED" }, { "7.5", "Bottoms", "BOT" } };
static const struct totals_rate BOT[] = { { "7.5", "Bottoms", "BOT" } };
static const struct totals_rate SHIPRED[] = { { "5", "Shipping reduced", "SHIPRED" } };

static struct totals_item item(const char *id, long long price, long long qty, const struct totals_rate *r, size_t n)
{
	struct totals_item it = { 0 };
	it.id = id;
	it.unit_price = price;
	it.quantity = qty;
	it.rates = r;
	it.n_rates = n;
	return it;
}

static struct totals_shipping method(const char *id, long long price, const struct totals_rate *r, size_t n)
{
	struct totals_shipping m = { 0 };
	m.id = id;
	m.price = price;
	m.rates = r;
	m.n_rates = n;
	return m;
}

static void js_rounding(void)
{
	CASE("Math.round(2.5)", pricing_js_round(2.5) == 3);
	CASE("Math.round(-2.5) toward +inf", pricing_js_round(-2.5) == -2);
	CASE("Math.round(-0.5) toward +inf", pricing_js_round(-0.5) == 0);
	CASE("Math.round(-2.51)", pricing_js_round(-2.51) == -3);
	CASE("Math.round(-1.5)", pricing_js_round(-1.5) == -1);
	CASE("Math.round(0.49999999999999994)", pricing_js_round(0.49999999999999994) == 0);
	/* 1.005*100 is 100.49999999999999 in doubles: JS gives 100, a decimal rounding 101 */
	CASE("Math.round(1.005*100)", pricing_js_round(1.005 * 100) == 100);
	CASE("Math.round(4503599627370495.5)", pricing_js_round(4503599627370495.5) == 4503599627370496.0);
	CASE("Math.round(221.25)", pricing_js_round(221.25) == 221);
	CASE("Math.round(187.5)", pricing_js_round(187.5) == 188);
	/* a negative taxable amount (discount above subtotal cannot happen, but a negative
	 * adjustment can): -0.5 of tax rounds to 0, not -1 */
	struct totals_rate ten[] = { { "10", "t", "t" } };
	struct totals_item it = item("i", -5, 1, ten, 1);
	struct totals_cart_in in = { 0 };
	in.items = &it;
	in.n_items = 1;
	in.region = EU;
	struct totals_item_out io;
	struct totals_cart_out co;
	totals_cart(&in, 0, &io, NULL, &co);
	CASE("item tax on -5 at 10% = Math.round(-0.5) = 0", io.tax_total == 0 && io.total == -5);
	it.unit_price = -15;
	totals_cart(&in, 0, &io, NULL, &co);
	CASE("item tax on -15 at 10% = Math.round(-1.5) = -1", io.tax_total == -1 && io.total == -16);
	CASE("rate text", totals_rate_value("7.5") == 7.5 && totals_rate_value(NULL) == 0);
}

static void eu_carts(void)
{
	struct totals_item_out io[4];
	struct totals_shipping_out so[1];
	struct totals_cart_out co;
	struct totals_cart_in in = { 0 };
	in.region = EU;

	/* 2 x t-shirt 1950, region default 20% */
	struct totals_item one[] = { item("item_1", 1950, 2, NULL, 0) };
	in.items = one;
	in.n_items = 1;
	totals_cart(&in, 0, io, so, &co);
	CASE("ts/084 item", ITEM_EQ(io[0], 3900, 0, 4680, 4680, 780, 780) && io[0].raw_discount_total == 0);
	CASE("ts/084 cart", CART_EQ(co, 3900, 0, 780, 0, 0, 780, 0, 0, 4680));
	CASE("ts/084 default line", io[0].lines.n == 1 && strcmp(io[0].lines.v[0].rate, "20") == 0 &&
					    strcmp(io[0].lines.v[0].name, "default") == 0 &&
					    strcmp(io[0].lines.v[0].code, "default") == 0);

	/* three lines */
	struct totals_item three[] = { item("a", 1950, 3, NULL, 0), item("b", 1950, 1, NULL, 0), item("c", 2950, 1, NULL, 0) };
	in.items = three;
	in.n_items = 3;
	totals_cart(&in, 0, io, so, &co);
	CASE("ts/087 items", ITEM_EQ(io[0], 5850, 0, 7020, 7020, 1170, 1170) && ITEM_EQ(io[1], 1950, 0, 2340, 2340, 390, 390) &&
				     ITEM_EQ(io[2], 2950, 0, 3540, 3540, 590, 590));
	CASE("ts/087 cart", CART_EQ(co, 10750, 0, 2150, 0, 0, 2150, 0, 0, 12900));

	/* two lines and a taxed shipping method */
	struct totals_item two[] = { item("a", 1950, 2, NULL, 0), item("b", 2950, 1, NULL, 0) };
	struct totals_shipping std = method("sm_1", 1000, NULL, 0);
	in.items = two;
	in.n_items = 2;
	in.methods = &std;
	in.n_methods = 1;
	totals_cart(&in, 0, io, so, &co);
	CASE("ts/117 shipping method", SHIP_EQ(so[0], 1200, 1200, 1000, 200, 200) && so[0].price == 1000);
	CASE("ts/117 cart", CART_EQ(co, 6850, 0, 1370, 1000, 200, 1570, 0, 0, 9420));
	struct totals_shipping express = method("sm_2", 1500, NULL, 0);
	in.methods = &express;
	totals_cart(&in, 1, io, so, &co);
	CASE("ts/122 taxes (forced)", SHIP_EQ(so[0], 1800, 1800, 1500, 300, 300) &&
					      CART_EQ(co, 6850, 0, 1370, 1500, 300, 1670, 0, 0, 10020));
	totals_cart(&in, 0, io, so, &co);
	CASE("ts/131 cart ready", CART_EQ(co, 6850, 0, 1370, 1500, 300, 1670, 0, 0, 10020));

	/* product rate, then default, then a shipping rate */
	struct totals_item mug_tee[] = { item("mug", 1000, 1, RED, 1), item("tee", 1950, 1, NULL, 0) };
	struct totals_shipping std5 = method("sm", 1000, SHIPRED, 1);
	in.items = mug_tee;
	in.n_items = 1;
	in.n_methods = 0;
	totals_cart(&in, 0, io, so, &co);
	CASE("ex/048 mug RED 10%", ITEM_EQ(io[0], 1000, 0, 1100, 1100, 100, 100) &&
					   CART_EQ(co, 1000, 0, 100, 0, 0, 100, 0, 0, 1100) &&
					   io[0].lines.n == 1 && strcmp(io[0].lines.v[0].code, "RED") == 0);
	in.n_items = 2;
	totals_cart(&in, 0, io, so, &co);
	CASE("ex/049 mug + tee", ITEM_EQ(io[1], 1950, 0, 2340, 2340, 390, 390) && CART_EQ(co, 2950, 0, 490, 0, 0, 490, 0, 0, 3440));
	in.methods = &std5;
	in.n_methods = 1;
	totals_cart(&in, 0, io, so, &co);
	CASE("ex/052 shipping rate 5%", SHIP_EQ(so[0], 1050, 1050, 1000, 50, 50) &&
						CART_EQ(co, 2950, 0, 490, 1000, 50, 540, 0, 0, 4490) &&
						so[0].lines.n == 1 && strcmp(so[0].lines.v[0].code, "SHIPRED") == 0);

	/* sale and tier prices (the price is the caller's), product and type rates together */
	struct totals_item vip[] = { item("tee", 1500, 1, NULL, 0), item("mug", 800, 1, RED, 1), item("sweat", 2500, 3, NULL, 0),
				     item("shorts", 2500, 1, SHORTS, 2) };
	in.items = vip;
	in.n_items = 1;
	in.n_methods = 0;
	totals_cart(&in, 0, io, so, &co);
	CASE("ex/085 sale price", ITEM_EQ(io[0], 1500, 0, 1800, 1800, 300, 300) && CART_EQ(co, 1500, 0, 300, 0, 0, 300, 0, 0, 1800));
	in.n_items = 3;
	totals_cart(&in, 0, io, so, &co);
	CASE("ex/088 tier 3 x 2500", ITEM_EQ(io[1], 800, 0, 880, 880, 80, 80) && ITEM_EQ(io[2], 7500, 0, 9000, 9000, 1500, 1500) &&
					     CART_EQ(co, 9800, 0, 1880, 0, 0, 1880, 0, 0, 11680));
	vip[2].unit_price = 2950;
	vip[2].quantity = 2;
	totals_cart(&in, 0, io, so, &co);
	CASE("ex/089 back to 2 x 2950", ITEM_EQ(io[2], 5900, 0, 7080, 7080, 1180, 1180) && CART_EQ(co, 8200, 0, 1560, 0, 0, 1560, 0, 0, 9760));

	struct totals_item ex100[] = { item("tee", 1500, 1, NULL, 0), item("mug", 800, 1, RED, 1), item("shorts", 2500, 1, SHORTS, 2),
				       item("pants", 2950, 1, BOT, 1) };
	in.items = ex100;
	in.n_items = 3;
	totals_cart(&in, 0, io, so, &co);
	/* 250 + round(187.5) = 438, two lines */
	CASE("ex/100 shorts RED 10 + BOT 7.5", ITEM_EQ(io[2], 2500, 0, 2938, 2938, 438, 438) && io[2].lines.n == 2 &&
						       CART_EQ(co, 4800, 0, 818, 0, 0, 818, 0, 0, 5618));
	in.n_items = 4;
	totals_cart(&in, 0, io, so, &co);
	CASE("ex/101 sweatpants BOT 221.25 -> 221", ITEM_EQ(io[3], 2950, 0, 3171, 3171, 221, 221) &&
							    CART_EQ(co, 7750, 0, 1039, 0, 0, 1039, 0, 0, 8789));

	/* the discount input: FIVEOFF (fixed 500, allocation total) over the four lines */
	long long sum = 0;
	for (size_t i = 0; i < 4; i++)
		sum += ex100[i].unit_price * ex100[i].quantity;
	for (size_t i = 0; i < 4; i++)
		ex100[i].raw_discount = totals_adjustment(TOTALS_FIXED_TOTAL, 500, ex100[i].unit_price, ex100[i].quantity, sum);
	CASE("ex/103 FIVEOFF adjustments", ex100[0].raw_discount == 96.77419354838709 && ex100[1].raw_discount == 51.61290322580645 &&
						   ex100[2].raw_discount == 161.29032258064515 &&
						   ex100[3].raw_discount == 190.32258064516128);
	totals_cart(&in, 1, io, so, &co);
	CASE("ex/103 items", ITEM_EQ(io[0], 1500, 0 + 97, 1684, 1800, 300, 281) && ITEM_EQ(io[1], 800, 52, 823, 880, 80, 75) &&
				     ITEM_EQ(io[2], 2500, 161, 2748, 2938, 438, 409) && ITEM_EQ(io[3], 2950, 190, 2967, 3171, 221, 207));
	/* the raw sum is 499.99999999999994 in doubles (node), its Math.round 500 = 97+52+161+190 */
	CASE("ex/103 cart discount_total = round(sum of raw)",
	     CART_EQ(co, 7750, 500, 972, 0, 0, 972, 0, 0, 8222) && co.raw_discount_total == 499.99999999999994);
}

static void two_rates_rounding(void)
{
	/* 2 x shorts (RED 10 + BOT 7.5) + 2 x mug, FIVEOFF: per-line rounding 464 + 348 = 812 */
	struct totals_item it[] = { item("shorts", 2500, 2, SHORTS, 2), item("mug", 1000, 2, RED, 1) };
	for (size_t i = 0; i < 2; i++)
		it[i].raw_discount = totals_adjustment(TOTALS_FIXED_TOTAL, 500, it[i].unit_price, it[i].quantity, 7000);
	struct totals_cart_in in = { 0 };
	in.items = it;
	in.n_items = 2;
	in.region = EU;
	struct totals_item_out io[2];
	struct totals_cart_out co;
	totals_cart(&in, 0, io, NULL, &co);
	CASE("ex/104 raw discounts", io[0].raw_discount_total == 357.14285714285717 && io[1].raw_discount_total == 142.85714285714286);
	CASE("ex/104 shorts tax 812 (one rounding of 17.5% would be 813)", ITEM_EQ(io[0], 5000, 357, 5455, 5875, 875, 812));
	CASE("ex/104 mug", ITEM_EQ(io[1], 2000, 143, 2043, 2200, 200, 186));
	CASE("ex/104 cart", CART_EQ(co, 7000, 500, 998, 0, 0, 998, 0, 0, 7498));
}

static void na_and_region_switch(void)
{
	struct totals_item it[] = { item("tee", 2200, 2, NULL, 0) };
	struct totals_cart_in in = { 0 };
	in.items = it;
	in.n_items = 1;
	in.region = NA;
	struct totals_item_out io[1];
	struct totals_shipping_out so[1];
	struct totals_cart_out co;
	/* the same cart moved to NA: re-priced in usd (caller), default line at 0 */
	totals_cart(&in, 0, io, so, &co);
	CASE("ts/141 region switch to NA 0%", ITEM_EQ(io[0], 4400, 0, 4400, 4400, 0, 0) &&
						      CART_EQ(co, 4400, 0, 0, 0, 0, 0, 0, 0, 4400) && io[0].lines.n == 1 &&
						      strcmp(io[0].lines.v[0].rate, "0") == 0);
	/* automatic_taxes off: the (unsaved) rates do not count, only persisted lines */
	in.region.automatic_taxes = 0;
	it[0].unit_price = 1950;
	totals_cart(&in, 0, io, so, &co);
	CASE("no automatic taxes: no lines, no tax", io[0].lines.n == 0 && co.tax_total == 0 && co.total == 3900);
	struct totals_region eu_manual = { 0, 1, "20" };
	in.region = eu_manual;
	totals_cart(&in, 1, io, so, &co);
	CASE("no automatic taxes, forced (POST .../taxes): default line", io[0].lines.n == 1 && io[0].tax_total == 780 && co.total == 4680);

	/* NA gift card: rate 0 region -> card tax_rate null, no gift card tax */
	struct totals_item mug[] = { item("mug", 1200, 1, NULL, 0) };
	struct totals_shipping fakeex = method("sm", 800, NULL, 0);
	struct totals_gift_card gc = { 3000, NULL };
	struct totals_cart_in na = { 0 };
	na.items = mug;
	na.n_items = 1;
	na.methods = &fakeex;
	na.n_methods = 1;
	na.gift_cards = &gc;
	na.n_gift_cards = 1;
	na.region = NA;
	totals_cart(&na, 0, io, so, &co);
	CASE("ex/109 NA gift card", CART_EQ(co, 1200, 0, 0, 800, 0, 0, 2000, 0, 0));
}

static void gift_cards_and_orders(void)
{
	struct totals_item_out io[3];
	struct totals_shipping_out so[1];
	struct totals_cart_out co;

	/* order A: FIVEOFF + 5000 card at 20% */
	struct totals_item a[] = { item("mug", 1000, 1, RED, 1), item("tee", 1950, 1, NULL, 0), item("hoodie", 3650, 1, NULL, 0) };
	for (size_t i = 0; i < 3; i++)
		a[i].raw_discount = totals_adjustment(TOTALS_FIXED_TOTAL, 500, a[i].unit_price, a[i].quantity, 6600);
	struct totals_shipping std5 = method("sm", 1000, SHIPRED, 1);
	struct totals_gift_card card = { 5000, "20" };
	struct totals_cart_in in = { 0 };
	in.items = a;
	in.n_items = 3;
	in.methods = &std5;
	in.n_methods = 1;
	in.gift_cards = &card;
	in.n_gift_cards = 1;
	in.region = EU;
	totals_cart(&in, 0, io, so, &co);
	CASE("ex/077 items", ITEM_EQ(io[0], 1000, 76, 1016, 1100, 100, 92) && ITEM_EQ(io[1], 1950, 148, 2162, 2340, 390, 360) &&
				     ITEM_EQ(io[2], 3650, 277, 4048, 4380, 730, 675));
	CASE("ex/077 cart with gift card", CART_EQ(co, 6600, 500, 1127, 1000, 50, 1177, 5000, 1000, 2277));

	/* the order: persisted lines, the card's transaction (ex/081), one payment */
	struct totals_rate dflt[] = { { "20", "default", "default" } };
	a[0].saved = RED;
	a[0].n_saved = 1;
	a[1].saved = a[2].saved = dflt;
	a[1].n_saved = a[2].n_saved = 1;
	a[0].rates = NULL; /* orders never recompute rates */
	a[0].n_rates = 0;
	std5.saved = SHIPRED;
	std5.n_saved = 1;
	struct totals_gift_card_tx tx = { 5000, "20" };
	long long pay = 2277;
	struct totals_order_in oin = { 0 };
	oin.cart = in;
	oin.cart.gift_cards = NULL;
	oin.cart.n_gift_cards = 0;
	oin.gift_card_txs = &tx;
	oin.n_gift_card_txs = 1;
	oin.payments = &pay;
	oin.n_payments = 1;
	struct totals_order_out oo;
	totals_order(&oin, io, so, &oo);
	CASE("ex/080 order items + refundable", ITEM_EQ(io[0], 1000, 76, 1016, 1100, 100, 92) && io[0].refundable == 1016 &&
							io[1].refundable == 2162 && io[2].refundable == 4048);
	CASE("ex/080 order tax_total net of gift card tax", oo.c.tax_total == 177 && oo.c.item_tax_total == 1127 &&
								    oo.c.shipping_tax_total == 50 && oo.c.gift_card_total == 5000 &&
								    oo.c.gift_card_tax_total == 1000 && oo.c.total == 2277 &&
								    oo.c.discount_total == 500);
	CASE("ex/080 paid/refunded", oo.paid_total == 2277 && oo.refunded_total == 0 && oo.refundable_amount == 2277);

	/* gift card bigger than the taxed goods: negative total */
	struct totals_item mug[] = { item("mug", 1000, 1, RED, 1) };
	struct totals_cart_in neg = { 0 };
	neg.items = mug;
	neg.n_items = 1;
	neg.methods = &std5;
	neg.n_methods = 1;
	neg.gift_cards = &card;
	neg.n_gift_cards = 1;
	neg.region = EU;
	std5.saved = NULL;
	std5.n_saved = 0;
	totals_cart(&neg, 0, io, so, &co);
	CASE("ex/114 negative total", CART_EQ(co, 1000, 0, 100, 1000, 50, 150, 2000, 400, -250));

	struct totals_item tee[] = { item("tee", 1950, 1, NULL, 0) };
	struct totals_shipping express = method("sm", 1500, NULL, 0);
	neg.items = tee;
	neg.methods = &express;
	totals_cart(&neg, 0, io, so, &co);
	CASE("ex/117 total 0", CART_EQ(co, 1950, 0, 390, 1500, 300, 690, 3450, 690, 0));

	/* order D: persisted lines, the card's transaction 3450 at 20%, no payment */
	tee[0].saved = dflt;
	tee[0].n_saved = 1;
	express.saved = dflt;
	express.n_saved = 1;
	struct totals_gift_card_tx txd = { 3450, "20" };
	struct totals_order_in d = { 0 };
	d.cart = neg;
	d.cart.n_gift_cards = 0;
	d.gift_card_txs = &txd;
	d.n_gift_card_txs = 1;
	totals_order(&d, io, so, &oo);
	CASE("ex/119 order D", oo.c.tax_total == 0 && oo.c.gift_card_total == 3450 && oo.c.gift_card_tax_total == 690 &&
				       oo.c.total == 0 && oo.paid_total == 0 && io[0].refundable == 2340);

	/* an untaxed card neither adds tax nor reduces what the next card may cover */
	struct totals_gift_card two[] = { { 1000, NULL }, { 5000, "20" } };
	neg.gift_cards = two;
	neg.n_gift_cards = 2;
	totals_cart(&neg, 0, io, so, &co);
	CASE("section 3.4: untaxed card first", co.gift_card_total == 3450 && co.gift_card_tax_total == 690);

	/* a plain order: ts/144 (persisted lines, one payment of 10020) */
	struct totals_item o[] = { item("a", 1950, 2, NULL, 0), item("b", 2950, 1, NULL, 0) };
	o[0].saved = o[1].saved = dflt;
	o[0].n_saved = o[1].n_saved = 1;
	struct totals_shipping ex = method("sm", 1500, NULL, 0);
	ex.saved = dflt;
	ex.n_saved = 1;
	long long p144 = 10020;
	struct totals_order_in o144 = { 0 };
	o144.cart.items = o;
	o144.cart.n_items = 2;
	o144.cart.methods = &ex;
	o144.cart.n_methods = 1;
	o144.cart.region = EU;
	o144.payments = &p144;
	o144.n_payments = 1;
	totals_order(&o144, io, so, &oo);
	CASE("ts/144 order", CART_EQ(oo.c, 6850, 0, 1370, 1500, 300, 1670, 0, 0, 10020) && io[0].refundable == 4680 &&
				     io[1].refundable == 3540 && oo.paid_total == 10020 && oo.refundable_amount == 10020);
	/* a returned piece: refundable counts only the rest */
	o[0].returned_quantity = 1;
	totals_order(&o144, io, so, &oo);
	CASE("refundable with 1 of 2 returned", io[0].refundable == 2340 && io[0].total == 4680);
	/* free shipping: method subtotal/total/tax 0, original_* kept */
	o144.cart.free_shipping = 1;
	totals_order(&o144, io, so, &oo);
	CASE("free shipping", SHIP_EQ(so[0], 1800, 0, 0, 300, 0) && oo.c.shipping_total == 0 && oo.c.total == 8220);
}

static void writers(void)
{
	struct totals_item it[] = { item("item_1", 1950, 2, NULL, 0), item("item_2", 2500, 1, SHORTS, 2) };
	struct totals_shipping m = method("sm_1", 1000, SHIPRED, 1);
	struct totals_cart_in in = { 0 };
	in.items = it;
	in.n_items = 2;
	in.methods = &m;
	in.n_methods = 1;
	in.region = EU;
	struct totals_item_out io[2];
	struct totals_shipping_out so[1];
	struct totals_cart_out co;
	totals_cart(&in, 0, io, so, &co);
	struct buf b;
	buf_init(&b);
	totals_w_tax_lines(&b, &io[0].lines, "item_id", "item_1");
	CASE("ts/084 tax_lines JSON", strcmp(b.data, "[{\"rate\":20,\"name\":\"default\",\"code\":\"default\",\"item_id\":\"item_1\"}]") == 0);
	buf_reset(&b);
	totals_w_tax_lines(&b, &io[1].lines, "item_id", "item_2");
	CASE("ex/100 two tax lines JSON",
	     strcmp(b.data, "[{\"rate\":10,\"name\":\"Reduced\",\"code\":\"RED\",\"item_id\":\"item_2\"},"
			    "{\"rate\":7.5,\"name\":\"Bottoms\",\"code\":\"BOT\",\"item_id\":\"item_2\"}]") == 0);
	buf_reset(&b);
	totals_w_tax_lines(&b, &so[0].lines, "shipping_method_id", "sm_1");
	CASE("ex/052 shipping tax_lines JSON",
	     strcmp(b.data, "[{\"rate\":5,\"name\":\"Shipping reduced\",\"code\":\"SHIPRED\",\"shipping_method_id\":\"sm_1\"}]") == 0);
	buf_reset(&b);
	totals_w_item(&b, &io[0]);
	CASE("ts/084 item keys",
	     strcmp(b.data, ",\"subtotal\":3900,\"discount_total\":0,\"total\":4680,\"original_total\":4680,"
			    "\"original_tax_total\":780,\"tax_total\":780,\"raw_discount_total\":0") == 0);
	buf_reset(&b);
	totals_w_shipping(&b, &so[0]);
	CASE("ex/052 shipping keys",
	     strcmp(b.data, ",\"original_total\":1050,\"total\":1050,\"subtotal\":1000,\"original_tax_total\":50,\"tax_total\":50") == 0);
	buf_reset(&b);
	it[1].raw_discount = 169.4915254237288;
	totals_cart(&in, 0, io, so, &co);
	totals_w_cart(&b, &co, 1);
	CASE("cart keys with raw_discount_total (order as ts/123)",
	     strcmp(b.data, ",\"subtotal\":6400,\"discount_total\":169,\"item_tax_total\":1188,\"shipping_total\":1000,"
			    "\"shipping_tax_total\":50,\"tax_total\":1238,\"raw_discount_total\":169.4915254237288,"
			    "\"gift_card_total\":0,\"gift_card_tax_total\":0,\"total\":8469") == 0);
	buf_reset(&b);
	struct totals_order_out oo = { 0 };
	oo.c = co;
	oo.paid_total = oo.refundable_amount = 8469;
	totals_w_order(&b, &oo, 0);
	CASE("ts/144 order keys",
	     strcmp(b.data, ",\"subtotal\":6400,\"discount_total\":169,\"shipping_total\":1000,\"refunded_total\":0,"
			    "\"paid_total\":8469,\"refundable_amount\":8469,\"item_tax_total\":1188,\"shipping_tax_total\":50,"
			    "\"tax_total\":1238,\"gift_card_total\":0,\"gift_card_tax_total\":0,\"total\":8469") == 0);
	buf_release(&b);
}

int main(void)
{
	js_rounding();
	eu_carts();
	two_rates_rounding();
	na_and_region_switch();
	gift_cards_and_orders();
	writers();
	HARNESS_EXIT();
}
