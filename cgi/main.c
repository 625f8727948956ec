/*
 * main: process start and the pool.
 *
 * The master reads the configuration, opens the listening socket (LISTEN),
 * forks WORKERS workers and restarts any that exits, with a growing delay
 * when workers die young so a worker that cannot start does not make the
 * master fork in a loop. SIGTERM/SIGINT: stop accepting, let each worker
 * finish its request, exit. Each worker owns one MariaDB connection, its
 * statements, its buffers and the request arena for its whole life.
 *
 * Started as a CGI program (GATEWAY_INTERFACE set, no LISTEN), the same
 * binary answers the one request in its environment and exits.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#include "cgi/pool.h"
#include "cgi/router.h"
#include "common/config.h"
#include "common/log.h"
#include "common/req.h"
#include "sql/import.h"

extern char **environ;

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install(int sig, void (*fn)(int), int restart)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(sig, &sa, NULL);
}

static void worker_init(struct worker *w, const struct config *cfg)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	db_init(&w->db, cfg);
	buf_init(&w->out);
	buf_init(&w->headers);
	w->pw.logN = (unsigned)cfg->scrypt_logn;
	w->pw.r = (uint32_t)cfg->scrypt_r;
	w->pw.p = (uint32_t)cfg->scrypt_p;
}

static void worker_release(struct worker *w)
{
	db_close(&w->db);
	buf_release(&w->out);
	buf_release(&w->headers);
}

static void serve_one(struct worker *w, struct req *r, char **envp, FCGX_Stream *in, FCGX_Stream *out)
{
	r->cfg = w->cfg;
	r->w = w;
	r->out = &w->out;
	r->headers = &w->headers;
	req_begin(r, envp, in, out);
	if (r->https == 2 && !w->cfg->trust_proxy)
		r->https = 0;
	db_request_start(&w->db);
	router_dispatch(r);
	/* a transaction never outlives its request, nor a place at the password gate */
	db_rollback(&w->db);
	pool_hash_leave();
}

/*
 * Kept FastCGI connections. nginx keeps several connections open to the
 * pool (fastcgi_keep_conn + upstream keepalive). A libfcgi request object
 * blocks on its one connection, so a worker holding a kept connection would
 * never return to accept(): connections nginx opened meanwhile would wait in
 * the listen queue for as long as the kept one lives. Each worker therefore
 * holds up to WORKER_CONNS connections and poll()s them and the (non-blocking)
 * listening socket together, serving whichever has a request. accept() is
 * ours; libfcgi only reads and writes records on a connection we hand it.
 */
#define WORKER_CONNS 32
#define DRAIN_INPUT_MAX (2L << 20)

/*
 * An answer may go out before the body was read (413, 401, a route without
 * a body). On a kept connection the unread records would be taken for the
 * next request: read them away, or, past a bound, give the connection up.
 */
static void drain_input(FCGX_Request *fr)
{
	char sink[8192];
	long total = 0;
	int n;
	while ((n = FCGX_GetStr(sink, sizeof(sink), fr->in)) > 0) {
		total += n;
		if (total > DRAIN_INPUT_MAX) {
			fr->keepConnection = 0;
			return;
		}
	}
}
#define DRAIN_MS 10000

