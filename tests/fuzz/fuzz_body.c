/*
 * fuzz_body: libFuzzer target for the request-body path of every endpoint
 * that reads one. The input is a raw body: json_parse_strict() at the
 * configured depth (JSON_DEPTH default, 32), then, when it is an object,
 * body_validate() and body_messages() against every endpoint's field set
 * (common/fields.h, the tables the handlers use; FK_ADDRESS_OR_ID included), the { address } wrapper checks of
 * POST /me/addresses, metadata_merge(), body_is_email() on every string,
 * and the JSON writers on whatever parsed.
 *
 * Invariants checked besides "no crash, no leak, no UB":
 *   - a refused body gives no tree and an error offset inside the body;
 *   - json_w_value() / json_w_canonical() output is valid UTF-8, parses
 *     again strictly, and writing the re-parsed tree gives the same text
 *     (so stored metadata reads back exactly as it was answered);
 *   - body_validate() fails whenever body_messages() has messages, its
 *     message is valid UTF-8, and the IsType message is a JSON document;
 *   - merging the same metadata patch twice changes nothing the second time;
 *   - a bare number is written back as JavaScript reads it (strtod).
 */
#include <string.h>

#include "common/arena.h"
#include "common/body.h"
#include "common/buf.h"
#include "common/fields.h"
#include "common/json.h"
#include "common/metadata.h"
#include "common/req.h"
#include "tests/fuzz/fuzz.h"

#define BODY_JSON_DEPTH 32 /* JSON_DEPTH's default (README, common/config.c) */

/* Every endpoint's field set: the handlers' own tables (common/fields.c). */
static const struct field_set *const endpoint_sets[] = {
	&fields_customer_create, &fields_customer_update, &fields_address_payload, &fields_address_create,
	&fields_login, &fields_password_token, &fields_password_reset,
};

/* A stored metadata row as the database holds it (canonical text). */
static const char stored_metadata[] = "{\"a\":1,\"tier\":\"gold\",\"remove_me\":\"x\",\"newsletter\":true}";

/* ---- writers ---- */

/* Writes v (canonical or not), checks the text, and checks it is a fixed point of parse + write. */
static void check_writer(struct json_object *v, int canonical)
{
	struct buf b = BUF_INIT, again = BUF_INIT;
	buf_init(&b);
	buf_init(&again);
	if (canonical)
		json_w_canonical(&b, v);
	else
		json_w_value(&b, v);
	FUZZ_CHECK(b.len > 0, "the writer wrote nothing");
	FUZZ_CHECK(json_utf8_valid(b.data, b.len), "the writer produced invalid UTF-8 (or a raw NUL)");
	if (b.len == 4 && memcmp(b.data, "null", 4) == 0) {
		/* a bare 1e400 (Infinity, written null as JSON.stringify does): json_parse_strict()
		 * refuses a bare null document, as body-parser's strict mode does */
		buf_release(&b);
		buf_release(&again);
		return;
	}
	struct json_object *re = NULL;
	size_t off = 0;
	enum json_parse_status st = json_parse_strict(b.data, b.len, BODY_JSON_DEPTH, &re, &off);
	if (st != JSON_PARSE_OK)
		fprintf(stderr, "written text (status %d at %zu): %.*s\n", (int)st, off, (int)(b.len > 2000 ? 2000 : b.len),
			b.data);
	FUZZ_CHECK(st == JSON_PARSE_OK, "the writer's output does not parse again");
	if (canonical)
		json_w_canonical(&again, re);
	else
		json_w_value(&again, re);
	if (again.len != b.len || memcmp(again.data, b.data, b.len) != 0)
		fprintf(stderr, "first write : %.*s\nsecond write: %.*s\n", (int)(b.len > 2000 ? 2000 : b.len), b.data,
			(int)(again.len > 2000 ? 2000 : again.len), again.data);
	FUZZ_CHECK(again.len == b.len && memcmp(again.data, b.data, b.len) == 0,
		   "write(parse(write(v))) differs from write(v): stored JSON would not read back as answered");
	json_object_put(re);
	buf_release(&b);
	buf_release(&again);
}

