#!/bin/bash
# tests/valgrind/run.sh: the pool under valgrind memcheck, driven through nginx with a few
# hundred mixed requests (the Python driver is inline below), then stopped cleanly so every
# process runs its leak check at exit.
#
# How: scripts/stack.sh starts BIN; here BIN is a small wrapper that execs
#   valgrind --leak-check=full --error-exitcode=99 <real binary>
# with WORKERS=1. The pool master forks its worker (fork, no exec), and valgrind keeps the
# child under memcheck; --log-file=...%p gives each process its own report, named by pid.
# --trace-children=yes also covers anything the binary would exec (it does not today).
# A clean SIGTERM makes the worker drain, free its arena, buffers and MariaDB connection and
# exit through main(): its leak report is meaningful. MAX_REQUESTS=150 makes the master
# recycle the worker once mid-run, so a second worker's whole life is checked too.
#
# Verdict: exit 1 if any report has an error (invalid read/write, use of uninitialised
# values, invalid free) or definitely / indirectly lost bytes; "still reachable" blocks
# (library globals of OpenSSL, libmariadb, json-c) are not leaks and are not counted.
#
# Env: BIN (default build/medusa-c; an -O2 -g build is fine, -O0 gives better traces),
#      VAR (default var/valgrind), VALGRIND_REQUESTS (rounds of the mix, default 12, about 45
#      requests each), VALGRIND_TESTS (integration files to run against the same pool too,
#      e.g. "test_hostile test_attacks test_concurrency"; their results are printed only).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
REAL_BIN="$(cd "$(dirname "${BIN:-$ROOT/build/medusa-c}")" && pwd)/$(basename "${BIN:-$ROOT/build/medusa-c}")"
[ -x "$REAL_BIN" ] || { echo "valgrind: no executable at $REAL_BIN (run make first)" >&2; exit 1; }
if ! command -v valgrind >/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "valgrind: installing valgrind (apt-get install -y valgrind)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null
	else
		echo "valgrind: valgrind missing; run: sudo apt-get install valgrind" >&2
		exit 1
	fi
fi

export VAR="${VAR:-$ROOT/var/valgrind}"
mkdir -p "$VAR/log"
VG="$VAR/valgrind"
rm -rf "$VG"
mkdir -p "$VG"
export PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export WORKERS=1 MAX_REQUESTS="${MAX_REQUESTS:-150}" PASSWORD_SCRYPT_LOGN="${PASSWORD_SCRYPT_LOGN:-10}"
# valgrind makes scrypt and JSON work ~30x slower: keep the stuck-worker killer out of the way
export REQUEST_TIMEOUT="${REQUEST_TIMEOUT:-120}"
export JWT_SECRET="${JWT_SECRET:-valgrind-jwt-$(openssl rand -hex 24)}" COOKIE_SECRET="${COOKIE_SECRET:-valgrind-cookie-$(openssl rand -hex 24)}"

WRAP="$VG/medusa-c"
cat >"$WRAP" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \\
	--trace-children=yes --num-callers=30 --log-file="$VG/vg.%p.log" "$REAL_BIN" "\$@"
EOF
chmod +x "$WRAP"
export BIN="$WRAP"

cleanup() { "$ROOT/scripts/stack.sh" stop >>"$VAR/valgrind-stack.log" 2>&1 || true; }
trap cleanup EXIT
echo "valgrind: starting the stack in $VAR on port $PORT (1 worker under memcheck, MAX_REQUESTS=$MAX_REQUESTS)"
# SEED_FILES empty: no catalogue import through the memcheck wrapper
SEED_FILES= "$ROOT/scripts/stack.sh" start >"$VAR/valgrind-stack.log" 2>&1 || { tail -20 "$VAR/valgrind-stack.log"; exit 1; }
MASTER=$(cat "$VAR/medusa-c.pid")

echo "valgrind: sending the mixed requests"
driver_rc=0
BASE_URL="http://127.0.0.1:$PORT" ROUNDS="${VALGRIND_REQUESTS:-12}" python3 - "$ROOT/tests/integration" <<'PY' || driver_rc=$?
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
import common
from common import request, unique_email, jwt_encode

