/*
 * Unit tests for common/b64 and common/jwt: RFC 4648 vectors, a token issued
 * by a real Medusa 1.20.11, HS384/HS512, refused algs, bad signatures, time
 * claims, store-domain checks and hostile inputs.
 */
#include "tests/unit/harness.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/b64.h"
#include "common/jwt.h"

#define KEY "anchor-jwt-secret"
#define KEYLEN (sizeof(KEY) - 1)
#define NOW 1795736400LL

/* The access_token of transcripts/09-auth-token.txt, signed by Medusa with KEY. */
static const char medusa_token[] =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	"eyJjdXN0b21lcl9pZCI6ImN1c18wMU04RDNLR0cyMjJFQzE1MzhLWEQ0WE5KTiIsImRvbWFpbiI6InN0b3JlIiwiaWF0IjoxNzk1NzM2MzIzLCJleHAiOjE3OTgzMjgzMjN9."
	"rlUbUdraOy6qhuEdK163BQeFhTbgNGhu5fCVPs17JFw";

/*
 * Builds header.payload.signature from raw JSON texts, signed with md (NULL:
 * empty signature segment). Returns a malloc'd string.
 */
static char *make_token(const char *header, const char *payload, const EVP_MD *md, const char *key)
{
	size_t hl = strlen(header), pl = strlen(payload);
	char *t = malloc(b64_encoded_len(hl, 0) + b64_encoded_len(pl, 0) + 100);
	size_t off;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (t == NULL)
		abort();
	off = b64_encode((const unsigned char *)header, hl, t, 1, 0);
	t[off++] = '.';
	off += b64_encode((const unsigned char *)payload, pl, t + off, 1, 0);
	if (md) {
		if (HMAC(md, key, (int)strlen(key), (unsigned char *)t, off, mac, &maclen) == NULL)
			abort();
		t[off++] = '.';
		b64_encode(mac, maclen, t + off, 1, 0);
	} else {
		t[off++] = '.';
		t[off] = '\0';
	}
	return t;
}

static enum jwt_status verify_str(const char *t, const char *key, long long now)
{
	return jwt_verify(t, strlen(t), (const unsigned char *)key, strlen(key), now, NULL);
}

static enum jwt_status store_str(const char *t, char *id, size_t idsz, long long *iat)
{
	return jwt_store_customer(t, strlen(t), (const unsigned char *)KEY, KEYLEN, NOW, id, idsz, iat);
}

static int enc_is(const char *in, int url, int pad, const char *want)
{
	char out[128];
	size_t n = strlen(in);
	size_t got = b64_encode((const unsigned char *)in, n, out, url, pad);

	return got == strlen(want) && got == b64_encoded_len(n, pad) && strcmp(out, want) == 0;
}

static int dec_is(const char *in, int url, const char *want)
{
	unsigned char out[128];
	size_t n = 0;

	if (b64_decode(in, strlen(in), out, sizeof(out), &n, url) != 0)
		return 0;
	return n == strlen(want) && memcmp(out, want, n) == 0;
}

static int dec_fails(const char *in, int url)
{
	unsigned char out[128];
	size_t n = 99;

	return b64_decode(in, strlen(in), out, sizeof(out), &n, url) == -1;
}

