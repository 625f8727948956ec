/*
 * Unit tests for common/query.c: qs-compatible parsing (expected values are
 * what qs 6.17.1 with { arrayLimit: Infinity } gives, written as
 * JSON.stringify of its result; checked against the real qs), Medusa's normalizeQuery, and the JavaScript Number() / date
 * conversions. Also feeds hostile inputs to prove the parser stays bounded.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/json.h"
#include "common/query.h"
#include "tests/unit/harness.h"

static struct arena A;

static void dump(struct buf *b, const struct query_node *q)
{
	switch (q->type) {
	case QUERY_STRING:
		json_w_str(b, q->s, q->len);
		break;
	case QUERY_ARRAY:
		buf_addc(b, '[');
		for (size_t i = 0; i < q->n; i++) {
			if (i)
				buf_addc(b, ',');
			dump(b, q->m[i].value);
		}
		buf_addc(b, ']');
		break;
	case QUERY_OBJECT:
		buf_addc(b, '{');
		for (size_t i = 0; i < q->n; i++) {
			if (i)
				buf_addc(b, ',');
			json_w_strz(b, q->m[i].key);
			buf_addc(b, ':');
			dump(b, q->m[i].value);
		}
		buf_addc(b, '}');
		break;
	}
}

/* JSON of qs.parse(s) (normalised as Medusa does when norm is set), in the arena. */
static const char *qs(const char *s, int norm)
{
	struct query_node *q = query_parse(&A, s, s ? strlen(s) : 0);
	if (norm)
		query_normalize(&A, q);
	struct buf b = BUF_INIT;
	buf_init(&b);
	dump(&b, q);
	char *out = arena_strndup(&A, b.data ? b.data : "", b.len);
	buf_release(&b);
	return out;
}

static double num(const char *s, int *ok)
{
	double v = 0;
	*ok = query_js_number(s, strlen(s), &v);
	return v;
}

static long long date(const char *s, int *ok)
{
	long long v = 0;
	*ok = query_js_date(s, strlen(s), &v);
	return v;
}

static void test_basic(void)
{
	CHECK_STR(qs("", 0), "{}");
	CHECK_STR(qs(NULL, 0), "{}");
	CHECK_STR(qs("a=b", 0), "{\"a\":\"b\"}");
	CHECK_STR(qs("a", 0), "{\"a\":\"\"}");
	CHECK_STR(qs("a=", 0), "{\"a\":\"\"}");
	CHECK_STR(qs("=x&&a=1&", 0), "{\"a\":\"1\"}");
	CHECK_STR(qs("a=b=c", 0), "{\"a\":\"b=c\"}");
	CHECK_STR(qs("limit=5&offset=0&fields=id,status", 0),
		  "{\"limit\":\"5\",\"offset\":\"0\",\"fields\":\"id,status\"}");
	/* decoding: '+' is a space, %XX is UTF-8; a bad escape keeps the text (with '+' replaced) */
	CHECK_STR(qs("q=a+b%20c", 0), "{\"q\":\"a b c\"}");
	CHECK_STR(qs("q=%C3%A9t%C3%A9", 0), "{\"q\":\"\xC3\xA9t\xC3\xA9\"}");
	CHECK_STR(qs("q=100%&x=%zz+1", 0), "{\"q\":\"100%\",\"x\":\"%zz 1\"}");
	CHECK_STR(qs("q=%C3", 0), "{\"q\":\"%C3\"}");
	CHECK_STR(qs("q=%ED%A0%80", 0), "{\"q\":\"%ED%A0%80\"}");
	CHECK_STR(qs("q=a%00b", 0), "{\"q\":\"a%00b\"}");
	/* raw bytes that are not UTF-8 are read as Latin-1 */
	CHECK_STR(qs("q=\xE9", 0), "{\"q\":\"\xC3\xA9\"}");
	/* keys are decoded before brackets are looked at */
	CHECK_STR(qs("status%5B%5D=pending", 0), "{\"status\":[\"pending\"]}");
}

