#!/usr/bin/env bash
# scripts/stack.sh: starts and stops the whole local stack: a private MariaDB, the medusa-c
# FastCGI pool and nginx in front of it, all state under one directory.
#
#   scripts/stack.sh start    start everything, wait until GET /health is 200, return
#   scripts/stack.sh run      start, then stay in the foreground; Ctrl-C stops everything
#   scripts/stack.sh stop     stop whatever runs (nginx, pool, MariaDB); fine if nothing does
#   scripts/stack.sh status   one line per process; exit 0 only if all three run
#   scripts/stack.sh db       only MariaDB + migrations (for database-level tests)
#   scripts/stack.sh seed FILE...   import catalogue files into the running stack's database
#
# Environment:
#   VAR       state directory (default <repo>/var): datadir, sockets, pids, logs, nginx.conf
#   PORT      nginx port on 127.0.0.1 (default 8080)
#   WORKERS   pool size passed to the binary (default 2)
#   BIN       pool binary (default <repo>/build/medusa-c)
#   JWT_SECRET, COOKIE_SECRET   taken from the environment, else generated once into
#             $VAR/secrets.env (mode 600) and reused; never printed
#   MARIADBD_OPTS   extra mariadbd options, word-split (e.g. --innodb-flush-log-at-trx-commit=2)
#   PASSWORD_WORKERS (default 1), PASSWORD_RATE (per client address, default 30r/m),
#   PASSWORD_BURST (20), PASSWORD_CONN (4 x PASSWORD_WORKERS), PASSWORD_CONN_PER_IP (2)
#             the password pool and nginx's limits in front of it (README "Password work")
#   SEED_FILES  catalogue files imported by `start`/`run` before the workers start (word-split;
#             docs/IMPORT.md). Unset: demo/catalogue.json when the database has no product yet;
#             set but empty: nothing
#
# Isolation: MariaDB runs with --no-defaults on its own datadir and unix socket with
# --skip-networking, so it never reads the system my.cnf, never binds 3306 and never meets a
# system server. nginx gets -p/-c/-e under $VAR, so the system nginx config and logs are
# untouched. Every process is started in its own session (setsid): Ctrl-C in `run` reaches only
# this script, which then stops the parts in order (nginx, pool, database).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }
abspath() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }

VAR=$(abspath "${VAR:-$ROOT/var}")
VAR=${VAR%/}
PORT=${PORT:-8080}
WORKERS=${WORKERS:-2}
BIN=$(abspath "${BIN:-$ROOT/build/medusa-c}")