n = {"sent": 0, "5xx": 0}
def go(method, path, body=None, raw=None, ct=None, **kw):
    try:
        r = request(method, path, json_body=body, body=raw, content_type=ct, timeout=120, **kw)
    except common.TransportError as e:
        print("valgrind-driver: no answer: %s" % e)
        n["5xx"] += 1
        return None
    n["sent"] += 1
    if r.status >= 500:
        n["5xx"] += 1
        print("valgrind-driver: %s %s -> %s" % (method, path, r.brief(200)))
    return r

ME = "/store/customers/me"
addr = {"first_name": "V", "last_name": "G", "address_1": "Via 1", "city": "Roma", "country_code": "it",
        "postal_code": "00100"}
for rnd in range(int(os.environ.get("ROUNDS", "12"))):
    email, pw = unique_email("vg"), "pw-valgrind"
    r = go("POST", "/store/customers", {"email": email, "password": pw, "first_name": "Val", "phone": "1"})
    cookie = r.cookie() if r else None
    r = go("POST", "/store/auth/token", {"email": email, "password": pw})
    tok = (r.try_json() or {}).get("access_token") if r else None
    go("POST", "/store/auth", {"email": email.upper(), "password": pw})
    go("POST", "/store/auth", {"email": email, "password": "wrong"})
    go("POST", "/store/auth/token", {"email": unique_email("nobody"), "password": "wrong"})
    go("GET", "/store/auth", cookie=cookie)
    go("GET", "/store/auth/" + email)
    go("GET", ME, token=tok)
    go("GET", ME, cookie=cookie)
    go("POST", ME, {"first_name": "R%d" % rnd, "metadata": {"a": rnd, "b": [1, 2.5, None, {"c": "d"}], "e": ""}}, token=tok)
    go("POST", ME, {"metadata": {"a": "", "z" * 40: "x" * 300, "1": True, "10": False}}, token=tok)
    r = go("POST", ME, {"billing_address": addr}, token=tok)
    go("POST", ME, {"billing_address": {"city": "Milano", "metadata": {"k": 1}}}, token=tok)
    r = go("POST", ME + "/addresses", {"address": dict(addr, metadata={"x": 1})}, token=tok)
    ids = [a["id"] for a in ((r.try_json() or {}).get("customer") or {}).get("shipping_addresses", [])] if r else []
    go("POST", ME + "/addresses", {"address": dict(addr, address_1="Via 2")}, token=tok)
    if ids:
        go("POST", ME + "/addresses/" + ids[0], {"city": "Napoli", "metadata": {"y": 2}}, token=tok)
        go("POST", ME, {"billing_address": ids[0]}, token=tok)
        go("DELETE", ME + "/addresses/" + ids[0], token=tok)
        go("DELETE", ME + "/addresses/" + ids[0], token=tok)
    go("POST", ME, {"billing_address": None}, token=tok)
    go("POST", ME, {"email": unique_email("vg2"), "phone": None}, token=tok)
    go("GET", ME + "/orders?limit=5&offset=0&status[]=pending&fields=id&expand=items", token=tok)
    go("GET", ME + "/orders?limit=abc", token=tok)
    go("GET", ME + "/payment-methods", token=tok)
    go("POST", "/store/customers/password-token", {"email": email})
    go("POST", "/store/customers/password-reset", {"email": email, "token": "x.y.z", "password": "n"})
    go("POST", ME, {"password": "pw-valgrind-2"}, token=tok)
    # hostile bodies and credentials
    go("POST", ME, raw=b'{"first_name":', ct="application/json", token=tok)
    go("POST", ME, raw=b'{"metadata":' + b"[" * 200 + b"]" * 200 + b"}", ct="application/json", token=tok)
    go("POST", ME, raw=b'{"first_name":"\xff"}', ct="application/json", token=tok)
    go("POST", ME, raw=b'{"first_name":"a\\u0000b","metadata":{"n":1e999,"m":18446744073709551616}}',
       ct="application/json", token=tok)
    go("POST", ME, raw=b"[1,2]", ct="application/json", token=tok)
    go("POST", ME, raw=b'{"first_name":"x"}', ct="text/plain", token=tok)
    go("POST", ME, raw=b'{"x":"' + b"y" * 110000 + b'"}', ct="application/json", token=tok)
    go("POST", ME, {"first_name": 5, "last_name": "x" * 300, "bogus": 1, "billing_address": {"country_code": 5}},
       token=tok)
    go("POST", ME, {"billing_address": {"country_code": "zz", "first_name": "a"}}, token=tok)
    go("GET", ME, token=jwt_encode({"customer_id": "cus_x", "domain": "store"}, alg="none", header={"alg": "none"}))
    go("GET", ME, token="a.b.c")
    go("GET", ME, headers=[("Cookie", "connect.sid=s%3Agarbage.sig")])
    go("GET", "/store/auth/%E0%A4")
    go("GET", "/nope?x=1")
    go("OPTIONS", ME, headers=[("Origin", "http://a.example"), ("Access-Control-Request-Headers", "content-type")])
    go("DELETE", "/store/auth", cookie=cookie)
    go("GET", "/health")
    go("GET", "/status?json")