static void test_arrays(void)
{
	CHECK_STR(qs("status[]=a&status[]=b", 0), "{\"status\":[\"a\",\"b\"]}");
	CHECK_STR(qs("status[0]=a&status[1]=b", 0), "{\"status\":[\"a\",\"b\"]}");
	CHECK_STR(qs("status[1]=b&status[0]=a", 0), "{\"status\":[\"a\",\"b\"]}");
	CHECK_STR(qs("status[5]=x", 0), "{\"status\":[\"x\"]}");
	CHECK_STR(qs("status=a&status=b", 0), "{\"status\":[\"a\",\"b\"]}");
	CHECK_STR(qs("status=a&status[]=b", 0), "{\"status\":[\"a\",\"b\"]}");
	CHECK_STR(qs("status[]=b&status=a", 0), "{\"status\":[\"b\",\"a\"]}");
	CHECK_STR(qs("a[]=1&b=2&a[]=3", 0), "{\"a\":[\"1\",\"3\"],\"b\":\"2\"}");
	CHECK_STR(qs("status[0]=a&status[0]=b", 0), "{\"status\":[[\"a\",\"b\"]]}");
	/* "01" and "-1" are not indices; 2^32 - 1 is a property compact() loses */
	CHECK_STR(qs("a[01]=x", 0), "{\"a\":{\"01\":\"x\"}}");
	CHECK_STR(qs("a[-1]=x", 0), "{\"a\":{\"-1\":\"x\"}}");
	CHECK_STR(qs("a[4294967295]=x", 0), "{\"a\":[]}");
	CHECK_STR(qs("a[4294967294]=x", 0), "{\"a\":[\"x\"]}");
	CHECK_STR(qs("a[99999999999999999999999]=x", 0), "{\"a\":{\"99999999999999999999999\":\"x\"}}");
	/* an array meeting a keyed object becomes an object */
	CHECK_STR(qs("a[0]=x&a[b]=y", 0), "{\"a\":{\"0\":\"x\",\"b\":\"y\"}}");
	CHECK_STR(qs("a[]=&a[]=x", 0), "{\"a\":[\"\",\"x\"]}");
}

static void test_objects(void)
{
	CHECK_STR(qs("created_at[lt]=2020-01-01&created_at[gt]=1", 0),
		  "{\"created_at\":{\"lt\":\"2020-01-01\",\"gt\":\"1\"}}");
	CHECK_STR(qs("created_at=x&created_at[lt]=y", 0), "{\"created_at\":[\"x\",{\"lt\":\"y\"}]}");
	/* strictMerge: a plain value meeting an object makes a pair, later values append */
	CHECK_STR(qs("created_at[lt]=y&created_at=x", 0), "{\"created_at\":[{\"lt\":\"y\"},\"x\"]}");
	CHECK_STR(qs("c=x&c[lt]=y&c=w", 0), "{\"c\":{\"0\":\"x\",\"1\":\"w\",\"lt\":\"y\"}}");
	CHECK_STR(qs("c[lt]=y&c[0]=x&c=w", 0), "{\"c\":[{\"0\":\"x\",\"lt\":\"y\"},\"w\"]}");
	/* merging "" into an object is a no-op (qs: if (!source) return target) */
	CHECK_STR(qs("c[lt]=y&c=", 0), "{\"c\":{\"lt\":\"y\"}}");
	/* JavaScript key order: index-like keys first, ascending */
	CHECK_STR(qs("b=1&10=2&a=3&2=4", 0), "{\"2\":\"4\",\"10\":\"2\",\"b\":\"1\",\"a\":\"3\"}");
	CHECK_STR(qs("[a]=1", 0), "{\"a\":\"1\"}");
	CHECK_STR(qs("[]=1", 0), "{\"0\":\"1\"}");
	CHECK_STR(qs("a[b=1", 0), "{\"a\":{\"[b\":\"1\"}}");
	CHECK_STR(qs("a[[b]]=1&c[d[e]]=2", 0), "{\"a\":{\"[b]\":\"1\"},\"c\":{\"d[e]\":\"2\"}}");
	CHECK_STR(qs("q=%5B%zz&a%5Bb%5D=1", 0), "{\"q\":\"[%zz\",\"a\":{\"b\":\"1\"}}");
	CHECK_STR(qs("a]=1", 0), "{\"a]\":\"1\"}");
	CHECK_STR(qs("a[b]c[d]=1", 0), "{\"a\":{\"b\":{\"d\":\"1\"}}}");
	/* depth 5, then the rest as one literal segment */
	CHECK_STR(qs("a[b][c][d][e][f][g][h]=x", 0),
		  "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"[g][h]\":\"x\"}}}}}}}");
	CHECK_STR(qs("a[1][2]=x", 0), "{\"a\":[[\"x\"]]}");
	/* prototype names are dropped */
	CHECK_STR(qs("constructor=1&toString[x]=2&a[__proto__]=3&b[hasOwnProperty]=4&ok=5", 0), "{\"ok\":\"5\"}");
	CHECK_STR(qs("a[b]=1&a=toString", 0), "{\"a\":[{\"b\":\"1\"},\"toString\"]}");
}

