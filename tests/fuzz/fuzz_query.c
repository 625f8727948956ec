/*
 * fuzz_query: libFuzzer target for query strings and route parameters
 * (common/query.c).
 *
 * The input is the raw text after '?': query_parse(), then every lookup the
 * order list makes (query_get() on its DTO's names and on the date
 * operators), query_normalize(), and the JavaScript conversions
 * (query_js_number(), query_js_date()) on every string value. The same bytes
 * also go through query_decode_component() as an :id route parameter.
 *
 * Invariants (query.h's promises): the tree is never NULL, its root is an
 * object, at most QUERY_MAX_PARAMS top-level keys, every string is
 * NUL-terminated at len, has no NUL inside and is valid UTF-8, arrays have
 * no keys and objects no NULL key; a decoded component is UTF-8 without NUL.
 */
#include <math.h>
#include <string.h>

#include "common/arena.h"
#include "common/json.h"
#include "common/query.h"
#include "tests/fuzz/fuzz.h"

/* StoreGetCustomersCustomerOrdersParams (cgi/orders.c order_params) and DateComparisonOperator (date_ops) */
static const char *const order_params[] = {
	"id", "q", "status", "fulfillment_status", "payment_status", "display_id", "cart_id", "email", "region_id",
	"currency_code", "tax_rate", "created_at", "updated_at", "canceled_at", "limit", "offset", "fields", "expand",
};
static const char *const date_ops[] = { "lt", "gt", "gte", "lte" };

#define WALK_DEPTH_MAX 200 /* far above what query.c builds (MERGE_DEPTH_MAX * 2 + QUERY_MAX_DEPTH) */

static void check_string(const char *s, size_t len, const char *what)
{
	FUZZ_CHECK(s != NULL, what);
	FUZZ_CHECK(s[len] == '\0', "a string not NUL-terminated at its length");
	FUZZ_CHECK(strlen(s) == len, "a string with a NUL inside");
	FUZZ_CHECK(json_utf8_valid(s, len), "a string that is not valid UTF-8");
}

static void convert(const struct query_node *v)
{
	double d;
	long long ms;
	if (query_js_number(v->s, v->len, &d))
		FUZZ_CHECK(!isnan(d), "Number() gave NaN but reported success");
	if (query_js_date(v->s, v->len, &ms))
		FUZZ_CHECK(ms >= -8640000000000000LL && ms <= 8640000000000000LL, "a date outside JavaScript's range");
}

static size_t walk(const struct query_node *q, int depth)
{
	FUZZ_CHECK(q != NULL, "a NULL node");
	FUZZ_CHECK(depth <= WALK_DEPTH_MAX, "the tree is deeper than query.c can build");
	size_t nodes = 1;
	switch (q->type) {
	case QUERY_STRING:
		check_string(q->s, q->len, "a string node without text");
		convert(q);
		break;
	case QUERY_ARRAY:
	case QUERY_OBJECT:
		FUZZ_CHECK(q->n == 0 || q->m != NULL, "members missing");
		for (size_t i = 0; i < q->n; i++) {
			if (q->type == QUERY_ARRAY) {
				FUZZ_CHECK(q->m[i].key == NULL, "an array element with a key");
			} else {
				check_string(q->m[i].key, strlen(q->m[i].key), "an object member without a key");
				/* a sample only: query_get() is linear, and libFuzzer hooks every strcmp */
				if (i < 16)
					FUZZ_CHECK(query_get(q, q->m[i].key) != NULL, "query_get() misses a member that exists");
			}
			nodes += walk(q->m[i].value, depth + 1);
		}
		break;
	default:
		FUZZ_CHECK(0, "a node of no known type");
	}
	return nodes;
}

