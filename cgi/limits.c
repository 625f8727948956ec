/*
 * limits: the in-worker half of the password limits. The per-account count
 * lives in MariaDB (sql/throttle_store.c); the gate is a flag per worker in
 * the pool's shared scoreboard (cgi/pool.c). Nothing here blocks.
 */
#include "cgi/limits.h"

#include <string.h>

#include "cgi/pool.h"
#include "cgi/router.h"
#include "common/log.h"
#include "common/password.h"
#include "common/respond.h"
#include "sql/throttle_store.h"

enum api_err limits_login_allowed(struct req *r, const char *customer_id, int *had_failures)
{
	*had_failures = 0;
	if (r->cfg->login_max_failures <= 0)
		return API_OK;
	long long failures, start_ms, now = req_epoch_ms(), window_ms = r->cfg->login_failure_window * 1000LL;
	enum store_rc rc = throttle_store_get(&r->w->db, &r->arena, customer_id, &failures, &start_ms);
	if (rc != STORE_OK)
		return store_fail(rc); /* fail closed: no count, no password check */
	*had_failures = failures > 0;
	if (failures < r->cfg->login_max_failures || start_ms + window_ms <= now)
		return API_OK;
	r->retry_after_s = (long)((start_ms + window_ms - now + 999) / 1000);
	return respond_fail(r, E_TOO_MANY, "Too many failed logins for this account, retry later");
}

void limits_login_done(struct req *r, const char *customer_id, int ok, int had_failures)
{
	if (r->cfg->login_max_failures <= 0 || (ok && !had_failures))
		return;
	enum store_rc rc = ok ? throttle_store_clear(&r->w->db, &r->arena, customer_id)
			      : throttle_store_fail(&r->w->db, &r->arena, customer_id, req_epoch_ms(),
						    r->cfg->login_failure_window * 1000LL);
	if (rc != STORE_OK)
		log_warn("cannot record a login %s for customer \"%s\"", ok ? "success" : "failure", customer_id);
}

void limits_login_forget(struct req *r, const char *customer_id)
{
	if (throttle_store_clear(&r->w->db, &r->arena, customer_id) != STORE_OK)
		log_warn("cannot clear the login failures of customer \"%s\"", customer_id);
}

enum api_err limits_hash_enter(struct req *r)
{
	if (pool_hash_enter(r->cfg->password_concurrency))
		return API_OK;
	r->retry_after_s = 1;
	return respond_fail(r, E_TOO_MANY, "Too many password requests at once, retry later");
}

void limits_hash_leave(void)
{
	pool_hash_leave();
}

enum api_err limits_password_hash(struct req *r, const char *pw, char *hash)
{
	enum api_err e = limits_hash_enter(r);
	if (e != API_OK)
		return e;
	int rc = password_hash(pw, strlen(pw), &r->w->pw, hash);
	limits_hash_leave();
	return rc == 0 ? API_OK : E_UNKNOWN;
}
