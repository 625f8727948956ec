/*
 * shipping_options: GET /store/shipping-options (product_ids, region_id,
 * is_return), each option priced for its own region (transcript 067):
 * price_incl_tax, tax_rates, tax_amount after the columns and requirements.
 *
 * As Medusa 1.20 (routes/store/shipping-options/list-options.ts): options
 * that are not admin_only; is_return filters only when given, true only for
 * the string "true"; region_id filters when non-empty. product_ids maps the
 * products to their shipping profiles, but Medusa loads them without
 * profile_id, so the filter is profile_id IN (undefined...) and no option
 * matches: any product_ids answers [] (transcript 070, copied as recorded).
 *
 * The rates of an option are its shipping tax rates, else the region's default
 * {rate: region.tax_rate, name: "default", code: "default"}, and none at all
 * when the region has no automatic taxes (M:services/pricing.ts);
 * tax_amount = Math.round(amount * sum(rate / 100)) (common/pricing.c), and
 * price_incl_tax = amount + tax_amount.
 */
#include <stdlib.h>
#include <string.h>

#include "cgi/catalogue.h"
#include "cgi/catalogue_util.h"
#include "cgi/router.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/pricing.h"
#include "common/respond.h"
#include "sql/cart_checkout_store.h"
#include "sql/region_store.h"

static const struct qe_param params[] = {
	{ "product_ids", QE_STRING, NULL }, { "region_id", QE_STRING, NULL }, { "is_return", QE_ANY, NULL },
};
static const struct qe_route route = { .params = params, .nparams = sizeof(params) / sizeof(params[0]) };

/* Rows of rows whose column 0 equals option_id: [first, end). Rows are sorted by that column. */
static void span(const struct db_rows *rows, const char *option_id, size_t *first, size_t *end)
{
	size_t i = 0;
	while (i < rows->nrows && strcmp(db_cell(rows, i, 0), option_id) != 0)
		i++;
	*first = i;
	while (i < rows->nrows && strcmp(db_cell(rows, i, 0), option_id) == 0)
		i++;
	*end = i;
}

void shipping_option_json(struct buf *b, const struct db_rows *opts, size_t i, const struct db_rows *reqs,
			  const struct db_rows *rates, const struct db_rows *profiles, struct arena *a)
{
	char **cells = &opts->cells[i * opts->ncols];
	struct env o;
	rowj_begin(&o, b, shipping_option_cols, SHIPPING_OPTION_NCOLS, cells, NULL);
	size_t first, end;

	if (profiles) {
		/* the "profile" relation (GET /store/shipping-options/:cart_id, 114): profile rows, id first */
		env_key(&o, "profile");
		size_t k = 0;
		while (k < profiles->nrows && strcmp(db_cell(profiles, k, 0), cells[6] ? cells[6] : "") != 0)
			k++;
		if (k < profiles->nrows)
			rowj_object(b, shipping_profile_cols, SHIPPING_PROFILE_NCOLS, profiles->cells + k * profiles->ncols, NULL);
		else
			buf_adds(b, "null");
	}

	env_key(&o, "requirements");
	/* requirements are keyed by shipping_option_id (column 1): scan */
	catq_linked(b, reqs, 1, cells[0], requirement_cols, REQUIREMENT_NCOLS, 0);

	span(rates, cells[0], &first, &end);
	/* without automatic taxes Medusa looks up no rate at all: tax_rates [] and no tax */
	int automatic = cells[SHIPPING_OPTION_NCOLS + 1] && strcmp(cells[SHIPPING_OPTION_NCOLS + 1], "0") != 0;
	size_t nr = !automatic ? 0 : end > first ? end - first : 1;
	const char **rate_text = arena_alloc(a, (nr ? nr : 1) * sizeof(*rate_text));
	const char **names = arena_alloc(a, (nr ? nr : 1) * sizeof(*names));
	const char **codes = arena_alloc(a, (nr ? nr : 1) * sizeof(*codes));
	if (automatic && end > first) {
		for (size_t k = first; k < end; k++) {
			rate_text[k - first] = db_cell(rates, k, 1);
			names[k - first] = db_cell(rates, k, 2);
			codes[k - first] = db_cell(rates, k, 3);
		}
	} else if (automatic) {
		rate_text[0] = cells[SHIPPING_OPTION_NCOLS]; /* the region's tax_rate */
		names[0] = codes[0] = "default";
	}
	long long amount = cells[9] ? strtoll(cells[9], NULL, 10) : 0;
	long long tax = pricing_tax(amount, pricing_rate_sum(rate_text, nr));
	env_key(&o, "price_incl_tax");
	buf_addll(b, amount + tax);
	env_key(&o, "tax_rates");
	struct env list, rate;
	env_list(&list, b);
	for (size_t k = 0; k < nr; k++) {
		env_item(&list);
		env_object(&rate, b);
		env_key(&rate, "rate");
		rowj_value(b, RJ_NUM, rate_text[k]);
		env_str(&rate, "name", names[k]);
		env_str(&rate, "code", codes[k]);
		env_end(&rate);
	}
	env_end(&list);
	env_key(&o, "tax_amount");
	buf_addll(b, tax);
	env_end(&o);
}

enum api_err shipping_options_list(struct req *r)
{
	struct qe_query q;
	enum api_err e = qe_parse_req(r, &route, &q);
	if (e != API_OK)
		return e;
	/* @IsBooleanString: "true", "false", "1" or "0" */
	const struct query_node *ret = query_get(q.q, "is_return");
	int is_return = -1;
	if (ret) {
		static const char *const ok[] = { "true", "false", "1", "0" };
		int valid = 0;
		for (int i = 0; ret->type == QUERY_STRING && i < 4; i++)
			valid |= strcmp(ret->s, ok[i]) == 0;
		if (!valid)
			return respond_fail(r, E_INVALID_DATA, "is_return must be a boolean string");
		is_return = strcmp(ret->s, "true") == 0;
	}
	if (query_get(q.q, "product_ids")) {
		env_empty_list(r->out, "shipping_options");
		return API_OK;
	}
	const char *region_id = qe_string(&q, "region_id");
	struct db_rows opts, reqs = { 0 }, rates = { 0 };
	enum store_rc rc = shipping_store_list(&r->w->db, &r->arena, region_id && *region_id ? region_id : NULL,
					       is_return, &opts);
	if (rc == STORE_OK && opts.nrows)
		rc = shipping_store_requirements(&r->w->db, &r->arena, &reqs);
	if (rc == STORE_OK && opts.nrows)
		rc = shipping_store_tax_rates(&r->w->db, &r->arena, &rates);
	if (rc != STORE_OK)
		return store_fail(rc);
	struct env ans, list;
	env_object(&ans, r->out);
	env_key_list(&ans, "shipping_options", &list);
	for (size_t i = 0; i < opts.nrows; i++) {
		env_item(&list);
		shipping_option_json(r->out, &opts, i, &reqs, &rates, NULL, &r->arena);
	}
	env_end(&list);
	env_end(&ans);
	return API_OK;
}
