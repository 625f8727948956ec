/*
 * relay: the outbox relay and janitor process.
 *
 * Master side: relay_keep/relay_reaped/relay_stop, three hooks in pool.c.
 *
 * Child side, one loop: claim up to RELAY_BATCH due rows (sql/outbox_store.c),
 * POST each one over a fresh plain-socket HTTP/1.1 connection, mark it
 * delivered on a 2xx answer, else schedule its next attempt
 * (EVENTS_RETRY_MIN doubling up to EVENTS_RETRY_MAX, 75-100 % jitter) and
 * give the rest of the batch back (the receiver is evidently down: one
 * probe per EVENTS_RETRY_MIN, not a storm). Then, every JANITOR_INTERVAL, the
 * janitor. SIGTERM ends the loop between two deliveries or cuts a wait
 * short; rows still claimed are given back before exit.
 *
 * https:// is not spoken: the relay would need libssl, certificate
 * verification and its configuration; a local forwarding proxy does this
 * better (README, "Events").
 */
#include "cgi/relay.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>
#include <openssl/rand.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/req.h"
#include "common/webhook.h"
#include "sql/janitor.h"
#include "sql/outbox_store.h"

#define RELAY_BATCH 32
/* a relay that dies this young is restarted after a growing delay */
#define RELAY_YOUNG_MS 5000
#define RELAY_BACKOFF_MIN_MS 2000
#define RELAY_BACKOFF_MAX_MS 30000

/* ---- master side ---- */

static pid_t relay_pid;
static const struct config *relay_cfg;
static long long relay_started_ms, relay_restart_at_ms;
static long relay_backoff_ms;
static int relay_replacing;

static int relay_main(const struct config *cfg);

void relay_keep(const struct config *cfg, int listen_fd, int password_fd)
{
	if (relay_pid > 0) {
		if (cfg != relay_cfg && !relay_replacing) {
			/* a reload: the running relay has the old configuration */
			relay_replacing = 1;
			kill(relay_pid, SIGTERM);
		}
		return;
	}
	long long now = req_epoch_ms();
	if (now < relay_restart_at_ms)
		return;
	pid_t master = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		log_error("cannot fork the relay: %s", strerror(errno));
		relay_restart_at_ms = now + RELAY_BACKOFF_MIN_MS;
		return;
	}
	if (pid == 0) {
		/* a draining pool must be able to close its sockets for good */
		close(listen_fd);
		if (password_fd >= 0)
			close(password_fd);
		signal(SIGHUP, SIG_IGN);
		signal(SIGCHLD, SIG_DFL);
		/* a relay without its master would deliver on with nobody to stop it */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != master)
			exit(0);
		exit(relay_main(cfg)); /* exit, not _exit: LeakSanitizer runs at exit */
	}
	relay_pid = pid;
	relay_cfg = cfg;
	relay_started_ms = now;
	relay_replacing = 0;
}

int relay_reaped(pid_t pid, int status)
{
	if (pid <= 0 || pid != relay_pid)
		return 0;
	long long now = req_epoch_ms();
	int deliberate = relay_replacing;
	relay_pid = 0;
	relay_replacing = 0;
	if (deliberate) {
		relay_restart_at_ms = 0;
		return 1;
	}
	if (WIFSIGNALED(status))
		log_warn("relay %d killed by signal %d", (int)pid, WTERMSIG(status));
	else if (WEXITSTATUS(status))
		log_error("relay %d failed with exit status %d", (int)pid, WEXITSTATUS(status)); /* tests/run.sh scans for it */
	else
		log_info("relay %d stopped (SIGTERM from outside the pool): starting another", (int)pid);
	if (now - relay_started_ms < RELAY_YOUNG_MS) {
		relay_backoff_ms = relay_backoff_ms ? relay_backoff_ms * 2 : RELAY_BACKOFF_MIN_MS;
		if (relay_backoff_ms > RELAY_BACKOFF_MAX_MS)
			relay_backoff_ms = RELAY_BACKOFF_MAX_MS;
	} else {
		relay_backoff_ms = 0;
	}
	relay_restart_at_ms = now + relay_backoff_ms;
	return 1;
}

void relay_stop(void)
{
	if (relay_pid <= 0)
		return;
	kill(relay_pid, SIGTERM);
	for (int i = 0;; i++) {
		int st;
		pid_t r = waitpid(relay_pid, &st, WNOHANG);
		if (r == relay_pid || (r < 0 && errno == ECHILD))
			break;
		if (i == 100) {
			log_warn("relay %d still running 5 s after SIGTERM: killing it", (int)relay_pid);
			kill(relay_pid, SIGKILL);
		}
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	relay_pid = 0;
}

/* ---- child side ---- */

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL); /* SIGTERM cuts it short */
}

