/*
 * auth_routes: /store/auth*. Login checks the password with the scrypt
 * parameters stored in the record, and upgrades a weaker record (Medusa's
 * N=2) to the configured cost after a successful login.
 *
 * Sessions: a login always starts a NEW session id (and deletes the one the
 * request came with), so a session id planted before login is useless
 * afterwards (session fixation); Medusa keeps the old id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cgi/limits.h"
#include "cgi/router.h"
#include "common/b64.h"
#include "common/body.h"
#include "common/config.h"
#include "common/fields.h"
#include "common/cookie.h"
#include "common/customer_json.h"
#include "common/envelope.h"
#include "common/json.h"
#include "common/jwt.h"
#include "common/password.h"
#include "common/query.h"
#include "common/respond.h"
#include "sql/customer_store.h"
#include "sql/outbox_store.h"
#include "sql/session_store.h"

#define TOKEN_TTL_S 2592000 /* 30 days, as Medusa's expiresIn: "30d" */


/*
 * A password record at the configured cost, made once per worker, that no
 * password matches (its salt and MAC come from a random password).
 */
static const char *dummy_record(struct req *r)
{
	static char rec[PASSWORD_RECORD_B64_LEN + 1];
	static unsigned logn;
	if (!rec[0] || logn != r->w->pw.logN) {
		unsigned char rnd[32];
		char pw[65];
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return "";
		b64_encode(rnd, sizeof(rnd), pw, 1, 0);
		if (password_hash(pw, strlen(pw), &r->w->pw, rec) != 0)
			rec[0] = '\0';
		OPENSSL_cleanse(pw, sizeof(pw));
		logn = r->w->pw.logN;
	}
	return rec;
}

/* Verifies email + password; on success *id is the customer id. */
static enum api_err login(struct req *r, char **id)
{
	struct json_object *b = r->json;
	enum api_err e = body_validate(r, b, &fields_login);
	if (e != API_OK)
		return e;
	const char *pw = body_secret(r, "password");
	if (!pw)
		return E_LOGIN_FAILED; /* a non-string password passes validation but never matches */
	char *email = arena_strdup_lower(&r->arena, body_str(b, "email"));
	struct store_login sl;
	enum store_rc rc = customer_store_find_login(&r->w->db, &r->arena, email, &sl);
	if (rc == STORE_UNAVAILABLE)
		return E_DB_UNAVAILABLE;
	if (rc == STORE_NO_CUSTOMER || (rc == STORE_OK && !sl.password_hash)) {
		/*
		 * Same scrypt work as a real account, so the answer time does not
		 * tell whether the email has an account.
		 */
		if ((e = limits_hash_enter(r)) != API_OK)
			return e;
		password_verify(pw, strlen(pw), dummy_record(r));
		limits_hash_leave();
		return E_LOGIN_FAILED;
	}
	if (rc != STORE_OK)
		return E_DATABASE;
	/* the account's failure count first: a locked account costs no scrypt work */
	int had_failures;
	if ((e = limits_login_allowed(r, sl.id, &had_failures)) != API_OK)
		return e;
	if ((e = limits_hash_enter(r)) != API_OK)
		return e;
	int ok = password_verify(pw, strlen(pw), sl.password_hash);
	if (ok && password_needs_rehash(sl.password_hash, &r->w->pw)) {
		char hash[PASSWORD_RECORD_B64_LEN + 1];
		if (password_hash(pw, strlen(pw), &r->w->pw, hash) == 0)
			customer_store_rehash(&r->w->db, &r->arena, sl.id, sl.password_hash, hash);
	}
	limits_hash_leave();
	limits_login_done(r, sl.id, ok, had_failures);
	if (!ok)
		return E_LOGIN_FAILED;
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
	struct env pl;
	buf_init(&p);
	env_object(&pl, &p);
	env_str(&pl, "customer_id", id);
	env_str(&pl, "domain", "store");
	env_int(&pl, "iat", iat);
	env_int(&pl, "exp", iat + TOKEN_TTL_S);
	env_end(&pl);
	const char *key = r->cfg->jwt_secret;
	char *tok = jwt_sign_hs256((const unsigned char *)key, strlen(key), p.data, p.len);
	buf_release(&p);
	if (!tok)
		return E_UNKNOWN;
	struct env ans;
	env_object(&ans, r->out);
	env_str(&ans, "access_token", tok);
	env_end(&ans);
	free(tok);
	return API_OK;
}