/*
 * A bare number: JSON.parse reads every number as a double, so what we write
 * back must be what strtod() reads from the same literal (the syntax check
 * already made it a plain JSON number, which strtod reads the same way).
 */
static void check_bare_number(const char *s, size_t n, struct json_object *root)
{
	if (!json_object_is_type(root, json_type_int) && !json_object_is_type(root, json_type_double))
		return;
	char *copy = malloc(n + 1);
	FUZZ_CHECK(copy != NULL, "out of memory");
	memcpy(copy, s, n);
	copy[n] = '\0';
	struct buf want = BUF_INIT, got = BUF_INIT;
	buf_init(&want);
	buf_init(&got);
	json_w_number(&want, strtod(copy, NULL));
	json_w_value(&got, root);
	if (want.len != got.len || memcmp(want.data, got.data, want.len) != 0)
		fprintf(stderr, "number %s: JavaScript reads %s, we write %s\n", copy, want.data, got.data);
	FUZZ_CHECK(want.len == got.len && memcmp(want.data, got.data, want.len) == 0,
		   "a number is not written back as JavaScript reads it");
	buf_release(&want);
	buf_release(&got);
	free(copy);
}

/* body_is_email() on every string of the tree (emails arrive as any string value). */
static void walk_strings(struct json_object *v, int depth)
{
	if (!v || depth > BODY_JSON_DEPTH + 1)
		return;
	switch (json_object_get_type(v)) {
	case json_type_string: {
		const char *s = json_object_get_string(v);
		size_t n = (size_t)json_object_get_string_len(v);
		int ok = body_is_email(s, n);
		FUZZ_CHECK(!ok || memchr(s, '@', n), "an accepted email without '@'");
		break;
	}
	case json_type_array: {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++)
			walk_strings(json_object_array_get_idx(v, i), depth + 1);
		break;
	}
	case json_type_object: {
		json_object_object_foreach(v, k, val) {
			FUZZ_CHECK(json_utf8_valid(k, strlen(k)), "an object key that is not UTF-8");
			(void)body_is_email(k, strlen(k));
			walk_strings(val, depth + 1);
		}
		break;
	}
	default:
		break;
	}
}

/* ---- validation ---- */

static void validate_with(struct json_object *obj, const struct field_set *set)
{
	struct req r;
	memset(&r, 0, sizeof(r));
	arena_init(&r.arena, 0);
	r.err = API_OK;

	enum api_err e = body_validate(&r, obj, set);

	struct buf m = BUF_INIT;
	buf_init(&m);
	int n = body_messages(&m, obj, set);
	FUZZ_CHECK(n >= 0, "negative message count");
	FUZZ_CHECK((n == 0) == (m.len == 0), "message count and text disagree");
	if (n > 0)
		FUZZ_CHECK(e == E_INVALID_DATA, "body_messages() has messages but body_validate() passed");
	if (e == API_OK) {
		FUZZ_CHECK(r.errmsg == NULL && r.err == API_OK, "body_validate() passed but recorded an error");
	} else {
		FUZZ_CHECK(e == E_INVALID_DATA && r.err == E_INVALID_DATA && r.errmsg, "a failure without its message");
		size_t len = strlen(r.errmsg);
		FUZZ_CHECK(len > 0, "an empty validation message");
		FUZZ_CHECK(json_utf8_valid(r.errmsg, len), "a validation message that is not UTF-8");
		if (r.errmsg[0] == '{') {
			/* Medusa's IsType failure: the message is itself a JSON document (body.c) */
			struct json_object *doc = NULL;
			FUZZ_CHECK(json_parse_strict(r.errmsg, len, 8, &doc, NULL) == JSON_PARSE_OK,
				   "the IsType([AddressPayload, String]) message is not JSON");
			json_object_put(doc);
		}
		/* what respond_send() does with the message */
		struct buf w = BUF_INIT;
		buf_init(&w);
		json_w_strz(&w, r.errmsg);
		FUZZ_CHECK(json_utf8_valid(w.data, w.len), "an escaped message that is not UTF-8");
		buf_release(&w);
	}
	buf_release(&m);
	arena_release(&r.arena);
}

