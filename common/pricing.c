/*
 * pricing: price selection and tax amounts, the arithmetic of Medusa's
 * pricing service reproduced operation by operation (same order of IEEE
 * double operations as the JavaScript, so the same results bit for bit).
 */
#include "common/pricing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double pricing_js_round(double x)
{
	if (!isfinite(x))
		return x;
	double r = floor(x);
	/* x - r is exact here (both within one binade of x) */
	if (x - r >= 0.5)
		r += 1;
	return r;
}

static int same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* isValidQuantity: without a quantity only unbounded (or max-only) prices count */
static int quantity_ok(const struct pricing_ma *m, long long q)
{
	long long mn = m->min_quantity > 0 ? m->min_quantity : 0, mx = m->max_quantity > 0 ? m->max_quantity : 0;
	if (q < 0)
		return (!mx && !mn) || (!mn && mx);
	return (!mn || mn <= q) && (!mx || mx >= q);
}

void pricing_select(const struct pricing_ma *mas, size_t n, const struct pricing_ctx *ctx, struct pricing_sel *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct pricing_ma *m = &mas[i];
		int plain = !m->list_type && m->min_quantity < 0 && m->max_quantity < 0;
		if (ctx->region_id && plain && same(m->region_id, ctx->region_id)) {
			out->original = m->amount;
			out->has_original = 1;
		}
		if (ctx->currency_code && plain && same(m->currency_code, ctx->currency_code) && !out->has_original) {
			out->original = m->amount;
			out->has_original = 1;
		}
		int matches = (ctx->currency_code && same(m->currency_code, ctx->currency_code)) ||
			      (ctx->region_id && same(m->region_id, ctx->region_id));
		if (matches && quantity_ok(m, ctx->quantity) && (!out->has_calculated || m->amount < out->calculated)) {
			out->calculated = m->amount;
			out->has_calculated = 1;
			out->calculated_type = m->list_type ? m->list_type : "default";
		}
	}
}

double pricing_rate_sum(const char *const *rates, size_t n)
{
	double acc = 0;
	for (size_t i = 0; i < n; i++)
		acc = acc + (rates[i] ? strtod(rates[i], NULL) : 0) / 100;
	return acc;
}

long long pricing_tax(long long price, double rate_sum)
{
	return (long long)pricing_js_round((double)price * rate_sum);
}
