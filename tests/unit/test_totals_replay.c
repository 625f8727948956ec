/*
 * totals against every recorded cart and order: reads each transcript of
 * ../shared/reference/transcripts-store{,-extras}/ (or $TRANSCRIPTS_REF), feeds
 * the answer's own inputs (unit_price, quantity, tax_lines, adjustments of
 * the cart's discount, shipping prices, gift cards, gift card transactions,
 * payments) to totals_cart / totals_order, and compares every total Medusa
 * printed. The C twin of transcripts-store-extras/check-totals.js; one TAP
 * line per transcript file.
 */
#include <dirent.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/totals.h"
#include "harness.h"

#define MAXN 64

static int checked, differ;
static char where[256];

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static long long num(struct json_object *o, const char *k)
{
	return (long long)json_object_get_double(get(o, k));
}

static void cmp(const char *file, struct json_object *o, const char *k, double want)
{
	struct json_object *v = get(o, k);
	if (!v)
		return;
	checked++;
	double got = json_object_get_double(v);
	if (got != want) {
		differ++;
		printf("# %s: %s.%s = %.17g, totals gives %.17g\n", file, where, k, got, want);
	}
}

/* tax lines -> rates with the rate as text (shortest round trip) */
static size_t lines(struct json_object *arr, struct totals_rate *r, char (*txt)[32])
{
	size_t n = arr ? json_object_array_length(arr) : 0;
	if (n > 4)
		n = 4;
	for (size_t i = 0; i < n; i++) {
		struct json_object *l = json_object_array_get_idx(arr, i);
		struct json_object *rate = get(l, "rate");
		r[i].rate = NULL;
		if (rate && !json_object_is_type(rate, json_type_null)) {
			snprintf(txt[i], 32, "%.17g", json_object_get_double(rate));
			r[i].rate = txt[i];
		}
		r[i].name = json_object_get_string(get(l, "name"));
		r[i].code = json_object_get_string(get(l, "code"));
	}
	return n;
}

static int has(struct json_object *o, const char *k)
{
	return get(o, k) != NULL;
}

