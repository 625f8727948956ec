#!/bin/bash
# Runs the whole-request fuzz target (tests/fuzz/fuzz_request.c) for SECONDS against a
# throwaway stack of its own (MariaDB in a temp datadir, as tests/run.sh starts it), or
# against the database at DATABASE_URL when that is set (with JWT_SECRET/COOKIE_SECRET).
# Usage: tests/fuzz/request.sh [SECONDS] [--tap]   (make fuzz runs it after the other targets)
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -n "${DATABASE_URL:-}" ]; then
	exec "$ROOT/tests/fuzz/run.sh" "$@" fuzz_request
fi
VAR="$(mktemp -d /tmp/medusa-c-fuzzreq.XXXXXX)"
export VAR
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PORT WORKERS=1
export BIN="${BIN:-$ROOT/build/medusa-c}"
secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
export JWT_SECRET="${JWT_SECRET:-$(secret)}" COOKIE_SECRET="${COOKIE_SECRET:-$(secret)}"
if ! "$ROOT/scripts/stack.sh" start >"$VAR/stack.log" 2>&1; then
	echo "not ok - fuzz_request: the stack did not start (log: $VAR/stack.log)"
	tail -20 "$VAR/stack.log" | sed 's/^/    | /'
	exit 1
fi
DATABASE_URL="mysql://root@localhost/medusa?socket=$VAR/mysqld.sock" "$ROOT/tests/fuzz/run.sh" "$@" fuzz_request
rc=$?
"$ROOT/scripts/stack.sh" stop >>"$VAR/stack.log" 2>&1
[ "$rc" -eq 0 ] && rm -rf "$VAR"
exit "$rc"
