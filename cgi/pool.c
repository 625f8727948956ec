/*
 * pool: the master. It never touches a request: it forks, reaps, restarts
 * with backoff, kills workers stuck longer than REQUEST_TIMEOUT, recycles
 * (workers exit by themselves after MAX_REQUESTS), reloads on SIGHUP and
 * drains on SIGTERM. Signal handlers only set flags; the loop does the work.
 *
 * Two groups of workers share the scoreboard: the main pool on LISTEN and,
 * with PASSWORD_LISTEN, the password pool (login, registration, reset: the
 * scrypt routes nginx sends there) at nice PASSWORD_NICE, so that password
 * work only gets the CPU the main pool leaves (README "Password work").
 */
#include "cgi/pool.h"
#include "cgi/relay.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "common/req.h"

struct pool_board *pool_board;
struct pool_slot *pool_self;

static volatile sig_atomic_t got_stop, got_hup, got_chld;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

static void on_chld(int sig)
{
	(void)sig;
	got_chld = 1;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL); /* a signal cuts it short: that is what we want */
}

static int (*worker_main_fn)(const struct config *, int);
static int listen_socks[2] = { -1, -1 }; /* by enum pool_role */

/* Workers wanted in each role. */
static long wanted(const struct config *cfg, int role)
{
	if (role == ROLE_MAIN)
		return cfg->workers;
	return listen_socks[ROLE_PASSWORD] >= 0 ? cfg->password_workers : 0;
}

static int find_free(void)
{
	for (int i = 0; i < POOL_MAX_SLOTS; i++)
		if (atomic_load(&pool_board->slots[i].state) == SLOT_FREE)
			return i;
	return -1;
}

/*
 * A password worker's CPU priority. Niceness alone ranks a process only
 * against the others of its CPU group (autogroup: its session), and a group
 * that always has a hash to run claims its full share against nginx's and
 * MariaDB's groups, which the main pool's requests need. So the password
 * worker leaves for a session, hence an autogroup, of its own, and that group
 * gets the same nice value: then it only takes CPU that every other group
 * leaves. It dies with the master (PR_SET_PDEATHSIG), as it no longer shares
 * its process group. Each step is best effort (no autogroup: nice remains).
 */
static void lower_priority(long nice)
{
	pid_t master = getppid();
	if (setsid() < 0) {
		log_warn("password worker: setsid failed: %s", strerror(errno));
	} else {
		FILE *f = fopen("/proc/self/autogroup", "w");
		if (f) {
			fprintf(f, "%ld", nice);
			fclose(f);
		}
	}
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
		log_warn("password worker: cannot ask for SIGTERM when the master dies: %s", strerror(errno));
	if (getppid() != master)
		exit(0); /* the master died before prctl: nobody would stop us */
	if (setpriority(PRIO_PROCESS, 0, (int)nice) != 0)
		log_warn("cannot lower the password worker's priority: %s", strerror(errno));
}

static pid_t spawn(const struct config *cfg, int idx, int role)
{
	struct pool_slot *s = &pool_board->slots[idx];
	atomic_store(&s->role, role);
	atomic_store(&s->hashing, 0);
	atomic_store(&s->state, SLOT_STARTING);
	atomic_store(&s->req_start_ms, 0);
	atomic_store(&s->requests, 0);
	atomic_store(&s->retiring, 0);
	atomic_store(&s->started_ms, req_epoch_ms());
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork failed: %s", strerror(errno));
		atomic_store(&s->state, SLOT_FREE);
		return -1;
	}
	if (pid == 0) {
		/* the child: default signal dispositions, then the worker */
		signal(SIGHUP, SIG_IGN);
		signal(SIGCHLD, SIG_DFL);
		pool_self = s;
		atomic_store(&s->pid, (int)getpid());
		/* the other group's socket is not ours: a drain must be able to close every copy */
		if (listen_socks[!role] >= 0)
			close(listen_socks[!role]);
		if (role == ROLE_PASSWORD)
			lower_priority(cfg->password_nice);
		exit(worker_main_fn(cfg, listen_socks[role])); /* exit, not _exit: LeakSanitizer runs at exit */
	}
	atomic_store(&s->pid, (int)pid);
	return pid;
}

static int live_workers(int role)
{
	int n = 0;
	for (int i = 0; i < POOL_MAX_SLOTS; i++) {
		struct pool_slot *s = &pool_board->slots[i];
		int st = atomic_load(&s->state);
		/* a draining worker no longer accepts: it does not count as capacity */
		if (st != SLOT_FREE && st != SLOT_DRAINING && !atomic_load(&s->retiring) && atomic_load(&s->role) == role)
			n++;
	}
	return n;
}