/* What cgi/orders.c looks up: each DTO name, and the date operators below the date filters. */
static void lookups(const struct query_node *root)
{
	for (size_t k = 0; k < sizeof(order_params) / sizeof(order_params[0]); k++) {
		const struct query_node *v = query_get(root, order_params[k]);
		if (!v)
			continue;
		size_t n = v->type == QUERY_ARRAY ? v->n : 1;
		for (size_t i = 0; i < n; i++) {
			const struct query_node *obj = v->type == QUERY_ARRAY ? v->m[i].value : v;
			for (size_t op = 0; op < sizeof(date_ops) / sizeof(date_ops[0]); op++) {
				const struct query_node *d = query_get(obj, date_ops[op]);
				if (d && d->type == QUERY_ARRAY && d->n == 1)
					d = d->m[0].value;
				if (d && d->type == QUERY_STRING)
					convert(d);
			}
		}
	}
	FUZZ_CHECK(query_get(NULL, "a") == NULL, "query_get(NULL) found something");
}

/*
 * The limits, once per process: inputs this large would slow every fuzzing
 * iteration tenfold (run.sh caps inputs at 2 KB), so they are checked here
 * instead. 1100 parameters: only the first QUERY_MAX_PARAMS count; a query
 * longer than QUERY_MAX_LEN: the rest is ignored.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct arena a;
	arena_init(&a, 0);
	size_t cap = QUERY_MAX_LEN + 4096, n = 0;
	char *q = malloc(cap);
	FUZZ_CHECK(q != NULL, "out of memory");
	for (int i = 0; i < 1100; i++)
		n += (size_t)snprintf(q + n, cap - n, "%sk%d=%d", i ? "&" : "", i, i);
	struct query_node *root = query_parse(&a, q, n);
	FUZZ_CHECK(root->n == QUERY_MAX_PARAMS, "not exactly QUERY_MAX_PARAMS parameters kept of 1100");
	FUZZ_CHECK(query_get(root, "k999") && !query_get(root, "k1000"), "the wrong parameters were kept");
	walk(root, 0);
	/* a long value, then a parameter past QUERY_MAX_LEN */
	n = 0;
	n += (size_t)snprintf(q + n, cap - n, "a=");
	while (n < QUERY_MAX_LEN - 10)
		q[n++] = 'x';
	n += (size_t)snprintf(q + n, cap - n, "&b=1&c[d]=%%C3%%A9&late=1");
	while (n < QUERY_MAX_LEN + 100)
		q[n++] = 'y';
	root = query_parse(&a, q, n);
	FUZZ_CHECK(query_get(root, "a") && query_get(root, "b"), "parameters inside QUERY_MAX_LEN were lost");
	FUZZ_CHECK(!query_get(root, "late"), "a parameter past QUERY_MAX_LEN was read");
	walk(root, 0);
	free(q);
	arena_release(&a);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct arena a;
	arena_init(&a, 0);

	struct query_node *root = query_parse(&a, s, size);
	FUZZ_CHECK(root != NULL && root->type == QUERY_OBJECT, "query_parse() did not give an object");
	FUZZ_CHECK(root->n <= QUERY_MAX_PARAMS, "more top-level keys than QUERY_MAX_PARAMS");
	walk(root, 0);
	lookups(root);

	query_normalize(&a, root);
	walk(root, 0);
	lookups(root);
	/* normalizing twice is harmless (a one-element array is split again, into itself) */
	query_normalize(&a, root);
	walk(root, 0);

	char *d = query_decode_component(&a, s, size);
	if (d) {
		size_t len = strlen(d);
		FUZZ_CHECK(len <= size, "a decoded component longer than its text");
		FUZZ_CHECK(json_utf8_valid(d, len), "a decoded component that is not UTF-8");
		FUZZ_CHECK(!memchr(s, '\0', size), "a raw NUL survived decodeURIComponent");
	}

	/* NULL text is an empty query */
	struct query_node *empty = query_parse(&a, NULL, 5);
	FUZZ_CHECK(empty && empty->type == QUERY_OBJECT && empty->n == 0, "query_parse(NULL) is not {}");

	arena_release(&a);
	return 0;
}