/* The array branch of validate_create() in cgi/addresses.c: each element against AddressCreatePayload. */
static void validate_address_wrapper(struct json_object *obj)
{
	struct buf m = BUF_INIT;
	buf_init(&m);
	int present;
	struct json_object *v = body_get(obj, "address", &present);
	int n = body_messages(&m, obj, &fields_address_wrapper);
	if (n == 0 && v && json_object_is_type(v, json_type_array)) {
		size_t len = json_object_array_length(v);
		for (size_t i = 0; i < len; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			if (e && json_object_is_type(e, json_type_object)) {
				struct buf em = BUF_INIT;
				buf_init(&em);
				if (body_messages(&em, e, &fields_address_create))
					buf_add(&m, em.data, em.len);
				buf_release(&em);
			}
		}
	}
	buf_release(&m);
}

/* ---- metadata ---- */

static void merge_checks(struct json_object *patch)
{
	struct arena a;
	arena_init(&a, 0);
	int changed = -1;
	char *once = metadata_merge(&a, stored_metadata, patch, &changed);
	FUZZ_CHECK(once && (changed == 0 || changed == 1), "metadata_merge() returned nothing");
	int changed2 = -1;
	char *twice = metadata_merge(&a, once, patch, &changed2);
	if (changed2 != 0)
		fprintf(stderr, "once : %s\ntwice: %s\n", once, twice);
	FUZZ_CHECK(changed2 == 0 && strcmp(once, twice) == 0, "merging the same patch twice changed the row again");
	/* a new row (NULL), and a corrupt one (refused: the handler never replaces what it cannot read) */
	char *fresh = metadata_merge(&a, NULL, patch, &changed);
	FUZZ_CHECK(fresh && changed == 1, "a merge into a new row must report a change");
	char *corrupt = metadata_merge(&a, "[1,2", patch, &changed);
	FUZZ_CHECK(corrupt == NULL && changed == 0, "a merge into a corrupt stored row is not refused");
	arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct json_object *root = NULL;
	size_t off = (size_t)-1;
	enum json_parse_status st = json_parse_strict(s, size, BODY_JSON_DEPTH, &root, &off);
	if (st != JSON_PARSE_OK) {
		FUZZ_CHECK(root == NULL, "a refused body left a tree behind");
		FUZZ_CHECK(off <= size, "the error offset is outside the body");
		if (json_utf8_valid(s, size))
			(void)body_is_email(s, size);
		return 0;
	}
	FUZZ_CHECK(root != NULL, "an accepted body without a tree");

	check_writer(root, 0);
	check_writer(root, 1);
	walk_strings(root, 0);
	check_bare_number(s, size, root);

	if (json_object_is_type(root, json_type_object)) {
		for (size_t i = 0; i < sizeof(endpoint_sets) / sizeof(endpoint_sets[0]); i++)
			validate_with(root, endpoint_sets[i]);
		validate_address_wrapper(root);

		/* the customer's metadata merge, and the whole body as a patch */
		struct json_object *md = body_get(root, "metadata", NULL);
		if (md && json_object_is_type(md, json_type_object))
			merge_checks(md);
		merge_checks(root);

		/* billing_address / address metadata: replaced, in canonical form */
		struct json_object *ba = body_get(root, "billing_address", NULL);
		if (ba && json_object_is_type(ba, json_type_object)) {
			struct json_object *bm = body_get(ba, "metadata", NULL);
			if (bm) {
				struct arena a;
				arena_init(&a, 0);
				char *c = metadata_canonical(&a, bm);
				FUZZ_CHECK(c && json_utf8_valid(c, strlen(c)), "canonical address metadata is not UTF-8");
				arena_release(&a);
			}
		}
	}
	json_object_put(root);
	return 0;
}
