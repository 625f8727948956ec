#!/bin/bash
# The whole suite: C unit tests, then a throwaway stack (MariaDB in a temp
# datadir, the worker pool, nginx on a free port) and every integration
# script against it. Each program prints TAP-style "ok"/"not ok" lines; this
# script counts them and ends with one line "N passed, M failed, K skipped".
#
# Skips: a line "ok - name # SKIP reason" is a skip, never a pass. Only the parts
# named in LOCAL_SKIPPABLE may skip, and only outside CI: the libFuzzer runs, which
# need clang and libclang-rt-14-dev (scripts/deps.sh installs both). A skip anywhere
# else, or any skip when CI=true, is also counted as a failure: tests/run.sh
# provides everything the other parts need (VAR, BIN, the stack), so a skip
# there means a check did not run. The one exception, in CI too: a check of a
# feature not built yet, declared with Tap.pending() ("# SKIP pending: ... issue N"),
# is counted and listed as skipped without failing the run.
# Usage: tests/run.sh [--unit-only] UNIT_BINARY...
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
UNIT_ONLY=0
if [ "${1:-}" = "--unit-only" ]; then UNIT_ONLY=1; shift; fi
OUT="$(mktemp -d /tmp/medusa-c-test.XXXXXX)"
PASS=0
FAIL=0
SKIP=0
LOCAL_SKIPPABLE=" fuzz fuzz_request "

