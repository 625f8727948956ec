/*
 * config: one table row per option; config_load() walks the table, parses
 * each value with a bounded parser (never atoi), and collects every problem
 * before refusing to start.
 */
#include "common/config.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/webhook.h"

enum opt_type { OPT_STR, OPT_LONG };

#define SECRET_MIN 32

struct opt {
	const char *name;
	enum opt_type type;
	size_t off;
	const char *def;    /* NULL: required */
	long min, max;      /* OPT_LONG bounds; OPT_STR: min/max length */
	int secret;
	const char *help;
};

#define O(f) offsetof(struct config, f)
static const struct opt opts[] = {
	{ "DATABASE_URL", OPT_STR, O(database_url), NULL, 1, 2048, 1,
	  "mysql://user[:pass]@host[:port]/db or mysql://user@localhost/db?socket=/path" },
	/* HMAC keys: at least 32 bytes (256 bits, the output size of SHA-256), so a key
	 * cannot be guessed offline from one signed token or cookie */
	{ "JWT_SECRET", OPT_STR, O(jwt_secret), NULL, SECRET_MIN, 4096, 1, "HMAC key of bearer tokens" },
	{ "COOKIE_SECRET", OPT_STR, O(cookie_secret), NULL, SECRET_MIN, 4096, 1, "HMAC key of session cookies" },
	{ "STORE_CORS", OPT_STR, O(store_cors), "", 0, 8192, 0, "allowed origins, comma separated, /regex/ allowed" },
	{ "LISTEN", OPT_STR, O(listen), "unix:var/medusa-c.sock", 0, 1024, 0, "unix:/path or 127.0.0.1:9000" },
	{ "WORKERS", OPT_LONG, O(workers), "0", 0, 512, 0, "worker processes (0 = number of CPUs)" },
	{ "MAX_BODY", OPT_LONG, O(max_body), "102400", 64, 64L << 20, 0, "largest request body in bytes" },
	{ "JSON_DEPTH", OPT_LONG, O(json_depth), "32", 2, 1000, 0, "deepest JSON nesting accepted" },
	{ "MAX_REQUESTS", OPT_LONG, O(max_requests), "0", 0, 1L << 40, 0, "recycle a worker after N requests (0 = never)" },
	{ "REQUEST_TIMEOUT", OPT_LONG, O(request_timeout), "30", 1, 3600, 0, "seconds before a stuck worker is replaced" },
	{ "PASSWORD_SCRYPT_LOGN", OPT_LONG, O(scrypt_logn), "15", 1, 20, 0, "scrypt cost log2(N) of new hashes" },
	{ "PASSWORD_SCRYPT_R", OPT_LONG, O(scrypt_r), "8", 1, 32, 0, "scrypt block size r of new hashes" },
	{ "PASSWORD_SCRYPT_P", OPT_LONG, O(scrypt_p), "1", 1, 16, 0, "scrypt parallelism p of new hashes" },
	{ "SESSION_COOKIE_NAME", OPT_STR, O(cookie_name), "connect.sid", 1, 64, 0, "session cookie name" },
	{ "SESSION_TTL", OPT_LONG, O(session_ttl), "36000", 60, 31536000, 0, "session lifetime in seconds" },
	{ "LOG_REQUESTS", OPT_LONG, O(log_requests), "1", 0, 1, 0, "one log line per request" },
	{ "TRUST_PROXY", OPT_LONG, O(trust_proxy), "1", 0, 1, 0, "trust X-Forwarded-Proto from the web server" },
	{ "DB_SYNC_WAIT", OPT_LONG, O(db_sync_wait), "0", 0, 15, 0,
	  "Galera: wsrep_sync_wait for every session (1 = reads see all writes committed cluster-wide)" },
	{ "PASSWORD_LISTEN", OPT_STR, O(password_listen), "", 0, 1024, 0,
	  "socket of the password pool (unix:/path or host:port; empty = no separate pool)" },
	{ "PASSWORD_WORKERS", OPT_LONG, O(password_workers), "1", 1, 64, 0, "workers of the password pool" },
	{ "PASSWORD_NICE", OPT_LONG, O(password_nice), "10", 0, 19, 0,
	  "nice value of the password pool's workers and of their CPU group (autogroup)" },
	{ "PASSWORD_CONCURRENCY", OPT_LONG, O(password_concurrency), "1", 0, 512, 0,
	  "main-pool workers that may hash a password at once (429 beyond)" },
	{ "LOGIN_MAX_FAILURES", OPT_LONG, O(login_max_failures), "10", 0, 1000000, 0,
	  "failed logins per account and window before 429 (0 = no limit)" },
	{ "LOGIN_FAILURE_WINDOW", OPT_LONG, O(login_failure_window), "900", 1, 86400, 0,
	  "seconds of the per-account failure window" },
	{ "FAULT_INJECT", OPT_STR, O(fault_inject), "", 0, 64, 0,
	  "test stacks only (needs MEDUSA_C_TEST_FAULTS=1): drop-after-commit:N, drop-before-commit:N or "
	  "lose-outcome:N cuts the database connection at every Nth request COMMIT of a worker; reprepare:N "
	  "prepares every statement of every Nth request again (inside its transaction)" },
	{ "EVENTS_WEBHOOK_URL", OPT_STR, O(events_url), "", 0, 2048, 0,
	  "http://host[:port]/path the outbox relay POSTs events to (empty = no relay)" },
	{ "EVENTS_WEBHOOK_SECRET", OPT_STR, O(events_secret), "", 0, 4096, 1,
	  "HMAC-SHA256 key of X-Medusa-Signature, at least 32 bytes (required with EVENTS_WEBHOOK_URL)" },
	{ "EVENTS_TIMEOUT", OPT_LONG, O(events_timeout), "10", 1, 300, 0, "seconds for one delivery (connect, send, answer)" },
	{ "EVENTS_POLL_MS", OPT_LONG, O(events_poll_ms), "1000", 20, 60000, 0, "milliseconds between looks at the outbox" },
	{ "EVENTS_RETRY_MIN", OPT_LONG, O(events_retry_min), "5", 1, 86400, 0, "seconds before the first retry (doubles)" },
	{ "EVENTS_RETRY_MAX", OPT_LONG, O(events_retry_max), "3600", 1, 86400, 0, "longest pause between retries, seconds" },
	{ "EVENTS_RETENTION", OPT_LONG, O(events_retention), "86400", 0, 31536000, 0,
	  "seconds a delivered event stays in event_outbox" },
	{ "EVENTS_MAX_AGE", OPT_LONG, O(events_max_age), "259200", 60, 31536000, 0,
	  "seconds an undelivered event is kept (then deleted, with a warning)" },
	{ "JANITOR_INTERVAL", OPT_LONG, O(janitor_interval), "300", 1, 86400, 0,
	  "seconds between purges of expired sessions, reset tokens and old events" },
};
#undef O

