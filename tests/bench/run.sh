#!/bin/bash
# make bench: medusa-c against its ceiling, in the same run, behind the same nginx.
# For each case: req/s, p50, p99, non-2xx, and worker RSS before/after; the
# ceiling (tests/bench/ceiling.c: transport + the same SQL round trips, nothing
# else) is measured right after the case and the ratio printed.
# Then the login flood: GET /store/customers/me alone, and again while 16 connections flood
# POST /store/auth/token with unknown emails and wrong passwords.
# Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (16), WORKERS (default: CPUs), BIN,
# BENCH_ONLY=flood (only the login flood case), BENCH_ONLY=catalogue (only the product cases),
# BENCH_ONLY=checkout (only the cart cases and whole checkouts, tests/bench/checkout*.py).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export BENCH_DIR="$ROOT/tests/bench"
SECS="${BENCH_SECONDS:-10}"
CONNS="${BENCH_CONNECTIONS:-16}"
# One worker per CPU: on a quiet machine (README "Performance", 23:43-23:45 runs) 2 workers did as
# many line adds and checkouts as 4 or 6 and the cart read's p99 stayed under 20 ms (28 ms with 6);
# under heavy load more workers let commits share fsyncs: WORKERS overrides it, the ceiling gets
# the same pool (it reads WORKERS).
export WORKERS="${WORKERS:-$(nproc)}"
BIN="${BIN:-$ROOT/build/medusa-c}"
CEIL="$(dirname "$BIN")/bench/ceiling"
command -v wrk >/dev/null || { echo "bench: wrk missing (apt-get install wrk)"; exit 1; }

export VAR="${BENCH_VAR:-$ROOT/var/bench}"
mkdir -p "$VAR"
# The password pool's capacity stays as shipped (PASSWORD_CONN = 4 x PASSWORD_WORKERS); the
# per-address limits are lifted, so wrk's one address acts like a flood from many addresses
# (the worst case for the rest of the API: the password pool is kept busy all the time).
export PASSWORD_RATE=100000r/s PASSWORD_BURST=100000 PASSWORD_CONN_PER_IP=65535
export PASSWORD_WORKERS="${PASSWORD_WORKERS:-1}"
PW_CONNS=$((PASSWORD_WORKERS * 4))
export PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
B="http://127.0.0.1:$PORT"
CB="http://127.0.0.1:$CPORT"

