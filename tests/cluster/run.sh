#!/bin/bash
# tests/cluster/run.sh: the Galera cluster tests on a throwaway cluster. Starts a 3-node cluster
# with two pools and nginx (scripts/cluster.sh) under a fresh temporary directory, runs
# tests/cluster/test_cluster.py against it, stops everything (also on failure or Ctrl-C), prints
# the time of each phase and ends with one line "N passed, M failed, K skipped".
#
# Env: BIN (default <repo>/build/medusa-c, built by `make`), WORKERS (per pool, default 2),
# KEEP=1 keeps the state directory (logs are kept either way when something failed).
# Needs root or the packages galera-4, rsync, lsof already installed (scripts/cluster.sh says which).
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export BIN="${BIN:-$ROOT/build/medusa-c}"
[ -x "$BIN" ] || { echo "tests/cluster/run.sh: no executable at BIN=$BIN (run make first)" >&2; exit 2; }

OUT="$(mktemp -d /tmp/medusa-c-cluster.XXXXXX)"
# The nodes run as the mysql user: it must traverse this directory (x only, nothing readable).
chmod 711 "$OUT"
export VAR="$OUT/var"
export WORKERS="${WORKERS:-2}"
JWT_SECRET="cluster-jwt-$(openssl rand -hex 24)"
COOKIE_SECRET="cluster-cookie-$(openssl rand -hex 24)"
export JWT_SECRET COOKIE_SECRET
# cheaper scrypt, as the main suite: registration cost is measured by make bench
export PASSWORD_SCRYPT_LOGN="${PASSWORD_SCRYPT_LOGN:-12}"
# the pools have no password pool here: every worker may hash at once, so the load of the
# failover checks (registrations from 4 clients) is not answered 429
export PASSWORD_CONCURRENCY="${PASSWORD_CONCURRENCY:-$WORKERS}"
unset PORT CLUSTER_PORT_BASE   # cluster.sh picks free ports

# both pools' outbox relays deliver to one real receiver (tests/integration/webhook_receiver.py)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HOOK_PORT=$(free_port)
CTL_PORT=$(free_port)
export EVENTS_WEBHOOK_SECRET="$(openssl rand -hex 32)"
export EVENTS_WEBHOOK_URL="http://127.0.0.1:$HOOK_PORT/hooks/medusa" EVENTS_RECEIVER_URL="http://127.0.0.1:$CTL_PORT"
export EVENTS_RETRY_MIN=1 EVENTS_RETRY_MAX=2 EVENTS_POLL_MS=200
python3 "$ROOT/tests/integration/webhook_receiver.py" "$HOOK_PORT" "$CTL_PORT" >"$OUT/receiver.log" 2>&1 &
RECEIVER_PID=$!

T0=$SECONDS
STOPPED=
stop_all() {
	[ -n "$STOPPED" ] && return 0
	STOPPED=1
	local t=$SECONDS
	"$ROOT/scripts/cluster.sh" stop >>"$OUT/cluster.log" 2>&1
	kill "$RECEIVER_PID" 2>/dev/null
	echo "stop: $((SECONDS - t)) s"
}
trap 'stop_all' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PASS=0
FAIL=0
SKIP=0
echo "cluster tests: state and logs in $OUT"
t=$SECONDS
if "$ROOT/scripts/cluster.sh" start >"$OUT/cluster.log" 2>&1; then
	T_START=$((SECONDS - t))
	echo "start: $T_START s (3 nodes Synced, migrated, 2 pools, nginx)"
	t=$SECONDS
	python3 "$ROOT/tests/cluster/test_cluster.py" >"$OUT/test_cluster.log" 2>&1
	rc=$?
	# checkout concurrency through both pools (tests/cluster/test_cluster_checkout.py), same log
	python3 "$ROOT/tests/cluster/test_cluster_checkout.py" >>"$OUT/test_cluster.log" 2>&1 || rc=1
	T_TESTS=$((SECONDS - t))
	# a TAP skip ("ok - ... # SKIP") is counted as a skip and fails the run (as in tests/run.sh)
	SKIP=$(grep -ciE '^ok .*#[[:space:]]*skip([[:space:]]|$)' "$OUT/test_cluster.log")
	PASS=$(($(grep -c '^ok ' "$OUT/test_cluster.log") - SKIP))
	FAIL=$(grep -c '^not ok ' "$OUT/test_cluster.log")
	if [ "$rc" -ne 0 ] && [ "$FAIL" -eq 0 ]; then
		echo "not ok - test_cluster.py exited with status $rc without a failing check" >>"$OUT/test_cluster.log"
		FAIL=$((FAIL + 1))
	fi
	# only a declared pending feature (Tap.pending: "# SKIP pending: ...") may skip
	if grep -iE '^ok .*#[[:space:]]*skip([[:space:]]|$)' "$OUT/test_cluster.log" | grep -qivE '#[[:space:]]*skip[[:space:]]+pending:'; then
		echo "not ok - test_cluster.py skipped checks that are not pending features; the cluster tests may not skip" >>"$OUT/test_cluster.log"
		FAIL=$((FAIL + 1))
	fi
	grep -iE '^(not ok|# )|^ok .*#[[:space:]]*skip([[:space:]]|$)' "$OUT/test_cluster.log" | sed 's/^/    /'
	echo "tests: $T_TESTS s ($PASS passed, $FAIL failed, $SKIP skipped)"
else
	echo "not ok - the cluster did not start:"
	tail -40 "$OUT/cluster.log" | sed 's/^/    | /'
	FAIL=$((FAIL + 1))
fi
stop_all

# A worker that crashed or failed is restarted by its pool master: the logs tell (cgi/pool.c).
crashes=$(grep -hE "killed by signal|failed with exit status|AddressSanitizer|runtime error" "$VAR"/cluster/log/pool*.log 2>/dev/null || true)
if [ -n "$crashes" ]; then
	echo "not ok - a worker crashed or a sanitizer reported:"
	echo "$crashes" | head -20 | sed 's/^/    | /'
	FAIL=$((FAIL + 1))
else
	echo "ok - no worker crashed during the run"
	PASS=$((PASS + 1))
fi

# On a failure, the workers' own account of it (CI keeps only this output, not $OUT).
if [ "$FAIL" -ne 0 ]; then
	echo "# error lines of the pool logs (counted, timestamps and pids cut):"
	grep -h " error " "$VAR"/cluster/log/pool*.log 2>/dev/null | cut -d' ' -f3- | cut -c1-240 |
		sort | uniq -c | sort -rn | head -15 | sed 's/^/#   /'
fi

TOTAL=$((SECONDS - T0))
echo "total: $TOTAL s (budget 300 s)"
[ "$TOTAL" -le 300 ] || echo "# warning: the cluster run took longer than its 5-minute budget"
if [ "$FAIL" -eq 0 ] && [ "${KEEP:-0}" != 1 ]; then
	rm -rf "$OUT"
else
	echo "logs: $OUT"
fi
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