static int parse_long(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		abort();
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Percent-decodes a URL component in place. */
static void url_unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '%' && r[1] && r[2]) {
			char hex[3] = { r[1], r[2], 0 };
			char *e;
			long v = strtol(hex, &e, 16);
			if (!*e && v > 0) {
				*w++ = (char)v;
				r += 2;
				continue;
			}
		}
		*w++ = *r;
	}
	*w = '\0';
}

static int parse_db_url(struct config *c, char *err, size_t errsz)
{
	const char *u = c->database_url;
	const char *p = strstr(u, "://");
	if (!p || !(strncmp(u, "mysql://", 8) == 0 || strncmp(u, "mariadb://", 10) == 0)) {
		snprintf(err, errsz, "DATABASE_URL: must start with mysql:// or mariadb://\n");
		return -1;
	}
	p += 3;
	const char *at = strrchr(p, '@');
	const char *hostpart = p;
	c->db_user = xstrndup("root", 4);
	c->db_pass = NULL;
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		free(c->db_user);
		if (colon) {
			c->db_user = xstrndup(p, (size_t)(colon - p));
			c->db_pass = xstrndup(colon + 1, (size_t)(at - colon - 1));
			url_unescape(c->db_pass);
		} else {
			c->db_user = xstrndup(p, (size_t)(at - p));
		}
		url_unescape(c->db_user);
		hostpart = at + 1;
	}
	const char *slash = strchr(hostpart, '/');
	if (!slash || !slash[1] || slash[1] == '?') {
		snprintf(err, errsz, "DATABASE_URL: missing database name after the host\n");
		return -1;
	}
	const char *q = strchr(slash, '?');
	c->db_name = xstrndup(slash + 1, q ? (size_t)(q - slash - 1) : strlen(slash + 1));
	const char *pc = memchr(hostpart, ':', (size_t)(slash - hostpart));
	c->db_port = 0;
	if (pc) {
		char tmp[16];
		size_t n = (size_t)(slash - pc - 1);
		long port;
		if (n == 0 || n >= sizeof(tmp)) {
			snprintf(err, errsz, "DATABASE_URL: bad port\n");
			return -1;
		}
		memcpy(tmp, pc + 1, n);
		tmp[n] = '\0';
		if (parse_long(tmp, &port) || port < 1 || port > 65535) {
			snprintf(err, errsz, "DATABASE_URL: port must be 1..65535\n");
			return -1;
		}
		c->db_port = (unsigned)port;
	}
	c->db_host = xstrndup(hostpart, (size_t)((pc ? pc : slash) - hostpart));
	c->db_socket = NULL;
	if (q) {
		const char *s = strstr(q, "socket=");
		if (s) {
			s += 7;
			size_t n = strcspn(s, "&");
			c->db_socket = xstrndup(s, n);
			url_unescape(c->db_socket);
		}
	}
	return 0;
}

