/*
 * idempotency: how every state-changing request (POST, DELETE) runs (API.md section 10).
 *
 * The handler runs inside the request transaction (sql/db.c): all its writes, and the answer
 * stored for its Idempotency-Key, commit together once. So:
 *   - a 503 means nothing was applied (a handler's 5xx rolls everything back), and an answer
 *     of 2xx/4xx means its writes are committed;
 *   - a COMMIT whose connection died is resolved before answering (the worker's tx_marker
 *     row); when that is impossible the answer is 500 "outcome unknown", which no balancer
 *     resends (nginx resends 503s only);
 *   - with an Idempotency-Key, the first answer is stored in the same transaction and given
 *     again for the same key (any pool, any node); another request with that key is 409.
 *     Two requests with one key at once: the second waits for the first's row and replays it.
 *     Only requests that wrote something store their answer: the others can run again as they are.
 * A conflict (deadlock, Galera certification) runs the whole handler again within
 * db_retry_again's budget.
 */
#include "cgi/idempotency.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/log.h"
#include "common/respond.h"
#include "sql/idem_store.h"

/* Key characters: UUIDs, ULIDs, base64 and the like; nothing that could bend a header. */
static int key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > IDEM_KEY_MAX)
		return 0;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("-_.:~+/=", *p)))
			return 0;
	return 1;
}

