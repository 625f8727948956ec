#!/bin/bash
# tests/storefront/run.sh (make storefront-test): the official v1 Next.js starter storefront,
# unmodified, against a private medusa-c stack with ../shared/reference/store-seed.json
# imported, driven by Debian's chromium through playwright-core (journey.mjs).
#
#   1. install the starter: unpack the tarball and `yarn install --frozen-lockfile` once into
#      a cache outside the repo, keyed by the tarball's sha256 (about 780 MB, 2-3 minutes the
#      first time; STOREFRONT_CACHE overrides the place); playwright-core (package-lock.json
#      here) into tests/storefront/node_modules (git-ignored)
#   2. a private stack (scripts/stack.sh) on free ports: MariaDB, workers, nginx
#   3. a hard-linked copy of the installed tree per run, `next build` against the stack (the
#      build calls the backend ~760 times: every call must answer 2xx), `next start`
#   4. journey.mjs: one TAP line per step, a screenshot per step
# Prints TAP lines and ends with one line "N passed, M failed, K skipped" (skipped: journey
# steps reported "not ok ... # TODO" because a route they need is not built yet, see
# journey.mjs); logs and screenshots stay in the directory printed as "logs:".
#
# Env: BIN (medusa-c binary), CHROMIUM (default /usr/bin/chromium), STOREFRONT_TARBALL,
# STOREFRONT_CACHE, STEP_TIMEOUT_MS (journey waits, default 60000).
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/tests/storefront"
REF="$ROOT/../shared/reference"
TARBALL="${STOREFRONT_TARBALL:-$REF/storefront/nextjs-starter-medusa-v1.tar.gz}"
SEED="$REF/store-seed.json"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
BIN="${BIN:-$ROOT/build/medusa-c}"
OUT="$(mktemp -d /tmp/medusa-c-storefront.XXXXXX)"
mkdir -p "$OUT/shots"
PASS=0
FAIL=0
SKIP=0
T_START=$(date +%s)

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
notok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
indent() { sed 's/^/#   /'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
phase() { echo "# $1: $(($(date +%s) - $2)) s"; }

NEXT_PID=
finish() {
	if [ -n "$NEXT_PID" ]; then
		kill -TERM -- "-$NEXT_PID" 2>/dev/null
		wait "$NEXT_PID" 2>/dev/null
	fi
	[ -n "${VAR:-}" ] && "$ROOT/scripts/stack.sh" stop >>"$OUT/stack.log" 2>&1
	# the run's copy of the app is big (hard links, but 60,000 of them): drop it, keep the logs
	rm -rf "$OUT/app"
	echo "# total: $(($(date +%s) - T_START)) s"
	echo "logs: $OUT"
	echo "$PASS passed, $FAIL failed, $SKIP skipped"
}
# (an explicit status: a bare `exit` in a trap would keep the status of the command before it)
trap 'finish; trap - EXIT; if [ "$FAIL" -eq 0 ]; then exit 0; else exit 1; fi' EXIT
trap 'exit 130' INT TERM

# ---- prerequisites ----
for t in node npm python3 curl; do
	command -v "$t" >/dev/null 2>&1 || { notok "$t is missing (scripts/deps.sh)"; exit 1; }
done
if [ -x "$CHROMIUM" ] && "$CHROMIUM" --version >/dev/null 2>&1; then
	ok "chromium: $("$CHROMIUM" --version 2>/dev/null | head -1)"
else
	notok "no chromium at $CHROMIUM (Debian: apt-get install chromium; .ci/run installs it)"
	exit 1
fi
[ -f "$TARBALL" ] || { notok "no storefront tarball at $TARBALL"; exit 1; }
[ -x "$BIN" ] || { notok "no medusa-c binary at $BIN (make)"; exit 1; }

# ---- 1. installs (cached) ----
t0=$(date +%s)
HASH=$(sha256sum "$TARBALL" | cut -c1-16)
CACHE="${STOREFRONT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/medusa-c}/storefront-$HASH"
mkdir -p "$(dirname "$CACHE")"
(
	# one installer at a time; a half-done install never becomes $CACHE (rename at the end)
	flock 9
	[ -f "$CACHE/.installed" ] && exit 0
	rm -rf "$CACHE.tmp" && mkdir -p "$CACHE.tmp" && tar xzf "$TARBALL" -C "$CACHE.tmp" || exit 1
	# the starter's own lockfile and yarn version (reference/storefront/README.md)
	(cd "$CACHE.tmp" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1 \
		npx --yes yarn@1.22.22 install --frozen-lockfile --non-interactive --network-timeout 300000) \
		>"$OUT/install.log" 2>&1 || exit 1
	touch "$CACHE.tmp/.installed"
	rm -rf "$CACHE" && mv "$CACHE.tmp" "$CACHE"
) 9>"$CACHE.lock"
if [ -f "$CACHE/.installed" ]; then
	ok "storefront installed in $CACHE"
else
	notok "storefront install failed"
	tail -20 "$OUT/install.log" 2>/dev/null | indent
	exit 1
fi
if [ ! -f "$HERE/node_modules/.package-lock.json" ] || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
	if ! (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) >"$OUT/npm.log" 2>&1; then
		notok "npm ci of playwright-core failed"
		tail -20 "$OUT/npm.log" | indent
		exit 1
	fi
fi
ok "playwright-core $(node -p 'require(process.argv[1]).version' "$HERE/node_modules/playwright-core/package.json")"
phase "installs" "$t0"

# ---- 2. the stack ----
t0=$(date +%s)
export VAR="$OUT/var" PORT WORKERS=2 BIN
PORT=$(free_port)
mkdir -p "$VAR"
JWT_SECRET="test-jwt-$(openssl rand -hex 24)" COOKIE_SECRET="test-cookie-$(openssl rand -hex 24)"
export JWT_SECRET COOKIE_SECRET
export SEED_FILES="$SEED" PASSWORD_NICE=0 PASSWORD_SCRYPT_LOGN="${PASSWORD_SCRYPT_LOGN:-12}"
if "$ROOT/scripts/stack.sh" start >"$OUT/stack.log" 2>&1; then
	ok "medusa-c stack with store-seed.json on 127.0.0.1:$PORT"
else
	notok "the stack did not start"
	tail -20 "$OUT/stack.log" | indent
	exit 1
fi
BACKEND="http://127.0.0.1:$PORT"
ACCESS="$VAR/log/nginx-access.log"
phase "stack" "$t0"

# ---- 3. build and start the storefront ----
t0=$(date +%s)
SFPORT=$(free_port)
SF_URL="http://localhost:$SFPORT"
APP="$OUT/app"
cp -al "$CACHE/." "$APP" 2>/dev/null || { rm -rf "$APP"; cp -a "$CACHE/." "$APP"; }
rm -rf "$APP/.next" "$APP/.installed"
export NEXT_TELEMETRY_DISABLED=1 NEXT_PUBLIC_MEDUSA_BACKEND_URL="$BACKEND" NEXT_PUBLIC_BASE_URL="$SF_URL" \
	NEXT_PUBLIC_DEFAULT_REGION=us
before=$(wc -l <"$ACCESS")
if (cd "$APP" && nice node_modules/.bin/next build) >"$OUT/build.log" 2>&1; then
	ok "next build ($(($(date +%s) - t0)) s)"
else
	notok "next build failed"
	grep -iE "error|fail" "$OUT/build.log" | head -20 | indent
	tail -n +"$((before + 1))" "$ACCESS" | awk '$6 !~ /^2/' | head -20 | indent
	exit 1
fi
calls=$(($(wc -l <"$ACCESS") - before))
bad=$(tail -n +"$((before + 1))" "$ACCESS" | awk '$6 !~ /^2/')
if [ -z "$bad" ] && [ "$calls" -gt 100 ]; then
	ok "every one of the build's $calls backend calls answered 2xx"
else
	notok "the build's backend calls: $calls, not all 2xx"
	printf '%s\n' "$bad" | head -20 | indent
fi
phase "build" "$t0"
t0=$(date +%s)
rm -rf "$APP/.next/cache/fetch-cache"
(cd "$APP" && exec setsid node_modules/.bin/next start -p "$SFPORT" -H 127.0.0.1) >"$OUT/next.log" 2>&1 &
NEXT_PID=$!
# readiness: poll the port until next answers (bounded), not a fixed sleep
for _ in $(seq 1 300); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$SFPORT/us" 2>/dev/null)
	[ "$code" = 200 ] && break
	kill -0 "$NEXT_PID" 2>/dev/null || break
	sleep 0.2
done
if [ "${code:-}" = 200 ]; then
	ok "next start on $SF_URL"
else
	notok "next start: GET /us answered ${code:-nothing}"
	tail -20 "$OUT/next.log" | indent
	exit 1
fi
phase "start" "$t0"

# ---- 4. the journey ----
t0=$(date +%s)
before=$(wc -l <"$ACCESS")
SF_URL="$SF_URL" BACKEND_URL="$BACKEND" SEED="$SEED" SHOTS="$OUT/shots" CHROMIUM="$CHROMIUM" \
	node "$HERE/journey.mjs" >"$OUT/journey.log" 2>&1
cat "$OUT/journey.log"
p=$(grep -c '^ok ' "$OUT/journey.log")
f=$(grep '^not ok ' "$OUT/journey.log" | grep -vc '# TODO')
s=$(grep '^not ok ' "$OUT/journey.log" | grep -c '# TODO')
PASS=$((PASS + p))
FAIL=$((FAIL + f))
SKIP=$((SKIP + s))
if [ $((p + f + s)) -eq 0 ]; then notok "the journey ran no step"; fi
if [ $((f + s)) -ne 0 ]; then
	echo "# backend answers other than 2xx during the journey (nginx access log; 401 on /customers/me is logged out):"
	tail -n +"$((before + 1))" "$ACCESS" | awk '$6 !~ /^2/ {print $3, $4, $6}' | head -30 | indent
	grep -E "Error|error" "$OUT/next.log" | grep -v ENOTFOUND | sort | uniq -c | sort -rn | head -10 | indent
fi
[ "$s" -ne 0 ] && echo "# $s step(s) not ok as TODO: they need routes that are not on main yet (counted as skipped)"
phase "journey" "$t0"
echo "# screenshots: $OUT/shots"