static unsigned rand_u16(void)
{
	unsigned char b[2];
	if (RAND_bytes(b, 2) != 1)
		return 0x8000;
	return (unsigned)b[0] << 8 | b[1];
}

/* Waits until fd is ready for events or the deadline passes: 1 ready, 0 timeout, -1 stop or error. */
static int wait_fd(int fd, short events, long long deadline_ms)
{
	for (;;) {
		long long left = deadline_ms - req_epoch_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { fd, events, 0 };
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR || stopping)
			return -1;
	}
}

static int connect_to(const struct webhook_url *u, long long deadline_ms, char *why, size_t whysz)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int gai = getaddrinfo(u->host, u->port, &hints, &res);
	if (gai) {
		snprintf(why, whysz, "cannot resolve \"%s\": %s", u->host, gai_strerror(gai));
		return -1;
	}
	int fd = -1;
	snprintf(why, whysz, "cannot connect to %s", u->authority);
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		int err = 0;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			err = errno;
			if (err == EINPROGRESS) {
				int w = wait_fd(fd, POLLOUT, deadline_ms);
				socklen_t el = sizeof(err);
				if (w <= 0)
					err = w == 0 ? ETIMEDOUT : EINTR;
				else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
					err = errno;
			}
		}
		if (!err)
			break;
		snprintf(why, whysz, "cannot connect to %s: %s", u->authority, strerror(err));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int send_all(int fd, const char *p, size_t n, long long deadline_ms)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(fd, POLLOUT, deadline_ms) <= 0)
			return -1;
	}
	return 0;
}

/*
 * One POST over a fresh connection. Returns the answer's status, or -1 with
 * the reason in why. The answer is read to its end (or 64 KiB) so the
 * receiver never writes into a reset connection; only the status line counts.
 */