/* FAULT_INJECT: a test switch that breaks database connections on purpose; refused elsewhere. */
static int parse_fault(struct config *c, char *err, size_t errsz)
{
	static const struct {
		const char *name;
		enum fault_mode mode;
	} modes[] = {
		{ "drop-after-commit:", FAULT_DROP_AFTER_COMMIT },
		{ "drop-before-commit:", FAULT_DROP_BEFORE_COMMIT },
		{ "lose-outcome:", FAULT_LOSE_OUTCOME },
		{ "reprepare:", FAULT_REPREPARE },
	};
	c->fault_mode = FAULT_NONE;
	if (!c->fault_inject || !*c->fault_inject)
		return 0;
	const char *t = getenv("MEDUSA_C_TEST_FAULTS");
	if (!t || strcmp(t, "1") != 0) {
		snprintf(err, errsz, "FAULT_INJECT: drops database connections on purpose, for test stacks only; "
				     "refused unless MEDUSA_C_TEST_FAULTS=1\n");
		return -1;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		size_t n = strlen(modes[i].name);
		if (strncmp(c->fault_inject, modes[i].name, n) == 0 && parse_long(c->fault_inject + n, &c->fault_every) == 0 &&
		    c->fault_every >= 1 && c->fault_every <= 1000000) {
			c->fault_mode = modes[i].mode;
			return 0;
		}
	}
	snprintf(err, errsz, "FAULT_INJECT: \"%s\" is not drop-after-commit:N, drop-before-commit:N, lose-outcome:N or "
			     "reprepare:N (N in 1..1000000)\n", c->fault_inject);
	return -1;
}

int config_load(struct config *cfg, char *err, size_t errsz)
{
	memset(cfg, 0, sizeof(*cfg));
	size_t used = 0;
	int bad = 0;
	err[0] = '\0';
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *o = &opts[i];
		const char *v = getenv(o->name);
		if (!v)
			v = o->def;
		if (!v) {
			used += (size_t)snprintf(err + used, used < errsz ? errsz - used : 0,
						 "%s: required (%s)\n", o->name, o->help);
			bad = 1;
			continue;
		}
		if (o->type == OPT_STR) {
			size_t n = strlen(v);
			if (o->secret && o->min == SECRET_MIN && (long)n < o->min) {
				/* the length of a secret is not printed: it says something about the key */
				used += (size_t)snprintf(err + used, used < errsz ? errsz - used : 0,
							 "%s: too short, must be at least %d bytes (%s; make one with: "
							 "openssl rand -hex 32)\n", o->name, SECRET_MIN, o->help);
				bad = 1;
				continue;
			}
			if ((long)n < o->min || (long)n > o->max) {
				used += (size_t)snprintf(err + used, used < errsz ? errsz - used : 0,
							 "%s: length must be %ld..%ld (%s)\n", o->name, o->min, o->max, o->help);
				bad = 1;
				continue;
			}
			*(char **)((char *)cfg + o->off) = xstrndup(v, n);
		} else {
			long n;
			if (parse_long(v, &n) || n < o->min || n > o->max) {
				if (o->secret)
					v = "(hidden)";
				used += (size_t)snprintf(err + used, used < errsz ? errsz - used : 0,
							 "%s: \"%s\" is not an integer in %ld..%ld (%s)\n",
							 o->name, v, o->min, o->max, o->help);
				bad = 1;
				continue;
			}
			*(long *)((char *)cfg + o->off) = n;
		}
		if (used >= errsz)
			used = errsz - 1;
	}
	if (!bad && parse_db_url(cfg, err + used, errsz - used))
		bad = 1;
	if (!bad && parse_fault(cfg, err + used, errsz - used))
		bad = 1;
	if (!bad && webhook_config_check(cfg->events_url, cfg->events_secret, err + used, errsz - used))
		bad = 1;
	if (!bad && cfg->workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->workers = n > 0 ? n : 1;
	}
	if (bad) {
		config_release(cfg); /* a refused load owns nothing: a reload that fails must not leak */
		return -1;
	}
	return 0;
}

static void free_secret(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (opts[i].type != OPT_STR)
			continue;
		char **p = (char **)((char *)cfg + opts[i].off);
		if (opts[i].secret)
			free_secret(*p);
		else
			free(*p);
		*p = NULL;
	}
	free(cfg->db_host);
	free(cfg->db_user);
	free_secret(cfg->db_pass);
	free(cfg->db_name);
	free(cfg->db_socket);
	memset(cfg, 0, sizeof(*cfg));
}

void config_dump(const struct config *cfg, int fd)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *o = &opts[i];
		if (o->type == OPT_STR) {
			const char *v = *(char *const *)((const char *)cfg + o->off);
			dprintf(fd, "%s=%s\n", o->name, o->secret ? (v ? "(set)" : "(unset)") : (v ? v : ""));
		} else {
			dprintf(fd, "%s=%ld\n", o->name, *(const long *)((const char *)cfg + o->off));
		}
	}
}