# VAR ends up in nginx.conf, mariadbd's argv and a URL query (DATABASE_URL): keep it to
# characters that need no quoting in any of them.
[[ $VAR =~ ^/[A-Za-z0-9._/-]*$ ]] || die "VAR '$VAR' must be a path of [A-Za-z0-9._/-] only"
if ! [[ $PORT =~ ^[0-9]{1,5}$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
    die "PORT '$PORT' is not a port number"
fi
if ! [[ $WORKERS =~ ^[0-9]{1,3}$ ]] || [ "$WORKERS" -lt 1 ]; then
    die "WORKERS '$WORKERS' must be 1..999"
fi

PASSWORD_WORKERS=${PASSWORD_WORKERS:-1}
[[ $PASSWORD_WORKERS =~ ^[1-9][0-9]?$ ]] || die "PASSWORD_WORKERS '$PASSWORD_WORKERS' must be 1..64"
PASSWORD_RATE=${PASSWORD_RATE:-30r/m}
PASSWORD_BURST=${PASSWORD_BURST:-20}
PASSWORD_CONN=${PASSWORD_CONN:-$((PASSWORD_WORKERS * 4))}
PASSWORD_CONN_PER_IP=${PASSWORD_CONN_PER_IP:-2}
[[ $PASSWORD_RATE =~ ^[1-9][0-9]{0,6}r/[sm]$ ]] || die "PASSWORD_RATE '$PASSWORD_RATE' must look like 30r/m or 5r/s"
for v in PASSWORD_BURST PASSWORD_CONN PASSWORD_CONN_PER_IP; do
    [[ ${!v} =~ ^[0-9]{1,6}$ ]] || die "$v '${!v}' must be a number"
done
for v in PASSWORD_CONN PASSWORD_CONN_PER_IP; do
    [ "${!v}" -ge 1 ] && [ "${!v}" -le 65535 ] || die "$v '${!v}' must be 1..65535 (nginx limit_conn)"
done

LOG=$VAR/log
DB_NAME=medusa
MY_DATADIR=$VAR/mariadb
MY_SOCK=$VAR/mysqld.sock
MY_PID=$VAR/mariadb.pid
MY_LOG=$LOG/mariadb.log
APP_SOCK=$VAR/medusa-c.sock
PW_SOCK=$VAR/medusa-c-password.sock
APP_PID=$VAR/medusa-c.pid
APP_LOG=$LOG/medusa-c.log
NGX_CONF=$VAR/nginx.conf
NGX_PID=$VAR/nginx.pid
NGX_LOG=$LOG/nginx-error.log
SECRETS=$VAR/secrets.env
HEALTH_URL=http://127.0.0.1:$PORT/health

# sun_path holds 107 bytes; a longer VAR would fail later with an obscure bind error.
[ ${#PW_SOCK} -le 107 ] || die "VAR '$VAR' is too long for a unix socket path"

AS_ROOT=
[ "$(id -u)" -eq 0 ] && AS_ROOT=1

# --- process bookkeeping ------------------------------------------------------------------

# pid_of FILE NEEDLE: print the pid in FILE if that process is alive and its command line
# contains NEEDLE (a path unique to this VAR), so a stale pid file whose number was reused by
# some other process is never mistaken for ours.
pid_of() {
    local file=$1 needle=$2 pid cmd
    [ -f "$file" ] || return 1
    pid=$(<"$file") || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    # Read first, match after: with pipefail a 'tr | grep -q' can fail on tr's SIGPIPE.
    cmd=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
    [[ $cmd == *"$needle"* ]] || return 1
    printf '%s' "$pid"
}
# The pool binary's argv says nothing about VAR; its environment does.
app_pid() {
    local pid env
    [ -f "$APP_PID" ] || return 1
    pid=$(<"$APP_PID") || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    env=$( { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null) || return 1
    grep -qxF -- "LISTEN=unix:$APP_SOCK" <<<"$env" || return 1
    printf '%s' "$pid"
}
db_pid() { pid_of "$MY_PID" "--socket=$MY_SOCK"; }
ngx_pid() { pid_of "$NGX_PID" "$NGX_CONF"; }

# gone PID: true if PID has exited; a zombie (exited, not yet reaped) counts as gone.
gone() {
    local stat
    kill -0 "$1" 2>/dev/null || return 0
    stat=$( { cat "/proc/$1/stat"; } 2>/dev/null) || return 0
    stat=${stat##*) }
    [ "${stat%% *}" = Z ]
}
# wait_gone PID SECONDS: true once PID has exited.
wait_gone() {
    local pid=$1 i
    for ((i = 0; i < $2 * 10; i++)); do
        gone "$pid" && return 0
        sleep 0.1
    done
    gone "$pid"
}

tail_log() {
    local f
    for f in "$@"; do
        [ -s "$f" ] || continue
        printf -- '--- last lines of %s ---\n' "$f" >&2
        tail -n 25 "$f" >&2
    done
}

# --- MariaDB ------------------------------------------------------------------------------

db_client() {
    mariadb --no-defaults --socket="$MY_SOCK" --user=root --default-character-set=utf8mb4 "$@"
}

start_db() {
    if [ ! -d "$MY_DATADIR/mysql" ]; then
        say "initialising MariaDB datadir '$MY_DATADIR'"
        mkdir -p "$MY_DATADIR"
        if ! mariadb-install-db --no-defaults --datadir="$MY_DATADIR" ${AS_ROOT:+--user=root} \
            --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
            >"$LOG/mariadb-install.log" 2>&1; then
            tail_log "$LOG/mariadb-install.log"
            die "mariadb-install-db failed"
        fi
    fi

    say "starting MariaDB on '$MY_SOCK'"
    rm -f "$MY_PID"
    # UTC so that CURRENT_TIMESTAMP(3) defaults and NOW(3) are UTC like the API's timestamps.
    # shellcheck disable=SC2086  # MARIADBD_OPTS is meant to be word-split
    setsid mariadbd --no-defaults ${AS_ROOT:+--user=root} \
        --datadir="$MY_DATADIR" --socket="$MY_SOCK" --skip-networking \
        --pid-file="$MY_PID" --log-error="$MY_LOG" --tmpdir="$VAR/tmp" \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_nopad_bin \
        --default-time-zone=+00:00 \
        ${MARIADBD_OPTS:-} </dev/null >>"$MY_LOG" 2>&1 &
    local pid=$! ready='' deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
        if mariadb-admin --no-defaults --socket="$MY_SOCK" --user=root --connect-timeout=1 \
            ping >/dev/null 2>&1; then
            ready=1
            break
        fi
        if gone "$pid"; then
            tail_log "$MY_LOG"
            die "mariadbd exited during startup"
        fi
        sleep 0.1
    done
    if [ -z "$ready" ]; then
        tail_log "$MY_LOG"
        die "MariaDB did not answer within 30 s"
    fi

    db_client -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`
                  CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin" \
        || die "cannot create database '$DB_NAME'"
    MARIADB_SOCKET=$MY_SOCK DB_NAME=$DB_NAME DB_USER=root "$ROOT/sql/migrate.sh" \
        || die "migrations failed"
}

stop_db() {
    local pid
    pid=$(db_pid) || { rm -f "$MY_PID"; return 0; }
    say "stopping MariaDB (pid $pid)"
    mariadb-admin --no-defaults --socket="$MY_SOCK" --user=root --connect-timeout=2 \
        shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 60; then
        say "MariaDB still running after 60 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 5 || true
    fi
    rm -f "$MY_PID"
}

# --- catalogue import (docs/IMPORT.md) ---------------------------------------------------

import_files() {
    [ -x "$BIN" ] || die "no executable at BIN='$BIN' (run make first)"
    local f
    for f in "$@"; do
        say "importing '$f'"
        DATABASE_URL="mysql://root@localhost/$DB_NAME?socket=$MY_SOCK" "$BIN" import "$f" \
            || die "import of '$f' failed"
    done
}

seed_db() {
    if [ -n "${SEED_FILES+set}" ]; then
        # shellcheck disable=SC2086
        import_files $SEED_FILES
    elif [ "$(db_client -N -e "SELECT COUNT(*) FROM \`$DB_NAME\`.product")" = 0 ]; then
        import_files "$ROOT/demo/catalogue.json"
    fi
}

cmd_seed() {
    db_pid >/dev/null || die "MariaDB is not running (scripts/stack.sh start first)"
    [ $# -gt 0 ] || die "usage: scripts/stack.sh seed FILE..."
    import_files "$@"
}

# --- secrets ------------------------------------------------------------------------------

load_secrets() {
    local env_jwt=${JWT_SECRET:-} env_cookie=${COOKIE_SECRET:-}
    if [ -z "$env_jwt" ] || [ -z "$env_cookie" ]; then
        if [ ! -s "$SECRETS" ]; then
            say "generating secrets into '$SECRETS'"
            (
                umask 077
                {
                    printf 'JWT_SECRET=%s\n' "$(openssl rand -hex 32)"
                    printf 'COOKIE_SECRET=%s\n' "$(openssl rand -hex 32)"
                } >"$SECRETS.tmp"
                mv "$SECRETS.tmp" "$SECRETS"
            ) || die "cannot write '$SECRETS'"
        fi
        chmod 600 "$SECRETS"
        # shellcheck disable=SC1090
        . "$SECRETS"
        # The environment wins over the file, secret by secret.
        [ -n "$env_jwt" ] && JWT_SECRET=$env_jwt
        [ -n "$env_cookie" ] && COOKIE_SECRET=$env_cookie
    fi
    if [ -z "${JWT_SECRET:-}" ] || [ -z "${COOKIE_SECRET:-}" ]; then die "'$SECRETS' lacks a secret"; fi
    export JWT_SECRET COOKIE_SECRET
}

# --- the medusa-c pool --------------------------------------------------------------------

start_app() {
    [ -x "$BIN" ] || die "no executable at BIN='$BIN' (run make first)"
    load_secrets
    rm -f "$APP_SOCK" "$PW_SOCK"   # a socket left by a killed pool would make bind() fail
    printf -- '--- stack.sh start %s ---\n' "$(date -u +%FT%TZ)" >>"$APP_LOG"
    say "starting $WORKERS worker(s) and $PASSWORD_WORKERS password worker(s): $BIN"
    DATABASE_URL="mysql://root@localhost/$DB_NAME?socket=$MY_SOCK" \
        LISTEN="unix:$APP_SOCK" WORKERS=$WORKERS \
        PASSWORD_LISTEN="unix:$PW_SOCK" PASSWORD_WORKERS=$PASSWORD_WORKERS \
        setsid "$BIN" </dev/null >>"$APP_LOG" 2>&1 &
    # Not a process-group leader (no job control here), so setsid execs in place: $! is the
    # pool master, and also the id of its process group.
    echo $! >"$APP_PID"
}

stop_app() {
    local pid
    if pid=$(app_pid); then
        say "stopping workers (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" 15; then
            say "pool master still running after 15 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 5 || true
        fi
        # Workers left behind by a killed master are still in its process group.
        if kill -0 -- "-$pid" 2>/dev/null; then
            sleep 1
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$APP_PID" "$APP_SOCK" "$PW_SOCK"
}

# --- nginx --------------------------------------------------------------------------------

render_nginx() {
    local tpl user_line=
    tpl=$(<"$ROOT/nginx/medusa-c.conf.in")
    # As root, nginx workers would otherwise run as nobody and could not reach the pool's
    # socket or write under $VAR.
    [ -n "$AS_ROOT" ] && user_line="user root;"
    # Quoted replacements: bash 5.2 would otherwise expand '&' in them.
    tpl=${tpl//@USER@/"$user_line"}
    tpl=${tpl//@VAR@/"$VAR"}
    tpl=${tpl//@PORT@/"$PORT"}
    tpl=${tpl//@SOCK@/"$APP_SOCK"}
    tpl=${tpl//@PASSWORD_SOCK@/"$PW_SOCK"}
    tpl=${tpl//@PASSWORD_RATE@/"$PASSWORD_RATE"}
    tpl=${tpl//@PASSWORD_BURST@/"$PASSWORD_BURST"}
    tpl=${tpl//@PASSWORD_CONN_PER_IP@/"$PASSWORD_CONN_PER_IP"}
    tpl=${tpl//@PASSWORD_CONN@/"$PASSWORD_CONN"}
    if [[ $tpl =~ @[A-Z_]+@ ]]; then die "unknown placeholder ${BASH_REMATCH[0]} in nginx/medusa-c.conf.in"; fi
    {
        printf '# Generated by scripts/stack.sh from nginx/medusa-c.conf.in; rewritten at every start.\n'
        printf '%s\n' "$tpl"
    } >"$NGX_CONF.tmp"
    mv "$NGX_CONF.tmp" "$NGX_CONF"
    if ! nginx -q -t -p "$VAR/" -c "$NGX_CONF" -e "$NGX_LOG" 2>"$LOG/nginx-test.log"; then
        cat "$LOG/nginx-test.log" >&2
        die "nginx rejects '$NGX_CONF'"
    fi
}

start_nginx() {
    say "starting nginx on 127.0.0.1:$PORT"
    rm -f "$NGX_PID"
    printf -- '--- stack.sh start %s ---\n' "$(date -u +%FT%TZ)" >>"$NGX_LOG"
    # nginx daemonises itself (and calls setsid); its master writes $NGX_PID.
    if ! nginx -p "$VAR/" -c "$NGX_CONF" -e "$NGX_LOG" </dev/null 2>"$LOG/nginx-start.log"; then
        tail_log "$LOG/nginx-start.log" "$NGX_LOG"
        die "nginx failed to start"
    fi
}

stop_nginx() {
    local pid
    if pid=$(ngx_pid); then
        say "stopping nginx (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" 10; then
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 5 || true
        fi
    fi
    rm -f "$NGX_PID"
}

wait_healthy() {
    local code='' deadline=$((SECONDS + 20))
    while [ $SECONDS -lt $deadline ]; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$HEALTH_URL" || true)
        [ "$code" = 200 ] && return 0
        if ! app_pid >/dev/null; then
            tail_log "$APP_LOG" "$NGX_LOG"
            die "the medusa-c pool exited during startup"
        fi
        if ! ngx_pid >/dev/null; then
            tail_log "$NGX_LOG" "$APP_LOG"
            die "nginx exited during startup"
        fi
        sleep 0.2
    done
    tail_log "$APP_LOG" "$NGX_LOG"
    die "GET $HEALTH_URL did not answer 200 within 20 s (last status: ${code:-none})"
}

# --- commands -----------------------------------------------------------------------------

prepare_dirs() {
    if [ ! -d "$VAR" ]; then
        mkdir -p "$VAR"
        chmod 700 "$VAR"
    fi
    mkdir -p "$LOG" "$VAR/tmp" "$VAR/nginx"
}

refuse_if_running() {
    local what=
    db_pid >/dev/null && what="$what MariaDB"
    app_pid >/dev/null && what="$what workers"
    ngx_pid >/dev/null && what="$what nginx"
    [ -z "$what" ] || die "already running in '$VAR':$what (use: scripts/stack.sh stop)"
}

# A start that fails half-way takes down what it started, so no orphan MariaDB is left behind.
STARTING=
on_exit() {
    local rc=$?
    if [ -n "$STARTING" ] && [ $rc -ne 0 ]; then
        STARTING=
        say "start failed; stopping what was started (logs stay in '$LOG')" >&2
        cmd_stop >&2 || true
    fi
}
trap on_exit EXIT

cmd_db() {
    refuse_if_running
    prepare_dirs
    trap 'exit 130' INT   # through on_exit, which stops what was started
    trap 'exit 143' TERM
    STARTING=1
    start_db
    STARTING=
    say "MariaDB ready: socket '$MY_SOCK', database '$DB_NAME'"
}

cmd_start() {
    refuse_if_running
    [ -x "$BIN" ] || die "no executable at BIN='$BIN' (run make first)"
    prepare_dirs
    trap 'exit 130' INT
    trap 'exit 143' TERM
    STARTING=1
    render_nginx   # first: a bad template fails before anything runs
    start_db
    seed_db
    start_app
    start_nginx
    wait_healthy
    STARTING=
    say "ready: http://127.0.0.1:$PORT (state in '$VAR')"
}

cmd_stop() {
    stop_nginx
    stop_app
    stop_db
}

cmd_status() {
    local pid all=0 code
    if pid=$(db_pid); then say "MariaDB  running (pid $pid, socket $MY_SOCK)"; else say "MariaDB  stopped"; all=3; fi
    if pid=$(app_pid); then say "workers  running (pid $pid, socket $APP_SOCK)"; else say "workers  stopped"; all=3; fi
    if pid=$(ngx_pid); then
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$HEALTH_URL" || true)
        say "nginx    running (pid $pid, http://127.0.0.1:$PORT, /health: ${code:-no answer})"
    else
        say "nginx    stopped"
        all=3
    fi
    return $all
}

cmd_run() {
    local stop_rc=
    cmd_start
    # The trap only records the signal: run from inside the loop's checks (whose stdout goes to
    # /dev/null) it would stop the stack silently; and a second Ctrl-C cannot cut a stop short.
    trap 'stop_rc=130' INT
    trap 'stop_rc=143' TERM
    say "running in the foreground; Ctrl-C stops the stack"
    while [ -z "$stop_rc" ] && db_pid >/dev/null && app_pid >/dev/null && ngx_pid >/dev/null; do
        sleep 1 &
        wait $! || true   # returns at once when a trapped signal arrives
    done
    if [ -n "$stop_rc" ]; then
        say "stopping"
        cmd_stop
        exit "$stop_rc"
    fi
    say "a process exited unexpectedly:" >&2
    cmd_status >&2 || true
    tail_log "$APP_LOG" "$NGX_LOG" "$MY_LOG"
    cmd_stop
    exit 1
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
run) cmd_run ;;
status) cmd_status ;;
db) cmd_db ;;
seed) shift; cmd_seed "$@" ;;
*)
    echo "usage: scripts/stack.sh start|stop|run|status|db|seed FILE...   (env: VAR PORT WORKERS BIN SEED_FILES)" >&2
    exit 2
    ;;
esac