static int slot_of(pid_t pid)
{
	for (int i = 0; i < POOL_MAX_SLOTS; i++)
		if (atomic_load(&pool_board->slots[i].state) != SLOT_FREE && atomic_load(&pool_board->slots[i].pid) == pid)
			return i;
	return -1;
}

/*
 * Reaps exited workers; returns how many died young (for the backoff).
 * A deliberate stop is exit status 0 (a drain after SIGTERM or MAX_REQUESTS).
 * Anything else is logged, even while stopping or reloading, in one of two
 * lines tests/run.sh's crash scan looks for: "worker N killed by signal S"
 * and "worker N failed with exit status S".
 */
static int reap(const struct config *cfg, int stopping)
{
	int status, young = 0;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int i = slot_of(pid);
		if (i < 0) {
			relay_reaped(pid, status);
			continue;
		}
		struct pool_slot *s = &pool_board->slots[i];
		int retiring = atomic_load(&s->retiring);
		long long age = req_epoch_ms() - atomic_load(&s->started_ms);
		unsigned long long served = atomic_load(&s->requests);
		atomic_store(&s->state, SLOT_FREE);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM && (stopping || retiring)) {
			/* our own stop request, delivered before the worker installed its handler */
			log_info("worker %d stopped by SIGTERM before it was ready", (int)pid);
		} else if (WIFSIGNALED(status)) {
			log_warn("worker %d killed by signal %d after %llu requests", (int)pid, WTERMSIG(status), served);
		} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
			log_error("worker %d failed with exit status %d after %llu requests", (int)pid, WEXITSTATUS(status),
				  served);
		} else if (!stopping && !retiring && !(cfg->max_requests && served >= (unsigned long long)cfg->max_requests)) {
			/* exit 0 without being asked: someone sent the worker SIGTERM */
			log_warn("worker %d exited with status 0 after %llu requests", (int)pid, served);
		}
		if (stopping || retiring)
			continue;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && cfg->max_requests &&
		    served >= (unsigned long long)cfg->max_requests)
			atomic_fetch_add(&pool_board->recycled, 1);
		else
			atomic_fetch_add(&pool_board->restarts, 1);
		if (age < 2000)
			young++;
	}
	return young;
}

static void kill_stuck(const struct config *cfg)
{
	long long now = req_epoch_ms();
	for (int i = 0; i < POOL_MAX_SLOTS; i++) {
		struct pool_slot *s = &pool_board->slots[i];
		long long t = atomic_load(&s->req_start_ms);
		if (atomic_load(&s->state) != SLOT_FREE && t && now - t > cfg->request_timeout * 1000LL) {
			int pid = atomic_load(&s->pid);
			log_warn("worker %d stuck in one request for %lld ms: killing it", pid, now - t);
			atomic_store(&s->req_start_ms, 0);
			atomic_fetch_add(&pool_board->killed, 1);
			kill(pid, SIGKILL);
		}
	}
}

/* Starts workers until cfg->workers run, with the given delay between failures. */
static void top_up(const struct config *cfg)
{
	for (int role = ROLE_MAIN; role <= ROLE_PASSWORD; role++) {
		while (live_workers(role) < wanted(cfg, role)) {
			int i = find_free();
			if (i < 0 || spawn(cfg, i, role) < 0)
				return;
		}
	}
}

static int short_of_workers(const struct config *cfg)
{
	return live_workers(ROLE_MAIN) < wanted(cfg, ROLE_MAIN) || live_workers(ROLE_PASSWORD) < wanted(cfg, ROLE_PASSWORD);
}

/*
 * SIGHUP: read the configuration again; if it is valid, replace every
 * worker one at a time: start the new one, wait until it is ready, then ask
 * the old one to drain (it finishes its requests and its kept connections).
 */
static void reload(struct config **cfgp)
{
	/*
	 * Two slots in turn: the master reads *cfgp until the switch below, so the
	 * slot written now is the one replaced two reloads ago, which nothing reads
	 * any more (each worker has its own copy of whatever it was forked with):
	 * its strings are released here, so reloads do not leak.
	 */
	static struct config fresh[2];
	static int which;
	char err[4096];
	struct config loaded;
	if (config_load(&loaded, err, sizeof(err)) != 0) {
		log_error("reload refused, configuration unchanged: %s", err);
		return;
	}
	struct config *next = &fresh[which];
	config_release(next);
	*next = loaded;
	which ^= 1;
	log_info("reloading: replacing workers one by one");
	int old[POOL_MAX_SLOTS], nold = 0;
	for (int i = 0; i < POOL_MAX_SLOTS; i++)
		if (atomic_load(&pool_board->slots[i].state) != SLOT_FREE && !atomic_load(&pool_board->slots[i].retiring))
			old[nold++] = i;
	long nmain = wanted(next, ROLE_MAIN), nnew = nmain + wanted(next, ROLE_PASSWORD);
	for (int k = 0; k < nold || k < nnew; k++) {
		if (k < nnew) {
			int i = find_free();
			if (i >= 0 && spawn(next, i, k < nmain ? ROLE_MAIN : ROLE_PASSWORD) > 0) {
				for (int t = 0; t < 100 && atomic_load(&pool_board->slots[i].state) == SLOT_STARTING; t++)
					sleep_ms(50);
			}
		}
		if (k < nold) {
			struct pool_slot *s = &pool_board->slots[old[k]];
			atomic_store(&s->retiring, 1);
			kill(atomic_load(&s->pid), SIGTERM);
		}
		reap(next, 0);
	}
	/* the previous configuration stays allocated: a retiring worker's copy is its own */
	*cfgp = next;
	atomic_fetch_add(&pool_board->reloads, 1);
}

