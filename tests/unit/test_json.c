/*
 * Unit tests of the pure request-side modules: strict JSON parsing, the
 * JavaScript-compatible writer, class-validator messages, isEmail, and the
 * metadata merge.
 */
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/body.h"
#include "common/buf.h"
#include "common/json.h"
#include "common/metadata.h"
#include "tests/unit/harness.h"

static enum json_parse_status parse(const char *s, struct json_object **out)
{
	return json_parse_strict(s, strlen(s), 32, out, NULL);
}

/* Parses s and writes it back canonically; returns a malloc'd string. */
static char *canon(const char *s)
{
	struct json_object *o = NULL;
	if (parse(s, &o) != JSON_PARSE_OK)
		return strdup("(parse error)");
	struct buf b = BUF_INIT;
	buf_init(&b);
	json_w_canonical(&b, o);
	json_object_put(o);
	char *r = strdup(b.data);
	buf_release(&b);
	return r;
}

static char *number(double v)
{
	struct buf b = BUF_INIT;
	buf_init(&b);
	json_w_number(&b, v);
	char *r = strdup(b.data);
	buf_release(&b);
	return r;
}

/* Validation messages of body s against set. */
static char *messages(const char *s, const struct field_set *set)
{
	struct json_object *o = NULL;
	if (parse(s, &o) != JSON_PARSE_OK)
		return strdup("(parse error)");
	struct buf b = BUF_INIT;
	buf_init(&b);
	body_messages(&b, o, set);
	json_object_put(o);
	char *r = strdup(b.len ? b.data : "");
	buf_release(&b);
	return r;
}

#define CHECK_OWNED(expr, want) do { char *s_ = (expr); CHECK_STR(s_, want); free(s_); } while (0)

static const struct field_spec create_fields[] = {
	{ "first_name", FK_STRING, 0, 255, NULL },
	{ "last_name", FK_STRING, 0, 255, NULL },
	{ "email", FK_EMAIL, 1, 255, NULL },
	{ "password", FK_STRING, 1, 0, NULL },
	{ "phone", FK_STRING, 0, 255, NULL },
};
static const struct field_set create_set = FIELD_SET(create_fields);

static const struct field_spec addr_fields[] = {
	{ "first_name", FK_STRING, 1, 0, NULL },
	{ "last_name", FK_STRING, 1, 0, NULL },
	{ "city", FK_STRING, 1, 0, NULL },
};
static const struct field_set addr_set = FIELD_SET(addr_fields);
static const struct field_spec wrap_fields[] = {
	{ "address", FK_NESTED, 1, 0, &addr_set },
	{ "metadata", FK_OBJECT, 0, 0, NULL },
};
static const struct field_set wrap_set = FIELD_SET(wrap_fields);

static const struct field_spec login_fields[] = {
	{ "email", FK_EMAIL, 1, 0, NULL },
	{ "password", FK_NOT_EMPTY, 1, 0, NULL },
};
static const struct field_set login_set = FIELD_SET(login_fields);

/* StorePostCartsCartLineItemsReq: IsString, IsInt, IsOptional IsObject (transcripts-store 091, 092) */
static const struct field_spec line_fields[] = {
	{ "variant_id", FK_STRING, 1, 0, NULL },
	{ "quantity", FK_INT, 1, 0, NULL },
	{ "metadata", FK_OBJECT, 0, 0, NULL },
};
static const struct field_set line_set = FIELD_SET(line_fields);

