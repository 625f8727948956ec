/*
 * pool: the master process and the scoreboard it shares with its workers.
 *
 * The scoreboard is one MAP_SHARED page set created before the first fork.
 * Each worker writes only its own slot (state, request start, requests
 * served); the master reads all slots to find stuck workers and to answer
 * the status page. Fields are C11 atomics: no locks anywhere.
 */
#ifndef POOL_H
#define POOL_H
#include <stdatomic.h>
#include <sys/types.h>

#include "common/buf.h"
#include "common/config.h"

#define POOL_MAX_SLOTS 512

enum slot_state { SLOT_FREE = 0, SLOT_STARTING, SLOT_IDLE, SLOT_BUSY, SLOT_DRAINING };
/* The main pool (LISTEN) and the password pool (PASSWORD_LISTEN, low CPU priority). */
enum pool_role { ROLE_MAIN = 0, ROLE_PASSWORD = 1 };

struct pool_slot {
	_Atomic int state;
	_Atomic int pid;
	_Atomic long long started_ms;     /* when the worker was forked */
	_Atomic long long req_start_ms;   /* start of the current request, 0 when idle */
	_Atomic unsigned long long requests;
	_Atomic int retiring;             /* master asked it to stop; do not replace */
	_Atomic int role;                 /* enum pool_role */
	_Atomic int hashing;              /* inside pool_hash_enter .. pool_hash_leave */
};

struct pool_board {
	_Atomic long long master_started_ms;
	_Atomic int master_pid;
	_Atomic unsigned long long restarts;   /* workers replaced after dying */
	_Atomic unsigned long long recycled;   /* workers replaced after MAX_REQUESTS */
	_Atomic unsigned long long killed;     /* stuck workers killed after REQUEST_TIMEOUT */
	_Atomic unsigned long long reloads;    /* SIGHUPs applied */
	struct pool_slot slots[POOL_MAX_SLOTS];
};

/* The shared scoreboard (NULL in plain CGI mode). */
extern struct pool_board *pool_board;
/* This worker's slot (NULL outside a pool worker). */
extern struct pool_slot *pool_self;

/*
 * Runs the master: forks cfg->workers workers on listen_fd and, when
 * password_fd >= 0, cfg->password_workers workers at nice cfg->password_nice
 * on password_fd; keeps them alive, applies SIGHUP (re-read configuration,
 * replace workers one by one) and SIGTERM/SIGINT (drain and exit). *cfg may
 * be replaced on reload. worker_fn is called in each child with its socket and
 * its return value is the exit status.
 */
int pool_run(struct config *cfg, int listen_fd, int password_fd, int (*worker_fn)(const struct config *, int));

/*
 * The main pool's password gate: at most cap of its workers hash a password
 * at once, so the others stay free for every other route. Returns 1 when this
 * worker may hash now (always in the password pool and outside a pool), 0
 * when cap workers already do (the caller answers 429). Never blocks.
 * Each 1 must be followed by pool_hash_leave(); a worker that dies inside is
 * cleared when its slot is reused.
 */
int pool_hash_enter(long cap);
void pool_hash_leave(void);

/* Appends the status page as text or JSON. */
void pool_status(struct buf *b, int json);
#endif
