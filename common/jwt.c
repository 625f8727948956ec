/*
 * jwt: compact JWS (RFC 7515) with HMAC-SHA2, shaped after jsonwebtoken 9 /
 * jws 3 as used by Medusa v1, so tokens pass both ways between Medusa and us.
 * Owns: segment splitting, alg whitelist, constant-time signature check,
 * exp/nbf enforcement and the store-customer claim check. Memory: the signed
 * token is malloc'd for the caller; the parsed payload is handed to the caller;
 * everything else lives on the stack of one call. Token text is never logged.
 */
#include "common/jwt.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/b64.h"

/* base64url of {"alg":"HS256","typ":"JWT"}: the header jsonwebtoken's sign() emits */
#define JWT_HS256_HEADER_B64 "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
/* Tokens are tiny flat objects; a low depth limit keeps hostile nesting cheap. */
#define JWT_JSON_DEPTH 16
/* Decoded segments are at most 3/4 of the token length. */
#define JWT_MAX_DECODED (JWT_MAX_TOKEN / 4 * 3 + 3)

/*
 * HMAC over data with key. HMAC() takes an int key length and, in some
 * OpenSSL versions, refuses a NULL key, so both edge cases are handled here.
 * Returns 0 and fills mac/maclen, or -1.
 */
static int jwt_hmac(const EVP_MD *md, const unsigned char *key, size_t keylen, const unsigned char *data,
                    size_t datalen, unsigned char mac[EVP_MAX_MD_SIZE], unsigned int *maclen)
{
	static const unsigned char empty_key[1];

	if (keylen > INT_MAX)
		return -1;
	if (key == NULL || keylen == 0) {
		key = empty_key;
		keylen = 0;
	}
	if (HMAC(md, key, (int)keylen, data, datalen, mac, maclen) == NULL)
		return -1;
	return 0;
}

char *jwt_sign_hs256(const unsigned char *key, size_t keylen, const char *payload_json, size_t payload_len)
{
	static const char header[] = JWT_HS256_HEADER_B64;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t hlen = sizeof(header) - 1, plen, slen, total, off;
	char *tok;

	if (payload_json == NULL || payload_len > SIZE_MAX / 2)
		return NULL;
	plen = b64_encoded_len(payload_len, 0);
	slen = b64_encoded_len(32, 0);
	total = hlen + 1 + plen + 1 + slen + 1;
	tok = malloc(total);
	if (tok == NULL)
		return NULL;
	memcpy(tok, header, hlen);
	tok[hlen] = '.';
	off = hlen + 1;
	off += b64_encode((const unsigned char *)payload_json, payload_len, tok + off, 1, 0);
	if (jwt_hmac(EVP_sha256(), key, keylen, (const unsigned char *)tok, off, mac, &maclen) != 0 || maclen != 32) {
		OPENSSL_cleanse(mac, sizeof(mac));
		free(tok);
		return NULL;
	}
	tok[off++] = '.';
	off += b64_encode(mac, maclen, tok + off, 1, 0);
	OPENSSL_cleanse(mac, sizeof(mac));
	return tok;
}

/* jws accepts only /^[a-zA-Z0-9\-_]+?\.[a-zA-Z0-9\-_]+?\.([a-zA-Z0-9\-_]+)?$/ */
static int jwt_is_b64url(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/*
 * json-c's strict mode still accepts single-quoted strings, NaN/Infinity,
 * trailing comments and raw control characters in strings, all of which
 * JSON.parse (and so Medusa) refuses. This lexical pass closes those gaps:
 * outside strings only structural characters, whitespace, number characters
 * and the letters of true/false/null may appear; inside strings no byte below
 * 0x20. json-c then checks the grammar.
 */
static int jwt_json_lexically_ok(const unsigned char *s, size_t n)
{
	size_t i;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (in_str) {
			if (c < 0x20)
				return 0;
			if (c == '\\')
				i++; /* skip the escaped char; json-c validates the escape */
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (!strchr("{}[]:, \t\n\r0123456789-+.eEtrufalsn", c) || c == '\0')
			return 0;
	}
	return !in_str;
}

/*
 * Strict JSON parse of a decoded segment: UTF-8 validated, depth limited,
 * nothing but whitespace after the value (JSON.parse semantics).
 * Returns a new reference or NULL.
 */
static struct json_object *jwt_parse_json(const unsigned char *buf, size_t n)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t end;

	if (n == 0 || n > INT_MAX || !jwt_json_lexically_ok(buf, n))
		return NULL;
	tok = json_tokener_new_ex(JWT_JSON_DEPTH);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	obj = json_tokener_parse_ex(tok, (const char *)buf, (int)n);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		json_tokener_free(tok);
		return NULL;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < n && (buf[end] == ' ' || buf[end] == '\t' || buf[end] == '\n' || buf[end] == '\r'))
		end++;
	if (end != n) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* The digest for a header "alg" value, or NULL if that alg is refused. */
static const EVP_MD *jwt_alg_md(struct json_object *header)
{
	struct json_object *alg;
	const char *s;

	if (!json_object_object_get_ex(header, "alg", &alg) || !json_object_is_type(alg, json_type_string))
		return NULL;
	s = json_object_get_string(alg);
	if ((size_t)json_object_get_string_len(alg) != 5)
		return NULL; /* also catches embedded NULs */
	if (strcmp(s, "HS256") == 0)
		return EVP_sha256();
	if (strcmp(s, "HS384") == 0)
		return EVP_sha384();
	if (strcmp(s, "HS512") == 0)
		return EVP_sha512();
	return NULL;
}

/*
 * Numeric claim lookup. Returns 0 if absent, 1 if a finite number (stored in
 * *out), -1 if present with another type (jsonwebtoken: "invalid exp value").
 */