static void test_b64(void)
{
	unsigned char bin[] = { 0xfb, 0xff, 0xfe };
	unsigned char small[2];
	char out[16];
	size_t n;

	/* RFC 4648 section 10 */
	CHECK(enc_is("", 0, 1, ""));
	CHECK(enc_is("f", 0, 1, "Zg=="));
	CHECK(enc_is("fo", 0, 1, "Zm8="));
	CHECK(enc_is("foo", 0, 1, "Zm9v"));
	CHECK(enc_is("foob", 0, 1, "Zm9vYg=="));
	CHECK(enc_is("fooba", 0, 1, "Zm9vYmE="));
	CHECK(enc_is("foobar", 0, 1, "Zm9vYmFy"));
	CHECK(enc_is("f", 0, 0, "Zg"));
	CHECK(enc_is("fo", 1, 0, "Zm8"));
	CHECK(enc_is("foobar", 1, 0, "Zm9vYmFy"));
	CHECK(dec_is("", 0, ""));
	CHECK(dec_is("Zg==", 0, "f"));
	CHECK(dec_is("Zm8=", 0, "fo"));
	CHECK(dec_is("Zm9v", 0, "foo"));
	CHECK(dec_is("Zm9vYg==", 0, "foob"));
	CHECK(dec_is("Zm9vYmE=", 0, "fooba"));
	CHECK(dec_is("Zm9vYmFy", 0, "foobar"));
	CHECK(dec_is("Zg", 1, "f"));
	CHECK(dec_is("Zm9vYmE", 1, "fooba"));

	/* url alphabet: 0xfb 0xff 0xfe is "+//+" standard, "-__-" url */
	CHECK(b64_encode(bin, 3, out, 0, 1) == 4 && strcmp(out, "+//+") == 0);
	CHECK(b64_encode(bin, 3, out, 1, 0) == 4 && strcmp(out, "-__-") == 0);
	CHECK(b64_decode("-__-", 4, (unsigned char *)out, sizeof(out), &n, 1) == 0 && n == 3 &&
	      memcmp(out, bin, 3) == 0);
	CHECK(b64_decode("+//+", 4, (unsigned char *)out, sizeof(out), &n, 0) == 0 && n == 3 &&
	      memcmp(out, bin, 3) == 0);
	CHECK(dec_fails("-__-", 0)); /* wrong alphabet each way */
	CHECK(dec_fails("+//+", 1));

	/* invalid input */
	CHECK(dec_fails("Zm9v!", 0));
	CHECK(dec_fails("Zm 9v", 0));
	CHECK(dec_fails("Zm9v\n", 0));
	CHECK(dec_fails("Z", 0));          /* 1 char: 6 bits only */
	CHECK(dec_fails("Zm9vY", 0));
	CHECK(dec_fails("Zg=", 0));        /* short padding */
	CHECK(dec_fails("Zg===", 0));
	CHECK(dec_fails("Z===", 0));
	CHECK(dec_fails("Zg==Zg==", 0));   /* padding in the middle */
	CHECK(dec_fails("=Zg=", 0));
	CHECK(dec_fails("Zm9=", 1) == 0);  /* valid: "fo" with pad, url alphabet agnostic chars */
	CHECK(b64_decode("Zm9vYmFy", 8, small, sizeof(small), &n, 0) == -1); /* outcap too small */
	CHECK(b64_encoded_len(0, 0) == 0 && b64_encoded_len(1, 0) == 2 && b64_encoded_len(2, 0) == 3 &&
	      b64_encoded_len(32, 0) == 43 && b64_encoded_len(96, 1) == 128 && b64_encoded_len(1, 1) == 4);
}