cleanup() {
	[ -f "$VAR/ceiling-nginx.pid" ] && kill "$(cat "$VAR/ceiling-nginx.pid")" 2>/dev/null || true
	[ -n "${CEIL_PID:-}" ] && kill "$CEIL_PID" 2>/dev/null || true
	BIN="$BIN" "$ROOT/scripts/stack.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
# SEED_FILES empty: the seed below is the bench catalogue, not the demo one
SEED_FILES= BIN="$BIN" "$ROOT/scripts/stack.sh" start >"$VAR/stack-start.log" 2>&1 || { tail -20 "$VAR/stack-start.log"; exit 1; }

# a customer with a billing address, at the default (production) scrypt cost
export BENCH_EMAIL="bench$(date +%s%N)@example.com" BENCH_PASSWORD="bench-password-1"
curl -sf -X POST "$B/store/customers" -H 'Content-Type: application/json' \
	-d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" >/dev/null
export TOKEN=$(curl -sf -X POST "$B/store/auth/token" -H 'Content-Type: application/json' \
	-d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
ME=$(curl -sf -X POST "$B/store/customers/me" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	-d '{"billing_address":{"first_name":"B","last_name":"C","address_1":"Via Roma 1","city":"Milano","country_code":"it","postal_code":"20121"}}')
export BENCH_CUSTOMER=$(echo "$ME" | python3 -c 'import json,sys; print(json.load(sys.stdin)["customer"]["id"])')

# the catalogue: the seed Medusa's answers were recorded with (about 60 KB per product list);
# its EU region and first product, and the answers the ceiling sends back byte for byte
SEED="${BENCH_SEED:-$ROOT/../shared/reference/store-seed.json}"
CATALOGUE=0
if [ -f "$SEED" ] && DATABASE_URL="mysql://root@localhost/medusa?socket=$VAR/mysqld.sock" \
	"${BENCH_IMPORT_BIN:-$BIN}" import "$SEED" >"$VAR/import.log" 2>&1; then
	export BENCH_REGION=$(mariadb -S "$VAR/mysqld.sock" -uroot medusa -N -e "SELECT id FROM region WHERE name = 'EU'")
	export BENCH_PRODUCT=$(curl -sf "$B/store/products?limit=1&fields=id&expand=" | python3 -c 'import json,sys; print(json.load(sys.stdin)["products"][0]["id"])')
	curl -sf "$B/store/products?limit=12&region_id=$BENCH_REGION" >"$VAR/ceil-list.json"
	curl -sf "$B/store/products/$BENCH_PRODUCT?region_id=$BENCH_REGION" >"$VAR/ceil-product.json"
	export CEIL_LIST_BODY="$VAR/ceil-list.json" CEIL_PRODUCT_BODY="$VAR/ceil-product.json"
	CATALOGUE=1
else
	echo "bench: no catalogue cases (import of $SEED failed, see $VAR/import.log)"
fi

# the checkout cases: the bench's own products (stock for any run), a cart of three lines, 64 carts
# to add lines to, and the medusa-c answer the ceiling sends back for the cart read
CHECKOUT=0
if [ "$CATALOGUE" = 1 ] && python3 "$BENCH_DIR/checkout_setup.py" "$PORT" "$VAR/mysqld.sock" \
	>"$VAR/checkout.env" 2>"$VAR/checkout-setup.log"; then
	set -a; . "$VAR/checkout.env"; set +a
	curl -sf "$B/store/carts/$BENCH_CART" >"$VAR/ceil-cart.json"
	export CEIL_CART_BODY="$VAR/ceil-cart.json"
	CHECKOUT=1
else
	echo "bench: no checkout cases ($(tail -1 "$VAR/checkout-setup.log"))"
fi

# the ceiling: same nginx config, another port, another socket
LISTEN="$VAR/ceiling.sock" DB_SOCKET="$VAR/mysqld.sock" DB_NAME=medusa "$CEIL" >"$VAR/log/ceiling.log" 2>&1 &
CEIL_PID=$!
sed -e "s#$VAR/medusa-c.sock#$VAR/ceiling.sock#" -e "s#127.0.0.1:$PORT#127.0.0.1:$CPORT#" \
	-e "s#$VAR/nginx.pid#$VAR/ceiling-nginx.pid#" "$VAR/nginx.conf" >"$VAR/ceiling-nginx.conf"
nginx -p "$VAR" -c "$VAR/ceiling-nginx.conf" -e "$VAR/log/ceiling-nginx-error.log"
for _ in $(seq 50); do curl -sf "$CB/fixed" >/dev/null 2>&1 && break; sleep 0.1; done

worker_rss() { # total and max RSS (KiB) of the medusa-c workers
	local master; master=$(cat "$VAR/medusa-c.pid")
	ps -o rss= --ppid "$master" | awk '{t+=$1; if ($1>m) m=$1} END {printf "%d/%d", m, NR}'
}

wait_idle() { # requests still queued when wrk stops (scrypt cases) finish before RSS is read
	# (the worker answering /status is busy with that request itself)
	for _ in $(seq 100); do
		curl -sf "$B/status?json" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if sum(w["state"]!="idle" for w in d["workers"]+d.get("password_workers",[])) <= 1 else 1)' && return
		sleep 0.1
	done
}

# wrk_case URL SCRIPT [CONNECTIONS] -> "rps p50 p99 non2xx"
wrk_case() {
	local out
	out=$(wrk -t2 -c"${3:-$CONNS}" -d"${SECS}s" --latency -s "$2" "$1" 2>&1)
	local rps p50 p99 bad
	rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1=="50%" {print $2}')
	p99=$(echo "$out" | awk '$1=="99%" {print $2}')
	bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
	echo "$rps ${p50:-?} ${p99:-?} ${bad:-0}"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
printf '\nmachine: %s, %s cores, %s; workers=%s, wrk -t2 -c%s -d%ss\n' "$(uname -m)" "$(nproc)" \
	"$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)" "$WORKERS" "$CONNS" "$SECS"
printf '%-34s %10s %9s %9s %7s %12s %12s %10s %9s %7s\n' case "req/s" p50 p99 non2xx "rss before" "rss after" ceiling "ceil p99" ratio
row() { # name url script ceiling-url [connections]
	local before after r c ratio
	before=$(worker_rss)
	r=($(wrk_case "$2" "$3" "${5:-}"))
	wait_idle
	after=$(worker_rss)
	if [ -n "$4" ]; then
		c=($(wrk_case "$4" "$3"))
		ratio=$(python3 -c "print('%.0f%%' % (100*float('${r[0]}')/float('${c[0]}')))")
	else
		c=("-" "-" "-"); ratio="-"
	fi
	printf '%-34s %10s %9s %9s %7s %12s %12s %10s %9s %7s\n' "$1" "${r[0]}" "${r[1]}" "${r[2]}" "${r[3]}" \
		"$before" "$after" "${c[0]}" "${c[2]}" "$ratio"
	# a ceiling that answers errors is no yardstick (until 20:20 UTC 2026-11-27 every ceiling answer
	# was cut after its Content-Length header: libfcgi's FCGX_FPrintF has no %zu)
	[ "${c[3]:-0}" = 0 ] || [ "${c[3]}" = - ] || echo "  ^ the ceiling answered ${c[3]} non-2xx: its figures are not a yardstick"
}
catalogue_rows() {
	[ "$CATALOGUE" = 1 ] || return 0
	row "GET /store/products?limit=12 (EU)" "$B" "$BENCH_DIR/products_list.lua" "$CB"
	row "GET /store/products/:id (EU)" "$B" "$BENCH_DIR/product_get.lua" "$CB"
}
checkout_rows() {
	[ "$CHECKOUT" = 1 ] || return 0
	row "GET /store/carts/:id (3 lines)" "$B" "$BENCH_DIR/cart_get.lua" "$CB"
	row "POST /store/carts/:id/line-items" "$B" "$BENCH_DIR/line_item_add.lua" "$CB"
	# whole checkouts (7 requests each, tests/bench/checkout.py); ceiling: the same driver sending
	# the same requests to the ceiling's /fixed (transport and driver, no database)
	if [ "$BENCH_CHECKOUT_OK" != 1 ]; then
		echo "bench: no checkouts case ($(tail -1 "$VAR/checkout-setup.log"))"
		return 0
	fi
	local before after k c ratio
	before=$(worker_rss)
	python3 "$BENCH_DIR/checkout.py" "$PORT" "$SECS" "$CONNS" "$BENCH_REGION_EU" "${BENCH_VARIANTS%%,*}" \
		"$BENCH_OPTION" >"$VAR/checkout.out"
	k=($(head -1 "$VAR/checkout.out"))
	wait_idle
	after=$(worker_rss)
	python3 "$BENCH_DIR/checkout.py" "$CPORT" "$SECS" "$CONNS" x x x --fixed >"$VAR/checkout-ceiling.out"
	c=($(head -1 "$VAR/checkout-ceiling.out"))
	ratio=$(python3 -c "c=float('${c[0]}'); print('%.0f%%' % (100*float('${k[0]}')/c) if c else '-')")
	printf '%-34s %10s %9s %9s %7s %12s %12s %10s %9s %7s\n' "checkouts/s (7 requests each)" "${k[0]}" "${k[1]}" \
		"${k[2]}" "${k[3]}" "$before" "$after" "${c[0]}" "${c[2]}" "$ratio"
	echo "  (checkouts: p50/p99 of a whole checkout, non2xx = failed checkouts; ${k[4]} req/s; driver CPU ${k[5]})"
	grep -H '^# first failure' "$VAR/checkout.out" "$VAR/checkout-ceiling.out" | sed "s#^$VAR/#  #" || true
	grep '^# time per step' "$VAR/checkout.out" | sed 's/^# /  checkouts: /' || true
}
if [ "${BENCH_ONLY:-}" = checkout ]; then
	checkout_rows
	exit 0
fi
if [ "${BENCH_ONLY:-}" = catalogue ]; then
	catalogue_rows
	exit 0
fi
if [ "${BENCH_ONLY:-}" != flood ]; then
row "GET /store/customers/me" "$B" "$BENCH_DIR/get_me.lua" "$CB"
catalogue_rows
# Warm-up of the write path, unmeasured: the first seconds of write load after start-up (InnoDB's
# first page writes and redo growth) gave whichever case came first a p99 2-3x the later runs'.
wrk -t2 -c"$CONNS" -d3s -s "$BENCH_DIR/post_me_small.lua" "$B" >/dev/null 2>&1 || true
wrk -t2 -c"$CONNS" -d3s -s "$BENCH_DIR/post_me_small.lua" "$CB" >/dev/null 2>&1 || true
checkout_rows
row "POST /store/customers/me small" "$B" "$BENCH_DIR/post_me_small.lua" "$CB"
row "POST /store/customers/me metadata" "$B" "$BENCH_DIR/post_me_metadata.lua" "$CB"
row "POST /store/customers/me billing" "$B" "$BENCH_DIR/post_me_billing.lua" "$CB"
# scrypt routes: the password pool's throughput, with as many connections as its capacity
# (more would be answered 429 at once)
row "POST /store/auth/token (scrypt) c$PW_CONNS" "$B" "$BENCH_DIR/auth_token.lua" "" "$PW_CONNS"
row "POST /store/customers (scrypt) c$PW_CONNS" "$B" "$BENCH_DIR/register.lua" "" "$PW_CONNS"
f=($(wrk_case "$CB/fixed" "$BENCH_DIR/fixed.lua"))
printf '%-34s %10s %9s %9s\n' "ceiling: fixed JSON, no database" "${f[0]}" "${f[1]}" "${f[2]}"

fi

# the login flood: GET /me alone, then GET /me while 16 connections flood logins
printf '\nlogin flood: 16 connections POST /store/auth/token (unknown emails, wrong passwords); '
printf '%s password worker(s), capacity %s\n' "$PASSWORD_WORKERS" "$PW_CONNS"
# CPU ticks (1/100 s) of nginx's worker: what the flood costs the server's front
ngx_ticks() { awk '{print $14+$15}' "/proc/$(pgrep -P "$(cat "$VAR/nginx.pid")" | head -1)/stat"; }
t0=$(ngx_ticks)
alone=($(wrk_case "$B" "$BENCH_DIR/get_me.lua"))
t1=$(ngx_ticks)
# one wrk thread for the flood's 16 connections, in a session of its own: the load generator
# shares the 2 cores with everything it measures (a real attacker's CPU is elsewhere), and in
# the GET client's session it would also take the GET client's CPU share (autogroups)
setsid /usr/bin/time -f "FLOODCPU %U %S" wrk -t1 -c16 -d"$((SECS + 2))s" --latency -s "$BENCH_DIR/flood_login.lua" "$B" \
	>"$VAR/flood.out" 2>&1 &
FLOOD_PID=$!
sleep 1
t2=$(ngx_ticks)
loaded=($(wrk_case "$B" "$BENCH_DIR/get_me.lua"))
t3=$(ngx_ticks)
wait "$FLOOD_PID" || true
fl_rps=$(awk '/^Requests\/sec/ {print $2}' "$VAR/flood.out")
fl_p50=$(awk '$1=="50%" {print $2}' "$VAR/flood.out")
fl_p99=$(awk '$1=="99%" {print $2}' "$VAR/flood.out")
fl_counts=$(awk '/^FLOOD / {print $2, $3, $4}' "$VAR/flood.out")
share=$(python3 -c "print('%.0f%%' % (100*float('${loaded[0]}')/float('${alone[0]}')))")
printf '%-44s %10s %9s %9s %7s\n' case "req/s" p50 p99 non2xx
printf '%-44s %10s %9s %9s %7s\n' "GET /store/customers/me alone" "${alone[0]}" "${alone[1]}" "${alone[2]}" "${alone[3]}"
printf '%-44s %10s %9s %9s %7s  (%s of alone)\n' "GET /store/customers/me during the flood" "${loaded[0]}" \
	"${loaded[1]}" "${loaded[2]}" "${loaded[3]}" "$share"
printf '%-44s %10s %9s %9s  %s (latency of all flood answers)\n' "flood POST /store/auth/token" "${fl_rps:-?}" \
	"${fl_p50:-?}" "${fl_p99:-?}" "${fl_counts:-?}"
fl_cpu=$(awk '/^FLOODCPU/ {printf "%.0f", 100*($2+$3)/'"$((SECS + 2))"'}' "$VAR/flood.out")
echo "CPU: nginx $(( (t1 - t0) / SECS ))% of a core with GET alone, $(( (t3 - t2) / SECS ))% during the flood;" \
	"the flood's client (wrk, same machine) ${fl_cpu:-?}% of a core"
echo "load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rss = max KiB per worker / number of workers; scrypt cost N=2^$(BIN="$BIN" "$BIN" --check-config 2>/dev/null | awk -F= '/SCRYPT_LOGN/ {print $2}' || echo 15)"
