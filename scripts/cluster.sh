#!/usr/bin/env bash
# scripts/cluster.sh: a 3-node MariaDB Galera cluster on loopback with two medusa-c pools (pool A on
# node1, pool B on node2) behind one nginx, all state under $VAR/cluster. For the cluster tests
# (tests/cluster/run.sh) and for trying a multi-node setup by hand; docs/CLUSTER.md explains it.
#
#   scripts/cluster.sh start          start the cluster, migrate, start both pools and nginx
#   scripts/cluster.sh stop           stop everything that runs (nginx, pools, nodes 3, 2, 1); idempotent
#   scripts/cluster.sh status         one line per process; exit 0 only if all of them run
#   scripts/cluster.sh kill-node N    kill -9 node N (a crash: no clean shutdown)
#   scripts/cluster.sh start-node N   restart node N into the running cluster, wait until Synced
#   scripts/cluster.sh wait-synced N  wait until node N is Synced and sees the whole cluster
#   scripts/cluster.sh sql N ARGS...  the mariadb client on node N's socket (database medusa)
#   scripts/cluster.sh restart-pool A|B  kill that pool (no drain) and start it again with the
#                                     current environment (the tests start one with FAULT_INJECT)
#   scripts/cluster.sh reset          stop, then delete $VAR/cluster
#
# Environment:
#   VAR        state directory (default <repo>/var); everything lives in $VAR/cluster
#   BIN        pool binary (default <repo>/build/medusa-c)
#   WORKERS    workers per pool (default 2)
#   PORT       nginx port, round robin over both pools (default: first free port from 18480)
#              PORT+1 reaches only pool A, PORT+2 only pool B (tests that need one pool).
#              Ports are chosen at each start and written to $VAR/cluster/cluster.env
#   CLUSTER_PORT_BASE  first of 12 consecutive ports for the nodes (default: a free block from
#              24400): node N uses BASE+N-1 for SQL, BASE+3+N-1 for group communication,
#              BASE+6+N-1 for IST, BASE+9+N-1 for SST
#   DB_SYNC_WAIT   passed to both pools (default 1: read-your-writes across nodes; 0 only to
#              measure what that costs)
#   NEXT_UPSTREAM  the balancer's fastcgi_next_upstream (default "error timeout"; a 503 is
#              resent to the other pool by an error_page, whatever the method: docs/CLUSTER.md
#              "The balancer" says why and compares the alternatives)
#   MARIADBD_OPTS  extra options for every node, word-split (as scripts/stack.sh)
#   JWT_SECRET, COOKIE_SECRET  from the environment, else generated once into
#              $VAR/cluster/secrets.env (mode 600); both pools get the same values
#   Everything else the pools read (PASSWORD_SCRYPT_LOGN, STORE_CORS, ...) is inherited.
#
# The nodes run with --no-defaults (never the system my.cnf, never port 3306), each with its own
# datadir, unix socket and loopback ports. As root they run as the `mysql` user (state transfer
# refuses to run as root), so their directories are chowned to it. The chosen ports and paths are
# written to $VAR/cluster/cluster.env for the tests.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf 'cluster: %s\n' "$*"; }
die() { printf 'cluster: %s\n' "$*" >&2; exit 1; }
abspath() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }

VAR=$(abspath "${VAR:-$ROOT/var}")
VAR=${VAR%/}
BIN=$(abspath "${BIN:-$ROOT/build/medusa-c}")
WORKERS=${WORKERS:-2}
NEXT_UPSTREAM=${NEXT_UPSTREAM:-error timeout}
# DB_SYNC_WAIT of both pools: 1 unless set (0 only to measure what read-your-writes costs).
SYNC_WAIT=${DB_SYNC_WAIT:-1}
[[ $SYNC_WAIT =~ ^[0-9]{1,2}$ ]] || die "DB_SYNC_WAIT '$SYNC_WAIT' must be 0..15"
[[ $NEXT_UPSTREAM =~ ^[a-z0-9_\ ]+$ ]] || die "NEXT_UPSTREAM '$NEXT_UPSTREAM': nginx fastcgi_next_upstream words only"
[[ $VAR =~ ^/[A-Za-z0-9._/-]*$ ]] || die "VAR '$VAR' must be a path of [A-Za-z0-9._/-] only"
if ! [[ $WORKERS =~ ^[0-9]{1,3}$ ]] || [ "$WORKERS" -lt 1 ]; then die "WORKERS '$WORKERS' must be 1..999"; fi

