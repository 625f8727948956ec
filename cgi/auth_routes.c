/*
 * auth_routes: /store/auth*. Login checks the password with the scrypt
 * parameters stored in the record, and upgrades a weaker record (Medusa's
 * N=2) to the configured cost after a successful login.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/router.h"
#include "common/body.h"
#include "common/json.h"
#include "common/jwt.h"
#include "common/password.h"
#include "common/respond.h"
#include "sql/customer_store.h"

#define TOKEN_TTL_S 2592000 /* 30 days, as Medusa's expiresIn: "30d" */

static const struct field_spec login_fields[] = {
	{ "email", FK_EMAIL, 1, 0, NULL },
	{ "password", FK_NOT_EMPTY, 1, 0, NULL },
};
static const struct field_set login_set = FIELD_SET(login_fields);

/* Verifies email + password; on success *id is the customer id. */
static enum api_err login(struct req *r, char **id)
{
	struct json_object *b = r->json;
	enum api_err e = body_validate(r, b, &login_set);
	if (e != API_OK)
		return e;
	const char *pw = body_str(b, "password");
	if (!pw)
		return E_LOGIN_FAILED; /* a non-string password passes validation but never matches */
	char *email = arena_strdup(&r->arena, body_str(b, "email"));
	for (char *p = email; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 32;
	struct store_login sl;
	enum store_rc rc = customer_store_find_login(&r->w->db, &r->arena, email, &sl);
	if (rc == STORE_UNAVAILABLE)
		return E_DB_UNAVAILABLE;
	if (rc == STORE_NO_CUSTOMER || (rc == STORE_OK && !sl.password_hash))
		return E_LOGIN_FAILED;
	if (rc != STORE_OK)
		return E_DATABASE;
	if (!password_verify(pw, strlen(pw), sl.password_hash))
		return E_LOGIN_FAILED;
	if (password_needs_rehash(sl.password_hash, &r->w->pw)) {
		char hash[PASSWORD_RECORD_B64_LEN + 1];
		if (password_hash(pw, strlen(pw), &r->w->pw, hash) == 0)
			customer_store_rehash(&r->w->db, &r->arena, sl.id, sl.password_hash, hash);
	}
	*id = sl.id;
	return API_OK;
}

enum api_err auth_token(struct req *r)
{
	char *id = NULL;
	enum api_err e = login(r, &id);
	if (e != API_OK)
		return e;
	long long iat = (long long)time(NULL);
	struct buf p = BUF_INIT;
	buf_init(&p);
	buf_adds(&p, "{\"customer_id\":");
	json_w_strz(&p, id);
	buf_addf(&p, ",\"domain\":\"store\",\"iat\":%lld,\"exp\":%lld}", iat, iat + TOKEN_TTL_S);
	const char *key = r->cfg->jwt_secret;
	char *tok = jwt_sign_hs256((const unsigned char *)key, strlen(key), p.data, p.len);
	buf_release(&p);
	if (!tok)
		return E_UNKNOWN;
	buf_adds(r->out, "{\"access_token\":");
	json_w_strz(r->out, tok);
	buf_addc(r->out, '}');
	free(tok);
	return API_OK;
}

/* placeholders: being written now */
enum api_err auth_session_create(struct req *r) { return respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path); }
enum api_err auth_session_get(struct req *r) { return respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path); }
enum api_err auth_session_delete(struct req *r) { return respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path); }
enum api_err auth_email_exists(struct req *r) { return respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path); }
enum api_err customers_password_token(struct req *r) { return respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path); }
enum api_err customers_password_reset(struct req *r) { return respond_fail(r, E_NOT_FOUND, "Cannot %s %s", r->method, r->path); }