static void check(const char *file, struct json_object *c, int is_order)
{
	static struct totals_item items[MAXN];
	static struct totals_item_out io[MAXN];
	static struct totals_rate irates[MAXN][4];
	static char itxt[MAXN][4][32];
	static struct totals_shipping ms[MAXN];
	static struct totals_shipping_out so[MAXN];
	static struct totals_rate mrates[MAXN][4];
	static char mtxt[MAXN][4][32];
	static struct totals_gift_card gcs[MAXN];
	static struct totals_gift_card_tx txs[MAXN];
	static char gtxt[MAXN][32], ttxt[MAXN][32];
	static long long pays[MAXN];

	struct json_object *discounts = get(c, "discounts"), *discount = NULL;
	int free_shipping = 0;
	for (size_t i = 0; discounts && i < json_object_array_length(discounts); i++) {
		struct json_object *d = json_object_array_get_idx(discounts, i), *rule = get(d, "rule");
		const char *type = json_object_get_string(get(rule, "type"));
		if (!rule || !type)
			continue;
		if (strcmp(type, "free_shipping") == 0)
			free_shipping = 1;
		else if (!discount)
			discount = d;
	}
	const char *discount_id = discount ? json_object_get_string(get(discount, "id")) : NULL;

	struct json_object *its = get(c, "items"), *sms = get(c, "shipping_methods");
	size_t ni = 0, nm = 0, all_items = its ? json_object_array_length(its) : 0;
	size_t all_methods = sms ? json_object_array_length(sms) : 0;
	struct json_object *item_json[MAXN], *method_json[MAXN];
	for (size_t i = 0; i < all_items && ni < MAXN; i++) {
		struct json_object *it = json_object_array_get_idx(its, i);
		if (!has(it, "subtotal"))
			continue;
		struct totals_item *t = &items[ni];
		memset(t, 0, sizeof(*t));
		t->id = json_object_get_string(get(it, "id"));
		t->unit_price = num(it, "unit_price");
		t->quantity = num(it, "quantity");
		t->returned_quantity = num(it, "returned_quantity");
		t->saved = irates[ni];
		t->n_saved = lines(get(it, "tax_lines"), irates[ni], itxt[ni]);
		/* section 3.2 allocation map */
		struct json_object *adj = get(it, "adjustments");
		double raw = 0;
		int allow = json_object_get_boolean(get(it, "allow_discounts"));
		for (size_t k = 0; discount_id && allow && adj && k < json_object_array_length(adj); k++) {
			const char *did = json_object_get_string(get(json_object_array_get_idx(adj, k), "discount_id"));
			if (did && strcmp(did, discount_id) == 0)
				raw = raw + json_object_get_double(get(json_object_array_get_idx(adj, k), "amount"));
		}
		for (size_t k = 0; adj && k < json_object_array_length(adj); k++) {
			struct json_object *did = get(json_object_array_get_idx(adj, k), "discount_id");
			if (!did || json_object_is_type(did, json_type_null))
				raw = raw + json_object_get_double(get(json_object_array_get_idx(adj, k), "amount"));
		}
		t->raw_discount = raw;
		item_json[ni++] = it;
	}
	for (size_t i = 0; i < all_methods && nm < MAXN; i++) {
		struct json_object *m = json_object_array_get_idx(sms, i);
		if (!has(m, "subtotal"))
			continue;
		memset(&ms[nm], 0, sizeof(ms[nm]));
		ms[nm].price = num(m, "price");
		ms[nm].saved = mrates[nm];
		ms[nm].n_saved = lines(get(m, "tax_lines"), mrates[nm], mtxt[nm]);
		method_json[nm++] = m;
	}
	struct json_object *region = get(c, "region");
	struct totals_cart_in in = { 0 };
	in.items = items;
	in.n_items = ni;
	in.methods = ms;
	in.n_methods = nm;
	in.free_shipping = free_shipping;
	/* the answer's lines are the ones to compute with: no recomputation */
	in.region.automatic_taxes = 0;
	in.region.gift_cards_taxable = !region || !get(region, "gift_cards_taxable") ||
				       json_object_get_boolean(get(region, "gift_cards_taxable"));
	struct json_object *g = get(c, "gift_cards");
	for (size_t i = 0; g && i < json_object_array_length(g) && in.n_gift_cards < MAXN; i++) {
		struct json_object *card = json_object_array_get_idx(g, i), *rate = get(card, "tax_rate");
		gcs[i].balance = num(card, "balance");
		gcs[i].tax_rate = NULL;
		if (rate && !json_object_is_type(rate, json_type_null)) {
			snprintf(gtxt[i], 32, "%.17g", json_object_get_double(rate));
			gcs[i].tax_rate = gtxt[i];
		}
		in.n_gift_cards++;
	}
	in.gift_cards = gcs;

	struct totals_cart_out co;
	struct totals_order_out oo;
	if (is_order) {
		struct totals_order_in oin = { 0 };
		oin.cart = in;
		struct json_object *t = get(c, "gift_card_transactions"), *p = get(c, "payments");
		for (size_t i = 0; t && i < json_object_array_length(t) && oin.n_gift_card_txs < MAXN; i++) {
			struct json_object *x = json_object_array_get_idx(t, i), *rate = get(x, "tax_rate");
			txs[i].amount = num(x, "amount");
			txs[i].tax_rate = NULL;
			if (rate && !json_object_is_type(rate, json_type_null)) {
				snprintf(ttxt[i], 32, "%.17g", json_object_get_double(rate));
				txs[i].tax_rate = ttxt[i];
			}
			oin.n_gift_card_txs++;
		}
		oin.gift_card_txs = txs;
		for (size_t i = 0; p && i < json_object_array_length(p) && oin.n_payments < MAXN; i++)
			pays[oin.n_payments++] = num(json_object_array_get_idx(p, i), "amount");
		oin.payments = pays;
		totals_order(&oin, io, so, &oo);
		co = oo.c;
	} else {
		totals_cart(&in, 0, io, so, &co);
	}
	for (size_t i = 0; i < ni; i++) {
		snprintf(where, sizeof(where), "items[%zu]", i);
		cmp(file, item_json[i], "subtotal", (double)io[i].subtotal);
		cmp(file, item_json[i], "discount_total", (double)io[i].discount_total);
		cmp(file, item_json[i], "total", (double)io[i].total);
		cmp(file, item_json[i], "original_total", (double)io[i].original_total);
		cmp(file, item_json[i], "original_tax_total", (double)io[i].original_tax_total);
		cmp(file, item_json[i], "tax_total", (double)io[i].tax_total);
		cmp(file, item_json[i], "raw_discount_total", io[i].raw_discount_total);
		if (is_order)
			cmp(file, item_json[i], "refundable", (double)io[i].refundable);
	}
	for (size_t i = 0; i < nm; i++) {
		snprintf(where, sizeof(where), "shipping_methods[%zu]", i);
		cmp(file, method_json[i], "original_total", (double)so[i].original_total);
		cmp(file, method_json[i], "total", (double)so[i].total);
		cmp(file, method_json[i], "subtotal", (double)so[i].subtotal);
		cmp(file, method_json[i], "original_tax_total", (double)so[i].original_tax_total);
		cmp(file, method_json[i], "tax_total", (double)so[i].tax_total);
	}
	/* fields=...,total answers (legacy totals) carry too little to recompute */
	if (!has(c, "total") || !its || !sms || ni != all_items || nm != all_methods)
		return;
	snprintf(where, sizeof(where), "%s", is_order ? "order" : "cart");
	cmp(file, c, "subtotal", (double)co.subtotal);
	cmp(file, c, "discount_total", (double)co.discount_total);
	cmp(file, c, "item_tax_total", (double)co.item_tax_total);
	cmp(file, c, "shipping_total", (double)co.shipping_total);
	cmp(file, c, "shipping_tax_total", (double)co.shipping_tax_total);
	cmp(file, c, "raw_discount_total", co.raw_discount_total);
	/* a pick-filtered order hides its gift card transactions: its gift card totals cannot
	 * be recomputed from the answer */
	if (is_order && !has(c, "gift_card_transactions") && num(c, "gift_card_total") != 0)
		return;
	cmp(file, c, "tax_total", (double)co.tax_total);
	cmp(file, c, "gift_card_total", (double)co.gift_card_total);
	cmp(file, c, "gift_card_tax_total", (double)co.gift_card_tax_total);
	cmp(file, c, "total", (double)co.total);
	if (is_order && has(c, "payments")) {
		cmp(file, c, "paid_total", (double)oo.paid_total);
		cmp(file, c, "refundable_amount", (double)oo.refundable_amount);
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	if (s)
		s[n] = 0;
	fclose(f);
	return s;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_dir(const char *dir, const char *tag, int min_files)
{
	DIR *d = opendir(dir);
	if (!d) {
		printf("not ok - %s: cannot open %s (set TRANSCRIPTS_REF)\n", tag, dir);
		harness_failed++;
		return;
	}
	char *names[400];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 400) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".txt") == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	int objects = 0;
	for (size_t i = 0; i < n; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		char *t = slurp(path);
		char *r = t ? strstr(t, "=== RESPONSE ===\n") : NULL;
		char *b = r ? strstr(r, "\r\n\r\n") : NULL;
		struct json_object *j = b ? json_tokener_parse(b + 4) : NULL;
		int before = checked, bad = differ;
		if (j && json_object_is_type(j, json_type_object)) {
			struct json_object *o;
			if ((o = get(j, "cart")))
				check(names[i], o, 0), objects++;
			if ((o = get(j, "order")))
				check(names[i], o, 1), objects++;
			const char *type = json_object_get_string(get(j, "type"));
			if ((o = get(j, "data")) && type && strcmp(type, "order") == 0)
				check(names[i], o, 1), objects++;
			struct json_object *orders = get(j, "orders");
			for (size_t k = 0; orders && k < json_object_array_length(orders); k++)
				check(names[i], json_object_array_get_idx(orders, k), 1), objects++;
		}
		if (checked > before) {
			if (differ == bad)
				printf("ok - %s/%s: %d totals as recorded\n", tag, names[i], checked - before);
			else {
				printf("not ok - %s/%s: %d of %d totals differ\n", tag, names[i], differ - bad, checked - before);
				harness_failed++;
			}
		}
		json_object_put(j);
		free(t);
		free(names[i]);
	}
	if ((int)n < min_files) {
		printf("not ok - %s: only %zu transcripts in %s\n", tag, n, dir);
		harness_failed++;
	}
	(void)objects;
}

int main(void)
{
	const char *ref = getenv("TRANSCRIPTS_REF");
	char a[1024], b[1024];
	snprintf(a, sizeof(a), "%s/transcripts-store", ref ? ref : "../shared/reference");
	snprintf(b, sizeof(b), "%s/transcripts-store-extras", ref ? ref : "../shared/reference");
	replay_dir(a, "ts", 170);
	replay_dir(b, "ex", 120);
	printf("# %d values checked, %d differ\n", checked, differ);
	CHECK(checked > 2800 && differ == 0); /* 2893 on the recordings of 1.20.11 */
	HARNESS_EXIT();
}