static void test_normalize(void)
{
	CHECK_STR(qs("status[]=a,b", 1), "{\"status\":[\"a\",\"b\"]}");
	CHECK_STR(qs("status[0]=a,,b", 1), "{\"status\":[\"a\",\"\",\"b\"]}");
	CHECK_STR(qs("status=a,b", 1), "{\"status\":\"a,b\"}");
	CHECK_STR(qs("status[]=a,b&status[]=c", 1), "{\"status\":[\"a,b\",\"c\"]}");
	CHECK_STR(qs("status[]=", 1), "{\"status\":[\"\"]}");
	CHECK_STR(qs("x[0][a]=1", 1), "{\"x\":[{\"a\":\"1\"}]}");
}

static void test_limits(void)
{
	/* 1000 parameters at most: the 1001st is ignored */
	struct buf b = BUF_INIT;
	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "k%d=%d&", i, i);
	buf_adds(&b, "last=1");
	struct query_node *q = query_parse(&A, b.data, b.len);
	CHECK(q->type == QUERY_OBJECT && q->n == 1000);
	CHECK(query_get(q, "k999") != NULL);
	CHECK(query_get(q, "last") == NULL);

	/* one key repeated 1000 times, and 1000 sparse indices, stay linear enough and correct */
	buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "a[%d]=%d&", 999 - i, i);
	q = query_parse(&A, b.data, b.len);
	struct query_node *a = query_get(q, "a");
	CHECK(a && a->type == QUERY_ARRAY && a->n == 1000);
	CHECK(a && a->n == 1000 && strcmp(a->m[0].value->s, "999") == 0 && strcmp(a->m[999].value->s, "0") == 0);

	/* deep and bracket-heavy keys, unbalanced brackets, long values */
	buf_reset(&b);
	for (int i = 0; i < 5000; i++)
		buf_adds(&b, "[");
	buf_adds(&b, "=1&");
	for (int i = 0; i < 3000; i++)
		buf_adds(&b, "[x]");
	buf_adds(&b, "=2&v=");
	for (int i = 0; i < 70000; i++)
		buf_addc(&b, 'z');
	q = query_parse(&A, b.data, b.len);
	CHECK(q->type == QUERY_OBJECT);
	struct query_node *v = query_get(q, "v");
	CHECK(v && v->type == QUERY_STRING && v->len < QUERY_MAX_LEN);

	/* mixing every shape under one key must not crash or loop */
	const char *mix = "s=a&s[]=b&s[0]=c&s[x]=d&s[0][y]=e&s=f&s[]=g&s[1][2][3]=h&s[x][z]=i";
	q = query_parse(&A, mix, strlen(mix));
	CHECK(query_get(q, "s") != NULL);
	buf_release(&b);
}