print("valgrind-driver: %d requests answered, %d without an answer or 5xx" % (n["sent"], n["5xx"]))
sys.exit(1 if n["5xx"] else 0)
PY


# optional: integration test files run against the same memcheck'd pool (their own verdicts
# are printed, not counted: timing checks are meaningless under valgrind)
for t in ${VALGRIND_TESTS:-}; do
	echo "valgrind: running tests/integration/$t.py against the memcheck'd pool"
	BASE_URL="http://127.0.0.1:$PORT" python3 "$ROOT/tests/integration/$t.py" >"$VG/$t.out" 2>&1 || true
	echo "valgrind:   $t: $(tail -1 "$VG/$t.out")"
done

echo "valgrind: stopping the pool (SIGTERM, clean exit with leak check)"
"$ROOT/scripts/stack.sh" stop >>"$VAR/valgrind-stack.log" 2>&1 || true
for _ in $(seq 600); do kill -0 "$MASTER" 2>/dev/null || break; sleep 0.1; done
sleep 1

fail=0
[ "$driver_rc" -eq 0 ] || fail=1
reports=("$VG"/vg.*.log)
echo "valgrind: ${#reports[@]} process report(s) in $VG"
for f in "${reports[@]}"; do
	pid=${f##*/vg.}
	pid=${pid%.log}
	role=worker
	[ "$pid" = "$MASTER" ] && role=master
	errors=$(awk '/ERROR SUMMARY:/ {print $4}' "$f" | tail -1)
	def=$(awk '/definitely lost:/ {gsub(",", "", $4); print $4}' "$f" | tail -1)
	ind=$(awk '/indirectly lost:/ {gsub(",", "", $4); print $4}' "$f" | tail -1)
	invalid=$(grep -cE "Invalid (read|write|free)|uninitialised|Mismatched free|overlap" "$f" || true)
	printf 'valgrind: %-6s pid %-8s errors %-4s definitely lost %-6s indirectly lost %-6s invalid/uninit %s\n' \
		"$role" "$pid" "${errors:-?}" "${def:-0}" "${ind:-0}" "$invalid"
	if [ -z "$errors" ]; then
		echo "valgrind:   no ERROR SUMMARY: the process did not exit cleanly (killed?)"
		fail=1
	elif [ "$errors" != 0 ] || [ "${def:-0}" != 0 ] || [ "${ind:-0}" != 0 ]; then
		fail=1
		grep -E "^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in)" -A12 "$f" | head -60 | sed 's/^/  | /'
	fi
done
grep -hE "killed by signal|stuck in one request" "$VAR/log/medusa-c.log" 2>/dev/null | tail -3 | sed 's/^/valgrind: log: /' || true
if [ "$fail" -eq 0 ]; then echo "valgrind: PASS (no memory errors, no definite or indirect leaks)"; else echo "valgrind: FAIL"; fi
exit "$fail"
