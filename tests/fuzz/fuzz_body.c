/*
 * fuzz_body: libFuzzer target for the request-body path of every endpoint
 * that reads one. The input is a raw body: json_parse_strict() at the
 * configured depth (JSON_DEPTH default, 32), then, when it is an object,
 * body_validate() and body_messages() against every endpoint's field set
 * (FK_ADDRESS_OR_ID included), the { address } wrapper checks of
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
 *   - merging the same metadata patch twice changes nothing the second time.
 */
#include <string.h>

#include "common/arena.h"
#include "common/body.h"
#include "common/buf.h"
#include "common/json.h"
#include "common/metadata.h"
#include "common/req.h"
#include "tests/fuzz/fuzz.h"

#define BODY_JSON_DEPTH 32  /* JSON_DEPTH's default (README, common/config.c) */
#define NAME_MAX_CHARS 255  /* as in cgi/customers.c and cgi/addresses.c */

/* ---- field sets: copies of the static tables in cgi/*.c (keep in sync) ---- */

/* cgi/customers.c: address_fields (AddressPayload of billing_address) */
static const struct field_spec cust_address_fields[] = {
	{ "first_name", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "last_name", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "phone", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "metadata", FK_OBJECT, 0, 0, NULL },
	{ "company", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "address_1", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "address_2", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "city", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "country_code", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "province", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "postal_code", FK_STRING, 0, NAME_MAX_CHARS, NULL },
};
static const struct field_set cust_address_payload = FIELD_SET(cust_address_fields);

/* cgi/customers.c: create_fields (POST /store/customers) */
static const struct field_spec cust_create_fields[] = {
	{ "first_name", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "last_name", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "email", FK_EMAIL, 1, NAME_MAX_CHARS, NULL },
	{ "password", FK_STRING, 1, 1024, NULL },
	{ "phone", FK_STRING, 0, NAME_MAX_CHARS, NULL },
};
static const struct field_set cust_create_set = FIELD_SET(cust_create_fields);

/* cgi/customers.c: update_fields (POST /store/customers/me) */
static const struct field_spec cust_update_fields[] = {
	{ "billing_address", FK_ADDRESS_OR_ID, 0, 64, &cust_address_payload },
	{ "first_name", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "last_name", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "password", FK_STRING, 0, 1024, NULL },
	{ "phone", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "email", FK_EMAIL, 0, NAME_MAX_CHARS, NULL },
	{ "metadata", FK_OBJECT, 0, 0, NULL },
};
static const struct field_set cust_update_set = FIELD_SET(cust_update_fields);

/* cgi/addresses.c: create_fields (AddressCreatePayload) */
static const struct field_spec addr_create_fields[] = {
	{ "first_name", FK_STRING, 1, NAME_MAX_CHARS, NULL },
	{ "last_name", FK_STRING, 1, NAME_MAX_CHARS, NULL },
	{ "phone", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "metadata", FK_ANY, 0, 0, NULL },
	{ "company", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "address_1", FK_STRING, 1, NAME_MAX_CHARS, NULL },
	{ "address_2", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "city", FK_STRING, 1, NAME_MAX_CHARS, NULL },
	{ "country_code", FK_STRING, 1, NAME_MAX_CHARS, NULL },
	{ "province", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "postal_code", FK_STRING, 1, NAME_MAX_CHARS, NULL },
};
static const struct field_set addr_create_set = FIELD_SET(addr_create_fields);

/* cgi/addresses.c: wrapper_fields (POST /store/customers/me/addresses) */
static const struct field_spec addr_wrapper_fields[] = {
	{ "address", FK_NESTED, 1, 0, &addr_create_set },
};
static const struct field_set addr_wrapper_set = FIELD_SET(addr_wrapper_fields);

/* cgi/addresses.c: update_fields (POST /store/customers/me/addresses/:id) */
static const struct field_spec addr_update_fields[] = {
	{ "first_name", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "last_name", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "phone", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "metadata", FK_OBJECT, 0, 0, NULL },
	{ "company", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "address_1", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "address_2", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "city", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "country_code", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "province", FK_STRING, 0, NAME_MAX_CHARS, NULL },
	{ "postal_code", FK_STRING, 0, NAME_MAX_CHARS, NULL },
};
static const struct field_set addr_update_set = FIELD_SET(addr_update_fields);

/* cgi/auth_routes.c: login_fields (POST /store/auth, POST /store/auth/token) */
static const struct field_spec auth_login_fields[] = {
	{ "email", FK_EMAIL, 1, 0, NULL },
	{ "password", FK_NOT_EMPTY, 1, 0, NULL },
};
static const struct field_set auth_login_set = FIELD_SET(auth_login_fields);

/* cgi/auth_routes.c: token_fields (POST /store/customers/password-token) */
static const struct field_spec auth_token_fields[] = {
	{ "email", FK_EMAIL, 1, 0, NULL },
};
static const struct field_set auth_token_set = FIELD_SET(auth_token_fields);

/* cgi/auth_routes.c: reset_fields (POST /store/customers/password-reset) */
static const struct field_spec auth_reset_fields[] = {
	{ "email", FK_EMAIL, 1, 0, NULL },
	{ "token", FK_STRING, 1, 0, NULL },
	{ "password", FK_STRING, 1, 1024, NULL },
};
static const struct field_set auth_reset_set = FIELD_SET(auth_reset_fields);

/* Every set a handler passes to body_validate() (the wrapper goes through body_messages, as in addresses.c). */
static const struct field_set *const endpoint_sets[] = {
	&cust_create_set, &cust_update_set, &cust_address_payload, &addr_update_set,
	&addr_create_set, &auth_login_set, &auth_token_set, &auth_reset_set,
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
	int n = body_messages(&m, obj, &addr_wrapper_set);
	if (n == 0 && v && json_object_is_type(v, json_type_array)) {
		size_t len = json_object_array_length(v);
		for (size_t i = 0; i < len; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			if (e && json_object_is_type(e, json_type_object)) {
				struct buf em = BUF_INIT;
				buf_init(&em);
				if (body_messages(&em, e, &addr_create_set))
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
	/* a new row (NULL), and a corrupt one (the handler treats it as {}) */
	char *fresh = metadata_merge(&a, NULL, patch, &changed);
	FUZZ_CHECK(fresh && changed == 1, "a merge into a new row must report a change");
	char *corrupt = metadata_merge(&a, "[1,2", patch, &changed);
	FUZZ_CHECK(corrupt && strcmp(corrupt, fresh) == 0, "a corrupt stored row is not treated as {}");
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
