#!/bin/bash
# tests/soak/run.sh [SECONDS]: a long mixed workload against the real stack (nginx -> pool ->
# MariaDB), then a verdict on errors and worker memory.
#
# Without BASE_URL it brings up its own stack (scripts/stack.sh, VAR=var/soak, a free PORT,
# PASSWORD_SCRYPT_LOGN=12 so registrations and logins are cheap enough to mix in; the cost
# is printed). With BASE_URL it uses that stack; /status?json must be reachable there (it is
# served on loopback only) and the workers must run on this machine, for their RSS.
#
# The workload is tests/soak/mixed.lua under wrk (one customer per wrk thread; GET/POST me,
# billing, address add/update/delete, GET /store/auth, login, register). A warm-up of
# SOAK_WARMUP seconds (default 20) comes first so one-time allocations (prepared statements,
# buffers, the login dummy record) are not counted as growth; worker RSS (VmRSS) is read after
# it and again at the end, once the workers are idle.
#
# Prints: total requests, status counts, unexpected answers (any non-2xx) and socket errors,
# latency, worker RSS at start and end. Exit 1 if any error, if a worker was restarted, or if
# a worker's RSS grew by more than SOAK_RSS_SLACK_KB (default 1024 = 1 MiB).
#
# Env: BASE_URL, WORKERS (default: CPUs), SOAK_CONNECTIONS (16), SOAK_THREADS (2),
#      SOAK_WARMUP (20), SOAK_RSS_SLACK_KB (1024), BIN, VAR (default var/soak), LOG_REQUESTS (0).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SECS="${1:-${SOAK_SECONDS:-600}}"
CONNS="${SOAK_CONNECTIONS:-16}"
THREADS="${SOAK_THREADS:-2}"
WARMUP="${SOAK_WARMUP:-20}"
SLACK_KB="${SOAK_RSS_SLACK_KB:-1024}"
[[ $SECS =~ ^[0-9]+$ ]] && [ "$SECS" -ge 1 ] || { echo "soak: SECONDS must be a positive integer, got '$SECS'" >&2; exit 2; }
command -v wrk >/dev/null || { echo "soak: wrk missing (apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "soak: curl missing" >&2; exit 1; }

OWN_STACK=
if [ -z "${BASE_URL:-}" ]; then
	OWN_STACK=1
	export VAR="${VAR:-$ROOT/var/soak}"
	mkdir -p "$VAR"
	export PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	export WORKERS="${WORKERS:-$(nproc)}"
	export PASSWORD_SCRYPT_LOGN="${PASSWORD_SCRYPT_LOGN:-12}"
	export LOG_REQUESTS="${LOG_REQUESTS:-0}"
	export BIN="${BIN:-$ROOT/build/medusa-c}"
	BASE_URL="http://127.0.0.1:$PORT"
	mkdir -p "$VAR/log"
	LOG_OFF=$(stat -c %s "$VAR/log/medusa-c.log" 2>/dev/null || echo 0)
	cleanup() { "$ROOT/scripts/stack.sh" stop >>"$VAR/soak-stack.log" 2>&1 || true; }
	trap cleanup EXIT
	echo "soak: starting a stack in $VAR on port $PORT ($WORKERS workers, PASSWORD_SCRYPT_LOGN=$PASSWORD_SCRYPT_LOGN, LOG_REQUESTS=$LOG_REQUESTS)"
	"$ROOT/scripts/stack.sh" start >"$VAR/soak-stack.log" 2>&1 || { tail -20 "$VAR/soak-stack.log"; exit 1; }
fi
B="${BASE_URL%/}"

status_json() { curl -sf --max-time 5 "$B/status?json"; }
status_json >/dev/null || { echo "soak: $B/status?json is not reachable (loopback only)" >&2; exit 1; }

# "pid rss_kb" per worker, from /status?json and /proc
worker_rss() {
	status_json | python3 -c '
import json, sys
for w in json.load(sys.stdin)["workers"]:
    rss = "?"
    try:
        for line in open("/proc/%d/status" % w["pid"]):
            if line.startswith("VmRSS:"):
                rss = line.split()[1]
    except OSError:
        pass
    print(w["pid"], rss)'
}
field() { status_json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
# requests still queued when wrk stops (scrypt) finish before RSS is read; the worker that
# serves /status is busy with that very request, so one busy worker counts as idle
wait_idle() {
	for _ in $(seq 100); do
		status_json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if sum(w["state"]!="idle" for w in d["workers"])<=1 else 1)' && return
		sleep 0.1
	done
}

# one customer per wrk thread, with two shipping addresses to start from
TAG="$(date +%s)$$"
export SOAK_TAG="$TAG" SOAK_PASSWORD="soak-password-$TAG"
tokens=() emails=()
for i in $(seq "$THREADS"); do
	email="soak.$TAG.owner$i@example.com"
	curl -sf -X POST "$B/store/customers" -H 'Content-Type: application/json' \
		-d "{\"email\":\"$email\",\"password\":\"$SOAK_PASSWORD\"}" >/dev/null
	tok=$(curl -sf -X POST "$B/store/auth/token" -H 'Content-Type: application/json' \
		-d "{\"email\":\"$email\",\"password\":\"$SOAK_PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
	tokens+=("$tok")
	emails+=("$email")
done
export SOAK_TOKENS=$(IFS=,; echo "${tokens[*]}") SOAK_EMAILS=$(IFS=,; echo "${emails[*]}")

run_wrk() { # seconds outfile phase (the phase keeps registered emails unique across runs)
	wrk -t"$THREADS" -c"$CONNS" -d"${1}s" --timeout 10s --latency -s "$ROOT/tests/soak/mixed.lua" "$B" -- "$3" \
		>"$2" 2>&1 || true
}
val() { awk -v k="$1" '$1==k":" {print $2}' "$2" | head -1; }

OUT="$(mktemp -d /tmp/medusa-c-soak.XXXXXX)"
echo "soak: warm-up ${WARMUP}s"
run_wrk "$WARMUP" "$OUT/warmup.txt" warm
wait_idle
restarts0=$(field restarts)
killed0=$(field killed)
worker_rss >"$OUT/rss-start.txt"
echo "soak: ${SECS}s, wrk -t$THREADS -c$CONNS against $B (output in $OUT)"
start=$(date +%s)
run_wrk "$SECS" "$OUT/soak.txt" main
elapsed=$(($(date +%s) - start))
wait_idle
worker_rss >"$OUT/rss-end.txt"
restarts1=$(field restarts)
killed1=$(field killed)

grep -E '^soak-(status|sample)' "$OUT/soak.txt" | sed 's/^/  /' || true
requests=$(val soak-requests "$OUT/soak.txt")
unexpected=$(val soak-unexpected "$OUT/soak.txt")
sockerr=$(val soak-socket-errors "$OUT/soak.txt")
warm_bad=$(( $(val soak-unexpected "$OUT/warmup.txt" || echo 0) + $(val soak-socket-errors "$OUT/warmup.txt" || echo 0) ))
requests=${requests:-0} unexpected=${unexpected:-1} sockerr=${sockerr:-1}
rps=$(awk '/^Requests\/sec/ {print $2}' "$OUT/soak.txt")
echo "soak: elapsed ${elapsed}s, total requests $requests (${rps:-?} req/s), unexpected answers $unexpected, socket errors $sockerr, warm-up errors $warm_bad"
grep '^soak-latency-ms' "$OUT/soak.txt" | sed 's/^soak-latency-ms:/soak: latency ms/'
echo "soak: restarts $restarts0 -> $restarts1, killed $killed0 -> $killed1"
fail=0
printf 'soak: %-8s %12s %12s %10s\n' pid "rss start" "rss end" growth
while read -r pid rss0; do
	rss1=$(awk -v p="$pid" '$1==p {print $2}' "$OUT/rss-end.txt")
	if [ -z "$rss1" ] || [ "$rss1" = "?" ] || [ "$rss0" = "?" ]; then
		printf 'soak: %-8s %9s kB %12s %10s\n' "$pid" "$rss0" "gone" "-"
		fail=1
		continue
	fi
	growth=$((rss1 - rss0))
	printf 'soak: %-8s %9s kB %9s kB %7s kB\n' "$pid" "$rss0" "$rss1" "$growth"
	[ "$growth" -le "$SLACK_KB" ] || { echo "soak: worker $pid grew by $growth kB (> $SLACK_KB kB)"; fail=1; }
done <"$OUT/rss-start.txt"
[ "$unexpected" -eq 0 ] && [ "$sockerr" -eq 0 ] && [ "$warm_bad" -eq 0 ] || fail=1
[ "$restarts1" = "$restarts0" ] && [ "$killed1" = "$killed0" ] || { echo "soak: a worker was restarted or killed"; fail=1; }
[ "$requests" -gt 0 ] || fail=1
if [ -n "$OWN_STACK" ]; then
	crashes=$(tail -c +$((LOG_OFF + 1)) "$VAR/log/medusa-c.log" 2>/dev/null |
		grep -E "killed by signal|exited with status|failed with exit status|stuck in one request|AddressSanitizer|runtime error" | tail -5 || true)
	[ -z "$crashes" ] || { echo "soak: worker log:"; echo "$crashes" | sed 's/^/  | /'; fail=1; }
fi
if [ "$fail" -eq 0 ]; then echo "soak: PASS"; else echo "soak: FAIL"; fi
exit "$fail"
