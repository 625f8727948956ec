/*
 * relay: the pool's one background process, forked and kept alive by the
 * master (cgi/pool.c), never a request worker. It delivers event_outbox rows
 * to EVENTS_WEBHOOK_URL (at least once, signed, retried with backoff, see
 * common/webhook.h) and runs the janitor (sql/janitor.h) every
 * JANITOR_INTERVAL seconds. Without EVENTS_WEBHOOK_URL it only runs the
 * janitor. Its process name is "medusa-c-relay".
 */
#ifndef RELAY_H
#define RELAY_H
#include <sys/types.h>

#include "common/config.h"

/*
 * Master: starts the relay if none runs (with a growing delay after deaths
 * at start-up), and replaces it when cfg is not the configuration it runs
 * with (after a reload). listen_fd and password_fd (-1: none) are closed in
 * the child.
 */
void relay_keep(const struct config *cfg, int listen_fd, int password_fd);
/* Master: 1 if pid was the relay (the reaped status is logged if abnormal), else 0. */
int relay_reaped(pid_t pid, int status);
/* Master: asks the relay to stop, waits for it (killing it after 5 s). */
void relay_stop(void);
#endif
