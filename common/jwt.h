/*
 * jwt: HS256 signing and HS256/HS384/HS512 verification of compact JWS tokens,
 * compatible with node's jsonwebtoken 9 as Medusa v1 uses it (Bearer tokens of
 * POST /store/auth/token, password reset tokens). Keys are borrowed from the
 * caller; nothing here logs token contents.
 */
#ifndef JWT_H
#define JWT_H
#include <stddef.h>

struct json_object;

enum jwt_status {
	JWT_OK = 0,
	JWT_MALFORMED,    /* not three base64url segments, bad JSON, too long, bad claim type */
	JWT_BAD_ALG,      /* header alg missing or not HS256/HS384/HS512 ("none" included) */
	JWT_BAD_SIG,      /* HMAC does not match */
	JWT_EXPIRED,      /* now >= exp */
	JWT_NOT_BEFORE,   /* nbf > now */
	JWT_WRONG_DOMAIN  /* not a store customer token (jwt_store_customer only) */
};

/* Longest token jwt_verify() looks at; longer ones are JWT_MALFORMED. */
#define JWT_MAX_TOKEN 8192

/*
 * HS256 sign. The header is exactly {"alg":"HS256","typ":"JWT"} and
 * payload_json is used byte for byte as the payload (so the caller controls
 * key order, as jsonwebtoken's sign does).
 * Returns a malloc'd NUL-terminated token, caller frees; NULL on failure.
 */
char *jwt_sign_hs256(const unsigned char *key, size_t keylen, const char *payload_json, size_t payload_len);

/*
 * Verifies token[0..len) like jsonwebtoken 9 verify() with default options:
 * alg must be HS256, HS384 or HS512; the signature is recomputed and compared
 * in constant time; the payload must be a JSON object; "exp" and "nbf", when
 * present, must be numbers and are enforced against now (unix seconds).
 * On JWT_OK, *payload_out (if non-NULL) receives the parsed payload and the
 * caller owns it (json_object_put()); on error *payload_out is set to NULL.
 * Safe on any input.
 */
enum jwt_status jwt_verify(const char *token, size_t len, const unsigned char *key, size_t keylen,
                           long long now, struct json_object **payload_out);

/*
 * Store bearer token: jwt_verify(), then the payload must carry
 * "domain":"store" and a non-empty string "customer_id" (else
 * JWT_WRONG_DOMAIN). customer_id is copied NUL-terminated into id_out (too
 * long for idsz, or containing NUL: JWT_MALFORMED); the "iat" claim goes to
 * *iat_out (0 if absent or not a number). On error id_out is "" (if idsz > 0)
 * and *iat_out is 0.
 */
enum jwt_status jwt_store_customer(const char *token, size_t len, const unsigned char *key, size_t keylen,
                                   long long now, char *id_out, size_t idsz, long long *iat_out);

#endif
