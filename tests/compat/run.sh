#!/bin/bash
# tests/compat/run.sh: runs flow.mjs, the official @medusajs/medusa-js client against the
# stack at BASE_URL, and prints its TAP lines. Installs the pinned client from
# package-lock.json into tests/compat/node_modules (git-ignored) on first use.
# Needs node >= 18 and npm (Debian: nodejs npm). Usage: BASE_URL=http://127.0.0.1:8080 tests/compat/run.sh
# `tests/compat/run.sh token CUSTOMER_ID` prints a token signed the way Medusa signs one, with
# Medusa's own jsonwebtoken and JWT_SECRET from the environment (medusa-token.mjs; test_api.py).
# `tests/compat/run.sh node FILE.mjs` runs another script against the same installed client
# (tests/integration/test_checkout_js.mjs).
set -u
DIR="$(cd "$(dirname "$0")" && pwd)"
cd "$DIR" || exit 1

MODE=flow
[ "${1:-}" = token ] && MODE=token
[ "${1:-}" = node ] && MODE=node
if [ "$MODE" != token ] && [ -z "${BASE_URL:-}" ]; then
	echo "not ok - medusa-js: BASE_URL is not set"
	exit 1
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "not ok - node/npm missing"
	exit 1
fi

# Reinstall when the lockfile is newer than the last install (npm writes
# node_modules/.package-lock.json on every install).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
	[ ! -d node_modules/@medusajs/medusa-js ] || [ ! -d node_modules/jsonwebtoken ]; then
	# --legacy-peer-deps: medusa-js declares @medusajs/medusa (the whole server) as a
	# peer dependency, which npm >= 7 would otherwise install.
	if ! log=$(npm ci --legacy-peer-deps --no-audit --no-fund --loglevel=error 2>&1); then
		echo "not ok - medusa-js: npm ci failed"
		printf '%s\n' "$log" | tail -20 | sed 's/^/#   /'
		exit 1
	fi
fi

[ "$MODE" = token ] && exec node medusa-token.mjs "${2:-}"
[ "$MODE" = node ] && exec node "${2:?usage: run.sh node FILE.mjs}"
exec node flow.mjs