int pool_run(struct config *cfg, int listen_fd, int password_fd, int (*worker_fn)(const struct config *, int))
{
	const char *unlink_path = NULL;
	if (strncmp(cfg->listen, "unix:", 5) == 0)
		unlink_path = cfg->listen + 5;
	else if (cfg->listen[0] == '/')
		unlink_path = cfg->listen;
	pool_board = mmap(NULL, sizeof(*pool_board), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pool_board == MAP_FAILED) {
		log_error("cannot map the scoreboard: %s", strerror(errno));
		return 1;
	}
	memset(pool_board, 0, sizeof(*pool_board));
	atomic_store(&pool_board->master_started_ms, req_epoch_ms());
	atomic_store(&pool_board->master_pid, (int)getpid());
	worker_main_fn = worker_fn;
	listen_socks[ROLE_MAIN] = listen_fd;
	listen_socks[ROLE_PASSWORD] = password_fd;
	handle(SIGTERM, on_stop);
	handle(SIGINT, on_stop);
	handle(SIGHUP, on_hup);
	handle(SIGCHLD, on_chld);
	signal(SIGPIPE, SIG_IGN);
	log_info("medusa-c master %d listening on \"%s\" with %ld workers", (int)getpid(), cfg->listen, cfg->workers);
	if (password_fd >= 0)
		log_info("password pool listening on \"%s\" with %ld workers at nice %ld", cfg->password_listen,
			 cfg->password_workers, cfg->password_nice);
	top_up(cfg);
	long delay_ms = 0;
	while (!got_stop) {
		sleep_ms(200);
		int young = reap(cfg, 0);
		got_chld = 0;
		if (got_stop)
			break;
		if (got_hup) {
			got_hup = 0;
			reload(&cfg);
		}
		kill_stuck(cfg);
		relay_keep(cfg, listen_fd, password_fd);
		if (short_of_workers(cfg)) {
			/* workers that die young: back off up to 5 s, so a broken start cannot fork-loop */
			delay_ms = young ? (delay_ms ? delay_ms * 2 : 100) : 0;
			if (delay_ms > 5000)
				delay_ms = 5000;
			if (delay_ms)
				sleep_ms(delay_ms);
			top_up(cfg);
		}
	}
	log_info("medusa-c master stopping: draining workers");
	/* stop listening: with the workers' copies closed too, connects are refused at once */
	close(listen_fd);
	if (unlink_path)
		unlink(unlink_path);
	if (password_fd >= 0) {
		close(password_fd);
		if (strncmp(cfg->password_listen, "unix:", 5) == 0 || cfg->password_listen[0] == '/')
			unlink(cfg->password_listen + (cfg->password_listen[0] == '/' ? 0 : 5));
	}
	relay_stop();
	for (int i = 0; i < POOL_MAX_SLOTS; i++) {
		struct pool_slot *s = &pool_board->slots[i];
		if (atomic_load(&s->state) != SLOT_FREE) {
			atomic_store(&s->retiring, 1);
			kill(atomic_load(&s->pid), SIGTERM);
		}
	}
	/* wait for the drain; anything still alive after the request timeout is killed */
	long long deadline = req_epoch_ms() + cfg->request_timeout * 1000LL + 2000;
	for (;;) {
		reap(cfg, 1);
		int left = 0;
		for (int i = 0; i < POOL_MAX_SLOTS; i++)
			if (atomic_load(&pool_board->slots[i].state) != SLOT_FREE)
				left++;
		if (!left)
			break;
		if (req_epoch_ms() > deadline) {
			for (int i = 0; i < POOL_MAX_SLOTS; i++)
				if (atomic_load(&pool_board->slots[i].state) != SLOT_FREE)
					kill(atomic_load(&pool_board->slots[i].pid), SIGKILL);
			deadline = req_epoch_ms() + 5000;
		}
		sleep_ms(50);
	}
	log_info("medusa-c master stopped");
	return 0;
}

