/*
 * config: the option table. One row per key with its type, bounds, default
 * and whether it is secret (Redis's config.c). Values come from the
 * environment (Medusa's names where Medusa has one). A bad value stops the
 * program at start with a message naming the key; secrets are never printed.
 * The resulting struct config is filled once and then only read.
 */
#ifndef CONFIG_H
#define CONFIG_H
#include <stddef.h>

struct config {
	/* DATABASE_URL, parsed */
	char *database_url;
	char *db_host, *db_user, *db_pass, *db_name, *db_socket;
	unsigned db_port;
	char *jwt_secret, *cookie_secret;   /* JWT_SECRET, COOKIE_SECRET */
	char *store_cors;                   /* STORE_CORS */
	char *listen;                       /* LISTEN: unix:/path or host:port; empty = stdin (spawned) */
	long workers;                       /* WORKERS */
	long max_body;                      /* MAX_BODY bytes */
	long json_depth;                    /* JSON_DEPTH */
	long max_requests;                  /* MAX_REQUESTS per worker, 0 = unlimited */
	long request_timeout;               /* REQUEST_TIMEOUT seconds */
	long scrypt_logn, scrypt_r, scrypt_p; /* PASSWORD_SCRYPT_LOGN, _R, _P */
	char *cookie_name;                  /* SESSION_COOKIE_NAME */
	long session_ttl;                   /* SESSION_TTL seconds */
	long log_requests;                  /* LOG_REQUESTS 0/1 */
	long trust_proxy;                   /* TRUST_PROXY 0/1: honour X-Forwarded-Proto */
	long db_sync_wait;                  /* DB_SYNC_WAIT: Galera wsrep_sync_wait for this pool's sessions */
	/* password work (README "Password work"): a second pool and its limits */
	char *password_listen;              /* PASSWORD_LISTEN: socket of the password pool; empty = none */
	long password_workers;              /* PASSWORD_WORKERS */
	long password_nice;                 /* PASSWORD_NICE: nice of password workers and their autogroup */
	long password_concurrency;          /* PASSWORD_CONCURRENCY: main-pool workers hashing at once */
	long login_max_failures;            /* LOGIN_MAX_FAILURES per account and window, 0 = no limit */
	long login_failure_window;          /* LOGIN_FAILURE_WINDOW seconds */
	char *fault_inject;                 /* FAULT_INJECT (test stacks only): "mode:N" */
	long fault_mode, fault_every;       /* parsed FAULT_INJECT: enum fault_mode, every Nth commit */
	/* the outbox relay and the janitor (cgi/relay.c, README "Events") */
	char *events_url, *events_secret;   /* EVENTS_WEBHOOK_URL ("" = no relay), EVENTS_WEBHOOK_SECRET */
	long events_timeout;                /* EVENTS_TIMEOUT seconds per delivery */
	long events_poll_ms;                /* EVENTS_POLL_MS between looks at the outbox */
	long events_retry_min, events_retry_max; /* EVENTS_RETRY_MIN / _MAX seconds of backoff */
	long events_retention;              /* EVENTS_RETENTION seconds a delivered row is kept */
	long events_max_age;                /* EVENTS_MAX_AGE seconds an undelivered row is kept */
	long janitor_interval;              /* JANITOR_INTERVAL seconds between purges */
};

/* FAULT_INJECT modes: what happens to every Nth request COMMIT (or request) of a worker (sql/db.c). */
enum fault_mode {
	FAULT_NONE,
	FAULT_DROP_AFTER_COMMIT,   /* drop-after-commit: connection cut after COMMIT is sent */
	FAULT_DROP_BEFORE_COMMIT,  /* drop-before-commit: cut before COMMIT is sent */
	FAULT_LOSE_OUTCOME,        /* lose-outcome: as drop-after-commit, and the worker cannot find out */
	FAULT_REPREPARE,           /* reprepare: no COMMIT cut; every Nth request of a worker starts with no
				    * prepared statement, so each is prepared inside the request transaction */
};

/*
 * Fills cfg from the environment (getenv). Returns 0, or -1 after writing one
 * precise line per problem into err (capacity errsz). Strings in cfg are
 * malloc'd and owned by cfg (config_release frees them); after -1 cfg owns
 * nothing.
 */
int config_load(struct config *cfg, char *err, size_t errsz);
/* Frees what config_load allocated (secrets cleansed first). */
void config_release(struct config *cfg);
/* Writes "KEY=value" lines for every option (secrets shown as "(set)"). */
void config_dump(const struct config *cfg, int fd);
#endif