static void check_int_messages(void)
{
	char *m;
	CHECK_STR(m = messages("{\"variant_id\":\"v\",\"quantity\":2}", &line_set), "");
	free(m);
	CHECK_STR(m = messages("{\"variant_id\":\"v\",\"quantity\":2.0}", &line_set), "");
	free(m);
	CHECK_STR(m = messages("{\"variant_id\":\"v\",\"quantity\":-3}", &line_set), "");
	free(m);
	CHECK_STR(m = messages("{\"variant_id\":\"v\"}", &line_set), "quantity must be an integer number");
	free(m);
	CHECK_STR(m = messages("{\"variant_id\":\"v\",\"quantity\":\"2\"}", &line_set), "quantity must be an integer number");
	free(m);
	CHECK_STR(m = messages("{\"variant_id\":\"v\",\"quantity\":1.5}", &line_set), "quantity must be an integer number");
	free(m);
	CHECK_STR(m = messages("{\"variant_id\":\"v\",\"quantity\":null}", &line_set), "quantity must be an integer number");
	free(m);
	CHECK_STR(m = messages("{\"variant_id\":\"v\",\"quantity\":true}", &line_set), "quantity must be an integer number");
	free(m);
	CHECK_STR(m = messages("{\"quantity\":\"x\",\"metadata\":[]}", &line_set),
		  "variant_id must be a string, quantity must be an integer number, metadata must be an object");
	free(m);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct json_object *o = NULL;
	check_int_messages();

	/* strict parsing */
	CHECK(parse("{\"a\":1}", &o) == JSON_PARSE_OK);
	json_object_put(o);
	CHECK(parse("{\"a\":1} \n", &o) == JSON_PARSE_OK);
	json_object_put(o);
	CHECK(parse("{\"a\":1} x", &o) == JSON_PARSE_TRAILING && o == NULL);
	CHECK(parse("{\"a\":1}{}", &o) == JSON_PARSE_TRAILING);
	CHECK(parse("{\"email\": \"x@example.com\", ", &o) == JSON_PARSE_SYNTAX);
	CHECK(parse("{'a':1}", &o) == JSON_PARSE_SYNTAX);
	CHECK(parse("{\"a\":NaN}", &o) == JSON_PARSE_SYNTAX);
	CHECK(parse("{\"a\":1}/* c */", &o) == JSON_PARSE_TRAILING);
	CHECK(parse("{\"a\":\"x\ty\"}", &o) == JSON_PARSE_SYNTAX);
	CHECK(parse("{\"a\":01}", &o) == JSON_PARSE_TRAILING || parse("{\"a\":01}", &o) == JSON_PARSE_SYNTAX);
	CHECK(parse("{\"a\":[1,]}", &o) == JSON_PARSE_SYNTAX);
	CHECK(parse("{\"a\":1,}", &o) == JSON_PARSE_SYNTAX);
	CHECK(parse("{\"a\":\"\\u00e9\\n\"}", &o) == JSON_PARSE_OK);
	json_object_put(o);
	CHECK(parse("[]", &o) == JSON_PARSE_OK);
	json_object_put(o);
	CHECK(parse("null", &o) != JSON_PARSE_OK || o == NULL);
	CHECK(parse("", &o) == JSON_PARSE_SYNTAX);
	CHECK(parse("42", &o) == JSON_PARSE_OK && json_object_get_int(o) == 42);
	json_object_put(o);
	CHECK(parse("{\"a\":\"\xff\"}", &o) == JSON_PARSE_BAD_UTF8);
	CHECK(parse("{\"a\":\"\xc0\xaf\"}", &o) == JSON_PARSE_BAD_UTF8);          /* overlong */
	CHECK(parse("{\"a\":\"\xed\xa0\x80\"}", &o) == JSON_PARSE_BAD_UTF8);      /* surrogate */
	CHECK(parse("{\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}", &o) == JSON_PARSE_OK);
	json_object_put(o);
	{
		char deep[200];
		memset(deep, '[', 100);
		memset(deep + 100, ']', 100);
		CHECK(json_parse_strict(deep, 200, 32, &o, NULL) == JSON_PARSE_TOO_DEEP && o == NULL);
	}

	/* writer: JSON.stringify escaping and JavaScript numbers */
	{
		struct buf b = BUF_INIT;
		buf_init(&b);
		json_w_str(&b, "a\"b\\c/d\n\x01\xc3\xa9", 11);
		CHECK_STR(b.data, "\"a\\\"b\\\\c/d\\n\\u0001\xc3\xa9\"");
		/* bytes that are no UTF-8 (a raw request path in "Cannot GET ..."): U+FFFD each, so
		 * the answer stays valid UTF-8 (found by fuzz_request); good sequences pass through */
		buf_reset(&b);
		json_w_str(&b, "/au\xff\xfe\xc3\xa9\xe0\x80\x80\xed\xa0\x80\xf0\x9f\x98\x80\xc3", 18);
		CHECK_STR(b.data, "\"/au\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
				  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xf0\x9f\x98\x80\xef\xbf\xbd\"");
		CHECK(json_utf8_valid(b.data, b.len));
		buf_release(&b);
	}
	CHECK_OWNED(number(1.5), "1.5");
	CHECK_OWNED(number(1000), "1000");
	CHECK_OWNED(number(0.1), "0.1");
	CHECK_OWNED(number(-2.5e-7), "-2.5e-7");
	CHECK_OWNED(number(1e21), "1e+21");
	CHECK_OWNED(number(123456789012345678901.0), "123456789012345680000");
	CHECK_OWNED(number(0.000001), "0.000001");
	CHECK_OWNED(number(1.0 / 3), "0.3333333333333333");

	/* the reference's jsonb example (section 2.1) */
	CHECK_OWNED(canon("{\"bb\":1,\"a\":2,\"10\":3,\"2\":4,\"zz\":1.50,\"big\":12345678901234567890,\"dup\":1,\"dup\":2,\"e\":1e3}"),
		    "{\"2\":4,\"10\":3,\"a\":2,\"e\":1000,\"bb\":1,\"zz\":1.5,\"big\":12345678901234567000,\"dup\":2}");
	/* JavaScript reads every number as a double */
	CHECK_OWNED(canon("{\"a\":99999999999999999999,\"b\":-99999999999999999999,\"c\":123456789012345678901234567890}"),
		    "{\"a\":100000000000000000000,\"b\":-100000000000000000000,\"c\":1.2345678901234568e+29}");
	CHECK_OWNED(canon("{\"c\":18446744073709551616,\"d\":[9007199254740993]}"),
		    "{\"c\":18446744073709552000,\"d\":[9007199254740992]}");
	/* beyond a double: refused, never a silent null (JSON.stringify(Infinity)) */
	CHECK(parse("{\"metadata\":{\"n\":1e999999}}", &o) == JSON_PARSE_RANGE && o == NULL);
	CHECK(parse("{\"a\":-1e999}", &o) == JSON_PARSE_RANGE && o == NULL);
	CHECK(parse("[1,[2,1.7976931348623159e308]]", &o) == JSON_PARSE_RANGE && o == NULL);
	{
		char big[420] = "[1";
		memset(big + 2, '0', 400); /* 1 followed by 400 zeros: no exponent, still beyond */
		memcpy(big + 402, "]", 2);
		CHECK(parse(big, &o) == JSON_PARSE_RANGE && o == NULL);
		big[1] = '0';
		CHECK(parse(big, &o) == JSON_PARSE_SYNTAX); /* a leading zero: not JSON at all */
	}
	CHECK_OWNED(canon("{\"max\":1.7976931348623157e308,\"tiny\":1e-999999}"),
		    "{\"max\":1.7976931348623157e+308,\"tiny\":0}");
	CHECK_OWNED(canon("{\"s\":\"1234567890123456789012\",\"k\":1234567890123456}"),
		    "{\"k\":1234567890123456,\"s\":\"1234567890123456789012\"}");
	CHECK(parse("{\"a\":\"x\\u0000y\"}", &o) == JSON_PARSE_NUL && o == NULL);
	CHECK(parse("{\"a\\u0000\":1}", &o) == JSON_PARSE_NUL);
	CHECK(parse("{\"a\":\"\\\\u0000\"}", &o) == JSON_PARSE_OK); /* an escaped backslash, then text */
	json_object_put(o);
	CHECK_OWNED(canon("{\"newsletter\":true,\"tier\":\"gold\",\"remove_me\":\"x\"}"),
		    "{\"tier\":\"gold\",\"remove_me\":\"x\",\"newsletter\":true}");
	CHECK_OWNED(canon("{\"b\":{\"yy\":[1,{\"d\":null,\"c\":false}],\"x\":1}}"),
		    "{\"b\":{\"x\":1,\"yy\":[1,{\"c\":false,\"d\":null}]}}");
	CHECK(json_key_cmp("9", "10") < 0 && json_key_cmp("10", "a") < 0 && json_key_cmp("a", "01") < 0 &&
	      json_key_cmp("zz", "aaa") < 0);

	/* validation messages, in class-validator order */
	CHECK_OWNED(messages("{\"email\":\"nope\",\"password\":5,\"foo\":1,\"bar\":2}", &create_set),
		    "property foo should not exist, property bar should not exist, email must be an email, password must be a string");
	CHECK_OWNED(messages("{\"email\":\"missing.1@example.com\"}", &create_set), "password must be a string");
	CHECK_OWNED(messages("{\"email\":\"a@b.co\",\"password\":\"\",\"first_name\":null}", &create_set), "");
	CHECK_OWNED(messages("{\"email\":\"a@b.co\",\"password\":\"x\",\"phone\":12}", &create_set), "phone must be a string");
	CHECK_OWNED(messages("{\"email\":\"anchor.1@example.com\"}", &login_set), "password should not be empty");
	CHECK_OWNED(messages("{\"email\":\"a@b.co\",\"password\":\"\"}", &login_set), "password should not be empty");
	CHECK_OWNED(messages("{\"email\":\"a@b.co\",\"password\":7}", &login_set), "");
	CHECK_OWNED(messages("{\"address\":{\"first_name\":\"A\"}}", &wrap_set),
		    "last_name must be a string, city must be a string");
	CHECK_OWNED(messages("{\"address\":\"x\",\"metadata\":[]}", &wrap_set),
		    "nested property address must be either object or array, metadata must be an object");
	CHECK_OWNED(messages("{}", &wrap_set), "");
	{
		char big[300 + 64];
		memset(big, 'x', 300);
		strcpy(big + 300, "");
		char body[480];
		snprintf(body, sizeof(body), "{\"email\":\"a@b.co\",\"password\":\"x\",\"first_name\":\"%s\"}", big);
		CHECK_OWNED(messages(body, &create_set), "first_name must be shorter than or equal to 255 characters");
	}

	/* isEmail with validator.js defaults */
	const char *good[] = { "a@b.co", "anchor.1@example.com", "x+tag@sub.example.org", "\"quoted\"@example.com",
			       "caf\xc3\xa9@example.com", "a@xn--bcher-kva.example" };
	const char *bad[] = { "not-an-email", "a@b", "a@localhost", "a@x.c", " a@b.co", "a@b.co ", "a..b@example.com",
			      ".a@example.com", "a@-x.com", "a@x_y.com", "a@1.2.3.4", "a@example.123", "@example.com",
			      "a@", "a@exa mple.com" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(body_is_email(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!body_is_email(bad[i], strlen(bad[i])));
	{
		char lp[80];
		memset(lp, 'a', 65);
		strcpy(lp + 65, "@example.com");
		CHECK(!body_is_email(lp, strlen(lp)));
	}

	/* metadata merge: Medusa's setMetadata() */
	{
		struct arena a;
		arena_init(&a, 0);
		int changed = 0;
		struct json_object *patch = NULL;
		parse("{\"remove_me\":\"\",\"added\":42}", &patch);
		char *m = metadata_merge(&a, "{\"tier\":\"gold\",\"remove_me\":\"x\",\"newsletter\":true}", patch, &changed);
		CHECK_STR(m, "{\"tier\":\"gold\",\"added\":42,\"newsletter\":true}");
		CHECK(changed == 1);
		json_object_put(patch);

		parse("{}", &patch);
		m = metadata_merge(&a, NULL, patch, &changed);
		CHECK_STR(m, "{}");
		CHECK(changed == 1);
		m = metadata_merge(&a, "{}", patch, &changed);
		CHECK(changed == 0);
		json_object_put(patch);

		parse("{\"a\":null,\"n\":{\"x\":1}}", &patch);
		m = metadata_merge(&a, "{\"a\":1,\"n\":{\"y\":2}}", patch, &changed);
		CHECK_STR(m, "{\"a\":null,\"n\":{\"x\":1}}");
		json_object_put(patch);

		parse("{\"gone\":\"\"}", &patch);
		/* stored text we cannot read is never replaced: the merge is refused */
		m = metadata_merge(&a, "not json", patch, &changed);
		CHECK(m == NULL && changed == 0);
		m = metadata_merge(&a, "[1,2]", patch, &changed);
		CHECK(m == NULL && changed == 0);
		m = metadata_merge(&a, "{\"n\":1e999}", patch, &changed);
		CHECK(m == NULL && changed == 0);
		json_object_put(patch);
		arena_release(&a);
	}
	HARNESS_EXIT();
}