static const char *state_name(int st)
{
	switch (st) {
	case SLOT_STARTING: return "starting";
	case SLOT_IDLE: return "idle";
	case SLOT_BUSY: return "busy";
	case SLOT_DRAINING: return "draining";
	default: return "free";
	}
}

/* One worker's slot as a json-c object (caller owns it). */
static struct json_object *slot_json(struct pool_slot *s, long long now)
{
	struct json_object *w = json_object_new_object();
	json_object_object_add(w, "pid", json_object_new_int(atomic_load(&s->pid)));
	json_object_object_add(w, "state", json_object_new_string(state_name(atomic_load(&s->state))));
	json_object_object_add(w, "requests", json_object_new_uint64(atomic_load(&s->requests)));
	json_object_object_add(w, "uptime_s", json_object_new_int64((now - atomic_load(&s->started_ms)) / 1000));
	return w;
}

void pool_status(struct buf *b, int json)
{
	long long now = req_epoch_ms();
	if (json) {
		/* built with json-c: the page is rare, the writer is not on the hot path */
		struct json_object *o = json_object_new_object();
		if (!pool_board) {
			json_object_object_add(o, "mode", json_object_new_string("cgi"));
		} else {
			json_object_object_add(o, "master_pid", json_object_new_int(atomic_load(&pool_board->master_pid)));
			json_object_object_add(o, "uptime_s", json_object_new_int64(
				(now - atomic_load(&pool_board->master_started_ms)) / 1000));
			json_object_object_add(o, "restarts", json_object_new_uint64(atomic_load(&pool_board->restarts)));
			json_object_object_add(o, "recycled", json_object_new_uint64(atomic_load(&pool_board->recycled)));
			json_object_object_add(o, "killed", json_object_new_uint64(atomic_load(&pool_board->killed)));
			json_object_object_add(o, "reloads", json_object_new_uint64(atomic_load(&pool_board->reloads)));
			/* "workers": the main pool; "password_workers": the password pool */
			struct json_object *ws[2] = { json_object_new_array(), json_object_new_array() };
			for (int i = 0; i < POOL_MAX_SLOTS; i++)
				if (atomic_load(&pool_board->slots[i].state) != SLOT_FREE)
					json_object_array_add(ws[atomic_load(&pool_board->slots[i].role) == ROLE_PASSWORD],
							      slot_json(&pool_board->slots[i], now));
			json_object_object_add(o, "workers", ws[0]);
			json_object_object_add(o, "password_workers", ws[1]);
		}
		json_w_value(b, o);
		json_object_put(o);
		return;
	}
	if (!pool_board) {
		buf_adds(b, "mode: cgi\n");
		return;
	}
	buf_addf(b, "master pid: %d\nuptime: %lld s\nrestarts: %llu\nrecycled: %llu\nkilled: %llu\nreloads: %llu\n"
		    "\n%-8s %-9s %10s %10s %s\n",
		 atomic_load(&pool_board->master_pid), (now - atomic_load(&pool_board->master_started_ms)) / 1000,
		 atomic_load(&pool_board->restarts), atomic_load(&pool_board->recycled), atomic_load(&pool_board->killed),
		 atomic_load(&pool_board->reloads), "pid", "state", "requests", "uptime_s", "pool");
	for (int i = 0; i < POOL_MAX_SLOTS; i++) {
		struct pool_slot *s = &pool_board->slots[i];
		int st = atomic_load(&s->state);
		if (st == SLOT_FREE)
			continue;
		buf_addf(b, "%-8d %-9s %10llu %10lld %s\n", atomic_load(&s->pid), state_name(st), atomic_load(&s->requests),
			 (now - atomic_load(&s->started_ms)) / 1000, atomic_load(&s->role) == ROLE_PASSWORD ? "password" : "main");
	}
}

int pool_hash_enter(long cap)
{
	if (!pool_board || !pool_self || atomic_load(&pool_self->role) != ROLE_MAIN)
		return 1;
	/*
	 * Announce first, then count: two workers racing for the last place may
	 * both see the other and both refuse (a 429 too many, never one too few).
	 * A flag per slot, not a shared counter, so a worker killed inside cannot
	 * leak a place: spawn() clears the slot it reuses.
	 */
	atomic_store(&pool_self->hashing, 1);
	long n = 0;
	for (int i = 0; i < POOL_MAX_SLOTS; i++) {
		struct pool_slot *s = &pool_board->slots[i];
		if (atomic_load(&s->hashing) && atomic_load(&s->state) != SLOT_FREE && atomic_load(&s->role) == ROLE_MAIN)
			n++;
	}
	if (n > cap) {
		atomic_store(&pool_self->hashing, 0);
		return 0;
	}
	return 1;
}

void pool_hash_leave(void)
{
	if (pool_self)
		atomic_store(&pool_self->hashing, 0);
}