static int worker_main(const struct config *cfg, int listen_fd)
{
	/*
	 * scrypt allocates 32 MiB per hash. glibc would raise its mmap threshold
	 * after the first such free and serve the next ones from the heap, which
	 * then stays resident: a fixed threshold keeps big blocks mmap'd, so
	 * they go back to the kernel and a worker stays at a few MiB.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 512 * 1024);
	struct worker w;
	worker_init(&w, cfg);
	install(SIGTERM, on_stop, 0);
	install(SIGINT, on_stop, 0);
	install(SIGPIPE, SIG_IGN, 1);
	static FCGX_Request conns[WORKER_CONNS];
	for (int i = 0; i < WORKER_CONNS; i++) {
		/* listen_sock -1: libfcgi must never accept by itself (it would block) */
		if (FCGX_InitRequest(&conns[i], -1, 0) != 0) {
			log_error("cannot initialise the FastCGI request");
			return 1;
		}
	}
	struct req r;
	memset(&r, 0, sizeof(r));
	arena_init(&r.arena, 16384);
	db_ensure(&w.db); /* connect early; a failure is retried per request */
	if (pool_self)
		atomic_store(&pool_self->state, SLOT_IDLE);
	int recycle = 0, rc = 0;
	long long drain_until = 0;
	for (;;) {
		if ((stop_requested || recycle) && !drain_until) {
			/*
			 * Drain: stop accepting, keep answering on kept connections
			 * until nginx closes them (its upstream keepalive_requests /
			 * keepalive_timeout), so no request ever meets a connection we
			 * closed under it; after DRAIN_MS close whatever is left.
			 */
			drain_until = req_epoch_ms() + DRAIN_MS;
			if (pool_self)
				atomic_store(&pool_self->state, SLOT_DRAINING);
			/*
			 * Connections nginx already opened and queued on the socket
			 * carry requests it handed to this pool: take them before we
			 * stop accepting (on a reload, new workers race us for them;
			 * either is fine).
			 */
			for (int i = 0; i < WORKER_CONNS; i++) {
				if (conns[i].ipcFd >= 0)
					continue;
				int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
				if (fd < 0)
					break;
				conns[i].ipcFd = fd;
				conns[i].keepConnection = 1;
			}
			/* our copy of the listener goes: once the master and every draining
			 * worker closed theirs, new connects are refused at once (nginx fails
			 * over) instead of waiting in a queue nobody reads */
			close(listen_fd);
		}
		if (drain_until && req_epoch_ms() >= drain_until)
			break;
		struct pollfd pfd[WORKER_CONNS + 1];
		int map[WORKER_CONNS + 1], n = 0, free_slot = -1;
		for (int i = 0; i < WORKER_CONNS; i++) {
			if (conns[i].ipcFd >= 0) {
				pfd[n].fd = conns[i].ipcFd;
				pfd[n].events = POLLIN;
				map[n++] = i;
			} else if (free_slot < 0) {
				free_slot = i;
			}
		}
		if (drain_until && n == 0)
			break; /* drained: nginx closed every kept connection */
		if (free_slot >= 0 && !drain_until) {
			pfd[n].fd = listen_fd;
			pfd[n].events = POLLIN;
			map[n++] = -1;
		}
		int ready = poll(pfd, (nfds_t)n, drain_until ? 100 : -1);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll failed: %s", strerror(errno));
			rc = 1; /* not a deliberate stop: the master logs and replaces us */
			break;
		}
		for (int k = 0; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			FCGX_Request *fr;
			if (map[k] < 0) {
				int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
				if (fd < 0)
					continue; /* another worker took it (EAGAIN), or a transient error */
				fr = &conns[free_slot];
				fr->ipcFd = fd;
				/* FCGX_Accept_r first finishes the previous request and closes a
				 * connection that is not marked kept: mark the fresh one kept */
				fr->keepConnection = 1;
			} else {
				fr = &conns[map[k]];
			}
			/* data is waiting: this reads the request's records without blocking long */
			if (FCGX_Accept_r(fr) < 0) {
				fr->ipcFd = -1; /* the peer closed a kept connection; libfcgi closed it */
				continue;
			}
			if (pool_self) {
				atomic_store(&pool_self->req_start_ms, req_epoch_ms());
				if (!drain_until)
					atomic_store(&pool_self->state, SLOT_BUSY);
			}
			serve_one(&w, &r, fr->envp, fr->in, fr->out);
			drain_input(fr);
			FCGX_Finish_r(fr);
			req_end(&r);
			w.served++;
			if (pool_self) {
				atomic_store(&pool_self->req_start_ms, 0);
				atomic_store(&pool_self->requests, w.served);
				if (!drain_until)
					atomic_store(&pool_self->state, SLOT_IDLE);
			}
			if (cfg->max_requests && w.served >= (unsigned long long)cfg->max_requests)
				recycle = 1;
		}
	}
	/* close kept connections: nginx drops them and opens new ones to other workers */
	for (int i = 0; i < WORKER_CONNS; i++) {
		if (conns[i].ipcFd >= 0)
			close(conns[i].ipcFd);
		conns[i].ipcFd = -1;
		FCGX_Free(&conns[i], 0);
	}
	arena_release(&r.arena);
	worker_release(&w);
	mysql_library_end();
	return rc;
}

