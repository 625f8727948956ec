/*
 * fuzz_qengine: libFuzzer target for the query engine (common/qengine.c).
 *
 * The input is the raw text after '?', parsed for two routes: the store
 * product list (allow-lists, every parameter kind) and an unrestricted route
 * (known fields and relations only). Then every accessor runs on every
 * declared name.
 *
 * Invariants (qengine.h's promises): a refusal has a non-empty message that
 * is valid UTF-8 without NUL (it goes into a JSON error body); an accepted
 * query has 1 <= limit <= QE_LIMIT_MAX, offset >= 0, non-NULL field and
 * relation names, an order column from the allow-list (or none), and with
 * allow-lists only allowed relations.
 */
#include <string.h>

#include "common/arena.h"
#include "common/json.h"
#include "common/qengine.h"
#include "tests/fuzz/fuzz.h"

static const char *const cols[] = {
	"id", "created_at", "updated_at", "deleted_at", "title", "subtitle", "description", "handle",
	"is_giftcard", "status", "thumbnail", "weight", "collection_id", "type_id", "metadata",
	"profile_id", "variants.title", "variants.prices.amount", NULL,
};
static const char *const rels[] = { "variants", "variants.prices", "options", "images", "tags", "collection", NULL };
static const char *const allowed_rels[] = { "variants", "variants.prices", "options", "images", "tags", "collection",
					    "sales_channels", NULL };
static const char *const statuses[] = { "a", "b", NULL };
static const struct qe_param params[] = {
	{ "id", QE_STRING_OR_ARRAY, NULL }, { "q", QE_STRING, NULL }, { "collection_id", QE_ARRAY, NULL },
	{ "is_giftcard", QE_BOOL, NULL }, { "created_at", QE_DATES, NULL }, { "status", QE_ENUM, statuses },
	{ "any", QE_ANY, NULL }, { "region_id", QE_STRING, NULL }, { "fields", QE_STRING, NULL },
	{ "expand", QE_STRING, NULL }, { "offset", QE_NUMBER, NULL }, { "limit", QE_NUMBER, NULL },
	{ "order", QE_STRING, NULL },
};
#define NP (sizeof(params) / sizeof(params[0]))
static const struct qe_route listed = {
	.params = params, .nparams = NP, .default_fields = cols, .default_relations = rels,
	.allowed_fields = cols, .allowed_relations = allowed_rels, .known_fields = cols,
	.default_limit = 100, .is_list = 1,
};
static const struct qe_route open_route = {
	.params = params, .nparams = NP, .default_fields = cols, .known_fields = cols,
	.known_relations = rels, .default_limit = 20,
};

static int in(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static void one(struct arena *a, const struct qe_route *rt, const char *q, size_t n)
{
	struct qe_query out;
	const char *err = NULL;
	if (!qe_parse(a, rt, q, n, &out, &err)) {
		FUZZ_CHECK(err && *err, "a refusal without a message");
		FUZZ_CHECK(json_utf8_valid(err, strlen(err)), "a message that is not UTF-8 without NUL");
		return;
	}
	FUZZ_CHECK(out.limit >= 1 && out.limit <= QE_LIMIT_MAX, "limit out of range");
	FUZZ_CHECK(out.offset >= 0, "negative offset");
	for (size_t i = 0; i < out.nfields; i++)
		FUZZ_CHECK(out.fields[i] != NULL, "a NULL field");
	for (size_t i = 0; i < out.nrelations; i++) {
		FUZZ_CHECK(out.relations[i] != NULL, "a NULL relation");
		if (rt->allowed_relations)
			FUZZ_CHECK(in(rt->allowed_relations, out.relations[i]) || in(rt->allowed_fields, out.relations[i]),
				   "a relation outside the allow-list");
		else
			FUZZ_CHECK(in(rt->known_relations, out.relations[i]), "an unknown relation");
	}
	if (out.order)
		FUZZ_CHECK(in(cols, out.order), "an order column outside the list");
	for (size_t k = 0; k < NP; k++) {
		const char **v;
		size_t c = qe_strings(a, &out, params[k].name, &v);
		for (size_t i = 0; i < c; i++)
			FUZZ_CHECK(v[i] && json_utf8_valid(v[i], strlen(v[i])), "a list value that is not UTF-8");
		int b = qe_bool(&out, params[k].name);
		FUZZ_CHECK(b >= -1 && b <= 1, "a boolean out of range");
		long long ms[4];
		int has[4];
		qe_dates(&out, params[k].name, ms, has);
		(void)qe_field(&out, params[k].name);
		(void)qe_relation(&out, params[k].name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena a;
	static int init;
	if (!init) {
		arena_init(&a, 0);
		init = 1;
	}
	one(&a, &listed, (const char *)data, size);
	arena_reset(&a);
	one(&a, &open_route, (const char *)data, size);
	arena_reset(&a);
	return 0;
}