static void test_sign_verify(void)
{
	static const char payload[] = "{\"customer_id\":\"cus_X\",\"domain\":\"store\",\"iat\":100,\"exp\":200}";
	char *t = jwt_sign_hs256((const unsigned char *)KEY, KEYLEN, payload, strlen(payload));
	struct json_object *p = (struct json_object *)1, *v;
	char id[64];
	long long iat = -1;

	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK(strncmp(t, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0);
	CHECK(jwt_verify(t, strlen(t), (const unsigned char *)KEY, KEYLEN, 150, &p) == JWT_OK);
	CHECK(p != NULL && json_object_object_get_ex(p, "customer_id", &v) &&
	      strcmp(json_object_get_string(v), "cus_X") == 0);
	json_object_put(p);
	CHECK(jwt_store_customer(t, strlen(t), (const unsigned char *)KEY, KEYLEN, 199, id, sizeof(id), &iat) == JWT_OK);
	CHECK_STR(id, "cus_X");
	CHECK(iat == 100);
	/* exp boundary: now == exp is expired, one second earlier is not */
	CHECK(verify_str(t, KEY, 200) == JWT_EXPIRED);
	CHECK(verify_str(t, KEY, 199) == JWT_OK);
	p = (struct json_object *)1;
	CHECK(jwt_verify(t, strlen(t), (const unsigned char *)KEY, KEYLEN, 201, &p) == JWT_EXPIRED && p == NULL);
	CHECK(verify_str(t, "other-secret", 150) == JWT_BAD_SIG);
	/* the signed text must be exactly the payload given */
	free(t);
	t = jwt_sign_hs256((const unsigned char *)KEY, KEYLEN, "{}", 2);
	/* expected value computed independently with Python's hmac module */
	CHECK_STR(t, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.WEPAKiBWF1Mrq2kGPC_r0ywEnJ7gTk8_T75kNNoHkY4");
	CHECK(t != NULL && verify_str(t, KEY, 0) == JWT_OK);
	free(t);
}

static void test_medusa_token(void)
{
	char id[64];
	long long iat = 0;
	char small[10];

	CHECK(verify_str(medusa_token, KEY, NOW) == JWT_OK);
	CHECK(store_str(medusa_token, id, sizeof(id), &iat) == JWT_OK);
	CHECK_STR(id, "cus_01M8D3KGG222EC1538KXD4XNJN");
	CHECK(iat == 1795736323LL);
	CHECK(verify_str(medusa_token, KEY, 1798328323LL) == JWT_EXPIRED);
	CHECK(verify_str(medusa_token, KEY, 1798328322LL) == JWT_OK);
	CHECK(verify_str(medusa_token, "anchor-jwt-secreT", NOW) == JWT_BAD_SIG);
	/* id buffer one byte too small (30 chars need 31) */
	CHECK(jwt_store_customer(medusa_token, strlen(medusa_token), (const unsigned char *)KEY, KEYLEN, NOW, id, 30,
	                         &iat) == JWT_MALFORMED);
	CHECK(jwt_store_customer(medusa_token, strlen(medusa_token), (const unsigned char *)KEY, KEYLEN, NOW, id, 31,
	                         &iat) == JWT_OK);
	CHECK(jwt_store_customer(medusa_token, strlen(medusa_token), (const unsigned char *)KEY, KEYLEN, NOW, small,
	                         sizeof(small), &iat) == JWT_MALFORMED && small[0] == '\0');
}

static void test_algs(void)
{
	static const char pl[] = "{\"customer_id\":\"cus_1\",\"domain\":\"store\",\"iat\":1,\"exp\":1900000000}";
	char *t;

	t = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", pl, EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_OK);
	free(t);
	t = make_token("{\"alg\":\"HS384\",\"typ\":\"JWT\"}", pl, EVP_sha384(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_OK);
	CHECK(verify_str(t, "nope", NOW) == JWT_BAD_SIG);
	free(t);
	t = make_token("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", pl, EVP_sha512(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_OK);
	free(t);
	/* header says HS512 but the MAC is HS256 */
	t = make_token("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", pl, EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_SIG);
	free(t);
	/* refused algorithms */
	t = make_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", pl, NULL, KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_ALG);
	free(t);
	t = make_token("{\"alg\":\"none\"}", pl, EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_ALG);
	free(t);
	t = make_token("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", pl, EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_ALG);
	free(t);
	t = make_token("{\"typ\":\"JWT\"}", pl, EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_ALG);
	free(t);
	t = make_token("{\"alg\":\"hs256\"}", pl, EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_ALG);
	free(t);
	t = make_token("{\"alg\":[\"HS256\"]}", pl, EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_ALG);
	free(t);
	t = make_token("{\"alg\":\"HS256\\u0000x\"}", pl, EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_ALG);
	free(t);
	/* empty signature with a real alg */
	t = make_token("{\"alg\":\"HS256\"}", pl, NULL, KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_SIG);
	free(t);
}

static void test_tamper(void)
{
	char *t = strdup(medusa_token);
	char *dot = strchr(t, '.') + 1;
	char *forged;
	size_t len = strlen(t);

	/* one payload char changed */
	dot[5] = dot[5] == 'A' ? 'B' : 'A';
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_SIG);
	free(t);
	/* last signature char changed */
	t = strdup(medusa_token);
	t[len - 1] = t[len - 1] == 'w' ? 'x' : 'w';
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_SIG);
	/* signature truncated */
	t[len - 1] = '\0';
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_SIG);
	free(t);
	/* payload swapped for an admin one, original signature kept */
	forged = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	                    "{\"customer_id\":\"cus_01M8D3KGG222EC1538KXD4XNJM\",\"domain\":\"store\",\"iat\":1795736323,"
	                    "\"exp\":1798328323}",
	                    NULL, KEY);
	t = malloc(strlen(forged) + 64);
	strcpy(t, forged);
	strcat(t, strrchr(medusa_token, '.') + 1);
	CHECK(verify_str(t, KEY, NOW) == JWT_BAD_SIG);
	free(t);
	free(forged);
	/* length argument excludes the last char: must not read past len */
	CHECK(jwt_verify(medusa_token, strlen(medusa_token) - 1, (const unsigned char *)KEY, KEYLEN, NOW, NULL) ==
	      JWT_BAD_SIG);
}