static void test_number(void)
{
	int ok;
	CHECK(num("10", &ok) == 10 && ok);
	CHECK(num("", &ok) == 0 && ok);
	CHECK(num("  7 \t", &ok) == 7 && ok);
	CHECK(num("\xC2\xA0" "8" "\xE3\x80\x80", &ok) == 8 && ok);
	CHECK(num("1e3", &ok) == 1000 && ok);
	CHECK(num("-2.5", &ok) == -2.5 && ok);
	CHECK(num(".5", &ok) == 0.5 && ok);
	CHECK(num("5.", &ok) == 5 && ok);
	CHECK(num("0x1F", &ok) == 31 && ok);
	CHECK(num("0b101", &ok) == 5 && ok);
	CHECK(num("0o17", &ok) == 15 && ok);
	CHECK(isinf(num("Infinity", &ok)) && ok);
	CHECK(isinf(num("-Infinity", &ok)) && ok);
	num("abc", &ok);
	CHECK(!ok);
	num("12px", &ok);
	CHECK(!ok);
	num("1,2", &ok);
	CHECK(!ok);
	num("-0x10", &ok);
	CHECK(!ok);
	num("0x", &ok);
	CHECK(!ok);
	num(".", &ok);
	CHECK(!ok);
	num("1e", &ok);
	CHECK(!ok);
	num("inf", &ok);
	CHECK(!ok);
	num("nan", &ok);
	CHECK(!ok);
	num("1_000", &ok);
	CHECK(!ok);
}

static void test_date(void)
{
	int ok;
	CHECK(date("2020-01-01", &ok) == 1577836800000LL && ok);
	CHECK(date("2020", &ok) == 1577836800000LL && ok);
	CHECK(date("2020-02", &ok) == 1580515200000LL && ok);
	CHECK(date("2020-01-01T00:00:01.5Z", &ok) == 1577836801500LL && ok);
	CHECK(date("2020-01-01T01:00+01:00", &ok) == 1577836800000LL && ok);
	CHECK(date("2020-01-01T00:00:00.123456Z", &ok) == 1577836800123LL && ok);
	CHECK(date("1577836800", &ok) == 1577836800000LL && ok);
	CHECK(date("1.5", &ok) == 1500 && ok);
	CHECK(date("", &ok) == 0 && ok);
	CHECK(date("-000001-01-01T00:00:00Z", &ok) == -62198755200000LL && ok);
	date("nope", &ok);
	CHECK(!ok);
	date("2020-13-01", &ok);
	CHECK(!ok);
	date("2020-01-01T25:00", &ok);
	CHECK(!ok);
	date("1e30", &ok);
	CHECK(!ok);
	date("-000000-01-01", &ok);
	CHECK(!ok);
}

static void test_decode_component(void)
{
	const char *d = query_decode_component(&A, "addr%5F01%20x+y", 15);
	CHECK_STR(d, "addr_01 x+y");
	CHECK(query_decode_component(&A, "%C3%A9", 6) && strcmp(query_decode_component(&A, "%C3%A9", 6), "\xC3\xA9") == 0);
	CHECK(query_decode_component(&A, "a%zz", 4) == NULL);
	CHECK(query_decode_component(&A, "a%2", 3) == NULL);
	CHECK(query_decode_component(&A, "%C3", 3) == NULL);
	CHECK(query_decode_component(&A, "a%00b", 5) == NULL);
	CHECK_STR(query_decode_component(&A, "", 0), "");
}

int main(void)
{
	arena_init(&A, 0);
	test_basic();
	test_arrays();
	test_objects();
	test_normalize();
	test_limits();
	test_number();
	test_date();
	test_decode_component();
	arena_release(&A);
	HARNESS_EXIT();
}