static int http_post(const struct webhook_url *u, const struct buf *head, const struct buf *body, long timeout_s,
		     char *why, size_t whysz)
{
	long long deadline = req_epoch_ms() + timeout_s * 1000;
	int fd = connect_to(u, deadline, why, whysz);
	if (fd < 0)
		return -1;
	int status = -1;
	if (send_all(fd, head->data, head->len, deadline) != 0 || send_all(fd, body->data, body->len, deadline) != 0) {
		snprintf(why, whysz, "sending to %s failed: %s", u->authority,
			 errno == EAGAIN || errno == EINTR ? "timeout" : strerror(errno));
		goto out;
	}
	char resp[1024];
	size_t got = 0, total = 0;
	for (;;) {
		int w = wait_fd(fd, POLLIN, deadline);
		if (w <= 0) {
			if (webhook_status(resp, got) < 0) {
				snprintf(why, whysz, "no answer from %s within %ld s", u->authority, timeout_s);
				goto out;
			}
			break; /* the status line came; a receiver that keeps the connection open is fine */
		}
		char sink[4096];
		ssize_t r = recv(fd, sink, sizeof(sink), 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			break;
		if (got < sizeof(resp)) {
			size_t take = (size_t)r < sizeof(resp) - got ? (size_t)r : sizeof(resp) - got;
			memcpy(resp + got, sink, take);
			got += take;
		}
		total += (size_t)r;
		if (total > 65536)
			break;
	}
	status = webhook_status(resp, got);
	if (status < 0)
		snprintf(why, whysz, "%s closed the connection without an HTTP answer", u->authority);
	else if (status < 200 || status > 299)
		snprintf(why, whysz, "%s answered %d", u->authority, status);
out:
	close(fd);
	return status;
}

/* The pause before attempt attempts + 1: EVENTS_RETRY_MIN doubling, at most EVENTS_RETRY_MAX, 75-100 %. */
static long long retry_delay_ms(const struct config *cfg, long attempts)
{
	long long d = cfg->events_retry_min * 1000LL, max = cfg->events_retry_max * 1000LL;
	for (long i = 1; i < attempts && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	return d - d * (long long)rand_u16() / (4 * 65536LL);
}

struct relay {
	const struct config *cfg;
	struct webhook_url url;
	struct db db;
	struct arena arena;
	struct buf head, body;
};

/* Delivers one event. 1 delivered (2xx), 0 not (why says so). */
static int deliver(struct relay *rl, const struct outbox_event *ev, char *why, size_t whysz)
{
	char sig[WEBHOOK_SIG_LEN + 1];
	buf_reset(&rl->body);
	buf_reset(&rl->head);
	webhook_body(&rl->body, ev->id, ev->event, ev->created_at, ev->data);
	if (webhook_sign(rl->cfg->events_secret, strlen(rl->cfg->events_secret), rl->body.data, rl->body.len, sig) != 0) {
		snprintf(why, whysz, "cannot sign (OpenSSL)");
		return 0;
	}
	webhook_head(&rl->head, &rl->url, ev->id, ev->event, sig, rl->body.len);
	int st = http_post(&rl->url, &rl->head, &rl->body, rl->cfg->events_timeout, why, whysz);
	return st >= 200 && st <= 299;
}

/* One claim and its deliveries. Returns 1 when a full batch went out (more may be due). */
static int relay_round(struct relay *rl)
{
	const struct config *cfg = rl->cfg;
	char claim[OUTBOX_CLAIM_LEN + 1];
	unsigned char rnd[OUTBOX_CLAIM_LEN / 2];
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return 0;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(claim + 2 * i, 3, "%02x", rnd[i]);
	/* the lease outlasts a whole batch of slow deliveries; a relay that dies loses its rows for that long */
	long lease_s = cfg->events_timeout * (RELAY_BATCH + 1) + 30;
	struct outbox_event *ev;
	size_t n;
	if (outbox_claim(&rl->db, &rl->arena, claim, req_epoch_ms(), lease_s, RELAY_BATCH, &ev, &n) != DB_OK || !n)
		return 0;
	int failed = 0;
	size_t i;
	for (i = 0; i < n && !stopping && !failed; i++) {
		char why[512];
		if (deliver(rl, &ev[i], why, sizeof(why))) {
			if (outbox_delivered(&rl->db, &rl->arena, &ev[i], claim, req_epoch_ms()) != DB_OK)
				log_warn("relay: evt_%s delivered but not marked (it will be sent again)", ev[i].id);
			continue;
		}
		if (stopping)
			break; /* not the receiver's fault: given back below */
		failed = 1;
		long long delay = retry_delay_ms(cfg, ev[i].attempts + 1);
		log_warn("relay: evt_%s (%s) attempt %ld failed: %s; next attempt in %lld ms", ev[i].id, ev[i].event,
			 ev[i].attempts + 1, why, delay);
		outbox_failed(&rl->db, &rl->arena, &ev[i], claim, req_epoch_ms() + delay, why);
	}
	if (i < n || stopping) {
		/* what was not tried goes back: at once on a stop, after EVENTS_RETRY_MIN after a failure */
		long long next = req_epoch_ms() + (stopping ? 0 : cfg->events_retry_min * 1000LL);
		db_request_start(&rl->db);
		outbox_release(&rl->db, &rl->arena, claim, next);
	}
	return n == RELAY_BATCH && !failed;
}

static int relay_main(const struct config *cfg)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: a wait ends at once */
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "medusa-c-relay", 0, 0, 0);

	static struct relay rl;
	memset(&rl, 0, sizeof(rl));
	rl.cfg = cfg;
	int relaying = 0;
	if (cfg->events_url && *cfg->events_url) {
		char err[160];
		if (webhook_url_parse(cfg->events_url, &rl.url, err, sizeof(err)) == 0)
			relaying = 1;
		else
			log_error("relay: EVENTS_WEBHOOK_URL: %s", err); /* config_load refused it already */
	}
	db_init(&rl.db, cfg);
	arena_init(&rl.arena, 65536);
	buf_init(&rl.head);
	buf_init(&rl.body);
	if (relaying)
		log_info("relay %d: delivering event_outbox to http://%s%s, janitor every %ld s", (int)getpid(),
			 rl.url.authority, rl.url.path, cfg->janitor_interval);
	else
		log_info("relay %d: no EVENTS_WEBHOOK_URL, janitor only, every %ld s", (int)getpid(), cfg->janitor_interval);
	/* the first purge soon after start, then every interval (+-10 %, so pools drift apart) */
	long long next_janitor = req_epoch_ms() + (cfg->janitor_interval < 2 ? cfg->janitor_interval * 1000 : 2000);
	long db_down_ms = 0;
	while (!stopping) {
		arena_reset(&rl.arena);
		db_request_start(&rl.db);
		int more = relaying ? relay_round(&rl) : 0;
		int touched = relaying;
		long long now = req_epoch_ms();
		if (!stopping && now >= next_janitor) {
			touched = 1;
			arena_reset(&rl.arena);
			janitor_run(&rl.db, &rl.arena, cfg, now);
			long long iv = cfg->janitor_interval * 1000LL;
			next_janitor = req_epoch_ms() + iv - iv / 10 + iv * (long long)rand_u16() / (5 * 65536LL);
		}
		if (touched && !rl.db.conn) {
			/* the database is away: look again after 1 s doubling to 10 s, not every poll
			 * (each failed connect is a log line) */
			db_down_ms = db_down_ms ? db_down_ms * 2 : 1000;
			if (db_down_ms > 10000)
				db_down_ms = 10000;
		} else if (touched) {
			db_down_ms = 0;
		}
		if (!more && !stopping)
			sleep_ms(db_down_ms > cfg->events_poll_ms ? db_down_ms : cfg->events_poll_ms);
	}
	buf_release(&rl.head);
	buf_release(&rl.body);
	arena_release(&rl.arena);
	db_close(&rl.db);
	mysql_library_end();
	return 0;
}