static void test_time_claims(void)
{
	char *t;

	t = make_token("{\"alg\":\"HS256\"}", "{\"exp\":1000}", EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, 999) == JWT_OK);
	CHECK(verify_str(t, KEY, 1000) == JWT_EXPIRED);
	CHECK(verify_str(t, KEY, NOW) == JWT_EXPIRED);
	free(t);
	t = make_token("{\"alg\":\"HS256\"}", "{\"exp\":1000.5}", EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, 1000) == JWT_OK);
	CHECK(verify_str(t, KEY, 1001) == JWT_EXPIRED);
	free(t);
	t = make_token("{\"alg\":\"HS256\"}", "{\"nbf\":2000}", EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, 1999) == JWT_NOT_BEFORE);
	CHECK(verify_str(t, KEY, 2000) == JWT_OK);
	free(t);
	t = make_token("{\"alg\":\"HS256\"}", "{\"nbf\":2000,\"exp\":1000}", EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, 1500) == JWT_NOT_BEFORE);
	free(t);
	t = make_token("{\"alg\":\"HS256\"}", "{\"exp\":\"1900000000\"}", EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_MALFORMED);
	free(t);
	t = make_token("{\"alg\":\"HS256\"}", "{\"nbf\":null}", EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_MALFORMED);
	free(t);
	t = make_token("{\"alg\":\"HS256\"}", "{}", EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_OK); /* no exp: never expires, as in jsonwebtoken */
	free(t);
}

static void test_store_domain(void)
{
	static const char *bad[] = {
		"{\"customer_id\":\"cus_1\",\"domain\":\"admin\"}",
		"{\"customer_id\":\"cus_1\"}",
		"{\"customer_id\":\"\",\"domain\":\"store\"}",
		"{\"domain\":\"store\"}",
		"{\"customer_id\":42,\"domain\":\"store\"}",
		"{\"customer_id\":\"cus_1\",\"domain\":\"Store\"}",
		"{\"customer_id\":\"cus_1\",\"domain\":\"store\\u0000\"}",
		"{\"customer_id\":\"cus_1\",\"domain\":[\"store\"]}",
		"{\"user_id\":\"usr_1\",\"domain\":\"admin\"}",
	};
	char id[64];
	long long iat = 5;
	size_t i;
	char *t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = make_token("{\"alg\":\"HS256\"}", bad[i], EVP_sha256(), KEY);
		CHECK(verify_str(t, KEY, NOW) == JWT_OK);
		strcpy(id, "junk");
		iat = 5;
		CHECK(store_str(t, id, sizeof(id), &iat) == JWT_WRONG_DOMAIN && id[0] == '\0' && iat == 0);
		free(t);
	}
	t = make_token("{\"alg\":\"HS256\"}", "{\"customer_id\":\"cus_\\u0000x\",\"domain\":\"store\"}", EVP_sha256(), KEY);
	CHECK(store_str(t, id, sizeof(id), &iat) == JWT_MALFORMED);
	free(t);
	/* iat absent or not a number -> 0 */
	t = make_token("{\"alg\":\"HS256\"}", "{\"customer_id\":\"cus_2\",\"domain\":\"store\",\"iat\":\"x\"}",
	               EVP_sha256(), KEY);
	iat = 5;
	CHECK(store_str(t, id, sizeof(id), &iat) == JWT_OK && iat == 0 && strcmp(id, "cus_2") == 0);
	free(t);
	t = make_token("{\"alg\":\"HS256\"}", "{\"customer_id\":\"cus_2\",\"domain\":\"store\",\"iat\":1e30}",
	               EVP_sha256(), KEY);
	CHECK(store_str(t, id, sizeof(id), &iat) == JWT_OK && iat > 0);
	free(t);
	/* a bad signature is reported as such, not as a domain problem */
	t = make_token("{\"alg\":\"HS256\"}", "{\"customer_id\":\"cus_1\",\"domain\":\"admin\"}", EVP_sha256(), "x");
	CHECK(store_str(t, id, sizeof(id), &iat) == JWT_BAD_SIG);
	free(t);
}