static int cgi_main(const struct config *cfg)
{
	struct worker w;
	worker_init(&w, cfg);
	struct req r;
	memset(&r, 0, sizeof(r));
	arena_init(&r.arena, 16384);
	serve_one(&w, &r, environ, NULL, NULL);
	fflush(stdout);
	/* a web server writing the body into our stdin must not meet a closed pipe */
	if (r.content_length > 0) {
		char sink[8192];
		long long left = r.content_length - (long long)r.body_len;
		while (left > 0) {
			size_t n = fread(sink, 1, left > (long long)sizeof(sink) ? sizeof(sink) : (size_t)left, stdin);
			if (n == 0)
				break;
			left -= (long long)n;
		}
	}
	req_end(&r);
	arena_release(&r.arena);
	worker_release(&w);
	mysql_library_end();
	return 0;
}

/*
 * A CGI program that cannot serve still owes the web server an answer: without
 * one Apache shows its own "premature end of script headers" page. The client
 * gets a 500 in Medusa's error shape that names no setting (which secret is
 * missing is for the operator); the reason goes to stderr, which the web server
 * writes to its error log, as one line (problems joined with "; ").
 */
static int cgi_refuse(const char *what, const char *detail)
{
	char line[4096];
	size_t n = 0;
	for (const char *p = detail; *p && n + 3 < sizeof(line); p++) {
		if (*p == '\n') {
			if (p[1]) {
				line[n++] = ';';
				line[n++] = ' ';
			}
		} else {
			line[n++] = *p;
		}
	}
	line[n] = '\0';
	fprintf(stderr, "medusa-c: cannot answer, %s%s%s\n", what, n ? ": " : "", line);
	static const char body[] =
		"{\"type\":\"unknown_error\",\"message\":\"The server is not configured correctly; "
		"the reason is in the web server's error log\"}";
	printf("Status: 500 Internal Server Error\r\nContent-Type: application/json; charset=utf-8\r\n"
	       "Content-Length: %zu\r\n\r\n%s", sizeof(body) - 1, body);
	fflush(stdout);
	return 1;
}

static int open_listener(const char *listen)
{
	const char *path = listen;
	if (strncmp(path, "unix:", 5) == 0)
		path += 5;
	int fd = FCGX_OpenSocket(path, 1024);
	if (fd < 0) {
		fprintf(stderr, "medusa-c: cannot listen on \"%s\": %s\n", listen, strerror(errno));
		return -1;
	}
	if (strncmp(listen, "unix:", 5) == 0 || listen[0] == '/')
		chmod(path, 0666); /* the web server runs as another user; the directory guards access */
	/* workers poll it and accept themselves; a lost race must not block */
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		fprintf(stderr, "medusa-c: cannot make the listening socket non-blocking: %s\n", strerror(errno));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	char err[4096];
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("medusa-c: Medusa v1 Store API FastCGI server. Configure with environment variables:\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "import") == 0)
		return import_main(argc, argv);
	int as_cgi = getenv("GATEWAY_INTERFACE") && !getenv("LISTEN");
	if (config_load(&cfg, err, sizeof(err)) != 0) {
		if (as_cgi)
			return cgi_refuse("bad configuration", err);
		fprintf(stderr, "medusa-c: refusing to start, bad configuration:\n%s", err);
		return 2;
	}
	if (argc > 1 && strcmp(argv[1], "--check-config") == 0) {
		config_dump(&cfg, 1);
		config_release(&cfg);
		return 0;
	}
	if (mysql_library_init(0, NULL, NULL)) {
		config_release(&cfg);
		if (as_cgi)
			return cgi_refuse("cannot initialise the MariaDB client library", "");
		fprintf(stderr, "medusa-c: cannot initialise the MariaDB client library\n");
		return 1;
	}
	FCGX_Init();
	int rc;
	if (as_cgi) {
		rc = cgi_main(&cfg);
	} else {
		int fd = open_listener(cfg.listen);
		if (fd < 0)
			return 1;
		/* the password pool's socket (README "Password work"), when configured */
		int pwfd = cfg.password_listen[0] ? open_listener(cfg.password_listen) : -1;
		if (cfg.password_listen[0] && pwfd < 0)
			return 1;
		rc = pool_run(&cfg, fd, pwfd, worker_main);
		mysql_library_end();
	}
	config_release(&cfg);
	return rc;
}
