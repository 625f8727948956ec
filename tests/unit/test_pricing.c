/* pricing: cases read off the recorded Medusa answers (transcripts-store, transcripts-store-extras). */
#include <math.h>
#include <string.h>

#include "common/pricing.h"
#include "harness.h"

#define MA(amount, cur, list) { amount, -1, -1, cur, NULL, list }

int main(void)
{
	/* Math.round */
	CHECK(pricing_js_round(2.5) == 3);
	CHECK(pricing_js_round(-2.5) == -2);
	CHECK(pricing_js_round(-2.6) == -3);
	CHECK(pricing_js_round(0.49999999999999994) == 0);
	CHECK(pricing_js_round(437.5) == 438);
	CHECK(pricing_js_round(221.25) == 221);

	struct pricing_ctx eu = { "reg_eu", "eur", -1 }, cur = { NULL, "eur", -1 }, none = { NULL, NULL, -1 };
	struct pricing_sel s;

	/* 012: t-shirt 1950 eur, EU 20% -> tax 390, incl 2340 */
	struct pricing_ma tshirt[] = { MA(1950, "eur", NULL), MA(2200, "usd", NULL) };
	pricing_select(tshirt, 2, &eu, &s);
	CHECK(s.has_original && s.original == 1950 && s.has_calculated && s.calculated == 1950);
	CHECK_STR(s.calculated_type, "default");
	const char *twenty[] = { "20" };
	CHECK(pricing_tax(1950, pricing_rate_sum(twenty, 1)) == 390);
	/* 011: no region, no currency: nothing selected, no calculated_price_type */
	pricing_select(tshirt, 2, &none, &s);
	CHECK(!s.has_original && !s.has_calculated && s.calculated_type == NULL);

	/* extras 009: VIP sale 1500 beats 1950; original stays the default; tax 300 */
	struct pricing_ma vip[] = { MA(1950, "eur", NULL), MA(1500, "eur", "sale") };
	pricing_select(vip, 2, &eu, &s);
	CHECK(s.original == 1950 && s.calculated == 1500);
	CHECK_STR(s.calculated_type, "sale");
	CHECK(pricing_tax(1500, pricing_rate_sum(twenty, 1)) == 300);
	/* extras 013: currency only, VIP mug 800 sale */
	struct pricing_ma mug[] = { MA(1000, "eur", NULL), MA(800, "eur", "sale") };
	pricing_select(mug, 2, &cur, &s);
	CHECK(s.original == 1000 && s.calculated == 800);
	/* extras 016: the min_quantity 3 override is listed but not selected without a quantity */
	struct pricing_ma tier[] = { MA(2950, "eur", NULL), { 2500, 3, -1, "eur", NULL, "override" } };
	pricing_select(tier, 2, &eu, &s);
	CHECK(s.calculated == 2950);
	CHECK_STR(s.calculated_type, "default");
	/* ... and selected for a cart line of 3 (extras 088), not for 2 (089) */
	struct pricing_ctx q3 = { "reg_eu", "eur", 3 }, q2 = { "reg_eu", "eur", 2 };
	pricing_select(tier, 2, &q3, &s);
	CHECK(s.calculated == 2500);
	CHECK_STR(s.calculated_type, "override");
	pricing_select(tier, 2, &q2, &s);
	CHECK(s.calculated == 2950);
	/* extras 017: override 3300 wins; extras 019: override 4000 loses to 3650 */
	struct pricing_ma hoodie[] = { MA(3650, "eur", NULL), MA(3300, "eur", "override") };
	pricing_select(hoodie, 2, &eu, &s);
	CHECK(s.calculated == 3300 && s.original == 3650);
	CHECK(pricing_tax(3300, pricing_rate_sum(twenty, 1)) == 660);
	struct pricing_ma longsleeve[] = { MA(3650, "eur", NULL), MA(4000, "eur", "override") };
	pricing_select(longsleeve, 2, &eu, &s);
	CHECK(s.calculated == 3650);
	CHECK_STR(s.calculated_type, "default");
	/* a region price wins original_price over a currency price, wherever it is */
	struct pricing_ma reg[] = { MA(1000, "eur", NULL), { 900, -1, -1, "eur", "reg_eu", NULL } };
	pricing_select(reg, 2, &eu, &s);
	CHECK(s.original == 900 && s.calculated == 900);
	/* a price of another currency is never selected */
	struct pricing_ma usd_only[] = { MA(2200, "usd", NULL) };
	pricing_select(usd_only, 1, &eu, &s);
	CHECK(!s.has_original && !s.has_calculated && s.calculated_type == NULL);

	/* extras 014: shorts, Reduced 10 + Bottoms 7.5: round(2500 * 0.175) = 438 */
	const char *shorts[] = { "10", "7.5" };
	CHECK(pricing_tax(2500, pricing_rate_sum(shorts, 2)) == 438);
	/* extras 015: sweatpants, Bottoms 7.5 only: 2950 * 0.075 = 221.25 -> 221 */
	const char *bottoms[] = { "7.5" };
	CHECK(pricing_tax(2950, pricing_rate_sum(bottoms, 1)) == 221);
	/* extras 010: mug, Reduced 10: 100 */
	const char *reduced[] = { "10" };
	CHECK(pricing_tax(1000, pricing_rate_sum(reduced, 1)) == 100);
	CHECK(pricing_tax(800, pricing_rate_sum(reduced, 1)) == 80);
	/* a NULL rate counts 0; NA's rate 0 */
	const char *nulls[] = { NULL, "0" };
	CHECK(pricing_tax(2200, pricing_rate_sum(nulls, 2)) == 0);
	HARNESS_EXIT();
}