enum api_err auth_start_session(struct req *r, const char *customer_id)
{
	char sid[COOKIE_SID_LEN + 1], value[COOKIE_VALUE_MAX * 3], date[30];
	if (cookie_new_sid(sid) != 0)
		return E_UNKNOWN;
	long long now = req_epoch_ms();
	if (r->session_id[0])
		session_store_delete(&r->w->db, &r->arena, r->session_id);
	enum store_rc rc = session_store_create(&r->w->db, &r->arena, sid, customer_id, now, r->cfg->session_ttl);
	if (rc != STORE_OK)
		return store_fail(rc);
	if (cookie_sign(r->cfg->cookie_secret, sid, value, sizeof(value)) != 0)
		return E_UNKNOWN;
	cookie_http_date(now / 1000 + r->cfg->session_ttl, date);
	char *line = arena_printf(&r->arena, "%s=%s; Path=/; Expires=%s; HttpOnly%s", r->cfg->cookie_name, value, date,
				  r->https ? "; Secure; SameSite=None" : "");
	respond_header(r, "Set-Cookie", line);
	snprintf(r->session_id, sizeof(r->session_id), "%s", sid);
	return API_OK;
}

/* The auth-shaped customer of the current request. */
static enum api_err answer_auth_customer(struct req *r, const char *id)
{
	struct customer *c = NULL;
	enum store_rc rc = customer_store_load(&r->w->db, &r->arena, id, &c);
	if (rc == STORE_NO_CUSTOMER)
		return respond_fail(r, E_NOT_FOUND, "Customer with id: %s was not found", id);
	if (rc != STORE_OK)
		return store_fail(rc);
	char *orders = NULL;
	enum api_err e = orders_auth_json(r, id, &orders);
	if (e != API_OK)
		return e;
	c->orders_json = orders;
	customer_json_wrapped(r->out, c, CUSTOMER_AUTH);
	return API_OK;
}

enum api_err auth_session_create(struct req *r)
{
	char *id = NULL;
	enum api_err e = login(r, &id);
	if (e != API_OK)
		return e;
	if ((e = auth_start_session(r, id)) != API_OK)
		return e;
	e = answer_auth_customer(r, id);
	if (e != API_OK) {
		/* the error answer carries no cookie (respond_send): nobody can use this session */
		session_store_delete(&r->w->db, &r->arena, r->session_id);
		r->session_id[0] = '\0';
	}
	return e;
}

enum api_err auth_session_get(struct req *r)
{
	struct customer *c = NULL;
	enum api_err e = customers_load_me(r, &c);
	if (e != API_OK)
		return e;
	char *orders = NULL;
	if ((e = orders_auth_json(r, c->id, &orders)) != API_OK)
		return e;
	c->orders_json = orders;
	customer_json_wrapped(r->out, c, CUSTOMER_AUTH);
	return API_OK;
}

enum api_err auth_session_delete(struct req *r)
{
	/* bearer tokens are stateless and stay valid, as in Medusa */
	if (r->auth_by_session && r->session_id[0]) {
		enum store_rc rc = session_store_delete(&r->w->db, &r->arena, r->session_id);
		if (rc == STORE_UNAVAILABLE)
			return E_DB_UNAVAILABLE;
	}
	r->body_type = "text/plain; charset=utf-8";
	buf_adds(r->out, "OK");
	return API_OK;
}

enum api_err auth_email_exists(struct req *r)
{
	/* Express decodes route parameters with decodeURIComponent */
	char *email = query_decode_component(&r->arena, r->params[0], strlen(r->params[0]));
	if (!email)
		return respond_fail(r, E_INVALID_DATA, "URI malformed");
	email = arena_strdup_lower(&r->arena, email);
	int exists = 0;
	enum store_rc rc = customer_store_account_exists(&r->w->db, &r->arena, email, &exists);
	if (rc != STORE_OK)
		return store_fail(rc);
	struct env ans;
	env_object(&ans, r->out);
	env_bool(&ans, "exists", exists);
	env_end(&ans);
	return API_OK;
}



/* the janitor purges undelivered reset tokens after the same time (sql/janitor.c) */
#define RESET_TTL_S OUTBOX_RESET_TOKEN_TTL_S

/*
 * The account a reset is about (lower-cased "email" of a validated body).
 * API_OK with *found 0 when there is none, or none with a hash to key a token.
 */