# run_prog NAME CMD...: runs one test program, counts its lines
run_prog() {
	local name="$1"; shift
	local log="$OUT/${name//\//_}.log"
	"$@" >"$log" 2>&1
	local rc=$?
	local p f s
	s=$(grep -ciE '^ok .*#[[:space:]]*skip([[:space:]]|$)' "$log")
	p=$(($(grep -c '^ok ' "$log") - s))
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc without a failing check (crash?)" >>"$log"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "not ok - $name ran no check" >>"$log"
		f=1
	fi
	# skips of declared pending features never fail the run; any other one may
	local unexpected
	unexpected=$(grep -iE '^ok .*#[[:space:]]*skip([[:space:]]|$)' "$log" | grep -icvE '#[[:space:]]*skip[[:space:]]+pending:')
	if [ "$unexpected" -ne 0 ] && { [ "${CI:-}" = true ] || [[ $LOCAL_SKIPPABLE != *" $name "* ]]; }; then
		local where="this part may not skip"
		[ "${CI:-}" = true ] && where="CI=true: nothing may skip"
		echo "not ok - $name skipped $unexpected check(s) that are not pending features; $where (see tests/run.sh)" >>"$log"
		f=$((f + 1))
	fi
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	SKIP=$((SKIP + s))
	printf '%-28s %4d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
	grep -iE '^not ok|^ok .*#[[:space:]]*skip([[:space:]]|$)' "$log" | head -40 | sed 's/^/    /'
	if [ "$f" -ne 0 ]; then tail -5 "$log" | grep -v '^ok ' | sed 's/^/    | /'; fi
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

for bin in "$@"; do
	run_prog "unit/$(basename "$bin")" "$bin"
done
# a short libFuzzer pass over the body, token, cookie and query parsers (about a minute)
if [ "$UNIT_ONLY" = 0 ] && [ "${FUZZ_SECONDS_IN_TEST:-15}" != 0 ]; then
	run_prog "fuzz" "$ROOT/tests/fuzz/run.sh" "${FUZZ_SECONDS_IN_TEST:-15}" --tap fuzz_body fuzz_token fuzz_cookie fuzz_query fuzz_qengine
fi

if [ "$UNIT_ONLY" = 0 ]; then
	VAR="$OUT/var"
	mkdir -p "$VAR"
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	export VAR PORT
	export WORKERS="${WORKERS:-2}"
	# fresh secrets each run, as long as the binary demands (32 bytes and more)
	JWT_SECRET="test-jwt-$(openssl rand -hex 24)" COOKIE_SECRET="test-cookie-$(openssl rand -hex 24)"
	export JWT_SECRET COOKIE_SECRET
	# "*" = any origin (API.md section 2), so the replay checks our deliberate CORS difference
	export STORE_CORS='*'
	# cheaper scrypt for the suite (registration/login cost is measured by make bench)
	export PASSWORD_SCRYPT_LOGN="${PASSWORD_SCRYPT_LOGN:-12}"
	# the suite logs in and registers hundreds of times from 127.0.0.1, some of it 32 at once,
	# and test_attacks times 25 wrong passwords on one account: password limits loose enough
	# for that (test_ratelimit.py checks the tight ones on a stack of its own)
	export PASSWORD_RATE="${PASSWORD_RATE:-100000r/s}" PASSWORD_BURST="${PASSWORD_BURST:-100000}"
	export PASSWORD_CONN="${PASSWORD_CONN:-256}" PASSWORD_CONN_PER_IP="${PASSWORD_CONN_PER_IP:-256}"
	export LOGIN_MAX_FAILURES="${LOGIN_MAX_FAILURES:-100}"
	# the password pool at normal priority: on a machine shared with other builds a niced one
	# gets ~2% of a core, and the suite's hundreds of logins would take minutes
	export PASSWORD_NICE="${PASSWORD_NICE:-0}"
	# the catalogue the recorded transcripts were made with (docs/IMPORT.md), imported at start
	export SEED_FILES="${SEED_FILES-$ROOT/../shared/reference/store-seed.json $ROOT/tests/fixtures/store-extras.import.json}"
	if [ -n "${SANITIZE:-}" ]; then
		export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$VAR/sanitizer"
		export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$VAR/sanitizer"
	fi
	# the outbox relay delivers to a real receiver (tests/integration/webhook_receiver.py);
	# short retries and purges so test_growth.py sees them within its waits
	HOOK_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	CTL_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	export EVENTS_WEBHOOK_SECRET="$(openssl rand -hex 32)"
	export EVENTS_WEBHOOK_URL="http://127.0.0.1:$HOOK_PORT/hooks/medusa" EVENTS_RECEIVER_URL="http://127.0.0.1:$CTL_PORT"
	export EVENTS_RETRY_MIN=1 EVENTS_RETRY_MAX=2 EVENTS_POLL_MS=200 EVENTS_RETENTION=60 JANITOR_INTERVAL=1
	python3 "$ROOT/tests/integration/webhook_receiver.py" "$HOOK_PORT" "$CTL_PORT" >"$OUT/receiver.log" 2>&1 &
	RECEIVER_PID=$!
	if "$ROOT/scripts/stack.sh" start >"$OUT/stack.log" 2>&1; then
		export BASE_URL="http://127.0.0.1:$PORT"
		for t in "$ROOT"/tests/integration/test_*.py "$ROOT"/tests/integration/replay.py \
			"$ROOT"/tests/integration/replay_store.py "$ROOT"/tests/integration/replay_checkout.py; do
			[ -f "$t" ] || continue
			run_prog "integration/$(basename "$t" .py)" python3 "$t"
		done
		# whole requests from libFuzzer through the router, the handlers and sql/ into this
		# stack's MariaDB (tests/fuzz/fuzz_request.c), seeded with a request of every route
		if [ "${FUZZ_SECONDS_IN_TEST:-15}" != 0 ]; then
			run_prog "fuzz_request" env DATABASE_URL="mysql://root@localhost/medusa?socket=$VAR/mysqld.sock" \
				"$ROOT/tests/fuzz/run.sh" "${FUZZ_REQUEST_SECONDS_IN_TEST:-25}" --tap fuzz_request
		fi
	else
		echo "not ok - the stack did not start" >"$OUT/stack-start.log"
		cat "$OUT/stack.log" | tail -30 | sed 's/^/    | /'
		FAIL=$((FAIL + 1))
	fi
	"$ROOT/scripts/stack.sh" stop >>"$OUT/stack.log" 2>&1
	kill "$RECEIVER_PID" 2>/dev/null
	wait "$RECEIVER_PID" 2>/dev/null
	# A worker that crashed is restarted by the master, so look at the log too: cgi/pool.c
	# logs every end other than a deliberate stop (exit 0 after SIGTERM or MAX_REQUESTS) as
	# "worker N killed by signal S" or "worker N failed with exit status S". test_pool.py
	# kills workers on purpose with SIGKILL and lists their pids in $VAR/test_pool.killed.
	killed_on_purpose=$(tr -s ' \n' '|' <"$VAR/test_pool.killed" 2>/dev/null | sed 's/^|//; s/|$//')
	crashes=$(grep -hE "killed by signal|failed with exit status|AddressSanitizer|runtime error" "$VAR"/log/*.log 2>/dev/null |
		{ if [ -n "$killed_on_purpose" ]; then grep -vE "worker ($killed_on_purpose) killed by signal 9 "; else cat; fi; } || true)
	if [ -n "$crashes" ]; then
		echo "not ok - a worker crashed, failed or a sanitizer reported during the run:"
		echo "$crashes" | head -20 | sed 's/^/    | /'
		FAIL=$((FAIL + 1))
	else
		PASS=$((PASS + 1))
		echo "ok - no worker crashed or failed during the run"
	fi
	if ls "$VAR"/sanitizer* >/dev/null 2>&1; then
		echo "not ok - sanitizer reports (leaks or undefined behaviour):"
		head -60 "$VAR"/sanitizer* | sed 's/^/    | /'
		FAIL=$((FAIL + 1))
	elif [ -n "${SANITIZE:-}" ]; then
		PASS=$((PASS + 1))
		echo "ok - no sanitizer report from any worker"
	fi
fi

echo "logs: $OUT"
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