C=$VAR/cluster
LOG=$C/log
ENV_FILE=$C/cluster.env
SECRETS=$C/secrets.env
NGX_CONF=$C/nginx.conf
NGX_PID=$C/nginx.pid
NGX_LOG=$LOG/nginx-error.log
DB_NAME=medusa
GALERA=/usr/lib/galera/libgalera_smm.so
CLUSTER_NAME=medusa-c
NODES=(1 2 3)

[ ${#C} -le 80 ] || die "VAR '$VAR' is too long for the unix socket paths under it"

AS_ROOT=
[ "$(id -u)" -eq 0 ] && AS_ROOT=1

node_dir() { printf '%s/node%s' "$C" "$1"; }
node_sock() { printf '%s/node%s/mysqld.sock' "$C" "$1"; }
node_pidf() { printf '%s/node%s/mysqld.pid' "$C" "$1"; }
node_log() { printf '%s/node%s/mariadb.log' "$C" "$1"; }
pool_sock() { printf '%s/pool%s.sock' "$C" "$1"; }
pool_pidf() { printf '%s/pool%s.pid' "$C" "$1"; }

# --- process bookkeeping (as scripts/stack.sh) ----------------------------------------------

pid_of() {
    local file=$1 needle=$2 pid cmd
    [ -f "$file" ] || return 1
    pid=$(<"$file") || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    cmd=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
    [[ $cmd == *"$needle"* ]] || return 1
    printf '%s' "$pid"
}
gone() {
    local stat
    kill -0 "$1" 2>/dev/null || return 0
    stat=$( { cat "/proc/$1/stat"; } 2>/dev/null) || return 0
    stat=${stat##*) }
    [ "${stat%% *}" = Z ]
}
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
        tail -n 30 "$f" >&2
    done
}
# mariadbd writes its own pid file only after a state transfer: the launcher's record comes first.
node_pid() {
    pid_of "$(node_pidf "$1").launch" "--socket=$(node_sock "$1")" ||
        pid_of "$(node_pidf "$1")" "--socket=$(node_sock "$1")"
}
# The pool binary's argv says nothing about its socket; its environment does.
pool_pid() {
    local pid env
    [ -f "$(pool_pidf "$1")" ] || return 1
    pid=$(<"$(pool_pidf "$1")") || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    env=$( { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null) || return 1
    grep -qxF -- "LISTEN=unix:$(pool_sock "$1")" <<<"$env" || return 1
    printf '%s' "$pid"
}
ngx_pid() { pid_of "$NGX_PID" "$NGX_CONF"; }

# --- ports ----------------------------------------------------------------------------------

port_free() {
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}
# first_free_block START COUNT: first port >= START with COUNT consecutive free ports. Below the
# kernel's ephemeral range (32768+), so an outgoing connection never takes a port a node needs
# again when it restarts.
first_free_block() {
    local p=$1 n=$2 i ok
    while [ "$p" -lt 32000 ]; do
        ok=1
        for ((i = 0; i < n; i++)); do
            if ! port_free $((p + i)); then ok=; break; fi
        done
        [ -n "$ok" ] && { printf '%s' "$p"; return 0; }
        p=$((p + n))
    done
    return 1
}

# Ports are chosen at every `start` (nothing runs then) and kept in cluster.env for the commands
# that follow: a restarted node must come back on its own ports.
choose_ports() {
    local base=${CLUSTER_PORT_BASE:-} port=${PORT:-} i
    if [ -z "$base" ]; then
        base=$(first_free_block 24400 12) || die "no 12 consecutive free ports for the nodes"
    else
        if ! [[ $base =~ ^[0-9]{4,5}$ ]] || [ "$base" -le 1024 ] || [ "$base" -ge 65500 ]; then
            die "bad CLUSTER_PORT_BASE '$base'"
        fi
        for ((i = 0; i < 12; i++)); do port_free $((base + i)) || die "port $((base + i)) (CLUSTER_PORT_BASE+$i) is in use"; done
    fi
    if [ -z "$port" ]; then
        port=$(first_free_block 18480 3) || die "no 3 consecutive free ports for nginx"
    else
        if ! [[ $port =~ ^[0-9]{1,5}$ ]] || [ "$port" -lt 1 ] || [ "$port" -ge 65500 ]; then die "bad PORT '$port'"; fi
        for ((i = 0; i < 3; i++)); do port_free $((port + i)) || die "port $((port + i)) (PORT+$i) is in use"; done
    fi
    CLUSTER_PORT_BASE=$base
    PORT=$port
    write_env
}

write_env() {
    local n
    {
        printf '# written by scripts/cluster.sh start; read by tests/cluster/\n'
        printf 'CLUSTER_PORT_BASE=%s\nPORT=%s\nPORT_A=%s\nPORT_B=%s\n' "$CLUSTER_PORT_BASE" "$PORT" $((PORT + 1)) $((PORT + 2))
        printf 'DB_NAME=%s\n' "$DB_NAME"
        for n in "${NODES[@]}"; do
            printf 'NODE%s_SOCK=%s\nNODE%s_PORT=%s\n' "$n" "$(node_sock "$n")" "$n" "$(sql_port "$n")"
        done
        printf 'POOL_A_SOCK=%s\nPOOL_B_SOCK=%s\n' "$(pool_sock A)" "$(pool_sock B)"
    } >"$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"
}

sql_port() { printf '%s' $((CLUSTER_PORT_BASE + $1 - 1)); }
gcomm_port() { printf '%s' $((CLUSTER_PORT_BASE + 3 + $1 - 1)); }
ist_port() { printf '%s' $((CLUSTER_PORT_BASE + 6 + $1 - 1)); }
sst_port() { printf '%s' $((CLUSTER_PORT_BASE + 9 + $1 - 1)); }

# --- Galera nodes ---------------------------------------------------------------------------

client() {
    local n=$1
    shift
    mariadb --no-defaults --socket="$(node_sock "$n")" --user=root --default-character-set=utf8mb4 \
        --connect-timeout=2 "$@"
}
# status_var N NAME: a wsrep status value of node N, or nothing when it does not answer
status_var() {
    client "$1" --batch --skip-column-names -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | cut -f2
}

node_args() {
    local n=$1 d addr peers=() i
    d=$(node_dir "$n")
    for i in "${NODES[@]}"; do peers+=("127.0.0.1:$(gcomm_port "$i")"); done
    addr=$(IFS=,; printf '%s' "${peers[*]}")
    # Provider options: every listener on loopback with the node's own port; a 128 MB gcache
    # (after a short outage the missed write sets are still in a peer's gcache: IST, not SST);
    # failure detection shortened from 5 s / 15 s to 3 s / 6 s, because every peer is on this
    # host: a killed node stalls the others' commits for about suspect_timeout. Shorter than 3 s
    # made a busy 2-core machine suspect live nodes; on a real network measure before lowering.
    local popts
    popts="gmcast.listen_addr=tcp://127.0.0.1:$(gcomm_port "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n")"
    popts="$popts;gcache.size=128M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT3S"
    NODE_ARGS=(
        --no-defaults
        ${AS_ROOT:+--user=mysql}
        --datadir="$d/data" --socket="$(node_sock "$n")" --pid-file="$(node_pidf "$n")"
        --port="$(sql_port "$n")" --bind-address=127.0.0.1 --skip-name-resolve
        --log-error="$(node_log "$n")" --tmpdir="$d/tmp"
        --character-set-server=utf8mb4 --collation-server=utf8mb4_nopad_bin --default-time-zone=+00:00
        --innodb-buffer-pool-size=128M --innodb-log-file-size=48M
        --binlog-format=ROW --innodb-autoinc-lock-mode=2 --default-storage-engine=InnoDB
        --wsrep-on=ON --wsrep-provider="$GALERA" --wsrep-cluster-name="$CLUSTER_NAME"
        --wsrep-cluster-address="gcomm://$addr"
        --wsrep-node-name="node$n" --wsrep-node-address="127.0.0.1:$(gcomm_port "$n")"
        --wsrep-node-incoming-address="127.0.0.1:$(sql_port "$n")"
        --wsrep-provider-options="$popts"
        --wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:$(sst_port "$n")"
    )
    # shellcheck disable=SC2206  # MARIADBD_OPTS is meant to be word-split, as in stack.sh
    NODE_ARGS+=(${MARIADBD_OPTS:-})
}

prepare_node_dir() {
    local n=$1 d
    d=$(node_dir "$n")
    mkdir -p "$d/data" "$d/tmp"
    if [ -n "$AS_ROOT" ]; then
        chown -R mysql:mysql "$d"
        # The mysql user must reach its directory: every directory above it needs x for others.
        runuser -u mysql -- test -w "$d" ||
            die "user mysql cannot write '$d': make every directory above it traversable (chmod o+x)"
    fi
}

# init_node1: a fresh system schema for the bootstrap node; the joiners get theirs by SST.
init_node1() {
    local d
    d=$(node_dir 1)
    [ -d "$d/data/mysql" ] && return 0
    say "initialising node1's datadir"
    if ! mariadb-install-db --no-defaults --datadir="$d/data" ${AS_ROOT:+--user=mysql} \
        --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
        >"$LOG/mariadb-install.log" 2>&1; then
        tail_log "$LOG/mariadb-install.log"
        die "mariadb-install-db failed"
    fi
    [ -n "$AS_ROOT" ] && chown -R mysql:mysql "$d"
    return 0
}

# recover_position N: after a crash grastate.dat says seqno -1; InnoDB knows the last committed
# write set. mariadbd --wsrep-recover prints it, and --wsrep-start-position hands it to Galera,
# so the node asks for an incremental transfer (IST) instead of a full copy (SST). This is what
# Debian's galera_recovery does for the systemd unit.
RECOVERED=
recover_position() {
    local n=$1 rlog pos
    RECOVERED=
    grep -q '^seqno: *-1' "$(node_dir "$n")/data/grastate.dat" 2>/dev/null || return 0
    rlog=$(node_dir "$n")/recover.log
    : >"$rlog"
    [ -n "$AS_ROOT" ] && chown mysql:mysql "$rlog"
    node_args "$n"
    mariadbd "${NODE_ARGS[@]}" --log-error="$rlog" --wsrep-recover \
        </dev/null >/dev/null 2>&1 || true
    pos=$(sed -n 's/.*WSREP: Recovered position: *\([^ ]*\).*/\1/p' "$rlog" | tail -n 1)
    if [ -n "$pos" ]; then
        say "node$n: recovered position $pos"
        RECOVERED=$pos
    fi
}

launch_node() {
    local n=$1 extra=("${@:2}") pid deadline
    prepare_node_dir "$n"
    node_args "$n"
    rm -f "$(node_pidf "$n")"
    printf -- '--- cluster.sh start %s ---\n' "$(date -u +%FT%TZ)" >>"$(node_log "$n")"
    [ -n "$AS_ROOT" ] && chown mysql:mysql "$(node_log "$n")"
    setsid mariadbd "${NODE_ARGS[@]}" "${extra[@]}" </dev/null >>"$LOG/node$n.out" 2>&1 &
    pid=$!
    echo "$pid" >"$(node_pidf "$n").launch"
    deadline=$((SECONDS + 120))
    while [ $SECONDS -lt $deadline ]; do
        if mariadb-admin --no-defaults --socket="$(node_sock "$n")" --user=root --connect-timeout=1 \
            ping >/dev/null 2>&1; then
            return 0
        fi
        if gone "$pid"; then
            tail_log "$(node_log "$n")"
            die "node$n: mariadbd exited during startup"
        fi
        sleep 0.2
    done
    tail_log "$(node_log "$n")"
    die "node$n: no answer within 120 s"
}

# wait_synced N [SIZE]: node N is Synced in a primary component of SIZE nodes (default 3).
wait_synced() {
    local n=$1 want=${2:-3} deadline=$((SECONDS + 120)) state size status
    while [ $SECONDS -lt $deadline ]; do
        state=$(status_var "$n" wsrep_local_state_comment || true)
        size=$(status_var "$n" wsrep_cluster_size || true)
        status=$(status_var "$n" wsrep_cluster_status || true)
        if [ "$state" = Synced ] && [ "$size" = "$want" ] && [ "$status" = Primary ]; then return 0; fi
        sleep 0.2
    done
    tail_log "$(node_log "$n")"
    die "node$n not Synced in a cluster of $want within 120 s (state '${state:-?}', size '${size:-?}', status '${status:-?}')"
}

# wait_evicted N: before node N comes back, the running nodes must have dropped its previous
# incarnation from their view (after a kill -9 that takes evs.suspect_timeout); a node that
# rejoins while the others still wait for its old self hangs in GATHER for many seconds.
wait_evicted() {
    local n=$1 i up=0 size deadline=$((SECONDS + 30))
    for i in "${NODES[@]}"; do [ "$i" != "$n" ] && node_pid "$i" >/dev/null && up=$((up + 1)); done
    [ $up -gt 0 ] || return 0
    while [ $SECONDS -lt $deadline ]; do
        for i in "${NODES[@]}"; do
            [ "$i" = "$n" ] && continue
            size=$(status_var "$i" wsrep_cluster_size || true)
            [ -n "$size" ] || continue
            [ "$size" -le $up ] && return 0
            break
        done
        sleep 0.2
    done
    say "node$n: the others still count it after 30 s; starting anyway"
}

start_node() {
    local n=$1 t0=$SECONDS
    node_pid "$n" >/dev/null && die "node$n is already running"
    if [ "$n" = 1 ] && ! node_pid 2 >/dev/null && ! node_pid 3 >/dev/null; then
        # First node of a new cluster: --wsrep-new-cluster. After a clean stop (node1 stops last)
        # grastate.dat says safe_to_bootstrap: 1; after a crash of all nodes it does not.
        local gs
        gs=$(node_dir 1)/data/grastate.dat
        if [ -f "$gs" ] && grep -q '^safe_to_bootstrap: *0' "$gs"; then
            die "node1 is not safe to bootstrap (it did not stop last); 'scripts/cluster.sh reset' starts over"
        fi
        say "node1: bootstrapping a new cluster"
        launch_node 1 --wsrep-new-cluster
        wait_synced 1 1
    else
        wait_evicted "$n"
        recover_position "$n"
        say "node$n: joining"
        if [ -n "$RECOVERED" ]; then
            launch_node "$n" --wsrep-start-position="$RECOVERED"
        else
            launch_node "$n"
        fi
    fi
    say "node$n: up after $((SECONDS - t0)) s"
}

stop_node() {
    local n=$1 pid
    pid=$(node_pid "$n") || {
        rm -f "$(node_pidf "$n")" "$(node_pidf "$n").launch"
        return 0
    }
    say "stopping node$n (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 60; then
        say "node$n still running after 60 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 5 || true
    fi
    rm -f "$(node_pidf "$n")" "$(node_pidf "$n").launch"
}

kill_node() {
    local n=$1 pid
    pid=$(node_pid "$n") || die "node$n is not running"
    say "kill -9 node$n (pid $pid)"
    kill -KILL "$pid"
    wait_gone "$pid" 10 || die "node$n did not die"
    rm -f "$(node_pidf "$n").launch"
}

migrate() {
    client 1 -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin" ||
        die "cannot create database '$DB_NAME'"
    MARIADB_SOCKET=$(node_sock 1) DB_NAME=$DB_NAME DB_USER=root "$ROOT/sql/migrate.sh" >"$LOG/migrate.log" 2>&1 || {
        tail_log "$LOG/migrate.log"
        die "migrations failed"
    }
    say "$(tail -n 1 "$LOG/migrate.log")"
}

# --- secrets, pools, nginx ------------------------------------------------------------------

load_secrets() {
    local env_jwt=${JWT_SECRET:-} env_cookie=${COOKIE_SECRET:-}
    if [ -z "$env_jwt" ] || [ -z "$env_cookie" ]; then
        if [ ! -s "$SECRETS" ]; then
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
        [ -n "$env_jwt" ] && JWT_SECRET=$env_jwt
        [ -n "$env_cookie" ] && COOKIE_SECRET=$env_cookie
    fi
    export JWT_SECRET COOKIE_SECRET
}

# start_pool A 1: pool A on node1. DB_SYNC_WAIT=1: every read waits until this node has applied
# what the cluster committed before it, so a write through one pool is read back through the
# other at once (read-your-writes across nodes).
start_pool() {
    local name=$1 n=$2
    rm -f "$(pool_sock "$name")"
    printf -- '--- cluster.sh start %s ---\n' "$(date -u +%FT%TZ)" >>"$LOG/pool$name.log"
    DATABASE_URL="mysql://root@localhost/$DB_NAME?socket=$(node_sock "$n")" DB_SYNC_WAIT=$SYNC_WAIT \
        LISTEN="unix:$(pool_sock "$name")" WORKERS=$WORKERS \
        setsid "$BIN" </dev/null >>"$LOG/pool$name.log" 2>&1 &
    echo $! >"$(pool_pidf "$name")"
    say "pool $name: $WORKERS worker(s) on node$n, DB_SYNC_WAIT=$SYNC_WAIT"
}

stop_pool() {
    local name=$1 pid
    if pid=$(pool_pid "$name"); then
        say "stopping pool $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" 15; then
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 5 || true
        fi
        if kill -0 -- "-$pid" 2>/dev/null; then
            sleep 1
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$(pool_pidf "$name")" "$(pool_sock "$name")"
}

# The FastCGI parameters, as nginx/medusa-c.conf.in.
fastcgi_params() {
    cat <<'EOF'
        fastcgi_param GATEWAY_INTERFACE CGI/1.1;
        fastcgi_param SERVER_SOFTWARE   nginx;
        fastcgi_param SERVER_PROTOCOL   $server_protocol;
        fastcgi_param REQUEST_METHOD    $request_method;
        fastcgi_param REQUEST_URI       $request_uri;
        fastcgi_param DOCUMENT_URI      $document_uri;
        fastcgi_param SCRIPT_NAME       "";
        fastcgi_param PATH_INFO         $uri;
        fastcgi_param QUERY_STRING      $query_string;
        fastcgi_param CONTENT_TYPE      $content_type;
        fastcgi_param CONTENT_LENGTH    $content_length;
        fastcgi_param REQUEST_SCHEME    $scheme;
        fastcgi_param HTTPS             $https if_not_empty;
        fastcgi_param REMOTE_ADDR       $remote_addr;
        fastcgi_param REMOTE_PORT       $remote_port;
        fastcgi_param SERVER_ADDR       $server_addr;
        fastcgi_param SERVER_PORT       $server_port;
        fastcgi_param SERVER_NAME       $server_name;
        fastcgi_param REQUEST_ID        $request_id;
EOF
}

# One nginx, three servers: PORT balances over both pools (what a deployment runs), PORT+1 and
# PORT+2 reach one pool each (what a test needs to pin a request to a node). X-Pool tells which
# pool answered a balanced request.
render_nginx() {
    local user_line=
    [ -n "$AS_ROOT" ] && user_line="user root;"
    {
        cat <<EOF
# Generated by scripts/cluster.sh; rewritten at every start.
$user_line
worker_processes 1;
pid "$NGX_PID";
error_log "$NGX_LOG" warn;
events { worker_connections 1024; }
http {
    default_type application/octet-stream;
    server_tokens off;
    log_format cluster '\$remote_addr [\$time_iso8601] "\$request" \$status \$request_time '
                       'upstream=\$upstream_addr \$upstream_status rid=\$request_id';
    access_log "$LOG/nginx-access.log" cluster;
    client_body_temp_path "$C/nginx/client_body";
    fastcgi_temp_path     "$C/nginx/fastcgi";
    proxy_temp_path       "$C/nginx/proxy";
    uwsgi_temp_path       "$C/nginx/uwsgi";
    scgi_temp_path        "$C/nginx/scgi";
    client_max_body_size    1m;
    client_body_buffer_size 1m;

    map \$upstream_addr \$medusa_pool {
        "~poolA\\.sock\$" A;
        "~poolB\\.sock\$" B;
        default          "\$upstream_addr";
    }

    upstream medusa_c_pools {
        server unix:$(pool_sock A) max_fails=1 fail_timeout=5s;
        server unix:$(pool_sock B) max_fails=1 fail_timeout=5s;
        keepalive 32;
    }
    upstream medusa_c_a { server unix:$(pool_sock A); keepalive 8; }
    upstream medusa_c_b { server unix:$(pool_sock B); keepalive 8; }

    server {
        listen 127.0.0.1:$PORT;
        error_page 502 503 504 = @unavailable;
        location / {
            fastcgi_pass medusa_c_pools;
            fastcgi_keep_conn on;
            # Resent to the next pool: a request never sent (connect error), a GET or DELETE
            # after an error or a timeout. Not a POST the pool received and then dropped or let
            # time out: it may have been applied (nginx resends POSTs only with non_idempotent).
            fastcgi_next_upstream         $NEXT_UPSTREAM;
            fastcgi_next_upstream_tries   2;
            fastcgi_next_upstream_timeout 15s;
            fastcgi_connect_timeout 2s;
            fastcgi_read_timeout    30s;
            # A 503 from a pool means nothing was applied (API.md section 10: a pool whose node
            # is down or cut off, a conflict that outlasted the retries), so any method goes to
            # the other pool once more, through @resend. An unknown outcome is a 500: kept.
            fastcgi_intercept_errors on;
            error_page 503 = @resend;
            error_page 502 504 = @unavailable;
            add_header X-Pool \$medusa_pool always;
$(fastcgi_params)
        }
        location @resend {
            fastcgi_pass medusa_c_pools;
            fastcgi_keep_conn on;
            fastcgi_next_upstream         http_503 non_idempotent;
            fastcgi_next_upstream_tries   2;
            fastcgi_next_upstream_timeout 15s;
            fastcgi_connect_timeout 2s;
            fastcgi_read_timeout    30s;
            add_header X-Pool \$medusa_pool always;
            add_header X-Resent 503 always;
$(fastcgi_params)
        }
        location @unavailable {
            default_type "application/json; charset=utf-8";
            add_header Retry-After 1 always;
            return 503 '{"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."}';
        }
    }
EOF
        local name lname port
        for name in A B; do
            if [ $name = A ]; then port=$((PORT + 1)); lname=a; else port=$((PORT + 2)); lname=b; fi
            cat <<EOF
    server {
        listen 127.0.0.1:$port;
        location / {
            fastcgi_pass medusa_c_$lname;
            fastcgi_keep_conn on;
            add_header X-Pool $name always;
$(fastcgi_params)
        }
    }
EOF
        done
        printf '}\n'
    } >"$NGX_CONF.tmp"
    mv "$NGX_CONF.tmp" "$NGX_CONF"
    nginx -q -t -p "$C/" -c "$NGX_CONF" -e "$NGX_LOG" 2>"$LOG/nginx-test.log" || {
        cat "$LOG/nginx-test.log" >&2
        die "nginx rejects '$NGX_CONF'"
    }
}

start_nginx() {
    rm -f "$NGX_PID"
    nginx -p "$C/" -c "$NGX_CONF" -e "$NGX_LOG" </dev/null 2>"$LOG/nginx-start.log" || {
        tail_log "$LOG/nginx-start.log" "$NGX_LOG"
        die "nginx failed to start"
    }
    say "nginx: http://127.0.0.1:$PORT (both pools), :$((PORT + 1)) (pool A), :$((PORT + 2)) (pool B)"
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
    local p code='' deadline=$((SECONDS + 20))
    for p in $((PORT + 1)) $((PORT + 2)) "$PORT"; do
        while :; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$p/health" || true)
            [ "$code" = 200 ] && break
            if [ $SECONDS -ge $deadline ]; then
                tail_log "$LOG/poolA.log" "$LOG/poolB.log" "$NGX_LOG"
                die "GET http://127.0.0.1:$p/health did not answer 200 within 20 s (last: ${code:-none})"
            fi
            sleep 0.2
        done
    done
}

# --- commands -------------------------------------------------------------------------------

# galera-4: the provider; rsync: the state transfer method; ss (iproute2) or lsof: the SST
# script checks its listening port with one of them.
ensure_packages() {
    local missing=() p
    for p in galera-4 rsync; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    command -v ss >/dev/null || command -v lsof >/dev/null || missing+=(iproute2)
    [ ${#missing[@]} -eq 0 ] && return 0
    [ -n "$AS_ROOT" ] || die "missing packages; as root: apt-get install -y ${missing[*]}"
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
        die "apt-get install ${missing[*]} failed"
    # Debian starts mariadb on some installs; the cluster never uses the system server.
    if command -v systemctl >/dev/null 2>&1; then systemctl stop mariadb >/dev/null 2>&1 || true; fi
}

prepare_dirs() {
    if [ ! -d "$VAR" ]; then
        mkdir -p "$VAR"
        chmod 711 "$VAR"
    fi
    mkdir -p "$C" "$LOG" "$C/nginx"
    chmod 755 "$C"
    if [ -n "$AS_ROOT" ] && ! runuser -u mysql -- test -x "$C"; then
        # A VAR made by scripts/stack.sh is mode 700: the nodes (user mysql) must traverse it
        # to reach their own directories. x only: nothing in it becomes readable.
        say "making '$VAR' traversable for the mysql user (chmod o+x)"
        chmod o+x "$VAR"
        runuser -u mysql -- test -x "$C" ||
            die "user mysql cannot reach '$C': a directory above it is not traversable (chmod o+x)"
    fi
}

anything_running() {
    local n what=
    for n in "${NODES[@]}"; do node_pid "$n" >/dev/null && what="$what node$n"; done
    pool_pid A >/dev/null && what="$what poolA"
    pool_pid B >/dev/null && what="$what poolB"
    ngx_pid >/dev/null && what="$what nginx"
    printf '%s' "$what"
}

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

cmd_start() {
    local running t0=$SECONDS n
    running=$(anything_running)
    [ -z "$running" ] || die "already running in '$C':$running (use: scripts/cluster.sh stop)"
    [ -x "$BIN" ] || die "no executable at BIN='$BIN' (run make first)"
    command -v mariadbd >/dev/null || die "mariadbd is not installed (apt-get install mariadb-server)"
    ensure_packages
    prepare_dirs
    choose_ports
    trap 'exit 130' INT
    trap 'exit 143' TERM
    STARTING=1
    render_nginx
    for n in "${NODES[@]}"; do prepare_node_dir "$n"; done
    init_node1
    start_node 1
    start_node 2
    start_node 3
    for n in "${NODES[@]}"; do wait_synced "$n" 3; done
    say "3 nodes Synced after $((SECONDS - t0)) s"
    migrate
    load_secrets
    start_pool A 1
    start_pool B 2
    start_nginx
    wait_healthy
    STARTING=
    say "ready after $((SECONDS - t0)) s: http://127.0.0.1:$PORT (state in '$C', ports in '$ENV_FILE')"
}

cmd_stop() {
    # shellcheck disable=SC1090
    [ -f "$ENV_FILE" ] && . "$ENV_FILE"
    stop_nginx
    stop_pool A
    stop_pool B
    # node1 last: it then holds safe_to_bootstrap: 1 and a later start can bootstrap from it.
    stop_node 3
    stop_node 2
    stop_node 1
}

cmd_status() {
    local n pid all=0 state size
    # shellcheck disable=SC1090
    [ -f "$ENV_FILE" ] && . "$ENV_FILE"
    for n in "${NODES[@]}"; do
        if pid=$(node_pid "$n"); then
            state=$(status_var "$n" wsrep_local_state_comment || true)
            size=$(status_var "$n" wsrep_cluster_size || true)
            say "node$n  running (pid $pid, $(node_sock "$n"), state ${state:-?}, cluster size ${size:-?})"
        else
            say "node$n  stopped"
            all=3
        fi
    done
    for n in A B; do
        if pid=$(pool_pid $n); then say "pool $n  running (pid $pid, $(pool_sock $n))"; else say "pool $n  stopped"; all=3; fi
    done
    if pid=$(ngx_pid); then say "nginx   running (pid $pid, http://127.0.0.1:${PORT:-?})"; else say "nginx   stopped"; all=3; fi
    return $all
}

need_env() {
    [ -f "$ENV_FILE" ] || die "no '$ENV_FILE': the cluster was never started here"
    # shellcheck disable=SC1090
    . "$ENV_FILE"
}
node_arg() {
    [[ ${1:-} =~ ^[123]$ ]] || die "node number must be 1, 2 or 3"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
kill-node) node_arg "${2:-}"; need_env; kill_node "$2" ;;
start-node)
    node_arg "${2:-}"
    need_env
    start_node "$2"
    wait_synced "$2" 3
    ;;
wait-synced) node_arg "${2:-}"; need_env; wait_synced "$2" "${3:-3}" ;;
restart-pool)
    [[ ${2:-} =~ ^[AB]$ ]] || die "pool must be A or B"
    need_env
    load_secrets
    # no drain (that waits up to 10 s for nginx's kept connections): a test pool, stopped hard
    if pid=$(pool_pid "$2"); then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
    stop_pool "$2"
    if [ "$2" = A ]; then start_pool A 1; else start_pool B 2; fi
    ;;
sql)
    node_arg "${2:-}"
    need_env
    n=$2
    shift 2
    client "$n" "$DB_NAME" "$@"
    ;;
reset)
    cmd_stop
    say "deleting '$C'"
    rm -rf "$C"
    ;;
*)
    echo "usage: scripts/cluster.sh start|stop|status|kill-node N|start-node N|wait-synced N|sql N ...|restart-pool A|B|reset" >&2
    echo "       (env: VAR BIN WORKERS PORT CLUSTER_PORT_BASE)" >&2
    exit 2
    ;;
esac
