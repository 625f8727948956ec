/*
 * pricing: Medusa 1.20's price selection and the automatic-tax decoration of
 * products and variants (reference medusa-v1-store-api.md section 3.8:
 * M:strategies/price-selection.ts calculateVariantPrice_old and
 * M:services/pricing.ts), in IEEE doubles with JavaScript's Math.round, so
 * every number equals Medusa's to the unit. Pure; no allocation.
 *
 * Which money amounts are candidates (price list active, inside its dates,
 * for the customer's groups; region or currency of the request) is the
 * caller's filter; this module picks among them.
 */
#ifndef PRICING_H
#define PRICING_H
#include <stddef.h>

/* One money_amount as the selection sees it. */
struct pricing_ma {
	long long amount;
	long long min_quantity, max_quantity; /* < 0: NULL */
	const char *currency_code;
	const char *region_id;                /* NULL: a currency price */
	const char *list_type;                /* "sale" / "override"; NULL: not in a price list */
};

/* The request's price selection context. */
struct pricing_ctx {
	const char *region_id;      /* NULL: none */
	const char *currency_code;  /* the region's currency when a region is given; NULL: none */
	long long quantity;         /* < 0: undefined (product pages) */
};

struct pricing_sel {
	int has_original, has_calculated;
	long long original, calculated;
	const char *calculated_type; /* the winner's list type or "default"; NULL when nothing matched */
};

/* JavaScript's Math.round: nearest integer, halves toward +infinity (-2.5 -> -2). */
double pricing_js_round(double x);

/*
 * original_price: the region price outside any list and without quantity
 * bounds, else such a currency price. calculated_price: the lowest amount
 * valid for the quantity among the region's and the currency's prices
 * (no "override" semantics: a higher override loses, transcript extras 019).
 */
void pricing_select(const struct pricing_ma *mas, size_t n, const struct pricing_ctx *ctx, struct pricing_sel *out);

/* Medusa's reduce over tax rates: 0 + r1/100 + r2/100 + ... (a NULL text counts 0). */
double pricing_rate_sum(const char *const *rates, size_t n);

/* The tax of price at rate_sum (from pricing_rate_sum): Math.round(price * rate_sum). */
long long pricing_tax(long long price, double rate_sum);
#endif
