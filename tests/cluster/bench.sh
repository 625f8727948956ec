#!/bin/bash
# tests/cluster/bench.sh: what a Galera cluster costs and gives, on this machine. Runs the same
# wrk load (-t2 -c16, BENCH_SECONDS each, bearer tokens, 32 customers or one hot customer) against
#   single   scripts/stack.sh: one MariaDB without Galera, one pool of 4 workers
#   pool A   scripts/cluster.sh, only pool A (2 workers on node1; every commit replicated to 3 nodes)
#   both     scripts/cluster.sh, the round-robin balancer over pools A and B (2 + 2 workers)
# and prints req/s, p50, p99 and non-2xx per case. Every process shares this machine's cores:
# on one host a cluster can only cost; docs/CLUSTER.md says how to read the figures.
# Env: BIN (default build/medusa-c), BENCH_SECONDS (default 8), MARIADBD_OPTS (extra options for
# every MariaDB server of both setups, e.g. --innodb-flush-log-at-trx-commit=2).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export BIN="${BIN:-$ROOT/build/medusa-c}"
SECS="${BENCH_SECONDS:-8}"
command -v wrk >/dev/null || { echo "bench: wrk missing (apt-get install wrk)" >&2; exit 1; }
OUT="$(mktemp -d /tmp/medusa-c-cbench.XXXXXX)"
chmod 711 "$OUT"
JWT_SECRET="bench-jwt-$(openssl rand -hex 24)"
COOKIE_SECRET="bench-cookie-$(openssl rand -hex 24)"
export JWT_SECRET COOKIE_SECRET
export PASSWORD_SCRYPT_LOGN=12 LOG_REQUESTS=0
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cleanup() {
	VAR="$OUT/single" "$ROOT/scripts/stack.sh" stop >/dev/null 2>&1 || true
	VAR="$OUT/cluster" "$ROOT/scripts/cluster.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# tokens PORT N: registers N customers through PORT, prints their bearer tokens, comma separated
tokens() {
	python3 - "$1" "$2" <<'PY'
import http.client, json, secrets, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
run = secrets.token_hex(4)
out = []
for i in range(n):
    email = "bench.%s.%d@example.com" % (run, i)
    for path in ("/store/customers", "/store/auth/token"):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("POST", path, json.dumps({"email": email, "password": "bench-password"}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            sys.exit("%s -> %d %s" % (path, r.status, body[:200]))
    out.append(json.loads(body)["access_token"])
print(",".join(out))
PY
}

case_row() { # setup-name case-name port mode tokens
	local out rps p50 p99 bad
	out=$(TOKENS="$5" MODE="$4" wrk -t2 -c16 -d"${SECS}s" --latency -s "$ROOT/tests/cluster/spread.lua" \
		"http://127.0.0.1:$3" 2>&1)
	rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1=="50%" {print $2}')
	p99=$(echo "$out" | awk '$1=="99%" {print $2}')
	bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
	printf '%-8s %-34s %9s %9s %9s %7s\n' "$1" "$2" "$rps" "${p50:-?}" "${p99:-?}" "${bad:-0}"
}
cases() { # setup-name port
	case_row "$1" "GET /me, 32 customers" "$2" get "$T32"
	case_row "$1" "POST /me merge, 32 customers" "$2" merge "$T32"
	case_row "$1" "POST /me merge, 1 hot customer" "$2" merge "$T1"
}

echo "machine: $(uname -m), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t2 -c16 -d${SECS}s"
echo "MariaDB options: ${MARIADBD_OPTS:-(defaults: durable commits, innodb_flush_log_at_trx_commit=1)}"
printf '%-8s %-34s %9s %9s %9s %7s\n' setup case "req/s" p50 p99 non2xx

P=$(free_port)
VAR="$OUT/single" PORT=$P WORKERS=4 "$ROOT/scripts/stack.sh" start >"$OUT/single.log" 2>&1 || { tail -20 "$OUT/single.log"; exit 1; }
T32=$(tokens "$P" 32); T1=${T32%%,*}
cases single "$P"
VAR="$OUT/single" "$ROOT/scripts/stack.sh" stop >/dev/null 2>&1

VAR="$OUT/cluster" WORKERS=2 "$ROOT/scripts/cluster.sh" start >"$OUT/cluster.log" 2>&1 || { tail -20 "$OUT/cluster.log"; exit 1; }
# shellcheck disable=SC1091
. "$OUT/cluster/cluster/cluster.env"
T32=$(tokens "$PORT" 32); T1=${T32%%,*}
cases "pool A" "$PORT_A"
cases both "$PORT"
VAR="$OUT/cluster" "$ROOT/scripts/cluster.sh" stop >/dev/null 2>&1
rm -rf "$OUT"