/* SHA-256 (hex) of method, request target and body: what "the same request" means. */
static int fingerprint(struct req *r, char out[IDEM_FINGERPRINT_LEN + 1])
{
	const char *uri = FCGX_GetParam("REQUEST_URI", r->envp);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(ctx, r->method, strlen(r->method) + 1) == 1 &&
		 EVP_DigestUpdate(ctx, uri ? uri : r->path, strlen(uri ? uri : r->path) + 1) == 1 &&
		 EVP_DigestUpdate(ctx, r->body ? r->body : "", r->body ? r->body_len : 0) == 1 &&
		 EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* What a handler may change on r, put back before it runs again. */
struct saved {
	char customer_id[REQ_ID_MAX], session_id[REQ_ID_MAX];
	long long auth_issued_ms;
	int auth_by_session;
};

static void save(const struct req *r, struct saved *s)
{
	memcpy(s->customer_id, r->customer_id, sizeof(s->customer_id));
	memcpy(s->session_id, r->session_id, sizeof(s->session_id));
	s->auth_issued_ms = r->auth_issued_ms;
	s->auth_by_session = r->auth_by_session;
}

/* Forgets the answer so far (and restores s when given): the request starts over or fails. */
static void reset(struct req *r, const struct saved *s)
{
	if (s) {
		memcpy(r->customer_id, s->customer_id, sizeof(r->customer_id));
		memcpy(r->session_id, s->session_id, sizeof(r->session_id));
		r->auth_issued_ms = s->auth_issued_ms;
		r->auth_by_session = s->auth_by_session;
	}
	buf_reset(r->out);
	buf_reset(r->headers);
	r->status = 200;
	r->err = API_OK;
	r->errmsg = NULL;
	r->rendered = 0;
	r->body_type = "application/json; charset=utf-8";
}

/* Answers with what was stored for the key. */
static void replay(struct req *r, const struct idem_answer *ans)
{
	reset(r, NULL);
	r->status = ans->status;
	r->body_type = ans->content_type[0] ? arena_strdup(&r->arena, ans->content_type) : r->body_type;
	buf_add(r->out, ans->body, ans->body_len);
	buf_add(r->headers, ans->headers, ans->headers_len);
	respond_header(r, "Idempotent-Replayed", "true");
}

/* Answers that say "nothing happened, try again" are not the key's answer. */
static int storable(int status)
{
	return status < 500 && status != 409 && status != 429;
}

/* A failure of the store or the commit: the answer becomes err (nothing of the handler's stays). */
static enum api_err fail(struct req *r, enum db_rc rc)
{
	reset(r, NULL);
	if (rc == DB_UNKNOWN)
		return E_OUTCOME_UNKNOWN;
	return rc == DB_ERROR ? E_DATABASE : E_DB_UNAVAILABLE;
}

static enum api_err run(struct req *r, const struct route *rt, const char *key)
{
	struct db *db = &r->w->db;
	char scope[IDEM_SCOPE_MAX + 1], fp[IDEM_FINGERPRINT_LEN + 1];
	struct saved s;
	save(r, &s);
	if (key) {
		if (r->customer_id[0])
			snprintf(scope, sizeof(scope), "%s", r->customer_id);
		else
			snprintf(scope, sizeof(scope), "anon %s %s", rt->method, rt->pattern);
		if (fingerprint(r, fp) != 0)
			return E_UNKNOWN;
	}
	for (int attempt = 0;; attempt++) {
		enum db_rc rc;
		if (key) {
			struct idem_answer old;
			int found = 0;
			if ((rc = idem_store_get(db, &r->arena, scope, key, &found, &old)) != DB_OK)
				return fail(r, rc);
			if (found && strcmp(old.fingerprint, fp) != 0)
				return respond_fail(r, E_CONFLICT, NULL);
			if (found) {
				replay(r, &old);
				return API_OK;
			}
		}
		db_request_tx_begin(db);
		enum api_err e = rt->fn(r);
		if (e != API_OK)
			r->err = e;
		respond_render(r);
		if (db_request_tx_conflict(db)) {
			rc = DB_RETRY;
		} else if (r->status >= 500) {
			/* the handler failed: whatever it wrote goes (a session's Set-Cookie with it),
			 * so its 5xx is true */
			db_request_tx_abort(db);
			enum api_err err = r->err != API_OK ? r->err : E_UNKNOWN;
			char *msg = r->errmsg;
			reset(r, NULL);
			r->errmsg = msg;
			return err;
		} else {
			rc = DB_OK;
			/* a request that wrote nothing has nothing to apply twice: no row (a keyed
			 * login, a search, a 400 cost no write) */
			if (key && storable(r->status) && db_request_tx_open(db)) {
				struct idem_answer ans = {
					r->status, r->body_type, r->headers->data, r->headers->len,
					r->out->data, r->out->len, fp,
				};
				rc = idem_store_put(db, &r->arena, scope, key, &ans, req_epoch_ms());
			} else if (key) {
				/* nothing to store; but a request with this key may have committed while this
				 * one ran, and this one saw its effect (a 422 for the email it registered):
				 * then its answer is the key's answer */
				struct idem_answer other;
				int found = 0;
				rc = idem_store_get(db, &r->arena, scope, key, &found, &other);
				if (rc == DB_OK && found)
					rc = DB_DUPLICATE;
			}
			if (rc == DB_OK)
				rc = db_request_tx_commit(db, &r->arena);
		}
		if (rc == DB_OK)
			return r->err;
		db_request_tx_abort(db);
		/* a conflict, or the key's answer stored by another request meanwhile: from the top */
		if ((rc == DB_RETRY && db_retry_again(db, attempt)) || (rc == DB_DUPLICATE && attempt < 3)) {
			reset(r, &s);
			continue;
		}
		if (rc == DB_DUPLICATE)
			rc = DB_RETRY;
		return fail(r, rc);
	}
}

enum api_err idempotency_run(struct req *r, const struct route *rt)
{
	const char *key = FCGX_GetParam("HTTP_IDEMPOTENCY_KEY", r->envp);
	if (key && !key_ok(key))
		return respond_fail(r, E_INVALID_DATA,
				    "Idempotency-Key must be 1 to %d characters of A-Z, a-z, 0-9 and - _ . : ~ + / =",
				    IDEM_KEY_MAX);
	if (key)
		key = arena_strdup(&r->arena, key);
	enum api_err e = run(r, rt, key);
	if (key) {
		/* as Medusa: the key comes back, and a browser script may read it (CORS) */
		respond_header(r, "Idempotency-Key", key);
		respond_header(r, "Access-Control-Expose-Headers", "Idempotency-Key");
	}
	return e;
}