static int jwt_num_claim(struct json_object *payload, const char *name, double *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(payload, name, &v))
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);
		*out = (double)i; /* JS numbers are doubles too */
		return 1;
	}
	if (json_object_is_type(v, json_type_double)) {
		*out = json_object_get_double(v);
		return isfinite(*out) ? 1 : -1;
	}
	return -1;
}

enum jwt_status jwt_verify(const char *token, size_t len, const unsigned char *key, size_t keylen,
                           long long now, struct json_object **payload_out)
{
	unsigned char buf[JWT_MAX_DECODED];
	unsigned char mac[EVP_MAX_MD_SIZE];
	char macb64[EVP_MAX_MD_SIZE / 3 * 4 + 4];
	unsigned int maclen = 0;
	struct json_object *header = NULL, *payload = NULL;
	const char *dot1, *dot2, *sig;
	const EVP_MD *md;
	size_t hlen, plen, siglen, dlen, mlen;
	double t;
	int r;
	enum jwt_status ret = JWT_MALFORMED;

	if (payload_out)
		*payload_out = NULL;
	if (token == NULL || len == 0 || len > JWT_MAX_TOKEN)
		goto out;
	dot1 = memchr(token, '.', len);
	if (dot1 == NULL)
		goto out;
	dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
	if (dot2 == NULL)
		goto out;
	hlen = (size_t)(dot1 - token);
	plen = (size_t)(dot2 - dot1 - 1);
	sig = dot2 + 1;
	siglen = len - (size_t)(sig - token);
	if (hlen == 0 || plen == 0 || !jwt_is_b64url(token, hlen) || !jwt_is_b64url(dot1 + 1, plen) ||
	    !jwt_is_b64url(sig, siglen))
		goto out; /* also rejects a third dot, '=' padding and NULs */

	if (b64_decode(token, hlen, buf, sizeof(buf), &dlen, 1) != 0)
		goto out;
	header = jwt_parse_json(buf, dlen);
	if (header == NULL || !json_object_is_type(header, json_type_object))
		goto out;
	md = jwt_alg_md(header);
	if (md == NULL) {
		ret = JWT_BAD_ALG;
		goto out;
	}

	/*
	 * Like jwa, compare the base64url text of the expected MAC with the
	 * token's signature segment: non-canonical encodings of the right MAC are
	 * refused, exactly as Medusa refuses them.
	 */
	ret = JWT_BAD_SIG;
	if (jwt_hmac(md, key, keylen, (const unsigned char *)token, (size_t)(dot2 - token), mac, &maclen) != 0)
		goto out;
	mlen = b64_encode(mac, maclen, macb64, 1, 0);
	if (siglen != mlen || CRYPTO_memcmp(macb64, sig, mlen) != 0)
		goto out;

	ret = JWT_MALFORMED;
	if (b64_decode(dot1 + 1, plen, buf, sizeof(buf), &dlen, 1) != 0)
		goto out;
	payload = jwt_parse_json(buf, dlen);
	if (payload == NULL || !json_object_is_type(payload, json_type_object))
		goto out;

	/* jsonwebtoken checks nbf before exp, so a token failing both reports nbf */
	r = jwt_num_claim(payload, "nbf", &t);
	if (r < 0)
		goto out;
	if (r > 0 && t > (double)now) {
		ret = JWT_NOT_BEFORE;
		goto out;
	}
	r = jwt_num_claim(payload, "exp", &t);
	if (r < 0)
		goto out;
	if (r > 0 && (double)now >= t) {
		ret = JWT_EXPIRED;
		goto out;
	}

	ret = JWT_OK;
	if (payload_out) {
		*payload_out = payload;
		payload = NULL;
	}
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	OPENSSL_cleanse(buf, sizeof(buf));
	json_object_put(header);
	json_object_put(payload);
	return ret;
}

enum jwt_status jwt_store_customer(const char *token, size_t len, const unsigned char *key, size_t keylen,
                                   long long now, char *id_out, size_t idsz, long long *iat_out)
{
	struct json_object *payload = NULL, *v;
	enum jwt_status ret;
	const char *id;
	size_t idlen;
	double t;

	if (id_out && idsz > 0)
		id_out[0] = '\0';
	if (iat_out)
		*iat_out = 0;
	ret = jwt_verify(token, len, key, keylen, now, &payload);
	if (ret != JWT_OK)
		goto out;

	ret = JWT_WRONG_DOMAIN;
	if (!json_object_object_get_ex(payload, "domain", &v) || !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) != 5 || strcmp(json_object_get_string(v), "store") != 0)
		goto out;
	if (!json_object_object_get_ex(payload, "customer_id", &v) || !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) <= 0)
		goto out;

	ret = JWT_MALFORMED;
	id = json_object_get_string(v);
	idlen = (size_t)json_object_get_string_len(v);
	if (id_out == NULL || idlen >= idsz || memchr(id, '\0', idlen) != NULL)
		goto out;
	memcpy(id_out, id, idlen);
	id_out[idlen] = '\0';

	if (iat_out && json_object_object_get_ex(payload, "iat", &v)) {
		if (json_object_is_type(v, json_type_int)) {
			*iat_out = (long long)json_object_get_int64(v);
		} else if (jwt_num_claim(payload, "iat", &t) > 0) {
			/* clamp before converting: an out-of-range double to integer is UB */
			if (t >= 9.2e18)
				*iat_out = LLONG_MAX;
			else if (t <= -9.2e18)
				*iat_out = LLONG_MIN;
			else {
				long long i = (long long)t;
				*iat_out = (double)i > t ? i - 1 : i; /* floor, without libm */
			}
		}
	}
	ret = JWT_OK;
out:
	json_object_put(payload);
	return ret;
}