static enum api_err reset_account(struct req *r, struct store_reset *sr, int *found)
{
	enum store_rc rc = customer_store_find_reset(&r->w->db, &r->arena,
						     arena_strdup_lower(&r->arena, body_str(r->json, "email")), sr);
	if (rc == STORE_UNAVAILABLE)
		return E_DB_UNAVAILABLE;
	if (rc != STORE_OK && rc != STORE_NO_CUSTOMER)
		return E_DATABASE;
	*found = rc == STORE_OK && sr->password_hash;
	return API_OK;
}

enum api_err customers_password_token(struct req *r)
{
	enum api_err e = body_validate(r, r->json, &fields_password_token);
	if (e != API_OK)
		return e;
	struct store_reset sr;
	int found;
	if ((e = reset_account(r, &sr, &found)) != API_OK)
		return e;
	r->status = 204;
	/* unknown email, or an account without a hash to key the token with: same answer */
	if (!found)
		return API_OK;
	long long iat = (long long)time(NULL);
	struct buf p = BUF_INIT;
	struct env pl;
	buf_init(&p);
	env_object(&pl, &p);
	env_str(&pl, "customer_id", sr.id);
	env_int(&pl, "exp", iat + RESET_TTL_S);
	env_int(&pl, "iat", iat);
	env_end(&pl);
	char *tok = jwt_sign_hs256((const unsigned char *)sr.password_hash, strlen(sr.password_hash), p.data, p.len);
	buf_release(&p);
	if (!tok)
		return E_UNKNOWN;
	/* the token leaves only through the outbox (a mailer reads it), never in the answer or the log */
	struct buf d = BUF_INIT;
	struct env ev;
	buf_init(&d);
	env_object(&ev, &d);
	env_str(&ev, "id", sr.id);
	env_str(&ev, "email", sr.email);
	env_str(&ev, "first_name", sr.first_name);
	env_str(&ev, "last_name", sr.last_name);
	env_str(&ev, "token", tok);
	env_end(&ev);
	OPENSSL_cleanse(tok, strlen(tok));
	free(tok);
	enum store_rc rc = customer_store_event(&r->w->db, &r->arena, "customer.password_reset", d.data, req_epoch_ms());
	/* the copy of the token in the event text goes too */
	OPENSSL_cleanse(d.data, d.len);
	buf_release(&d);
	if (rc != STORE_OK)
		return store_fail(rc);
	return API_OK;
}

enum api_err customers_password_reset(struct req *r)
{
	enum api_err e = body_validate(r, r->json, &fields_password_reset);
	if (e != API_OK)
		return e;
	struct store_reset sr;
	int found;
	if ((e = reset_account(r, &sr, &found)) != API_OK)
		return e;
	if (!found)
		return respond_fail(r, E_UNAUTHORIZED, "Invalid or expired password reset token");
	const char *tok = body_str(r->json, "token");
	struct json_object *claims = NULL;
	/* Medusa answers 500 for a malformed, badly signed, expired or used token; we answer 401 */
	if (jwt_verify(tok, strlen(tok), (const unsigned char *)sr.password_hash, strlen(sr.password_hash),
		       (long long)time(NULL), &claims) != JWT_OK)
		return respond_fail(r, E_UNAUTHORIZED, "Invalid or expired password reset token");
	struct json_object *cid = NULL;
	int match = json_object_object_get_ex(claims, "customer_id", &cid) && json_object_is_type(cid, json_type_string) &&
		    strcmp(json_object_get_string(cid), sr.id) == 0;
	json_object_put(claims);
	if (!match)
		return respond_fail(r, E_UNAUTHORIZED, "Invalid or expired password reset token");
	const char *pw = body_secret(r, "password");
	if (*pw) {
		char hash[PASSWORD_RECORD_B64_LEN + 1];
		if ((e = limits_password_hash(r, pw, hash)) != API_OK)
			return e;
		enum store_rc rc = customer_store_reset_password(&r->w->db, &r->arena, sr.id, sr.password_hash, hash, req_epoch_ms());
		if (rc == STORE_NO_CUSTOMER) /* a concurrent reset used the token first */
			return respond_fail(r, E_UNAUTHORIZED, "Invalid or expired password reset token");
		if (rc != STORE_OK)
			return store_fail(rc);
		limits_login_forget(r, sr.id); /* the owner proved itself: a lock-out ends */
	}
	struct customer *c = NULL;
	enum store_rc lrc = customer_store_load(&r->w->db, &r->arena, sr.id, &c);
	if (lrc != STORE_OK)
		return store_fail(lrc);
	customer_json_wrapped(r->out, c, CUSTOMER_BARE);
	return API_OK;
}