static void test_garbage(void)
{
	static const char *inputs[] = {
		"",
		".",
		"..",
		"abc",
		"abc.def",
		"a.b.c.d",
		"eyJhbGciOiJIUzI1NiJ9.e30.",
		"eyJhbGciOiJIUzI1NiJ9..sig",
		".e30.sig",
		"eyJhbGciOiJIUzI1NiJ9.e30=.sig",
		"eyJhbGciOiJIUzI1NiJ9.e3!0.sig",
		"eyJhbGciOiJIUzI1NiJ9.e30.si+g",
		"e.e30.sig",
		"ZZZZ.e30.sig",
		"bnVsbA.e30.sig",          /* header "null" */
		"MTIz.e30.sig",            /* header "123" */
		"eyJhbGciOiJIUzI1NiJ9 .e30.sig",
		"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
	};
	static const char *payloads[] = { "[]", "123", "\"str\"", "null", "{\"a\":1", "{} x", "{\"a\":1}{}",
		                          "{'a':1}", "{\"a\":\"\xff\"}", "", "{\"exp\":NaN}", "{\"exp\":Infinity}",
		                          "{\"a\":1}/*c*/", "{\"a\":\"x\ty\"}", "{\"a\":\"x\\\"}", "{\"a\":1,}" };
	char *big;
	size_t i;
	char *t;
	struct json_object *p;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		enum jwt_status s = verify_str(inputs[i], KEY, NOW);
		CHECK(s != JWT_OK);
	}
	CHECK(verify_str("", KEY, NOW) == JWT_MALFORMED);
	CHECK(verify_str("abc", KEY, NOW) == JWT_MALFORMED);
	CHECK(verify_str("a.b.c.d", KEY, NOW) == JWT_MALFORMED);
	CHECK(verify_str("e.e30.sig", KEY, NOW) == JWT_MALFORMED);
	CHECK(jwt_verify(NULL, 0, (const unsigned char *)KEY, KEYLEN, NOW, NULL) == JWT_MALFORMED);
	/* a token with an embedded NUL */
	CHECK(jwt_verify("eyJhbGciOiJIUzI1NiJ9.e\0.sig", 26, (const unsigned char *)KEY, KEYLEN, NOW, NULL) ==
	      JWT_MALFORMED);

	/* correctly signed, but the payload is not a JSON object */
	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		t = make_token("{\"alg\":\"HS256\"}", payloads[i], EVP_sha256(), KEY);
		p = (struct json_object *)1;
		CHECK(jwt_verify(t, strlen(t), (const unsigned char *)KEY, KEYLEN, NOW, &p) == JWT_MALFORMED && p == NULL);
		free(t);
	}
	/* whitespace around the JSON is fine (JSON.parse accepts it) */
	t = make_token(" {\"alg\":\"HS256\"} ", "\n{}\n", EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_OK);
	free(t);
	/* deep nesting is refused, not a stack overflow */
	big = malloc(4001);
	memset(big, '[', 1000);
	memcpy(big, "{\"a\":", 5);
	big[1000] = '\0';
	t = make_token("{\"alg\":\"HS256\"}", big, EVP_sha256(), KEY);
	CHECK(verify_str(t, KEY, NOW) == JWT_MALFORMED);
	free(t);
	free(big);

	/* 10000-byte token: refused by length before any work */
	big = malloc(10001);
	memset(big, 'A', 10000);
	big[2000] = '.';
	big[4000] = '.';
	big[10000] = '\0';
	CHECK(verify_str(big, KEY, NOW) == JWT_MALFORMED);
	free(big);
	/* a valid token just over the limit is refused too */
	big = malloc(9000);
	memset(big, ' ', 8999);
	big[0] = '{';
	memcpy(big + 8990, "\"a\":1}", 7);
	t = make_token("{\"alg\":\"HS256\"}", big, EVP_sha256(), KEY);
	CHECK(strlen(t) > JWT_MAX_TOKEN && verify_str(t, KEY, NOW) == JWT_MALFORMED);
	free(t);
	free(big);
}

int main(void)
{
	/* line-buffered, so the TAP lines survive if LeakSanitizer ends the process */
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_b64();
	test_sign_verify();
	test_medusa_token();
	test_algs();
	test_tamper();
	test_time_claims();
	test_store_domain();
	test_garbage();
	HARNESS_EXIT();
}
